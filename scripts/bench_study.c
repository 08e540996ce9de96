/* bench_study: how many trials per second a shared study can hand out and journal.
 *
 * P processes (each a "job", as separate `hsweep run` invocations would be) open one study
 * in DIR and loop claim -> journal a record with an E-epoch history, with no training in
 * between, until N trials are done: the worst case for the study lock, every process
 * always wanting it. Prints trials per second over all processes, the lock's mean and
 * maximum hold time and mean wait, and the bytes appended per trial (journal and claim
 * journal). With trials of mean duration D seconds, a study sustains about
 * throughput x D busy ranks before ranks queue for the lock. A benchmark, not a test.
 *
 * usage: bench_study [--procs P] [--trials N] [--epochs E] [--dir DIR] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/claimlog.h"
#include "io/rundir.h"
#include "sweep/study.h"

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One job: claim and journal until nothing is left; writes its lock figures to fd. */
static int bench_job(const char *dir, const sweep_trial *t, size_t n, size_t epochs, int fd) {
    study_opts o;
    memset(&o, 0, sizeof o);
    o.lock_wait_s = 600;
    o.dataset_id = "0123456789abcdef";
    reuse_counts c;
    hs_error e;
    study *s = study_open(dir, t, n, NULL, &o, &c, &e);
    if (!s) {
        fprintf(stderr, "bench_study: %s\n", e.msg);
        return 1;
    }
    journal_epoch *h = calloc(epochs ? epochs : 1, sizeof *h);
    for (size_t k = 0; k < epochs; k++) h[k] = (journal_epoch){1.0 / (double)(k + 3), 0.7, 1.1 / (double)(k + 3), 0.8};
    for (;;) {
        size_t i;
        int stale, late;
        if (study_claim(s, 0, &i, &stale, &e) != 0) break;
        if (i == CLAIM_NONE) {
            if (study_remaining(s) == 0) break;
            study_sync(s, &e);
            continue;
        }
        journal_record r;
        journal_record_init(&r);
        memcpy(r.id, t[i].id, 17);
        r.hp = t[i].hp;
        r.val_mae = r.test_mae = 0.123456789 + (double)i;
        r.val_loss = 0.0456789;
        r.best_epoch = epochs;
        r.epochs_run = epochs;
        r.wall_s = 12.345;
        r.n_params = 9057;
        r.history = h;
        r.n_history = epochs;
        if (study_finish(s, i, &r, &late, &e) != 0) break;
    }
    const studylock *lk = study_lock_stats(s);
    double fig[4] = {(double)lk->n_acquired, lk->hold_total_s, lk->hold_max_s, lk->wait_total_s};
    if (write(fd, fig, sizeof fig) != (ssize_t)sizeof fig) return 1;
    study_close(s, "finished", NULL);
    free(h);
    return 0;
}

int main(int argc, char **argv) {
    int procs = 4;
    size_t n = 2000, epochs = 20;
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--procs") == 0) procs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--trials") == 0) n = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--epochs") == 0) epochs = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    }
    char tmp[64] = "/tmp/bench_study.XXXXXX";
    if (!dir) {
        if (!mkdtemp(tmp)) return 1;
        dir = tmp;
    }
    mkdir(dir, 0755);
    sweep_trial *t = calloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        hparams_default(&t[i].hp);
        t[i].hp.units = 1 + i % 512;
        t[i].hp.seed = 0x9e3779b97f4a7c15ULL * (i + 1);
        expand_id_string(0xabcdef0000000000ULL + i, t[i].id);
    }
    int fds[2];
    if (pipe(fds) != 0) return 1;
    double t0 = bench_now();
    for (int p = 0; p < procs; p++)
        if (fork() == 0) _exit(bench_job(dir, t, n, epochs, fds[1]));
    int bad = 0;
    for (int p = 0; p < procs; p++) {
        int st;
        wait(&st);
        bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    double wall = bench_now() - t0;
    double acq = 0, hold = 0, hold_max = 0, wait_s = 0, fig[4];
    for (int p = 0; p < procs - bad; p++) {
        if (read(fds[0], fig, sizeof fig) != (ssize_t)sizeof fig) break;
        acq += fig[0];
        hold += fig[1];
        if (fig[2] > hold_max) hold_max = fig[2];
        wait_s += fig[3];
    }
    char path[4200];
    struct stat sj, sc;
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    stat(path, &sj);
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_CLAIMS);
    stat(path, &sc);
    printf("bench_study: %d processes, %zu trials (%zu-epoch histories) in %.2f s: %.0f trials/s; lock held "
           "%.2f ms mean, %.1f ms max, waited %.2f ms mean over %.0f acquires; %.0f + %.0f bytes per trial "
           "(journal + claims)%s\n", procs, n, epochs, wall, (double)n / wall, 1e3 * hold / acq, 1e3 * hold_max,
           1e3 * wait_s / acq, acq, (double)sj.st_size / (double)n, (double)sc.st_size / (double)n,
           bad ? " (some jobs failed)" : "");
    free(t);
    if (dir == tmp) {
        snprintf(path, sizeof path, "rm -rf %s", tmp);
        if (system(path) != 0) return 1;
    }
    return bad;
}
