/* conv2d-kernels.cuh: the convolution's kernels, which gpu/conv2d.cu launches.
 *
 * Legend (core/ops/conv2d.h): N examples, C/H/W input, OC output channels, KH/KW kernel, SH/SW
 * stride, PH/PW padding, DH/DW dilation, OH/OW output, K = C·KH·KW, P = OH·OW; Nc examples in
 * one chunk of the im2col way. https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 *
 * Two families, which conv2d.cu times against each other for every layer:
 *   im2col          columns (K, Nc·P) for cuBLAS, and their adjoint col2im as a gather
 *   direct          one thread per output value (forward) or per input pixel (the input's
 *                   gradient), summing its taps itself; the weight gradient as a two-stage
 *                   reduction per weight. No scratch, no cuBLAS: for the small channel counts
 *                   of LeNet-style layers (1→6, 6→16), where the GEMMs are too thin to fill the
 *                   GPU and im2col's copies cost more than the products.
 * Every sum runs in a fixed order (no atomics): the same shape gives the same bits.
 *
 * A header of device code without CUDA's headers (cuda-kernel.h), so that
 * tests/test-cuda-kernels.cc runs these very kernels on the host through tests/cuda-emu.h.
 * Index arithmetic is 32-bit within one example (plan_ops bounds an example's input and
 * output) and 64-bit (gsize) across the batch.
 */
#pragma once

#include "gpu/activation.cuh"
#include "gpu/cuda-kernel.h"
#include "gpu/cuda-reduce.cuh"

/* ---- im2col ---------------------------------------------------------------------------- */

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

/* Along one axis: the output position *o whose tap k reads input position x (stride s,
 * padding p, dilation d, `out` output positions); FALSE when no output's does. */
static __device__ __forceinline__ gboolean
tap_source (int x, int k, int s, int p, int d, int out, int *o)
{
  const int t = x + p - k * d;

  return t >= 0 && (*o = t / s) * s == t && *o < out;
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
          int oh, ow;

          if (!tap_source (h, kh, g.SH, g.PH, g.DH, g.OH, &oh))
            continue;
          for (int kw = 0; kw < g.KW; kw++)
            if (tap_source (w, kw, g.SW, g.PW, g.DW, g.OW, &ow))
              s += d[(gsize) (kh * g.KW + kw) * NP + oh * g.OW + ow];
        }
      din[t] = s;
    }
}

/* dyt (OC, Nc·P) from dout (Nc, OC, P): the channels side by side, as im2col lays its rows
 * (for a 1×1 convolution without stride or padding, im2col of the input is this too). */
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

/* ---- the bias ---------------------------------------------------------------------------- */

/* out (N, OC, P) = act (out + b[oc]) (b NULL: act (out)), the layer's last step: blocks along
 * x within a plane, planes along y and z. */
static __global__ void
bias_act_kernel (float *__restrict__ out, const float *__restrict__ b, gsize planes, int OC,
                 int P, StCudaAct act)
{
  const gsize plane = (gsize) blockIdx.z * gridDim.y + blockIdx.y;
  float *o;

  if (plane >= planes)
    return;
  o = out + plane * P;
  if (b == NULL)
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < P; p += blockDim.x * gridDim.x)
      o[p] = st_activate (act, o[p]);
  else
    {
      const float bias = b[plane % OC];

      for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < P; p += blockDim.x * gridDim.x)
        o[p] = st_activate (act, o[p] + bias);
    }
}

/* Stage one of db: the tiles of Σ dout over (N, P) per channel. */
static __global__ void
bias_grad_tiles_kernel (double *__restrict__ partial, const float *__restrict__ dout, int n,
                        int OC, int P, int tiles)
{
  st_tile_sums<1> (partial, n, OC, P, tiles, StSumValues { dout });
}

/* Stage two: d[k] += the tiles of sum k, in order, for k < count (the bias's channels, or
 * the direct way's weights). */
static __global__ void
add_tiles_kernel (float *__restrict__ d, const double *__restrict__ partial, int count,
                  int tiles)
{
  for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < count; k += blockDim.x * gridDim.x)
    d[k] += (float) st_tile_total (partial, k, tiles, 1, 0);
}

/* ---- direct --------------------------------------------------------------------------- */

/* out (N, OC, P) = act (Σ over (c, kh, kw) of w[oc][c][kh][kw] · in[j][c][ih][iw] (+ b[oc])):
 * one thread per output value, its taps in (c, kh, kw) order — a row of the im2col product —
 * the bias added last and then the activation, as the im2col way applies them.
 * Neighbouring threads share oc, so the weights they read are one address (a broadcast). */
static __global__ void
conv2d_direct_forward_kernel (float *__restrict__ out, const float *__restrict__ in,
                              const float *__restrict__ w, const float *__restrict__ b, int n,
                              StCudaGeom g, StCudaAct act)
{
  const int P = g.OH * g.OW, K = g.C * g.KH * g.KW, HW = g.H * g.W;
  const gsize count = (gsize) n * g.OC * P;

  for (gsize t = (gsize) blockIdx.x * blockDim.x + threadIdx.x; t < count;
       t += (gsize) blockDim.x * gridDim.x)
    {
      const gsize plane = t / P;
      const int p = (int) (t - plane * P), oc = (int) (plane % g.OC);
      const gsize j = plane / g.OC;
      const int oh = p / g.OW, ow = p - oh * g.OW;
      const int h0 = oh * g.SH - g.PH, w0 = ow * g.SW - g.PW;
      const float *x = in + j * g.C * HW;          /* (C, H, W) */
      const float *wk = w + (gsize) oc * K;        /* (C, KH, KW) */
      float s = 0.0f;

      for (int c = 0; c < g.C; c++, x += HW)
        for (int kh = 0; kh < g.KH; kh++, wk += g.KW)
          {
            const int ih = h0 + kh * g.DH;

            if (ih < 0 || ih >= g.H)
              continue;
            for (int kw = 0; kw < g.KW; kw++)
              {
                const int iw = w0 + kw * g.DW;

                if (iw >= 0 && iw < g.W)
                  s += wk[kw] * x[ih * g.W + iw];
              }
          }
      out[t] = st_activate (act, b != NULL ? s + b[oc] : s);
    }
}

/* din (N, C, H, W) (+)= the input's gradient: one thread per input pixel, which adds its taps
 * in (kh, kw) order, each tap the sum over oc of dout · w — the order in which col2im adds
 * the columns of wᵀ · dout. */
static __global__ void
conv2d_direct_data_kernel (float *__restrict__ din, const float *__restrict__ dout,
                           const float *__restrict__ w, int n, StCudaGeom g, gboolean add)
{
  const int P = g.OH * g.OW, K = g.C * g.KH * g.KW, HW = g.H * g.W;
  const gsize count = (gsize) n * g.C * HW;

  for (gsize t = (gsize) blockIdx.x * blockDim.x + threadIdx.x; t < count;
       t += (gsize) blockDim.x * gridDim.x)
    {
      const gsize plane = t / HW;
      const int hw = (int) (t - plane * HW), h = hw / g.W, x = hw - h * g.W;
      const int c = (int) (plane % g.C);
      const float *dy = dout + plane / g.C * g.OC * P;   /* (OC, P) */
      float s = add ? din[t] : 0.0f;

      for (int kh = 0; kh < g.KH; kh++)
        {
          int oh;

          if (!tap_source (h, kh, g.SH, g.PH, g.DH, g.OH, &oh))
            continue;
          for (int kw = 0; kw < g.KW; kw++)
            {
              const float *wt = w + (c * g.KH + kh) * g.KW + kw;   /* w[0][c][kh][kw] */
              const float *d;
              float tap = 0.0f;
              int ow;

              if (!tap_source (x, kw, g.SW, g.PW, g.DW, g.OW, &ow))
                continue;
              d = dy + oh * g.OW + ow;
              for (int oc = 0; oc < g.OC; oc++)
                tap += d[(gsize) oc * P] * wt[(gsize) oc * K];
              s += tap;
            }
        }
      din[t] = s;
    }
}

/* Stage one of the direct way's dw: block k·tiles + tile sums, for weight k = (oc, c, kh, kw),
 * dout[i][oc][p] · in[i][c][ih][iw] over the examples i of its tile and every p (padding
 * counts 0), each thread walking (i, p) pairs as st_tile_sums walks them; then a fixed-order
 * tree; partial[k·tiles + tile]. Launch OC·K·tiles blocks of ST_CUDA_THREADS. */
static __global__ void
conv2d_direct_weight_tiles_kernel (double *__restrict__ partial, const float *__restrict__ dout,
                                   const float *__restrict__ in, int n, StCudaGeom g, int tiles)
{
  __shared__ double shared[ST_CUDA_THREADS];
  const int P = g.OH * g.OW, KK = g.KH * g.KW, K = g.C * KK, HW = g.H * g.W;
  const int k = blockIdx.x / tiles, tile = blockIdx.x - k * tiles;
  const int oc = k / K, c = (k - oc * K) / KK, kh = (k % KK) / g.KW, kw = k % g.KW;
  const int per = (n + tiles - 1) / tiles, i1 = min (n, (tile + 1) * per);
  const int step_i = blockDim.x / P, step_p = blockDim.x % P;
  int i = tile * per + (int) threadIdx.x / P, p = (int) threadIdx.x % P;
  double acc = 0.0;

  while (i < i1)
    {
      const int oh = p / g.OW, ow = p - oh * g.OW;
      const int ih = oh * g.SH - g.PH + kh * g.DH, iw = ow * g.SW - g.PW + kw * g.DW;

      if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
        acc += (double) dout[((gsize) i * g.OC + oc) * P + p]
               * in[((gsize) i * g.C + c) * HW + ih * g.W + iw];
      i += step_i;
      p += step_p;
      if (p >= P)
        {
          p -= P;
          i++;
        }
    }
  acc = st_block_sum (acc, shared);
  if (threadIdx.x == 0)
    partial[(gsize) k * tiles + tile] = acc;
}
