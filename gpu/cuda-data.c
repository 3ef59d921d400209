/* cuda-data.c: the datasets on the device — uploaded once by set_data as uint8 images and
 * labels, with the normalisation table (and the rotation's scale and bias) that the
 * transform kernels read, and room for the epoch's order of the training set, on the device
 * and pinned on the host for set_order's asynchronous upload.
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-context.h"

#include <math.h>
#include <string.h>

#include "core/data/transform.h"
#include "core/io/i18n.h"

/* The augmentation's checks of st_transform_plan_init, with its messages. */
gboolean
st_cuda_check_augment (const StCudaAugment *a, GError **error)
{
  if (a->shift < 0 || a->shift > ST_TRANSFORM_MAX_SHIFT)
    {
      g_set_error (error, DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("augment.shift: %d pixels; it must be 0 to %d"), a->shift,
                   ST_TRANSFORM_MAX_SHIFT);
      return FALSE;
    }
  if (a->crop_padding < 0 || a->crop_padding > ST_TRANSFORM_MAX_SHIFT)
    {
      g_set_error (error, DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("augment.crop_padding: %d pixels; it must be 0 to %d"), a->crop_padding,
                   ST_TRANSFORM_MAX_SHIFT);
      return FALSE;
    }
  if (!(a->rotation >= 0.0 && a->rotation <= ST_TRANSFORM_MAX_ROTATION))
    {
      g_set_error (error, DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("augment.rotation: %g degrees; it must be 0 to %g"), a->rotation,
                   ST_TRANSFORM_MAX_ROTATION);
      return FALSE;
    }
  return TRUE;
}

void
st_cuda_release_data (CudaBackend *cb)
{
  if (cb->q.stream != NULL)
    {
      cudaStreamSynchronize (cb->q.stream);
      cudaGetLastError ();
    }
  /* the captured jobs read these datasets' addresses */
  st_cuda_drop_graphs (cb);
  for (DeviceData *d = &cb->train; d <= &cb->test; d++)
    {
      if (!d->shared)
        {
          g_clear_pointer (&d->images, cudaFree);
          g_clear_pointer (&d->labels, cudaFree);
        }
      g_free (d->name);
      memset (d, 0, sizeof *d);
    }
  g_clear_pointer (&cb->lut, cudaFree);
  g_clear_pointer (&cb->order, cudaFree);
  g_clear_pointer (&cb->order_host, cudaFreeHost);
  cb->order_n = 0;
}

/* The normalisation table of st_transform_plan_init, with its checks and messages:
 * lut (c, 256), then the rotation's scale (c) and bias (c). */
static gboolean
build_lut (CudaBackend *cb, float *lut, int c, GError **error)
{
  const StNormalizeConfig *t = &cb->setup.normalize;

  if (t->n != 0 && t->n != 1 && t->n != c)
    {
      g_set_error (error, DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("normalize: %d means and stds for %d-channel images (give 1, or %d)"), t->n,
                   c, c);
      return FALSE;
    }
  for (int i = 0; i < t->n; i++)
    if (!isfinite (t->mean[i]) || !isfinite (t->std[i]) || t->std[i] <= 0.0)
      {
        g_set_error (error, DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                     _("normalize: channel %d has mean %g and std %g; the std must be a number "
                       "above 0"), i, t->mean[i], t->std[i]);
        return FALSE;
      }
  for (int ch = 0; ch < c; ch++)
    {
      int k = t->n == 0 ? -1 : t->n == 1 ? 0 : ch;
      double mean = k < 0 ? 0.0 : t->mean[k];
      double std = k < 0 ? 1.0 : t->std[k];

      for (int v = 0; v < 256; v++)
        lut[ch * 256 + v] = (float) ((v / 255.0 - mean) / std);
      lut[c * 256 + ch] = (float) (1.0 / (255.0 * std));
      lut[c * 257 + ch] = (float) (-mean / std);
    }
  return TRUE;
}

static gboolean
upload_dataset (CudaBackend *cb, DeviceData *d, const StDataset *data, GError **error)
{
  gsize size = (gsize) data->n * data->c * data->h * data->w;
  cudaError_t err;

  d->n = data->n;
  d->c = data->c;
  d->h = data->h;
  d->w = data->w;
  d->name = g_strdup (data->name);
  err = cudaMalloc ((void **) &d->images, MAX (size, 1));
  if (err == cudaSuccess)
    err = cudaMalloc ((void **) &d->labels, MAX ((gsize) data->n, 1));
  if (err != cudaSuccess)
    {
      g_autofree char *what = g_strdup_printf (_("dataset %s"), data->name);

      cudaGetLastError ();
      return st_cuda_memory_error (cb, error, what, size + data->n);
    }
  /* On the run's stream: it does not wait for the legacy default stream, where a plain
   * cudaMemcpy from pageable memory may still be landing when it returns. */
  ST_CUDA_CHECK (cudaMemcpyAsync (d->images, data->images, size, cudaMemcpyHostToDevice,
                                  cb->q.stream), error);
  ST_CUDA_CHECK (cudaMemcpyAsync (d->labels, data->labels, data->n, cudaMemcpyHostToDevice,
                                  cb->q.stream), error);
  return TRUE;
}

gboolean
st_cuda_set_data (StBackend *be, StDataset *train, StDataset *test, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  float lut[ST_DATASET_MAX_CHANNELS * 258];
  cudaError_t err;
  gsize in_numel, lut_bytes;

  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
    return FALSE;

  in_numel = cb->net->values[0].numel;
  for (const StDataset *const *d = (const StDataset *const[]) { train, test, NULL }; *d != NULL;
       d++)
    if ((gsize) (*d)->c * (*d)->h * (*d)->w != in_numel || (*d)->c != train->c
        || (*d)->c > ST_DATASET_MAX_CHANNELS)
      {
        g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                     _("dataset %s has %d×%d×%d images; the model takes %zu values per "
                       "example"), (*d)->name, (*d)->c, (*d)->h, (*d)->w, in_numel);
        return FALSE;
      }
  if (!build_lut (cb, lut, train->c, error) || !st_cuda_check_augment (&cb->augment, error))
    return FALSE;
  lut_bytes = sizeof (float) * train->c * 258;

  st_cuda_release_data (cb);
  if (!upload_dataset (cb, &cb->train, train, error))
    goto fail;
  if (test == train)
    {
      cb->test = cb->train;
      cb->test.name = g_strdup (cb->train.name);
      cb->test.shared = TRUE;
    }
  else if (!upload_dataset (cb, &cb->test, test, error))
    goto fail;
  if (cudaMalloc ((void **) &cb->lut, lut_bytes) != cudaSuccess)
    {
      cudaGetLastError ();
      cb->lut = NULL;
      st_cuda_memory_error (cb, error, _("the normalisation table"), lut_bytes);
      goto fail;
    }
  if (cudaMemcpyAsync (cb->lut, lut, lut_bytes, cudaMemcpyHostToDevice, cb->q.stream)
      != cudaSuccess)
    {
      st_cuda_fail (error, cudaGetLastError (), "cudaMemcpyAsync (lut)", G_STRLOC);
      goto fail;
    }
  /* The epoch's order, on the device and pinned on the host for its upload. */
  if (cudaMalloc ((void **) &cb->order, sizeof (guint32) * MAX (train->n, 1)) != cudaSuccess)
    {
      cudaGetLastError ();
      cb->order = NULL;
      st_cuda_memory_error (cb, error, _("the order of the training examples"),
                            sizeof (guint32) * train->n);
      goto fail;
    }
  if (cudaHostAlloc ((void **) &cb->order_host, sizeof (guint32) * MAX (train->n, 1),
                     cudaHostAllocDefault) != cudaSuccess)
    {
      cudaGetLastError ();
      cb->order_host = NULL;
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("%.1f MiB of pinned host memory for the order of the training examples "
                     "could not be had"), sizeof (guint32) * train->n / MIB);
      goto fail;
    }
  /* The table is on this stack and the caller may drop the datasets: the copies end here. */
  err = cudaStreamSynchronize (cb->q.stream);
  if (err != cudaSuccess)
    {
      cudaGetLastError ();
      st_cuda_fail (error, err, "cudaStreamSynchronize (set_data)", G_STRLOC);
      goto fail;
    }
  return TRUE;

fail:
  st_cuda_release_data (cb);
  return FALSE;
}
