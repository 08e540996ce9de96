/* test_coord: the coordinator without MPI, driven by fake workers.
 *
 * Each test makes a small sweep (trials with costs), a run directory under a mkdtemp
 * directory, and plays ranks by calling coord_next / coord_epoch / coord_result /
 * coord_stopped / coord_gone the way the transport would. Checked: longest-first
 * assignment and a clean end (every rank stopped, journal lines, tables, status.json,
 * exit code); best_model.h5 follows the best trial; max_failures stops handing out work
 * and exits 1; a signal halts once, releases the trial and exits 0; a rank that went away
 * gives its trial back; resume from a journal hands out only the unfinished trials and
 * removes stray checkpoints; a changed sweep reuses its unchanged trials, another sweep is
 * refused while a job of the first still runs, --restart sets the journal aside;
 * the tables are rewritten on the fake clock's cadence; the progress line is one plain line
 * per finished trial and per progress_every_s without one (none on a terminal, where it is
 * redrawn in place); and a toy adaptive policy (pause at
 * a rung, continue later from the budget, prune by an epoch verdict, wait when nothing is
 * free) goes through the policy interface. */
#define _XOPEN_SOURCE 700

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/journal.h"
#include "io/modelio.h"
#include "io/rundir.h"
#include "model/net.h"
#include "sweep/coord.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"

static char tmpdir[] = "/tmp/test_coord_XXXXXX";
static double fake_now = 0.0;
static double fake_clock(void) { return fake_now; }

/* A sweep of n trials with costs cost[i] (ids "000...i+1"), epochs 4. */
typedef struct fixture {
    sweep_def def;
    sweep_trial t[8];
    size_t n;
    char dir[256];
    coord c;
    FILE *log;
} fixture;

static void fixture_init(fixture *f, const char *name, size_t n, const double *cost,
                         size_t max_failures, int nranks, const coord_policy *pol) {
    memset(f, 0, sizeof *f);
    snprintf(f->def.name, sizeof f->def.name, "%s", name);
    f->def.metric = SWEEPCFG_METRIC_VAL_MAE;
    f->def.max_failures = max_failures;
    f->def.hash = 0x1234;
    f->n = n;
    for (size_t i = 0; i < n; i++) {
        fixtures_small_hp(&f->t[i].hp, HS_CELL_GRU, 100 + i);
        f->t[i].hp.epochs = 4;
        f->t[i].hp.units = 2 + i;   /* the swept axis, for the progress lines */
        expand_id_string(i + 1, f->t[i].id);
        f->t[i].cost = cost ? cost[i] : 1.0;
    }
    snprintf(f->dir, sizeof f->dir, "%s/%s", tmpdir, name);
    f->log = tmpfile();
    coord_config cfg = {0};
    cfg.def = &f->def;
    cfg.trials = f->t;
    cfg.n_trials = n;
    cfg.outdir = f->dir;
    cfg.nranks = nranks;
    cfg.policy = pol;
    cfg.clock = fake_clock;
    cfg.log = f->log;
    hs_error err;
    CHECK(coord_init(&f->c, &cfg, &err) == 0, "init: %s", err.msg);
}

static int fixture_open(fixture *f, int restart) {
    hs_error err;
    coord_open_args a = {"sweep.yaml", restart, "fake MPI", "/data.h5", NULL, 0, 0, 0.0, NULL};
    int rc = coord_open(&f->c, &a, &err);
    if (rc) fprintf(f->log, "open: %s\n", err.msg);
    return rc;
}

static void fixture_free(fixture *f) {
    coord_deinit(&f->c);
    if (f->log) fclose(f->log);
}

/* The record a worker would send for trial i. */
static void make_rec(journal_record *r, const fixture *f, size_t i, journal_status st, double val,
                     int rank) {
    journal_record_init(r);
    memcpy(r->id, f->t[i].id, sizeof r->id);
    r->hp = f->t[i].hp;
    r->status = st;
    if (st == JOURNAL_FAILED) snprintf(r->reason, sizeof r->reason, "bad config");
    r->val_mae = r->val_loss = r->test_mae = val;
    r->best_epoch = r->epochs_run = st == JOURNAL_FAILED ? 0 : 4;
    r->rank = rank;
    r->wall_s = 1.0;
}

static size_t journal_lines(const char *dir) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, RUNDIR_JOURNAL);
    FILE *fp = fopen(p, "r");
    if (!fp) return 0;
    size_t n = 0;
    for (int ch; (ch = fgetc(fp)) != EOF;) n += ch == '\n';
    fclose(fp);
    return n;
}

static int file_has(const char *dir, const char *name, const char *needle) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "r");
    if (!fp) return 0;
    char buf[8192];
    size_t k = fread(buf, 1, sizeof buf - 1, fp);
    buf[k] = '\0';
    fclose(fp);
    return needle ? strstr(buf, needle) != NULL : 1;
}

/* Finish trial i on rank as ok with metric val (no weights). */
static void finish(fixture *f, int rank, size_t i, double val) {
    journal_record r;
    make_rec(&r, f, i, JOURNAL_OK, val, rank);
    CHECK(coord_result(&f->c, rank, i, COORD_FINISHED, &r, NULL, 0) == 0, "result %zu", i);
}

/* ---- the default policy -------------------------------------------------------------------- */

static void test_default_run(void) {
    const double cost[] = {1, 5, 3, 4};
    fixture f;
    fixture_init(&f, "plain", 4, cost, 0, 3, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    CHECK(rundir_exists(f.dir) && file_has(f.dir, RUNDIR_METADATA, "0000000000001234"),
          "directory and metadata with the sweep hash");
    /* three ranks ask: longest first, full budget */
    coord_task a = coord_next(&f.c, 1), b = coord_next(&f.c, 2), c0 = coord_next(&f.c, 0);
    CHECK(a.kind == COORD_RUN && a.trial == 1 && a.until == 4, "rank 1 gets trial 1 (cost 5)");
    CHECK(b.kind == COORD_RUN && b.trial == 3, "rank 2 gets trial 3 (cost 4)");
    CHECK(c0.kind == COORD_RUN && c0.trial == 2, "rank 0 gets trial 2 (cost 3)");
    CHECK(!coord_epoch_sync(&f.c), "the default policy needs no epoch answers");
    journal_epoch m = {1, 1, 1, 1};
    CHECK(coord_epoch(&f.c, 1, 1, 1, &m) == COORD_CONTINUE && f.c.epoch[1] == 1,
          "epoch report recorded, continue");
    CHECK(coord_epoch(&f.c, 1, 3, 1, &m) == COORD_CONTINUE && f.c.epoch[1] == 1,
          "a report for a trial the rank does not run is ignored");
    finish(&f, 2, 3, 0.5);
    CHECK(journal_lines(f.dir) == 1 && file_has(f.dir, RUNDIR_STATUS, "\"running\""),
          "journaled before the next task; status.json written");
    coord_task d = coord_next(&f.c, 2);
    CHECK(d.kind == COORD_RUN && d.trial == 0, "rank 2 then gets the last trial");
    finish(&f, 1, 1, 0.7);
    CHECK(coord_next(&f.c, 1).kind == COORD_WAIT,
          "nothing pending but rank 2 trains (it may stall): rank 1 waits");
    finish(&f, 0, 2, 0.2);
    finish(&f, 2, 0, 0.9);
    CHECK(coord_next(&f.c, 0).kind == COORD_STOP && !coord_finished(&f.c), "rank 0 stops");
    CHECK(coord_next(&f.c, 2).kind == COORD_STOP && !coord_finished(&f.c), "rank 2 stops");
    CHECK(coord_next(&f.c, 1).kind == COORD_STOP && coord_finished(&f.c),
          "asked again, rank 1 stops: every rank stopped");
    CHECK(strcmp(coord_state(&f.c), "finished") == 0, "state finished");
    FILE *out = tmpfile();
    coord_summary(&f.c, out, 0);
    CHECK(coord_conclude(&f.c, out, 0) == 0, "exit 0");
    fclose(out);
    CHECK(journal_lines(f.dir) == 4, "4 journal lines");
    CHECK(file_has(f.dir, RUNDIR_RESULTS_CSV, NULL) && file_has(f.dir, RUNDIR_SUMMARY, NULL),
          "tables written at the end");
    CHECK(file_has(f.dir, RUNDIR_STATUS, "\"finished\""), "status finished");
    results_status st;
    coord_status(&f.c, "x", &st);
    CHECK(st.done == 4 && st.best == 0.2 && strcmp(st.best_id, f.t[2].id) == 0, "best is trial 2");
    fixture_free(&f);
}

/* A result on a rank that does not run that trial is refused (and consumed). */
static void test_misuse(void) {
    fixture f;
    fixture_init(&f, "misuse", 2, NULL, 0, 2, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    coord_next(&f.c, 1);
    journal_record r;
    make_rec(&r, &f, 1, JOURNAL_OK, 1.0, 0);
    CHECK(coord_result(&f.c, 0, 1, COORD_FINISHED, &r, NULL, 0) == HS_ERR_VALUE,
          "rank 0 does not run trial 1");
    CHECK(r.history == NULL && journal_lines(f.dir) == 0, "nothing journaled");
    CHECK(coord_next(&f.c, 7).kind == COORD_STOP, "an unknown rank is told to stop");
    fixture_free(&f);
}

/* best_model.h5 holds the best trial so far, written only on improvement. */
static void test_best_model(void) {
    fixture f;
    fixture_init(&f, "best", 3, NULL, 0, 1, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    char *names[3] = {"a", "b", "c"};
    double mean[3] = {0, 0, 0}, sd[3] = {1, 1, 1};
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n_features = 3;
    ds.feature_names = names;
    ds.target_name = "T";
    ds.mean = mean;
    ds.std = sd;
    coord_set_dataset(&f.c, &ds);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f.dir, RUNDIR_BEST_MODEL);
    double vals[3] = {0.5, 0.8, 0.3};
    for (size_t k = 0; k < 3; k++) {
        coord_task t = coord_next(&f.c, 0);
        size_t i = t.trial;
        net *n = net_create(&f.t[i].hp, 3, 1);
        journal_record r;
        make_rec(&r, &f, i, JOURNAL_OK, vals[k], 0);
        r.n_params = net_num_params(n);
        coord_result(&f.c, 0, i, COORD_FINISHED, &r, net_params(n), net_num_params(n));
        net_free(n);
        modelio_meta m;
        hs_error e;
        int rc = modelio_load(path, &m, NULL, 0, &e);
        const char *want = k == 1 ? "" : f.t[i].id;   /* k=1 (0.8) is not an improvement */
        if (k == 1) CHECK(rc == 0 && strcmp(m.trial_id, f.t[i].id) != 0, "not replaced by a worse");
        else CHECK(rc == 0 && strcmp(m.trial_id, want) == 0, "best model is trial %s: %s",
                   want, e.msg);
        if (rc == 0) modelio_meta_deinit(&m);
    }
    fixture_free(&f);
}

/* ---- failures and stopping ----------------------------------------------------------------- */

static void test_max_failures(void) {
    fixture f;
    fixture_init(&f, "maxfail", 5, NULL, 2, 2, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    coord_task a = coord_next(&f.c, 0), b = coord_next(&f.c, 1);
    journal_record r;
    make_rec(&r, &f, a.trial, JOURNAL_FAILED, NAN, 0);
    coord_result(&f.c, 0, a.trial, COORD_FINISHED, &r, NULL, 0);
    CHECK(!f.c.stopping && coord_next(&f.c, 0).kind == COORD_RUN, "one failure: go on");
    make_rec(&r, &f, b.trial, JOURNAL_DIVERGED, NAN, 1);
    coord_result(&f.c, 1, b.trial, COORD_FINISHED, &r, NULL, 0);
    CHECK(f.c.stopping && f.c.max_failures_hit, "two failures: stopping");
    CHECK(coord_next(&f.c, 1).kind == COORD_STOP, "no more work after max_failures");
    finish(&f, 0, 2, 1.0);
    CHECK(coord_next(&f.c, 0).kind == COORD_STOP && coord_finished(&f.c), "the run ends");
    CHECK(strcmp(coord_state(&f.c), "failed") == 0, "state failed (a signal says stopped)");
    FILE *out = tmpfile();
    CHECK(coord_conclude(&f.c, out, 0) == 1, "exit 1 after max_failures");
    fclose(out);
    CHECK(journal_lines(f.dir) == 3, "the running trial's result was still journaled");
    fixture_free(&f);
}

static void test_signal(void) {
    fixture f;
    fixture_init(&f, "signal", 3, NULL, 0, 3, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    coord_task a = coord_next(&f.c, 1), b = coord_next(&f.c, 2);
    (void)b;
    /* rank 1's trial was stopped by a signal: halt once, its trial pending again */
    CHECK(coord_stopped(&f.c, 1) == 1, "first stop halts the run");
    CHECK(sched_state_of(f.c.s, a.trial) == SCHED_PENDING, "trial released");
    CHECK(coord_halt(&f.c) == 0, "halt only once");
    CHECK(coord_next(&f.c, 1).kind == COORD_STOP, "rank 1 stops");
    CHECK(coord_stopped(&f.c, 2) == 0 && coord_next(&f.c, 2).kind == COORD_STOP, "rank 2 stops");
    CHECK(coord_next(&f.c, 0).kind == COORD_STOP && coord_finished(&f.c), "over");
    CHECK(strcmp(coord_state(&f.c), "stopped") == 0, "state stopped");
    FILE *out = tmpfile();
    CHECK(coord_conclude(&f.c, out, 15) == 0, "interrupted runs exit 0 (resumable)");
    fclose(out);
    CHECK(journal_lines(f.dir) == 0, "nothing journaled");
    fixture_free(&f);
}

static void test_gone(void) {
    fixture f;
    fixture_init(&f, "gone", 2, NULL, 0, 3, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    coord_task a = coord_next(&f.c, 1);
    coord_gone(&f.c, 1);
    CHECK(f.c.rank_state[1] == COORD_RANK_STOPPED && coord_next(&f.c, 1).kind == COORD_STOP,
          "a rank that went away is never asked again");
    coord_task b = coord_next(&f.c, 2);
    CHECK(b.kind == COORD_RUN && b.trial == a.trial, "its trial goes to another rank");
    CHECK(!f.c.stopping, "a lost rank does not stop the run");
    fixture_free(&f);
}

/* The last trial's rank stalls after the other rank found nothing pending: that rank
 * waited instead of stopping, so it takes the trial over and the run still finishes it
 * (CI once ended a 3-rank run with the handed-over trial pending). */
static void test_stall_last(void) {
    fixture f;
    fixture_init(&f, "stall", 2, NULL, 0, 3, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    coord_task a = coord_next(&f.c, 1), b = coord_next(&f.c, 2);
    CHECK(a.kind == COORD_RUN && b.kind == COORD_RUN, "both ranks train");
    finish(&f, 2, b.trial, 0.5);
    CHECK(coord_next(&f.c, 2).kind == COORD_WAIT, "rank 2 waits on rank 1's trial");
    fake_now += 2 * f.c.timeout_s;
    CHECK(coord_tick(&f.c) == 1 && f.c.stalled[1], "rank 1 declared stalled");
    coord_task c2 = coord_next(&f.c, 2);
    CHECK(c2.kind == COORD_RUN && c2.trial == a.trial, "rank 2 takes the stalled trial over");
    finish(&f, 2, a.trial, 0.4);
    CHECK(coord_next(&f.c, 2).kind == COORD_STOP, "then stops");
    CHECK(coord_next(&f.c, 0).kind == COORD_STOP, "rank 0 stops");
    CHECK(journal_lines(f.dir) == 2, "both trials journaled");
    fixture_free(&f);
}

/* ---- resume and the run directory ---------------------------------------------------------- */

static void test_resume(void) {
    fixture f;
    fixture_init(&f, "resume", 4, NULL, 0, 1, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    coord_task a = coord_next(&f.c, 0);
    finish(&f, 0, a.trial, 0.4);
    coord_task b = coord_next(&f.c, 0);
    journal_record r;
    make_rec(&r, &f, b.trial, JOURNAL_FAILED, NAN, 0);
    coord_result(&f.c, 0, b.trial, COORD_FINISHED, &r, NULL, 0);
    coord_task c = coord_next(&f.c, 0);   /* running when the job dies */
    fixture_free(&f);
    /* a stray checkpoint of a journaled trial (a crash between journal and remove) */
    char ck[512];
    rundir_ckpt_path(ck, sizeof ck, f.dir, f.t[a.trial].id);
    FILE *fp = fopen(ck, "w");
    if (fp) fclose(fp);

    fixture g;
    fixture_init(&g, "resume", 4, NULL, 0, 1, NULL);
    CHECK(fixture_open(&g, 0) == 0, "reopen");
    CHECK(g.c.resumed == 2 && g.c.failures == 1 && g.c.n_recs == 2, "2 resumed, 1 failure");
    CHECK(!rundir_exists(ck), "stray checkpoint removed");
    size_t seen = 0;
    for (coord_task t; (t = coord_next(&g.c, 0)).kind == COORD_RUN;) {
        CHECK(t.trial != a.trial && t.trial != b.trial, "finished trial %zu not rerun", t.trial);
        seen += t.trial == c.trial;
        finish(&g, 0, t.trial, 0.6);
    }
    CHECK(seen == 1 && g.c.finished_now == 2, "the interrupted trial and the last one ran");
    CHECK(journal_lines(g.dir) == 4, "4 lines");
    fixture_free(&g);
}

static void test_changed_sweep(void) {
    fixture f;
    fixture_init(&f, "changed", 2, NULL, 0, 1, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    finish(&f, 0, coord_next(&f.c, 0).trial, 1.0);
    fixture_free(&f);
    /* another sweep hash over the same trials: the finished one is reused, not refused */
    fixture g;
    fixture_init(&g, "changed", 2, NULL, 0, 1, NULL);
    g.def.hash = 0x9999;
    CHECK(fixture_open(&g, 0) == 0 && g.c.resumed == 1 && g.c.reuse.reused == 1 && g.c.reuse.fresh == 1,
          "a changed sweep reuses its unchanged trials");
    /* while g runs, neither another sweep nor a --restart may take the directory */
    fixture h;
    fixture_init(&h, "changed", 2, NULL, 0, 1, NULL);
    h.def.hash = 0x5555;
    hs_error err;
    coord_open_args a = {"sweep.yaml", 0, NULL, "/d.h5", NULL, 0, 0, 0.0, NULL};
    int rc = coord_open(&h.c, &a, &err);
    CHECK(rc == HS_ERR_STATE && strstr(err.msg, "still running another sweep") &&
          strstr(err.msg, "0000000000009999"), "refused while a job of another sweep runs: %s", err.msg);
    fixture_free(&h);
    fixture_free(&g);
    fixture_init(&h, "changed", 2, NULL, 0, 1, NULL);
    h.def.hash = 0x9999;
    CHECK(fixture_open(&h, 1) == 0 && h.c.resumed == 0, "--restart starts over");
    CHECK(journal_lines(h.dir) == 0, "a fresh journal");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q '^journal.jsonl.2'", h.dir);
    CHECK(system(cmd) == 0, "the old journal kept under a timestamp");
    fixture_free(&h);
}

/* Tables are rewritten at most every tables_every_s (10 s) of the coordinator's clock. */
static void test_tables_cadence(void) {
    fixture f;
    fake_now = 100.0;
    fixture_init(&f, "cadence", 3, NULL, 0, 1, NULL);
    CHECK(fixture_open(&f, 0) == 0, "open");
    finish(&f, 0, coord_next(&f.c, 0).trial, 1.0);
    CHECK(!file_has(f.dir, RUNDIR_RESULTS_CSV, NULL), "not after 0 s");
    fake_now = 111.0;
    finish(&f, 0, coord_next(&f.c, 0).trial, 1.0);
    CHECK(file_has(f.dir, RUNDIR_RESULTS_CSV, NULL), "rewritten after 11 s");
    fixture_free(&f);
    fake_now = 0.0;
}

/* What f's log got since *off (at most n - 1 bytes, NUL-terminated); *off moves to the end. */
static const char *log_since(fixture *f, long *off, char *buf, size_t n) {
    fflush(f->log);
    fseek(f->log, *off, SEEK_SET);
    size_t k = fread(buf, 1, n - 1, f->log);
    buf[k] = '\0';
    fseek(f->log, 0, SEEK_END);
    *off = ftell(f->log);
    return buf;
}

/* Lines (newlines) in s, and whether s has a carriage return or an escape. */
static size_t count_lines(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}
static int has_tty_codes(const char *s) { return strchr(s, '\r') || strchr(s, '\033'); }

/* Not on a terminal, the progress line is one plain line after each finished trial and after
 * progress_every_s of the coordinator's clock without one, never more often; on a terminal
 * the tick prints nothing and the line is redrawn in place (\r, erase, no newline). */
static void test_progress(void) {
    fixture f;
    char buf[4096];
    fake_now = 50.0;
    fixture_init(&f, "progress", 3, NULL, 0, 2, NULL);
    f.c.cfg.progress_every_s = 5.0;
    CHECK(fixture_open(&f, 0) == 0, "open");
    long off = 0;
    log_since(&f, &off, buf, sizeof buf);
    fake_now = 54.9;
    coord_progress_tick(&f.c);
    CHECK(!log_since(&f, &off, buf, sizeof buf)[0], "nothing before 5 s: '%s'", buf);
    fake_now = 55.0;
    coord_progress_tick(&f.c);
    coord_progress_tick(&f.c);
    log_since(&f, &off, buf, sizeof buf);
    CHECK(count_lines(buf) == 1 && strncmp(buf, "finished 0/3  running 0  failed 0  elapsed 5s  eta ", 51) == 0 &&
          !has_tty_codes(buf), "one plain line after 5 s, once: '%s'", buf);
    coord_task a = coord_next(&f.c, 0);
    fake_now = 59.9;
    coord_progress_tick(&f.c);
    CHECK(!log_since(&f, &off, buf, sizeof buf)[0], "nothing 4.9 s after the last line: '%s'", buf);
    fake_now = 60.0;
    coord_progress_tick(&f.c);
    log_since(&f, &off, buf, sizeof buf);
    CHECK(count_lines(buf) == 1 && strncmp(buf, "finished 0/3  running 1  ", 25) == 0, "a running trial: '%s'", buf);
    fake_now = 61.0;
    finish(&f, 0, a.trial, 1.5);
    log_since(&f, &off, buf, sizeof buf);
    const char *second = strchr(buf, '\n');
    CHECK(count_lines(buf) == 2 && strncmp(buf, "[rank 0] trial ", 15) == 0 && second &&
          strncmp(second + 1, "finished 1/3  running 0  failed 0  elapsed 11s  ", 48) == 0 &&
          strstr(second, "best val_mae 1.5000 (") && !has_tty_codes(buf),
          "a finished trial: its line, then the progress line: '%s'", buf);
    fake_now = 65.9;
    coord_progress_tick(&f.c);
    CHECK(!log_since(&f, &off, buf, sizeof buf)[0], "a finished trial's line restarts the 5 s: '%s'", buf);
    fake_now = 66.0;
    coord_progress_tick(&f.c);
    CHECK(count_lines(log_since(&f, &off, buf, sizeof buf)) == 1, "then one line: '%s'", buf);
    /* on a terminal */
    f.c.cfg.tty = 1;
    fake_now = 100.0;
    coord_progress_tick(&f.c);
    CHECK(!log_since(&f, &off, buf, sizeof buf)[0], "no tick on a terminal: '%s'", buf);
    finish(&f, 0, coord_next(&f.c, 0).trial, 2.0);
    log_since(&f, &off, buf, sizeof buf);
    size_t len = strlen(buf);
    CHECK(strncmp(buf, "\r\033[K[rank 0] trial ", 19) == 0 && count_lines(buf) == 1 && len > 0 &&
          buf[len - 1] != '\n' && strstr(buf, "\nfinished 2/3  "), "the live line on a terminal: '%s'", buf);
    fixture_free(&f);
    fake_now = 0.0;
}

/* ---- a toy adaptive policy through the interface ------------------------------------------- */

/* New trials train to epoch 2 (a rung), paused ones continue to the full budget; trial 0 is
 * pruned at its first epoch report; when only running or pruned trials remain, ranks wait. */
typedef struct toy {
    int paused[8];            /* trial reached the rung and waits for promotion */
    int pruned[8];            /* trial was pruned */
    int results[4];           /* on_result calls per coord_outcome */
} toy;

static coord_task toy_next(void *state, const coord *c, int rank) {
    (void)rank;
    toy *t = state;
    for (size_t i = 0; i < c->cfg.n_trials; i++)
        if (t->paused[i] && sched_state_of(c->s, i) == SCHED_PENDING)
            return (coord_task){COORD_RUN, i, 0};
    for (size_t i = 0; i < c->cfg.n_trials; i++)
        if (!t->paused[i] && !t->pruned[i] && sched_state_of(c->s, i) == SCHED_PENDING)
            return (coord_task){COORD_RUN, i, 2};
    return (coord_task){sched_running(c->s) ? COORD_WAIT : COORD_STOP, 0, 0};
}

static coord_verdict toy_epoch(void *state, const coord *c, int rank, size_t trial,
                               size_t epoch, const journal_epoch *m) {
    (void)state;
    (void)c;
    (void)rank;
    (void)m;
    return trial == 0 && epoch == 1 ? COORD_PRUNE : COORD_CONTINUE;
}

static void toy_result(void *state, const coord *c, size_t trial, coord_outcome how,
                       const journal_record *rec) {
    (void)c;
    (void)rec;
    toy *t = state;
    t->results[how]++;
    if (how == COORD_PAUSED) t->paused[trial] = 1;
    if (how == COORD_PRUNED) t->pruned[trial] = 1;
}

static void test_policy(void) {
    toy st;
    memset(&st, 0, sizeof st);
    coord_policy pol = {toy_next, toy_epoch, toy_result, &st, NULL};
    const double cost[] = {3, 2};
    fixture f;
    fixture_init(&f, "policy", 2, cost, 0, 2, &pol);
    CHECK(fixture_open(&f, 0) == 0, "open");
    CHECK(coord_epoch_sync(&f.c), "a policy with on_epoch wants answers");
    coord_task a = coord_next(&f.c, 0), b = coord_next(&f.c, 1);
    CHECK(a.kind == COORD_RUN && a.trial == 0 && a.until == 2, "trial 0 to the rung");
    CHECK(b.kind == COORD_RUN && b.trial == 1 && b.until == 2, "trial 1 to the rung");
    journal_epoch m = {1, 1, 1, 1};
    CHECK(coord_epoch(&f.c, 0, 0, 1, &m) == COORD_PRUNE, "trial 0 pruned at epoch 1");
    journal_record r;
    make_rec(&r, &f, 0, JOURNAL_OK, 1.0, 0);
    CHECK(coord_result(&f.c, 0, 0, COORD_PRUNED, &r, NULL, 0) == 0, "pruned result");
    CHECK(st.results[COORD_PRUNED] == 1 && sched_state_of(f.c.s, 0) == SCHED_DONE,
          "pruned: done for the scheduler, told to the policy");
    CHECK(journal_lines(f.dir) == 1, "a pruned trial is journaled (status pruned)");
    coord_task w = coord_next(&f.c, 0);
    CHECK(w.kind == COORD_WAIT && f.c.n_waiting == 1, "rank 0 waits: trial 1 is running");
    CHECK(coord_epoch(&f.c, 1, 1, 1, &m) == COORD_CONTINUE, "trial 1 continues");
    make_rec(&r, &f, 1, JOURNAL_OK, 0.5, 1);
    coord_result(&f.c, 1, 1, COORD_PAUSED, &r, NULL, 0);
    CHECK(st.results[COORD_PAUSED] == 1 && sched_state_of(f.c.s, 1) == SCHED_PENDING,
          "paused at the rung: pending again");
    /* the waiting rank is asked again and continues the paused trial on another rank */
    coord_task p = coord_next(&f.c, 0);
    CHECK(p.kind == COORD_RUN && p.trial == 1 && p.until == 4 && f.c.n_waiting == 0,
          "promoted: trial 1 continues to its full budget on rank 0");
    CHECK(coord_next(&f.c, 1).kind == COORD_WAIT, "rank 1 waits");
    finish(&f, 0, 1, 0.4);
    CHECK(st.results[COORD_FINISHED] == 1 && journal_lines(f.dir) == 3,
          "finished, journaled (after the pruned and the paused records)");
    CHECK(coord_next(&f.c, 1).kind == COORD_STOP && coord_next(&f.c, 0).kind == COORD_STOP &&
          coord_finished(&f.c), "nothing left: both ranks stop");
    fixture_free(&f);
}

/* ---- a policy that creates trials while the sweep runs (coord_add_trial, as TPE does) ---- */

/* Each free rank gets a new trial with id 0x1000 - k (ids in descending order, so the id
 * index must insert, not append), up to `total`; then wait while any runs, then stop. */
typedef struct grower {
    coord *c;                 /* the coordinator, to grow its list */
    size_t total;             /* trials to create */
    size_t made;              /* created so far */
    int add_rc;               /* first non-zero coord_add_trial return */
} grower;

static coord_task grower_next(void *state, const coord *c, int rank) {
    (void)rank;
    grower *g = state;
    if (g->made < g->total) {
        sweep_trial t = c->cfg.trials[0];
        t.hp.units = 3 + g->made;
        expand_id_string(0x1000 - g->made, t.id);
        size_t idx = SIZE_MAX;
        hs_error e;
        int rc = coord_add_trial(g->c, &t, &idx, &e);
        if (rc && !g->add_rc) g->add_rc = rc;
        g->made++;
        if (rc == 0) return (coord_task){COORD_RUN, idx, 0};
    }
    return (coord_task){sched_running(c->s) ? COORD_WAIT : COORD_STOP, 0, 0};
}

static void test_add_trial(void) {
    grower g = {NULL, 100, 0, 0};
    coord_policy pol = {grower_next, NULL, NULL, &g, NULL};
    fixture f;
    fixture_init(&f, "grow", 1, NULL, 0, 2, &pol);
    g.c = &f.c;
    CHECK(fixture_open(&f, 0) == 0, "open");
    for (size_t k = 0; k < g.total; k++) {
        int rank = (int)(k % 2);
        coord_task t = coord_next(&f.c, rank);
        CHECK(t.kind == COORD_RUN && t.trial == k + 1 && t.until == 4,
              "new trial %zu handed out (kind %d, trial %zu)", k, (int)t.kind, t.trial);
        if (t.kind != COORD_RUN) break;
        journal_record r;
        journal_record_init(&r);
        memcpy(r.id, f.c.cfg.trials[t.trial].id, sizeof r.id);
        r.hp = f.c.cfg.trials[t.trial].hp;
        r.status = JOURNAL_OK;
        r.val_mae = r.val_loss = r.test_mae = 1.0 + (double)k;
        r.best_epoch = r.epochs_run = 4;
        r.rank = rank;
        CHECK(coord_result(&f.c, rank, t.trial, COORD_FINISHED, &r, NULL, 0) == 0, "result");
    }
    CHECK(g.add_rc == 0 && f.c.cfg.n_trials == 101 && sched_total(f.c.s) == 101,
          "the list grew to 101 trials (past the first capacity)");
    int found = 1;
    for (size_t i = 0; i < f.c.cfg.n_trials; i++)
        found &= coord_find(&f.c, f.c.cfg.trials[i].id) == i;
    CHECK(found, "every trial found by id after the inserts");
    CHECK(journal_lines(f.dir) == 100 && sched_done(f.c.s) == 100, "100 results journaled");
    CHECK(f.c.n_swept == 1 && f.c.swept[0] == SWEEPCFG_UNITS, "the swept axis noticed");
    sweep_trial dup = f.c.cfg.trials[5];
    size_t idx;
    hs_error e;
    CHECK(coord_add_trial(&f.c, &dup, &idx, &e) == HS_ERR_VALUE && idx == SIZE_MAX,
          "an id already in the list is refused");
    /* the grower never hands out the fixture's own trial 0 */
    coord_task t0 = coord_next(&f.c, 0);
    CHECK(t0.kind == COORD_STOP, "the grower leaves trial 0 alone: stop");
    fixture_free(&f);
    /* a second job on the directory with the grown list reuses every journaled record */
    fixture f2;
    fixture_init(&f2, "grow", 1, NULL, 0, 1, NULL);
    for (size_t k = 0; k < 100; k++) {
        sweep_trial t = f2.t[0];
        t.hp.units = 3 + k;
        expand_id_string(0x1000 - k, t.id);
        CHECK(coord_add_trial(&f2.c, &t, &idx, &e) == 0 && idx == k + 1, "re-add %zu", k);
    }
    CHECK(fixture_open(&f2, 0) == 0 && f2.c.resumed == 100, "100 resumed after the re-adds "
          "(resumed %zu)", f2.c.resumed);
    fixture_free(&f2);
}

/* A policy that picks a trial that is not pending is a bug: the rank is stopped. */
static coord_task bad_next(void *state, const coord *c, int rank) {
    (void)state;
    (void)c;
    (void)rank;
    return (coord_task){COORD_RUN, 99, 0};
}

static void test_bad_policy(void) {
    coord_policy pol = {bad_next, NULL, NULL, NULL, NULL};
    fixture f;
    fixture_init(&f, "badpolicy", 1, NULL, 0, 1, &pol);
    CHECK(coord_next(&f.c, 0).kind == COORD_STOP, "invalid choice stops the rank");
    fixture_free(&f);
}

int main(void) {
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_default_run();
    test_misuse();
    test_best_model();
    test_max_failures();
    test_signal();
    test_gone();
    test_stall_last();
    test_resume();
    test_changed_sweep();
    test_tables_cadence();
    test_progress();
    test_policy();
    test_add_trial();
    test_bad_policy();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_failures("test_coord");
}
