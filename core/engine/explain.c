/* explain.c: the breakdown of one output value (see explain.h for what each kind gives).
 *
 * Legend, per example (a value of one example is contiguous, NCHW without the N):
 *   C, H, W     the op's (first) input map      OC, OH, OW  its output map
 *   KH, KW      window   SH, SW  stride   PH, PW  padding   DH, DW  dilation
 *   in (C, H, W)   out (OC, OH, OW)   Conv2d w (OC, C, KH, KW)   Linear w (OC, C)
 * A flat value (F) is read as (F, 1, 1). The position asked for is (c, y, x) of out; its
 * flat index is (c·OH + y)·OW + x.
 */
#define G_LOG_DOMAIN "strata-explain"

#include "core/engine/explain.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#include "core/io/json-write.h"
#include "core/model/layer-types.h"

G_DEFINE_QUARK (st-explain-error-quark, st_explain_error)

/* At most this many paths are listed when the one asked for is unknown. */
#define PATHS_LISTED 12

/* ---- the position ----------------------------------------------------------------------- */

static gboolean
parse_index (const char *text, gint64 *out)
{
  g_autofree char *s = g_strstrip (g_strdup (text));
  guint64 v;

  if (*s == '\0' || !g_ascii_isdigit (*s)
      || !g_ascii_string_to_unsigned (s, 10, 0, G_MAXINT32, &v, NULL))
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

gboolean
st_explain_at_parse (const char *text, StExplainAt *at, GError **error)
{
  g_auto (GStrv) parts = NULL;
  guint n;
  gint64 v[3] = { 0, 0, 0 };

  g_return_val_if_fail (text != NULL && at != NULL, FALSE);

  parts = g_strsplit (text, ",", -1);
  n = g_strv_length (parts);
  for (guint i = 0; i < n && (n == 1 || n == 3); i++)
    if (!parse_index (parts[i], &v[i]))
      {
        n = 0;
        break;
      }
  if (n != 1 && n != 3)
    {
      g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION,
                   _("“%s” is not a position: give C,Y,X in a map or C in a flat output, "
                     "whole numbers from 0"), text);
      return FALSE;
    }
  at->rank = (int) n;
  at->c = v[0];
  at->y = v[1];
  at->x = v[2];
  return TRUE;
}

/* ---- the forward pass ------------------------------------------------------------------- */

void
st_explain_pass_free (StExplainPass *pass)
{
  if (pass == NULL)
    return;
  for (guint v = 0; v < pass->n_values && pass->values != NULL; v++)
    g_free (pass->values[v]);
  g_free (pass->values);
  g_free (pass->numel);
  g_free (pass->params);
  g_free (pass->buffers);
  g_free (pass);
}

StExplainPass *
st_explain_pass_copy (const StExplainPass *pass)
{
  StExplainPass *copy;

  g_return_val_if_fail (pass != NULL, NULL);

  copy = g_new0 (StExplainPass, 1);
  copy->example = pass->example;
  copy->n_values = pass->n_values;
  copy->values = g_new0 (float *, MAX (pass->n_values, 1));
  copy->numel = g_memdup2 (pass->numel, sizeof (gsize) * MAX (pass->n_values, 1));
  for (guint v = 0; v < pass->n_values; v++)
    copy->values[v] = g_memdup2 (pass->values[v], sizeof (float) * MAX (pass->numel[v], 1));
  copy->n_params = pass->n_params;
  copy->n_buffers = pass->n_buffers;
  copy->params = g_memdup2 (pass->params, sizeof (float) * MAX (pass->n_params, 1));
  copy->buffers = g_memdup2 (pass->buffers, sizeof (float) * MAX (pass->n_buffers, 1));
  return copy;
}

StExplainPass *
st_explain_pass_take (StBackend *backend, const StNet *net, StSplit split, gint64 example,
                      GError **error)
{
  g_autoptr (StExplainPass) pass = g_new0 (StExplainPass, 1);
  g_autofree int *ids = NULL;
  gsize floats = net != NULL ? net->n_params + net->n_buffers : 0;

  g_return_val_if_fail (backend != NULL && net != NULL, NULL);

  pass->example = example;
  pass->n_values = net->n_values;
  pass->values = g_new0 (float *, MAX (net->n_values, 1));
  pass->numel = g_new0 (gsize, MAX (net->n_values, 1));
  pass->n_params = net->n_params;
  pass->n_buffers = net->n_buffers;
  ids = g_new (int, net->n_values);
  for (guint v = 0; v < net->n_values; v++)
    {
      ids[v] = (int) v;
      pass->numel[v] = net->values[v].numel;
      floats += net->values[v].numel;
      pass->values[v] = g_try_new (float, MAX (net->values[v].numel, 1));
      if (pass->values[v] == NULL)
        break;
    }
  pass->params = g_try_new (float, MAX (net->n_params, 1));
  pass->buffers = g_try_new (float, MAX (net->n_buffers, 1));
  if (pass->params == NULL || pass->buffers == NULL
      || (net->n_values > 0 && pass->values[net->n_values - 1] == NULL))
    {
      g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_MEMORY,
                   _("the values of one forward pass (%zu numbers) do not fit in memory"),
                   floats);
      return NULL;
    }
  if (!st_backend_snapshot (backend, split, example, ids, (int) net->n_values, pass->values,
                            error)
      || !st_backend_read_state (backend, pass->params, pass->buffers, NULL, NULL, error))
    return NULL;
  return g_steal_pointer (&pass);
}

/* ---- finding the layer -------------------------------------------------------------------- */

static void
set_unknown_layer (const StNet *net, const char *path, GError **error)
{
  g_autoptr (GString) list = g_string_new (NULL);
  guint n = net->infer->n_layers;

  for (guint i = 0; i < n && i < PATHS_LISTED; i++)
    g_string_append_printf (list, i == 0 ? "%s" : ", %s", net->infer->layers[i].path);
  if (n > PATHS_LISTED)
    g_string_append (list, ", …");
  g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_LAYER,
               g_dngettext (GETTEXT_PACKAGE,
                            "the model has no layer “%s”; its %u layer is: %s",
                            "the model has no layer “%s”; its %u layers are, by path: %s", n),
               path, n, list->str);
}

static gboolean
check_at (const StLayerInfo *info, const StExplainAt *at, GError **error)
{
  const StShape *s = &info->out;
  const char *type = info->node->type->name;
  char shape[ST_SHAPE_STRING_MAX];

  st_shape_format (s, shape);
  if (s->rank == 1 && at->rank != 1)
    {
      g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION,
                   _("layer %s (%s) gives a flat output of shape %s: give its position as "
                     "one index, from 0 to %" PRId64), info->path, type, shape, s->dim[0] - 1);
      return FALSE;
    }
  if (s->rank == 3 && at->rank != 3)
    {
      g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION,
                   _("layer %s (%s) gives %s maps: give its position as C,Y,X"), info->path,
                   type, shape);
      return FALSE;
    }
  if (at->c < 0 || at->c >= s->dim[0]
      || (s->rank == 3 && (at->y < 0 || at->y >= s->dim[1] || at->x < 0 || at->x >= s->dim[2])))
    {
      if (s->rank == 1)
        g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION,
                     _("position %" PRId64 " is outside the output of layer %s (%s), which "
                       "has %s values: 0 to %" PRId64), at->c, info->path, type, shape,
                     s->dim[0] - 1);
      else
        g_set_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION,
                     _("position %" PRId64 ",%" PRId64 ",%" PRId64 " is outside the output of "
                       "layer %s (%s), which is %s: C from 0 to %" PRId64 ", Y from 0 to %"
                       PRId64 ", X from 0 to %" PRId64), at->c, at->y, at->x, info->path,
                     type, shape, s->dim[0] - 1, s->dim[1] - 1, s->dim[2] - 1);
      return FALSE;
    }
  return TRUE;
}

/* ---- the terms ----------------------------------------------------------------------------- */

/* Appends the term at flat index `index` of input `from`, whose shape is `shape` (a map or
 * a flat value), its input read from `in`; returns it for the caller to complete. */
static StExplainTerm *
add_index (GArray *terms, int from, const StShape *shape, const float *in, gint64 index)
{
  StExplainTerm t = { 0 };

  t.from = from;
  t.index = index;
  if (shape->rank == 3)
    {
      gint64 hw = shape->dim[1] * shape->dim[2];

      t.channel = index / hw;
      t.row = index % hw / shape->dim[2];
      t.col = index % shape->dim[2];
    }
  else
    {
      t.channel = index;
      t.row = t.col = -1;
    }
  t.input = in[index];
  t.product = t.input;
  g_array_append_val (terms, t);
  return &g_array_index (terms, StExplainTerm, terms->len - 1);
}

/* Appends the term at (channel, row, col) of the (C, H, W) map `in`, which may lie in the
 * padding: there its input is `pad`. */
static StExplainTerm *
add_map (GArray *terms, const StShape *shape, const float *in, gint64 channel, gint64 row,
         gint64 col, float pad)
{
  StExplainTerm t = { 0 };

  t.channel = channel;
  t.row = row;
  t.col = col;
  t.padding = row < 0 || row >= shape->dim[1] || col < 0 || col >= shape->dim[2];
  t.index = t.padding ? -1 : (channel * shape->dim[1] + row) * shape->dim[2] + col;
  t.input = t.padding ? pad : in[t.index];
  t.product = t.input;
  g_array_append_val (terms, t);
  return &g_array_index (terms, StExplainTerm, terms->len - 1);
}

static const float *
tensor (const StNet *net, const float *params, const float *buffers, int index)
{
  const StTensorInfo *t = &net->tensors[index];

  return (t->role == ST_TENSOR_PARAM ? params : buffers) + t->offset;
}

/* Conv2d's and Linear's end: the bias of the output channel, when the layer has one, and
 * sum + bias. */
static void
finish_weighted (StExplain *e, const StNet *net, const StOp *op, const float *params)
{
  if (op->bias >= 0)
    {
      e->has_bias = TRUE;
      e->bias = tensor (net, params, NULL, op->bias)[e->at.c];
    }
  e->result = e->sum + e->bias;
}

/* Conv2d: every (ic, ky, kx) of the receptive field, the padding included. */
static void
explain_conv2d (StExplain *e, GArray *terms, const StNet *net, const StOp *op, const float *in,
                const float *params)
{
  const StOpGeom *g = &op->g;
  const float *w = tensor (net, params, NULL, op->weight);   /* (OC, C, KH, KW) */

  for (gint64 ic = 0; ic < g->c; ic++)
    for (gint64 ky = 0; ky < g->kh; ky++)
      for (gint64 kx = 0; kx < g->kw; kx++)
        {
          StExplainTerm *t = add_map (terms, &e->in_shape, in, ic,
                                      e->at.y * g->sh - g->ph + ky * g->dh,
                                      e->at.x * g->sw - g->pw + kx * g->dw, 0.0f);

          t->weight = w[((e->at.c * g->c + ic) * g->kh + ky) * g->kw + kx];
          t->product = (double) t->input * t->weight;
          e->sum += t->product;
        }
  finish_weighted (e, net, op, params);
}

static void
explain_linear (StExplain *e, GArray *terms, const StNet *net, const StOp *op, const float *in,
                const float *params)
{
  const float *w = tensor (net, params, NULL, op->weight);   /* (OC, C) */

  for (gint64 i = 0; i < op->g.c; i++)
    {
      StExplainTerm *t = add_index (terms, 0, &e->in_shape, in, i);

      t->weight = w[e->at.c * op->g.c + i];
      t->product = (double) t->input * t->weight;
      e->sum += t->product;
    }
  finish_weighted (e, net, op, params);
}

/* MaxPool2d: rows y·SH − PH + ky·DH (columns likewise), padding −∞. core/ops/pool2d.c's rule:
 * the first position in the map to start with, then each one greater than the best so far,
 * or NaN, takes its place. */
static void
explain_maxpool2d (StExplain *e, GArray *terms, const StOp *op, const float *in)
{
  const StOpGeom *g = &op->g;
  float best = -INFINITY;
  gssize first = -1;

  for (gint64 ky = 0; ky < g->kh; ky++)
    for (gint64 kx = 0; kx < g->kw; kx++)
      {
        const StExplainTerm *t = add_map (terms, &e->in_shape, in, e->at.c,
                                          e->at.y * g->sh - g->ph + ky * g->dh,
                                          e->at.x * g->sw - g->pw + kx * g->dw, -INFINITY);

        if (t->padding)
          continue;
        if (first < 0)
          first = terms->len - 1;
        if (t->input > best || isnan (t->input))
          {
            best = t->input;
            e->chosen = terms->len - 1;
          }
      }
  if (e->chosen < 0)
    e->chosen = first;
  g_assert (e->chosen >= 0);
  e->sum = e->result = g_array_index (terms, StExplainTerm, e->chosen).input;
}

/* AvgPool2d, count_include_pad=True: the window [h0, h1) × [w0, w1) clipped to the padded map
 * (never clipped with ceil_mode=False), its size the divisor. */
static void
explain_avgpool2d (StExplain *e, GArray *terms, const StOp *op, const float *in)
{
  const StOpGeom *g = &op->g;
  gint64 h0 = e->at.y * g->sh - g->ph, w0 = e->at.x * g->sw - g->pw;
  gint64 h1 = MIN (h0 + g->kh, g->h + g->ph), w1 = MIN (w0 + g->kw, g->w + g->pw);

  for (gint64 r = h0; r < h1; r++)
    for (gint64 col = w0; col < w1; col++)
      e->sum += add_map (terms, &e->in_shape, in, e->at.c, r, col, 0.0f)->input;
  e->divisor = (double) ((h1 - h0) * (w1 - w0));
  e->result = e->sum / e->divisor;
}

/* AdaptiveAvgPool2d: bin i of n over m cells is [⌊i·m/n⌋, ⌈(i+1)·m/n⌉). */
static void
explain_adaptive (StExplain *e, GArray *terms, const StOp *op, const float *in)
{
  const StOpGeom *g = &op->g;
  gint64 h0 = e->at.y * g->h / g->oh, h1 = ((e->at.y + 1) * g->h + g->oh - 1) / g->oh;
  gint64 w0 = e->at.x * g->w / g->ow, w1 = ((e->at.x + 1) * g->w + g->ow - 1) / g->ow;

  for (gint64 r = h0; r < h1; r++)
    for (gint64 col = w0; col < w1; col++)
      e->sum += add_map (terms, &e->in_shape, in, e->at.c, r, col, 0.0f)->input;
  e->divisor = (double) ((h1 - h0) * (w1 - w0));
  e->result = e->sum / e->divisor;
}

/* The one-input elementwise kinds: x at the same index, f(x). */
static void
explain_elementwise (StExplain *e, GArray *terms, const StNet *net, const StOp *op,
                     const float *in, const float *params, const float *buffers)
{
  const StExplainTerm *t = add_index (terms, 0, &e->in_shape, in, e->out_index);
  double x = t->input;
  gint64 c = e->out_index / (gint64) MAX (op->plan.hw, 1);   /* the channel, dim 1 */

  e->chosen = 0;
  e->sum = x;
  switch (op->kind)
    {
    case ST_OP_RELU:
      e->result = x <= 0.0 ? 0.0 : x;
      break;
    case ST_OP_LEAKYRELU:
      e->slope = (float) op->args.leaky_relu.negative_slope;
      e->result = x > 0.0 ? x : x * e->slope;
      break;
    case ST_OP_PRELU:
      {
        const StTensorInfo *w = &net->tensors[op->weight];

        e->slope = tensor (net, params, buffers, op->weight)[w->numel == 1 ? 0 : c];
        e->result = x > 0.0 ? x : x * e->slope;
        break;
      }
    case ST_OP_SIGMOID:
      e->result = 1.0 / (1.0 + exp (-x));
      break;
    case ST_OP_TANH:
      e->result = tanh (x);
      break;
    case ST_OP_DROPOUT:
      e->p = op->args.dropout.p;
      e->result = x;
      break;
    case ST_OP_BATCHNORM2D:
      e->bn.running_mean = tensor (net, params, buffers, op->buffer)[c];
      e->bn.running_var = tensor (net, params, buffers, op->buffer + 1)[c];
      e->bn.eps = op->args.batchnorm2d.eps;
      e->bn.gamma = op->weight >= 0 ? tensor (net, params, buffers, op->weight)[c] : 1.0f;
      e->bn.beta = op->bias >= 0 ? tensor (net, params, buffers, op->bias)[c] : 0.0f;
      e->result = (x - e->bn.running_mean) / sqrt ((double) e->bn.running_var + e->bn.eps)
                  * e->bn.gamma + e->bn.beta;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Concat: the output channel lies in branch k, at its channel c − (channels before k). */
static void
explain_concat (StExplain *e, GArray *terms, const StNet *net, const StOp *op,
                const float *const *values)
{
  gint64 c = e->at.c, hw = op->g.oh * op->g.ow;
  int k = 0;

  while (k < op->n_inputs - 1 && c >= op->plan.channels[k])
    c -= op->plan.channels[k++];
  {
    int v = op->inputs[k].value;
    const StExplainTerm *t = add_index (terms, k, &net->values[v].shape, values[v],
                                        c * hw + e->out_index % hw);

    e->chosen = 0;
    e->sum = e->result = t->input;
  }
}

static void
explain_add (StExplain *e, GArray *terms, const StNet *net, const StOp *op,
             const float *const *values)
{
  for (int i = 0; i < op->n_inputs; i++)
    {
      int v = op->inputs[i].value;

      e->sum += add_index (terms, i, &net->values[v].shape, values[v], e->out_index)->input;
    }
  e->result = e->sum;
}

static StExplainKind
kind_of_op (StOpKind kind)
{
  switch (kind)
    {
    case ST_OP_CONV2D: return ST_EXPLAIN_CONV2D;
    case ST_OP_LINEAR: return ST_EXPLAIN_LINEAR;
    case ST_OP_MAXPOOL2D: return ST_EXPLAIN_MAXPOOL2D;
    case ST_OP_AVGPOOL2D: return ST_EXPLAIN_AVGPOOL2D;
    case ST_OP_ADAPTIVEAVGPOOL2D: return ST_EXPLAIN_ADAPTIVEAVGPOOL2D;
    case ST_OP_RELU: return ST_EXPLAIN_RELU;
    case ST_OP_LEAKYRELU: return ST_EXPLAIN_LEAKYRELU;
    case ST_OP_PRELU: return ST_EXPLAIN_PRELU;
    case ST_OP_SIGMOID: return ST_EXPLAIN_SIGMOID;
    case ST_OP_TANH: return ST_EXPLAIN_TANH;
    case ST_OP_BATCHNORM2D: return ST_EXPLAIN_BATCHNORM2D;
    case ST_OP_DROPOUT: return ST_EXPLAIN_DROPOUT;
    case ST_OP_CONCAT: return ST_EXPLAIN_CONCAT;
    case ST_OP_ADD: return ST_EXPLAIN_ADD;
    default: g_assert_not_reached ();
    }
  return ST_EXPLAIN_ADD;
}

StExplain *
st_explain (const StNet *net, const float *const *values, const float *params,
            const float *buffers, const char *path, const StExplainAt *at, GError **error)
{
  g_autoptr (GArray) terms = NULL;
  const StLayerInfo *info = NULL;
  const StOp *op = NULL;
  StExplain *e;
  int in_value, out_value;
  const StShape *out;

  g_return_val_if_fail (net != NULL && values != NULL && path != NULL && at != NULL, NULL);
  g_return_val_if_fail (net->n_params == 0 || params != NULL, NULL);
  g_return_val_if_fail (net->n_buffers == 0 || buffers != NULL, NULL);

  for (guint i = 0; i < net->infer->n_layers && info == NULL; i++)
    if (strcmp (net->infer->layers[i].path, path) == 0)
      info = &net->infer->layers[i];
  if (info == NULL)
    {
      set_unknown_layer (net, path, error);
      return NULL;
    }
  if (!check_at (info, at, error))
    return NULL;
  for (guint o = 0; o < net->n_ops && op == NULL; o++)
    if (net->ops[o].node == info->node)
      op = &net->ops[o];
  /* Without an op of its own, the layer is a Flatten: its value is its input's. */
  out_value = op != NULL ? op->output : st_net_path_value (net, path);
  in_value = op != NULL ? op->inputs[0].value : out_value;
  g_assert (out_value >= 0);

  out = &info->out;
  e = g_new0 (StExplain, 1);
  e->path = g_strdup (path);
  e->type = info->node->type->name;
  e->kind = op != NULL ? kind_of_op (op->kind) : ST_EXPLAIN_FLATTEN;
  e->at = *at;
  e->out_shape = *out;
  e->in_shape = net->values[in_value].shape;
  e->in_value = in_value;
  e->out_value = out_value;
  e->out_index = out->rank == 3 ? (at->c * out->dim[1] + at->y) * out->dim[2] + at->x : at->c;
  e->value = values[out_value][e->out_index];
  e->divisor = 1.0;
  e->chosen = -1;
  terms = g_array_new (FALSE, FALSE, sizeof (StExplainTerm));

  if (op == NULL)
    {
      e->chosen = 0;
      e->sum = e->result = add_index (terms, 0, &e->in_shape, values[in_value],
                                      e->out_index)->input;
    }
  else
    switch (op->kind)
      {
      case ST_OP_CONV2D:
        explain_conv2d (e, terms, net, op, values[in_value], params);
        break;
      case ST_OP_LINEAR:
        explain_linear (e, terms, net, op, values[in_value], params);
        break;
      case ST_OP_MAXPOOL2D:
        explain_maxpool2d (e, terms, op, values[in_value]);
        break;
      case ST_OP_AVGPOOL2D:
        explain_avgpool2d (e, terms, op, values[in_value]);
        break;
      case ST_OP_ADAPTIVEAVGPOOL2D:
        explain_adaptive (e, terms, op, values[in_value]);
        break;
      case ST_OP_CONCAT:
        explain_concat (e, terms, net, op, values);
        break;
      case ST_OP_ADD:
        explain_add (e, terms, net, op, values);
        break;
      default:
        explain_elementwise (e, terms, net, op, values[in_value], params, buffers);
        break;
      }
  e->n_terms = terms->len;
  e->terms = (StExplainTerm *) g_array_free (g_steal_pointer (&terms), FALSE);
  return e;
}

void
st_explain_free (StExplain *e)
{
  if (e == NULL)
    return;
  g_free (e->path);
  g_free (e->terms);
  g_free (e);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void
append_key_double (GString *out, const char *key, double d)
{
  g_string_append_printf (out, ", \"%s\": ", key);
  st_json_append_double (out, d);
}

char *
st_explain_to_json (const StExplain *e)
{
  GString *out = g_string_new ("{\"layer\": ");
  gboolean weighted;

  g_return_val_if_fail (e != NULL, NULL);

  weighted = e->kind == ST_EXPLAIN_CONV2D || e->kind == ST_EXPLAIN_LINEAR;
  st_json_append_string (out, e->path);
  g_string_append (out, ", \"type\": ");
  st_json_append_string (out, e->type);
  if (e->at.rank == 3)
    g_string_append_printf (out, ", \"at\": [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
                            G_GINT64_FORMAT "]", e->at.c, e->at.y, e->at.x);
  else
    g_string_append_printf (out, ", \"at\": [%" G_GINT64_FORMAT "]", e->at.c);
  append_key_double (out, "value", e->value);
  if (weighted)
    append_key_double (out, "bias", e->bias);
  else
    g_string_append (out, ", \"bias\": null");
  g_string_append_printf (out, ", \"has_bias\": %s", e->has_bias ? "true" : "false");
  append_key_double (out, "sum", e->sum);
  append_key_double (out, "divisor", e->divisor);
  append_key_double (out, "result", e->result);
  if (e->chosen >= 0)
    g_string_append_printf (out, ", \"chosen\": %" G_GSSIZE_FORMAT, e->chosen);
  else
    g_string_append (out, ", \"chosen\": null");
  if (e->kind == ST_EXPLAIN_LEAKYRELU || e->kind == ST_EXPLAIN_PRELU)
    append_key_double (out, "slope", e->slope);
  if (e->kind == ST_EXPLAIN_DROPOUT)
    append_key_double (out, "p", e->p);
  if (e->kind == ST_EXPLAIN_BATCHNORM2D)
    {
      append_key_double (out, "running_mean", e->bn.running_mean);
      append_key_double (out, "running_var", e->bn.running_var);
      append_key_double (out, "eps", e->bn.eps);
      append_key_double (out, "gamma", e->bn.gamma);
      append_key_double (out, "beta", e->bn.beta);
    }
  g_string_append (out, ", \"terms\": [");
  for (gsize i = 0; i < e->n_terms; i++)
    {
      const StExplainTerm *t = &e->terms[i];

      g_string_append (out, i == 0 ? "{\"input\": " : ", {\"input\": ");
      st_json_append_double (out, t->input);
      if (weighted)
        append_key_double (out, "weight", t->weight);
      else
        g_string_append (out, ", \"weight\": null");
      append_key_double (out, "product", t->product);
      g_string_append_printf (out, ", \"channel\": %" G_GINT64_FORMAT, t->channel);
      if (t->row >= 0 || t->padding)
        g_string_append_printf (out, ", \"row\": %" G_GINT64_FORMAT ", \"col\": %"
                                G_GINT64_FORMAT, t->row, t->col);
      else
        g_string_append (out, ", \"row\": null, \"col\": null");
      if (t->index >= 0)
        g_string_append_printf (out, ", \"index\": %" G_GINT64_FORMAT, t->index);
      else
        g_string_append (out, ", \"index\": null");
      g_string_append_printf (out, ", \"padding\": %s, \"from\": %d}",
                              t->padding ? "true" : "false", t->from);
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}
