/* trial: the Keras training loop for one configuration (see trial.h).
 *
 * Order of random draws from the trial's rng: net_init, then per epoch one shuffle of the
 * training windows followed by the dropout masks of each batch's forward pass. Evaluation
 * draws nothing, and nothing else is drawn between epochs, so the rng state after an epoch
 * (with weights, optimiser state and the early-stopping counters) is all a checkpoint needs
 * to continue bit-identically. Buffers are allocated once before the first epoch; the loop
 * itself never allocates. */
#include "sweep/trial.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/window.h"
#include "model/net.h"
#include "model/optim.h"
#include "model/rng.h"
#include "model/synth.h"
#include "sweep/predict.h"

/* ---- small helpers ----------------------------------------------------------------------- */

static double trial_now(void) {
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int trial_stop_requested(const trial_hooks *hooks) {
    if (!hooks) return 0;
    /* a batch boundary: let the caller service its duties (MPI messages) first */
    if (hooks->on_batch) hooks->on_batch(hooks->ctx);
    return hooks->stop && *hooks->stop != 0;
}

/* a*b without overflow into *out; returns 0 or -1. */
static int trial_mul(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}

const char *trial_status_name(trial_status s) {
    switch (s) {
    case TRIAL_OK: return "ok";
    case TRIAL_DIVERGED: return "diverged";
    case TRIAL_STOPPED: return "stopped";
    }
    return "?";
}

void trial_result_deinit(trial_result *res) {
    if (!res) return;
    free(res->history);
    free(res->best_params);
    memset(res, 0, sizeof *res);
}

int trial_check_hparams(const hs_hparams *hp, hs_error *err) {
    if (hp->cell != HS_CELL_LSTM && hp->cell != HS_CELL_GRU && hp->cell != HS_CELL_DENSE &&
        hp->cell != HS_CELL_SYNTHETIC)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "cell: unknown cell type %d",
                            (int)hp->cell);
    if (hp->optimizer != HS_OPT_RMSPROP && hp->optimizer != HS_OPT_ADAM)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "optimizer: unknown optimizer %d",
                            (int)hp->optimizer);
    struct { const char *name; size_t v; } sizes[] = {
        {"units", hp->units}, {"layers", hp->layers}, {"batch_size", hp->batch_size},
        {"epochs", hp->epochs}, {"sequence_length", hp->sequence_length},
        {"sampling_rate", hp->sampling_rate}, {"horizon", hp->horizon}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].v == 0)
            return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "%s must be >= 1", sizes[i].name);
    struct { const char *name; float v; } rates[] = {
        {"dropout", hp->dropout}, {"recurrent_dropout", hp->recurrent_dropout},
        {"head_dropout", hp->head_dropout}};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (!(rates[i].v >= 0.0f && rates[i].v < 1.0f))
            return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "%s must be in [0, 1), got %g",
                                rates[i].name, (double)rates[i].v);
    if (!(isfinite(hp->learning_rate) && hp->learning_rate > 0.0f))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "learning_rate must be a finite number > 0, got %g",
                            (double)hp->learning_rate);
    if (!(isfinite(hp->clip) && hp->clip >= 0.0f))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "clip must be a finite number >= 0 (0 = off), got %g",
                            (double)hp->clip);
    /* delay = r * (L + horizon - 1) must not overflow */
    size_t steps = hp->sequence_length + hp->horizon - 1, delay = 0;
    if (steps < hp->sequence_length || trial_mul(hp->sampling_rate, steps, &delay) != 0)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "sampling_rate * (sequence_length + horizon - 1) overflows");
    if (hp->bidirectional && hp->cell == HS_CELL_DENSE)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "bidirectional applies to lstm and gru cells only");
    return HS_OK;
}

/* ---- evaluation -------------------------------------------------------------------------- */

/* Working memory of one trial, allocated once. */
typedef struct trial_work {
    net *n;               /* the network */
    optim *opt;           /* its optimiser */
    float *xb;            /* (B, T, F) batch inputs */
    float *yb;            /* (B) batch targets (°C) */
    float *pred;          /* (B) predictions (°C) */
    float *dpred;         /* (B) dloss/dpred */
    float *best;          /* (n_params) weights of the best epoch */
    size_t *idx;          /* (max split count) window numbers: shuffled order or 0..n-1 */
} trial_work;

/* predict_eval's stop callback: a batch boundary of the trial. */
static int trial_eval_stop(const void *ctx) { return trial_stop_requested(ctx); }

/* Mean MSE and MAE of the current weights over every window of split s, in order,
 * training=0 (predict_eval: the code path `hsweep predict` uses, so its MAE is
 * bit-identical). Returns 1 if the stop flag was raised before the end, else 0. */
static int trial_evaluate(trial_work *w, const hs_dataset *ds, const window_plan *wp,
                          window_split_id s, const trial_hooks *hooks, double *loss,
                          double *mae) {
    predict_buffers b = {w->xb, w->yb, w->pred, w->idx};
    return predict_eval(w->n, ds, wp, s, &b, NULL, trial_eval_stop, hooks, loss, mae);
}

/* ---- the training loop ------------------------------------------------------------------- */

static void trial_work_free(trial_work *w) {
    net_free(w->n);
    optim_free(w->opt);
    free(w->xb);
    free(w->yb);
    free(w->pred);
    free(w->dpred);
    free(w->best);
    free(w->idx);
    memset(w, 0, sizeof *w);
}

/* Restore the loop counters from checkpoint ck into res (history, best epoch, epochs run)
 * and the caller's rng, best val_loss, early-stopping counter and earlier wall time; returns
 * the first epoch to train (past hp->epochs when patience had already ended the trial). The
 * weights and optimiser state are the caller's to restore. */
static size_t trial_restore(trial_result *res, const hs_hparams *hp, const trial_checkpoint *ck,
                            rng *r, double *best_val, size_t *since_best, double *wall_before) {
    memcpy(res->history, ck->history, ck->epochs_done * sizeof(trial_epoch));
    *r = ck->r;
    *best_val = ck->best_val;
    *since_best = ck->since_best;
    res->best_epoch = ck->best_epoch;
    res->epochs_run = ck->epochs_done;
    *wall_before = ck->wall_s;
    /* early stopping had already ended the trial: go straight to the evaluation */
    if (hp->patience > 0 && ck->since_best >= hp->patience) return hp->epochs + 1;
    return ck->epochs_done + 1;
}

/* ---- the synthetic cell ------------------------------------------------------------------- */

/* The training loop of a `synthetic` trial (model/synth.h): the same bookkeeping as a real
 * trial (history, best epoch by val_loss, patience, checkpoints, hooks, divergence, stop
 * flag checked once per epoch) around one synth_epoch call per epoch. Its "weights" are one
 * float: the epoch's val_mae (params) and the best one (best); there is no optimiser state
 * and no dataset. */
static int trial_run_synthetic(trial_result *res, const hs_hparams *hp, const trial_hooks *hooks,
                               hs_error *err) {
    double t0 = trial_now();
    res->n_params = 1;
    res->history = malloc(hp->epochs <= SIZE_MAX / sizeof(trial_epoch)
                              ? hp->epochs * sizeof(trial_epoch) : SIZE_MAX);
    float *best = malloc(sizeof *best);
    if (!res->history || !best) {
        free(best);
        trial_result_deinit(res);
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    float param = 0.0f;
    rng r;
    rng_seed(&r, hp->seed);
    double best_val = INFINITY, wall_before = 0.0;
    size_t since_best = 0, first = 1;
    const trial_checkpoint *ck = hooks ? hooks->resume : NULL;
    if (ck) {
        if (ck->n_params != 1 || ck->opt_state_len != 0 || ck->epochs_done == 0 ||
            ck->epochs_done > hp->epochs || ck->best_epoch == 0 ||
            ck->best_epoch > ck->epochs_done || !ck->history || !ck->params || !ck->best) {
            free(best);
            trial_result_deinit(res);
            return hs_error_set(err, HS_ERR_STATE, NULL, 0, 0, "checkpoint does not fit this "
                                "synthetic trial (%zu epochs, %zu params)", ck->epochs_done,
                                ck->n_params);
        }
        param = ck->params[0];
        best[0] = ck->best[0];
        first = trial_restore(res, hp, ck, &r, &best_val, &since_best, &wall_before);
    }
    for (size_t epoch = first; epoch <= hp->epochs; epoch++) {
        double te = trial_now();
        if (trial_stop_requested(hooks)) {
            res->status = TRIAL_STOPPED;
            snprintf(res->reason, sizeof res->reason, "stopped during epoch %zu", epoch);
            break;
        }
        synth_metrics m;
        synth_epoch(hp, epoch, &r, &m);
        if (!isfinite(m.loss)) {
            res->status = TRIAL_DIVERGED;
            snprintf(res->reason, sizeof res->reason, "diverged at epoch %zu (loss=%g)", epoch,
                     m.loss);
            break;
        }
        trial_epoch *e = &res->history[epoch - 1];
        *e = (trial_epoch){m.loss, m.mae, m.val_loss, m.val_mae, trial_now() - te};
        res->epochs_run = epoch;
        param = (float)m.val_mae;
        int is_best = e->val_loss < best_val;
        if (is_best) {
            best_val = e->val_loss;
            res->best_epoch = epoch;
            best[0] = param;
            since_best = 0;
        } else {
            since_best++;
        }
        if (hooks && hooks->on_checkpoint) {
            trial_checkpoint c = {.epochs_done = epoch, .n_params = 1, .r = r,
                                  .best_epoch = res->best_epoch, .best_val = best_val,
                                  .since_best = since_best,
                                  .wall_s = wall_before + (trial_now() - t0),
                                  .history = res->history, .params = &param, .best = best};
            hooks->on_checkpoint(&c, hooks->ctx);
        }
        if (hooks && hooks->on_epoch) {
            trial_progress p = {.epoch = epoch, .epochs = hp->epochs, .n_batches = 1, .e = e,
                                .res = res, .is_best = is_best, .params = &param, .n_params = 1};
            if (hooks->on_epoch(&p, hooks->ctx) != 0) {
                res->status = TRIAL_STOPPED;
                snprintf(res->reason, sizeof res->reason, "stopped by hook after epoch %zu",
                         epoch);
                break;
            }
        }
        if (hp->patience > 0 && since_best >= hp->patience) break;
    }
    if (res->best_epoch > 0) {
        const trial_epoch *b = &res->history[res->best_epoch - 1];
        res->val_loss = b->val_loss;
        res->val_mae = b->val_mae;
        if (res->status != TRIAL_STOPPED) res->test_mae = synth_test_mae(b->val_mae);
        res->best_params = best;
        best = NULL;
    }
    free(best);
    if (res->epochs_run == 0) {
        free(res->history);
        res->history = NULL;
    }
    res->wall_s = wall_before + (trial_now() - t0);
    return HS_OK;
}

int trial_run(trial_result *res, const hs_hparams *hp, const hs_dataset *ds,
              const trial_hooks *hooks, hs_error *err) {
    double t0 = trial_now();
    trial_work w;
    memset(&w, 0, sizeof w);
    memset(res, 0, sizeof *res);
    res->val_loss = res->val_mae = res->test_mae = NAN;
    int rc = trial_check_hparams(hp, err);
    if (rc != 0) return rc;
    if (hp->cell == HS_CELL_SYNTHETIC) return trial_run_synthetic(res, hp, hooks, err);
    if (!ds || !ds->x || !ds->y)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "dataset has no data loaded");

    window_spec spec = {.seq_len = hp->sequence_length, .rate = hp->sampling_rate,
                        .delay = hparams_delay(hp), .batch = hp->batch_size};
    window_plan wp;
    rc = window_plan_make(&wp, &spec, ds->n_rows, ds->n_train, ds->n_val, ds->n_features, err);
    if (rc != 0) return rc;
    for (int s = 0; s < 3; s++) res->n_windows[s] = wp.split[s].count;

    size_t B = hp->batch_size, T = hp->sequence_length, F = ds->n_features, xb_len = 0;
    if (trial_mul(B, T, &xb_len) != 0 || trial_mul(xb_len, F, &xb_len) != 0 ||
        xb_len > SIZE_MAX / sizeof(float))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "batch_size * sequence_length * features overflows");
    size_t max_count = wp.split[0].count;
    for (int s = 1; s < 3; s++)
        if (wp.split[s].count > max_count) max_count = wp.split[s].count;

    w.n = net_create(hp, F, B);
    if (!w.n) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0,
                          "cannot create the %s network (%zu units, %zu layers): out of memory "
                          "or unsupported configuration",
                          hparams_cell_name(hp->cell), hp->units, hp->layers);
        goto fail;
    }
    size_t P = net_num_params(w.n);
    res->n_params = P;
    w.opt = optim_create(hp->optimizer, P, hp->learning_rate);
    w.xb = malloc(xb_len * sizeof(float));
    w.yb = malloc(B * sizeof(float));
    w.pred = malloc(B * sizeof(float));
    w.dpred = malloc(B * sizeof(float));
    w.best = malloc((P ? P : 1) * sizeof(float));
    w.idx = malloc(max_count * sizeof(size_t));
    res->history = malloc(hp->epochs <= SIZE_MAX / sizeof(trial_epoch)
                              ? hp->epochs * sizeof(trial_epoch) : SIZE_MAX);
    if (!w.opt || !w.xb || !w.yb || !w.pred || !w.dpred || !w.best || !w.idx || !res->history) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0,
                          "out of memory allocating the training buffers");
        goto fail;
    }

    rng r;
    rng_seed(&r, hp->seed);
    net_init(w.n, &r);
    float *params = net_params(w.n), *grads = net_grads(w.n);

    const window_split *tr = &wp.split[WINDOW_TRAIN];
    size_t n_batches = window_num_batches(&wp, WINDOW_TRAIN);
    double best_val = INFINITY;
    size_t since_best = 0; /* epochs since the last improvement of val_loss */
    size_t first = 1;      /* first epoch to train */
    double wall_before = 0.0; /* training seconds of earlier sessions (resume) */
    const trial_checkpoint *ck = hooks ? hooks->resume : NULL;
    if (ck) {
        /* continue from a checkpoint: every piece of loop state is replaced, including the
         * rng (whatever net_init drew is overwritten) */
        size_t S = optim_state_size(w.opt);
        if (ck->n_params != P || ck->opt_state_len != S || ck->epochs_done == 0 ||
            ck->epochs_done > hp->epochs || ck->best_epoch == 0 ||
            ck->best_epoch > ck->epochs_done || ck->since_best >= ck->epochs_done ||
            !ck->history || !ck->params || !ck->best || !ck->opt_state) {
            rc = hs_error_set(err, HS_ERR_STATE, NULL, 0, 0,
                              "checkpoint does not fit this trial (%zu epochs, %zu params, "
                              "%zu optimiser floats; the trial has %zu epochs, %zu params, "
                              "%zu optimiser floats)", ck->epochs_done, ck->n_params,
                              ck->opt_state_len, hp->epochs, P, S);
            goto fail;
        }
        memcpy(params, ck->params, P * sizeof(float));
        memcpy(w.best, ck->best, P * sizeof(float));
        memcpy(optim_state(w.opt), ck->opt_state, S * sizeof(float));
        optim_set_iterations(w.opt, ck->opt_iterations);
        first = trial_restore(res, hp, ck, &r, &best_val, &since_best, &wall_before);
    }
    for (size_t epoch = first; epoch <= hp->epochs; epoch++) {
        double te = trial_now();
        /* one full permutation of the training windows per epoch */
        window_order(w.idx, tr->count, &r);
        double se = 0.0, ae = 0.0;
        for (size_t off = 0; off < tr->count; off += B) {
            if (trial_stop_requested(hooks)) {
                res->status = TRIAL_STOPPED;
                snprintf(res->reason, sizeof res->reason, "stopped during epoch %zu", epoch);
                goto finish;
            }
            size_t nb = tr->count - off < B ? tr->count - off : B;
            window_fill(w.xb, w.yb, ds, &wp, WINDOW_TRAIN, w.idx + off, nb);
            net_forward(w.n, w.pred, w.xb, nb, 1, &r);
            float loss = net_mse(w.dpred, w.pred, w.yb, nb);
            if (!isfinite(loss)) {
                res->status = TRIAL_DIVERGED;
                snprintf(res->reason, sizeof res->reason, "diverged at epoch %zu (loss=%g)",
                         epoch, (double)loss);
                goto finish;
            }
            se += (double)loss * (double)nb;
            ae += predict_abs_sum(w.pred, w.yb, nb);
            net_backward(w.n, w.dpred, nb);
            if (hp->clip > 0.0f) optim_clip_global_norm(grads, P, hp->clip);
            optim_step(w.opt, params, grads);
        }
        trial_epoch *e = &res->history[epoch - 1];
        e->loss = se / (double)tr->count;
        e->mae = ae / (double)tr->count;
        if (trial_evaluate(&w, ds, &wp, WINDOW_VAL, hooks, &e->val_loss, &e->val_mae)) {
            res->status = TRIAL_STOPPED;
            snprintf(res->reason, sizeof res->reason, "stopped during epoch %zu", epoch);
            goto finish;
        }
        e->wall_s = trial_now() - te;
        if (!isfinite(e->val_loss)) {
            res->status = TRIAL_DIVERGED;
            snprintf(res->reason, sizeof res->reason, "diverged at epoch %zu (val_loss=%g)",
                     epoch, e->val_loss);
            goto finish;
        }
        res->epochs_run = epoch;
        /* ModelCheckpoint(save_best_only) / EarlyStopping: improvement is val_loss < best */
        int is_best = e->val_loss < best_val;
        if (is_best) {
            best_val = e->val_loss;
            res->best_epoch = epoch;
            memcpy(w.best, params, P * sizeof(float));
            since_best = 0;
        } else {
            since_best++;
        }
        if (hooks && hooks->on_checkpoint) {
            trial_checkpoint c = {.epochs_done = epoch, .n_params = P,
                                  .opt_state_len = optim_state_size(w.opt),
                                  .opt_iterations = optim_iterations(w.opt), .r = r,
                                  .best_epoch = res->best_epoch, .best_val = best_val,
                                  .since_best = since_best,
                                  .wall_s = wall_before + (trial_now() - t0),
                                  .history = res->history, .params = params, .best = w.best,
                                  .opt_state = optim_state(w.opt)};
            hooks->on_checkpoint(&c, hooks->ctx);
        }
        if (hooks && hooks->on_epoch) {
            trial_progress p = {.epoch = epoch, .epochs = hp->epochs, .n_batches = n_batches,
                                .e = e, .res = res, .is_best = is_best, .params = params,
                                .n_params = P};
            if (hooks->on_epoch(&p, hooks->ctx) != 0) {
                res->status = TRIAL_STOPPED;
                snprintf(res->reason, sizeof res->reason, "stopped by hook after epoch %zu",
                         epoch);
                goto finish;
            }
        }
        if (hp->patience > 0 && since_best >= hp->patience) break;
    }

finish:
    if (res->best_epoch > 0) {
        const trial_epoch *b = &res->history[res->best_epoch - 1];
        res->val_loss = b->val_loss;
        res->val_mae = b->val_mae;
        if (res->status != TRIAL_STOPPED) {
            /* restore the best weights; if they are not the last epoch's, re-measure the
             * validation split with them (it must reproduce the recorded epoch exactly) */
            int restored = res->best_epoch != res->epochs_run || res->status != TRIAL_OK;
            int stopped = 0; /* the stop flag ended an evaluation */
            if (restored) {
                memcpy(params, w.best, P * sizeof(float));
                double vl, vm;
                stopped = trial_evaluate(&w, ds, &wp, WINDOW_VAL, hooks, &vl, &vm);
                if (!stopped) {
                    res->val_loss = vl;
                    res->val_mae = vm;
                }
            }
            double tl, tm;
            if (!stopped) stopped = trial_evaluate(&w, ds, &wp, WINDOW_TEST, hooks, &tl, &tm);
            if (!stopped) {
                res->test_mae = tm;
            } else {
                /* no test figure: the trial is unfinished and reruns (or resumes) */
                res->status = TRIAL_STOPPED;
                snprintf(res->reason, sizeof res->reason,
                         "stopped during the final evaluation");
            }
        }
    }
    if (res->epochs_run == 0) {
        free(res->history);
        res->history = NULL;
    }
    if (res->best_epoch > 0) {
        /* hand the best weights over instead of copying them */
        res->best_params = w.best;
        w.best = NULL;
    }
    trial_work_free(&w);
    res->wall_s = wall_before + (trial_now() - t0);
    return HS_OK;

fail:
    trial_work_free(&w);
    trial_result_deinit(res);
    return rc;
}
