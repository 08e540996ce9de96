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

int main(void) {
    run(0);
    run(1);
    test_gemm();
    return test_failures("test_dense");
}
