/* trainstate: the training loop's state that outlives one process: the metrics of an epoch
 * and the complete loop state after a finished epoch (what an epoch checkpoint stores).
 *
 * Plain types only, shared by the trainer (sweep/trial.h, which fills and restores them) and
 * the checkpoint files (io/ckpt.h, which writes and reads them), so io/ needs nothing from
 * sweep/. The names keep the trial_ prefix of the loop that owns them. No functions. */
#ifndef HS_TRAINSTATE_H
#define HS_TRAINSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "model/rng.h"

/* Metrics of one epoch, each a mean over the split's windows. */
typedef struct trial_epoch {
    double loss;          /* training MSE (°C^2), mean over the epoch's batches weighted by
                             batch size, measured before each batch's update (as Keras) */
    double mae;           /* training MAE (°C), weighted the same way */
    double val_loss;      /* validation MSE (°C^2) after the epoch, training=0 */
    double val_mae;       /* validation MAE (°C) after the epoch */
    double wall_s;        /* seconds spent on this epoch (training and validation) */
} trial_epoch;

/* The complete state of the training loop after a finished epoch: what trial_run needs to
 * continue with the next epoch exactly as if it had never stopped. The arrays are views
 * into trial_run's buffers when handed to on_checkpoint (valid only during the call), or
 * owned by whoever filled them (io/ckpt.h: ckpt_read) when used as trial_hooks.resume. */
typedef struct trial_checkpoint {
    size_t epochs_done;       /* complete epochs (>= 1); training continues with the next */
    size_t n_params;          /* length of params and best */
    size_t opt_state_len;     /* length of opt_state (optim_state_size) */
    uint64_t opt_iterations;  /* optimiser steps taken (Adam's t) */
    rng r;                    /* the trial's rng after the last epoch's draws */
    size_t best_epoch;        /* 1-based epoch with the lowest val_loss so far */
    double best_val;          /* that val_loss (MSE) */
    size_t since_best;        /* epochs since best_epoch (early-stopping counter) */
    double wall_s;            /* seconds of training so far, summed over every session */
    trial_epoch *history;     /* (epochs_done) metrics of every finished epoch */
    float *params;            /* (n_params) current weights */
    float *best;              /* (n_params) weights of best_epoch */
    float *opt_state;         /* (opt_state_len) optimiser state (RMSprop ms; Adam m, v) */
} trial_checkpoint;

#endif
