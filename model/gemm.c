/* gemm: BLAS-backed and plain-C matrix products (see gemm.h). */
#include "model/gemm.h"

#include <cblas.h>

/* OpenBLAS extension (declared here so no OpenBLAS-specific header is required). */
void openblas_set_num_threads(int num_threads);

void gemm_single_thread(void) { openblas_set_num_threads(1); }

void gemm_blas(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
               size_t ldb, int tb, size_t M, size_t N, size_t K, float beta) {
    if (M == 0 || N == 0) return;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, 1.0f, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

/* C(i,:) += sum_k A(i,k) B(k,:): the inner loop runs over contiguous columns of B and C,
 * so it vectorises without reassociating any sum (no -ffast-math needed). For tb = 1 the
 * k-sum is a dot product; it is accumulated in order, element by element. */
void gemm_ref(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
              size_t ldb, int tb, size_t M, size_t N, size_t K, float beta) {
    for (size_t i = 0; i < M; i++) {
        float *restrict c = C + i * ldc;
        if (beta == 0.0f)
            for (size_t j = 0; j < N; j++) c[j] = 0.0f;
        else if (beta != 1.0f)
            for (size_t j = 0; j < N; j++) c[j] *= beta;
        if (!tb) {
            for (size_t k = 0; k < K; k++) {
                float a = ta ? A[k * lda + i] : A[i * lda + k];
                const float *restrict b = B + k * ldb;
                for (size_t j = 0; j < N; j++) c[j] += a * b[j];
            }
        } else {
            for (size_t j = 0; j < N; j++) {
                const float *b = B + j * ldb;
                float s = 0.0f;
                for (size_t k = 0; k < K; k++) s += (ta ? A[k * lda + i] : A[i * lda + k]) * b[k];
                c[j] += s;
            }
        }
    }
}

/* ---- register-tiled kernel ----------------------------------------------------------------
 * C(MR rows, NR cols) = beta*C + sum_k A(r,k) B(k,:) with the MR x NR accumulator block held
 * in vector registers across the k loop (the compiler unrolls the fixed-size r and j loops:
 * 8 x 48 floats = 24 AVX-512 registers). A(r,k) is read at A[r*ars + k*aks], so one kernel
 * serves A and A^T. Each (r, j) sum is accumulated in k order, exactly like gemm_ref. */
#define GEMM_KERNEL(NAME, MR, NR)                                                              \
    static void NAME(float *restrict C, size_t ldc, const float *restrict A, size_t ars,       \
                     size_t aks, const float *restrict B, size_t ldb, size_t K, float beta) {  \
        float acc[MR][NR];                                                                     \
        for (int r = 0; r < MR; r++)                                                           \
            for (int j = 0; j < NR; j++) acc[r][j] = beta == 0.0f ? 0.0f : beta * C[r * ldc + j]; \
        for (size_t k = 0; k < K; k++) {                                                       \
            const float *restrict b = B + k * ldb;                                             \
            for (int r = 0; r < MR; r++) {                                                     \
                float a = A[r * ars + k * aks];                                                \
                for (int j = 0; j < NR; j++) acc[r][j] += a * b[j];                            \
            }                                                                                  \
        }                                                                                      \
        for (int r = 0; r < MR; r++)                                                           \
            for (int j = 0; j < NR; j++) C[r * ldc + j] = acc[r][j];                           \
    }

GEMM_KERNEL(kern_8x48, 8, 48)
GEMM_KERNEL(kern_4x48, 4, 48)
GEMM_KERNEL(kern_2x48, 2, 48)
GEMM_KERNEL(kern_1x48, 1, 48)
GEMM_KERNEL(kern_8x32, 8, 32)
GEMM_KERNEL(kern_4x32, 4, 32)
GEMM_KERNEL(kern_2x32, 2, 32)
GEMM_KERNEL(kern_1x32, 1, 32)

typedef void (*gemm_kernel)(float *restrict C, size_t ldc, const float *restrict A, size_t ars,
                            size_t aks, const float *restrict B, size_t ldb, size_t K, float beta);

/* rows [0,M) of one column strip of width NR (48 or 32): blocks of 8 rows (24 or 16
 * accumulator registers), then 4, 2 and 1 rows for the remainder. Measured on AVX-512:
 * 8x48 and 8x32 run at 150-210 GFLOP/s, like a 6x64 block, while row counts are usually
 * multiples of 8 (B = 256, H = 16/32/64) so no slow remainder blocks are needed. (A 16-wide
 * kernel is not offered: GCC 12 turns its k loop into ordered vector reductions and it runs
 * at a few GFLOP/s, so 16-column strips go to BLAS.) */
static void strip(float *C, size_t ldc, const float *A, size_t ars, size_t aks, const float *B,
                  size_t ldb, size_t M, size_t NR, size_t K, float beta) {
    gemm_kernel k8 = kern_8x32, k4 = kern_4x32, k2 = kern_2x32, k1 = kern_1x32;
    if (NR == 48) k8 = kern_8x48, k4 = kern_4x48, k2 = kern_2x48, k1 = kern_1x48;
    size_t i = 0;
    for (; M - i >= 8; i += 8) k8(C + i * ldc, ldc, A + i * ars, ars, aks, B, ldb, K, beta);
    for (; M - i >= 4; i += 4) k4(C + i * ldc, ldc, A + i * ars, ars, aks, B, ldb, K, beta);
    for (; M - i >= 2; i += 2) k2(C + i * ldc, ldc, A + i * ars, ars, aks, B, ldb, K, beta);
    for (; i < M; i++) k1(C + i * ldc, ldc, A + i * ars, ars, aks, B, ldb, K, beta);
}

/* K is processed in chunks of GEMM_KC so a chunk of B stays in L2 while every row block of
 * A passes over it (the weight gradients have K = T*B = 30,720). */
#define GEMM_KC 256

void gemm_tiled(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                size_t ldb, int tb, size_t M, size_t N, size_t K, float beta) {
    if (tb) { /* not used by the layers (they pre-transpose); keep the contract */
        gemm_ref(C, ldc, A, lda, ta, B, ldb, tb, M, N, K, beta);
        return;
    }
    size_t ars = ta ? 1 : lda, aks = ta ? lda : 1;
    size_t N16 = N - N % 16; /* columns covered by 48/32/16-wide strips */
    if (K == 0) {
        gemm_ref(C, ldc, A, lda, ta, B, ldb, tb, M, N, K, beta);
        return;
    }
    for (size_t k0 = 0; k0 < K; k0 += GEMM_KC) {
        size_t kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        float bk = k0 == 0 ? beta : 1.0f;
        const float *Ak = A + k0 * aks, *Bk = B + k0 * ldb;
        /* strips of 48 columns, then 32 (64 = 32 + 32), e.g. 128 = 48 + 48 + 32 */
        size_t j = 0;
        for (; N16 - j >= 48 && N16 - j != 64; j += 48)
            strip(C + j, ldc, Ak, ars, aks, Bk + j, ldb, M, 48, kc, bk);
        for (; N16 - j >= 32; j += 32) strip(C + j, ldc, Ak, ars, aks, Bk + j, ldb, M, 32, kc, bk);
        if (j < N) /* 16-column strip and/or leftover columns */
            gemm_blas(C + j, ldc, Ak, lda, ta, Bk + j, ldb, 0, M, N - j, kc, bk);
    }
}

void gemm(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B, size_t ldb,
          int tb, size_t M, size_t N, size_t K, float beta) {
    /* measured (bench_engine, with the beta each call site uses): OpenBLAS wins with a
     * transposed B; the tiled kernel wins on every per-step recurrent product, the input
     * projection and the weight gradients */
    if (tb)
        gemm_blas(C, ldc, A, lda, ta, B, ldb, tb, M, N, K, beta);
    else
        gemm_tiled(C, ldc, A, lda, ta, B, ldb, tb, M, N, K, beta);
}
