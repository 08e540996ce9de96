/* test_mpi_policy: the transport carries a policy's tasks and verdicts over 3 MPI ranks.
 *
 * Rank 0 writes a small dataset and a 4-trial sweep (4 epochs each, no early stopping), then
 * every rank runs the same sweep twice in one MPI session: once with the default policy
 * (every trial to its full budget) and once with a toy rung policy: a new trial trains to
 * epoch 2 and pauses; a paused trial is continued from its checkpoint to the full budget on
 * a DIFFERENT rank than the one that paused it (the others are told to wait meanwhile); the
 * policy has on_epoch, so every worker waits for a verdict after each epoch. Checked: both
 * journals hold the same trials with bit-identical metrics and histories (pause + continue
 * on another rank = uninterrupted training), every trial paused once, every epoch was
 * reported exactly once (16), and at least one continuation ran on another rank. */
#define _XOPEN_SOURCE 700

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5data.h"
#include "io/journal.h"
#include "io/rundir.h"
#include "sweep/cmd.h"
#include "sweep/coord.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"

/* The toy rung policy's state (lives on rank 0, where the coordinator runs). */
typedef struct rung {
    int paused[8];            /* trial waits at the rung */
    int pause_rank[8];        /* rank that trained it to the rung */
    int started[8];           /* trial went out once */
    int n_paused;             /* COORD_PAUSED results */
    int n_reports;            /* epoch reports */
    int moved;                /* continuations that ran on another rank */
} rung;

static coord_task rung_next(void *state, const coord *c, int rank) {
    rung *r = state;
    int blocked = 0;
    for (size_t i = 0; i < c->cfg.n_trials; i++) {
        if (!r->paused[i] || sched_state_of(c->s, i) != SCHED_PENDING) continue;
        if (r->pause_rank[i] == rank) {
            blocked = 1;
            continue;
        }
        r->paused[i] = 0;
        r->moved++;
        return (coord_task){COORD_RUN, i, 0};
    }
    for (size_t i = 0; i < c->cfg.n_trials; i++)
        if (!r->started[i] && sched_state_of(c->s, i) == SCHED_PENDING) {
            r->started[i] = 1;
            return (coord_task){COORD_RUN, i, 2};
        }
    return (coord_task){blocked || sched_running(c->s) ? COORD_WAIT : COORD_STOP, 0, 0};
}

static coord_verdict rung_epoch(void *state, const coord *c, int rank, size_t trial,
                                size_t epoch, const journal_epoch *m) {
    (void)c;
    (void)rank;
    (void)trial;
    (void)epoch;
    (void)m;
    ((rung *)state)->n_reports++;
    return COORD_CONTINUE;
}

static void rung_result(void *state, const coord *c, size_t trial, coord_outcome how,
                        const journal_record *rec) {
    rung *r = state;
    if (how != COORD_PAUSED) return;
    r->paused[trial] = 1;
    r->pause_rank[trial] = rec ? rec->rank : -1;
    r->n_paused++;
    (void)c;
}

/* The dataset: a noisy sine with 3 features, written as an hsweep HDF5 file. */
static int write_dataset(const char *path) {
    hs_dataset ds;
    fixtures_sine_dataset(&ds, 600, 5, 0);
    ds.time = malloc(ds.n_rows * sizeof *ds.time);
    ds.feature_names = malloc(3 * sizeof *ds.feature_names);
    ds.mean = calloc(3, sizeof *ds.mean);
    ds.std = malloc(3 * sizeof *ds.std);
    const char *names[3] = {"s", "c", "n"};
    for (size_t i = 0; i < ds.n_rows; i++) ds.time[i] = 1577836800 + 600 * (int64_t)i;
    for (int f = 0; f < 3; f++) {
        ds.feature_names[f] = strdup(names[f]);
        ds.std[f] = 1.0;
    }
    ds.target_name = strdup("T (degC)");
    hs_error err;
    int rc = h5data_write(path, &ds, "sine.csv", "", &err);
    if (rc) fprintf(stderr, "dataset: %s\n", err.msg);
    dataset_deinit(&ds);
    return rc;
}

static int run(const char *yaml, const char *out, const coord_policy *pol) {
    char *argv[] = {"run", (char *)yaml, "--output", (char *)out, NULL};
    return cmd_run_policy(4, argv, pol);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char dir[256] = "/tmp/test_mpi_policy_XXXXXX";
    char yaml[400], data[400], a[400], b[400];
    if (rank == 0) {
        if (!mkdtemp(dir)) dir[0] = '\0';
        snprintf(data, sizeof data, "%s/sine.h5", dir);
        snprintf(yaml, sizeof yaml, "%s/sweep.yaml", dir);
        FILE *f = dir[0] && write_dataset(data) == 0 ? fopen(yaml, "w") : NULL;
        if (f) {
            fprintf(f, "name: policy\nseed: 3\ndata:\n  path: %s\n  sequence_length: 8\n"
                    "  sampling_rate: 1\n  horizon: 2\n  batch_size: 32\nfixed:\n  epochs: 4\n"
                    "  units: 4\ngrid:\n  cell: [gru, lstm]\n  learning_rate: [1e-3, 1e-2]\n",
                    data);
            fclose(f);
        } else {
            dir[0] = '\0';
        }
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (!dir[0]) {
        if (rank == 0) fprintf(stderr, "cannot set up the fixture\n");
        MPI_Finalize();
        return 1;
    }
    snprintf(yaml, sizeof yaml, "%s/sweep.yaml", dir);
    snprintf(a, sizeof a, "%s/full", dir);
    snprintf(b, sizeof b, "%s/rung", dir);

    rung st;
    memset(&st, 0, sizeof st);
    for (int k = 0; k < 8; k++) st.pause_rank[k] = -1;
    coord_policy pol = {rung_next, rung_epoch, rung_result, &st, NULL};
    int rc1 = run(yaml, a, NULL);
    int rc2 = run(yaml, b, &pol);
    CHECK(rc1 == 0 && rc2 == 0, "both runs succeed: %d %d", rc1, rc2);

    if (rank == 0) {
        CHECK(st.n_paused == 4, "every trial paused once at the rung: %d", st.n_paused);
        CHECK(st.n_reports == 16, "every epoch reported once: %d", st.n_reports);
        CHECK(st.moved == 4, "every paused trial continued on another rank: %d", st.moved);
        journal_record *ra = NULL, *rb = NULL;
        size_t na = 0, nb = 0;
        char pa[500], pb[500];
        rundir_path(pa, sizeof pa, a, RUNDIR_JOURNAL, NULL);
        rundir_path(pb, sizeof pb, b, RUNDIR_JOURNAL, NULL);
        hs_error err;
        CHECK(journal_read(pa, &ra, &na, NULL, &err) == 0 && na == 4, "full journal: %zu", na);
        CHECK(journal_read(pb, &rb, &nb, NULL, &err) == 0 && nb == 4, "rung journal: %zu", nb);
        for (size_t i = 0; i < na; i++) {
            const journal_record *x = &ra[i], *y = NULL;
            for (size_t k = 0; k < nb; k++)
                if (strcmp(rb[k].id, x->id) == 0) y = &rb[k];
            CHECK(y != NULL, "trial %s in both", x->id);
            if (!y) continue;
            int same = x->status == y->status && x->val_mae == y->val_mae &&
                       x->test_mae == y->test_mae && x->best_epoch == y->best_epoch &&
                       x->epochs_run == 4 && y->epochs_run == 4 && x->n_history == y->n_history;
            for (size_t e = 0; same && e < x->n_history; e++)
                same = memcmp(&x->history[e], &y->history[e], sizeof x->history[e]) == 0;
            CHECK(same, "trial %s bit-identical: val_mae %.17g vs %.17g", x->id, x->val_mae,
                  y->val_mae);
        }
        journal_records_free(ra, na);
        journal_records_free(rb, nb);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (test_fail_count == 0 && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    }
    int fails = test_fail_count;
    MPI_Bcast(&fails, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) test_failures("test_mpi_policy");
    MPI_Finalize();
    return fails;
}
