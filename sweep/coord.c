/* coord: the sweep coordinator's decisions (see coord.h).
 *
 * Trial states live in a sched (pending/running/done/failed, costs for the ETA); records of
 * journaled trials in c->recs, in journal order; per-rank state in three arrays of nranks.
 * Every path that changes a rank's state goes through coord_rank_set so the two counters
 * (stopped, waiting) stay exact. */
#define _XOPEN_SOURCE 700

#include "sweep/coord.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/claimlog.h"
#include "io/dsfp.h"
#include "io/jobfile.h"
#include "io/modelio.h"
#include "io/rundir.h"
#include "io/strbuf.h"
#include "sweep/baseline.h"

/* ==== the default policy ================================================================ */

/* 1 if a rank other than rank (and rank 0, which cannot stall) trains a trial: it may
 * stall and its trial come back, so an idle rank waits for it rather than stopping (a
 * stopped rank only sits in MPI_Finalize; a waiting one can still take the trial over). */
static int coord_others_busy(const coord *c, int rank) {
    return c->n_busy > (size_t)(rank > 0 && c->rank_state[rank] == COORD_RANK_BUSY);
}

static coord_task coord_default_next(void *state, const coord *c, int rank) {
    (void)state;
    size_t i = sched_peek(c->s);
    coord_task t = {coord_others_busy(c, rank) ? COORD_WAIT : COORD_STOP, SCHED_NONE, 0};
    if (i != SCHED_NONE) t = (coord_task){COORD_RUN, i, 0};
    return t;
}

coord_policy coord_policy_default(void) {
    coord_policy p = {coord_default_next, NULL, NULL, NULL, NULL};
    return p;
}

/* ==== set-up ============================================================================ */

static double coord_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double coord_now(const coord *c) { return c->cfg.clock(); }

/* qsort has no context: compare through a file-scope pointer would be a global; sort
 * (id, index) pairs instead and keep the indices. */
typedef struct coord_id_key {
    char id[17];              /* trial id */
    size_t index;             /* its index */
} coord_id_key;

static int coord_cmp_key(const void *a, const void *b) {
    return strcmp(((const coord_id_key *)a)->id, ((const coord_id_key *)b)->id);
}

int coord_init(coord *c, const coord_config *cfg, hs_error *err) {
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    if (!c->cfg.clock) c->cfg.clock = coord_monotonic;
    if (!c->cfg.log) c->cfg.log = stderr;
    if (!(c->cfg.tables_every_s > 0.0)) c->cfg.tables_every_s = 10.0;
    if (!(c->cfg.progress_every_s > 0.0)) c->cfg.progress_every_s = COORD_PROGRESS_EVERY_S;
    c->policy = cfg->policy ? *cfg->policy : coord_policy_default();
    if (cfg->nranks < 1 || !c->policy.next)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "coordinator: %s",
                            cfg->nranks < 1 ? "no ranks" : "policy without next");
    size_t n = cfg->n_trials, R = (size_t)cfg->nranks;
    double *costs = malloc((n ? n : 1) * sizeof *costs);
    coord_id_key *keys = malloc((n ? n : 1) * sizeof *keys);
    c->by_id = malloc((n ? n : 1) * sizeof *c->by_id);
    c->rec_of = malloc((n ? n : 1) * sizeof *c->rec_of);
    c->rank_state = calloc(R, 1);
    c->current = malloc(R * sizeof *c->current);
    c->epoch = calloc(R, sizeof *c->epoch);
    c->last = calloc(R, sizeof *c->last);
    c->trial_start = calloc(R, sizeof *c->trial_start);
    c->stalled = calloc(R, 1);
    c->timeout_s = STUDY_TIMEOUT_S;
    int rc = 0;
    if (!costs || !keys || !c->by_id || !c->rec_of || !c->rank_state || !c->current || !c->epoch || !c->last ||
        !c->trial_start || !c->stalled) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        costs[i] = cfg->trials[i].cost;
        memcpy(keys[i].id, cfg->trials[i].id, sizeof keys[i].id);
        keys[i].index = i;
    }
    qsort(keys, n, sizeof *keys, coord_cmp_key);
    for (size_t i = 0; i < n; i++) c->by_id[i] = keys[i].index;
    for (size_t i = 0; i < n; i++) c->rec_of[i] = SIZE_MAX;
    for (size_t r = 0; r < R; r++) c->current[r] = SCHED_NONE;
    c->s = sched_create(n, costs);
    if (!c->s) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    c->n_swept = expand_swept(cfg->trials, n, c->swept);
    c->t0 = coord_now(c);
    c->last_tables = c->t0;
    c->last_progress = c->t0;
    c->last_status = -1e30;   /* the first finished trial writes status.json */
done:
    free(costs);
    free(keys);
    return rc;
}

static void coord_jobfile(coord *c, const char *state, jobfile *jf_out, results_status *st_out);

void coord_deinit(coord *c) {
    if (!c) return;
    coord_commit(c);
    free(c->unsynced_ckpt);
    if (c->st) {
        jobfile jf;
        results_status st;
        coord_jobfile(c, coord_state(c), &jf, &st);
        study_close_with(c->st, &jf);
        free(jf.workers);
    }
    journal_close(c->j);
    sched_free(c->s);
    for (size_t i = 0; i < c->n_recs; i++) journal_record_deinit(&c->recs[i]);
    free(c->recs);
    free(c->by_id);
    free(c->rec_of);
    free(c->rank_state);
    free(c->current);
    free(c->epoch);
    free(c->last);
    free(c->trial_start);
    free(c->stalled);
    free(c->base);
    free(c->own_trials);
    memset(c, 0, sizeof *c);
}

/* Parameter p of trial t differs from trial 0's: insert it into c->swept (registry order). */
static void coord_note_swept(coord *c, const sweep_trial *t) {
    const sweep_trial *t0 = &c->cfg.trials[0];
    for (int p = 0; p < SWEEPCFG_NPARAMS; p++) {
        size_t k = 0;
        while (k < c->n_swept && (int)c->swept[k] < p) k++;
        if (k < c->n_swept && (int)c->swept[k] == p) continue;
        if (sweepcfg_param_equal((sweepcfg_param)p, sweepcfg_param_get(&t0->hp, (sweepcfg_param)p),
                                 sweepcfg_param_get(&t->hp, (sweepcfg_param)p)))
            continue;
        memmove(&c->swept[k + 1], &c->swept[k], (c->n_swept - k) * sizeof *c->swept);
        c->swept[k] = (sweepcfg_param)p;
        c->n_swept++;
    }
}

int coord_add_trial(coord *c, const sweep_trial *t, size_t *idx, hs_error *err) {
    size_t n = c->cfg.n_trials;
    *idx = SIZE_MAX;
    if (coord_find(c, t->id) != SIZE_MAX)
        return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "trial %s is already in the sweep",
                            t->id);
    if (!c->own_trials || n == c->cap_trials) {
        size_t cap = n < 32 ? 64 : 2 * n;
        sweep_trial *tr = realloc(c->own_trials, cap * sizeof *tr);
        if (tr && !c->own_trials && n) memcpy(tr, c->cfg.trials, n * sizeof *tr);
        if (tr) c->own_trials = tr;
        if (tr) c->cfg.trials = tr;
        size_t *b = tr ? realloc(c->by_id, cap * sizeof *b) : NULL;
        if (b) c->by_id = b;
        size_t *r = b ? realloc(c->rec_of, cap * sizeof *r) : NULL;
        if (r) c->rec_of = r;
        if (!r) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory adding a trial");
        c->cap_trials = cap;
    }
    if (sched_add(c->s, t->cost) != 0)
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory adding a trial");
    c->own_trials[n] = *t;
    int rc = 0;
    if (c->st && study_add_trial(c->st, c->own_trials, n + 1) != 0) {
        /* the sched already has it: keep the lists in step, the run stops */
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory adding a trial");
        coord_fail(c, err);
    }
    c->cfg.n_trials = n + 1;
    c->rec_of[n] = SIZE_MAX;
    /* the id index: insert n at its sorted place */
    size_t k = n;
    while (k > 0 && strcmp(c->cfg.trials[c->by_id[k - 1]].id, t->id) > 0) {
        c->by_id[k] = c->by_id[k - 1];
        k--;
    }
    c->by_id[k] = n;
    if (n > 0) coord_note_swept(c, &c->cfg.trials[n]);
    hs_error e;
    if (c->cfg.ds && c->cfg.ds->y) baseline_add(&c->base, &c->n_base, c->cfg.ds, &t->hp, &e);
    *idx = n;
    return rc;
}

void coord_set_dataset(coord *c, const hs_dataset *ds) {
    c->cfg.ds = ds;
    free(c->base);
    c->base = NULL;
    c->n_base = 0;
    for (size_t i = 0; ds && ds->y && i < c->cfg.n_trials; i++) {
        hs_error e;
        if (baseline_add(&c->base, &c->n_base, ds, &c->cfg.trials[i].hp, &e) != 0) break;
    }
}

size_t coord_find(const coord *c, const char *id) {
    size_t lo = 0, hi = c->cfg.n_trials;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(c->cfg.trials[c->by_id[mid]].id, id);
        if (d == 0) return c->by_id[mid];
        if (d < 0) lo = mid + 1;
        else hi = mid;
    }
    return SIZE_MAX;
}

/* Take ownership of *rec, trial idx's record (rec is re-initialised); it replaces the
 * trial's earlier record (a paused one) if there is one. 0 or HS_ERR_NOMEM. */
static int coord_keep(coord *c, size_t idx, journal_record *rec) {
    if (c->rec_of[idx] != SIZE_MAX) {
        journal_record *old = &c->recs[c->rec_of[idx]];
        journal_record_deinit(old);
        *old = *rec;
        memset(rec, 0, sizeof *rec);
        journal_record_init(rec);
        return 0;
    }
    if (c->n_recs == c->cap_recs) {
        size_t cap = c->cap_recs ? 2 * c->cap_recs : 64;
        journal_record *r = realloc(c->recs, cap * sizeof *r);
        if (!r) return HS_ERR_NOMEM;
        c->recs = r;
        c->cap_recs = cap;
    }
    c->rec_of[idx] = c->n_recs;
    c->recs[c->n_recs++] = *rec;
    memset(rec, 0, sizeof *rec);
    journal_record_init(rec);
    return 0;
}

/* Trials of the sweep when complete: cfg.total, at least the trials there are now. */
static size_t coord_total(const coord *c) {
    return c->cfg.total > c->cfg.n_trials ? c->cfg.total : c->cfg.n_trials;
}

static results_metric coord_metric(const coord *c) {
    return c->cfg.def->metric == SWEEPCFG_METRIC_VAL_LOSS ? RESULTS_VAL_LOSS : RESULTS_VAL_MAE;
}

/* results_options.rungs: the policy's rung decisions of the record's trial */
static void coord_rungs(void *ctx, const journal_record *r, char *buf, size_t n) {
    const coord *c = ctx;
    size_t idx = coord_find(c, r->id);
    buf[0] = '\0';
    if (idx != SIZE_MAX) c->policy.rungs(c->policy.state, c, idx, buf, n);
}

static results_options coord_results_options(const coord *c) {
    results_options o = {0};
    if (c->policy.rungs) {
        o.rungs = coord_rungs;
        o.rungs_ctx = (void *)c;
    }
    o.metric = coord_metric(c);
    o.title = c->cfg.def->name;
    o.baselines = c->base;
    o.n_baselines = c->n_base;
    return o;
}

/* Remove trial id's epoch checkpoint (it is journaled now); a missing file is fine. */
static void coord_drop_ckpt(const coord *c, const char *id) {
    char p[4400];
    if (rundir_ckpt_path(p, sizeof p, c->cfg.outdir, id) == 0 && remove(p) != 0 &&
        errno != ENOENT)
        fprintf(c->cfg.log, "hsweep run: warning: cannot remove %s: %s\n", p, strerror(errno));
}

/* The checkpoint of trial id whose record was just written: removed now, or with group
 * commit once the record is fsynced (coord_commit), never before. */
static void coord_drop_ckpt_after(coord *c, const char *id) {
    if (!c->cfg.group_commit) {
        coord_drop_ckpt(c, id);
        return;
    }
    if (c->n_unsynced == c->cap_unsynced) {
        size_t nc = c->cap_unsynced ? 2 * c->cap_unsynced : 64;
        char (*g)[17] = realloc(c->unsynced_ckpt, nc * sizeof *g);
        if (!g) {   /* cannot remember it: make the record durable now instead */
            if (coord_commit(c) == 0) coord_drop_ckpt(c, id);
            return;
        }
        c->unsynced_ckpt = g;
        c->cap_unsynced = nc;
    }
    snprintf(c->unsynced_ckpt[c->n_unsynced++], 17, "%s", id);
}

int coord_sync(coord *c) {
    if (!c->cfg.group_commit || !c->st) return 0;
    hs_error e;
    int rc = study_commit(c->st, &e);
    if (rc != 0) {
        if (c->infra_rc == 0) coord_fail(c, &e);
        c->n_unsynced = c->n_synced = 0;   /* their records may not be durable: keep the
                                              checkpoints */
        return rc;
    }
    c->n_synced = c->n_unsynced;
    return 0;
}

void coord_drop_synced(coord *c) {
    size_t n = c->n_synced;
    for (size_t k = 0; k < n; k++) coord_drop_ckpt(c, c->unsynced_ckpt[k]);
    if (n < c->n_unsynced)   /* never memmove from NULL (no checkpoint queued yet): UB */
        memmove(c->unsynced_ckpt, c->unsynced_ckpt + n,
                (c->n_unsynced - n) * sizeof *c->unsynced_ckpt);
    c->n_unsynced -= n;
    c->n_synced = 0;
}

int coord_commit(coord *c) {
    int rc = coord_sync(c);
    if (rc == 0) coord_drop_synced(c);
    return rc;
}

void coord_hold(coord *c) {
    hs_error e;
    if (c->cfg.group_commit && c->st) study_hold(c->st, &e);
}

void coord_unhold(coord *c) {
    if (c->st) study_unhold(c->st);
}

/* ==== the run directory ================================================================= */

/* study_record_fn: every journal record as the study reads it (at open, then what any job
 * appends). A record of this sweep (idx) is kept for the tables and the best model and
 * marks its trial finished unless this job's rank is training it (that result will be
 * late); failures are counted for max_failures. Records of other sweeps are left out. */
static void coord_on_record(const journal_record *rec, size_t idx, void *ctx) {
    coord *c = ctx;
    if (idx == STUDY_NOT_OURS || idx >= c->cfg.n_trials) return;
    /* a paused trial stays pending (the policy may continue it from its checkpoint) */
    if (rec->status != JOURNAL_PAUSED && sched_state_of(c->s, idx) == SCHED_PENDING) {
        sched_mark_done(c->s, idx, rec->status != JOURNAL_FAILED);
        if (!c->st) {   /* at open: resumed */
            c->resumed++;
            coord_drop_ckpt(c, rec->id); /* left over if a crash came between the two */
        }
    }
    if (rec->status == JOURNAL_DIVERGED || rec->status == JOURNAL_FAILED) c->failures++;
    journal_record copy;
    hs_error e;
    if (journal_record_copy(&copy, rec, &e) != 0 || coord_keep(c, idx, &copy) != 0) {
        hs_error_set(&e, HS_ERR_NOMEM, NULL, 0, 0, "out of memory keeping results");
        coord_fail(c, &e);
    }
}

/* metadata.json: the sweep file's text, its hash, versions and the dataset fingerprint. */
static int coord_write_metadata(coord *c, const coord_open_args *a, const char *hash,
                                hs_error *err) {
    strbuf text;
    strbuf_init(&text);
    FILE *f = fopen(a->sweep_path, "rb");
    if (f) {
        (void)strbuf_read_stream(&text, f);   /* best effort: metadata keeps what was read */
        fclose(f);
    }
    results_meta m = {0};
    m.sweep_name = c->cfg.def->name;
    m.sweep_path = a->sweep_path;
    m.sweep_text = strbuf_str(&text);
    m.sweep_hash = hash;
    m.metric = coord_metric(c);
    m.mpi_version = a->mpi_version;
    m.dataset_path = a->data_path;
    m.dataset = a->meta;
    m.start_time = (double)time(NULL);
    m.ranks = c->cfg.nranks;
    m.n_trials = coord_total(c);
    m.id_scheme = c->cfg.def->id_scheme;
    int rc = results_write_metadata(c->cfg.outdir, &m, err);
    strbuf_deinit(&text);
    return rc;
}

int coord_open(coord *c, const coord_open_args *a, hs_error *err) {
    const char *dir = c->cfg.outdir;
    int rc = rundir_mkdirs(dir, err);
    char sub[4200];
    if (rc == 0) rc = rundir_path(sub, sizeof sub, dir, RUNDIR_CKPT, err);
    if (rc == 0) rc = rundir_mkdirs(sub, err);
    if (rc) return rc;
    char hash[17], path[4200];
    expand_id_string(c->cfg.def->hash, hash);
    rc = rundir_path(path, sizeof path, dir, RUNDIR_JOURNAL, err);
    if (rc) return rc;
    if (a->timeout_s > 0) c->timeout_s = a->timeout_s;
    dsfp fp;
    memset(&fp, 0, sizeof fp);
    if (a->meta) {
        dsfp_compute(&fp, a->meta);
        snprintf(c->dataset_id, sizeof c->dataset_id, "%s", fp.id);
    }
    results_meta_info info;
    hs_error e;
    int have_meta = results_read_metadata(dir, &info, &e) == 0;
    int have_journal = rundir_exists(path);
    char who[160] = "";
    if (have_meta && (a->restart || strcmp(info.sweep_hash, hash) != 0) &&
        jobfile_live(dir, STUDY_TIMEOUT_S, who, sizeof who))
        return hs_error_set(err, HS_ERR_STATE, dir, 0, 0,
                            "job %s is still running %s here (sweep hash %s); wait for it to "
                            "end, or stop it, before %s", who,
                            strcmp(info.sweep_hash, hash) ? "another sweep" : "this sweep",
                            info.sweep_hash, a->restart ? "--restart" : "running another sweep");
    if (have_journal && have_meta && info.have_dataset && a->meta && !a->restart &&
        (rc = dsfp_check(&info.dataset, &fp, dir, a->data_path, err)) != 0)
        return rc;
    if (have_journal && a->restart) {
        char old[4300];
        rc = rundir_set_aside(dir, RUNDIR_JOURNAL, old, sizeof old, err);
        if (rc) return rc;
        fprintf(c->cfg.log, "hsweep run: --restart: previous journal kept as %s\n", old);
        char cl[4200];
        if (rundir_path(cl, sizeof cl, dir, RUNDIR_CLAIMS, NULL) == 0 && rundir_exists(cl))
            rc = rundir_set_aside(dir, RUNDIR_CLAIMS, old, sizeof old, err);
        if (rc) return rc;
        have_journal = 0;
    }
    /* the study: every reusable record marks its trial finished (coord_on_record) */
    size_t n = c->cfg.n_trials, *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    sched_order(c->s, order);
    study_opts so;
    memset(&so, 0, sizeof so);
    so.timeout_s = c->timeout_s;
    so.lock_wait_s = -1;
    so.no_lock = a->no_lock;
    so.retry_failed = a->retry_failed;
    so.dataset_id = c->dataset_id[0] ? c->dataset_id : NULL;
    so.alone = a->alone;
    so.on_record = coord_on_record;
    so.ctx = c;
    study *st = study_open(dir, c->cfg.trials, n, order, &so, &c->reuse, err);
    free(order);
    if (!st) return err->code;
    c->st = st;
    study_set_group(st, c->cfg.group_commit);
    if (c->infra_rc) {
        *err = c->infra_err;
        return err->code;
    }
    if (have_journal || c->reuse.gone) {
        char line[1600];
        reuse_format(&c->reuse, line, sizeof line);
        if (c->reuse.reused)
            fprintf(c->cfg.log, "hsweep run: resuming %s: %zu of %zu trials already finished; %s\n",
                    dir, c->reuse.reused, c->cfg.n_trials, line);
        else
            fprintf(c->cfg.log, "hsweep run: %s: %s\n", dir, line);
    }
    rc = coord_write_metadata(c, a, hash, err);
    if (rc) return rc;
    c->last_publish = -1e30;
    coord_tick(c);   /* status.json and the heartbeat at start */
    return 0;
}

void coord_check_best(coord *c) {
    results_metric metric = coord_metric(c);
    const journal_record *best = NULL;
    double bv = INFINITY;
    for (size_t i = 0; i < c->n_recs; i++) {
        double v = results_metric_value(&c->recs[i], metric);
        if (c->recs[i].status == JOURNAL_OK && isfinite(v) && v < bv) {
            bv = v;
            best = &c->recs[i];
        }
    }
    if (best && best->hp.cell == HS_CELL_SYNTHETIC) return;   /* no network: no model file */
    char path[4200];
    if (rundir_path(path, sizeof path, c->cfg.outdir, RUNDIR_BEST_MODEL, NULL) != 0) return;
    modelio_meta m;
    hs_error e;
    int rc = modelio_load(path, &m, NULL, 0, &e);
    FILE *log = c->cfg.log;
    char how[4800] = "";   /* the way to the best trial's weights: retrain it from the journal */
    if (best)
        snprintf(how, sizeof how, "; `hsweep train --from %.2000s --trial %s --save %.2000s` retrains it", c->cfg.outdir,
                 best->id, path);
    if (!best) {
        if (rc == 0)
            fprintf(log, "hsweep run: %s holds trial %s of an earlier sweep; this sweep's "
                    "first best trial replaces it\n", path, m.trial_id);
    } else if (rc == HS_ERR_IO) {
        fprintf(log, "hsweep run: %s is missing: the best model of a previous run (trial "
                "%s) cannot be recovered without retraining; it is written again when a trial "
                "beats it%s\n", path, best->id, how);
    } else if (rc != 0) {
        fprintf(log, "hsweep run: %s is unreadable (%s); the best model (trial %s) cannot "
                "be recovered without retraining; it is replaced when a trial beats it%s\n", path, e.msg,
                best->id, how);
    } else if (strcmp(m.trial_id, best->id) != 0) {
        fprintf(log, "hsweep run: %s holds trial %s but the journal's best is %s, which "
                "cannot be recovered without retraining%s\n", path, m.trial_id, best->id, how);
    }
    modelio_meta_deinit(&m);
}

/* ==== ranks ============================================================================= */

static void coord_rank_set(coord *c, int rank, coord_rank_state st) {
    coord_rank_state old = (coord_rank_state)c->rank_state[rank];
    if (old == st) return;
    if (old == COORD_RANK_STOPPED) c->n_stopped--;
    if (old == COORD_RANK_WAITING) c->n_waiting--;
    if (old == COORD_RANK_BUSY && rank > 0) {
        c->n_busy--;
        c->next_ask = 0.0;   /* a trial ended or came back: waiting ranks ask again now */
    }
    if (st == COORD_RANK_STOPPED) c->n_stopped++;
    if (st == COORD_RANK_WAITING) c->n_waiting++;
    if (st == COORD_RANK_BUSY && rank > 0) c->n_busy++;
    c->rank_state[rank] = (unsigned char)st;
    if (st != COORD_RANK_BUSY) {
        c->current[rank] = SCHED_NONE;
        c->epoch[rank] = 0;
    }
}

static int coord_rank_ok(const coord *c, int rank) {
    return rank >= 0 && rank < c->cfg.nranks;
}

/* The default policy on a shared study: the study picks (a stale claim of a job that
 * stopped heartbeating first, then the longest pending trial) and logs the claim. Nothing
 * to claim: stop, unless another rank of this job trains (it may stall) or another job
 * holding trials has missed heartbeats (it may be dead): then wait, asking again at most
 * every tenth of the heartbeat timeout. */
static coord_task coord_study_next(coord *c, int rank) {
    coord_task stop = {COORD_STOP, SCHED_NONE, 0}, wait = {COORD_WAIT, SCHED_NONE, 0};
    double now = coord_now(c);
    if (c->rank_state[rank] == COORD_RANK_WAITING && now < c->next_ask) return wait;
    size_t i;
    int stale;
    hs_error e;
    if (study_claim(c->st, rank, &i, &stale, &e) != 0) {
        coord_fail(c, &e);
        return stop;
    }
    if (i != CLAIM_NONE) {
        /* a trial this job's stalled rank held comes back through the study */
        if (sched_state_of(c->s, i) == SCHED_RUNNING) sched_release(c->s, i);
        return (coord_task){COORD_RUN, i, 0};
    }
    if (study_remaining(c->st) > 0 && (coord_others_busy(c, rank) || study_suspect(c->st))) {
        c->next_ask = now + coord_beat_interval(c);
        return wait;
    }
    return stop;
}

coord_task coord_next(coord *c, int rank) {
    coord_task stop = {COORD_STOP, SCHED_NONE, 0};
    if (!coord_rank_ok(c, rank)) return stop;
    if (c->rank_state[rank] == COORD_RANK_STOPPED) return stop;
    coord_task t = c->stopping                 ? stop
                   : c->st && c->policy.next == coord_default_next ? coord_study_next(c, rank)
                                                                   : c->policy.next(c->policy.state, c, rank);
    if (t.kind == COORD_RUN && c->st && c->policy.next != coord_default_next) {
        int ok = 0;
        hs_error e;
        if (study_claim_trial(c->st, t.trial, rank, &ok, &e) != 0) {
            coord_fail(c, &e);
            t = stop;
        }
    }
    if (!c->stopping && t.kind == COORD_STOP) c->policy_done = 1;
    if (t.kind == COORD_RUN && sched_take(c->s, t.trial, rank) != 0) {
        fprintf(c->cfg.log, "hsweep run: policy chose trial %zu, which is not pending; "
                "stopping rank %d\n", t.trial, rank);
        t = stop;
    }
    if (t.kind == COORD_RUN) {
        size_t epochs = c->cfg.trials[t.trial].hp.epochs;
        if (t.until == 0 || t.until > epochs) t.until = epochs;
        coord_rank_set(c, rank, COORD_RANK_BUSY);
        c->current[rank] = t.trial;
        c->epoch[rank] = 0;
        c->last[rank] = coord_now(c);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->trial_start[rank] = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    } else if (t.kind == COORD_WAIT) {
        coord_rank_set(c, rank, COORD_RANK_WAITING);
    } else {
        t = stop;
        coord_rank_set(c, rank, COORD_RANK_STOPPED);
    }
    return t;
}

int coord_epoch_sync(const coord *c) { return c->policy.on_epoch != NULL; }

coord_verdict coord_epoch(coord *c, int rank, size_t trial, size_t epoch,
                          const journal_epoch *m) {
    if (!coord_rank_ok(c, rank) || c->current[rank] != trial) return COORD_CONTINUE;
    c->epoch[rank] = epoch;
    c->last[rank] = coord_now(c);
    /* status.json and the heartbeat file at every epoch, at most once a second */
    if (coord_now(c) - c->last_publish >= 1.0) {
        c->last_publish = -1e30;
        coord_tick(c);
    }
    if (!c->policy.on_epoch) return COORD_CONTINUE;
    coord_verdict v = c->policy.on_epoch(c->policy.state, c, rank, trial, epoch, m);
    return v == COORD_PAUSE || v == COORD_PRUNE ? v : COORD_CONTINUE;
}

/* ==== results =========================================================================== */

const char *coord_state(const coord *c) {
    return c->infra_rc || c->max_failures_hit ? "failed" : c->halted ? "stopped" : "finished";
}

void coord_status(const coord *c, const char *state, results_status *st) {
    memset(st, 0, sizeof *st);
    st->total = coord_total(c);
    st->done = sched_done(c->s);
    st->failed = sched_failed(c->s);
    st->running = c->st ? study_claimed(c->st) : sched_running(c->s);
    st->elapsed_s = coord_now(c) - c->t0;
    st->eta_s = sched_eta(c->s, st->elapsed_s);
    st->metric = coord_metric(c);
    st->best = NAN;
    for (size_t i = 0; i < c->n_recs; i++) {
        double v = results_metric_value(&c->recs[i], st->metric);
        if (c->recs[i].status == JOURNAL_OK && isfinite(v) && !(v >= st->best)) {
            st->best = v;
            st->best_id = c->recs[i].id;
        }
    }
    st->ranks = c->cfg.nranks;
    st->state = state;
    /* a final state says why (the heartbeat file's reason, coord_jobfile) */
    if (strcmp(state, "running") != 0 && c->st)   /* this job runs nothing any more */
        st->running = study_claimed_by_others(c->st);
    if (strcmp(state, "running") != 0)
        st->reason = c->infra_rc ? c->infra_err.msg : c->max_failures_hit ? "max_failures reached"
                     : c->halted ? "stopped by a signal" : NULL;
}

void coord_write_tables(coord *c) {
    coord_commit(c);   /* never a table ahead of the durable journal */
    results_options o = coord_results_options(c);
    hs_error e;
    c->tables_failed = results_write_tables(c->cfg.outdir, c->recs, c->n_recs, &o, &e) != 0;
    if (c->tables_failed) hs_error_print(&e, c->cfg.log);
    c->last_tables = coord_now(c);
}

/* Print one line about a finished trial, refresh the live progress line and status.json. */
static void coord_report(coord *c, size_t idx, const journal_record *rec) {
    char params[512] = "", v[64];
    size_t off = 0;
    for (size_t k = 0; k < c->n_swept && off < sizeof params; k++) {
        sweepcfg_param p = c->swept[k];
        sweepcfg_param_format(p, sweepcfg_param_get(&c->cfg.trials[idx].hp, p), v, sizeof v);
        off += (size_t)snprintf(params + off, sizeof params - off, " %s=%s",
                                sweepcfg_param_name(p), v);
    }
    results_status st;
    coord_status(c, "running", &st);
    char line[512];
    results_format_progress(&st, line, sizeof line);
    FILE *log = c->cfg.log;
    if (c->cfg.tty) fprintf(log, "\r\033[K");
    if (rec->status == JOURNAL_FAILED)
        fprintf(log, "[rank %d] trial %s (%zu/%zu)%s: failed: %s\n", rec->rank, rec->id,
                idx + 1, coord_total(c), params, rec->reason);
    else
        fprintf(log, "[rank %d] trial %s (%zu/%zu)%s: %s val_mae %.4f test_mae %.4f, "
                "best epoch %zu/%zu, %.1f s%s%s\n", rec->rank, rec->id, idx + 1,
                coord_total(c), params, journal_status_name(rec->status), rec->val_mae,
                rec->test_mae, rec->best_epoch, rec->epochs_run, rec->wall_s,
                rec->reason[0] ? ": " : "", rec->reason);
    if (c->cfg.tty) fprintf(log, "%s", line);
    else fprintf(log, "%s\n", line);
    fflush(log);
    c->last_progress = coord_now(c);
    /* status.json: at most once a second (it costs two fsyncs; thousands of short trials a
     * second would otherwise spend rank 0 on it); the end writes the final one */
    if (coord_now(c) - c->last_status < 1.0) return;
    c->last_status = coord_now(c);
    coord_commit(c);   /* it counts only durable records */
    hs_error e;
    if (results_write_status(c->cfg.outdir, &st, &e) != 0) hs_error_print(&e, log);
}

/* Write DIR/best_model.h5 when trial idx (record rec, weights w of n floats, may be NULL)
 * is the best so far by the sweep metric: status ok, finite metric, strictly lower than
 * every trial recorded (resumed ones included; ties keep the earlier). Called before the
 * trial is journaled. A failure to write is reported in one line; the sweep goes on. */
static void coord_save_best(coord *c, size_t idx, const journal_record *rec, const float *w,
                            size_t n) {
    results_metric metric = coord_metric(c);
    double v = results_metric_value(rec, metric);
    /* the synthetic cell has no network (its one "weight" is bookkeeping): no model file */
    if (!c->cfg.ds || !w || n == 0 || n != rec->n_params || rec->status != JOURNAL_OK ||
        !isfinite(v) || c->cfg.trials[idx].hp.cell == HS_CELL_SYNTHETIC)
        return;
    for (size_t i = 0; i < c->n_recs; i++) {
        double b = results_metric_value(&c->recs[i], metric);
        if (c->recs[i].status == JOURNAL_OK && isfinite(b) && b <= v) return;
    }
    char path[4200];
    hs_error e;
    if (rundir_path(path, sizeof path, c->cfg.outdir, RUNDIR_BEST_MODEL, &e) != 0) {
        hs_error_print(&e, c->cfg.log);
        return;
    }
    modelio_meta m;
    modelio_meta_borrow(&m, &c->cfg.trials[idx].hp, c->cfg.ds, rec->id);
    m.val_mae = rec->val_mae;
    m.val_loss = rec->val_loss;
    m.test_mae = rec->test_mae;
    m.best_epoch = rec->best_epoch;
    if (modelio_save(path, &m, w, n, &e) != 0) hs_error_print(&e, c->cfg.log);
}

/* An infrastructure failure: remember the first, hand out nothing more. */
void coord_fail(coord *c, const hs_error *e) {
    if (c->infra_rc == 0) {
        c->infra_rc = e->code;
        c->infra_err = *e;
    }
    c->stopping = 1;
}

/* The last kept record of trial idx (the one just journaled), or NULL. */
static const journal_record *coord_kept(const coord *c, size_t idx) {
    for (size_t k = c->n_recs; k-- > 0;)
        if (strcmp(c->recs[k].id, c->cfg.trials[idx].id) == 0) return &c->recs[k];
    return NULL;
}

/* A finished trial: under the study lock, unless another rank or job journaled it first
 * (then it is discarded and logged), best model (compared with every job's results) and
 * journal (fsync; the record comes back through coord_on_record); then books, progress,
 * failure policy, tables. rank is the rank that trained it. */
static void coord_finish_trial(coord *c, int rank, size_t idx, journal_record *rec,
                               const float *w, size_t n) {
    hs_error e;
    int late = 0, rc = c->infra_rc ? c->infra_rc : study_begin(c->st, &e);
    if (rc == 0) {
        late = study_is_done(c->st, idx);
        if (!late) {
            coord_save_best(c, idx, rec, w, n);
            rc = study_append(c->st, rec, &e);
        }
        study_end(c->st);
    }
    if (rc != 0 && c->infra_rc == 0) coord_fail(c, &e);   /* the journal is the truth */
    if (rc == 0 && !late) coord_drop_ckpt_after(c, rec->id);
    if (sched_state_of(c->s, idx) == SCHED_RUNNING) {
        /* not journaled: not finished (its checkpoint stays; a resume runs it again) */
        if (rc != 0 && !late) sched_release(c->s, idx);
        else sched_record(c->s, idx, rec->status != JOURNAL_FAILED);
    }
    if (rc != 0 && !late) {
        c->unjournaled++;
        fprintf(c->cfg.log, "[rank %d] trial %s: finished but not journaled (the journal failed); "
                "it runs again on resume\n", rank, rec->id);
    }
    c->busy_s += rec->wall_s;
    if (late) {
        c->late++;
        fprintf(c->cfg.log, "[rank %d] trial %s: another rank or job journaled it first; this "
                "result is discarded\n", rank, rec->id);
        return;
    }
    if (rc != 0) return;
    c->finished_now++;
    const journal_record *kept = coord_kept(c, idx);
    if (!kept) kept = rec;
    coord_report(c, idx, kept);
    if (c->policy.on_result) c->policy.on_result(c->policy.state, c, idx, COORD_FINISHED, kept);
    size_t maxf = c->cfg.def->max_failures;
    if (maxf && c->failures >= maxf && !c->stopping) {
        c->stopping = 1;
        c->max_failures_hit = 1;
        fprintf(c->cfg.log, "hsweep run: %zu trials failed or diverged (max_failures %zu): "
                "stopping after the running trials\n", c->failures, maxf);
    }
    /* tables cost O(trials): rewrite them at most every tables_every_s during the sweep */
    if (coord_now(c) - c->last_tables > c->cfg.tables_every_s) coord_write_tables(c);
}

/* A paused or pruned trial: journaled under that status (a paused trial's checkpoint is
 * kept, a pruned one's removed; the record comes back through coord_on_record and is kept
 * for the tables), reported, told to the policy. */
static void coord_pause_trial(coord *c, size_t idx, coord_outcome how, journal_record *rec) {
    rec->status = how == COORD_PAUSED ? JOURNAL_PAUSED : JOURNAL_PRUNED;
    snprintf(rec->reason, sizeof rec->reason, "%s by the scheduler after epoch %zu",
             how == COORD_PAUSED ? "paused" : "pruned", rec->epochs_run);
    hs_error e;
    int rc = c->infra_rc ? c->infra_rc : study_begin(c->st, &e);
    if (rc == 0) {
        rc = study_append(c->st, rec, &e);
        study_end(c->st);
    }
    if (rc != 0 && c->infra_rc == 0) coord_fail(c, &e);
    if (rc == 0 && how == COORD_PRUNED) coord_drop_ckpt_after(c, rec->id);
    if (how == COORD_PAUSED) sched_release(c->s, idx);
    else sched_record(c->s, idx, 1);
    const journal_record *kept = coord_kept(c, idx);
    if (!kept) kept = rec;
    coord_report(c, idx, kept);
    if (c->policy.on_result) c->policy.on_result(c->policy.state, c, idx, how, kept);
    if (coord_now(c) - c->last_tables > c->cfg.tables_every_s) coord_write_tables(c);
}

int coord_result(coord *c, int rank, size_t trial, coord_outcome how, journal_record *rec,
                 const float *w, size_t n) {
    int rc = 0;
    if (!coord_rank_ok(c, rank) || c->current[rank] != trial || trial >= c->cfg.n_trials ||
        how == COORD_RELEASED) {
        rc = HS_ERR_VALUE;
    } else if (how == COORD_FINISHED) {
        coord_rank_set(c, rank, COORD_RANK_IDLE);
        coord_finish_trial(c, rank, trial, rec, w, n);
    } else {
        coord_rank_set(c, rank, COORD_RANK_IDLE);
        hs_error e;
        if (how == COORD_PAUSED && c->st && study_release(c->st, trial, rank, &e) != 0) coord_fail(c, &e);
        coord_pause_trial(c, trial, how, rec);
    }
    journal_record_deinit(rec);
    return rc;
}

/* Rank's running trial, if any, goes back to pending (in the study too: any job may
 * continue it from its checkpoint); the policy hears of it. */
static void coord_release(coord *c, int rank) {
    size_t idx = c->current[rank];
    if (idx == SCHED_NONE) return;
    hs_error e;
    if (c->st && study_release(c->st, idx, rank, &e) != 0) hs_error_print(&e, c->cfg.log);
    sched_release(c->s, idx);
    c->current[rank] = SCHED_NONE;
    if (c->policy.on_result) c->policy.on_result(c->policy.state, c, idx, COORD_RELEASED, NULL);
}

int coord_halt(coord *c) {
    c->stopping = 1;
    if (c->halted) return 0;
    c->halted = 1;
    return 1;
}

int coord_stopped(coord *c, int rank) {
    if (coord_rank_ok(c, rank)) {
        coord_release(c, rank);
        if (c->rank_state[rank] != COORD_RANK_STOPPED) coord_rank_set(c, rank, COORD_RANK_IDLE);
    }
    return coord_halt(c);
}

void coord_gone(coord *c, int rank) {
    if (!coord_rank_ok(c, rank)) return;
    coord_release(c, rank);
    coord_rank_set(c, rank, COORD_RANK_STOPPED);
}

int coord_finished(const coord *c) { return c->n_stopped == (size_t)c->cfg.nranks; }

/* ==== heartbeats and stalls ============================================================== */

double coord_beat_interval(const coord *c) {
    double b = c->timeout_s / 10.0;
    return b < 0.2 ? 0.2 : b > 30.0 ? 30.0 : b;
}

void coord_beat(coord *c, int rank) {
    if (coord_rank_ok(c, rank) && c->rank_state[rank] == COORD_RANK_BUSY) c->last[rank] = coord_now(c);
}

/* The job's heartbeat file content for state (workers malloc'ed into jf->workers: free
 * it); st receives the status it was built from. */
static void coord_jobfile(coord *c, const char *state, jobfile *jf_out, results_status *st_out) {
    results_status st;
    coord_status(c, state, &st);
    *st_out = st;
    jobfile jf;
    memset(&jf, 0, sizeof jf);
    snprintf(jf.state, sizeof jf.state, "%s", state);
    jf.total = st.total;   /* with TPE more than the trials drawn so far */
    if (c->infra_rc) snprintf(jf.reason, sizeof jf.reason, "%.250s", c->infra_err.msg);
    else if (c->max_failures_hit)
        snprintf(jf.reason, sizeof jf.reason, "max_failures (%zu) reached", c->cfg.def->max_failures);
    else if (c->halted) snprintf(jf.reason, sizeof jf.reason, "stopped by a signal");
    size_t R = (size_t)c->cfg.nranks;
    jobfile_worker *w = calloc(R, sizeof *w);
    if (w) {
        double now = coord_now(c);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wall = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
        for (size_t r = 0; r < R; r++) {
            w[r].rank = (int)r;
            w[r].stalled = c->stalled[r];
            if (c->last[r] > 0) w[r].last = wall - (now - c->last[r]);
            size_t i = c->current[r];
            if (i == SCHED_NONE || i >= c->cfg.n_trials) continue;
            memcpy(w[r].trial, c->cfg.trials[i].id, 17);
            w[r].epoch = c->epoch[r];
            w[r].epochs = c->cfg.trials[i].hp.epochs;
            w[r].trial_start = c->trial_start[r];
        }
        jf.workers = w;
        jf.n_workers = R;
    }
    jf.ranks = c->cfg.nranks;
    jf.eta_s = st.eta_s;
    jf.best = st.best;
    if (st.best_id) snprintf(jf.best_id, sizeof jf.best_id, "%s", st.best_id);
    snprintf(jf.metric, sizeof jf.metric, "%s", results_metric_name(st.metric));
    jf.journaled = c->finished_now;
    *jf_out = jf;
}

/* Rewrite the job's heartbeat file (what each rank does) and status.json. */
static void coord_publish(coord *c) {
    c->last_publish = coord_now(c);
    if (!c->st) return;
    coord_commit(c);   /* status.json counts only durable records */
    jobfile jf;
    results_status st;
    coord_jobfile(c, "running", &jf, &st);
    hs_error e;
    if (results_write_status(c->cfg.outdir, &st, &e) != 0) hs_error_print(&e, c->cfg.log);
    if (study_heartbeat(c->st, &jf, &e) != 0) hs_error_print(&e, c->cfg.log);
    free(jf.workers);
}

size_t coord_tick(coord *c) {
    double now = coord_now(c);
    size_t newly = 0;
    for (int r = 1; r < c->cfg.nranks; r++) {
        if (c->rank_state[r] != COORD_RANK_BUSY || now - c->last[r] <= c->timeout_s) continue;
        size_t i = c->current[r];
        fprintf(c->cfg.log, "[rank %d] trial %s: no report for %.0f s (heartbeat timeout %.0f s): "
                "rank %d is stalled; its trial is handed to another rank\n", r,
                i < c->cfg.n_trials ? c->cfg.trials[i].id : "?", now - c->last[r], c->timeout_s, r);
        c->stalled[r] = 1;
        c->n_stalled++;
        newly++;
        coord_gone(c, r);   /* releases the trial in the study and the sched */
    }
    if (newly || now - c->last_publish >= coord_beat_interval(c)) coord_publish(c);
    return newly;
}

void coord_stray_result(coord *c, int rank, size_t trial, journal_record *rec, const float *w,
                        size_t n) {
    if (trial < c->cfg.n_trials && c->st) {
        fprintf(c->cfg.log, "[rank %d] trial %s: a result from a rank declared stalled\n", rank,
                c->cfg.trials[trial].id);
        hs_error e;
        int late = 0, rc = c->infra_rc ? c->infra_rc : study_begin(c->st, &e);
        if (rc == 0) {
            late = study_is_done(c->st, trial);
            if (!late) {
                coord_save_best(c, trial, rec, w, n);
                rc = study_append(c->st, rec, &e);
            }
            study_end(c->st);
        }
        if (rc != 0 && c->infra_rc == 0) coord_fail(c, &e);
        if (late) {
            c->late++;
            fprintf(c->cfg.log, "[rank %d] trial %s: another rank or job journaled it first; "
                    "this result is discarded\n", rank, rec->id);
        } else if (rc == 0) {
            c->finished_now++;
            coord_drop_ckpt_after(c, rec->id);
            /* the rank holding it now will find its own result late */
        }
    }
    journal_record_deinit(rec);
}

/* ==== the end =========================================================================== */

void coord_summary(coord *c, FILE *out, size_t top) {
    if (c->cfg.tty) fprintf(c->cfg.log, "\n");
    coord_write_tables(c);
    results_status st;
    coord_status(c, coord_state(c), &st);
    hs_error e;
    if (results_write_status(c->cfg.outdir, &st, &e) != 0) hs_error_print(&e, c->cfg.log);
    results_options o = coord_results_options(c);
    fprintf(out, "\n");
    results_print_ranked(out, c->recs, c->n_recs, &o, top, &e);
    double elapsed = coord_now(c) - c->t0;
    int R = c->cfg.nranks;
    fprintf(out, "\n%zu trials finished in this run in %.1f s on %d rank%s: %.0f trials/hour, "
            "utilisation %.0f%% (trial time / (ranks x wall time))\n", c->finished_now,
            elapsed, R, R == 1 ? "" : "s",
            elapsed > 0 ? 3600.0 * (double)c->finished_now / elapsed : 0.0,
            elapsed > 0 ? 100.0 * c->busy_s / ((double)R * elapsed) : 0.0);
}

int coord_conclude(coord *c, FILE *out, int sig) {
    coord_commit(c);
    const char *dir = c->cfg.outdir;
    if (c->tables_failed)   /* never point to a file that was not written */
        fprintf(out, "results: %s/%s and %s/%s could not be written (above); `hsweep report %s` "
                "rebuilds them from the journal\n", dir, RUNDIR_RESULTS_MD, dir, RUNDIR_SUMMARY, dir);
    else
        fprintf(out, "results: %s/%s, %s/%s\n", dir, RUNDIR_RESULTS_MD, dir, RUNDIR_SUMMARY);
    if (c->infra_rc) {
        hs_error_print(&c->infra_err, c->cfg.log);
        return 1;
    }
    if (sig || c->halted) {
        char what[64] = "a signal on another rank";
        if (sig) snprintf(what, sizeof what, "signal %d", sig);
        fprintf(c->cfg.log, "hsweep run: interrupted by %s; %zu of %zu trials finished "
                "and journaled, unfinished trials continue from their last epoch "
                "checkpoint in %s/%s. Run the same command again to resume.\n", what,
                sched_done(c->s) + sched_failed(c->s), coord_total(c), dir, RUNDIR_CKPT);
        return 0;
    }
    if (c->max_failures_hit) {
        fprintf(c->cfg.log, "hsweep run: stopped after %zu failed or diverged trials "
                "(max_failures %zu); the journal is intact\n", c->failures,
                c->cfg.def->max_failures);
        return 1;
    }
    if (c->n_stalled)
        fprintf(c->cfg.log, "hsweep run: %zu rank%s stalled (no report for %.0f s); %s trials "
                "went to other ranks, and the run ends without waiting for %s\n", c->n_stalled,
                c->n_stalled == 1 ? "" : "s", c->timeout_s, c->n_stalled == 1 ? "its" : "their",
                c->n_stalled == 1 ? "it" : "them");
    if (c->policy_done && c->policy.next != coord_default_next && sched_pending(c->s) > 0)
        fprintf(c->cfg.log, "hsweep run: the search is done: %zu trials paused by the scheduler "
                "(not promoted; their checkpoints kept in %s/%s)\n", sched_pending(c->s), dir,
                RUNDIR_CKPT);
    else if (c->st && study_remaining(c->st) > 0)
        fprintf(c->cfg.log, "hsweep run: nothing left for this job: %zu trials are held by other "
                "jobs still running on %s (`hsweep status %s` shows them)\n",
                study_remaining(c->st), dir, dir);
    if (c->late)
        fprintf(c->cfg.log, "hsweep run: %zu result%s discarded: another rank or job journaled "
                "the same trial first\n", c->late, c->late == 1 ? "" : "s");
    return 0;
}

/* ==== records =========================================================================== */

int coord_make_record(journal_record *rec, const sweep_trial *t, int rc, const trial_result *res,
                      const hs_error *terr, int rank, double wall_s) {
    journal_record_init(rec);
    memcpy(rec->id, t->id, sizeof rec->id);
    rec->repeat = t->repeat;
    rec->hp = t->hp;
    rec->rank = rank;
    rec->wall_s = wall_s;
    if (rc != 0) {
        rec->status = JOURNAL_FAILED;
        /* reason is shorter than the message: cut it, it stays one line */
        size_t k = strnlen(terr->msg, sizeof rec->reason - 1);
        memcpy(rec->reason, terr->msg, k);
        rec->reason[k] = '\0';
        return 0;
    }
    rec->status = res->status == TRIAL_DIVERGED ? JOURNAL_DIVERGED : JOURNAL_OK;
    memcpy(rec->reason, res->reason, sizeof rec->reason < sizeof res->reason
                                         ? sizeof rec->reason : sizeof res->reason);
    rec->reason[sizeof rec->reason - 1] = '\0';
    rec->val_mae = res->val_mae;
    rec->val_loss = res->val_loss;
    rec->test_mae = res->test_mae;
    rec->best_epoch = res->best_epoch;
    rec->epochs_run = res->epochs_run;
    rec->n_params = res->n_params;
    if (res->epochs_run == 0) return 0;
    journal_epoch *h = malloc(res->epochs_run * sizeof *h);
    if (!h) return HS_ERR_NOMEM;
    for (size_t e = 0; e < res->epochs_run; e++) {
        h[e].loss = res->history[e].loss;
        h[e].mae = res->history[e].mae;
        h[e].val_loss = res->history[e].val_loss;
        h[e].val_mae = res->history[e].val_mae;
    }
    int r = journal_record_set_history(rec, h, res->epochs_run, NULL);
    free(h);
    return r;
}

void coord_progress_tick(coord *c) {
    if (c->cfg.tty || coord_now(c) - c->last_progress < c->cfg.progress_every_s) return;
    results_status st;
    coord_status(c, "running", &st);
    char line[512];
    results_format_progress(&st, line, sizeof line);
    fprintf(c->cfg.log, "%s\n", line);
    fflush(c->cfg.log);
    c->last_progress = coord_now(c);
}
