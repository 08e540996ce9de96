/* dense: fully connected layer forward and backward (see dense.h). */
#include "model/dense.h"

#include <string.h>

#include "model/kern.h"

void dense_forward(float *y, const float *x, const float *W, const float *b, size_t B, size_t I,
                   size_t O, int relu) {
    const kern_ops *K = kern();
    for (size_t n = 0; n < B; n++) memcpy(y + n * O, b, O * sizeof *b);
    K->gemm(y, O, x, I, 0, W, O, 0, B, O, I, 1.0f);
    if (relu) K->relu(y, B * O);
}

void dense_backward(float *dx, float *dW, float *db, float *dy, const float *y, const float *x,
                    const float *W, size_t B, size_t I, size_t O, int relu) {
    const kern_ops *K = kern();
    /* relu: d(pre) = dy where y > 0, else 0 */
    if (relu) K->relu_bwd(dy, y, B * O);
    /* dW = x^T dy; db = colsum(dy) (in double, 256 columns at a time); dx = dy W^T */
    K->gemm(dW, O, x, I, 1, dy, O, 0, I, O, B, 0.0f);
    double acc[256];
    for (size_t j = 0; j < O; j += 256) {
        size_t w = O - j < 256 ? O - j : 256;
        memset(acc, 0, sizeof acc);
        K->colsum(acc, dy + j, O, B, w);
        for (size_t k = 0; k < w; k++) db[j + k] = (float)acc[k];
    }
    if (dx) K->gemm(dx, I, dy, O, 0, W, O, 1, B, I, O, 0.0f);
}
