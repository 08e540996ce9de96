/* cmd_predict: `hsweep predict MODEL.h5 DATA.h5`, predictions of a saved model, no training.
 *
 * Loads a model file (io/modelio.h, e.g. a sweep's best_model.h5) and a dataset written by
 * `hsweep prep`, checks that the dataset has the model's features (same names, same order)
 * and target, re-normalises the features with the model's training mean/std when the
 * dataset was normalised with other statistics, builds the split's Keras windows with the
 * model's window parameters and runs predict_split (the evaluation loop trial_run uses, so
 * on the sweep's own dataset the MAE equals the recorded one bit for bit). Prints the MAE,
 * optionally writes every prediction as CSV. Does not train, sweep or use MPI. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/csv.h"
#include "io/h5data.h"
#include "io/json.h"
#include "io/modelio.h"
#include "io/rundir.h"
#include "io/strbuf.h"
#include "io/window.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/predict.h"

#define PREDICT_CMD "predict"

static const char *const predict_split_names[3] = {"train", "val", "test"};

static void predict_usage(FILE *f) {
    fprintf(f,
            "usage: hsweep predict MODEL.h5 DATA.h5 [--split train|val|test] [-o PREDS.csv]\n"
            "                      [--json]\n"
            "\n"
            "Run a saved model (e.g. DIR/best_model.h5 of `hsweep run`) on one split of a\n"
            "dataset written by `hsweep prep`, without retraining, and print its MAE in the\n"
            "target's units. Windows and batches follow the model's hyperparameters\n"
            "(sequence_length, sampling_rate, horizon, batch_size), so on the sweep's dataset\n"
            "the MAE equals the val_mae / test_mae the sweep recorded, bit for bit. The dataset\n"
            "must have the model's features in the same order and its target; features\n"
            "normalised with other statistics are re-normalised with the model's training\n"
            "mean/std (a note says so).\n"
            "\n"
            "  --split S      train, val or test (default test)\n"
            "  -o PREDS.csv   write one row per window: time,prediction,target where time is\n"
            "                 the target row's timestamp (YYYY-mm-dd HH:MM:SS), prediction and\n"
            "                 target in the target's units; written atomically\n"
            "  --json         print {\"split\", \"mae\", \"mse\", \"windows\", \"trial_id\"} as one\n"
            "                 JSON object (mae with every digit) instead of the text line\n"
            "  -h, --help     this text\n"
            "\n"
            "Exit status: 0 done, 1 error (one line on stderr), 2 bad usage.\n");
}

typedef struct predict_opts {
    const char *model;        /* MODEL.h5 */
    const char *data;         /* DATA.h5 */
    window_split_id split;    /* which split */
    const char *out;          /* -o path or NULL */
    int json;                 /* --json */
} predict_opts;

/* 0, 1 for --help, -1 after printing one line. */
static int predict_parse(predict_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->split = WINDOW_TEST;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--split") == 0) {
            const char *v = cli_value(PREDICT_CMD, argc, argv, &i);
            if (!v) return -1;
            int k = 0;
            while (k < 3 && strcmp(v, predict_split_names[k]) != 0) k++;
            if (k == 3) {
                fprintf(stderr, "hsweep " PREDICT_CMD ": --split: '%s' is not train, val or "
                        "test\n", v);
                return -1;
            }
            o->split = (window_split_id)k;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(o->out = cli_value(PREDICT_CMD, argc, argv, &i))) return -1;
        } else if (a[0] == '-' && a[1] != '\0') {
            static const char *const known[] = {"--help", "--json", "--split", "--output"};
            cli_unknown_flag(PREDICT_CMD, a, known, sizeof known / sizeof *known);
            return -1;
        } else if (!o->model) {
            o->model = a;
        } else if (!o->data) {
            o->data = a;
        } else {
            fprintf(stderr, "hsweep " PREDICT_CMD ": unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!o->model || !o->data) {
        fprintf(stderr, "hsweep " PREDICT_CMD ": need MODEL.h5 and DATA.h5 (see hsweep predict "
                "--help)\n");
        return -1;
    }
    return 0;
}

/* The dataset must carry the model's features in order and its target; when its
 * normalisation differs, rewrite ds->x as (x * std_d + mean_d - mean_m) / std_m. */
static int predict_match(hs_dataset *ds, const modelio_meta *m, const char *data, int *renorm,
                         hs_error *err) {
    *renorm = 0;
    int same = ds->n_features == m->n_inputs;
    for (size_t i = 0; same && i < m->n_inputs; i++)
        same = strcmp(ds->feature_names[i], m->feature_names[i]) == 0;
    if (!same) {
        strbuf a, b;
        strbuf_init(&a);
        strbuf_init(&b);
        for (size_t i = 0; i < ds->n_features; i++)
            strbuf_printf(&a, "%s'%s'", i ? ", " : "", ds->feature_names[i]);
        for (size_t i = 0; i < m->n_inputs; i++)
            strbuf_printf(&b, "%s'%s'", i ? ", " : "", m->feature_names[i]);
        int rc = hs_error_set(err, HS_ERR_VALUE, data, 0, 0,
                              "features [%.400s] do not match the model's [%.400s] (prep the "
                              "data with --features in the model's order)",
                              strbuf_failed(&a) ? "?" : strbuf_str(&a),
                              strbuf_failed(&b) ? "?" : strbuf_str(&b));
        strbuf_deinit(&a);
        strbuf_deinit(&b);
        return rc;
    }
    if (strcmp(ds->target_name, m->target_name) != 0)
        return hs_error_set(err, HS_ERR_VALUE, data, 0, 0,
                            "target is '%.200s', the model predicts '%.200s'", ds->target_name,
                            m->target_name);
    size_t F = m->n_inputs;
    for (size_t i = 0; i < F; i++)
        if (ds->mean[i] != m->mean[i] || ds->std[i] != m->std[i]) *renorm = 1;
    if (!*renorm) return 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        for (size_t i = 0; i < F; i++) {
            double raw = (double)ds->x[r * F + i] * ds->std[i] + ds->mean[i];
            ds->x[r * F + i] = (float)((raw - m->mean[i]) / m->std[i]);
        }
    return 0;
}

/* time,prediction,target per window of split s into path (atomically: rundir_atomic). */
static int predict_write_csv(const char *path, const hs_dataset *ds, const window_plan *wp,
                             window_split_id s, const float *pred, hs_error *err) {
    rundir_atomic a;
    if (rundir_atomic_open(&a, path, err) != 0) return HS_ERR_IO;
    FILE *f = rundir_atomic_stream(&a, err);
    if (!f) {
        rundir_atomic_abort(&a);
        return HS_ERR_IO;
    }
    fprintf(f, "time,prediction,target\n");
    for (size_t p = 0; p < wp->split[s].count; p++) {
        size_t row = window_target_row(wp, s, p);
        char when[20];
        csv_format_time(ds->time ? ds->time[row] : 0, when);
        fprintf(f, "%s,%.9g,%.9g\n", when, (double)pred[p], (double)ds->y[row]);
    }
    hs_error e;
    if (rundir_atomic_commit(&a, &e) != 0)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "writing the predictions failed: %s",
                            e.msg);
    return 0;
}

int cmd_predict(int argc, char **argv) {
    predict_opts o;
    int prc = predict_parse(&o, argc, argv);
    if (prc == 1) {
        predict_usage(stdout);
        return 0;
    }
    if (prc < 0) return 2;
    if (o.out && !cli_can_write(PREDICT_CMD, o.out)) return 1; /* before any work */
    hs_error err;
    hs_error_clear(&err);
    modelio_meta m;
    memset(&m, 0, sizeof m);
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    net *n = NULL;
    float *pred = NULL;
    int rc = modelio_load(o.model, &m, &n, 0, &err);
    if (rc == 0) rc = h5data_load(&ds, o.data, &err);
    int renorm = 0;
    if (rc == 0) rc = predict_match(&ds, &m, o.data, &renorm, &err);
    window_plan wp;
    if (rc == 0) {
        window_spec spec = {.seq_len = m.hp.sequence_length, .rate = m.hp.sampling_rate,
                            .delay = hparams_delay(&m.hp), .batch = m.hp.batch_size};
        rc = window_plan_make(&wp, &spec, ds.n_rows, ds.n_train, ds.n_val, ds.n_features, &err);
        if (rc) snprintf(err.file, sizeof err.file, "%s", o.data);
    }
    size_t count = rc == 0 ? wp.split[o.split].count : 0;
    if (rc == 0 && !(pred = malloc(count * sizeof *pred)))
        rc = hs_error_set(&err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory for %zu predictions",
                          count);
    double mae = NAN, mse = NAN;
    if (rc == 0) rc = predict_split(n, &ds, &wp, o.split, pred, &mae, &mse, &err);
    if (rc == 0 && o.out) rc = predict_write_csv(o.out, &ds, &wp, o.split, pred, &err);
    if (rc == 0) {
        if (renorm)
            fprintf(stderr, "hsweep predict: note: %s was normalised with other statistics; "
                    "features re-normalised with the model's training mean/std\n", o.data);
        else if (strcmp(ds.source_sha256, m.source_sha256) != 0)
            fprintf(stderr, "hsweep predict: note: %s comes from another source file than "
                    "the model's training data (sha256 %.12s..., model %.12s...)\n", o.data,
                    ds.source_sha256, m.source_sha256);
        if (o.json) {
            strbuf sb;
            strbuf_init(&sb);
            json_writer w;
            json_writer_init(&w, &sb);
            json_begin_object(&w);
            json_key(&w, "split");
            json_string(&w, predict_split_names[o.split]);
            json_key(&w, "mae");
            json_double(&w, mae);
            json_key(&w, "mse");
            json_double(&w, mse);
            json_key(&w, "windows");
            json_u64(&w, count);
            json_key(&w, "trial_id");
            json_string(&w, m.trial_id);
            json_end_object(&w);
            if (strbuf_failed(&sb)) rc = hs_error_set(&err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
            else printf("%s\n", strbuf_str(&sb));
            strbuf_deinit(&sb);
        } else {
            char desc[128];
            net_describe(n, desc, sizeof desc);
            printf("%s split: %zu windows, MAE %.4f, MSE %.4f (%s; model %s, trial %s)%s%s\n",
                   predict_split_names[o.split], count, mae, mse, m.target_name, desc,
                   m.trial_id[0] ? m.trial_id : "-", o.out ? "; predictions in " : "",
                   o.out ? o.out : "");
        }
    }
    if (rc) hs_error_print(&err, stderr);
    free(pred);
    net_free(n);
    dataset_deinit(&ds);
    modelio_meta_deinit(&m);
    return rc ? 1 : 0;
}
