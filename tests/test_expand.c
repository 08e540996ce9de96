/* test_expand: trial expansion (grid order, ranges, zip, exclude, random, repeats), stable
 * ids and seeds, the cost model and the swept-axes listing. Sweeps are written to a
 * mkdtemp directory next to an empty dataset file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/sweepcfg.h"
#include "model/rng.h"
#include "io/hpkey.h"
#include "sweep/expand.h"
#include "tests/test_util.h"

static char dir[256];

/* Load text as a sweep and expand it (n_train_rows 0 = unknown). Returns the rc. */
static int expand_text(const char *text, size_t rows, sweep_def *d, sweep_trial **t, size_t *n,
                       hs_error *err) {
    char path[512];
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f) return HS_ERR_IO;
    fputs(text, f);
    fclose(f);
    *t = NULL;
    *n = 0;
    int rc = sweepcfg_load(d, path, err);
    if (rc) return rc;
    return expand_trials(d, rows, t, n, err);
}

static void test_grid_order(void) {
    sweep_def d;
    sweep_trial *t;
    size_t n;
    hs_error err;
    int rc = expand_text("seed: 3\ndata: {path: d.h5}\ngrid:\n  cell: [gru, lstm]\n"
                         "  units: [8, 16, 32]\nfixed:\n  epochs: 2\n",
                         0, &d, &t, &n, &err);
    CHECK(rc == 0 && n == 6, "2 x 3 grid: rc %d n %zu %s", rc, n, err.msg);
    static const hs_cell cells[6] = {HS_CELL_GRU, HS_CELL_GRU, HS_CELL_GRU,
                                     HS_CELL_LSTM, HS_CELL_LSTM, HS_CELL_LSTM};
    static const size_t units[6] = {8, 16, 32, 8, 16, 32};
    for (size_t i = 0; i < n && i < 6; i++) {
        CHECK(t[i].hp.cell == cells[i] && t[i].hp.units == units[i], "order at %zu", i);
        CHECK(t[i].hp.epochs == 2 && t[i].repeat == 0, "fixed and repeat at %zu", i);
        CHECK(strlen(t[i].id) == 16 && strspn(t[i].id, "0123456789abcdef") == 16, "hex id %s",
              t[i].id);
        CHECK(t[i].cost > 0.0, "cost");
    }
    sweepcfg_param sw[SWEEPCFG_NPARAMS];
    size_t k = expand_swept(t, n, sw);
    CHECK(k == 2 && sw[0] == SWEEPCFG_CELL && sw[1] == SWEEPCFG_UNITS, "swept axes: %zu", k);
    CHECK(expand_swept(t, 1, sw) == 0, "one trial sweeps nothing");
    expand_free(t);
    sweepcfg_deinit(&d);
}

static void test_ranges(void) {
    sweep_def d;
    sweep_trial *t;
    size_t n;
    hs_error err;
    int rc = expand_text("data: {path: d.h5}\ngrid:\n"
                         "  dropout: {range: {start: 0, stop: 0.3, step: 0.1}}\n"
                         "  learning_rate: {logspace: {start: 1e-4, stop: 1e-2, num: 3}}\n"
                         "  units: {linspace: {start: 10, stop: 20, num: 3}}\n"
                         "  layers: {range: {start: 1, stop: 4, step: 2}}\n",
                         0, &d, &t, &n, &err);
    CHECK(rc == 0 && n == 4 * 3 * 3 * 2, "count %zu (%s)", n, err.msg);
    if (rc == 0 && n == 72) {
        /* last axis fastest: layers 1,3 (4 is not reached: 1 + 2k), then units, lr, dropout */
        CHECK(t[0].hp.layers == 1 && t[1].hp.layers == 3, "int range stops before 4");
        CHECK(t[0].hp.units == 10 && t[2].hp.units == 15 && t[4].hp.units == 20, "linspace");
        CHECK(t[0].hp.learning_rate == 1e-4f && t[6].hp.learning_rate == 1e-3f &&
                  t[12].hp.learning_rate == 1e-2f,
              "logspace gives real values %g %g %g", (double)t[0].hp.learning_rate,
              (double)t[6].hp.learning_rate, (double)t[12].hp.learning_rate);
        CHECK(t[0].hp.dropout == 0.0f && t[18].hp.dropout == 0.1f && t[36].hp.dropout == 0.2f &&
                  t[54].hp.dropout == 0.3f,
              "float range inclusive of stop: %.9g", (double)t[54].hp.dropout);
    }
    expand_free(t);
    sweepcfg_deinit(&d);
}

static void test_zip_exclude(void) {
    sweep_def d;
    sweep_trial *t;
    size_t n;
    hs_error err;
    int rc = expand_text("data: {path: d.h5}\nzip:\n  - cell: [gru, lstm, dense]\n"
                         "    units: [16, 32, 64]\ngrid:\n  dropout: [0, 0.5]\n",
                         0, &d, &t, &n, &err);
    CHECK(rc == 0 && n == 6, "zip x grid: %zu", n);
    for (size_t i = 0; i < n; i++) {
        size_t want = t[i].hp.cell == HS_CELL_GRU ? 16 : t[i].hp.cell == HS_CELL_LSTM ? 32 : 64;
        CHECK(t[i].hp.units == want, "zip pairs stay together at %zu", i);
    }
    /* zip appears first in the file, so it is the outer (slower) axis */
    CHECK(n == 6 && t[0].hp.cell == HS_CELL_GRU && t[1].hp.cell == HS_CELL_GRU &&
              t[1].hp.dropout == 0.5f && t[2].hp.cell == HS_CELL_LSTM,
          "zip order");
    expand_free(t);
    sweepcfg_deinit(&d);

    rc = expand_text("data: {path: d.h5}\ngrid:\n  cell: [gru, lstm]\n  units: [8, 16, 32]\n"
                     "exclude:\n  - cell: gru\n    units: [8, 16]\n  - units: 32\n    cell: lstm\n",
                     0, &d, &t, &n, &err);
    CHECK(rc == 0 && n == 3, "6 - 2 - 1 = 3 trials, got %zu", n);
    for (size_t i = 0; i < n; i++)
        CHECK(!(t[i].hp.cell == HS_CELL_GRU && t[i].hp.units != 32) &&
                  !(t[i].hp.cell == HS_CELL_LSTM && t[i].hp.units == 32),
              "excluded trial present at %zu", i);
    expand_free(t);
    sweepcfg_deinit(&d);

    /* every combination excluded: zero trials is an error at the first exclude entry */
    rc = expand_text("data: {path: d.h5}\ngrid:\n  units: [8, 16]\nexclude:\n"
                     "  - units: [8, 16]\n",
                     0, &d, &t, &n, &err);
    CHECK(rc == HS_ERR_VALUE && n == 0 && t == NULL, "zero trials: rc %d", rc);
    CHECK(err.line == 5 && err.col == 5 && strstr(err.msg, "no trial left"), "at %ld:%ld %s",
          err.line, err.col, err.msg);
    sweepcfg_deinit(&d);
}

static void test_random(void) {
    const char *y = "seed: 99\ndata: {path: d.h5}\nrandom:\n  samples: 40\n  params:\n"
                    "    learning_rate: {log_uniform: [1e-4, 1e-2]}\n"
                    "    dropout: {uniform: [0, 0.5]}\n"
                    "    units: {int: [4, 6]}\n"
                    "    optimizer: {choice: [adam]}\n";
    sweep_def d1, d2;
    sweep_trial *t1, *t2;
    size_t n1, n2;
    hs_error err;
    int rc = expand_text(y, 0, &d1, &t1, &n1, &err);
    rc |= expand_text(y, 0, &d2, &t2, &n2, &err);
    CHECK(rc == 0 && n1 == 40 && n2 == 40, "random alone: %zu", n1);
    int seen[3] = {0, 0, 0};
    for (size_t i = 0; i < n1 && i < n2; i++) {
        CHECK(memcmp(&t1[i], &t2[i], sizeof t1[i]) == 0, "reproducible at %zu", i);
        CHECK(t1[i].hp.learning_rate >= 1e-4f && t1[i].hp.learning_rate < 1e-2f, "lr bounds");
        CHECK(t1[i].hp.dropout >= 0.0f && t1[i].hp.dropout < 0.5f, "dropout bounds");
        CHECK(t1[i].hp.units >= 4 && t1[i].hp.units <= 6, "int bounds %zu", t1[i].hp.units);
        if (t1[i].hp.units >= 4 && t1[i].hp.units <= 6) seen[t1[i].hp.units - 4] = 1;
        CHECK(t1[i].hp.optimizer == HS_OPT_ADAM, "choice");
    }
    CHECK(seen[0] && seen[1] && seen[2], "int is inclusive of both ends");
    /* log_uniform spreads over decades: some draws below 1e-3 and some above */
    size_t low = 0;
    for (size_t i = 0; i < n1; i++) low += t1[i].hp.learning_rate < 1e-3f;
    CHECK(low > 5 && low < 35, "log-uniform: %zu of 40 below 1e-3", low);
    expand_free(t2);
    sweepcfg_deinit(&d2);
    /* another seed draws other values */
    char other[1024];
    snprintf(other, sizeof other, "%s", y);
    other[7] = '8';  /* seed: 98 */
    rc = expand_text(other, 0, &d2, &t2, &n2, &err);
    CHECK(rc == 0 && n2 == 40 && t2[0].hp.learning_rate != t1[0].hp.learning_rate,
          "seed changes the draws");
    expand_free(t1);
    expand_free(t2);
    sweepcfg_deinit(&d1);
    sweepcfg_deinit(&d2);

    /* with a grid: every grid point gets `samples` draws */
    rc = expand_text("data: {path: d.h5}\ngrid:\n  cell: [gru, lstm]\nrandom:\n  samples: 5\n"
                     "  params:\n    dropout: {uniform: [0, 0.5]}\n",
                     0, &d1, &t1, &n1, &err);
    CHECK(rc == 0 && n1 == 10, "grid x samples: %zu", n1);
    for (size_t i = 0; i < n1; i++)
        CHECK(t1[i].hp.cell == (i < 5 ? HS_CELL_GRU : HS_CELL_LSTM), "samples inside a point");
    expand_free(t1);
    sweepcfg_deinit(&d1);

    /* identical draws are kept once */
    rc = expand_text("data: {path: d.h5}\nrandom:\n  samples: 30\n  params:\n"
                     "    cell: {choice: [gru, lstm]}\n",
                     0, &d1, &t1, &n1, &err);
    CHECK(rc == 0 && n1 == 2, "choice-only draws deduplicated: %zu", n1);
    expand_free(t1);
    sweepcfg_deinit(&d1);
}

static void test_repeats_ids_seeds(void) {
    sweep_def d;
    sweep_trial *t;
    size_t n;
    hs_error err;
    int rc = expand_text("seed: 5\ndata: {path: d.h5}\ngrid:\n  units: [8, 16]\n  cell: [gru, lstm]\n"
                         "repeats: 3\n",
                         0, &d, &t, &n, &err);
    CHECK(rc == 0 && n == 12, "repeats: %zu", n);
    for (size_t i = 0; i < n; i++) {
        CHECK(t[i].repeat == i % 3, "repeat innermost at %zu", i);
        if (i % 3) {
            hs_hparams a = t[i].hp, b = t[i - 1].hp;
            a.seed = b.seed = 0;
            CHECK(memcmp(&a, &b, sizeof a) == 0, "repeats share the config");
        }
        for (size_t j = 0; j < i; j++) {
            CHECK(strcmp(t[i].id, t[j].id) != 0, "ids distinct %zu %zu", i, j);
            CHECK(t[i].hp.seed != t[j].hp.seed, "seeds distinct %zu %zu", i, j);
        }
        /* id = hash(config, repeat); seed = mix(sweep seed ^ id) */
        uint64_t h = expand_id_hash(&t[i].hp, t[i].repeat);
        char id[17];
        expand_id_string(h, id);
        CHECK(strcmp(id, t[i].id) == 0, "id recomputable");
        CHECK(t[i].hp.seed == rng_mix64(5 ^ h), "seed derivation");
    }
    /* the same configuration in another sweep (other order, extra values) has the same id
     * and seed: results do not depend on position */
    sweep_def d2;
    sweep_trial *t2;
    size_t n2;
    rc = expand_text("seed: 5\ndata: {path: d.h5}\ngrid:\n  cell: [lstm, gru, dense]\n"
                     "  units: [16, 4, 8]\nrepeats: 3\n",
                     0, &d2, &t2, &n2, &err);
    CHECK(rc == 0 && n2 == 27, "second sweep");
    size_t matched = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n2; j++)
            if (strcmp(t[i].id, t2[j].id) == 0) {
                matched++;
                CHECK(t[i].hp.seed == t2[j].hp.seed && t[i].repeat == t2[j].repeat &&
                          t[i].hp.units == t2[j].hp.units && t[i].hp.cell == t2[j].hp.cell,
                      "same id, same trial");
            }
    CHECK(matched == 12, "every trial found again: %zu", matched);
    expand_free(t);
    expand_free(t2);
    sweepcfg_deinit(&d);
    sweepcfg_deinit(&d2);

    /* golden: the id of the default configuration never changes across versions/runs
     * (hsweep 0.1's scheme, V1, still gives 0.1's id; the current scheme its own) */
    hs_hparams hp;
    hparams_default(&hp);
    char id[17];
    expand_id_string(hpkey_trial_hash(&hp, 0, HPKEY_V1), id);
    CHECK(strcmp(id, "f70e46008229bed3") == 0, "golden V1 id %s", id);
    expand_id_string(expand_id_hash(&hp, 0), id);
    CHECK(strcmp(id, "e8ae5107c165a0fd") == 0, "golden id %s", id);
    hp.seed = 12345;
    char id2[17];
    expand_id_string(expand_id_hash(&hp, 0), id2);
    CHECK(strcmp(id, id2) == 0, "the seed is not part of the id");
    expand_id_string(expand_id_hash(&hp, 1), id2);
    CHECK(strcmp(id, id2) != 0, "the repeat is");
}

static void test_cost(void) {
    hs_hparams a, b;
    hparams_default(&a);
    double c0 = expand_cost(&a, 1000);
    CHECK(c0 > 0.0, "positive");
    CHECK_NEAR(expand_cost(&a, 2000) / c0, 2.0, 1e-12);
    b = a;
    b.epochs = 20;
    CHECK_NEAR(expand_cost(&b, 1000) / c0, 2.0, 1e-12);
    for (size_t u = 1; u < 256; u *= 2) {
        b = a;
        b.units = u;
        double lo = expand_cost(&b, 1000);
        b.units = 2 * u;
        CHECK(expand_cost(&b, 1000) > lo, "monotone in units at %zu", u);
    }
    for (int cell = 0; cell < 3; cell++) {
        b = a;
        b.cell = (hs_cell)cell;
        double lo = expand_cost(&b, 1000);
        b.layers = 2;
        CHECK(expand_cost(&b, 1000) > lo, "monotone in layers (cell %d)", cell);
        b.layers = 1;
        b.epochs = 11;
        CHECK(expand_cost(&b, 1000) > lo, "monotone in epochs (cell %d)", cell);
    }
    /* LSTM (4 gates) vs GRU (3): exactly 4/3 for one layer apart from the head */
    b = a;
    b.cell = HS_CELL_GRU;
    double r = c0 / expand_cost(&b, 1000);
    CHECK(r > 1.3 && r < 1.34, "lstm/gru %g", r);
    b = a;
    b.bidirectional = 1;
    r = expand_cost(&b, 1000) / c0;
    CHECK(r > 1.99 && r < 2.01, "bidirectional doubles %g", r);
    /* hand count: LSTM(32), T 120, F 14: 120 * 2*4*32*(14+32) = 1,413,120 + head 64 */
    CHECK_NEAR(c0, 3.0 * (1413120.0 + 64.0) * 1000.0 * 10.0, 1e-3);
    /* windows: n_train - (L-1)*r */
    CHECK(expand_train_windows(&a, 26348) == 26348 - 119 * 6, "train windows");
    CHECK(expand_train_windows(&a, 714) == 0, "too short");
}

static void test_window_fit(void) {
    sweep_def d;
    sweep_trial *t;
    size_t n;
    hs_error err;
    int rc = expand_text("data:\n  path: d.h5\n  sequence_length: [10, 200]\n  sampling_rate: 6\n",
                         1000, &d, &t, &n, &err);
    CHECK(rc == HS_ERR_VALUE && t == NULL, "window too long for 1000 rows: rc %d", rc);
    CHECK(err.line == 3 && err.col == 3 && strstr(err.msg, "does not fit"), "at %ld:%ld %s",
          err.line, err.col, err.msg);
    sweepcfg_deinit(&d);
    rc = expand_text("data:\n  path: d.h5\n  sequence_length: [10, 20]\n  sampling_rate: 6\n", 1000,
                     &d, &t, &n, &err);
    CHECK(rc == 0 && n == 2 && t[0].cost < t[1].cost, "longer windows cost more per window");
    expand_free(t);
    sweepcfg_deinit(&d);
}

/* The streamed expansion hands out exactly expand_trials' list (bytes compared), across
 * exclusions, duplicate draws, repeats and several growths of its id set (3,000 points). */
static void test_iter(void) {
    const char *y = "seed: 3\ndata: {path: d.h5}\nrepeats: 2\ngrid:\n"
                    "  units: {range: {start: 1, stop: 1500, step: 1}}\n"
                    "random:\n  samples: 3\n  params:\n    cell: {choice: [gru, lstm]}\n"
                    "exclude:\n  - {units: [7, 9], cell: [gru]}\n";
    sweep_def d;
    sweep_trial *t;
    size_t n;
    hs_error err;
    int rc = expand_text(y, 0, &d, &t, &n, &err);
    CHECK(rc == 0 && n > 3000 && n < 2 * 3000, "expanded: rc %d, %zu trials", rc, n);
    expand_iter it;
    rc = expand_iter_init(&it, &d, 0, &err);
    size_t k = 0, same = 0;
    sweep_trial x;
    while (rc == 0 && (rc = expand_iter_next(&it, &x, &err)) == 1) {
        if (k < n && memcmp(&x, &t[k], sizeof x) == 0) same++;
        k++;
        rc = 0;
    }
    CHECK(rc == 0 && k == n && same == n, "iterator: rc %d, %zu trials, %zu equal of %zu", rc,
          k, same, n);
    CHECK(it.set_n + (size_t)it.have_zero == n, "ids held: %zu", it.set_n);
    expand_iter_deinit(&it);
    expand_free(t);
    sweepcfg_deinit(&d);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/hsweep_expand_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char path[512];
    snprintf(path, sizeof path, "%s/d.h5", dir);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return 1; }
    fclose(f);
    test_grid_order();
    test_ranges();
    test_zip_exclude();
    test_random();
    test_repeats_ids_seeds();
    test_cost();
    test_window_fit();
    test_iter();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_failures("test_expand");
}
