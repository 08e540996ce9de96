/* test_baseline: persistence MAE on generated series against hand-computed values. */
#include <stdlib.h>

#include "sweep/baseline.h"
#include "tests/test_util.h"

/* L = 3, r = 2, delay = 8 on N = 48 rows split 20 / 10 / 18 (see test_window.c): window p of
 * a split starting at s has its last input on row s+p+4 and its target on row s+p+8.
 * With y[i] = i^2: |y[s+p+8] - y[s+p+4]| = 8(s+p) + 48, so over p < n the mean is
 * 8s + 48 + 4(n-1). val: s = 20, n = 6 -> 228; test: s = 30, n = 6 -> 308;
 * train: s = 0, n = 16 -> 108. With y[i] = -i^2 the errors are the same (absolute value). */
static void test_quadratic(float sign) {
    enum { N = 48 };
    float y[N], x[N];
    for (int i = 0; i < N; i++) y[i] = sign * (float)(i * i), x[i] = 0.0f;
    hs_dataset ds = {.n_rows = N, .n_features = 1, .x = x, .y = y, .n_train = 20, .n_val = 10,
                     .n_test = 18};
    window_spec spec = {.seq_len = 3, .rate = 2, .delay = 8, .batch = 4};
    window_plan wp;
    hs_error err;
    int rc = window_plan_make(&wp, &spec, N, 20, 10, 1, &err);
    CHECK(rc == 0, "plan: %s", err.msg);
    CHECK_NEAR(baseline_mae(&ds, &wp, WINDOW_VAL), 228.0, 1e-9);
    CHECK_NEAR(baseline_mae(&ds, &wp, WINDOW_TEST), 308.0, 1e-9);
    CHECK_NEAR(baseline_mae(&ds, &wp, WINDOW_TRAIN), 108.0, 1e-9);
}

/* A step makes a hand-countable error: y = 0 for i < 30, 1 after. val windows p = 0..5
 * start at 20: last input 24+p, target 28+p: error 1 when 24+p < 30 <= 28+p, i.e. p = 2..5:
 * MAE 4/6. */
static void test_step(void) {
    enum { N = 48 };
    float y[N], x[N];
    for (int i = 0; i < N; i++) y[i] = i < 30 ? 0.0f : 1.0f, x[i] = 0.0f;
    hs_dataset ds = {.n_rows = N, .n_features = 1, .x = x, .y = y, .n_train = 20, .n_val = 10,
                     .n_test = 18};
    window_spec spec = {.seq_len = 3, .rate = 2, .delay = 8, .batch = 4};
    window_plan wp;
    int rc = window_plan_make(&wp, &spec, N, 20, 10, 1, NULL);
    CHECK(rc == 0, "plan");
    CHECK_NEAR(baseline_mae(&ds, &wp, WINDOW_VAL), 4.0 / 6.0, 1e-12);
    CHECK_NEAR(baseline_mae(&ds, &wp, WINDOW_TEST), 0.0, 1e-12);
}

int main(void) {
    test_quadratic(1.0f);
    test_quadratic(-1.0f);
    test_step();
    return test_failures("test_baseline");
}
