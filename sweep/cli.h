/* cli: small helpers shared by the subcommands for parsing flag values.
 *
 * Each parser converts one flag's value, rejecting trailing garbage, overflow and values
 * out of range, and prints "hsweep CMD: --flag: reason" on failure. They return 0 or -1. */
#ifndef HS_CLI_H
#define HS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "io/hs_error.h"

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

/* Split every "--flag=value" argument of argv[1..argc) into "--flag" "value", the GNU habit,
 * so each command's parser sees separate words. Returns a new argv (malloc'ed array of
 * pointers into argv and into copies of the split words: free with cli_free_argv) and sets
 * *argc_out; NULL when out of memory. Arguments not starting with "--" are untouched. */
char **cli_split_equals(int argc, char **argv, int *argc_out);

/* Free an argv from cli_split_equals (argc entries). */
void cli_free_argv(char **argv, int argc, char **orig, int orig_argc);

/* Print "hsweep CMD: unknown flag 'FLAG' (did you mean 'X'?; see hsweep CMD --help)", naming
 * the closest of known[0..n) when it is at most 2 edits away (or a prefix of it). */
void cli_unknown_flag(const char *cmd, const char *flag, const char *const *known, size_t n);

/* 1 when the output file path can be written (an existing file is writable, or its
 * directory is), else prints "hsweep CMD: cannot write PATH: reason" and returns 0. For
 * checking output paths before any work, so a bad path costs nothing. */
int cli_can_write(const char *cmd, const char *path);

/* HSWEEP_MAX_EPOCHS from the environment: every trial of `train`, `plan` and `run` trains
 * at most that many epochs (a quick try-out of a whole session; README.md). Returns 0 and
 * *max (0 when unset or empty; a note on stderr naming cmd when set, unless quiet), or
 * HS_ERR_USAGE in err when it is not an integer in 1 .. 1000000. */
int cli_max_epochs(const char *cmd, int quiet, size_t *max, hs_error *err);

#endif
