/* cuda-rng.cuh: core/ops/rng.c's generator on the device, for the kernels that must draw what
 * the CPU backend draws (dropout's masks, augmentation).
 *
 * Built on the steps of core/ops/rng-stream.h, which rng.c uses too (seeding, the next
 * draw, the dropout stream's seed, st_rng_dropout_seed); uniform and below as st_rng_uniform
 * and st_rng_below. Device code, so it is in a header like cuda-reduce.cuh.
 */
#pragma once

#include <glib.h>

/* core/ops/rng-stream.h's steps, for the device as well as the host */
#define ST_RNG_INLINE static __host__ __device__ __forceinline__
#include "core/ops/rng-stream.h"

typedef struct {
  guint64 s[4];
} Rng;

/* st_rng_init (rng, x); st_rng_fork is rng_seed (child, st_rng_fork_seed (rng_u64 (parent),
 * stream)). */
static __device__ __forceinline__ void
rng_seed (Rng *rng, guint64 x)
{
  st_rng_state_seed (rng->s, x);
}

static __device__ __forceinline__ guint64
rng_u64 (Rng *rng)
{
  return st_rng_state_next (rng->s);
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
