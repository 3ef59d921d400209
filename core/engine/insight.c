/* insight.c: see insight.h. */
#define G_LOG_DOMAIN "strata-insight"

#include "core/engine/insight.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/io/i18n.h"
#include "core/io/json-write.h"
#include "core/io/line-file.h"

/* A layer takes about 700 bytes an epoch: 64 MiB is thousands of epochs of a deep net. */
#define INSIGHT_MAX_SIZE ((gsize) 64 * 1024 * 1024)

struct _StInsight {
  const StNet         *net;
  float               *previous;        /* (n_params): the last measure's; valid when measured */
  float               *grads;           /* (n_params) */
  gboolean             measured;
  StInsightLayer      *layers;
  int                 *layer_tensor;    /* tensor index of each layer */
  guint                n_layers;
  StInsightActivation *acts;
  int                 *act_value;       /* the value each activation layer writes */
  guint                n_acts;
  int                  chunk;           /* probe images a snapshot takes */
  float              **outputs;         /* (n_acts): (chunk, numel) outputs of each */
  guint8             **fired;           /* (n_acts): ReLU units positive for some image */
  gint64              *saturated;       /* (n_acts): Sigmoid/Tanh outputs near a bound */
};

static gboolean
measured_kind (StOpKind kind)
{
  return kind == ST_OP_RELU || kind == ST_OP_SIGMOID || kind == ST_OP_TANH;
}

void
st_insight_free (StInsight *insight)
{
  if (insight == NULL)
    return;
  for (guint a = 0; a < insight->n_acts; a++)
    {
      g_free (insight->outputs[a]);
      g_free (insight->fired[a]);
    }
  g_free (insight->outputs);
  g_free (insight->fired);
  g_free (insight->saturated);
  g_free (insight->acts);
  g_free (insight->act_value);
  g_free (insight->layers);
  g_free (insight->layer_tensor);
  g_free (insight->previous);
  g_free (insight->grads);
  g_free (insight);
}

StInsight *
st_insight_new (const StNet *net, int batch_size)
{
  g_autoptr (StInsight) insight = g_new0 (StInsight, 1);
  gsize n = MAX (net->n_params, 1);

  insight->net = net;
  insight->chunk = CLAMP (batch_size, 1, ST_INSIGHT_PROBE);
  insight->previous = g_try_new (float, n);
  insight->grads = g_try_new (float, n);
  if (insight->previous == NULL || insight->grads == NULL)
    return NULL;
  insight->layers = g_new0 (StInsightLayer, MAX (net->n_tensors, 1));
  insight->layer_tensor = g_new0 (int, MAX (net->n_tensors, 1));
  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];

      if ((op->kind == ST_OP_CONV2D || op->kind == ST_OP_LINEAR) && op->weight >= 0)
        {
          insight->layer_tensor[insight->n_layers] = op->weight;
          insight->layers[insight->n_layers++].name = net->tensors[op->weight].name;
        }
    }
  insight->acts = g_new0 (StInsightActivation, MAX (net->n_ops, 1));
  insight->act_value = g_new0 (int, MAX (net->n_ops, 1));
  insight->outputs = g_new0 (float *, MAX (net->n_ops, 1));
  insight->fired = g_new0 (guint8 *, MAX (net->n_ops, 1));
  insight->saturated = g_new0 (gint64, MAX (net->n_ops, 1));
  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];
      guint a = insight->n_acts;
      gsize numel = net->values[op->output].numel;

      if (!measured_kind (op->kind))
        continue;
      insight->acts[a] = (StInsightActivation) { op->path, op->kind, 0.0 };
      insight->act_value[a] = op->output;
      insight->outputs[a] = g_try_new (float, MAX ((gsize) insight->chunk * numel, 1));
      insight->fired[a] = g_try_new0 (guint8, MAX (numel, 1));
      insight->n_acts++;
      if (insight->outputs[a] == NULL || insight->fired[a] == NULL)
        return NULL;
    }
  return g_steal_pointer (&insight);
}

static void
histogram (StInsightHistogram *h, const float *x, gsize n)
{
  double lo = INFINITY, hi = -INFINITY;

  memset (h, 0, sizeof *h);
  for (gsize i = 0; i < n; i++)
    if (isfinite (x[i]))
      {
        lo = MIN (lo, x[i]);
        hi = MAX (hi, x[i]);
      }
  if (lo > hi)
    {
      h->lo = h->hi = 0.0;
      return;
    }
  if (hi - lo < 1e-12)
    {
      /* one value: a bin of its own in the middle of a small range */
      lo -= 0.5e-6;
      hi += 0.5e-6;
    }
  h->lo = lo;
  h->hi = hi;
  for (gsize i = 0; i < n; i++)
    if (isfinite (x[i]))
      {
        int b = (int) ((x[i] - lo) / (hi - lo) * ST_INSIGHT_BINS);

        h->counts[CLAMP (b, 0, ST_INSIGHT_BINS - 1)]++;
      }
}

static double
norm (const float *x, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (double) x[i] * x[i];
  return sqrt (s);
}

static double
distance (const float *a, const float *b, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
  return sqrt (s);
}

/* The activations over the first images of the test set, a batch at a time. */
static gboolean
measure_activations (StInsight *insight, StBackend *backend, const StDataset *test,
                     GError **error)
{
  const StNet *net = insight->net;
  gint64 n = MIN (test->n, ST_INSIGHT_PROBE);

  if (insight->n_acts == 0)
    return TRUE;
  for (guint a = 0; a < insight->n_acts; a++)
    {
      memset (insight->fired[a], 0, net->values[insight->act_value[a]].numel);
      insight->saturated[a] = 0;
    }
  for (gint64 first = 0; first < n; first += insight->chunk)
    {
      guint32 idx[ST_INSIGHT_PROBE];
      int m = (int) MIN (insight->chunk, n - first);

      for (int i = 0; i < m; i++)
        idx[i] = (guint32) (first + i);
      if (!st_backend_snapshot_batch (backend, ST_SPLIT_TEST, idx, m, insight->act_value,
                                      (int) insight->n_acts, insight->outputs, error))
        return FALSE;
      for (guint a = 0; a < insight->n_acts; a++)
        {
          gsize numel = net->values[insight->act_value[a]].numel;

          for (int i = 0; i < m; i++)
            {
              const float *y = insight->outputs[a] + (gsize) i * numel;

              if (insight->acts[a].kind == ST_OP_RELU)
                for (gsize j = 0; j < numel; j++)
                  insight->fired[a][j] |= y[j] > 0.0f;
              else if (insight->acts[a].kind == ST_OP_SIGMOID)
                for (gsize j = 0; j < numel; j++)
                  insight->saturated[a] += y[j] < 0.01f || y[j] > 0.99f;
              else
                for (gsize j = 0; j < numel; j++)
                  insight->saturated[a] += fabsf (y[j]) > 0.99f;
            }
        }
    }
  for (guint a = 0; a < insight->n_acts; a++)
    {
      gsize numel = net->values[insight->act_value[a]].numel, dead = 0;

      if (insight->acts[a].kind == ST_OP_RELU)
        {
          for (gsize i = 0; i < numel; i++)
            dead += !insight->fired[a][i];
          insight->acts[a].fraction = n > 0 ? (double) dead / MAX (numel, 1) : NAN;
        }
      else
        insight->acts[a].fraction = n > 0 ? (double) insight->saturated[a]
                                            / ((double) MAX (numel, 1) * n)
                                          : NAN;
    }
  return TRUE;
}

gboolean
st_insight_measure (StInsight *insight, StBackend *backend, const float *params,
                    const StDataset *test, GError **error)
{
  const StNet *net = insight->net;

  g_return_val_if_fail (insight != NULL && backend != NULL && params != NULL, FALSE);
  g_return_val_if_fail (test != NULL, FALSE);

  if (!st_backend_read_grads (backend, insight->grads, error))
    return FALSE;
  for (guint l = 0; l < insight->n_layers; l++)
    {
      const StTensorInfo *info = &net->tensors[insight->layer_tensor[l]];
      const float *w = params + info->offset, *g = insight->grads + info->offset;
      StInsightLayer *layer = &insight->layers[l];
      double before;

      layer->weight_norm = norm (w, info->numel);
      layer->grad_norm = norm (g, info->numel);
      before = insight->measured ? norm (insight->previous + info->offset, info->numel) : 0.0;
      layer->update_ratio = insight->measured && before > 0.0
                              ? distance (w, insight->previous + info->offset, info->numel)
                                / before
                              : NAN;
      histogram (&layer->weights, w, info->numel);
      histogram (&layer->grads, g, info->numel);
    }
  memcpy (insight->previous, params, sizeof (float) * net->n_params);
  insight->measured = TRUE;
  return measure_activations (insight, backend, test, error);
}

const StInsightLayer *
st_insight_get_layers (const StInsight *insight, guint *n)
{
  *n = insight->n_layers;
  return insight->layers;
}

const StInsightActivation *
st_insight_get_activations (const StInsight *insight, guint *n)
{
  *n = insight->n_acts;
  return insight->acts;
}

static void
append_number (GString *out, double v)
{
  if (isfinite (v))
    st_json_append_double (out, v);
  else
    g_string_append (out, "null");
}

static void
append_histogram (GString *out, const StInsightHistogram *h)
{
  g_string_append (out, "{\"lo\": ");
  append_number (out, h->lo);
  g_string_append (out, ", \"hi\": ");
  append_number (out, h->hi);
  g_string_append (out, ", \"counts\": [");
  for (int b = 0; b < ST_INSIGHT_BINS; b++)
    g_string_append_printf (out, "%s%u", b > 0 ? ", " : "", h->counts[b]);
  g_string_append (out, "]}");
}

void
st_insight_append_json (const StInsight *insight, int epoch, GString *out)
{
  g_string_append_printf (out, "{\"epoch\": %d, \"layers\": [", epoch);
  for (guint l = 0; l < insight->n_layers; l++)
    {
      const StInsightLayer *layer = &insight->layers[l];

      g_string_append (out, l > 0 ? ", {\"name\": " : "{\"name\": ");
      st_json_append_string (out, layer->name);
      g_string_append (out, ", \"weight_norm\": ");
      append_number (out, layer->weight_norm);
      g_string_append (out, ", \"grad_norm\": ");
      append_number (out, layer->grad_norm);
      g_string_append (out, ", \"update_ratio\": ");
      append_number (out, layer->update_ratio);
      g_string_append (out, ", \"weights\": ");
      append_histogram (out, &layer->weights);
      g_string_append (out, ", \"grads\": ");
      append_histogram (out, &layer->grads);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "], \"activations\": [");
  for (guint a = 0; a < insight->n_acts; a++)
    {
      const StInsightActivation *act = &insight->acts[a];

      g_string_append (out, a > 0 ? ", {\"layer\": " : "{\"layer\": ");
      st_json_append_string (out, act->path);
      g_string_append_printf (out, ", \"type\": \"%s\", \"%s\": ",
                              act->kind == ST_OP_RELU ? "ReLU"
                              : act->kind == ST_OP_SIGMOID ? "Sigmoid" : "Tanh",
                              act->kind == ST_OP_RELU ? "dead" : "saturated");
      append_number (out, act->fraction);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
}

/* ---- reading back --------------------------------------------------------------------- */

void
st_insight_epoch_free (StInsightEpoch *epoch)
{
  if (epoch == NULL)
    return;
  for (guint l = 0; l < epoch->n_layers; l++)
    g_free ((char *) epoch->layers[l].name);
  for (guint a = 0; a < epoch->n_acts; a++)
    g_free ((char *) epoch->acts[a].path);
  g_free (epoch->layers);
  g_free (epoch->acts);
  g_free (epoch);
}

StInsightEpoch *
st_insight_epoch_copy (const StInsightEpoch *epoch)
{
  StInsightEpoch *copy = g_memdup2 (epoch, sizeof *epoch);

  copy->layers = g_memdup2 (epoch->layers, sizeof (StInsightLayer) * MAX (epoch->n_layers, 1));
  copy->acts = g_memdup2 (epoch->acts, sizeof (StInsightActivation) * MAX (epoch->n_acts, 1));
  for (guint l = 0; l < epoch->n_layers; l++)
    copy->layers[l].name = g_strdup (epoch->layers[l].name);
  for (guint a = 0; a < epoch->n_acts; a++)
    copy->acts[a].path = g_strdup (epoch->acts[a].path);
  return copy;
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
parse_histogram (JsonObject *o, StInsightHistogram *h)
{
  JsonArray *counts = o != NULL ? member_array (o, "counts") : NULL;

  memset (h, 0, sizeof *h);
  if (counts == NULL || json_array_get_length (counts) != ST_INSIGHT_BINS)
    return FALSE;
  h->lo = st_json_member_number (o, "lo");
  h->hi = st_json_member_number (o, "hi");
  if (!isfinite (h->lo) || !isfinite (h->hi) || h->lo > h->hi)
    return FALSE;
  for (int b = 0; b < ST_INSIGHT_BINS; b++)
    {
      JsonNode *node = json_array_get_element (counts, b);
      gint64 c;

      if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE
          || json_node_get_value_type (node) != G_TYPE_INT64)
        return FALSE;
      c = json_node_get_int (node);
      if (c < 0 || c > G_MAXUINT32)
        return FALSE;
      h->counts[b] = (guint32) c;
    }
  return TRUE;
}

/* The epoch of a line's object, or NULL when it is not one. */
static StInsightEpoch *
epoch_of_object (JsonObject *o)
{
  g_autoptr (StInsightEpoch) epoch = g_new0 (StInsightEpoch, 1);
  JsonArray *layers, *acts;

  layers = member_array (o, "layers");
  acts = member_array (o, "activations");
  if (layers == NULL || acts == NULL || !isfinite (st_json_member_number (o, "epoch")))
    return NULL;
  epoch->epoch = (int) json_object_get_int_member (o, "epoch");
  epoch->layers = g_new0 (StInsightLayer, MAX (json_array_get_length (layers), 1));
  epoch->acts = g_new0 (StInsightActivation, MAX (json_array_get_length (acts), 1));
  for (guint l = 0; l < json_array_get_length (layers); l++)
    {
      JsonNode *node = json_array_get_element (layers, l);
      JsonObject *lo = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      StInsightLayer *layer = &epoch->layers[epoch->n_layers];
      const char *name = lo != NULL ? json_object_get_string_member_with_default (lo, "name",
                                                                                  NULL)
                                    : NULL;

      if (name == NULL)
        return NULL;
      layer->name = g_strdup (name);
      epoch->n_layers++;
      layer->weight_norm = st_json_member_number (lo, "weight_norm");
      layer->grad_norm = st_json_member_number (lo, "grad_norm");
      layer->update_ratio = st_json_member_number (lo, "update_ratio");
      if (!parse_histogram (member_object (lo, "weights"), &layer->weights)
          || !parse_histogram (member_object (lo, "grads"), &layer->grads))
        return NULL;
    }
  for (guint a = 0; a < json_array_get_length (acts); a++)
    {
      JsonNode *node = json_array_get_element (acts, a);
      JsonObject *ao = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      StInsightActivation *act = &epoch->acts[epoch->n_acts];
      const char *path, *type;

      if (ao == NULL)
        return NULL;
      path = json_object_get_string_member_with_default (ao, "layer", NULL);
      type = json_object_get_string_member_with_default (ao, "type", NULL);
      if (path == NULL || type == NULL)
        return NULL;
      if (g_str_equal (type, "ReLU"))
        act->kind = ST_OP_RELU;
      else if (g_str_equal (type, "Sigmoid"))
        act->kind = ST_OP_SIGMOID;
      else if (g_str_equal (type, "Tanh"))
        act->kind = ST_OP_TANH;
      else
        return NULL;
      act->path = g_strdup (path);
      epoch->n_acts++;
      act->fraction = st_json_member_number (ao, act->kind == ST_OP_RELU ? "dead"
                                                                          : "saturated");
    }
  return g_steal_pointer (&epoch);
}

StInsightEpoch *
st_insight_epoch_parse (const char *line, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  JsonObject *o = st_json_line_object (line, parser);
  StInsightEpoch *epoch = o != NULL ? epoch_of_object (o) : NULL;

  if (epoch == NULL)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 _("not an epoch's insight: an object with \"epoch\", \"layers\" (each with its "
                   "name and 32-bin histograms) and \"activations\""));
  return epoch;
}

static gboolean
read_insight_line (char *line, gpointer into, JsonParser *parser)
{
  JsonObject *o = st_json_line_object (line, parser);
  StInsightEpoch *epoch = o != NULL ? epoch_of_object (o) : NULL;

  if (epoch != NULL)
    g_ptr_array_add (into, epoch);
  return epoch != NULL;
}

GPtrArray *
st_insight_read (const char *path, GError **error)
{
  g_autoptr (GPtrArray) epochs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) st_insight_epoch_free);

  if (!st_line_file_read (path, INSIGHT_MAX_SIZE, _("a file of insight"), FALSE, FALSE,
                          read_insight_line, epochs, error))
    return NULL;
  return g_steal_pointer (&epochs);
}
