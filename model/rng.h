/* rng: a small, seedable, platform-independent random number generator.
 *
 * xoshiro256** seeded through splitmix64. Every trial owns one rng (weight init, shuffling,
 * dropout masks all draw from it), so the same seed gives bit-identical results on any
 * rank and in any order. No global state. Not cryptographic. */
#ifndef HS_RNG_H
#define HS_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct rng {
    uint64_t s[4];        /* xoshiro256** state; never all zero */
} rng;

/* Seed r from a 64-bit value (any value, including 0, is fine). */
void rng_seed(rng *r, uint64_t seed);

/* Next raw 64-bit output. */
uint64_t rng_u64(rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(rng *r);

/* Uniform float in [0, 1) with 24 random bits. */
float rng_uniformf(rng *r);

/* Uniform integer in [0, n), unbiased (rejection). n must be > 0. */
uint64_t rng_below(rng *r, uint64_t n);

/* Standard normal deviate (Box-Muller, no cached second value, so the stream position
 * depends only on the number of calls). */
double rng_normal(rng *r);

/* Fisher-Yates shuffle of a[0..n). */
void rng_shuffle(rng *r, size_t *a, size_t n);

/* splitmix64 finaliser: a good 64-bit mixing function, also used to derive seeds. */
uint64_t rng_mix64(uint64_t x);

#endif
