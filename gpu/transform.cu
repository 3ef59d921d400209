/* transform.cu: a batch from the dataset on the device — gather by index, then normalise
 * and, for training, augment.
 *
 *   N  examples    C  channels    H, W  height, width    plane  H·W    S = C·plane bytes
 *   (x, y)  column and row, y down
 *
 * The datasets stay on the device as uint8 (N, C, H, W), and so does the epoch's order: a
 * step passes only a pointer into it. Normalisation reads the CPU's table, (v/255 −
 * mean[c]) / std[c] rounded once, so the batch is bitwise the CPU's (core/data/transform.c,
 * torchvision's ToTensor + Normalize).
 *
 * Augmentation is core/data/transform.c's, operation for operation. Each example's draws come
 * from the CPU backend's stream for it (st_rng_fork of st_rng_init (seed), stream i), one
 * thread per example, in st_transform_draw's order. Then one thread per output row: with no
 * rotation a whole-pixel move (and mirror) through the table, bitwise the CPU's; with
 * rotation the inverse map, the source point stepped along the row by the same additions
 * as plane_rotate's, and the same float interpolation (the module is built with
 * -fmad=false). The rotation's cosine and sine come from CUDA's libm rather than glibc's
 * and may differ in the last bit, so a rotated batch matches the CPU's to float rounding.
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"
#include "gpu/cuda-rng.cuh"

/* Example i of the batch: idx[offset + i], or offset + i without an index list. */
static __device__ __forceinline__ gsize
example_at (const guint32 *idx, const StCudaStep *step, gsize i)
{
  return idx != NULL ? idx[step->offset + i] : (gsize) step->offset + i;
}

/* One block row of threads per example (blockIdx.y, then z above 65535), each walking its
 * example's S = C·plane values: no division but the channel's. */
static __global__ void
gather_normalize_kernel (float *__restrict__ x,                /* (N, C, H, W) */
                         guint8 *__restrict__ labels,          /* (N) */
                         const guint8 *__restrict__ images,    /* (N_data, C, H, W) */
                         const guint8 *__restrict__ data_labels, /* (N_data) */
                         const guint32 *__restrict__ idx,      /* (N + offset) or NULL */
                         const StCudaStep *__restrict__ step,
                         int n, int C, int plane,
                         const float *__restrict__ lut)        /* (C, 256) */
{
  const gsize i = (gsize) blockIdx.z * gridDim.y + blockIdx.y;
  const int size = C * plane;
  gsize e;

  if (i >= (gsize) n)
    return;
  e = example_at (idx, step, i);
  for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < size; j += blockDim.x * gridDim.x)
    x[i * size + j] = lut[(j / plane) * 256 + images[e * size + j]];
  if (blockIdx.x == 0 && threadIdx.x == 0)
    labels[i] = data_labels[e];
}

gboolean
st_cuda_gather_normalize (const StCudaQueue *q, float *x, guint8 *labels, const guint8 *images,
                          const guint8 *data_labels, const guint32 *idx, const StCudaStep *step,
                          int n, int C, gsize plane, const float *lut, GError **error)
{
  const int size = (int) (C * plane);
  const unsigned y = (unsigned) MIN (MAX (n, 1), 65535);
  const dim3 grid (MAX (1, MIN ((size + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS, 32)), y,
                   (unsigned) ((MAX (n, 1) + y - 1) / y));

  gather_normalize_kernel<<<grid, ST_CUDA_THREADS, 0, q->stream>>> (x, labels, images,
                                                                    data_labels, idx, step, n,
                                                                    C, (int) plane, lut);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

/* st_transform_draw for example i of the batch, with the CPU backend's stream for it. */
static __global__ void
augment_draw_kernel (StCudaDraw *__restrict__ draws, int n, StCudaAugment a,
                     const StCudaStep *__restrict__ step)
{
  const guint64 seed = step->seed;

  ST_CUDA_FOR (i, (gsize) n)
    {
      StCudaDraw d = { 0 };
      Rng base, rng;

      rng_seed (&base, seed);
      rng_seed (&rng, rng_u64 (&base) ^ ((guint64) i * 0xd1342543de82ef95ull));
      if (a.horizontal_flip)
        d.flip = (rng_u64 (&rng) >> 63) != 0;
      if (a.rotation > 0.0)
        d.angle = (2.0 * rng_uniform (&rng) - 1.0) * a.rotation;
      if (a.shift > 0)
        {
          d.dx = (int) rng_below (&rng, 2 * a.shift + 1) - a.shift;
          d.dy = (int) rng_below (&rng, 2 * a.shift + 1) - a.shift;
        }
      if (a.crop_padding > 0)
        {
          const int p = a.crop_padding;

          d.dx += p - (int) rng_below (&rng, 2 * p + 1);
          d.dy += p - (int) rng_below (&rng, 2 * p + 1);
        }
      if (d.angle != 0.0)
        {
          const double rad = d.angle * G_PI / 180.0;

          d.cs = cos (rad);
          d.sn = sin (rad);
        }
      draws[i] = d;
    }
}

static __device__ __forceinline__ float
pixel_or_zero (const guint8 *in, int h, int w, int x, int y)
{
  return x >= 0 && x < w && y >= 0 && y < h ? in[(gsize) y * w + x] : 0.0f;
}

/* plane_shift's row y: lut[in] moved by (dx, dy), mirrored first when `flip`; no draw at
 * all is the move by (0, 0). */
static __device__ void
row_shift (float *o, const guint8 *in, const float *lut, int h, int w, int y, int flip,
           int dx, int dy)
{
  const float fill = lut[0];
  const int sy = y - dy;
  const guint8 *row;

  if (sy < 0 || sy >= h)
    {
      for (int x = 0; x < w; x++)
        o[x] = fill;
      return;
    }
  row = in + (gsize) sy * w;
  for (int x = 0; x < w; x++)
    {
      const int sx = x - dx;

      o[x] = sx < 0 || sx >= w ? fill : lut[row[flip ? w - 1 - sx : sx]];
    }
}

/* plane_rotate's row y, statement for statement. */
static __device__ void
row_rotate (float *o, const guint8 *in, float scale, float bias, int h, int w, int y,
            const StCudaDraw *d)
{
  const double cs = d->cs, sn = d->sn;
  const double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
  const double step_x = d->flip ? -cs : cs, step_y = sn;
  double u = -d->dx - cx, v = y - d->dy - cy;
  double sx = cx + cs * u - sn * v, sy = cy + sn * u + cs * v;

  if (d->flip)
    sx = (w - 1) - sx;
  for (int x = 0; x < w; x++, sx += step_x, sy += step_y)
    {
      int x0, y0;
      float fx, fy, p00, p01, p10, p11;

      if (!(sx > -2.0 && sx < w + 1.0 && sy > -2.0 && sy < h + 1.0))
        {
          o[x] = bias;
          continue;
        }
      x0 = (int) sx;
      y0 = (int) sy;
      x0 -= sx < x0;
      y0 -= sy < y0;
      if (x0 < -1 || x0 >= w || y0 < -1 || y0 >= h)
        {
          o[x] = bias;
          continue;
        }
      fx = (float) (sx - x0);
      fy = (float) (sy - y0);
      p00 = pixel_or_zero (in, h, w, x0, y0);
      p01 = pixel_or_zero (in, h, w, x0 + 1, y0);
      p10 = pixel_or_zero (in, h, w, x0, y0 + 1);
      p11 = pixel_or_zero (in, h, w, x0 + 1, y0 + 1);
      o[x] = ((1.0f - fy) * ((1.0f - fx) * p00 + fx * p01)
              + fy * ((1.0f - fx) * p10 + fx * p11)) * scale + bias;
    }
}

/* One thread per output row (i, c, y): the rotation steps its source point along the row
 * as the CPU does, so a thread has to walk the row in order. */
static __global__ void
gather_augment_kernel (float *__restrict__ x,                  /* (N, C, H, W) */
                       guint8 *__restrict__ labels,            /* (N) */
                       const StCudaDraw *__restrict__ draws,   /* (N) */
                       const guint8 *__restrict__ images,      /* (N_data, C, H, W) */
                       const guint8 *__restrict__ data_labels, /* (N_data) */
                       const guint32 *__restrict__ idx,        /* (N + offset) or NULL */
                       const StCudaStep *__restrict__ step,
                       int n, int C, int H, int W,
                       const float *__restrict__ lut)          /* (C, 256), scale, bias */
{
  const gsize plane = (gsize) H * W, size = (gsize) C * plane;

  ST_CUDA_FOR (r, (gsize) n * C * H)
    {
      const gsize i = r / ((gsize) C * H);
      const int c = (int) (r / H % C), y = (int) (r % H);
      const StCudaDraw *d = &draws[i];
      const gsize e = example_at (idx, step, i);
      const guint8 *in = images + e * size + c * plane;
      float *o = x + i * size + c * plane + (gsize) y * W;

      if (d->angle == 0.0)
        row_shift (o, in, lut + c * 256, H, W, y, d->flip, d->dx, d->dy);
      else
        row_rotate (o, in, lut[C * 256 + c], lut[C * 257 + c], H, W, y, d);
      if (c == 0 && y == 0)
        labels[i] = data_labels[e];
    }
}

gboolean
st_cuda_gather_augment (const StCudaQueue *q, float *x, guint8 *labels, StCudaDraw *draws,
                        const guint8 *images, const guint8 *data_labels, const guint32 *idx,
                        const StCudaStep *step, int n, int C, int H, int W, const float *lut,
                        const StCudaAugment *augment, GError **error)
{
  augment_draw_kernel<<<ST_CUDA_BLOCKS (n), ST_CUDA_THREADS, 0, q->stream>>> (draws, n,
                                                                               *augment, step);
  ST_CUDA_LAUNCHED (error);
  gather_augment_kernel<<<ST_CUDA_BLOCKS ((gsize) n * C * H), ST_CUDA_THREADS, 0,
                          q->stream>>> (x, labels, draws, images, data_labels, idx, step, n,
                                        C, H, W, lut);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
