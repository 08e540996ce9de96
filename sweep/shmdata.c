/* shmdata: the dataset in MPI-3 shared memory, one copy per node (see shmdata.h). */
#define _DEFAULT_SOURCE /* sysconf(_SC_PHYS_PAGES) */
#include "sweep/shmdata.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5data.h"

/* Agree on success across comm: returns the lowest status of any rank and copies that
 * rank's error message to every rank. */
static int agree(int rc, hs_error *err, MPI_Comm comm) {
    int me = 0, worst = 0;
    MPI_Comm_rank(comm, &me);
    struct { int rc; int rank; } in = {rc, me}, out;
    MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, comm);
    worst = out.rc;
    if (worst == 0) return 0;
    hs_error tmp;
    if (me == out.rank && err) tmp = *err;
    else hs_error_clear(&tmp);
    MPI_Bcast(&tmp, (int)sizeof tmp, MPI_BYTE, out.rank, comm);
    if (err) *err = tmp;
    return worst;
}

/* "MPI_Xxx failed: <MPI's error string>" into err; returns HS_ERR_MPI. */
static int mpi_fail(hs_error *err, const char *path, const char *call, int code) {
    char msg[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(code, msg, &len);
    return hs_error_set(err, HS_ERR_MPI, path, 0, 0, "%s failed: %s", call, msg);
}

/* HSWEEP_PSEUDO_NODES=k (k >= 2; tests only): split every node's ranks into k pseudo-nodes
 * by rank modulo k, so several node leaders and windows exist on one machine. 1 otherwise. */
static int pseudo_nodes(void) {
    const char *s = getenv("HSWEEP_PSEUDO_NODES");
    long k = s ? strtol(s, NULL, 10) : 1;
    return k >= 2 && k <= 4096 ? (int)k : 1;
}

/* Physical memory of this node in bytes, or 0 if unknown. */
static size_t node_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0 || (unsigned long)pages > SIZE_MAX / (unsigned long)page) return 0;
    return (size_t)pages * (size_t)page;
}

int shmdata_open(shmdata *sd, const char *path, MPI_Comm comm, hs_error *err) {
    memset(sd, 0, sizeof *sd);
    sd->node = MPI_COMM_NULL;
    sd->win = MPI_WIN_NULL;
    /* every MPI failure below comes back as a code (reported as one line), not MPI's abort */
    MPI_Errhandler old_handler = MPI_ERRHANDLER_NULL;
    MPI_Comm_get_errhandler(comm, &old_handler);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    int rc = agree(h5data_load_meta(&sd->ds, path, err), err, comm);
    if (rc) goto fail;

    MPI_Comm shared = MPI_COMM_NULL;
    int me = 0, mrc = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shared);
    MPI_Comm_rank(comm, &me);
    if (mrc == MPI_SUCCESS) {
        int k = pseudo_nodes();
        if (k > 1) {
            mrc = MPI_Comm_split(shared, me % k, me, &sd->node);
            MPI_Comm_free(&shared);
        } else {
            sd->node = shared;
        }
    }
    rc = agree(mrc == MPI_SUCCESS ? 0 : mpi_fail(err, path, "MPI_Comm_split_type", mrc), err,
               comm);
    if (rc) goto fail;
    MPI_Comm_set_errhandler(sd->node, MPI_ERRORS_RETURN);
    MPI_Comm_rank(sd->node, &sd->node_rank);
    MPI_Comm_size(sd->node, &sd->node_size);

    /* sizes were validated by h5data_load_meta (against the bytes the file stores); check
     * the byte count cannot overflow and fits the node's memory */
    size_t N = sd->ds.n_rows, F = sd->ds.n_features, mem = node_memory();
    if (N > SIZE_MAX / 8 / (F + 2) || N * (F + 2) * 8 > (size_t)PTRDIFF_MAX) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "dataset size overflows");
        goto fail; /* same outcome on every rank: N and F come from the same file */
    }
    /* layout: time (N) int64 first for alignment, then x (N,F) float, then y (N) float */
    size_t bytes = N * sizeof(int64_t) + N * F * sizeof(float) + N * sizeof(float);
    if (mem && bytes > mem)
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0,
                          "dataset needs %.1f GiB of shared memory, the node has %.1f GiB",
                          (double)bytes / 1073741824.0, (double)mem / 1073741824.0);
    if ((rc = agree(rc, err, comm))) goto fail; /* nodes of a job may differ in memory */
    void *base = NULL;
    MPI_Aint mysize = sd->node_rank == 0 ? (MPI_Aint)bytes : 0;
    mrc = MPI_Win_allocate_shared(mysize, 1, MPI_INFO_NULL, sd->node, &base, &sd->win);
    if (mrc != MPI_SUCCESS) sd->win = MPI_WIN_NULL;
    MPI_Aint qsize = 0;
    int disp = 0;
    if (mrc == MPI_SUCCESS) {
        MPI_Win_set_errhandler(sd->win, MPI_ERRORS_RETURN);
        mrc = MPI_Win_shared_query(sd->win, 0, &qsize, &disp, &base);
        if (mrc == MPI_SUCCESS && (qsize < (MPI_Aint)bytes || !base)) mrc = MPI_ERR_NO_MEM;
    }
    if (mrc != MPI_SUCCESS) {
        char what[96];
        snprintf(what, sizeof what, "MPI_Win_allocate_shared of %zu bytes", bytes);
        rc = mpi_fail(err, path, what, mrc);
    }
    rc = agree(rc, err, comm);
    if (rc) goto fail;
    sd->bytes = bytes;
    int64_t *time = (int64_t *)base;
    float *x = (float *)(time + N);
    float *y = x + N * F;
    rc = 0;
    if (sd->node_rank == 0) rc = h5data_read_arrays(path, x, y, time, N, F, err);
    /* the leader's writes must be visible to every rank of the node before anyone reads */
    MPI_Win_fence(0, sd->win);
    rc = agree(rc, err, comm);
    if (rc) goto fail;
    sd->ds.x = x;
    sd->ds.y = y;
    sd->ds.time = time;
    sd->ds.owns_arrays = 0;
    MPI_Comm_set_errhandler(comm, old_handler);
    MPI_Errhandler_free(&old_handler);
    return 0;
fail:
    shmdata_close(sd);
    MPI_Comm_set_errhandler(comm, old_handler);
    MPI_Errhandler_free(&old_handler);
    return rc;
}

void shmdata_close(shmdata *sd) {
    if (!sd) return;
    sd->ds.x = NULL;
    sd->ds.y = NULL;
    sd->ds.time = NULL;
    sd->ds.owns_arrays = 0;
    dataset_deinit(&sd->ds);
    if (sd->win != MPI_WIN_NULL) MPI_Win_free(&sd->win);
    if (sd->node != MPI_COMM_NULL) MPI_Comm_free(&sd->node);
    sd->win = MPI_WIN_NULL;
    sd->node = MPI_COMM_NULL;
}
