/* conv2d.cu: 2-D convolution on the device — im2col + cuBLAS, as core/conv2d.c.
 *
 * Legend (core/conv2d.h): N examples, C/H/W input, OC output channels, KH/KW kernel, SH/SW
 * stride, PH/PW padding, DH/DW dilation, OH/OW output, K = C·KH·KW, P = OH·OW; Nc examples
 * in one chunk (the batch is cut into chunks so that the scratch stays bounded).
 * https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 *
 * The chunk's columns sit side by side, cols (K, Nc·P), column j·P + p for example j. Then
 *   forward   out[j] (OC, P) = w (OC, K) · cols[:, j·P : (j+1)·P], one strided-batched SGEMM
 *   dw        dw (OC, K) += dyt (OC, Nc·P) · colsᵀ, where dyt is dout re-laid out as
 *             (OC, Nc, P): one GEMM over the whole chunk, in DOUBLE (cols and dyt are
 *             widened as they are formed, the sum is kept in double across chunks and
 *             rounded once into dw). A float sum over Nc·P products with cancellation
 *             drifts from the CPU's (which sums per example) by more than the parity
 *             tolerance; the H100's FP64 tensor cores make the double GEMM about as fast
 *             as the float one
 *   din       dcols (K, Nc·P) = wᵀ · dyt in float, then col2im as a gather: each input
 *             pixel sums the taps that saw it, in the CPU's tap order, so no two threads
 *             write one pixel and no atomics are needed
 *   db        db[oc] += Σ over (N, P) of dout, one block per channel, in double
 * cuBLAS is column-major: a row-major (R, C) matrix is read as a column-major (C, R) one,
 * which is how every call below is written.
 *
 * Scratch, in floats (doubles take two), for a chunk of Nc examples:
 *   cols (K, Nc·P) float — forward's columns, backward's dcols
 *   dyt (OC, Nc·P) float, cols64 (K, Nc·P) double, dyt64 (OC, Nc·P) double,
 *   dw64 (OC, K) double — backward only
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

/* The scratch regions of one chunk, each starting on an even float (doubles align). */
typedef struct {
  float  *cols;
  float  *dyt;
  double *cols64;
  double *dyt64;
  double *dw64;
  gsize   floats;
} Scratch;

static gsize
even (gsize floats)
{
  return (floats + 1) & ~(gsize) 1;
}

static Scratch
scratch_layout (float *base, const StCudaGeom *g, int chunk)
{
  const gsize K = (gsize) g->C * g->KH * g->KW, NP = (gsize) g->OH * g->OW * chunk;
  Scratch s;
  gsize at = 0;

  s.cols = base;
  at += even (K * NP);
  s.dyt = base + at;
  at += even ((gsize) g->OC * NP);
  s.cols64 = (double *) (base + at);
  at += 2 * K * NP;
  s.dyt64 = (double *) (base + at);
  at += 2 * (gsize) g->OC * NP;
  s.dw64 = (double *) (base + at);
  at += 2 * (gsize) g->OC * K;
  s.floats = at;
  return s;
}

gsize
st_cuda_conv2d_scratch_floats (const StCudaGeom *g, int chunk)
{
  return scratch_layout (NULL, g, chunk).floats;
}

/* cols (K, Nc·P) from in (Nc, C, H, W); 0 in the padding. T: float, or double for dw. */
template <typename T>
static __global__ void
im2col_kernel (T *__restrict__ cols, const float *__restrict__ in, int nc, StCudaGeom g)
{
  const gsize P = (gsize) g.OH * g.OW, NP = P * nc;
  const int taps = g.KH * g.KW;

  ST_CUDA_FOR (t, (gsize) g.C * taps * NP)
    {
      const gsize k = t / NP, col = t % NP, j = col / P, p = col % P;
      const int c = (int) (k / taps), r = (int) (k % taps);
      const int ih = (int) (p / g.OW) * g.SH - g.PH + (r / g.KW) * g.DH;
      const int iw = (int) (p % g.OW) * g.SW - g.PW + (r % g.KW) * g.DW;

      cols[t] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W
                ? in[((j * g.C + c) * g.H + ih) * g.W + iw] : 0.0f;
    }
}

/* din (Nc, C, H, W) (+)= the adjoint of im2col of dcols (K, Nc·P): each pixel adds its taps
 * in (kh, kw) order, the order core/conv2d.c's col2im adds them. */
static __global__ void
col2im_kernel (float *__restrict__ din, const float *__restrict__ dcols, int nc, StCudaGeom g,
               gboolean add)
{
  const gsize P = (gsize) g.OH * g.OW, NP = P * nc;

  ST_CUDA_FOR (t, (gsize) nc * g.C * g.H * g.W)
    {
      const int w = (int) (t % g.W), h = (int) (t / g.W % g.H);
      const int c = (int) (t / ((gsize) g.W * g.H) % g.C);
      const gsize j = t / ((gsize) g.W * g.H * g.C);
      float s = add ? din[t] : 0.0f;

      for (int kh = 0; kh < g.KH; kh++)
        {
          const int th = h + g.PH - kh * g.DH;
          int oh;

          if (th < 0 || th % g.SH != 0 || (oh = th / g.SH) >= g.OH)
            continue;
          for (int kw = 0; kw < g.KW; kw++)
            {
              const int tw = w + g.PW - kw * g.DW;
              int ow;

              if (tw < 0 || tw % g.SW != 0 || (ow = tw / g.SW) >= g.OW)
                continue;
              s += dcols[((gsize) (c * g.KH + kh) * g.KW + kw) * NP + j * P
                         + (gsize) oh * g.OW + ow];
            }
        }
      din[t] = s;
    }
}

/* dyt (OC, Nc·P) from dout (Nc, OC, P), in float and in double. */
static __global__ void
spread_channels_kernel (float *__restrict__ dyt, double *__restrict__ dyt64,
                        const float *__restrict__ dout, int nc, int OC, gsize P)
{
  const gsize NP = P * nc;

  ST_CUDA_FOR (t, (gsize) OC * NP)
    {
      const gsize oc = t / NP, col = t % NP, j = col / P, p = col % P;

      dyt[t] = dout[(j * OC + oc) * P + p];
      dyt64[t] = dyt[t];
    }
}

/* dw (OC, K) += the double sums, rounded once. */
static __global__ void
add_rounded_kernel (float *__restrict__ dw, const double *__restrict__ dw64, gsize count)
{
  ST_CUDA_FOR (i, count)
    dw[i] += (float) dw64[i];
}

/* out (N, OC, P) += b[oc] */
static __global__ void
add_bias_kernel (float *__restrict__ out, const float *__restrict__ b, int n, int OC, gsize P)
{
  ST_CUDA_FOR (t, (gsize) n * OC * P)
    out[t] += b[t / P % OC];
}

/* db[oc] += Σ_{i, p} dout[i, oc, p]: block oc, in double. */
static __global__ void
bias_grad_kernel (float *__restrict__ db, const float *__restrict__ dout, int n, int OC, gsize P)
{
  __shared__ double shared[ST_CUDA_THREADS];
  const int oc = blockIdx.x;
  double s = 0.0;

  for (gsize k = threadIdx.x; k < (gsize) n * P; k += blockDim.x)
    s += dout[(k / P * OC + oc) * P + k % P];
  s = st_block_sum (s, shared);
  if (threadIdx.x == 0)
    db[oc] += (float) s;
}

gboolean
st_cuda_conv2d_forward (const StCudaQueue *q, float *out, const float *in, const float *w,
                        const float *b, float *scratch, int n, int chunk, const StCudaGeom *g,
                        GError **error)
{
  const int K = g->C * g->KH * g->KW, P = g->OH * g->OW;
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * P;
  const float one = 1.0f, zero = 0.0f;

  for (int i0 = 0; i0 < n; i0 += chunk)
    {
      const int nc = MIN (chunk, n - i0);

      im2col_kernel<float><<<ST_CUDA_BLOCKS ((gsize) K * nc * P), ST_CUDA_THREADS, 0,
                              q->stream>>> (scratch, in + i0 * in_size, nc, *g);
      ST_CUDA_LAUNCHED (error);
      /* out[j]ᵀ (P, OC) = cols[j]ᵀ (P, K) · wᵀ (K, OC), for j < Nc */
      ST_CUBLAS_CHECK (cublasSgemmStridedBatched (q->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, g->OC, K,
                                                  &one, scratch, nc * P, P, w, K, 0, &zero,
                                                  out + i0 * out_size, P, out_size, nc),
                       error);
    }
  if (b != NULL)
    {
      add_bias_kernel<<<ST_CUDA_BLOCKS ((gsize) n * out_size), ST_CUDA_THREADS, 0, q->stream>>> (
        out, b, n, g->OC, P);
      ST_CUDA_LAUNCHED (error);
    }
  return TRUE;
}

gboolean
st_cuda_conv2d_backward (const StCudaQueue *q, float *din, float *dw, float *db,
                         const float *dout, const float *in, const float *w, float *scratch,
                         int n, int chunk, const StCudaGeom *g, gboolean add, GError **error)
{
  const int K = g->C * g->KH * g->KW, P = g->OH * g->OW;
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * P;
  const float one = 1.0f, zero = 0.0f;
  const double one64 = 1.0, zero64 = 0.0;
  const Scratch s = scratch_layout (scratch, g, chunk);

  if (db != NULL)
    {
      bias_grad_kernel<<<g->OC, ST_CUDA_THREADS, 0, q->stream>>> (db, dout, n, g->OC, P);
      ST_CUDA_LAUNCHED (error);
    }
  for (int i0 = 0; i0 < n; i0 += chunk)
    {
      const int nc = MIN (chunk, n - i0), NP = nc * P;

      spread_channels_kernel<<<ST_CUDA_BLOCKS ((gsize) g->OC * NP), ST_CUDA_THREADS, 0,
                               q->stream>>> (s.dyt, s.dyt64, dout + i0 * out_size, nc, g->OC, P);
      ST_CUDA_LAUNCHED (error);
      im2col_kernel<double><<<ST_CUDA_BLOCKS ((gsize) K * NP), ST_CUDA_THREADS, 0,
                               q->stream>>> (s.cols64, in + i0 * in_size, nc, *g);
      ST_CUDA_LAUNCHED (error);
      /* dw64ᵀ (K, OC) (+)= cols64 (K, Nc·P) · dyt64ᵀ (Nc·P, OC) */
      ST_CUBLAS_CHECK (cublasDgemm (q->blas, CUBLAS_OP_T, CUBLAS_OP_N, K, g->OC, NP, &one64,
                                    s.cols64, NP, s.dyt64, NP, i0 == 0 ? &zero64 : &one64,
                                    s.dw64, K), error);
      if (din == NULL)
        continue;
      /* dcolsᵀ (Nc·P, K) = dytᵀ (Nc·P, OC) · w (OC, K) */
      ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_N, CUBLAS_OP_T, NP, K, g->OC, &one, s.dyt,
                                    NP, w, K, &zero, s.cols, NP), error);
      col2im_kernel<<<ST_CUDA_BLOCKS ((gsize) nc * in_size), ST_CUDA_THREADS, 0, q->stream>>> (
        din + i0 * in_size, s.cols, nc, *g, add);
      ST_CUDA_LAUNCHED (error);
    }
  add_rounded_kernel<<<ST_CUDA_BLOCKS ((gsize) g->OC * K), ST_CUDA_THREADS, 0, q->stream>>> (
    dw, s.dw64, (gsize) g->OC * K);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
