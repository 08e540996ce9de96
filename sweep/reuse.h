/* reuse: which finished trials of a run directory a (possibly changed) sweep may reuse.
 *
 * A trial id names a configuration and repeat index, not a result: two sweeps that differ
 * only in their `seed:` give the same ids but different trial seeds, and a dataset prepared
 * again gives other numbers under the same id. A journal record is therefore reused only
 * when it would be recomputed bit-identically: the same id, every hyperparameter equal in
 * canonical form *including the derived trial seed* (the journal records it in
 * hparams.seed), and the same dataset (the record's fingerprint id, dsfp.h, when it has
 * one; records of hsweep 0.1 have none and rely on the directory-wide check against
 * metadata.json). Failed and diverged records are reused too (a failure is a result)
 * unless --retry-failed asks to rerun them. Records whose id is not in the sweep stay in
 * the journal but are not the sweep's (left out of its tables and counts). When an id has
 * several records (a trial rerun after its seed changed), the one that matches is reused,
 * so changing a sweep back reuses the first results again. Pure functions
 * over plain arrays: no I/O, no MPI. */
#ifndef HS_REUSE_H
#define HS_REUSE_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/journal.h"
#include "sweep/expand.h"

#define REUSE_NONE ((size_t)-1)   /* reuse_plan: trial has no reusable record */

typedef struct reuse_counts {
    size_t reused;        /* trials of the sweep with a reusable record */
    size_t fresh;         /* trials to run: no record, or one that cannot be reused */
    size_t changed;       /* of fresh: a record under the same id with another seed,
                             configuration or dataset (its result would differ) */
    size_t retried;       /* of fresh: failed/diverged records rerun (--retry-failed) */
    size_t gone;          /* records whose id is not in the sweep (kept, not shown) */
    size_t set_aside;     /* records set aside as invalid or foreign (io/jcheck.h): neither
                             reused nor shown; their trials run again */
    char aside[1200];     /* jcheck_format's line about them, "" when none */
} reuse_counts;

/* 1 when record rec may stand for trial t: same id, every hyperparameter equal in canonical
 * form including the trial seed, and (when both are known) the same dataset fingerprint
 * dataset_id (16 hex, may be NULL or "" when unknown). Else 0 and, when why is not NULL, a
 * short reason into why[n] ("seed 12 differs from 34", "hparams.units 32 differs from 64",
 * "dataset 9e1f... differs from 03ab...", "id ..."). Cannot fail. */
int reuse_match(const journal_record *rec, const sweep_trial *t, const char *dataset_id,
                char *why, size_t n);

/* Decide for every trial whether a record is reused.
 * trials (n_trials): the expanded sweep; recs (n_recs): the journal's records, one per id
 * (several records of one id: the last that matches is reused); dataset_id: the current dataset's fingerprint
 * id (or NULL); retry_failed: 1 to rerun failed and diverged records.
 * rec_of (n_trials, caller-owned): receives the index into recs of trial i's reused record,
 * or REUSE_NONE; in_sweep (n_recs, may be NULL): 1 if record j's id is a trial of the
 * sweep, else 0; counts: the figures of the start line. Returns 0 or HS_ERR_NOMEM. */
int reuse_plan(const sweep_trial *trials, size_t n_trials, const journal_record *recs,
               size_t n_recs, const char *dataset_id, int retry_failed, size_t *rec_of,
               unsigned char *in_sweep, reuse_counts *counts, hs_error *err);

/* The start line's figures into buf (truncated to n): "12 reused, 4 new, 2 no longer in the
 * sweep", with ", 3 rerun with another seed, configuration or dataset" and ", 1 failed
 * retried" appended when those are non-zero, and "; " + c->aside when records were set
 * aside. */
void reuse_format(const reuse_counts *c, char *buf, size_t n);

#endif
