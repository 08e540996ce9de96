/* jobfile: DIR/jobs/<job>.json, the heartbeat and live state of one job on a shared study.
 *
 * Every `hsweep run` invocation (a job: one mpirun or Slurm job step, any number of ranks)
 * has a job key, "<host>.<pid>" of its rank 0, and rewrites its file (atomically) at start,
 * whenever one of its ranks reports an epoch or a heartbeat (throttled), and at the end
 * with its final state. The file says what each rank is doing (trial, epoch, when it last
 * reported), the job's view of the study's counts, and the heartbeat timeout the job uses.
 * Other jobs judge a job alive by the file's modification time: a job whose file has not
 * changed for its timeout is stale and the trials it claimed are handed out again.
 * `hsweep status` lists these files. No MPI. */
#ifndef HS_JOBFILE_H
#define HS_JOBFILE_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/rundir.h"


typedef struct jobfile_worker {
    int rank;                 /* MPI rank in the job */
    char trial[17];           /* trial id it trains, "" when idle */
    size_t epoch;             /* epochs of that trial done so far (checkpointed) */
    size_t epochs;            /* the trial's maximum epochs */
    double trial_start;       /* when it started this trial (s since 1970, UTC), 0 if idle */
    double last;              /* when it last reported progress or a heartbeat (s since 1970) */
    int stalled;              /* 1: silent for the timeout; its trial was handed to others */
} jobfile_worker;

typedef struct jobfile {
    char job[128];            /* job key "<host>.<pid>" (file name without .json) */
    char slurm[64];           /* Slurm job id ("123", or "123_4" for array task 4), "" if none */
    char host[128];           /* rank 0's host name */
    long pid;                 /* rank 0's pid */
    int ranks;                /* MPI ranks of the job */
    char state[16];           /* "running", "finished", "stopped" (signal), "failed" */
    char reason[256];         /* why it stopped or failed, "" otherwise */
    double timeout_s;         /* heartbeat timeout the job uses (s) */
    double started;           /* job start (s since 1970, UTC) */
    double updated;           /* when this file was written (s since 1970, UTC) */
    size_t total;             /* the job's view of the study: trials in the sweep */
    size_t done;              /* ... finished ok or diverged */
    size_t failed;            /* ... finished failed */
    size_t running;           /* ... claimed by some job */
    size_t journaled;         /* trials this job journaled */
    double eta_s;             /* estimated seconds to go, < 0 unknown */
    double best;              /* best metric so far (NaN none) */
    char best_id[17];         /* its trial, "" none */
    char metric[16];          /* name of the metric of best */
    jobfile_worker *workers;  /* (n_workers) owned */
    size_t n_workers;         /* entries in workers */
    double mtime;             /* filled by jobfile_read: the file's modification time (s) */
} jobfile;

/* Write j to DIR/jobs/<j->job>.json atomically (DIR/jobs created if needed). *mtime (may be
 * NULL) receives the new file's modification time, the reference "now" for staleness on the
 * file system's clock. 0 or HS_ERR_IO. */
int jobfile_write(const char *dir, const jobfile *j, double *mtime, hs_error *err);

/* Read the job file at path into j (zeroed first; free with jobfile_deinit). 0, HS_ERR_IO,
 * HS_ERR_FORMAT or HS_ERR_NOMEM. */
int jobfile_read(const char *path, jobfile *j, hs_error *err);

/* Every readable DIR/jobs/JOB.json into *out (n, owned; free each with jobfile_deinit and the
 * array with free), sorted by start time. Unreadable files (a job writing its first one)
 * are skipped. 0 or HS_ERR_NOMEM; no directory gives 0 jobs. */
int jobfile_list(const char *dir, jobfile **out, size_t *n, hs_error *err);

/* A job still running in dir: state "running", its file younger than its heartbeat
 * timeout (its own, else default_timeout_s), and not a process of this host that is gone.
 * Its key into who (n bytes); 1 if there is one, 0 if none or the jobs cannot be listed. */
int jobfile_live(const char *dir, double default_timeout_s, char *who, size_t n);

/* jobfile_live, not counting the job whose key is self (NULL: none; a job asking about the
 * others). */
int jobfile_live_other(const char *dir, double default_timeout_s, const char *self, char *who,
                       size_t n);

/* Modification time (s) of DIR/jobs/<job>.json into *mtime; 0, or -1 if it does not exist. */
int jobfile_mtime(const char *dir, const char *job, double *mtime);

/* Free j's workers and zero it. j may be NULL. */
void jobfile_deinit(jobfile *j);

/* This process's job key "<host>.<pid>" into buf (n bytes); host truncated to 100 chars,
 * spaces and slashes replaced by '_'. */
void jobfile_key(char *buf, size_t n);

/* The Slurm job id from the environment into buf: "SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID"
 * for an array task, else SLURM_JOB_ID, else "". */
void jobfile_slurm_id(char *buf, size_t n);

#endif
