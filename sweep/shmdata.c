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

/* The metadata as bytes: 5 uint64 (N, F, n_train, n_val, n_test), the source sha256 (65
 * chars), F means and F stds (double), then the target name and the F feature names, each
 * NUL-terminated. Returns the malloc'ed bytes (size in *len) or NULL (out of memory). */
static char *meta_pack(const hs_dataset *ds, size_t *len) {
    size_t F = ds->n_features, n = 5 * sizeof(uint64_t) + 65 + 2 * F * sizeof(double);
    n += strlen(ds->target_name ? ds->target_name : "") + 1;
    for (size_t f = 0; f < F; f++) n += strlen(ds->feature_names[f]) + 1;
    char *b = malloc(n), *p = b;
    if (!b) return NULL;
    uint64_t head[5] = {ds->n_rows, F, ds->n_train, ds->n_val, ds->n_test};
    memcpy(p, head, sizeof head);
    p += sizeof head;
    memcpy(p, ds->source_sha256, 65);
    p += 65;
    memcpy(p, ds->mean, F * sizeof(double));
    p += F * sizeof(double);
    memcpy(p, ds->std, F * sizeof(double));
    p += F * sizeof(double);
    for (size_t f = 0; f <= F; f++) {
        const char *str = f == 0 ? (ds->target_name ? ds->target_name : "") : ds->feature_names[f - 1];
        size_t k = strlen(str) + 1;
        memcpy(p, str, k);
        p += k;
    }
    *len = n;
    return b;
}

/* meta_pack's bytes (len, from the same binary) back into ds. 0 or HS_ERR_NOMEM. */
static int meta_unpack(hs_dataset *ds, const char *b, size_t len, hs_error *err) {
    memset(ds, 0, sizeof *ds);
    uint64_t head[5];
    memcpy(head, b, sizeof head);
    const char *p = b + sizeof head, *end = b + len;
    size_t F = (size_t)head[1];
    ds->n_rows = (size_t)head[0];
    ds->n_features = F;
    ds->n_train = (size_t)head[2];
    ds->n_val = (size_t)head[3];
    ds->n_test = (size_t)head[4];
    memcpy(ds->source_sha256, p, 65);
    p += 65;
    ds->mean = malloc((F ? F : 1) * sizeof(double));
    ds->std = malloc((F ? F : 1) * sizeof(double));
    ds->feature_names = calloc(F ? F : 1, sizeof *ds->feature_names);
    if (!ds->mean || !ds->std || !ds->feature_names) goto nomem;
    memcpy(ds->mean, p, F * sizeof(double));
    p += F * sizeof(double);
    memcpy(ds->std, p, F * sizeof(double));
    p += F * sizeof(double);
    for (size_t f = 0; f <= F && p < end; f++) {
        char *str = strdup(p);
        if (!str) goto nomem;
        if (f == 0) ds->target_name = str;
        else ds->feature_names[f - 1] = str;
        p += strlen(p) + 1;
    }
    return 0;
nomem:
    dataset_deinit(ds);
    return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory for the dataset's metadata");
}

/* Rank 0 of comm reads path's metadata (names, mean/std, split sizes) and broadcasts it:
 * the other ranks never open the HDF5 file for it (64 ranks on 2 cores spent about 1.5 s
 * of start-up opening it each). 0 or the agreed error. */
static int bcast_meta(hs_dataset *ds, const char *path, MPI_Comm comm, hs_error *err) {
    int me = 0;
    MPI_Comm_rank(comm, &me);
    char *bytes = NULL;
    uint64_t len = 0;
    int rc = 0;
    if (me == 0) {
        rc = h5data_load_meta(ds, path, err);
        size_t n = 0;
        if (rc == 0 && !(bytes = meta_pack(ds, &n)))
            rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        len = n;
    }
    if ((rc = agree(rc, err, comm))) {
        free(bytes);
        return rc;
    }
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm);
    if (me != 0 && !(bytes = malloc(len ? len : 1)))
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if ((rc = agree(rc, err, comm))) {
        free(bytes);
        return rc;
    }
    MPI_Bcast(bytes, (int)len, MPI_BYTE, 0, comm);
    if (me != 0) rc = meta_unpack(ds, bytes, (size_t)len, err);
    free(bytes);
    return agree(rc, err, comm);
}

int shmdata_open(shmdata *sd, const char *path, MPI_Comm comm, hs_error *err) {
    memset(sd, 0, sizeof *sd);
    sd->node = MPI_COMM_NULL;
    sd->win = MPI_WIN_NULL;
    /* every MPI failure below comes back as a code (reported as one line), not MPI's abort */
    MPI_Errhandler old_handler = MPI_ERRHANDLER_NULL;
    MPI_Comm_get_errhandler(comm, &old_handler);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    int rc = bcast_meta(&sd->ds, path, comm, err);
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
