/* test-explain: the breakdown of one output value (core/engine/explain.h) against the forward
 * pass it explains — every layer of the lenet5, inception and resnet presets and of a model
 * with every other kind, at random positions — and the course's exact examples. */
#define G_LOG_DOMAIN "strata-test-explain"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/engine/explain.h"
#include "core/model/layer-types.h"
#include "core/model/spec-read.h"

/* Positions per layer: all of them up to this many, else this many drawn at random. */
#define POSITIONS 1000
#define REL_TOL   1e-5
#define ABS_TOL   1e-6

typedef struct {
  StNet         *net;
  StExplainPass *pass;
} Pass;

static void
pass_clear (Pass *p)
{
  g_clear_pointer (&p->pass, st_explain_pass_free);
  g_clear_pointer (&p->net, st_net_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pass, pass_clear)

/* Runs test image `example` of `images` (n of the model's shape) through `spec` on the CPU:
 * the spec's initialiser and seed, `params` and `buffers` laid over them when not NULL. */
static void
pass_open (Pass *p, const StSpec *spec, const guint8 *images, int n, int example,
           const float *params, const float *buffers)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autoptr (StBackend) backend = NULL;
  const StShape *in = &spec->input;
  StBackendStart start = { 0 };
  StRng rng;

  p->net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  data = st_dataset_new ("test", "test-explain", n, in->dim[0], in->dim[1], in->dim[2], &error);
  g_assert_no_error (error);
  memcpy (data->images, images, st_dataset_example_size (data) * n);
  st_dataset_set_classes (data, 1, NULL);

  start.device = ST_DEVICE_CPU;
  start.net = p->net;
  start.setup.batch_size = 1;
  start.setup.loss = spec->training.loss;
  start.setup.optim = spec->training.optimizer;
  start.setup.normalize = spec->training.normalize;
  start.train = data;
  start.test = data;
  start.init = spec->training.init;
  st_rng_init (&rng, spec->training.seed);
  start.rng = &rng;
  start.params = params;
  start.buffers = buffers;
  backend = st_backend_start (&start, &error);
  g_assert_no_error (error);
  p->pass = st_explain_pass_take (backend, p->net, ST_SPLIT_TEST, example, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p->pass);
}

static StExplain *
explain (const Pass *p, const char *path, const StExplainAt *at, GError **error)
{
  return st_explain (p->net, (const float *const *) p->pass->values, p->pass->params,
                     p->pass->buffers, path, at, error);
}

/* ---- what the geometry says, worked out here from the model's arguments --------------- */

typedef struct {
  int    from;
  gint64 c, y, x;      /* y = x = -1 in a flat input */
} Cell;

static int
cell_compare (gconstpointer a, gconstpointer b)
{
  const Cell *p = a, *q = b;
  const gint64 d[4] = { p->from - q->from, p->c - q->c, p->y - q->y, p->x - q->x };

  for (int i = 0; i < 4; i++)
    if (d[i] != 0)
      return d[i] < 0 ? -1 : 1;
  return 0;
}

static void
add_cell (GArray *cells, int from, gint64 c, gint64 y, gint64 x)
{
  Cell cell = { from, c, y, x };

  g_array_append_val (cells, cell);
}

/* An argument's pair, e.g. kernel_size (3, 3). */
static void
arg_pair (const StNode *node, StArgId id, gint64 *h, gint64 *w)
{
  *h = node->args.v[id].i[0];
  *w = node->args.v[id].i[1];
}

/* A window op's rows y·s − p + k·d for k < K, and columns likewise, in channel `c`
 * (every input channel when c < 0). */
static void
window_cells (GArray *cells, const StLayerInfo *info, gint64 c, const StExplainAt *at,
              gboolean dilated, gboolean stride_default_kernel)
{
  const StNode *node = info->node;
  gint64 kh, kw, sh, sw, ph, pw, dh = 1, dw = 1;

  arg_pair (node, ST_ARG_KERNEL_SIZE, &kh, &kw);
  if (stride_default_kernel && !st_node_has_arg (node, ST_ARG_STRIDE))
    sh = kh, sw = kw;
  else
    arg_pair (node, ST_ARG_STRIDE, &sh, &sw);
  arg_pair (node, ST_ARG_PADDING, &ph, &pw);
  if (dilated)
    arg_pair (node, ST_ARG_DILATION, &dh, &dw);
  for (gint64 ic = c < 0 ? 0 : c; ic < (c < 0 ? info->in.dim[0] : c + 1); ic++)
    for (gint64 ky = 0; ky < kh; ky++)
      for (gint64 kx = 0; kx < kw; kx++)
        add_cell (cells, 0, ic, at->y * sh - ph + ky * dh, at->x * sw - pw + kx * dw);
}

/* (c, y, x) of flat index i in `shape`; a flat shape gives (i, -1, -1). */
static void
unravel (const StShape *shape, gint64 i, gint64 *c, gint64 *y, gint64 *x)
{
  if (shape->rank == 3)
    {
      *c = i / (shape->dim[1] * shape->dim[2]);
      *y = i / shape->dim[2] % shape->dim[1];
      *x = i % shape->dim[2];
    }
  else
    *c = i, *y = *x = -1;
}

static int
last_value (const StNet *net, const char *prefix, const GPtrArray *seq)
{
  g_autofree char *path = g_strdup_printf ("%s.%u", prefix, seq->len - 1);

  return st_net_path_value (net, path);
}

/* The input values a layer reads, by the model's structure: a block's branches or body, a
 * leaf's predecessor. `values` gets them in the order of `from`. */
static int
expected_inputs (const StNet *net, const StLayerInfo *info, int *values)
{
  const StNode *node = info->node;

  if (node->type->kind == ST_LAYER_CONCAT)
    {
      for (guint k = 0; k < node->branches->len; k++)
        {
          g_autofree char *prefix = g_strdup_printf ("%s.branches.%u", info->path, k);

          values[k] = last_value (net, prefix, g_ptr_array_index (node->branches, k));
        }
      return node->branches->len;
    }
  if (node->type->kind == ST_LAYER_RESIDUAL)
    {
      g_autofree char *body = g_strdup_printf ("%s.body", info->path);
      g_autofree char *shortcut = g_strdup_printf ("%s.shortcut", info->path);

      values[0] = last_value (net, body, node->body);
      values[1] = -1;    /* the block's input: found by the caller */
      if (node->shortcut != NULL)
        values[1] = last_value (net, shortcut, node->shortcut);
      return 2;
    }
  return 1;
}

/* Every cell the breakdown must list, worked out from the arguments of the spec: window
 * ops by (from, channel, row, column) of the input map, the rest by (from, flat index, -2,
 * -2). */
static void
expected_cells (GArray *cells, const StNet *net, const StLayerInfo *info, const StExplainAt *at,
                gint64 out_index)
{
  const StNode *node = info->node;

  switch (node->type->kind)
    {
    case ST_LAYER_CONV2D:
      window_cells (cells, info, -1, at, TRUE, FALSE);
      break;
    case ST_LAYER_MAXPOOL2D:
      window_cells (cells, info, at->c, at, TRUE, TRUE);
      break;
    case ST_LAYER_AVGPOOL2D:
      window_cells (cells, info, at->c, at, FALSE, TRUE);
      break;
    case ST_LAYER_ADAPTIVEAVGPOOL2D:
      {
        gint64 H = info->in.dim[1], W = info->in.dim[2];
        gint64 OH = info->out.dim[1], OW = info->out.dim[2];

        /* floor(i·H/OH) up to ceil((i+1)·H/OH), PyTorch's adaptive bins */
        for (gint64 r = (gint64) floor ((double) at->y * H / OH);
             r < (gint64) ceil ((double) (at->y + 1) * H / OH); r++)
          for (gint64 col = (gint64) floor ((double) at->x * W / OW);
               col < (gint64) ceil ((double) (at->x + 1) * W / OW); col++)
            add_cell (cells, 0, at->c, r, col);
        break;
      }
    case ST_LAYER_LINEAR:
      for (gint64 i = 0; i < st_shape_numel (&info->in); i++)
        add_cell (cells, 0, i, -2, -2);
      break;
    case ST_LAYER_CONCAT:
      {
        int values[ST_OP_MAX_INPUTS];
        int n = expected_inputs (net, info, values);
        gint64 oc = at->c, hw = info->out.rank == 3 ? info->out.dim[1] * info->out.dim[2] : 1;
        int k = 0;

        while (k < n - 1 && oc >= net->values[values[k]].shape.dim[0])
          oc -= net->values[values[k++]].shape.dim[0];
        add_cell (cells, k, oc * hw + out_index % hw, -2, -2);
        break;
      }
    case ST_LAYER_RESIDUAL:
      add_cell (cells, 0, out_index, -2, -2);
      add_cell (cells, 1, out_index, -2, -2);
      break;
    default:
      /* elementwise and Flatten: the same element of the input */
      add_cell (cells, 0, out_index, -2, -2);
      break;
    }
}

static gboolean
is_window (const StLayerInfo *info)
{
  switch (info->node->type->kind)
    {
    case ST_LAYER_CONV2D:
    case ST_LAYER_MAXPOOL2D:
    case ST_LAYER_AVGPOOL2D:
    case ST_LAYER_ADAPTIVEAVGPOOL2D:
      return TRUE;
    default:
      return FALSE;
    }
}

static const StOp *
op_of (const StNet *net, const StLayerInfo *info)
{
  for (guint o = 0; o < net->n_ops; o++)
    if (net->ops[o].node == info->node)
      return &net->ops[o];
  return NULL;
}

/* The value input `from` of the layer reads. */
static int
input_value (const StNet *net, const StLayerInfo *info, int from)
{
  const StOp *op = op_of (net, info);
  int values[ST_OP_MAX_INPUTS];

  if (op == NULL)
    return st_net_path_value (net, info->path);   /* Flatten: its value is its input's */
  if (info->node->type->kind == ST_LAYER_CONCAT
      || (info->node->type->kind == ST_LAYER_RESIDUAL && (from == 0
                                                          || info->node->shortcut != NULL)))
    {
      expected_inputs (net, info, values);
      g_assert_cmpint (op->inputs[from].value, ==, values[from]);
      return values[from];
    }
  return op->inputs[from].value;
}

static const float *
param_of (const Pass *p, const char *path, const char *suffix)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", path, suffix);
  int t = st_net_find_tensor (p->net, name);

  return t < 0 ? NULL : p->pass->params + p->net->tensors[t].offset;
}

typedef struct {
  guint64 positions;
  guint64 terms;
  guint   layers;
  double  worst;       /* the largest |result − value| / max(|value|, 1e-3) seen */
} Tally;

/* One position: the value is the forward pass's, the terms are exactly the receptive field
 * with the forward pass's inputs and weights, and the breakdown adds up to the value. */
static void
check_position (const Pass *p, const StLayerInfo *info, const StExplainAt *at, Tally *tally)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StExplain) e = explain (p, info->path, at, &error);
  g_autoptr (GArray) want = g_array_new (FALSE, FALSE, sizeof (Cell));
  g_autoptr (GArray) got = g_array_new (FALSE, FALSE, sizeof (Cell));
  const StOp *op = op_of (p->net, info);
  const StShape *out = &info->out;
  gint64 out_index = out->rank == 3 ? (at->c * out->dim[1] + at->y) * out->dim[2] + at->x
                                    : at->c;
  int out_value = op != NULL ? op->output : st_net_path_value (p->net, info->path);
  const float *weight = param_of (p, info->path, "weight");
  const float *bias = param_of (p, info->path, "bias");
  gboolean weighted = info->node->type->kind == ST_LAYER_CONV2D
                      || info->node->type->kind == ST_LAYER_LINEAR;
  double sum = 0.0, tol;

  g_assert_no_error (error);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->path, ==, info->path);
  g_assert_cmpstr (e->type, ==, info->node->type->name);
  g_assert_cmpint (e->out_index, ==, out_index);
  g_assert_true (memcmp (&e->value, &p->pass->values[out_value][out_index], sizeof (float))
                 == 0);

  expected_cells (want, p->net, info, at, out_index);
  for (gsize i = 0; i < e->n_terms; i++)
    {
      const StExplainTerm *t = &e->terms[i];
      int v = input_value (p->net, info, t->from);
      const StShape *vs = &p->net->values[v].shape;

      if (is_window (info))
        {
          gboolean outside = t->row < 0 || t->row >= info->in.dim[1] || t->col < 0
                             || t->col >= info->in.dim[2];

          add_cell (got, t->from, t->channel, t->row, t->col);
          g_assert_cmpint (t->padding, ==, outside);
          if (outside)
            {
              g_assert_cmpint (t->index, ==, -1);
              g_assert_cmpfloat (t->input, ==, e->kind == ST_EXPLAIN_MAXPOOL2D ? -INFINITY
                                                                                : 0.0f);
            }
          else
            g_assert_cmpint (t->index, ==, (t->channel * info->in.dim[1] + t->row)
                                           * info->in.dim[2] + t->col);
        }
      else
        {
          gint64 c, y, x;

          add_cell (got, t->from, t->index, -2, -2);
          g_assert_false (t->padding);
          unravel (vs, t->index, &c, &y, &x);
          g_assert_cmpint (t->channel, ==, c);
          g_assert_cmpint (t->row, ==, y);
          g_assert_cmpint (t->col, ==, x);
        }
      if (!t->padding)
        g_assert_true (memcmp (&t->input, &p->pass->values[v][t->index], sizeof (float)) == 0);

      if (info->node->type->kind == ST_LAYER_CONV2D)
        {
          gint64 sh, sw, ph, pw, dh, dw, kh, kw;
          gint64 C = info->in.dim[0], ky, kx;

          arg_pair (info->node, ST_ARG_STRIDE, &sh, &sw);
          arg_pair (info->node, ST_ARG_PADDING, &ph, &pw);
          arg_pair (info->node, ST_ARG_DILATION, &dh, &dw);
          arg_pair (info->node, ST_ARG_KERNEL_SIZE, &kh, &kw);
          ky = (t->row - (at->y * sh - ph)) / dh;
          kx = (t->col - (at->x * sw - pw)) / dw;
          g_assert_cmpfloat (t->weight, ==, weight[((at->c * C + t->channel) * kh + ky) * kw + kx]);
        }
      else if (info->node->type->kind == ST_LAYER_LINEAR)
        g_assert_cmpfloat (t->weight, ==, weight[at->c * st_shape_numel (&info->in) + t->index]);
      if (weighted)
        {
          g_assert_cmpfloat (t->product, ==, (double) t->input * t->weight);
          sum += t->product;
        }
    }
  g_array_sort (want, cell_compare);
  g_array_sort (got, cell_compare);
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < MIN (got->len, want->len); i++)
    g_assert_cmpint (cell_compare (&g_array_index (got, Cell, i),
                                   &g_array_index (want, Cell, i)), ==, 0);

  if (weighted)
    {
      g_assert_cmpfloat (e->sum, ==, sum);
      g_assert_cmpint (e->has_bias, ==, bias != NULL);
      g_assert_cmpfloat (e->bias, ==, bias != NULL ? bias[at->c] : 0.0f);
      g_assert_cmpfloat (e->result, ==, e->sum + e->bias);
    }
  tol = REL_TOL * MAX (fabs (e->value), fabs (e->result)) + ABS_TOL;
  if (!(fabs (e->result - e->value) <= tol))
    g_test_message ("layer %s at %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                    ": the breakdown gives %.9g, the forward pass %.9g", info->path, at->c,
                    at->y, at->x, e->result, e->value);
  g_assert_cmpfloat (fabs (e->result - e->value), <=, tol);
  tally->worst = MAX (tally->worst, fabs (e->result - e->value) / MAX (fabs (e->value), 1e-3));
  tally->positions++;
  tally->terms += e->n_terms;
}

/* Every layer of the model: all positions of its output up to POSITIONS, else POSITIONS
 * drawn at random. */
static void
check_every_layer (const Pass *p, guint32 seed, Tally *tally)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < p->net->infer->n_layers; i++)
    {
      const StLayerInfo *info = &p->net->infer->layers[i];
      const StShape *s = &info->out;
      gint64 n = st_shape_numel (s);

      for (gint64 k = 0; k < MIN (n, POSITIONS); k++)
        {
          gint64 flat = n <= POSITIONS ? k : (gint64) g_rand_double_range (rand, 0, (double) n);
          StExplainAt at = { s->rank, 0, 0, 0 };

          flat = MIN (flat, n - 1);
          unravel (s, flat, &at.c, &at.y, &at.x);
          if (s->rank == 1)
            at.y = at.x = 0;
          check_position (p, info, &at, tally);
        }
      tally->layers++;
    }
}

/* n random images of the model's shape. */
static guint8 *
random_images (const StSpec *spec, int n, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gsize size = (gsize) n * st_shape_numel (&spec->input);
  guint8 *images = g_new (guint8, size);

  for (gsize i = 0; i < size; i++)
    images[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return images;
}

static void
check_preset (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (name, &error);
  g_autofree guint8 *images = NULL;
  g_auto (Pass) p = { 0 };
  Tally tally = { 0 };

  g_assert_no_error (error);
  images = random_images (spec, 3, 7);
  pass_open (&p, spec, images, 3, 1, NULL, NULL);
  check_every_layer (&p, 11, &tally);
  g_test_message ("%s: %u layers, %" G_GUINT64_FORMAT " positions, %" G_GUINT64_FORMAT
                  " terms; worst relative difference %.3g", name, tally.layers, tally.positions,
                  tally.terms, tally.worst);
  g_assert_cmpuint (tally.layers, ==, p.net->infer->n_layers);
}

/* Every kind the presets lack: stride and dilation, max pooling with padding and dilation,
 * BatchNorm2d with running statistics of its own, PReLU per channel and shared, LeakyReLU,
 * Tanh, Dropout, adaptive pooling, a Residual with a shortcut, an activation right after a
 * Flatten, Linear without bias. */
static const char zoo_json[] =
  "{\"format\": \"strata-model/1\", \"name\": \"zoo\","
  " \"input\": {\"channels\": 2, \"height\": 13, \"width\": 11},"
  " \"layers\": ["
  "  {\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": [3, 2], \"stride\": [2, 1],"
  "   \"padding\": [2, 1], \"dilation\": [2, 3]},"
  "  {\"type\": \"BatchNorm2d\"},"
  "  {\"type\": \"PReLU\", \"num_parameters\": 4},"
  "  {\"type\": \"MaxPool2d\", \"kernel_size\": 3, \"stride\": 1, \"padding\": 1,"
  "   \"dilation\": 2},"
  "  {\"type\": \"Residual\", \"body\": ["
  "    {\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 3, \"padding\": 1,"
  "     \"bias\": false},"
  "    {\"type\": \"Tanh\"}],"
  "   \"shortcut\": [{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 1}]},"
  "  {\"type\": \"LeakyReLU\", \"negative_slope\": 0.2},"
  "  {\"type\": \"AvgPool2d\", \"kernel_size\": 3, \"stride\": 2, \"padding\": 1},"
  "  {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [3, 2]},"
  "  {\"type\": \"Dropout\", \"p\": 0.5},"
  "  {\"type\": \"Flatten\"},"
  "  {\"type\": \"Sigmoid\"},"
  "  {\"type\": \"Linear\", \"out_features\": 5, \"bias\": false},"
  "  {\"type\": \"PReLU\"},"
  "  {\"type\": \"Linear\", \"out_features\": 3}"
  " ],"
  " \"training\": {\"dataset\": \"toy\", \"loss\": \"CrossEntropyLoss\", \"init\": \"default\","
  "  \"seed\": 3, \"normalize\": {\"mean\": [0.4, 0.6], \"std\": [0.3, 0.2]}}}";

static void
test_zoo (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (zoo_json, -1, "zoo", &error);
  g_autoptr (StNet) net = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  g_autofree guint8 *images = NULL;
  g_autofree float *buffers = NULL;
  g_autofree float *params = NULL;
  g_auto (Pass) p = { 0 };
  Tally tally = { 0 };
  StRng rng;

  g_assert_no_error (error);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  /* Running statistics and BatchNorm weights that are not 0 and 1, slopes that are not all
   * 0.25: each part of every formula shows. */
  params = g_new (float, net->n_params);
  buffers = g_new (float, net->n_buffers);
  st_rng_init (&rng, 9);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      float *at = (ti->role == ST_TENSOR_PARAM ? params : buffers) + ti->offset;
      gboolean var = g_str_has_suffix (ti->name, "running_var");
      StOpKind kind = net->ops[ti->op].kind;

      if (kind == ST_OP_BATCHNORM2D || kind == ST_OP_PRELU)
        for (gsize i = 0; i < ti->numel; i++)
          at[i] = (float) (var ? g_rand_double_range (rand, 0.2, 3.0)
                               : g_rand_double_range (rand, -0.8, 0.8));
    }
  images = random_images (spec, 2, 8);
  pass_open (&p, spec, images, 2, 0, params, buffers);
  check_every_layer (&p, 12, &tally);
  g_test_message ("zoo: %u layers, %" G_GUINT64_FORMAT " positions, %" G_GUINT64_FORMAT
                  " terms; worst relative difference %.3g", tally.layers, tally.positions,
                  tally.terms, tally.worst);
}

/* ---- the course's examples, exactly ------------------------------------------------------ */

/* One 1-channel layer on one image whose pixels are the values themselves: normalised with
 * mean 0 and std 1/255, a pixel v becomes v. */
static StSpec *
tiny_spec (int side, const char *layer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
    "{\"format\": \"strata-model/1\", \"name\": \"tiny\","
    " \"input\": {\"channels\": 1, \"height\": %d, \"width\": %d},"
    " \"layers\": [%s],"
    " \"training\": {\"dataset\": \"toy\", \"loss\": \"CrossEntropyLoss\", \"seed\": 0,"
    "  \"normalize\": {\"mean\": [0], \"std\": [0.00392156862745098]}}}", side, side, layer);
  StSpec *spec = st_spec_load_from_data (json, -1, "tiny", &error);

  g_assert_no_error (error);
  return spec;
}

/* Conv2d(1, 1, 3, bias=False) with the kernel 0 … 8 (or 1 … 9) written as its weights. */
static void
open_conv (Pass *p, int side, const char *layer, const guint8 *image, float first_tap)
{
  g_autoptr (StSpec) spec = tiny_spec (side, layer);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  float params[9];

  g_assert_no_error (error);
  g_assert_cmpuint (net->n_params, ==, 9);
  for (int i = 0; i < 9; i++)
    params[i] = first_tap + i;
  pass_open (p, spec, image, 1, 0, params, NULL);
}

/* The 4×4 ramp X[i][j] = i + j with the 3×3 kernel 0 … 8 gives [[96, 132], [132, 168]]; the
 * row-major ramp 0 … 15 would give [[258, 294], [402, 438]] instead. */
static void
test_course_conv_ramp (void)
{
  const float want[4] = { 96, 132, 132, 168 };
  guint8 image[16];
  g_auto (Pass) p = { 0 };

  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      image[i * 4 + j] = (guint8) (i + j);
  open_conv (&p, 4, "{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 3,"
                    " \"bias\": false}", image, 0.0f);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      {
        StExplainAt at = { 3, 0, y, x };
        g_autoptr (GError) error = NULL;
        g_autoptr (StExplain) e = explain (&p, "0", &at, &error);

        g_assert_no_error (error);
        g_assert_cmpfloat (e->value, ==, want[y * 2 + x]);
        g_assert_cmpfloat (e->sum, ==, want[y * 2 + x]);
        g_assert_cmpfloat (e->result, ==, want[y * 2 + x]);
        g_assert_false (e->has_bias);
        g_assert_cmpuint (e->n_terms, ==, 9);
        for (int k = 0; k < 9; k++)
          {
            const StExplainTerm *t = &e->terms[k];

            g_assert_cmpint (t->row, ==, y + k / 3);
            g_assert_cmpint (t->col, ==, x + k % 3);
            g_assert_cmpfloat (t->input, ==, (float) (t->row + t->col));
            g_assert_cmpfloat (t->weight, ==, (float) k);
            g_assert_cmpfloat (t->product, ==, (double) (t->row + t->col) * k);
          }
      }
}

/* Kernel 1 … 9, padding 1, stride 2 on a 5×5 input: [[91, 224, 127], [192, 282, 122],
 * [96, 110, 31]]. The course does not give its input; this one (tests/test-op-values.c's,
 * found by a search over digits) reproduces the numbers. Output (0, 0) reads rows and
 * columns −1 … 1: five of its nine terms lie in the padding. */
static void
test_course_conv_stride_pad (void)
{
  const guint8 image[25] = { 6, 2, 9, 9, 5,
                             5, 1, 7, 6, 3,
                             2, 7, 9, 1, 7,
                             8, 7, 5, 9, 1,
                             7, 4, 4, 5, 0 };
  const float want[9] = { 91, 224, 127, 192, 282, 122, 96, 110, 31 };
  g_auto (Pass) p = { 0 };

  open_conv (&p, 5, "{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 3,"
                    " \"stride\": 2, \"padding\": 1, \"bias\": false}", image, 1.0f);
  for (int i = 0; i < 9; i++)
    {
      StExplainAt at = { 3, 0, i / 3, i % 3 };
      g_autoptr (GError) error = NULL;
      g_autoptr (StExplain) e = explain (&p, "0", &at, &error);
      int padded = 0;

      g_assert_no_error (error);
      g_assert_cmpfloat (e->value, ==, want[i]);
      g_assert_cmpfloat (e->result, ==, want[i]);
      for (gsize k = 0; k < e->n_terms; k++)
        {
          const StExplainTerm *t = &e->terms[k];

          g_assert_cmpint (t->row, ==, 2 * at.y - 1 + (gint64) k / 3);
          g_assert_cmpint (t->col, ==, 2 * at.x - 1 + (gint64) k % 3);
          padded += t->padding;
          g_assert_cmpfloat (t->input, ==, t->padding ? 0.0f
                                                      : image[t->row * 5 + t->col]);
        }
      if (i == 0)
        g_assert_cmpint (padded, ==, 5);
    }
}

/* 2×2 max pooling of a 4×4 input gives [[4, 8], [9, 8]]: an input built with one strict
 * maximum per window (the course's own is not given), each found at its position. */
static void
test_course_maxpool (void)
{
  const guint8 image[16] = { 1, 4, 8, 2,
                             3, 0, 5, 7,
                             9, 6, 8, 1,
                             2, 5, 3, 4 };
  const float want[4] = { 4, 8, 9, 8 };
  const int want_row[4] = { 0, 0, 2, 2 }, want_col[4] = { 1, 2, 0, 2 };
  g_autoptr (StSpec) spec = tiny_spec (4, "{\"type\": \"MaxPool2d\", \"kernel_size\": 2}");
  g_auto (Pass) p = { 0 };

  pass_open (&p, spec, image, 1, 0, NULL, NULL);
  for (int i = 0; i < 4; i++)
    {
      StExplainAt at = { 3, 0, i / 2, i % 2 };
      g_autoptr (GError) error = NULL;
      g_autoptr (StExplain) e = explain (&p, "0", &at, &error);
      const StExplainTerm *max;

      g_assert_no_error (error);
      g_assert_cmpuint (e->n_terms, ==, 4);
      g_assert_cmpfloat (e->value, ==, want[i]);
      g_assert_cmpfloat (e->result, ==, want[i]);
      g_assert_cmpint (e->chosen, >=, 0);
      max = &e->terms[e->chosen];
      g_assert_cmpint (max->row, ==, want_row[i]);
      g_assert_cmpint (max->col, ==, want_col[i]);
    }
}

/* ---- errors ----------------------------------------------------------------------------- */

static void
open_lenet (Pass *p)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("lenet5", &error);
  g_autofree guint8 *images = NULL;

  g_assert_no_error (error);
  images = random_images (spec, 1, 4);
  pass_open (p, spec, images, 1, 0, NULL, NULL);
}

static void
test_error_unknown_layer (void)
{
  g_auto (Pass) p = { 0 };
  StExplainAt at = { 3, 0, 0, 0 };
  const char *const bad[] = { "12", "3.body.0", "", "0.weight" };

  open_lenet (&p);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StExplain) e = explain (&p, bad[i], &at, &error);
      g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i]);

      g_assert_null (e);
      g_assert_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_LAYER);
      g_assert_nonnull (strstr (error->message, quoted));
      g_assert_nonnull (strstr (error->message, "0, 1, 2, 3"));
    }
}

static void
test_error_position (void)
{
  g_auto (Pass) p = { 0 };
  const struct {
    const char *path;
    StExplainAt at;
    const char *says;
  } cases[] = {
    { "0", { 3, 6, 0, 0 }, "6×28×28" },
    { "0", { 3, 0, 28, 0 }, "Y from 0 to 27" },
    { "0", { 3, 0, 0, -1 }, "X from 0 to 27" },
    { "0", { 1, 0, 0, 0 }, "give its position as C,Y,X" },
    { "7", { 1, 120, 0, 0 }, "0 to 119" },
    { "7", { 3, 0, 0, 0 }, "flat output of shape 120" },
    { "6", { 3, 0, 0, 0 }, "Flatten" },
  };

  open_lenet (&p);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StExplain) e = explain (&p, cases[i].path, &cases[i].at, &error);

      g_assert_null (e);
      g_assert_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION);
      if (error != NULL && strstr (error->message, cases[i].says) == NULL)
        g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_assert_nonnull (strstr (error->message, cases[i].path));
    }
}

static void
test_at_parse (void)
{
  const char *const good[] = { "1,2,3", " 4 , 0,7 ", "5" };
  const StExplainAt want[] = { { 3, 1, 2, 3 }, { 3, 4, 0, 7 }, { 1, 5, 0, 0 } };
  const char *const bad[] = { "", "1,2", "1,2,3,4", "a", "-1,0,0", "1,,2", "1.5", "1;2;3",
                              "+1", "99999999999" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      StExplainAt at;

      g_assert_true (st_explain_at_parse (good[i], &at, &error));
      g_assert_no_error (error);
      g_assert_cmpint (at.rank, ==, want[i].rank);
      g_assert_cmpint (at.c, ==, want[i].c);
      g_assert_cmpint (at.y, ==, want[i].y);
      g_assert_cmpint (at.x, ==, want[i].x);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      StExplainAt at;

      g_assert_false (st_explain_at_parse (bad[i], &at, &error));
      g_assert_error (error, ST_EXPLAIN_ERROR, ST_EXPLAIN_ERROR_POSITION);
      g_assert_nonnull (strstr (error->message, "C,Y,X"));
    }
}

/* The JSON form carries the numbers of the breakdown and reads back. */
static void
test_json (void)
{
  g_auto (Pass) p = { 0 };
  StExplainAt at = { 3, 2, 0, 5 };
  g_autoptr (GError) error = NULL;
  g_autoptr (StExplain) e = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  JsonObject *o;
  JsonArray *terms;

  open_lenet (&p);
  e = explain (&p, "0", &at, &error);
  g_assert_no_error (error);
  json = st_explain_to_json (e);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "Conv2d");
  g_assert_cmpfloat (json_object_get_double_member (o, "value"), ==, e->value);
  g_assert_cmpfloat (json_object_get_double_member (o, "bias"), ==, e->bias);
  g_assert_cmpfloat (json_object_get_double_member (o, "sum"), ==, e->sum);
  terms = json_object_get_array_member (o, "terms");
  g_assert_cmpuint (json_array_get_length (terms), ==, 25);
  /* (2, 0, 5) with padding 2 reads rows −2 … 2: the first two rows are padding. */
  for (guint i = 0; i < 25; i++)
    {
      JsonObject *t = json_array_get_object_element (terms, i);

      g_assert_cmpint (json_object_get_boolean_member (t, "padding"), ==, i < 10);
      g_assert_cmpint (json_object_get_int_member (t, "row"), ==, (gint64) i / 5 - 2);
      g_assert_cmpfloat (json_object_get_double_member (t, "product"), ==,
                         e->terms[i].product);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/explain/preset/lenet5", "lenet5", check_preset);
  g_test_add_data_func ("/explain/preset/inception", "inception", check_preset);
  g_test_add_data_func ("/explain/preset/resnet", "resnet", check_preset);
  g_test_add_func ("/explain/zoo", test_zoo);
  g_test_add_func ("/explain/course/conv-ramp", test_course_conv_ramp);
  g_test_add_func ("/explain/course/conv-stride-pad", test_course_conv_stride_pad);
  g_test_add_func ("/explain/course/maxpool", test_course_maxpool);
  g_test_add_func ("/explain/error/unknown-layer", test_error_unknown_layer);
  g_test_add_func ("/explain/error/position", test_error_position);
  g_test_add_func ("/explain/at-parse", test_at_parse);
  g_test_add_func ("/explain/json", test_json);
  return g_test_run ();
}
