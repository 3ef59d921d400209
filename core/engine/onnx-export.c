/* onnx-export.c: a model as an ONNX graph, written with protobuf-c (see onnx-export.h).
 *
 * The messages are the plain structs of core/engine/onnx-ir.pb-c.h (generated at build time from
 * core/engine/onnx-ir.proto). They are assembled in an arena — every allocation kept in one array
 * and freed together — and packed straight into the atomic file through a ProtobufCBuffer,
 * so the file is never held in memory whole; on a little-endian machine the initializers'
 * raw_data point into the parameter and buffer blocks without a copy.
 *
 * The graph is built from the compiled net: its spec copy, shape inference and tape give
 * each layer's shapes and geometry exactly as the backends run them (a pool's stride that
 * defaults to its kernel, a Conv2d's in_channels taken from its input), and its tensor table
 * the initializers' names, shapes and offsets.
 *
 * ONNX operators at opset 13: https://onnx.ai/onnx/operators/
 */
#define G_LOG_DOMAIN "strata-onnx"

#include "core/engine/onnx-export.h"
#include "core/io/i18n.h"

#include <string.h>

#include "core/engine/checkpoint.h"
#include "core/engine/onnx-ir.pb-c.h"
#include "core/io/atomic-file.h"
#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "strata-config.h"

G_DEFINE_QUARK (st-onnx-error-quark, st_onnx_error)

/* Google's protobuf refuses to parse a message of 2 GiB or more. */
#define MAX_MESSAGE ((gsize) G_MAXINT32)

/* An adaptive pool's averaging matrices are (out × in) along each axis; past this many
 * elements the model would be mostly constant matrices. */
#define MAX_POOL_MATRIX ((gint64) 1 << 24)

/* Attributes of the busiest node (MaxPool: kernel_shape, strides, pads, dilations,
 * ceil_mode). */
#define MAX_ATTRIBUTES 6

typedef StOnnx__NodeProto Node;
typedef StOnnx__TensorProto Tensor;
typedef StOnnx__AttributeProto Attribute;
typedef StOnnx__ValueInfoProto ValueInfo;

typedef struct {
  const StNet *net;
  const float *params;          /* the net's parameter block */
  const float *buffers;         /* its buffer block (running statistics), or NULL */
  GPtrArray   *arena;           /* every allocation the messages point to */
  GPtrArray   *nodes;           /* Node *, in execution order (ONNX wants them sorted) */
  GPtrArray   *initializers;    /* Tensor *, the net's tensors in state_dict order */
  GPtrArray   *value_info;      /* ValueInfo *, each layer's output but the last */
  GHashTable  *op_of_node;      /* const StNode * → its op's index + 1 */
  const StNode *last;           /* the last top-level layer: its value is "output" */
  GError     **error;
} Graph;

/* ---- the arena ----------------------------------------------------------------------- */

static gpointer
keep (Graph *g, gpointer p)
{
  g_ptr_array_add (g->arena, p);
  return p;
}

/* A message of type T set to its defaults, e.g. NEW (g, Node, ST_ONNX__NODE_PROTO__INIT). */
#define NEW(g, T, INIT) ((T *) keep ((g), g_memdup2 (&(T) INIT, sizeof (T))))

static char *
str (Graph *g, const char *s)
{
  return keep (g, g_strdup (s));
}

static char *
strf (Graph *g, const char *format, ...) G_GNUC_PRINTF (2, 3);

static char *
strf (Graph *g, const char *format, ...)
{
  va_list args;
  char *s;

  va_start (args, format);
  s = g_strdup_vprintf (format, args);
  va_end (args);
  return keep (g, s);
}

/* The messages' string fields are `char *`; the strings given are never written to. */
#define STATIC(s) ((char *) (s))

/* ---- values, tensors, nodes ---------------------------------------------------------- */

/* float32 (N, shape...), N symbolic. */
static StOnnx__TypeProto *
batch_type (Graph *g, const StShape *shape)
{
  StOnnx__TensorShapeProto *dims = NEW (g, StOnnx__TensorShapeProto,
                                        ST_ONNX__TENSOR_SHAPE_PROTO__INIT);
  StOnnx__TypeProto__Tensor *tensor = NEW (g, StOnnx__TypeProto__Tensor,
                                           ST_ONNX__TYPE_PROTO__TENSOR__INIT);
  StOnnx__TypeProto *type = NEW (g, StOnnx__TypeProto, ST_ONNX__TYPE_PROTO__INIT);

  dims->n_dim = 1 + shape->rank;
  dims->dim = keep (g, g_new0 (StOnnx__TensorShapeProto__Dimension *, dims->n_dim));
  for (gsize i = 0; i < dims->n_dim; i++)
    {
      StOnnx__TensorShapeProto__Dimension *d =
        NEW (g, StOnnx__TensorShapeProto__Dimension, ST_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);

      if (i == 0)
        {
          d->value_case = ST_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          d->dim_param = STATIC ("N");
        }
      else
        {
          d->value_case = ST_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          d->dim_value = shape->dim[i - 1];
        }
      dims->dim[i] = d;
    }
  tensor->has_elem_type = TRUE;
  tensor->elem_type = ST_ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  tensor->shape = dims;
  type->value_case = ST_ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tensor;
  return type;
}

static ValueInfo *
value_info (Graph *g, const char *name, const StShape *shape)
{
  ValueInfo *v = NEW (g, ValueInfo, ST_ONNX__VALUE_INFO_PROTO__INIT);

  v->name = STATIC (name);
  v->type = batch_type (g, shape);
  return v;
}

/* The net's tensor `index` as an initializer: float32, little-endian raw data. */
static gboolean
add_initializer (Graph *g, int index)
{
  const StTensorInfo *t = &g->net->tensors[index];
  const float *data = (t->role == ST_TENSOR_PARAM ? g->params : g->buffers) + t->offset;
  Tensor *x = NEW (g, Tensor, ST_ONNX__TENSOR_PROTO__INIT);

  x->name = t->name;
  x->n_dims = t->rank;
  x->dims = keep (g, g_memdup2 (t->dims, sizeof (gint64) * t->rank));
  x->has_data_type = TRUE;
  x->data_type = ST_ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  x->has_raw_data = TRUE;
  x->raw_data.len = t->numel * sizeof (float);
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
    x->raw_data.data = (guint8 *) data;
  else
    {
      guint32 *le = g_try_new (guint32, t->numel);

      if (le == NULL)
        {
          g_set_error (g->error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                       _("the model's %zu parameters do not fit in memory"), g->net->n_params);
          return FALSE;
        }
      for (gsize i = 0; i < t->numel; i++)
        {
          guint32 bits;

          memcpy (&bits, &data[i], sizeof bits);
          le[i] = GUINT32_TO_LE (bits);
        }
      x->raw_data.data = keep (g, le);
    }
  g_ptr_array_add (g->initializers, x);
  return TRUE;
}

static const char *
tensor_name (Graph *g, int index)
{
  return index >= 0 ? g->net->tensors[index].name : NULL;
}

/* A node reading `inputs` (NULL entries, the optional ones left out, are dropped: they
 * are always the last) and writing `output`. */
static Node *
add_node (Graph *g, const char *op_type, const char *name, const char *output,
          const char *const *inputs, gsize n_inputs)
{
  Node *node = NEW (g, Node, ST_ONNX__NODE_PROTO__INIT);

  node->op_type = STATIC (op_type);
  node->name = STATIC (name);
  node->input = keep (g, g_new0 (char *, n_inputs));
  for (gsize i = 0; i < n_inputs; i++)
    if (inputs[i] != NULL)
      node->input[node->n_input++] = STATIC (inputs[i]);
  node->n_output = 1;
  node->output = keep (g, g_new0 (char *, 1));
  node->output[0] = STATIC (output);
  node->attribute = keep (g, g_new0 (Attribute *, MAX_ATTRIBUTES));
  g_ptr_array_add (g->nodes, node);
  return node;
}

#define NODE(g, op_type, name, output, ...) \
  add_node ((g), (op_type), (name), (output), (const char *const[]) { __VA_ARGS__ }, \
            G_N_ELEMENTS (((const char *const[]) { __VA_ARGS__ })))

static Attribute *
add_attribute (Graph *g, Node *node, const char *name, StOnnx__AttributeProto__AttributeType type)
{
  Attribute *a = NEW (g, Attribute, ST_ONNX__ATTRIBUTE_PROTO__INIT);

  g_assert (node->n_attribute < MAX_ATTRIBUTES);
  a->name = STATIC (name);
  a->has_type = TRUE;
  a->type = type;
  node->attribute[node->n_attribute++] = a;
  return a;
}

static void
attr_int (Graph *g, Node *node, const char *name, gint64 value)
{
  Attribute *a = add_attribute (g, node, name, ST_ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

  a->has_i = TRUE;
  a->i = value;
}

static void
attr_float (Graph *g, Node *node, const char *name, double value)
{
  Attribute *a = add_attribute (g, node, name, ST_ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

  a->has_f = TRUE;
  a->f = (float) value;
}

static void
attr_ints (Graph *g, Node *node, const char *name, const gint64 *values, gsize n)
{
  Attribute *a = add_attribute (g, node, name, ST_ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

  a->n_ints = n;
  a->ints = keep (g, g_memdup2 (values, sizeof (gint64) * n));
}

/* (height, width) */
static void
attr_pair (Graph *g, Node *node, const char *name, gint64 h, gint64 w)
{
  attr_ints (g, node, name, (const gint64[]) { h, w }, 2);
}

/* ONNX pads are all the starts, then all the ends: (top, left, bottom, right). */
static void
attr_pads (Graph *g, Node *node, gint64 h, gint64 w)
{
  attr_ints (g, node, "pads", (const gint64[]) { h, w, h, w }, 4);
}

static Tensor *
float_tensor (Graph *g, const gint64 *dims, int rank, const float *values, gsize n)
{
  Tensor *t = NEW (g, Tensor, ST_ONNX__TENSOR_PROTO__INIT);

  t->n_dims = rank;
  t->dims = rank > 0 ? keep (g, g_memdup2 (dims, sizeof (gint64) * rank)) : NULL;
  t->has_data_type = TRUE;
  t->data_type = ST_ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  t->n_float_data = n;
  t->float_data = keep (g, g_memdup2 (values, sizeof (float) * n));
  return t;
}

static Tensor *
int64_tensor (Graph *g, const gint64 *values, gsize n)
{
  Tensor *t = NEW (g, Tensor, ST_ONNX__TENSOR_PROTO__INIT);

  t->n_dims = 1;
  t->dims = keep (g, g_new (int64_t, 1));
  t->dims[0] = n;
  t->has_data_type = TRUE;
  t->data_type = ST_ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
  t->n_int64_data = n;
  t->int64_data = keep (g, g_memdup2 (values, sizeof (gint64) * n));
  return t;
}

/* A Constant node writing `value` to "PATH/what"; returns that name. */
static const char *
add_constant (Graph *g, const char *path, const char *what, Tensor *value)
{
  const char *name = strf (g, "%s/%s", path, what);
  Node *node = add_node (g, "Constant", name, name, NULL, 0);
  Attribute *a = add_attribute (g, node, "value", ST_ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);

  a->t = value;
  return name;
}

/* ---- layers -------------------------------------------------------------------------- */

static const StOp *
op_of (Graph *g, const StNode *node)
{
  int index = GPOINTER_TO_INT (g_hash_table_lookup (g->op_of_node, node)) - 1;

  g_assert (index >= 0);
  return &g->net->ops[index];
}

/* PyTorch's adaptive windows along an axis of `in` cells pooled to `out`: cell i averages
 * [floor(i·in/out), ceil((i+1)·in/out)). As a matrix, (out × in) when `rows`, else its
 * transpose (in × out), of 1/window at the window's cells. */
static Tensor *
adaptive_matrix (Graph *g, gint64 in, gint64 out, gboolean rows)
{
  g_autofree float *m = g_new0 (float, in * out);
  gint64 dims[2] = { rows ? out : in, rows ? in : out };

  for (gint64 i = 0; i < out; i++)
    {
      gint64 start = i * in / out, end = ((i + 1) * in + out - 1) / out;

      for (gint64 j = start; j < end; j++)
        m[rows ? i * in + j : j * out + i] = 1.0f / (float) (end - start);
    }
  return float_tensor (g, dims, 2, m, in * out);
}

static gboolean
emit_adaptive (Graph *g, const StLayerInfo *info, const StOp *op, const char *in,
               const char *out)
{
  const StOpGeom *geom = &op->g;
  const char *path = info->path;
  const char *rows, *cols, *half;
  gint64 rows_n, cols_n;
  Node *node;

  if (geom->oh == 1 && geom->ow == 1)
    {
      NODE (g, "GlobalAveragePool", path, out, in);
      return TRUE;
    }
  /* Windows that tile the input: a plain average pool. */
  if (geom->h % geom->oh == 0 && geom->w % geom->ow == 0)
    {
      node = NODE (g, "AveragePool", path, out, in);
      attr_pair (g, node, "kernel_shape", geom->h / geom->oh, geom->w / geom->ow);
      attr_pair (g, node, "strides", geom->h / geom->oh, geom->w / geom->ow);
      return TRUE;
    }
  /* Windows of unequal sizes, or overlapping: rows · X · cols, the mean over a window's
   * rectangle being the mean over its rows of the means over its columns. */
  if (!st_mul_checked (geom->h, geom->oh, &rows_n) || !st_mul_checked (geom->w, geom->ow, &cols_n)
      || rows_n > MAX_POOL_MATRIX || cols_n > MAX_POOL_MATRIX)
    {
      g_set_error (g->error, ST_ONNX_ERROR, ST_ONNX_ERROR_TOO_LARGE,
                   _("layer %s (AdaptiveAvgPool2d): pooling %" PRId64 "×%" PRId64 " to %"
                     PRId64 "×%" PRId64 " in ONNX needs averaging matrices too large to "
                     "write; choose an output size that divides the input"),
                   path, geom->h, geom->w, geom->oh, geom->ow);
      return FALSE;
    }
  cols = add_constant (g, path, "cols", adaptive_matrix (g, geom->w, geom->ow, FALSE));
  rows = add_constant (g, path, "rows", adaptive_matrix (g, geom->h, geom->oh, TRUE));
  half = strf (g, "%s/pooled_cols", path);
  NODE (g, "MatMul", half, half, in, cols);     /* (N, C, H, ow) */
  NODE (g, "MatMul", path, out, rows, half);    /* (N, C, oh, ow) */
  return TRUE;
}

static gboolean
emit_leaf (Graph *g, const StLayerInfo *info, const char *in, const char *out)
{
  const StNode *node = info->node;
  const StOp *op = node->type->kind == ST_LAYER_FLATTEN ? NULL : op_of (g, node);
  const char *path = info->path;
  Node *n;

  switch (node->type->kind)
    {
    case ST_LAYER_CONV2D:
      n = NODE (g, "Conv", path, out, in, tensor_name (g, op->weight), tensor_name (g, op->bias));
      attr_pair (g, n, "kernel_shape", op->g.kh, op->g.kw);
      attr_pair (g, n, "strides", op->g.sh, op->g.sw);
      attr_pads (g, n, op->g.ph, op->g.pw);
      attr_pair (g, n, "dilations", op->g.dh, op->g.dw);
      attr_int (g, n, "group", 1);
      break;
    case ST_LAYER_MAXPOOL2D:
      n = NODE (g, "MaxPool", path, out, in);
      attr_pair (g, n, "kernel_shape", op->g.kh, op->g.kw);
      attr_pair (g, n, "strides", op->g.sh, op->g.sw);
      attr_pads (g, n, op->g.ph, op->g.pw);
      attr_pair (g, n, "dilations", op->g.dh, op->g.dw);
      attr_int (g, n, "ceil_mode", 0);
      break;
    case ST_LAYER_AVGPOOL2D:
      n = NODE (g, "AveragePool", path, out, in);
      attr_pair (g, n, "kernel_shape", op->g.kh, op->g.kw);
      attr_pair (g, n, "strides", op->g.sh, op->g.sw);
      attr_pads (g, n, op->g.ph, op->g.pw);
      attr_int (g, n, "count_include_pad", 1);
      attr_int (g, n, "ceil_mode", 0);
      break;
    case ST_LAYER_ADAPTIVEAVGPOOL2D:
      return emit_adaptive (g, info, op, in, out);
    case ST_LAYER_RELU:
      NODE (g, "Relu", path, out, in);
      break;
    case ST_LAYER_LEAKYRELU:
      n = NODE (g, "LeakyRelu", path, out, in);
      attr_float (g, n, "alpha", op->args.leaky_relu.negative_slope);
      break;
    case ST_LAYER_PRELU:
      {
        const StTensorInfo *w = &g->net->tensors[op->weight];
        const char *slope = w->name;

        /* PRelu broadcasts the slope from the last axis: a slope per channel of an image
         * becomes (C, 1, 1). */
        if (info->in.rank == 3 && w->numel > 1)
          {
            const char *axes = add_constant (g, path, "axes",
                                             int64_tensor (g, (const gint64[]) { 1, 2 }, 2));

            slope = strf (g, "%s/slope", path);
            NODE (g, "Unsqueeze", slope, slope, w->name, axes);
          }
        NODE (g, "PRelu", path, out, in, slope);
        break;
      }
    case ST_LAYER_SIGMOID:
      NODE (g, "Sigmoid", path, out, in);
      break;
    case ST_LAYER_TANH:
      NODE (g, "Tanh", path, out, in);
      break;
    case ST_LAYER_FLATTEN:
      n = NODE (g, "Flatten", path, out, in);
      attr_int (g, n, "axis", 1);
      break;
    case ST_LAYER_LINEAR:
      n = NODE (g, "Gemm", path, out, in, tensor_name (g, op->weight), tensor_name (g, op->bias));
      attr_int (g, n, "transB", 1);
      break;
    case ST_LAYER_DROPOUT:
      {
        float p = (float) op->args.dropout.p;
        const char *ratio = add_constant (g, path, "ratio", float_tensor (g, NULL, 0, &p, 1));

        NODE (g, "Dropout", path, out, in, ratio);
        break;
      }
    case ST_LAYER_BATCHNORM2D:
      {
        const char *scale = tensor_name (g, op->weight), *bias = tensor_name (g, op->bias);

        if (!op->args.batchnorm2d.affine)
          {
            g_autofree float *ones = g_new (float, op->g.c);
            g_autofree float *zeros = g_new0 (float, op->g.c);

            for (gint64 c = 0; c < op->g.c; c++)
              ones[c] = 1.0f;
            scale = add_constant (g, path, "scale", float_tensor (g, &op->g.c, 1, ones, op->g.c));
            bias = add_constant (g, path, "bias", float_tensor (g, &op->g.c, 1, zeros, op->g.c));
          }
        n = NODE (g, "BatchNormalization", path, out, in, scale, bias,
                  tensor_name (g, op->buffer), tensor_name (g, op->buffer + 1));
        attr_float (g, n, "epsilon", op->args.batchnorm2d.eps);
        attr_float (g, n, "momentum", 1.0 - op->args.batchnorm2d.momentum);
        break;
      }
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static const char *emit_seq (Graph *g, const GPtrArray *seq, const char *in);

/* Emits a layer or block reading `in`; returns the name of its output, NULL on error. */
static const char *
emit_node (Graph *g, const StNode *node, const char *in)
{
  const StLayerInfo *info = st_infer_find (g->net->infer, node);
  const char *out = node == g->last ? "output" : info->path;

  g_assert (info != NULL);
  if (node->type->kind == ST_LAYER_CONCAT)
    {
      const char **ends = keep (g, g_new0 (const char *, node->branches->len));
      Node *n;

      for (guint b = 0; b < node->branches->len; b++)
        if ((ends[b] = emit_seq (g, g_ptr_array_index (node->branches, b), in)) == NULL)
          return NULL;
      n = add_node (g, "Concat", info->path, out, ends, node->branches->len);
      attr_int (g, n, "axis", 1);
    }
  else if (node->type->kind == ST_LAYER_RESIDUAL)
    {
      const char *body = emit_seq (g, node->body, in);
      const char *skip = node->shortcut != NULL ? emit_seq (g, node->shortcut, in) : in;

      if (body == NULL || skip == NULL)
        return NULL;
      NODE (g, "Add", info->path, out, body, skip);
    }
  else if (!emit_leaf (g, info, in, out))
    return NULL;

  /* The layer's last node is the one writing its output: it names the PyTorch type. */
  ((Node *) g_ptr_array_index (g->nodes, g->nodes->len - 1))->doc_string =
    STATIC (node->type->name);
  if (node != g->last)
    g_ptr_array_add (g->value_info, value_info (g, out, &info->out));
  return out;
}

static const char *
emit_seq (Graph *g, const GPtrArray *seq, const char *in)
{
  for (guint i = 0; i < seq->len && in != NULL; i++)
    in = emit_node (g, g_ptr_array_index (seq, i), in);
  return in;
}

/* ---- writing ------------------------------------------------------------------------- */

/* protobuf-c packs a message in many small pieces (tags, lengths, varints); they are
 * gathered here and written to the atomic file in large ones. */
typedef struct {
  ProtobufCBuffer  base;
  StAtomicFile    *file;
  GError          *error;        /* the first write error; nothing is written after it */
  gsize            n_staged;
  guint8           staged[64 * 1024];
} FileSink;

static void
sink_flush (FileSink *sink)
{
  if (sink->error == NULL && sink->n_staged > 0)
    st_atomic_file_write (sink->file, sink->staged, sink->n_staged, &sink->error);
  sink->n_staged = 0;
}

static void
sink_append (ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
  FileSink *sink = (FileSink *) buffer;

  if (sink->n_staged + len > sizeof sink->staged)
    sink_flush (sink);
  if (len >= sizeof sink->staged)
    {
      if (sink->error == NULL)
        st_atomic_file_write (sink->file, data, len, &sink->error);
      return;
    }
  memcpy (sink->staged + sink->n_staged, data, len);
  sink->n_staged += len;
}

static gboolean
write_model (const StOnnx__ModelProto *model, const char *path, GError **error)
{
  g_autoptr (StAtomicFile) file = NULL;
  g_autofree FileSink *sink = NULL;
  gsize size = protobuf_c_message_get_packed_size (&model->base);

  if (size > MAX_MESSAGE)
    {
      g_set_error (error, ST_ONNX_ERROR, ST_ONNX_ERROR_TOO_LARGE,
                   _("%s: the model and its weights take %.1f GiB, more than the 2 GiB an "
                     "ONNX file can hold"), path, (double) size / (1 << 30));
      return FALSE;
    }
  file = st_atomic_file_open (path, 0644, error);
  if (file == NULL)
    return FALSE;
  sink = g_new0 (FileSink, 1);
  sink->base.append = sink_append;
  sink->file = file;
  protobuf_c_message_pack_to_buffer (&model->base, &sink->base);
  sink_flush (sink);
  if (sink->error != NULL)
    {
      g_propagate_error (error, sink->error);
      return FALSE;
    }
  return st_atomic_file_commit (g_steal_pointer (&file), error);
}

static void
graph_clear (Graph *g)
{
  g_clear_pointer (&g->nodes, g_ptr_array_unref);
  g_clear_pointer (&g->initializers, g_ptr_array_unref);
  g_clear_pointer (&g->value_info, g_ptr_array_unref);
  g_clear_pointer (&g->op_of_node, g_hash_table_unref);
  g_clear_pointer (&g->arena, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Graph, graph_clear)

gboolean
st_onnx_available (void)
{
  return TRUE;
}

gboolean
st_net_to_onnx (const StNet *net, const float *params, const float *buffers, const char *path,
                GError **error)
{
  g_auto (Graph) g = { 0 };
  StOnnx__ModelProto model = ST_ONNX__MODEL_PROTO__INIT;
  StOnnx__GraphProto graph = ST_ONNX__GRAPH_PROTO__INIT;
  StOnnx__OperatorSetIdProto opset = ST_ONNX__OPERATOR_SET_ID_PROTO__INIT;
  StOnnx__StringStringEntryProto spec_json = ST_ONNX__STRING_STRING_ENTRY_PROTO__INIT;
  StOnnx__OperatorSetIdProto *opsets[] = { &opset };
  StOnnx__StringStringEntryProto *metadata[] = { &spec_json };
  ValueInfo *input, *output;
  const GPtrArray *layers;

  g_return_val_if_fail (net != NULL && params != NULL && path != NULL, FALSE);
  g_return_val_if_fail (buffers != NULL || net->n_buffers == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  layers = net->spec->layers;
  g.net = net;
  g.params = params;
  g.buffers = buffers;
  g.arena = g_ptr_array_new_with_free_func (g_free);
  g.nodes = g_ptr_array_new ();
  g.initializers = g_ptr_array_new ();
  g.value_info = g_ptr_array_new ();
  g.op_of_node = g_hash_table_new (NULL, NULL);
  g.last = layers->len > 0 ? g_ptr_array_index (layers, layers->len - 1) : NULL;
  g.error = error;
  for (guint i = 0; i < net->n_ops; i++)
    g_hash_table_insert (g.op_of_node, (gpointer) net->ops[i].node, GINT_TO_POINTER (i + 1));

  for (guint i = 0; i < net->n_tensors; i++)
    if (!add_initializer (&g, i))
      return FALSE;
  input = value_info (&g, "input", &net->spec->input);
  if (emit_seq (&g, layers, "input") == NULL)
    return FALSE;
  output = value_info (&g, "output", &net->infer->output);

  graph.name = str (&g, net->spec->name != NULL && *net->spec->name != '\0'
                        ? net->spec->name : "strata-model");
  graph.doc_string = STATIC ("The model in evaluation mode (PyTorch's model.eval()): Dropout "
                             "passes its input on, BatchNormalization uses the running "
                             "statistics.");
  graph.n_node = g.nodes->len;
  graph.node = (Node **) g.nodes->pdata;
  graph.n_initializer = g.initializers->len;
  graph.initializer = (Tensor **) g.initializers->pdata;
  graph.n_input = 1;
  graph.input = &input;
  graph.n_output = 1;
  graph.output = &output;
  graph.n_value_info = g.value_info->len;
  graph.value_info = (ValueInfo **) g.value_info->pdata;

  opset.domain = STATIC ("");
  opset.has_version = TRUE;
  opset.version = ST_ONNX_OPSET;
  spec_json.key = STATIC ("strata.model");
  spec_json.value = keep (&g, st_spec_to_json (net->spec));

  model.has_ir_version = TRUE;
  model.ir_version = ST_ONNX_IR_VERSION;
  model.producer_name = STATIC ("Strata");
  model.producer_version = STATIC (STRATA_VERSION);
  model.graph = &graph;
  model.n_opset_import = G_N_ELEMENTS (opsets);
  model.opset_import = opsets;
  model.n_metadata_props = G_N_ELEMENTS (metadata);
  model.metadata_props = metadata;
  return write_model (&model, path, error);
}

gboolean
st_spec_to_onnx (const StSpec *spec, const char *weights, const char *path, GError **error)
{
  g_autoptr (StInfer) infer = NULL;
  g_autoptr (StNet) net = NULL;
  g_autofree float *params = NULL, *buffers = NULL;
  StRng rng;

  g_return_val_if_fail (spec != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  infer = st_spec_infer (spec);
  if (!st_infer_check (infer, ST_ONNX_ERROR, ST_ONNX_ERROR_MODEL, error)
      || (net = st_net_compile (spec, error)) == NULL)
    return FALSE;
  params = g_try_new0 (float, MAX (net->n_params, 1));
  buffers = g_try_new0 (float, MAX (net->n_buffers, 1));
  if (params == NULL || buffers == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the model's %zu parameters do not fit in memory"), net->n_params);
      return FALSE;
    }
  /* As a training run starts (st_backend_start), the weights given laid over them. */
  st_rng_init (&rng, spec->training.seed);
  st_net_init_params (net, params, buffers, spec->training.init, &rng);
  if (weights != NULL && !st_checkpoint_load (net, weights, params, buffers, NULL, error))
    return FALSE;
  return st_net_to_onnx (net, params, buffers, path, error);
}
