/* hparams: the hyperparameter registry and the resolved configuration of one trial.
 *
 * HS_HPARAMS below is the ONE table of hyperparameters: per parameter its name (YAML key,
 * result-file field, HDF5 attribute), type, C type, default (the reference recipe: Chollet
 * ch. 10 / Keras defaults), bounds, `hsweep train` flag and metavariable, --help group,
 * role (a sweep parameter, one also allowed under `data:`, or the seed) and a one-line
 * help text. Everything else is generated from it: the hs_hparams struct, defaults, range
 * checks (`hsweep train` flags, YAML, net_create, model and journal readers use
 * hparams_check), the YAML parameter list (io/sweepcfg), the result-file fields
 * (io/hpfields: journal, CSV, model file, checkpoint key), the `hsweep train` flags and
 * their --help lines, and the parameter tables in docs/ (`hsweep help-params --markdown`).
 *
 * Adding a parameter: one X(...) row here (before `seed`, which must stay last) plus its
 * consumer. Ids, sweep hashes and checkpoint keys only cover parameters whose value differs
 * from the default (io/hpkey.h), and readers of older files take the default for a missing
 * field, so a new row changes no existing id and leaves every run directory resumable.
 *
 * No allocation, no I/O. */
#ifndef HS_HPARAMS_H
#define HS_HPARAMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum hs_cell {
    HS_CELL_LSTM = 0,     /* Keras LSTM, gate order i, f, c, o */
    HS_CELL_GRU = 1,      /* Keras GRU, reset_after=True, gate order z, r, h */
    HS_CELL_DENSE = 2,    /* Flatten -> Dense(units, relu) x layers -> Dense(1) */
    HS_CELL_SYNTHETIC = 3 /* no network: a learning-curve model (model/synth.h) for testing
                             and benchmarking search logic */
} hs_cell;

typedef enum hs_optimizer {
    HS_OPT_RMSPROP = 0,   /* TF2 Keras RMSprop: rho 0.9, eps 1e-7 outside the sqrt */
    HS_OPT_ADAM = 1       /* Adam: beta1 0.9, beta2 0.999, eps 1e-7, bias-corrected */
} hs_optimizer;

/* The value type of a parameter (decides the C type, parsing, checks and formatting). */
typedef enum hs_hparam_type {
    HS_HPT_SIZE = 0,      /* size_t, a non-negative integer */
    HS_HPT_FLOAT,         /* float, a real number */
    HS_HPT_BOOL,          /* int used as 0/1 */
    HS_HPT_CELL,          /* hs_cell, written as its name */
    HS_HPT_OPTIMIZER,     /* hs_optimizer, written as its name */
    HS_HPT_U64            /* uint64_t (the seed) */
} hs_hparam_type;

/* Which ends of [min, max] belong to the valid range. */
typedef enum hs_hparam_bounds {
    HS_HPB_CLOSED = 0,    /* [min, max] */
    HS_HPB_OPEN_HI,       /* [min, max) */
    HS_HPB_OPEN_LO,       /* (min, max] */
    HS_HPB_NONE           /* every value of the type (the seed) */
} hs_hparam_bounds;

/* Where a parameter may be set. */
typedef enum hs_hparam_role {
    HS_HPR_PARAM = 0,     /* a sweep parameter: fixed, grid, zip, random, exclude */
    HS_HPR_DATA,          /* a sweep parameter also allowed under `data:` */
    HS_HPR_SEED           /* the trial seed: derived from the sweep seed, not swept */
} hs_hparam_role;

/* The `hsweep train --help` section a flag is listed in. */
typedef enum hs_hparam_group {
    HS_HPG_MODEL = 0,     /* "model:" */
    HS_HPG_TRAINING,      /* "training:" */
    HS_HPG_WINDOWS        /* "windows (Keras timeseries_dataset_from_array):" */
} hs_hparam_group;

/* The registry. Columns:
 *   name, NAME (enum suffix), C type, type, default, min, max, bounds,
 *   flag, metavariable ("" = a flag without value, sets the bool), group, role, help.
 * Upper caps keep sizes far from overflow (window rows, buffers) while allowing any
 * realistic model; lower bounds are the mathematical ones. The order here is the order of
 * struct fields, result-file columns and --help lines; it is not part of any id or hash. */
#define HS_HPARAMS(X)                                                                          \
    X(cell, CELL, hs_cell, HS_HPT_CELL, HS_CELL_LSTM, 0, 3, HS_HPB_CLOSED,                     \
      "--cell", "lstm|gru|dense|synthetic", HS_HPG_MODEL, HS_HPR_PARAM,                        \
      "layer type (GRU is Keras' reset_after=True; synthetic: no network, a learning-curve "   \
      "model for testing search logic)")                                                       \
    X(units, UNITS, size_t, HS_HPT_SIZE, 32, 1, 65536, HS_HPB_CLOSED,                          \
      "--units", "N", HS_HPG_MODEL, HS_HPR_PARAM,                                              \
      "hidden units per recurrent (or dense) layer")                                           \
    X(layers, LAYERS, size_t, HS_HPT_SIZE, 1, 1, 64, HS_HPB_CLOSED,                            \
      "--layers", "N", HS_HPG_MODEL, HS_HPR_PARAM,                                             \
      "stacked recurrent / hidden dense layers")                                               \
    X(dropout, DROPOUT, float, HS_HPT_FLOAT, 0, 0, 1, HS_HPB_OPEN_HI,                          \
      "--dropout", "P", HS_HPG_MODEL, HS_HPR_PARAM,                                            \
      "input dropout of each recurrent layer, mask fixed over time; dense: dropout after "     \
      "each hidden layer")                                                                     \
    X(recurrent_dropout, RECURRENT_DROPOUT, float, HS_HPT_FLOAT, 0, 0, 1, HS_HPB_OPEN_HI,      \
      "--recurrent-dropout", "P", HS_HPG_MODEL, HS_HPR_PARAM,                                  \
      "dropout on h(t-1), one mask per gate")                                                  \
    X(head_dropout, HEAD_DROPOUT, float, HS_HPT_FLOAT, 0, 0, 1, HS_HPB_OPEN_HI,                \
      "--head-dropout", "P", HS_HPG_MODEL, HS_HPR_PARAM,                                       \
      "dropout on the last hidden state before Dense(1)")                                      \
    X(bidirectional, BIDIRECTIONAL, int, HS_HPT_BOOL, 0, 0, 1, HS_HPB_CLOSED,                  \
      "--bidirectional", "", HS_HPG_MODEL, HS_HPR_PARAM,                                       \
      "wrap each recurrent layer in Bidirectional (concat); not for dense")                    \
    X(residual, RESIDUAL, int, HS_HPT_BOOL, 0, 0, 1, HS_HPB_CLOSED,                            \
      "--residual", "", HS_HPG_MODEL, HS_HPR_PARAM,                                            \
      "predict the change of the target over the horizon: the output adds the window's last "  \
      "raw target value (the persistence forecast, °C)")                                       \
    X(optimizer, OPTIMIZER, hs_optimizer, HS_HPT_OPTIMIZER, HS_OPT_RMSPROP, 0, 1,              \
      HS_HPB_CLOSED, "--optimizer", "rmsprop|adam", HS_HPG_TRAINING, HS_HPR_PARAM,             \
      "update rule (TF2 Keras constants)")                                                     \
    X(learning_rate, LEARNING_RATE, float, HS_HPT_FLOAT, 1e-3, 0, 1e30, HS_HPB_OPEN_LO,         \
      "--lr", "X", HS_HPG_TRAINING, HS_HPR_PARAM, "learning rate")                             \
    X(batch_size, BATCH_SIZE, size_t, HS_HPT_SIZE, 256, 1, 1048576, HS_HPB_CLOSED,             \
      "--batch-size", "N", HS_HPG_TRAINING, HS_HPR_DATA, "windows per batch")                  \
    X(epochs, EPOCHS, size_t, HS_HPT_SIZE, 10, 1, 1000000, HS_HPB_CLOSED,                      \
      "--epochs", "N", HS_HPG_TRAINING, HS_HPR_PARAM, "maximum epochs")                        \
    X(patience, PATIENCE, size_t, HS_HPT_SIZE, 0, 0, 1000000, HS_HPB_CLOSED,                   \
      "--patience", "N", HS_HPG_TRAINING, HS_HPR_PARAM,                                        \
      "early stopping after N epochs without a lower val_loss; 0 = off")                       \
    X(clip, CLIP, float, HS_HPT_FLOAT, 0, 0, 1e9, HS_HPB_CLOSED,                              \
      "--clip", "X", HS_HPG_TRAINING, HS_HPR_PARAM,                                            \
      "clip the global gradient norm to X; 0 = off")                                           \
    X(sequence_length, SEQUENCE_LENGTH, size_t, HS_HPT_SIZE, 120, 1, 100000, HS_HPB_CLOSED,    \
      "--sequence-length", "N", HS_HPG_WINDOWS, HS_HPR_DATA, "time steps per window (L)")      \
    X(sampling_rate, SAMPLING_RATE, size_t, HS_HPT_SIZE, 6, 1, 100000, HS_HPB_CLOSED,          \
      "--sampling-rate", "N", HS_HPG_WINDOWS, HS_HPR_DATA,                                     \
      "rows between consecutive time steps (r)")                                               \
    X(horizon, HORIZON, size_t, HS_HPT_SIZE, 24, 1, 1000000, HS_HPB_CLOSED,                    \
      "--horizon", "N", HS_HPG_WINDOWS, HS_HPR_DATA,                                           \
      "target N steps (of r rows) after the last input: delay = r*(L+horizon-1)")              \
    X(seed, SEED, uint64_t, HS_HPT_U64, 1, 0, 0, HS_HPB_NONE,                                  \
      "--seed", "N", HS_HPG_TRAINING, HS_HPR_SEED,                                             \
      "seed of the trial's rng: init, shuffle, dropout")

/* Index of each parameter in the registry: HS_HP_CELL, ..., HS_HP_SEED, then the count. */
typedef enum hs_hparam_id {
#define HS_HP_ENUM_(name, NAME, ...) HS_HP_##NAME,
    HS_HPARAMS(HS_HP_ENUM_)
#undef HS_HP_ENUM_
    HS_HP_COUNT           /* number of parameters, not a parameter */
} hs_hparam_id;

/* The resolved configuration of one trial: one field per registry row (see the row's help
 * text for meaning and units). */
typedef struct hs_hparams {
#define HS_HP_FIELD_(name, NAME, ctype, ...) ctype name;
    HS_HPARAMS(HS_HP_FIELD_)
#undef HS_HP_FIELD_
} hs_hparams;

/* One registry row, as data. */
typedef struct hs_hparam_info {
    const char *name;         /* "learning_rate": YAML key, result-file field */
    hs_hparam_type type;      /* value type */
    size_t offset;            /* offsetof(hs_hparams, name) */
    double def;               /* default value (enums by value, bools 0/1) */
    double min, max;          /* bounds, see bounds */
    hs_hparam_bounds bounds;  /* which ends are included */
    const char *flag;         /* `hsweep train` flag, "--lr" */
    const char *metavar;      /* its value's name, "X"; "" for a flag without value */
    hs_hparam_group group;    /* --help section */
    hs_hparam_role role;      /* where it may be set */
    const char *help;         /* one line */
} hs_hparam_info;

/* Fill hp with every registry default: LSTM(32), 1 layer, no dropout, RMSprop lr 1e-3,
 * batch 256, 10 epochs, no early stopping, no clipping, L 120, r 6, horizon 24, seed 1. */
void hparams_default(hs_hparams *hp);

/* Registry row k (< HS_HP_COUNT), or NULL when k is out of range. */
const hs_hparam_info *hparams_info(size_t k);

/* Index of the parameter called name, or HS_HP_COUNT when there is none. */
size_t hparams_find(const char *name);

/* Parameter k of hp as a double (enums by value, bools 0/1; the seed loses bits above
 * 2^53: use hp->seed for it). */
double hparams_get(const hs_hparams *hp, size_t k);

/* Store v (already checked) into parameter k of hp (integers truncated, bools v != 0). */
void hparams_set(hs_hparams *hp, size_t k, double v);

/* Check v against parameter k's type and bounds. Returns 0, or -1 with a one-line reason
 * in why (n bytes; why may be NULL), e.g. "dropout must be in [0, 1), got 1.5". */
int hparams_check_value(size_t k, double v, char *why, size_t n);

/* Check every parameter of hp against the registry bounds (the seed is always valid).
 * Returns 0, or -1 with the first offending parameter's reason in why (may be NULL). */
int hparams_check(const hs_hparams *hp, char *why, size_t n);

/* Canonical text of parameter k of hp into buf (n bytes, NUL-terminated): "lstm", "adam",
 * "true"/"false", integers in decimal, floats with the fewest digits (6 to 9 significant)
 * that read back as the same float ("0.001"). Equal values give equal text. */
void hparams_format(const hs_hparams *hp, size_t k, char *buf, size_t n);

/* The same for a value v of parameter k given as a double (as hparams_get returns it). */
void hparams_format_value(size_t k, double v, char *buf, size_t n);

/* 1 if parameter k of hp has its registry default value (compared as canonical text). */
int hparams_is_default(const hs_hparams *hp, size_t k);

/* The valid values of parameter k for humans and docs into buf (n bytes): "1 .. 65536",
 * "[0, 1)", "(0, 10]", "lstm, gru, dense, synthetic", "true, false", "0 .. 2^64-1". */
void hparams_range_text(size_t k, char *buf, size_t n);

/* Rows between a window's first row and its target row: r * (L + horizon - 1)
 * (Keras book: 6 * (120 + 24 - 1) = 858). */
size_t hparams_delay(const hs_hparams *hp);

/* Names used on the command line, in YAML and in result files ("lstm", "rmsprop", ...). */
const char *hparams_cell_name(hs_cell c);
const char *hparams_optimizer_name(hs_optimizer o);

/* Parse a name; returns 0 and sets *out, or -1 if the name is unknown. */
int hparams_parse_cell(const char *s, hs_cell *out);
int hparams_parse_optimizer(const char *s, hs_optimizer *out);

#endif
