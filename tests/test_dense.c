/* test_dense: Dense forward against a direct formula, gradient checks (linear and relu) of
 * every parameter and input with negative controls, and gemm() against gemm_ref() for
 * every transpose combination and the shapes the kernels special-case (and gemm_pf
 * against gemm: the same bits, the prefetch stream consumed exactly), on the active
 * kernel path (HSWEEP_ISA; CTest runs every path). */
#include <stdlib.h>
#include <string.h>

#include "model/dense.h"
#include "model/gemm.h"
#include "model/kern.h"
#include "model/rng.h"
#include "tests/gradcheck.h"
#include "tests/test_util.h"

/* O = 18 and I = 21 cover full and partial vectors of every kernel path */
enum { B = 9, I = 21, O = 18 };

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

/* kern()->gemm_pf on C0 (a copy of C1's input) against gemm's C1: the same bits, and the
 * prefetch stream (three ranges of 2, 65 and 10 lines, one ending mid-line) advanced by
 * exactly min(lines, 77) lines; returns 1 on a mismatch */
static int check_gemm_pf(float *C0, const float *C1, size_t ldc, const float *A, size_t lda,
                         int ta, const float *Bm, size_t ldb, int tb, size_t M, size_t N,
                         size_t K, float beta, size_t lines) {
    const char *p = (const char *)Bm;
    kern_pf pf = {{p, p + 200, p + 8000, NULL}, {100, 4096 + 8, 640, 0}, 0, 0};
    size_t left = kern_pf_left(&pf), want = left - (lines < left ? lines : left);
    kern()->gemm_pf(C0, ldc, A, lda, ta, Bm, ldb, tb, M, N, K, beta, &pf, lines);
    int same = memcmp(C0, C1, (M - 1) * ldc * sizeof *C0 + N * sizeof *C0) == 0;
    if (!same || kern_pf_left(&pf) != want) {
        fprintf(stderr, "gemm_pf M=%zu N=%zu K=%zu ta=%d tb=%d lines=%zu: %s, %zu lines left (want %zu)\n",
                M, N, K, ta, tb, lines, same ? "same bits" : "other bits", kern_pf_left(&pf), want);
        return 1;
    }
    return 0;
}

/* gemm (the active path's register-blocked kernels) against gemm_ref on every
 * transposition, strip decomposition (full and partial vectors of AVX-512, AVX2 and the
 * generic path), partial row blocks, K across the 256-row chunk boundary, beta 0 and 1,
 * with padded leading dimensions (nothing outside the N columns may change); B is
 * transposed (tb 1), or not with ldb = N + 3 (tb 0) or ldb = N + 1024 (wb: the rows of B
 * are >= 4 KiB apart, so gemm packs them) */
static void test_gemm(void) {
    size_t Ns[] = {1, 3, 8, 13, 16, 20, 32, 48, 64, 80, 100, 128, 192};
    size_t Ms[] = {1, 7, 13, 17}, Ks[] = {1, 5, 300};
    enum { MMAX = 17, NMAX = 192, KMAX = 300, LDC = 200 };
    size_t cap = (KMAX + 2) * (NMAX + 1024) + 64;
    float *A = malloc(cap * sizeof *A), *Bm = malloc(cap * sizeof *Bm);
    float *C1 = malloc(MMAX * LDC * sizeof *C1), *C2 = malloc(MMAX * LDC * sizeof *C2);
    float *C0 = malloc(MMAX * LDC * sizeof *C0);
    if (!A || !Bm || !C1 || !C2 || !C0) {
        CHECK(0, "out of memory");
        free(A), free(Bm), free(C1), free(C2), free(C0);
        return;
    }
    rng r;
    rng_seed(&r, 4);
    fill(A, cap, 1.0f, &r);
    fill(Bm, cap, 1.0f, &r);
    int bad = 0, cases = 0, bad_pf = 0;
    for (size_t a = 0; a < sizeof Ns / sizeof *Ns; a++)
        for (size_t b = 0; b < sizeof Ms / sizeof *Ms; b++)
            for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++)
                for (int ta = 0; ta < 2; ta++)
                    for (int tbw = 0; tbw < 3; tbw++)
                        for (int beta = 0; beta < 2; beta++) {
                            size_t N = Ns[a], M = Ms[b], K = Ks[c];
                            int tb = tbw == 1, wb = tbw == 2;
                            fill(C1, MMAX * LDC, 1.0f, &r);
                            memcpy(C2, C1, MMAX * LDC * sizeof *C1);
                            memcpy(C0, C1, MMAX * LDC * sizeof *C1);
                            size_t lda = ta ? M + 1 : K + 2, ldb = tb ? K + 1 : wb ? N + 1024 : N + 3;
                            gemm(C1, LDC, A, lda, ta, Bm, ldb, tb, M, N, K, (float)beta);
                            gemm_ref(C2, LDC, A, lda, ta, Bm, ldb, tb, M, N, K, (float)beta);
                            bad_pf += check_gemm_pf(C0, C1, LDC, A, lda, ta, Bm, ldb, tb, M, N, K,
                                                    (float)beta, (size_t)cases % 10 * 9);
                            double e = 0.0;
                            for (size_t i = 0; i < M; i++)
                                for (size_t j = 0; j < LDC; j++)
                                    e = fmax(e, fabs((double)C1[i * LDC + j] - (double)C2[i * LDC + j]));
                            cases++;
                            if (e > 1e-4 * (double)K) {
                                bad++;
                                fprintf(stderr, "gemm M=%zu N=%zu K=%zu ta=%d tb=%d ldb=%zu beta=%d err %g\n",
                                        M, N, K, ta, tb, ldb, beta, e);
                            }
                        }
    printf("gemm (%s): %d shapes against gemm_ref, %d mismatches\n", isa_name(), cases, bad);
    CHECK(bad == 0, "gemm mismatches: %d", bad);
    printf("gemm_pf (%s): %d shapes against gemm, %d mismatches\n", isa_name(), cases, bad_pf);
    CHECK(bad_pf == 0, "gemm_pf mismatches: %d", bad_pf);
    free(C0);
    free(A);
    free(Bm);
    free(C1);
    free(C2);
}

int main(void) {
    test_isa_init();
    run(0);
    run(1);
    test_gemm();
    return test_failures("test_dense");
}
