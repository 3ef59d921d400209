/* explainer.c: see explainer.h. */
#define G_LOG_DOMAIN "strata-explain"

#include "core/engine/explainer.h"
#include "core/io/i18n.h"

#include "core/engine/evaluator.h"

struct _StExplainer {
  StNet         *net;
  StExplainPass *pass;
};

StExplainer *
st_explainer_new (const StSpec *spec, const char *weights, const char *dataset, StDataset *image,
                  gint64 example, StDevice device, GError **error)
{
  g_autoptr (StExplainer) ex = g_new0 (StExplainer, 1);
  g_autoptr (StDatasetPair) data = NULL;
  g_autoptr (StBackend) backend = NULL;
  const StTrainConfig *tc;
  StBackendStart start = { .weights_file = weights };
  StRng rng;

  g_return_val_if_fail (spec != NULL, NULL);

  tc = &spec->training;
  ex->net = st_net_compile (spec, error);
  if (ex->net == NULL)
    return NULL;
  if (image != NULL)
    {
      data = g_new0 (StDatasetPair, 1);
      data->train = st_dataset_ref (image);
      data->test = st_dataset_ref (image);
    }
  else
    {
      StDatasetOptions options;

      st_dataset_options_for_model (&options, spec);
      /* Only test images are explained: of the training set, one example is read. */
      options.max_train_examples = 1;
      data = st_dataset_pair_load (dataset != NULL ? dataset : tc->dataset, &options, error);
      if (data == NULL)
        return NULL;
    }
  if (!st_check_data (ex->net, tc->loss, data, error))
    return NULL;
  if (example < 0 || example >= data->test->n)
    {
      g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION,
                   _("image %" PRId64 " is not in the test set of %s (it has %" PRId64
                     " images, 0 to %" PRId64 ")"), example, data->test->name, data->test->n,
                   data->test->n - 1);
      return NULL;
    }
  /* The weights a training run of the spec starts from, a file's laid over them. */
  st_rng_init (&rng, tc->seed);
  st_backend_start_for_recipe (&start, device, ex->net, tc, 1, data->train, data->test, &rng);
  backend = st_backend_start (&start, error);
  if (backend == NULL)
    return NULL;
  ex->pass = st_explain_pass_take (backend, ex->net, ST_SPLIT_TEST, example, error);
  if (ex->pass == NULL)
    return NULL;
  return g_steal_pointer (&ex);
}

void
st_explainer_free (StExplainer *ex)
{
  if (ex == NULL)
    return;
  g_clear_pointer (&ex->pass, st_explain_pass_free);
  g_clear_pointer (&ex->net, st_net_free);
  g_free (ex);
}

const StNet *
st_explainer_net (StExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, NULL);
  return ex->net;
}

const StExplainPass *
st_explainer_pass (StExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, NULL);
  return ex->pass;
}

StExplain *
st_explainer_explain (StExplainer *ex, const char *path, const StExplainAt *at, GError **error)
{
  g_return_val_if_fail (ex != NULL, NULL);
  return st_explain (ex->net, (const float *const *) ex->pass->values, ex->pass->params,
                     ex->pass->buffers, path, at, error);
}
