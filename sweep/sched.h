/* sched: the sweep scheduler as pure functions over a plain struct (no MPI, no clock).
 *
 * Dynamic self-scheduling, longest first: trials are handed out in descending order of an
 * estimated cost (ties by index, so the order is deterministic), one at a time to whichever
 * worker asks next. Handing the longest trials out first keeps a long trial from starting
 * last and stretching the makespan (LPT list scheduling); asking on demand absorbs the cost
 * model's error. The MPI layer is a thin transport around it: rank 0 calls sched_next when a
 * worker reports (or asks), sched_record when a result arrives, and sched_mark_done for trials
 * already in the journal on resume. scripts/bench_sched.c drives this very code in a
 * simulated cluster. Not thread-safe; all counts are size_t, trial indices are 0-based. */
#ifndef HS_SCHED_H
#define HS_SCHED_H

#include <stddef.h>

#define SCHED_NONE ((size_t)-1)   /* sched_next: nothing left to hand out */

typedef enum sched_state {
    SCHED_PENDING = 0,    /* not handed out yet (or released back) */
    SCHED_RUNNING = 1,    /* handed out to a worker, no result yet */
    SCHED_DONE = 2,       /* finished with a result (ok or diverged) */
    SCHED_FAILED = 3      /* finished as failed */
} sched_state;

typedef struct sched sched;   /* opaque */

/* Create a scheduler for n_trials trials with estimated costs[i] (any unit, relative; NULL:
 * all equal, so trials go out in index order). Non-finite or negative costs count as 0.
 * Returns NULL if out of memory. Free with sched_free. costs is copied. */
sched *sched_create(size_t n_trials, const double *costs);

/* Append a pending trial of estimated cost `cost` (index sched_total before the call) for
 * policies that create trials while the sweep runs (TPE): it comes after every trial
 * already there in the hand-out order, whatever its cost. Returns 0 or HS_ERR_NOMEM (s
 * unchanged). */
int sched_add(sched *s, double cost);

/* The hand-out order: every trial index, longest first (ties by index), into order (n). */
void sched_order(const sched *s, size_t *order);

/* Free s. s may be NULL. */
void sched_free(sched *s);

/* Resume: mark pending trial i as already finished (ok = 1: done, 0: failed), so it is never
 * handed out. Returns 0, or HS_ERR_VALUE if i is out of range or not pending. */
int sched_mark_done(sched *s, size_t i, int ok);

/* The next trial to give to `worker` (recorded, see sched_worker_of), now RUNNING; or
 * SCHED_NONE when no trial is pending (some may still be running). */
size_t sched_next(sched *s, int worker);

/* The trial sched_next would hand out now (longest pending first), without taking it; or
 * SCHED_NONE when none is pending. For policies that choose, then take (sched_take). */
size_t sched_peek(sched *s);

/* Hand pending trial i to `worker` (now RUNNING), whatever its place in the order: a policy
 * may pick any pending trial. Returns 0, or HS_ERR_VALUE if i is out of range or not
 * pending. */
int sched_take(sched *s, size_t i, int worker);

/* Record the result of running trial i: ok = 1 DONE, 0 FAILED. Returns 0, or HS_ERR_VALUE if
 * i is out of range or not running. */
int sched_record(sched *s, size_t i, int ok);

/* Put running trial i back to PENDING (its worker was lost or stopped before finishing);
 * it is handed out again before any trial of lower cost. 0 or HS_ERR_VALUE. */
int sched_release(sched *s, size_t i);

/* State of trial i (SCHED_PENDING for an out-of-range i). */
sched_state sched_state_of(const sched *s, size_t i);

/* Worker that trial i was last handed to, -1 if never. */
int sched_worker_of(const sched *s, size_t i);

/* Counters. total = pending + running + done + failed. */
size_t sched_total(const sched *s);
size_t sched_pending(const sched *s);    /* not yet handed out: "remaining" */
size_t sched_running(const sched *s);
size_t sched_done(const sched *s);       /* finished ok (incl. sched_mark_done ok) */
size_t sched_failed(const sched *s);     /* finished failed */

/* 1 when nothing is pending or running. */
int sched_finished(const sched *s);

/* Sum of the costs of pending and running trials. */
double sched_remaining_cost(const sched *s);

/* Sum of the costs of trials finished through sched_record (this session; resumed trials
 * are excluded, since elapsed time did not go into them). */
double sched_recorded_cost(const sched *s);

/* Estimated seconds to finish given elapsed_s seconds of this session so far:
 * elapsed_s * remaining_cost / recorded_cost (throughput so far, in cost per second, assumed
 * constant). Negative (-1) when nothing has been recorded yet (unknown). */
double sched_eta(const sched *s, double elapsed_s);

#endif
