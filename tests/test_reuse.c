/* test_reuse: which journal records a changed sweep reuses. A 2 x 2 grid is expanded, its
 * trials turned into records, then the sweep is extended, shrunk, reseeded, run on another
 * dataset and retried; each time the reused trials must be exactly the unchanged ids with
 * equal seeds, and the counts must match the start line. Negative controls: a forged
 * record under a trial's id with one other hyperparameter, and one with another seed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sweepcfg.h"
#include "sweep/expand.h"
#include "sweep/reuse.h"
#include "tests/test_util.h"

static char dir[256];

/* Expand a sweep of the given seed and learning-rate/units lists into *t. */
static size_t expand(const char *seed, const char *lrs, const char *units, sweep_trial **t) {
    char path[512], text[512];
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    snprintf(text, sizeof text, "seed: %s\ndata: {path: d.h5}\ngrid:\n  learning_rate: %s\n"
             "  units: %s\nfixed:\n  epochs: 2\n", seed, lrs, units);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    sweep_def d;
    hs_error err;
    size_t n = 0;
    *t = NULL;
    int rc = sweepcfg_load(&d, path, &err);
    if (rc == 0) rc = expand_trials(&d, 0, t, &n, &err);
    CHECK(rc == 0, "expand: %s", err.msg);
    if (rc == 0) sweepcfg_deinit(&d);
    return n;
}

/* Records for trials t[0..n), trained on dataset ds ("" for a 0.1 record). */
static journal_record *records(const sweep_trial *t, size_t n, const char *ds) {
    journal_record *r = calloc(n, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        journal_record_init(&r[i]);
        memcpy(r[i].id, t[i].id, sizeof r[i].id);
        r[i].repeat = t[i].repeat;
        r[i].hp = t[i].hp;
        r[i].val_mae = 1.0 + (double)i;
        snprintf(r[i].dataset, sizeof r[i].dataset, "%s", ds);
    }
    return r;
}

static const char *DS = "9e1f2a3b4c5d6e7f";

static void check_plan(const sweep_trial *t, size_t n, const journal_record *r, size_t nr,
                       const char *ds, int retry, size_t reused, size_t fresh, size_t gone,
                       size_t changed, const char *what) {
    size_t *of = malloc(n * sizeof *of);
    unsigned char *in = malloc(nr ? nr : 1);
    reuse_counts c;
    hs_error err;
    CHECK(reuse_plan(t, n, r, nr, ds, retry, of, in, &c, &err) == 0, "%s: plan", what);
    CHECK(c.reused == reused && c.fresh == fresh && c.gone == gone && c.changed == changed,
          "%s: reused %zu new %zu gone %zu changed %zu", what, c.reused, c.fresh, c.gone, c.changed);
    /* a reused record is always the trial's own, with an equal seed */
    for (size_t i = 0; i < n; i++)
        if (of[i] != REUSE_NONE)
            CHECK(strcmp(r[of[i]].id, t[i].id) == 0 && r[of[i]].hp.seed == t[i].hp.seed, "%s: trial %zu", what, i);
    size_t ins = 0;
    for (size_t j = 0; j < nr; j++) ins += in[j];
    CHECK(ins + gone == nr, "%s: in_sweep %zu + gone %zu == %zu records", what, ins, gone, nr);
    free(of);
    free(in);
}

static void test_grow_shrink_reseed(void) {
    sweep_trial *t0, *t;
    size_t n0 = expand("3", "[0.001, 0.01]", "[8, 16]", &t0);
    journal_record *r = records(t0, n0, DS);
    if (n0 != 4) {
        CHECK(n0 == 4, "4 trials");
        return;
    }
    check_plan(t0, n0, r, n0, DS, 0, 4, 0, 0, 0, "same sweep");
    size_t n = expand("3", "[0.001, 0.003, 0.01]", "[8, 16]", &t);
    check_plan(t, n, r, n0, DS, 0, 4, 2, 0, 0, "extended");
    free(t);
    n = expand("3", "[0.001, 0.01]", "[8]", &t);
    check_plan(t, n, r, n0, DS, 0, 2, 0, 2, 0, "shrunk");
    free(t);
    n = expand("3", "[0.001, 0.003]", "[8, 32]", &t);
    check_plan(t, n, r, n0, DS, 0, 1, 3, 3, 0, "extended and shrunk");
    free(t);
    /* the same grid with another sweep seed: the same ids, other trial seeds */
    n = expand("4", "[0.001, 0.01]", "[8, 16]", &t);
    CHECK(strcmp(t[0].id, t0[0].id) == 0 && t[0].hp.seed != t0[0].hp.seed, "seed changes seeds, not ids");
    check_plan(t, n, r, n0, DS, 0, 0, 4, 0, 4, "reseeded");
    char why[200];
    CHECK(!reuse_match(&r[0], &t[0], DS, why, sizeof why) && strstr(why, "seed"), "seed named: %s", why);
    free(t);
    /* another dataset; a 0.1 record without fingerprint relies on the directory check */
    check_plan(t0, n0, r, n0, "0123456789abcdef", 0, 0, 4, 0, 4, "other dataset");
    CHECK(!reuse_match(&r[1], &t0[1], "0123456789abcdef", why, sizeof why) && strstr(why, "dataset"),
          "dataset named: %s", why);
    r[1].dataset[0] = '\0';
    check_plan(t0, n0, r, n0, "0123456789abcdef", 0, 1, 3, 0, 3, "legacy record");
    snprintf(r[1].dataset, sizeof r[1].dataset, "%s", DS);
    /* negative control: a forged record with the right id and seed but other units */
    r[2].hp.units += 1;
    CHECK(!reuse_match(&r[2], &t0[2], DS, why, sizeof why) && strstr(why, "hparams.units"), "forged: %s", why);
    check_plan(t0, n0, r, n0, DS, 0, 3, 1, 0, 1, "forged");
    r[2].hp.units -= 1;
    /* --retry-failed reruns failed and diverged records only when asked */
    r[3].status = JOURNAL_FAILED;
    r[0].status = JOURNAL_DIVERGED;
    check_plan(t0, n0, r, n0, DS, 0, 4, 0, 0, 0, "failures are results");
    reuse_counts c;
    size_t of[4];
    hs_error err;
    reuse_plan(t0, n0, r, n0, DS, 1, of, NULL, &c, &err);
    CHECK(c.reused == 2 && c.retried == 2 && c.fresh == 2 && of[0] == REUSE_NONE && of[3] == REUSE_NONE,
          "retry: reused %zu retried %zu", c.reused, c.retried);
    reuse_format(&c, why, sizeof why);
    CHECK(strcmp(why, "2 reused, 2 new, 0 no longer in the sweep, 2 failed retried") == 0, "line: %s", why);
    journal_records_free(r, n0);
    free(t0);
}

static void test_duplicates(void) {
    sweep_trial *t;
    size_t n = expand("3", "[0.001]", "[8]", &t);
    journal_record r[2];
    journal_record *a = records(t, n, DS), *b = records(t, n, DS);
    r[0] = a[0];
    r[1] = b[0];
    r[0].hp.seed ^= 1;                    /* an older record of another seed, then the rerun */
    size_t of[1];
    reuse_counts c;
    hs_error err;
    reuse_plan(t, n, r, 2, DS, 0, of, NULL, &c, &err);
    CHECK(c.reused == 1 && of[0] == 1, "the last record of an id wins (%zu)", of[0]);
    r[0].hp.seed ^= 1;
    r[1].hp.seed ^= 1;
    reuse_plan(t, n, r, 2, DS, 0, of, NULL, &c, &err);
    CHECK(c.reused == 1 && of[0] == 0, "changing the seed back reuses the first record (%zu)", of[0]);
    r[0].hp.seed ^= 1;
    reuse_plan(t, n, r, 2, DS, 0, of, NULL, &c, &err);
    CHECK(c.reused == 0 && c.changed == 1, "no record matches");
    char line[200];
    reuse_format(&c, line, sizeof line);
    CHECK(strcmp(line, "0 reused, 1 new, 0 no longer in the sweep, 1 rerun with another seed, configuration "
                       "or dataset") == 0, "line: %s", line);
    free(a);
    free(b);
    free(t);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/test_reuse.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    char d5[600];
    snprintf(d5, sizeof d5, "%s/d.h5", dir);   /* the sweep names it; expansion only checks it exists */
    fclose(fopen(d5, "w"));
    test_grow_shrink_reseed();
    test_duplicates();
    char p[600];
    snprintf(p, sizeof p, "%s/s.yaml", dir);
    remove(p);
    remove(d5);
    rmdir(dir);
    return test_failures("test_reuse");
}
