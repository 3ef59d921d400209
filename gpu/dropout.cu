/* dropout.cu: inverted dropout on the device, as core/ops/dropout.c.
 *
 * Legend (core/ops/dropout.h): N examples, S elements per example; mask (N, S) bytes, 1 where
 * an element was kept. https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html
 *
 * Training keeps each element with probability 1 − p and scales it by 1/(1 − p); p = 0 is
 * the identity and p = 1 multiplies by 0. The draws are the CPU backend's: core/ops/rng.c's
 * xoshiro256** seeded with st_rng_dropout_seed (step seed, example, op) (the contract of
 * core/ops/rng-stream.h, which the CPU's st_rng_dropout_stream calls), one st_rng_uniform
 * per element in order. One thread walks one example's stream, so the mask is bitwise the
 * CPU's (and no skip-ahead is needed).
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"
#include "gpu/cuda-rng.cuh"

/* One thread per example, its generator seeded by st_rng_dropout_seed (core/ops/rng-stream.h). */
static __global__ void
dropout_train_kernel (float *__restrict__ out, const float *__restrict__ in,
                      guint8 *__restrict__ mask, double p, float scale,
                      const StCudaStep *__restrict__ step, int op, int n, gsize size)
{
  const guint64 seed = step->seed;

  ST_CUDA_FOR (i, (gsize) n)
    {
      Rng rng;
      const gsize first = i * size;

      rng_seed (&rng, st_rng_dropout_seed (seed, i, (guint64) op));
      for (gsize j = first; j < first + size; j++)
        {
          const gboolean keep = rng_uniform (&rng) >= p;

          mask[j] = keep;
          out[j] = keep ? in[j] * scale : 0.0f;
        }
    }
}

/* p = 0 keeps everything, p = 1 multiplies by zero (NaN and ±inf give NaN, as PyTorch). */
static __global__ void
dropout_fixed_kernel (float *__restrict__ out, const float *__restrict__ in,
                      guint8 *__restrict__ mask, gboolean keep, gsize count)
{
  ST_CUDA_FOR (i, count)
    {
      mask[i] = keep;
      out[i] = keep ? in[i] : in[i] * 0.0f;
    }
}

static __global__ void
dropout_backward_kernel (float *__restrict__ din, const float *__restrict__ dout,
                         const guint8 *__restrict__ mask, float scale, gsize count,
                         gboolean add)
{
  ST_CUDA_FOR (i, count)
    {
      const float g = mask[i] ? dout[i] * scale : 0.0f;

      din[i] = add ? din[i] + g : g;
    }
}

gboolean
st_cuda_dropout_forward_train (const StCudaQueue *q, float *out, const float *in, guint8 *mask,
                               double p, const StCudaStep *step, int op, int n, gsize size,
                               GError **error)
{
  const gsize count = (gsize) n * size;

  if (p == 0.0 || p == 1.0)
    dropout_fixed_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (
      out, in, mask, p == 0.0, count);
  else
    dropout_train_kernel<<<ST_CUDA_BLOCKS (n), ST_CUDA_THREADS, 0, q->stream>>> (
      out, in, mask, p, (float) (1.0 / (1.0 - p)), step, op, n, size);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_dropout_backward (const StCudaQueue *q, float *din, const float *dout,
                          const guint8 *mask, double p, gsize count, gboolean add,
                          GError **error)
{
  const float scale = p < 1.0 ? (float) (1.0 / (1.0 - p)) : 0.0f;

  dropout_backward_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (
    din, dout, mask, scale, count, add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
