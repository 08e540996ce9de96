/* h5data: read and write the prepared-dataset HDF5 file (see h5data.h).
 *
 * Every public function silences HDF5's automatic error printing for its duration (and
 * restores the caller's setting), opens handles that start invalid and closes them under a
 * single cleanup label. */
#define _POSIX_C_SOURCE 200809L
#include "io/h5data.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HSWEEP_VERSION
#define HSWEEP_VERSION "unknown"
#endif
#ifndef HSWEEP_GIT_REV
#define HSWEEP_GIT_REV "unknown"
#endif

/* ---- silencing HDF5's error stack ------------------------------------------------------ */

typedef struct h5data_quiet {
    H5E_auto2_t func;                /* caller's automatic error handler */
    void *data;                      /* its client data */
} h5data_quiet;

static void h5data_quiet_on(h5data_quiet *q) {
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void h5data_quiet_off(const h5data_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

static void h5data_close_id(hid_t id) {
    if (id < 0) return;
    switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
    }
}

/* ---- writing --------------------------------------------------------------------------- */

static hid_t h5data_str_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* Write n (>= 1) strings as attribute name; n == 0 means one scalar string. */
static int h5data_put_strings(hid_t loc, const char *name, const char *const *s, hsize_t n) {
    int rc = -1;
    hid_t t = h5data_str_type(), sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
    if (t < 0) goto done;
    sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (sp < 0) goto done;
    a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, s) < 0) goto done;
    rc = 0;
done:
    h5data_close_id(a);
    h5data_close_id(sp);
    h5data_close_id(t);
    return rc;
}

/* Write n numbers of memory type mtype as attribute name of file type ftype (n == 0: scalar). */
static int h5data_put_numbers(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                              const void *v, hsize_t n) {
    int rc = -1;
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), a = H5I_INVALID_HID;
    if (sp < 0) goto done;
    a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, mtype, v) < 0) goto done;
    rc = 0;
done:
    h5data_close_id(a);
    h5data_close_id(sp);
    return rc;
}

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
    rc = 0;
done:
    h5data_close_id(d);
    h5data_close_id(pl);
    h5data_close_id(sp);
    return rc;
}

static int h5data_write_file(hid_t f, const hs_dataset *ds, const char *source_file,
                             const char *cleaning_log) {
    hsize_t N = ds->n_rows, F = ds->n_features, dims[2] = {N, F};
    const char *fmt = H5DATA_FORMAT, *tname = ds->target_name, *sha = ds->source_sha256;
    char created[256];
    snprintf(created, sizeof created, "hsweep %s (%s) prep", HSWEEP_VERSION, HSWEEP_GIT_REV);
    const char *cp = created;
    int version = H5DATA_FORMAT_VERSION;
    int64_t split[3] = {(int64_t)ds->n_train, (int64_t)ds->n_val, (int64_t)ds->n_test};
    static const char *split_names[3] = {"n_train", "n_val", "n_test"};
    if (h5data_put_array(f, "features", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, ds->x) ||
        h5data_put_array(f, "target", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, ds->y) ||
        h5data_put_array(f, "time", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, ds->time))
        return -1;
    if (h5data_put_strings(f, "format", &fmt, 0) ||
        h5data_put_numbers(f, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, &version, 0) ||
        h5data_put_strings(f, "feature_names", (const char *const *)ds->feature_names, F) ||
        h5data_put_strings(f, "target_name", &tname, 0) ||
        h5data_put_numbers(f, "mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ds->mean, F) ||
        h5data_put_numbers(f, "std", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ds->std, F) ||
        h5data_put_strings(f, "source_file", &source_file, 0) ||
        h5data_put_strings(f, "source_sha256", &sha, 0) ||
        h5data_put_strings(f, "cleaning_log", &cleaning_log, 0) ||
        h5data_put_strings(f, "created_by", &cp, 0))
        return -1;
    for (int s = 0; s < 3; s++)
        if (h5data_put_numbers(f, split_names[s], H5T_STD_I64LE, H5T_NATIVE_INT64, &split[s], 0))
            return -1;
    return 0;
}

int h5data_write(const char *path, const hs_dataset *ds, const char *source_file,
                 const char *cleaning_log, hs_error *err) {
    int rc = HS_OK, created = 0;
    hid_t f = H5I_INVALID_HID;
    h5data_quiet q;
    char *tmp = NULL;
    h5data_quiet_on(&q);
    if (!ds->x || !ds->y || !ds->time || !ds->feature_names || !ds->target_name || !ds->mean ||
        !ds->std || ds->n_rows == 0 || ds->n_features == 0 ||
        ds->n_train + ds->n_val + ds->n_test != ds->n_rows) {
        rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "internal: incomplete dataset to write");
        goto done;
    }
    size_t len = strlen(path) + 32;
    tmp = malloc(len);
    if (!tmp) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    /* create the file ourselves first so a failure comes with the system's reason */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot create output file %s: %s", tmp,
                          strerror(errno));
        goto done;
    }
    close(fd);
    created = 1;
    f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot create HDF5 file %s", tmp);
        goto done;
    }
    if (h5data_write_file(f, ds, source_file ? source_file : "",
                          cleaning_log ? cleaning_log : "")) {
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "writing %s failed (disk full?)", tmp);
        goto done;
    }
    hid_t fc = f;
    f = H5I_INVALID_HID;
    if (H5Fclose(fc) < 0) {
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "closing %s failed (disk full?)", tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot rename %s to the output: %s", tmp,
                          strerror(errno));
        goto done;
    }
    created = 0;
done:
    h5data_close_id(f);
    if (created) remove(tmp);
    free(tmp);
    h5data_quiet_off(&q);
    return rc;
}

/* ---- reading --------------------------------------------------------------------------- */

/* Number of elements of attribute a (scalar = 1), or -1. */
static hssize_t h5data_attr_count(hid_t a) {
    hid_t sp = H5Aget_space(a);
    if (sp < 0) return -1;
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    int rank = H5Sget_simple_extent_ndims(sp);
    H5Sclose(sp);
    return rank > 1 ? -1 : n;
}

/* Read string attribute `name` with exactly n elements (want_n 0: scalar or 1 element) into
 * out[0..n) as malloc'ed strings. Returns 0, or fills err and returns its code. */
static int h5data_get_strings(hid_t f, const char *path, const char *name, char **out,
                              size_t want_n, hs_error *err) {
    int rc = HS_OK;
    size_t n = want_n ? want_n : 1;
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    char **vl = NULL, *fixed = NULL;
    if (H5Aexists(f, name) <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing attribute '%s'", name);
        goto done;
    }
    a = H5Aopen(f, name, H5P_DEFAULT);
    ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING || h5data_attr_count(a) != (hssize_t)n) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "attribute '%s' is not %zu string(s)", name, n);
        goto done;
    }
    if (H5Tis_variable_str(ft) > 0) {
        mt = h5data_str_type();
        vl = calloc(n, sizeof *vl);
        if (mt < 0 || !vl || H5Aread(a, mt, vl) < 0) {
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s'", name);
            goto done;
        }
        for (size_t i = 0; i < n && rc == HS_OK; i++) {
            const char *s = vl[i] ? vl[i] : "";
            out[i] = malloc(strlen(s) + 1);
            if (!out[i]) rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
            else strcpy(out[i], s);
        }
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
    } else {
        size_t sz = H5Tget_size(ft) + 1;
        mt = H5Tcopy(H5T_C_S1);
        fixed = calloc(n, sz);
        if (mt < 0 || !fixed || H5Tset_size(mt, sz) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
            H5Aread(a, mt, fixed) < 0) {
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s'", name);
            goto done;
        }
        for (size_t i = 0; i < n && rc == HS_OK; i++) {
            out[i] = malloc(sz);
            if (!out[i]) rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
            else memcpy(out[i], fixed + i * sz, sz), out[i][sz - 1] = '\0';
        }
    }
done:
    free(vl);
    free(fixed);
    h5data_close_id(mt);
    h5data_close_id(ft);
    h5data_close_id(sp);
    h5data_close_id(a);
    return rc;
}

/* Read numeric attribute `name` with exactly n elements (n 1 also accepts a scalar) as
 * memory type mt into out. */
static int h5data_get_numbers(hid_t f, const char *path, const char *name, hid_t mt, void *out,
                              size_t n, hs_error *err) {
    int rc = HS_OK;
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    if (H5Aexists(f, name) <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing attribute '%s'", name);
        goto done;
    }
    a = H5Aopen(f, name, H5P_DEFAULT);
    ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || h5data_attr_count(a) != (hssize_t)n) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "attribute '%s' is not %zu number(s)",
                          name, n);
        goto done;
    }
    if (H5Aread(a, mt, out) < 0)
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s'", name);
done:
    h5data_close_id(ft);
    h5data_close_id(a);
    return rc;
}

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
    if (dims[0] != want[0] || (rank == 2 && dims[1] != want[1])) {
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
    h5data_close_id(t);
    h5data_close_id(sp);
    if (rc) {
        h5data_close_id(*d);
        *d = H5I_INVALID_HID;
    }
    return rc;
}

/* Open path as an hsweep dataset file: exists, is HDF5, has format "hsweep-dataset" v1. */
static int h5data_open(hid_t *f, const char *path, hs_error *err) {
    char *fmt = NULL;
    int version = 0, rc = HS_OK;
    *f = H5I_INVALID_HID;
    FILE *probe = fopen(path, "rb");
    if (!probe) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "not an HDF5 file (make one with hsweep prep)");
    *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*f < 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot open HDF5 file (corrupt or truncated?)");
    if (H5Aexists(*f, "format") <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "not an hsweep dataset: no 'format' attribute (make one with hsweep prep)");
        goto done;
    }
    if ((rc = h5data_get_strings(*f, path, "format", &fmt, 0, err))) goto done;
    if (strcmp(fmt, H5DATA_FORMAT) != 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "not an hsweep dataset: format is '%.100s', expected '%s'", fmt,
                          H5DATA_FORMAT);
        goto done;
    }
    if ((rc = h5data_get_numbers(*f, path, "format_version", H5T_NATIVE_INT, &version, 1, err)))
        goto done;
    if (version != H5DATA_FORMAT_VERSION)
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "unsupported format_version %d (this hsweep reads version %d)", version,
                          H5DATA_FORMAT_VERSION);
done:
    free(fmt);
    if (rc) {
        H5Fclose(*f);
        *f = H5I_INVALID_HID;
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
    hssize_t nf = h5data_attr_count(a);
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
    ds->n_rows = (size_t)dims[0];
    if (ds->n_rows == 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "dataset '/features' has no rows");
        goto done;
    }
    ds->feature_names = calloc(ds->n_features, sizeof *ds->feature_names);
    ds->mean = malloc(ds->n_features * sizeof *ds->mean);
    ds->std = malloc(ds->n_features * sizeof *ds->std);
    if (!ds->feature_names || !ds->mean || !ds->std) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if ((rc = h5data_get_strings(f, path, "feature_names", ds->feature_names, ds->n_features, err)) ||
        (rc = h5data_get_strings(f, path, "target_name", &ds->target_name, 0, err)) ||
        (rc = h5data_get_numbers(f, path, "mean", H5T_NATIVE_DOUBLE, ds->mean, ds->n_features, err)) ||
        (rc = h5data_get_numbers(f, path, "std", H5T_NATIVE_DOUBLE, ds->std, ds->n_features, err)))
        goto done;
    for (size_t i = 0; i < ds->n_features; i++)
        if (!isfinite(ds->mean[i]) || !isfinite(ds->std[i]) || !(ds->std[i] > 0)) {
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "feature '%s' has mean %g and std %g: need finite values, std > 0",
                              ds->feature_names[i], ds->mean[i], ds->std[i]);
            goto done;
        }
    for (int s = 0; s < 3; s++)
        if ((rc = h5data_get_numbers(f, path, split_names[s], H5T_NATIVE_INT64, &split[s], 1, err)))
            goto done;
    if (split[0] < 1 || split[1] < 1 || split[2] < 1 ||
        (uint64_t)split[0] + (uint64_t)split[1] + (uint64_t)split[2] != (uint64_t)ds->n_rows) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "split sizes %lld + %lld + %lld do not add up to the %zu rows",
                          (long long)split[0], (long long)split[1], (long long)split[2], ds->n_rows);
        goto done;
    }
    ds->n_train = (size_t)split[0];
    ds->n_val = (size_t)split[1];
    ds->n_test = (size_t)split[2];
    if ((rc = h5data_get_strings(f, path, "source_sha256", &sha, 0, err))) goto done;
    snprintf(ds->source_sha256, sizeof ds->source_sha256, "%s", sha);
done:
    free(sha);
    h5data_close_id(sp);
    h5data_close_id(d);
    h5data_close_id(a);
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
    h5data_close_id(dx);
    h5data_close_id(dy);
    h5data_close_id(dt);
    return rc;
}

int h5data_load_meta(hs_dataset *ds, const char *path, hs_error *err) {
    hid_t f = H5I_INVALID_HID;
    h5data_quiet q;
    h5data_quiet_on(&q);
    memset(ds, 0, sizeof *ds);
    int rc = h5data_open(&f, path, err);
    if (rc == HS_OK) rc = h5data_meta(f, ds, path, err);
    h5data_close_id(f);
    if (rc) dataset_deinit(ds);
    h5data_quiet_off(&q);
    return rc;
}

int h5data_read_arrays(const char *path, float *x, float *y, int64_t *time, size_t n_rows,
                       size_t n_features, hs_error *err) {
    hid_t f = H5I_INVALID_HID;
    h5data_quiet q;
    h5data_quiet_on(&q);
    int rc = h5data_open(&f, path, err);
    if (rc == HS_OK) rc = h5data_arrays(f, path, x, y, time, n_rows, n_features, err);
    h5data_close_id(f);
    h5data_quiet_off(&q);
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
