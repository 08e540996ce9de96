/* hs_error: the project-wide status codes and error record.
 *
 * io/ and sweep/ functions return 0 (HS_OK) or a negative hs_status and fill an optional
 * hs_error with the code, a one-line message and, where the error comes from an input file,
 * its location. Printed as "file:line:col: message" (parts that are unknown are left out),
 * so messages are greppable and editors can jump to them. model/ kernels cannot fail and do
 * not use this. */
#ifndef HS_ERROR_H
#define HS_ERROR_H

#include <stdio.h>

typedef enum hs_status {
    HS_OK = 0,
    HS_ERR_IO = -1,       /* cannot open, read, write or rename a file */
    HS_ERR_FORMAT = -2,   /* the input is malformed (CSV, YAML, HDF5 layout, journal) */
    HS_ERR_VALUE = -3,    /* a value is out of range or of the wrong type */
    HS_ERR_NOMEM = -4,    /* an allocation failed or a size overflowed */
    HS_ERR_USAGE = -5,    /* bad command-line flags */
    HS_ERR_MPI = -6,      /* an MPI call failed */
    HS_ERR_STATE = -7     /* the operation conflicts with existing state (e.g. a changed sweep) */
} hs_status;

typedef struct hs_error {
    hs_status code;       /* HS_OK when nothing went wrong */
    char file[512];       /* input file the error is about, "" if none */
    long line;            /* 1-based line in file, 0 if unknown */
    long col;             /* 1-based column in file, 0 if unknown */
    char msg[1024];       /* one line, no trailing newline */
} hs_error;

/* Reset err to HS_OK with empty fields. err may be NULL. */
void hs_error_clear(hs_error *err);

/* Fill err (may be NULL) with code, location and a printf-style message; returns code so
 * callers can write `return hs_error_set(...)`. file may be NULL; line/col 0 mean unknown. */
int hs_error_set(hs_error *err, hs_status code, const char *file, long line, long col,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Write "file:line:col: msg" into buf (always NUL-terminated, truncated to n). */
void hs_error_format(const hs_error *err, char *buf, size_t n);

/* Print "hsweep: file:line:col: msg\n" to f. */
void hs_error_print(const hs_error *err, FILE *f);

/* Short name of a status code ("io", "format", ...). */
const char *hs_status_name(hs_status code);

#endif
