/* conv2d.cu: 2-D convolution on the device — im2col + cuBLAS, as core/ops/conv2d.c.
 *
 * Legend (core/ops/conv2d.h): N examples, C/H/W input, OC output channels, KH/KW kernel, SH/SW
 * stride, PH/PW padding, DH/DW dilation, OH/OW output, K = C·KH·KW, P = OH·OW; Nc examples
 * in one chunk (the batch is cut into chunks so that the scratch stays bounded).
 * https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 *
 * The chunk's columns sit side by side, cols (K, Nc·P), column j·P + p for example j. Then
 *   forward   out[j] (OC, P) = w (OC, K) · cols[:, j·P : (j+1)·P], one strided-batched SGEMM
 *   dw        dw (OC, K) += dyt (OC, Nc·P) · colsᵀ, where dyt is dout re-laid out as
 *             (OC, Nc, P): one SGEMM over the whole chunk, accumulating into dw (float32
 *             throughout: the GPU-vs-CPU checks hold each gradient tensor to a normalised
 *             squared error of 1e-7, which float32 GEMM sums meet)
 *   din       dcols (K, Nc·P) = wᵀ · dyt, then col2im as a gather: each input pixel sums
 *             the taps that saw it, in the CPU's tap order, so no two threads write one
 *             pixel and no atomics are needed
 *   db        db[oc] += Σ over (N, P) of dout: the two-stage reduction of cuda-reduce.cuh
 * cuBLAS is column-major: a row-major (R, C) matrix is read as a column-major (C, R) one,
 * which is how every call below is written.
 *
 * Index arithmetic is 32-bit: a chunk's scratch is bounded below 2^31 floats
 * (cuda-backend.c), and so is one example's input and output (plan_ops checks).
 *
 * Scratch, in floats, for a chunk of Nc examples:
 *   cols (K, Nc·P) — forward's columns, backward's columns and then its dcols
 *   dyt (OC, Nc·P) — backward only
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

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

/* cols (K, Nc·P) from in (Nc, C, H, W); 0 in the padding. One thread per (c, column): it
 * writes the KH·KW rows of channel c in that column, neighbouring threads neighbouring
 * columns, so both the reads and the writes are coalesced. */
static __global__ void
im2col_kernel (float *__restrict__ cols, const float *__restrict__ in, int nc, StCudaGeom g)
{
  const int P = g.OH * g.OW, NP = P * nc, count = g.C * NP;

  for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < count; t += blockDim.x * gridDim.x)
    {
      const int c = t / NP, col = t - c * NP, j = col / P, p = col - j * P;
      const int oh = p / g.OW, ow = p - oh * g.OW;
      const int h0 = oh * g.SH - g.PH, w0 = ow * g.SW - g.PW;
      const float *plane = in + ((gsize) j * g.C + c) * g.H * g.W;
      float *o = cols + (gsize) c * g.KH * g.KW * NP + col;

      for (int kh = 0; kh < g.KH; kh++)
        {
          const int ih = h0 + kh * g.DH;
          const gboolean row_in = ih >= 0 && ih < g.H;

          for (int kw = 0; kw < g.KW; kw++, o += NP)
            {
              const int iw = w0 + kw * g.DW;

              *o = row_in && iw >= 0 && iw < g.W ? plane[ih * g.W + iw] : 0.0f;
            }
        }
    }
}

/* din (Nc, C, H, W) (+)= the adjoint of im2col of dcols (K, Nc·P): each pixel adds its taps
 * in (kh, kw) order, the order core/ops/conv2d.c's col2im adds them. */
static __global__ void
col2im_kernel (float *__restrict__ din, const float *__restrict__ dcols, int nc, StCudaGeom g,
               gboolean add)
{
  const int P = g.OH * g.OW, NP = P * nc, HW = g.H * g.W, count = nc * g.C * HW;

  for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < count; t += blockDim.x * gridDim.x)
    {
      const int plane = t / HW, hw = t - plane * HW, h = hw / g.W, w = hw - h * g.W;
      const int j = plane / g.C, c = plane - j * g.C;
      const float *d = dcols + (gsize) c * g.KH * g.KW * NP + j * P;
      float s = add ? din[t] : 0.0f;

      for (int kh = 0; kh < g.KH; kh++)
        {
          const int th = h + g.PH - kh * g.DH;
          int oh;

          if (th < 0 || (oh = th / g.SH) * g.SH != th || oh >= g.OH)
            continue;
          for (int kw = 0; kw < g.KW; kw++)
            {
              const int tw = w + g.PW - kw * g.DW;
              int ow;

              if (tw < 0 || (ow = tw / g.SW) * g.SW != tw || ow >= g.OW)
                continue;
              s += d[(gsize) (kh * g.KW + kw) * NP + oh * g.OW + ow];
            }
        }
      din[t] = s;
    }
}

/* dyt (OC, Nc·P) from dout (Nc, OC, P). */
static __global__ void
spread_channels_kernel (float *__restrict__ dyt, const float *__restrict__ dout, int nc, int OC,
                        int P)
{
  const int NP = P * nc, count = OC * NP;

  for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < count; t += blockDim.x * gridDim.x)
    {
      const int oc = t / NP, col = t - oc * NP, j = col / P, p = col - j * P;

      dyt[t] = dout[((gsize) j * OC + oc) * P + p];
    }
}

/* out (N, OC, P) += b[oc]: blocks along x within a plane, planes along y and z. */
static __global__ void
add_bias_kernel (float *__restrict__ out, const float *__restrict__ b, gsize planes, int OC,
                 int P)
{
  const gsize plane = (gsize) blockIdx.z * gridDim.y + blockIdx.y;
  float bias, *o;

  if (plane >= planes)
    return;
  bias = b[plane % OC];
  o = out + plane * P;
  for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < P; p += blockDim.x * gridDim.x)
    o[p] += bias;
}

/* Stage one of db: the tiles of Σ dout over (N, P) per channel. */
typedef struct {
  const float *dout;

  __device__ void operator() (double *acc, gsize j, int) const { acc[0] += dout[j]; }
} SumDout;

static __global__ void
bias_grad_tiles_kernel (double *__restrict__ partial, const float *__restrict__ dout, int n,
                        int OC, int P, int tiles)
{
  st_tile_sums<1> (partial, n, OC, P, tiles, SumDout { dout });
}

/* Stage two: db[oc] += the channel's tiles, in order. */
static __global__ void
bias_grad_add_kernel (float *__restrict__ db, const double *__restrict__ partial, int OC,
                      int tiles)
{
  for (int oc = blockIdx.x * blockDim.x + threadIdx.x; oc < OC; oc += blockDim.x * gridDim.x)
    db[oc] += (float) st_tile_total (partial, oc, tiles, 1, 0);
}

static gboolean
add_bias (const StCudaQueue *q, float *out, const float *b, int n, int OC, int P,
          GError **error)
{
  const gsize planes = (gsize) n * OC;
  const unsigned y = (unsigned) MIN (planes, 65535);
  const dim3 grid (MAX (1, MIN ((P + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS, 64)), y,
                   (unsigned) ((planes + y - 1) / y));

  add_bias_kernel<<<grid, ST_CUDA_THREADS, 0, q->stream>>> (out, b, planes, OC, P);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
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

      im2col_kernel<<<ST_CUDA_BLOCKS ((gsize) g->C * nc * P), ST_CUDA_THREADS, 0, q->stream>>> (
        scratch, in + i0 * in_size, nc, *g);
      ST_CUDA_LAUNCHED (error);
      /* out[j]ᵀ (P, OC) = cols[j]ᵀ (P, K) · wᵀ (K, OC), for j < Nc */
      ST_CUBLAS_CHECK (cublasSgemmStridedBatched (q->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, g->OC, K,
                                                  &one, scratch, nc * P, P, w, K, 0, &zero,
                                                  out + i0 * out_size, P, out_size, nc),
                       error);
    }
  return b == NULL || add_bias (q, out, b, n, g->OC, P, error);
}

gboolean
st_cuda_conv2d_backward (const StCudaQueue *q, float *din, float *dw, float *db,
                         const float *dout, const float *in, const float *w, float *scratch,
                         double *partial, int n, int chunk, const StCudaGeom *g, gboolean add,
                         GError **error)
{
  const int K = g->C * g->KH * g->KW, P = g->OH * g->OW;
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * P;
  const float one = 1.0f, zero = 0.0f;
  const Scratch s = scratch_layout (scratch, g, chunk);

  if (db != NULL)
    {
      const int tiles = st_cuda_reduce_tiles (n, g->OC, P);

      bias_grad_tiles_kernel<<<tiles * g->OC, ST_CUDA_THREADS, 0, q->stream>>> (
        partial, dout, n, g->OC, P, tiles);
      ST_CUDA_LAUNCHED (error);
      bias_grad_add_kernel<<<ST_CUDA_BLOCKS (g->OC), ST_CUDA_THREADS, 0, q->stream>>> (
        db, partial, g->OC, tiles);
      ST_CUDA_LAUNCHED (error);
    }
  for (int i0 = 0; i0 < n; i0 += chunk)
    {
      const int nc = MIN (chunk, n - i0), NP = nc * P;

      spread_channels_kernel<<<ST_CUDA_BLOCKS ((gsize) g->OC * NP), ST_CUDA_THREADS, 0,
                               q->stream>>> (s.dyt, dout + i0 * out_size, nc, g->OC, P);
      ST_CUDA_LAUNCHED (error);
      im2col_kernel<<<ST_CUDA_BLOCKS ((gsize) g->C * NP), ST_CUDA_THREADS, 0, q->stream>>> (
        s.cols, in + i0 * in_size, nc, *g);
      ST_CUDA_LAUNCHED (error);
      /* dwᵀ (K, OC) += cols (K, Nc·P) · dytᵀ (Nc·P, OC) */
      ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_T, CUBLAS_OP_N, K, g->OC, NP, &one,
                                    s.cols, NP, s.dyt, NP, &one, dw, K), error);
      if (din == NULL)
        continue;
      /* dcolsᵀ (Nc·P, K) = dytᵀ (Nc·P, OC) · w (OC, K), over the columns (stream order:
       * after the dw product has read them) */
      ST_CUBLAS_CHECK (cublasSgemm (q->blas, CUBLAS_OP_N, CUBLAS_OP_T, NP, K, g->OC, &one, s.dyt,
                                    NP, w, K, &zero, s.cols, NP), error);
      col2im_kernel<<<ST_CUDA_BLOCKS ((gsize) nc * in_size), ST_CUDA_THREADS, 0, q->stream>>> (
        din + i0 * in_size, s.cols, nc, *g, add);
      ST_CUDA_LAUNCHED (error);
    }
  return TRUE;
}
