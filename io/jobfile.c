/* jobfile: per-job heartbeat files of a shared study (see jobfile.h). */
#define _POSIX_C_SOURCE 200809L
#include "io/jobfile.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/json.h"
#include "io/rundir.h"
#include "io/strbuf.h"
#include "io/studylock.h"

static double jobfile_wall(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void jobfile_key(char *buf, size_t n) {
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "unknown");
    host[100] = '\0';
    for (char *p = host; *p; p++)
        if (*p == ' ' || *p == '/' || *p == '"' || *p == '\\') *p = '_';
    snprintf(buf, n, "%s.%ld", host, (long)getpid());
}

void jobfile_slurm_id(char *buf, size_t n) {
    const char *arr = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
    const char *job = getenv("SLURM_JOB_ID");
    if (arr && task && arr[0] && task[0]) snprintf(buf, n, "%.30s_%.30s", arr, task);
    else snprintf(buf, n, "%.60s", job ? job : "");
}

static double jobfile_stat_mtime(const struct stat *sb) {
    return (double)sb->st_mtim.tv_sec + 1e-9 * (double)sb->st_mtim.tv_nsec;
}

int jobfile_mtime(const char *dir, const char *job, double *mtime) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s/%s.json", dir, RUNDIR_JOBS, job);
    struct stat sb;
    if (stat(path, &sb) != 0) return -1;
    *mtime = jobfile_stat_mtime(&sb);
    return 0;
}

int jobfile_write(const char *dir, const jobfile *j, double *mtime, hs_error *err) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOBS);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot create directory: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/%s/%s.json", dir, RUNDIR_JOBS, j->job);
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    json_begin_object(&w);
    json_key(&w, "format");
    json_string(&w, "hsweep-job");
    json_key(&w, "job");
    json_string(&w, j->job);
    json_key(&w, "slurm");
    json_string(&w, j->slurm);
    json_key(&w, "host");
    json_string(&w, j->host);
    json_key(&w, "pid");
    json_i64(&w, j->pid);
    json_key(&w, "ranks");
    json_i64(&w, j->ranks);
    json_key(&w, "state");
    json_string(&w, j->state[0] ? j->state : "running");
    json_key(&w, "reason");
    json_string(&w, j->reason);
    json_key(&w, "heartbeat_timeout_s");
    json_double(&w, j->timeout_s);
    json_key(&w, "started_unix");
    json_double(&w, j->started);
    json_key(&w, "updated_unix");
    json_double(&w, jobfile_wall());
    static const char *const ck[5] = {"total", "done", "failed", "running", "journaled"};
    const size_t cv[5] = {j->total, j->done, j->failed, j->running, j->journaled};
    for (int i = 0; i < 5; i++) {
        json_key(&w, ck[i]);
        json_u64(&w, cv[i]);
    }
    json_key(&w, "eta_s");
    json_double(&w, j->eta_s >= 0 ? j->eta_s : (double)NAN);
    json_key(&w, "metric");
    json_string(&w, j->metric);
    json_key(&w, "best");
    json_double(&w, j->best);
    json_key(&w, "best_id");
    json_string(&w, j->best_id);
    json_key(&w, "workers");
    json_begin_array(&w);
    for (size_t k = 0; k < j->n_workers; k++) {
        const jobfile_worker *r = &j->workers[k];
        json_begin_object(&w);
        json_key(&w, "rank");
        json_i64(&w, r->rank);
        json_key(&w, "trial");
        json_string(&w, r->trial);
        json_key(&w, "epoch");
        json_u64(&w, r->epoch);
        json_key(&w, "epochs");
        json_u64(&w, r->epochs);
        json_key(&w, "trial_start_unix");
        json_double(&w, r->trial_start);
        json_key(&w, "last_unix");
        json_double(&w, r->last);
        json_key(&w, "stalled");
        json_bool(&w, r->stalled);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    strbuf_putc(&sb, '\n');
    int rc = strbuf_failed(&sb) ? hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory")
                                : rundir_write_atomic(path, sb.data, sb.len, err);
    strbuf_deinit(&sb);
    struct stat st;
    if (rc == 0 && mtime) *mtime = stat(path, &st) == 0 ? jobfile_stat_mtime(&st) : jobfile_wall();
    return rc;
}

/* Copy string member key of o into out[n] ("" if absent); -1 if present but not a string. */
static int jobfile_str(const json_value *o, const char *key, char *out, size_t n) {
    const json_value *v = json_get(o, key);
    out[0] = '\0';
    if (!v) return 0;
    if (!json_as_string(v)) return -1;
    snprintf(out, n, "%s", json_as_string(v));
    return 0;
}

/* Number member key of o into *out (NaN if absent or null); -1 if of another type. */
static int jobfile_num(const json_value *o, const char *key, double *out) {
    const json_value *v = json_get(o, key);
    *out = NAN;
    if (!v || v->type == JSON_NULL) return 0;
    return json_as_double(v, out);
}

int jobfile_read(const char *path, jobfile *j, hs_error *err) {
    memset(j, 0, sizeof *j);
    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0) j->mtime = jobfile_stat_mtime(&st);
    strbuf sb;
    strbuf_init(&sb);
    int rd = strbuf_read_stream(&sb, f);
    fclose(f);
    if (rd != 0) {
        strbuf_deinit(&sb);
        return rd == -2 ? hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory")
                        : hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot read");
    }
    json_value *root = NULL;
    int rc = json_parse(strbuf_str(&sb), sb.len, &root, err);
    strbuf_deinit(&sb);
    if (rc != 0) return hs_error_set(err, rc, path, err ? err->line : 0, err ? err->col : 0, "%s",
                                     err ? err->msg : "malformed");
    const char *fmt = json_as_string(json_get(root, "format"));
    double pid = 0, ranks = 0, v[5];
    static const char *const ck[5] = {"total", "done", "failed", "running", "journaled"};
    size_t *cv[5] = {&j->total, &j->done, &j->failed, &j->running, &j->journaled};
    int bad = !fmt || strcmp(fmt, "hsweep-job") != 0;
    bad = bad || jobfile_str(root, "job", j->job, sizeof j->job) || jobfile_str(root, "slurm", j->slurm, sizeof j->slurm) ||
          jobfile_str(root, "host", j->host, sizeof j->host) || jobfile_str(root, "state", j->state, sizeof j->state) ||
          jobfile_str(root, "reason", j->reason, sizeof j->reason) ||
          jobfile_str(root, "metric", j->metric, sizeof j->metric) ||
          jobfile_str(root, "best_id", j->best_id, sizeof j->best_id) || jobfile_num(root, "pid", &pid) ||
          jobfile_num(root, "ranks", &ranks) || jobfile_num(root, "heartbeat_timeout_s", &j->timeout_s) ||
          jobfile_num(root, "started_unix", &j->started) || jobfile_num(root, "updated_unix", &j->updated) ||
          jobfile_num(root, "eta_s", &j->eta_s) || jobfile_num(root, "best", &j->best);
    for (int i = 0; i < 5 && !bad; i++) {
        bad = jobfile_num(root, ck[i], &v[i]) || !(v[i] >= 0);
        if (!bad) *cv[i] = (size_t)v[i];
    }
    if (isnan(j->eta_s)) j->eta_s = -1;
    j->pid = (long)pid;
    j->ranks = (int)ranks;
    const json_value *ws = json_get(root, "workers");
    if (!bad && ws && ws->type == JSON_ARRAY && ws->n > 0) {
        j->workers = calloc(ws->n, sizeof *j->workers);
        if (!j->workers) {
            json_free(root);
            return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        }
        j->n_workers = ws->n;
        for (size_t i = 0; i < ws->n && !bad; i++) {
            jobfile_worker *r = &j->workers[i];
            const json_value *o = ws->items[i];
            double rank = 0, ep = 0, eps = 0;
            bad = o->type != JSON_OBJECT || jobfile_num(o, "rank", &rank) || jobfile_str(o, "trial", r->trial, sizeof r->trial) ||
                  jobfile_num(o, "epoch", &ep) || jobfile_num(o, "epochs", &eps) ||
                  jobfile_num(o, "trial_start_unix", &r->trial_start) || jobfile_num(o, "last_unix", &r->last) ||
                  json_as_bool(json_get(o, "stalled"), &r->stalled);
            r->rank = (int)rank;
            r->epoch = ep >= 0 ? (size_t)ep : 0;
            r->epochs = eps >= 0 ? (size_t)eps : 0;
        }
    }
    json_free(root);
    if (bad) {
        jobfile_deinit(j);
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "not an hsweep job file");
    }
    return 0;
}

void jobfile_deinit(jobfile *j) {
    if (!j) return;
    free(j->workers);
    memset(j, 0, sizeof *j);
}

static int jobfile_cmp(const void *a, const void *b) {
    const jobfile *x = a, *y = b;
    if (x->started != y->started) return x->started < y->started ? -1 : 1;
    return strcmp(x->job, y->job);
}

int jobfile_list(const char *dir, jobfile **out, size_t *n, hs_error *err) {
    *out = NULL;
    *n = 0;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOBS);
    DIR *d = opendir(path);
    if (!d) return 0;
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.') continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            jobfile *g = realloc(*out, cap * sizeof *g);
            if (!g) { rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory"); break; }
            *out = g;
        }
        snprintf(path, sizeof path, "%s/%s/%s", dir, RUNDIR_JOBS, e->d_name);
        if (jobfile_read(path, &(*out)[*n], NULL) == 0) (*n)++;
    }
    closedir(d);
    if (*n > 1) qsort(*out, *n, sizeof **out, jobfile_cmp);
    return rc;
}

int jobfile_live(const char *dir, double default_timeout_s, char *who, size_t n) {
    return jobfile_live_other(dir, default_timeout_s, NULL, who, n);
}

int jobfile_live_other(const char *dir, double default_timeout_s, const char *self, char *who,
                       size_t n) {
    jobfile *jobs = NULL;
    size_t nj = 0;
    int live = 0;
    if (jobfile_list(dir, &jobs, &nj, NULL) != 0) return 0;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    for (size_t k = 0; k < nj; k++) {
        double age = (double)time(NULL) - jobs[k].mtime;
        double timeout = jobs[k].timeout_s > 0 ? jobs[k].timeout_s : default_timeout_s;
        int dead = strcmp(host, jobs[k].host) == 0 && studylock_pid_dead(jobs[k].pid);
        int me = self && strcmp(self, jobs[k].job) == 0;
        if (!live && !dead && !me && strcmp(jobs[k].state, "running") == 0 && age <= timeout) {
            live = 1;
            snprintf(who, n, "%s", jobs[k].job);
        }
        jobfile_deinit(&jobs[k]);
    }
    free(jobs);
    return live;
}
