/* jcheck: which lines of a run directory's journal may be trusted, and the repair that moves
 * the others out.
 *
 * journal_read only checks that a line is a well-formed record. A record can still be wrong:
 * hand-edited (a negative val_mae, best_epoch > epochs_run, hparams that do not hash to its
 * id) or foreign (another study's journal copied in: trained on another dataset). Such a
 * record must not be reused by `hsweep run` nor ranked by `hsweep report`. jcheck_record
 * decides, from the record alone and what the directory expects (its id scheme and its
 * dataset fingerprint, from metadata.json):
 *   invalid  the id is not the hash of the record's hparams and repeat under the directory's
 *            id scheme (io/hpkey.h; V1 for a directory of hsweep 0.1, V2 today), or a value is
 *            out of range: a metric (val_mae, val_loss, test_mae) negative, an ok record
 *            without a finite val_mae, best_epoch > epochs_run, epochs_run > hparams.epochs,
 *            wall_s negative;
 *   foreign  the record's dataset fingerprint differs from the directory's (records of hsweep
 *            0.1 have none and pass; so does every record when the directory records none).
 * Scheduler event lines (journal.h) are checked too: an epoch event needs epoch >= 1 and
 * non-negative metrics, a start event until >= from. Paused and pruned records follow the
 * rules of every record (their test_mae is null).
 *
 * jcheck_read is journal_read with those records set aside (counted, the first one located
 * as file:line), for `run`, `report` and `status`. jcheck_scan lists every bad line (also
 * corrupt ones) for `hsweep journal check`; jcheck_repair moves them, under the study lock,
 * to DIR/journal.rejected.jsonl (appended and fsynced first, never deleted) and then
 * rewrites the journal without them atomically (io/rundir.h), refusing while a job of the
 * directory is running (its readers keep byte offsets into the journal). No MPI. */
#ifndef HS_JCHECK_H
#define HS_JCHECK_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/journal.h"

typedef enum jcheck_verdict {
    JCHECK_VALID = 0,         /* a record or event that may be used */
    JCHECK_INVALID = 1,       /* id does not match its hparams, or a value out of range */
    JCHECK_FOREIGN = 2,       /* trained on another dataset than the directory's */
    JCHECK_CORRUPT = 3        /* not a record or event at all (does not parse) */
} jcheck_verdict;

typedef struct jcheck_expect {
    int id_scheme;            /* hpkey_scheme of the directory's ids (1 or 2); 0: either;
                                 -1: ids not checked (no metadata.json, or `hsweep run`, whose
                                 reuse check compares every record with its trial's id) */
    char dataset[17];         /* the directory's dataset fingerprint id, "" unknown */
} jcheck_expect;

/* One bad line of a journal. */
typedef struct jcheck_item {
    long line;                /* 1-based line number in the journal */
    jcheck_verdict verdict;   /* INVALID, FOREIGN or CORRUPT */
    char id[17];              /* the record's trial id, "" when the line does not parse */
    char why[256];            /* one-line reason, e.g. "val_mae -1 is negative" */
} jcheck_item;

/* What jcheck_read set aside and jcheck_scan found. */
typedef struct jcheck_report {
    char path[4200];          /* the journal */
    size_t records;           /* record lines seen (valid or not, parsed) */
    size_t events;            /* event lines seen */
    size_t invalid, foreign, corrupt; /* bad lines by verdict */
    jcheck_item first;        /* the first bad line (line 0: none) */
    jcheck_item *items;       /* (n_items) every bad line (jcheck_scan only; owned) */
    size_t n_items, cap_items;
} jcheck_report;

/* What DIR expects of its records, from DIR/metadata.json: sweep.id_scheme (absent: 1, a
 * directory of hsweep 0.1) and the dataset fingerprint id. Without a metadata.json (not a
 * directory `hsweep run` made: the scheme is unknown) ids are not checked (id_scheme -1) and
 * any dataset is accepted; the ranges still are. Cannot fail. */
void jcheck_expect_load(const char *dir, jcheck_expect *x);

/* The verdict on record r (VALID, INVALID or FOREIGN) and, unless VALID, a reason into
 * why[n] (may be NULL). Cannot fail. */
jcheck_verdict jcheck_record(const journal_record *r, const jcheck_expect *x, char *why, size_t n);

/* The verdict on event e (VALID or INVALID) and the reason. Cannot fail. */
jcheck_verdict jcheck_event(const journal_event *e, char *why, size_t n);

/* journal_read of path with every record jcheck_record does not call VALID set aside;
 * rep (zeroed here, no items) gets their counts and the first one. Same returns as
 * journal_read. */
int jcheck_read(const char *path, const jcheck_expect *x, journal_record **recs, size_t *n,
                journal_read_info *info, jcheck_report *rep, hs_error *err);

/* One line for `run`, `report` and `status` when records were set aside, into buf[n]:
 * "2 journal records set aside (1 invalid, 1 foreign; first DIR/journal.jsonl:4: trial
 * 0123456789abcdef: val_mae -1 is negative); `hsweep journal check DIR` lists them";
 * "" when none. dir is the run directory as the user named it. */
void jcheck_format(const jcheck_report *rep, const char *dir, char *buf, size_t n);

/* Every bad line of DIR/journal.jsonl (corrupt ones too, the last line included) into rep
 * (zeroed here; free with jcheck_report_deinit). 0, HS_ERR_IO (cannot read), HS_ERR_NOMEM. */
int jcheck_scan(const char *dir, const jcheck_expect *x, jcheck_report *rep, hs_error *err);

/* Move every bad line of DIR/journal.jsonl to DIR/journal.rejected.jsonl: under the study
 * lock (no_lock 1: without, --no-lock), the lines are appended to the side file and fsynced,
 * then the journal is rewritten without them atomically. rep gets what was moved (as
 * jcheck_scan). A crash between the two steps leaves the lines in both files, never in
 * neither. Returns 0 (also when nothing was bad), HS_ERR_STATE (a job of the directory is
 * running: its heartbeat is younger than its timeout), HS_ERR_IO, HS_ERR_NOMEM. */
int jcheck_repair(const char *dir, const jcheck_expect *x, int no_lock, jcheck_report *rep, hs_error *err);

/* Free rep's items. rep may be NULL. */
void jcheck_report_deinit(jcheck_report *rep);

/* "invalid", "foreign", "corrupt" ("valid" for VALID). */
const char *jcheck_verdict_name(jcheck_verdict v);

#endif
