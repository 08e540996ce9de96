/* test_journal: record round trip of every field; appending with fsync in a temp dir;
 * truncated / corrupt last line tolerated (and repaired before appending); a corrupt middle
 * line reported with its line number; duplicate ids (last wins); the append lock. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/hpfields.h"
#include "io/journal.h"
#include "model/rng.h"
#include "tests/test_util.h"

static char tmpdir[256];

/* a record with a non-default value in every field */
static void make_record(journal_record *r, int k) {
    journal_record_init(r);
    snprintf(r->id, sizeof r->id, "%016llx", 0xabcdef0123456780ULL + (unsigned long long)k);
    r->repeat = (size_t)k % 3;
    r->hp.cell = HS_CELL_GRU;
    r->hp.units = 48 + (size_t)k;
    r->hp.layers = 2;
    r->hp.dropout = 0.1f;
    r->hp.recurrent_dropout = 0.25f;
    r->hp.head_dropout = 0.3f;
    r->hp.bidirectional = 1;
    r->hp.optimizer = HS_OPT_ADAM;
    r->hp.learning_rate = 3e-4f;
    r->hp.batch_size = 128;
    r->hp.epochs = 7;
    r->hp.patience = 3;
    r->hp.clip = 1.5f;
    r->hp.sequence_length = 60;
    r->hp.sampling_rate = 3;
    r->hp.horizon = 12;
    r->hp.seed = 0xfedcba9876543210ULL; /* > 2^53: must survive exactly */
    r->status = k % 2 ? JOURNAL_DIVERGED : JOURNAL_OK;
    snprintf(r->reason, sizeof r->reason, "loss=\"nan\"\tat epoch 4\\ é");
    r->val_mae = 2.4123456789;
    r->val_loss = k % 2 ? (double)NAN : 9.75;
    r->test_mae = 1.0 / 3.0;
    r->best_epoch = 5;
    r->epochs_run = 7;
    r->wall_s = 12.25;
    r->rank = 1023;
    r->n_params = 9057;
    if (k % 2) snprintf(r->dataset, sizeof r->dataset, "00ff00ff00ff%04x", (unsigned)(k & 0xffffu));
    journal_epoch h[3] = {{1.0, 0.5, 2.0, 0.75}, {0.9, 0.45, INFINITY, 0.7}, {0.1, 0.2, 0.3, NAN}};
    journal_record_set_history(r, h, 3, NULL);
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static void check_same(const journal_record *a, const journal_record *b, const char *what) {
    CHECK(strcmp(a->id, b->id) == 0, "%s: id %s vs %s", what, a->id, b->id);
    CHECK(a->repeat == b->repeat, "%s: repeat", what);
    for (size_t k = 0; k < hpfields_count(); k++) {
        char x[64], y[64];
        hpfields_format(&a->hp, k, x, sizeof x);
        hpfields_format(&b->hp, k, y, sizeof y);
        CHECK(strcmp(x, y) == 0, "%s: hparams.%s %s vs %s", what, hpfields_name(k), x, y);
    }
    CHECK(a->hp.seed == b->hp.seed && a->hp.learning_rate == b->hp.learning_rate &&
          a->hp.dropout == b->hp.dropout, "%s: exact seed/floats", what);
    CHECK(a->status == b->status, "%s: status", what);
    CHECK(strcmp(a->reason, b->reason) == 0, "%s: reason '%s'", what, b->reason);
    CHECK(same_double(a->val_mae, b->val_mae) && same_double(a->val_loss, b->val_loss) &&
          same_double(a->test_mae, b->test_mae) && same_double(a->wall_s, b->wall_s), "%s: metrics", what);
    CHECK(a->best_epoch == b->best_epoch && a->epochs_run == b->epochs_run && a->rank == b->rank &&
          a->n_params == b->n_params, "%s: counters", what);
    CHECK(strcmp(a->dataset, b->dataset) == 0, "%s: dataset '%s' vs '%s'", what, a->dataset, b->dataset);
    CHECK(a->n_history == b->n_history, "%s: history length", what);
    for (size_t e = 0; e < a->n_history && e < b->n_history; e++) {
        const journal_epoch *x = &a->history[e], *y = &b->history[e];
        /* infinities are written as null and come back as NaN */
        CHECK((isfinite(x->val_loss) ? x->val_loss == y->val_loss : isnan(y->val_loss)) &&
              same_double(x->loss, y->loss) && same_double(x->mae, y->mae) &&
              same_double(x->val_mae, y->val_mae), "%s: history[%zu]", what, e);
    }
}

static void test_round_trip(void) {
    journal_record a, b;
    make_record(&a, 1);
    strbuf sb;
    strbuf_init(&sb);
    hs_error err;
    int rc = journal_record_format(&a, &sb, &err);
    CHECK(rc == 0, "format: %s", err.msg);
    CHECK(strchr(strbuf_str(&sb), '\n') == NULL, "one line");
    CHECK(strstr(strbuf_str(&sb), "\"cell\":\"gru\"") && strstr(strbuf_str(&sb), "\"optimizer\":\"adam\"") &&
          strstr(strbuf_str(&sb), "\"seed\":18364758544493064720") && strstr(strbuf_str(&sb), "\"dropout\":0.1,"),
          "fields by name: %s", strbuf_str(&sb));
    rc = journal_record_parse(sb.data, sb.len, &b, &err);
    CHECK(rc == 0, "parse: %s", err.msg);
    check_same(&a, &b, "round trip");
    journal_record_deinit(&b);

    /* a bad id is refused on write; missing fields on read */
    journal_record c = a;
    c.history = NULL;
    c.n_history = 0;
    snprintf(c.id, sizeof c.id, "XYZ");
    strbuf sb2;
    strbuf_init(&sb2);
    CHECK(journal_record_format(&c, &sb2, &err) == HS_ERR_VALUE, "bad id refused");
    strbuf_deinit(&sb2);
    const char *missing = "{\"v\":1,\"id\":\"0123456789abcdef\",\"repeat\":0}";
    CHECK(journal_record_parse(missing, strlen(missing), &b, &err) == HS_ERR_FORMAT &&
          strstr(err.msg, "status"), "missing field named: %s", err.msg);
    journal_record_deinit(&b);
    char *bad_cell = malloc(sb.len + 1);
    memcpy(bad_cell, sb.data, sb.len + 1);
    memcpy(strstr(bad_cell, "\"gru\""), "\"grx\"", 5);
    CHECK(journal_record_parse(bad_cell, sb.len, &b, &err) == HS_ERR_FORMAT && strstr(err.msg, "hparams.cell"),
          "bad cell named: %s", err.msg);
    journal_record_deinit(&b);
    /* the dataset fingerprint is optional (0.1 records) but must be 16 hex when present */
    memcpy(strstr(bad_cell, "\"grx\""), "\"gru\"", 5);
    memcpy(strstr(bad_cell, "\"dataset\":\"00ff") + 11, "0Xff", 4);
    CHECK(journal_record_parse(bad_cell, sb.len, &b, &err) == HS_ERR_FORMAT && strstr(err.msg, "dataset"),
          "bad dataset fingerprint named: %s", err.msg);
    journal_record_deinit(&b);
    free(bad_cell);
    strbuf_deinit(&sb);
    journal_record_deinit(&a);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

static void test_append_and_read(void) {
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/run", tmpdir); /* created by journal_open_append */
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    hs_error err;
    journal *j = journal_open_append(dir, &err);
    CHECK(j != NULL, "open: %s", err.msg);
    if (!j) return;
    journal_record recs[4];
    for (int k = 0; k < 4; k++) {
        make_record(&recs[k], k);
        CHECK(journal_append(j, &recs[k], &err) == 0, "append %d: %s", k, err.msg);
    }
    journal_close(j);

    journal_record *got = NULL;
    size_t n = 0;
    journal_read_info info;
    int rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 4 && info.dropped_last == 0 && info.lines == 4, "read 4: rc %d n %zu", rc, n);
    for (size_t k = 0; k < n && k < 4; k++) check_same(&recs[k], &got[k], "journal");
    journal_records_free(got, n);

    /* truncated last line (a crash mid-write): tolerated with a warning */
    char *text = read_all(path);
    size_t len = strlen(text);
    FILE *f = fopen(path, "ab");
    fwrite(text, 1, len / 8, f); /* first part of record 0 again, no newline */
    fclose(f);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 4, "truncated last line tolerated: rc %d n %zu (%s)", rc, n, err.msg);
    CHECK(info.dropped_last == 1 && info.dropped_line == 5 && strstr(info.warning, ":5:"),
          "warning names line 5: %s", info.warning);
    journal_records_free(got, n);

    /* reopening repairs it: the partial line moves to journal.jsonl.dropped */
    j = journal_open_append(dir, &err);
    CHECK(j != NULL && journal_repaired_bytes(j) == len / 8, "repaired %zu", journal_repaired_bytes(j));
    journal_record extra;
    make_record(&extra, 7);
    CHECK(j && journal_append(j, &extra, &err) == 0, "append after repair");
    journal_close(j);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 5 && info.dropped_last == 0, "clean after repair: n %zu, dropped %zu", n, info.dropped_last);
    if (rc == 0 && n == 5) check_same(&extra, &got[4], "after repair");
    journal_records_free(got, n);
    char dropped[700];
    snprintf(dropped, sizeof dropped, "%s.dropped", path);
    char *dtext = read_all(dropped);
    CHECK(dtext && strlen(dtext) == len / 8 + 1 && strncmp(dtext, text, len / 8) == 0, "dropped bytes kept");
    free(dtext);

    /* a complete last record lacking only its newline is kept, and the newline added */
    char *t2 = read_all(path);
    size_t l2 = strlen(t2);
    f = fopen(path, "wb");
    fwrite(t2, 1, l2 - 1, f);
    fclose(f);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 5 && info.dropped_last == 0, "complete last line without newline kept");
    journal_records_free(got, n);
    j = journal_open_append(dir, &err);
    CHECK(j && journal_repaired_bytes(j) == 0, "no repair needed");
    journal_close(j);
    char *t3 = read_all(path);
    CHECK(t3 && strcmp(t3, t2) == 0, "newline restored");
    free(t3);
    free(t2);

    /* corrupt middle line: an error naming line 2 */
    text = realloc(text, len + 1);
    char *second = strchr(text, '\n') + 1;
    char saved = second[5];
    second[5] = '#';
    write_file(path, text);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == HS_ERR_FORMAT && err.line == 2 && strcmp(err.file, path) == 0 && got == NULL && n == 0,
          "middle corruption: rc %d line %ld (%s)", rc, err.line, err.msg);
    CHECK(err.col == 6, "column %ld", err.col); /* the value of "v" */
    /* the same corruption on the last line is only a warning */
    char *last = text + len - 2;
    while (last > text && last[-1] != '\n') last--;
    second[5] = saved;
    write_file(path, text);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 4, "restored file reads: rc %d n %zu %s", rc, n, err.msg);
    journal_records_free(got, n);
    last[3] = '}';
    write_file(path, text);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 3 && info.dropped_last == 1 && info.dropped_line == 4,
          "corrupt complete last line is a warning: rc %d n %zu line %ld", rc, n, info.dropped_line);
    journal_records_free(got, n);
    /* blank lines are skipped, a corrupt line followed only by blank lines is still the last */
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "\n");
    strbuf_puts(&sb, text);
    strbuf_puts(&sb, "\n  \n");
    write_file(path, strbuf_str(&sb));
    strbuf_deinit(&sb);
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 3 && info.dropped_line == 5, "blank lines: rc %d n %zu line %ld", rc, n, info.dropped_line);
    journal_records_free(got, n);
    free(text);
    for (int k = 0; k < 4; k++) journal_record_deinit(&recs[k]);
    journal_record_deinit(&extra);
}

static void test_duplicates_and_edges(void) {
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/dups", tmpdir);
    snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_JOURNAL);
    hs_error err;
    journal *j = journal_open_append(dir, &err);
    CHECK(j != NULL, "open: %s", err.msg);
    if (!j) return;
    journal_record a, b, c;
    make_record(&a, 0);
    make_record(&b, 2);
    make_record(&c, 0);
    c.status = JOURNAL_FAILED;
    snprintf(c.reason, sizeof c.reason, "rerun");
    journal_append(j, &a, &err);
    journal_append(j, &b, &err);
    journal_append(j, &c, &err); /* same id as a: wins */

    /* the lock: another process cannot open the same journal for appending */
    pid_t pid = fork();
    if (pid == 0) {
        hs_error e2;
        journal *j2 = journal_open_append(dir, &e2);
        _exit(j2 == NULL && e2.code == HS_ERR_STATE ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "second writer refused by the lock");
    journal_close(j);

    journal_record *got = NULL;
    size_t n = 0;
    journal_read_info info;
    int rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 2 && info.duplicates == 1, "dedupe: n %zu dups %zu", n, info.duplicates);
    if (n == 2) {
        CHECK(strcmp(got[0].id, b.id) == 0 && strcmp(got[1].id, a.id) == 0, "file order of survivors");
        CHECK(got[1].status == JOURNAL_FAILED && strcmp(got[1].reason, "rerun") == 0, "last one wins");
    }
    journal_records_free(got, n);

    /* empty file: no records; missing file: io error */
    write_file(path, "");
    rc = journal_read(path, &got, &n, &info, &err);
    CHECK(rc == 0 && n == 0 && got == NULL, "empty journal");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope/%s", tmpdir, RUNDIR_JOURNAL);
    rc = journal_read(missing, &got, &n, &info, &err);
    CHECK(rc == HS_ERR_IO && strcmp(err.file, missing) == 0, "missing journal: %d", rc);
    /* open in a directory that cannot be created */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/nope/deeper", tmpdir);
    CHECK(journal_open_append(bad, &err) == NULL && err.code == HS_ERR_IO, "uncreatable dir");
    journal_close(NULL);
    journal_record_deinit(&a);
    journal_record_deinit(&b);
    journal_record_deinit(&c);
}

/* every truncation of a record fails to parse, and random byte flips never crash */
static void test_damaged_records(void) {
    journal_record a, b;
    make_record(&a, 0);
    strbuf sb;
    strbuf_init(&sb);
    journal_record_format(&a, &sb, NULL);
    int all_fail = 1;
    for (size_t k = 0; k < sb.len; k++) {
        if (journal_record_parse(sb.data, k, &b, NULL) == 0) all_fail = 0;
        journal_record_deinit(&b);
    }
    CHECK(all_fail, "every truncated record rejected");
    rng r;
    rng_seed(&r, 42);
    char *copy = malloc(sb.len);
    size_t parsed = 0;
    for (int t = 0; t < 2000; t++) {
        memcpy(copy, sb.data, sb.len);
        for (int f = 0; f < 3; f++) copy[rng_below(&r, sb.len)] = (char)rng_below(&r, 256);
        if (journal_record_parse(copy, sb.len, &b, NULL) == 0) parsed++;
        journal_record_deinit(&b);
    }
    CHECK(parsed < 2000, "flips detected (%zu of 2000 still parse, e.g. digits changed)", parsed);
    free(copy);
    strbuf_deinit(&sb);
    journal_record_deinit(&a);
}

/* Provenance: written when known and read back; a record without it (an older journal) is
 * read with everything unknown; a mistyped provenance key is refused by name. */
static void test_provenance(void) {
    journal_record a, b;
    make_record(&a, 2);
    hs_error err;
    strbuf sb;
    strbuf_init(&sb);
    CHECK(journal_record_format(&a, &sb, &err) == 0, "format: %s", err.msg);
    CHECK(!strstr(strbuf_str(&sb), "\"host\"") && !strstr(strbuf_str(&sb), "start_unix"),
          "unknown provenance is not written: %s", strbuf_str(&sb));
    CHECK(journal_record_parse(sb.data, sb.len, &b, &err) == 0, "parse old record: %s", err.msg);
    CHECK(b.host[0] == '\0' && b.slurm_job_id[0] == '\0' && isnan(b.start_unix) && isnan(b.end_unix) &&
          isnan(b.wall_total_s), "old record: provenance unknown");
    journal_record_deinit(&b);
    strbuf_deinit(&sb);

    setenv("SLURM_JOB_ID", "4711", 1);
    setenv("SLURM_ARRAY_TASK_ID", "3", 1);
    journal_record_set_provenance(&a, 1764600000.25, 1764600012.75, 30.5);
    unsetenv("SLURM_JOB_ID");
    unsetenv("SLURM_ARRAY_TASK_ID");
    CHECK(a.host[0] != '\0', "host name filled");
    strbuf_init(&sb);
    CHECK(journal_record_format(&a, &sb, &err) == 0, "format: %s", err.msg);
    CHECK(strstr(strbuf_str(&sb), "\"slurm_job_id\":\"4711\",\"slurm_array_task_id\":\"3\","
                                  "\"start_unix\":1764600000.25,\"end_unix\":1764600012.75,\"wall_total_s\":30.5}"),
          "provenance written: %s", strbuf_str(&sb));
    CHECK(journal_record_parse(sb.data, sb.len, &b, &err) == 0, "parse: %s", err.msg);
    CHECK(strcmp(a.host, b.host) == 0 && strcmp(b.slurm_job_id, "4711") == 0 &&
          strcmp(b.slurm_array_task_id, "3") == 0 && b.start_unix == 1764600000.25 && b.end_unix == 1764600012.75 &&
          b.wall_total_s == 30.5, "provenance read back");
    journal_record_deinit(&b);
    char *bad = malloc(sb.len + 1);
    memcpy(bad, sb.data, sb.len + 1);
    memcpy(strstr(bad, "\"4711\""), "147110", 6);
    CHECK(journal_record_parse(bad, sb.len, &b, &err) == HS_ERR_FORMAT && strstr(err.msg, "slurm_job_id"),
          "mistyped provenance named: %s", err.msg);
    journal_record_deinit(&b);
    free(bad);
    strbuf_deinit(&sb);
    journal_record_deinit(&a);
}

int main(void) {
    test_provenance();
    test_damaged_records();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hs_test_journal_XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    test_round_trip();
    test_append_and_read();
    test_duplicates_and_edges();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_failures("test_journal");
}
