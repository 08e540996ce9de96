/* results: the result files of a sweep, built from journal records.
 *
 * - results.csv: every trial, ranked by the sweep metric ascending (ok trials with a finite
 *   metric), then diverged and failed ones; every hparams field as a column.
 * - results.md: the same ranking as a Markdown table with test MAE beside the metric, the
 *   status and the swept parameters; failures in a second table with their reasons.
 * - summary.md: the best configuration (all parameters), mean ± std over repeats per
 *   configuration, one marginal table per swept axis, failure counts by status.
 * - metadata.json: the resolved sweep, its hash, software versions, dataset fingerprint (dsfp.h),
 *   start time and ranks (written once at sweep start).
 * - status.json: live progress (rewritten by rank 0 as trials finish).
 * Every file is written to NAME.tmp, fsynced and renamed over NAME, so readers never see a
 * half-written file. A "configuration" is the resolved hs_hparams apart from the seed: the
 * repeats of one configuration differ only in seed and repeat index. Standard deviations
 * are sample std (n - 1); with fewer than two values they are shown as "-". Computation
 * functions are exposed so they can be tested without parsing the files. No MPI. */
#ifndef HS_RESULTS_H
#define HS_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "io/dataset.h"
#include "io/dsfp.h"
#include "io/hs_error.h"
#include "io/journal.h"
#include "io/json.h"

typedef enum results_metric {
    RESULTS_VAL_MAE = 0,  /* validation MAE at the best weights (default) */
    RESULTS_VAL_LOSS = 1, /* validation loss (MSE) at the best weights */
    RESULTS_TEST_MAE = 2  /* test MAE (for analysis only; do not select on it) */
} results_metric;

/* "val_mae", "val_loss", "test_mae". */
const char *results_metric_name(results_metric m);

/* Parse a metric name; 0 or -1. */
int results_parse_metric(const char *s, results_metric *out);

/* The metric of record r (NaN if it has none). */
double results_metric_value(const journal_record *r, results_metric m);

/* The persistence baseline of one window setting: predict the target's value at the last
 * input step of the window (sweep/baseline.h), on the same windows the trials use. */
typedef struct results_baseline {
    size_t seq_len;               /* sequence_length of the windows */
    size_t rate;                  /* sampling_rate */
    size_t delay;                 /* hparams_delay: rows from a window's first row to its target */
    double val_mae;               /* persistence MAE on the val windows (target units), NaN none */
    double val_loss;              /* persistence MSE on the val windows (units^2), NaN none */
    double test_mae;              /* persistence MAE on the test windows, NaN none */
} results_baseline;

typedef struct results_options {
    results_metric metric;        /* ranking metric, lower is better */
    const char *const *axes;      /* (n_axes) swept parameter names, or NULL: computed */
    size_t n_axes;                /* entries in axes */
    const char *title;            /* sweep name for headings, may be NULL */
    const results_baseline *baselines; /* (n_baselines) one per window setting, may be NULL */
    size_t n_baselines;           /* entries in baselines (0: no baseline shown) */
    /* An adaptive search's decisions at the rungs of record r, e.g. "1 promoted, 3 paused"
     * (at most n bytes into buf, "" for none): a "rungs" column in results.md's ranked
     * table and results.csv. NULL: no such column. */
    void (*rungs)(void *ctx, const journal_record *r, char *buf, size_t n);
    void *rungs_ctx;              /* passed to rungs */
} results_options;

/* The baseline of hp's window setting (sequence_length, sampling_rate, delay) in
 * b[0..n), or NULL when there is none. */
const results_baseline *results_baseline_find(const results_baseline *b, size_t n, const hs_hparams *hp);

/* The baseline's value of metric m (val_mae, val_loss or test_mae); NaN for b NULL. */
double results_baseline_value(const results_baseline *b, results_metric m);

/* Relative difference of a trial's metric to its baseline, (v - base) / base: -0.05 is 5 %
 * better than persistence. NaN when either is unknown or base is 0. */
double results_vs_baseline(const journal_record *r, results_metric m, const results_baseline *b, size_t n);

/* Append to sb one line per window setting, e.g. "Persistence baseline (...): val MAE
 * 2.8200 / test MAE 2.1500" (the setting is named when there are several), then whether the
 * best ranked trial beats it. Nothing for n == 0. order/ranked as from results_rank. */
void results_baseline_lines(strbuf *sb, const journal_record *recs, const size_t *order, size_t ranked,
                            results_metric m, const results_baseline *b, size_t n);

/* ---- computation ----------------------------------------------------------------------- */

/* The swept axes: indices (hpfields) of the fields, seed excluded, whose value is not the same
 * in every record, in hpfields order. axes must hold hpfields_count() entries. */
void results_axes(const journal_record *recs, size_t n, size_t *axes, size_t *n_axes);

/* Resolve opt->axes (names) into hpfields indices, or compute them when opt->axes is NULL.
 * axes must hold hpfields_count() entries. HS_ERR_VALUE for an unknown name. */
int results_resolve_axes(const journal_record *recs, size_t n, const results_options *opt, size_t *axes,
                         size_t *n_axes, hs_error *err);

/* Ranking: order (n) receives record indices, first the ok records with a finite metric by
 * metric ascending (ties by id), then the others by status (ok without metric, diverged,
 * failed) and id. Returns the number of ranked (first-part) records. */
size_t results_rank(const journal_record *recs, size_t n, results_metric m, size_t *order);

typedef struct results_group {
    size_t first;         /* index of the group's record with the lowest repeat */
    size_t n;             /* records in the group (repeats) */
    size_t n_ok;          /* ok records with a finite metric */
    double mean;          /* mean metric over the n_ok records (NaN if none) */
    double std;           /* sample std of the metric (NaN if n_ok < 2) */
    double min;           /* lowest metric (NaN if none) */
    double test_mean;     /* mean test MAE over the same records (NaN if none is finite) */
} results_group;

/* Group records by configuration (hparams apart from seed). *groups (owned, free()) is sorted
 * by mean ascending, groups without a mean last, ties by the first record's id.
 * 0 or HS_ERR_NOMEM. */
int results_groups(const journal_record *recs, size_t n, results_metric m, results_group **groups,
                   size_t *n_groups, hs_error *err);

typedef struct results_marginal {
    char value[64];       /* the axis value as text ("gru", "0.001") */
    double key;           /* numeric value for ordering (hpfields_value) */
    size_t n;             /* records with this value */
    size_t n_ok;          /* of which ok with a finite metric */
    double mean;          /* mean metric over the n_ok records (NaN if none) */
    double std;           /* sample std (NaN if n_ok < 2) */
    double min;           /* lowest metric (NaN if none) */
} results_marginal;

/* Marginal table of field `axis` (hpfields index): one row per distinct value, ordered by
 * value. *rows owned (free()). 0, HS_ERR_VALUE (bad axis) or HS_ERR_NOMEM. */
int results_marginals(const journal_record *recs, size_t n, size_t axis, results_metric m,
                      results_marginal **rows, size_t *n_rows, hs_error *err);

/* ---- files ----------------------------------------------------------------------------- */

/* Write DIR/results.csv, DIR/results.md and DIR/summary.md from n records (any order).
 * opt may be NULL (val_mae, computed axes). 0 or a negative hs_status. */
int results_write_tables(const char *dir, const journal_record *recs, size_t n, const results_options *opt,
                         hs_error *err);

/* Print the ranked table (at most top rows; 0 = all ranked) to f in the results.md layout,
 * followed by a one-line count of failures. opt may be NULL. 0 or a negative hs_status. */
int results_print_ranked(FILE *f, const journal_record *recs, size_t n, const results_options *opt, size_t top,
                         hs_error *err);

typedef struct results_meta {
    const char *sweep_name;       /* sweep `name`, may be NULL */
    const char *sweep_path;       /* the YAML file as given, may be NULL */
    const char *sweep_text;       /* resolved sweep (canonical text), may be NULL */
    const char *sweep_hash;       /* hash of the resolved sweep (hex), may be NULL */
    results_metric metric;        /* the sweep's metric */
    const char *mpi_version;      /* MPI_Get_library_version string from the caller, may be NULL */
    const char *dataset_path;     /* HDF5 dataset path, may be NULL */
    const hs_dataset *dataset;    /* for the fingerprint (sha256, sizes); arrays unused; may be NULL */
    double start_time;            /* seconds since 1970-01-01 UTC */
    int ranks;                    /* MPI world size */
    size_t n_trials;              /* trials in the expanded sweep */
    int id_scheme;                /* hpkey_scheme of the trial ids, hash and checkpoint keys
                                     (sweep.id_scheme); 0 = not written */
} results_meta;

/* Write DIR/metadata.json (atomically) with m, the project git revision, hsweep version,
 * HDF5 (H5get_libversion) and libyaml versions. 0 or a negative hs_status. */
int results_write_metadata(const char *dir, const results_meta *m, hs_error *err);

/* Read and parse the JSON file at path into *root (owned: json_free). HS_ERR_IO when it
 * cannot be opened or read, else json_parse's status with err->file = path. */
int results_read_json(const char *path, json_value **root, hs_error *err);

typedef struct results_meta_info {
    char sweep_hash[129];         /* hash of the resolved sweep, "" if absent */
    char sweep_name[256];         /* sweep name, "" if absent */
    results_metric metric;        /* the sweep's metric (val_mae if absent) */
    size_t n_trials;              /* trials in the expanded sweep, 0 if absent */
    dsfp dataset;                 /* the dataset's fingerprint (norm/id "" if written by 0.1) */
    int have_dataset;             /* 1 if metadata.json has a dataset source_sha256 */
    int id_scheme;                /* sweep.id_scheme; 0 if absent (hsweep 0.1 wrote none:
                                     its ids are HPKEY_V1) */
} results_meta_info;

/* Read the fields of results_meta_info back from DIR/metadata.json (for resume checks and
 * `hsweep report`). HS_ERR_IO if the file is missing, HS_ERR_FORMAT if it is malformed. */
int results_read_metadata(const char *dir, results_meta_info *out, hs_error *err);

typedef struct results_status {
    size_t total;         /* trials in the sweep */
    size_t done;          /* finished with a result (ok or diverged), including resumed */
    size_t failed;        /* finished as failed */
    size_t running;       /* handed out, not finished */
    double elapsed_s;     /* seconds since this run started */
    double eta_s;         /* estimated seconds to go, < 0 if unknown */
    results_metric metric;/* metric of best */
    double best;          /* best metric so far, NaN if none */
    const char *best_id;  /* trial id of best, may be NULL */
    int ranks;            /* MPI world size */
    const char *state;    /* "running", "finished", "stopped" (a signal) or "failed" */
    const char *reason;   /* why it stopped or failed (status.json "reason"), NULL or "" none */
} results_status;

/* The members of status.json (state ... updated_unix, see docs) into the JSON object w is
 * inside; `hsweep status --json` writes the same keys and adds its own. */
void results_status_members(json_writer *w, const results_status *st, long long updated_unix);

/* Rewrite DIR/status.json atomically. 0 or HS_ERR_IO. */
int results_write_status(const char *dir, const results_status *st, hs_error *err);

/* A duration for people into buf: "1h02m", "3m07s", "42s"; "?" when negative or not finite. */
void results_duration(double s, char *buf, size_t n);

/* One progress line (no newline) into buf: "finished 12/40  running 3  failed 1  elapsed 1m02s
 * eta 3m10s  best val_mae 2.4135 (ab12cd34)"; finished = done + failed. */
void results_format_progress(const results_status *st, char *buf, size_t n);

#endif
