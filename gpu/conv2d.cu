/* conv2d.cu: 2-D convolution on the device, three ways, launched on the backend's stream; the
 * kernels are in conv2d-kernels.cuh, the choice of way per layer in cuda-conv-plan.c.
 *
 * Legend (core/ops/conv2d.h): N examples, C/H/W input, OC output channels, KH/KW kernel, SH/SW
 * stride, PH/PW padding, DH/DW dilation, OH/OW output, K = C·KH·KW, P = OH·OW; Nc examples
 * in one chunk (the im2col way cuts the batch into chunks so that the scratch stays bounded).
 * https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 *
 * im2col (as core/ops/conv2d.c): the chunk's columns sit side by side, cols (K, Nc·P),
 * column j·P + p for example j. Then
 *   forward   out[j] (OC, P) = w (OC, K) · cols[:, j·P : (j+1)·P], one strided-batched SGEMM
 *   dw        dw (OC, K) += dyt (OC, Nc·P) · colsᵀ, where dyt is dout re-laid out as
 *             (OC, Nc, P): one SGEMM over the whole chunk, accumulating into dw (float32
 *             throughout: the GPU-vs-CPU checks hold each gradient tensor to a normalised
 *             squared error of 1e-7, which float32 GEMM sums meet)
 *   din       dcols (K, Nc·P) = wᵀ · dyt, then col2im as a gather: each input pixel sums
 *             the taps that saw it, in the CPU's tap order, so no two threads write one
 *             pixel and no atomics are needed
 * pointwise (1×1 kernels, stride 1, no padding: the input is its own columns)
 *   forward   out[j] (OC, P) = w (OC, C) · in[j] (C, P), one strided-batched SGEMM, no copy
 *   din       din[j] (C, P) (+)= wᵀ (C, OC) · dout[j] (OC, P), likewise
 * direct: the kernels of conv2d-kernels.cuh, no scratch and no cuBLAS; dw is a two-stage
 *   reduction per weight (partial: OC·K·st_cuda_reduce_tiles (n, OC·K, P) doubles).
 * Every way: the forward pass ends with the bias and, for a layer fused with the activation
 * after it, that activation (activation.cuh); db[oc] += Σ over (N, P) of dout, the two-stage
 * reduction of cuda-reduce.cuh, whose first pass, for a fused layer, also forms dout from the
 * activation's gradient.
 * cuBLAS is column-major: a row-major (R, C) matrix is read as a column-major (C, R) one,
 * which is how every call below is written.
 *
 * Index arithmetic is 32-bit within a chunk: a chunk's scratch is bounded below 2^31 floats
 * (cuda-backend.c), and so is one example's input and output (plan_ops checks).
 *
 * Scratch, in floats, for a chunk of Nc examples (the im2col way only):
 *   cols (K, Nc·P) — forward's columns, backward's columns and then its dcols
 *   dyt (OC, Nc·P) — backward only
 */
#include "gpu/conv2d-kernels.cuh"
#include "gpu/cuda-ops.h"

typedef struct {
  float *cols;
  float *dyt;
  gsize  floats;
} Scratch;

static Scratch
scratch_layout (float *base, const StCudaGeom *g, int chunk)
{
  const gsize K = (gsize) g->C * g->KH * g->KW, NP = (gsize) g->OH * g->OW * chunk;
  Scratch s;

  s.cols = base;
  s.dyt = base + K * NP;
  s.floats = K * NP + (gsize) g->OC * NP;
  return s;
}

gsize
st_cuda_conv2d_scratch_floats (const StCudaGeom *g, int chunk)
{
  return scratch_layout (NULL, g, chunk).floats;
}

const char *
st_cuda_conv_way_name (StCudaConvWay way)
{
  switch (way)
    {
    case ST_CUDA_CONV_IM2COL:
      return "im2col";
    case ST_CUDA_CONV_DIRECT:
      return "direct";
    case ST_CUDA_CONV_POINTWISE:
      return "pointwise";
    default:
      return "?";
    }
}

gboolean
st_cuda_conv_way_fits (StCudaConvWay way, StCudaConvPhase phase, const StCudaGeom *g)
{
  switch (way)
    {
    case ST_CUDA_CONV_IM2COL:
    case ST_CUDA_CONV_DIRECT:
      return TRUE;
    case ST_CUDA_CONV_POINTWISE:
      return phase != ST_CUDA_CONV_WEIGHTS && g->KH == 1 && g->KW == 1 && g->SH == 1
             && g->SW == 1 && g->PH == 0 && g->PW == 0;
    default:
      return FALSE;
    }
}

gsize
st_cuda_conv2d_partial_doubles (const StCudaGeom *g, int n, StCudaConvWay weights)
{
  const gsize P = (gsize) g->OH * g->OW, w = (gsize) g->OC * g->C * g->KH * g->KW;
  const gsize bias = (gsize) g->OC * st_cuda_reduce_tiles (n, g->OC, P);

  if (weights != ST_CUDA_CONV_DIRECT)
    return bias;
  return MAX (bias, w * st_cuda_reduce_tiles (n, (int) MIN (w, G_MAXINT), P));
}

/* The last step of the GEMM ways: the bias and the activation, when there is either. */
static gboolean
bias_act (const StCudaQueue *q, float *out, const float *b, StCudaAct act, int n, int OC, int P,
          GError **error)
{
  const gsize planes = (gsize) n * OC;
  const unsigned y = (unsigned) MAX (1, MIN (planes, 65535));
  const dim3 grid (MAX (1, MIN ((P + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS, 64)), y,
                   (unsigned) ((planes + y - 1) / y));

  if (b == NULL && act == ST_CUDA_ACT_NONE)
    return TRUE;
  bias_act_kernel<<<grid, ST_CUDA_THREADS, 0, q->stream>>> (out, b, planes, OC, P, act);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_conv2d_forward (const StCudaQueue *q, StCudaConvWay way, float *out, const float *in,
                        const float *w, const float *b, StCudaAct act, float *scratch, int n,
                        int chunk, const StCudaGeom *g, GError **error)
{
  const int K = g->C * g->KH * g->KW, P = g->OH * g->OW;
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * P;
  const float one = 1.0f, zero = 0.0f;

  switch (way)
    {
    case ST_CUDA_CONV_DIRECT:
      conv2d_direct_forward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * out_size), ST_CUDA_THREADS, 0,
                                     q->stream>>> (out, in, w, b, n, *g, act);
      ST_CUDA_LAUNCHED (error);
      return TRUE;
    case ST_CUDA_CONV_POINTWISE:
      /* out[j]ᵀ (P, OC) = in[j]ᵀ (P, C) · wᵀ (C, OC), for j < N */
      ST_CUBLAS_CHECK (cublasSgemmStridedBatched (q->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, g->OC,
                                                  g->C, &one, in, P, in_size, w, g->C, 0, &zero,
                                                  out, P, out_size, n),
                       error);
      break;
    case ST_CUDA_CONV_IM2COL:
    default:
      for (int i0 = 0; i0 < n; i0 += chunk)
        {
          const int nc = MIN (chunk, n - i0);

          im2col_kernel<<<ST_CUDA_BLOCKS ((gsize) g->C * nc * P), ST_CUDA_THREADS, 0,
                          q->stream>>> (scratch, in + i0 * in_size, nc, *g);
          ST_CUDA_LAUNCHED (error);
          /* out[j]ᵀ (P, OC) = cols[j]ᵀ (P, K) · wᵀ (K, OC), for j < Nc */
          ST_CUBLAS_CHECK (cublasSgemmStridedBatched (q->blas, CUBLAS_OP_N, CUBLAS_OP_N, P,
                                                      g->OC, K, &one, scratch, nc * P, P, w, K,
                                                      0, &zero, out + i0 * out_size, P,
                                                      out_size, nc),
                           error);
        }
      break;
    }
  return bias_act (q, out, b, act, n, g->OC, P, error);
}

/* d[0..count) += the tiles of partial, count sums of `tiles` each. */
static gboolean
add_tiles (const StCudaQueue *q, float *d, const double *partial, int count, int tiles,
           GError **error)
{
  add_tiles_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (d, partial, count,
                                                                             tiles);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_conv2d_backward (const StCudaQueue *q, const StCudaConvWays *ways, float *din,
                         float *dw, float *db, float *dout, const StCudaActGrad *fused,
                         const float *in, const float *w, float *scratch, double *partial,
                         int n, int chunk, const StCudaGeom *g, gboolean add, GError **error)
{
  const int K = g->C * g->KH * g->KW, P = g->OH * g->OW;
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * P;
  const float one = 1.0f, zero = 0.0f;
  const Scratch s = scratch_layout (scratch, g, chunk);
  const gboolean cols_dw = ways->weights == ST_CUDA_CONV_IM2COL;
  const gboolean cols_din = din != NULL && ways->data == ST_CUDA_CONV_IM2COL;

  /* a fused layer's dout is formed in the bias's pass: without a bias, never */
  if (G_UNLIKELY (fused != NULL && db == NULL))
    return st_cuda_fail (error, cudaErrorInvalidValue, "a fused backward without a bias",
                         G_STRLOC);
  if (db != NULL)
    {
      const int tiles = st_cuda_reduce_tiles (n, g->OC, P);

      if (fused != NULL)
        act_bias_grad_tiles_kernel<<<tiles * g->OC, ST_CUDA_THREADS, 0, q->stream>>> (
          partial, dout, fused->dy, fused->y, fused->act, n, g->OC, P, tiles);
      else
        bias_grad_tiles_kernel<<<tiles * g->OC, ST_CUDA_THREADS, 0, q->stream>>> (
          partial, dout, n, g->OC, P, tiles);
      ST_CUDA_LAUNCHED (error);
      if (!add_tiles (q, db, partial, g->OC, tiles, error))
        return FALSE;
    }
  if (!cols_dw)
    {
      /* stream order: after the bias's stage two has read partial */
      const int count = g->OC * K, tiles = st_cuda_reduce_tiles (n, count, P);

      conv2d_direct_weight_tiles_kernel<<<count * tiles, ST_CUDA_THREADS, 0, q->stream>>> (
        partial, dout, in, n, *g, tiles);
      ST_CUDA_LAUNCHED (error);
      if (!add_tiles (q, dw, partial, count, tiles, error))
        return FALSE;
    }
  for (int i0 = 0; (cols_dw || cols_din) && i0 < n; i0 += chunk)
    {
      const int nc = MIN (chunk, n - i0), NP = nc * P;

      spread_channels_kernel<<<ST_CUDA_BLOCKS ((gsize) g->OC * NP), ST_CUDA_THREADS, 0,
                               q->stream>>> (s.dyt, dout + i0 * out_size, nc, g->OC, P);
      ST_CUDA_LAUNCHED (error);
      if (cols_dw)
        {
          im2col_kernel<<<ST_CUDA_BLOCKS ((gsize) g->C * NP), ST_CUDA_THREADS, 0, q->stream>>> (
            s.cols, in + i0 * in_size, nc, *g);
          ST_CUDA_LAUNCHED (error);
          /* dwᵀ (K, OC) += cols (K, Nc·P) · dytᵀ (Nc·P, OC) */
          ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_T, CUBLAS_OP_N, K, g->OC, NP, &one,
                                        s.cols, NP, s.dyt, NP, &one, dw, K), error);
        }
      if (!cols_din)
        continue;
      /* dcolsᵀ (Nc·P, K) = dytᵀ (Nc·P, OC) · w (OC, K), over the columns (stream order:
       * after the dw product has read them) */
      ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_N, CUBLAS_OP_T, NP, K, g->OC, &one, s.dyt,
                                    NP, w, K, &zero, s.cols, NP), error);
      col2im_kernel<<<ST_CUDA_BLOCKS ((gsize) nc * in_size), ST_CUDA_THREADS, 0, q->stream>>> (
        din + i0 * in_size, s.cols, nc, *g, add);
      ST_CUDA_LAUNCHED (error);
    }
  if (din == NULL || cols_din)
    return TRUE;
  if (ways->data == ST_CUDA_CONV_POINTWISE)
    {
      const float beta = add ? 1.0f : 0.0f;

      /* din[j]ᵀ (P, C) (+)= dout[j]ᵀ (P, OC) · w (OC, C), for j < N */
      ST_CUBLAS_CHECK (cublasSgemmStridedBatched (q->blas, CUBLAS_OP_N, CUBLAS_OP_T, P, g->C,
                                                  g->OC, &one, dout, P, out_size, w, g->C, 0,
                                                  &beta, din, P, in_size, n),
                       error);
      return TRUE;
    }
  conv2d_direct_data_kernel<<<ST_CUDA_BLOCKS ((gsize) n * in_size), ST_CUDA_THREADS, 0,
                              q->stream>>> (din, dout, w, n, *g, add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
