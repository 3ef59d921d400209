/* cuda-rng.cuh: core/rng.c's generator on the device, for the kernels that must draw what
 * the CPU backend draws (dropout's masks, augmentation).
 *
 * xoshiro256** seeded through splitmix64, step for step as st_rng_init, st_rng_u64,
 * st_rng_below and st_rng_uniform, so a stream started from the same seed gives the same
 * numbers on both sides. Device code, so it is in a header like cuda-reduce.cuh.
 */
#pragma once

#include <glib.h>

typedef struct {
  guint64 s[4];
} Rng;

static __device__ __forceinline__ guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static __device__ __forceinline__ guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* st_rng_init (rng, x); st_rng_fork is rng_seed (child, rng_u64 (parent) ^ stream·constant). */
static __device__ __forceinline__ void
rng_seed (Rng *rng, guint64 x)
{
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

static __device__ __forceinline__ guint64
rng_u64 (Rng *rng)
{
  guint64 *s = rng->s;
  const guint64 result = rotl (s[1] * 5, 7) * 9, t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1) with 53 random bits, as st_rng_uniform. */
static __device__ __forceinline__ double
rng_uniform (Rng *rng)
{
  return (double) (rng_u64 (rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n), n > 0, rejecting the top partial block as st_rng_below. */
static __device__ __forceinline__ guint64
rng_below (Rng *rng, guint64 n)
{
  const guint64 limit = ~0ull - ~0ull % n;
  guint64 r;

  do
    r = rng_u64 (rng);
  while (r >= limit);
  return r % n;
}

/* core/rng.h's st_rng_dropout_stream, the seed of the generator that draws example
 * `example`'s dropout mask at op `op` in the step seeded `seed`: the first draw of a
 * generator seeded with seed ^ ST_RNG_DROPOUT_KEY, xor (example · 2^20 + op) times
 * 0xd1342543de82ef95. Change both together: tests/test-ops.c pins the CPU's values and
 * tests/test-cuda-ops.c compares the masks. */
static __device__ __forceinline__ guint64
rng_dropout_stream (guint64 seed, guint64 example, guint64 op)
{
  Rng base;

  rng_seed (&base, seed ^ 0x5eed0d7090ull);
  return rng_u64 (&base) ^ (((example << 20) | op) * 0xd1342543de82ef95ull);
}
