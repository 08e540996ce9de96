/* gru: one Keras GRU layer (reset_after=True, the Keras 2+ default) over a whole sequence,
 * forward and backward (BPTT).
 *
 * Conventions: gate order [z, r, h] along the 3H axis; two biases b_in and b_rec (3H each,
 * stored as one (2,3H) block like Keras). With x_* = x W_* + b_in_* and
 * r_* = h_{t-1} U_* + b_rec_*:
 *   z = sigmoid(x_z + r_z), r = sigmoid(x_r + r_r), hh = tanh(x_h + r * r_h),
 *   h_t = z*h_{t-1} + (1-z)*hh,  h_{-1} = 0.
 * (PyTorch nn.GRU is the same reset-after form with gates ordered [r, z, n].)
 * Recurrent dropout (Keras): gate k's recurrent product uses (h_{t-1} * m_k); the carry
 * z*h_{t-1} uses the unmasked state.
 * Layout is time-major (T,B,X). Each forward step is one kern()->gru_step: x_t W and
 * h_{t-1} U fused with the gate math (with recurrent dropout: three masked GEMMs first);
 * backward does, per step, the gate math, bias sums and the GEMMs for dW, dU, dx and
 * dh_{t-1} while the step's gate gradients are in cache. Every loop runs in the kernels
 * of the active instruction set (model/kern.h).
 * Cannot fail; never allocates. */
#ifndef HS_GRU_H
#define HS_GRU_H

#include <stddef.h>

/* Forward over T steps.
 * h     (T,B,H)  out: hidden states
 * gates (T,B,3H) out: activated [z, r, hh] per step
 * rh    (T,B,H)  out: r_h = h_{t-1} U_h + b_rec_h (masked with dropout), pre-reset
 * rec   (B,3H)   scratch
 * hm    (B,H)    scratch (masked h_{t-1} under recurrent dropout)
 * x     (T,B,I)  input
 * rmask (3,B,H)  recurrent dropout masks or NULL
 * W (I,3H), U (H,3H), b (2,3H) = [b_in; b_rec]. */
void gru_forward(float *h, float *gates, float *rh, float *rec, float *hm, const float *x,
                 const float *rmask, const float *W, const float *U, const float *b, size_t T,
                 size_t B, size_t I, size_t H);

/* Backward over T steps after gru_forward on the same input.
 * dx (T,B,I) out or NULL; dW (I,3H), dU (H,3H), db (2,3H) out (overwritten)
 * dbacc (2,3H) scratch: the bias gradients accumulated in double over all T*B rows
 * dxg  (B,3H) scratch: one step's gradients w.r.t. x W + b_in
 * drg  (B,3H) scratch: one step's gradients w.r.t. h_{t-1} U + b_rec
 * hm   (B,H) scratch
 * ut   (3H,H) scratch (U transposed)
 * dh   (T,B,H) in: dL/dh_t from above; destroyed
 * dh_top 1: only dh(T-1) is given, steps t < T-1 are zero and need not be cleared (the
 *        recurrent gradient runs through two (B,H) slots at the start of dh); 0: all read
 * x, h, gates, rh, rmask: as for gru_forward; W, U parameters. */
void gru_backward(float *dx, float *dW, float *dU, float *db, double *dbacc, float *dxg,
                  float *drg, float *hm, float *ut, float *dh, int dh_top, const float *x,
                  const float *h, const float *gates, const float *rh, const float *rmask,
                  const float *W, const float *U, size_t T, size_t B, size_t I, size_t H);

#endif
