/* test_results: ranking, groups (mean ± std over repeats), marginal tables and status counts
 * against values worked out by hand on a fixture of 8 records; the files (csv, md, summary,
 * metadata, status) are written atomically with no .tmp left behind. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/hpfields.h"
#include "io/json.h"
#include "io/results.h"
#include "io/rundir.h"
#include "tests/test_util.h"

static char tmpdir[256];

/* The fixture (cell x units x 2 repeats; the seed differs in every record):
 *   rec cfg  cell units rep status    val  test
 *   0   A    lstm 16    0   ok        3.0  3.1
 *   1   A    lstm 16    1   ok        2.0  2.1
 *   2   B    lstm 32    0   ok        1.5  1.6
 *   3   B    lstm 32    1   diverged  -    -
 *   4   C    gru  16    0   ok        2.2  2.0
 *   5   C    gru  16    1   ok        2.6  2.4
 *   6   D    gru  32    0   failed    -    -
 *   7   D    gru  32    1   ok        1.0  1.2 */
static journal_record recs[8];

static void make_fixture(void) {
    const struct { hs_cell cell; size_t units; size_t rep; journal_status st; double val, test; } f[8] = {
        {HS_CELL_LSTM, 16, 0, JOURNAL_OK, 3.0, 3.1},   {HS_CELL_LSTM, 16, 1, JOURNAL_OK, 2.0, 2.1},
        {HS_CELL_LSTM, 32, 0, JOURNAL_OK, 1.5, 1.6},   {HS_CELL_LSTM, 32, 1, JOURNAL_DIVERGED, NAN, NAN},
        {HS_CELL_GRU, 16, 0, JOURNAL_OK, 2.2, 2.0},    {HS_CELL_GRU, 16, 1, JOURNAL_OK, 2.6, 2.4},
        {HS_CELL_GRU, 32, 0, JOURNAL_FAILED, NAN, NAN}, {HS_CELL_GRU, 32, 1, JOURNAL_OK, 1.0, 1.2},
    };
    for (int i = 0; i < 8; i++) {
        journal_record *r = &recs[i];
        journal_record_init(r);
        snprintf(r->id, sizeof r->id, "%016x", 0xa0 + i);
        r->repeat = f[i].rep;
        r->hp.cell = f[i].cell;
        r->hp.units = f[i].units;
        r->hp.dropout = 0.25f;
        r->hp.seed = 1000u + (unsigned)i;
        r->status = f[i].st;
        r->val_mae = f[i].val;
        r->val_loss = f[i].val * f[i].val;
        r->test_mae = f[i].test;
        if (f[i].st == JOURNAL_FAILED) snprintf(r->reason, sizeof r->reason, "out of memory, sorry | \"x\"");
        if (f[i].st == JOURNAL_DIVERGED) snprintf(r->reason, sizeof r->reason, "loss=nan at epoch 2");
    }
}

static void test_axes_and_rank(void) {
    size_t axes[32], n_axes = 0;
    results_axes(recs, 8, axes, &n_axes);
    CHECK(n_axes == 2 && axes[0] == hpfields_find("cell") && axes[1] == hpfields_find("units"),
          "swept axes cell, units (seed excluded): %zu", n_axes);
    const char *names[] = {"units", "bogus"};
    results_options opt = {RESULTS_VAL_MAE, names, 1, NULL, NULL, 0, NULL, NULL};
    hs_error err;
    CHECK(results_resolve_axes(recs, 8, &opt, axes, &n_axes, &err) == 0 && n_axes == 1 &&
          axes[0] == hpfields_find("units"), "given axes");
    opt.n_axes = 2;
    CHECK(results_resolve_axes(recs, 8, &opt, axes, &n_axes, &err) == HS_ERR_VALUE && strstr(err.msg, "bogus"),
          "unknown axis refused");

    size_t order[8];
    size_t ranked = results_rank(recs, 8, RESULTS_VAL_MAE, order);
    const size_t want[8] = {7, 2, 1, 4, 5, 0, 3, 6};
    CHECK(ranked == 6, "6 ranked, got %zu", ranked);
    for (int i = 0; i < 8; i++) CHECK(order[i] == want[i], "rank %d: %zu want %zu", i, order[i], want[i]);
    /* by test MAE: 7 (1.2), 2 (1.6), 4 (2.0), 1 (2.1), 5 (2.4), 0 (3.1) */
    ranked = results_rank(recs, 8, RESULTS_TEST_MAE, order);
    CHECK(ranked == 6 && order[0] == 7 && order[2] == 4 && order[3] == 1, "test_mae ranking");
}

static void test_groups(void) {
    results_group *g = NULL;
    size_t ng = 0;
    hs_error err;
    CHECK(results_groups(recs, 8, RESULTS_VAL_MAE, &g, &ng, &err) == 0 && ng == 4, "4 configurations");
    if (ng != 4) { free(g); return; }
    /* by mean: D 1.0, B 1.5, C 2.4, A 2.5 */
    CHECK(g[0].first == 6 && g[0].n == 2 && g[0].n_ok == 1 && g[0].mean == 1.0 && isnan(g[0].std) &&
          g[0].test_mean == 1.2, "D: first is the repeat-0 record (failed), one ok");
    CHECK(g[1].first == 2 && g[1].n_ok == 1 && g[1].mean == 1.5 && g[1].min == 1.5, "B");
    CHECK(g[2].first == 4 && g[2].n_ok == 2, "C");
    CHECK_NEAR(g[2].mean, 2.4, 1e-12);
    CHECK_NEAR(g[2].std, 0.28284271247461906, 1e-12);
    CHECK_NEAR(g[2].min, 2.2, 1e-12);
    CHECK_NEAR(g[2].test_mean, 2.2, 1e-12);
    CHECK(g[3].first == 0, "A");
    CHECK_NEAR(g[3].mean, 2.5, 1e-12);
    CHECK_NEAR(g[3].std, 0.70710678118654757, 1e-12);
    CHECK_NEAR(g[3].test_mean, 2.6, 1e-12);
    free(g);
}

static void test_marginals(void) {
    results_marginal *rows = NULL;
    size_t n = 0;
    hs_error err;
    CHECK(results_marginals(recs, 8, hpfields_find("cell"), RESULTS_VAL_MAE, &rows, &n, &err) == 0 && n == 2,
          "cell rows");
    if (n == 2) {
        /* lstm: 3.0, 2.0, 1.5; gru: 2.2, 2.6, 1.0 */
        CHECK(strcmp(rows[0].value, "lstm") == 0 && rows[0].n == 4 && rows[0].n_ok == 3, "lstm row");
        CHECK_NEAR(rows[0].mean, 6.5 / 3.0, 1e-12);
        CHECK_NEAR(rows[0].std, sqrt(1.1666666666666667 / 2.0), 1e-12);
        CHECK(rows[0].min == 1.5, "lstm min");
        CHECK(strcmp(rows[1].value, "gru") == 0 && rows[1].n == 4 && rows[1].n_ok == 3, "gru row");
        CHECK_NEAR(rows[1].mean, 5.8 / 3.0, 1e-12);
        CHECK_NEAR(rows[1].std, sqrt(1.3866666666666667 / 2.0), 1e-12);
        CHECK(rows[1].min == 1.0, "gru min");
    }
    free(rows);
    CHECK(results_marginals(recs, 8, hpfields_find("units"), RESULTS_VAL_MAE, &rows, &n, &err) == 0 && n == 2,
          "units rows");
    if (n == 2) {
        /* 16: 3.0, 2.0, 2.2, 2.6; 32: 1.5, 1.0 */
        CHECK(strcmp(rows[0].value, "16") == 0 && rows[0].n_ok == 4, "16");
        CHECK_NEAR(rows[0].mean, 2.45, 1e-12);
        CHECK_NEAR(rows[0].std, sqrt(0.59 / 3.0), 1e-12);
        CHECK(strcmp(rows[1].value, "32") == 0 && rows[1].n == 4 && rows[1].n_ok == 2, "32");
        CHECK_NEAR(rows[1].mean, 1.25, 1e-12);
        CHECK_NEAR(rows[1].std, sqrt(0.125), 1e-12);
    }
    free(rows);
    CHECK(results_marginals(recs, 8, 999, RESULTS_VAL_MAE, &rows, &n, &err) == HS_ERR_VALUE, "bad axis");
}

static char *slurp(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = calloc(1, 1 << 16);
    size_t n = fread(s, 1, (1 << 16) - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static int count_tmp_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp")) n++;
    if (d) closedir(d);
    return n;
}

static void test_files(void) {
    hs_error err;
    results_options opt = {RESULTS_VAL_MAE, NULL, 0, "fixture | sweep", NULL, 0, NULL, NULL};
    CHECK(results_write_tables(tmpdir, recs, 8, &opt, &err) == 0, "write tables: %s", err.msg);
    char *csv = slurp(tmpdir, "results.csv");
    CHECK(csv && strncmp(csv, "rank,id,repeat,status,val_mae,test_mae,", 39) == 0, "csv header");
    CHECK(csv && strstr(csv, "\n1,00000000000000a7,1,ok,1,1.2,") != NULL, "csv rank 1 is record 7");
    CHECK(csv && strstr(csv, "\n,00000000000000a6,0,failed,,,,") != NULL, "failed row unranked, empty metrics");
    CHECK(csv && strstr(csv, ",\"out of memory, sorry | \"\"x\"\"\"\n") != NULL, "csv quoting of the reason");
    CHECK(csv && strstr(csv, ",gru,16,1,0.25,") != NULL, "every hparam in csv");
    free(csv);
    char *md = slurp(tmpdir, "results.md");
    CHECK(md && strstr(md, "# Results: fixture \\| sweep") != NULL, "md title escaped");
    CHECK(md && strstr(md, "| 1 | 00000000000000a7 | 1 | 1.0000 | 1.2000 | 0/0 | ok | gru | 32 |") != NULL,
          "md rank 1 row:\n%s", md ? md : "");
    const char *r6 = md ? strstr(md, "| 6 | 00000000000000a0 |") : NULL;
    const char *fail = md ? strstr(md, "## Diverged and failed trials") : NULL;
    CHECK(r6 && fail && r6 < fail, "failures listed after the ranked trials");
    CHECK(fail && strstr(fail, "| 00000000000000a3 | 1 | diverged | loss=nan at epoch 2 | lstm | 32 |"), "diverged row");
    CHECK(fail && strstr(fail, "out of memory, sorry \\| \"x\""), "md escaping of '|'");
    free(md);
    char *sum = slurp(tmpdir, "summary.md");
    CHECK(sum && strstr(sum, "8 trials in 4 configurations: 6 ok, 1 diverged, 1 failed") != NULL, "counts line");
    CHECK(sum && strstr(sum, "val_mae 1.0000 ± - over 1 of 2 repeats (test MAE 1.2000); trial 00000000000000a6") != NULL,
          "best configuration (D)");
    CHECK(sum && strstr(sum, "| cell | gru |\n| units | 32 |\n") != NULL, "best config params");
    CHECK(sum && strstr(sum, "| 4 | 00000000000000a0 | 2.5000 | 0.7071 | 2.0000 | 2/2 | 2.6000 | lstm | 16 |") != NULL,
          "group A row");
    CHECK(sum && strstr(sum, "### cell\n\n| cell | val_mae mean | std | min | ok/n |\n|---|--:|--:|--:|--:|\n"
                             "| lstm | 2.1667 | 0.7638 | 1.5000 | 3/4 |\n| gru | 1.9333 | 0.8327 | 1.0000 | 3/4 |\n") != NULL,
          "cell marginal table");
    CHECK(sum && strstr(sum, "| 16 | 2.4500 | 0.4435 | 2.0000 | 4/4 |\n| 32 | 1.2500 | 0.3536 | 1.0000 | 2/4 |") != NULL,
          "units marginal table");
    CHECK(sum && strstr(sum, "| ok | 6 |\n| diverged | 1 |\n| failed | 1 |\n") != NULL, "failure counts");
    CHECK(sum && strstr(sum, "seed") == NULL, "seed is not a configuration parameter");
    free(sum);
    CHECK(count_tmp_files(tmpdir) == 0, "no .tmp left");

    /* a failed atomic write leaves the target untouched and no .tmp */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/adir", tmpdir);
    mkdir(sub, 0755);
    char inner[320];
    snprintf(inner, sizeof inner, "%s/keep", sub);
    FILE *f = fopen(inner, "w");
    fputs("x", f);
    fclose(f);
    CHECK(rundir_write_atomic(sub, "data", 4, &err) == HS_ERR_IO, "rename over a non-empty dir fails");
    CHECK(count_tmp_files(tmpdir) == 0, "no .tmp left after failure");
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/file", tmpdir);
    CHECK(rundir_write_atomic(missing, "x", 1, &err) == HS_ERR_IO, "missing dir");

    /* no records: the tables still make sense */
    CHECK(results_write_tables(tmpdir, NULL, 0, NULL, &err) == 0, "empty tables");
    sum = slurp(tmpdir, "summary.md");
    CHECK(sum && strstr(sum, "No trial finished") && strstr(sum, "No swept axes"), "empty summary");
    free(sum);
}

static void test_metadata_and_status(void) {
    hs_error err;
    hs_dataset ds = {.n_rows = 1000, .n_features = 14, .n_train = 500, .n_val = 250, .n_test = 250};
    snprintf(ds.source_sha256, sizeof ds.source_sha256, "%s", "ab12");
    results_meta m = {.sweep_name = "demo", .sweep_path = "s.yaml", .sweep_text = "name: demo\nunits: [8, 16]\n",
                      .sweep_hash = "0123abcd", .metric = RESULTS_VAL_LOSS, .mpi_version = "Open MPI v4.1",
                      .dataset_path = "d.h5", .dataset = &ds, .start_time = 86400.0 * 365, .ranks = 3,
                      .n_trials = 8};
    CHECK(results_write_metadata(tmpdir, &m, &err) == 0, "metadata: %s", err.msg);
    results_meta_info mi;
    CHECK(results_read_metadata(tmpdir, &mi, &err) == 0 && strcmp(mi.sweep_hash, "0123abcd") == 0 &&
          mi.metric == RESULTS_VAL_LOSS && strcmp(mi.sweep_name, "demo") == 0 && mi.n_trials == 8,
          "read back hash, name, metric, n_trials");
    char *text = slurp(tmpdir, "metadata.json");
    json_value *v = NULL;
    CHECK(text && json_parse(text, strlen(text), &v, &err) == 0, "metadata is JSON");
    const json_value *sw = json_get(v, "software"), *d = json_get(v, "dataset");
    CHECK(json_as_string(json_get(sw, "git_revision")) && json_as_string(json_get(sw, "hsweep_version")) &&
          strchr(json_as_string(json_get(sw, "hdf5")) ? json_as_string(json_get(sw, "hdf5")) : "", '.') &&
          json_as_string(json_get(sw, "libyaml")) &&
          strcmp(json_as_string(json_get(sw, "mpi")) ? json_as_string(json_get(sw, "mpi")) : "", "Open MPI v4.1") == 0,
          "software versions");
    size_t nr = 0;
    CHECK(json_as_size(json_get(d, "n_rows"), &nr) == 0 && nr == 1000 &&
          strcmp(json_as_string(json_get(d, "source_sha256")), "ab12") == 0, "dataset fingerprint");
    CHECK(strcmp(json_as_string(json_get(json_get(v, "sweep"), "resolved")), m.sweep_text) == 0, "resolved sweep");
    CHECK(strcmp(json_as_string(json_get(v, "start_time")), "1971-01-01T00:00:00Z") == 0, "start time");
    json_free(v);
    free(text);
    CHECK(results_read_metadata("/nonexistent-hsweep", &mi, &err) == HS_ERR_IO, "missing");
    /* malformed and foreign metadata are format errors naming the file */
    char bad[300], bad_file[340];
    snprintf(bad, sizeof bad, "%s/badmeta", tmpdir);
    mkdir(bad, 0755);
    snprintf(bad_file, sizeof bad_file, "%s/metadata.json", bad);
    CHECK(rundir_write_atomic(bad_file, "{\"sweep\": {", 11, &err) == 0, "write bad metadata");
    CHECK(results_read_metadata(bad, &mi, &err) == HS_ERR_FORMAT && strcmp(err.file, bad_file) == 0 &&
          err.line == 1, "truncated metadata: %s", err.msg);
    CHECK(rundir_write_atomic(bad_file, "{\"sweep\": {}}", 13, &err) == 0, "write foreign metadata");
    CHECK(results_read_metadata(bad, &mi, &err) == HS_ERR_FORMAT && strstr(err.msg, "not an hsweep"),
          "foreign metadata: %s", err.msg);

    results_status st = {.total = 40, .done = 11, .failed = 1, .running = 3, .elapsed_s = 62.0, .eta_s = -1.0,
                         .metric = RESULTS_VAL_MAE, .best = 2.41354, .best_id = "00000000000000a7", .ranks = 3,
                         .state = "running"};
    CHECK(results_write_status(tmpdir, &st, &err) == 0, "status");
    text = slurp(tmpdir, "status.json");
    CHECK(text && json_parse(text, strlen(text), &v, &err) == 0, "status is JSON");
    size_t pending = 0, done = 0;
    CHECK(json_as_size(json_get(v, "pending"), &pending) == 0 && pending == 25 &&
          json_as_size(json_get(v, "done"), &done) == 0 && done == 11, "status counters");
    CHECK(json_get(v, "eta_s") && json_get(v, "eta_s")->type == JSON_NULL, "unknown eta is null");
    json_free(v);
    free(text);
    char line[256];
    st.eta_s = 190.0;
    results_format_progress(&st, line, sizeof line);
    CHECK(strcmp(line, "finished 12/40  running 3  failed 1  elapsed 1m02s  eta 3m10s  best val_mae 2.4135 (00000000)") == 0,
          "progress line: %s", line);
    CHECK(count_tmp_files(tmpdir) == 0, "no .tmp left");
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hs_test_results_XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    make_fixture();
    test_axes_and_rank();
    test_groups();
    test_marginals();
    test_files();
    test_metadata_and_status();
    for (int i = 0; i < 8; i++) journal_record_deinit(&recs[i]);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_failures("test_results");
}
