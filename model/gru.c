/* gru: Keras GRU (reset_after=True) forward and BPTT backward, time-major (see gru.h). */
#include "model/gru.h"

#include <string.h>

#include "model/act.h"
#include "model/gemm.h"

void gru_forward(float *h, float *gates, float *rh, float *rec, float *hm, const float *x,
                 const float *rmask, const float *W, const float *U, const float *b, size_t T,
                 size_t B, size_t I, size_t H) {
    size_t G = 3 * H, R = T * B;
    const float *b_in = b, *b_rec = b + G;
    /* x W + b_in for all T*B rows at once, into gates */
    for (size_t n = 0; n < R; n++) memcpy(gates + n * G, b_in, G * sizeof *b);
    gemm(gates, G, x, I, 0, W, G, 0, R, G, I, 1.0f);
    for (size_t t = 0; t < T; t++) {
        float *g = gates + t * B * G;
        const float *hprev = t ? h + (t - 1) * B * H : NULL;
        /* rec = h_{t-1} U + b_rec (per gate with masked h_{t-1} under recurrent dropout) */
        for (size_t bb = 0; bb < B; bb++) memcpy(rec + bb * G, b_rec, G * sizeof *b);
        if (hprev) {
            if (!rmask) {
                gemm(rec, G, hprev, H, 0, U, G, 0, B, G, H, 1.0f);
            } else {
                for (size_t k = 0; k < 3; k++) {
                    const float *m = rmask + k * B * H;
                    for (size_t n = 0; n < B * H; n++) hm[n] = hprev[n] * m[n];
                    gemm(rec + k * H, G, hm, H, 0, U + k * H, G, 0, B, H, H, 1.0f);
                }
            }
        }
        float *ht = h + t * B * H, *rht = rh + t * B * H;
        /* z = s(x_z + r_z); r = s(x_r + r_r); hh = tanh(x_h + r*r_h); h = z*h_prev + (1-z)*hh */
        for (size_t bb = 0; bb < B; bb++) {
            float *restrict gz = g + bb * G, *restrict gr = gz + H, *restrict gh = gz + 2 * H;
            const float *restrict rz = rec + bb * G, *restrict rr = rz + H, *restrict rhh = rz + 2 * H;
            float *restrict hr = ht + bb * H, *restrict rhr = rht + bb * H;
            for (size_t j = 0; j < H; j++) {
                float zv = act_sigmoid(gz[j] + rz[j]);
                float rv = act_sigmoid(gr[j] + rr[j]);
                float hv = act_tanh(gh[j] + rv * rhh[j]);
                float hp = hprev ? hprev[bb * H + j] : 0.0f;
                gz[j] = zv; gr[j] = rv; gh[j] = hv;
                rhr[j] = rhh[j];
                hr[j] = zv * hp + (1.0f - zv) * hv;
            }
        }
    }
}

void gru_backward(float *dx, float *dW, float *dU, float *db, float *dxg, float *drg, float *hm,
                  float *dh, const float *x, const float *h, const float *gates, const float *rh,
                  const float *rmask, const float *W, const float *U, size_t T, size_t B,
                  size_t I, size_t H) {
    size_t G = 3 * H, R = T * B;
    for (size_t t = T; t-- > 0;) {
        const float *g = gates + t * B * G;
        const float *hprev = t ? h + (t - 1) * B * H : NULL;
        const float *rht = rh + t * B * H;
        float *dht = dh + t * B * H, *dxt = dxg + t * B * G, *drt = drg + t * B * G;
        float *dhp = t ? dh + (t - 1) * B * H : NULL;
        /* dz = dh*(h_prev - hh); dhh = dh*(1-z); a_h = x_h + r*r_h: da_h = dhh*(1-hh^2);
         * dr = da_h*r_h; dr_h = da_h*r; da_z = dz*z(1-z); da_r = dr*r(1-r);
         * dh_prev (direct) = dh*z */
        for (size_t bb = 0; bb < B; bb++) {
            const float *restrict gz = g + bb * G, *restrict gr = gz + H, *restrict gh = gz + 2 * H;
            const float *restrict rhr = rht + bb * H, *restrict dhr = dht + bb * H;
            float *restrict xz = dxt + bb * G, *restrict xr = xz + H, *restrict xh = xz + 2 * H;
            float *restrict qz = drt + bb * G, *restrict qr = qz + H, *restrict qh = qz + 2 * H;
            for (size_t j = 0; j < H; j++) {
                float d = dhr[j], zv = gz[j], rv = gr[j], hv = gh[j];
                float hp = hprev ? hprev[bb * H + j] : 0.0f;
                float dah = d * (1.0f - zv) * (1.0f - hv * hv);
                float daz = d * (hp - hv) * zv * (1.0f - zv);
                float dar = dah * rhr[j] * rv * (1.0f - rv);
                xz[j] = daz; xr[j] = dar; xh[j] = dah;
                qz[j] = daz; qr[j] = dar; qh[j] = dah * rv;
            }
            if (dhp)
                for (size_t j = 0; j < H; j++) dhp[bb * H + j] += dhr[j] * gz[j];
        }
        if (!dhp) break;
        /* dh_{t-1} += drg(t) U^T (per gate and masked under recurrent dropout) */
        if (!rmask) {
            gemm(dhp, H, drt, G, 0, U, G, 1, B, H, G, 1.0f);
        } else {
            for (size_t k = 0; k < 3; k++) {
                const float *m = rmask + k * B * H;
                gemm(hm, H, drt + k * H, G, 0, U + k * H, G, 1, B, H, H, 0.0f);
                for (size_t n = 0; n < B * H; n++) dhp[n] += hm[n] * m[n];
            }
        }
    }
    /* dW = x^T dxg; db_in = colsum(dxg); db_rec = colsum(drg) */
    gemm(dW, G, x, I, 1, dxg, G, 0, I, G, R, 0.0f);
    memset(db, 0, 2 * G * sizeof *db);
    for (size_t n = 0; n < R; n++)
        for (size_t j = 0; j < G; j++) {
            db[j] += dxg[n * G + j];
            db[G + j] += drg[n * G + j];
        }
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
