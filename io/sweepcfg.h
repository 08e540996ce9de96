/* sweepcfg: the YAML sweep file, parsed and validated into a sweep_def.
 *
 * Reads a sweep file with libyaml's document API (every node keeps its line:col) and checks
 * it completely before anything runs: unknown keys (with a did-you-mean), wrong types,
 * out-of-range values, a parameter given twice, empty axes, zip lists of unequal length,
 * bad random distributions and a missing dataset file all fail with an hs_error located at
 * the offending node ("sweep.yaml:12:5: unknown key 'dropuot' (did you mean 'dropout'?)").
 * Range/linspace/logspace axes are resolved to explicit value lists here. The result also
 * carries a 64-bit hash of a canonical serialisation of the definition, so resume can tell
 * a changed sweep from a reformatted one. Expanding the definition into trials lives in
 * sweep/expand.h; this file does not read the HDF5 dataset (it only checks that the file
 * exists) and does not run anything.
 *
 * Every parameter value is held as a double: enums (cell, optimizer) as their enum value,
 * booleans as 0/1, integers exactly (all are capped far below 2^53). */
#ifndef HS_SWEEPCFG_H
#define HS_SWEEPCFG_H

#include <stddef.h>
#include <stdint.h>

#include "io/hs_error.h"
#include "model/hparams.h"

/* The sweepable parameters: the rows of the registry (model/hparams.h) before the seed,
 * SWEEPCFG_<NAME> == HS_HP_<NAME>. (SWEEPCFG_SEED exists only as a by-product of the
 * generation; it equals SWEEPCFG_NPARAMS and is not a sweep parameter.) */
typedef enum sweepcfg_param {
#define SWEEPCFG_ENUM_(name, NAME, ...) SWEEPCFG_##NAME = HS_HP_##NAME,
    HS_HPARAMS(SWEEPCFG_ENUM_)
#undef SWEEPCFG_ENUM_
    SWEEPCFG_NPARAMS = HS_HP_SEED /* number of parameters, not a parameter */
} sweepcfg_param;

/* Most trials a sweep may expand to (repeats x samples x grid points, before exclusion):
 * sweepcfg_load refuses more, located at the axis that crosses it. The figure `plan` and
 * `run` were measured at is in docs/hardening.md. */
#define SWEEPCFG_MAX_TRIALS 10000000

/* The value type of a parameter (decides parsing, range checks and formatting). */
typedef enum sweepcfg_type {
    SWEEPCFG_T_INT = 0,       /* non-negative integer (size_t field) */
    SWEEPCFG_T_REAL,          /* real number (float field) */
    SWEEPCFG_T_BOOL,          /* true/false (int field, 0/1) */
    SWEEPCFG_T_CELL,          /* lstm | gru | dense (hs_cell) */
    SWEEPCFG_T_OPTIMIZER      /* rmsprop | adam (hs_optimizer) */
} sweepcfg_type;

/* Where a parameter got its value (for duplicate detection and the plan). */
typedef enum sweepcfg_source {
    SWEEPCFG_SRC_DEFAULT = 0, /* not mentioned: hparams_default() */
    SWEEPCFG_SRC_FIXED,       /* `fixed:` or a single value under `data:` */
    SWEEPCFG_SRC_GRID,        /* a grid axis (under `grid:` or swept under `data:`) */
    SWEEPCFG_SRC_ZIP,         /* one list of a `zip:` group */
    SWEEPCFG_SRC_RANDOM       /* a `random:` distribution */
} sweepcfg_source;

/* Which validation metric ranks trials (always minimised). */
typedef enum sweepcfg_metric {
    SWEEPCFG_METRIC_VAL_MAE = 0,  /* mean absolute error on the validation split (°C) */
    SWEEPCFG_METRIC_VAL_LOSS = 1  /* mean squared error on the validation split (°C^2) */
} sweepcfg_metric;

/* A random-search distribution kind. */
typedef enum sweepcfg_dist_kind {
    SWEEPCFG_DIST_UNIFORM = 0,    /* uniform real in [a, b) */
    SWEEPCFG_DIST_LOG_UNIFORM,    /* exp(uniform in [ln a, ln b)), a > 0 */
    SWEEPCFG_DIST_INT,            /* uniform integer in [a, b], both inclusive */
    SWEEPCFG_DIST_CHOICE          /* one of choices[], equally likely */
} sweepcfg_dist_kind;

/* One grid axis: a plain axis (n_params 1) or a zip group whose parameters vary together.
 * The sweep is the Cartesian product of its axes, the first axis varying slowest. */
typedef struct sweepcfg_axis {
    size_t n_params;                       /* k >= 1 parameters varied together */
    sweepcfg_param params[SWEEPCFG_NPARAMS];/* (k) the parameters, in file order */
    size_t n_values;                       /* n >= 1 points along the axis */
    double *values;                        /* (n, k) row-major, owned */
    long line, col;                        /* location of the axis in the file (1-based) */
} sweepcfg_axis;

/* One `exclude:` entry: a trial is skipped when, for every parameter given (n_vals > 0),
 * its value is one of vals. */
typedef struct sweepcfg_exclude {
    size_t n_vals[SWEEPCFG_NPARAMS];       /* values listed per parameter, 0 = not given */
    double *vals[SWEEPCFG_NPARAMS];        /* (n_vals[p]) owned, NULL when not given */
    long line, col;                        /* location of the entry (1-based) */
} sweepcfg_exclude;

/* One random-search distribution. */
typedef struct sweepcfg_dist {
    sweepcfg_param param;                  /* the parameter drawn */
    sweepcfg_dist_kind kind;               /* distribution */
    double a, b;                           /* bounds (uniform, log_uniform, int) */
    size_t n_choices;                      /* choice: number of values */
    double *choices;                       /* (n_choices) owned, choice only */
} sweepcfg_dist;

/* `random:`: samples per grid point (or in total when there is no grid). */
typedef struct sweepcfg_random {
    size_t samples;                        /* draws per grid point; 0 = no random search */
    size_t n_dists;                        /* number of distributions */
    sweepcfg_dist dists[SWEEPCFG_NPARAMS]; /* (n_dists) in file order */
} sweepcfg_random;

/* `scheduler:` early stopping across trials (sweep/asha.h). */
typedef enum sweepcfg_sched {
    SWEEPCFG_SCHED_NONE = 0,               /* no section: every trial to its full budget */
    SWEEPCFG_SCHED_ASHA,                   /* asha */
    SWEEPCFG_SCHED_HYPERBAND,              /* hyperband */
    SWEEPCFG_SCHED_MEDIAN                  /* median */
} sweepcfg_sched;

typedef struct sweepcfg_scheduler {
    sweepcfg_sched type;                   /* the rule, NONE when absent */
    size_t min_epochs;                     /* first rung / grace period, default 1 */
    size_t max_epochs;                     /* full budget: every trial's `epochs` */
    size_t reduction;                      /* eta, default 3 */
    size_t brackets;                       /* hyperband: brackets, 0 = all */
    size_t min_samples;                    /* median: trials needed at an epoch, default 3 */
    int idle_promotion;                    /* asha, hyperband: 1 = a rank ASHA would leave
                                              waiting continues the best paused trial outside
                                              the top 1/eta (asha_config.idle_promotion),
                                              default 0 */
    long line, col;                        /* location of the `scheduler` key, 0 if absent */
} sweepcfg_scheduler;

/* `sampler:` how sampled configurations are drawn (over the `random:` distributions). */
typedef enum sweepcfg_sampler_type {
    SWEEPCFG_SAMPLER_RANDOM = 0,           /* independent draws (the default) */
    SWEEPCFG_SAMPLER_TPE                   /* Tree-structured Parzen Estimator (sweep/tpe.h) */
} sweepcfg_sampler_type;

typedef struct sweepcfg_sampler {
    sweepcfg_sampler_type type;            /* random or tpe */
    size_t n_trials;                       /* configurations drawn in total (0: as
                                              random.samples says); with G grid points,
                                              n_trials / G per point */
    size_t n_startup;                      /* tpe: random draws before the model, 10 */
    size_t candidates;                     /* tpe: expected-improvement candidates, 24 */
    int constant_liar;                     /* tpe: running trials count as bad, default 1 */
    long line, col;                        /* location of the `sampler` key, 0 if absent */
} sweepcfg_sampler;

/* A parsed, validated sweep. Fill with sweepcfg_load, release with sweepcfg_deinit. */
typedef struct sweep_def {
    char file[4096];                       /* the YAML file as given (for messages) */
    char name[128];                        /* sweep name: [A-Za-z0-9._-]+ */
    uint64_t seed;                         /* sweep seed (trial seeds and random draws) */
    char data_path_given[4096];            /* `data.path` as written in the file */
    char data_path[4096];                  /* resolved against the YAML file's directory */
    hs_hparams base;                       /* defaults overridden by fixed values; seed
                                              field unused (trial seeds come from expand) */
    sweepcfg_source source[SWEEPCFG_NPARAMS]; /* where each parameter is set */
    long src_line[SWEEPCFG_NPARAMS];       /* location of that setting (0 = default) */
    long src_col[SWEEPCFG_NPARAMS];        /* column of that setting (0 = default) */
    size_t n_axes;                         /* grid axes incl. zip groups, 0 = no grid */
    sweepcfg_axis *axes;                   /* (n_axes) owned */
    size_t n_excludes;                     /* exclude entries */
    sweepcfg_exclude *excludes;            /* (n_excludes) owned */
    sweepcfg_random random;                /* random search, samples 0 = none */
    size_t repeats;                        /* seeds per configuration, >= 1 */
    sweepcfg_metric metric;                /* ranking metric, minimised */
    size_t max_failures;                   /* stop after this many failed trials; 0 = never */
    char output[4096];                     /* output directory (as given; default runs/<name>,
                                              relative paths are relative to the cwd) */
    sweepcfg_scheduler scheduler;          /* early stopping across trials */
    sweepcfg_sampler sampler;              /* how sampled configurations are drawn */
    int id_scheme;                         /* hpkey_scheme of trial ids, the hash and
                                              checkpoint keys: HPKEY_CURRENT unless
                                              sweepcfg_use_id_scheme chose another */
    uint64_t hash;                         /* hash of the canonical definition (see
                                              sweepcfg_hash) */
} sweep_def;

/* Parse and validate the sweep file at path into def (caller-owned struct; it is
 * initialised here, so no prior init is needed). On success returns 0 and def owns its
 * arrays (free with sweepcfg_deinit). On failure returns HS_ERR_IO (cannot read the file,
 * dataset missing), HS_ERR_FORMAT (YAML syntax, unknown key, structure), HS_ERR_VALUE
 * (wrong type, out of range, duplicate, empty, unequal zip) or HS_ERR_NOMEM, fills err with
 * file:line:col of the offending node, and leaves def empty (sweepcfg_deinit is still safe). */
int sweepcfg_load(sweep_def *def, const char *path, hs_error *err);

/* Free everything def owns and zero it. def may be NULL. */
void sweepcfg_deinit(sweep_def *def);

/* The 64-bit FNV-1a hash (finalised with rng_mix64) of a canonical text serialisation of
 * def in its id scheme (io/hpkey.h): seed, data path as written, base values (V2: only those
 * that differ from the registry default), axes, excludes, random search, repeats and
 * metric. Comments, whitespace, key order within maps and number spelling (1e-3 vs 0.001)
 * do not change it; name, output and max_failures are left out because they do not change
 * which trials run or what they compute. Also stored in def->hash by sweepcfg_load. */
uint64_t sweepcfg_hash(const sweep_def *def);

/* Cap every `epochs` value of def at max (fixed, grid, zip and random values, the
 * scheduler's budget) and recompute def->hash: a smaller sweep with its own hash and trial
 * ids, never mistaken for the full one (HSWEEP_MAX_EPOCHS, a smoke test). max 0: no cap.
 * Cannot fail. */
void sweepcfg_cap_epochs(sweep_def *def, size_t max);

/* Switch def to id scheme `scheme` (HPKEY_V1 for a run directory written by hsweep 0.1,
 * whose metadata.json records no scheme) and recompute def->hash; expand_trials then makes
 * ids and seeds in that scheme. Returns 0, or HS_ERR_STATE located at the setting when V1
 * cannot hold the sweep (it sets a parameter hsweep 0.1 did not have). */
int sweepcfg_use_id_scheme(sweep_def *def, int scheme, hs_error *err);

/* Parse a YAML file describing one trial (for `hsweep train --config`): a map with `data`
 * (a path string, or a map with `path` and optional sequence_length / sampling_rate /
 * horizon / batch_size), optional `seed`, and any parameter keys with single values.
 * hp is reset to hparams_default() and overridden; data_path receives the dataset path
 * resolved against the file's directory (n bytes, NUL-terminated). Same validation and
 * error locations as sweepcfg_load. Returns 0 or a negative hs_status. */
int trialcfg_load(const char *path, hs_hparams *hp, char *data_path, size_t n, hs_error *err);

/* ---- parameter helpers (shared with expand, results and the plan) ---------------------- */

/* YAML / result-file name of p ("learning_rate"), or "?" when p is out of range. */
const char *sweepcfg_param_name(sweepcfg_param p);

/* Parameter by name; returns 0 and sets *out, or -1 if unknown. */
int sweepcfg_param_parse(const char *name, sweepcfg_param *out);

/* Value type of p. */
sweepcfg_type sweepcfg_param_type(sweepcfg_param p);

/* Read parameter p of hp as a double (enums as their value, bools 0/1). */
double sweepcfg_param_get(const hs_hparams *hp, sweepcfg_param p);

/* Store v (already validated) into parameter p of hp. */
void sweepcfg_param_set(hs_hparams *hp, sweepcfg_param p, double v);

/* Whether a and b are the same value of p once stored in hs_hparams (floats compare as
 * float, integers exactly). */
int sweepcfg_param_equal(sweepcfg_param p, double a, double b);

/* Check v against p's valid range (the registry's bounds, hparams_check_value). Returns 0,
 * or HS_ERR_VALUE with a one-line reason in why (n bytes, may be NULL), e.g. "dropout must
 * be in [0, 1), got 1.5". */
int sweepcfg_param_check(sweepcfg_param p, double v, char *why, size_t n);

/* Format value v of p for humans and files: "gru", "true", "32", "0.001" (the canonical
 * text of hparams_format_value). buf gets n bytes, NUL-terminated. */
void sweepcfg_param_format(sweepcfg_param p, double v, char *buf, size_t n);

/* Name of a metric ("val_mae", "val_loss"). */
const char *sweepcfg_metric_name(sweepcfg_metric m);

/* Levenshtein edit distance between a and b (insertions, deletions, substitutions),
 * capped at 255 for long strings. */
size_t sweepcfg_edit_distance(const char *a, const char *b);

#endif
