/* isa: which instruction set the kernels (model/kern.h) use, chosen once per process.
 *
 * On x86-64 the choice is the best path the CPU supports (cpuid through
 * __builtin_cpu_supports): AVX-512 (F, BW, DQ, VL) with FMA, else AVX2 with FMA, else the
 * portable C path; on other architectures always the portable path. The environment
 * variable HSWEEP_ISA=avx512|avx2|generic overrides the choice (tests, benchmarks,
 * comparisons); asking for a path the CPU lacks is refused. Every process of a sweep
 * should run the same path: results are bit-identical within one path, and differ between
 * paths in rounding only. The selection is the one process-wide state of model/: it is
 * written once (isa_init or the first kern() call) and read-only afterwards. */
#ifndef HS_ISA_H
#define HS_ISA_H

#include <stddef.h>

typedef enum isa_kind { ISA_GENERIC = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 } isa_kind;

/* Select the path from HSWEEP_ISA or cpuid. Returns 0, or -1 with a one-line message in
 * err (len bytes, may be NULL), e.g. "HSWEEP_ISA=avx512: this CPU lacks AVX-512
 * (supported: avx2, generic)", when the variable names an unknown or unsupported path.
 * Idempotent after success. Programs call it at start to report the error cleanly; kern()
 * calls it otherwise and exits with status 2 after printing the message. */
int isa_init(char *err, size_t len);

/* The path isa_init chooses for the value env of HSWEEP_ISA (NULL or "" = the best this CPU
 * supports): 0 with *out set, or -1 with the message in err (pure; for tests). */
int isa_choose(const char *env, isa_kind *out, char *err, size_t len);

/* Name of the active path ("avx512", "avx2", "generic"); initialises like kern(). */
const char *isa_name(void);

/* The active path. */
isa_kind isa_active(void);

/* 1 if this CPU (and this build) can run path k. */
int isa_supported(isa_kind k);

/* Switch to path k (tests and benchmarks compare paths in one process). Returns 0, or -1
 * (and changes nothing) when unsupported. Not thread-safe: call between models. */
int isa_set(isa_kind k);

/* Parse "avx512" / "avx2" / "generic" into *k; 0 or -1. */
int isa_parse(const char *s, isa_kind *k);

/* Name of path k. */
const char *isa_kind_name(isa_kind k);

#endif
