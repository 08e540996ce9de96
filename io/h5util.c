/* h5util: shared HDF5 helpers (see h5util.h).
 *
 * Handles start invalid and are closed under one cleanup label; nothing here switches the
 * error stack off by itself. */
#define _POSIX_C_SOURCE 200809L
#include "io/h5util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/rundir.h"

/* ---- error stack ------------------------------------------------------------------------ */

void h5util_quiet_on(h5util_quiet *q) {
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void h5util_quiet_off(const h5util_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

/* ---- ids and types ---------------------------------------------------------------------- */

void h5util_close(hid_t id) {
    if (id < 0) return;
    switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
    }
}

hid_t h5util_str_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* ---- writing attributes ------------------------------------------------------------------ */

int h5util_put_numbers(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v,
                       hsize_t n) {
    int rc = -1;
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), a = H5I_INVALID_HID;
    if (sp < 0) goto done;
    a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, mtype, v) < 0) goto done;
    rc = 0;
done:
    h5util_close(a);
    h5util_close(sp);
    return rc;
}

int h5util_put_strings(hid_t loc, const char *name, const char *const *s, hsize_t n) {
    hid_t t = h5util_str_type();
    /* the string type is both the file and the memory type */
    int rc = t < 0 ? -1 : h5util_put_numbers(loc, name, t, t, s, n);
    h5util_close(t);
    return rc;
}

int h5util_put_string(hid_t loc, const char *name, const char *s) {
    return h5util_put_strings(loc, name, &s, 0);
}

/* ---- reading attributes ------------------------------------------------------------------ */

hssize_t h5util_attr_count(hid_t a) {
    hid_t sp = H5Aget_space(a);
    if (sp < 0) return -1;
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    int rank = H5Sget_simple_extent_ndims(sp);
    H5Sclose(sp);
    return rank > 1 ? -1 : n;
}

int h5util_get_strings(hid_t loc, const char *path, const char *where, const char *name,
                       char **out, size_t want, hs_error *err) {
    int rc = HS_OK;
    size_t n = want ? want : 1;
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    char **vl = NULL, *fixed = NULL;
    if (H5Aexists(loc, name) <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing attribute '%s%s'", where, name);
        goto done;
    }
    a = H5Aopen(loc, name, H5P_DEFAULT);
    ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING ||
        h5util_attr_count(a) != (hssize_t)n) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "attribute '%s%s' is not %zu string(s)",
                          where, name, n);
        goto done;
    }
    if (H5Tis_variable_str(ft) > 0) {
        mt = h5util_str_type();
        vl = calloc(n, sizeof *vl);
        if (mt < 0 || !vl || H5Aread(a, mt, vl) < 0) {
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s%s'",
                              where, name);
            goto done;
        }
        for (size_t i = 0; i < n && rc == HS_OK; i++) {
            const char *s = vl[i] ? vl[i] : "";
            if (!(out[i] = malloc(strlen(s) + 1)))
                rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
            else strcpy(out[i], s);
        }
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
    } else {
        size_t sz = H5Tget_size(ft) + 1;
        mt = H5Tcopy(H5T_C_S1);
        fixed = calloc(n, sz);
        if (mt < 0 || !fixed || H5Tset_size(mt, sz) < 0 ||
            H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 || H5Aread(a, mt, fixed) < 0) {
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s%s'",
                              where, name);
            goto done;
        }
        for (size_t i = 0; i < n && rc == HS_OK; i++) {
            if (!(out[i] = malloc(sz))) {
                rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
            } else {
                memcpy(out[i], fixed + i * sz, sz);
                out[i][sz - 1] = '\0';
            }
        }
    }
done:
    free(vl);
    free(fixed);
    h5util_close(mt);
    h5util_close(ft);
    h5util_close(sp);
    h5util_close(a);
    return rc;
}

int h5util_get_numbers(hid_t loc, const char *path, const char *where, const char *name,
                       hid_t mt, void *out, size_t n, hs_error *err) {
    int rc = HS_OK;
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    if (H5Aexists(loc, name) <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing attribute '%s%s'", where, name);
        goto done;
    }
    a = H5Aopen(loc, name, H5P_DEFAULT);
    ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || h5util_attr_count(a) != (hssize_t)n) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "attribute '%s%s' is not %zu number(s)",
                          where, name, n);
        goto done;
    }
    if (H5Aread(a, mt, out) < 0)
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s%s'", where,
                          name);
done:
    h5util_close(ft);
    h5util_close(a);
    return rc;
}

/* ---- opening a file of a known format ---------------------------------------------------- */

int h5util_open(hid_t *f, const char *path, const h5util_format *fmt, hs_error *err) {
    char *got = NULL;
    int version = 0, rc = HS_OK;
    *f = H5I_INVALID_HID;
    FILE *probe = fopen(path, "rb");
    if (!probe) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0) return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "%s", fmt->not_hdf5);
    *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*f < 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "cannot open HDF5 file (corrupt or truncated?)");
    if (H5Aexists(*f, "format") <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "%s", fmt->no_format);
        goto done;
    }
    if ((rc = h5util_get_strings(*f, path, "", "format", &got, 0, err))) goto done;
    if (strcmp(got, fmt->name) != 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "not an %s: format is '%.100s', expected '%s'", fmt->kind, got,
                          fmt->name);
        goto done;
    }
    if ((rc = h5util_get_numbers(*f, path, "", "format_version", H5T_NATIVE_INT, &version, 1,
                                 err)))
        goto done;
    if (version != fmt->version)
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "unsupported %sformat_version %d (this hsweep reads version %d)",
                          fmt->version_prefix, version, fmt->version);
done:
    free(got);
    if (rc) {
        h5util_close(*f);
        *f = H5I_INVALID_HID;
    }
    return rc;
}

/* ---- creating files --------------------------------------------------------------------- */

int h5util_write_atomic(const char *path, int (*fill)(hid_t f, const void *ctx), const void *ctx,
                        hs_error *err) {
    rundir_atomic a;
    /* the temporary file is created first so a failure comes with the system's reason */
    if (rundir_atomic_open(&a, path, err) != 0) return HS_ERR_IO;
    int rc = 0;
    hid_t f = H5Fcreate(a.tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot create HDF5 file %s", a.tmp);
    else if (fill(f, ctx) != 0)
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "writing %s failed (disk full?)", a.tmp);
    if (f >= 0 && H5Fclose(f) < 0 && rc == 0)
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "closing %s failed (disk full?)", a.tmp);
    if (rc) {
        rundir_atomic_abort(&a);
        return rc;
    }
    /* the bytes HDF5 wrote through its own descriptor reach the disk with a's fsync */
    return rundir_atomic_commit(&a, err);
}
