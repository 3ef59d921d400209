/* cpu-backend.c: the backend table on the CPU — OpenBLAS for the GEMMs, one team of threads.
 *
 * A step runs as ONE parallel region. The batch is cut into T slices, one per member of the
 * team; each member transforms its examples, runs the whole tape forward and backward on its
 * slice, and accumulates parameter gradients into its own block (OpenBLAS is single-threaded
 * here, so the members do not compete for cores). Barriers only where the batch must be seen
 * whole: BatchNorm's statistics (forward and backward), and the end of backward, after which
 * each member sums the T gradient blocks over its own range of parameters, in member order,
 * and applies the optimizer to that range. No allocation, lock or system call per step.
 *
 * Arena (sized once in prepare, for B = batch_size examples):
 *   acts   value v at acts + value_off[v], (B, numel_v) — value 0 is the input batch
 *   dacts  the gradient of each value, same layout
 *   bytes  per-op caches: max-pool argmax (B, OC·OH·OW) gint32, dropout mask (B, S) bytes
 *   grads  T blocks of n_params; block 0 also holds the reduced gradient
 *   scratch  per member, the largest conv scratch
 */
#define G_LOG_DOMAIN "strata-cpu"

#include "core/engine/cpu-backend-private.h"
#include "core/engine/plan-line.h"
#include "core/io/i18n.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/ops/optim.h"

/* ---- one member's work --------------------------------------------------------------- */

static void
load_examples (CpuBackend *cb, int first, int count)
{
  gsize in_numel = cb->net->values[0].numel;
  const StDataset *data = cb->job_data;
  gboolean augment = cb->job == JOB_TRAIN;

  for (int i = first; i < first + count; i++)
    {
      guint32 e = cb->job_idx[i];
      StAugmentDraw draw;

      if (augment)
        st_transform_draw_at (&draw, &cb->plan, cb->job_seed, (guint64) i);
      st_transform_example (cb->acts + (gsize) i * in_numel, st_dataset_image (data, e),
                            &cb->plan, augment ? &draw : NULL);
      cb->labels[i] = data->labels[e];
    }
}

/* Sums the members' gradient blocks over this member's range of parameters, in member
 * order, into block 0. */
static void
reduce_grads (CpuBackend *cb, int member, int n_members, gsize *p0, gsize *p1)
{
  const StNet *net = cb->net;

  st_split_range (net->n_params, member, n_members, p0, p1);
  for (int t = 1; t < n_members; t++)
    {
      const float *g = cb->grads + (gsize) t * net->n_params;
      for (gsize i = *p0; i < *p1; i++)
        cb->grads[i] += g[i];
    }
}

static void
member_step (gpointer data, int member, int n_members)
{
  CpuBackend *cb = data;
  const StNet *net = cb->net;
  gsize first, end, p0, p1;
  int n;

  if (cb->job == JOB_UPDATE)
    {
      st_split_range (net->n_params, member, n_members, &p0, &p1);
      st_optim_update (&cb->setup.optim, cb->params, cb->grads, cb->optim_m, cb->optim_v,
                       cb->step, p0, p1);
      return;
    }

  st_split_range (cb->job_n, member, n_members, &first, &end);
  n = end - first;

  if (n > 0 && cb->job == JOB_COMPUTE)
    {
      gsize in_numel = net->values[0].numel;
      memcpy (cb->acts + first * in_numel, cb->job_x + first * in_numel,
              sizeof (float) * n * in_numel);
      memcpy (cb->labels + first, cb->job_labels + first, n);
    }
  else if (n > 0)
    load_examples (cb, first, n);
  for (guint o = 0; o < net->n_ops; o++)
    {
      /* BatchNorm meets at barriers, so even an empty slice walks the tape. */
      if (n > 0 || net->ops[o].kind == ST_OP_BATCHNORM2D)
        st_cpu_forward_op (cb, &net->ops[o], &cb->plans[o], member, first, n);
    }
  cb->member_loss[member] = 0.0;
  cb->member_correct[member] = 0;
  if (n > 0)
    st_cpu_loss_op (cb, member, first, n);
  if (cb->job == JOB_EVAL || (cb->job == JOB_COMPUTE && !cb->job_backward))
    return;

  memset (cb->grads + (gsize) member * net->n_params, 0, sizeof (float) * net->n_params);
  for (guint o = net->n_ops; o-- > 0;)
    if (n > 0 || net->ops[o].kind == ST_OP_BATCHNORM2D)
      st_cpu_backward_op (cb, &net->ops[o], &cb->plans[o], member, first, n);

  st_workers_barrier (cb->workers);
  reduce_grads (cb, member, n_members, &p0, &p1);
  if (cb->job == JOB_TRAIN)
    st_optim_update (&cb->setup.optim, cb->params, cb->grads, cb->optim_m, cb->optim_v,
                     cb->step, p0, p1);
}

static void
collect (CpuBackend *cb, gboolean train)
{
  double loss = 0.0;
  gint64 correct = 0;

  for (int t = 0; t < cb->T; t++)
    {
      loss += cb->member_loss[t];
      correct += cb->member_correct[t];
    }
  cb->metrics.loss_sum += loss;
  cb->metrics.correct += correct;
  cb->metrics.examples += cb->job_n;
  if (train)
    {
      cb->metrics.steps++;
      cb->metrics.last_loss = loss / cb->job_n;
    }
}

/* ---- the table ----------------------------------------------------------------------- */

static gboolean
cpu_supports (StBackend *be, StOpKind kind)
{
  return kind < ST_N_OPS;
}

static void
cpu_release (CpuBackend *cb)
{
  g_clear_pointer (&cb->plans, g_free);
  g_clear_pointer (&cb->params, g_free);
  g_clear_pointer (&cb->buffers, g_free);
  g_clear_pointer (&cb->grads, g_free);
  g_clear_pointer (&cb->optim_m, g_free);
  g_clear_pointer (&cb->optim_v, g_free);
  g_clear_pointer (&cb->value_off, g_free);
  g_clear_pointer (&cb->acts, g_free);
  g_clear_pointer (&cb->dacts, g_free);
  g_clear_pointer (&cb->bytes, g_free);
  g_clear_pointer (&cb->scratch, g_free);
  g_clear_pointer (&cb->targets, g_free);
  g_clear_pointer (&cb->labels, g_free);
  g_clear_pointer (&cb->bn_partial, g_free);
  g_clear_pointer (&cb->bn_stats, g_free);
  g_clear_pointer (&cb->member_loss, g_free);
  g_clear_pointer (&cb->member_correct, g_free);
}

/* g_try_malloc0 of count × size with the product checked; adds to *total. After one has
 * failed the rest are only counted, for the message: taking them would just press harder on
 * a machine that is already short of memory. */
static gpointer
try_alloc (gsize count, gsize size, gsize *total, gboolean *ok)
{
  gpointer p;

  if (count == 0)
    count = 1;
  if (size != 0 && count > G_MAXSIZE / size)
    {
      *ok = FALSE;
      return NULL;
    }
  *total += count * size;
  if (!*ok)
    return NULL;
  p = g_try_malloc0 (count * size);
  if (p == NULL)
    *ok = FALSE;
  return p;
}

/* Each op's kernel geometry (the net checked it when it compiled), and the most scratch
 * a member's convolution needs. */
static gboolean
kernel_geometry (CpuBackend *cb, gsize *scratch, GError **error)
{
  const StNet *net = cb->net;

  *scratch = 0;
  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];
      const StOpGeom *g = &op->g;
      OpPlan *p = &cb->plans[o];
      gboolean ok = TRUE;

      switch (op->kind)
        {
        case ST_OP_CONV2D:
          p->conv = (StConv2dGeom) { .C = g->c, .H = g->h, .W = g->w, .OC = g->oc, .KH = g->kh,
                                     .KW = g->kw, .SH = g->sh, .SW = g->sw, .PH = g->ph,
                                     .PW = g->pw, .DH = g->dh, .DW = g->dw };
          ok = st_conv2d_geom_init (&p->conv);
          *scratch = MAX (*scratch, st_conv2d_scratch_floats (&p->conv, 1));
          break;
        case ST_OP_MAXPOOL2D:
        case ST_OP_AVGPOOL2D:
          /* net.c leaves dh = dw = 1 for AvgPool2d, which has no dilation. */
          p->pool = (StPool2dGeom) { .C = g->c, .H = g->h, .W = g->w, .KH = g->kh, .KW = g->kw,
                                     .SH = g->sh, .SW = g->sw, .PH = g->ph, .PW = g->pw,
                                     .DH = g->dh, .DW = g->dw };
          ok = st_pool2d_geom_init (&p->pool);
          break;
        case ST_OP_ADAPTIVEAVGPOOL2D:
          p->apool = (StAdaptivePool2dGeom) { .C = g->c, .H = g->h, .W = g->w, .OH = g->oh,
                                              .OW = g->ow };
          ok = st_adaptive_pool2d_geom_init (&p->apool);
          break;
        default:
          break;
        }
      /* A net compiled by st_net_compile never gets here. */
      if (!ok)
        {
          g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                       _("layer %s: the %s geometry is invalid"), op->path, op->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
cpu_prepare (StBackend *be, const StNet *net, const StRunSetup *setup, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  gsize scratch, acts = 0, total = 0, params_total = 0;
  gboolean ok = TRUE, params_ok = TRUE;
  int per_param;

  cpu_release (cb);
  cb->net = net;
  cb->setup = *setup;
  cb->B = setup->batch_size;
  /* evaluations in batches of B: more examples at once would only take more memory here */
  be->eval_batch = cb->B;
  cb->step = 0;
  memset (&cb->metrics, 0, sizeof cb->metrics);
  cb->metrics.last_loss = NAN;

  cb->plans = g_new0 (OpPlan, net->n_ops);
  if (!kernel_geometry (cb, &scratch, error))
    return FALSE;

  cb->value_off = g_new (gsize, net->n_values);
  for (guint v = 0; v < net->n_values; v++)
    {
      cb->value_off[v] = acts;
      acts += net->values[v].numel * cb->B;
    }
  per_param = st_optim_state_per_param (&setup->optim);
  cb->scratch_per_member = scratch;
  cb->params = try_alloc (net->n_params, sizeof (float), &total, &ok);
  cb->buffers = try_alloc (net->n_buffers, sizeof (float), &total, &ok);
  cb->grads = try_alloc (net->n_params * cb->T, sizeof (float), &total, &ok);
  if (per_param >= 1)
    cb->optim_m = try_alloc (net->n_params, sizeof (float), &total, &ok);
  if (per_param >= 2)
    cb->optim_v = try_alloc (net->n_params, sizeof (float), &total, &ok);
  params_ok = ok;
  params_total = total;
  cb->acts = try_alloc (acts, sizeof (float), &total, &ok);
  cb->dacts = try_alloc (acts, sizeof (float), &total, &ok);
  cb->bytes = try_alloc (net->cache_bytes * cb->B, 1, &total, &ok);
  cb->scratch = try_alloc (scratch * cb->T, sizeof (float), &total, &ok);
  cb->targets = try_alloc (net->values[net->output].numel * cb->B, sizeof (float), &total, &ok);
  cb->labels = try_alloc (cb->B, 1, &total, &ok);
  cb->bn_partial = try_alloc ((gsize) cb->T * MAX (net->n_batchnorm, 1) * 2
                              * net->batchnorm_max_c, sizeof (double), &total, &ok);
  cb->bn_stats = try_alloc ((gsize) MAX (net->n_batchnorm, 1) * 2 * net->batchnorm_max_c,
                            sizeof (float), &total, &ok);
  cb->member_loss = g_new0 (double, cb->T);
  cb->member_correct = g_new0 (gint64, cb->T);
  if (!params_ok)
    {
      /* No batch size helps: the weights, their gradients and the optimizer's state
       * alone do not fit. */
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the model is too large for memory: its %zu parameters "
                     "need %.0f MiB for weights, gradients and optimizer state, at any batch "
                     "size"), net->n_params, params_total / (1024.0 * 1024.0));
      cpu_release (cb);
      return FALSE;
    }
  if (!ok)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("batch too large for memory: batch %d needs %.0f MiB for this model "
                     "(%.0f MiB of it for the parameters); try a smaller batch"),
                   cb->B, total / (1024.0 * 1024.0), params_total / (1024.0 * 1024.0));
      cpu_release (cb);
      return FALSE;
    }
  return TRUE;
}

static gboolean
cpu_set_data (StBackend *be, StDataset *train, StDataset *test, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  StTransform t;

  g_return_val_if_fail (cb->net != NULL, FALSE);
  st_transform_init (&t);
  t.n_norm = cb->setup.normalize.n;
  memcpy (t.mean, cb->setup.normalize.mean, sizeof t.mean);
  memcpy (t.std, cb->setup.normalize.std, sizeof t.std);
  t.shift = cb->setup.augment.shift;
  t.rotation = cb->setup.augment.rotation;
  t.horizontal_flip = cb->setup.augment.horizontal_flip;
  t.crop_padding = cb->setup.augment.crop_padding;
  if (!st_transform_plan_init (&cb->plan, &t, train->c, train->h, train->w, error))
    return FALSE;
  g_clear_pointer (&cb->order, g_free);
  cb->order_n = 0;
  cb->order = g_try_new (guint32, MAX (train->n, 1));
  if (cb->order == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the order of the %" PRId64 " examples of %s does not fit in memory"),
                   train->n, train->name);
      return FALSE;
    }
  g_clear_pointer (&cb->train, st_dataset_unref);
  g_clear_pointer (&cb->test, st_dataset_unref);
  cb->train = st_dataset_ref (train);
  cb->test = st_dataset_ref (test);
  return TRUE;
}

/* Checked here, once per epoch, so that a step only checks its run against order_n. */
static gboolean
cpu_set_order (StBackend *be, const guint32 *order, gint64 n, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;

  g_return_val_if_fail (order != NULL || n == 0, FALSE);
  if (cb->train == NULL || cb->order == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("an order of examples before the datasets (set_data was not called, or "
                     "failed)"));
      return FALSE;
    }
  if (n < 0 || n > cb->train->n)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("an order of %" PRId64 " examples; %s has %" PRId64), n,
                   cb->train->name, cb->train->n);
      return FALSE;
    }
  for (gint64 i = 0; i < n; i++)
    if (order[i] >= cb->train->n)
      {
        g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                     _("example %u is not in %s (it has %" PRId64 ")"), order[i],
                     cb->train->name, cb->train->n);
        cb->order_n = 0;
        return FALSE;
      }
  memcpy (cb->order, order, sizeof (guint32) * n);
  cb->order_n = n;
  return TRUE;
}

static gboolean
cpu_write_state (StBackend *be, const float *params, const float *buffers,
                 const float *optim_state, gint64 step, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  gsize n = cb->net->n_params;

  memcpy (cb->params, params, sizeof (float) * n);
  if (buffers != NULL)
    memcpy (cb->buffers, buffers, sizeof (float) * cb->net->n_buffers);
  if (cb->optim_m != NULL)
    {
      if (optim_state != NULL)
        memcpy (cb->optim_m, optim_state, sizeof (float) * n);
      else
        memset (cb->optim_m, 0, sizeof (float) * n);
    }
  if (cb->optim_v != NULL)
    {
      if (optim_state != NULL)
        memcpy (cb->optim_v, optim_state + n, sizeof (float) * n);
      else
        memset (cb->optim_v, 0, sizeof (float) * n);
    }
  cb->step = step;
  return TRUE;
}

static gboolean
cpu_read_state (StBackend *be, float *params, float *buffers, float *optim_state, gint64 *step,
                GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  gsize n = cb->net->n_params;

  if (params != NULL)
    memcpy (params, cb->params, sizeof (float) * n);
  if (buffers != NULL)
    memcpy (buffers, cb->buffers, sizeof (float) * cb->net->n_buffers);
  if (optim_state != NULL && cb->optim_m != NULL)
    memcpy (optim_state, cb->optim_m, sizeof (float) * n);
  if (optim_state != NULL && cb->optim_v != NULL)
    memcpy (optim_state + n, cb->optim_v, sizeof (float) * n);
  if (step != NULL)
    *step = cb->step;
  return TRUE;
}

/* Block 0 holds the last step's reduced gradient until the next step zeroes it. */
static gboolean
cpu_read_grads (StBackend *be, float *grads, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;

  memcpy (grads, cb->grads, sizeof (float) * cb->net->n_params);
  return TRUE;
}

static gboolean
check_batch (CpuBackend *cb, const StDataset *data, const guint32 *idx, int n, GError **error)
{
  if (n < 1 || n > cb->B)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("a batch of %d examples; this run was prepared for 1 to %d"), n, cb->B);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    if (idx[i] >= data->n)
      {
        g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                     _("example %u is not in %s (it has %" PRId64 ")"), idx[i],
                     data->name, data->n);
        return FALSE;
      }
  return TRUE;
}

static gboolean
cpu_train_step (StBackend *be, gint64 offset, int n, guint64 seed, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;

  if (n < 1 || n > cb->B)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("a batch of %d examples; this run was prepared for 1 to %d"), n, cb->B);
      return FALSE;
    }
  if (offset < 0 || offset > cb->order_n - n)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("examples %" PRId64 " to %" PRId64 " of an order of %"
                     PRId64 " (set_order)"), offset, offset + n - 1, cb->order_n);
      return FALSE;
    }
  if (cb->net->n_batchnorm > 0 && n < 2)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("BatchNorm2d needs at least 2 examples per batch to train"));
      return FALSE;
    }
  cb->job = JOB_TRAIN;
  cb->job_data = cb->train;
  cb->job_idx = cb->order + offset;
  cb->job_n = n;
  cb->job_seed = seed;
  cb->step++;
  st_workers_run (cb->workers, member_step, cb);
  collect (cb, TRUE);
  return TRUE;
}

static gboolean
cpu_evaluate (StBackend *be, StSplit split, const guint32 *idx, int n, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  const StDataset *data = split == ST_SPLIT_TRAIN ? cb->train : cb->test;

  if (!check_batch (cb, data, idx, n, error))
    return FALSE;
  cb->job = JOB_EVAL;
  cb->job_data = data;
  cb->job_idx = idx;
  cb->job_n = n;
  st_workers_run (cb->workers, member_step, cb);
  collect (cb, FALSE);
  return TRUE;
}

static gboolean
cpu_compute (StBackend *be, const float *x, const guint8 *labels, int n, float *out,
             double *loss, float *grads, float *dx, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  const StNet *net = cb->net;
  StMetrics keep = cb->metrics;
  gsize K = net->values[net->output].numel;

  if (n < 1 || n > cb->B)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("a batch of %d examples; this run was prepared for 1 to %d"), n, cb->B);
      return FALSE;
    }
  cb->job = JOB_COMPUTE;
  cb->job_x = x;
  cb->job_labels = labels;
  cb->job_n = n;
  cb->job_seed = 0;
  cb->job_backward = grads != NULL || dx != NULL;
  cb->job_dx = dx != NULL;
  memset (&cb->metrics, 0, sizeof cb->metrics);
  st_workers_run (cb->workers, member_step, cb);
  collect (cb, FALSE);
  if (loss != NULL)
    *loss = cb->metrics.loss_sum / n;
  cb->metrics = keep;
  if (out != NULL)
    memcpy (out, act (cb, net->output, 0), sizeof (float) * n * K);
  if (grads != NULL)
    memcpy (grads, cb->grads, sizeof (float) * net->n_params);
  if (dx != NULL)
    memcpy (dx, dact (cb, 0, 0), sizeof (float) * n * net->values[0].numel);
  return TRUE;
}

static gboolean
cpu_apply_update (StBackend *be, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;

  cb->job = JOB_UPDATE;
  cb->step++;
  st_workers_run (cb->workers, member_step, cb);
  return TRUE;
}

static void
cpu_take_metrics (StBackend *be, StMetrics *out)
{
  CpuBackend *cb = (CpuBackend *) be;

  *out = cb->metrics;
  memset (&cb->metrics, 0, sizeof cb->metrics);
  cb->metrics.last_loss = NAN;
}

static gboolean
cpu_snapshot (StBackend *be, StSplit split, const guint32 *idx, int n, const int *values,
              int n_values, float **out, GError **error)
{
  CpuBackend *cb = (CpuBackend *) be;
  const StDataset *data = split == ST_SPLIT_TRAIN ? cb->train : cb->test;
  StMetrics keep = cb->metrics;

  for (int i = 0; i < n; i++)
    if (idx[i] >= data->n)
      {
        g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                     _("image %u is not in %s (0 to %" PRId64 ")"), idx[i], data->name,
                     data->n - 1);
        return FALSE;
      }
  if (!check_batch (cb, data, idx, n, error))
    return FALSE;
  cb->job = JOB_EVAL;
  cb->job_data = data;
  cb->job_idx = idx;
  cb->job_n = n;
  st_workers_run (cb->workers, member_step, cb);
  cb->metrics = keep;
  for (int i = 0; i < n_values; i++)
    memcpy (out[i], act (cb, values[i], 0),
            sizeof (float) * n * cb->net->values[values[i]].numel);
  return TRUE;
}

static void
cpu_destroy (StBackend *be)
{
  CpuBackend *cb = (CpuBackend *) be;

  cpu_release (cb);
  g_clear_pointer (&cb->order, g_free);
  g_clear_pointer (&cb->train, st_dataset_unref);
  g_clear_pointer (&cb->test, st_dataset_unref);
  g_clear_pointer (&cb->workers, st_workers_free);
  g_free (be->description);
  g_free (cb);
}

static const char *
conv_path_name (StConv2dPath path)
{
  switch (path)
    {
    case ST_CONV2D_PATH_IM2COL:
      return "im2col";
    case ST_CONV2D_PATH_ROWS:
      return "direct (rows)";
    case ST_CONV2D_PATH_CHANNELS:
      return "direct (channels)";
    case ST_CONV2D_PATH_ROWS_INPUT:
      return "direct (rows, transposed)";
    case ST_CONV2D_PATH_AUTO:
    default:
      return "?";
    }
}

/* Each convolution's paths, as st_conv2d_geom_init chose them by shape. */
static void
cpu_describe_plan (StBackend *be, GPtrArray *lines)
{
  CpuBackend *cb = (CpuBackend *) be;

  for (guint o = 0; cb->net != NULL && o < cb->net->n_ops; o++)
    {
      const StOp *op = &cb->net->ops[o];
      const StConv2dGeom *g = &cb->plans[o].conv;

      if (op->kind != ST_OP_CONV2D)
        continue;
      g_ptr_array_add (lines,
                       st_plan_conv_line (op, cb->B, conv_path_name (g->forward),
                                          cb->net->values[op->inputs[0].value].needs_grad
                                          ? conv_path_name (g->input) : NULL,
                                          conv_path_name (g->weight),
                                          _("by shape, from the measurements of "
                                            "bench/bench-ops.c")));
    }
}

static const StBackendClass cpu_class = {
  .name = "cpu",
  .supports = cpu_supports,
  .prepare = cpu_prepare,
  .set_data = cpu_set_data,
  .write_state = cpu_write_state,
  .read_state = cpu_read_state,
  .read_grads = cpu_read_grads,
  .set_order = cpu_set_order,
  .train_step = cpu_train_step,
  .evaluate = cpu_evaluate,
  .compute = cpu_compute,
  .apply_update = cpu_apply_update,
  .take_metrics = cpu_take_metrics,
  .snapshot = cpu_snapshot,
  .describe_plan = cpu_describe_plan,
  .destroy = cpu_destroy,
};

StBackend *
st_backend_new_cpu (int n_threads)
{
  CpuBackend *cb = g_new0 (CpuBackend, 1);

  /* The team splits the batch; OpenBLAS must not start threads of its own inside it. */
  openblas_set_num_threads (1);
  cb->parent.klass = &cpu_class;
  cb->workers = st_workers_new (n_threads);
  cb->T = st_workers_size (cb->workers);
  cb->parent.description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                         "CPU, %d thread (OpenBLAS %s)",
                                                         "CPU, %d threads (OpenBLAS %s)", cb->T),
                                            cb->T, openblas_get_corename ());
  return &cb->parent;
}
