/* lstm: one Keras LSTM layer over a whole sequence, forward and backward (BPTT).
 *
 * Conventions (Keras defaults): fused gate order [i, f, c, o] along the 4H axis;
 * i, f, o = sigmoid, candidate g = tanh; c_t = f*c_{t-1} + i*g; h_t = o*tanh(c_t);
 * h_{-1} = c_{-1} = 0. Parameters: kernel W (I,4H), recurrent kernel U (H,4H), bias b (4H).
 * Recurrent dropout (Keras): gate k sees (h_{t-1} * m_k) U_k with one mask m_k (B,H) per
 * gate, fixed over time; the cell state path is not masked.
 * Layout is time-major: tensor (T,B,X) holds step t of sample b at [(t*B + b)*X], or at
 * [(t*B + b)*ld] for x and h, whose rows are ldx and ldh floats apart. net.c keeps both in
 * one (T+1, B, ld) buffer whose row (t, b) is [x_t(b) (I) | h_{t-1}(b) (H)] (x = its
 * start, h = x + B*ld + I, ldx = ldh = ld): the backward then reads [x_t | h_{t-1}] for
 * the merged dW/dU product in place, and the next layer's input is not needed twice.
 * Each forward step is one call of kern()->lstm_step: the input projection x_t W and the
 * recurrent product h_{t-1} U fused with the gate math (with recurrent dropout: four
 * masked GEMMs first, then the fused step); backward does, per step, the gate math,
 * the bias sums and the GEMMs for dW, dU, dx and dh_{t-1} while the step's gate gradients
 * are in cache. Every loop runs in the kernels of the active instruction set (model/kern.h).
 * Input dropout, direction reversal and stacking are the caller's (net.c). Cannot fail;
 * never allocates: every buffer is the caller's. */
#ifndef HS_LSTM_H
#define HS_LSTM_H

#include <stddef.h>

/* Forward over T steps.
 * h     (T,B,H)  out: hidden states h_t, rows ldh >= H floats apart (may share rows
 *                with x: see above)
 * c     (T,B,H)  out: cell states c_t
 * tc    (T,B,H)  out: tanh(c_t)
 * gates (T,B,4H) out: activated gates [i, f, g, o] per step
 * hm    (B,H)    scratch (masked h_{t-1} under recurrent dropout)
 * x     (T,B,I)  input, rows ldx >= I floats apart
 * rmask (4,B,H)  recurrent dropout masks, or NULL for none
 * W (I,4H), U (H,4H), b (4H) parameters. */
void lstm_forward(float *h, float *c, float *tc, float *gates, float *hm, const float *x,
                  const float *rmask, const float *W, const float *U, const float *b, size_t T,
                  size_t B, size_t I, size_t H, size_t ldx, size_t ldh);

/* Backward over T steps, after lstm_forward on the same inputs.
 * dx    (T,B,I)  out: dL/dx, or NULL to skip
 * dW (I,4H), dU (H,4H), db (4H) out: parameter gradients (overwritten); when dU ==
 *                dW + I*4H (net.c's flat parameters) and the rows [x_t | h_{t-1}] lie side
 *                by side (h == x + B*ldx + I, ldh == ldx: net.c's activations) they are
 *                computed as one (I+H, 4H) product, else as two
 * dbacc (4H)    scratch: the bias gradient accumulated in double over all T*B rows
 * dgates (B,4H)  scratch: one step's gradients w.r.t. the gate pre-activations
 * dc    (B,H)    scratch
 * hm    (B,H)    scratch (masked h_{t-1} under recurrent dropout)
 * ut    (4H,H)   scratch (U transposed)
 * dh    (T,B,H)  in: dL/dh_t from above (loss or next layer); destroyed (accumulates the
 *                recurrent gradient)
 * dh_top         1: only dh(T-1) is given, steps t < T-1 are zero and need not be cleared
 *                (the top layer: the loss sees only the last state), and the recurrent gradient
 *                runs through two (B,H) slots at the start of dh; 0: all of dh is read
 * x, h, c, tc, gates, rmask, ldx, ldh: as given to / produced by lstm_forward
 * W, U parameters. */
void lstm_backward(float *dx, float *dW, float *dU, float *db, double *dbacc, float *dgates,
                   float *dc, float *hm, float *ut, float *dh, int dh_top, const float *x,
                   const float *h, const float *c, const float *tc, const float *gates,
                   const float *rmask, const float *W, const float *U, size_t T, size_t B,
                   size_t I, size_t H, size_t ldx, size_t ldh);

#endif
