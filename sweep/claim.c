/* claim: the shared study's claim table (see claim.h).
 *
 * Pending trials are found through a cursor over the priority order that only moves back
 * when a release puts an earlier trial back, so handing out all n trials costs O(n) in
 * total; claimed trials are also kept in a dense list (swap-remove), so the scan for stale
 * claims costs O(claimed), i.e. the number of busy ranks, not the number of trials. */
#include "sweep/claim.h"

#include <stdint.h>
#include <stdlib.h>

#include "io/hs_error.h"

struct claim_table {
    size_t n;                 /* trials */
    size_t cap;               /* room in each per-trial array (>= n, grows in claim_add) */
    unsigned char *state;     /* (n) claim_state */
    int *owner;               /* (n) owner of a CLAIMED trial, -1 otherwise */
    double *since;            /* (n) time of the current claim */
    size_t *order;            /* (n) priority order: trial indices, first = handed out first */
    size_t *rank;             /* (n) position of trial i in order */
    size_t cursor;            /* every order[k] with k < cursor is not PENDING */
    size_t *claimed;          /* (n_claimed) claimed trials, in no order */
    size_t *slot;             /* (n) position of trial i in claimed, when CLAIMED */
    size_t n_claimed;         /* entries in claimed */
    size_t n_done;            /* DONE trials */
};

claim_table *claim_create(size_t n_trials, const size_t *order) {
    claim_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    size_t m = n_trials ? n_trials : 1;
    t->n = n_trials;
    t->state = calloc(m, 1);
    t->owner = malloc(m * sizeof *t->owner);
    t->since = calloc(m, sizeof *t->since);
    t->order = malloc(m * sizeof *t->order);
    t->rank = malloc(m * sizeof *t->rank);
    t->claimed = malloc(m * sizeof *t->claimed);
    t->slot = malloc(m * sizeof *t->slot);
    if (!t->state || !t->owner || !t->since || !t->order || !t->rank || !t->claimed || !t->slot) {
        claim_free(t);
        return NULL;
    }
    for (size_t k = 0; k < n_trials; k++) {
        t->order[k] = order ? order[k] : k;
        t->owner[k] = -1;
    }
    for (size_t k = 0; k < n_trials; k++) t->rank[t->order[k]] = k;
    t->cap = m;
    return t;
}

/* Grow every per-trial array to cap entries; 0 or HS_ERR_NOMEM (arrays already grown stay
 * valid: each is only ever larger than n). */
static int claim_grow(claim_table *t, size_t cap) {
    unsigned char *st = realloc(t->state, cap);
    if (st) t->state = st;
    int *ow = st ? realloc(t->owner, cap * sizeof *ow) : NULL;
    if (ow) t->owner = ow;
    double *si = ow ? realloc(t->since, cap * sizeof *si) : NULL;
    if (si) t->since = si;
    size_t *o = si ? realloc(t->order, cap * sizeof *o) : NULL;
    if (o) t->order = o;
    size_t *r = o ? realloc(t->rank, cap * sizeof *r) : NULL;
    if (r) t->rank = r;
    size_t *c = r ? realloc(t->claimed, cap * sizeof *c) : NULL;
    if (c) t->claimed = c;
    size_t *sl = c ? realloc(t->slot, cap * sizeof *sl) : NULL;
    if (sl) t->slot = sl;
    if (!sl) return HS_ERR_NOMEM;
    t->cap = cap;
    return 0;
}

int claim_add(claim_table *t) {
    if (t->n == t->cap && claim_grow(t, 2 * t->cap) != 0) return HS_ERR_NOMEM;
    size_t i = t->n++;
    t->state[i] = CLAIM_PENDING;
    t->owner[i] = -1;
    t->since[i] = 0.0;
    t->order[i] = i;
    t->rank[i] = i;
    return 0;
}

void claim_free(claim_table *t) {
    if (!t) return;
    free(t->state);
    free(t->owner);
    free(t->since);
    free(t->order);
    free(t->rank);
    free(t->claimed);
    free(t->slot);
    free(t);
}

/* Remove claimed trial i from the dense list. */
static void claim_unlist(claim_table *t, size_t i) {
    size_t s = t->slot[i], last = t->claimed[--t->n_claimed];
    t->claimed[s] = last;
    t->slot[last] = s;
}

/* Move the cursor past trials that are no longer pending. */
static void claim_advance(claim_table *t) {
    while (t->cursor < t->n && t->state[t->order[t->cursor]] != CLAIM_PENDING) t->cursor++;
}

void claim_done(claim_table *t, size_t i) {
    if (i >= t->n || t->state[i] == CLAIM_DONE) return;
    if (t->state[i] == CLAIM_CLAIMED) claim_unlist(t, i);
    t->state[i] = CLAIM_DONE;
    t->owner[i] = -1;
    t->n_done++;
    claim_advance(t);
}

void claim_take(claim_table *t, size_t i, int owner, double when) {
    if (i >= t->n || t->state[i] == CLAIM_DONE) return;
    if (t->state[i] == CLAIM_PENDING) {
        t->slot[i] = t->n_claimed;
        t->claimed[t->n_claimed++] = i;
        t->state[i] = CLAIM_CLAIMED;
    }
    t->owner[i] = owner;
    t->since[i] = when;
    claim_advance(t);
}

void claim_release(claim_table *t, size_t i, int owner) {
    if (i >= t->n || t->state[i] != CLAIM_CLAIMED || t->owner[i] != owner) return;
    claim_unlist(t, i);
    t->state[i] = CLAIM_PENDING;
    t->owner[i] = -1;
    if (t->rank[i] < t->cursor) t->cursor = t->rank[i];
}

size_t claim_next(const claim_table *t, const unsigned char *live, size_t n_live, int *stale) {
    size_t best = CLAIM_NONE, best_rank = SIZE_MAX;
    for (size_t k = 0; k < t->n_claimed; k++) {
        size_t i = t->claimed[k];
        int o = t->owner[i];
        int alive = o < 0 || (size_t)o >= n_live || live[o];
        if (!alive && t->rank[i] < best_rank) {
            best = i;
            best_rank = t->rank[i];
        }
    }
    if (best != CLAIM_NONE) {
        *stale = 1;
        return best;
    }
    *stale = 0;
    /* claim_take/claim_done keep the cursor on the first pending trial */
    for (size_t k = t->cursor; k < t->n; k++)
        if (t->state[t->order[k]] == CLAIM_PENDING) return t->order[k];
    return CLAIM_NONE;
}

claim_state claim_state_of(const claim_table *t, size_t i) {
    return i < t->n ? (claim_state)t->state[i] : CLAIM_PENDING;
}

int claim_owner_of(const claim_table *t, size_t i) { return i < t->n ? t->owner[i] : -1; }

double claim_since(const claim_table *t, size_t i) { return i < t->n ? t->since[i] : 0.0; }

size_t claim_count(const claim_table *t, claim_state s) {
    if (s == CLAIM_DONE) return t->n_done;
    if (s == CLAIM_CLAIMED) return t->n_claimed;
    return t->n - t->n_done - t->n_claimed;
}

size_t claim_claimed_at(const claim_table *t, size_t k) {
    return k < t->n_claimed ? t->claimed[k] : CLAIM_NONE;
}
