/* policy_search: the coordinator policy (sweep/coord.h) that runs a sweep's `scheduler:`
 * (ASHA, Hyperband, the median stopping rule; sweep/search.h over sweep/asha.h) inside
 * `hsweep run`.
 *
 *   next       a free rank gets what search_next says: a released trial, then a promotable
 *              paused one (both continue from their checkpoint, on any rank), then a new
 *              configuration; or wait; or stop once the search is done. Every task is
 *              handed out with the full budget (until = max_epochs): the per-epoch verdicts
 *              decide where it pauses, so a trial promoted at arrival goes straight on.
 *   on_epoch   the epoch's val_loss/val_mae go to search_epoch: go on, pause (COORD_PAUSE)
 *              or stop for good (COORD_PRUNE). A report of an epoch the scheduler already
 *              has (a trial continued from a checkpoint older than its last report) is
 *              answered "continue" and not counted again: the value is bit-identical.
 *   on_result  a trial that ended by itself (patience, divergence, failure) is ended in the
 *              scheduler; a released one (its rank stopped) is handed out again first.
 * Every call that changes the scheduler's state is first journaled as an event line
 * (io/journal.h: start / epoch with its decision / end / release), fsynced, in the order
 * rank 0 made it. policy_search_resume replays those lines through the same calls, which
 * rebuilds the scheduler exactly (every decision is a deterministic function of that
 * sequence) and checks that every replayed decision equals the journaled one; trials that
 * were running when the run died are then released (continued first, from their
 * checkpoints) unless the journal already holds their final record.
 *
 * The policy appends to the coordinator's journal (c->j) from its callbacks: that is the
 * one coord resource it uses besides reading. A failed append stops the search (every rank
 * is told to stop; the journal stays consistent up to the last good line). */
#ifndef HS_POLICY_SEARCH_H
#define HS_POLICY_SEARCH_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/sweepcfg.h"
#include "sweep/coord.h"
#include "sweep/search.h"

typedef struct policy_search policy_search;   /* opaque */

/* Create the policy for sweep def (its scheduler section must be present) over its
 * n_trials expanded trials. NULL with err set (bad scheduler, out of memory). */
policy_search *policy_search_create(const sweep_def *def, size_t n_trials, hs_error *err);

/* Free p. p may be NULL. */
void policy_search_free(policy_search *p);

/* The coord_policy whose state is p. */
coord_policy policy_search_policy(policy_search *p);

/* After coord_open: replay the scheduler events of c's journal (DIR/journal.jsonl) into p,
 * then release the trials left running. Returns 0, or HS_ERR_STATE when a replayed
 * decision differs from the journaled one (the journal belongs to another scheduler
 * version: the message says to use --restart), HS_ERR_FORMAT/HS_ERR_IO/HS_ERR_NOMEM. */
int policy_search_resume(policy_search *p, coord *c, hs_error *err);

/* Figures for the summary. */
typedef struct policy_search_stats {
    size_t epochs;            /* epochs trained, each counted once (the work done) */
    size_t full_budget;       /* n_trials x max_epochs: the cost without early stopping */
    size_t promotions;        /* paused or arriving trials promoted to a next rung */
    size_t paused;            /* trials paused now */
    size_t pruned;            /* trials stopped for good by the median rule */
    size_t replayed;          /* events replayed on resume */
} policy_search_stats;

void policy_search_get_stats(const policy_search *p, policy_search_stats *st);

#endif
