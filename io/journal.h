/* journal: the append-only JSON Lines journal of finished trials (DIR/journal.jsonl).
 *
 * One line per finished trial, written only by rank 0, each line flushed and fsynced before
 * journal_append returns (or, with journal_defer_sync, by the group commit's journal_sync
 * before anything acts on it), so a finished trial is never lost. A line is one JSON object:
 *
 *   {"v":1,"id":"0123456789abcdef","repeat":0,"status":"ok","reason":"",
 *    "hparams":{"cell":"lstm","units":32,...every hs_hparams field by name...,"seed":7},
 *    "val_mae":2.41,"val_loss":9.8,"test_mae":2.55,"best_epoch":7,"epochs_run":10,
 *    "wall_s":12.5,"rank":3,"n_params":9057,"dataset":"9e1f2a3b4c5d6e7f",
 *    "history":{"loss":[...],"mae":[...],"val_loss":[...],"val_mae":[...]},
 *    "host":"node07","slurm_job_id":"4711","slurm_array_task_id":"3",
 *    "start_unix":1764600000.25,"end_unix":1764600012.75,"wall_total_s":30.5}
 *
 * Provenance (host .. wall_total_s) is optional: records written before hsweep 0.2 lack it
 * and read back as unknown ("" and NaN); each key is written only when known (the Slurm
 * keys only inside a Slurm job). start_unix/end_unix are the UTC Unix times of the segment
 * that finished the trial on `rank`; wall_total_s sums every segment of a trial resumed from
 * its epoch checkpoint (wall_s is the last segment only).
 *
 * Non-finite numbers (a diverged loss) are written as null and read back as NaN. Unknown
 * keys are ignored on read (forward compatibility); missing or mistyped known keys are
 * errors. Reading tolerates a truncated or corrupt LAST line (a crash mid-write) and reports
 * it as a warning; a corrupt line before the last one is an error naming its line. When the
 * same trial id appears more than once (a trial re-run after resume), the last complete
 * record wins and the earlier ones are dropped (counted in journal_read_info.duplicates).
 * journal_open_append repairs a bad last line before appending (moving its bytes to
 * DIR/journal.jsonl.dropped) so new records never follow garbage, and takes a POSIX write
 * lock so two sweeps cannot append to the same journal. No MPI here: the MPI layer sends
 * records as journal_record_format lines and rank 0 parses and appends them. */
#ifndef HS_JOURNAL_H
#define HS_JOURNAL_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/json.h"
#include "io/rundir.h"
#include "io/strbuf.h"
#include "model/hparams.h"

enum { JOURNAL_VERSION = 1 };   /* value of "v" in every record */

typedef enum journal_status {
    JOURNAL_OK = 0,        /* trained to the end or early-stopped normally */
    JOURNAL_DIVERGED = 1,  /* non-finite loss; metrics may be NaN */
    JOURNAL_FAILED = 2,    /* could not run (bad configuration for the data, OOM, ...) */
    JOURNAL_PAUSED = 3,    /* adaptive search: paused at a rung, checkpoint kept; may continue
                              (a later record of the same id supersedes it) */
    JOURNAL_PRUNED = 4     /* adaptive search: stopped for good by the scheduler */
} journal_status;

/* Adaptive search (sweep/policy_search.h) also journals the scheduler's events, one line each,
 * in the order rank 0 handled them, so a resume replays them and rebuilds the same state:
 *   {"v":1,"event":"start","id":"...","from":0,"until":3}      handed out (from: epochs done)
 *   {"v":1,"event":"epoch","id":"...","epoch":3,"val_loss":9.1,"val_mae":2.7,"decision":"pause"}
 *   {"v":1,"event":"end","id":"..."}                           ended by itself
 *   {"v":1,"event":"release","id":"..."}                       its rank stopped
 * journal_read skips event lines (they are not trials); journal_read_events reads only them.
 * A journal with event lines cannot be read by hsweep versions before them. */
typedef enum journal_event_kind {
    JOURNAL_EV_START = 0,  /* a trial was handed out */
    JOURNAL_EV_EPOCH = 1,  /* a trial reported an epoch; decision is the scheduler's answer */
    JOURNAL_EV_END = 2,    /* a trial ended by itself (patience, divergence, failure, budget) */
    JOURNAL_EV_RELEASE = 3 /* a trial's rank stopped before the trial's job was done */
} journal_event_kind;

typedef struct journal_event {
    journal_event_kind kind;  /* which event */
    char id[17];              /* the trial id */
    size_t epoch;             /* EPOCH: the epoch (1-based); START: epochs already trained */
    size_t until;             /* START: the epoch of the trial's next rung */
    double val_loss, val_mae; /* EPOCH: the epoch's validation metrics (NaN: null) */
    char decision[16];        /* EPOCH: the scheduler's decision (asha_decision_name) */
} journal_event;

typedef struct journal_epoch {
    double loss;           /* mean training loss (MSE, target units^2) over the epoch */
    double mae;            /* training MAE (target units) */
    double val_loss;       /* validation MSE */
    double val_mae;        /* validation MAE (target units) */
} journal_epoch;

typedef struct journal_record {
    char id[17];           /* 16 lowercase hex chars + NUL: hash of config and repeat */
    size_t repeat;         /* repeat index within the configuration, 0-based */
    hs_hparams hp;         /* the full resolved configuration, including the trial seed */
    journal_status status; /* outcome */
    char reason[256];      /* one-line reason for diverged/failed, "" for ok */
    double val_mae;        /* validation MAE at the best-val-loss weights (NaN if none) */
    double val_loss;       /* validation loss (MSE) at the best weights (NaN if none) */
    double test_mae;       /* test MAE at the best-val-loss weights (NaN if none) */
    size_t best_epoch;     /* 1-based epoch of the best val_loss, 0 if none */
    size_t epochs_run;     /* epochs actually trained */
    double wall_s;         /* wall-clock seconds of the trial */
    int rank;              /* MPI rank that trained it */
    size_t n_params;       /* trainable parameters of the model */
    char dataset[17];      /* fingerprint id of the dataset it was trained on (dsfp.h), 16
                              hex + NUL; "" in records of hsweep 0.1 (key "dataset" absent) */
    journal_epoch *history;/* (n_history) per-epoch metrics, owned (malloc), may be NULL */
    size_t n_history;      /* entries in history */
    char host[64];         /* host name of the rank that trained it, "" unknown */
    char slurm_job_id[32]; /* SLURM_ARRAY_JOB_ID or SLURM_JOB_ID of that rank, "" none/unknown */
    char slurm_array_task_id[16]; /* SLURM_ARRAY_TASK_ID, "" none/unknown */
    double start_unix;     /* UTC Unix seconds the finishing segment started, NaN unknown */
    double end_unix;       /* UTC Unix seconds it ended, NaN unknown */
    double wall_total_s;   /* wall seconds over every segment (resume included), NaN unknown */
} journal_record;

typedef struct journal_read_info {
    size_t lines;          /* non-empty lines seen */
    size_t dropped_last;   /* 1 if a truncated/corrupt last line was skipped, else 0 */
    long dropped_line;     /* 1-based line number of that line, 0 if none */
    size_t duplicates;     /* earlier records replaced by a later one with the same id */
    char warning[512];     /* one-line description of the skipped line, "" if none */
    size_t set_aside;      /* records the keep callback set aside (journal_read_filtered) */
} journal_read_info;

typedef struct journal journal;   /* an open journal for appending (opaque) */

/* ---- records --------------------------------------------------------------------------- */

/* Zero r, set hparams_default and NaN metrics, status ok. */
void journal_record_init(journal_record *r);

/* Free r's history and re-init it. r may be NULL. */
void journal_record_deinit(journal_record *r);

/* Replace r's history with a copy of h[0..n). Returns 0 or HS_ERR_NOMEM (r unchanged). */
int journal_record_set_history(journal_record *r, const journal_epoch *h, size_t n, hs_error *err);

/* Deep copy src into dst (dst must not own a history; it is overwritten). 0 or HS_ERR_NOMEM. */
int journal_record_copy(journal_record *dst, const journal_record *src, hs_error *err);

/* Fill r's provenance: host (gethostname), the Slurm job/array ids from the environment
 * (SLURM_ARRAY_JOB_ID else SLURM_JOB_ID, SLURM_ARRAY_TASK_ID), start_unix, end_unix and
 * wall_total_s as given. Cannot fail (an unknown host stays ""). */
void journal_record_set_provenance(journal_record *r, double start_unix, double end_unix, double wall_total_s);

/* Append r as one JSON object (no newline) to out. Returns 0, HS_ERR_VALUE if r->id is not
 * 16 hex chars, HS_ERR_NOMEM. */
int journal_record_format(const journal_record *r, strbuf *out, hs_error *err);

/* Write r as one JSON object, the journal line's, as the next value of w (a top-level value,
 * an array element or after json_key), so every other writer of a record (`report --json`)
 * writes exactly the journal's fields. Checks the ids before writing anything: returns 0 or
 * HS_ERR_VALUE (w untouched); running out of memory marks w's buffer as failed. */
int journal_record_write(json_writer *w, const journal_record *r, hs_error *err);

/* Parse one line (without its newline) into r (initialised here; deinit it after use, also
 * on failure). Returns 0 or HS_ERR_FORMAT/HS_ERR_NOMEM with the column in err->col. */
int journal_record_parse(const char *line, size_t len, journal_record *r, hs_error *err);

/* "ok", "diverged", "failed", "paused", "pruned". */
const char *journal_status_name(journal_status s);

/* Parse a status name; 0 or -1. */
int journal_parse_status(const char *s, journal_status *out);

/* Append e as one JSON object (no newline) to out. 0, HS_ERR_VALUE (bad id), HS_ERR_NOMEM. */
int journal_event_format(const journal_event *e, strbuf *out, hs_error *err);

/* Parse one event line into e. 0 or HS_ERR_FORMAT (not an event line, or malformed). */
int journal_event_parse(const char *line, size_t len, journal_event *e, hs_error *err);

/* The rung grid of a scheduler's events ev[0..n): the epochs, ascending and unique, of every
 * "finished" decision and every "pause" at or beyond the rung its trial was started towards
 * (the `until` of its last start); a pause before it is a yield between rungs (ASHA's
 * idle_promotion), not a rung. Since the first trial to reach any rung is paused there, every
 * rung a trial passed is in it. grid holds n entries; returns how many were written. */
size_t journal_events_rung_grid(const journal_event *ev, size_t n, size_t *grid);

/* 1 if the line is an event line (has an "event" key), else 0. */
int journal_line_is_event(const char *line, size_t len);

/* ---- appending ------------------------------------------------------------------------- */

/* Open (creating dir and the file if needed) DIR/journal.jsonl for appending, after repairing
 * a truncated or corrupt last line as described above. Returns NULL on failure with err set
 * (HS_ERR_IO, or HS_ERR_STATE if another process holds the journal lock). Close with
 * journal_close. */
journal *journal_open_append(const char *dir, hs_error *err);

/* Like journal_open_append, without the fcntl lock: for a study shared by several jobs,
 * whose callers append only while holding the study lock (io/studylock.h) and close the
 * journal before releasing it. */
journal *journal_open_append_shared(const char *dir, hs_error *err);

/* Bytes removed from the end of the file by the repair at open (0 if none). */
size_t journal_repaired_bytes(const journal *j);

/* Append r as one line, then fflush+fsync. On a write error the file is truncated back to
 * its previous length. Returns 0 or a negative hs_status. */
int journal_append(journal *j, const journal_record *r, hs_error *err);

/* Append event e as one line, then fflush+fsync (as journal_append). */
int journal_append_event(journal *j, const journal_event *e, hs_error *err);

/* Group commit. With on = 1, journal_append and journal_append_event write their line but
 * do not fsync it: the line is in the file (every reader sees it, and it survives the death
 * of the writing process) but not durable against a power cut or an OS crash until
 * journal_sync. A write error still truncates the half line away. j may be NULL. */
void journal_defer_sync(journal *j, int on);

/* fsync the journal: every line written to it so far, by this or any other descriptor of
 * the same file, is durable when it returns 0. Otherwise HS_ERR_IO ("cannot fsync: ...",
 * naming the file); the lines stay in the file, their durability unknown. */
int journal_sync(journal *j, hs_error *err);

/* Close the journal (releases the lock). j may be NULL. */
void journal_close(journal *j);

/* ---- reading --------------------------------------------------------------------------- */

/* Read every complete record of the journal at path into *recs (owned: free with
 * journal_records_free), *n records, in file order after dropping superseded duplicates.
 * info (may be NULL) gets the warning counts. An empty file gives 0 records. Returns 0 or
 * HS_ERR_IO (cannot read), HS_ERR_FORMAT (a corrupt line that is not the last one;
 * err->file = path, err->line = its line), HS_ERR_NOMEM. */
int journal_read(const char *path, journal_record **recs, size_t *n, journal_read_info *info,
                 hs_error *err);

/* journal_read_filtered's check: 1 to keep record r (read from 1-based line `line`), 0 to set
 * it aside (it is then neither returned nor allowed to supersede an earlier record). */
typedef int (*journal_keep_fn)(const journal_record *r, long line, void *ctx);

/* journal_read with a check applied to every parsed record before duplicates are resolved
 * (keep NULL: keep all). Records set aside are counted in info->set_aside; the callback
 * keeps their details (io/jcheck.h). Same returns as journal_read. */
int journal_read_filtered(const char *path, journal_keep_fn keep, void *ctx, journal_record **recs,
                          size_t *n, journal_read_info *info, hs_error *err);

/* The way out of a corrupt line for journal path (DIR/journal.jsonl) into buf[n]:
 * "`hsweep journal repair DIR` moves it to journal.rejected.jsonl". Cannot fail. */
void journal_repair_hint(const char *path, char *buf, size_t n);

/* Read every event line of the journal at path, in file order, into *ev (malloc'ed, *n
 * events; free with free()). A corrupt LAST line is skipped (as journal_read does); a corrupt
 * event line before it is HS_ERR_FORMAT naming the line. Record lines are ignored. */
int journal_read_events(const char *path, journal_event **ev, size_t *n, hs_error *err);

/* Free an array of n records from journal_read. recs may be NULL. */
void journal_records_free(journal_record *recs, size_t n);

#endif
