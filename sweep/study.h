/* study: one job's side of a run directory shared by several jobs (no MPI).
 *
 * Ties the pieces together: the study lock (io/studylock.h), the result journal
 * (io/journal.h), the claim journal (io/claimlog.h), the jobs' heartbeat files
 * (io/jobfile.h), the reuse rule (reuse.h) and the claim table (claim.h). A job's rank 0
 * opens the study once, then for each trial: study_claim (lock, read what the other jobs
 * appended, pick, log the claim, unlock), trains it (other ranks report to rank 0), and
 * study_finish (lock, read, append the result unless another rank or job journaled this
 * trial first, unlock). The first result wins: a late one is discarded and counted, so
 * every trial is journaled exactly once. study_heartbeat rewrites the job's heartbeat
 * file; a job whose file is older than the heartbeat timeout is stale and its claimed
 * trials are handed out again (each continues from its epoch checkpoint). Each lock hold
 * reads only the bytes appended since the job's previous hold, so its cost does not grow
 * with the size of the study. Not thread-safe. */
#ifndef HS_STUDY_H
#define HS_STUDY_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/jobfile.h"
#include "io/journal.h"
#include "io/studylock.h"
#include "sweep/claim.h"
#include "sweep/expand.h"
#include "sweep/reuse.h"

#define STUDY_TIMEOUT_S 300.0        /* default heartbeat timeout (s) */
#define STUDY_NOT_OURS ((size_t)-1)  /* study_record_fn: the record is not this sweep's */

/* Called for every journal record as the job reads it, in file order (those already there
 * at study_open, then those any job appends). idx is the trial the record stands for, or
 * STUDY_NOT_OURS when its id is not in the sweep or it cannot be reused (another seed,
 * configuration or dataset; a failure rerun by retry_failed). rec is borrowed. */
typedef void (*study_record_fn)(const journal_record *rec, size_t idx, void *ctx);

typedef struct study_opts {
    double timeout_s;         /* heartbeat timeout (s); <= 0: STUDY_TIMEOUT_S */
    double lock_stale_s;      /* see studylock.h; <= 0: default */
    double lock_wait_s;       /* see studylock.h; < 0: default */
    int no_lock;              /* 1: no study lock (one job only: --no-lock) */
    int retry_failed;         /* 1: failed/diverged records present at open are rerun */
    const char *dataset_id;   /* fingerprint id of the dataset (dsfp.h), NULL unknown */
    const char *alone;        /* non-NULL: this sweep must be the only live job in the
                                 directory (its policy decides from state a second job
                                 would not see: a scheduler or TPE sweep); names the kind
                                 of sweep in the refusal (study_check_alone) */
    study_record_fn on_record;/* may be NULL */
    void *ctx;                /* passed to on_record */
} study_opts;

typedef struct study study;   /* opaque */

/* Refuse when a job other than self (its key, NULL: none) is live in dir (jobfile_live:
 * state running, heartbeat younger than its timeout, not a dead process of this host):
 * HS_ERR_STATE with one line, "<what> runs as one job: job <key> is running it here ...;
 * give that job more ranks, or wait for it to end and run this command again (it
 * resumes)". 0 when no other job is live. study_open makes this check under the study
 * lock before it writes the job's first heartbeat when opt->alone is set, so of two jobs
 * starting together exactly one goes on. */
int study_check_alone(const char *dir, const char *what, double timeout_s, const char *self,
                      hs_error *err);

/* Open the study in directory dir (which must exist) for the trials (n, borrowed for the
 * study's lifetime) handed out in priority order `order` (n indices, copied; NULL: index
 * order). Under the lock, reads the whole journal and claim journal (on_record sees every
 * record), then writes this job's heartbeat file with state "running". counts receives the
 * start line's figures (reused, new, no longer in the sweep, ...). Returns NULL on failure
 * with err set: HS_ERR_IO (locking unavailable: the message suggests --no-lock; unreadable
 * files), HS_ERR_FORMAT (a corrupt journal or claim line that is not the last one, with
 * its file and line), HS_ERR_STATE (the lock is held longer than lock_wait_s), NOMEM. */
study *study_open(const char *dir, const sweep_trial *trials, size_t n, const size_t *order,
                  const study_opts *opt, reuse_counts *counts, hs_error *err);

/* The sweep's trial list grew: trials (possibly moved) now holds n_new trials, the first
 * ones unchanged and trial n_new-1 new (a policy created it while the sweep runs: TPE).
 * It is pending, last in the priority order; a result under its id that another job
 * appends later counts. Returns 0 or HS_ERR_NOMEM (s unchanged but for the pointer).
 * n_new must be the old count + 1. */
int study_add_trial(study *s, const sweep_trial *trials, size_t n_new);

/* Close: give back every trial this job still holds (release lines: other jobs continue
 * them at once from their checkpoints), write the heartbeat file's final state
 * ("finished", "stopped", "failed"; NULL: leave the file as it is; reason may be NULL) and
 * free s. s may be NULL. */
void study_close(study *s, const char *state, const char *reason);

/* study_close with the final heartbeat file's content (workers, ranks, state, reason,
 * best...) from the caller; NULL: leave the file as it is. */
void study_close_with(study *s, jobfile *final);

/* Claim the next trial for rank `rank` of this job: a stale claim of a job that stopped
 * heartbeating (in priority order; *stale = 1), else a pending trial (*stale = 0). *idx
 * gets the trial index or CLAIM_NONE when nothing can be handed out now (everything is
 * done or claimed by live jobs: see study_remaining). 0 or a negative hs_status. */
int study_claim(study *s, int rank, size_t *idx, int *stale, hs_error *err);

/* Claim trial idx (chosen by the caller, e.g. an adaptive policy) for rank `rank`: *ok = 1
 * when it was pending, held by this job, or held by a stale job; 0 when it is done or
 * held by a live job. 0 or a negative hs_status. */
int study_claim_trial(study *s, size_t idx, int rank, int *ok, hs_error *err);

/* The steps of study_finish, for callers that must decide under the lock (e.g. whether a
 * result is the best so far across all jobs before writing best_model.h5):
 * study_begin takes the lock and reads what the other jobs appended (0 or an error; the
 * lock is not held after an error); study_is_done says whether trial idx has a journaled
 * result; study_append journals rec (lock held; rec->dataset set to the study's dataset id;
 * 0 or HS_ERR_IO); study_end releases the lock. */
int study_begin(study *s, hs_error *err);
int study_is_done(const study *s, size_t idx);
int study_append(study *s, const journal_record *rec, hs_error *err);
void study_end(study *s);

/* Group commit (hsweep run's rank 0; docs/running.md "Group commit"). With on = 1,
 * study_append and study_append_event write their line without fsyncing it; study_commit
 * fsyncs every line written since the last commit (0, or HS_ERR_IO naming the journal: the
 * lines stay in the file, their durability unknown). The caller must not let anything act
 * on those lines (a reply to a worker, a checkpoint removed) before study_commit returned 0.
 * study_close commits what is pending. Off by default: every append is fsynced. */
void study_set_group(study *s, int on);
int study_commit(study *s, hs_error *err);

/* Hold the study lock across several operations (hsweep run's rank 0: one service round):
 * study_hold takes it (0, or the error of studylock_acquire), every study_* call until
 * study_unhold runs under it without taking it again, and appends reuse one open journal.
 * Reads during a hold go through descriptors kept open until study_unhold (closed before
 * the lock is released), and after the hold's first read a file is reread only when this
 * job appended to it: nobody else can append during the hold. Other jobs wait meanwhile,
 * so a hold must be short (milliseconds). study_close ends it. */
int study_hold(study *s, hs_error *err);
void study_unhold(study *s);

/* Journal a scheduler event (io/journal.h; sweep/policy_search.h) under the lock. 0 or a
 * negative hs_status. */
int study_append_event(study *s, const journal_event *ev, hs_error *err);

/* Journal rec, the result of trial idx, unless a result for it is already journaled (by
 * another rank or job): then *late = 1 and nothing is written. rec->dataset is set to the
 * study's dataset id. 0 or a negative hs_status (the journal cannot be written). */
int study_finish(study *s, size_t idx, const journal_record *rec, int *late, hs_error *err);

/* Give trial idx back unfinished (a signal stopped it, or its rank stalled); it is handed
 * out again at once, continuing from its checkpoint. A trial this job does not hold is
 * left alone. 0 or a negative hs_status. */
int study_release(study *s, size_t idx, int rank, hs_error *err);

/* Read what the other jobs appended since the last call (under the lock): new results
 * reach on_record. 0 or a negative hs_status. */
int study_sync(study *s, hs_error *err);

/* Rewrite this job's heartbeat file: jf's workers, state, eta and best are the caller's;
 * job key, host, pid, Slurm id, start time, timeout and the study counts are filled in
 * here. 0 or HS_ERR_IO. */
int study_heartbeat(study *s, jobfile *jf, hs_error *err);

/* Trials not done (pending or claimed by anyone), and of those the ones claimed by a job
 * that is still live by the last check (so this job may leave them to it). */
size_t study_remaining(const study *s);
size_t study_claimed_by_others(study *s);

/* 1 when some claimed trial's owner has missed a heartbeat (file older than a tenth of the
 * timeout) but is not stale yet: a job with nothing else to do waits for the timeout. */
int study_suspect(study *s);

/* Figures: trials done (ok or diverged), failed, claimed; late results discarded; stale
 * claims this job took over; the lock's statistics. */
size_t study_done(const study *s);
size_t study_failed(const study *s);
size_t study_claimed(const study *s);
size_t study_late(const study *s);
size_t study_reissued(const study *s);
const studylock *study_lock_stats(const study *s);

/* This job's key ("<host>.<pid>"). */
const char *study_job(const study *s);

#endif
