/* hparams: the resolved configuration of one trial (model, optimiser, training, windows).
 *
 * A plain struct with defaults equal to the reference recipe (Chollet ch. 10 / Keras
 * defaults). It is what `hsweep train` flags and one point of a sweep grid resolve to, what
 * the trainer consumes and what the journal records. No allocation, no I/O. */
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

typedef struct hs_hparams {
    hs_cell cell;             /* layer type */
    size_t units;             /* hidden units per recurrent (or dense) layer, H */
    size_t layers;            /* stacked recurrent (or hidden dense) layers, >= 1 */
    float dropout;            /* RNN input dropout rate in [0,1), mask fixed over time;
                                 for dense: dropout on each hidden layer's output */
    float recurrent_dropout;  /* dropout rate on h_{t-1} in [0,1), one mask per gate */
    float head_dropout;       /* inverted dropout on the last hidden state before Dense(1) */
    int bidirectional;        /* 1: each recurrent layer is Bidirectional (concat) */
    hs_optimizer optimizer;   /* update rule */
    float learning_rate;      /* step size, > 0 */
    size_t batch_size;        /* windows per batch, B */
    size_t epochs;            /* maximum epochs */
    size_t patience;          /* early stopping on val_loss; 0 = off */
    float clip;               /* global-norm gradient clip; 0 = off */
    size_t sequence_length;   /* L: time steps per window */
    size_t sampling_rate;     /* r: rows between consecutive time steps */
    size_t horizon;           /* target is `horizon` steps (of r rows) after the last input */
    uint64_t seed;            /* seeds the trial's rng (init, shuffle, dropout) */
} hs_hparams;

/* Fill hp with the reference recipe: LSTM(32), 1 layer, no dropout, RMSprop lr 1e-3,
 * batch 256, 10 epochs, no early stopping, no clipping, L 120, r 6, horizon 24, seed 1. */
void hparams_default(hs_hparams *hp);

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
