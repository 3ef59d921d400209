#define G_LOG_DOMAIN "strata-dropout"

/* Legend (see dropout.h): N examples, S elements per example; every loop is one pass over
 * count = N·S elements. */

#include "core/ops/dropout.h"

#include <string.h>

static gboolean
count_ok (int n, gsize size)
{
  return n >= 0 && (size == 0 || (gsize) n <= G_MAXSIZE / sizeof (float) / size);
}

void
st_dropout_forward_train (float       *out,
                          const float *in,
                          double       p,
                          StRng       *rng,
                          guint8      *mask,
                          int          n,
                          gsize        size)
{
  gsize count;
  float scale;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (p >= 0.0 && p <= 1.0);
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && in != NULL && rng != NULL && mask != NULL));

  if (p == 0.0)
    {
      memset (mask, 1, count);
      if (out != in)
        memmove (out, in, sizeof (float) * count);
      return;
    }
  if (p == 1.0)
    {
      /* PyTorch multiplies by zero: NaN and ±inf inputs give NaN, as there. */
      memset (mask, 0, count);
      for (gsize i = 0; i < count; i++)
        out[i] = in[i] * 0.0f;
      return;
    }
  scale = (float) (1.0 / (1.0 - p));
  for (gsize i = 0; i < count; i++)
    {
      /* uniform in [0, 1): kept with probability 1 − p */
      mask[i] = st_rng_uniform (rng) >= p;
      out[i] = mask[i] ? in[i] * scale : 0.0f;
    }
}

void
st_dropout_forward_eval (float       *out,
                         const float *in,
                         int          n,
                         gsize        size)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && in != NULL));

  if (out != in && count > 0)
    memmove (out, in, sizeof (float) * count);
}

void
st_dropout_backward (float        *din,
                     const float  *dout,
                     double        p,
                     const guint8 *mask,
                     int           n,
                     gsize         size,
                     StGradMode    mode)
{
  gsize count;
  float scale;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (p >= 0.0 && p <= 1.0);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  count = (gsize) n * size;
  if (din == NULL || count == 0)
    return;
  g_return_if_fail (dout != NULL && mask != NULL);

  scale = p < 1.0 ? (float) (1.0 / (1.0 - p)) : 0.0f;
  for (gsize i = 0; i < count; i++)
    {
      float g = mask[i] ? dout[i] * scale : 0.0f;

      din[i] = mode == ST_GRAD_ADD ? din[i] + g : g;
    }
}
