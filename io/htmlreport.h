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
 *     repeats spread horizontally, the mean per value marked;
 *   - svg#plot-pred (time series of the first days of the split) and svg#plot-pred-scatter
 *     (predicted against actual): the best trial's predictions, when the caller computed
 *     them; otherwise p#note-pred says why they are missing;
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
} htmlreport_input;

/* Append the whole page to out. Returns 0, or HS_ERR_NOMEM (out failed) / HS_ERR_VALUE (bad
 * axis data) with err filled. Never fails on odd data: no ok trials, no swept axis or no
 * history give a note in place of the plot (and the plot is not listed in data-plots). */
int htmlreport_build(strbuf *out, const htmlreport_input *in, hs_error *err);

/* Build the page and write it to DIR/report.html atomically (rundir_write).
 * 0 or a negative hs_status. */
int htmlreport_write(const char *dir, const htmlreport_input *in, hs_error *err);

/* Read and parse DIR/metadata.json into *out (owned: json_free). HS_ERR_IO if the file is
 * missing or unreadable (*out NULL), HS_ERR_FORMAT if it is not JSON. */
int htmlreport_load_metadata(const char *dir, json_value **out, hs_error *err);

/* The dataset path recorded in a parsed metadata.json (dataset.path), or NULL. */
const char *htmlreport_meta_dataset(const json_value *meta);

#endif
