/* test-render-breakdown.c: the picture of how one output value was computed
 * (ui/render/breakdown-render.h) — its text for the course's examples and every kind, and
 * its pixels: the receptive field lit on the input map, padding outside it, the max pool's
 * choice, the height it asks for, big layers within bounds, and its files.
 *
 * The breakdowns come from core's st_explain on tiny models compiled from JSON, run on value
 * arrays made here: the layer's input, its parameters, and its output worked out here by
 * hand, so that every number the text shows is one this file knows independently.
 */
#define G_LOG_DOMAIN "strata-test"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "core/engine/explain.h"
#include "core/model/spec-read.h"
#include "render-pixels.h"
#include "ui/render/breakdown-render.h"

/* ---- tiny models on hand-made values ------------------------------------------------------ */

typedef struct {
  StNet  *net;
  float **values;
  float  *params;
  float  *buffers;
} Tiny;

static void
tiny_clear (Tiny *t)
{
  for (guint v = 0; t->net != NULL && v < t->net->n_values; v++)
    g_free (t->values[v]);
  g_clear_pointer (&t->values, g_free);
  g_clear_pointer (&t->params, g_free);
  g_clear_pointer (&t->buffers, g_free);
  g_clear_pointer (&t->net, st_net_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Tiny, tiny_clear)

/* The model of `layers` (JSON) on a C × H × W input, every value, parameter and buffer 0. */
static void
tiny_open (Tiny *t, int c, int h, int w, const char *layers)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
    "{\"format\": \"strata-model/1\", \"name\": \"tiny\","
    " \"input\": {\"channels\": %d, \"height\": %d, \"width\": %d},"
    " \"layers\": [%s],"
    " \"training\": {\"dataset\": \"toy\", \"loss\": \"CrossEntropyLoss\", \"seed\": 0}}",
    c, h, w, layers);
  g_autoptr (StSpec) spec = st_spec_load_from_data (json, -1, "tiny", &error);

  g_assert_no_error (error);
  t->net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  t->values = g_new0 (float *, t->net->n_values);
  for (guint v = 0; v < t->net->n_values; v++)
    t->values[v] = g_new0 (float, MAX (t->net->values[v].numel, 1));
  t->params = g_new0 (float, MAX (t->net->n_params, 1));
  t->buffers = g_new0 (float, MAX (t->net->n_buffers, 1));
}

/* The model's input. */
static float *
tiny_input (Tiny *t)
{
  for (guint v = 0; v < t->net->n_values; v++)
    if (t->net->values[v].producer < 0)
      return t->values[v];
  g_assert_not_reached ();
  return NULL;
}

/* The output of the layer at `path`. */
static float *
tiny_value (Tiny *t, const char *path)
{
  int v = st_net_path_value (t->net, path);

  g_assert_cmpint (v, >=, 0);
  return t->values[v];
}

/* The parameter or buffer "0.weight", "1.running_var". */
static float *
tiny_tensor (Tiny *t, const char *name)
{
  int i = st_net_find_tensor (t->net, name);
  const StTensorInfo *info;

  g_assert_cmpint (i, >=, 0);
  info = &t->net->tensors[i];
  return (info->role == ST_TENSOR_PARAM ? t->params : t->buffers) + info->offset;
}

static StExplain *
tiny_explain (Tiny *t, const char *path, gint64 c, gint64 y, gint64 x, int rank)
{
  g_autoptr (GError) error = NULL;
  StExplainAt at = { rank, c, y, x };
  StExplain *e = st_explain (t->net, (const float *const *) t->values, t->params, t->buffers,
                             path, &at, &error);

  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
}

static char *
text_of (const StExplain *e, const float *input, const StExplain *activation)
{
  StBreakdown b = { e, input, activation };

  return st_breakdown_to_text (&b);
}

/* The line of `text` that starts with `prefix`, or NULL. */
static char *
line_starting (const char *text, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (int i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  return NULL;
}

static void
assert_contains (const char *text, const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("“%s” is not in:\n%s", part, text);
}

/* ---- the course's examples ---------------------------------------------------------------- */

/* A 1-channel K×K Conv2d without bias on a side × side input, its kernel first_tap, first_tap
 * + 1, … row-major, and its output worked out here at every position. */
static void
open_conv (Tiny *t, int side, int k, int stride, int pad, int dilation, const float *image,
           float first_tap)
{
  g_autofree char *layer = g_strdup_printf (
    "{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": %d, \"stride\": %d,"
    " \"padding\": %d, \"dilation\": %d, \"bias\": false}", k, stride, pad, dilation);
  float *w, *out;
  int o;

  tiny_open (t, 1, side, side, layer);
  memcpy (tiny_input (t), image, sizeof (float) * side * side);
  w = tiny_tensor (t, "0.weight");
  for (int i = 0; i < k * k; i++)
    w[i] = first_tap + i;
  out = tiny_value (t, "0");
  o = (side + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  for (int y = 0; y < o; y++)
    for (int x = 0; x < o; x++)
      {
        double s = 0.0;

        for (int ky = 0; ky < k; ky++)
          for (int kx = 0; kx < k; kx++)
            {
              int r = y * stride - pad + ky * dilation, c = x * stride - pad + kx * dilation;

              if (r >= 0 && r < side && c >= 0 && c < side)
                s += image[r * side + c] * w[ky * k + kx];
            }
        out[y * o + x] = (float) s;
      }
}

static void
ramp (float *image, int side)
{
  for (int i = 0; i < side; i++)
    for (int j = 0; j < side; j++)
      image[i * side + j] = (float) (i + j);
}

/* The 4×4 ramp X[i][j] = i + j with the kernel 0 … 8: output (0, 0) is Σ (i + j)·k = 96. */
static void
test_text_conv_ramp (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  g_autofree char *text = NULL, *products_line = NULL, *inputs_line = NULL;
  g_autoptr (GString) products = g_string_new ("channel 0 products w·x: ");
  g_autoptr (GString) inputs = g_string_new ("channel 0 inputs at rows 0, 1, 2 × columns 0, 1, 2: ");
  float image[16];
  int sum = 0;

  ramp (image, 4);
  open_conv (&t, 4, 3, 1, 0, 1, image, 0.0f);
  e = tiny_explain (&t, "0", 0, 0, 0, 3);
  text = text_of (e, image, NULL);
  for (int k = 0; k < 9; k++)
    {
      int x = k / 3 + k % 3;

      g_string_append_printf (products, k == 0 ? "%d" : k % 3 == 0 ? "; %d" : " %d", x * k);
      g_string_append_printf (inputs, k == 0 ? "%d" : k % 3 == 0 ? "; %d" : " %d", x);
      sum += x * k;
    }
  g_assert_cmpint (sum, ==, 96);
  g_assert_true (g_str_has_prefix (text, "Conv2d 0 · channel 0, row 0, column 0 = 96\n"));
  products_line = line_starting (text, "channel 0 products");
  inputs_line = line_starting (text, "channel 0 inputs");
  g_assert_cmpstr (products_line, ==, products->str);
  g_assert_cmpstr (inputs_line, ==, inputs->str);
  assert_contains (text, "channel 0 weights: 0 1 2; 3 4 5; 6 7 8\n");
  assert_contains (text, "channel 0: Σ = 96\n");
  assert_contains (text, "Σ channels = 96  (no bias)  = 96");
  g_assert_null (strstr (text, "→"));
}

/* Kernel 1 … 9, stride 2, padding 1 on a 5×5 input: output (0, 0) reads rows and columns
 * −1 … 1, five of its nine cells in the padding, listed as 0. */
static void
test_text_conv_stride_pad (void)
{
  const float image[25] = { 6, 2, 9, 9, 5,
                            5, 1, 7, 6, 3,
                            2, 7, 9, 1, 7,
                            8, 7, 5, 9, 1,
                            7, 4, 4, 5, 0 };
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  g_autofree char *text = NULL, *sum_line = NULL;

  open_conv (&t, 5, 3, 2, 1, 1, image, 1.0f);
  e = tiny_explain (&t, "0", 0, 0, 0, 3);
  text = text_of (e, image, NULL);
  /* 5·6 + 6·2 + 8·5 + 9·1 */
  g_assert_cmpfloat (e->value, ==, 91.0f);
  assert_contains (text, "channel 0 inputs at rows -1, 0, 1 × columns -1, 0, 1: "
                         "0 (padding) 0 (padding) 0 (padding); 0 (padding) 6 2; "
                         "0 (padding) 5 1\n");
  assert_contains (text, "channel 0 products w·x: 0 0 0; 0 30 12; 0 40 9\n");
  sum_line = line_starting (text, "Σ channels");
  g_assert_cmpstr (sum_line, ==, "Σ channels = 91  (no bias)  = 91");
}

/* 2×2 max pooling of a 4×4 input: the window of output (1, 0) holds 9 at row 2, column 0. */
static const float pool_image[16] = { 1, 4, 8, 2,
                                      3, 0, 5, 7,
                                      9, 6, 8, 1,
                                      2, 5, 3, 4 };

static void
open_maxpool (Tiny *t)
{
  float *out;

  tiny_open (t, 1, 4, 4, "{\"type\": \"MaxPool2d\", \"kernel_size\": 2}");
  memcpy (tiny_input (t), pool_image, sizeof pool_image);
  out = tiny_value (t, "0");
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      {
        float m = -INFINITY;

        for (int r = 2 * y; r < 2 * y + 2; r++)
          for (int c = 2 * x; c < 2 * x + 2; c++)
            m = MAX (m, pool_image[r * 4 + c]);
        out[y * 2 + x] = m;
      }
}

static void
test_text_maxpool (void)
{
  g_auto (Tiny) t = { 0 };
  g_auto (Tiny) padded = { 0 };
  g_autoptr (StExplain) e = NULL;
  g_autoptr (StExplain) pe = NULL;
  g_autofree char *text = NULL, *padded_text = NULL;

  open_maxpool (&t);
  e = tiny_explain (&t, "0", 0, 1, 0, 3);
  text = text_of (e, pool_image, NULL);
  assert_contains (text, "window at rows 2, 3 × columns 0, 1: 9 6; 2 5\n");
  assert_contains (text, "max = 9 (row 2, column 0)");

  /* 3×3 with padding 1: output (0, 0) reads row and column −1, −∞ as PyTorch pads */
  tiny_open (&padded, 1, 4, 4, "{\"type\": \"MaxPool2d\", \"kernel_size\": 3, \"stride\": 1,"
                               " \"padding\": 1}");
  memcpy (tiny_input (&padded), pool_image, sizeof pool_image);
  tiny_value (&padded, "0")[0] = 4.0f;    /* max of 1, 4, 3, 0 */
  pe = tiny_explain (&padded, "0", 0, 0, 0, 3);
  padded_text = text_of (pe, pool_image, NULL);
  assert_contains (padded_text, "window at rows -1, 0, 1 × columns -1, 0, 1: "
                                "−∞ (padding) −∞ (padding) −∞ (padding); −∞ (padding) 1 4; "
                                "−∞ (padding) 3 0\n");
  assert_contains (padded_text, "max = 4 (row 0, column 1)");
}

/* ---- Linear ------------------------------------------------------------------------------- */

/* Flatten of a 3×2×2 input then Linear(12, 2) with bias: input i is (i − 5.5)·0.5 and the
 * weights of output 1 are (−1)^i·(i + 1)/4, so the products' sizes all differ. */
static void
open_linear (Tiny *t, float *x, double *products)
{
  float *w, *b, *out;

  tiny_open (t, 3, 2, 2, "{\"type\": \"Flatten\"},"
                         "{\"type\": \"Linear\", \"out_features\": 2}");
  w = tiny_tensor (t, "1.weight");
  b = tiny_tensor (t, "1.bias");
  for (int i = 0; i < 12; i++)
    {
      x[i] = (float) ((i - 5.5) * 0.5);
      w[12 + i] = (float) ((i % 2 == 0 ? 1 : -1) * (i + 1) / 4.0);
    }
  b[1] = 0.5f;
  memcpy (tiny_input (t), x, sizeof (float) * 12);
  out = tiny_value (t, "1");
  out[1] = b[1];
  for (int i = 0; i < 12; i++)
    {
      products[i] = (double) x[i] * w[12 + i];
      out[1] += (float) products[i];
    }
}

static int
by_size (gconstpointer a, gconstpointer b, gpointer data)
{
  const double *p = data;
  double d = fabs (p[*(const int *) b]) - fabs (p[*(const int *) a]);

  return d > 0 ? 1 : d < 0 ? -1 : *(const int *) a - *(const int *) b;
}

/* The eight largest |w·x| in order, each with the map cell it was flattened from, then the
 * rest summed. */
static void
test_text_linear (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  float x[12];
  double products[12], sum = 0.0, rest = 0.0;
  int order[12];
  int first = -1;

  open_linear (&t, x, products);
  e = tiny_explain (&t, "1", 1, 0, 0, 1);
  text = text_of (e, x, NULL);
  for (int i = 0; i < 12; i++)
    {
      order[i] = i;
      sum += products[i];
    }
  g_qsort_with_data (order, 12, sizeof *order, by_size, products);
  for (int k = 8; k < 12; k++)
    rest += products[order[k]];

  lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "Linear 1 · index 1 = "));
  for (int i = 0; lines[i] != NULL && first < 0; i++)
    if (g_str_has_prefix (lines[i], "Σ of 12 products w·x = "))
      first = i;
  g_assert_cmpint (first, >=, 0);
  assert_contains (lines[first], "+ bias 0.5");
  g_assert_cmpstr (lines[first + 1], ==, "the largest contributions, by |w·x|:");
  for (int k = 0; k < 8; k++)
    {
      int i = order[k];
      g_autofree char *want = NULL;
      char xs[32], ws[32], ps[32];

      /* the numbers here are multiples of 1/8 with few digits: %.3g shows them exactly */
      g_snprintf (xs, sizeof xs, "%.3g", x[i]);
      g_snprintf (ws, sizeof ws, "%.3g", e->terms[i].weight);
      g_snprintf (ps, sizeof ps, "%.3g", products[i]);
      want = g_strdup_printf ("input %d (channel %d, row %d, column %d): x = %s, w = %s, "
                              "w·x = %s", i, i / 4, i / 2 % 2, i % 2, xs, ws, ps);
      g_assert_cmpstr (lines[first + 2 + k], ==, want);
    }
  {
    g_autofree char *want = NULL;
    char rs[32];

    g_snprintf (rs, sizeof rs, fabs (rest - rint (rest)) < 1e-9 ? "%.0f" : "%.3g", rest);
    want = g_strdup_printf ("… 4 more: Σ = %s", rs);
    g_assert_cmpstr (lines[first + 10], ==, want);
  }
  g_assert_cmpfloat_with_epsilon (e->sum, sum, 1e-6);
}

/* ---- BatchNorm2d and the activations ------------------------------------------------------ */

static void
test_text_batchnorm (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  g_autofree char *text = NULL;
  float *in;

  tiny_open (&t, 2, 2, 2, "{\"type\": \"BatchNorm2d\", \"eps\": 0.001}");
  in = tiny_input (&t);
  in[5] = 3.0f;                                     /* channel 1, row 0, column 1 */
  tiny_tensor (&t, "0.running_mean")[1] = 1.0f;
  tiny_tensor (&t, "0.running_var")[1] = 3.999f;
  tiny_tensor (&t, "0.weight")[1] = 1.5f;
  tiny_tensor (&t, "0.bias")[1] = -0.25f;
  /* (3 − 1) / √(3.999 + 0.001) · 1.5 − 0.25 = 1.25 */
  tiny_value (&t, "0")[5] = 1.25f;
  e = tiny_explain (&t, "0", 1, 0, 1, 3);
  text = text_of (e, in, NULL);
  assert_contains (text, "(x − mean) / √(var + eps) · γ + β\n");
  assert_contains (text, "= (3 − 1) / √(4 + 0.001) · 1.5 + -0.25\n");
  g_assert_true (g_str_has_suffix (text, "\n= 1.25"));
}

/* Conv2d then ReLU: the value's line "→ ReLU(x) = …" when the activation is given. */
static void
test_text_activation (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) conv = NULL;
  g_autoptr (StExplain) relu = NULL;
  g_autoptr (StExplain) neg_conv = NULL;
  g_autoptr (StExplain) neg_relu = NULL;
  g_autofree char *text = NULL, *neg_text = NULL, *relu_text = NULL, *line = NULL;
  float *in, *w, *b, *c, *r;

  tiny_open (&t, 1, 1, 2, "{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 1},"
                          "{\"type\": \"ReLU\"}");
  in = tiny_input (&t);
  in[0] = 2.0f;
  in[1] = -3.0f;
  w = tiny_tensor (&t, "0.weight");
  b = tiny_tensor (&t, "0.bias");
  w[0] = 1.5f;
  b[0] = 0.5f;
  c = tiny_value (&t, "0");
  r = tiny_value (&t, "1");
  c[0] = 2.0f * 1.5f + 0.5f;                    /* 3.5 */
  c[1] = -3.0f * 1.5f + 0.5f;                   /* -4 */
  r[0] = 3.5f;
  r[1] = 0.0f;
  conv = tiny_explain (&t, "0", 0, 0, 0, 3);
  relu = tiny_explain (&t, "1", 0, 0, 0, 3);
  text = text_of (conv, in, relu);
  assert_contains (text, "Σ channels = 3  + bias 0.5  = 3.5\n");
  line = line_starting (text, "→");
  g_assert_cmpstr (line, ==, "→ ReLU(3.5) = max(3.5, 0) = 3.5");

  neg_conv = tiny_explain (&t, "0", 0, 0, 1, 3);
  neg_relu = tiny_explain (&t, "1", 0, 0, 1, 3);
  neg_text = text_of (neg_conv, in, neg_relu);
  g_assert_true (g_str_has_suffix (neg_text, "\n→ ReLU(-4) = max(-4, 0) = 0"));
  relu_text = text_of (neg_relu, NULL, NULL);
  g_assert_cmpstr (relu_text, ==, "ReLU 1 · channel 0, row 0, column 1 = 0\n"
                                  "ReLU(-4) = max(-4, 0) = 0");
}

/* The one-line kinds, each with its own numbers: a model of the one layer on a 1×2×2 input
 * (1, 2, 3, x), its output at row 0, column 1 (the index 1 after a Flatten). */
typedef struct {
  const char *layer;
  float       x;            /* the input at row 0, column 1 */
  float       out;          /* the output there, worked out here */
  int         line;         /* the line that says it, after the header */
  const char *want;
} KindCase;

static void
test_text_kinds (void)
{
  const KindCase cases[] = {
    { "{\"type\": \"Sigmoid\"}", 0.0f, 0.5f, 1, "Sigmoid(0) = 1 / (1 + exp(0)) = 0.5" },
    { "{\"type\": \"Tanh\"}", 0.5f, 0.46211716f, 1, "tanh(0.5) = 0.462" },
    { "{\"type\": \"LeakyReLU\", \"negative_slope\": 0.1}", -2.0f, -0.2f, 1,
      "LeakyReLU(-2) = 0.1 · -2 = -0.2, as x ≤ 0" },
    { "{\"type\": \"LeakyReLU\", \"negative_slope\": 0.1}", 2.0f, 2.0f, 1,
      "LeakyReLU(2) = 2, as x > 0" },
    { "{\"type\": \"PReLU\"}", -0.2f, -0.05f, 1,
      "PReLU(-0.2) = 0.25 · -0.2 = -0.05, as x ≤ 0" },
    { "{\"type\": \"Dropout\", \"p\": 0.5}", -0.05f, -0.05f, 1,
      "Dropout (p = 0.5) passes x through in evaluation mode: -0.05" },
    { "{\"type\": \"AvgPool2d\", \"kernel_size\": 2}", 0.0f, 1.5f, 2,
      "Σ = 6 / divisor 4 = 1.5" },
    { "{\"type\": \"AdaptiveAvgPool2d\", \"output_size\": 1}", 0.0f, 1.5f, 2,
      "Σ = 6 / divisor 4 = 1.5" },
    { "{\"type\": \"Flatten\"}", 0.75f, 0.75f, 1,
      "index 1 is the input at channel 0, row 0, column 1: 0.75" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const KindCase *kc = &cases[k];
      gboolean pooled = strstr (kc->layer, "Pool") != NULL;
      gboolean flat = strstr (kc->layer, "Flatten") != NULL;
      g_auto (Tiny) t = { 0 };
      g_autoptr (StExplain) e = NULL;
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;
      float *in;

      tiny_open (&t, 1, 2, 2, kc->layer);
      in = tiny_input (&t);
      in[0] = 1.0f;
      in[1] = kc->x;
      in[2] = 2.0f;
      in[3] = 3.0f;
      if (strstr (kc->layer, "PReLU") != NULL)
        tiny_tensor (&t, "0.weight")[0] = 0.25f;
      tiny_value (&t, "0")[pooled ? 0 : 1] = kc->out;
      e = flat ? tiny_explain (&t, "0", 1, 0, 0, 1)
               : tiny_explain (&t, "0", 0, 0, pooled ? 0 : 1, 3);
      text = text_of (e, in, NULL);
      lines = g_strsplit (text, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, kc->line + 1);
      g_assert_cmpstr (lines[kc->line], ==, kc->want);
    }
}

/* Residual and Concat: the parts they add or pick, a line each. */
static void
test_text_blocks (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) add = NULL;
  g_autoptr (StExplain) cat = NULL;
  g_autofree char *add_text = NULL, *cat_text = NULL;

  tiny_open (&t, 2, 1, 1,
             "{\"type\": \"Residual\", \"body\": [{\"type\": \"ReLU\"}]},"
             "{\"type\": \"Concat\", \"branches\": [[{\"type\": \"Tanh\"}],"
             " [{\"type\": \"Sigmoid\"}]]}");
  tiny_input (&t)[1] = 1.5f;
  tiny_value (&t, "0.body.0")[1] = 1.5f;
  tiny_value (&t, "0")[1] = 3.0f;
  tiny_value (&t, "1.branches.1.0")[0] = 0.25f;
  tiny_value (&t, "1")[2] = 0.25f;
  add = tiny_explain (&t, "0", 1, 0, 0, 3);
  add_text = text_of (add, NULL, NULL);
  g_assert_true (g_str_has_suffix (add_text, "\nbody + shortcut = 1.5 + 1.5 = 3"));
  cat = tiny_explain (&t, "1", 2, 0, 0, 3);
  cat_text = text_of (cat, NULL, NULL);
  g_assert_true (g_str_has_suffix (cat_text, "\noutput channel 2 is channel 0 of branch 1: 0.25"));
}

/* ---- pixels ------------------------------------------------------------------------------- */

typedef struct {
  const StBreakdown        *b;
  const StBreakdownOptions *o;
} Draw;

static void
draw_cb (cairo_t *cr, double width, double height, gconstpointer data)
{
  const Draw *d = data;

  st_breakdown_render (cr, width, height, d->b, d->o);
}

/* A point well inside the cell, off its outline and its number. */
static Colour
cell_colour (const Pixels *p, const cairo_rectangle_t *r)
{
  return at (p, (int) (r->x + 4), (int) (r->y + 4));
}

/* Lit: the window's orange over the grey cell; plain cells are grey (r = g = b). */
static gboolean
lit (Colour c)
{
  return c.r - c.b > 60;
}

static gboolean
grey (Colour c)
{
  return abs (c.r - c.b) <= 2 && abs (c.r - c.g) <= 2;
}

/* The map's cells at (channel, row, col) for rows and columns lo … hi, lit where `in_window`
 * says. */
static void
check_lit (const Pixels *p, const StBreakdown *b, int w, int h, int lo, int hi,
           gboolean (*in_window) (int r, int c))
{
  for (int r = lo; r <= hi; r++)
    for (int c = lo; c <= hi; c++)
      {
        cairo_rectangle_t rect;
        Colour colour;

        g_assert_true (st_breakdown_input_cell_rect (w, h, b, NULL, 0, r, c, &rect));
        g_assert_cmpfloat (rect.width, >=, 10.0);
        colour = cell_colour (p, &rect);
        if (in_window (r, c))
          g_assert_true (lit (colour));
        else if (r >= 0 && c >= 0)
          g_assert_true (grey (colour));
        else
          g_assert_false (lit (colour));
      }
}

static gboolean
ramp_window (int r, int c)
{
  return r >= 0 && r <= 2 && c >= 1 && c <= 3;
}

/* Output (0, 1) of the ramp's 3×3 Conv2d: rows 0 … 2, columns 1 … 3 lit, the rest grey. */
static void
test_pixels_receptive_field (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  float image[16];
  StBreakdown b;
  Draw d = { &b, NULL };
  Pixels p;
  cairo_rectangle_t a, right, below;

  ramp (image, 4);
  open_conv (&t, 4, 3, 1, 0, 1, image, 0.0f);
  e = tiny_explain (&t, "0", 0, 0, 1, 3);
  b = (StBreakdown) { e, image, NULL };
  render (&p, 640, 320, draw_cb, &d);
  check_lit (&p, &b, 640, 320, 0, 3, ramp_window);
  /* cells sit side by side, row-major */
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 1, 1, &a));
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 1, 2, &right));
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 2, 1, &below));
  g_assert_cmpfloat_with_epsilon (right.x, a.x + a.width, 1e-9);
  g_assert_cmpfloat_with_epsilon (below.y, a.y + a.height, 1e-9);
  /* no padding here, no second channel, no such cell */
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, -1, 0, &a));
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 1, 0, 0, &a));
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 4, 0, &a));
  /* without the input, no map */
  b.input = NULL;
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 0, 0, &a));
  pixels_clear (&p);
}

static gboolean
dilated_window (int r, int c)
{
  return r % 2 == 0 && c % 2 == 0;
}

/* Dilation 2: rows and columns 0, 2, 4 of a 5×5 map lit, the ones between not. */
static void
test_pixels_dilation (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  float image[25];
  StBreakdown b;
  Draw d = { &b, NULL };
  Pixels p;

  ramp (image, 5);
  open_conv (&t, 5, 3, 1, 0, 2, image, -4.0f);
  e = tiny_explain (&t, "0", 0, 0, 0, 3);
  b = (StBreakdown) { e, image, NULL };
  render (&p, 640, 320, draw_cb, &d);
  check_lit (&p, &b, 640, 320, 0, 4, dilated_window);
  pixels_clear (&p);
}

static gboolean
padded_window (int r, int c)
{
  return r <= 1 && c <= 1;
}

/* Padding 1, stride 2: output (0, 0) reads rows and columns −1 … 1; its padding cells lie
 * outside the map, up and left of it, lit; the padding beyond the window's reach is not
 * drawn. */
static void
test_pixels_padding (void)
{
  const float image[25] = { 6, 2, 9, 9, 5, 5, 1, 7, 6, 3, 2, 7, 9, 1, 7, 8, 7, 5, 9, 1,
                            7, 4, 4, 5, 0 };
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  StBreakdown b;
  Draw d = { &b, NULL };
  Pixels p;
  cairo_rectangle_t corner, first, last;

  open_conv (&t, 5, 3, 2, 1, 1, image, 1.0f);
  e = tiny_explain (&t, "0", 0, 0, 0, 3);
  b = (StBreakdown) { e, image, NULL };
  render (&p, 640, 320, draw_cb, &d);
  check_lit (&p, &b, 640, 320, -1, 4, padded_window);
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, -1, -1, &corner));
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 0, 0, &first));
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 4, 4, &last));
  g_assert_cmpfloat (corner.x + corner.width, <=, first.x + 1e-9);
  g_assert_cmpfloat (corner.y + corner.height, <=, first.y + 1e-9);
  /* the window does not reach row 5 or column 5: they are not drawn */
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 5, 0, &last));
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, 0, 5, &last));
  g_assert_false (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, -2, 0, &last));
  /* a padding cell the window does not read: dashed, not lit */
  g_assert_true (st_breakdown_input_cell_rect (640, 320, &b, NULL, 0, -1, 3, &last));
  g_assert_cmpint (ink_in (&p, (int) last.x, (int) last.y, (int) (last.x + last.width),
                           (int) (last.y + last.height)), >, 0);
  g_assert_false (lit (cell_colour (&p, &last)));
  pixels_clear (&p);
}

/* The max pool's choice in red, the rest of its window orange, the other cells grey. */
static void
test_pixels_maxpool (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  StBreakdown b;
  Draw d = { &b, NULL };
  Pixels p;

  open_maxpool (&t);
  e = tiny_explain (&t, "0", 0, 1, 0, 3);
  b = (StBreakdown) { e, pool_image, NULL };
  render (&p, 520, 360, draw_cb, &d);
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++)
      {
        cairo_rectangle_t rect;
        Colour colour;

        g_assert_true (st_breakdown_input_cell_rect (520, 360, &b, NULL, 0, r, c, &rect));
        colour = cell_colour (&p, &rect);
        if (r == 2 && c == 0)
          g_assert_cmpint (colour.r - colour.g, >, 110);        /* red */
        else if (r >= 2 && c <= 1)
          {
            g_assert_true (lit (colour));                        /* orange */
            g_assert_cmpint (colour.r - colour.g, <, 100);
          }
        else
          g_assert_true (grey (colour));
      }
  pixels_clear (&p);
}

/* A C-channel 3×3 Conv2d on 6×6 inputs, its output worked out here; `input` gets the
 * input. */
static StExplain *
multi_channel_conv (Tiny *t, int channels, int side, int k, float **input)
{
  g_autofree char *layer = g_strdup_printf (
    "{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": %d}", k);
  float *in, *w, *out;
  double s;
  int o = side - k + 1;

  tiny_open (t, channels, side, side, layer);
  in = tiny_input (t);
  w = tiny_tensor (t, "0.weight");
  for (int i = 0; i < channels * side * side; i++)
    in[i] = (float) ((i * 7) % 11) - 5.0f;
  for (int i = 0; i < 2 * channels * k * k; i++)
    w[i] = (float) ((i * 5) % 9) * 0.25f - 1.0f;
  tiny_tensor (t, "0.bias")[1] = 0.75f;
  out = tiny_value (t, "0");
  s = 0.75;
  for (int c = 0; c < channels; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        s += (double) in[(c * side + ky) * side + kx] * w[((channels + c) * k + ky) * k + kx];
  out[o * o] = (float) s;      /* output (1, 0, 0) */
  *input = in;
  return tiny_explain (t, "0", 1, 0, 0, 3);
}

/* More channels, a taller picture, until the cap: the channels past it are one line. */
static void
test_height (void)
{
  const int counts[] = { 1, 3, 6, 16 };
  double h[4];

  for (int i = 0; i < 4; i++)
    {
      g_auto (Tiny) t = { 0 };
      float *in;
      g_autoptr (StExplain) e = multi_channel_conv (&t, counts[i], 6, 3, &in);
      StBreakdown b = { e, in, NULL };

      h[i] = st_breakdown_height (600, &b, NULL);
    }
  g_assert_cmpfloat (h[0], <, h[1]);
  g_assert_cmpfloat (h[1], <, h[2]);
  g_assert_cmpfloat (h[2], <, h[3]);
  /* 3 → 6 channels adds three rows; 6 → 16 only the summary line */
  g_assert_cmpfloat (h[3] - h[2], <, (h[2] - h[1]) / 3);
}

/* Everything the picture draws lies inside it: drawn on a bigger surface, shifted by 20 px,
 * nothing lands outside the width × height asked for. */
static void
assert_within (const StBreakdown *b, int w, int h)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w + 40, h + 40);
  cairo_t *cr = cairo_create (surface);
  const guint8 *data;
  int stride, inside = 0;

  cairo_translate (cr, 20, 20);
  st_breakdown_render (cr, w, h, b, NULL);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < h + 40; y++)
    for (int x = 0; x < w + 40; x++)
      {
        guint32 v = *(const guint32 *) (gconstpointer) (data + y * stride + 4 * x);
        gboolean in = x >= 20 && x < w + 20 && y >= 20 && y < h + 20;

        if (in)
          inside += (v >> 24) == 0xff;
        else
          g_assert_cmpuint (v, ==, 0);
      }
  g_assert_cmpint (inside, ==, w * h);
  cairo_surface_destroy (surface);
}

/* 16 input channels of a 5×5 Conv2d: six drawn, channels 6–15 summed in one line, every
 * drawn map inside the picture, even squeezed into a short one. */
static void
test_bounds_conv (void)
{
  g_auto (Tiny) t = { 0 };
  float *in;
  g_autoptr (StExplain) e = multi_channel_conv (&t, 16, 12, 5, &in);
  StBreakdown b = { e, in, NULL };
  g_autofree char *text = st_breakdown_to_text (&b);
  g_autofree char *capped = line_starting (text, "channels 6–15: Σ = ");
  double rest = 0.0, natural = st_breakdown_height (700, &b, NULL);
  char want[64];

  for (gsize i = 6 * 25; i < e->n_terms; i++)
    rest += e->terms[i].product;
  /* numbers show three significant digits, whole ones in full */
  g_snprintf (want, sizeof want, rest == rint (rest) ? "channels 6–15: Σ = %.0f"
                                                     : "channels 6–15: Σ = %.3g", rest);
  g_assert_cmpstr (capped, ==, want);
  g_assert_true (strstr (text, "\nchannel 6 ") == NULL);
  assert_contains (text, "\nchannel 5 weights: ");

  for (int k = 0; k < 2; k++)
    {
      int w = 700, h = k == 0 ? (int) natural : 200;

      assert_within (&b, w, h);
      for (int c = 0; c < 16; c++)
        {
          cairo_rectangle_t first, last;
          gboolean drawn = st_breakdown_input_cell_rect (w, h, &b, NULL, c, 0, 0, &first);

          g_assert_true (drawn == (c < 6));
          if (!drawn)
            continue;
          g_assert_true (st_breakdown_input_cell_rect (w, h, &b, NULL, c, 11, 11, &last));
          g_assert_cmpfloat (first.x, >=, 0.0);
          g_assert_cmpfloat (first.y, >=, 0.0);
          g_assert_cmpfloat (last.x + last.width, <=, w);
          g_assert_cmpfloat (last.y + last.height, <=, h);
        }
    }
}

/* Linear(9216, 10) after a Flatten of 256×6×6 (AlexNet's first): eight bars and the rest in
 * one line, inside the picture. */
static void
test_bounds_linear (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  g_autofree char *text = NULL;
  float *in, *w;
  double sum = 0.0;
  Pixels p;
  StBreakdown b;
  Draw d = { &b, NULL };
  int h;

  tiny_open (&t, 256, 6, 6, "{\"type\": \"Flatten\"},"
                            "{\"type\": \"Linear\", \"out_features\": 10}");
  in = tiny_input (&t);
  w = tiny_tensor (&t, "1.weight");
  for (int i = 0; i < 9216; i++)
    {
      in[i] = (float) ((i * 37) % 101) / 100.0f;
      w[3 * 9216 + i] = (float) ((i * 13) % 29 - 14) / 64.0f;
      sum += (double) in[i] * w[3 * 9216 + i];
    }
  in[5000] = 50.0f;                               /* the largest, by far */
  sum += (50.0 - (double) ((5000 * 37) % 101) / 100.0f) * w[3 * 9216 + 5000];
  tiny_value (&t, "1")[3] = (float) sum;
  e = tiny_explain (&t, "1", 3, 0, 0, 1);
  b = (StBreakdown) { e, in, NULL };
  text = st_breakdown_to_text (&b);
  assert_contains (text, "… 9208 more: Σ = ");
  /* input 5000 is channel 138, row 5, column 2 of the 256×6×6 map */
  assert_contains (text, "the largest contributions, by |w·x|:\ninput 5000 (channel 138, "
                         "row 5, column 2): x = 50");
  h = (int) st_breakdown_height (720, &b, NULL);
  g_assert_cmpint (h, >, 100);
  assert_within (&b, 720, h);
  assert_within (&b, 300, 120);
  render (&p, 720, h, draw_cb, &d);
  /* the largest contribution's bar, in blue or red, is there */
  {
    int coloured = 0;

    for (int y = 0; y < h; y++)
      for (int x = 0; x < 720; x++)
        {
          Colour c = at (&p, x, y);

          coloured += abs (c.r - c.b) > 80;
        }
    g_assert_cmpint (coloured, >, 100);
  }
  pixels_clear (&p);
}

/* An activation's plot marks x with an orange point. */
static void
test_pixels_plot (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  StBreakdown b;
  Draw d = { &b, NULL };
  Colour orange = { 0xff, 0x7f, 0x0e };
  Pixels p;
  int n = 0;

  tiny_open (&t, 1, 1, 1, "{\"type\": \"Tanh\"}");
  tiny_input (&t)[0] = 0.75f;
  tiny_value (&t, "0")[0] = (float) tanh (0.75);
  e = tiny_explain (&t, "0", 0, 0, 0, 3);
  b = (StBreakdown) { e, NULL, NULL };
  render (&p, 400, (int) st_breakdown_height (400, &b, NULL), draw_cb, &d);
  for (int y = 0; y < p.height; y++)
    for (int x = 0; x < p.width; x++)
      n += same (at (&p, x, y), orange);
  g_assert_cmpint (n, >, 20);
  pixels_clear (&p);
}

/* The dark theme paints its own background. */
static void
test_theme (void)
{
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  float image[16];
  StBreakdown b;
  StBreakdownOptions o;
  Draw d = { &b, &o };
  Pixels p;

  ramp (image, 4);
  open_conv (&t, 4, 3, 1, 0, 1, image, 0.0f);
  e = tiny_explain (&t, "0", 0, 0, 0, 3);
  b = (StBreakdown) { e, image, NULL };
  st_breakdown_options_init (&o);
  g_assert_cmpint (o.max_channels, ==, 6);
  g_assert_cmpint (o.theme, ==, ST_THEME_LIGHT);
  o.theme = ST_THEME_DARK;
  render (&p, 500, 260, draw_cb, &d);
  g_assert_cmpint (at (&p, 1, 1).r, <, 80);
  pixels_clear (&p);
}

/* ---- files -------------------------------------------------------------------------------- */

static void
test_save (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("strata-breakdown-XXXXXX", &error);
  g_autofree char *png = NULL, *svg = NULL, *bad = NULL, *jpg = NULL;
  g_autofree char *contents = NULL;
  g_auto (Tiny) t = { 0 };
  g_autoptr (StExplain) e = NULL;
  float image[16];
  StBreakdown b;
  gsize length;

  g_assert_no_error (error);
  ramp (image, 4);
  open_conv (&t, 4, 3, 1, 0, 1, image, 0.0f);
  e = tiny_explain (&t, "0", 0, 1, 1, 3);
  b = (StBreakdown) { e, image, NULL };

  png = g_build_filename (dir, "breakdown.png", NULL);
  g_assert_true (st_breakdown_save (png, 500, 300, &b, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (png, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  g_clear_pointer (&contents, g_free);

  svg = g_build_filename (dir, "breakdown.SVG", NULL);
  g_assert_true (st_breakdown_save (svg, 500, 300, &b, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, &length, NULL));
  assert_contains (contents, "<svg");

  jpg = g_build_filename (dir, "breakdown.jpg", NULL);
  g_assert_false (st_breakdown_save (jpg, 500, 300, &b, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT);
  assert_contains (error->message, jpg);
  g_clear_error (&error);

  bad = g_build_filename (dir, "no-such-folder", "breakdown.png", NULL);
  g_assert_false (st_breakdown_save (bad, 500, 300, &b, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE);
  assert_contains (error->message, bad);
  g_clear_error (&error);

  g_assert_cmpint (g_remove (png), ==, 0);
  g_assert_cmpint (g_remove (svg), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/breakdown/text/conv-ramp", test_text_conv_ramp);
  g_test_add_func ("/breakdown/text/conv-stride-pad", test_text_conv_stride_pad);
  g_test_add_func ("/breakdown/text/maxpool", test_text_maxpool);
  g_test_add_func ("/breakdown/text/linear", test_text_linear);
  g_test_add_func ("/breakdown/text/batchnorm", test_text_batchnorm);
  g_test_add_func ("/breakdown/text/activation", test_text_activation);
  g_test_add_func ("/breakdown/text/kinds", test_text_kinds);
  g_test_add_func ("/breakdown/text/blocks", test_text_blocks);
  g_test_add_func ("/breakdown/pixels/receptive-field", test_pixels_receptive_field);
  g_test_add_func ("/breakdown/pixels/dilation", test_pixels_dilation);
  g_test_add_func ("/breakdown/pixels/padding", test_pixels_padding);
  g_test_add_func ("/breakdown/pixels/maxpool", test_pixels_maxpool);
  g_test_add_func ("/breakdown/pixels/plot", test_pixels_plot);
  g_test_add_func ("/breakdown/pixels/theme", test_theme);
  g_test_add_func ("/breakdown/height", test_height);
  g_test_add_func ("/breakdown/bounds/conv", test_bounds_conv);
  g_test_add_func ("/breakdown/bounds/linear", test_bounds_linear);
  g_test_add_func ("/breakdown/save", test_save);
  return g_test_run ();
}
