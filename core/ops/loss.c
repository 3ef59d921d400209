#define G_LOG_DOMAIN "strata-loss"

/* Legend (see loss.h): N examples in the slice, C classes, S outputs per example. */

#include "core/ops/loss.h"

#include <math.h>

/* The first maximum, as torch.argmax; the first NaN counts as the maximum. */
static int
argmax (const float *x, gsize len)
{
  gsize best = 0;

  for (gsize j = 1; j < len; j++)
    if (!isnan (x[best]) && (x[j] > x[best] || isnan (x[j])))
      best = j;
  return (int) best;
}

static gboolean
prediction_is_correct (const float *x, const float *t, gsize size)
{
  if (size == 1)
    return (x[0] > 0.5f) == (t[0] > 0.5f);
  return argmax (x, size) == argmax (t, size);
}

static gboolean
count_ok (int n, gsize size)
{
  return n >= 0 && (size == 0 || (gsize) n <= G_MAXSIZE / sizeof (float) / size);
}

double
st_cross_entropy_forward (gint64       *correct,
                          const float  *logits,
                          const guint8 *labels,
                          int           n,
                          int           C)
{
  double total = 0.0;
  gint64 right = 0;

  g_return_val_if_fail (n >= 0 && C >= 1 && count_ok (n, C), NAN);
  g_return_val_if_fail (n == 0 || (logits != NULL && labels != NULL), NAN);

  for (int i = 0; i < n; i++)
    {
      const float *x = logits + (gsize) i * C;             /* (C) */
      int top = argmax (x, C);
      double m = x[top], s = 0.0;

      g_return_val_if_fail (labels[i] < C, NAN);
      /* log Σ exp(x) = m + log Σ exp(x − m): every exponent <= 0, no overflow. */
      for (int c = 0; c < C; c++)
        s += exp ((double) x[c] - m);
      total += m + log (s) - x[labels[i]];
      right += top == labels[i];
    }
  if (correct != NULL)
    *correct = right;
  return total;
}

void
st_cross_entropy_backward (float        *dlogits,
                           const float  *logits,
                           const guint8 *labels,
                           float         scale,
                           int           n,
                           int           C)
{
  g_return_if_fail (n >= 0 && C >= 1 && count_ok (n, C));
  g_return_if_fail (n == 0 || (dlogits != NULL && logits != NULL && labels != NULL));

  for (int i = 0; i < n; i++)
    {
      const float *x = logits + (gsize) i * C;             /* (C) */
      float *dx = dlogits + (gsize) i * C;                 /* (C) */
      double m = x[argmax (x, C)], s = 0.0;

      g_return_if_fail (labels[i] < C);
      for (int c = 0; c < C; c++)
        s += exp ((double) x[c] - m);
      for (int c = 0; c < C; c++)
        dx[c] = (float) ((exp ((double) x[c] - m) / s - (c == labels[i])) * scale);
    }
}

double
st_bce_forward (gint64      *correct,
                const float *probs,
                const float *targets,
                int          n,
                gsize        size)
{
  double total = 0.0;
  gint64 right = 0;

  g_return_val_if_fail (size >= 1 && count_ok (n, size), NAN);
  g_return_val_if_fail (n == 0 || (probs != NULL && targets != NULL), NAN);

  for (int i = 0; i < n; i++)
    {
      const float *x = probs + (gsize) i * size;           /* (S) */
      const float *t = targets + (gsize) i * size;         /* (S) */

      for (gsize j = 0; j < size; j++)
        {
          double lx, l1x;

          if (!(x[j] >= 0.0f && x[j] <= 1.0f))
            {
              total += NAN;
              continue;
            }
          /* PyTorch: (t − 1)·max(log1p(−x), −100) − t·max(log x, −100) */
          lx = log (x[j]);
          l1x = log1p (-(double) x[j]);
          lx = lx < -100.0 ? -100.0 : lx;
          l1x = l1x < -100.0 ? -100.0 : l1x;
          total += ((double) t[j] - 1.0) * l1x - t[j] * lx;
        }
      right += prediction_is_correct (x, t, size);
    }
  if (correct != NULL)
    *correct = right;
  return total;
}

void
st_bce_backward (float       *dprobs,
                 const float *probs,
                 const float *targets,
                 float        scale,
                 int          n,
                 gsize        size)
{
  gsize count;

  g_return_if_fail (size >= 1 && count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (dprobs != NULL && probs != NULL && targets != NULL));

  for (gsize j = 0; j < count; j++)
    {
      float x = probs[j];
      float d = (1.0f - x) * x;

      dprobs[j] = scale * (x - targets[j]) / (d > 1e-12f ? d : 1e-12f);
    }
}

double
st_mse_forward (gint64      *correct,
                const float *preds,
                const float *targets,
                int          n,
                gsize        size)
{
  double total = 0.0;
  gint64 right = 0;

  g_return_val_if_fail (size >= 1 && count_ok (n, size), NAN);
  g_return_val_if_fail (n == 0 || (preds != NULL && targets != NULL), NAN);

  for (int i = 0; i < n; i++)
    {
      const float *x = preds + (gsize) i * size;           /* (S) */
      const float *t = targets + (gsize) i * size;         /* (S) */

      for (gsize j = 0; j < size; j++)
        {
          double d = (double) x[j] - t[j];

          total += d * d;
        }
      right += prediction_is_correct (x, t, size);
    }
  if (correct != NULL)
    *correct = right;
  return total;
}

void
st_mse_backward (float       *dpreds,
                 const float *preds,
                 const float *targets,
                 float        scale,
                 int          n,
                 gsize        size)
{
  gsize count;

  g_return_if_fail (size >= 1 && count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (dpreds != NULL && preds != NULL && targets != NULL));

  for (gsize j = 0; j < count; j++)
    dpreds[j] = 2.0f * scale * (preds[j] - targets[j]);
}
