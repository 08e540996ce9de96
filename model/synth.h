/* synth: the `synthetic` cell, a fast stand-in for training with a known optimum.
 *
 * A trial with cell `synthetic` trains nothing: each "epoch" evaluates a learning-curve
 * model of its hyperparameters in microseconds, so search logic (schedulers, samplers,
 * resume) can be tested and benchmarked on thousands of trials. It goes through the same
 * trial loop as a real network (sweep/trial.c: history, best epoch, patience, checkpoints,
 * divergence), so it exercises the same coordinator, journal and tables.
 *
 * The curve (validation MAE after epoch e, in the target's units):
 *   final(hp) = 1 + 0.25 x1^2 + 1.5 x2^2 + 0.03 x3^2 + 0.04 |layers - 2| + 0.05 [rmsprop]
 *               + 0.01 x4^2
 *     x1 = log10(learning_rate / 3e-3), x2 = dropout - 0.2, x3 = log2(units / 64),
 *     x4 = log2(batch_size / 128)
 *   tau(hp) = 3 sqrt(1e-3 / learning_rate)           (a higher rate converges faster)
 *   val_mae(e) = final + (3 - final) / (1 + e / tau) + 0.02 final n_e,  n_e ~ N(0, 1)
 * so curves of different learning rates cross (a high rate leads early and ends worse),
 * which is what makes early stopping across trials non-trivial. The known optimum is
 * final = 1 at learning_rate 3e-3, dropout 0.2, units 64, layers 2, adam, batch_size 128;
 * at a finite budget E the noiseless curve there is 1 + 2 / (1 + E / tau). val_loss is
 * val_mae^2; the training metrics are 0.9 x the validation ones; a learning rate >= 0.05
 * diverges (non-finite loss) at epoch 3. The one normal draw per epoch comes from the
 * trial's rng, so a trial continued from a checkpoint is bit-identical. Pure C + libm. */
#ifndef HS_SYNTH_H
#define HS_SYNTH_H

#include <stddef.h>

#include "model/hparams.h"
#include "model/rng.h"

#define SYNTH_OPTIMUM 1.0       /* minimum of synth_final over every configuration */
#define SYNTH_DIVERGE_LR 0.05   /* learning rates >= this diverge at epoch SYNTH_DIVERGE_EPOCH */
#define SYNTH_DIVERGE_EPOCH 3

/* Metrics of one synthetic epoch. */
typedef struct synth_metrics {
    double loss;              /* "training" MSE: (0.9 val_mae)^2 */
    double mae;               /* "training" MAE: 0.9 val_mae */
    double val_loss;          /* val_mae^2 (NaN when diverged) */
    double val_mae;           /* the curve above, with noise */
} synth_metrics;

/* Fill hp with hparams_default() and the optimum (cell synthetic, learning_rate 3e-3,
 * dropout 0.2, units 64, layers 2, adam, batch_size 128): synth_final(hp) == SYNTH_OPTIMUM. */
void synth_optimum(hs_hparams *hp);

/* The noiseless limit of the curve for hp (>= SYNTH_OPTIMUM). Cannot fail. */
double synth_final(const hs_hparams *hp);

/* The noiseless val_mae after epoch e (1-based) for hp. */
double synth_curve(const hs_hparams *hp, size_t e);

/* Metrics of epoch e (1-based) for hp: draws one normal deviate from r. Diverged epochs
 * have NaN losses. Cannot fail. */
void synth_epoch(const hs_hparams *hp, size_t e, rng *r, synth_metrics *out);

/* The test MAE reported at the best epoch whose val_mae is v: 1.02 v (a fixed gap, so the
 * ranking by test MAE matches the ranking by val_mae). */
double synth_test_mae(double v);

#endif
