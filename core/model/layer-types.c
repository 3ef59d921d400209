/* layer-types.c: one row per PyTorch layer type — its arguments and its shape rule.
 *
 * Shape rules follow the formulas on each layer's PyTorch page, e.g. for Conv2d
 *   out = floor((in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1
 * https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 * All sizes are gint64 and every product is checked; errors are worded for a learner
 * and name the argument they concern. A rule fills in one row of shape inference
 * (layer-info.h); infer.c walks the spec and handles the blocks.
 *
 * Below the table: a new node of a type, with the type's defaults (st_node_new), and an
 * argument put back to its default (st_node_unset).
 */
#define G_LOG_DOMAIN "strata-layers"

#include "core/model/layer-types.h"
#include "core/io/i18n.h"

#include <string.h>

#include "core/model/spec-private.h"

#define INT(x)   { .i = { (x), (x) } }
#define PAIR(x)  { .i = { (x), (x) } }
#define FLOAT(x) { .f = (x) }
#define BOOL(x)  { .b = (x) }

/* ---- argument helpers ---------------------------------------------------------------- */

static gint64
arg_int (const StNode *node, StArgId id)
{
  return node->args.v[id].i[0];
}

static void
arg_pair (const StNode *node, StArgId id, gint64 out[2])
{
  out[0] = node->args.v[id].i[0];
  out[1] = node->args.v[id].i[1];
}

static gboolean
given (const StNode *node, StArgId id)
{
  return st_node_has_arg (node, id);
}

/* "5×5" for a pair, "5" when both sides agree. */
static const char *
pair_str (const gint64 v[2], char *buf, gsize size)
{
  g_snprintf (buf, size, "%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT, v[0], v[1]);
  return buf;
}

/* Checks a size argument against a minimum; TRUE when fine. */
static gboolean
check_min (StLayerInfo *info, const StNode *node, StArgId id, gint64 min, const char *what)
{
  const StArgValue *v = &node->args.v[id];
  StArgKind kind = st_arg_kind (id);
  int n = kind == ST_ARG_KIND_PAIR ? 2 : 1;

  for (int i = 0; i < n; i++)
    if (v->i[i] < min)
      {
        st_layer_info_fail (info, st_arg_name (id), _("%s must be %s, got %" PRId64),
                            st_arg_name (id), what, v->i[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
need_image (StLayerInfo *info, const StNode *node, const StShape *in)
{
  char buf[ST_SHAPE_STRING_MAX];

  if (in->rank == 3)
    return TRUE;
  if (in->rank == 1)
    st_layer_info_fail (info, NULL,
                        _("%s needs an image (channels×height×width) but its input is %s "
                          "features; it cannot follow a Flatten or a Linear"),
                        node->type->name, st_shape_format (in, buf));
  else
    st_layer_info_fail (info, NULL, _("%s needs an image but its input is unknown"),
                        node->type->name);
  return FALSE;
}

static void
overflow (StLayerInfo *info, const char *what)
{
  st_layer_info_fail (info, NULL, _("%s is too large to count: the sizes multiply past 64 bits"),
                      what);
}

/* Output size of a sliding window along one axis, PyTorch's formula. Returns the size,
 * which may be 0 or negative when the window does not fit; *ok is FALSE on overflow. */
static gint64
window_out (gint64 in, gint64 kernel, gint64 stride, gint64 pad, gint64 dilation, gboolean *ok)
{
  gint64 padded, span;

  if (!st_mul_checked (2, pad, &padded) || !st_add_checked (padded, in, &padded)
      || !st_mul_checked (dilation, kernel - 1, &span) || !st_add_checked (span, 1, &span))
    {
      *ok = FALSE;
      return 0;
    }
  if (padded < span)
    return 0;
  return (padded - span) / stride + 1;
}

/* The shared rule of Conv2d, MaxPool2d and AvgPool2d: H and W of the output, or an error
 * in the words of the course ("input is 16×1×1, smaller than the 2×2 window"). */
static gboolean
window_shape (StLayerInfo *info, const StShape *in, gint64 channels, const gint64 k[2],
              const gint64 s[2], const gint64 p[2], const gint64 d[2], const char *window,
              gint64 out_hw[2])
{
  gboolean ok = TRUE;
  char inb[ST_SHAPE_STRING_MAX], kb[64];

  for (int a = 0; a < 2; a++)
    out_hw[a] = window_out (in->dim[1 + a], k[a], s[a], p[a], d[a], &ok);
  if (!ok)
    {
      overflow (info, _("the padded input"));
      out_hw[0] = out_hw[1] = 0;
      return FALSE;
    }
  if (out_hw[0] < 1 || out_hw[1] < 1)
    {
      gint64 eff[2] = { d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1 };
      gboolean padded = p[0] > 0 || p[1] > 0;

      st_layer_info_fail (info, "kernel_size",
                          _("input is %s%s, smaller than the %s %s — output would be "
                            "%" PRId64 "×%" PRId64 "×%" PRId64),
                          st_shape_format (in, inb), padded ? _(" with padding") : "",
                          pair_str (eff, kb, sizeof kb), window, channels,
                          MAX (out_hw[0], 0), MAX (out_hw[1], 0));
      out_hw[0] = MAX (out_hw[0], 0);
      out_hw[1] = MAX (out_hw[1], 0);
      return FALSE;
    }
  return TRUE;
}

/* With dilation, a window that starts in the padding before a map narrower than the
 * dilation can fall between the map's rows and take no value at all; Strata's pools refuse
 * such a geometry. The first tap at or after row 0 of window o is at row
 * (o·stride − padding) mod dilation, and windows that start inside the map always take their
 * first tap. Returns the first empty window along the axis, or -1. Only the windows that
 * start in the padding are walked, at most a million of them. */
static gint64
empty_window (gint64 in, gint64 stride, gint64 pad, gint64 dilation, gint64 out)
{
  if (dilation <= in)
    return -1;
  for (gint64 o = 0; o < out && o <= pad / stride && o < (1 << 20); o++)
    {
      gint64 before = pad - o * stride;

      if (before == 0)
        break;
      if (before % dilation != 0 && dilation - before % dilation >= in)
        return o;
    }
  return -1;
}

/* ---- leaf rules ---------------------------------------------------------------------- */

static void
infer_conv2d (const StNode *node, const StShape *in, StLayerInfo *info)
{
  gint64 oc = arg_int (node, ST_ARG_OUT_CHANNELS), ic, k[2], s[2], p[2], d[2], hw[2];
  gint64 weights, positions;
  gboolean image;

  info->out = ST_SHAPE_UNKNOWN;
  if (!check_min (info, node, ST_ARG_OUT_CHANNELS, 1, _("at least 1"))
      || !check_min (info, node, ST_ARG_KERNEL_SIZE, 1, _("at least 1"))
      || !check_min (info, node, ST_ARG_STRIDE, 1, _("at least 1"))
      || !check_min (info, node, ST_ARG_PADDING, 0, _("0 or more"))
      || !check_min (info, node, ST_ARG_DILATION, 1, _("at least 1")))
    {
      if (in->rank == 3 && oc > 0)
        info->out = st_shape_chw (oc, in->dim[1], in->dim[2]);
      info->params_unknown = TRUE;
      return;
    }
  image = need_image (info, node, in);
  if (image && given (node, ST_ARG_IN_CHANNELS) && arg_int (node, ST_ARG_IN_CHANNELS) != in->dim[0])
    st_layer_info_fail (info, "in_channels",
                        _("in_channels is %" PRId64 " but the input has %" PRId64
                          " channels"), arg_int (node, ST_ARG_IN_CHANNELS), in->dim[0]);

  arg_pair (node, ST_ARG_KERNEL_SIZE, k);
  arg_pair (node, ST_ARG_STRIDE, s);
  arg_pair (node, ST_ARG_PADDING, p);
  arg_pair (node, ST_ARG_DILATION, d);
  if (image)
    {
      window_shape (info, in, oc, k, s, p, d, _("kernel"), hw);
      info->out = st_shape_chw (oc, hw[0], hw[1]);
    }

  /* The weight PyTorch builds is out_channels × in_channels × kernel with in_channels as
   * declared; only an undeclared one is taken from the input. */
  ic = given (node, ST_ARG_IN_CHANNELS) ? arg_int (node, ST_ARG_IN_CHANNELS)
                                        : image ? in->dim[0] : -1;
  if (ic < 1)
    {
      info->params_unknown = TRUE;
      return;
    }
  if (!st_mul_checked (oc, ic, &weights) || !st_mul_checked (weights, k[0], &weights)
      || !st_mul_checked (weights, k[1], &weights)
      || !st_add_checked (weights, node->args.v[ST_ARG_BIAS].b ? oc : 0, &info->params))
    {
      overflow (info, _("the weight (out_channels × in_channels × kernel_size)"));
      return;
    }
  info->trainable = info->params;
  if (image && (!st_mul_checked (hw[0], hw[1], &positions)
                || !st_mul_checked (positions, weights, &info->macs)))
    overflow (info, _("the number of multiply-adds"));
}

static void
infer_pool (const StNode *node, const StShape *in, StLayerInfo *info, gboolean has_dilation)
{
  gint64 k[2], s[2], p[2], d[2] = { 1, 1 }, hw[2];
  char kb[64];

  info->out = *in;
  if (!check_min (info, node, ST_ARG_KERNEL_SIZE, 1, _("at least 1"))
      || (given (node, ST_ARG_STRIDE)
          && !check_min (info, node, ST_ARG_STRIDE, 1, _("at least 1")))
      || !check_min (info, node, ST_ARG_PADDING, 0, _("0 or more"))
      || (has_dilation && !check_min (info, node, ST_ARG_DILATION, 1, _("at least 1"))))
    return;
  if (!need_image (info, node, in))
    return;

  arg_pair (node, ST_ARG_KERNEL_SIZE, k);
  if (given (node, ST_ARG_STRIDE))
    arg_pair (node, ST_ARG_STRIDE, s);
  else
    s[0] = k[0], s[1] = k[1];
  arg_pair (node, ST_ARG_PADDING, p);
  if (has_dilation)
    arg_pair (node, ST_ARG_DILATION, d);

  /* PyTorch refuses padding of more than half the (effective) window. */
  for (int a = 0; a < 2; a++)
    {
      gint64 eff;

      /* A window past 64 bits: window_shape() below reports the overflow. */
      if (!st_mul_checked (d[a], k[a] - 1, &eff) || !st_add_checked (eff, 1, &eff))
        break;
      if (p[a] > (has_dilation ? eff : k[a]) / 2)
        {
          st_layer_info_fail (info, "padding",
                              _("padding %" PRId64 " is more than half the %s window; "
                                "PyTorch allows at most %" PRId64),
                              p[a], pair_str (k, kb, sizeof kb), (has_dilation ? eff : k[a]) / 2);
          break;
        }
    }
  if (window_shape (info, in, in->dim[0], k, s, p, d, _("window"), hw))
    for (int a = 0; a < 2; a++)
      {
        gint64 o = empty_window (in->dim[1 + a], s[a], p[a], d[a], hw[a]);

        if (o >= 0)
          {
            st_layer_info_fail (info, "dilation",
                                _("window %" PRId64 " along the %s takes only padding: "
                                  "with dilation %" PRId64 " its taps step over the "
                                  "input's %" PRId64 " %s (PyTorch would give -inf); use "
                                  "less padding or dilation"), o, a == 0 ? _("height") : _("width"),
                                d[a], in->dim[1 + a], a == 0 ? _("rows") : _("columns"));
            break;
          }
      }
  info->out = st_shape_chw (in->dim[0], hw[0], hw[1]);
}

static void
infer_maxpool2d (const StNode *node, const StShape *in, StLayerInfo *info)
{
  infer_pool (node, in, info, TRUE);
}

static void
infer_avgpool2d (const StNode *node, const StShape *in, StLayerInfo *info)
{
  infer_pool (node, in, info, FALSE);
}

static void
infer_adaptive_avgpool2d (const StNode *node, const StShape *in, StLayerInfo *info)
{
  gint64 o[2];

  info->out = *in;
  if (!check_min (info, node, ST_ARG_OUTPUT_SIZE, 1, _("at least 1")))
    return;
  if (!need_image (info, node, in))
    return;
  arg_pair (node, ST_ARG_OUTPUT_SIZE, o);
  info->out = st_shape_chw (in->dim[0], o[0], o[1]);
}

static void
infer_elementwise (const StNode *node, const StShape *in, StLayerInfo *info)
{
  info->out = *in;
}

static void
infer_prelu (const StNode *node, const StShape *in, StLayerInfo *info)
{
  gint64 n = arg_int (node, ST_ARG_NUM_PARAMETERS);

  info->out = *in;
  if (!check_min (info, node, ST_ARG_NUM_PARAMETERS, 1, _("at least 1")))
    return;
  info->params = info->trainable = n;
  if (n != 1 && st_shape_is_known (in) && in->dim[0] != n)
    st_layer_info_fail (info, "num_parameters",
                        _("num_parameters is %" PRId64 " but the input has %"
                          PRId64 " %s; use 1 (one slope for all) or %" PRId64),
                        n, in->dim[0], in->rank == 3 ? _("channels") : _("features"), in->dim[0]);
}

static void
infer_dropout (const StNode *node, const StShape *in, StLayerInfo *info)
{
  double p = node->args.v[ST_ARG_P].f;

  info->out = *in;
  if (!(p >= 0.0 && p <= 1.0))
    st_layer_info_fail (info, "p", _("p is the probability of dropping an element and must be "
                          "between 0 and 1, got %g"), p);
}

static void
infer_flatten (const StNode *node, const StShape *in, StLayerInfo *info)
{
  gint64 n = st_shape_numel (in);

  if (!st_shape_is_known (in))
    {
      info->out = ST_SHAPE_UNKNOWN;
      return;
    }
  if (n < 0)
    {
      overflow (info, _("the flattened input"));
      info->out = ST_SHAPE_UNKNOWN;
      return;
    }
  info->out = st_shape_flat (n);
}

static void
infer_linear (const StNode *node, const StShape *in, StLayerInfo *info)
{
  gint64 out = arg_int (node, ST_ARG_OUT_FEATURES), f;
  char buf[ST_SHAPE_STRING_MAX];

  info->out = st_shape_flat (MAX (out, 0));
  if (!check_min (info, node, ST_ARG_OUT_FEATURES, 1, _("at least 1")))
    {
      info->params_unknown = TRUE;
      return;
    }
  if (in->rank == 3)
    {
      st_layer_info_fail (info, NULL,
                          _("Linear needs a flat vector of features but its input is %s; "
                            "put a Flatten before it"), st_shape_format (in, buf));
      f = given (node, ST_ARG_IN_FEATURES) ? arg_int (node, ST_ARG_IN_FEATURES) : -1;
    }
  else if (in->rank == 1)
    {
      f = in->dim[0];
      if (given (node, ST_ARG_IN_FEATURES) && arg_int (node, ST_ARG_IN_FEATURES) != f)
        {
          st_layer_info_fail (info, "in_features",
                              _("in_features is %" PRId64 " but the input has %"
                                PRId64 " features"), arg_int (node, ST_ARG_IN_FEATURES), f);
          f = arg_int (node, ST_ARG_IN_FEATURES);    /* the weight PyTorch builds */
        }
    }
  else
    f = given (node, ST_ARG_IN_FEATURES) ? arg_int (node, ST_ARG_IN_FEATURES) : -1;

  if (f < 0)
    {
      info->params_unknown = TRUE;
      return;
    }
  if (!st_mul_checked (f, out, &info->macs)
      || !st_add_checked (info->macs, node->args.v[ST_ARG_BIAS].b ? out : 0, &info->params))
    {
      overflow (info, _("the weight (in_features × out_features)"));
      info->macs = info->params = 0;
      return;
    }
  info->trainable = info->params;
}

static void
infer_batchnorm2d (const StNode *node, const StShape *in, StLayerInfo *info)
{
  double eps = node->args.v[ST_ARG_EPS].f, momentum = node->args.v[ST_ARG_MOMENTUM].f;
  gint64 c;

  info->out = *in;
  if (need_image (info, node, in))
    {
      c = in->dim[0];
      if (given (node, ST_ARG_NUM_FEATURES) && arg_int (node, ST_ARG_NUM_FEATURES) != c)
        st_layer_info_fail (info, "num_features",
                            _("num_features is %" PRId64 " but the input has %"
                              PRId64 " channels"), arg_int (node, ST_ARG_NUM_FEATURES), c);
      else if (!(eps > 0.0))
        st_layer_info_fail (info, "eps", _("eps must be greater than 0, got %g"), eps);
      else if (!(momentum >= 0.0 && momentum <= 1.0))
        st_layer_info_fail (info, "momentum", _("momentum must be between 0 and 1, got %g"),
                            momentum);
    }
  else
    c = -1;
  /* The statistics PyTorch keeps are num_features long as declared. */
  if (given (node, ST_ARG_NUM_FEATURES))
    c = arg_int (node, ST_ARG_NUM_FEATURES);
  if (c < 0)
    {
      info->params_unknown = TRUE;
      return;
    }
  if (!st_mul_checked (2, c, &info->buffers))
    {
      overflow (info, _("the running mean and variance (2 × channels)"));
      info->buffers = 0;
      return;
    }
  info->params = info->trainable = node->args.v[ST_ARG_AFFINE].b ? info->buffers : 0;
}

/* ---- the table ----------------------------------------------------------------------- */

static const StArgSpec conv2d_args[] = {
  { ST_ARG_IN_CHANNELS, ST_ARG_OPTIONAL, INT (0) },
  { ST_ARG_OUT_CHANNELS, ST_ARG_REQUIRED, INT (0) },
  { ST_ARG_KERNEL_SIZE, ST_ARG_REQUIRED, PAIR (0) },
  { ST_ARG_STRIDE, ST_ARG_OPTIONAL, PAIR (1) },
  { ST_ARG_PADDING, ST_ARG_OPTIONAL, PAIR (0) },
  { ST_ARG_DILATION, ST_ARG_OPTIONAL, PAIR (1) },
  { ST_ARG_BIAS, ST_ARG_OPTIONAL, BOOL (TRUE) },
};

static const StArgSpec maxpool2d_args[] = {
  { ST_ARG_KERNEL_SIZE, ST_ARG_REQUIRED, PAIR (0) },
  { ST_ARG_STRIDE, ST_ARG_OPTIONAL, PAIR (0) },
  { ST_ARG_PADDING, ST_ARG_OPTIONAL, PAIR (0) },
  { ST_ARG_DILATION, ST_ARG_OPTIONAL, PAIR (1) },
};

static const StArgSpec avgpool2d_args[] = {
  { ST_ARG_KERNEL_SIZE, ST_ARG_REQUIRED, PAIR (0) },
  { ST_ARG_STRIDE, ST_ARG_OPTIONAL, PAIR (0) },
  { ST_ARG_PADDING, ST_ARG_OPTIONAL, PAIR (0) },
};

static const StArgSpec adaptive_args[] = {
  { ST_ARG_OUTPUT_SIZE, ST_ARG_REQUIRED, PAIR (1) },
};

static const StArgSpec inplace_args[] = {
  { ST_ARG_INPLACE, ST_ARG_OPTIONAL, BOOL (FALSE) },
};

static const StArgSpec prelu_args[] = {
  { ST_ARG_NUM_PARAMETERS, ST_ARG_OPTIONAL, INT (1) },
  { ST_ARG_INIT, ST_ARG_OPTIONAL, FLOAT (0.25) },
};

static const StArgSpec leakyrelu_args[] = {
  { ST_ARG_NEGATIVE_SLOPE, ST_ARG_OPTIONAL, FLOAT (0.01) },
  { ST_ARG_INPLACE, ST_ARG_OPTIONAL, BOOL (FALSE) },
};

static const StArgSpec linear_args[] = {
  { ST_ARG_IN_FEATURES, ST_ARG_OPTIONAL, INT (0) },
  { ST_ARG_OUT_FEATURES, ST_ARG_REQUIRED, INT (0) },
  { ST_ARG_BIAS, ST_ARG_OPTIONAL, BOOL (TRUE) },
};

static const StArgSpec dropout_args[] = {
  { ST_ARG_P, ST_ARG_OPTIONAL, FLOAT (0.5) },
  { ST_ARG_INPLACE, ST_ARG_OPTIONAL, BOOL (FALSE) },
};

static const StArgSpec batchnorm2d_args[] = {
  { ST_ARG_NUM_FEATURES, ST_ARG_OPTIONAL, INT (0) },
  { ST_ARG_EPS, ST_ARG_OPTIONAL, FLOAT (1e-5) },
  { ST_ARG_MOMENTUM, ST_ARG_OPTIONAL, FLOAT (0.1) },
  { ST_ARG_AFFINE, ST_ARG_OPTIONAL, BOOL (TRUE) },
};

#define ARGS(a) a, G_N_ELEMENTS (a)
#define DOC "https://pytorch.org/docs/stable/generated/torch.nn."

static const StLayerType layer_types[ST_N_LAYER_KINDS] = {
  [ST_LAYER_CONV2D] = { "Conv2d", ST_LAYER_CONV2D, N_("2-D convolution (cross-correlation)"),
                        ARGS (conv2d_args), infer_conv2d, DOC "Conv2d.html" },
  [ST_LAYER_MAXPOOL2D] = { "MaxPool2d", ST_LAYER_MAXPOOL2D, N_("Largest value in each window"),
                           ARGS (maxpool2d_args), infer_maxpool2d, DOC "MaxPool2d.html" },
  [ST_LAYER_AVGPOOL2D] = { "AvgPool2d", ST_LAYER_AVGPOOL2D, N_("Mean of each window"),
                           ARGS (avgpool2d_args), infer_avgpool2d, DOC "AvgPool2d.html" },
  [ST_LAYER_ADAPTIVEAVGPOOL2D] = { "AdaptiveAvgPool2d", ST_LAYER_ADAPTIVEAVGPOOL2D,
                                   N_("Mean pooling to a fixed output size"), ARGS (adaptive_args),
                                   infer_adaptive_avgpool2d, DOC "AdaptiveAvgPool2d.html" },
  [ST_LAYER_RELU] = { "ReLU", ST_LAYER_RELU, "max(0, x)", ARGS (inplace_args),
                      infer_elementwise, DOC "ReLU.html" },
  [ST_LAYER_PRELU] = { "PReLU", ST_LAYER_PRELU, N_("ReLU with a learned negative slope"),
                       ARGS (prelu_args), infer_prelu, DOC "PReLU.html" },
  [ST_LAYER_LEAKYRELU] = { "LeakyReLU", ST_LAYER_LEAKYRELU, N_("ReLU with a small negative slope"),
                           ARGS (leakyrelu_args), infer_elementwise, DOC "LeakyReLU.html" },
  [ST_LAYER_SIGMOID] = { "Sigmoid", ST_LAYER_SIGMOID, "1 / (1 + exp(-x))", NULL, 0,
                         infer_elementwise, DOC "Sigmoid.html" },
  [ST_LAYER_TANH] = { "Tanh", ST_LAYER_TANH, N_("Hyperbolic tangent"), NULL, 0,
                      infer_elementwise, DOC "Tanh.html" },
  [ST_LAYER_FLATTEN] = { "Flatten", ST_LAYER_FLATTEN, N_("Channels×height×width to one vector"),
                         NULL, 0, infer_flatten, DOC "Flatten.html" },
  [ST_LAYER_LINEAR] = { "Linear", ST_LAYER_LINEAR, N_("Fully connected: x·Wᵀ + b"),
                        ARGS (linear_args), infer_linear, DOC "Linear.html" },
  [ST_LAYER_DROPOUT] = { "Dropout", ST_LAYER_DROPOUT, N_("Zero random elements while training"),
                         ARGS (dropout_args), infer_dropout, DOC "Dropout.html" },
  [ST_LAYER_BATCHNORM2D] = { "BatchNorm2d", ST_LAYER_BATCHNORM2D,
                             N_("Normalise each channel over the batch"),
                             ARGS (batchnorm2d_args), infer_batchnorm2d, DOC "BatchNorm2d.html" },
  [ST_LAYER_CONCAT] = { "Concat", ST_LAYER_CONCAT,
                        N_("Run branches on the same input, join along channels (Inception)"),
                        NULL, 0, NULL, "https://pytorch.org/docs/stable/generated/torch.cat.html" },
  [ST_LAYER_RESIDUAL] = { "Residual", ST_LAYER_RESIDUAL,
                          N_("Add the body's output to the input (or to the shortcut's)"),
                          NULL, 0, NULL, "https://arxiv.org/abs/1512.03385" },
};

const StLayerType *
st_layer_type_get (StLayerKind kind)
{
  g_return_val_if_fail (kind < ST_N_LAYER_KINDS, NULL);
  return &layer_types[kind];
}

const StLayerType *
st_layer_type_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (int i = 0; i < ST_N_LAYER_KINDS; i++)
    if (strcmp (layer_types[i].name, name) == 0)
      return &layer_types[i];
  return NULL;
}

gboolean
st_layer_type_is_block (const StLayerType *type)
{
  return type != NULL && (type->kind == ST_LAYER_CONCAT || type->kind == ST_LAYER_RESIDUAL);
}

const StArgSpec *
st_layer_type_arg (const StLayerType *type, StArgId id)
{
  for (int i = 0; i < type->n_args; i++)
    if (type->args[i].id == id)
      return &type->args[i];
  return NULL;
}

/* Case-insensitive Levenshtein distance, enough to catch "kernal_size" and "conv2d". */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = NULL;

  if (la > 64 || lb > 64)
    return G_MAXUINT;
  row = g_new (guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0];
      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];
          guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diag + cost);
          diag = up;
        }
    }
  return row[lb];
}

static const char *
closest (const char *name, const char * const *candidates, int n)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT, limit = MAX (2, (guint) strlen (name) / 3);

  for (int i = 0; i < n; i++)
    {
      guint d = edit_distance (name, candidates[i]);
      if (d < best_d)
        best_d = d, best = candidates[i];
    }
  return best_d <= limit ? best : NULL;
}

const char *
st_layer_type_suggest_arg (const StLayerType *type, const char *name)
{
  const char *names[ST_N_ARGS];

  for (int i = 0; i < type->n_args; i++)
    names[i] = st_arg_name (type->args[i].id);
  return closest (name, names, type->n_args);
}

const char *
st_layer_type_suggest (const char *name)
{
  const char *names[ST_N_LAYER_KINDS];

  for (int i = 0; i < ST_N_LAYER_KINDS; i++)
    names[i] = layer_types[i].name;
  return closest (name, names, ST_N_LAYER_KINDS);
}

/* ---- nodes of a type ------------------------------------------------------------------ */

StNode *
st_node_new (const StLayerType *type)
{
  StNode *node = g_new0 (StNode, 1);

  node->type = type;
  node->type_name = g_strdup (type != NULL ? type->name : "");
  if (type != NULL)
    {
      for (int i = 0; i < type->n_args; i++)
        node->args.v[type->args[i].id] = type->args[i].fallback;
      if (type->kind == ST_LAYER_CONCAT)
        node->branches = st_node_branches_new ();
      else if (type->kind == ST_LAYER_RESIDUAL)
        node->body = st_node_seq_new ();
    }
  return node;
}

void
st_node_unset (StNode *node, StArgId id)
{
  const StArgSpec *spec = node->type != NULL ? st_layer_type_arg (node->type, id) : NULL;

  node->args.given &= ~(G_GUINT64_CONSTANT (1) << id);
  if (spec != NULL)
    node->args.v[id] = spec->fallback;
}
