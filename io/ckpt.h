/* ckpt: per-trial epoch checkpoint files (DIR/ckpt/<trial id>.ckpt).
 *
 * A checkpoint file holds one trial_checkpoint (model/trainstate.h: the training loop's
 * complete state after a finished epoch) so an interrupted trial can continue with its next
 * epoch.
 * Layout, all integers and floats in the writer's native byte order (a cluster's nodes share
 * it; a foreign order is detected and rejected):
 *
 *   offset size
 *   0      8    magic "HSWCKPT\n"
 *   8      4    uint32 format version (CKPT_VERSION)
 *   12     4    uint32 0x01020304 (byte-order check)
 *   16     16   trial id, 16 hex chars (no NUL)
 *   32     8    uint64 key: ckpt_key(hp, dataset shape); a checkpoint of another
 *               configuration or dataset is refused even under the same id
 *   40     8x13 uint64 epochs_done, n_params, opt_state_len, opt_iterations, rng s[0..3],
 *               best_epoch, since_best, then float64 best_val, wall_s, then uint64 0
 *   144    8x5xE float64 history: loss, mae, val_loss, val_mae, wall_s per epoch (E epochs)
 *   ...    4xP  float32 params, then 4xP float32 best, then 4xS float32 optimiser state
 *   ...    32   SHA-256 of every byte before it
 *
 * Writes are atomic (rundir_atomic: a temporary file in the same directory, fsync, rename,
 * fsync of the directory), so a reader sees the old checkpoint or the new one, never a mix.
 * Reading checks the magic, version, byte order, id, key, that the sizes are consistent with
 * each other and with the file's length, and the checksum; any failure is an error the caller reports as a
 * one-line warning before restarting the trial from scratch. No MPI; the struct comes from
 * model/trainstate.h. */
#ifndef HS_CKPT_H
#define HS_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "model/hparams.h"
#include "model/trainstate.h"

enum { CKPT_VERSION = 1 };    /* format version written into every file */

/* A 64-bit fingerprint of the trial's configuration (the hs_hparams fields that differ from
 * the registry default, the seed included, by name and canonical value, sorted by name) and
 * the dataset's shape (rows, features, split sizes), from SHA-256: hpkey_ckpt_key in the
 * current scheme (a run directory of hsweep 0.1 uses HPKEY_V1). ds may be NULL (shape left
 * out). Cannot fail. */
uint64_t ckpt_key(const hs_hparams *hp, const hs_dataset *ds);

/* Write ck for trial id (16 hex chars) with key to path, atomically (rundir_atomic).
 * ck's arrays are read only.
 * Returns 0, HS_ERR_VALUE for an id that is not 16 characters or inconsistent sizes, or
 * HS_ERR_IO (err names path and the system error; no temporary file is left behind). */
int ckpt_write(const char *path, const char *id, uint64_t key, const trial_checkpoint *ck,
               hs_error *err);

/* ckpt_write with durable = 0: the same file, checksum and rename, without the fsyncs of
 * the file and its directory. Only for a trial whose epochs are recomputed bit for bit in
 * microseconds (the synthetic cell): after a power cut its checkpoint may be missing, old or
 * torn (the checksum refuses it), and the trial continues from an earlier state or from
 * scratch to the same values. durable = 1 is ckpt_write. */
int ckpt_write_opt(const char *path, const char *id, uint64_t key, const trial_checkpoint *ck,
                   int durable, hs_error *err);

/* Read the checkpoint at path into ck and check it belongs to trial id with key.
 * ck: output; on success its arrays (history, params, best, opt_state) are malloc'ed and
 *     owned by the caller, released with ckpt_state_free; on failure ck owns nothing.
 * Returns 0; HS_ERR_IO if the file cannot be opened or read; HS_ERR_FORMAT if it is not a
 * checkpoint, has another version or byte order, is truncated, has trailing bytes or a bad
 * checksum; HS_ERR_STATE if it belongs to another trial id or key; HS_ERR_NOMEM. err holds
 * one line naming path and the reason. */
int ckpt_read(const char *path, const char *id, uint64_t key, trial_checkpoint *ck,
              hs_error *err);

/* Free the arrays ckpt_read allocated and zero ck. ck may be NULL. */
void ckpt_state_free(trial_checkpoint *ck);

#endif
