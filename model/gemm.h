/* gemm: the single-precision matrix products used by the layers.
 *
 * Row-major C(M,N) = beta*C + op(A) op(B), op = identity or transpose. gemm() is what the
 * layers call: the register-blocked FMA kernel of the active instruction set
 * (model/kern_impl.h, chosen by model/isa.c), for every transposition and any shape.
 * gemm_ref() is the naive reference for the tests and the benchmark. Neither can fail nor
 * allocates. Operands must not alias C. */
#ifndef HS_GEMM_H
#define HS_GEMM_H

#include <stddef.h>

/* C (M,N), leading dimension ldc; A is (M,K) (ta = 0, lda >= K) or (K,M) (ta = 1, lda >= M);
 * B is (K,N) (tb = 0, ldb >= N) or (N,K) (tb = 1, ldb >= K). beta 0 overwrites C (C may
 * hold garbage then), beta 1 accumulates. M, N or K of 0 is allowed (K = 0 scales C). */
void gemm(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B, size_t ldb,
          int tb, size_t M, size_t N, size_t K, float beta);

/* Same contract as gemm(), computed by plain C loops in k order (no FMA), for tests. */
void gemm_ref(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
              size_t ldb, int tb, size_t M, size_t N, size_t K, float beta);

#endif
