/* test_dense: Dense forward against a direct formula, gradient checks (linear and relu) of
 * every parameter and input with negative controls, and gemm() against gemm_ref() for
 * every transpose combination. */
#include <stdlib.h>
#include <string.h>

#include "model/dense.h"
#include "model/gemm.h"
#include "model/rng.h"
#include "tests/gradcheck.h"
#include "tests/test_util.h"

enum { B = 4, I = 5, O = 3 };

typedef struct fix {
    float x[B * I];          /* (B,I) */
    float p[I * O + O];      /* W (I,O), b (O) */
    float R[B * O];          /* loss weights */
    float y[B * O];          /* output */
    int relu;                /* activation */
} fix;

static double loss(void *ctx) {
    fix *f = ctx;
    dense_forward(f->y, f->x, f->p, f->p + I * O, B, I, O, f->relu);
    double s = 0.0;
    for (size_t n = 0; n < B * O; n++) s += (double)f->y[n] * (double)f->R[n];
    return s;
}

static void fill(float *a, size_t n, float scale, rng *r) {
    for (size_t i = 0; i < n; i++) a[i] = scale * (2.0f * rng_uniformf(r) - 1.0f);
}

static void run(int relu) {
    static fix f;
    rng r;
    rng_seed(&r, 21 + (uint64_t)relu);
    fill(f.x, B * I, 1.0f, &r);
    fill(f.p, I * O + O, 0.8f, &r);
    fill(f.R, B * O, 1.0f, &r);
    f.relu = relu;
    loss(&f);
    /* forward: y = act(x W + b) */
    double maxerr = 0.0;
    int n_zero = 0;
    for (size_t b = 0; b < B; b++)
        for (size_t o = 0; o < O; o++) {
            double s = f.p[I * O + o];
            for (size_t i = 0; i < I; i++) s += (double)f.x[b * I + i] * (double)f.p[i * O + o];
            if (relu && s < 0) s = 0, n_zero++;
            maxerr = fmax(maxerr, fabs(s - (double)f.y[b * O + o]));
        }
    CHECK(maxerr < 1e-6, "dense forward err %g", maxerr);
    if (relu) CHECK(n_zero > 0 && n_zero < B * O, "relu fixture exercises both sides (%d)", n_zero);
    float grad[I * O + O], dx[B * I], dy[B * O];
    memcpy(dy, f.R, sizeof dy);
    dense_backward(dx, grad, grad + I * O, dy, f.y, f.x, f.p, B, I, O, relu);
    gc_result rp = gc_check(loss, &f, f.p, grad, I * O + O);
    gc_result rx = gc_check(loss, &f, f.x, dx, B * I);
    printf("dense%s: params %zu bad, worst rel %.2e; inputs %zu bad, worst rel %.2e\n",
           relu ? " relu" : "", rp.n_bad, rp.worst_rel, rx.n_bad, rx.worst_rel);
    CHECK(rp.n_bad == 0 && rx.n_bad == 0, "dense gradients");
    gc_corrupt(grad, I * O + 1);
    CHECK(gc_check(loss, &f, f.p, grad, I * O + O).n_bad == 1, "corrupted db not caught");
    gc_corrupt(dx, 3);
    CHECK(gc_check(loss, &f, f.x, dx, B * I).n_bad == 1, "corrupted dx not caught");
}

static void test_gemm(void) {
    enum { M = 7, N = 9, K = 5, LD = 12 };
    static float A[LD * LD], Bm[LD * LD], C1[M * LD], C2[M * LD];
    rng r;
    rng_seed(&r, 3);
    fill(A, LD * LD, 1.0f, &r);
    fill(Bm, LD * LD, 1.0f, &r);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int beta = 0; beta < 2; beta++) {
                fill(C1, M * LD, 1.0f, &r);
                memcpy(C2, C1, sizeof C1);
                gemm(C1, LD, A, LD, ta, Bm, LD, tb, M, N, K, (float)beta);
                gemm_ref(C2, LD, A, LD, ta, Bm, LD, tb, M, N, K, (float)beta);
                double e = 0.0;
                for (size_t i = 0; i < M; i++)
                    for (size_t j = 0; j < N; j++)
                        e = fmax(e, fabs((double)C1[i * LD + j] - (double)C2[i * LD + j]));
                CHECK(e < 1e-5, "gemm ta=%d tb=%d beta=%d err %g", ta, tb, beta, e);
            }
}

/* gemm_tiled (register-tiled kernels, K chunks, BLAS 16-column strips) against gemm_ref on
 * every strip decomposition, row remainders, K across chunk boundaries, A and A^T, beta 0/1 */
static void test_gemm_tiled(void) {
    size_t Ns[] = {16, 32, 48, 64, 80, 96, 100, 128, 192}, Ms[] = {1, 7, 13}, Ks[] = {1, 5, 300};
    size_t cap = 13 * 300 + 300 * 192 + 64;
    float *A = malloc(cap * sizeof *A), *Bm = malloc(cap * sizeof *Bm);
    float *C1 = malloc(13 * 200 * sizeof *C1), *C2 = malloc(13 * 200 * sizeof *C2);
    if (!A || !Bm || !C1 || !C2) {
        CHECK(0, "out of memory");
        return;
    }
    rng r;
    rng_seed(&r, 4);
    fill(A, cap, 1.0f, &r);
    fill(Bm, cap, 1.0f, &r);
    int bad = 0;
    for (size_t a = 0; a < 9; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t c = 0; c < 3; c++)
                for (int ta = 0; ta < 2; ta++)
                    for (int beta = 0; beta < 2; beta++) {
                        size_t N = Ns[a], M = Ms[b], K = Ks[c], ldc = 200;
                        fill(C1, 13 * 200, 1.0f, &r);
                        memcpy(C2, C1, 13 * 200 * sizeof *C1);
                        size_t lda = ta ? M + 1 : K + 2;
                        gemm_tiled(C1, ldc, A, lda, ta, Bm, N + 3, 0, M, N, K, (float)beta);
                        gemm_ref(C2, ldc, A, lda, ta, Bm, N + 3, 0, M, N, K, (float)beta);
                        double e = 0.0;
                        for (size_t i = 0; i < M; i++)
                            for (size_t j = 0; j < ldc; j++) /* also: nothing outside N written */
                                e = fmax(e, fabs((double)C1[i * ldc + j] - (double)C2[i * ldc + j]));
                        if (e > 1e-3) {
                            bad++;
                            fprintf(stderr, "gemm_tiled M=%zu N=%zu K=%zu ta=%d beta=%d err %g\n", M, N,
                                    K, ta, beta, e);
                        }
                    }
    CHECK(bad == 0, "gemm_tiled mismatches: %d", bad);
    free(A);
    free(Bm);
    free(C1);
    free(C2);
}

int main(void) {
    run(0);
    run(1);
    test_gemm();
    test_gemm_tiled();
    return test_failures("test_dense");
}
