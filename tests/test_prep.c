/* test_prep: column selection, sentinel interpolation (and --keep-sentinels), duplicate and
 * gap detection, Keras split sizes, train-only mean/std against closed forms, errors, and
 * the HDF5 round trip through h5data_write / h5data_load (plus h5data's validation). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5data.h"
#include "io/prep.h"
#include "tests/test_util.h"

static char dir[] = "/tmp/hs_test_prep_XXXXXX";
enum { N = 7001 };
static const int64_t base = 1577836800; /* 2020-01-01 00:00:00 */

static const char *path_in(const char *name) {
    static char p[32][256];
    static int k = 0;
    char *s = p[k++ % 32];
    snprintf(s, 256, "%s/%s", dir, name);
    return s;
}

/* Row i: time with a duplicate at row 100 and 3 missing rows before row 200; a = i % 2,
 * b = i, c = 3 i with -9999 at rows 0, 199, 200, 500, 600..602 and N-1; T = 10 + i % 7,
 * k = 5 (constant). */
static int64_t row_time(size_t i) {
    if (i < 100) return base + 600 * (int64_t)i;
    if (i < 200) return base + 600 * ((int64_t)i - 1);
    return base + 600 * ((int64_t)i + 2);
}

static int c_is_sentinel(size_t i) {
    return i == 0 || i == 199 || i == 200 || i == 500 || (i >= 600 && i <= 602) || i == N - 1;
}

static const char *write_fixture(const char *name, size_t n) {
    const char *p = path_in(name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL, "create fixture");
    if (!f) return p;
    fprintf(f, "date,a,b,c,T (degC),k\n");
    for (size_t i = 0; i < n; i++) {
        char ts[20];
        csv_format_time(row_time(i), ts);
        char c[32];
        if (c_is_sentinel(i)) snprintf(c, sizeof c, "-9999");
        else snprintf(c, sizeof c, "%zu", 3 * i);
        fprintf(f, "%s,%zu,%zu,%s,%zu,5\n", ts, i % 2, i, c, 10 + i % 7);
    }
    fclose(f);
    return p;
}

/* c after cleaning, by the rule: linear in time between valid neighbours, edges copied. */
static double c_clean(size_t i) {
    if (i == 0) return 3.0;
    if (i == N - 1) return 3.0 * (N - 2);
    if (i == 199) return 594.0 + 9.0 * 600.0 / 3600.0;  /* t: 198 -> 201 spans 3600 s */
    if (i == 200) return 594.0 + 9.0 * 3000.0 / 3600.0;
    return 3.0 * (double)i; /* elsewhere the neighbours are evenly spaced */
}

static void test_prep_dataset(const char *csv) {
    csv_table t;
    hs_error err;
    hs_dataset ds;
    prep_report rep;
    int rc = csv_read(&t, csv, &err);
    CHECK(rc == 0, "read: %s", err.msg);
    if (rc) return;
    const char *feats[] = {"a", "b", "c"};
    prep_options opt = {feats, 3, NULL, 0};
    rc = prep_dataset(&ds, &rep, &t, csv, &opt, &err);
    CHECK(rc == 0, "prep: %s", err.msg);
    if (rc) {
        csv_deinit(&t);
        return;
    }
    /* Keras split: floor(N/2), floor(N/4), rest */
    CHECK(ds.n_train == 3500 && ds.n_val == 1750 && ds.n_test == 1751, "split %zu %zu %zu",
          ds.n_train, ds.n_val, ds.n_test);
    CHECK(rep.n_rows == N && rep.n_columns == 5, "rows/columns");
    CHECK(rep.n_sentinels_selected == 8 && rep.n_sentinels_other == 0, "sentinels %zu %zu",
          rep.n_sentinels_selected, rep.n_sentinels_other);
    CHECK(rep.interval == 600, "interval %lld", (long long)rep.interval);
    CHECK(rep.n_duplicates == 1, "duplicates %zu", rep.n_duplicates);
    CHECK(rep.n_gaps == 1 && rep.n_missing == 3, "gaps %zu missing %zu", rep.n_gaps, rep.n_missing);
    CHECK(rep.log && strstr(rep.log, "duplicate timestamp: 2020-01-01 16:30:00 on lines 101 and 102"),
          "log names the duplicate:\n%s", rep.log ? rep.log : "");
    CHECK(rep.log && strstr(rep.log, "3 rows missing"), "log names the gap");
    /* time unchanged, duplicate kept */
    CHECK(ds.time[100] == ds.time[99] && ds.time[200] - ds.time[199] == 2400, "time kept");
    /* sentinels cleaned in the table */
    double worst = 0;
    for (size_t i = 0; i < N; i++) worst = fmax(worst, fabs(t.cols[2][i] - c_clean(i)));
    CHECK(worst < 1e-9, "interpolation off by %g", worst);
    CHECK_NEAR(t.cols[2][199], 595.5, 1e-12);
    CHECK_NEAR(t.cols[2][601], 1803.0, 1e-12);
    /* mean/std over the 3500 train rows: a = i%2 -> 0.5, 0.5; b = i -> 1749.5, sqrt((n^2-1)/12) */
    double n = 3500.0;
    CHECK_NEAR(ds.mean[0], 0.5, 1e-12);
    CHECK_NEAR(ds.std[0], 0.5, 1e-12);
    CHECK_NEAR(ds.mean[1], 1749.5, 1e-9);
    CHECK_NEAR(ds.std[1], sqrt((n * n - 1.0) / 12.0), 1e-9);
    double s = 0, ss = 0;
    for (size_t i = 0; i < 3500; i++) s += c_clean(i);
    double mc = s / n;
    for (size_t i = 0; i < 3500; i++) ss += (c_clean(i) - mc) * (c_clean(i) - mc);
    CHECK_NEAR(ds.mean[2], mc, 1e-9);
    CHECK_NEAR(ds.std[2], sqrt(ss / n), 1e-9);
    /* normalised features; raw target */
    CHECK_NEAR(ds.x[4000 * 3 + 1], (4000.0 - 1749.5) / ds.std[1], 1e-5);
    CHECK_NEAR(ds.x[7 * 3 + 0], 1.0, 1e-6);
    CHECK(ds.y[0] == 10.0f && ds.y[13] == 16.0f && ds.y[N - 1] == (float)(10 + (N - 1) % 7), "y raw");
    CHECK(strcmp(ds.feature_names[2], "c") == 0 && strcmp(ds.target_name, "T (degC)") == 0, "names");
    CHECK(strcmp(ds.source_sha256, t.sha256) == 0, "sha256");
    dataset_deinit(&ds);
    prep_report_deinit(&rep);
    csv_deinit(&t);

    /* --keep-sentinels: raw -9999 stays and enters the statistics */
    rc = csv_read(&t, csv, &err);
    opt.keep_sentinels = 1;
    rc = rc ? rc : prep_dataset(&ds, &rep, &t, csv, &opt, &err);
    CHECK(rc == 0, "keep: %s", err.msg);
    if (rc == 0) {
        CHECK(t.cols[2][500] == -9999.0, "kept");
        CHECK_NEAR(ds.x[500 * 3 + 2], (-9999.0 - ds.mean[2]) / ds.std[2], 1e-4);
        CHECK(ds.mean[2] < mc, "sentinels lower the mean");
        CHECK(strstr(rep.log, "kept: --keep-sentinels") != NULL, "log says kept");
    }
    dataset_deinit(&ds);
    prep_report_deinit(&rep);
    csv_deinit(&t);
}

static void expect_prep_error(const char *csv, const char *const *feats, size_t nf,
                              const char *target, const char *m) {
    csv_table t;
    hs_error err;
    hs_dataset ds;
    prep_report rep;
    if (csv_read(&t, csv, &err)) {
        CHECK(0, "read: %s", err.msg);
        return;
    }
    prep_options opt = {feats, nf, target, 0};
    int rc = prep_dataset(&ds, &rep, &t, csv, &opt, &err);
    CHECK(rc == HS_ERR_VALUE, "rc %d for '%s'", rc, m);
    CHECK(strstr(err.msg, m) != NULL, "message '%s' lacks '%s'", err.msg, m);
    CHECK(strcmp(err.file, csv) == 0, "file in error");
    CHECK(ds.x == NULL && rep.log == NULL, "nothing left allocated");
    csv_deinit(&t);
}

static void test_prep_errors(const char *csv) {
    const char *typo[] = {"a", "T (degc)"}, *unknown[] = {"zzz_unknown"}, *k[] = {"a", "k"};
    const char *twice[] = {"a", "a"}, *date[] = {"date"};
    expect_prep_error(csv, typo, 2, NULL, "did you mean 'T (degC)'?");
    expect_prep_error(csv, unknown, 1, NULL, "unknown feature column 'zzz_unknown' (columns: 'a', 'b'");
    expect_prep_error(csv, NULL, 0, NULL, "unknown feature column 'p (mbar)'");
    expect_prep_error(csv, k, 2, NULL, "feature 'k' is constant");
    expect_prep_error(csv, twice, 2, NULL, "selected twice");
    expect_prep_error(csv, date, 1, NULL, "is the date column");
    expect_prep_error(csv, unknown + 0, 0, NULL, "no feature selected");
    const char *ok[] = {"a"};
    expect_prep_error(csv, ok, 1, "Tx", "unknown target column 'Tx'");
    CHECK(prep_min_rows() == 6287, "min rows %zu", prep_min_rows());
    const char *small = write_fixture("small.csv", prep_min_rows() - 1);
    expect_prep_error(small, ok, 1, NULL, "6286 data rows are fewer than one window needs: at least 6287");
}

static int dir_has_tmp(void) {
    DIR *d = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) found = 1;
    if (d) closedir(d);
    return found;
}

static void test_h5_round_trip(const char *csv) {
    const char *out = path_in("out.h5");
    const char *feats[] = {"a", "b", "c"};
    prep_options opt = {feats, 3, NULL, 0};
    prep_report rep;
    hs_error err;
    int rc = prep_run(csv, out, &opt, &rep, &err);
    CHECK(rc == 0, "prep_run: %s", err.msg);
    if (rc) return;
    CHECK(access(out, F_OK) == 0 && !dir_has_tmp(), "output renamed into place");

    csv_table t;
    hs_dataset want, got, meta;
    csv_read(&t, csv, &err);
    prep_dataset(&want, NULL, &t, csv, &opt, &err);
    rc = h5data_load(&got, out, &err);
    CHECK(rc == 0, "load: %s", err.msg);
    if (rc == 0) {
        CHECK(got.n_rows == N && got.n_features == 3 && got.owns_arrays, "shape");
        CHECK(memcmp(got.x, want.x, N * 3 * sizeof(float)) == 0, "features");
        CHECK(memcmp(got.y, want.y, N * sizeof(float)) == 0, "target");
        CHECK(memcmp(got.time, want.time, N * sizeof(int64_t)) == 0, "time");
        CHECK(memcmp(got.mean, want.mean, 3 * sizeof(double)) == 0, "mean");
        CHECK(memcmp(got.std, want.std, 3 * sizeof(double)) == 0, "std");
        CHECK(got.n_train == 3500 && got.n_val == 1750 && got.n_test == 1751, "split");
        CHECK(strcmp(got.feature_names[1], "b") == 0 && strcmp(got.target_name, "T (degC)") == 0,
              "names");
        CHECK(strcmp(got.source_sha256, rep.sha256) == 0, "sha256");
    }
    rc = h5data_load_meta(&meta, out, &err);
    CHECK(rc == 0 && meta.x == NULL && meta.y == NULL && meta.time == NULL, "meta: %s", err.msg);
    CHECK(meta.n_rows == N && meta.n_features == 3 && meta.n_val == 1750, "meta sizes");
    float *x = malloc(N * 3 * sizeof *x), *y = malloc(N * sizeof *y);
    rc = h5data_read_arrays(out, x, y, NULL, N, 3, &err);
    CHECK(rc == 0 && memcmp(x, want.x, N * 3 * sizeof *x) == 0, "read_arrays: %s", err.msg);
    rc = h5data_read_arrays(out, x, y, NULL, N - 1, 3, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "has shape (7001, 3), expected (7000, 3)"),
          "shape mismatch: %s", err.msg);

    /* non-finite values are refused on read */
    want.x[5] = NAN;
    const char *bad = path_in("nan.h5");
    rc = h5data_write(bad, &want, "x.csv", "", &err);
    CHECK(rc == 0, "write: %s", err.msg);
    dataset_deinit(&got);
    rc = h5data_load(&got, bad, &err);
    CHECK(rc == HS_ERR_VALUE && strstr(err.msg, "non-finite value at row 1, column 2"),
          "nan: %s", err.msg);
    CHECK(strcmp(err.file, bad) == 0 && got.x == NULL, "nan: file, nothing kept");

    /* unwritable output: no file and no temporary left */
    const char *nodir = path_in("no/such/dir/out.h5");
    rc = h5data_write(nodir, &want, "x.csv", "", &err);
    CHECK(rc == HS_ERR_IO && strstr(err.msg, "No such file or directory"), "nodir: %s", err.msg);
    /* a failing prep leaves no output */
    const char *out2 = path_in("out2.h5");
    const char *badf[] = {"nope"};
    prep_options bopt = {badf, 1, NULL, 0};
    rc = prep_run(csv, out2, &bopt, NULL, &err);
    CHECK(rc != 0 && access(out2, F_OK) != 0 && !dir_has_tmp(), "failed prep leaves nothing");

    /* validation of foreign / broken files */
    rc = h5data_load(&got, path_in("missing.h5"), &err);
    CHECK(rc == HS_ERR_IO && strstr(err.msg, "No such file"), "missing: %s", err.msg);
    rc = h5data_load(&got, csv, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "not an HDF5 file"), "csv: %s", err.msg);
    const char *foreign = path_in("foreign.h5");
    hid_t f = H5Fcreate(foreign, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {4};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(f, "data", H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    rc = h5data_load(&got, foreign, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "no 'format' attribute"), "foreign: %s", err.msg);
    /* a file whose /target is one row short */
    want.x[5] = 0.0f;
    const char *shape = path_in("shape.h5");
    rc = h5data_write(shape, &want, "x.csv", "", &err);
    CHECK(rc == 0, "write: %s", err.msg);
    f = H5Fopen(shape, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "target", H5P_DEFAULT);
    dims[0] = N - 1;
    sp = H5Screate_simple(1, dims, NULL);
    d = H5Dcreate2(f, "target", H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, want.y);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    rc = h5data_load(&got, shape, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "'/target' has 7000 rows, expected 7001"),
          "short target: %s", err.msg);
    want.n_rows = N;
    dataset_deinit(&got);
    dataset_deinit(&meta);
    dataset_deinit(&want);
    csv_deinit(&t);
    prep_report_deinit(&rep);
    free(x);
    free(y);
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    const char *csv = write_fixture("fixture.csv", N);
    test_prep_dataset(csv);
    test_prep_errors(csv);
    test_h5_round_trip(csv);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_failures("test_prep");
}
