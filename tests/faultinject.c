/* faultinject: an LD_PRELOAD shim that makes chosen file-system calls fail, for tests.
 *
 * Built by CMake as libfaultinject.so (tests only, never installed). Configured by the
 * environment of the process it is preloaded into:
 *   HSWEEP_FAULT_OP     write | fsync | rename | open   which call fails
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

/* the next definition of name (libc's, or a sanitizer's interceptor), looked up once */
#define REAL(name, type)                                                                   \
    static type real_##name;                                                               \
    if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

typedef ssize_t (*fi_write_fn)(int, const void *, size_t);
typedef ssize_t (*fi_pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*fi_pwrite64_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*fi_writev_fn)(int, const struct iovec *, int);
typedef size_t (*fi_fwrite_fn)(const void *, size_t, size_t, FILE *);
typedef int (*fi_fputs_fn)(const char *, FILE *);
typedef int (*fi_fputc_fn)(int, FILE *);
typedef int (*fi_vfprintf_fn)(FILE *, const char *, va_list);
typedef int (*fi_fflush_fn)(FILE *);
typedef int (*fi_fclose_fn)(FILE *);
typedef int (*fi_fsync_fn)(int);
typedef int (*fi_fdatasync_fn)(int);
typedef int (*fi_rename_fn)(const char *, const char *);
typedef int (*fi_open_fn)(const char *, int, ...);
typedef int (*fi_open64_fn)(const char *, int, ...);
typedef int (*fi_mkstemp_fn)(char *);
typedef int (*fi_mkostemp_fn)(char *, int);
typedef FILE * (*fi_fopen_fn)(const char *, const char *);

/* ---- write ------------------------------------------------------------------------------- */

ssize_t write(int fd, const void *b, size_t n) {
    REAL(write, fi_write_fn);
    if (fi_fd_fails("write", fd)) return -1;
    return real_write(fd, b, n);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off) {
    REAL(pwrite, fi_pwrite_fn);
    if (fi_fd_fails("write", fd)) return -1;
    return real_pwrite(fd, b, n, off);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t off) {
    REAL(pwrite64, fi_pwrite64_fn);
    if (fi_fd_fails("write", fd)) return -1;
    return real_pwrite64(fd, b, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    REAL(writev, fi_writev_fn);
    if (fi_fd_fails("write", fd)) return -1;
    return real_writev(fd, iov, cnt);
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
    REAL(fwrite, fi_fwrite_fn);
    if (fi_file_fails(f)) return 0;
    return real_fwrite(p, size, n, f);
}

int fputs(const char *s, FILE *f) {
    REAL(fputs, fi_fputs_fn);
    if (fi_file_fails(f)) return EOF;
    return real_fputs(s, f);
}

int fputc(int c, FILE *f) {
    REAL(fputc, fi_fputc_fn);
    if (fi_file_fails(f)) return EOF;
    return real_fputc(c, f);
}

int vfprintf(FILE *f, const char *fmt, va_list ap) {
    REAL(vfprintf, fi_vfprintf_fn);
    if (fi_file_fails(f)) return -1;
    return real_vfprintf(f, fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}

int fflush(FILE *f) {
    REAL(fflush, fi_fflush_fn);
    if (fi_file_fails(f)) return EOF;
    return real_fflush(f);
}

int fclose(FILE *f) {
    REAL(fclose, fi_fclose_fn);
    int failed = fi_file_fails(f), saved = errno;
    int r = real_fclose(f);
    if (failed) {
        errno = saved;
        return EOF;
    }
    return r;
}

/* ---- fsync, rename, open ----------------------------------------------------------------- */

int fsync(int fd) {
    REAL(fsync, fi_fsync_fn);
    if (fi_fd_fails("fsync", fd)) return -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync, fi_fdatasync_fn);
    if (fi_fd_fails("fsync", fd)) return -1;
    return real_fdatasync(fd);
}

int rename(const char *a, const char *b) {
    REAL(rename, fi_rename_fn);
    if (fi_fail("rename", a, b)) return -1;
    return real_rename(a, b);
}

static int fi_open_fails(const char *path, int flags) {
    return (flags & (O_WRONLY | O_RDWR | O_CREAT)) && fi_fail("open", path, NULL);
}

int open(const char *path, int flags, ...) {
    REAL(open, fi_open_fn);
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (fi_open_fails(path, flags)) return -1;
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    REAL(open64, fi_open64_fn);
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (fi_open_fails(path, flags)) return -1;
    return real_open64(path, flags, mode);
}

int mkstemp(char *tmpl) {
    REAL(mkstemp, fi_mkstemp_fn);
    if (fi_fail("open", tmpl, NULL)) return -1;
    return real_mkstemp(tmpl);
}

int mkostemp(char *tmpl, int flags) {
    REAL(mkostemp, fi_mkostemp_fn);
    if (fi_fail("open", tmpl, NULL)) return -1;
    return real_mkostemp(tmpl, flags);
}

FILE *fopen(const char *path, const char *mode) {
    REAL(fopen, fi_fopen_fn);
    int writes = strpbrk(mode, "wa+") != NULL;
    if (writes && fi_fail("open", path, NULL)) return NULL;
    return real_fopen(path, mode);
}
