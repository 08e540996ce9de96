/* lstm: Keras LSTM forward and BPTT backward, time-major (see lstm.h). */
#include "model/lstm.h"

#include <string.h>

#include "model/act.h"
#include "model/gemm.h"

/* One batch row of the forward gate math, H elements (restrict parameters let the
 * compiler vectorise it): a = (x W + h U) + b;
 * i,f,o = sigmoid(a), g = tanh(a); c = f*c_prev + i*g; h = o*tanh(c). Gates in place. */
static void cell_forward_row(float *restrict gi, float *restrict gf, float *restrict gg,
                             float *restrict go, float *restrict cr, float *restrict tr,
                             float *restrict hr, const float *restrict cpr,
                             const float *restrict b, size_t H) {
    for (size_t j = 0; j < H; j++) {
        float iv = act_sigmoid(gi[j] + b[j]), fv = act_sigmoid(gf[j] + b[H + j]);
        float gv = act_tanh(gg[j] + b[2 * H + j]), ov = act_sigmoid(go[j] + b[3 * H + j]);
        float cv = fv * cpr[j] + iv * gv;
        float tv = act_tanh(cv);
        gi[j] = iv;
        gf[j] = fv;
        gg[j] = gv;
        go[j] = ov;
        cr[j] = cv;
        tr[j] = tv;
        hr[j] = ov * tv;
    }
}

/* One batch row of the backward gate math, H elements:
 * dc += dh*o*(1-tanh^2 c); do = dh*tanh(c); di = dc*g; dg = dc*i; df = dc*c_prev;
 * pre-activation: sigmoid' = s(1-s), tanh' = 1-y^2; then dc_prev = dc*f (into dcr). */
static void cell_backward_row(float *restrict di, float *restrict df, float *restrict dgg,
                              float *restrict dor, float *restrict dcr, const float *restrict gi,
                              const float *restrict gf, const float *restrict gg,
                              const float *restrict go, const float *restrict tr,
                              const float *restrict dhr, const float *restrict cpr, size_t H) {
    for (size_t j = 0; j < H; j++) {
        float dhv = dhr[j], tv = tr[j], ov = go[j], iv = gi[j], fv = gf[j], gv = gg[j];
        float dcv = dcr[j] + dhv * ov * (1.0f - tv * tv);
        dor[j] = dhv * tv * ov * (1.0f - ov);
        di[j] = dcv * gv * iv * (1.0f - iv);
        dgg[j] = dcv * iv * (1.0f - gv * gv);
        df[j] = dcv * cpr[j] * fv * (1.0f - fv);
        dcr[j] = dcv * fv;
    }
}

/* gates(t) += h_{t-1} U, or per gate k: gates_k(t) += (h_{t-1} * m_k) U_k */
static void recurrent_product(float *g, float *hm, const float *hprev, const float *rmask,
                              const float *U, size_t B, size_t H) {
    size_t G = 4 * H;
    if (!rmask) {
        gemm(g, G, hprev, H, 0, U, G, 0, B, G, H, 1.0f);
        return;
    }
    for (size_t k = 0; k < 4; k++) {
        const float *m = rmask + k * B * H;
        for (size_t n = 0; n < B * H; n++) hm[n] = hprev[n] * m[n];
        gemm(g + k * H, G, hm, H, 0, U + k * H, G, 0, B, H, H, 1.0f);
    }
}

void lstm_forward(float *h, float *c, float *tc, float *gates, float *hm, const float *x,
                  const float *rmask, const float *W, const float *U, const float *b, size_t T,
                  size_t B, size_t I, size_t H) {
    size_t G = 4 * H, R = T * B;
    /* x W for all T*B rows at once (the bias is added in the gate math) */
    gemm(gates, G, x, I, 0, W, G, 0, R, G, I, 0.0f);
    for (size_t t = 0; t < T; t++) {
        float *g = gates + t * B * G;                                     /* (B,4H) */
        if (t) recurrent_product(g, hm, h + (t - 1) * B * H, rmask, U, B, H);
        else memset(hm, 0, B * H * sizeof *hm);
        const float *cprev = t ? c + (t - 1) * B * H : hm;                /* (B,H), c_{-1} = 0 */
        float *ct = c + t * B * H, *tct = tc + t * B * H, *ht = h + t * B * H;
        for (size_t bb = 0; bb < B; bb++) {
            float *gi = g + bb * G;
            cell_forward_row(gi, gi + H, gi + 2 * H, gi + 3 * H, ct + bb * H, tct + bb * H,
                             ht + bb * H, cprev + bb * H, b, H);
        }
    }
}

void lstm_backward(float *dx, float *dW, float *dU, float *db, float *dgates, float *dc,
                   float *hm, float *ut, float *dh, const float *x, const float *h, const float *c,
                   const float *tc, const float *gates, const float *rmask, const float *W,
                   const float *U, size_t T, size_t B, size_t I, size_t H) {
    size_t G = 4 * H, R = T * B;
    memset(dc, 0, B * H * sizeof *dc);
    memset(db, 0, G * sizeof *db);
    /* ut (4H,H) = U^T, so the per-step product dgates U^T is a plain (no-transpose) GEMM */
    for (size_t i = 0; i < H; i++)
        for (size_t j = 0; j < G; j++) ut[j * H + i] = U[i * G + j];
    for (size_t t = T; t-- > 0;) {
        const float *g = gates + t * B * G;
        float *dg = dgates + t * B * G;
        if (t == 0) memset(hm, 0, B * H * sizeof *hm);
        const float *cprev = t ? c + (t - 1) * B * H : hm; /* c_{-1} = 0 */
        const float *tct = tc + t * B * H;
        float *dht = dh + t * B * H;
        for (size_t bb = 0; bb < B; bb++) {
            const float *gi = g + bb * G;
            float *di = dg + bb * G;
            cell_backward_row(di, di + H, di + 2 * H, di + 3 * H, dc + bb * H, gi, gi + H,
                              gi + 2 * H, gi + 3 * H, tct + bb * H, dht + bb * H, cprev + bb * H,
                              H);
        }
        /* db += column sums of dgates(t), while the step is in cache */
        for (size_t bb = 0; bb < B; bb++) {
            const float *restrict d = dg + bb * G;
            for (size_t j = 0; j < G; j++) db[j] += d[j];
        }
        if (t == 0) break;
        /* dh_{t-1} += dgates(t) U^T, or sum_k (dgates_k(t) U_k^T) * m_k */
        float *dhp = dh + (t - 1) * B * H;
        if (!rmask) {
            gemm(dhp, H, dg, G, 0, ut, H, 0, B, H, G, 1.0f);
        } else {
            for (size_t k = 0; k < 4; k++) {
                const float *m = rmask + k * B * H;
                gemm(hm, H, dg + k * H, G, 0, ut + k * H * H, H, 0, B, H, H, 0.0f);
                for (size_t n = 0; n < B * H; n++) dhp[n] += hm[n] * m[n];
            }
        }
    }
    /* dW = x^T dgates over all T*B rows */
    gemm(dW, G, x, I, 1, dgates, G, 0, I, G, R, 0.0f);
    /* dU = sum_{t>=1} h_{t-1}^T dgates(t) (h_{-1} = 0), masked per gate with dropout */
    if (!rmask && T > 1) {
        gemm(dU, G, h, H, 1, dgates + B * G, G, 0, H, G, (T - 1) * B, 0.0f);
    } else {
        memset(dU, 0, H * G * sizeof *dU);
        for (size_t t = 1; t < T; t++)
            for (size_t k = 0; k < 4; k++) {
                const float *m = rmask + k * B * H, *hp = h + (t - 1) * B * H;
                for (size_t n = 0; n < B * H; n++) hm[n] = hp[n] * m[n];
                gemm(dU + k * H, G, hm, H, 1, dgates + t * B * G + k * H, G, 0, H, H, B, 1.0f);
            }
    }
    /* dx = dgates W^T */
    if (dx) gemm(dx, I, dgates, G, 0, W, G, 1, R, I, G, 0.0f);
}
