/* prep: CSV -> prepared dataset: selection, sentinels, time checks, split, normalisation
 * (see prep.h). */
#include "io/prep.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5data.h"
#include "io/window.h"
#include "model/hparams.h"

const char *const prep_default_features[14] = {
    "p (mbar)",    "T (degC)",     "Tpot (K)",     "Tdew (degC)",     "rh (%)",
    "VPmax (mbar)", "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)",       "H2OC (mmol/mol)",
    "rho (g/m**3)", "wv (m/s)",    "max. wv (m/s)", "wd (deg)"};

/* Entries listed individually in the log before "... and N more". */
enum { PREP_LOG_LIST = 20 };

/* ---- a growable log string --------------------------------------------------------------- */

typedef struct prep_log {
    char *s;                  /* NUL-terminated text, owned */
    size_t len;               /* strlen(s) */
    size_t cap;               /* bytes allocated */
    int failed;               /* 1 after an allocation failure */
} prep_log;

static void prep_logf(prep_log *lg, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void prep_logf(prep_log *lg, const char *fmt, ...) {
    if (lg->failed) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (lg->len + (size_t)n + 1 > lg->cap) {
        size_t cap = lg->cap ? lg->cap : 1024;
        while (cap < lg->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(lg->s, cap);
        if (!s) {
            lg->failed = 1;
            return;
        }
        lg->s = s;
        lg->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(lg->s + lg->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    lg->len += (size_t)n;
}

/* ---- column selection ------------------------------------------------------------------- */

/* Case-insensitive Levenshtein distance (names are short; longer ones count as far). */
static size_t prep_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127 || lb > 127) return (size_t)-1;
    size_t prev[128], cur[128];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + !same;
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

static int prep_find(const csv_table *t, const char *path, const char *name, const char *what,
                     size_t *col, hs_error *err) {
    long c = csv_find_column(t, name);
    if (c >= 0) {
        *col = (size_t)c;
        return HS_OK;
    }
    if (strcmp(name, t->date_name) == 0)
        return hs_error_set(err, HS_ERR_VALUE, path, 1, 0,
                            "%s '%s' is the date column, not a numeric column", what, name);
    size_t best = (size_t)-1, bi = 0;
    for (size_t i = 0; i < t->n_cols; i++) {
        size_t d = prep_distance(name, t->names[i]);
        if (d < best) best = d, bi = i;
    }
    if (best <= 3 && best < strlen(name))
        return hs_error_set(err, HS_ERR_VALUE, path, 1, 0,
                            "unknown %s column '%s' (did you mean '%s'?)", what, name,
                            t->names[bi]);
    char list[700] = "";
    size_t used = 0;
    for (size_t i = 0; i < t->n_cols && used + 4 < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s'%s'", i ? ", " : "", t->names[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
    return hs_error_set(err, HS_ERR_VALUE, path, 1, 0, "unknown %s column '%s' (columns: %s)",
                        what, name, list);
}

/* ---- sentinels -------------------------------------------------------------------------- */

static size_t prep_count_sentinels(const double *v, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += v[i] == PREP_SENTINEL;
    return k;
}

/* Replace sentinels in v (n rows, times t) by linear interpolation in time between the
 * nearest valid neighbours a < i < b:  v_i = v_a + (v_b - v_a) (t_i - t_a) / (t_b - t_a)
 * (by row position when t_b == t_a); before the first / after the last valid row the
 * nearest valid value is copied. Returns -1 if no value is valid. */
static int prep_interpolate(double *v, const int64_t *t, size_t n) {
    size_t a = n; /* last valid row seen, n = none */
    for (size_t i = 0; i < n; i++) {
        if (v[i] == PREP_SENTINEL) continue;
        if (i > 0 && (a == n ? 1 : a + 1 < i)) {
            size_t lo = a == n ? 0 : a + 1;
            for (size_t k = lo; k < i; k++) {
                if (a == n) {
                    v[k] = v[i];
                } else {
                    double dt = (double)(t[i] - t[a]);
                    double w = dt > 0 ? (double)(t[k] - t[a]) / dt
                                      : (double)(k - a) / (double)(i - a);
                    v[k] = v[a] + (v[i] - v[a]) * w;
                }
            }
        }
        a = i;
    }
    if (a == n) return -1;
    for (size_t k = a + 1; k < n; k++) v[k] = v[a];
    return 0;
}

/* ---- time checks ------------------------------------------------------------------------ */

static int prep_cmp_i64(const void *pa, const void *pb) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Most frequent positive interval between consecutive timestamps (0 if none). */
static int64_t prep_modal_interval(const int64_t *t, size_t n, int *nomem) {
    if (n < 2) return 0;
    int64_t *d = malloc((n - 1) * sizeof *d);
    if (!d) {
        *nomem = 1;
        return 0;
    }
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (t[i] > t[i - 1]) d[m++] = t[i] - t[i - 1];
    qsort(d, m, sizeof *d, prep_cmp_i64);
    int64_t best = 0;
    size_t best_run = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && d[j] == d[i]) j++;
        if (j - i > best_run) best_run = j - i, best = d[i];
        i = j;
    }
    free(d);
    return best;
}

static void prep_time_checks(prep_report *rep, prep_log *lg, const int64_t *t, size_t n,
                             int64_t interval) {
    char a[20], b[20];
    size_t listed = 0;
    prep_logf(lg, "interval: %lld s (modal)\n", (long long)interval);
    for (size_t i = 1; i < n; i++) {
        if (t[i] != t[i - 1]) continue;
        rep->n_duplicates++;
        if (listed++ < PREP_LOG_LIST) {
            csv_format_time(t[i], a);
            prep_logf(lg, "duplicate timestamp: %s on lines %zu and %zu (kept)\n", a, i + 1, i + 2);
        }
    }
    if (listed > PREP_LOG_LIST)
        prep_logf(lg, "... and %zu more duplicate timestamps\n", listed - PREP_LOG_LIST);
    prep_logf(lg, "duplicate timestamps: %zu (data unchanged)\n", rep->n_duplicates);
    listed = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t d = t[i] - t[i - 1];
        if (d == 0 || d == interval) continue;
        rep->n_gaps++;
        size_t missing = 0;
        if (d > interval && interval > 0 && d % interval == 0) missing = (size_t)(d / interval) - 1;
        rep->n_missing += missing;
        if (listed++ < PREP_LOG_LIST) {
            csv_format_time(t[i - 1], a);
            csv_format_time(t[i], b);
            if (d < 0)
                prep_logf(lg, "time goes backwards: %s -> %s (lines %zu-%zu)\n", a, b, i + 1, i + 2);
            else
                prep_logf(lg, "gap: %s -> %s (lines %zu-%zu, %lld s, %zu rows missing)\n", a, b,
                          i + 1, i + 2, (long long)d, missing);
        }
    }
    if (listed > PREP_LOG_LIST)
        prep_logf(lg, "... and %zu more gaps\n", listed - PREP_LOG_LIST);
    prep_logf(lg, "gaps: %zu, %zu rows missing (data unchanged, not filled)\n", rep->n_gaps,
              rep->n_missing);
}

/* ---- the dataset ------------------------------------------------------------------------ */

size_t prep_min_rows(void) {
    hs_hparams hp;
    hparams_default(&hp);
    window_spec spec = {.seq_len = hp.sequence_length, .rate = hp.sampling_rate,
                        .delay = hparams_delay(&hp), .batch = hp.batch_size};
    window_plan wp;
    for (size_t n = spec.delay + 1;; n++)
        if (window_plan_make(&wp, &spec, n, n / 2, n / 4, 1, NULL) == HS_OK) return n;
}

static char *prep_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* The selected columns of the table. */
typedef struct prep_cols {
    size_t *fcol;         /* (F) table column of each feature, owned */
    size_t F;             /* number of features */
    size_t tcol;          /* table column of the target */
} prep_cols;

/* Step 1: find the feature and target columns by name (each feature once). 0 or an error. */
static int prep_select(prep_cols *pc, const csv_table *t, const char *path,
                       const char *const *names, const char *target, hs_error *err) {
    int rc;
    if (pc->F == 0) return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "no feature selected");
    pc->fcol = malloc(pc->F * sizeof *pc->fcol);
    if (!pc->fcol) return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    for (size_t f = 0; f < pc->F; f++) {
        if ((rc = prep_find(t, path, names[f], "feature", &pc->fcol[f], err))) return rc;
        for (size_t g = 0; g < f; g++)
            if (pc->fcol[g] == pc->fcol[f])
                return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "feature '%s' selected twice",
                                    names[f]);
    }
    return prep_find(t, path, target, "target", &pc->tcol, err);
}

/* Step 2: sentinels, counted in every column, cleaned (interpolated in time) only in the
 * selected ones unless opt->keep_sentinels. 0 or HS_ERR_VALUE (a column of sentinels only). */
static int prep_sentinels(csv_table *t, const prep_cols *pc, const prep_options *opt,
                          prep_report *rep, prep_log *lg, const char *path, hs_error *err) {
    size_t N = t->n_rows;
    for (size_t c = 0; c < t->n_cols; c++) {
        size_t k = prep_count_sentinels(t->cols[c], N);
        int selected = c == pc->tcol;
        for (size_t f = 0; f < pc->F; f++) selected |= pc->fcol[f] == c;
        if (!selected) {
            rep->n_sentinels_other += k;
            if (k) prep_logf(lg, "sentinel -9999: %zu in '%s' (column not used)\n", k, t->names[c]);
            continue;
        }
        rep->n_sentinels_selected += k;
        if (!k) continue;
        if (k == N)
            return hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                                "column '%s' holds only -9999 sentinels", t->names[c]);
        if (opt->keep_sentinels) {
            prep_logf(lg, "sentinel -9999: %zu in '%s' (kept: --keep-sentinels)\n", k, t->names[c]);
        } else {
            prep_interpolate(t->cols[c], t->time, N);
            prep_logf(lg, "sentinel -9999: %zu in '%s' (linearly interpolated in time)\n", k,
                      t->names[c]);
        }
    }
    prep_logf(lg, "sentinels: %zu in selected columns, %zu in other columns\n",
              rep->n_sentinels_selected, rep->n_sentinels_other);
    return 0;
}

/* Step 3: the dataset: raw target, timestamps, features normalised with the training rows'
 * mean and std. ds is filled (owns its arrays); 0, HS_ERR_VALUE (a constant feature) or
 * HS_ERR_NOMEM. */
static int prep_fill(hs_dataset *ds, const csv_table *t, const prep_cols *pc,
                     const prep_report *rep, prep_log *lg, const char *path, hs_error *err) {
    size_t N = t->n_rows, F = pc->F;
    if (F > SIZE_MAX / sizeof(float) / N) goto nomem;
    ds->n_rows = N;
    ds->n_features = F;
    ds->n_train = rep->n_train;
    ds->n_val = rep->n_val;
    ds->n_test = rep->n_test;
    ds->owns_arrays = 1;
    ds->x = malloc(N * F * sizeof *ds->x);
    ds->y = malloc(N * sizeof *ds->y);
    ds->time = malloc(N * sizeof *ds->time);
    ds->feature_names = calloc(F, sizeof *ds->feature_names);
    ds->mean = malloc(F * sizeof *ds->mean);
    ds->std = malloc(F * sizeof *ds->std);
    ds->target_name = prep_strdup(t->names[pc->tcol]);
    if (!ds->x || !ds->y || !ds->time || !ds->feature_names || !ds->mean || !ds->std ||
        !ds->target_name)
        goto nomem;
    memcpy(ds->source_sha256, t->sha256, sizeof ds->source_sha256);
    memcpy(ds->time, t->time, N * sizeof *ds->time);
    for (size_t i = 0; i < N; i++) ds->y[i] = (float)t->cols[pc->tcol][i];
    for (size_t f = 0; f < F; f++) {
        const double *v = t->cols[pc->fcol[f]];
        if (!(ds->feature_names[f] = prep_strdup(t->names[pc->fcol[f]]))) goto nomem;
        /* mean = sum_{i < n_train} v_i / n_train; std = sqrt(sum (v_i - mean)^2 / n_train) */
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < rep->n_train; i++) s += v[i];
        double mean = s / (double)rep->n_train;
        for (size_t i = 0; i < rep->n_train; i++) ss += (v[i] - mean) * (v[i] - mean);
        double sd = sqrt(ss / (double)rep->n_train);
        if (!(sd > 0) || !isfinite(sd))
            return hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                                "feature '%s' is constant over the %zu training rows (std 0) and "
                                "cannot be normalised; leave it out with --features",
                                t->names[pc->fcol[f]], rep->n_train);
        ds->mean[f] = mean;
        ds->std[f] = sd;
        for (size_t i = 0; i < N; i++) ds->x[i * F + f] = (float)((v[i] - mean) / sd);
        prep_logf(lg, "normalise '%s': mean %.17g, std %.17g (train rows, ddof 0)\n",
                  t->names[pc->fcol[f]], mean, sd);
    }
    return 0;
nomem:
    return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
}

int prep_dataset(hs_dataset *ds, prep_report *rep_out, csv_table *t, const char *path,
                 const prep_options *opt, hs_error *err) {
    int rc = HS_OK;
    prep_report rep;
    prep_log lg = {0};
    memset(ds, 0, sizeof *ds);
    memset(&rep, 0, sizeof rep);
    prep_options defaults = {NULL, 0, NULL, 0};
    if (!opt) opt = &defaults;
    const char *const *names = opt->features ? opt->features : prep_default_features;
    prep_cols pc = {NULL, opt->features ? opt->n_features : 14, 0};
    const char *target = opt->target ? opt->target : PREP_DEFAULT_TARGET;
    size_t N = t->n_rows;
    rep.n_rows = N;
    rep.n_columns = t->n_cols;
    memcpy(rep.sha256, t->sha256, sizeof rep.sha256);

    if ((rc = prep_select(&pc, t, path, names, target, err))) goto done;
    size_t min_rows = prep_min_rows();
    if (N < min_rows) {
        rc = hs_error_set(err, HS_ERR_VALUE, path, 0, 0,
                          "%zu data rows are fewer than one window needs: at least %zu rows "
                          "(sequence_length 120, sampling_rate 6, horizon 24, 50/25/25 split)",
                          N, min_rows);
        goto done;
    }
    rep.n_train = N / 2;
    rep.n_val = N / 4;
    rep.n_test = N - rep.n_train - rep.n_val;

    prep_logf(&lg, "source: %s (%llu bytes%s, sha256 %s)\n", path,
              (unsigned long long)t->n_bytes, t->compressed ? " after xz decoding" : "", t->sha256);
    prep_logf(&lg, "rows: %zu, numeric columns: %zu, dates: %s\n", N, t->n_cols,
              t->date_format == CSV_DATE_DMY ? "dd.mm.yyyy HH:MM:SS" : "yyyy-mm-dd HH:MM:SS");
    prep_logf(&lg, "features (%zu):", pc.F);
    for (size_t f = 0; f < pc.F; f++) prep_logf(&lg, "%s %s", f ? "," : "", t->names[pc.fcol[f]]);
    prep_logf(&lg, "\ntarget: %s (raw, not normalised)\n", t->names[pc.tcol]);

    if ((rc = prep_sentinels(t, &pc, opt, &rep, &lg, path, err))) goto done;

    int nomem_flag = 0;
    rep.interval = prep_modal_interval(t->time, N, &nomem_flag);
    if (nomem_flag) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    prep_time_checks(&rep, &lg, t->time, N, rep.interval);
    prep_logf(&lg, "split (Keras): train %zu, val %zu, test %zu rows\n", rep.n_train, rep.n_val,
              rep.n_test);

    if ((rc = prep_fill(ds, t, &pc, &rep, &lg, path, err))) goto done;
    if (lg.failed) rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
done:
    free(pc.fcol);
    if (rc) {
        dataset_deinit(ds);
        free(lg.s);
        lg.s = NULL;
    }
    rep.log = lg.s;
    if (rep_out) *rep_out = rep;
    else free(rep.log);
    return rc;
}

void prep_report_deinit(prep_report *rep) {
    if (!rep) return;
    free(rep->log);
    memset(rep, 0, sizeof *rep);
}

int prep_run(const char *in_path, const char *out_path, const prep_options *opt,
             prep_report *rep, hs_error *err) {
    csv_table t;
    hs_dataset ds;
    prep_report local;
    memset(&ds, 0, sizeof ds);
    memset(&local, 0, sizeof local);
    if (rep) memset(rep, 0, sizeof *rep);
    int rc = csv_read(&t, in_path, err);
    if (rc) return rc;
    rc = prep_dataset(&ds, &local, &t, in_path, opt, err);
    csv_deinit(&t);
    if (rc == HS_OK) {
        const char *base = strrchr(in_path, '/');
        base = base ? base + 1 : in_path;
        rc = h5data_write(out_path, &ds, base, local.log ? local.log : "", err);
    }
    dataset_deinit(&ds);
    if (rep && rc == HS_OK) *rep = local;
    else prep_report_deinit(&local);
    return rc;
}
