/* test_window: Keras window counts, rows and targets, batch filling (contiguous and
 * strided) and shuffling. */
#include <stdlib.h>
#include <string.h>

#include "io/window.h"
#include "tests/test_util.h"

/* The book's counts on the canonical file: N = 420,451 rows. */
static void test_canonical_counts(void) {
    size_t N = 420451, n_train = N / 2, n_val = N / 4;
    CHECK(n_train == 210225 && n_val == 105112 && N - n_train - n_val == 105114, "split sizes");
    window_spec spec = {.seq_len = 120, .rate = 6, .delay = 6 * (120 + 24 - 1), .batch = 256};
    window_plan wp;
    hs_error err;
    int rc = window_plan_make(&wp, &spec, N, n_train, n_val, 14, &err);
    CHECK(rc == 0, "plan: %s", err.msg);
    CHECK(wp.split[WINDOW_TRAIN].count == 209511, "train %zu", wp.split[WINDOW_TRAIN].count);
    CHECK(wp.split[WINDOW_VAL].count == 104398, "val %zu", wp.split[WINDOW_VAL].count);
    CHECK(wp.split[WINDOW_TEST].count == 103542, "test %zu", wp.split[WINDOW_TEST].count);
    CHECK(window_num_batches(&wp, WINDOW_TRAIN) == 819, "train batches");
    CHECK(window_num_batches(&wp, WINDOW_VAL) == 408, "val batches");
    CHECK(window_num_batches(&wp, WINDOW_TEST) == 405, "test batches");
    /* data = x[:-delay]: the last test window ends on row N - delay - 1, so its target is
     * row N - 1 - (L-1)*r (Keras never uses the last 714 rows as targets) */
    size_t last = wp.split[WINDOW_TEST].count - 1;
    CHECK(window_last_row(&wp, WINDOW_TEST, last) == N - 858 - 1, "last input row");
    CHECK(window_target_row(&wp, WINDOW_TEST, last) == N - 1 - 714, "last target row");
    /* last input row is 24 h (144 rows) before the target */
    CHECK(window_target_row(&wp, WINDOW_TEST, 7) - window_last_row(&wp, WINDOW_TEST, 7) == 144,
          "24 h gap");
}

/* Worked example with Keras semantics on a tiny series: L = 3, r = 2, delay = 8, span 4.
 * N = 40: data = x[:32]; train [0,20): 16 windows; val [20,30): 6; test [30,32): none.
 * N = 48: data = x[:40]; train [0,20): 16; val [20,30): 6; test [30,40): 6. */
static void test_small_example(void) {
    window_spec spec = {.seq_len = 3, .rate = 2, .delay = 8, .batch = 4};
    window_plan wp;
    hs_error err;
    int rc = window_plan_make(&wp, &spec, 40, 20, 10, 2, &err);
    CHECK(rc == HS_ERR_VALUE, "test split has no window");
    CHECK(strstr(err.msg, "test split") != NULL, "message names the split: %s", err.msg);
    rc = window_plan_make(&wp, &spec, 48, 20, 10, 2, &err);
    CHECK(rc == 0, "plan: %s", err.msg);
    CHECK(wp.split[0].count == 16 && wp.split[1].count == 6 && wp.split[2].count == 6,
          "counts %zu %zu %zu", wp.split[0].count, wp.split[1].count, wp.split[2].count);

    /* x[row, f] = 100*row + f, y[row] = row */
    size_t N = 48, F = 2;
    float *x = malloc(N * F * sizeof(float)), *y = malloc(N * sizeof(float));
    for (size_t i = 0; i < N; i++) {
        y[i] = (float)i;
        for (size_t f = 0; f < F; f++) x[i * F + f] = (float)(100 * i + f);
    }
    hs_dataset ds = {.n_rows = N, .n_features = F, .x = x, .y = y};
    size_t idx[2] = {0, 5};
    float xb[2 * 3 * 2], yb[2];
    window_fill(xb, yb, &ds, &wp, WINDOW_VAL, idx, 2);
    /* val window 5 starts at row 20 + 5 = 25: rows 25, 27, 29; target y[25 + 8] = 33 */
    CHECK(xb[6 + 0] == 2500.0f && xb[6 + 2] == 2700.0f && xb[6 + 5] == 2901.0f, "rows");
    CHECK(yb[0] == 28.0f && yb[1] == 33.0f, "targets %g %g", (double)yb[0], (double)yb[1]);
    CHECK(window_last_row(&wp, WINDOW_VAL, 5) == 29, "last row");

    /* the same windows t-major with 3 floats between rows (ldb = 5, ldt = 2*5), as
     * net_input lays them out: the same values, the gaps untouched */
    float xs[3 * 2 * 5], ys[2];
    for (size_t i = 0; i < 3 * 2 * 5; i++) xs[i] = -1.0f;
    window_fill_strided(xs, 10, 5, ys, &ds, &wp, WINDOW_VAL, idx, 2);
    int same = ys[0] == yb[0] && ys[1] == yb[1], gaps = 1;
    for (size_t b = 0; b < 2; b++)
        for (size_t k = 0; k < 3; k++) {
            for (size_t f = 0; f < F; f++) same &= xs[k * 10 + b * 5 + f] == xb[(b * 3 + k) * F + f];
            for (size_t f = F; f < 5; f++) gaps &= xs[k * 10 + b * 5 + f] == -1.0f;
        }
    CHECK(same, "strided fill: the values of window_fill at (t*ldt + b*ldb)");
    CHECK(gaps, "strided fill: the floats between rows are not written");
    free(x);
    free(y);
}

static void test_bad_spec(void) {
    window_plan wp;
    hs_error err;
    window_spec zero = {.seq_len = 0, .rate = 6, .delay = 858, .batch = 256};
    CHECK(window_plan_make(&wp, &zero, 1000, 500, 250, 14, &err) == HS_ERR_VALUE, "L = 0");
    window_spec spec = {.seq_len = 120, .rate = 6, .delay = 858, .batch = 256};
    CHECK(window_plan_make(&wp, &spec, 800, 400, 200, 14, &err) == HS_ERR_VALUE, "too short");
    window_spec early = {.seq_len = 120, .rate = 6, .delay = 100, .batch = 256};
    CHECK(window_plan_make(&wp, &early, 100000, 50000, 25000, 14, &err) == HS_ERR_VALUE,
          "target inside the window");
}

static void test_order(void) {
    enum { n = 1000 };
    static size_t a[n], b[n];
    rng r1, r2;
    rng_seed(&r1, 42);
    rng_seed(&r2, 42);
    window_order(a, n, &r1);
    window_order(b, n, &r2);
    CHECK(memcmp(a, b, sizeof a) == 0, "same seed, same order");
    int seen[n] = {0}, moved = 0;
    for (size_t i = 0; i < n; i++) {
        seen[a[i]]++;
        moved += a[i] != i;
    }
    int perm = 1;
    for (size_t i = 0; i < n; i++) perm &= seen[i] == 1;
    CHECK(perm, "a permutation");
    CHECK(moved > n / 2, "actually shuffled (%d moved)", moved);
    window_order(a, n, NULL);
    CHECK(a[0] == 0 && a[n - 1] == n - 1, "identity without rng");
}

int main(void) {
    test_canonical_counts();
    test_small_example();
    test_bad_spec();
    test_order();
    return test_failures("test_window");
}
