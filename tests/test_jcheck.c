/* test_jcheck: the record and event checks of io/jcheck.h, one case per rule, each with the
 * valid record it was derived from as the control; jcheck_read sets aside exactly the bad
 * records, before duplicates are resolved (a bad later record does not hide a good one). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/hpkey.h"
#include "io/jcheck.h"
#include "io/journal.h"
#include "io/strbuf.h"
#include "test_util.h"

/* A valid ok record of scheme s: units u, repeat 0, on dataset "00112233aabbccdd". */
static void make(journal_record *r, size_t units, hpkey_scheme s) {
    static const char hex[] = "0123456789abcdef";
    journal_record_init(r);
    r->hp.units = units;
    r->hp.epochs = 10;
    uint64_t h = hpkey_trial_hash(&r->hp, 0, s);
    for (int i = 0; i < 16; i++) r->id[i] = hex[(h >> (60 - 4 * i)) & 0xf];
    r->id[16] = '\0';
    r->val_mae = 2.0;
    r->val_loss = 6.0;
    r->test_mae = 2.1;
    r->best_epoch = 7;
    r->epochs_run = 10;
    r->wall_s = 1.5;
    snprintf(r->dataset, sizeof r->dataset, "00112233aabbccdd");
}

static jcheck_verdict verdict(const journal_record *r, const jcheck_expect *x, const char *want) {
    char why[256];
    jcheck_verdict v = jcheck_record(r, x, why, sizeof why);
    if (want) CHECK(strstr(why, want) != NULL, "reason '%s' lacks '%s'", why, want);
    return v;
}

static void test_records(void) {
    jcheck_expect x = {HPKEY_V2, "00112233aabbccdd"};
    journal_record r;
    make(&r, 32, HPKEY_V2);
    CHECK(verdict(&r, &x, NULL) == JCHECK_VALID, "control: a valid record");
    r.val_mae = -1;
    CHECK(verdict(&r, &x, "val_mae -1 is negative") == JCHECK_INVALID, "negative val_mae");
    make(&r, 32, HPKEY_V2);
    r.test_mae = -0.5;
    CHECK(verdict(&r, &x, "test_mae") == JCHECK_INVALID, "negative test_mae");
    make(&r, 32, HPKEY_V2);
    r.val_mae = NAN;
    CHECK(verdict(&r, &x, "status ok without") == JCHECK_INVALID, "ok without val_mae");
    r.status = JOURNAL_DIVERGED;
    CHECK(verdict(&r, &x, NULL) == JCHECK_VALID, "diverged with a null val_mae is valid");
    make(&r, 32, HPKEY_V2);
    r.best_epoch = 11;
    CHECK(verdict(&r, &x, "best_epoch 11 > epochs_run 10") == JCHECK_INVALID, "best_epoch > epochs_run");
    make(&r, 32, HPKEY_V2);
    r.status = JOURNAL_FAILED;
    r.best_epoch = 0;
    r.epochs_run = 0;
    r.val_mae = r.val_loss = r.test_mae = NAN;
    CHECK(verdict(&r, &x, NULL) == JCHECK_VALID, "a failed record with nothing trained is valid");
    make(&r, 32, HPKEY_V2);
    r.epochs_run = 12;
    CHECK(verdict(&r, &x, "epochs_run 12 > hparams.epochs 10") == JCHECK_INVALID, "epochs_run > epochs");
    make(&r, 32, HPKEY_V2);
    r.status = JOURNAL_PAUSED;
    r.test_mae = NAN;
    r.epochs_run = 3;
    r.best_epoch = 3;
    CHECK(verdict(&r, &x, NULL) == JCHECK_VALID, "a paused record at a rung is valid");
    make(&r, 32, HPKEY_V2);
    r.hp.units = 64;   /* hparams edited under the id */
    CHECK(verdict(&r, &x, "is not the hash") == JCHECK_INVALID, "id does not match hparams");
    make(&r, 32, HPKEY_V2);
    r.repeat = 1;
    CHECK(verdict(&r, &x, "repeat 1") == JCHECK_INVALID, "id does not match the repeat");
    make(&r, 32, HPKEY_V2);
    snprintf(r.dataset, sizeof r.dataset, "ffffffffffffffff");
    CHECK(verdict(&r, &x, "trained on dataset ffffffffffffffff") == JCHECK_FOREIGN, "another dataset");
    r.dataset[0] = '\0';   /* a record of hsweep 0.1: no fingerprint */
    CHECK(verdict(&r, &x, NULL) == JCHECK_VALID, "a record without a fingerprint");
    /* id schemes: V1 ids valid in a V1 directory only; unknown scheme accepts both */
    journal_record v1;
    make(&v1, 48, HPKEY_V1);
    make(&r, 48, HPKEY_V2);
    CHECK(strcmp(v1.id, r.id) != 0, "V1 and V2 ids differ");
    jcheck_expect x1 = {HPKEY_V1, ""}, x0 = {0, ""};
    CHECK(verdict(&v1, &x1, NULL) == JCHECK_VALID, "V1 id in a V1 directory");
    CHECK(verdict(&v1, &x, NULL) == JCHECK_INVALID, "V1 id in a V2 directory");
    CHECK(verdict(&r, &x1, NULL) == JCHECK_INVALID, "V2 id in a V1 directory");
    CHECK(verdict(&v1, &x0, NULL) == JCHECK_VALID && verdict(&r, &x0, NULL) == JCHECK_VALID, "unknown scheme");
}

static void test_events(void) {
    journal_event e;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "0123456789abcdef");
    e.kind = JOURNAL_EV_EPOCH;
    e.epoch = 3;
    e.val_loss = 1.0;
    e.val_mae = 0.5;
    snprintf(e.decision, sizeof e.decision, "pause");
    CHECK(jcheck_event(&e, NULL, 0) == JCHECK_VALID, "control: a valid epoch event");
    e.epoch = 0;
    CHECK(jcheck_event(&e, NULL, 0) == JCHECK_INVALID, "epoch 0");
    e.epoch = 3;
    e.val_mae = -1;
    CHECK(jcheck_event(&e, NULL, 0) == JCHECK_INVALID, "negative val_mae");
    e.val_mae = NAN;
    CHECK(jcheck_event(&e, NULL, 0) == JCHECK_VALID, "null val_mae (diverged)");
    e.kind = JOURNAL_EV_START;
    e.epoch = 3;
    e.until = 9;
    CHECK(jcheck_event(&e, NULL, 0) == JCHECK_VALID, "start 3 -> 9");
    e.until = 1;
    CHECK(jcheck_event(&e, NULL, 0) == JCHECK_INVALID, "start until < from");
}

/* a journal: good A, bad B, good C, bad later copy of A (must not replace A) */
static void test_read(void) {
    char path[] = "/tmp/test_jcheck_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0) return;
    close(fd);
    journal_record a, b, c, a2;
    make(&a, 8, HPKEY_V2);
    make(&b, 16, HPKEY_V2);
    b.best_epoch = 99;
    make(&c, 24, HPKEY_V2);
    make(&a2, 8, HPKEY_V2);
    a2.val_mae = -3;
    strbuf sb;
    strbuf_init(&sb);
    const journal_record *all[4] = {&a, &b, &c, &a2};
    for (int i = 0; i < 4; i++) {
        journal_record_format(all[i], &sb, NULL);
        strbuf_putc(&sb, '\n');
    }
    FILE *f = fopen(path, "wb");
    fwrite(sb.data, 1, sb.len, f);
    fclose(f);
    strbuf_deinit(&sb);
    jcheck_expect x = {HPKEY_V2, "00112233aabbccdd"};
    journal_record *recs = NULL;
    size_t n = 0;
    journal_read_info info;
    jcheck_report rep;
    hs_error err;
    CHECK(jcheck_read(path, &x, &recs, &n, &info, &rep, &err) == 0, "read: %s", err.msg);
    CHECK(n == 2 && info.set_aside == 2 && rep.invalid == 2 && rep.foreign == 0, "n %zu aside %zu", n,
          info.set_aside);
    CHECK(n == 2 && strcmp(recs[0].id, a.id) == 0 && recs[0].val_mae == 2.0 && strcmp(recs[1].id, c.id) == 0,
          "the good records, the first A kept");
    CHECK(rep.first.line == 2 && strcmp(rep.first.id, b.id) == 0, "first set aside: line %ld", rep.first.line);
    char line[1600];
    jcheck_format(&rep, "runs/x", line, sizeof line);
    CHECK(strstr(line, "2 journal records set aside (2 invalid, 0 foreign; first ") &&
          strstr(line, ":2: trial ") && strstr(line, "`hsweep journal check runs/x`"), "line: %s", line);
    journal_records_free(recs, n);
    /* negative control: without the check all four parse and the bad A replaces the good */
    CHECK(journal_read(path, &recs, &n, &info, &err) == 0 && n == 3 && recs[0].val_mae == 2.0 &&
          recs[2].val_mae == -3, "control: plain read keeps the bad records (n %zu)", n);
    journal_records_free(recs, n);
    unlink(path);
}

int main(void) {
    test_records();
    test_events();
    test_read();
    printf("test_jcheck: %d checks, %d failed\n", test_check_count, test_fail_count);
    return test_fail_count;
}
