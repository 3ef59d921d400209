/* cuda-run.c: the CUDA backend's jobs — the train_step/evaluate/compute/apply_update/snapshot
 * entries over the ops of cuda-tape.c, the ring of metrics snapshots that take_metrics harvests, and the CUDA graphs
 * the jobs are replayed from. The arena, the plans and the context they work on are set
 * up by cuda-backend.c, whose top comment describes the layout and when a step waits.
 *
 * Graphs. A training step (gather, forward, loss, backward, optimizer, metrics on the
 * device) is enqueued once under stream capture for each batch size it runs at — the full
 * batch and the epoch's last, partial one — and replayed from then on; an evaluation
 * likewise per (batch size, split, index list or run of examples). What differs between
 * two steps of one shape is in the StCudaStep the job's first node writes (cuda-ops.h), so
 * a replay only replaces that node's argument. Nothing in a replay waits for the host.
 * STRATA_CUDA_GRAPHS=0 enqueues every job directly instead (the same kernels, the same
 * results, bit for bit).
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-context.h"

#include <gmodule.h>
#include <math.h>
#include <string.h>

#include "core/io/i18n.h"

/* ---- steps ---------------------------------------------------------------------------- */

/* The dataset is there, has the net's shape, and a batch of n fits: at most B for a training
 * step, E for an evaluation or a snapshot (`eval`). */
static gboolean
check_data (CudaBackend *cb, const DeviceData *data, int n, gboolean eval, GError **error)
{
  const int most = eval ? cb->E : cb->B;

  if (data->images == NULL)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("the CUDA backend has no datasets yet (set_data was not called)"));
      return FALSE;
    }
  if (n < 1 || n > most)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("a batch of %d examples; this run was prepared for 1 to %d"), n, most);
      return FALSE;
    }
  /* prepare may have come again, for another net, after set_data */
  if ((gsize) data->c * data->h * data->w != cb->net->values[0].numel)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("dataset %s has %d×%d×%d images; the model takes %zu values per example"),
                   data->name, data->c, data->h, data->w, cb->net->values[0].numel);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_batch (CudaBackend *cb, const DeviceData *data, const guint32 *idx, int n, GError **error)
{
  if (!check_data (cb, data, n, TRUE, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    if (idx[i] >= data->n)
      {
        g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                     _("example %u is not in %s (it has %" PRId64 ")"), idx[i],
                     data->name, data->n);
        return FALSE;
      }
  return TRUE;
}

/* The examples of a job: a run of an index list on the device (the epoch's order, or an
 * evaluation's indices), or, with idx NULL, a run of the dataset itself. */
typedef struct {
  JobKey             key;
  const DeviceData  *data;
  const guint32     *idx;       /* on the device, or NULL */
} Job;

/* The batch x and its labels on the device: gathered, normalised and, for a training step
 * of a run that asks for it, augmented with draws from the step's seed. */
static gboolean
load_batch (CudaBackend *cb, const Job *job, GError **error)
{
  const DeviceData *data = job->data;

  if (job->key.job == JOB_TRAIN && cb->augmenting)
    return st_cuda_gather_augment (&cb->q, cb->acts, cb->labels, cb->draws, data->images,
                                   data->labels, job->idx, cb->step_values, job->key.n,
                                   data->c, data->h, data->w, cb->lut, &cb->augment, error);
  return st_cuda_gather_normalize (&cb->q, cb->acts, cb->labels, data->images, data->labels,
                                   job->idx, cb->step_values, job->key.n, data->c,
                                   (gsize) data->h * data->w, cb->lut, error);
}

/* Everything a training step or an evaluation puts on the stream, from its StCudaStep on;
 * the metrics stay on the device (totals[0]). */
static gboolean
enqueue_job (CudaBackend *cb, const Job *job, const StCudaStep *values, GError **error)
{
  const int n = job->key.n;

  if (!st_cuda_set_step (&cb->q, cb->step_values, values, error)
      || !load_batch (cb, job, error))
    return FALSE;
  if (job->key.job == JOB_EVAL)
    return st_cuda_forward (cb, n, FALSE, error)
           && st_cuda_run_loss (cb, n, &cb->totals[0], FALSE, FALSE, FALSE, error);
  return st_cuda_forward (cb, n, TRUE, error)
         && st_cuda_run_loss (cb, n, &cb->totals[0], TRUE, TRUE, FALSE, error)
         && st_cuda_backward (cb, n, error) && st_cuda_run_update (cb, error);
}

/* ---- graphs --------------------------------------------------------------------------- */

static gboolean
same_key (const JobKey *a, const JobKey *b)
{
  return a->job == b->job && a->n == b->n && a->split == b->split && a->listed == b->listed;
}

/* The job captured: enqueued once under stream capture (nothing runs), instantiated, and
 * its set_step node found. On failure the capture is ended and nothing is kept. */
static gboolean
capture (CudaBackend *cb, const Job *job, const StCudaStep *values, StepGraph *g,
         GError **error)
{
  g_autoptr (GError) local = NULL;
  cudaGraph_t graph = NULL;
  cudaError_t err;
  gboolean ok;

  ST_CUDA_CHECK (cudaStreamBeginCapture (cb->q.stream, cudaStreamCaptureModeThreadLocal),
                 error);
  ok = enqueue_job (cb, job, values, &local);
  err = cudaStreamEndCapture (cb->q.stream, &graph);
  if (!ok || err != cudaSuccess)
    {
      if (graph != NULL)
        cudaGraphDestroy (graph);
      cudaGetLastError ();
      if (!ok)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return st_cuda_fail (error, err, "cudaStreamEndCapture", G_STRLOC);
    }
  g->graph = graph;
  err = cudaGraphInstantiate (&g->exec, graph, 0);
  if (err != cudaSuccess)
    {
      g->exec = NULL;
      st_cuda_graph_clear (g);
      return st_cuda_fail (error, err, "cudaGraphInstantiate", G_STRLOC);
    }
  if (!st_cuda_graph_find_step (graph, &g->step_node, error))
    {
      st_cuda_graph_clear (g);
      return FALSE;
    }
  g->key = job->key;
  return TRUE;
}

/* The job on the stream: its graph replayed with `values` (captured first if this shape is
 * new, replacing the least recently used), or enqueued directly without graphs. */
static gboolean
launch_job (CudaBackend *cb, const Job *job, const StCudaStep *values, GError **error)
{
  StepGraph *g = NULL;

  if (!cb->use_graphs)
    return enqueue_job (cb, job, values, error);
  for (int i = 0; i < GRAPH_CACHE && g == NULL; i++)
    if (cb->graphs[i].exec != NULL && same_key (&cb->graphs[i].key, &job->key))
      g = &cb->graphs[i];
  if (g == NULL)
    {
      g = &cb->graphs[0];
      for (int i = 1; i < GRAPH_CACHE; i++)
        if (cb->graphs[i].used < g->used)
          g = &cb->graphs[i];
      st_cuda_graph_clear (g);
      if (!capture (cb, job, values, g, error))
        return FALSE;
    }
  g->used = ++cb->graph_clock;
  if (!st_cuda_graph_set_step (g->exec, g->step_node, cb->step_values, values, error))
    return FALSE;
  ST_CUDA_CHECK (cudaGraphLaunch (g->exec, cb->q.stream), error);
  return TRUE;
}

/* A training step's checks: the data, the batch, and its run within the order. */
static gboolean
check_train_batch (CudaBackend *cb, gint64 offset, int n, GError **error)
{
  if (!check_data (cb, &cb->train, n, FALSE, error))
    return FALSE;
  if (offset < 0 || offset > cb->order_n - n)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("examples %" PRId64 " to %" PRId64 " of an order of %"
                     PRId64 " (set_order)"), offset, offset + n - 1, cb->order_n);
      return FALSE;
    }
  return TRUE;
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
  cb->unsnapped_steps = 0;
  cb->snap_count++;
  return TRUE;
}

/* Checked on the host, then one asynchronous copy from pinned memory, queued behind the
 * steps that still read the previous order. The only wait is for the previous upload to
 * have left the pinned buffer (an epoch ago). */
gboolean
st_cuda_set_order (StBackend *be, const guint32 *order, gint64 n, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;

  g_return_val_if_fail (order != NULL || n == 0, FALSE);
  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
    return FALSE;
  if (cb->order == NULL)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("an order of examples before the datasets (set_data was not called)"));
      return FALSE;
    }
  if (n < 0 || n > cb->train.n)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("an order of %" PRId64 " examples; %s has %" PRId64), n,
                   cb->train.name, cb->train.n);
      return FALSE;
    }
  for (gint64 i = 0; i < n; i++)
    if (order[i] >= cb->train.n)
      {
        g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                     _("example %u is not in %s (it has %" PRId64 ")"), order[i],
                     cb->train.name, cb->train.n);
        cb->order_n = 0;
        return FALSE;
      }
  ST_CUDA_CHECK (cudaEventSynchronize (cb->order_done), error);
  memcpy (cb->order_host, order, sizeof (guint32) * n);
  if (n > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (cb->order, cb->order_host, sizeof (guint32) * n,
                                    cudaMemcpyHostToDevice, cb->q.stream), error);
  ST_CUDA_CHECK (cudaEventRecord (cb->order_done, cb->q.stream), error);
  cb->order_n = n;
  return TRUE;
}

/* A training step's job and values: its run of the epoch's order, its seed, and the
 * optimizer's factors for the step it is (cb->step, already counted). */
static void
train_job (CudaBackend *cb, gint64 offset, int n, guint64 seed, Job *job, StCudaStep *values)
{
  *job = (Job) { .key = { .job = JOB_TRAIN, .n = n, .split = ST_SPLIT_TRAIN },
                 .data = &cb->train, .idx = cb->order };
  *values = (StCudaStep) { .offset = offset, .seed = seed };
  st_cuda_step_factors (cb, values);
}

static gboolean
check_train_step (CudaBackend *cb, gint64 offset, int n, GError **error)
{
  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error)
      || !check_train_batch (cb, offset, n, error))
    return FALSE;
  if (cb->net->n_batchnorm > 0 && n < 2)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("BatchNorm2d needs at least 2 examples per batch to train"));
      return FALSE;
    }
  return TRUE;
}

/* The bookkeeping after a training step: its metrics are on the device, and every
 * ST_CUDA_METRICS_EVERY steps they go into a snapshot. */
static gboolean
step_done (CudaBackend *cb, int n, GError **error)
{
  cb->unsnapped_examples += n;
  cb->jobs_since_take++;
  cb->last_job_train = TRUE;
  if (++cb->unsnapped_steps < ST_CUDA_METRICS_EVERY)
    return TRUE;
  return issue_snapshot (cb, error);
}

gboolean
st_cuda_train_step (StBackend *be, gint64 offset, int n, guint64 seed, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  StCudaStep values;
  Job job;

  if (!check_train_step (cb, offset, n, error))
    return FALSE;
  cb->job = JOB_TRAIN;
  cb->step++;
  train_job (cb, offset, n, seed, &job, &values);
  return launch_job (cb, &job, &values, error) && step_done (cb, n, error);
}

/* An evaluation's indices: a run of consecutive examples needs none on the device (the
 * whole test set, as the trainer evaluates it); any other list goes through the next
 * pinned slot (waiting only if that slot's copy, IDX_RING jobs old, has not run yet). */
static gboolean
eval_job (CudaBackend *cb, StSplit split, const DeviceData *data, const guint32 *idx, int n,
          Job *job, StCudaStep *values, GError **error)
{
  gboolean run = TRUE;

  for (int i = 1; i < n && run; i++)
    run = idx[i] == idx[0] + (guint32) i;
  *job = (Job) { .key = { .job = JOB_EVAL, .n = n, .split = split, .listed = !run },
                 .data = data, .idx = run ? NULL : cb->idx };
  *values = (StCudaStep) { .offset = run ? idx[0] : 0 };
  if (!run)
    {
      const int slot = cb->idx_slot;
      guint32 *host = cb->idx_host + (gsize) slot * cb->E;

      ST_CUDA_CHECK (cudaEventSynchronize (cb->idx_done[slot]), error);
      memcpy (host, idx, sizeof (guint32) * n);
      ST_CUDA_CHECK (cudaMemcpyAsync (cb->idx, host, sizeof (guint32) * n,
                                      cudaMemcpyHostToDevice, cb->q.stream), error);
      ST_CUDA_CHECK (cudaEventRecord (cb->idx_done[slot], cb->q.stream), error);
      cb->idx_slot = (slot + 1) % IDX_RING;
    }
  return TRUE;
}

gboolean
st_cuda_evaluate (StBackend *be, StSplit split, const guint32 *idx, int n,
                  GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const DeviceData *data = split == ST_SPLIT_TRAIN ? &cb->train : &cb->test;
  StCudaStep values;
  Job job;

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error)
      || !check_batch (cb, data, idx, n, error))
    return FALSE;
  cb->job = JOB_EVAL;
  if (!eval_job (cb, split, data, idx, n, &job, &values, error)
      || !launch_job (cb, &job, &values, error))
    return FALSE;
  cb->unsnapped_examples += n;
  cb->jobs_since_take++;
  cb->last_job_train = FALSE;
  return TRUE;
}

gboolean
st_cuda_compute (StBackend *be, const float *x, const guint8 *labels, int n, float *out,
                 double *loss, float *grads, float *dx, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const StNet *net = cb->net;
  const gboolean grad = grads != NULL || dx != NULL;
  const StCudaStep values = { 0 };
  StCudaTotals totals;
  gsize K, in_numel;
  cudaStream_t s = cb->q.stream;

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
    return FALSE;
  if (n < 1 || n > cb->B)
    {
      g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                   _("a batch of %d examples; this run was prepared for 1 to %d"), n, cb->B);
      return FALSE;
    }
  K = net->values[net->output].numel;
  in_numel = net->values[0].numel;
  cb->job = JOB_COMPUTE;
  cb->job_dx = dx != NULL;
  ST_CUDA_CHECK (cudaMemcpyAsync (cb->acts, x, sizeof (float) * n * in_numel,
                                  cudaMemcpyHostToDevice, s), error);
  ST_CUDA_CHECK (cudaMemcpyAsync (cb->labels, labels, n, cudaMemcpyHostToDevice, s), error);
  if (!st_cuda_set_step (&cb->q, cb->step_values, &values, error)
      || !st_cuda_forward (cb, n, TRUE, error)
      || !st_cuda_run_loss (cb, n, &cb->totals[1], grad, FALSE, TRUE, error)
      || (grad && !st_cuda_backward (cb, n, error)))
    return FALSE;
  ST_CUDA_CHECK (cudaMemcpyAsync (&totals, &cb->totals[1], sizeof totals, cudaMemcpyDeviceToHost,
                                  s), error);
  if (out != NULL)
    ST_CUDA_CHECK (cudaMemcpyAsync (out, st_cuda_act (cb, net->output), sizeof (float) * n * K,
                                    cudaMemcpyDeviceToHost, s), error);
  if (grads != NULL && net->n_params > 0)
    ST_CUDA_CHECK (cudaMemcpyAsync (grads, cb->grads, sizeof (float) * net->n_params,
                                    cudaMemcpyDeviceToHost, s), error);
  if (dx != NULL)
    ST_CUDA_CHECK (cudaMemcpyAsync (dx, st_cuda_dact (cb, 0), sizeof (float) * n * in_numel,
                                    cudaMemcpyDeviceToHost, s), error);
  ST_CUDA_CHECK (cudaStreamSynchronize (s), error);
  if (loss != NULL)
    *loss = totals.loss_sum / n;
  return TRUE;
}

gboolean
st_cuda_apply_update (StBackend *be, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;

  StCudaStep values = { 0 };

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
    return FALSE;
  cb->step++;
  st_cuda_step_factors (cb, &values);
  return st_cuda_set_step (&cb->q, cb->step_values, &values, error)
         && st_cuda_run_update (cb, error);
}

/* Every snapshot but the newest, or all of them (after taking one of the work since) when
 * the caller wants totals: see the top of cuda-backend.c. A device failure here cannot be
 * returned: the metrics come back NaN, and the next entry reports the error. */
void
st_cuda_take_metrics (StBackend *be, StMetrics *out)
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

gboolean
st_cuda_snapshot (StBackend *be, StSplit split, const guint32 *idx, int n, const int *values,
                  int n_values, float **out, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  const DeviceData *data = split == ST_SPLIT_TRAIN ? &cb->train : &cb->test;
  StCudaStep step;
  Job job;

  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    if (data->images == NULL || idx[i] >= data->n)
      {
        g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
                     _("image %u is not in %s (0 to %" PRId64 ")"), idx[i],
                     data->name != NULL ? data->name : _("the data"), data->n - 1);
        return FALSE;
      }
  if (!check_batch (cb, data, idx, n, error))
    return FALSE;
  for (int i = 0; i < n_values; i++)
    g_return_val_if_fail (values[i] >= 0 && (guint) values[i] < cb->net->n_values, FALSE);
  cb->job = JOB_SNAPSHOT;
  /* the indices as an evaluation takes them (a run of the split, or listed), not a graph */
  if (!eval_job (cb, split, data, idx, n, &job, &step, error))
    return FALSE;
  job.key.job = JOB_SNAPSHOT;
  if (!st_cuda_set_step (&cb->q, cb->step_values, &step, error)
      || !load_batch (cb, &job, error) || !st_cuda_forward (cb, n, FALSE, error))
    return FALSE;
  for (int i = 0; i < n_values; i++)
    ST_CUDA_CHECK (cudaMemcpyAsync (out[i], st_cuda_act (cb, values[i]),
                                    sizeof (float) * n * cb->net->values[values[i]].numel,
                                    cudaMemcpyDeviceToHost, cb->q.stream), error);
  ST_CUDA_CHECK (cudaStreamSynchronize (cb->q.stream), error);
  return TRUE;
}

/* For tests: what a train_step at (offset, n, seed) would feed the net, copied out. */
G_MODULE_EXPORT gboolean
st_cuda_train_batch (StBackend *be, gint64 offset, int n, guint64 seed, float *x,
                     guint8 *labels, GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  StCudaStep values;
  Job job;

  g_return_val_if_fail (be != NULL && x != NULL && labels != NULL, FALSE);
  g_return_val_if_fail (g_strcmp0 (be->klass->name, "cuda") == 0, FALSE);
  if (!st_cuda_begin (cb, error) || st_cuda_not_prepared (cb, error)
      || !check_train_batch (cb, offset, n, error))
    return FALSE;
  cb->job = JOB_TRAIN;
  train_job (cb, offset, n, seed, &job, &values);
  if (!st_cuda_set_step (&cb->q, cb->step_values, &values, error)
      || !load_batch (cb, &job, error))
    return FALSE;
  ST_CUDA_CHECK (cudaMemcpyAsync (x, cb->acts, sizeof (float) * n * cb->net->values[0].numel,
                                  cudaMemcpyDeviceToHost, cb->q.stream), error);
  ST_CUDA_CHECK (cudaMemcpyAsync (labels, cb->labels, n, cudaMemcpyDeviceToHost,
                                  cb->q.stream), error);
  ST_CUDA_CHECK (cudaStreamSynchronize (cb->q.stream), error);
  return TRUE;
}

/* ---- profile -------------------------------------------------------------------------- */

#define PROFILE_REPS 25

static gboolean
st_cuda_fail_unless (cudaError_t err, GError **error)
{
  return err == cudaSuccess || st_cuda_fail (error, err, "profiling", G_STRLOC);
}

static int
compare_float (gconstpointer a, gconstpointer b)
{
  const float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

static double
median_us (float *ms, int n)
{
  qsort (ms, n, sizeof *ms, compare_float);
  return 1000.0 * (n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]));
}

/* The parts of one step in order: the gather, each op's forward, the loss, the gradients'
 * zeroing, each op's st_cuda_backward (tape reversed), the update. */
static char *
part_name (CudaBackend *cb, int part)
{
  const int n_ops = (int) cb->net->n_ops;
  const StOp *op;

  if (part == 0)
    return g_strdup ("gather + normalise");
  if (part <= n_ops)
    {
      const OpPlan *p = &cb->plans[part - 1];

      op = &cb->net->ops[part - 1];
      if (p->act != ST_CUDA_ACT_NONE)
        return g_strdup_printf ("forward %s %s + %s (fused)", op->path, op->name,
                                cb->net->ops[part].name);
      if (p->fused)
        return g_strdup_printf ("forward %s %s (in the layer before)", op->path, op->name);
      return g_strdup_printf ("forward %s %s", op->path, op->name);
    }
  if (part == n_ops + 1)
    return g_strdup ("loss");
  if (part == n_ops + 2)
    return g_strdup ("zero gradients");
  if (part <= 2 * n_ops + 2)
    {
      const int o = 2 * n_ops + 2 - part;
      const OpPlan *p = &cb->plans[o];

      op = &cb->net->ops[o];
      if (p->act_grad)
        return g_strdup_printf ("backward %s %s + %s (fused)", op->path, op->name,
                                cb->net->ops[o + 1].name);
      if (p->fused_grad)
        return g_strdup_printf ("backward %s %s (in the layer before)", op->path, op->name);
      return g_strdup_printf ("backward %s %s", op->path, op->name);
    }
  return g_strdup ("update");
}

/* One step enqueued directly with an event after each part. */
static gboolean
profile_parts (CudaBackend *cb, const Job *job, const StCudaStep *values, cudaEvent_t *ev,
               GError **error)
{
  const int n = job->key.n, n_ops = (int) cb->net->n_ops;
  int e = 0;

  ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
  if (!st_cuda_set_step (&cb->q, cb->step_values, values, error)
      || !load_batch (cb, job, error))
    return FALSE;
  ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
  for (int o = 0; o < n_ops; o++)
    {
      if (!st_cuda_forward_op (cb, (guint) o, n, TRUE, error))
        return FALSE;
      ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
    }
  if (!st_cuda_run_loss (cb, n, &cb->totals[0], TRUE, TRUE, FALSE, error))
    return FALSE;
  ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
  if (cb->net->n_params > 0)
    ST_CUDA_CHECK (cudaMemsetAsync (cb->grads, 0, sizeof (float) * cb->net->n_params,
                                    cb->q.stream), error);
  ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
  for (int o = n_ops; o-- > 0;)
    {
      if (!st_cuda_backward_op (cb, (guint) o, n, error))
        return FALSE;
      ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
    }
  if (!st_cuda_run_update (cb, error))
    return FALSE;
  ST_CUDA_CHECK (cudaEventRecord (ev[e++], cb->q.stream), error);
  return TRUE;
}

gboolean
st_cuda_profile_step (StBackend *be, gint64 offset, int n, guint64 seed, GArray *entries,
                      GError **error)
{
  CudaBackend *cb = (CudaBackend *) be;
  int n_parts, n_events;
  g_autofree cudaEvent_t *ev = NULL;
  g_autofree float *ms = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (entries != NULL, FALSE);
  if (!check_train_step (cb, offset, n, error))
    return FALSE;
  n_parts = 2 * (int) cb->net->n_ops + 4;
  n_events = n_parts + 1;
  ev = g_new0 (cudaEvent_t, n_events);
  /* ms[part · PROFILE_REPS + rep]; the last part is the whole step as train_step runs it */
  ms = g_new0 (float, (gsize) (n_parts + 1) * PROFILE_REPS);
  for (int i = 0; i < n_events && ok; i++)
    ok = cudaEventCreate (&ev[i]) == cudaSuccess;
  if (!ok)
    {
      cudaGetLastError ();
      for (int i = 0; i < n_events; i++)
        g_clear_pointer (&ev[i], cudaEventDestroy);
      return st_cuda_fail (error, cudaErrorMemoryAllocation, "cudaEventCreate", G_STRLOC);
    }
  cb->job = JOB_TRAIN;
  for (int r = -2; r < PROFILE_REPS && ok; r++)
    {
      StCudaStep values;
      Job job;

      cb->step++;
      train_job (cb, offset, n, seed, &job, &values);
      ok = profile_parts (cb, &job, &values, ev, error) && step_done (cb, n, error)
           && st_cuda_fail_unless (cudaEventSynchronize (ev[n_events - 1]), error);
      for (int part = 0; ok && r >= 0 && part < n_parts; part++)
        ok = st_cuda_fail_unless (cudaEventElapsedTime (&ms[part * PROFILE_REPS + r], ev[part],
                                                        ev[part + 1]), error);
    }
  /* the whole step, from its graph (or enqueued directly without graphs) */
  for (int r = -2; r < PROFILE_REPS && ok; r++)
    {
      StCudaStep values;
      Job job;

      cb->step++;
      train_job (cb, offset, n, seed, &job, &values);
      ok = st_cuda_fail_unless (cudaEventRecord (ev[0], cb->q.stream), error)
           && launch_job (cb, &job, &values, error) && step_done (cb, n, error)
           && st_cuda_fail_unless (cudaEventRecord (ev[1], cb->q.stream), error)
           && st_cuda_fail_unless (cudaEventSynchronize (ev[1]), error)
           && (r < 0 || st_cuda_fail_unless (cudaEventElapsedTime (&ms[n_parts * PROFILE_REPS + r],
                                                                    ev[0], ev[1]), error));
    }
  for (int part = 0; ok && part <= n_parts; part++)
    {
      StProfileEntry entry;

      entry.what = part < n_parts ? part_name (cb, part)
                                  : g_strdup (cb->use_graphs ? "whole step (graph replay)"
                                                              : "whole step (direct launches)");
      entry.us = median_us (&ms[part * PROFILE_REPS], PROFILE_REPS);
      g_array_append_val (entries, entry);
    }
  for (int i = 0; i < n_events; i++)
    g_clear_pointer (&ev[i], cudaEventDestroy);
  return ok;
}
