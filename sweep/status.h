/* status: what a run directory's jobs are doing now, from its files (no MPI).
 *
 * Collected from DIR/metadata.json (sweep name and size, metric), DIR/jobs/JOB.json (one
 * heartbeat file per job, io/jobfile.h) and, when no job has written its view yet,
 * DIR/journal.jsonl. A job is judged by its file: "running" while the file is younger than
 * the job's heartbeat timeout, "stale" when older (the job hangs or died without a word:
 * its trials are handed to other jobs), else the final state it wrote: "finished",
 * "stopped" (a signal) or "failed" (max_failures or an infrastructure error). The study's
 * state: "finished" when every trial is done, else "running" if any job runs, else "stale"
 * if any job is stale, else the state of the job that ended last; "new" before any job
 * started. `hsweep status` prints it, `hsweep run` writes the same JSON to status.json. */
#ifndef HS_STATUS_H
#define HS_STATUS_H

#include <stddef.h>
#include <stdio.h>

#include "io/hs_error.h"
#include "io/jobfile.h"
#include "io/strbuf.h"

typedef struct status_job {
    jobfile f;                /* the job's file (owned: workers) */
    char state[16];           /* judged: running, stale, finished, stopped, failed */
    double age_s;             /* seconds since its last heartbeat */
} status_job;

typedef struct status_info {
    char dir[4096];           /* the run directory */
    char sweep[256];          /* sweep name, "" unknown */
    char state[16];           /* the study's state (see above) */
    size_t total;             /* trials in the sweep (0 unknown) */
    size_t done;              /* finished ok or diverged */
    size_t failed;            /* finished failed */
    size_t running;           /* claimed by a job */
    size_t pending;           /* neither */
    char metric[16];          /* ranking metric name */
    double best;              /* best metric so far, NaN none */
    char best_id[17];         /* its trial */
    double eta_s;             /* seconds to go, < 0 unknown */
    int ranks;                /* ranks of the running jobs */
    double now;               /* the time the status was taken (s since 1970) */
    status_job *jobs;         /* (n_jobs) by start time, owned */
    size_t n_jobs;            /* entries in jobs */
} status_info;

/* Collect the status of run directory dir at time now (s since 1970; < 0: the clock).
 * Returns 0, or HS_ERR_IO when dir has no journal, metadata or job file (not a run
 * directory), HS_ERR_NOMEM. Free with status_deinit. */
int status_collect(const char *dir, double now, status_info *st, hs_error *err);

/* Free what st owns. st may be NULL. */
void status_deinit(status_info *st);

/* Print st for people: a summary line, then per job its state and heartbeat and per rank
 * its trial, epoch, last report and elapsed time. */
void status_print(FILE *f, const status_info *st);

/* st as one JSON object (with newline) into out: the keys of the 0.1 status.json (state,
 * total, done, failed, running, pending, elapsed_s, eta_s, metric, best, best_id, ranks,
 * updated_unix) plus sweep, dir and jobs (per job: job, slurm, host, pid, ranks, state,
 * reason, heartbeat_age_s, heartbeat_timeout_s, started_unix, workers with rank, trial,
 * epoch, epochs, last_age_s, elapsed_s, stalled). */
void status_json(strbuf *out, const status_info *st);

#endif
