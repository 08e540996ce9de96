/* journal: JSON Lines journal of finished trials (see journal.h).
 *
 * Writing uses POSIX file descriptors (write + fsync; the directory is fsynced after the
 * file is created) so durability does not depend on stdio buffering. Reading loads the file
 * into memory and parses it line by line with the strict JSON parser. */
#define _POSIX_C_SOURCE 200809L
#include "io/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "io/hpfields.h"
#include "io/json.h"

struct journal {
    int fd;                /* journal.jsonl opened O_WRONLY|O_APPEND, -1 when closed */
    off_t size;            /* file length after the last successful append */
    size_t repaired;       /* bytes removed by the repair at open */
    int defer_sync;        /* 1: appends write without fsync (group commit, journal_sync) */
    char path[4096];       /* DIR/journal.jsonl */
};

/* ==== records ========================================================================== */

void journal_record_init(journal_record *r) {
    memset(r, 0, sizeof *r);
    hparams_default(&r->hp);
    r->status = JOURNAL_OK;
    r->val_mae = NAN;
    r->val_loss = NAN;
    r->test_mae = NAN;
    r->wall_s = 0.0;
    r->start_unix = NAN;
    r->end_unix = NAN;
    r->wall_total_s = NAN;
}

void journal_record_deinit(journal_record *r) {
    if (!r) return;
    free(r->history);
    journal_record_init(r);
}

int journal_record_set_history(journal_record *r, const journal_epoch *h, size_t n, hs_error *err) {
    journal_epoch *copy = NULL;
    if (n > 0) {
        if (n > SIZE_MAX / sizeof *copy) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "history too long");
        copy = malloc(n * sizeof *copy);
        if (!copy) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        memcpy(copy, h, n * sizeof *copy);
    }
    free(r->history);
    r->history = copy;
    r->n_history = n;
    return 0;
}

int journal_record_copy(journal_record *dst, const journal_record *src, hs_error *err) {
    *dst = *src;
    dst->history = NULL;
    dst->n_history = 0;
    return journal_record_set_history(dst, src->history, src->n_history, err);
}

const char *journal_status_name(journal_status s) {
    switch (s) {
    case JOURNAL_OK: return "ok";
    case JOURNAL_DIVERGED: return "diverged";
    case JOURNAL_FAILED: return "failed";
    case JOURNAL_PAUSED: return "paused";
    case JOURNAL_PRUNED: return "pruned";
    }
    return "?";
}

int journal_parse_status(const char *s, journal_status *out) {
    static const journal_status all[] = {JOURNAL_OK, JOURNAL_DIVERGED, JOURNAL_FAILED,
                                         JOURNAL_PAUSED, JOURNAL_PRUNED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (s && strcmp(s, journal_status_name(all[i])) == 0) { *out = all[i]; return 0; }
    return -1;
}

static int journal_valid_id(const char *id) {
    for (int i = 0; i < 16; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return id[16] == '\0';
}

void journal_record_set_provenance(journal_record *r, double start_unix, double end_unix, double wall_total_s) {
    char h[256];
    if (gethostname(h, sizeof h) == 0) {
        size_t k = strnlen(h, sizeof r->host - 1);
        memcpy(r->host, h, k);
        r->host[k] = '\0';
    }
    const char *job = getenv("SLURM_ARRAY_JOB_ID");
    if (!job || !job[0]) job = getenv("SLURM_JOB_ID");
    const char *task = getenv("SLURM_ARRAY_TASK_ID");
    snprintf(r->slurm_job_id, sizeof r->slurm_job_id, "%s", job ? job : "");
    snprintf(r->slurm_array_task_id, sizeof r->slurm_array_task_id, "%s", task ? task : "");
    r->start_unix = start_unix;
    r->end_unix = end_unix;
    r->wall_total_s = wall_total_s;
}

/* history column c of epoch e */
static double journal_hist(const journal_epoch *e, int c) {
    return c == 0 ? e->loss : c == 1 ? e->mae : c == 2 ? e->val_loss : e->val_mae;
}

static const char *const journal_hist_names[4] = {"loss", "mae", "val_loss", "val_mae"};

int journal_record_format(const journal_record *r, strbuf *out, hs_error *err) {
    json_writer w;
    json_writer_init(&w, out);
    int rc = journal_record_write(&w, r, err);
    if (rc == 0 && strbuf_failed(out)) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return rc;
}

int journal_record_write(json_writer *w, const journal_record *r, hs_error *err) {
    if (!journal_valid_id(r->id))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "trial id '%.16s' is not 16 hex chars", r->id);
    if (r->dataset[0] && !journal_valid_id(r->dataset))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "dataset fingerprint '%.16s' is not 16 hex chars",
                            r->dataset);
    json_begin_object(w);
    json_key(w, "v");
    json_i64(w, JOURNAL_VERSION);
    json_key(w, "id");
    json_string(w, r->id);
    json_key(w, "repeat");
    json_u64(w, r->repeat);
    json_key(w, "status");
    json_string(w, journal_status_name(r->status));
    json_key(w, "reason");
    json_string(w, r->reason);
    json_key(w, "hparams");
    hpfields_write_json(w, &r->hp);
    json_key(w, "val_mae");
    json_double(w, r->val_mae);
    json_key(w, "val_loss");
    json_double(w, r->val_loss);
    json_key(w, "test_mae");
    json_double(w, r->test_mae);
    json_key(w, "best_epoch");
    json_u64(w, r->best_epoch);
    json_key(w, "epochs_run");
    json_u64(w, r->epochs_run);
    json_key(w, "wall_s");
    json_double(w, r->wall_s);
    json_key(w, "rank");
    json_i64(w, r->rank);
    json_key(w, "n_params");
    json_u64(w, r->n_params);
    if (r->dataset[0]) {
        json_key(w, "dataset");
        json_string(w, r->dataset);
    }
    json_key(w, "history");
    json_begin_object(w);
    for (int c = 0; c < 4; c++) {
        json_key(w, journal_hist_names[c]);
        json_begin_array(w);
        for (size_t e = 0; e < r->n_history; e++) json_double(w, journal_hist(&r->history[e], c));
        json_end_array(w);
    }
    json_end_object(w);
    /* provenance: only what is known */
    static const char *const pkeys[3] = {"host", "slurm_job_id", "slurm_array_task_id"};
    const char *pvals[3] = {r->host, r->slurm_job_id, r->slurm_array_task_id};
    for (int i = 0; i < 3; i++)
        if (pvals[i][0]) {
            json_key(w, pkeys[i]);
            json_string(w, pvals[i]);
        }
    static const char *const tkeys[3] = {"start_unix", "end_unix", "wall_total_s"};
    const double tvals[3] = {r->start_unix, r->end_unix, r->wall_total_s};
    for (int i = 0; i < 3; i++)
        if (isfinite(tvals[i])) {
            json_key(w, tkeys[i]);
            json_double(w, tvals[i]);
        }
    json_end_object(w);
    return 0;
}

/* Shorthand for a missing or mistyped member. */
static int journal_bad(hs_error *err, const char *key) {
    return hs_error_set(err, HS_ERR_FORMAT, NULL, 0, 0, "record: '%s' is missing or has the wrong type", key);
}

static int journal_parse_hparams(const json_value *o, hs_hparams *hp, hs_error *err) {
    if (!o || o->type != JSON_OBJECT) return journal_bad(err, "hparams");
    for (size_t k = 0; k < hpfields_count(); k++) {
        const char *name = hpfields_name(k);
        const json_value *v = json_get(o, name);
        void *p = hpfields_ptr(hp, k);
        int bad = 0;
        if (!v) continue; /* written before the parameter existed: its default */
        switch (hpfields_kind_of(k)) {
        case HPFIELDS_SIZE: bad = json_as_size(v, (size_t *)p); break;
        case HPFIELDS_U64: bad = json_as_u64(v, (uint64_t *)p); break;
        case HPFIELDS_BOOL: bad = json_as_bool(v, (int *)p); break;
        case HPFIELDS_FLOAT: {
            double d;
            bad = json_as_double(v, &d) || v->type != JSON_NUMBER;
            if (!bad) *(float *)p = (float)d;
            break;
        }
        case HPFIELDS_CELL: bad = hparams_parse_cell(json_as_string(v) ? json_as_string(v) : "", (hs_cell *)p); break;
        case HPFIELDS_OPTIMIZER:
            bad = hparams_parse_optimizer(json_as_string(v) ? json_as_string(v) : "", (hs_optimizer *)p);
            break;
        }
        if (bad)
            return hs_error_set(err, HS_ERR_FORMAT, NULL, 0, 0, "record: hparams.%s is missing or invalid", name);
    }
    char why[256];
    if (hparams_check(hp, why, sizeof why) != 0)   /* the registry's bounds */
        return hs_error_set(err, HS_ERR_FORMAT, NULL, 0, 0, "record: hparams: %s", why);
    return 0;
}

static int journal_parse_history(const json_value *o, journal_record *r, hs_error *err) {
    if (!o || o->type != JSON_OBJECT) return journal_bad(err, "history");
    const json_value *cols[4];
    for (int c = 0; c < 4; c++) {
        cols[c] = json_get(o, journal_hist_names[c]);
        if (!cols[c] || cols[c]->type != JSON_ARRAY)
            return hs_error_set(err, HS_ERR_FORMAT, NULL, 0, 0, "record: history.%s is missing or not an array",
                                journal_hist_names[c]);
        if (cols[c]->n != cols[0]->n)
            return hs_error_set(err, HS_ERR_FORMAT, NULL, 0, 0, "record: history arrays differ in length");
    }
    size_t n = cols[0]->n;
    if (n == 0) return 0;
    r->history = calloc(n, sizeof *r->history);
    if (!r->history) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    r->n_history = n;
    for (size_t e = 0; e < n; e++) {
        double v[4];
        for (int c = 0; c < 4; c++)
            if (json_as_double(cols[c]->items[e], &v[c]) != 0)
                return hs_error_set(err, HS_ERR_FORMAT, NULL, 0, 0, "record: history.%s[%zu] is not a number",
                                    journal_hist_names[c], e);
        r->history[e] = (journal_epoch){v[0], v[1], v[2], v[3]};
    }
    return 0;
}

int journal_record_parse(const char *line, size_t len, journal_record *r, hs_error *err) {
    journal_record_init(r);
    json_value *root = NULL;
    int rc = json_parse(line, len, &root, err);
    if (rc != 0) return rc;
    rc = HS_ERR_FORMAT;
    int v;
    if (root->type != JSON_OBJECT) { hs_error_set(err, rc, NULL, 0, 0, "record is not a JSON object"); goto done; }
    if (json_as_int(json_get(root, "v"), &v) != 0 || v != JOURNAL_VERSION) {
        hs_error_set(err, rc, NULL, 0, 0, "record: 'v' is missing or not %d (journal from another version?)",
                     JOURNAL_VERSION);
        goto done;
    }
    const char *id = json_as_string(json_get(root, "id"));
    if (!id || strlen(id) != 16 || !journal_valid_id(id)) { journal_bad(err, "id"); goto done; }
    memcpy(r->id, id, 17);
    if (json_as_size(json_get(root, "repeat"), &r->repeat) != 0) { journal_bad(err, "repeat"); goto done; }
    if (journal_parse_status(json_as_string(json_get(root, "status")), &r->status) != 0) {
        journal_bad(err, "status");
        goto done;
    }
    const char *reason = json_as_string(json_get(root, "reason"));
    if (!reason) { journal_bad(err, "reason"); goto done; }
    snprintf(r->reason, sizeof r->reason, "%s", reason);
    if ((rc = journal_parse_hparams(json_get(root, "hparams"), &r->hp, err)) != 0) goto done;
    rc = HS_ERR_FORMAT;
    static const char *const dkeys[4] = {"val_mae", "val_loss", "test_mae", "wall_s"};
    double *dvals[4] = {&r->val_mae, &r->val_loss, &r->test_mae, &r->wall_s};
    for (int i = 0; i < 4; i++)
        if (json_as_double(json_get(root, dkeys[i]), dvals[i]) != 0) { journal_bad(err, dkeys[i]); goto done; }
    static const char *const skeys[3] = {"best_epoch", "epochs_run", "n_params"};
    size_t *svals[3] = {&r->best_epoch, &r->epochs_run, &r->n_params};
    for (int i = 0; i < 3; i++)
        if (json_as_size(json_get(root, skeys[i]), svals[i]) != 0) { journal_bad(err, skeys[i]); goto done; }
    if (json_as_int(json_get(root, "rank"), &r->rank) != 0) { journal_bad(err, "rank"); goto done; }
    const json_value *dsv = json_get(root, "dataset");   /* optional: absent in 0.1 records */
    if (dsv) {
        const char *d = json_as_string(dsv);
        if (!d || strlen(d) != 16 || !journal_valid_id(d)) { journal_bad(err, "dataset"); goto done; }
        memcpy(r->dataset, d, 17);
    }
    rc = journal_parse_history(json_get(root, "history"), r, err);
    if (rc != 0) goto done;
    rc = HS_ERR_FORMAT;
    /* provenance: optional (older journals), but typed when present */
    static const char *const pkeys[3] = {"host", "slurm_job_id", "slurm_array_task_id"};
    char *pdst[3] = {r->host, r->slurm_job_id, r->slurm_array_task_id};
    size_t pcap[3] = {sizeof r->host, sizeof r->slurm_job_id, sizeof r->slurm_array_task_id};
    for (int i = 0; i < 3; i++) {
        const json_value *pv = json_get(root, pkeys[i]);
        if (!pv) continue;
        const char *ps = json_as_string(pv);
        if (!ps) { journal_bad(err, pkeys[i]); goto done; }
        snprintf(pdst[i], pcap[i], "%s", ps);
    }
    static const char *const tkeys[3] = {"start_unix", "end_unix", "wall_total_s"};
    double *tdst[3] = {&r->start_unix, &r->end_unix, &r->wall_total_s};
    for (int i = 0; i < 3; i++) {
        const json_value *tv = json_get(root, tkeys[i]);
        if (tv && json_as_double(tv, tdst[i]) != 0) { journal_bad(err, tkeys[i]); goto done; }
    }
    rc = 0;
done:
    json_free(root);
    return rc;
}


/* ==== scheduler events ================================================================= */

static const char *const journal_ev_names[4] = {"start", "epoch", "end", "release"};

int journal_line_is_event(const char *line, size_t len) {
    /* "event": appears only as a key: inside a JSON string its quotes would be escaped */
    static const char key[] = "\"event\":";
    size_t k = sizeof key - 1;
    for (size_t i = 0; i + k <= len; i++)
        if (memcmp(line + i, key, k) == 0) return 1;
    return 0;
}

int journal_event_format(const journal_event *e, strbuf *out, hs_error *err) {
    if (!journal_valid_id(e->id))
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "trial id '%.16s' is not 16 hex chars", e->id);
    json_writer w;
    json_writer_init(&w, out);
    json_begin_object(&w);
    json_key(&w, "v");
    json_i64(&w, JOURNAL_VERSION);
    json_key(&w, "event");
    json_string(&w, journal_ev_names[e->kind & 3]);
    json_key(&w, "id");
    json_string(&w, e->id);
    if (e->kind == JOURNAL_EV_START) {
        json_key(&w, "from");
        json_u64(&w, e->epoch);
        json_key(&w, "until");
        json_u64(&w, e->until);
    } else if (e->kind == JOURNAL_EV_EPOCH) {
        json_key(&w, "epoch");
        json_u64(&w, e->epoch);
        json_key(&w, "val_loss");
        json_double(&w, e->val_loss);
        json_key(&w, "val_mae");
        json_double(&w, e->val_mae);
        json_key(&w, "decision");
        json_string(&w, e->decision);
    }
    json_end_object(&w);
    if (strbuf_failed(out)) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

int journal_event_parse(const char *line, size_t len, journal_event *e, hs_error *err) {
    memset(e, 0, sizeof *e);
    e->val_loss = e->val_mae = NAN;
    json_value *root = NULL;
    int rc = json_parse(line, len, &root, err);
    if (rc != 0) return rc;
    rc = HS_ERR_FORMAT;
    int v, kind = -1;
    const char *name = json_as_string(json_get(root, "event"));
    for (int k = 0; name && k < 4; k++)
        if (strcmp(name, journal_ev_names[k]) == 0) kind = k;
    const char *id = json_as_string(json_get(root, "id"));
    if (json_as_int(json_get(root, "v"), &v) != 0 || v != JOURNAL_VERSION) {
        hs_error_set(err, rc, NULL, 0, 0, "event: 'v' is missing or not %d", JOURNAL_VERSION);
    } else if (kind < 0) {
        journal_bad(err, "event");
    } else if (!id || strlen(id) != 16 || !journal_valid_id(id)) {
        journal_bad(err, "id");
    } else {
        e->kind = (journal_event_kind)kind;
        memcpy(e->id, id, 17);
        rc = 0;
        if (kind == JOURNAL_EV_START &&
            (json_as_size(json_get(root, "from"), &e->epoch) != 0 ||
             json_as_size(json_get(root, "until"), &e->until) != 0))
            rc = journal_bad(err, "from/until");
        if (kind == JOURNAL_EV_EPOCH) {
            const char *d = json_as_string(json_get(root, "decision"));
            if (json_as_size(json_get(root, "epoch"), &e->epoch) != 0 ||
                json_as_double(json_get(root, "val_loss"), &e->val_loss) != 0 ||
                json_as_double(json_get(root, "val_mae"), &e->val_mae) != 0 || !d ||
                strlen(d) >= sizeof e->decision)
                rc = journal_bad(err, "epoch/val_loss/val_mae/decision");
            else
                snprintf(e->decision, sizeof e->decision, "%s", d);
        }
    }
    json_free(root);
    return rc;
}

/* ==== appending ======================================================================== */

/* write all of buf[0..n) at the end of fd, retrying on EINTR and short writes */
static int journal_write_all(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync a directory so a newly created entry in it is durable */
static void journal_sync_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY);
    if (dfd < 0) return;
    fsync(dfd);
    close(dfd);
}

/* Read bytes [from, to) of fd into a malloc'ed buffer. */
static char *journal_pread_range(int fd, off_t from, off_t to) {
    size_t n = (size_t)(to - from);
    char *buf = malloc(n + 1);
    if (!buf) return NULL;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, from + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { free(buf); return NULL; }
        got += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

/* Check the last line of the open journal; if it is truncated or corrupt, copy its bytes to
 * PATH.dropped and cut the file before it; if it is a complete record missing only its
 * newline, add the newline. */
static int journal_repair(journal *j, hs_error *err) {
    struct stat st;
    if (fstat(j->fd, &st) != 0)
        return hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot stat: %s", strerror(errno));
    off_t size = st.st_size;
    j->size = size;
    if (size == 0) return 0;
    char last;
    if (pread(j->fd, &last, 1, size - 1) != 1)
        return hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot read: %s", strerror(errno));
    /* find the start of the last line: scan back from before its terminator */
    off_t pos = last == '\n' ? size - 1 : size, start = 0;
    char chunk[4096];
    while (pos > 0) {
        size_t k = pos > (off_t)sizeof chunk ? sizeof chunk : (size_t)pos;
        if (pread(j->fd, chunk, k, pos - (off_t)k) != (ssize_t)k)
            return hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot read: %s", strerror(errno));
        size_t i = k;
        while (i > 0 && chunk[i - 1] != '\n') i--;
        if (i > 0) { start = pos - (off_t)k + (off_t)i; break; }
        pos -= (off_t)k;
    }
    char *line = journal_pread_range(j->fd, start, size);
    if (!line) return hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot read the last line");
    size_t len = (size_t)(size - start);
    size_t body = last == '\n' ? len - 1 : len;
    int blank = 1;
    for (size_t i = 0; i < body; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') blank = 0;
    journal_record r;
    journal_record_init(&r);
    journal_event ev;
    int ok = blank || (journal_line_is_event(line, body) ? journal_event_parse(line, body, &ev, NULL) == 0
                                                           : journal_record_parse(line, body, &r, NULL) == 0);
    if (!blank) journal_record_deinit(&r);
    int rc = 0;
    if (ok && last != '\n') {
        if (journal_write_all(j->fd, "\n", 1) != 0 || fsync(j->fd) != 0)
            rc = hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot write: %s", strerror(errno));
        else
            j->size = size + 1;
    } else if (!ok) {
        char dropped[4200];
        snprintf(dropped, sizeof dropped, "%s%s", j->path, RUNDIR_DROPPED_SUFFIX);
        int dfd = open(dropped, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (dfd < 0 || journal_write_all(dfd, line, len) != 0 ||
            (last != '\n' && journal_write_all(dfd, "\n", 1) != 0) || fsync(dfd) != 0) {
            rc = hs_error_set(err, HS_ERR_IO, dropped, 0, 0, "cannot save the corrupt last journal line: %s",
                              strerror(errno));
        } else if (ftruncate(j->fd, start) != 0 || fsync(j->fd) != 0) {
            rc = hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot truncate: %s", strerror(errno));
        } else {
            j->size = start;
            j->repaired = len;
        }
        if (dfd >= 0) close(dfd);
    }
    free(line);
    return rc;
}

/* journal_open_append (lock = 1) and journal_open_append_shared (lock = 0). */
static journal *journal_open(const char *dir, int lock, hs_error *err) {
    journal *j = calloc(1, sizeof *j);
    if (!j) { hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory"); return NULL; }
    j->fd = -1;
    if (rundir_path(j->path, sizeof j->path, dir, RUNDIR_JOURNAL, NULL) != 0) {
        hs_error_set(err, HS_ERR_IO, dir, 0, 0, "path too long");
        goto fail;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        hs_error_set(err, HS_ERR_IO, dir, 0, 0, "cannot create directory: %s", strerror(errno));
        goto fail;
    }
    struct stat before;
    int existed = stat(j->path, &before) == 0;
    j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND, 0644);
    if (j->fd < 0) {
        hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot open for appending: %s", strerror(errno));
        goto fail;
    }
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (lock && fcntl(j->fd, F_SETLK, &lk) != 0) {
        hs_error_set(err, HS_ERR_STATE, j->path, 0, 0,
                     "journal is locked by another process (is another sweep writing to this directory?)");
        goto fail;
    }
    if (journal_repair(j, err) != 0) goto fail;
    if (!existed) journal_sync_dir(dir);   /* a new entry: make it durable */
    return j;
fail:
    journal_close(j);
    return NULL;
}

journal *journal_open_append(const char *dir, hs_error *err) { return journal_open(dir, 1, err); }

journal *journal_open_append_shared(const char *dir, hs_error *err) { return journal_open(dir, 0, err); }

size_t journal_repaired_bytes(const journal *j) { return j ? j->repaired : 0; }

/* Append the formatted line in sb (a newline is added) and fsync (unless the journal defers
 * its fsyncs to journal_sync); on failure truncate back so no half line is left, and name
 * what (e.g. "trial X") in the error. */
static int journal_append_line(journal *j, strbuf *sb, const char *what, hs_error *err) {
    strbuf_putc(sb, '\n');
    if (strbuf_failed(sb)) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (journal_write_all(j->fd, sb->data, sb->len) != 0 || (!j->defer_sync && fsync(j->fd) != 0)) {
        int e = errno;
        /* never leave half a record behind */
        if (ftruncate(j->fd, j->size) == 0) fsync(j->fd);
        return hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot append %s: %s", what, strerror(e));
    }
    j->size += (off_t)sb->len;
    return 0;
}

int journal_append(journal *j, const journal_record *r, hs_error *err) {
    strbuf sb;
    strbuf_init(&sb);
    char what[64];
    snprintf(what, sizeof what, "trial %s", r->id);
    int rc = journal_record_format(r, &sb, err);
    if (rc == 0) rc = journal_append_line(j, &sb, what, err);
    strbuf_deinit(&sb);
    return rc;
}

int journal_append_event(journal *j, const journal_event *ev, hs_error *err) {
    strbuf sb;
    strbuf_init(&sb);
    char what[64];
    snprintf(what, sizeof what, "an event of trial %s", ev->id);
    int rc = journal_event_format(ev, &sb, err);
    if (rc == 0) rc = journal_append_line(j, &sb, what, err);
    strbuf_deinit(&sb);
    return rc;
}

void journal_defer_sync(journal *j, int on) {
    if (j) j->defer_sync = on != 0;
}

int journal_sync(journal *j, hs_error *err) {
    if (fsync(j->fd) != 0)
        return hs_error_set(err, HS_ERR_IO, j->path, 0, 0, "cannot fsync: %s", strerror(errno));
    return 0;
}

void journal_close(journal *j) {
    if (!j) return;
    if (j->fd >= 0) close(j->fd);
    free(j);
}

/* ==== reading ========================================================================== */

void journal_records_free(journal_record *recs, size_t n) {
    if (!recs) return;
    for (size_t i = 0; i < n; i++) free(recs[i].history);
    free(recs);
}

typedef struct journal_idpos {
    char id[17];           /* trial id */
    size_t pos;            /* index in the parsed array */
} journal_idpos;

static int journal_cmp_idpos(const void *a, const void *b) {
    const journal_idpos *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Drop every record superseded by a later one with the same id, keeping file order. */
static int journal_dedupe(journal_record *recs, size_t *n, size_t *dups, hs_error *err) {
    *dups = 0;
    if (*n < 2) return 0;
    journal_idpos *ip = malloc(*n * sizeof *ip);
    unsigned char *drop = calloc(*n, 1);
    if (!ip || !drop) {
        free(ip);
        free(drop);
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < *n; i++) {
        memcpy(ip[i].id, recs[i].id, 17);
        ip[i].pos = i;
    }
    qsort(ip, *n, sizeof *ip, journal_cmp_idpos);
    for (size_t i = 0; i + 1 < *n; i++)
        if (strcmp(ip[i].id, ip[i + 1].id) == 0) { drop[ip[i].pos] = 1; (*dups)++; }
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        if (drop[i]) { free(recs[i].history); continue; }
        recs[m++] = recs[i];
    }
    *n = m;
    free(ip);
    free(drop);
    return 0;
}

void journal_repair_hint(const char *path, char *buf, size_t n) {
    size_t len = strlen(path), suf = strlen(RUNDIR_JOURNAL);
    int dirlen = (int)len;
    if (len >= suf && strcmp(path + len - suf, RUNDIR_JOURNAL) == 0) dirlen = (int)(len - suf);
    if (dirlen > 1 && path[dirlen - 1] == '/') dirlen--;
    if (dirlen == 0) snprintf(buf, n, "`hsweep journal repair .` moves it to %s", RUNDIR_REJECTED);
    else snprintf(buf, n, "`hsweep journal repair %.*s` moves it to %s", dirlen > 3000 ? 3000 : dirlen, path,
                  RUNDIR_REJECTED);
}

int journal_read(const char *path, journal_record **recs_out, size_t *n_out, journal_read_info *info,
                 hs_error *err) {
    return journal_read_filtered(path, NULL, NULL, recs_out, n_out, info, err);
}

int journal_read_filtered(const char *path, journal_keep_fn keep, void *ctx, journal_record **recs_out,
                          size_t *n_out, journal_read_info *info, hs_error *err) {
    journal_read_info dummy;
    if (!info) info = &dummy;
    memset(info, 0, sizeof *info);
    *recs_out = NULL;
    *n_out = 0;
    journal_record *recs = NULL;
    size_t n = 0, cap = 0;
    char *text = NULL;
    size_t len = 0;
    int rc = 0;

    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open journal: %s", strerror(errno));
    {
        strbuf sb;
        strbuf_init(&sb);
        int rd = strbuf_read_stream(&sb, f);
        fclose(f);
        if (rd != 0) {
            strbuf_deinit(&sb);
            return rd == -1 ? hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot read journal")
                            : hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory reading journal");
        }
        text = sb.data;
        len = sb.len;
    }

    /* a bad line is remembered; it is an error only if a non-empty line follows it */
    long bad_line = 0;
    hs_error bad_err;
    hs_error_clear(&bad_err);
    long lineno = 0;
    size_t p = 0;
    while (p < len) {
        size_t e = p;
        while (e < len && text[e] != '\n') e++;
        lineno++;
        size_t body = e;
        while (body > p && (text[body - 1] == '\r' || text[body - 1] == ' ' || text[body - 1] == '\t')) body--;
        size_t b = p;
        while (b < body && (text[b] == ' ' || text[b] == '\t')) b++;
        if (b < body && journal_line_is_event(text + b, body - b)) {
            p = e + 1;   /* a scheduler event, not a trial (journal_read_events) */
            continue;
        }
        if (b < body) {
            info->lines++;
            if (bad_line) {
                char hint[3200];
                journal_repair_hint(path, hint, sizeof hint);
                rc = hs_error_set(err, bad_err.code, path, bad_line, bad_err.col, "corrupt journal record: %.300s; %s",
                                  bad_err.msg, hint);
                goto done;
            }
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                journal_record *g = realloc(recs, nc * sizeof *g);
                if (!g) { rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory"); goto done; }
                recs = g;
                cap = nc;
            }
            hs_error le;
            int prc = journal_record_parse(text + b, body - b, &recs[n], &le);
            if (prc == HS_ERR_NOMEM) {
                journal_record_deinit(&recs[n]);
                rc = hs_error_set(err, HS_ERR_NOMEM, path, lineno, 0, "out of memory");
                goto done;
            }
            if (prc != 0) {
                journal_record_deinit(&recs[n]);
                bad_line = lineno;
                bad_err = le;
                if (bad_err.col > 0) bad_err.col += (long)(b - p);
            } else if (keep && !keep(&recs[n], lineno, ctx)) {
                journal_record_deinit(&recs[n]);   /* set aside by the caller's check */
                info->set_aside++;
            } else {
                n++;
            }
        }
        p = e + 1;
    }
    if (bad_line) {
        info->dropped_last = 1;
        info->dropped_line = bad_line;
        snprintf(info->warning, sizeof info->warning, "%.280s:%ld: skipped truncated or corrupt last line (%.150s)", path,
                 bad_line, bad_err.msg);
    }
    rc = journal_dedupe(recs, &n, &info->duplicates, err);
done:
    free(text);
    if (rc != 0) {
        journal_records_free(recs, n);
        return rc;
    }
    *recs_out = recs;
    *n_out = n;
    return 0;
}

int journal_read_events(const char *path, journal_event **ev_out, size_t *n_out, hs_error *err) {
    *ev_out = NULL;
    *n_out = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open journal: %s", strerror(errno));
    strbuf sb;
    strbuf_init(&sb);
    int rd = strbuf_read_stream(&sb, f);
    fclose(f);
    if (rd != 0) {
        strbuf_deinit(&sb);
        return hs_error_set(err, rd == -1 ? HS_ERR_IO : HS_ERR_NOMEM, path, 0, 0, "cannot read journal");
    }
    const char *text = sb.data ? sb.data : "";
    size_t len = sb.len, n = 0, cap = 0, p = 0;
    journal_event *ev = NULL;
    long lineno = 0, bad_line = 0;
    hs_error bad_err;
    int rc = 0;
    while (p < len && rc == 0) {
        size_t e = p;
        while (e < len && text[e] != '\n') e++;
        lineno++;
        size_t b = p, body = e;
        while (body > b && (text[body - 1] == '\r' || text[body - 1] == ' ' || text[body - 1] == '\t')) body--;
        while (b < body && (text[b] == ' ' || text[b] == '\t')) b++;
        p = e + 1;
        if (b == body) continue;
        if (bad_line) { /* a bad line followed by another: not a crash mid-write */
            char hint[3200];
            journal_repair_hint(path, hint, sizeof hint);
            rc = hs_error_set(err, bad_err.code, path, bad_line, 0, "corrupt journal line: %.300s; %s", bad_err.msg,
                              hint);
            break;
        }
        if (!journal_line_is_event(text + b, body - b)) continue;   /* a trial record */
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 256;
            journal_event *g = realloc(ev, nc * sizeof *g);
            if (!g) { rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory"); break; }
            ev = g;
            cap = nc;
        }
        if (journal_event_parse(text + b, body - b, &ev[n], &bad_err) != 0) bad_line = lineno;
        else n++;
    }
    strbuf_deinit(&sb);
    if (rc != 0) {
        free(ev);
        return rc;
    }
    *ev_out = ev;
    *n_out = n;
    return 0;
}

static int journal_size_cmp(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

size_t journal_events_rung_grid(const journal_event *ev, size_t n, size_t *grid) {
    size_t ng = 0;
    for (size_t k = 0; k < n; k++) {
        if (ev[k].kind != JOURNAL_EV_EPOCH) continue;
        int rung = strcmp(ev[k].decision, "finished") == 0;
        if (strcmp(ev[k].decision, "pause") == 0) {
            size_t until = 0;
            for (size_t j = k; j-- > 0;)
                if (ev[j].kind == JOURNAL_EV_START && strcmp(ev[j].id, ev[k].id) == 0) {
                    until = ev[j].until;
                    break;
                }
            rung = ev[k].epoch >= until;
        }
        if (rung) grid[ng++] = ev[k].epoch;
    }
    qsort(grid, ng, sizeof *grid, journal_size_cmp);
    size_t u = 0;
    for (size_t k = 0; k < ng; k++)
        if (u == 0 || grid[u - 1] != grid[k]) grid[u++] = grid[k];
    return u;
}
