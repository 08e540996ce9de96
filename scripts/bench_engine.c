/* bench_engine: training throughput of the C engine (a benchmark, not a test).
 *
 * Times whole training steps (forward in training mode without dropout, MSE, backward,
 * RMSprop step) on batches gathered from a random dataset's windows as the trainer gathers
 * them (the gather itself untimed, like the peer's ready tensor), one thread, and prints
 * the fastest and the median step as
 * samples/s and GFLOP/s. Matrix FLOPs per sample for a recurrent layer direction with
 * input width I (G = 4 for LSTM, 3 for GRU; T steps):
 *   forward   2*T*G*H*(I + H)        input projection + recurrent product
 *   backward  2*T*G*H*(I + 2H)       dW, dU, dh_{t-1}; plus 2*T*G*H*I for dL/dx above layer 0
 *   one layer, F inputs: 2*T*G*H*(2F + 3H)   (LSTM(32), F = 14: 3.81 MFLOP)
 * dense model: 4*T*F*H for the first layer (forward + dW), 6*H*H per further layer.
 * Gate arithmetic, activations and the optimiser are not counted (work, not FLOPs credited).
 * The FMA peak is measured with the active kernel path's probe (kern()->fma_loop: 12
 * independent vector FMA chains). The GEMM table compares the kernels with OpenBLAS when
 * libopenblas can be loaded at run time (dlopen; the engine itself never uses BLAS) and
 * prints the core OpenBLAS picked (set OPENBLAS_CORETYPE to change it).
 * Lines starting with "RESULT" are parsed by scripts/bench.sh:
 *   RESULT peak ISA GFLOP/s
 *   RESULT model NAME ISA B MFLOP/sample best-samples/s median-samples/s steps
 *   RESULT step lstmH ISA us-per-step GFLOP/s
 *   RESULT input NAME ISA B rows-best rows-median copy-best copy-median   (samples/s)
 * Usage: bench_engine peak
 *        bench_engine gemm
 *        bench_engine step H          (the fused LSTM forward step alone)
 *        bench_engine SECONDS lstm|gru|dense H [B [layers [bidir]]]
 *        bench_engine input SECONDS lstm|gru|dense H [B [layers [bidir]]]
 *            (the batch gathered straight into the model's input rows, as the trainer does,
 *            against window_fill + net_forward(x), which copies it: steps alternate A B B A
 *            on one model; best and median step of each and their ratios)
 * The kernel path is the one model/isa.c picks (HSWEEP_ISA overrides). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/dataset.h"
#include "io/window.h"
#include "model/gemm.h"
#include "model/isa.h"
#include "model/kern.h"
#include "model/net.h"
#include "model/optim.h"

/* CPU time of this (single-threaded) process: on a machine shared with other jobs it
 * counts only the time slices this benchmark ran, so figures measure the core, not the
 * scheduler (caches are still shared: take the best of several runs) */
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* FP32 FMA peak of one core on the active path: best of 7 runs of ~0.1 s */
static double measure_peak(void) {
    const kern_ops *K = kern();
    long iters = 2000000;
    double best = 1e30;
    float sink = 0.0f;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = now();
        sink += K->fma_loop(iters);
        double d = now() - t0;
        if (d < best) best = d;
    }
    if (sink == 12345.0f) printf("#");
    return K->fma_flops * (double)iters / best / 1e9;
}

/* ---- GEMM shapes: kernels against OpenBLAS (loaded at run time if present) ------------- */

typedef void (*sgemm_fn)(int order, int ta, int tb, int M, int N, int K, float alpha,
                         const float *A, int lda, const float *B, int ldb, float beta, float *C,
                         int ldc);

static sgemm_fn blas_sgemm;
static char blas_core[64] = "not loaded";

static void load_blas(void) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libblas.so.3"};
    for (size_t i = 0; i < sizeof names / sizeof *names && !blas_sgemm; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) continue;
        *(void **)&blas_sgemm = dlsym(h, "cblas_sgemm");
        void (*threads)(int) = NULL;
        *(void **)&threads = dlsym(h, "openblas_set_num_threads");
        if (threads) threads(1);
        char *(*core)(void) = NULL;
        *(void **)&core = dlsym(h, "openblas_get_corename");
        snprintf(blas_core, sizeof blas_core, "%s %s", names[i], core ? core() : "?");
    }
}

static void blas_gemm(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                      size_t ldb, int tb, size_t M, size_t N, size_t K, float beta) {
    /* CblasRowMajor 101, CblasNoTrans 111, CblasTrans 112 */
    blas_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, (int)M, (int)N, (int)K, 1.0f, A, (int)lda, B,
               (int)ldb, beta, C, (int)ldc);
}

typedef void (*gemm_fn)(float *, size_t, const float *, size_t, int, const float *, size_t, int,
                        size_t, size_t, size_t, float);

/* GFLOP/s: best of 5 batches of >= 0.05 s each */
static double time_gemm(gemm_fn f, int ta, int tb, size_t M, size_t N, size_t K, float beta,
                        float *A, float *Bm, float *C) {
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    double best = 0.0;
    for (int rep = 0; rep < 5; rep++) {
        long reps = 0;
        double t0 = now(), dt;
        do {
            for (int i = 0; i < 10; i++) f(C, N, A, lda, ta, Bm, ldb, tb, M, N, K, beta);
            reps += 10;
            dt = now() - t0;
        } while (dt < 0.05);
        double g = 2.0 * (double)M * (double)N * (double)K * (double)reps / dt / 1e9;
        if (g > best) best = g;
    }
    return best;
}

static void bench_gemm_shapes(void) {
    /* the products of training at B = 256, T = 120, F = 14 (H = 32 unless noted) */
    struct { const char *what; int ta, tb; size_t M, N, K; float beta; } s[] = {
        {"lstm32 x W    (30720x14)(14x128)", 0, 0, 30720, 128, 14, 0.0f},
        {"lstm32 h U    (256x32)(32x128) +=", 0, 0, 256, 128, 32, 1.0f},
        {"lstm32 dg Ut  (256x128)(128x32) +=", 0, 0, 256, 32, 128, 1.0f},
        {"lstm32 dg U^T (256x128)(32x128)^T +=", 0, 1, 256, 32, 128, 1.0f},
        {"lstm32 dW x^T dg (14x30720)(30720x128)", 1, 0, 14, 128, 30720, 0.0f},
        {"lstm32 dU h^T dg (32x30592)(30592x128)", 1, 0, 32, 128, 30592, 0.0f},
        {"lstm32 dx dg W^T (30720x128)(64x128)^T", 0, 1, 30720, 64, 128, 0.0f},
        {"lstm64 dWU step (78x256)(256x256) +=", 1, 0, 78, 256, 256, 1.0f},
        {"lstm64 dg Ut  (256x256)(256x64) +=", 0, 0, 256, 64, 256, 1.0f},
        {"lstm128 h U   (256x128)(128x512) +=", 0, 0, 256, 512, 128, 1.0f},
        {"lstm128 dg Ut (256x512)(512x128) +=", 0, 0, 256, 128, 512, 1.0f},
        {"lstm128 dU    (128x30592)(30592x512)", 1, 0, 128, 512, 30592, 0.0f},
        {"gru16 h U     (256x16)(16x48)", 0, 0, 256, 48, 16, 0.0f},
        {"gru16 dg Ut   (256x48)(48x16) +=", 0, 0, 256, 16, 48, 1.0f},
        {"dense16 x W   (256x1680)(1680x16) +=", 0, 0, 256, 16, 1680, 1.0f},
        {"dense16 dW    (1680x256)(256x16)", 1, 0, 1680, 16, 256, 0.0f},
        {"head   (256x32)(32x1)", 0, 0, 256, 1, 32, 1.0f},
    };
    size_t cap = 30720 * 512;
    float *A = malloc(cap * sizeof *A), *Bm = malloc(cap * sizeof *Bm), *C = malloc(cap * sizeof *C);
    if (!A || !Bm || !C) {
        fprintf(stderr, "bench_engine: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < cap; i++) A[i] = Bm[i] = C[i] = 1e-3f * (float)(i % 97);
    load_blas();
    printf("GEMM GFLOP/s, one thread; kernels: %s; BLAS: %s\n", isa_name(), blas_core);
    printf("  %-42s %9s %9s %9s\n", "product", "kernels", "openblas", "naive C");
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        double gk = time_gemm(gemm, s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K, s[i].beta, A, Bm, C);
        double gb = blas_sgemm ? time_gemm(blas_gemm, s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K,
                                           s[i].beta, A, Bm, C)
                               : 0.0;
        double gr = time_gemm(gemm_ref, s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K, s[i].beta, A, Bm, C);
        printf("  %-42s %9.1f %9.1f %9.1f\n", s[i].what, gk, gb, gr);
        printf("RESULT gemm %zu %s %.2f %.2f\n", i, isa_name(), gk, gb);
    }
    free(A);
    free(Bm);
    free(C);
}

/* ---- the fused LSTM forward step alone ------------------------------------------------
 * kern lstm_step over T = 120 steps of B = 256 rows, F = 14 inputs, H units (the forward
 * pass of one LSTM layer, its (T,B,4H) gates and (T,B,H) states going to memory as in
 * training, x_t and h_{t-1} side by side in rows of ld floats as net.c keeps them), best
 * of 20 passes: microseconds per step and GFLOP/s of its products (2*B*4H*(F+H) per step;
 * the gate math is work, not credited FLOPs). */
static void bench_lstm_step(size_t H) {
    const kern_ops *K = kern();
    const size_t T = 120, B = 256, I = 14, G = 4 * H;
    /* row (t,b) of xh: [2 pad | x_t (14) | h_{t-1} (H) | pad to 16 floats], net.c's layout */
    const size_t ld = 16 + (H + 15) / 16 * 16;
    /* each buffer 64-byte aligned, as the training arena's */
    size_t sz[7] = {T * B * G, T * B * H, T * B * H, (T + 1) * B * ld, I * G, H * G, G};
    float *p[7];
    for (int k = 0; k < 7; k++) {
        p[k] = aligned_alloc(64, (sz[k] * sizeof(float) + 63) / 64 * 64);
        if (!p[k]) {
            fprintf(stderr, "bench_engine: out of memory\n");
            exit(1);
        }
        for (size_t i = 0; i < sz[k]; i++) p[k][i] = 1e-3f * (float)(i % 997) - 0.5f;
    }
    float *g = p[0], *c = p[1], *tc = p[2], *x = p[3] + 16 - I, *W = p[4], *U = p[5], *b = p[6];
    float *h = p[3] + B * ld + 16; /* h_t in row t+1 */
    double best = 1e30;
    for (int rep = 0; rep < 20; rep++) {
        double t0 = now();
        for (size_t t = 1; t < T; t++)
            K->lstm_step(g + t * B * G, c + t * B * H, tc + t * B * H, h + t * B * ld,
                         c + (t - 1) * B * H, 0, x + t * B * ld, W, I, h + (t - 1) * B * ld, U,
                         b, B, H, ld, ld);
        double d = (now() - t0) / (double)(T - 1);
        if (d < best) best = d;
    }
    double gf = 2.0 * (double)B * (double)G * (double)(I + H) / best / 1e9;
    printf("lstm_step H=%zu B=%zu F=%zu, %s: %.1f us per step, %.1f GFLOP/s\n", H, B, I,
           isa_name(), best * 1e6, gf);
    printf("RESULT step lstm%zu %s %.2f %.1f\n", H, isa_name(), best * 1e6, gf);
    for (int k = 0; k < 7; k++) free(p[k]);
}

/* ---- whole training steps ------------------------------------------------------------- */

static double model_flops(const hs_hparams *hp, size_t F) {
    double T = (double)hp->sequence_length, H = (double)hp->units, s = 0.0;
    if (hp->cell == HS_CELL_DENSE) {
        s = 4.0 * T * (double)F * H;
        for (size_t l = 1; l < hp->layers; l++) s += 6.0 * H * H;
        return s;
    }
    double G = hp->cell == HS_CELL_LSTM ? 4.0 : 3.0, ndir = hp->bidirectional ? 2.0 : 1.0;
    for (size_t l = 0; l < hp->layers; l++) {
        double I = l ? ndir * H : (double)F;
        double per = 2.0 * T * G * H * (2.0 * I + 3.0 * H);
        if (l) per += 2.0 * T * G * H * I; /* dL/dx routed to the layer below */
        s += ndir * per;
    }
    return s;
}

/* The trainer's batches: windows of a synthetic series the size of the embedded 2020 file
 * (52,560 rows of F features, standard normal), the book's windows (L = T, r = 6, delay
 * 6*(T+23)), a fresh permutation of the training windows whenever one runs out, gathered
 * as sweep/trial.c does (window_fill_strided straight into net_input's rows). The model
 * bench times the training step on the batch once it is in place, as scripts/bench_torch.py
 * times the peer's on a ready tensor (neither side's batch preparation is timed); the input
 * bench (ab) times the gather or copy too, since that is what it compares */
typedef struct bench_data {
    hs_dataset ds;         /* x (N,F), y (N): owned */
    window_plan wp;        /* the training split's windows */
    size_t *order;         /* (count) permutation of the training windows */
    size_t pos;            /* next unused entry of order */
} bench_data;

static void bench_data_init(bench_data *d, size_t F, size_t T, size_t B, rng *r) {
    memset(d, 0, sizeof *d);
    size_t N = 52560;
    d->ds.n_rows = N;
    d->ds.n_features = F;
    d->ds.n_train = N / 2;
    d->ds.n_val = N / 4;
    d->ds.n_test = N - N / 2 - N / 4;
    d->ds.owns_arrays = 1;
    d->ds.x = malloc(N * F * sizeof *d->ds.x);
    d->ds.y = malloc(N * sizeof *d->ds.y);
    window_spec spec = {T, 6, 6 * (T + 23), B};
    if (!d->ds.x || !d->ds.y ||
        window_plan_make(&d->wp, &spec, N, d->ds.n_train, d->ds.n_val, F, NULL) != 0 ||
        d->wp.split[WINDOW_TRAIN].count < B ||
        !(d->order = malloc(d->wp.split[WINDOW_TRAIN].count * sizeof *d->order))) {
        fprintf(stderr, "bench_engine: out of memory or bad window configuration\n");
        exit(1);
    }
    for (size_t i = 0; i < N * F; i++) d->ds.x[i] = (float)rng_normal(r);
    for (size_t i = 0; i < N; i++) d->ds.y[i] = (float)rng_normal(r);
    d->pos = d->wp.split[WINDOW_TRAIN].count;
}

/* The window numbers of the next batch of B (a new permutation when too few are left) */
static const size_t *bench_data_next(bench_data *d, size_t B, rng *r) {
    size_t count = d->wp.split[WINDOW_TRAIN].count;
    if (count - d->pos < B) {
        window_order(d->order, count, r);
        d->pos = 0;
    }
    d->pos += B;
    return d->order + d->pos - B;
}

/* Whole training steps of hp at batch B for about `seconds` of CPU time. ab = 0: every
 * step gathers its batch straight into net_input's rows (the trainer's path), untimed,
 * then the step (forward, loss, backward, update) is timed; ab = 1, gather or copy timed:
 * steps alternate A B B A between the copy path (window_fill into a (B,T,F) batch, then
 * net_forward(x), which copies it into the rows: main's path before engine9c) and the
 * rows path, on one model, so both see the same caches and load. */
static void bench_model(const hs_hparams *hp, size_t B, double seconds, int ab) {
    const size_t F = 14;
    net *n = net_create(hp, F, B);
    optim *o = n ? optim_create(HS_OPT_RMSPROP, net_num_params(n), 1e-3f) : NULL;
    float *y = malloc(B * sizeof *y), *x = malloc(B * hp->sequence_length * F * sizeof *x);
    float *pred = malloc(B * sizeof *pred), *dpred = malloc(B * sizeof *dpred);
    enum { MAXSTEPS = 100000 };
    double *dt = malloc(MAXSTEPS * sizeof *dt), *dtc = malloc(MAXSTEPS * sizeof *dtc);
    if (!n || !o || !y || !x || !pred || !dpred || !dt || !dtc) {
        fprintf(stderr, "bench_engine: out of memory or bad configuration\n");
        exit(1);
    }
    rng r;
    rng_seed(&r, 1);
    net_init(n, &r);
    bench_data data;
    bench_data_init(&data, F, hp->sequence_length, B, &r);
    /* one warm-up step, then whole steps until the time budget is spent */
    int steps = -1, nr = 0, nc = 0;
    double t_end = now() + seconds;
    do {
        const size_t *idx = bench_data_next(&data, B, &r);
        int copy = ab && (steps + 1) % 4 % 3 == 0; /* A B B A from the warm-up on */
        double s0 = now();
        if (copy) {
            window_fill(x, y, &data.ds, &data.wp, WINDOW_TRAIN, idx, B);
            net_forward(n, pred, x, B, 1, &r);
        } else {
            size_t ldt, ldb;
            float *xin = net_input(n, B, &ldt, &ldb);
            window_fill_strided(xin, ldt, ldb, y, &data.ds, &data.wp, WINDOW_TRAIN, idx, B);
            if (!ab) s0 = now(); /* the model bench times the step on the batch in place */
            net_forward_input(n, pred, 1, &r);
        }
        net_mse(dpred, pred, y, B);
        net_backward(n, dpred, B);
        optim_step(o, net_params(n), net_grads(n));
        if (steps >= 0) {
            if (copy) dtc[nc++] = now() - s0;
            else dt[nr++] = now() - s0;
        }
        steps++;
    } while (steps < MAXSTEPS - 1 && (steps < 8 || now() < t_end));
    qsort(dt, (size_t)nr, sizeof *dt, cmp_double);
    double best = (double)B / dt[0], med = (double)B / dt[nr / 2];
    double flop = model_flops(hp, F);
    char desc[128];
    net_describe(n, desc, sizeof desc);
    char name[64];
    char layers[24] = "";
    if (hp->layers > 1) snprintf(layers, sizeof layers, "x%zu", hp->layers);
    snprintf(name, sizeof name, "%s%zu%s%s", hparams_cell_name(hp->cell), hp->units, layers,
             hp->bidirectional ? "bi" : "");
    if (ab) {
        qsort(dtc, (size_t)nc, sizeof *dtc, cmp_double);
        double cbest = (double)B / dtc[0], cmed = (double)B / dtc[nc / 2];
        printf("%-28s B=%-4zu %s: rows best %9.0f median %9.0f (%d steps); copy best %9.0f "
               "median %9.0f (%d steps); rows/copy %.4f / %.4f\n",
               desc, B, isa_name(), best, med, nr, cbest, cmed, nc, best / cbest, med / cmed);
        printf("RESULT input %s %s %zu %.1f %.1f %.1f %.1f\n", name, isa_name(), B, best, med,
               cbest, cmed);
    } else {
        printf("%-28s B=%-4zu %s: best %9.0f samples/s (%6.1f GFLOP/s), median %9.0f (%6.1f), "
               "%d steps, %.3f MFLOP/sample\n",
               desc, B, isa_name(), best, best * flop / 1e9, med, med * flop / 1e9, nr,
               flop / 1e6);
        printf("RESULT model %s %s %zu %.4f %.1f %.1f %d\n", name, isa_name(), B, flop / 1e6,
               best, med, nr);
    }
    free(x);
    free(dtc);
    free(y);
    free(pred);
    free(dpred);
    free(dt);
    free(data.order);
    dataset_deinit(&data.ds);
    optim_free(o);
    net_free(n);
}

int main(int argc, char **argv) {
    char err[160];
    if (isa_init(err, sizeof err) != 0) {
        fprintf(stderr, "bench_engine: %s\n", err);
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "peak") == 0) {
        double p = measure_peak();
        printf("FP32 FMA peak, one core, %s: %.1f GFLOP/s\n", isa_name(), p);
        printf("RESULT peak %s %.1f\n", isa_name(), p);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "gemm") == 0) {
        bench_gemm_shapes();
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "step") == 0 && atoi(argv[2]) > 0) {
        bench_lstm_step((size_t)atoi(argv[2]));
        return 0;
    }
    /* "input SECONDS ...": the rows path against the copy path, steps alternating */
    int ab = argc > 1 && strcmp(argv[1], "input") == 0;
    if (ab) {
        argc--;
        argv++;
    }
    hs_cell cell;
    if (argc < 4 || !(atof(argv[1]) > 0.0) || hparams_parse_cell(argv[2], &cell) != 0 ||
        atoi(argv[3]) <= 0) {
        fprintf(stderr, "usage: bench_engine peak | gemm | step H | [input] SECONDS lstm|gru|dense H [B [layers "
                        "[bidir]]]\n");
        return 2;
    }
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = (size_t)atoi(argv[3]);
    hp.sequence_length = 120;
    size_t B = argc > 4 ? (size_t)atoi(argv[4]) : 256;
    hp.layers = argc > 5 ? (size_t)atoi(argv[5]) : 1;
    hp.bidirectional = argc > 6 ? atoi(argv[6]) : 0;
    if (B == 0 || hp.layers == 0) {
        fprintf(stderr, "bench_engine: B and layers must be positive\n");
        return 2;
    }
    bench_model(&hp, B, atof(argv[1]), ab);
    return 0;
}
