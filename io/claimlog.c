/* claimlog: the claim journal and incremental JSON Lines reading (see claimlog.h). */
#define _POSIX_C_SOURCE 200809L
#include "io/claimlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/json.h"

static int claimlog_valid_id(const char *id) {
    if (!id || strlen(id) != 16) return 0;
    for (int i = 0; i < 16; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return 0;
    return 1;
}

int claimlog_format(const claimlog_event *e, strbuf *out, hs_error *err) {
    if (!claimlog_valid_id(e->id))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "trial id '%.16s' is not 16 hex chars", e->id);
    json_writer w;
    json_writer_init(&w, out);
    json_begin_object(&w);
    json_key(&w, "op");
    json_string(&w, e->op == CLAIMLOG_CLAIM ? "claim" : "release");
    json_key(&w, "id");
    json_string(&w, e->id);
    json_key(&w, "owner");
    json_string(&w, e->owner);
    json_key(&w, "t");
    json_double(&w, e->t);
    json_end_object(&w);
    strbuf_putc(out, '\n');
    if (strbuf_failed(out)) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

int claimlog_parse(const char *line, size_t len, claimlog_event *e, hs_error *err) {
    memset(e, 0, sizeof *e);
    json_value *root = NULL;
    int rc = json_parse(line, len, &root, err);
    if (rc != 0) return rc;
    const char *op = json_as_string(json_get(root, "op"));
    const char *id = json_as_string(json_get(root, "id"));
    const char *owner = json_as_string(json_get(root, "owner"));
    rc = HS_ERR_FORMAT;
    if (!op || (strcmp(op, "claim") != 0 && strcmp(op, "release") != 0))
        hs_error_set(err, rc, NULL, 0, 0, "claim: 'op' is missing or not claim/release");
    else if (!claimlog_valid_id(id))
        hs_error_set(err, rc, NULL, 0, 0, "claim: 'id' is missing or not 16 hex chars");
    else if (!owner || !owner[0] || strlen(owner) >= sizeof e->owner)
        hs_error_set(err, rc, NULL, 0, 0, "claim: 'owner' is missing or too long");
    else if (json_as_double(json_get(root, "t"), &e->t) != 0)
        hs_error_set(err, rc, NULL, 0, 0, "claim: 't' is missing or not a number");
    else {
        e->op = strcmp(op, "claim") == 0 ? CLAIMLOG_CLAIM : CLAIMLOG_RELEASE;
        memcpy(e->id, id, 17);
        snprintf(e->owner, sizeof e->owner, "%s", owner);
        rc = 0;
    }
    json_free(root);
    return rc;
}

int claimlog_read_fd(int fd, const char *path, long long *offset, long *line,
                     claimlog_line_fn fn, void *ctx, hs_error *err) {
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot stat: %s", strerror(errno));
    if ((long long)sb.st_size <= *offset) return 0;
    size_t n = (size_t)((long long)sb.st_size - *offset);
    char *buf = malloc(n + 1);
    if (!buf) return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory reading %zu bytes", n);
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(*offset + (long long)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    int rc = 0;
    size_t p = 0;   /* bytes of buf fully handled */
    while (p < got) {
        char *nl = memchr(buf + p, '\n', got - p);
        if (!nl) break;                  /* a partial last line: later */
        size_t e = (size_t)(nl - buf), b = p, body = e;
        while (b < body && (buf[b] == ' ' || buf[b] == '\t')) b++;
        while (body > b && (buf[body - 1] == '\r' || buf[body - 1] == ' ')) body--;
        if (b < body) {
            buf[body] = '\0';
            rc = fn(buf + b, body - b, *line + 1, ctx);
            if (rc != 0) break;
        }
        (*line)++;
        p = e + 1;
    }
    *offset += (long long)p;
    free(buf);
    return rc;
}

int claimlog_read_lines(const char *path, long long *offset, long *line, claimlog_line_fn fn,
                        void *ctx, hs_error *err) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    }
    int rc = claimlog_read_fd(fd, path, offset, line, fn, ctx, err);
    close(fd);
    return rc;
}

int claimlog_append_fd(int fd, const char *path, long long offset, const char *text,
                       size_t len, hs_error *err) {
    struct stat sb;
    int e = 0;
    if (fstat(fd, &sb) != 0) e = errno;
    long long size = e ? 0 : (long long)sb.st_size;
    if (!e && size > offset) {
        /* a partial line of a writer that died while holding the lock */
        fprintf(stderr, "hsweep: %s: removing %lld bytes of an incomplete last line\n", path,
                size - offset);
        if (ftruncate(fd, (off_t)offset) != 0) e = errno;
        size = offset;
    }
    size_t off = 0;
    while (!e && off < len) {
        ssize_t w = pwrite(fd, text + off, len - off, (off_t)(size + (long long)off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) e = errno ? errno : EIO;
        else off += (size_t)w;
    }
    if (e && off > 0 && ftruncate(fd, (off_t)size) != 0) e = errno;
    if (e) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot append: %s", strerror(e));
    return 0;
}

int claimlog_append(const char *path, long long offset, const char *text, size_t len,
                    hs_error *err) {
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open for appending: %s", strerror(errno));
    int rc = claimlog_append_fd(fd, path, offset, text, len, err);
    /* no fsync: a claim lost in a crash only means the trial is claimed again (its
     * checkpoint is kept); close() is what makes the bytes visible to other NFS clients */
    if (close(fd) != 0 && rc == 0)
        rc = hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot append: %s", strerror(errno));
    return rc;
}
