/* run: `mpirun -n P hsweep run SWEEP.yaml`, the MPI coordinator and workers.
 *
 * Rank 0 parses and expands the sweep, checks the output directory (resume or refuse a
 * changed sweep), and broadcasts the trial list. Every node reads the dataset once into MPI
 * shared memory (shmdata.h). Scheduling is the pure sched.h code; this file is only the
 * transport around it:
 *   worker -> 0   RUN_TAG_READY   (empty)            "give me a trial"
 *   worker -> 0   RUN_TAG_RESULT  "<index> <json>"   a finished trial, then "give me one"
 *   worker -> 0   RUN_TAG_WEIGHTS float[n_params]    right after each RESULT: the trial's
 *                                                    best weights (empty if it has none)
 *   0 -> worker   RUN_TAG_TRIAL   uint64 index       train trials[index]
 *   0 -> worker   RUN_TAG_STOP    (empty)            nothing left: leave the loop
 *   0 -> worker   RUN_TAG_HALT    (empty)            a signal: stop the trial at the next batch
 *   worker -> 0   RUN_TAG_STOPPED (empty)            my trial was stopped: stop the run
 * Rank 0 trains too: it answers messages at every batch boundary of its own trial (the
 * trial_hooks on_batch callback) and, when it has nothing to train, sleeps between probes.
 * No rank ever spins in a blocking MPI call: every wait is MPI_Test/MPI_Iprobe plus
 * nanosleep, so idle ranks cost no core. A finished trial is appended to the journal and
 * fsynced by rank 0 before the worker gets its next trial, so no result is lost; failed
 * trials are data (status "failed"), only infrastructure failures stop the job.
 * Whenever a finished trial becomes the best by the sweep metric (status ok, finite metric,
 * strictly lower than every recorded trial), rank 0 writes its weights to
 * DIR/best_model.h5 (io/modelio.h, atomic) before journaling it.
 * Checkpoints: every rank writes DIR/ckpt/<id>.ckpt (io/ckpt.h) after each finished epoch
 * of its trial; rank 0 removes it once the trial is journaled. A trial handed out with a
 * valid checkpoint continues after its last finished epoch (bit-identical result); a
 * corrupt or foreign checkpoint is ignored with a one-line warning.
 * SIGINT/SIGTERM/SIGUSR1 on any rank stop every rank at the next batch boundary: rank 0
 * sends RUN_TAG_HALT to every worker when it sees a signal, a worker whose trial a signal
 * stopped reports RUN_TAG_STOPPED, and each worker answers with READY/STOPPED so rank 0
 * never waits for a whole trial. Unfinished trials are not journaled; they resume from their
 * last epoch checkpoint. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/ckpt.h"
#include "io/h5data.h"
#include "io/hpkey.h"
#include "io/journal.h"
#include "io/modelio.h"
#include "io/results.h"
#include "io/strbuf.h"
#include "io/sweepcfg.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/baseline.h"
#include "sweep/expand.h"
#include "sweep/sched.h"
#include "sweep/shmdata.h"
#include "sweep/trial.h"

enum run_tag { RUN_TAG_READY = 1, RUN_TAG_RESULT = 2, RUN_TAG_TRIAL = 3, RUN_TAG_STOP = 4,
               RUN_TAG_WEIGHTS = 5, RUN_TAG_HALT = 6, RUN_TAG_STOPPED = 7 };

/* The best trial's model in the output directory. */
#define RUN_BEST_MODEL "best_model.h5"

/* Set by the signal handler; every rank receives the signal from mpirun/srun. */
static volatile sig_atomic_t run_signal = 0;
/* The trial stop flag handed to trial_run (an int, mirrored from run_signal). */
static volatile int run_stop_flag = 0;

static void run_on_signal(int sig) {
    run_signal = sig;
    run_stop_flag = 1;
}

typedef struct run_opts {
    const char *sweep_path;   /* the YAML file */
    const char *output;       /* --output override, NULL: the sweep's `output` */
    int restart;              /* --restart: start over in a directory of another sweep */
    int verbose;              /* --verbose: per-epoch lines */
    size_t top;               /* rows of the final table */
} run_opts;

typedef struct coord coord;

/* A trial id and its index in the trial list. */
struct run_id {
    char id[17];              /* 16 hex chars + NUL */
    size_t index;             /* index into coord.trials */
};

/* Rank 0's state. */
struct coord {
    const run_opts *opt;      /* command-line options */
    const sweep_def *def;     /* the parsed sweep */
    const sweep_trial *trials;/* (n_trials) the expanded sweep */
    size_t n_trials;          /* trials in the sweep */
    const char *outdir;       /* output directory */
    sched *s;                 /* who runs what */
    journal *j;               /* open journal, appended by rank 0 only */
    journal_record *recs;     /* (n_recs) every finished trial, resumed ones first */
    size_t n_recs, cap_recs;  /* records held / capacity */
    int nranks;               /* MPI world size */
    int active_workers;       /* workers (ranks > 0) not yet sent RUN_TAG_STOP */
    int stopping;             /* 1: hand out nothing more (max_failures or a signal) */
    size_t failures;          /* trials that failed or diverged, including resumed ones */
    double t0;                /* wall-clock start of this run, seconds */
    double busy_s;            /* sum of trial wall times finished in this run */
    size_t finished_now;      /* trials finished in this run */
    double last_tables;       /* when the tables were last rewritten */
    int tty;                  /* stderr is a terminal: one live progress line */
    double last_progress;     /* when the progress line was last printed (not a terminal) */
    int infra_rc;             /* first infrastructure error (journal write), 0 if none */
    hs_error infra_err;       /* its message */
    sweepcfg_param swept[SWEEPCFG_NPARAMS]; /* parameters that vary, for progress lines */
    size_t n_swept;           /* entries in swept */
    struct run_id *by_id;     /* (n_trials) trial ids sorted, for lookups */
    const hs_dataset *ds;     /* the dataset (its metadata goes into best_model.h5) */
    unsigned char *sent_stop; /* (nranks) 1 once rank r was sent RUN_TAG_STOP */
    size_t *current;          /* (nranks) trial index worker r is training, or SCHED_NONE */
    int halted;               /* 1 once RUN_TAG_HALT went out (a signal stopped the run) */
    results_baseline *base;   /* (n_base) persistence per window setting of the sweep */
    size_t n_base;            /* entries in base */
};

static double run_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* UTC Unix time in seconds (provenance of journal records) */
static double run_unix_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run_sleep(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Wait for req without spinning: MPI_Test, then sleep, backing off from 50 us to 2 ms. */
static void run_wait(MPI_Request *req, MPI_Status *st) {
    double pause = 50e-6;
    for (;;) {
        int done = 0;
        MPI_Test(req, &done, st ? st : MPI_STATUS_IGNORE);
        if (done) return;
        run_sleep(pause);
        if (pause < 2e-3) pause *= 2;
    }
}

/* A barrier that sleeps instead of spinning. */
static void run_barrier(void) {
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    run_wait(&req, NULL);
}

/* Rank 0 broadcasts rc and its error; every rank returns rank 0's rc. */
static int run_bcast_status(int rc, hs_error *err) {
    int v = rc;
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (v != 0) MPI_Bcast(err, (int)sizeof *err, MPI_BYTE, 0, MPI_COMM_WORLD);
    return v;
}

/* ---- trial result -> journal record --------------------------------------------------- */

static int run_make_record(journal_record *rec, const sweep_trial *t, int rc,
                           const trial_result *res, const hs_error *terr, int rank,
                           double wall_s) {
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
    rec->status = res->status == TRIAL_OK ? JOURNAL_OK : JOURNAL_DIVERGED;
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

static void coord_service(coord *c);

/* Context of the trial hooks. */
typedef struct run_hook_ctx {
    int rank;                 /* this rank */
    const sweep_trial *t;     /* the trial being trained */
    int verbose;              /* print a line per epoch */
    coord *c;                 /* rank 0: answer messages at batch boundaries; else NULL */
    const char *ckpt;         /* path of the trial's checkpoint file, NULL: none */
    uint64_t key;             /* ckpt_key of the trial */
    int ckpt_failed;          /* a checkpoint write failed (warned once) */
} run_hook_ctx;

static int run_on_epoch(const trial_progress *p, void *ctx) {
    const run_hook_ctx *h = ctx;
    if (h->verbose)
        fprintf(stderr, "[rank %d] trial %s: epoch %zu/%zu - loss: %.4f - mae: %.4f - "
                "val_loss: %.4f - val_mae: %.4f%s\n", h->rank, h->t->id, p->epoch, p->epochs,
                p->e->loss, p->e->mae, p->e->val_loss, p->e->val_mae, p->is_best ? " *" : "");
    return 0;
}

static void run_on_batch(void *ctx) {
    run_hook_ctx *h = ctx;
    if (h->c) {
        coord_service(h->c);
        return;
    }
    /* a worker: has rank 0 halted the run? */
    int flag = 0;
    MPI_Iprobe(0, RUN_TAG_HALT, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    if (flag) {
        MPI_Recv(NULL, 0, MPI_BYTE, 0, RUN_TAG_HALT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        run_stop_flag = 1;
    }
}

/* After every finished epoch: save the trial's state (atomic replace). A failed write is a
 * warning, once per trial: training goes on, the trial just cannot resume mid-way. */
static void run_on_checkpoint(const trial_checkpoint *ck, void *ctx) {
    run_hook_ctx *h = ctx;
    hs_error e;
    if (ckpt_write(h->ckpt, h->t->id, h->key, ck, &e) != 0 && !h->ckpt_failed) {
        h->ckpt_failed = 1;
        char msg[1600];
        hs_error_format(&e, msg, sizeof msg);
        fprintf(stderr, "[rank %d] trial %s: warning: %s (training goes on without "
                "checkpoints)\n", h->rank, h->t->id, msg);
    }
}

/* Train trial t, continuing from its checkpoint under outdir if there is a valid one, and
 * checkpointing every epoch; returns 0 with rec filled (status ok/diverged/failed) and
 * *weights the trial's best weights (rec->n_params floats, owned by the caller) or NULL, 1
 * when the run was stopped by a signal (rec not filled: the trial resumes from its last
 * epoch checkpoint), or HS_ERR_NOMEM. */
static int run_train(journal_record *rec, float **weights, const sweep_trial *t,
                     const hs_dataset *ds, int rank, int verbose, coord *c, const char *outdir) {
    *weights = NULL;
    trial_result res;
    hs_error terr;
    hs_error_clear(&terr);
    char cpath[4400];
    int have_path = outdir && outdir[0] && ckpt_path(cpath, sizeof cpath, outdir, t->id) == 0;
    run_hook_ctx hctx = {rank, t, verbose, c, have_path ? cpath : NULL, hpkey_ckpt_key(&t->hp, ds, (hpkey_scheme)t->id_scheme), 0};
    trial_hooks hooks = {.on_epoch = run_on_epoch, .ctx = &hctx, .on_batch = run_on_batch,
                         .stop = &run_stop_flag,
                         .on_checkpoint = have_path ? run_on_checkpoint : NULL};
    trial_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    struct stat sb;
    if (have_path && stat(cpath, &sb) == 0) {
        hs_error ce;
        if (ckpt_read(cpath, t->id, hctx.key, &ck, &ce) == 0) {
            hooks.resume = &ck;
            fprintf(stderr, "[rank %d] trial %s: resuming after epoch %zu/%zu from %s\n", rank,
                    t->id, ck.epochs_done, t->hp.epochs, cpath);
        } else {
            char msg[1600];
            hs_error_format(&ce, msg, sizeof msg);
            fprintf(stderr, "[rank %d] trial %s: warning: ignoring checkpoint: %s; the trial "
                    "starts from scratch\n", rank, t->id, msg);
        }
    }
    double t0 = run_now(), start_unix = run_unix_now();
    double resumed_s = hooks.resume ? hooks.resume->wall_s : 0.0; /* earlier segments */
    int rc = trial_run(&res, &t->hp, ds, &hooks, &terr);
    if (rc == HS_ERR_STATE && hooks.resume) {
        fprintf(stderr, "[rank %d] trial %s: warning: ignoring checkpoint: %s; the trial "
                "starts from scratch\n", rank, t->id, terr.msg);
        hooks.resume = NULL;
        resumed_s = 0.0;
        hs_error_clear(&terr);
        rc = trial_run(&res, &t->hp, ds, &hooks, &terr);
    }
    /* this session only (a resumed trial's earlier sessions belong to earlier runs' figures) */
    double wall = run_now() - t0;
    ckpt_state_free(&ck);
    if (rc == 0 && res.status == TRIAL_STOPPED) {
        trial_result_deinit(&res);
        return 1;
    }
    if (rc == HS_ERR_NOMEM) snprintf(terr.msg, sizeof terr.msg, "out of memory");
    int r = run_make_record(rec, t, rc, rc == 0 ? &res : NULL, &terr, rank, wall);
    journal_record_set_provenance(rec, start_unix, run_unix_now(), resumed_s + wall);
    if (rc == 0 && r == 0) {
        *weights = res.best_params;
        res.best_params = NULL;
    }
    if (rc == 0) trial_result_deinit(&res);
    return r;
}

/* ---- rank 0: bookkeeping --------------------------------------------------------------- */

static int coord_cmp_id(const void *a, const void *b) {
    return strcmp(((const struct run_id *)a)->id, ((const struct run_id *)b)->id);
}

/* Index of the trial with this id, or SIZE_MAX. */
static size_t coord_find(const coord *c, const char *id) {
    struct run_id key;
    snprintf(key.id, sizeof key.id, "%s", id);
    const struct run_id *hit = bsearch(&key, c->by_id, c->n_trials, sizeof key, coord_cmp_id);
    return hit ? hit->index : SIZE_MAX;
}

/* Take ownership of *rec (rec is re-initialised). 0 or HS_ERR_NOMEM. */
static int coord_keep(coord *c, journal_record *rec) {
    if (c->n_recs == c->cap_recs) {
        size_t cap = c->cap_recs ? 2 * c->cap_recs : 64;
        journal_record *r = realloc(c->recs, cap * sizeof *r);
        if (!r) return HS_ERR_NOMEM;
        c->recs = r;
        c->cap_recs = cap;
    }
    c->recs[c->n_recs++] = *rec;
    memset(rec, 0, sizeof *rec);
    journal_record_init(rec);
    return 0;
}

static results_options coord_results_options(const coord *c) {
    results_options o = {0};
    o.metric = c->def->metric == SWEEPCFG_METRIC_VAL_LOSS ? RESULTS_VAL_LOSS : RESULTS_VAL_MAE;
    o.title = c->def->name;
    o.baselines = c->base;
    o.n_baselines = c->n_base;
    return o;
}

static void coord_status(coord *c, const char *state, results_status *st) {
    memset(st, 0, sizeof *st);
    st->total = c->n_trials;
    st->done = sched_done(c->s);
    st->failed = sched_failed(c->s);
    st->running = sched_running(c->s);
    st->elapsed_s = run_now() - c->t0;
    st->eta_s = sched_eta(c->s, st->elapsed_s);
    results_options o = coord_results_options(c);
    st->metric = o.metric;
    st->best = NAN;
    for (size_t i = 0; i < c->n_recs; i++) {
        double v = results_metric_value(&c->recs[i], o.metric);
        if (c->recs[i].status == JOURNAL_OK && isfinite(v) && !(v >= st->best)) {
            st->best = v;
            st->best_id = c->recs[i].id;
        }
    }
    st->ranks = c->nranks;
    st->state = state;
}

static void coord_write_tables(coord *c) {
    results_options o = coord_results_options(c);
    hs_error e;
    if (results_write_tables(c->outdir, c->recs, c->n_recs, &o, &e) != 0) hs_error_print(&e, stderr);
    c->last_tables = run_now();
}

/* Print one line about a finished trial and refresh the live progress line. */
static void coord_report(coord *c, size_t idx, const journal_record *rec) {
    char params[512] = "", v[64];
    size_t off = 0;
    for (size_t k = 0; k < c->n_swept && off < sizeof params; k++) {
        sweepcfg_param p = c->swept[k];
        sweepcfg_param_format(p, sweepcfg_param_get(&c->trials[idx].hp, p), v, sizeof v);
        off += (size_t)snprintf(params + off, sizeof params - off, " %s=%s",
                                sweepcfg_param_name(p), v);
    }
    results_status st;
    coord_status(c, "running", &st);
    char line[512];
    results_format_progress(&st, line, sizeof line);
    if (c->tty) fprintf(stderr, "\r\033[K");
    if (rec->status == JOURNAL_FAILED)
        fprintf(stderr, "[rank %d] trial %s (%zu/%zu)%s: failed: %s\n", rec->rank, rec->id,
                idx + 1, c->n_trials, params, rec->reason);
    else
        fprintf(stderr, "[rank %d] trial %s (%zu/%zu)%s: %s val_mae %.4f test_mae %.4f, "
                "best epoch %zu/%zu, %.1f s%s%s\n", rec->rank, rec->id, idx + 1, c->n_trials,
                params, journal_status_name(rec->status), rec->val_mae, rec->test_mae,
                rec->best_epoch, rec->epochs_run, rec->wall_s, rec->reason[0] ? ": " : "",
                rec->reason);
    if (c->tty) fprintf(stderr, "%s", line);
    else fprintf(stderr, "%s\n", line);
    fflush(stderr);
    c->last_progress = run_now();
    hs_error e;
    if (results_write_status(c->outdir, &st, &e) != 0) hs_error_print(&e, stderr);
}

/* Remove trial id's epoch checkpoint (it is journaled now); a missing file is fine. */
static void coord_drop_ckpt(const coord *c, const char *id) {
    char p[4400];
    if (ckpt_path(p, sizeof p, c->outdir, id) == 0 && remove(p) != 0 && errno != ENOENT)
        fprintf(stderr, "hsweep run: warning: cannot remove %s: %s\n", p, strerror(errno));
}

/* A signal stopped the run (on rank 0, or a worker reported one): hand out nothing more,
 * stop rank 0's own trial and tell every worker not yet stopped to stop its trial at the
 * next batch boundary. Sent once. */
static void coord_halt(coord *c) {
    if (c->halted) return;
    c->halted = 1;
    c->stopping = 1;
    run_stop_flag = 1;
    for (int w = 1; w < c->nranks; w++)
        if (!c->sent_stop[w]) MPI_Send(NULL, 0, MPI_BYTE, w, RUN_TAG_HALT, MPI_COMM_WORLD);
}

/* A trial finished (on any rank): journal it (fsync), update the scheduler and the files.
 * Takes ownership of rec. */
static void coord_record(coord *c, size_t idx, journal_record *rec) {
    hs_error e;
    if (c->infra_rc == 0 && journal_append(c->j, rec, &e) != 0) {
        /* the journal is the source of truth: without it, stop cleanly */
        c->infra_rc = e.code;
        c->infra_err = e;
        c->stopping = 1;
    } else if (c->infra_rc == 0) {
        coord_drop_ckpt(c, rec->id);
    }
    int ok = rec->status != JOURNAL_FAILED;
    sched_record(c->s, idx, ok);
    if (rec->status != JOURNAL_OK) c->failures++;
    c->busy_s += rec->wall_s;
    c->finished_now++;
    if (coord_keep(c, rec) != 0) {
        c->infra_rc = HS_ERR_NOMEM;
        hs_error_set(&c->infra_err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory keeping results");
        c->stopping = 1;
        coord_report(c, idx, rec);
    } else {
        coord_report(c, idx, &c->recs[c->n_recs - 1]);
    }
    journal_record_deinit(rec);
    if (c->def->max_failures && c->failures >= c->def->max_failures && !c->stopping) {
        c->stopping = 1;
        fprintf(stderr, "hsweep run: %zu trials failed or diverged (max_failures %zu): "
                "stopping after the running trials\n", c->failures, c->def->max_failures);
    }
    /* tables cost O(trials): rewrite them at most every 10 s during the sweep */
    if (run_now() - c->last_tables > 10.0) coord_write_tables(c);
}

/* Write DIR/best_model.h5 when trial idx (record rec, weights w of n floats, may be NULL)
 * is the best so far by the sweep metric: status ok, finite metric, strictly lower than
 * every trial recorded (resumed ones included; ties keep the earlier). Called before the
 * trial is journaled. A failure to write is reported in one line; the sweep goes on. */
static void coord_save_best(coord *c, size_t idx, const journal_record *rec, const float *w,
                            size_t n) {
    results_metric metric = coord_results_options(c).metric;
    double v = results_metric_value(rec, metric);
    if (!w || n == 0 || n != rec->n_params || rec->status != JOURNAL_OK || !isfinite(v)) return;
    for (size_t i = 0; i < c->n_recs; i++) {
        double b = results_metric_value(&c->recs[i], metric);
        if (c->recs[i].status == JOURNAL_OK && isfinite(b) && b <= v) return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", c->outdir, RUN_BEST_MODEL);
    modelio_meta m;
    modelio_meta_borrow(&m, &c->trials[idx].hp, c->ds, rec->id);
    m.val_mae = rec->val_mae;
    m.val_loss = rec->val_loss;
    m.test_mae = rec->test_mae;
    m.best_epoch = rec->best_epoch;
    hs_error e;
    if (modelio_save(path, &m, w, n, &e) != 0) hs_error_print(&e, stderr);
}

/* On start: say in one line when DIR/best_model.h5 does not hold the journal's best trial
 * (missing, unreadable, or from another trial): it cannot be recovered without retraining
 * and is written again when a trial of this run becomes the best. */
static void coord_check_best(coord *c) {
    results_metric metric = coord_results_options(c).metric;
    const journal_record *best = NULL;
    double bv = INFINITY;
    for (size_t i = 0; i < c->n_recs; i++) {
        double v = results_metric_value(&c->recs[i], metric);
        if (c->recs[i].status == JOURNAL_OK && isfinite(v) && v < bv) {
            bv = v;
            best = &c->recs[i];
        }
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", c->outdir, RUN_BEST_MODEL);
    modelio_meta m;
    hs_error e;
    int rc = modelio_load(path, &m, NULL, 0, &e);
    if (!best) {
        if (rc == 0)
            fprintf(stderr, "hsweep run: %s holds trial %s of an earlier sweep; this sweep's "
                    "first best trial replaces it\n", path, m.trial_id);
    } else if (rc == HS_ERR_IO) {
        fprintf(stderr, "hsweep run: %s is missing: the best model of a previous run (trial "
                "%s) cannot be recovered without retraining; it is written again when a trial "
                "beats it\n", path, best->id);
    } else if (rc != 0) {
        fprintf(stderr, "hsweep run: %s is unreadable (%s); the best model (trial %s) cannot "
                "be recovered without retraining\n", path, e.msg, best->id);
    } else if (strcmp(m.trial_id, best->id) != 0) {
        fprintf(stderr, "hsweep run: %s holds trial %s but the journal's best is %s, which "
                "cannot be recovered without retraining\n", path, m.trial_id, best->id);
    }
    modelio_meta_deinit(&m);
}

/* Receive the RUN_TAG_WEIGHTS message worker w sends right after its result, sleeping
 * between probes. *out: malloc'ed floats (NULL when empty), *n: their count. */
static void coord_recv_weights(int w, float **out, size_t *n) {
    MPI_Status st;
    int flag = 0;
    double pause = 50e-6;
    for (;;) {
        MPI_Iprobe(w, RUN_TAG_WEIGHTS, MPI_COMM_WORLD, &flag, &st);
        if (flag) break;
        run_sleep(pause);
        if (pause < 2e-3) pause *= 2;
    }
    int len = 0;
    MPI_Get_count(&st, MPI_FLOAT, &len);
    *n = len > 0 ? (size_t)len : 0;
    *out = len > 0 ? malloc((size_t)len * sizeof **out) : NULL;
    if (len > 0 && !*out) {
        fprintf(stderr, "hsweep run: out of memory receiving %d weights\n", len);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Recv(*out, len, MPI_FLOAT, w, RUN_TAG_WEIGHTS, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* Hand worker w its next trial, or tell it to stop. */
static void coord_assign(coord *c, int w) {
    if (run_signal) c->stopping = 1;
    size_t idx = c->stopping ? SCHED_NONE : sched_next(c->s, w);
    if (idx == SCHED_NONE) {
        MPI_Send(NULL, 0, MPI_BYTE, w, RUN_TAG_STOP, MPI_COMM_WORLD);
        c->sent_stop[w] = 1;
        c->active_workers--;
        return;
    }
    uint64_t v = idx;
    c->current[w] = idx;
    MPI_Send(&v, 1, MPI_UINT64_T, w, RUN_TAG_TRIAL, MPI_COMM_WORLD);
}

/* Answer every pending message; never blocks for long (messages are already there). */
/* Not on a terminal (mpirun, a Slurm log): a progress line every RUN_PROGRESS_S seconds
 * while no trial finishes, besides the one at each trial end, so a long trial is visible in
 * the log without flooding it. */
enum { RUN_PROGRESS_S = 30 };
static void coord_progress_tick(coord *c) {
    if (c->tty || run_now() - c->last_progress < RUN_PROGRESS_S) return;
    results_status st;
    coord_status(c, "running", &st);
    char line[512];
    results_format_progress(&st, line, sizeof line);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    c->last_progress = run_now();
}

static void coord_service(coord *c) {
    coord_progress_tick(c);
    if (run_signal) coord_halt(c);
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag) return;
        int w = st.MPI_SOURCE;
        if (st.MPI_TAG == RUN_TAG_READY) {
            MPI_Recv(NULL, 0, MPI_BYTE, w, RUN_TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (st.MPI_TAG == RUN_TAG_STOPPED) {
            MPI_Recv(NULL, 0, MPI_BYTE, w, RUN_TAG_STOPPED, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            /* its trial is unfinished again (it resumes from its checkpoint next time) */
            if (c->current[w] != SCHED_NONE) sched_release(c->s, c->current[w]);
            c->current[w] = SCHED_NONE;
            coord_halt(c);
        } else if (st.MPI_TAG == RUN_TAG_RESULT) {
            int len = 0;
            MPI_Get_count(&st, MPI_CHAR, &len);
            char *msg = malloc((size_t)len + 1);
            if (!msg) {
                fprintf(stderr, "hsweep run: out of memory receiving a result\n");
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            MPI_Recv(msg, len, MPI_CHAR, w, RUN_TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            msg[len] = '\0';
            c->current[w] = SCHED_NONE;
            char *json = NULL;
            unsigned long long idx = strtoull(msg, &json, 10);
            journal_record rec;
            hs_error e;
            if (idx >= c->n_trials || journal_record_parse(json + 1, strlen(json + 1), &rec, &e)) {
                /* a garbled message is an infrastructure failure, not a trial result */
                fprintf(stderr, "hsweep run: bad result message from rank %d\n", w);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            float *weights = NULL;
            size_t n_weights = 0;
            coord_recv_weights(w, &weights, &n_weights);
            coord_save_best(c, (size_t)idx, &rec, weights, n_weights);
            free(weights);
            coord_record(c, (size_t)idx, &rec);
            free(msg);
        } else {
            fprintf(stderr, "hsweep run: unexpected message tag %d from rank %d\n", st.MPI_TAG, w);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        coord_assign(c, w);
    }
}

/* ---- rank 0: output directory, resume -------------------------------------------------- */

/* mkdir -p path. 0 or HS_ERR_IO. */
static int run_mkdirs(const char *path, hs_error *err) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
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

/* Prepare c->outdir: refuse (or with --restart, set aside) the results of another sweep,
 * load the journal of this one (marking its trials done), write metadata.json, open the
 * journal for appending. */
static int coord_open_dir(coord *c, const hs_dataset *meta, const char *data_path,
                          const char *mpi_version, hs_error *err) {
    int rc = run_mkdirs(c->outdir, err);
    if (rc) return rc;
    char hash[17], path[4200];
    expand_id_string(c->def->hash, hash);
    snprintf(path, sizeof path, "%s/%s", c->outdir, JOURNAL_FILE);
    results_meta_info info;
    hs_error e;
    int have_meta = results_read_metadata(c->outdir, &info, &e) == 0;
    struct stat sb;
    int have_journal = stat(path, &sb) == 0;
    if (have_journal && have_meta && strcmp(info.sweep_hash, hash) != 0) {
        if (!c->opt->restart)
            return hs_error_set(err, HS_ERR_STATE, c->outdir, 0, 0,
                                "holds results of a different sweep (hash %s, %s is %s); "
                                "rerun with --restart to start over (the old journal is "
                                "kept) or choose another --output", info.sweep_hash,
                                c->opt->sweep_path, hash);
        char old[4300];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(old, sizeof old, "%s.%s", path, stamp);
        if (rename(path, old) != 0)
            return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot set the old journal aside: %s",
                                strerror(errno));
        fprintf(stderr, "hsweep run: --restart: previous journal kept as %s\n", old);
        have_journal = 0;
    }
    if (have_journal) {
        journal_record *recs = NULL;
        size_t n = 0;
        journal_read_info ri;
        rc = journal_read(path, &recs, &n, &ri, err);
        if (rc) return rc;
        if (ri.warning[0]) fprintf(stderr, "hsweep run: %s: %s\n", path, ri.warning);
        size_t resumed = 0;
        for (size_t i = 0; i < n; i++) {
            size_t idx = coord_find(c, recs[i].id);
            if (idx == SIZE_MAX || sched_state_of(c->s, idx) != SCHED_PENDING) continue;
            sched_mark_done(c->s, idx, recs[i].status != JOURNAL_FAILED);
            coord_drop_ckpt(c, recs[i].id); /* left over if a crash came between the two */
            if (recs[i].status != JOURNAL_OK) c->failures++;
            if (coord_keep(c, &recs[i]) != 0) {
                journal_records_free(recs, n);
                return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
            }
            resumed++;
        }
        journal_records_free(recs, n);
        if (resumed)
            fprintf(stderr, "hsweep run: resuming %s: %zu of %zu trials already finished\n",
                    c->outdir, resumed, c->n_trials);
    }
    /* metadata: the sweep file's text, its hash, versions and the dataset fingerprint */
    strbuf text;
    strbuf_init(&text);
    FILE *f = fopen(c->opt->sweep_path, "rb");
    if (f) {
        char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0) strbuf_putn(&text, buf, k);
        fclose(f);
    }
    results_meta m = {0};
    m.sweep_name = c->def->name;
    m.sweep_path = c->opt->sweep_path;
    m.sweep_text = strbuf_str(&text);
    m.sweep_hash = hash;
    m.metric = coord_results_options(c).metric;
    m.mpi_version = mpi_version;
    m.dataset_path = data_path;
    m.dataset = meta;
    m.start_time = (double)time(NULL);
    m.ranks = c->nranks;
    m.n_trials = c->n_trials;
    m.id_scheme = c->def->id_scheme;
    rc = results_write_metadata(c->outdir, &m, err);
    strbuf_deinit(&text);
    if (rc) return rc;
    c->j = journal_open_append(c->outdir, err);
    return c->j ? 0 : err->code;
}

/* ---- memory figures ---------------------------------------------------------------------- */

/* kB values of VmHWM (peak resident), RssAnon (private) and RssShmem (shared memory) from
 * /proc/self/status; zeros where unavailable. */
static void run_memory(long kb[3]) {
    kb[0] = kb[1] = kb[2] = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) kb[0] = atol(line + 6);
        else if (strncmp(line, "RssAnon:", 8) == 0) kb[1] = atol(line + 8);
        else if (strncmp(line, "RssShmem:", 9) == 0) kb[2] = atol(line + 9);
    }
    fclose(f);
}

/* ---- the two roles ----------------------------------------------------------------------- */

/* Worker (rank > 0): ask, train, send the result, until told to stop. */
static int run_worker(const sweep_trial *trials, size_t n_trials, const hs_dataset *ds,
                      int rank, int verbose, const char *outdir) {
    MPI_Request req;
    MPI_Isend(NULL, 0, MPI_BYTE, 0, RUN_TAG_READY, MPI_COMM_WORLD, &req);
    run_wait(&req, NULL);
    strbuf msg;
    strbuf_init(&msg);
    int rc = 0;
    for (;;) {
        uint64_t idx = 0;
        MPI_Status st;
        MPI_Irecv(&idx, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &req);
        run_wait(&req, &st);
        if (st.MPI_TAG == RUN_TAG_HALT) {
            /* rank 0 halted the run between two of our trials: its STOP follows */
            run_stop_flag = 1;
            continue;
        }
        if (st.MPI_TAG == RUN_TAG_STOP || idx >= n_trials) break;
        journal_record rec;
        float *weights = NULL;
        int r = run_train(&rec, &weights, &trials[idx], ds, rank, verbose, NULL, outdir);
        if (r == 1) {
            /* stopped by a signal (ours or rank 0's HALT): report it; rank 0 halts the
             * other ranks and answers RUN_TAG_STOP */
            MPI_Isend(NULL, 0, MPI_BYTE, 0, RUN_TAG_STOPPED, MPI_COMM_WORLD, &req);
            run_wait(&req, NULL);
            continue;
        }
        if (r != 0) {
            fprintf(stderr, "[rank %d] out of memory recording trial %s\n", rank, trials[idx].id);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        strbuf_deinit(&msg);
        strbuf_init(&msg);
        strbuf_printf(&msg, "%llu ", (unsigned long long)idx);
        hs_error e;
        if (journal_record_format(&rec, &msg, &e) != 0 || strbuf_failed(&msg)) {
            fprintf(stderr, "[rank %d] cannot format trial %s: %s\n", rank, trials[idx].id, e.msg);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        int n_weights = weights ? (int)rec.n_params : 0;
        journal_record_deinit(&rec);
        MPI_Isend(strbuf_str(&msg), (int)msg.len, MPI_CHAR, 0, RUN_TAG_RESULT, MPI_COMM_WORLD,
                  &req);
        run_wait(&req, NULL);
        /* the best weights follow the result (rank 0 may save them as best_model.h5) */
        MPI_Isend(weights, n_weights, MPI_FLOAT, 0, RUN_TAG_WEIGHTS, MPI_COMM_WORLD, &req);
        run_wait(&req, NULL);
        free(weights);
    }
    strbuf_deinit(&msg);
    return rc;
}

/* Coordinator (rank 0): serve the workers and train whenever there is work. */
static void run_coordinator(coord *c, const hs_dataset *ds) {
    while (!c->stopping || c->active_workers > 0) {
        coord_service(c);
        if (run_signal) c->stopping = 1;
        size_t idx = c->stopping ? SCHED_NONE : sched_next(c->s, 0);
        if (idx != SCHED_NONE) {
            journal_record rec;
            float *weights = NULL;
            int r = run_train(&rec, &weights, &c->trials[idx], ds, 0, c->opt->verbose, c,
                              c->outdir);
            if (r == 1) {
                sched_release(c->s, idx);
                coord_halt(c);
                continue;
            }
            if (r != 0) {
                c->infra_rc = HS_ERR_NOMEM;
                hs_error_set(&c->infra_err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
                c->stopping = 1;
                continue;
            }
            coord_save_best(c, idx, &rec, weights, weights ? rec.n_params : 0);
            free(weights);
            coord_record(c, idx, &rec);
            continue;
        }
        if (sched_pending(c->s) == 0 && c->active_workers == 0) break;
        run_sleep(2e-3);
    }
}

/* ---- the command --------------------------------------------------------------------------- */

static void run_usage(FILE *f) {
    fprintf(f,
            "usage: mpirun -n P hsweep run SWEEP.yaml [--output DIR] [--restart] [--verbose]\n"
            "                                         [--top N]\n\n"
            "Run every trial of a sweep on P MPI ranks (P = 1 works too). Rank 0 expands the\n"
            "sweep and hands trials out longest first; every rank, rank 0 included, trains.\n"
            "Each node holds one copy of the dataset in shared memory. Finished trials are\n"
            "appended to DIR/journal.jsonl (fsynced); rerunning the same command resumes.\n\n"
            "  --output DIR  output directory (default: the sweep's `output`, runs/<name>)\n"
            "  --restart     the directory holds another sweep's results: set its journal\n"
            "                aside (renamed, never deleted) and start over\n"
            "  --verbose     print every epoch of every trial (Keras-style lines)\n"
            "  --top N       rows of the final ranked table (default 20, 0 = all)\n"
            "  -h, --help    this text\n\n"
            "SIGINT, SIGTERM or SIGUSR1 stop every rank at the next batch; finished trials are\n"
            "kept, each unfinished trial keeps its last epoch checkpoint (DIR/ckpt/<id>.ckpt)\n"
            "and the same command resumes, bit-identically. Exit status: 0 finished (or\n"
            "interrupted and resumable), 1 error or max_failures reached, 2 bad usage.\n");
}

static int run_parse(run_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->top = 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
        if (strcmp(a, "--restart") == 0) o->restart = 1;
        else if (strcmp(a, "--verbose") == 0) o->verbose = 1;
        else if (strcmp(a, "--output") == 0) {
            if (!(o->output = cli_value("run", argc, argv, &i))) return -1;
        } else if (strcmp(a, "--top") == 0) {
            const char *v = cli_value("run", argc, argv, &i);
            if (!v || cli_parse_size("run", "--top", v, 0, 1000000000, &o->top)) return -1;
        } else if (a[0] == '-' && a[1] != '\0') {
            static const char *const known[] = {"--help", "--restart", "--verbose", "--output", "--top"};
            cli_unknown_flag("run", a, known, sizeof known / sizeof *known);
            return -1;
        } else if (!o->sweep_path) o->sweep_path = a;
        else {
            fprintf(stderr, "hsweep run: more than one sweep file ('%s')\n", a);
            return -1;
        }
    }
    if (!o->sweep_path) {
        fprintf(stderr, "hsweep run: missing SWEEP.yaml (see hsweep run --help)\n");
        return -1;
    }
    return 0;
}

/* Broadcast the trial list and the dataset path from rank 0. */
static int run_bcast_trials(sweep_trial **trials, size_t *n, char *data_path, size_t path_len) {
    uint64_t cnt = *n;
    MPI_Bcast(&cnt, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(data_path, (int)path_len, MPI_CHAR, 0, MPI_COMM_WORLD);
    int me = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    if (me != 0) {
        *n = (size_t)cnt;
        *trials = malloc(*n * sizeof **trials);
        if (!*trials) {
            fprintf(stderr, "[rank %d] out of memory for %zu trials\n", me, *n);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    /* hs_hparams is plain data and every rank runs the same binary: send bytes, in pieces
     * below INT_MAX */
    char *p = (char *)*trials;
    size_t bytes = *n * sizeof **trials;
    for (size_t off = 0; off < bytes; off += (size_t)1 << 30) {
        size_t k = bytes - off < ((size_t)1 << 30) ? bytes - off : ((size_t)1 << 30);
        MPI_Bcast(p + off, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    return 0;
}

int cmd_run(int argc, char **argv) {
    run_opts opt;
    int prc = run_parse(&opt, argc, argv);
    if (prc == 1) {
        run_usage(stdout);
        return 0;
    }
    if (prc < 0) return 2;

    /* handlers first: a signal during start-up (MPI_Init, loading) must not kill the rank;
     * it stops the run at the first batch boundary */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = run_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    MPI_Init(&argc, &argv);
    int rank = 0, nranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);

    hs_error err;
    hs_error_clear(&err);
    sweep_def def;
    memset(&def, 0, sizeof def);
    sweep_trial *trials = NULL;
    size_t n_trials = 0;
    char data_path[4096] = "";
    char outdir[4096] = "";   /* the output directory, known to every rank */
    coord c;
    memset(&c, 0, sizeof c);
    shmdata sd;
    memset(&sd, 0, sizeof sd);
    sd.node = MPI_COMM_NULL;
    sd.win = MPI_WIN_NULL;
    int exit_code = 1;
    double t0 = run_now();

    /* rank 0: parse, validate and expand; everyone learns the outcome */
    int rc = 0;
    hs_dataset meta;
    memset(&meta, 0, sizeof meta);
    if (rank == 0) {
        rc = sweepcfg_load(&def, opt.sweep_path, &err);
        if (rc == 0) rc = h5data_load_meta(&meta, def.data_path, &err);
        if (rc == 0) /* a directory of hsweep 0.1 keeps its ids */
            rc = expand_resume_scheme(&def, opt.output ? opt.output : def.output, opt.restart, &err);
        if (rc == 0) rc = expand_trials(&def, meta.n_train, &trials, &n_trials, &err);
        /* absolute, so metadata.json and ranks started elsewhere find the same file */
        if (rc == 0 && !realpath(def.data_path, data_path))
            snprintf(data_path, sizeof data_path, "%s", def.data_path);
    }
    rc = run_bcast_status(rc, &err);
    if (rc) goto done;
    run_bcast_trials(&trials, &n_trials, data_path, sizeof data_path);

    /* rank 0: output directory, resume state, metadata, journal */
    if (rank == 0) {
        c.opt = &opt;
        c.def = &def;
        c.trials = trials;
        c.n_trials = n_trials;
        c.outdir = opt.output ? opt.output : def.output;
        c.nranks = nranks;
        c.active_workers = nranks - 1;
        c.t0 = t0;
        c.last_tables = run_now();
        c.last_progress = run_now();
        c.tty = isatty(2);
        c.n_swept = expand_swept(trials, n_trials, c.swept);
        double *costs = malloc(n_trials * sizeof *costs);
        c.by_id = malloc(n_trials * sizeof *c.by_id);
        c.sent_stop = calloc((size_t)nranks, 1);
        c.current = malloc((size_t)nranks * sizeof *c.current);
        if (c.current)
            for (int r = 0; r < nranks; r++) c.current[r] = SCHED_NONE;
        if (!costs || !c.by_id || !c.sent_stop || !c.current)
            rc = hs_error_set(&err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        else {
            for (size_t i = 0; i < n_trials; i++) {
                costs[i] = trials[i].cost;
                memcpy(c.by_id[i].id, trials[i].id, sizeof c.by_id[i].id);
                c.by_id[i].index = i;
            }
            qsort(c.by_id, n_trials, sizeof *c.by_id, coord_cmp_id);
            c.s = sched_create(n_trials, costs);
            if (!c.s) rc = hs_error_set(&err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        }
        free(costs);
        char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING] = "";
        int len = 0;
        MPI_Get_library_version(mpi_version, &len);
        char *nl = strchr(mpi_version, '\n');
        if (nl) *nl = '\0';
        if (rc == 0) rc = coord_open_dir(&c, &meta, data_path, mpi_version, &err);
        if (rc == 0) {
            snprintf(outdir, sizeof outdir, "%s/%s", c.outdir, CKPT_DIR);
            rc = run_mkdirs(outdir, &err);
            snprintf(outdir, sizeof outdir, "%s", c.outdir);
        }
    }
    rc = run_bcast_status(rc, &err);
    if (rc) goto done;
    /* every rank writes its trial's epoch checkpoints under the output directory */
    MPI_Bcast(outdir, (int)sizeof outdir, MPI_CHAR, 0, MPI_COMM_WORLD);

    /* one copy of the arrays per node */
    rc = shmdata_open(&sd, data_path, MPI_COMM_WORLD, &err);
    if (rc) goto done;

    if (rank == 0) {
        fprintf(stderr, "hsweep run: sweep '%s': %zu trials (%zu to run) on %d rank%s, "
                "dataset %s (%zu rows, %.1f MiB shared per node), output %s\n", def.name,
                n_trials, sched_pending(c.s), nranks, nranks == 1 ? "" : "s", data_path,
                sd.ds.n_rows, (double)sd.bytes / 1048576.0, c.outdir);
        c.ds = &sd.ds;
        for (size_t i = 0; i < n_trials; i++) { /* the persistence baseline of every window setting */
            hs_error be;
            if (baseline_add(&c.base, &c.n_base, &sd.ds, &trials[i].hp, &be) != 0) break;
        }
        coord_check_best(&c);
        run_coordinator(&c, &sd.ds);
    } else {
        run_worker(trials, n_trials, &sd.ds, rank, opt.verbose, outdir);
    }

    /* memory and utilisation figures */
    long kb[3], all[3 * 4096];
    run_memory(kb);
    long *gathered = nranks <= 4096 ? all : NULL;
    if (gathered) MPI_Gather(kb, 3, MPI_LONG, gathered, 3, MPI_LONG, 0, MPI_COMM_WORLD);
    run_barrier();

    if (rank == 0) {
        if (c.tty) fprintf(stderr, "\n");
        coord_write_tables(&c);
        const char *state = c.infra_rc ? "failed"
                            : sched_finished(c.s) ? "finished" : "stopped";
        results_status st;
        coord_status(&c, state, &st);
        hs_error e;
        if (results_write_status(c.outdir, &st, &e) != 0) hs_error_print(&e, stderr);
        results_options o = coord_results_options(&c);
        printf("\n");
        results_print_ranked(stdout, c.recs, c.n_recs, &o, opt.top, &e);
        double elapsed = run_now() - t0;
        printf("\n%zu trials finished in this run in %.1f s on %d rank%s: %.0f trials/hour, "
               "utilisation %.0f%% (trial time / (ranks x wall time))\n", c.finished_now,
               elapsed, nranks, nranks == 1 ? "" : "s",
               elapsed > 0 ? 3600.0 * (double)c.finished_now / elapsed : 0.0,
               elapsed > 0 ? 100.0 * c.busy_s / ((double)nranks * elapsed) : 0.0);
        if (gathered) {
            long peak = 0, anon = 0;
            for (int r = 0; r < nranks; r++) {
                if (gathered[3 * r] > peak) peak = gathered[3 * r];
                if (gathered[3 * r + 1] > anon) anon = gathered[3 * r + 1];
            }
            printf("memory per rank: peak RSS <= %.1f MiB, private <= %.1f MiB; dataset %.1f "
                   "MiB shared once per node\n", (double)peak / 1024.0, (double)anon / 1024.0,
                   (double)sd.bytes / 1048576.0);
        }
        printf("results: %s/results.md, %s/summary.md\n", c.outdir, c.outdir);
        if (c.infra_rc) {
            hs_error_print(&c.infra_err, stderr);
            exit_code = 1;
        } else if (run_signal || c.halted) {
            char sig[64] = "a signal on another rank";
            if (run_signal) snprintf(sig, sizeof sig, "signal %d", (int)run_signal);
            fprintf(stderr, "hsweep run: interrupted by %s; %zu of %zu trials finished "
                    "and journaled, unfinished trials continue from their last epoch "
                    "checkpoint in %s/%s. Run the same command again to resume.\n", sig,
                    sched_done(c.s) + sched_failed(c.s), n_trials, c.outdir, CKPT_DIR);
            exit_code = 0;
        } else if (!sched_finished(c.s)) {
            fprintf(stderr, "hsweep run: stopped after %zu failed or diverged trials "
                    "(max_failures %zu); the journal is intact\n", c.failures,
                    def.max_failures);
            exit_code = 1;
        } else exit_code = 0;
    } else exit_code = 0;

done:
    if (rc) {
        if (rank == 0) hs_error_print(&err, stderr);
        exit_code = 1;
    }
    {
        int code = exit_code;
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
        exit_code = code;
    }
    shmdata_close(&sd);
    if (rank == 0) {
        journal_close(c.j);
        sched_free(c.s);
        for (size_t i = 0; i < c.n_recs; i++) journal_record_deinit(&c.recs[i]);
        free(c.recs);
        free(c.base);
        free(c.by_id);
        free(c.sent_stop);
        free(c.current);
        expand_free(trials);
        sweepcfg_deinit(&def);
        dataset_deinit(&meta);
    } else {
        free(trials);
    }
    MPI_Finalize();
    return exit_code;
}
