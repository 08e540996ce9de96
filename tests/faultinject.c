/* faultinject: an LD_PRELOAD shim that makes chosen file-system calls fail, for tests.
 *
 * Built by CMake as libfaultinject.so (tests only, never installed). Configured by the
 * environment of the process it is preloaded into:
 *   HSWEEP_FAULT_OP     write | fsync | rename | open | mpi_win   which call fails
 *   HSWEEP_FAULT_PATH   substring of the file's path (for rename: of either path); "" = any
 *   HSWEEP_FAULT_N      the Nth matching call fails (1-based; default 1); "N+" fails the Nth
 *                       and every later one (a full disk stays full)
 *   HSWEEP_FAULT_ERRNO  ENOSPC (default) | EROFS | EIO
 *   HSWEEP_FAULT_LOG    optional file: one line per injected failure ("write /x/y: ENOSPC")
 * "write" covers write, pwrite, writev and the stdio writers (fwrite, fputs, fputc, fprintf,
 * vfprintf, fflush, fclose: glibc's stdio calls its internal write, which a preload cannot
 * see, so they are intercepted one level up; fclose still closes the stream when it fails).
 * "fsync" covers fsync and fdatasync; "open" covers open, open64, mkstemp, mkostemp (path:
 * the template) and fopen with a write mode.
 * "mpi_win" covers MPI_Win_allocate_shared (the path is not used): the real call runs, so
 * every rank of the communicator takes part in the collective, then the window is freed
 * (collectively too: every rank runs under the same environment) and MPI_ERR_NO_MEM is
 * returned, as when the node cannot back the window. The shim is compiled against mpi.h
 * but not linked with MPI: the MPI functions are looked up when called.
 * A file descriptor's path comes from /proc/self/fd. Calls that do not match go to libc
 * unchanged. Not thread-safe in its counting (hsweep's writers are single-threaded). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <mpi.h>

/* ---- configuration ------------------------------------------------------------------------ */

typedef struct fi_config {
    int loaded;            /* environment read */
    char op[16];           /* the call class that fails */
    const char *path;      /* substring a path must contain ("" any) */
    long nth;              /* 1-based index of the first failing match */
    int sticky;            /* 1: every match from nth on fails */
    int err;               /* errno to set */
    long seen;             /* matching calls so far */
} fi_config;

static fi_config fi;

static void fi_load(void) {
    if (fi.loaded) return;
    fi.loaded = 1;
    const char *op = getenv("HSWEEP_FAULT_OP"), *n = getenv("HSWEEP_FAULT_N"),
               *e = getenv("HSWEEP_FAULT_ERRNO");
    snprintf(fi.op, sizeof fi.op, "%s", op ? op : "");
    fi.path = getenv("HSWEEP_FAULT_PATH");
    if (!fi.path) fi.path = "";
    char *end = NULL;
    fi.nth = n ? strtol(n, &end, 10) : 1;
    if (fi.nth < 1) fi.nth = 1;
    fi.sticky = end && *end == '+';
    fi.err = ENOSPC;
    if (e && strcmp(e, "EROFS") == 0) fi.err = EROFS;
    if (e && strcmp(e, "EIO") == 0) fi.err = EIO;
}

static const char *fi_errname(int e) { return e == EROFS ? "EROFS" : e == EIO ? "EIO" : "ENOSPC"; }

/* Log an injected failure without going through the intercepted calls. */
static void fi_log(const char *op, const char *path) {
    const char *log = getenv("HSWEEP_FAULT_LOG");
    if (!log || !*log) return;
    static int (*real_open)(const char *, int, ...);
    static ssize_t (*real_write)(int, const void *, size_t);
    if (!real_open) real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    if (!real_write) real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    int fd = real_open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    char line[4200];
    int k = snprintf(line, sizeof line, "%s %s: %s\n", op, path, fi_errname(fi.err));
    if (k > 0) real_write(fd, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
    close(fd);
}

/* Should this call of class op on path (path2: the other path of a rename, or NULL) fail?
 * Counts matches; sets errno when it says yes. */
static int fi_fail(const char *op, const char *path, const char *path2) {
    fi_load();
    if (strcmp(fi.op, op) != 0) return 0;
    int match = (path && strstr(path, fi.path)) || (path2 && strstr(path2, fi.path));
    if (!match) return 0;
    long k = ++fi.seen;
    if (k == fi.nth || (fi.sticky && k > fi.nth)) {
        fi_log(op, path ? path : "?");
        errno = fi.err;
        return 1;
    }
    return 0;
}

/* The path of an open descriptor into buf ("" if unknown). */
static const char *fi_fd_path(int fd, char *buf, size_t n) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t k = readlink(link, buf, n - 1);
    buf[k > 0 ? (size_t)k : 0] = '\0';
    return buf;
}

static int fi_fd_fails(const char *op, int fd) {
    fi_load();
    if (strcmp(fi.op, op) != 0 || fd < 3) return 0; /* never stdin/stdout/stderr */
    char p[4096];
    return fi_fail(op, fi_fd_path(fd, p, sizeof p), NULL);
}

static int fi_file_fails(FILE *f) { return f && fi_fd_fails("write", fileno(f)); }

/* real_NAME: the next definition of NAME (libc's, or a sanitizer's interceptor) with return
 * type RET and parameter list PARAMS, looked up once */
#define REAL(ret, name, params)                                                            \
    typedef ret(*fi_##name##_fn) params;                                                   \
    static fi_##name##_fn real_##name;                                                     \
    if (!real_##name) real_##name = (fi_##name##_fn)dlsym(RTLD_NEXT, #name)

/* One wrapper per intercepted call, all through fi_fd_fails / fi_file_fails: NAME's real
 * definition is looked up once, the call fails with FAILED when the shim says so, and
 * goes through unchanged otherwise. */
#define FI_FD_WRAP(ret, name, op, failed, params, args)                                   \
    ret name params {                                                                      \
        REAL(ret, name, params);                                                         \
        if (fi_fd_fails(op, fd)) return failed;                                            \
        return real_##name args;                                                           \
    }
#define FI_FILE_WRAP(ret, name, failed, params, args)                                      \
    ret name params {                                                                      \
        REAL(ret, name, params);                                                         \
        if (fi_file_fails(f)) return failed;                                               \
        return real_##name args;                                                           \
    }

/* ---- write ------------------------------------------------------------------------------- */

FI_FD_WRAP(ssize_t, write, "write", -1, (int fd, const void *b, size_t n), (fd, b, n))
FI_FD_WRAP(ssize_t, pwrite, "write", -1, (int fd, const void *b, size_t n, off_t off),
           (fd, b, n, off))
FI_FD_WRAP(ssize_t, pwrite64, "write", -1, (int fd, const void *b, size_t n, off_t off),
           (fd, b, n, off))
FI_FD_WRAP(ssize_t, writev, "write", -1, (int fd, const struct iovec *iov, int cnt),
           (fd, iov, cnt))
FI_FILE_WRAP(size_t, fwrite, 0, (const void *p, size_t size, size_t n, FILE *f), (p, size, n, f))
FI_FILE_WRAP(int, fputs, EOF, (const char *s, FILE *f), (s, f))
FI_FILE_WRAP(int, fputc, EOF, (int c, FILE *f), (c, f))
FI_FILE_WRAP(int, vfprintf, -1, (FILE *f, const char *fmt, va_list ap), (f, fmt, ap))
FI_FILE_WRAP(int, fflush, EOF, (FILE *f), (f))

int fprintf(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}

int fclose(FILE *f) {
    REAL(int, fclose, (FILE *));
    int failed = fi_file_fails(f), saved = errno;
    int r = real_fclose(f);
    if (failed) {
        errno = saved;
        return EOF;
    }
    return r;
}

/* ---- fsync, rename, open ----------------------------------------------------------------- */

FI_FD_WRAP(int, fsync, "fsync", -1, (int fd), (fd))
FI_FD_WRAP(int, fdatasync, "fsync", -1, (int fd), (fd))

int rename(const char *a, const char *b) {
    REAL(int, rename, (const char *, const char *));
    if (fi_fail("rename", a, b)) return -1;
    return real_rename(a, b);
}

static int fi_open_fails(const char *path, int flags) {
    return (flags & (O_WRONLY | O_RDWR | O_CREAT)) && fi_fail("open", path, NULL);
}

/* open and open64: the mode argument exists only with O_CREAT */
#define FI_OPEN_WRAP(name)                                                                 \
    int name(const char *path, int flags, ...) {                                           \
        REAL(int, name, (const char *, int, ...));                                       \
        mode_t mode = 0;                                                                   \
        if (flags & O_CREAT) {                                                             \
            va_list ap;                                                                    \
            va_start(ap, flags);                                                           \
            mode = (mode_t)va_arg(ap, int);                                                \
            va_end(ap);                                                                    \
        }                                                                                  \
        if (fi_open_fails(path, flags)) return -1;                                         \
        return real_##name(path, flags, mode);                                             \
    }
FI_OPEN_WRAP(open)
FI_OPEN_WRAP(open64)

int mkstemp(char *tmpl) {
    REAL(int, mkstemp, (char *));
    if (fi_fail("open", tmpl, NULL)) return -1;
    return real_mkstemp(tmpl);
}

int mkostemp(char *tmpl, int flags) {
    REAL(int, mkostemp, (char *, int));
    if (fi_fail("open", tmpl, NULL)) return -1;
    return real_mkostemp(tmpl, flags);
}

FILE *fopen(const char *path, const char *mode) {
    REAL(FILE *, fopen, (const char *, const char *));
    int writes = strpbrk(mode, "wa+") != NULL;
    if (writes && fi_fail("open", path, NULL)) return NULL;
    return real_fopen(path, mode);
}

/* ---- MPI --------------------------------------------------------------------------------- */

int MPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                            void *baseptr, MPI_Win *win) {
    REAL(int, MPI_Win_allocate_shared, (MPI_Aint, int, MPI_Info, MPI_Comm, void *, MPI_Win *));
    int rc = real_MPI_Win_allocate_shared(size, disp_unit, info, comm, baseptr, win);
    if (rc != MPI_SUCCESS || !fi_fail("mpi_win", "MPI_Win_allocate_shared", NULL)) return rc;
    int (*win_free)(MPI_Win *) = (int (*)(MPI_Win *))dlsym(RTLD_DEFAULT, "MPI_Win_free");
    if (win_free) win_free(win);  /* sets *win to MPI_WIN_NULL (a symbol of libmpi: not
                                     named here, so the shim loads without MPI) */
    return MPI_ERR_NO_MEM;
}
