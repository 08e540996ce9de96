/* kern_generic: the kernels of model/kern_impl.h in portable C (4-float structs that
 * compilers map onto SSE2 or NEON; no FMA, so a*b + c rounds twice). Used on CPUs without
 * AVX2+FMA and on every non-x86 target. On x86-64 CMakeLists.txt compiles it with
 * -mno-avx, so it is the same code whatever -march the rest of the build uses. */
#define KERN_GENERIC
#define KERN_TABLE kern_generic
#define KERN_NAME "generic"
#define KERN_MR1 8
#define KERN_MR2 6
#define KERN_MR3 4
#define KERN_MR4 0
#define KERN_LSTM_MR 2
#define KERN_GRU_MR 2
#include "model/kern_impl.h"
