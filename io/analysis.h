/* analysis: why a configuration wins, in numbers (for the HTML and JSON reports).
 *
 * Pure functions over journal records; no I/O, no plotting.
 *   - Binning: the ranked trials' values of one hyperparameter grouped into at most B bins:
 *     one bin per distinct value when there are at most B (a grid axis, a categorical
 *     parameter), else B quantile bins by rank (a sampled continuous parameter; equal values
 *     always share a bin). Quantile bins do not depend on a log or linear axis.
 *   - Importance: the share of the metric's variance explained by one parameter alone, as
 *     the bias-corrected correlation ratio epsilon^2 of its bins (one-way ANOVA):
 *         SST = sum_i (y_i - mean)^2,  SSB = sum_g n_g (mean_g - mean)^2,
 *         SSW = SST - SSB,  eps^2 = (SSB - (G - 1) SSW / (n - G)) / SST, clipped to [0, 1].
 *     On a full grid this is the first-order (main-effect) term of a functional ANOVA of the
 *     marginal means, with the small-sample bias of eta^2 = SSB / SST removed; shares need
 *     not add up to 1 (interactions, noise between repeats, correlated random draws).
 *   - The strongest pair: the two parameters whose joint bins (at most B2 x B2 cells)
 *     explain the largest share (epsilon^2 of the joint grouping).
 * All figures are over ranked trials only (status ok, finite metric). */
#ifndef HS_ANALYSIS_H
#define HS_ANALYSIS_H

#include <stddef.h>

#include "io/hs_error.h"
#include "io/journal.h"
#include "io/results.h"

enum { ANALYSIS_BINS = 10, ANALYSIS_PAIR_BINS = 6 };

typedef struct analysis_bins {
    size_t n_bins;        /* bins used, 1..max_bins (0 for no trials) */
    size_t *bin;          /* (n) bin of the t-th ranked trial, owned */
    double *lo, *hi;      /* (n_bins) smallest and largest value (hpfields_value) in each bin, owned */
    char (*label)[64];    /* (n_bins) the value, or "lo-hi" (%.3g each) for a range, owned */
    int by_value;         /* 1: one bin per distinct value, 0: quantile bins */
} analysis_bins;

/* Bin hpfields field k of the n ranked trials recs[order[0..n)] into at most max_bins bins
 * (see above). 0 or HS_ERR_NOMEM (b owns nothing). Free with analysis_bins_free. */
int analysis_bin_axis(const journal_record *recs, const size_t *order, size_t n, size_t k, size_t max_bins,
                      analysis_bins *b, hs_error *err);

/* Free what b owns and zero it. b may be NULL. */
void analysis_bins_free(analysis_bins *b);

/* epsilon^2 of y[0..n) grouped by group[0..n) (values < n_groups), clipped to [0, 1]; NaN
 * when n <= n_groups or the metric does not vary. */
double analysis_explained(const double *y, const size_t *group, size_t n, size_t n_groups);

typedef struct analysis_importance {
    size_t n_axes;        /* swept axes analysed */
    size_t axes[64];      /* (n_axes) hpfields indices */
    double share[64];     /* (n_axes) epsilon^2 of each axis alone, NaN unknown */
    int pair_a, pair_b;   /* indices into axes of the strongest pair, -1 when fewer than 2 axes */
    double pair_share;    /* epsilon^2 of that pair's joint bins, NaN unknown */
} analysis_importance;

/* Importance of each of axes[0..n_axes) (n_axes <= 64) and the strongest pair, over the
 * ranked trials recs[order[0..n_ranked)] by metric m. 0 or HS_ERR_NOMEM. */
int analysis_importance_compute(const journal_record *recs, const size_t *order, size_t n_ranked,
                                results_metric m, const size_t *axes, size_t n_axes, analysis_importance *out,
                                hs_error *err);

#endif
