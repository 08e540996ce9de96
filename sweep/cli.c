/* cli: flag value parsers shared by the subcommands (see cli.h). */
#define _POSIX_C_SOURCE 200809L
#include "sweep/cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/sweepcfg.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int cli_parse_size(const char *cmd, const char *flag, const char *s, size_t min, size_t max,
                   size_t *out) {
    char *end = NULL;
    errno = 0;
    if (!s || *s == '\0' || *s == '-') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0') goto bad;
    if (v < min || v > max) {
        fprintf(stderr, "hsweep %s: %s: %llu is out of range [%zu, %zu]\n", cmd, flag, v, min,
                max);
        return -1;
    }
    *out = (size_t)v;
    return 0;
bad:
    fprintf(stderr, "hsweep %s: %s: '%s' is not a non-negative integer\n", cmd, flag,
            s ? s : "");
    return -1;
}

int cli_parse_float(const char *cmd, const char *flag, const char *s, double min, double max,
                    float *out) {
    char *end = NULL;
    errno = 0;
    if (!s || *s == '\0') goto bad;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v)) goto bad;
    if (v < min || v > max) {
        fprintf(stderr, "hsweep %s: %s: %g is out of range [%g, %g]\n", cmd, flag, v, min, max);
        return -1;
    }
    *out = (float)v;
    return 0;
bad:
    fprintf(stderr, "hsweep %s: %s: '%s' is not a finite number\n", cmd, flag, s ? s : "");
    return -1;
}

int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    if (!s || *s == '\0' || *s == '-') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0') goto bad;
    *out = (uint64_t)v;
    return 0;
bad:
    fprintf(stderr, "hsweep %s: %s: '%s' is not an unsigned integer\n", cmd, flag, s ? s : "");
    return -1;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        fprintf(stderr, "hsweep %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

int cli_can_write(const char *cmd, const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "hsweep %s: cannot write %s: it is a directory\n", cmd, path);
            return 0;
        }
        if (access(path, W_OK) != 0) {
            fprintf(stderr, "hsweep %s: cannot write %s: %s\n", cmd, path, strerror(errno));
            return 0;
        }
        return 1;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hsweep %s: cannot write %s: no directory %s\n", cmd, path, dir);
        return 0;
    }
    if (access(dir, W_OK) != 0) {
        fprintf(stderr, "hsweep %s: cannot write %s: %s: %s\n", cmd, path, dir, strerror(errno));
        return 0;
    }
    return 1;
}

char **cli_split_equals(int argc, char **argv, int *argc_out) {
    char **out = malloc(((size_t)argc * 2 + 1) * sizeof *out);
    if (!out) return NULL;
    int k = 0;
    for (int i = 0; i < argc; i++) {
        const char *eq = i > 0 && strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
        if (!eq || eq == argv[i] + 2) {
            out[k++] = argv[i];
            continue;
        }
        size_t L = (size_t)(eq - argv[i]);
        char *flag = malloc(L + 1);
        if (!flag) {
            cli_free_argv(out, k, argv, argc);
            return NULL;
        }
        memcpy(flag, argv[i], L);
        flag[L] = '\0';
        out[k++] = flag;
        out[k++] = (char *)(eq + 1);
    }
    out[k] = NULL;
    *argc_out = k;
    return out;
}

void cli_free_argv(char **argv, int argc, char **orig, int orig_argc) {
    if (!argv) return;
    for (int i = 0; i < argc; i++) {
        int owned = 1; /* a split flag is a copy; everything else points into orig or into it */
        for (int j = 0; j < orig_argc && owned; j++)
            if (argv[i] >= orig[j] && argv[i] <= orig[j] + strlen(orig[j])) owned = 0;
        if (owned) free(argv[i]);
    }
    free(argv);
}

void cli_unknown_flag(const char *cmd, const char *flag, const char *const *known, size_t n) {
    const char *best = NULL;
    size_t bd = (size_t)-1, L = strlen(flag);
    for (size_t i = 0; i < n; i++) {
        size_t d = sweepcfg_edit_distance(flag, known[i]);
        if (L >= 4 && strncmp(known[i], flag, L) == 0) d = 1; /* an unambiguous-looking prefix */
        if (d < bd) {
            bd = d;
            best = known[i];
        }
    }
    if (best && bd <= 2)
        fprintf(stderr, "hsweep %s: unknown flag '%s' (did you mean '%s'?; see hsweep %s --help)\n", cmd, flag, best,
                cmd);
    else
        fprintf(stderr, "hsweep %s: unknown flag '%s' (see hsweep %s --help)\n", cmd, flag, cmd);
}

int cli_max_epochs(const char *cmd, int quiet, size_t *max, hs_error *err) {
    *max = 0;
    const char *s = getenv("HSWEEP_MAX_EPOCHS");
    if (!s || !*s) return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = *s == '-' ? 0 : strtoull(s, &end, 10);
    if (*s == '-' || errno || *end != '\0' || v < 1 || v > 1000000)
        return hs_error_set(err, HS_ERR_USAGE, NULL, 0, 0,
                            "HSWEEP_MAX_EPOCHS: '%.40s' is not an integer in 1 .. 1000000", s);
    *max = (size_t)v;
    if (!quiet)
        fprintf(stderr, "hsweep %s: HSWEEP_MAX_EPOCHS=%zu: every trial trains at most %zu epoch%s "
                "(a try-out; unset it for real results)\n", cmd, *max, *max, *max == 1 ? "" : "s");
    return 0;
}
