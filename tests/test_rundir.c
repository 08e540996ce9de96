/* test_rundir: the run directory's paths and the one atomic-write routine.
 *
 * Every failure is simulated for real, without hooks: a missing directory (create fails),
 * a file size limit (RLIMIT_FSIZE with SIGXFSZ ignored: write fails with EFBIG mid-file), a
 * non-empty directory in the target's place (rename fails), a stream whose descriptor was
 * closed under it (flush fails), and an HDF5 writer whose fill callback fails. After each,
 * the target holds its old content byte for byte and no temporary file is left; after a
 * success it holds the new content with mode 0644. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/h5util.h"
#include "io/rundir.h"
#include "tests/test_util.h"

static char tmpdir[] = "/tmp/test_rundir_XXXXXX";

/* Number of entries in dir whose name contains ".tmp.". */
static int tmp_count(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

/* 1 if path holds exactly want. */
static int holds(const char *path, const char *want) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char buf[4096];
    size_t k = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return k == strlen(want) && memcmp(buf, want, k) == 0;
}

static void test_paths(void) {
    char p[64];
    CHECK(rundir_path(p, sizeof p, "runs/x", RUNDIR_JOURNAL, NULL) == 0 &&
          strcmp(p, "runs/x/journal.jsonl") == 0, "journal path: %s", p);
    CHECK(rundir_ckpt_path(p, sizeof p, "runs/x", "0123456789abcdef") == 0 &&
          strcmp(p, "runs/x/ckpt/0123456789abcdef.ckpt") == 0, "checkpoint path: %s", p);
    hs_error err;
    CHECK(rundir_path(p, 10, "runs/x", RUNDIR_STATUS, &err) == HS_ERR_VALUE &&
          strstr(err.msg, "too long"), "too long refused");
    CHECK(rundir_ckpt_path(p, 10, "runs/x", "0123456789abcdef") == HS_ERR_VALUE, "ckpt too long");
    char d[256], f[512];
    snprintf(d, sizeof d, "%s/a/b/c", tmpdir);
    CHECK(rundir_mkdirs(d, &err) == 0 && rundir_exists(d), "mkdir -p: %s", err.msg);
    CHECK(rundir_mkdirs(d, &err) == 0, "mkdir -p twice");
    snprintf(f, sizeof f, "%s/file", d);
    CHECK(rundir_write_atomic(f, "x", 1, &err) == 0, "a file");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/sub", f);
    CHECK(rundir_mkdirs(sub, &err) == HS_ERR_IO, "under a file: refused");
}

static void test_success(void) {
    char p[512];
    snprintf(p, sizeof p, "%s/status.json", tmpdir);
    hs_error err;
    CHECK(rundir_write_atomic(p, "old", 3, &err) == 0, "create: %s", err.msg);
    CHECK(rundir_write_atomic(p, "new content", 11, &err) == 0, "replace: %s", err.msg);
    CHECK(holds(p, "new content"), "new content");
    struct stat sb;
    CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0644, "mode 0644: %o",
          (unsigned)(sb.st_mode & 0777));
    CHECK(rundir_write(tmpdir, RUNDIR_SUMMARY, "", 0, &err) == 0, "empty file");
    /* through a stream */
    rundir_atomic a;
    CHECK(rundir_atomic_open(&a, p, &err) == 0, "open");
    FILE *f = rundir_atomic_stream(&a, &err);
    CHECK(f && fprintf(f, "streamed %d", 42) > 0, "stream");
    CHECK(holds(p, "new content"), "target untouched before commit");
    CHECK(rundir_atomic_commit(&a, &err) == 0 && holds(p, "streamed 42"), "commit");
    /* abort leaves the old content */
    CHECK(rundir_atomic_open(&a, p, &err) == 0, "open");
    CHECK(write(a.fd, "zzz", 3) == 3, "write");
    rundir_atomic_abort(&a);
    rundir_atomic_abort(&a);   /* twice is fine */
    CHECK(holds(p, "streamed 42") && tmp_count(tmpdir) == 0, "abort: old content, no temp");
}

static void test_write_failures(void) {
    char p[512];
    hs_error err;
    snprintf(p, sizeof p, "%s/results.md", tmpdir);
    CHECK(rundir_write_atomic(p, "old", 3, &err) == 0, "old");

    /* missing directory: nothing can be created */
    char m[512];
    snprintf(m, sizeof m, "%s/missing/x.json", tmpdir);
    CHECK(rundir_write_atomic(m, "x", 1, &err) == HS_ERR_IO && strstr(err.msg, "cannot create"),
          "missing dir: %s", err.msg);

    /* a write error mid-file: the file size limit makes write() fail with EFBIG */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 1024;
    signal(SIGXFSZ, SIG_IGN);
    char big[4096];
    memset(big, 'b', sizeof big);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        int rc = rundir_write_atomic(p, big, sizeof big, &err);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(rc == HS_ERR_IO && strstr(err.msg, "cannot write"), "EFBIG: %d %s", rc, err.msg);
        CHECK(holds(p, "old"), "old content after a failed write");
        /* the same through a stream: the error shows at flush/commit */
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0, "limit again");
        rundir_atomic a;
        CHECK(rundir_atomic_open(&a, p, &err) == 0, "open");
        FILE *f = rundir_atomic_stream(&a, &err);
        if (f) fwrite(big, 1, sizeof big, f);
        rc = rundir_atomic_commit(&a, &err);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(rc == HS_ERR_IO && holds(p, "old"), "stream EFBIG: %d %s", rc, err.msg);
    } else {
        CHECK(0, "setrlimit(RLIMIT_FSIZE) failed");
    }
    CHECK(tmp_count(tmpdir) == 0, "no temporary file after write errors");

    /* rename fails: a non-empty directory sits where the file should go */
    char d[512], inner[600];
    snprintf(d, sizeof d, "%s/taken", tmpdir);
    snprintf(inner, sizeof inner, "%s/keep", d);
    mkdir(d, 0755);
    CHECK(rundir_write_atomic(inner, "k", 1, &err) == 0, "inner");
    CHECK(rundir_write_atomic(d, "data", 4, &err) == HS_ERR_IO, "rename over a non-empty dir");
    CHECK(holds(inner, "k") && tmp_count(tmpdir) == 0, "directory intact, no temp");

    /* the descriptor closed under the stream: flush or fsync fails */
    rundir_atomic a;
    CHECK(rundir_atomic_open(&a, p, &err) == 0, "open");
    FILE *f = rundir_atomic_stream(&a, &err);
    if (f) fputs("lost", f);
    close(a.fd);
    CHECK(rundir_atomic_commit(&a, &err) == HS_ERR_IO && holds(p, "old"), "closed fd: %s",
          err.msg);
    CHECK(tmp_count(tmpdir) == 0, "no temporary file");
}

static int fill_ok(hid_t f, const void *ctx) { return h5util_put_string(f, "what", ctx); }
static int fill_fail(hid_t f, const void *ctx) {
    (void)f;
    (void)ctx;
    return -1;
}

static void test_hdf5(void) {
    char p[512];
    hs_error err;
    snprintf(p, sizeof p, "%s/best_model.h5", tmpdir);
    h5util_quiet q;
    h5util_quiet_on(&q);
    CHECK(h5util_write_atomic(p, fill_ok, "first", &err) == 0, "hdf5 write: %s", err.msg);
    struct stat before, after;
    stat(p, &before);
    /* the file is built in memory (disk errors come from rundir_write_atomic, see
     * test_cli_faultinject): a failing fill is reported as such */
    CHECK(h5util_write_atomic(p, fill_fail, NULL, &err) == HS_ERR_NOMEM &&
          strstr(err.msg, "building the HDF5 file"), "fill fails: %s", err.msg);
    CHECK(stat(p, &after) == 0 && after.st_ino == before.st_ino &&
          after.st_size == before.st_size, "the old file is still in place");
    CHECK(tmp_count(tmpdir) == 0, "no temporary file");
    h5util_quiet_off(&q);
}

int main(void) {
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_paths();
    test_success();
    test_write_failures();
    test_hdf5();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_failures("test_rundir");
}
