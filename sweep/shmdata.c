/* shmdata: the dataset in MPI-3 shared memory, one copy per node (see shmdata.h). */
#include "sweep/shmdata.h"

#include <stdint.h>
#include <string.h>

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

int shmdata_open(shmdata *sd, const char *path, MPI_Comm comm, hs_error *err) {
    memset(sd, 0, sizeof *sd);
    sd->node = MPI_COMM_NULL;
    sd->win = MPI_WIN_NULL;
    int rc = agree(h5data_load_meta(&sd->ds, path, err), err, comm);
    if (rc) goto fail;

    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &sd->node);
    MPI_Comm_rank(sd->node, &sd->node_rank);
    MPI_Comm_size(sd->node, &sd->node_size);

    /* sizes were validated by h5data_load_meta; check the byte count cannot overflow */
    size_t N = sd->ds.n_rows, F = sd->ds.n_features;
    if (N > SIZE_MAX / 8 / (F + 2)) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "dataset size overflows");
        goto fail; /* same outcome on every rank: N and F come from the same file */
    }
    /* layout: time (N) int64 first for alignment, then x (N,F) float, then y (N) float */
    size_t bytes = N * sizeof(int64_t) + N * F * sizeof(float) + N * sizeof(float);
    void *base = NULL;
    MPI_Aint mysize = sd->node_rank == 0 ? (MPI_Aint)bytes : 0;
    MPI_Win_allocate_shared(mysize, 1, MPI_INFO_NULL, sd->node, &base, &sd->win);
    MPI_Aint qsize = 0;
    int disp = 0;
    MPI_Win_shared_query(sd->win, 0, &qsize, &disp, &base);
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
    return 0;
fail:
    shmdata_close(sd);
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
