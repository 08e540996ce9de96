/* simd: the vector abstraction the kernels (model/kern_impl.h) are written in, for one
 * instruction set per translation unit.
 *
 * Define exactly one of KERN_AVX512, KERN_AVX2, KERN_GENERIC before including. Each gives
 * a float vector type `vf` of VL lanes, a lane mask `vm` for partial vectors, and the same
 * small set of operations, so model/kern_impl.h holds every kernel once:
 *   AVX-512: __m512, VL 16, masked loads/stores through __mmask16;
 *   AVX2:    __m256, VL 8, masks through vmaskmov (8 x int32 lane masks);
 *   generic: a struct of 4 floats (plain C; compilers turn it into SSE2/NEON code).
 * vf_fma(a, b, c) = a*b + c (vf_fms: a*b - c) is one fused multiply-add on AVX-512/AVX2
 * (single rounding) and a multiply then an add in the generic path (no fma() call, which is
 * a slow library call on targets without FMA). min/max keep a NaN from their SECOND operand, so clamps written
 * vf_min(hi, x) let NaN through (divergence stays visible to isfinite(loss)).
 * Not a public header: only model/kern_*.c include it. */
#ifndef HS_SIMD_H
#define HS_SIMD_H

#include <stddef.h>
#include <stdint.h>

#if defined(KERN_AVX512)
#include <immintrin.h>
#define VL 16
typedef __m512 vf;
typedef __mmask16 vm;
static inline vm vm_first(size_t n) { return (vm)(n >= 16 ? 0xFFFFu : (1u << n) - 1u); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vf_loadm(const float *p, vm m) { return _mm512_maskz_loadu_ps(m, p); }
static inline void vf_storem(float *p, vf v, vm m) { _mm512_mask_storeu_ps(p, m, v); }
static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_sqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }
static inline vf vf_fms(vf a, vf b, vf c) { return _mm512_fmsub_ps(a, b, c); }
static inline vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vf_abs(vf a) { return _mm512_abs_ps(a); }
/* x clamped to [-c, c]; NaN stays NaN (vrangeps would take one operation instead of two,
 * but returns c for a NaN x) */
static inline vf vf_clamp_sym(vf x, float c) {
    return _mm512_max_ps(_mm512_set1_ps(-c), _mm512_min_ps(_mm512_set1_ps(c), x));
}
/* x > 0 ? a : 0 */
static inline vf vf_pos_select(vf x, vf a) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), a);
}
/* |x| < t ? a : b, lane by lane */
static inline vf vf_select_lt(vf x, vf t, vf a, vf b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, t, _CMP_LT_OQ), b, a);
}
/* copy the sign bit of s onto a (a >= 0) */
static inline vf vf_copysign(vf a, vf s) {
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a),
                                               _mm512_and_si512(_mm512_castps_si512(s), sign)));
}
/* lane i = the bits of tab[bits(idx_i) & 15] (a 16-entry table in one register: vpermd) */
static inline vf vf_lookup16(const uint32_t *tab, vf idx) {
    return _mm512_castsi512_ps(
        _mm512_permutexvar_epi32(_mm512_castps_si512(idx), _mm512_loadu_si512((const void *)tab)));
}
/* the bits of a plus the bits of kb shifted left by 19, as 32-bit integers: for the float
 * kb = 1.5*2^23 + k (k an integer, |k| < 2^22) the shift leaves k << 19 (the bits above
 * shift out), which adds k >> 4 to a's exponent field when a's bits carry -(k & 15) << 19 */
static inline vf vf_add_shl19(vf a, vf kb) {
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(a),
                                                _mm512_slli_epi32(_mm512_castps_si512(kb), 19)));
}
/* a pair of double vectors accumulating VL floats in double precision */
typedef struct vdacc { __m512d lo, hi; } vdacc;
static inline vdacc vdacc_zero(void) { vdacc a = {_mm512_setzero_pd(), _mm512_setzero_pd()}; return a; }
static inline vdacc vdacc_add(vdacc a, vf v) {
    a.lo = _mm512_add_pd(a.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    a.hi = _mm512_add_pd(a.hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
    return a;
}
/* acc[0..n) += a (n <= VL) */
static inline void vdacc_flush(double *acc, vdacc a, size_t n) {
    double t[VL];
    _mm512_storeu_pd(t, a.lo);
    _mm512_storeu_pd(t + 8, a.hi);
    for (size_t i = 0; i < n; i++) acc[i] += t[i];
}

#elif defined(KERN_AVX2)
#include <immintrin.h>
#define VL 8
typedef __m256 vf;
typedef __m256i vm;
static inline vm vm_first(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n >= 8 ? 8 : n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf vf_loadm(const float *p, vm m) { return _mm256_maskload_ps(p, m); }
static inline void vf_storem(float *p, vf v, vm m) { _mm256_maskstore_ps(p, m, v); }
static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_sqrt(vf a) { return _mm256_sqrt_ps(a); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
static inline vf vf_fms(vf a, vf b, vf c) { return _mm256_fmsub_ps(a, b, c); }
static inline vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vf_abs(vf a) {
    return _mm256_castsi256_ps(
        _mm256_and_si256(_mm256_castps_si256(a), _mm256_set1_epi32(0x7FFFFFFF)));
}
static inline vf vf_clamp_sym(vf x, float c) {
    return _mm256_max_ps(_mm256_set1_ps(-c), _mm256_min_ps(_mm256_set1_ps(c), x));
}
static inline vf vf_pos_select(vf x, vf a) {
    return _mm256_and_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ), a);
}
static inline vf vf_select_lt(vf x, vf t, vf a, vf b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, t, _CMP_LT_OQ));
}
static inline vf vf_copysign(vf a, vf s) {
    return _mm256_or_ps(a, _mm256_and_ps(s, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u))));
}
/* two 8-entry permutes, the lane's bit 3 (moved to the sign bit) picks one */
static inline vf vf_lookup16(const uint32_t *tab, vf idx) {
    __m256i i = _mm256_castps_si256(idx);
    __m256 lo = _mm256_castsi256_ps(
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(const void *)tab), i));
    __m256 hi = _mm256_castsi256_ps(
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(tab + 8)), i));
    return _mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(_mm256_slli_epi32(i, 28)));
}
static inline vf vf_add_shl19(vf a, vf kb) {
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(a),
                                                _mm256_slli_epi32(_mm256_castps_si256(kb), 19)));
}
typedef struct vdacc { __m256d lo, hi; } vdacc;
static inline vdacc vdacc_zero(void) { vdacc a = {_mm256_setzero_pd(), _mm256_setzero_pd()}; return a; }
static inline vdacc vdacc_add(vdacc a, vf v) {
    a.lo = _mm256_add_pd(a.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    a.hi = _mm256_add_pd(a.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    return a;
}
static inline void vdacc_flush(double *acc, vdacc a, size_t n) {
    double t[VL];
    _mm256_storeu_pd(t, a.lo);
    _mm256_storeu_pd(t + 4, a.hi);
    for (size_t i = 0; i < n; i++) acc[i] += t[i];
}

#elif defined(KERN_GENERIC)
#include <math.h>
#define VL 4
typedef struct vf { float v[VL]; } vf;
typedef size_t vm; /* number of leading lanes */
#define VF_MAP(expr)                                                                           \
    vf r_;                                                                                     \
    for (int i_ = 0; i_ < VL; i_++) r_.v[i_] = (expr);                                         \
    return r_
static inline vm vm_first(size_t n) { return n >= VL ? VL : n; }
static inline vf vf_load(const float *p) { VF_MAP(p[i_]); }
static inline void vf_store(float *p, vf v) {
    for (int i = 0; i < VL; i++) p[i] = v.v[i];
}
static inline vf vf_loadm(const float *p, vm m) { VF_MAP((size_t)i_ < m ? p[i_] : 0.0f); }
static inline void vf_storem(float *p, vf v, vm m) {
    for (size_t i = 0; i < m; i++) p[i] = v.v[i];
}
static inline vf vf_set1(float x) { VF_MAP(x); }
static inline vf vf_zero(void) { VF_MAP(0.0f); }
static inline vf vf_add(vf a, vf b) { VF_MAP(a.v[i_] + b.v[i_]); }
static inline vf vf_sub(vf a, vf b) { VF_MAP(a.v[i_] - b.v[i_]); }
static inline vf vf_mul(vf a, vf b) { VF_MAP(a.v[i_] * b.v[i_]); }
static inline vf vf_div(vf a, vf b) { VF_MAP(a.v[i_] / b.v[i_]); }
static inline vf vf_sqrt(vf a) { VF_MAP(sqrtf(a.v[i_])); }
static inline vf vf_fma(vf a, vf b, vf c) { VF_MAP(a.v[i_] * b.v[i_] + c.v[i_]); }
static inline vf vf_fnma(vf a, vf b, vf c) { VF_MAP(c.v[i_] - a.v[i_] * b.v[i_]); }
static inline vf vf_fms(vf a, vf b, vf c) { VF_MAP(a.v[i_] * b.v[i_] - c.v[i_]); }
static inline vf vf_min(vf a, vf b) { VF_MAP(a.v[i_] < b.v[i_] ? a.v[i_] : b.v[i_]); }
static inline vf vf_max(vf a, vf b) { VF_MAP(a.v[i_] > b.v[i_] ? a.v[i_] : b.v[i_]); }
static inline vf vf_abs(vf a) { VF_MAP(a.v[i_] < 0.0f ? -a.v[i_] : a.v[i_]); }
static inline vf vf_clamp_sym(vf x, float c) { return vf_max(vf_set1(-c), vf_min(vf_set1(c), x)); }
static inline vf vf_pos_select(vf x, vf a) { VF_MAP(x.v[i_] > 0.0f ? a.v[i_] : 0.0f); }
static inline vf vf_select_lt(vf x, vf t, vf a, vf b) { VF_MAP(x.v[i_] < t.v[i_] ? a.v[i_] : b.v[i_]); }
static inline float f_copysign_(float a, float s) {
    union { float f; uint32_t u; } ua = {a}, us = {s};
    ua.u |= us.u & 0x80000000u;
    return ua.f;
}
static inline vf vf_copysign(vf a, vf s) { VF_MAP(f_copysign_(a.v[i_], s.v[i_])); }
static inline float f_lookup16_(const uint32_t *tab, float idx) {
    union { float f; uint32_t u; } i = {idx}, r;
    r.u = tab[i.u & 15u];
    return r.f;
}
static inline vf vf_lookup16(const uint32_t *tab, vf idx) { VF_MAP(f_lookup16_(tab, idx.v[i_])); }
static inline float f_add_shl19_(float a, float kb) {
    union { float f; uint32_t u; } ua = {a}, uk = {kb};
    ua.u += uk.u << 19;
    return ua.f;
}
static inline vf vf_add_shl19(vf a, vf kb) { VF_MAP(f_add_shl19_(a.v[i_], kb.v[i_])); }
typedef struct vdacc { double v[VL]; } vdacc;
static inline vdacc vdacc_zero(void) { vdacc a = {{0.0, 0.0, 0.0, 0.0}}; return a; }
static inline vdacc vdacc_add(vdacc a, vf v) {
    for (int i = 0; i < VL; i++) a.v[i] += (double)v.v[i];
    return a;
}
static inline void vdacc_flush(double *acc, vdacc a, size_t n) {
    for (size_t i = 0; i < n; i++) acc[i] += a.v[i];
}
#else
#error "define KERN_AVX512, KERN_AVX2 or KERN_GENERIC before including model/simd.h"
#endif

#endif
