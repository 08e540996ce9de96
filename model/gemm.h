/* gemm: the single-precision matrix products used by the layers.
 *
 * Row-major C(M,N) = beta*C + op(A) op(B), op = identity or transpose. gemm() is what the
 * layers call. Without a transposed B it runs gemm_tiled(), a register-tiled plain-C
 * kernel (vectorised by the compiler, no intrinsics), which scripts/bench_engine measured
 * faster than OpenBLAS 0.3.21 (whose build falls back to its AVX2 Haswell kernels on this
 * Zen 5 CPU) on every per-step recurrent product, the input projection and the weight
 * gradients (the shape table of `build/bench_engine`; docs/engine.md "Speed"). With a transposed
 * B (only dL/dx of stacked layers) it calls cblas_sgemm on one thread. gemm_ref() is the
 * naive reference for the tests and the benchmark. Cannot fail; does not allocate.
 * Operands must not alias C. */
#ifndef HS_GEMM_H
#define HS_GEMM_H

#include <stddef.h>

/* C (M,N), leading dimension ldc; A is (M,K) (ta = 0, lda >= K) or (K,M) (ta = 1, lda >= M);
 * B is (K,N) (tb = 0, ldb >= N) or (N,K) (tb = 1, ldb >= K). beta 0 overwrites C (C may
 * hold garbage then), beta 1 accumulates. M, N or K of 0 is allowed (K = 0 scales C). */
void gemm(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B, size_t ldb,
          int tb, size_t M, size_t N, size_t K, float beta);

/* Same contract as gemm(), computed by plain C loops (vectorised by the compiler). */
void gemm_ref(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
              size_t ldb, int tb, size_t M, size_t N, size_t K, float beta);

/* Same contract as gemm(), register-tiled plain C (8x48 and 8x32 accumulator blocks, K in
 * chunks of 256; 16-column strips via BLAS); tb = 1 falls back to gemm_ref (callers
 * pre-transpose instead). */
void gemm_tiled(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                size_t ldb, int tb, size_t M, size_t N, size_t K, float beta);

/* Same contract as gemm(), always through cblas_sgemm. */
void gemm_blas(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
               size_t ldb, int tb, size_t M, size_t N, size_t K, float beta);

/* Make BLAS single-threaded (each process is one core; MPI ranks give the parallelism).
 * Idempotent; called by net_create. */
void gemm_single_thread(void);

#endif
