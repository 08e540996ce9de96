/* study: a job's side of a shared run directory (see study.h). */
#define _POSIX_C_SOURCE 200809L
#include "sweep/study.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/claimlog.h"
#include "io/jcheck.h"
#include "io/rundir.h"

/* A trial id and its index, sorted for lookups. */
typedef struct study_id {
    char id[17];              /* trial id */
    size_t idx;               /* index into trials */
} study_id;

/* A job known from the claim journal. */
typedef struct study_peer {
    char key[128];            /* job key "<host>.<pid>" */
    double checked;           /* monotonic time of the last liveness check, 0 never */
    double age;               /* its heartbeat's age at that check (s), -1 no file */
} study_peer;

struct study {
    char dir[4096];           /* the run directory */
    char jpath[4200];         /* DIR/journal.jsonl */
    char cpath[4200];         /* DIR/claims.jsonl */
    const sweep_trial *trials;/* (n) borrowed */
    size_t n;                 /* trials in the sweep */
    study_id *by_id;          /* (n) sorted by id */
    size_t cap;               /* room in by_id, status and mismatch (>= n) */
    claim_table *ct;          /* who holds what */
    unsigned char *status;    /* (n) journal_status + 1 of the trial's record, 0 none */
    unsigned char *mismatch;  /* (n) 1: a record under its id could not be reused */
    studylock lock;           /* the study lock */
    study_opts opt;           /* options (timeout resolved) */
    char job[128];            /* this job's key */
    char slurm[64];           /* its Slurm id */
    double started;           /* wall-clock start (s since 1970) */
    int self;                 /* this job's index in jobs */
    study_peer *jobs;          /* (n_jobs) every job seen in the claim journal */
    unsigned char *live;      /* (n_jobs) 1 live, 0 stale, by the last checks */
    size_t n_jobs, cap_jobs;  /* entries / capacity */
    long long j_off, c_off;   /* bytes of journal / claim journal read so far */
    long j_line, c_line;      /* lines read so far */
    int opening;              /* 1 during study_open's first read (retry_failed applies) */
    size_t gone;              /* records (distinct ids) not in the sweep, at open */
    char (*gone_ids)[17];     /* (n_gone_ids) ids seen not in the sweep, at open */
    size_t n_gone_ids, cap_gone;
    size_t retried;           /* trials whose failed record is rerun */
    size_t n_failed;          /* trials whose record is a failure */
    size_t late;              /* results discarded: another came first */
    size_t reissued;          /* stale claims taken over */
    double hb_mtime;          /* our heartbeat file's mtime at its last write (fs clock) */
    double hb_mono;           /* monotonic time of that write */
    int opened;               /* 1 once study_open succeeded */
    hs_error perr;            /* the last line that did not parse, with its line number */
    jcheck_expect expect;     /* what a record must be to be trusted (the sweep's id scheme,
                                 the dataset) */
    jcheck_report aside;      /* records set aside as invalid or foreign (counts, the first) */
    int group;                /* 1: group commit (study_set_group): appends are not fsynced
                                 one by one, study_commit fsyncs them */
    journal *pending;         /* group commit: the journal of the first append since the
                                 last study_commit (kept open for its fsync), NULL: none */
    int hold;                 /* 1 between study_hold and study_unhold: the lock stays held
                                 and every operation in between runs under it */
    int pending_held;         /* 1: pending was opened under the current hold, so no other
                                 job appended since: later appends of the hold reuse it */
    int hjfd, hcfd;           /* during a hold: the journal (read-only) and the claim journal
                                 (read-write) kept open, -1: not open; closed by study_unhold
                                 before the lock goes (NFS close-to-open) */
    unsigned dirty;           /* during a hold: STUDY_JOURNAL / STUDY_CLAIMS, the files that
                                 may hold lines not read yet (all at the hold's start, then
                                 only those this job appended to: nobody else can) */
};

/* study.dirty bits */
#define STUDY_JOURNAL 1u
#define STUDY_CLAIMS 2u

/* The study lock for one operation: taken here, unless study_hold holds it already. */
static int study_lock(study *s, hs_error *err) {
    return s->hold ? 0 : studylock_acquire(&s->lock, err);
}

static void study_unlock(study *s) {
    if (!s->hold) studylock_release(&s->lock);
}

/* claimlog_read_lines callbacks: a line that does not parse (details in study.perr) */
#define STUDY_BAD_LINE (-100)
/* study_peer.age of a job whose process is known to be gone */
#define STUDY_DEAD 1e30

static double study_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double study_wall(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int study_cmp_id(const void *a, const void *b) {
    return strcmp(((const study_id *)a)->id, ((const study_id *)b)->id);
}

static size_t study_find(const study *s, const char *id) {
    study_id key;
    snprintf(key.id, sizeof key.id, "%s", id);
    const study_id *hit = bsearch(&key, s->by_id, s->n, sizeof key, study_cmp_id);
    return hit ? hit->idx : SIZE_MAX;
}

/* Index of job key (the part of an owner before '/'), added if new; -1 out of memory. */
static int study_job_index(study *s, const char *owner) {
    char key[128];
    snprintf(key, sizeof key, "%s", owner);
    char *slash = strchr(key, '/');
    if (slash) *slash = '\0';
    for (size_t k = 0; k < s->n_jobs; k++)
        if (strcmp(s->jobs[k].key, key) == 0) return (int)k;
    if (s->n_jobs == s->cap_jobs) {
        size_t cap = s->cap_jobs ? 2 * s->cap_jobs : 16;
        study_peer *j = realloc(s->jobs, cap * sizeof *j);
        unsigned char *l = realloc(s->live, cap);
        if (j) s->jobs = j;
        if (l) s->live = l;
        if (!j || !l) return -1;
        s->cap_jobs = cap;
    }
    study_peer *j = &s->jobs[s->n_jobs];
    memset(j, 0, sizeof *j);
    snprintf(j->key, sizeof j->key, "%s", key);
    j->age = -1;
    s->live[s->n_jobs] = 1;   /* a job that just claimed is live until checked */
    return (int)s->n_jobs++;
}

/* ---- reading the two journals (under the lock) --------------------------------------------- */

static int study_on_journal_line(const char *line, size_t len, long lineno, void *ctx) {
    study *s = ctx;
    journal_record rec;
    hs_error e;
    if (journal_line_is_event(line, len)) return 0;   /* a scheduler event (policy_search.h) */
    int rc = journal_record_parse(line, len, &rec, &e);
    if (rc != 0) {
        journal_record_deinit(&rec);
        s->perr = e;
        s->perr.line = lineno;
        return rc == HS_ERR_NOMEM ? rc : STUDY_BAD_LINE;
    }
    jcheck_item bad;
    memset(&bad, 0, sizeof bad);
    bad.verdict = jcheck_record(&rec, &s->expect, bad.why, sizeof bad.why);
    if (bad.verdict != JCHECK_VALID) {   /* never reused, never ranked: counted at open */
        if (bad.verdict == JCHECK_INVALID) s->aside.invalid++;
        else s->aside.foreign++;
        if (s->aside.first.line == 0) {
            bad.line = lineno;
            memcpy(bad.id, rec.id, sizeof bad.id);
            s->aside.first = bad;
        }
        journal_record_deinit(&rec);
        return 0;
    }
    size_t idx = study_find(s, rec.id), ours = STUDY_NOT_OURS;
    if (idx == SIZE_MAX) {
        if (s->opening) {
            if (s->n_gone_ids == s->cap_gone) {
                size_t cap = s->cap_gone ? 2 * s->cap_gone : 64;
                char(*g)[17] = realloc(s->gone_ids, cap * sizeof *g);
                if (!g) {
                    journal_record_deinit(&rec);
                    return HS_ERR_NOMEM;
                }
                s->gone_ids = g;
                s->cap_gone = cap;
            }
            memcpy(s->gone_ids[s->n_gone_ids++], rec.id, 17);
        }
    } else if (claim_state_of(s->ct, idx) == CLAIM_DONE) {
        /* a second result for a trial (written by an older hsweep, or a rerun after a
         * change of seed that was changed back): the first matching one stands */
    } else if (!reuse_match(&rec, &s->trials[idx], s->opt.dataset_id, NULL, 0)) {
        s->mismatch[idx] = 1;
    } else if (s->opening && s->opt.retry_failed && rec.status != JOURNAL_OK) {
        if (!s->status[idx]) s->retried++;
        s->status[idx] = 0xff;   /* marked: retried, not done */
    } else if (rec.status == JOURNAL_PAUSED) {
        ours = idx;   /* paused by a scheduler: kept for the tables, not done */
    } else {
        ours = idx;
        claim_done(s->ct, idx);
        s->status[idx] = (unsigned char)(rec.status + 1);
        if (rec.status == JOURNAL_FAILED) s->n_failed++;
    }
    if (s->opt.on_record) s->opt.on_record(&rec, ours, s->opt.ctx);
    journal_record_deinit(&rec);
    return 0;
}

static int study_on_claim_line(const char *line, size_t len, long lineno, void *ctx) {
    study *s = ctx;
    claimlog_event e;
    hs_error pe;
    if (claimlog_parse(line, len, &e, &pe) != 0) {
        s->perr = pe;
        s->perr.line = lineno;
        return STUDY_BAD_LINE;
    }
    size_t idx = study_find(s, e.id);
    if (idx == SIZE_MAX) return 0;  /* a trial of an earlier sweep */
    int job = study_job_index(s, e.owner);
    if (job < 0) return HS_ERR_NOMEM;
    if (e.op == CLAIMLOG_CLAIM) {
        if (claim_state_of(s->ct, idx) == CLAIM_CLAIMED && claim_owner_of(s->ct, idx) != job &&
            job == s->self)
            s->reissued++;
        claim_take(s->ct, idx, job, e.t);
    } else {
        claim_release(s->ct, idx, job);
    }
    return 0;
}

/* Read path (the journal or the claim journal) from *off. Under a hold, through the
 * descriptor *keep, opened at the hold's first read (flags) and kept until study_unhold:
 * an fstat and a pread instead of an open, fstat, pread and close per read. */
static int study_read_file(study *s, const char *path, int *keep, int flags, long long *off,
                           long *line, claimlog_line_fn fn, hs_error *err) {
    if (!s->hold) return claimlog_read_lines(path, off, line, fn, s, err);
    if (*keep < 0) *keep = open(path, flags);
    if (*keep < 0 && errno == ENOENT) return 0;   /* nothing written yet */
    if (*keep < 0) return claimlog_read_lines(path, off, line, fn, s, err);
    return claimlog_read_fd(*keep, path, off, line, fn, s, err);
}

/* Read both journals from where this job stopped (under a hold, only those this job
 * appended to since its last read: study.dirty). A corrupt line that is not the last is
 * an error naming it; the last line of a file is only read once complete. */
static int study_read(study *s, hs_error *err) {
    unsigned which = s->hold ? s->dirty : STUDY_JOURNAL | STUDY_CLAIMS;
    int rc = !(which & STUDY_JOURNAL) ? 0
             : study_read_file(s, s->jpath, &s->hjfd, O_RDONLY, &s->j_off, &s->j_line,
                               study_on_journal_line, err);
    if (rc == 0 && (which & STUDY_JOURNAL)) s->dirty &= ~STUDY_JOURNAL;
    if (rc == STUDY_BAD_LINE) {
        char hint[3200];
        journal_repair_hint(s->jpath, hint, sizeof hint);
        return hs_error_set(err, HS_ERR_FORMAT, s->jpath, s->perr.line, s->perr.col,
                            "corrupt journal record: %.300s; %s", s->perr.msg, hint);
    }
    if (rc || !(which & STUDY_CLAIMS)) return rc;
    rc = study_read_file(s, s->cpath, &s->hcfd, O_RDWR, &s->c_off, &s->c_line,
                         study_on_claim_line, err);
    if (rc == 0) s->dirty &= ~STUDY_CLAIMS;
    if (rc == STUDY_BAD_LINE)
        return hs_error_set(err, HS_ERR_FORMAT, s->cpath, s->perr.line, s->perr.col,
                            "corrupt claim record: %s", s->perr.msg);
    return rc;
}

int study_sync(study *s, hs_error *err) {
    int rc = study_lock(s, err);
    if (rc) return rc;
    rc = study_read(s, err);
    study_unlock(s);
    return rc;
}

/* ---- liveness ------------------------------------------------------------------------------ */

/* Now on the file system's clock: our heartbeat file's mtime plus the time since. */
static double study_fs_now(const study *s) { return s->hb_mtime + (study_mono() - s->hb_mono); }

/* 1 when job key names a process on this host that no longer exists. */
static int study_job_dead(const char *key) {
    char me[160];
    jobfile_key(me, sizeof me);
    const char *dot = strrchr(key, '.'), *mdot = strrchr(me, '.');
    if (!dot || !mdot || dot - key != mdot - me || strncmp(key, me, (size_t)(dot - key)) != 0) return 0;
    long pid = strtol(dot + 1, NULL, 10);
    return studylock_pid_dead(pid);
}

/* Re-check (at most every tenth of the timeout) the heartbeat of every job holding a claim. */
static void study_check_jobs(study *s) {
    double now = study_mono(), every = s->opt.timeout_s / 10.0;
    for (size_t k = 0; k < claim_count(s->ct, CLAIM_CLAIMED); k++) {
        int j = claim_owner_of(s->ct, claim_claimed_at(s->ct, k));
        if (j < 0 || j == s->self) continue;
        study_peer *jb = &s->jobs[j];
        if (jb->checked > 0 && now - jb->checked < every) continue;
        jb->checked = now;
        double mt;
        if (study_job_dead(jb->key)) jb->age = STUDY_DEAD;
        else if (jobfile_mtime(s->dir, jb->key, &mt) == 0) jb->age = study_fs_now(s) - mt;
        else jb->age = -1;
        /* no heartbeat file at all: judge by the claim's own time */
        double age = jb->age >= 0 ? jb->age : study_wall() - claim_since(s->ct, claim_claimed_at(s->ct, k));
        s->live[j] = age <= s->opt.timeout_s;
    }
}

/* ---- open, claim, finish, release ---------------------------------------------------------- */

int study_check_alone(const char *dir, const char *what, double timeout_s, const char *self,
                      hs_error *err) {
    char who[160] = "";
    if (!jobfile_live_other(dir, timeout_s > 0 ? timeout_s : STUDY_TIMEOUT_S, self, who, sizeof who))
        return 0;
    return hs_error_set(err, HS_ERR_STATE, dir, 0, 0,
                        "%s runs as one job: job %s is running it here; give that job more "
                        "ranks, or wait for it to end and run this command again (it resumes)",
                        what, who);
}

study *study_open(const char *dir, const sweep_trial *trials, size_t n, const size_t *order,
                  const study_opts *opt, reuse_counts *counts, hs_error *err) {
    study *s = calloc(1, sizeof *s);
    if (!s) {
        hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    memset(counts, 0, sizeof *counts);
    s->hjfd = s->hcfd = -1;
    s->opt = *opt;
    if (s->opt.timeout_s <= 0) s->opt.timeout_s = STUDY_TIMEOUT_S;
    s->trials = trials;
    s->n = n;
    s->started = study_wall();
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->jpath, sizeof s->jpath, "%s/%s", dir, RUNDIR_JOURNAL);
    snprintf(s->cpath, sizeof s->cpath, "%s/%s", dir, RUNDIR_CLAIMS);
    s->expect.id_scheme = -1;   /* reuse_match compares each record with its trial's id */
    snprintf(s->expect.dataset, sizeof s->expect.dataset, "%s", opt->dataset_id ? opt->dataset_id : "");
    snprintf(s->aside.path, sizeof s->aside.path, "%s", s->jpath);
    jobfile_key(s->job, sizeof s->job);
    jobfile_slurm_id(s->slurm, sizeof s->slurm);
    s->cap = n ? n : 1;
    s->by_id = malloc((n ? n : 1) * sizeof *s->by_id);
    s->status = calloc(n ? n : 1, 1);
    s->mismatch = calloc(n ? n : 1, 1);
    s->ct = claim_create(n, order);
    if (!s->by_id || !s->status || !s->mismatch || !s->ct) {
        hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory for %zu trials", n);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(s->by_id[i].id, trials[i].id, 17);
        s->by_id[i].idx = i;
    }
    qsort(s->by_id, n, sizeof *s->by_id, study_cmp_id);
    s->self = study_job_index(s, s->job);
    if (s->self < 0) {
        hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    if (studylock_init(&s->lock, dir, opt->lock_stale_s, opt->lock_wait_s, opt->no_lock, err)) goto fail;
    /* the heartbeat file first: other jobs must see us live before our first claim; a
     * sweep that must run alone checks for other live jobs and announces itself in one
     * lock hold, so of two such jobs starting together the second sees the first */
    jobfile jf;
    memset(&jf, 0, sizeof jf);
    if (opt->alone && studylock_acquire(&s->lock, err)) goto fail;
    if (opt->alone && study_check_alone(dir, opt->alone, s->opt.timeout_s, s->job, err)) {
        studylock_release(&s->lock);
        goto fail;
    }
    int hb = study_heartbeat(s, &jf, err);
    if (opt->alone) studylock_release(&s->lock);
    if (hb) goto fail;
    /* read the bulk without the lock (a job array's tasks all start at once: a journal of
     * tens of MB read under the lock would queue them), stopping at the first line that does
     * not parse (a write in flight may show a hole on NFS); then the rest under the lock */
    s->opening = 1;
    hs_error pre;
    int rc = study_read(s, &pre);
    if (rc != 0 && rc != HS_ERR_FORMAT) {
        *err = pre;
        goto fail;
    }
    if (studylock_acquire(&s->lock, err)) goto fail;
    rc = study_read(s, err);
    s->opening = 0;
    studylock_release(&s->lock);
    if (rc) goto fail;
    /* the start line's figures */
    if (s->n_gone_ids > 1) qsort(s->gone_ids, s->n_gone_ids, sizeof *s->gone_ids,
                                 (int (*)(const void *, const void *))strcmp);
    for (size_t k = 0; k < s->n_gone_ids; k++)
        s->gone += k == 0 || strcmp(s->gone_ids[k], s->gone_ids[k - 1]) != 0;
    free(s->gone_ids);
    s->gone_ids = NULL;
    counts->reused = claim_count(s->ct, CLAIM_DONE);
    counts->fresh = n - counts->reused;
    counts->gone = s->gone;
    counts->retried = s->retried;
    counts->set_aside = s->aside.invalid + s->aside.foreign;
    jcheck_format(&s->aside, dir, counts->aside, sizeof counts->aside);
    for (size_t i = 0; i < n; i++)
        counts->changed += s->mismatch[i] && claim_state_of(s->ct, i) != CLAIM_DONE && s->status[i] != 0xff;
    for (size_t i = 0; i < n; i++)
        if (s->status[i] == 0xff) s->status[i] = 0;
    s->opened = 1;
    return s;
fail:
    free(s->gone_ids);
    s->gone_ids = NULL;
    study_close(s, NULL, NULL);
    return NULL;
}

/* Give back every trial this job still holds (one lock hold, one append); a failure is a
 * warning: the claims then expire with the heartbeat. */
static void study_release_all(study *s) {
    hs_error e;
    if (!s->opened || study_begin(s, &e) != 0) return;
    strbuf sb;
    strbuf_init(&sb);
    int rc = 0;
    for (size_t k = 0; k < claim_count(s->ct, CLAIM_CLAIMED) && rc == 0; k++) {
        size_t i = claim_claimed_at(s->ct, k);
        if (claim_owner_of(s->ct, i) != s->self) continue;
        claimlog_event ev;
        memset(&ev, 0, sizeof ev);
        ev.op = CLAIMLOG_RELEASE;
        memcpy(ev.id, s->trials[i].id, 17);
        snprintf(ev.owner, sizeof ev.owner, "%.100s/0", s->job);
        ev.t = study_wall();
        rc = claimlog_format(&ev, &sb, &e);
    }
    if (rc == 0 && sb.len > 0) rc = claimlog_append(s->cpath, s->c_off, sb.data, sb.len, &e);
    if (rc == 0 && sb.len > 0) rc = study_read(s, &e);
    if (rc != 0) {
        char msg[1600];
        hs_error_format(&e, msg, sizeof msg);
        fprintf(stderr, "hsweep run: warning: cannot give back unfinished trials (%s); they "
                "are taken over after the heartbeat timeout\n", msg);
    }
    strbuf_deinit(&sb);
    study_end(s);
}

void study_close_with(study *s, jobfile *final) {
    if (!s) return;
    hs_error ce;
    if (study_commit(s, &ce) != 0) hs_error_print(&ce, stderr);
    study_unhold(s);
    study_release_all(s);
    if (final) {
        hs_error e;
        if (study_heartbeat(s, final, &e) != 0) hs_error_print(&e, stderr);
    }
    if (s->lock.held) studylock_release(&s->lock);
    claim_free(s->ct);
    free(s->by_id);
    free(s->status);
    free(s->mismatch);
    free(s->jobs);
    free(s->live);
    free(s->gone_ids);
    free(s);
}

int study_add_trial(study *s, const sweep_trial *trials, size_t n_new) {
    s->trials = trials;
    if (n_new != s->n + 1) return HS_ERR_VALUE;
    if (s->n == s->cap) {
        size_t cap = 2 * s->cap;
        study_id *b = realloc(s->by_id, cap * sizeof *b);
        if (b) s->by_id = b;
        unsigned char *st = b ? realloc(s->status, cap) : NULL;
        if (st) s->status = st;
        unsigned char *mm = st ? realloc(s->mismatch, cap) : NULL;
        if (mm) s->mismatch = mm;
        if (!mm) return HS_ERR_NOMEM;
        s->cap = cap;
    }
    if (claim_add(s->ct) != 0) return HS_ERR_NOMEM;
    size_t i = s->n++;
    s->status[i] = 0;
    s->mismatch[i] = 0;
    /* insert (id, i) into the sorted by_id */
    study_id key;
    memcpy(key.id, trials[i].id, sizeof key.id);
    key.idx = i;
    size_t k = i;
    while (k > 0 && strcmp(s->by_id[k - 1].id, key.id) > 0) {
        s->by_id[k] = s->by_id[k - 1];
        k--;
    }
    s->by_id[k] = key;
    return 0;
}

void study_close(study *s, const char *state, const char *reason) {
    jobfile jf;
    memset(&jf, 0, sizeof jf);
    if (state) {
        snprintf(jf.state, sizeof jf.state, "%s", state);
        snprintf(jf.reason, sizeof jf.reason, "%s", reason ? reason : "");
    }
    study_close_with(s, state ? &jf : NULL);
}

/* Append one claim-journal event for trial idx by rank of this job (lock held). */
static int study_log(study *s, claimlog_op op, size_t idx, int rank, hs_error *err) {
    claimlog_event e;
    memset(&e, 0, sizeof e);
    e.op = op;
    memcpy(e.id, s->trials[idx].id, 17);
    snprintf(e.owner, sizeof e.owner, "%.100s/%d", s->job, rank);
    e.t = study_wall();
    strbuf sb;
    strbuf_init(&sb);
    int rc = claimlog_format(&e, &sb, err);
    if (rc == 0) rc = s->hold && s->hcfd >= 0
                          ? claimlog_append_fd(s->hcfd, s->cpath, s->c_off, sb.data, sb.len, err)
                          : claimlog_append(s->cpath, s->c_off, sb.data, sb.len, err);
    strbuf_deinit(&sb);
    s->dirty |= STUDY_CLAIMS;
    if (rc == 0) rc = study_read(s, err);   /* apply our own line like anyone's */
    return rc;
}

int study_claim(study *s, int rank, size_t *idx, int *stale, hs_error *err) {
    *idx = CLAIM_NONE;
    *stale = 0;
    study_check_jobs(s);
    int rc = study_lock(s, err);
    if (rc) return rc;
    rc = study_read(s, err);
    if (rc == 0) {
        size_t i = claim_next(s->ct, s->live, s->n_jobs, stale);
        if (i != CLAIM_NONE) {
            int o = claim_owner_of(s->ct, i);
            if (*stale && o >= 0 && s->jobs[o].age >= STUDY_DEAD)
                fprintf(stderr, "hsweep run: trial %s: job %s ended without finishing it (its "
                        "process no longer exists); taking its trial over\n", s->trials[i].id,
                        s->jobs[o].key);
            else if (*stale && o >= 0)
                fprintf(stderr, "hsweep run: trial %s: job %s has not sent a heartbeat for "
                        "%.0f s (timeout %.0f s); taking its trial over\n", s->trials[i].id,
                        s->jobs[o].key, s->jobs[o].age, s->opt.timeout_s);
            rc = study_log(s, CLAIMLOG_CLAIM, i, rank, err);
            if (rc == 0) *idx = i;
        }
    }
    study_unlock(s);
    return rc;
}

int study_begin(study *s, hs_error *err) {
    int rc = study_lock(s, err);
    if (rc) return rc;
    rc = study_read(s, err);
    if (rc) study_unlock(s);
    return rc;
}

void study_end(study *s) { study_unlock(s); }

int study_hold(study *s, hs_error *err) {
    if (s->hold) return 0;
    int rc = studylock_acquire(&s->lock, err);
    if (rc == 0) s->hold = 1;
    s->dirty = STUDY_JOURNAL | STUDY_CLAIMS;   /* other jobs may have appended before */
    return rc;
}

void study_unhold(study *s) {
    if (!s->hold) return;
    s->hold = 0;
    s->pending_held = 0;   /* other jobs may append from now on: open the journal afresh */
    /* closed before the lock goes: another NFS client then sees our claim lines */
    if (s->hjfd >= 0) close(s->hjfd);
    if (s->hcfd >= 0 && close(s->hcfd) != 0)
        fprintf(stderr, "hsweep: %s: warning: close failed: %s\n", s->cpath, strerror(errno));
    s->hjfd = s->hcfd = -1;
    studylock_release(&s->lock);
}

int study_is_done(const study *s, size_t idx) { return claim_state_of(s->ct, idx) == CLAIM_DONE; }

/* Append rec or ev (one of them) to the journal; lock held by the caller. In group mode the
 * line is not fsynced: the journal of the first such append stays open in s->pending for
 * study_commit's fsync (fsync covers every line written to the file, by any descriptor). */
static int study_append_line(study *s, const journal_record *rec, const journal_event *ev,
                             hs_error *err) {
    /* under a hold nobody else appended since pending was opened: append through it */
    journal *j = s->pending && s->pending_held ? s->pending : journal_open_append_shared(s->dir, err);
    if (!j) return err->code;
    journal_defer_sync(j, s->group);
    int rc = rec ? journal_append(j, rec, err) : journal_append_event(j, ev, err);
    s->dirty |= STUDY_JOURNAL;
    if (j == s->pending) return rc;
    if (rc == 0 && s->group && !s->pending) {
        s->pending = j;
        s->pending_held = s->hold;
    } else {
        journal_close(j);
    }
    return rc;
}

void study_set_group(study *s, int on) { s->group = on != 0; }

int study_commit(study *s, hs_error *err) {
    if (!s || !s->pending) return 0;
    int rc = journal_sync(s->pending, err);
    journal_close(s->pending);
    s->pending = NULL;
    s->pending_held = 0;
    return rc;
}

int study_append(study *s, const journal_record *rec, hs_error *err) {
    journal_record r = *rec;   /* shallow: only read by journal_append */
    if (s->opt.dataset_id) snprintf(r.dataset, sizeof r.dataset, "%s", s->opt.dataset_id);
    int rc = study_append_line(s, &r, NULL, err);
    if (rc == 0) rc = study_read(s, err);   /* our record reaches on_record like anyone's */
    return rc;
}

int study_append_event(study *s, const journal_event *ev, hs_error *err) {
    int rc = study_begin(s, err);
    if (rc) return rc;
    rc = study_append_line(s, NULL, ev, err);
    study_end(s);
    return rc;
}

int study_finish(study *s, size_t idx, const journal_record *rec, int *late, hs_error *err) {
    *late = 0;
    int rc = study_begin(s, err);
    if (rc) return rc;
    if (study_is_done(s, idx)) {
        *late = 1;
        s->late++;
    } else {
        rc = study_append(s, rec, err);
    }
    study_end(s);
    return rc;
}

int study_claim_trial(study *s, size_t idx, int rank, int *ok, hs_error *err) {
    *ok = 0;
    study_check_jobs(s);
    int rc = study_begin(s, err);
    if (rc) return rc;
    int o = claim_owner_of(s->ct, idx);
    claim_state st = claim_state_of(s->ct, idx);
    if (st == CLAIM_PENDING || (st == CLAIM_CLAIMED && (o == s->self || (o >= 0 && !s->live[o])))) {
        rc = study_log(s, CLAIMLOG_CLAIM, idx, rank, err);
        *ok = rc == 0;
    }
    study_end(s);
    return rc;
}

int study_release(study *s, size_t idx, int rank, hs_error *err) {
    int rc = study_lock(s, err);
    if (rc) return rc;
    rc = study_read(s, err);
    if (rc == 0 && claim_state_of(s->ct, idx) == CLAIM_CLAIMED && claim_owner_of(s->ct, idx) == s->self)
        rc = study_log(s, CLAIMLOG_RELEASE, idx, rank, err);
    study_unlock(s);
    return rc;
}

int study_heartbeat(study *s, jobfile *jf, hs_error *err) {
    snprintf(jf->job, sizeof jf->job, "%s", s->job);
    snprintf(jf->slurm, sizeof jf->slurm, "%s", s->slurm);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    snprintf(jf->host, sizeof jf->host, "%s", host);
    jf->pid = (long)getpid();
    jf->started = s->started;
    jf->timeout_s = s->opt.timeout_s;
    if (jf->total < s->n) jf->total = s->n;   /* the caller may know a larger total (TPE) */
    jf->failed = s->n_failed;
    jf->done = claim_count(s->ct, CLAIM_DONE) - s->n_failed;
    jf->running = claim_count(s->ct, CLAIM_CLAIMED);
    if (!jf->state[0]) snprintf(jf->state, sizeof jf->state, "running");
    double mt = 0;
    int rc = jobfile_write(s->dir, jf, &mt, err);
    if (rc == 0) {
        s->hb_mtime = mt;
        s->hb_mono = study_mono();
    }
    return rc;
}

/* ---- figures ------------------------------------------------------------------------------- */

size_t study_remaining(const study *s) { return s->n - claim_count(s->ct, CLAIM_DONE); }

size_t study_claimed_by_others(study *s) {
    size_t k, c = 0;
    for (k = 0; k < claim_count(s->ct, CLAIM_CLAIMED); k++) {
        int o = claim_owner_of(s->ct, claim_claimed_at(s->ct, k));
        c += o != s->self && o >= 0 && s->live[o];
    }
    return c;
}

int study_suspect(study *s) {
    study_check_jobs(s);
    for (size_t k = 0; k < claim_count(s->ct, CLAIM_CLAIMED); k++) {
        int o = claim_owner_of(s->ct, claim_claimed_at(s->ct, k));
        if (o >= 0 && o != s->self && s->jobs[o].age > s->opt.timeout_s / 10.0) return 1;
    }
    return 0;
}

size_t study_done(const study *s) { return claim_count(s->ct, CLAIM_DONE) - s->n_failed; }
size_t study_failed(const study *s) { return s->n_failed; }
size_t study_claimed(const study *s) { return claim_count(s->ct, CLAIM_CLAIMED); }
size_t study_late(const study *s) { return s->late; }
size_t study_reissued(const study *s) { return s->reissued; }
const studylock *study_lock_stats(const study *s) { return &s->lock; }
const char *study_job(const study *s) { return s->job; }
