/* test-export: a model as PyTorch code. Every preset exports; where /usr/bin/python3 has
 * torch, the code runs and gives Strata's parameter count and tensor names, loads a weight
 * file that Strata saved with strict=True, and runs as a script; broken models give an
 * error naming the layer; `strata-cli export` writes the same text. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/engine/checkpoint.h"
#include "core/engine/net.h"
#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "core/model/pytorch-export.h"
#include "core/model/spec-read.h"
#include "test-util.h"

#define PYTHON ST_TEST_PYTHON

static char *dir;

/* Every leaf type, both block forms, Adam and a non-default init. */
static const char all_layers_model[] =
  "{\"format\": \"strata-model/1\", \"name\": \"All \\\"layers\\\"\\\\\","
  " \"input\": {\"channels\": 3, \"height\": 12, \"width\": 10},"
  " \"layers\": ["
  "  {\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": [3, 2], \"stride\": [1, 2],"
  "   \"padding\": 1, \"dilation\": [2, 1], \"bias\": false},"
  "  {\"type\": \"BatchNorm2d\", \"eps\": 0.001, \"momentum\": 0.2},"
  "  {\"type\": \"PReLU\", \"num_parameters\": 4, \"init\": 0.1},"
  "  {\"type\": \"MaxPool2d\", \"kernel_size\": 2, \"stride\": 1, \"padding\": 1,"
  "   \"dilation\": 2},"
  "  {\"type\": \"LeakyReLU\", \"negative_slope\": 0.2},"
  "  {\"type\": \"AvgPool2d\", \"kernel_size\": [2, 1], \"padding\": [1, 0]},"
  "  {\"type\": \"Tanh\"},"
  "  {\"type\": \"Residual\","
  "   \"body\": [{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 1},"
  "            {\"type\": \"ReLU\", \"inplace\": true}],"
  "   \"shortcut\": [{\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 1,"
  "                  \"bias\": false}, {\"type\": \"BatchNorm2d\", \"affine\": false}]},"
  "  {\"type\": \"Concat\", \"branches\": ["
  "   [{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 3, \"padding\": 1}],"
  "   [{\"type\": \"Residual\", \"body\": [{\"type\": \"BatchNorm2d\"}]}]]},"
  "  {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [2, 3]},"
  "  {\"type\": \"Flatten\"},"
  "  {\"type\": \"Dropout\", \"p\": 0.25},"
  "  {\"type\": \"Linear\", \"out_features\": 5, \"bias\": false},"
  "  {\"type\": \"PReLU\"},"
  "  {\"type\": \"Sigmoid\"},"
  "  {\"type\": \"Linear\", \"in_features\": 5, \"out_features\": 3}"
  " ],"
  " \"training\": {\"dataset\": \"mnist\", \"loss\": \"CrossEntropyLoss\","
  "  \"init\": \"kaiming_normal\", \"optimizer\": {\"type\": \"Adam\", \"lr\": 0.002,"
  "  \"betas\": [0.8, 0.99]}, \"augment\": {\"horizontal_flip\": true}}}";

/* For each (module, weights) pair of its arguments: imports the exported module, loads
 * the weights with strict=True, runs the module as a script, and prints what the C side
 * compares as one JSON line. One process for all models: importing torch takes seconds. */
static const char check_script[] =
  "import contextlib, importlib.util, io, json, runpy, sys\n"
  "import torch\n"
  "for path, weights in zip(sys.argv[1::2], sys.argv[2::2]):\n"
  "    spec = importlib.util.spec_from_file_location('exported', path)\n"
  "    mod = importlib.util.module_from_spec(spec)\n"
  "    spec.loader.exec_module(mod)\n"
  "    model = mod.build_model()\n"
  "    state = [[k, list(v.shape)] for k, v in model.state_dict().items()]\n"
  "    params = sum(p.numel() for p in model.parameters())\n"
  "    model.load_state_dict(mod.read_safetensors(weights), strict=True)\n"
  "    total = sum(float(t.double().abs().sum()) for t in model.state_dict().values()\n"
  "                if t.is_floating_point())\n"
  "    optimizer = type(mod.build_optimizer(model)).__name__\n"
  "    loss = type(mod.build_loss()).__name__\n"
  "    model.eval()\n"
  "    with torch.no_grad():\n"
  "        out = list(model(torch.zeros(2, *mod.INPUT_SHAPE)).shape[1:])\n"
  "    main = io.StringIO()\n"
  "    sys.argv = [path, weights]\n"
  "    with contextlib.redirect_stdout(main):\n"
  "        runpy.run_path(path, run_name='__main__')\n"
  "    print(json.dumps({'params': params, 'state': state, 'abs_sum': total, 'output': out,\n"
  "                      'optimizer': optimizer, 'loss': loss, 'main': main.getvalue()}))\n";

static StSpec *
load_model (const char *json)
{
  g_autoptr (GError) error = NULL;
  StSpec *spec = st_spec_load_from_data (json, -1, "test.strata.json", &error);

  g_assert_no_error (error);
  return spec;
}

static char *
export_text (const StSpec *spec)
{
  g_autoptr (GError) error = NULL;
  char *text = st_spec_to_pytorch (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  return text;
}

/* The text without Python: the pieces a learner relies on, and a comment per layer. */
static void
check_text (const StSpec *spec, const char *text)
{
  g_autoptr (StInfer) infer = st_spec_infer (spec);
  g_autofree char *input = g_strdup_printf ("INPUT_SHAPE = (%" G_GINT64_FORMAT ", %"
                                            G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                                            spec->input.dim[0], spec->input.dim[1],
                                            spec->input.dim[2]);
  gboolean concat = FALSE, residual = FALSE;

  g_assert_true (g_str_has_prefix (text, "\"\"\""));
  g_assert_nonnull (strstr (text, "\nimport torch\nfrom torch import nn\n"));
  g_assert_nonnull (strstr (text, input));
  g_assert_nonnull (strstr (text, "\ndef build_model():\n    \"\"\""));
  g_assert_nonnull (strstr (text, "\nTRAINING = {\n"));
  g_assert_nonnull (strstr (text, "\ndef build_optimizer(model):\n"));
  g_assert_nonnull (strstr (text, "\ndef load_checkpoint(model, path):\n"));
  g_assert_nonnull (strstr (text, "\nif __name__ == \"__main__\":\n"));
  for (guint i = 0; i < infer->n_layers; i++)
    {
      const StLayerInfo *info = &infer->layers[i];
      g_autofree char *comment = g_strdup_printf ("  # %s: ", info->path);

      g_assert_nonnull (strstr (text, comment));
      concat |= info->node->type->kind == ST_LAYER_CONCAT;
      residual |= info->node->type->kind == ST_LAYER_RESIDUAL;
    }
  g_assert_cmpint (strstr (text, "\nclass Concat(nn.Module):") != NULL, ==, concat);
  g_assert_cmpint (strstr (text, "\nclass Residual(nn.Module):") != NULL, ==, residual);
}

static void
test_presets_export (void)
{
  for (const char * const *name = st_preset_names (); *name != NULL; name++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StSpec) spec = st_spec_load (*name, &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = export_text (spec);
      check_text (spec, text);
    }
  {
    g_autoptr (StSpec) spec = st_spec_load ("lenet5", NULL);
    g_autofree char *text = export_text (spec);

    g_assert_nonnull (strstr (text, "61,706 parameters"));
    g_assert_nonnull (strstr (text, "        nn.Linear(400, 120),  # 7: 120\n"));
  }
}

static void
test_arguments_written (void)
{
  g_autoptr (StSpec) spec = load_model (all_layers_model);
  g_autofree char *text = export_text (spec);

  check_text (spec, text);
  g_assert_nonnull (strstr (text, "nn.Conv2d(3, 4, kernel_size=(3, 2), stride=(1, 2), "
                                  "padding=1, dilation=(2, 1), bias=False),  # 0: 4×10×6\n"));
  g_assert_nonnull (strstr (text, "nn.BatchNorm2d(4, eps=0.001, momentum=0.2),"));
  g_assert_nonnull (strstr (text, "nn.PReLU(num_parameters=4, init=0.1),"));
  g_assert_nonnull (strstr (text, "nn.MaxPool2d(kernel_size=2, stride=1, padding=1, "
                                  "dilation=2),"));
  g_assert_nonnull (strstr (text, "nn.AvgPool2d(kernel_size=(2, 1), padding=(1, 0)),"));
  g_assert_nonnull (strstr (text, "nn.AdaptiveAvgPool2d((2, 3)),"));
  g_assert_nonnull (strstr (text, "nn.BatchNorm2d(6, affine=False),"));
  g_assert_nonnull (strstr (text, "nn.Dropout(p=0.25),"));
  g_assert_nonnull (strstr (text, "nn.Linear(48, 5, bias=False),"));
  g_assert_nonnull (strstr (text, "nn.PReLU(),"));
  g_assert_nonnull (strstr (text, "nn.ReLU(),"));
  g_assert_null (strstr (text, "inplace"));
  g_assert_nonnull (strstr (text, "            body=nn.Sequential(\n"));
  g_assert_nonnull (strstr (text, "            shortcut=nn.Sequential(\n"));
  g_assert_nonnull (strstr (text, "nn.init.kaiming_normal_(module.weight, "
                                  "nonlinearity=\"relu\")"));
  g_assert_nonnull (strstr (text, "    model.apply(init_weights)\n"));
  g_assert_nonnull (strstr (text, "\"betas\": (0.8, 0.99),"));
  g_assert_nonnull (strstr (text, "\"horizontal_flip\": True"));
  g_assert_nonnull (strstr (text, "torch.optim.Adam(\n"));
  /* The name goes into the docstring without the quote and backslash that would end it. */
  g_assert_true (g_str_has_prefix (text, "\"\"\"All  layers   as PyTorch code"));
}

/* Strata's weights for `spec`, PyTorch's default init, saved to `path`; returns Σ|x| over
 * parameters and buffers, and counts the BatchNorm2d layers. */
static double
save_weights (const StSpec *spec, const char *path, guint *n_batchnorm)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree float *params = NULL;
  g_autofree float *buffers = NULL;
  double sum = 0.0;
  StRng rng;

  g_assert_no_error (error);
  params = g_new0 (float, net->n_params);
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, 7);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  /* Running statistics that are not their initial 0 and 1, so loading them is seen. */
  for (gsize i = 0; i < net->n_buffers; i++)
    buffers[i] += 0.5f;
  g_assert_true (st_checkpoint_save (net, params, buffers, NULL, path, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < net->n_params; i++)
    sum += fabs (params[i]);
  for (gsize i = 0; i < net->n_buffers; i++)
    sum += fabs (buffers[i]);
  *n_batchnorm = 0;
  for (guint i = 0; i < net->n_ops; i++)
    *n_batchnorm += net->ops[i].kind == ST_OP_BATCHNORM2D;
  return sum;
}

/* A model for the check script: its files, what Strata expects, and what Python said. */
typedef struct {
  StSpec     *spec;
  char       *name;
  char       *module;
  char       *weights;
  StNet      *net;
  double      abs_sum;
  guint       n_batchnorm;
} Case;

static void
case_free (Case *c)
{
  st_spec_free (c->spec);
  g_free (c->name);
  g_free (c->module);
  g_free (c->weights);
  st_net_free (c->net);
  g_free (c);
}

static Case *
case_new (StSpec *spec, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = export_text (spec);
  Case *c = g_new0 (Case, 1);

  c->spec = spec;
  c->name = g_strdup (name);
  c->module = g_strdup_printf ("%s/%s.py", dir, name);
  c->weights = g_strdup_printf ("%s/%s.safetensors", dir, name);
  c->net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (c->module, text, -1, &error));
  c->abs_sum = save_weights (spec, c->weights, &c->n_batchnorm);
  return c;
}

/* "Total params: 61,706", as the module's __main__ prints it. */
static char *
total_params_line (gint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  GString *line = g_string_new ("Total params: ");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (line, ',');
      g_string_append_c (line, digits[i]);
    }
  return g_string_free (line, FALSE);
}

static void
check_result (const Case *c, JsonObject *o)
{
  const StNet *net = c->net;
  g_autofree char *total = total_params_line (net->infer->total_params);
  JsonArray *state, *output;
  guint tensor = 0, counters = 0;

  g_test_message ("%s: %" G_GINT64_FORMAT " parameters", c->name,
                  json_object_get_int_member (o, "params"));
  g_assert_cmpint (json_object_get_int_member (o, "params"), ==, net->infer->total_params);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "abs_sum"), c->abs_sum,
                                  1e-6 * MAX (c->abs_sum, 1.0));
  g_assert_cmpstr (json_object_get_string_member (o, "optimizer"), ==,
                   st_optim_name (c->spec->training.optimizer.type));
  g_assert_cmpstr (json_object_get_string_member (o, "loss"), ==,
                   st_loss_name (c->spec->training.loss));

  /* state_dict: Strata's tensors in order, plus PyTorch's num_batches_tracked counter (a
   * scalar) right after each BatchNorm2d's running_var. */
  state = json_object_get_array_member (o, "state");
  for (guint i = 0; i < json_array_get_length (state); i++)
    {
      JsonArray *entry = json_array_get_array_element (state, i);
      const char *key = json_array_get_string_element (entry, 0);
      JsonArray *shape = json_array_get_array_element (entry, 1);
      const StTensorInfo *t;

      if (g_str_has_suffix (key, ".num_batches_tracked"))
        {
          g_assert_cmpuint (json_array_get_length (shape), ==, 0);
          g_assert_cmpuint (tensor, >, 0);
          g_assert_true (g_str_has_suffix (net->tensors[tensor - 1].name, ".running_var"));
          counters++;
          continue;
        }
      g_assert_cmpuint (tensor, <, net->n_tensors);
      if (tensor >= net->n_tensors)
        return;
      t = &net->tensors[tensor++];
      g_assert_cmpstr (key, ==, t->name);
      g_assert_cmpuint (json_array_get_length (shape), ==, t->rank);
      for (int d = 0; d < t->rank; d++)
        g_assert_cmpint (json_array_get_int_element (shape, d), ==, t->dims[d]);
    }
  g_assert_cmpuint (tensor, ==, net->n_tensors);
  g_assert_cmpuint (counters, ==, c->n_batchnorm);

  output = json_object_get_array_member (o, "output");
  g_assert_cmpuint (json_array_get_length (output), ==, net->infer->output.rank);
  for (int d = 0; d < net->infer->output.rank; d++)
    g_assert_cmpint (json_array_get_int_element (output, d), ==, net->infer->output.dim[d]);

  g_assert_nonnull (strstr (json_object_get_string_member (o, "main"), total));
  g_assert_nonnull (strstr (json_object_get_string_member (o, "main"), "Sequential("));
}

static void
test_in_pytorch (void)
{
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  int wait = 0;

  if (!st_test_need_torch ())
    return;
  for (const char * const *name = st_preset_names (); *name != NULL; name++)
    g_ptr_array_add (cases, case_new (st_spec_load (*name, NULL), *name));
  g_ptr_array_add (cases, case_new (load_model (all_layers_model), "all-layers"));

  g_ptr_array_add (argv, (char *) PYTHON);
  g_ptr_array_add (argv, (char *) "-B");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) check_script);
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_ptr_array_add (argv, c->module);
      g_ptr_array_add (argv, c->weights);
    }
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &wait, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (wait, NULL))
    g_test_message ("python3 says:\n%s", err);
  g_assert_true (g_spawn_check_wait_status (wait, NULL));

  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, cases->len);
  for (guint i = 0; i < cases->len && lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      check_result (g_ptr_array_index (cases, i),
                    json_node_get_object (json_parser_get_root (parser)));
    }
}

static void
assert_export_fails (const StSpec *spec, int code, const char *prefix, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = st_spec_to_pytorch (spec, &error);

  g_assert_null (text);
  g_assert_error (error, ST_EXPORT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, needle));
}

#define MODEL(layers) \
  "{\"format\": \"strata-model/1\", \"input\": {\"channels\": 1, \"height\": 28, " \
  "\"width\": 28}, \"layers\": " layers "}"

static void
test_broken_models (void)
{
  g_autoptr (StSpec) flat = load_model (MODEL ("[{\"type\": \"Conv2d\", \"out_channels\": 4,"
                                               " \"kernel_size\": 3}, {\"type\": \"ReLU\"},"
                                               " {\"type\": \"Linear\", \"out_features\": 10}]"));
  g_autoptr (StSpec) unknown = load_model (MODEL ("[{\"type\": \"ReLU\"},"
                                                  " {\"type\": \"Conv3d\"}]"));
  g_autoptr (StSpec) nested = load_model (MODEL ("[{\"type\": \"Concat\", \"branches\": ["
                                                 "[{\"type\": \"ReLU\"}], [{\"type\": "
                                                 "\"Conv2d\", \"out_channels\": 2, "
                                                 "\"kernel_size\": 40}]]}]"));
  g_autoptr (StSpec) built = st_spec_new ("built", NULL);
  StNode *node;

  assert_export_fails (flat, ST_EXPORT_ERROR_MODEL, "layer 2 (Linear): ", "Flatten");
  assert_export_fails (unknown, ST_EXPORT_ERROR_MODEL, "layer 1 (Conv3d): ", "Conv3d");
  assert_export_fails (nested, ST_EXPORT_ERROR_MODEL, "layer 0.branches.1.0 (Conv2d): ",
                       "kernel");

  /* A node of no known type that shape inference lets through, as code may build one. */
  g_ptr_array_add (built->layers, st_node_new (st_layer_type_lookup ("ReLU")));
  node = st_node_new (NULL);
  g_free (node->type_name);
  node->type_name = g_strdup ("Conv3d");
  g_ptr_array_add (built->layers, node);
  assert_export_fails (built, ST_EXPORT_ERROR_UNSUPPORTED, "layer 1: ", "Conv3d");
}

/* ---- strata-cli export ---------------------------------------------------------------- */

static void
test_cli_export (void)
{
  g_autofree char *file = g_build_filename (dir, "cli-lenet5.py", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.strata.json", NULL);
  g_autofree char *not_written = g_build_filename (dir, "bad.py", NULL);
  g_autofree char *written = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("lenet5", NULL);
  g_auto (StTestRun) ok = { 0 };
  g_auto (StTestRun) to_stdout = { 0 };
  g_auto (StTestRun) broken = { 0 };
  g_auto (StTestRun) no_target = { 0 };

  expected = export_text (spec);
  if (!st_test_have_cli ())
    return;
  st_test_cli (&ok, "export", "lenet5", "--pytorch", file, NULL);
  g_assert_cmpint (ok.status, ==, 0);
  g_assert_true (g_file_get_contents (file, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, expected);

  st_test_cli (&to_stdout, "export", "lenet5", "--pytorch", "-", NULL);
  g_assert_cmpint (to_stdout.status, ==, 0);
  g_assert_cmpstr (to_stdout.out, ==, expected);

  g_assert_true (g_file_set_contents (bad, MODEL ("[{\"type\": \"Conv2d\", \"out_channels\": "
                                                  "4, \"kernel_size\": 3}, {\"type\": "
                                                  "\"Linear\", \"out_features\": 10}]"),
                                      -1, NULL));
  st_test_cli (&broken, "export", bad, "--pytorch", not_written, NULL);
  g_assert_cmpint (broken.status, ==, 1);
  g_assert_nonnull (strstr (broken.err, "layer 1 (Linear)"));
  g_assert_false (g_file_test (not_written, G_FILE_TEST_EXISTS));

  st_test_cli (&no_target, "export", "lenet5", NULL);
  g_assert_cmpint (no_target.status, ==, 2);
  g_assert_nonnull (strstr (no_target.err, "--pytorch"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  dir = st_test_make_tmp ("strata-export-XXXXXX");

  g_test_add_func ("/export/presets", test_presets_export);
  g_test_add_func ("/export/arguments", test_arguments_written);
  g_test_add_func ("/export/broken", test_broken_models);
  g_test_add_func ("/export/pytorch", test_in_pytorch);
  g_test_add_func ("/export/cli", test_cli_export);
  status = g_test_run ();
  st_test_remove_tree (dir);
  g_free (dir);
  return status;
}
