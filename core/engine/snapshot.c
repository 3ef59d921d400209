#define G_LOG_DOMAIN "strata-snapshot"

#include "core/engine/snapshot.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

int
st_snapshot_classify (const float *y, gsize n, float *probabilities)
{
  double max = -G_MAXDOUBLE, sum = 0.0;
  float best = 0.0f;
  int prediction = 0;

  g_return_val_if_fail (y != NULL && n > 0, -1);

  if (n == 1)
    {
      if (probabilities != NULL)
        probabilities[0] = y[0];
      return y[0] >= 0.5f ? 1 : 0;
    }
  for (gsize k = 0; k < n; k++)
    max = MAX (max, y[k]);
  for (gsize k = 0; k < n; k++)
    sum += exp (y[k] - max);
  for (gsize k = 0; k < n; k++)
    {
      float p = (float) (exp (y[k] - max) / sum);

      if (probabilities != NULL)
        probabilities[k] = p;
      /* Strictly larger: a tie goes to the first class, as torch.argmax does. */
      if (k == 0 || p > best)
        {
          best = p;
          prediction = k;
        }
    }
  return prediction;
}

StSnapshot *
st_snapshot_take (StBackend *backend, const StNet *net, const StDataset *test, gint64 example,
                  GError **error)
{
  StExplainPass *pass;

  g_return_val_if_fail (backend != NULL && net != NULL && test != NULL, NULL);

  if (example < 0 || example >= test->n)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("image %" PRId64 " is not in the test set (it has %" PRId64
                     " images, 0 to %" PRId64 ")"), example, test->n, test->n - 1);
      return NULL;
    }
  pass = st_explain_pass_take (backend, net, ST_SPLIT_TEST, example, error);
  if (pass == NULL)
    return NULL;
  return st_snapshot_from_pass (net, pass, test->labels[example]);
}

StSnapshot *
st_snapshot_from_pass (const StNet *net, StExplainPass *pass, int label)
{
  const StValue *logits;
  StSnapshot *snap;

  g_return_val_if_fail (net != NULL && pass != NULL && pass->n_values == net->n_values, NULL);

  logits = &net->values[net->output];

  snap = g_new0 (StSnapshot, 1);
  snap->example = pass->example;
  snap->label = label;
  snap->input_shape = net->values[0].shape;
  snap->input = g_memdup2 (pass->values[0], sizeof (float) * net->values[0].numel);
  snap->n_classes = logits->numel;
  snap->probabilities = g_new (float, logits->numel);
  snap->prediction = st_snapshot_classify (pass->values[net->output], logits->numel,
                                           snap->probabilities);
  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];

      if (op->kind != ST_OP_CONV2D)
        continue;
      if (snap->n_maps < 2)
        {
          const StValue *v = &net->values[op->output];

          snap->map_paths[snap->n_maps] = g_strdup (op->path);
          snap->map_shapes[snap->n_maps] = v->shape;
          snap->maps[snap->n_maps] = g_memdup2 (pass->values[op->output],
                                                sizeof (float) * v->numel);
          snap->n_maps++;
        }
      if (snap->filters == NULL && op->weight >= 0)
        {
          const StTensorInfo *w = &net->tensors[op->weight];

          snap->filters = g_memdup2 (pass->params + w->offset, sizeof (float) * w->numel);
          memcpy (snap->filter_dims, w->dims, sizeof snap->filter_dims);
        }
    }
  snap->pass = pass;
  return snap;
}

StSnapshot *
st_snapshot_copy (const StSnapshot *snap)
{
  StSnapshot *copy;

  g_return_val_if_fail (snap != NULL, NULL);

  copy = g_memdup2 (snap, sizeof *snap);
  copy->pass = snap->pass != NULL ? st_explain_pass_copy (snap->pass) : NULL;
  copy->probabilities = g_memdup2 (snap->probabilities, sizeof (float) * snap->n_classes);
  copy->input = g_memdup2 (snap->input,
                           sizeof (float) * st_shape_numel (&snap->input_shape));
  for (int i = 0; i < 2; i++)
    {
      copy->map_paths[i] = g_strdup (snap->map_paths[i]);
      copy->maps[i] = i < snap->n_maps
        ? g_memdup2 (snap->maps[i], sizeof (float) * st_shape_numel (&snap->map_shapes[i]))
        : NULL;
    }
  copy->filters = snap->filters != NULL
    ? g_memdup2 (snap->filters, sizeof (float) * snap->filter_dims[0] * snap->filter_dims[1]
                                * snap->filter_dims[2] * snap->filter_dims[3])
    : NULL;
  return copy;
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
  g_free (snap->filters);
  g_clear_pointer (&snap->pass, st_explain_pass_free);
  g_free (snap);
}
