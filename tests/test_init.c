/* test_init: Keras initialisers. glorot_uniform limits over the fused kernel; orthogonal
 * recurrent kernels as Keras builds them for (H, 4H) (orthonormal rows: W W^T = I_H, the
 * (H,H) gate blocks are NOT orthogonal one by one) and for square/tall shapes (Q^T Q = I);
 * LSTM forget bias 1, other biases 0; the net's init draws per layer. */
#include <stdlib.h>
#include <string.h>

#include "model/init.h"
#include "model/net.h"
#include "tests/test_util.h"

/* max |A A^T - I| for A (rows, cols) with row stride ld, rows x rows Gram matrix */
static double gram_rows_err(const float *A, size_t rows, size_t cols, size_t ld) {
    double e = 0.0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < rows; j++) {
            double s = 0.0;
            for (size_t k = 0; k < cols; k++) s += (double)A[i * ld + k] * (double)A[j * ld + k];
            e = fmax(e, fabs(s - (i == j ? 1.0 : 0.0)));
        }
    return e;
}

/* max |A^T A - I| for A (rows, cols) with row stride ld */
static double gram_cols_err(const float *A, size_t rows, size_t cols, size_t ld) {
    double e = 0.0;
    for (size_t i = 0; i < cols; i++)
        for (size_t j = 0; j < cols; j++) {
            double s = 0.0;
            for (size_t k = 0; k < rows; k++) s += (double)A[k * ld + i] * (double)A[k * ld + j];
            e = fmax(e, fabs(s - (i == j ? 1.0 : 0.0)));
        }
    return e;
}

static void test_orthogonal(void) {
    enum { H = 16, G = 4 * H };
    static float w[H * G];
    static double work[H * G];
    rng r;
    rng_seed(&r, 1);
    init_orthogonal(w, H, G, work, &r);
    /* Keras: flat shape (4H, H) -> Q (4H, H) orthonormal columns -> transposed (H, 4H) */
    double e_full = gram_rows_err(w, H, G, G);
    printf("orthogonal (H,4H) = (%d,%d): max |W W^T - I| = %.2e\n", H, G, e_full);
    CHECK(e_full < 1e-5, "rows orthonormal: %g", e_full);
    /* a gate block on its own is not orthogonal (its rows have norm about 1/2) */
    double e_block = gram_cols_err(w + H, H, H, G);
    printf("  one (H,H) gate block: max |Q^T Q - I| = %.2f (not orthogonal, as in Keras)\n", e_block);
    CHECK(e_block > 0.1, "gate block unexpectedly orthogonal: %g", e_block);
    /* square and tall shapes: orthonormal columns */
    static float sq[H * H], tall[G * H];
    init_orthogonal(sq, H, H, work, &r);
    CHECK(gram_cols_err(sq, H, H, H) < 1e-5 && gram_rows_err(sq, H, H, H) < 1e-5, "square");
    init_orthogonal(tall, G, H, work, &r);
    CHECK(gram_cols_err(tall, G, H, H) < 1e-5, "tall: columns orthonormal");
    /* different draws give different matrices; the same seed the same one */
    static float w2[H * G];
    rng_seed(&r, 1);
    init_orthogonal(w2, H, G, work, &r);
    CHECK(memcmp(w, w2, sizeof w) == 0, "same seed, same matrix");
}

static void test_glorot(void) {
    enum { I = 14, O = 128, N = I * O };
    static float w[N];
    rng r;
    rng_seed(&r, 2);
    float lim = init_glorot_uniform(w, N, I, O, &r);
    CHECK_NEAR(lim, sqrt(6.0 / (I + O)), 1e-7);
    double mx = 0.0, mean = 0.0, var = 0.0;
    for (size_t i = 0; i < N; i++) {
        mx = fmax(mx, fabs((double)w[i]));
        mean += (double)w[i];
        var += (double)w[i] * (double)w[i];
    }
    mean /= N;
    var /= N;
    CHECK(mx <= (double)lim && mx > 0.97 * (double)lim, "max |w| %g, limit %g", mx, (double)lim);
    CHECK(fabs(mean) < 0.03 * (double)lim, "mean %g", mean);
    /* U(-l, l) has variance l^2/3 */
    CHECK(fabs(var / ((double)lim * (double)lim / 3.0) - 1.0) < 0.08, "variance %g", var);
}

/* net_init on LSTM x2 bidir and GRU: layout [W, U, b] per layer/direction, then head. */
static void test_net_init(hs_cell cell) {
    enum { F = 5, H = 6 };
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = H;
    hp.layers = 2;
    hp.bidirectional = 1;
    hp.sequence_length = 3;
    net *n = net_create(&hp, F, 2);
    CHECK(n != NULL, "create");
    if (!n) return;
    rng r;
    rng_seed(&r, 3);
    net_init(n, &r);
    const float *p = net_params(n);
    size_t G = cell == HS_CELL_LSTM ? 4 * H : 3 * H, nb = cell == HS_CELL_LSTM ? G : 2 * G;
    size_t off = 0;
    for (size_t l = 0; l < 2; l++)
        for (size_t d = 0; d < 2; d++) {
            size_t I = l ? 2 * H : F;
            double lim = sqrt(6.0 / (double)(I + G)), mx = 0.0;
            for (size_t i = 0; i < I * G; i++) mx = fmax(mx, fabs((double)p[off + i]));
            CHECK(mx <= lim && mx > 0.8 * lim, "layer %zu dir %zu kernel max %g limit %g", l, d, mx, lim);
            off += I * G;
            CHECK(gram_rows_err(p + off, H, G, G) < 1e-5, "layer %zu dir %zu recurrent orthogonal", l, d);
            off += H * G;
            for (size_t j = 0; j < nb; j++) {
                float want = (cell == HS_CELL_LSTM && j >= H && j < 2 * H) ? 1.0f : 0.0f;
                CHECK(p[off + j] == want, "bias[%zu] = %g, want %g", j, (double)p[off + j], (double)want);
            }
            off += nb;
        }
    double hl = sqrt(6.0 / (double)(2 * H + 1)), mx = 0.0;
    for (size_t j = 0; j < 2 * H; j++) mx = fmax(mx, fabs((double)p[off + j]));
    CHECK(mx <= hl && mx > 0.0, "head kernel");
    CHECK(p[off + 2 * H] == 0.0f && off + 2 * H + 1 == net_num_params(n), "head bias / layout");
    net_free(n);
}

int main(void) {
    test_orthogonal();
    test_glorot();
    test_net_init(HS_CELL_LSTM);
    test_net_init(HS_CELL_GRU);
    return test_failures("test_init");
}
