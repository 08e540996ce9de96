/* synth: the synthetic learning curve (see synth.h). */
#include "model/synth.h"

#include <math.h>

void synth_optimum(hs_hparams *hp) {
    hparams_default(hp);
    hp->cell = HS_CELL_SYNTHETIC;
    hp->learning_rate = 3e-3f;
    hp->dropout = 0.2f;
    hp->units = 64;
    hp->layers = 2;
    hp->optimizer = HS_OPT_ADAM;
    hp->batch_size = 128;
}

double synth_final(const hs_hparams *hp) {
    double lr = hp->learning_rate > 0.0f ? (double)hp->learning_rate : 1e-30;
    double x1 = log10(lr / 3e-3);
    double x2 = (double)hp->dropout - 0.2;
    double x3 = log2((double)(hp->units ? hp->units : 1) / 64.0);
    double x4 = log2((double)(hp->batch_size ? hp->batch_size : 1) / 128.0);
    double dl = hp->layers > 2 ? (double)(hp->layers - 2) : (double)(2 - hp->layers);
    return SYNTH_OPTIMUM + 0.25 * x1 * x1 + 1.5 * x2 * x2 + 0.03 * x3 * x3 + 0.04 * dl +
           (hp->optimizer == HS_OPT_RMSPROP ? 0.05 : 0.0) + 0.01 * x4 * x4;
}

double synth_curve(const hs_hparams *hp, size_t e) {
    double lr = hp->learning_rate > 0.0f ? (double)hp->learning_rate : 1e-30;
    double f = synth_final(hp), tau = 3.0 * sqrt(1e-3 / lr);
    /* val_mae(e) = final + (3 - final) / (1 + e / tau) */
    return f + (3.0 - f) / (1.0 + (double)e / tau);
}

void synth_epoch(const hs_hparams *hp, size_t e, rng *r, synth_metrics *out) {
    double n = rng_normal(r);
    if ((double)hp->learning_rate >= SYNTH_DIVERGE_LR && e >= SYNTH_DIVERGE_EPOCH) {
        out->loss = out->mae = out->val_loss = out->val_mae = NAN;
        return;
    }
    double v = synth_curve(hp, e) + 0.02 * synth_final(hp) * n;
    out->val_mae = v;
    out->val_loss = v * v;
    out->mae = 0.9 * v;
    out->loss = out->mae * out->mae;
}

double synth_test_mae(double v) { return 1.02 * v; }
