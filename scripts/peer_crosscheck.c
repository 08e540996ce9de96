/* peer_crosscheck: evaluate weights trained by scripts/peer_train.py with hsweep's engine.
 *
 * Loads DATA.h5, builds the same windows as `hsweep train` (defaults L 120, r 6, horizon 24,
 * batch 256), creates a single-layer LSTM or GRU net, copies the float32 file written by
 * `peer_train.py --save-weights` into the flat parameter buffer, and prints val and test
 * MAE measured by hsweep (window_fill + net_forward). Equal figures to the peer's own show
 * that both sides use the same windows, layouts and forward pass, so remaining differences
 * come from training. A diagnostic, not a test; not built by CMake:
 *
 *   gcc -std=c11 -O2 -I. scripts/peer_crosscheck.c build/libhs_sweep.a build/libhs_io.a \
 *       build/libhs_model.a $(pkg-config --libs hdf5-openmpi yaml-0.1 liblzma) \
 *       -lmpi -lm -o build/peer_crosscheck
 *   build/peer_crosscheck DATA.h5 lstm|gru UNITS WEIGHTS.bin */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5data.h"
#include "io/window.h"
#include "model/net.h"

static double crosscheck_mae(net *n, const hs_dataset *ds, const window_plan *wp,
                             window_split_id s, float *xb, float *yb, float *pred, size_t *idx) {
    size_t count = wp->split[s].count, B = wp->spec.batch;
    double ae = 0.0;
    window_order(idx, count, NULL);
    for (size_t off = 0; off < count; off += B) {
        size_t nb = count - off < B ? count - off : B;
        window_fill(xb, yb, ds, wp, s, idx + off, nb);
        net_forward(n, pred, xb, nb, 0, NULL);
        for (size_t i = 0; i < nb; i++) ae += fabs((double)pred[i] - (double)yb[i]);
    }
    return ae / (double)count;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: peer_crosscheck DATA.h5 lstm|gru UNITS WEIGHTS.bin\n");
        return 2;
    }
    hs_hparams hp;
    hparams_default(&hp);
    if (hparams_parse_cell(argv[2], &hp.cell) != 0 || atoi(argv[3]) <= 0) {
        fprintf(stderr, "peer_crosscheck: bad cell or units\n");
        return 2;
    }
    hp.units = (size_t)atoi(argv[3]);
    hs_dataset ds;
    hs_error err;
    if (h5data_load(&ds, argv[1], &err) != 0) {
        hs_error_print(&err, stderr);
        return 1;
    }
    window_spec spec = {hp.sequence_length, hp.sampling_rate, hparams_delay(&hp), hp.batch_size};
    window_plan wp;
    if (window_plan_make(&wp, &spec, ds.n_rows, ds.n_train, ds.n_val, ds.n_features, &err)) {
        hs_error_print(&err, stderr);
        return 1;
    }
    net *n = net_create(&hp, ds.n_features, hp.batch_size);
    size_t P = n ? net_num_params(n) : 0;
    FILE *f = fopen(argv[4], "rb");
    if (!n || !f || fread(net_params(n), sizeof(float), P, f) != P || fgetc(f) != EOF) {
        fprintf(stderr, "peer_crosscheck: %s: cannot read exactly %zu float32 weights\n",
                argv[4], P);
        return 1;
    }
    fclose(f);
    size_t B = hp.batch_size, T = hp.sequence_length, F = ds.n_features;
    float *xb = malloc(B * T * F * sizeof(float)), *yb = malloc(B * sizeof(float));
    float *pred = malloc(B * sizeof(float));
    size_t *idx = malloc(ds.n_rows * sizeof(size_t));
    if (!xb || !yb || !pred || !idx) return 1;
    printf("hsweep engine on peer weights (%zu params): val_mae %.6f test_mae %.6f\n", P,
           crosscheck_mae(n, &ds, &wp, WINDOW_VAL, xb, yb, pred, idx),
           crosscheck_mae(n, &ds, &wp, WINDOW_TEST, xb, yb, pred, idx));
    free(xb);
    free(yb);
    free(pred);
    free(idx);
    net_free(n);
    dataset_deinit(&ds);
    return 0;
}
