/* htmlreport: the self-contained HTML report page (see htmlreport.h).
 *
 * The page is built in one strbuf, section by section, then written atomically. The list of
 * plots that must be present (body data-plots) is collected while the plots are written and
 * patched into the <body> tag at the end, so a plot replaced by a note is never expected. */
#define _POSIX_C_SOURCE 200809L
#include "io/htmlreport.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/analysis.h"
#include "io/hpfields.h"
#include "io/rundir.h"
#include "io/svgplot.h"

/* Okabe-Ito colours (distinguishable with colour-vision deficiencies) */
static const char *const htmlreport_colors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                                "#56B4E9", "#000000"};
enum { HTMLREPORT_NCOLORS = 7 };

/* ==== small helpers ==================================================================== */

static void esc(strbuf *sb, const char *s) { svgplot_escape(sb, s); }

/* "%.4f" or "-" for a non-finite value */
static void put_num(strbuf *sb, double v, int dec) {
    if (isfinite(v))
        strbuf_printf(sb, "%.*f", dec, v);
    else
        strbuf_puts(sb, "-");
}

/* a table cell with a number; data-v carries full precision for sorting */
static void put_num_td(strbuf *sb, double v, int dec) {
    if (isfinite(v)) {
        strbuf_printf(sb, "<td class=\"n\" data-v=\"%.17g\">", v);
        put_num(sb, v, dec);
        strbuf_puts(sb, "</td>");
    } else {
        strbuf_puts(sb, "<td class=\"n\">-</td>");
    }
}

/* the 16-hex id shortened to 8 for plot labels */
static void short_id(const char *id, char *buf, size_t n) { snprintf(buf, n, "%.8s", id ? id : ""); }

/* deterministic jitter in [-1, 1] from an id (FNV-1a) */
static double id_jitter(const char *id) {
    uint32_t h = 2166136261u;
    for (; id && *id; id++) h = (h ^ (unsigned char)*id) * 16777619u;
    return (double)(h % 2001u) / 1000.0 - 1.0;
}

static const char *json_str_at(const json_value *root, const char *a, const char *b) {
    const json_value *v = json_get(root, a);
    if (b) v = json_get(v, b);
    return json_as_string(v);
}

const char *htmlreport_meta_dataset(const json_value *meta) { return json_str_at(meta, "dataset", "path"); }

/* ==== style and script ================================================================= */

static const char htmlreport_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0 auto;"
    "max-width:1240px;padding:16px 20px;color:#222;background:#fff;line-height:1.4}\n"
    "h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:22px 0 8px;border-bottom:1px solid #ddd;"
    "padding-bottom:3px}\n"
    ".sub{color:#555;margin:0 0 10px}.note{background:#fff8e1;border-left:4px solid #e69f00;padding:8px 12px}\n"
    ".cols{display:flex;flex-wrap:wrap;gap:28px}.cols>div{flex:1 1 420px;min-width:0}\n"
    ".kv td{white-space:normal;overflow-wrap:anywhere}\n"
    "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #eee;"
    "text-align:left;white-space:nowrap}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.kv th{color:#555;font-weight:normal}\n"
    ".kv .swept{font-weight:bold;color:#0050a0}td.reason{white-space:normal;max-width:420px;color:#8a1c1c}\n"
    "table.sortable th{cursor:pointer;user-select:none;background:#f4f6f8;position:sticky;top:0}\n"
    "table.sortable th:hover{background:#e6ebf0}th.metric{color:#0050a0}\n"
    "th[data-dir=asc]::after{content:' \\25B2'}th[data-dir=desc]::after{content:' \\25BC'}\n"
    "tr.diverged td{color:#9a6700}tr.failed td{color:#8a1c1c}code{font-size:12px}\n"
    ".panels{display:flex;flex-wrap:wrap;gap:10px}svg.plot{background:#fff;max-width:100%;height:auto}\n"
    ".tablewrap{overflow-x:auto;max-height:720px;overflow-y:auto;border:1px solid #eee}\n";

/* onerror first, so an error anywhere (also in the main script) is recorded */
static const char htmlreport_js_head[] =
    "window.onerror=function(m,s,l){var b=document.body||document.documentElement;"
    "b.dataset.errors=(b.dataset.errors?b.dataset.errors+' | ':'')+m+' (line '+l+')';};\n";

static const char htmlreport_js_main[] =
    "(function(){\n"
    "var body=document.body;\n"
    "function key(td,num){var t=td.hasAttribute('data-v')?td.getAttribute('data-v'):td.textContent;\n"
    "  if(!num)return t;var v=parseFloat(t);return isFinite(v)?v:null;}\n"
    "function sortBy(th){var table=th.closest('table'),tb=table.tBodies[0],i=th.cellIndex,\n"
    "  num=th.classList.contains('n'),dir=th.dataset.dir==='asc'?-1:1;\n"
    "  var rows=Array.prototype.slice.call(tb.rows);\n"
    "  rows.sort(function(a,b){var x=key(a.cells[i],num),y=key(b.cells[i],num);\n"
    "    if(x===null||y===null)return x===y?0:(x===null?1:-1);\n"
    "    return (num?x-y:(x<y?-1:x>y?1:0))*dir;});\n"
    "  rows.forEach(function(r){tb.appendChild(r);});\n"
    "  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('data-dir');});\n"
    "  th.dataset.dir=dir===1?'asc':'desc';}\n"
    "document.querySelectorAll('table.sortable th').forEach(function(th){\n"
    "  th.addEventListener('click',function(){sortBy(th);});});\n"
    "var bad=[];\n"
    "(body.dataset.plots||'').split(' ').filter(Boolean).forEach(function(id){\n"
    "  var e=document.getElementById(id);\n"
    "  if(!e||e.tagName.toLowerCase()!=='svg'||!e.classList.contains('plot')||!e.querySelector('.data'))bad.push(id);});\n"
    "document.querySelectorAll('svg.plot').forEach(function(s){if(!s.querySelector('.data'))bad.push(s.id);});\n"
    "var t=document.getElementById('ranked');if(!t||t.tBodies[0].rows.length===0)bad.push('ranked');\n"
    "if(bad.length)body.dataset.missing=bad.join(' ');\n"
    "else if(!body.dataset.errors)body.dataset.ok='1';\n"
    "})();\n";

/* ==== header, best configuration, metadata ============================================= */

typedef struct htmlreport_ctx {
    const htmlreport_input *in;   /* the input */
    size_t *order;                /* (n) ranking order of records */
    size_t n_ranked;              /* ranked (ok, finite metric) records first in order */
    size_t axes[64];              /* (n_axes) swept hpfields indices */
    size_t n_axes;                /* swept axes */
    strbuf plots;                 /* space-separated ids of the plots that must exist */
} htmlreport_ctx;

static int is_swept(const htmlreport_ctx *c, size_t k) {
    for (size_t a = 0; a < c->n_axes; a++)
        if (c->axes[a] == k) return 1;
    return 0;
}

static void add_plot(htmlreport_ctx *c, const char *id) {
    if (c->plots.len) strbuf_putc(&c->plots, ' ');
    strbuf_puts(&c->plots, id);
}

static void kv_row(strbuf *o, const char *k, const char *v) {
    if (!v || !v[0]) return;
    strbuf_puts(o, "<tr><th>");
    esc(o, k);
    strbuf_puts(o, "</th><td>");
    esc(o, v);
    strbuf_puts(o, "</td></tr>\n");
}

/* the baseline of the metric for record r, NaN unknown */
static double rec_base(const htmlreport_ctx *c, const journal_record *r) {
    return results_baseline_value(results_baseline_find(c->in->baselines, c->in->n_baselines, &r->hp), c->in->metric);
}

/* Under the header: the persistence baseline, and plainly when no trial beats it. */
static void put_baseline_summary(strbuf *o, const htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    const char *mn = results_metric_name(in->metric);
    if (in->n_baselines == 0) {
        strbuf_puts(o, "<p class=\"sub\" id=\"baseline\">Persistence baseline unknown");
        if (in->baseline_note && in->baseline_note[0]) {
            strbuf_puts(o, ": ");
            esc(o, in->baseline_note);
        }
        strbuf_puts(o, ".</p>\n");
        return;
    }
    size_t beat = 0, known = 0;
    for (size_t t = 0; t < c->n_ranked; t++) {
        double rel = results_vs_baseline(&in->recs[c->order[t]], in->metric, in->baselines, in->n_baselines);
        if (!isfinite(rel)) continue;
        known++;
        beat += rel < 0.0;
    }
    strbuf_puts(o, "<p class=\"sub\" id=\"baseline\">Persistence baseline (predict the target's value at the "
                   "window's last input step)");
    for (size_t i = 0; i < in->n_baselines; i++) {
        const results_baseline *b = &in->baselines[i];
        if (in->n_baselines > 1)
            strbuf_printf(o, "%s sequence_length %zu, sampling_rate %zu, delay %zu rows", i ? ";" : ":", b->seq_len,
                          b->rate, b->delay);
        strbuf_puts(o, i || in->n_baselines > 1 ? ": val MAE " : ": val MAE ");
        put_num(o, b->val_mae, 4);
        strbuf_puts(o, " / test MAE ");
        put_num(o, b->test_mae, 4);
        if (in->metric == RESULTS_VAL_LOSS) {
            strbuf_puts(o, " / val loss ");
            put_num(o, b->val_loss, 4);
        }
    }
    strbuf_puts(o, ".");
    if (known > 0 && beat > 0)
        strbuf_printf(o, " %zu of %zu ranked trials beat it on %s.", beat, known, mn);
    strbuf_puts(o, "</p>\n");
    if (known > 0 && beat == 0) {
        const journal_record *b = &in->recs[c->order[0]];
        strbuf_printf(o, "<p class=\"note\" id=\"no-beat\"><b>No trial beats the persistence baseline.</b> The best "
                         "%s is ", mn);
        put_num(o, results_metric_value(b, in->metric), 4);
        strbuf_puts(o, ", persistence gives ");
        put_num(o, rec_base(c, b), 4);
        strbuf_puts(o, ": predicting the last observed value is better than every network of this sweep.</p>\n");
    }
}

static void put_header(strbuf *o, const htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    const char *name = json_str_at(in->meta, "sweep", "name");
    size_t by[3] = {0, 0, 0};
    for (size_t i = 0; i < in->n; i++)
        if ((unsigned)in->recs[i].status < 3) by[in->recs[i].status]++;
    size_t total = 0;
    const json_value *nt = json_get(json_get(in->meta, "sweep"), "n_trials");
    if (nt && json_as_size(nt, &total) != 0) total = 0;
    strbuf_puts(o, "<header><h1>hsweep report: ");
    esc(o, name && name[0] ? name : "sweep");
    strbuf_puts(o, "</h1>\n<p class=\"sub\" id=\"counts\">");
    if (total > 0)
        strbuf_printf(o, "%zu of %zu trials finished", in->n, total);
    else
        strbuf_printf(o, "%zu trials finished", in->n);
    strbuf_printf(o, ": %zu ok, %zu diverged, %zu failed. Ranked by <b>%s</b> (lower is better)", by[0], by[1],
                  by[2], results_metric_name(in->metric));
    if (c->n_ranked > 0) {
        const journal_record *b = &in->recs[c->order[0]];
        strbuf_printf(o, "; best %.4f (trial <code>", results_metric_value(b, in->metric));
        esc(o, b->id);
        strbuf_puts(o, "</code>, test MAE ");
        put_num(o, b->test_mae, 4);
        strbuf_puts(o, ")");
    }
    strbuf_puts(o, ".</p>\n");
    put_baseline_summary(o, c);
    strbuf_puts(o, "</header>\n");
}

static void put_best_and_meta(strbuf *o, const htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    strbuf_puts(o, "<div class=\"cols\"><div><h2>Best configuration <small>(swept parameters in "
                   "blue)</small></h2>\n");
    if (c->n_ranked == 0) {
        strbuf_puts(o, "<p class=\"note\">No trial finished with a finite metric yet.</p>\n");
    } else {
        const journal_record *b = &in->recs[c->order[0]];
        char v[96];
        strbuf_puts(o, "<table class=\"kv\" id=\"best\">\n");
        kv_row(o, "trial id", b->id);
        snprintf(v, sizeof v, "%zu", b->repeat);
        kv_row(o, "repeat", v);
        strbuf_printf(o, "<tr><th>val MAE / val loss / test MAE</th><td>");
        put_num(o, b->val_mae, 4);
        strbuf_puts(o, " / ");
        put_num(o, b->val_loss, 4);
        strbuf_puts(o, " / ");
        put_num(o, b->test_mae, 4);
        strbuf_printf(o, "</td></tr>\n<tr><th>best epoch / epochs run</th><td>%zu / %zu</td></tr>\n", b->best_epoch,
                      b->epochs_run);
        strbuf_printf(o, "<tr><th>parameters / wall time</th><td>%zu / %.1f s</td></tr>\n", b->n_params, b->wall_s);
        strbuf_puts(o, "</table>\n<table class=\"kv\" id=\"best-hparams\">\n");
        /* every hparams field, two per row; swept ones in bold */
        size_t nf = hpfields_count();
        for (size_t k = 0; k < nf; k++) {
            hpfields_format(&b->hp, k, v, sizeof v);
            int sw = is_swept(c, k);
            strbuf_puts(o, k % 2 == 0 ? "<tr>" : "");
            strbuf_puts(o, sw ? "<th class=\"swept\">" : "<th>");
            esc(o, hpfields_name(k));
            strbuf_puts(o, sw ? "</th><td class=\"swept\">" : "</th><td>");
            esc(o, v);
            strbuf_puts(o, k % 2 == 1 || k + 1 == nf ? "</td></tr>\n" : "</td>");
        }
        strbuf_puts(o, "</table>\n");
    }
    strbuf_puts(o, "</div><div><h2>Run</h2>\n");
    if (!in->meta) {
        strbuf_puts(o, "<p class=\"note\" id=\"note-meta\">No metadata.json in the sweep directory.</p>\n");
    } else {
        const json_value *m = in->meta;
        char v[160];
        strbuf_puts(o, "<table class=\"kv\" id=\"meta\">\n");
        kv_row(o, "sweep file", json_str_at(m, "sweep", "path"));
        kv_row(o, "sweep hash", json_str_at(m, "sweep", "hash"));
        kv_row(o, "started (UTC)", json_str_at(m, "start_time", NULL));
        int ranks = 0;
        if (json_as_int(json_get(m, "ranks"), &ranks) == 0) {
            snprintf(v, sizeof v, "%d", ranks);
            kv_row(o, "MPI ranks", v);
        }
        kv_row(o, "hsweep", json_str_at(m, "software", "hsweep_version"));
        kv_row(o, "git revision", json_str_at(m, "software", "git_revision"));
        kv_row(o, "MPI", json_str_at(m, "software", "mpi"));
        kv_row(o, "HDF5", json_str_at(m, "software", "hdf5"));
        kv_row(o, "libyaml", json_str_at(m, "software", "libyaml"));
        kv_row(o, "dataset", json_str_at(m, "dataset", "path"));
        kv_row(o, "source sha256", json_str_at(m, "dataset", "source_sha256"));
        const json_value *d = json_get(m, "dataset");
        size_t rows = 0, tr = 0, va = 0, te = 0;
        if (json_as_size(json_get(d, "n_rows"), &rows) == 0 && json_as_size(json_get(d, "n_train"), &tr) == 0 &&
            json_as_size(json_get(d, "n_val"), &va) == 0 && json_as_size(json_get(d, "n_test"), &te) == 0) {
            snprintf(v, sizeof v, "%zu (train %zu, val %zu, test %zu)", rows, tr, va, te);
            kv_row(o, "rows", v);
        }
        strbuf_puts(o, "</table>\n");
    }
    strbuf_puts(o, "</div></div>\n");
}

/* ==== learning curves ================================================================== */

static void put_curves(strbuf *o, htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    size_t top = in->top_curves ? in->top_curves : 5;
    if (top > c->n_ranked) top = c->n_ranked;
    strbuf_printf(o, "<h2>Learning curves of the top %zu trial%s</h2>\n", top, top == 1 ? "" : "s");
    double lo = INFINITY, hi = -INFINITY;
    size_t emax = 0;
    for (size_t t = 0; t < top; t++) {
        const journal_record *r = &in->recs[c->order[t]];
        if (r->n_history > emax) emax = r->n_history;
        for (size_t e = 0; e < r->n_history; e++) {
            double v[2] = {r->history[e].loss, r->history[e].val_loss};
            for (size_t j = 0; j < 2; j++)
                if (isfinite(v[j]) && v[j] > 0.0) {
                    if (v[j] < lo) lo = v[j];
                    if (v[j] > hi) hi = v[j];
                }
        }
    }
    if (top == 0 || emax == 0 || !(hi >= lo)) {
        strbuf_puts(o, "<p class=\"note\" id=\"note-curves\">No trial with a per-epoch history yet.</p>\n");
        return;
    }
    svgplot p;
    svgplot_begin(&p, o, "plot-curves", 1180, 380, 70, 300, 28, 48,
                  "Training loss (solid) and validation loss (dashed), MSE per epoch");
    p.legend_outside = 1;
    svgplot_axis_auto(&p.x, 1.0, (double)(emax > 1 ? emax : 2), SVGPLOT_LINEAR, emax < 10 ? emax : 10);
    if (p.x.step < 1.0) svgplot_axis_auto(&p.x, 1.0, (double)(emax > 1 ? emax : 2), SVGPLOT_LINEAR, 1);
    svgplot_axis_pad(&p.x, 0.02);
    int logy = hi > 5.0 * lo;
    svgplot_axis_auto(&p.y, lo, hi, logy ? SVGPLOT_LOG : SVGPLOT_LINEAR, 6);
    svgplot_axis_pad(&p.y, 0.03);
    svgplot_frame(&p, "epoch", logy ? "loss (MSE, log scale)" : "loss (MSE)");
    double *xs = malloc((emax ? emax : 1) * sizeof *xs), *ys = malloc((emax ? emax : 1) * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        o->failed = 1;
        return;
    }
    for (size_t t = 0; t < top; t++) {
        const journal_record *r = &in->recs[c->order[t]];
        const char *col = htmlreport_colors[t % HTMLREPORT_NCOLORS];
        for (size_t e = 0; e < r->n_history; e++) {
            xs[e] = (double)(e + 1);
            ys[e] = r->history[e].loss;
        }
        svgplot_line(&p, xs, ys, r->n_history, col, "", 2.0);
        for (size_t e = 0; e < r->n_history; e++) ys[e] = r->history[e].val_loss;
        svgplot_line(&p, xs, ys, r->n_history, col, "6 4", 2.0);
        if (r->best_epoch >= 1 && r->best_epoch <= r->n_history) {
            char tip[96];
            snprintf(tip, sizeof tip, "%s best epoch %zu, val loss %.4g", r->id, r->best_epoch,
                     r->history[r->best_epoch - 1].val_loss);
            svgplot_point(&p, (double)r->best_epoch, r->history[r->best_epoch - 1].val_loss, 0.0, 4.0, col, 1.0,
                          tip);
        }
    }
    for (size_t t = 0; t < top; t++) {
        const journal_record *r = &in->recs[c->order[t]];
        char lab[160], sid[12], cell[16], units[24], lr[24];
        short_id(r->id, sid, sizeof sid);
        hpfields_format(&r->hp, hpfields_find("cell"), cell, sizeof cell);
        hpfields_format(&r->hp, hpfields_find("units"), units, sizeof units);
        hpfields_format(&r->hp, hpfields_find("learning_rate"), lr, sizeof lr);
        snprintf(lab, sizeof lab, "#%zu %s %s(%s) lr %s", t + 1, sid, cell, units, lr);
        svgplot_legend(&p, lab, htmlreport_colors[t % HTMLREPORT_NCOLORS], "", '-');
    }
    svgplot_legend(&p, "train loss", "#666", "", '-');
    svgplot_legend(&p, "val loss", "#666", "6 4", '-');
    svgplot_legend(&p, "best epoch (kept weights)", "#666", "", 'o');
    svgplot_end(&p);
    free(xs);
    free(ys);
    add_plot(c, "plot-curves");
}

/* ==== adaptive search: rung plot and best so far ====================================== */

static int rung_id_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* index of id in the sorted ids[0..n), SIZE_MAX if absent */
static size_t rung_id_find(char *const *ids, size_t n, const char *id) {
    char *const *hit = bsearch(&id, ids, n, sizeof *ids, rung_id_cmp);
    return hit ? (size_t)(hit - ids) : SIZE_MAX;
}

static double rung_metric(const htmlreport_ctx *c, double val_loss, double val_mae) {
    return c->in->metric == RESULTS_VAL_LOSS ? val_loss : val_mae;
}

/* svg#plot-rungs and svg#plot-best-so-far, for a journal with scheduler events. */
static void put_rungs(strbuf *o, htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    if (!in->events || in->n_events == 0) return;
    const journal_event *ev = in->events;
    size_t ne = in->n_events, nid = 0, ng = 0, emax = 0;
    char **ids = malloc(ne * sizeof *ids);
    size_t *grid = malloc(ne * sizeof *grid);
    double *cx = malloc(ne * sizeof *cx), *cy = malloc(ne * sizeof *cy);
    double *bl = NULL, *bv = NULL;
    double lo = INFINITY, hi = -INFINITY;
    if (!ids || !grid || !cx || !cy) goto oom;
    /* the trials (ids with events) and the rung grid */
    for (size_t k = 0; k < ne; k++) ids[nid++] = (char *)ev[k].id;
    ng = journal_events_rung_grid(ev, ne, grid);
    qsort(ids, nid, sizeof *ids, rung_id_cmp);
    size_t u = 0;
    for (size_t k = 0; k < nid; k++)
        if (u == 0 || strcmp(ids[u - 1], ids[k]) != 0) ids[u++] = ids[k];
    nid = u;
    bl = malloc(nid * sizeof *bl);
    bv = malloc(nid * sizeof *bv);
    if (!bl || !bv) goto oom;
    for (size_t k = 0; k < nid; k++) bl[k] = bv[k] = INFINITY;
    /* best so far against cumulative epochs, in event order */
    size_t np = 0;
    double best = INFINITY;
    for (size_t k = 0; k < ne; k++) {
        if (ev[k].kind != JOURNAL_EV_EPOCH) continue;
        size_t i = rung_id_find(ids, nid, ev[k].id);
        double v = rung_metric(c, ev[k].val_loss, ev[k].val_mae);
        if (i != SIZE_MAX && ev[k].val_loss < bl[i]) {
            bl[i] = ev[k].val_loss;
            bv[i] = v;
        }
        if (i != SIZE_MAX && isfinite(bv[i]) && bv[i] < best) best = bv[i];
        cx[np] = (double)(np + 1);
        cy[np++] = best;
        if (ev[k].epoch > emax) emax = ev[k].epoch;
        if (isfinite(v)) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    }
    if (np == 0 || !(hi >= lo)) goto done;
    if (hi == lo) hi = lo + 1.0;
    const char *mn = in->metric == RESULTS_VAL_LOSS ? "val loss" : "val MAE";
    char title[160];
    strbuf_puts(o, "<h2>Adaptive search: rungs and best so far</h2>\n");
    snprintf(title, sizeof title, "%s against epoch for every trial (paused or stopped trials faded, "
             "promotions marked)", mn);
    svgplot p;
    svgplot_begin(&p, o, "plot-rungs", 1180, 380, 70, 300, 28, 48, title);
    p.legend_outside = 1;
    svgplot_axis_auto(&p.x, 1.0, (double)(emax > 1 ? emax : 2), SVGPLOT_LINEAR, emax < 10 ? emax : 10);
    if (p.x.step < 1.0) svgplot_axis_auto(&p.x, 1.0, (double)(emax > 1 ? emax : 2), SVGPLOT_LINEAR, 1);
    svgplot_axis_pad(&p.x, 0.02);
    svgplot_axis_auto(&p.y, lo, hi, SVGPLOT_LINEAR, 6);
    svgplot_axis_pad(&p.y, 0.03);
    svgplot_frame(&p, "epoch", mn);
    /* faded trials first, so the ones that went on are drawn over them */
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < in->n; r++) {
            const journal_record *rec = &in->recs[r];
            if (rung_id_find(ids, nid, rec->id) == SIZE_MAX || rec->n_history == 0) continue;
            int faded = rec->status == JOURNAL_PAUSED || rec->status == JOURNAL_PRUNED;
            if (faded != (pass == 0)) continue;
            double xs[4096], ys[4096];
            size_t m = rec->n_history < 4096 ? rec->n_history : 4096;
            for (size_t e = 0; e < m; e++) {
                xs[e] = (double)(e + 1);
                ys[e] = rung_metric(c, rec->history[e].val_loss, rec->history[e].val_mae);
            }
            svgplot_line(&p, xs, ys, m, faded ? "#c8c8c8" : htmlreport_colors[r % HTMLREPORT_NCOLORS], "",
                         faded ? 1.0 : 1.5);
        }
    /* promotions (went on at a rung, or a paused trial continued there) and continuations
     * by an otherwise idle rank (idle_promotion), decided as in the rungs column */
    journal_rung_state *rs = calloc(nid, sizeof *rs);
    int any_idle = 0;
    for (size_t k = 0; rs && k < ne; k++) {
        size_t i = rung_id_find(ids, nid, ev[k].id);
        if (i == SIZE_MAX) continue;
        journal_rung_mark m = journal_rung_step(&rs[i], &ev[k], grid, ng);
        if (m != JOURNAL_MARK_PROMOTED && m != JOURNAL_MARK_IDLE) continue;
        size_t e = ev[k].epoch;
        for (size_t r = 0; r < in->n; r++) {
            const journal_record *rec = &in->recs[r];
            if (strcmp(rec->id, ev[k].id) != 0 || e == 0 || e > rec->n_history) continue;
            char tip[96];
            snprintf(tip, sizeof tip, "%s %s at epoch %zu", rec->id, journal_rung_mark_name(m), e);
            double y = rung_metric(c, rec->history[e - 1].val_loss, rec->history[e - 1].val_mae);
            if (m == JOURNAL_MARK_PROMOTED) svgplot_point(&p, (double)e, y, 0.0, 3.5, "#000", 0.8, tip);
            else svgplot_point(&p, (double)e, y, 0.0, 3.5, "#e08a00", 0.8, tip);
            any_idle |= m == JOURNAL_MARK_IDLE;
            break;
        }
    }
    free(rs);
    svgplot_legend(&p, "went on (finished or running)", htmlreport_colors[0], "", '-');
    svgplot_legend(&p, "paused or stopped", "#c8c8c8", "", '-');
    svgplot_legend(&p, "promoted", "#000", "", 'o');
    if (any_idle) svgplot_legend(&p, "resumed while idle", "#e08a00", "", 'o');
    svgplot_end(&p);
    add_plot(c, "plot-rungs");

    double blo = INFINITY, bhi = -INFINITY;
    for (size_t k = 0; k < np; k++)
        if (isfinite(cy[k])) {
            if (cy[k] < blo) blo = cy[k];
            if (cy[k] > bhi) bhi = cy[k];
        }
    if (!(bhi >= blo)) goto done;
    if (bhi == blo) bhi = blo + 1.0;
    snprintf(title, sizeof title, "Best %s so far against cumulative epochs trained (in the journal's order)", mn);
    svgplot_begin(&p, o, "plot-best-so-far", 1180, 340, 70, 300, 28, 48, title);
    p.legend_outside = 1;
    svgplot_axis_auto(&p.x, 1.0, (double)(np > 1 ? np : 2), SVGPLOT_LINEAR, 10);
    svgplot_axis_pad(&p.x, 0.02);
    svgplot_axis_auto(&p.y, blo, bhi, SVGPLOT_LINEAR, 6);
    svgplot_axis_pad(&p.y, 0.03);
    svgplot_frame(&p, "cumulative epochs", mn);
    svgplot_line(&p, cx, cy, np, htmlreport_colors[0], "", 2.0);
    svgplot_legend(&p, "best so far", htmlreport_colors[0], "", '-');
    svgplot_end(&p);
    add_plot(c, "plot-best-so-far");
    goto done;
oom:
    o->failed = 1;
done:
    free(ids);
    free(grid);
    free(cx);
    free(cy);
    free(bl);
    free(bv);
}

/* ==== metric plots: shared pieces ====================================================== */

/* The distinct baseline values of the metric over the ranked trials' window settings
 * (at most 8) into v; returns how many. */
static size_t metric_baselines(const htmlreport_ctx *c, double *v) {
    size_t nb = 0;
    for (size_t i = 0; i < c->in->n_baselines && nb < 8; i++) {
        double b = results_baseline_value(&c->in->baselines[i], c->in->metric);
        int seen = !isfinite(b);
        for (size_t j = 0; j < nb && !seen; j++) seen = v[j] == b;
        if (!seen) v[nb++] = b;
    }
    return nb;
}

/* y range of the ranked trials' metric, widened to include the baselines */
static void metric_range(const htmlreport_ctx *c, double *lo, double *hi) {
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t t = 0; t < c->n_ranked; t++) {
        double v = results_metric_value(&c->in->recs[c->order[t]], c->in->metric);
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
    double b[8];
    size_t nb = metric_baselines(c, b);
    for (size_t i = 0; i < nb; i++) {
        if (b[i] < *lo) *lo = b[i];
        if (b[i] > *hi) *hi = b[i];
    }
}

/* The persistence baseline(s) as dashed horizontal lines across the plot, with a legend
 * entry when legend is set. */
static void put_baseline_lines(svgplot *p, const htmlreport_ctx *c, int legend) {
    double b[8];
    size_t nb = metric_baselines(c, b);
    for (size_t i = 0; i < nb; i++) {
        double xs[2] = {p->x.lo, p->x.hi}, ys[2] = {b[i], b[i]};
        svgplot_line(p, xs, ys, 2, "#555555", "7 4", 1.4);
    }
    if (nb && legend) svgplot_legend(p, nb > 1 ? "persistence (per window setting)" : "persistence", "#555555",
                                     "7 4", '-');
}

/* Viridis colour at f in [0, 1] (0 dark purple .. 1 yellow), as "#rrggbb" into buf. */
static void viridis(double f, char *buf, size_t n) {
    static const double stops[6][3] = {{68, 1, 84},    {65, 68, 135},  {42, 120, 142},
                                       {34, 168, 132}, {122, 209, 81}, {253, 231, 37}};
    if (!(f >= 0.0)) f = 0.0;
    if (f > 1.0) f = 1.0;
    double x = f * 5.0;
    int i = (int)x;
    if (i > 4) i = 4;
    double u = x - i;
    int rgb[3];
    for (int k = 0; k < 3; k++) rgb[k] = (int)(stops[i][k] + u * (stops[i + 1][k] - stops[i][k]) + 0.5);
    snprintf(buf, n, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* colour of metric value v: best (lo) dark, worst (hi) light; 0.85 keeps it visible on white */
static void metric_color(double v, double lo, double hi, char *buf, size_t n) {
    viridis(hi > lo ? 0.85 * (v - lo) / (hi - lo) : 0.0, buf, n);
}

/* ==== metric against each swept axis =================================================== */

static int put_axis_panel(strbuf *o, htmlreport_ctx *c, size_t k, hs_error *err) {
    const htmlreport_input *in = c->in;
    const char *name = hpfields_name(k);
    hpfields_kind kind = hpfields_kind_of(k);
    size_t nr = c->n_ranked;
    /* the distinct values in value order: one sort (a random search has one per trial) */
    analysis_bins vb;
    double *mx = NULL, *my = NULL;
    int rc = analysis_bin_axis(in->recs, c->order, nr, k, nr, &vb, err);
    if (rc != 0) return rc;
    size_t nv = vb.n_bins;
    int categorical = kind == HPFIELDS_CELL || kind == HPFIELDS_OPTIMIZER || kind == HPFIELDS_BOOL;
    for (size_t j = 0; j < nv && !categorical; j++)
        if (!isfinite(vb.lo[j])) categorical = 1;
    /* a sampled continuous parameter: a scatter, no mean per value */
    int scale = in->axis_scale ? in->axis_scale[k] : 0;
    int continuous = !categorical && (nv > 12 || scale != 0);
    if (categorical && nv > SVGPLOT_MAX_CATEGORIES) nv = SVGPLOT_MAX_CATEGORIES;
    char id[96], title[160];
    snprintf(id, sizeof id, "plot-axis-%s", name);
    snprintf(title, sizeof title, "%s by %s", results_metric_name(in->metric), name);
    svgplot p;
    svgplot_begin(&p, o, id, 380, 270, 62, 14, 28, 48, title);
    const char *names[SVGPLOT_MAX_CATEGORIES];
    double ylo, yhi;
    metric_range(c, &ylo, &yhi);
    int logx = 0;
    if (categorical) {
        for (size_t j = 0; j < nv; j++) names[j] = vb.label[j];
        svgplot_axis_categories(&p.x, names, nv);
    } else {
        double xlo = vb.lo[0], xhi = vb.hi[nv - 1];
        logx = xlo > 0.0 && xhi >= 10.0 * xlo * (1.0 - 1e-6); /* float 1e-2 / 1e-3 < 10 */
        if (scale == 1) logx = 0;                             /* drawn uniformly: linear */
        if (scale == 2 && xlo > 0.0) logx = 1;                /* drawn log-uniformly: log */
        svgplot_axis_auto(&p.x, xlo, xhi, logx ? SVGPLOT_LOG : SVGPLOT_LINEAR, 5);
        svgplot_axis_pad(&p.x, 0.06);
    }
    svgplot_axis_auto(&p.y, ylo, yhi, SVGPLOT_LINEAR, 5);
    svgplot_axis_pad(&p.y, 0.04);
    char xl[128];
    snprintf(xl, sizeof xl, "%s%s", name, logx ? " (log scale)" : "");
    svgplot_frame(&p, xl, results_metric_name(in->metric));
    put_baseline_lines(&p, c, 1);
    /* every ranked trial as a dot, spread horizontally by a hash of its id (not for a
     * continuous parameter, whose x is exact) */
    for (size_t t = 0; t < nr; t++) {
        const journal_record *r = &in->recs[c->order[t]];
        char tip[200];
        size_t j = vb.bin[t];
        double x = hpfields_value(&r->hp, k);
        if (categorical) {
            if (j >= nv) continue;
            x = (double)j;
        }
        double v = results_metric_value(r, in->metric);
        snprintf(tip, sizeof tip, "%s (#%zu): %s=%s, %s %.4f", r->id, t + 1, name, vb.label[j],
                 results_metric_name(in->metric), v);
        svgplot_point(&p, x, v, continuous ? 0.0 : 7.0 * id_jitter(r->id), 3.5, "#0072B2", 0.55, tip);
    }
    if (continuous) {
        svgplot_end(&p);
        add_plot(c, id);
        goto done;
    }
    /* mean per value, joined by a line on numeric axes */
    mx = malloc((nv ? nv : 1) * sizeof *mx);
    my = malloc((nv ? nv : 1) * sizeof *my);
    if (!mx || !my) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (report axis %s)", name);
        goto done;
    }
    for (size_t j = 0; j < nv; j++) {
        mx[j] = categorical ? (double)j : vb.lo[j];
        my[j] = 0.0;
    }
    {
        size_t *cnt = calloc(nv ? nv : 1, sizeof *cnt);
        if (!cnt) {
            rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (report axis %s)", name);
            goto done;
        }
        for (size_t t = 0; t < nr; t++) {
            if (vb.bin[t] >= nv) continue; /* a category beyond SVGPLOT_MAX_CATEGORIES */
            my[vb.bin[t]] += results_metric_value(&in->recs[c->order[t]], in->metric);
            cnt[vb.bin[t]]++;
        }
        for (size_t j = 0; j < nv; j++) my[j] = cnt[j] ? my[j] / (double)cnt[j] : (double)NAN;
        free(cnt);
    }
    if (!categorical) svgplot_line(&p, mx, my, nv, "#D55E00", "3 3", 1.2);
    for (size_t j = 0; j < nv; j++) {
        char tip[160];
        snprintf(tip, sizeof tip, "mean %s at %s=%s: %.4f", results_metric_name(in->metric), name,
                 vb.label[j], my[j]);
        svgplot_hmark(&p, mx[j], my[j], 11.0, "#D55E00", 3.0, tip);
    }
    svgplot_end(&p);
    add_plot(c, id);
done:
    free(mx);
    free(my);
    analysis_bins_free(&vb);
    return rc;
}

static int put_axes(strbuf *o, htmlreport_ctx *c, hs_error *err) {
    const char *m = results_metric_name(c->in->metric);
    strbuf_printf(o, "<h2>%s against each swept parameter</h2>\n", m);
    if (c->n_axes == 0) {
        strbuf_puts(o, "<p class=\"note\" id=\"note-axes\">No swept parameter: every trial has the same "
                       "configuration apart from the seed.</p>\n");
        return 0;
    }
    if (c->n_ranked == 0) {
        strbuf_puts(o, "<p class=\"note\" id=\"note-axes\">No trial finished with a finite metric yet.</p>\n");
        return 0;
    }
    strbuf_printf(o,
                  "<p class=\"sub\">Each dot is one ok trial (repeats and the other parameters' values spread "
                  "horizontally); the orange bar is the mean %s per value; the dashed grey line is the persistence "
                  "baseline. A sampled continuous parameter is a plain scatter on the axis its distribution implies "
                  "(log for log_uniform, linear for uniform). Diverged and failed trials are not shown (see the "
                  "table).</p>\n<div class=\"panels\" id=\"axes-panels\">\n",
                  m);
    for (size_t a = 0; a < c->n_axes; a++) {
        int rc = put_axis_panel(o, c, c->axes[a], err);
        if (rc != 0) return rc;
    }
    strbuf_puts(o, "</div>\n");
    return 0;
}

/* ==== why a configuration wins: importance, strongest pair, parallel coordinates ======= */

static int put_importance(strbuf *o, htmlreport_ctx *c, const analysis_importance *im) {
    const htmlreport_input *in = c->in;
    const char *mn = results_metric_name(in->metric);
    size_t na = im->n_axes;
    const char *names[SVGPLOT_MAX_CATEGORIES];
    size_t nshow = na < SVGPLOT_MAX_CATEGORIES ? na : SVGPLOT_MAX_CATEGORIES;
    for (size_t a = 0; a < nshow; a++) names[a] = hpfields_name(im->axes[a]);
    svgplot p;
    char title[160];
    snprintf(title, sizeof title, "Share of the variance of %s explained by each parameter alone", mn);
    svgplot_begin(&p, o, "plot-importance", 560, 300, 62, 14, 28, 70, title);
    svgplot_axis_categories(&p.x, names, nshow);
    svgplot_axis_auto(&p.y, 0.0, 1.0, SVGPLOT_LINEAR, 5);
    svgplot_frame(&p, "swept parameter", "share of variance (epsilon^2)");
    for (size_t a = 0; a < nshow; a++) {
        double v = im->share[a];
        char tip[200];
        if (!isfinite(v)) continue;
        snprintf(tip, sizeof tip, "%s: %.1f %% of the variance of %s (epsilon^2 = %.4f)", names[a], 100.0 * v, mn,
                 v);
        /* a zero share still gets a hairline so the bar exists */
        svgplot_rect(&p, (double)a - 0.35, 0.0, (double)a + 0.35, v > 0.004 ? v : 0.004, "#0072B2", 0.85, tip);
        char lab[32];
        snprintf(lab, sizeof lab, "%.0f%%", 100.0 * v);
        svgplot_text(&p, svgplot_px(&p, (double)a), svgplot_py(&p, v > 0.004 ? v : 0.004) - 4.0, "middle", lab);
    }
    svgplot_end(&p);
    add_plot(c, "plot-importance");
    return 0;
}

static int put_heatmap(strbuf *o, htmlreport_ctx *c, const analysis_importance *im, hs_error *err) {
    const htmlreport_input *in = c->in;
    size_t ka = im->axes[im->pair_a], kb = im->axes[im->pair_b], nr = c->n_ranked;
    analysis_bins ba, bb;
    int rc = analysis_bin_axis(in->recs, c->order, nr, ka, ANALYSIS_PAIR_BINS, &ba, err);
    if (rc != 0) return rc;
    rc = analysis_bin_axis(in->recs, c->order, nr, kb, ANALYSIS_PAIR_BINS, &bb, err);
    if (rc != 0) {
        analysis_bins_free(&ba);
        return rc;
    }
    size_t nc = ba.n_bins * bb.n_bins;
    double *sum = calloc(nc ? nc : 1, sizeof *sum);
    size_t *cnt = calloc(nc ? nc : 1, sizeof *cnt);
    if (!sum || !cnt) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (heatmap)");
        goto done;
    }
    for (size_t t = 0; t < nr; t++) {
        size_t cell = ba.bin[t] * bb.n_bins + bb.bin[t];
        sum[cell] += results_metric_value(&in->recs[c->order[t]], in->metric);
        cnt[cell]++;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < nc; i++)
        if (cnt[i]) {
            double m = sum[i] / (double)cnt[i];
            if (m < lo) lo = m;
            if (m > hi) hi = m;
        }
    const char *xn[ANALYSIS_PAIR_BINS], *yn[ANALYSIS_PAIR_BINS];
    for (size_t i = 0; i < ba.n_bins; i++) xn[i] = ba.label[i];
    for (size_t i = 0; i < bb.n_bins; i++) yn[i] = bb.label[i];
    char title[200];
    snprintf(title, sizeof title, "Mean %s by %s and %s (darker is better)", results_metric_name(in->metric),
             hpfields_name(ka), hpfields_name(kb));
    svgplot p;
    svgplot_begin(&p, o, "plot-heatmap", 560, 330, 110, 14, 28, 70, title);
    svgplot_axis_categories(&p.x, xn, ba.n_bins);
    svgplot_axis_categories(&p.y, yn, bb.n_bins);
    svgplot_frame(&p, hpfields_name(ka), hpfields_name(kb));
    for (size_t i = 0; i < ba.n_bins; i++)
        for (size_t j = 0; j < bb.n_bins; j++) {
            size_t cell = i * bb.n_bins + j;
            if (!cnt[cell]) continue;
            double m = sum[cell] / (double)cnt[cell];
            char col[16], tip[240], lab[32];
            metric_color(m, lo, hi, col, sizeof col);
            snprintf(tip, sizeof tip, "%s=%s, %s=%s: mean %s %.4f over %zu trials", hpfields_name(ka), ba.label[i],
                     hpfields_name(kb), bb.label[j], results_metric_name(in->metric), m, cnt[cell]);
            svgplot_rect(&p, (double)i - 0.5, (double)j - 0.5, (double)i + 0.5, (double)j + 0.5, col, 1.0, tip);
            snprintf(lab, sizeof lab, "%.3g", m);
            svgplot_text(&p, svgplot_px(&p, (double)i), svgplot_py(&p, (double)j) + 4.0, "middle", lab);
        }
    svgplot_end(&p);
    add_plot(c, "plot-heatmap");
done:
    free(sum);
    free(cnt);
    analysis_bins_free(&ba);
    analysis_bins_free(&bb);
    return rc;
}

/* one axis of the parallel-coordinates plot: position in [0, 1] of every ranked trial */
static int parcoord_axis(const htmlreport_ctx *c, size_t k, double *pos, char *lo_txt, char *hi_txt, size_t n_txt,
                         hs_error *err) {
    const htmlreport_input *in = c->in;
    size_t nr = c->n_ranked;
    hpfields_kind kind = hpfields_kind_of(k);
    if (kind == HPFIELDS_CELL || kind == HPFIELDS_OPTIMIZER || kind == HPFIELDS_BOOL) {
        analysis_bins b; /* categories: evenly spaced in value order */
        int rc = analysis_bin_axis(in->recs, c->order, nr, k, SIZE_MAX, &b, err);
        if (rc != 0) return rc;
        for (size_t t = 0; t < nr; t++) pos[t] = b.n_bins > 1 ? (double)b.bin[t] / (double)(b.n_bins - 1) : 0.5;
        snprintf(lo_txt, n_txt, "%s", b.n_bins ? b.label[0] : "");
        snprintf(hi_txt, n_txt, "%s", b.n_bins ? b.label[b.n_bins - 1] : "");
        analysis_bins_free(&b);
        return 0;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < nr; t++) {
        double v = hpfields_value(&in->recs[c->order[t]].hp, k);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    int scale = in->axis_scale ? in->axis_scale[k] : 0;
    int logx = lo > 0.0 && (scale == 2 || (scale == 0 && hi >= 10.0 * lo * (1.0 - 1e-6)));
    for (size_t t = 0; t < nr; t++) {
        double v = hpfields_value(&in->recs[c->order[t]].hp, k);
        pos[t] = !(hi > lo) ? 0.5 : logx ? log(v / lo) / log(hi / lo) : (v - lo) / (hi - lo);
    }
    snprintf(lo_txt, n_txt, "%.4g", lo);
    snprintf(hi_txt, n_txt, "%.4g%s", hi, logx ? " (log)" : "");
    return 0;
}

static int put_parcoords(strbuf *o, htmlreport_ctx *c, hs_error *err) {
    const htmlreport_input *in = c->in;
    size_t nr = c->n_ranked, na = c->n_axes < SVGPLOT_MAX_CATEGORIES - 1 ? c->n_axes : SVGPLOT_MAX_CATEGORIES - 1;
    size_t nax = na + 1; /* the metric is the last axis */
    double *pos = malloc((nr ? nr : 1) * nax * sizeof *pos);
    char (*lab)[2][48] = calloc(nax, sizeof *lab);
    int rc = 0;
    if (!pos || !lab) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (parallel coordinates)");
        goto done;
    }
    for (size_t a = 0; a < na; a++) {
        double *col = pos + a * nr;
        if ((rc = parcoord_axis(c, c->axes[a], col, lab[a][0], lab[a][1], sizeof lab[a][0], err)) != 0) goto done;
    }
    double mlo, mhi;
    metric_range(c, &mlo, &mhi);
    mlo = INFINITY;
    for (size_t t = 0; t < nr; t++) {
        double v = results_metric_value(&in->recs[c->order[t]], in->metric);
        if (v < mlo) mlo = v;
    }
    mhi = results_metric_value(&in->recs[c->order[nr - 1]], in->metric);
    for (size_t t = 0; t < nr; t++) {
        double v = results_metric_value(&in->recs[c->order[t]], in->metric);
        pos[na * nr + t] = mhi > mlo ? (v - mlo) / (mhi - mlo) : 0.5;
    }
    snprintf(lab[na][0], sizeof lab[na][0], "%.4g (best)", mlo);
    snprintf(lab[na][1], sizeof lab[na][1], "%.4g", mhi);
    const char *names[SVGPLOT_MAX_CATEGORIES];
    for (size_t a = 0; a < na; a++) names[a] = hpfields_name(c->axes[a]);
    names[na] = results_metric_name(in->metric);
    /* at most 1,500 lines: every stride-th trial, always the top 20 */
    size_t stride = nr > 1500 ? (nr + 1499) / 1500 : 1;
    char title[200];
    snprintf(title, sizeof title, "Every trial across the swept parameters, coloured by %s (dark = best)%s",
             results_metric_name(in->metric), stride > 1 ? " (a sample of the trials)" : "");
    svgplot p;
    svgplot_begin(&p, o, "plot-parcoords", 1180, 360, 70, 70, 28, 48, title);
    svgplot_axis_categories(&p.x, names, nax);
    svgplot_axis_auto(&p.y, 0.0, 1.0, SVGPLOT_LINEAR, 2);
    svgplot_axis_pad(&p.y, 0.05);
    svgplot_frame(&p, NULL, "position on each axis (min to max)");
    double xs[SVGPLOT_MAX_CATEGORIES], ys[SVGPLOT_MAX_CATEGORIES];
    for (size_t a = 0; a < nax; a++) xs[a] = (double)a;
    /* worst first, so the best lines are drawn on top */
    for (size_t q = nr; q-- > 0;) {
        if (q >= 20 && q % stride != 0) continue;
        for (size_t a = 0; a < nax; a++) ys[a] = pos[a * nr + q];
        char col[16];
        metric_color(results_metric_value(&in->recs[c->order[q]], in->metric), mlo, mhi, col, sizeof col);
        svgplot_line(&p, xs, ys, nax, col, "", q < 5 ? 2.2 : 1.0);
    }
    for (size_t a = 0; a < nax; a++) {
        double x = svgplot_px(&p, (double)a);
        double axx[2] = {(double)a, (double)a}, axy[2] = {0.0, 1.0};
        svgplot_line(&p, axx, axy, 2, "#333333", "", 1.0);
        svgplot_text(&p, x, svgplot_py(&p, 0.0) + 14.0, "middle", lab[a][0]);
        svgplot_text(&p, x, svgplot_py(&p, 1.0) - 5.0, "middle", lab[a][1]);
    }
    svgplot_end(&p);
    add_plot(c, "plot-parcoords");
done:
    free(pos);
    free(lab);
    return rc;
}

static int put_why(strbuf *o, htmlreport_ctx *c, hs_error *err) {
    const htmlreport_input *in = c->in;
    strbuf_puts(o, "<h2>Which parameters matter</h2>\n");
    if (c->n_axes == 0 || c->n_ranked < 3) {
        strbuf_printf(o, "<p class=\"note\" id=\"note-why\">%s</p>\n",
                      c->n_axes == 0 ? "No swept parameter: every trial has the same configuration apart from the seed."
                                     : "Fewer than 3 trials finished with a finite metric: nothing to analyse yet.");
        return 0;
    }
    analysis_importance im;
    int rc = analysis_importance_compute(in->recs, c->order, c->n_ranked, in->metric, c->axes, c->n_axes, &im, err);
    if (rc != 0) return rc;
    strbuf_printf(o,
                  "<p class=\"sub\">Importance: the share of the variance of %s over the %zu ranked trials that "
                  "each parameter explains alone, estimated as the bias-corrected correlation ratio "
                  "&epsilon;&sup2; of a one-way ANOVA (values of a sampled continuous parameter grouped into %d "
                  "quantile bins). On a full grid this is the main-effect term of a functional ANOVA; shares "
                  "need not add up to 100 %% (interactions, noise between repeats). The heatmap shows the pair "
                  "whose joint values explain the most",
                  results_metric_name(in->metric), c->n_ranked, ANALYSIS_BINS);
    if (isfinite(im.pair_share)) strbuf_printf(o, " (%.0f %%)", 100.0 * im.pair_share);
    strbuf_puts(o, ".</p>\n<div class=\"panels\" id=\"why-panels\">\n");
    if ((rc = put_importance(o, c, &im)) != 0) return rc;
    if (im.pair_a >= 0 && im.pair_b >= 0 && (rc = put_heatmap(o, c, &im, err)) != 0) return rc;
    strbuf_puts(o, "</div>\n");
    return put_parcoords(o, c, err);
}

/* ==== metric against model size and wall time ========================================= */

static void put_scatter(strbuf *o, htmlreport_ctx *c, const char *id, const char *xname, int use_wall) {
    const htmlreport_input *in = c->in;
    double xlo = INFINITY, xhi = -INFINITY;
    for (size_t t = 0; t < c->n_ranked; t++) {
        const journal_record *r = &in->recs[c->order[t]];
        double x = use_wall ? (isfinite(r->wall_total_s) ? r->wall_total_s : r->wall_s) : (double)r->n_params;
        if (!(x > 0.0) || !isfinite(x)) continue;
        if (x < xlo) xlo = x;
        if (x > xhi) xhi = x;
    }
    if (!(xhi >= xlo)) return;
    int logx = xhi >= 10.0 * xlo;
    double ylo, yhi;
    metric_range(c, &ylo, &yhi);
    char title[160], xl[160];
    snprintf(title, sizeof title, "%s against %s", results_metric_name(in->metric), xname);
    snprintf(xl, sizeof xl, "%s%s", xname, logx ? " (log scale)" : "");
    svgplot p;
    svgplot_begin(&p, o, id, 580, 300, 62, 14, 28, 48, title);
    svgplot_axis_auto(&p.x, xlo, xhi, logx ? SVGPLOT_LOG : SVGPLOT_LINEAR, 5);
    svgplot_axis_pad(&p.x, 0.05);
    svgplot_axis_auto(&p.y, ylo, yhi, SVGPLOT_LINEAR, 5);
    svgplot_axis_pad(&p.y, 0.04);
    svgplot_frame(&p, xl, results_metric_name(in->metric));
    put_baseline_lines(&p, c, 1);
    for (size_t t = c->n_ranked; t-- > 0;) {
        const journal_record *r = &in->recs[c->order[t]];
        double x = use_wall ? (isfinite(r->wall_total_s) ? r->wall_total_s : r->wall_s) : (double)r->n_params;
        double v = results_metric_value(r, in->metric);
        char tip[200];
        snprintf(tip, sizeof tip, "%s (#%zu): %zu parameters, %.1f s, %s %.4f", r->id, t + 1, r->n_params, x,
                 results_metric_name(in->metric), v);
        svgplot_point(&p, x, v, 0.0, 3.2, t == 0 ? "#D55E00" : "#0072B2", t == 0 ? 1.0 : 0.5, tip);
    }
    svgplot_end(&p);
    add_plot(c, id);
}

static void put_cost(strbuf *o, htmlreport_ctx *c) {
    strbuf_printf(o, "<h2>%s against model size and wall time</h2>\n", results_metric_name(c->in->metric));
    if (c->n_ranked == 0) {
        strbuf_puts(o, "<p class=\"note\" id=\"note-cost\">No trial finished with a finite metric yet.</p>\n");
        return;
    }
    strbuf_puts(o, "<p class=\"sub\">The best trial in orange. Wall time is over every segment of a trial resumed "
                   "from its checkpoint when the journal records it (hsweep 0.2 on), else the last segment.</p>\n"
                   "<div class=\"panels\">\n");
    put_scatter(o, c, "plot-size", "trainable parameters", 0);
    put_scatter(o, c, "plot-wall", "wall time per trial (s)", 1);
    strbuf_puts(o, "</div>\n");
}

/* ==== per-rank timeline ================================================================ */

static void put_timeline(strbuf *o, htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    strbuf_puts(o, "<h2>Who ran what, when</h2>\n");
    size_t timed = 0;
    int max_rank = -1;
    double t0 = INFINITY, t1 = -INFINITY, busy = 0.0;
    for (size_t i = 0; i < in->n; i++) {
        const journal_record *r = &in->recs[i];
        if (!isfinite(r->start_unix) || !isfinite(r->end_unix) || r->end_unix < r->start_unix || r->rank < 0) continue;
        timed++;
        if (r->rank > max_rank) max_rank = r->rank;
        if (r->start_unix < t0) t0 = r->start_unix;
        if (r->end_unix > t1) t1 = r->end_unix;
        busy += r->end_unix - r->start_unix;
    }
    if (timed == 0) {
        strbuf_printf(o, "<p class=\"note\" id=\"note-timeline\">Timeline unknown: none of the %zu journal records "
                         "has start and end times (they were written by an hsweep before 0.2, which did not record "
                         "them).</p>\n", in->n);
        return;
    }
    int ranks = max_rank + 1;
    const json_value *rk = json_get(in->meta, "ranks");
    int meta_ranks = 0;
    if (rk && json_as_int(rk, &meta_ranks) == 0 && meta_ranks > ranks) ranks = meta_ranks;
    double span = t1 - t0;
    double util = span > 0.0 ? busy / ((double)ranks * span) : (double)NAN;
    strbuf_printf(o, "<p class=\"sub\" id=\"utilisation\">%zu trials on %d ranks over %.1f s: utilisation ", timed,
                  ranks, span);
    put_num(o, 100.0 * util, 0);
    strbuf_puts(o, " % (time spent in trials / (ranks &times; time from the first start to the last end); "
                   "a pause between resumed runs counts as idle).");
    if (timed < in->n)
        strbuf_printf(o, " %zu records have no times (written by an older hsweep): not shown, unknown.",
                      in->n - timed);
    strbuf_puts(o, "</p>\n");
    int hours = span > 3.0 * 3600.0;
    double unit = hours ? 3600.0 : span > 180.0 ? 60.0 : 1.0;
    const char *uname = hours ? "hours" : unit == 60.0 ? "minutes" : "seconds";
    double h = 60.0 + 16.0 * (ranks < 40 ? ranks : 40);
    svgplot p;
    char xl[96];
    snprintf(xl, sizeof xl, "%s since the first trial started", uname);
    svgplot_begin(&p, o, "plot-timeline", 1180, h + 50.0, 70, 14, 28, 48,
                  "Trials per rank over time (blue ok, orange diverged, red failed)");
    svgplot_axis_auto(&p.x, 0.0, span > 0.0 ? span / unit : 1.0, SVGPLOT_LINEAR, 10);
    svgplot_axis_auto(&p.y, -0.5, (double)ranks - 0.5, SVGPLOT_LINEAR, ranks < 16 ? (size_t)ranks : 16);
    if (p.y.step < 1.0) svgplot_axis_auto(&p.y, -0.5, (double)ranks - 0.5, SVGPLOT_LINEAR, 1);
    p.y.lo = -0.5;
    p.y.hi = (double)ranks - 0.5;
    svgplot_frame(&p, xl, "rank");
    static const char *const scol[3] = {"#0072B2", "#E69F00", "#CC3311"};
    for (size_t i = 0; i < in->n; i++) {
        const journal_record *r = &in->recs[i];
        if (!isfinite(r->start_unix) || !isfinite(r->end_unix) || r->end_unix < r->start_unix || r->rank < 0) continue;
        char tip[260];
        snprintf(tip, sizeof tip, "rank %d%s%s: trial %s %s, %.1f s", r->rank, r->host[0] ? " on " : "", r->host, r->id,
                 journal_status_name(r->status), r->end_unix - r->start_unix);
        double a = (r->start_unix - t0) / unit, b = (r->end_unix - t0) / unit;
        if (b - a < span / unit * 1e-3) b = a + span / unit * 1e-3; /* visible */
        svgplot_rect(&p, a, (double)r->rank - 0.38, b, (double)r->rank + 0.38,
                     scol[(unsigned)r->status < 3 ? r->status : 2], 0.85, tip);
    }
    svgplot_end(&p);
    add_plot(c, "plot-timeline");
}

/* ==== predictions ====================================================================== */

/* Widen [*lo, *hi] to the finite values of a[i] and b[i] for i < n in steps of stride; an
 * empty range becomes [0, 0]. */
static void pred_range(const float *a, const float *b, size_t n, size_t stride, double *lo,
                       double *hi) {
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i += stride) {
        double v[2] = {(double)a[i], (double)b[i]};
        for (size_t q = 0; q < 2; q++)
            if (isfinite(v[q])) {
                if (v[q] < *lo) *lo = v[q];
                if (v[q] > *hi) *hi = v[q];
            }
    }
    if (!(*hi >= *lo)) *lo = *hi = 0.0;
}

/* The heading, the MAE line and the notes; returns 0 when there are no predictions to plot
 * (the note says why). */
static int put_pred_header(strbuf *o, const htmlreport_input *in, const char *split) {
    const htmlreport_pred *pr = in->pred;
    strbuf_printf(o, "<h2>Best trial: predicted against actual temperature (%s split)</h2>\n", split);
    if (!pr || pr->n == 0 || !pr->pred || !pr->actual) {
        strbuf_puts(o, "<p class=\"note\" id=\"note-pred\">");
        esc(o, in->pred_note && in->pred_note[0] ? in->pred_note : "Predictions were not computed.");
        strbuf_puts(o, "</p>\n");
        return 0;
    }
    strbuf_puts(o, "<p class=\"sub\" id=\"pred-mae\">Model of trial <code>");
    esc(o, pr->trial_id ? pr->trial_id : "?");
    strbuf_printf(o, "</code>: MAE over all %zu %s windows ", pr->n, split);
    put_num(o, pr->mae, 4);
    if (isfinite(pr->recorded_mae)) {
        strbuf_puts(o, " (the sweep recorded ");
        put_num(o, pr->recorded_mae, 4);
        strbuf_puts(o, ")");
    }
    strbuf_puts(o, ".</p>\n");
    if (in->pred_note && in->pred_note[0]) {
        strbuf_puts(o, "<p class=\"note\">");
        esc(o, in->pred_note);
        strbuf_puts(o, "</p>\n");
    }
    return 1;
}

/* Time series of the first pred_days days (or the first 2,016 windows without times), at
 * most 1,500 points drawn. */
static void put_pred_series(strbuf *o, htmlreport_ctx *c, const char *split, const char *unit) {
    const htmlreport_input *in = c->in;
    const htmlreport_pred *pr = in->pred;
    double days = in->pred_days > 0.0 ? in->pred_days : 14.0;
    size_t m = 0;
    if (pr->time) {
        while (m < pr->n && (double)(pr->time[m] - pr->time[0]) <= days * 86400.0) m++;
    } else {
        m = pr->n < 2016 ? pr->n : 2016;
    }
    size_t stride = (m + 1499) / 1500;
    if (stride == 0) stride = 1;
    size_t np = (m + stride - 1) / stride;
    double *xs = malloc((np ? np : 1) * sizeof *xs), *ya = malloc((np ? np : 1) * sizeof *ya),
           *yp = malloc((np ? np : 1) * sizeof *yp);
    if (!xs || !ya || !yp) {
        free(xs);
        free(ya);
        free(yp);
        o->failed = 1;
        return;
    }
    for (size_t i = 0, j = 0; i < m; i += stride, j++) {
        xs[j] = pr->time ? (double)pr->time[i] : (double)i;
        ya[j] = pr->actual[i];
        yp[j] = pr->pred[i];
    }
    double lo, hi;
    pred_range(pr->actual, pr->pred, m, stride, &lo, &hi);
    char title[200];
    double shown = days;
    if (pr->time && m > 0 && (double)(pr->time[m - 1] - pr->time[0]) < days * 86400.0)
        shown = (double)(pr->time[m - 1] - pr->time[0]) / 86400.0;
    if (pr->time)
        snprintf(title, sizeof title, "First %.*f days of the %s split", shown == floor(shown) ? 0 : 1, shown, split);
    else
        snprintf(title, sizeof title, "First %zu windows of the %s split", m, split);
    if (stride > 1) {
        size_t L = strlen(title);
        snprintf(title + L, sizeof title - L, " (1 in %zu windows drawn)", stride);
    }
    svgplot p;
    svgplot_begin(&p, o, "plot-pred", 770, 400, 62, 100, 28, 48, title);
    p.legend_outside = 1;
    svgplot_axis_auto(&p.x, xs[0], np ? xs[np - 1] : xs[0], pr->time ? SVGPLOT_TIME : SVGPLOT_LINEAR, 8);
    svgplot_axis_auto(&p.y, lo, hi, SVGPLOT_LINEAR, 6);
    svgplot_axis_pad(&p.y, 0.03);
    svgplot_frame(&p, pr->time ? "target time (station time)" : "window", unit);
    svgplot_line(&p, xs, ya, np, "#333333", "", 1.3);
    svgplot_line(&p, xs, yp, np, "#D55E00", "", 1.3);
    svgplot_legend(&p, "actual", "#333333", "", '-');
    svgplot_legend(&p, "predicted", "#D55E00", "", '-');
    svgplot_end(&p);
    add_plot(c, "plot-pred");
    free(xs);
    free(ya);
    free(yp);
}

/* Scatter of up to 2,500 windows spread over the whole split, with the y = x line. */
static void put_pred_scatter(strbuf *o, htmlreport_ctx *c, const char *split, const char *unit) {
    const htmlreport_pred *pr = c->in->pred;
    size_t sstride = (pr->n + 2499) / 2500;
    double lo, hi;
    pred_range(pr->actual, pr->pred, pr->n, 1, &lo, &hi);
    char title[200];
    snprintf(title, sizeof title, "Predicted vs actual, %s split", split);
    svgplot p;
    svgplot_begin(&p, o, "plot-pred-scatter", 420, 400, 62, 14, 28, 48, title);
    svgplot_axis_auto(&p.x, lo, hi, SVGPLOT_LINEAR, 6);
    p.y = p.x;
    char xl[200], yl[200];
    snprintf(xl, sizeof xl, "actual %s", unit);
    snprintf(yl, sizeof yl, "predicted %s", unit);
    svgplot_frame(&p, xl, yl);
    double dx[2] = {p.x.lo, p.x.hi};
    svgplot_line(&p, dx, dx, 2, "#999999", "4 3", 1.0);
    for (size_t i = 0; i < pr->n; i += sstride)
        svgplot_point(&p, pr->actual[i], pr->pred[i], 0.0, 1.6, "#0072B2", 0.3, NULL);
    svgplot_legend(&p, "y = x", "#999999", "4 3", '-');
    svgplot_end(&p);
    add_plot(c, "plot-pred-scatter");
}

/* The predictions section: header, then the time series and the scatter side by side. */
static void put_pred(strbuf *o, htmlreport_ctx *c) {
    const htmlreport_pred *pr = c->in->pred;
    const char *split = pr && pr->split ? pr->split : "test";
    if (!put_pred_header(o, c->in, split)) return;
    char unit[160];
    snprintf(unit, sizeof unit, "%s", pr->target_name && pr->target_name[0] ? pr->target_name : "target");
    strbuf_puts(o, "<div class=\"panels\">\n");
    put_pred_series(o, c, split, unit);
    put_pred_scatter(o, c, split, unit);
    strbuf_puts(o, "</div>\n");
}

/* ==== the ranked table ================================================================= */

static void put_table(strbuf *o, const htmlreport_ctx *c) {
    const htmlreport_input *in = c->in;
    static const char *const mname[3] = {"val_mae", "val_loss", "test_mae"};
    strbuf_printf(o, "<h2>All trials (%zu)</h2>\n<p class=\"sub\">Click a column header to sort.</p>\n", in->n);
    strbuf_puts(o, "<div class=\"tablewrap\"><table class=\"sortable\" id=\"ranked\">\n<thead><tr>"
                   "<th class=\"n\">#</th><th>id</th><th class=\"n\">repeat</th><th>status</th>");
    for (size_t j = 0; j < 3; j++)
        strbuf_printf(o, "<th class=\"n%s\">%s</th>", (results_metric)j == in->metric ? " metric" : "", mname[j]);
    if (in->n_baselines) strbuf_puts(o, "<th class=\"n\">vs persistence</th>");
    strbuf_puts(o, "<th class=\"n\">best epoch</th><th class=\"n\">epochs</th><th class=\"n\">wall s</th>"
                   "<th class=\"n\">params</th>");
    for (size_t a = 0; a < c->n_axes; a++) {
        hpfields_kind kd = hpfields_kind_of(c->axes[a]);
        int num = kd == HPFIELDS_SIZE || kd == HPFIELDS_FLOAT;
        strbuf_puts(o, num ? "<th class=\"n\">" : "<th>");
        esc(o, hpfields_name(c->axes[a]));
        strbuf_puts(o, "</th>");
    }
    strbuf_puts(o, "<th>reason</th></tr></thead>\n<tbody>\n");
    for (size_t t = 0; t < in->n; t++) {
        const journal_record *r = &in->recs[c->order[t]];
        strbuf_printf(o, "<tr class=\"%s\">", journal_status_name(r->status));
        if (t < c->n_ranked)
            strbuf_printf(o, "<td class=\"n\">%zu</td>", t + 1);
        else
            strbuf_puts(o, "<td class=\"n\">-</td>");
        strbuf_puts(o, "<td><code>");
        esc(o, r->id);
        strbuf_printf(o, "</code></td><td class=\"n\">%zu</td><td>%s</td>", r->repeat, journal_status_name(r->status));
        put_num_td(o, r->val_mae, 4);
        put_num_td(o, r->val_loss, 4);
        put_num_td(o, r->test_mae, 4);
        if (in->n_baselines) {
            double rel = results_vs_baseline(r, in->metric, in->baselines, in->n_baselines);
            if (isfinite(rel))
                strbuf_printf(o, "<td class=\"n\" data-v=\"%.17g\">%+.1f%%</td>", rel, 100.0 * rel);
            else
                strbuf_puts(o, "<td class=\"n\">-</td>");
        }
        strbuf_printf(o, "<td class=\"n\">%zu</td><td class=\"n\">%zu</td>", r->best_epoch, r->epochs_run);
        put_num_td(o, r->wall_s, 1);
        strbuf_printf(o, "<td class=\"n\">%zu</td>", r->n_params);
        for (size_t a = 0; a < c->n_axes; a++) {
            char v[64];
            hpfields_kind kd = hpfields_kind_of(c->axes[a]);
            int num = kd == HPFIELDS_SIZE || kd == HPFIELDS_FLOAT;
            hpfields_format(&r->hp, c->axes[a], v, sizeof v);
            strbuf_puts(o, num ? "<td class=\"n\">" : "<td>");
            esc(o, v);
            strbuf_puts(o, "</td>");
        }
        strbuf_puts(o, "<td class=\"reason\">");
        esc(o, r->reason);
        strbuf_puts(o, "</td></tr>\n");
    }
    strbuf_puts(o, "</tbody></table></div>\n");
}

/* ==== page ============================================================================= */

int htmlreport_build(strbuf *out, const htmlreport_input *in, hs_error *err) {
    htmlreport_ctx c;
    memset(&c, 0, sizeof c);
    c.in = in;
    strbuf_init(&c.plots);
    strbuf body;
    strbuf_init(&body);
    int rc = 0;
    c.order = malloc((in->n ? in->n : 1) * sizeof *c.order);
    size_t *axes = malloc(hpfields_count() * sizeof *axes);
    if (!c.order || !axes) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (report)");
        goto done;
    }
    c.n_ranked = results_rank(in->recs, in->n, in->metric, c.order);
    results_axes(in->recs, in->n, axes, &c.n_axes);
    if (c.n_axes > sizeof c.axes / sizeof c.axes[0]) c.n_axes = sizeof c.axes / sizeof c.axes[0];
    memcpy(c.axes, axes, c.n_axes * sizeof *axes);

    put_header(&body, &c);
    put_best_and_meta(&body, &c);
    put_curves(&body, &c);
    put_rungs(&body, &c);
    rc = put_why(&body, &c, err);
    if (rc != 0) goto done;
    rc = put_axes(&body, &c, err);
    if (rc != 0) goto done;
    put_cost(&body, &c);
    put_timeline(&body, &c);
    put_pred(&body, &c);
    put_table(&body, &c);

    const char *name = json_str_at(in->meta, "sweep", "name");
    strbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"hsweep report --html\">\n<title>hsweep report: ");
    esc(out, name && name[0] ? name : "sweep");
    strbuf_printf(out, "</title>\n<style>\n%s</style>\n<script>\n%s</script>\n</head>\n", htmlreport_css,
                  htmlreport_js_head);
    strbuf_puts(out, "<body data-ok=\"0\" data-plots=\"");
    esc(out, strbuf_str(&c.plots));
    strbuf_puts(out, "\">\n");
    strbuf_putn(out, body.data ? body.data : "", body.len);
    strbuf_printf(out, "<script>\n%s</script>\n</body>\n</html>\n", htmlreport_js_main);
    if (strbuf_failed(out) || strbuf_failed(&body) || strbuf_failed(&c.plots))
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (report page)");
done:
    free(axes);
    free(c.order);
    strbuf_deinit(&body);
    strbuf_deinit(&c.plots);
    return rc;
}

int htmlreport_write(const char *dir, const htmlreport_input *in, hs_error *err) {
    strbuf sb;
    strbuf_init(&sb);
    int rc = htmlreport_build(&sb, in, err);
    if (rc == 0) {
        rc = rundir_write(dir, RUNDIR_REPORT, strbuf_str(&sb), sb.len, err);
    }
    strbuf_deinit(&sb);
    return rc;
}

int htmlreport_load_metadata(const char *dir, json_value **out, hs_error *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_METADATA);
    return results_read_json(path, out, err);
}

/* ==== comparison of several sweeps ===================================================== */

/* the head of a page (title escaped) up to the opening <body> with its data-plots */
static void put_page_head(strbuf *out, const char *title, const strbuf *plots) {
    strbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"hsweep report --html\">\n<title>");
    esc(out, title);
    strbuf_printf(out, "</title>\n<style>\n%s</style>\n<script>\n%s</script>\n</head>\n", htmlreport_css,
                  htmlreport_js_head);
    strbuf_puts(out, "<body data-ok=\"0\" data-plots=\"");
    esc(out, strbuf_str(plots));
    strbuf_puts(out, "\">\n");
}

/* one parameter swept in several sweeps: mean metric per value (or bin) per sweep */
static int put_cmp_axis(strbuf *o, htmlreport_ctx *cx, const htmlreport_sweep *s, size_t n, size_t *const *order,
                        const size_t *ranked, results_metric m, size_t k, hs_error *err) {
    hpfields_kind kind = hpfields_kind_of(k);
    int categorical = kind == HPFIELDS_CELL || kind == HPFIELDS_OPTIMIZER || kind == HPFIELDS_BOOL;
    analysis_bins *b = calloc(n, sizeof *b);
    if (!b) return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (comparison)");
    int rc = 0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    const char *cats[SVGPLOT_MAX_CATEGORIES];
    size_t ncat = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = analysis_bin_axis(s[i].recs, order[i], ranked[i], k, categorical ? SVGPLOT_MAX_CATEGORIES : ANALYSIS_BINS,
                               &b[i], err);
        for (size_t g = 0; rc == 0 && g < b[i].n_bins; g++) {
            if (b[i].lo[g] < xlo) xlo = b[i].lo[g];
            if (b[i].hi[g] > xhi) xhi = b[i].hi[g];
            if (!categorical) continue;
            size_t j = 0;
            while (j < ncat && strcmp(cats[j], b[i].label[g]) != 0) j++;
            if (j == ncat && ncat < SVGPLOT_MAX_CATEGORIES) cats[ncat++] = b[i].label[g];
        }
        for (size_t t = 0; t < ranked[i]; t++) {
            double v = results_metric_value(&s[i].recs[order[i][t]], m);
            if (v < ylo) ylo = v;
            if (v > yhi) yhi = v;
        }
    }
    if (rc != 0 || !(xhi >= xlo) || !(yhi >= ylo)) goto done;
    const char *name = hpfields_name(k);
    char id[96], title[160];
    snprintf(id, sizeof id, "plot-cmp-%s", name);
    snprintf(title, sizeof title, "Mean %s by %s, per sweep", results_metric_name(m), name);
    svgplot p;
    svgplot_begin(&p, o, id, 580, 300, 62, 160, 28, 48, title);
    p.legend_outside = 1;
    int logx = !categorical && xlo > 0.0 && xhi >= 10.0 * xlo * (1.0 - 1e-6);
    if (categorical) svgplot_axis_categories(&p.x, cats, ncat);
    else {
        svgplot_axis_auto(&p.x, xlo, xhi, logx ? SVGPLOT_LOG : SVGPLOT_LINEAR, 5);
        svgplot_axis_pad(&p.x, 0.05);
    }
    svgplot_axis_auto(&p.y, ylo, yhi, SVGPLOT_LINEAR, 5);
    svgplot_axis_pad(&p.y, 0.04);
    char xl[128];
    snprintf(xl, sizeof xl, "%s%s", name, logx ? " (log scale)" : "");
    svgplot_frame(&p, xl, results_metric_name(m));
    for (size_t i = 0; i < n; i++) {
        size_t nb = b[i].n_bins;
        double *mx = malloc((nb ? nb : 1) * sizeof *mx), *my = calloc(nb ? nb : 1, sizeof *my);
        size_t *cnt = calloc(nb ? nb : 1, sizeof *cnt);
        if (!mx || !my || !cnt) {
            free(mx);
            free(my);
            free(cnt);
            rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (comparison)");
            goto done;
        }
        for (size_t t = 0; t < ranked[i]; t++) {
            my[b[i].bin[t]] += results_metric_value(&s[i].recs[order[i][t]], m);
            cnt[b[i].bin[t]]++;
        }
        for (size_t g = 0; g < nb; g++) {
            my[g] = cnt[g] ? my[g] / (double)cnt[g] : (double)NAN;
            if (categorical) {
                size_t j = 0;
                while (j < ncat && strcmp(cats[j], b[i].label[g]) != 0) j++;
                mx[g] = (double)j;
            } else {
                mx[g] = logx ? sqrt(b[i].lo[g] * b[i].hi[g]) : 0.5 * (b[i].lo[g] + b[i].hi[g]);
            }
        }
        const char *col = htmlreport_colors[i % HTMLREPORT_NCOLORS];
        if (!categorical) svgplot_line(&p, mx, my, nb, col, "", 1.8);
        for (size_t g = 0; g < nb; g++) {
            char tip[240];
            snprintf(tip, sizeof tip, "%s: %s=%s, mean %s %.4f over %zu trials", s[i].name[0] ? s[i].name : s[i].dir,
                     name, b[i].label[g], results_metric_name(m), my[g], cnt[g]);
            svgplot_point(&p, mx[g], my[g], categorical ? 6.0 * ((double)i - 0.5 * (double)(n - 1)) : 0.0, 4.0, col,
                          0.9, tip);
        }
        char lab[96];
        snprintf(lab, sizeof lab, "%.40s", s[i].name[0] ? s[i].name : s[i].dir);
        svgplot_legend(&p, lab, col, "", 'o');
        free(mx);
        free(my);
        free(cnt);
    }
    svgplot_end(&p);
    add_plot(cx, id);
done:
    for (size_t i = 0; i < n; i++) analysis_bins_free(&b[i]);
    free(b);
    return rc;
}

int htmlreport_compare_build(strbuf *out, const htmlreport_sweep *s, size_t n, results_metric m, hs_error *err) {
    htmlreport_ctx cx;
    memset(&cx, 0, sizeof cx);
    strbuf_init(&cx.plots);
    strbuf body;
    strbuf_init(&body);
    int rc = 0;
    size_t **order = calloc(n ? n : 1, sizeof *order), *ranked = calloc(n ? n : 1, sizeof *ranked);
    size_t *axes = malloc(hpfields_count() * sizeof *axes), *swept_in = calloc(hpfields_count(), sizeof *swept_in);
    if (!order || !ranked || !axes || !swept_in) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (comparison)");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = malloc((s[i].n ? s[i].n : 1) * sizeof **order);
        if (!order[i]) {
            rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (comparison)");
            goto done;
        }
        ranked[i] = results_rank(s[i].recs, s[i].n, m, order[i]);
        size_t na = 0;
        results_axes(s[i].recs, s[i].n, axes, &na);
        for (size_t a = 0; a < na; a++) swept_in[axes[a]]++;
    }
    const char *mn = results_metric_name(m);
    strbuf_printf(&body, "<header><h1>hsweep: %zu sweeps compared</h1>\n<p class=\"sub\">Ranked by <b>%s</b> (lower "
                         "is better); persistence is each sweep's own baseline for its best trial's window "
                         "setting.</p></header>\n<h2>Best trial per sweep</h2>\n<div class=\"tablewrap\">"
                         "<table class=\"sortable\" id=\"ranked\">\n<thead><tr><th>sweep</th><th>dir</th>"
                         "<th class=\"n\">finished</th><th class=\"n\">ranked</th><th class=\"n metric\">best %s</th>"
                         "<th class=\"n\">test MAE</th><th class=\"n\">persistence</th><th class=\"n\">vs "
                         "persistence</th><th>best trial</th><th>parameters</th></tr></thead>\n<tbody>\n",
                  n, mn, mn);
    for (size_t i = 0; i < n; i++) {
        const journal_record *b = ranked[i] ? &s[i].recs[order[i][0]] : NULL;
        strbuf_puts(&body, "<tr class=\"ok\"><td>");
        esc(&body, s[i].name && s[i].name[0] ? s[i].name : "-");
        strbuf_puts(&body, "</td><td><code>");
        esc(&body, s[i].dir);
        strbuf_printf(&body, "</code></td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>", s[i].n, ranked[i]);
        put_num_td(&body, b ? results_metric_value(b, m) : (double)NAN, 4);
        put_num_td(&body, b ? b->test_mae : (double)NAN, 4);
        put_num_td(&body,
                   b ? results_baseline_value(results_baseline_find(s[i].baselines, s[i].n_baselines, &b->hp), m)
                     : (double)NAN,
                   4);
        double rel = b ? results_vs_baseline(b, m, s[i].baselines, s[i].n_baselines) : (double)NAN;
        if (isfinite(rel)) strbuf_printf(&body, "<td class=\"n\" data-v=\"%.17g\">%+.1f%%</td>", rel, 100.0 * rel);
        else strbuf_puts(&body, "<td class=\"n\">-</td>");
        strbuf_puts(&body, "<td><code>");
        esc(&body, b ? b->id : "-");
        strbuf_puts(&body, "</code></td><td class=\"reason\">");
        if (b) {
            size_t na = 0;
            results_axes(s[i].recs, s[i].n, axes, &na);
            for (size_t a = 0; a < na; a++) {
                char v[64];
                hpfields_format(&b->hp, axes[a], v, sizeof v);
                strbuf_printf(&body, "%s%s=", a ? ", " : "", hpfields_name(axes[a]));
                esc(&body, v);
            }
        }
        strbuf_puts(&body, "</td></tr>\n");
    }
    strbuf_puts(&body, "</tbody></table></div>\n");

    /* every sweep's ranked metric, sorted: how far each gets and how many trials come close */
    size_t nmax = 0;
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (ranked[i] > nmax) nmax = ranked[i];
        for (size_t t = 0; t < ranked[i]; t++) {
            double v = results_metric_value(&s[i].recs[order[i][t]], m);
            if (v < ylo) ylo = v;
            if (v > yhi) yhi = v;
        }
    }
    strbuf_printf(&body, "<h2>%s of every ranked trial, best first</h2>\n", mn);
    if (nmax == 0) {
        strbuf_puts(&body, "<p class=\"note\">No sweep has a ranked trial yet.</p>\n");
    } else {
        svgplot p;
        svgplot_begin(&p, &body, "plot-cmp-best", 1180, 320, 70, 260, 28, 48, "Ranked trials of each sweep");
        p.legend_outside = 1;
        svgplot_axis_auto(&p.x, 1.0, (double)(nmax > 1 ? nmax : 2), nmax >= 20 ? SVGPLOT_LOG : SVGPLOT_LINEAR, 6);
        svgplot_axis_auto(&p.y, ylo, yhi, SVGPLOT_LINEAR, 5);
        svgplot_axis_pad(&p.y, 0.04);
        svgplot_frame(&p, nmax >= 20 ? "rank within the sweep (log scale)" : "rank within the sweep", mn);
        for (size_t i = 0; i < n; i++) {
            double *xs = malloc((ranked[i] ? ranked[i] : 1) * sizeof *xs),
                   *ys = malloc((ranked[i] ? ranked[i] : 1) * sizeof *ys);
            if (!xs || !ys) {
                free(xs);
                free(ys);
                rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (comparison)");
                goto done;
            }
            for (size_t t = 0; t < ranked[i]; t++) {
                xs[t] = (double)(t + 1);
                ys[t] = results_metric_value(&s[i].recs[order[i][t]], m);
            }
            const char *col = htmlreport_colors[i % HTMLREPORT_NCOLORS];
            svgplot_line(&p, xs, ys, ranked[i], col, "", 2.0);
            if (ranked[i]) svgplot_point(&p, 1.0, ys[0], 0.0, 4.0, col, 1.0, NULL);
            char lab[96];
            snprintf(lab, sizeof lab, "%.40s", s[i].name && s[i].name[0] ? s[i].name : s[i].dir);
            svgplot_legend(&p, lab, col, "", '-');
            free(xs);
            free(ys);
        }
        svgplot_end(&p);
        add_plot(&cx, "plot-cmp-best");
    }

    strbuf_puts(&body, "<h2>Parameters swept in several sweeps</h2>\n");
    size_t shared = 0;
    for (size_t k = 0; k < hpfields_count(); k++) shared += swept_in[k] >= 2;
    if (shared == 0) {
        strbuf_puts(&body, "<p class=\"note\" id=\"note-cmp\">No parameter is swept in more than one of these "
                           "sweeps.</p>\n");
    } else {
        strbuf_puts(&body, "<p class=\"sub\">Mean metric per value of each sweep (quantile bins for a sampled "
                           "continuous parameter); only ranked trials.</p>\n<div class=\"panels\">\n");
        for (size_t k = 0; k < hpfields_count() && rc == 0; k++)
            if (swept_in[k] >= 2) rc = put_cmp_axis(&body, &cx, s, n, order, ranked, m, k, err);
        strbuf_puts(&body, "</div>\n");
    }
    if (rc != 0) goto done;
    put_page_head(out, "hsweep: sweeps compared", &cx.plots);
    strbuf_putn(out, body.data ? body.data : "", body.len);
    strbuf_printf(out, "<script>\n%s</script>\n</body>\n</html>\n", htmlreport_js_main);
    if (strbuf_failed(out) || strbuf_failed(&body) || strbuf_failed(&cx.plots))
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (comparison page)");
done:
    if (order)
        for (size_t i = 0; i < n; i++) free(order[i]);
    free(order);
    free(ranked);
    free(axes);
    free(swept_in);
    strbuf_deinit(&body);
    strbuf_deinit(&cx.plots);
    return rc;
}
