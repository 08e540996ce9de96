/* ckpt: per-trial epoch checkpoint files (DIR/ckpt/<trial id>.ckpt).
 *
 * A checkpoint holds one trial_checkpoint (model/trainstate.h: the training loop's complete
 * state after a finished epoch) so an interrupted trial can continue with its next epoch.
 * All integers and floats are in the writer's native byte order (a cluster's nodes share it;
 * a foreign order is detected and rejected).
 *
 * A *record* (one state; the whole file in format version 1, which every hsweep before slot
 * files wrote, and ckpt_write still does):
 *
 *   offset size
 *   0      8    magic "HSWCKPT\n"
 *   8      4    uint32 record version (CKPT_VERSION_RECORD, 1)
 *   12     4    uint32 0x01020304 (byte-order check)
 *   16     16   trial id, 16 hex chars (no NUL)
 *   32     8    uint64 key: ckpt_key(hp, dataset shape); a checkpoint of another
 *               configuration or dataset is refused even under the same id
 *   40     8x13 uint64 epochs_done, n_params, opt_state_len, opt_iterations, rng s[0..3],
 *               best_epoch, since_best, then float64 best_val, wall_s, then uint64 seq
 *               (write sequence number within a version-2 file; 0 in a version-1 file)
 *   144    8x5xE float64 history: loss, mae, val_loss, val_mae, wall_s per epoch (E epochs)
 *   ...    4xP  float32 params, then 4xP float32 best, then 4xS float32 optimiser state
 *   ...    32   SHA-256 of every byte before it
 *
 * A *slot file* (format version 2, CKPT_VERSION_SLOTS, written by ckpt_file_write): one file
 * per trial rewritten in place, so the epochs of a trial cost one inode instead of a new
 * file (temporary file and rename) each:
 *
 *   0      8    magic "HSWCKPT\n"
 *   8      4    uint32 2
 *   12     4    uint32 0x01020304
 *   16     8    uint64 C: offset of slot 1, a multiple of 512 (slot 0 is at 64)
 *   24     40   zero
 *   64     8+L  slot 0: uint64 L (0: empty), then a record of L bytes (L <= C - 72)
 *   C      8+L  slot 1: the same
 *
 * Each write goes to the slot that does not hold the newest record, so a write torn by a
 * crash leaves the previous state intact (its record's checksum refuses the torn one); the
 * reader takes the valid record of the trial with the highest seq. A record that outgrows its
 * slot (a history longer than C allows) makes a new file with larger slots, atomically.
 *
 * Reading checks the magic, version, byte order, id, key, that the sizes are consistent with
 * each other and with the record's length, and the checksum; any failure is an error the
 * caller reports as a one-line warning before restarting the trial from scratch. No MPI;
 * the struct comes from model/trainstate.h. */
#ifndef HS_CKPT_H
#define HS_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "model/hparams.h"
#include "model/trainstate.h"

/* Format versions (the uint32 at byte 8 of a file, and of every record). */
enum ckpt_version {
    CKPT_VERSION_RECORD = 1,  /* one record: the whole file (older run directories, ckpt_write) */
    CKPT_VERSION_SLOTS = 2    /* a header and two slots rewritten in place (ckpt_file) */
};

/* A 64-bit fingerprint of the trial's configuration (the hs_hparams fields that differ from
 * the registry default, the seed included, by name and canonical value, sorted by name) and
 * the dataset's shape (rows, features, split sizes), from SHA-256: hpkey_ckpt_key in the
 * current scheme (a run directory of hsweep 0.1 uses HPKEY_V1). ds may be NULL (shape left
 * out). Cannot fail. */
uint64_t ckpt_key(const hs_hparams *hp, const hs_dataset *ds);

/* Write ck for trial id (16 hex chars) with key to path as a version-1 file, atomically
 * (rundir_atomic: temporary file, fsync, rename, fsync of the directory). ck's arrays are
 * read only. Returns 0, HS_ERR_VALUE for an id that is not 16 characters or inconsistent
 * sizes, HS_ERR_NOMEM, or HS_ERR_IO (err names path and the system error; no temporary file
 * is left behind). */
int ckpt_write(const char *path, const char *id, uint64_t key, const trial_checkpoint *ck,
               hs_error *err);

/* Read the checkpoint at path (version 1 or 2) into ck and check it belongs to trial id
 * with key.
 * ck: output; on success its arrays (history, params, best, opt_state) are malloc'ed and
 *     owned by the caller, released with ckpt_state_free; on failure ck owns nothing.
 * Returns 0; HS_ERR_IO if the file cannot be opened or read; HS_ERR_FORMAT if it is not a
 * checkpoint, has another version or byte order, is truncated, has trailing bytes or a bad
 * checksum (version 2: no slot holds a valid record); HS_ERR_STATE if it belongs to another
 * trial id or key; HS_ERR_NOMEM. err holds one line naming path and the reason. */
int ckpt_read(const char *path, const char *id, uint64_t key, trial_checkpoint *ck,
              hs_error *err);

/* Free the arrays ckpt_read allocated and zero ck. ck may be NULL. */
void ckpt_state_free(trial_checkpoint *ck);

/* ---- one trial's checkpoint file, rewritten in place (version 2) --------------------------- */

typedef struct ckpt_file {
    char path[4400];          /* the file (DIR/ckpt/<id>.ckpt) */
    int durable;              /* 1: fsync the file after every write and the directory after
                                 creating it; 0 (a synthetic trial, recomputed bit for bit in
                                 microseconds): no fsync, after a power cut the file may be
                                 old, torn or missing and the trial continues from an earlier
                                 state or from scratch to the same values */
    int fd;                   /* open for in-place writes, -1: not open */
    uint64_t cap;             /* C of the slot file at path that this writer may write in
                                 place; 0: the next write makes a new file */
    int exists;               /* with cap 0: a file is at path (version 1, unreadable or too
                                 small): the next write replaces it atomically, never in place */
    int next;                 /* slot the next in-place write goes to (0 or 1) */
    uint64_t seq;             /* seq of the newest record in the file */
    unsigned char *buf;       /* (buf_len) the next write's bytes */
    size_t buf_len;           /* allocated bytes of buf */
} ckpt_file;

/* Start a writer for path (copied), nothing opened yet. 0, or HS_ERR_VALUE if path does
 * not fit (f is then unusable but ckpt_file_close is safe). */
int ckpt_file_init(ckpt_file *f, const char *path, int durable, hs_error *err);

/* Read the checkpoint at f's path (ckpt_read's checks) into ck and remember where its newest
 * record is, so that the next ckpt_file_write goes into the other slot in place (a version-1
 * or unusable file is replaced by the next write instead, and stays until then).
 * Returns 0 (ck filled, owned by the caller), 1 when there is no file (ck empty), or
 * ckpt_read's errors (ck empty, err set). */
int ckpt_file_load(ckpt_file *f, const char *id, uint64_t key, trial_checkpoint *ck,
                   hs_error *err);

/* Save ck for trial id with key: into the slot not holding the newest record (pwrite, fsync
 * if durable), or, for the first write of a trial without a file, into a new file created in
 * place (O_EXCL; a crash while creating it leaves a file the reader refuses, as if there were
 * none), or when the file cannot be rewritten in place, into a new file written atomically
 * (rundir_atomic). Returns 0, HS_ERR_VALUE (id not 16 characters, incomplete state),
 * HS_ERR_NOMEM or HS_ERR_IO (err names the file): the previous newest record stays readable
 * unless the failure tore the slot being written, which was not it. */
int ckpt_file_write(ckpt_file *f, const char *id, uint64_t key, const trial_checkpoint *ck,
                    hs_error *err);

/* Close f's descriptor and free its buffer; the file stays. f may be NULL. */
void ckpt_file_close(ckpt_file *f);

#endif
