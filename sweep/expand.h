/* expand: a validated sweep_def -> the list of trials to run.
 *
 * Order is deterministic: the Cartesian product of the grid axes (in file order, the first
 * axis varying slowest, zip groups as one axis), then the random samples of each grid point,
 * then the repeats (innermost). Excluded combinations are dropped; a configuration that
 * occurs twice (e.g. two identical random choices) is kept once. Each trial's id is 16 hex
 * chars of a 64-bit hash of its canonical resolved configuration (io/hpkey.h: the fields
 * that differ from the registry default, sorted by name, plus the repeat index; hsweep 0.1
 * directories keep their V1 ids, def->id_scheme), and its seed is rng_mix64(sweep seed ^ id hash),
 * so a trial's result depends on neither its position nor the rank that runs it. The cost
 * model estimates training FLOPs for longest-first scheduling and the plan. Pure
 * computation: no I/O, no MPI. */
#ifndef HS_EXPAND_H
#define HS_EXPAND_H

#include <stddef.h>
#include <stdint.h>

#include "io/hs_error.h"
#include "io/sweepcfg.h"
#include "model/hparams.h"
#include "model/rng.h"

/* Input features assumed by the cost model (the Jena set); costs are relative anyway. */
#define EXPAND_COST_FEATURES 14

/* Training-split rows assumed when the dataset's real count is unknown: Jena 2020 at
 * 10-minute resolution has about 52,700 rows, half of them in the training split. */
#define EXPAND_NOMINAL_TRAIN_ROWS 26000

typedef struct sweep_trial {
    hs_hparams hp;            /* resolved configuration; hp.seed is the trial seed */
    size_t repeat;            /* repeat index in [0, repeats) */
    char id[17];              /* 16 lowercase hex chars + NUL: hash of config + repeat */
    int id_scheme;            /* hpkey_scheme of id, seed and checkpoint key (def->id_scheme) */
    double cost;              /* estimated training FLOPs (expand_cost) */
} sweep_trial;

/* Expand def into a malloc'ed array of trials (*out, *n_out; free with expand_free).
 * n_train_rows: rows in the dataset's training split, used for the cost model and to reject
 * windows longer than the split; 0 = unknown (costs use EXPAND_NOMINAL_TRAIN_ROWS and the
 * window check is skipped). Returns 0, HS_ERR_VALUE when no trial is left (every
 * combination excluded; located at the first exclude entry) or a trial's window does not
 * fit the training split (located at the window parameter), or HS_ERR_NOMEM. On failure
 * *out is NULL and *n_out 0. */
int expand_trials(const sweep_def *def, size_t n_train_rows, sweep_trial **out, size_t *n_out,
                  hs_error *err);

/* The value a draw x of distribution ds stands for, as expand_trials stores it: reals
 * rounded to float and kept in [a, b), integers rounded, a choice index (0-based) to its
 * value. For samplers that draw outside expand (TPE, sweep/policy_search.h). */
double expand_dist_value(const sweepcfg_dist *ds, double x);

/* Grid points of def (the product of its axes' lengths; 1 without a grid), and grid point
 * g (< that, in expand_trials' order: the last axis varies fastest) set into hp. */
size_t expand_grid_points(const sweep_def *def);
void expand_grid_point(const sweep_def *def, size_t g, hs_hparams *hp);

/* Fill tr for configuration hp and repeat index `repeat` as expand_trials does: id (hash of
 * the configuration and repeat in def's id scheme), seed, cost (n_train_rows as for
 * expand_trials). Never fails. */
void expand_fill_trial(sweep_trial *tr, const sweep_def *def, const hs_hparams *hp,
                       size_t repeat, size_t n_train_rows);

/* The expansion one trial at a time, for callers that must not hold the whole list
 * (`hsweep plan` at SWEEPCFG_MAX_TRIALS): the same trials as expand_trials, in the same
 * order, with the same ids, seeds, costs and errors. It holds the ids seen so far (about
 * 16 bytes per trial) to keep a configuration that occurs twice once. Caller-owned. */
typedef struct expand_iter {
    const sweep_def *def;     /* borrowed; must outlive the iterator */
    size_t n_train_rows;      /* as for expand_trials (0 = unknown) */
    size_t points;            /* grid points (product of the axes' lengths) */
    size_t samples, repeats;  /* random draws per point, repeats per configuration (>= 1) */
    size_t g, s, rep;         /* position: grid point, draw within it, repeat */
    size_t *odo;              /* (n_axes + 1) the grid point's index along each axis */
    hs_hparams grid_hp;       /* the current grid point's configuration */
    hs_hparams hp;            /* the current configuration (grid point + draws) */
    int have_hp;              /* hp is a configuration whose repeats are being handed out */
    rng r;                    /* the random draws, seeded from the sweep seed */
    uint64_t *set;            /* (set_cap) ids seen, open addressing, 0 = empty slot */
    size_t set_cap, set_n;    /* slots (a power of 2), ids in them */
    int have_zero;            /* the id hash 0 was seen (0 marks empty slots) */
    size_t n_out;             /* trials handed out so far */
} expand_iter;

/* Start a streamed expansion of def (read, not copied). 0 or HS_ERR_NOMEM; on failure
 * expand_iter_deinit is still safe. */
int expand_iter_init(expand_iter *it, const sweep_def *def, size_t n_train_rows, hs_error *err);

/* The next trial into *t: 1 when one was written, 0 at the end, or a negative hs_status
 * (expand_trials' errors: HS_ERR_VALUE for a window that does not fit or, at the end, for
 * a sweep with no trial left; HS_ERR_NOMEM). */
int expand_iter_next(expand_iter *it, sweep_trial *t, hs_error *err);

/* Free what it holds; it may be NULL. Restart with expand_iter_init. */
void expand_iter_deinit(expand_iter *it);

/* Free an array from expand_trials. t may be NULL. */
void expand_free(sweep_trial *t);

/* Training windows of hp over a training split of n_train_rows rows (Keras >= 2.13):
 * n_train_rows - (L-1)*r, or 0 when the split is too short. */
size_t expand_train_windows(const hs_hparams *hp, size_t n_train_rows);

/* Estimated FLOPs to train hp: 3 x (forward FLOPs per window) x windows x epochs, where the
 * forward pass counts multiply-adds as 2 FLOPs: a recurrent layer costs 2*G*H*(I+H) per step
 * and direction (G = 4 gates for LSTM, 3 for GRU; x2 when bidirectional, whose output of 2H
 * feeds the next layer), dense flattens L*F inputs into H units then H->H per extra layer;
 * plus the Dense(1) head. Backward is taken as twice the forward. Validation passes and
 * early stopping are ignored: an upper bound proportional to the real work. The synthetic
 * cell costs its number of epochs. */
double expand_cost(const hs_hparams *hp, size_t n_train_windows);

/* The 64-bit hash behind a trial id in the current scheme: hpkey_trial_hash(hp, repeat,
 * HPKEY_CURRENT), FNV-1a over "name=value;" of the non-default parameters (no seed) sorted
 * by name and "repeat=k;", finalised with rng_mix64. */
uint64_t expand_id_hash(const hs_hparams *hp, size_t repeat);

/* Choose the id scheme for a sweep written into outdir, before expand_trials: the one
 * outdir/metadata.json records; HPKEY_V1 when it records none (hsweep 0.1) and a journal
 * is there to resume, unless --restart (restart != 0) is going to set a different sweep's
 * journal aside; otherwise (a new directory) the current one. Calls
 * sweepcfg_use_id_scheme. Returns 0, or HS_ERR_STATE when outdir was written by a newer
 * hsweep or by 0.1 with a sweep 0.1's ids cannot hold (without restart). */
int expand_resume_scheme(sweep_def *def, const char *outdir, int restart, hs_error *err);

/* Write h as 16 lowercase hex chars plus NUL into id. */
void expand_id_string(uint64_t h, char id[17]);

/* The parameters whose value differs between at least two of the n trials (the swept
 * axes, in sweepcfg_param order) into out (room for SWEEPCFG_NPARAMS); returns how many. */
size_t expand_swept(const sweep_trial *t, size_t n, sweepcfg_param *out);

#endif
