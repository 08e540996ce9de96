/* run: `mpirun -n P hsweep run SWEEP.yaml`, the MPI transport around the coordinator.
 *
 * Every decision (resume, which trial next, journaling, best model, failures, tables,
 * stopping) is made by sweep/coord.h in plain functions; this file only moves bytes between
 * ranks, trains what it is told, and plumbs signals. Rank 0 parses and expands the sweep and
 * owns the coord; every node reads the dataset once into MPI shared memory (shmdata.h).
 * Messages (docs/architecture.md has the full protocol):
 *   worker -> 0   RUN_TAG_READY    (empty)              "give me work"
 *   0 -> worker   RUN_TAG_TASK     run_task_msg         train trial T up to epoch E (the
 *                                                       trial's configuration travels with
 *                                                       it: no trial list on workers)
 *   worker -> 0   RUN_TAG_EPOCH    run_epoch_msg        after every epoch: its metrics
 *   0 -> worker   RUN_TAG_VERDICT  uint64 coord_verdict the answer to each EPOCH, only when
 *                                                       the task said `sync` (the policy
 *                                                       has on_epoch); the worker waits
 *   worker -> 0   RUN_TAG_RESULT   "<index> <outcome> <json>"  the trial ended (finished,
 *                                                       paused or pruned), then "give me one"
 *   worker -> 0   RUN_TAG_WEIGHTS  float[n_params]      right after each RESULT: the trial's
 *                                                       best weights (empty if none/paused)
 *   0 -> worker   RUN_TAG_STOP     (empty)              nothing more: leave the loop
 *   0 -> worker   RUN_TAG_HALT     (empty)              a signal: stop the trial at the next
 *                                                       batch
 *   worker -> 0   RUN_TAG_STOPPED  (empty)              my trial was stopped: stop the run
 *   worker -> 0   RUN_TAG_BEAT     (empty)              a heartbeat every beat_s seconds
 *                                                       during an epoch: "still training"
 * A coord_next answer COORD_WAIT sends nothing: the rank is asked again after the next
 * message. Rank 0 trains too: it answers messages at every batch boundary of its own trial
 * (the trial_hooks on_batch callback) and, when it has nothing to train, sleeps between
 * probes. No rank ever spins in a blocking MPI call: every wait is MPI_Test/MPI_Iprobe plus
 * nanosleep, so idle ranks cost no core. A finished trial is journaled and fsynced by rank 0
 * (coord_result) before the worker gets its next task, so no result is lost. Group commit:
 * rank 0 handles every message already arrived, then fsyncs the journal once for all their
 * lines and only then sends the replies (run_flush; docs/running.md "Group commit").
 * Checkpoints: every rank writes DIR/ckpt/<id>.ckpt (io/ckpt.h, one file per trial rewritten
 * in place) after each finished epoch of its trial and its verdict, except an epoch after
 * which the trial's record follows at once (run_ckpt_needless); coord removes the file once
 * the trial is journaled. A task whose trial has a
 * valid checkpoint continues after its last finished epoch (bit-identical result); a
 * corrupt or foreign checkpoint is ignored with a one-line warning.
 * SIGINT/SIGTERM/SIGUSR1 on any rank stop every rank at the next batch boundary: rank 0
 * sends RUN_TAG_HALT to every rank not yet stopped when it sees a signal, a worker whose
 * trial a signal stopped reports RUN_TAG_STOPPED, and each worker answers with
 * READY/STOPPED so rank 0 never waits for a whole trial. Unfinished trials are not
 * journaled; they resume from their last epoch checkpoint. */
#define _XOPEN_SOURCE 700

#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/ckpt.h"
#include "io/h5data.h"
#include "io/hpkey.h"
#include "io/journal.h"
#include "io/results.h"
#include "io/rundir.h"
#include "io/strbuf.h"
#include "io/sweepcfg.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/coord.h"
#include "sweep/expand.h"
#include "sweep/policy_search.h"
#include "sweep/shmdata.h"
#include "sweep/study.h"
#include "sweep/trial.h"

enum run_tag { RUN_TAG_READY = 1, RUN_TAG_RESULT = 2, RUN_TAG_TASK = 3, RUN_TAG_STOP = 4,
               RUN_TAG_WEIGHTS = 5, RUN_TAG_HALT = 6, RUN_TAG_STOPPED = 7, RUN_TAG_EPOCH = 8,
               RUN_TAG_VERDICT = 9, RUN_TAG_BEAT = 10 };

/* What runs as one job on a study: every decision of its policy depends on the whole
 * sequence of events, which a second job would not see (docs/study.md). */
#define RUN_ALONE "a scheduler or TPE sweep"

/* RUN_TAG_TASK payload (sent as bytes: every rank runs the same binary). */
typedef struct run_task_msg {
    uint64_t index;           /* trial index in rank 0's list (echoed in EPOCH and RESULT) */
    uint64_t until;           /* last epoch to train, 1-based (coord_task.until, resolved) */
    uint64_t sync;            /* 1: wait for a RUN_TAG_VERDICT after every EPOCH report */
    double beat_s;            /* send a RUN_TAG_BEAT this often (s) between epoch reports */
    sweep_trial trial;        /* the configuration, id, repeat */
} run_task_msg;

/* RUN_TAG_EPOCH payload. */
typedef struct run_epoch_msg {
    uint64_t index;           /* trial index (run_task_msg.index) */
    uint64_t epoch;           /* 1-based epoch just finished */
    journal_epoch m;          /* its metrics */
} run_epoch_msg;

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
    int restart;              /* --restart: start over (the old journal is kept) */
    int retry_failed;         /* --retry-failed: rerun failed and diverged trials */
    int no_lock;              /* --no-lock: no study lock (a single job only) */
    double timeout_s;         /* --heartbeat-timeout: a rank or job silent this long is
                                 stalled, its trial handed out again; 0: the default */
    int verbose;              /* --verbose: per-epoch lines */
    size_t top;               /* rows of the final table */
    double progress_s;        /* --progress-every: not on a terminal, the progress line
                                 after this many seconds without one; 0: the default */
} run_opts;

/* UTC Unix time in seconds (provenance of journal records) */
static double run_unix_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double run_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

/* Wait, sleeping between probes, until a message from src with tag (MPI_ANY_TAG: any) is
 * there; its status into st. */
static void run_probe(int src, int tag, MPI_Status *st) {
    double pause = 50e-6;
    for (;;) {
        int flag = 0;
        MPI_Iprobe(src, tag, MPI_COMM_WORLD, &flag, st);
        if (flag) return;
        run_sleep(pause);
        if (pause < 2e-3) pause *= 2;
    }
}

/* Send without blocking in MPI: Isend, then sleep until it completed. */
static void run_send(const void *buf, int count, MPI_Datatype type, int dest, int tag) {
    MPI_Request req;
    MPI_Isend(buf, count, type, dest, tag, MPI_COMM_WORLD, &req);
    run_wait(&req, NULL);
}

/* A barrier that sleeps instead of spinning. */
static void run_barrier(void) {
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    run_wait(&req, NULL);
}

/* How much lower (nice increment) the other ranks of rank 0's node run when that node holds
 * more ranks than cores (run_share_node). */
#define RUN_NODE_NICE 10

/* Every rank calls this once after MPI_Init. When rank 0's node runs more ranks than it has
 * cores (oversubscribed: tests, benchmarks, a workstation), the other ranks of that node
 * lower their scheduling priority by RUN_NODE_NICE, so rank 0 gets a core as soon as it has
 * messages to answer: every rank's next task goes through it, and with equal priorities it
 * waited its turn behind ranks that only poll (10,000 synthetic trials on 64 ranks on 2
 * cores: the sweep took twice as long; docs/search.md "Synthetic trials"). The ranks still
 * share the cores among themselves as before. Ranks on other nodes, and nodes with a core
 * per rank, are left alone. A failed nice(2) changes nothing. */
static void run_share_node(int rank) {
    static int done = 0;   /* once per process: a test runs several sweeps in one */
    if (done) return;
    done = 1;
    MPI_Comm node = MPI_COMM_NULL;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) !=
        MPI_SUCCESS)
        return;
    int size = 0, lowest = 0;
    MPI_Comm_size(node, &size);
    MPI_Allreduce(&rank, &lowest, 1, MPI_INT, MPI_MIN, node);
    MPI_Comm_free(&node);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (rank != 0 && lowest == 0 && cores > 0 && size > cores) (void)nice(RUN_NODE_NICE);
}

/* Rank 0 broadcasts rc and its error; every rank returns rank 0's rc. */
static int run_bcast_status(int rc, hs_error *err) {
    int v = rc;
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (v != 0) MPI_Bcast(err, (int)sizeof *err, MPI_BYTE, 0, MPI_COMM_WORLD);
    return v;
}

/* ---- rank 0's outbox: replies held back until the journal is durable ---------------------- */

/* One reply rank 0 owes a worker. */
typedef struct run_reply {
    int w;                    /* the worker */
    int tag;                  /* RUN_TAG_TASK, RUN_TAG_STOP or RUN_TAG_VERDICT */
    uint64_t verdict;         /* RUN_TAG_VERDICT: the coord_verdict */
    run_task_msg task;        /* RUN_TAG_TASK: the task */
} run_reply;

/* The replies of the current service round (group commit, docs/running.md). Rank 0 runs one
 * coordinator per process, so this is process state like the signal flags above; only rank
 * 0 touches it. */
static struct run_outbox {
    run_reply *q;             /* (n) replies in the order they were decided */
    size_t n, cap;            /* entries / capacity */
} run_outbox;

static void run_queue(const run_reply *r) {
    if (run_outbox.n == run_outbox.cap) {
        size_t nc = run_outbox.cap ? 2 * run_outbox.cap : 64;
        run_reply *g = realloc(run_outbox.q, nc * sizeof *g);
        if (!g) {
            fprintf(stderr, "hsweep run: out of memory queueing a reply\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        run_outbox.q = g;
        run_outbox.cap = nc;
    }
    run_outbox.q[run_outbox.n++] = *r;
}

/* Group commit: make every journal line written so far durable (coord_commit, one fsync for
 * all of them; it also removes the checkpoints of trials just journaled), then send the
 * replies that waited for it, in order. No reply that depends on a journal line (a task
 * after a result, a verdict after an epoch event) leaves rank 0 before that line is
 * fsynced; the checkpoints of the trials those lines finished are removed after the
 * replies. After a failed fsync the run stops (coord_fail) and the replies still go out,
 * so no worker hangs: the lines are in the file, and nothing new is handed out. */
static void run_flush(coord *c) {
    coord_sync(c);
    for (size_t k = 0; k < run_outbox.n; k++) {
        const run_reply *r = &run_outbox.q[k];
        if (r->tag == RUN_TAG_TASK)
            MPI_Send(&r->task, (int)sizeof r->task, MPI_BYTE, r->w, RUN_TAG_TASK, MPI_COMM_WORLD);
        else if (r->tag == RUN_TAG_VERDICT)
            MPI_Send(&r->verdict, 1, MPI_UINT64_T, r->w, RUN_TAG_VERDICT, MPI_COMM_WORLD);
        else
            MPI_Send(NULL, 0, MPI_BYTE, r->w, r->tag, MPI_COMM_WORLD);
    }
    run_outbox.n = 0;
    /* the checkpoints of the trials just made durable: removed after the replies, so no
     * worker waits for it (still after the fsync) */
    coord_drop_synced(c);
}

/* ---- training one task (every rank) ------------------------------------------------------ */

static void run_service(coord *c);

/* Context of the trial hooks. */
typedef struct run_hook_ctx {
    int rank;                 /* this rank */
    const sweep_trial *t;     /* the trial being trained */
    size_t index;             /* its index (run_task_msg.index) */
    size_t until;             /* last epoch to train before pausing */
    int sync;                 /* a worker waits for a verdict after each epoch report */
    int verbose;              /* print a line per epoch */
    coord *c;                 /* rank 0: the coordinator (answer messages, ask it directly);
                                 NULL on workers */
    ckpt_file *ckpt;          /* the trial's checkpoint file, NULL: none; written after
                                 each epoch's verdict (trial_hooks), so it never gets ahead
                                 of the journaled epochs */
    uint64_t key;             /* ckpt_key of the trial */
    int ckpt_failed;          /* a checkpoint write failed (warned once) */
    coord_outcome outcome;    /* COORD_PAUSED/COORD_PRUNED once on_epoch ended the trial */
    double beat_s;            /* worker: heartbeat interval (s) */
    double last_beat;         /* worker: when it last reported (epoch or heartbeat) */
} run_hook_ctx;

/* The coordinator's verdict on this epoch: asked directly on rank 0; on a worker, the epoch
 * is reported and, in sync mode, the answer awaited. */
static coord_verdict run_report_epoch(const run_hook_ctx *h, const trial_progress *p) {
    run_epoch_msg em;
    memset(&em, 0, sizeof em);
    em.index = h->index;
    em.epoch = p->epoch;
    em.m = (journal_epoch){p->e->loss, p->e->mae, p->e->val_loss, p->e->val_mae};
    if (h->c) {
        /* rank 0's own trial: its epoch event is durable before run_on_epoch renames the
         * checkpoint */
        coord_verdict v = coord_epoch(h->c, 0, h->index, p->epoch, &em.m);
        run_flush(h->c);
        return v;
    }
    run_send(&em, (int)sizeof em, MPI_BYTE, 0, RUN_TAG_EPOCH);
    ((run_hook_ctx *)h)->last_beat = run_now();
    if (!h->sync) return COORD_CONTINUE;
    MPI_Status st;
    run_probe(0, RUN_TAG_VERDICT, &st);
    uint64_t v = 0;
    MPI_Recv(&v, 1, MPI_UINT64_T, 0, RUN_TAG_VERDICT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return (coord_verdict)v;
}

static int run_on_epoch(const trial_progress *p, void *ctx) {
    run_hook_ctx *h = ctx;
    if (h->verbose)
        fprintf(stderr, "[rank %d] trial %s: epoch %zu/%zu - loss: %.4f - mae: %.4f - "
                "val_loss: %.4f - val_mae: %.4f%s\n", h->rank, h->t->id, p->epoch, p->epochs,
                p->e->loss, p->e->mae, p->e->val_loss, p->e->val_mae, p->is_best ? " *" : "");
    coord_verdict v = run_report_epoch(h, p);
    if (p->epoch >= p->epochs) return 0;   /* the last epoch: the trial finishes anyway */
    if (v == COORD_PAUSE || v == COORD_PRUNE) {
        h->outcome = v == COORD_PAUSE ? COORD_PAUSED : COORD_PRUNED;
        return 1;
    }
    if (p->epoch >= h->until) {
        h->outcome = COORD_PAUSED;
        return 1;
    }
    return 0;
}

static void run_on_batch(void *ctx) {
    run_hook_ctx *h = ctx;
    if (h->c) {
        run_service(h->c);
        return;
    }
    /* a worker: a heartbeat during long epochs, so rank 0 can tell slow from stalled */
    if (h->beat_s > 0 && run_now() - h->last_beat >= h->beat_s) {
        run_send(NULL, 0, MPI_BYTE, 0, RUN_TAG_BEAT);
        h->last_beat = run_now();
    }
    /* has rank 0 halted the run? */
    int flag = 0;
    MPI_Iprobe(0, RUN_TAG_HALT, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    if (flag) {
        MPI_Recv(NULL, 0, MPI_BYTE, 0, RUN_TAG_HALT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        run_stop_flag = 1;
    }
}

/* 1 when the epoch of ck ends the trial and its record follows at once, so it needs no
 * checkpoint: pruned by the scheduler (no evaluation follows), or, for the synthetic cell,
 * its last epoch or the end of its patience (its final evaluation is instant; a real
 * network's can be interrupted by a signal, and its last epoch is worth keeping). A trial
 * paused at this epoch always keeps its checkpoint. If the run dies before the record is
 * written, the trial continues from its previous checkpoint: one epoch is trained again. */
static int run_ckpt_needless(const run_hook_ctx *h, const trial_checkpoint *ck) {
    if (h->outcome == COORD_PAUSED) return 0;
    if (h->outcome == COORD_PRUNED) return 1;
    const hs_hparams *hp = &h->t->hp;
    return hp->cell == HS_CELL_SYNTHETIC &&
           (ck->epochs_done >= hp->epochs || (hp->patience > 0 && ck->since_best >= hp->patience));
}

/* After every finished epoch and its verdict: save the trial's state into its checkpoint
 * file, in place (ckpt_file_write). A failed write is a warning, once per trial: training
 * goes on, the trial just cannot resume mid-way. */
static void run_on_checkpoint(const trial_checkpoint *ck, void *ctx) {
    run_hook_ctx *h = ctx;
    if (run_ckpt_needless(h, ck)) return;
    hs_error e;
    if (ckpt_file_write(h->ckpt, h->t->id, h->key, ck, &e) != 0 && !h->ckpt_failed) {
        h->ckpt_failed = 1;
        char msg[1600];
        hs_error_format(&e, msg, sizeof msg);
        fprintf(stderr, "[rank %d] trial %s: warning: %s (training goes on without "
                "checkpoints)\n", h->rank, h->t->id, msg);
    }
}

/* Load trial t's checkpoint into ck when there is a valid one (hooks->resume set); a bad
 * one is a one-line warning and the trial starts from scratch. */
static void run_load_ckpt(trial_hooks *hooks, trial_checkpoint *ck, const run_hook_ctx *h) {
    if (!h->ckpt) return;
    hs_error ce;
    int rc = ckpt_file_load(h->ckpt, h->t->id, h->key, ck, &ce);
    if (rc == 1) return;   /* no checkpoint */
    if (rc == 0) {
        hooks->resume = ck;
        fprintf(stderr, "[rank %d] trial %s: resuming after epoch %zu/%zu from %s\n", h->rank,
                h->t->id, ck->epochs_done, h->t->hp.epochs, h->ckpt->path);
        return;
    }
    char msg[1600];
    hs_error_format(&ce, msg, sizeof msg);
    fprintf(stderr, "[rank %d] trial %s: warning: ignoring checkpoint: %s; the trial "
            "starts from scratch\n", h->rank, h->t->id, msg);
}

/* Train task (trial t, index, until, sync) on this rank, continuing from its checkpoint under
 * outdir if there is a valid one, and checkpointing every epoch. Returns 0 with rec filled,
 * *how the outcome (finished: status ok/diverged/failed; paused or pruned by on_epoch) and
 * *weights the trial's best weights (rec->n_params floats, owned by the caller; NULL unless
 * finished); 1 when a signal stopped it (rec not filled: the trial resumes from its last
 * epoch checkpoint); or HS_ERR_NOMEM. */
static int run_train(journal_record *rec, coord_outcome *how, float **weights,
                     const run_task_msg *task, const hs_dataset *ds, int rank, int verbose,
                     coord *c, const char *outdir) {
    *weights = NULL;
    *how = COORD_FINISHED;
    const sweep_trial *t = &task->trial;
    trial_result res;
    hs_error terr;
    hs_error_clear(&terr);
    char cpath[4400];
    /* a synthetic epoch is recomputed bit for bit in microseconds: its checkpoint needs no
     * fsync (docs/running.md, "Group commit"); a real network's is fsynced */
    ckpt_file cf;
    int have_path = outdir && outdir[0] &&
                    rundir_ckpt_path(cpath, sizeof cpath, outdir, t->id) == 0 &&
                    ckpt_file_init(&cf, cpath, t->hp.cell != HS_CELL_SYNTHETIC, NULL) == 0;
    run_hook_ctx hctx = {rank, t, (size_t)task->index, (size_t)task->until, (int)task->sync,
                         verbose, c, have_path ? &cf : NULL,
                         hpkey_ckpt_key(&t->hp, ds, (hpkey_scheme)t->id_scheme), 0,
                         COORD_FINISHED, task->beat_s, run_now()};
    trial_hooks hooks = {.on_epoch = run_on_epoch, .ctx = &hctx, .on_batch = run_on_batch,
                         .stop = &run_stop_flag,
                         .on_checkpoint = have_path ? run_on_checkpoint : NULL};
    trial_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    run_load_ckpt(&hooks, &ck, &hctx);
    /* a paused trial whose record was lost (policy_search_resume): its checkpoint is at the
     * pause already, so the trial stops before training anything and its paused record is
     * made from the checkpoint, as the lost one was made from the same state */
    volatile int stop_now = 1;
    if (hooks.resume && hooks.resume->epochs_done >= task->until && task->until < t->hp.epochs) {
        hooks.stop = &stop_now;
        hctx.outcome = COORD_PAUSED;
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
    if (have_path) ckpt_file_close(&cf);
    if (rc == 0 && res.status == TRIAL_STOPPED && hctx.outcome == COORD_FINISHED) {
        trial_result_deinit(&res);
        return 1;
    }
    if (rc == 0 && res.status == TRIAL_STOPPED) *how = hctx.outcome;
    if (rc == HS_ERR_NOMEM) snprintf(terr.msg, sizeof terr.msg, "out of memory");
    int r = coord_make_record(rec, t, rc, rc == 0 ? &res : NULL, &terr, rank, wall);
    journal_record_set_provenance(rec, start_unix, run_unix_now(), resumed_s + wall);
    if (rc == 0 && r == 0 && *how == COORD_FINISHED) {
        *weights = res.best_params;
        res.best_params = NULL;
    }
    if (rc == 0) trial_result_deinit(&res);
    return r;
}

/* ---- rank 0: the transport around coord -------------------------------------------------- */

/* coord_halt said the run halts now: stop rank 0's own trial and tell every rank still in
 * the run to stop its trial at the next batch boundary. */
static void run_halt_all(coord *c) {
    run_flush(c);   /* a worker sees the replies decided before the halt first */
    run_stop_flag = 1;
    for (int w = 1; w < c->cfg.nranks; w++)
        if (c->rank_state[w] != COORD_RANK_STOPPED)
            MPI_Send(NULL, 0, MPI_BYTE, w, RUN_TAG_HALT, MPI_COMM_WORLD);
}

/* Ask coord what worker w does next and tell it (nothing for COORD_WAIT). */
static void run_assign(coord *c, int w) {
    if (run_signal && coord_halt(c)) run_halt_all(c);
    coord_task t = coord_next(c, w);
    if (t.kind == COORD_WAIT) return;
    run_reply r;
    memset(&r, 0, sizeof r);
    r.w = w;
    r.tag = t.kind == COORD_STOP ? RUN_TAG_STOP : RUN_TAG_TASK;
    if (t.kind == COORD_RUN) {
        r.task.index = t.trial;
        r.task.until = t.until;
        r.task.sync = (uint64_t)coord_epoch_sync(c);
        r.task.beat_s = coord_beat_interval(c);
        r.task.trial = c->cfg.trials[t.trial];
    }
    run_queue(&r);   /* sent by run_flush, after the journal lines it follows are fsynced */
}

/* Receive the RUN_TAG_WEIGHTS message worker w sends right after its result, sleeping
 * between probes. *out: malloc'ed floats (NULL when empty), *n: their count. */
static void run_recv_weights(int w, float **out, size_t *n) {
    MPI_Status st;
    run_probe(w, RUN_TAG_WEIGHTS, &st);
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

/* RUN_TAG_RESULT from w: "<index> <outcome> <json>", then its weights, to coord_result. */
static void run_recv_result(coord *c, int w, const MPI_Status *st) {
    int len = 0;
    MPI_Get_count(st, MPI_CHAR, &len);
    char *msg = malloc((size_t)len + 1);
    if (!msg) {
        fprintf(stderr, "hsweep run: out of memory receiving a result\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Recv(msg, len, MPI_CHAR, w, RUN_TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    msg[len] = '\0';
    char *p = NULL, *json = NULL;
    unsigned long long idx = strtoull(msg, &p, 10);
    unsigned long how = strtoul(p, &json, 10);
    journal_record rec;
    hs_error e;
    float *weights = NULL;
    size_t n_weights = 0;
    /* a garbled message is an infrastructure failure, not a trial result */
    int bad = *json != ' ' || how > COORD_PRUNED ||
              journal_record_parse(json + 1, strlen(json + 1), &rec, &e) != 0;
    if (!bad) {
        run_recv_weights(w, &weights, &n_weights);
        if (c->stalled[w] && how == COORD_FINISHED)   /* late, from a rank given up on */
            coord_stray_result(c, w, (size_t)idx, &rec, weights, n_weights);
        else if (c->stalled[w])
            journal_record_deinit(&rec);
        else
            bad = coord_result(c, w, (size_t)idx, (coord_outcome)how, &rec, weights, n_weights);
    }
    if (bad) {
        fprintf(stderr, "hsweep run: bad result message from rank %d\n", w);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    free(weights);
    free(msg);
}

/* RUN_TAG_EPOCH from w: tell coord, answer in sync mode. */
static void run_recv_epoch(coord *c, int w) {
    run_epoch_msg em;
    MPI_Recv(&em, (int)sizeof em, MPI_BYTE, w, RUN_TAG_EPOCH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    uint64_t v = coord_epoch(c, w, (size_t)em.index, (size_t)em.epoch, &em.m);
    if (!coord_epoch_sync(c)) return;
    run_reply r;
    memset(&r, 0, sizeof r);
    r.w = w;
    r.tag = RUN_TAG_VERDICT;
    r.verdict = v;
    run_queue(&r);   /* the worker writes its checkpoint on it: after the event's fsync */
}

/* Answer every pending message; never blocks for long (messages are already there). Group
 * commit: every message already arrived is handled first (their journal lines written), then
 * one fsync covers them all and only then do the replies go out (run_flush). */
static void run_service(coord *c) {
    coord_progress_tick(c);
    if (run_signal && coord_halt(c)) run_halt_all(c);
    int held = 0;   /* the study lock, taken once for the round when there is work */
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag) break;
        if (!held) coord_hold(c);
        held = 1;
        int w = st.MPI_SOURCE;
        if (st.MPI_TAG == RUN_TAG_EPOCH) {
            run_recv_epoch(c, w);
            continue;
        }
        if (st.MPI_TAG == RUN_TAG_BEAT) {
            MPI_Recv(NULL, 0, MPI_BYTE, w, RUN_TAG_BEAT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            coord_beat(c, w);
            continue;
        }
        if (st.MPI_TAG == RUN_TAG_READY) {
            MPI_Recv(NULL, 0, MPI_BYTE, w, RUN_TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (st.MPI_TAG == RUN_TAG_STOPPED) {
            MPI_Recv(NULL, 0, MPI_BYTE, w, RUN_TAG_STOPPED, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            /* its trial is unfinished again (it resumes from its checkpoint next time) */
            if (coord_stopped(c, w)) run_halt_all(c);
        } else if (st.MPI_TAG == RUN_TAG_RESULT) {
            run_recv_result(c, w, &st);
        } else {
            fprintf(stderr, "hsweep run: unexpected message tag %d from rank %d\n", st.MPI_TAG, w);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        run_assign(c, w);
    }
    /* ranks told to wait are asked again: something may have changed */
    for (int w = 1; c->n_waiting > 0 && w < c->cfg.nranks; w++)
        if (c->rank_state[w] == COORD_RANK_WAITING) run_assign(c, w);
    run_flush(c);
    if (held) coord_unhold(c);
    /* stalled ranks, heartbeat file, status.json */
    coord_tick(c);
}

/* Coordinator (rank 0): serve the workers and train whenever coord gives rank 0 work. */
static void run_coordinator(coord *c, const hs_dataset *ds, int verbose) {
    while (!coord_finished(c)) {
        run_service(c);
        if (run_signal && coord_halt(c)) run_halt_all(c);
        coord_task t = coord_next(c, 0);
        if (t.kind != COORD_RUN) {
            if (!coord_finished(c)) run_sleep(2e-3);
            continue;
        }
        run_task_msg task = {t.trial, t.until, 0, 0.0, c->cfg.trials[t.trial]};
        journal_record rec;
        coord_outcome how;
        float *weights = NULL;
        int r = run_train(&rec, &how, &weights, &task, ds, 0, verbose, c, c->cfg.outdir);
        if (r == 1) {
            if (coord_stopped(c, 0)) run_halt_all(c);
            continue;
        }
        if (r != 0) {
            hs_error e;
            hs_error_set(&e, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
            coord_fail(c, &e);
            continue;
        }
        coord_result(c, 0, t.trial, how, &rec, weights, weights ? rec.n_params : 0);
        run_flush(c);   /* its record durable (and its checkpoint gone) before anything else */
        free(weights);
    }
}

/* ---- workers ------------------------------------------------------------------------------ */

/* Send the end of a task: RESULT "<index> <outcome> <json>" and the best weights (n floats,
 * may be empty). */
static void run_send_result(const run_task_msg *task, coord_outcome how,
                            const journal_record *rec, const float *weights, int n, int rank) {
    strbuf msg;
    strbuf_init(&msg);
    strbuf_printf(&msg, "%llu %d ", (unsigned long long)task->index, (int)how);
    hs_error e;
    if (journal_record_format(rec, &msg, &e) != 0 || strbuf_failed(&msg)) {
        fprintf(stderr, "[rank %d] cannot format trial %s: %s\n", rank, task->trial.id, e.msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    run_send(strbuf_str(&msg), (int)msg.len, MPI_CHAR, 0, RUN_TAG_RESULT);
    /* the best weights follow the result (rank 0 may save them as best_model.h5) */
    run_send(weights, n, MPI_FLOAT, 0, RUN_TAG_WEIGHTS);
    strbuf_deinit(&msg);
}

/* Worker (rank > 0): ask, train, send the result, until told to stop. */
static void run_worker(const hs_dataset *ds, int rank, int verbose, const char *outdir) {
    run_send(NULL, 0, MPI_BYTE, 0, RUN_TAG_READY);
    for (;;) {
        MPI_Status st;
        run_probe(0, MPI_ANY_TAG, &st);
        if (st.MPI_TAG == RUN_TAG_HALT || st.MPI_TAG == RUN_TAG_STOP) {
            MPI_Recv(NULL, 0, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (st.MPI_TAG == RUN_TAG_STOP) break;
            /* rank 0 halted the run between two of our trials: its STOP follows */
            run_stop_flag = 1;
            continue;
        }
        if (st.MPI_TAG != RUN_TAG_TASK) {
            fprintf(stderr, "[rank %d] unexpected message tag %d\n", rank, st.MPI_TAG);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        run_task_msg task;
        MPI_Recv(&task, (int)sizeof task, MPI_BYTE, 0, RUN_TAG_TASK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        journal_record rec;
        coord_outcome how;
        float *weights = NULL;
        int r = run_train(&rec, &how, &weights, &task, ds, rank, verbose, NULL, outdir);
        if (r == 1) {
            /* stopped by a signal (ours or rank 0's HALT): report it; rank 0 halts the
             * other ranks and answers RUN_TAG_STOP */
            run_send(NULL, 0, MPI_BYTE, 0, RUN_TAG_STOPPED);
            continue;
        }
        if (r != 0) {
            fprintf(stderr, "[rank %d] out of memory recording trial %s\n", rank, task.trial.id);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        run_send_result(&task, how, &rec, weights, weights ? (int)rec.n_params : 0, rank);
        journal_record_deinit(&rec);
        free(weights);
    }
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

/* ---- command line ---------------------------------------------------------------------------- */

static void run_usage(FILE *f) {
    fprintf(f,
            "usage: mpirun -n P hsweep run SWEEP.yaml [--output DIR] [--restart] [--retry-failed]\n"
            "                 [--heartbeat-timeout S] [--no-lock] [--verbose] [--top N]\n"
            "                 [--progress-every S]\n\n"
            "Run every trial of a sweep on P MPI ranks (P = 1 works too). Rank 0 expands the\n"
            "sweep and hands trials out longest first; every rank, rank 0 included, trains.\n"
            "Each node holds one copy of the dataset in shared memory. Finished trials are\n"
            "appended to DIR/journal.jsonl (fsynced); rerunning the same command resumes.\n\n"
            "  --output DIR  output directory (default: the sweep's `output`, runs/<name>)\n"
            "  --restart     start over: set the journal aside (renamed, never deleted)\n"
            "  --retry-failed  rerun the failed and diverged trials of the journal\n"
            "  --heartbeat-timeout S  a rank or job that has not reported for S seconds\n"
            "                is stalled: its trial goes to another rank or job (default %.0f)\n"
            "  --no-lock     no study lock, for a file system without links or exclusive\n"
            "                create; only one job may then use the directory\n"
            "  --verbose     print every epoch of every trial (Keras-style lines)\n"
            "  --top N       rows of the final ranked table (default 20, 0 = all)\n"
            "  --progress-every S  when stderr is not a terminal (mpirun, a Slurm log): the\n"
            "                progress line also after S seconds without one (default %.0f)\n"
            "  -h, --help    this text\n\n"
            "SIGINT, SIGTERM or SIGUSR1 stop every rank at the next batch; finished trials are\n"
            "kept, each unfinished trial keeps its last epoch checkpoint (DIR/ckpt/<id>.ckpt)\n"
            "and the same command resumes, bit-identically. Several runs (mpiruns, Slurm jobs)\n"
            "may share DIR at the same time: trials are claimed through DIR/claims.jsonl and\n"
            "each is journaled once (docs/study.md); a sweep with a scheduler or TPE runs\n"
            "as one job instead (a second is refused while it runs); a changed sweep reuses\n"
            "every unchanged trial. Exit status: 0 finished (or interrupted and resumable), 1 error or\n"
            "max_failures reached, 2 bad usage.\n", STUDY_TIMEOUT_S, COORD_PROGRESS_EVERY_S);
}

static int run_parse(run_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->top = 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
        if (strcmp(a, "--restart") == 0) o->restart = 1;
        else if (strcmp(a, "--retry-failed") == 0) o->retry_failed = 1;
        else if (strcmp(a, "--no-lock") == 0) o->no_lock = 1;
        else if (strcmp(a, "--heartbeat-timeout") == 0) {
            const char *v = cli_value("run", argc, argv, &i);
            float f;
            if (!v || cli_parse_float("run", "--heartbeat-timeout", v, 0.5, 1e7, &f)) return -1;
            o->timeout_s = (double)f;
        }
        else if (strcmp(a, "--progress-every") == 0) {
            const char *v = cli_value("run", argc, argv, &i);
            float f;
            if (!v || cli_parse_float("run", "--progress-every", v, 0.5, 1e7, &f)) return -1;
            o->progress_s = (double)f;
        }
        else if (strcmp(a, "--verbose") == 0) o->verbose = 1;
        else if (strcmp(a, "--output") == 0) {
            if (!(o->output = cli_value("run", argc, argv, &i))) return -1;
        } else if (strcmp(a, "--top") == 0) {
            const char *v = cli_value("run", argc, argv, &i);
            if (!v || cli_parse_size("run", "--top", v, 0, 1000000000, &o->top)) return -1;
        } else if (a[0] == '-' && a[1] != '\0') {
            static const char *const known[] = {"--help", "--restart", "--verbose", "--output", "--top",
                                                "--progress-every"};
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

/* ---- the command, in steps ------------------------------------------------------------------ */

/* Everything cmd_run's steps share. Handles start invalid so cleanup is unconditional. */
typedef struct run_ctx {
    run_opts opt;             /* command line */
    int rank, nranks;         /* this rank, world size */
    hs_error err;             /* the error that ends the run, broadcast from rank 0 */
    sweep_def def;            /* rank 0: the parsed sweep */
    hs_dataset meta;          /* rank 0: the dataset's metadata (fingerprint, split sizes) */
    sweep_trial *trials;      /* rank 0: (n_trials) the expanded sweep, NULL with TPE */
    const sweep_trial *list;  /* rank 0: (n_trials) the trials coord starts with: trials, or
                                 with TPE those drawn so far (owned by ps) */
    size_t n_trials;          /* trials in the sweep (with TPE: drawn so far) */
    char data_path[4096];     /* the dataset file, absolute, known to every rank */
    char outdir[4096];        /* the output directory, known to every rank */
    int have_coord;           /* rank 0: c was initialised */
    coord c;                  /* rank 0: the coordinator */
    const coord_policy *policy; /* rank 0: the coordinator's policy, NULL: the default */
    policy_search *ps;        /* rank 0: the sweep's `scheduler:` policy, NULL: none */
    coord_policy ps_policy;   /* rank 0: its coord_policy (policy points here) */
    shmdata sd;               /* every rank: the dataset in node-shared memory */
} run_ctx;

/* Signal handlers first: a signal during start-up (MPI_Init, loading) must not kill the
 * rank; it stops the run at the first batch boundary. */
static void run_install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = run_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/* What `sampler: tpe` in hsweep run cannot do (sweep/policy_search.h draws one configuration
 * per TPE trial): repeats, excludes, and a swept `epochs` without a scheduler's max_epochs.
 * 0 or HS_ERR_VALUE located at the sampler section. */
static int run_check_search(const sweep_def *d, hs_error *err) {
    if (d->sampler.type != SWEEPCFG_SAMPLER_TPE) return 0;
    const char *why = d->repeats > 1 ? "repeats > 1 (a configuration TPE draws again runs "
                                       "with another seed)"
                      : d->n_excludes ? "exclude (TPE draws within the random.params ranges)"
                      : d->source[SWEEPCFG_EPOCHS] != SWEEPCFG_SRC_DEFAULT &&
                                d->source[SWEEPCFG_EPOCHS] != SWEEPCFG_SRC_FIXED
                          ? "a swept epochs (give scheduler.max_epochs or a fixed epochs)"
                          : NULL;
    if (!why) return 0;
    return hs_error_set(err, HS_ERR_VALUE, d->file, d->sampler.line, d->sampler.col,
                        "sampler: tpe: hsweep run does not combine it with %s", why);
}

/* 1 when dir's metadata.json is sweep def's (same hash): a live job there runs this sweep.
 * Another sweep's live job is coord_open's to refuse, with its own message. */
static int run_same_sweep(const char *dir, const sweep_def *def) {
    results_meta_info info;
    hs_error e;
    char hash[17];
    expand_id_string(def->hash, hash);
    return results_read_metadata(dir, &info, &e) == 0 && strcmp(info.sweep_hash, hash) == 0;
}

/* Rank 0 parses, validates and expands the sweep; every rank learns the outcome and the
 * dataset path. 0 or rank 0's error. */
static int run_load_sweep(run_ctx *x) {
    int rc = 0;
    if (x->rank == 0) {
        rc = sweepcfg_load(&x->def, x->opt.sweep_path, &x->err);
        size_t max_epochs = 0;   /* HSWEEP_MAX_EPOCHS: a smaller sweep, its own hash and ids */
        if (rc == 0) rc = cli_max_epochs("run", 0, &max_epochs, &x->err);
        if (rc == 0) sweepcfg_cap_epochs(&x->def, max_epochs);
        if (rc == 0 && !x->policy) rc = run_check_search(&x->def, &x->err);
        if (rc == 0) rc = h5data_load_meta(&x->meta, x->def.data_path, &x->err);
        if (rc == 0) /* a directory of hsweep 0.1 keeps its ids */
            rc = expand_resume_scheme(&x->def, x->opt.output ? x->opt.output : x->def.output,
                                      x->opt.restart, &x->err);
        int tpe = !x->policy && x->def.sampler.type == SWEEPCFG_SAMPLER_TPE;
        if (rc == 0 && !tpe) rc = expand_trials(&x->def, x->meta.n_train, &x->trials,
                                                &x->n_trials, &x->err);
        if (rc == 0 && !x->policy && (tpe || x->def.scheduler.type != SWEEPCFG_SCHED_NONE)) {
            x->ps = policy_search_create(&x->def, x->n_trials, x->meta.n_train, &x->err);
            if (!x->ps) rc = x->err.code;
            if (x->ps) x->ps_policy = policy_search_policy(x->ps);
            if (x->ps) x->policy = &x->ps_policy;
        }
        /* a scheduler or TPE sweep runs as one job (docs/study.md): refused at once while
         * another job is live, before TPE replays a journal that job is still writing
         * (checked again under the study lock by coord_open) */
        const char *dir = x->opt.output ? x->opt.output : x->def.output;
        if (rc == 0 && x->ps && !x->opt.restart && run_same_sweep(dir, &x->def))
            rc = study_check_alone(dir, RUN_ALONE, x->opt.timeout_s, NULL, &x->err);
        /* TPE: the trials drawn so far, rebuilt from the journal; more come as it runs */
        if (rc == 0 && tpe)
            rc = policy_search_prepare(x->ps, x->opt.output ? x->opt.output : x->def.output,
                                       x->opt.restart, &x->err);
        if (rc == 0 && tpe) x->list = policy_search_trials(x->ps, &x->n_trials);
        if (rc == 0 && !tpe) x->list = x->trials;
        /* absolute, so metadata.json and ranks started elsewhere find the same file */
        if (rc == 0 && !realpath(x->def.data_path, x->data_path))
            snprintf(x->data_path, sizeof x->data_path, "%s", x->def.data_path);
    }
    rc = run_bcast_status(rc, &x->err);
    if (rc == 0)
        MPI_Bcast(x->data_path, (int)sizeof x->data_path, MPI_CHAR, 0, MPI_COMM_WORLD);
    return rc;
}

/* Rank 0 sets up the coordinator and the output directory (resume state, metadata,
 * journal, ckpt/); every rank learns the outcome and the directory. */
static int run_open_coord(run_ctx *x) {
    int rc = 0;
    if (x->rank == 0) {
        snprintf(x->outdir, sizeof x->outdir, "%s", x->opt.output ? x->opt.output : x->def.output);
        coord_config cfg = {0};
        cfg.def = &x->def;
        cfg.trials = x->list;
        cfg.n_trials = x->n_trials;
        /* TPE: the draw budget is the total from the start, not the trials drawn so far */
        if (x->ps && !x->trials) cfg.total = policy_search_tpe_total(&x->def);
        cfg.outdir = x->outdir;
        cfg.nranks = x->nranks;
        cfg.tty = isatty(2);
        cfg.progress_every_s = x->opt.progress_s;
        cfg.policy = x->policy;
        cfg.group_commit = 1;   /* run_flush fsyncs once per service round */
        rc = coord_init(&x->c, &cfg, &x->err);
        x->have_coord = 1;
        char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING] = "";
        int len = 0;
        MPI_Get_library_version(mpi_version, &len);
        char *nl = strchr(mpi_version, '\n');
        if (nl) *nl = '\0';
        coord_open_args a = {x->opt.sweep_path, x->opt.restart, mpi_version, x->data_path,
                             &x->meta, x->opt.retry_failed, x->opt.no_lock, x->opt.timeout_s,
                             x->ps ? RUN_ALONE : NULL};
        if (rc == 0) rc = coord_open(&x->c, &a, &x->err);
        /* the scheduler's state: replayed from the journal's events */
        if (rc == 0 && x->ps) rc = policy_search_resume(x->ps, &x->c, &x->err);
    }
    rc = run_bcast_status(rc, &x->err);
    /* every rank writes its trial's epoch checkpoints under the output directory */
    if (rc == 0) MPI_Bcast(x->outdir, (int)sizeof x->outdir, MPI_CHAR, 0, MPI_COMM_WORLD);
    return rc;
}

/* The two roles: rank 0 coordinates (and trains), the others train what they are told. */
static void run_roles(run_ctx *x) {
    if (x->rank != 0) {
        run_worker(&x->sd.ds, x->rank, x->opt.verbose, x->outdir);
        return;
    }
    char what[96];
    if (x->def.sampler.type == SWEEPCFG_SAMPLER_TPE && !x->trials)
        snprintf(what, sizeof what, "TPE draws %zu configurations (%zu drawn)",
                 policy_search_tpe_total(&x->def), x->n_trials);
    else
        snprintf(what, sizeof what, "%zu trials (%zu to run)", x->n_trials,
                 sched_pending(x->c.s));
    fprintf(stderr, "hsweep run: sweep '%s': %s on %d rank%s, dataset %s (%zu rows, %.1f "
            "MiB shared per node), output %s\n", x->def.name, what, x->nranks,
            x->nranks == 1 ? "" : "s", x->data_path, x->sd.ds.n_rows,
            (double)x->sd.bytes / 1048576.0, x->outdir);
    coord_set_dataset(&x->c, &x->sd.ds);
    coord_check_best(&x->c);
    run_coordinator(&x->c, &x->sd.ds, x->opt.verbose);
}

/* Gather memory figures, then rank 0 writes the final files and prints the summary.
 * Returns the exit code (rank 0's; workers 0). */
static int run_finish(run_ctx *x) {
    if (x->rank == 0 && x->c.n_stalled) {
        /* a stalled rank would hang every collective: conclude alone, then end the job */
        coord_summary(&x->c, stdout, x->opt.top);
        int code = coord_conclude(&x->c, stdout, (int)run_signal);
        fflush(stdout);
        size_t stalled = x->c.n_stalled;
        coord_deinit(&x->c);   /* the heartbeat file's final state, claims given back */
        x->have_coord = 0;
        fprintf(stderr, "hsweep run: ending the MPI job without the stalled rank%s (MPI_Abort "
                "with exit status %d)\n", stalled == 1 ? "" : "s", code);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
    long kb[3], all[3 * 4096];
    run_memory(kb);
    long *gathered = x->nranks <= 4096 ? all : NULL;
    if (gathered) MPI_Gather(kb, 3, MPI_LONG, gathered, 3, MPI_LONG, 0, MPI_COMM_WORLD);
    run_barrier();
    if (x->rank != 0) return 0;
    coord_summary(&x->c, stdout, x->opt.top);
    if (x->ps) {
        policy_search_stats ps;
        policy_search_get_stats(x->ps, &ps);
        printf("%sscheduler %s: %zu epochs trained of %zu at full budget (%.1f%%); %zu "
               "promotions, %zu trials paused, %zu pruned\n",
               x->def.sampler.type == SWEEPCFG_SAMPLER_TPE ? "sampler tpe, " : "",
               x->def.scheduler.type == SWEEPCFG_SCHED_NONE ? "none"
               : x->def.scheduler.type == SWEEPCFG_SCHED_MEDIAN ? "median"
               : x->def.scheduler.type == SWEEPCFG_SCHED_HYPERBAND ? "hyperband" : "asha",
               ps.epochs, ps.full_budget,
               ps.full_budget ? 100.0 * (double)ps.epochs / (double)ps.full_budget : 0.0,
               ps.promotions, ps.paused, ps.pruned);
    }
    if (gathered) {
        long peak = 0, anon = 0;
        for (int r = 0; r < x->nranks; r++) {
            if (gathered[3 * r] > peak) peak = gathered[3 * r];
            if (gathered[3 * r + 1] > anon) anon = gathered[3 * r + 1];
        }
        printf("memory per rank: peak RSS <= %.1f MiB, private <= %.1f MiB; dataset %.1f "
               "MiB shared once per node\n", (double)peak / 1024.0, (double)anon / 1024.0,
               (double)x->sd.bytes / 1048576.0);
    }
    return coord_conclude(&x->c, stdout, (int)run_signal);
}

/* Release everything; every rank learns rank 0's exit code. */
static int run_cleanup(run_ctx *x, int exit_code) {
    int code = exit_code;
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    shmdata_close(&x->sd);
    if (x->have_coord) coord_deinit(&x->c);
    policy_search_free(x->ps);
    expand_free(x->trials);
    if (x->rank == 0) {
        sweepcfg_deinit(&x->def);
        dataset_deinit(&x->meta);
    }
    return code;
}

int cmd_run(int argc, char **argv) { return cmd_run_policy(argc, argv, NULL); }

int cmd_run_policy(int argc, char **argv, const coord_policy *policy) {
    run_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        fprintf(stderr, "hsweep run: out of memory\n");
        return 1;
    }
    int prc = run_parse(&x->opt, argc, argv);
    if (prc != 0) {
        if (prc == 1) run_usage(stdout);
        free(x);
        return prc == 1 ? 0 : 2;
    }
    x->policy = policy;
    run_install_signals();
    /* a caller (a test) may run several sweeps in one MPI session */
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &x->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &x->nranks);
    x->sd.node = MPI_COMM_NULL;
    x->sd.win = MPI_WIN_NULL;
    int exit_code = 1;
    run_share_node(x->rank);
    int rc = run_load_sweep(x);
    if (rc == 0) rc = run_open_coord(x);
    if (rc == 0) rc = shmdata_open(&x->sd, x->data_path, MPI_COMM_WORLD, &x->err);
    if (rc == 0) {
        run_roles(x);
        exit_code = run_finish(x);
    } else if (x->rank == 0) {
        hs_error_print(&x->err, stderr);
    }
    exit_code = run_cleanup(x, exit_code);
    free(x);
    if (!inited) MPI_Finalize();
    return exit_code;
}
