/* dropout: inverted dropout masks.
 *
 * A mask element is 0 with probability p and 1/(1-p) otherwise, so the expected value of
 * x*mask is x and nothing needs rescaling at evaluation time. The layers multiply by the
 * mask in forward and by the same mask in backward. Cannot fail; no allocation. */
#ifndef HS_DROPOUT_H
#define HS_DROPOUT_H

#include <stddef.h>

#include "model/rng.h"

/* Fill mask[0..n) with 0 (probability p) or 1/(1-p), one rng_uniformf draw per element.
 * p <= 0 fills ones without drawing. p must be < 1. */
void dropout_mask(float *mask, size_t n, float p, rng *r);

#endif
