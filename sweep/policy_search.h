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
 * With `sampler: tpe` the scheduler's new trials are drawn by the TPE sampler
 * (sweep/tpe.h) when a rank needs one: trial k of the list is TPE's trial number k (on grid
 * point k mod G), created in `next` and added to the coordinator (coord_add_trial); the
 * sampler learns from the epoch decisions (paused or stopped at a rung: pruned with the
 * value there; max_epochs reached or ended by itself: complete), and running trials are
 * "bad" with the constant liar. Its history is a function of the same events, so the
 * replay rebuilds it too (policy_search_prepare, before the coordinator, so the journal's
 * records find their trials).
 *
 * The policy appends to the coordinator's journal (c->j) from its callbacks and, with TPE,
 * grows its trial list: those are the coord resources it uses besides reading. A failed append stops the search (every rank
 * is told to stop; the journal stays consistent up to the last good line). */
#ifndef HS_POLICY_SEARCH_H
#define HS_POLICY_SEARCH_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/sweepcfg.h"
#include "sweep/coord.h"
#include "sweep/search.h"

typedef struct policy_search policy_search;   /* opaque */

/* Create the policy for sweep def over its n_trials expanded trials: its scheduler section
 * must be present unless its sampler is tpe. With `sampler: tpe` the trial list starts
 * empty and n_trials is ignored: policy_search_tpe_total(def) configurations are drawn
 * one by one (n_train_rows: the dataset's training rows, for their cost estimate; 0
 * unknown); without a scheduler section every trial trains to its full `epochs`. def is
 * borrowed for the policy's lifetime. NULL with err set (bad scheduler, out of memory). */
policy_search *policy_search_create(const sweep_def *def, size_t n_trials, size_t n_train_rows,
                                    hs_error *err);

/* Configurations a TPE sweep draws in total: sampler.n_trials (random.samples per grid
 * point times the grid points). */
size_t policy_search_tpe_total(const sweep_def *def);

/* TPE only, before coord_init: rebuild the trials drawn so far by replaying the scheduler
 * and sampler events of outdir's journal (each new trial drawn again must have the
 * journaled id); nothing with restart (the journal is set aside by coord_open) or when
 * outdir holds another sweep. Then policy_search_trials is the list to give coord_init,
 * and policy_search_resume does not replay again. Returns 0, HS_ERR_STATE (a replayed
 * draw or decision differs: the message says to use --restart), HS_ERR_FORMAT/IO/NOMEM. */
int policy_search_prepare(policy_search *p, const char *outdir, int restart, hs_error *err);

/* The trials policy_search_prepare rebuilt (borrowed from p; *n of them). New ones are
 * added to the coordinator with coord_add_trial as the search draws them. */
const sweep_trial *policy_search_trials(const policy_search *p, size_t *n);

/* Free p. p may be NULL. */
void policy_search_free(policy_search *p);

/* The coord_policy whose state is p. */
coord_policy policy_search_policy(policy_search *p);

/* After coord_open: replay the scheduler events of c's journal (DIR/journal.jsonl) into p
 * (done by policy_search_prepare with TPE), then release the trials left running. p keeps
 * c to add the trials TPE draws (coord_add_trial). Returns 0, or HS_ERR_STATE when a replayed
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
