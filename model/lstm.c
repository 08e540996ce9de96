/* lstm: Keras LSTM forward and BPTT backward, time-major (see lstm.h). */
#include "model/lstm.h"

#include <string.h>

#include "model/kern.h"

/* hm (B,H) = hp * m, hp's rows ldh floats apart (recurrent dropout) */
static void mask_rows(const kern_ops *K, float *hm, const float *hp, size_t ldh, const float *m,
                      size_t B, size_t H) {
    for (size_t r = 0; r < B; r++) K->mul(hm + r * H, hp + r * ldh, m + r * H, H);
}

void lstm_forward(float *h, float *c, float *tc, float *gates, float *hm, const float *x,
                  const float *rmask, const float *W, const float *U, const float *b, size_t T,
                  size_t B, size_t I, size_t H, size_t ldx, size_t ldh) {
    const kern_ops *K = kern();
    size_t G = 4 * H;
    for (size_t t = 0; t < T; t++) {
        float *g = gates + t * B * G;                                     /* (B,4H) */
        const float *hprev = t ? h + (t - 1) * B * ldh : NULL;            /* h_{-1} = 0 */
        const float *cprev = t ? c + (t - 1) * B * H : NULL;              /* c_{-1} = 0 */
        int gin = 0;
        if (hprev && rmask) {
            /* recurrent dropout: g_k = (h_{t-1} * m_k) U_k per gate, then the step adds x W */
            for (size_t k = 0; k < 4; k++) {
                mask_rows(K, hm, hprev, ldh, rmask + k * B * H, B, H);
                K->gemm(g + k * H, G, hm, H, 0, U + k * H, G, 0, B, H, H, 0.0f);
            }
            gin = 1;
            hprev = NULL;
        }
        K->lstm_step(g, c + t * B * H, tc + t * B * H, h + t * B * ldh, cprev, gin,
                     x + t * B * ldx, W, I, hprev, U, b, B, H, ldx, ldh);
    }
}

/* Where dh(t) lives: at step t of dh, or for the top layer (only dh(T-1) given, the rest
 * zero) in two slots at the start of dh used in turn, so the recurrent gradient stays in
 * cache instead of touching all T steps (slot (t mod 2) never meets step T-1's data). */
static float *dh_slot(float *dh, int dh_top, size_t t, size_t T, size_t B, size_t H) {
    return dh + (dh_top && t + 1 < T ? t % 2 : t) * B * H;
}

void lstm_backward(float *dx, float *dW, float *dU, float *db, double *dbacc, float *dgates,
                   float *dc, float *hm, float *ut, float *dh, int dh_top, const float *x,
                   const float *h, const float *c, const float *tc, const float *gates,
                   const float *rmask, const float *W, const float *U, size_t T, size_t B,
                   size_t I, size_t H, size_t ldx, size_t ldh) {
    const kern_ops *K = kern();
    size_t G = 4 * H;
    /* dW and dU as one product (below) when dU follows dW (net.c's flat parameters), row
     * (t, b) of one buffer holds [x_t | h_{t-1}] (net.c's activations: the product reads
     * them in place) and there is no recurrent dropout; T > 1 keeps x + B*ldx + I inside x */
    int merged = T > 1 && ldx == ldh && h == x + B * ldx + I && !rmask && dU == dW + I * G;
    memset(dc, 0, B * H * sizeof *dc);
    memset(dU, 0, H * G * sizeof *dU);
    for (size_t j = 0; j < G; j++) dbacc[j] = 0.0;
    /* ut (4H,H) = U^T, so the per-step product dgates U^T is a plain (no-transpose) GEMM */
    for (size_t i = 0; i < H; i++)
        for (size_t j = 0; j < G; j++) ut[j * H + i] = U[i * G + j];
    /* Each step's gate gradients dgates(t) (B,4H) are used while in cache: dW, dU, dx and
     * dh_{t-1} (the bias sums are taken as the gate backward writes them); no (T,B,4H)
     * gradient tensor is kept. */
    for (size_t t = T; t-- > 0;) {
        float *dg = dgates; /* (B,4H), reused every step: stays in cache */
        const float *cprev = t ? c + (t - 1) * B * H : NULL; /* c_{-1} = 0 */
        /* dgates(t), dc_{t-1}; db += column sums of dgates(t), in double */
        K->lstm_cell_bwd(dg, dc, dbacc, gates + t * B * G, tc + t * B * H,
                         dh_slot(dh, dh_top, t, T, B, H), cprev, B, H);
        const float *xt = x + t * B * ldx;
        const float *hp = t ? h + (t - 1) * B * ldh : NULL;
        float beta = t == T - 1 ? 0.0f : 1.0f;
        if (hp && merged) {
            /* [dW; dU] += [x_t | h_{t-1}]^T dgates(t): one (I+H, 4H) product over the rows
             * [x_t | h_{t-1}] as they lie (net.c's flat layout puts dU right after dW), so
             * dgates(t) is streamed once and the I rows of dW fill row blocks with dU's;
             * each entry is summed in the same order as by two products (same bits). dU's
             * rows start at 0 (memset above), so beta 0 at t = T-1 only drops that zero. */
            K->gemm(dW, G, xt, ldx, 1, dg, G, 0, I + H, G, B, beta);
        } else {
            /* dW += x_t^T dgates(t) */
            K->gemm(dW, G, xt, ldx, 1, dg, G, 0, I, G, B, beta);
            /* dU += h_{t-1}^T dgates(t) (no recurrent dropout; with it, per gate below) */
            if (hp && !rmask) K->gemm(dU, G, hp, ldh, 1, dg, G, 0, H, G, B, 1.0f);
        }
        /* dx_t = dgates(t) W^T */
        if (dx) K->gemm(dx + t * B * I, I, dg, G, 0, W, G, 1, B, I, G, 0.0f);
        if (t == 0) break;
        float *dhp = dh_slot(dh, dh_top, t - 1, T, B, H);
        if (!rmask) {
            /* The gate backward's inputs were written by the forward long before and come
             * from memory (384 KiB per step at H 64, B 256), while the products run from
             * cache with the memory bus idle: so this product prefetches what step t-1's
             * gate backward reads (its gates, tanh(c) and c_{t-2}), spread evenly over its
             * k loops. A hint only: the same bits. (Not with recurrent dropout, whose
             * products go gate by gate; not in the [dW; dU] product, which slowed down by
             * more than that saved: docs/benchmarks.md, "Sixth phase, backward".) */
            kern_pf pf = {{(const char *)(gates + (t - 1) * B * G),
                           (const char *)(tc + (t - 1) * B * H),
                           (const char *)(t >= 2 ? c + (t - 2) * B * H : NULL), NULL},
                          {B * G * sizeof *gates, B * H * sizeof *tc,
                           t >= 2 ? B * H * sizeof *c : 0, 0},
                          0, 0};
            if (merged) {
                /* and the rows [x_{t-1} | h_{t-2}] of step t-1's merged product: it reads
                 * them column-wise and would miss them row by row */
                pf.p[3] = (const char *)(x + (t - 1) * B * ldx);
                pf.n[3] = ((B - 1) * ldx + I + H) * sizeof *x;
            }
            /* dh_{t-1} += dgates(t) U^T; the top layer's dh_{t-1} is zero before it, so beta 0
             * stands for clearing the slot (the same bits: the sums start from +0 either way) */
            K->gemm_pf(dhp, H, dg, G, 0, ut, H, 0, B, H, G, dh_top ? 0.0f : 1.0f, &pf,
                       kern_pf_left(&pf));
        } else {
            if (dh_top) memset(dhp, 0, B * H * sizeof *dhp);
            /* per gate k: dU_k += (h_{t-1} * m_k)^T dgates_k(t);
             * dh_{t-1} += (dgates_k(t) U_k^T) * m_k */
            for (size_t k = 0; k < 4; k++) {
                const float *m = rmask + k * B * H;
                mask_rows(K, hm, hp, ldh, m, B, H);
                K->gemm(dU + k * H, G, hm, H, 1, dg + k * H, G, 0, H, H, B, 1.0f);
                K->gemm(hm, H, dg + k * H, G, 0, ut + k * H * H, H, 0, B, H, H, 0.0f);
                K->mul(hm, hm, m, B * H);
                for (size_t n = 0; n < B * H; n++) dhp[n] += hm[n];
            }
        }
    }
    for (size_t j = 0; j < G; j++) db[j] = (float)dbacc[j];
}
