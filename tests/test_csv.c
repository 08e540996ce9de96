/* test_csv: both Jena layouts (canonical quoted/dd.mm.yyyy/LF and 2020 ISO/CRLF/U+FFFD),
 * xz input made with liblzma, sha256 of the uncompressed bytes, dates, and every error. */
#define _POSIX_C_SOURCE 200809L
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/csv.h"
#include "io/sha256.h"
#include "tests/test_util.h"

static char dir[] = "/tmp/hs_test_csv_XXXXXX";

static void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "create %s", path);
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static const char *fixture(const char *name, const char *text) {
    static char path[4][256];
    static int k = 0;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    write_file(p, text, strlen(text));
    return p;
}

static void sha_hex(const void *d, size_t n, char hex[65]) {
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, d, n);
    sha256_final_hex(&c, hex);
}

static const char canonical[] =
    "\"Date Time\",\"p (mbar)\",\"T (degC)\",\"rh (%)\"\n"
    "01.01.2009 00:10:00,996.52,-8.02,93.3\n"
    "01.01.2009 00:20:00,996.57,-8.41,93.4\n"
    "29.02.2012 23:50:00,1000.0,1.5e1,-9999\n";

static const char ltsf[] =
    "date,p (mbar),T (degC),SWDR (W/m\xEF\xBF\xBD),OT\r\n"
    "2020-01-01 00:10:00,1008.89,0.71,0.0,428.1\r\n"
    "2020-01-01 00:20:00,1008.76,0.75,0.0,-9999.0\r\n"
    "2021-01-01 00:00:00,1009.0,-1.0,2.5,430"; /* no final newline */

static void test_canonical(void) {
    csv_table t;
    hs_error err;
    const char *p = fixture("canon.csv", canonical);
    int rc = csv_read(&t, p, &err);
    CHECK(rc == 0, "read: %s", err.msg);
    if (rc) return;
    CHECK(t.n_rows == 3 && t.n_cols == 3, "shape %zu x %zu", t.n_rows, t.n_cols);
    CHECK(strcmp(t.date_name, "Date Time") == 0, "date column '%s'", t.date_name);
    CHECK(strcmp(t.names[1], "T (degC)") == 0 && strcmp(t.names[2], "rh (%)") == 0, "names");
    CHECK(csv_find_column(&t, "T (degC)") == 1 && csv_find_column(&t, "nope") == -1, "find");
    CHECK(t.cols[0][0] == 996.52 && t.cols[1][1] == -8.41 && t.cols[1][2] == 15.0, "values");
    CHECK(t.cols[2][2] == -9999.0, "sentinel read as a value");
    CHECK(t.date_format == CSV_DATE_DMY && !t.compressed, "format");
    /* 2009-01-01 00:10:00 = 14245 days + 600 s */
    CHECK(t.time[0] == 1230768600 && t.time[1] - t.time[0] == 600, "time %lld", (long long)t.time[0]);
    char buf[20];
    csv_format_time(t.time[2], buf);
    CHECK(strcmp(buf, "2012-02-29 23:50:00") == 0, "leap day %s", buf);
    char want[65];
    sha_hex(canonical, strlen(canonical), want);
    CHECK(strcmp(t.sha256, want) == 0 && t.n_bytes == strlen(canonical), "sha256");
    csv_deinit(&t);
}

static void test_ltsf_and_xz(void) {
    csv_table t, z;
    hs_error err;
    const char *p = fixture("weather.csv", ltsf);
    int rc = csv_read(&t, p, &err);
    CHECK(rc == 0, "read: %s", err.msg);
    if (rc) return;
    CHECK(t.n_rows == 3 && t.n_cols == 4, "shape %zu x %zu", t.n_rows, t.n_cols);
    CHECK(strcmp(t.names[2], "SWDR (W/m\xEF\xBF\xBD)") == 0, "U+FFFD kept: %s", t.names[2]);
    CHECK(strcmp(t.names[3], "OT") == 0, "CR stripped from the last name");
    CHECK(t.cols[3][2] == 430.0, "last line without newline");
    CHECK(t.date_format == CSV_DATE_ISO, "ISO");
    CHECK(t.time[0] == 1577837400 && t.time[2] == 1609459200, "time");

    /* the same bytes xz-compressed with liblzma */
    size_t cap = strlen(ltsf) + 1024, pos = 0;
    unsigned char *xz = malloc(cap);
    lzma_ret lr = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (const uint8_t *)ltsf,
                                          strlen(ltsf), xz, &pos, cap);
    CHECK(lr == LZMA_OK, "encode");
    char xzpath[256];
    snprintf(xzpath, sizeof xzpath, "%s/weather.csv.xz", dir);
    write_file(xzpath, xz, pos);
    rc = csv_read(&z, xzpath, &err);
    CHECK(rc == 0, "read xz: %s", err.msg);
    if (rc == 0) {
        CHECK(z.compressed == 1 && z.n_rows == 3 && z.n_cols == 4, "xz table");
        CHECK(strcmp(z.sha256, t.sha256) == 0, "sha256 of the uncompressed bytes");
        CHECK(memcmp(z.cols[3], t.cols[3], 3 * sizeof(double)) == 0, "same values");
        csv_deinit(&z);
    }
    /* truncated xz */
    write_file(xzpath, xz, pos / 2);
    rc = csv_read(&z, xzpath, &err);
    CHECK(rc == HS_ERR_IO && strstr(err.msg, "xz") != NULL, "truncated xz: %d %s", rc, err.msg);
    free(xz);
    csv_deinit(&t);
}

/* Expect csv_read to fail with code, at line:col (col -1: don't care), message containing m. */
static void expect_error(const char *name, const char *text, int code, long line, long col,
                         const char *m) {
    csv_table t;
    hs_error err;
    const char *p = fixture(name, text);
    int rc = csv_read(&t, p, &err);
    CHECK(rc == code, "%s: rc %d (%s)", name, rc, err.msg);
    CHECK(strcmp(err.file, p) == 0, "%s: file '%s'", name, err.file);
    CHECK(err.line == line, "%s: line %ld (%s)", name, err.line, err.msg);
    CHECK(col < 0 || err.col == col, "%s: col %ld (%s)", name, err.col, err.msg);
    CHECK(strstr(err.msg, m) != NULL, "%s: message '%s' lacks '%s'", name, err.msg, m);
    CHECK(t.n_rows == 0 && t.cols == NULL, "%s: table left empty", name);
}

static void test_errors(void) {
    const char *h = "date,a,b\n";
    char buf[512];
    expect_error("empty.csv", "", HS_ERR_FORMAT, 0, -1, "empty file");
    expect_error("header_only.csv", "date,a,b\n", HS_ERR_FORMAT, 2, -1, "no data rows");
    expect_error("one_col.csv", "date\n2020-01-01 00:00:00\n", HS_ERR_FORMAT, 1, -1, "1 column");
    expect_error("dup_name.csv", "date,a,a\n", HS_ERR_FORMAT, 1, 8, "duplicate column name 'a'");
    expect_error("empty_name.csv", "date,,b\n", HS_ERR_FORMAT, 1, 6, "empty column name");
    expect_error("no_header.csv", "2020-01-01 00:00:00,1,2\n", HS_ERR_FORMAT, 1, 1, "not a header");
    expect_error("quote.csv", "\"date,a,b\n", HS_ERR_FORMAT, 1, 1, "unterminated quote");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,2\n2020-01-01 00:10:00,1\n", h);
    expect_error("ragged.csv", buf, HS_ERR_FORMAT, 3, -1, "ragged row: 2 fields, the header has 3");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,2,3\n", h);
    expect_error("ragged2.csv", buf, HS_ERR_FORMAT, 2, -1, "ragged row: 4 fields");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,2\n2020-01-01 00:10:00,1,abc\n", h);
    expect_error("nonnum.csv", buf, HS_ERR_FORMAT, 3, 23, "non-numeric value 'abc' in column 'b'");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1.5x,2\n", h);
    expect_error("trailing.csv", buf, HS_ERR_FORMAT, 2, 21, "non-numeric value '1.5x'");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,,2\n", h);
    expect_error("emptyfield.csv", buf, HS_ERR_FORMAT, 2, 21, "empty field in column 'a'");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,NaN\n", h);
    expect_error("nan.csv", buf, HS_ERR_FORMAT, 2, 23, "non-finite value 'NaN'");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,-inf,1\n", h);
    expect_error("inf.csv", buf, HS_ERR_FORMAT, 2, 21, "non-finite value '-inf'");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1e999,1\n", h);
    expect_error("overflow.csv", buf, HS_ERR_FORMAT, 2, 21, "non-finite");
    snprintf(buf, sizeof buf, "%s31.02.2009 00:00:00,1,2\n", h);
    expect_error("baddate.csv", buf, HS_ERR_FORMAT, 2, 1, "bad date '31.02.2009 00:00:00'");
    snprintf(buf, sizeof buf, "%s2019-02-29 00:00:00,1,2\n", h);
    expect_error("notleap.csv", buf, HS_ERR_FORMAT, 2, 1, "bad date");
    snprintf(buf, sizeof buf, "%s2020-01-01 24:00:00,1,2\n", h);
    expect_error("hour.csv", buf, HS_ERR_FORMAT, 2, 1, "bad date");
    snprintf(buf, sizeof buf, "%s2020-01-01,1,2\n", h);
    expect_error("dateonly.csv", buf, HS_ERR_FORMAT, 2, 1, "bad date");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,2\n01.01.2020 00:10:00,1,2\n", h);
    expect_error("mixed.csv", buf, HS_ERR_FORMAT, 3, 1, "different format");
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,2\n\n2020-01-01 00:10:00,1,2\n", h);
    expect_error("blank.csv", buf, HS_ERR_FORMAT, 3, -1, "blank line");

    /* trailing blank lines are fine */
    csv_table t;
    hs_error err;
    snprintf(buf, sizeof buf, "%s2020-01-01 00:00:00,1,2\r\n\r\n\n", h);
    int rc = csv_read(&t, fixture("trailing_blank.csv", buf), &err);
    CHECK(rc == 0 && t.n_rows == 1, "trailing blank lines: %s", err.msg);
    csv_deinit(&t);

    /* missing file: HS_ERR_IO with the path and the system's reason */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/does_not_exist.csv", dir);
    rc = csv_read(&t, missing, &err);
    CHECK(rc == HS_ERR_IO && strcmp(err.file, missing) == 0, "missing file: %d", rc);
    CHECK(strstr(err.msg, "No such file") != NULL, "reason: %s", err.msg);
    char line[1024];
    hs_error_format(&err, line, sizeof line);
    CHECK(strncmp(line, missing, strlen(missing)) == 0, "formatted: %s", line);
}

static void test_dates(void) {
    CHECK(csv_days_from_civil(1970, 1, 1) == 0, "epoch");
    CHECK(csv_days_from_civil(2000, 3, 1) == 11017, "2000-03-01");
    CHECK(csv_days_from_civil(1969, 12, 31) == -1, "before the epoch");
    char buf[20];
    for (int64_t t = -86400LL * 800; t < 86400LL * 40000; t += 86400LL * 97 + 3661) {
        int64_t back;
        csv_format_time(t, buf);
        int y, mo, d, hh, mi, ss;
        CHECK(sscanf(buf, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &hh, &mi, &ss) == 6, "%s", buf);
        back = csv_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mi * 60 + ss;
        CHECK(back == t, "round trip %lld -> %s", (long long)t, buf);
    }
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_canonical();
    test_ltsf_and_xz();
    test_errors();
    test_dates();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_failures("test_csv");
}
