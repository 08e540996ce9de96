/* hpkey: canonical keys of hyperparameters for both id schemes (see hpkey.h). */
#include "io/hpkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/sha256.h"
#include "model/rng.h"

/* hsweep 0.1's parameters in its struct order: the V1 scheme, frozen. */
static const char *const hpkey_v1_names[] = {
    "cell", "units", "layers", "dropout", "recurrent_dropout", "head_dropout", "bidirectional",
    "optimizer", "learning_rate", "batch_size", "epochs", "patience", "clip", "sequence_length",
    "sampling_rate", "horizon", "seed"};
enum { HPKEY_V1_N = sizeof hpkey_v1_names / sizeof hpkey_v1_names[0] };

static int hpkey_by_name(const void *a, const void *b) {
    return strcmp(hparams_info(*(const size_t *)a)->name, hparams_info(*(const size_t *)b)->name);
}

size_t hpkey_order(hpkey_scheme s, int with_seed, size_t *out) {
    size_t n = 0;
    if (s == HPKEY_V1) {
        for (size_t i = 0; i < HPKEY_V1_N; i++) {
            size_t k = hparams_find(hpkey_v1_names[i]);
            if (k < HS_HP_COUNT && (k != HS_HP_SEED || with_seed)) out[n++] = k;
        }
        return n;
    }
    for (size_t k = 0; k < HS_HP_COUNT; k++)
        if (k != HS_HP_SEED || with_seed) out[n++] = k;
    qsort(out, n, sizeof *out, hpkey_by_name);
    return n;
}

int hpkey_in_v1(size_t k) {
    for (size_t i = 0; i < HPKEY_V1_N && k < HS_HP_COUNT; i++)
        if (strcmp(hparams_info(k)->name, hpkey_v1_names[i]) == 0) return 1;
    return 0;
}

const char *hpkey_v1_missing(const hs_hparams *hp) {
    for (size_t k = 0; k < HS_HP_COUNT; k++)
        if (!hpkey_in_v1(k) && (!hp || !hparams_is_default(hp, k))) return hparams_info(k)->name;
    return NULL;
}

size_t hpkey_params(const hs_hparams *hp, hpkey_scheme s, int with_seed, size_t *out,
                    const char **name) {
    if (s == HPKEY_V1) {
        const char *missing = hpkey_v1_missing(hp);
        if (missing) {
            if (name) *name = missing;
            return (size_t)-1;
        }
        return hpkey_order(s, with_seed, out);
    }
    size_t all[HS_HP_COUNT], n = 0;
    size_t m = hpkey_order(s, with_seed, all);
    for (size_t i = 0; i < m; i++)
        if (!hparams_is_default(hp, all[i])) out[n++] = all[i];
    return n;
}

void hpkey_format(hpkey_scheme s, size_t k, double v, char *buf, size_t n) {
    const hs_hparam_info *pi = hparams_info(k);
    if (s == HPKEY_V1 && pi && pi->type == HS_HPT_FLOAT && n > 0) {
        /* hsweep 0.1's id text: the shortest %g from 1 digit up that reads back */
        float f = (float)v;
        for (int prec = 1; prec <= 9; prec++) {
            snprintf(buf, n, "%.*g", prec, (double)f);
            if ((float)strtod(buf, NULL) == f) break;
        }
        return;
    }
    hparams_format_value(k, v, buf, n);
}

static void hpkey_fnv(uint64_t *h, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        *h ^= *p;
        *h *= UINT64_C(0x100000001b3);
    }
}

uint64_t hpkey_trial_hash(const hs_hparams *hp, size_t repeat, hpkey_scheme s) {
    size_t ks[HS_HP_COUNT];
    size_t n = hpkey_params(hp, s, 0, ks, NULL);
    if (n == (size_t)-1) n = hpkey_params(hp, s = HPKEY_V2, 0, ks, NULL);
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    char buf[160], val[64];
    if (s != HPKEY_V1) hpkey_fnv(&h, "hsweep-id v2;");
    for (size_t i = 0; i < n; i++) {
        hpkey_format(s, ks[i], hparams_get(hp, ks[i]), val, sizeof val);
        snprintf(buf, sizeof buf, "%s=%s;", hparams_info(ks[i])->name, val);
        hpkey_fnv(&h, buf);
    }
    snprintf(buf, sizeof buf, "repeat=%zu;", repeat);
    hpkey_fnv(&h, buf);
    return rng_mix64(h);
}

uint64_t hpkey_ckpt_key(const hs_hparams *hp, const hs_dataset *ds, hpkey_scheme s) {
    size_t ks[HS_HP_COUNT];
    size_t n = hpkey_params(hp, s, 1, ks, NULL);
    if (n == (size_t)-1) n = hpkey_params(hp, s = HPKEY_V2, 1, ks, NULL);
    sha256_ctx c;
    sha256_init(&c);
    char v[128];
    if (s != HPKEY_V1) sha256_update(&c, "hsweep-ckpt v2;", 15);
    for (size_t i = 0; i < n; i++) {
        const char *name = hparams_info(ks[i])->name;
        hparams_format(hp, ks[i], v, sizeof v);   /* exact for the seed */
        sha256_update(&c, name, strlen(name));
        sha256_update(&c, "=", 1);
        sha256_update(&c, v, strlen(v));
        sha256_update(&c, ";", 1);
    }
    if (ds) {
        int m = snprintf(v, sizeof v, "rows=%zu;features=%zu;train=%zu;val=%zu;test=%zu;",
                         ds->n_rows, ds->n_features, ds->n_train, ds->n_val, ds->n_test);
        sha256_update(&c, v, (size_t)m);
    }
    unsigned char h[32];
    sha256_final(&c, h);
    uint64_t key = 0;
    for (int i = 0; i < 8; i++) key = (key << 8) | h[i];
    return key;
}
