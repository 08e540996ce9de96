/* test_act: the vectorisable activations against libm (double) over their working range,
 * saturation, and that a tiny-model gradient check with T = 1 (no recurrent step) and an
 * all-ones recurrent-dropout mask reproduce the plain forward pass. */
#include <string.h>

#include "model/act.h"
#include "model/gru.h"
#include "model/lstm.h"
#include "tests/test_util.h"

static void test_accuracy(void) {
    double e_exp = 0.0, e_sig = 0.0, e_tanh = 0.0, e_tanh_rel = 0.0;
    for (int i = -200000; i <= 200000; i++) {
        float x = (float)i * 1e-4f; /* [-20, 20] */
        double ex = exp((double)x);
        e_exp = fmax(e_exp, fabs((double)act_exp(x) - ex) / ex);
        e_sig = fmax(e_sig, fabs((double)act_sigmoid(x) - 1.0 / (1.0 + exp(-(double)x))));
        double th = tanh((double)x);
        e_tanh = fmax(e_tanh, fabs((double)act_tanh(x) - th));
        if (fabs(th) > 0.1) e_tanh_rel = fmax(e_tanh_rel, fabs((double)act_tanh(x) - th) / fabs(th));
    }
    printf("act: exp max rel err %.2e, sigmoid max abs err %.2e, tanh max abs err %.2e "
           "(rel %.2e for |tanh| > 0.1)\n", e_exp, e_sig, e_tanh, e_tanh_rel);
    CHECK(e_exp < 4e-7, "exp rel err %g", e_exp);
    CHECK(e_sig < 2e-7, "sigmoid abs err %g", e_sig);
    CHECK(e_tanh < 3e-7, "tanh abs err %g", e_tanh);
    CHECK(e_tanh_rel < 1e-6, "tanh rel err %g", e_tanh_rel);
    /* saturation and extreme inputs stay finite and in range */
    float big[] = {-1e30f, -100.0f, -30.0f, 30.0f, 100.0f, 1e30f};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        float s = act_sigmoid(big[i]), t = act_tanh(big[i]);
        CHECK(s >= 0.0f && s <= 1.0f && isfinite(s), "sigmoid(%g) = %g", (double)big[i], (double)s);
        CHECK(t >= -1.0f && t <= 1.0f && isfinite(t), "tanh(%g) = %g", (double)big[i], (double)t);
    }
    CHECK(act_sigmoid(100.0f) == 1.0f && act_tanh(-100.0f) == -1.0f, "saturation");
    CHECK(act_tanh(0.0f) == 0.0f && act_sigmoid(0.0f) == 0.5f, "values at 0");
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
    lstm_forward(h1, c, tc, g, hm, x, NULL, W, U, b, T, B, I, H);
    lstm_forward(h2, c, tc, g, hm, x, ones, W, U, b, T, B, I, H);
    double e = 0.0;
    for (size_t i = 0; i < T * B * H; i++) e = fmax(e, fabs((double)h1[i] - (double)h2[i]));
    CHECK(e < 1e-6, "lstm ones mask differs by %g", e);
    gru_forward(h1, g, rh, rec, hm, x, NULL, W, U, b, T, B, I, H);
    gru_forward(h2, g, rh, rec, hm, x, ones, W, U, b, T, B, I, H);
    e = 0.0;
    for (size_t i = 0; i < T * B * H; i++) e = fmax(e, fabs((double)h1[i] - (double)h2[i]));
    CHECK(e < 1e-6, "gru ones mask differs by %g", e);
}

int main(void) {
    test_accuracy();
    test_ones_mask();
    return test_failures("test_act");
}
