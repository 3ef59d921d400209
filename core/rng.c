#define G_LOG_DOMAIN "strata-rng"

#include "core/rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
st_rng_init (StRng *rng, guint64 seed)
{
  guint64 x = seed;

  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

static guint64
fork_seed (StRng *parent, guint64 stream)
{
  return st_rng_u64 (parent) ^ (stream * G_GUINT64_CONSTANT (0xd1342543de82ef95));
}

void
st_rng_fork (StRng *child, StRng *parent, guint64 stream)
{
  guint64 x = fork_seed (parent, stream);

  for (int i = 0; i < 4; i++)
    child->s[i] = splitmix64 (&x);
}

guint64
st_rng_u64 (StRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
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
  StRng base;

  g_return_val_if_fail (op < ST_RNG_DROPOUT_MAX_OPS, 0);
  g_return_val_if_fail (example < ST_RNG_DROPOUT_MAX_EXAMPLES, 0);

  st_rng_init (&base, seed ^ ST_RNG_DROPOUT_KEY);
  return fork_seed (&base, example << ST_RNG_DROPOUT_OP_BITS | op);
}
