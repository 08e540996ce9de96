/* test_sweepcfg: every YAML construct parsed right, every error class at its exact
 * line:col (the scheduler and sampler sections included), the definition hash, and
 * one-trial files. Fixtures are written to a mkdtemp
 * directory holding an (empty) dataset file; sweepcfg only checks that it exists. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sweepcfg.h"
#include "tests/test_util.h"

static char dir[256];

static void write_file(const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
}

/* Write text to dir/name and load it as a sweep. */
static int load(const char *name, const char *text, sweep_def *d, hs_error *err) {
    char path[512];
    write_file(name, text);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return sweepcfg_load(d, path, err);
}

/* Expect the load to fail with code at line:col and a message containing want. */
static void expect_error(const char *text, hs_status code, long line, long col, const char *want) {
    sweep_def d;
    hs_error err;
    int rc = load("bad.yaml", text, &d, &err);
    char buf[2048];
    hs_error_format(&err, buf, sizeof buf);
    CHECK(rc == (int)code, "rc %d want %d (%s)", rc, (int)code, buf);
    CHECK(err.line == line && err.col == col, "at %ld:%ld want %ld:%ld (%s)", err.line, err.col,
          line, col, buf);
    CHECK(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
    CHECK(strstr(err.file, "bad.yaml") != NULL, "file '%s'", err.file);
    CHECK(d.axes == NULL && d.n_axes == 0, "def left empty on failure");
    sweepcfg_deinit(&d);
}

static const sweepcfg_axis *find_axis(const sweep_def *d, sweepcfg_param p) {
    for (size_t a = 0; a < d->n_axes; a++)
        for (size_t k = 0; k < d->axes[a].n_params; k++)
            if (d->axes[a].params[k] == p) return &d->axes[a];
    return NULL;
}

/* ==== constructs ========================================================================= */

static const char *FULL =
    "name: full\n"                                                    /* 1 */
    "seed: 42\n"                                                      /* 2 */
    "data:\n"                                                         /* 3 */
    "  path: d.h5\n"                                                  /* 4 */
    "  sequence_length: [60, 120]\n"                                  /* 5 */
    "  sampling_rate: 3\n"                                            /* 6 */
    "  horizon: 12\n"                                                 /* 7 */
    "  batch_size: 64\n"                                              /* 8 */
    "fixed:\n"                                                        /* 9 */
    "  optimizer: adam\n"                                             /* 10 */
    "  epochs: 5\n"                                                   /* 11 */
    "  bidirectional: true\n"                                         /* 12 */
    "  clip: 1.5\n"                                                   /* 13 */
    "grid:\n"                                                         /* 14 */
    "  cell: [gru, lstm, dense]\n"                                    /* 15 */
    "  units: {values: [8, 16]}\n"                                    /* 16 */
    "  layers: 2\n"                                                   /* 17 */
    "  dropout: {range: {start: 0, stop: 0.3, step: 0.1}}\n"          /* 18 */
    "  patience: {range: {start: 1, stop: 7, step: 3}}\n"             /* 19 */
    "  head_dropout: {linspace: {start: 0, stop: 0.5, num: 3}}\n"     /* 20 */
    "  learning_rate: {logspace: {start: 1e-4, stop: 1e-2, num: 3}}\n"; /* 21 */

static void test_full_sweep(void) {
    sweep_def d;
    hs_error err;
    int rc = load("full.yaml", FULL, &d, &err);
    CHECK(rc == 0, "load: %s:%ld:%ld %s", err.file, err.line, err.col, err.msg);
    if (rc) return;
    char want[512];
    snprintf(want, sizeof want, "%s/d.h5", dir);
    CHECK(strcmp(d.name, "full") == 0, "name %s", d.name);
    CHECK(d.seed == 42, "seed");
    CHECK(strcmp(d.data_path_given, "d.h5") == 0, "given %s", d.data_path_given);
    CHECK(strcmp(d.data_path, want) == 0, "resolved %s", d.data_path);
    CHECK(d.base.sampling_rate == 3 && d.base.horizon == 12 && d.base.batch_size == 64, "data");
    CHECK(d.base.optimizer == HS_OPT_ADAM && d.base.epochs == 5 && d.base.bidirectional == 1 &&
              d.base.clip == 1.5f,
          "fixed");
    CHECK(d.source[SWEEPCFG_BATCH_SIZE] == SWEEPCFG_SRC_FIXED && d.src_line[SWEEPCFG_BATCH_SIZE] == 8,
          "batch source");
    CHECK(d.source[SWEEPCFG_SEQUENCE_LENGTH] == SWEEPCFG_SRC_GRID, "data axis is a grid axis");
    CHECK(d.source[SWEEPCFG_RECURRENT_DROPOUT] == SWEEPCFG_SRC_DEFAULT, "untouched default");
    CHECK(d.n_axes == 8, "axes %zu", d.n_axes);
    CHECK(d.axes[0].params[0] == SWEEPCFG_SEQUENCE_LENGTH && d.axes[0].line == 5, "file order");
    const sweepcfg_axis *a = find_axis(&d, SWEEPCFG_SEQUENCE_LENGTH);
    CHECK(a && a->n_values == 2 && a->values[0] == 60 && a->values[1] == 120, "seq axis");
    a = find_axis(&d, SWEEPCFG_CELL);
    CHECK(a && a->n_values == 3 && a->values[0] == HS_CELL_GRU && a->values[1] == HS_CELL_LSTM &&
              a->values[2] == HS_CELL_DENSE,
          "cell axis");
    a = find_axis(&d, SWEEPCFG_UNITS);
    CHECK(a && a->n_values == 2 && a->values[0] == 8 && a->values[1] == 16, "values axis");
    a = find_axis(&d, SWEEPCFG_LAYERS);
    CHECK(a && a->n_values == 1 && a->values[0] == 2, "scalar axis");
    /* range is inclusive of stop and tolerant of the float step 0.1 */
    a = find_axis(&d, SWEEPCFG_DROPOUT);
    CHECK(a && a->n_values == 4, "float range count %zu", a ? a->n_values : 0);
    if (a && a->n_values == 4) {
        CHECK_NEAR(a->values[1], 0.1, 1e-12);
        CHECK_NEAR(a->values[2], 0.2, 1e-12);
        CHECK(a->values[3] == 0.3, "stop hit exactly: %.17g", a->values[3]);
    }
    a = find_axis(&d, SWEEPCFG_PATIENCE);
    CHECK(a && a->n_values == 3 && a->values[0] == 1 && a->values[1] == 4 && a->values[2] == 7,
          "int range inclusive");
    a = find_axis(&d, SWEEPCFG_HEAD_DROPOUT);
    CHECK(a && a->n_values == 3 && a->values[0] == 0 && a->values[1] == 0.25 &&
              a->values[2] == 0.5,
          "linspace");
    a = find_axis(&d, SWEEPCFG_LEARNING_RATE);
    CHECK(a && a->n_values == 3, "logspace count");
    if (a && a->n_values == 3) {
        CHECK(a->values[0] == 1e-4 && a->values[2] == 1e-2, "logspace ends are real values");
        CHECK_NEAR(a->values[1], 1e-3, 1e-15);
    }
    CHECK(d.repeats == 1 && d.metric == SWEEPCFG_METRIC_VAL_MAE && d.max_failures == 0,
          "defaults");
    CHECK(strcmp(d.output, "runs/full") == 0, "default output %s", d.output);
    CHECK(d.hash != 0 && d.hash == sweepcfg_hash(&d), "hash stored");
    sweepcfg_deinit(&d);
    sweepcfg_deinit(&d);  /* idempotent */
    sweepcfg_deinit(NULL);
}

static const char *ZX =
    "data: {path: d.h5}\n"                                   /* 1 */
    "zip:\n"                                                 /* 2 */
    "  - cell: [gru, lstm, gru]\n"                           /* 3 */
    "    units: [16, 16, 32]\n"                              /* 4 */
    "  - dropout: [0, 0.5]\n"                                /* 5 */
    "exclude:\n"                                             /* 6 */
    "  - cell: gru\n"                                        /* 7 */
    "    units: [16, 64]\n"                                  /* 8 */
    "random:\n"                                              /* 9 */
    "  samples: 5\n"                                         /* 10 */
    "  params:\n"                                            /* 11 */
    "    learning_rate: {log_uniform: [1e-4, 1e-2]}\n"       /* 12 */
    "    layers: {int: [1, 3]}\n"                            /* 13 */
    "    head_dropout: {uniform: [0, 1]}\n"                  /* 14 */
    "    optimizer: {choice: [adam, rmsprop]}\n"             /* 15 */
    "repeats: 3\n"                                           /* 16 */
    "metric: val_loss\n"                                     /* 17 */
    "max_failures: 7\n"                                      /* 18 */
    "output: out/here\n";                                    /* 19 */

static void test_zip_exclude_random(void) {
    sweep_def d;
    hs_error err;
    int rc = load("zx.yaml", ZX, &d, &err);
    CHECK(rc == 0, "load: %ld:%ld %s", err.line, err.col, err.msg);
    if (rc) return;
    CHECK(strcmp(d.name, "zx") == 0, "name from file name: %s", d.name);
    CHECK(d.n_axes == 2, "two zip groups");
    CHECK(d.axes[0].n_params == 2 && d.axes[0].n_values == 3 && d.axes[0].line == 3 &&
              d.axes[0].col == 5,
          "group 1 shape at %ld:%ld", d.axes[0].line, d.axes[0].col);
    CHECK(d.axes[0].params[0] == SWEEPCFG_CELL && d.axes[0].params[1] == SWEEPCFG_UNITS, "params");
    static const double want[6] = {HS_CELL_GRU, 16, HS_CELL_LSTM, 16, HS_CELL_GRU, 32};
    for (int i = 0; i < 6; i++) CHECK(d.axes[0].values[i] == want[i], "zip row-major %d", i);
    CHECK(d.axes[1].n_params == 1 && d.axes[1].n_values == 2, "group 2");
    CHECK(d.source[SWEEPCFG_UNITS] == SWEEPCFG_SRC_ZIP, "zip source");
    CHECK(d.n_excludes == 1 && d.excludes[0].line == 7, "exclude");
    CHECK(d.excludes[0].n_vals[SWEEPCFG_CELL] == 1 && d.excludes[0].n_vals[SWEEPCFG_UNITS] == 2 &&
              d.excludes[0].vals[SWEEPCFG_UNITS][1] == 64 && d.excludes[0].n_vals[SWEEPCFG_DROPOUT] == 0,
          "exclude values");
    CHECK(d.random.samples == 5 && d.random.n_dists == 4, "random");
    CHECK(d.random.dists[0].param == SWEEPCFG_LEARNING_RATE &&
              d.random.dists[0].kind == SWEEPCFG_DIST_LOG_UNIFORM && d.random.dists[0].a == 1e-4 &&
              d.random.dists[0].b == 1e-2,
          "log_uniform");
    CHECK(d.random.dists[1].kind == SWEEPCFG_DIST_INT && d.random.dists[1].b == 3, "int");
    CHECK(d.random.dists[2].kind == SWEEPCFG_DIST_UNIFORM, "uniform (open upper bound 1 ok)");
    CHECK(d.random.dists[3].kind == SWEEPCFG_DIST_CHOICE && d.random.dists[3].n_choices == 2 &&
              d.random.dists[3].choices[0] == HS_OPT_ADAM,
          "choice");
    CHECK(d.source[SWEEPCFG_LAYERS] == SWEEPCFG_SRC_RANDOM, "random source");
    CHECK(d.repeats == 3 && d.metric == SWEEPCFG_METRIC_VAL_LOSS && d.max_failures == 7, "misc");
    CHECK(strcmp(d.output, "out/here") == 0, "output");
    sweepcfg_deinit(&d);
}

/* Comments, whitespace, key order and number spelling do not change the hash; values do. */
static void test_hash(void) {
    sweep_def a, b, c;
    hs_error err;
    int rc = load("h1.yaml",
                  "seed: 5\ndata: {path: d.h5}\ngrid:\n  units: [8, 16]\n  learning_rate: [1e-3]\n",
                  &a, &err);
    rc |= load("h2.yaml",
               "# reformatted\ndata:\n    path: d.h5   # same file\n\nseed: 5\ngrid:\n"
               "    units:\n      - 8\n      - 16\n    learning_rate: {values: [0.001]}\n",
               &b, &err);
    rc |= load("h3.yaml",
               "seed: 5\ndata: {path: d.h5}\ngrid:\n  units: [8, 32]\n  learning_rate: [1e-3]\n",
               &c, &err);
    CHECK(rc == 0, "loads: %s", err.msg);
    CHECK(a.hash == b.hash, "reformatting keeps the hash: %016llx %016llx",
          (unsigned long long)a.hash, (unsigned long long)b.hash);
    CHECK(a.hash != c.hash, "a changed value changes the hash");
    a.seed = 6;
    CHECK(sweepcfg_hash(&a) != b.hash, "the seed is part of the hash");
    sweepcfg_deinit(&a);
    sweepcfg_deinit(&b);
    sweepcfg_deinit(&c);
}

/* sweepcfg_cap_epochs (HSWEEP_MAX_EPOCHS): fixed, grid and random epochs capped, a new hash;
 * 0 changes nothing. */
static void test_cap_epochs(void) {
    sweep_def a, b, c;
    hs_error err;
    int rc = load("cap1.yaml", "seed: 5\ndata: {path: d.h5}\nfixed: {epochs: 12}\ngrid:\n  units: [8, 16]\n",
                  &a, &err);
    rc |= load("cap2.yaml", "seed: 5\ndata: {path: d.h5}\ngrid:\n  epochs: [1, 3, 9]\n", &b, &err);
    rc |= load("cap3.yaml", "seed: 5\ndata: {path: d.h5}\nrandom:\n  samples: 2\n  params:\n"
               "    epochs: {int: [2, 20]}\n", &c, &err);
    CHECK(rc == 0, "loads: %s", err.msg);
    uint64_t ha = a.hash, hb = b.hash;
    sweepcfg_cap_epochs(&a, 0);
    CHECK(a.hash == ha && a.base.epochs == 12, "0: no cap");
    sweepcfg_cap_epochs(&a, 2);
    CHECK(a.base.epochs == 2 && a.hash != ha && a.hash == sweepcfg_hash(&a), "fixed epochs capped, new hash");
    sweepcfg_cap_epochs(&b, 3);
    CHECK(b.n_axes == 1 && b.axes[0].values[0] == 1 && b.axes[0].values[1] == 3 && b.axes[0].values[2] == 3 &&
          b.hash != hb, "grid epochs capped: %g %g %g", b.axes[0].values[0], b.axes[0].values[1],
          b.axes[0].values[2]);
    sweepcfg_cap_epochs(&c, 4);
    CHECK(c.random.n_dists == 1 && c.random.dists[0].a == 2 && c.random.dists[0].b == 4, "random epochs capped");
    sweepcfg_deinit(&a);
    sweepcfg_deinit(&b);
    sweepcfg_deinit(&c);
}

static void test_trialcfg(void) {
    hs_hparams hp;
    hs_error err;
    char path[512], data[512], want[512];
    write_file("t1.yaml", "data: d.h5\nseed: 9\ncell: gru\nunits: 8\nbidirectional: yes\n"
                          "learning_rate: 3e-3\n");
    snprintf(path, sizeof path, "%s/t1.yaml", dir);
    snprintf(want, sizeof want, "%s/d.h5", dir);
    int rc = trialcfg_load(path, &hp, data, sizeof data, &err);
    CHECK(rc == 0, "trial: %s", err.msg);
    CHECK(hp.seed == 9 && hp.cell == HS_CELL_GRU && hp.units == 8 && hp.bidirectional == 1 &&
              hp.learning_rate == 3e-3f && hp.epochs == 10,
          "trial values + defaults");
    CHECK(strcmp(data, want) == 0, "trial data path %s", data);

    write_file("t2.yaml", "data: {path: d.h5, sequence_length: 10, batch_size: 7}\n");
    snprintf(path, sizeof path, "%s/t2.yaml", dir);
    rc = trialcfg_load(path, &hp, data, sizeof data, &err);
    CHECK(rc == 0 && hp.sequence_length == 10 && hp.batch_size == 7, "data map: %s", err.msg);

    write_file("t3.yaml", "data: d.h5\nunits: [1, 2]\n");
    snprintf(path, sizeof path, "%s/t3.yaml", dir);
    rc = trialcfg_load(path, &hp, data, sizeof data, &err);
    CHECK(rc == HS_ERR_VALUE && err.line == 2 && err.col == 8 && strstr(err.msg, "single"),
          "list in a trial: %ld:%ld %s", err.line, err.col, err.msg);

    write_file("t4.yaml", "data: d.h5\nuints: 3\n");
    snprintf(path, sizeof path, "%s/t4.yaml", dir);
    rc = trialcfg_load(path, &hp, data, sizeof data, &err);
    CHECK(rc == HS_ERR_FORMAT && err.line == 2 && err.col == 1 &&
              strstr(err.msg, "did you mean 'units'"),
          "trial typo: %s", err.msg);

    write_file("t5.yaml", "units: 3\n");
    snprintf(path, sizeof path, "%s/t5.yaml", dir);
    rc = trialcfg_load(path, &hp, data, sizeof data, &err);
    CHECK(rc == HS_ERR_VALUE && strstr(err.msg, "missing 'data'"), "trial without data");
}

/* ==== errors ============================================================================== */

static void test_errors(void) {
    const char *D = "data: {path: d.h5}\n";
    char y[1024];
#define Y(body) (snprintf(y, sizeof y, "%s%s", D, body), y)
    /* unknown keys with suggestions */
    expect_error(Y("gird:\n  units: [1]\n"), HS_ERR_FORMAT, 2, 1,
                 "unknown key 'gird' (did you mean 'grid'?)");
    expect_error(Y("grid:\n  units: [16]\n  dropuot: [0.1]\n"), HS_ERR_FORMAT, 4, 3,
                 "unknown key 'dropuot' (did you mean 'dropout'?)");
    expect_error(Y("grid:\n  units: {valeus: [1]}\n"), HS_ERR_FORMAT, 3, 11,
                 "did you mean 'values'?");
    expect_error(Y("grid:\n  foo_bar_baz: [1]\n"), HS_ERR_FORMAT, 3, 3, "not a sweepable");
    expect_error("data:\n  path: d.h5\n  horizn: 3\n", HS_ERR_FORMAT, 3, 3,
                 "did you mean 'horizon'?");
    /* wrong types */
    expect_error(Y("fixed:\n  units: abc\n"), HS_ERR_VALUE, 3, 10, "expected a non-negative integer");
    expect_error(Y("fixed:\n  units: [1, 2]\n"), HS_ERR_VALUE, 3, 10, "takes a single value");
    expect_error(Y("grid:\n  bidirectional: [true, maybe]\n"), HS_ERR_VALUE, 3, 25,
                 "expected true or false");
    expect_error(Y("fixed:\n  learning_rate: \"0.1\"\n"), HS_ERR_VALUE, 3, 18, "quoted string");
    expect_error(Y("grid:\n  cell: [gru, lsmt]\n"), HS_ERR_VALUE, 3, 15, "did you mean 'lstm'?");
    expect_error(Y("fixed: [units]\n"), HS_ERR_VALUE, 2, 8, "fixed must be a map");
    expect_error(Y("seed: -1\n"), HS_ERR_VALUE, 2, 7, "non-negative integer");
    /* out of range */
    expect_error(Y("grid:\n  dropout: [0, 1.0]\n"), HS_ERR_VALUE, 3, 16, "dropout must be in [0, 1)");
    expect_error(Y("fixed:\n  units: 0\n"), HS_ERR_VALUE, 3, 10, "units must be in [1,");
    expect_error(Y("fixed:\n  learning_rate: 0\n"), HS_ERR_VALUE, 3, 18,
                 "learning_rate must be in (0");
    expect_error(Y("repeats: 0\n"), HS_ERR_VALUE, 2, 10, "repeats must be >= 1");
    expect_error(Y("grid:\n  dropout: {range: {start: 0.5, stop: 0, step: 0.1}}\n"), HS_ERR_VALUE,
                 3, 20, "never goes");
    expect_error(Y("grid:\n  units: {linspace: {start: 0, stop: 8, num: 3}}\n"), HS_ERR_VALUE, 3,
                 21, "units must be in [1,");
    /* a parameter given twice */
    expect_error(Y("fixed:\n  units: 8\ngrid:\n  units: [16, 32]\n"), HS_ERR_VALUE, 5, 3,
                 "'units' is given twice (already set in fixed at 3:3)");
    expect_error("data:\n  path: d.h5\n  batch_size: 32\ngrid:\n  batch_size: [1, 2]\n",
                 HS_ERR_VALUE, 5, 3, "given twice");
    expect_error(Y("grid:\n  units: [16, 16]\n"), HS_ERR_VALUE, 3, 15, "duplicate value '16'");
    expect_error(Y("seed: 1\nseed: 2\n"), HS_ERR_FORMAT, 3, 1, "duplicate key 'seed' (first at 2:1)");
    /* empty grid / zero trials */
    expect_error(Y("grid: {}\n"), HS_ERR_VALUE, 2, 7, "empty grid");
    expect_error(Y("grid:\n  units: []\n"), HS_ERR_VALUE, 3, 10, "empty list");
    /* zip lists of unequal length */
    expect_error(Y("zip:\n  - cell: [gru, lstm]\n    units: [1, 2, 3]\n"), HS_ERR_VALUE, 4, 12,
                 "equal length");
    expect_error(Y("zip:\n  - cell: [gru, gru]\n    units: [1, 1]\n"), HS_ERR_VALUE, 3, 5,
                 "identical");
    /* bad random distributions */
    expect_error(Y("random:\n  samples: 3\n  params:\n    units: {normal: [1, 9]}\n"), HS_ERR_FORMAT,
                 5, 13, "unknown key 'normal'");
    expect_error(Y("random:\n  samples: 3\n  params:\n    units: {uniform: [1, 9]}\n"), HS_ERR_VALUE,
                 5, 13, "needs a real parameter");
    expect_error(Y("random:\n  samples: 3\n  params:\n    learning_rate: {log_uniform: [0, 1]}\n"),
                 HS_ERR_VALUE, 5, 34, "log_uniform: low must be > 0");
    expect_error(Y("random:\n  samples: 3\n  params:\n    dropout: {uniform: [0.5, 0.1]}\n"),
                 HS_ERR_VALUE, 5, 24, "must be below");
    expect_error(Y("random:\n  samples: 0\n  params:\n    dropout: {uniform: [0, 0.1]}\n"),
                 HS_ERR_VALUE, 3, 12, "samples must be >= 1");
    /* missing dataset / missing data */
    expect_error("data:\n  path: nope.h5\n", HS_ERR_IO, 2, 9, "dataset 'nope.h5' not found");
    expect_error("grid:\n  units: [1]\n", HS_ERR_VALUE, 1, 1, "missing 'data'");
    expect_error("data: {sequence_length: 3}\n", HS_ERR_VALUE, 1, 7, "missing 'path'");
    /* malformed YAML */
    expect_error(Y("grid:\n  units: [16, 32\n  cell: [gru]\n"), HS_ERR_FORMAT, 4, 7,
                 "YAML syntax error");
    expect_error(Y("grid:\n\tunits: [1]\n"), HS_ERR_FORMAT, 3, 1, "YAML syntax error");
    expect_error("", HS_ERR_FORMAT, 1, 1, "empty file");
    expect_error(Y("name: a/b\n"), HS_ERR_VALUE, 2, 7, "may only contain");
    expect_error(Y("metric: val_acc\n"), HS_ERR_VALUE, 2, 9, "expected val_mae or val_loss");
#undef Y
}

/* ==== scheduler and sampler ================================================================ */

static void test_search(void) {
    sweep_def d, e;
    hs_error err;
    int rc = load("s1.yaml",
                  "data: {path: d.h5}\n"
                  "grid:\n  cell: [gru, lstm]\n"
                  "random:\n  params:\n    learning_rate: {log_uniform: [1e-4, 1e-2]}\n"
                  "scheduler: {type: asha, min_epochs: 1, max_epochs: 27, reduction: 3}\n"
                  "sampler: {type: tpe, n_trials: 40, n_startup: 5}\n", &d, &err);
    CHECK(rc == 0, "load: %s", err.msg);
    CHECK(d.scheduler.type == SWEEPCFG_SCHED_ASHA && d.scheduler.min_epochs == 1 &&
          d.scheduler.max_epochs == 27 && d.scheduler.reduction == 3 && d.scheduler.line == 7 &&
          d.scheduler.col == 1, "scheduler parsed");
    CHECK(d.base.epochs == 27, "max_epochs is every trial's epochs");
    CHECK(d.sampler.type == SWEEPCFG_SAMPLER_TPE && d.sampler.n_trials == 40 &&
          d.sampler.n_startup == 5 && d.sampler.candidates == 24 && d.sampler.constant_liar == 1,
          "sampler parsed with defaults");
    CHECK(d.random.samples == 20, "40 draws over 2 grid points: %zu each", d.random.samples);
    /* defaults: max_epochs from fixed epochs; hyperband; median */
    rc = load("s2.yaml", "data: {path: d.h5}\nfixed: {epochs: 9}\nscheduler: {type: hyperband}\n",
              &e, &err);
    CHECK(rc == 0 && e.scheduler.type == SWEEPCFG_SCHED_HYPERBAND && e.scheduler.max_epochs == 9 &&
          e.scheduler.min_epochs == 1 && e.scheduler.reduction == 3 && e.scheduler.brackets == 0,
          "hyperband defaults: %s", err.msg);
    /* the sections change which trials run: part of the hash; without them it is unchanged */
    sweep_def f;
    rc = load("s3.yaml", "data: {path: d.h5}\nfixed: {epochs: 9}\nscheduler: {type: median}\n",
              &f, &err);
    CHECK(rc == 0 && f.scheduler.min_samples == 3 && f.hash != e.hash, "median, other hash");
    sweepcfg_deinit(&f);
    rc = load("s4.yaml", "data: {path: d.h5}\nfixed: {epochs: 9}\n", &f, &err);
    CHECK(rc == 0 && f.scheduler.type == SWEEPCFG_SCHED_NONE && f.hash != e.hash, "none");
    uint64_t h = f.hash;
    /* idle_promotion: parsed, off by default, changes the hash only when on */
    sweep_def g;
    rc = load("s5.yaml", "data: {path: d.h5}\nfixed: {epochs: 9}\n"
              "scheduler: {type: hyperband, idle_promotion: true}\n", &g, &err);
    CHECK(rc == 0 && g.scheduler.idle_promotion == 1 && e.scheduler.idle_promotion == 0 &&
          g.hash != e.hash, "idle_promotion: %s", err.msg);
    g.scheduler.idle_promotion = 0;
    CHECK(sweepcfg_hash(&g) == e.hash, "idle_promotion off: the hash without the key");
    sweepcfg_deinit(&g);
    f.scheduler.type = SWEEPCFG_SCHED_NONE;
    CHECK(sweepcfg_hash(&f) == h, "a sweep without the sections keeps its hash");
    sweepcfg_deinit(&d);
    sweepcfg_deinit(&e);
    sweepcfg_deinit(&f);

    const char *D = "data: {path: d.h5}\n";
    const char *R = "random:\n  samples: 4\n  params:\n    dropout: {uniform: [0, 0.5]}\n";
    char y[1024];
#define Y(body) (snprintf(y, sizeof y, "%s%s", D, body), y)
#define YR(body) (snprintf(y, sizeof y, "%s%s%s", D, R, body), y)
    /* the issue's bad inputs, each at its node */
    expect_error(Y("scheduler: {type: ahsa}\n"), HS_ERR_VALUE, 2, 19,
                 "scheduler: unknown type 'ahsa' (did you mean 'asha'?)");
    expect_error(Y("scheduler: {type: bohb}\n"), HS_ERR_VALUE, 2, 19,
                 "unknown type 'bohb' (expected one of: asha, hyperband, median)");
    expect_error(YR("sampler: {type: tpf}\n"), HS_ERR_VALUE, 6, 17,
                 "sampler: unknown type 'tpf' (did you mean 'tpe'?)");
    expect_error(Y("scheduler:\n  type: asha\n  min_epochs: 30\n  max_epochs: 27\n"),
                 HS_ERR_VALUE, 4, 15, "min_epochs (30) must not exceed max_epochs (27)");
    expect_error(Y("fixed: {epochs: 5}\nscheduler: {type: asha, min_epochs: 9}\n"),
                 HS_ERR_VALUE, 3, 37, "min_epochs (9) must not exceed max_epochs (5, the sweep's");
    expect_error(Y("scheduler: {type: asha, reduction: 1}\n"), HS_ERR_VALUE, 2, 36,
                 "scheduler.reduction must be >= 2, got 1");
    expect_error(Y("grid:\n  units: [8, 16]\nsampler: {type: tpe}\n"), HS_ERR_VALUE, 4, 17,
                 "sampler: tpe needs at least one sampled parameter");
    expect_error(Y("grid:\n  epochs: [3, 9]\nscheduler: {type: asha}\n"), HS_ERR_VALUE, 3, 3,
                 "epochs is swept, but scheduler asha (at 4:1) gives every trial one budget");
    expect_error(Y("random:\n  samples: 2\n  params:\n    epochs: {int: [3, 9]}\n"
                   "scheduler: {type: median}\n"), HS_ERR_VALUE, 5, 5, "epochs is swept");
    /* and the rest */
    expect_error(Y("scheduler: {type: asha, min_epoch: 2}\n"), HS_ERR_FORMAT, 2, 25,
                 "unknown key 'min_epoch' (did you mean 'min_epochs'?)");
    expect_error(Y("scheduler: {min_epochs: 2}\n"), HS_ERR_VALUE, 2, 12, "scheduler: missing 'type'");
    expect_error(Y("scheduler: asha\n"), HS_ERR_VALUE, 2, 12, "scheduler must be a map");
    expect_error(Y("scheduler: {type: median, reduction: 3}\n"), HS_ERR_VALUE, 2, 27,
                 "'reduction' does not apply to type median");
    expect_error(Y("scheduler: {type: median, idle_promotion: true}\n"), HS_ERR_VALUE, 2, 27,
                 "'idle_promotion' does not apply to type median");
    expect_error(Y("scheduler: {type: asha, idle_promotion: 1}\n"), HS_ERR_VALUE, 2, 41,
                 "scheduler.idle_promotion: expected true or false");
    expect_error(Y("fixed: {epochs: 9}\nscheduler: {type: asha, max_epochs: 27}\n"),
                 HS_ERR_VALUE, 3, 37, "max_epochs (27) differs from epochs (9, fixed at 2:9)");
    expect_error(YR("sampler: {type: random, n_startup: 3}\n"), HS_ERR_VALUE, 6, 25,
                 "'n_startup' applies to type tpe only");
    expect_error(YR("sampler: {type: tpe, n_trials: 8}\n"), HS_ERR_VALUE, 6, 32,
                 "sampler.n_trials and random.samples both");
    expect_error(Y("grid: {cell: [gru, lstm]}\nrandom:\n  params:\n    dropout: {uniform: [0, 1]}\n"
                   "sampler: {type: tpe, n_trials: 5}\n"), HS_ERR_VALUE, 6, 32,
                 "sampler.n_trials (5) must be a multiple of the 2 grid points");
    expect_error(Y("random:\n  params:\n    dropout: {uniform: [0, 1]}\n"), HS_ERR_VALUE, 3, 3,
                 "random: missing 'samples' (or give sampler.n_trials)");
#undef Y
#undef YR
}

static void test_helpers(void) {
    CHECK(sweepcfg_edit_distance("dropuot", "dropout") == 2, "transposition = 2");
    CHECK(sweepcfg_edit_distance("", "abc") == 3 && sweepcfg_edit_distance("abc", "abc") == 0,
          "edges");
    char buf[64];
    sweepcfg_param_format(SWEEPCFG_LEARNING_RATE, 1e-3, buf, sizeof buf);
    CHECK(strcmp(buf, "0.001") == 0, "shortest float: %s", buf);
    sweepcfg_param_format(SWEEPCFG_CELL, HS_CELL_GRU, buf, sizeof buf);
    CHECK(strcmp(buf, "gru") == 0, "cell name");
    sweepcfg_param p;
    CHECK(sweepcfg_param_parse("recurrent_dropout", &p) == 0 && p == SWEEPCFG_RECURRENT_DROPOUT,
          "parse");
    CHECK(sweepcfg_param_parse("nope", &p) == -1, "unknown");
    hs_hparams hp;
    hparams_default(&hp);
    for (int i = 0; i < SWEEPCFG_NPARAMS; i++) {
        double v = sweepcfg_param_get(&hp, (sweepcfg_param)i);
        CHECK(sweepcfg_param_check((sweepcfg_param)i, v, NULL, 0) == 0, "default %s valid",
              sweepcfg_param_name((sweepcfg_param)i));
    }
    sweepcfg_param_set(&hp, SWEEPCFG_HORIZON, 7);
    CHECK(hp.horizon == 7 && sweepcfg_param_get(&hp, SWEEPCFG_HORIZON) == 7, "set/get");
}

/* Caps checked before libyaml's document loader runs: depth, node count, file size; and
 * names that would make the output directory runs/ itself or its parent. */
static void test_limits(void) {
    size_t cap = 4 * 1024 * 1024;
    char *t = malloc(cap);
    /* 65 nested lists: the root map and grid are levels 1 and 2, so the 63rd '[' (col
     * 10 + 62) is level 65 */
    size_t n = (size_t)snprintf(t, cap, "name: x\ngrid:\n  units: ");
    for (int i = 0; i < 65; i++) t[n++] = '[';
    for (int i = 0; i < 65; i++) t[n++] = ']';
    snprintf(t + n, cap - n, "\n");
    expect_error(t, HS_ERR_FORMAT, 3, 72, "nested deeper than 64 levels");
    /* 100,001 list items after 7 nodes (root map, name, x, grid, its map, units, the list):
     * item 99,994 (col 11 + 2 * 99,993) is node 100,001 */
    n = (size_t)snprintf(t, cap, "name: x\ngrid:\n  units: [");
    for (int i = 0; i < 100001; i++) n += (size_t)snprintf(t + n, cap - n, "1,");
    snprintf(t + n - 1, cap - n + 1, "]\n");
    expect_error(t, HS_ERR_FORMAT, 3, 11 + 2 * 99993, "more than 100000 values");
    /* 1 MiB + 1 byte of comment */
    n = (size_t)snprintf(t, cap, "name: x\n#");
    memset(t + n, 'x', 1024 * 1024);
    snprintf(t + n + 1024 * 1024 - 9, 10, "\n");
    CHECK(strlen(t) == 1024 * 1024 + 1, "size %zu", strlen(t));
    expect_error(t, HS_ERR_FORMAT, 0, 0, "file larger than 1024 KiB");
    free(t);
    expect_error("name: ..\n", HS_ERR_VALUE, 1, 7, "may not be '.' or '..'");
    expect_error("name: .\n", HS_ERR_VALUE, 1, 7, "may not be '.' or '..'");
    expect_error("name: a/b\n", HS_ERR_VALUE, 1, 7, "may only contain");
}

/* The trial count is checked in exact integer arithmetic before anything is expanded, at
 * the axis that crosses SWEEPCFG_MAX_TRIALS (10^4 x 10^4 values: the second axis; it was
 * located at 1:1 before). */
static void test_trial_limit(void) {
    const char *y = "name: x\ndata: d.h5\ngrid:\n"
                    "  units: {range: {start: 1, stop: 10000, step: 1}}\n"
                    "  learning_rate: {logspace: {start: 1e-5, stop: 1e-1, num: 10000}}\n";
    expect_error(y, HS_ERR_VALUE, 5, 3, "more than 10000000 trials (limit of hsweep): 10000 "
                                        "before this axis x its 10000 values");
    /* 1000 repeats x 10^4 units is the limit itself; 2 more values cross it */
    expect_error("name: x\ndata: d.h5\nrepeats: 1000\ngrid:\n"
                 "  units: {range: {start: 1, stop: 10000, step: 1}}\n"
                 "  dropout: [0, 0.5]\n",
                 HS_ERR_VALUE, 6, 3, "10000000 before this axis x its 2 values");
    expect_error("name: x\ndata: d.h5\nrepeats: 1000000\nrandom:\n  samples: 100\n"
                 "  params: {dropout: {uniform: [0, 0.5]}}\n",
                 HS_ERR_VALUE, 1, 1, "1000000 repeats x 100 random samples");
    /* exactly the limit is accepted */
    sweep_def d;
    hs_error err;
    int rc = load("ok.yaml", "name: x\ndata: d.h5\nrepeats: 10\ngrid:\n"
                  "  units: {range: {start: 1, stop: 1000, step: 1}}\n"
                  "  learning_rate: {logspace: {start: 1e-5, stop: 1e-1, num: 1000}}\n", &d, &err);
    CHECK(rc == 0, "10 x 1000 x 1000 trials refused: %s", err.msg);
    sweepcfg_deinit(&d);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/hsweep_sweepcfg_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    write_file("d.h5", "not really hdf5: sweepcfg only checks that the file exists\n");
    test_full_sweep();
    test_zip_exclude_random();
    test_hash();
    test_cap_epochs();
    test_trialcfg();
    test_errors();
    test_limits();
    test_trial_limit();
    test_search();
    test_helpers();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_failures("test_sweepcfg");
}
