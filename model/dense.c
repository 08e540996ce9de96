/* dense: fully connected layer forward and backward (see dense.h). */
#include "model/dense.h"

#include <string.h>

#include "model/gemm.h"

void dense_forward(float *y, const float *x, const float *W, const float *b, size_t B, size_t I,
                   size_t O, int relu) {
    for (size_t n = 0; n < B; n++) memcpy(y + n * O, b, O * sizeof *b);
    gemm(y, O, x, I, 0, W, O, 0, B, O, I, 1.0f);
    if (relu)
        for (size_t n = 0; n < B * O; n++) y[n] = y[n] > 0.0f ? y[n] : 0.0f;
}

void dense_backward(float *dx, float *dW, float *db, float *dy, const float *y, const float *x,
                    const float *W, size_t B, size_t I, size_t O, int relu) {
    /* relu: d(pre) = dy where y > 0, else 0 */
    if (relu)
        for (size_t n = 0; n < B * O; n++) dy[n] = y[n] > 0.0f ? dy[n] : 0.0f;
    /* dW = x^T dy; db = colsum(dy); dx = dy W^T */
    gemm(dW, O, x, I, 1, dy, O, 0, I, O, B, 0.0f);
    memset(db, 0, O * sizeof *db);
    for (size_t n = 0; n < B; n++)
        for (size_t j = 0; j < O; j++) db[j] += dy[n * O + j];
    if (dx) gemm(dx, I, dy, O, 0, W, O, 1, B, I, O, 0.0f);
}
