#define G_LOG_DOMAIN "strata-batchnorm2d"

/* Legend (see batchnorm2d.h): N examples in the slice, C channels, HW values per channel of
 * one example, M = count, the values per channel over the whole batch. Every loop walks
 * the N·C planes of HW contiguous values; plane (i, c) starts at (i·C + c)·HW. */

#include "core/ops/batchnorm2d.h"

#include <math.h>

static gboolean
dims_ok (int n, int C, gsize HW)
{
  return n >= 0 && C >= 1 && (HW == 0 || (gsize) n * C <= G_MAXSIZE / sizeof (float) / HW);
}

void
st_batchnorm2d_stats_partial (double      *sum,
                              double      *sumsq,
                              const float *in,
                              int          n,
                              int          C,
                              gsize        HW)
{
  g_return_if_fail (dims_ok (n, C, HW));
  g_return_if_fail (sum != NULL && sumsq != NULL);
  g_return_if_fail (n == 0 || HW == 0 || in != NULL);

  for (int i = 0; i < n; i++)
    for (int c = 0; c < C; c++)
      {
        const float *x = in + ((gsize) i * C + c) * HW;
        double s = 0.0, ss = 0.0;

        for (gsize j = 0; j < HW; j++)
          {
            s += x[j];
            ss += (double) x[j] * x[j];
          }
        sum[c] += s;
        sumsq[c] += ss;
      }
}

gboolean
st_batchnorm2d_stats_finalize (float        *mean,
                               float        *invstd,
                               float        *running_mean,
                               float        *running_var,
                               const double *sum,
                               const double *sumsq,
                               double        momentum,
                               double        eps,
                               gsize         count,
                               int           C)
{
  g_return_val_if_fail (C >= 1, FALSE);
  g_return_val_if_fail (mean != NULL && invstd != NULL && sum != NULL && sumsq != NULL, FALSE);
  g_return_val_if_fail (eps >= 0.0, FALSE);

  if (count < 2)
    return FALSE;
  for (int c = 0; c < C; c++)
    {
      double m = sum[c] / count;
      /* E[x²] − E[x]², in double over float data; clamped against rounding below 0. */
      double var = MAX (sumsq[c] / count - m * m, 0.0);

      mean[c] = (float) m;
      invstd[c] = (float) (1.0 / sqrt (var + eps));
      if (running_mean != NULL)
        running_mean[c] = (float) (momentum * m + (1.0 - momentum) * running_mean[c]);
      if (running_var != NULL)
        running_var[c] = (float) (momentum * var * count / (count - 1)
                                  + (1.0 - momentum) * running_var[c]);
    }
  return TRUE;
}

/* y = x·a + b on channel c, a = invstd·gamma, b = beta − mean·a: PyTorch's CPU transform. */
static void
apply_channel (float       *out,
               const float *in,
               const float *gamma,
               const float *beta,
               double       mean,
               double       invstd,
               int          c,
               int          n,
               int          C,
               gsize        HW)
{
  const double a = invstd * (gamma != NULL ? gamma[c] : 1.0);
  const float af = (float) a;
  const float bf = (float) ((beta != NULL ? beta[c] : 0.0) - mean * a);

  for (int i = 0; i < n; i++)
    {
      const gsize base = ((gsize) i * C + c) * HW;

      for (gsize j = base; j < base + HW; j++)
        out[j] = in[j] * af + bf;
    }
}

void
st_batchnorm2d_forward_apply (float       *out,
                              const float *in,
                              const float *gamma,
                              const float *beta,
                              const float *mean,
                              const float *invstd,
                              int          n,
                              int          C,
                              gsize        HW)
{
  g_return_if_fail (dims_ok (n, C, HW));
  g_return_if_fail ((gamma == NULL) == (beta == NULL));
  g_return_if_fail (mean != NULL && invstd != NULL);
  g_return_if_fail (n == 0 || HW == 0 || (out != NULL && in != NULL));

  for (int c = 0; c < C; c++)
    apply_channel (out, in, gamma, beta, mean[c], invstd[c], c, n, C, HW);
}

void
st_batchnorm2d_forward_eval (float       *out,
                             const float *in,
                             const float *gamma,
                             const float *beta,
                             const float *running_mean,
                             const float *running_var,
                             double       eps,
                             int          n,
                             int          C,
                             gsize        HW)
{
  g_return_if_fail (dims_ok (n, C, HW));
  g_return_if_fail ((gamma == NULL) == (beta == NULL));
  g_return_if_fail (running_mean != NULL && running_var != NULL);
  g_return_if_fail (eps >= 0.0);
  g_return_if_fail (n == 0 || HW == 0 || (out != NULL && in != NULL));

  for (int c = 0; c < C; c++)
    apply_channel (out, in, gamma, beta, running_mean[c],
                   1.0 / sqrt ((double) running_var[c] + eps), c, n, C, HW);
}

void
st_batchnorm2d_backward_partial (double      *sum_dy,
                                 double      *sum_dy_xhat,
                                 float       *dgamma,
                                 float       *dbeta,
                                 const float *dout,
                                 const float *in,
                                 const float *mean,
                                 const float *invstd,
                                 int          n,
                                 int          C,
                                 gsize        HW)
{
  g_return_if_fail (dims_ok (n, C, HW));
  g_return_if_fail (sum_dy != NULL && sum_dy_xhat != NULL);
  g_return_if_fail ((dgamma == NULL) == (dbeta == NULL));
  g_return_if_fail (mean != NULL && invstd != NULL);
  g_return_if_fail (n == 0 || HW == 0 || (dout != NULL && in != NULL));

  for (int c = 0; c < C; c++)
    {
      const double m = mean[c], is = invstd[c];
      double s = 0.0, sx = 0.0;

      for (int i = 0; i < n; i++)
        {
          const gsize base = ((gsize) i * C + c) * HW;

          for (gsize j = base; j < base + HW; j++)
            {
              s += dout[j];
              sx += dout[j] * ((in[j] - m) * is);
            }
        }
      sum_dy[c] += s;
      sum_dy_xhat[c] += sx;
      if (dgamma != NULL)
        {
          dgamma[c] += (float) sx;
          dbeta[c] += (float) s;
        }
    }
}

void
st_batchnorm2d_backward_apply (float        *din,
                               const float  *dout,
                               const float  *in,
                               const float  *gamma,
                               const float  *mean,
                               const float  *invstd,
                               const double *sum_dy,
                               const double *sum_dy_xhat,
                               gsize         count,
                               int           n,
                               int           C,
                               gsize         HW,
                               StGradMode    mode)
{
  g_return_if_fail (dims_ok (n, C, HW));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  g_return_if_fail (count >= 1);
  g_return_if_fail (mean != NULL && invstd != NULL && sum_dy != NULL && sum_dy_xhat != NULL);
  if (din == NULL || n == 0 || HW == 0)
    return;
  g_return_if_fail (dout != NULL && in != NULL);

  for (int c = 0; c < C; c++)
    {
      const float m = mean[c], is = invstd[c];
      const float mean_dy = (float) (sum_dy[c] / count);
      const float mean_dy_xhat = (float) (sum_dy_xhat[c] / count);
      const float k = is * (gamma != NULL ? gamma[c] : 1.0f);

      for (int i = 0; i < n; i++)
        {
          const gsize base = ((gsize) i * C + c) * HW;

          for (gsize j = base; j < base + HW; j++)
            {
              float xhat = (in[j] - m) * is;
              float g = (dout[j] - mean_dy - xhat * mean_dy_xhat) * k;

              din[j] = mode == ST_GRAD_ADD ? din[j] + g : g;
            }
        }
    }
}
