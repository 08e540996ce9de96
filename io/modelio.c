/* modelio: the model HDF5 file (see modelio.h).
 *
 * Every public function silences HDF5's automatic error printing for its duration (and
 * restores the caller's handler); handles start invalid and are closed under one label.
 * The attribute helpers and the format check live in io/h5util.h (shared with h5data.c). */
#define _POSIX_C_SOURCE 200809L
#include "io/modelio.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/h5util.h"
#include "io/hpfields.h"

#ifndef HSWEEP_VERSION
#define HSWEEP_VERSION "unknown"
#endif
#ifndef HSWEEP_GIT_REV
#define HSWEEP_GIT_REV "unknown"
#endif

/* ---- small attribute helpers -------------------------------------------------------------- */

static int modelio_put_i64(hid_t loc, const char *name, int64_t v) {
    return h5util_put_numbers(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, 0);
}

static int modelio_put_f64(hid_t loc, const char *name, double v) {
    return h5util_put_numbers(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, 0);
}

/* A non-negative integer attribute that must fit a size_t. */
static int modelio_get_size(hid_t loc, const char *path, const char *where, const char *name,
                            size_t *out, hs_error *err) {
    int64_t v = 0;
    int rc = h5util_get_numbers(loc, path, where, name, H5T_NATIVE_INT64, &v, 1, err);
    if (rc) return rc;
    if (v < 0 || (uint64_t)v > SIZE_MAX)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "attribute '%s%s' is %lld, out of "
                            "range", where, name, (long long)v);
    *out = (size_t)v;
    return 0;
}

/* ---- meta ---------------------------------------------------------------------------------- */

void modelio_meta_borrow(modelio_meta *m, const hs_hparams *hp, const hs_dataset *ds,
                         const char *trial_id) {
    memset(m, 0, sizeof *m);
    m->hp = *hp;
    m->n_inputs = ds->n_features;
    m->feature_names = ds->feature_names;
    m->target_name = ds->target_name;
    m->mean = ds->mean;
    m->std = ds->std;
    snprintf(m->source_sha256, sizeof m->source_sha256, "%s", ds->source_sha256);
    snprintf(m->trial_id, sizeof m->trial_id, "%s", trial_id ? trial_id : "");
    m->val_mae = m->val_loss = m->test_mae = NAN;
}

void modelio_meta_deinit(modelio_meta *m) {
    if (!m) return;
    if (m->feature_names)
        for (size_t i = 0; i < m->n_inputs; i++) free(m->feature_names[i]);
    free(m->feature_names);
    free(m->target_name);
    free(m->mean);
    free(m->std);
    memset(m, 0, sizeof *m);
}

/* ---- writing ------------------------------------------------------------------------------- */

/* The hparams group: one attribute per hpfields field. */
static int modelio_put_hparams(hid_t f, const hs_hparams *hp) {
    hid_t g = H5Gcreate2(f, "hparams", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return -1;
    int rc = 0;
    for (size_t k = 0; k < hpfields_count() && rc == 0; k++) {
        const char *name = hpfields_name(k);
        const void *p = hpfields_cptr(hp, k);
        switch (hpfields_kind_of(k)) {
        case HPFIELDS_SIZE: {
            uint64_t v = *(const size_t *)p;
            rc = h5util_put_numbers(g, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v, 0);
            break;
        }
        case HPFIELDS_FLOAT:
            rc = h5util_put_numbers(g, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, p, 0);
            break;
        case HPFIELDS_BOOL: {
            int v = *(const int *)p != 0;
            rc = h5util_put_numbers(g, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v, 0);
            break;
        }
        case HPFIELDS_CELL:
            rc = h5util_put_string(g, name, hparams_cell_name(*(const hs_cell *)p));
            break;
        case HPFIELDS_OPTIMIZER:
            rc = h5util_put_string(g, name, hparams_optimizer_name(*(const hs_optimizer *)p));
            break;
        case HPFIELDS_U64:
            rc = h5util_put_numbers(g, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, p, 0);
            break;
        }
    }
    h5util_close(g);
    return rc;
}

/* One float32 dataset per tensor under /weights. */
static int modelio_put_weights(hid_t f, const net_tensor *ts, size_t nt, const float *params) {
    int rc = -1;
    hid_t g = H5Gcreate2(f, "weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (g < 0 || lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) goto done;
    for (size_t k = 0; k < nt; k++) {
        hsize_t dims[2] = {ts[k].dims[0], ts[k].dims[1]};
        hid_t sp = H5Screate_simple((int)ts[k].rank, dims, NULL);
        hid_t d = sp >= 0 ? H5Dcreate2(g, ts[k].name, H5T_IEEE_F32LE, sp, lcpl, H5P_DEFAULT,
                                       H5P_DEFAULT)
                          : H5I_INVALID_HID;
        int ok = d >= 0 &&
                 H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          params + ts[k].offset) >= 0;
        /* closing may flush buffered data: its failure (disk full) fails the file */
        if (d >= 0 && H5Dclose(d) < 0) ok = 0;
        h5util_close(sp);
        if (!ok) goto done;
    }
    rc = 0;
done:
    h5util_close(lcpl);
    h5util_close(g);
    return rc;
}

static int modelio_write_file(hid_t f, const modelio_meta *m, const net *n, const net_tensor *ts,
                              size_t nt, const float *params) {
    char created[256], desc[128];
    snprintf(created, sizeof created, "hsweep %s (%s)", HSWEEP_VERSION, HSWEEP_GIT_REV);
    net_describe(n, desc, sizeof desc);
    int version = MODELIO_FORMAT_VERSION;
    hsize_t F = m->n_inputs;
    if (h5util_put_string(f, "format", MODELIO_FORMAT) ||
        h5util_put_numbers(f, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, &version, 0) ||
        modelio_put_i64(f, "n_inputs", (int64_t)m->n_inputs) ||
        h5util_put_strings(f, "feature_names", (const char *const *)m->feature_names, F) ||
        h5util_put_string(f, "target_name", m->target_name) ||
        h5util_put_numbers(f, "mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, m->mean, F) ||
        h5util_put_numbers(f, "std", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, m->std, F) ||
        h5util_put_string(f, "source_sha256", m->source_sha256) ||
        h5util_put_string(f, "trial_id", m->trial_id) ||
        modelio_put_f64(f, "val_mae", m->val_mae) || modelio_put_f64(f, "val_loss", m->val_loss) ||
        modelio_put_f64(f, "test_mae", m->test_mae) ||
        modelio_put_i64(f, "best_epoch", (int64_t)m->best_epoch) ||
        modelio_put_i64(f, "n_params", (int64_t)net_num_params(n)) ||
        h5util_put_string(f, "description", desc) ||
        h5util_put_string(f, "created_by", created))
        return -1;
    if (modelio_put_hparams(f, &m->hp)) return -1;
    return modelio_put_weights(f, ts, nt, params);
}

/* modelio_write_file's arguments, for h5util_write_atomic. */
typedef struct modelio_fill_ctx {
    const modelio_meta *m;    /* metadata */
    const net *n;             /* the network (tensor layout) */
    const net_tensor *ts;     /* (nt) its tensors */
    size_t nt;                /* tensors */
    const float *params;      /* (n_params) the weights */
} modelio_fill_ctx;

static int modelio_fill(hid_t f, const void *ctx) {
    const modelio_fill_ctx *c = ctx;
    return modelio_write_file(f, c->m, c->n, c->ts, c->nt, c->params);
}

int modelio_save(const char *path, const modelio_meta *m, const float *params, size_t n_params,
                 hs_error *err) {
    int rc = HS_OK;
    net_tensor *ts = NULL;
    h5util_quiet q;
    h5util_quiet_on(&q);
    net *n = NULL;
    if (!m->feature_names || !m->target_name || !m->mean || !m->std || !params) {
        rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "internal: incomplete model to save");
        goto done;
    }
    /* a batch of 1: the network only enumerates the tensors */
    n = net_create(&m->hp, m->n_inputs, 1);
    if (!n) {
        rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                          "the configuration (%s, %zu units, %zu inputs) makes no network",
                          hparams_cell_name(m->hp.cell), m->hp.units, m->n_inputs);
        goto done;
    }
    if (net_num_params(n) != n_params) {
        rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                          "%zu weights given, the network has %zu parameters", n_params,
                          net_num_params(n));
        goto done;
    }
    size_t nt = net_tensors(n, NULL, 0);
    ts = malloc(nt * sizeof *ts);
    if (!ts) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    net_tensors(n, ts, nt);
    modelio_fill_ctx ctx = {m, n, ts, nt, params};
    rc = h5util_write_atomic(path, modelio_fill, &ctx, err);
done:
    free(ts);
    net_free(n);
    h5util_quiet_off(&q);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* What h5util_open checks of a model file, and its messages. */
static int modelio_probe_read(hid_t f, const char *path);
static const h5util_format modelio_fmt = {
    .name = MODELIO_FORMAT,
    .version = MODELIO_FORMAT_VERSION,
    .kind = "hsweep model",
    .not_hdf5 = "not an HDF5 file (not an hsweep model)",
    .no_format = "not an hsweep model: no 'format' attribute",
    .version_prefix = "model ",
    .read = modelio_probe_read,
};

/* Every hs_hparams field from the /hparams group. */
static int modelio_get_hparams(hid_t f, const char *path, hs_hparams *hp, hs_error *err) {
    int rc = HS_OK;
    hid_t g = H5I_INVALID_HID;
    char *s = NULL;
    hparams_default(hp);
    if (H5Lexists(f, "hparams", H5P_DEFAULT) <= 0 ||
        (g = H5Gopen2(f, "hparams", H5P_DEFAULT)) < 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing group '/hparams'");
    for (size_t k = 0; k < hpfields_count() && rc == HS_OK; k++) {
        const char *name = hpfields_name(k);
        void *p = hpfields_ptr(hp, k);
        if (H5Aexists(g, name) == 0) continue; /* written before it existed: the default */
        switch (hpfields_kind_of(k)) {
        case HPFIELDS_SIZE:
            rc = modelio_get_size(g, path, "/hparams/", name, p, err);
            break;
        case HPFIELDS_FLOAT:
            rc = h5util_get_numbers(g, path, "/hparams/", name, H5T_NATIVE_FLOAT, p, 1, err);
            if (rc == HS_OK && !isfinite(*(float *)p))
                rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                                  "attribute '/hparams/%s' is not finite", name);
            break;
        case HPFIELDS_BOOL: {
            int v = 0;
            rc = h5util_get_numbers(g, path, "/hparams/", name, H5T_NATIVE_INT, &v, 1, err);
            *(int *)p = v != 0;
            break;
        }
        case HPFIELDS_CELL:
        case HPFIELDS_OPTIMIZER: {
            int cell = hpfields_kind_of(k) == HPFIELDS_CELL;
            rc = h5util_get_strings(g, path, "/hparams/", name, &s, 0, err);
            if (rc == HS_OK && (cell ? hparams_parse_cell(s, p)
                                     : hparams_parse_optimizer(s, p)) != 0)
                rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                                  "attribute '/hparams/%s': unknown value '%.60s'", name, s);
            free(s);
            s = NULL;
            break;
        }
        case HPFIELDS_U64:
            rc = h5util_get_numbers(g, path, "/hparams/", name, H5T_NATIVE_UINT64, p, 1, err);
            break;
        }
    }
    h5util_close(g);
    char why[256];
    if (rc == HS_OK && hparams_check(hp, why, sizeof why) != 0)   /* the registry's bounds */
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "'/hparams': %s", why);
    return rc;
}

/* Root attributes into m (zeroed by the caller). */
static int modelio_get_meta(hid_t f, const char *path, modelio_meta *m, hs_error *err) {
    int rc;
    char *sha = NULL, *id = NULL;
    int64_t be = 0;
    if ((rc = modelio_get_hparams(f, path, &m->hp, err))) return rc;
    if ((rc = modelio_get_size(f, path, "", "n_inputs", &m->n_inputs, err))) return rc;
    if (m->n_inputs == 0 || m->n_inputs > ((size_t)1 << 24))
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "attribute 'n_inputs' is %zu",
                            m->n_inputs);
    size_t F = m->n_inputs;
    m->feature_names = calloc(F, sizeof *m->feature_names);
    m->mean = malloc(F * sizeof *m->mean);
    m->std = malloc(F * sizeof *m->std);
    if (!m->feature_names || !m->mean || !m->std)
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    if ((rc = h5util_get_strings(f, path, "", "feature_names", m->feature_names, F, err)) ||
        (rc = h5util_get_strings(f, path, "", "target_name", &m->target_name, 0, err)) ||
        (rc = h5util_get_numbers(f, path, "", "mean", H5T_NATIVE_DOUBLE, m->mean, F, err)) ||
        (rc = h5util_get_numbers(f, path, "", "std", H5T_NATIVE_DOUBLE, m->std, F, err)) ||
        (rc = h5util_get_strings(f, path, "", "source_sha256", &sha, 0, err)) ||
        (rc = h5util_get_strings(f, path, "", "trial_id", &id, 0, err)) ||
        (rc = h5util_get_numbers(f, path, "", "val_mae", H5T_NATIVE_DOUBLE, &m->val_mae, 1, err)) ||
        (rc = h5util_get_numbers(f, path, "", "val_loss", H5T_NATIVE_DOUBLE, &m->val_loss, 1,
                                  err)) ||
        (rc = h5util_get_numbers(f, path, "", "test_mae", H5T_NATIVE_DOUBLE, &m->test_mae, 1,
                                  err)) ||
        (rc = h5util_get_numbers(f, path, "", "best_epoch", H5T_NATIVE_INT64, &be, 1, err)) ||
        (rc = modelio_get_size(f, path, "", "n_params", &m->n_params, err)))
        goto done;
    for (size_t i = 0; i < F; i++)
        if (!isfinite(m->mean[i]) || !isfinite(m->std[i]) || !(m->std[i] > 0)) {
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "feature '%s' has mean %g and std %g: need finite values, std > 0",
                              m->feature_names[i], m->mean[i], m->std[i]);
            goto done;
        }
    m->best_epoch = be > 0 ? (size_t)be : 0;
    snprintf(m->source_sha256, sizeof m->source_sha256, "%s", sha);
    snprintf(m->trial_id, sizeof m->trial_id, "%s", id);
done:
    free(sha);
    free(id);
    return rc;
}

/* Read tensor t from /weights into params, checking its class, rank and shape. */
static int modelio_get_tensor(hid_t g, const char *path, const net_tensor *t, float *params,
                              hs_error *err) {
    int rc = HS_OK;
    hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID, ty = H5I_INVALID_HID;
    hsize_t dims[2] = {0, 0};
    if (H5Lexists(g, t->name, H5P_DEFAULT) <= 0 || (d = H5Dopen2(g, t->name, H5P_DEFAULT)) < 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing tensor '/weights/%s'", t->name);
        goto done;
    }
    sp = H5Dget_space(d);
    ty = H5Dget_type(d);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (ty < 0 || H5Tget_class(ty) != H5T_FLOAT || rank < 1 || rank > 2) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "tensor '/weights/%s' is not a 1D or 2D float array", t->name);
        goto done;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    if ((size_t)rank != t->rank || dims[0] != t->dims[0] || (rank == 2 && dims[1] != t->dims[1])) {
        char want[64], got[64];
        if (t->rank == 2) snprintf(want, sizeof want, "(%zu, %zu)", t->dims[0], t->dims[1]);
        else snprintf(want, sizeof want, "(%zu)", t->dims[0]);
        if (rank == 2)
            snprintf(got, sizeof got, "(%llu, %llu)", (unsigned long long)dims[0],
                     (unsigned long long)dims[1]);
        else snprintf(got, sizeof got, "(%llu)", (unsigned long long)dims[0]);
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "tensor '/weights/%s' has shape %s, the model's hparams need %s",
                          t->name, got, want);
        goto done;
    }
    /* the dims match the network's; the stored bytes and element size must match them too */
    char full[300];
    snprintf(full, sizeof full, "weights/%s", t->name);
    if ((rc = h5util_check_storage(d, path, full, dims[0] * (rank == 2 ? dims[1] : 1), err)))
        goto done;
    float *dst = params + t->offset;
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "cannot read tensor '/weights/%s' (corrupt file?)", t->name);
        goto done;
    }
    size_t cnt = t->dims[0] * t->dims[1];
    for (size_t i = 0; i < cnt; i++)
        if (!isfinite(dst[i])) {
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "tensor '/weights/%s' has a non-finite value at %zu", t->name, i);
            goto done;
        }
done:
    h5util_close(ty);
    h5util_close(sp);
    h5util_close(d);
    return rc;
}

/* Count the datasets below group g (recursively); HDF5 1.10 and 1.12+ name the call apart. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t modelio_oinfo;
#define modelio_visit(g, cb, ctx) H5Ovisit3(g, H5_INDEX_NAME, H5_ITER_NATIVE, cb, ctx, H5O_INFO_BASIC)
#else
typedef H5O_info_t modelio_oinfo;
#define modelio_visit(g, cb, ctx) H5Ovisit2(g, H5_INDEX_NAME, H5_ITER_NATIVE, cb, ctx, H5O_INFO_BASIC)
#endif

static herr_t modelio_count_cb(hid_t g, const char *name, const modelio_oinfo *info, void *ctx) {
    (void)g;
    (void)name;
    if (info->type == H5O_TYPE_DATASET) (*(size_t *)ctx)++;
    return 0;
}

static int modelio_get_weights(hid_t f, const char *path, net *n, hs_error *err) {
    int rc = HS_OK;
    hid_t g = H5I_INVALID_HID;
    size_t nt = net_tensors(n, NULL, 0), found = 0;
    net_tensor *ts = malloc(nt * sizeof *ts);
    if (!ts) return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    net_tensors(n, ts, nt);
    if (H5Lexists(f, "weights", H5P_DEFAULT) <= 0 ||
        (g = H5Gopen2(f, "weights", H5P_DEFAULT)) < 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "missing group '/weights'");
        goto done;
    }
    for (size_t k = 0; k < nt && rc == HS_OK; k++)
        rc = modelio_get_tensor(g, path, &ts[k], net_params(n), err);
    if (rc) goto done;
    if (modelio_visit(g, modelio_count_cb, &found) < 0 || found != nt)
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                          "'/weights' holds %zu tensors, the model's hparams make %zu", found, nt);
done:
    h5util_close(g);
    free(ts);
    return rc;
}

/* The weights are stored uncompressed, so a file holds at least 4 bytes per parameter:
 * refuse a parameter count (from a damaged or crafted file) the file cannot hold before a
 * network is allocated for it. */
static int modelio_check_size(const char *path, const modelio_meta *m, hs_error *err) {
    struct stat sb;
    if (stat(path, &sb) != 0)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot stat: %s", strerror(errno));
    if (m->n_params == 0 || m->n_params > (uint64_t)sb.st_size / sizeof(float))
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "attribute 'n_params' is %zu but the file has %lld bytes (corrupt "
                            "file?)", m->n_params, (long long)sb.st_size);
    return HS_OK;
}

/* Everything modelio_load reads from the open file f: metadata into m (zeroed by the
 * caller), then the network with its weights into *n (NULL on failure; the caller frees). */
static int modelio_read(hid_t f, const char *path, modelio_meta *m, net **n, size_t max_batch,
                        hs_error *err) {
    *n = NULL;
    int rc = modelio_get_meta(f, path, m, err);
    if (rc == HS_OK) rc = modelio_check_size(path, m, err);
    if (rc == HS_OK) {
        *n = net_create(&m->hp, m->n_inputs, max_batch ? max_batch : m->hp.batch_size);
        if (!*n)
            rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                              "its hparams (%s, %zu units, %zu layers, %zu inputs, batch %zu) "
                              "make no network", hparams_cell_name(m->hp.cell), m->hp.units,
                              m->hp.layers, m->n_inputs, m->hp.batch_size);
        else if (net_num_params(*n) != m->n_params)
            rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                              "attribute 'n_params' is %zu, the model's hparams make %zu",
                              m->n_params, net_num_params(*n));
    }
    if (rc == HS_OK) rc = modelio_get_weights(f, path, *n, err);
    return rc;
}

/* h5util_open's probe: the same reads in the probing child (a batch of 1, results dropped:
 * the child exits). */
static int modelio_probe_read(hid_t f, const char *path) {
    modelio_meta m;
    memset(&m, 0, sizeof m);
    net *n = NULL;
    hs_error e;
    return modelio_read(f, path, &m, &n, 1, &e);
}

int modelio_load(const char *path, modelio_meta *m, net **out, size_t max_batch, hs_error *err) {
    hid_t f = H5I_INVALID_HID;
    net *n = NULL;
    h5util_quiet q;
    h5util_quiet_on(&q);
    memset(m, 0, sizeof *m);
    if (out) *out = NULL;
    int rc = h5util_open(&f, path, &modelio_fmt, err);
    if (rc == HS_OK) rc = modelio_read(f, path, m, &n, max_batch, err);
    h5util_close(f);
    if (rc == HS_OK && out) {
        *out = n;
        n = NULL;
    }
    net_free(n);
    if (rc) modelio_meta_deinit(m);
    h5util_quiet_off(&q);
    return rc;
}
