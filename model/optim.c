/* optim: RMSprop and Adam over a flat buffer, global-norm clipping (see optim.h). */
#include "model/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/kern.h"

struct optim {
    hs_optimizer kind;  /* update rule */
    size_t n;           /* parameters */
    float lr;           /* learning rate */
    uint64_t t;         /* steps taken */
    float *state;       /* RMSprop: ms (n); Adam: m (n) then v (n) */
};

optim *optim_create(hs_optimizer kind, size_t n_params, float lr) {
    if (kind != HS_OPT_RMSPROP && kind != HS_OPT_ADAM) return NULL;
    if (n_params == 0 || n_params > SIZE_MAX / (2 * sizeof(float)) || !(lr > 0.0f) ||
        !isfinite(lr))
        return NULL;
    optim *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->kind = kind;
    o->n = n_params;
    o->lr = lr;
    /* 64-byte aligned (a cache line, a whole AVX-512 vector), size rounded up as
     * aligned_alloc requires */
    size_t bytes = (kind == HS_OPT_ADAM ? 2 * n_params : n_params) * sizeof *o->state;
    bytes = (bytes + 63) / 64 * 64;
    o->state = aligned_alloc(64, bytes);
    if (o->state) memset(o->state, 0, bytes);
    if (!o->state) {
        free(o);
        return NULL;
    }
    return o;
}

void optim_free(optim *o) {
    if (!o) return;
    free(o->state);
    free(o);
}

void optim_step(optim *o, float *params, const float *grads) {
    size_t n = o->n;
    o->t++;
    if (o->kind == HS_OPT_RMSPROP) {
        /* ms = rho*ms + (1-rho) g^2; w -= lr g / (sqrt(ms) + eps) */
        kern()->rmsprop(params, o->state, grads, n, o->lr, 0.9f, 1e-7f);
    } else {
        /* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
         * lr_t = lr sqrt(1-b2^t)/(1-b1^t); w -= lr_t m / (sqrt(v) + eps) */
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
        double td = (double)o->t;
        float lr_t = (float)((double)o->lr * sqrt(1.0 - pow((double)b2, td)) /
                             (1.0 - pow((double)b1, td)));
        kern()->adam(params, o->state, o->state + n, grads, n, lr_t, b1, b2, eps);
    }
}

float optim_clip_global_norm(float *grads, size_t n, float max_norm) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)grads[i] * (double)grads[i];
    double norm = sqrt(s);
    if (max_norm > 0.0f && norm > (double)max_norm) {
        float scale = (float)((double)max_norm / norm);
        for (size_t i = 0; i < n; i++) grads[i] *= scale;
    }
    return (float)norm;
}

size_t optim_state_size(const optim *o) { return o->kind == HS_OPT_ADAM ? 2 * o->n : o->n; }
float *optim_state(optim *o) { return o->state; }
uint64_t optim_iterations(const optim *o) { return o->t; }
void optim_set_iterations(optim *o, uint64_t t) { o->t = t; }
void optim_set_lr(optim *o, float lr) { o->lr = lr; }
