/* cmd_baseline: `hsweep baseline data.h5`: persistence MAE on the val and test splits
 * (sweep/baseline.h). Loads the dataset, plans the Keras windows, prints the figures. */
#include <stdio.h>
#include <string.h>

#include "io/h5data.h"
#include "io/window.h"
#include "model/hparams.h"
#include "sweep/baseline.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"

static void cmd_baseline_usage(FILE *f) {
    fprintf(f,
            "usage: hsweep baseline DATA.h5 [options]\n\n"
            "Common-sense baseline of the Keras book: predict that the target `horizon` steps\n"
            "after a window equals its value at the window's last step. Prints the mean\n"
            "absolute error over all windows of the validation and test splits.\n\n"
            "options:\n"
            "  --sequence-length L   time steps per window (default 120)\n"
            "  --sampling-rate R     rows between time steps (default 6: hourly)\n"
            "  --horizon H           target is H steps of R rows after the last input\n"
            "                        (default 24; delay = R*(L+H-1) rows)\n"
            "  --json                print {\"val_mae\": .., \"test_mae\": .., \"windows\":\n"
            "                        {\"train\": n, \"val\": n, \"test\": n}}\n"
            "  -h, --help            show this help\n");
}

int cmd_baseline(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    hs_hparams hp;
    hparams_default(&hp);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cmd_baseline_usage(stdout);
            return 0;
        } else if (strcmp(a, "--sequence-length") == 0) {
            if (!(v = cli_value("baseline", argc, argv, &i)) ||
                cli_parse_size("baseline", a, v, 1, 100000, &hp.sequence_length))
                return 2;
        } else if (strcmp(a, "--sampling-rate") == 0) {
            if (!(v = cli_value("baseline", argc, argv, &i)) ||
                cli_parse_size("baseline", a, v, 1, 100000, &hp.sampling_rate))
                return 2;
        } else if (strcmp(a, "--horizon") == 0) {
            if (!(v = cli_value("baseline", argc, argv, &i)) ||
                cli_parse_size("baseline", a, v, 1, 100000, &hp.horizon))
                return 2;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            static const char *const known[] = {"--help", "--sequence-length", "--sampling-rate", "--horizon", "--json"};
            cli_unknown_flag("baseline", a, known, sizeof known / sizeof *known);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "hsweep baseline: more than one dataset ('%s', '%s')\n", path, a);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "hsweep baseline: missing dataset (usage: hsweep baseline DATA.h5)\n");
        return 2;
    }
    hs_dataset ds;
    hs_error err;
    hs_error_clear(&err);
    if (h5data_load(&ds, path, &err)) {
        hs_error_print(&err, stderr);
        return 1;
    }
    window_spec spec = {.seq_len = hp.sequence_length, .rate = hp.sampling_rate,
                        .delay = hparams_delay(&hp), .batch = hp.batch_size};
    window_plan wp;
    if (window_plan_make(&wp, &spec, ds.n_rows, ds.n_train, ds.n_val, ds.n_features, &err)) {
        snprintf(err.file, sizeof err.file, "%s", path);
        hs_error_print(&err, stderr);
        dataset_deinit(&ds);
        return 1;
    }
    double val = baseline_mae(&ds, &wp, WINDOW_VAL), test = baseline_mae(&ds, &wp, WINDOW_TEST);
    if (json) {
        printf("{\"val_mae\": %.6f, \"test_mae\": %.6f, \"windows\": {\"train\": %zu, "
               "\"val\": %zu, \"test\": %zu}}\n",
               val, test, wp.split[WINDOW_TRAIN].count, wp.split[WINDOW_VAL].count,
               wp.split[WINDOW_TEST].count);
    } else {
        printf("persistence baseline on %s (target %s; L %zu, r %zu, horizon %zu)\n", path,
               ds.target_name, hp.sequence_length, hp.sampling_rate, hp.horizon);
        printf("val MAE:  %.4f over %zu windows\n", val, wp.split[WINDOW_VAL].count);
        printf("test MAE: %.4f over %zu windows\n", test, wp.split[WINDOW_TEST].count);
    }
    dataset_deinit(&ds);
    return 0;
}
