/* csv: streaming reader for the Jena weather CSV files (see csv.h).
 *
 * Layers: a byte source (plain FILE or liblzma decoder, hashing every uncompressed byte),
 * a line splitter (LF or CRLF), a field splitter with double-quote handling, and the
 * typed parsers for the timestamp and the numbers. Errors carry file:line:col where col is
 * the 1-based byte column of the offending field. */
#include "io/csv.h"

#include <errno.h>
#include <lzma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/sha256.h"

enum { CSV_CHUNK = 1 << 16, CSV_MAX_LINE = 1 << 20, CSV_MAX_FIELDS = 4096 };

/* ---- byte source: plain or xz, hashed ------------------------------------------------ */

typedef struct csv_src {
    FILE *f;                         /* the open input file */
    int xz;                          /* 1: decode with strm */
    lzma_stream strm;                /* xz decoder state (xz only) */
    int strm_live;                   /* 1 once lzma_stream_decoder succeeded */
    unsigned char in[CSV_CHUNK];     /* raw bytes read from f */
    size_t in_pending;               /* plain mode: bytes of `in` not yet handed out */
    unsigned char out[CSV_CHUNK];    /* decoded bytes (xz) */
    int done;                        /* 1 after the last byte was delivered */
    sha256_ctx sha;                  /* hash of the uncompressed stream */
    uint64_t n_bytes;                /* uncompressed bytes delivered */
} csv_src;

static const unsigned char csv_xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};

static int csv_src_open(csv_src *s, const char *path, hs_error *err) {
    s->f = fopen(path, "rb");
    if (!s->f)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    sha256_init(&s->sha);
    s->in_pending = fread(s->in, 1, sizeof s->in, s->f);
    if (ferror(s->f)) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "read error");
    if (s->in_pending >= 6 && memcmp(s->in, csv_xz_magic, 6) == 0) {
        s->xz = 1;
        lzma_stream init = LZMA_STREAM_INIT;
        s->strm = init;
        if (lzma_stream_decoder(&s->strm, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
            return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "cannot start the xz decoder");
        s->strm_live = 1;
        s->strm.next_in = s->in;
        s->strm.avail_in = s->in_pending;
        s->in_pending = 0;
    }
    return HS_OK;
}

static void csv_src_close(csv_src *s) {
    if (s->strm_live) lzma_end(&s->strm);
    if (s->f) fclose(s->f);
}

/* Next chunk of uncompressed bytes: *p and *n (n = 0 at the end). */
static int csv_src_next(csv_src *s, const unsigned char **p, size_t *n, const char *path,
                        hs_error *err) {
    *n = 0;
    if (s->done) return HS_OK;
    if (!s->xz) {
        if (s->in_pending == 0) {
            s->in_pending = fread(s->in, 1, sizeof s->in, s->f);
            if (ferror(s->f)) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "read error");
        }
        if (s->in_pending == 0) {
            s->done = 1;
            return HS_OK;
        }
        *p = s->in;
        *n = s->in_pending;
        s->in_pending = 0;
    } else {
        s->strm.next_out = s->out;
        s->strm.avail_out = sizeof s->out;
        while (s->strm.avail_out == sizeof s->out) {
            if (s->strm.avail_in == 0 && !feof(s->f)) {
                s->strm.next_in = s->in;
                s->strm.avail_in = fread(s->in, 1, sizeof s->in, s->f);
                if (ferror(s->f)) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "read error");
            }
            lzma_action action = feof(s->f) && s->strm.avail_in == 0 ? LZMA_FINISH : LZMA_RUN;
            lzma_ret ret = lzma_code(&s->strm, action);
            if (ret == LZMA_STREAM_END) {
                s->done = 1;
                break;
            }
            if (ret == LZMA_BUF_ERROR && action == LZMA_FINISH)
                return hs_error_set(err, HS_ERR_IO, path, 0, 0, "truncated xz data");
            if (ret == LZMA_MEM_ERROR)
                return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory in xz decoder");
            if (ret != LZMA_OK)
                return hs_error_set(err, HS_ERR_IO, path, 0, 0, "corrupt xz data (lzma error %d)",
                                    (int)ret);
        }
        *p = s->out;
        *n = sizeof s->out - s->strm.avail_out;
    }
    sha256_update(&s->sha, *p, *n);
    s->n_bytes += *n;
    return HS_OK;
}

/* ---- dates ---------------------------------------------------------------------------- */

int64_t csv_days_from_civil(int64_t y, unsigned m, unsigned d) {
    /* H. Hinnant's days_from_civil: shift the year to start in March so Feb 29 is last */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                       /* [0, 399] */
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void csv_format_time(int64_t t, char buf[20]) {
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t sec = t - days * 86400;
    /* civil_from_days, the inverse of csv_days_from_civil */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d %02d:%02d:%02d", (int)y, (int)m, (int)d,
             (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    memcpy(buf, tmp, 19);
    buf[19] = '\0';
}

static int csv_digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Parse a timestamp field; returns 1 and fills *t and *fmt, or 0 when malformed. */
static int csv_parse_date(const char *s, int64_t *t, csv_date_format *fmt) {
    int y, mo, d, h, mi, se;
    if (strlen(s) != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':') return 0;
    if (s[2] == '.' && s[5] == '.') {
        if (!csv_digits(s, 2, &d) || !csv_digits(s + 3, 2, &mo) || !csv_digits(s + 6, 4, &y))
            return 0;
        *fmt = CSV_DATE_DMY;
    } else if (s[4] == '-' && s[7] == '-') {
        if (!csv_digits(s, 4, &y) || !csv_digits(s + 5, 2, &mo) || !csv_digits(s + 8, 2, &d))
            return 0;
        *fmt = CSV_DATE_ISO;
    } else {
        return 0;
    }
    if (!csv_digits(s + 11, 2, &h) || !csv_digits(s + 14, 2, &mi) || !csv_digits(s + 17, 2, &se))
        return 0;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return 0;
    *t = csv_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    return 1;
}

/* ---- fields ---------------------------------------------------------------------------- */

/* Split line (NUL-terminated, modified in place) at commas, removing double quotes.
 * field[k] points at field k, fcol[k] is its 1-based byte column. Returns the number of
 * fields, or -1 (unterminated quote, *bad_col set) or -2 (too many fields). */
static long csv_split(char *line, char **field, long *fcol, long *bad_col) {
    long n = 0;
    char *r = line, *w = line;
    for (;;) {
        if (n == CSV_MAX_FIELDS) return -2;
        field[n] = w;
        fcol[n] = (long)(r - line) + 1;
        n++;
        if (*r == '"') {
            long qcol = (long)(r - line) + 1;
            r++;
            for (;;) {
                if (*r == '\0') {
                    *bad_col = qcol;
                    return -1;
                }
                if (*r == '"') {
                    if (r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
            /* text after the closing quote up to the comma is kept as is */
        }
        while (*r && *r != ',') *w++ = *r++;
        if (*r == ',') {
            *w++ = '\0';
            r++;
            continue;
        }
        *w = '\0';
        return n;
    }
}

/* ---- the table ------------------------------------------------------------------------- */

void csv_deinit(csv_table *t) {
    if (!t) return;
    free(t->date_name);
    if (t->names)
        for (size_t c = 0; c < t->n_cols; c++) free(t->names[c]);
    if (t->cols)
        for (size_t c = 0; c < t->n_cols; c++) free(t->cols[c]);
    free(t->names);
    free(t->cols);
    free(t->time);
    memset(t, 0, sizeof *t);
}

long csv_find_column(const csv_table *t, const char *name) {
    for (size_t c = 0; c < t->n_cols; c++)
        if (strcmp(t->names[c], name) == 0) return (long)c;
    return -1;
}

static char *csv_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Reader state shared by the line handlers. */
typedef struct csv_reader {
    const char *path;                /* for messages */
    csv_table *t;                    /* table being filled */
    size_t cap;                      /* rows allocated in t->cols[*] and t->time */
    long line_no;                    /* 1-based number of the current line */
    long first_blank;                /* line of the first blank line seen, 0 if none */
    int have_header;                 /* 1 after the header line */
    char *field[CSV_MAX_FIELDS];     /* field pointers of the current line */
    long fcol[CSV_MAX_FIELDS];       /* 1-based byte column of each field */
} csv_reader;

static int csv_header(csv_reader *rd, char *line, hs_error *err) {
    csv_table *t = rd->t;
    long bad_col = 0;
    /* skip a UTF-8 byte order mark */
    if ((unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
        (unsigned char)line[2] == 0xBF)
        line += 3;
    long n = csv_split(line, rd->field, rd->fcol, &bad_col);
    if (n == -1)
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, 1, bad_col, "unterminated quote in header");
    if (n == -2)
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, 1, 0, "header has more than %d columns",
                            CSV_MAX_FIELDS);
    if (n < 2)
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, 1, 0,
                            "header has %ld column(s): expected a date column and at least one "
                            "numeric column", n);
    int64_t tt;
    csv_date_format fmt;
    if (csv_parse_date(rd->field[0], &tt, &fmt))
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, 1, 1,
                            "line 1 holds data, not a header (column names are required)");
    for (long k = 0; k < n; k++) {
        if (rd->field[k][0] == '\0')
            return hs_error_set(err, HS_ERR_FORMAT, rd->path, 1, rd->fcol[k],
                                "empty column name (column %ld)", k + 1);
        for (long j = 0; j < k; j++)
            if (strcmp(rd->field[j], rd->field[k]) == 0)
                return hs_error_set(err, HS_ERR_FORMAT, rd->path, 1, rd->fcol[k],
                                    "duplicate column name '%s' (columns %ld and %ld)",
                                    rd->field[k], j + 1, k + 1);
    }
    t->n_cols = (size_t)(n - 1);
    t->date_name = csv_strdup(rd->field[0]);
    t->names = calloc(t->n_cols, sizeof *t->names);
    t->cols = calloc(t->n_cols, sizeof *t->cols);
    if (!t->date_name || !t->names || !t->cols) goto nomem;
    for (size_t c = 0; c < t->n_cols; c++)
        if (!(t->names[c] = csv_strdup(rd->field[c + 1]))) goto nomem;
    rd->have_header = 1;
    return HS_OK;
nomem:
    return hs_error_set(err, HS_ERR_NOMEM, rd->path, 1, 0, "out of memory");
}

static int csv_grow(csv_reader *rd, hs_error *err) {
    csv_table *t = rd->t;
    size_t cap = rd->cap ? rd->cap * 2 : 4096;
    if (cap < rd->cap || cap > SIZE_MAX / sizeof(double)) goto nomem;
    int64_t *time = realloc(t->time, cap * sizeof *time);
    if (!time) goto nomem;
    t->time = time;
    for (size_t c = 0; c < t->n_cols; c++) {
        double *col = realloc(t->cols[c], cap * sizeof *col);
        if (!col) goto nomem;
        t->cols[c] = col;
    }
    rd->cap = cap;
    return HS_OK;
nomem:
    return hs_error_set(err, HS_ERR_NOMEM, rd->path, rd->line_no, 0, "out of memory");
}

static int csv_row(csv_reader *rd, char *line, hs_error *err) {
    csv_table *t = rd->t;
    long bad_col = 0;
    long n = csv_split(line, rd->field, rd->fcol, &bad_col);
    if (n == -1)
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, bad_col, "unterminated quote");
    if (n != (long)t->n_cols + 1)
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, 0,
                            "ragged row: %s%ld fields, the header has %zu",
                            n == -2 ? "more than " : "", n == -2 ? (long)CSV_MAX_FIELDS : n,
                            t->n_cols + 1);
    if (t->n_rows == rd->cap && csv_grow(rd, err)) return err ? err->code : HS_ERR_NOMEM;
    size_t i = t->n_rows;
    csv_date_format fmt;
    if (!csv_parse_date(rd->field[0], &t->time[i], &fmt))
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, rd->fcol[0],
                            "bad date '%.40s' in column '%s' (expected dd.mm.yyyy HH:MM:SS or "
                            "yyyy-mm-dd HH:MM:SS)", rd->field[0], t->date_name);
    if (i == 0) {
        t->date_format = fmt;
    } else if (fmt != t->date_format) {
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, rd->fcol[0],
                            "date '%s' is in a different format from the first row's",
                            rd->field[0]);
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        char *s = rd->field[c + 1], *end = NULL;
        long col = rd->fcol[c + 1];
        size_t len = strlen(s);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) s[--len] = '\0';
        while (*s == ' ' || *s == '\t') s++, col++;
        if (*s == '\0')
            return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, col,
                                "empty field in column '%s'", t->names[c]);
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end != '\0')
            return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, col,
                                "non-numeric value '%.40s' in column '%s'", s, t->names[c]);
        if (!isfinite(v))
            return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, col,
                                "non-finite value '%.40s' in column '%s'", s, t->names[c]);
        t->cols[c][i] = v;
    }
    t->n_rows++;
    return HS_OK;
}

/* Handle one complete line (without its end-of-line bytes). */
static int csv_line(csv_reader *rd, char *line, size_t len, hs_error *err) {
    if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
    if (memchr(line, '\0', len))
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->line_no, 0,
                            "NUL byte: not a text CSV file");
    if (len == 0) {
        if (!rd->first_blank) rd->first_blank = rd->line_no;
        return HS_OK;
    }
    if (rd->first_blank)
        return hs_error_set(err, HS_ERR_FORMAT, rd->path, rd->first_blank, 0,
                            "blank line inside the data");
    return rd->have_header ? csv_row(rd, line, err) : csv_header(rd, line, err);
}

int csv_read(csv_table *t, const char *path, hs_error *err) {
    int rc = HS_OK;
    csv_src *src = calloc(1, sizeof *src);
    csv_reader *rd = calloc(1, sizeof *rd);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    memset(t, 0, sizeof *t);
    if (!src || !rd) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    rd->path = path;
    rd->t = t;
    if ((rc = csv_src_open(src, path, err))) goto done;
    t->compressed = src->xz;
    for (;;) {
        const unsigned char *p = NULL;
        size_t n = 0;
        if ((rc = csv_src_next(src, &p, &n, path, err))) goto done;
        if (n == 0) break;
        while (n > 0) {
            const unsigned char *nl = memchr(p, '\n', n);
            size_t take = nl ? (size_t)(nl - p) : n;
            if (len + take + 1 > CSV_MAX_LINE) {
                rc = hs_error_set(err, HS_ERR_FORMAT, path, rd->line_no + 1, 0,
                                  "line longer than %d bytes: not a CSV file?", CSV_MAX_LINE);
                goto done;
            }
            if (len + take + 1 > cap) {
                size_t ncap = cap ? cap : 4096;
                while (ncap < len + take + 1) ncap *= 2;
                char *nb = realloc(buf, ncap);
                if (!nb) {
                    rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
                    goto done;
                }
                buf = nb;
                cap = ncap;
            }
            memcpy(buf + len, p, take);
            len += take;
            p += take;
            n -= take;
            if (nl) {
                p++, n--;
                buf[len] = '\0';
                rd->line_no++;
                if ((rc = csv_line(rd, buf, len, err))) goto done;
                len = 0;
            }
        }
    }
    if (len > 0 || (src->n_bytes > 0 && rd->line_no == 0)) { /* last line without newline */
        if (!buf) buf = malloc(1);
        if (!buf) {
            rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory");
            goto done;
        }
        buf[len] = '\0';
        rd->line_no++;
        if ((rc = csv_line(rd, buf, len, err))) goto done;
    }
    if (src->n_bytes == 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "empty file");
        goto done;
    }
    if (!rd->have_header) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 1, 0, "no header line (only blank lines)");
        goto done;
    }
    if (t->n_rows == 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 2, 0, "no data rows after the header");
        goto done;
    }
    t->n_bytes = src->n_bytes;
    sha256_final_hex(&src->sha, t->sha256);
done:
    if (src) csv_src_close(src);
    free(src);
    free(rd);
    free(buf);
    if (rc) csv_deinit(t);
    return rc;
}
