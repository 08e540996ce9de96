/* coord: the sweep coordinator's decisions, as plain functions over a plain struct (no MPI).
 *
 * Rank 0 of `hsweep run` owns one coord. The MPI transport (sweep/run.c) turns every message
 * into one call here and every answer into one message; nothing here sends bytes, so the
 * whole coordinator runs in a unit test with fake workers (tests/test_coord.c). It decides:
 *   - resume: which trials the journal already holds (coord_open), and the run directory's
 *     set-up (a changed sweep is refused or, with --restart, its journal set aside);
 *   - what a free rank does next (coord_next), through a policy (below);
 *   - what a trial's epoch report is answered with (coord_epoch): continue, pause, stop;
 *   - what happens to a result (coord_result): journaled and fsynced before the rank gets
 *     more work, best_model.h5 when it is the best so far, failure accounting and
 *     max_failures, the tables (at most every tables_every_s) and status.json;
 *   - a signal or a rank that stopped or went away (coord_halt, coord_stopped, coord_gone);
 *   - the end of the run: final tables, status, summary lines and the exit code.
 * It does its own file I/O through io/ (journal, result tables, model file); it does not
 * train, read the dataset, or talk to other ranks.
 *
 * The policy interface. A policy decides WHAT runs; coord keeps the books (trial states in
 * a sched, the journal, the best model, failures, stopping). A policy is a struct of
 * function pointers plus its state:
 *   next(rank)           a free rank asks: run trial i up to epoch E (a new trial, or a paused
 *                        one that continues from its checkpoint, on any rank), wait (ask
 *                        again when anything changes), or stop (this rank is done);
 *   on_epoch(trial, k)   a trial finished epoch k with these metrics: continue, pause (keep
 *                        the checkpoint, it may continue later) or stop (pruned for good);
 *   on_result(trial)     a trial ended: finished (journaled), paused (at its epoch budget
 *                        or by a pause verdict), pruned, or released (its rank stopped).
 * The default policy (coord_policy_default) is hsweep's static sweep: every trial in
 * longest-first order (sched.h), each to its full epoch budget, never paused. Adaptive
 * search (ASHA rungs = pause at epoch E and continue later; median stopping = on_epoch
 * stop; TPE = generate configurations from results) plugs in here without touching the
 * transport: the transport already carries "train trial X up to epoch E", per-epoch reports
 * and their answers. Paused and pruned trials are journaled with the statuses `paused` and
 * `pruned` (a later record of the same trial supersedes a `paused` one); on resume a paused
 * trial is pending again, its checkpoint kept. Not thread-safe. */
#ifndef HS_COORD_H
#define HS_COORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "io/journal.h"
#include "io/results.h"
#include "io/sweepcfg.h"
#include "sweep/expand.h"
#include "sweep/sched.h"
#include "sweep/study.h"
#include "sweep/trial.h"

/* ==== the policy interface ============================================================= */

typedef enum coord_kind {
    COORD_RUN = 0,        /* train task.trial up to epoch task.until */
    COORD_WAIT = 1,       /* nothing now; the rank is asked again when a result or report
                             arrives (the transport keeps it waiting, no message) */
    COORD_STOP = 2        /* nothing more for this rank: it leaves the run */
} coord_kind;

/* What a rank is told to do. */
typedef struct coord_task {
    coord_kind kind;      /* run, wait or stop */
    size_t trial;         /* COORD_RUN: index into coord.trials */
    size_t until;         /* COORD_RUN: last epoch to train (1-based); the trial then pauses
                             unless this is its last epoch. 0 = the full budget hp.epochs.
                             A trial with a checkpoint continues after its last epoch. */
} coord_task;

/* The answer to an epoch report. */
typedef enum coord_verdict {
    COORD_CONTINUE = 0,   /* go on training */
    COORD_PAUSE = 1,      /* end at this epoch, keep the checkpoint: may continue later */
    COORD_PRUNE = 2       /* end at this epoch for good */
} coord_verdict;

/* How a trial ended, as seen by on_result. */
typedef enum coord_outcome {
    COORD_FINISHED = 0,   /* trained to its end (ok, diverged or failed): journaled */
    COORD_PAUSED = 1,     /* stopped at its budget `until` or by COORD_PAUSE: pending again */
    COORD_PRUNED = 2,     /* stopped by COORD_PRUNE: never runs again (journaled as pruned) */
    COORD_RELEASED = 3    /* its rank stopped (signal) or went away: pending again, resumes
                             from its last epoch checkpoint */
} coord_outcome;

typedef struct coord coord;

/* A policy: what runs next and what to do with reports. Every callback gets the policy's
 * own state first and may read (never write) the coord: its trials, sched, records. */
typedef struct coord_policy {
    /* A free rank asks for work. Must return COORD_RUN only for a trial that is pending in
     * c->s (sched_state_of == SCHED_PENDING); coord marks it running. Required. */
    coord_task (*next)(void *state, const coord *c, int rank);
    /* Trial `trial` on `rank` finished epoch `epoch` (1-based) with metrics m. NULL: always
     * continue, and workers do not wait for an answer after each epoch. */
    coord_verdict (*on_epoch)(void *state, const coord *c, int rank, size_t trial,
                              size_t epoch, const journal_epoch *m);
    /* Trial `trial` ended with outcome how; rec is its record (history, metrics; NULL for
     * COORD_RELEASED). Called after coord updated its books. May be NULL. */
    void (*on_result)(void *state, const coord *c, size_t trial, coord_outcome how,
                      const journal_record *rec);
    void *state;          /* the policy's own data, owned by whoever made the policy */
    /* The policy's decisions at the rungs of trial `trial` so far, e.g. "1 promoted, 3
     * paused", into buf (n bytes; "" for none): the tables' "rungs" column. May be NULL (no
     * column). */
    void (*rungs)(void *state, const coord *c, size_t trial, char *buf, size_t n);
} coord_policy;

/* The default policy: sched_peek's longest-first order, full budget, never pauses; a rank
 * is told to stop when nothing is pending. state is unused (NULL). */
coord_policy coord_policy_default(void);

/* ==== the coordinator ================================================================== */

typedef enum coord_rank_state {
    COORD_RANK_IDLE = 0,  /* has asked or will ask for work */
    COORD_RANK_BUSY = 1,  /* training current[rank] */
    COORD_RANK_WAITING = 2, /* told to wait (COORD_WAIT): ask again via coord_next */
    COORD_RANK_STOPPED = 3  /* told to stop (or gone): never asked again */
} coord_rank_state;

/* What coord_init needs; every pointer is borrowed and must outlive the coord. */
typedef struct coord_config {
    const sweep_def *def;     /* the sweep: name, metric, max_failures, hash */
    const sweep_trial *trials;/* (n_trials) the expanded sweep */
    size_t n_trials;          /* trials in the sweep */
    size_t total;             /* trials the sweep has when complete, for the progress line,
                                 status.json, metadata.json and the heartbeat file: more
                                 than n_trials when a policy adds trials as it runs (TPE:
                                 sampler.n_trials); 0: n_trials */
    const char *outdir;       /* the run directory */
    int nranks;               /* ranks, rank 0 included, >= 1 */
    const coord_policy *policy; /* NULL: coord_policy_default() (copied) */
    const hs_dataset *ds;     /* the dataset, for best_model.h5's metadata (set later with
                                 coord_set_dataset if not known yet); may be NULL */
    double (*clock)(void);    /* seconds, monotonic; NULL: CLOCK_MONOTONIC */
    FILE *log;                /* progress and warning lines; NULL: stderr */
    int tty;                  /* log is a terminal: one live progress line */
    double tables_every_s;    /* rewrite the tables at most this often during the run;
                                 <= 0: 10 s */
    double progress_every_s;  /* not on a terminal: the progress line after this long
                                 without one (s); <= 0: COORD_PROGRESS_EVERY_S
                                 (coord_init sets it) */
    int group_commit;         /* 1: journal lines are fsynced by coord_commit, once for all
                                 written since the last one, not one by one (hsweep run) */
} coord_config;

/* Rank 0's state. Fields are read by policies, tests and the transport; only coord_*
 * functions change them. */
struct coord {
    coord_config cfg;         /* the configuration (pointers borrowed) */
    coord_policy policy;      /* the policy in use */
    sched *s;                 /* trial states (pending/running/done/failed) and ETA */
    journal *j;               /* the open journal (coord_open), appended by coord only */
    journal_record *recs;     /* (n_recs) every journaled trial, resumed ones first */
    size_t n_recs, cap_recs;  /* records held / capacity */
    size_t resumed;           /* trials found finished in the journal on open */
    size_t failures;          /* trials failed or diverged, resumed ones included */
    size_t finished_now;      /* trials journaled in this run */
    double busy_s;            /* sum of the wall times of trials journaled in this run, s */
    double t0;                /* clock at coord_init, s */
    double last_tables;       /* clock when the tables were last written, s */
    int stopping;             /* 1: hand out nothing more (signal, max_failures, infra error) */
    int halted;               /* 1 once coord_halt ran (a signal stopped the run) */
    int max_failures_hit;     /* 1 once max_failures was reached */
    int tables_failed;        /* 1 when the last coord_write_tables could not write them */
    size_t unjournaled;       /* trials that finished after the journal failed (not counted) */
    int infra_rc;             /* first infrastructure error (journal write, memory), 0: none */
    hs_error infra_err;       /* its message */
    unsigned char *rank_state;/* (nranks) coord_rank_state per rank */
    size_t *current;          /* (nranks) trial a busy rank trains, SCHED_NONE otherwise */
    size_t *epoch;            /* (nranks) last epoch reported by a busy rank, 0: none */
    size_t n_stopped;         /* ranks in COORD_RANK_STOPPED */
    size_t n_waiting;         /* ranks in COORD_RANK_WAITING */
    size_t n_busy;            /* ranks >= 1 in COORD_RANK_BUSY (those that can stall) */
    size_t *by_id;            /* (n_trials) trial indices sorted by id, for lookups */
    size_t *rec_of;           /* (n_trials) index in recs of the trial's record, SIZE_MAX:
                                 none (a paused trial's record is replaced by its next) */
    int policy_done;          /* 1 once the policy told a rank to stop while not stopping:
                                 what is still pending (paused trials) stays as it is */
    study *st;                /* the shared study (claims, journal, heartbeat; docs/study.md),
                                 opened by coord_open; NULL before */
    reuse_counts reuse;       /* the start line's figures (coord_open) */
    char dataset_id[17];      /* the dataset's fingerprint id, "" unknown */
    double timeout_s;         /* heartbeat timeout: a silent rank or job is stalled/stale, s */
    double *last;             /* (nranks) clock of a busy rank's last report (task, epoch,
                                 heartbeat), s */
    double *trial_start;      /* (nranks) wall clock (s since 1970) its trial started */
    unsigned char *stalled;   /* (nranks) 1: silent for timeout_s, its trial handed out again */
    size_t n_stalled;         /* ranks in stalled */
    size_t late;              /* results discarded because another came first */
    double last_publish;      /* clock of the last heartbeat file / status.json write, s */
    double next_ask;          /* clock before which a waiting rank is not asked again, s */
    sweepcfg_param swept[SWEEPCFG_NPARAMS]; /* parameters that vary, for progress lines */
    size_t n_swept;           /* entries in swept */
    results_baseline *base;   /* (n_base) persistence per window setting (coord_set_dataset) */
    size_t n_base;            /* entries in base */
    double last_progress;     /* clock when the progress line was last printed, s */
    double last_status;       /* clock when coord_report last wrote status.json, s */
    sweep_trial *own_trials;  /* (cap_trials) coord's own copy of the trial list once it
                                 grew (coord_add_trial; cfg.trials then points here), NULL
                                 while cfg.trials is the caller's */
    size_t cap_trials;        /* room in own_trials */
    char (*unsynced_ckpt)[17];/* (n_unsynced) group commit: trials whose checkpoint goes once
                                 their record is fsynced (coord_commit) */
    size_t n_unsynced, cap_unsynced; /* entries / capacity */
    size_t n_synced;          /* the first n_synced of unsynced_ckpt have their record
                                 fsynced (coord_sync): coord_drop_synced removes them */
};

/* Set c up for cfg (copied; its pointers are borrowed): every trial pending, every rank
 * idle, clock started. Returns 0 or HS_ERR_NOMEM/HS_ERR_VALUE (nranks < 1) with err set;
 * c must be released with coord_deinit either way. */
int coord_init(coord *c, const coord_config *cfg, hs_error *err);

/* Grow the trial list by trial t (copied), for a policy that creates configurations while
 * the sweep runs (TPE, sweep/policy_search.h): it gets index *idx = the old cfg.n_trials,
 * pending, last in the hand-out order, in the study's claim table (a result another job
 * journals under its id counts), in the id index (coord_find), with room for its record.
 * On the first call coord copies the caller's list (cfg.trials then points to coord's
 * own copy: pointers into the old list must not be kept). t's id must not be in the list.
 * A policy may call it from its next callback (coord_next takes the trial afterwards).
 * Returns 0, HS_ERR_VALUE (the id is already there) or HS_ERR_NOMEM (the list unchanged). */
int coord_add_trial(coord *c, const sweep_trial *t, size_t *idx, hs_error *err);

/* Free what c owns and close its journal. c may be NULL. */
void coord_deinit(coord *c);

/* Set (or replace) the dataset used for best_model.h5's metadata, and compute from it the
 * persistence baseline of every window setting of the sweep (shown in the tables). */
void coord_set_dataset(coord *c, const hs_dataset *ds);

/* Default of coord_config.progress_every_s (`hsweep run --progress-every`), seconds. */
#define COORD_PROGRESS_EVERY_S 30.0

/* Not on a terminal (mpirun, a Slurm log): print the progress line as one plain line when
 * none was printed for cfg.progress_every_s (30 s by default), so a long trial shows in the
 * log without flooding it (a line also follows every finished trial). On a terminal it does
 * nothing (the live line is redrawn after each trial). Call it often (the transport does,
 * at every service round). */
void coord_progress_tick(coord *c);

/* Group commit (cfg.group_commit): fsync every journal line written since the last call
 * (records, scheduler events), then remove the checkpoints of the trials those records
 * finished or pruned. The transport calls it before any reply that depends on those lines
 * (a task after a result, a verdict after an epoch report, a checkpoint renamed after its
 * verdict); coord calls it itself before the tables, status.json and the end. A failed
 * fsync is an infrastructure error (coord_fail: the run stops; the checkpoints stay).
 * Returns 0 or the error's code. Without group commit: nothing to do, 0. */
int coord_commit(coord *c);

/* coord_commit in two steps, so the transport can send the replies between them and no
 * worker waits for the checkpoint removals (rank 0's slowest file operation when many
 * ranks write checkpoints into the same directory): coord_sync fsyncs (0 or the error's
 * code, as coord_commit), coord_drop_synced then removes the checkpoints of the records
 * that fsync covered. coord_commit(c) is coord_sync(c) then coord_drop_synced(c). */
int coord_sync(coord *c);
void coord_drop_synced(coord *c);

/* Group commit: hold the study lock across one service round (study_hold), so that the
 * round's claims and journal lines take it once; coord_unhold releases it. A failure to
 * take it is left to the round's own calls (they report it). Without group commit or a
 * study: nothing. */
void coord_hold(coord *c);
void coord_unhold(coord *c);

/* What coord_open needs to set up the run directory. */
typedef struct coord_open_args {
    const char *sweep_path;   /* the YAML file (its text goes into metadata.json) */
    int restart;              /* set another sweep's journal aside instead of refusing */
    const char *mpi_version;  /* for metadata.json, may be NULL */
    const char *data_path;    /* the dataset's absolute path, for metadata.json */
    const hs_dataset *meta;   /* the dataset's fingerprint, for metadata.json */
    int retry_failed;         /* rerun failed and diverged trials of the journal */
    int no_lock;              /* no study lock: a single job only (--no-lock) */
    double timeout_s;         /* heartbeat timeout, s; <= 0: STUDY_TIMEOUT_S */
    const char *alone;        /* non-NULL: the policy decides from the whole sequence of
                                 events (a scheduler or TPE sweep), so no other job may
                                 work on the directory at the same time: refused while
                                 another job is live (study_opts.alone names it) */
} coord_open_args;

/* Prepare the run directory cfg.outdir, a study other jobs may share (docs/study.md):
 * create it and its ckpt/; refuse another dataset (HS_ERR_STATE naming both fingerprints)
 * unless a->restart, which sets the old journal and claim journal aside (also when the
 * sweep is the same); refuse a --restart, or another sweep, while a job of a different
 * sweep still runs there; open the study: every journal record that is reusable (same id,
 * configuration, seed and dataset) marks its trial finished and is kept, the others stay
 * in the journal untouched; print the start line ("12 reused, 4 new, 2 no longer in the
 * sweep"); write metadata.json and a first status.json. Returns 0 or a negative hs_status
 * with err set. */
int coord_open(coord *c, const coord_open_args *a, hs_error *err);

/* Say in one line on the log when DIR/best_model.h5 does not hold the journal's best trial
 * (missing, unreadable, or another trial's). Never fails. */
void coord_check_best(coord *c);

/* A free rank asks for work (after start-up, after each result, after being told to wait).
 * Returns what to do; COORD_RUN marks the trial running on rank (until resolved: 0 and
 * values beyond hp.epochs become hp.epochs). While stopping, every rank is told to stop. A
 * rank already told to stop is told again. */
coord_task coord_next(coord *c, int rank);

/* Trial `trial` on `rank` finished epoch `epoch` with metrics m: the policy's verdict
 * (COORD_CONTINUE without on_epoch). Never fails; a report for a trial the rank is not
 * running is answered COORD_CONTINUE and otherwise ignored. */
coord_verdict coord_epoch(coord *c, int rank, size_t trial, size_t epoch,
                          const journal_epoch *m);

/* 1 when workers must wait for coord_epoch's answer after every epoch (the policy has an
 * on_epoch), 0 when epoch reports need no answer. */
int coord_epoch_sync(const coord *c);

/* Trial `trial` on `rank` ended with outcome how (COORD_FINISHED, COORD_PAUSED or
 * COORD_PRUNED) and record rec (ownership taken; rec is re-initialised), best weights w of
 * n floats (may be NULL). COORD_FINISHED: best_model.h5 is written first if it is the best
 * so far, then the record is journaled and fsynced (a journal failure is an
 * infrastructure error: stopping, c->infra_rc set), its checkpoint removed, failures
 * counted (max_failures stops the run), the progress line printed, status.json and (at
 * most every tables_every_s) the tables rewritten. COORD_PAUSED: the trial is pending
 * again and its checkpoint kept, COORD_PRUNED: done; both are journaled (status paused /
 * pruned) and kept for the tables. The rank becomes idle. Returns 0, or HS_ERR_VALUE when
 * rank is not running that trial (a transport bug: rec is still consumed). */
int coord_result(coord *c, int rank, size_t trial, coord_outcome how, journal_record *rec,
                 const float *w, size_t n);

/* Rank sent a heartbeat during a long epoch: it is alive. */
void coord_beat(coord *c, int rank);

/* Called by the transport between messages (at least every second or so): a busy rank that
 * has not reported for timeout_s is declared stalled (its trial given back to the study and
 * handed to another rank or job; the rank is never asked again; a result it sends later is
 * discarded if another came first), and the heartbeat file and status.json are rewritten
 * every tenth of the timeout. Returns the number of ranks declared stalled now. */
size_t coord_tick(coord *c);

/* A result from rank `rank` that coord no longer expects (the rank was declared stalled):
 * journaled if no result for the trial is there yet (the first result wins), else
 * discarded with a line on the log. Takes ownership of rec. */
void coord_stray_result(coord *c, int rank, size_t trial, journal_record *rec, const float *w,
                        size_t n);

/* Interval between heartbeats (s): a tenth of the timeout. Workers send one to rank 0 this
 * often during an epoch. */
double coord_beat_interval(const coord *c);

/* A signal arrived (on rank 0, or a rank reported one): hand out nothing more. Returns 1
 * the first time (the transport must then stop every rank's trial: coord_rank_state !=
 * COORD_RANK_STOPPED), 0 after. */
int coord_halt(coord *c);

/* Rank's trial was stopped by a signal before finishing: the trial is pending again (it
 * resumes from its checkpoint) and the run halts. Returns coord_halt's value. */
int coord_stopped(coord *c, int rank);

/* An infrastructure failure outside coord (e.g. out of memory on rank 0): remember the
 * first (c->infra_rc, c->infra_err), hand out nothing more. */
void coord_fail(coord *c, const hs_error *e);

/* Rank went away (lost, or left a shared study): its trial, if any, is pending again and
 * the rank is never asked again. */
void coord_gone(coord *c, int rank);

/* 1 when every rank has been told to stop: the run is over. */
int coord_finished(const coord *c);

/* The run's state word for status.json and the job's heartbeat file: "failed"
 * (infrastructure error or max_failures), "stopped" (a signal), else "finished" (nothing
 * left for this job: every trial done, or held by other live jobs, or the policy ended the
 * search: paused trials stay paused). */
const char *coord_state(const coord *c);

/* Fill st with the counts, elapsed time, ETA and best trial for state. */
void coord_status(const coord *c, const char *state, results_status *st);

/* Rewrite the tables (results.csv/.md, summary.md) now; a failure is reported on the log. */
void coord_write_tables(coord *c);

/* End of the run: write the tables and status.json (state coord_state), then print the
 * ranked table (top rows; 0 = all) and the throughput line to out. */
void coord_summary(coord *c, FILE *out, size_t top);

/* Last words: the result-file line on out and, on the log, why the run stopped early.
 * sig: the signal rank 0 received, 0 if none. Returns the exit code: 0 finished or
 * interrupted (resumable), 1 infrastructure error or max_failures reached. */
int coord_conclude(coord *c, FILE *out, int sig);

/* Index of the trial with this id, or SIZE_MAX. */
size_t coord_find(const coord *c, const char *id);

/* Fill rec (initialised here) from trial t's outcome: rc != 0 (trial_run failed: status
 * failed, reason from terr) or res (ok/diverged, metrics, history); rank and wall_s as
 * given. Returns 0 or HS_ERR_NOMEM (rec then owns nothing). */
int coord_make_record(journal_record *rec, const sweep_trial *t, int rc, const trial_result *res,
                      const hs_error *terr, int rank, double wall_s);

#endif
