/* claim: which trial of a shared study a job takes next, as pure functions over a table.
 *
 * Several jobs work on one run directory. Each keeps this table, fed in file order with the
 * events of the directory's two logs: a result in journal.jsonl makes a trial DONE, a line
 * of claims.jsonl says that an owner (one rank of one job) CLAIMED a trial or RELEASED it.
 * Since every job applies the same events under the study lock before deciding, all jobs
 * agree on the table when they decide. A claim is held while its owner is live; the caller
 * says which owners are live (their heartbeat is younger than the timeout) and claim_next
 * hands out, in the sweep's priority order, first a trial whose owner is no longer live (a
 * stale claim: the trial continues from its epoch checkpoint), then a pending one. Owners
 * are small integers the caller interns. No I/O, no clock (times are passed in), no MPI. */
#ifndef HS_CLAIM_H
#define HS_CLAIM_H

#include <stddef.h>

#define CLAIM_NONE ((size_t)-1)   /* claim_next: nothing to hand out */

typedef enum claim_state {
    CLAIM_PENDING = 0,    /* not claimed, or released */
    CLAIM_CLAIMED = 1,    /* claimed by an owner, no result yet */
    CLAIM_DONE = 2        /* a result is journaled: never handed out again */
} claim_state;

typedef struct claim_table claim_table;   /* opaque */

/* A table of n_trials pending trials handed out in priority order `order` (a permutation of
 * 0..n_trials-1, copied; NULL: index order). NULL when out of memory. */
claim_table *claim_create(size_t n_trials, const size_t *order);

/* Free t. t may be NULL. */
void claim_free(claim_table *t);

/* Append a pending trial (index n_trials before the call), last in the priority order: for
 * policies that create trials while the sweep runs. 0 or HS_ERR_NOMEM (t unchanged). */
int claim_add(claim_table *t);

/* Event: trial i has a journaled result. Idempotent; releases its claim. Out-of-range i is
 * ignored (records of trials no longer in the sweep). */
void claim_done(claim_table *t, size_t i);

/* Event: owner claimed trial i at time `when` (seconds, any clock). A claim of a DONE trial
 * is ignored; a claim of a CLAIMED trial replaces its owner (a stale claim reissued). */
void claim_take(claim_table *t, size_t i, int owner, double when);

/* Event: owner gave trial i back (a signal stopped it; its checkpoint is kept). Only the
 * current owner's release counts; the trial is PENDING again, ahead of lower priorities. */
void claim_release(claim_table *t, size_t i, int owner);

/* The trial to hand out next: the first CLAIMED trial, in priority order, whose owner is not
 * live (live[owner] == 0; owners >= n_live count as live), with *stale = 1; else the first
 * PENDING trial with *stale = 0; else CLAIM_NONE. Does not change the table: the caller
 * logs the claim and applies it with claim_take. */
size_t claim_next(const claim_table *t, const unsigned char *live, size_t n_live, int *stale);

/* State, owner (-1 if none) and claim time (0 if none) of trial i. */
claim_state claim_state_of(const claim_table *t, size_t i);
int claim_owner_of(const claim_table *t, size_t i);
double claim_since(const claim_table *t, size_t i);

/* Counts by state; n_trials = pending + claimed + done. */
size_t claim_count(const claim_table *t, claim_state s);

/* The k-th currently claimed trial (k < claim_count(t, CLAIM_CLAIMED)), in no particular
 * order: for listing who runs what. */
size_t claim_claimed_at(const claim_table *t, size_t k);

#endif
