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
#include "sweep/cli.h"
#include "sweep/cmd.h"
#include "sweep/trial.h"

#define TRAIN_CMD "train"

/* Set by SIGINT/SIGTERM: the trial's stop flag (the one process-wide state a signal needs). */
static volatile int train_stop = 0;

static void train_on_signal(int sig) {
    (void)sig;
    train_stop = 1;
}

static void train_usage(FILE *f) {
    hs_hparams d;
    hparams_default(&d);
    fprintf(f,
            "usage: hsweep train DATA.h5 [flags]\n"
            "       hsweep train --config TRIAL.yaml [DATA.h5] [flags]\n"
            "\n"
            "Train one configuration on a dataset written by `hsweep prep` and print the\n"
            "per-epoch history (loss, mae, val_loss, val_mae) and the val/test MAE (°C) at the\n"
            "weights of the epoch with the lowest val_loss. Defaults are the Keras book's recipe.\n"
            "\n"
            "  --config TRIAL.yaml        start from a YAML file holding one trial: `data` (path,\n"
            "                             relative to the file, or {path, sequence_length,\n"
            "                             sampling_rate, horizon, batch_size}), `seed` and any\n"
            "                             parameter with a single value; flags and DATA.h5 on\n"
            "                             the command line override it\n"
            "model:\n"
            "  --cell lstm|gru|dense      layer type (default %s)\n"
            "  --units N                  hidden units per layer (default %zu)\n"
            "  --layers N                 stacked recurrent / hidden dense layers (default %zu)\n"
            "  --dropout P                input dropout of each recurrent layer, mask fixed over\n"
            "                             time; dense: dropout after each hidden layer (default 0)\n"
            "  --recurrent-dropout P      dropout on h(t-1), one mask per gate (default 0)\n"
            "  --head-dropout P           dropout on the last hidden state before Dense(1)\n"
            "                             (default 0)\n"
            "  --bidirectional            wrap each recurrent layer in Bidirectional (concat)\n"
            "training:\n"
            "  --optimizer rmsprop|adam   update rule (default %s)\n"
            "  --lr X                     learning rate (default %g)\n"
            "  --batch-size N             windows per batch (default %zu)\n"
            "  --epochs N                 maximum epochs (default %zu)\n"
            "  --patience N               early stopping after N epochs without a lower\n"
            "                             val_loss; 0 = off (default %zu)\n"
            "  --clip X                   clip the global gradient norm to X; 0 = off (default 0)\n"
            "  --seed N                   seed of the trial's rng: init, shuffle, dropout\n"
            "                             (default %llu)\n"
            "windows (Keras timeseries_dataset_from_array):\n"
            "  --sequence-length N        time steps per window (default %zu)\n"
            "  --sampling-rate N          rows between time steps (default %zu)\n"
            "  --horizon N                target N steps (of sampling-rate rows) after the last\n"
            "                             input (default %zu: delay = rate*(length+horizon-1))\n"
            "output:\n"
            "  --json                     print one JSON object on stdout (hparams, history,\n"
            "                             val/test MAE, status, best_epoch, n_params, wall_s);\n"
            "                             the per-epoch table goes to stderr\n"
            "  --quiet                    do not print the per-epoch table\n"
            "  --save MODEL.h5            write the best-val_loss weights as a model file (the\n"
            "                             format of a sweep's best_model.h5; for hsweep\n"
            "                             predict) when the trial finished ok\n"
            "  -h, --help                 show this help\n"
            "\n"
            "Exit status: 0 trained, 1 error or a diverged trial, 2 bad flags or --config file.\n",
            hparams_cell_name(d.cell), d.units, d.layers, hparams_optimizer_name(d.optimizer),
            (double)d.learning_rate, d.batch_size, d.epochs, d.patience,
            (unsigned long long)d.seed, d.sequence_length, d.sampling_rate, d.horizon);
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
} train_opts;

/* A rate in [0, 1). */
static int train_parse_rate(const char *flag, const char *s, float *out) {
    if (cli_parse_float(TRAIN_CMD, flag, s, 0.0, 1.0, out) != 0) return -1;
    if (*out >= 1.0f) {
        fprintf(stderr, "hsweep " TRAIN_CMD ": %s: must be below 1, got %s\n", flag, s);
        return -1;
    }
    return 0;
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
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--config") == 0) {
            i++; /* applied above */
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else if (strcmp(a, "--bidirectional") == 0) {
            hp->bidirectional = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            /* every remaining flag takes a value */
            static const char *valued[] = {
                "--cell", "--units", "--layers", "--dropout", "--recurrent-dropout",
                "--head-dropout", "--optimizer", "--lr", "--batch-size", "--epochs",
                "--patience", "--clip", "--sequence-length", "--sampling-rate", "--horizon",
                "--seed", "--save"};
            int known = 0;
            for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
                if (strcmp(a, valued[k]) == 0) known = 1;
            if (!known) {
                fprintf(stderr, "hsweep " TRAIN_CMD ": unknown flag '%s' (see hsweep train --help)\n",
                        a);
                return -1;
            }
            if (!(v = cli_value(TRAIN_CMD, argc, argv, &i))) return -1;
            int rc = 0;
            if (strcmp(a, "--cell") == 0) {
                if (hparams_parse_cell(v, &hp->cell) != 0) {
                    fprintf(stderr, "hsweep " TRAIN_CMD ": --cell: '%s' is not lstm, gru or dense\n",
                            v);
                    rc = -1;
                }
            } else if (strcmp(a, "--optimizer") == 0) {
                if (hparams_parse_optimizer(v, &hp->optimizer) != 0) {
                    fprintf(stderr,
                            "hsweep " TRAIN_CMD ": --optimizer: '%s' is not rmsprop or adam\n", v);
                    rc = -1;
                }
            } else if (strcmp(a, "--units") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 4096, &hp->units);
            } else if (strcmp(a, "--layers") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 64, &hp->layers);
            } else if (strcmp(a, "--dropout") == 0) {
                rc = train_parse_rate(a, v, &hp->dropout);
            } else if (strcmp(a, "--recurrent-dropout") == 0) {
                rc = train_parse_rate(a, v, &hp->recurrent_dropout);
            } else if (strcmp(a, "--head-dropout") == 0) {
                rc = train_parse_rate(a, v, &hp->head_dropout);
            } else if (strcmp(a, "--lr") == 0) {
                rc = cli_parse_float(TRAIN_CMD, a, v, 0.0, 1e38, &hp->learning_rate);
                if (rc == 0 && !(hp->learning_rate > 0.0f)) {
                    fprintf(stderr, "hsweep " TRAIN_CMD ": --lr: must be > 0, got %s\n", v);
                    rc = -1;
                }
            } else if (strcmp(a, "--batch-size") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 1u << 20, &hp->batch_size);
            } else if (strcmp(a, "--epochs") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 1000000, &hp->epochs);
            } else if (strcmp(a, "--patience") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 0, 1000000, &hp->patience);
            } else if (strcmp(a, "--clip") == 0) {
                rc = cli_parse_float(TRAIN_CMD, a, v, 0.0, 1e9, &hp->clip);
            } else if (strcmp(a, "--sequence-length") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 100000, &hp->sequence_length);
            } else if (strcmp(a, "--sampling-rate") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 100000, &hp->sampling_rate);
            } else if (strcmp(a, "--horizon") == 0) {
                rc = cli_parse_size(TRAIN_CMD, a, v, 1, 1000000, &hp->horizon);
            } else if (strcmp(a, "--seed") == 0) {
                rc = cli_parse_u64(TRAIN_CMD, a, v, &hp->seed);
            } else if (strcmp(a, "--save") == 0) {
                o->save = v;
            }
            if (rc != 0) return -1;
        } else if (!positional) {
            positional = a;
        } else {
            fprintf(stderr, "hsweep " TRAIN_CMD ": unexpected argument '%s' (one DATA.h5 only)\n",
                    a);
            return -1;
        }
    }
    if (positional) o->data = positional;
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
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    hs_error err;
    hs_error_clear(&err);
    if (h5data_load(&ds, o.data, &err) != 0) {
        hs_error_print(&err, stderr);
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
        hs_error_print(&err, stderr);
        return 1;
    }
    int save_rc = 0;
    if (o.save && res.status == TRIAL_OK && res.best_params) {
        /* the model file borrows the dataset's names and normalisation statistics */
        modelio_meta m;
        modelio_meta_borrow(&m, &o.hp, &ds, NULL);
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
    trial_result_deinit(&res);
    return status;
}
