/* claimlog: DIR/claims.jsonl, the claim journal of a study shared by several jobs, and the
 * incremental reading of append-only JSON Lines files.
 *
 * Results go to journal.jsonl (one record per trial, the source of truth). Who is working
 * on what goes to claims.jsonl, one short line per event, appended under the study lock
 * (studylock.h) by the job's rank 0:
 *
 *   {"op":"claim","id":"3f2a9c0d11e4b702","owner":"node7.4242/3","t":1764601234.5}
 *   {"op":"release","id":"3f2a9c0d11e4b702","owner":"node7.4242/3","t":1764601299.0}
 *
 * `claim`: the owner (job key "/" rank) starts the trial (a claim of a trial someone else
 * holds reissues a stale claim); `release`: the owner gives it back unfinished (stopped by a
 * signal, or its rank stalled), its checkpoint kept. A result in the journal ends a claim.
 * Lines are about 90 bytes; a study of n trials writes about n claim lines plus one per
 * reissue or release. Every job reads both files incrementally (claimlog_read_lines from
 * its last offset), so a lock hold reads only what other jobs appended since. Reading and
 * appending open and close the file each time: with the lock held, NFS close-to-open
 * consistency then guarantees that a reader sees every byte a previous holder wrote. No MPI. */
#ifndef HS_CLAIMLOG_H
#define HS_CLAIMLOG_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/rundir.h"
#include "io/strbuf.h"


typedef enum claimlog_op {
    CLAIMLOG_CLAIM = 0,   /* owner starts (or takes over) the trial */
    CLAIMLOG_RELEASE = 1  /* owner gives the unfinished trial back */
} claimlog_op;

typedef struct claimlog_event {
    claimlog_op op;       /* what happened */
    char id[17];          /* trial id, 16 hex + NUL */
    char owner[128];      /* "jobkey/rank", no spaces or quotes */
    double t;             /* seconds since 1970-01-01 UTC (the writer's clock) */
} claimlog_event;

/* Append e as one JSON line (with newline) to out. 0 or HS_ERR_NOMEM/HS_ERR_VALUE (bad id). */
int claimlog_format(const claimlog_event *e, strbuf *out, hs_error *err);

/* Parse one line (no newline) into e. 0 or HS_ERR_FORMAT (err->col set by the JSON parser,
 * or a message naming the bad member). */
int claimlog_parse(const char *line, size_t len, claimlog_event *e, hs_error *err);

/* Called for every complete, non-blank line; a non-zero return stops the reading and is
 * returned by claimlog_read_lines. lineno is the 1-based line number in the file, counted
 * from the offset's line (the caller keeps the running count in *line). */
typedef int (*claimlog_line_fn)(const char *line, size_t len, long lineno, void *ctx);

/* Read path from byte *offset to its last newline, call fn for each complete line and
 * advance *offset past it (and *line by the lines read). A partial last line (being written,
 * or left by a writer that died) is left for later. A missing file reads as empty.
 * Returns 0, HS_ERR_IO, HS_ERR_NOMEM, or fn's non-zero return (offset then points after the
 * lines fully handled). */
int claimlog_read_lines(const char *path, long long *offset, long *line, claimlog_line_fn fn,
                        void *ctx, hs_error *err);

/* claimlog_read_lines on a descriptor the caller keeps open (fd, readable; path names it in
 * errors): a read costs an fstat and a pread instead of an open and a close. Only for a
 * file no other process can replace or append to meanwhile (the caller holds the study
 * lock); across lock holds, reopen (NFS close-to-open consistency). Same returns. */
int claimlog_read_fd(int fd, const char *path, long long *offset, long *line,
                     claimlog_line_fn fn, void *ctx, hs_error *err);

/* Append text[0..len) (complete lines) to path, creating it, and close it (no fsync: a
 * claim lost in a crash is only claimed again; close makes it visible to NFS readers). Bytes
 * after offset (where the caller's reading stopped, under the same lock: a partial line of
 * a writer that died) are cut first. The caller holds the study lock. 0 or HS_ERR_IO (the
 * file is truncated back on a failed write). */
int claimlog_append(const char *path, long long offset, const char *text, size_t len,
                    hs_error *err);

/* claimlog_append through a descriptor the caller keeps open (fd, writable; path names it
 * in errors) and closes itself, before it releases the study lock. Same returns. */
int claimlog_append_fd(int fd, const char *path, long long offset, const char *text,
                       size_t len, hs_error *err);

#endif
