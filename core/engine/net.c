/* net.c: compiling a spec into a tape of ops (see net.h for the rules), and initialising
 * its parameters as PyTorch does.
 *
 * PyTorch's defaults (reset_parameters):
 *   Conv2d, Linear: weight ~ U(-b, b) with b = 1/sqrt(fan_in) (kaiming_uniform_ with a=√5),
 *                   bias ~ U(-b, b) with the same b.
 *   PReLU:          every slope = init (0.25).
 *   BatchNorm2d:    gamma 1, beta 0, running_mean 0, running_var 1.
 * https://pytorch.org/docs/stable/nn.init.html for xavier_* and kaiming_* (gain √2 for ReLU).
 */
#define G_LOG_DOMAIN "strata-net"

#include "core/engine/net.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#include "core/model/layer-types.h"
#include "core/ops/conv2d.h"
#include "core/ops/pool2d.h"

G_DEFINE_QUARK (st-net-error-quark, st_net_error)

static const char *const op_names[ST_N_OPS] = {
  [ST_OP_CONV2D] = "conv2d", [ST_OP_MAXPOOL2D] = "maxpool2d", [ST_OP_AVGPOOL2D] = "avgpool2d",
  [ST_OP_ADAPTIVEAVGPOOL2D] = "adaptive_avgpool2d", [ST_OP_RELU] = "relu",
  [ST_OP_LEAKYRELU] = "leaky_relu", [ST_OP_PRELU] = "prelu", [ST_OP_SIGMOID] = "sigmoid",
  [ST_OP_TANH] = "tanh", [ST_OP_LINEAR] = "linear", [ST_OP_DROPOUT] = "dropout",
  [ST_OP_BATCHNORM2D] = "batchnorm2d", [ST_OP_CONCAT] = "concat", [ST_OP_ADD] = "add",
};

/* Whether every size of g fits the kernels' int: a geometry past them is refused, never
 * cut down to a smaller one (a stride of 2^32 + 1 would become 1). */
static gboolean
geom_fits_int (const StOpGeom *g)
{
  const gint64 v[] = { g->c, g->h, g->w, g->oc, g->oh, g->ow, g->kh, g->kw, g->sh, g->sw,
                       g->ph, g->pw, g->dh, g->dw };

  for (gsize i = 0; i < G_N_ELEMENTS (v); i++)
    if (v[i] < 0 || v[i] > G_MAXINT)
      return FALSE;
  return TRUE;
}

const char *
st_op_kind_name (StOpKind kind)
{
  g_return_val_if_fail (kind < ST_N_OPS, NULL);
  return op_names[kind];
}

typedef struct {
  StNet        *net;
  GArray       *ops;        /* StOp */
  GArray       *values;     /* StValue */
  GArray       *tensors;    /* StTensorInfo */
  GHashTable   *node_value; /* StNode* → value + 1 */
  guint         row;        /* next row of net->infer, pre-order */
  GError      **error;
} Compiler;

static int
add_value (Compiler *c, const StShape *shape, int producer)
{
  StValue v = { 0 };

  v.shape = *shape;
  v.numel = st_shape_numel (shape);
  v.producer = producer;
  g_array_append_val (c->values, v);
  return c->values->len - 1;
}

static int
add_tensor (Compiler *c, int op, const char *path, const char *suffix, StTensorRole role,
            int rank, const gint64 *dims, gint64 fan_in, gint64 fan_out)
{
  StTensorInfo t = { 0 };

  t.name = g_strdup_printf ("%s.%s", path, suffix);
  t.role = role;
  t.rank = rank;
  t.numel = 1;
  for (int i = 0; i < rank; i++)
    {
      t.dims[i] = dims[i];
      t.numel *= dims[i];
    }
  t.fan_in = fan_in;
  t.fan_out = fan_out;
  t.op = op;
  if (role == ST_TENSOR_PARAM)
    {
      t.offset = c->net->n_params;
      c->net->n_params += t.numel;
    }
  else
    {
      t.offset = c->net->n_buffers;
      c->net->n_buffers += t.numel;
    }
  g_array_append_val (c->tensors, t);
  return c->tensors->len - 1;
}

static void
shape_dims (const StShape *s, gint64 *c, gint64 *h, gint64 *w)
{
  if (s->rank == 3)
    *c = s->dim[0], *h = s->dim[1], *w = s->dim[2];
  else
    *c = s->dim[0], *h = 1, *w = 1;
}

static int compile_seq (Compiler *c, const GPtrArray *seq, int in);

/* Emits the op for one leaf; returns its output value. */
static int
compile_leaf (Compiler *c, const StLayerInfo *info, int in)
{
  const StNode *node = info->node;
  const StArgValue *v = node->args.v;
  StOp op = { 0 };
  int index = c->ops->len;

  if (node->type->kind == ST_LAYER_FLATTEN)
    return in;

  op.node = node;
  op.path = info->path;
  op.n_inputs = 1;
  op.inputs[0].value = in;
  op.weight = op.bias = op.buffer = -1;
  shape_dims (&info->in, &op.g.c, &op.g.h, &op.g.w);
  shape_dims (&info->out, &op.g.oc, &op.g.oh, &op.g.ow);
  op.g.kh = op.g.kw = op.g.sh = op.g.sw = op.g.dh = op.g.dw = 1;

  switch (node->type->kind)
    {
    case ST_LAYER_CONV2D:
      {
        gint64 k = v[ST_ARG_KERNEL_SIZE].i[0] * v[ST_ARG_KERNEL_SIZE].i[1];
        gint64 dims[4] = { op.g.oc, op.g.c, v[ST_ARG_KERNEL_SIZE].i[0], v[ST_ARG_KERNEL_SIZE].i[1] };

        op.kind = ST_OP_CONV2D;
        op.g.kh = dims[2], op.g.kw = dims[3];
        op.g.sh = v[ST_ARG_STRIDE].i[0], op.g.sw = v[ST_ARG_STRIDE].i[1];
        op.g.ph = v[ST_ARG_PADDING].i[0], op.g.pw = v[ST_ARG_PADDING].i[1];
        op.g.dh = v[ST_ARG_DILATION].i[0], op.g.dw = v[ST_ARG_DILATION].i[1];
        op.args.conv2d.bias = v[ST_ARG_BIAS].b;
        op.weight = add_tensor (c, index, info->path, "weight", ST_TENSOR_PARAM, 4, dims,
                                op.g.c * k, op.g.oc * k);
        if (op.args.conv2d.bias)
          op.bias = add_tensor (c, index, info->path, "bias", ST_TENSOR_PARAM, 1, &op.g.oc,
                                op.g.c * k, op.g.oc * k);
        break;
      }
    case ST_LAYER_MAXPOOL2D:
    case ST_LAYER_AVGPOOL2D:
      op.kind = node->type->kind == ST_LAYER_MAXPOOL2D ? ST_OP_MAXPOOL2D : ST_OP_AVGPOOL2D;
      op.g.kh = v[ST_ARG_KERNEL_SIZE].i[0], op.g.kw = v[ST_ARG_KERNEL_SIZE].i[1];
      if (st_node_has_arg (node, ST_ARG_STRIDE))
        op.g.sh = v[ST_ARG_STRIDE].i[0], op.g.sw = v[ST_ARG_STRIDE].i[1];
      else
        op.g.sh = op.g.kh, op.g.sw = op.g.kw;
      op.g.ph = v[ST_ARG_PADDING].i[0], op.g.pw = v[ST_ARG_PADDING].i[1];
      if (op.kind == ST_OP_MAXPOOL2D)
        op.g.dh = v[ST_ARG_DILATION].i[0], op.g.dw = v[ST_ARG_DILATION].i[1];
      break;
    case ST_LAYER_ADAPTIVEAVGPOOL2D:
      op.kind = ST_OP_ADAPTIVEAVGPOOL2D;
      break;
    case ST_LAYER_RELU:
      op.kind = ST_OP_RELU;
      break;
    case ST_LAYER_LEAKYRELU:
      op.kind = ST_OP_LEAKYRELU;
      op.args.leaky_relu.negative_slope = v[ST_ARG_NEGATIVE_SLOPE].f;
      break;
    case ST_LAYER_PRELU:
      {
        gint64 n = v[ST_ARG_NUM_PARAMETERS].i[0];
        op.kind = ST_OP_PRELU;
        op.args.prelu.init = v[ST_ARG_INIT].f;
        op.weight = add_tensor (c, index, info->path, "weight", ST_TENSOR_PARAM, 1, &n, 1, 1);
        break;
      }
    case ST_LAYER_SIGMOID:
      op.kind = ST_OP_SIGMOID;
      break;
    case ST_LAYER_TANH:
      op.kind = ST_OP_TANH;
      break;
    case ST_LAYER_LINEAR:
      {
        gint64 dims[2] = { op.g.oc, op.g.c * op.g.h * op.g.w };
        op.kind = ST_OP_LINEAR;
        op.g.c = dims[1], op.g.h = op.g.w = 1;
        op.args.linear.bias = v[ST_ARG_BIAS].b;
        op.weight = add_tensor (c, index, info->path, "weight", ST_TENSOR_PARAM, 2, dims,
                                dims[1], dims[0]);
        if (op.args.linear.bias)
          op.bias = add_tensor (c, index, info->path, "bias", ST_TENSOR_PARAM, 1, dims,
                                dims[1], dims[0]);
        break;
      }
    case ST_LAYER_DROPOUT:
      op.kind = ST_OP_DROPOUT;
      op.args.dropout.p = v[ST_ARG_P].f;
      break;
    case ST_LAYER_BATCHNORM2D:
      op.kind = ST_OP_BATCHNORM2D;
      op.args.batchnorm2d.eps = v[ST_ARG_EPS].f;
      op.args.batchnorm2d.momentum = v[ST_ARG_MOMENTUM].f;
      op.args.batchnorm2d.affine = v[ST_ARG_AFFINE].b;
      if (op.args.batchnorm2d.affine)
        {
          op.weight = add_tensor (c, index, info->path, "weight", ST_TENSOR_PARAM, 1, &op.g.c,
                                  1, 1);
          op.bias = add_tensor (c, index, info->path, "bias", ST_TENSOR_PARAM, 1, &op.g.c, 1, 1);
        }
      op.buffer = add_tensor (c, index, info->path, "running_mean", ST_TENSOR_BUFFER, 1, &op.g.c,
                              1, 1);
      add_tensor (c, index, info->path, "running_var", ST_TENSOR_BUFFER, 1, &op.g.c, 1, 1);
      break;
    default:
      g_assert_not_reached ();
    }
  op.output = add_value (c, &info->out, index);
  g_array_append_val (c->ops, op);
  return op.output;
}

static int
add_join (Compiler *c, StOpKind kind, const StLayerInfo *info, const int *inputs, int n)
{
  StOp op = { 0 };
  int index = c->ops->len;

  op.kind = kind;
  op.node = info->node;
  op.path = info->path;
  op.n_inputs = n;
  for (int i = 0; i < n; i++)
    op.inputs[i].value = inputs[i];
  op.weight = op.bias = op.buffer = -1;
  shape_dims (&info->out, &op.g.oc, &op.g.oh, &op.g.ow);
  shape_dims (&info->in, &op.g.c, &op.g.h, &op.g.w);
  op.output = add_value (c, &info->out, index);
  g_array_append_val (c->ops, op);
  return op.output;
}

static int
compile_node (Compiler *c, int in)
{
  const StLayerInfo *info = &c->net->infer->layers[c->row++];
  const StNode *node = info->node;
  int out;

  if (node->type->kind == ST_LAYER_CONCAT)
    {
      int ends[ST_OP_MAX_INPUTS];

      if (node->branches->len > ST_OP_MAX_INPUTS)
        {
          g_set_error (c->error, ST_NET_ERROR, ST_NET_ERROR_UNSUPPORTED,
                       _("layer %s (Concat): %u branches; Strata joins at most %d"), info->path,
                       node->branches->len, ST_OP_MAX_INPUTS);
          return -1;
        }
      for (guint b = 0; b < node->branches->len; b++)
        if ((ends[b] = compile_seq (c, g_ptr_array_index (node->branches, b), in)) < 0)
          return -1;
      out = add_join (c, ST_OP_CONCAT, info, ends, node->branches->len);
    }
  else if (node->type->kind == ST_LAYER_RESIDUAL)
    {
      int ends[2];

      if ((ends[0] = compile_seq (c, node->body, in)) < 0)
        return -1;
      ends[1] = node->shortcut != NULL ? compile_seq (c, node->shortcut, in) : in;
      if (ends[1] < 0)
        return -1;
      out = add_join (c, ST_OP_ADD, info, ends, 2);
    }
  else
    out = compile_leaf (c, info, in);

  g_hash_table_insert (c->node_value, (gpointer) node, GINT_TO_POINTER (out + 1));
  return out;
}

static int
compile_seq (Compiler *c, const GPtrArray *seq, int in)
{
  for (guint i = 0; i < seq->len && in >= 0; i++)
    in = compile_node (c, in);
  return in;
}

/* The accumulation rule of net.h: walking backward, a value's first gradient writes. */
static void
assign_grad_modes (StNet *net)
{
  g_autofree gboolean *seen = g_new0 (gboolean, net->n_values);

  for (guint v = 1; v < net->n_values; v++)
    net->values[v].needs_grad = TRUE;
  for (guint o = net->n_ops; o-- > 0;)
    {
      StOp *op = &net->ops[o];

      for (int i = 0; i < op->n_inputs; i++)
        {
          int v = op->inputs[i].value;

          net->values[v].n_consumers++;
          if (!seen[v])
            op->inputs[i].grad_mode = ST_GRAD_WRITE;
          else
            op->inputs[i].grad_mode = ST_GRAD_ADD;
          seen[v] = TRUE;
        }
    }
}

/* A window op's geometry as its kernels will take it: the CPU's checks are the strictest
 * (every size the loops and BLAS's int dimensions see), so they decide for every backend. */
static gboolean
window_geom_is_valid (const StOp *op)
{
  const StOpGeom *g = &op->g;

  switch (op->kind)
    {
    case ST_OP_CONV2D:
      {
        StConv2dGeom k = { .C = g->c, .H = g->h, .W = g->w, .OC = g->oc, .KH = g->kh,
                           .KW = g->kw, .SH = g->sh, .SW = g->sw, .PH = g->ph, .PW = g->pw,
                           .DH = g->dh, .DW = g->dw };

        return st_conv2d_geom_init (&k) && k.OH == g->oh && k.OW == g->ow;
      }
    case ST_OP_MAXPOOL2D:
    case ST_OP_AVGPOOL2D:
      {
        StPool2dGeom k = { .C = g->c, .H = g->h, .W = g->w, .KH = g->kh, .KW = g->kw,
                           .SH = g->sh, .SW = g->sw, .PH = g->ph, .PW = g->pw, .DH = g->dh,
                           .DW = g->dw };

        return st_pool2d_geom_init (&k) && k.OH == g->oh && k.OW == g->ow;
      }
    case ST_OP_ADAPTIVEAVGPOOL2D:
      {
        StAdaptivePool2dGeom k = { .C = g->c, .H = g->h, .W = g->w, .OH = g->oh, .OW = g->ow };

        return st_adaptive_pool2d_geom_init (&k);
      }
    default:
      return TRUE;
    }
}

/* Each op's StOpPlan, and the net's cache block and BatchNorm slots: the one plan both
 * backends read. */
static gboolean
plan_ops (StNet *net, GError **error)
{
  gsize cache = 0;

  net->n_batchnorm = 0;
  net->batchnorm_max_c = 1;
  for (guint o = 0; o < net->n_ops; o++)
    {
      StOp *op = &net->ops[o];
      StOpPlan *p = &op->plan;

      op->name = st_op_kind_name (op->kind);
      p->in_numel = net->values[op->inputs[0].value].numel;
      p->out_numel = net->values[op->output].numel;
      p->hw = (gsize) op->g.h * op->g.w;
      p->bn_index = -1;
      if (!geom_fits_int (&op->g) || p->in_numel > G_MAXINT || p->out_numel > G_MAXINT
          || !window_geom_is_valid (op))
        {
          g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                       _("layer %s: the %s geometry is invalid"), op->path, op->name);
          return FALSE;
        }
      switch (op->kind)
        {
        case ST_OP_MAXPOOL2D:
          p->cache_bytes = p->out_numel * sizeof (gint32);
          break;
        case ST_OP_DROPOUT:
          p->cache_bytes = p->in_numel;
          break;
        case ST_OP_BATCHNORM2D:
          p->bn_index = net->n_batchnorm++;
          net->batchnorm_max_c = MAX (net->batchnorm_max_c, (int) op->g.c);
          break;
        case ST_OP_CONCAT:
          for (int i = 0; i < op->n_inputs; i++)
            p->channels[i] = (int) net->values[op->inputs[i].value].shape.dim[0];
          break;
        default:
          break;
        }
      p->cache_off = cache;
      cache += (p->cache_bytes + ST_NET_CACHE_ALIGN - 1) / ST_NET_CACHE_ALIGN
               * ST_NET_CACHE_ALIGN;
    }
  net->cache_bytes = cache;
  return TRUE;
}

StNet *
st_net_compile (const StSpec *spec, GError **error)
{
  g_autoptr (StNet) net = g_new0 (StNet, 1);
  Compiler c = { 0 };
  gboolean ok;

  g_return_val_if_fail (spec != NULL, NULL);

  net->spec = st_spec_copy (spec);
  net->infer = st_spec_infer (net->spec);
  if (net->infer->n_errors > 0)
    {
      for (guint i = 0; i < net->infer->n_layers; i++)
        if (net->infer->layers[i].error != NULL)
          {
            g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                         g_dngettext (GETTEXT_PACKAGE,
                                      "the model has %u error; the first is on layer %s: %s",
                                      "the model has %u errors; the first is on layer %s: %s",
                                      net->infer->n_errors),
                         net->infer->n_errors, net->infer->layers[i].path,
                         net->infer->layers[i].error);
            return NULL;
          }
    }
  if (net->spec->layers->len == 0)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL, _("the model has no layers"));
      return NULL;
    }

  c.net = net;
  c.ops = g_array_new (FALSE, TRUE, sizeof (StOp));
  c.values = g_array_new (FALSE, TRUE, sizeof (StValue));
  c.tensors = g_array_new (FALSE, TRUE, sizeof (StTensorInfo));
  c.node_value = g_hash_table_new (NULL, NULL);
  c.error = error;
  add_value (&c, &net->spec->input, -1);
  net->output = compile_seq (&c, net->spec->layers, 0);
  ok = net->output >= 0;

  net->n_ops = c.ops->len;
  net->ops = (StOp *) g_array_free (c.ops, FALSE);
  net->n_values = c.values->len;
  net->values = (StValue *) g_array_free (c.values, FALSE);
  net->n_tensors = c.tensors->len;
  net->tensors = (StTensorInfo *) g_array_free (c.tensors, FALSE);
  g_hash_table_unref (c.node_value);
  if (!ok)
    return NULL;
  /* Dropout's random streams are numbered by op (core/ops/rng.h). */
  if (net->n_ops > ST_RNG_DROPOUT_MAX_OPS)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("the model compiles to %u operations; Strata runs at most %" PRIu64),
                   net->n_ops, ST_RNG_DROPOUT_MAX_OPS);
      return NULL;
    }

  for (guint v = 0; v < net->n_values; v++)
    net->max_value_numel = MAX (net->max_value_numel, net->values[v].numel);
  assign_grad_modes (net);
  if (!plan_ops (net, error))
    return NULL;
  return g_steal_pointer (&net);
}

void
st_net_free (StNet *net)
{
  if (net == NULL)
    return;
  for (guint i = 0; i < net->n_tensors; i++)
    g_free (net->tensors[i].name);
  g_free (net->tensors);
  g_free (net->ops);
  g_free (net->values);
  g_clear_pointer (&net->infer, st_infer_free);
  g_clear_pointer (&net->spec, st_spec_free);
  g_free (net);
}

int
st_net_find_tensor (const StNet *net, const char *name)
{
  for (guint i = 0; i < net->n_tensors; i++)
    if (strcmp (net->tensors[i].name, name) == 0)
      return i;
  return -1;
}

/* Do two paths name layers of one sequence ("5.branches.1.0" and "5.branches.1.2")? */
static gboolean
same_seq (const char *a, const char *b)
{
  const char *da = strrchr (a, '.'), *db = strrchr (b, '.');
  gsize la = da != NULL ? (gsize) (da - a) : 0, lb = db != NULL ? (gsize) (db - b) : 0;

  return la == lb && strncmp (a, b, la) == 0;
}

static int row_value (const StNet *net, guint i);

/* The value row i reads: its previous sibling's output, or its block's input for the
 * first layer of a body, shortcut or branch; the network's input (value 0) at the top. */
static int
row_input (const StNet *net, guint i)
{
  const StLayerInfo *info = &net->infer->layers[i];

  for (guint j = i; j-- > 0;)
    {
      if ((int) j == info->parent)
        return row_input (net, j);
      if (net->infer->layers[j].parent == info->parent
          && same_seq (net->infer->layers[j].path, info->path))
        return row_value (net, j);
    }
  return 0;
}

static int
row_value (const StNet *net, guint i)
{
  const StLayerInfo *info = &net->infer->layers[i];

  for (guint o = 0; o < net->n_ops; o++)
    if (net->ops[o].node == info->node)
      return net->ops[o].output;
  /* No op of its own: a Flatten, whose value is its input's. */
  return row_input (net, i);
}

int
st_net_path_value (const StNet *net, const char *path)
{
  for (guint i = 0; i < net->infer->n_layers; i++)
    if (strcmp (net->infer->layers[i].path, path) == 0)
      return row_value (net, i);
  return -1;
}

/* ---- initialisation ------------------------------------------------------------------ */

static void
fill_uniform (float *out, gsize n, double bound, StRng *rng)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (float) ((st_rng_uniform (rng) * 2.0 - 1.0) * bound);
}

static void
fill_normal (float *out, gsize n, double std, StRng *rng)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (st_rng_normal (rng) * std);
}

static void
fill_const (float *out, gsize n, float value)
{
  for (gsize i = 0; i < n; i++)
    out[i] = value;
}

void
st_net_init_params (const StNet *net, float *params, float *buffers, StInitKind init, StRng *rng)
{
  g_return_if_fail (net != NULL && params != NULL && rng != NULL);

  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      const StOp *op = &net->ops[t->op];
      float *p = t->role == ST_TENSOR_PARAM ? params + t->offset
                                            : (buffers != NULL ? buffers + t->offset : NULL);
      gboolean is_weight = g_str_has_suffix (t->name, ".weight");
      double fan_in = (double) t->fan_in, fan_out = (double) t->fan_out;

      if (p == NULL)
        continue;
      switch (op->kind)
        {
        case ST_OP_CONV2D:
        case ST_OP_LINEAR:
          if (!is_weight || init == ST_INIT_DEFAULT)
            fill_uniform (p, t->numel, 1.0 / sqrt (fan_in), rng);
          else if (init == ST_INIT_XAVIER_UNIFORM)
            fill_uniform (p, t->numel, sqrt (6.0 / (fan_in + fan_out)), rng);
          else if (init == ST_INIT_XAVIER_NORMAL)
            fill_normal (p, t->numel, sqrt (2.0 / (fan_in + fan_out)), rng);
          else if (init == ST_INIT_KAIMING_UNIFORM)
            fill_uniform (p, t->numel, sqrt (2.0) * sqrt (3.0 / fan_in), rng);
          else
            fill_normal (p, t->numel, sqrt (2.0) / sqrt (fan_in), rng);
          break;
        case ST_OP_PRELU:
          fill_const (p, t->numel, (float) op->args.prelu.init);
          break;
        case ST_OP_BATCHNORM2D:
          /* weight and running_var start at 1; bias and running_mean at 0. */
          fill_const (p, t->numel, g_str_has_suffix (t->name, ".weight")
                                   || g_str_has_suffix (t->name, ".running_var") ? 1.0f : 0.0f);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}
