/* test_trial: the training loop on small generated series.
 *
 * A noisy sine (3 features, raw target around 5 °C) with short windows (L 8, r 2, horizon
 * 2) and small recurrent nets, so each trial takes milliseconds. Checks: the loss falls;
 * same seed gives bit-identical results and another seed differs; early stopping reports
 * the best epoch and the val MAE re-measured at the restored best weights equals the one
 * recorded then; a huge learning rate ends as `diverged` with its epoch; the stop flag and
 * the hook stop at a batch boundary; clipping is applied; bad configurations are errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "model/hparams.h"
#include "sweep/trial.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"

/* ---- fixtures ---------------------------------------------------------------------------- */

static void small_hp(hs_hparams *hp, hs_cell cell) { fixtures_small_hp(hp, cell, 7); }

static int same_history(const trial_result *a, const trial_result *b) {
    if (a->epochs_run != b->epochs_run) return 0;
    for (size_t i = 0; i < a->epochs_run; i++) {
        const trial_epoch *x = &a->history[i], *y = &b->history[i];
        if (memcmp(&x->loss, &y->loss, sizeof(double)) || memcmp(&x->mae, &y->mae, sizeof(double)) ||
            memcmp(&x->val_loss, &y->val_loss, sizeof(double)) ||
            memcmp(&x->val_mae, &y->val_mae, sizeof(double)))
            return 0;
    }
    return 1;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_learns(const hs_dataset *ds, hs_cell cell) {
    hs_hparams hp;
    small_hp(&hp, cell);
    trial_result res;
    hs_error err;
    int rc = trial_run(&res, &hp, ds, NULL, &err);
    CHECK(rc == 0, "%s: trial_run: %s", hparams_cell_name(cell), err.msg);
    if (rc != 0) return;
    CHECK(res.status == TRIAL_OK, "%s: status %s (%s)", hparams_cell_name(cell),
          trial_status_name(res.status), res.reason);
    CHECK(res.epochs_run == hp.epochs, "ran %zu epochs", res.epochs_run);
    CHECK(res.n_params > 0, "n_params");
    CHECK(res.n_windows[0] == ds->n_train - (hp.sequence_length - 1) * hp.sampling_rate,
          "train windows %zu", res.n_windows[0]);
    if (res.epochs_run == hp.epochs) {
        const trial_epoch *first = &res.history[0], *last = &res.history[hp.epochs - 1];
        CHECK(last->loss < 0.5 * first->loss, "%s: loss %g -> %g", hparams_cell_name(cell),
              first->loss, last->loss);
        CHECK(last->val_loss < first->val_loss, "%s: val_loss %g -> %g",
              hparams_cell_name(cell), first->val_loss, last->val_loss);
        /* a MAE is never larger than the root of the MSE */
        CHECK(last->mae <= sqrt(last->loss) + 1e-9 && last->val_mae <= sqrt(last->val_loss) + 1e-9,
              "mae <= rmse");
    }
    CHECK(res.best_epoch >= 1 && res.best_epoch <= res.epochs_run, "best epoch %zu",
          res.best_epoch);
    CHECK(isfinite(res.test_mae) && res.test_mae > 0.0, "test mae %g", res.test_mae);
    CHECK(res.wall_s >= 0.0, "wall");
    trial_result_deinit(&res);
}

static void test_determinism(const hs_dataset *ds) {
    hs_hparams hp;
    small_hp(&hp, HS_CELL_LSTM);
    hp.epochs = 3;
    hp.dropout = 0.2f; /* dropout masks must come from the seeded rng too */
    hp.head_dropout = 0.1f;
    trial_result a, b, c;
    hs_error err;
    int rc = trial_run(&a, &hp, ds, NULL, &err);
    rc |= trial_run(&b, &hp, ds, NULL, &err);
    hp.seed = 8;
    rc |= trial_run(&c, &hp, ds, NULL, &err);
    CHECK(rc == 0, "runs: %s", err.msg);
    if (rc == 0) {
        CHECK(same_history(&a, &b), "same seed, same history");
        CHECK(memcmp(&a.test_mae, &b.test_mae, sizeof(double)) == 0 &&
                  memcmp(&a.val_mae, &b.val_mae, sizeof(double)) == 0,
              "same seed, same MAEs %.17g %.17g", a.test_mae, b.test_mae);
        CHECK(!same_history(&a, &c), "another seed, another history");
        CHECK(a.test_mae != c.test_mae, "another seed, another test MAE");
    }
    trial_result_deinit(&a);
    trial_result_deinit(&b);
    trial_result_deinit(&c);
}

/* Validation targets shifted 40 °C below anything seen in training: val_loss cannot keep
 * improving, so patience 2 stops the run long before 20 epochs, two epochs after the best
 * one, and the best weights (not the last) are the ones reported. */
static void test_early_stopping(void) {
    hs_dataset ds;
    fixtures_sine_dataset(&ds, 800, 12345, 1);
    hs_hparams hp;
    small_hp(&hp, HS_CELL_GRU);
    hp.epochs = 20;
    hp.patience = 2;
    trial_result res;
    hs_error err;
    int rc = trial_run(&res, &hp, &ds, NULL, &err);
    CHECK(rc == 0, "trial_run: %s", err.msg);
    if (rc == 0) {
        CHECK(res.status == TRIAL_OK, "status %s", trial_status_name(res.status));
        CHECK(res.epochs_run < hp.epochs, "stopped early: %zu epochs", res.epochs_run);
        CHECK(res.epochs_run == res.best_epoch + hp.patience, "ran %zu, best %zu",
              res.epochs_run, res.best_epoch);
        for (size_t i = 0; i < res.epochs_run; i++)
            CHECK(res.history[i].val_loss >= res.history[res.best_epoch - 1].val_loss,
                  "best epoch has the lowest val_loss");
        /* the final val metrics were re-measured at the restored weights: equal bit for bit
         * to the ones recorded at the best epoch, and not those of the last epoch */
        if (res.best_epoch >= 1) {
            const trial_epoch *b = &res.history[res.best_epoch - 1];
            const trial_epoch *l = &res.history[res.epochs_run - 1];
            CHECK(memcmp(&res.val_mae, &b->val_mae, sizeof(double)) == 0,
                  "val_mae %.17g at best weights vs %.17g recorded", res.val_mae, b->val_mae);
            CHECK(memcmp(&res.val_loss, &b->val_loss, sizeof(double)) == 0, "val_loss at best");
            CHECK(res.val_mae != l->val_mae, "not the last epoch's weights");
        }
        CHECK(isfinite(res.test_mae), "test mae");
    }
    /* the same run without early stopping goes all the way */
    hp.patience = 0;
    hp.epochs = 5;
    trial_result full;
    rc = trial_run(&full, &hp, &ds, NULL, &err);
    CHECK(rc == 0 && full.epochs_run == 5, "patience 0 runs every epoch");
    trial_result_deinit(&full);
    trial_result_deinit(&res);
    dataset_deinit(&ds);
}

static void test_divergence(const hs_dataset *ds) {
    hs_hparams hp;
    small_hp(&hp, HS_CELL_LSTM);
    hp.learning_rate = 1e30f;
    trial_result res;
    hs_error err;
    int rc = trial_run(&res, &hp, ds, NULL, &err);
    CHECK(rc == 0, "a diverged trial is a result, not an error: %s", err.msg);
    if (rc != 0) return;
    CHECK(res.status == TRIAL_DIVERGED, "status %s", trial_status_name(res.status));
    char want[64];
    snprintf(want, sizeof want, "diverged at epoch %zu", res.epochs_run + 1);
    CHECK(strstr(res.reason, want) != NULL, "reason '%s' names the epoch (%s)", res.reason, want);
    CHECK(res.epochs_run < hp.epochs, "stopped: %zu epochs", res.epochs_run);
    if (res.best_epoch == 0)
        CHECK(isnan(res.test_mae) && isnan(res.val_mae), "no best epoch, no MAE");
    else
        CHECK(isfinite(res.test_mae), "test MAE at the best weights before divergence");
    trial_result_deinit(&res);
}

typedef struct stop_ctx {
    volatile int *flag;   /* raised after epoch `after` */
    size_t after;         /* epoch after which to raise the flag */
    size_t calls;         /* hook calls seen */
    int ret;              /* what the hook returns */
} stop_ctx;

static int stop_hook(const trial_progress *p, void *ctx) {
    stop_ctx *s = ctx;
    s->calls++;
    CHECK(p->e == &p->res->history[p->epoch - 1], "progress points into the history");
    CHECK(p->params != NULL && p->n_params == p->res->n_params, "params in progress");
    if (p->epoch == s->after) *s->flag = 1;
    return s->ret;
}

static void test_stop(const hs_dataset *ds) {
    hs_hparams hp;
    small_hp(&hp, HS_CELL_GRU);
    hs_error err;
    trial_result res;
    volatile int flag = 0;
    /* the hook raises the flag after epoch 2 but returns 0: the first batch boundary of
     * epoch 3 sees it */
    stop_ctx sc = {.flag = &flag, .after = 2, .calls = 0, .ret = 0};
    trial_hooks hooks = {.on_epoch = stop_hook, .ctx = &sc, .stop = &flag};
    int rc = trial_run(&res, &hp, ds, &hooks, &err);
    CHECK(rc == 0, "trial_run: %s", err.msg);
    CHECK(res.status == TRIAL_STOPPED, "status %s", trial_status_name(res.status));
    CHECK(res.epochs_run == 2 && sc.calls == 2, "ran %zu epochs, %zu hook calls",
          res.epochs_run, sc.calls);
    CHECK(strstr(res.reason, "epoch 3") != NULL, "reason '%s'", res.reason);
    CHECK(res.best_epoch >= 1 && isfinite(res.val_mae), "val MAE of the best epoch kept");
    trial_result_deinit(&res);

    /* a flag already raised: no batch runs */
    flag = 1;
    trial_hooks pre = {.on_epoch = NULL, .ctx = NULL, .stop = &flag};
    rc = trial_run(&res, &hp, ds, &pre, &err);
    CHECK(rc == 0 && res.status == TRIAL_STOPPED && res.epochs_run == 0 && res.history == NULL,
          "stopped before the first batch");
    CHECK(isnan(res.val_mae) && isnan(res.test_mae), "no metrics");
    trial_result_deinit(&res);

    /* the hook returning non-zero stops after that epoch */
    flag = 0;
    stop_ctx sc2 = {.flag = &flag, .after = 0, .calls = 0, .ret = 1};
    trial_hooks h2 = {.on_epoch = stop_hook, .ctx = &sc2, .stop = NULL};
    rc = trial_run(&res, &hp, ds, &h2, &err);
    CHECK(rc == 0 && res.status == TRIAL_STOPPED && res.epochs_run == 1 && sc2.calls == 1,
          "hook stop: %s after %zu epochs", trial_status_name(res.status), res.epochs_run);
    trial_result_deinit(&res);
}

static void test_clip(const hs_dataset *ds) {
    hs_hparams hp;
    small_hp(&hp, HS_CELL_LSTM);
    hp.epochs = 2;
    trial_result base, loose, tight;
    hs_error err;
    int rc = trial_run(&base, &hp, ds, NULL, &err);
    hp.clip = 1e9f; /* never reached: identical to no clipping */
    rc |= trial_run(&loose, &hp, ds, NULL, &err);
    hp.clip = 1e-3f;
    rc |= trial_run(&tight, &hp, ds, NULL, &err);
    CHECK(rc == 0, "runs: %s", err.msg);
    if (rc == 0) {
        CHECK(same_history(&base, &loose), "a clip above the norm changes nothing");
        CHECK(!same_history(&base, &tight), "a tight clip changes the training");
    }
    trial_result_deinit(&base);
    trial_result_deinit(&loose);
    trial_result_deinit(&tight);
}

static void test_errors(const hs_dataset *ds) {
    hs_hparams hp;
    small_hp(&hp, HS_CELL_LSTM);
    trial_result res;
    hs_error err;
    hp.sequence_length = 1000; /* longer than the series */
    int rc = trial_run(&res, &hp, ds, NULL, &err);
    CHECK(rc == HS_ERR_VALUE && res.history == NULL, "window too long: rc %d", rc);
    small_hp(&hp, HS_CELL_LSTM);
    hp.units = 0;
    rc = trial_run(&res, &hp, ds, NULL, &err);
    CHECK(rc == HS_ERR_VALUE && strstr(err.msg, "units") != NULL, "units 0: %s", err.msg);
    small_hp(&hp, HS_CELL_LSTM);
    hp.dropout = 1.0f;
    CHECK(trial_check_hparams(&hp, &err) == HS_ERR_VALUE && strstr(err.msg, "dropout"),
          "dropout 1: %s", err.msg);
    small_hp(&hp, HS_CELL_LSTM);
    hp.learning_rate = NAN;
    CHECK(trial_check_hparams(&hp, &err) == HS_ERR_VALUE, "lr nan");
    small_hp(&hp, HS_CELL_LSTM);
    hp.sampling_rate = (size_t)-1 / 4; /* a delay that would overflow: the registry's bound */
    CHECK(trial_check_hparams(&hp, &err) == HS_ERR_VALUE && strstr(err.msg, "sampling_rate"),
          "delay overflow: %s", err.msg);
    small_hp(&hp, HS_CELL_LSTM);
    CHECK(trial_check_hparams(&hp, &err) == 0, "the small config is valid");
    CHECK(strcmp(trial_status_name(TRIAL_DIVERGED), "diverged") == 0, "status name");
    trial_result_deinit(NULL);
}

int main(void) {
    hs_dataset ds;
    fixtures_sine_dataset(&ds, 800, 12345, 0);
    test_learns(&ds, HS_CELL_LSTM);
    test_learns(&ds, HS_CELL_GRU);
    test_determinism(&ds);
    test_early_stopping();
    test_divergence(&ds);
    test_stop(&ds);
    test_clip(&ds);
    test_errors(&ds);
    dataset_deinit(&ds);
    return test_failures("test_trial");
}
