/* test_gru: GRU (reset_after=True) forward against a scalar double reference of the Keras
 * formulas, and central-difference gradient checks of every parameter (W, U, input and
 * recurrent biases) and input, with and without recurrent dropout, each with a negative
 * control, through the kernels of the active instruction set (HSWEEP_ISA; CTest runs
 * every path). */
#include <stdlib.h>
#include <string.h>

#include "model/gru.h"
#include "model/rng.h"
#include "tests/gradcheck.h"
#include "tests/test_util.h"

/* H = 20 and B = 7 go through the production kernels' full vectors, partial vectors and
 * partial row blocks */
enum { T = 4, B = 7, I = 3, H = 20, G = 3 * H };

typedef struct fix {
    float x[T * B * I];               /* (T,B,I) */
    float p[I * G + H * G + 2 * G];   /* W (I,3H), U (H,3H), b (2,3H) */
    float R[T * B * H];               /* loss weights: L = sum h * R */
    float rmask[3 * B * H];           /* recurrent dropout masks */
    const float *rm;                  /* rmask or NULL */
    float h[T * B * H], gates[T * B * G], rh[T * B * H], rec[B * G], hm[B * H];
} fix;

static double loss(void *ctx) {
    fix *f = ctx;
    const float *W = f->p, *U = f->p + I * G, *b = f->p + I * G + H * G;
    gru_forward(f->h, f->gates, f->rh, f->rec, f->hm, f->x, f->rm, W, U, b, T, B, I, H);
    double s = 0.0;
    for (size_t n = 0; n < T * B * H; n++) s += (double)f->h[n] * (double)f->R[n];
    return s;
}

static void fill(float *a, size_t n, float scale, rng *r) {
    for (size_t i = 0; i < n; i++) a[i] = scale * (2.0f * rng_uniformf(r) - 1.0f);
}

static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }

/* Keras GRUCell(reset_after=True) in double, gate order z, r, h:
 * hh = tanh(x W_h + b_in_h + r * (h U_h + b_rec_h)), h = z*h + (1-z)*hh. */
static void test_forward_reference(void) {
    static fix f;
    rng r;
    rng_seed(&r, 12);
    fill(f.x, sizeof f.x / sizeof *f.x, 1.0f, &r);
    fill(f.p, sizeof f.p / sizeof *f.p, 0.7f, &r);
    f.rm = NULL;
    loss(&f);
    const float *W = f.p, *U = f.p + I * G, *bin = f.p + I * G + H * G, *brec = bin + G;
    double maxerr = 0.0;
    for (size_t b = 0; b < B; b++) {
        double h[H] = {0};
        for (size_t t = 0; t < T; t++) {
            double xa[G], ra[G];
            for (size_t k = 0; k < G; k++) {
                xa[k] = bin[k];
                ra[k] = brec[k];
                for (size_t i = 0; i < I; i++) xa[k] += (double)f.x[(t * B + b) * I + i] * (double)W[i * G + k];
                for (size_t j = 0; j < H; j++) ra[k] += h[j] * (double)U[j * G + k];
            }
            double hn[H];
            for (size_t j = 0; j < H; j++) {
                double z = sig(xa[j] + ra[j]), rr = sig(xa[H + j] + ra[H + j]);
                double hh = tanh(xa[2 * H + j] + rr * ra[2 * H + j]);
                hn[j] = z * h[j] + (1.0 - z) * hh;
            }
            for (size_t j = 0; j < H; j++) {
                h[j] = hn[j];
                double e = fabs(h[j] - (double)f.h[(t * B + b) * H + j]);
                if (e > maxerr) maxerr = e;
            }
        }
    }
    printf("gru forward vs double reference: max |err| %.3g\n", maxerr);
    CHECK(maxerr < 1e-5, "forward max err %g", maxerr);
}

static void run_gradcheck(int with_dropout) {
    static fix f;
    rng r;
    rng_seed(&r, 7 + (uint64_t)with_dropout);
    fill(f.x, sizeof f.x / sizeof *f.x, 1.0f, &r);
    fill(f.p, sizeof f.p / sizeof *f.p, 0.7f, &r);
    fill(f.R, sizeof f.R / sizeof *f.R, 1.0f, &r);
    for (size_t n = 0; n < 3 * B * H; n++) f.rmask[n] = rng_uniformf(&r) < 0.4f ? 0.0f : 1.0f / 0.6f;
    f.rm = with_dropout ? f.rmask : NULL;
    const size_t np = sizeof f.p / sizeof *f.p;
    float grad[sizeof f.p / sizeof *f.p], dx[T * B * I];
    static float dxg[T * B * G], drg[T * B * G], hm[B * H], ut[G * H], dh[T * B * H];
    static double dbacc[2 * G];
    loss(&f);
    memcpy(dh, f.R, sizeof dh);
    gru_backward(dx, grad, grad + I * G, grad + I * G + H * G, dbacc, dxg, drg, hm, ut, dh, 0, f.x, f.h,
                 f.gates, f.rh, f.rm, f.p, f.p + I * G, T, B, I, H);
    gc_result rp = gc_check(loss, &f, f.p, grad, np);
    gc_result rx = gc_check(loss, &f, f.x, dx, T * B * I);
    printf("gru%s: params %zu bad, worst rel %.2e (abs %.2e); inputs %zu bad, worst rel %.2e\n",
           with_dropout ? " (recurrent dropout)" : "", rp.n_bad, rp.worst_rel, rp.worst_abs,
           rx.n_bad, rx.worst_rel);
    CHECK(rp.n_bad == 0, "gru param gradients");
    CHECK(rx.n_bad == 0, "gru input gradients");
    /* negative controls: U entry, input bias, recurrent bias (h gate), dx */
    size_t ks[] = {I * G + 6, I * G + H * G + 2, I * G + H * G + G + 2 * H + 1};
    for (size_t q = 0; q < 3; q++) {
        float save = grad[ks[q]];
        gc_corrupt(grad, ks[q]);
        gc_result bad = gc_check(loss, &f, f.p, grad, np);
        CHECK(bad.n_bad == 1, "corrupted param %zu not caught (%zu bad)", ks[q], bad.n_bad);
        grad[ks[q]] = save;
    }
    gc_corrupt(dx, 4);
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
    static float dxg[T * B * G], drg[T * B * G], hm[B * H], ut[G * H], dh[T * B * H];
    static double dbacc[2 * G];
    static float g0[I * G + H * G + 2 * G], g1[I * G + H * G + 2 * G], dx0[T * B * I], dx1[T * B * I];
    float *grad = g0, *dx = dx0;
    for (int top = 0; top < 2; top++) {
        memset(dh, 0, sizeof dh);
        for (size_t n = 0; n < B * H; n++) dh[(T - 1) * B * H + n] = 0.1f * (float)(n % 7) - 0.3f;
        gru_backward(dx, grad, grad + I * G, grad + I * G + H * G, dbacc, dxg, drg, hm, ut, dh, top, f.x, f.h,
                 f.gates, f.rh, NULL, f.p, f.p + I * G, T, B, I, H);
        grad = g1;
        dx = dx1;
    }
    CHECK(memcmp(g0, g1, sizeof g0) == 0 && memcmp(dx0, dx1, sizeof dx0) == 0,
          "dh_top changes the gradients");
}

/* A wide input (I + H = 400 rows of W and U, above what the fused step packs per unit
 * vector, KPACK_ROWS in model/kern_impl.h) makes the step read W and U in place: two
 * steps against the double reference (weights scaled so pre-activations stay O(1)). */
static void test_wide_input(void) {
    enum { TW = 2, IW = 380 };
    size_t nx = TW * B * IW, np = IW * G + H * G + 2 * G;
    /* one buffer: x (TW,B,IW), params, h, rh (TW,B,H), gates (TW,B,3H), rec (B,3H) */
    float *x = malloc((nx + np + 2 * TW * B * H + TW * B * G + B * G) * sizeof *x);
    CHECK(x != NULL, "out of memory");
    if (!x) return;
    float *p = x + nx, *h = p + np, *rh = h + TW * B * H, *gates = rh + TW * B * H;
    float *rec = gates + TW * B * G;
    rng r;
    rng_seed(&r, 14);
    fill(x, nx, 1.0f, &r);
    fill(p, np, 0.1f, &r);
    const float *W = p, *U = p + IW * G, *bin = p + IW * G + H * G, *brec = bin + G;
    gru_forward(h, gates, rh, rec, NULL, x, NULL, W, U, bin, TW, B, IW, H);
    double maxerr = 0.0;
    for (size_t b = 0; b < B; b++) {
        double hd[H] = {0};
        for (size_t t = 0; t < TW; t++) {
            double xa[G], ra[G], hn[H];
            for (size_t k = 0; k < G; k++) {
                xa[k] = bin[k];
                ra[k] = brec[k];
                for (size_t i = 0; i < IW; i++) xa[k] += (double)x[(t * B + b) * IW + i] * (double)W[i * G + k];
                for (size_t j = 0; j < H; j++) ra[k] += hd[j] * (double)U[j * G + k];
            }
            for (size_t j = 0; j < H; j++) {
                double z = sig(xa[j] + ra[j]), rr = sig(xa[H + j] + ra[H + j]);
                hn[j] = z * hd[j] + (1.0 - z) * tanh(xa[2 * H + j] + rr * ra[2 * H + j]);
            }
            for (size_t j = 0; j < H; j++) {
                hd[j] = hn[j];
                maxerr = fmax(maxerr, fabs(hd[j] - (double)h[(t * B + b) * H + j]));
            }
        }
    }
    printf("gru forward, I = %d (weights in place) vs double reference: max |err| %.3g\n", IW,
           maxerr);
    CHECK(maxerr < 1e-5, "gru wide forward max err %g", maxerr);
    free(x);
}

int main(void) {
    test_isa_init();
    test_forward_reference();
    test_wide_input();
    run_gradcheck(0);
    run_gradcheck(1);
    test_dh_top();
    return test_failures("test_gru");
}
