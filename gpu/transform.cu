/* transform.cu: a batch from the dataset on the device — gather by index, then normalise.
 *
 *   N  examples    C  channels    plane  H·W    S = C·plane bytes per example
 *
 * The datasets stay on the device as uint8 (N, C, H, W); a step sends only its indices.
 * Normalisation reads the CPU's table, (v/255 − mean[c]) / std[c] rounded once, so the
 * batch is bitwise the CPU's (core/transform.c, torchvision's ToTensor + Normalize).
 * Augmentation is not done here yet (gpu/cuda-backend.c refuses it).
 */
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

static __global__ void
gather_normalize_kernel (float *__restrict__ x,                /* (N, C, H, W) */
                         guint8 *__restrict__ labels,          /* (N) */
                         const guint8 *__restrict__ images,    /* (N_data, C, H, W) */
                         const guint8 *__restrict__ data_labels, /* (N_data) */
                         const guint32 *__restrict__ idx,      /* (N) */
                         int n, int C, gsize plane,
                         const float *__restrict__ lut)        /* (C, 256) */
{
  const gsize size = (gsize) C * plane;

  ST_CUDA_FOR (k, (gsize) n * size)
    {
      const gsize i = k / size, j = k % size;
      const int c = (int) (j / plane);
      const gsize e = idx[i];

      x[k] = lut[c * 256 + images[e * size + j]];
      if (j == 0)
        labels[i] = data_labels[e];
    }
}

gboolean
st_cuda_gather_normalize (const StCudaQueue *q, float *x, guint8 *labels, const guint8 *images,
                          const guint8 *data_labels, const guint32 *idx, int n, int C,
                          gsize plane, const float *lut, GError **error)
{
  gather_normalize_kernel<<<ST_CUDA_BLOCKS ((gsize) n * C * plane), ST_CUDA_THREADS, 0,
                            q->stream>>> (x, labels, images, data_labels, idx, n, C, plane, lut);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
