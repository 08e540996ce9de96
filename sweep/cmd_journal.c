/* cmd_journal: `hsweep journal check DIR` lists the journal lines of a run directory that
 * cannot be trusted (invalid, foreign or corrupt: io/jcheck.h), `hsweep journal repair DIR`
 * moves them to DIR/journal.rejected.jsonl under the study lock. Neither deletes anything. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "io/jcheck.h"
#include "io/rundir.h"
#include "sweep/cmd.h"

static void journal_usage(FILE *f) {
    fprintf(f, "usage: hsweep journal check DIR\n"
               "       hsweep journal repair DIR [--no-lock]\n\n"
               "check: list every line of DIR/journal.jsonl that run and report set aside, with its\n"
               "line number and reason: invalid (the id is not the hash of the record's hparams\n"
               "and repeat, or a value is out of range: a negative metric, best_epoch > epochs_run,\n"
               "epochs_run > epochs, ...), foreign (trained on another dataset than DIR's) or\n"
               "corrupt (not a record at all). Only reads.\n"
               "repair: move those lines to DIR/%s (appended, never deleted) and\n"
               "rewrite the journal without them atomically, holding the study lock; refused while\n"
               "a job of DIR is running. A corrupt line in the middle of the journal, which run\n"
               "and report refuse, is moved too.\n\n"
               "  --no-lock   repair without the study lock (a file system without locking)\n"
               "  -h, --help  this help\n\n"
               "Exit status: check: 0 every line can be trusted, 1 some cannot; repair: 0 done\n"
               "(also when nothing was to move), 1 refused or failed; 2 bad usage or no journal.\n",
            RUNDIR_REJECTED);
}

/* Print rep's bad lines, one per line: "DIR/journal.jsonl:4: invalid: trial ID: why". */
static void journal_print_items(FILE *f, const jcheck_report *rep) {
    for (size_t i = 0; i < rep->n_items; i++) {
        const jcheck_item *it = &rep->items[i];
        fprintf(f, "%s:%ld: %s: ", rep->path, it->line, jcheck_verdict_name(it->verdict));
        if (it->id[0]) fprintf(f, "trial %s: ", it->id);
        fprintf(f, "%s\n", it->why);
    }
}

int cmd_journal(int argc, char **argv) {
    const char *op = NULL, *dir = NULL;
    int no_lock = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            journal_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--no-lock") == 0) no_lock = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hsweep journal: unknown flag '%s' (see hsweep journal --help)\n", argv[i]);
            return 2;
        } else if (!op) op = argv[i];
        else if (!dir) dir = argv[i];
        else {
            fprintf(stderr, "hsweep journal: more than one directory ('%s')\n", argv[i]);
            return 2;
        }
    }
    int repair = op && strcmp(op, "repair") == 0;
    if (!op || (!repair && strcmp(op, "check") != 0)) {
        fprintf(stderr, "hsweep journal: expected 'check' or 'repair', got '%s' (see hsweep journal --help)\n",
                op ? op : "nothing");
        return 2;
    }
    if (!dir) {
        fprintf(stderr, "hsweep journal %s: missing DIR (see hsweep journal --help)\n", op);
        return 2;
    }
    if (no_lock && !repair) {
        fprintf(stderr, "hsweep journal check: --no-lock is for repair (check only reads)\n");
        return 2;
    }
    char path[4200];
    struct stat st;
    if (rundir_path(path, sizeof path, dir, RUNDIR_JOURNAL, NULL) != 0 || stat(path, &st) != 0) {
        fprintf(stderr, "hsweep journal %s: %s: no journal (%s) here\n", op, dir, RUNDIR_JOURNAL);
        return 2;
    }
    jcheck_expect x;
    jcheck_expect_load(dir, &x);
    jcheck_report rep;
    hs_error err;
    int rc = repair ? jcheck_repair(dir, &x, no_lock, &rep, &err) : jcheck_scan(dir, &x, &rep, &err);
    if (rc != 0) {
        char msg[1600];
        hs_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "hsweep journal %s: %s\n", op, msg);
        jcheck_report_deinit(&rep);
        return 1;
    }
    journal_print_items(stdout, &rep);
    size_t bad = rep.invalid + rep.foreign + rep.corrupt;
    if (repair && bad)
        printf("%s: moved %zu line%s (%zu invalid, %zu foreign, %zu corrupt) to %s/%s\n", rep.path, bad,
               bad == 1 ? "" : "s", rep.invalid, rep.foreign, rep.corrupt, dir, RUNDIR_REJECTED);
    else
        printf("%s: %zu records, %zu events, %zu invalid, %zu foreign, %zu corrupt line%s%s\n", rep.path,
               rep.records, rep.events, rep.invalid, rep.foreign, rep.corrupt, rep.corrupt == 1 ? "" : "s",
               repair ? "; nothing to move" : "");
    jcheck_report_deinit(&rep);
    return repair ? 0 : bad > 0;
}
