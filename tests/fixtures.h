/* fixtures: the small generated training data that the trial-level C tests share.
 *
 * A noisy period-40 sine as an in-memory hs_dataset, and the small fast hparams the
 * training tests start from, so test_trial, test_ckpt and test_predict train on the same
 * series without files. Header-only (static functions, like tests/test_util.h). Does not:
 * write files, normalise anything, or check anything. */
#ifndef HS_TEST_FIXTURES_H
#define HS_TEST_FIXTURES_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "model/hparams.h"
#include "model/rng.h"

/* Fill ds (zeroed first) with N rows of a noisy period-40 sine drawn from rng seed:
 * x (N, 3) = (sin + noise, cos + noise, noise), y (N) = 5 + 3 sin + noise (°C), split
 * N/2 train, N/4 val, the rest test. When shift is set the validation targets move by
 * -40 °C (unlearnable from training: early stopping restores older weights). x and y are
 * malloc'ed and owned (ds->owns_arrays = 1): free with dataset_deinit. Tests only: the
 * allocations are not checked. */
static inline void fixtures_sine_dataset(hs_dataset *ds, size_t N, uint64_t seed, int shift) {
    memset(ds, 0, sizeof *ds);
    ds->n_rows = N;
    ds->n_features = 3;
    ds->x = malloc(N * 3 * sizeof(float));
    ds->y = malloc(N * sizeof(float));
    ds->owns_arrays = 1;
    ds->n_train = N / 2;
    ds->n_val = N / 4;
    ds->n_test = N - ds->n_train - ds->n_val;
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < N; i++) {
        double ph = 2.0 * 3.14159265358979 * (double)i / 40.0;
        ds->x[i * 3 + 0] = (float)(sin(ph) + 0.1 * rng_normal(&r));
        ds->x[i * 3 + 1] = (float)(cos(ph) + 0.1 * rng_normal(&r));
        ds->x[i * 3 + 2] = (float)rng_normal(&r);
        ds->y[i] = (float)(5.0 + 3.0 * sin(ph) + 0.2 * rng_normal(&r));
        if (shift && i >= ds->n_train && i < ds->n_train + ds->n_val) ds->y[i] -= 40.0f;
    }
}

/* hp = the defaults with a small, fast net on short windows: cell, 8 units, sequence_length
 * 8, sampling_rate 2, horizon 2, batch 32, 6 epochs, learning rate 1e-2 and the given seed.
 * Cannot fail. */
static inline void fixtures_small_hp(hs_hparams *hp, hs_cell cell, uint64_t seed) {
    hparams_default(hp);
    hp->cell = cell;
    hp->units = 8;
    hp->sequence_length = 8;
    hp->sampling_rate = 2;
    hp->horizon = 2;
    hp->batch_size = 32;
    hp->epochs = 6;
    hp->learning_rate = 1e-2f;
    hp->seed = seed;
}

#endif
