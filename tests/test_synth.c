/* test_synth: the synthetic objective's known optimum and shape (curves of different
 * learning rates cross); a synthetic trial through trial_run: metrics equal to the model's,
 * same seed bit-identical, patience, divergence, the stop flag, and a trial stopped after
 * epoch 4 and continued from its checkpoint bit-identical to an uninterrupted one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/synth.h"
#include "sweep/trial.h"
#include "tests/test_util.h"

static hs_hparams synth_hp(void) {
    hs_hparams hp;
    synth_optimum(&hp);
    hp.epochs = 12;
    hp.seed = 99;
    return hp;
}

static void test_objective(void) {
    hs_hparams hp = synth_hp();
    CHECK_NEAR(synth_final(&hp), SYNTH_OPTIMUM, 1e-6);
    hs_hparams q = hp;
    q.dropout = 0.3f;
    CHECK(synth_final(&q) > SYNTH_OPTIMUM + 0.01, "dropout away from 0.2 is worse");
    q = hp;
    q.units = 16;
    CHECK(synth_final(&q) > SYNTH_OPTIMUM, "units away from 64 is worse");
    q = hp;
    q.optimizer = HS_OPT_RMSPROP;
    CHECK_NEAR(synth_final(&q), SYNTH_OPTIMUM + 0.05, 1e-6);
    /* a high learning rate leads early and ends worse: the curves cross */
    q = hp;
    q.learning_rate = 2e-2f;
    CHECK(synth_curve(&q, 1) < synth_curve(&hp, 1), "fast rate leads at epoch 1");
    CHECK(synth_curve(&q, 27) > synth_curve(&hp, 27), "and is worse at epoch 27");
    CHECK(synth_curve(&hp, 27) > synth_curve(&hp, 28), "curves decrease");
    CHECK_NEAR(synth_test_mae(2.0), 2.04, 1e-12);
}

/* Stops the trial after epoch stop_at (0: never). */
static int stop_hook(const trial_progress *p, void *ctx) {
    const size_t *stop_at = ctx;
    return *stop_at && p->epoch == *stop_at;
}

/* Deep copy of a checkpoint handed to on_checkpoint (the last one wins). */
static trial_checkpoint saved;
static void save_hook(const trial_checkpoint *ck, void *ctx) {
    (void)ctx;
    free(saved.history);
    free(saved.params);
    free(saved.best);
    saved = *ck;
    saved.history = malloc(ck->epochs_done * sizeof *saved.history);
    memcpy(saved.history, ck->history, ck->epochs_done * sizeof *saved.history);
    saved.params = malloc(sizeof(float));
    saved.best = malloc(sizeof(float));
    saved.params[0] = ck->params[0];
    saved.best[0] = ck->best[0];
    saved.opt_state = NULL;
}

static void test_trial(void) {
    hs_hparams hp = synth_hp();
    trial_result a, b;
    hs_error err;
    CHECK(trial_run(&a, &hp, NULL, NULL, &err) == 0, "runs without a dataset");
    CHECK(a.status == TRIAL_OK && a.epochs_run == 12 && a.n_params == 1, "12 epochs");
    /* the metrics are the model's, drawn from the trial's rng */
    rng r;
    rng_seed(&r, hp.seed);
    int same = 1;
    for (size_t e = 1; e <= 12; e++) {
        synth_metrics m;
        synth_epoch(&hp, e, &r, &m);
        same &= a.history[e - 1].val_mae == m.val_mae && a.history[e - 1].loss == m.loss;
    }
    CHECK(same, "history equals synth_epoch's");
    CHECK(a.test_mae == synth_test_mae(a.val_mae), "test MAE");
    CHECK(a.best_params && a.best_params[0] == (float)a.val_mae, "best weight is its val_mae");
    CHECK(trial_run(&b, &hp, NULL, NULL, &err) == 0 && b.val_mae == a.val_mae, "rerun");
    int ident = 1;
    for (size_t e = 0; e < 12; e++)
        ident &= a.history[e].val_mae == b.history[e].val_mae;
    CHECK(ident && b.best_epoch == a.best_epoch, "same seed, bit-identical");
    trial_result_deinit(&b);
    hs_hparams h2 = hp;
    h2.seed = 100;
    CHECK(trial_run(&b, &h2, NULL, NULL, &err) == 0 && b.val_mae != a.val_mae, "other seed");
    trial_result_deinit(&b);

    /* stopped after epoch 4 by the hook, continued from the epoch-4 checkpoint */
    size_t stop_at = 4;
    trial_hooks hk = {.on_epoch = stop_hook, .ctx = &stop_at, .on_checkpoint = save_hook};
    CHECK(trial_run(&b, &hp, NULL, &hk, &err) == 0 && b.status == TRIAL_STOPPED &&
          b.epochs_run == 4 && isnan(b.test_mae), "stopped after 4");
    trial_result_deinit(&b);
    CHECK(saved.epochs_done == 4, "checkpoint at 4");
    stop_at = 0;
    trial_hooks hr = {.on_epoch = stop_hook, .ctx = &stop_at, .resume = &saved};
    CHECK(trial_run(&b, &hp, NULL, &hr, &err) == 0 && b.status == TRIAL_OK, "continued");
    ident = b.epochs_run == a.epochs_run && b.best_epoch == a.best_epoch &&
            b.val_mae == a.val_mae && b.test_mae == a.test_mae;
    for (size_t e = 0; ident && e < 12; e++)
        ident &= memcmp(&a.history[e], &b.history[e], 4 * sizeof(double)) == 0;
    CHECK(ident, "continued trial bit-identical to the uninterrupted one");
    trial_result_deinit(&b);
    /* a checkpoint that does not fit is refused */
    saved.n_params = 2;
    CHECK(trial_run(&b, &hp, NULL, &hr, &err) == HS_ERR_STATE, "foreign checkpoint refused");
    free(saved.history);
    free(saved.params);
    free(saved.best);
    memset(&saved, 0, sizeof saved);
    trial_result_deinit(&a);

    /* patience: a constant-ish curve with noise stops early */
    hs_hparams hpp = hp;
    hpp.epochs = 200;
    hpp.patience = 3;
    CHECK(trial_run(&a, &hpp, NULL, NULL, &err) == 0 && a.status == TRIAL_OK &&
          a.epochs_run < 200 && a.epochs_run >= a.best_epoch + 3, "patience: %zu epochs, best %zu",
          a.epochs_run, a.best_epoch);
    trial_result_deinit(&a);
    /* divergence */
    hs_hparams hd = hp;
    hd.learning_rate = 0.05f;
    CHECK(trial_run(&a, &hd, NULL, NULL, &err) == 0 && a.status == TRIAL_DIVERGED &&
          a.epochs_run == SYNTH_DIVERGE_EPOCH - 1 && strstr(a.reason, "diverged at epoch 3"),
          "diverged: %s", a.reason);
    trial_result_deinit(&a);
    /* the stop flag */
    volatile int stop = 1;
    trial_hooks hs = {.stop = &stop};
    CHECK(trial_run(&a, &hp, NULL, &hs, &err) == 0 && a.status == TRIAL_STOPPED &&
          a.epochs_run == 0, "stop flag");
    trial_result_deinit(&a);
}

int main(void) {
    test_objective();
    test_trial();
    return test_failures("test_synth");
}
