/* ckpt: epoch checkpoint files (see ckpt.h). Every record is checksummed with SHA-256; a
 * record is encoded into memory and written with one write (a whole version-1 file, or one
 * slot of a version-2 file); reading loads the file (a few MB at most: three copies of the
 * weights, twice in a slot file) and checks a record before copying anything out. */
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
    CKPT_HEADER = 144,        /* bytes of a record before the history */
    CKPT_SEQ_AT = 136,        /* offset of seq in a record */
    CKPT_EPOCH_DOUBLES = 5,   /* doubles per history entry */
    CKPT_SUM = 32,            /* SHA-256 trailer */
    CKPT_FILE_HEAD = 64,      /* version 2: header bytes, slot 0 starts here */
    CKPT_SLOT_LEN = 8,        /* version 2: the uint64 record length before each record */
    CKPT_SLOT_ALIGN = 512,    /* version 2: C is a multiple of this (a sector) */
    CKPT_SLOT_GROW = 32       /* version 2: epochs of history a new slot leaves room for */
};

/* ---- key and path -------------------------------------------------------------------------- */

uint64_t ckpt_key(const hs_hparams *hp, const hs_dataset *ds) {
    return hpkey_ckpt_key(hp, ds, HPKEY_CURRENT);
}

/* ---- encoding a record ------------------------------------------------------------------- */

/* Check id and ck for a write. 0 or HS_ERR_VALUE naming path. */
static int ckpt_check(const char *path, const char *id, const trial_checkpoint *ck,
                      hs_error *err) {
    if (!id || strlen(id) != 16)
        return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "checkpoint: trial id must be 16 "
                            "characters");
    if (ck->epochs_done == 0 || !ck->history || (ck->n_params && (!ck->params || !ck->best)) ||
        (ck->opt_state_len && !ck->opt_state))
        return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "checkpoint: incomplete state");
    return 0;
}

/* Bytes of ck's record (the sizes come from a running trial: they fit in memory). */
static size_t ckpt_record_size(const trial_checkpoint *ck) {
    return CKPT_HEADER + ck->epochs_done * CKPT_EPOCH_DOUBLES * sizeof(double) +
           2 * ck->n_params * sizeof(float) + ck->opt_state_len * sizeof(float) + CKPT_SUM;
}

static unsigned char *ckpt_put(unsigned char *p, const void *v, size_t n) {
    if (n) memcpy(p, v, n);
    return p + n;
}

static unsigned char *ckpt_put_u64(unsigned char *p, uint64_t v) { return ckpt_put(p, &v, 8); }
static unsigned char *ckpt_put_f64(unsigned char *p, double v) { return ckpt_put(p, &v, 8); }

/* Encode ck's record for trial id with key and seq into out (ckpt_record_size bytes). */
static void ckpt_encode(unsigned char *out, const char *id, uint64_t key, uint64_t seq,
                        const trial_checkpoint *ck) {
    uint32_t ver = CKPT_VERSION_RECORD, bom = CKPT_BOM;
    unsigned char *p = ckpt_put(out, ckpt_magic, sizeof ckpt_magic);
    p = ckpt_put(p, &ver, sizeof ver);
    p = ckpt_put(p, &bom, sizeof bom);
    p = ckpt_put(p, id, 16);
    p = ckpt_put_u64(p, key);
    p = ckpt_put_u64(p, ck->epochs_done);
    p = ckpt_put_u64(p, ck->n_params);
    p = ckpt_put_u64(p, ck->opt_state_len);
    p = ckpt_put_u64(p, ck->opt_iterations);
    for (int i = 0; i < 4; i++) p = ckpt_put_u64(p, ck->r.s[i]);
    p = ckpt_put_u64(p, ck->best_epoch);
    p = ckpt_put_u64(p, ck->since_best);
    p = ckpt_put_f64(p, ck->best_val);
    p = ckpt_put_f64(p, ck->wall_s);
    p = ckpt_put_u64(p, seq);
    for (size_t e = 0; e < ck->epochs_done; e++) {
        const trial_epoch *h = &ck->history[e];
        double v[CKPT_EPOCH_DOUBLES] = {h->loss, h->mae, h->val_loss, h->val_mae, h->wall_s};
        p = ckpt_put(p, v, sizeof v);
    }
    p = ckpt_put(p, ck->params, ck->n_params * sizeof(float));
    p = ckpt_put(p, ck->best, ck->n_params * sizeof(float));
    p = ckpt_put(p, ck->opt_state, ck->opt_state_len * sizeof(float));
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, out, (size_t)(p - out));
    sha256_final(&c, p);
}

/* write all of b[0..n) at offset off of fd. 0 or errno. */
static int ckpt_pwrite_all(int fd, const unsigned char *b, size_t n, off_t off) {
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : EIO;
        b += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* b[0..n) to path atomically (rundir_atomic; without the fsyncs unless durable). */
static int ckpt_put_atomic(const char *path, const unsigned char *b, size_t n, int durable,
                           hs_error *err) {
    rundir_atomic a;
    if (rundir_atomic_open(&a, path, err) != 0) return HS_ERR_IO;
    a.no_sync = !durable;
    int e = ckpt_pwrite_all(a.fd, b, n, 0);
    if (e) {
        rundir_atomic_abort(&a);
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot write checkpoint: %s",
                            strerror(e));
    }
    return rundir_atomic_commit(&a, err);
}

int ckpt_write(const char *path, const char *id, uint64_t key, const trial_checkpoint *ck,
               hs_error *err) {
    int rc = ckpt_check(path, id, ck, err);
    if (rc) return rc;
    size_t n = ckpt_record_size(ck);
    unsigned char *b = malloc(n);
    if (!b) return hs_error_set(err, HS_ERR_NOMEM, path, 0, 0, "out of memory for a checkpoint");
    ckpt_encode(b, id, key, 0, ck);
    rc = ckpt_put_atomic(path, b, n, 1, err);
    free(b);
    return rc;
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

/* A loaded record being parsed. */
typedef struct ckpt_in {
    const unsigned char *p;   /* record bytes */
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

/* Load the whole file at path into *buf (malloc'ed) and *len; *missing = 1 when there is
 * no such file. */
static int ckpt_slurp(const char *path, unsigned char **buf, size_t *len, int *missing,
                      hs_error *err) {
    *buf = NULL;
    *len = 0;
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot open checkpoint: %s",
                            strerror(errno));
    }
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

/* Parse the record buf[0..len) of path (the whole file, or a slot) into ck, checked as the
 * header comment says; *seq gets its seq. Errors as ckpt_read; ck owns nothing then. */
static int ckpt_parse(const unsigned char *buf, size_t len, const char *path, const char *id,
                      uint64_t key, trial_checkpoint *ck, uint64_t *seq, hs_error *err) {
    memset(ck, 0, sizeof *ck);
    ckpt_in in = {buf, 0};
    uint32_t ver = 0, bom = 0;
    int rc;
    if (len < CKPT_HEADER + CKPT_SUM || memcmp(buf, ckpt_magic, sizeof ckpt_magic) != 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "not an hsweep checkpoint (%zu "
                            "bytes)", len);
    memcpy(&ver, buf + 8, 4);
    memcpy(&bom, buf + 12, 4);
    if (bom != CKPT_BOM)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint written with another "
                            "byte order");
    if (ver != CKPT_VERSION_RECORD)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint format version %u, "
                            "this hsweep reads %d and %d", (unsigned)ver, CKPT_VERSION_RECORD,
                            CKPT_VERSION_SLOTS);
    /* the checksum first: nothing below is trusted before it matches */
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, buf, len - CKPT_SUM);
    unsigned char sum[CKPT_SUM];
    sha256_final(&c, sum);
    if (memcmp(sum, buf + len - CKPT_SUM, CKPT_SUM) != 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint checksum mismatch "
                            "(truncated or corrupt, %zu bytes)", len);
    if (!id || strlen(id) != 16 || memcmp(buf + 16, id, 16) != 0)
        return hs_error_set(err, HS_ERR_STATE, path, 0, 0, "checkpoint of trial %.16s, not %s",
                            (const char *)buf + 16, id ? id : "(null)");
    in.off = 32;
    uint64_t k = ckpt_get_u64(&in);
    if (k != key)
        return hs_error_set(err, HS_ERR_STATE, path, 0, 0, "checkpoint of another "
                            "configuration or dataset (key %016llx, expected %016llx)",
                            (unsigned long long)k, (unsigned long long)key);
    uint64_t epochs = ckpt_get_u64(&in), np = ckpt_get_u64(&in), ns = ckpt_get_u64(&in);
    ck->opt_iterations = ckpt_get_u64(&in);
    for (int i = 0; i < 4; i++) ck->r.s[i] = ckpt_get_u64(&in);
    uint64_t best_epoch = ckpt_get_u64(&in), since_best = ckpt_get_u64(&in);
    ck->best_val = ckpt_get_f64(&in);
    ck->wall_s = ckpt_get_f64(&in);
    *seq = ckpt_get_u64(&in);
    /* sizes must add up to the record's length exactly */
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
    return 0;

fail:
    ckpt_state_free(ck);
    return rc;
}

/* Where the state ckpt_load returned lives. */
typedef struct ckpt_where {
    int missing;              /* 1: there is no file at path */
    uint32_t version;         /* the file's format version (0: not a checkpoint) */
    uint64_t cap;             /* version 2: C */
    int slot;                 /* version 2: the slot of the record returned */
    uint64_t seq;             /* its seq */
} ckpt_where;

/* Version 2: the valid record of (id, key) with the highest seq among the two slots of
 * buf[0..len). Without one: the error of a slot holding another trial's complete record
 * (HS_ERR_STATE) if any, else of the first slot that is not valid. */
static int ckpt_parse_slots(const unsigned char *buf, size_t len, const char *path,
                            const char *id, uint64_t key, trial_checkpoint *ck, ckpt_where *w,
                            hs_error *err) {
    memset(ck, 0, sizeof *ck);
    uint64_t cap = 0;
    if (len >= CKPT_FILE_HEAD) memcpy(&cap, buf + 16, 8);
    if (len < CKPT_FILE_HEAD || cap < CKPT_SLOT_ALIGN || cap % CKPT_SLOT_ALIGN != 0 ||
        cap > ((uint64_t)1 << 46))
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "inconsistent checkpoint header "
                            "(%zu bytes, slot size %llu)", len, (unsigned long long)cap);
    w->cap = cap;
    int found = 0, rc = 0;
    hs_error first;
    hs_error_clear(&first);
    for (int s = 0; s < 2; s++) {
        uint64_t off = s ? cap : CKPT_FILE_HEAD, L = 0;
        if (off + CKPT_SLOT_LEN <= len) memcpy(&L, buf + off, 8);
        if (L == 0) continue;   /* never written (or the file ends before it) */
        trial_checkpoint t;
        uint64_t seq = 0;
        hs_error e;
        int r = L > cap - CKPT_FILE_HEAD - CKPT_SLOT_LEN || off + CKPT_SLOT_LEN + L > len
                    ? hs_error_set(&e, HS_ERR_FORMAT, path, 0, 0, "checkpoint slot %d "
                                   "truncated (%llu bytes in a %zu-byte file)", s,
                                   (unsigned long long)L, len)
                    : ckpt_parse(buf + off + CKPT_SLOT_LEN, (size_t)L, path, id, key, &t, &seq,
                                 &e);
        if (r != 0) {
            if (rc == 0 || (r == HS_ERR_STATE && rc != HS_ERR_STATE)) {
                rc = r;
                first = e;
            }
            continue;
        }
        if (found && seq <= w->seq) {
            ckpt_state_free(&t);
            continue;
        }
        ckpt_state_free(ck);
        *ck = t;
        w->slot = s;
        w->seq = seq;
        found = 1;
    }
    if (found) return 0;
    if (rc == 0)
        return hs_error_set(err, HS_ERR_FORMAT, path, 0, 0, "checkpoint holds no record "
                            "(%zu bytes)", len);
    if (err) *err = first;
    return rc;
}

/* ckpt_read, and where the state came from (w). */
static int ckpt_load(const char *path, const char *id, uint64_t key, trial_checkpoint *ck,
                     ckpt_where *w, hs_error *err) {
    memset(ck, 0, sizeof *ck);
    memset(w, 0, sizeof *w);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = ckpt_slurp(path, &buf, &len, &w->missing, err);
    if (rc) return rc;
    if (len >= 16 && memcmp(buf, ckpt_magic, sizeof ckpt_magic) == 0) {
        uint32_t bom;
        memcpy(&w->version, buf + 8, 4);
        memcpy(&bom, buf + 12, 4);
        if (bom == CKPT_BOM && w->version == CKPT_VERSION_SLOTS) {
            rc = ckpt_parse_slots(buf, len, path, id, key, ck, w, err);
            free(buf);
            return rc;
        }
    }
    rc = ckpt_parse(buf, len, path, id, key, ck, &w->seq, err);
    free(buf);
    return rc;
}

int ckpt_read(const char *path, const char *id, uint64_t key, trial_checkpoint *ck,
              hs_error *err) {
    ckpt_where w;
    return ckpt_load(path, id, key, ck, &w, err);
}

/* ---- slot files ---------------------------------------------------------------------------- */

int ckpt_file_init(ckpt_file *f, const char *path, int durable, hs_error *err) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->durable = durable;
    if ((size_t)snprintf(f->path, sizeof f->path, "%s", path) >= sizeof f->path) {
        f->path[0] = '\0';
        return hs_error_set(err, HS_ERR_VALUE, path, 0, 0, "checkpoint path too long");
    }
    return 0;
}

int ckpt_file_load(ckpt_file *f, const char *id, uint64_t key, trial_checkpoint *ck,
                   hs_error *err) {
    ckpt_where w;
    int rc = ckpt_load(f->path, id, key, ck, &w, err);
    f->cap = 0;
    f->exists = !w.missing;
    if (w.missing) return 1;
    if (rc == 0 && w.version == CKPT_VERSION_SLOTS) {
        f->cap = w.cap;
        f->next = 1 - w.slot;
        f->seq = w.seq;
    }
    return rc;
}

/* f->buf of at least n bytes. 0 or HS_ERR_NOMEM. */
static int ckpt_file_reserve(ckpt_file *f, size_t n, hs_error *err) {
    if (f->buf_len >= n) return 0;
    unsigned char *b = realloc(f->buf, n);
    if (!b) return hs_error_set(err, HS_ERR_NOMEM, f->path, 0, 0, "out of memory for a "
                                "checkpoint");
    f->buf = b;
    f->buf_len = n;
    return 0;
}

/* The record in f->buf[..n) into slot f->next of the file f->cap describes, in place. */
static int ckpt_file_in_place(ckpt_file *f, size_t n, hs_error *err) {
    if (f->fd < 0) f->fd = open(f->path, O_RDWR);
    int e = f->fd < 0 ? (errno ? errno : EBADF) : 0;
    if (!e) e = ckpt_pwrite_all(f->fd, f->buf, n, (off_t)(f->next ? f->cap : CKPT_FILE_HEAD));
    if (!e && f->durable && fsync(f->fd) != 0) e = errno;
    if (e) return hs_error_set(err, HS_ERR_IO, f->path, 0, 0, "cannot write checkpoint: %s",
                               strerror(e));
    return 0;
}

/* A new slot file holding the record f->buf[CKPT_FILE_HEAD..n) in slot 0: created in place
 * when none is there, else written atomically over the old one. */
static int ckpt_file_new(ckpt_file *f, size_t n, uint64_t cap, hs_error *err) {
    uint32_t ver = CKPT_VERSION_SLOTS, bom = CKPT_BOM;
    memset(f->buf, 0, CKPT_FILE_HEAD);
    memcpy(f->buf, ckpt_magic, sizeof ckpt_magic);
    memcpy(f->buf + 8, &ver, 4);
    memcpy(f->buf + 12, &bom, 4);
    memcpy(f->buf + 16, &cap, 8);
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    int rc = 0;
    if (!f->exists) {
        int fd = open(f->path, O_RDWR | O_CREAT | O_EXCL, 0644);
        if (fd < 0 && errno != EEXIST)
            return hs_error_set(err, HS_ERR_IO, f->path, 0, 0, "cannot create checkpoint: %s",
                                strerror(errno));
        if (fd >= 0) {
            int e = ckpt_pwrite_all(fd, f->buf, n, 0);
            if (!e && f->durable && fsync(fd) != 0) e = errno;
            if (!e && f->durable) e = rundir_sync_dir(f->path);
            if (e) {
                close(fd);
                unlink(f->path);
                return hs_error_set(err, HS_ERR_IO, f->path, 0, 0, "cannot write checkpoint: "
                                    "%s", strerror(e));
            }
            f->fd = fd;
        }
        f->exists = 1;
    }
    if (f->fd < 0 && (rc = ckpt_put_atomic(f->path, f->buf, n, f->durable, err)) != 0) return rc;
    f->cap = cap;
    return 0;
}

int ckpt_file_write(ckpt_file *f, const char *id, uint64_t key, const trial_checkpoint *ck,
                    hs_error *err) {
    int rc = ckpt_check(f->path, id, ck, err);
    if (rc) return rc;
    size_t n = ckpt_record_size(ck);
    uint64_t seq = f->seq + 1;
    int in_place = f->cap && n <= f->cap - CKPT_FILE_HEAD - CKPT_SLOT_LEN;
    if (in_place && f->fd < 0 && (f->fd = open(f->path, O_RDWR)) < 0 && errno == ENOENT)
        in_place = f->exists = 0;   /* removed meanwhile: a new file */
    /* a new file: header, then slot 0; its slots leave room for CKPT_SLOT_GROW more epochs */
    size_t at = in_place ? 0 : CKPT_FILE_HEAD;
    if ((rc = ckpt_file_reserve(f, at + CKPT_SLOT_LEN + n, err)) != 0) return rc;
    uint64_t L = n;
    memcpy(f->buf + at, &L, 8);
    ckpt_encode(f->buf + at + CKPT_SLOT_LEN, id, key, seq, ck);
    if (in_place) {
        rc = ckpt_file_in_place(f, CKPT_SLOT_LEN + n, err);
        if (rc == 0) f->next = 1 - f->next;
    } else {
        size_t room = CKPT_FILE_HEAD + CKPT_SLOT_LEN + n +
                      CKPT_SLOT_GROW * CKPT_EPOCH_DOUBLES * sizeof(double);
        uint64_t cap = (room + CKPT_SLOT_ALIGN - 1) / CKPT_SLOT_ALIGN * CKPT_SLOT_ALIGN;
        rc = ckpt_file_new(f, at + CKPT_SLOT_LEN + n, cap, err);
        if (rc == 0) f->next = 1;
    }
    if (rc == 0) f->seq = seq;
    return rc;
}

void ckpt_file_close(ckpt_file *f) {
    if (!f) return;
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    free(f->buf);
    f->buf = NULL;
    f->buf_len = 0;
}
