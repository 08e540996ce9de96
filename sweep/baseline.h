/* baseline: the book's common-sense (persistence) baseline.
 *
 * For every window of a split the prediction is the raw target at the window's last input
 * row (window_last_row) and the truth is the raw target at its target row; the MAE is the
 * mean absolute difference over all windows of the split, accumulated in double. With the
 * default spec the target lies 24 h after the last input, so this predicts "the same
 * temperature as 24 h ago" (Keras book: val 2.44, test 2.62 °C on the canonical file).
 * Pure computation over an in-memory dataset; does not read files. */
#ifndef HS_BASELINE_H
#define HS_BASELINE_H

#include <stddef.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "io/results.h"
#include "io/window.h"
#include "model/hparams.h"

/* MAE of the persistence prediction over the windows of split s of plan wp on ds (ds->y
 * must hold n_rows raw targets). Returns 0 when the split has no window. Cannot fail. */
double baseline_mae(const hs_dataset *ds, const window_plan *wp, window_split_id s);

/* MAE and MSE of the persistence prediction over split s, in one pass; both NaN when the
 * split has no window. Cannot fail. */
void baseline_errors(const hs_dataset *ds, const window_plan *wp, window_split_id s, double *mae, double *mse);

/* Add the baseline of hp's window setting (sequence_length, sampling_rate, delay) to the
 * table *tab (*n entries, grown with realloc; caller frees) unless it is there already. A
 * setting whose windows do not fit the dataset gets NaN values (it is still added, so a
 * trial of it finds "unknown"). 0 or HS_ERR_NOMEM (*tab unchanged). O(rows) per new setting. */
int baseline_add(results_baseline **tab, size_t *n, const hs_dataset *ds, const hs_hparams *hp, hs_error *err);

#endif
