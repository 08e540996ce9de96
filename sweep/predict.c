/* predict: the evaluation loop shared by training and export (see predict.h). */
#include "sweep/predict.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int predict_buffers_init(predict_buffers *b, const window_plan *wp, hs_error *err) {
    memset(b, 0, sizeof *b);
    size_t B = wp->spec.batch, T = wp->spec.seq_len, F = wp->n_features;
    if (B == 0 || T == 0 || F == 0 || T > SIZE_MAX / F || B > SIZE_MAX / sizeof(float) / (T * F))
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0,
                            "batch buffers of %zu x %zu x %zu floats: bad size", B, T, F);
    b->yb = malloc(B * sizeof *b->yb);
    b->pb = malloc(B * sizeof *b->pb);
    b->idx = malloc(B * sizeof *b->idx);
    b->lb = malloc(B * sizeof *b->lb);
    if (!b->yb || !b->pb || !b->idx || !b->lb) {
        predict_buffers_deinit(b);
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory for batch buffers");
    }
    return 0;
}

void predict_buffers_deinit(predict_buffers *b) {
    if (!b) return;
    free(b->yb);
    free(b->pb);
    free(b->idx);
    free(b->lb);
    memset(b, 0, sizeof *b);
}

double predict_abs_sum(const float *pred, const float *y, size_t B) {
    double s = 0.0;
    for (size_t i = 0; i < B; i++) s += fabs((double)pred[i] - (double)y[i]);
    return s;
}

void predict_residual(const net *n, const predict_buffers *b, const hs_dataset *ds,
                      const window_plan *wp, window_split_id s, size_t nb) {
    if (!net_hparams(n)->residual) return;
    window_fill_last(b->lb, ds, wp, s, b->idx, nb);
    net_residual(n, b->pb, b->lb, nb);
}

int predict_eval(net *n, const hs_dataset *ds, const window_plan *wp, window_split_id s,
                 const predict_buffers *b, float *pred, int (*stop)(const void *ctx),
                 const void *stop_ctx, double *loss, double *mae) {
    size_t count = wp->split[s].count, B = wp->spec.batch;
    double se = 0.0, ae = 0.0;
    for (size_t off = 0; off < count; off += B) {
        if (stop && stop(stop_ctx)) return 1;
        size_t nb = count - off < B ? count - off : B;
        for (size_t i = 0; i < nb; i++) b->idx[i] = off + i;
        size_t ldt, ldb;
        float *xin = net_input(n, nb, &ldt, &ldb);
        window_fill_strided(xin, ldt, ldb, b->yb, ds, wp, s, b->idx, nb);
        net_forward_input(n, b->pb, 0, NULL);
        predict_residual(n, b, ds, wp, s, nb);
        /* loss = (1/N) sum_batches MSE_batch * nb;  mae = (1/N) sum |pred - y|, in double */
        se += (double)net_mse(NULL, b->pb, b->yb, nb) * (double)nb;
        ae += predict_abs_sum(b->pb, b->yb, nb);
        if (pred) memcpy(pred + off, b->pb, nb * sizeof *pred);
    }
    *loss = se / (double)count;
    *mae = ae / (double)count;
    return 0;
}

int predict_split(net *n, const hs_dataset *ds, const window_plan *wp, window_split_id s,
                  float *pred, double *mae, double *loss, hs_error *err) {
    if (!ds->x || !ds->y)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "dataset has no data loaded");
    if (net_num_inputs(n) != ds->n_features || wp->n_features != ds->n_features)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "the model takes %zu features, the dataset has %zu",
                            net_num_inputs(n), ds->n_features);
    if (net_hparams(n)->sequence_length != wp->spec.seq_len || net_max_batch(n) < wp->spec.batch)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "windows of %zu steps in batches of %zu do not fit the model "
                            "(%zu steps, batches <= %zu)", wp->spec.seq_len, wp->spec.batch,
                            net_hparams(n)->sequence_length, net_max_batch(n));
    predict_buffers b;
    int rc = predict_buffers_init(&b, wp, err);
    if (rc) return rc;
    double l = 0.0, m = 0.0;
    predict_eval(n, ds, wp, s, &b, pred, NULL, NULL, &l, &m);
    predict_buffers_deinit(&b);
    if (mae) *mae = m;
    if (loss) *loss = l;
    return 0;
}
