/* ckpt: epoch checkpoint files (see ckpt.h). The whole file is checksummed with SHA-256;
 * writing streams through stdio and the hash, reading loads the file (a few MB at most:
 * three copies of the weights) and checks it before copying anything out. */
#define _POSIX_C_SOURCE 200809L

#include "io/ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/hpkey.h"
#include "io/rundir.h"
#include "io/sha256.h"

static const char ckpt_magic[8] = {'H', 'S', 'W', 'C', 'K', 'P', 'T', '\n'};
enum {
    CKPT_BOM = 0x01020304,    /* byte-order check word */
    CKPT_HEADER = 144,        /* bytes before the history */
    CKPT_EPOCH_DOUBLES = 5,   /* doubles per history entry */
    CKPT_SUM = 32             /* SHA-256 trailer */
};

/* ---- key and path -------------------------------------------------------------------------- */

uint64_t ckpt_key(const hs_hparams *hp, const hs_dataset *ds) {
    return hpkey_ckpt_key(hp, ds, HPKEY_CURRENT);
}

/* ---- writing ---------------------------------------------------------------------------- */

/* A file being written and hashed. */
typedef struct ckpt_out {
    FILE *f;                  /* the temporary file */
    sha256_ctx sum;           /* hash of everything written so far */
    int failed;               /* a write failed */
} ckpt_out;

static void ckpt_put(ckpt_out *o, const void *p, size_t n) {
    if (n == 0) return;
    sha256_update(&o->sum, p, n);
    if (fwrite(p, 1, n, o->f) != n) o->failed = 1;
}

static void ckpt_put_u64(ckpt_out *o, uint64_t v) { ckpt_put(o, &v, sizeof v); }
static void ckpt_put_f64(ckpt_out *o, double v) { ckpt_put(o, &v, sizeof v); }

int ckpt_write(const char *path, const char *id, uint64_t key, const trial_checkpoint *ck,
               hs_error *err) {
    return ckpt_write_opt(path, id, key, ck, 1, err);
}

int ckpt_write_opt(const char *path, const char *id, uint64_t key, const trial_checkpoint *ck,
                   int durable, hs_error *err) {
    if (!id || strlen(id) != 16)
        return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "checkpoint: trial id must be 16 "
                            "characters");
    if (ck->epochs_done == 0 || !ck->history || (ck->n_params && (!ck->params || !ck->best)) ||
        (ck->opt_state_len && !ck->opt_state))
        return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "checkpoint: incomplete state");
    rundir_atomic a;
    if (rundir_atomic_open(&a, path, err) != 0) return HS_ERR_IO;
    a.no_sync = !durable;
    ckpt_out o;
    memset(&o, 0, sizeof o);
    sha256_init(&o.sum);
    o.f = rundir_atomic_stream(&a, err);
    if (!o.f) {
        rundir_atomic_abort(&a);
        return HS_ERR_IO;
    }
    uint32_t ver = CKPT_VERSION, bom = CKPT_BOM;
    ckpt_put(&o, ckpt_magic, sizeof ckpt_magic);
    ckpt_put(&o, &ver, sizeof ver);
    ckpt_put(&o, &bom, sizeof bom);
    ckpt_put(&o, id, 16);
    ckpt_put_u64(&o, key);
    ckpt_put_u64(&o, ck->epochs_done);
    ckpt_put_u64(&o, ck->n_params);
    ckpt_put_u64(&o, ck->opt_state_len);
    ckpt_put_u64(&o, ck->opt_iterations);
    for (int i = 0; i < 4; i++) ckpt_put_u64(&o, ck->r.s[i]);
    ckpt_put_u64(&o, ck->best_epoch);
    ckpt_put_u64(&o, ck->since_best);
    ckpt_put_f64(&o, ck->best_val);
    ckpt_put_f64(&o, ck->wall_s);
    ckpt_put_u64(&o, 0);
    for (size_t e = 0; e < ck->epochs_done; e++) {
        const trial_epoch *h = &ck->history[e];
        double v[CKPT_EPOCH_DOUBLES] = {h->loss, h->mae, h->val_loss, h->val_mae, h->wall_s};
        ckpt_put(&o, v, sizeof v);
    }
    ckpt_put(&o, ck->params, ck->n_params * sizeof(float));
    ckpt_put(&o, ck->best, ck->n_params * sizeof(float));
    ckpt_put(&o, ck->opt_state, ck->opt_state_len * sizeof(float));
    unsigned char sum[CKPT_SUM];
    sha256_final(&o.sum, sum);
    if (fwrite(sum, 1, sizeof sum, o.f) != sizeof sum) o.failed = 1;
    if (o.failed) {
        int saved = errno;
        rundir_atomic_abort(&a);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot write checkpoint: %s",
                            strerror(saved ? saved : EIO));
    }
    return rundir_atomic_commit(&a, err);
}

/* ---- reading ---------------------------------------------------------------------------- */

void ckpt_state_free(trial_checkpoint *ck) {
    if (!ck) return;
    free(ck->history);
    free(ck->params);
    free(ck->best);
    free(ck->opt_state);
    memset(ck, 0, sizeof *ck);
}

/* A loaded file being parsed. */
typedef struct ckpt_in {
    const unsigned char *p;   /* file bytes */
    size_t off;               /* read position */
} ckpt_in;

static uint64_t ckpt_get_u64(ckpt_in *in) {
    uint64_t v;
    memcpy(&v, in->p + in->off, sizeof v);
    in->off += sizeof v;
    return v;
}

static double ckpt_get_f64(ckpt_in *in) {
    double v;
    memcpy(&v, in->p + in->off, sizeof v);
    in->off += sizeof v;
    return v;
}

/* Load the whole file at path into *buf (malloc'ed) and *len. */
static int ckpt_slurp(const char *path, unsigned char **buf, size_t *len, hs_error *err) {
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open checkpoint: %s",
                                strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0) {
        fclose(f);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot stat checkpoint: %s",
                            strerror(errno));
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *b = malloc(n ? n : 1);
    if (!b) {
        fclose(f);
        return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory reading checkpoint");
    }
    size_t got = fread(b, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(b);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot read checkpoint");
    }
    *buf = b;
    *len = n;
    return 0;
}

/* a*b + c without overflow, or SIZE_MAX */
static size_t ckpt_mad(uint64_t a, size_t b, size_t c) {
    if (a > SIZE_MAX || (b && a > (SIZE_MAX - c) / b)) return SIZE_MAX;
    return (size_t)a * b + c;
}

int ckpt_read(const char *path, const char *id, uint64_t key, trial_checkpoint *ck,
              hs_error *err) {
    memset(ck, 0, sizeof *ck);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = ckpt_slurp(path, &buf, &len, err);
    if (rc) return rc;
    ckpt_in in = {buf, 0};
    uint32_t ver = 0, bom = 0;
    if (len < CKPT_HEADER + CKPT_SUM || memcmp(buf, ckpt_magic, sizeof ckpt_magic) != 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "not an hsweep checkpoint (%zu bytes)",
                          len);
        goto fail;
    }
    memcpy(&ver, buf + 8, 4);
    memcpy(&bom, buf + 12, 4);
    if (bom != CKPT_BOM) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint written with another "
                          "byte order");
        goto fail;
    }
    if (ver != CKPT_VERSION) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint format version %u, "
                          "this hsweep reads %d", (unsigned)ver, CKPT_VERSION);
        goto fail;
    }
    /* the checksum first: nothing below is trusted before it matches */
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, buf, len - CKPT_SUM);
    unsigned char sum[CKPT_SUM];
    sha256_final(&c, sum);
    if (memcmp(sum, buf + len - CKPT_SUM, CKPT_SUM) != 0) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint checksum mismatch "
                          "(truncated or corrupt, %zu bytes)", len);
        goto fail;
    }
    if (!id || strlen(id) != 16 || memcmp(buf + 16, id, 16) != 0) {
        rc = hs_error_set(err, HS_ERR_STATE, path, 0, 0, "checkpoint of trial %.16s, not %s",
                          (const char *)buf + 16, id ? id : "(null)");
        goto fail;
    }
    in.off = 32;
    uint64_t k = ckpt_get_u64(&in);
    if (k != key) {
        rc = hs_error_set(err, HS_ERR_STATE, path, 0, 0, "checkpoint of another configuration "
                          "or dataset (key %016llx, expected %016llx)", (unsigned long long)k,
                          (unsigned long long)key);
        goto fail;
    }
    uint64_t epochs = ckpt_get_u64(&in), np = ckpt_get_u64(&in), ns = ckpt_get_u64(&in);
    ck->opt_iterations = ckpt_get_u64(&in);
    for (int i = 0; i < 4; i++) ck->r.s[i] = ckpt_get_u64(&in);
    uint64_t best_epoch = ckpt_get_u64(&in), since_best = ckpt_get_u64(&in);
    ck->best_val = ckpt_get_f64(&in);
    ck->wall_s = ckpt_get_f64(&in);
    (void)ckpt_get_u64(&in);
    /* sizes must add up to the file's length exactly */
    size_t want = ckpt_mad(epochs, CKPT_EPOCH_DOUBLES * sizeof(double), CKPT_HEADER + CKPT_SUM);
    want = ckpt_mad(np, 2 * sizeof(float), want);
    want = ckpt_mad(ns, sizeof(float), want);
    if (epochs == 0 || want != len || best_epoch == 0 || best_epoch > epochs ||
        since_best >= epochs) {
        rc = hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "inconsistent checkpoint (%llu "
                          "epochs, %llu params, %llu optimiser floats, %zu bytes)",
                          (unsigned long long)epochs, (unsigned long long)np,
                          (unsigned long long)ns, len);
        goto fail;
    }
    ck->epochs_done = (size_t)epochs;
    ck->n_params = (size_t)np;
    ck->opt_state_len = (size_t)ns;
    ck->best_epoch = (size_t)best_epoch;
    ck->since_best = (size_t)since_best;
    ck->history = malloc(ck->epochs_done * sizeof *ck->history);
    ck->params = malloc((np ? np : 1) * sizeof(float));
    ck->best = malloc((np ? np : 1) * sizeof(float));
    ck->opt_state = malloc((ns ? ns : 1) * sizeof(float));
    if (!ck->history || !ck->params || !ck->best || !ck->opt_state) {
        rc = hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory reading checkpoint");
        goto fail;
    }
    in.off = CKPT_HEADER;
    for (size_t e = 0; e < ck->epochs_done; e++) {
        trial_epoch *h = &ck->history[e];
        h->loss = ckpt_get_f64(&in);
        h->mae = ckpt_get_f64(&in);
        h->val_loss = ckpt_get_f64(&in);
        h->val_mae = ckpt_get_f64(&in);
        h->wall_s = ckpt_get_f64(&in);
    }
    memcpy(ck->params, buf + in.off, ck->n_params * sizeof(float));
    in.off += ck->n_params * sizeof(float);
    memcpy(ck->best, buf + in.off, ck->n_params * sizeof(float));
    in.off += ck->n_params * sizeof(float);
    memcpy(ck->opt_state, buf + in.off, ck->opt_state_len * sizeof(float));
    free(buf);
    return 0;

fail:
    free(buf);
    ckpt_state_free(ck);
    return rc;
}
