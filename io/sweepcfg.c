/* sweepcfg: YAML sweep and trial files -> validated sweep_def / hs_hparams (see sweepcfg.h).
 *
 * The whole file is loaded with libyaml's document API; every check reports the line:col of
 * the node it is about. Axes given as range/linspace/logspace are turned into value lists
 * here, so expansion only ever sees explicit values. Nothing here reads the dataset's
 * contents or expands trials. */
#include "io/sweepcfg.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "io/hpkey.h"
#include "model/rng.h"

/* ==== parameters: views of the registry (model/hparams.h) ================================= */

/* the parameters that may also be given under `data:` (window parameters, batch size) */
static int is_data_param(sweepcfg_param p) {
    return p < SWEEPCFG_NPARAMS && hparams_info(p)->role == HS_HPR_DATA;
}

const char *sweepcfg_param_name(sweepcfg_param p) {
    if ((int)p < 0 || p >= SWEEPCFG_NPARAMS) return "?";
    return hparams_info(p)->name;
}

int sweepcfg_param_parse(const char *name, sweepcfg_param *out) {
    size_t k = hparams_find(name);
    if (k >= SWEEPCFG_NPARAMS) return -1;
    *out = (sweepcfg_param)k;
    return 0;
}

sweepcfg_type sweepcfg_param_type(sweepcfg_param p) {
    switch (hparams_info(p)->type) {
    case HS_HPT_FLOAT: return SWEEPCFG_T_REAL;
    case HS_HPT_BOOL: return SWEEPCFG_T_BOOL;
    case HS_HPT_CELL: return SWEEPCFG_T_CELL;
    case HS_HPT_OPTIMIZER: return SWEEPCFG_T_OPTIMIZER;
    case HS_HPT_SIZE:
    case HS_HPT_U64: break;
    }
    return SWEEPCFG_T_INT;
}

double sweepcfg_param_get(const hs_hparams *hp, sweepcfg_param p) {
    return p < SWEEPCFG_NPARAMS ? hparams_get(hp, p) : 0.0;
}

void sweepcfg_param_set(hs_hparams *hp, sweepcfg_param p, double v) {
    if (p < SWEEPCFG_NPARAMS) hparams_set(hp, p, v);
}

int sweepcfg_param_equal(sweepcfg_param p, double a, double b) {
    if (sweepcfg_param_type(p) == SWEEPCFG_T_REAL) return (float)a == (float)b;
    return a == b;
}

int sweepcfg_param_check(sweepcfg_param p, double v, char *why, size_t n) {
    return hparams_check_value(p, v, why, n) == 0 ? 0 : HS_ERR_VALUE;
}

void sweepcfg_param_format(sweepcfg_param p, double v, char *buf, size_t n) {
    hparams_format_value(p, v, buf, n);
}

const char *sweepcfg_metric_name(sweepcfg_metric m) {
    return m == SWEEPCFG_METRIC_VAL_LOSS ? "val_loss" : "val_mae";
}

size_t sweepcfg_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 255;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

/* ==== parse context and error helpers ==================================================== */

typedef struct pctx {
    yaml_document_t *doc;     /* the loaded document */
    const char *file;         /* file name for messages */
    hs_error *err;            /* may be NULL */
} pctx;

static long node_line(const yaml_node_t *n) { return n ? (long)n->start_mark.line + 1 : 0; }
static long node_col(const yaml_node_t *n) { return n ? (long)n->start_mark.column + 1 : 0; }

/* Fill the error at node n (may be NULL) and return code. */
static int fail(const pctx *c, const yaml_node_t *n, hs_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static int fail(const pctx *c, const yaml_node_t *n, hs_status code, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hs_error_set(c->err, code, c->file, node_line(n), node_col(n), "%s", msg);
}

static yaml_node_t *node_get(const pctx *c, int idx) {
    return yaml_document_get_node(c->doc, idx);
}

static const char *type_word(const yaml_node_t *n) {
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a map";
    default: return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int is_quoted(const yaml_node_t *n) {
    return n->type == YAML_SCALAR_NODE && (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                                           n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

/* Best did-you-mean candidate for key among cands (NULL when nothing is close). */
static const char *suggest(const char *key, const char *const *cands, size_t n) {
    size_t best = 255, lim = strlen(key) / 3;
    if (lim < 2) lim = 2;
    const char *out = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = sweepcfg_edit_distance(key, cands[i]);
        if (d < best) { best = d; out = cands[i]; }
    }
    return best <= lim ? out : NULL;
}

/* "unknown key 'k' (did you mean 'x'?)" or "... (expected one of: a, b)" */
static int fail_unknown_key(const pctx *c, const yaml_node_t *kn, const char *what,
                            const char *const *cands, size_t n) {
    const char *key = scalar(kn);
    const char *s = suggest(key, cands, n);
    if (s) return fail(c, kn, HS_ERR_FORMAT, "unknown key '%s' (did you mean '%s'?)", key, s);
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", cands[i]);
    return fail(c, kn, HS_ERR_FORMAT, "unknown key '%s' in %s (expected one of: %s)", key, what,
                list);
}

/* Check that n is a map whose keys are distinct plain strings. what names it in messages. */
static int check_map(const pctx *c, const yaml_node_t *n, const char *what) {
    if (n->type != YAML_MAPPING_NODE)
        return fail(c, n, HS_ERR_VALUE, "%s must be a map, got %s", what, type_word(n));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *ka = node_get(c, a->key);
        if (!scalar(ka)) return fail(c, ka, HS_ERR_FORMAT, "keys in %s must be strings", what);
        for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = node_get(c, b->key);
            if (strcmp(scalar(ka), scalar(kb)) == 0)
                return fail(c, ka, HS_ERR_FORMAT, "duplicate key '%s' (first at %ld:%ld)",
                            scalar(ka), node_line(kb), node_col(kb));
        }
    }
    return 0;
}

#define MAP_FOREACH(c, n, pair) \
    for (yaml_node_pair_t *pair = (n)->data.mapping.pairs.start; pair < (n)->data.mapping.pairs.top; pair++)

/* ==== scalar parsing ====================================================================== */

/* A real number: plain scalar, whole string consumed, finite. */
static int parse_real(const pctx *c, const yaml_node_t *n, const char *what, double *out) {
    const char *s = scalar(n);
    if (!s || is_quoted(n) || !*s)
        return fail(c, n, HS_ERR_VALUE, "%s: expected a number, got %s", what,
                    s ? (is_quoted(n) ? "a quoted string" : "an empty value") : type_word(n));
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end != '\0' || !isfinite(v) || isspace((unsigned char)s[0]))
        return fail(c, n, HS_ERR_VALUE, "%s: expected a number, got '%s'", what, s);
    *out = v;
    return 0;
}

/* A non-negative decimal integer <= max. */
static int parse_uint(const pctx *c, const yaml_node_t *n, const char *what, uint64_t max,
                      uint64_t *out) {
    const char *s = scalar(n);
    if (!s || is_quoted(n) || !*s)
        return fail(c, n, HS_ERR_VALUE, "%s: expected a non-negative integer, got %s", what,
                    s ? (is_quoted(n) ? "a quoted string" : "an empty value") : type_word(n));
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return fail(c, n, HS_ERR_VALUE, "%s: expected a non-negative integer, got '%s'",
                        what, s);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v > max)
        return fail(c, n, HS_ERR_VALUE, "%s: %s is too large (max %llu)", what, s,
                    (unsigned long long)max);
    *out = (uint64_t)v;
    return 0;
}

/* A plain or quoted string. */
static int parse_string(const pctx *c, const yaml_node_t *n, const char *what, char *out,
                        size_t cap) {
    const char *s = scalar(n);
    if (!s) return fail(c, n, HS_ERR_VALUE, "%s: expected a string, got %s", what, type_word(n));
    if (!*s) return fail(c, n, HS_ERR_VALUE, "%s: must not be empty", what);
    if (strlen(s) >= cap) return fail(c, n, HS_ERR_VALUE, "%s: longer than %zu bytes", what, cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

/* One value of parameter p from scalar node n, range-checked. */
static int parse_value(const pctx *c, sweepcfg_param p, const yaml_node_t *n, double *out) {
    const char *pname = sweepcfg_param_name(p);
    const char *s = scalar(n);
    char why[256];
    if (!s)
        return fail(c, n, HS_ERR_VALUE, "%s: expected a single value, got %s", pname,
                    type_word(n));
    switch (sweepcfg_param_type(p)) {
    case SWEEPCFG_T_CELL: {
        hs_cell cell;
        if (hparams_parse_cell(s, &cell) != 0) {
            static const char *const names[] = {"lstm", "gru", "dense", "synthetic"};
            const char *g = suggest(s, names, 4);
            return fail(c, n, HS_ERR_VALUE, "cell: unknown value '%s' (%s%s%s)", s,
                        g ? "did you mean '" : "expected lstm, gru, dense or synthetic",
                        g ? g : "",
                        g ? "'?" : "");
        }
        *out = (double)cell;
        return 0;
    }
    case SWEEPCFG_T_OPTIMIZER: {
        hs_optimizer o;
        if (hparams_parse_optimizer(s, &o) != 0) {
            static const char *const names[] = {"rmsprop", "adam"};
            const char *g = suggest(s, names, 2);
            return fail(c, n, HS_ERR_VALUE, "optimizer: unknown value '%s' (%s%s%s)", s,
                        g ? "did you mean '" : "expected rmsprop or adam", g ? g : "",
                        g ? "'?" : "");
        }
        *out = (double)o;
        return 0;
    }
    case SWEEPCFG_T_BOOL: {
        static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes", "on", "On"};
        static const char *const f[] = {"false", "False", "FALSE", "no", "No", "off", "Off"};
        for (size_t i = 0; i < 7; i++) {
            if (strcmp(s, t[i]) == 0) { *out = 1.0; return 0; }
            if (strcmp(s, f[i]) == 0) { *out = 0.0; return 0; }
        }
        return fail(c, n, HS_ERR_VALUE, "%s: expected true or false, got '%s'", pname, s);
    }
    case SWEEPCFG_T_INT: {
        uint64_t v;
        int rc = parse_uint(c, n, pname, UINT64_C(1) << 53, &v);
        if (rc) return rc;
        *out = (double)v;
        break;
    }
    case SWEEPCFG_T_REAL: {
        int rc = parse_real(c, n, pname, out);
        if (rc) return rc;
        break;
    }
    }
    if (sweepcfg_param_check(p, *out, why, sizeof why) != 0)
        return fail(c, n, HS_ERR_VALUE, "%s", why);
    return 0;
}

/* ==== axes ================================================================================= */

/* A growable list of doubles. */
typedef struct dlist {
    double *v;                /* (n) values, owned */
    size_t n, cap;            /* used and allocated lengths */
    int allow_dup;            /* 1: repeated values are fine (zip columns, whose rows must
                                 be distinct instead) */
} dlist;

static int dlist_push(dlist *l, double x) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        double *v = realloc(l->v, cap * sizeof *v);
        if (!v) return HS_ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

enum { AXIS_MAX_VALUES = 100000 };

/* Read the numeric fields of a {start, stop, step|num} map into v[0..3). */
static int parse_spec_map(const pctx *c, const yaml_node_t *n, const char *kind,
                          const char *const *keys, double *v) {
    char what[64];
    snprintf(what, sizeof what, "%s", kind);
    int rc = check_map(c, n, what);
    if (rc) return rc;
    int seen[3] = {0, 0, 0};
    MAP_FOREACH(c, n, pr) {
        yaml_node_t *k = node_get(c, pr->key), *val = node_get(c, pr->value);
        int i = 0;
        while (i < 3 && strcmp(scalar(k), keys[i]) != 0) i++;
        if (i == 3) return fail_unknown_key(c, k, kind, keys, 3);
        snprintf(what, sizeof what, "%s.%s", kind, keys[i]);
        if ((rc = parse_real(c, val, what, &v[i])) != 0) return rc;
        seen[i] = 1;
    }
    for (int i = 0; i < 3; i++)
        if (!seen[i]) return fail(c, n, HS_ERR_VALUE, "%s: missing '%s'", kind, keys[i]);
    return 0;
}

/* Store a generated value for p: integers are rounded to the nearest integer; then range-
 * checked and rejected if it repeats an earlier value. */
static int push_generated(const pctx *c, const yaml_node_t *n, sweepcfg_param p, double v,
                          dlist *out) {
    char why[256];
    if (sweepcfg_param_type(p) == SWEEPCFG_T_INT) v = floor(v + 0.5);
    if (sweepcfg_param_check(p, v, why, sizeof why) != 0)
        return fail(c, n, HS_ERR_VALUE, "%s", why);
    for (size_t i = 0; i < out->n && !out->allow_dup; i++)
        if (sweepcfg_param_equal(p, out->v[i], v))
            return fail(c, n, HS_ERR_VALUE,
                        "%s: the axis produces the value %.9g twice (integers are rounded)",
                        sweepcfg_param_name(p), v);
    if (out->n >= AXIS_MAX_VALUES)
        return fail(c, n, HS_ERR_VALUE, "%s: axis has more than %d values", sweepcfg_param_name(p),
                    AXIS_MAX_VALUES);
    return dlist_push(out, v) ? fail(c, n, HS_ERR_NOMEM, "out of memory") : 0;
}

/* Push an explicit value (from a list item or a scalar), rejecting duplicates. */
static int push_item(const pctx *c, const yaml_node_t *n, sweepcfg_param p, dlist *out) {
    double v;
    int rc = parse_value(c, p, n, &v);
    if (rc) return rc;
    for (size_t i = 0; i < out->n && !out->allow_dup; i++)
        if (sweepcfg_param_equal(p, out->v[i], v))
            return fail(c, n, HS_ERR_VALUE, "%s: duplicate value '%s' in the axis",
                        sweepcfg_param_name(p), scalar(n));
    if (out->n >= AXIS_MAX_VALUES)
        return fail(c, n, HS_ERR_VALUE, "%s: axis has more than %d values", sweepcfg_param_name(p),
                    AXIS_MAX_VALUES);
    return dlist_push(out, v) ? fail(c, n, HS_ERR_NOMEM, "out of memory") : 0;
}

static int push_list(const pctx *c, const yaml_node_t *n, sweepcfg_param p, dlist *out) {
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, HS_ERR_VALUE, "%s: expected a list of values, got %s", sweepcfg_param_name(p),
                    type_word(n));
    if (n->data.sequence.items.start == n->data.sequence.items.top)
        return fail(c, n, HS_ERR_VALUE, "%s: empty list of values", sweepcfg_param_name(p));
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        int rc = push_item(c, node_get(c, *it), p, out);
        if (rc) return rc;
    }
    return 0;
}

/* Parse an axis of parameter p: a scalar, a list, or {values|range|linspace|logspace}. */
static int parse_axis(const pctx *c, sweepcfg_param p, const yaml_node_t *n, dlist *out) {
    const char *pname = sweepcfg_param_name(p);
    if (n->type == YAML_SCALAR_NODE) return push_item(c, n, p, out);
    if (n->type == YAML_SEQUENCE_NODE) return push_list(c, n, p, out);
    if (n->type != YAML_MAPPING_NODE)
        return fail(c, n, HS_ERR_VALUE, "%s: expected a value, a list or an axis map", pname);
    int rc = check_map(c, n, pname);
    if (rc) return rc;
    static const char *const kinds[] = {"values", "range", "linspace", "logspace"};
    size_t npairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (npairs != 1)
        return fail(c, n, HS_ERR_FORMAT,
                    "%s: an axis map takes exactly one of values, range, linspace, logspace",
                    pname);
    yaml_node_t *k = node_get(c, n->data.mapping.pairs.start->key);
    yaml_node_t *v = node_get(c, n->data.mapping.pairs.start->value);
    int kind = 0;
    while (kind < 4 && strcmp(scalar(k), kinds[kind]) != 0) kind++;
    if (kind == 4) return fail_unknown_key(c, k, "an axis", kinds, 4);
    if (kind == 0) return push_list(c, v, p, out);
    sweepcfg_type t = sweepcfg_param_type(p);
    if (t != SWEEPCFG_T_INT && t != SWEEPCFG_T_REAL)
        return fail(c, k, HS_ERR_VALUE, "%s: %s needs a numeric parameter", pname, kinds[kind]);
    double s[3];
    if (kind == 1) {
        static const char *const keys[] = {"start", "stop", "step"};
        if ((rc = parse_spec_map(c, v, "range", keys, s)) != 0) return rc;
        double start = s[0], stop = s[1], step = s[2];
        if (step == 0.0 || (stop - start) / step < 0.0)
            return fail(c, v, HS_ERR_VALUE,
                        "range: step %.9g never goes from %.9g to %.9g", step, start, stop);
        if (t == SWEEPCFG_T_INT && (start != floor(start) || step != floor(step)))
            return fail(c, v, HS_ERR_VALUE, "range: %s needs integer start and step", pname);
        /* inclusive: n = floor((stop - start)/step + tol) + 1, tol absorbs float steps */
        double span = (stop - start) / step;
        if (span > AXIS_MAX_VALUES)
            return fail(c, v, HS_ERR_VALUE, "range: more than %d values", AXIS_MAX_VALUES);
        size_t count = (size_t)floor(span + 1e-9) + 1;
        for (size_t i = 0; i < count; i++) {
            double x = start + (double)i * step;
            if (fabs(x - stop) <= 1e-9 * fmax(1.0, fabs(step))) x = stop;
            if ((rc = push_generated(c, v, p, x, out)) != 0) return rc;
        }
        return 0;
    }
    static const char *const keys[] = {"start", "stop", "num"};
    const char *kname = kinds[kind];
    if ((rc = parse_spec_map(c, v, kname, keys, s)) != 0) return rc;
    double start = s[0], stop = s[1], num = s[2];
    if (num < 1.0 || num != floor(num) || num > AXIS_MAX_VALUES)
        return fail(c, v, HS_ERR_VALUE, "%s: num must be an integer in [1, %d], got %.9g", kname,
                    AXIS_MAX_VALUES, num);
    if (kind == 3 && !(start > 0.0 && stop > 0.0))
        return fail(c, v, HS_ERR_VALUE,
                    "logspace: start and stop are real values (not exponents) and must be > 0");
    size_t cnt = (size_t)num;
    for (size_t i = 0; i < cnt; i++) {
        double f = cnt == 1 ? 0.0 : (double)i / (double)(cnt - 1);
        double x = kind == 2 ? start + f * (stop - start)
                             : exp(log(start) + f * (log(stop) - log(start)));
        if (i == 0) x = start;
        if (i + 1 == cnt && cnt > 1) x = stop;
        if ((rc = push_generated(c, v, p, x, out)) != 0) return rc;
    }
    return 0;
}

/* ==== the sweep definition ================================================================ */

static const char *const SOURCE_NAMES[] = {"default", "fixed", "grid", "zip", "random"};

/* Record that parameter p is set at node n from src; fails if it was set before. */
static int claim(const pctx *c, sweep_def *d, sweepcfg_param p, sweepcfg_source src,
                 const yaml_node_t *n) {
    if (d->source[p] != SWEEPCFG_SRC_DEFAULT)
        return fail(c, n, HS_ERR_VALUE,
                    "parameter '%s' is given twice (already set in %s at %ld:%ld)",
                    sweepcfg_param_name(p), SOURCE_NAMES[d->source[p]], d->src_line[p], d->src_col[p]);
    d->source[p] = src;
    d->src_line[p] = node_line(n);
    d->src_col[p] = node_col(n);
    return 0;
}

/* Append an axis (takes ownership of values). */
static int add_axis(const pctx *c, sweep_def *d, const yaml_node_t *at, size_t k,
                    const sweepcfg_param *ps, double *values, size_t n_values) {
    sweepcfg_axis *a = realloc(d->axes, (d->n_axes + 1) * sizeof *a);
    if (!a) {
        free(values);
        return fail(c, at, HS_ERR_NOMEM, "out of memory");
    }
    d->axes = a;
    sweepcfg_axis *ax = &d->axes[d->n_axes++];
    memset(ax, 0, sizeof *ax);
    ax->n_params = k;
    memcpy(ax->params, ps, k * sizeof ps[0]);
    ax->values = values;
    ax->n_values = n_values;
    ax->line = node_line(at);
    ax->col = node_col(at);
    return 0;
}

/* A parameter under fixed (as_grid 0: one value) or grid (as_grid 1: an axis; a scalar is a
 * one-value axis). */
static int set_param(const pctx *c, sweep_def *d, sweepcfg_param p, const yaml_node_t *kn,
                     const yaml_node_t *vn, int as_grid) {
    int rc;
    if (!as_grid) {
        if (vn->type != YAML_SCALAR_NODE)
            return fail(c, vn, HS_ERR_VALUE,
                        "fixed: %s takes a single value, got %s (sweep it under grid:)",
                        sweepcfg_param_name(p), type_word(vn));
        double v;
        if ((rc = parse_value(c, p, vn, &v)) != 0) return rc;
        if ((rc = claim(c, d, p, SWEEPCFG_SRC_FIXED, kn)) != 0) return rc;
        sweepcfg_param_set(&d->base, p, v);
        return 0;
    }
    dlist l = {0};
    if ((rc = parse_axis(c, p, vn, &l)) != 0) { free(l.v); return rc; }
    if ((rc = claim(c, d, p, SWEEPCFG_SRC_GRID, kn)) != 0) { free(l.v); return rc; }
    return add_axis(c, d, kn, 1, &p, l.v, l.n);
}

/* Look up a parameter key; fails with did-you-mean if unknown. */
static int param_key(const pctx *c, const yaml_node_t *kn, const char *where,
                     sweepcfg_param *p) {
    if (sweepcfg_param_parse(scalar(kn), p) == 0) return 0;
    const char *names[SWEEPCFG_NPARAMS];
    for (int i = 0; i < SWEEPCFG_NPARAMS; i++) names[i] = sweepcfg_param_name(i);
    const char *s = suggest(scalar(kn), names, SWEEPCFG_NPARAMS);
    if (s) return fail(c, kn, HS_ERR_FORMAT, "unknown key '%s' (did you mean '%s'?)", scalar(kn), s);
    return fail(c, kn, HS_ERR_FORMAT, "unknown key '%s' in %s (not a sweepable parameter)",
                scalar(kn), where);
}

/* Resolve rel against the directory of yaml_path into out. */
static int resolve_path(const char *yaml_path, const char *rel, char *out, size_t n) {
    const char *slash = strrchr(yaml_path, '/');
    int w;
    if (rel[0] == '/' || !slash) w = snprintf(out, n, "%s", rel);
    else w = snprintf(out, n, "%.*s/%s", (int)(slash - yaml_path), yaml_path, rel);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int check_dataset(const pctx *c, const yaml_node_t *n, const char *given,
                         const char *resolved) {
    FILE *f = fopen(resolved, "rb");
    if (!f) {
        int e = errno;
        if (strcmp(given, resolved) == 0)
            return fail(c, n, HS_ERR_IO, "dataset '%s' not found: %s (create it with hsweep prep)",
                        given, strerror(e));
        return fail(c, n, HS_ERR_IO,
                    "dataset '%s' not found (resolved to '%s'): %s (create it with hsweep prep)",
                    given, resolved, strerror(e));
    }
    fclose(f);
    return 0;
}

/* data: path string or map {path, window params}. Window params go through set_param with
 * as_grid (for a sweep) so they may be axes. */
static int parse_data(const pctx *c, sweep_def *d, hs_hparams *hp, const yaml_node_t *n,
                      int sweep, char *given, char *resolved, size_t cap) {
    int rc;
    const yaml_node_t *pathnode = NULL;
    if (n->type == YAML_SCALAR_NODE) {
        pathnode = n;
    } else {
        if ((rc = check_map(c, n, "data")) != 0) return rc;
        /* "path" and the registry's data parameters (for did-you-mean) */
        const char *keys[SWEEPCFG_NPARAMS + 1] = {"path"};
        size_t nkeys = 1;
        for (int q = 0; q < SWEEPCFG_NPARAMS; q++)
            if (is_data_param((sweepcfg_param)q)) keys[nkeys++] = sweepcfg_param_name(q);
        MAP_FOREACH(c, n, pr) {
            yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
            sweepcfg_param p = SWEEPCFG_CELL;
            if (strcmp(scalar(k), "path") == 0) { pathnode = v; continue; }
            if (sweepcfg_param_parse(scalar(k), &p) != 0 || !is_data_param(p))
                return fail_unknown_key(c, k, "data", keys, nkeys);
            if (sweep) {
                /* a single value is fixed, a list or axis map is swept */
                if ((rc = set_param(c, d, p, k, v, v->type != YAML_SCALAR_NODE)) != 0) return rc;
            } else {
                double x;
                if ((rc = parse_value(c, p, v, &x)) != 0) return rc;
                sweepcfg_param_set(hp, p, x);
            }
        }
        if (!pathnode) return fail(c, n, HS_ERR_VALUE, "data: missing 'path' (the HDF5 file from hsweep prep)");
    }
    if ((rc = parse_string(c, pathnode, "data.path", given, cap)) != 0) return rc;
    if (resolve_path(c->file, given, resolved, cap) != 0)
        return fail(c, pathnode, HS_ERR_VALUE, "data.path: resolved path too long");
    return check_dataset(c, pathnode, given, resolved);
}

static int parse_fixed(const pctx *c, sweep_def *d, const yaml_node_t *n) {
    int rc = check_map(c, n, "fixed");
    if (rc) return rc;
    MAP_FOREACH(c, n, pr) {
        yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
        sweepcfg_param p = SWEEPCFG_CELL;
        if ((rc = param_key(c, k, "fixed", &p)) != 0) return rc;
        if ((rc = set_param(c, d, p, k, v, 0)) != 0) return rc;
    }
    return 0;
}

static int parse_grid(const pctx *c, sweep_def *d, const yaml_node_t *n) {
    int rc = check_map(c, n, "grid");
    if (rc) return rc;
    if (n->data.mapping.pairs.start == n->data.mapping.pairs.top)
        return fail(c, n, HS_ERR_VALUE, "empty grid: give at least one axis (or remove grid:)");
    MAP_FOREACH(c, n, pr) {
        yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
        sweepcfg_param p = SWEEPCFG_CELL;
        if ((rc = param_key(c, k, "grid", &p)) != 0) return rc;
        if ((rc = set_param(c, d, p, k, v, 1)) != 0) return rc;
    }
    return 0;
}

/* zip: a list of maps; each map is one group of equal-length axes varying together. */
static int parse_zip(const pctx *c, sweep_def *d, const yaml_node_t *n) {
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, HS_ERR_VALUE, "zip must be a list of maps, got %s", type_word(n));
    if (n->data.sequence.items.start == n->data.sequence.items.top)
        return fail(c, n, HS_ERR_VALUE, "zip: empty list");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *g = node_get(c, *it);
        int rc = check_map(c, g, "a zip group");
        if (rc) return rc;
        size_t k = (size_t)(g->data.mapping.pairs.top - g->data.mapping.pairs.start);
        if (k == 0) return fail(c, g, HS_ERR_VALUE, "zip: empty group");
        sweepcfg_param ps[SWEEPCFG_NPARAMS];
        dlist cols[SWEEPCFG_NPARAMS];
        memset(cols, 0, sizeof cols);
        size_t j = 0, len = 0;
        const yaml_node_t *first = NULL;
        MAP_FOREACH(c, g, pr) {
            yaml_node_t *kn = node_get(c, pr->key), *vn = node_get(c, pr->value);
            if ((rc = param_key(c, kn, "zip", &ps[j])) != 0) goto zfail;
            cols[j].allow_dup = 1;
            if ((rc = parse_axis(c, ps[j], vn, &cols[j])) != 0) goto zfail;
            if ((rc = claim(c, d, ps[j], SWEEPCFG_SRC_ZIP, kn)) != 0) goto zfail;
            if (j == 0) { len = cols[0].n; first = kn; }
            else if (cols[j].n != len) {
                rc = fail(c, vn, HS_ERR_VALUE,
                          "zip: '%s' has %zu values but '%s' (at %ld:%ld) has %zu; zipped lists "
                          "must have equal length",
                          scalar(kn), cols[j].n, scalar(first), node_line(first), node_col(first),
                          len);
                j++;
                goto zfail;
            }
            j++;
        }
        /* the rows (one combination each) must be distinct */
        for (size_t r = 1; r < len; r++)
            for (size_t r0 = 0; r0 < r; r0++) {
                size_t q = 0;
                while (q < k && sweepcfg_param_equal(ps[q], cols[q].v[r], cols[q].v[r0])) q++;
                if (q == k) {
                    rc = fail(c, g, HS_ERR_VALUE,
                              "zip: combinations %zu and %zu of the group are identical", r0 + 1,
                              r + 1);
                    goto zfail;
                }
            }
        double *vals = malloc(len * k * sizeof *vals);
        if (!vals) { rc = fail(c, g, HS_ERR_NOMEM, "out of memory"); goto zfail; }
        for (size_t r = 0; r < len; r++)
            for (size_t q = 0; q < k; q++) vals[r * k + q] = cols[q].v[r];
        for (size_t q = 0; q < k; q++) free(cols[q].v);
        if ((rc = add_axis(c, d, g, k, ps, vals, len)) != 0) return rc;
        continue;
    zfail:
        for (size_t q = 0; q <= j && q < SWEEPCFG_NPARAMS; q++) free(cols[q].v);
        return rc;
    }
    return 0;
}

static int parse_exclude(const pctx *c, sweep_def *d, const yaml_node_t *n) {
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, HS_ERR_VALUE, "exclude must be a list of maps, got %s", type_word(n));
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) return 0;
    d->excludes = calloc(cnt, sizeof *d->excludes);
    if (!d->excludes) return fail(c, n, HS_ERR_NOMEM, "out of memory");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node_get(c, *it);
        sweepcfg_exclude *ex = &d->excludes[d->n_excludes++];
        ex->line = node_line(e);
        ex->col = node_col(e);
        int rc = check_map(c, e, "an exclude entry");
        if (rc) return rc;
        if (e->data.mapping.pairs.start == e->data.mapping.pairs.top)
            return fail(c, e, HS_ERR_VALUE, "exclude: empty entry would exclude every trial");
        MAP_FOREACH(c, e, pr) {
            yaml_node_t *kn = node_get(c, pr->key), *vn = node_get(c, pr->value);
            sweepcfg_param p = SWEEPCFG_CELL;
            if ((rc = param_key(c, kn, "exclude", &p)) != 0) return rc;
            dlist l = {0};
            rc = vn->type == YAML_SEQUENCE_NODE ? push_list(c, vn, p, &l) : push_item(c, vn, p, &l);
            if (rc) { free(l.v); return rc; }
            ex->vals[p] = l.v;
            ex->n_vals[p] = l.n;
        }
    }
    return 0;
}

/* [a, b] pair of a distribution */
static int parse_pair(const pctx *c, const yaml_node_t *n, const char *what, double *a,
                      double *b) {
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top - n->data.sequence.items.start != 2)
        return fail(c, n, HS_ERR_VALUE, "%s: expected [low, high]", what);
    int rc = parse_real(c, node_get(c, n->data.sequence.items.start[0]), what, a);
    if (!rc) rc = parse_real(c, node_get(c, n->data.sequence.items.start[1]), what, b);
    if (rc) return rc;
    if (!(*a < *b) && !(strcmp(what, "int") == 0 && *a == *b))
        return fail(c, n, HS_ERR_VALUE, "%s: low %.9g must be below high %.9g", what, *a, *b);
    return 0;
}

static int parse_random(const pctx *c, sweep_def *d, const yaml_node_t *n) {
    int rc = check_map(c, n, "random");
    if (rc) return rc;
    static const char *const keys[] = {"samples", "params"};
    const yaml_node_t *params = NULL, *samples = NULL;
    MAP_FOREACH(c, n, pr) {
        yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
        if (strcmp(scalar(k), "samples") == 0) samples = v;
        else if (strcmp(scalar(k), "params") == 0) params = v;
        else return fail_unknown_key(c, k, "random", keys, 2);
    }
    if (!params) return fail(c, n, HS_ERR_VALUE, "random: missing 'params'");
    if (samples) { /* else sampler.n_trials says how many (check_search) */
        uint64_t s;
        if ((rc = parse_uint(c, samples, "random.samples", 1000000, &s)) != 0) return rc;
        if (s == 0) return fail(c, samples, HS_ERR_VALUE, "random.samples must be >= 1");
        d->random.samples = (size_t)s;
    }
    if ((rc = check_map(c, params, "random.params")) != 0) return rc;
    if (params->data.mapping.pairs.start == params->data.mapping.pairs.top)
        return fail(c, params, HS_ERR_VALUE, "random.params: no parameter to draw");
    static const char *const kinds[] = {"uniform", "log_uniform", "int", "choice"};
    MAP_FOREACH(c, params, pr) {
        yaml_node_t *kn = node_get(c, pr->key), *vn = node_get(c, pr->value);
        sweepcfg_param p = SWEEPCFG_CELL;
        if ((rc = param_key(c, kn, "random.params", &p)) != 0) return rc;
        if ((rc = check_map(c, vn, "a distribution")) != 0) return rc;
        if (vn->data.mapping.pairs.top - vn->data.mapping.pairs.start != 1)
            return fail(c, vn, HS_ERR_VALUE,
                        "%s: give exactly one of uniform, log_uniform, int, choice",
                        sweepcfg_param_name(p));
        yaml_node_t *dk = node_get(c, vn->data.mapping.pairs.start->key);
        yaml_node_t *dv = node_get(c, vn->data.mapping.pairs.start->value);
        int kind = 0;
        while (kind < 4 && strcmp(scalar(dk), kinds[kind]) != 0) kind++;
        if (kind == 4) return fail_unknown_key(c, dk, "a distribution", kinds, 4);
        sweepcfg_dist *ds = &d->random.dists[d->random.n_dists];
        memset(ds, 0, sizeof *ds);
        ds->param = p;
        ds->kind = (sweepcfg_dist_kind)kind;
        sweepcfg_type t = sweepcfg_param_type(p);
        char why[256];
        if (kind == SWEEPCFG_DIST_CHOICE) {
            dlist l = {0};
            if ((rc = push_list(c, dv, p, &l)) != 0) { free(l.v); return rc; }
            ds->choices = l.v;
            ds->n_choices = l.n;
        } else {
            if (kind == SWEEPCFG_DIST_INT && t != SWEEPCFG_T_INT)
                return fail(c, dk, HS_ERR_VALUE, "%s: int needs an integer parameter",
                            sweepcfg_param_name(p));
            if (kind != SWEEPCFG_DIST_INT && t != SWEEPCFG_T_REAL)
                return fail(c, dk, HS_ERR_VALUE,
                            "%s: %s needs a real parameter (use int or choice)", sweepcfg_param_name(p),
                            kinds[kind]);
            if ((rc = parse_pair(c, dv, kinds[kind], &ds->a, &ds->b)) != 0) return rc;
            if (kind == SWEEPCFG_DIST_LOG_UNIFORM && !(ds->a > 0.0))
                return fail(c, dv, HS_ERR_VALUE, "log_uniform: low must be > 0");
            if (sweepcfg_param_check(p, ds->a, why, sizeof why) != 0)
                return fail(c, dv, HS_ERR_VALUE, "%s", why);
            /* uniform draws are < b, so b itself may be an open bound (dropout: [0, 1]) */
            double hi = kind == SWEEPCFG_DIST_INT ? ds->b : nextafter(ds->b, ds->a);
            if (sweepcfg_param_check(p, hi, why, sizeof why) != 0)
                return fail(c, dv, HS_ERR_VALUE, "%s", why);
        }
        if ((rc = claim(c, d, p, SWEEPCFG_SRC_RANDOM, kn)) != 0) {
            free(ds->choices);
            ds->choices = NULL;
            return rc;
        }
        d->random.n_dists++;
    }
    return 0;
}

/* ---- scheduler and sampler ------------------------------------------------------------------ */

/* The value of key `name` in map n, or NULL. */
static const yaml_node_t *map_value(const pctx *c, const yaml_node_t *n, const char *name) {
    MAP_FOREACH(c, n, pr)
        if (strcmp(scalar(node_get(c, pr->key)), name) == 0) return node_get(c, pr->value);
    return NULL;
}

/* A size_t setting in [lo, hi] from scalar node v. */
static int parse_size(const pctx *c, const yaml_node_t *v, const char *what, size_t lo,
                      size_t hi, size_t *out) {
    uint64_t u = 0;
    int rc = parse_uint(c, v, what, hi, &u);
    if (rc) return rc;
    if (u < lo) return fail(c, v, HS_ERR_VALUE, "%s must be >= %zu, got %llu", what, lo,
                            (unsigned long long)u);
    *out = (size_t)u;
    return 0;
}

/* `type:` of a scheduler or sampler: one of names (values[i] for names[i]). */
static int parse_type(const pctx *c, const yaml_node_t *n, const char *what,
                      const char *const *names, size_t k, int *out) {
    const yaml_node_t *v = map_value(c, n, "type");
    if (!v) return fail(c, n, HS_ERR_VALUE, "%s: missing 'type'", what);
    const char *s = scalar(v);
    for (size_t i = 0; s && i < k; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    const char *g = s ? suggest(s, names, k) : NULL;
    char list[128] = "";
    for (size_t i = 0, used = 0; i < k; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    if (g) return fail(c, v, HS_ERR_VALUE, "%s: unknown type '%s' (did you mean '%s'?)", what, s, g);
    return fail(c, v, HS_ERR_VALUE, "%s: unknown type %s%s%s (expected one of: %s)", what,
                s ? "'" : "", s ? s : type_word(v), s ? "'" : "", list);
}

static int parse_scheduler(const pctx *c, sweep_def *d, const yaml_node_t *kn,
                           const yaml_node_t *n) {
    int rc = check_map(c, n, "scheduler");
    if (rc) return rc;
    static const char *const keys[] = {"type", "min_epochs", "max_epochs", "reduction",
                                       "brackets", "min_samples", "idle_promotion"};
    static const char *const types[] = {"asha", "hyperband", "median"};
    sweepcfg_scheduler *sc = &d->scheduler;
    int t = 0;
    if ((rc = parse_type(c, n, "scheduler", types, 3, &t)) != 0) return rc;
    sc->type = (sweepcfg_sched)(t + 1);
    sc->min_epochs = 1;
    sc->reduction = 3;
    sc->min_samples = 3;
    sc->line = node_line(kn);
    sc->col = node_col(kn);
    MAP_FOREACH(c, n, pr) {
        yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
        const char *key = scalar(k);
        if (strcmp(key, "type") == 0) continue;
        if (strcmp(key, "min_epochs") == 0)
            rc = parse_size(c, v, "scheduler.min_epochs", 1, 1000000, &sc->min_epochs);
        else if (strcmp(key, "max_epochs") == 0)
            rc = parse_size(c, v, "scheduler.max_epochs", 1, 1000000, &sc->max_epochs);
        else if (strcmp(key, "reduction") == 0 && sc->type != SWEEPCFG_SCHED_MEDIAN)
            rc = parse_size(c, v, "scheduler.reduction", 2, 1000, &sc->reduction);
        else if (strcmp(key, "brackets") == 0 && sc->type == SWEEPCFG_SCHED_HYPERBAND)
            rc = parse_size(c, v, "scheduler.brackets", 1, 64, &sc->brackets);
        else if (strcmp(key, "min_samples") == 0 && sc->type == SWEEPCFG_SCHED_MEDIAN)
            rc = parse_size(c, v, "scheduler.min_samples", 1, 1000000, &sc->min_samples);
        else if (strcmp(key, "idle_promotion") == 0 && sc->type != SWEEPCFG_SCHED_MEDIAN) {
            if (scalar(v) && strcmp(scalar(v), "true") == 0)
                sc->idle_promotion = 1;
            else if (scalar(v) && strcmp(scalar(v), "false") == 0)
                sc->idle_promotion = 0;
            else
                rc = fail(c, v, HS_ERR_VALUE, "scheduler.idle_promotion: expected true or false");
        } else if (strcmp(key, "reduction") == 0 || strcmp(key, "brackets") == 0 ||
                   strcmp(key, "min_samples") == 0 || strcmp(key, "idle_promotion") == 0)
            rc = fail(c, k, HS_ERR_VALUE, "scheduler: '%s' does not apply to type %s", key,
                      types[t]);
        else
            rc = fail_unknown_key(c, k, "scheduler", keys, sizeof keys / sizeof keys[0]);
        if (rc) return rc;
    }
    return 0;
}

static int parse_sampler(const pctx *c, sweep_def *d, const yaml_node_t *kn,
                         const yaml_node_t *n) {
    int rc = check_map(c, n, "sampler");
    if (rc) return rc;
    static const char *const keys[] = {"type", "n_trials", "n_startup", "candidates",
                                       "constant_liar"};
    static const char *const types[] = {"random", "tpe"};
    sweepcfg_sampler *sm = &d->sampler;
    int t = 0;
    if ((rc = parse_type(c, n, "sampler", types, 2, &t)) != 0) return rc;
    sm->type = (sweepcfg_sampler_type)t;
    sm->line = node_line(kn);
    sm->col = node_col(kn);
    MAP_FOREACH(c, n, pr) {
        yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
        const char *key = scalar(k);
        if (strcmp(key, "type") == 0) continue;
        if (strcmp(key, "n_trials") == 0) {
            rc = parse_size(c, v, "sampler.n_trials", 1, 10000000, &sm->n_trials);
        } else if (strcmp(key, "n_startup") == 0 || strcmp(key, "candidates") == 0 ||
                   strcmp(key, "constant_liar") == 0) {
            if (sm->type != SWEEPCFG_SAMPLER_TPE)
                rc = fail(c, k, HS_ERR_VALUE, "sampler: '%s' applies to type tpe only", key);
            else if (strcmp(key, "n_startup") == 0)
                rc = parse_size(c, v, "sampler.n_startup", 0, 1000000, &sm->n_startup);
            else if (strcmp(key, "candidates") == 0)
                rc = parse_size(c, v, "sampler.candidates", 1, 100000, &sm->candidates);
            else if (scalar(v) && strcmp(scalar(v), "true") == 0)
                sm->constant_liar = 1;
            else if (scalar(v) && strcmp(scalar(v), "false") == 0)
                sm->constant_liar = 0;
            else
                rc = fail(c, v, HS_ERR_VALUE, "sampler.constant_liar: expected true or false");
        } else {
            rc = fail_unknown_key(c, k, "sampler", keys, sizeof keys / sizeof keys[0]);
        }
        if (rc) return rc;
    }
    return 0;
}

/* Checks that need the whole file: the scheduler's epoch budget against `epochs`, the
 * sampler's trial count against the grid, TPE's sampled parameters. */
static int check_search(const pctx *c, sweep_def *d, const yaml_node_t *sched_node,
                        const yaml_node_t *sampler_node, const yaml_node_t *random_node) {
    sweepcfg_scheduler *sc = &d->scheduler;
    if (sc->type != SWEEPCFG_SCHED_NONE) {
        static const char *const names[] = {"", "asha", "hyperband", "median"};
        sweepcfg_source src = d->source[SWEEPCFG_EPOCHS];
        if (src == SWEEPCFG_SRC_GRID || src == SWEEPCFG_SRC_ZIP || src == SWEEPCFG_SRC_RANDOM)
            return hs_error_set(c->err, HS_ERR_VALUE, c->file, d->src_line[SWEEPCFG_EPOCHS],
                                d->src_col[SWEEPCFG_EPOCHS],
                                "epochs is swept, but scheduler %s (at %ld:%ld) gives every "
                                "trial one budget: set scheduler.max_epochs instead",
                                names[sc->type], sc->line, sc->col);
        const yaml_node_t *mx = map_value(c, sched_node, "max_epochs");
        const yaml_node_t *mn = map_value(c, sched_node, "min_epochs");
        if (!mx) {
            sc->max_epochs = d->base.epochs;
        } else if (src == SWEEPCFG_SRC_FIXED && d->base.epochs != sc->max_epochs) {
            return fail(c, mx, HS_ERR_VALUE, "scheduler.max_epochs (%zu) differs from epochs "
                        "(%zu, fixed at %ld:%ld): give the budget once", sc->max_epochs,
                        d->base.epochs, d->src_line[SWEEPCFG_EPOCHS], d->src_col[SWEEPCFG_EPOCHS]);
        } else {
            d->base.epochs = sc->max_epochs;
        }
        if (sc->min_epochs > sc->max_epochs)
            return fail(c, mn ? mn : sched_node, HS_ERR_VALUE,
                        "scheduler: min_epochs (%zu) must not exceed max_epochs (%zu%s)",
                        sc->min_epochs, sc->max_epochs, mx ? "" : ", the sweep's epochs");
    }
    sweepcfg_sampler *sm = &d->sampler;
    if (sampler_node && sm->type == SWEEPCFG_SAMPLER_TPE && d->random.n_dists == 0)
        return fail(c, map_value(c, sampler_node, "type"), HS_ERR_VALUE,
                    "sampler: tpe needs at least one sampled parameter (a distribution under "
                    "random.params)");
    if (sm->type == SWEEPCFG_SAMPLER_TPE) {
        if (!map_value(c, sampler_node, "n_startup")) sm->n_startup = 10;
        if (!map_value(c, sampler_node, "candidates")) sm->candidates = 24;
        if (!map_value(c, sampler_node, "constant_liar")) sm->constant_liar = 1;
    }
    if (sm->n_trials) {
        const yaml_node_t *nt = map_value(c, sampler_node, "n_trials");
        if (d->random.n_dists == 0)
            return fail(c, nt, HS_ERR_VALUE, "sampler.n_trials: nothing is sampled (no random.params)");
        if (d->random.samples)
            return fail(c, nt, HS_ERR_VALUE, "sampler.n_trials and random.samples both say how "
                        "many configurations to draw: keep one");
        size_t points = 1;
        for (size_t a = 0; a < d->n_axes; a++) points *= d->axes[a].n_values;
        if (sm->n_trials % points != 0)
            return fail(c, nt, HS_ERR_VALUE, "sampler.n_trials (%zu) must be a multiple of the "
                        "%zu grid points (each point gets n_trials / %zu draws)", sm->n_trials,
                        points, points);
        d->random.samples = sm->n_trials / points;
    }
    if (d->random.n_dists > 0 && d->random.samples == 0)
        return fail(c, random_node, HS_ERR_VALUE, "random: missing 'samples' (or give "
                    "sampler.n_trials)");
    return 0;
}

static int valid_name(const char *s) {
    /* the name is a directory under runs/: "." and ".." would be runs/ itself or its parent */
    if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-') return 0;
    return 1;
}

/* Default name: the file's basename without extension, sanitised. */
static void default_name(const char *path, char *out, size_t n) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t j = 0;
    for (; *b && *b != '.' && j + 1 < n; b++)
        out[j++] = isalnum((unsigned char)*b) || *b == '_' || *b == '-' ? *b : '_';
    out[j] = '\0';
    if (j == 0) snprintf(out, n, "sweep");
}

/* Caps checked before libyaml's document loader sees a file (docs/sweep-file.md): a sweep
 * file is a page of YAML; these are orders of magnitude above any real one. */
#define SWEEPCFG_MAX_BYTES (1024 * 1024) /* bytes of the file */
#define SWEEPCFG_MAX_DEPTH 64            /* nested maps and lists */
#define SWEEPCFG_MAX_NODES 100000        /* scalars, aliases, maps and lists */

/* A parser's syntax error as "path:line:col: YAML syntax error: problem[ context at l:c]". */
static int yaml_syntax_error(const yaml_parser_t *parser, const char *path, hs_error *err) {
    long line = (long)parser->problem_mark.line + 1, col = (long)parser->problem_mark.column + 1;
    char ctx[256] = "";
    if (parser->context)
        snprintf(ctx, sizeof ctx, " %s started at %ld:%ld", parser->context,
                 (long)parser->context_mark.line + 1, (long)parser->context_mark.column + 1);
    return hs_error_set(err, HS_ERR_FORMAT, path, line, col, "YAML syntax error: %s%s",
                        parser->problem ? parser->problem : "unknown problem", ctx);
}

/* Read all of path (at most SWEEPCFG_MAX_BYTES) into a malloc'ed *buf of *len bytes. */
static int slurp_yaml(const char *path, unsigned char **buf, size_t *len, hs_error *err) {
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    /* room for the file's size (at most the cap + 1, to see that it is over) */
    long end = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    size_t room = end < 0 || end > SWEEPCFG_MAX_BYTES ? SWEEPCFG_MAX_BYTES + 1 : (size_t)end + 1;
    rewind(f);
    unsigned char *b = malloc(room);
    size_t n = b ? fread(b, 1, room, f) : 0;
    int bad = b && ferror(f);
    fclose(f);
    if (!b) return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    if (bad || n > SWEEPCFG_MAX_BYTES) {
        free(b);
        if (bad) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0,
                            "file larger than %d KiB: not a sweep file (limit of hsweep)",
                            SWEEPCFG_MAX_BYTES / 1024);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Scan the events of buf[0..len) with libyaml's event parser, before its document loader
 * builds anything: nesting deeper than SWEEPCFG_MAX_DEPTH or more than SWEEPCFG_MAX_NODES
 * nodes is refused at the node that crosses the limit (the loader's cost grows with both:
 * 10^5 nested brackets took minutes). Syntax errors are reported as by the loader. */
static int prescan_yaml(const unsigned char *buf, size_t len, const char *path, hs_error *err) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, buf, len);
    int rc = 0, depth = 0;
    size_t nodes = 0;
    for (int done = 0; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = yaml_syntax_error(&parser, path, err);
            break;
        }
        long line = (long)ev.start_mark.line + 1, col = (long)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > SWEEPCFG_MAX_DEPTH)
                rc = hs_error_set(err, HS_ERR_FORMAT, path, line, col,
                                  "nested deeper than %d levels (limit of hsweep)",
                                  SWEEPCFG_MAX_DEPTH);
            nodes++; /* a collection is a node too */
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT: nodes++; break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: depth--; break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        if (rc == 0 && nodes > SWEEPCFG_MAX_NODES)
            rc = hs_error_set(err, HS_ERR_FORMAT, path, line, col,
                              "more than %d values (limit of hsweep)", SWEEPCFG_MAX_NODES);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Load path into doc, after the size and nesting caps (prescan_yaml); syntax errors are
 * reported with the parser's mark. */
static int load_doc(yaml_document_t *doc, const char *path, hs_error *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = slurp_yaml(path, &buf, &len, err);
    if (rc == 0) rc = prescan_yaml(buf, len, path, err);
    if (rc) {
        free(buf);
        return rc;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(buf);
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "cannot initialise the YAML parser");
    }
    yaml_parser_set_input_string(&parser, buf, len);
    if (!yaml_parser_load(&parser, doc)) {
        rc = yaml_syntax_error(&parser, path, err);
    } else if (!yaml_document_get_root_node(doc)) {
        yaml_document_delete(doc);
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 1, 1, "empty file: expected a map");
    }
    yaml_parser_delete(&parser);
    free(buf);
    return rc;
}

/* ---- hash -------------------------------------------------------------------------------- */

typedef struct hasher {
    uint64_t h;               /* FNV-1a state */
} hasher;

static void hash_text(hasher *hs, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void hash_text(hasher *hs, const char *fmt, ...) {
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
        hs->h ^= *p;
        hs->h *= UINT64_C(0x100000001b3);
    }
}

uint64_t sweepcfg_hash(const sweep_def *d) {
    hpkey_scheme sch = d->id_scheme == HPKEY_V1 ? HPKEY_V1 : HPKEY_V2;
    size_t order[HS_HP_COUNT];
    size_t n_order = hpkey_order(sch, 0, order);
    hasher hs = {UINT64_C(0xcbf29ce484222325)};
    hash_text(&hs, "hsweep-sweep v%d\nseed %llu\ndata %s\nrepeats %zu\nmetric %s\n", (int)sch,
              (unsigned long long)d->seed, d->data_path_given, d->repeats,
              sweepcfg_metric_name(d->metric));
    /* V1: every parameter of hsweep 0.1; V2: the ones that differ from the default */
    for (size_t i = 0; i < n_order; i++)
        if (sch == HPKEY_V1 || !hparams_is_default(&d->base, order[i]))
            hash_text(&hs, "base %s %.17g\n", sweepcfg_param_name(order[i]),
                      sweepcfg_param_get(&d->base, (sweepcfg_param)order[i]));
    for (size_t a = 0; a < d->n_axes; a++) {
        const sweepcfg_axis *ax = &d->axes[a];
        hash_text(&hs, "axis");
        for (size_t k = 0; k < ax->n_params; k++) hash_text(&hs, " %s", sweepcfg_param_name(ax->params[k]));
        for (size_t i = 0; i < ax->n_values * ax->n_params; i++)
            hash_text(&hs, " %.17g", ax->values[i]);
        hash_text(&hs, "\n");
    }
    for (size_t e = 0; e < d->n_excludes; e++) {
        hash_text(&hs, "exclude");
        for (size_t j = 0; j < n_order; j++) {
            size_t p = order[j];
            for (size_t i = 0; i < d->excludes[e].n_vals[p]; i++)
                hash_text(&hs, " %s=%.17g", sweepcfg_param_name(p), d->excludes[e].vals[p][i]);
        }
        hash_text(&hs, "\n");
    }
    hash_text(&hs, "random %zu\n", d->random.samples);
    for (size_t i = 0; i < d->random.n_dists; i++) {
        const sweepcfg_dist *ds = &d->random.dists[i];
        hash_text(&hs, "dist %s %d %.17g %.17g", sweepcfg_param_name(ds->param), (int)ds->kind, ds->a,
                  ds->b);
        for (size_t j = 0; j < ds->n_choices; j++) hash_text(&hs, " %.17g", ds->choices[j]);
        hash_text(&hs, "\n");
    }
    /* only when present, so the hash of a sweep without them is unchanged */
    const sweepcfg_scheduler *sc = &d->scheduler;
    if (sc->type != SWEEPCFG_SCHED_NONE)
        hash_text(&hs, "scheduler %d %zu %zu %zu %zu %zu\n", (int)sc->type, sc->min_epochs,
                  sc->max_epochs, sc->reduction, sc->brackets, sc->min_samples);
    if (sc->idle_promotion) hash_text(&hs, "idle_promotion 1\n");   /* other decisions */
    const sweepcfg_sampler *sm = &d->sampler;
    if (sm->type != SWEEPCFG_SAMPLER_RANDOM || sm->n_trials)
        hash_text(&hs, "sampler %d %zu %zu %zu %d\n", (int)sm->type, sm->n_trials, sm->n_startup,
                  sm->candidates, sm->constant_liar);
    return rng_mix64(hs.h);
}

int sweepcfg_use_id_scheme(sweep_def *d, int scheme, hs_error *err) {
    if (scheme == HPKEY_V1) {
        for (int p = 0; p < SWEEPCFG_NPARAMS; p++)
            if (d->source[p] != SWEEPCFG_SRC_DEFAULT && !hpkey_in_v1((size_t)p))
                return hs_error_set(err, HS_ERR_STATE, d->file, d->src_line[p], d->src_col[p],
                                    "%s: hsweep 0.1's trial ids cannot hold this parameter",
                                    sweepcfg_param_name(p));
    }
    d->id_scheme = scheme;
    d->hash = sweepcfg_hash(d);
    return 0;
}

void sweepcfg_cap_epochs(sweep_def *d, size_t max) {
    if (max == 0) return;
    double m = (double)max;
    if (d->base.epochs > max) d->base.epochs = max;
    for (size_t a = 0; a < d->n_axes; a++)
        for (size_t k = 0; k < d->axes[a].n_params; k++)
            if (d->axes[a].params[k] == SWEEPCFG_EPOCHS)
                for (size_t v = 0; v < d->axes[a].n_values; v++) {
                    double *x = &d->axes[a].values[v * d->axes[a].n_params + k];
                    if (*x > m) *x = m;
                }
    for (size_t i = 0; i < d->random.n_dists; i++) {
        sweepcfg_dist *ds = &d->random.dists[i];
        if (ds->param != SWEEPCFG_EPOCHS) continue;
        if (ds->a > m) ds->a = m;
        if (ds->b > m) ds->b = m;
        for (size_t c = 0; c < ds->n_choices; c++)
            if (ds->choices[c] > m) ds->choices[c] = m;
    }
    if (d->scheduler.max_epochs > max) d->scheduler.max_epochs = max;
    if (d->scheduler.min_epochs > d->scheduler.max_epochs) d->scheduler.min_epochs = d->scheduler.max_epochs;
    d->hash = sweepcfg_hash(d);
}

/* ---- top level ----------------------------------------------------------------------------- */

void sweepcfg_deinit(sweep_def *d) {
    if (!d) return;
    for (size_t a = 0; a < d->n_axes; a++) free(d->axes[a].values);
    free(d->axes);
    for (size_t e = 0; e < d->n_excludes; e++)
        for (int p = 0; p < SWEEPCFG_NPARAMS; p++) free(d->excludes[e].vals[p]);
    free(d->excludes);
    for (size_t i = 0; i < d->random.n_dists; i++) free(d->random.dists[i].choices);
    memset(d, 0, sizeof *d);
}

/* The trial count before exclusion, repeats x samples x the product of the axes, in exact
 * integer arithmetic that stops at the first factor crossing SWEEPCFG_MAX_TRIALS (so it
 * cannot wrap), before anything is expanded. 0, or HS_ERR_VALUE located at the axis that
 * crosses the limit (at the document when repeats x samples alone do). */
static int check_trial_count(const pctx *c, const sweep_def *d, const yaml_node_t *root) {
    size_t samples = d->random.samples ? d->random.samples : 1;
    size_t total = d->repeats ? d->repeats : 1;
    if (samples > SWEEPCFG_MAX_TRIALS / total)
        return fail(c, root, HS_ERR_VALUE,
                    "the sweep expands to more than %d trials (limit of hsweep): %zu repeats "
                    "x %zu random samples", SWEEPCFG_MAX_TRIALS, d->repeats, samples);
    total *= samples;
    for (size_t a = 0; a < d->n_axes; a++) {
        const sweepcfg_axis *ax = &d->axes[a];
        if (ax->n_values > SWEEPCFG_MAX_TRIALS / total)
            return hs_error_set(c->err, HS_ERR_VALUE, c->file, ax->line, ax->col,
                                "the sweep expands to more than %d trials (limit of hsweep): "
                                "%zu before this axis x its %zu values", SWEEPCFG_MAX_TRIALS,
                                total, ax->n_values);
        total *= ax->n_values;
    }
    return 0;
}

static int parse_sweep(const pctx *c, sweep_def *d, const yaml_node_t *root) {
    int rc = check_map(c, root, "the sweep file");
    if (rc) return rc;
    static const char *const keys[] = {"name",    "seed",   "data",    "fixed",
                                       "grid",    "zip",    "exclude", "random",
                                       "repeats", "metric", "max_failures", "output",
                                       "scheduler", "sampler"};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    const yaml_node_t *data = NULL, *sched = NULL, *sampler = NULL, *rnd = NULL;
    int have_output = 0;
    MAP_FOREACH(c, root, pr) {
        yaml_node_t *k = node_get(c, pr->key), *v = node_get(c, pr->value);
        const char *key = scalar(k);
        uint64_t u;
        if (strcmp(key, "name") == 0) {
            if ((rc = parse_string(c, v, "name", d->name, sizeof d->name)) != 0) return rc;
            if (!valid_name(d->name))
                return fail(c, v, HS_ERR_VALUE,
                            "name: '%s' may only contain letters, digits, '.', '_' and '-' "
                            "and may not be '.' or '..'",
                            d->name);
        } else if (strcmp(key, "seed") == 0) {
            if ((rc = parse_uint(c, v, "seed", UINT64_MAX, &u)) != 0) return rc;
            d->seed = u;
        } else if (strcmp(key, "data") == 0) {
            data = v;
            rc = parse_data(c, d, &d->base, v, 1, d->data_path_given, d->data_path,
                            sizeof d->data_path);
            if (rc) return rc;
        } else if (strcmp(key, "fixed") == 0) {
            if ((rc = parse_fixed(c, d, v)) != 0) return rc;
        } else if (strcmp(key, "grid") == 0) {
            if ((rc = parse_grid(c, d, v)) != 0) return rc;
        } else if (strcmp(key, "zip") == 0) {
            if ((rc = parse_zip(c, d, v)) != 0) return rc;
        } else if (strcmp(key, "exclude") == 0) {
            if ((rc = parse_exclude(c, d, v)) != 0) return rc;
        } else if (strcmp(key, "random") == 0) {
            rnd = v;
            if ((rc = parse_random(c, d, v)) != 0) return rc;
        } else if (strcmp(key, "scheduler") == 0) {
            sched = v;
            if ((rc = parse_scheduler(c, d, k, v)) != 0) return rc;
        } else if (strcmp(key, "sampler") == 0) {
            sampler = v;
            if ((rc = parse_sampler(c, d, k, v)) != 0) return rc;
        } else if (strcmp(key, "repeats") == 0) {
            if ((rc = parse_uint(c, v, "repeats", 1000000, &u)) != 0) return rc;
            if (u == 0) return fail(c, v, HS_ERR_VALUE, "repeats must be >= 1");
            d->repeats = (size_t)u;
        } else if (strcmp(key, "metric") == 0) {
            const char *s = scalar(v);
            if (s && strcmp(s, "val_mae") == 0) d->metric = SWEEPCFG_METRIC_VAL_MAE;
            else if (s && strcmp(s, "val_loss") == 0) d->metric = SWEEPCFG_METRIC_VAL_LOSS;
            else
                return fail(c, v, HS_ERR_VALUE, "metric: expected val_mae or val_loss, got %s%s%s",
                            s ? "'" : type_word(v), s ? s : "", s ? "'" : "");
        } else if (strcmp(key, "max_failures") == 0) {
            const char *s = scalar(v);
            if (s && strcmp(s, "unlimited") == 0) {
                d->max_failures = 0;
            } else {
                if ((rc = parse_uint(c, v, "max_failures", 1000000000, &u)) != 0) return rc;
                if (u == 0)
                    return fail(c, v, HS_ERR_VALUE,
                                "max_failures must be >= 1 (or 'unlimited', the default)");
                d->max_failures = (size_t)u;
            }
        } else if (strcmp(key, "output") == 0) {
            if ((rc = parse_string(c, v, "output", d->output, sizeof d->output)) != 0) return rc;
            have_output = 1;
        } else {
            return fail_unknown_key(c, k, "the sweep file", keys, nkeys);
        }
    }
    if (!data)
        return fail(c, root, HS_ERR_VALUE, "missing 'data' (the dataset: data: {path: x.h5})");
    if ((rc = check_search(c, d, sched, sampler, rnd)) != 0) return rc;
    if (!d->name[0]) default_name(c->file, d->name, sizeof d->name);
    if (!have_output) snprintf(d->output, sizeof d->output, "runs/%s", d->name);
    return check_trial_count(c, d, root);
}

int sweepcfg_load(sweep_def *def, const char *path, hs_error *err) {
    memset(def, 0, sizeof *def);
    hs_error_clear(err);
    snprintf(def->file, sizeof def->file, "%s", path);
    hparams_default(&def->base);
    def->seed = 0;
    def->repeats = 1;
    def->metric = SWEEPCFG_METRIC_VAL_MAE;
    def->max_failures = 0;
    yaml_document_t doc;
    int rc = load_doc(&doc, path, err);
    if (rc) return rc;
    pctx c = {&doc, path, err};
    rc = parse_sweep(&c, def, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    if (rc) {
        sweepcfg_deinit(def);
        return rc;
    }
    def->id_scheme = HPKEY_CURRENT;
    def->hash = sweepcfg_hash(def);
    return 0;
}

int trialcfg_load(const char *path, hs_hparams *hp, char *data_path, size_t n, hs_error *err) {
    hs_error_clear(err);
    hparams_default(hp);
    if (!data_path || n == 0)
        return hs_error_set(err, HS_ERR_USAGE, path, 0, 0, "no buffer for the data path");
    data_path[0] = '\0';
    yaml_document_t doc;
    int rc = load_doc(&doc, path, err);
    if (rc) return rc;
    pctx c = {&doc, path, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    char given[4096];
    const yaml_node_t *data = NULL;
    if ((rc = check_map(&c, root, "the trial file")) != 0) goto done;
    MAP_FOREACH(&c, root, pr) {
        yaml_node_t *k = node_get(&c, pr->key), *v = node_get(&c, pr->value);
        const char *key = scalar(k);
        sweepcfg_param p = SWEEPCFG_CELL;
        if (strcmp(key, "data") == 0) {
            data = v;
            char resolved[4096];
            if ((rc = parse_data(&c, NULL, hp, v, 0, given, resolved, sizeof resolved)) != 0)
                goto done;
            if (strlen(resolved) >= n) {
                rc = fail(&c, v, HS_ERR_VALUE, "data.path: resolved path too long");
                goto done;
            }
            memcpy(data_path, resolved, strlen(resolved) + 1);
        } else if (strcmp(key, "seed") == 0) {
            uint64_t u;
            if ((rc = parse_uint(&c, v, "seed", UINT64_MAX, &u)) != 0) goto done;
            hp->seed = u;
        } else if (sweepcfg_param_parse(key, &p) == 0) {
            double x;
            if (v->type != YAML_SCALAR_NODE) {
                rc = fail(&c, v, HS_ERR_VALUE,
                          "%s: a trial file takes single values, got %s (use a sweep file)",
                          key, type_word(v));
                goto done;
            }
            if ((rc = parse_value(&c, p, v, &x)) != 0) goto done;
            sweepcfg_param_set(hp, p, x);
        } else {
            const char *names[SWEEPCFG_NPARAMS + 2];
            for (int i = 0; i < SWEEPCFG_NPARAMS; i++) names[i] = sweepcfg_param_name(i);
            names[SWEEPCFG_NPARAMS] = "data";
            names[SWEEPCFG_NPARAMS + 1] = "seed";
            const char *s = suggest(key, names, SWEEPCFG_NPARAMS + 2);
            if (s) rc = fail(&c, k, HS_ERR_FORMAT, "unknown key '%s' (did you mean '%s'?)", key, s);
            else rc = fail(&c, k, HS_ERR_FORMAT, "unknown key '%s' in the trial file", key);
            goto done;
        }
    }
    if (!data) rc = fail(&c, root, HS_ERR_VALUE, "missing 'data' (the dataset path)");
done:
    yaml_document_delete(&doc);
    if (rc) data_path[0] = '\0';
    return rc;
}
