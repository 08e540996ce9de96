/* gru: Keras GRU (reset_after=True) forward and BPTT backward, time-major (see gru.h). */
#include "model/gru.h"

#include <string.h>

#include "model/kern.h"

void gru_forward(float *h, float *gates, float *rh, float *rec, float *hm, const float *x,
                 const float *rmask, const float *W, const float *U, const float *b, size_t T,
                 size_t B, size_t I, size_t H) {
    const kern_ops *K = kern();
    size_t G = 3 * H, R = T * B;
    /* x W for all T*B rows at once, into gates (biases are added in the gate math) */
    K->gemm(gates, G, x, I, 0, W, G, 0, R, G, I, 0.0f);
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
        K->gru_step(gates + t * B * G, h + t * B * H, rh + t * B * H, rc, hprev, U, b, B, H);
    }
}

void gru_backward(float *dx, float *dW, float *dU, float *db, double *dbacc, float *dxg,
                  float *drg, float *hm, float *ut, float *dh, const float *x, const float *h,
                  const float *gates, const float *rh, const float *rmask, const float *W,
                  const float *U, size_t T, size_t B, size_t I, size_t H) {
    const kern_ops *K = kern();
    size_t G = 3 * H, R = T * B;
    /* ut (3H,H) = U^T, so the per-step product drg U^T is a plain (no-transpose) GEMM */
    for (size_t i = 0; i < H; i++)
        for (size_t j = 0; j < G; j++) ut[j * H + i] = U[i * G + j];
    for (size_t j = 0; j < 2 * G; j++) dbacc[j] = 0.0;
    for (size_t t = T; t-- > 0;) {
        const float *hprev = t ? h + (t - 1) * B * H : NULL; /* h_{-1} = 0 */
        float *dxt = dxg + t * B * G, *drt = drg + t * B * G;
        float *dhp = t ? dh + (t - 1) * B * H : NULL;
        K->gru_cell_bwd(dxt, drt, dhp, gates + t * B * G, rh + t * B * H, dh + t * B * H, hprev,
                        B, H);
        /* db_in += column sums of dxg(t), db_rec += those of drg(t), in double */
        K->colsum(dbacc, dxt, G, B, G);
        K->colsum(dbacc + G, drt, G, B, G);
        if (!dhp) break;
        /* dh_{t-1} += drg(t) U^T (per gate and masked under recurrent dropout) */
        if (!rmask) {
            K->gemm(dhp, H, drt, G, 0, ut, H, 0, B, H, G, 1.0f);
        } else {
            for (size_t k = 0; k < 3; k++) {
                K->gemm(hm, H, drt + k * H, G, 0, ut + k * H * H, H, 0, B, H, H, 0.0f);
                K->mul(hm, hm, rmask + k * B * H, B * H);
                for (size_t n = 0; n < B * H; n++) dhp[n] += hm[n];
            }
        }
    }
    for (size_t j = 0; j < 2 * G; j++) db[j] = (float)dbacc[j];
    /* dW = x^T dxg */
    K->gemm(dW, G, x, I, 1, dxg, G, 0, I, G, R, 0.0f);
    /* dU = sum_{t>=1} h_{t-1}^T drg(t), masked per gate under recurrent dropout */
    if (!rmask) {
        if (T > 1) K->gemm(dU, G, h, H, 1, drg + B * G, G, 0, H, G, (T - 1) * B, 0.0f);
        else memset(dU, 0, H * G * sizeof *dU);
    } else {
        memset(dU, 0, H * G * sizeof *dU);
        for (size_t t = 1; t < T; t++)
            for (size_t k = 0; k < 3; k++) {
                K->mul(hm, h + (t - 1) * B * H, rmask + k * B * H, B * H);
                K->gemm(dU + k * H, G, hm, H, 1, drg + t * B * G + k * H, G, 0, H, H, B, 1.0f);
            }
    }
    if (dx) K->gemm(dx, I, dxg, G, 0, W, G, 1, R, I, G, 0.0f);
}
