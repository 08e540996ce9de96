/* cmd_prep: `hsweep prep IN.csv[.xz] -o OUT.h5`: CSV to prepared HDF5 dataset (io/prep.h).
 * Parses flags, runs prep_run and prints a summary; does no data work itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/prep.h"
#include "sweep/cli.h"
#include "sweep/cmd.h"

static void cmd_prep_usage(FILE *f) {
    fprintf(f,
            "usage: hsweep prep IN.csv[.xz] -o OUT.h5 [options]\n\n"
            "Read a Jena weather CSV (the canonical Keras file or the 2020 LTSF file; plain or\n"
            "xz-compressed), clean it, split it 50/25/25 by rows as Keras does, normalise the\n"
            "features with the training split's mean and std, and write an HDF5 dataset.\n\n"
            "options:\n"
            "  -o, --output OUT.h5   output file (required); written to OUT.h5.tmp.<pid> and\n"
            "                        renamed, so a failure never leaves a partial file\n"
            "  --features A,B,...    feature columns by header name, comma-separated\n"
            "                        (default: the 14 canonical columns, p (mbar) .. wd (deg))\n"
            "  --target NAME         target column (default: T (degC)); kept raw, not normalised\n"
            "  --keep-sentinels      keep -9999 values as they are (default: replace them by\n"
            "                        linear interpolation in time between valid neighbours)\n"
            "  --quiet               print nothing on success\n"
            "  -h, --help            show this help\n\n"
            "Duplicate timestamps and gaps are reported, never changed. The summary lists rows,\n"
            "split sizes, sentinels, duplicates, gaps and the sha256 of the uncompressed CSV;\n"
            "the full cleaning log is stored in the file's cleaning_log attribute.\n");
}

/* Split a comma-separated list in place into names (at most cap). Returns the count, or
 * (size_t)-1 when there are more than cap names or an empty name. */
static size_t cmd_prep_split(char *s, const char **names, size_t cap) {
    size_t n = 0;
    for (char *p = s;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        if (*p == '\0' || n == cap) return (size_t)-1;
        names[n++] = p;
        if (!c) return n;
        p = c + 1;
    }
}

int cmd_prep(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *features = NULL;
    int quiet = 0, rc = 1;
    prep_options opt = {NULL, 0, NULL, 0};
    char *fbuf = NULL;
    const char **names = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cmd_prep_usage(stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(out = cli_value("prep", argc, argv, &i))) return 2;
        } else if (strcmp(a, "--features") == 0) {
            if (!(features = cli_value("prep", argc, argv, &i))) return 2;
        } else if (strcmp(a, "--target") == 0) {
            if (!(opt.target = cli_value("prep", argc, argv, &i))) return 2;
        } else if (strcmp(a, "--keep-sentinels") == 0) {
            opt.keep_sentinels = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            static const char *const known[] = {"--help", "--output", "--features", "--target", "--keep-sentinels",
                                                "--quiet"};
            cli_unknown_flag("prep", a, known, sizeof known / sizeof *known);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "hsweep prep: more than one input file ('%s', '%s')\n", in, a);
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "hsweep prep: %s (usage: hsweep prep IN.csv[.xz] -o OUT.h5)\n",
                !in ? "missing input file" : "missing -o OUT.h5");
        return 2;
    }
    if (features) {
        size_t cap = strlen(features) / 2 + 1;
        fbuf = malloc(strlen(features) + 1);
        names = malloc(cap * sizeof *names);
        if (!fbuf || !names) {
            fprintf(stderr, "hsweep prep: out of memory\n");
            goto done;
        }
        strcpy(fbuf, features);
        size_t n = cmd_prep_split(fbuf, names, cap);
        if (n == (size_t)-1) {
            fprintf(stderr, "hsweep prep: --features: empty column name in '%s'\n", features);
            rc = 2;
            goto done;
        }
        opt.features = names;
        opt.n_features = n;
    }
    hs_error err;
    prep_report rep;
    hs_error_clear(&err);
    if (prep_run(in, out, &opt, &rep, &err)) {
        hs_error_print(&err, stderr);
        goto done;
    }
    if (!quiet) {
        printf("%s -> %s\n", in, out);
        printf("rows:        %zu (interval %lld s)\n", rep.n_rows, (long long)rep.interval);
        printf("split:       train %zu, val %zu, test %zu\n", rep.n_train, rep.n_val, rep.n_test);
        printf("sentinels:   %zu in selected columns (%s), %zu in other columns\n",
               rep.n_sentinels_selected, opt.keep_sentinels ? "kept" : "interpolated",
               rep.n_sentinels_other);
        printf("duplicates:  %zu timestamps (kept)\n", rep.n_duplicates);
        printf("gaps:        %zu (%zu rows missing, not filled)\n", rep.n_gaps, rep.n_missing);
        printf("sha256:      %s (uncompressed CSV)\n", rep.sha256);
    }
    prep_report_deinit(&rep);
    rc = 0;
done:
    free(fbuf);
    free(names);
    return rc;
}
