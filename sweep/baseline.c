/* baseline: persistence MAE over Keras windows (see baseline.h). */
#include "sweep/baseline.h"

#include <math.h>

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
