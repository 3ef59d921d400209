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
 * The kernels are in batchnorm2d-kernels.cuh (checked on the host by test-cuda-kernels).
 */
#include "gpu/batchnorm2d-kernels.cuh"
#include "gpu/cuda-ops.h"

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
