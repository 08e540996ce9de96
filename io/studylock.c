/* studylock: a link(2)-based lock file for run directories shared by several jobs (see
 * studylock.h). */
#define _POSIX_C_SOURCE 200809L
#include "io/studylock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double studylock_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void studylock_sleep(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Modification time of a stat result in seconds. */
static double studylock_mtime(const struct stat *sb) {
    return (double)sb->st_mtim.tv_sec + 1e-9 * (double)sb->st_mtim.tv_nsec;
}

int studylock_init(studylock *lk, const char *dir, double stale_s, double wait_s, int disabled,
                   hs_error *err) {
    memset(lk, 0, sizeof *lk);
    if ((size_t)snprintf(lk->dir, sizeof lk->dir, "%s", dir) >= sizeof lk->dir ||
        (size_t)snprintf(lk->path, sizeof lk->path, "%s/%s", dir, RUNDIR_LOCK) >= sizeof lk->path)
        return hs_error_set(err, HS_ERR_IO, dir, 0, 0, "path too long");
    lk->stale_s = stale_s > 0 ? stale_s : STUDYLOCK_STALE_S;
    lk->wait_s = wait_s >= 0 ? wait_s : STUDYLOCK_WAIT_S;
    lk->disabled = disabled;
    return 0;
}

/* Read the token of the file at path into buf (n bytes); 0, or -1 if it cannot be read. */
static int studylock_read_token(const char *path, char *buf, size_t n) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t k = read(fd, buf, n - 1);
    close(fd);
    if (k < 0) return -1;
    buf[k] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl) *nl = '\0';
    return 0;
}

int studylock_pid_dead(long pid) {
    if (pid <= 0) return 0;
    if (kill((pid_t)pid, 0) != 0) return errno == ESRCH;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');   /* "pid (comm) S ...": comm may hold spaces */
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* 1 when token names a process on this host that no longer exists. */
static int studylock_holder_dead(const char *token) {
    char host[256] = "", me[256] = "";
    long pid = 0;
    if (sscanf(token, "%255s %ld", host, &pid) != 2 || pid <= 0) return 0;
    if (gethostname(me, sizeof me - 1) != 0) return 0;
    me[100] = '\0';
    for (char *p = me; *p; p++)
        if (*p == ' ' || *p == '/') *p = '_';
    if (strcmp(host, me) != 0) return 0;
    return studylock_pid_dead(pid);
}

/* Write our token into a new file at path (O_EXCL). 0, or errno. */
static int studylock_create(const char *path, const char *token) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return errno;
    size_t len = strlen(token);
    int e = 0;
    if (write(fd, token, len) != (ssize_t)len || write(fd, "\n", 1) != 1) e = errno ? errno : EIO;
    if (close(fd) != 0 && !e) e = errno;
    if (e) unlink(path);
    return e;
}

/* If the lock file is abandoned (judged against our temporary file tmp, just written),
 * break it: rename it to a private name and make sure it is the file seen abandoned; a
 * fresh lock taken in between is put back. Returns 1 when a lock was broken. */
static int studylock_break_if_stale(studylock *lk, const char *tmp) {
    struct stat lock_sb, tmp_sb;
    char seen[320];
    if (studylock_read_token(lk->path, seen, sizeof seen) != 0 || stat(lk->path, &lock_sb) != 0)
        return 0;
    int stale = studylock_holder_dead(seen);
    if (!stale && stat(tmp, &tmp_sb) == 0)
        stale = studylock_mtime(&tmp_sb) - studylock_mtime(&lock_sb) > lk->stale_s;
    if (!stale) return 0;
    char aside[4400], got[320];
    snprintf(aside, sizeof aside, "%s.broken.%s", lk->path, strchr(lk->token, ' ') + 1);
    for (char *p = aside + strlen(lk->path); *p; p++)
        if (*p == ' ') *p = '.';
    if (rename(lk->path, aside) != 0) return 0;
    int ours = studylock_read_token(aside, got, sizeof got) == 0 && strcmp(got, seen) == 0;
    if (!ours) {
        /* a live holder replaced the abandoned lock before our rename: give it back */
        if (link(aside, lk->path) != 0)
            fprintf(stderr, "hsweep: warning: %s: a lock taken while breaking an abandoned one "
                    "could not be restored (%s)\n", lk->path, strerror(errno));
    } else {
        fprintf(stderr, "hsweep: %s: broke an abandoned lock (%s)\n", lk->path, seen);
    }
    unlink(aside);
    return ours;
}

/* One attempt: 0 taken, EEXIST held by another, else the errno that makes locking
 * unavailable (after trying the O_EXCL fallback). */
static int studylock_try(studylock *lk, const char *tmp) {
    if (!lk->use_excl) {
        int rc = link(tmp, lk->path), e = errno;
        struct stat sb;
        /* NFS: a retransmitted link whose first reply was lost fails with EEXIST although
         * it succeeded; the link count of our own file tells the truth */
        if (rc == 0 || (stat(tmp, &sb) == 0 && sb.st_nlink == 2)) return 0;
        if (e == EEXIST) return EEXIST;
        if (e != EPERM && e != EOPNOTSUPP && e != ENOSYS && e != EMLINK) return e;
        lk->use_excl = 1;
    }
    return studylock_create(lk->path, lk->token);
}

int studylock_acquire(studylock *lk, hs_error *err) {
    if (lk->disabled) return 0;
    if (lk->held) return hs_error_set(err, HS_ERR_STATE, lk->path, 0, 0, "lock already held");
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "unknown");
    host[100] = '\0';   /* as in studylock_holder_dead */
    for (char *p = host; *p; p++)
        if (*p == ' ' || *p == '/') *p = '_';
    snprintf(lk->token, sizeof lk->token, "%s %ld %llu.%ld", host, (long)getpid(), ++lk->nonce,
             (long)time(NULL));
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s/.%s.%s.%ld.%llu", lk->dir, RUNDIR_LOCK, host, (long)getpid(),
             lk->nonce);
    double t0 = studylock_now(), pause = 1e-3;
    int made_tmp = 0, rc = 0;
    for (;;) {
        if (!lk->use_excl && !made_tmp) {
            int e = studylock_create(tmp, lk->token);
            if (e) {
                rc = hs_error_set(err, HS_ERR_IO, tmp, 0, 0, "cannot create the lock's temporary file: %s",
                                  strerror(e));
                break;
            }
            made_tmp = 1;
        }
        int e = studylock_try(lk, tmp);
        if (e == 0) break;
        if (e != EEXIST) {
            rc = hs_error_set(err, HS_ERR_IO, lk->path, 0, 0,
                              "locking is not available on this file system (%s); several jobs "
                              "cannot share this directory, a single job may run with --no-lock",
                              strerror(e));
            break;
        }
        if (made_tmp && studylock_break_if_stale(lk, tmp)) {
            lk->n_broken++;
            continue;
        }
        if (lk->use_excl) {
            /* no temporary file to date the lock with: judge its age by our clock */
            struct stat sb;
            if (stat(lk->path, &sb) == 0 && (double)time(NULL) - studylock_mtime(&sb) > lk->stale_s + 1) {
                char seen[320] = "";
                studylock_read_token(lk->path, seen, sizeof seen);
                fprintf(stderr, "hsweep: %s: removing an abandoned lock (%s)\n", lk->path, seen);
                unlink(lk->path);
                lk->n_broken++;
                continue;
            }
        }
        if (studylock_now() - t0 > lk->wait_s) {
            char seen[320] = "?";
            studylock_read_token(lk->path, seen, sizeof seen);
            rc = hs_error_set(err, HS_ERR_STATE, lk->path, 0, 0,
                              "still locked after %.0f s by '%s' (a lock older than %.0f s is "
                              "taken over)", lk->wait_s, seen, lk->stale_s);
            break;
        }
        /* back off, with jitter so waiting jobs do not retry in step */
        studylock_sleep(pause * (0.5 + (double)(rand() % 1000) / 1000.0));
        if (pause < 0.05) pause *= 2;
    }
    if (made_tmp) unlink(tmp);
    if (rc == 0) {
        lk->held = 1;
        lk->n_acquired++;
        lk->t_acquired = studylock_now();
        lk->wait_total_s += lk->t_acquired - t0;
    }
    return rc;
}

int studylock_release(studylock *lk) {
    if (lk->disabled || !lk->held) return 0;
    lk->held = 0;
    double hold = studylock_now() - lk->t_acquired;
    lk->hold_total_s += hold;
    if (hold > lk->hold_max_s) lk->hold_max_s = hold;
    char seen[320];
    if (studylock_read_token(lk->path, seen, sizeof seen) != 0 || strcmp(seen, lk->token) != 0) {
        lk->n_lost++;
        fprintf(stderr, "hsweep: warning: %s was taken over while held for %.1f s (longer than "
                "the %.0f s stale limit?)\n", lk->path, hold, lk->stale_s);
        return 1;
    }
    unlink(lk->path);
    return 0;
}

int studylock_probe(studylock *lk, hs_error *err) {
    int rc = studylock_acquire(lk, err);
    if (rc == 0) studylock_release(lk);
    return rc;
}
