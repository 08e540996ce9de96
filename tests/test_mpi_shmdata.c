/* test_mpi_shmdata: the dataset in MPI shared memory (run on 3 ranks).
 *
 * Rank 0 writes a small dataset with h5data_write; every rank opens it with shmdata_open and
 * must see exactly the arrays h5data_load reads, through one allocation per node (the
 * other ranks' pointers map the leader's pages). A missing file must fail on every rank
 * with the same message. CTest runs it twice: on one node, and as
 * test_mpi_shmdata_pseudo with HSWEEP_PSEUDO_NODES=2 (ranks {0,2} and {1} as two nodes,
 * two leaders, two windows). */
#define _POSIX_C_SOURCE 200809L

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5data.h"
#include "sweep/shmdata.h"
#include "tests/test_util.h"

static char *dup_str(const char *s) {
    char *d = malloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

/* A 2,000-row, 2-feature dataset with recognisable values. */
static int write_fixture(const char *path) {
    size_t N = 2000, F = 2;
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n_rows = N;
    ds.n_features = F;
    ds.x = malloc(N * F * sizeof(float));
    ds.y = malloc(N * sizeof(float));
    ds.time = malloc(N * sizeof(int64_t));
    ds.owns_arrays = 1;
    for (size_t i = 0; i < N; i++) {
        ds.x[i * F] = (float)i * 0.5f;
        ds.x[i * F + 1] = -(float)i;
        ds.y[i] = (float)i * 0.25f;
        ds.time[i] = 1577836800 + 600 * (int64_t)i;
    }
    ds.n_train = N / 2;
    ds.n_val = N / 4;
    ds.n_test = N - ds.n_train - ds.n_val;
    ds.feature_names = malloc(F * sizeof(char *));
    ds.feature_names[0] = dup_str("a");
    ds.feature_names[1] = dup_str("b");
    ds.target_name = dup_str("b");
    ds.mean = calloc(F, sizeof(double));
    ds.std = malloc(F * sizeof(double));
    ds.mean[0] = 1.5;
    ds.mean[1] = -0.1;
    ds.std[0] = 1.0 / 3.0;
    ds.std[1] = 2.0;
    memset(ds.source_sha256, '0', 64);
    hs_error err;
    int rc = h5data_write(path, &ds, "fixture.csv", "", &err);
    if (rc) hs_error_print(&err, stderr);
    dataset_deinit(&ds);
    return rc;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char dir[256] = "/tmp/hsweep-shm-XXXXXX", path[512];
    if (rank == 0 && !mkdtemp(dir)) dir[0] = '\0';
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    snprintf(path, sizeof path, "%s/d.h5", dir);
    int wrc = rank == 0 ? write_fixture(path) : 0;
    MPI_Bcast(&wrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CHECK(wrc == 0, "fixture written");

    shmdata sd;
    hs_error err;
    int rc = shmdata_open(&sd, path, MPI_COMM_WORLD, &err);
    CHECK(rc == 0, "shmdata_open: %s", err.msg);
    if (rc == 0) {
        hs_dataset ref;
        rc = h5data_load(&ref, path, &err);
        CHECK(rc == 0, "h5data_load: %s", err.msg);
        CHECK(sd.ds.n_rows == 2000 && sd.ds.n_features == 2, "shape");
        CHECK(sd.ds.n_train == 1000 && sd.ds.n_val == 500 && sd.ds.n_test == 500, "splits");
        CHECK(!sd.ds.owns_arrays, "arrays are borrowed from the window");
        CHECK(memcmp(sd.ds.x, ref.x, 2000 * 2 * sizeof(float)) == 0, "features");
        CHECK(memcmp(sd.ds.y, ref.y, 2000 * sizeof(float)) == 0, "targets");
        CHECK(memcmp(sd.ds.time, ref.time, 2000 * sizeof(int64_t)) == 0, "timestamps");
        CHECK(strcmp(sd.ds.feature_names[1], "b") == 0, "names");
        /* rank 0 read the metadata, the others got it broadcast: the file's, bit for bit */
        CHECK(strcmp(sd.ds.feature_names[0], ref.feature_names[0]) == 0 &&
              strcmp(sd.ds.target_name, ref.target_name) == 0 &&
              strcmp(sd.ds.source_sha256, ref.source_sha256) == 0 &&
              memcmp(sd.ds.mean, ref.mean, 2 * sizeof(double)) == 0 &&
              memcmp(sd.ds.std, ref.std, 2 * sizeof(double)) == 0 && sd.ds.mean[0] == 1.5,
              "rank %d: metadata equal to the file's", rank);
        dataset_deinit(&ref);
        /* one allocation per node: every rank of the node sees the leader's bytes. With
         * HSWEEP_PSEUDO_NODES=k the ranks r with equal r % k form one node, led by r % k. */
        const char *pn = getenv("HSWEEP_PSEUDO_NODES");
        int k = pn ? atoi(pn) : 1, want_size = 0, leaders = 0, is_leader = sd.node_rank == 0;
        if (k < 2) k = 1;
        for (int r = 0; r < size; r++) want_size += r % k == rank % k;
        CHECK(sd.node_size == want_size, "rank %d: node of %d ranks, want %d (k=%d)", rank,
              sd.node_size, want_size, k);
        CHECK(is_leader == (rank == rank % k), "rank %d: node leader is rank %d", rank, rank % k);
        MPI_Allreduce(&is_leader, &leaders, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(leaders == (k < size ? k : size), "%d node leaders read the file, want %d", leaders,
              k < size ? k : size);
        /* a write by the leader is visible to the others (same pages, not a copy) */
        MPI_Win_fence(0, sd.win);
        if (sd.node_rank == 0) sd.ds.y[7] = 1234.5f;
        MPI_Win_fence(0, sd.win);
        CHECK(sd.ds.y[7] == 1234.5f, "shared pages, rank %d sees %g", rank, (double)sd.ds.y[7]);
        shmdata_close(&sd);
    }

    /* a missing file fails everywhere with the same message */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.h5", dir);
    rc = shmdata_open(&sd, missing, MPI_COMM_WORLD, &err);
    CHECK(rc != 0, "missing file must fail");
    CHECK(strstr(err.file, "none.h5") || strstr(err.msg, "none.h5"), "message names the file: %s",
          err.msg);

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        unlink(path);
        rmdir(dir);
    }
    int fails = test_fail_count, total = 0;
    MPI_Allreduce(&fails, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) printf("test_mpi_shmdata: %d failures over %d ranks\n", total, size);
    MPI_Finalize();
    return total;
}
