/* test_hpkey: ids, hashes and keys that survive upgrades (io/hpkey.h), and readers that
 * take the default for a field written before it existed.
 *
 * V2 keys cover only non-default parameters, sorted by name: a default configuration has no
 * parameter in its key, setting a parameter to its default value changes nothing, the order
 * is by name whatever the registry order. V1 (hsweep 0.1) covers every 0.1 parameter in 0.1
 * order and gives 0.1's golden ids and keys (the fixtures in tests/fixtures/run-v0.1 check
 * the same end to end). A journal record without a field reads as the default; one with an
 * out-of-bounds value is refused. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hpkey.h"
#include "io/journal.h"
#include "io/strbuf.h"
#include "sweep/expand.h"
#include "tests/test_util.h"

static void test_params(void) {
    hs_hparams hp;
    hparams_default(&hp);
    size_t ks[HS_HP_COUNT];
    CHECK(hpkey_params(&hp, HPKEY_V2, 0, ks, NULL) == 0, "defaults: empty V2 key");
    CHECK(hpkey_params(&hp, HPKEY_V2, 1, ks, NULL) == 0, "default seed is left out too");
    size_t n = hpkey_params(&hp, HPKEY_V1, 0, ks, NULL);
    CHECK(n == 16 && ks[0] == HS_HP_CELL && ks[15] == HS_HP_HORIZON, "V1: 0.1's 16 in order");
    CHECK(hpkey_params(&hp, HPKEY_V1, 1, ks, NULL) == 17 && ks[16] == HS_HP_SEED, "V1 seed last");
    hp.units = 8;
    hp.clip = 1.0f;
    hp.seed = 99;
    n = hpkey_params(&hp, HPKEY_V2, 0, ks, NULL);
    CHECK(n == 2 && ks[0] == HS_HP_CLIP && ks[1] == HS_HP_UNITS, "V2: sorted by name (%zu)", n);
    n = hpkey_params(&hp, HPKEY_V2, 1, ks, NULL);
    CHECK(n == 3 && ks[1] == HS_HP_SEED, "V2 with the seed (%zu)", n);
    /* a value equal to the default is the default, however it was set */
    hs_hparams a, b;
    hparams_default(&a);
    b = a;
    b.learning_rate = 0.001f;
    b.units = 32;
    CHECK(hpkey_trial_hash(&a, 0, HPKEY_V2) == hpkey_trial_hash(&b, 0, HPKEY_V2), "same id");
    CHECK(hpkey_ckpt_key(&a, NULL, HPKEY_V2) == hpkey_ckpt_key(&b, NULL, HPKEY_V2), "same key");
    b.units = 33;
    CHECK(hpkey_trial_hash(&a, 0, HPKEY_V2) != hpkey_trial_hash(&b, 0, HPKEY_V2), "units");
    CHECK(hpkey_trial_hash(&a, 0, HPKEY_V1) != hpkey_trial_hash(&a, 0, HPKEY_V2), "schemes differ");
    /* negative control: the key of one parameter is not the key of another */
    b = a;
    b.patience = 3;
    hs_hparams c = a;
    c.epochs = 3;
    CHECK(hpkey_trial_hash(&b, 0, HPKEY_V2) != hpkey_trial_hash(&c, 0, HPKEY_V2), "name counts");
}

static void test_golden(void) {
    /* hsweep 0.1's ids and checkpoint keys of the default configuration, from its code */
    hs_hparams hp;
    hparams_default(&hp);
    char id[17];
    expand_id_string(hpkey_trial_hash(&hp, 0, HPKEY_V1), id);
    CHECK(strcmp(id, "f70e46008229bed3") == 0, "0.1 golden id %s", id);
    /* the first trial of tests/fixtures/run-v0.1/finished (configs/tiny.yaml) */
    hp.cell = HS_CELL_LSTM;
    hp.units = 4;
    hp.epochs = 2;
    hp.learning_rate = 1e-3f;
    hp.batch_size = 16;
    hp.sequence_length = 8;
    hp.sampling_rate = 1;
    hp.horizon = 2;
    expand_id_string(hpkey_trial_hash(&hp, 0, HPKEY_V1), id);
    CHECK(strcmp(id, "0a75ae25ac24036b") == 0, "0.1 fixture id %s", id);
}

static void test_journal_defaults(void) {
    journal_record r;
    journal_record_init(&r);
    snprintf(r.id, sizeof r.id, "0123456789abcdef");
    r.hp.units = 7;
    strbuf sb;
    strbuf_init(&sb);
    hs_error err;
    CHECK(journal_record_format(&r, &sb, &err) == 0, "format: %s", err.msg);
    /* a record written before `clip` existed */
    char *old = strdup(strbuf_str(&sb));
    char *p = strstr(old, "\"clip\":0,");
    CHECK(p != NULL, "clip in the record");
    if (p) memmove(p, p + 9, strlen(p + 9) + 1);
    journal_record b;
    CHECK(journal_record_parse(old, strlen(old), &b, &err) == 0, "missing field: %s", err.msg);
    CHECK(b.hp.clip == 0.0f && b.hp.units == 7, "default taken, the rest read");
    journal_record_deinit(&b);
    /* a value outside the registry's bounds is refused */
    char *bad = strdup(strbuf_str(&sb));
    p = strstr(bad, "\"units\":7");
    if (p) p[8] = '0';
    CHECK(journal_record_parse(bad, strlen(bad), &b, &err) == HS_ERR_FORMAT && strstr(err.msg, "units"),
          "units 0 refused: %s", err.msg);
    journal_record_deinit(&b);
    free(bad);
    free(old);
    strbuf_deinit(&sb);
    journal_record_deinit(&r);
}

int main(void) {
    test_params();
    test_golden();
    test_journal_defaults();
    return test_failures("test_hpkey");
}
