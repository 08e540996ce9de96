/* hpkey: the canonical text behind trial ids, sweep hashes and checkpoint keys.
 *
 * Two id schemes exist; a run directory records which one its ids use (metadata.json
 * "id_scheme", absent = 1):
 *   HPKEY_V1  hsweep 0.1: every parameter of that release, in its struct order, whatever
 *             its value. Frozen: kept only so directories written by 0.1 still resume.
 *   HPKEY_V2  current: only the parameters whose value differs from the registry default
 *             (model/hparams.h), in canonical order (sorted by name). A parameter added
 *             later with a default that reproduces the old behaviour changes no id, hash or
 *             key, so directories stay resumable across upgrades.
 * Values are written as canonical text (hparams_format), so equal values give equal keys.
 * No I/O. */
#ifndef HS_HPKEY_H
#define HS_HPKEY_H

#include <stddef.h>
#include <stdint.h>

#include "io/dataset.h"
#include "model/hparams.h"

typedef enum hpkey_scheme {
    HPKEY_V1 = 1,             /* hsweep 0.1: every field of that release */
    HPKEY_V2 = 2              /* non-default fields only, sorted by name */
} hpkey_scheme;

#define HPKEY_CURRENT HPKEY_V2     /* the scheme new run directories use */

/* Every parameter a key of scheme s may cover, in the scheme's order (V1: hsweep 0.1's
 * parameters in its order; V2: all, sorted by name), with the seed only with with_seed,
 * into out (room for HS_HP_COUNT). Returns the count. */
size_t hpkey_order(hpkey_scheme s, int with_seed, size_t *out);

/* 1 if registry parameter k existed in hsweep 0.1 (is covered by V1), else 0. */
int hpkey_in_v1(size_t k);

/* The name of a parameter hsweep 0.1 did not have whose value in hp is not its default
 * (hp NULL: the first parameter 0.1 did not have at all), or NULL when V1 can hold hp. */
const char *hpkey_v1_missing(const hs_hparams *hp);

/* The registry indices of the parameters a key of scheme s covers for hp, in the scheme's
 * order, into out (room for HS_HP_COUNT). The seed is included only with with_seed (the
 * checkpoint key; trial ids derive the seed from the id instead). Returns the count, or
 * (size_t)-1 when scheme V1 cannot represent hp (a parameter hsweep 0.1 did not have has a
 * value other than its default): name receives that parameter's name (may be NULL). */
size_t hpkey_params(const hs_hparams *hp, hpkey_scheme s, int with_seed, size_t *out,
                    const char **name);

/* The canonical text of value v of parameter k in scheme s ("0.001", "lstm"): hsweep 0.1
 * wrote reals in ids with the fewest digits from 1 up (V1), today with at least 6 (the same
 * number, spelled as the result files spell it). buf gets n bytes. */
void hpkey_format(hpkey_scheme s, size_t k, double v, char *buf, size_t n);

/* The 64-bit hash behind a trial id: FNV-1a over "name=value;" of hpkey_params (no seed)
 * then "repeat=R;", finalised with rng_mix64. A V1 hp that V1 cannot represent hashes as V2
 * (callers check hpkey_params first). Cannot fail. */
uint64_t hpkey_trial_hash(const hs_hparams *hp, size_t repeat, hpkey_scheme s);

/* The checkpoint key: SHA-256 over "name=value;" of hpkey_params (with the seed), then the
 * dataset's shape (rows, features, split sizes) when ds is not NULL; the first 8 bytes,
 * big-endian. Cannot fail. */
uint64_t hpkey_ckpt_key(const hs_hparams *hp, const hs_dataset *ds, hpkey_scheme s);

#endif
