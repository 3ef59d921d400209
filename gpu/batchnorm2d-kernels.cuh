/* batchnorm2d-kernels.cuh: batch normalisation's kernels, which gpu/batchnorm2d.cu launches
 * (its top has the legend and the math). Device code without CUDA's headers (cuda-kernel.h):
 * tests/test-cuda-kernels.cc runs these on the host against core/ops/batchnorm2d.c.
 */
#pragma once

#include <math.h>

#include "gpu/cuda-kernel.h"
#include "gpu/cuda-reduce.cuh"

typedef struct {
  const float *in;

  __device__ void operator() (double *acc, gsize j, int) const
  {
    const float x = in[j];

    acc[0] += x;
    acc[1] += (double) x * x;
  }
} SumMoments;

static __global__ void
stats_tiles_kernel (double *__restrict__ partial, const float *__restrict__ in, int n, int C,
                    int HW, int tiles)
{
  st_tile_sums<2> (partial, n, C, HW, tiles, SumMoments { in });
}

static __global__ void
stats_kernel (float *__restrict__ mean, float *__restrict__ invstd,
              float *__restrict__ running_mean, float *__restrict__ running_var,
              const double *__restrict__ partial, double momentum, double eps, int C,
              gsize count, int tiles)
{
  ST_CUDA_FOR (ci, (gsize) C)
    {
      const int c = (int) ci;
      const double s = st_tile_total (partial, c, tiles, 2, 0);
      const double ss = st_tile_total (partial, c, tiles, 2, 1);
      double m, var;

      if (count < 2)
        continue;
      m = s / count;
      /* E[x²] − E[x]², clamped against rounding below 0 */
      var = fmax (ss / count - m * m, 0.0);
      mean[c] = (float) m;
      invstd[c] = (float) (1.0 / sqrt (var + eps));
      if (running_mean != NULL)
        running_mean[c] = (float) (momentum * m + (1.0 - momentum) * running_mean[c]);
      if (running_var != NULL)
        running_var[c] = (float) (momentum * var * count / (count - 1)
                                  + (1.0 - momentum) * running_var[c]);
    }
}

/* y = x·a + b on channel c; a, b from (mean, invstd) in double, rounded once. */
static __device__ __forceinline__ float
normalise (float x, double mean, double invstd, const float *gamma, const float *beta, int c)
{
  const double a = invstd * (gamma != NULL ? gamma[c] : 1.0);
  const float af = (float) a;
  const float bf = (float) ((beta != NULL ? beta[c] : 0.0) - mean * a);

  return x * af + bf;
}

static __global__ void
apply_kernel (float *__restrict__ out, const float *__restrict__ in,
              const float *__restrict__ gamma, const float *__restrict__ beta,
              const float *__restrict__ mean, const float *__restrict__ invstd, int n, int C,
              gsize HW)
{
  ST_CUDA_FOR (t, (gsize) n * C * HW)
    {
      const int c = (int) (t / HW % C);

      out[t] = normalise (in[t], mean[c], invstd[c], gamma, beta, c);
    }
}

/* Evaluation: the running statistics, invstd kept in double as st_batchnorm2d_forward_eval. */
static __global__ void
eval_kernel (float *__restrict__ out, const float *__restrict__ in,
             const float *__restrict__ gamma, const float *__restrict__ beta,
             const float *__restrict__ running_mean, const float *__restrict__ running_var,
             double eps, int n, int C, gsize HW)
{
  ST_CUDA_FOR (t, (gsize) n * C * HW)
    {
      const int c = (int) (t / HW % C);

      out[t] = normalise (in[t], running_mean[c], 1.0 / sqrt ((double) running_var[c] + eps),
                          gamma, beta, c);
    }
}

/* The tiles of Σdy and Σ dy·x̂ per channel, x̂ = (x − mean)·invstd in double. */
typedef struct {
  const float *dout, *in, *mean, *invstd;

  __device__ void operator() (double *acc, gsize j, int c) const
  {
    acc[0] += dout[j];
    acc[1] += dout[j] * ((in[j] - (double) mean[c]) * invstd[c]);
  }
} SumBackward;

static __global__ void
backward_tiles_kernel (double *__restrict__ partial, const float *__restrict__ dout,
                       const float *__restrict__ in, const float *__restrict__ mean,
                       const float *__restrict__ invstd, int n, int C, int HW, int tiles)
{
  st_tile_sums<2> (partial, n, C, HW, tiles, SumBackward { dout, in, mean, invstd });
}

/* sums[c] = Σdy, sums[C + c] = Σ dy·x̂ over the batch; dbeta[c] and dgamma[c] get them
 * added. */
static __global__ void
backward_sums_kernel (double *__restrict__ sums, float *__restrict__ dgamma,
                      float *__restrict__ dbeta, const double *__restrict__ partial, int C,
                      int tiles)
{
  ST_CUDA_FOR (ci, (gsize) C)
    {
      const int c = (int) ci;
      const double s = st_tile_total (partial, c, tiles, 2, 0);
      const double sx = st_tile_total (partial, c, tiles, 2, 1);

      sums[c] = s;
      sums[C + c] = sx;
      if (dgamma != NULL)
        {
          dgamma[c] += (float) sx;
          dbeta[c] += (float) s;
        }
    }
}

static __global__ void
backward_apply_kernel (float *__restrict__ din, const float *__restrict__ dout,
                       const float *__restrict__ in, const float *__restrict__ gamma,
                       const float *__restrict__ mean, const float *__restrict__ invstd,
                       const double *__restrict__ sums, int n, int C, gsize HW, gboolean add)
{
  const gsize count = (gsize) n * HW;

  ST_CUDA_FOR (t, (gsize) n * C * HW)
    {
      const int c = (int) (t / HW % C);
      const float m = mean[c], is = invstd[c];
      const float mean_dy = (float) (sums[c] / count);
      const float mean_dy_xhat = (float) (sums[C + c] / count);
      const float k = is * (gamma != NULL ? gamma[c] : 1.0f);
      const float xhat = (in[t] - m) * is;
      const float g = (dout[t] - mean_dy - xhat * mean_dy_xhat) * k;

      din[t] = add ? din[t] + g : g;
    }
}
