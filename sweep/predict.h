/* predict: run a trained network over the Keras windows of one dataset split.
 *
 * predict_eval is THE evaluation loop: trial_run measures val/test loss and MAE with it and
 * `hsweep predict` / the HTML report use it too, so an exported model reproduces the MAE the
 * sweep recorded bit for bit (same windows in order, batches of wp->spec.batch, training=0,
 * batch MSE weighted by its size and |pred - y| summed in double). predict_split is the
 * convenient form that allocates its own buffers and returns every prediction.
 * Does not: load files (modelio.h, h5data.h), renormalise features, or print. */
#ifndef HS_PREDICT_H
#define HS_PREDICT_H

#include <stddef.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "io/window.h"
#include "model/net.h"

/* Caller-owned scratch for predict_eval, B = wp->spec.batch (the windows themselves are
 * gathered straight into the network's input rows, net_input). */
typedef struct predict_buffers {
    float *yb;            /* (B) batch targets */
    float *pb;            /* (B) batch predictions */
    size_t *idx;          /* (B) window numbers of the batch */
    float *lb;            /* (B) last raw target value of each window (residual models) */
} predict_buffers;

/* For a residual model (hp.residual), add each window's last raw target value to the
 * batch predictions b->pb (nb windows b->idx of split s), using b->lb; otherwise nothing.
 * The training loop and predict_eval both call it after net_forward. */
void predict_residual(const net *n, const predict_buffers *b, const hs_dataset *ds,
                      const window_plan *wp, window_split_id s, size_t nb);

/* Allocate buffers for batches of wp->spec.batch windows (of wp->spec.seq_len steps and
 * wp->n_features features: a batch whose B*T*F floats overflow is refused). Returns 0 or
 * HS_ERR_NOMEM (sizes that overflow included), err filled; on failure b owns nothing. Free
 * with predict_buffers_deinit. */
int predict_buffers_init(predict_buffers *b, const window_plan *wp, hs_error *err);

/* Free what b owns and zero it; b may be NULL. */
void predict_buffers_deinit(predict_buffers *b);

/* Sum over a batch of |pred[i] - y[i]|, in double (B floats each). */
double predict_abs_sum(const float *pred, const float *y, size_t B);

/* Evaluate n (training=0, no dropout) on every window of split s of ds, in order, in
 * batches of wp->spec.batch (<= net_max_batch(n); n's inputs = ds->n_features = wp's F).
 * pred: (wp->split[s].count) receives every prediction, or NULL. stop: called at every
 * batch boundary with stop_ctx, may be NULL; a non-zero return abandons the evaluation.
 * loss, mae (out): mean squared and mean absolute error over the split's windows, in the
 * target's units (°C^2, °C). Returns 0, or 1 if stop ended it early (loss, mae untouched).
 * Cannot fail otherwise; draws no random numbers. */
int predict_eval(net *n, const hs_dataset *ds, const window_plan *wp, window_split_id s,
                 const predict_buffers *b, float *pred, int (*stop)(const void *ctx),
                 const void *stop_ctx, double *loss, double *mae);

/* predict_eval with its own buffers and no stop callback: pred (wp->split[s].count) out,
 * may be NULL; mae and loss out, each may be NULL. Checks that n fits (inputs = F,
 * max batch >= wp->spec.batch, T = wp->spec.seq_len) and that ds has its arrays loaded.
 * Returns 0, HS_ERR_VALUE (mismatch) or HS_ERR_NOMEM with err filled. */
int predict_split(net *n, const hs_dataset *ds, const window_plan *wp, window_split_id s,
                  float *pred, double *mae, double *loss, hs_error *err);

#endif
