/* test_ckpt: epoch checkpoint files and resuming a trial from them.
 *
 * Files (in a mkdtemp directory under /tmp): a checkpoint round-trips field for field and
 * bit for bit; corrupt, truncated, foreign (not a checkpoint), other-version, other-trial
 * and other-configuration files are rejected with the right code; writes leave no temporary
 * file; ckpt_key changes with any hparam and with the dataset's shape. Slot files (version
 * 2): the epochs of a trial rewrite one inode in place (negative control: ckpt_write's
 * temporary file and rename makes a new inode each time), each state reads back; a torn
 * newest slot falls back to the previous state, two torn slots and a bad header are
 * refused; a resumed writer continues in the other slot; a history that outgrows the slots
 * makes a larger file; a version-1 file is read and then replaced by a slot file.
 * Resume: a trial stopped after epoch k (by the epoch hook, or by the stop flag in the
 * middle of epoch k+1 as a signal does) and resumed from its epoch-k checkpoint file gives a
 * history, val/test MAE, val_loss and best epoch bit-identical to an uninterrupted run, for
 * LSTM with dropout + recurrent dropout + head dropout and Adam (rng and Adam's step count
 * in the state), GRU with RMSprop, and an early-stopping run resumed after its best epoch
 * (the patience counter), and a trial stopped during its final evaluation. Negative
 * controls: a checkpoint with a changed rng state or Adam step count gives a different
 * result; a checkpoint of another size is HS_ERR_STATE. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/ckpt.h"
#include "io/sha256.h"
#include "io/dataset.h"
#include "io/rundir.h"
#include "model/hparams.h"
#include "model/rng.h"
#include "sweep/trial.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"

static const char *test_id = "0123456789abcdef";

/* ---- fixtures ---------------------------------------------------------------------------- */

static void small_hp(hs_hparams *hp, hs_cell cell, hs_optimizer opt) {
    fixtures_small_hp(hp, cell, 11);
    hp->optimizer = opt;
}

/* A checkpoint with E epochs, P params, S optimiser floats filled from seed (owned arrays,
 * freed with ckpt_state_free). */
static void fake_state(trial_checkpoint *ck, size_t E, size_t P, size_t S, uint64_t seed) {
    memset(ck, 0, sizeof *ck);
    rng r;
    rng_seed(&r, seed);
    ck->epochs_done = E;
    ck->n_params = P;
    ck->opt_state_len = S;
    ck->opt_iterations = 1000 + seed;
    rng_seed(&ck->r, seed ^ 77);
    ck->best_epoch = E > 1 ? E - 1 : 1;
    ck->best_val = rng_uniform(&r);
    ck->since_best = E - ck->best_epoch;
    ck->wall_s = 12.5;
    ck->history = malloc(E * sizeof *ck->history);
    ck->params = malloc(P * sizeof(float));
    ck->best = malloc(P * sizeof(float));
    ck->opt_state = malloc(S * sizeof(float));
    for (size_t e = 0; e < E; e++) {
        ck->history[e].loss = rng_normal(&r);
        ck->history[e].mae = rng_normal(&r);
        ck->history[e].val_loss = rng_normal(&r);
        ck->history[e].val_mae = rng_normal(&r);
        ck->history[e].wall_s = rng_uniform(&r);
    }
    for (size_t i = 0; i < P; i++) ck->params[i] = (float)rng_normal(&r);
    for (size_t i = 0; i < P; i++) ck->best[i] = (float)rng_normal(&r);
    for (size_t i = 0; i < S; i++) ck->opt_state[i] = rng_uniformf(&r);
}

static int same_state(const trial_checkpoint *a, const trial_checkpoint *b) {
    if (a->epochs_done != b->epochs_done || a->n_params != b->n_params ||
        a->opt_state_len != b->opt_state_len || a->opt_iterations != b->opt_iterations ||
        memcmp(&a->r, &b->r, sizeof a->r) != 0 || a->best_epoch != b->best_epoch ||
        memcmp(&a->best_val, &b->best_val, sizeof(double)) != 0 ||
        a->since_best != b->since_best || memcmp(&a->wall_s, &b->wall_s, sizeof(double)) != 0)
        return 0;
    return memcmp(a->history, b->history, a->epochs_done * sizeof *a->history) == 0 &&
           memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0 &&
           memcmp(a->best, b->best, a->n_params * sizeof(float)) == 0 &&
           memcmp(a->opt_state, b->opt_state, a->opt_state_len * sizeof(float)) == 0;
}

/* Whole file into a malloc'ed buffer; *n its length. */
static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
    *n = b ? fread(b, 1, (size_t)len, f) : 0;
    fclose(f);
    return b;
}

static void spit(const char *path, const unsigned char *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(b, 1, n, f);
    fclose(f);
}

/* ---- file format ------------------------------------------------------------------------- */

static void test_file(const char *dir) {
    char path[512], bad[512];
    snprintf(path, sizeof path, "%s/a.ckpt", dir);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", dir);
    trial_checkpoint ck, back;
    fake_state(&ck, 5, 301, 602, 3);
    hs_error err;
    uint64_t key = 0x1234567890abcdefULL;
    int rc = ckpt_write(path, test_id, key, &ck, &err);
    CHECK(rc == 0, "write: %s", err.msg);
    rc = ckpt_read(path, test_id, key, &back, &err);
    CHECK(rc == 0, "read: %s", err.msg);
    if (rc == 0) CHECK(same_state(&ck, &back), "round trip changed the state");
    ckpt_state_free(&back);
    CHECK(back.history == NULL && back.params == NULL, "ckpt_state_free zeroes");
    ckpt_state_free(NULL);
    /* overwrite in place (atomic rename) and no temporary file left behind */
    trial_checkpoint ck2;
    fake_state(&ck2, 6, 301, 602, 4);
    CHECK(ckpt_write(path, test_id, key, &ck2, &err) == 0, "rewrite: %s", err.msg);
    CHECK(ckpt_read(path, test_id, key, &back, &err) == 0 && same_state(&ck2, &back),
          "rewritten checkpoint read back");
    ckpt_state_free(&back);
    ckpt_state_free(&ck2);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    CHECK(system(cmd) != 0, "temporary file left in %s", dir);

    size_t n = 0;
    unsigned char *b = slurp(path, &n);
    CHECK(b && n > 200, "file read back (%zu bytes)", n);
    if (!b || n <= 200) {
        free(b);
        ckpt_state_free(&ck);
        return;
    }
    /* a flipped byte in the weights: checksum mismatch */
    b[n - 100] ^= 0x10;
    spit(bad, b, n);
    b[n - 100] ^= 0x10;
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "checksum"), "corrupt: rc %d %s", rc, err.msg);
    CHECK(back.params == NULL, "nothing owned after a failure");
    /* truncated: at the end, and inside the header */
    spit(bad, b, n - 7);
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT, "truncated by 7 bytes: rc %d %s", rc, err.msg);
    spit(bad, b, 60);
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT, "truncated to 60 bytes: rc %d %s", rc, err.msg);
    spit(bad, b, 0);
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT, "empty file: rc %d %s", rc, err.msg);
    /* trailing garbage */
    unsigned char *longer = malloc(n + 4);
    memcpy(longer, b, n);
    memset(longer + n, 0, 4);
    spit(bad, longer, n + 4);
    free(longer);
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT, "trailing bytes: rc %d %s", rc, err.msg);
    /* another version */
    b[8] ^= 0x02;
    spit(bad, b, n);
    b[8] ^= 0x02;
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "version"), "version: rc %d %s", rc, err.msg);
    /* not a checkpoint at all */
    const char *text = "{\"v\":1,\"id\":\"0123456789abcdef\"} this is a journal line, padded "
                       "to be longer than a checkpoint header..........................."
                       "....................................................................";
    spit(bad, (const unsigned char *)text, strlen(text));
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "not an hsweep checkpoint"), "foreign: %s",
          err.msg);
    /* another trial, another configuration or dataset, a missing file */
    rc = ckpt_read(path, "fedcba9876543210", key, &back, &err);
    CHECK(rc == HS_ERR_STATE && strstr(err.msg, "0123456789abcdef"), "other id: rc %d %s", rc,
          err.msg);
    rc = ckpt_read(path, test_id, key + 1, &back, &err);
    CHECK(rc == HS_ERR_STATE && strstr(err.msg, "configuration"), "other key: rc %d %s", rc,
          err.msg);
    snprintf(bad, sizeof bad, "%s/missing.ckpt", dir);
    rc = ckpt_read(bad, test_id, key, &back, &err);
    CHECK(rc == HS_ERR_IO, "missing file: rc %d", rc);
    /* writing into a missing directory fails cleanly */
    snprintf(bad, sizeof bad, "%s/no/such/dir.ckpt", dir);
    rc = ckpt_write(bad, test_id, key, &ck, &err);
    CHECK(rc == HS_ERR_IO, "write into a missing directory: rc %d", rc);
    CHECK(ckpt_write(path, "short", key, &ck, &err) == HS_ERR_VALUE, "bad id refused");
    free(b);
    ckpt_state_free(&ck);

    char p[64];
    CHECK(rundir_ckpt_path(p, sizeof p, "runs/x", test_id) == 0 &&
          strcmp(p, "runs/x/ckpt/0123456789abcdef.ckpt") == 0, "ckpt_path: %s", p);
    CHECK(rundir_ckpt_path(p, 10, "runs/x", test_id) == HS_ERR_VALUE, "ckpt_path too long");
}

/* ---- slot files (version 2): one inode per trial, rewritten in place ------------------------ */

static unsigned long long inode_of(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (unsigned long long)sb.st_ino : 0;
}

/* Read path as trial test_id/key and compare with want (1: same state). */
static int reads_as(const char *path, uint64_t key, const trial_checkpoint *want) {
    trial_checkpoint back;
    hs_error err;
    int ok = ckpt_read(path, test_id, key, &back, &err) == 0 && same_state(want, &back);
    ckpt_state_free(&back);
    return ok;
}

static void test_slots(const char *dir) {
    char path[512], cmd[700];
    snprintf(path, sizeof path, "%s/slots.ckpt", dir);
    uint64_t key = 0x5151;
    hs_error err;
    ckpt_file f;
    CHECK(ckpt_file_init(&f, path, 1, &err) == 0, "init: %s", err.msg);
    trial_checkpoint none;
    CHECK(ckpt_file_load(&f, test_id, key, &none, &err) == 1 && none.history == NULL,
          "no file: load says so");
    /* epochs 1..6 of a trial: one file, one inode, each state read back after its write */
    trial_checkpoint st[7];
    unsigned long long ino = 0;
    int same_inode = 1, each_read = 1;
    for (size_t e = 1; e <= 6; e++) {
        fake_state(&st[e], e, 301, 602, 40 + e);
        CHECK(ckpt_file_write(&f, test_id, key, &st[e], &err) == 0, "write %zu: %s", e, err.msg);
        if (e == 1) ino = inode_of(path);
        else if (inode_of(path) != ino) same_inode = 0;
        if (!reads_as(path, key, &st[e])) each_read = 0;
    }
    CHECK(ino != 0 && same_inode, "six epochs rewrote one inode in place");
    CHECK(each_read, "every epoch's state read back after its write");
    ckpt_file_close(&f);
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    CHECK(system(cmd) != 0, "temporary file left in %s", dir);
    size_t n = 0;
    unsigned char *b = slurp(path, &n);
    uint32_t ver = 0;
    uint64_t cap = 0;
    if (b && n > 64) {
        memcpy(&ver, b + 8, 4);
        memcpy(&cap, b + 16, 8);
    }
    CHECK(ver == CKPT_VERSION_SLOTS && cap >= 512 && cap % 512 == 0 && n > cap,
          "version-2 file with two slots (version %u, C %llu, %zu bytes)", (unsigned)ver,
          (unsigned long long)cap, n);
    /* a torn write of the newest slot (epoch 6, slot 1): the reader falls back to epoch 5 */
    if (b && n > cap + 200) {
        char torn[600];
        snprintf(torn, sizeof torn, "%s/torn.ckpt", dir);
        b[cap + 200] ^= 0x40;
        spit(torn, b, n);
        CHECK(reads_as(torn, key, &st[5]), "torn newest slot: the previous state is read");
        /* both slots torn: refused (the negative control of the fallback) */
        b[64 + 200] ^= 0x40;
        spit(torn, b, n);
        trial_checkpoint back;
        int rc = ckpt_read(torn, test_id, key, &back, &err);
        CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "checksum"), "both slots torn: rc %d %s",
              rc, err.msg);
        b[64 + 200] ^= 0x40;
        b[cap + 200] ^= 0x40;
        /* the header's slot size damaged: refused */
        uint64_t bad = cap + 3;
        memcpy(b + 16, &bad, 8);
        spit(torn, b, n);
        rc = ckpt_read(torn, test_id, key, &back, &err);
        CHECK(rc == HS_ERR_FORMAT, "bad slot size: rc %d %s", rc, err.msg);
        memcpy(b + 16, &cap, 8);
    }
    free(b);
    /* another writer (a resumed run) continues in place: the other slot, same inode */
    ckpt_file g;
    trial_checkpoint got;
    ckpt_file_init(&g, path, 0, &err);
    CHECK(ckpt_file_load(&g, test_id, key, &got, &err) == 0 && same_state(&st[6], &got),
          "load: the newest state (%s)", err.msg);
    ckpt_state_free(&got);
    trial_checkpoint e7;
    fake_state(&e7, 7, 301, 602, 47);
    CHECK(ckpt_file_write(&g, test_id, key, &e7, &err) == 0, "write after load: %s", err.msg);
    CHECK(inode_of(path) == ino && reads_as(path, key, &e7), "continued in place");
    /* another trial's state is not this one's */
    CHECK(ckpt_read(path, "fedcba9876543210", key, &got, &err) == HS_ERR_STATE,
          "other id: %s", err.msg);
    ckpt_state_free(&e7);
    /* a history that outgrows the slots: a new, larger file (written atomically) */
    trial_checkpoint big;
    fake_state(&big, 400, 301, 602, 48);
    CHECK(ckpt_file_write(&g, test_id, key, &big, &err) == 0, "grown: %s", err.msg);
    CHECK(reads_as(path, key, &big), "grown state read back");
    ckpt_state_free(&big);
    ckpt_file_close(&g);
    for (size_t e = 1; e <= 6; e++) ckpt_state_free(&st[e]);

    /* a version-1 file (an older run directory): read, then replaced by a slot file */
    char old[512];
    snprintf(old, sizeof old, "%s/v1.ckpt", dir);
    trial_checkpoint v1, v2;
    fake_state(&v1, 3, 50, 100, 61);
    CHECK(ckpt_write(old, test_id, key, &v1, &err) == 0, "v1 write: %s", err.msg);
    unsigned long long ino1 = inode_of(old);
    /* negative control of the inode check: ckpt_write (temporary file and rename, what every
     * epoch cost before slot files) makes a new inode each time */
    CHECK(ckpt_write(old, test_id, key, &v1, &err) == 0 && inode_of(old) != ino1,
          "ckpt_write renames a new inode into place");
    ckpt_file h;
    ckpt_file_init(&h, old, 0, &err);
    CHECK(ckpt_file_load(&h, test_id, key, &got, &err) == 0 && same_state(&v1, &got),
          "version-1 file loaded: %s", err.msg);
    ckpt_state_free(&got);
    fake_state(&v2, 4, 50, 100, 62);
    CHECK(ckpt_file_write(&h, test_id, key, &v2, &err) == 0 && reads_as(old, key, &v2),
          "version-1 file replaced by a slot file: %s", err.msg);
    ckpt_file_close(&h);
    ckpt_state_free(&v1);
    ckpt_state_free(&v2);
}

static void test_key(void) {
    hs_hparams a, b;
    small_hp(&a, HS_CELL_LSTM, HS_OPT_ADAM);
    b = a;
    hs_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n_rows = 800;
    ds.n_features = 3;
    ds.n_train = 400;
    ds.n_val = 200;
    ds.n_test = 200;
    uint64_t k = ckpt_key(&a, &ds);
    CHECK(k == ckpt_key(&b, &ds), "same config, same key");
    b.seed++;
    CHECK(k != ckpt_key(&b, &ds), "seed changes the key");
    b = a;
    b.learning_rate *= 1.0001f;
    CHECK(k != ckpt_key(&b, &ds), "learning rate changes the key");
    b = a;
    b.recurrent_dropout = 0.1f;
    CHECK(k != ckpt_key(&b, &ds), "recurrent dropout changes the key");
    ds.n_val++;
    CHECK(k != ckpt_key(&a, &ds), "dataset split changes the key");
    CHECK(k != ckpt_key(&a, NULL), "dataset shape is part of the key");
}

/* ---- resume ------------------------------------------------------------------------------ */

/* Hook context: write a checkpoint file after every epoch, stop after epoch `after`
 * (hook) or raise the stop flag at batch `stop_batch` of the whole run (signal-like). */
typedef struct resume_ctx {
    const char *path;         /* checkpoint file */
    uint64_t key;             /* its key */
    size_t after;             /* on_epoch returns 1 after this epoch (0: never) */
    size_t stop_batch;        /* raise *flag at this batch boundary (0: never) */
    size_t batches;           /* batch boundaries seen */
    volatile int *flag;       /* the stop flag */
    size_t written;           /* checkpoints written */
    int write_failed;         /* a ckpt_write failed */
} resume_ctx;

static void on_ckpt(const trial_checkpoint *ck, void *ctx) {
    resume_ctx *r = ctx;
    if (ckpt_write(r->path, test_id, r->key, ck, NULL) != 0) r->write_failed = 1;
    r->written++;
}

static int on_epoch(const trial_progress *p, void *ctx) {
    resume_ctx *r = ctx;
    return r->after && p->epoch == r->after;
}

static void on_batch(void *ctx) {
    resume_ctx *r = ctx;
    if (++r->batches == r->stop_batch) *r->flag = 1;
}

/* Bit-identical results: status, epochs, best epoch, every history entry, val/test. */
static int same_result(const trial_result *a, const trial_result *b) {
    if (a->status != b->status || a->epochs_run != b->epochs_run ||
        a->best_epoch != b->best_epoch || a->n_params != b->n_params)
        return 0;
    for (size_t i = 0; i < a->epochs_run; i++) {
        const trial_epoch *x = &a->history[i], *y = &b->history[i];
        if (memcmp(&x->loss, &y->loss, sizeof(double)) ||
            memcmp(&x->mae, &y->mae, sizeof(double)) ||
            memcmp(&x->val_loss, &y->val_loss, sizeof(double)) ||
            memcmp(&x->val_mae, &y->val_mae, sizeof(double)))
            return 0;
    }
    return memcmp(&a->val_mae, &b->val_mae, sizeof(double)) == 0 &&
           memcmp(&a->val_loss, &b->val_loss, sizeof(double)) == 0 &&
           memcmp(&a->test_mae, &b->test_mae, sizeof(double)) == 0;
}

/* Run hp uninterrupted; run it again stopped after epoch k (by_flag: the stop flag in the
 * middle of epoch k+1) writing checkpoints; resume from the file; compare. Returns the
 * number of epochs of the full run. */
static size_t check_resume(const char *name, const char *dir, const hs_hparams *hp,
                           const hs_dataset *ds, size_t k, int by_flag, int negative) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.ckpt", dir, name);
    remove(path);
    hs_error err;
    trial_result full, part, resumed;
    int rc = trial_run(&full, hp, ds, NULL, &err);
    CHECK(rc == 0 && full.status == TRIAL_OK, "%s: full run: %s", name, err.msg);
    if (rc != 0) return 0;

    volatile int flag = 0;
    uint64_t key = ckpt_key(hp, ds);
    size_t per_epoch = (full.n_windows[0] + hp->batch_size - 1) / hp->batch_size +
                       (full.n_windows[1] + hp->batch_size - 1) / hp->batch_size;
    /* boundaries: every training batch and every validation batch of each epoch; stop
     * three training batches into epoch k+1 */
    resume_ctx rc1 = {path, key, by_flag ? 0 : k, by_flag ? k * per_epoch + 3 : 0, 0, &flag,
                      0, 0};
    trial_hooks h1 = {.on_epoch = on_epoch, .ctx = &rc1, .on_batch = on_batch, .stop = &flag,
                      .on_checkpoint = on_ckpt};
    rc = trial_run(&part, hp, ds, &h1, &err);
    CHECK(rc == 0 && part.status == TRIAL_STOPPED, "%s: stopped run: rc %d status %s", name,
          rc, trial_status_name(part.status));
    CHECK(part.epochs_run == k && rc1.written == k && !rc1.write_failed,
          "%s: stopped after %zu epochs (want %zu), %zu checkpoints", name, part.epochs_run, k,
          rc1.written);
    CHECK(isnan(part.test_mae), "%s: a stopped trial has no test MAE", name);

    trial_checkpoint ck;
    rc = ckpt_read(path, test_id, key, &ck, &err);
    CHECK(rc == 0 && ck.epochs_done == k, "%s: checkpoint after epoch %zu: %s", name, k,
          err.msg);
    if (rc == 0) {
        flag = 0;
        resume_ctx rc2 = {path, key, 0, 0, 0, &flag, 0, 0};
        trial_hooks h2 = {.on_epoch = on_epoch, .ctx = &rc2, .on_batch = on_batch,
                          .stop = &flag, .on_checkpoint = on_ckpt, .resume = &ck};
        rc = trial_run(&resumed, hp, ds, &h2, &err);
        CHECK(rc == 0, "%s: resumed run: %s", name, err.msg);
        if (rc == 0) {
            CHECK(same_result(&full, &resumed),
                  "%s: resumed after epoch %zu differs: epochs %zu/%zu best %zu/%zu val_mae "
                  "%.17g/%.17g test_mae %.17g/%.17g", name, k, full.epochs_run,
                  resumed.epochs_run, full.best_epoch, resumed.best_epoch, full.val_mae,
                  resumed.val_mae, full.test_mae, resumed.test_mae);
            CHECK(rc2.written == full.epochs_run - k, "%s: %zu checkpoints after resume",
                  name, rc2.written);
            CHECK(resumed.wall_s >= ck.wall_s, "%s: wall time includes the first session",
                  name);
            trial_result_deinit(&resumed);
        }
        if (negative) {
            /* negative controls: the rng state and Adam's step count matter */
            trial_checkpoint alt = ck;
            alt.r.s[0] ^= 1;
            trial_hooks h3 = {.resume = &alt};
            rc = trial_run(&resumed, hp, ds, &h3, &err);
            CHECK(rc == 0 && !same_result(&full, &resumed), "%s: other rng state, same result",
                  name);
            trial_result_deinit(&resumed);
            alt = ck;
            alt.opt_iterations += 5;
            rc = trial_run(&resumed, hp, ds, &h3, &err);
            CHECK(rc == 0 && !same_result(&full, &resumed), "%s: other Adam t, same result",
                  name);
            trial_result_deinit(&resumed);
            alt = ck;
            alt.n_params--;
            rc = trial_run(&resumed, hp, ds, &h3, &err);
            CHECK(rc == HS_ERR_STATE && resumed.history == NULL,
                  "%s: checkpoint of another size: rc %d", name, rc);
            alt = ck;
            alt.epochs_done = hp->epochs + 1;
            rc = trial_run(&resumed, hp, ds, &h3, &err);
            CHECK(rc == HS_ERR_STATE, "%s: checkpoint beyond the last epoch: rc %d", name, rc);
        }
        ckpt_state_free(&ck);
    }
    size_t epochs = full.epochs_run;
    trial_result_deinit(&full);
    trial_result_deinit(&part);
    return epochs;
}

static void test_resume(const char *dir) {
    hs_dataset ds, shifted;
    fixtures_sine_dataset(&ds, 800, 12345, 0);
    fixtures_sine_dataset(&shifted, 800, 12345, 1);
    hs_hparams hp;

    small_hp(&hp, HS_CELL_LSTM, HS_OPT_ADAM);
    hp.dropout = 0.2f;
    hp.recurrent_dropout = 0.25f;
    hp.head_dropout = 0.1f;
    check_resume("lstm_adam_hook", dir, &hp, &ds, 3, 0, 1);
    check_resume("lstm_adam_flag", dir, &hp, &ds, 2, 1, 0);
    hp.layers = 2;
    hp.clip = 0.5f;
    check_resume("lstm2_adam_clip", dir, &hp, &ds, 4, 1, 0);

    small_hp(&hp, HS_CELL_GRU, HS_OPT_RMSPROP);
    hp.dropout = 0.1f;
    check_resume("gru_rmsprop_hook", dir, &hp, &ds, 2, 0, 0);
    check_resume("gru_rmsprop_flag", dir, &hp, &ds, 5, 1, 0);
    /* resumed after the last epoch: only the final evaluation remains; and stopped by the
     * flag during that final evaluation (no test MAE: the trial is unfinished) */
    check_resume("gru_rmsprop_last", dir, &hp, &ds, 6, 0, 0);
    check_resume("gru_rmsprop_final_eval", dir, &hp, &ds, 6, 1, 0);

    /* early stopping: find where it stops, then resume after the best epoch (the patience
     * counter is running) and right at the stopping epoch */
    small_hp(&hp, HS_CELL_GRU, HS_OPT_RMSPROP);
    hp.epochs = 20;
    hp.patience = 2;
    trial_result es;
    hs_error err;
    if (trial_run(&es, &hp, &shifted, NULL, &err) == 0) {
        CHECK(es.epochs_run < hp.epochs && es.best_epoch >= 1, "early stopping happens");
        if (es.epochs_run < hp.epochs && es.best_epoch >= 1) {
            check_resume("es_after_best", dir, &hp, &shifted, es.best_epoch + 1, 0, 0);
            check_resume("es_at_stop", dir, &hp, &shifted, es.epochs_run, 0, 0);
        }
        trial_result_deinit(&es);
    }
    dataset_deinit(&ds);
    dataset_deinit(&shifted);
}

/* Crafted files with a valid checksum: sizes in the header (epochs at byte 40, n_params at
 * 48, optimiser floats at 56) that would overflow or wrap the size arithmetic, or make the
 * reader allocate for data the file does not hold, are refused as inconsistent. */
static void test_crafted(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/crafted.ckpt", dir);
    trial_checkpoint ck;
    fake_state(&ck, 5, 301, 602, 3);
    hs_error err;
    uint64_t key = 7;
    CHECK(ckpt_write(path, test_id, key, &ck, &err) == 0, "write: %s", err.msg);
    ckpt_state_free(&ck);
    FILE *f = fopen(path, "rb");
    unsigned char buf[1 << 16];
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(len > 200 && len < sizeof buf, "checkpoint of %zu bytes", len);
    static const struct { size_t off; uint64_t v; } cases[] = {
        {48, (uint64_t)1 << 61},          /* n_params * 8 overflows */
        {48, UINT64_MAX / 8 + 2},         /* n_params * 8 wraps to a small number */
        {40, UINT64_MAX / 40 + 1},        /* epochs * 40 wraps */
        {56, (uint64_t)1 << 40},          /* optimiser state far beyond the file */
        {48, 0},                          /* sizes that no longer add up to the length */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        unsigned char b[1 << 16];
        memcpy(b, buf, len);
        memcpy(b + cases[k].off, &cases[k].v, 8);
        sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, b, len - 32);
        sha256_final(&c, b + len - 32);
        f = fopen(path, "wb");
        if (f) {
            fwrite(b, 1, len, f);
            fclose(f);
        }
        trial_checkpoint back;
        int rc = ckpt_read(path, test_id, key, &back, &err);
        CHECK(rc == HS_ERR_FORMAT && strstr(err.msg, "inconsistent checkpoint") && !back.params,
              "case %zu: %d %s", k, rc, err.msg);
    }
}

int main(void) {
    char dir[] = "/tmp/test_ckpt_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_file(dir);
    test_crafted(dir);
    test_slots(dir);
    test_key();
    test_resume(dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return test_failures("test_ckpt");
}
