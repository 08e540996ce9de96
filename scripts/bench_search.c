/* bench_search: adaptive search replayed on recorded learning curves (a tabular benchmark),
 * and a real run that checks the replay.
 *
 * Input: the journal of a full grid trained without early stopping (configs/search_grid.yaml:
 * 81 configurations x 27 epochs), i.e. every trial's whole learning curve. A trial continued
 * from its checkpoint is bit-identical to an uninterrupted one, so a scheduler that pauses a
 * trial after epoch k and continues it later sees exactly the recorded values: replaying the
 * schedulers on the recorded curves gives the decisions and the results a real run would.
 *
 * Value of a trial after epoch k (what a scheduler ranks): the sweep metric of its result so
 * far, val_mae at the epoch with the lowest val_loss among epochs 1..k (the weights a trial
 * ended at k would keep). Best val MAE of a method: the lowest such value it has seen.
 * Cumulative epochs: epochs trained, summed over trials (the cost; one worker, so the
 * order of events is the replay's).
 *
 * Methods, each with `--seeds K` scheduler seeds on the one recorded grid (the seed
 * shuffles the order in which configurations are drawn, and seeds TPE; the curves, i.e. the
 * trial seeds, stay those of the recorded sweep):
 *   grid       every configuration to 27 epochs, in the shuffled order
 *   asha       ASHA min 1, max 27, reduction 3 (--reduction R: R) over the shuffled grid
 *   hyperband  asynchronous Hyperband, same rungs and reduction (4 brackets)
 *   median     median stopping rule, grace 3 epochs
 *   tpe+asha   TPE (choice over each axis's values) draws the configurations, ASHA decides;
 *              81 draws (a configuration drawn twice is trained twice)
 * --settings also replays ASHA for every setting min_epochs in {1, 2, 3, 4} x reduction in
 * {2, 3, 4} (max 27) with the same seeds and prints every row (no selection), with whether
 * the goal (within 1 % of the grid's best with at most 20 % of its epochs) is met.
 * --seed S makes the seeds S..S+K-1 (default 1..K): with a journal whose records are in a
 * sweep's trial order (`hsweep plan --json`) and S = that sweep's seed, the ASHA replay of seed
 * S makes the decisions a 1-rank `hsweep run` of the sweep makes (scripts/bench_search_run.sh).
 * --events FILE writes the ASHA replay of the first seed as JSON lines
 * {"id","epoch","value","decision"}, in order, to compare with a run's journal.
 * --curves FILE writes "method,seed,epochs,best" rows (the best-so-far curves); --svg FILE
 * draws them (best val MAE against cumulative epochs, log x) with io/svgplot.
 * --verify DATA.h5 trains the ASHA schedule of seed 1 for real (trial_run, pausing at rungs
 * with checkpoints in a temporary directory, continuing from them) and checks that every
 * value and decision equals the replay's. A benchmark, not a test.
 *
 * usage: bench_search JOURNAL.jsonl [--seeds K] [--seed S] [--settings] [--events FILE]
 *                     [--curves FILE] [--svg FILE] [--verify DATA.h5] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/ckpt.h"
#include "io/h5data.h"
#include "io/journal.h"
#include "io/strbuf.h"
#include "io/svgplot.h"
#include "model/rng.h"
#include "sweep/asha.h"
#include "sweep/search.h"
#include "sweep/tpe.h"
#include "sweep/trial.h"

#define BS_USAGE "usage: bench_search JOURNAL.jsonl [--seeds K] [--seed S] [--settings] [--reduction R] " \
                 "[--events FILE] [--curves FILE] [--svg FILE] [--verify DATA.h5]\n"

/* The recorded grid. */
typedef struct bs_grid {
    journal_record *recs;     /* (n) the journal's trials */
    size_t n;                 /* trials */
    size_t E;                 /* the full budget: the largest `epochs` of the records */
    double *value;            /* (n, E) value after epoch k+1; NaN past the end */
    size_t axis_n[4];         /* distinct values of cell, units, dropout, learning_rate */
    double axis_v[4][16];     /* those values */
    size_t *by_axes;          /* (3^4-ish) grid index of each axis-value combination */
} bs_grid;

/* Axis value of record r (cell, units, dropout, learning_rate). */
static double bs_axis(const journal_record *r, int a) {
    switch (a) {
    case 0: return (double)r->hp.cell;
    case 1: return (double)r->hp.units;
    case 2: return (double)r->hp.dropout;
    default: return (double)r->hp.learning_rate;
    }
}

static size_t bs_axis_index(const bs_grid *g, int a, double v) {
    for (size_t i = 0; i < g->axis_n[a]; i++)
        if (g->axis_v[a][i] == v) return i;
    return (size_t)-1;
}

static size_t bs_combo(const bs_grid *g, const size_t *ix) {
    return ((ix[0] * g->axis_n[1] + ix[1]) * g->axis_n[2] + ix[2]) * g->axis_n[3] + ix[3];
}

static int bs_load(bs_grid *g, const char *path) {
    hs_error err;
    if (journal_read(path, &g->recs, &g->n, NULL, &err) != 0) {
        fprintf(stderr, "bench_search: %s\n", err.msg);
        return -1;
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->recs[i].hp.epochs > g->E) g->E = g->recs[i].hp.epochs;
    if (g->n == 0 || g->E == 0) {
        fprintf(stderr, "bench_search: %s has no trials\n", path);
        return -1;
    }
    g->value = malloc(g->n * g->E * sizeof *g->value);
    for (size_t i = 0; i < g->n; i++) {
        const journal_record *r = &g->recs[i];
        double best_loss = INFINITY, v = NAN;
        for (size_t k = 0; k < g->E; k++) {
            if (k < r->n_history && r->history[k].val_loss < best_loss) {
                best_loss = r->history[k].val_loss;
                v = r->history[k].val_mae;
            }
            g->value[i * g->E + k] = k < r->n_history ? v : (double)NAN;
        }
        for (int a = 0; a < 4; a++) {
            double x = bs_axis(r, a);
            if (bs_axis_index(g, a, x) == (size_t)-1 && g->axis_n[a] < 16) g->axis_v[a][g->axis_n[a]++] = x;
        }
    }
    size_t combos = g->axis_n[0] * g->axis_n[1] * g->axis_n[2] * g->axis_n[3];
    g->by_axes = malloc(combos * sizeof *g->by_axes);
    for (size_t c = 0; c < combos; c++) g->by_axes[c] = (size_t)-1;
    for (size_t i = 0; i < g->n; i++) {
        size_t ix[4];
        for (int a = 0; a < 4; a++) ix[a] = bs_axis_index(g, a, bs_axis(&g->recs[i], a));
        g->by_axes[bs_combo(g, ix)] = i;
    }
    return 0;
}

/* ---- one replay -------------------------------------------------------------------------------- */

/* One event of a run, to compare the replay with the real run. */
typedef struct bs_event {
    size_t trial, config, epoch;  /* policy trial number, grid index, epoch */
    double value;                 /* value after that epoch */
    int decision;                 /* asha_decision */
} bs_event;

typedef struct bs_run {
    size_t epochs;            /* cumulative epochs */
    double best;              /* best value seen */
    size_t *curve_e;          /* (n_curve) cumulative epochs at each improvement */
    double *curve_b;          /* (n_curve) best value then */
    size_t n_curve;
    bs_event *ev;             /* (n_ev) events */
    size_t n_ev, cap_ev;
} bs_run;

static void bs_note(bs_run *run, size_t t, size_t cfg, size_t e, double v, int d) {
    run->epochs++;
    if (v < run->best) {
        run->best = v;
        run->curve_e = realloc(run->curve_e, (run->n_curve + 1) * sizeof *run->curve_e);
        run->curve_b = realloc(run->curve_b, (run->n_curve + 1) * sizeof *run->curve_b);
        run->curve_e[run->n_curve] = run->epochs;
        run->curve_b[run->n_curve++] = v;
    }
    if (run->n_ev == run->cap_ev) {
        run->cap_ev = run->cap_ev ? 2 * run->cap_ev : 256;
        run->ev = realloc(run->ev, run->cap_ev * sizeof *run->ev);
    }
    run->ev[run->n_ev++] = (bs_event){t, cfg, e, v, d};
}

/* Shuffled order of the n configurations for seed s (Fisher-Yates from the seed). */
static void bs_order(size_t *perm, size_t n, uint64_t s) {
    rng r;
    rng_seed(&r, rng_mix64(s ^ 0x6a09e667f3bcc909ULL));
    for (size_t i = 0; i < n; i++) perm[i] = i;
    rng_shuffle(&r, perm, n);
}

/* Value source: the recorded curves, or (verify) a real trial. */
typedef struct bs_real bs_real;
static int bs_real_job(bs_real *rr, search *sr, const search_task *j, bs_run *run);

/* Replay policy cfg (type, or full grid when grid = 1) with seed s; TPE draws configurations
 * when use_tpe. With rr != NULL the jobs are trained for real instead of looked up. */
static void bs_replay(const bs_grid *g, const asha_config *cfg, int grid, int use_tpe, uint64_t s,
                      bs_run *run, bs_real *rr) {
    memset(run, 0, sizeof *run);
    run->best = INFINITY;
    size_t *perm = malloc(g->n * sizeof *perm);
    bs_order(perm, g->n, s);
    if (grid) {
        for (size_t k = 0; k < g->n; k++)
            for (size_t e = 1; e <= g->E; e++) {
                double v = g->value[perm[k] * g->E + e - 1];
                if (isnan(v) && e > g->recs[perm[k]].n_history) break;
                bs_note(run, k, perm[k], e, isnan(v) ? HUGE_VAL : v, ASHA_GO_ON);
            }
        free(perm);
        return;
    }
    if (!use_tpe) {
        /* the policy the coordinator runs (sweep/search.h) */
        search_spec sp = {.sched = *cfg, .seed = s, .metric_is_loss = 0};
        search *sr = search_create(&sp, g->n);
        for (;;) {
            search_task j;
            search_next(sr, &j);
            if (j.kind != SEARCH_RUN) break;  /* one worker: wait means done */
            if (rr) {
                if (bs_real_job(rr, sr, &j, run) != 0) break;
                continue;
            }
            const journal_record *rec = &g->recs[j.trial];
            /* report epochs while the answer is go on (a promotion at arrival goes past
             * until) */
            for (size_t e = j.from + 1; e <= g->E; e++) {
                if (e > rec->n_history) {  /* the trial diverged before e */
                    search_end(sr, j.trial);
                    break;
                }
                asha_decision d;
                search_epoch(sr, j.trial, e, rec->history[e - 1].val_loss,
                             rec->history[e - 1].val_mae, &d);
                bs_note(run, j.trial, j.trial, e, search_value(sr, j.trial), d);
                if (d != ASHA_GO_ON) break;
            }
        }
        search_free(sr);
        free(perm);
        return;
    }
    /* TPE draws the configurations: the scheduler's trial numbers are TPE's */
    asha *a = asha_create(cfg);
    tpe *t = NULL;
    size_t *config = malloc(cfg->n_configs * sizeof *config);   /* trial -> grid index */
    tpe_param sp[4];
    for (int ax = 0; ax < 4; ax++) sp[ax] = (tpe_param){TPE_CHOICE, 0, 0, g->axis_n[ax]};
    t = tpe_create(sp, 4, NULL, s);
    for (;;) {
        asha_job j;
        asha_next(a, &j);
        if (j.action == ASHA_WAIT || j.action == ASHA_DONE) break;  /* one worker: done */
        if (j.action == ASHA_NEW) {
            double x[4];
            size_t ix[4];
            tpe_suggest(t, j.trial, x);
            for (int ax = 0; ax < 4; ax++) ix[ax] = (size_t)x[ax];
            config[j.trial] = g->by_axes[bs_combo(g, ix)];
        }
        size_t c = config[j.trial];
        for (size_t e = j.from_epoch + 1; e <= g->E; e++) {
            if (e > g->recs[c].n_history) {  /* the trial diverged before e */
                asha_on_end(a, j.trial);
                break;
            }
            double v = g->value[c * g->E + e - 1];
            asha_decision d;
            asha_on_epoch(a, j.trial, e, v, &d);
            bs_note(run, j.trial, c, e, v, d);
            if (d != ASHA_GO_ON) break;
        }
        /* the sampler learns from the trial's latest value */
        asha_state st = asha_state_of(a, j.trial);
        size_t e = asha_epochs_of(a, j.trial);
        double v = e ? g->value[c * g->E + e - 1] : (double)NAN;
        if (e == g->E) tpe_tell(t, j.trial, TPE_COMPLETE, v, e);
        else if (st == ASHA_ENDED && e < g->recs[c].n_history) tpe_tell(t, j.trial, TPE_PRUNED, v, e);
        else if (st == ASHA_ENDED) tpe_tell(t, j.trial, TPE_FAILED, v, e);
        else tpe_tell(t, j.trial, TPE_PRUNED, v, e);
    }
    asha_free(a);
    tpe_free(t);
    free(config);
    free(perm);
}

/* ---- verify: the same jobs trained for real ------------------------------------------------------- */

struct bs_real {
    const bs_grid *g;         /* the recorded grid (hyperparameters and seeds) */
    hs_dataset ds;            /* the dataset */
    char dir[256];            /* checkpoint directory */
    size_t mismatches;        /* recorded values that the real run did not reproduce */
};

/* Hook context of one real job. */
typedef struct bs_hook {
    search *sr;               /* the policy */
    const search_task *j;     /* the job */
    bs_run *run;              /* events */
    bs_real *rr;              /* verification state */
    const char *path;         /* checkpoint file */
    uint64_t key;             /* its key */
} bs_hook;

static int bs_real_epoch(const trial_progress *p, void *ctx) {
    bs_hook *h = ctx;
    size_t c = h->j->trial;
    double want = h->rr->g->value[c * h->rr->g->E + p->epoch - 1];
    asha_decision d;
    search_epoch(h->sr, c, p->epoch, p->e->val_loss, p->e->val_mae, &d);
    double v = search_value(h->sr, c);
    if (v != want) h->rr->mismatches++;
    bs_note(h->run, c, c, p->epoch, v, d);
    return d == ASHA_PAUSE || d == ASHA_STOP;
}

static void bs_real_ckpt(const trial_checkpoint *ck, void *ctx) {
    bs_hook *h = ctx;
    hs_error e;
    if (ckpt_write(h->path, h->rr->g->recs[h->j->trial].id, h->key, ck, &e) != 0)
        fprintf(stderr, "bench_search: %s\n", e.msg);
}

static int bs_real_job(bs_real *rr, search *sr, const search_task *j, bs_run *run) {
    const journal_record *rec = &rr->g->recs[j->trial];
    char path[512];
    snprintf(path, sizeof path, "%s/%s.ckpt", rr->dir, rec->id);
    bs_hook h = {sr, j, run, rr, path, ckpt_key(&rec->hp, &rr->ds)};
    trial_hooks hooks = {.on_epoch = bs_real_epoch, .ctx = &h, .on_checkpoint = bs_real_ckpt};
    trial_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    hs_error err;
    if (j->from > 0) {
        if (ckpt_read(path, rec->id, h.key, &ck, &err) != 0 || ck.epochs_done != j->from) {
            fprintf(stderr, "bench_search: cannot continue trial %s: %s\n", rec->id, err.msg);
            return -1;
        }
        hooks.resume = &ck;
    }
    trial_result res;
    int rc = trial_run(&res, &rec->hp, &rr->ds, &hooks, &err);
    ckpt_state_free(&ck);
    if (rc != 0) {
        fprintf(stderr, "bench_search: trial %s: %s\n", rec->id, err.msg);
        return -1;
    }
    fprintf(stderr, "  real: trial %s epochs %zu..%zu, %s\n", rec->id, j->from + 1,
            res.epochs_run, trial_status_name(res.status));
    if (res.status == TRIAL_DIVERGED) search_end(sr, j->trial);
    trial_result_deinit(&res);
    return 0;
}

/* ---- figure --------------------------------------------------------------------------------- */

/* Write the best-so-far curves of runs[m * seeds + s] as a standalone SVG. */
static int bs_svg(const char *path, const bs_run *runs, const char *const *names,
                  const char *const *colors, size_t n_methods, int seeds, double grid_best,
                  size_t full, size_t E) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < n_methods * (size_t)seeds; r++)
        for (size_t k = 0; k < runs[r].n_curve; k++) {
            if (runs[r].curve_b[k] < lo) lo = runs[r].curve_b[k];
            if (runs[r].curve_b[k] > hi) hi = runs[r].curve_b[k];
        }
    if (hi > 1.2 * grid_best) hi = 1.2 * grid_best;   /* the early, uninformative part */
    strbuf sb;
    strbuf_init(&sb);
    svgplot p;
    char title[160];
    snprintf(title, sizeof title, "Best val MAE so far against cumulative epochs (%zu "
             "configurations x %zu epochs, replayed, %d seeds)", full / E,
             E, seeds);
    svgplot_begin(&p, &sb, "search-replay", 760, 420, 60, 150, 30, 45, title);
    svgplot_axis_auto(&p.x, 1.0, (double)full, SVGPLOT_LOG, 6);
    svgplot_axis_auto(&p.y, lo, hi, SVGPLOT_LINEAR, 6);
    p.legend_outside = 1;
    svgplot_frame(&p, "cumulative epochs", "best val MAE (degC)");
    double gx[2] = {1.0, (double)full}, gy[2] = {grid_best, grid_best};
    double gy1[2] = {1.01 * grid_best, 1.01 * grid_best};
    svgplot_line(&p, gx, gy, 2, "#555", "4 3", 1.0);
    svgplot_line(&p, gx, gy1, 2, "#999", "2 3", 1.0);
    double *x = malloc(2 * (full + 2) * sizeof *x), *y = malloc(2 * (full + 2) * sizeof *y);
    for (size_t m = 0; m < n_methods; m++) {
        for (int s = 0; s < seeds; s++) {
            const bs_run *r = &runs[m * (size_t)seeds + (size_t)s];
            size_t n = 0;
            for (size_t k = 0; k < r->n_curve; k++) {
                double b = r->curve_b[k] > hi ? hi : r->curve_b[k];
                if (k > 0) {                       /* step: hold the previous best */
                    x[n] = (double)r->curve_e[k];
                    y[n] = y[n - 1];
                    n++;
                }
                x[n] = (double)r->curve_e[k];
                y[n++] = b;
            }
            if (n > 0) {
                x[n] = (double)r->epochs;
                y[n] = y[n - 1];
                n++;
            }
            svgplot_line(&p, x, y, n, colors[m], "", 1.5);
        }
        svgplot_legend(&p, names[m], colors[m], "", '-');
    }
    svgplot_legend(&p, "grid best", "#555", "4 3", '-');
    svgplot_legend(&p, "grid best + 1%", "#999", "2 3", '-');
    svgplot_end(&p);
    free(x);
    free(y);
    FILE *f = fopen(path, "w");
    int rc = f && !strbuf_failed(&sb) && fputs(strbuf_str(&sb), f) >= 0 ? 0 : -1;
    if (f && fclose(f) != 0) rc = -1;
    strbuf_deinit(&sb);
    if (rc) fprintf(stderr, "bench_search: cannot write %s\n", path);
    return rc;
}

static void bs_free_run(bs_run *r) {
    free(r->curve_e);
    free(r->curve_b);
    free(r->ev);
}

/* ---- settings ------------------------------------------------------------------------------ */

/* ASHA for every setting min_epochs x reduction, every seed: one row each, then per
 * setting the worst excess over the grid's best, the largest share of its epochs and
 * whether the goal holds on every seed. */
static void bs_settings(const bs_grid *g, int seeds, uint64_t seed0, double grid_best, size_t full) {
    static const size_t mins[] = {1, 2, 3, 4}, etas[] = {2, 3, 4};
    printf("\nASHA settings (max_epochs %zu; every setting and seed printed): goal = within 1%% of "
           "the grid's best with <= 20%% of its epochs\n", g->E);
    printf("%3s %3s | %-34s | %-34s | %9s %9s | %s\n", "min", "eta", "vs grid per seed",
           "of grid's epochs per seed", "worst vs", "most ep", "goal on every seed");
    for (size_t mi = 0; mi < sizeof mins / sizeof mins[0]; mi++)
        for (size_t ei = 0; ei < sizeof etas / sizeof etas[0]; ei++) {
            asha_config c = {.type = ASHA_TYPE_ASHA, .min_epochs = mins[mi],
                             .max_epochs = g->E, .reduction = etas[ei], .n_configs = g->n};
            char vs[128] = "", of[128] = "";
            double worst = -INFINITY, most = 0.0;
            int met = 1;
            for (int s = 1; s <= seeds; s++) {
                bs_run run;
                bs_replay(g, &c, 0, 0, seed0 + (uint64_t)(s - 1), &run, NULL);
                double x = 100.0 * (run.best / grid_best - 1.0);
                double f = 100.0 * (double)run.epochs / (double)full;
                size_t lv = strlen(vs), lo = strlen(of);
                if (lv < sizeof vs) snprintf(vs + lv, sizeof vs - lv, "%s%+.2f%%", s > 1 ? " " : "", x);
                if (lo < sizeof of) snprintf(of + lo, sizeof of - lo, "%s%.1f%%", s > 1 ? " " : "", f);
                worst = fmax(worst, x);
                most = fmax(most, f);
                met &= run.best <= 1.01 * grid_best && 5 * run.epochs <= full;
                bs_free_run(&run);
            }
            printf("%3zu %3zu | %-34s | %-34s | %+8.2f%% %8.1f%% | %s\n", mins[mi], etas[ei], vs, of,
                   worst, most, met ? "yes" : "no");
        }
}

/* ---- main ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    const char *jpath = NULL, *curves = NULL, *verify = NULL, *svg = NULL, *events = NULL;
    int seeds = 3, settings = 0;
    size_t eta = 3;
    uint64_t seed0 = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) seeds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--curves") == 0 && i + 1 < argc) curves = argv[++i];
        else if (strcmp(argv[i], "--verify") == 0 && i + 1 < argc) verify = argv[++i];
        else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) svg = argv[++i];
        else if (strcmp(argv[i], "--settings") == 0) settings = 1;
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed0 = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) events = argv[++i];
        else if (strcmp(argv[i], "--reduction") == 0 && i + 1 < argc) eta = strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !jpath) jpath = argv[i];
        else {
            fprintf(stderr, BS_USAGE);
            return 2;
        }
    }
    if (!jpath || seeds < 1 || eta < 2) {
        fprintf(stderr, BS_USAGE);
        return 2;
    }
    bs_grid g;
    memset(&g, 0, sizeof g);
    if (bs_load(&g, jpath) != 0) return 1;
    double grid_best = INFINITY;
    size_t full = 0;
    for (size_t i = 0; i < g.n; i++) {
        double v = g.value[i * g.E + g.E - 1];
        if (v < grid_best) grid_best = v;
        full += g.recs[i].n_history;
    }
    printf("bench_search: %zu recorded configurations (%zu x %zu x %zu x %zu), %zu epochs in "
           "all; grid best val_mae %.4f\n", g.n, g.axis_n[0], g.axis_n[1], g.axis_n[2],
           g.axis_n[3], full, grid_best);
    FILE *cf = curves ? fopen(curves, "w") : NULL;
    if (cf) fprintf(cf, "method,seed,epochs,best\n");
    const struct { const char *name; asha_type type; size_t min; int grid, tpe; } methods[] = {
        {"grid", ASHA_TYPE_ASHA, 1, 1, 0},         {"asha", ASHA_TYPE_ASHA, 1, 0, 0},
        {"hyperband", ASHA_TYPE_HYPERBAND, 1, 0, 0}, {"median", ASHA_TYPE_MEDIAN, 3, 0, 0},
        {"tpe+asha", ASHA_TYPE_ASHA, 1, 0, 1}};
    printf("%-10s %4s | %10s %8s | %7s %8s | %s\n", "method", "seed", "best", "vs grid",
           "epochs", "of grid", "epochs to within 1% of the grid's best");
    const size_t n_methods = sizeof methods / sizeof methods[0];
    bs_run *runs = calloc(n_methods * (size_t)seeds, sizeof *runs);
    for (size_t m = 0; m < n_methods; m++) {
        for (int s = 1; s <= seeds; s++) {
            asha_config c = {.type = methods[m].type, .min_epochs = methods[m].min,
                             .max_epochs = g.E, .reduction = eta, .n_configs = g.n};
            bs_run *rp = &runs[m * (size_t)seeds + (size_t)(s - 1)], run;
            bs_replay(&g, &c, methods[m].grid, methods[m].tpe, seed0 + (uint64_t)(s - 1), &run, NULL);
            size_t within = 0;
            for (size_t k = 0; k < run.n_curve && !within; k++)
                if (run.curve_b[k] <= 1.01 * grid_best) within = run.curve_e[k];
            char w[32] = "never";
            if (within) snprintf(w, sizeof w, "%zu (%.1f%%)", within, 100.0 * (double)within / (double)full);
            printf("%-10s %4llu | %10.4f %+7.2f%% | %7zu %7.1f%% | %s\n", methods[m].name,
                   (unsigned long long)(seed0 + (uint64_t)(s - 1)), run.best,
                   100.0 * (run.best / grid_best - 1.0), run.epochs,
                   100.0 * (double)run.epochs / (double)full, w);
            if (cf)
                for (size_t k = 0; k < run.n_curve; k++)
                    fprintf(cf, "%s,%d,%zu,%.9g\n", methods[m].name, s, run.curve_e[k], run.curve_b[k]);
            *rp = run;
        }
    }
    if (cf) fclose(cf);
    if (svg) {
        const char *names[] = {"grid", "asha", "hyperband", "median", "tpe+asha"};
        const char *colors[] = {"#000000", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"};
        bs_svg(svg, runs, names, colors, n_methods, seeds, grid_best, full, g.E);
    }
    if (settings) bs_settings(&g, seeds, seed0, grid_best, full);
    const bs_run asha1 = runs[1 * (size_t)seeds];
    if (events) {
        FILE *ef = fopen(events, "w");
        for (size_t k = 0; ef && k < asha1.n_ev; k++) {
            const bs_event *x = &asha1.ev[k];
            fprintf(ef, "{\"id\":\"%s\",\"epoch\":%zu,\"value\":%.17g,\"decision\":\"%s\"}\n",
                    g.recs[x->config].id, x->epoch, x->value, asha_decision_name((asha_decision)x->decision));
        }
        if (!ef || fclose(ef) != 0) {
            fprintf(stderr, "bench_search: cannot write %s\n", events);
            return 1;
        }
    }
    int rc = 0;
    if (verify) {
        bs_real rr;
        memset(&rr, 0, sizeof rr);
        rr.g = &g;
        hs_error err;
        snprintf(rr.dir, sizeof rr.dir, "/tmp/bench_search.XXXXXX");
        if (!mkdtemp(rr.dir) || h5data_load(&rr.ds, verify, &err) != 0) {
            fprintf(stderr, "bench_search: cannot set up the verification run\n");
            return 1;
        }
        printf("verify: ASHA seed %llu trained for real on %s (checkpoints in %s)\n",
               (unsigned long long)seed0, verify, rr.dir);
        asha_config c = {.type = ASHA_TYPE_ASHA, .min_epochs = 1, .max_epochs = g.E,
                         .reduction = eta, .n_configs = g.n};
        bs_run real;
        bs_replay(&g, &c, 0, 0, seed0, &real, &rr);
        size_t diff = real.n_ev != asha1.n_ev;
        for (size_t k = 0; !diff && k < real.n_ev; k++) {
            const bs_event *x = &real.ev[k], *y = &asha1.ev[k];
            diff += x->trial != y->trial || x->config != y->config || x->epoch != y->epoch ||
                    x->value != y->value || x->decision != y->decision;
        }
        printf("verify: %zu events real, %zu replayed; values differing from the recorded "
               "curves: %zu; events differing: %zu -> %s\n", real.n_ev, asha1.n_ev,
               rr.mismatches, diff, diff || rr.mismatches ? "MISMATCH" : "identical");
        rc = diff || rr.mismatches ? 1 : 0;
        bs_free_run(&real);
        dataset_deinit(&rr.ds);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", rr.dir);
        if (system(cmd) != 0) fprintf(stderr, "bench_search: could not remove %s\n", rr.dir);
    }
    for (size_t r = 0; r < n_methods * (size_t)seeds; r++) bs_free_run(&runs[r]);
    free(runs);
    journal_records_free(g.recs, g.n);
    free(g.value);
    free(g.by_axes);
    return rc;
}
