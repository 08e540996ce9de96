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

/* Every window setting of the trials must have a complete window in each split, as `run`
 * checks per trial. Prints one line per failing setting (with its trial count); 0 or 1.
 * O(trials x settings): the settings (sequence_length, sampling_rate, delay) are few. */
static int plan_check_windows(const char *file, const sweep_trial *t, size_t n, const hs_dataset *ds) {
    enum { MAXSET = 4096 };
    static const size_t none = (size_t)-1;
    size_t (*set)[4] = calloc(MAXSET, sizeof *set); /* seq_len, rate, delay, trials */
    size_t ns = 0;
    int bad = 0;
    if (!set) return 1;
    for (size_t i = 0; i < n; i++) {
        size_t L = t[i].hp.sequence_length, r = t[i].hp.sampling_rate, d = hparams_delay(&t[i].hp), k = none;
        for (size_t j = 0; j < ns && k == none; j++)
            if (set[j][0] == L && set[j][1] == r && set[j][2] == d) k = j;
        if (k == none && ns < MAXSET) {
            k = ns++;
            set[k][0] = L;
            set[k][1] = r;
            set[k][2] = d;
        }
        if (k != none) set[k][3]++;
    }
    for (size_t j = 0; j < ns; j++) {
        window_spec spec = {.seq_len = set[j][0], .rate = set[j][1], .delay = set[j][2], .batch = 1};
        window_plan wp;
        hs_error err;
        if (window_plan_make(&wp, &spec, ds->n_rows, ds->n_train, ds->n_val, ds->n_features, &err) != 0) {
            fprintf(stderr, "%s: %s (%zu trial%s would fail in `hsweep run`)\n", file, err.msg, set[j][3],
                    set[j][3] == 1 ? "" : "s");
            bad = 1;
        }
    }
    free(set);
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

static void print_table(const sweep_def *def, const sweep_trial *t, size_t n,
                        const sweepcfg_param *sw, size_t nsw, double min_cost, double total,
                        size_t train_rows, int rows_known, const plan_estimate *est) {
    char hash[17], flops[32];
    expand_id_string(def->hash, hash);
    printf("sweep %s (%s), hash %s\n", def->name, def->file, hash);
    if (rows_known)
        printf("dataset %s: %zu training rows\n", def->data_path, train_rows);
    else
        printf("dataset %s: training rows not read (io/h5data not in this build); costs "
               "estimated with a nominal %zu rows\n",
               def->data_path, train_rows);
    printf("output %s\nmetric %s (minimised), repeats %zu, max_failures ", def->output,
           sweepcfg_metric_name(def->metric), def->repeats);
    if (def->max_failures) printf("%zu\n", def->max_failures);
    else printf("unlimited\n");
    print_search(def);
    printf("swept:");
    for (size_t k = 0; k < nsw; k++) printf(" %s", sweepcfg_param_name(sw[k]));
    printf("%s\n\n", nsw ? "" : " (nothing: one configuration)");

    int w[SWEEPCFG_NPARAMS];
    char val[64];
    printf("%6s  %-16s  %6s", "#", "id", "repeat");
    for (size_t k = 0; k < nsw; k++) {
        w[k] = (int)strlen(sweepcfg_param_name(sw[k]));
        for (size_t i = 0; i < n; i++) {
            sweepcfg_param_format(sw[k], sweepcfg_param_get(&t[i].hp, sw[k]), val, sizeof val);
            if ((int)strlen(val) > w[k]) w[k] = (int)strlen(val);
        }
        printf("  %-*s", w[k], sweepcfg_param_name(sw[k]));
    }
    printf("  %8s\n", "rel_cost");
    for (size_t i = 0; i < n; i++) {
        printf("%6zu  %-16s  %6zu", i + 1, t[i].id, t[i].repeat);
        for (size_t k = 0; k < nsw; k++) {
            sweepcfg_param_format(sw[k], sweepcfg_param_get(&t[i].hp, sw[k]), val, sizeof val);
            printf("  %-*s", w[k], val);
        }
        printf("  %8.2f\n", min_cost > 0.0 ? t[i].cost / min_cost : 0.0);
    }
    fmt_flops(total, flops, sizeof flops);
    printf("\n%zu trials, total estimated cost %s (%.1f x the cheapest trial)\n", n, flops,
           min_cost > 0.0 ? total / min_cost : 0.0);
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

static void print_json(const sweep_def *def, const sweep_trial *t, size_t n,
                       const sweepcfg_param *sw, size_t nsw, double min_cost, double total,
                       size_t train_rows, int rows_known, const plan_estimate *est) {
    char hash[17];
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
           train_rows, rows_known ? "false" : "true", sweepcfg_metric_name(def->metric),
           def->repeats, def->max_failures, (unsigned long long)def->seed,
           def->scheduler.type == SWEEPCFG_SCHED_NONE ? "none"
           : def->scheduler.type == SWEEPCFG_SCHED_ASHA ? "asha"
           : def->scheduler.type == SWEEPCFG_SCHED_HYPERBAND ? "hyperband" : "median",
           def->sampler.type == SWEEPCFG_SAMPLER_TPE ? "tpe" : "random");
    for (size_t k = 0; k < nsw; k++) printf("%s\"%s\"", k ? "," : "", sweepcfg_param_name(sw[k]));
    printf("],\"n_trials\":%zu,\"total_cost_flops\":%.6g,", n, total);
    if (est)
        printf("\"estimate\":{\"ranks\":%zu,\"flops_per_s\":%.6g,\"calibrated\":%s,\"calibration_trials\":%zu,"
               "\"wall_s\":%.6g,\"lower_bound_s\":%.6g},",
               est->ranks, est->flops_per_s, est->calibrated ? "true" : "false", est->calib_trials, est->makespan_s,
               est->lower_s);
    printf("\"trials\":[");
    for (size_t i = 0; i < n; i++) {
        printf("%s\n{\"id\":\"%s\",\"repeat\":%zu,\"seed\":%llu,\"cost_flops\":%.6g,"
               "\"relative_cost\":%.6g,\"params\":{",
               i ? "," : "", t[i].id, t[i].repeat, (unsigned long long)t[i].hp.seed, t[i].cost,
               min_cost > 0.0 ? t[i].cost / min_cost : 0.0);
        for (int p = 0; p < SWEEPCFG_NPARAMS; p++) {
            printf("%s\"%s\":", p ? "," : "", sweepcfg_param_name((sweepcfg_param)p));
            json_param(stdout, (sweepcfg_param)p, sweepcfg_param_get(&t[i].hp, (sweepcfg_param)p));
        }
        printf("}}");
    }
    printf("\n]}\n");
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
    sweep_trial *t = NULL;
    size_t n = 0;
    if (expand_trials(&def, rows_known ? train_rows : 0, &t, &n, &err) != 0) {
        hs_error_print(&err, stderr);
        dataset_deinit(&ds);
        sweepcfg_deinit(&def);
        return 1;
    }
    /* what `run` would reject: a window setting without a window in some split */
    if (rows_known && plan_check_windows(path, t, n, &ds) != 0) {
        expand_free(t);
        dataset_deinit(&ds);
        sweepcfg_deinit(&def);
        return 1;
    }
    dataset_deinit(&ds);
    plan_estimate est = {ranks, PLAN_NOMINAL_FLOPS, 0, 0, 0.0, 0.0};
    if (ranks && from && plan_calibrate(from, &est.flops_per_s, &est.calib_trials) != 0) {
        expand_free(t);
        sweepcfg_deinit(&def);
        return 1;
    }
    est.calibrated = from != NULL;
    sweepcfg_param sw[SWEEPCFG_NPARAMS];
    size_t nsw = expand_swept(t, n, sw);
    double total = 0.0, min_cost = INFINITY;
    for (size_t i = 0; i < n; i++) {
        total += t[i].cost;
        if (t[i].cost < min_cost) min_cost = t[i].cost;
    }
    if (ranks) {
        double *secs = malloc((n ? n : 1) * sizeof *secs), longest = 0.0;
        if (!secs) {
            expand_free(t);
            sweepcfg_deinit(&def);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            secs[i] = t[i].cost / est.flops_per_s;
            if (secs[i] > longest) longest = secs[i];
        }
        est.makespan_s = plan_makespan(secs, n, ranks);
        est.lower_s = total / est.flops_per_s / (double)ranks;
        if (longest > est.lower_s) est.lower_s = longest;
        free(secs);
    }
    if (json) print_json(&def, t, n, sw, nsw, min_cost, total, train_rows, rows_known, ranks ? &est : NULL);
    else print_table(&def, t, n, sw, nsw, min_cost, total, train_rows, rows_known, ranks ? &est : NULL);
    expand_free(t);
    sweepcfg_deinit(&def);
    return 0;
}
