/* test_status: the state of a run directory from its job files. A running job, a job whose
 * heartbeat is older than its timeout (stale), a stopped and a failed one: the study is
 * running while any job runs, stale when only stale jobs are left, else the state of the
 * job that ended last, finished when every trial is done; counts, best and per-rank lines
 * come from the freshest job's view, or from the journal when no job wrote one; the JSON
 * form parses and keeps the keys of the 0.1 status.json. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/jobfile.h"
#include "io/journal.h"
#include "io/json.h"
#include "sweep/status.h"
#include "tests/test_util.h"

static char dir[256];
static double t0;   /* "now" for every status taken: ages are exact */

/* Write job `key` in state `state`, its file's mtime `age` seconds in the past. */
static void job(const char *key, const char *state, double age, double timeout, size_t done) {
    jobfile j;
    memset(&j, 0, sizeof j);
    snprintf(j.job, sizeof j.job, "%s", key);
    snprintf(j.host, sizeof j.host, "node1");
    snprintf(j.state, sizeof j.state, "%s", state);
    snprintf(j.metric, sizeof j.metric, "val_mae");
    j.ranks = 2;
    j.timeout_s = timeout;
    j.started = t0 - 100;
    j.total = 24;
    j.done = done;
    j.failed = 1;
    j.running = 2;
    j.eta_s = 60;
    j.best = 0.5;
    snprintf(j.best_id, sizeof j.best_id, "00000000000000ab");
    jobfile_worker w[3] = {{0, "0123456789abcdef", 3, 10, t0 - 40, t0 - 2, 0},
                           {1, "", 0, 0, 0, 0, 0},
                           {2, "", 0, 0, 0, t0 - 70, 1}};
    j.workers = w;
    j.n_workers = 3;
    hs_error e;
    CHECK(jobfile_write(dir, &j, NULL, &e) == 0, "write %s: %s", key, e.msg);
    char path[400];
    snprintf(path, sizeof path, "%s/jobs/%s.json", dir, key);
    struct timespec t[2];
    t[0].tv_sec = (time_t)(t0 - age);
    t[0].tv_nsec = 0;
    t[1] = t[0];
    utimensat(AT_FDCWD, path, t, 0);
}

static void expect(const char *state, size_t n_jobs, const char *what) {
    status_info st;
    hs_error e;
    int rc = status_collect(dir, t0, &st, &e);
    CHECK(rc == 0 && strcmp(st.state, state) == 0 && st.n_jobs == n_jobs, "%s: rc %d state %s (want %s), %zu jobs",
          what, rc, st.state, state, st.n_jobs);
    status_deinit(&st);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/test_status.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    t0 = (double)time(NULL);
    status_info st;
    hs_error e;
    CHECK(status_collect(dir, -1, &st, &e) == HS_ERR_IO && strstr(e.msg, "not a run directory"), "empty: %s", e.msg);

    /* no job file yet: counts and best from the journal */
    journal *j = journal_open_append(dir, &e);
    for (int k = 0; k < 3; k++) {
        journal_record r;
        journal_record_init(&r);
        snprintf(r.id, sizeof r.id, "%016x", 0xa0 + k);
        r.val_mae = 2.0 - k * 0.5;
        r.status = k == 2 ? JOURNAL_FAILED : JOURNAL_OK;
        journal_append(j, &r, &e);
    }
    journal_close(j);
    CHECK(status_collect(dir, -1, &st, &e) == 0 && st.done == 2 && st.failed == 1 && strcmp(st.state, "new") == 0 &&
          st.best == 1.5 && strcmp(st.best_id, "00000000000000a1") == 0,
          "from the journal: done %zu failed %zu state %s best %g %s", st.done, st.failed, st.state, st.best, st.best_id);
    status_deinit(&st);

    job("node1.100", "running", 0, 30, 10);
    job("node2.200", "running", 100, 30, 8);      /* silent for 100 s, timeout 30 s */
    job("node3.300", "stopped", 50, 30, 5);
    expect("running", 3, "one running");
    CHECK(status_collect(dir, t0, &st, &e) == 0, "collect");
    CHECK(strcmp(st.jobs[1].state, "stale") == 0 || strcmp(st.jobs[0].state, "stale") == 0 ||
          strcmp(st.jobs[2].state, "stale") == 0, "the silent job is stale");
    CHECK(st.done == 10 && st.failed == 1 && st.running == 2 && st.pending == 11 && st.total == 24 && st.ranks == 2 &&
          st.eta_s == 60 && st.best == 0.5, "the freshest view: done %zu pending %zu ranks %d", st.done, st.pending,
          st.ranks);
    char text[4096] = "";
    FILE *f = fmemopen(text, sizeof text, "w");
    status_print(f, &st);
    fclose(f);
    CHECK(strstr(text, "running: 11/24 finished (1 failed), 2 running, 11 pending; best val_mae 0.5000 (00000000)") &&
          strstr(text, "job node2.200: stale, 2 ranks") && strstr(text, "(timeout 30s: its trials are handed to other jobs)") &&
          strstr(text, "  rank 0: trial 0123456789abcdef epoch 3/10, last report 2s ago, elapsed 40s") &&
          strstr(text, "  rank 1: idle") &&
          strstr(text, "  rank 2: STALLED, no report for 1m10s: its trial was handed to another rank"),
          "text:\n%s", text);
    strbuf sb;
    strbuf_init(&sb);
    status_json(&sb, &st);
    json_value *root = NULL;
    CHECK(json_parse(sb.data, sb.len, &root, &e) == 0, "json: %s", e.msg);
    static const char *keys[] = {"state", "total", "done", "failed", "running", "pending", "elapsed_s", "eta_s",
                                 "metric", "best", "best_id", "ranks", "updated_unix", "jobs"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) CHECK(json_get(root, keys[k]) != NULL, "key %s", keys[k]);
    const json_value *jobs = json_get(root, "jobs");
    CHECK(jobs && jobs->n == 3 && json_get(jobs->items[0], "workers")->n == 3, "jobs and workers in JSON");
    json_free(root);
    strbuf_deinit(&sb);
    status_deinit(&st);

    job("node1.100", "failed", 10, 30, 10);        /* the running job fails last */
    expect("stale", 3, "only a stale job left");
    job("node2.200", "stopped", 20, 30, 10);
    expect("failed", 3, "the job that ended last failed");
    job("node1.100", "finished", 5, 30, 23);       /* 23 done + 1 failed = 24 */
    expect("finished", 3, "every trial done");

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return test_failures("test_status");
}
