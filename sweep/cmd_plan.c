/* cmd_plan: `hsweep plan sweep.yaml`, a dry run of a sweep.
 *
 * Loads and validates the sweep file, expands it and prints every trial (id, repeat, the
 * swept parameters, relative cost), the count, the total estimated cost, the output
 * directory and the sweep hash, as a table or (--json) one JSON object. Runs nothing and
 * writes nothing. The training-split size for the cost model comes from the dataset's
 * metadata when io/h5data.h is part of the build, otherwise from a nominal Jena 2020 size
 * (the output says which). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/htmlreport.h"
#include "io/journal.h"
#include "io/rundir.h"
#include "io/sweepcfg.h"
#include "io/window.h"
#include "sweep/asha.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/expand.h"
#include "model/rng.h"

#if defined(__has_include)
#if __has_include("io/h5data.h")
#include "io/h5data.h"
#define PLAN_HAVE_H5DATA 1
#endif
#endif

/* Throughput assumed without --from (FLOP/s per rank). Measured: see docs/sweep-file.md. */
#define PLAN_NOMINAL_FLOPS 1e9

/* The wall-time estimate of `plan --ranks`. */
typedef struct plan_estimate {
    size_t ranks;             /* P */
    double flops_per_s;       /* throughput per rank used */
    int calibrated;           /* 1: flops_per_s measured from a journal */
    size_t calib_trials;      /* records used for the calibration */
    double makespan_s;        /* longest-first list schedule of the trials on P ranks */
    double lower_s;           /* max(total / P, longest trial) */
} plan_estimate;

/* Makespan of handing trials out longest first to whichever of P ranks is free first
 * (what sweep/sched.c does), for costs c[0..n) in seconds. A binary min-heap of the ranks'
 * finish times: O(n log n + n log P). Returns -1 when out of memory. */
static double plan_makespan(const double *c, size_t n, size_t P) {
    double *v = malloc((n ? n : 1) * sizeof *v), *heap = calloc(P, sizeof *heap);
    if (!v || !heap) {
        free(v);
        free(heap);
        return -1.0;
    }
    memcpy(v, c, n * sizeof *v);
    /* descending costs */
    for (size_t gap = n / 2; gap > 0; gap /= 2) /* shell sort: no comparator globals needed */
        for (size_t i = gap; i < n; i++)
            for (size_t j = i; j >= gap && v[j - gap] < v[j]; j -= gap) {
                double t = v[j];
                v[j] = v[j - gap];
                v[j - gap] = t;
            }
    double span = 0.0;
    for (size_t i = 0; i < n; i++) {
        /* the earliest-free rank is heap[0]: it takes the trial, then sifts down */
        double t = heap[0] + v[i];
        if (t > span) span = t;
        size_t k = 0;
        for (;;) {
            size_t l = 2 * k + 1, r = l + 1, m = k;
            double mv = t;
            if (l < P && heap[l] < mv) { m = l; mv = heap[l]; }
            if (r < P && heap[r] < mv) { m = r; mv = heap[r]; }
            if (m == k) break;
            heap[k] = heap[m];
            k = m;
        }
        heap[k] = t;
    }
    free(v);
    free(heap);
    return span;
}

/* Throughput (FLOP/s per rank) measured on DIR's journal: sum of its trials' estimated FLOPs
 * (expand_cost over DIR's training rows from metadata.json, scaled by epochs_run / epochs for
 * early stopping) / sum of their wall times (all segments when recorded). 0 or 1 after
 * printing why. */
static int plan_calibrate(const char *dir, double *flops_per_s, size_t *used) {
    hs_error err;
    hs_error_clear(&err);
    json_value *meta = NULL;
    size_t n_train = 0;
    if (htmlreport_load_metadata(dir, &meta, &err) != 0 ||
        json_as_size(json_get(json_get(meta, "dataset"), "n_train"), &n_train) != 0 || n_train == 0) {
        fprintf(stderr, "hsweep plan: --from %s: metadata.json with the dataset's n_train is needed%s%s\n", dir,
                err.msg[0] ? ": " : "", err.msg);
        json_free(meta);
        return 1;
    }
    json_free(meta);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    journal_record *recs = NULL;
    size_t n = 0;
    if (journal_read(path, &recs, &n, NULL, &err) != 0) {
        fprintf(stderr, "hsweep plan: --from: ");
        hs_error_print(&err, stderr);
        return 1;
    }
    double flops = 0.0, secs = 0.0;
    *used = 0;
    for (size_t i = 0; i < n; i++) {
        const journal_record *r = &recs[i];
        double w = isfinite(r->wall_total_s) ? r->wall_total_s : r->wall_s;
        if (r->status != JOURNAL_OK || r->epochs_run == 0 || r->hp.epochs == 0 || !(w > 0.0)) continue;
        flops += expand_cost(&r->hp, expand_train_windows(&r->hp, n_train)) * (double)r->epochs_run /
                 (double)r->hp.epochs;
        secs += w;
        (*used)++;
    }
    journal_records_free(recs, n);
    if (*used == 0 || !(flops > 0.0)) {
        fprintf(stderr, "hsweep plan: --from %s: no finished ok trial to calibrate on\n", dir);
        return 1;
    }
    *flops_per_s = flops / secs;
    return 0;
}

/* "2h13m", "41m05s", "12s" */
static void plan_duration(double s, char *buf, size_t n) {
    unsigned long long t = (unsigned long long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%lluh%02llum", t / 3600, t % 3600 / 60);
    else if (t >= 60) snprintf(buf, n, "%llum%02llus", t / 60, t % 60);
    else snprintf(buf, n, "%llus", t);
}

/* The window settings (sequence_length, sampling_rate, delay) of the trials, with their
 * trial counts, gathered while the trials stream by: they are few. */
typedef struct plan_windows {
    size_t (*set)[4];         /* (ns) seq_len, rate, delay, trials */
    size_t ns;                /* distinct settings, at most PLAN_MAX_SETTINGS kept */
} plan_windows;

enum { PLAN_MAX_SETTINGS = 4096 };

static void plan_windows_add(plan_windows *w, const hs_hparams *hp) {
    size_t L = hp->sequence_length, r = hp->sampling_rate, d = hparams_delay(hp);
    for (size_t j = 0; j < w->ns; j++)
        if (w->set[j][0] == L && w->set[j][1] == r && w->set[j][2] == d) {
            w->set[j][3]++;
            return;
        }
    if (w->ns == PLAN_MAX_SETTINGS) return;
    size_t *e = w->set[w->ns++];
    e[0] = L;
    e[1] = r;
    e[2] = d;
    e[3] = 1;
}

/* Every window setting of the trials must have a complete window in each split, as `run`
 * checks per trial. Prints one line per failing setting (with its trial count); 0 or 1. */
static int plan_windows_check(const char *file, const plan_windows *w, const hs_dataset *ds) {
    int bad = 0;
    for (size_t j = 0; j < w->ns; j++) {
        const size_t *e = w->set[j];
        window_spec spec = {.seq_len = e[0], .rate = e[1], .delay = e[2], .batch = 1};
        window_plan wp;
        hs_error err;
        if (window_plan_make(&wp, &spec, ds->n_rows, ds->n_train, ds->n_val, ds->n_features, &err) != 0) {
            fprintf(stderr, "%s: %s (%zu trial%s would fail in `hsweep run`)\n", file, err.msg, e[3],
                    e[3] == 1 ? "" : "s");
            bad = 1;
        }
    }
    return bad;
}

static void plan_usage(FILE *f) {
    fprintf(f,
            "usage: hsweep plan [--json] [--ranks P [--from DIR]] SWEEP.yaml\n\n"
            "Validate a sweep file and print the trials it expands to, without running them:\n"
            "id, repeat, the swept parameters and the relative estimated cost of each trial,\n"
            "then the trial count, the total estimated cost (training FLOPs), the output\n"
            "directory and the sweep hash. Every window setting must give at least one\n"
            "window in the train, val and test splits of the dataset (as `run` requires).\n\n"
            "  --json      print one JSON object instead of the table\n"
            "  --ranks P   estimate the wall time on P ranks: longest-first scheduling of the\n"
            "              trials' costs, at the throughput measured by --from (else an\n"
            "              assumed %.0f GFLOP/s per rank, uncalibrated)\n"
            "  --from DIR  calibrate the throughput on a finished run's journal (same machine\n"
            "              type): FLOPs of its trials / their wall time\n"
            "  -h, --help  show this help\n\n"
            "Exit status: 0 valid sweep, 1 invalid sweep or dataset (file:line:col: message),\n"
            "2 bad usage.\n", PLAN_NOMINAL_FLOPS / 1e9);
}

/* JSON string literal of s to f. */
static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

/* JSON value of parameter p (strings for enums, true/false, numbers). */
static void json_param(FILE *f, sweepcfg_param p, double v) {
    char buf[64];
    sweepcfg_param_format(p, v, buf, sizeof buf);
    sweepcfg_type t = sweepcfg_param_type(p);
    if (t == SWEEPCFG_T_CELL || t == SWEEPCFG_T_OPTIMIZER) json_str(f, buf);
    else fputs(buf, f);
}

/* Human-readable FLOPs: "12.3 TFLOP". */
static void fmt_flops(double x, char *buf, size_t n) {
    static const char *const unit[] = {"", "k", "M", "G", "T", "P", "E"};
    int u = 0;
    while (x >= 1000.0 && u < 6) { x /= 1000.0; u++; }
    snprintf(buf, n, "%.3g %sFLOP", x, unit[u]);
}

/* The scheduler and sampler lines of the plan (nothing when the sweep has neither). */
static void print_search(const sweep_def *def) {
    const sweepcfg_scheduler *sc = &def->scheduler;
    static const asha_type types[] = {ASHA_TYPE_ASHA, ASHA_TYPE_ASHA, ASHA_TYPE_HYPERBAND,
                                      ASHA_TYPE_MEDIAN};
    if (sc->type != SWEEPCFG_SCHED_NONE) {
        asha_config c = {.type = types[sc->type], .min_epochs = sc->min_epochs,
                         .max_epochs = sc->max_epochs, .reduction = sc->reduction,
                         .brackets = sc->brackets, .min_samples = sc->min_samples,
                         .n_configs = 1};
        asha *a = asha_create(&c);
        size_t r[64], n = a ? asha_rungs(a, 0, r, 64) : 0;
        printf("scheduler %s:", asha_type_name(c.type));
        if (c.type == ASHA_TYPE_MEDIAN)
            printf(" grace %zu epochs, %zu other trials needed, budget %zu epochs",
                   sc->min_epochs, sc->min_samples, sc->max_epochs);
        else {
            printf(" rungs at");
            for (size_t k = 0; k < n && k < 64; k++) printf("%s %zu", k ? "," : "", r[k]);
            printf(" epochs, reduction %zu", sc->reduction);
            if (c.type == ASHA_TYPE_HYPERBAND) printf(", %zu brackets", asha_brackets(a));
        }
        printf(" (the costs below are full-budget upper bounds)\n");
        asha_free(a);
    }
    if (def->sampler.type == SWEEPCFG_SAMPLER_TPE)
        printf("sampler tpe: %zu random draws first, %zu candidates, constant liar %s; the "
               "sampled values below are placeholders: TPE draws them while the sweep runs\n",
               def->sampler.n_startup, def->sampler.candidates,
               def->sampler.constant_liar ? "on" : "off");
}

/* What the first pass over the trials learns, for the header, the widths and the footer. */
typedef struct plan_sum {
    size_t n;                           /* trials */
    double total, min_cost;             /* summed and smallest estimated cost (FLOPs) */
    sweepcfg_param sw[SWEEPCFG_NPARAMS];/* (nsw) parameters whose value differs between trials */
    size_t nsw;
    int width[SWEEPCFG_NPARAMS];        /* per parameter: widest formatted value (table) */
    size_t train_rows;                  /* training rows (read or nominal) */
    int rows_known;                     /* train_rows was read from the dataset */
    const plan_estimate *est;           /* wall-time estimate, NULL without --ranks */
} plan_sum;

static void print_table_head(const sweep_def *def, const plan_sum *ps) {
    char hash[17];
    expand_id_string(def->hash, hash);
    printf("sweep %s (%s), hash %s\n", def->name, def->file, hash);
    if (ps->rows_known)
        printf("dataset %s: %zu training rows\n", def->data_path, ps->train_rows);
    else
        printf("dataset %s: training rows not read (io/h5data not in this build); costs "
               "estimated with a nominal %zu rows\n",
               def->data_path, ps->train_rows);
    printf("output %s\nmetric %s (minimised), repeats %zu, max_failures ", def->output,
           sweepcfg_metric_name(def->metric), def->repeats);
    if (def->max_failures) printf("%zu\n", def->max_failures);
    else printf("unlimited\n");
    print_search(def);
    printf("swept:");
    for (size_t k = 0; k < ps->nsw; k++) printf(" %s", sweepcfg_param_name(ps->sw[k]));
    printf("%s\n\n", ps->nsw ? "" : " (nothing: one configuration)");
    printf("%6s  %-16s  %6s", "#", "id", "repeat");
    for (size_t k = 0; k < ps->nsw; k++)
        printf("  %-*s", ps->width[ps->sw[k]], sweepcfg_param_name(ps->sw[k]));
    printf("  %8s\n", "rel_cost");
}

/* Row i (0-based) of the table. */
static void print_table_row(const plan_sum *ps, size_t i, const sweep_trial *t) {
    char val[64];
    printf("%6zu  %-16s  %6zu", i + 1, t->id, t->repeat);
    for (size_t k = 0; k < ps->nsw; k++) {
        sweepcfg_param_format(ps->sw[k], sweepcfg_param_get(&t->hp, ps->sw[k]), val, sizeof val);
        printf("  %-*s", ps->width[ps->sw[k]], val);
    }
    printf("  %8.2f\n", ps->min_cost > 0.0 ? t->cost / ps->min_cost : 0.0);
}

static void print_table_foot(const plan_sum *ps) {
    char flops[32];
    const plan_estimate *est = ps->est;
    fmt_flops(ps->total, flops, sizeof flops);
    printf("\n%zu trials, total estimated cost %s (%.1f x the cheapest trial)\n", ps->n, flops,
           ps->min_cost > 0.0 ? ps->total / ps->min_cost : 0.0);
    if (est) {
        char a[32], b[32], c[32];
        plan_duration(est->makespan_s, a, sizeof a);
        plan_duration(est->lower_s, b, sizeof b);
        plan_duration(1.25 * est->makespan_s + 300.0, c, sizeof c);
        printf("on %zu ranks: about %s wall time (longest-first scheduling; lower bound %s) at %.3g GFLOP/s per "
               "rank, %s\n",
               est->ranks, a, b, est->flops_per_s / 1e9,
               est->calibrated ? "measured on the --from journal" : "assumed (uncalibrated: use --from DIR)");
        if (est->calibrated) printf("calibrated on %zu finished trials\n", est->calib_trials);
        printf("suggested Slurm --time: %s (estimate + 25 %% + 5 min; the run resumes if it is cut short)\n", c);
    }
}

static void print_json_head(const sweep_def *def, const plan_sum *ps) {
    char hash[17];
    const plan_estimate *est = ps->est;
    expand_id_string(def->hash, hash);
    printf("{\"name\":");
    json_str(stdout, def->name);
    printf(",\"file\":");
    json_str(stdout, def->file);
    printf(",\"hash\":\"%s\",\"output\":", hash);
    json_str(stdout, def->output);
    printf(",\"data\":");
    json_str(stdout, def->data_path);
    printf(",\"train_rows\":%zu,\"train_rows_estimated\":%s,\"metric\":\"%s\",\"repeats\":%zu,"
           "\"max_failures\":%zu,\"seed\":%llu,\"scheduler\":\"%s\",\"sampler\":\"%s\","
           "\"swept\":[",
           ps->train_rows, ps->rows_known ? "false" : "true", sweepcfg_metric_name(def->metric),
           def->repeats, def->max_failures, (unsigned long long)def->seed,
           def->scheduler.type == SWEEPCFG_SCHED_NONE ? "none"
           : def->scheduler.type == SWEEPCFG_SCHED_ASHA ? "asha"
           : def->scheduler.type == SWEEPCFG_SCHED_HYPERBAND ? "hyperband" : "median",
           def->sampler.type == SWEEPCFG_SAMPLER_TPE ? "tpe" : "random");
    for (size_t k = 0; k < ps->nsw; k++) printf("%s\"%s\"", k ? "," : "", sweepcfg_param_name(ps->sw[k]));
    printf("],\"n_trials\":%zu,\"total_cost_flops\":%.6g,", ps->n, ps->total);
    if (est)
        printf("\"estimate\":{\"ranks\":%zu,\"flops_per_s\":%.6g,\"calibrated\":%s,\"calibration_trials\":%zu,"
               "\"wall_s\":%.6g,\"lower_bound_s\":%.6g},",
               est->ranks, est->flops_per_s, est->calibrated ? "true" : "false", est->calib_trials, est->makespan_s,
               est->lower_s);
    printf("\"trials\":[");
}

static void print_json_row(const plan_sum *ps, size_t i, const sweep_trial *t) {
    printf("%s\n{\"id\":\"%s\",\"repeat\":%zu,\"seed\":%llu,\"cost_flops\":%.6g,"
           "\"relative_cost\":%.6g,\"params\":{",
           i ? "," : "", t->id, t->repeat, (unsigned long long)t->hp.seed, t->cost,
           ps->min_cost > 0.0 ? t->cost / ps->min_cost : 0.0);
    for (int p = 0; p < SWEEPCFG_NPARAMS; p++) {
        printf("%s\"%s\":", p ? "," : "", sweepcfg_param_name((sweepcfg_param)p));
        json_param(stdout, (sweepcfg_param)p, sweepcfg_param_get(&t->hp, (sweepcfg_param)p));
    }
    printf("}}");
}

/* A value whose width is already counted (plan_scan). */
typedef struct plan_memo {
    uint64_t bits;            /* the value's double bits */
    int p;                    /* its parameter */
    int used;                 /* the slot holds a value */
} plan_memo;

enum { PLAN_MEMO = 1 << 14 }; /* slots (a power of 2) */

/* First pass: count the trials, sum their costs, find the swept parameters and their
 * widths, gather the window settings and (secs != NULL) every trial's cost, holding one
 * trial at a time. Parameters set by the grid, a zip group or a random distribution are the
 * only ones that can differ, so only their values are formatted. 0 or the expansion's error. */
static int plan_scan(const sweep_def *def, plan_sum *ps, plan_windows *w, double **secs,
                     hs_error *err) {
    expand_iter it;
    int rc = expand_iter_init(&it, def, ps->rows_known ? ps->train_rows : 0, err);
    sweep_trial first, t;
    int differs[SWEEPCFG_NPARAMS] = {0};
    size_t cap = 0;
    char val[64];
    ps->min_cost = INFINITY;
    for (int p = 0; p < SWEEPCFG_NPARAMS; p++) ps->width[p] = (int)strlen(sweepcfg_param_name((sweepcfg_param)p));
    plan_memo *memo = calloc(PLAN_MEMO, sizeof *memo);  /* NULL: format every value */
    while (rc == 0 && (rc = expand_iter_next(&it, &t, err)) == 1) {
        rc = 0;
        if (ps->n == 0) first = t;
        for (int p = 0; p < SWEEPCFG_NPARAMS; p++) {
            sweepcfg_source src = def->source[p];
            if (src != SWEEPCFG_SRC_GRID && src != SWEEPCFG_SRC_ZIP && src != SWEEPCFG_SRC_RANDOM)
                continue;
            double v = sweepcfg_param_get(&t.hp, (sweepcfg_param)p);
            if (!differs[p] && !sweepcfg_param_equal((sweepcfg_param)p, v,
                                                     sweepcfg_param_get(&first.hp, (sweepcfg_param)p)))
                differs[p] = 1;
            /* grid values recur: format each distinct value once (a direct-mapped memo) */
            uint64_t bits;
            memcpy(&bits, &v, sizeof bits);
            size_t slot = (size_t)((rng_mix64(bits) ^ (uint64_t)p) & (PLAN_MEMO - 1));
            if (memo && memo[slot].used && memo[slot].p == p && memo[slot].bits == bits) continue;
            sweepcfg_param_format((sweepcfg_param)p, v, val, sizeof val);
            if ((int)strlen(val) > ps->width[p]) ps->width[p] = (int)strlen(val);
            if (memo) memo[slot] = (plan_memo){bits, p, 1};
        }
        plan_windows_add(w, &t.hp);
        ps->total += t.cost;
        if (t.cost < ps->min_cost) ps->min_cost = t.cost;
        if (secs) {
            if (ps->n == cap) {
                cap = cap ? 2 * cap : 1024;
                double *g = realloc(*secs, cap * sizeof *g);
                if (!g) {
                    rc = hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0, "out of memory");
                    break;
                }
                *secs = g;
            }
            (*secs)[ps->n] = t.cost;
        }
        ps->n++;
    }
    expand_iter_deinit(&it);
    free(memo);
    for (int p = 0; p < SWEEPCFG_NPARAMS; p++)
        if (differs[p]) ps->sw[ps->nsw++] = (sweepcfg_param)p;
    return rc;
}

/* Second pass: the same trials again, one row each. 0 or the expansion's error. */
static int plan_print(const sweep_def *def, const plan_sum *ps, int json, hs_error *err) {
    expand_iter it;
    int rc = expand_iter_init(&it, def, ps->rows_known ? ps->train_rows : 0, err);
    sweep_trial t;
    if (json) print_json_head(def, ps);
    else print_table_head(def, ps);
    for (size_t i = 0; rc == 0 && (rc = expand_iter_next(&it, &t, err)) == 1; i++) {
        rc = 0;
        if (json) print_json_row(ps, i, &t);
        else print_table_row(ps, i, &t);
    }
    expand_iter_deinit(&it);
    if (json) printf("\n]}\n");
    else print_table_foot(ps);
    return rc;
}

int cmd_plan(int argc, char **argv) {
    const char *path = NULL, *from = NULL;
    int json = 0;
    size_t ranks = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            plan_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--ranks") == 0) {
            const char *v = cli_value("plan", argc, argv, &i);
            if (!v || cli_parse_size("plan", "--ranks", v, 1, (size_t)1 << 24, &ranks) != 0) return 2;
        } else if (strcmp(argv[i], "--from") == 0) {
            if (!(from = cli_value("plan", argc, argv, &i))) return 2;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            static const char *const known[] = {"--help", "--json", "--ranks", "--from"};
            cli_unknown_flag("plan", argv[i], known, sizeof known / sizeof *known);
            plan_usage(stderr);
            return 2;
        } else if (path) {
            fprintf(stderr, "hsweep plan: one sweep file expected, got '%s' and '%s'\n", path,
                    argv[i]);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        plan_usage(stderr);
        return 2;
    }
    if (from && !ranks) {
        fprintf(stderr, "hsweep plan: --from calibrates --ranks: give --ranks P too\n");
        return 2;
    }
    sweep_def def;
    hs_error err;
    if (sweepcfg_load(&def, path, &err) != 0) {
        hs_error_print(&err, stderr);
        return 1;
    }
    size_t max_epochs = 0;
    if (cli_max_epochs("plan", 0, &max_epochs, &err) != 0) {
        hs_error_print(&err, stderr);
        sweepcfg_deinit(&def);
        return 2;
    }
    sweepcfg_cap_epochs(&def, max_epochs);
    size_t train_rows = EXPAND_NOMINAL_TRAIN_ROWS;
    int rows_known = 0;
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
#ifdef PLAN_HAVE_H5DATA
    if (h5data_load_meta(&ds, def.data_path, &err) != 0) {
        hs_error_print(&err, stderr);
        dataset_deinit(&ds);
        sweepcfg_deinit(&def);
        return 1;
    }
    train_rows = ds.n_train;
    rows_known = 1;
#endif
    /* two streamed passes over the trials: the plan never holds the whole list */
    plan_sum ps;
    memset(&ps, 0, sizeof ps);
    ps.train_rows = train_rows;
    ps.rows_known = rows_known;
    plan_windows w = {calloc(PLAN_MAX_SETTINGS, sizeof *w.set), 0};
    double *secs = NULL;
    int rc = w.set ? plan_scan(&def, &ps, &w, ranks ? &secs : NULL, &err)
                   : hs_error_set(&err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
    if (rc != 0) hs_error_print(&err, stderr);
    /* what `run` would reject: a window setting without a window in some split */
    if (rc == 0 && rows_known && plan_windows_check(path, &w, &ds) != 0) rc = 1;
    free(w.set);
    dataset_deinit(&ds);
    plan_estimate est = {ranks, PLAN_NOMINAL_FLOPS, 0, 0, 0.0, 0.0};
    if (rc == 0 && ranks && from && plan_calibrate(from, &est.flops_per_s, &est.calib_trials) != 0)
        rc = 1;
    est.calibrated = from != NULL;
    if (rc == 0 && ranks) {
        double longest = 0.0;
        for (size_t i = 0; i < ps.n; i++) {
            secs[i] /= est.flops_per_s;
            if (secs[i] > longest) longest = secs[i];
        }
        est.makespan_s = plan_makespan(secs, ps.n, ranks);
        est.lower_s = ps.total / est.flops_per_s / (double)ranks;
        if (longest > est.lower_s) est.lower_s = longest;
        ps.est = &est;
    }
    free(secs);
    if (rc == 0 && plan_print(&def, &ps, json, &err) != 0) {
        hs_error_print(&err, stderr);  /* cannot happen: the first pass saw the same trials */
        rc = 1;
    }
    sweepcfg_deinit(&def);
    return rc == 0 ? 0 : 1;
}
