/* bench_engine: training throughput of the C engine (a benchmark, not a test).
 *
 * For B = 256, T = 120, F = 14 and hidden 16/32/64, LSTM and GRU, one thread: times
 * forward (training mode, no dropout) + MSE + backward + RMSprop step on random data and
 * prints samples/s and GFLOP/s. Matrix FLOPs per sample (what the engine actually does;
 * dL/dx of the first layer is not needed and not computed), G = 4 (LSTM) or 3 (GRU):
 *   forward   2*T*G*H*(F + H)        input projection + recurrent product
 *   backward  2*T*G*H*(F + 2H)       dW, dU, dh_{t-1}
 *   total     2*T*G*H*(2F + 3H)      (LSTM(32): 3.81 MFLOP; with dx it would be 4.24)
 * Elementwise gate math is not counted. Also measured: the per-core FP32 FMA peak with a
 * register-resident loop, and gemm() (OpenBLAS) against gemm_ref() (plain C) on the
 * per-step shapes. Output lines starting with "RESULT" are parsed by scripts/bench.sh:
 * "RESULT cell H samples/s GFLOP/s MFLOP/sample best-step-samples/s samples-per-CPU-second"
 * and "RESULT peak G".
 * Usage: bench_engine [seconds per configuration, default 1.5] [lstm|gru H | peak]
 * (with a cell and H: only that training configuration; "peak": only the FMA peak). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/gemm.h"
#include "model/net.h"
#include "model/optim.h"

/* CPU time of this process: with other jobs on the machine, samples per CPU-second is the
 * per-core throughput, less disturbed by time slices spent in other processes */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* FP32 peak: 16 independent AVX-512 accumulators (256 floats), each updated with an FMA-able
 * a*x + b per iteration (2 FLOPs per element); the compiler keeps them in registers. */
static double measure_peak(void) {
    enum { NA = 256 };
    float acc[NA];
    for (int i = 0; i < NA; i++) acc[i] = 1.0f + (float)i * 1e-6f;
    const float m = 0.999999f, c = 1e-7f;
    long iters = 1000000;
    double dt = 1e30;
    for (int rep = 0; rep < 5; rep++) { /* best of 5: the machine is shared */
        double t0 = now();
        for (long it = 0; it < iters; it++)
            for (int i = 0; i < NA; i++) acc[i] = acc[i] * m + c;
        double d = now() - t0;
        if (d < dt) dt = d;
    }
    float s = 0.0f;
    for (int i = 0; i < NA; i++) s += acc[i];
    if (s == 12345.0f) printf("#");
    return 2.0 * NA * (double)iters / dt / 1e9;
}

typedef void (*gemm_fn)(float *, size_t, const float *, size_t, int, const float *, size_t, int,
                        size_t, size_t, size_t, float);

static double time_gemm(gemm_fn f, int ta, int tb, size_t M, size_t N, size_t K, float beta,
                        float *A, float *Bm, float *C) {
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    int reps = 0;
    double t0 = now(), dt;
    do {
        for (int i = 0; i < 50; i++) f(C, N, A, lda, ta, Bm, ldb, tb, M, N, K, beta);
        reps += 50;
        dt = now() - t0;
    } while (dt < 0.2);
    return 2.0 * (double)M * (double)N * (double)K * reps / dt / 1e9;
}

static void bench_gemm_shapes(void) {
    /* per-step shapes of LSTM(32) at B = 256 (G*H = 128) and the post-sweep weight gradient */
    /* beta as the layers use it: 1 for per-step accumulation, 0 for overwritten outputs */
    struct { const char *what; int ta, tb; size_t M, N, K; float beta; } s[] = {
        {"fwd  h U        (256x32)(32x128)", 0, 0, 256, 128, 32, 1.0f},
        {"bwd  dg U^T     (256x128)(128x32)", 0, 1, 256, 32, 128, 1.0f},
        {"bwd  dg Ut pre-transposed (256x128)(128x32)", 0, 0, 256, 32, 128, 1.0f},
        {"fwd  x W all T  (30720x14)(14x128), beta 0", 0, 0, 30720, 128, 14, 0.0f},
        {"dU   h^T dg     (32x30720)(30720x128), beta 0", 1, 0, 32, 128, 30720, 0.0f},
        {"fwd  h U  H=64  (256x64)(64x256)", 0, 0, 256, 256, 64, 1.0f},
        {"bwd  dg U^T H=64 (256x256)(256x64)", 0, 1, 256, 64, 256, 1.0f},
        {"bwd  dg Ut H=64 pre-transposed", 0, 0, 256, 64, 256, 1.0f},
        {"gru fwd h U  H=32 (256x32)(32x96), beta 0", 0, 0, 256, 96, 32, 0.0f},
        {"gru fwd h U  H=16 (256x16)(16x48), beta 0", 0, 0, 256, 48, 16, 0.0f},
        {"dU   gru H=16 (16x30720)(30720x48), beta 0", 1, 0, 16, 48, 30720, 0.0f},
    };
    size_t cap = 30720 * 128;
    float *A = malloc(cap * sizeof *A), *Bm = malloc(cap * sizeof *Bm), *C = malloc(cap * sizeof *C);
    if (!A || !Bm || !C) return;
    for (size_t i = 0; i < cap; i++) A[i] = Bm[i] = C[i] = 1e-3f * (float)(i % 97);
    printf("gemm shapes (GFLOP/s, one thread)        openblas   tiled C   naive C\n");
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        double gb = time_gemm(gemm_blas, s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K, s[i].beta, A, Bm, C);
        double gt = time_gemm(gemm_tiled, s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K, s[i].beta, A, Bm, C);
        double gr = time_gemm(gemm_ref, s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K, s[i].beta, A, Bm, C);
        printf("  %-48s %8.1f %9.1f %9.1f\n", s[i].what, gb, gt, gr);
    }
    free(A);
    free(Bm);
    free(C);
}

static void bench_model(hs_cell cell, size_t H, double seconds) {
    const size_t B = 256, T = 120, F = 14;
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = H;
    hp.sequence_length = T;
    net *n = net_create(&hp, F, B);
    optim *o = n ? optim_create(HS_OPT_RMSPROP, net_num_params(n), 1e-3f) : NULL;
    float *x = malloc(B * T * F * sizeof *x), *y = malloc(B * sizeof *y);
    float *pred = malloc(B * sizeof *pred), *dpred = malloc(B * sizeof *dpred);
    if (!n || !o || !x || !y || !pred || !dpred) {
        fprintf(stderr, "bench_engine: out of memory\n");
        exit(1);
    }
    rng r;
    rng_seed(&r, 1);
    net_init(n, &r);
    for (size_t i = 0; i < B * T * F; i++) x[i] = (float)rng_normal(&r);
    for (size_t i = 0; i < B; i++) y[i] = (float)rng_normal(&r);
    /* warm-up step, then whole steps until the time budget is spent; the best step time is
     * also kept because the machine is shared */
    int steps = 0;
    double best = 1e30, t0 = now(), c0 = cpu_now(), dt;
    do {
        double s0 = now();
        net_forward(n, pred, x, B, 1, &r);
        net_mse(dpred, pred, y, B);
        net_backward(n, dpred, B);
        optim_step(o, net_params(n), net_grads(n));
        double s1 = now() - s0;
        if (steps > 0 && s1 < best) best = s1;
        if (steps == 0) {
            t0 = now();
            c0 = cpu_now();
        }
        steps++;
        dt = now() - t0;
    } while (steps < 4 || dt < seconds);
    double cpu = cpu_now() - c0;
    double G = cell == HS_CELL_LSTM ? 4.0 : 3.0;
    double flop = 2.0 * T * G * (double)H * (2.0 * F + 3.0 * (double)H);
    double sps = (double)B * (steps - 1) / dt;
    double gf = sps * flop / 1e9;
    double cps = (double)B * (steps - 1) / cpu;
    printf("%-5s H=%-3zu %9.0f samples/s (per CPU-second %8.0f, best step %8.0f)  %6.2f MFLOP/sample"
           "  %6.1f GFLOP/s\n",
           hparams_cell_name(cell), H, sps, cps, (double)B / best, flop / 1e6, gf);
    printf("RESULT %s %zu %.0f %.2f %.3f %.0f %.0f\n", hparams_cell_name(cell), H, sps, gf, flop / 1e6,
           (double)B / best, cps);
    free(x);
    free(y);
    free(pred);
    free(dpred);
    optim_free(o);
    net_free(n);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.5;
    if (!(seconds > 0.0)) seconds = 1.5;
    gemm_single_thread();
    if (argc > 2 && strcmp(argv[2], "peak") == 0) {
        printf("RESULT peak %.1f\n", measure_peak());
        return 0;
    }
    if (argc > 3) {
        hs_cell cell;
        if (hparams_parse_cell(argv[2], &cell) != 0 || cell == HS_CELL_DENSE || atoi(argv[3]) <= 0) {
            fprintf(stderr, "usage: bench_engine [seconds] [lstm|gru H]\n");
            return 2;
        }
        bench_model(cell, (size_t)atoi(argv[3]), seconds);
        return 0;
    }
    double peak = measure_peak();
    printf("measured FP32 FMA peak, one core: %.1f GFLOP/s\n", peak);
    printf("RESULT peak %.1f\n", peak);
    bench_gemm_shapes();
    printf("training (forward + backward + RMSprop), B=256 T=120 F=14, one thread:\n");
    size_t hs[] = {16, 32, 64};
    for (int c = 0; c < 2; c++)
        for (size_t i = 0; i < 3; i++)
            bench_model(c ? HS_CELL_GRU : HS_CELL_LSTM, hs[i], seconds);
    return 0;
}
