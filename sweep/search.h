/* search: an early-stopping policy over a sweep's trial list (pure; no MPI, no files).
 *
 * Joins the scheduler (sweep/asha.h) to a sweep: the scheduler's new-trial numbers 0, 1,
 * 2, ... become indices into the sweep's trial list in a shuffled order (Fisher-Yates,
 * seeded from the sweep seed, so a grid is not explored axis by axis), and each epoch report
 * (val_loss, val_mae) becomes the trial's value: the sweep metric at its lowest val_loss so
 * far, what the trial would report if it ended now. This is the one place that defines the
 * value, so the coordinator and the tabular benchmark (scripts/bench_search.c) make the same
 * decisions from the same curves. */
#ifndef HS_SEARCH_H
#define HS_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "sweep/asha.h"

typedef struct search_spec {
    asha_config sched;        /* the scheduler; sched.n_configs is set to n_trials */
    uint64_t seed;            /* order of the trials (the sweep seed) */
    int metric_is_loss;       /* 1: the value is val_loss, 0: val_mae (at the best epoch) */
    int in_order;             /* 1: new trials in list order 0, 1, 2, ... (no shuffle: a
                                 sampler creates trial k when the scheduler asks for it) */
} search_spec;

typedef enum search_kind {
    SEARCH_RUN = 0,           /* train trial `trial` from epoch from+1 on (from 0: a new trial;
                                 else continue from its checkpoint) */
    SEARCH_WAIT = 1,          /* nothing now: ask again after the next report */
    SEARCH_DONE = 2           /* nothing left */
} search_kind;

typedef struct search_task {
    search_kind kind;         /* see search_kind */
    size_t trial;             /* SEARCH_RUN: index into the sweep's trial list */
    size_t from;              /* epochs already trained */
    size_t until;             /* the next rung (the trial may go past it when promoted at
                                 arrival: keep reporting while the answer is ASHA_GO_ON) */
} search_task;

typedef struct search search;   /* opaque */

/* Create the policy for a list of n_trials trials (>= 1). NULL for a bad spec (see
 * asha_config_check) or out of memory. */
search *search_create(const search_spec *sp, size_t n_trials);

/* Free s. s may be NULL. */
void search_free(search *s);

/* What a free rank runs. Never fails except out of memory (HS_ERR_NOMEM, task WAIT). */
int search_next(search *s, search_task *task);

/* Trial `trial` (list index) finished epoch `epoch` with these validation metrics: *d gets
 * the scheduler's decision. Returns 0 or HS_ERR_VALUE (not running, epoch out of order). */
int search_epoch(search *s, size_t trial, size_t epoch, double val_loss, double val_mae,
                 asha_decision *d);

/* Trial ended by itself (patience, divergence, failure): see asha_on_end. */
int search_end(search *s, size_t trial);

/* Trial's rank stopped before the trial finished its job: see asha_release. */
int search_release(search *s, size_t trial);

/* The trial's current value (NaN before its first epoch). */
double search_value(const search *s, size_t trial);

/* The scheduler's state of trial (list index) and the epochs it has reported. */
asha_state search_state(const search *s, size_t trial);
size_t search_epochs(const search *s, size_t trial);

/* 1 when the trial was promoted while idle (asha_idle_of). */
int search_idle(const search *s, size_t trial);

/* The scheduler, for its state and counters (read only). */
const asha *search_scheduler(const search *s);

#endif
