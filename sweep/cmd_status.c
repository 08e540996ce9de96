/* cmd_status: `hsweep status DIR [--json]`: what the jobs of a run directory are doing now
 * (sweep/status.h). Only reads; safe at any time, from any node that sees the directory. */
#include <stdio.h>
#include <string.h>

#include "io/strbuf.h"
#include "sweep/cmd.h"
#include "sweep/status.h"

static void status_usage(FILE *f) {
    fprintf(f, "usage: hsweep status DIR [--json]\n\n"
               "What the jobs working on run directory DIR are doing now: per job its state\n"
               "(running, stale = no heartbeat for its timeout, finished, stopped by a signal,\n"
               "failed) and last heartbeat, per rank its trial, epoch, last report and elapsed\n"
               "time; finished/running/pending/failed counts, the best trial so far and the ETA.\n\n"
               "  --json      one JSON object instead (the format of DIR/status.json)\n"
               "  -h, --help  this help\n\n"
               "Exit status: 0 (whatever the sweep's state), 1 DIR is not a run directory, 2 bad usage.\n");
}

int cmd_status(int argc, char **argv) {
    const char *dir = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            status_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hsweep status: unknown flag '%s' (see hsweep status --help)\n", argv[i]);
            return 2;
        } else if (!dir) dir = argv[i];
        else {
            fprintf(stderr, "hsweep status: more than one directory ('%s')\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "hsweep status: missing DIR (see hsweep status --help)\n");
        return 2;
    }
    status_info st;
    hs_error err;
    if (status_collect(dir, -1, &st, &err) != 0) {
        char msg[1600];
        hs_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "hsweep status: %s\n", msg);
        return 1;
    }
    if (json) {
        strbuf sb;
        strbuf_init(&sb);
        status_json(&sb, &st);
        fputs(strbuf_str(&sb), stdout);
        strbuf_deinit(&sb);
    } else {
        status_print(stdout, &st);
    }
    status_deinit(&st);
    return 0;
}
