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

#include "io/sweepcfg.h"
#include "sweep/asha.h"
#include "sweep/cmd.h"
#include "sweep/expand.h"

#if defined(__has_include)
#if __has_include("io/h5data.h")
#include "io/h5data.h"
#define PLAN_HAVE_H5DATA 1
#endif
#endif

static void plan_usage(FILE *f) {
    fprintf(f,
            "usage: hsweep plan [--json] SWEEP.yaml\n\n"
            "Validate a sweep file and print the trials it expands to, without running them:\n"
            "id, repeat, the swept parameters and the relative estimated cost of each trial,\n"
            "then the trial count, the total estimated cost (training FLOPs), the output\n"
            "directory and the sweep hash.\n\n"
            "  --json      print one JSON object instead of the table\n"
            "  -h, --help  show this help\n\n"
            "Exit status: 0 valid sweep, 1 invalid sweep or dataset (file:line:col: message),\n"
            "2 bad usage.\n");
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
                        size_t train_rows, int rows_known) {
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
}

static void print_json(const sweep_def *def, const sweep_trial *t, size_t n,
                       const sweepcfg_param *sw, size_t nsw, double min_cost, double total,
                       size_t train_rows, int rows_known) {
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
    printf("],\"n_trials\":%zu,\"total_cost_flops\":%.6g,\"trials\":[", n, total);
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
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            plan_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "hsweep plan: unknown flag '%s'\n", argv[i]);
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
    sweep_def def;
    hs_error err;
    if (sweepcfg_load(&def, path, &err) != 0) {
        hs_error_print(&err, stderr);
        return 1;
    }
    size_t train_rows = EXPAND_NOMINAL_TRAIN_ROWS;
    int rows_known = 0;
#ifdef PLAN_HAVE_H5DATA
    {
        hs_dataset ds;
        memset(&ds, 0, sizeof ds);
        if (h5data_load_meta(&ds, def.data_path, &err) != 0) {
            hs_error_print(&err, stderr);
            dataset_deinit(&ds);
            sweepcfg_deinit(&def);
            return 1;
        }
        train_rows = ds.n_train;
        rows_known = 1;
        dataset_deinit(&ds);
    }
#endif
    sweep_trial *t = NULL;
    size_t n = 0;
    if (expand_trials(&def, rows_known ? train_rows : 0, &t, &n, &err) != 0) {
        hs_error_print(&err, stderr);
        sweepcfg_deinit(&def);
        return 1;
    }
    sweepcfg_param sw[SWEEPCFG_NPARAMS];
    size_t nsw = expand_swept(t, n, sw);
    double total = 0.0, min_cost = INFINITY;
    for (size_t i = 0; i < n; i++) {
        total += t[i].cost;
        if (t[i].cost < min_cost) min_cost = t[i].cost;
    }
    if (json) print_json(&def, t, n, sw, nsw, min_cost, total, train_rows, rows_known);
    else print_table(&def, t, n, sw, nsw, min_cost, total, train_rows, rows_known);
    expand_free(t);
    sweepcfg_deinit(&def);
    return 0;
}
