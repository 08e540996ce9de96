/* h5util: shared HDF5 helpers (see h5util.h).
 *
 * Handles start invalid and are closed under one cleanup label; nothing here switches the
 * error stack off by itself. */
#define _POSIX_C_SOURCE 200809L
#include "io/h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bytes of one string attribute (all its strings together) a reader accepts: names, logs
 * and descriptions are far smaller; a larger size comes from a damaged file. */
#define H5UTIL_MAX_STRING (16u << 20)

/* Seconds the probing child may take (milliseconds on healthy files); then SIGALRM ends it
 * and the file is reported corrupt. */
#define H5UTIL_CHILD_SECONDS 20

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

/* ---- writing files ------------------------------------------------------------------------- */

/* A new, empty HDF5 file held in memory only (core driver, no backing store). */
static hid_t h5util_create_mem(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = H5I_INVALID_HID;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        f = H5Fcreate("hsweep-in-memory.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    h5util_close(fapl);
    return f;
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

/* ---- the metadata probe ------------------------------------------------------------------ */

/* HDF5 1.10 and 1.12+ name the object visit apart. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t h5util_oinfo;
#define h5util_visit(g, cb, ctx) H5Ovisit3(g, H5_INDEX_NAME, H5_ITER_NATIVE, cb, ctx, H5O_INFO_BASIC)
#else
typedef H5O_info_t h5util_oinfo;
#define h5util_visit(g, cb, ctx) H5Ovisit2(g, H5_INDEX_NAME, H5_ITER_NATIVE, cb, ctx, H5O_INFO_BASIC)
#endif

/* Objects and attributes one probe visits at most: hsweep files have a few dozen. */
#define H5UTIL_PROBE_MAX 100000

/* Limits of the probing child: no core file (a crash is expected on damaged files), the
 * default action for fatal signals, an
 * address space bounded to what it has plus 256 MiB (a damaged string length makes
 * libhdf5 allocate and clear gigabytes; not under AddressSanitizer, which reserves terabytes
 * of shadow) and H5UTIL_CHILD_SECONDS of time. */
static void h5util_child_limits(void) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    /* die by the signal itself, so the parent sees it (a sanitizer's or fuzzer's handler
     * would report the contained crash and exit with a status instead) */
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__has_feature)
#define H5UTIL_LIMIT_AS 1
#elif defined(__has_feature)
#if !__has_feature(address_sanitizer)
#define H5UTIL_LIMIT_AS 1
#endif
#endif
#ifdef H5UTIL_LIMIT_AS
    unsigned long vm_pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm && fscanf(statm, "%lu", &vm_pages) == 1) {
        struct rlimit as;
        as.rlim_cur = as.rlim_max = (rlim_t)vm_pages * (rlim_t)sysconf(_SC_PAGESIZE) +
                                    ((rlim_t)256 << 20);
        setrlimit(RLIMIT_AS, &as);
    }
    if (statm) fclose(statm);
#endif
    alarm(H5UTIL_CHILD_SECONDS);
}

/* Read attribute name of loc if it holds variable-length strings (the read libhdf5 1.10
 * crashes on when a heap reference is damaged), then free them. Counts visits in *ctx. */
static herr_t h5util_probe_attr(hid_t loc, const char *name, const H5A_info_t *info, void *ctx) {
    (void)info;
    if (++*(size_t *)ctx > H5UTIL_PROBE_MAX) return -1;
    herr_t rc = 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), ft = H5I_INVALID_HID, mt = H5I_INVALID_HID,
          sp = H5I_INVALID_HID;
    char **vl = NULL;
    ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (ft < 0 || n < 0 || n > H5UTIL_PROBE_MAX) {
        rc = -1;
        goto done;
    }
    if (H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0) {
        mt = h5util_str_type();
        vl = calloc(n ? (size_t)n : 1, sizeof *vl);
        if (mt < 0 || !vl || H5Tset_cset(mt, H5Tget_cset(ft)) < 0 || H5Aread(a, mt, vl) < 0) {
            rc = -1;
            goto done;
        }
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
    }
done:
    free(vl);
    h5util_close(mt);
    h5util_close(sp);
    h5util_close(ft);
    h5util_close(a);
    return rc;
}

/* Visit one object: its attributes, and a dataset's storage size (its chunk index). */
static herr_t h5util_probe_obj(hid_t g, const char *name, const h5util_oinfo *info, void *ctx) {
    if (++*(size_t *)ctx > H5UTIL_PROBE_MAX) return -1;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return -1;
    hsize_t idx = 0;
    herr_t rc = H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, h5util_probe_attr, ctx);
    if (rc >= 0 && info->type == H5O_TYPE_DATASET) (void)H5Dget_storage_size(o);
    H5Oclose(o);
    return rc < 0 ? -1 : 0;
}

static int h5util_check_format(hid_t f, const char *path, const h5util_format *fmt,
                               hs_error *err);

int h5util_probe(hid_t f, const char *path, const h5util_format *fmt, hs_error *err) {
    int status = 0;
    fflush(NULL); /* the child must not flush the caller's buffered output a second time */
    pid_t pid = fork();
    if (pid < 0)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot check the file: fork: %s",
                            strerror(errno));
    if (pid == 0) {
        h5util_child_limits();
        size_t visits = 0;
        if (h5util_visit(f, h5util_probe_obj, &visits) < 0) _exit(1);
        hs_error e;
        if (fmt && h5util_check_format(f, path, fmt, &e) == HS_OK && fmt->read)
            fmt->read(f, path);
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return HS_OK;
    if (WIFSIGNALED(status))
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "corrupt file: libhdf5 %s reading its metadata (signal %d)",
                            WTERMSIG(status) == SIGALRM ? "hung" : "crashed", WTERMSIG(status));
    return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                        "corrupt file: its metadata cannot be read (or has over %d objects)",
                        H5UTIL_PROBE_MAX);
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
        /* safe: h5util_open's probe has read this attribute in a child without crashing */
        mt = h5util_str_type();
        vl = calloc(n, sizeof *vl);
        if (mt < 0 || !vl || H5Tset_cset(mt, H5Tget_cset(ft)) < 0 || H5Aread(a, mt, vl) < 0) {
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "cannot read attribute '%s%s'",
                              where, name);
            goto done;
        }
        for (size_t i = 0; i < n && rc == HS_OK; i++) {
            const char *str = vl[i] ? vl[i] : "";
            if (!(out[i] = malloc(strlen(str) + 1)))
                rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
            else strcpy(out[i], str);
        }
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
    } else {
        size_t sz = H5Tget_size(ft) + 1;
        if (sz < 2 || sz > H5UTIL_MAX_STRING || n > H5UTIL_MAX_STRING / sz) {
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                              "attribute '%s%s' has %zu strings of %zu bytes (corrupt file?)",
                              where, name, n, sz - 1);
            goto done;
        }
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

/* ---- datasets ----------------------------------------------------------------------------- */

int h5util_check_storage(hid_t d, const char *path, const char *name, hsize_t elems,
                         hs_error *err) {
    hid_t t = H5Dget_type(d), pl = H5Dget_create_plist(d);
    size_t esize = t >= 0 ? H5Tget_size(t) : 0;
    int nfilters = pl >= 0 ? H5Pget_nfilters(pl) : -1;
    hsize_t stored = H5Dget_storage_size(d);
    h5util_close(pl);
    h5util_close(t);
    if (esize == 0 || esize > 16 || nfilters < 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "dataset '/%s' has an unreadable type or layout (corrupt file?)",
                            name);
    hsize_t ratio = nfilters > 0 ? H5UTIL_MAX_RATIO : 1;
    /* declared = elems * esize and the bound stored * ratio, both without wrap-around */
    int declared_ok = elems <= (hsize_t)-1 / esize;
    hsize_t declared = declared_ok ? elems * esize : 0;
    hsize_t bound = stored <= (hsize_t)-1 / ratio ? stored * ratio : (hsize_t)-1;
    if (!declared_ok || declared > bound)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "dataset '/%s' declares %llu elements of %zu bytes but stores "
                            "%llu bytes (corrupt or crafted file)", name,
                            (unsigned long long)elems, esize, (unsigned long long)stored);
    return HS_OK;
}

/* ---- opening a file of a known format ---------------------------------------------------- */

/* The root's `format` and `format_version` of open file f against fmt (messages as
 * described at h5util_open). */
static int h5util_check_format(hid_t f, const char *path, const h5util_format *fmt,
                               hs_error *err) {
    char *got = NULL;
    int version = 0, rc = HS_OK;
    if (H5Aexists(f, "format") <= 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "%s", fmt->no_format);
        goto done;
    }
    if ((rc = h5util_get_strings(f, path, "", "format", &got, 0, err))) goto done;
    if (strcmp(got, fmt->name) != 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "not an %s: format is '%.100s', expected '%s'", fmt->kind, got,
                          fmt->name);
        goto done;
    }
    if ((rc = h5util_get_numbers(f, path, "", "format_version", H5T_NATIVE_INT, &version, 1,
                                 err)))
        goto done;
    if (version != fmt->version)
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "unsupported %sformat_version %d (this hsweep reads version %d)",
                          fmt->version_prefix, version, fmt->version);
done:
    free(got);
    return rc;
}

int h5util_open(hid_t *f, const char *path, const h5util_format *fmt, hs_error *err) {
    int rc = HS_OK;
    *f = H5I_INVALID_HID;
    FILE *probe = fopen(path, "rb");
    if (!probe) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0) return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "%s", fmt->not_hdf5);
    *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*f < 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "cannot open HDF5 file (corrupt or truncated?)");
    if ((rc = h5util_probe(*f, path, fmt, err)) == HS_OK) rc = h5util_check_format(*f, path, fmt, err);
    if (rc) {
        h5util_close(*f);
        *f = H5I_INVALID_HID;
    }
    return rc;
}

/* ---- creating files --------------------------------------------------------------------- */

int h5util_write_atomic(const char *path, int (*fill)(hid_t f, const void *ctx), const void *ctx,
                        hs_error *err) {
    /* built in memory, so libhdf5 never writes to disk itself: a full disk cannot lose a
     * buffered chunk silently or leave it a file whose failed close crashes it at exit */
    int rc = HS_OK;
    unsigned char *img = NULL;
    hid_t f = h5util_create_mem();
    if (f < 0 || fill(f, ctx) != 0 || H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "building the HDF5 file in memory "
                          "failed (out of memory?)");
        goto done;
    }
    ssize_t n = H5Fget_file_image(f, NULL, 0);
    img = n > 0 ? malloc((size_t)n) : NULL;
    if (!img || H5Fget_file_image(f, img, (size_t)n) != n) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory for the file image");
        goto done;
    }
    h5util_close(f);
    f = H5I_INVALID_HID;
    rc = rundir_write_atomic(path, img, (size_t)n, err);
done:
    h5util_close(f);
    free(img);
    return rc;
}
