/* jcheck: journal validation and repair (see jcheck.h). */
#define _POSIX_C_SOURCE 200809L
#include "io/jcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/hpkey.h"
#include "io/jobfile.h"
#include "io/results.h"
#include "io/rundir.h"
#include "io/strbuf.h"
#include "io/studylock.h"

/* A heartbeat timeout for job files that record none (sweep/study.h's default). */
#define JCHECK_JOB_TIMEOUT_S 300.0

const char *jcheck_verdict_name(jcheck_verdict v) {
    switch (v) {
    case JCHECK_VALID: return "valid";
    case JCHECK_INVALID: return "invalid";
    case JCHECK_FOREIGN: return "foreign";
    case JCHECK_CORRUPT: return "corrupt";
    }
    return "?";
}

void jcheck_expect_load(const char *dir, jcheck_expect *x) {
    memset(x, 0, sizeof *x);
    results_meta_info info;
    hs_error e;
    x->id_scheme = -1;   /* no metadata.json: not a directory `hsweep run` made, scheme unknown */
    if (results_read_metadata(dir, &info, &e) != 0) return;
    x->id_scheme = info.id_scheme > 0 ? info.id_scheme : HPKEY_V1;
    snprintf(x->dataset, sizeof x->dataset, "%s", info.dataset.id);
}

/* ==== one record, one event =============================================================== */

/* 1 when metric v is acceptable: null (NaN) or a finite value >= 0. */
static int jcheck_metric_ok(double v) { return isnan(v) || (isfinite(v) && v >= 0.0); }

/* The id scheme h of r's hparams and repeat, as 16 hex. */
static void jcheck_id_of(const journal_record *r, hpkey_scheme s, char id[17]) {
    static const char hex[] = "0123456789abcdef";
    uint64_t h = hpkey_trial_hash(&r->hp, r->repeat, s);
    for (int i = 0; i < 16; i++) id[i] = hex[(h >> (60 - 4 * i)) & 0xf];
    id[16] = '\0';
}

jcheck_verdict jcheck_record(const journal_record *r, const jcheck_expect *x, char *why, size_t n) {
    char dummy[8];
    if (!why) {
        why = dummy;
        n = sizeof dummy;
    }
    why[0] = '\0';
    /* the id: the hash of the hparams (without the seed) and the repeat, in the directory's
     * scheme; a directory of unknown scheme accepts either */
    if (x->id_scheme >= 0) {   /* -1: ids not checked */
        char v2[17], v1[17] = "";
        jcheck_id_of(r, HPKEY_V2, v2);
        if (x->id_scheme != HPKEY_V2 && hpkey_v1_missing(&r->hp) == NULL) jcheck_id_of(r, HPKEY_V1, v1);
        int id_ok = (x->id_scheme != HPKEY_V1 && strcmp(r->id, v2) == 0) ||
                    (x->id_scheme != HPKEY_V2 && v1[0] && strcmp(r->id, v1) == 0);
        if (!id_ok) {
            snprintf(why, n, "id %s is not the hash of its hparams and repeat %zu (%s)", r->id, r->repeat,
                     x->id_scheme == HPKEY_V1 ? (v1[0] ? v1 : "not an id of hsweep 0.1") : v2);
            return JCHECK_INVALID;
        }
    }
    static const char *const names[3] = {"val_mae", "val_loss", "test_mae"};
    const double vals[3] = {r->val_mae, r->val_loss, r->test_mae};
    for (int k = 0; k < 3; k++)
        if (!jcheck_metric_ok(vals[k])) {
            snprintf(why, n, "%s %g is negative", names[k], vals[k]);
            return JCHECK_INVALID;
        }
    if (r->status == JOURNAL_OK && !isfinite(r->val_mae)) {
        snprintf(why, n, "status ok without a finite val_mae");
        return JCHECK_INVALID;
    }
    if (r->best_epoch > r->epochs_run) {
        snprintf(why, n, "best_epoch %zu > epochs_run %zu", r->best_epoch, r->epochs_run);
        return JCHECK_INVALID;
    }
    if (r->epochs_run > r->hp.epochs) {
        snprintf(why, n, "epochs_run %zu > hparams.epochs %zu", r->epochs_run, r->hp.epochs);
        return JCHECK_INVALID;
    }
    if (!jcheck_metric_ok(r->wall_s)) {
        snprintf(why, n, "wall_s %g is negative", r->wall_s);
        return JCHECK_INVALID;
    }
    if (x->dataset[0] && r->dataset[0] && strcmp(x->dataset, r->dataset) != 0) {
        snprintf(why, n, "trained on dataset %s, this directory's is %s", r->dataset, x->dataset);
        return JCHECK_FOREIGN;
    }
    return JCHECK_VALID;
}

jcheck_verdict jcheck_event(const journal_event *e, char *why, size_t n) {
    char dummy[8];
    if (!why) {
        why = dummy;
        n = sizeof dummy;
    }
    why[0] = '\0';
    if (e->kind == JOURNAL_EV_START && e->until < e->epoch) {
        snprintf(why, n, "start event with until %zu < from %zu", e->until, e->epoch);
        return JCHECK_INVALID;
    }
    if (e->kind == JOURNAL_EV_EPOCH) {
        if (e->epoch == 0) {
            snprintf(why, n, "epoch event with epoch 0 (epochs are 1-based)");
            return JCHECK_INVALID;
        }
        if (!jcheck_metric_ok(e->val_loss) || !jcheck_metric_ok(e->val_mae)) {
            snprintf(why, n, "epoch event with a negative val_loss or val_mae");
            return JCHECK_INVALID;
        }
        if (!e->decision[0]) {
            snprintf(why, n, "epoch event without a decision");
            return JCHECK_INVALID;
        }
    }
    return JCHECK_VALID;
}

/* ==== reports ============================================================================== */

void jcheck_report_deinit(jcheck_report *rep) {
    if (!rep) return;
    free(rep->items);
    rep->items = NULL;
    rep->n_items = rep->cap_items = 0;
}

/* Count a bad line; keep it in items when keep_items. 0 or HS_ERR_NOMEM. */
static int jcheck_note(jcheck_report *rep, const jcheck_item *it, int keep_items) {
    if (it->verdict == JCHECK_INVALID) rep->invalid++;
    else if (it->verdict == JCHECK_FOREIGN) rep->foreign++;
    else rep->corrupt++;
    if (rep->first.line == 0) rep->first = *it;
    if (!keep_items) return 0;
    if (rep->n_items == rep->cap_items) {
        size_t cap = rep->cap_items ? 2 * rep->cap_items : 16;
        jcheck_item *g = realloc(rep->items, cap * sizeof *g);
        if (!g) return HS_ERR_NOMEM;
        rep->items = g;
        rep->cap_items = cap;
    }
    rep->items[rep->n_items++] = *it;
    return 0;
}

typedef struct jcheck_read_ctx {
    const jcheck_expect *x;   /* expectations */
    jcheck_report *rep;       /* counts */
} jcheck_read_ctx;

static int jcheck_keep(const journal_record *r, long line, void *ctx) {
    jcheck_read_ctx *c = ctx;
    c->rep->records++;
    jcheck_item it;
    memset(&it, 0, sizeof it);
    it.verdict = jcheck_record(r, c->x, it.why, sizeof it.why);
    if (it.verdict == JCHECK_VALID) return 1;
    it.line = line;
    memcpy(it.id, r->id, sizeof it.id);
    jcheck_note(c->rep, &it, 0);
    return 0;
}

int jcheck_read(const char *path, const jcheck_expect *x, journal_record **recs, size_t *n,
                journal_read_info *info, jcheck_report *rep, hs_error *err) {
    memset(rep, 0, sizeof *rep);
    snprintf(rep->path, sizeof rep->path, "%s", path);
    jcheck_read_ctx c = {x, rep};
    return journal_read_filtered(path, jcheck_keep, &c, recs, n, info, err);
}

void jcheck_format(const jcheck_report *rep, const char *dir, char *buf, size_t n) {
    size_t bad = rep->invalid + rep->foreign + rep->corrupt;
    if (bad == 0) {
        if (n) buf[0] = '\0';
        return;
    }
    char first[400];
    if (rep->first.id[0])
        snprintf(first, sizeof first, "trial %s: %s", rep->first.id, rep->first.why);
    else
        snprintf(first, sizeof first, "%s", rep->first.why);
    snprintf(buf, n, "%zu journal record%s set aside (%zu invalid, %zu foreign; first %.1000s:%ld: %s); "
             "`hsweep journal check %.1000s` lists them, `hsweep journal repair %.1000s` moves them to %s",
             bad, bad == 1 ? "" : "s", rep->invalid, rep->foreign, rep->path, rep->first.line, first, dir, dir,
             RUNDIR_REJECTED);
}

/* ==== scanning and repairing =============================================================== */

/* Read the whole file at path into *text (NUL-terminated, owned), *len. 0 or a status. */
static int jcheck_slurp(const char *path, char **text, size_t *len, hs_error *err) {
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open journal: %s", strerror(errno));
    strbuf sb;
    strbuf_init(&sb);
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) strbuf_putn(&sb, buf, k);
    int bad = ferror(f);
    fclose(f);
    if (bad || strbuf_failed(&sb)) {
        strbuf_deinit(&sb);
        return hs_error_set(err, bad ? HS_ERR_IO : HS_ERR_NOMEM, path, 0, 0, "cannot read journal");
    }
    strbuf_putc(&sb, '\0');   /* a terminator, not counted */
    if (strbuf_failed(&sb)) {
        strbuf_deinit(&sb);
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    }
    *text = sb.data;
    *len = sb.len - 1;
    return 0;
}

/* The verdict on one non-blank line (trimmed: line[0..len)); fills it. */
static jcheck_verdict jcheck_line(const char *line, size_t len, const jcheck_expect *x, jcheck_item *it,
                                  int *is_event) {
    hs_error e;
    *is_event = journal_line_is_event(line, len);
    if (*is_event) {
        journal_event ev;
        if (journal_event_parse(line, len, &ev, &e) != 0) {
            snprintf(it->why, sizeof it->why, "corrupt event line: %.200s", e.msg);
            return it->verdict = JCHECK_CORRUPT;
        }
        memcpy(it->id, ev.id, sizeof it->id);
        return it->verdict = jcheck_event(&ev, it->why, sizeof it->why);
    }
    journal_record r;
    if (journal_record_parse(line, len, &r, &e) != 0) {
        snprintf(it->why, sizeof it->why, "corrupt line: %.200s", e.msg);
        journal_record_deinit(&r);
        return it->verdict = JCHECK_CORRUPT;
    }
    memcpy(it->id, r.id, sizeof it->id);
    it->verdict = jcheck_record(&r, x, it->why, sizeof it->why);
    journal_record_deinit(&r);
    return it->verdict;
}

/* Scan text[0..len) of the journal; with keep/moved not NULL, append each good line (with
 * its newline) to keep and each bad one to moved. 0 or HS_ERR_NOMEM. */
static int jcheck_scan_text(const char *text, size_t len, const jcheck_expect *x, jcheck_report *rep,
                            strbuf *keep, strbuf *moved) {
    long lineno = 0;
    size_t p = 0;
    while (p < len) {
        size_t e = p;
        while (e < len && text[e] != '\n') e++;
        lineno++;
        size_t b = p, body = e;
        while (body > b && (text[body - 1] == '\r' || text[body - 1] == ' ' || text[body - 1] == '\t')) body--;
        while (b < body && (text[b] == ' ' || text[b] == '\t')) b++;
        jcheck_item it;
        memset(&it, 0, sizeof it);
        it.line = lineno;
        int is_event = 0;
        jcheck_verdict v = b < body ? jcheck_line(text + b, body - b, x, &it, &is_event) : JCHECK_VALID;
        if (b < body && v != JCHECK_CORRUPT) {
            if (is_event) rep->events++;
            else rep->records++;
        }
        if (v != JCHECK_VALID && jcheck_note(rep, &it, 1) != 0) return HS_ERR_NOMEM;
        strbuf *to = v == JCHECK_VALID ? keep : moved;
        if (to) {
            strbuf_putn(to, text + p, e - p);
            strbuf_putc(to, '\n');
        }
        p = e + 1;
    }
    if ((keep && strbuf_failed(keep)) || (moved && strbuf_failed(moved))) return HS_ERR_NOMEM;
    return 0;
}

int jcheck_scan(const char *dir, const jcheck_expect *x, jcheck_report *rep, hs_error *err) {
    memset(rep, 0, sizeof *rep);
    if (rundir_path(rep->path, sizeof rep->path, dir, RUNDIR_JOURNAL, err) != 0) return HS_ERR_VALUE;
    char *text = NULL;
    size_t len = 0;
    int rc = jcheck_slurp(rep->path, &text, &len, err);
    if (rc) return rc;
    rc = jcheck_scan_text(text, len, x, rep, NULL, NULL);
    free(text);
    if (rc) return hs_error_set(err, HS_ERR_NOMEM, rep->path, 0, 0, "out of memory");
    return 0;
}

/* A job that is still running in dir (state running, heartbeat younger than its timeout,
 * and not a process of this host that is gone): its key into who. 1 if there is one. */
static int jcheck_live_job(const char *dir, char *who, size_t n) {
    jobfile *jobs = NULL;
    size_t nj = 0;
    int live = 0;
    if (jobfile_list(dir, &jobs, &nj, NULL) != 0) return 0;
    for (size_t k = 0; k < nj; k++) {
        double age = (double)time(NULL) - jobs[k].mtime;
        double timeout = jobs[k].timeout_s > 0 ? jobs[k].timeout_s : JCHECK_JOB_TIMEOUT_S;
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        int dead = strcmp(host, jobs[k].host) == 0 && studylock_pid_dead(jobs[k].pid);
        if (!live && !dead && strcmp(jobs[k].state, "running") == 0 && age <= timeout) {
            live = 1;
            snprintf(who, n, "%s", jobs[k].job);
        }
        jobfile_deinit(&jobs[k]);
    }
    free(jobs);
    return live;
}

/* Append data[0..len) to path and fsync it (created if needed). 0 or HS_ERR_IO. */
static int jcheck_append_sync(const char *path, const char *data, size_t len, hs_error *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(e));
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(e));
    }
    if (close(fd) != 0) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    return 0;
}

int jcheck_repair(const char *dir, const jcheck_expect *x, int no_lock, jcheck_report *rep, hs_error *err) {
    memset(rep, 0, sizeof *rep);
    char side[4200], who[160];
    char *text = NULL;
    size_t len = 0;
    strbuf keep, moved;
    strbuf_init(&keep);
    strbuf_init(&moved);
    studylock lk;
    int locked = 0, rc = rundir_path(rep->path, sizeof rep->path, dir, RUNDIR_JOURNAL, err);
    if (rc == 0) rc = rundir_path(side, sizeof side, dir, RUNDIR_REJECTED, err);
    if (rc) goto done;
    if (jcheck_live_job(dir, who, sizeof who)) {
        rc = hs_error_set(err, HS_ERR_STATE, dir, 0, 0, "job %s is still running here; repair the journal "
                          "after it ends (or is stopped)", who);
        goto done;
    }
    rc = studylock_init(&lk, dir, 0, -1, no_lock, err);
    if (rc == 0) rc = studylock_acquire(&lk, err);
    if (rc) goto done;
    locked = 1;
    rc = jcheck_slurp(rep->path, &text, &len, err);
    if (rc) goto done;
    if (jcheck_scan_text(text, len, x, rep, &keep, &moved) != 0) {
        rc = hs_error_set(err, HS_ERR_NOMEM, rep->path, 0, 0, "out of memory");
        goto done;
    }
    if (moved.len == 0) goto done;   /* nothing to move: the journal is left as it is */
    /* the side file first: a crash after it leaves the lines in both files, never in none */
    rc = jcheck_append_sync(side, moved.data, moved.len, err);
    if (rc == 0) rc = rundir_write_atomic(rep->path, keep.len ? keep.data : "", keep.len, err);
done:
    if (locked) studylock_release(&lk);
    free(text);
    strbuf_deinit(&keep);
    strbuf_deinit(&moved);
    return rc;
}
