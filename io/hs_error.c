/* hs_error: status codes and the error record (see hs_error.h). */
#include "io/hs_error.h"

#include <stdarg.h>
#include <string.h>

void hs_error_clear(hs_error *err) {
    if (!err) return;
    memset(err, 0, sizeof *err);
}

int hs_error_set(hs_error *err, hs_status code, const char *file, long line, long col,
                 const char *fmt, ...) {
    if (!err) return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* messages are one line: fold any newline that slipped in from input data */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return code;
}

void hs_error_format(const hs_error *err, char *buf, size_t n) {
    if (!buf || n == 0) return;
    if (!err) { buf[0] = '\0'; return; }
    if (err->file[0] && err->line > 0 && err->col > 0)
        snprintf(buf, n, "%s:%ld:%ld: %s", err->file, err->line, err->col, err->msg);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, n, "%s:%ld: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, n, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, n, "%s", err->msg);
}

void hs_error_print(const hs_error *err, FILE *f) {
    char buf[2048];
    hs_error_format(err, buf, sizeof buf);
    fprintf(f, "hsweep: %s\n", buf);
}

const char *hs_status_name(hs_status code) {
    switch (code) {
    case HS_OK: return "ok";
    case HS_ERR_IO: return "io";
    case HS_ERR_FORMAT: return "format";
    case HS_ERR_VALUE: return "value";
    case HS_ERR_NOMEM: return "nomem";
    case HS_ERR_USAGE: return "usage";
    case HS_ERR_MPI: return "mpi";
    case HS_ERR_STATE: return "state";
    }
    return "unknown";
}
