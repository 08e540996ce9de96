/* shmdata: one copy of the prepared dataset per node, in MPI-3 shared memory.
 *
 * The ranks of a node (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED) allocate one shared
 * window sized for the features, targets and timestamps; the node's first rank reads the
 * HDF5 arrays into it and the others map the same pages after a barrier. The small
 * metadata (names, mean/std, split sizes) is read by rank 0 of comm and broadcast, so only
 * the node leaders open the file. Memory per node therefore stays
 * one copy of the arrays however many ranks run there. Collective over `comm`.
 *
 * MPI calls here run with MPI_ERRORS_RETURN (the caller's handler on comm is restored), so
 * a failed split or window allocation is a one-line hsweep error on every rank, not MPI's
 * abort; a dataset larger than the node's physical memory is refused before allocating.
 * Test switch: HSWEEP_PSEUDO_NODES=k (k >= 2) splits each node's ranks by rank modulo k
 * into k pseudo-nodes, each with its own leader and window, so the multi-node path runs
 * on one machine (tests/test_mpi_pseudo_nodes.sh, test_mpi_shmdata_pseudo). */
#ifndef HS_SHMDATA_H
#define HS_SHMDATA_H

#include <mpi.h>

#include "io/dataset.h"
#include "io/hs_error.h"

typedef struct shmdata {
    hs_dataset ds;            /* metadata owned; x, y, time borrowed from the window */
    MPI_Comm node;            /* ranks sharing memory with this one */
    MPI_Win win;              /* the shared window holding x (N,F), y (N), time (N) */
    int node_rank;            /* rank within node; 0 read the file */
    int node_size;            /* ranks on this node */
    size_t bytes;             /* size of the shared allocation (on the node leader) */
} shmdata;

/* Open `path` collectively over comm and fill sd. Returns 0, or a negative hs_status on
 * every rank when any rank failed (HS_ERR_MPI: "MPI_Win_allocate_shared of N bytes failed:
 * <MPI's reason>"; HS_ERR_NOMEM: larger than the node's memory) (the message of the failing rank is broadcast, so all
 * ranks report the same error). On failure sd is left deinitialised. */
int shmdata_open(shmdata *sd, const char *path, MPI_Comm comm, hs_error *err);

/* Release the window and the metadata. Collective over the node communicator. sd may be
 * NULL or already closed. */
void shmdata_close(shmdata *sd);

#endif
