/* status: the live state of a run directory (see status.h). */
#define _POSIX_C_SOURCE 200809L
#include "sweep/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/jcheck.h"
#include "io/journal.h"
#include "io/rundir.h"
#include "io/json.h"
#include "io/results.h"

static double status_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Counts and best from the journal alone (no job has written its view). */
static int status_from_journal(status_info *st, const char *path, results_metric m, hs_error *err) {
    journal_record *recs = NULL;
    size_t n = 0;
    jcheck_expect x;
    jcheck_expect_load(st->dir, &x);
    jcheck_report aside;   /* invalid or foreign records are not counted */
    int rc = jcheck_read(path, &x, &recs, &n, NULL, &aside, err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].status == JOURNAL_FAILED) st->failed++;
        else st->done++;
        double v = results_metric_value(&recs[i], m);
        if (recs[i].status == JOURNAL_OK && isfinite(v) && !(v >= st->best)) {
            st->best = v;
            memcpy(st->best_id, recs[i].id, 17);
        }
    }
    journal_records_free(recs, n);
    return 0;
}

int status_collect(const char *dir, double now, status_info *st, hs_error *err) {
    memset(st, 0, sizeof *st);
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    st->now = now >= 0 ? now : status_clock();
    st->best = NAN;
    st->eta_s = -1;
    results_meta_info meta;
    int have_meta = results_read_metadata(dir, &meta, NULL) == 0;
    results_metric m = have_meta ? meta.metric : RESULTS_VAL_MAE;
    snprintf(st->metric, sizeof st->metric, "%s", results_metric_name(m));
    if (have_meta) {
        snprintf(st->sweep, sizeof st->sweep, "%s", meta.sweep_name);
        st->total = meta.n_trials;
    }
    jobfile *jobs = NULL;
    size_t nj = 0;
    int rc = jobfile_list(dir, &jobs, &nj, err);
    if (rc) return rc;
    char jpath[4200];
    snprintf(jpath, sizeof jpath, "%s/%s", dir, RUNDIR_JOURNAL);
    struct stat sb;
    int have_journal = stat(jpath, &sb) == 0;
    if (!have_meta && !have_journal && nj == 0) {
        free(jobs);
        return hs_error_set(err, HS_ERR_IO, dir, 0, 0, "not a run directory (no %s, metadata.json or %s/)",
                            RUNDIR_JOURNAL, RUNDIR_JOBS);
    }
    st->jobs = calloc(nj ? nj : 1, sizeof *st->jobs);
    if (!st->jobs) {
        for (size_t k = 0; k < nj; k++) jobfile_deinit(&jobs[k]);
        free(jobs);
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    st->n_jobs = nj;
    const jobfile *fresh = NULL;      /* the most recent view of the study */
    int any_running = 0, any_stale = 0;
    const status_job *last_end = NULL;
    for (size_t k = 0; k < nj; k++) {
        status_job *j = &st->jobs[k];
        j->f = jobs[k];
        j->age_s = st->now - j->f.mtime;
        double timeout = j->f.timeout_s > 0 ? j->f.timeout_s : 300.0;
        if (strcmp(j->f.state, "running") == 0 && j->age_s > timeout) snprintf(j->state, sizeof j->state, "stale");
        else snprintf(j->state, sizeof j->state, "%s", j->f.state[0] ? j->f.state : "running");
        if (strcmp(j->state, "running") == 0) {
            any_running = 1;
            st->ranks += j->f.ranks;
        } else if (strcmp(j->state, "stale") == 0) any_stale = 1;
        else if (!last_end || j->f.mtime > last_end->f.mtime) last_end = j;
        if (j->f.total && (!fresh || j->f.mtime > fresh->mtime)) fresh = &j->f;
    }
    free(jobs);
    if (fresh) {
        st->total = fresh->total;
        st->done = fresh->done;
        st->failed = fresh->failed;
        st->running = fresh->running;
        if (fresh->best_id[0]) {
            st->best = fresh->best;
            memcpy(st->best_id, fresh->best_id, 17);
        }
    }
    if ((!fresh || !fresh->best_id[0]) && have_journal) {
        status_info tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.best = NAN;
        snprintf(tmp.dir, sizeof tmp.dir, "%s", dir);
        rc = status_from_journal(&tmp, jpath, m, err);
        if (rc) return rc;
        if (!fresh) {
            st->done = tmp.done;
            st->failed = tmp.failed;
        }
        st->best = tmp.best;
        memcpy(st->best_id, tmp.best_id, 17);
    }
    size_t fin = st->done + st->failed + st->running;
    st->pending = st->total > fin ? st->total - fin : 0;
    /* ETA: the running jobs' estimate (the smallest: they share the remaining work) */
    for (size_t k = 0; k < st->n_jobs; k++)
        if (strcmp(st->jobs[k].state, "running") == 0 && st->jobs[k].f.eta_s >= 0 &&
            (st->eta_s < 0 || st->jobs[k].f.eta_s < st->eta_s))
            st->eta_s = st->jobs[k].f.eta_s;
    const char *state = st->total && st->done + st->failed >= st->total ? "finished"
                        : any_running                                   ? "running"
                        : any_stale                                     ? "stale"
                        : last_end                                      ? last_end->state
                                                                        : "new";
    snprintf(st->state, sizeof st->state, "%s", state);
    if (strcmp(st->state, "running") != 0) st->eta_s = -1;
    return 0;
}

void status_deinit(status_info *st) {
    if (!st) return;
    for (size_t k = 0; k < st->n_jobs; k++) jobfile_deinit(&st->jobs[k].f);
    free(st->jobs);
    memset(st, 0, sizeof *st);
}

void status_print(FILE *f, const status_info *st) {
    char eta[32], best[96], a[32], b[32], c[32];
    results_duration(st->eta_s, eta, sizeof eta);
    if (isfinite(st->best)) snprintf(best, sizeof best, "%s %.4f (%.8s)", st->metric, st->best, st->best_id);
    else snprintf(best, sizeof best, "%s -", st->metric);
    fprintf(f, "%s: sweep '%s', %s: %zu/%zu finished (%zu failed), %zu running, %zu pending; best %s; eta %s\n",
            st->dir, st->sweep, st->state, st->done + st->failed, st->total, st->failed, st->running,
            st->pending, best, eta);
    for (size_t k = 0; k < st->n_jobs; k++) {
        const status_job *j = &st->jobs[k];
        results_duration(j->age_s, a, sizeof a);
        results_duration(st->now - j->f.started, b, sizeof b);
        fprintf(f, "job %s%s%s: %s, %d rank%s, started %s ago, last heartbeat %s ago", j->f.job,
                j->f.slurm[0] ? " slurm " : "", j->f.slurm, j->state, j->f.ranks, j->f.ranks == 1 ? "" : "s",
                b, a);
        if (strcmp(j->state, "stale") == 0) {
            results_duration(j->f.timeout_s, c, sizeof c);
            fprintf(f, " (timeout %s: its trials are handed to other jobs)", c);
        }
        if (j->f.reason[0]) fprintf(f, ": %s", j->f.reason);
        fprintf(f, "\n");
        if (strcmp(j->state, "running") != 0 && strcmp(j->state, "stale") != 0) continue;
        for (size_t w = 0; w < j->f.n_workers; w++) {
            const jobfile_worker *r = &j->f.workers[w];
            if (r->stalled) {
                results_duration(st->now - r->last, a, sizeof a);
                fprintf(f, "  rank %d: STALLED, no report for %s: its trial was handed to another rank\n",
                        r->rank, r->last > 0 ? a : "?");
                continue;
            }
            if (!r->trial[0]) {
                fprintf(f, "  rank %d: idle\n", r->rank);
                continue;
            }
            results_duration(st->now - r->last, a, sizeof a);
            results_duration(st->now - r->trial_start, b, sizeof b);
            fprintf(f, "  rank %d: trial %s epoch %zu/%zu, last report %s ago, elapsed %s\n", r->rank, r->trial,
                    r->epoch, r->epochs, a, b);
        }
    }
}

void status_json(strbuf *out, const status_info *st) {
    json_writer w;
    json_writer_init(&w, out);
    json_begin_object(&w);
    double started = st->now;
    for (size_t k = 0; k < st->n_jobs; k++)
        if (st->jobs[k].f.started > 0 && st->jobs[k].f.started < started) started = st->jobs[k].f.started;
    results_status rs;
    memset(&rs, 0, sizeof rs);
    rs.state = st->state;
    rs.total = st->total;
    rs.done = st->done;
    rs.failed = st->failed;
    rs.running = st->running;
    rs.elapsed_s = st->now - started;
    rs.eta_s = st->eta_s;
    if (results_parse_metric(st->metric, &rs.metric) != 0) rs.metric = RESULTS_VAL_MAE;
    rs.best = st->best;
    rs.best_id = st->best_id;
    rs.ranks = st->ranks;
    results_status_members(&w, &rs, (long long)st->now);
    json_key(&w, "sweep");
    json_string(&w, st->sweep);
    json_key(&w, "dir");
    json_string(&w, st->dir);
    json_key(&w, "jobs");
    json_begin_array(&w);
    for (size_t k = 0; k < st->n_jobs; k++) {
        const status_job *j = &st->jobs[k];
        json_begin_object(&w);
        json_key(&w, "job");
        json_string(&w, j->f.job);
        json_key(&w, "slurm");
        json_string(&w, j->f.slurm);
        json_key(&w, "host");
        json_string(&w, j->f.host);
        json_key(&w, "pid");
        json_i64(&w, j->f.pid);
        json_key(&w, "ranks");
        json_i64(&w, j->f.ranks);
        json_key(&w, "state");
        json_string(&w, j->state);
        json_key(&w, "reason");
        json_string(&w, j->f.reason);
        json_key(&w, "heartbeat_age_s");
        json_double(&w, j->age_s);
        json_key(&w, "heartbeat_timeout_s");
        json_double(&w, j->f.timeout_s);
        json_key(&w, "started_unix");
        json_double(&w, j->f.started);
        json_key(&w, "workers");
        json_begin_array(&w);
        for (size_t r = 0; r < j->f.n_workers; r++) {
            const jobfile_worker *x = &j->f.workers[r];
            json_begin_object(&w);
            json_key(&w, "rank");
            json_i64(&w, x->rank);
            json_key(&w, "trial");
            json_string(&w, x->trial);
            json_key(&w, "epoch");
            json_u64(&w, x->epoch);
            json_key(&w, "epochs");
            json_u64(&w, x->epochs);
            json_key(&w, "last_age_s");
            json_double(&w, x->trial[0] ? st->now - x->last : (double)NAN);
            json_key(&w, "elapsed_s");
            json_double(&w, x->trial[0] ? st->now - x->trial_start : (double)NAN);
            json_key(&w, "stalled");
            json_bool(&w, x->stalled);
            json_end_object(&w);
        }
        json_end_array(&w);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    strbuf_putc(out, '\n');
}
