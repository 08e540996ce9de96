/* cmd: the subcommands of the hsweep binary.
 *
 * Each subcommand is a function taking the arguments after the subcommand name
 * (argv[0] is the subcommand) and returning the process exit status:
 * 0 success, 1 failure (a one-line message was printed), 2 bad usage. */
#ifndef HS_CMD_H
#define HS_CMD_H

typedef struct cmd_entry {
    const char *name;                 /* subcommand as typed */
    int (*run)(int argc, char **argv);/* entry point */
    const char *summary;              /* one line for `hsweep --help` */
} cmd_entry;

/* The table of subcommands, terminated by an entry with name NULL (defined in main.c). */
extern const cmd_entry cmd_table[];

/* `hsweep plan [--json] SWEEP.yaml`: validate and expand a sweep, print its trials (cmd_plan.c). */
int cmd_plan(int argc, char **argv);
/* hsweep prep IN.csv[.xz] -o OUT.h5 (cmd_prep.c) */
int cmd_prep(int argc, char **argv);
/* hsweep baseline DATA.h5 (cmd_baseline.c) */
int cmd_baseline(int argc, char **argv);
/* `hsweep report DIR`: rebuild the result tables from the journal (sweep/cmd_report.c). */
int cmd_report(int argc, char **argv);

/* `hsweep status DIR [--json]`: live state of a run directory's jobs (cmd_status.c). */
int cmd_status(int argc, char **argv);

/* `hsweep journal check|repair DIR`: list, or move aside, the journal lines that cannot be
 * trusted (io/jcheck.h; cmd_journal.c). */
int cmd_journal(int argc, char **argv);

/* hsweep train DATA.h5 [flags]: train one configuration (cmd_train.c). */
int cmd_train(int argc, char **argv);
/* `hsweep help-params --markdown train|sweep-file`: the parameter tables of docs/train.md and
 * docs/sweep-file.md, generated from the registry (hidden from `hsweep --help`; cmd_train.c). */
int cmd_help_params(int argc, char **argv);
/* `mpirun -n P hsweep run SWEEP.yaml`: run a sweep (run.c). */
int cmd_run(int argc, char **argv);
/* cmd_run with a coordinator policy (sweep/coord.h; NULL: the default, longest first, full
 * budget) used on rank 0; other ranks ignore it. Calls MPI_Init/MPI_Finalize only if MPI is
 * not initialised yet, so a test can run several sweeps in one MPI session. */
struct coord_policy;
int cmd_run_policy(int argc, char **argv, const struct coord_policy *policy);
/* `hsweep predict MODEL.h5 DATA.h5`: run a saved model on a split (cmd_predict.c). */
int cmd_predict(int argc, char **argv);

#endif
