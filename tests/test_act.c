/* test_act: the vectorised activations of the active kernel path (HSWEEP_ISA) against
 * libm in double over the float range, their clamping, saturation and NaN propagation;
 * and that recurrent dropout with all-ones masks reproduces the plain forward pass.
 * Error bounds (printed, asserted, and stated in docs/engine.md), over the floats of a
 * sweep of all 2^32 bit patterns (every 509th by default; `test_act STRIDE` for a denser
 * sweep, e.g. 1 for every float) plus a 1e-4 grid on [-20, 20]:
 *   exp:     relative error on [-87, 88], where the result is a normal float; outside it
 *            the argument is clamped (exp(-87) = 1.6e-38, exp(88) = 1.65e38, never inf);
 *   sigmoid: relative error for x >= -87, absolute error everywhere;
 *   tanh:    relative error everywhere. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/gru.h"
#include "model/kern.h"
#include "model/lstm.h"
#include "tests/test_util.h"

/* all floats of the bit-pattern sweep and the grid, NaN and inf left out */
static float *test_inputs(uint64_t stride, size_t *n) {
    size_t cap = (size_t)(4294967296u / stride) + 400003;
    float *x = malloc(cap * sizeof *x);
    if (!x) return NULL;
    size_t k = 0;
    for (uint64_t b = 0; b < 4294967296u; b += stride) {
        union { uint32_t u; float f; } v = {(uint32_t)b};
        if (isfinite(v.f)) x[k++] = v.f;
    }
    for (int i = -200000; i <= 200000; i++) x[k++] = (float)i * 1e-4f;
    *n = k;
    return x;
}

static double rel(double got, double want) {
    return want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want);
}

static void test_accuracy(uint64_t stride) {
    const kern_ops *K = kern();
    size_t n = 0;
    float *x = test_inputs(stride, &n);
    float *y = x ? malloc(n * sizeof *y) : NULL;
    if (!x || !y) {
        CHECK(0, "out of memory");
        free(x);
        return;
    }
    double e_exp = 0.0, e_sig = 0.0, e_sig_abs = 0.0, e_tanh = 0.0;
    K->act(y, x, n, KERN_EXP);
    for (size_t i = 0; i < n; i++)
        if (x[i] >= -87.0f && x[i] <= 88.0f) e_exp = fmax(e_exp, rel(y[i], exp((double)x[i])));
    K->act(y, x, n, KERN_SIGMOID);
    for (size_t i = 0; i < n; i++) {
        double want = 1.0 / (1.0 + exp(-(double)x[i]));
        e_sig_abs = fmax(e_sig_abs, fabs((double)y[i] - want));
        if (x[i] >= -87.0f) e_sig = fmax(e_sig, rel(y[i], want));
    }
    K->act(y, x, n, KERN_TANH);
    for (size_t i = 0; i < n; i++) e_tanh = fmax(e_tanh, rel(y[i], tanh((double)x[i])));
    printf("act (%s, %zu inputs): exp max rel err %.2e; sigmoid max rel err %.2e (x >= -87), "
           "max abs err %.2e; tanh max rel err %.2e\n", K->name, n, e_exp, e_sig, e_sig_abs, e_tanh);
    CHECK(e_exp < 1.5e-7, "exp rel err %g", e_exp);
    CHECK(e_sig < 2.5e-7, "sigmoid rel err %g", e_sig);
    CHECK(e_sig_abs < 1.2e-7, "sigmoid abs err %g", e_sig_abs);
    CHECK(e_tanh < 2.5e-7, "tanh rel err %g", e_tanh);
    free(x);
    free(y);
}

/* clamps, saturation, exact points and NaN propagation (divergence must stay visible) */
static void test_special(void) {
    const kern_ops *K = kern();
    float in[7] = {-INFINITY, -1e30f, -100.0f, 0.0f, 100.0f, 1e30f, INFINITY}, out[7];
    K->act(out, in, 7, KERN_SIGMOID);
    for (int i = 0; i < 7; i++)
        CHECK(out[i] >= 0.0f && out[i] <= 1.0f, "sigmoid(%g) = %g", (double)in[i], (double)out[i]);
    CHECK(out[3] == 0.5f && out[4] == 1.0f && out[6] == 1.0f && out[0] < 1e-37f, "sigmoid values");
    K->act(out, in, 7, KERN_TANH);
    CHECK(out[0] == -1.0f && out[2] == -1.0f && out[3] == 0.0f && out[4] == 1.0f && out[6] == 1.0f,
          "tanh saturation and 0");
    K->act(out, in, 7, KERN_EXP);
    CHECK(isfinite(out[6]) && out[6] > 1e38f && out[0] > 0.0f && out[0] < 1e-37f, "exp clamps");
    /* the ends of the clamps, where 2^(k >> 4) comes near the exponent field's limits */
    float edge[6] = {-88.0f, -87.99f, -87.0f, 87.0f, 87.99f, 88.0f};
    K->act(out, edge, 6, KERN_SIGMOID);
    CHECK(out[0] >= 0.0f && out[0] < 1e-37f && out[2] > 1.6e-38f && out[2] < 1.7e-38f &&
              out[3] == 1.0f && out[5] == 1.0f, "sigmoid at the clamps");
    K->act(out, edge, 6, KERN_TANH);
    CHECK(out[0] == -1.0f && out[5] == 1.0f, "tanh at the clamps");
    /* tanh is computed on |x| with the sign copied back: exactly odd */
    enum { NODD = 4001 };
    static float xo[2 * NODD], yo[2 * NODD];
    for (int i = 0; i < NODD; i++) {
        xo[i] = (float)i * 2.5e-3f;
        xo[NODD + i] = -xo[i];
    }
    K->act(yo, xo, 2 * NODD, KERN_TANH);
    int odd = 1;
    for (int i = 0; i < NODD; i++) odd &= yo[NODD + i] == -yo[i];
    CHECK(odd, "tanh(-x) == -tanh(x)");
    float nan3[3] = {NAN, NAN, NAN};
    for (int w = 0; w < 3; w++) {
        K->act(out, nan3, 3, (kern_act)w);
        CHECK(isnan(out[0]) && isnan(out[2]), "activation %d of NaN is %g", w, (double)out[0]);
    }
}

/* Recurrent dropout with all masks 1 must equal no dropout (per-gate products add up to
 * the fused product). */
static void test_ones_mask(void) {
    enum { T = 3, B = 2, I = 2, H = 3 };
    static float x[T * B * I], W[I * 4 * H], U[H * 4 * H], b[8 * H], ones[4 * B * H];
    static float h1[T * B * H], h2[T * B * H], c[T * B * H], tc[T * B * H], g[T * B * 4 * H];
    static float hm[2 * B * H], rec[B * 3 * H], rh[T * B * H];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = 0.3f * (float)((int)(i % 7) - 3);
    for (size_t i = 0; i < sizeof W / sizeof *W; i++) W[i] = 0.1f * (float)((int)(i % 5) - 2);
    for (size_t i = 0; i < sizeof U / sizeof *U; i++) U[i] = 0.2f * (float)((int)(i % 9) - 4);
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) b[i] = 0.05f * (float)i;
    for (size_t i = 0; i < sizeof ones / sizeof *ones; i++) ones[i] = 1.0f;
    lstm_forward(h1, c, tc, g, hm, x, NULL, W, U, b, T, B, I, H, I, H);
    lstm_forward(h2, c, tc, g, hm, x, ones, W, U, b, T, B, I, H, I, H);
    double e = 0.0;
    for (size_t i = 0; i < T * B * H; i++) e = fmax(e, fabs((double)h1[i] - (double)h2[i]));
    CHECK(e < 1e-6, "lstm ones mask differs by %g", e);
    gru_forward(h1, g, rh, rec, hm, x, NULL, W, U, b, T, B, I, H);
    gru_forward(h2, g, rh, rec, hm, x, ones, W, U, b, T, B, I, H);
    e = 0.0;
    for (size_t i = 0; i < T * B * H; i++) e = fmax(e, fabs((double)h1[i] - (double)h2[i]));
    CHECK(e < 1e-6, "gru ones mask differs by %g", e);
}

int main(int argc, char **argv) {
    test_isa_init();
    long stride = argc > 1 ? atol(argv[1]) : 509;
    test_accuracy(stride > 0 ? (uint64_t)stride : 509);
    test_special();
    test_ones_mask();
    return test_failures("test_act");
}
