/* gemm: the matrix products (see gemm.h). */
#include "model/gemm.h"

#include "model/kern.h"

void gemm(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B, size_t ldb,
          int tb, size_t M, size_t N, size_t K, float beta) {
    kern()->gemm(C, ldc, A, lda, ta, B, ldb, tb, M, N, K, beta);
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
