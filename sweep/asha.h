/* asha: early stopping across trials (ASHA, asynchronous Hyperband, the median stopping rule)
 * as pure functions over a plain struct: no MPI, no clock, no files.
 *
 * The policy answers two questions for the coordinator:
 *   asha_next      a rank is free: what should it run? A trial released by a stopped rank
 *                  (continued from its checkpoint), else a paused trial that has become
 *                  promotable (continued from its checkpoint), else a new configuration
 *                  (trial numbers 0, 1, 2, ... in order; which configuration a number is, is
 *                  the sampler's business), else wait (trials are running whose results may
 *                  make a paused trial promotable), else the search is done.
 *   asha_on_epoch  trial t finished epoch k with value v: go on, pause (its checkpoint is
 *                  kept), stop for good, or finished (it reached max_epochs).
 * plus asha_on_end (the trial ended by itself: within-trial early stopping, divergence,
 * failure) and asha_release (its rank was stopped by a signal). The value is the sweep
 * metric of the trial's result so far, i.e. what the trial would report if it ended after
 * epoch k (val_mae or val_loss at its best epoch up to k); lower is better, NaN counts as
 * +infinity. Ties are broken by trial number (the earlier trial ranks first), so every
 * decision is a deterministic function of the sequence of calls: replaying the same calls
 * rebuilds the same state and gives the same answers (resume, and the P-rank replay test).
 *
 * ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020).
 * Rungs at min_epochs * reduction^k epochs for every k with that value < max_epochs; the
 * top is max_epochs. When a trial reaches rung k its value is recorded there; it is
 * promoted (goes on, on the same rank, to rung k+1) if it is in the top
 * floor(n_k / reduction) of the n_k values recorded at rung k, itself included, else it
 * pauses. A free rank first takes a paused trial that has since entered the top
 * floor(n_k / reduction) of its rung (highest rung epoch first, then the best value, then
 * the lowest trial number), else a new configuration at the lowest rung. No rank waits for
 * a rung to fill: ranks wait only once every configuration has been drawn.
 *
 * Hyperband (same paper, section 3.3: ASHA brackets with different early-stopping rates).
 * With K rungs below max_epochs there are up to K+1 brackets; bracket b's rungs start at
 * min_epochs * reduction^b (bracket K trains every trial to max_epochs). Each bracket is an
 * independent ASHA (its own rung records). New trials go to brackets in proportion to
 * Hyperband's bracket sizes n_s = ceil((K+1)/(s+1) * reduction^s), s = K - b (Li et al.
 * 2018), dealt by smooth weighted round robin (deterministic: bracket b gets its share
 * spread evenly, ties to the lowest b). `brackets` limits them to b < brackets.
 *
 * Promotion while idle (asha_config.idle_promotion, off by default). With a finite set of
 * configurations ASHA runs out of new ones: ranks then wait while the few trials promoted
 * late climb to max_epochs, and at 1,024 ranks most of the makespan is that tail
 * (docs/search.md, build/bench_sched). With the option on, a rank that asha_next would tell
 * to wait (every configuration drawn, nothing released, nothing promotable, a trial of the
 * normal path still running) instead continues a paused trial outside the top
 * floor(n_k / reduction): the best one (highest rung epoch, then value, then trial number)
 * among those whose next rung is at most h epochs away, h = the most epochs a running trial
 * of the normal path still has to the rung of its job (none fits: wait). Such a trial leaves
 * the normal path for good:
 *   - its later rung values go to separate "idle" rung lists, so no normal decision counts
 *     them (ranks and quotas at every rung are the normal trials'); at a rung it pauses
 *     (finished at max_epochs) and only idle ranks continue it, best first as above;
 *   - for the normal path it counts as promoted (it is never promoted twice);
 *   - it yields its rank: after any epoch short of its rung it is paused (ASHA_PAUSE,
 *     counted in asha_stats.idle_yields; it continues later from that epoch) once the normal
 *     path has a job waiting (a released or promotable trial) or nothing of the normal path
 *     runs any more. So normal work waits at most one epoch of an idle trial for a rank, and
 *     the search ends at most one such epoch after the normal path (then asha_next says
 *     done; idle trials stay paused).
 * It uses ranks that would otherwise sit idle, at the price of epochs (asha_stats.epochs
 * grows; idle_promotions counts the jobs). Without it every decision is ASHA as published.
 *
 * Median stopping rule (Golovin et al., "Google Vizier", KDD 2017, as in Ray Tune). After
 * epoch k >= min_epochs (the grace period), a trial stops if its value is strictly worse
 * than the median of the values other trials reported at epoch k, once at least
 * min_samples other trials have reached epoch k (running, paused or finished alike). A
 * trial that is not stopped runs to max_epochs.
 *
 * Within-trial early stopping (`patience`). It keeps working and is independent: a trial
 * whose val_loss has not improved for `patience` epochs ends, whatever its budget. For the
 * policy it is complete (asha_on_end): it keeps the rung entries it earned, is entered in no
 * further rung, and is never promoted again. A trial paused at a rung resumes with its
 * early-stopping counter from the checkpoint, so patience counts epochs of the trial, not of
 * a session. If patience and a rung fall on the same epoch, the rung is recorded first
 * (asha_on_epoch), then the trial ends (asha_on_end). */
#ifndef HS_ASHA_H
#define HS_ASHA_H

#include <stddef.h>

#define ASHA_NONE ((size_t)-1)   /* no trial / no rung */

typedef enum asha_type {
    ASHA_TYPE_ASHA = 0,       /* one bracket of successive-halving rungs */
    ASHA_TYPE_HYPERBAND = 1,  /* several ASHA brackets with different first rungs */
    ASHA_TYPE_MEDIAN = 2      /* the median stopping rule */
} asha_type;

typedef struct asha_config {
    asha_type type;           /* which rule */
    size_t min_epochs;        /* ASHA: first rung; Hyperband: first rung of bracket 0;
                                 median: grace period (no stop before this epoch); >= 1 */
    size_t max_epochs;        /* full budget, the top rung; >= min_epochs */
    size_t reduction;         /* eta >= 2: rungs grow by this factor, 1/eta is promoted
                                 (unused by median) */
    size_t brackets;          /* Hyperband: brackets to use, 0 = all K+1 (clipped to K+1) */
    size_t min_samples;       /* median: other trials needed at an epoch before stopping
                                 anyone there; 0 means 3 (Ray Tune's default) */
    size_t n_configs;         /* configurations to draw in total (new trials), >= 1 */
    int idle_promotion;       /* ASHA, Hyperband: 1 = a rank that would otherwise wait
                                 continues a paused trial outside the top 1/eta ("promotion
                                 while idle", below); 0 = off, the default (ASHA as
                                 published). Unused by median */
} asha_config;

/* What asha_next tells a free rank. */
typedef enum asha_action {
    ASHA_NEW = 0,             /* start trial `trial` (a new configuration) from scratch */
    ASHA_CONTINUE = 1,        /* continue trial `trial` from its checkpoint after
                                 from_epoch epochs */
    ASHA_WAIT = 2,            /* nothing to do now: ask again after the next report */
    ASHA_DONE = 3             /* nothing left: every trial is finished, stopped or paused
                                 for good */
} asha_action;

typedef struct asha_job {
    asha_action action;       /* see asha_action */
    size_t trial;             /* trial number (ASHA_NEW, ASHA_CONTINUE), else ASHA_NONE */
    size_t bracket;           /* its bracket (0 for ASHA and median) */
    size_t from_epoch;        /* epochs already trained (0 for ASHA_NEW) */
    size_t until_epoch;       /* the epoch of the trial's next rung. The trial reports every
                                 epoch and goes on while the answer is ASHA_GO_ON: at
                                 until_epoch it pauses, or, promoted at arrival, goes on
                                 to its next rung (so it may train beyond until_epoch) */
} asha_job;

/* What asha_on_epoch answers. */
typedef enum asha_decision {
    ASHA_GO_ON = 0,           /* train the next epoch (also: promoted at a rung) */
    ASHA_PAUSE = 1,           /* stop now, keep the checkpoint: it may be promoted later */
    ASHA_STOP = 2,            /* stop now for good (median rule): pruned */
    ASHA_FINISHED = 3         /* the trial reached max_epochs: complete */
} asha_decision;

/* A trial as the policy sees it. */
typedef enum asha_state {
    ASHA_RUNNING = 0,         /* handed out, reporting epochs */
    ASHA_PAUSED = 1,          /* stopped at a rung, promotable later */
    ASHA_READY = 2,           /* released while running: handed out again first */
    ASHA_ENDED = 3            /* finished, stopped, early-stopped, diverged or failed */
} asha_state;

typedef struct asha asha;   /* opaque */

/* Check cfg; returns 0, or -1 with a one-line reason in why (n bytes, may be NULL), e.g.
 * "min_epochs (30) must not exceed max_epochs (27)", "reduction must be >= 2, got 1". */
int asha_config_check(const asha_config *cfg, char *why, size_t n);

/* Create the policy for cfg (copied). Returns NULL if cfg fails asha_config_check or memory
 * runs out. Free with asha_free. */
asha *asha_create(const asha_config *cfg);

/* Free a. a may be NULL. */
void asha_free(asha *a);

/* Epochs of the rungs of bracket b (all of them below max_epochs, ascending, then
 * max_epochs) into out (room for cap values). Returns how many there are (which may exceed
 * cap: only cap are written), 0 for a bracket that does not exist. Median: max_epochs only. */
size_t asha_rungs(const asha *a, size_t bracket, size_t *out, size_t cap);

/* Number of brackets (1 for ASHA and median). */
size_t asha_brackets(const asha *a);

/* Fill job with what a free rank should run (see the file comment). A NEW or CONTINUE job
 * marks the trial running. Returns 0, or HS_ERR_NOMEM (job is then ASHA_WAIT). */
int asha_next(asha *a, asha_job *job);

/* Running trial t finished epoch `epoch` (1-based, at most the job's until_epoch) with
 * value v; *out gets the decision (PAUSE/STOP/FINISHED end the session; the trial is then
 * paused or ended; a trial promoted while idle may be paused before its rung). Epochs must be reported in order. Returns 0, HS_ERR_VALUE (t unknown or
 * not running, epoch out of order or beyond the job's budget; *out untouched), or
 * HS_ERR_NOMEM. */
int asha_on_epoch(asha *a, size_t t, size_t epoch, double v, asha_decision *out);

/* Trial t ended by itself before the policy ended it (within-trial early stopping,
 * divergence, failure). A no-op for a trial already ended. Returns 0, or HS_ERR_VALUE if t
 * is unknown, paused or ready. */
int asha_on_end(asha *a, size_t t);

/* Running trial t did not finish its job (its rank was stopped): it becomes READY and is
 * handed out again (ASHA_CONTINUE from its last reported epoch, same budget) before any
 * promotion or new trial. Returns 0 or HS_ERR_VALUE if t is not running. */
int asha_release(asha *a, size_t t);

/* State of trial t (ASHA_ENDED for an unknown t). */
asha_state asha_state_of(const asha *a, size_t t);

/* Epochs trial t has reported (0 for an unknown t). */
size_t asha_epochs_of(const asha *a, size_t t);

/* 1 when trial t was promoted while idle (idle_promotion): it has left the normal path for
 * good and every later continuation of it is one by an otherwise idle rank; 0 otherwise. */
int asha_idle_of(const asha *a, size_t t);

/* Counters. */
typedef struct asha_stats {
    size_t started;           /* new trials handed out */
    size_t running;           /* trials running now */
    size_t paused;            /* trials paused now */
    size_t ready;             /* trials released, waiting for a rank */
    size_t promotions;        /* promotions (at arrival or of a paused trial) */
    size_t idle_promotions;   /* paused trials outside the top 1/eta continued by a rank
                                 that would otherwise wait (idle_promotion) */
    size_t idle_yields;       /* of those, paused between rungs to give their rank back */
    size_t stopped;           /* trials stopped by the median rule */
    size_t finished;          /* trials that reached max_epochs */
    size_t ended;             /* trials that ended by themselves (asha_on_end) */
    size_t epochs;            /* epochs reported in total: the work done */
} asha_stats;

void asha_get_stats(const asha *a, asha_stats *st);

/* Names for files and messages: "asha", "hyperband", "median"; "go_on", "pause", "stop",
 * "finished"; "new", "continue", "wait", "done". */
const char *asha_type_name(asha_type t);
const char *asha_decision_name(asha_decision d);
const char *asha_action_name(asha_action a);

/* Parse a type name; 0 and *out, or -1 if unknown. */
int asha_parse_type(const char *s, asha_type *out);

#endif
