/* init: glorot_uniform and orthogonal initialisers (see init.h). */
#include "model/init.h"

#include <math.h>

float init_glorot_uniform(float *w, size_t n, size_t fan_in, size_t fan_out, rng *r) {
    double limit = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++) w[i] = (float)((2.0 * rng_uniform(r) - 1.0) * limit);
    return (float)limit;
}

void init_orthogonal(float *w, size_t rows, size_t cols, double *work, rng *r) {
    size_t m = rows > cols ? rows : cols; /* flat shape (m, k), m >= k */
    size_t k = rows > cols ? cols : rows;
    double *a = work; /* (m, k) row-major; becomes Q */
    for (size_t i = 0; i < m * k; i++) a[i] = rng_normal(r);
    /* modified Gram-Schmidt on the k columns: q_j = (a_j - sum_{i<j} (q_i.a_j) q_i) / r_jj,
     * r_jj = norm > 0, so Q equals Keras' Q * sign(diag R) */
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < j; i++) {
            double d = 0.0;
            for (size_t p = 0; p < m; p++) d += a[p * k + i] * a[p * k + j];
            for (size_t p = 0; p < m; p++) a[p * k + j] -= d * a[p * k + i];
        }
        double nrm = 0.0;
        for (size_t p = 0; p < m; p++) nrm += a[p * k + j] * a[p * k + j];
        nrm = sqrt(nrm);
        for (size_t p = 0; p < m; p++) a[p * k + j] /= nrm;
    }
    /* rows >= cols: w = Q (m=rows, k=cols); rows < cols: w = Q^T (k=rows, m=cols) */
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            w[i * cols + j] = (float)(rows >= cols ? a[i * k + j] : a[j * k + i]);
}
