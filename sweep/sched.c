/* sched: longest-first dynamic self-scheduling (see sched.h).
 *
 * `order` holds the trial indices sorted by cost descending (ties by index ascending);
 * `cursor` is the first position in `order` that may still be pending: every position before
 * it is running or finished. sched_next scans forward from the cursor, skipping trials marked
 * done on resume, so handing out all n trials costs O(n) after the O(n log n) sort. A released
 * trial moves the cursor back to its position, keeping the longest-first order. */
#include "sweep/sched.h"

#include <math.h>
#include <stdlib.h>

#include "io/hs_error.h"

struct sched {
    size_t n;              /* trials */
    size_t cap;            /* room in each per-trial array (>= n, grows in sched_add) */
    double *cost;          /* (n) cost per trial, >= 0 */
    size_t *order;         /* (n) trial indices, longest first */
    size_t *pos;           /* (n) pos[i]: position of trial i in order */
    unsigned char *state;  /* (n) sched_state per trial */
    int *worker;           /* (n) last worker per trial, -1 never */
    size_t cursor;         /* positions < cursor are not pending */
    size_t count[4];       /* trials per sched_state */
    double recorded_cost;  /* cost finished through sched_record */
};

/* qsort has no context argument: sort (cost, index) pairs instead. */
typedef struct sched_key {
    double cost;           /* trial cost */
    size_t index;          /* trial index */
} sched_key;

static int sched_cmp(const void *a, const void *b) {
    const sched_key *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

sched *sched_create(size_t n, const double *costs) {
    sched *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = n;
    size_t m = n ? n : 1;
    sched_key *keys = malloc(m * sizeof *keys);
    s->cost = malloc(m * sizeof *s->cost);
    s->order = malloc(m * sizeof *s->order);
    s->pos = malloc(m * sizeof *s->pos);
    s->state = calloc(m, 1);
    s->worker = malloc(m * sizeof *s->worker);
    if (!keys || !s->cost || !s->order || !s->pos || !s->state || !s->worker) {
        free(keys);
        sched_free(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        double c = costs ? costs[i] : 0.0;
        s->cost[i] = isfinite(c) && c > 0.0 ? c : 0.0;
        keys[i] = (sched_key){s->cost[i], i};
        s->worker[i] = -1;
    }
    qsort(keys, n, sizeof *keys, sched_cmp);
    for (size_t p = 0; p < n; p++) {
        s->order[p] = keys[p].index;
        s->pos[keys[p].index] = p;
    }
    free(keys);
    s->count[SCHED_PENDING] = n;
    s->cap = m;
    return s;
}

/* Grow every per-trial array to hold cap trials; 0 or HS_ERR_NOMEM (arrays already grown
 * stay valid: each is only ever larger than n). */
static int sched_grow(sched *s, size_t cap) {
    double *c = realloc(s->cost, cap * sizeof *c);
    if (c) s->cost = c;
    size_t *o = c ? realloc(s->order, cap * sizeof *o) : NULL;
    if (o) s->order = o;
    size_t *p = o ? realloc(s->pos, cap * sizeof *p) : NULL;
    if (p) s->pos = p;
    unsigned char *st = p ? realloc(s->state, cap) : NULL;
    if (st) s->state = st;
    int *w = st ? realloc(s->worker, cap * sizeof *w) : NULL;
    if (w) s->worker = w;
    if (!w) return HS_ERR_NOMEM;
    s->cap = cap;
    return 0;
}

int sched_add(sched *s, double cost) {
    if (s->n == s->cap && sched_grow(s, 2 * s->cap) != 0) return HS_ERR_NOMEM;
    size_t i = s->n++;
    s->cost[i] = isfinite(cost) && cost > 0.0 ? cost : 0.0;
    s->order[i] = i;
    s->pos[i] = i;
    s->state[i] = SCHED_PENDING;
    s->worker[i] = -1;
    s->count[SCHED_PENDING]++;
    return 0;
}

void sched_order(const sched *s, size_t *order) {
    for (size_t k = 0; k < s->n; k++) order[k] = s->order[k];
}

void sched_free(sched *s) {
    if (!s) return;
    free(s->cost);
    free(s->order);
    free(s->pos);
    free(s->state);
    free(s->worker);
    free(s);
}

static void sched_set(sched *s, size_t i, sched_state st) {
    s->count[s->state[i]]--;
    s->state[i] = (unsigned char)st;
    s->count[st]++;
}

int sched_mark_done(sched *s, size_t i, int ok) {
    if (i >= s->n || s->state[i] != SCHED_PENDING) return HS_ERR_VALUE;
    sched_set(s, i, ok ? SCHED_DONE : SCHED_FAILED);
    return 0;
}

size_t sched_peek(sched *s) {
    while (s->cursor < s->n && s->state[s->order[s->cursor]] != SCHED_PENDING) s->cursor++;
    return s->cursor < s->n ? s->order[s->cursor] : SCHED_NONE;
}

int sched_take(sched *s, size_t i, int worker) {
    if (i >= s->n || s->state[i] != SCHED_PENDING) return HS_ERR_VALUE;
    sched_set(s, i, SCHED_RUNNING);
    s->worker[i] = worker;
    return 0;
}

size_t sched_next(sched *s, int worker) {
    size_t i = sched_peek(s);
    if (i != SCHED_NONE) sched_take(s, i, worker);
    return i;
}

int sched_record(sched *s, size_t i, int ok) {
    if (i >= s->n || s->state[i] != SCHED_RUNNING) return HS_ERR_VALUE;
    sched_set(s, i, ok ? SCHED_DONE : SCHED_FAILED);
    s->recorded_cost += s->cost[i];
    return 0;
}

int sched_release(sched *s, size_t i) {
    if (i >= s->n || s->state[i] != SCHED_RUNNING) return HS_ERR_VALUE;
    sched_set(s, i, SCHED_PENDING);
    if (s->pos[i] < s->cursor) s->cursor = s->pos[i];
    return 0;
}

sched_state sched_state_of(const sched *s, size_t i) {
    return i < s->n ? (sched_state)s->state[i] : SCHED_PENDING;
}

int sched_worker_of(const sched *s, size_t i) { return i < s->n ? s->worker[i] : -1; }

size_t sched_total(const sched *s) { return s->n; }
size_t sched_pending(const sched *s) { return s->count[SCHED_PENDING]; }
size_t sched_running(const sched *s) { return s->count[SCHED_RUNNING]; }
size_t sched_done(const sched *s) { return s->count[SCHED_DONE]; }
size_t sched_failed(const sched *s) { return s->count[SCHED_FAILED]; }

int sched_finished(const sched *s) {
    return s->count[SCHED_PENDING] == 0 && s->count[SCHED_RUNNING] == 0;
}

double sched_remaining_cost(const sched *s) {
    double c = 0.0;
    for (size_t i = 0; i < s->n; i++)
        if (s->state[i] == SCHED_PENDING || s->state[i] == SCHED_RUNNING) c += s->cost[i];
    return c;
}

double sched_recorded_cost(const sched *s) { return s->recorded_cost; }

double sched_eta(const sched *s, double elapsed_s) {
    if (!(s->recorded_cost > 0.0)) return -1.0;
    return elapsed_s * sched_remaining_cost(s) / s->recorded_cost;
}
