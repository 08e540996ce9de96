/* bench_sched: simulate the real scheduler (sweep/sched.c) on a large cluster, no MPI.
 *
 * P workers, N trials with heavy-tailed true durations; the scheduler sees only a noisy cost
 * estimate, cost = duration * lognormal(0, noise). Event-driven: a min-heap of worker finish
 * times; when a worker finishes it records the result and asks sched_next for the next trial,
 * exactly as rank 0 does over MPI. Prints the makespan against the lower bound
 * LB = max(total work / P, longest trial) for three orders: longest-first by the noisy cost
 * model (what hsweep does), random order, and longest-first with perfect information.
 * Also reports the scheduler's own CPU time per trial. A benchmark, not a test.
 *
 * usage: bench_sched [--ranks P] [--trials N] [--seeds K] [--noise S] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/rng.h"
#include "sweep/asha.h"
#include "sweep/sched.h"

typedef struct bench_event {
    double t;             /* finish time of the worker's current trial */
    int worker;           /* worker id */
    size_t trial;         /* trial it runs */
} bench_event;

typedef struct bench_heap {
    bench_event *a;       /* (cap) binary min-heap on (t, worker) */
    size_t n;             /* events in the heap */
} bench_heap;

static int bench_less(const bench_event *x, const bench_event *y) {
    return x->t < y->t || (x->t == y->t && x->worker < y->worker);
}

static void bench_push(bench_heap *h, bench_event e) {
    size_t i = h->n++;
    h->a[i] = e;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!bench_less(&h->a[i], &h->a[p])) break;
        bench_event tmp = h->a[i];
        h->a[i] = h->a[p];
        h->a[p] = tmp;
        i = p;
    }
}

static bench_event bench_pop(bench_heap *h) {
    bench_event top = h->a[0];
    h->a[0] = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && bench_less(&h->a[l], &h->a[m])) m = l;
        if (r < h->n && bench_less(&h->a[r], &h->a[m])) m = r;
        if (m == i) break;
        bench_event tmp = h->a[i];
        h->a[i] = h->a[m];
        h->a[m] = tmp;
        i = m;
    }
    return top;
}

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Run the scheduler with the given costs on P workers; true durations dur. Returns the
 * makespan; *sched_s gets the CPU seconds spent inside sched_create/next/record. */
static double bench_simulate(const double *dur, const double *cost, size_t n, int P, double *sched_s) {
    double t0 = bench_now();
    sched *s = sched_create(n, cost);
    double in_sched = bench_now() - t0;
    if (!s) { fprintf(stderr, "bench_sched: out of memory\n"); exit(1); }
    bench_heap h = {malloc((size_t)P * sizeof(bench_event)), 0};
    for (int w = 0; w < P; w++) {
        t0 = bench_now();
        size_t i = sched_next(s, w);
        in_sched += bench_now() - t0;
        if (i == SCHED_NONE) break;
        bench_push(&h, (bench_event){dur[i], w, i});
    }
    double makespan = 0.0;
    while (h.n > 0) {
        bench_event e = bench_pop(&h);
        makespan = e.t;
        t0 = bench_now();
        sched_record(s, e.trial, 1);
        size_t j = sched_next(s, e.worker);
        in_sched += bench_now() - t0;
        if (j != SCHED_NONE) bench_push(&h, (bench_event){e.t + dur[j], e.worker, j});
    }
    if (!sched_finished(s) || sched_done(s) != n) { fprintf(stderr, "bench_sched: trials lost\n"); exit(1); }
    sched_free(s);
    free(h.a);
    *sched_s = in_sched;
    return makespan;
}

typedef enum bench_dist { BENCH_LOGNORMAL, BENCH_PARETO } bench_dist;

static double bench_draw(rng *r, bench_dist d, double param) {
    if (d == BENCH_LOGNORMAL) return exp(param * rng_normal(r));
    /* Pareto(x_m = 1, alpha): inverse CDF */
    return pow(1.0 - rng_uniform(r), -1.0 / param);
}

/* ---- ASHA: the real policy (sweep/asha.c) on P workers ------------------------------------- */

/* Value trial t reports after epoch e: a learning curve level_t + amp_t / sqrt(e), with
 * per-trial level and amplitude (so curves cross) and a little per-epoch noise. */
static double bench_curve(uint64_t seed, size_t t, size_t e) {
    rng r;
    rng_seed(&r, rng_mix64(seed ^ (t * 0x9e3779b97f4a7c15u)));
    double level = 1.0 + rng_uniform(&r), amp = 2.0 * rng_uniform(&r);
    rng_seed(&r, rng_mix64(seed ^ (t * 0x9e3779b97f4a7c15u) ^ (e * 0xbf58476d1ce4e5b9u)));
    return level + amp / sqrt((double)e) + 0.01 * rng_normal(&r);
}

/* Seconds per epoch of trial t: lognormal(0, sigma), fixed per trial (configurations differ
 * in cost; every epoch of one trial costs the same). */
static double bench_epoch_s(uint64_t seed, size_t t, double sigma) {
    rng r;
    rng_seed(&r, rng_mix64(~seed ^ (t * 0x94d049bb133111ebu)));
    return exp(sigma * rng_normal(&r));
}

/* Simulate the policy cfg on P workers; epoch durations from bench_epoch_s.
 * Event-driven at epoch granularity: a heap of (end of the worker's current epoch).
 * Prints one line: makespan, total work / P, two lower bounds of the makespan from the
 * critical path (below), the busy fraction and the most any schedule could reach with the
 * same work and the same configurations at the top rung, the time a rank first found
 * nothing to do (before it every rank was busy: ASHA never waits for a rung; after it only
 * trials promoted late run), epochs against the full budget (N x max), promotions (normal
 * and while idle), policy CPU time per call. Returns the busy fraction.
 *
 * Critical path. A configuration that reaches max_epochs trains max_epochs epochs one after
 * the other (its rungs min, min eta, ..., max in sequence: a continuation starts only after
 * the previous rung's result), so with d_t its epoch time
 *     makespan >= chain   = max over trials t at the top of  max_epochs * d_t
 * whatever the order. Configurations are drawn in order (trial numbers), each trains at
 * least min_epochs before its rank is free, and when t starts at most P-1 earlier ones are
 * still on their first job, so t cannot start before
 *     S_t = (sum_{u<t} min d_u - (P-1) min max_{u<t} d_u) / P
 * and  makespan >= drawn+chain = max over t at the top of  S_t + max_epochs * d_t.
 * With LB = max(work / P, drawn+chain), no schedule that does this work and sends these
 * configurations to the top keeps ranks busier than work / (P LB): the "attainable" figure. */
static double bench_asha(const asha_config *cfg, int P, uint64_t seed, double sigma) {
    asha *a = asha_create(cfg);
    if (!a) { fprintf(stderr, "bench_sched: bad ASHA configuration\n"); exit(1); }
    bench_heap h = {malloc((size_t)P * sizeof(bench_event)), 0};
    asha_job *job = malloc((size_t)P * sizeof *job);
    size_t *ep = malloc((size_t)P * sizeof *ep);
    int *idle = malloc((size_t)P * sizeof *idle);
    size_t n_idle = 0, calls = 0;
    double work = 0.0, now = 0.0, in_policy = 0.0, first_idle = -1.0;
    for (int w = P - 1; w >= 0; w--) idle[n_idle++] = w;
    for (;;) {
        /* hand work to idle workers, lowest number first */
        while (n_idle > 0) {
            int w = idle[n_idle - 1];
            double t0 = bench_now();
            asha_next(a, &job[w]);
            in_policy += bench_now() - t0;
            calls++;
            if (job[w].action != ASHA_NEW && job[w].action != ASHA_CONTINUE) {
                if (first_idle < 0.0) first_idle = now;
                break;
            }
            n_idle--;
            ep[w] = job[w].from_epoch;
            double d = bench_epoch_s(seed, job[w].trial, sigma);
            work += d;
            bench_push(&h, (bench_event){now + d, w, job[w].trial});
        }
        if (h.n == 0) break;
        bench_event e = bench_pop(&h);
        now = e.t;
        int w = e.worker;
        asha_decision dec;
        double t0 = bench_now();
        ep[w]++;
        asha_on_epoch(a, e.trial, ep[w], bench_curve(seed, e.trial, ep[w]), &dec);
        in_policy += bench_now() - t0;
        calls++;
        if (dec == ASHA_GO_ON) {
            double d = bench_epoch_s(seed, e.trial, sigma);
            work += d;
            bench_push(&h, (bench_event){now + d, w, e.trial});
        } else {
            /* keep the idle stack sorted so the lowest free worker asks first */
            size_t k = n_idle++;
            while (k > 0 && idle[k - 1] < w) { idle[k] = idle[k - 1]; k--; }
            idle[k] = w;
        }
    }
    asha_stats st;
    asha_get_stats(a, &st);
    /* the critical path over the trials at the top (see above) */
    double chain = 0.0, drawn_chain = 0.0, first_sum = 0.0, d_max = 0.0;
    double mx = (double)cfg->max_epochs, mn = (double)cfg->min_epochs;
    for (size_t t = 0; t < st.started; t++) {
        double d = bench_epoch_s(seed, t, sigma);
        if (asha_epochs_of(a, t) == cfg->max_epochs) {
            double s = fmax(0.0, (first_sum - (double)(P - 1) * mn * d_max) / (double)P);
            chain = fmax(chain, mx * d);
            drawn_chain = fmax(drawn_chain, s + mx * d);
        }
        first_sum += mn * d;
        d_max = fmax(d_max, d);
    }
    double lb = fmax(work / P, drawn_chain);
    double busy = work / ((double)P * now);
    printf("%-10s %5d %6zu %3zu %3zu %2zu %-4s| %8.2f %7.2f %7.2f %7.2f | %6.2f%% %6.2f%% %8.2f | "
           "%7zu %6.1f%% %5zu %5zu | %6.3f\n",
           asha_type_name(cfg->type), P, cfg->n_configs, cfg->min_epochs, cfg->max_epochs,
           cfg->reduction, cfg->idle_promotion ? "yes" : "no", now, work / P, chain,
           drawn_chain, 100.0 * busy, 100.0 * work / ((double)P * lb), first_idle, st.epochs,
           100.0 * (double)st.epochs / ((double)cfg->n_configs * (double)cfg->max_epochs),
           st.promotions, st.idle_promotions, 1e6 * in_policy / (double)calls);
    asha_free(a);
    free(h.a);
    free(job);
    free(ep);
    free(idle);
    return busy;
}

int main(int argc, char **argv) {
    int P = 1024;
    size_t N = 10000;
    int seeds = 3;
    double noise = 0.3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ranks") == 0 && i + 1 < argc) P = atoi(argv[++i]);
        else if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc) N = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) seeds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--noise") == 0 && i + 1 < argc) noise = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_sched [--ranks P] [--trials N] [--seeds K] [--noise S]\n");
            return 2;
        }
    }
    if (P < 1 || N < 1 || seeds < 1 || !(noise >= 0.0)) { fprintf(stderr, "bench_sched: bad arguments\n"); return 2; }
    const struct { bench_dist d; double param; const char *name; } dists[] = {
        {BENCH_LOGNORMAL, 1.0, "lognormal(sigma=1)"},
        {BENCH_PARETO, 1.5, "pareto(alpha=1.5)"},
        {BENCH_PARETO, 2.0, "pareto(alpha=2)"},
    };
    printf("bench_sched: P=%d ranks, N=%zu trials, cost = duration * lognormal(0, %.2f)\n", P, N, noise);
    printf("%-20s %4s %10s %10s %10s | %9s %9s %9s | %8s\n", "durations", "seed", "total/P", "longest",
           "LB", "hsweep", "random", "perfect", "us/trial");
    double *dur = malloc(N * sizeof *dur), *cost = malloc(N * sizeof *cost);
    double worst = 0.0;
    for (size_t d = 0; d < sizeof dists / sizeof dists[0]; d++) {
        double sum_ratio[3] = {0, 0, 0};
        for (int seed = 1; seed <= seeds; seed++) {
            rng r;
            rng_seed(&r, (uint64_t)seed * 1000003u + d);
            double total = 0.0, longest = 0.0;
            for (size_t i = 0; i < N; i++) {
                dur[i] = bench_draw(&r, dists[d].d, dists[d].param);
                total += dur[i];
                if (dur[i] > longest) longest = dur[i];
            }
            double lb = fmax(total / P, longest);
            double ratio[3], sched_s = 0.0, tmp;
            /* hsweep: longest first by a noisy cost model */
            for (size_t i = 0; i < N; i++) cost[i] = dur[i] * exp(noise * rng_normal(&r));
            ratio[0] = bench_simulate(dur, cost, N, P, &sched_s) / lb;
            /* random order: costs carry no information */
            for (size_t i = 0; i < N; i++) cost[i] = rng_uniform(&r);
            ratio[1] = bench_simulate(dur, cost, N, P, &tmp) / lb;
            /* perfect-information LPT */
            ratio[2] = bench_simulate(dur, dur, N, P, &tmp) / lb;
            for (int k = 0; k < 3; k++) sum_ratio[k] += ratio[k];
            if (ratio[0] > worst) worst = ratio[0];
            printf("%-20s %4d %10.2f %10.2f %10.2f | %9.4f %9.4f %9.4f | %8.3f\n", dists[d].name, seed,
                   total / P, longest, lb, ratio[0], ratio[1], ratio[2], 1e6 * sched_s / (double)N);
        }
        printf("%-20s %4s %10s %10s %10s | %9.4f %9.4f %9.4f |\n", dists[d].name, "mean", "", "", "",
               sum_ratio[0] / seeds, sum_ratio[1] / seeds, sum_ratio[2] / seeds);
    }
    printf("worst hsweep makespan / lower bound: %.4f (goal <= 1.05)\n", worst);
    free(dur);
    free(cost);

    /* early stopping across trials: the ASHA policy keeps every rank busy */
    printf("\nadaptive schedulers (sweep/asha.c): P ranks, N configurations, epochs min..max, "
           "reduction eta,\nidle = promotion while idle; epoch time per trial lognormal(0, %.2f); "
           "times in epoch-times;\nbusy = work / (P x makespan); chain, drawn+chain = critical-path "
           "lower bounds of the makespan;\nattain = work / (P x max(work/P, drawn+chain)), the "
           "most any schedule with this work and these top-rung trials reaches\n", noise);
    printf("%-10s %5s %6s %3s %3s %2s %-4s| %8s %7s %7s %7s | %7s %7s %8s | %7s %7s %5s %5s | "
           "%6s\n", "scheduler", "P", "N", "min", "max", "et", "idle", "makespan", "work/P",
           "chain", "drawn+c", "busy", "attain", "1st idle", "epochs", "of full", "promo",
           "idlep", "us/cal");
    /* the arithmetic for unit epoch times: the last of N configurations starts no earlier than
     * (N - P) min / P; if it is one that climbs to the top it needs max more */
    double last = fmax(0.0, (double)(N > (size_t)P ? N - (size_t)P : 0) / P);
    printf("unit epoch times, ASHA 1/27/3: the last configuration starts at >= (N-P) min/P = %.2f; "
           "at the top it ends at >= %.2f\n", last, last + 27.0);
    double worst_busy[2] = {1.0, 1.0};
    for (int idle = 0; idle <= 1; idle++)
        for (int seed = 1; seed <= seeds; seed++) {
            asha_config c = {.type = ASHA_TYPE_ASHA, .min_epochs = 1, .max_epochs = 27,
                             .reduction = 3, .n_configs = N, .idle_promotion = idle};
            double b = bench_asha(&c, P, (uint64_t)seed, noise);
            if (b < worst_busy[idle]) worst_busy[idle] = b;
        }
    for (int idle = 0; idle <= 1; idle++) {
        asha_config hb = {.type = ASHA_TYPE_HYPERBAND, .min_epochs = 1, .max_epochs = 27,
                          .reduction = 3, .n_configs = N, .idle_promotion = idle};
        bench_asha(&hb, P, 1, noise);
    }
    asha_config md = {.type = ASHA_TYPE_MEDIAN, .min_epochs = 3, .max_epochs = 27,
                      .reduction = 3, .n_configs = N};
    bench_asha(&md, P, 1, noise);
    printf("worst ASHA busy fraction over %d seeds: %.2f%%, with promotion while idle %.2f%% "
           "(goal >= 95%%)\n", seeds, 100.0 * worst_busy[0], 100.0 * worst_busy[1]);
    return 0;
}
