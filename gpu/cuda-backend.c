/* cuda-backend.c: the backend table on one CUDA device — the CPU backend's semantics
 * (core/engine/cpu-backend.c is the reference), with the work on one stream.
 *
 * Everything a run touches lives on the device, carved from ONE allocation sized in
 * prepare for B = batch_size examples of training and E = eval_batch_size (≥ B) of
 * evaluation — values, caches, labels and indices hold E, gradients B; E falls back to B
 * where it would take more than half the free memory — so a batch that does not fit is
 * refused up front, and destroy frees everything at once:
 *   params, buffers, grads   the net's tensor table: one block each (grads: one, zeroed
 *                            once per step; parameter gradients accumulate, net.h)
 *   optim_m, optim_v         SGD's momentum buffer, Adam's moments (when the optimizer has them)
 *   acts, dacts              value v at value_off[v], (E, numel_v), its gradient at
 *                            dvalue_off[v], (B, numel_v); value 0 is the input batch
 *   bytes                    the ops' caches, (E, net->cache_bytes): each op's region at
 *                            StOpPlan.cache_off·E (max-pool argmax, dropout mask)
 *   scratch                  the largest convolution's im2col workspace for one chunk
 *   dscratch                 BatchNorm backward's per-channel double sums
 *   partials                 the tiles of the two-stage reductions (bias gradients, BatchNorm,
 *                            PReLU, the loss), the largest any op needs
 *   blas_workspace           cuBLAS's, so that a captured GEMM allocates nothing
 *   step_values              the running job's StCudaStep (cuda-ops.h)
 *   bn_stats                 (n_batchnorm, 2, batchnorm_max_c): each BatchNorm's batch
 *                            mean and invstd (StOpPlan.bn_index)
 *   labels, idx              the batch's labels; an evaluation's example indices
 *   draws                    each training example's augmentation, drawn on the device
 *   totals                   [0] the running metrics, [1] compute's loss
 * The datasets are uploaded once (set_data) as uint8 images and labels with the
 * normalisation table, and the epoch's order of the training set once per epoch
 * (set_order, asynchronously from pinned memory): a training step sends nothing, its
 * kernels read its run of the order on the device, gather, normalise and augment there
 * with the step's seed. An evaluation sends its indices (≤ B × 4 bytes, through a ring of
 * pinned buffers, asynchronously).
 *
 * A training step enqueues transform, forward, loss, backward and the optimizer — captured
 * once per batch size as a CUDA graph and replayed (cuda-run.c) — and returns without
 * waiting. Metrics accumulate on the device; every ST_CUDA_METRICS_EVERY training steps they
 * are copied into a ring of pinned snapshots (and zeroed), and take_metrics hands over every
 * snapshot but the newest: the numbers arrive a snapshot late, and waiting on a snapshot
 * waits for steps that have already been overtaken. take_metrics waits for the
 * newest work only when the caller asks for totals: when nothing ran since its last call
 * (the end of an epoch) or the last job was an evaluation. The only other waits in a step
 * are on ring slots that are IDX_RING or SNAP_RING steps old (they bound how far the host
 * runs ahead); train_step never synchronises the stream.
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-context.h"

#include <gmodule.h>
#include <math.h>
#include <string.h>

#include "core/data/transform.h"
#include "core/io/i18n.h"

#define ARENA_ALIGN   256
/* The most floats one convolution's im2col pass should take (256 MiB); larger batches are
 * cut into chunks (of one example at least). */
#define CONV_SCRATCH_FLOATS ((gsize) 64 << 20)

/* ---- the arena ------------------------------------------------------------------------ */

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
  st_cuda_drop_graphs (cb);
  if (cb->q.blas != NULL)
    cublasSetWorkspace (cb->q.blas, NULL, 0);
  g_clear_pointer (&cb->arena, cudaFree);
  g_clear_pointer (&cb->idx_host, cudaFreeHost);
  for (guint o = 0; cb->plans != NULL && o < cb->n_plans; o++)
    g_free (cb->plans[o].why);
  g_clear_pointer (&cb->plans, g_free);
  cb->n_plans = 0;
  g_clear_pointer (&cb->value_off, g_free);
  g_clear_pointer (&cb->dvalue_off, g_free);
  cb->arena_bytes = 0;
  cb->parent.eval_batch = 0;
  cb->net = NULL;
  cb->snap_head = cb->snap_count = 0;
  cb->unsnapped_examples = 0;
  cb->unsnapped_steps = 0;
  cb->jobs_since_take = 0;
  cb->last_job_train = FALSE;
  memset (&cb->ready, 0, sizeof cb->ready);
  cb->ready.last_loss = NAN;
}

/* Each op's kernel geometry, and the workspaces the largest of them needs: the sizes,
 * caches and BatchNorm slots are the net's plan (StOp.plan), its geometry checked when it
 * compiled. A convolution runs im2col in chunks of examples that fit the scratch and the int
 * dimensions of cuBLAS. */
static gboolean
kernel_plan (CudaBackend *cb, gsize *scratch, gsize *dscratch, gsize *partials,
             GError **error)
{
  const StNet *net = cb->net;

  *scratch = 0;
  *dscratch = 1;
  /* the loss's blocks; the op's tiles below (the most at the full batch) */
  *partials = st_cuda_loss_partial (cb->B);   /* and the evaluation's, in prepare */
  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];
      const StOpGeom *g = &op->g;
      const gsize hw = op->plan.hw;
      OpPlan *p = &cb->plans[o];

      p->g = (StCudaGeom) { .C = g->c, .H = g->h, .W = g->w, .OC = g->oc, .OH = g->oh,
                            .OW = g->ow, .KH = g->kh, .KW = g->kw, .SH = g->sh, .SW = g->sw,
                            .PH = g->ph, .PW = g->pw, .DH = g->dh, .DW = g->dw };
      switch (op->kind)
        {
        case ST_OP_CONV2D:
          {
            /* about 3·(K + OC)·P floats per example of the chunk, and 2·OC·K for dw */
            gint64 K = (gint64) g->c * g->kh * g->kw, P = (gint64) g->oh * g->ow;
            gint64 per_example = 3 * (K + g->oc) * P + 2, widest = MAX (K, g->oc) * P;
            gint64 room = (gint64) CONV_SCRATCH_FLOATS - 2 * g->oc * K;
            gint64 chunk = MIN ((gint64) cb->B, room / per_example);

            chunk = MIN (MAX (chunk, 1), G_MAXINT / widest);
            if (chunk < 1)
              {
                g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                             _("layer %s: the %s geometry is invalid or too large for the GPU"),
                             op->path, op->name);
                return FALSE;
              }
            p->chunk = (int) chunk;
            *scratch = MAX (*scratch, st_cuda_conv2d_scratch_floats (&p->g, p->chunk));
            *partials = MAX (*partials, st_cuda_conv2d_partial_doubles (
                                          &p->g, cb->B,
                                          st_cuda_conv_try_direct_weights (&p->g)
                                          ? ST_CUDA_CONV_DIRECT : ST_CUDA_CONV_IM2COL));
          }
          break;
        case ST_OP_ADAPTIVEAVGPOOL2D:
          p->g.OC = g->c;
          break;
        case ST_OP_BATCHNORM2D:
          *dscratch = MAX (*dscratch, 2 * (gsize) g->c);
          *partials = MAX (*partials, 2 * (gsize) g->c * st_cuda_reduce_tiles (cb->B, g->c, hw));
          break;
        case ST_OP_PRELU:
          *partials = MAX (*partials, (gsize) g->c * st_cuda_reduce_tiles (cb->B, g->c, hw));
          break;
        case ST_OP_LINEAR:
          *partials = MAX (*partials, (gsize) g->oc * st_cuda_reduce_tiles (cb->B, g->oc, 1));
          break;
        default:
          break;
        }
    }
  return TRUE;
}

static gboolean
augmenting (const StAugmentConfig *a)
{
  return a->shift > 0 || a->rotation > 0.0 || a->horizontal_flip || a->crop_padding > 0;
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
  gsize scratch, dscratch, partials, free_bytes = 0;
  g_autofree char *what = NULL;
  int per_param;

  g_return_val_if_fail (net != NULL && setup != NULL, FALSE);

  if (!st_cuda_begin (cb, error))
    return FALSE;
  release_run (cb);
  if (setup->batch_size < 1)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL, _("batch size %d; it must be at least 1"),
                   setup->batch_size);
      return FALSE;
    }
  cb->net = net;
  cb->setup = *setup;
  cb->B = setup->batch_size;
  cb->step = 0;
  cb->augment = (StCudaAugment) { .shift = setup->augment.shift,
                                  .rotation = setup->augment.rotation,
                                  .horizontal_flip = setup->augment.horizontal_flip,
                                  .crop_padding = setup->augment.crop_padding };
  cb->augmenting = augmenting (&setup->augment);
  /* set_data checks them too, as the CPU backend does; a prepare after it must not slip
   * past. */
  if (!st_cuda_check_augment (&cb->augment, error))
    {
      release_run (cb);
      return FALSE;
    }

  cb->plans = g_new0 (OpPlan, MAX (net->n_ops, 1));
  cb->n_plans = net->n_ops;
  if (!kernel_plan (cb, &scratch, &dscratch, &partials, error))
    {
      release_run (cb);
      return FALSE;
    }
  st_cuda_plan_fusion (cb);
  cb->value_off = g_new (gsize, net->n_values);
  cb->dvalue_off = g_new (gsize, net->n_values);
  /* as st_optim_state_per_param (core/ops/optim.c) */
  per_param = cb->setup.optim.type == ST_OPTIM_SGD ? (cb->setup.optim.momentum != 0.0 ? 1 : 0)
                                                   : 2;
  /* The evaluation's batch as asked; where that does not fit, the training batch's. */
  cb->E = MAX (cb->B, setup->eval_batch_size);
  for (;;)
    {
      const gsize B = cb->B, E = cb->E, P = net->n_params;
      gsize acts = 0, dacts = 0;

      for (guint v = 0; v < net->n_values; v++)
        {
          cb->value_off[v] = acts;
          cb->dvalue_off[v] = dacts;
          acts = add_sat (acts, mul_sat (net->values[v].numel, E));
          dacts = add_sat (dacts, mul_sat (net->values[v].numel, B));
        }
      {
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
          { (void **) &cb->dacts, mul_sat (dacts, sizeof (float)) },
          { (void **) &cb->bytes, mul_sat (net->cache_bytes, E) },
          { (void **) &cb->scratch, mul_sat (scratch, sizeof (float)) },
          { (void **) &cb->dscratch, mul_sat (dscratch, sizeof (double)) },
          { (void **) &cb->partials,
            mul_sat (MAX (partials, st_cuda_loss_partial (cb->E)), sizeof (double)) },
          { (void **) &cb->blas_workspace, BLAS_WORKSPACE },
          { (void **) &cb->step_values, sizeof (StCudaStep) },
          { (void **) &cb->bn_stats,
            (gsize) net->n_batchnorm * 2 * net->batchnorm_max_c * sizeof (float) },
          { (void **) &cb->labels, E },
          { (void **) &cb->idx, E * sizeof (guint32) },
          { (void **) &cb->draws, B * sizeof (StCudaDraw) },
          { (void **) &cb->totals, 2 * sizeof (StCudaTotals) },
        };
        gsize offset = 0, total = 0;
        cudaError_t err = cudaErrorMemoryAllocation;

        for (gsize r = 0; r < G_N_ELEMENTS (regions); r++)
          total = add_sat (total, align_up (regions[r].bytes));
        /* the evaluation's larger batch only where it leaves half the free memory to
         * others (the window's evaluators, a second run) */
        if (st_cuda_free_memory (&free_bytes)
            && total <= (cb->E > cb->B ? free_bytes / 2 : free_bytes))
          err = cudaMalloc (&cb->arena, total);
        if (err != cudaSuccess)
          {
            cudaGetLastError ();
            cb->arena = NULL;
            if (cb->E > cb->B)
              {
                cb->E = cb->B;
                continue;
              }
            what = g_strdup_printf (_("batch %d"), cb->B);
            st_cuda_memory_error (cb, error, what, total);
            release_run (cb);
            return FALSE;
          }
        cb->arena_bytes = total;
        for (gsize r = 0; r < G_N_ELEMENTS (regions); r++)
          {
            *regions[r].ptr = regions[r].bytes > 0 ? (guint8 *) cb->arena + offset : NULL;
            offset += align_up (regions[r].bytes);
          }
        break;
      }
    }
  be->eval_batch = cb->E;
  {
    cublasStatus_t status = cublasSetWorkspace (cb->q.blas, cb->blas_workspace,
                                                BLAS_WORKSPACE);

    if (status != CUBLAS_STATUS_SUCCESS)
      {
        st_cublas_fail (error, status, "cublasSetWorkspace", G_STRLOC);
        release_run (cb);
        return FALSE;
      }
  }
  /* The convolutions' trials run on the arena (with cuBLAS's workspace in place; zeroed
   * first, so that they read no uninitialised memory); then it is zeroed again, as the
   * CPU's g_try_malloc0: buffers and optimizer state start at 0. */
  if (!zero_arena (cb, error) || !st_cuda_plan_convs (cb, error) || !zero_arena (cb, error))
    {
      release_run (cb);
      return FALSE;
    }
  if (cudaHostAlloc ((void **) &cb->idx_host, sizeof (guint32) * IDX_RING * cb->E,
                     cudaHostAllocDefault) != cudaSuccess)
    {
      cudaGetLastError ();
      cb->idx_host = NULL;
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("batch %d: %.1f MiB of pinned host memory for the indices could not be had"),
                   cb->E, sizeof (guint32) * IDX_RING * cb->E / MIB);
      release_run (cb);
      return FALSE;
    }
  return TRUE;
}

/* ---- state ---------------------------------------------------------------------------- */

static gboolean
cuda_write_state (StBackend *be, const float *params, const float *buffers,
                  const float *optim_state, gint64 step, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const gsize n = cb->net != NULL ? cb->net->n_params : 0;
  cudaStream_t s = cb->q.stream;

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
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

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
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

static gboolean
cuda_read_grads (StBackend *be, float *grads, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
    return FALSE;
  if (cb->net->n_params > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (grads, cb->grads, sizeof (float) * cb->net->n_params,
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
  st_cuda_release_data (cb);
  g_clear_pointer (&cb->snap_host, cudaFreeHost);
  for (int i = 0; i < IDX_RING; i++)
    g_clear_pointer (&cb->idx_done[i], cudaEventDestroy);
  g_clear_pointer (&cb->order_done, cudaEventDestroy);
  for (int i = 0; i < SNAP_RING; i++)
    g_clear_pointer (&cb->snap_done[i], cudaEventDestroy);
  g_clear_pointer (&cb->q.blas, cublasDestroy);
  g_clear_pointer (&cb->q.stream, cudaStreamDestroy);
  cudaGetLastError ();
  g_clear_error (&cb->deferred);
  st_cuda_conv_cache_free (cb);
  g_free (cb->gpu_name);
  g_free (be->description);
  g_free (cb);
}

static const StBackendClass cuda_class = {
  .name = "cuda",
  .supports = cuda_supports,
  .prepare = cuda_prepare,
  .set_data = st_cuda_set_data,
  .write_state = cuda_write_state,
  .read_state = cuda_read_state,
  .read_grads = cuda_read_grads,
  .set_order = st_cuda_set_order,
  .train_step = st_cuda_train_step,
  .evaluate = st_cuda_evaluate,
  .compute = st_cuda_compute,
  .apply_update = st_cuda_apply_update,
  .take_metrics = st_cuda_take_metrics,
  .snapshot = st_cuda_snapshot,
  .profile_step = st_cuda_profile_step,
  .describe_plan = st_cuda_describe_plan,
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
                   _("CUDA is not available: no driver, or one too old for this build "
                     "(CUDA %d.%d): %s"), CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10,
                   cudaGetErrorString (err));
      return FALSE;
    }
  if (err == cudaErrorNoDevice || (err == cudaSuccess && count == 0))
    {
      cudaGetLastError ();
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE, _("CUDA is not available: no device"));
      return FALSE;
    }
  if (err != cudaSuccess)
    {
      cudaGetLastError ();
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("CUDA is not available: %s (%s)"), cudaGetErrorString (err),
                   cudaGetErrorName (err));
      return FALSE;
    }
  *device = 0;
  ST_CUDA_CHECK (cudaGetDeviceProperties (prop, *device), error);
  if (prop->major < 9)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("CUDA is not available: %s has compute capability %d.%d; this build runs on "
                     "9.0 (sm_90) and newer"), prop->name, prop->major, prop->minor);
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
  ST_CUDA_CHECK (cudaEventCreateWithFlags (&cb->order_done, cudaEventDisableTiming), error);
  for (int i = 0; i < SNAP_RING; i++)
    ST_CUDA_CHECK (cudaEventCreateWithFlags (&cb->snap_done[i], cudaEventDisableTiming), error);
  ST_CUDA_CHECK (cudaHostAlloc ((void **) &cb->snap_host, sizeof (StCudaTotals) * SNAP_RING,
                                cudaHostAllocDefault), error);
  return TRUE;
}

G_MODULE_EXPORT guint64
st_cuda_interface_version (void)
{
  return ST_BACKEND_INTERFACE_VERSION;
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
  cb->parent.description = g_strdup_printf (_("CUDA, %s, %.0f GiB"), prop.name,
                                            prop.totalGlobalMem / (1024.0 * MIB));
  cb->ready.last_loss = NAN;
  /* STRATA_CUDA_GRAPHS=0 launches every kernel of a step directly (for comparisons) */
  cb->use_graphs = g_strcmp0 (g_getenv ("STRATA_CUDA_GRAPHS"), "0") != 0;
  cb->use_fusion = g_strcmp0 (g_getenv ("STRATA_CUDA_FUSE"), "0") != 0;
  st_cuda_conv_cache_open (cb);
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
