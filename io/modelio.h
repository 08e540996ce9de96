/* modelio: save and load a trained model (configuration, normalisation, weights) as HDF5.
 *
 * Layout (format "hsweep-model", version 1; every string variable-length UTF-8):
 *   root attributes: format "hsweep-model", format_version 1 (int32), n_inputs (int64, F),
 *     feature_names (F strings), target_name, mean float64 (F), std float64 (F) (the
 *     training split's normalisation the model was trained with), source_sha256 (of the
 *     dataset's source CSV), trial_id (16 hex chars), val_mae, val_loss, test_mae
 *     (float64, °C / °C^2, measured at these weights), best_epoch (int64), n_params
 *     (int64), description (e.g. "lstm(32), 6,049 params"), created_by.
 *   /hparams group: one attribute per hs_hparams field, named as in io/hpfields.h: sizes
 *     uint64, rates and learning_rate float32, bidirectional int32 0/1, cell and optimizer
 *     strings ("lstm", "rmsprop"), seed uint64.
 *   /weights/<name>: float32, one dataset per tensor, net_tensors() names and shapes in
 *     Keras get_weights() order, e.g. layer0/forward/kernel (I, G*H),
 *     layer0/forward/recurrent_kernel (H, G*H), layer0/forward/bias (4H) or GRU (2, 3H),
 *     layer0/backward/... when bidirectional, dense0/kernel (T*F, H), dense0/bias (H),
 *     head/kernel (D, 1), head/bias (1).
 * Files are written to "path.tmp.<pid>", fsynced and renamed over path, so path is always
 * either the old file or the complete new one. Loading validates everything (format,
 * version, every attribute, tensor names, shapes, finite values, parameter count) and fails
 * with one line naming the file and the problem; HDF5's own error printing is silenced.
 * Does not: train, window, or evaluate (sweep/predict.h). */
#ifndef HS_MODELIO_H
#define HS_MODELIO_H

#include <stddef.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "model/hparams.h"
#include "model/net.h"

#define MODELIO_FORMAT "hsweep-model"

typedef enum modelio_version { MODELIO_FORMAT_VERSION = 1 } modelio_version;

/* Everything in a model file but the weights. For modelio_save the pointers are only read
 * (borrowed); modelio_load fills them with owned copies (free with modelio_meta_deinit). */
typedef struct modelio_meta {
    hs_hparams hp;            /* the trial's resolved configuration */
    size_t n_inputs;          /* F: features per time step */
    char **feature_names;     /* (F) feature names in input order */
    char *target_name;        /* e.g. "T (degC)" */
    double *mean;             /* (F) training-split mean used to normalise the features */
    double *std;              /* (F) training-split population std */
    char source_sha256[65];   /* hex sha256 of the dataset's source CSV, "" if unknown */
    char trial_id[17];        /* 16 hex chars of the sweep trial, "" if none */
    double val_mae;           /* val MAE (°C) at these weights (NaN if unknown) */
    double val_loss;          /* val MSE (°C^2) at these weights */
    double test_mae;          /* test MAE (°C) at these weights */
    size_t best_epoch;        /* 1-based epoch the weights come from, 0 if unknown */
    size_t n_params;          /* parameters (load: from the file; ignored by save) */
} modelio_meta;

/* Fill m's dataset part (n_inputs, names, mean, std, sha256) with pointers borrowed from ds
 * (ds must outlive m's use; do not modelio_meta_deinit m afterwards), the trial part with
 * hp and id (may be NULL) and the metrics with NaN / 0. */
void modelio_meta_borrow(modelio_meta *m, const hs_hparams *hp, const hs_dataset *ds,
                         const char *trial_id);

/* Free what a loaded m owns and zero it; m may be NULL. */
void modelio_meta_deinit(modelio_meta *m);

/* Write the model described by m with weights params (n_params floats, the flat layout of
 * net_create(&m->hp, m->n_inputs, ...)) to path, atomically (temporary file + rename).
 * Returns 0, HS_ERR_VALUE when m->hp / n_inputs do not make a network or n_params is not
 * its parameter count, HS_ERR_IO when the file cannot be written (the temporary file is
 * removed), HS_ERR_NOMEM; err filled. */
int modelio_save(const char *path, const modelio_meta *m, const float *params, size_t n_params,
                 hs_error *err);

/* Read and validate the model file at path. m (out) receives owned metadata. If out is not
 * NULL, *out receives a network built with net_create(&m->hp, m->n_inputs, max_batch)
 * (max_batch 0: m->hp.batch_size) holding the stored weights; the caller owns it (net_free).
 * Returns 0, or on failure (m empty, *out NULL): HS_ERR_IO missing/unreadable file,
 * HS_ERR_FORMAT not HDF5 / not an hsweep model / unsupported version / a missing or
 * malformed attribute / a tensor missing, extra or of the wrong shape, HS_ERR_VALUE
 * non-finite weights or hparams that make no network, HS_ERR_NOMEM. err: "path: reason". */
int modelio_load(const char *path, modelio_meta *m, net **out, size_t max_batch, hs_error *err);

#endif
