/* gru: Keras GRU (reset_after=True) forward and BPTT backward, time-major (see gru.h). */
#include "model/gru.h"

#include <string.h>

#include "model/kern.h"

void gru_forward(float *h, float *gates, float *rh, float *rec, float *hm, const float *x,
                 const float *rmask, const float *W, const float *U, const float *b, size_t T,
                 size_t B, size_t I, size_t H) {
    const kern_ops *K = kern();
    size_t G = 3 * H;
    for (size_t t = 0; t < T; t++) {
        const float *hprev = t ? h + (t - 1) * B * H : NULL; /* h_{-1} = 0 */
        /* recurrent dropout: rec_k = (h_{t-1} * m_k) U_k per gate; otherwise the product
         * h_{t-1} U is fused into the step */
        const float *rc = NULL;
        if (hprev && rmask) {
            for (size_t k = 0; k < 3; k++) {
                K->mul(hm, hprev, rmask + k * B * H, B * H);
                K->gemm(rec + k * H, G, hm, H, 0, U + k * H, G, 0, B, H, H, 0.0f);
            }
            rc = rec;
        }
        K->gru_step(gates + t * B * G, h + t * B * H, rh + t * B * H, rc, x + t * B * I, W, I, hprev,
                    U, b, B, H);
    }
}

/* Where dh(t) lives: at step t of dh, or for the top layer (only dh(T-1) given, the rest
 * zero) in two slots at the start of dh used in turn, so the recurrent gradient stays in
 * cache (slot (t mod 2) never meets step T-1's data). */
static float *dh_slot(float *dh, int dh_top, size_t t, size_t T, size_t B, size_t H) {
    return dh + (dh_top && t + 1 < T ? t % 2 : t) * B * H;
}

void gru_backward(float *dx, float *dW, float *dU, float *db, double *dbacc, float *dxg,
                  float *drg, float *hm, float *ut, float *dh, int dh_top, const float *x,
                  const float *h, const float *gates, const float *rh, const float *rmask,
                  const float *W, const float *U, size_t T, size_t B, size_t I, size_t H) {
    const kern_ops *K = kern();
    size_t G = 3 * H;
    /* ut (3H,H) = U^T, so the per-step product drg U^T is a plain (no-transpose) GEMM */
    for (size_t i = 0; i < H; i++)
        for (size_t j = 0; j < G; j++) ut[j * H + i] = U[i * G + j];
    memset(dU, 0, H * G * sizeof *dU);
    for (size_t j = 0; j < 2 * G; j++) dbacc[j] = 0.0;
    /* Each step's gate gradients dxg(t), drg(t) (B,3H) are used while in cache: bias sums,
     * dW, dU, dx and dh_{t-1}; no (T,B,3H) gradient tensors are kept. */
    for (size_t t = T; t-- > 0;) {
        const float *hprev = t ? h + (t - 1) * B * H : NULL; /* h_{-1} = 0 */
        float *dxt = dxg, *drt = drg; /* (B,3H) each, reused every step: stay in cache */
        float *dhp = t ? dh_slot(dh, dh_top, t - 1, T, B, H) : NULL;
        if (dhp && dh_top) memset(dhp, 0, B * H * sizeof *dhp);
        K->gru_cell_bwd(dxt, drt, dhp, gates + t * B * G, rh + t * B * H, dh_slot(dh, dh_top, t, T, B, H), hprev,
                        B, H);
        /* db_in += column sums of dxg(t), db_rec += those of drg(t), in double */
        K->colsum(dbacc, dxt, G, B, G);
        K->colsum(dbacc + G, drt, G, B, G);
        /* dW += x_t^T dxg(t); dx_t = dxg(t) W^T */
        K->gemm(dW, G, x + t * B * I, I, 1, dxt, G, 0, I, G, B, t == T - 1 ? 0.0f : 1.0f);
        if (dx) K->gemm(dx + t * B * I, I, dxt, G, 0, W, G, 1, B, I, G, 0.0f);
        if (!dhp) break;
        if (!rmask) {
            /* dU += h_{t-1}^T drg(t); dh_{t-1} += drg(t) U^T */
            K->gemm(dU, G, hprev, H, 1, drt, G, 0, H, G, B, 1.0f);
            K->gemm(dhp, H, drt, G, 0, ut, H, 0, B, H, G, 1.0f);
        } else {
            /* per gate k: dU_k += (h_{t-1} * m_k)^T drg_k(t); dh_{t-1} += (drg_k U_k^T) * m_k */
            for (size_t k = 0; k < 3; k++) {
                const float *m = rmask + k * B * H;
                K->mul(hm, hprev, m, B * H);
                K->gemm(dU + k * H, G, hm, H, 1, drt + k * H, G, 0, H, H, B, 1.0f);
                K->gemm(hm, H, drt + k * H, G, 0, ut + k * H * H, H, 0, B, H, H, 0.0f);
                K->mul(hm, hm, m, B * H);
                for (size_t n = 0; n < B * H; n++) dhp[n] += hm[n];
            }
        }
    }
    for (size_t j = 0; j < 2 * G; j++) db[j] = (float)dbacc[j];
}
