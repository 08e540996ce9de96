/* window: Keras `timeseries_dataset_from_array` windows over a prepared dataset.
 *
 * Reproduces the book's call exactly: data = x[:-delay], targets = y[delay:], with
 * start/end indices per split (train [0, n_train), val [n_train, n_train + n_val),
 * test [n_train + n_val, N - delay)). Window p of a split starting at row s covers rows
 * s + p + k*r for k < L and its target is y[s + p + delay]. The number of windows is
 * end - start - (L-1)*r (Keras >= 2.13; older versions dropped the last r-1).
 * Batches are materialised on the fly into caller buffers; the full (windows, L, F) tensor
 * is never built. Training order is a full permutation per epoch from the trial's rng
 * (Keras shuffles inside an 8-batch buffer instead: same distribution, different order).
 * Pure computation: no I/O, cannot fail after window_plan succeeds. */
#ifndef HS_WINDOW_H
#define HS_WINDOW_H

#include <stddef.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "model/rng.h"

typedef enum window_split_id { WINDOW_TRAIN = 0, WINDOW_VAL = 1, WINDOW_TEST = 2 } window_split_id;

typedef struct window_spec {
    size_t seq_len;           /* L: time steps per window (Keras sequence_length) */
    size_t rate;              /* r: rows between steps (Keras sampling_rate) */
    size_t delay;             /* rows from a window's first row to its target row */
    size_t batch;             /* B: windows per batch (the last batch may be partial) */
} window_spec;

typedef struct window_split {
    size_t start;             /* first row of window 0 */
    size_t count;             /* number of windows; window p starts at row start + p */
} window_split;

typedef struct window_plan {
    window_spec spec;         /* the parameters the plan was made with */
    size_t n_features;        /* F */
    window_split split[3];    /* indexed by window_split_id */
} window_plan;

/* Compute the three splits for a dataset of n_rows rows split n_train / n_val / rest.
 * Returns 0, or HS_ERR_VALUE (err filled) when a parameter is zero or a split has no
 * window (series shorter than one window plus the delay). */
int window_plan_make(window_plan *wp, const window_spec *spec, size_t n_rows, size_t n_train,
                     size_t n_val, size_t n_features, hs_error *err);

/* Number of batches in a split: ceil(count / B). */
size_t window_num_batches(const window_plan *wp, window_split_id s);

/* Copy the windows idx[0..nb) of split s into xb (nb, L, F) and their targets into yb (nb).
 * idx holds window numbers p < split count. yb may be NULL. */
void window_fill(float *xb, float *yb, const hs_dataset *ds, const window_plan *wp,
                 window_split_id s, const size_t *idx, size_t nb);

/* window_fill into any strided layout: step k of window idx[b] (F floats) goes to
 * x + k*ldt + b*ldb (ldt, ldb in floats; the floats between them are not touched), e.g. the
 * rows net_input hands out, so a batch is gathered straight into the model's input cache.
 * window_fill is ldt = F, ldb = L*F. Stores go in the destination's address order (step
 * by step when ldt > ldb). yb (nb) may be NULL. */
void window_fill_strided(float *x, size_t ldt, size_t ldb, float *yb, const hs_dataset *ds,
                         const window_plan *wp, window_split_id s, const size_t *idx, size_t nb);

/* Row of the last time step of window p in split s (start + p + (L-1)*r). */
size_t window_last_row(const window_plan *wp, window_split_id s, size_t p);

/* The last raw target value of the windows idx[0..nb) of split s into lb (nb): y at each
 * window's last input row (window_last_row), the persistence forecast and the base a
 * residual network adds to its output (net_residual). */
void window_fill_last(float *lb, const hs_dataset *ds, const window_plan *wp,
                      window_split_id s, const size_t *idx, size_t nb);

/* Row of the target of window p in split s (start + p + delay). */
size_t window_target_row(const window_plan *wp, window_split_id s, size_t p);

/* Fill order[0..count) with 0..count-1 and, if r is not NULL, shuffle it. */
void window_order(size_t *order, size_t count, rng *r);

#endif
