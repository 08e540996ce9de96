/* h5data: read and write the prepared-dataset HDF5 file (see h5data.h).
 *
 * Every public function silences HDF5's automatic error printing for its duration (and
 * restores the caller's setting), opens handles that start invalid and closes them under a
 * single cleanup label. The attribute helpers and the format check live in io/h5util.h. */
#define _POSIX_C_SOURCE 200809L
#include "io/h5data.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5util.h"

#ifndef HSWEEP_VERSION
#define HSWEEP_VERSION "unknown"
#endif
#ifndef HSWEEP_GIT_REV
#define HSWEEP_GIT_REV "unknown"
#endif

/* ---- writing --------------------------------------------------------------------------- */

/* Write a chunked, shuffled, deflated dataset of rank 1 or 2. */
static int h5data_put_array(hid_t file, const char *name, hid_t ftype, hid_t mtype, int rank,
                            const hsize_t *dims, const void *buf) {
    int rc = -1;
    hid_t sp = H5I_INVALID_HID, pl = H5I_INVALID_HID, d = H5I_INVALID_HID;
    hsize_t chunk[2] = {dims[0] < 16384 ? dims[0] : 16384, rank == 2 ? dims[1] : 1};
    sp = H5Screate_simple(rank, dims, NULL);
    pl = H5Pcreate(H5P_DATASET_CREATE);
    if (sp < 0 || pl < 0) goto done;
    if (H5Pset_chunk(pl, rank, chunk) < 0 || H5Pset_shuffle(pl) < 0 || H5Pset_deflate(pl, 4) < 0)
        goto done;
    d = H5Dcreate2(file, name, ftype, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) goto done;
    /* closing flushes the chunk cache: a write that fails here (disk full) fails the file */
    hid_t dc = d;
    d = H5I_INVALID_HID;
    if (H5Dclose(dc) < 0) goto done;
    rc = 0;
done:
    h5util_close(d);
    h5util_close(pl);
    h5util_close(sp);
    return rc;
}

static int h5data_write_file(hid_t f, const hs_dataset *ds, const char *source_file,
                             const char *cleaning_log) {
    hsize_t N = ds->n_rows, F = ds->n_features, dims[2] = {N, F};
    char created[256];
    snprintf(created, sizeof created, "hsweep %s (%s) prep", HSWEEP_VERSION, HSWEEP_GIT_REV);
    int version = H5DATA_FORMAT_VERSION;
    int64_t split[3] = {(int64_t)ds->n_train, (int64_t)ds->n_val, (int64_t)ds->n_test};
    static const char *split_names[3] = {"n_train", "n_val", "n_test"};
    if (h5data_put_array(f, "features", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, ds->x) ||
        h5data_put_array(f, "target", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, ds->y) ||
        h5data_put_array(f, "time", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, ds->time))
        return -1;
    if (h5util_put_string(f, "format", H5DATA_FORMAT) ||
        h5util_put_numbers(f, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, &version, 0) ||
        h5util_put_strings(f, "feature_names", (const char *const *)ds->feature_names, F) ||
        h5util_put_string(f, "target_name", ds->target_name) ||
        h5util_put_numbers(f, "mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ds->mean, F) ||
        h5util_put_numbers(f, "std", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ds->std, F) ||
        h5util_put_string(f, "source_file", source_file) ||
        h5util_put_string(f, "source_sha256", ds->source_sha256) ||
        h5util_put_string(f, "cleaning_log", cleaning_log) ||
        h5util_put_string(f, "created_by", created))
        return -1;
    for (int s = 0; s < 3; s++)
        if (h5util_put_numbers(f, split_names[s], H5T_STD_I64LE, H5T_NATIVE_INT64, &split[s], 0))
            return -1;
    return 0;
}

/* h5data_write_file's arguments, for h5util_write_atomic. */
typedef struct h5data_fill_ctx {
    const hs_dataset *ds;     /* the dataset */
    const char *source_file;  /* CSV it came from */
    const char *cleaning_log; /* what prep did */
} h5data_fill_ctx;

static int h5data_fill(hid_t f, const void *ctx) {
    const h5data_fill_ctx *c = ctx;
    return h5data_write_file(f, c->ds, c->source_file, c->cleaning_log);
}

int h5data_write(const char *path, const hs_dataset *ds, const char *source_file,
                 const char *cleaning_log, hs_error *err) {
    if (!ds->x || !ds->y || !ds->time || !ds->feature_names || !ds->target_name || !ds->mean ||
        !ds->std || ds->n_rows == 0 || ds->n_features == 0 ||
        ds->n_train + ds->n_val + ds->n_test != ds->n_rows)
        return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "internal: incomplete dataset to write");
    h5util_quiet q;
    h5util_quiet_on(&q);
    h5data_fill_ctx ctx = {ds, source_file ? source_file : "", cleaning_log ? cleaning_log : ""};
    int rc = h5util_write_atomic(path, h5data_fill, &ctx, err);
    h5util_quiet_off(&q);
    return rc;
}

/* ---- reading --------------------------------------------------------------------------- */

/* What h5util_open checks of a dataset file, and its messages. */
static int h5data_probe_read(hid_t f, const char *path);
static const h5util_format h5data_fmt = {
    .name = H5DATA_FORMAT,
    .version = H5DATA_FORMAT_VERSION,
    .kind = "hsweep dataset",
    .not_hdf5 = "not an HDF5 file (make one with hsweep prep)",
    .no_format = "not an hsweep dataset: no 'format' attribute (make one with hsweep prep)",
    .version_prefix = "",
    .read = h5data_probe_read,
};

/* Check that dataset `name` exists with the given rank and dims (dims[1] ignored for rank 1)
 * and a numeric class; return its id in *d. */
static int h5data_open_array(hid_t f, const char *path, const char *name, int rank,
                             const hsize_t *want, hid_t *d, hs_error *err) {
    int rc = HS_OK;
    hid_t sp = H5I_INVALID_HID, t = H5I_INVALID_HID;
    hsize_t dims[2] = {0, 0};
    *d = H5I_INVALID_HID;
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0 || (*d = H5Dopen2(f, name, H5P_DEFAULT)) < 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing dataset '/%s'", name);
        goto done;
    }
    sp = H5Dget_space(*d);
    t = H5Dget_type(*d);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != rank || (cls != H5T_INTEGER && cls != H5T_FLOAT)) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "dataset '/%s' is not a %dD numeric array",
                          name, rank);
        goto done;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    if (dims[0] == want[0] && (rank == 1 || dims[1] == want[1])) {
        rc = h5util_check_storage(*d, path, name, rank == 2 ? dims[0] * dims[1] : dims[0], err);
    } else {
        if (rank == 2)
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                              "dataset '/%s' has shape (%llu, %llu), expected (%llu, %llu)", name,
                              (unsigned long long)dims[0], (unsigned long long)dims[1],
                              (unsigned long long)want[0], (unsigned long long)want[1]);
        else
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                              "dataset '/%s' has %llu rows, expected %llu", name,
                              (unsigned long long)dims[0], (unsigned long long)want[0]);
    }
done:
    h5util_close(t);
    h5util_close(sp);
    if (rc) {
        h5util_close(*d);
        *d = H5I_INVALID_HID;
    }
    return rc;
}

/* Read the metadata of an open file into ds (zeroed by the caller). */
static int h5data_meta(hid_t f, hs_dataset *ds, const char *path, hs_error *err) {
    int rc = HS_OK;
    hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
    hsize_t dims[2] = {0, 0};
    char *sha = NULL;
    int64_t split[3];
    static const char *split_names[3] = {"n_train", "n_val", "n_test"};
    /* F from feature_names, N from /features */
    if (H5Aexists(f, "feature_names") <= 0 || (a = H5Aopen(f, "feature_names", H5P_DEFAULT)) < 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing attribute 'feature_names'");
        goto done;
    }
    hssize_t nf = h5util_attr_count(a);
    if (nf < 1) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "attribute 'feature_names' is empty");
        goto done;
    }
    ds->n_features = (size_t)nf;
    if (H5Lexists(f, "features", H5P_DEFAULT) <= 0 || (d = H5Dopen2(f, "features", H5P_DEFAULT)) < 0 ||
        (sp = H5Dget_space(d)) < 0 || H5Sget_simple_extent_ndims(sp) != 2) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing or non-2D dataset '/features'");
        goto done;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    if (dims[0] == 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "dataset '/features' has no rows");
        goto done;
    }
    if (dims[1] != (hsize_t)nf) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "dataset '/features' has %llu columns but %lld feature names",
                          (unsigned long long)dims[1], (long long)nf);
        goto done;
    }
    /* rows x columns must fit in size_t and in the bytes the file stores: every reader
     * allocates (or maps shared memory) for this shape */
    if (dims[0] > SIZE_MAX / sizeof(float) / dims[1] ||
        (rc = h5util_check_storage(d, path, "features", dims[0] * dims[1], err))) {
        if (!rc)
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                              "dataset '/features' declares (%llu, %llu): too large",
                              (unsigned long long)dims[0], (unsigned long long)dims[1]);
        goto done;
    }
    ds->n_rows = (size_t)dims[0];
    ds->feature_names = calloc(ds->n_features, sizeof *ds->feature_names);
    ds->mean = malloc(ds->n_features * sizeof *ds->mean);
    ds->std = malloc(ds->n_features * sizeof *ds->std);
    if (!ds->feature_names || !ds->mean || !ds->std) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if ((rc = h5util_get_strings(f, path, "", "feature_names", ds->feature_names, ds->n_features, err)) ||
        (rc = h5util_get_strings(f, path, "", "target_name", &ds->target_name, 0, err)) ||
        (rc = h5util_get_numbers(f, path, "", "mean", H5T_NATIVE_DOUBLE, ds->mean, ds->n_features, err)) ||
        (rc = h5util_get_numbers(f, path, "", "std", H5T_NATIVE_DOUBLE, ds->std, ds->n_features, err)))
        goto done;
    for (size_t i = 0; i < ds->n_features; i++)
        if (!isfinite(ds->mean[i]) || !isfinite(ds->std[i]) || !(ds->std[i] > 0)) {
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "feature '%s' has mean %g and std %g: need finite values, std > 0",
                              ds->feature_names[i], ds->mean[i], ds->std[i]);
            goto done;
        }
    for (int s = 0; s < 3; s++)
        if ((rc = h5util_get_numbers(f, path, "", split_names[s], H5T_NATIVE_INT64, &split[s], 1, err)))
            goto done;
    /* each size in [1, rows] before adding, so the sum cannot wrap around */
    int split_ok = 1;
    for (int s = 0; s < 3; s++)
        if (split[s] < 1 || (uint64_t)split[s] > (uint64_t)ds->n_rows) split_ok = 0;
    if (!split_ok ||
        (uint64_t)split[0] + (uint64_t)split[1] + (uint64_t)split[2] != (uint64_t)ds->n_rows) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "split sizes %lld + %lld + %lld do not add up to the %zu rows",
                          (long long)split[0], (long long)split[1], (long long)split[2], ds->n_rows);
        goto done;
    }
    ds->n_train = (size_t)split[0];
    ds->n_val = (size_t)split[1];
    ds->n_test = (size_t)split[2];
    if ((rc = h5util_get_strings(f, path, "", "source_sha256", &sha, 0, err))) goto done;
    snprintf(ds->source_sha256, sizeof ds->source_sha256, "%s", sha);
done:
    free(sha);
    h5util_close(sp);
    h5util_close(d);
    h5util_close(a);
    return rc;
}

/* Read and validate the three arrays of an open file. */
static int h5data_arrays(hid_t f, const char *path, float *x, float *y, int64_t *time,
                         size_t n_rows, size_t n_features, hs_error *err) {
    int rc = HS_OK;
    hid_t dx = H5I_INVALID_HID, dy = H5I_INVALID_HID, dt = H5I_INVALID_HID;
    hsize_t want[2] = {n_rows, n_features};
    if ((rc = h5data_open_array(f, path, "features", 2, want, &dx, err)) ||
        (rc = h5data_open_array(f, path, "target", 1, want, &dy, err)) ||
        (rc = h5data_open_array(f, path, "time", 1, want, &dt, err)))
        goto done;
    if (H5Dread(dx, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0 ||
        H5Dread(dy, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) < 0 ||
        (time && H5Dread(dt, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, time) < 0)) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read the data (corrupt file?)");
        goto done;
    }
    for (size_t i = 0; i < n_rows * n_features; i++)
        if (!isfinite(x[i])) {
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "'/features' has a non-finite value at row %zu, column %zu",
                              i / n_features, i % n_features);
            goto done;
        }
    for (size_t i = 0; i < n_rows; i++)
        if (!isfinite(y[i])) {
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "'/target' has a non-finite value at row %zu", i);
            goto done;
        }
done:
    h5util_close(dx);
    h5util_close(dy);
    h5util_close(dt);
    return rc;
}

/* h5util_open's probe: the metadata reads and the array checks in the probing child (the
 * arrays themselves are not read twice; results dropped: the child exits). */
static int h5data_probe_read(hid_t f, const char *path) {
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    hs_error e;
    int rc = h5data_meta(f, &ds, path, &e);
    hsize_t want[2] = {ds.n_rows, ds.n_features};
    static const char *names[3] = {"features", "target", "time"};
    for (int k = 0; k < 3 && rc == HS_OK; k++) {
        hid_t d = H5I_INVALID_HID;
        rc = h5data_open_array(f, path, names[k], k ? 1 : 2, want, &d, &e);
        h5util_close(d);
    }
    return rc;
}

int h5data_load_meta(hs_dataset *ds, const char *path, hs_error *err) {
    hid_t f = H5I_INVALID_HID;
    h5util_quiet q;
    h5util_quiet_on(&q);
    memset(ds, 0, sizeof *ds);
    int rc = h5util_open(&f, path, &h5data_fmt, err);
    if (rc == HS_OK) rc = h5data_meta(f, ds, path, err);
    h5util_close(f);
    if (rc) dataset_deinit(ds);
    h5util_quiet_off(&q);
    return rc;
}

int h5data_read_arrays(const char *path, float *x, float *y, int64_t *time, size_t n_rows,
                       size_t n_features, hs_error *err) {
    hid_t f = H5I_INVALID_HID;
    h5util_quiet q;
    h5util_quiet_on(&q);
    int rc = h5util_open(&f, path, &h5data_fmt, err);
    if (rc == HS_OK) rc = h5data_arrays(f, path, x, y, time, n_rows, n_features, err);
    h5util_close(f);
    h5util_quiet_off(&q);
    return rc;
}

int h5data_load(hs_dataset *ds, const char *path, hs_error *err) {
    int rc = h5data_load_meta(ds, path, err);
    if (rc) return rc;
    size_t N = ds->n_rows, F = ds->n_features;
    if (F > SIZE_MAX / sizeof(float) / N) {
        dataset_deinit(ds);
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "dataset too large");
    }
    ds->x = malloc(N * F * sizeof *ds->x);
    ds->y = malloc(N * sizeof *ds->y);
    ds->time = malloc(N * sizeof *ds->time);
    ds->owns_arrays = 1;
    if (!ds->x || !ds->y || !ds->time) {
        dataset_deinit(ds);
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    }
    rc = h5data_read_arrays(path, ds->x, ds->y, ds->time, N, F, err);
    if (rc) dataset_deinit(ds);
    return rc;
}
