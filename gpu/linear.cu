/* linear.cu: the fully connected layer on the device — cuBLAS, as core/linear.c.
 *
 * Legend (core/linear.h): N examples, C in_features, OC out_features;
 *   in (N, C)   out (N, OC)   w (OC, C)   b (OC)
 * https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 *
 * cuBLAS is column-major: a row-major (R, C) matrix is read as a column-major (C, R) one.
 *   forward  out (N, OC) = in (N, C) · wᵀ (C, OC), then + b[o]
 *   dw       dw (OC, C) += doutᵀ (OC, N) · in (N, C)
 *   din      din (N, C) (+)= dout (N, OC) · w (OC, C)
 *   db       db[o] += Σ_n dout[n, o], one thread per output in double: the CPU's sum
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

/* out (N, OC) += b[o] */
static __global__ void
add_bias_kernel (float *__restrict__ out, const float *__restrict__ b, int n, int OC)
{
  ST_CUDA_FOR (t, (gsize) n * OC)
    out[t] += b[t % OC];
}

static __global__ void
bias_grad_kernel (float *__restrict__ db, const float *__restrict__ dout, int n, int OC)
{
  ST_CUDA_FOR (o, (gsize) OC)
    {
      double s = 0.0;

      for (int i = 0; i < n; i++)
        s += dout[(gsize) i * OC + o];
      db[o] += (float) s;
    }
}

gboolean
st_cuda_linear_forward (const StCudaQueue *q, float *out, const float *in, const float *w,
                        const float *b, int n, int C, int OC, GError **error)
{
  const float one = 1.0f, zero = 0.0f;

  /* column-major: out (OC × N) = wᵀ (OC × C) · in (C × N) */
  ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_T, CUBLAS_OP_N, OC, n, C, &one, w, C, in, C,
                                &zero, out, OC), error);
  if (b != NULL)
    {
      add_bias_kernel<<<ST_CUDA_BLOCKS ((gsize) n * OC), ST_CUDA_THREADS, 0, q->stream>>> (
        out, b, n, OC);
      ST_CUDA_LAUNCHED (error);
    }
  return TRUE;
}

gboolean
st_cuda_linear_backward (const StCudaQueue *q, float *din, float *dw, float *db,
                         const float *dout, const float *in, const float *w, int n, int C,
                         int OC, gboolean add, GError **error)
{
  const float one = 1.0f, zero = 0.0f;

  if (n == 0)
    return TRUE;
  if (db != NULL)
    {
      bias_grad_kernel<<<ST_CUDA_BLOCKS (OC), ST_CUDA_THREADS, 0, q->stream>>> (db, dout, n, OC);
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
