/* cli: flag value parsers shared by the subcommands (see cli.h). */
#include "sweep/cli.h"

#include <errno.h>
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
