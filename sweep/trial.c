/* trial: the Keras training loop for one configuration (see trial.h).
 *
 * Order of random draws from the trial's rng: net_init, then per epoch one shuffle of the
 * training windows followed by the dropout masks of each batch's forward pass. Evaluation
 * draws nothing, and nothing else is drawn between epochs, so the rng state after an epoch
 * (with weights, optimiser state and the early-stopping counters) is all a checkpoint needs
 * to continue bit-identically. Buffers are allocated once before the first epoch; the loop
 * itself never allocates. */
#define _POSIX_C_SOURCE 200809L  /* nanosleep */
#include "sweep/trial.h"

#include <errno.h>
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
    char why[256];
    if (hparams_check(hp, why, sizeof why) != 0)   /* the registry's bounds */
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "%s", why);
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
    float *yb;            /* (B) batch targets (°C) */
    float *pred;          /* (B) predictions (°C) */
    float *dpred;         /* (B) dloss/dpred */
    float *best;          /* (n_params) weights of the best epoch */
    size_t *idx;          /* (max split count) window numbers: shuffled order or 0..n-1 */
    float *lb;            /* (B) last raw target of each window (residual models, °C) */
} trial_work;

/* predict_eval's stop callback: a batch boundary of the trial. */
static int trial_eval_stop(const void *ctx) { return trial_stop_requested(ctx); }

/* Mean MSE and MAE of the current weights over every window of split s, in order,
 * training=0 (predict_eval: the code path `hsweep predict` uses, so its MAE is
 * bit-identical). Returns 1 if the stop flag was raised before the end, else 0. */
static int trial_evaluate(trial_work *w, const hs_dataset *ds, const window_plan *wp,
                          window_split_id s, const trial_hooks *hooks, double *loss,
                          double *mae) {
    predict_buffers b = {w->yb, w->pred, w->idx, w->lb};
    return predict_eval(w->n, ds, wp, s, &b, NULL, trial_eval_stop, hooks, loss, mae);
}

/* ---- the training loop ------------------------------------------------------------------- */

static void trial_work_free(trial_work *w) {
    net_free(w->n);
    optim_free(w->opt);
    free(w->yb);
    free(w->pred);
    free(w->dpred);
    free(w->best);
    free(w->idx);
    free(w->lb);
    memset(w, 0, sizeof *w);
}

/* The state of one trial_run: its inputs, buffers and the loop's counters. */
typedef struct trial_loop {
    const hs_hparams *hp;     /* the configuration */
    const hs_dataset *ds;     /* the dataset */
    const trial_hooks *hooks; /* may be NULL */
    trial_result *res;        /* the result being filled */
    trial_work w;             /* network, optimiser, buffers */
    window_plan wp;           /* the Keras windows */
    rng r;                    /* the trial's rng */
    size_t P;                 /* trainable parameters */
    size_t n_batches;         /* training batches per epoch */
    double best_val;          /* lowest val_loss so far */
    size_t since_best;        /* epochs since the last improvement of val_loss */
    size_t first;             /* first epoch to train (1, or after a checkpoint) */
    double wall_before;       /* training seconds of earlier sessions (resume) */
    double t0;                /* start of this session */
    int synthetic;            /* cell synthetic: no dataset, network or optimiser */
    float synth;              /* synthetic: its one "weight", the last epoch's val_mae */
    long synth_ms;            /* synthetic: HSWEEP_SYNTH_EPOCH_MS, the least an epoch lasts */
} trial_loop;

/* The trainable parameters (the network's, or the synthetic cell's one float). */
static float *trial_params(trial_loop *L) { return L->synthetic ? &L->synth : net_params(L->w.n); }

/* Step 1 for the synthetic cell (model/synth.h): the history and one float of best weights;
 * the rng draws one normal per epoch. 0 or HS_ERR_NOMEM. */
static int trial_setup_synthetic(trial_loop *L, hs_error *err) {
    const hs_hparams *hp = L->hp;
    L->P = L->res->n_params = 1;
    L->w.best = malloc(sizeof(float));
    L->res->history = malloc(hp->epochs <= SIZE_MAX / sizeof(trial_epoch)
                                 ? hp->epochs * sizeof(trial_epoch) : SIZE_MAX);
    if (!L->w.best || !L->res->history)
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    rng_seed(&L->r, hp->seed);
    L->n_batches = 1;
    L->best_val = INFINITY;
    L->first = 1;
    /* a testing knob: each epoch lasts at least this long (values unchanged), so that a test
     * can interrupt a synthetic sweep mid-way however fast the machine is */
    const char *ms = getenv("HSWEEP_SYNTH_EPOCH_MS");
    L->synth_ms = ms ? strtol(ms, NULL, 10) : 0;
    if (L->synth_ms < 0 || L->synth_ms > 60000) L->synth_ms = 0;
    return 0;
}

/* Step 1: windows, network, optimiser and every buffer, sized once. 0, HS_ERR_VALUE or
 * HS_ERR_NOMEM. */
static int trial_setup(trial_loop *L, hs_error *err) {
    const hs_hparams *hp = L->hp;
    const hs_dataset *ds = L->ds;
    trial_work *w = &L->w;
    trial_result *res = L->res;
    window_spec spec = {.seq_len = hp->sequence_length, .rate = hp->sampling_rate,
                        .delay = hparams_delay(hp), .batch = hp->batch_size};
    int rc = window_plan_make(&L->wp, &spec, ds->n_rows, ds->n_train, ds->n_val,
                              ds->n_features, err);
    if (rc != 0) return rc;
    for (int s = 0; s < 3; s++) res->n_windows[s] = L->wp.split[s].count;

    /* a batch's inputs (B*T*F floats, gathered into the network's input rows) must be
     * addressable */
    size_t B = hp->batch_size, T = hp->sequence_length, F = ds->n_features, xb_len = 0;
    if (trial_mul(B, T, &xb_len) != 0 || trial_mul(xb_len, F, &xb_len) != 0 ||
        xb_len > SIZE_MAX / sizeof(float))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0,
                            "batch_size * sequence_length * features overflows");
    size_t max_count = L->wp.split[0].count;
    for (int s = 1; s < 3; s++)
        if (L->wp.split[s].count > max_count) max_count = L->wp.split[s].count;

    w->n = net_create(hp, F, B);
    if (!w->n)
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0,
                            "cannot create the %s network (%zu units, %zu layers): out of memory "
                            "or unsupported configuration",
                            hparams_cell_name(hp->cell), hp->units, hp->layers);
    size_t P = L->P = net_num_params(w->n);
    res->n_params = P;
    w->opt = optim_create(hp->optimizer, P, hp->learning_rate);
    w->yb = malloc(B * sizeof(float));
    w->pred = malloc(B * sizeof(float));
    w->dpred = malloc(B * sizeof(float));
    w->best = malloc((P ? P : 1) * sizeof(float));
    w->idx = malloc(max_count * sizeof(size_t));
    w->lb = malloc(B * sizeof(float));
    res->history = malloc(hp->epochs <= SIZE_MAX / sizeof(trial_epoch)
                              ? hp->epochs * sizeof(trial_epoch) : SIZE_MAX);
    if (!w->opt || !w->yb || !w->pred || !w->dpred || !w->best || !w->idx || !w->lb ||
        !res->history)
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0,
                            "out of memory allocating the training buffers");
    rng_seed(&L->r, hp->seed);
    net_init(w->n, &L->r);
    L->n_batches = window_num_batches(&L->wp, WINDOW_TRAIN);
    L->best_val = INFINITY;
    L->first = 1;
    return 0;
}

/* Step 2 (resume): replace every piece of loop state with checkpoint ck, including the rng
 * (whatever net_init drew is overwritten). 0 or HS_ERR_STATE when ck does not fit. */
static int trial_restore(trial_loop *L, const trial_checkpoint *ck, hs_error *err) {
    const hs_hparams *hp = L->hp;
    trial_result *res = L->res;
    size_t P = L->P, S = L->w.opt ? optim_state_size(L->w.opt) : 0;
    if (ck->n_params != P || ck->opt_state_len != S || ck->epochs_done == 0 ||
        ck->epochs_done > hp->epochs || ck->best_epoch == 0 ||
        ck->best_epoch > ck->epochs_done || ck->since_best >= ck->epochs_done ||
        !ck->history || !ck->params || !ck->best || (S && !ck->opt_state))
        return hs_error_set(err, HS_ERR_STATE, NULL, 0, 0,
                            "checkpoint does not fit this trial (%zu epochs, %zu params, "
                            "%zu optimiser floats; the trial has %zu epochs, %zu params, "
                            "%zu optimiser floats)", ck->epochs_done, ck->n_params,
                            ck->opt_state_len, hp->epochs, P, S);
    memcpy(res->history, ck->history, ck->epochs_done * sizeof(trial_epoch));
    memcpy(trial_params(L), ck->params, P * sizeof(float));
    memcpy(L->w.best, ck->best, P * sizeof(float));
    if (L->w.opt) {
        memcpy(optim_state(L->w.opt), ck->opt_state, S * sizeof(float));
        optim_set_iterations(L->w.opt, ck->opt_iterations);
    }
    L->r = ck->r;
    L->best_val = ck->best_val;
    L->since_best = ck->since_best;
    res->best_epoch = ck->best_epoch;
    res->epochs_run = ck->epochs_done;
    L->wall_before = ck->wall_s;
    L->first = ck->epochs_done + 1;
    /* early stopping had already ended the trial: go straight to the evaluation */
    if (hp->patience > 0 && L->since_best >= hp->patience) L->first = hp->epochs + 1;
    return 0;
}

/* Step 3: one epoch: a full permutation of the training windows in batches (forward,
 * residual, MSE, backward, clip, step), then the validation split. Fills the epoch's
 * history entry. Returns 0, or 1 when the trial ended (status and reason set: stopped or
 * diverged). */
static int trial_epoch_run_synthetic(trial_loop *L, size_t epoch);

static int trial_epoch_run(trial_loop *L, size_t epoch) {
    if (L->synthetic) return trial_epoch_run_synthetic(L, epoch);
    const hs_hparams *hp = L->hp;
    trial_work *w = &L->w;
    trial_result *res = L->res;
    const window_split *tr = &L->wp.split[WINDOW_TRAIN];
    float *params = net_params(w->n), *grads = net_grads(w->n);
    size_t B = hp->batch_size;
    double te = trial_now();
    window_order(w->idx, tr->count, &L->r);
    double se = 0.0, ae = 0.0;
    for (size_t off = 0; off < tr->count; off += B) {
        if (trial_stop_requested(L->hooks)) {
            res->status = TRIAL_STOPPED;
            snprintf(res->reason, sizeof res->reason, "stopped during epoch %zu", epoch);
            return 1;
        }
        size_t nb = tr->count - off < B ? tr->count - off : B;
        /* the batch is gathered straight into the network's input rows */
        size_t ldt, ldb;
        float *xin = net_input(w->n, nb, &ldt, &ldb);
        window_fill_strided(xin, ldt, ldb, w->yb, L->ds, &L->wp, WINDOW_TRAIN, w->idx + off, nb);
        net_forward_input(w->n, w->pred, 1, &L->r);
        predict_buffers tb = {w->yb, w->pred, w->idx + off, w->lb};
        predict_residual(w->n, &tb, L->ds, &L->wp, WINDOW_TRAIN, nb);
        float loss = net_mse(w->dpred, w->pred, w->yb, nb);
        if (!isfinite(loss)) {
            res->status = TRIAL_DIVERGED;
            snprintf(res->reason, sizeof res->reason, "diverged at epoch %zu (loss=%g)", epoch,
                     (double)loss);
            return 1;
        }
        se += (double)loss * (double)nb;
        ae += predict_abs_sum(w->pred, w->yb, nb);
        net_backward(w->n, w->dpred, nb);
        if (hp->clip > 0.0f) optim_clip_global_norm(grads, L->P, hp->clip);
        optim_step(w->opt, params, grads);
    }
    trial_epoch *e = &res->history[epoch - 1];
    e->loss = se / (double)tr->count;
    e->mae = ae / (double)tr->count;
    if (trial_evaluate(w, L->ds, &L->wp, WINDOW_VAL, L->hooks, &e->val_loss, &e->val_mae)) {
        res->status = TRIAL_STOPPED;
        snprintf(res->reason, sizeof res->reason, "stopped during epoch %zu", epoch);
        return 1;
    }
    e->wall_s = trial_now() - te;
    if (!isfinite(e->val_loss)) {
        res->status = TRIAL_DIVERGED;
        snprintf(res->reason, sizeof res->reason, "diverged at epoch %zu (val_loss=%g)", epoch,
                 e->val_loss);
        return 1;
    }
    res->epochs_run = epoch;
    return 0;
}

/* Step 3 for the synthetic cell: the stop flag (one "batch" per epoch), one synth_epoch. */
static int trial_epoch_run_synthetic(trial_loop *L, size_t epoch) {
    trial_result *res = L->res;
    double te = trial_now();
    if (trial_stop_requested(L->hooks)) {
        res->status = TRIAL_STOPPED;
        snprintf(res->reason, sizeof res->reason, "stopped during epoch %zu", epoch);
        return 1;
    }
    synth_metrics m;
    synth_epoch(L->hp, epoch, &L->r, &m);
    if (!isfinite(m.loss)) {
        res->status = TRIAL_DIVERGED;
        snprintf(res->reason, sizeof res->reason, "diverged at epoch %zu (loss=%g)", epoch, m.loss);
        return 1;
    }
    if (L->synth_ms > 0) {
        struct timespec d = {L->synth_ms / 1000, (L->synth_ms % 1000) * 1000000L};
        while (nanosleep(&d, &d) != 0 && errno == EINTR && !trial_stop_requested(L->hooks)) {}
    }
    res->history[epoch - 1] = (trial_epoch){m.loss, m.mae, m.val_loss, m.val_mae, trial_now() - te};
    L->synth = (float)m.val_mae;
    res->epochs_run = epoch;
    return 0;
}

/* Step 4: after a finished epoch: keep the best weights (ModelCheckpoint(save_best_only) /
 * EarlyStopping: an improvement is val_loss < best), then the epoch and checkpoint hooks.
 * Returns 0 to go on, 1 when the epoch hook stopped the trial (status set). */
static int trial_epoch_done(trial_loop *L, size_t epoch) {
    trial_result *res = L->res;
    const trial_hooks *hooks = L->hooks;
    trial_epoch *e = &res->history[epoch - 1];
    float *params = trial_params(L);
    int is_best = e->val_loss < L->best_val;
    if (is_best) {
        L->best_val = e->val_loss;
        res->best_epoch = epoch;
        memcpy(L->w.best, params, L->P * sizeof(float));
        L->since_best = 0;
    } else {
        L->since_best++;
    }
    /* the epoch hook first (a coordinator's verdict on the epoch), then the checkpoint, so
     * a checkpoint is never ahead of what the hook was told; also when the hook stops the
     * trial (a paused trial continues from it) */
    double wall = L->wall_before + (trial_now() - L->t0);   /* training time, no verdict wait */
    int stop = 0;
    if (hooks && hooks->on_epoch) {
        trial_progress p = {.epoch = epoch, .epochs = L->hp->epochs, .n_batches = L->n_batches,
                            .e = e, .res = res, .is_best = is_best, .params = params,
                            .n_params = L->P};
        stop = hooks->on_epoch(&p, hooks->ctx) != 0;
    }
    if (hooks && hooks->on_checkpoint) {
        optim *o = L->w.opt;
        trial_checkpoint c = {.epochs_done = epoch, .n_params = L->P,
                              .opt_state_len = o ? optim_state_size(o) : 0,
                              .opt_iterations = o ? optim_iterations(o) : 0, .r = L->r,
                              .best_epoch = res->best_epoch, .best_val = L->best_val,
                              .since_best = L->since_best,
                              .wall_s = wall,
                              .history = res->history, .params = params, .best = L->w.best,
                              .opt_state = o ? optim_state(o) : NULL};
        hooks->on_checkpoint(&c, hooks->ctx);
    }
    if (stop) {
        res->status = TRIAL_STOPPED;
        snprintf(res->reason, sizeof res->reason, "stopped by hook after epoch %zu", epoch);
        return 1;
    }
    return 0;
}

/* Step 5: metrics at the best weights: restore them (re-measuring validation if they are
 * not the last epoch's: it must reproduce the recorded epoch exactly) and measure the test
 * split; a stop during these evaluations leaves the trial stopped. */
static void trial_finish(trial_loop *L) {
    trial_result *res = L->res;
    if (res->best_epoch == 0) return;
    const trial_epoch *b = &res->history[res->best_epoch - 1];
    res->val_loss = b->val_loss;
    res->val_mae = b->val_mae;
    if (res->status == TRIAL_STOPPED) return;
    if (L->synthetic) {
        res->test_mae = synth_test_mae(b->val_mae);
        return;
    }
    int restored = res->best_epoch != res->epochs_run || res->status != TRIAL_OK;
    int stopped = 0; /* the stop flag ended an evaluation */
    if (restored) {
        memcpy(net_params(L->w.n), L->w.best, L->P * sizeof(float));
        double vl, vm;
        stopped = trial_evaluate(&L->w, L->ds, &L->wp, WINDOW_VAL, L->hooks, &vl, &vm);
        if (!stopped) {
            res->val_loss = vl;
            res->val_mae = vm;
        }
    }
    double tl, tm;
    if (!stopped) stopped = trial_evaluate(&L->w, L->ds, &L->wp, WINDOW_TEST, L->hooks, &tl, &tm);
    if (!stopped) {
        res->test_mae = tm;
    } else {
        /* no test figure: the trial is unfinished and reruns (or resumes) */
        res->status = TRIAL_STOPPED;
        snprintf(res->reason, sizeof res->reason, "stopped during the final evaluation");
    }
}

int trial_run(trial_result *res, const hs_hparams *hp, const hs_dataset *ds,
              const trial_hooks *hooks, hs_error *err) {
    trial_loop L;
    memset(&L, 0, sizeof L);
    L.t0 = trial_now();
    L.hp = hp;
    L.ds = ds;
    L.hooks = hooks;
    L.res = res;
    memset(res, 0, sizeof *res);
    res->val_loss = res->val_mae = res->test_mae = NAN;
    int rc = trial_check_hparams(hp, err);
    if (rc != 0) return rc;
    L.synthetic = hp->cell == HS_CELL_SYNTHETIC;
    if (!L.synthetic && (!ds || !ds->x || !ds->y))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "dataset has no data loaded");
    if ((rc = L.synthetic ? trial_setup_synthetic(&L, err) : trial_setup(&L, err)) != 0) goto fail;
    if (hooks && hooks->resume && (rc = trial_restore(&L, hooks->resume, err)) != 0) goto fail;
    for (size_t epoch = L.first; epoch <= hp->epochs; epoch++) {
        if (trial_epoch_run(&L, epoch) || trial_epoch_done(&L, epoch)) break;
        if (hp->patience > 0 && L.since_best >= hp->patience) break;
    }
    trial_finish(&L);
    if (res->epochs_run == 0) {
        free(res->history);
        res->history = NULL;
    }
    if (res->best_epoch > 0) {
        /* hand the best weights over instead of copying them */
        res->best_params = L.w.best;
        L.w.best = NULL;
    }
    trial_work_free(&L.w);
    res->wall_s = L.wall_before + (trial_now() - L.t0);
    return HS_OK;

fail:
    trial_work_free(&L.w);
    trial_result_deinit(res);
    return rc;
}
