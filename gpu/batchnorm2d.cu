/* batchnorm2d.cu: batch normalisation on the device, as core/ops/batchnorm2d.c.
 *
 * Legend (core/ops/batchnorm2d.h): N examples (the whole batch), C channels, HW values per
 * channel of one example, M = N·HW values per channel; plane (i, c) starts at (i·C + c)·HW.
 * https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
 *
 * Training: the two-stage reduction of cuda-reduce.cuh sums x and x² per channel in double,
 * and one thread per channel finishes the statistics as st_batchnorm2d_stats_finalize: mean,
 * invstd = 1/√(var + eps) with the biased variance, running statistics moved by momentum
 * towards mean and the UNBIASED variance var·M/(M − 1). Then one thread per element applies
 * y = x·a + b, a = invstd·gamma, b = beta − mean·a, a and b formed in double and rounded,
 * as the CPU's apply_channel. Backward: the same reduction sums dy and dy·x̂ per channel (and
 * they are added to dbeta and dgamma), then one thread per element applies
 *   din = gamma·invstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M).
 */
#include <math.h>

#include "gpu/cuda-ops.h"
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

gboolean
st_cuda_batchnorm2d_forward_train (const StCudaQueue *q, float *out, const float *in,
                                   const float *gamma, const float *beta, float *mean,
                                   float *invstd, float *running_mean, float *running_var,
                                   double *partial, double momentum, double eps, int n, int C,
                                   gsize HW, GError **error)
{
  const int tiles = st_cuda_reduce_tiles (n, C, HW);

  stats_tiles_kernel<<<tiles * C, ST_CUDA_THREADS, 0, q->stream>>> (partial, in, n, C, (int) HW,
                                                                    tiles);
  ST_CUDA_LAUNCHED (error);
  stats_kernel<<<ST_CUDA_BLOCKS (C), ST_CUDA_THREADS, 0, q->stream>>> (
    mean, invstd, running_mean, running_var, partial, momentum, eps, C, (gsize) n * HW, tiles);
  ST_CUDA_LAUNCHED (error);
  apply_kernel<<<ST_CUDA_BLOCKS ((gsize) n * C * HW), ST_CUDA_THREADS, 0, q->stream>>> (
    out, in, gamma, beta, mean, invstd, n, C, HW);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_batchnorm2d_forward_eval (const StCudaQueue *q, float *out, const float *in,
                                  const float *gamma, const float *beta,
                                  const float *running_mean, const float *running_var,
                                  double eps, int n, int C, gsize HW, GError **error)
{
  eval_kernel<<<ST_CUDA_BLOCKS ((gsize) n * C * HW), ST_CUDA_THREADS, 0, q->stream>>> (
    out, in, gamma, beta, running_mean, running_var, eps, n, C, HW);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_batchnorm2d_backward (const StCudaQueue *q, float *din, float *dgamma, float *dbeta,
                              const float *dout, const float *in, const float *gamma,
                              const float *mean, const float *invstd, double *sums,
                              double *partial, int n, int C, gsize HW, gboolean add,
                              GError **error)
{
  const int tiles = st_cuda_reduce_tiles (n, C, HW);

  backward_tiles_kernel<<<tiles * C, ST_CUDA_THREADS, 0, q->stream>>> (
    partial, dout, in, mean, invstd, n, C, (int) HW, tiles);
  ST_CUDA_LAUNCHED (error);
  backward_sums_kernel<<<ST_CUDA_BLOCKS (C), ST_CUDA_THREADS, 0, q->stream>>> (
    sums, dgamma, dbeta, partial, C, tiles);
  ST_CUDA_LAUNCHED (error);
  if (din == NULL || n == 0 || HW == 0)
    return TRUE;
  backward_apply_kernel<<<ST_CUDA_BLOCKS ((gsize) n * C * HW), ST_CUDA_THREADS, 0,
                          q->stream>>> (din, dout, in, gamma, mean, invstd, sums, n, C, HW,
                                        add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
