/* trial: train one configuration on a prepared dataset, Keras style.
 *
 * trial_run builds the Keras windows for hp (window.h), creates the network (model/net.h)
 * and optimiser (model/optim.h), and runs the book's training loop: per epoch a full
 * shuffle of the training windows, batches of hp->batch_size, MSE loss, MAE metric, then
 * val_loss / val_mae on every validation window in order. It keeps the weights of the epoch
 * with the lowest val_loss (Keras ModelCheckpoint(save_best_only), monitor val_loss), stops
 * early after hp->patience epochs without improvement (Keras EarlyStopping, min_delta 0),
 * clips the global gradient norm when hp->clip > 0, and reports the test MAE at the best
 * weights. A non-finite loss ends the trial with status TRIAL_DIVERGED: that is a result,
 * not an error. All randomness (initialisation, shuffles, dropout masks) is drawn, in that
 * order, from one rng seeded with hp->seed, so the same hp and dataset give bit-identical
 * results.
 *
 * Checkpoints: after every complete epoch trial_run can hand the whole loop state to a hook
 * (trial_checkpoint: history, weights, best weights, optimiser state, rng state, early
 * stopping counters), and it can start from such a state instead of from scratch; a trial
 * resumed from its epoch-k checkpoint gives a result bit-identical to an uninterrupted run
 * (the loop draws nothing from the rng between epochs beyond what the state records).
 *
 * The `synthetic` cell (model/synth.h) runs the same loop around a learning-curve model
 * instead of a network: no dataset, one "weight", microseconds per epoch.
 *
 * It does not print (progress goes through trial_hooks), read or write files (io/ckpt.h
 * stores checkpoints), or use MPI. It keeps no global state: one process may run many
 * trials in sequence. */
#ifndef HS_TRIAL_H
#define HS_TRIAL_H

#include <stddef.h>
#include <stdint.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "model/hparams.h"
#include "model/rng.h"
#include "model/trainstate.h"

typedef enum trial_status {
    TRIAL_OK = 0,         /* trained for hp->epochs or until early stopping */
    TRIAL_DIVERGED = 1,   /* a loss became NaN or infinite; reason names the epoch */
    TRIAL_STOPPED = 2     /* the stop flag or the epoch hook ended the trial early */
} trial_status;

typedef struct trial_result {
    trial_status status;  /* how the trial ended */
    char reason[256];     /* "" when TRIAL_OK; e.g. "diverged at epoch 4 (loss=nan)" */
    trial_epoch *history; /* (epochs_run) owned, malloc'ed; NULL when epochs_run is 0 */
    size_t epochs_run;    /* complete epochs (train + validation) */
    size_t best_epoch;    /* 1-based epoch with the lowest val_loss; 0 if none completed */
    double val_loss;      /* val MSE at the best weights (NaN if best_epoch is 0) */
    double val_mae;       /* val MAE (°C) at the best weights (NaN if best_epoch is 0) */
    double test_mae;      /* test MAE (°C) at the best weights (NaN if best_epoch is 0 or
                             the trial was stopped) */
    double wall_s;        /* seconds for the whole trial, including the test evaluation */
    size_t n_params;      /* trainable parameters of the network */
    size_t n_windows[3];  /* windows in the train / val / test splits */
    float *best_params;   /* (n_params) owned copy of the weights at best_epoch (the weights
                             val_mae/test_mae were measured with), NULL if none */
} trial_result;

/* What the per-epoch hook sees, valid only during the call. */
typedef struct trial_progress {
    size_t epoch;             /* 1-based epoch just finished */
    size_t epochs;            /* hp->epochs, the maximum */
    size_t n_batches;         /* training batches per epoch */
    const trial_epoch *e;     /* this epoch's metrics (== &res->history[epoch - 1]) */
    const trial_result *res;  /* the result so far (history, best_epoch, n_params) */
    int is_best;              /* 1 if this epoch has the lowest val_loss so far */
    const float *params;      /* (n_params) current weights, for checkpoints */
    size_t n_params;          /* length of params */
} trial_progress;

typedef struct trial_hooks {
    /* Called after every complete epoch (e.g. to print the Keras table or checkpoint).
     * Returning non-zero stops the trial with status TRIAL_STOPPED. May be NULL. */
    int (*on_epoch)(const trial_progress *p, void *ctx);
    void *ctx;                /* passed to on_epoch, not touched by trial_run */
    /* Called at every batch boundary (training and evaluation), before the stop flag is
     * read, with ctx: lets rank 0 answer MPI messages while it trains. Must be cheap and
     * must not touch the trial. May be NULL. */
    void (*on_batch)(void *ctx);
    volatile int *stop;       /* if not NULL, checked at every batch boundary (training and
                                 evaluation); when *stop != 0 the trial ends with status
                                 TRIAL_STOPPED, discarding the unfinished epoch */
    /* Called after every complete epoch, after on_epoch (also when on_epoch stopped the
     * trial), with the loop state (views, valid during the call only), e.g. to write a
     * checkpoint file. A checkpoint that cannot be saved does not stop training. May be
     * NULL. */
    void (*on_checkpoint)(const trial_checkpoint *ck, void *ctx);
    /* If not NULL, trial_run restores this state (copied; not retained) instead of
     * initialising the weights, and continues with epoch resume->epochs_done + 1. It must
     * come from the same hp and dataset; trial_run checks the sizes and returns
     * HS_ERR_STATE when they do not fit. */
    const trial_checkpoint *resume;
} trial_hooks;

/* Check hp for values no trial can run with (zero sizes, rates outside [0,1), a
 * non-positive or non-finite learning rate, a negative clip, sizes whose product
 * overflows). Returns 0 or HS_ERR_VALUE with a message naming the field. */
int trial_check_hparams(const hs_hparams *hp, hs_error *err);

/* Train hp on ds (features (N,F) normalised, targets raw; unused, may be NULL, for the
 * synthetic cell) and fill res.
 * res: output, overwritten (its previous contents are not freed); release it with
 *      trial_result_deinit. ds: read only, not retained. hooks: may be NULL; with
 *      hooks->resume the trial continues from that checkpoint (res->history then holds
 *      the restored epochs too, res->wall_s includes the checkpoint's wall_s).
 * Returns 0 when the trial ran: res->status is TRIAL_OK, TRIAL_DIVERGED or TRIAL_STOPPED.
 * Returns HS_ERR_VALUE when hp cannot be used (invalid, or the dataset is too short for its
 * windows), HS_ERR_STATE when hooks->resume does not fit hp and ds (parameter or optimiser
 * state count, epochs beyond hp->epochs), and HS_ERR_NOMEM when memory runs out; err is
 * filled and res owns nothing. */
int trial_run(trial_result *res, const hs_hparams *hp, const hs_dataset *ds,
              const trial_hooks *hooks, hs_error *err);

/* Free what res owns and zero it. res may be NULL. */
void trial_result_deinit(trial_result *res);

/* "ok", "diverged", "stopped" (used in JSON and result files). */
const char *trial_status_name(trial_status s);

#endif
