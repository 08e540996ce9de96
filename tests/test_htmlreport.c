/* test_htmlreport: SVG tick placement and labels, escaping, and the HTML report page built
 * from synthetic journal records (plots listed and present, ids and reasons escaped, notes
 * in place of plots that cannot be drawn, the file written atomically). The browser check
 * of the page is tests/test_mpi_html_report.sh. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/analysis.h"
#include "io/hpfields.h"
#include "io/htmlreport.h"
#include "io/svgplot.h"
#include "test_util.h"

/* number of non-overlapping occurrences of needle in hay */
static size_t count_of(const char *hay, const char *needle) {
    size_t c = 0, L = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + L, needle)) c++;
    return c;
}

static void test_ticks(void) {
    CHECK_NEAR(svgplot_nice_step(0, 10, 5), 2.0, 1e-12);
    CHECK_NEAR(svgplot_nice_step(0, 1, 5), 0.2, 1e-12);
    CHECK_NEAR(svgplot_nice_step(2.31, 2.87, 5), 0.2, 1e-12);
    CHECK_NEAR(svgplot_nice_step(0, 7, 7), 1.0, 1e-12);
    CHECK_NEAR(svgplot_nice_step(0, 23, 5), 5.0, 1e-12);
    CHECK_NEAR(svgplot_nice_step(3, 3, 5), 1.0, 1e-12);

    svgplot_axis ax;
    svgplot_axis_auto(&ax, 2.31, 2.87, SVGPLOT_LINEAR, 5);
    CHECK(ax.lo <= 2.31 && ax.hi >= 2.87, "range %g..%g", ax.lo, ax.hi);
    CHECK(ax.n_ticks >= 3 && ax.n_ticks <= 8, "%zu ticks", ax.n_ticks);
    char lab[64];
    svgplot_tick_label(&ax, ax.ticks[0], lab, sizeof lab);
    CHECK(strcmp(lab, "2.2") == 0, "first tick label '%s'", lab);
    for (size_t i = 0; i + 1 < ax.n_ticks; i++) CHECK_NEAR(ax.ticks[i + 1] - ax.ticks[i], ax.step, 1e-12);

    svgplot_axis_auto(&ax, -0.3, 0.7, SVGPLOT_LINEAR, 5);
    int zero = 0;
    for (size_t i = 0; i < ax.n_ticks; i++) {
        svgplot_tick_label(&ax, ax.ticks[i], lab, sizeof lab);
        CHECK(strcmp(lab, "-0.0") != 0 && strcmp(lab, "-0") != 0, "negative zero label '%s'", lab);
        if (strcmp(lab, "0.0") == 0) zero = 1;
    }
    CHECK(zero, "no 0.0 tick on -0.3..0.7");

    /* a degenerate range still gives a proper axis */
    svgplot_axis_auto(&ax, 5.0, 5.0, SVGPLOT_LINEAR, 5);
    CHECK(ax.hi > ax.lo && ax.lo <= 5.0 && ax.hi >= 5.0, "degenerate %g..%g", ax.lo, ax.hi);

    /* log: 1e-4 .. 3e-2 spans decades -> ticks at 1e-4, 1e-3, 1e-2 */
    svgplot_axis_auto(&ax, 1e-4, 3e-2, SVGPLOT_LOG, 5);
    CHECK(ax.scale == SVGPLOT_LOG, "log axis");
    CHECK_NEAR(ax.lo, 1e-4, 1e-12);
    CHECK_NEAR(ax.hi, 5e-2, 1e-12);
    CHECK(ax.n_ticks == 3, "%zu log ticks", ax.n_ticks);
    svgplot_tick_label(&ax, ax.ticks[1], lab, sizeof lab);
    CHECK(strcmp(lab, "0.001") == 0, "log label '%s'", lab);
    CHECK_NEAR(svgplot_axis_frac(&ax, 1e-3), (log10(1e-3) - log10(1e-4)) / (log10(5e-2) - log10(1e-4)), 1e-12);
    /* narrow log range gets 2 and 5 sub-ticks */
    svgplot_axis_auto(&ax, 3.0, 40.0, SVGPLOT_LOG, 5);
    CHECK(ax.n_ticks == 5 && ax.lo == 2.0 && ax.hi == 50.0, "%zu sub-decade ticks (2, 5, 10, 20, 50) on %g..%g",
          ax.n_ticks, ax.lo, ax.hi);
    /* log of a non-positive range falls back to linear */
    svgplot_axis_auto(&ax, 0.0, 4.0, SVGPLOT_LOG, 5);
    CHECK(ax.scale == SVGPLOT_LINEAR, "log with lo = 0 falls back to linear");

    /* time: three weeks -> weekly or 2-day ticks at midnights, "%d %b" labels */
    double t0 = 1601510400.0; /* 2020-10-01 00:00:00 UTC */
    svgplot_axis_auto(&ax, t0 + 600, t0 + 21 * 86400.0, SVGPLOT_TIME, 12);
    CHECK(ax.step == 2 * 86400.0, "time step %g", ax.step);
    svgplot_tick_label(&ax, ax.ticks[0], lab, sizeof lab);
    CHECK(strcmp(lab, "03 Oct") == 0, "time label '%s'", lab); /* 01 Oct + 10 min rounds up to 03 Oct */
    svgplot_tick_label(&ax, t0 + 6 * 3600.0, lab, sizeof lab);
    CHECK(strcmp(lab, "01 Oct 06:00") == 0, "time label off midnight '%s'", lab);

    const char *names[] = {"lstm", "gru"};
    svgplot_axis_categories(&ax, names, 2);
    CHECK(ax.n_ticks == 2 && ax.lo == -0.5 && ax.hi == 1.5, "categories");
    svgplot_tick_label(&ax, 1.0, lab, sizeof lab);
    CHECK(strcmp(lab, "gru") == 0, "category label '%s'", lab);

    svgplot_axis_auto(&ax, 0.0, 10.0, SVGPLOT_LINEAR, 5);
    svgplot_axis_pad(&ax, 0.1);
    CHECK_NEAR(ax.lo, -1.0, 1e-12);
    CHECK(ax.ticks[0] == 0.0, "pad keeps ticks");
}

static void test_escape_and_svg(void) {
    strbuf sb;
    strbuf_init(&sb);
    svgplot_escape(&sb, "<a href=\"x\">'&'</a>");
    CHECK(strcmp(strbuf_str(&sb), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;") == 0, "escaped '%s'",
          strbuf_str(&sb));
    strbuf_deinit(&sb);

    strbuf_init(&sb);
    svgplot p;
    svgplot_begin(&p, &sb, "plot-<x>", 300, 200, 50, 10, 20, 40, "a < b");
    svgplot_axis_auto(&p.x, 0, 10, SVGPLOT_LINEAR, 5);
    svgplot_axis_auto(&p.y, 1, 100, SVGPLOT_LOG, 5);
    CHECK_NEAR(svgplot_px(&p, 0.0), 50.0, 1e-9);
    CHECK_NEAR(svgplot_px(&p, 10.0), 290.0, 1e-9);
    CHECK_NEAR(svgplot_py(&p, 100.0), 20.0, 1e-9);
    CHECK_NEAR(svgplot_py(&p, 1.0), 160.0, 1e-9);
    CHECK_NEAR(svgplot_py(&p, 10.0), 90.0, 1e-9);
    svgplot_frame(&p, "x & y", NULL);
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {10, NAN, 5, 0.0, 2};
    svgplot_line(&p, x, y, 5, "#000", "", 1.0);
    svgplot_legend(&p, "<leg>", "#f00", "", '-');
    svgplot_end(&p);
    const char *s = strbuf_str(&sb);
    CHECK(strstr(s, "id=\"plot-&lt;x&gt;\"") != NULL, "svg id escaped");
    CHECK(strstr(s, "<title>a &lt; b</title>") != NULL, "title escaped");
    CHECK(strstr(s, "x &amp; y") != NULL, "label escaped");
    CHECK(strstr(s, "&lt;leg&gt;") != NULL, "legend escaped");
    /* NaN and (on a log axis) 0 split the line: pieces {0}, {2}, {4} */
    CHECK(count_of(s, "<polyline") == 3, "%zu polylines", count_of(s, "<polyline"));
    CHECK(count_of(s, "<svg") == 1 && count_of(s, "</svg>") == 1, "one svg element");
    CHECK(strstr(s, "nan") == NULL && strstr(s, "inf") == NULL, "no nan/inf coordinates");
    strbuf_deinit(&sb);
}

/* ---- report page ------------------------------------------------------------------------ */

static void make_record(journal_record *r, size_t i, hs_cell cell, size_t units, float lr, double val) {
    journal_record_init(r);
    snprintf(r->id, sizeof r->id, "%016zx", (size_t)0xabc000 + i);
    r->hp.cell = cell;
    r->hp.units = units;
    r->hp.learning_rate = lr;
    r->hp.seed = 100 + i;
    r->repeat = i % 2;
    r->val_mae = val;
    r->val_loss = val * val;
    r->test_mae = val + 0.1;
    r->epochs_run = 4;
    r->best_epoch = 3;
    r->wall_s = 1.5;
    r->n_params = 1000 + i;
    journal_epoch h[4];
    for (size_t e = 0; e < 4; e++) {
        h[e].loss = 20.0 / (double)(e + 1) + (double)i;
        h[e].mae = 3.0;
        h[e].val_loss = 25.0 / (double)(e + 1) + (double)i;
        h[e].val_mae = val;
    }
    journal_record_set_history(r, h, 4, NULL);
}

static void test_page(const char *tmpdir) {
    enum { NR = 10 };
    journal_record recs[NR];
    for (size_t i = 0; i < 8; i++)
        make_record(&recs[i], i, i % 2 ? HS_CELL_GRU : HS_CELL_LSTM, i < 4 ? 16 : 32, (i / 2) % 2 ? 1e-2f : 1e-4f,
                    2.0 + 0.1 * (double)i);
    make_record(&recs[8], 8, HS_CELL_GRU, 16, 1e-4f, NAN);
    recs[8].status = JOURNAL_DIVERGED;
    snprintf(recs[8].reason, sizeof recs[8].reason, "loss=nan at epoch 2");
    make_record(&recs[9], 9, HS_CELL_LSTM, 16, 1e-4f, NAN);
    recs[9].status = JOURNAL_FAILED;
    snprintf(recs[9].reason, sizeof recs[9].reason, "<script>alert('x')</script> & more");

    const char *meta_txt = "{\"format\":\"hsweep-metadata\",\"sweep\":{\"name\":\"jena <small>\",\"hash\":\"ab\","
                           "\"metric\":\"val_mae\",\"n_trials\":12},\"dataset\":{\"path\":\"d.h5\",\"n_rows\":100,"
                           "\"n_train\":50,\"n_val\":25,\"n_test\":25},\"ranks\":3}";
    json_value *meta = NULL;
    CHECK(json_parse(meta_txt, strlen(meta_txt), &meta, NULL) == 0, "metadata parses");
    CHECK(strcmp(htmlreport_meta_dataset(meta), "d.h5") == 0, "dataset path from metadata");

    /* predictions: 3 weeks of 10-minute steps */
    enum { NP = 3 * 7 * 144 };
    int64_t *tm = malloc(NP * sizeof *tm);
    float *pv = malloc(NP * sizeof *pv), *av = malloc(NP * sizeof *av);
    for (size_t i = 0; i < NP; i++) {
        tm[i] = 1601510400 + 600 * (int64_t)i;
        av[i] = (float)(10.0 + 5.0 * sin(2.0 * 3.14159265 * (double)i / 144.0));
        pv[i] = av[i] + 0.5f;
    }
    htmlreport_pred pr = {recs[0].id, "test", "T (degC)", tm, pv, av, NP, 0.5, 2.1};
    htmlreport_input in = {recs, NR, RESULTS_VAL_MAE, meta, &pr, NULL, 5, 14.0, NULL, 0, NULL, NULL, NULL, 0};
    strbuf sb;
    strbuf_init(&sb);
    hs_error err;
    hs_error_clear(&err);
    CHECK(htmlreport_build(&sb, &in, &err) == 0, "build: %s", err.msg);
    const char *s = strbuf_str(&sb);
    CHECK(strstr(s, "data-plots=\"plot-curves plot-importance plot-heatmap plot-parcoords plot-axis-cell "
                    "plot-axis-units plot-axis-learning_rate plot-size plot-wall plot-pred plot-pred-scatter\"") != NULL,
          "data-plots lists every plot");
    const char *ids[] = {"plot-curves", "plot-importance", "plot-heatmap", "plot-parcoords", "plot-axis-cell",
                         "plot-axis-units", "plot-axis-learning_rate", "plot-size", "plot-wall", "plot-pred",
                         "plot-pred-scatter"};
    for (size_t i = 0; i < 11; i++) {
        char pat[80];
        snprintf(pat, sizeof pat, "<svg class=\"plot\" id=\"%s\"", ids[i]);
        CHECK(strstr(s, pat) != NULL, "plot %s present", ids[i]);
    }
    CHECK(count_of(s, "<svg class=\"plot\"") == 11, "%zu plots", count_of(s, "<svg class=\"plot\""));
    /* records without start/end times (an older journal): the timeline says so */
    CHECK(strstr(s, "id=\"note-timeline\">Timeline unknown: none of the 10 journal records") != NULL,
          "timeline note for records without times");
    CHECK(strstr(s, "id=\"baseline\">Persistence baseline unknown") != NULL, "baseline unknown said");
    CHECK(strstr(s, "<script>alert") == NULL, "reason not escaped");
    CHECK(strstr(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more") != NULL, "reason escaped");
    CHECK(strstr(s, "jena &lt;small&gt;") != NULL && strstr(s, "jena <small>") == NULL, "sweep name escaped");
    CHECK(strstr(s, "10 of 12 trials finished: 8 ok, 1 diverged, 1 failed") != NULL, "counts");
    CHECK(count_of(s, "<tr class=\"ok\">") == 8 && count_of(s, "<tr class=\"failed\">") == 1, "table rows");
    CHECK(strstr(s, "(log scale)") != NULL, "log x for learning_rate (100x)");
    CHECK(strstr(s, "<text x=\"") != NULL && strstr(s, ">lstm</text>") != NULL, "category labels");
    CHECK(strstr(s, "0.5000 (the sweep recorded 2.1000)") != NULL, "prediction MAE shown");
    CHECK(strstr(s, "note-pred") == NULL, "no prediction note when predictions are given");
    CHECK(strstr(s, "http://") == NULL || count_of(s, "http://") == count_of(s, "http://www.w3.org/2000/svg"),
          "no external references");
    CHECK(strstr(s, "https://") == NULL && strstr(s, "src=") == NULL, "no external resources");
    CHECK(strstr(s, "\"nan") == NULL && strstr(s, "nan,") == NULL && strstr(s, ",nan") == NULL &&
              strstr(s, ">nan<") == NULL && strstr(s, "inf\"") == NULL,
          "no nan in numbers of the page");
    /* the best (lowest val_mae) trial is ranked first */
    const char *row1 = strstr(s, "<tr class=\"ok\"><td class=\"n\">1</td><td><code>0000000000abc000</code>");
    CHECK(row1 != NULL, "best trial first");
    strbuf_deinit(&sb);

    /* no predictions, no metadata, a single configuration: notes instead of plots */
    journal_record one[2];
    make_record(&one[0], 0, HS_CELL_GRU, 8, 1e-3f, 2.0);
    make_record(&one[1], 1, HS_CELL_GRU, 8, 1e-3f, 2.2);
    htmlreport_input in2 = {one, 2, RESULTS_VAL_MAE, NULL, NULL, "DIR/best_model.h5 not found", 0, 0, NULL, 0, NULL, NULL, NULL, 0};
    strbuf_init(&sb);
    CHECK(htmlreport_build(&sb, &in2, &err) == 0, "build without extras");
    s = strbuf_str(&sb);
    CHECK(strstr(s, "data-plots=\"plot-curves plot-size plot-wall\"") != NULL, "curves, size and wall time only");
    CHECK(strstr(s, "id=\"note-why\"") != NULL, "importance note without swept parameters");
    CHECK(strstr(s, "id=\"note-pred\">DIR/best_model.h5 not found</p>") != NULL, "prediction note");
    CHECK(strstr(s, "id=\"note-axes\"") != NULL, "axes note");
    CHECK(strstr(s, "id=\"note-meta\"") != NULL, "metadata note");
    strbuf_deinit(&sb);

    /* an empty journal still gives a valid page with notes */
    htmlreport_input in3 = {NULL, 0, RESULTS_VAL_MAE, NULL, NULL, NULL, 0, 0, NULL, 0, NULL, NULL, NULL, 0};
    strbuf_init(&sb);
    CHECK(htmlreport_build(&sb, &in3, &err) == 0, "build with no records");
    CHECK(strstr(strbuf_str(&sb), "data-plots=\"\"") != NULL, "no plots expected");
    CHECK(strstr(strbuf_str(&sb), "id=\"note-curves\"") != NULL, "curves note");
    strbuf_deinit(&sb);

    /* written atomically into the directory */
    CHECK(htmlreport_write(tmpdir, &in, &err) == 0, "write: %s", err.msg);
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", tmpdir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 10000, "report.html written");
    snprintf(path, sizeof path, "%s/report.html.tmp", tmpdir);
    CHECK(stat(path, &st) != 0, "no temporary file left");
    CHECK(htmlreport_write("/nonexistent/dir", &in, &err) == HS_ERR_IO, "unwritable dir fails");

    json_value *m2 = NULL;
    CHECK(htmlreport_load_metadata(tmpdir, &m2, &err) == HS_ERR_IO && m2 == NULL, "missing metadata.json");
    snprintf(path, sizeof path, "%s/metadata.json", tmpdir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("{\"a\":", f);
        fclose(f);
    }
    CHECK(htmlreport_load_metadata(tmpdir, &m2, &err) == HS_ERR_FORMAT, "corrupt metadata.json");
    remove(path);
    snprintf(path, sizeof path, "%s/report.html", tmpdir);
    remove(path);

    json_free(meta);
    free(tm);
    free(pv);
    free(av);
    for (size_t i = 0; i < NR; i++) journal_record_deinit(&recs[i]);
    journal_record_deinit(&one[0]);
    journal_record_deinit(&one[1]);
}

/* A random search over dropout (uniform) and learning rate (log-uniform) whose best trial
 * does not beat persistence; with provenance on two ranks. */
static void test_analysis_page(void) {
    enum { NR = 40 };
    journal_record recs[NR];
    for (size_t i = 0; i < NR; i++) {
        double lr = 1e-4 * pow(100.0, (double)((i * 7) % NR) / (double)NR), dr = 0.5 * (double)((i * 13) % NR) / NR;
        /* the metric depends on the learning rate only */
        make_record(&recs[i], i, HS_CELL_GRU, 16, (float)lr, 3.0 + fabs(log10(lr) + 3.0));
        recs[i].hp.dropout = (float)dr;
        recs[i].rank = (int)(i % 2);
        recs[i].start_unix = 1.7e9 + 10.0 * (double)(i / 2);
        recs[i].end_unix = recs[i].start_unix + 9.0;
        snprintf(recs[i].host, sizeof recs[i].host, "node<%d>", (int)(i % 2));
    }
    results_baseline base = {recs[0].hp.sequence_length, recs[0].hp.sampling_rate, hparams_delay(&recs[0].hp), 2.5,
                             6.25, 2.6};
    int *scale = calloc(hpfields_count(), sizeof *scale);
    scale[hpfields_find("learning_rate")] = 2;
    scale[hpfields_find("dropout")] = 1;
    htmlreport_input in = {recs, NR, RESULTS_VAL_MAE, NULL, NULL, NULL, 5, 14.0, &base, 1, NULL, scale, NULL, 0};
    strbuf sb;
    strbuf_init(&sb);
    hs_error err;
    hs_error_clear(&err);
    CHECK(htmlreport_build(&sb, &in, &err) == 0, "build: %s", err.msg);
    const char *s = strbuf_str(&sb);
    CHECK(strstr(s, "<b>No trial beats the persistence baseline.</b> The best val_mae is 3.0") != NULL,
          "no-beat sentence at the top");
    CHECK(strstr(s, "val MAE 2.5000 / test MAE 2.6000") != NULL, "baseline values");
    /* a dashed reference line in every metric plot: 2 axis panels + size + wall */
    CHECK(count_of(s, "stroke=\"#555555\" stroke-width=\"1.4\" stroke-linejoin=\"round\" stroke-dasharray=\"7 4\"") == 4,
          "baseline lines: %zu", count_of(s, "stroke=\"#555555\" stroke-width=\"1.4\" stroke-linejoin=\"round\" stroke-dasharray=\"7 4\""));
    CHECK(strstr(s, "learning_rate (log scale)") != NULL, "log-uniform on a log axis");
    CHECK(strstr(s, "dropout (log scale)") == NULL, "uniform dropout on a linear axis");
    CHECK(strstr(s, "mean val_mae at dropout=") == NULL, "no per-value means for a sampled parameter");
    CHECK(strstr(s, "id=\"plot-timeline\"") != NULL && strstr(s, "40 trials on 2 ranks over 199.0 s: utilisation 90 %") != NULL,
          "timeline and utilisation");
    CHECK(strstr(s, "node&lt;1&gt;") != NULL, "host escaped");
    CHECK(strstr(s, "<th class=\"n\">vs persistence</th>") != NULL && strstr(s, ">+20.0%</td>") != NULL,
          "vs persistence column");
    /* importance: learning_rate explains nearly everything, dropout nothing */
    CHECK(strstr(s, "learning_rate: 9") != NULL, "learning_rate importance above 90%%");
    CHECK(strstr(s, "dropout: 0.0 %") != NULL, "dropout importance 0");
    CHECK(strstr(s, "Mean val_mae by dropout and learning_rate") != NULL, "heatmap of the pair");
    strbuf_deinit(&sb);

    /* the comparison page: two sweeps sharing both parameters */
    htmlreport_sweep sw[2] = {{"runs/a", "a <1>", recs, NR / 2, &base, 1, NULL},
                              {"runs/b", "b", recs + NR / 2, NR / 2, NULL, 0, NULL}};
    strbuf_init(&sb);
    CHECK(htmlreport_compare_build(&sb, sw, 2, RESULTS_VAL_MAE, &err) == 0, "compare: %s", err.msg);
    s = strbuf_str(&sb);
    CHECK(strstr(s, "data-plots=\"plot-cmp-best plot-cmp-dropout plot-cmp-learning_rate\"") != NULL,
          "comparison plots: %.200s", strstr(s, "data-plots") ? strstr(s, "data-plots") : "none");
    CHECK(strstr(s, "a &lt;1&gt;") != NULL && strstr(s, "a <1>") == NULL, "sweep name escaped");
    CHECK(count_of(s, "<tr class=\"ok\">") == 2, "one row per sweep");
    strbuf_deinit(&sb);
    for (size_t i = 0; i < NR; i++) journal_record_deinit(&recs[i]);
    free(scale);
}

/* epsilon^2 on hand-worked groups */
static void test_explained(void) {
    double y[6] = {1, 1, 1, 3, 3, 3};
    size_t g[6] = {0, 0, 0, 1, 1, 1}, h[6] = {0, 1, 0, 1, 0, 1};
    CHECK_NEAR(analysis_explained(y, g, 6, 2), 1.0, 1e-12);
    /* groups {1,1,3} {1,3,3}: SSB = 6 (1/3)^2... eta^2 = 1/9, SSW = 16/3, eps^2 = (2/3 - 4/3) / 6 < 0 -> 0 */
    CHECK_NEAR(analysis_explained(y, h, 6, 2), 0.0, 1e-12);
    double z[6] = {1, 2, 1, 3, 4, 3};
    /* SST = 22/3, SSB = 6, SSW = 4/3, eps^2 = (6 - 1 * (4/3) / 4) / (22/3) = 17/22 */
    CHECK_NEAR(analysis_explained(z, g, 6, 2), 17.0 / 22.0, 1e-12);
    CHECK(isnan(analysis_explained(z, g, 2, 2)), "n <= groups: unknown");
}

int main(void) {
    test_explained();
    test_analysis_page();
    char tmpl[] = "/tmp/test_htmlreport.XXXXXX";
    const char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL, "mkdtemp");
    test_ticks();
    test_escape_and_svg();
    if (dir) {
        test_page(dir);
        rmdir(dir);
    }
    return test_failures("test_htmlreport");
}
