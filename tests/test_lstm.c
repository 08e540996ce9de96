/* test_lstm: LSTM layer forward against a scalar double reference of the Keras formulas,
 * and central-difference gradient checks of every parameter and input (with and without
 * recurrent dropout), each with a negative control, through the kernels of the active
 * instruction set (HSWEEP_ISA; CTest runs every path). */
#include <stdlib.h>
#include <string.h>

#include "model/lstm.h"
#include "model/rng.h"
#include "tests/gradcheck.h"
#include "tests/test_util.h"

/* H = 20 and B = 7 go through the production kernels' full vectors, partial vectors (20 =
 * 16 + 4 on AVX-512, 8 + 8 + 4 on AVX2) and partial row blocks */
enum { T = 4, B = 7, I = 3, H = 20, G = 4 * H };

typedef struct fix {
    float x[T * B * I];           /* (T,B,I) */
    float p[I * G + H * G + G];   /* W (I,4H), U (H,4H), b (4H) */
    float R[T * B * H];           /* loss weights: L = sum h * R */
    float rmask[4 * B * H];       /* recurrent dropout masks */
    const float *rm;              /* rmask or NULL */
    float h[T * B * H], c[T * B * H], tc[T * B * H], gates[T * B * G], hm[B * H];
} fix;

static double loss(void *ctx) {
    fix *f = ctx;
    const float *W = f->p, *U = f->p + I * G, *b = f->p + I * G + H * G;
    lstm_forward(f->h, f->c, f->tc, f->gates, f->hm, f->x, f->rm, W, U, b, T, B, I, H, I, H);
    double s = 0.0;
    for (size_t n = 0; n < T * B * H; n++) s += (double)f->h[n] * (double)f->R[n];
    return s;
}

static void fill(float *a, size_t n, float scale, rng *r) {
    for (size_t i = 0; i < n; i++) a[i] = scale * (2.0f * rng_uniformf(r) - 1.0f);
}

static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }

/* Keras LSTMCell in double, one sample at a time, gate order i, f, c, o. */
static void test_forward_reference(void) {
    static fix f;
    rng r;
    rng_seed(&r, 11);
    fill(f.x, sizeof f.x / sizeof *f.x, 1.0f, &r);
    fill(f.p, sizeof f.p / sizeof *f.p, 0.7f, &r);
    f.rm = NULL;
    loss(&f);
    const float *W = f.p, *U = f.p + I * G, *bias = f.p + I * G + H * G;
    double maxerr = 0.0;
    for (size_t b = 0; b < B; b++) {
        double h[H] = {0}, c[H] = {0};
        for (size_t t = 0; t < T; t++) {
            double a[G];
            for (size_t k = 0; k < G; k++) {
                a[k] = bias[k];
                for (size_t i = 0; i < I; i++) a[k] += (double)f.x[(t * B + b) * I + i] * (double)W[i * G + k];
                for (size_t j = 0; j < H; j++) a[k] += h[j] * (double)U[j * G + k];
            }
            for (size_t j = 0; j < H; j++) {
                double iv = sig(a[j]), fv = sig(a[H + j]), gv = tanh(a[2 * H + j]), ov = sig(a[3 * H + j]);
                c[j] = fv * c[j] + iv * gv;
                h[j] = ov * tanh(c[j]);
                double e = fabs(h[j] - (double)f.h[(t * B + b) * H + j]);
                if (e > maxerr) maxerr = e;
                e = fabs(c[j] - (double)f.c[(t * B + b) * H + j]);
                if (e > maxerr) maxerr = e;
            }
        }
    }
    printf("lstm forward vs double reference: max |err| %.3g\n", maxerr);
    CHECK(maxerr < 1e-5, "forward max err %g", maxerr);
}

static void run_gradcheck(int with_dropout) {
    static fix f;
    rng r;
    rng_seed(&r, 5 + (uint64_t)with_dropout);
    fill(f.x, sizeof f.x / sizeof *f.x, 1.0f, &r);
    fill(f.p, sizeof f.p / sizeof *f.p, 0.7f, &r);
    fill(f.R, sizeof f.R / sizeof *f.R, 1.0f, &r);
    for (size_t n = 0; n < 4 * B * H; n++) f.rmask[n] = rng_uniformf(&r) < 0.4f ? 0.0f : 1.0f / 0.6f;
    f.rm = with_dropout ? f.rmask : NULL;
    const size_t np = sizeof f.p / sizeof *f.p;
    float grad[sizeof f.p / sizeof *f.p], dx[T * B * I];
    static float dgates[T * B * G], dc[B * H], hm[B * H], ut[G * H], dh[T * B * H];
    static double dbacc[G];
    loss(&f);
    memcpy(dh, f.R, sizeof dh);
    lstm_backward(dx, grad, grad + I * G, grad + I * G + H * G, dbacc, dgates, dc, hm, ut, dh, 0, f.x,
                  f.h, f.c, f.tc, f.gates, f.rm, f.p, f.p + I * G, T, B, I, H, I, H);
    gc_result rp = gc_check(loss, &f, f.p, grad, np);
    gc_result rx = gc_check(loss, &f, f.x, dx, T * B * I);
    printf("lstm%s: params %zu bad, worst rel %.2e (abs %.2e); inputs %zu bad, worst rel %.2e\n",
           with_dropout ? " (recurrent dropout)" : "", rp.n_bad, rp.worst_rel, rp.worst_abs,
           rx.n_bad, rx.worst_rel);
    CHECK(rp.n_bad == 0, "lstm param gradients");
    CHECK(rx.n_bad == 0, "lstm input gradients");
    /* negative controls: one corrupted entry in U, one in b, one in dx */
    size_t ks[] = {I * G + 5, I * G + H * G + 1};
    for (size_t q = 0; q < 2; q++) {
        float save = grad[ks[q]];
        gc_corrupt(grad, ks[q]);
        gc_result bad = gc_check(loss, &f, f.p, grad, np);
        CHECK(bad.n_bad == 1, "corrupted param %zu not caught (%zu bad)", ks[q], bad.n_bad);
        grad[ks[q]] = save;
    }
    gc_corrupt(dx, 7);
    CHECK(gc_check(loss, &f, f.x, dx, T * B * I).n_bad == 1, "corrupted dx not caught");
}

/* dh_top = 1 (only dh(T-1) given; the recurrent gradient in two ring slots) gives exactly
 * the gradients of dh_top = 0 with the other steps zeroed */
static void test_dh_top(void) {
    static fix f;
    rng r;
    rng_seed(&r, 31);
    fill(f.x, sizeof f.x / sizeof *f.x, 1.0f, &r);
    fill(f.p, sizeof f.p / sizeof *f.p, 0.7f, &r);
    f.rm = NULL;
    loss(&f);
    static float dgates[T * B * G], dc[B * H], hm[B * H], ut[G * H], dh[T * B * H];
    static double dbacc[G];
    static float g0[I * G + H * G + G], g1[I * G + H * G + G], dx0[T * B * I], dx1[T * B * I];
    float *grad = g0, *dx = dx0;
    for (int top = 0; top < 2; top++) {
        memset(dh, 0, sizeof dh);
        for (size_t n = 0; n < B * H; n++) dh[(T - 1) * B * H + n] = 0.1f * (float)(n % 7) - 0.3f;
        lstm_backward(dx, grad, grad + I * G, grad + I * G + H * G, dbacc, dgates, dc, hm, ut, dh, top, f.x,
                  f.h, f.c, f.tc, f.gates, NULL, f.p, f.p + I * G, T, B, I, H, I, H);
        grad = g1;
        dx = dx1;
    }
    CHECK(memcmp(g0, g1, sizeof g0) == 0 && memcmp(dx0, dx1, sizeof dx0) == 0,
          "dh_top changes the gradients");
}

/* Rows [x_t | h_{t-1}] side by side in one (T+1, B, LD) buffer (net.c's layout, with pads
 * around each row) give exactly the bits of separate x and h buffers: the forward's
 * outputs, and the gradients, where the backward reads [x_t | h_{t-1}] in place for one
 * merged (I+H, 4H) dW/dU product (dU == dW + I*4H) against two products over separate
 * buffers, with and without recurrent dropout (rows masked one by one); negative
 * control: a changed dh changes dW and dU. */
enum { XPAD = 3, LD = XPAD + I + H + 5 }; /* row: [XPAD | x (I) | h (H) | 5] */
static void test_row_layout(int with_dropout) {
    static fix f;
    rng r;
    rng_seed(&r, 47 + (uint64_t)with_dropout);
    fill(f.x, sizeof f.x / sizeof *f.x, 1.0f, &r);
    fill(f.p, sizeof f.p / sizeof *f.p, 0.7f, &r);
    fill(f.R, sizeof f.R / sizeof *f.R, 1.0f, &r);
    for (size_t n = 0; n < 4 * B * H; n++) f.rmask[n] = rng_uniformf(&r) < 0.4f ? 0.0f : 1.0f / 0.6f;
    f.rm = with_dropout ? f.rmask : NULL;
    loss(&f);
    static float xh[(T + 1) * B * LD], c2[T * B * H], tc2[T * B * H], g2[T * B * G];
    float *x = xh + XPAD, *h = x + B * LD + I;
    for (size_t n = 0; n < sizeof xh / sizeof *xh; n++) xh[n] = NAN; /* pads are never read */
    for (size_t tb = 0; tb < T * B; tb++) memcpy(x + tb * LD, f.x + tb * I, I * sizeof *x);
    const float *W = f.p, *U = f.p + I * G, *bias = f.p + I * G + H * G;
    lstm_forward(h, c2, tc2, g2, f.hm, x, f.rm, W, U, bias, T, B, I, H, LD, LD);
    int same = 1;
    for (size_t tb = 0; tb < T * B; tb++) same &= memcmp(h + tb * LD, f.h + tb * H, H * sizeof *h) == 0;
    CHECK(same, "h in the row layout differs");
    CHECK(memcmp(c2, f.c, sizeof c2) == 0 && memcmp(tc2, f.tc, sizeof tc2) == 0 &&
              memcmp(g2, f.gates, sizeof g2) == 0,
          "c, tanh(c) or the gates differ in the row layout");
    static float dgates[B * G], dc[B * H], hm[B * H], ut[G * H], dh[T * B * H];
    static double dbacc[G];
    static float g0[I * G + H * G + G], sep[I * G + 16 + H * G], db1[G], dx0[T * B * I],
        dx1[T * B * I];
    float *dW1 = sep, *dU1 = sep + I * G + 16; /* not adjacent: two products */
    memcpy(dh, f.R, sizeof dh);
    lstm_backward(dx0, g0, g0 + I * G, g0 + I * G + H * G, dbacc, dgates, dc, hm, ut, dh, 0, x, h,
                  c2, tc2, g2, f.rm, W, U, T, B, I, H, LD, LD);
    memcpy(dh, f.R, sizeof dh);
    lstm_backward(dx1, dW1, dU1, db1, dbacc, dgates, dc, hm, ut, dh, 0, f.x, f.h, f.c, f.tc,
                  f.gates, f.rm, W, U, T, B, I, H, I, H);
    CHECK(memcmp(g0, dW1, I * G * sizeof *dW1) == 0, "dW differs in the row layout");
    CHECK(memcmp(g0 + I * G, dU1, H * G * sizeof *dU1) == 0, "dU differs in the row layout");
    CHECK(memcmp(g0 + I * G + H * G, db1, sizeof db1) == 0, "db differs");
    CHECK(memcmp(dx0, dx1, sizeof dx0) == 0, "dx differs");
    memcpy(dh, f.R, sizeof dh);
    dh[(T - 1) * B * H + 3] += 0.5f;
    lstm_backward(NULL, dW1, dU1, db1, dbacc, dgates, dc, hm, ut, dh, 0, x, h, c2, tc2, g2, f.rm,
                  W, U, T, B, I, H, LD, LD);
    CHECK(memcmp(g0, dW1, I * G * sizeof *dW1) != 0 && memcmp(g0 + I * G, dU1, H * G * sizeof *dU1) != 0,
          "negative control: a changed dh leaves dW or dU unchanged");
}

/* A wide input (I + H = 400 rows of W and U, above what the fused step packs per unit
 * vector, KPACK_ROWS in model/kern_impl.h) makes the step read W and U in place: two
 * steps against the double reference (weights scaled so pre-activations stay O(1)). */
static void test_wide_input(void) {
    enum { TW = 2, IW = 380 };
    size_t nx = TW * B * IW, np = IW * G + H * G + G;
    /* one buffer: x (TW,B,IW), params, h, c, tc (TW,B,H), gates (TW,B,4H) */
    float *x = malloc((nx + np + 3 * TW * B * H + TW * B * G) * sizeof *x);
    CHECK(x != NULL, "out of memory");
    if (!x) return;
    float *p = x + nx, *h = p + np, *c = h + TW * B * H, *tc = c + TW * B * H;
    float *gates = tc + TW * B * H;
    rng r;
    rng_seed(&r, 13);
    fill(x, nx, 1.0f, &r);
    fill(p, np, 0.1f, &r);
    const float *W = p, *U = p + IW * G, *bias = p + IW * G + H * G;
    lstm_forward(h, c, tc, gates, NULL, x, NULL, W, U, bias, TW, B, IW, H, IW, H);
    double maxerr = 0.0;
    for (size_t b = 0; b < B; b++) {
        double hd[H] = {0}, cd[H] = {0};
        for (size_t t = 0; t < TW; t++) {
            double a[G];
            for (size_t k = 0; k < G; k++) {
                a[k] = bias[k];
                for (size_t i = 0; i < IW; i++) a[k] += (double)x[(t * B + b) * IW + i] * (double)W[i * G + k];
                for (size_t j = 0; j < H; j++) a[k] += hd[j] * (double)U[j * G + k];
            }
            for (size_t j = 0; j < H; j++) {
                cd[j] = sig(a[H + j]) * cd[j] + sig(a[j]) * tanh(a[2 * H + j]);
                hd[j] = sig(a[3 * H + j]) * tanh(cd[j]);
                maxerr = fmax(maxerr, fabs(hd[j] - (double)h[(t * B + b) * H + j]));
                maxerr = fmax(maxerr, fabs(cd[j] - (double)c[(t * B + b) * H + j]));
            }
        }
    }
    printf("lstm forward, I = %d (weights in place) vs double reference: max |err| %.3g\n", IW,
           maxerr);
    CHECK(maxerr < 1e-5, "lstm wide forward max err %g", maxerr);
    free(x);
}

int main(void) {
    test_isa_init();
    test_forward_reference();
    test_wide_input();
    run_gradcheck(0);
    run_gradcheck(1);
    test_dh_top();
    test_row_layout(0);
    test_row_layout(1);
    return test_failures("test_lstm");
}
