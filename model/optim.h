/* optim: the optimisers (TF2 Keras RMSprop and Adam) over one flat parameter buffer, and
 * global-norm gradient clipping.
 *
 * RMSprop (TF 2.x form, eps outside the sqrt): ms = rho*ms + (1-rho) g^2;
 *   w -= lr * g / (sqrt(ms) + eps); rho 0.9, eps 1e-7, ms starts at 0.
 * Adam (Keras form): t += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *   lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t); w -= lr_t * m / (sqrt(v) + eps);
 *   b1 0.9, b2 0.999, eps 1e-7.
 * The state (RMSprop: ms; Adam: m then v) is one float buffer in the parameters' layout, so
 * checkpointing is a copy; the Adam step count is separate (optim_iterations).
 * Steps cannot fail and never allocate. */
#ifndef HS_OPTIM_H
#define HS_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "model/hparams.h"

typedef struct optim optim;

/* New optimiser of the given kind for n_params parameters with learning rate lr (> 0,
 * finite), state zeroed. Returns NULL on bad arguments (unknown kind, n_params 0, bad lr) or
 * out of memory. Caller owns it (optim_free). */
optim *optim_create(hs_optimizer kind, size_t n_params, float lr);

/* Free o; NULL is fine. */
void optim_free(optim *o);

/* One update of params (n_params) from grads (n_params, not modified). */
void optim_step(optim *o, float *params, const float *grads);

/* Global L2 norm of grads (accumulated in double). If max_norm > 0 and the norm exceeds it,
 * grads are scaled by max_norm/norm. Returns the norm before clipping. */
float optim_clip_global_norm(float *grads, size_t n, float max_norm);

/* Floats in the state buffer: n_params (RMSprop) or 2*n_params (Adam: m then v). */
size_t optim_state_size(const optim *o);

/* The state buffer (optim_state_size floats), owned by o; write it to restore. */
float *optim_state(optim *o);

/* Steps taken so far (Adam's t); settable for restoring a checkpoint. */
uint64_t optim_iterations(const optim *o);
void optim_set_iterations(optim *o, uint64_t t);

/* Change the learning rate (> 0) for the following steps. */
void optim_set_lr(optim *o, float lr);

#endif
