/* reuse: reusable journal records for a sweep (see reuse.h). */
#include "sweep/reuse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hpfields.h"

int reuse_match(const journal_record *rec, const sweep_trial *t, const char *dataset_id,
                char *why, size_t n) {
    char dummy[320];
    if (!why) {
        why = dummy;
        n = sizeof dummy;
    }
    if (strcmp(rec->id, t->id) != 0) {
        snprintf(why, n, "id %s differs from %s", rec->id, t->id);
        return 0;
    }
    if (rec->hp.seed != t->hp.seed) {
        snprintf(why, n, "seed %llu differs from %llu", (unsigned long long)rec->hp.seed,
                 (unsigned long long)t->hp.seed);
        return 0;
    }
    for (size_t k = 0; k < hpfields_count(); k++) {
        char a[64], b[64];
        hpfields_format(&rec->hp, k, a, sizeof a);
        hpfields_format(&t->hp, k, b, sizeof b);
        if (strcmp(a, b) != 0) {
            snprintf(why, n, "hparams.%s %s differs from %s", hpfields_name(k), a, b);
            return 0;
        }
    }
    if (rec->dataset[0] && dataset_id && dataset_id[0] && strcmp(rec->dataset, dataset_id) != 0) {
        snprintf(why, n, "dataset %s differs from %s", rec->dataset, dataset_id);
        return 0;
    }
    why[0] = '\0';
    return 1;
}

/* An id and where it is, for matching records to trials by sorting. */
typedef struct reuse_ix {
    const char *id;       /* trial or record id */
    size_t i;             /* index in its array */
} reuse_ix;

static int reuse_cmp(const void *a, const void *b) {
    const reuse_ix *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

int reuse_plan(const sweep_trial *trials, size_t n_trials, const journal_record *recs,
               size_t n_recs, const char *dataset_id, int retry_failed, size_t *rec_of,
               unsigned char *in_sweep, reuse_counts *counts, hs_error *err) {
    memset(counts, 0, sizeof *counts);
    reuse_ix *t = malloc((n_trials ? n_trials : 1) * sizeof *t);
    reuse_ix *r = malloc((n_recs ? n_recs : 1) * sizeof *r);
    if (!t || !r) {
        free(t);
        free(r);
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < n_trials; i++) {
        t[i] = (reuse_ix){trials[i].id, i};
        rec_of[i] = REUSE_NONE;
    }
    for (size_t j = 0; j < n_recs; j++) {
        r[j] = (reuse_ix){recs[j].id, j};
        if (in_sweep) in_sweep[j] = 0;
    }
    qsort(t, n_trials, sizeof *t, reuse_cmp);
    qsort(r, n_recs, sizeof *r, reuse_cmp);
    /* merge the two sorted id lists; with duplicate records the last in file order wins */
    size_t a = 0, b = 0;
    while (b < n_recs) {
        int c = a < n_trials ? strcmp(t[a].id, r[b].id) : 1;
        if (c < 0) {
            a++;
            continue;
        }
        if (c > 0) {
            counts->gone++;
            b++;
            continue;
        }
        /* every record of this id (a trial rerun after a change of seed leaves two): the
         * last one that matches is reused */
        const sweep_trial *tr = &trials[t[a].i];
        size_t hit = REUSE_NONE;
        int failed = 0;
        for (; b < n_recs && strcmp(r[b].id, tr->id) == 0; b++) {
            const journal_record *rec = &recs[r[b].i];
            if (in_sweep) in_sweep[r[b].i] = 1;
            if (!reuse_match(rec, tr, dataset_id, NULL, 0)) continue;
            if (retry_failed && rec->status != JOURNAL_OK) failed = 1;
            else hit = r[b].i;
        }
        if (hit != REUSE_NONE) rec_of[t[a].i] = hit;
        else if (failed) counts->retried++;
        else counts->changed++;
        a++;
    }
    for (size_t i = 0; i < n_trials; i++) counts->reused += rec_of[i] != REUSE_NONE;
    counts->fresh = n_trials - counts->reused;
    free(t);
    free(r);
    return 0;
}

void reuse_format(const reuse_counts *c, char *buf, size_t n) {
    int k = snprintf(buf, n, "%zu reused, %zu new, %zu no longer in the sweep", c->reused,
                     c->fresh, c->gone);
    if (k < 0 || (size_t)k >= n) return;
    if (c->changed)
        k += snprintf(buf + k, n - (size_t)k, ", %zu rerun with another seed, configuration or "
                      "dataset", c->changed);
    if (k < 0 || (size_t)k >= n) return;
    if (c->retried) k += snprintf(buf + k, n - (size_t)k, ", %zu failed retried", c->retried);
    if (k < 0 || (size_t)k >= n) return;
    if (c->set_aside && c->aside[0]) snprintf(buf + k, n - (size_t)k, "; %s", c->aside);
}
