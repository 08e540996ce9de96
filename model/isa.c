/* isa: runtime selection of the kernel table (see isa.h). */
#include "model/isa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/kern.h"

#if defined(__x86_64__) || defined(_M_X64)
#define ISA_X86 1
#else
#define ISA_X86 0
#endif

static const kern_ops *active; /* NULL until isa_init succeeds */

static const char *const names[3] = {"generic", "avx2", "avx512"};

const char *isa_kind_name(isa_kind k) { return (unsigned)k < 3 ? names[k] : "?"; }

int isa_parse(const char *s, isa_kind *k) {
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *k = (isa_kind)i;
            return 0;
        }
    return -1;
}

int isa_supported(isa_kind k) {
    if (k == ISA_GENERIC) return 1;
#if ISA_X86 && defined(__GNUC__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (k == ISA_AVX2) return avx2;
    if (k == ISA_AVX512)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    return 0;
}

static const kern_ops *table(isa_kind k) {
#if ISA_X86
    if (k == ISA_AVX512) return &kern_avx512;
    if (k == ISA_AVX2) return &kern_avx2;
#endif
    (void)k;
    return &kern_generic;
}

int isa_choose(const char *env, isa_kind *out, char *err, size_t len) {
    isa_kind k = ISA_GENERIC;
    if (env && *env) {
        if (isa_parse(env, &k) != 0) {
            if (err && len)
                snprintf(err, len, "HSWEEP_ISA=%s: unknown path (use avx512, avx2 or generic)", env);
            return -1;
        }
        if (!isa_supported(k)) {
            if (err && len)
                snprintf(err, len, "HSWEEP_ISA=%s: this CPU lacks %s (supported: %s%sgeneric)", env,
                         k == ISA_AVX512 ? "AVX-512 (F, BW, DQ, VL)" : "AVX2 with FMA",
                         isa_supported(ISA_AVX512) ? "avx512, " : "",
                         isa_supported(ISA_AVX2) ? "avx2, " : "");
            return -1;
        }
    } else {
        k = isa_supported(ISA_AVX512) ? ISA_AVX512 : isa_supported(ISA_AVX2) ? ISA_AVX2 : ISA_GENERIC;
    }
    *out = k;
    return 0;
}

int isa_init(char *err, size_t len) {
    if (active) return 0;
    isa_kind k;
    if (isa_choose(getenv("HSWEEP_ISA"), &k, err, len) != 0) return -1;
    active = table(k);
    return 0;
}

const kern_ops *kern(void) {
    if (!active) {
        char err[160];
        if (isa_init(err, sizeof err) != 0) {
            fprintf(stderr, "hsweep: %s\n", err);
            exit(2);
        }
    }
    return active;
}

const char *isa_name(void) { return kern()->name; }

isa_kind isa_active(void) {
    const kern_ops *t = kern();
    isa_kind k = ISA_GENERIC;
    isa_parse(t->name, &k);
    return k;
}

int isa_set(isa_kind k) {
    if (!isa_supported(k)) return -1;
    active = table(k);
    return 0;
}
