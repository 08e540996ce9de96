/* baseline: persistence MAE over Keras windows (see baseline.h). */
#include "sweep/baseline.h"

#include <math.h>
#include <stdlib.h>

double baseline_mae(const hs_dataset *ds, const window_plan *wp, window_split_id s) {
    size_t n = wp->split[s].count;
    if (n == 0) return 0.0;
    /* MAE = (1/n) sum_p |y[last_row(p)] - y[target_row(p)]| */
    double sum = 0.0;
    for (size_t p = 0; p < n; p++) {
        double pred = (double)ds->y[window_last_row(wp, s, p)];
        double truth = (double)ds->y[window_target_row(wp, s, p)];
        sum += fabs(pred - truth);
    }
    return sum / (double)n;
}

void baseline_errors(const hs_dataset *ds, const window_plan *wp, window_split_id s, double *mae, double *mse) {
    size_t n = wp->split[s].count;
    *mae = *mse = NAN;
    if (n == 0) return;
    /* MAE = (1/n) sum_p |e_p|, MSE = (1/n) sum_p e_p^2, e_p = y[last_row(p)] - y[target_row(p)] */
    double sa = 0.0, ss = 0.0;
    for (size_t p = 0; p < n; p++) {
        double e = (double)ds->y[window_last_row(wp, s, p)] - (double)ds->y[window_target_row(wp, s, p)];
        sa += fabs(e);
        ss += e * e;
    }
    *mae = sa / (double)n;
    *mse = ss / (double)n;
}

int baseline_add(results_baseline **tab, size_t *n, const hs_dataset *ds, const hs_hparams *hp, hs_error *err) {
    if (results_baseline_find(*tab, *n, hp)) return 0;
    results_baseline *grown = realloc(*tab, (*n + 1) * sizeof *grown);
    if (!grown) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (baseline)");
    *tab = grown;
    results_baseline *b = &grown[(*n)++];
    *b = (results_baseline){hp->sequence_length, hp->sampling_rate, hparams_delay(hp), NAN, NAN, NAN};
    window_spec spec = {.seq_len = hp->sequence_length, .rate = hp->sampling_rate, .delay = b->delay, .batch = 1};
    window_plan wp;
    hs_error ignored;
    if (window_plan_make(&wp, &spec, ds->n_rows, ds->n_train, ds->n_val, ds->n_features, &ignored) != 0) return 0;
    double unused;
    baseline_errors(ds, &wp, WINDOW_VAL, &b->val_mae, &b->val_loss);
    baseline_errors(ds, &wp, WINDOW_TEST, &b->test_mae, &unused);
    return 0;
}
