#define G_LOG_DOMAIN "strata-evaluator"

#include "core/engine/evaluator.h"
#include "core/io/i18n.h"

#include <gio/gio.h>

#define EVAL_BATCH 256

struct _StEvaluator {
  StNet         *net;
  StDatasetPair *data;
  StBackend     *backend;
};

gboolean
st_check_data (const StNet *net, StLossKind loss, const StDatasetPair *data, GError **error)
{
  const StShape *in = &net->spec->input;
  const StDataset *train = data->train;
  const StValue *out = &net->values[net->output];

  if (in->dim[0] != train->c || in->dim[1] != train->h || in->dim[2] != train->w)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("the model takes %" PRId64 "×%" PRId64 "×%" PRId64
                     " images but %s has %d×%d×%d"), in->dim[0], in->dim[1], in->dim[2],
                   train->name, train->c, train->h, train->w);
      return FALSE;
    }
  if (loss == ST_LOSS_CROSS_ENTROPY && (gsize) train->n_classes > out->numel)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("%s has %d classes but the model's last layer gives %zu outputs; "
                     "CrossEntropyLoss needs one output per class"), train->name,
                   train->n_classes, out->numel);
      return FALSE;
    }
  if (loss != ST_LOSS_CROSS_ENTROPY && out->numel == 1 && train->n_classes > 2)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("%s has %d classes but the model gives one output, which %s can only use "
                     "for two classes"), train->name, train->n_classes, st_loss_name (loss));
      return FALSE;
    }
  if (data->train->n == 0 || data->test->n == 0)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   data->train->n == 0 ? _("%s has no training examples")
                                       : _("%s has no test examples"), train->name);
      return FALSE;
    }
  return TRUE;
}

void
st_dataset_options_for_model (StDatasetOptions *options, const StSpec *spec)
{
  const gint64 *dim = spec->input.dim;

  g_return_if_fail (options != NULL && spec != NULL);

  st_dataset_options_init (options);
  options->seed = spec->training.seed;
  if (spec->input.rank == 3 && (dim[0] == 1 || dim[0] == 3))
    options->channels = (int) dim[0];
  if (spec->training.resize_images && spec->input.rank == 3
      && dim[1] <= ST_DATASET_MAX_SIDE && dim[2] <= ST_DATASET_MAX_SIDE)
    {
      options->height = (int) dim[1];
      options->width = (int) dim[2];
      options->fit = ST_IMAGE_FIT_RESIZE;
    }
}

/* Takes `net`, compiled from `spec`; the weights come from `start`: its file, its arrays,
 * or the initialiser alone. */
static StEvaluator *
evaluator_new (const StSpec *spec, StNet *net, const char *dataset, StDatasetPair *data,
               StDevice device, StBackendStart *start, GError **error)
{
  g_autoptr (StEvaluator) ev = g_new0 (StEvaluator, 1);
  const StTrainConfig *tc = &spec->training;
  StDatasetOptions dopts;
  StRng rng;

  ev->net = net;
  st_dataset_options_for_model (&dopts, spec);
  /* Only the test set is evaluated: of the training set, one example is read (the backend's
   * set_data wants one), which also keeps swapping a picture in cheap on a GPU. */
  dopts.max_train_examples = 1;
  ev->data = data != NULL ? data
                          : st_dataset_pair_load (dataset != NULL ? dataset : tc->dataset, &dopts,
                                                  error);
  if (ev->data == NULL || !st_check_data (ev->net, tc->loss, ev->data, error))
    return NULL;
  /* As a training run starts, the weights given laid over them. */
  st_rng_init (&rng, tc->seed);
  st_backend_start_for_recipe (start, device, ev->net, tc, EVAL_BATCH, ev->data->train,
                               ev->data->test, &rng);
  ev->backend = st_backend_start (start, error);
  if (ev->backend == NULL)
    return NULL;
  return g_steal_pointer (&ev);
}

StEvaluator *
st_evaluator_new (const StSpec *spec, const char *weights, const char *dataset, StDevice device,
                  GError **error)
{
  StBackendStart start = { .weights_file = weights };
  StNet *net;

  g_return_val_if_fail (spec != NULL, NULL);

  net = st_net_compile (spec, error);
  if (net == NULL)
    return NULL;
  return evaluator_new (spec, net, dataset, NULL, device, &start, error);
}

static StEvaluator *
new_from_memory (const StSpec *spec, const float *params, gsize n_params, const float *buffers,
                 gsize n_buffers, const char *dataset, StDatasetPair *data, StDevice device,
                 GError **error)
{
  g_autoptr (StNet) net = NULL;
  StBackendStart start = { .params = params, .buffers = buffers };

  net = st_net_compile (spec, error);
  if (net == NULL)
    {
      st_dataset_pair_free (data);
      return NULL;
    }
  if (n_params != net->n_params || (buffers != NULL && n_buffers != net->n_buffers))
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("the weights hold %zu parameters and %zu buffer values but the model has "
                     "%zu and %zu"),
                   n_params, n_buffers, net->n_params, net->n_buffers);
      st_dataset_pair_free (data);
      return NULL;
    }
  return evaluator_new (spec, g_steal_pointer (&net), dataset, data, device, &start, error);
}

StEvaluator *
st_evaluator_new_from_memory (const StSpec *spec, const float *params, gsize n_params,
                              const float *buffers, gsize n_buffers, const char *dataset,
                              StDevice device, GError **error)
{
  g_return_val_if_fail (spec != NULL && params != NULL, NULL);

  return new_from_memory (spec, params, n_params, buffers, n_buffers, dataset, NULL, device,
                          error);
}

StEvaluator *
st_evaluator_new_for_images (const StSpec *spec, const float *params, gsize n_params,
                             const float *buffers, gsize n_buffers, StDataset *images,
                             StDevice device, GError **error)
{
  StDatasetPair *data;

  g_return_val_if_fail (spec != NULL && params != NULL && images != NULL, NULL);

  data = g_new0 (StDatasetPair, 1);
  data->train = st_dataset_ref (images);
  data->test = st_dataset_ref (images);
  return new_from_memory (spec, params, n_params, buffers, n_buffers, NULL, data, device,
                          error);
}

void
st_evaluator_free (StEvaluator *ev)
{
  if (ev == NULL)
    return;
  g_clear_pointer (&ev->backend, st_backend_free);
  g_clear_pointer (&ev->data, st_dataset_pair_free);
  g_clear_pointer (&ev->net, st_net_free);
  g_free (ev);
}

gboolean
st_evaluator_run (StEvaluator *ev, StMetrics *metrics, GError **error)
{
  return st_backend_evaluate_all (ev->backend, ST_SPLIT_TEST, ev->data->test->n,
                                  ev->backend->eval_batch, NULL, NULL, metrics, error);
}

StSnapshot *
st_evaluator_snapshot (StEvaluator *ev, gint64 example, GError **error)
{
  const StDataset *test;
  StExplainPass *pass;

  g_return_val_if_fail (ev != NULL, NULL);

  test = ev->data->test;
  if (example < 0 || example >= test->n)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("image %" PRId64 " is not in the test set (it has %" PRId64
                     " images, 0 to %" PRId64 ")"), example, test->n, test->n - 1);
      return NULL;
    }
  pass = st_explain_pass_take (ev->backend, ev->net, ST_SPLIT_TEST, example, error);
  if (pass == NULL)
    return NULL;
  return st_snapshot_from_pass (ev->net, pass, test->labels[example]);
}

StSnapshot *
st_evaluator_snapshot_image (StEvaluator *ev, StDataset *image, GError **error)
{
  const StShape *in;
  StExplainPass *pass;
  GError *restore_error = NULL;

  g_return_val_if_fail (ev != NULL && image != NULL, NULL);

  in = &ev->net->spec->input;
  if (image->n != 1 || in->rank != 3 || in->dim[0] != image->c || in->dim[1] != image->h
      || in->dim[2] != image->w)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("%s is %" PRId64 " image(s) of %d×%d×%d, but the model takes one of "
                     "%" PRId64 "×%" PRId64 "×%" PRId64), image->name, image->n, image->c,
                   image->h, image->w, in->dim[0], in->dim[1], in->dim[2]);
      return NULL;
    }
  /* For this one forward, the picture is the backend's test set; the test set is put back
   * whatever happens (a backend that failed to take the picture may have let go of both). */
  pass = st_backend_set_data (ev->backend, ev->data->train, image, error)
         ? st_explain_pass_take (ev->backend, ev->net, ST_SPLIT_TEST, 0, error)
         : NULL;
  if (!st_backend_set_data (ev->backend, ev->data->train, ev->data->test, &restore_error))
    {
      g_clear_pointer (&pass, st_explain_pass_free);
      g_clear_error (error);
      g_propagate_error (error, restore_error);
      return NULL;
    }
  if (pass == NULL)
    return NULL;
  pass->example = -1;
  return st_snapshot_from_pass (ev->net, pass, -1);
}

gboolean
st_evaluator_predict_all (StEvaluator *ev, guint8 *predictions,
                          gboolean (*cancelled) (gpointer data), gpointer data, GError **error)
{
  const StValue *logits;
  g_autofree float *y = NULL;
  int output;

  g_return_val_if_fail (ev != NULL && predictions != NULL, FALSE);

  output = ev->net->output;
  logits = &ev->net->values[output];

  y = g_try_new (float, (gsize) EVAL_BATCH * logits->numel);
  if (y == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the model's %zu outputs do not fit in memory"), logits->numel);
      return FALSE;
    }
  /* The snapshot path runs the same evaluation-mode forward as st_evaluator_run, a batch at
   * a time, and hands out the outputs. */
  for (gint64 first = 0; first < ev->data->test->n; first += EVAL_BATCH)
    {
      guint32 idx[EVAL_BATCH];
      int n = (int) MIN (EVAL_BATCH, ev->data->test->n - first);

      if (cancelled != NULL && cancelled (data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("predicting the test set of %s was cancelled"), ev->data->test->name);
          return FALSE;
        }
      for (int i = 0; i < n; i++)
        idx[i] = (guint32) (first + i);
      if (!st_backend_snapshot_batch (ev->backend, ST_SPLIT_TEST, idx, n, &output, 1, &y,
                                      error))
        return FALSE;
      for (int i = 0; i < n; i++)
        predictions[first + i] = (guint8) MIN (st_snapshot_classify (y + (gsize) i
                                                                       * logits->numel,
                                                                     logits->numel, NULL),
                                               255);
    }
  return TRUE;
}

const StDataset *
st_evaluator_test_set (StEvaluator *ev)
{
  return ev->data->test;
}

const StNet *
st_evaluator_net (StEvaluator *ev)
{
  return ev->net;
}

const char *
st_evaluator_device (StEvaluator *ev)
{
  return ev->backend->description;
}
