/* linear.cu: the fully connected layer on the device — cuBLAS, as core/ops/linear.c.
 *
 * Legend (core/ops/linear.h): N examples, C in_features, OC out_features;
 *   in (N, C)   out (N, OC)   w (OC, C)   b (OC)
 * https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 *
 * cuBLAS is column-major: a row-major (R, C) matrix is read as a column-major (C, R) one.
 *   forward  out (N, OC) = in (N, C) · wᵀ (C, OC), then + b[o] and, fused with the activation
 *            after it, that activation (activation.cuh)
 *   dw       dw (OC, C) += doutᵀ (OC, N) · in (N, C)
 *   din      din (N, C) (+)= dout (N, OC) · w (OC, C)
 *   db       db[o] += Σ_n dout[n, o], in double: the two-stage reduction of cuda-reduce.cuh
 *            over (N, OC, 1), whose first pass, for a layer fused with the activation after
 *            it, also forms dout from that activation's gradient
 */
#include "gpu/activation.cuh"
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

/* out (N, OC) = act (out + b[o]) (b NULL: act (out)) */
static __global__ void
bias_act_kernel (float *__restrict__ out, const float *__restrict__ b, int n, int OC,
                 StCudaAct act)
{
  ST_CUDA_FOR (t, (gsize) n * OC)
    out[t] = st_activate (act, b != NULL ? out[t] + b[t % OC] : out[t]);
}

static __global__ void
bias_grad_tiles_kernel (double *__restrict__ partial, const float *__restrict__ dout, int n,
                        int OC, int tiles)
{
  st_tile_sums<1> (partial, n, OC, 1, tiles, StSumValues { dout });
}

static __global__ void
bias_grad_add_kernel (float *__restrict__ db, const double *__restrict__ partial, int OC,
                      int tiles)
{
  ST_CUDA_FOR (o, (gsize) OC)
    db[o] += (float) st_tile_total (partial, (int) o, tiles, 1, 0);
}

gboolean
st_cuda_linear_forward (const StCudaQueue *q, float *out, const float *in, const float *w,
                        const float *b, StCudaAct act, int n, int C, int OC, GError **error)
{
  const float one = 1.0f, zero = 0.0f;

  /* column-major: out (OC × N) = wᵀ (OC × C) · in (C × N) */
  ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_T, CUBLAS_OP_N, OC, n, C, &one, w, C, in, C,
                                &zero, out, OC), error);
  if (b != NULL || act != ST_CUDA_ACT_NONE)
    {
      bias_act_kernel<<<ST_CUDA_BLOCKS ((gsize) n * OC), ST_CUDA_THREADS, 0, q->stream>>> (
        out, b, n, OC, act);
      ST_CUDA_LAUNCHED (error);
    }
  return TRUE;
}

gboolean
st_cuda_linear_backward (const StCudaQueue *q, float *din, float *dw, float *db, float *dout,
                         const StCudaActGrad *fused, const float *in, const float *w,
                         double *partial, int n, int C, int OC, gboolean add, GError **error)
{
  const float one = 1.0f, zero = 0.0f;

  /* a fused layer's dout is formed in the bias's pass: without a bias, never */
  if (G_UNLIKELY (fused != NULL && db == NULL))
    return st_cuda_fail (error, cudaErrorInvalidValue, "a fused backward without a bias",
                         G_STRLOC);
  if (n == 0)
    return TRUE;
  if (db != NULL)
    {
      const int tiles = st_cuda_reduce_tiles (n, OC, 1);

      if (fused != NULL)
        act_bias_grad_tiles_kernel<<<tiles * OC, ST_CUDA_THREADS, 0, q->stream>>> (
          partial, dout, fused->dy, fused->y, fused->act, n, OC, 1, tiles);
      else
        bias_grad_tiles_kernel<<<tiles * OC, ST_CUDA_THREADS, 0, q->stream>>> (partial, dout,
                                                                             n, OC, tiles);
      ST_CUDA_LAUNCHED (error);
      bias_grad_add_kernel<<<ST_CUDA_BLOCKS (OC), ST_CUDA_THREADS, 0, q->stream>>> (db, partial,
                                                                                   OC, tiles);
      ST_CUDA_LAUNCHED (error);
    }
  /* column-major: dw (C × OC) += in (C × N) · doutᵀ (N × OC) */
  ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_N, CUBLAS_OP_T, C, OC, n, &one, in, C, dout,
                                OC, &one, dw, C), error);
  /* column-major: din (C × N) (+)= w (C × OC) · dout (OC × N) */
  if (din != NULL)
    ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_N, CUBLAS_OP_N, C, n, OC, &one, w, C, dout,
                                  OC, add ? &one : &zero, din, C), error);
  return TRUE;
}
