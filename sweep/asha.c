/* asha: ASHA, asynchronous Hyperband and the median stopping rule (see asha.h).
 *
 * Rung records are arrays of (value, trial) kept sorted ascending (NaN as +infinity, ties
 * by trial number), so a trial's rank at arrival is its insertion position and the top
 * floor(n/eta) of a rung are its first entries. The median rule keeps one such array per
 * epoch. Inserting is a binary search plus a memmove: O(n) bytes moved, which at 10,000
 * trials is a few microseconds. Trials live in a growing array indexed by trial number.
 * With idle_promotion, trials promoted while idle record their later rungs in a second set
 * of lists of the same shape, which no normal decision reads. */
#include "sweep/asha.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hs_error.h"

/* One recorded value. */
typedef struct asha_entry {
    double v;                 /* the value, NaN mapped to +infinity */
    size_t t;                 /* trial number */
} asha_entry;

/* A sorted list of entries (a rung, or an epoch for the median rule). */
typedef struct asha_list {
    asha_entry *e;            /* (cap) entries, the first n sorted ascending by (v, t) */
    size_t n, cap;            /* entries held / capacity */
} asha_list;

/* What the policy keeps per trial. */
typedef struct asha_trial {
    unsigned char state;      /* asha_state */
    size_t bracket;           /* bracket index */
    size_t rung;              /* local index of the last rung it was recorded at, or
                                 ASHA_NONE */
    size_t target;            /* until_epoch of its current (or next, if READY) job */
    size_t epochs;            /* epochs reported so far */
    unsigned char idle;       /* 1: promoted while idle once, so it has left the normal path
                                 for good: its later rungs are recorded in the idle lists and
                                 only idle ranks continue it */
} asha_trial;

struct asha {
    asha_config cfg;          /* the configuration (min_samples resolved) */
    size_t K;                 /* rungs below max_epochs for bracket 0 */
    size_t *rung_epoch;       /* (K) min_epochs * eta^k, ascending, all < max_epochs */
    size_t n_brackets;        /* brackets in use (1 for ASHA and median) */
    asha_list *rungs;         /* (n_brackets * (K+1)) rung b, local k at b*(K+1)+k; the
                                 local top K-b is max_epochs */
    asha_list *idle_rungs;    /* (n_brackets * (K+1)) the same for trials promoted while
                                 idle: kept apart, so they never change a normal decision
                                 (NULL unless idle_promotion) */
    double *weight;           /* (n_brackets) Hyperband share of bracket b */
    double *cw;               /* (n_brackets) smooth weighted round-robin counters */
    asha_list *per_epoch;     /* median: (max_epochs) values reported at epoch k+1 */
    asha_trial *tr;           /* (cap_tr) trials, index = trial number */
    size_t n_tr, cap_tr;      /* trials started / capacity */
    asha_stats st;            /* counters */
    size_t idle_running;      /* running trials that were promoted while idle */
};

/* ---- names --------------------------------------------------------------------------------- */

const char *asha_type_name(asha_type t) {
    switch (t) {
    case ASHA_TYPE_ASHA: return "asha";
    case ASHA_TYPE_HYPERBAND: return "hyperband";
    case ASHA_TYPE_MEDIAN: return "median";
    }
    return "?";
}

const char *asha_decision_name(asha_decision d) {
    switch (d) {
    case ASHA_GO_ON: return "go_on";
    case ASHA_PAUSE: return "pause";
    case ASHA_STOP: return "stop";
    case ASHA_FINISHED: return "finished";
    }
    return "?";
}

const char *asha_action_name(asha_action a) {
    switch (a) {
    case ASHA_NEW: return "new";
    case ASHA_CONTINUE: return "continue";
    case ASHA_WAIT: return "wait";
    case ASHA_DONE: return "done";
    }
    return "?";
}

int asha_parse_type(const char *s, asha_type *out) {
    static const asha_type all[] = {ASHA_TYPE_ASHA, ASHA_TYPE_HYPERBAND, ASHA_TYPE_MEDIAN};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, asha_type_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

/* ---- sorted lists ----------------------------------------------------------------------------- */

static double asha_key(double v) { return isnan(v) ? HUGE_VAL : v; }

/* (v, t) before (w, u)? */
static int asha_before(double v, size_t t, double w, size_t u) {
    return v < w || (v == w && t < u);
}

/* Position where (v, t) goes in l (number of entries before it). */
static size_t asha_rank(const asha_list *l, double v, size_t t) {
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (asha_before(l->e[mid].v, l->e[mid].t, v, t)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Insert (v, t) into l; *pos gets its position. 0 or HS_ERR_NOMEM. */
static int asha_insert(asha_list *l, double v, size_t t, size_t *pos) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        asha_entry *e = realloc(l->e, cap * sizeof *e);
        if (!e) return HS_ERR_NOMEM;
        l->e = e;
        l->cap = cap;
    }
    size_t p = asha_rank(l, v, t);
    memmove(l->e + p + 1, l->e + p, (l->n - p) * sizeof *l->e);
    l->e[p] = (asha_entry){v, t};
    l->n++;
    if (pos) *pos = p;
    return 0;
}

/* Median of the values in l (n >= 1). */
static double asha_median(const asha_list *l) {
    size_t n = l->n;
    if (n % 2) return l->e[n / 2].v;
    return 0.5 * (l->e[n / 2 - 1].v + l->e[n / 2].v);
}

/* ---- create / free ------------------------------------------------------------------------- */

int asha_config_check(const asha_config *c, char *why, size_t n) {
    char buf[160];
    buf[0] = '\0';
    if (c->type != ASHA_TYPE_ASHA && c->type != ASHA_TYPE_HYPERBAND && c->type != ASHA_TYPE_MEDIAN)
        snprintf(buf, sizeof buf, "unknown scheduler type %d", (int)c->type);
    else if (c->min_epochs < 1)
        snprintf(buf, sizeof buf, "min_epochs must be >= 1, got %zu", c->min_epochs);
    else if (c->min_epochs > c->max_epochs)
        snprintf(buf, sizeof buf, "min_epochs (%zu) must not exceed max_epochs (%zu)",
                 c->min_epochs, c->max_epochs);
    else if (c->type != ASHA_TYPE_MEDIAN && c->reduction < 2)
        snprintf(buf, sizeof buf, "reduction must be >= 2, got %zu", c->reduction);
    else if (c->n_configs < 1)
        snprintf(buf, sizeof buf, "the number of configurations must be >= 1");
    if (why && n) snprintf(why, n, "%s", buf);
    return buf[0] ? -1 : 0;
}

void asha_free(asha *a) {
    if (!a) return;
    size_t nr = a->n_brackets * (a->K + 1);
    if (a->rungs)
        for (size_t i = 0; i < nr; i++) free(a->rungs[i].e);
    if (a->idle_rungs)
        for (size_t i = 0; i < nr; i++) free(a->idle_rungs[i].e);
    free(a->idle_rungs);
    if (a->per_epoch)
        for (size_t i = 0; i < a->cfg.max_epochs; i++) free(a->per_epoch[i].e);
    free(a->rungs);
    free(a->per_epoch);
    free(a->rung_epoch);
    free(a->weight);
    free(a->cw);
    free(a->tr);
    free(a);
}

asha *asha_create(const asha_config *cfg) {
    if (asha_config_check(cfg, NULL, 0) != 0) return NULL;
    asha *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->cfg = *cfg;
    if (a->cfg.min_samples == 0) a->cfg.min_samples = 3;
    size_t eta = cfg->reduction;
    /* rungs below max: min * eta^k < max (none for the median rule) */
    if (cfg->type != ASHA_TYPE_MEDIAN)
        for (size_t e = cfg->min_epochs; e < cfg->max_epochs; e *= eta) {
            a->K++;
            if (e > cfg->max_epochs / eta) break;
        }
    a->rung_epoch = malloc((a->K ? a->K : 1) * sizeof *a->rung_epoch);
    if (!a->rung_epoch) goto fail;
    for (size_t k = 0, e = cfg->min_epochs; k < a->K; k++, e *= eta) a->rung_epoch[k] = e;
    a->n_brackets = 1;
    if (cfg->type == ASHA_TYPE_HYPERBAND) {
        a->n_brackets = a->K + 1;
        if (cfg->brackets && cfg->brackets < a->n_brackets) a->n_brackets = cfg->brackets;
    }
    a->rungs = calloc(a->n_brackets * (a->K + 1), sizeof *a->rungs);
    a->weight = calloc(a->n_brackets, sizeof *a->weight);
    a->cw = calloc(a->n_brackets, sizeof *a->cw);
    if (!a->rungs || !a->weight || !a->cw) goto fail;
    if (cfg->idle_promotion && cfg->type != ASHA_TYPE_MEDIAN) {
        a->idle_rungs = calloc(a->n_brackets * (a->K + 1), sizeof *a->idle_rungs);
        if (!a->idle_rungs) goto fail;
    }
    /* Hyperband bracket sizes: bracket b does s = K - b halvings; n_s = ceil((K+1)/(s+1) eta^s) */
    for (size_t b = 0; b < a->n_brackets; b++) {
        double s = (double)(a->K - b);
        a->weight[b] = ceil((double)(a->K + 1) / (s + 1.0) * pow((double)eta, s));
    }
    if (cfg->type == ASHA_TYPE_MEDIAN) {
        a->per_epoch = calloc(cfg->max_epochs, sizeof *a->per_epoch);
        if (!a->per_epoch) goto fail;
    }
    return a;
fail:
    asha_free(a);
    return NULL;
}

size_t asha_brackets(const asha *a) { return a->n_brackets; }

/* Rungs of bracket b: K - b below max, plus max. Epoch of local rung k. */
static size_t asha_n_rungs(const asha *a, size_t b) { return a->K - b + 1; }

static size_t asha_rung_epoch(const asha *a, size_t b, size_t k) {
    return k + 1 < asha_n_rungs(a, b) ? a->rung_epoch[b + k] : a->cfg.max_epochs;
}

static asha_list *asha_rung(asha *a, size_t b, size_t k) { return &a->rungs[b * (a->K + 1) + k]; }

size_t asha_rungs(const asha *a, size_t b, size_t *out, size_t cap) {
    if (b >= a->n_brackets) return 0;
    size_t n = asha_n_rungs(a, b);
    for (size_t k = 0; k < n && k < cap; k++) out[k] = asha_rung_epoch(a, b, k);
    return n;
}

/* ---- handing out work ----------------------------------------------------------------------- */

/* Hyperband: the bracket of the next new trial (smooth weighted round robin). */
static size_t asha_pick_bracket(asha *a) {
    double total = 0.0;
    size_t best = 0;
    for (size_t b = 0; b < a->n_brackets; b++) {
        a->cw[b] += a->weight[b];
        total += a->weight[b];
        if (a->cw[b] > a->cw[best]) best = b;
    }
    a->cw[best] -= total;
    return best;
}

/* The first entry among the first m of list l (rung k) that is a paused trial whose last
 * rung is k (of the normal path only, if normal_only): that list's best such trial.
 * ASHA_NONE if none. */
static size_t asha_first_paused(const asha *a, const asha_list *l, size_t m, size_t k,
                                int normal_only) {
    for (size_t i = 0; i < m; i++) {
        const asha_trial *t = &a->tr[l->e[i].t];
        if (t->state == ASHA_PAUSED && t->rung == k && !(normal_only && t->idle)) return i;
    }
    return ASHA_NONE;
}

/* The best paused trial (highest rung epoch, then value, then trial number; see asha.h).
 * max_gap == 0: among the top floor(n_k / reduction) of each rung k of the normal path (the
 * promotable ones; trials promoted while idle count as promoted). max_gap > 0 (promotion
 * while idle): among all paused trials whose next rung is at most max_gap epochs above
 * their rung, normal or idle (an idle trial's value at rung k is in the normal list if it
 * was promoted while idle from k and has not reached k+1 yet, else in the idle list).
 * ASHA_NONE if there is none. */
static size_t asha_find_paused(const asha *a, size_t max_gap) {
    size_t best = ASHA_NONE, best_epoch = 0;
    double best_v = 0.0;
    for (size_t b = 0; b < a->n_brackets; b++) {
        size_t nr = asha_n_rungs(a, b);
        for (size_t k = nr - 1; k-- > 0;) {
            size_t ep = asha_rung_epoch(a, b, k);
            if (ep < best_epoch) break; /* lower rungs of this bracket cannot win */
            if (max_gap && asha_rung_epoch(a, b, k + 1) - ep > max_gap) continue;
            for (int idle = 0; idle <= (max_gap ? 1 : 0); idle++) {
                size_t r = b * (a->K + 1) + k;
                const asha_list *l = idle ? &a->idle_rungs[r] : &a->rungs[r];
                size_t m = max_gap ? l->n : l->n / a->cfg.reduction;
                size_t i = asha_first_paused(a, l, m, k, !max_gap);
                if (i == ASHA_NONE) continue;
                if (best == ASHA_NONE || ep > best_epoch ||
                    (ep == best_epoch && asha_before(l->e[i].v, l->e[i].t, best_v, best))) {
                    best = l->e[i].t;
                    best_epoch = ep;
                    best_v = l->e[i].v;
                }
            }
        }
    }
    return best;
}

static void asha_set_state(asha *a, asha_trial *t, asha_state s) {
    size_t *count[4] = {&a->st.running, &a->st.paused, &a->st.ready, NULL};
    if (count[t->state]) (*count[t->state])--;
    if (t->idle && t->state == ASHA_RUNNING) a->idle_running--;
    t->state = (unsigned char)s;
    if (count[s]) (*count[s])++;
    if (t->idle && s == ASHA_RUNNING) a->idle_running++;
}

/* Promotion while idle: the most epochs a running trial of the normal path (not itself a
 * promotion while idle) still has to the rung of its job; 0 if none runs. */
static size_t asha_idle_horizon(const asha *a) {
    size_t h = 0;
    if (a->st.running == a->idle_running) return 0;
    for (size_t i = 0; i < a->n_tr; i++) {
        const asha_trial *t = &a->tr[i];
        if (t->state == ASHA_RUNNING && !t->idle && t->target - t->epochs > h)
            h = t->target - t->epochs;
    }
    return h;
}

/* Paused trial i goes on to its next rung: running, job filled. */
static void asha_continue_paused(asha *a, size_t i, asha_job *job) {
    asha_trial *t = &a->tr[i];
    t->target = asha_rung_epoch(a, t->bracket, t->rung + 1);
    asha_set_state(a, t, ASHA_RUNNING);
    *job = (asha_job){ASHA_CONTINUE, i, t->bracket, t->epochs, t->target};
}

int asha_next(asha *a, asha_job *job) {
    *job = (asha_job){ASHA_WAIT, ASHA_NONE, 0, 0, 0};
    /* 1. a released trial, lowest number first */
    if (a->st.ready > 0)
        for (size_t i = 0; i < a->n_tr; i++)
            if (a->tr[i].state == ASHA_READY) {
                asha_trial *t = &a->tr[i];
                asha_set_state(a, t, ASHA_RUNNING);
                *job = (asha_job){ASHA_CONTINUE, i, t->bracket, t->epochs, t->target};
                return 0;
            }
    /* 2. a paused trial that has become promotable */
    if (a->st.paused > 0) {
        size_t i = asha_find_paused(a, 0);
        if (i != ASHA_NONE) {
            asha_continue_paused(a, i, job);
            a->st.promotions++;
            return 0;
        }
    }
    /* 3. a new configuration at the lowest rung of its bracket */
    if (a->st.started < a->cfg.n_configs) {
        if (a->n_tr == a->cap_tr) {
            size_t cap = a->cap_tr ? 2 * a->cap_tr : 64;
            if (cap > a->cfg.n_configs) cap = a->cfg.n_configs;
            asha_trial *tr = realloc(a->tr, cap * sizeof *tr);
            if (!tr) return HS_ERR_NOMEM;
            a->tr = tr;
            a->cap_tr = cap;
        }
        size_t i = a->n_tr++;
        asha_trial *t = &a->tr[i];
        t->bracket = a->cfg.type == ASHA_TYPE_HYPERBAND ? asha_pick_bracket(a) : 0;
        t->rung = ASHA_NONE;
        t->epochs = 0;
        t->target = asha_rung_epoch(a, t->bracket, 0);
        t->state = ASHA_RUNNING;
        t->idle = 0;
        a->st.running++;
        a->st.started++;
        *job = (asha_job){ASHA_NEW, i, t->bracket, 0, t->target};
        return 0;
    }
    /* 4. running trials may still make a paused one promotable: wait (or, with
     * idle_promotion, continue the best paused trial outside the top 1/eta); else done */
    if (a->st.running == 0) {
        job->action = ASHA_DONE;
    } else if (a->cfg.idle_promotion && a->st.paused > 0 && a->cfg.type != ASHA_TYPE_MEDIAN) {
        size_t h = asha_idle_horizon(a);
        size_t i = h ? asha_find_paused(a, h) : ASHA_NONE;
        if (i != ASHA_NONE) {
            a->tr[i].idle = 1;
            asha_continue_paused(a, i, job);
            a->st.idle_promotions++;
        }
    }
    return 0;
}

/* ---- reports ------------------------------------------------------------------------------------ */

int asha_on_epoch(asha *a, size_t i, size_t epoch, double v, asha_decision *out) {
    if (i >= a->n_tr) return HS_ERR_VALUE;
    asha_trial *t = &a->tr[i];
    if (t->state != ASHA_RUNNING || epoch != t->epochs + 1 || epoch > t->target)
        return HS_ERR_VALUE;
    double key = asha_key(v);
    if (a->cfg.type == ASHA_TYPE_MEDIAN) {
        asha_list *l = &a->per_epoch[epoch - 1];
        asha_decision d = ASHA_GO_ON;
        if (epoch == a->cfg.max_epochs) d = ASHA_FINISHED;
        else if (epoch >= a->cfg.min_epochs && l->n >= a->cfg.min_samples &&
                 key > asha_median(l))
            d = ASHA_STOP;
        if (asha_insert(l, key, i, NULL) != 0) return HS_ERR_NOMEM;
        t->epochs = epoch;
        a->st.epochs++;
        if (d == ASHA_STOP) a->st.stopped++;
        if (d == ASHA_FINISHED) a->st.finished++;
        if (d != ASHA_GO_ON) asha_set_state(a, t, ASHA_ENDED);
        *out = d;
        return 0;
    }
    if (epoch < t->target) {
        t->epochs = epoch;
        a->st.epochs++;
        *out = ASHA_GO_ON;
        /* a promotion while idle yields its rank after any epoch once the normal path has
         * a job waiting, or has nothing running any more (then the search is ending) */
        if (t->idle && (a->st.running == a->idle_running || a->st.ready > 0 ||
                        asha_find_paused(a, 0) != ASHA_NONE)) {
            asha_set_state(a, t, ASHA_PAUSED);
            a->st.idle_yields++;
            *out = ASHA_PAUSE;
        }
        return 0;
    }
    /* a rung: record the value there (a trial promoted while idle: in the idle list) */
    size_t k = t->rung == ASHA_NONE ? 0 : t->rung + 1;
    asha_list *l = t->idle ? &a->idle_rungs[t->bracket * (a->K + 1) + k]
                           : asha_rung(a, t->bracket, k);
    size_t pos = 0;
    if (asha_insert(l, key, i, &pos) != 0) return HS_ERR_NOMEM;
    t->epochs = epoch;
    t->rung = k;
    a->st.epochs++;
    if (epoch == a->cfg.max_epochs) {
        asha_set_state(a, t, ASHA_ENDED);
        a->st.finished++;
        *out = ASHA_FINISHED;
    } else if (!t->idle && pos < l->n / a->cfg.reduction) {
        /* in the top 1/eta of the values recorded at this rung: promoted at arrival */
        t->target = asha_rung_epoch(a, t->bracket, k + 1);
        a->st.promotions++;
        *out = ASHA_GO_ON;
    } else {
        asha_set_state(a, t, ASHA_PAUSED);
        *out = ASHA_PAUSE;
    }
    return 0;
}

int asha_on_end(asha *a, size_t i) {
    if (i >= a->n_tr) return HS_ERR_VALUE;
    asha_trial *t = &a->tr[i];
    if (t->state == ASHA_ENDED) return 0;
    if (t->state != ASHA_RUNNING) return HS_ERR_VALUE;
    asha_set_state(a, t, ASHA_ENDED);
    a->st.ended++;
    return 0;
}

int asha_release(asha *a, size_t i) {
    if (i >= a->n_tr || a->tr[i].state != ASHA_RUNNING) return HS_ERR_VALUE;
    asha_set_state(a, &a->tr[i], ASHA_READY);
    return 0;
}

asha_state asha_state_of(const asha *a, size_t i) {
    return i < a->n_tr ? (asha_state)a->tr[i].state : ASHA_ENDED;
}

size_t asha_epochs_of(const asha *a, size_t i) { return i < a->n_tr ? a->tr[i].epochs : 0; }

int asha_idle_of(const asha *a, size_t i) { return i < a->n_tr && a->tr[i].idle; }

void asha_get_stats(const asha *a, asha_stats *st) { *st = a->st; }
