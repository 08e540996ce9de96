/* rundir: the run directory's file names, and the one atomic-write routine every writer uses.
 *
 * A sweep's output directory (`output:` in the sweep file, --output) holds:
 *   journal.jsonl          one JSON line per finished trial (io/journal.h), the truth
 *   journal.jsonl.dropped  bytes of a corrupt last journal line, moved aside on repair
 *   journal.rejected.jsonl invalid, foreign or corrupt lines moved out by `hsweep journal
 *                          repair` (io/jcheck.h), appended, never deleted
 *   journal.jsonl.<UTC>    a previous sweep's journal set aside by --restart
 *   metadata.json          the sweep file, its hash, versions, dataset fingerprint
 *   status.json            progress counts, ETA, best so far, run state
 *   results.csv, results.md, summary.md   the tables (io/results.h)
 *   report.html            `hsweep report` (io/htmlreport.h)
 *   best_model.h5          the best trial's weights (io/modelio.h)
 *   ckpt/<id>.ckpt         epoch checkpoints of unfinished trials (io/ckpt.h)
 *   claims.jsonl           who claimed or gave back which trial (io/claimlog.h)
 *   jobs/<host>.<pid>.json one heartbeat file per job sharing the directory (io/jobfile.h)
 *   study.lock             the study lock, held for milliseconds (io/studylock.h)
 * Every name is spelled here and only here; modules build paths with rundir_path.
 *
 * Atomic writes: rundir_atomic_open creates a unique temporary file next to the target
 * (same directory, so the rename cannot cross file systems); the caller writes through the
 * descriptor, a stdio stream, or by name (HDF5); rundir_atomic_commit flushes, fsyncs the
 * file, renames it over the target and fsyncs the directory, so after a crash a reader
 * finds the old content or the new, never a mix, and a committed file survives power loss.
 * On any failure the temporary file is removed and the target left untouched. No MPI. */
#ifndef HS_RUNDIR_H
#define HS_RUNDIR_H

#include <stddef.h>
#include <stdio.h>

#include "io/hs_error.h"

/* ---- names inside the run directory ------------------------------------------------------ */

#define RUNDIR_JOURNAL "journal.jsonl"
#define RUNDIR_DROPPED_SUFFIX ".dropped" /* journal.jsonl.dropped */
#define RUNDIR_REJECTED "journal.rejected.jsonl" /* lines moved out by `hsweep journal repair` */
#define RUNDIR_METADATA "metadata.json"
#define RUNDIR_STATUS "status.json"
#define RUNDIR_RESULTS_CSV "results.csv"
#define RUNDIR_RESULTS_MD "results.md"
#define RUNDIR_SUMMARY "summary.md"
#define RUNDIR_REPORT "report.html"
#define RUNDIR_BEST_MODEL "best_model.h5"
#define RUNDIR_CKPT "ckpt"             /* subdirectory of epoch checkpoints */
#define RUNDIR_CKPT_SUFFIX ".ckpt"     /* ckpt/<trial id>.ckpt */
#define RUNDIR_CLAIMS "claims.jsonl"   /* the claim journal of a shared study (io/claimlog.h) */
#define RUNDIR_JOBS "jobs"             /* subdirectory: one heartbeat file per job (io/jobfile.h) */
#define RUNDIR_LOCK "study.lock"       /* the study lock file (io/studylock.h) */

/* "dir/name" into buf (n bytes, NUL-terminated). 0, or HS_ERR_VALUE if it does not fit
 * (err may be NULL). */
int rundir_path(char *buf, size_t n, const char *dir, const char *name, hs_error *err);

/* "dir/ckpt/<id>.ckpt" into buf. 0 or HS_ERR_VALUE if it does not fit. */
int rundir_ckpt_path(char *buf, size_t n, const char *dir, const char *id);

/* mkdir -p path (mode 0777 before umask). 0, or HS_ERR_IO naming the component that
 * could not be created or is not a directory. */
int rundir_mkdirs(const char *path, hs_error *err);

/* 1 if path exists (any type), else 0. */
int rundir_exists(const char *path);

/* Rename dir/name to dir/name.<UTC timestamp> (never deleted), the new path into old (n
 * bytes). 0 or HS_ERR_IO. */
int rundir_set_aside(const char *dir, const char *name, char *old, size_t n, hs_error *err);

/* ---- atomic writes ------------------------------------------------------------------------ */

/* fsync the directory holding path, so a file created or renamed into it survives a power
 * cut. 0, or the errno of the failed open/fsync (a file system that cannot fsync a
 * directory, EINVAL/EROFS, counts as done). */
int rundir_sync_dir(const char *path);

typedef struct rundir_atomic {
    char path[4096];          /* the target */
    char tmp[4112];           /* the temporary file: target + ".tmp.XXXXXX" */
    int fd;                   /* open descriptor of tmp, -1 when closed */
    FILE *f;                  /* stream over fd (rundir_atomic_stream), NULL if none */
    int no_sync;              /* 1: commit renames without the two fsyncs (set by the caller
                                 after open, only for content that is cheap to recompute:
                                 after a power cut the file may be old, empty or torn) */
} rundir_atomic;

/* Create the temporary file for target path (mode 0644, unique name in path's directory)
 * and open it for writing in a->fd. 0, or HS_ERR_IO (directory missing, not writable, path
 * too long; err names the temporary path and the system error), a left closed. */
int rundir_atomic_open(rundir_atomic *a, const char *path, hs_error *err);

/* A stdio stream over a->fd (owned by a: commit/abort close it), or NULL with err set. */
FILE *rundir_atomic_stream(rundir_atomic *a, hs_error *err);

/* Finish: flush the stream if any, fsync and close the file, rename it over the target,
 * fsync the directory. Returns 0, or HS_ERR_IO (a stream error seen by ferror, a failed
 * write, fsync, close or rename): then the temporary file is removed, the target holds its
 * old content, and err names the file and the system error. a is closed either way. */
int rundir_atomic_commit(rundir_atomic *a, hs_error *err);

/* Give up: close and remove the temporary file; the target is untouched. Safe to call on a
 * closed or committed a. */
void rundir_atomic_abort(rundir_atomic *a);

/* Write data[0..len) to path atomically (open, write all, commit). 0 or HS_ERR_IO. */
int rundir_write_atomic(const char *path, const void *data, size_t len, hs_error *err);

/* rundir_write_atomic to dir/name. 0, HS_ERR_VALUE (path too long) or HS_ERR_IO. */
int rundir_write(const char *dir, const char *name, const void *data, size_t len, hs_error *err);

#endif
