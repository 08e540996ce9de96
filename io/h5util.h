/* h5util: the small HDF5 helpers that io/h5data.c and io/modelio.c share.
 *
 * Silencing HDF5's automatic error printing around a call, closing any id by its type,
 * the variable-length UTF-8 string type, writing string and numeric attributes, reading
 * them back with validation (class, element count) into messages of the form
 * "path: missing attribute 'where/name'", checking that a dataset's declared shape fits
 * the bytes it stores (before anyone allocates for it), and opening a file that must carry
 * a given `format` string attribute and `format_version`. Opening probes the file in a forked
 * child first (h5util_probe): libhdf5 1.10 follows a variable-length string's global-heap
 * reference unchecked, so one damaged byte would otherwise crash the reader (SIGSEGV in
 * H5HG_read) or make it allocate gigabytes. Every reader fills an hs_error with
 * HS_ERR_FORMAT / HS_ERR_IO / HS_ERR_NOMEM; writers return 0 or -1 and leave the message to
 * the caller (which knows the file and the likely reason). Does not: know any file layout
 * (datasets, which attributes a file has), or switch HDF5's error printing off by itself
 * (callers bracket their public functions with h5util_quiet_on/off). Files are created only
 * through h5util_write_atomic (io/rundir.h's atomic write). */
#ifndef HS_H5UTIL_H
#define HS_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>

#include "io/hs_error.h"

/* ---- error stack ------------------------------------------------------------------------ */

/* The caller's automatic HDF5 error handler, saved while it is switched off. */
typedef struct h5util_quiet {
    H5E_auto2_t func;         /* caller's automatic error handler */
    void *data;               /* its client data */
} h5util_quiet;

/* Save the current automatic error handler into q and switch printing off. Cannot fail. */
void h5util_quiet_on(h5util_quiet *q);

/* Restore the handler saved by h5util_quiet_on(q). Cannot fail. */
void h5util_quiet_off(const h5util_quiet *q);

/* ---- ids and types ---------------------------------------------------------------------- */

/* Close id with the call its type needs (file, group, dataset, attribute, dataspace,
 * datatype, property list); a negative id (H5I_INVALID_HID) or any other type is ignored,
 * so cleanup code may call it unconditionally. Close errors are ignored. */
void h5util_close(hid_t id);

/* A new variable-length UTF-8 string datatype (h5py reads it as str), owned by the caller
 * (h5util_close it), or H5I_INVALID_HID on failure. */
hid_t h5util_str_type(void);

/* ---- writing attributes ------------------------------------------------------------------ */

/* Create attribute name on loc (file or group) holding the n strings s[0..n) as
 * variable-length UTF-8; n == 0 writes one scalar string s[0]. s is only read.
 * Returns 0, or -1 on any HDF5 failure (e.g. the attribute exists, disk full). */
int h5util_put_strings(hid_t loc, const char *name, const char *const *s, hsize_t n);

/* h5util_put_strings(loc, name, &s, 0): one scalar string attribute. 0 or -1. */
int h5util_put_string(hid_t loc, const char *name, const char *s);

/* Create attribute name on loc holding n numbers read from v as memory type mtype (e.g.
 * H5T_NATIVE_DOUBLE) and stored as file type ftype (e.g. H5T_IEEE_F64LE); n == 0 writes one
 * scalar. v is only read. Returns 0, or -1 on any HDF5 failure. */
int h5util_put_numbers(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v,
                       hsize_t n);

/* ---- reading attributes ------------------------------------------------------------------ */

/* Number of elements of open attribute a (a scalar counts 1), or -1 if a has rank > 1 or
 * its dataspace cannot be read. */
hssize_t h5util_attr_count(hid_t a);

/* Read string attribute name of loc, which must hold exactly want elements (want == 0: one
 * element, scalar or 1-element array), into out[0..n) as malloc'ed NUL-terminated strings
 * owned by the caller. Variable-length and fixed-length strings are both accepted
 * (variable-length ones only safely in a file opened with h5util_open, whose probe has read
 * them in a child); fixed-length ones are capped at 16 MiB per attribute. path
 * and where ("" for the root, "/hparams/" for a group) only name the attribute in messages:
 * "missing attribute 'where name'". Returns 0, or a negative hs_status with err filled
 * (HS_ERR_FORMAT missing, wrong class or count, unreadable; HS_ERR_NOMEM). On failure
 * out[] may hold some strings already allocated; the caller frees them (out should be
 * zeroed beforehand so that free is safe). */
int h5util_get_strings(hid_t loc, const char *path, const char *where, const char *name,
                       char **out, size_t want, hs_error *err);

/* Read numeric (integer or float) attribute name of loc, which must hold exactly n elements
 * (n == 1 also accepts a scalar), converted to memory type mt, into out (room for n values
 * of mt). path and where name it in messages as for h5util_get_strings. Returns 0, or
 * HS_ERR_FORMAT with err filled (missing, not numeric, wrong count, unreadable or out of
 * range for mt); out is undefined on failure. */
int h5util_get_numbers(hid_t loc, const char *path, const char *where, const char *name,
                       hid_t mt, void *out, size_t n, hs_error *err);

/* ---- datasets ----------------------------------------------------------------------------- */

/* Largest ratio of a dataset's declared bytes to its stored bytes accepted when it has
 * filters: deflate cannot exceed 1032:1 (258-byte matches in about 2 bits), shuffle is a
 * permutation. */
#define H5UTIL_MAX_RATIO 1100

/* Check that open dataset d (called name in messages), declared to hold `elems` elements,
 * can hold them given the bytes it stores in the file: elems x the file type's size must
 * not overflow and must be at most its storage size (H5Dget_storage_size), times
 * H5UTIL_MAX_RATIO when it has filters. Call it before allocating for the declared shape:
 * a 3 KB file declaring (2^27, 3) is refused with "dataset '/name' declares ... bytes but
 * stores ... (corrupt or crafted file)". Returns 0 or HS_ERR_FORMAT with err filled. */
int h5util_check_storage(hid_t d, const char *path, const char *name, hsize_t elems,
                         hs_error *err);

/* ---- opening a file of a known format ---------------------------------------------------- */

/* What h5util_open expects of a file and the words of its messages. All strings borrowed. */
typedef struct h5util_format {
    const char *name;           /* required value of the root `format` attribute */
    int version;                /* required value of `format_version` */
    const char *kind;           /* "not an <kind>: format is ..." e.g. "hsweep model" */
    const char *not_hdf5;       /* whole message when the file is not HDF5 */
    const char *no_format;      /* whole message when there is no `format` attribute */
    const char *version_prefix; /* "unsupported <prefix>format_version ...", e.g. "model " */
    int (*read)(hid_t f, const char *path); /* the reader's own reads of an open file, run once
                                             * in the probing child before the caller makes
                                             * them (result ignored; NULL: none) */
} h5util_format;

/* Read, in a forked child process, everything of open file f that libhdf5 1.10 can crash
 * on before the caller touches it: every object (H5Ovisit), every attribute, the values of
 * every variable-length string attribute, every dataset's storage size, then (fmt not NULL)
 * the format check of h5util_open and fmt->read: exactly the calls the caller will make. The child has no
 * core file, 256 MiB more address space than the caller had (not under AddressSanitizer)
 * and 20 s; it calls nothing but HDF5 and _exit (no MPI, no atexit handlers). path only
 * names the file in messages. Returns 0 when the child got through, else HS_ERR_FORMAT
 * "corrupt file: libhdf5 crashed reading its metadata (signal 11)" (or hung, or "its
 * metadata cannot be read"), or HS_ERR_IO when fork fails. One fork per call: h5util_open
 * calls it once per file. */
int h5util_probe(hid_t f, const char *path, const h5util_format *fmt, hs_error *err);

/* Open path read-only into *f after checking that it exists (HS_ERR_IO "cannot open:
 * <reason>"), is HDF5 (HS_ERR_FORMAT fmt->not_hdf5), opens (HS_ERR_FORMAT "cannot open HDF5
 * file (corrupt or truncated?)"), survives h5util_probe, has `format` == fmt->name and `format_version` ==
 * fmt->version (HS_ERR_FORMAT, messages as described in h5util_format). Returns 0 with *f
 * owned by the caller (h5util_close it), or a negative hs_status with err filled and *f ==
 * H5I_INVALID_HID. */
int h5util_open(hid_t *f, const char *path, const h5util_format *fmt, hs_error *err);

/* Create the HDF5 file path atomically: fill(f, ctx) writes its contents (returns 0 or -1)
 * into a file HDF5 holds in memory (core driver, no backing store); its image is then stored
 * with rundir_write_atomic (temporary file, write, fsync, rename, fsync of the directory).
 * libhdf5 never writes to disk itself: with a full disk it used to lose a chunk flush
 * silently or crash at exit after a failed close. Returns 0, HS_ERR_NOMEM (the file cannot
 * be built in memory), or HS_ERR_IO with err naming path and the system's reason (from
 * rundir_write_atomic); the target is then untouched and no temporary file is left. */
int h5util_write_atomic(const char *path, int (*fill)(hid_t f, const void *ctx), const void *ctx,
                        hs_error *err);

#endif
