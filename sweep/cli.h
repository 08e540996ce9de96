/* cli: small helpers shared by the subcommands for parsing flag values.
 *
 * Each parser converts one flag's value, rejecting trailing garbage, overflow and values
 * out of range, and prints "hsweep CMD: --flag: reason" on failure. They return 0 or -1. */
#ifndef HS_CLI_H
#define HS_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Parse a non-negative integer in [min, max] from s. */
int cli_parse_size(const char *cmd, const char *flag, const char *s, size_t min, size_t max,
                   size_t *out);

/* Parse a finite float in [min, max] from s. */
int cli_parse_float(const char *cmd, const char *flag, const char *s, double min, double max,
                    float *out);

/* Parse an unsigned 64-bit integer (decimal) from s. */
int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t *out);

/* The value of flag argv[*i]: argv[*i + 1], advancing *i; prints an error and returns NULL
 * when it is missing. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i);

/* 1 when the output file path can be written (an existing file is writable, or its
 * directory is), else prints "hsweep CMD: cannot write PATH: reason" and returns 0. For
 * checking output paths before any work, so a bad path costs nothing. */
int cli_can_write(const char *cmd, const char *path);

#endif
