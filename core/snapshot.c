#define G_LOG_DOMAIN "strata-snapshot"

#include "core/snapshot.h"

#include <math.h>

StSnapshot *
st_snapshot_take (StBackend *backend, const StNet *net, const StDataset *test, gint64 example,
                  GError **error)
{
  g_autoptr (GPtrArray) outs = g_ptr_array_new_with_free_func (g_free);
  int values[4] = { 0, net->output, -1, -1 };
  const char *paths[2] = { NULL, NULL };
  const StValue *logits = &net->values[net->output];
  int n_values = 2, n_maps = 0;
  double max = -G_MAXDOUBLE, sum = 0.0;
  const float *y;
  StSnapshot *snap;

  g_return_val_if_fail (backend != NULL && net != NULL && test != NULL, NULL);

  if (example < 0 || example >= test->n)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   "image %" G_GINT64_FORMAT " is not in the test set (it has %" G_GINT64_FORMAT
                   " images, 0 to %" G_GINT64_FORMAT ")", example, test->n, test->n - 1);
      return NULL;
    }
  for (guint o = 0; o < net->n_ops && n_maps < 2; o++)
    if (net->ops[o].kind == ST_OP_CONV2D)
      {
        values[n_values++] = net->ops[o].output;
        paths[n_maps++] = net->ops[o].path;
      }
  for (int i = 0; i < n_values; i++)
    g_ptr_array_add (outs, g_new (float, net->values[values[i]].numel));
  if (!backend->klass->snapshot (backend, ST_SPLIT_TEST, example, values, n_values,
                                 (float **) outs->pdata, error))
    return NULL;

  snap = g_new0 (StSnapshot, 1);
  snap->example = example;
  snap->label = test->labels[example];
  snap->input = g_steal_pointer (&outs->pdata[0]);
  snap->input_shape = net->values[0].shape;
  y = outs->pdata[1];
  snap->n_classes = logits->numel;
  snap->probabilities = g_new (float, logits->numel);
  if (logits->numel == 1)
    {
      /* One output (BCELoss after a Sigmoid) is already the probability of class 1. */
      snap->probabilities[0] = y[0];
      snap->prediction = y[0] >= 0.5f ? 1 : 0;
    }
  else
    {
      for (gsize k = 0; k < logits->numel; k++)
        max = MAX (max, y[k]);
      for (gsize k = 0; k < logits->numel; k++)
        sum += exp (y[k] - max);
      for (gsize k = 0; k < logits->numel; k++)
        {
          snap->probabilities[k] = (float) (exp (y[k] - max) / sum);
          if (snap->probabilities[k] > snap->probabilities[snap->prediction])
            snap->prediction = k;
        }
    }
  for (int i = 0; i < n_maps; i++)
    {
      snap->map_paths[i] = g_strdup (paths[i]);
      snap->map_shapes[i] = net->values[values[i + 2]].shape;
      snap->maps[i] = g_steal_pointer (&outs->pdata[i + 2]);
    }
  snap->n_maps = n_maps;
  return snap;
}

void
st_snapshot_free (StSnapshot *snap)
{
  if (snap == NULL)
    return;
  g_free (snap->probabilities);
  g_free (snap->input);
  for (int i = 0; i < 2; i++)
    {
      g_free (snap->map_paths[i]);
      g_free (snap->maps[i]);
    }
  g_free (snap);
}
