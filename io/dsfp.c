/* dsfp: dataset fingerprints (see dsfp.h). */
#include "io/dsfp.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/sha256.h"

/* Feed "text" followed by the unit separator 0x1f (so "ab","c" and "a","bc" differ). */
static void dsfp_feed(sha256_ctx *c, const char *s) {
    if (s) sha256_update(c, s, strlen(s));
    sha256_update(c, "\x1f", 1);
}

/* Feed a double as 16 hex digits of its IEEE-754 bits: exact and independent of byte order. */
static void dsfp_feed_double(sha256_ctx *c, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    char buf[24];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)bits);
    dsfp_feed(c, buf);
}

/* The first 16 hex digits of the digest in c. */
static void dsfp_final16(sha256_ctx *c, char out[17]) {
    char hex[65];
    sha256_final_hex(c, hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

void dsfp_compute(dsfp *fp, const hs_dataset *ds) {
    memset(fp, 0, sizeof *fp);
    snprintf(fp->source_sha256, sizeof fp->source_sha256, "%s", ds->source_sha256);
    fp->n_rows = ds->n_rows;
    fp->n_features = ds->n_features;
    fp->n_train = ds->n_train;
    fp->n_val = ds->n_val;
    fp->n_test = ds->n_test;
    /* norm: mean[0..F), std[0..F), feature names, target name */
    sha256_ctx c;
    sha256_init(&c);
    for (size_t f = 0; f < ds->n_features; f++) dsfp_feed_double(&c, ds->mean ? ds->mean[f] : 0.0);
    for (size_t f = 0; f < ds->n_features; f++) dsfp_feed_double(&c, ds->std ? ds->std[f] : 0.0);
    for (size_t f = 0; f < ds->n_features; f++)
        dsfp_feed(&c, ds->feature_names ? ds->feature_names[f] : "");
    dsfp_feed(&c, ds->target_name ? ds->target_name : "");
    dsfp_final16(&c, fp->norm);
    /* id: every field above */
    char buf[160];
    sha256_init(&c);
    dsfp_feed(&c, fp->source_sha256);
    snprintf(buf, sizeof buf, "%zu %zu %zu %zu %zu", fp->n_rows, fp->n_features, fp->n_train,
             fp->n_val, fp->n_test);
    dsfp_feed(&c, buf);
    dsfp_feed(&c, fp->norm);
    dsfp_final16(&c, fp->id);
}

int dsfp_same(const dsfp *a, const dsfp *b) {
    if (strcmp(a->source_sha256, b->source_sha256) != 0 || a->n_rows != b->n_rows ||
        a->n_features != b->n_features || a->n_train != b->n_train || a->n_val != b->n_val ||
        a->n_test != b->n_test)
        return 0;
    if (a->norm[0] && b->norm[0] && strcmp(a->norm, b->norm) != 0) return 0;
    if (a->id[0] && b->id[0] && strcmp(a->id, b->id) != 0) return 0;
    return 1;
}

void dsfp_format(const dsfp *fp, char *buf, size_t n) {
    snprintf(buf, n, "sha256 %.12s %zux%zu split %zu/%zu/%zu norm %s",
             fp->source_sha256[0] ? fp->source_sha256 : "?", fp->n_rows, fp->n_features,
             fp->n_train, fp->n_val, fp->n_test, fp->norm[0] ? fp->norm : "?");
}

void dsfp_write_members(json_writer *w, const dsfp *fp) {
    json_key(w, "source_sha256");
    json_string(w, fp->source_sha256);
    static const char *const keys[5] = {"n_rows", "n_features", "n_train", "n_val", "n_test"};
    const size_t vals[5] = {fp->n_rows, fp->n_features, fp->n_train, fp->n_val, fp->n_test};
    for (int i = 0; i < 5; i++) {
        json_key(w, keys[i]);
        json_u64(w, vals[i]);
    }
    json_key(w, "norm_sha256");
    json_string(w, fp->norm);
    json_key(w, "fingerprint");
    json_string(w, fp->id);
}

/* Copy the string member key of o (if present) into out[n]; -1 if it is not a string. */
static int dsfp_get_string(const json_value *o, const char *key, char *out, size_t n) {
    const json_value *v = json_get(o, key);
    if (!v) return 0;
    const char *s = json_as_string(v);
    if (!s) return -1;
    snprintf(out, n, "%s", s);
    return 0;
}

int dsfp_read_members(const json_value *o, dsfp *fp) {
    memset(fp, 0, sizeof *fp);
    if (!o || o->type != JSON_OBJECT) return -1;
    static const char *const keys[5] = {"n_rows", "n_features", "n_train", "n_val", "n_test"};
    size_t *vals[5] = {&fp->n_rows, &fp->n_features, &fp->n_train, &fp->n_val, &fp->n_test};
    for (int i = 0; i < 5; i++)
        if (json_get(o, keys[i]) && json_as_size(json_get(o, keys[i]), vals[i]) != 0) return -1;
    if (dsfp_get_string(o, "source_sha256", fp->source_sha256, sizeof fp->source_sha256) ||
        dsfp_get_string(o, "norm_sha256", fp->norm, sizeof fp->norm) ||
        dsfp_get_string(o, "fingerprint", fp->id, sizeof fp->id))
        return -1;
    return 0;
}

int dsfp_check(const dsfp *stored, const dsfp *cur, const char *dir, const char *data_path,
               hs_error *err) {
    if (dsfp_same(stored, cur)) return 0;
    char a[160], b[160];
    dsfp_format(stored, a, sizeof a);
    dsfp_format(cur, b, sizeof b);
    return hs_error_set(err, HS_ERR_STATE, dir, 0, 0,
                        "holds results on dataset %s, %s is %s; rerun with --restart (the old "
                        "journal is kept) or choose another --output", a, data_path, b);
}
