/* gradcheck: central-difference gradient checking for the model tests. Header-only.
 *
 * gc_check perturbs each float parameter p[i] by +-eps, re-evaluates a double-precision
 * loss through a callback, and compares the numerical slope (L(p+h) - L(p-h)) / (2h) (with
 * h the perturbation actually representable in float) to the analytic gradient g[i].
 * An entry passes when |g - num| <= atol + rtol * max(|g|, |num|): float forward passes make
 * the numerical slope noisy at the 1e-4 level, so a pure relative test would flag tiny
 * gradients, while a corrupted entry (shifted by far more than atol) is still caught.
 * The caller's negative control corrupts one analytic entry and expects a failure. */
#ifndef HS_GRADCHECK_H
#define HS_GRADCHECK_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

/* Loss at the current parameter values, in double. */
typedef double (*gc_loss_fn)(void *ctx);

typedef struct gc_result {
    size_t n_bad;        /* entries failing the tolerance */
    size_t worst_i;      /* index with the largest relative error (among |g|,|num| > 1e-2) */
    double worst_rel;    /* |g - num| / max(|g|, |num|) at worst_i */
    double worst_abs;    /* largest |g - num| over all entries */
} gc_result;

#define GC_EPS 1e-3
#define GC_ATOL 2e-3
#define GC_RTOL 2e-2

static inline gc_result gc_check(gc_loss_fn f, void *ctx, float *p, const float *g, size_t n) {
    gc_result res = {0, 0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        float orig = p[i];
        float up = orig + (float)GC_EPS, dn = orig - (float)GC_EPS;
        p[i] = up;
        double lu = f(ctx);
        p[i] = dn;
        double ld = f(ctx);
        p[i] = orig;
        double num = (lu - ld) / ((double)up - (double)dn);
        double a = (double)g[i];
        double diff = fabs(a - num), mag = fmax(fabs(a), fabs(num));
        if (diff > GC_ATOL + GC_RTOL * mag) {
            res.n_bad++;
            if (res.n_bad <= 3)
                fprintf(stderr, "  gradcheck: entry %zu analytic %.6g numerical %.6g\n", i, a, num);
        }
        if (diff > res.worst_abs) res.worst_abs = diff;
        if (mag > 1e-2 && diff / mag > res.worst_rel) {
            res.worst_rel = diff / mag;
            res.worst_i = i;
        }
    }
    return res;
}

/* Corrupt entry k of an analytic gradient by far more than the tolerance. */
static inline void gc_corrupt(float *g, size_t k) { g[k] += 0.05f + 0.2f * fabsf(g[k]); }

#endif
