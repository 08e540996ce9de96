/* test_predict: the shared evaluation loop and the best weights of a trial.
 *
 * Trains small LSTM / bidirectional GRU / dense trials on a generated noisy sine whose
 * validation targets are shifted (so early stopping restores weights older than the last
 * epoch), then rebuilds a fresh network from hp, loads trial_result.best_params and checks
 * that predict_split reproduces the recorded val_mae, val_loss and test_mae bit for bit,
 * that the per-window predictions average to the same MAE, that a stopped trial still has
 * its best weights, and that mismatched networks are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "io/window.h"
#include "model/hparams.h"
#include "model/net.h"
#include "sweep/predict.h"
#include "sweep/trial.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"

static void check_reproduces(const hs_dataset *ds, hs_cell cell, int bidir, size_t layers) {
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.bidirectional = bidir;
    hp.layers = layers;
    hp.units = 6;
    hp.sequence_length = 8;
    hp.sampling_rate = 2;
    hp.horizon = 2;
    hp.batch_size = 24;    /* does not divide the split sizes: a partial last batch */
    hp.epochs = 12;
    hp.patience = 2;
    hp.learning_rate = 1e-2f;
    hp.seed = 5;
    trial_result res;
    hs_error err;
    int rc = trial_run(&res, &hp, ds, NULL, &err);
    CHECK(rc == 0 && res.status == TRIAL_OK, "%s: trial_run %d: %s", hparams_cell_name(cell), rc,
          err.msg);
    if (rc != 0) return;
    CHECK(res.best_params != NULL, "best_params set");
    CHECK(res.best_epoch < res.epochs_run, "%s: early stopping restored older weights (best %zu "
          "of %zu)", hparams_cell_name(cell), res.best_epoch, res.epochs_run);
    net *n = net_create(&hp, ds->n_features, hp.batch_size);
    CHECK(n != NULL, "net_create");
    window_spec spec = {hp.sequence_length, hp.sampling_rate, hparams_delay(&hp), hp.batch_size};
    window_plan wp;
    rc = window_plan_make(&wp, &spec, ds->n_rows, ds->n_train, ds->n_val, ds->n_features, &err);
    CHECK(rc == 0, "plan: %s", err.msg);
    if (n && rc == 0 && res.best_params) {
        memcpy(net_params(n), res.best_params, res.n_params * sizeof(float));
        size_t cnt = wp.split[WINDOW_TEST].count;
        float *pred = malloc(cnt * sizeof *pred);
        double mae = 0, loss = 0, vmae = 0, vloss = 0;
        rc = predict_split(n, ds, &wp, WINDOW_TEST, pred, &mae, &loss, &err);
        CHECK(rc == 0, "predict_split: %s", err.msg);
        CHECK(memcmp(&mae, &res.test_mae, sizeof mae) == 0, "%s: test mae %.17g vs recorded %.17g",
              hparams_cell_name(cell), mae, res.test_mae);
        rc = predict_split(n, ds, &wp, WINDOW_VAL, NULL, &vmae, &vloss, &err);
        CHECK(rc == 0 && memcmp(&vmae, &res.val_mae, sizeof vmae) == 0 &&
              memcmp(&vloss, &res.val_loss, sizeof vloss) == 0,
              "%s: val mae %.17g vs %.17g, loss %.17g vs %.17g", hparams_cell_name(cell), vmae,
              res.val_mae, vloss, res.val_loss);
        /* the per-window predictions are the ones the MAE was computed from */
        double s = 0.0;
        for (size_t p = 0; p < cnt; p++)
            s += fabs((double)pred[p] - (double)ds->y[window_target_row(&wp, WINDOW_TEST, p)]);
        CHECK_NEAR(s / (double)cnt, mae, 1e-9);
        free(pred);
        /* a net of another shape is refused with a message */
        hs_hparams other = hp;
        other.sequence_length = 9;
        net *n2 = net_create(&other, ds->n_features, hp.batch_size);
        rc = predict_split(n2, ds, &wp, WINDOW_TEST, NULL, &mae, NULL, &err);
        CHECK(rc == HS_ERR_VALUE && strstr(err.msg, "steps"), "mismatch refused: %d %s", rc,
              err.msg);
        net_free(n2);
        net *n3 = net_create(&hp, ds->n_features + 1, hp.batch_size);
        rc = predict_split(n3, ds, &wp, WINDOW_TEST, NULL, &mae, NULL, &err);
        CHECK(rc == HS_ERR_VALUE && strstr(err.msg, "features"), "features refused: %s", err.msg);
        net_free(n3);
    }
    net_free(n);
    trial_result_deinit(&res);
    CHECK(res.best_params == NULL, "deinit clears best_params");
}

/* stop after the second epoch through the hook: the best weights are still handed over */
static int stop_after_two(const trial_progress *p, void *ctx) {
    (void)ctx;
    return p->epoch >= 2;
}

static void check_stopped(const hs_dataset *ds) {
    hs_hparams hp;
    hparams_default(&hp);
    hp.units = 4;
    hp.sequence_length = 6;
    hp.sampling_rate = 1;
    hp.horizon = 1;
    hp.batch_size = 32;
    hp.epochs = 5;
    trial_hooks hooks = {.on_epoch = stop_after_two};
    trial_result res;
    hs_error err;
    int rc = trial_run(&res, &hp, ds, &hooks, &err);
    CHECK(rc == 0 && res.status == TRIAL_STOPPED && res.best_epoch >= 1, "stopped trial");
    CHECK(res.best_params != NULL, "stopped trial keeps its best weights");
    trial_result_deinit(&res);
}

int main(void) {
    hs_dataset ds;
    fixtures_sine_dataset(&ds, 900, 99, 1);
    check_reproduces(&ds, HS_CELL_LSTM, 0, 1);
    check_reproduces(&ds, HS_CELL_GRU, 1, 2);
    check_reproduces(&ds, HS_CELL_DENSE, 0, 2);
    check_stopped(&ds);
    dataset_deinit(&ds);
    return test_failures("test_predict");
}
