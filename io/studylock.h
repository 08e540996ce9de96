/* studylock: a short mutual-exclusion lock on a run directory shared by several jobs.
 *
 * Several `hsweep run` invocations (separate mpiruns, Slurm jobs, the tasks of a job array)
 * may work on one output directory. Whatever they must not do at the same time (read the
 * journal and the claim log, decide, append) they do while holding this lock, for
 * milliseconds. The lock is a file, DIR/study.lock, created with link(2) from a unique
 * temporary file, the protocol that is atomic on every NFS version and on Lustre whatever
 * the mount options (fcntl/flock locks are not: Lustre mounted `localflock` and NFS mounted
 * `nolock`/`local_lock=all` make them node-local without an error, and Lustre `noflock`
 * refuses them). A lost NFS reply to a link that did succeed is caught by checking the
 * temporary file's link count. On a file system without hard links the lock falls back to
 * open(O_CREAT|O_EXCL) (atomic on local disks, NFSv3+ and Lustre); if neither works, the
 * acquire fails with a message that suggests --no-lock for a single job.
 *
 * The file holds "host pid nonce". A lock is abandoned (its holder died holding it) when
 * its holder is on this host and the pid no longer exists, or when the file is older than
 * stale_s, measured against the modification time of the temporary file just created, so
 * both times come from the same clock (the NFS server's, or the cluster's NTP-synchronised
 * clocks on Lustre). An abandoned lock is broken by renaming it to a private name and
 * checking it was the one seen stale. Correctness rests on one rule: a holder never holds
 * the lock for stale_s (hold times are milliseconds; study.md gives measurements). No MPI. */
#ifndef HS_STUDYLOCK_H
#define HS_STUDYLOCK_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/rundir.h"

#define STUDYLOCK_STALE_S 60.0    /* default: a lock file this old is abandoned */
#define STUDYLOCK_WAIT_S 600.0    /* default: give up acquiring after this long */

typedef struct studylock {
    char dir[4096];           /* the run directory */
    char path[4200];          /* DIR/study.lock */
    char token[320];          /* "host pid nonce" written into the lock file by us */
    double stale_s;           /* age (s) after which a lock file is abandoned */
    double wait_s;            /* seconds studylock_acquire waits before giving up */
    int disabled;             /* 1: --no-lock, acquire and release do nothing */
    int held;                 /* 1 between a successful acquire and its release */
    int use_excl;             /* 1: link() is not supported here, O_EXCL is used */
    unsigned long long nonce; /* counter making each token unique */
    double t_acquired;        /* monotonic time (s) of the last acquire */
    /* statistics (seconds, counts) since studylock_init */
    size_t n_acquired;        /* successful acquires */
    size_t n_broken;          /* abandoned locks broken */
    size_t n_lost;            /* releases that found the lock no longer ours */
    double wait_total_s;      /* time spent waiting for the lock */
    double hold_total_s;      /* time the lock was held */
    double hold_max_s;        /* longest hold */
} studylock;

/* 1 when pid names no live process on this host: it does not exist, or it is a zombie
 * (killed, not yet reaped: what kill -9 of mpirun leaves for a moment). 0 when it lives
 * or cannot be told (no /proc: only kill(pid, 0) is used). Cannot fail. */
int studylock_pid_dead(long pid);

/* Prepare a lock on directory dir (which must exist). stale_s <= 0 and wait_s < 0 take the
 * defaults; disabled = 1 makes every call a no-op (a single job, --no-lock). Nothing is
 * created yet. Returns 0 or HS_ERR_IO (dir too long). */
int studylock_init(studylock *lk, const char *dir, double stale_s, double wait_s, int disabled,
                   hs_error *err);

/* Take the lock, waiting (sleeping with backoff, up to lk->wait_s) while another process
 * holds it and breaking it when it is abandoned (see above). Returns 0; HS_ERR_STATE after
 * wait_s with the holder's token in the message; HS_ERR_IO when this file system supports
 * neither link() nor O_EXCL creation (the message says to use --no-lock with a single job)
 * or the directory is not writable. Not re-entrant: acquiring a held lock is HS_ERR_STATE. */
int studylock_acquire(studylock *lk, hs_error *err);

/* Release the lock if we hold it (removing the file only if it still holds our token;
 * otherwise n_lost is counted and 1 returned: the lock was broken while we held it, which
 * means a hold longer than stale_s). Returns 0 or 1. */
int studylock_release(studylock *lk);

/* Check that locking works in lk->dir (acquire and release once). 0 or the acquire error. */
int studylock_probe(studylock *lk, hs_error *err);

#endif
