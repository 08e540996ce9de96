/* test_modelio: the model HDF5 file.
 *
 * Round trips an LSTM, a stacked bidirectional GRU and a stacked dense model: every
 * hparams field, every root attribute and every weight come back bit for bit, the loaded
 * network predicts exactly what the original did, and the tensors sit under the documented
 * names and shapes. Then foreign and broken files: missing, not HDF5, an hsweep dataset,
 * truncated, another format_version, a tensor of the wrong shape (changed hparams), a
 * missing tensor, an extra tensor, a NaN weight, a bad cell name; and save errors (wrong
 * weight count, unwritable directory). Each failure must be one line naming the problem. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5data.h"
#include "io/hpfields.h"
#include "io/modelio.h"
#include "model/net.h"
#include "model/rng.h"
#include "tests/test_util.h"

enum { F = 3, T = 5 };

static char *names[F] = {"p (mbar)", "T (degC)", "rh (%)"};
static char target[] = "T (degC)";
static double mean[F] = {989.25, 9.45, 76.0};
static double stdv[F] = {8.5, 8.42, 16.1};

static hs_dataset fake_meta(void) {
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n_features = F;
    ds.feature_names = names;
    ds.target_name = target;
    ds.mean = mean;
    ds.std = stdv;
    snprintf(ds.source_sha256, sizeof ds.source_sha256, "%064d", 7);
    return ds;
}

static hs_hparams make_hp(hs_cell cell, size_t layers, int bidir) {
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = 4;
    hp.layers = layers;
    hp.bidirectional = bidir;
    hp.sequence_length = T;
    hp.sampling_rate = 2;
    hp.horizon = 3;
    hp.batch_size = 7;
    hp.epochs = 13;
    hp.patience = 2;
    hp.dropout = 0.125f;
    hp.recurrent_dropout = cell == HS_CELL_DENSE ? 0.0f : 0.25f;
    hp.head_dropout = 0.1f;
    hp.optimizer = HS_OPT_ADAM;
    hp.learning_rate = 3e-4f;
    hp.clip = 1.5f;
    hp.seed = 0xfedcba9876543210ull;
    return hp;
}

/* A model file at path with random weights; returns the network (caller frees). */
static net *write_model(const char *path, const hs_hparams *hp) {
    hs_dataset ds = fake_meta();
    net *n = net_create(hp, F, 8);
    if (!n) return NULL;
    rng r;
    rng_seed(&r, 42);
    net_init(n, &r);
    modelio_meta m;
    modelio_meta_borrow(&m, hp, &ds, "0123456789abcdef");
    m.val_mae = 1.25;
    m.val_loss = 2.5e-1;
    m.test_mae = 0.1 + 0.2;
    m.best_epoch = 9;
    hs_error err;
    int rc = modelio_save(path, &m, net_params(n), net_num_params(n), &err);
    CHECK(rc == 0, "save %s: %s", path, err.msg);
    return n;
}

/* 1 if a temporary file (name containing ".tmp.") is left in dir. */
static int has_tmp(const char *dir) {
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".tmp.")) found = 1;
    if (d) closedir(d);
    return found;
}

static void round_trip(const char *dir, hs_cell cell, size_t layers, int bidir) {
    char path[512];
    snprintf(path, sizeof path, "%s/m_%s_%zu_%d.h5", dir, hparams_cell_name(cell), layers, bidir);
    hs_hparams hp = make_hp(cell, layers, bidir);
    net *n = write_model(path, &hp);
    CHECK(n != NULL, "net");
    if (!n) return;
    CHECK(!has_tmp(dir), "temporary file removed");
    modelio_meta m;
    net *back = NULL;
    hs_error err;
    int rc = modelio_load(path, &m, &back, 0, &err);
    CHECK(rc == 0 && back, "load %s: %s", path, err.msg);
    if (rc == 0 && back) {
        for (size_t k = 0; k < hpfields_count(); k++) {
            char a[64], b[64];
            hpfields_format(&hp, k, a, sizeof a);
            hpfields_format(&m.hp, k, b, sizeof b);
            CHECK(strcmp(a, b) == 0, "hparams %s: %s vs %s", hpfields_name(k), a, b);
        }
        CHECK(m.n_inputs == F, "n_inputs %zu", m.n_inputs);
        for (size_t i = 0; i < F && m.feature_names; i++) {
            CHECK(strcmp(m.feature_names[i], names[i]) == 0, "feature %zu: %s", i,
                  m.feature_names[i]);
            CHECK(m.mean[i] == mean[i] && m.std[i] == stdv[i], "mean/std %zu", i);
        }
        CHECK(strcmp(m.target_name, target) == 0, "target %s", m.target_name);
        CHECK(strlen(m.source_sha256) == 64 && m.source_sha256[63] == '7', "sha %s",
              m.source_sha256);
        CHECK(strcmp(m.trial_id, "0123456789abcdef") == 0, "trial id %s", m.trial_id);
        CHECK(m.val_mae == 1.25 && m.val_loss == 0.25 && m.test_mae == 0.1 + 0.2 &&
              m.best_epoch == 9, "metrics");
        CHECK(m.n_params == net_num_params(n), "n_params %zu", m.n_params);
        CHECK(net_max_batch(back) == hp.batch_size, "max batch from hp: %zu",
              net_max_batch(back));
        CHECK(net_num_params(back) == net_num_params(n) &&
              memcmp(net_params(back), net_params(n), net_num_params(n) * sizeof(float)) == 0,
              "weights bit for bit");
        /* the loaded network predicts exactly what the original did */
        float x[4 * T * F], p0[4], p1[4];
        rng r;
        rng_seed(&r, 3);
        for (size_t i = 0; i < 4 * T * F; i++) x[i] = (float)rng_normal(&r);
        net_forward(n, p0, x, 4, 0, NULL);
        net_forward(back, p1, x, 4, 0, NULL);
        CHECK(memcmp(p0, p1, sizeof p0) == 0, "same predictions");
    }
    /* every tensor under its documented name and shape, read back independently */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    net_tensor ts[32];
    size_t nt = net_tensors(n, ts, 32);
    for (size_t k = 0; k < nt && f >= 0; k++) {
        char name[128];
        snprintf(name, sizeof name, "/weights/%.47s", ts[k].name);
        hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
        CHECK(d >= 0, "dataset %s", name);
        if (d < 0) continue;
        hid_t sp = H5Dget_space(d);
        hsize_t dims[2] = {0, 0};
        int rank = H5Sget_simple_extent_ndims(sp);
        H5Sget_simple_extent_dims(sp, dims, NULL);
        CHECK((size_t)rank == ts[k].rank && dims[0] == ts[k].dims[0] &&
              (rank == 1 || dims[1] == ts[k].dims[1]), "%s shape", name);
        float *buf = malloc(ts[k].dims[0] * ts[k].dims[1] * sizeof *buf);
        H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        CHECK(memcmp(buf, net_params(n) + ts[k].offset,
                     ts[k].dims[0] * ts[k].dims[1] * sizeof *buf) == 0, "%s values", name);
        free(buf);
        H5Sclose(sp);
        H5Dclose(d);
    }
    if (f >= 0) H5Fclose(f);
    if (cell == HS_CELL_GRU && bidir)
        CHECK(nt == 2 * 2 * 3 + 2 && strcmp(ts[9].name, "layer1/backward/kernel") == 0 &&
              ts[9].dims[0] == 8 && ts[9].dims[1] == 12, "gru bidir tensors");
    modelio_meta_deinit(&m);
    net_free(back);
    net_free(n);
}

/* ---- broken files ---------------------------------------------------------------------------- */

/* Load must fail with code want and a one-line message containing needle. */
static void expect_fail(const char *path, int want, const char *needle) {
    modelio_meta m;
    net *n = (net *)&m;   /* must be reset to NULL on failure */
    hs_error err;
    hs_error_clear(&err);
    int rc = modelio_load(path, &m, &n, 0, &err);
    CHECK(rc == want, "%s: rc %d, want %d (%s)", path, rc, want, err.msg);
    CHECK(n == NULL, "%s: no network on failure", path);
    CHECK(strstr(err.msg, needle) != NULL, "%s: message '%s' lacks '%s'", path, err.msg, needle);
    CHECK(strchr(err.msg, '\n') == NULL, "one line");
    CHECK(m.feature_names == NULL && m.target_name == NULL, "meta empty on failure");
}

static int copy_file(const char *from, const char *to, long limit) {
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    if (!a || !b) {
        if (a) fclose(a);
        if (b) fclose(b);
        return -1;
    }
    char buf[4096];
    size_t k;
    long total = 0;
    while ((k = fread(buf, 1, sizeof buf, a)) > 0) {
        if (limit >= 0 && total + (long)k > limit) k = (size_t)(limit - total);
        fwrite(buf, 1, k, b);
        total += (long)k;
        if (limit >= 0 && total >= limit) break;
    }
    fclose(a);
    fclose(b);
    return 0;
}

/* Copy good to path and apply edit to the copy (opened read-write). */
static void edited(const char *good, const char *path, void (*edit)(hid_t f)) {
    copy_file(good, path, -1);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0, "reopen %s", path);
    if (f < 0) return;
    edit(f);
    H5Fclose(f);
}

static void set_u64(hid_t loc, const char *name, uint64_t v) {
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_UINT64, &v);
    H5Aclose(a);
}

static void edit_units(hid_t f) {
    hid_t g = H5Gopen2(f, "hparams", H5P_DEFAULT);
    set_u64(g, "units", 5);
    H5Gclose(g);
    hid_t a = H5Aopen(f, "n_params", H5P_DEFAULT);
    /* keep n_params consistent with the new units so the tensor check is what fails */
    hs_hparams hp = make_hp(HS_CELL_LSTM, 1, 0);
    hp.units = 5;
    net *n = net_create(&hp, F, 1);
    int64_t np = n ? (int64_t)net_num_params(n) : 0;
    net_free(n);
    H5Awrite(a, H5T_NATIVE_INT64, &np);
    H5Aclose(a);
}

static void edit_version(hid_t f) {
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    int v = 2;
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
}

static void edit_drop_tensor(hid_t f) { H5Ldelete(f, "/weights/layer0/forward/bias", H5P_DEFAULT); }

static void edit_extra_tensor(hid_t f) {
    hsize_t d = 3;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t ds = H5Dcreate2(f, "/weights/extra", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    float v[3] = {0, 0, 0};
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Sclose(sp);
}

static void edit_nan(hid_t f) {
    hid_t ds = H5Dopen2(f, "/weights/head/bias", H5P_DEFAULT);
    float v = NAN;
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    H5Dclose(ds);
}

static void edit_cell(hid_t f) {
    hid_t g = H5Gopen2(f, "hparams", H5P_DEFAULT);
    H5Adelete(g, "cell");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(g, "cell", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    const char *s = "transformer";
    H5Awrite(a, t, &s);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Gclose(g);
}

static void broken_files(const char *dir) {
    char good[512], p[512];
    snprintf(good, sizeof good, "%s/good.h5", dir);
    hs_hparams hp = make_hp(HS_CELL_LSTM, 1, 0);
    net_free(write_model(good, &hp));

    snprintf(p, sizeof p, "%s/missing.h5", dir);
    expect_fail(p, HS_ERR_IO, "cannot open");

    snprintf(p, sizeof p, "%s/text.h5", dir);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("time,prediction,target\n", f);
        fclose(f);
    }
    expect_fail(p, HS_ERR_FORMAT, "not an HDF5 file");

    /* an hsweep dataset is HDF5 but not a model */
    snprintf(p, sizeof p, "%s/data.h5", dir);
    hs_dataset ds = fake_meta();
    float x[4 * F] = {0}, y[4] = {0};
    int64_t tm[4] = {0, 600, 1200, 1800};
    ds.n_rows = 4;
    ds.x = x;
    ds.y = y;
    ds.time = tm;
    ds.n_train = 2;
    ds.n_val = 1;
    ds.n_test = 1;
    hs_error err;
    CHECK(h5data_write(p, &ds, "x.csv", "", &err) == 0, "write dataset: %s", err.msg);
    expect_fail(p, HS_ERR_FORMAT, "format is 'hsweep-dataset', expected 'hsweep-model'");

    snprintf(p, sizeof p, "%s/trunc.h5", dir);
    copy_file(good, p, 1500);
    expect_fail(p, HS_ERR_FORMAT, "");

    snprintf(p, sizeof p, "%s/version.h5", dir);
    edited(good, p, edit_version);
    expect_fail(p, HS_ERR_FORMAT, "unsupported model format_version 2");

    snprintf(p, sizeof p, "%s/units.h5", dir);
    edited(good, p, edit_units);
    expect_fail(p, HS_ERR_FORMAT, "tensor '/weights/layer0/forward/kernel' has shape (3, 16), "
                "the model's hparams need (3, 20)");

    snprintf(p, sizeof p, "%s/drop.h5", dir);
    edited(good, p, edit_drop_tensor);
    expect_fail(p, HS_ERR_FORMAT, "missing tensor '/weights/layer0/forward/bias'");

    snprintf(p, sizeof p, "%s/extra.h5", dir);
    edited(good, p, edit_extra_tensor);
    expect_fail(p, HS_ERR_FORMAT, "holds 6 tensors, the model's hparams make 5");

    snprintf(p, sizeof p, "%s/nan.h5", dir);
    edited(good, p, edit_nan);
    expect_fail(p, HS_ERR_VALUE, "'/weights/head/bias' has a non-finite value");

    snprintf(p, sizeof p, "%s/cell.h5", dir);
    edited(good, p, edit_cell);
    expect_fail(p, HS_ERR_FORMAT, "'/hparams/cell': unknown value 'transformer'");

    /* save errors: wrong weight count, unwritable place */
    hs_dataset meta = fake_meta();
    modelio_meta m;
    modelio_meta_borrow(&m, &hp, &meta, NULL);
    float w[10] = {0};
    snprintf(p, sizeof p, "%s/short.h5", dir);
    int rc = modelio_save(p, &m, w, 10, &err);
    CHECK(rc == HS_ERR_VALUE && strstr(err.msg, "10 weights given"), "short save: %s", err.msg);
    CHECK(access(p, F_OK) != 0, "nothing written");
    snprintf(p, sizeof p, "%s/no/such/dir/m.h5", dir);
    net *n = net_create(&hp, F, 1);
    rc = modelio_save(p, &m, net_params(n), net_num_params(n), &err);
    CHECK(rc == HS_ERR_IO && strstr(err.msg, "cannot create"), "unwritable: %d %s", rc, err.msg);
    net_free(n);
    /* metadata only (out NULL) still validates everything */
    modelio_meta mm;
    rc = modelio_load(good, &mm, NULL, 0, &err);
    CHECK(rc == 0 && mm.n_inputs == F, "load without a network: %s", err.msg);
    modelio_meta_deinit(&mm);
    modelio_meta_deinit(NULL);
}

int main(void) {
    char dir[] = "/tmp/test_modelio.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    round_trip(dir, HS_CELL_LSTM, 1, 0);
    round_trip(dir, HS_CELL_GRU, 2, 1);
    round_trip(dir, HS_CELL_DENSE, 2, 0);
    broken_files(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_failures("test_modelio");
}
