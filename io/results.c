/* results: ranking, grouping, marginals and the result files (see results.h).
 *
 * Tables are built in memory (strbuf) and written with rundir_write (atomic). Grouping sorts
 * records by a canonical configuration key (every hparams field but the seed, formatted), so
 * it is O(n log n) even for 10^4 trials. */
#define _POSIX_C_SOURCE 200809L
#include "io/results.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "io/dsfp.h"
#include "io/hpfields.h"
#include "io/json.h"
#include "io/rundir.h"
#include "io/strbuf.h"

/* ==== metrics ========================================================================== */

const char *results_metric_name(results_metric m) {
    switch (m) {
    case RESULTS_VAL_MAE: return "val_mae";
    case RESULTS_VAL_LOSS: return "val_loss";
    case RESULTS_TEST_MAE: return "test_mae";
    }
    return "?";
}

int results_parse_metric(const char *s, results_metric *out) {
    static const results_metric all[] = {RESULTS_VAL_MAE, RESULTS_VAL_LOSS, RESULTS_TEST_MAE};
    for (size_t i = 0; i < 3; i++)
        if (s && strcmp(s, results_metric_name(all[i])) == 0) { *out = all[i]; return 0; }
    return -1;
}

double results_metric_value(const journal_record *r, results_metric m) {
    switch (m) {
    case RESULTS_VAL_MAE: return r->val_mae;
    case RESULTS_VAL_LOSS: return r->val_loss;
    case RESULTS_TEST_MAE: return r->test_mae;
    }
    return NAN;
}

/* a record that takes part in ranking and statistics: a finished trial, or one an adaptive
 * search paused or pruned (ranked by its best metric so far; its epochs show how far it got) */
static int results_ranked(const journal_record *r, results_metric m) {
    return (r->status == JOURNAL_OK || r->status == JOURNAL_PAUSED || r->status == JOURNAL_PRUNED) &&
           isfinite(results_metric_value(r, m));
}

/* mean, sample std (n - 1) and min of v[0..n); NaN where undefined */
static void results_stats(const double *v, size_t n, double *mean, double *std, double *min) {
    *mean = *std = *min = NAN;
    if (n == 0) return;
    double s = 0.0, lo = v[0];
    for (size_t i = 0; i < n; i++) {
        s += v[i];
        if (v[i] < lo) lo = v[i];
    }
    *mean = s / (double)n;
    *min = lo;
    if (n < 2) return;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (v[i] - *mean) * (v[i] - *mean);
    *std = sqrt(ss / (double)(n - 1));
}

/* ==== persistence baseline ============================================================= */

const results_baseline *results_baseline_find(const results_baseline *b, size_t n, const hs_hparams *hp) {
    size_t delay = hparams_delay(hp);
    for (size_t i = 0; b && i < n; i++)
        if (b[i].seq_len == hp->sequence_length && b[i].rate == hp->sampling_rate && b[i].delay == delay)
            return &b[i];
    return NULL;
}

double results_baseline_value(const results_baseline *b, results_metric m) {
    if (!b) return NAN;
    switch (m) {
    case RESULTS_VAL_MAE: return b->val_mae;
    case RESULTS_VAL_LOSS: return b->val_loss;
    case RESULTS_TEST_MAE: return b->test_mae;
    }
    return NAN;
}

double results_vs_baseline(const journal_record *r, results_metric m, const results_baseline *b, size_t n) {
    double base = results_baseline_value(results_baseline_find(b, n, &r->hp), m);
    double v = results_metric_value(r, m);
    if (!isfinite(base) || !isfinite(v) || base == 0.0) return NAN;
    return (v - base) / base;
}

/* ==== axes ============================================================================= */

void results_axes(const journal_record *recs, size_t n, size_t *axes, size_t *n_axes) {
    *n_axes = 0;
    for (size_t k = 0; k < hpfields_count(); k++) {
        if (hpfields_kind_of(k) == HPFIELDS_U64) continue; /* the seed differs per trial */
        char a[64], b[64];
        int varies = 0;
        if (n > 0) hpfields_format(&recs[0].hp, k, a, sizeof a);
        for (size_t i = 1; i < n && !varies; i++) {
            hpfields_format(&recs[i].hp, k, b, sizeof b);
            varies = strcmp(a, b) != 0;
        }
        if (varies) axes[(*n_axes)++] = k;
    }
}

int results_resolve_axes(const journal_record *recs, size_t n, const results_options *opt, size_t *axes,
                         size_t *n_axes, hs_error *err) {
    if (!opt || !opt->axes) {
        results_axes(recs, n, axes, n_axes);
        return 0;
    }
    *n_axes = 0;
    for (size_t i = 0; i < opt->n_axes; i++) {
        size_t k = hpfields_find(opt->axes[i]);
        if (k == (size_t)-1)
            return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "unknown parameter '%s'", opt->axes[i]);
        int dup = 0;
        for (size_t j = 0; j < *n_axes; j++) dup |= axes[j] == k;
        if (!dup && *n_axes < hpfields_count()) axes[(*n_axes)++] = k;
    }
    return 0;
}

/* ==== ranking ========================================================================== */

typedef struct results_key {
    int cls;              /* 0 ranked, 1 ok without metric, 2 diverged, 3 failed */
    double metric;        /* ranking value for cls 0 */
    const char *id;       /* tie-break */
    size_t repeat;        /* tie-break */
    size_t idx;           /* record index */
} results_key;

static int results_cmp_key(const void *a, const void *b) {
    const results_key *x = a, *y = b;
    if (x->cls != y->cls) return x->cls - y->cls;
    if (x->cls == 0 && x->metric != y->metric) return x->metric < y->metric ? -1 : 1;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    if (x->repeat != y->repeat) return x->repeat < y->repeat ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t results_rank(const journal_record *recs, size_t n, results_metric m, size_t *order) {
    results_key *keys = malloc((n ? n : 1) * sizeof *keys);
    size_t ranked = 0;
    if (!keys) { /* degrade to file order rather than fail: ranking is a view */
        for (size_t i = 0; i < n; i++) order[i] = i;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const journal_record *r = &recs[i];
        int cls = results_ranked(r, m) ? 0 : r->status == JOURNAL_OK ? 1 : r->status == JOURNAL_DIVERGED ? 2 : 3;
        keys[i] = (results_key){cls, results_metric_value(r, m), r->id, r->repeat, i};
        if (cls == 0) ranked++;
    }
    qsort(keys, n, sizeof *keys, results_cmp_key);
    for (size_t i = 0; i < n; i++) order[i] = keys[i].idx;
    free(keys);
    return ranked;
}

/* ==== groups =========================================================================== */

typedef struct results_gkey {
    char *key;            /* canonical configuration text (all fields but seed), owned */
    size_t repeat;        /* record's repeat */
    size_t idx;           /* record index */
} results_gkey;

static int results_cmp_gkey(const void *a, const void *b) {
    const results_gkey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->repeat != y->repeat) return x->repeat < y->repeat ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static char *results_config_key(const hs_hparams *hp) {
    strbuf sb;
    strbuf_init(&sb);
    char v[64];
    for (size_t k = 0; k < hpfields_count(); k++) {
        if (hpfields_kind_of(k) == HPFIELDS_U64) continue;
        hpfields_format(hp, k, v, sizeof v);
        strbuf_puts(&sb, v);
        strbuf_putc(&sb, '\x1f');
    }
    if (strbuf_failed(&sb)) { strbuf_deinit(&sb); return NULL; }
    return sb.data;
}

typedef struct results_gsort {
    results_group g;      /* the group */
    const char *id;       /* id of its first record, tie-break */
} results_gsort;

static int results_cmp_group(const void *a, const void *b) {
    const results_gsort *x = a, *y = b;
    int xn = isnan(x->g.mean), yn = isnan(y->g.mean);
    if (xn != yn) return xn - yn;
    if (!xn && x->g.mean != y->g.mean) return x->g.mean < y->g.mean ? -1 : 1;
    return strcmp(x->id, y->id);
}

int results_groups(const journal_record *recs, size_t n, results_metric m, results_group **groups_out,
                   size_t *n_groups, hs_error *err) {
    *groups_out = NULL;
    *n_groups = 0;
    int rc = 0;
    size_t cnt = 0;
    results_gkey *keys = calloc(n ? n : 1, sizeof *keys);
    results_gsort *gs = calloc(n ? n : 1, sizeof *gs);
    double *vals = malloc((n ? n : 1) * sizeof *vals), *tvals = malloc((n ? n : 1) * sizeof *tvals);
    if (!keys || !gs || !vals || !tvals) { rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory"); goto done; }
    for (size_t i = 0; i < n; i++) {
        keys[i] = (results_gkey){results_config_key(&recs[i].hp), recs[i].repeat, i};
        if (!keys[i].key) { rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory"); goto done; }
    }
    qsort(keys, n, sizeof *keys, results_cmp_gkey);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && strcmp(keys[b].key, keys[a].key) == 0) b++;
        results_group *g = &gs[cnt].g;
        g->first = keys[a].idx;
        g->n = b - a;
        size_t nt = 0;
        for (size_t i = a; i < b; i++) {
            const journal_record *r = &recs[keys[i].idx];
            if (!results_ranked(r, m)) continue;
            vals[g->n_ok++] = results_metric_value(r, m);
            if (isfinite(r->test_mae)) tvals[nt++] = r->test_mae;
        }
        double unused_std, unused_min;
        results_stats(vals, g->n_ok, &g->mean, &g->std, &g->min);
        results_stats(tvals, nt, &g->test_mean, &unused_std, &unused_min);
        gs[cnt].id = recs[g->first].id;
        cnt++;
        a = b;
    }
    qsort(gs, cnt, sizeof *gs, results_cmp_group);
    results_group *out = malloc((cnt ? cnt : 1) * sizeof *out);
    if (!out) { rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory"); goto done; }
    for (size_t i = 0; i < cnt; i++) out[i] = gs[i].g;
    *groups_out = out;
    *n_groups = cnt;
done:
    if (keys)
        for (size_t i = 0; i < n; i++) free(keys[i].key);
    free(keys);
    free(gs);
    free(vals);
    free(tvals);
    return rc;
}

/* ==== marginals ======================================================================== */

typedef struct results_mkey {
    double key;           /* numeric order */
    char value[64];       /* formatted value */
    size_t idx;           /* record index */
} results_mkey;

static int results_cmp_mkey(const void *a, const void *b) {
    const results_mkey *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    int c = strcmp(x->value, y->value);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int results_marginals(const journal_record *recs, size_t n, size_t axis, results_metric m,
                      results_marginal **rows_out, size_t *n_rows, hs_error *err) {
    *rows_out = NULL;
    *n_rows = 0;
    if (axis >= hpfields_count()) return hs_error_set(err, HS_ERR_VALUE, NULL, 0, 0, "bad axis %zu", axis);
    int rc = 0;
    results_mkey *keys = malloc((n ? n : 1) * sizeof *keys);
    results_marginal *rows = calloc(n ? n : 1, sizeof *rows);
    double *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!keys || !rows || !vals) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        free(rows);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i].key = hpfields_value(&recs[i].hp, axis);
        hpfields_format(&recs[i].hp, axis, keys[i].value, sizeof keys[i].value);
        keys[i].idx = i;
    }
    qsort(keys, n, sizeof *keys, results_cmp_mkey);
    size_t cnt = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && strcmp(keys[b].value, keys[a].value) == 0) b++;
        results_marginal *row = &rows[cnt++];
        memcpy(row->value, keys[a].value, sizeof row->value);
        row->key = keys[a].key;
        row->n = b - a;
        for (size_t i = a; i < b; i++)
            if (results_ranked(&recs[keys[i].idx], m)) vals[row->n_ok++] = results_metric_value(&recs[keys[i].idx], m);
        results_stats(vals, row->n_ok, &row->mean, &row->std, &row->min);
        a = b;
    }
    *rows_out = rows;
    *n_rows = cnt;
done:
    free(keys);
    free(vals);
    return rc;
}

/* ==== files ========================================================================== */

/* build DIR/name, write sb atomically */
static int results_emit(const char *dir, const char *name, const strbuf *sb, hs_error *err) {
    if (strbuf_failed(sb)) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory building %s", name);
    return rundir_write(dir, name, strbuf_str(sb), sb->len, err);
}

/* ==== text helpers ===================================================================== */

/* a metric for Markdown: 4 decimals, "-" for NaN */
static void results_num(char *buf, size_t n, double x) {
    if (isfinite(x)) snprintf(buf, n, "%.4f", x);
    else snprintf(buf, n, "-");
}

/* Markdown cell text: '|' escaped, newlines folded */
static void results_md_text(strbuf *sb, const char *s) {
    for (; *s; s++) {
        if (*s == '|') strbuf_puts(sb, "\\|");
        else if (*s == '\n' || *s == '\r') strbuf_putc(sb, ' ');
        else strbuf_putc(sb, *s);
    }
}

/* CSV field (RFC 4180): quoted when it contains a comma, quote or newline */
static void results_csv_text(strbuf *sb, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) { strbuf_puts(sb, s); return; }
    strbuf_putc(sb, '"');
    for (; *s; s++) {
        if (*s == '"') strbuf_putc(sb, '"');
        strbuf_putc(sb, *s);
    }
    strbuf_putc(sb, '"');
}

/* CSV number: %.9g, empty for NaN */
static void results_csv_num(strbuf *sb, double x) {
    if (isfinite(x)) strbuf_printf(sb, "%.9g", x);
}

/* ==== results.csv ====================================================================== */

static void results_build_csv(strbuf *sb, const journal_record *recs, size_t n, const size_t *order, size_t ranked,
                              const results_options *opt) {
    strbuf_puts(sb, "rank,id,repeat,status,val_mae,test_mae,val_loss,best_epoch,epochs_run,wall_s,n_params,worker");
    for (size_t k = 0; k < hpfields_count(); k++) strbuf_printf(sb, ",%s", hpfields_name(k));
    strbuf_puts(sb, opt->rungs ? ",rungs,reason\n" : ",reason\n");
    char v[64], rg[512];
    for (size_t p = 0; p < n; p++) {
        const journal_record *r = &recs[order[p]];
        if (p < ranked) strbuf_printf(sb, "%zu", p + 1);
        strbuf_printf(sb, ",%s,%zu,%s,", r->id, r->repeat, journal_status_name(r->status));
        results_csv_num(sb, r->val_mae);
        strbuf_putc(sb, ',');
        results_csv_num(sb, r->test_mae);
        strbuf_putc(sb, ',');
        results_csv_num(sb, r->val_loss);
        strbuf_printf(sb, ",%zu,%zu,", r->best_epoch, r->epochs_run);
        results_csv_num(sb, r->wall_s);
        strbuf_printf(sb, ",%zu,%d", r->n_params, r->rank);
        for (size_t k = 0; k < hpfields_count(); k++) {
            hpfields_format(&r->hp, k, v, sizeof v);
            strbuf_printf(sb, ",%s", v);
        }
        if (opt->rungs) {
            opt->rungs(opt->rungs_ctx, r, rg, sizeof rg);
            strbuf_putc(sb, ',');
            results_csv_text(sb, rg);
        }
        strbuf_putc(sb, ',');
        results_csv_text(sb, r->reason);
        strbuf_putc(sb, '\n');
    }
}

/* ==== results.md / ranked table ======================================================== */

/* "+4.9%" / "-3.1%" / "-" */
static void results_rel(char *buf, size_t n, double x) {
    if (isfinite(x)) snprintf(buf, n, "%+.1f%%", 100.0 * x);
    else snprintf(buf, n, "-");
}

void results_baseline_lines(strbuf *sb, const journal_record *recs, const size_t *order, size_t ranked,
                            results_metric m, const results_baseline *b, size_t n) {
    char a[32], c[32], d[32];
    for (size_t i = 0; i < n; i++) {
        results_num(a, sizeof a, b[i].val_mae);
        results_num(c, sizeof c, b[i].test_mae);
        strbuf_puts(sb, "Persistence baseline (predict the target's value at the window's last input step)");
        if (n > 1)
            strbuf_printf(sb, " for sequence_length %zu, sampling_rate %zu, delay %zu rows", b[i].seq_len, b[i].rate,
                          b[i].delay);
        strbuf_printf(sb, ": val MAE %s / test MAE %s", a, c);
        if (m == RESULTS_VAL_LOSS) {
            results_num(d, sizeof d, b[i].val_loss);
            strbuf_printf(sb, " / val loss %s", d);
        }
        strbuf_puts(sb, ".\n");
    }
    if (n == 0 || ranked == 0) return;
    /* does any ranked trial beat the baseline of its own window setting? */
    size_t beat = 0, known = 0;
    for (size_t p = 0; p < ranked; p++) {
        double rel = results_vs_baseline(&recs[order[p]], m, b, n);
        if (!isfinite(rel)) continue;
        known++;
        if (rel < 0.0) beat++;
    }
    double best = results_vs_baseline(&recs[order[0]], m, b, n);
    results_rel(a, sizeof a, best);
    if (known == 0)
        return;
    if (beat == 0)
        strbuf_printf(sb, "**No trial beats persistence** on %s: the best is %s against it.\n", results_metric_name(m), a);
    else
        strbuf_printf(sb, "%zu of %zu ranked trials beat persistence on %s; the best by %s.\n", beat, known,
                      results_metric_name(m), a);
}

static void results_md_ranked(strbuf *sb, const journal_record *recs, const size_t *order, size_t ranked,
                              size_t top, const results_options *opt, const size_t *axes, size_t n_axes) {
    results_metric m = opt->metric;
    int show_base = opt->n_baselines > 0;
    size_t rows = top && top < ranked ? top : ranked;
    /* the metric, then val MAE and test MAE unless the metric is one of them */
    int show_val = m != RESULTS_VAL_MAE, show_test = m != RESULTS_TEST_MAE;
    strbuf_printf(sb, "| # | id | rep | %s |%s%s%s best/run epoch | status |%s", results_metric_name(m),
                  show_base ? " vs persistence |" : "", show_val ? " val_mae |" : "", show_test ? " test MAE |" : "",
                  opt->rungs ? " rungs |" : "");
    for (size_t a = 0; a < n_axes; a++) strbuf_printf(sb, " %s |", hpfields_name(axes[a]));
    strbuf_puts(sb, "\n|--:|----|--:|--:|");
    if (show_base) strbuf_puts(sb, "--:|");
    if (show_val) strbuf_puts(sb, "--:|");
    if (show_test) strbuf_puts(sb, "--:|");
    strbuf_puts(sb, opt->rungs ? "--:|---|---|" : "--:|---|");
    for (size_t a = 0; a < n_axes; a++) strbuf_puts(sb, "---|");
    strbuf_putc(sb, '\n');
    char x[32], y[32], z[32], v[64], rg[512];
    for (size_t p = 0; p < rows; p++) {
        const journal_record *r = &recs[order[p]];
        results_num(x, sizeof x, results_metric_value(r, m));
        results_num(y, sizeof y, r->test_mae);
        results_num(z, sizeof z, r->val_mae);
        strbuf_printf(sb, "| %zu | %s | %zu | %s |", p + 1, r->id, r->repeat, x);
        if (show_base) {
            char rel[32];
            results_rel(rel, sizeof rel, results_vs_baseline(r, m, opt->baselines, opt->n_baselines));
            strbuf_printf(sb, " %s |", rel);
        }
        if (show_val) strbuf_printf(sb, " %s |", z);
        if (show_test) strbuf_printf(sb, " %s |", y);
        strbuf_printf(sb, " %zu/%zu | %s |", r->best_epoch, r->epochs_run, journal_status_name(r->status));
        if (opt->rungs) {
            opt->rungs(opt->rungs_ctx, r, rg, sizeof rg);
            strbuf_printf(sb, " %s |", rg[0] ? rg : "-");
        }
        for (size_t a = 0; a < n_axes; a++) {
            hpfields_format(&r->hp, axes[a], v, sizeof v);
            strbuf_printf(sb, " %s |", v);
        }
        strbuf_putc(sb, '\n');
    }
}

static void results_md_failures(strbuf *sb, const journal_record *recs, const size_t *order, size_t ranked, size_t n,
                                const size_t *axes, size_t n_axes) {
    strbuf_puts(sb, "| id | rep | status | reason |");
    for (size_t a = 0; a < n_axes; a++) strbuf_printf(sb, " %s |", hpfields_name(axes[a]));
    strbuf_puts(sb, "\n|----|--:|---|---|");
    for (size_t a = 0; a < n_axes; a++) strbuf_puts(sb, "---|");
    strbuf_putc(sb, '\n');
    char v[64];
    for (size_t p = ranked; p < n; p++) {
        const journal_record *r = &recs[order[p]];
        strbuf_printf(sb, "| %s | %zu | %s | ", r->id, r->repeat, journal_status_name(r->status));
        results_md_text(sb, r->reason[0] ? r->reason : "-");
        strbuf_puts(sb, " |");
        for (size_t a = 0; a < n_axes; a++) {
            hpfields_format(&r->hp, axes[a], v, sizeof v);
            strbuf_printf(sb, " %s |", v);
        }
        strbuf_putc(sb, '\n');
    }
}

/* counts by status */
static void results_count_status(const journal_record *recs, size_t n, size_t count[3]) {
    count[0] = count[1] = count[2] = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)recs[i].status >= 0 && (int)recs[i].status < 3) count[recs[i].status]++;
}

static void results_build_md(strbuf *sb, const journal_record *recs, size_t n, const size_t *order, size_t ranked,
                             const results_options *opt, const size_t *axes, size_t n_axes) {
    size_t count[3];
    results_count_status(recs, n, count);
    strbuf_puts(sb, "# Results");
    if (opt->title) {
        strbuf_puts(sb, ": ");
        results_md_text(sb, opt->title);
    }
    strbuf_printf(sb, "\n\n%zu trials: %zu ok, %zu diverged, %zu failed. Ranked by %s (lower is better); "
                      "test MAE at the best-validation weights.\n\n",
                  n, count[JOURNAL_OK], count[JOURNAL_DIVERGED], count[JOURNAL_FAILED], results_metric_name(opt->metric));
    results_baseline_lines(sb, recs, order, ranked, opt->metric, opt->baselines, opt->n_baselines);
    if (opt->n_baselines) strbuf_putc(sb, '\n');
    if (n == 0)
        strbuf_puts(sb, "No trial has finished yet: the journal is empty (a run that was interrupted before its "
                        "first trial ended resumes with the same command).\n");
    else if (ranked == 0)
        strbuf_printf(sb, "No trial finished with a finite %s: every trial diverged or failed (below).\n",
                      results_metric_name(opt->metric));
    else
        results_md_ranked(sb, recs, order, ranked, 0, opt, axes, n_axes);
    if (ranked < n) {
        strbuf_puts(sb, "\n## Diverged and failed trials\n\n");
        results_md_failures(sb, recs, order, ranked, n, axes, n_axes);
    }
}

/* ==== summary.md ======================================================================= */

/* Adaptive search (a journal with paused or pruned trials): one line with those counts and
 * the epochs trained against what the same trials cost at their full budget. */
static void results_search_line(strbuf *sb, const journal_record *recs, size_t n) {
    size_t paused = 0, pruned = 0, used = 0, full = 0;
    for (size_t i = 0; i < n; i++) {
        paused += recs[i].status == JOURNAL_PAUSED;
        pruned += recs[i].status == JOURNAL_PRUNED;
        used += recs[i].epochs_run;
        full += recs[i].hp.epochs;
    }
    if (paused + pruned == 0) return;
    strbuf_printf(sb, "Adaptive search: %zu trials paused, %zu pruned (ranked by their best %s so far). "
                      "Epochs trained: %zu of %zu at full budget (%.1f%%).\n\n",
                  paused, pruned, "metric", used, full, full ? 100.0 * (double)used / (double)full : 0.0);
}

static int results_build_summary(strbuf *sb, const journal_record *recs, size_t n, const results_options *opt,
                                 const size_t *axes, size_t n_axes, hs_error *err) {
    results_metric m = opt->metric;
    const char *mn = results_metric_name(m);
    size_t count[3];
    results_count_status(recs, n, count);
    results_group *groups = NULL;
    size_t n_groups = 0;
    int rc = results_groups(recs, n, m, &groups, &n_groups, err);
    if (rc != 0) return rc;
    char a[32], b[32], c[32], d[32], v[64];

    strbuf_puts(sb, "# Summary");
    if (opt->title) {
        strbuf_puts(sb, ": ");
        results_md_text(sb, opt->title);
    }
    strbuf_printf(sb, "\n\n%zu trials in %zu configurations: %zu ok, %zu diverged, %zu failed. Metric: %s "
                      "(lower is better). Std is the sample std over repeats (n - 1).\n\n",
                  n, n_groups, count[JOURNAL_OK], count[JOURNAL_DIVERGED], count[JOURNAL_FAILED], mn);
    results_search_line(sb, recs, n);
    if (opt->n_baselines) {
        size_t *order = malloc((n ? n : 1) * sizeof *order);
        if (!order) {
            free(groups);
            return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        }
        size_t ranked = results_rank(recs, n, m, order);
        results_baseline_lines(sb, recs, order, ranked, m, opt->baselines, opt->n_baselines);
        strbuf_putc(sb, '\n');
        free(order);
    }

    strbuf_puts(sb, "## Best configuration\n\n");
    if (n_groups == 0 || isnan(groups[0].mean)) {
        strbuf_puts(sb, "No trial finished with a result yet.\n\n");
    } else {
        const results_group *g = &groups[0];
        const journal_record *r = &recs[g->first];
        results_num(a, sizeof a, g->mean);
        results_num(b, sizeof b, g->std);
        results_num(c, sizeof c, g->test_mean);
        strbuf_printf(sb, "%s %s ± %s over %zu of %zu repeats (test MAE %s); trial %s (repeat %zu).\n\n", mn, a, b,
                      g->n_ok, g->n, c, r->id, r->repeat);
        strbuf_puts(sb, "| parameter | value |\n|---|---|\n");
        for (size_t k = 0; k < hpfields_count(); k++) {
            if (hpfields_kind_of(k) == HPFIELDS_U64) continue;
            hpfields_format(&r->hp, k, v, sizeof v);
            strbuf_printf(sb, "| %s | %s |\n", hpfields_name(k), v);
        }
        strbuf_putc(sb, '\n');
    }

    strbuf_puts(sb, "## Mean ± std over repeats\n\n");
    strbuf_printf(sb, "| # | first id | %s mean | std | min | ok/n | test MAE mean |", mn);
    for (size_t x = 0; x < n_axes; x++) strbuf_printf(sb, " %s |", hpfields_name(axes[x]));
    strbuf_puts(sb, "\n|--:|----|--:|--:|--:|--:|--:|");
    for (size_t x = 0; x < n_axes; x++) strbuf_puts(sb, "---|");
    strbuf_putc(sb, '\n');
    for (size_t i = 0; i < n_groups; i++) {
        const results_group *g = &groups[i];
        results_num(a, sizeof a, g->mean);
        results_num(b, sizeof b, g->std);
        results_num(c, sizeof c, g->min);
        results_num(d, sizeof d, g->test_mean);
        strbuf_printf(sb, "| %zu | %s | %s | %s | %s | %zu/%zu | %s |", i + 1, recs[g->first].id, a, b, c, g->n_ok,
                      g->n, d);
        for (size_t x = 0; x < n_axes; x++) {
            hpfields_format(&recs[g->first].hp, axes[x], v, sizeof v);
            strbuf_printf(sb, " %s |", v);
        }
        strbuf_putc(sb, '\n');
    }
    free(groups);

    strbuf_puts(sb, "\n## Marginals per swept axis\n\n");
    if (n_axes == 0)
        strbuf_puts(sb, "No swept axes: every trial has the same configuration apart from the seed.\n\n");
    for (size_t x = 0; x < n_axes; x++) {
        results_marginal *rows = NULL;
        size_t n_rows = 0;
        rc = results_marginals(recs, n, axes[x], m, &rows, &n_rows, err);
        if (rc != 0) return rc;
        strbuf_printf(sb, "### %s\n\n| %s | %s mean | std | min | ok/n |\n|---|--:|--:|--:|--:|\n", hpfields_name(axes[x]),
                      hpfields_name(axes[x]), mn);
        for (size_t i = 0; i < n_rows; i++) {
            results_num(a, sizeof a, rows[i].mean);
            results_num(b, sizeof b, rows[i].std);
            results_num(c, sizeof c, rows[i].min);
            strbuf_printf(sb, "| %s | %s | %s | %s | %zu/%zu |\n", rows[i].value, a, b, c, rows[i].n_ok, rows[i].n);
        }
        strbuf_putc(sb, '\n');
        free(rows);
    }

    strbuf_puts(sb, "## Failures by status\n\n| status | trials |\n|---|--:|\n");
    for (int s = 0; s < 3; s++)
        strbuf_printf(sb, "| %s | %zu |\n", journal_status_name((journal_status)s), count[s]);
    return 0;
}

/* ==== tables =========================================================================== */

static const results_options results_default_options = {RESULTS_VAL_MAE, NULL, 0, NULL, NULL, 0, NULL, NULL};

/* What every table starts from: the swept axes (axes must hold 64 entries) and the ranking
 * (*order malloc'ed, n entries, caller frees; *ranked ranked records first). 0 or a
 * negative hs_status (*order NULL). */
static int results_prepare(const journal_record *recs, size_t n, const results_options *opt, size_t *axes,
                           size_t *n_axes, size_t **order, size_t *ranked, hs_error *err) {
    *order = NULL;
    int rc = results_resolve_axes(recs, n, opt, axes, n_axes, err);
    if (rc != 0) return rc;
    *order = malloc((n ? n : 1) * sizeof **order);
    if (!*order) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    *ranked = results_rank(recs, n, opt->metric, *order);
    return 0;
}

int results_write_tables(const char *dir, const journal_record *recs, size_t n, const results_options *opt,
                         hs_error *err) {
    if (!opt) opt = &results_default_options;
    size_t axes[64], n_axes = 0, *order = NULL, ranked = 0;
    int rc = results_prepare(recs, n, opt, axes, &n_axes, &order, &ranked, err);
    if (rc != 0) return rc;
    strbuf sb;
    strbuf_init(&sb);
    results_build_csv(&sb, recs, n, order, ranked, opt);
    rc = results_emit(dir, RUNDIR_RESULTS_CSV, &sb, err);
    strbuf_deinit(&sb);
    if (rc == 0) {
        results_build_md(&sb, recs, n, order, ranked, opt, axes, n_axes);
        rc = results_emit(dir, RUNDIR_RESULTS_MD, &sb, err);
        strbuf_deinit(&sb);
    }
    if (rc == 0) {
        rc = results_build_summary(&sb, recs, n, opt, axes, n_axes, err);
        if (rc == 0) rc = results_emit(dir, RUNDIR_SUMMARY, &sb, err);
        strbuf_deinit(&sb);
    }
    free(order);
    return rc;
}

int results_print_ranked(FILE *f, const journal_record *recs, size_t n, const results_options *opt, size_t top,
                         hs_error *err) {
    if (!opt) opt = &results_default_options;
    size_t axes[64], n_axes = 0, *order = NULL, ranked = 0;
    int rc = results_prepare(recs, n, opt, axes, &n_axes, &order, &ranked, err);
    if (rc != 0) return rc;
    strbuf sb;
    strbuf_init(&sb);
    size_t count[3];
    results_count_status(recs, n, count);
    size_t shown = top && top < ranked ? top : ranked, no_metric = 0;
    for (size_t i = 0; i < n; i++)
        no_metric += recs[i].status == JOURNAL_OK && !isfinite(results_metric_value(&recs[i], opt->metric));
    if (n == 0) {
        strbuf_puts(&sb, "No trial has finished yet: the journal is empty, so there is nothing to rank (a run "
                         "interrupted before its first trial ended resumes with the same command).\n");
        goto out;
    }
    if (ranked > 0) results_md_ranked(&sb, recs, order, ranked, top, opt, axes, n_axes);
    else
        strbuf_printf(&sb, "No trial finished with a finite %s: all %zu diverged or failed (see results.md for "
                           "the reasons).\n", results_metric_name(opt->metric), n);
    results_baseline_lines(&sb, recs, order, ranked, opt->metric, opt->baselines, opt->n_baselines);
    strbuf_printf(&sb, "%zu of %zu ranked trials shown; %zu diverged, %zu failed, %zu without a %s.\n", shown, ranked,
                  count[JOURNAL_DIVERGED], count[JOURNAL_FAILED], no_metric, results_metric_name(opt->metric));
out:
    if (strbuf_failed(&sb)) rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
    else if (fwrite(sb.data, 1, sb.len, f) != sb.len) rc = hs_error_set(err, HS_ERR_IO, NULL, 0, 0, "cannot write output");
    strbuf_deinit(&sb);
    free(order);
    return rc;
}

/* ==== metadata.json ==================================================================== */

int results_read_json(const char *path, json_value **root, hs_error *err) {
    *root = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    strbuf sb;
    strbuf_init(&sb);
    int bad = strbuf_read_stream(&sb, f) != 0;
    fclose(f);
    if (bad) {
        strbuf_deinit(&sb);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot read");
    }
    int rc = json_parse(strbuf_str(&sb), sb.len, root, err);
    strbuf_deinit(&sb);
    if (rc != 0 && err) { /* the parser does not know the file name */
        size_t L = strlen(path) < sizeof err->file ? strlen(path) : sizeof err->file - 1;
        memcpy(err->file, path, L);
        err->file[L] = '\0';
    }
    return rc;
}

/* One start of `hsweep run` on a directory (metadata.json "starts"). */
typedef struct results_start {
    double unix_s;        /* UTC Unix seconds */
    long long ranks;      /* MPI world size, -1 unknown */
    char host[64];        /* rank 0's host, "" unknown */
    char slurm_job_id[32];/* Slurm job id, "" none */
} results_start;

/* The earlier starts recorded in DIR/metadata.json of the same sweep (hash), oldest first:
 * its "starts" array, or for a file written before it existed, its start_time_unix and
 * ranks. *out malloc'ed (caller frees), *n entries; none for another sweep, a missing or an
 * unreadable file. Cannot fail (out of memory gives none). */
static void results_previous_starts(const char *dir, const char *hash, results_start **out, size_t *n) {
    *out = NULL;
    *n = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_METADATA);
    json_value *root = NULL;
    if (results_read_json(path, &root, NULL) != 0) return;
    const char *h = json_as_string(json_get(json_get(root, "sweep"), "hash"));
    const json_value *arr = json_get(root, "starts");
    if (!h || !hash || strcmp(h, hash) != 0) goto done;
    size_t cnt = arr && arr->type == JSON_ARRAY ? arr->n : 1;
    results_start *v = calloc(cnt ? cnt : 1, sizeof *v);
    if (!v) goto done;
    if (arr && arr->type == JSON_ARRAY) {
        for (size_t i = 0; i < arr->n; i++) {
            const json_value *e = arr->items[i];
            results_start *st = &v[*n];
            const char *hs = json_as_string(json_get(e, "host")), *js = json_as_string(json_get(e, "slurm_job_id"));
            int rk = -1;
            if (json_as_double(json_get(e, "unix"), &st->unix_s) != 0 || !isfinite(st->unix_s)) continue;
            if (json_as_int(json_get(e, "ranks"), &rk) != 0) rk = -1;
            st->ranks = rk;
            snprintf(st->host, sizeof st->host, "%.63s", hs ? hs : "");
            snprintf(st->slurm_job_id, sizeof st->slurm_job_id, "%.31s", js ? js : "");
            (*n)++;
        }
    } else {
        int rk = -1;
        if (json_as_double(json_get(root, "start_time_unix"), &v[0].unix_s) == 0 && isfinite(v[0].unix_s)) {
            if (json_as_int(json_get(root, "ranks"), &rk) != 0) rk = -1;
            v[0].ranks = rk;
            *n = 1;
        }
    }
    *out = v;
done:
    json_free(root);
}

static void results_iso_time(double t, char *buf, size_t n) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) snprintf(buf, n, "unknown");
}

int results_write_metadata(const char *dir, const results_meta *m, hs_error *err) {
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    char h5v[64], when[64];
    snprintf(h5v, sizeof h5v, "%u.%u.%u", maj, min, rel);
    /* the history of starts of this sweep: earlier ones from the file, then this one */
    results_start *starts = NULL;
    size_t n_starts = 0;
    results_previous_starts(dir, m->sweep_hash, &starts, &n_starts);
    results_start now = {m->start_time, m->ranks, "", ""};
    char hn[256];
    if (gethostname(hn, sizeof hn) == 0) snprintf(now.host, sizeof now.host, "%.63s", hn);
    const char *job = getenv("SLURM_JOB_ID");
    snprintf(now.slurm_job_id, sizeof now.slurm_job_id, "%.31s", job ? job : "");
    results_iso_time(n_starts ? starts[0].unix_s : m->start_time, when, sizeof when);
    json_begin_object(&w);
    json_key(&w, "format");
    json_string(&w, "hsweep-metadata");
    json_key(&w, "format_version");
    json_i64(&w, 1);
    json_key(&w, "sweep");
    json_begin_object(&w);
    json_key(&w, "name");
    json_string(&w, m->sweep_name);
    json_key(&w, "path");
    json_string(&w, m->sweep_path);
    json_key(&w, "hash");
    json_string(&w, m->sweep_hash);
    json_key(&w, "metric");
    json_string(&w, results_metric_name(m->metric));
    json_key(&w, "n_trials");
    json_u64(&w, m->n_trials);
    if (m->id_scheme > 0) {
        json_key(&w, "id_scheme");
        json_i64(&w, m->id_scheme);
    }
    json_key(&w, "resolved");
    json_string(&w, m->sweep_text);
    json_end_object(&w);
    json_key(&w, "software");
    json_begin_object(&w);
    json_key(&w, "hsweep_version");
    json_string(&w, HSWEEP_VERSION);
    json_key(&w, "git_revision");
    json_string(&w, HSWEEP_GIT_REV);
    json_key(&w, "mpi");
    json_string(&w, m->mpi_version);
    json_key(&w, "hdf5");
    json_string(&w, h5v);
    json_key(&w, "libyaml");
    json_string(&w, yaml_get_version_string());
    json_end_object(&w);
    json_key(&w, "dataset");
    json_begin_object(&w);
    json_key(&w, "path");
    json_string(&w, m->dataset_path);
    if (m->dataset) {
        dsfp fp;
        dsfp_compute(&fp, m->dataset);
        dsfp_write_members(&w, &fp);
    }
    json_end_object(&w);
    json_key(&w, "start_time");
    json_string(&w, when);
    json_key(&w, "start_time_unix");
    json_double(&w, n_starts ? starts[0].unix_s : m->start_time);
    json_key(&w, "ranks");
    json_i64(&w, m->ranks);
    json_key(&w, "starts");
    json_begin_array(&w);
    for (size_t i = 0; i <= n_starts; i++) {
        const results_start *st = i < n_starts ? &starts[i] : &now;
        char t[64];
        results_iso_time(st->unix_s, t, sizeof t);
        json_begin_object(&w);
        json_key(&w, "time");
        json_string(&w, t);
        json_key(&w, "unix");
        json_double(&w, st->unix_s);
        json_key(&w, "ranks");
        json_i64(&w, st->ranks);
        if (st->host[0]) {
            json_key(&w, "host");
            json_string(&w, st->host);
        }
        if (st->slurm_job_id[0]) {
            json_key(&w, "slurm_job_id");
            json_string(&w, st->slurm_job_id);
        }
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    free(starts);
    strbuf_putc(&sb, '\n');
    int rc = results_emit(dir, RUNDIR_METADATA, &sb, err);
    strbuf_deinit(&sb);
    return rc;
}

int results_read_metadata(const char *dir, results_meta_info *out, hs_error *err) {
    memset(out, 0, sizeof *out);
    out->metric = RESULTS_VAL_MAE;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_METADATA);
    json_value *root = NULL;
    int rc = results_read_json(path, &root, err);
    if (rc != 0) return rc;
    const json_value *sweep = json_get(root, "sweep");
    const char *fmt = json_as_string(json_get(root, "format"));
    if (!sweep || !fmt || strcmp(fmt, "hsweep-metadata") != 0) {
        json_free(root);
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "not an hsweep metadata file");
    }
    const char *h = json_as_string(json_get(sweep, "hash"));
    const char *name = json_as_string(json_get(sweep, "name"));
    const char *ms = json_as_string(json_get(sweep, "metric"));
    snprintf(out->sweep_hash, sizeof out->sweep_hash, "%s", h ? h : "");
    snprintf(out->sweep_name, sizeof out->sweep_name, "%s", name ? name : "");
    const json_value *ds = json_get(root, "dataset");
    if (ds && json_get(ds, "source_sha256")) {
        if (dsfp_read_members(ds, &out->dataset) != 0) rc = -1;
        else out->have_dataset = 1;
    }
    if (json_get(sweep, "n_trials") && json_as_size(json_get(sweep, "n_trials"), &out->n_trials) != 0) rc = -1;
    if (ms && results_parse_metric(ms, &out->metric) != 0) rc = -1;
    size_t scheme = 0;
    if (json_get(sweep, "id_scheme") &&
        (json_as_size(json_get(sweep, "id_scheme"), &scheme) != 0 || scheme < 1 || scheme > 1000))
        rc = -1;
    out->id_scheme = (int)scheme;
    json_free(root);
    if (rc != 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "bad metric, n_trials or id_scheme in sweep, or bad dataset fields");
    return 0;
}

/* ==== status.json ====================================================================== */

void results_status_members(json_writer *w, const results_status *st, long long updated_unix) {
    json_key(w, "state");
    json_string(w, st->state ? st->state : "running");
    json_key(w, "total");
    json_u64(w, st->total);
    json_key(w, "done");
    json_u64(w, st->done);
    json_key(w, "failed");
    json_u64(w, st->failed);
    json_key(w, "running");
    json_u64(w, st->running);
    size_t fin = st->done + st->failed + st->running;
    json_key(w, "pending");
    json_u64(w, st->total > fin ? st->total - fin : 0);
    json_key(w, "elapsed_s");
    json_double(w, st->elapsed_s);
    json_key(w, "eta_s");
    json_double(w, st->eta_s >= 0.0 ? st->eta_s : (double)NAN);
    json_key(w, "metric");
    json_string(w, results_metric_name(st->metric));
    json_key(w, "best");
    json_double(w, st->best);
    json_key(w, "best_id");
    json_string(w, st->best_id);
    json_key(w, "ranks");
    json_i64(w, st->ranks);
    json_key(w, "updated_unix");
    json_i64(w, updated_unix);
    if (st->reason && st->reason[0]) {
        json_key(w, "reason");
        json_string(w, st->reason);
    }
}

int results_write_status(const char *dir, const results_status *st, hs_error *err) {
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    json_begin_object(&w);
    results_status_members(&w, st, (long long)time(NULL));
    json_end_object(&w);
    strbuf_putc(&sb, '\n');
    int rc = results_emit(dir, RUNDIR_STATUS, &sb, err);
    strbuf_deinit(&sb);
    return rc;
}

void results_duration(double s, char *buf, size_t n) {
    if (!(s >= 0.0) || !isfinite(s)) { snprintf(buf, n, "?"); return; }
    unsigned long long t = (unsigned long long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%lluh%02llum", t / 3600, t % 3600 / 60);
    else if (t >= 60) snprintf(buf, n, "%llum%02llus", t / 60, t % 60);
    else snprintf(buf, n, "%llus", t);
}

void results_format_progress(const results_status *st, char *buf, size_t n) {
    char el[32], eta[32], best[48];
    results_duration(st->elapsed_s, el, sizeof el);
    results_duration(st->eta_s, eta, sizeof eta);
    if (isfinite(st->best)) snprintf(best, sizeof best, "%.4f (%.8s)", st->best, st->best_id ? st->best_id : "?");
    else snprintf(best, sizeof best, "-");
    snprintf(buf, n, "finished %zu/%zu  running %zu  failed %zu  elapsed %s  eta %s  best %s %s", st->done + st->failed,
             st->total, st->running, st->failed, el, eta, results_metric_name(st->metric), best);
}
