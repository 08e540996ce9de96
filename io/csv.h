/* csv: read a Jena weather CSV (plain or .xz) into columns of doubles and timestamps.
 *
 * Accepts both layouts hsweep meets in practice:
 *  - the canonical Keras file jena_climate_2009_2016.csv: quoted header, dates
 *    `dd.mm.yyyy HH:MM:SS`, 15 columns, LF line ends;
 *  - the 2020 LTSF file: ISO dates `yyyy-mm-dd HH:MM:SS`, 22 columns, CRLF line ends,
 *    U+FFFD in some header names (kept byte for byte).
 * The first column is the timestamp, every other column must be a finite number on every row.
 * Input compressed with xz is recognised by its magic bytes and decoded while streaming
 * (liblzma); the SHA-256 of the uncompressed bytes is computed on the way. A UTF-8 BOM is
 * skipped; fields may be double-quoted ("" escapes a quote); blank lines are allowed only at
 * the end of the file. Timestamps are naive (no time zone): seconds since 1970-01-01 00:00:00
 * of the wall-clock time written in the file.
 * Does not: pick features, clean sentinels or detect gaps (that is prep.h). */
#ifndef HS_CSV_H
#define HS_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "io/hs_error.h"

typedef enum csv_date_format {
    CSV_DATE_DMY = 1,         /* dd.mm.yyyy HH:MM:SS (canonical Keras file) */
    CSV_DATE_ISO = 2          /* yyyy-mm-dd HH:MM:SS (2020 LTSF file) */
} csv_date_format;

typedef struct csv_table {
    size_t n_rows;            /* data rows (header excluded); data row i is on line i + 2 */
    size_t n_cols;            /* numeric columns: header fields after the date column */
    char *date_name;          /* owned: header name of the first (date) column */
    char **names;             /* (n_cols) owned header names, quotes removed, bytes as in file */
    double **cols;            /* (n_cols) owned arrays, cols[c][i] = value of row i */
    int64_t *time;            /* (n_rows) seconds since 1970-01-01 of the naive timestamp */
    csv_date_format date_format; /* format of the timestamps (all rows use the same one) */
    int compressed;           /* 1 if the input was xz-compressed */
    uint64_t n_bytes;         /* uncompressed size in bytes */
    char sha256[65];          /* hex SHA-256 of the uncompressed bytes */
} csv_table;

/* Read the CSV at path into t (any previous content is ignored; call csv_deinit after).
 * Returns 0, or a negative hs_status with err (may be NULL) filled as file:line:col:
 *  HS_ERR_IO      missing/unreadable file, corrupt or truncated xz data;
 *  HS_ERR_FORMAT  empty file, no data rows, header problems (fewer than 2 columns, empty or
 *                 duplicate names, a header that looks like data), ragged row, bad date,
 *                 non-numeric field, NaN/inf, mixed date formats;
 *  HS_ERR_NOMEM   out of memory.
 * On failure t is left empty (everything freed). */
int csv_read(csv_table *t, const char *path, hs_error *err);

/* Free everything t owns and zero it. t may be NULL. */
void csv_deinit(csv_table *t);

/* Index of the column named name, or -1. */
long csv_find_column(const csv_table *t, const char *name);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
int64_t csv_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Write "yyyy-mm-dd HH:MM:SS" for a timestamp t (seconds since 1970-01-01) into buf[20]. */
void csv_format_time(int64_t t, char buf[20]);

#endif
