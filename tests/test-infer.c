/* test-infer: shape rules, parameter counts and the error-cascade rule of shape inference. */
#include <string.h>

#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"

static StInfer *
infer_layers (const char *layers_json, gint64 c, gint64 h, gint64 w)
{
  g_autofree char *doc = g_strdup_printf ("{\"input\": {\"channels\": %" G_GINT64_FORMAT
                                          ", \"height\": %" G_GINT64_FORMAT ", \"width\": %"
                                          G_GINT64_FORMAT "}, \"layers\": %s}", c, h, w,
                                          layers_json);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (doc, -1, "test", &error);
  StInfer *infer;

  g_assert_no_error (error);
  infer = st_spec_infer (spec);
  /* The rows point at nodes of the spec; keep only what the tests read. */
  for (guint i = 0; i < infer->n_layers; i++)
    infer->layers[i].node = NULL;
  return infer;
}

static void
assert_shape (const StShape *s, int rank, gint64 a, gint64 b, gint64 c)
{
  g_assert_cmpint (s->rank, ==, rank);
  g_assert_cmpint (s->dim[0], ==, a);
  if (rank == 3)
    {
      g_assert_cmpint (s->dim[1], ==, b);
      g_assert_cmpint (s->dim[2], ==, c);
    }
}

static void
test_conv_formula (void)
{
  /* out = floor((in + 2p - d(k-1) - 1) / s) + 1 */
  g_autoptr (StInfer) a = infer_layers ("[{\"type\": \"Conv2d\", \"out_channels\": 4, "
                                        "\"kernel_size\": [3, 5], \"stride\": 2, \"padding\": [1, 0],"
                                        " \"dilation\": 2}]", 3, 32, 31);
  g_autoptr (StInfer) b = infer_layers ("[{\"type\": \"Conv2d\", \"out_channels\": 4, "
                                        "\"kernel_size\": 3, \"bias\": false}]", 2, 5, 5);

  /* H: (32 + 2 - 2*2 - 1)/2 + 1 = 15; W: (31 + 0 - 2*4 - 1)/2 + 1 = 12 */
  assert_shape (&a->output, 3, 4, 15, 12);
  g_assert_cmpint (a->total_params, ==, 4 * 3 * 3 * 5 + 4);
  g_assert_cmpint (a->total_macs, ==, (gint64) 4 * 15 * 12 * 3 * 3 * 5);
  g_assert_cmpint (b->total_params, ==, 4 * 2 * 9);
}

static void
test_pools (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"MaxPool2d\", \"kernel_size\": 3, \"stride\": 2, \"padding\": 1},"
    " {\"type\": \"AvgPool2d\", \"kernel_size\": 2},"
    " {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [3, 2]}]", 8, 28, 27);

  assert_shape (&infer->layers[0].out, 3, 8, 14, 14);
  assert_shape (&infer->layers[1].out, 3, 8, 7, 7);
  assert_shape (&infer->layers[2].out, 3, 8, 3, 2);
  g_assert_cmpuint (infer->n_errors, ==, 0);
}

static void
test_param_counts (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"BatchNorm2d\"}, {\"type\": \"PReLU\", \"num_parameters\": 3},"
    " {\"type\": \"PReLU\"}, {\"type\": \"LeakyReLU\", \"negative_slope\": 0.2},"
    " {\"type\": \"Dropout\", \"p\": 0.25}, {\"type\": \"Flatten\"},"
    " {\"type\": \"Linear\", \"out_features\": 5, \"bias\": false}]", 3, 4, 4);

  g_assert_cmpuint (infer->n_errors, ==, 0);
  g_assert_cmpint (infer->layers[0].params, ==, 6);
  g_assert_cmpint (infer->layers[0].buffers, ==, 6);
  g_assert_cmpint (infer->layers[1].params, ==, 3);
  g_assert_cmpint (infer->layers[2].params, ==, 1);
  g_assert_cmpint (infer->layers[6].params, ==, 48 * 5);
  assert_shape (&infer->output, 1, 5, 0, 0);
  g_assert_cmpint (infer->total_params, ==, 6 + 3 + 1 + 240);
}

static void
test_linear_needs_flatten (void)
{
  g_autoptr (StInfer) infer = infer_layers ("[{\"type\": \"Linear\", \"out_features\": 10}]",
                                            1, 28, 28);

  g_assert_cmpuint (infer->n_errors, ==, 1);
  g_assert_nonnull (strstr (infer->layers[0].error, "put a Flatten before it"));
  assert_shape (&infer->output, 1, 10, 0, 0);
}

static void
test_conv_after_flatten (void)
{
  g_autoptr (StInfer) infer = infer_layers ("[{\"type\": \"Flatten\"}, {\"type\": \"Conv2d\", "
                                            "\"out_channels\": 2, \"kernel_size\": 3}]", 1, 8, 8);

  g_assert_cmpuint (infer->n_errors, ==, 1);
  g_assert_nonnull (strstr (infer->layers[1].error, "cannot follow a Flatten"));
}

/* An error that only follows from an earlier one is not reported again. The failing layer
 * keeps its best-effort shape; every shape after it is unknown, and the totals count only
 * what is known (the Linear's declared in_features). */
static void
test_no_cascade (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 9},"
    " {\"type\": \"MaxPool2d\", \"kernel_size\": 2},"
    " {\"type\": \"Conv2d\", \"out_channels\": 8, \"kernel_size\": 3},"
    " {\"type\": \"Flatten\"},"
    " {\"type\": \"Linear\", \"in_features\": 100, \"out_features\": 10}]", 1, 8, 8);

  g_assert_cmpuint (infer->n_errors, ==, 1);
  g_assert_nonnull (infer->layers[0].error);
  assert_shape (&infer->layers[0].out, 3, 4, 0, 0);
  g_assert_true (infer->layers[4].tainted);
  for (guint i = 1; i < infer->n_layers; i++)
    g_assert_false (st_shape_is_known (&infer->layers[i].out));
  g_assert_false (st_shape_is_known (&infer->output));
  g_assert_true (infer->layers[2].params_unknown);
  g_assert_false (infer->layers[4].params_unknown);
  g_assert_cmpint (infer->layers[4].params, ==, 1010);
  g_assert_true (infer->partial);
  g_assert_cmpint (infer->total_params, ==, 4 * 81 + 4 + 1010);
}

/* After an invalid layer every later shape is unknown, whatever rule follows: a Linear (which
 * could name its output alone), a block, a layer inside a block. */
static void
test_unknown_after_error (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"MaxPool2d\", \"kernel_size\": 16},"
    " {\"type\": \"Linear\", \"out_features\": 10},"
    " {\"type\": \"ReLU\"}]", 1, 8, 8);
  g_autoptr (StInfer) blocks = infer_layers (
    "[{\"type\": \"Concat\", \"branches\": [[{\"type\": \"ReLU\"}],"
    "   [{\"type\": \"Conv2d\", \"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": 1}]]},"
    " {\"type\": \"Residual\", \"body\": [{\"type\": \"ReLU\"}]},"
    " {\"type\": \"ReLU\"}]", 1, 8, 8);
  g_autoptr (StInfer) inside = infer_layers (
    "[{\"type\": \"Residual\", \"body\": [{\"type\": \"Dropout\", \"p\": 2},"
    "   {\"type\": \"ReLU\"}]}, {\"type\": \"Flatten\"}]", 1, 8, 8);

  g_assert_cmpuint (infer->n_errors, ==, 1);
  g_assert_nonnull (infer->layers[0].error);
  g_assert_false (st_shape_is_known (&infer->layers[1].out));
  g_assert_false (st_shape_is_known (&infer->layers[2].out));
  g_assert_false (st_shape_is_known (&infer->output));

  /* Rows: 0 Concat, 0.branches.0.0 ReLU, 0.branches.1.0 Conv2d, 1 Residual, 1.body.0, 2. */
  g_assert_cmpuint (blocks->n_errors, ==, 1);
  g_assert_nonnull (blocks->layers[2].error);
  assert_shape (&blocks->layers[1].out, 3, 1, 8, 8);
  for (guint i = 3; i < blocks->n_layers; i++)
    g_assert_false (st_shape_is_known (&blocks->layers[i].out));
  g_assert_false (st_shape_is_known (&blocks->layers[0].out));

  /* Rows: 0 Residual, 0.body.0 Dropout, 0.body.1 ReLU, 1 Flatten. */
  g_assert_cmpuint (inside->n_errors, ==, 1);
  g_assert_nonnull (inside->layers[1].error);
  g_assert_false (st_shape_is_known (&inside->layers[2].out));
  g_assert_false (st_shape_is_known (&inside->layers[0].out));
  g_assert_false (st_shape_is_known (&inside->layers[3].out));
}

/* A layer that cannot be built as written (an argument the reader refused, a required one
 * left out) has no shape or parameter count of its own either. */
static void
test_unbuildable_unknown (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": \"big\"},"
    " {\"type\": \"ReLU\"}]", 1, 8, 8);
  g_autoptr (StSpec) spec = st_spec_new ("built", &(StShape) { 3, { 1, 8, 8 } });
  StNode *conv = st_node_new (st_layer_type_lookup ("Conv2d"));
  g_autoptr (StInfer) missing = NULL;

  g_assert_cmpuint (infer->n_errors, ==, 1);
  g_assert_nonnull (strstr (infer->layers[0].error, "kernel_size"));
  g_assert_false (st_shape_is_known (&infer->layers[0].out));
  g_assert_true (infer->layers[0].params_unknown);
  g_assert_cmpint (infer->total_params, ==, 0);
  g_assert_false (st_shape_is_known (&infer->layers[1].out));
  g_assert_true (infer->partial);

  st_node_set_int (conv, ST_ARG_OUT_CHANNELS, 4);
  g_ptr_array_add (spec->layers, conv);
  missing = st_spec_infer (spec);
  g_assert_cmpuint (missing->n_errors, ==, 1);
  g_assert_cmpstr (missing->layers[0].error_arg, ==, "kernel_size");
  g_assert_false (st_shape_is_known (&missing->layers[0].out));
  g_assert_true (missing->layers[0].params_unknown);
}

/* A Conv2d that declares in_channels 6 but gets 16 is wrong, and PyTorch would build its
 * weight for 6: 16·6·5·5 + 16 = 2,416 parameters, not the 6,416 of 16 input channels. The
 * same for Linear's in_features and BatchNorm2d's num_features. */
static void
test_params_from_declared (void)
{
  g_autoptr (StInfer) conv = infer_layers (
    "[{\"type\": \"Conv2d\", \"in_channels\": 6, \"out_channels\": 16, \"kernel_size\": 5}]",
    16, 14, 14);
  g_autoptr (StInfer) linear = infer_layers (
    "[{\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"in_features\": 10, \"out_features\": 3}]",
    4, 2, 2);
  g_autoptr (StInfer) norm = infer_layers (
    "[{\"type\": \"BatchNorm2d\", \"num_features\": 3}]", 5, 2, 2);

  g_assert_cmpuint (conv->n_errors, ==, 1);
  g_assert_cmpstr (conv->layers[0].error_arg, ==, "in_channels");
  g_assert_cmpint (conv->layers[0].params, ==, 2416);
  g_assert_cmpint (conv->total_params, ==, 2416);
  g_assert_cmpint (linear->layers[1].params, ==, 10 * 3 + 3);
  g_assert_cmpstr (linear->layers[1].error_arg, ==, "in_features");
  g_assert_cmpint (norm->layers[0].params, ==, 6);
  g_assert_cmpint (norm->layers[0].buffers, ==, 6);
  g_assert_cmpstr (norm->layers[0].error_arg, ==, "num_features");
}

/* A layer's own mistake after an unrelated earlier error is still its own. */
static void
test_independent_errors (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"Dropout\", \"p\": 2},"
    " {\"type\": \"Conv2d\", \"out_channels\": 8, \"kernel_sise\": 3}]", 1, 8, 8);

  g_assert_cmpuint (infer->n_errors, ==, 2);
}

static void
test_summary_sizes (void)
{
  g_autoptr (StInfer) infer = infer_layers (
    "[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 5, \"padding\": 2},"
    " {\"type\": \"Flatten\"}]", 1, 28, 28);
  gint64 acts = 6 * 28 * 28 * 2;

  g_assert_cmpint (infer->total_activation, ==, acts);
  g_assert_cmpfloat (infer->pass_mb, ==, 2.0 * acts * 4 / (1024.0 * 1024.0));
  g_assert_cmpfloat (infer->input_mb, ==, 784.0 * 4 / (1024.0 * 1024.0));
  g_assert_cmpfloat (infer->params_mb, ==, 156.0 * 4 / (1024.0 * 1024.0));
}

/* Every registered type has a working row in the table. */
static void
test_type_table (void)
{
  for (int k = 0; k < ST_N_LAYER_KINDS; k++)
    {
      const StLayerType *type = st_layer_type_get (k);

      g_assert_cmpint (type->kind, ==, k);
      g_assert_true (st_layer_type_lookup (type->name) == type);
      g_assert_true (st_layer_type_is_block (type) == (type->infer == NULL));
      g_assert_true (g_str_has_prefix (type->doc_url, "https://"));
    }
  g_assert_null (st_layer_type_lookup ("conv2d"));
  g_assert_cmpstr (st_layer_type_suggest ("conv2d"), ==, "Conv2d");
  g_assert_cmpstr (st_layer_type_suggest ("Maxpool2d"), ==, "MaxPool2d");
  g_assert_null (st_layer_type_suggest ("Transformer"));
}

static void
test_shape_format (void)
{
  StShape s = st_shape_chw (6, 28, 28);
  StShape f = st_shape_flat (400);
  g_autofree char *a = st_shape_to_string (&s);
  g_autofree char *b = st_shape_to_string (&f);
  g_autofree char *c = st_shape_to_string (&ST_SHAPE_UNKNOWN);

  g_assert_cmpstr (a, ==, "6×28×28");
  g_assert_cmpstr (b, ==, "400");
  g_assert_cmpstr (c, ==, "?");
  g_assert_cmpint (st_shape_numel (&s), ==, 4704);
}

/* Editing a copy never touches the original (the builder's undo keeps copies). */
static void
test_copy_independent (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("resnet", NULL);
  g_autoptr (StSpec) copy = st_spec_copy (spec);
  StNode *block = g_ptr_array_index (copy->layers, 3);
  StNode *conv = g_ptr_array_index (block->body, 2);
  g_autoptr (StInfer) a = NULL, b = NULL;

  st_node_set_int (conv, ST_ARG_OUT_CHANNELS, 8);
  a = st_spec_infer (spec);
  b = st_spec_infer (copy);
  g_assert_cmpuint (a->n_errors, ==, 0);
  g_assert_cmpuint (b->n_errors, ==, 1);
  g_assert_nonnull (b->layers[3].error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/infer/conv-formula", test_conv_formula);
  g_test_add_func ("/infer/pools", test_pools);
  g_test_add_func ("/infer/param-counts", test_param_counts);
  g_test_add_func ("/infer/linear-needs-flatten", test_linear_needs_flatten);
  g_test_add_func ("/infer/conv-after-flatten", test_conv_after_flatten);
  g_test_add_func ("/infer/no-cascade", test_no_cascade);
  g_test_add_func ("/infer/unknown-after-error", test_unknown_after_error);
  g_test_add_func ("/infer/unbuildable-unknown", test_unbuildable_unknown);
  g_test_add_func ("/infer/params-from-declared", test_params_from_declared);
  g_test_add_func ("/infer/independent-errors", test_independent_errors);
  g_test_add_func ("/infer/summary-sizes", test_summary_sizes);
  g_test_add_func ("/infer/type-table", test_type_table);
  g_test_add_func ("/infer/shape-format", test_shape_format);
  g_test_add_func ("/infer/copy-independent", test_copy_independent);
  return g_test_run ();
}
