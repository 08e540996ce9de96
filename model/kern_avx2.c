/* kern_avx2: the kernels of model/kern_impl.h for AVX2 with FMA: 8-lane vectors and 16
 * registers, so GEMM blocks of 4 x 3, 6 x 2 and 8 x 1 vectors and fused-step blocks of
 * 3 rows x 4 gates for LSTM, 2 x 4 for GRU (at most 12 accumulators and 3 broadcasts; the
 * compiler takes one of the four weight vectors as a memory operand of its FMAs, so the
 * k loop does not spill; 3 LSTM rows measured 1.2x faster than 2 on LSTM(64) training, 3
 * GRU rows no faster than 2). Compiled with -mavx2 -mfma -mno-avx512f (CMakeLists.txt:
 * the same code whatever -march the rest of the build uses) on x86-64 only; used when
 * model/isa.c finds AVX2 and FMA but not AVX-512. */
#if defined(__x86_64__) || defined(_M_X64)
#define KERN_AVX2
#define KERN_TABLE kern_avx2
#define KERN_NAME "avx2"
#define KERN_MR1 8
#define KERN_MR2 6
#define KERN_MR3 4
#define KERN_MR4 0
#define KERN_LSTM_MR 3
#define KERN_GRU_MR 2
#include "model/kern_impl.h"
#else
typedef int kern_avx2_unused; /* ISO C forbids an empty translation unit */
#endif
