/* sha256: the SHA-256 message digest (FIPS 180-4), streamed.
 *
 * Used to fingerprint the uncompressed source CSV while it is being read, so the prepared
 * HDF5 file records exactly which bytes it came from. Plain C, no I/O, cannot fail.
 * Not constant-time and not meant for anything cryptographic beyond checksumming. */
#ifndef HS_SHA256_H
#define HS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t state[8];        /* running hash H0..H7 */
    uint64_t n_bytes;         /* message bytes consumed so far */
    unsigned char block[64];  /* pending partial block */
    size_t block_len;         /* bytes used in block, < 64 */
} sha256_ctx;

/* Start a new digest in c. */
void sha256_init(sha256_ctx *c);

/* Feed n bytes of data (may be NULL when n is 0). */
void sha256_update(sha256_ctx *c, const void *data, size_t n);

/* Finish the digest: out receives the 32-byte hash; c must be re-initialised before reuse. */
void sha256_final(sha256_ctx *c, unsigned char out[32]);

/* Finish the digest and write it as 64 lower-case hex characters plus NUL into hex. */
void sha256_final_hex(sha256_ctx *c, char hex[65]);

#endif
