#define G_LOG_DOMAIN "strata-rng"

#include "core/ops/rng.h"

#include <math.h>

void
st_rng_init (StRng *rng, guint64 seed)
{
  st_rng_state_seed (rng->s, seed);
}

void
st_rng_fork (StRng *child, StRng *parent, guint64 stream)
{
  st_rng_state_seed (child->s, st_rng_fork_seed (st_rng_u64 (parent), stream));
}

guint64
st_rng_u64 (StRng *rng)
{
  return st_rng_state_next (rng->s);
}

guint64
st_rng_below (StRng *rng, guint64 n)
{
  guint64 limit, r;

  g_return_val_if_fail (n > 0, 0);
  /* Reject the top partial block so every residue is equally likely. */
  limit = G_MAXUINT64 - G_MAXUINT64 % n;
  do
    r = st_rng_u64 (rng);
  while (r >= limit);
  return r % n;
}

double
st_rng_uniform (StRng *rng)
{
  return (double) (st_rng_u64 (rng) >> 11) * 0x1.0p-53;
}

double
st_rng_normal (StRng *rng)
{
  double u1, u2;

  do
    u1 = st_rng_uniform (rng);
  while (u1 <= 0.0);
  u2 = st_rng_uniform (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
st_rng_shuffle (StRng *rng, guint32 *idx, gsize n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = st_rng_below (rng, i);
      guint32 t = idx[i - 1];
      idx[i - 1] = idx[j];
      idx[j] = t;
    }
}

guint64
st_rng_dropout_stream (guint64 seed, guint64 example, guint64 op)
{
  g_return_val_if_fail (op < ST_RNG_DROPOUT_MAX_OPS, 0);
  g_return_val_if_fail (example < ST_RNG_DROPOUT_MAX_EXAMPLES, 0);

  return st_rng_dropout_seed (seed, example, op);
}
