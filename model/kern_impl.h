/* kern_impl: every kernel of model/kern.h, written once in the vector abstraction of
 * model/simd.h and compiled once per instruction set by model/kern_<isa>.c, which defines
 * before including this file:
 *   KERN_AVX512 | KERN_AVX2 | KERN_GENERIC   the vector back end (model/simd.h)
 *   KERN_TABLE        name of the kern_ops table to define (kern_avx512, ...)
 *   KERN_MR1, KERN_MR2, KERN_MR3   GEMM register block: rows for strips of 1, 2, 3 vectors
 *   KERN_MR4          rows for strips of 4 vectors, or 0: no such strips
 *   KERN_LSTM_MR, KERN_GRU_MR      rows per block of the fused recurrent steps
 * The register blocks are sized to the register file: MR x NV accumulators plus NV
 * B vectors and one broadcast (AVX-512: 32 registers, AVX2 and SSE2: 16).
 * Summation order depends only on the shapes, so every result is reproducible within one
 * instruction set. Not a public header. */
#include <string.h>

#include "model/kern.h"
#include "model/simd.h"

/* ---- activations ---------------------------------------------------------------------
 * All three start from one reduction of e^(a x), a = 1, -1 or 2 (v_exp_parts; the caller
 * clamps x so that e^(a x) is a normal float, or tiny enough to vanish after the +1):
 * a x = k ln2/16 + r, k an integer, |r| <= ln2/32, and e^(a x) = 2^(k >> 4) 2^((k & 15)/16) e^r.
 * Adding 1.5*2^23 rounds a x 16 log2 e to the integer k and leaves it in the low mantissa
 * bits; those bits index a 16-entry table of 2^(j/16) held in one register (vpermd; two
 * 8-entry permutes on AVX2), and the same bits shifted left by 19 add k >> 4 to the entry's
 * exponent (the table stores each entry's bits minus j << 19), so t = 2^(k>>4) float(2^(j/16))
 * costs a permute, a shift and an integer add. r = a x - k ln2/16 with ln2/16 split in an
 * exact part and a correction (Cody-Waite; tanh uses float(ln2/32) alone, 6e-11 off per
 * step of k, which tanh never feels). It returns em with e^(a x) = t (1 + em):
 *   exp, sigmoid: em = e^r - 1 = r + r^2 (c0 + c1 r), a minimax fit for the relative error
 *     of e^r (1.6e-9 on |r| <= ln2/32); exp adds tau_j = 2^(j/16)/float(2^(j/16)) - 1
 *     (|tau| <= 4.8e-8, a second table) to r, sigmoid does without (its bound holds);
 *   tanh (x >= 0): k = round(2x 16 log2 e - 0.5) (rounded down), so 0 <= r <= ln2/16
 *     and every term below is >= 0 (no cancellation); em = e^r - 1 + tau_j with
 *     e^r - 1 = r + r^2 (d0 + d1 r + d2 r^2), a minimax fit for the relative error of
 *     e^r - 1 (5.6e-10 on [0, ln2/16]), evaluated in r/2 with coefficients scaled by
 *     powers of 2 (exact).
 * Then
 *   e^x        = t em + t                                     (one rounding)
 *   sigmoid(x) = 1 / (1 + e^-x), 1 + e^-x = (t em + t) + 1 (not t em + (1 + t): t is no
 *                power of 2, so 1 + t rounds, and that form's absolute error was 1.45e-7)
 *   tanh(x)    = sign(x) m / (m + 2), m = e^2|x| - 1 = t em + (t - 1)
 * For a = -1 the reduction computes s = -r = x + k ln2/16 and evaluates the polynomial in
 * -s (fnma for fma), so -x is never formed. Per sigmoid 7 operations on the FMA pipes (10
 * before the table) and one division; per tanh 7 (11). The clamps pass NaN through
 * (operand order; see simd.h). */
/* 2^(j/16) rounded to float, j = 0..15, as bits minus j << 19 (vf_add_shl19 adds k << 19,
 * k = 16 e + j, which puts e into the exponent field), and the relative rounding error of
 * each entry, tau_j = 2^(j/16) / float(2^(j/16)) - 1 (|tau| <= 4.8e-8) */
static const uint32_t exp2_tab[16] = {
    0x3f800000u, 0x3f7daac3u, 0x3f7b95c2u, 0x3f79c3d3u, 0x3f7837f0u, 0x3f76f532u,
    0x3f75fed7u, 0x3f75583fu, 0x3f7504f3u, 0x3f7508a4u, 0x3f75672au, 0x3f76248cu,
    0x3f7744fdu, 0x3f78ccdfu, 0x3f7ac0c7u, 0x3f7d257du};
static const uint32_t exp2_tau[16] = {
    0x00000000u, 0x3346cb6au, 0xb24e0611u, 0x334b2482u, 0x33092801u, 0x331b85f2u,
    0xb3051aa8u, 0xb2006c56u, 0x329302aeu, 0xb302e5a2u, 0x31b3d0e5u, 0x31d1daf2u,
    0xb27ce182u, 0xb1b4b0dau, 0xb1d290beu, 0x31b0a147u};

static inline vf v_exp_parts(vf x, int a, vf *t) {
    const float c0 = 5.000162125e-1f, c1 = 1.666671932e-1f;
    const float d0 = 5.000001192e-1f, d1 = 1.666490287e-1f, d2 = 4.236698523e-02f;
    const float ln2_hi = 0.693359375f / 16.0f, ln2_lo = -2.12194440e-4f / 16.0f,
                ln2_32 = 0.0216608494f, sh = 12582912.0f, l2e = 16.0f * 1.44269504088896341f;
    if (a == -1) {
        vf kb = vf_fma(x, vf_set1(-l2e), vf_set1(sh));
        vf kf = vf_sub(kb, vf_set1(sh));
        vf s = vf_fma(kf, vf_set1(ln2_hi), x);
        s = vf_fma(kf, vf_set1(ln2_lo), s);
        vf p = vf_fnma(vf_set1(c1), s, vf_set1(c0));
        *t = vf_add_shl19(vf_lookup16(exp2_tab, kb), kb);
        return vf_fms(vf_mul(s, s), p, s);
    }
    if (a == 2) {
        vf kb = vf_add(vf_fma(x, vf_set1(2.0f * l2e), vf_set1(-0.5f)), vf_set1(sh));
        vf kf = vf_sub(kb, vf_set1(sh));
        vf h = vf_fnma(kf, vf_set1(ln2_32), x);
        vf p = vf_fma(vf_set1(16.0f * d2), h, vf_set1(8.0f * d1));
        p = vf_fma(p, h, vf_set1(4.0f * d0));
        *t = vf_add_shl19(vf_lookup16(exp2_tab, kb), kb);
        return vf_fma(vf_mul(h, h), p, vf_add(vf_add(h, h), vf_lookup16(exp2_tau, kb)));
    }
    vf kb = vf_fma(x, vf_set1(l2e), vf_set1(sh));
    vf kf = vf_sub(kb, vf_set1(sh));
    vf r = vf_fnma(kf, vf_set1(ln2_hi), x);
    r = vf_fnma(kf, vf_set1(ln2_lo), r);
    vf p = vf_fma(vf_set1(c1), r, vf_set1(c0));
    *t = vf_add_shl19(vf_lookup16(exp2_tab, kb), kb);
    return vf_fma(vf_mul(r, r), p, vf_add(r, vf_lookup16(exp2_tau, kb)));
}

/* e^x for x clamped to [-87, 88]: exp(-87) = 1.6e-38, exp(88) = 1.65e38, never 0 or inf */
static inline vf v_exp(vf x) {
    x = vf_min(vf_set1(88.0f), x);
    x = vf_max(vf_set1(-87.0f), x);
    vf t, em = v_exp_parts(x, 1, &t);
    return vf_fma(t, em, t);
}

/* sigmoid(x) = 1 / (1 + e^-x), x clamped to [-88, 88] (e^-88: t below 2^-126, sigmoid 1);
 * 1 + e^-x = (t em + t) + 1 */
static inline vf v_sigmoid(vf x) {
    vf t, em = v_exp_parts(vf_clamp_sym(x, 88.0f), -1, &t);
    return vf_div(vf_set1(1.0f), vf_add(vf_fma(t, em, t), vf_set1(1.0f)));
}

/* tanh(x) = sign(x) m / (m + 2), m = e^2|x| - 1 = t em + (t - 1) >= 0 (t - 1 exact for
 * t <= 2); |x| clamped to 43.5 (t <= 2^126; tanh is 1 in float well before: m + 2 rounds
 * to m) */
static inline vf v_tanh(vf x) {
    vf t, em = v_exp_parts(vf_min(vf_set1(43.5f), vf_abs(x)), 2, &t);
    vf m = vf_fma(t, em, vf_sub(t, vf_set1(1.0f)));
    return vf_copysign(vf_div(m, vf_add(m, vf_set1(2.0f))), x);
}

/* loads/stores of a column block that may be partial: full != 0 is a compile-time
 * constant at every call site once inlined, so full blocks use plain vector moves */
static inline vf ld(const float *p, int full, vm m) { return full ? vf_load(p) : vf_loadm(p, m); }
static inline void st(float *p, vf v, int full, vm m) {
    if (full) vf_store(p, v);
    else vf_storem(p, v, m);
}

/* Prefetch hint of gemm_pf: __builtin_prefetch's locality (3: prefetcht0 ... 0: nta). */
#ifndef KERN_PF_LOC
#define KERN_PF_LOC 2
#endif
#ifdef KERN_GENERIC
#define KERN_PREFETCH(p) ((void)(p))
#else
#define KERN_PREFETCH(p) __builtin_prefetch((p), 0, KERN_PF_LOC)
#endif

/* ---- matrix product: register-blocked micro-kernels ------------------------------------
 * C(mr rows, NV vectors) = beta*C + sum_k A(r,k) B(k,:): an MR x NV block of accumulators
 * stays in registers over the whole k loop; A(r,k) is broadcast, B(k, :) loaded as NV
 * vectors, one FMA each. ALLROWS: all MR rows exist (the row offsets are constants, so the
 * compiler needs one pointer for A^T); otherwise rows r >= mr (the
 * last block of a matrix) repeat row mr-1 and are not stored. TAIL: the last vector is
 * partial (lanes in mlast). TA: A is stored transposed (A(r,k) at A[k*lda + r]). Each
 * C(r,j) is summed in k order. pf, pfn (pfn <= K): the pfn cache lines from pf are
 * prefetched evenly over the k loop (a hint for a later kernel: one line whenever the
 * running sum of pfn passes K, so every K/pfn iterations; see gemm_pf); pfn 0 runs a
 * k loop without the counter.
 * KERN_UNROLL: every loop over the block's rows r and vectors q is unrolled before GCC's
 * scalar replacement runs, so acc[][] lives in registers from the C load to the C store
 * (without it GCC kept acc in a stack copy and moved all MR x NV vectors through memory
 * at the start and end of every call; measured: LSTM(64)'s backward products 1-3.5 %
 * faster in context, products with small K up to 10 %; docs/benchmarks.md, "Seventh
 * phase, backward"). */
#ifdef KERN_GENERIC
#define KERN_UNROLL /* 16 SSE2 registers hold no block: unrolled, it spilled more */
#else
#define KERN_UNROLL _Pragma("GCC unroll 16")
#endif
/* one k step of KERN_MK (its locals: acc, ar, ro, b, at, k): acc += A(:, k) B(k, :) */
#define KERN_MK_STEP(MR, NV, TAIL, TA)                                                         \
    do {                                                                                      \
        vf bv[NV];                                                                            \
        KERN_UNROLL for (int q = 0; q < NV; q++)                                              \
            bv[q] = ld(b + q * VL, !(TAIL && q == NV - 1), mlast);                            \
        KERN_UNROLL for (int r = 0; r < MR; r++) {                                            \
            vf a = vf_set1(TA ? at[ro[r]] : ar[r][k]);                                        \
            KERN_UNROLL for (int q = 0; q < NV; q++) acc[r][q] = vf_fma(a, bv[q], acc[r][q]); \
        }                                                                                     \
        b += ldb;                                                                             \
        at += lda;                                                                            \
    } while (0)
#define KERN_MK(NAME, MR, NV, TAIL, TA, ALLROWS)                                               \
    static void NAME(float *C, size_t ldc, const float *A, size_t lda, const float *Bp,      \
                     size_t ldb, size_t K, float beta, size_t mr, vm mlast, const char *pf,   \
                     size_t pfn) {                                                            \
        vf acc[MR][NV];                                                                       \
        const float *ar[MR]; /* A's rows (not TA) */                                          \
        size_t ro[MR];       /* A^T's row offsets (TA) */                                     \
        if (ALLROWS) mr = MR;                                                                 \
        KERN_UNROLL for (int r = 0; r < MR; r++) {                                            \
            size_t rr = ALLROWS ? (size_t)r : (size_t)r < mr ? (size_t)r : mr - 1;            \
            ro[r] = rr;                                                                       \
            ar[r] = A + rr * lda;                                                             \
            const float *c = C + rr * ldc;                                                    \
            KERN_UNROLL for (int q = 0; q < NV; q++)                                          \
                acc[r][q] = beta == 0.0f ? vf_zero() : ld(c + q * VL, !(TAIL && q == NV - 1), mlast); \
        }                                                                                     \
        if (beta != 0.0f && beta != 1.0f)                                                     \
            KERN_UNROLL for (int r = 0; r < MR; r++)                                          \
                KERN_UNROLL for (int q = 0; q < NV; q++) acc[r][q] = vf_mul(acc[r][q], vf_set1(beta)); \
        const float *b = Bp, *at = A; /* B(k, :); A^T's row k (TA) */                        \
        if (pfn == 0) {                                                                       \
            for (size_t k = 0; k < K; k++) KERN_MK_STEP(MR, NV, TAIL, TA);                    \
        } else {                                                                              \
            size_t pfa = 0;                                                                   \
            for (size_t k = 0; k < K; k++) {                                                  \
                pfa += pfn;                                                                   \
                if (pfa >= K) {                                                               \
                    pfa -= K;                                                                 \
                    KERN_PREFETCH(pf);                                                        \
                    pf += 64;                                                                 \
                }                                                                             \
                KERN_MK_STEP(MR, NV, TAIL, TA);                                               \
            }                                                                                 \
        }                                                                                     \
        KERN_UNROLL for (int r = 0; r < MR; r++)                                              \
            if ((size_t)r < mr)                                                               \
                KERN_UNROLL for (int q = 0; q < NV; q++)                                      \
                    st(C + (size_t)r * ldc + q * VL, acc[r][q], !(TAIL && q == NV - 1), mlast); \
    }

KERN_MK(mk1_f_n, KERN_MR1, 1, 0, 0, 0)
KERN_MK(mk1_t_n, KERN_MR1, 1, 1, 0, 0)
KERN_MK(mk2_f_n, KERN_MR2, 2, 0, 0, 0)
KERN_MK(mk2_t_n, KERN_MR2, 2, 1, 0, 0)
KERN_MK(mk3_f_n, KERN_MR3, 3, 0, 0, 0)
KERN_MK(mk3_t_n, KERN_MR3, 3, 1, 0, 0)
KERN_MK(mk1_f_t, KERN_MR1, 1, 0, 1, 0)
KERN_MK(mk1_t_t, KERN_MR1, 1, 1, 1, 0)
KERN_MK(mk2_f_t, KERN_MR2, 2, 0, 1, 0)
KERN_MK(mk2_t_t, KERN_MR2, 2, 1, 1, 0)
KERN_MK(mk3_f_t, KERN_MR3, 3, 0, 1, 0)
KERN_MK(mk3_t_t, KERN_MR3, 3, 1, 1, 0)
KERN_MK(mk1_f_n_all, KERN_MR1, 1, 0, 0, 1)
KERN_MK(mk1_t_n_all, KERN_MR1, 1, 1, 0, 1)
KERN_MK(mk2_f_n_all, KERN_MR2, 2, 0, 0, 1)
KERN_MK(mk2_t_n_all, KERN_MR2, 2, 1, 0, 1)
KERN_MK(mk3_f_n_all, KERN_MR3, 3, 0, 0, 1)
KERN_MK(mk3_t_n_all, KERN_MR3, 3, 1, 0, 1)
KERN_MK(mk1_f_t_all, KERN_MR1, 1, 0, 1, 1)
KERN_MK(mk1_t_t_all, KERN_MR1, 1, 1, 1, 1)
KERN_MK(mk2_f_t_all, KERN_MR2, 2, 0, 1, 1)
KERN_MK(mk2_t_t_all, KERN_MR2, 2, 1, 1, 1)
KERN_MK(mk3_f_t_all, KERN_MR3, 3, 0, 1, 1)
KERN_MK(mk3_t_t_all, KERN_MR3, 3, 1, 1, 1)
/* 4-vector strips (KERN_MR4 > 0: AVX-512 only, 6 x 4 = 24 accumulators) take the columns
 * when they are a multiple of 4 vectors (the LSTM's 4H gate columns at H % VL == 0, and
 * dh_{t-1}'s H at H % 4VL == 0) and 6-row blocks pad M less (see gemm), so never a
 * partial vector: per k, 4 loads of B and 6 broadcasts feed 24 FMAs, against 3 + 8 in
 * 8 x 3 and 2 + 12 in 12 x 2, and 6-row blocks tile M = I + H = 78 (LSTM(64)'s merged
 * dW/dU) exactly. Measured on LSTM(64)'s
 * dh_{t-1} product: 219 -> 225 GFLOP/s (docs/benchmarks.md, "Backward products"). */
#if KERN_MR4
KERN_MK(mk4_f_n, KERN_MR4, 4, 0, 0, 0)
KERN_MK(mk4_f_t, KERN_MR4, 4, 0, 1, 0)
KERN_MK(mk4_f_n_all, KERN_MR4, 4, 0, 0, 1)
KERN_MK(mk4_f_t_all, KERN_MR4, 4, 0, 1, 1)
#define MK4(x) x
#else
#define MK4(x) NULL
#endif

typedef void (*mk_fn)(float *C, size_t ldc, const float *A, size_t lda, const float *Bp,
                      size_t ldb, size_t K, float beta, size_t mr, vm mlast, const char *pf,
                      size_t pfn);

/* [all rows][ta][nv-1][tail] */
static const mk_fn mk_table[2][2][4][2] = {
    {{{mk1_f_n, mk1_t_n}, {mk2_f_n, mk2_t_n}, {mk3_f_n, mk3_t_n}, {MK4(mk4_f_n), NULL}},
     {{mk1_f_t, mk1_t_t}, {mk2_f_t, mk2_t_t}, {mk3_f_t, mk3_t_t}, {MK4(mk4_f_t), NULL}}},
    {{{mk1_f_n_all, mk1_t_n_all}, {mk2_f_n_all, mk2_t_n_all}, {mk3_f_n_all, mk3_t_n_all},
      {MK4(mk4_f_n_all), NULL}},
     {{mk1_f_t_all, mk1_t_t_all}, {mk2_f_t_all, mk2_t_t_all}, {mk3_f_t_all, mk3_t_t_all},
      {MK4(mk4_f_t_all), NULL}}},
};
static const size_t mk_rows[4] = {KERN_MR1, KERN_MR2, KERN_MR3, KERN_MR4};

/* K in chunks of KC so a chunk of B stays in cache while all row blocks pass over it
 * (the weight gradients have K = T*B = 30,720) */
#define KC 256

/* C = beta*C + op(A) op(B) (contract in kern.h). Columns go in strips of 4 vectors when
 * KERN_MR4, N is a multiple of 4 vectors and that wastes fewer padded rows, else of 3 vectors (2 + 2 when 4 remain, so
 * 4*VL is two even strips), the last strip partial with masks;
 * B's strip (KC rows) is packed into a contiguous (KC, nv*VL) stack buffer when B is
 * transposed, or when more than one row block will read it and B's rows are >= 4 KiB
 * apart (ldb >= 1024: the weight gradients of LSTM(256) and wider, whose rows of B all
 * map to one L1 set), the packed rows are adjacent (measured: 1.4x on the AVX2 dU of
 * LSTM(256); no gain, or a loss on AVX-512, at 2 KiB). The sums are the same either way. */

/* vectors of the column strip that starts rem columns before N's end (see gemm_pf) */
static inline size_t strip_nv(size_t rem, int use4) {
    if (use4) return 4;
    if (rem == 4 * VL) return 2;
    return rem >= 3 * VL ? 3 : (rem + VL - 1) / VL;
}

static void gemm_pf(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                    size_t ldb, int tb, size_t M, size_t N, size_t K, float beta, kern_pf *pf,
                    size_t lines) {
    if (M == 0 || N == 0) return;
    if (K == 0) {
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
        return;
    }
    float pk[KC * 4 * VL];
    int use4 = 0;
#if KERN_MR4
    if (N % (4 * VL) == 0) {
        /* 4-vector strips when they compute fewer rows (with the partial row block's
         * padding) than the 3/2-vector plan: M = 78 (LSTM(64)'s merged dW/dU) and 256
         * (dh_{t-1}, N = 64) yes; M = 14 and 128 no (measured slower on GRU(128)'s dW, dU) */
        size_t nvec = N / VL, c3 = 0;
        for (size_t v = nvec; v;) {
            size_t s = v == 4 ? 2 : v >= 3 ? 3 : v;
            c3 += s * ((M + mk_rows[s - 1] - 1) / mk_rows[s - 1] * mk_rows[s - 1]);
            v -= s;
        }
        use4 = nvec * ((M + KERN_MR4 - 1) / KERN_MR4 * KERN_MR4) < c3;
    }
#endif
    /* micro-kernel calls of the product (for pf: lines * c / calls issued after call c) */
    size_t calls = 0, call = 0, done = 0;
    if (pf && lines) {
        size_t blocks = 0;
        for (size_t j = 0; j < N;) {
            size_t rem = N - j, nv = strip_nv(rem, use4);
            blocks += (M + mk_rows[nv - 1] - 1) / mk_rows[nv - 1];
            j += rem < nv * VL ? rem : nv * VL;
        }
        calls = blocks * ((K + KC - 1) / KC);
    }
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        float bk = k0 == 0 ? beta : 1.0f;
        const float *Ak = ta ? A + k0 * lda : A + k0;
        for (size_t j = 0; j < N;) {
            size_t rem = N - j, nv = strip_nv(rem, use4);
            size_t w = rem < nv * VL ? rem : nv * VL;
            int tail = w < nv * VL;
            const float *Bp = B + k0 * ldb + j;
            size_t lb = ldb;
            size_t MR = mk_rows[nv - 1];
            if (tb) { /* pk(k, jj) = B(j + jj, k0 + k) */
                lb = nv * VL;
                for (size_t jj = 0; jj < w; jj++) {
                    const float *src = B + (j + jj) * ldb + k0;
                    for (size_t k = 0; k < kc; k++) pk[k * lb + jj] = src[k];
                }
                Bp = pk;
            } else if (M > MR && ldb >= 1024) { /* pk(k, :) = B(k0 + k, j : j + w), zero past w */
                lb = nv * VL;
                for (size_t k = 0; k < kc; k++)
                    for (size_t q = 0; q < nv; q++)
                        vf_store(pk + k * lb + q * VL,
                                 ld(Bp + k * ldb + q * VL, !(tail && q == nv - 1), vm_first(w - q * VL)));
                Bp = pk;
            }
            vm ml = vm_first(w - (nv - 1) * VL);
            for (size_t i = 0; i < M; i += MR) {
                size_t mr = M - i < MR ? M - i : MR;
                mk_fn f = mk_table[mr == MR][ta ? 1 : 0][nv - 1][tail];
                const char *pfp = NULL;
                size_t pfn = 0;
                if (calls) { /* this call's share of the stream, within one range */
                    size_t upto = lines * ++call / calls;
                    while (pf->cur < 4 && pf->off >= pf->n[pf->cur]) {
                        pf->cur++;
                        pf->off = 0;
                    }
                    if (pf->cur < 4) {
                        size_t avail = (pf->n[pf->cur] - pf->off + 63) / 64;
                        pfn = upto - done < avail ? upto - done : avail;
                        if (pfn > kc) pfn = kc;
                        pfp = pf->p[pf->cur] + pf->off;
                        pf->off += 64 * pfn;
                        done += pfn;
                    }
                }
                f(C + i * ldc + j, ldc, ta ? Ak + i : Ak + i * lda, lda, Bp, lb, kc, bk, mr, ml, pfp,
                  pfn);
            }
            j += w;
        }
    }
    /* what a range boundary left of the share */
    while (calls && done < lines && pf->cur < 4) {
        if (pf->off >= pf->n[pf->cur]) {
            pf->cur++;
            pf->off = 0;
            continue;
        }
        KERN_PREFETCH(pf->p[pf->cur] + pf->off);
        pf->off += 64;
        done++;
    }
}

static void gemm(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                 size_t ldb, int tb, size_t M, size_t N, size_t K, float beta) {
    gemm_pf(C, ldc, A, lda, ta, B, ldb, tb, M, N, K, beta, NULL, 0);
}

/* ---- LSTM step, products fused with the gate math --------------------------------------
 * For a block of LMR rows and one vector of units j: accumulators a_q (q = i, f, g, o)
 * start from g (gin) or 0, gain sum_k x(r,k) W(k, q*H + j) and sum_k hprev(r,k) U(k, q*H + j)
 * (four B vectors per k, one broadcast per row and k), then the epilogue applies the bias
 * and the cell formulas while the pre-activations are still in registers: the input
 * projection, the recurrent product and the gates make one pass over memory. Units outer,
 * rows inner: the W and U columns of this unit vector stay in L1 while all rows pass. */
#define KERN_GATE_PRODUCT_RANGE(NQ, ROWS, A, lda, Bm, KS, QS, K0, K1)                          \
    for (size_t k = (K0); k < (K1); k++) {                                                    \
        const float *u = (Bm) + k * (KS);                                                     \
        vf bq[NQ];                                                                            \
        for (int q = 0; q < NQ; q++) bq[q] = ld(u + q * (QS), full, m);                       \
        for (int r = 0; r < ROWS; r++) {                                                      \
            vf a = vf_set1((A)[row[r] * (lda) + k]);                                          \
            for (int q = 0; q < NQ; q++) acc[r][q] = vf_fma(a, bq[q], acc[r][q]);             \
        }                                                                                     \
    }
#define KERN_GATE_PRODUCT(NQ, ROWS, A, lda, Bm, KS, QS, K)                                     \
    KERN_GATE_PRODUCT_RANGE(NQ, ROWS, A, lda, Bm, KS, QS, 0, K)

/* Weights of one unit vector j for the fused steps: (K, NQ gates) vectors at wj + k*ks +
 * q*qs. Either the weight matrix itself (wj = Wm + j, ks = NQ*H, qs = H) or a copy packed
 * into a stack buffer (ks = NQ*VL, qs = VL; lanes past H are 0): the copy is contiguous,
 * so it stays in L1 while every row block passes over it, where the matrix's rows are
 * NQ*H floats apart (4 KiB at LSTM(256): every row maps to the same L1 set). Packing
 * moves K*NQ vectors once per unit vector and step, 1/B of the FMAs; the sums are the
 * same. */
typedef struct kstrip { const float *w; size_t ks, qs; } kstrip;

/* rows of W and U together that the fused steps pack (above that, the matrices are read
 * in place): 384 * 4 gates * VL floats, 96 KiB of stack on AVX-512 */
#define KPACK_ROWS 384

static inline kstrip strip_of(float *pk, const float *Wm, size_t K, size_t NQ, size_t H,
                              size_t j, int pack, int full, vm m) {
    kstrip s = {Wm + j, NQ * H, H};
    if (!pack || !Wm) return s;
    for (size_t k = 0; k < K; k++)
        for (size_t q = 0; q < NQ; q++)
            vf_store(pk + (k * NQ + q) * VL, ld(Wm + k * NQ * H + q * H + j, full, m));
    s.w = pk;
    s.ks = NQ * VL;
    s.qs = VL;
    return s;
}

/* The LSTM step is software-pipelined: the gate math of one row block runs interleaved
 * with the products of the next. A block leaves its pre-activations (bias not added) in a
 * lstm_pend; the next block splits its k loop over [x_t | h_{t-1}] into LMR * LSTM_STAGES
 * chunks and after each chunk runs one stage of one pending row's gate math: first stage 0
 * of every row, then stage 1 (a row's two stages LMR chunks apart, so c is ready when
 * tanh(c) needs it). Out-of-order execution then overlaps the gate math's long dependency
 * chains with the FMAs; as one block after the products (the earlier form) the two were
 * purely additive (LSTM(64): products ~46 us + gate math ~25 us = the step's ~71 us).
 * Every sum is still taken in k order and every formula is unchanged (same bits). */
typedef struct lstm_pend {
    vf a[KERN_LSTM_MR][4]; /* per row: pre-activations i, f, g, o; then stage results */
    float *g, *c, *tc, *h; /* the block's first row in g (.,4H), c, tc (.,H), h (.,ldh) */
    const float *cprev;    /* its first row of c_{t-1} (.,H), or NULL: c_{-1} = 0 */
    const float *b;        /* bias (4H) */
    size_t H, j, mr;       /* units; first unit of the vector; rows (0: nothing pending) */
    size_t ldh;            /* floats between rows of h */
    int full;              /* the unit vector is whole (else lanes in m) */
    vm m;                  /* lanes of a partial unit vector */
} lstm_pend;

/* the gate math of row r of the pending block, stage by stage:
 * i, f, o = sigmoid(a + b), g = tanh(a + b); c = f*c_prev + i*g; h = o*tanh(c) */
enum { LSTM_STAGES = 2 };
static inline void lstm_gates_stage(lstm_pend *P, size_t r, int stage) {
    size_t H = P->H, j = P->j;
    int full = P->full;
    vm m = P->m;
    const float *b = P->b;
    float *gr = P->g + r * 4 * H + j;
    if (stage == 0) {
        vf iv = v_sigmoid(vf_add(P->a[r][0], ld(b + j, full, m)));
        vf fv = v_sigmoid(vf_add(P->a[r][1], ld(b + H + j, full, m)));
        vf gv = v_tanh(vf_add(P->a[r][2], ld(b + 2 * H + j, full, m)));
        vf cp = P->cprev ? ld(P->cprev + r * H + j, full, m) : vf_zero();
        vf cv = vf_fma(fv, cp, vf_mul(iv, gv));
        st(gr, iv, full, m);
        st(gr + H, fv, full, m);
        st(gr + 2 * H, gv, full, m);
        st(P->c + r * H + j, cv, full, m);
        P->a[r][2] = cv;
    } else {
        vf ov = v_sigmoid(vf_add(P->a[r][3], ld(b + 3 * H + j, full, m)));
        vf tv = v_tanh(P->a[r][2]);
        st(gr + 3 * H, ov, full, m);
        st(P->tc + r * H + j, tv, full, m);
        st(P->h + r * P->ldh + j, vf_mul(ov, tv), full, m);
    }
}

/* products of one block of mr rows and unit vector j (accumulators start from g when gin),
 * with the pending block's gate math interleaved; then this block becomes the pending one */
static inline void lstm_block(lstm_pend *P, float *g, float *c, float *tc, float *h,
                              const float *cprev, int gin, const float *x, kstrip W, size_t I,
                              const float *hprev, kstrip U, const float *b, size_t H, size_t j,
                              size_t mr, int full, vm m, size_t ldx, size_t ldh) {
    enum { LMR = KERN_LSTM_MR, NCH = KERN_LSTM_MR * LSTM_STAGES };
    size_t G = 4 * H, kx = x ? I : 0, kh = hprev ? H : 0, K = kx + kh;
    vf acc[LMR][4];
    size_t row[LMR];
    for (int r = 0; r < LMR; r++) {
        row[r] = (size_t)r < mr ? (size_t)r : mr - 1;
        for (int q = 0; q < 4; q++) acc[r][q] = gin ? ld(g + row[r] * G + q * H + j, full, m) : vf_zero();
    }
    for (size_t ch = 0; ch < NCH; ch++) {
        size_t k0 = ch * K / NCH, k1 = (ch + 1) * K / NCH;
        if (k0 < kx) {
            size_t e = k1 < kx ? k1 : kx;
            KERN_GATE_PRODUCT_RANGE(4, LMR, x, ldx, W.w, W.ks, W.qs, k0, e)
        }
        if (k1 > kx) {
            size_t s = k0 > kx ? k0 - kx : 0;
            KERN_GATE_PRODUCT_RANGE(4, LMR, hprev, ldh, U.w, U.ks, U.qs, s, k1 - kx)
        }
        if (ch % LMR < P->mr) lstm_gates_stage(P, ch % LMR, (int)(ch / LMR));
    }
    for (int r = 0; r < LMR; r++)
        for (int q = 0; q < 4; q++) P->a[r][q] = acc[r][q];
    P->g = g;
    P->c = c;
    P->tc = tc;
    P->h = h;
    P->cprev = cprev;
    P->b = b;
    P->H = H;
    P->j = j;
    P->mr = mr;
    P->ldh = ldh;
    P->full = full;
    P->m = m;
}

static void lstm_step(float *g, float *c, float *tc, float *h, const float *cprev, int gin,
                      const float *x, const float *W, size_t I, const float *hprev,
                      const float *U, const float *b, size_t B, size_t H, size_t ldx,
                      size_t ldh) {
    size_t G = 4 * H;
    float pk[KPACK_ROWS * 4 * VL];
    size_t kx = x ? I : 0, kh = hprev ? H : 0;
    int pack = kx + kh <= KPACK_ROWS;
    lstm_pend P;
    memset(&P, 0, sizeof P); /* mr 0: nothing pending */
    for (size_t j = 0; j < H; j += VL) {
        int full = H - j >= VL;
        vm m = vm_first(H - j);
        kstrip ws = strip_of(pk, x ? W : NULL, kx, 4, H, j, pack, full, m);
        kstrip us = strip_of(pk + kx * 4 * VL, hprev ? U : NULL, kh, 4, H, j, pack, full, m);
        for (size_t i = 0; i < B; i += KERN_LSTM_MR) {
            size_t mr = B - i < KERN_LSTM_MR ? B - i : KERN_LSTM_MR;
            const float *cp = cprev ? cprev + i * H : NULL, *hp = hprev ? hprev + i * ldh : NULL;
            const float *xi = x ? x + i * ldx : NULL;
            /* the rows of x two blocks ahead: in net.c's layout they are ldx floats apart
             * (x_t and h_{t-1} share a row), a stride the hardware prefetcher misses (one
             * block ahead was as fast on AVX-512 and 7 % slower on AVX2's 3-row blocks) */
            for (size_t u = 2 * KERN_LSTM_MR; x && u < 3 * KERN_LSTM_MR && i + u < B; u++)
                KERN_PREFETCH(xi + u * ldx);
            if (full)
                lstm_block(&P, g + i * G, c + i * H, tc + i * H, h + i * ldh, cp, gin, xi, ws, I,
                           hp, us, b, H, j, mr, 1, m, ldx, ldh);
            else
                lstm_block(&P, g + i * G, c + i * H, tc + i * H, h + i * ldh, cp, gin, xi, ws, I,
                           hp, us, b, H, j, mr, 0, m, ldx, ldh);
        }
    }
    for (size_t r = 0; r < P.mr; r++)
        for (int s = 0; s < LSTM_STAGES; s++) lstm_gates_stage(&P, r, s);
}

/* ---- LSTM gate backward ----------------------------------------------------------------
 * dc += dh*o*(1-tanh^2 c); da_o = dh*tanh(c)*o(1-o); da_i = dc*g*i(1-i);
 * da_g = dc*i*(1-g^2); da_f = dc*c_prev*f(1-f); then dc_prev = dc*f.
 * One unit vector j at a time over all B rows, so the bias sums of its four gate columns
 * (dbacc += column sums of dg, in double) stay in registers: dg is not read again for
 * them. Per column the rows are summed in order 0..B-1 from 0, then added to dbacc:
 * the sums of colsum(). */
static inline void lstm_bwd_unit(float *dg, float *dc, double *dbacc, const float *g,
                                 const float *tc, const float *dh, const float *cprev,
                                 size_t B, size_t H, size_t j, int full, vm m) {
    const vf one = vf_set1(1.0f);
    size_t G = 4 * H;
    vdacc si = vdacc_zero(), sf = vdacc_zero(), sg = vdacc_zero(), so = vdacc_zero();
    for (size_t r = 0; r < B; r++) {
        const float *gr = g + r * G;
        float *dgr = dg + r * G;
        vf iv = ld(gr + j, full, m), fv = ld(gr + H + j, full, m), gv = ld(gr + 2 * H + j, full, m),
           ov = ld(gr + 3 * H + j, full, m);
        vf tv = ld(tc + r * H + j, full, m), dhv = ld(dh + r * H + j, full, m);
        vf cp = cprev ? ld(cprev + r * H + j, full, m) : vf_zero();
        vf dcv = vf_fma(vf_mul(dhv, ov), vf_fnma(tv, tv, one), ld(dc + r * H + j, full, m));
        vf dao = vf_mul(vf_mul(dhv, tv), vf_mul(ov, vf_sub(one, ov)));
        vf dai = vf_mul(vf_mul(dcv, gv), vf_mul(iv, vf_sub(one, iv)));
        vf dag = vf_mul(vf_mul(dcv, iv), vf_fnma(gv, gv, one));
        vf daf = vf_mul(vf_mul(dcv, cp), vf_mul(fv, vf_sub(one, fv)));
        st(dgr + j, dai, full, m);
        st(dgr + H + j, daf, full, m);
        st(dgr + 2 * H + j, dag, full, m);
        st(dgr + 3 * H + j, dao, full, m);
        st(dc + r * H + j, vf_mul(dcv, fv), full, m);
        si = vdacc_add(si, dai);
        sf = vdacc_add(sf, daf);
        sg = vdacc_add(sg, dag);
        so = vdacc_add(so, dao);
    }
    size_t n = full ? VL : H - j;
    vdacc_flush(dbacc + j, si, n);
    vdacc_flush(dbacc + H + j, sf, n);
    vdacc_flush(dbacc + 2 * H + j, sg, n);
    vdacc_flush(dbacc + 3 * H + j, so, n);
}

static void lstm_cell_bwd(float *dg, float *dc, double *dbacc, const float *g, const float *tc,
                          const float *dh, const float *cprev, size_t B, size_t H) {
    size_t j = 0;
    for (; H - j >= VL; j += VL) lstm_bwd_unit(dg, dc, dbacc, g, tc, dh, cprev, B, H, j, 1, vm_first(VL));
    if (j < H) lstm_bwd_unit(dg, dc, dbacc, g, tc, dh, cprev, B, H, j, 0, vm_first(H - j));
}

/* ---- GRU step, products fused with the gate math ---------------------------------------
 * Accumulators per row: [x_z + rec_z, x_r + rec_r, rec_h, x_h] with x_* = sum_k x(r,k)
 * W(k, *) and rec_* = sum_k hprev(r,k) U(k, *) (or the caller's rec), then
 * z = s(x_z + rec_z + b_in_z + b_rec_z); r = s(x_r + rec_r + b_in_r + b_rec_r);
 * r_h = rec_h + b_rec_h; hh = tanh(x_h + b_in_h + r*r_h); h = hh + z*(h_prev - hh). */
static inline void gru_block(float *g, float *h, float *rh, const float *rec, const float *x,
                             kstrip W, size_t I, const float *hprev, kstrip U,
                             const float *b, size_t H, size_t j, size_t mr, int full, vm m) {
    enum { GMR = KERN_GRU_MR };
    size_t G = 3 * H;
    vf acc[GMR][4];
    size_t row[GMR];
    for (int r = 0; r < GMR; r++) {
        row[r] = (size_t)r < mr ? (size_t)r : mr - 1;
        for (int q = 0; q < 3; q++)
            acc[r][q] = rec ? ld(rec + row[r] * G + q * H + j, full, m) : vf_zero();
        acc[r][3] = vf_zero();
    }
    /* x W: columns z, r into accumulators 0, 1 and h into 3 */
    for (size_t k = 0; k < I; k++) {
        const float *w = W.w + k * W.ks;
        vf w0 = ld(w, full, m), w1 = ld(w + W.qs, full, m), w2 = ld(w + 2 * W.qs, full, m);
        for (int r = 0; r < GMR; r++) {
            vf a = vf_set1(x[row[r] * I + k]);
            acc[r][0] = vf_fma(a, w0, acc[r][0]);
            acc[r][1] = vf_fma(a, w1, acc[r][1]);
            acc[r][3] = vf_fma(a, w2, acc[r][3]);
        }
    }
    if (!rec && hprev) KERN_GATE_PRODUCT(3, GMR, hprev, H, U.w, U.ks, U.qs, H)
    const float *bi = b, *br = b + G;
    vf bz = vf_add(ld(bi + j, full, m), ld(br + j, full, m));
    vf bq = vf_add(ld(bi + H + j, full, m), ld(br + H + j, full, m));
    vf bih = ld(bi + 2 * H + j, full, m), brh = ld(br + 2 * H + j, full, m);
    for (int r = 0; r < GMR; r++) {
        if ((size_t)r >= mr) continue;
        float *gr = g + (size_t)r * G + j;
        vf zv = v_sigmoid(vf_add(acc[r][0], bz));
        vf rv = v_sigmoid(vf_add(acc[r][1], bq));
        vf rhv = vf_add(acc[r][2], brh);
        vf hh = v_tanh(vf_fma(rv, rhv, vf_add(acc[r][3], bih)));
        vf hp = hprev ? ld(hprev + (size_t)r * H + j, full, m) : vf_zero();
        st(gr, zv, full, m);
        st(gr + H, rv, full, m);
        st(gr + 2 * H, hh, full, m);
        st(rh + (size_t)r * H + j, rhv, full, m);
        st(h + (size_t)r * H + j, vf_fma(zv, vf_sub(hp, hh), hh), full, m);
    }
}

static void gru_step(float *g, float *h, float *rh, const float *rec, const float *x,
                     const float *W, size_t I, const float *hprev, const float *U,
                     const float *b, size_t B, size_t H) {
    size_t G = 3 * H;
    float pk[KPACK_ROWS * 4 * VL];
    size_t kh = !rec && hprev ? H : 0;
    int pack = I + kh <= KPACK_ROWS;
    for (size_t j = 0; j < H; j += VL) {
        int full = H - j >= VL;
        vm m = vm_first(H - j);
        kstrip ws = strip_of(pk, W, I, 3, H, j, pack, full, m);
        kstrip us = strip_of(pk + I * 3 * VL, kh ? U : NULL, kh, 3, H, j, pack, full, m);
        for (size_t i = 0; i < B; i += KERN_GRU_MR) {
            size_t mr = B - i < KERN_GRU_MR ? B - i : KERN_GRU_MR;
            const float *rc = rec ? rec + i * G : NULL, *hp = hprev ? hprev + i * H : NULL;
            if (full)
                gru_block(g + i * G, h + i * H, rh + i * H, rc, x + i * I, ws, I, hp, us, b, H, j,
                          mr, 1, m);
            else
                gru_block(g + i * G, h + i * H, rh + i * H, rc, x + i * I, ws, I, hp, us, b, H, j,
                          mr, 0, m);
        }
    }
}

/* ---- GRU gate backward -----------------------------------------------------------------
 * da_h = dh*(1-z)*(1-hh^2); da_z = dh*(h_prev - hh)*z(1-z); da_r = da_h*r_h*r(1-r);
 * input side [da_z, da_r, da_h], recurrent side [da_z, da_r, da_h*r]; dh_prev += dh*z. */
static inline void gru_bwd_vec(float *xg, float *qg, float *dhp, const float *g,
                               const float *rh, const float *dh, const float *hprev, size_t H,
                               size_t j, int full, vm m) {
    const vf one = vf_set1(1.0f);
    vf d = ld(dh + j, full, m), zv = ld(g + j, full, m), rv = ld(g + H + j, full, m),
       hv = ld(g + 2 * H + j, full, m);
    vf hp = hprev ? ld(hprev + j, full, m) : vf_zero();
    vf dah = vf_mul(vf_mul(d, vf_sub(one, zv)), vf_fnma(hv, hv, one));
    vf daz = vf_mul(vf_mul(d, vf_sub(hp, hv)), vf_mul(zv, vf_sub(one, zv)));
    vf dar = vf_mul(vf_mul(dah, ld(rh + j, full, m)), vf_mul(rv, vf_sub(one, rv)));
    st(xg + j, daz, full, m);
    st(xg + H + j, dar, full, m);
    st(xg + 2 * H + j, dah, full, m);
    st(qg + j, daz, full, m);
    st(qg + H + j, dar, full, m);
    st(qg + 2 * H + j, vf_mul(dah, rv), full, m);
    if (dhp) st(dhp + j, vf_fma(d, zv, ld(dhp + j, full, m)), full, m);
}

static void gru_cell_bwd(float *dxg, float *drg, float *dhp, const float *g, const float *rh,
                         const float *dh, const float *hprev, size_t B, size_t H) {
    size_t G = 3 * H;
    for (size_t r = 0; r < B; r++) {
        float *dp = dhp ? dhp + r * H : NULL;
        const float *hp = hprev ? hprev + r * H : NULL;
        size_t j = 0;
        for (; H - j >= VL; j += VL)
            gru_bwd_vec(dxg + r * G, drg + r * G, dp, g + r * G, rh + r * H, dh + r * H, hp, H, j,
                        1, vm_first(VL));
        if (j < H)
            gru_bwd_vec(dxg + r * G, drg + r * G, dp, g + r * G, rh + r * H, dh + r * H, hp, H, j,
                        0, vm_first(H - j));
    }
}

/* ---- column sums in double (bias gradients) ------------------------------------------ */
static void colsum(double *acc, const float *X, size_t ldx, size_t rows, size_t n) {
    for (size_t j = 0; j < n; j += VL) {
        int full = n - j >= VL;
        vm m = vm_first(n - j);
        vdacc a = vdacc_zero();
        for (size_t r = 0; r < rows; r++) a = vdacc_add(a, ld(X + r * ldx + j, full, m));
        vdacc_flush(acc + j, a, full ? VL : n - j);
    }
}

/* ---- optimisers and elementwise maps ----------------------------------------------------
 * Each loops over whole vectors, then one masked vector for the remainder. */
#define KERN_FOR_VECTORS(n, BODY)                                                              \
    do {                                                                                      \
        size_t i_ = 0;                                                                        \
        for (; (n) - i_ >= VL; i_ += VL) {                                                    \
            const int full = 1;                                                               \
            const vm m = vm_first(VL);                                                        \
            BODY                                                                              \
        }                                                                                     \
        if (i_ < (n)) {                                                                       \
            const int full = 0;                                                               \
            const vm m = vm_first((n) - i_);                                                  \
            BODY                                                                              \
        }                                                                                     \
    } while (0)

static void rmsprop(float *w, float *ms, const float *g, size_t n, float lr, float rho,
                    float eps) {
    const vf vrho = vf_set1(rho), vomr = vf_set1(1.0f - rho), vlr = vf_set1(lr), veps = vf_set1(eps);
    /* ms = rho ms + (1-rho) g^2; w -= lr g / (sqrt(ms) + eps) */
    KERN_FOR_VECTORS(n, {
        vf gv = ld(g + i_, full, m);
        vf msv = vf_fma(vrho, ld(ms + i_, full, m), vf_mul(vomr, vf_mul(gv, gv)));
        st(ms + i_, msv, full, m);
        vf step = vf_div(vf_mul(vlr, gv), vf_add(vf_sqrt(msv), veps));
        st(w + i_, vf_sub(ld(w + i_, full, m), step), full, m);
    });
}

static void adam(float *w, float *mo, float *v, const float *g, size_t n, float lr_t, float b1,
                 float b2, float eps) {
    const vf vb1 = vf_set1(b1), vob1 = vf_set1(1.0f - b1), vb2 = vf_set1(b2),
             vob2 = vf_set1(1.0f - b2), vlr = vf_set1(lr_t), veps = vf_set1(eps);
    /* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m / (sqrt(v) + eps) */
    KERN_FOR_VECTORS(n, {
        vf gv = ld(g + i_, full, m);
        vf mv = vf_fma(vb1, ld(mo + i_, full, m), vf_mul(vob1, gv));
        vf vv = vf_fma(vb2, ld(v + i_, full, m), vf_mul(vob2, vf_mul(gv, gv)));
        st(mo + i_, mv, full, m);
        st(v + i_, vv, full, m);
        vf step = vf_div(vf_mul(vlr, mv), vf_add(vf_sqrt(vv), veps));
        st(w + i_, vf_sub(ld(w + i_, full, m), step), full, m);
    });
}

static void relu(float *y, size_t n) {
    KERN_FOR_VECTORS(n, {
        vf x = ld(y + i_, full, m);
        st(y + i_, vf_pos_select(x, x), full, m);
    });
}

static void relu_bwd(float *dy, const float *y, size_t n) {
    KERN_FOR_VECTORS(n, { st(dy + i_, vf_pos_select(ld(y + i_, full, m), ld(dy + i_, full, m)), full, m); });
}

static void mul(float *out, const float *a, const float *b, size_t n) {
    KERN_FOR_VECTORS(n, { st(out + i_, vf_mul(ld(a + i_, full, m), ld(b + i_, full, m)), full, m); });
}

static void act(float *y, const float *x, size_t n, kern_act which) {
    KERN_FOR_VECTORS(n, {
        vf v = ld(x + i_, full, m);
        v = which == KERN_EXP ? v_exp(v) : which == KERN_SIGMOID ? v_sigmoid(v) : v_tanh(v);
        st(y + i_, v, full, m);
    });
}

/* ---- FMA peak probe ----------------------------------------------------------------------
 * PEAK_ACC independent accumulators a_i = a_i * m + c: with FMA latency 4 and two FMA
 * ports, 8 chains keep both ports busy; 12 leave margin and still fit 16 registers. */
#define PEAK_ACC 12
static float fma_loop(long iters) {
    vf acc[PEAK_ACC];
    for (int i = 0; i < PEAK_ACC; i++) acc[i] = vf_set1(1.0f + 1e-6f * (float)i);
    const vf mv = vf_set1(0.999999f), cv = vf_set1(1e-7f);
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < PEAK_ACC; i++) acc[i] = vf_fma(acc[i], mv, cv);
    vf s = acc[0];
    for (int i = 1; i < PEAK_ACC; i++) s = vf_add(s, acc[i]);
    float out[VL];
    vf_store(out, s);
    return out[0];
}

const kern_ops KERN_TABLE = {
    .name = KERN_NAME,
    .gemm = gemm,
    .gemm_pf = gemm_pf,
    .lstm_step = lstm_step,
    .lstm_cell_bwd = lstm_cell_bwd,
    .gru_step = gru_step,
    .gru_cell_bwd = gru_cell_bwd,
    .colsum = colsum,
    .rmsprop = rmsprop,
    .adam = adam,
    .relu = relu,
    .relu_bwd = relu_bwd,
    .mul = mul,
    .act = act,
    .fma_loop = fma_loop,
    .fma_flops = 2.0 * VL * PEAK_ACC,
};
