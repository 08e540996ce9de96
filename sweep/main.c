/* main: the hsweep binary. Dispatches to the subcommands listed in cmd_table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/isa.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/version.h"

const cmd_entry cmd_table[] = {
    {"prep", cmd_prep, "CSV (plain or .xz) -> normalised HDF5 dataset with Keras split"},
    {"baseline", cmd_baseline, "persistence (last value) MAE on the val and test windows"},
    {"train", cmd_train, "train one configuration on a prepared HDF5 dataset"},
    {"plan", cmd_plan, "validate a sweep file and print its trials, costs and output directory"},
    {"run", cmd_run, "run a sweep under MPI: mpirun -n P hsweep run SWEEP.yaml"},
    {"status", cmd_status, "what the jobs of a run directory are doing now (trial, epoch, heartbeat)"},
    {"report", cmd_report, "rebuild and print the result tables of a sweep directory"},
    {"journal", cmd_journal, "check a run directory's journal, or move its invalid lines aside"},
    {"predict", cmd_predict, "predictions and MAE of a saved model (best_model.h5) on a dataset"},
    {"help-params", cmd_help_params, NULL}, /* hidden: the docs' parameter tables */
    {NULL, NULL, NULL},
};

static void usage(FILE *f) {
    fprintf(f, "usage: hsweep COMMAND [ARGS...]\n\n"
               "Distributed hyperparameter sweeps for recurrent networks on time series.\n\n"
               "commands:\n");
    for (const cmd_entry *c = cmd_table; c->name; c++)
        if (c->summary) fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n`hsweep COMMAND --help` documents each command's flags.\n"
               "Run sweeps with `mpirun -n P hsweep run sweep.yaml`.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    /* the kernel path (cpuid, or HSWEEP_ISA): refuse an unusable request before any work */
    char err[160];
    if (isa_init(err, sizeof err) != 0) {
        fprintf(stderr, "hsweep: %s\n", err);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0) {
        version_print(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    for (const cmd_entry *c = cmd_table; c->name; c++) {
        if (strcmp(argv[1], c->name) != 0) continue;
        /* --flag=value is --flag value for every command */
        int n = 0;
        char **args = cli_split_equals(argc - 1, argv + 1, &n);
        if (!args) {
            fprintf(stderr, "hsweep: out of memory\n");
            return 1;
        }
        int rc = c->run(n, args);
        cli_free_argv(args, n, argv + 1, argc - 1);
        return rc;
    }
    fprintf(stderr, "hsweep: unknown command '%s' (see hsweep --help)\n", argv[1]);
    return 2;
}
