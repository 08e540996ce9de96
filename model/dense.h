/* dense: a fully connected layer y = act(x W + b), act = identity or relu.
 *
 * Used for the dense baseline's hidden layers and for the Dense(1) regression head.
 * Kernel glorot_uniform, bias zeros (Keras defaults; initialised by net.c). Row-major
 * (B, features). Cannot fail; never allocates. */
#ifndef HS_DENSE_H
#define HS_DENSE_H

#include <stddef.h>

/* y (B,O) = act(x (B,I) W (I,O) + b (O)); relu != 0 selects relu. */
void dense_forward(float *y, const float *x, const float *W, const float *b, size_t B, size_t I,
                   size_t O, int relu);

/* Backward. dx (B,I) out or NULL; dW (I,O), db (O) out (overwritten);
 * dy (B,O) in: dL/dy, destroyed (becomes dL/d(pre-activation) for relu);
 * y (B,O) the forward output (relu mask), x (B,I) the forward input, W (I,O). */
void dense_backward(float *dx, float *dW, float *db, float *dy, const float *y, const float *x,
                    const float *W, size_t B, size_t I, size_t O, int relu);

#endif
