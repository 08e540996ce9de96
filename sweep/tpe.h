/* tpe: the Tree-structured Parzen Estimator sampler (Bergstra et al., NeurIPS 2011) with
 * Optuna's defaults, as pure functions over a plain struct: no MPI, no files, no clock.
 *
 * What is implemented (Optuna's univariate TPESampler, v3/v4 defaults):
 * - Startup: while fewer than n_startup (10) trials have a result (complete or pruned),
 *   every parameter is drawn at random from its distribution, as random search does.
 * - Split: n_below = gamma(n) = min(ceil(0.1 n), 25), n = trials with a result. The "below"
 *   (good) group takes the n_below best complete trials by value; if there are fewer, the
 *   best pruned trials fill it, ranked by (furthest epoch reached, then value). Every other
 *   complete or pruned trial, and with the constant liar every running trial, is "above"
 *   (bad). Failed trials (and complete trials with a non-finite value) are ignored.
 * - Weights: each group in trial-number order gets Optuna's default_weights(m): 1 for m < 25,
 *   else a ramp linspace(1/m, 1, m-25) for the oldest m-25 followed by 25 ones; a prior
 *   component of weight prior_weight (1.0) is appended and the weights normalised.
 * - Parzen estimators, one per parameter (univariate), in the transformed space (log for
 *   log_uniform): numeric parameters are mixtures of normals truncated to [low, high] (for
 *   int: [low - 0.5, high + 0.5], the mass of [x - 0.5, x + 0.5] per integer x), one kernel
 *   per observation at its value plus the prior kernel N((low+high)/2, high-low(+1)).
 *   Bandwidths by Optuna's rule: with the prior mean inserted, sort the points; each
 *   kernel's sigma is the larger distance to its neighbours (the ends of the range count as
 *   neighbours), except that the smallest and largest points take the distance to their
 *   inner neighbour (consider_endpoints=False); then clipped to
 *   [range / min(100, 1 + m + 1), range] ("magic clip", m observations, range = high - low
 *   (+1 for int)). Choices (categorical): kernel k puts prior_weight / (m+1) on every choice
 *   plus 1 on its observed choice, normalised; the prior kernel is uniform.
 * - Acquisition: n_ei_candidates (24) draws from the below mixture l(x); the one maximising
 *   log l(x) - log g(x) (g: the above mixture) is taken (the first on ties). Each parameter
 *   is chosen independently.
 * - Asynchronous: running trials (suggested, no result yet) count as "above" with the
 *   constant liar (Optuna's constant_liar=True): parallel ranks are steered away from the
 *   points others are already evaluating. Without it they are ignored.
 * Determinism: the draws for trial number k come from an rng seeded with (seed, k), and use
 * only the history as it stands, so the same seed and the same ordered sequence of calls
 * (suggest / add / tell) give the same suggestions; a journal replay rebuilds the state.
 * Cost: O(n log n + 24 x params x n) per suggestion for n trials in the history. */
#ifndef HS_TPE_H
#define HS_TPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum tpe_kind {
    TPE_UNIFORM = 0,          /* real in [low, high) */
    TPE_LOG_UNIFORM = 1,      /* real in [low, high), log scale, low > 0 */
    TPE_INT = 2,              /* integer in [low, high], both included */
    TPE_CHOICE = 3            /* index in [0, n_choices) */
} tpe_kind;

typedef struct tpe_param {
    tpe_kind kind;            /* distribution */
    double low, high;         /* bounds (not for TPE_CHOICE) */
    size_t n_choices;         /* TPE_CHOICE: number of choices, >= 1 */
} tpe_param;

typedef struct tpe_options {
    size_t n_startup;         /* random trials before TPE starts: 10 */
    size_t n_ei_candidates;   /* candidates per parameter: 24 */
    double prior_weight;      /* weight of the prior kernel: 1.0 */
    double gamma_frac;        /* gamma(n) = min(ceil(gamma_frac n), gamma_max): 0.1 */
    size_t gamma_max;         /* 25 */
    int constant_liar;        /* 1: running trials count as bad (default); 0: ignored */
} tpe_options;

typedef enum tpe_state {
    TPE_RUNNING = 0,          /* suggested, no result yet */
    TPE_COMPLETE = 1,         /* final value (trained to its budget or early-stopped) */
    TPE_PRUNED = 2,           /* value at the last reported epoch `step` (paused, stopped) */
    TPE_FAILED = 3            /* no usable value: ignored */
} tpe_state;

typedef struct tpe tpe;   /* opaque */

/* Optuna's defaults (values above). */
void tpe_options_default(tpe_options *o);

/* Create a sampler over n_params parameters (copied; at least one), with options o (NULL:
 * defaults) and a seed. Returns NULL for invalid parameters (low >= high, log with low <= 0,
 * int bounds not integers, no choices) or out of memory. */
tpe *tpe_create(const tpe_param *params, size_t n_params, const tpe_options *o, uint64_t seed);

/* Free t. t may be NULL. */
void tpe_free(tpe *t);

/* Draw the parameters of trial `number` (not yet in the history) into x (n_params values:
 * reals, integers, or choice indices as doubles) and record it as running. Returns 0,
 * HS_ERR_VALUE if number is already in the history, HS_ERR_NOMEM. */
int tpe_suggest(tpe *t, size_t number, double *x);

/* Record trial `number` with parameters x as running without drawing (rebuilding the history
 * from a journal, or a trial whose values came from elsewhere). Same returns as suggest. */
int tpe_add(tpe *t, size_t number, const double *x);

/* Update trial `number`'s state: TPE_COMPLETE with its final value, TPE_PRUNED with the
 * value at epoch `step` (may be called again as the trial goes on), TPE_FAILED, or back to
 * TPE_RUNNING. A non-finite value makes a complete or pruned trial failed. Returns 0 or
 * HS_ERR_VALUE if number is unknown. */
int tpe_tell(tpe *t, size_t number, tpe_state st, double value, size_t step);

/* Trials in the history in state st. */
size_t tpe_count(const tpe *t, tpe_state st);

#endif
