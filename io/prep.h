/* prep: turn a Jena weather CSV into the prepared dataset (the work of `hsweep prep`).
 *
 * Steps, in order: read the CSV (csv.h); select the feature and target columns by name;
 * find -9999 sentinels in every column and, unless keep_sentinels is set, replace them in
 * the selected columns by linear interpolation in time between the nearest valid
 * neighbours (before the first / after the last valid value: that value); report duplicate
 * timestamps and gaps (consecutive rows whose interval differs from the modal interval),
 * leaving the data unchanged; split by row count as Keras (n_train = floor(N/2),
 * n_val = floor(N/4), rest test); check that every split holds at least one default window
 * (sequence_length 120, sampling_rate 6, delay 858); normalise the features with the mean
 * and population std of the training rows (double precision); a feature whose training std
 * is 0 is an error (it cannot be normalised: leave it out with --features).
 * The target is kept raw. Everything done is written to a human-readable cleaning log that
 * is also stored in the output file. Writing is h5data_write (temporary file + rename). */
#ifndef HS_PREP_H
#define HS_PREP_H

#include <stddef.h>
#include <stdint.h>

#include "io/csv.h"
#include "io/dataset.h"
#include "io/hs_error.h"

#define PREP_SENTINEL (-9999.0)
#define PREP_DEFAULT_TARGET "T (degC)"

/* The 14 canonical Keras features, in file order. */
extern const char *const prep_default_features[14];

typedef struct prep_options {
    const char *const *features; /* (n_features) column names; NULL = prep_default_features */
    size_t n_features;           /* number of names in features (ignored when NULL) */
    const char *target;          /* target column name; NULL = PREP_DEFAULT_TARGET */
    int keep_sentinels;          /* 1: keep -9999 values as they are (book behaviour) */
} prep_options;

typedef struct prep_report {
    size_t n_rows;               /* N data rows */
    size_t n_train, n_val, n_test; /* Keras split sizes (rows) */
    size_t n_columns;            /* numeric columns in the file */
    size_t n_sentinels_selected; /* -9999 values in the selected columns (features + target) */
    size_t n_sentinels_other;    /* -9999 values in columns not selected */
    size_t n_duplicates;         /* rows whose timestamp equals the previous row's */
    size_t n_gaps;               /* consecutive rows whose interval != the modal interval
                                    (duplicates excluded) */
    size_t n_missing;            /* rows missing inside the gaps (multiples of the interval) */
    int64_t interval;            /* modal interval between consecutive rows (s) */
    char sha256[65];             /* hex SHA-256 of the uncompressed CSV */
    char *log;                   /* owned: the cleaning log, several lines */
} prep_report;

/* Build the prepared dataset ds (zeroed first; owned arrays) from table t read from
 * path (used in messages). rep (may be NULL) receives the report; free it with
 * prep_report_deinit. t is modified when sentinels are interpolated.
 * Returns 0 or a negative hs_status with err filled: HS_ERR_VALUE unknown or duplicated
 * column name (with a did-you-mean hint), too few rows for one window, a column made only
 * of sentinels, a feature with zero training std; HS_ERR_NOMEM. */
int prep_dataset(hs_dataset *ds, prep_report *rep, csv_table *t, const char *path,
                 const prep_options *opt, hs_error *err);

/* The whole command: csv_read(in_path), prep_dataset, h5data_write(out_path). opt may be
 * NULL (defaults). rep (may be NULL) receives the report. Never leaves a partial out_path.
 * Returns 0 or the negative hs_status of the failing step (err filled). */
int prep_run(const char *in_path, const char *out_path, const prep_options *opt,
             prep_report *rep, hs_error *err);

/* Free the log and zero rep. rep may be NULL. */
void prep_report_deinit(prep_report *rep);

/* Fewest rows for which every Keras split holds one window of the default spec
 * (sequence_length 120, sampling_rate 6, delay 858). */
size_t prep_min_rows(void);

#endif
