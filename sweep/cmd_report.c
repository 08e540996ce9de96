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
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/analysis.h"
#include "io/h5data.h"
#include "io/hpfields.h"
#include "io/htmlreport.h"
#include "io/jcheck.h"
#include "io/journal.h"
#include "io/modelio.h"
#include "io/results.h"
#include "io/rundir.h"
#include "io/window.h"
#include "model/net.h"
#include "sweep/baseline.h"
#include "sweep/predict.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"

static void report_usage(FILE *f) {
    fprintf(f, "usage: hsweep report DIR [--top N] [--metric val_mae|val_loss|test_mae] [--html [-o FILE]] [--json]\n"
               "       hsweep report DIR1 DIR2 ... [--metric M] [--html [-o FILE]]\n\n"
               "Rebuild DIR/results.csv, DIR/results.md and DIR/summary.md from DIR/journal.jsonl\n"
               "and print the ranked table with the persistence baseline. Works at any time, also\n"
               "during a running sweep. With several directories: compare the sweeps side by side\n"
               "(nothing in them is written).\n\n"
               "  --top N      rows of the ranked table to print (default 20, 0 = all)\n"
               "  --metric M   ranking metric (default: the sweep's, from DIR/metadata.json); another\n"
               "               metric than the sweep's only prints (the tables keep the sweep's)\n"
               "  --html       also write DIR/report.html (DIR/report-M.html for another metric): one\n"
               "               self-contained page with the sortable table, learning curves, parameter\n"
               "               importance, the metric per swept parameter, a per-rank timeline and the\n"
               "               best model's test predictions; several directories: hsweep-compare.html\n"
               "  -o FILE      where --html writes instead\n"
               "  --json       print one JSON object (ranked trials, persistence, importance) instead\n"
               "               of the table\n"
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
                                results_metric metric, const char *data_path, const hs_dataset *dsp,
                                const char *ds_note) {
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
    if (!dsp) {
        snprintf(rp->note, sizeof rp->note, "%.760s", ds_note);
        return;
    }

    hs_error err;
    hs_error_clear(&err);
    modelio_meta m;
    memset(&m, 0, sizeof m);
    net *model = NULL;
    const hs_dataset *ds = dsp;
    char msg[1200];
    if (modelio_load(model_path, &m, &model, 0, &err) != 0) {
        hs_error_format(&err, msg, sizeof msg);
        snprintf(rp->note, sizeof rp->note, "Cannot load the best model: %.700s", msg);
        goto done;
    }
    if (ds->n_features != m.n_inputs || (m.source_sha256[0] && ds->source_sha256[0] &&
                                         strcmp(m.source_sha256, ds->source_sha256) != 0)) {
        snprintf(rp->note, sizeof rp->note,
                 "The dataset %.600s does not match the best model (%zu features, source %.16s; the model was "
                 "trained on %zu features, source %.16s).",
                 data_path, ds->n_features, ds->source_sha256, m.n_inputs, m.source_sha256);
        goto done;
    }
    window_spec spec = {.seq_len = m.hp.sequence_length, .rate = m.hp.sampling_rate, .delay = hparams_delay(&m.hp),
                        .batch = m.hp.batch_size};
    window_plan wp;
    size_t cnt = 0;
    if (window_plan_make(&wp, &spec, ds->n_rows, ds->n_train, ds->n_val, ds->n_features, &err) == 0)
        cnt = wp.split[WINDOW_TEST].count;
    rp->p = malloc((cnt ? cnt : 1) * sizeof *rp->p);
    rp->y = malloc((cnt ? cnt : 1) * sizeof *rp->y);
    rp->t = ds->time ? malloc((cnt ? cnt : 1) * sizeof *rp->t) : NULL;
    double mae = NAN;
    if (cnt == 0 || !rp->p || !rp->y || (ds->time && !rp->t) ||
        predict_split(model, ds, &wp, WINDOW_TEST, rp->p, &mae, NULL, &err) != 0) {
        hs_error_format(&err, msg, sizeof msg);
        snprintf(rp->note, sizeof rp->note, "Cannot compute the test predictions: %.700s",
                 cnt == 0 ? "no test window" : msg);
        report_pred_free(rp);
        goto done;
    }
    for (size_t i = 0; i < cnt; i++) {
        size_t row = window_target_row(&wp, WINDOW_TEST, i);
        rp->y[i] = ds->y[row];
        if (rp->t) rp->t[i] = ds->time[row];
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
}

/* Everything `report` knows about one sweep directory. */
typedef struct report_sweep {
    const char *dir;              /* the directory as given */
    results_meta_info info;       /* from metadata.json (defaults when missing) */
    int have_info;                /* 1: metadata.json was read */
    json_value *meta;             /* parsed metadata.json, or NULL */
    journal_record *recs;         /* (n) the journal's records, owned */
    size_t n;                     /* records */
    journal_read_info jinfo;      /* warnings of the journal read */
    hs_dataset ds;                /* the sweep's dataset (full arrays) when have_ds */
    int have_ds;                  /* 1: ds loaded from the path in metadata.json */
    char ds_note[700];            /* why the dataset is not loaded (have_ds 0) */
    results_baseline *base;       /* (n_base) persistence per window setting, owned */
    size_t n_base;                /* entries in base */
    int *scale;                   /* (hpfields_count()) sampled distribution scale, owned */
} report_sweep;

/* ---- the "rungs" column from the journal's scheduler events ------------------------------- */

/* Rung decisions per record, rebuilt from the event lines by the steps policy_search takes
 * in a run (journal_rung_step, no scheduler needed) over the journal's rung grid
 * (journal_events_rung_grid), at most JOURNAL_RUNG_MARKS per trial. */
typedef struct report_rungs {
    const journal_record *recs;   /* (n) the records, borrowed */
    size_t n;                     /* records */
    const journal_record **by_id; /* (n) the records sorted by id */
    char **text;                  /* (n) the column of record i, owned, NULL: "" */
} report_rungs;

static int report_rungs_cmp(const void *a, const void *b) {
    return strcmp((*(const journal_record *const *)a)->id, (*(const journal_record *const *)b)->id);
}

static size_t report_rungs_find(const report_rungs *rr, const char *id) {
    size_t lo = 0, hi = rr->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rr->by_id[mid]->id, id);
        if (c == 0) return (size_t)(rr->by_id[mid] - rr->recs);
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return SIZE_MAX;
}

/* Append "E what" to record i's column. */
static void report_rungs_mark(report_rungs *rr, size_t i, size_t e, const char *what) {
    char add[48];
    int k = snprintf(add, sizeof add, "%s%zu %s", rr->text[i] ? ", " : "", e, what);
    size_t old = rr->text[i] ? strlen(rr->text[i]) : 0;
    char *t = realloc(rr->text[i], old + (size_t)k + 1);
    if (!t) return;
    memcpy(t + old, add, (size_t)k + 1);
    rr->text[i] = t;
}

static void report_rungs_free(report_rungs *rr) {
    for (size_t i = 0; rr->text && i < rr->n; i++) free(rr->text[i]);
    free(rr->text);
    free(rr->by_id);
    memset(rr, 0, sizeof *rr);
}

/* Build rr from the journal at dir (records recs[0..n)). Returns 1 when the journal has
 * scheduler events (a column to show), 0 when not or on any failure (no column). */
static int report_rungs_build(report_rungs *rr, const char *dir, const journal_record *recs, size_t n) {
    memset(rr, 0, sizeof *rr);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    journal_event *ev = NULL;
    size_t ne = 0, ng = 0;
    hs_error err;
    if (journal_read_events(path, &ev, &ne, &err) != 0 || ne == 0 || n == 0) {
        free(ev);
        return 0;
    }
    size_t *grid = malloc(ne * sizeof *grid);
    journal_rung_state *rs = calloc(n, sizeof *rs);
    rr->recs = recs;
    rr->n = n;
    rr->by_id = malloc(n * sizeof *rr->by_id);
    rr->text = calloc(n, sizeof *rr->text);
    int ok = grid && rs && rr->by_id && rr->text;
    for (size_t i = 0; ok && i < n; i++) rr->by_id[i] = &recs[i];
    if (ok) {
        qsort(rr->by_id, n, sizeof *rr->by_id, report_rungs_cmp);
        ng = journal_events_rung_grid(ev, ne, grid);
    }
    for (size_t k = 0; ok && k < ne; k++) {
        size_t i = report_rungs_find(rr, ev[k].id);
        if (i == SIZE_MAX) continue;
        size_t before = rs[i].n_marks;
        journal_rung_mark m = journal_rung_step(&rs[i], &ev[k], grid, ng);
        if (m != JOURNAL_MARK_NONE && before < JOURNAL_RUNG_MARKS)
            report_rungs_mark(rr, i, ev[k].epoch, journal_rung_mark_name(m));
    }
    free(ev);
    free(grid);
    free(rs);
    if (!ok) report_rungs_free(rr);
    return ok;
}

/* results_options.rungs over a report_rungs */
static void report_rungs_text(void *ctx, const journal_record *r, char *buf, size_t n) {
    const report_rungs *rr = ctx;
    size_t i = report_rungs_find(rr, r->id);
    snprintf(buf, n, "%s", i != SIZE_MAX && rr->text[i] ? rr->text[i] : "");
}

static void report_sweep_free(report_sweep *rs) {
    journal_records_free(rs->recs, rs->n);
    json_free(rs->meta);
    if (rs->have_ds) dataset_deinit(&rs->ds);
    free(rs->base);
    free(rs->scale);
    memset(rs, 0, sizeof *rs);
}

/* How each parameter was drawn by the sweep's `random:` section, from the resolved sweep
 * text in metadata.json: 2 log_uniform, 1 uniform or int, 0 otherwise (grid, choice). */
static void report_scales(const json_value *meta, int *scale) {
    const char *text = json_as_string(json_get(json_get(meta, "sweep"), "resolved"));
    for (size_t k = 0; k < hpfields_count(); k++) {
        scale[k] = 0;
        if (!text) continue;
        size_t L = strlen(hpfields_name(k));
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            const char *q = line;
            while (*q == ' ') q++;
            if (strncmp(q, hpfields_name(k), L) != 0 || q[L] != ':') continue;
            const char *eol = strchr(q, '\n');
            size_t len = eol ? (size_t)(eol - q) : strlen(q);
            char buf[256];
            snprintf(buf, sizeof buf, "%.*s", (int)(len < 255 ? len : 255), q);
            if (strstr(buf, "log_uniform")) scale[k] = 2;
            else if (strstr(buf, "{uniform") || strstr(buf, "{int") || strstr(buf, "{ uniform") || strstr(buf, "{ int"))
                scale[k] = 1;
        }
    }
}

/* Read DIR's metadata, journal and dataset, and compute the baselines. 0, or 1 after
 * printing the error (no directory, no or a corrupt journal). */
static int report_sweep_load(report_sweep *rs, const char *dir) {
    memset(rs, 0, sizeof *rs);
    rs->dir = dir;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hsweep report: %s: no such directory\n", dir);
        return 1;
    }
    hs_error err;
    hs_error_clear(&err);
    rs->have_info = results_read_metadata(dir, &rs->info, &err) == 0;
    if (!rs->have_info && err.code != HS_ERR_IO) {
        fprintf(stderr, "hsweep report: warning: ");
        hs_error_print(&err, stderr);
    }
    hs_error_clear(&err);
    if (htmlreport_load_metadata(dir, &rs->meta, &err) != 0) rs->meta = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    jcheck_expect x;
    jcheck_expect_load(dir, &x);
    jcheck_report aside;
    if (jcheck_read(path, &x, &rs->recs, &rs->n, &rs->jinfo, &aside, &err) != 0) {
        hs_error_print(&err, stderr);
        return 1;
    }
    if (rs->jinfo.dropped_last) fprintf(stderr, "hsweep report: warning: %s\n", rs->jinfo.warning);
    if (rs->jinfo.set_aside) {   /* invalid or foreign records: not ranked, said once */
        char line[1600];
        jcheck_format(&aside, dir, line, sizeof line);
        fprintf(stderr, "hsweep report: warning: %s\n", line);
    }
    rs->scale = calloc(hpfields_count(), sizeof *rs->scale);
    if (!rs->scale) {
        fprintf(stderr, "hsweep report: out of memory\n");
        return 1;
    }
    report_scales(rs->meta, rs->scale);
    /* the dataset: for the persistence baseline and the best model's predictions */
    const char *data_path = htmlreport_meta_dataset(rs->meta);
    if (!data_path || !data_path[0]) {
        snprintf(rs->ds_note, sizeof rs->ds_note, "%s", rs->meta ? "metadata.json records no dataset"
                                                                 : "no metadata.json, so the dataset is not known");
    } else if (stat(data_path, &st) != 0) {
        snprintf(rs->ds_note, sizeof rs->ds_note, "the dataset recorded in metadata.json (%.600s) is not there",
                 data_path);
    } else if (h5data_load(&rs->ds, data_path, &err) != 0) {
        char msg[600];
        hs_error_format(&err, msg, sizeof msg);
        snprintf(rs->ds_note, sizeof rs->ds_note, "cannot load the dataset: %.600s", msg);
        dataset_deinit(&rs->ds);
    } else {
        rs->have_ds = 1;
        for (size_t i = 0; i < rs->n; i++)
            if (baseline_add(&rs->base, &rs->n_base, &rs->ds, &rs->recs[i].hp, &err) != 0) {
                hs_error_print(&err, stderr);
                return 1;
            }
    }
    return 0;
}

/* Write the HTML report of rs to path; prints where it went (and why predictions are
 * missing). 0 or 1. */
static int report_html(const report_sweep *rs, results_metric metric, const char *path) {
    hs_error err;
    hs_error_clear(&err);
    report_pred rp;
    char note[800];
    snprintf(note, sizeof note, "The test predictions cannot be computed: %s.", rs->ds_note);
    report_pred_compute(&rp, rs->dir, rs->recs, rs->n, metric, htmlreport_meta_dataset(rs->meta),
                        rs->have_ds ? &rs->ds : NULL, note);
    char jpath[4200];
    journal_event *ev = NULL;
    size_t ne = 0;
    snprintf(jpath, sizeof jpath, "%s/%s", rs->dir, RUNDIR_JOURNAL);
    if (journal_read_events(jpath, &ev, &ne, &err) != 0) ne = 0;   /* no rung plots */
    hs_error_clear(&err);
    htmlreport_input in = {.recs = rs->recs, .n = rs->n, .metric = metric, .meta = rs->meta,
                           .pred = rp.ok ? &rp.pred : NULL, .pred_note = rp.note, .top_curves = 5, .pred_days = 14.0,
                           .baselines = rs->base, .n_baselines = rs->n_base, .baseline_note = rs->ds_note,
                           .axis_scale = rs->scale, .events = ev, .n_events = ne};
    strbuf sb;
    strbuf_init(&sb);
    int rc = htmlreport_build(&sb, &in, &err);
    if (rc == 0) rc = rundir_write_atomic(path, strbuf_str(&sb), sb.len, &err);
    strbuf_deinit(&sb);
    if (rc != 0) {
        hs_error_print(&err, stderr);
    } else {
        printf("HTML report: %s", path);
        if (rp.ok)
            printf(" (best model test MAE %.4f over %zu windows%s%s)\n", rp.pred.mae, rp.pred.n, rp.note[0] ? "; " : "",
                   rp.note);
        else
            printf(" (no prediction panel: %s)\n", rp.note);
    }
    report_pred_free(&rp);
    free(ev);
    return rc == 0 ? 0 : 1;
}

/* `report --json`: one object on stdout (numbers with every digit, NaN as null). */
static int report_json(const report_sweep *rs, results_metric metric, size_t top) {
    hs_error err;
    hs_error_clear(&err);
    size_t *order = malloc((rs->n ? rs->n : 1) * sizeof *order);
    size_t axes[64], n_axes = 0;
    if (!order) return 1;
    size_t ranked = results_rank(rs->recs, rs->n, metric, order);
    results_axes(rs->recs, rs->n, axes, &n_axes);
    if (n_axes > 64) n_axes = 64;
    analysis_importance im;
    if (analysis_importance_compute(rs->recs, order, ranked, metric, axes, n_axes, &im, &err) != 0) {
        free(order);
        hs_error_print(&err, stderr);
        return 1;
    }
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    size_t by[3] = {0, 0, 0};
    for (size_t i = 0; i < rs->n; i++)
        if ((unsigned)rs->recs[i].status < 3) by[rs->recs[i].status]++;
    json_begin_object(&w);
    json_key(&w, "dir");
    json_string(&w, rs->dir);
    json_key(&w, "name");
    json_string(&w, rs->info.sweep_name);
    json_key(&w, "metric");
    json_string(&w, results_metric_name(metric));
    json_key(&w, "n_trials");
    if (rs->have_info && rs->info.n_trials) json_u64(&w, rs->info.n_trials);
    else json_null(&w);
    json_key(&w, "finished");
    json_u64(&w, rs->n);
    json_key(&w, "ok");
    json_u64(&w, by[0]);
    json_key(&w, "diverged");
    json_u64(&w, by[1]);
    json_key(&w, "failed");
    json_u64(&w, by[2]);
    json_key(&w, "ranked");
    json_u64(&w, ranked);
    json_key(&w, "persistence");
    json_begin_array(&w);
    for (size_t i = 0; i < rs->n_base; i++) {
        const results_baseline *b = &rs->base[i];
        json_begin_object(&w);
        json_key(&w, "sequence_length");
        json_u64(&w, b->seq_len);
        json_key(&w, "sampling_rate");
        json_u64(&w, b->rate);
        json_key(&w, "delay");
        json_u64(&w, b->delay);
        json_key(&w, "val_mae");
        json_double(&w, b->val_mae);
        json_key(&w, "val_loss");
        json_double(&w, b->val_loss);
        json_key(&w, "test_mae");
        json_double(&w, b->test_mae);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_key(&w, "importance");
    json_begin_object(&w);
    for (size_t a = 0; a < im.n_axes; a++) {
        json_key(&w, hpfields_name(im.axes[a]));
        json_double(&w, im.share[a]);
    }
    json_end_object(&w);
    json_key(&w, "trials");
    json_begin_array(&w);
    size_t shown = top && top < rs->n ? top : rs->n;
    for (size_t p = 0; p < shown; p++) {
        const journal_record *r = &rs->recs[order[p]];
        json_begin_object(&w);
        json_key(&w, "rank");
        if (p < ranked) json_u64(&w, p + 1);
        else json_null(&w);
        json_key(&w, "vs_persistence");
        json_double(&w, results_vs_baseline(r, metric, rs->base, rs->n_base));
        /* the journal's own writer, so the record cannot drift from the journal line */
        json_key(&w, "record");
        if (journal_record_write(&w, r, &err) != 0) {
            hs_error_print(&err, stderr);
            strbuf_deinit(&sb);
            free(order);
            return 1;
        }
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    strbuf_putc(&sb, '\n');
    int rc = strbuf_failed(&sb) || fwrite(sb.data, 1, sb.len, stdout) != sb.len;
    strbuf_deinit(&sb);
    free(order);
    return rc ? 1 : 0;
}

/* Several sweeps side by side: the best of each and the parameters they share. */
static int report_compare(char **dirs, size_t nd, const char *metric_s, int html, const char *out) {
    if (html && !cli_can_write("report", out)) return 1;
    report_sweep *rs = calloc(nd, sizeof *rs);
    htmlreport_sweep *hs = calloc(nd, sizeof *hs);
    int rc = 0;
    if (!rs || !hs) {
        fprintf(stderr, "hsweep report: out of memory\n");
        free(rs);
        free(hs);
        return 1;
    }
    results_metric metric = RESULTS_VAL_MAE;
    for (size_t i = 0; i < nd && rc == 0; i++) {
        rc = report_sweep_load(&rs[i], dirs[i]);
        if (rc != 0) break;
        if (!metric_s && i == 0 && rs[i].have_info) metric = rs[i].info.metric;
    }
    if (rc == 0 && metric_s && results_parse_metric(metric_s, &metric) != 0) rc = 1;
    if (rc == 0) {
        printf("Comparing %zu sweeps by %s (lower is better):\n\n| sweep | dir | finished | ok | best %s | test MAE "
               "| persistence | vs persistence | best trial |\n|---|---|--:|--:|--:|--:|--:|--:|---|\n",
               nd, results_metric_name(metric), results_metric_name(metric));
        for (size_t i = 0; i < nd; i++) {
            size_t *order = malloc((rs[i].n ? rs[i].n : 1) * sizeof *order);
            if (!order) { rc = 1; break; }
            size_t ranked = results_rank(rs[i].recs, rs[i].n, metric, order), ok = 0;
            for (size_t k = 0; k < rs[i].n; k++) ok += rs[i].recs[k].status == JOURNAL_OK;
            const journal_record *b = ranked ? &rs[i].recs[order[0]] : NULL;
            double base = b ? results_baseline_value(results_baseline_find(rs[i].base, rs[i].n_base, &b->hp), metric)
                            : (double)NAN;
            double rel = b ? results_vs_baseline(b, metric, rs[i].base, rs[i].n_base) : (double)NAN;
            printf("| %s | %s | %zu | %zu | ", rs[i].info.sweep_name[0] ? rs[i].info.sweep_name : "-", dirs[i],
                   rs[i].n, ok);
            if (b) printf("%.4f | %.4f | ", results_metric_value(b, metric), b->test_mae);
            else printf("- | - | ");
            if (isfinite(base)) printf("%.4f | %+.1f%% | ", base, 100.0 * rel);
            else printf("- | - | ");
            printf("%s |\n", b ? b->id : "-");
            free(order);
            hs[i] = (htmlreport_sweep){.dir = dirs[i], .name = rs[i].info.sweep_name, .recs = rs[i].recs,
                                       .n = rs[i].n, .baselines = rs[i].base, .n_baselines = rs[i].n_base,
                                       .meta = rs[i].meta};
        }
    }
    if (rc == 0 && html) {
        hs_error err;
        hs_error_clear(&err);
        strbuf sb;
        strbuf_init(&sb);
        rc = htmlreport_compare_build(&sb, hs, nd, metric, &err);
        if (rc == 0) rc = rundir_write_atomic(out, strbuf_str(&sb), sb.len, &err);
        strbuf_deinit(&sb);
        if (rc != 0) hs_error_print(&err, stderr);
        else printf("\nHTML comparison: %s\n", out);
        rc = rc ? 1 : 0;
    }
    for (size_t i = 0; i < nd; i++) report_sweep_free(&rs[i]);
    free(rs);
    free(hs);
    return rc;
}

int cmd_report(int argc, char **argv) {
    const char *metric_s = NULL, *out = NULL;
    char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    size_t nd = 0, top = 20;
    int html = 0, json = 0, rc = 0;
    if (!dirs) return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            report_usage(stdout);
            free(dirs);
            return 0;
        } else if (strcmp(argv[i], "--top") == 0) {
            const char *v = cli_value("report", argc, argv, &i);
            if (!v || cli_parse_size("report", "--top", v, 0, (size_t)1 << 30, &top) != 0) rc = 2;
        } else if (strcmp(argv[i], "--html") == 0) {
            html = 1;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--metric") == 0) {
            if (!(metric_s = cli_value("report", argc, argv, &i))) rc = 2;
        } else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (!(out = cli_value("report", argc, argv, &i))) rc = 2;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            static const char *const known[] = {"--help", "--top", "--html", "--json", "--metric", "--output"};
            cli_unknown_flag("report", argv[i], known, sizeof known / sizeof *known);
            rc = 2;
        } else {
            dirs[nd++] = argv[i];
        }
        if (rc) break;
    }
    results_options opt = {RESULTS_VAL_MAE, NULL, 0, NULL, NULL, 0, NULL, NULL};
    if (rc == 0 && nd == 0) {
        report_usage(stderr);
        rc = 2;
    }
    if (rc == 0 && metric_s && results_parse_metric(metric_s, &opt.metric) != 0) {
        fprintf(stderr, "hsweep report: --metric: unknown metric '%s' (val_mae, val_loss, test_mae)\n", metric_s);
        rc = 2;
    }
    if (rc == 0 && nd > 1) {
        if (json) {
            fprintf(stderr, "hsweep report: --json takes one directory\n");
            rc = 2;
        } else {
            rc = report_compare(dirs, nd, metric_s, html, out ? out : "hsweep-compare.html");
        }
        free(dirs);
        return rc;
    }
    if (rc == 0 && out && !html) {
        fprintf(stderr, "hsweep report: -o FILE names the HTML file: use it with --html\n");
        rc = 2;
    }
    if (rc != 0) {
        free(dirs);
        return rc;
    }
    const char *dir = dirs[0];
    free(dirs);

    report_sweep rs;
    if (report_sweep_load(&rs, dir) != 0) {
        report_sweep_free(&rs);
        return 1;
    }
    /* the sweep's own metric; a different --metric is a view: the sweep's files keep theirs */
    results_metric own = rs.have_info ? rs.info.metric : RESULTS_VAL_MAE;
    if (!metric_s) opt.metric = own;
    int own_view = opt.metric == own;
    if (rs.have_info && rs.info.sweep_name[0]) opt.title = rs.info.sweep_name;
    opt.baselines = rs.base;
    opt.n_baselines = rs.n_base;
    char html_path[4200];
    if (out) snprintf(html_path, sizeof html_path, "%s", out);
    else if (own_view) snprintf(html_path, sizeof html_path, "%s/%s", dir, RUNDIR_REPORT);
    else snprintf(html_path, sizeof html_path, "%s/report-%s.html", dir, results_metric_name(opt.metric));
    /* outputs checked before any work */
    char tpath[4200];
    snprintf(tpath, sizeof tpath, "%s/results.md", dir);
    if ((own_view && !cli_can_write("report", tpath)) || (html && !cli_can_write("report", html_path))) {
        report_sweep_free(&rs);
        return 1;
    }
    report_rungs rr;
    if (report_rungs_build(&rr, dir, rs.recs, rs.n)) {
        opt.rungs = report_rungs_text;
        opt.rungs_ctx = &rr;
    }
    hs_error err;
    hs_error_clear(&err);
    rc = own_view ? results_write_tables(dir, rs.recs, rs.n, &opt, &err) : 0;
    if (rc == 0) rc = json ? report_json(&rs, opt.metric, top) : results_print_ranked(stdout, rs.recs, rs.n, &opt, top, &err);
    if (rc != 0) {
        if (err.msg[0]) hs_error_print(&err, stderr);
        report_rungs_free(&rr);
        report_sweep_free(&rs);
        return 1;
    }
    report_rungs_free(&rr);
    FILE *info = json ? stderr : stdout;
    if (rs.have_info && rs.info.n_trials > 0)
        fprintf(info, "%zu of %zu trials finished.", rs.n, rs.info.n_trials);
    else
        fprintf(info, "%zu trials finished.", rs.n);
    if (rs.jinfo.duplicates) fprintf(info, " %zu superseded journal records ignored.", rs.jinfo.duplicates);
    if (rs.n_base == 0) fprintf(info, " Persistence baseline unknown: %s.", rs.ds_note);
    if (own_view)
        fprintf(info, " Tables: %s/results.md, %s/results.csv, %s/summary.md\n", dir, dir, dir);
    else
        fprintf(info, " Ranked by %s, not the sweep's %s: printed only, the tables in %s stay ranked by %s.\n",
                results_metric_name(opt.metric), results_metric_name(own), dir, results_metric_name(own));
    if (html) {
        fflush(info);
        rc = report_html(&rs, opt.metric, html_path);
    }
    report_sweep_free(&rs);
    return rc == 0 ? 0 : 1;
}
