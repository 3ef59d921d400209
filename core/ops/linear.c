#define G_LOG_DOMAIN "strata-linear"

/* Legend (see linear.h): N examples, C in_features, OC out_features. */

#include "core/ops/linear.h"

#include <cblas.h>

static gboolean
dims_ok (int n, int C, int OC)
{
  return n >= 0 && C >= 1 && OC >= 1
         && (gint64) n * C <= G_MAXINT && (gint64) n * OC <= G_MAXINT
         && (gint64) OC * C <= G_MAXINT;
}

void
st_linear_forward (float       *out,
                   const float *in,
                   const float *w,
                   const float *b,
                   int          n,
                   int          C,
                   int          OC)
{
  g_return_if_fail (dims_ok (n, C, OC));
  g_return_if_fail (n == 0 || (out != NULL && in != NULL && w != NULL));
  if (n == 0)
    return;

  if (b != NULL)
    for (int i = 0; i < n; i++)
      for (int o = 0; o < OC; o++)
        out[(gsize) i * OC + o] = b[o];
  /* out (N, OC) = in (N, C) · wᵀ (C, OC) [+ out, holding the bias] */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, OC, C,
               1.0f, in, C, w, C, b != NULL ? 1.0f : 0.0f, out, OC);
}

void
st_linear_backward (float       *din,
                    float       *dw,
                    float       *db,
                    const float *dout,
                    const float *in,
                    const float *w,
                    int          n,
                    int          C,
                    int          OC,
                    StGradMode   mode)
{
  g_return_if_fail (dims_ok (n, C, OC));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  g_return_if_fail (n == 0 || (dw != NULL && dout != NULL && in != NULL && w != NULL));
  if (n == 0)
    return;

  if (db != NULL)
    for (int o = 0; o < OC; o++)
      {
        double s = 0.0;

        for (int i = 0; i < n; i++)
          s += dout[(gsize) i * OC + o];
        db[o] += (float) s;
      }
  /* dw (OC, C) += doutᵀ (OC, N) · in (N, C) */
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, n,
               1.0f, dout, OC, in, C, 1.0f, dw, C);
  /* din (N, C) (+)= dout (N, OC) · w (OC, C) */
  if (din != NULL)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, C, OC,
                 1.0f, dout, OC, w, C, mode == ST_GRAD_ADD ? 1.0f : 0.0f, din, C);
}

void
st_linear_forward_naive (float       *out,
                         const float *in,
                         const float *w,
                         const float *b,
                         int          n,
                         int          C,
                         int          OC)
{
  g_return_if_fail (dims_ok (n, C, OC));
  g_return_if_fail (n == 0 || (out != NULL && in != NULL && w != NULL));

  for (int i = 0; i < n; i++)
    for (int o = 0; o < OC; o++)
      {
        double acc = b != NULL ? b[o] : 0.0;

        for (int c = 0; c < C; c++)
          acc += (double) in[(gsize) i * C + c] * w[(gsize) o * C + c];
        out[(gsize) i * OC + o] = (float) acc;
      }
}

void
st_linear_backward_naive (float       *din,
                          float       *dw,
                          float       *db,
                          const float *dout,
                          const float *in,
                          const float *w,
                          int          n,
                          int          C,
                          int          OC,
                          StGradMode   mode)
{
  g_return_if_fail (dims_ok (n, C, OC));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  g_return_if_fail (n == 0 || (dw != NULL && dout != NULL && in != NULL && w != NULL));
  if (n == 0)
    return;

  for (int o = 0; o < OC; o++)
    {
      double sb = 0.0;

      for (int i = 0; i < n; i++)
        sb += dout[(gsize) i * OC + o];
      if (db != NULL)
        db[o] += (float) sb;
      for (int c = 0; c < C; c++)
        {
          double s = 0.0;

          for (int i = 0; i < n; i++)
            s += (double) dout[(gsize) i * OC + o] * in[(gsize) i * C + c];
          dw[(gsize) o * C + c] += (float) s;
        }
    }
  if (din != NULL)
    for (int i = 0; i < n; i++)
      for (int c = 0; c < C; c++)
        {
          double s = 0.0;

          for (int o = 0; o < OC; o++)
            s += (double) dout[(gsize) i * OC + o] * w[(gsize) o * C + c];
          din[(gsize) i * C + c] = (float) (mode == ST_GRAD_ADD ? din[(gsize) i * C + c] + s : s);
        }
}
