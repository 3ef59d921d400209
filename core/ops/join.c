#define G_LOG_DOMAIN "strata-join"

/* Legend (see join.h): N examples, K inputs of C_k channels, HW values per channel,
 * S elements per example. */

#include "core/ops/join.h"

#include <string.h>

static gboolean
count_ok (int n, gsize size)
{
  return n >= 0 && (size == 0 || (gsize) n <= G_MAXSIZE / sizeof (float) / size);
}

/* Σ C_k, or -1 when a count is < 1 or the sum overflows. */
static gint64
total_channels (const int *channels, int n_inputs)
{
  gint64 total = 0;

  for (int k = 0; k < n_inputs; k++)
    {
      if (channels[k] < 1)
        return -1;
      total += channels[k];
      if (total > G_MAXINT)
        return -1;
    }
  return total;
}

void
st_concat_forward (float              *out,
                   const float *const *ins,
                   const int          *channels,
                   int                 n_inputs,
                   int                 n,
                   gsize               HW)
{
  gint64 total;
  gsize out_size;

  g_return_if_fail (n_inputs >= 1 && ins != NULL && channels != NULL);
  total = total_channels (channels, n_inputs);
  g_return_if_fail (total > 0 && count_ok (n, (gsize) total * HW));
  g_return_if_fail (n == 0 || HW == 0 || out != NULL);

  out_size = (gsize) total * HW;
  for (int k = 0, offset = 0; k < n_inputs; offset += channels[k], k++)
    {
      const gsize in_size = (gsize) channels[k] * HW;      /* one example of input k */

      g_return_if_fail (n == 0 || HW == 0 || ins[k] != NULL);
      for (int i = 0; i < n; i++)
        memcpy (out + i * out_size + (gsize) offset * HW, ins[k] + i * in_size,
                sizeof (float) * in_size);
    }
}

void
st_concat_backward (float *const *dins,
                    const float  *dout,
                    const int    *channels,
                    int           n_inputs,
                    int           n,
                    gsize         HW,
                    StGradMode    mode)
{
  gint64 total;
  gsize out_size;

  g_return_if_fail (n_inputs >= 1 && dins != NULL && channels != NULL);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  total = total_channels (channels, n_inputs);
  g_return_if_fail (total > 0 && count_ok (n, (gsize) total * HW));
  g_return_if_fail (n == 0 || HW == 0 || dout != NULL);

  out_size = (gsize) total * HW;
  for (int k = 0, offset = 0; k < n_inputs; offset += channels[k], k++)
    {
      const gsize in_size = (gsize) channels[k] * HW;

      if (dins[k] == NULL)
        continue;
      for (int i = 0; i < n; i++)
        {
          const float *src = dout + i * out_size + (gsize) offset * HW;
          float *dst = dins[k] + i * in_size;

          if (mode == ST_GRAD_WRITE)
            memcpy (dst, src, sizeof (float) * in_size);
          else
            for (gsize j = 0; j < in_size; j++)
              dst[j] += src[j];
        }
    }
}

void
st_add_forward (float       *out,
                const float *a,
                const float *b,
                int          n,
                gsize        size)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && a != NULL && b != NULL));

  for (gsize j = 0; j < count; j++)
    out[j] = a[j] + b[j];
}

static void
accumulate (float *dst, const float *src, gsize count, StGradMode mode)
{
  if (mode == ST_GRAD_WRITE)
    {
      if (dst != src)
        memmove (dst, src, sizeof (float) * count);
      return;
    }
  for (gsize j = 0; j < count; j++)
    dst[j] += src[j];
}

void
st_add_backward (float       *da,
                 float       *db,
                 const float *dout,
                 int          n,
                 gsize        size,
                 StGradMode   mode)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  count = (gsize) n * size;
  if (count == 0 || (da == NULL && db == NULL))
    return;
  g_return_if_fail (dout != NULL);
  /* With ADD, da == dout would double dout before db reads it. */
  g_return_if_fail (mode == ST_GRAD_WRITE || (da != dout && db != dout));
  g_return_if_fail (da == NULL || da != db);

  if (da != NULL)
    accumulate (da, dout, count, mode);
  if (db != NULL)
    accumulate (db, dout, count, mode);
}
