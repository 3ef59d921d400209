/* op-check.c: the fills and closeness checks of the op tests. */
#include <math.h>

#include "op-check.h"

void
fill_uniform (float *x, gsize count, StRng *rng, double lo, double hi)
{
  for (gsize i = 0; i < count; i++)
    x[i] = (float) (lo + (hi - lo) * st_rng_uniform (rng));
}

void
fill_away_from_zero (float *x, gsize count, StRng *rng, double lo, double hi)
{
  for (gsize i = 0; i < count; i++)
    {
      double v = lo + (hi - lo) * st_rng_uniform (rng);

      x[i] = (float) (st_rng_below (rng, 2) ? v : -v);
    }
}

void
fill_distinct (float *x, gsize count, StRng *rng, double spacing)
{
  g_autofree guint32 *idx = g_new (guint32, count);

  for (gsize i = 0; i < count; i++)
    idx[i] = (guint32) i;
  st_rng_shuffle (rng, idx, count);
  for (gsize i = 0; i < count; i++)
    x[i] = (float) ((idx[i] - 0.5 * count) * spacing);
}

float *
floats_filled (gsize count, float value)
{
  float *x = g_new (float, MAX (count, 1));

  for (gsize i = 0; i < count; i++)
    x[i] = value;
  return x;
}

float
max_abs (const float *x, gsize count)
{
  float m = 0.0f;

  for (gsize i = 0; i < count; i++)
    m = MAX (m, fabsf (x[i]));
  return m;
}

double
max_scaled_diff (const float *a, const float *b, gsize count)
{
  double scale = MAX (1.0, max_abs (b, count)), worst = 0.0;

  for (gsize i = 0; i < count; i++)
    {
      if (isnan (a[i]) || isnan (b[i]))
        return INFINITY;
      worst = MAX (worst, fabs ((double) a[i] - b[i]) / scale);
    }
  return worst;
}

void
assert_close (const char *what, const float *got, const float *want, gsize count, double tol)
{
  double d = max_scaled_diff (got, want, count);

  if (d > tol)
    g_test_message ("%s: max scaled difference %.3g > %.3g", what, d, tol);
  g_assert_cmpfloat (d, <=, tol);
}
