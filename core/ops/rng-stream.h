/* rng-stream.h: the generator's steps, written once for both backends.
 *
 * xoshiro256** (Blackman and Vigna) seeded through splitmix64, and the contract between the
 * CPU and GPU backends for dropout's masks. rng.c builds StRng on these functions and
 * gpu/cuda-rng.cuh builds the device's generator on the same ones (the module links nothing
 * of core, so they are inline here, compiled by the host compiler and by nvcc alike, as
 * ST_RNG_INLINE says): a stream started from the same seed gives the same numbers on both
 * sides.
 *
 * The dropout contract: the generator that draws example `example`'s mask (its position in
 * the step's batch) at op `op` (its index on the net's tape) in the step seeded `seed` is
 * seeded with st_rng_dropout_seed (seed, example, op), one uniform draw per element in
 * order:
 *   x = first draw of a generator seeded with seed ^ ST_RNG_DROPOUT_KEY, xor
 *       stream · ST_RNG_FORK_MULTIPLIER, with stream = example · 2^20 + op,
 * which is st_rng_fork's child of that generator: distinct for every op < 2^20 and
 * example < 2^40 (the stream is distinct and the multiplier is odd). tests/test-ops.c pins
 * its values and tests/test-cuda-ops.c compares the masks of the two backends.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How the steps are compiled: static inline here; gpu/cuda-rng.cuh defines it first, for the
 * host and the device at once. */
#ifndef ST_RNG_INLINE
#define ST_RNG_INLINE static inline
#endif

#define ST_RNG_FORK_MULTIPLIER       G_GUINT64_CONSTANT (0xd1342543de82ef95)
#define ST_RNG_DROPOUT_KEY           G_GUINT64_CONSTANT (0x5eed0d7090)
#define ST_RNG_DROPOUT_OP_BITS       20
#define ST_RNG_DROPOUT_MAX_OPS       (G_GUINT64_CONSTANT (1) << ST_RNG_DROPOUT_OP_BITS)
#define ST_RNG_DROPOUT_MAX_EXAMPLES  (G_GUINT64_CONSTANT (1) << 40)

ST_RNG_INLINE guint64
st_rng_splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* The four words of a generator seeded with x. */
ST_RNG_INLINE void
st_rng_state_seed (guint64 s[4], guint64 x)
{
  for (int i = 0; i < 4; i++)
    s[i] = st_rng_splitmix64 (&x);
}

/* One step of xoshiro256**: the next draw. */
ST_RNG_INLINE guint64
st_rng_state_next (guint64 s[4])
{
  const guint64 x = s[1] * 5, t = s[1] << 17;
  const guint64 result = ((x << 7) | (x >> 57)) * 9;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* The seed of stream `stream` forked from a generator whose next draw is `draw`. */
ST_RNG_INLINE guint64
st_rng_fork_seed (guint64 draw, guint64 stream)
{
  return draw ^ (stream * ST_RNG_FORK_MULTIPLIER);
}

/* The seed of the generator of example `example`'s dropout mask at op `op` in the step
 * seeded `seed` (the contract above). The caller keeps op < ST_RNG_DROPOUT_MAX_OPS and
 * example < ST_RNG_DROPOUT_MAX_EXAMPLES. */
ST_RNG_INLINE guint64
st_rng_dropout_seed (guint64 seed, guint64 example, guint64 op)
{
  guint64 s[4];

  st_rng_state_seed (s, seed ^ ST_RNG_DROPOUT_KEY);
  return st_rng_fork_seed (st_rng_state_next (s), example << ST_RNG_DROPOUT_OP_BITS | op);
}

G_END_DECLS
