/* tpe: Optuna-style univariate TPE (see tpe.h).
 *
 * The history is an array of trials kept sorted by trial number (new numbers are usually the
 * largest, so inserting is an append). A suggestion splits it into below/above, then for
 * each parameter builds two Parzen estimators (struct tpe_pe: weights, means, bandwidths,
 * or a choice matrix), draws candidates from the below one and keeps the best ratio. All
 * random draws come from one rng seeded from (seed, trial number), in a fixed order:
 * parameters in order, for each its candidates in order, for each a component then a value. */
#include "sweep/tpe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/hs_error.h"
#include "model/rng.h"

#define TPE_EPS 1e-12

/* One trial of the history. */
typedef struct tpe_trial {
    size_t number;            /* trial number */
    unsigned char state;      /* tpe_state */
    double value;             /* final (complete) or last reported (pruned) value */
    size_t step;              /* pruned: epoch of that value */
    double *x;                /* (n_params) parameter values, owned */
} tpe_trial;

struct tpe {
    size_t n_params;          /* parameters */
    tpe_param *params;        /* (n_params) their distributions */
    tpe_options opt;          /* options */
    uint64_t seed;            /* sampler seed */
    tpe_trial *tr;            /* (cap) history sorted by number */
    size_t n, cap;            /* trials / capacity */
};

/* A Parzen estimator over one parameter: k kernels (observations, then the prior). */
typedef struct tpe_pe {
    size_t k;                 /* kernels, >= 1 */
    double *w;                /* (k) normalised mixture weights */
    double *mu, *sigma;       /* (k) numeric: means and bandwidths (transformed space) */
    double lo, hi;            /* numeric: truncation range (int: low - 0.5, high + 0.5) */
    int discrete;             /* 1 for TPE_INT: probability mass of [x - 0.5, x + 0.5] */
    size_t nc;                /* TPE_CHOICE: choices */
    double *cw;               /* (k, nc) TPE_CHOICE: per-kernel choice probabilities */
} tpe_pe;

void tpe_options_default(tpe_options *o) {
    o->n_startup = 10;
    o->n_ei_candidates = 24;
    o->prior_weight = 1.0;
    o->gamma_frac = 0.1;
    o->gamma_max = 25;
    o->constant_liar = 1;
}

/* ---- create / free / history ------------------------------------------------------------------ */

tpe *tpe_create(const tpe_param *params, size_t n_params, const tpe_options *o, uint64_t seed) {
    if (n_params == 0) return NULL;
    for (size_t i = 0; i < n_params; i++) {
        const tpe_param *p = &params[i];
        if (p->kind == TPE_CHOICE) {
            if (p->n_choices < 1) return NULL;
        } else if (!(isfinite(p->low) && isfinite(p->high) && p->low < p->high) ||
                   (p->kind == TPE_LOG_UNIFORM && !(p->low > 0.0)) ||
                   (p->kind == TPE_INT && (p->low != floor(p->low) || p->high != floor(p->high))) ||
                   p->kind > TPE_CHOICE) {
            return NULL;
        }
    }
    tpe *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->params = malloc(n_params * sizeof *t->params);
    if (!t->params) {
        free(t);
        return NULL;
    }
    memcpy(t->params, params, n_params * sizeof *params);
    t->n_params = n_params;
    if (o) t->opt = *o;
    else tpe_options_default(&t->opt);
    t->seed = seed;
    return t;
}

void tpe_free(tpe *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->tr[i].x);
    free(t->tr);
    free(t->params);
    free(t);
}

/* Position of number in the history (or where it would go); *found set. */
static size_t tpe_find(const tpe *t, size_t number, int *found) {
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->tr[mid].number < number) lo = mid + 1;
        else hi = mid;
    }
    *found = lo < t->n && t->tr[lo].number == number;
    return lo;
}

int tpe_add(tpe *t, size_t number, const double *x) {
    int found;
    size_t p = tpe_find(t, number, &found);
    if (found) return HS_ERR_VALUE;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        tpe_trial *tr = realloc(t->tr, cap * sizeof *tr);
        if (!tr) return HS_ERR_NOMEM;
        t->tr = tr;
        t->cap = cap;
    }
    double *copy = malloc(t->n_params * sizeof *copy);
    if (!copy) return HS_ERR_NOMEM;
    memcpy(copy, x, t->n_params * sizeof *copy);
    memmove(t->tr + p + 1, t->tr + p, (t->n - p) * sizeof *t->tr);
    t->tr[p] = (tpe_trial){number, TPE_RUNNING, NAN, 0, copy};
    t->n++;
    return 0;
}

int tpe_tell(tpe *t, size_t number, tpe_state st, double value, size_t step) {
    int found;
    size_t p = tpe_find(t, number, &found);
    if (!found || st > TPE_FAILED) return HS_ERR_VALUE;
    if ((st == TPE_COMPLETE || st == TPE_PRUNED) && !isfinite(value)) st = TPE_FAILED;
    t->tr[p].state = (unsigned char)st;
    t->tr[p].value = value;
    t->tr[p].step = step;
    return 0;
}

size_t tpe_count(const tpe *t, tpe_state st) {
    size_t c = 0;
    for (size_t i = 0; i < t->n; i++) c += t->tr[i].state == st;
    return c;
}

/* ---- normal distribution helpers --------------------------------------------------------------- */

/* P(a < Z < b) for a standard normal Z, accurate in both tails. */
static double tpe_mass(double a, double b) {
    const double r = 0.70710678118654752440;
    double m;
    if (a >= 0.0) m = 0.5 * (erfc(a * r) - erfc(b * r));
    else if (b <= 0.0) m = 0.5 * (erfc(-b * r) - erfc(-a * r));
    else m = 1.0 - 0.5 * erfc(b * r) - 0.5 * erfc(-a * r);
    return m > 0.0 ? m : 0.0;
}

/* Draw from N(mu, sigma^2) truncated to [lo, hi] by rejection (mu lies in [lo, hi] and
 * sigma >= (hi - lo) / 100 here, so acceptance is at least about 1/3). */
static double tpe_truncnorm(rng *r, double mu, double sigma, double lo, double hi) {
    for (int i = 0; i < 200; i++) {
        double x = mu + sigma * rng_normal(r);
        if (x >= lo && x <= hi) return x;
    }
    return mu < lo ? lo : mu > hi ? hi : mu;
}

/* ---- Parzen estimators ------------------------------------------------------------------------ */

/* Optuna's default_weights(m): 1 for m < 25, else linspace(1/m, 1, m - 25) then 25 ones. */
static double tpe_default_weight(size_t i, size_t m) {
    if (m < 25 || i >= m - 25) return 1.0;
    size_t num = m - 25;
    double lo = 1.0 / (double)m;
    if (num == 1) return lo;
    return lo + (1.0 - lo) * (double)i / (double)(num - 1);
}

static void tpe_pe_free(tpe_pe *pe) {
    free(pe->w);
    free(pe->mu);
    free(pe->sigma);
    free(pe->cw);
    memset(pe, 0, sizeof *pe);
}

/* Sort helper: (value, index) pairs. */
typedef struct tpe_vi {
    double v;                 /* value */
    size_t i;                 /* original position */
} tpe_vi;

static int tpe_cmp_vi(const void *a, const void *b) {
    const tpe_vi *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Transformed value of parameter p (log for log_uniform). */
static double tpe_fwd(const tpe_param *p, double x) { return p->kind == TPE_LOG_UNIFORM ? log(x) : x; }

/* Build the estimator of parameter p from m observations obs (transformed, in trial-number
 * order) with raw weights wr. 0 or HS_ERR_NOMEM. */
static int tpe_pe_build(tpe_pe *pe, const tpe_param *p, const double *obs, const double *wr,
                        size_t m, double prior_weight) {
    memset(pe, 0, sizeof *pe);
    size_t k = m + 1;
    pe->k = k;
    pe->w = malloc(k * sizeof *pe->w);
    if (!pe->w) return HS_ERR_NOMEM;
    /* mixture weights: observations, then the prior; normalised */
    double sum = 0.0;
    for (size_t i = 0; i < m; i++) sum += pe->w[i] = wr[i];
    pe->w[m] = m ? prior_weight : 1.0;
    sum += pe->w[m];
    for (size_t i = 0; i < k; i++) pe->w[i] /= sum;
    if (p->kind == TPE_CHOICE) {
        size_t nc = p->n_choices;
        pe->nc = nc;
        pe->cw = malloc(k * nc * sizeof *pe->cw);
        if (!pe->cw) return HS_ERR_NOMEM;
        for (size_t i = 0; i < k; i++) {
            double base = prior_weight / (double)k, rs = base * (double)nc;
            for (size_t c = 0; c < nc; c++) pe->cw[i * nc + c] = base;
            if (i < m) {
                size_t c = (size_t)obs[i];
                if (c < nc) {
                    pe->cw[i * nc + c] += 1.0;
                    rs += 1.0;
                }
            }
            for (size_t c = 0; c < nc; c++) pe->cw[i * nc + c] /= rs;
        }
        return 0;
    }
    double low = tpe_fwd(p, p->low), high = tpe_fwd(p, p->high);
    double step = p->kind == TPE_INT ? 1.0 : 0.0;
    pe->discrete = p->kind == TPE_INT;
    pe->lo = low - step / 2;
    pe->hi = high + step / 2;
    pe->mu = malloc(k * sizeof *pe->mu);
    pe->sigma = malloc(k * sizeof *pe->sigma);
    tpe_vi *s = malloc((k + 2) * sizeof *s);
    if (!pe->mu || !pe->sigma || !s) {
        free(s);
        return HS_ERR_NOMEM;
    }
    double prior_mu = 0.5 * (low + high), range = high - low + step;
    /* bandwidths: sort the points with the prior mean, the range ends as outer neighbours */
    for (size_t i = 0; i < m; i++) s[i + 1] = (tpe_vi){obs[i], i};
    s[m + 1] = (tpe_vi){prior_mu, m};
    qsort(s + 1, k, sizeof *s, tpe_cmp_vi);
    s[0].v = low - step / 2;
    s[k + 1].v = high + step / 2;
    for (size_t j = 1; j <= k; j++) {
        double left = s[j].v - s[j - 1].v, right = s[j + 1].v - s[j].v;
        double sg = left > right ? left : right;
        /* consider_endpoints=False: the outermost points use their inner gap only */
        if (k >= 2 && j == 1) sg = s[2].v - s[1].v;
        if (k >= 2 && j == k) sg = s[k].v - s[k - 1].v;
        pe->sigma[s[j].i] = sg;
    }
    free(s);
    /* magic clip: [range / min(100, 1 + m + 1), range] */
    double maxs = range, mins = range / fmin(100.0, 1.0 + (double)m + 1.0);
    for (size_t i = 0; i < m; i++) {
        pe->mu[i] = obs[i];
        pe->sigma[i] = fmin(fmax(pe->sigma[i], mins), maxs);
    }
    pe->mu[m] = prior_mu;
    pe->sigma[m] = range;
    return 0;
}

/* log density (numeric: per unit of the transformed space; int: probability) of x. */
static double tpe_pe_logpdf(const tpe_pe *pe, double x) {
    if (pe->cw) {
        size_t c = (size_t)x;
        double p = 0.0;
        for (size_t i = 0; i < pe->k; i++) p += pe->w[i] * pe->cw[i * pe->nc + c];
        return log(p > TPE_EPS ? p : TPE_EPS);
    }
    /* log-sum-exp over kernels of log w + log(kernel density or mass) - log Z */
    double best = -HUGE_VAL;
    double *terms = NULL, stackbuf[64];
    terms = pe->k <= 64 ? stackbuf : malloc(pe->k * sizeof *terms);
    if (!terms) return -HUGE_VAL;
    for (size_t i = 0; i < pe->k; i++) {
        double mu = pe->mu[i], sg = pe->sigma[i];
        double z = tpe_mass((pe->lo - mu) / sg, (pe->hi - mu) / sg);
        double lp;
        if (pe->discrete) {
            double mass = tpe_mass((x - 0.5 - mu) / sg, (x + 0.5 - mu) / sg);
            lp = log(mass > TPE_EPS ? mass : TPE_EPS);
        } else {
            double u = (x - mu) / sg;
            lp = -0.5 * u * u - log(sg) - 0.91893853320467274178; /* log sqrt(2 pi) */
        }
        terms[i] = log(pe->w[i]) + lp - log(z > TPE_EPS ? z : TPE_EPS);
        if (terms[i] > best) best = terms[i];
    }
    double s = 0.0;
    for (size_t i = 0; i < pe->k; i++) s += exp(terms[i] - best);
    if (terms != stackbuf) free(terms);
    return best + log(s);
}

/* One draw from the mixture (transformed space; int rounded; choice an index). */
static double tpe_pe_sample(const tpe_pe *pe, const tpe_param *p, rng *r) {
    double u = rng_uniform(r), acc = 0.0;
    size_t i = 0;
    for (; i + 1 < pe->k; i++) {
        acc += pe->w[i];
        if (u < acc) break;
    }
    if (pe->cw) {
        double v = rng_uniform(r), a = 0.0;
        size_t c = 0;
        for (; c + 1 < pe->nc; c++) {
            a += pe->cw[i * pe->nc + c];
            if (v < a) break;
        }
        return (double)c;
    }
    double x = tpe_truncnorm(r, pe->mu[i], pe->sigma[i], pe->lo, pe->hi);
    if (pe->discrete) {
        x = floor(x + 0.5);
        if (x < p->low) x = p->low;
        if (x > p->high) x = p->high;
    }
    return x;
}

/* ---- suggesting --------------------------------------------------------------------------------- */

/* Random-search draw of parameter p (the startup phase). */
static double tpe_random(const tpe_param *p, rng *r) {
    switch (p->kind) {
    case TPE_UNIFORM: return p->low + (p->high - p->low) * rng_uniform(r);
    case TPE_LOG_UNIFORM: return exp(log(p->low) + (log(p->high) - log(p->low)) * rng_uniform(r));
    case TPE_INT: return p->low + (double)rng_below(r, (uint64_t)(p->high - p->low) + 1);
    case TPE_CHOICE: return (double)rng_below(r, p->n_choices);
    }
    return p->low;
}

/* Keep a transformed draw inside the user's range: [low, high) for reals. */
static double tpe_back(const tpe_param *p, double x) {
    if (p->kind == TPE_LOG_UNIFORM) x = exp(x);
    if (p->kind == TPE_UNIFORM || p->kind == TPE_LOG_UNIFORM) {
        if (x < p->low) x = p->low;
        if (x >= p->high) x = nextafter(p->high, p->low);
    }
    return x;
}

/* Order for the below/above split: complete by value; pruned by (furthest step, value). */
typedef struct tpe_rank {
    int group;                /* 0 complete, 1 pruned: complete trials rank first */
    double k1, k2;            /* complete: (value, 0); pruned: (-step, value) */
    size_t number;            /* tie-break */
    size_t pos;               /* index into the history */
} tpe_rank;

static int tpe_cmp_rank(const void *x, const void *y) {
    const tpe_rank *p = x, *q = y;
    if (p->group != q->group) return p->group < q->group ? -1 : 1;
    if (p->k1 != q->k1) return p->k1 < q->k1 ? -1 : 1;
    if (p->k2 != q->k2) return p->k2 < q->k2 ? -1 : 1;
    return p->number < q->number ? -1 : p->number > q->number;
}

int tpe_suggest(tpe *t, size_t number, double *x) {
    int found;
    tpe_find(t, number, &found);
    if (found) return HS_ERR_VALUE;
    rng r;
    rng_seed(&r, rng_mix64(t->seed ^ rng_mix64((uint64_t)number + 0x5851f42d4c957f2dULL)));
    size_t n_complete = tpe_count(t, TPE_COMPLETE), n_pruned = tpe_count(t, TPE_PRUNED);
    size_t n_obs = n_complete + n_pruned;
    if (n_obs < t->opt.n_startup) {
        for (size_t j = 0; j < t->n_params; j++) x[j] = tpe_random(&t->params[j], &r);
        return tpe_add(t, number, x);
    }
    /* split: gamma(n) best go below */
    size_t n_below = (size_t)ceil(t->opt.gamma_frac * (double)n_obs);
    if (n_below > t->opt.gamma_max) n_below = t->opt.gamma_max;
    int rc = HS_ERR_NOMEM;
    tpe_rank *rk = malloc(t->n * sizeof *rk);
    unsigned char *below = calloc(t->n, 1);  /* 1 below, 2 above, 0 ignored */
    double *ob = malloc(t->n * sizeof *ob), *oa = malloc(t->n * sizeof *oa);
    double *wb = malloc(t->n * sizeof *wb), *wa = malloc(t->n * sizeof *wa);
    tpe_pe lb, ga;
    memset(&lb, 0, sizeof lb);
    memset(&ga, 0, sizeof ga);
    if (!rk || !below || !ob || !oa || !wb || !wa) goto done;
    size_t nr = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tpe_trial *e = &t->tr[i];
        if (e->state == TPE_COMPLETE) rk[nr++] = (tpe_rank){0, e->value, 0.0, e->number, i};
        else if (e->state == TPE_PRUNED)
            rk[nr++] = (tpe_rank){1, -(double)e->step, e->value, e->number, i};
        else if (e->state == TPE_RUNNING && t->opt.constant_liar) below[i] = 2;
    }
    qsort(rk, nr, sizeof *rk, tpe_cmp_rank);
    for (size_t i = 0; i < nr; i++) below[rk[i].pos] = i < n_below ? 1 : 2;
    size_t mb = 0, ma = 0;
    for (size_t j = 0; j < t->n_params; j++) {
        const tpe_param *p = &t->params[j];
        mb = ma = 0;
        for (size_t i = 0; i < t->n; i++) {
            double v = p->kind == TPE_CHOICE ? t->tr[i].x[j] : tpe_fwd(p, t->tr[i].x[j]);
            if (below[i] == 1) ob[mb++] = v;
            else if (below[i] == 2) oa[ma++] = v;
        }
        for (size_t i = 0; i < mb; i++) wb[i] = tpe_default_weight(i, mb);
        for (size_t i = 0; i < ma; i++) wa[i] = tpe_default_weight(i, ma);
        if (tpe_pe_build(&lb, p, ob, wb, mb, t->opt.prior_weight) != 0 ||
            tpe_pe_build(&ga, p, oa, wa, ma, t->opt.prior_weight) != 0)
            goto done;
        double best = 0.0, best_score = -HUGE_VAL;
        for (size_t c = 0; c < t->opt.n_ei_candidates; c++) {
            double v = tpe_pe_sample(&lb, p, &r);
            double score = tpe_pe_logpdf(&lb, v) - tpe_pe_logpdf(&ga, v);
            if (c == 0 || score > best_score) {
                best = v;
                best_score = score;
            }
        }
        x[j] = p->kind == TPE_CHOICE || p->kind == TPE_INT ? best : tpe_back(p, best);
        tpe_pe_free(&lb);
        tpe_pe_free(&ga);
    }
    rc = tpe_add(t, number, x);
done:
    tpe_pe_free(&lb);
    tpe_pe_free(&ga);
    free(rk);
    free(below);
    free(ob);
    free(oa);
    free(wb);
    free(wa);
    return rc;
}
