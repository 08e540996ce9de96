/* bench_tpe: TPE (sweep/tpe.c) against random search on the synthetic objective
 * (model/synth.h, known optimum val_mae 1 + the finite-budget gap), no MPI.
 *
 * Six parameters as a sweep's `random:` section would give them: learning_rate
 * log_uniform [1e-4, 3e-2), dropout uniform [0, 0.5), units int [8, 256], layers int [1, 4],
 * optimizer choice {rmsprop, adam}, batch_size choice {32, 64, 128, 256, 512}. Every trial
 * is a real trial_run of the `synthetic` cell at 27 epochs (its result val_mae at the best
 * epoch), seeded from (seed, trial number). Random search draws N trials; TPE runs
 * sequentially (1 worker) and asynchronously (W workers, constant liar: a worker's result
 * arrives, it asks for the next suggestion while W-1 others are still running). Printed per
 * seed: random search's best after N trials, the trials TPE needed to reach it, their ratio
 * to N; then the median ratio over the seeds (goal: <= 0.5). A benchmark, not a test.
 *
 * usage: bench_tpe [--trials N] [--seeds K] [--workers W] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/rng.h"
#include "model/synth.h"
#include "sweep/tpe.h"
#include "sweep/trial.h"

enum { BENCH_NP = 6 };

static const tpe_param BENCH_SPACE[BENCH_NP] = {
    {TPE_LOG_UNIFORM, 1e-4, 3e-2, 0},   /* learning_rate */
    {TPE_UNIFORM, 0.0, 0.5, 0},         /* dropout */
    {TPE_INT, 8.0, 256.0, 0},           /* units */
    {TPE_INT, 1.0, 4.0, 0},             /* layers */
    {TPE_CHOICE, 0, 0, 2},              /* optimizer: rmsprop, adam */
    {TPE_CHOICE, 0, 0, 5}               /* batch_size: 32 .. 512 */
};

/* Train the synthetic trial number k of a sweep with seed s at parameters x; its val_mae. */
static double bench_objective(const double *x, uint64_t s, size_t k) {
    static const size_t batch[5] = {32, 64, 128, 256, 512};
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = HS_CELL_SYNTHETIC;
    hp.epochs = 27;
    hp.learning_rate = (float)x[0];
    hp.dropout = (float)x[1];
    hp.units = (size_t)x[2];
    hp.layers = (size_t)x[3];
    hp.optimizer = x[4] == 0 ? HS_OPT_RMSPROP : HS_OPT_ADAM;
    hp.batch_size = batch[(size_t)x[5]];
    hp.seed = rng_mix64(s ^ rng_mix64(k + 1));
    trial_result res;
    hs_error err;
    if (trial_run(&res, &hp, NULL, NULL, &err) != 0) {
        fprintf(stderr, "bench_tpe: %s\n", err.msg);
        exit(1);
    }
    double v = res.status == TRIAL_OK ? res.val_mae : (double)NAN;
    trial_result_deinit(&res);
    return v;
}

/* Run n trials with W workers (W = 1: sequential); with random = 1 never leave the startup
 * phase (random search). best[k]: best value after k+1 results (in completion order). */
static void bench_run(size_t n, int W, int random, uint64_t seed, double *best) {
    tpe_options o;
    tpe_options_default(&o);
    if (random) o.n_startup = (size_t)-1;
    tpe *t = tpe_create(BENCH_SPACE, BENCH_NP, &o, seed);
    double (*x)[BENCH_NP] = malloc(n * sizeof *x);
    size_t next = 0, done = 0;
    double b = INFINITY;
    /* W suggestions in flight; results come back in suggestion order */
    for (; next < n && next < (size_t)W; next++) tpe_suggest(t, next, x[next]);
    while (done < n) {
        double v = bench_objective(x[done], seed, done);
        tpe_tell(t, done, TPE_COMPLETE, v, 27);
        if (v < b) b = v;
        best[done++] = b;
        if (next < n) {
            tpe_suggest(t, next, x[next]);
            next++;
        }
    }
    free(x);
    tpe_free(t);
}

static int bench_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    size_t N = 200;
    int seeds = 5, W = 8;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc) N = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) seeds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) W = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_tpe [--trials N] [--seeds K] [--workers W]\n");
            return 2;
        }
    }
    if (N < 1 || seeds < 1 || W < 1) { fprintf(stderr, "bench_tpe: bad arguments\n"); return 2; }
    hs_hparams opt;
    synth_optimum(&opt);
    printf("bench_tpe: synthetic objective, 6 parameters, 27 epochs; noiseless optimum at 27 "
           "epochs %.4f\n", synth_curve(&opt, 27));
    printf("random search: %zu trials; TPE: trials to reach random's final best (1 worker, and "
           "%d workers with the constant liar)\n", N, W);
    printf("%4s | %10s | %10s %6s %6s | %10s %6s %6s\n", "seed", "random", "tpe best", "trials",
           "ratio", "tpe-W best", "trials", "ratio");
    double *rb = malloc(N * sizeof *rb), *tb = malloc(N * sizeof *tb), *ab = malloc(N * sizeof *ab);
    double *ratio = malloc((size_t)seeds * sizeof *ratio), *ratio_w = malloc((size_t)seeds * sizeof *ratio_w);
    for (int s = 1; s <= seeds; s++) {
        uint64_t seed = (uint64_t)s;
        bench_run(N, 1, 1, seed, rb);
        bench_run(N, 1, 0, seed, tb);
        bench_run(N, W, 0, seed, ab);
        double target = rb[N - 1];
        size_t kt = N + 1, ka = N + 1;
        for (size_t k = 0; k < N; k++) {
            if (kt > N && tb[k] <= target) kt = k + 1;
            if (ka > N && ab[k] <= target) ka = k + 1;
        }
        ratio[s - 1] = (double)kt / (double)N;
        ratio_w[s - 1] = (double)ka / (double)N;
        printf("%4d | %10.4f | %10.4f %6zu %6.2f | %10.4f %6zu %6.2f\n", s, target, tb[N - 1],
               kt, ratio[s - 1], ab[N - 1], ka, ratio_w[s - 1]);
    }
    qsort(ratio, (size_t)seeds, sizeof *ratio, bench_cmp);
    qsort(ratio_w, (size_t)seeds, sizeof *ratio_w, bench_cmp);
    printf("median trials-to-random's-best / %zu: TPE %.2f, TPE with %d workers %.2f (goal <= "
           "0.5; a ratio above 1 means not reached in %zu trials)\n", N, ratio[seeds / 2], W,
           ratio_w[seeds / 2], N);
    free(rb);
    free(tb);
    free(ab);
    free(ratio);
    free(ratio_w);
    return 0;
}
