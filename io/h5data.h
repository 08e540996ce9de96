/* h5data: the prepared-dataset HDF5 file that `hsweep prep` writes and everything else reads.
 *
 * Layout (format "hsweep-dataset", version 1):
 *   /features  float32 (N, F)  features normalised with the training split's mean/std;
 *                              chunked, shuffle + deflate
 *   /target    float32 (N)     raw target in its own units (°C), not normalised
 *   /time      int64   (N)     seconds since 1970-01-01 of the station's naive timestamp
 *   root attributes: format "hsweep-dataset", format_version 1, feature_names (F strings),
 *   target_name, mean float64 (F), std float64 (F), n_train, n_val, n_test (int64, Keras
 *   split), source_file, source_sha256 (of the uncompressed CSV), cleaning_log, created_by.
 * Strings are variable-length UTF-8 (h5py reads them as str); fixed-length strings are also
 * accepted on read. Every reader validates the file (format attribute, version, shapes,
 * split sizes, finite values) and fails with one clear line; HDF5's own error stack printing
 * is switched off for the duration of each call. Does not: window or normalise anything. */
#ifndef HS_H5DATA_H
#define HS_H5DATA_H

#include <stddef.h>
#include <stdint.h>

#include "io/dataset.h"
#include "io/hs_error.h"

#define H5DATA_FORMAT "hsweep-dataset"

typedef enum h5data_version { H5DATA_FORMAT_VERSION = 1 } h5data_version;

/* Load the whole file at path into ds (zeroed first): arrays malloc'ed and owned
 * (ds->owns_arrays = 1), names, mean, std and sha256 filled. Free with dataset_deinit.
 * Returns 0 or a negative hs_status (err filled, "path: reason"): HS_ERR_IO missing or
 * unreadable file, HS_ERR_FORMAT not HDF5 / not an hsweep dataset / wrong shapes or
 * version, HS_ERR_VALUE non-finite values or non-positive std, HS_ERR_NOMEM. On failure ds
 * is left empty. */
int h5data_load(hs_dataset *ds, const char *path, hs_error *err);

/* Like h5data_load but without the big arrays: x, y and time stay NULL, n_rows and
 * n_features are set (for MPI shared memory: one rank reads, all map). Same errors. */
int h5data_load_meta(hs_dataset *ds, const char *path, hs_error *err);

/* Read the three arrays of the file at path into caller buffers x (n_rows, n_features),
 * y (n_rows) and time (n_rows, may be NULL). n_rows and n_features must match the file.
 * Validates the file like h5data_load (format, shapes, finite x and y). Returns 0 or a
 * negative hs_status with err filled; the buffers' contents are undefined on failure. */
int h5data_read_arrays(const char *path, float *x, float *y, int64_t *time, size_t n_rows,
                       size_t n_features, hs_error *err);

/* Write ds (x, y, time, names, mean, std, split sizes, source_sha256 all required) to path
 * in the layout above, with source_file and cleaning_log (strings, may be "") as
 * attributes. The file is written to "path.tmp.<pid>" and renamed over path at the end, so
 * path is either left untouched or complete; the temporary file is removed on any failure.
 * Returns 0 or a negative hs_status (HS_ERR_IO cannot create/write/rename, with the path and
 * the system's reason; HS_ERR_VALUE inconsistent ds; HS_ERR_NOMEM). */
int h5data_write(const char *path, const hs_dataset *ds, const char *source_file,
                 const char *cleaning_log, hs_error *err);

#endif
