/* act: the elementwise activations of the recurrent cells, as static inline functions.
 *
 * sigmoid(x) = 1/(1+exp(-x)) and tanh(x) from libm's expf/tanhf. Header-only so the gate
 * loops can inline them. No state, cannot fail. */
#ifndef HS_ACT_H
#define HS_ACT_H

#include <math.h>

/* logistic sigmoid, in (0, 1) */
static inline float act_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* hyperbolic tangent, in (-1, 1) */
static inline float act_tanh(float x) { return tanhf(x); }

#endif
