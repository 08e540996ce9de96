/* window: Keras-exact sliding windows (see window.h). */
#include "io/window.h"

#include <string.h>

int window_plan_make(window_plan *wp, const window_spec *spec, size_t n_rows, size_t n_train,
                     size_t n_val, size_t n_features, hs_error *err) {
    memset(wp, 0, sizeof *wp);
    if (spec->seq_len == 0 || spec->rate == 0 || spec->batch == 0)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "sequence_length, sampling_rate and batch_size must be >= 1");
    if (n_features == 0)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "dataset has no features");
    wp->spec = *spec;
    wp->n_features = n_features;
    /* span of one window's inputs minus one: the last input row is start + p + span */
    size_t span = (spec->seq_len - 1) * spec->rate;
    if (spec->seq_len - 1 != 0 && span / (spec->seq_len - 1) != spec->rate)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "window span overflows");
    if (spec->delay < span + 1)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "delay %zu must exceed the window span %zu (target after input)",
                            spec->delay, span);
    if (n_rows <= spec->delay)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "%zu rows are fewer than one window plus the delay (%zu rows)",
                            n_rows, spec->delay + 1);
    size_t len_data = n_rows - spec->delay; /* len(data[:-delay]) */
    size_t bounds[3][2] = {{0, n_train}, {n_train, n_train + n_val}, {n_train + n_val, len_data}};
    static const char *names[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; s++) {
        size_t start = bounds[s][0], end = bounds[s][1];
        if (end > len_data) end = len_data;
        wp->split[s].start = start;
        if (end < start || end - start <= span)
            return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                                "the %s split has no complete window: rows [%zu, %zu) with "
                                "sequence_length %zu, sampling_rate %zu, delay %zu",
                                names[s], start, end, spec->seq_len, spec->rate, spec->delay);
        /* Keras >= 2.13: n = end - start - (L-1)*r */
        wp->split[s].count = end - start - span;
    }
    return HS_OK;
}

size_t window_num_batches(const window_plan *wp, window_split_id s) {
    size_t n = wp->split[s].count, b = wp->spec.batch;
    return (n + b - 1) / b;
}

size_t window_last_row(const window_plan *wp, window_split_id s, size_t p) {
    return wp->split[s].start + p + (wp->spec.seq_len - 1) * wp->spec.rate;
}

size_t window_target_row(const window_plan *wp, window_split_id s, size_t p) {
    return wp->split[s].start + p + wp->spec.delay;
}

void window_fill_strided(float *x, size_t ldt, size_t ldb, float *yb, const hs_dataset *ds,
                         const window_plan *wp, window_split_id s, const size_t *idx, size_t nb) {
    size_t L = wp->spec.seq_len, r = wp->spec.rate, F = wp->n_features;
    size_t start = wp->split[s].start;
    /* x(b, k, :) = ds->x[start + idx[b] + k*r, :], stored in the destination's address
     * order: step by step for t-major rows (ldt > ldb, net_input's recurrent rows), window
     * by window for (B,L,F) */
    if (ldt > ldb)
        for (size_t k = 0; k < L; k++)
            for (size_t b = 0; b < nb; b++)
                memcpy(x + k * ldt + b * ldb, ds->x + (start + idx[b] + k * r) * F,
                       F * sizeof(float));
    else
        for (size_t b = 0; b < nb; b++)
            for (size_t k = 0; k < L; k++)
                memcpy(x + k * ldt + b * ldb, ds->x + (start + idx[b] + k * r) * F,
                       F * sizeof(float));
    if (yb)
        for (size_t b = 0; b < nb; b++) yb[b] = ds->y[start + idx[b] + wp->spec.delay];
}

void window_fill(float *xb, float *yb, const hs_dataset *ds, const window_plan *wp,
                 window_split_id s, const size_t *idx, size_t nb) {
    size_t L = wp->spec.seq_len, F = wp->n_features;
    window_fill_strided(xb, F, L * F, yb, ds, wp, s, idx, nb);
}

void window_order(size_t *order, size_t count, rng *r) {
    for (size_t i = 0; i < count; i++) order[i] = i;
    if (r) rng_shuffle(r, order, count);
}

void window_fill_last(float *lb, const hs_dataset *ds, const window_plan *wp,
                      window_split_id s, const size_t *idx, size_t nb) {
    for (size_t b = 0; b < nb; b++) lb[b] = ds->y[window_last_row(wp, s, idx[b])];
}
