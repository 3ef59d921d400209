/* pool2d.cu: max, average and adaptive average pooling on the device, as core/ops/pool2d.c.
 *
 * Legend (core/ops/pool2d.h): N examples, C channels, H/W input, KH/KW window, SH/SW stride,
 * DH/DW dilation (max only), PH/PW padding, OH/OW output; a "plane" is one (example,
 * channel) map. https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html,
 * AvgPool2d.html (count_include_pad=True), AdaptiveAvgPool2d.html.
 *
 * Forward: one thread per output, the CPU's loop over its window (sums in double, the same
 * comparisons for max), so the results are bitwise the CPU's. Backward is a gather: one
 * thread per input pixel walks the outputs whose window holds it, in the CPU's output
 * order, starting from din (ADD) or 0 (WRITE) — the CPU's scatter, without atomics.
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

/* ---- max ---------------------------------------------------------------------------- */

static __global__ void
maxpool_forward_kernel (float *__restrict__ out, const float *__restrict__ in,
                        gint32 *__restrict__ argmax, int n, StCudaGeom g)
{
  const gsize in_plane = (gsize) g.H * g.W, out_plane = (gsize) g.OH * g.OW;

  ST_CUDA_FOR (t, (gsize) n * g.C * out_plane)
    {
      const float *x = in + t / out_plane * in_plane;
      const int oh = (int) (t % out_plane / g.OW), ow = (int) (t % g.OW);
      /* PyTorch's window: rows h0, h0 + DH, … below h1, the first moved past the top
       * padding by whole steps of DH (columns likewise). */
      int h0 = oh * g.SH - g.PH, w0 = ow * g.SW - g.PW;
      const int h1 = min (h0 + g.DH * (g.KH - 1) + 1, g.H);
      const int w1 = min (w0 + g.DW * (g.KW - 1) + 1, g.W);
      float best = -INFINITY;
      gint32 best_i;

      while (h0 < 0)
        h0 += g.DH;
      while (w0 < 0)
        w0 += g.DW;
      best_i = h0 * g.W + w0;
      for (int h = h0; h < h1; h += g.DH)
        for (int w = w0; w < w1; w += g.DW)
          {
            const float v = x[h * g.W + w];

            if (v > best || isnan (v))
              {
                best = v;
                best_i = h * g.W + w;
              }
          }
      out[t] = best;
      argmax[t] = best_i;
    }
}

/* The outputs o along one axis whose window can hold input position i: o·s − p ≤ i ≤
 * o·s − p + span − 1, clipped to [0, out). */
static __device__ __forceinline__ void
covering (int i, int pad, int stride, int span, int out, int *lo, int *hi)
{
  const int first = i + pad - (span - 1);

  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  *hi = min ((i + pad) / stride, out - 1);
}

static __global__ void
maxpool_backward_kernel (float *__restrict__ din, const float *__restrict__ dout,
                         const gint32 *__restrict__ argmax, int n, StCudaGeom g, gboolean add)
{
  const gsize in_plane = (gsize) g.H * g.W, out_plane = (gsize) g.OH * g.OW;

  ST_CUDA_FOR (t, (gsize) n * g.C * in_plane)
    {
      const gsize plane = t / in_plane;
      const int pos = (int) (t % in_plane), h = pos / g.W, w = pos % g.W;
      const float *dy = dout + plane * out_plane;
      const gint32 *idx = argmax + plane * out_plane;
      float s = add ? din[t] : 0.0f;
      int oh0, oh1, ow0, ow1;

      covering (h, g.PH, g.SH, g.DH * (g.KH - 1) + 1, g.OH, &oh0, &oh1);
      covering (w, g.PW, g.SW, g.DW * (g.KW - 1) + 1, g.OW, &ow0, &ow1);
      for (int oh = oh0; oh <= oh1; oh++)
        for (int ow = ow0; ow <= ow1; ow++)
          if (idx[oh * g.OW + ow] == pos)
            s += dy[oh * g.OW + ow];
      din[t] = s;
    }
}

gboolean
st_cuda_maxpool2d_forward (const StCudaQueue *q, float *out, const float *in, gint32 *argmax,
                           int n, const StCudaGeom *g, GError **error)
{
  maxpool_forward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * g->C * g->OH * g->OW), ST_CUDA_THREADS,
                           0, q->stream>>> (out, in, argmax, n, *g);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_maxpool2d_backward (const StCudaQueue *q, float *din, const float *dout,
                            const gint32 *argmax, int n, const StCudaGeom *g, gboolean add,
                            GError **error)
{
  maxpool_backward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * g->C * g->H * g->W), ST_CUDA_THREADS,
                            0, q->stream>>> (din, dout, argmax, n, *g, add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

/* ---- average (count_include_pad) ------------------------------------------------------ */

/* The divisor of output (oh, ow): its window clipped to the padded map, as window() in
 * core/ops/pool2d.c. */
static __device__ __forceinline__ int
pool_size (const StCudaGeom &g, int oh, int ow)
{
  const int h0 = oh * g.SH - g.PH, w0 = ow * g.SW - g.PW;
  const int h1 = min (h0 + g.KH, g.H + g.PH), w1 = min (w0 + g.KW, g.W + g.PW);

  return (h1 - h0) * (w1 - w0);
}

static __global__ void
avgpool_forward_kernel (float *__restrict__ out, const float *__restrict__ in, int n,
                        StCudaGeom g)
{
  const gsize in_plane = (gsize) g.H * g.W, out_plane = (gsize) g.OH * g.OW;

  ST_CUDA_FOR (t, (gsize) n * g.C * out_plane)
    {
      const float *x = in + t / out_plane * in_plane;
      const int oh = (int) (t % out_plane / g.OW), ow = (int) (t % g.OW);
      const int h0 = oh * g.SH - g.PH, w0 = ow * g.SW - g.PW;
      const int h1 = min (h0 + g.KH, g.H), w1 = min (w0 + g.KW, g.W);
      double s = 0.0;

      for (int h = max (h0, 0); h < h1; h++)
        for (int w = max (w0, 0); w < w1; w++)
          s += x[h * g.W + w];
      out[t] = (float) (s / pool_size (g, oh, ow));
    }
}

static __global__ void
avgpool_backward_kernel (float *__restrict__ din, const float *__restrict__ dout, int n,
                         StCudaGeom g, gboolean add)
{
  const gsize in_plane = (gsize) g.H * g.W, out_plane = (gsize) g.OH * g.OW;

  ST_CUDA_FOR (t, (gsize) n * g.C * in_plane)
    {
      const int pos = (int) (t % in_plane), h = pos / g.W, w = pos % g.W;
      const float *dy = dout + t / in_plane * out_plane;
      float s = add ? din[t] : 0.0f;
      int oh0, oh1, ow0, ow1;

      covering (h, g.PH, g.SH, g.KH, g.OH, &oh0, &oh1);
      covering (w, g.PW, g.SW, g.KW, g.OW, &ow0, &ow1);
      for (int oh = oh0; oh <= oh1; oh++)
        for (int ow = ow0; ow <= ow1; ow++)
          s += dy[oh * g.OW + ow] / (float) pool_size (g, oh, ow);
      din[t] = s;
    }
}

gboolean
st_cuda_avgpool2d_forward (const StCudaQueue *q, float *out, const float *in, int n,
                           const StCudaGeom *g, GError **error)
{
  avgpool_forward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * g->C * g->OH * g->OW), ST_CUDA_THREADS,
                           0, q->stream>>> (out, in, n, *g);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_avgpool2d_backward (const StCudaQueue *q, float *din, const float *dout, int n,
                            const StCudaGeom *g, gboolean add, GError **error)
{
  avgpool_backward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * g->C * g->H * g->W), ST_CUDA_THREADS,
                            0, q->stream>>> (din, dout, n, *g, add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

/* ---- adaptive average ----------------------------------------------------------------- */

/* Bin i of `out` bins over `in` cells: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
static __device__ __forceinline__ int
bin_start (int i, int out, int in)
{
  return (int) (((gint64) i * in) / out);
}

static __device__ __forceinline__ int
bin_end (int i, int out, int in)
{
  return (int) (((gint64) (i + 1) * in + out - 1) / out);
}

static __global__ void
adaptive_forward_kernel (float *__restrict__ out, const float *__restrict__ in, int n,
                         StCudaGeom g)
{
  const gsize in_plane = (gsize) g.H * g.W, out_plane = (gsize) g.OH * g.OW;

  ST_CUDA_FOR (t, (gsize) n * g.C * out_plane)
    {
      const float *x = in + t / out_plane * in_plane;
      const int oh = (int) (t % out_plane / g.OW), ow = (int) (t % g.OW);
      const int h0 = bin_start (oh, g.OH, g.H), h1 = bin_end (oh, g.OH, g.H);
      const int w0 = bin_start (ow, g.OW, g.W), w1 = bin_end (ow, g.OW, g.W);
      double s = 0.0;

      for (int h = h0; h < h1; h++)
        for (int w = w0; w < w1; w++)
          s += x[h * g.W + w];
      out[t] = (float) (s / ((h1 - h0) * (w1 - w0)));
    }
}

/* The bins along one axis that hold position i: from ⌊i·out/in⌋ to ⌈(i+1)·out/in⌉ − 1,
 * each checked against its own bounds. */
static __global__ void
adaptive_backward_kernel (float *__restrict__ din, const float *__restrict__ dout, int n,
                          StCudaGeom g, gboolean add)
{
  const gsize in_plane = (gsize) g.H * g.W, out_plane = (gsize) g.OH * g.OW;

  ST_CUDA_FOR (t, (gsize) n * g.C * in_plane)
    {
      const int pos = (int) (t % in_plane), h = pos / g.W, w = pos % g.W;
      const float *dy = dout + t / in_plane * out_plane;
      const int oh0 = (int) ((gint64) h * g.OH / g.H);
      const int oh1 = min ((int) (((gint64) (h + 1) * g.OH - 1) / g.H), g.OH - 1);
      const int ow0 = (int) ((gint64) w * g.OW / g.W);
      const int ow1 = min ((int) (((gint64) (w + 1) * g.OW - 1) / g.W), g.OW - 1);
      float s = add ? din[t] : 0.0f;

      for (int oh = oh0; oh <= oh1; oh++)
        {
          const int h0 = bin_start (oh, g.OH, g.H), h1 = bin_end (oh, g.OH, g.H);

          if (h < h0 || h >= h1)
            continue;
          for (int ow = ow0; ow <= ow1; ow++)
            {
              const int w0 = bin_start (ow, g.OW, g.W), w1 = bin_end (ow, g.OW, g.W);

              if (w < w0 || w >= w1)
                continue;
              s += dy[oh * g.OW + ow] / (float) ((h1 - h0) * (w1 - w0));
            }
        }
      din[t] = s;
    }
}

gboolean
st_cuda_adaptive_avgpool2d_forward (const StCudaQueue *q, float *out, const float *in, int n,
                                    const StCudaGeom *g, GError **error)
{
  adaptive_forward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * g->C * g->OH * g->OW), ST_CUDA_THREADS,
                            0, q->stream>>> (out, in, n, *g);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_adaptive_avgpool2d_backward (const StCudaQueue *q, float *din, const float *dout, int n,
                                     const StCudaGeom *g, gboolean add, GError **error)
{
  adaptive_backward_kernel<<<ST_CUDA_BLOCKS ((gsize) n * g->C * g->H * g->W), ST_CUDA_THREADS,
                             0, q->stream>>> (din, dout, n, *g, add);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
