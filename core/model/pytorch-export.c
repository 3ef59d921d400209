/* pytorch-export.c: writing a spec as a PyTorch module (see pytorch-export.h).
 *
 * The layers are written from the spec and its shape inference: a size the person left
 * out (in_channels, in_features, num_features) is taken from the layer's input shape, and
 * any other argument is written only when it differs from PyTorch's default, so the code
 * reads like what one would type. `inplace` is left out: it changes no value, and an
 * in-place ReLU at the start of a Residual body would overwrite the input that the skip
 * adds back.
 */
#define G_LOG_DOMAIN "strata-export"

#include "core/model/pytorch-export.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#include "core/io/json-write.h"
#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "strata-config.h"

G_DEFINE_QUARK (st-export-error-quark, st_export_error)

typedef struct {
  GString       *out;
  const StInfer *infer;
  GError       **error;
} Export;

/* ---- Python literals ----------------------------------------------------------------- */

static void
py_float (GString *out, double d)
{
  if (isnan (d))
    g_string_append (out, "float(\"nan\")");
  else if (isinf (d))
    g_string_append (out, d > 0 ? "float(\"inf\")" : "float(\"-inf\")");
  else
    st_json_append_double (out, d);
}

/* A JSON string literal is a valid Python one: both escape \" \\ \n \r \t and \uXXXX. */
static void
py_string (GString *out, const char *s)
{
  st_json_append_string (out, s);
}

/* Text for a docstring or a comment: one line, no quote or backslash to end it early. */
static void
py_text (GString *out, const char *s)
{
  for (const char *p = s; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == '\\' || *p == '"')
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, *p);
    }
}

/* 61706 → "61,706", as Python's "{:,}" prints it. */
static void
append_count (GString *out, gint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  gsize len = strlen (digits), start = n < 0 ? 1 : 0;

  for (gsize i = 0; i < len; i++)
    {
      if (i > start && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
}

static void
append_value (GString *out, const StNode *node, StArgId id)
{
  const StArgValue *v = &node->args.v[id];

  switch (st_arg_kind (id))
    {
    case ST_ARG_KIND_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i[0]);
      break;
    case ST_ARG_KIND_PAIR:
      if (v->i[0] == v->i[1])
        g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i[0]);
      else
        g_string_append_printf (out, "(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                                v->i[0], v->i[1]);
      break;
    case ST_ARG_KIND_FLOAT:
      py_float (out, v->f);
      break;
    case ST_ARG_KIND_BOOL:
      g_string_append (out, v->b ? "True" : "False");
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- layers -------------------------------------------------------------------------- */

static gboolean
differs_from_default (const StNode *node, StArgId id)
{
  const StArgSpec *spec = st_layer_type_arg (node->type, id);
  const StArgValue *v = &node->args.v[id];

  g_assert (spec != NULL);
  switch (st_arg_kind (id))
    {
    case ST_ARG_KIND_INT:
      return v->i[0] != spec->fallback.i[0];
    case ST_ARG_KIND_PAIR:
      return v->i[0] != spec->fallback.i[0] || v->i[1] != spec->fallback.i[1];
    case ST_ARG_KIND_FLOAT:
      return v->f != spec->fallback.f;
    case ST_ARG_KIND_BOOL:
      return v->b != spec->fallback.b;
    default:
      g_assert_not_reached ();
    }
}

static void
append_separator (GString *out)
{
  if (out->str[out->len - 1] != '(')
    g_string_append (out, ", ");
}

/* ", name=value" for each argument that is not PyTorch's default. A pooling layer's stride
 * defaults to its kernel size; its table default (0) stands for that, so the rule holds. */
static void
append_kwargs (GString *out, const StNode *node, const StArgId *ids, gsize n_ids)
{
  for (gsize i = 0; i < n_ids; i++)
    {
      if (!differs_from_default (node, ids[i]))
        continue;
      append_separator (out);
      g_string_append_printf (out, "%s=", st_arg_name (ids[i]));
      append_value (out, node, ids[i]);
    }
}

#define KWARGS(out, node, ...) \
  G_STMT_START { \
    static const StArgId ids_[] = { __VA_ARGS__ }; \
    append_kwargs ((out), (node), ids_, G_N_ELEMENTS (ids_)); \
  } G_STMT_END

static gboolean
append_leaf (Export *x, const StNode *node, const StLayerInfo *info)
{
  const StNode *n = node;
  GString *out = x->out;

  g_string_append_printf (out, "nn.%s(", n->type->name);
  switch (node->type->kind)
    {
    case ST_LAYER_CONV2D:
      g_string_append_printf (out, "%" G_GINT64_FORMAT ", ", info->in.dim[0]);
      append_value (out, n, ST_ARG_OUT_CHANNELS);
      g_string_append (out, ", kernel_size=");
      append_value (out, n, ST_ARG_KERNEL_SIZE);
      KWARGS (out, n, ST_ARG_STRIDE, ST_ARG_PADDING, ST_ARG_DILATION, ST_ARG_BIAS);
      break;
    case ST_LAYER_MAXPOOL2D:
      g_string_append (out, "kernel_size=");
      append_value (out, n, ST_ARG_KERNEL_SIZE);
      KWARGS (out, n, ST_ARG_STRIDE, ST_ARG_PADDING, ST_ARG_DILATION);
      break;
    case ST_LAYER_AVGPOOL2D:
      g_string_append (out, "kernel_size=");
      append_value (out, n, ST_ARG_KERNEL_SIZE);
      KWARGS (out, n, ST_ARG_STRIDE, ST_ARG_PADDING);
      break;
    case ST_LAYER_ADAPTIVEAVGPOOL2D:
      append_value (out, n, ST_ARG_OUTPUT_SIZE);
      break;
    case ST_LAYER_PRELU:
      KWARGS (out, n, ST_ARG_NUM_PARAMETERS, ST_ARG_INIT);
      break;
    case ST_LAYER_LEAKYRELU:
      KWARGS (out, n, ST_ARG_NEGATIVE_SLOPE);
      break;
    case ST_LAYER_LINEAR:
      g_string_append_printf (out, "%" G_GINT64_FORMAT ", ", info->in.dim[0]);
      append_value (out, n, ST_ARG_OUT_FEATURES);
      KWARGS (out, n, ST_ARG_BIAS);
      break;
    case ST_LAYER_DROPOUT:
      g_string_append (out, "p=");
      append_value (out, n, ST_ARG_P);
      break;
    case ST_LAYER_BATCHNORM2D:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, info->in.dim[0]);
      KWARGS (out, n, ST_ARG_EPS, ST_ARG_MOMENTUM, ST_ARG_AFFINE);
      break;
    case ST_LAYER_RELU:
    case ST_LAYER_SIGMOID:
    case ST_LAYER_TANH:
    case ST_LAYER_FLATTEN:
      break;
    default:
      g_set_error (x->error, ST_EXPORT_ERROR, ST_EXPORT_ERROR_UNSUPPORTED,
                   _("layer %s: %s has no PyTorch export"), info->path, node->type->name);
      return FALSE;
    }
  g_string_append_c (out, ')');
  return TRUE;
}

/* "  # 3.body.0: 16×12×12" */
static void
append_shape_comment (Export *x, const StLayerInfo *info)
{
  char shape[ST_SHAPE_STRING_MAX];

  g_string_append_printf (x->out, "  # %s: %s\n", info->path, st_shape_format (&info->out, shape));
}

static gboolean append_seq (Export *x, const GPtrArray *seq, int indent, const char *opening);

static gboolean
append_node (Export *x, const StNode *node, int indent)
{
  const StLayerInfo *info = st_infer_find (x->infer, node);

  g_assert (info != NULL);
  if (node->type == NULL)
    {
      g_set_error (x->error, ST_EXPORT_ERROR, ST_EXPORT_ERROR_UNSUPPORTED,
                   _("layer %s: unknown layer type '%s'"), info->path,
                   node->type_name != NULL ? node->type_name : "");
      return FALSE;
    }
  g_string_append_printf (x->out, "%*s", indent, "");
  if (node->type->kind == ST_LAYER_CONCAT)
    {
      g_string_append (x->out, "Concat(");
      append_shape_comment (x, info);
      for (guint b = 0; b < node->branches->len; b++)
        if (!append_seq (x, g_ptr_array_index (node->branches, b), indent + 4, "nn.Sequential("))
          return FALSE;
    }
  else if (node->type->kind == ST_LAYER_RESIDUAL)
    {
      g_string_append (x->out, "Residual(");
      append_shape_comment (x, info);
      if (!append_seq (x, node->body, indent + 4, "body=nn.Sequential("))
        return FALSE;
      if (node->shortcut != NULL && node->shortcut->len > 0
          && !append_seq (x, node->shortcut, indent + 4, "shortcut=nn.Sequential("))
        return FALSE;
    }
  else
    {
      if (!append_leaf (x, node, info))
        return FALSE;
      g_string_append_c (x->out, ',');
      append_shape_comment (x, info);
      return TRUE;
    }
  g_string_append_printf (x->out, "%*s),\n", indent, "");
  return TRUE;
}

/* `opening` (e.g. "nn.Sequential(") at `indent`, the layers 4 deeper, then "),". */
static gboolean
append_seq (Export *x, const GPtrArray *seq, int indent, const char *opening)
{
  g_string_append_printf (x->out, "%*s%s", indent, "", opening);
  if (seq->len == 0)
    {
      g_string_append (x->out, "),\n");
      return TRUE;
    }
  g_string_append_c (x->out, '\n');
  for (guint i = 0; i < seq->len; i++)
    if (!append_node (x, g_ptr_array_index (seq, i), indent + 4))
      return FALSE;
  g_string_append_printf (x->out, "%*s),\n", indent, "");
  return TRUE;
}

/* ---- the module ---------------------------------------------------------------------- */

static const char concat_source[] =
  "class Concat(nn.Module):\n"
  "    \"\"\"Runs every branch on the same input and joins the outputs along channels.\"\"\"\n"
  "\n"
  "    def __init__(self, *branches):\n"
  "        super().__init__()\n"
  "        self.branches = nn.ModuleList(branches)\n"
  "\n"
  "    def forward(self, x):\n"
  "        return torch.cat([branch(x) for branch in self.branches], dim=1)\n"
  "\n\n";

static const char residual_source[] =
  "class Residual(nn.Module):\n"
  "    \"\"\"body(x) + x, or body(x) + shortcut(x) when a shortcut is given.\"\"\"\n"
  "\n"
  "    def __init__(self, body, shortcut=None):\n"
  "        super().__init__()\n"
  "        self.body = body\n"
  "        self.shortcut = shortcut\n"
  "\n"
  "    def forward(self, x):\n"
  "        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))\n"
  "\n\n";

/* Strata writes float32 only; the others are what PyTorch users save. */
static const char checkpoint_source[] =
  "SAFETENSORS_DTYPES = {\n"
  "    \"F32\": torch.float32, \"F64\": torch.float64, \"F16\": torch.float16,\n"
  "    \"BF16\": torch.bfloat16, \"I64\": torch.int64,\n"
  "}\n"
  "\n\n"
  "def read_safetensors(path):\n"
  "    \"\"\"The tensors of a safetensors file (the format of Strata's weight files) by name.\n"
  "\n"
  "    The file is an 8-byte little-endian header length, a JSON header giving each tensor's\n"
  "    dtype, shape and byte range, then the data: https://github.com/huggingface/safetensors\n"
  "    \"\"\"\n"
  "    with open(path, \"rb\") as f:\n"
  "        (header_len,) = struct.unpack(\"<Q\", f.read(8))\n"
  "        header = json.loads(f.read(header_len))\n"
  "        data = bytearray(f.read())\n"
  "    tensors = {}\n"
  "    for name, info in header.items():\n"
  "        if name == \"__metadata__\":\n"
  "            continue\n"
  "        dtype = SAFETENSORS_DTYPES[info[\"dtype\"]]\n"
  "        begin, end = info[\"data_offsets\"]\n"
  "        if end > begin:\n"
  "            flat = torch.frombuffer(data[begin:end], dtype=dtype)\n"
  "        else:\n"
  "            flat = torch.zeros(0, dtype=dtype)\n"
  "        tensors[name] = flat.reshape(info[\"shape\"])\n"
  "    return tensors\n"
  "\n\n"
  "def load_checkpoint(model, path):\n"
  "    \"\"\"Loads a weight file saved by Strata into a model from build_model().\"\"\"\n"
  "    model.load_state_dict(read_safetensors(path), strict=True)\n"
  "    return model\n"
  "\n\n";

static const char main_source[] =
  "if __name__ == \"__main__\":\n"
  "    import sys\n"
  "\n"
  "    model = build_model()\n"
  "    if len(sys.argv) > 1:\n"
  "        load_checkpoint(model, sys.argv[1])\n"
  "    print(model)\n"
  "    print(\"Total params: {:,}\".format(sum(p.numel() for p in model.parameters())))\n"
  "    model.eval()\n"
  "    with torch.no_grad():\n"
  "        output = model(torch.zeros(1, *INPUT_SHAPE))\n"
  "    print(\"Output shape:\", tuple(output.shape[1:]))\n"
  "    try:\n"
  "        from torchsummary import summary\n"
  "    except ImportError:\n"
  "        pass\n"
  "    else:\n"
  "        summary(model, INPUT_SHAPE, device=\"cpu\")\n";

static void
find_blocks (const GPtrArray *seq, gboolean *concat, gboolean *residual)
{
  for (guint i = 0; i < seq->len; i++)
    {
      const StNode *node = g_ptr_array_index (seq, i);

      if (node->type == NULL)
        continue;
      if (node->type->kind == ST_LAYER_CONCAT)
        {
          *concat = TRUE;
          for (guint b = 0; b < node->branches->len; b++)
            find_blocks (g_ptr_array_index (node->branches, b), concat, residual);
        }
      else if (node->type->kind == ST_LAYER_RESIDUAL)
        {
          *residual = TRUE;
          find_blocks (node->body, concat, residual);
          if (node->shortcut != NULL)
            find_blocks (node->shortcut, concat, residual);
        }
    }
}

static void
append_header (Export *x, const StSpec *spec)
{
  GString *out = x->out;
  char in[ST_SHAPE_STRING_MAX], outs[ST_SHAPE_STRING_MAX];

  g_string_append (out, "\"\"\"");
  py_text (out, spec->name != NULL && *spec->name != '\0' ? spec->name : "Model");
  g_string_append (out, " as PyTorch code, exported from Strata " STRATA_VERSION ".\n\n");
  g_string_append_printf (out, "Input %s (channels × height × width), output %s; ",
                          st_shape_format (&x->infer->input, in),
                          st_shape_format (&x->infer->output, outs));
  append_count (out, x->infer->total_params);
  g_string_append (out, " parameters.\n\n"
                   "build_model() gives the network as one nn.Sequential whose state_dict has "
                   "the tensor\nnames of Strata's weight files, so load_checkpoint(model, PATH) "
                   "takes weights trained\nin Strata. TRAINING, build_loss() and "
                   "build_optimizer() say how Strata trains it.\n"
                   "Run this file to print the model:\n\n"
                   "    python3 THIS_FILE.py [WEIGHTS.safetensors]\n"
                   "\"\"\"\n\n"
                   "import json\n"
                   "import struct\n\n"
                   "import torch\n"
                   "from torch import nn\n\n");
  g_string_append_printf (out, "INPUT_SHAPE = (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                          ", %" G_GINT64_FORMAT ")  # channels, height, width\n\n\n",
                          spec->input.dim[0], spec->input.dim[1], spec->input.dim[2]);
}

static void
append_init (GString *out, StInitKind init)
{
  const char *name = st_init_name (init);

  g_string_append_printf (out,
                          "def init_weights(module):\n"
                          "    \"\"\"Strata's %s initialisation: the weights of Conv2d and "
                          "Linear; their\n"
                          "    biases and the other layers keep PyTorch's defaults.\"\"\"\n"
                          "    if isinstance(module, (nn.Conv2d, nn.Linear)):\n"
                          "        nn.init.%s_(module.weight%s)\n\n\n",
                          name, name, g_str_has_prefix (name, "kaiming")
                                      ? ", nonlinearity=\"relu\"" : "");
}

static gboolean
append_build_model (Export *x, const StSpec *spec)
{
  GString *out = x->out;
  StInitKind init = spec->training.init;

  if (init != ST_INIT_DEFAULT)
    append_init (out, init);
  g_string_append (out, "def build_model():\n");
  g_string_append_printf (out, "    \"\"\"The network, initialised %s.\"\"\"\n",
                          init == ST_INIT_DEFAULT ? "with PyTorch's defaults"
                                                  : "as TRAINING[\"init\"] says");
  if (!append_seq (x, spec->layers, 4, "model = nn.Sequential("))
    return FALSE;
  /* append_seq closes every sequence with "),", right inside a call but not here. */
  g_string_truncate (out, out->len - 2);
  g_string_append_c (out, '\n');
  if (init != ST_INIT_DEFAULT)
    g_string_append (out, "    model.apply(init_weights)\n");
  g_string_append (out, "    return model\n\n\n");
  return TRUE;
}

static void
append_float_list (GString *out, const double *v, int n)
{
  g_string_append_c (out, '[');
  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      py_float (out, v[i]);
    }
  g_string_append_c (out, ']');
}

static void
append_training (GString *out, const StSpec *spec)
{
  const StTrainConfig *t = &spec->training;
  const StOptimConfig *o = &t->optimizer;
  const StAugmentConfig *a = &t->augment;

  if (spec->has_training)
    g_string_append (out, "# How Strata trains this model: the \"training\" section of its "
                     "model file.\n");
  else
    g_string_append (out, "# The model file has no \"training\" section; Strata trains it with "
                     "these defaults.\n");
  g_string_append (out, "# Pixels are scaled to [0, 1], then normalised per channel with "
                   "\"normalize\" (when given);\n"
                   "# \"augment\" changes training images only.\n"
                   "TRAINING = {\n    \"dataset\": ");
  py_string (out, t->dataset != NULL ? t->dataset : "");
  g_string_append_printf (out, ",\n    \"epochs\": %d,\n    \"batch_size\": %d,\n"
                          "    \"loss\": \"%s\",\n    \"init\": \"%s\",\n"
                          "    \"seed\": %" G_GUINT64_FORMAT ",\n"
                          "    \"optimizer\": {\n        \"type\": \"%s\",\n        \"lr\": ",
                          t->epochs, t->batch_size, st_loss_name (t->loss),
                          st_init_name (t->init), t->seed, st_optim_name (o->type));
  py_float (out, o->lr);
  if (o->type == ST_OPTIM_SGD)
    {
      g_string_append (out, ",\n        \"momentum\": ");
      py_float (out, o->momentum);
      g_string_append (out, ",\n        \"dampening\": ");
      py_float (out, o->dampening);
      g_string_append_printf (out, ",\n        \"nesterov\": %s", o->nesterov ? "True" : "False");
    }
  else
    {
      g_string_append (out, ",\n        \"betas\": (");
      py_float (out, o->betas[0]);
      g_string_append (out, ", ");
      py_float (out, o->betas[1]);
      g_string_append (out, "),\n        \"eps\": ");
      py_float (out, o->eps);
    }
  g_string_append (out, ",\n        \"weight_decay\": ");
  py_float (out, o->weight_decay);
  g_string_append (out, ",\n    },\n    \"normalize\": ");
  if (t->normalize.n > 0)
    {
      g_string_append (out, "{\"mean\": ");
      append_float_list (out, t->normalize.mean, t->normalize.n);
      g_string_append (out, ", \"std\": ");
      append_float_list (out, t->normalize.std, t->normalize.n);
      g_string_append_c (out, '}');
    }
  else
    g_string_append (out, "None");
  g_string_append_printf (out, ",\n    \"augment\": {\"shift\": %d, \"rotation\": ", a->shift);
  py_float (out, a->rotation);
  g_string_append_printf (out, ", \"horizontal_flip\": %s, \"crop_padding\": %d},\n",
                          a->horizontal_flip ? "True" : "False", a->crop_padding);
  /* image folders: torchvision's transforms.Resize((H, W)) before ToTensor */
  if (t->resize_images)
    g_string_append (out, "    \"resize_images\": True,\n");
  g_string_append (out, "}\n\n\n");
}

static void
append_loss_and_optimizer (GString *out, const StTrainConfig *t)
{
  static const char *const loss_doc[ST_N_LOSSES] = {
    [ST_LOSS_CROSS_ENTROPY] = "logits (N, classes) against class indices (N,)",
    [ST_LOSS_BCE] = "probabilities (N, 1) against float targets (N, 1)",
    [ST_LOSS_MSE] = "outputs against one-hot targets",
  };
  const StOptimConfig *o = &t->optimizer;

  g_string_append_printf (out, "def build_loss():\n"
                          "    # %s; the mean over the batch\n"
                          "    return nn.%s()\n\n\n",
                          loss_doc[t->loss], st_loss_name (t->loss));
  g_string_append_printf (out, "def build_optimizer(model):\n"
                          "    return torch.optim.%s(\n"
                          "        model.parameters(),\n"
                          "        lr=TRAINING[\"optimizer\"][\"lr\"],\n",
                          st_optim_name (o->type));
  if (o->type == ST_OPTIM_SGD)
    g_string_append (out, "        momentum=TRAINING[\"optimizer\"][\"momentum\"],\n"
                     "        dampening=TRAINING[\"optimizer\"][\"dampening\"],\n"
                     "        nesterov=TRAINING[\"optimizer\"][\"nesterov\"],\n");
  else
    g_string_append (out, "        betas=TRAINING[\"optimizer\"][\"betas\"],\n"
                     "        eps=TRAINING[\"optimizer\"][\"eps\"],\n");
  g_string_append (out, "        weight_decay=TRAINING[\"optimizer\"][\"weight_decay\"],\n"
                   "    )\n\n\n");
}

char *
st_spec_to_pytorch (const StSpec *spec, GError **error)
{
  g_autoptr (StInfer) infer = NULL;
  g_autoptr (GString) out = NULL;
  gboolean concat = FALSE, residual = FALSE;
  Export x;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  infer = st_spec_infer (spec);
  if (!st_infer_check (infer, ST_EXPORT_ERROR, ST_EXPORT_ERROR_MODEL, error))
    return NULL;

  out = g_string_new (NULL);
  x = (Export) { out, infer, error };
  append_header (&x, spec);
  find_blocks (spec->layers, &concat, &residual);
  if (concat)
    g_string_append (out, concat_source);
  if (residual)
    g_string_append (out, residual_source);
  if (!append_build_model (&x, spec))
    return NULL;
  append_training (out, spec);
  append_loss_and_optimizer (out, &spec->training);
  g_string_append (out, checkpoint_source);
  g_string_append (out, main_source);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
