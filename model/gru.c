/* gru: Keras GRU (reset_after=True) forward and BPTT backward, time-major (see gru.h). */
#include "model/gru.h"

#include <string.h>

#include "model/act.h"
#include "model/gemm.h"

/* One batch row of the forward gate math, H elements (restrict lets it vectorise), with
 * x_* = (x W)_* + b_in_* and r_* = (h U)_* + b_rec_*:
 * z = s(x_z + r_z); r = s(x_r + r_r); hh = tanh(x_h + r*r_h); h = z*h_prev + (1-z)*hh.
 * gz/gr/gh hold x W on entry and the activated gates on exit; rhr receives r_h. */
static void cell_forward_row(float *restrict gz, float *restrict gr, float *restrict gh,
                             float *restrict hr, float *restrict rhr, const float *restrict rz,
                             const float *restrict rr, const float *restrict rhh,
                             const float *restrict hp, const float *restrict bi,
                             const float *restrict bh, size_t H) {
    for (size_t j = 0; j < H; j++) {
        float rhv = rhh[j] + bh[2 * H + j];
        float zv = act_sigmoid(gz[j] + bi[j] + rz[j] + bh[j]);
        float rv = act_sigmoid(gr[j] + bi[H + j] + rr[j] + bh[H + j]);
        float hv = act_tanh(gh[j] + bi[2 * H + j] + rv * rhv);
        gz[j] = zv;
        gr[j] = rv;
        gh[j] = hv;
        rhr[j] = rhv;
        hr[j] = zv * hp[j] + (1.0f - zv) * hv;
    }
}

/* One batch row of the backward gate math, H elements:
 * dz = dh*(h_prev - hh); dhh = dh*(1-z); da_h = dhh*(1-hh^2); dr = da_h*r_h;
 * da_z = dz*z(1-z); da_r = dr*r(1-r); input side [da_z, da_r, da_h], recurrent side
 * [da_z, da_r, da_h*r]; direct carry dh_prev += dh*z (dhp may be a dummy row at t = 0). */
static void cell_backward_row(float *restrict xz, float *restrict xr, float *restrict xh,
                              float *restrict qz, float *restrict qr, float *restrict qh,
                              float *restrict dhp, const float *restrict gz,
                              const float *restrict gr, const float *restrict gh,
                              const float *restrict rhr, const float *restrict dhr,
                              const float *restrict hp, size_t H) {
    for (size_t j = 0; j < H; j++) {
        float d = dhr[j], zv = gz[j], rv = gr[j], hv = gh[j];
        float dah = d * (1.0f - zv) * (1.0f - hv * hv);
        float daz = d * (hp[j] - hv) * zv * (1.0f - zv);
        float dar = dah * rhr[j] * rv * (1.0f - rv);
        xz[j] = daz;
        xr[j] = dar;
        xh[j] = dah;
        qz[j] = daz;
        qr[j] = dar;
        qh[j] = dah * rv;
        dhp[j] += d * zv;
    }
}

void gru_forward(float *h, float *gates, float *rh, float *rec, float *hm, const float *x,
                 const float *rmask, const float *W, const float *U, const float *b, size_t T,
                 size_t B, size_t I, size_t H) {
    size_t G = 3 * H, R = T * B;
    const float *b_in = b, *b_rec = b + G;
    /* x W for all T*B rows at once, into gates (biases are added in the gate math) */
    gemm(gates, G, x, I, 0, W, G, 0, R, G, I, 0.0f);
    for (size_t t = 0; t < T; t++) {
        float *g = gates + t * B * G;
        if (t == 0) memset(hm, 0, B * H * sizeof *hm);
        const float *hprev = t ? h + (t - 1) * B * H : hm; /* h_{-1} = 0 */
        /* rec = h_{t-1} U (per gate with masked h_{t-1} under recurrent dropout); 0 at t = 0 */
        if (t == 0) memset(rec, 0, B * G * sizeof *rec);
        if (t) {
            if (!rmask) {
                gemm(rec, G, hprev, H, 0, U, G, 0, B, G, H, 0.0f);
            } else {
                for (size_t k = 0; k < 3; k++) {
                    const float *m = rmask + k * B * H;
                    for (size_t n = 0; n < B * H; n++) hm[n] = hprev[n] * m[n];
                    gemm(rec + k * H, G, hm, H, 0, U + k * H, G, 0, B, H, H, 0.0f);
                }
            }
        }
        float *ht = h + t * B * H, *rht = rh + t * B * H;
        for (size_t bb = 0; bb < B; bb++) {
            float *gz = g + bb * G;
            const float *rz = rec + bb * G;
            cell_forward_row(gz, gz + H, gz + 2 * H, ht + bb * H, rht + bb * H, rz, rz + H,
                             rz + 2 * H, hprev + bb * H, b_in, b_rec, H);
        }
    }
}

void gru_backward(float *dx, float *dW, float *dU, float *db, float *dxg, float *drg, float *hm,
                  float *ut, float *dh, const float *x, const float *h, const float *gates,
                  const float *rh,
                  const float *rmask, const float *W, const float *U, size_t T, size_t B,
                  size_t I, size_t H) {
    size_t G = 3 * H, R = T * B;
    /* ut (3H,H) = U^T, so the per-step product drg U^T is a plain (no-transpose) GEMM */
    for (size_t i = 0; i < H; i++)
        for (size_t j = 0; j < G; j++) ut[j * H + i] = U[i * G + j];
    memset(db, 0, 2 * G * sizeof *db);
    for (size_t t = T; t-- > 0;) {
        const float *g = gates + t * B * G;
        /* at t = 0, h_{-1} = 0 and the carry gradient goes to a dummy row */
        if (t == 0) memset(hm, 0, 2 * B * H * sizeof *hm);
        const float *hprev = t ? h + (t - 1) * B * H : hm;
        const float *rht = rh + t * B * H;
        float *dht = dh + t * B * H, *dxt = dxg + t * B * G, *drt = drg + t * B * G;
        float *dhp = t ? dh + (t - 1) * B * H : NULL;
        float *dsink = hm + B * H; /* (B,H) target for the unused t = 0 carry */
        for (size_t bb = 0; bb < B; bb++) {
            const float *gz = g + bb * G;
            float *xz = dxt + bb * G, *qz = drt + bb * G;
            cell_backward_row(xz, xz + H, xz + 2 * H, qz, qz + H, qz + 2 * H,
                              dhp ? dhp + bb * H : dsink, gz, gz + H, gz + 2 * H, rht + bb * H,
                              dht + bb * H, hprev + bb * H, H);
        }
        /* db_in += column sums of dxg(t), db_rec += those of drg(t), while in cache */
        for (size_t bb = 0; bb < B; bb++) {
            const float *restrict dx1 = dxt + bb * G, *restrict dr1 = drt + bb * G;
            float *restrict dbi = db, *restrict dbr = db + G;
            for (size_t j = 0; j < G; j++) {
                dbi[j] += dx1[j];
                dbr[j] += dr1[j];
            }
        }
        if (!dhp) break;
        /* dh_{t-1} += drg(t) U^T (per gate and masked under recurrent dropout) */
        if (!rmask) {
            gemm(dhp, H, drt, G, 0, ut, H, 0, B, H, G, 1.0f);
        } else {
            for (size_t k = 0; k < 3; k++) {
                const float *m = rmask + k * B * H;
                gemm(hm, H, drt + k * H, G, 0, ut + k * H * H, H, 0, B, H, H, 0.0f);
                for (size_t n = 0; n < B * H; n++) dhp[n] += hm[n] * m[n];
            }
        }
    }
    /* dW = x^T dxg */
    gemm(dW, G, x, I, 1, dxg, G, 0, I, G, R, 0.0f);
    /* dU = sum_{t>=1} h_{t-1}^T drg(t), masked per gate under recurrent dropout */
    if (!rmask) {
        if (T > 1) gemm(dU, G, h, H, 1, drg + B * G, G, 0, H, G, (T - 1) * B, 0.0f);
        else memset(dU, 0, H * G * sizeof *dU);
    } else {
        memset(dU, 0, H * G * sizeof *dU);
        for (size_t t = 1; t < T; t++)
            for (size_t k = 0; k < 3; k++) {
                const float *m = rmask + k * B * H, *hp = h + (t - 1) * B * H;
                for (size_t n = 0; n < B * H; n++) hm[n] = hp[n] * m[n];
                gemm(dU + k * H, G, hm, H, 1, drg + t * B * G + k * H, G, 0, H, H, B, 1.0f);
            }
    }
    if (dx) gemm(dx, I, dxg, G, 0, W, G, 1, R, I, G, 0.0f);
}
