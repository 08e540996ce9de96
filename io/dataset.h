/* dataset: the prepared series in memory, as `hsweep prep` writes it to HDF5.
 *
 * Rows are the (cleaned) CSV rows in time order. x holds the selected features normalised
 * with the training split's mean and population std; y holds the raw target in its own
 * units (°C for T (degC)), so losses and MAE are in those units. The split sizes follow
 * Keras: n_train = floor(0.5 N), n_val = floor(0.25 N), n_test = the rest.
 * The big arrays (x, y, time) are either owned (malloc'ed by a loader) or borrowed (e.g. an
 * MPI shared-memory window); dataset_deinit frees only what is owned. Reading and writing
 * the HDF5 file lives in h5data.h; windowing in window.h. */
#ifndef HS_DATASET_H
#define HS_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_dataset {
    size_t n_rows;            /* N */
    size_t n_features;        /* F */
    float *x;                 /* (N, F) row-major, normalised features */
    float *y;                 /* (N) raw target values (°C) */
    int64_t *time;            /* (N) timestamps, seconds since 1970-01-01 (station local
                                 time read as UTC), may be NULL */
    int owns_arrays;          /* 1: x, y, time were malloc'ed and are freed by deinit */
    size_t n_train;           /* rows [0, n_train) */
    size_t n_val;             /* rows [n_train, n_train + n_val) */
    size_t n_test;            /* rows [n_train + n_val, N) */
    char **feature_names;     /* (F) owned strings */
    char *target_name;        /* owned string, e.g. "T (degC)" */
    double *mean;             /* (F) training-split mean used for normalisation */
    double *std;              /* (F) training-split population std (ddof 0) */
    char source_sha256[65];   /* hex sha256 of the uncompressed source CSV, "" if unknown */
} hs_dataset;

/* Free everything the dataset owns and zero it. ds may be NULL. */
void dataset_deinit(hs_dataset *ds);

#endif
