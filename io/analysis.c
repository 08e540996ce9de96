/* analysis: parameter importance and binning (see analysis.h). */
#include "io/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hpfields.h"

typedef struct analysis_pt {
    double key;           /* hpfields_value */
    char text[64];        /* formatted value */
    size_t t;             /* ranked position */
} analysis_pt;

static int analysis_cmp_pt(const void *a, const void *b) {
    const analysis_pt *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    int c = strcmp(x->text, y->text);
    if (c) return c;
    return x->t < y->t ? -1 : x->t > y->t;
}

void analysis_bins_free(analysis_bins *b) {
    if (!b) return;
    free(b->bin);
    free(b->lo);
    free(b->hi);
    free(b->label);
    memset(b, 0, sizeof *b);
}

int analysis_bin_axis(const journal_record *recs, const size_t *order, size_t n, size_t k, size_t max_bins,
                      analysis_bins *b, hs_error *err) {
    memset(b, 0, sizeof *b);
    if (max_bins > n) max_bins = n; /* never more bins than trials */
    if (max_bins == 0) max_bins = 1;
    analysis_pt *pts = malloc((n ? n : 1) * sizeof *pts);
    size_t *first = malloc((n + 1) * sizeof *first); /* start of each distinct value in pts */
    b->bin = malloc((n ? n : 1) * sizeof *b->bin);
    b->lo = malloc(max_bins * sizeof *b->lo);
    b->hi = malloc(max_bins * sizeof *b->hi);
    b->label = malloc(max_bins * sizeof *b->label);
    if (!pts || !first || !b->bin || !b->lo || !b->hi || !b->label) {
        free(pts);
        free(first);
        analysis_bins_free(b);
        return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (analysis)");
    }
    for (size_t t = 0; t < n; t++) {
        const hs_hparams *hp = &recs[order[t]].hp;
        pts[t].key = hpfields_value(hp, k);
        hpfields_format(hp, k, pts[t].text, sizeof pts[t].text);
        pts[t].t = t;
    }
    qsort(pts, n, sizeof *pts, analysis_cmp_pt);
    size_t nv = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(pts[i].text, pts[i - 1].text) != 0) first[nv++] = i;
    first[nv] = n;
    b->by_value = nv <= max_bins;
    /* distinct value v goes to bin v (by value) or to the quantile of its first trial */
    for (size_t v = 0; v < nv; v++) {
        size_t g = b->by_value ? v : first[v] * max_bins / n;
        if (g >= b->n_bins) { /* a new bin starts at this value */
            g = b->n_bins++;
            b->lo[g] = pts[first[v]].key;
            snprintf(b->label[g], sizeof b->label[g], "%s", pts[first[v]].text);
        }
        b->hi[g] = pts[first[v]].key;
        if (!b->by_value && b->hi[g] != b->lo[g]) /* a range of values: "lo-hi", 3 digits each */
            snprintf(b->label[g], sizeof b->label[g], "%.3g-%.3g", b->lo[g], b->hi[g]);
        for (size_t i = first[v]; i < first[v + 1]; i++) b->bin[pts[i].t] = g;
    }
    free(pts);
    free(first);
    return 0;
}

double analysis_explained(const double *y, const size_t *group, size_t n, size_t n_groups) {
    if (n_groups == 0 || n <= n_groups) return NAN;
    double *sum = calloc(n_groups, sizeof *sum);
    size_t *cnt = calloc(n_groups, sizeof *cnt);
    double r = NAN;
    if (!sum || !cnt) goto done;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++) mean += y[i];
    mean /= (double)n;
    double sst = 0.0;
    for (size_t i = 0; i < n; i++) {
        sst += (y[i] - mean) * (y[i] - mean);
        sum[group[i]] += y[i];
        cnt[group[i]]++;
    }
    if (!(sst > 0.0)) goto done;
    /* SSB = sum_g n_g (mean_g - mean)^2 over non-empty groups */
    double ssb = 0.0;
    size_t g_used = 0;
    for (size_t g = 0; g < n_groups; g++) {
        if (cnt[g] == 0) continue;
        double mg = sum[g] / (double)cnt[g];
        ssb += (double)cnt[g] * (mg - mean) * (mg - mean);
        g_used++;
    }
    if (g_used == 0 || n <= g_used) goto done;
    double ssw = sst - ssb;
    double eps = (ssb - (double)(g_used - 1) * ssw / (double)(n - g_used)) / sst;
    r = eps < 0.0 ? 0.0 : eps > 1.0 ? 1.0 : eps;
done:
    free(sum);
    free(cnt);
    return r;
}

int analysis_importance_compute(const journal_record *recs, const size_t *order, size_t n_ranked,
                                results_metric m, const size_t *axes, size_t n_axes, analysis_importance *out,
                                hs_error *err) {
    memset(out, 0, sizeof *out);
    out->pair_a = out->pair_b = -1;
    out->pair_share = NAN;
    if (n_axes > 64) n_axes = 64;
    out->n_axes = n_axes;
    memcpy(out->axes, axes, n_axes * sizeof *axes);
    for (size_t a = 0; a < n_axes; a++) out->share[a] = NAN;
    if (n_ranked == 0 || n_axes == 0) return 0;
    int rc = 0;
    double *y = malloc(n_ranked * sizeof *y);
    size_t *joint = malloc(n_ranked * sizeof *joint);
    analysis_bins *pb = calloc(n_axes, sizeof *pb); /* pair bins per axis */
    if (!y || !joint || !pb) {
        rc = hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory (analysis)");
        goto done;
    }
    for (size_t t = 0; t < n_ranked; t++) y[t] = results_metric_value(&recs[order[t]], m);
    for (size_t a = 0; a < n_axes; a++) {
        analysis_bins b;
        if ((rc = analysis_bin_axis(recs, order, n_ranked, axes[a], ANALYSIS_BINS, &b, err)) != 0) goto done;
        out->share[a] = analysis_explained(y, b.bin, n_ranked, b.n_bins);
        analysis_bins_free(&b);
        if ((rc = analysis_bin_axis(recs, order, n_ranked, axes[a], ANALYSIS_PAIR_BINS, &pb[a], err)) != 0)
            goto done;
    }
    for (size_t a = 0; a < n_axes; a++)
        for (size_t b = a + 1; b < n_axes; b++) {
            size_t nb = pb[b].n_bins;
            for (size_t t = 0; t < n_ranked; t++) joint[t] = pb[a].bin[t] * nb + pb[b].bin[t];
            double s = analysis_explained(y, joint, n_ranked, pb[a].n_bins * nb);
            if (isfinite(s) && !(s <= out->pair_share)) {
                out->pair_share = s;
                out->pair_a = (int)a;
                out->pair_b = (int)b;
            }
        }
    /* without enough trials for a joint estimate, the two most important single axes */
    if (out->pair_a < 0 && n_axes >= 2) {
        int i1 = -1, i2 = -1;
        for (size_t a = 0; a < n_axes; a++) {
            double s = isfinite(out->share[a]) ? out->share[a] : -1.0;
            if (i1 < 0 || s > (isfinite(out->share[i1]) ? out->share[i1] : -1.0)) {
                i2 = i1;
                i1 = (int)a;
            } else if (i2 < 0 || s > (isfinite(out->share[i2]) ? out->share[i2] : -1.0)) {
                i2 = (int)a;
            }
        }
        out->pair_a = i1 < i2 ? i1 : i2;
        out->pair_b = i1 < i2 ? i2 : i1;
    }
done:
    if (pb)
        for (size_t a = 0; a < n_axes; a++) analysis_bins_free(&pb[a]);
    free(pb);
    free(y);
    free(joint);
    return rc;
}
