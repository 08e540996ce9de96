/* test_study: several processes on one run directory, through the real files.
 *
 * The lock: 8 processes x 150 read-modify-write cycles of a counter file under the study
 * lock end at exactly 1,200 (mutual exclusion); a lock left by a process that died holding
 * it is broken (same host, dead pid); a lock file from another host older than the stale
 * limit is broken, a fresh one is waited for and named in the timeout message; --no-lock
 * creates no file. The study: 4 worker processes claim and journal 60 trials while one
 * victim claims a trial and exits without finishing (a kill -9: same host, dead pid) and
 * another claims one, heartbeats once and stops itself (SIGSTOP: alive but silent) with a
 * 1 s heartbeat timeout. Checked: every trial journaled exactly once, both abandoned trials
 * claimed again by another job, and the stopped victim, continued after the others
 * finished, has its late result discarded. A sweep that runs alone (study_opts.alone): a
 * second job is refused while the first is live, a shared sweep is not (negative control),
 * a job opens once the first ended or died, and of 6 jobs starting together exactly one
 * opens. Three jobs working in lock holds (hsweep run's service rounds) journal every trial
 * once, and a hold rereads only what the job itself appended (a record written past the
 * lock is seen at the next hold). Prints the lock's hold and wait times. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/claimlog.h"
#include "io/journal.h"
#include "io/rundir.h"
#include "io/studylock.h"
#include "sweep/study.h"
#include "tests/test_util.h"

static char dir[256];

static void nap(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* ---- the lock ------------------------------------------------------------------------------ */

static int counter_cycle(const char *path) {
    FILE *f = fopen(path, "r");
    long v = 0;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1) v = -1000000;
        fclose(f);
    }
    f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "%ld\n", v + 1);
    fclose(f);
    return 0;
}

static void test_lock(void) {
    char d[300], counter[400];
    snprintf(d, sizeof d, "%s/lock", dir);
    mkdir(d, 0755);
    snprintf(counter, sizeof counter, "%s/counter", d);
    enum { P = 8, CYCLES = 150 };
    pid_t pids[P];
    for (int p = 0; p < P; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            studylock lk;
            hs_error e;
            int bad = studylock_init(&lk, d, 0, -1, 0, &e) != 0;
            for (int c = 0; c < CYCLES && !bad; c++) {
                bad |= studylock_acquire(&lk, &e) != 0;
                bad |= counter_cycle(counter) != 0;
                bad |= studylock_release(&lk) != 0;
            }
            if (p == 0)
                printf("lock: %zu acquires by one of %d processes, hold mean %.3f ms max %.3f ms, wait mean "
                       "%.3f ms\n", lk.n_acquired, P, 1e3 * lk.hold_total_s / (double)lk.n_acquired,
                       1e3 * lk.hold_max_s, 1e3 * lk.wait_total_s / (double)lk.n_acquired);
            _exit(bad);
        }
    }
    int bad = 0;
    for (int p = 0; p < P; p++) {
        int st;
        waitpid(pids[p], &st, 0);
        bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    FILE *f = fopen(counter, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1) v = -1;
        fclose(f);
    }
    CHECK(bad == 0 && v == P * CYCLES, "mutual exclusion: counter %ld, expected %d (%d bad)", v, P * CYCLES, bad);

    /* a holder that dies holding the lock */
    studylock lk;
    hs_error e;
    pid_t pid = fork();
    if (pid == 0) {
        studylock_init(&lk, d, 0, -1, 0, &e);
        _exit(studylock_acquire(&lk, &e) != 0);
    }
    int st;
    waitpid(pid, &st, 0);
    char lockpath[400];
    snprintf(lockpath, sizeof lockpath, "%s/%s", d, RUNDIR_LOCK);
    struct stat sb;
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && stat(lockpath, &sb) == 0, "the dead holder left its lock");
    studylock_init(&lk, d, 0, 5.0, 0, &e);
    CHECK(studylock_acquire(&lk, &e) == 0 && lk.n_broken == 1, "a dead holder's lock is broken: %s", e.msg);
    studylock_release(&lk);

    /* another host's lock: waited for while fresh, broken when older than the limit */
    f = fopen(lockpath, "w");
    fprintf(f, "elsewhere.example 12345 1.0\n");
    fclose(f);
    studylock_init(&lk, d, 30.0, 0.3, 0, &e);
    CHECK(studylock_acquire(&lk, &e) == HS_ERR_STATE && strstr(e.msg, "elsewhere.example 12345"),
          "a fresh foreign lock is waited for, then named: %s", e.msg);
    struct timespec old[2];
    clock_gettime(CLOCK_REALTIME, &old[0]);
    old[0].tv_sec -= 120;
    old[1] = old[0];
    utimensat(AT_FDCWD, lockpath, old, 0);
    CHECK(studylock_acquire(&lk, &e) == 0 && lk.n_broken == 1, "a 120 s old foreign lock is broken: %s", e.msg);
    CHECK(studylock_release(&lk) == 0 && stat(lockpath, &sb) != 0, "released and removed");
    studylock_init(&lk, d, 0, -1, 1, &e);
    CHECK(studylock_acquire(&lk, &e) == 0 && stat(lockpath, &sb) != 0, "--no-lock creates no lock file");
    studylock_release(&lk);
    remove(counter);
    rmdir(d);
}

/* ---- the study ------------------------------------------------------------------------------ */

enum { N = 60 };
static sweep_trial trials[N];

static void make_trials(void) {
    for (size_t i = 0; i < N; i++) {
        memset(&trials[i], 0, sizeof trials[i]);
        hparams_default(&trials[i].hp);
        trials[i].hp.units = 1 + i;
        trials[i].hp.seed = 1000 + i;
        expand_id_string(0x1234000000000000ULL + i * 0x10001ULL, trials[i].id);
    }
}

static study *open_study(double timeout, hs_error *e) {
    study_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_s = timeout;
    o.lock_wait_s = 30;
    o.dataset_id = "00000000000000aa";
    reuse_counts c;
    return study_open(dir, trials, N, NULL, &o, &c, e);
}

static int finish(study *s, size_t i, int *late) {
    journal_record r;
    journal_record_init(&r);
    memcpy(r.id, trials[i].id, 17);
    r.hp = trials[i].hp;
    r.val_mae = (double)i;
    r.rank = (int)getpid();
    hs_error e;
    int rc = study_finish(s, i, &r, late, &e);
    if (rc) fprintf(stderr, "finish: %s\n", e.msg);
    return rc;
}

/* A worker job: claim, "train" a few ms with heartbeats, journal, until nothing is left. */
static int worker(void) {
    hs_error e;
    study *s = open_study(1.0, &e);
    if (!s) {
        fprintf(stderr, "worker: %s\n", e.msg);
        return 1;
    }
    int bad = 0;
    jobfile jf;
    memset(&jf, 0, sizeof jf);
    for (;;) {
        size_t i;
        int stale, late;
        if (study_claim(s, 0, &i, &stale, &e) != 0) { bad++; break; }
        if (i == CLAIM_NONE) {
            if (study_remaining(s) == 0) break;
            /* others hold the rest: wait for them, or for their heartbeat to time out */
            study_heartbeat(s, &jf, &e);
            nap(0.05);
            study_sync(s, &e);
            continue;
        }
        nap(0.002 + 0.001 * (double)(i % 5));
        bad += study_heartbeat(s, &jf, &e) != 0;
        bad += finish(s, i, &late) != 0;
    }
    bad += study_lock_stats(s)->n_lost != 0;
    study_close(s, "finished", NULL);
    return bad;
}

/* Claim one trial, then exit (mode 0, a kill -9) or stop (mode 1); after SIGCONT, try to
 * journal it: exit 0 when the late result is discarded. */
static int victim(int mode, int ready_fd) {
    hs_error e;
    study *s = open_study(1.0, &e);
    if (!s) return 10;
    size_t i;
    int stale, late = 0;
    if (study_claim(s, 0, &i, &stale, &e) != 0 || i == CLAIM_NONE) return 11;
    if (write(ready_fd, "x", 1) != 1) return 12;
    if (mode == 0) _exit(0);
    raise(SIGSTOP);
    if (finish(s, i, &late) != 0) return 13;
    int rc = late ? 0 : 14;
    study_close(s, "stopped", "test");
    return rc;
}

static void test_study(void) {
    make_trials();
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_t v[2];
    for (int m = 0; m < 2; m++) {
        v[m] = fork();
        if (v[m] == 0) _exit(victim(m, fds[1]));
    }
    char buf[2];
    CHECK(read(fds[0], buf, 1) == 1 && read(fds[0], buf + 1, 1) == 1, "victims claimed");
    int st;
    waitpid(v[0], &st, 0);   /* reaped: its pid no longer exists (a zombie still would) */
    enum { W = 4 };
    pid_t w[W];
    for (int k = 0; k < W; k++) {
        w[k] = fork();
        if (w[k] == 0) _exit(worker());
    }
    int bad = 0;
    for (int k = 0; k < W; k++) {
        waitpid(w[k], &st, 0);
        bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    CHECK(bad == 0, "%d workers failed", bad);
    kill(v[1], SIGCONT);
    waitpid(v[1], &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the stopped victim's late result is discarded (exit %d)",
          WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close(fds[0]);
    close(fds[1]);

    /* every trial exactly once in the journal */
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    journal_record *recs = NULL;
    size_t n = 0;
    journal_read_info info;
    hs_error e;
    CHECK(journal_read(path, &recs, &n, &info, &e) == 0, "read: %s", e.msg);
    CHECK(n == N && info.duplicates == 0 && info.lines == N, "%zu records, %zu lines, %zu duplicates", n,
          info.lines, info.duplicates);
    int seen[N] = {0};
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < N; i++)
            if (strcmp(recs[k].id, trials[i].id) == 0) seen[i]++;
    int once = 1;
    for (size_t i = 0; i < N; i++) once &= seen[i] == 1;
    CHECK(once, "every trial journaled once");
    CHECK(n > 0 && strcmp(recs[0].dataset, "00000000000000aa") == 0, "records carry the dataset fingerprint");
    journal_records_free(recs, n);

    /* the claim journal: the two abandoned trials were claimed twice by different jobs */
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_CLAIMS);
    FILE *f = fopen(path, "r");
    char line[512], owner[N][128];
    int claims[N] = {0}, reissued = 0;
    while (f && fgets(line, sizeof line, f)) {
        claimlog_event ev;
        if (claimlog_parse(line, strcspn(line, "\n"), &ev, &e) != 0) { CHECK(0, "claim line: %s", e.msg); continue; }
        for (size_t i = 0; i < N; i++) {
            if (strcmp(ev.id, trials[i].id) != 0 || ev.op != CLAIMLOG_CLAIM) continue;
            if (claims[i]++ > 0 && strcmp(owner[i], ev.owner) != 0) reissued++;
            snprintf(owner[i], sizeof owner[i], "%s", ev.owner);
        }
    }
    if (f) fclose(f);
    CHECK(reissued == 2, "the dead and the stopped job's trials were claimed again: %d", reissued);

    /* a second open sees everything done and reuses it all */
    study_opts o;
    memset(&o, 0, sizeof o);
    o.dataset_id = "00000000000000aa";
    reuse_counts c;
    study *s = study_open(dir, trials, N, NULL, &o, &c, &e);
    CHECK(s && c.reused == N && c.fresh == 0 && study_remaining(s) == 0, "reopen: %zu reused", c.reused);
    study_close(s, "finished", NULL);
    /* on another dataset nothing is reused */
    o.dataset_id = "00000000000000bb";
    s = study_open(dir, trials, N, NULL, &o, &c, &e);
    CHECK(s && c.reused == 0 && c.set_aside == N, "other dataset: %zu reused, %zu set aside as foreign",
          c.reused, c.set_aside);
    study_close(s, NULL, NULL);
}

/* study_claim_trial: a trial held by a live job is refused to another, a done one too. */
static void test_claim_trial(void) {
    char d[300];
    snprintf(d, sizeof d, "%s/ct", dir);
    mkdir(d, 0755);
    study_opts o;
    memset(&o, 0, sizeof o);
    reuse_counts c;
    hs_error e;
    study *a = study_open(d, trials, N, NULL, &o, &c, &e);
    int ok = 0;
    CHECK(a && study_claim_trial(a, 5, 0, &ok, &e) == 0 && ok, "a pending trial is claimed");
    pid_t pid = fork();
    if (pid == 0) {
        study *b = study_open(d, trials, N, NULL, &o, &c, &e);
        int ok5 = 1, ok6 = 0;
        int bad = !b || study_claim_trial(b, 5, 0, &ok5, &e) != 0 || ok5 ||
                  study_claim_trial(b, 6, 0, &ok6, &e) != 0 || !ok6;
        study_close(b, "finished", NULL);
        _exit(bad);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "another job cannot take a live job's trial, can take a pending one");
    int late;
    CHECK(finish(a, 5, &late) == 0 && !late, "journaled");
    CHECK(study_claim_trial(a, 5, 0, &ok, &e) == 0 && !ok, "a done trial is not claimed again");
    study_close(a, "finished", NULL);
}

/* ---- holds (hsweep run's rank 0: one lock hold per service round) ------------------------- */

/* A job that works in holds, as hsweep run's rank 0 does: each hold claims up to 3 trials,
 * journals them with group commit (one fsync) and ends. */
static int hold_worker(const char *d) {
    study_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_s = 60;
    o.lock_wait_s = 30;
    reuse_counts c;
    hs_error e;
    study *s = study_open(d, trials, N, NULL, &o, &c, &e);
    if (!s) return 1;
    study_set_group(s, 1);
    int bad = 0;
    while (study_remaining(s) > 0 && !bad) {
        bad += study_hold(s, &e) != 0;
        size_t got[3], k = 0;
        int stale, late;
        for (; k < 3 && !bad; k++) {
            bad += study_claim(s, 0, &got[k], &stale, &e) != 0;
            if (got[k] == CLAIM_NONE) break;
        }
        for (size_t m = 0; m < k && !bad; m++) bad += finish(s, got[m], &late) != 0 || late;
        bad += study_commit(s, &e) != 0;
        study_unhold(s);
        if (k == 0) nap(0.01);
    }
    study_close(s, "finished", NULL);
    return bad;
}

/* Three jobs working in holds share one directory: every trial journaled once. Within a
 * hold a job rereads only the files it appended to (nobody else can write then): a record
 * appended by a process that ignores the lock during a hold is seen at the next hold, not
 * within it (the skipped reread is real: control), and a job's own lines are applied at
 * once. */
static void test_hold(void) {
    char d[300];
    snprintf(d, sizeof d, "%s/hold", dir);
    mkdir(d, 0755);
    pid_t w[3];
    for (int k = 0; k < 3; k++) {
        w[k] = fork();
        if (w[k] == 0) _exit(hold_worker(d));
    }
    int bad = 0, st;
    for (int k = 0; k < 3; k++) {
        waitpid(w[k], &st, 0);
        bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    CHECK(bad == 0, "%d jobs working in holds failed", bad);
    char path[400];
    snprintf(path, sizeof path, "%s/%s", d, RUNDIR_JOURNAL);
    journal_record *recs = NULL;
    size_t n = 0;
    journal_read_info info;
    hs_error e;
    CHECK(journal_read(path, &recs, &n, &info, &e) == 0 && n == N && info.lines == N &&
          info.duplicates == 0, "3 jobs in holds: %zu records, %zu lines", n, info.lines);
    journal_records_free(recs, n);

    snprintf(d, sizeof d, "%s/hold2", dir);
    mkdir(d, 0755);
    study_opts o;
    memset(&o, 0, sizeof o);
    reuse_counts c;
    study *a = study_open(d, trials, N, NULL, &o, &c, &e);
    int late = 0, ok = 0;
    CHECK(a && study_hold(a, &e) == 0 && study_claim_trial(a, 4, 0, &ok, &e) == 0 && ok &&
          finish(a, 4, &late) == 0 && !late && study_is_done(a, 4), "own lines are applied within a hold");
    journal *j = journal_open_append_shared(d, &e);
    journal_record r;
    journal_record_init(&r);
    memcpy(r.id, trials[5].id, 17);
    r.hp = trials[5].hp;
    r.val_mae = 5.0;
    CHECK(j && journal_append(j, &r, &e) == 0, "a record written past the lock");
    journal_close(j);
    CHECK(study_begin(a, &e) == 0 && !study_is_done(a, 5), "within the hold it is not reread");
    study_end(a);
    study_unhold(a);
    int rs = study_sync(a, &e);
    CHECK(rs == 0 && study_is_done(a, 5) && study_is_done(a, 4), "after the hold it is read (%d %d %d %s)",
          rs, study_is_done(a, 5), study_is_done(a, 4), rs ? e.msg : "");
    study_close(a, "finished", NULL);
}

/* ---- a sweep that runs alone (a scheduler or TPE sweep: study_opts.alone) ------------------ */

static study *open_in(const char *d, const char *alone, hs_error *e) {
    study_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_s = 60;
    o.lock_wait_s = 30;
    o.alone = alone;
    reuse_counts c;
    return study_open(d, trials, N, NULL, &o, &c, e);
}

/* A job that opens d alone, says so on fd (1 byte: '1' opened, '0' refused), then holds the
 * study until fd_hold has a byte (or EOF), and ends as `how`: 'c' closes ("finished"), 'k'
 * exits without closing (a kill -9: its file still says running). */
static int alone_job(const char *d, int fd, int fd_hold, char how) {
    hs_error e;
    study *s = open_in(d, "a scheduler sweep", &e);
    char b = s ? '1' : '0';
    if (write(fd, &b, 1) != 1) _exit(2);
    if (!s) _exit(0);
    if (read(fd_hold, &b, 1) < 0) _exit(2);
    if (how == 'c') study_close(s, "finished", NULL);
    _exit(0);
}

static void test_alone(void) {
    char d[300];
    snprintf(d, sizeof d, "%s/alone", dir);
    mkdir(d, 0755);
    hs_error e;
    for (int pass = 0; pass < 2; pass++) {   /* the holder exits: closing, or killed */
        int up[2], hold[2];
        if (pipe(up) != 0 || pipe(hold) != 0) return;
        pid_t pid = fork();
        if (pid == 0) {
            close(hold[1]);
            alone_job(d, up[1], hold[0], pass ? 'k' : 'c');
        }
        char b = 0;
        CHECK(read(up[0], &b, 1) == 1 && b == '1', "the first job opens alone");
        study *s = open_in(d, "a scheduler sweep", &e);
        char want[64];
        snprintf(want, sizeof want, ".%ld is running it here", (long)pid);
        CHECK(!s && e.code == HS_ERR_STATE && strstr(e.msg, "a scheduler sweep runs as one job: job") &&
              strstr(e.msg, want) && strstr(e.msg, "give that job more ranks, or wait"),
              "a second job is refused while the first is live: %s", s ? "opened" : e.msg);
        study_close(s, NULL, NULL);
        /* negative control: a sweep that may share the directory opens next to it */
        s = open_in(d, NULL, &e);
        CHECK(s != NULL, "a shared sweep opens next to a live job: %s", s ? "" : e.msg);
        study_close(s, "finished", NULL);
        if (write(hold[1], "x", 1) != 1) return;
        int st = 0;
        waitpid(pid, &st, 0);
        /* ended (finished, or its process is gone): the next job opens, as a resume does */
        s = open_in(d, "a scheduler sweep", &e);
        CHECK(s != NULL, "after the first job %s, a job opens alone: %s", pass ? "died" : "ended",
              s ? "" : e.msg);
        study_close(s, "finished", NULL);
        close(up[0]); close(up[1]); close(hold[0]); close(hold[1]);
    }
    /* six jobs start together: the check and the first heartbeat are one lock hold, so
     * exactly one of them opens */
    enum { J = 6 };
    int up[2], hold[2], go[2];
    if (pipe(up) != 0 || pipe(hold) != 0 || pipe(go) != 0) return;
    pid_t pids[J];
    for (int j = 0; j < J; j++) {
        pids[j] = fork();
        if (pids[j] == 0) {
            char b;
            close(go[1]);     /* so that the parent's close is an EOF here */
            close(hold[1]);
            if (read(go[0], &b, 1) < 0) _exit(2);
            alone_job(d, up[1], hold[0], 'c');
        }
    }
    close(go[0]);
    close(go[1]);   /* EOF: every job starts now */
    int opened = 0;
    for (int j = 0; j < J; j++) {
        char b = 0;
        if (read(up[0], &b, 1) == 1) opened += b == '1';
    }
    close(hold[1]);   /* EOF: the holder closes */
    for (int j = 0; j < J; j++) waitpid(pids[j], NULL, 0);
    CHECK(opened == 1, "of %d jobs starting together %d opened alone, want exactly 1", J, opened);
    close(up[0]); close(up[1]); close(hold[0]);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/test_study.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    setvbuf(stdout, NULL, _IONBF, 0);
    test_lock();
    test_study();
    test_claim_trial();
    test_hold();
    test_alone();
    int rc = test_failures("test_study");
    if (rc == 0) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) return 1;
    }
    return rc;
}
