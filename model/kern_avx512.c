/* kern_avx512: the kernels of model/kern_impl.h for AVX-512 (F, BW, DQ, VL) with FMA:
 * 16-lane vectors and 32 registers, so GEMM blocks of 6 x 4, 8 x 3, 12 x 2 and 8 x 1 vectors
 * and fused-step blocks of 4 rows x 4 gate accumulators for LSTM (16 accumulators leave
 * registers for the previous block's gate math that runs between the k chunks: 1.08-1.15x
 * on the LSTM(64) step against 6 rows) and 6 x 4 for GRU (z, r, r_h, x_h), at most 24
 * accumulators plus the B vectors and a broadcast. One-vector strips (N = 16:
 * dense16's x W and dW, H = 16 layers' dh) take 8 rows, not 16: 16 row pointers exceed the
 * free general registers, and GCC moved them through vector registers on every k step;
 * 8 rows keep them in registers and still cover the FMA latency (8 chains on 2 pipes)
 * (measured: dense16's x W and dW 1.15-1.2x faster). Blocking never changes a sum. Compiled with
 * -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma (CMakeLists.txt) on x86-64 only; used
 * when model/isa.c finds those features. */
#if defined(__x86_64__) || defined(_M_X64)
#define KERN_AVX512
#define KERN_TABLE kern_avx512
#define KERN_NAME "avx512"
#define KERN_MR1 8
#define KERN_MR2 12
#define KERN_MR3 8
#define KERN_MR4 6
#define KERN_LSTM_MR 4
#define KERN_GRU_MR 6
#include "model/kern_impl.h"
#else
typedef int kern_avx512_unused; /* ISO C forbids an empty translation unit */
#endif
