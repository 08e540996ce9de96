/* dropout: inverted dropout masks (see dropout.h). */
#include "model/dropout.h"

void dropout_mask(float *mask, size_t n, float p, rng *r) {
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) mask[i] = rng_uniformf(r) < p ? 0.0f : keep;
}
