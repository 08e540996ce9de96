/* cmd_train: `hsweep train data.h5 [flags]`, one trial on a prepared dataset.
 *
 * Resolves the hyperparameters from the defaults (hparams_default) and the flags, loads the
 * HDF5 file written by `hsweep prep`, runs trial_run and prints the Keras-style per-epoch
 * table and the final val/test MAE, or with --json one JSON object on stdout. Does not
 * sweep, checkpoint or use MPI. SIGINT/SIGTERM stop the trial at the next batch boundary
 * and the epochs finished so far are printed. Exit status: 0 trained, 1 failure or
 * diverged/stopped trial, 2 bad usage. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5data.h"
#include "io/hpfields.h"
#include "io/json.h"
#include "io/modelio.h"
#include "io/sweepcfg.h"
#include "model/hparams.h"
#include "io/htmlreport.h"
#include "io/journal.h"
#include "io/rundir.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/trial.h"

#define TRAIN_CMD "train"

/* Set by SIGINT/SIGTERM: the trial's stop flag (the one process-wide state a signal needs). */
static volatile int train_stop = 0;
static volatile int train_signal = 0; /* the signal that set train_stop, for the exit status */

static void train_on_signal(int sig) {
    train_signal = sig;
    train_stop = 1;
}

/* "--flag META" of registry row k, e.g. "--lr X", "--bidirectional". */
static void train_flag_text(size_t k, char *buf, size_t n) {
    const hs_hparam_info *pi = hparams_info(k);
    snprintf(buf, n, "%s%s%s", pi->flag, pi->metavar[0] ? " " : "", pi->metavar);
}

/* The default of registry row k as --help and the docs print it ("0.001", "off"). */
static void train_default_text(size_t k, char *buf, size_t n) {
    const hs_hparam_info *pi = hparams_info(k);
    if (pi->type == HS_HPT_BOOL) snprintf(buf, n, "%s", pi->def != 0.0 ? "on" : "off");
    else hparams_format_value(k, pi->def, buf, n);
}

/* One --help entry: "  --flag META" padded to 29 columns, then text wrapped at 90. */
static void train_usage_entry(FILE *f, const char *flag, const char *text) {
    enum { COL = 29, WIDTH = 90 };
    int col = fprintf(f, "  %s", flag);
    if (col >= COL - 1) { fprintf(f, "\n"); col = 0; }
    const char *p = text;
    while (*p) {
        const char *word = p;
        while (*p && *p != ' ') p++;
        int len = (int)(p - word);
        if (col > COL && col + 1 + len > WIDTH) { fprintf(f, "\n"); col = 0; }
        if (col < COL) col += fprintf(f, "%*s", COL - col, "");
        else col += fprintf(f, " ");
        col += fprintf(f, "%.*s", len, word);
        while (*p == ' ') p++;
    }
    fprintf(f, "\n");
}

/* The entries of one --help group, generated from the registry. */
static void train_usage_group(FILE *f, hs_hparam_group g) {
    for (size_t k = 0; k < HS_HP_COUNT; k++) {
        const hs_hparam_info *pi = hparams_info(k);
        if (pi->group != g) continue;
        char flag[64], def[64], range[64], text[512];
        train_flag_text(k, flag, sizeof flag);
        train_default_text(k, def, sizeof def);
        hparams_range_text(k, range, sizeof range);
        if (pi->type == HS_HPT_BOOL || pi->type == HS_HPT_CELL || pi->type == HS_HPT_OPTIMIZER ||
            pi->type == HS_HPT_U64)
            snprintf(text, sizeof text, "%s (default %s)", pi->help, def);
        else
            snprintf(text, sizeof text, "%s; %s (default %s)", pi->help, range, def);
        train_usage_entry(f, flag, text);
    }
}

static void train_usage(FILE *f) {
    fprintf(f,
            "usage: hsweep train DATA.h5 [flags]\n"
            "       hsweep train --config TRIAL.yaml [DATA.h5] [flags]\n"
            "\n"
            "Train one configuration on a dataset written by `hsweep prep` and print the\n"
            "per-epoch history (loss, mae, val_loss, val_mae) and the val/test MAE (°C) at the\n"
            "weights of the epoch with the lowest val_loss. Defaults are the Keras book's recipe.\n"
            "\n");
    train_usage_entry(f, "--config TRIAL.yaml",
                      "start from a YAML file holding one trial: `data` (path, relative to the "
                      "file, or {path, sequence_length, sampling_rate, horizon, batch_size}), "
                      "`seed` and any parameter with a single value; flags and DATA.h5 on the "
                      "command line override it");
    fprintf(f, "model:\n");
    train_usage_group(f, HS_HPG_MODEL);
    fprintf(f, "training:\n");
    train_usage_group(f, HS_HPG_TRAINING);
    fprintf(f, "windows (Keras timeseries_dataset_from_array):\n");
    train_usage_group(f, HS_HPG_WINDOWS);
    fprintf(f,
            "output:\n"
            "  --json                     print one JSON object on stdout (hparams, history,\n"
            "                             val/test MAE, status, best_epoch, n_params, wall_s);\n"
            "                             the per-epoch table goes to stderr\n"
            "  --quiet                    do not print the per-epoch table\n"
            "  --save MODEL.h5            write the best-val_loss weights as a model file (the\n"
            "                             format of a sweep's best_model.h5; for hsweep\n"
            "                             predict) when the trial finished ok\n"
            "  -h, --help                 show this help\n"
            "reproduce a sweep's trial:\n"
            "  --from DIR --trial ID      retrain trial ID (or a unique prefix) of the run\n"
            "                             directory DIR with its configuration and derived seed\n"
            "                             on the sweep's dataset (or DATA.h5), and check that val\n"
            "                             and test MAE equal the journal's, bit for bit\n"
            "\n"
            "Exit status: 0 trained (and, with --from, reproduced), 1 error, a diverged trial or a\n"
            "mismatch with the journal, 2 bad flags or --config file, 128+N stopped by signal N\n"
            "(130 for Ctrl-C).\n");
}

/* ---- the parameter tables of the docs ------------------------------------------------------ */

/* Markdown cell text: '|' escaped. */
static void train_md_cell(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputc('\\', f);
        fputc(*s, f);
    }
}

int cmd_help_params(int argc, char **argv) {
    const char *which = argc == 3 && strcmp(argv[1], "--markdown") == 0 ? argv[2] : NULL;
    if (!which || (strcmp(which, "train") != 0 && strcmp(which, "sweep-file") != 0)) {
        fprintf(stderr, "usage: hsweep help-params --markdown train|sweep-file\n");
        return 2;
    }
    int train = strcmp(which, "train") == 0;
    printf(train ? "| flag | meaning | valid values | default |\n|---|---|---|---|\n"
                 : "| parameter | type | valid values | default | meaning |\n"
                   "|---|---|---|---|---|\n");
    static const char *const type_word[] = {"integer", "real", "boolean", "name", "name",
                                            "integer"};
    for (size_t k = 0; k < HS_HP_COUNT; k++) {
        const hs_hparam_info *pi = hparams_info(k);
        if (!train && pi->role == HS_HPR_SEED) continue;
        char flag[64], def[64], range[64];
        train_flag_text(k, flag, sizeof flag);
        hparams_range_text(k, range, sizeof range);
        if (train) {
            train_default_text(k, def, sizeof def);
            printf("| `");
            train_md_cell(stdout, flag);
            printf("` | %s | %s | %s |\n", pi->help, range, def);
        } else {
            hparams_format_value(k, pi->def, def, sizeof def);
            if (pi->type == HS_HPT_BOOL) /* YAML spellings */
                snprintf(range, sizeof range, "true, false (also yes/no, on/off)");
            printf("| `%s` | %s | %s | %s | %s%s |\n", pi->name, type_word[pi->type], range, def,
                   pi->help, pi->role == HS_HPR_DATA ? " (also under `data:`)" : "");
        }
    }
    return 0;
}

/* ---- flag parsing ------------------------------------------------------------------------ */

typedef struct train_opts {
    hs_hparams hp;        /* resolved hyperparameters */
    const char *data;     /* DATA.h5 path (argv string or config_data) */
    char config_data[4096]; /* data path from --config, resolved against the file's dir */
    int json;             /* 1: JSON on stdout */
    int quiet;            /* 1: no per-epoch table */
    const char *save;     /* --save MODEL.h5: write the best weights there, or NULL */
    int help;             /* 1: --help given */
    const char *from;     /* --from DIR: a sweep's run directory, or NULL */
    const char *trial;    /* --trial ID: the trial of DIR to reproduce */
    size_t n_params;      /* parameter flags given (refused with --from) */
    journal_record rec;   /* --from: the journal record being reproduced (owns its history) */
    char from_data[4096]; /* --from: the dataset path from DIR/metadata.json */
} train_opts;

/* Registry parameter k from flag argv[*i] (and its value, advancing *i) into hp, within the
 * registry's bounds. Returns 0, or -1 after printing one line. */
static int train_parse_param(hs_hparams *hp, size_t k, int argc, char **argv, int *i) {
    const hs_hparam_info *pi = hparams_info(k);
    const char *a = pi->flag, *v = NULL;
    void *p = (char *)hp + pi->offset;
    if (!pi->metavar[0]) {                 /* a switch: sets the bool */
        *(int *)p = 1;
        return 0;
    }
    if (!(v = cli_value(TRAIN_CMD, argc, argv, i))) return -1;
    switch (pi->type) {
    case HS_HPT_CELL:
        if (hparams_parse_cell(v, p) == 0) return 0;
        fprintf(stderr, "hsweep " TRAIN_CMD ": %s: '%s' is not lstm, gru, dense or synthetic\n", a, v);
        return -1;
    case HS_HPT_OPTIMIZER:
        if (hparams_parse_optimizer(v, p) == 0) return 0;
        fprintf(stderr, "hsweep " TRAIN_CMD ": %s: '%s' is not rmsprop or adam\n", a, v);
        return -1;
    case HS_HPT_BOOL:
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
            *(int *)p = strcmp(v, "true") == 0;
            return 0;
        }
        fprintf(stderr, "hsweep " TRAIN_CMD ": %s: '%s' is not true or false\n", a, v);
        return -1;
    case HS_HPT_SIZE:
        return cli_parse_size(TRAIN_CMD, a, v, (size_t)pi->min, (size_t)pi->max, p);
    case HS_HPT_U64:
        return cli_parse_u64(TRAIN_CMD, a, v, p);
    case HS_HPT_FLOAT: {
        float *x = p;
        if (cli_parse_float(TRAIN_CMD, a, v, pi->min, pi->max, x) != 0) return -1;
        if (pi->bounds == HS_HPB_OPEN_HI && !((double)*x < pi->max)) {
            fprintf(stderr, "hsweep " TRAIN_CMD ": %s: must be below %g, got %s\n", a, pi->max, v);
            return -1;
        }
        if (pi->bounds == HS_HPB_OPEN_LO && !((double)*x > pi->min)) {
            fprintf(stderr, "hsweep " TRAIN_CMD ": %s: must be > %g, got %s\n", a, pi->min, v);
            return -1;
        }
        return 0;
    }
    }
    return -1;
}

/* --from DIR --trial ID: the configuration (with its derived seed) of trial ID (or a unique
 * prefix of at least 4 hex digits) from DIR/journal.jsonl into o->hp, the dataset from
 * DIR/metadata.json unless DATA.h5 was given; the record is kept in o->rec for the comparison.
 * 0, or -1 after printing one line. */
static int train_from(train_opts *o, const char *config) {
    if (!o->from || !o->trial) {
        fprintf(stderr, "hsweep " TRAIN_CMD ": --from DIR and --trial ID go together\n");
        return -1;
    }
    if (config || o->n_params) {
        fprintf(stderr, "hsweep " TRAIN_CMD ": --from reproduces the trial's own configuration: no --config or "
                        "parameter flags with it\n");
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", o->from, RUNDIR_JOURNAL);
    journal_record *recs = NULL;
    size_t n = 0, found = 0, L = strlen(o->trial);
    hs_error err;
    hs_error_clear(&err);
    if (journal_read(path, &recs, &n, NULL, &err) != 0) {
        hs_error_print(&err, stderr);
        return -1;
    }
    const journal_record *hit = NULL;
    for (size_t i = 0; i < n && L >= 4; i++)
        if (strncmp(recs[i].id, o->trial, L) == 0) {
            hit = &recs[i];
            found++;
        }
    int rc = 0;
    if (found != 1) {
        fprintf(stderr, "hsweep " TRAIN_CMD ": --trial %s: %s in %s\n", o->trial,
                found ? "more than one trial starts so" : "no such trial (at least 4 hex digits of an id)", path);
        rc = -1;
    } else if (journal_record_copy(&o->rec, hit, &err) != 0) {
        hs_error_print(&err, stderr);
        rc = -1;
    } else {
        o->hp = o->rec.hp;
        if (!o->data) {
            json_value *meta = NULL;
            const char *dp = NULL;
            if (htmlreport_load_metadata(o->from, &meta, &err) == 0) dp = htmlreport_meta_dataset(meta);
            if (dp) snprintf(o->from_data, sizeof o->from_data, "%s", dp);
            json_free(meta);
            if (!dp) {
                fprintf(stderr, "hsweep " TRAIN_CMD ": %s/metadata.json names no dataset: give DATA.h5\n", o->from);
                rc = -1;
            }
            o->data = o->from_data;
        }
    }
    journal_records_free(recs, n);
    return rc;
}

/* Returns 0, or -1 after printing one line. --config is applied first, whatever its
 * position, so the other flags override it. */
static int train_parse(train_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    hparams_default(&o->hp);
    hs_hparams *hp = &o->hp;
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            o->help = 1;
            return 0;
        }
        if (strcmp(argv[i], "--config") == 0) {
            if (config) {
                fprintf(stderr, "hsweep " TRAIN_CMD ": --config given twice\n");
                return -1;
            }
            if (!(config = cli_value(TRAIN_CMD, argc, argv, &i))) return -1;
        }
    }
    if (config) {
        hs_error err;
        if (trialcfg_load(config, hp, o->config_data, sizeof o->config_data, &err) != 0) {
            hs_error_print(&err, stderr);
            return -1;
        }
        o->data = o->config_data;
    }
    const char *positional = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--config") == 0) {
            i++; /* applied above */
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else if (strcmp(a, "--save") == 0) {
            if (!(o->save = cli_value(TRAIN_CMD, argc, argv, &i))) return -1;
        } else if (strcmp(a, "--from") == 0) {
            if (!(o->from = cli_value(TRAIN_CMD, argc, argv, &i))) return -1;
        } else if (strcmp(a, "--trial") == 0) {
            if (!(o->trial = cli_value(TRAIN_CMD, argc, argv, &i))) return -1;
        } else if (a[0] == '-' && a[1] != '\0') {
            size_t k = 0;
            while (k < HS_HP_COUNT && strcmp(a, hparams_info(k)->flag) != 0) k++;
            if (k == HS_HP_COUNT) {
                static const char *const extra[] = {"--help", "--config", "--json", "--quiet", "--save", "--from",
                                                    "--trial"};
                enum { NX = sizeof extra / sizeof *extra };
                const char *known[HS_HP_COUNT + NX];
                for (size_t j = 0; j < HS_HP_COUNT; j++) known[j] = hparams_info(j)->flag;
                for (size_t j = 0; j < NX; j++) known[HS_HP_COUNT + j] = extra[j];
                cli_unknown_flag(TRAIN_CMD, a, known, HS_HP_COUNT + NX);
                return -1;
            }
            if (train_parse_param(hp, k, argc, argv, &i) != 0) return -1;
            o->n_params++;
        } else if (!positional) {
            positional = a;
        } else {
            fprintf(stderr, "hsweep " TRAIN_CMD ": unexpected argument '%s' (one DATA.h5 only)\n",
                    a);
            return -1;
        }
    }
    if (positional) o->data = positional;
    if (o->from || o->trial) return train_from(o, config);
    if (!o->data) {
        fprintf(stderr, "hsweep " TRAIN_CMD ": missing DATA.h5 (see hsweep train --help)\n");
        return -1;
    }
    hs_error err;
    if (trial_check_hparams(hp, &err) != 0) {
        fprintf(stderr, "hsweep " TRAIN_CMD ": %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* ---- output ------------------------------------------------------------------------------ */

/* Keras' verbose=2 epoch line, e.g. "Epoch 3/10 - 12s - loss: 9.8 - mae: 2.4 - ...". */
static int train_print_epoch(const trial_progress *p, void *ctx) {
    FILE *f = ctx;
    fprintf(f, "Epoch %zu/%zu - %.0fs - loss: %.4f - mae: %.4f - val_loss: %.4f - val_mae: %.4f\n",
            p->epoch, p->epochs, p->e->wall_s, p->e->loss, p->e->mae, p->e->val_loss,
            p->e->val_mae);
    fflush(f);
    return 0;
}

/* The --json object: data, hparams, status, metrics at the best weights, history. */
static void train_print_json(FILE *f, const train_opts *o, const trial_result *res) {
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    json_begin_object(&w);
    json_key(&w, "data");
    json_string(&w, o->data);
    json_key(&w, "hparams");
    hpfields_write_json(&w, &o->hp);
    json_key(&w, "status");
    json_string(&w, trial_status_name(res->status));
    json_key(&w, "reason");
    json_string(&w, res->reason);
    json_key(&w, "n_params");
    json_u64(&w, res->n_params);
    json_key(&w, "n_windows");
    json_begin_object(&w);
    static const char *const split[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; s++) {
        json_key(&w, split[s]);
        json_u64(&w, res->n_windows[s]);
    }
    json_end_object(&w);
    json_key(&w, "epochs_run");
    json_u64(&w, res->epochs_run);
    json_key(&w, "best_epoch");
    json_u64(&w, res->best_epoch);
    json_key(&w, "val_loss");
    json_double(&w, res->val_loss);
    json_key(&w, "val_mae");
    json_double(&w, res->val_mae);
    json_key(&w, "test_mae");
    json_double(&w, res->test_mae);
    json_key(&w, "wall_s");
    json_double(&w, res->wall_s);
    json_key(&w, "history");
    json_begin_array(&w);
    for (size_t i = 0; i < res->epochs_run; i++) {
        const trial_epoch *e = &res->history[i];
        json_begin_object(&w);
        json_key(&w, "epoch");
        json_u64(&w, i + 1);
        json_key(&w, "loss");
        json_double(&w, e->loss);
        json_key(&w, "mae");
        json_double(&w, e->mae);
        json_key(&w, "val_loss");
        json_double(&w, e->val_loss);
        json_key(&w, "val_mae");
        json_double(&w, e->val_mae);
        json_key(&w, "wall_s");
        json_double(&w, e->wall_s);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    if (strbuf_failed(&sb)) fprintf(stderr, "hsweep " TRAIN_CMD ": out of memory writing JSON\n");
    else fprintf(f, "%s\n", strbuf_str(&sb));
    strbuf_deinit(&sb);
}

/* ---- entry point ------------------------------------------------------------------------- */

int cmd_train(int argc, char **argv) {
    train_opts o;
    if (train_parse(&o, argc, argv) != 0) return 2;
    if (o.save && !cli_can_write(TRAIN_CMD, o.save)) return 1; /* before training, not after */
    if (o.help) {
        train_usage(stdout);
        return 0;
    }
    size_t max_epochs = 0;   /* HSWEEP_MAX_EPOCHS; not for --from, which must reproduce */
    hs_error merr;
    if (!o.from && cli_max_epochs(TRAIN_CMD, o.quiet, &max_epochs, &merr) != 0) {
        hs_error_print(&merr, stderr);
        journal_record_deinit(&o.rec);
        return 2;
    }
    if (max_epochs && o.hp.epochs > max_epochs) o.hp.epochs = max_epochs;
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    hs_error err;
    hs_error_clear(&err);
    if (h5data_load(&ds, o.data, &err) != 0) {
        hs_error_print(&err, stderr);
        journal_record_deinit(&o.rec);
        return 1;
    }
    FILE *table = o.json ? stderr : stdout;
    if (!o.quiet)
        fprintf(table, "%s(%zu) x%zu%s, %s lr %g, batch %zu, %zu epochs on %s\n",
                hparams_cell_name(o.hp.cell), o.hp.units, o.hp.layers,
                o.hp.bidirectional ? " bidir" : "", hparams_optimizer_name(o.hp.optimizer),
                (double)o.hp.learning_rate, o.hp.batch_size, o.hp.epochs, o.data);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = train_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    trial_hooks hooks = {.on_epoch = o.quiet ? NULL : train_print_epoch, .ctx = table,
                         .stop = &train_stop};
    trial_result res;
    int rc = trial_run(&res, &o.hp, &ds, &hooks, &err);
    if (rc != 0) {
        dataset_deinit(&ds);
        journal_record_deinit(&o.rec);
        hs_error_print(&err, stderr);
        return 1;
    }
    int save_rc = 0;
    if (o.save && res.status == TRIAL_OK && res.best_params) {
        /* the model file borrows the dataset's names and normalisation statistics */
        modelio_meta m;
        modelio_meta_borrow(&m, &o.hp, &ds, o.from ? o.rec.id : NULL);   /* --from: the trial it is */
        m.val_mae = res.val_mae;
        m.val_loss = res.val_loss;
        m.test_mae = res.test_mae;
        m.best_epoch = res.best_epoch;
        save_rc = modelio_save(o.save, &m, res.best_params, res.n_params, &err);
        if (save_rc != 0) hs_error_print(&err, stderr);
    }
    dataset_deinit(&ds);
    if (o.json) {
        train_print_json(stdout, &o, &res);
    } else {
        printf("%zu params; windows train %zu, val %zu, test %zu\n", res.n_params,
               res.n_windows[0], res.n_windows[1], res.n_windows[2]);
        printf("status: %s%s%s\n", trial_status_name(res.status), res.reason[0] ? " - " : "",
               res.reason);
        if (res.best_epoch > 0 && res.status == TRIAL_STOPPED)
            printf("best epoch %zu/%zu: val_loss %.4f - val_mae %.4f - test_mae not measured "
                   "(stopped) (%.1f s)\n", res.best_epoch, res.epochs_run, res.val_loss,
                   res.val_mae, res.wall_s);
        else if (res.best_epoch > 0)
            printf("best epoch %zu/%zu: val_loss %.4f - val_mae %.4f - test_mae %.4f (%.1f s)\n",
                   res.best_epoch, res.epochs_run, res.val_loss, res.val_mae, res.test_mae,
                   res.wall_s);
    }
    if (o.save && save_rc == 0 && res.status == TRIAL_OK && !o.json)
        printf("model: %s\n", o.save);
    int status = res.status == TRIAL_OK && save_rc == 0 ? 0 : 1;
    if (res.status != TRIAL_OK) fprintf(stderr, "hsweep " TRAIN_CMD ": %s\n", res.reason);
    if (o.from && res.status == TRIAL_OK) {
        /* the reproduction must give exactly the journal's numbers */
        const journal_record *r = &o.rec;
        int same = res.val_mae == r->val_mae && res.test_mae == r->test_mae && res.val_loss == r->val_loss &&
                   res.best_epoch == r->best_epoch && res.epochs_run == r->epochs_run;
        fprintf(o.json ? stderr : stdout,
                "%s trial %s of %s: val_mae %.17g (journal %.17g), test_mae %.17g (journal %.17g)%s\n",
                same ? "reproduces" : "DOES NOT reproduce", r->id, o.from, res.val_mae, r->val_mae, res.test_mae,
                r->test_mae, same ? ", bit-identical" : "");
        if (!same) status = 1;
    }
    if (o.from) journal_record_deinit(&o.rec);
    if (res.status == TRIAL_STOPPED && train_signal) status = 128 + train_signal; /* 130 for SIGINT */
    trial_result_deinit(&res);
    return status;
}
