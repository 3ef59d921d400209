/* join.cu: the ops that blocks compile into, on the device — Concat and Add — and the plain
 * copy-or-add that their backward (and Dropout in evaluation) needs. As core/ops/join.c.
 *
 * Legend (core/ops/join.h): N examples, C_k channels of input k at channel `offset` of the
 * output's C_total, HW values per channel, count = N·S elements.
 * https://pytorch.org/docs/stable/generated/torch.cat.html, torch.add.html
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

/* The element of out (N, C_total, HW) that element t of input k (N, C_k, HW) maps to. */
static __device__ __forceinline__ gsize
joined (gsize t, int channels, int offset, int total, gsize HW)
{
  const gsize block = (gsize) channels * HW;

  return (t / block * total + offset) * HW + t % block;
}

static __global__ void
concat_forward_kernel (float *__restrict__ out, const float *__restrict__ in, int n,
                       int channels, int offset, int total, gsize HW)
{
  ST_CUDA_FOR (t, (gsize) n * channels * HW)
    out[joined (t, channels, offset, total, HW)] = in[t];
}

static __global__ void
concat_backward_kernel (float *__restrict__ din, const float *__restrict__ dout, int n,
                        int channels, int offset, int total, gsize HW, gboolean add)
{
  ST_CUDA_FOR (t, (gsize) n * channels * HW)
    {
      const float g = dout[joined (t, channels, offset, total, HW)];

      din[t] = add ? din[t] + g : g;
    }
}

static __global__ void
add_forward_kernel (float *__restrict__ out, const float *a, const float *b, gsize count)
{
  /* a and b may be the same value (a Residual whose body is empty) */
  ST_CUDA_FOR (i, count)
    out[i] = a[i] + b[i];
}

static __global__ void
accumulate_kernel (float *__restrict__ dst, const float *__restrict__ src, gsize count,
                   gboolean add)
{
  ST_CUDA_FOR (i, count)
    dst[i] = add ? dst[i] + src[i] : src[i];
}

gboolean
st_cuda_concat_forward (const StCudaQueue *q, float *out, const float *in, int n, int channels,
                        int offset, int total, gsize HW, GError **error)
{
  concat_forward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * channels * HW), ST_CUDA_THREADS, 0,
                          q->stream>>> (out, in, n, channels, offset, total, HW);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_concat_backward (const StCudaQueue *q, float *din, const float *dout, int n,
                         int channels, int offset, int total, gsize HW, gboolean add,
                         GError **error)
{
  concat_backward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * channels * HW), ST_CUDA_THREADS, 0,
                           q->stream>>> (din, dout, n, channels, offset, total, HW, add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_add_forward (const StCudaQueue *q, float *out, const float *a, const float *b,
                     gsize count, GError **error)
{
  add_forward_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (out, a, b,
                                                                                 count);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_accumulate (const StCudaQueue *q, float *dst, const float *src, gsize count,
                    gboolean add, GError **error)
{
  if (!add)
    {
      ST_CUDA_CHECK (cudaMemcpyAsync (dst, src, sizeof (float) * count, cudaMemcpyDeviceToDevice,
                                      q->stream), error);
      return TRUE;
    }
  accumulate_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (dst, src, count,
                                                                                TRUE);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
