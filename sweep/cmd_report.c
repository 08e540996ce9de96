/* cmd_report: `hsweep report DIR` rebuilds results.csv, results.md and summary.md from
 * DIR/journal.jsonl and prints the ranked table; with --html it also writes DIR/report.html
 * (io/htmlreport.h), including the best trial's predictions on the test split computed from
 * DIR/best_model.h5 and the sweep's dataset when both are there (a note in the page if not).
 *
 * Safe at any time, also while a sweep is appending to the journal: the journal is only read,
 * a partial last line is skipped with a warning, and the tables are replaced atomically.
 * The metric comes from --metric, else DIR/metadata.json, else val_mae. It does not touch
 * the journal, metadata.json or status.json. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/h5data.h"
#include "io/htmlreport.h"
#include "io/journal.h"
#include "io/modelio.h"
#include "io/results.h"
#include "io/rundir.h"
#include "io/window.h"
#include "model/net.h"
#include "sweep/predict.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"

static void report_usage(FILE *f) {
    fprintf(f, "usage: hsweep report DIR [--top N] [--metric val_mae|val_loss|test_mae] [--html]\n\n"
               "Rebuild DIR/results.csv, DIR/results.md and DIR/summary.md from DIR/journal.jsonl\n"
               "and print the ranked table. Works at any time, also during a running sweep.\n\n"
               "  --top N      rows of the ranked table to print (default 20, 0 = all)\n"
               "  --metric M   ranking metric (default: the sweep's, from DIR/metadata.json)\n"
               "  --html       also write DIR/report.html: one self-contained page with the\n"
               "               sortable table, learning curves, the metric per swept parameter\n"
               "               and the best model's test predictions (from DIR/best_model.h5)\n"
               "  -h, --help   this help\n");
}

/* The best trial's predictions for the HTML report, with everything they own. */
typedef struct report_pred {
    int ok;                   /* 1: pred is filled */
    char note[768];           /* why there are no predictions (ok == 0) */
    htmlreport_pred pred;     /* arrays below, borrowed by the page */
    float *p;                 /* (n) predictions, owned */
    float *y;                 /* (n) targets, owned */
    int64_t *t;               /* (n) target timestamps, owned, may be NULL */
    char target[128];         /* target name */
    char id[17];              /* trial id */
} report_pred;

static void report_pred_free(report_pred *rp) {
    free(rp->p);
    free(rp->y);
    free(rp->t);
    rp->p = rp->y = NULL;
    rp->t = NULL;
}

/* Fill rp with the best ranked trial's test predictions from DIR/best_model.h5 and the
 * dataset at data_path (from metadata.json, may be NULL). Never fails: on any problem
 * rp->ok = 0 and rp->note says what is missing. */
static void report_pred_compute(report_pred *rp, const char *dir, const journal_record *recs, size_t n,
                                results_metric metric, const char *data_path) {
    memset(rp, 0, sizeof *rp);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) {
        snprintf(rp->note, sizeof rp->note, "out of memory");
        return;
    }
    size_t n_ranked = results_rank(recs, n, metric, order);
    const journal_record *best = n_ranked ? &recs[order[0]] : NULL;
    free(order);
    char model_path[4200];
    snprintf(model_path, sizeof model_path, "%s/%s", dir, RUNDIR_BEST_MODEL);
    struct stat st;
    if (!best) {
        snprintf(rp->note, sizeof rp->note, "No trial finished with a finite %s yet.", results_metric_name(metric));
        return;
    }
    if (stat(model_path, &st) != 0) {
        snprintf(rp->note, sizeof rp->note,
                 "No best model file (%.600s): the sweep did not save one, so the test predictions cannot be shown.",
                 model_path);
        return;
    }
    if (!data_path || !data_path[0] || stat(data_path, &st) != 0) {
        snprintf(rp->note, sizeof rp->note,
                 "The dataset recorded in metadata.json (%.600s) is not there, so the test predictions cannot be "
                 "computed.",
                 data_path && data_path[0] ? data_path : "none recorded");
        return;
    }

    hs_error err;
    hs_error_clear(&err);
    modelio_meta m;
    memset(&m, 0, sizeof m);
    net *model = NULL;
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    char msg[1200];
    if (modelio_load(model_path, &m, &model, 0, &err) != 0) {
        hs_error_format(&err, msg, sizeof msg);
        snprintf(rp->note, sizeof rp->note, "Cannot load the best model: %.700s", msg);
        goto done;
    }
    if (h5data_load(&ds, data_path, &err) != 0) {
        hs_error_format(&err, msg, sizeof msg);
        snprintf(rp->note, sizeof rp->note, "Cannot load the dataset: %.700s", msg);
        goto done;
    }
    if (ds.n_features != m.n_inputs || (m.source_sha256[0] && ds.source_sha256[0] &&
                                        strcmp(m.source_sha256, ds.source_sha256) != 0)) {
        snprintf(rp->note, sizeof rp->note,
                 "The dataset %.600s does not match the best model (%zu features, source %.16s; the model was "
                 "trained on %zu features, source %.16s).",
                 data_path, ds.n_features, ds.source_sha256, m.n_inputs, m.source_sha256);
        goto done;
    }
    window_spec spec = {.seq_len = m.hp.sequence_length, .rate = m.hp.sampling_rate, .delay = hparams_delay(&m.hp),
                        .batch = m.hp.batch_size};
    window_plan wp;
    size_t cnt = 0;
    if (window_plan_make(&wp, &spec, ds.n_rows, ds.n_train, ds.n_val, ds.n_features, &err) == 0)
        cnt = wp.split[WINDOW_TEST].count;
    rp->p = malloc((cnt ? cnt : 1) * sizeof *rp->p);
    rp->y = malloc((cnt ? cnt : 1) * sizeof *rp->y);
    rp->t = ds.time ? malloc((cnt ? cnt : 1) * sizeof *rp->t) : NULL;
    double mae = NAN;
    if (cnt == 0 || !rp->p || !rp->y || (ds.time && !rp->t) ||
        predict_split(model, &ds, &wp, WINDOW_TEST, rp->p, &mae, NULL, &err) != 0) {
        hs_error_format(&err, msg, sizeof msg);
        snprintf(rp->note, sizeof rp->note, "Cannot compute the test predictions: %.700s",
                 cnt == 0 ? "no test window" : msg);
        report_pred_free(rp);
        goto done;
    }
    for (size_t i = 0; i < cnt; i++) {
        size_t row = window_target_row(&wp, WINDOW_TEST, i);
        rp->y[i] = ds.y[row];
        if (rp->t) rp->t[i] = ds.time[row];
    }
    snprintf(rp->id, sizeof rp->id, "%s", m.trial_id);
    snprintf(rp->target, sizeof rp->target, "%s", m.target_name ? m.target_name : "");
    double recorded = m.test_mae;
    for (size_t i = 0; i < n; i++)
        if (strcmp(recs[i].id, m.trial_id) == 0) recorded = recs[i].test_mae;
    htmlreport_pred pr = {rp->id, "test", rp->target, rp->t, rp->p, rp->y, cnt, mae, recorded};
    rp->pred = pr;
    rp->ok = 1;
    if (strcmp(m.trial_id, best->id) != 0)
        snprintf(rp->note, sizeof rp->note, "best_model.h5 holds trial %s, not the top-ranked trial %s", m.trial_id,
                 best->id);
done:
    net_free(model);
    modelio_meta_deinit(&m);
    dataset_deinit(&ds);
}

/* Write DIR/report.html; prints where it went (and why predictions are missing). 0 or 1. */
static int report_html(const char *dir, const journal_record *recs, size_t n, results_metric metric) {
    hs_error err;
    hs_error_clear(&err);
    json_value *meta = NULL;
    if (htmlreport_load_metadata(dir, &meta, &err) != 0 && err.code != HS_ERR_IO) {
        fprintf(stderr, "hsweep report: warning: metadata.json ignored in the HTML report: ");
        hs_error_print(&err, stderr);
    }
    report_pred rp;
    report_pred_compute(&rp, dir, recs, n, metric, htmlreport_meta_dataset(meta));
    htmlreport_input in = {recs, n, metric, meta, rp.ok ? &rp.pred : NULL, rp.note, 5, 14.0};
    hs_error_clear(&err);
    int rc = htmlreport_write(dir, &in, &err);
    if (rc != 0) {
        hs_error_print(&err, stderr);
    } else {
        printf("HTML report: %s/%s", dir, RUNDIR_REPORT);
        if (rp.ok)
            printf(" (best model test MAE %.4f over %zu windows%s%s)\n", rp.pred.mae, rp.pred.n, rp.note[0] ? "; " : "",
                   rp.note);
        else
            printf(" (no prediction panel: %s)\n", rp.note);
    }
    report_pred_free(&rp);
    json_free(meta);
    return rc == 0 ? 0 : 1;
}

int cmd_report(int argc, char **argv) {
    const char *dir = NULL, *metric_s = NULL;
    size_t top = 20;
    int html = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            report_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--top") == 0) {
            const char *v = cli_value("report", argc, argv, &i);
            if (!v || cli_parse_size("report", "--top", v, 0, (size_t)1 << 30, &top) != 0) return 2;
        } else if (strcmp(argv[i], "--html") == 0) {
            html = 1;
        } else if (strcmp(argv[i], "--metric") == 0) {
            if (!(metric_s = cli_value("report", argc, argv, &i))) return 2;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "hsweep report: unknown option '%s' (see hsweep report --help)\n", argv[i]);
            return 2;
        } else if (dir) {
            fprintf(stderr, "hsweep report: more than one directory given ('%s', '%s')\n", dir, argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        report_usage(stderr);
        return 2;
    }
    results_options opt = {RESULTS_VAL_MAE, NULL, 0, NULL};
    if (metric_s && results_parse_metric(metric_s, &opt.metric) != 0) {
        fprintf(stderr, "hsweep report: --metric: unknown metric '%s' (val_mae, val_loss, test_mae)\n", metric_s);
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hsweep report: %s: no such directory\n", dir);
        return 1;
    }

    hs_error err;
    hs_error_clear(&err);
    results_meta_info meta;
    int have_meta = results_read_metadata(dir, &meta, &err) == 0;
    if (!have_meta && err.code != HS_ERR_IO) {
        fprintf(stderr, "hsweep report: warning: ");
        hs_error_print(&err, stderr);
    }
    if (have_meta) {
        if (!metric_s) opt.metric = meta.metric;
        if (meta.sweep_name[0]) opt.title = meta.sweep_name;
    }

    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    journal_record *recs = NULL;
    size_t n = 0;
    journal_read_info info;
    int rc = journal_read(path, &recs, &n, &info, &err);
    if (rc != 0) {
        hs_error_print(&err, stderr);
        return 1;
    }
    if (info.dropped_last) fprintf(stderr, "hsweep report: warning: %s\n", info.warning);
    rc = results_write_tables(dir, recs, n, &opt, &err);
    if (rc == 0) rc = results_print_ranked(stdout, recs, n, &opt, top, &err);
    if (rc != 0) {
        hs_error_print(&err, stderr);
        journal_records_free(recs, n);
        return 1;
    }
    if (have_meta && meta.n_trials > 0)
        printf("%zu of %zu trials finished.", n, meta.n_trials);
    else
        printf("%zu trials finished.", n);
    if (info.duplicates) printf(" %zu superseded journal records ignored.", info.duplicates);
    printf(" Tables: %s/results.md, %s/results.csv, %s/summary.md\n", dir, dir, dir);
    if (html) rc = report_html(dir, recs, n, opt.metric);
    journal_records_free(recs, n);
    return rc == 0 ? 0 : 1;
}
