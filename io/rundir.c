/* rundir: run-directory names and atomic writes (see rundir.h). */
#define _XOPEN_SOURCE 700

#include "io/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- names -------------------------------------------------------------------------------- */

int rundir_path(char *buf, size_t n, const char *dir, const char *name, hs_error *err) {
    int k = snprintf(buf, n, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= n)
        return hs_error_set(err, HS_ERR_VALUE, dir, 0, 0, "path too long for %s", name);
    return 0;
}

int rundir_ckpt_path(char *buf, size_t n, const char *dir, const char *id) {
    int k = snprintf(buf, n, "%s/%s/%s%s", dir, RUNDIR_CKPT, id, RUNDIR_CKPT_SUFFIX);
    return k < 0 || (size_t)k >= n ? HS_ERR_VALUE : 0;
}

int rundir_mkdirs(const char *path, hs_error *err) {
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "path too long");
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char save = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return hs_error_set(err, HS_ERR_IO, buf, 0, 0, "cannot create directory: %s",
                                    strerror(errno));
            *p = save;
            if (save == '\0') break;
        }
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "not a directory");
    return 0;
}

int rundir_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

int rundir_set_aside(const char *dir, const char *name, char *old, size_t n, hs_error *err) {
    char path[4200];
    int rc = rundir_path(path, sizeof path, dir, name, err);
    if (rc) return rc;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    int k = snprintf(old, n, "%s.%s", path, stamp);
    if (k < 0 || (size_t)k >= n) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "path too long");
    if (rename(path, old) != 0)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot set the old journal aside: %s",
                            strerror(errno));
    return 0;
}

/* ---- atomic writes ------------------------------------------------------------------------ */

int rundir_sync_dir(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY);
    if (dfd < 0) return errno;
    int e = fsync(dfd) != 0 ? errno : 0;
    close(dfd);
    /* some file systems cannot fsync a directory; the rename itself has happened */
    return e == EINVAL || e == EROFS ? 0 : e;
}

int rundir_atomic_open(rundir_atomic *a, const char *path, hs_error *err) {
    memset(a, 0, sizeof *a);
    a->fd = -1;
    if ((size_t)snprintf(a->path, sizeof a->path, "%s", path) >= sizeof a->path ||
        (size_t)snprintf(a->tmp, sizeof a->tmp, "%s.tmp.XXXXXX", path) >= sizeof a->tmp)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "path too long");
    a->fd = mkstemp(a->tmp);
    if (a->fd < 0)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot create %s: %s", a->tmp,
                            strerror(errno));
    /* mkstemp makes 0600; result files are meant to be read by the group as before */
    if (fchmod(a->fd, 0644) != 0) {
        int e = errno;
        rundir_atomic_abort(a);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot chmod %s: %s", a->tmp,
                            strerror(e));
    }
    return 0;
}

FILE *rundir_atomic_stream(rundir_atomic *a, hs_error *err) {
    if (!a->f && a->fd >= 0) a->f = fdopen(a->fd, "wb");
    if (!a->f) hs_error_set(err, HS_ERR_IO, a->path, 0, 0, "cannot open a stream on %s", a->tmp);
    return a->f;
}

int rundir_atomic_commit(rundir_atomic *a, hs_error *err) {
    int e = 0;
    if (a->fd < 0) e = EBADF;
    if (!e && a->f && (fflush(a->f) != 0 || ferror(a->f))) e = errno ? errno : EIO;
    if (!e && !a->no_sync && fsync(a->fd) != 0) e = errno;
    int cl = a->f ? fclose(a->f) : close(a->fd);
    if (!e && cl != 0) e = errno ? errno : EIO;
    a->f = NULL;
    a->fd = -1;
    if (!e && rename(a->tmp, a->path) != 0) e = errno;
    if (e) {
        unlink(a->tmp);
        a->tmp[0] = '\0';
        return hs_error_set(err, HS_ERR_IO, a->path, 0, 0, "cannot write: %s", strerror(e));
    }
    a->tmp[0] = '\0';
    e = a->no_sync ? 0 : rundir_sync_dir(a->path);
    if (e)
        return hs_error_set(err, HS_ERR_IO, a->path, 0, 0, "cannot fsync its directory: %s",
                            strerror(e));
    return 0;
}

void rundir_atomic_abort(rundir_atomic *a) {
    if (a->f) fclose(a->f);
    else if (a->fd >= 0) close(a->fd);
    a->f = NULL;
    a->fd = -1;
    if (a->tmp[0]) unlink(a->tmp);
    a->tmp[0] = '\0';
}

int rundir_write_atomic(const char *path, const void *data, size_t len, hs_error *err) {
    rundir_atomic a;
    int rc = rundir_atomic_open(&a, path, err);
    if (rc) return rc;
    const char *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(a.fd, p + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            rundir_atomic_abort(&a);
            return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(e));
        }
        off += (size_t)w;
    }
    return rundir_atomic_commit(&a, err);
}

int rundir_write(const char *dir, const char *name, const void *data, size_t len, hs_error *err) {
    char path[4200];
    int rc = rundir_path(path, sizeof path, dir, name, err);
    return rc ? rc : rundir_write_atomic(path, data, len, err);
}
