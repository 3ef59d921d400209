/* cuda-backend.c: the backend table on one CUDA device — the CPU backend's semantics
 * (core/cpu-backend.c is the reference), with the work on one stream.
 *
 * Everything a run touches lives on the device, carved from ONE allocation sized in
 * prepare for B = batch_size examples (so a batch that does not fit is refused up front,
 * and destroy frees everything at once):
 *   params, buffers, grads   the net's tensor table: one block each (grads: one, zeroed
 *                            once per step; parameter gradients accumulate, net.h)
 *   optim_m, optim_v         SGD's momentum buffer, Adam's moments (when the optimizer has them)
 *   acts, dacts              value v at value_off[v], (B, numel_v); value 0 is the input batch
 *   bytes                    per-op caches: max-pool argmax (B, OC·OH·OW) int32, dropout
 *                            mask (B, S) bytes
 *   scratch                  the largest convolution's im2col workspace for one chunk
 *   dscratch                 per-channel double sums (BatchNorm and PReLU backward)
 *   bn_stats                 (n_bn, 2, bn_max_c): each BatchNorm's batch mean and invstd
 *   labels, idx              the batch's labels and example indices
 *   ex_loss, ex_correct      per example, for the loss reduction
 *   totals                   [0] the running metrics, [1] compute's loss
 * The datasets are uploaded once (set_data) as uint8 images and labels with the
 * normalisation table; a step sends only its indices (≤ B × 4 bytes, through a ring of
 * pinned buffers, asynchronously), then gathers and normalises on the device.
 *
 * A training step enqueues transform, forward, loss, backward and the optimizer and
 * returns without waiting. Metrics accumulate on the device; each training step ends by
 * copying them into a ring of pinned snapshots (and zeroing them), and take_metrics hands
 * over every snapshot but the newest: the numbers arrive one step late, and waiting on a
 * snapshot waits for a step that has already been overtaken. take_metrics waits for the
 * newest work only when the caller asks for totals: when nothing ran since its last call
 * (the end of an epoch) or the last job was an evaluation. The only other waits in a step
 * are on ring slots that are IDX_RING or SNAP_RING steps old (they bound how far the host
 * runs ahead); train_step never synchronises the stream.
 *
 * Augmentation is not done on the device yet: prepare refuses a setup that asks for it.
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-backend.h"

#include <gmodule.h>
#include <math.h>
#include <string.h>

#include "gpu/cuda-ops.h"

/* The module does not link strata-core, so it cannot call st_net_error_quark(): the error
 * domains are the core's quarks by name (G_DEFINE_QUARK in core/net.c and core/dataset.c).
 * tests/test-cuda.c checks that they match. */
#define NET_ERROR     (g_quark_from_static_string ("st-net-error-quark"))
#define DATASET_ERROR (g_quark_from_static_string ("st-dataset-error-quark"))

#define ARENA_ALIGN   256
#define IDX_RING      4
#define SNAP_RING     8
#define MIB           (1024.0 * 1024.0)
/* The most floats one convolution's im2col pass should take (256 MiB); larger batches are
 * cut into chunks (of one example at least). */
#define CONV_SCRATCH_FLOATS ((gsize) 64 << 20)

/* As core/net.c's st_op_kind_name, which the module cannot call. */
static const char *const op_names[ST_N_OPS] = {
  [ST_OP_CONV2D] = "conv2d", [ST_OP_MAXPOOL2D] = "maxpool2d", [ST_OP_AVGPOOL2D] = "avgpool2d",
  [ST_OP_ADAPTIVEAVGPOOL2D] = "adaptive_avgpool2d", [ST_OP_RELU] = "relu",
  [ST_OP_LEAKYRELU] = "leaky_relu", [ST_OP_PRELU] = "prelu", [ST_OP_SIGMOID] = "sigmoid",
  [ST_OP_TANH] = "tanh", [ST_OP_LINEAR] = "linear", [ST_OP_DROPOUT] = "dropout",
  [ST_OP_BATCHNORM2D] = "batchnorm2d", [ST_OP_CONCAT] = "concat", [ST_OP_ADD] = "add",
};

typedef struct {
  StCudaGeom g;
  gsize      in_numel;          /* per example, first input */
  gsize      out_numel;         /* per example */
  gsize      hw;                /* H·W of the input (BatchNorm, PReLU) */
  int        channels[ST_OP_MAX_INPUTS];  /* Concat: channels of each input */
  gsize      byte_off;          /* into the byte arena, for B examples */
  gsize      byte_per_example;
  int        bn_index;          /* BatchNorm: its slot in bn_stats, else -1 */
  int        chunk;             /* Conv2d: examples per im2col pass */
} OpPlan;

typedef enum {
  JOB_TRAIN,      /* examples from the training set: forward, loss, backward, update */
  JOB_EVAL,       /* examples from a dataset: forward in evaluation mode, loss */
  JOB_COMPUTE,    /* a given float batch: forward in training mode, backward if asked */
  JOB_SNAPSHOT,   /* one example, forward in evaluation mode, values copied out */
} JobKind;

typedef struct {
  guint8 *images;               /* (N, C, H, W) on the device */
  guint8 *labels;               /* (N) on the device */
  gint64  n;
  int     c, h, w;
  char   *name;
  gboolean shared;              /* the test set is the training set: nothing of its own */
} DeviceData;

typedef struct {
  StBackend       parent;
  int             device;
  char           *gpu_name;
  StCudaQueue     q;
  GError         *deferred;       /* a failure take_metrics could not report */

  const StNet    *net;
  StRunSetup      setup;
  int             B;
  OpPlan         *plans;
  gsize          *value_off;      /* (n_values) */
  gint64          step;
  int             n_bn;
  int             bn_max_c;

  /* the arena */
  void           *arena;
  gsize           arena_bytes;
  float          *params;         /* (n_params) */
  float          *buffers;        /* (n_buffers) */
  float          *grads;          /* (n_params) */
  float          *optim_m;        /* (n_params) or NULL */
  float          *optim_v;        /* (n_params) or NULL */
  float          *acts;
  float          *dacts;
  guint8         *bytes;
  float          *scratch;
  double         *dscratch;
  float          *bn_stats;       /* (n_bn, 2, bn_max_c) */
  guint8         *labels;         /* (B) */
  guint32        *idx;            /* (B) */
  double         *ex_loss;        /* (B) */
  double         *ex_correct;     /* (B) */
  StCudaTotals   *totals;         /* (2) */

  /* pinned host memory and the events that say when a slot may be reused */
  guint32        *idx_host;       /* (IDX_RING, B) */
  cudaEvent_t     idx_done[IDX_RING];
  int             idx_slot;
  StCudaTotals   *snap_host;      /* (SNAP_RING) */
  cudaEvent_t     snap_done[SNAP_RING];
  gint64          snap_examples[SNAP_RING];
  int             snap_head;      /* the oldest snapshot not yet handed over */
  int             snap_count;

  /* metrics bookkeeping on the host */
  gint64          unsnapped_examples;  /* examples whose numbers are still in totals[0] */
  int             jobs_since_take;
  gboolean        last_job_train;
  StMetrics       ready;          /* harvested, not yet taken */

  /* the datasets on the device */
  DeviceData      train;
  DeviceData      test;
  float          *lut;            /* (C, 256) on the device: (v/255 − mean) / std */

  /* the current job */
  JobKind         job;
  guint64         job_seed;
  gboolean        job_dx;
} CudaBackend;

/* ---- errors --------------------------------------------------------------------------- */

gboolean
st_cuda_fail (GError **error, cudaError_t err, const char *call, const char *where)
{
  g_set_error (error, NET_ERROR,
               err == cudaErrorMemoryAllocation ? ST_NET_ERROR_MEMORY : ST_NET_ERROR_DEVICE,
               "CUDA: %s failed (%s): %s (%s)", call, where, cudaGetErrorString (err),
               cudaGetErrorName (err));
  return FALSE;
}

gboolean
st_cublas_fail (GError **error, cublasStatus_t status, const char *call, const char *where)
{
  g_set_error (error, NET_ERROR,
               status == CUBLAS_STATUS_ALLOC_FAILED ? ST_NET_ERROR_MEMORY : ST_NET_ERROR_DEVICE,
               "cuBLAS: %s failed (%s): %s", call, where, cublasGetStatusString (status));
  return FALSE;
}

/* Every entry starts here: a failure that take_metrics had to keep is reported now. */
static gboolean
begin (CudaBackend *cb, GError **error)
{
  if (cb->deferred != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&cb->deferred));
      return FALSE;
    }
  ST_CUDA_CHECK (cudaSetDevice (cb->device), error);
  return TRUE;
}

static gboolean
not_prepared (CudaBackend *cb, GError **error)
{
  if (cb->arena != NULL)
    return FALSE;
  g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
               "the CUDA backend has no net yet (prepare was not called, or failed)");
  return TRUE;
}

static gboolean
free_memory (gsize *free_bytes)
{
  size_t f = 0, t = 0;

  if (cudaMemGetInfo (&f, &t) != cudaSuccess)
    {
      cudaGetLastError ();
      *free_bytes = 0;
      return FALSE;
    }
  *free_bytes = f;
  return TRUE;
}

/* ---- the arena ------------------------------------------------------------------------ */

static inline float *
act (CudaBackend *cb, int v)
{
  return cb->acts + cb->value_off[v];
}

static inline float *
dact (CudaBackend *cb, int v)
{
  return cb->dacts + cb->value_off[v];
}

static float *
param (CudaBackend *cb, float *block, int tensor)
{
  return tensor >= 0 ? block + cb->net->tensors[tensor].offset : NULL;
}

static float *
buffer (CudaBackend *cb, int tensor)
{
  return tensor >= 0 ? cb->buffers + cb->net->tensors[tensor].offset : NULL;
}

/* a·b and a + b that stop at G_MAXSIZE instead of wrapping: an absurd batch size must
 * come out as "needs a lot", never as a small number. */
static gsize
mul_sat (gsize a, gsize b)
{
  return a != 0 && b > G_MAXSIZE / a ? G_MAXSIZE : a * b;
}

static gsize
add_sat (gsize a, gsize b)
{
  return b > G_MAXSIZE - a ? G_MAXSIZE : a + b;
}

static gsize
align_up (gsize bytes)
{
  return add_sat (bytes, ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
}

static void
release_run (CudaBackend *cb)
{
  if (cb->q.stream != NULL)
    {
      cudaStreamSynchronize (cb->q.stream);
      cudaGetLastError ();
    }
  g_clear_pointer (&cb->arena, cudaFree);
  g_clear_pointer (&cb->idx_host, cudaFreeHost);
  g_clear_pointer (&cb->plans, g_free);
  g_clear_pointer (&cb->value_off, g_free);
  cb->arena_bytes = 0;
  cb->net = NULL;
  cb->snap_head = cb->snap_count = 0;
  cb->unsnapped_examples = 0;
  cb->jobs_since_take = 0;
  cb->last_job_train = FALSE;
  memset (&cb->ready, 0, sizeof cb->ready);
  cb->ready.last_loss = NAN;
}

static void
release_data (CudaBackend *cb)
{
  if (cb->q.stream != NULL)
    {
      cudaStreamSynchronize (cb->q.stream);
      cudaGetLastError ();
    }
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
}

/* The kernels' geometry and each op's share of the byte arena and the scratch, as
 * cpu-backend.c's plan_ops; sizes are checked against the int dimensions of cuBLAS. */
static gboolean
plan_ops (CudaBackend *cb, gsize *bytes, gsize *scratch, gsize *dscratch, GError **error)
{
  const StNet *net = cb->net;

  *bytes = *scratch = 0;
  *dscratch = 1;
  cb->n_bn = 0;
  cb->bn_max_c = 1;
  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];
      const StOpGeom *g = &op->g;
      OpPlan *p = &cb->plans[o];

      p->in_numel = net->values[op->inputs[0].value].numel;
      p->out_numel = net->values[op->output].numel;
      p->hw = (gsize) g->h * g->w;
      p->bn_index = -1;
      p->g = (StCudaGeom) { .C = g->c, .H = g->h, .W = g->w, .OC = g->oc, .OH = g->oh,
                            .OW = g->ow, .KH = g->kh, .KW = g->kw, .SH = g->sh, .SW = g->sw,
                            .PH = g->ph, .PW = g->pw, .DH = g->dh, .DW = g->dw };
      switch (op->kind)
        {
        case ST_OP_CONV2D:
        case ST_OP_MAXPOOL2D:
        case ST_OP_AVGPOOL2D:
          if (g->c < 1 || g->h < 1 || g->w < 1 || g->oc < 1 || g->oh < 1 || g->ow < 1
              || g->kh < 1 || g->kw < 1 || g->sh < 1 || g->sw < 1 || g->ph < 0 || g->pw < 0
              || g->dh < 1 || g->dw < 1
              || (gint64) g->c * g->h * g->w > G_MAXINT
              || (gint64) g->oc * g->oh * g->ow > G_MAXINT)
            goto bad;
          if (op->kind == ST_OP_CONV2D)
            {
              /* about 3·(K + OC)·P floats per example of the chunk, and 2·OC·K for dw */
              gint64 K = (gint64) g->c * g->kh * g->kw, P = (gint64) g->oh * g->ow;
              gint64 per_example = 3 * (K + g->oc) * P + 2, widest = MAX (K, g->oc) * P;
              gint64 room = (gint64) CONV_SCRATCH_FLOATS - 2 * g->oc * K;
              gint64 chunk = MIN ((gint64) cb->B, room / per_example);

              chunk = MIN (MAX (chunk, 1), G_MAXINT / widest);
              if (chunk < 1)
                goto bad;
              p->chunk = (int) chunk;
              *scratch = MAX (*scratch, st_cuda_conv2d_scratch_floats (&p->g, p->chunk));
            }
          else if (op->kind == ST_OP_MAXPOOL2D)
            p->byte_per_example = p->out_numel * sizeof (gint32);
          break;
        case ST_OP_ADAPTIVEAVGPOOL2D:
          if (g->c < 1 || g->h < 1 || g->w < 1 || g->oh < 1 || g->ow < 1)
            goto bad;
          p->g.OC = g->c;
          break;
        case ST_OP_DROPOUT:
          p->byte_per_example = p->in_numel;
          break;
        case ST_OP_BATCHNORM2D:
          p->bn_index = cb->n_bn++;
          cb->bn_max_c = MAX (cb->bn_max_c, g->c);
          *dscratch = MAX (*dscratch, 2 * (gsize) g->c);
          break;
        case ST_OP_PRELU:
          *dscratch = MAX (*dscratch, (gsize) g->c);
          break;
        case ST_OP_LINEAR:
          if (g->c < 1 || g->oc < 1 || g->c > G_MAXINT || g->oc > G_MAXINT)
            goto bad;
          break;
        case ST_OP_CONCAT:
          for (int i = 0; i < op->n_inputs; i++)
            p->channels[i] = net->values[op->inputs[i].value].shape.dim[0];
          break;
        default:
          break;
        }
      p->byte_off = *bytes;
      *bytes = add_sat (*bytes, align_up (mul_sat (p->byte_per_example, cb->B)));
      continue;
bad:
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "layer %s: the %s geometry is invalid or too large for the GPU", op->path,
                   op_names[op->kind]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
augmenting (const StAugmentConfig *a)
{
  return a->shift > 0 || a->rotation > 0.0 || a->horizontal_flip || a->crop_padding > 0;
}

static gboolean
memory_error (CudaBackend *cb, GError **error, const char *what, gsize needed)
{
  gsize free_bytes = 0;

  free_memory (&free_bytes);
  g_set_error (error, NET_ERROR, ST_NET_ERROR_MEMORY, "%s needs %.0f MiB, %.0f MiB free on %s",
               what, ceil (needed / MIB), free_bytes / MIB, cb->gpu_name);
  return FALSE;
}

static gboolean
zero_arena (CudaBackend *cb, GError **error)
{
  ST_CUDA_CHECK (cudaMemsetAsync (cb->arena, 0, cb->arena_bytes, cb->q.stream), error);
  return TRUE;
}

static gboolean
cuda_prepare (StBackend *be, const StNet *net, const StRunSetup *setup, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  gsize bytes, scratch, dscratch, acts = 0, total = 0, free_bytes = 0;
  g_autofree char *what = NULL;
  int per_param;

  g_return_val_if_fail (net != NULL && setup != NULL, FALSE);

  if (!begin (cb, error))
    return FALSE;
  release_run (cb);
  if (augmenting (&setup->augment))
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_UNSUPPORTED,
                   "augmentation is not supported on the GPU yet (training.augment asks for "
                   "it); train on the CPU, or leave augment empty");
      return FALSE;
    }
  if (setup->batch_size < 1)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL, "batch size %d; it must be at least 1",
                   setup->batch_size);
      return FALSE;
    }
  cb->net = net;
  cb->setup = *setup;
  cb->B = setup->batch_size;
  cb->step = 0;

  cb->plans = g_new0 (OpPlan, MAX (net->n_ops, 1));
  if (!plan_ops (cb, &bytes, &scratch, &dscratch, error))
    {
      release_run (cb);
      return FALSE;
    }
  cb->value_off = g_new (gsize, net->n_values);
  for (guint v = 0; v < net->n_values; v++)
    {
      cb->value_off[v] = acts;
      acts = add_sat (acts, mul_sat (net->values[v].numel, cb->B));
    }
  /* as st_optim_state_per_param (core/optim.c) */
  per_param = cb->setup.optim.type == ST_OPTIM_SGD ? (cb->setup.optim.momentum != 0.0 ? 1 : 0)
                                                   : 2;

  {
    const gsize B = cb->B, P = net->n_params;
    struct {
      void  **ptr;
      gsize   bytes;
    } regions[] = {
      { (void **) &cb->params, mul_sat (P, sizeof (float)) },
      { (void **) &cb->buffers, mul_sat (net->n_buffers, sizeof (float)) },
      { (void **) &cb->grads, mul_sat (P, sizeof (float)) },
      { (void **) &cb->optim_m, per_param >= 1 ? mul_sat (P, sizeof (float)) : 0 },
      { (void **) &cb->optim_v, per_param >= 2 ? mul_sat (P, sizeof (float)) : 0 },
      { (void **) &cb->acts, mul_sat (acts, sizeof (float)) },
      { (void **) &cb->dacts, mul_sat (acts, sizeof (float)) },
      { (void **) &cb->bytes, bytes },
      { (void **) &cb->scratch, mul_sat (scratch, sizeof (float)) },
      { (void **) &cb->dscratch, mul_sat (dscratch, sizeof (double)) },
      { (void **) &cb->bn_stats, (gsize) cb->n_bn * 2 * cb->bn_max_c * sizeof (float) },
      { (void **) &cb->labels, B },
      { (void **) &cb->idx, B * sizeof (guint32) },
      { (void **) &cb->ex_loss, B * sizeof (double) },
      { (void **) &cb->ex_correct, B * sizeof (double) },
      { (void **) &cb->totals, 2 * sizeof (StCudaTotals) },
    };
    gsize offset = 0;
    cudaError_t err;

    for (gsize r = 0; r < G_N_ELEMENTS (regions); r++)
      total = add_sat (total, align_up (regions[r].bytes));
    what = g_strdup_printf ("batch %d", cb->B);
    if (!free_memory (&free_bytes) || total > free_bytes)
      {
        memory_error (cb, error, what, total);
        release_run (cb);
        return FALSE;
      }
    err = cudaMalloc (&cb->arena, total);
    if (err != cudaSuccess)
      {
        cudaGetLastError ();
        cb->arena = NULL;
        memory_error (cb, error, what, total);
        release_run (cb);
        return FALSE;
      }
    cb->arena_bytes = total;
    for (gsize r = 0; r < G_N_ELEMENTS (regions); r++)
      {
        *regions[r].ptr = regions[r].bytes > 0 ? (guint8 *) cb->arena + offset : NULL;
        offset += align_up (regions[r].bytes);
      }
  }
  /* Zeroed, as the CPU's g_try_malloc0: buffers and optimizer state start at 0. */
  if (!zero_arena (cb, error))
    {
      release_run (cb);
      return FALSE;
    }
  if (cudaHostAlloc ((void **) &cb->idx_host, sizeof (guint32) * IDX_RING * cb->B,
                     cudaHostAllocDefault) != cudaSuccess)
    {
      cudaGetLastError ();
      cb->idx_host = NULL;
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MEMORY,
                   "batch %d: %.1f MiB of pinned host memory for the indices could not be had",
                   cb->B, sizeof (guint32) * IDX_RING * cb->B / MIB);
      release_run (cb);
      return FALSE;
    }
  return TRUE;
}

/* ---- data ----------------------------------------------------------------------------- */

/* The normalisation table of st_transform_plan_init, with its checks and messages. */
static gboolean
build_lut (CudaBackend *cb, float *lut, int c, GError **error)
{
  const StNormalizeConfig *t = &cb->setup.normalize;

  if (t->n != 0 && t->n != 1 && t->n != c)
    {
      g_set_error (error, DATASET_ERROR, 2 /* ST_DATASET_ERROR_FORMAT */,
                   "normalize: %d means and stds for %d-channel images (give 1, or %d)", t->n,
                   c, c);
      return FALSE;
    }
  for (int i = 0; i < t->n; i++)
    if (!isfinite (t->mean[i]) || !isfinite (t->std[i]) || t->std[i] <= 0.0)
      {
        g_set_error (error, DATASET_ERROR, 2 /* ST_DATASET_ERROR_FORMAT */,
                     "normalize: channel %d has mean %g and std %g; the std must be a number "
                     "above 0", i, t->mean[i], t->std[i]);
        return FALSE;
      }
  for (int ch = 0; ch < c; ch++)
    {
      int k = t->n == 0 ? -1 : t->n == 1 ? 0 : ch;
      double mean = k < 0 ? 0.0 : t->mean[k];
      double std = k < 0 ? 1.0 : t->std[k];

      for (int v = 0; v < 256; v++)
        lut[ch * 256 + v] = (float) ((v / 255.0 - mean) / std);
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
      g_autofree char *what = g_strdup_printf ("dataset %s", data->name);

      cudaGetLastError ();
      return memory_error (cb, error, what, size + data->n);
    }
  ST_CUDA_CHECK (cudaMemcpy (d->images, data->images, size, cudaMemcpyHostToDevice), error);
  ST_CUDA_CHECK (cudaMemcpy (d->labels, data->labels, data->n, cudaMemcpyHostToDevice), error);
  return TRUE;
}

static gboolean
cuda_set_data (StBackend *be, StDataset *train, StDataset *test, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  float lut[ST_DATASET_MAX_CHANNELS * 256];
  gsize in_numel;

  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  if (!begin (cb, error) || not_prepared (cb, error))
    return FALSE;

  in_numel = cb->net->values[0].numel;
  for (const StDataset *const *d = (const StDataset *const[]) { train, test, NULL }; *d != NULL;
       d++)
    if ((gsize) (*d)->c * (*d)->h * (*d)->w != in_numel || (*d)->c != train->c
        || (*d)->c > ST_DATASET_MAX_CHANNELS)
      {
        g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                     "dataset %s has %d×%d×%d images; the model takes %" G_GSIZE_FORMAT
                     " values per example", (*d)->name, (*d)->c, (*d)->h, (*d)->w, in_numel);
        return FALSE;
      }
  if (!build_lut (cb, lut, train->c, error))
    return FALSE;

  release_data (cb);
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
  if (cudaMalloc ((void **) &cb->lut, sizeof (float) * train->c * 256) != cudaSuccess)
    {
      cudaGetLastError ();
      cb->lut = NULL;
      memory_error (cb, error, "the normalisation table", sizeof (float) * train->c * 256);
      goto fail;
    }
  if (cudaMemcpy (cb->lut, lut, sizeof (float) * train->c * 256, cudaMemcpyHostToDevice)
      != cudaSuccess)
    {
      st_cuda_fail (error, cudaGetLastError (), "cudaMemcpy (lut)", G_STRLOC);
      goto fail;
    }
  return TRUE;

fail:
  release_data (cb);
  return FALSE;
}

/* ---- state ---------------------------------------------------------------------------- */

static gboolean
cuda_write_state (StBackend *be, const float *params, const float *buffers,
                  const float *optim_state, gint64 step, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const gsize n = cb->net != NULL ? cb->net->n_params : 0;
  cudaStream_t s = cb->q.stream;

  if (!begin (cb, error) || not_prepared (cb, error))
    return FALSE;
  if (n > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (cb->params, params, sizeof (float) * n,
                                    cudaMemcpyHostToDevice, s), error);
  if (buffers != NULL && cb->net->n_buffers > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (cb->buffers, buffers, sizeof (float) * cb->net->n_buffers,
                                    cudaMemcpyHostToDevice, s), error);
  for (int k = 0; k < 2; k++)
    {
      float *dst = k == 0 ? cb->optim_m : cb->optim_v;

      if (dst == NULL)
        continue;
      if (optim_state != NULL)
        ST_CUDA_CHECK (cudaMemcpyAsync (dst, optim_state + k * n, sizeof (float) * n,
                                        cudaMemcpyHostToDevice, s), error);
      else
        ST_CUDA_CHECK (cudaMemsetAsync (dst, 0, sizeof (float) * n, s), error);
    }
  ST_CUDA_CHECK (cudaStreamSynchronize (s), error);
  cb->step = step;
  return TRUE;
}

static gboolean
cuda_read_state (StBackend *be, float *params, float *buffers, float *optim_state,
                 gint64 *step, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const gsize n = cb->net != NULL ? cb->net->n_params : 0;
  cudaStream_t s = cb->q.stream;

  if (!begin (cb, error) || not_prepared (cb, error))
    return FALSE;
  if (params != NULL && n > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (params, cb->params, sizeof (float) * n,
                                    cudaMemcpyDeviceToHost, s), error);
  if (buffers != NULL && cb->net->n_buffers > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (buffers, cb->buffers, sizeof (float) * cb->net->n_buffers,
                                    cudaMemcpyDeviceToHost, s), error);
  if (optim_state != NULL && cb->optim_m != NULL)
    ST_CUDA_CHECK (cudaMemcpyAsync (optim_state, cb->optim_m, sizeof (float) * n,
                                    cudaMemcpyDeviceToHost, s), error);
  if (optim_state != NULL && cb->optim_v != NULL)
    ST_CUDA_CHECK (cudaMemcpyAsync (optim_state + n, cb->optim_v, sizeof (float) * n,
                                    cudaMemcpyDeviceToHost, s), error);
  ST_CUDA_CHECK (cudaStreamSynchronize (s), error);
  if (step != NULL)
    *step = cb->step;
  return TRUE;
}

/* ---- the tape ------------------------------------------------------------------------- */

/* Every value but the input needs a gradient; the input only when compute asks for it. */
static inline gboolean
wants_grad (CudaBackend *cb, int v)
{
  return cb->net->values[v].needs_grad || (v == 0 && cb->job == JOB_COMPUTE && cb->job_dx);
}

static gboolean
forward_op (CudaBackend *cb, guint o, int n, gboolean train, GError **error)
{
  const StOp *op = &cb->net->ops[o];
  const OpPlan *p = &cb->plans[o];
  const StOpGeom *g = &op->g;
  const StCudaQueue *q = &cb->q;
  float *out = act (cb, op->output);
  const float *in = act (cb, op->inputs[0].value);
  const gsize count = (gsize) n * p->in_numel;

  switch (op->kind)
    {
    case ST_OP_CONV2D:
      return st_cuda_conv2d_forward (q, out, in, param (cb, cb->params, op->weight),
                                     param (cb, cb->params, op->bias), cb->scratch, n, p->chunk,
                                     &p->g, error);
    case ST_OP_MAXPOOL2D:
      return st_cuda_maxpool2d_forward (q, out, in, (gint32 *) (cb->bytes + p->byte_off), n,
                                        &p->g, error);
    case ST_OP_AVGPOOL2D:
      return st_cuda_avgpool2d_forward (q, out, in, n, &p->g, error);
    case ST_OP_ADAPTIVEAVGPOOL2D:
      return st_cuda_adaptive_avgpool2d_forward (q, out, in, n, &p->g, error);
    case ST_OP_RELU:
      return st_cuda_relu_forward (q, out, in, count, error);
    case ST_OP_LEAKYRELU:
      return st_cuda_leaky_relu_forward (q, out, in, (float) g->alpha, count, error);
    case ST_OP_PRELU:
      return st_cuda_prelu_forward (q, out, in, param (cb, cb->params, op->weight), n, g->c,
                                    p->hw, cb->net->tensors[op->weight].numel, error);
    case ST_OP_SIGMOID:
      return st_cuda_sigmoid_forward (q, out, in, count, error);
    case ST_OP_TANH:
      return st_cuda_tanh_forward (q, out, in, count, error);
    case ST_OP_LINEAR:
      return st_cuda_linear_forward (q, out, in, param (cb, cb->params, op->weight),
                                     param (cb, cb->params, op->bias), n, g->c, g->oc, error);
    case ST_OP_DROPOUT:
      if (!train)
        return st_cuda_accumulate (q, out, in, count, FALSE, error);
      return st_cuda_dropout_forward_train (q, out, in, cb->bytes + p->byte_off, g->alpha,
                                            cb->job_seed, (int) o, n, p->in_numel, error);
    case ST_OP_BATCHNORM2D:
      {
        float *mean = cb->bn_stats + (gsize) p->bn_index * 2 * cb->bn_max_c;
        float *invstd = mean + cb->bn_max_c;
        const float *gamma = param (cb, cb->params, op->weight);
        const float *beta = param (cb, cb->params, op->bias);

        if (!train)
          return st_cuda_batchnorm2d_forward_eval (q, out, in, gamma, beta,
                                                   buffer (cb, op->buffer),
                                                   buffer (cb, op->buffer + 1), g->alpha, n,
                                                   g->c, p->hw, error);
        return st_cuda_batchnorm2d_forward_train (q, out, in, gamma, beta, mean, invstd,
                                                  buffer (cb, op->buffer),
                                                  buffer (cb, op->buffer + 1), g->momentum,
                                                  g->alpha, n, g->c, p->hw, error);
      }
    case ST_OP_CONCAT:
      for (int i = 0, offset = 0; i < op->n_inputs; offset += p->channels[i], i++)
        if (!st_cuda_concat_forward (q, out, act (cb, op->inputs[i].value), n, p->channels[i],
                                     offset, g->oc, (gsize) g->oh * g->ow, error))
          return FALSE;
      return TRUE;
    case ST_OP_ADD:
      return st_cuda_add_forward (q, out, in, act (cb, op->inputs[1].value),
                                  (gsize) n * p->out_numel, error);
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static gboolean
backward_op (CudaBackend *cb, guint o, int n, GError **error)
{
  const StOp *op = &cb->net->ops[o];
  const OpPlan *p = &cb->plans[o];
  const StOpGeom *g = &op->g;
  const StCudaQueue *q = &cb->q;
  const StOpInput *in0 = &op->inputs[0];
  float *grads = cb->grads;
  const float *out = act (cb, op->output);
  const float *dout = dact (cb, op->output);
  const float *in = act (cb, in0->value);
  float *din = wants_grad (cb, in0->value) ? dact (cb, in0->value) : NULL;
  const gboolean add = in0->grad_mode == ST_GRAD_ADD;
  const gsize count = (gsize) n * p->in_numel;

  switch (op->kind)
    {
    case ST_OP_CONV2D:
      return st_cuda_conv2d_backward (q, din, param (cb, grads, op->weight),
                                      param (cb, grads, op->bias), dout, in,
                                      param (cb, cb->params, op->weight), cb->scratch, n,
                                      p->chunk, &p->g, add, error);
    case ST_OP_MAXPOOL2D:
      return din == NULL
             || st_cuda_maxpool2d_backward (q, din, dout,
                                            (const gint32 *) (cb->bytes + p->byte_off), n,
                                            &p->g, add, error);
    case ST_OP_AVGPOOL2D:
      return din == NULL || st_cuda_avgpool2d_backward (q, din, dout, n, &p->g, add, error);
    case ST_OP_ADAPTIVEAVGPOOL2D:
      return din == NULL
             || st_cuda_adaptive_avgpool2d_backward (q, din, dout, n, &p->g, add, error);
    case ST_OP_RELU:
      return din == NULL || st_cuda_relu_backward (q, din, dout, out, count, add, error);
    case ST_OP_LEAKYRELU:
      return din == NULL
             || st_cuda_leaky_relu_backward (q, din, dout, in, (float) g->alpha, count, add,
                                             error);
    case ST_OP_PRELU:
      return st_cuda_prelu_backward (q, din, param (cb, grads, op->weight), dout, in,
                                     param (cb, cb->params, op->weight), cb->dscratch, n, g->c,
                                     p->hw, cb->net->tensors[op->weight].numel, add, error);
    case ST_OP_SIGMOID:
      return din == NULL || st_cuda_sigmoid_backward (q, din, dout, out, count, add, error);
    case ST_OP_TANH:
      return din == NULL || st_cuda_tanh_backward (q, din, dout, out, count, add, error);
    case ST_OP_LINEAR:
      return st_cuda_linear_backward (q, din, param (cb, grads, op->weight),
                                      param (cb, grads, op->bias), dout, in,
                                      param (cb, cb->params, op->weight), n, g->c, g->oc, add,
                                      error);
    case ST_OP_DROPOUT:
      return din == NULL
             || st_cuda_dropout_backward (q, din, dout, cb->bytes + p->byte_off, g->alpha,
                                          count, add, error);
    case ST_OP_BATCHNORM2D:
      {
        const float *mean = cb->bn_stats + (gsize) p->bn_index * 2 * cb->bn_max_c;

        return st_cuda_batchnorm2d_backward (q, din, param (cb, grads, op->weight),
                                             param (cb, grads, op->bias), dout, in,
                                             param (cb, cb->params, op->weight), mean,
                                             mean + cb->bn_max_c, cb->dscratch, n, g->c, p->hw,
                                             add, error);
      }
    case ST_OP_CONCAT:
      /* Each input with its own mode, in input order, as the CPU. */
      for (int i = 0, offset = 0; i < op->n_inputs; offset += p->channels[i], i++)
        if (wants_grad (cb, op->inputs[i].value)
            && !st_cuda_concat_backward (q, dact (cb, op->inputs[i].value), dout, n,
                                         p->channels[i], offset, g->oc, (gsize) g->oh * g->ow,
                                         op->inputs[i].grad_mode == ST_GRAD_ADD, error))
          return FALSE;
      return TRUE;
    case ST_OP_ADD:
      for (int i = 0; i < 2; i++)
        if (wants_grad (cb, op->inputs[i].value)
            && !st_cuda_accumulate (q, dact (cb, op->inputs[i].value), dout,
                                    (gsize) n * p->out_numel,
                                    op->inputs[i].grad_mode == ST_GRAD_ADD, error))
          return FALSE;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static gboolean
forward (CudaBackend *cb, int n, gboolean train, GError **error)
{
  for (guint o = 0; o < cb->net->n_ops; o++)
    if (!forward_op (cb, o, n, train, error))
      return FALSE;
  return TRUE;
}

/* Parameter gradients are zeroed once per step, then accumulate (core/net.h). */
static gboolean
backward (CudaBackend *cb, int n, GError **error)
{
  if (cb->net->n_params > 0)
    ST_CUDA_CHECK (cudaMemsetAsync (cb->grads, 0, sizeof (float) * cb->net->n_params,
                                    cb->q.stream), error);
  for (guint o = cb->net->n_ops; o-- > 0;)
    if (!backward_op (cb, o, n, error))
      return FALSE;
  return TRUE;
}

/* The loss of the batch into `totals`, and the gradient of the output when asked. Scales
 * as cpu-backend.c's loss_op: 1/N for CrossEntropy, 1/(N·S) for BCE and MSE, whose loss
 * (the mean over every element, PyTorch's reduction='mean') is divided by S. */
static gboolean
run_loss (CudaBackend *cb, int n, StCudaTotals *totals, gboolean grad, gboolean train,
          gboolean reset, GError **error)
{
  const int v = cb->net->output;
  const gsize S = cb->net->values[v].numel;
  StCudaLoss kind = cb->setup.loss == ST_LOSS_BCE ? ST_CUDA_LOSS_BCE
                    : cb->setup.loss == ST_LOSS_MSE ? ST_CUDA_LOSS_MSE
                    : ST_CUDA_LOSS_CROSS_ENTROPY;
  float scale = 1.0f / n;
  double divisor = 1.0;

  if (kind != ST_CUDA_LOSS_CROSS_ENTROPY)
    {
      scale = scale / S;
      divisor = S;
    }
  return st_cuda_loss (&cb->q, kind, cb->ex_loss, cb->ex_correct, grad ? dact (cb, v) : NULL,
                       act (cb, v), cb->labels, n, (int) S, scale, error)
         && st_cuda_loss_reduce (&cb->q, totals, cb->ex_loss, cb->ex_correct, n, divisor, train,
                                 reset, error);
}

static gboolean
run_update (CudaBackend *cb, GError **error)
{
  const StOptimConfig *c = &cb->setup.optim;
  const gsize n = cb->net->n_params;
  double bc1, bc2;

  if (n == 0)
    return TRUE;
  if (c->type == ST_OPTIM_SGD)
    return st_cuda_sgd (&cb->q, cb->params, cb->grads, cb->optim_m, n, (float) c->lr,
                        (float) c->weight_decay, (float) c->momentum,
                        1.0f - (float) c->dampening, c->nesterov, cb->step == 1, error);
  bc1 = 1.0 - pow (c->betas[0], (double) cb->step);
  bc2 = 1.0 - pow (c->betas[1], (double) cb->step);
  return st_cuda_adam (&cb->q, cb->params, cb->grads, cb->optim_m, cb->optim_v, n,
                       (float) c->betas[0], (float) c->betas[1], (float) c->eps,
                       (float) c->weight_decay, (float) c->lr, (float) (c->lr / bc1),
                       (float) sqrt (bc2), c->type == ST_OPTIM_ADAMW, error);
}

/* ---- steps ---------------------------------------------------------------------------- */

static gboolean
check_batch (CudaBackend *cb, const DeviceData *data, const guint32 *idx, int n, GError **error)
{
  if (data->images == NULL)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "the CUDA backend has no datasets yet (set_data was not called)");
      return FALSE;
    }
  if (n < 1 || n > cb->B)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "a batch of %d examples; this run was prepared for 1 to %d", n, cb->B);
      return FALSE;
    }
  /* prepare may have come again, for another net, after set_data */
  if ((gsize) data->c * data->h * data->w != cb->net->values[0].numel)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "dataset %s has %d×%d×%d images; the model takes %" G_GSIZE_FORMAT
                   " values per example", data->name, data->c, data->h, data->w,
                   cb->net->values[0].numel);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    if (idx[i] >= data->n)
      {
        g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                     "example %u is not in %s (it has %" G_GINT64_FORMAT ")", idx[i],
                     data->name, data->n);
        return FALSE;
      }
  return TRUE;
}

/* The batch's indices go through the next pinned slot (waiting only if that slot's copy,
 * IDX_RING steps old, has not run yet); then the device gathers and normalises. */
static gboolean
load_batch (CudaBackend *cb, const DeviceData *data, const guint32 *idx, int n, GError **error)
{
  const int slot = cb->idx_slot;
  guint32 *host = cb->idx_host + (gsize) slot * cb->B;

  ST_CUDA_CHECK (cudaEventSynchronize (cb->idx_done[slot]), error);
  memcpy (host, idx, sizeof (guint32) * n);
  ST_CUDA_CHECK (cudaMemcpyAsync (cb->idx, host, sizeof (guint32) * n, cudaMemcpyHostToDevice,
                                  cb->q.stream), error);
  ST_CUDA_CHECK (cudaEventRecord (cb->idx_done[slot], cb->q.stream), error);
  cb->idx_slot = (slot + 1) % IDX_RING;
  return st_cuda_gather_normalize (&cb->q, cb->acts, cb->labels, data->images, data->labels,
                                   cb->idx, n, data->c, (gsize) data->h * data->w, cb->lut,
                                   error);
}

/* Adds the oldest snapshot to `ready`; waits for it if its step has not finished. */
static gboolean
harvest_oldest (CudaBackend *cb, GError **error)
{
  const int slot = cb->snap_head;
  const StCudaTotals *t = &cb->snap_host[slot];

  ST_CUDA_CHECK (cudaEventSynchronize (cb->snap_done[slot]), error);
  cb->ready.loss_sum += t->loss_sum;
  cb->ready.correct += (gint64) t->correct;
  cb->ready.examples += cb->snap_examples[slot];
  if (t->steps > 0)
    {
      cb->ready.steps += (gint64) t->steps;
      cb->ready.last_loss = t->last_loss;
    }
  cb->snap_head = (slot + 1) % SNAP_RING;
  cb->snap_count--;
  return TRUE;
}

/* The running totals into the next pinned snapshot, then zeroed; all on the stream. */
static gboolean
issue_snapshot (CudaBackend *cb, GError **error)
{
  int slot;

  if (cb->snap_count == SNAP_RING && !harvest_oldest (cb, error))
    return FALSE;
  slot = (cb->snap_head + cb->snap_count) % SNAP_RING;
  ST_CUDA_CHECK (cudaMemcpyAsync (&cb->snap_host[slot], &cb->totals[0], sizeof (StCudaTotals),
                                  cudaMemcpyDeviceToHost, cb->q.stream), error);
  ST_CUDA_CHECK (cudaMemsetAsync (&cb->totals[0], 0, sizeof (StCudaTotals), cb->q.stream),
                 error);
  ST_CUDA_CHECK (cudaEventRecord (cb->snap_done[slot], cb->q.stream), error);
  cb->snap_examples[slot] = cb->unsnapped_examples;
  cb->unsnapped_examples = 0;
  cb->snap_count++;
  return TRUE;
}

static gboolean
cuda_train_step (StBackend *be, const guint32 *idx, int n, guint64 seed, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;

  if (!begin (cb, error) || not_prepared (cb, error)
      || !check_batch (cb, &cb->train, idx, n, error))
    return FALSE;
  if (cb->n_bn > 0 && n < 2)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "BatchNorm2d needs at least 2 examples per batch to train");
      return FALSE;
    }
  cb->job = JOB_TRAIN;
  cb->job_seed = seed;
  cb->step++;
  if (!load_batch (cb, &cb->train, idx, n, error) || !forward (cb, n, TRUE, error)
      || !run_loss (cb, n, &cb->totals[0], TRUE, TRUE, FALSE, error)
      || !backward (cb, n, error) || !run_update (cb, error))
    return FALSE;
  cb->unsnapped_examples += n;
  cb->jobs_since_take++;
  cb->last_job_train = TRUE;
  return issue_snapshot (cb, error);
}

static gboolean
cuda_evaluate (StBackend *be, StSplit split, const guint32 *idx, int n, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const DeviceData *data = split == ST_SPLIT_TRAIN ? &cb->train : &cb->test;

  if (!begin (cb, error) || not_prepared (cb, error) || !check_batch (cb, data, idx, n, error))
    return FALSE;
  cb->job = JOB_EVAL;
  if (!load_batch (cb, data, idx, n, error) || !forward (cb, n, FALSE, error)
      || !run_loss (cb, n, &cb->totals[0], FALSE, FALSE, FALSE, error))
    return FALSE;
  cb->unsnapped_examples += n;
  cb->jobs_since_take++;
  cb->last_job_train = FALSE;
  return TRUE;
}

static gboolean
cuda_compute (StBackend *be, const float *x, const guint8 *labels, int n, float *out,
              double *loss, float *grads, float *dx, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const StNet *net = cb->net;
  const gboolean grad = grads != NULL || dx != NULL;
  StCudaTotals totals;
  gsize K, in_numel;
  cudaStream_t s = cb->q.stream;

  if (!begin (cb, error) || not_prepared (cb, error))
    return FALSE;
  if (n < 1 || n > cb->B)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "a batch of %d examples; this run was prepared for 1 to %d", n, cb->B);
      return FALSE;
    }
  K = net->values[net->output].numel;
  in_numel = net->values[0].numel;
  cb->job = JOB_COMPUTE;
  cb->job_seed = 0;
  cb->job_dx = dx != NULL;
  ST_CUDA_CHECK (cudaMemcpyAsync (cb->acts, x, sizeof (float) * n * in_numel,
                                  cudaMemcpyHostToDevice, s), error);
  ST_CUDA_CHECK (cudaMemcpyAsync (cb->labels, labels, n, cudaMemcpyHostToDevice, s), error);
  if (!forward (cb, n, TRUE, error)
      || !run_loss (cb, n, &cb->totals[1], grad, FALSE, TRUE, error)
      || (grad && !backward (cb, n, error)))
    return FALSE;
  ST_CUDA_CHECK (cudaMemcpyAsync (&totals, &cb->totals[1], sizeof totals, cudaMemcpyDeviceToHost,
                                  s), error);
  if (out != NULL)
    ST_CUDA_CHECK (cudaMemcpyAsync (out, act (cb, net->output), sizeof (float) * n * K,
                                    cudaMemcpyDeviceToHost, s), error);
  if (grads != NULL && net->n_params > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (grads, cb->grads, sizeof (float) * net->n_params,
                                    cudaMemcpyDeviceToHost, s), error);
  if (dx != NULL)
    ST_CUDA_CHECK (cudaMemcpyAsync (dx, dact (cb, 0), sizeof (float) * n * in_numel,
                                    cudaMemcpyDeviceToHost, s), error);
  ST_CUDA_CHECK (cudaStreamSynchronize (s), error);
  if (loss != NULL)
    *loss = totals.loss_sum / n;
  return TRUE;
}

static gboolean
cuda_apply_update (StBackend *be, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;

  if (!begin (cb, error) || not_prepared (cb, error))
    return FALSE;
  cb->step++;
  return run_update (cb, error);
}

/* Every snapshot but the newest, or all of them (after taking one of the work since) when
 * the caller wants totals: see the top of this file. A device failure here cannot be
 * returned: the metrics come back NaN, and the next entry reports the error. */
static void
cuda_take_metrics (StBackend *be, StMetrics *out)
{
  CudaBackend *cb = (CudaBackend *) be;
  const gboolean final = cb->jobs_since_take == 0 || !cb->last_job_train;
  GError *error = NULL;
  gboolean ok = TRUE;

  if (cb->arena != NULL && cb->deferred == NULL)
    {
      if (final && cb->unsnapped_examples > 0)
        ok = issue_snapshot (cb, &error);
      while (ok && cb->snap_count > (final ? 0 : 1))
        ok = harvest_oldest (cb, &error);
    }
  *out = cb->ready;
  if (!ok)
    {
      out->loss_sum = out->last_loss = NAN;
      cb->deferred = error;
    }
  memset (&cb->ready, 0, sizeof cb->ready);
  cb->ready.last_loss = NAN;
  cb->jobs_since_take = 0;
}

static gboolean
cuda_snapshot (StBackend *be, StSplit split, gint64 example, const int *values, int n_values,
               float **out, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const DeviceData *data = split == ST_SPLIT_TRAIN ? &cb->train : &cb->test;
  guint32 idx = (guint32) example;

  if (!begin (cb, error) || not_prepared (cb, error))
    return FALSE;
  if (data->images == NULL || example < 0 || example >= data->n)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   "image %" G_GINT64_FORMAT " is not in %s (0 to %" G_GINT64_FORMAT ")",
                   example, data->name != NULL ? data->name : "the data", data->n - 1);
      return FALSE;
    }
  if (!check_batch (cb, data, &idx, 1, error))
    return FALSE;
  for (int i = 0; i < n_values; i++)
    g_return_val_if_fail (values[i] >= 0 && (guint) values[i] < cb->net->n_values, FALSE);
  cb->job = JOB_SNAPSHOT;
  if (!load_batch (cb, data, &idx, 1, error) || !forward (cb, 1, FALSE, error))
    return FALSE;
  for (int i = 0; i < n_values; i++)
    ST_CUDA_CHECK (cudaMemcpyAsync (out[i], act (cb, values[i]),
                                    sizeof (float) * cb->net->values[values[i]].numel,
                                    cudaMemcpyDeviceToHost, cb->q.stream), error);
  ST_CUDA_CHECK (cudaStreamSynchronize (cb->q.stream), error);
  return TRUE;
}

static gboolean
cuda_supports (StBackend *be, StOpKind kind)
{
  return kind < ST_N_OPS;
}

static void
cuda_destroy (StBackend *be)
{
  CudaBackend *cb = (CudaBackend *) be;

  cudaSetDevice (cb->device);
  release_run (cb);
  release_data (cb);
  g_clear_pointer (&cb->snap_host, cudaFreeHost);
  for (int i = 0; i < IDX_RING; i++)
    g_clear_pointer (&cb->idx_done[i], cudaEventDestroy);
  for (int i = 0; i < SNAP_RING; i++)
    g_clear_pointer (&cb->snap_done[i], cudaEventDestroy);
  g_clear_pointer (&cb->q.blas, cublasDestroy);
  g_clear_pointer (&cb->q.stream, cudaStreamDestroy);
  cudaGetLastError ();
  g_clear_error (&cb->deferred);
  g_free (cb->gpu_name);
  g_free (be->description);
  g_free (cb);
}

static const StBackendClass cuda_class = {
  .name = "cuda",
  .supports = cuda_supports,
  .prepare = cuda_prepare,
  .set_data = cuda_set_data,
  .write_state = cuda_write_state,
  .read_state = cuda_read_state,
  .train_step = cuda_train_step,
  .evaluate = cuda_evaluate,
  .compute = cuda_compute,
  .apply_update = cuda_apply_update,
  .take_metrics = cuda_take_metrics,
  .snapshot = cuda_snapshot,
  .destroy = cuda_destroy,
};

/* ---- the module's entry points -------------------------------------------------------- */

static gboolean
probe (int *device, struct cudaDeviceProp *prop, GError **error)
{
  int count = 0;
  cudaError_t err = cudaGetDeviceCount (&count);

  if (err == cudaErrorInsufficientDriver)
    {
      cudaGetLastError ();
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE,
                   "CUDA is not available: no driver, or one too old for this build "
                   "(CUDA %d.%d): %s", CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10,
                   cudaGetErrorString (err));
      return FALSE;
    }
  if (err == cudaErrorNoDevice || (err == cudaSuccess && count == 0))
    {
      cudaGetLastError ();
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE, "CUDA is not available: no device");
      return FALSE;
    }
  if (err != cudaSuccess)
    {
      cudaGetLastError ();
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE,
                   "CUDA is not available: %s (%s)", cudaGetErrorString (err),
                   cudaGetErrorName (err));
      return FALSE;
    }
  *device = 0;
  ST_CUDA_CHECK (cudaGetDeviceProperties (prop, *device), error);
  if (prop->major < 9)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE,
                   "CUDA is not available: %s has compute capability %d.%d; this build runs on "
                   "9.0 (sm_90) and newer", prop->name, prop->major, prop->minor);
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_device (CudaBackend *cb, GError **error)
{
  ST_CUDA_CHECK (cudaSetDevice (cb->device), error);
  ST_CUDA_CHECK (cudaStreamCreateWithFlags (&cb->q.stream, cudaStreamNonBlocking), error);
  ST_CUBLAS_CHECK (cublasCreate (&cb->q.blas), error);
  ST_CUBLAS_CHECK (cublasSetStream (cb->q.blas, cb->q.stream), error);
  /* Plain float32 GEMMs: no TF32 tensor-core shortcuts, so results stay within float
   * rounding of the CPU's. */
  ST_CUBLAS_CHECK (cublasSetMathMode (cb->q.blas, CUBLAS_DEFAULT_MATH), error);
  for (int i = 0; i < IDX_RING; i++)
    ST_CUDA_CHECK (cudaEventCreateWithFlags (&cb->idx_done[i], cudaEventDisableTiming), error);
  for (int i = 0; i < SNAP_RING; i++)
    ST_CUDA_CHECK (cudaEventCreateWithFlags (&cb->snap_done[i], cudaEventDisableTiming), error);
  ST_CUDA_CHECK (cudaHostAlloc ((void **) &cb->snap_host, sizeof (StCudaTotals) * SNAP_RING,
                                cudaHostAllocDefault), error);
  return TRUE;
}

G_MODULE_EXPORT StBackend *
st_cuda_backend_new (GError **error)
{
  struct cudaDeviceProp prop;
  CudaBackend *cb;
  int device;

  if (!probe (&device, &prop, error))
    return NULL;
  cb = g_new0 (CudaBackend, 1);
  cb->parent.klass = &cuda_class;
  cb->device = device;
  cb->gpu_name = g_strdup (prop.name);
  cb->parent.description = g_strdup_printf ("CUDA, %s, %.0f GiB", prop.name,
                                            prop.totalGlobalMem / (1024.0 * MIB));
  cb->ready.last_loss = NAN;
  if (!open_device (cb, error))
    {
      cuda_destroy (&cb->parent);
      return NULL;
    }
  return &cb->parent;
}

G_MODULE_EXPORT gboolean
st_cuda_memory_info (guint64 *free_bytes, guint64 *total_bytes)
{
  size_t f = 0, t = 0;

  if (cudaMemGetInfo (&f, &t) != cudaSuccess)
    {
      cudaGetLastError ();
      return FALSE;
    }
  if (free_bytes != NULL)
    *free_bytes = f;
  if (total_bytes != NULL)
    *total_bytes = t;
  return TRUE;
}
