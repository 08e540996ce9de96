/* test_dsfp: dataset fingerprints: equal for the same metadata, different for every field
 * that changes what a model sees (source, shape, splits, one bit of a mean or std, a feature
 * name or order, the target), a JSON round trip through metadata members, and the legacy
 * rule (a fingerprint without its digest compares only the fields it has). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/dsfp.h"
#include "io/json.h"
#include "io/strbuf.h"
#include "tests/test_util.h"

static double mean[3] = {1000.5, 5.25, 70.0}, sd[3] = {3.5, 2.75, 7.0};
static char n0[] = "p (mbar)", n1[] = "T (degC)", n2[] = "rh (%)";
static char *names[3] = {n0, n1, n2};
static char target[] = "T (degC)";

static void base(hs_dataset *ds) {
    memset(ds, 0, sizeof *ds);
    ds->n_rows = 6400;
    ds->n_features = 3;
    ds->n_train = 3200;
    ds->n_val = 1600;
    ds->n_test = 1600;
    ds->mean = mean;
    ds->std = sd;
    ds->feature_names = names;
    ds->target_name = target;
    snprintf(ds->source_sha256, sizeof ds->source_sha256, "%064d", 7);
}

/* fingerprint of base() after one change k (0: none) */
static void variant(int k, dsfp *fp) {
    hs_dataset ds;
    base(&ds);
    double m[3], s[3];
    memcpy(m, mean, sizeof m);
    memcpy(s, sd, sizeof s);
    char *nm[3] = {n0, n1, n2};
    ds.mean = m;
    ds.std = s;
    ds.feature_names = nm;
    char other[] = "T (K)";
    switch (k) {
    case 1: ds.source_sha256[63] = '8'; break;
    case 2: ds.n_rows = 6401; ds.n_test = 1601; break;
    case 3: ds.n_features = 2; break;
    case 4: ds.n_train = 3201; ds.n_val = 1599; break;
    case 5: m[1] = nextafter(m[1], 10.0); break;            /* one bit of one mean */
    case 6: s[2] = nextafter(s[2], 0.0); break;             /* one bit of one std */
    case 7: nm[0] = n2; nm[2] = n0; break;                  /* feature order */
    case 8: ds.target_name = other; break;
    default: break;
    }
    dsfp_compute(fp, &ds);
}

static void test_changes(void) {
    dsfp a, b;
    variant(0, &a);
    variant(0, &b);
    CHECK(dsfp_same(&a, &b) && strcmp(a.id, b.id) == 0 && strlen(a.id) == 16, "same metadata, same id %s", a.id);
    for (int k = 1; k <= 8; k++) {
        variant(k, &b);
        CHECK(!dsfp_same(&a, &b), "change %d detected", k);
        CHECK(strcmp(a.id, b.id) != 0, "change %d changes the id", k);
    }
    char line[200];
    dsfp_format(&a, line, sizeof line);
    CHECK(strncmp(line, "sha256 000000000000 6400x3 split 3200/1600/1600 norm ", 53) == 0 &&
          strlen(line) == 53 + 16, "format: '%s'", line);
}

static void test_json_and_legacy(void) {
    dsfp a, b;
    variant(0, &a);
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    json_begin_object(&w);
    json_key(&w, "path");
    json_string(&w, "/x/tiny.h5");
    dsfp_write_members(&w, &a);
    json_end_object(&w);
    json_value *root = NULL;
    hs_error err;
    CHECK(json_parse(sb.data, sb.len, &root, &err) == 0, "parse: %s", err.msg);
    CHECK(dsfp_read_members(root, &b) == 0 && dsfp_same(&a, &b) && strcmp(a.id, b.id) == 0 &&
          strcmp(a.norm, b.norm) == 0, "JSON round trip");
    json_free(root);
    strbuf_deinit(&sb);

    /* metadata of hsweep 0.1: sizes and source hash only */
    const char *old = "{\"path\":\"/x/tiny.h5\",\"source_sha256\":\"000000000000000000000000000000000000"
                      "0000000000000000000000000007\",\"n_rows\":6400,\"n_features\":3,\"n_train\":3200,"
                      "\"n_val\":1600,\"n_test\":1600}";
    CHECK(json_parse(old, strlen(old), &root, &err) == 0, "parse old: %s", err.msg);
    CHECK(dsfp_read_members(root, &b) == 0 && b.norm[0] == '\0' && b.id[0] == '\0', "legacy: no digest");
    CHECK(dsfp_same(&a, &b), "legacy: same known fields compare equal");
    dsfp c;
    variant(3, &c);
    CHECK(!dsfp_same(&c, &b), "legacy: another shape still refused");
    variant(5, &c);
    CHECK(dsfp_same(&c, &b), "legacy: a normalisation change cannot be seen without the digest");
    char line[200];
    dsfp_format(&b, line, sizeof line);
    CHECK(strstr(line, "norm ?") != NULL, "legacy format: '%s'", line);
    json_free(root);
    const char *bad = "{\"n_rows\":\"many\"}";
    CHECK(json_parse(bad, strlen(bad), &root, &err) == 0 && dsfp_read_members(root, &b) == -1, "mistyped member");
    json_free(root);
}

static void test_check(void) {
    dsfp a, b;
    variant(0, &a);
    hs_error err;
    CHECK(dsfp_check(&a, &a, "runs/x", "data/tiny.h5", &err) == 0, "same dataset accepted");
    variant(3, &b);
    CHECK(dsfp_check(&a, &b, "runs/x", "data/tiny.h5", &err) == HS_ERR_STATE, "another dataset refused");
    char line[1600], fa[160], fb[160];
    hs_error_format(&err, line, sizeof line);
    dsfp_format(&a, fa, sizeof fa);
    dsfp_format(&b, fb, sizeof fb);
    CHECK(strncmp(line, "runs/x: holds results on dataset ", 33) == 0 && strstr(line, fa) && strstr(line, fb) &&
          strstr(line, "data/tiny.h5 is ") && strstr(line, "--restart") && !strchr(line, '\n'),
          "one line naming both: %s", line);
}

int main(void) {
    test_check();
    test_changes();
    test_json_and_legacy();
    return test_failures("test_dsfp");
}
