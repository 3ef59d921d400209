/* test-spec: reading and writing model files, and bad files reported on the right layer;
 * files that once crashed or hung the reader (nesting past the stack, a FIFO) refused with a
 * message. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/io/json-guard.h"
#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "test-util.h"

#define INPUT "\"input\": {\"channels\": 1, \"height\": 28, \"width\": 28}"

static StSpec *
load_layers (const char *layers_json)
{
  g_autofree char *doc = g_strdup_printf ("{\"format\": \"strata-model/1\", " INPUT
                                          ", \"layers\": %s}", layers_json);
  g_autoptr (GError) error = NULL;
  StSpec *spec = st_spec_load_from_data (doc, -1, "test.strata.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (spec);
  return spec;
}

/* The one error of a spec: checks it is on `path`, about `arg`, and mentions `needle`. */
static void
assert_single_error (const char *layers_json, const char *path, const char *arg,
                     const char *needle)
{
  g_autoptr (StSpec) spec = load_layers (layers_json);
  g_autoptr (StInfer) infer = st_spec_infer (spec);

  g_assert_cmpuint (infer->n_errors, ==, 1);
  for (guint i = 0; i < infer->n_layers; i++)
    {
      const StLayerInfo *info = &infer->layers[i];
      if (info->error == NULL)
        continue;
      g_test_message ("%s: %s", info->path, info->error);
      g_assert_cmpstr (info->path, ==, path);
      g_assert_cmpstr (info->error_arg, ==, arg);
      g_assert_nonnull (strstr (info->error, needle));
    }
}

static void
assert_load_fails (const char *doc, int code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (doc, -1, "bad.strata.json", &error);

  g_assert_null (spec);
  g_assert_error (error, ST_SPEC_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.strata.json: "));
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_presets_params (void)
{
  static const struct { const char *name; gint64 params; } expected[] = {
    { "toy", 12 }, { "lenet5", 61706 }, { "lenet-relu", 44426 }, { "mnist-cnn", 8490 },
    { "deep-cnn", 896522 }, { "inception", 97298 }, { "resnet", 41514 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StSpec) spec = st_spec_load (expected[i].name, &error);
      g_autoptr (StInfer) infer = NULL;

      g_assert_no_error (error);
      infer = st_spec_infer (spec);
      g_assert_cmpuint (infer->n_errors, ==, 0);
      g_assert_cmpint (infer->total_params, ==, expected[i].params);
      g_assert_cmpint (infer->trainable_params, ==, expected[i].params);
      g_assert_true (spec->has_training);
      g_assert_true (g_strv_contains (st_preset_names (), expected[i].name));
    }
  g_assert_cmpuint (g_strv_length ((char **) st_preset_names ()), ==, G_N_ELEMENTS (expected));
}

static void
test_preset_training (void)
{
  g_autoptr (StSpec) lenet = st_spec_load ("lenet5", NULL);
  g_autoptr (StSpec) cnn = st_spec_load ("mnist-cnn", NULL);
  g_autoptr (StSpec) deep = st_spec_load ("deep-cnn", NULL);
  g_autoptr (StSpec) toy = st_spec_load ("toy", NULL);

  g_assert_cmpstr (lenet->training.dataset, ==, "fashion-mnist");
  g_assert_cmpint (lenet->training.optimizer.type, ==, ST_OPTIM_SGD);
  g_assert_cmpfloat (lenet->training.optimizer.lr, ==, 0.9);
  g_assert_cmpint (lenet->training.batch_size, ==, 256);
  g_assert_cmpint (lenet->training.init, ==, ST_INIT_XAVIER_UNIFORM);
  g_assert_cmpstr (cnn->training.dataset, ==, "mnist");
  g_assert_cmpfloat (cnn->training.optimizer.momentum, ==, 0.5);
  g_assert_cmpfloat (cnn->training.normalize.mean[0], ==, 0.1307);
  g_assert_cmpfloat (cnn->training.normalize.std[0], ==, 0.3081);
  g_assert_cmpint (deep->training.optimizer.type, ==, ST_OPTIM_ADAM);
  g_assert_cmpint (deep->training.batch_size, ==, 32);
  g_assert_cmpint (deep->training.epochs, ==, 5);
  g_assert_cmpint (toy->training.loss, ==, ST_LOSS_BCE);
}

/* Writing and reading back gives the same file and the same model. */
static void
test_round_trip (void)
{
  for (const char * const *name = st_preset_names (); *name != NULL; name++)
    {
      g_autoptr (StSpec) spec = st_spec_load (*name, NULL);
      g_autofree char *first = st_spec_to_json (spec);
      g_autoptr (GError) error = NULL;
      g_autoptr (StSpec) again = st_spec_load_from_data (first, -1, "round trip", &error);
      g_autofree char *second = NULL;
      g_autoptr (StInfer) a = NULL, b = NULL;

      g_assert_no_error (error);
      second = st_spec_to_json (again);
      g_assert_cmpstr (first, ==, second);
      a = st_spec_infer (spec);
      b = st_spec_infer (again);
      g_assert_cmpint (a->total_params, ==, b->total_params);
      g_assert_cmpuint (a->n_layers, ==, b->n_layers);
      g_assert_cmpfloat (again->training.optimizer.lr, ==, spec->training.optimizer.lr);
      g_assert_cmpfloat (again->training.normalize.std[0], ==, spec->training.normalize.std[0]);
    }
}

/* "resize_images" is read, written only when on (files without it stay as they were), and
 * comes back. */
static void
test_resize_images (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("lenet5", NULL);
  g_autofree char *off = st_spec_to_json (spec);
  g_autofree char *on = NULL;
  g_autoptr (StSpec) back = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (spec->training.resize_images);
  g_assert_null (strstr (off, "resize_images"));
  spec->training.resize_images = TRUE;
  on = st_spec_to_json (spec);
  g_assert_nonnull (strstr (on, "\"resize_images\": true"));
  back = st_spec_load_from_data (on, -1, "resize", &error);
  g_assert_no_error (error);
  g_assert_true (back->training.resize_images);
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"resize_images\": 1}}",
                     ST_SPEC_ERROR_STRUCTURE, "training.resize_images must be true or false");
}

static void
test_save_atomic (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("strata-spec-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "model.strata.json", NULL);
  g_autoptr (StSpec) spec = st_spec_load ("resnet", NULL);
  g_autoptr (StSpec) back = NULL;
  g_autofree char *bad = g_build_filename (dir, "no-such-folder", "m.strata.json", NULL);

  g_assert_no_error (error);
  g_assert_true (st_spec_save (spec, path, &error));
  g_assert_no_error (error);
  back = st_spec_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->layers->len, ==, spec->layers->len);

  g_assert_false (st_spec_save (spec, bad, &error));
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-folder"));

  g_remove (path);
  g_rmdir (dir);
}

/* A layer the reader could not understand is written back exactly as it was read. */
static void
test_problem_layer_kept (void)
{
  g_autoptr (StSpec) spec = load_layers ("[{\"type\": \"Conv2d\", \"out_channels\": 6, "
                                         "\"kernal_size\": 5}, {\"type\": \"Swish\"}]");
  g_autofree char *json = st_spec_to_json (spec);

  g_assert_nonnull (strstr (json, "\"kernal_size\":5"));
  g_assert_nonnull (strstr (json, "\"Swish\""));
}

static void
test_nested_paths (void)
{
  g_autoptr (StSpec) spec = load_layers (
    "[{\"type\": \"Residual\", \"body\": ["
    "  {\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 3, \"padding\": 1},"
    "  {\"type\": \"Concat\", \"branches\": ["
    "    [{\"type\": \"ReLU\"}],"
    "    [{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 1}]]},"
    "  {\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 1}],"
    " \"shortcut\": [{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 1}]}]");
  g_autoptr (StInfer) infer = st_spec_infer (spec);
  static const char *const paths[] = {
    "0", "0.body.0", "0.body.1", "0.body.1.branches.0.0", "0.body.1.branches.1.0", "0.body.2",
    "0.shortcut.0",
  };

  g_assert_cmpuint (infer->n_errors, ==, 0);
  g_assert_cmpuint (infer->n_layers, ==, G_N_ELEMENTS (paths));
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_cmpstr (infer->layers[i].path, ==, paths[i]);
  g_assert_cmpint (infer->layers[2].out.dim[0], ==, 2);
  g_assert_cmpint (infer->layers[0].subtree_params, ==, 10 + 2 + 3 + 2);
}

/* ---- bad files ----------------------------------------------------------------------- */

static void
test_bad_truncated_json (void)
{
  assert_load_fails ("{\"format\": \"strata-model/1\", " INPUT ", \"layers\": [{\"type\": \"Re",
                     ST_SPEC_ERROR_SYNTAX, "not valid JSON");
}

static void
test_bad_malformed_json (void)
{
  assert_load_fails ("{\"layers\": [}", ST_SPEC_ERROR_SYNTAX, "not valid JSON");
  assert_load_fails ("", ST_SPEC_ERROR_SYNTAX, "not valid JSON");
  assert_load_fails ("[1, 2, 3]", ST_SPEC_ERROR_STRUCTURE, "JSON object");
  assert_load_fails ("{\"format\": \"strata-model/9\", " INPUT ", \"layers\": []}",
                     ST_SPEC_ERROR_STRUCTURE, "\"format\"");
  assert_load_fails ("{" INPUT "}", ST_SPEC_ERROR_STRUCTURE, "\"layers\"");
  assert_load_fails ("{\"layers\": []}", ST_SPEC_ERROR_STRUCTURE, "\"input\"");
  assert_load_fails ("{\"input\": {\"channels\": 0, \"height\": 28, \"width\": 28}, "
                     "\"layers\": []}", ST_SPEC_ERROR_STRUCTURE, "input.channels");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"optimiser\": {}}", ST_SPEC_ERROR_STRUCTURE,
                     "\"optimiser\"");
}

static void
test_bad_binary (void)
{
  static const char data[] = "{\"layers\": \0\1\2";
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (data, sizeof data, "weights.bin", &error);

  g_assert_null (spec);
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "weights.bin"));
}

static void
test_bad_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("/nonexistent/model.strata.json", &error);
  g_autoptr (StSpec) preset = NULL;

  g_assert_null (spec);
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.strata.json"));
  g_clear_error (&error);
  preset = st_spec_load ("lenet6", &error);
  g_assert_null (preset);
  g_assert_nonnull (strstr (error->message, "lenet6"));
  g_assert_nonnull (strstr (error->message, "lenet5"));
}

static void
test_bad_unknown_type (void)
{
  assert_single_error ("[{\"type\": \"ReLU\"}, {\"type\": \"Conv2D\", \"out_channels\": 6}]",
                       "1", "type", "did you mean 'Conv2d'");
  assert_single_error ("[{\"type\": \"Transformer\"}]", "0", "type",
                       "unknown layer type 'Transformer'");
  assert_single_error ("[{\"kernel_size\": 3}]", "0", "type", "no \"type\"");
  assert_single_error ("[42]", "0", NULL, "must be an object");
}

static void
test_bad_unknown_argument (void)
{
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernal_size\": 5}]", "0",
                       "kernal_size", "did you mean 'kernel_size'");
  assert_single_error ("[{\"type\": \"ReLU\", \"negative_slope\": 0.1}]", "0", "negative_slope",
                       "unknown argument 'negative_slope' for ReLU");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6}]", "0", "kernel_size",
                       "needs kernel_size");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": \"5\"}]",
                       "0", "kernel_size", "whole number");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6.5, \"kernel_size\": 5}]",
                       "0", "out_channels", "whole number");
  assert_single_error ("[{\"type\": \"Linear\", \"out_features\": 10, \"bias\": 1}]", "0", "bias",
                       "true or false");
  assert_single_error ("[{\"type\": \"Concat\", \"branches\": [[{\"type\": \"ReLU\"}]], "
                       "\"body\": []}]", "0", "body", "unknown argument 'body'");
}

static void
test_bad_sizes (void)
{
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 0}]", "0",
                       "kernel_size", "at least 1, got 0");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": -3, \"kernel_size\": 3}]", "0",
                       "out_channels", "got -3");
  assert_single_error ("[{\"type\": \"MaxPool2d\", \"kernel_size\": 2, \"stride\": 0}]", "0",
                       "stride", "at least 1");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 3, "
                       "\"padding\": -1}]", "0", "padding", "0 or more");
  assert_single_error ("[{\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"out_features\": 0}]",
                       "1", "out_features", "at least 1");
  assert_single_error ("[{\"type\": \"Dropout\", \"p\": 1.5}]", "0", "p", "between 0 and 1");
  assert_single_error ("[{\"type\": \"MaxPool2d\", \"kernel_size\": 2, \"padding\": 2}]", "0",
                       "padding", "half");
  assert_single_error ("[{\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [0, 3]}]", "0",
                       "output_size", "at least 1");
}

static void
test_bad_overflow (void)
{
  /* 2^62 output channels: the weight count (2^62 × 1 × 3 × 3) is past 64 bits. */
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 4611686018427387904, "
                       "\"kernel_size\": 3}]", "0", NULL, "64 bits");
  assert_single_error ("[{\"type\": \"Flatten\"}, {\"type\": \"Linear\", "
                       "\"out_features\": 9223372036854775807}]", "1", NULL, "64 bits");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 3, "
                       "\"padding\": 9223372036854775807}]", "0", NULL, "64 bits");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 3, "
                       "\"dilation\": 9223372036854775807}]", "0", NULL, "64 bits");
  /* Numbers beyond int64 are not whole numbers Strata can hold. */
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 1e30, \"kernel_size\": 3}]",
                       "0", "out_channels", "whole number");
}

/* A whole number past 64 bits: json-glib alone reads 99999999999999999999 as -1 and
 * 9223372036854775808 as the largest int64; the load refuses both, naming the number. */
static void
test_bad_huge_integer (void)
{
  static const char *const numbers[] = {
    "99999999999999999999", "9223372036854775808", "-9223372036854775809",
    "0000012345678901234567890",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *doc = g_strdup_printf (
        "{\"input\": {\"channels\": 1, \"height\": 8, \"width\": 8}, \"layers\": ["
        "{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 3, "
        "\"stride\": %s}]}", numbers[i]);
      g_autofree char *expect = g_strdup_printf ("the whole number %s at byte", numbers[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (StSpec) spec = st_spec_load_from_data (doc, -1, "huge", &error);

      g_assert_null (spec);
      g_assert_nonnull (error);
      if (error != NULL && strstr (error->message, expect) == NULL)
        g_test_fail_printf ("expected “%s” in “%s”", expect, error->message);
    }
  /* the largest whole numbers are read as they are, and digits in strings do not count */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (StSpec) spec = st_spec_load_from_data (
      "{\"name\": \"99999999999999999999\", \"input\": {\"channels\": 1, \"height\": 8, "
      "\"width\": 8}, \"layers\": [{\"type\": \"Conv2d\", \"out_channels\": 2, "
      "\"kernel_size\": 3, \"padding\": 9223372036854775807}]}", -1, "largest", &error);

    g_assert_no_error (error);
    g_assert_nonnull (spec);
  }
}

static void
test_bad_in_channels (void)
{
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 5}, "
                       "{\"type\": \"Conv2d\", \"in_channels\": 3, \"out_channels\": 16, "
                       "\"kernel_size\": 5}]", "1", "in_channels",
                       "in_channels is 3 but the input has 6 channels");
  /* The classic: Flatten gives 256 but Linear expects 400. */
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 16, \"kernel_size\": 5},"
                       " {\"type\": \"MaxPool2d\", \"kernel_size\": 6}, {\"type\": \"Flatten\"},"
                       " {\"type\": \"Linear\", \"in_features\": 400, \"out_features\": 120}]",
                       "3", "in_features", "in_features is 400 but the input has 256 features");
  assert_single_error ("[{\"type\": \"BatchNorm2d\", \"num_features\": 3}]", "0", "num_features",
                       "input has 1 channels");
  assert_single_error ("[{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 5},"
                       " {\"type\": \"PReLU\", \"num_parameters\": 4}]", "1", "num_parameters",
                       "6 channels");
}

static void
test_bad_concat (void)
{
  assert_single_error ("[{\"type\": \"Concat\", \"branches\": ["
                       " [{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 1}],"
                       " [{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 3}]]}]",
                       "0", "branches", "branch 1 gives 4×26×26 but branch 0 gives 4×28×28");
  assert_single_error ("[{\"type\": \"Concat\", \"branches\": [[{\"type\": \"Flatten\"}]]}]",
                       "0", "branches", "channels×height×width");
  assert_single_error ("[{\"type\": \"Concat\", \"branches\": []}]", "0", "branches",
                       "at least one branch");
}

static void
test_bad_residual (void)
{
  assert_single_error ("[{\"type\": \"Residual\", \"body\": ["
                       " {\"type\": \"Conv2d\", \"out_channels\": 8, \"kernel_size\": 3, "
                       "\"padding\": 1}]}]", "0", "body", "turns 1×28×28 into 8×28×28");
  assert_single_error ("[{\"type\": \"Residual\", \"body\": ["
                       " {\"type\": \"Conv2d\", \"out_channels\": 8, \"kernel_size\": 3, "
                       "\"padding\": 1}], \"shortcut\": ["
                       " {\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 1}]}]",
                       "0", "shortcut", "8×28×28 but the shortcut gives 4×28×28");
  /* With a matching 1×1 shortcut the block is fine. */
  {
    g_autoptr (StSpec) spec = load_layers (
      "[{\"type\": \"Residual\", \"body\": [{\"type\": \"Conv2d\", \"out_channels\": 8, "
      "\"kernel_size\": 3, \"padding\": 1}], \"shortcut\": [{\"type\": \"Conv2d\", "
      "\"out_channels\": 8, \"kernel_size\": 1}]}]");
    g_autoptr (StInfer) infer = st_spec_infer (spec);
    g_assert_cmpuint (infer->n_errors, ==, 0);
    g_assert_cmpint (infer->output.dim[0], ==, 8);
  }
}

static void
test_bad_training (void)
{
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"epoch\": 3}}",
                     ST_SPEC_ERROR_STRUCTURE, "training.epoch is not a known setting");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"optimizer\": "
                     "{\"type\": \"SGD\", \"lr\": -1}}}", ST_SPEC_ERROR_STRUCTURE,
                     "training.optimizer.lr must be above 0");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"optimizer\": "
                     "{\"type\": \"RMSprop\"}}}", ST_SPEC_ERROR_STRUCTURE, "RMSprop");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"optimizer\": "
                     "{\"type\": \"SGD\", \"betas\": [0.9, 0.99]}}}", ST_SPEC_ERROR_STRUCTURE,
                     "training.optimizer.betas");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"optimizer\": "
                     "{\"type\": \"SGD\", \"nesterov\": true}}}", ST_SPEC_ERROR_STRUCTURE,
                     "momentum above 0");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"batch_size\": 0}}",
                     ST_SPEC_ERROR_STRUCTURE, "training.batch_size");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"normalize\": "
                     "{\"mean\": [0.5], \"std\": [0]}}}", ST_SPEC_ERROR_STRUCTURE,
                     "training.normalize.std must be above 0");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"loss\": \"NLL\"}}",
                     ST_SPEC_ERROR_STRUCTURE, "training.loss");
  assert_load_fails ("{" INPUT ", \"layers\": [], \"training\": {\"augment\": {\"flip\": true}}}",
                     ST_SPEC_ERROR_STRUCTURE, "training.augment.flip");
}

/* ---- files that crashed or hung the reader --------------------------------------------- */

/* Runs the case again in a child that must pass within `seconds`, so that a reader that
 * crashes or waits forever fails this case instead of ending the program. TRUE in the
 * child, which goes on with the case; FALSE in the parent, which is done. */
static gboolean
in_child (int seconds)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, (guint64) seconds * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* `n` Residual blocks, each the body of the one above, around a ReLU. */
static char *
nested_residuals (int n)
{
  GString *json = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append (json, "{\"type\": \"Residual\", \"body\": [");
  g_string_append (json, "{\"type\": \"ReLU\"}");
  for (int i = 0; i < n; i++)
    g_string_append (json, "]}");
  return g_string_free (json, FALSE);
}

static void
write_text (const char *path, const char *text, gssize length)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
}

/* "layers": [ × 100,000 ]: json-glib's parser recursed once per level and overflowed the
 * stack (80,000 levels were enough on an 8 MB stack). */
static void
test_deep_json (void)
{
  const int n = 100000;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expect = NULL;
  g_autoptr (GString) doc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  gsize first_bracket;

  if (!in_child (60))
    return;
  dir = st_test_make_tmp ("strata-spec-XXXXXX");
  path = g_build_filename (dir, "deep.strata.json", NULL);
  doc = g_string_new ("{\"format\": \"strata-model/1\", " INPUT ", \"layers\": ");
  first_bracket = doc->len;
  for (int i = 0; i < n; i++)
    g_string_append_c (doc, '[');
  for (int i = 0; i < n; i++)
    g_string_append_c (doc, ']');
  g_string_append_c (doc, '}');
  write_text (path, doc->str, doc->len);

  spec = st_spec_load (path, &error);
  g_assert_null (spec);
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX);
  /* The object around is level 1, so level 257 is the 256th bracket. */
  expect = g_strdup_printf ("%s: JSON nested %d levels deep at byte %" G_GSIZE_FORMAT "; Strata "
                            "reads at most %d", path, n + 1, first_bracket + 255,
                            ST_JSON_MAX_DEPTH);
  if (error != NULL)
    g_assert_cmpstr (error->message, ==, expect);
  st_test_remove_tree (dir);
}

/* Residual blocks 100,000 deep (2.9 MB): the 64-block limit came after the parse. */
static void
test_deep_residuals (void)
{
  g_autofree char *layers = NULL;
  g_autofree char *doc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;

  if (!in_child (60))
    return;
  layers = nested_residuals (100000);
  doc = g_strdup_printf ("{" INPUT ", \"layers\": [%s]}", layers);
  spec = st_spec_load_from_data (doc, -1, "deep.strata.json", &error);
  g_assert_null (spec);
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX);
  if (error != NULL)
    {
      g_assert_true (g_str_has_prefix (error->message, "deep.strata.json: JSON nested 200003 "
                                                       "levels deep at byte "));
      g_assert_true (g_str_has_suffix (error->message, "; Strata reads at most 256"));
    }
}

static guint
count_errors (const StInfer *infer, const char **path, const char **message)
{
  for (guint i = 0; i < infer->n_layers; i++)
    if (infer->layers[i].error != NULL)
      {
        *path = infer->layers[i].path;
        *message = infer->layers[i].error;
      }
  return infer->n_errors;
}

/* Blocks past 64 deep that the JSON limit lets through: one short problem on the top-level
 * layer (it named the 65th block's 640-character path), which is saved as it was read. The
 * deepest nesting of each kind that is allowed still loads. */
static void
test_deep_blocks (void)
{
  g_autofree char *deep = nested_residuals (70);
  g_autofree char *shallow = nested_residuals (3);
  g_autofree char *limit = nested_residuals (64);
  g_autofree char *layers = g_strdup_printf ("[%s, %s]", deep, shallow);
  g_autofree char *limit_layers = g_strdup_printf ("[%s]", limit);
  g_autoptr (StSpec) spec = load_layers (layers);
  g_autoptr (StInfer) infer = st_spec_infer (spec);
  g_autofree char *saved = st_spec_to_json (spec);
  g_autoptr (StSpec) again = NULL;
  g_autoptr (StInfer) again_infer = NULL;
  g_autoptr (StSpec) at_limit = NULL;
  g_autoptr (StInfer) at_limit_infer = NULL;
  g_autoptr (GString) concats = g_string_new ("[");
  g_autoptr (StSpec) deep_concat = NULL;
  g_autoptr (StInfer) deep_concat_infer = NULL;
  g_autoptr (GError) error = NULL;
  const char *path = NULL, *message = NULL;
  int n_saved = 0;

  g_assert_cmpuint (count_errors (infer, &path, &message), ==, 1);
  g_assert_cmpstr (path, ==, "0");
  g_assert_cmpstr (message, ==, "blocks are nested 70 deep inside this layer; Strata reads at "
                                "most 64");
  /* What comes after the deep layer is read as usual. */
  g_assert_cmpuint (spec->layers->len, ==, 2);
  g_assert_null (((StNode *) g_ptr_array_index (spec->layers, 1))->problem);

  again = st_spec_load_from_data (saved, -1, "saved", &error);
  g_assert_no_error (error);
  for (const char *at = saved; (at = strstr (at, "Residual")) != NULL; at++)
    n_saved++;
  g_assert_cmpint (n_saved, ==, 70 + 3);
  again_infer = st_spec_infer (again);
  g_assert_cmpuint (count_errors (again_infer, &path, &message), ==, 1);
  g_assert_cmpstr (path, ==, "0");

  at_limit = load_layers (limit_layers);
  at_limit_infer = st_spec_infer (at_limit);
  g_assert_cmpuint (at_limit_infer->n_errors, ==, 0);

  /* Concat costs three JSON levels a block, the most of any: 64 of them fit in 256. */
  for (int i = 0; i < 64; i++)
    g_string_append (concats, "{\"type\": \"Concat\", \"branches\": [[");
  g_string_append (concats, "{\"type\": \"Conv2d\", \"out_channels\": 1, "
                            "\"kernel_size\": [1, 1]}");
  for (int i = 0; i < 64; i++)
    g_string_append (concats, "]]}");
  g_string_append (concats, "]");
  deep_concat = load_layers (concats->str);
  deep_concat_infer = st_spec_infer (deep_concat);
  g_assert_cmpuint (deep_concat_infer->n_errors, ==, 0);
}

/* Brackets inside strings and comments are not nesting. */
static void
test_json_depth (void)
{
  static const struct {
    const char *text;
    gsize       depth;
  } cases[] = {
    { "", 0 },
    { "1", 0 },
    { "[]", 1 },
    { "{\"a\": [[1], {\"b\": {}}]}", 4 },
    { "[\"[[[{{{\"]", 1 },
    { "[\"\\\"[[\"]", 1 },
    { "[\"\\\\\", [[]]]", 3 },
    { "['[[[', 1]", 1 },
    { "[1, /* [[[ */ 2]", 1 },
    { "[1, / [[[ / 2]", 1 },
    { "]]][]", 1 },
    /* json-glib 1.6 takes the quote that ends "\u12" as part of the escape: x"[[ is in the
     * string for the later rules, but nesting for 1.6. */
    { "[\"\\u12\"x\"[[]]]", 3 },
    /* Later versions end a slash-star comment at star-slash only: the quote is inside it. */
    { "/* / \" */ [[]]", 2 },
  };
  g_autoptr (GString) name = g_string_new ("\"");
  g_autofree char *doc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  gsize where = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].text);
      g_assert_cmpuint (st_json_depth (cases[i].text, strlen (cases[i].text), 10, NULL), ==,
                        cases[i].depth);
    }

  g_assert_cmpuint (st_json_depth ("[[[[", 4, 2, &where), ==, 4);
  g_assert_cmpuint (where, ==, 2);

  /* A name of 1000 brackets, in a model file that loads. */
  for (int i = 0; i < 1000; i++)
    g_string_append_c (name, '[');
  g_string_append_c (name, '"');
  doc = g_strdup_printf ("{\"name\": %s, " INPUT ", \"layers\": []}", name->str);
  g_assert_true (st_json_check_depth (doc, -1, "brackets", &error));
  g_assert_no_error (error);
  spec = st_spec_load_from_data (doc, -1, "brackets.strata.json", &error);
  g_assert_no_error (error);
  g_assert_nonnull (spec);
  if (spec != NULL)
    g_assert_cmpuint (strlen (spec->name), ==, 1000);
}

/* A FIFO, a device or a folder as the model file: opening a FIFO waited for a writer forever
 * (Ctrl+C did nothing). Refused at once, also through a symbolic link. */
static void
test_bad_not_regular (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *fifo = NULL;
  g_autofree char *link = NULL;
  g_autofree char *good = NULL;
  g_autofree char *good_link = NULL;

  if (!in_child (20))
    return;
  dir = st_test_make_tmp ("strata-spec-XXXXXX");
  fifo = g_build_filename (dir, "model.strata.json", NULL);
  link = g_build_filename (dir, "link.strata.json", NULL);
  good = g_build_filename (dir, "good.strata.json", NULL);
  good_link = g_build_filename (dir, "good-link.strata.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink (fifo, link), ==, 0);
  write_text (good, "{" INPUT ", \"layers\": []}", -1);
  g_assert_cmpint (symlink (good, good_link), ==, 0);

  const struct {
    const char *path;
    const char *what;     /* NULL: it loads */
  } cases[] = {
    { fifo, "a FIFO" },
    { link, "a FIFO" },
    { dir, "a folder" },
    { "/dev/null", "a character device" },
    { "/dev/zero", "a character device" },
    { good_link, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *path = cases[i].path, *what = cases[i].what;
      g_autoptr (GError) error = NULL;
      g_autoptr (StSpec) spec = st_spec_load (path, &error);
      g_autofree char *expect = g_strdup_printf ("%s: %s, not a regular file", path, what);

      if (what == NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (spec);
          continue;
        }
      g_assert_null (spec);
      g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO);
      if (error != NULL)
        g_assert_cmpstr (error->message, ==, expect);
    }
  st_test_remove_tree (dir);
}

/* A model file over ST_SPEC_MAX_FILE_SIZE is refused before it is read (a sparse file: no
 * disk is used). */
static void
test_bad_too_large (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-spec-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "huge.strata.json", NULL);
  g_autofree char *size = g_format_size_full (80 << 20, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *limit = g_format_size_full (ST_SPEC_MAX_FILE_SIZE, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *expect = g_strdup_printf ("%s: %s is too large for a model file; Strata reads "
                                             "at most %s", path, size, limit);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;

  write_text (path, "{", -1);
  g_assert_cmpint (truncate (path, 80 << 20), ==, 0);
  spec = st_spec_load (path, &error);
  g_assert_null (spec);
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO);
  if (error != NULL)
    g_assert_cmpstr (error->message, ==, expect);
  st_test_remove_tree (dir);
}

/* A model file saved as UTF-16 (Windows Notepad's "Unicode") was called binary. */
static void
test_bad_utf16 (void)
{
  static const char doc[] = "{\"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}, "
                            "\"layers\": []}";
  g_autofree char *dir = st_test_make_tmp ("strata-spec-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "notepad.strata.json", NULL);
  g_autofree char *expect = g_strdup_printf ("%s is UTF-16 text; save it as UTF-8", path);

  for (int variant = 0; variant < 4; variant++)
    {
      gboolean big = variant >= 2, bom = variant % 2 == 1;
      g_autoptr (GByteArray) bytes = g_byte_array_new ();
      g_autoptr (GError) error = NULL;
      g_autoptr (StSpec) spec = NULL;

      if (bom)
        g_byte_array_append (bytes, (const guint8 *) (big ? "\xfe\xff" : "\xff\xfe"), 2);
      for (const char *c = doc; *c != '\0'; c++)
        {
          guint8 unit[2] = { big ? 0 : (guint8) *c, big ? (guint8) *c : 0 };

          g_byte_array_append (bytes, unit, 2);
        }
      write_text (path, (const char *) bytes->data, bytes->len);
      spec = st_spec_load (path, &error);
      g_assert_null (spec);
      g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX);
      if (error != NULL)
        g_assert_cmpstr (error->message, ==, expect);
    }
  st_test_remove_tree (dir);
}

/* Random damage to a real model file never crashes the reader or the inference. */
static void
test_mutations_never_crash (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("inception", NULL);
  g_autofree char *json = st_spec_to_json (spec);
  gsize len = strlen (json);
  GRand *rand = g_rand_new_with_seed (7);
  static const char bytes[] = "{}[],:\"0123456789-.eE ntrufalse\\x";

  for (int round = 0; round < 2000; round++)
    {
      g_autofree char *copy = g_strdup (json);
      int edits = g_rand_int_range (rand, 1, 4);
      g_autoptr (StSpec) damaged = NULL;
      gsize cut;

      for (int e = 0; e < edits; e++)
        copy[g_rand_int_range (rand, 0, len)] = bytes[g_rand_int_range (rand, 0, sizeof bytes - 1)];
      cut = g_rand_boolean (rand) ? len : (gsize) g_rand_int_range (rand, 0, len);
      damaged = st_spec_load_from_data (copy, cut, "damaged", NULL);
      if (damaged != NULL)
        {
          g_autoptr (StInfer) infer = st_spec_infer (damaged);
          g_autofree char *again = st_spec_to_json (damaged);
          g_assert_nonnull (again);
          for (guint i = 0; i < infer->n_layers; i++)
            if (infer->layers[i].error != NULL)
              g_assert_cmpuint (strlen (infer->layers[i].error), >, 0);
        }
    }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/spec/presets/params", test_presets_params);
  g_test_add_func ("/spec/presets/training", test_preset_training);
  g_test_add_func ("/spec/training/resize-images", test_resize_images);
  g_test_add_func ("/spec/round-trip", test_round_trip);
  g_test_add_func ("/spec/save-atomic", test_save_atomic);
  g_test_add_func ("/spec/problem-layer-kept", test_problem_layer_kept);
  g_test_add_func ("/spec/nested-paths", test_nested_paths);
  g_test_add_func ("/spec/bad/truncated-json", test_bad_truncated_json);
  g_test_add_func ("/spec/bad/malformed-json", test_bad_malformed_json);
  g_test_add_func ("/spec/bad/binary", test_bad_binary);
  g_test_add_func ("/spec/bad/missing-file", test_bad_missing_file);
  g_test_add_func ("/spec/bad/unknown-type", test_bad_unknown_type);
  g_test_add_func ("/spec/bad/unknown-argument", test_bad_unknown_argument);
  g_test_add_func ("/spec/bad/sizes", test_bad_sizes);
  g_test_add_func ("/spec/bad/overflow", test_bad_overflow);
  g_test_add_func ("/spec/bad/huge-integer", test_bad_huge_integer);
  g_test_add_func ("/spec/bad/in-channels", test_bad_in_channels);
  g_test_add_func ("/spec/bad/concat", test_bad_concat);
  g_test_add_func ("/spec/bad/residual", test_bad_residual);
  g_test_add_func ("/spec/bad/training", test_bad_training);
  g_test_add_func ("/spec/bad/mutations", test_mutations_never_crash);
  g_test_add_func ("/spec/bad/deep-json", test_deep_json);
  g_test_add_func ("/spec/bad/deep-residuals", test_deep_residuals);
  g_test_add_func ("/spec/bad/deep-blocks", test_deep_blocks);
  g_test_add_func ("/spec/json-depth", test_json_depth);
  g_test_add_func ("/spec/bad/not-regular", test_bad_not_regular);
  g_test_add_func ("/spec/bad/too-large", test_bad_too_large);
  g_test_add_func ("/spec/bad/utf16", test_bad_utf16);
  return g_test_run ();
}
