/* htmlreport: the self-contained HTML page of a sweep (DIR/report.html).
 *
 * One static file, no server and no network: inline CSS, inline SVG plots (svgplot.h) and
 * a few lines of inline JavaScript. The page shows
 *   - a header: sweep name, trial counts by status, the ranking metric and the best value;
 *   - the best configuration (every hparams field, swept ones marked) and the run metadata
 *     from metadata.json (sweep hash, start time, ranks, software versions, dataset);
 *   - svg#plot-curves: train and val loss per epoch of the top trials (log y when the
 *     losses span more than 5x);
 *   - svg#plot-axis-NAME, one per swept axis: the metric of every ok trial against the
 *     value (categories for cell/optimizer/bool, log x for numeric axes spanning >= 10x),
 *     repeats spread horizontally, the mean per value marked; a sampled continuous parameter
 *     (more than 12 distinct values) as a plain scatter on the axis its distribution implies
 *     (axis_scale: log for log_uniform, linear for uniform and int);
 *   - svg#plot-pred (time series of the first days of the split) and svg#plot-pred-scatter
 *     (predicted against actual): the best trial's predictions, when the caller computed
 *     them; otherwise p#note-pred says why they are missing;
 *   - a sentence under the header when no trial beats the persistence baseline, and the
 *     baseline as a dashed reference line in every plot of the metric;
 *   - for a run with scheduler events (adaptive search): svg#plot-rungs, the sweep metric's
 *     validation value (val_loss for val_loss, else val_mae) against epoch for every trial,
 *     trials the scheduler paused or stopped faded, a dot where a trial was promoted (it went
 *     on at a rung, or a paused trial continued); svg#plot-best-so-far, the best value so far
 *     against cumulative epochs in the order the events record them (a trial's value at
 *     epoch k: its validation value at the epoch with the lowest val_loss among 1..k);
 *   - svg#plot-importance (share of the metric's variance per swept parameter, io/analysis.h),
 *     svg#plot-heatmap (mean metric over the strongest pair's bins), svg#plot-parcoords
 *     (every trial across the swept parameters, coloured by the metric);
 *   - svg#plot-size and svg#plot-wall: the metric against parameters and wall time;
 *   - svg#plot-timeline: which rank ran which trial when, with the utilisation (needs the
 *     records' start/end times; a note for journals without them);
 *   - table#ranked: every trial (ranked ones first, then diverged and failed with reasons),
 *     sortable by clicking a header (numeric-aware, missing values last).
 * The body carries data-plots="id id ..." (the plots the page must contain). On load the
 * script checks each listed id is an <svg class="plot"> with data elements and that the
 * table has rows, then sets body data-ok="1" (else data-missing="ids"); window.onerror
 * appends messages to body data-errors. Everything taken from records or metadata is
 * HTML-escaped. The page is deterministic (no generation time). Computing predictions
 * (model + dataset) is the caller's job: io/ does not run models. */
#ifndef HS_HTMLREPORT_H
#define HS_HTMLREPORT_H

#include <stddef.h>
#include <stdint.h>

#include "io/hs_error.h"
#include "io/journal.h"
#include "io/json.h"
#include "io/results.h"
#include "io/strbuf.h"


typedef struct htmlreport_pred {
    const char *trial_id;    /* id of the trial the model belongs to, may be NULL */
    const char *split;       /* split name ("test") */
    const char *target_name; /* e.g. "T (degC)", may be NULL */
    const int64_t *time;     /* (n) timestamp of each window's target (Unix seconds, station
                                time read as UTC), may be NULL (then window index is x) */
    const float *pred;       /* (n) model predictions, target units */
    const float *actual;     /* (n) targets, target units */
    size_t n;                /* windows in the split (all of them) */
    double mae;              /* MAE over the n windows as computed by the caller */
    double recorded_mae;     /* the journal's test MAE of that trial (NaN if unknown) */
} htmlreport_pred;

typedef struct htmlreport_input {
    const journal_record *recs; /* (n) journal records, any order */
    size_t n;                   /* number of records */
    results_metric metric;      /* ranking metric */
    const json_value *meta;     /* parsed metadata.json, or NULL when there is none */
    const htmlreport_pred *pred;/* predictions of the best trial, or NULL */
    const char *pred_note;      /* why pred is NULL, or a caveat about pred (shown in the
                                   page), may be NULL */
    size_t top_curves;          /* trials in the learning-curve plot (0 = 5) */
    double pred_days;           /* days of the split in the time-series panel (<= 0: 14) */
    const results_baseline *baselines; /* (n_baselines) persistence per window setting, may be NULL */
    size_t n_baselines;         /* entries in baselines (0: unknown, see baseline_note) */
    const char *baseline_note;  /* why the baseline is unknown, may be NULL */
    const int *axis_scale;      /* (hpfields_count()) how a sampled parameter was drawn: 0 unknown,
                                   1 linear (uniform, int), 2 log (log_uniform); may be NULL */
    const journal_event *events;/* (n_events) the journal's scheduler events in file order, may
                                   be NULL: none (no rung plots) */
    size_t n_events;            /* entries in events */
} htmlreport_input;

/* Append the whole page to out. Returns 0, or HS_ERR_NOMEM (out failed) / HS_ERR_VALUE (bad
 * axis data) with err filled. Never fails on odd data: no ok trials, no swept axis or no
 * history give a note in place of the plot (and the plot is not listed in data-plots). */
int htmlreport_build(strbuf *out, const htmlreport_input *in, hs_error *err);

/* Build the page and write it to DIR/report.html atomically (rundir_write).
 * 0 or a negative hs_status. */
int htmlreport_write(const char *dir, const htmlreport_input *in, hs_error *err);

/* One sweep of a comparison page (everything borrowed). */
typedef struct htmlreport_sweep {
    const char *dir;            /* the run directory as given */
    const char *name;           /* sweep name ("" unknown) */
    const journal_record *recs; /* (n) its journal records */
    size_t n;                   /* records */
    const results_baseline *baselines; /* (n_baselines) its persistence baselines, may be NULL */
    size_t n_baselines;         /* entries in baselines */
    const json_value *meta;     /* its metadata.json, may be NULL */
} htmlreport_sweep;

/* Append a comparison page of sweeps s[0..n) to out: the best trial of each (table#ranked,
 * with the persistence baseline and the relative difference), svg#plot-cmp-best (each
 * sweep's ranked metric values, sorted, one line per sweep) and, for every parameter swept
 * in at least two of them, svg#plot-cmp-NAME: the mean metric per value (quantile bins for a
 * sampled continuous parameter) of each sweep, one colour per sweep. Same self-check
 * (data-plots, data-ok) and escaping as htmlreport_build. 0 or HS_ERR_NOMEM. */
int htmlreport_compare_build(strbuf *out, const htmlreport_sweep *s, size_t n, results_metric metric, hs_error *err);

/* Read and parse DIR/metadata.json into *out (owned: json_free). HS_ERR_IO if the file is
 * missing or unreadable (*out NULL), HS_ERR_FORMAT if it is not JSON. */
int htmlreport_load_metadata(const char *dir, json_value **out, hs_error *err);

/* The dataset path recorded in a parsed metadata.json (dataset.path), or NULL. */
const char *htmlreport_meta_dataset(const json_value *meta);

#endif
