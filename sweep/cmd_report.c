/* cmd_report: `hsweep report DIR` rebuilds results.csv, results.md and summary.md from
 * DIR/journal.jsonl and prints the ranked table.
 *
 * Safe at any time, also while a sweep is appending to the journal: the journal is only read,
 * a partial last line is skipped with a warning, and the tables are replaced atomically.
 * The metric comes from --metric, else DIR/metadata.json, else val_mae. It does not touch
 * the journal, metadata.json or status.json. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "io/journal.h"
#include "io/results.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"

static void report_usage(FILE *f) {
    fprintf(f, "usage: hsweep report DIR [--top N] [--metric val_mae|val_loss|test_mae]\n\n"
               "Rebuild DIR/results.csv, DIR/results.md and DIR/summary.md from DIR/journal.jsonl\n"
               "and print the ranked table. Works at any time, also during a running sweep.\n\n"
               "  --top N      rows of the ranked table to print (default 20, 0 = all)\n"
               "  --metric M   ranking metric (default: the sweep's, from DIR/metadata.json)\n"
               "  -h, --help   this help\n");
}

int cmd_report(int argc, char **argv) {
    const char *dir = NULL, *metric_s = NULL;
    size_t top = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            report_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--top") == 0) {
            const char *v = cli_value("report", argc, argv, &i);
            if (!v || cli_parse_size("report", "--top", v, 0, (size_t)1 << 30, &top) != 0) return 2;
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
    journal_records_free(recs, n);
    return 0;
}
