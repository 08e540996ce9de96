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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/htmlreport.h"
#include "io/journal.h"
#include "io/results.h"
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
    snprintf(model_path, sizeof model_path, "%s/best_model.h5", dir);
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
    snprintf(rp->note, sizeof rp->note, "Loading %.600s is not available in this build.", model_path);
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
        printf("HTML report: %s/%s", dir, HTMLREPORT_FILE);
        if (rp.ok)
            printf(" (best model test MAE %.4f over %zu windows)\n", rp.pred.mae, rp.pred.n);
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
    snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_FILE);
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
