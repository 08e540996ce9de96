/* act: the elementwise activations of the recurrent cells, as static inline functions.
 *
 * glibc's tanhf/expf are scalar calls the compiler cannot vectorise without -ffast-math,
 * and they dominated training time (tanhf alone was half of an LSTM(32) step). act_exp is
 * a branch-free Cephes-style expf on a clamped range: x = k ln2 + r with
 * k = round(x log2 e) (the 1.5*2^23 rounding trick), e^r by a degree-6 minimax polynomial
 * on |r| <= ln2/2, and 2^k written into the exponent field (so the loops vectorise).
 * The clamp to [-20, 20] is exact for what the cells need: sigmoid and
 * tanh are saturated to float precision beyond it (sigmoid(20) and tanh(10) round to 1).
 * sigmoid(x) = 1/(1+e^-x); tanh(x) = 1 - 2/(1+e^2x) (absolute error about 1e-7, relative
 * error larger only for |x| < 1e-3). Plain C, strict IEEE arithmetic (no -ffast-math).
 * Cannot fail. */
#ifndef HS_ACT_H
#define HS_ACT_H

#include <stdint.h>

/* e^x for x in [-20, 20] (x is clamped to it), relative error about 2 ulp */
static inline float act_exp(float x) {
    x = x < -20.0f ? -20.0f : x;
    x = x > 20.0f ? 20.0f : x;
    /* k = round(x / ln2) via adding 1.5*2^23: the low mantissa bits of kb then hold k
     * (|k| <= 29), read back through a union (valid C11 type punning) */
    float kb = x * 1.44269504088896341f + 12582912.0f;
    float kf = kb - 12582912.0f;
    /* r = x - k ln2, ln2 split into a part exact in float and a correction */
    float r = x - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    /* e^r = 1 + r + r^2 p(r) (Cephes expf coefficients) */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = r * r * p + r + 1.0f;
    /* 2^k: exponent field k + 127 (no float-to-int conversion, which would block
     * vectorising the clamps under strict trapping semantics) */
    union { float f; int32_t i; } kbits, scale;
    kbits.f = kb;
    scale.i = (kbits.i - 0x4B400000 + 127) * 8388608;
    return er * scale.f;
}

/* logistic sigmoid, in (0, 1] */
static inline float act_sigmoid(float x) { return 1.0f / (1.0f + act_exp(-x)); }

/* hyperbolic tangent, in [-1, 1] */
static inline float act_tanh(float x) { return 1.0f - 2.0f / (1.0f + act_exp(2.0f * x)); }

#endif
