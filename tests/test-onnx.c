/* test-onnx: models as ONNX files (core/engine/onnx-export.h).
 *
 * Every preset, every model of the PyTorch fixtures in $STRATA_FIXTURE_DIR and a model with
 * every layer type and each form of adaptive pool are written twice: with the weights a
 * training run starts from, and with a weight file of other values (BatchNorm's running
 * statistics and PReLU's slopes among them). Debian's python3-onnx checks each file through
 * onnx-check.py: onnx.checker with full_check, strict shape inference on the file as written
 * and again from nothing; the shapes ONNX infers must be Strata's for every layer, the
 * initializers Strata's tensors in state_dict order, bit for bit the weights meant. Where
 * python3-torch is there too, the graph is evaluated and compared layer by layer with the
 * PyTorch module `strata-cli export --pytorch` writes. Without python3-onnx those cases
 * skip. Broken models, unwritable paths and weights that do not fit fail naming the layer,
 * the path, the file and tensor, and leave no file; `strata-cli export --onnx` writes the
 * same bytes as the library.
 */
#define G_LOG_DOMAIN "strata-test-onnx"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/engine/checkpoint.h"
#include "core/engine/net.h"
#include "core/engine/onnx-export.h"
#include "core/io/safetensors.h"
#include "core/model/layer-types.h"
#include "core/model/pytorch-export.h"
#include "core/model/spec-read.h"
#include "fixture.h"
#include "test-util.h"

#define PYTHON ST_TEST_PYTHON

/* How far the ONNX graph, run in float64, may stray from PyTorch's module (relative to each
 * layer's largest value): the averaging matrices of an adaptive pool hold 1/n as float32. */
#define NUMERIC_TOLERANCE 1e-6

static char *dir;

/* Every leaf type, both blocks, an empty Concat branch and Residual body, blocks on flat
 * features, and the three forms of AdaptiveAvgPool2d: windows of unequal sizes (11 → 4),
 * more outputs than inputs (4 → 7), windows that tile (7×5 → 7×1), and 1×1. */
static const char every_layer_model[] =
  "{\"format\": \"strata-model/1\", \"name\": \"Every layer\","
  " \"input\": {\"channels\": 3, \"height\": 11, \"width\": 9},"
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
  "   [{\"type\": \"Residual\", \"body\": [{\"type\": \"BatchNorm2d\"}]}], []]},"
  "  {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [4, 3]},"
  "  {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [7, 5]},"
  "  {\"type\": \"Residual\", \"body\": []},"
  "  {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [7, 1]},"
  "  {\"type\": \"Sigmoid\"},"
  "  {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": 1},"
  "  {\"type\": \"Flatten\"},"
  "  {\"type\": \"Dropout\", \"p\": 0.25},"
  "  {\"type\": \"Linear\", \"out_features\": 5, \"bias\": false},"
  "  {\"type\": \"PReLU\", \"num_parameters\": 5},"
  "  {\"type\": \"Residual\", \"body\": [{\"type\": \"Linear\", \"out_features\": 5},"
  "                                   {\"type\": \"Tanh\"}]},"
  "  {\"type\": \"PReLU\"},"
  "  {\"type\": \"Linear\", \"in_features\": 5, \"out_features\": 3}"
  " ],"
  " \"training\": {\"init\": \"kaiming_normal\", \"seed\": 11}}";

/* Layer 2's Linear cannot follow an image. */
static const char broken_model[] =
  "{\"format\": \"strata-model/1\", \"input\": {\"channels\": 1, \"height\": 8, \"width\": 8},"
  " \"layers\": [{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 3},"
  "  {\"type\": \"ReLU\"}, {\"type\": \"Linear\", \"out_features\": 10}]}";

/* Skips the case, saying why, when there is nothing to write or check with. */
static gboolean
can_check (void)
{
  if (!st_onnx_available ())
    {
      g_test_skip ("this build has no ONNX export (configured without protobuf-c)");
      return FALSE;
    }
  if (!st_test_python_imports ("onnx"))
    {
      g_test_skip ("needs " PYTHON " with onnx (Debian's python3-onnx)");
      return FALSE;
    }
  return TRUE;
}

static char *
path_in (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
write_text (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static StSpec *
load_spec (const char *text, const char *origin)
{
  g_autoptr (GError) error = NULL;
  StSpec *spec = st_spec_load_from_data (text, -1, origin, &error);

  g_assert_no_error (error);
  return spec;
}

/* ---- one model, two files ------------------------------------------------------------ */

typedef struct {
  char   *name;          /* "lenet5", "lenet5 --weights" */
  StNet  *net;           /* compiled from the model, owned by the first job of the pair */
  char   *onnx;
  char   *weights;       /* what the initializers must equal */
  char   *pytorch;
} Job;

static void
job_free (Job *job)
{
  g_free (job->name);
  g_free (job->onnx);
  g_free (job->weights);
  g_free (job->pytorch);
  g_free (job);
}

/* Other values than the initial ones for every tensor, each kind in its range: BatchNorm's
 * scale around 1 and variance above 0, PReLU's slopes in [0, 0.5). */
static void
other_weights (const StNet *net, float *params, float *buffers)
{
  StRng rng;

  st_rng_init (&rng, 2024);
  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      float *p = (t->role == ST_TENSOR_PARAM ? params : buffers) + t->offset;
      StOpKind kind = net->ops[t->op].kind;
      double low = -0.5, span = 1.0;

      if (kind == ST_OP_BATCHNORM2D && (g_str_has_suffix (t->name, ".weight")
                                        || g_str_has_suffix (t->name, ".running_var")))
        low = 0.5;
      else if (kind == ST_OP_PRELU)
        low = 0.0, span = 0.5;
      else if (kind == ST_OP_CONV2D || kind == ST_OP_LINEAR)
        span = 2.0 / sqrt ((double) t->fan_in), low = -span / 2;
      for (gsize j = 0; j < t->numel; j++)
        p[j] = (float) (low + span * st_rng_uniform (&rng));
    }
}

static Job *
new_job (const char *name, const char *suffix, const char *file_stem, const char *pytorch)
{
  Job *job = g_new0 (Job, 1);
  g_autofree char *onnx = g_strdup_printf ("%s%s.onnx", file_stem, suffix);
  g_autofree char *weights = g_strdup_printf ("%s%s.safetensors", file_stem, suffix);

  job->name = g_strconcat (name, *suffix != '\0' ? " --weights" : "", NULL);
  job->onnx = path_in (onnx);
  job->weights = path_in (weights);
  job->pytorch = g_strdup (pytorch);
  return job;
}

/* Writes `spec` as ONNX with its initial weights and with a weight file of other values,
 * each beside the weights it must hold, and the PyTorch module for both. */
static void
add_model (GPtrArray *jobs, GPtrArray *nets, const char *name, const StSpec *spec)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *stem = g_strdelimit (g_strdup (name), "/ ", '_');
  g_autofree char *py_name = g_strconcat (stem, ".py", NULL);
  g_autofree char *pytorch = path_in (py_name);
  g_autofree char *code = NULL;
  g_autofree float *params = NULL, *buffers = NULL;
  StNet *net;
  Job *initial, *other;
  StRng rng;

  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (net == NULL)
    return;
  g_ptr_array_add (nets, net);
  code = st_spec_to_pytorch (spec, &error);
  g_assert_no_error (error);
  write_text (pytorch, code);
  params = g_new0 (float, MAX (net->n_params, 1));
  buffers = g_new0 (float, MAX (net->n_buffers, 1));

  initial = new_job (name, "", stem, pytorch);
  initial->net = net;
  st_rng_init (&rng, spec->training.seed);
  st_net_init_params (net, params, buffers, spec->training.init, &rng);
  st_checkpoint_save (net, params, buffers, NULL, initial->weights, &error);
  g_assert_no_error (error);
  st_spec_to_onnx (spec, NULL, initial->onnx, &error);
  g_assert_no_error (error);
  g_ptr_array_add (jobs, initial);

  other = new_job (name, "-weights", stem, pytorch);
  other->net = net;
  other_weights (net, params, buffers);
  st_checkpoint_save (net, params, buffers, NULL, other->weights, &error);
  g_assert_no_error (error);
  st_spec_to_onnx (spec, other->weights, other->onnx, &error);
  g_assert_no_error (error);
  g_ptr_array_add (jobs, other);
}

/* ---- what python3-onnx says ---------------------------------------------------------- */

/* Element i of a shape from onnx-check.py: a size, a name ("N") or null (unknown). */
static gboolean
dim_is (JsonArray *dims, guint i, GType type)
{
  JsonNode *node = json_array_get_element (dims, i);

  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* ["N", d0, d1, ...] against Strata's per-example shape. */
static gboolean
same_shape (JsonArray *dims, const StShape *shape)
{
  if (dims == NULL || json_array_get_length (dims) != (guint) shape->rank + 1
      || !dim_is (dims, 0, G_TYPE_STRING)
      || strcmp (json_array_get_string_element (dims, 0), "N") != 0)
    return FALSE;
  for (int i = 0; i < shape->rank; i++)
    if (!dim_is (dims, i + 1, G_TYPE_INT64)
        || json_array_get_int_element (dims, i + 1) != shape->dim[i])
      return FALSE;
  return TRUE;
}

static char *
dims_text (JsonArray *dims)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  if (dims == NULL)
    return g_strdup ("(none)");
  json_node_set_array (node, dims);
  return json_to_string (node, FALSE);
}

static JsonArray *
member_array (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static void
check_result (const Job *job, JsonObject *r)
{
  const StNet *net = job->net;
  const StInfer *infer = net->infer;
  const GPtrArray *layers = net->spec->layers;
  const StNode *last = g_ptr_array_index (layers, layers->len - 1);
  JsonObject *shapes, *declared, *opsets;
  JsonArray *inits;
  JsonNode *numeric;

  if (json_object_has_member (r, "error"))
    {
      g_auto (GStrv) lines = g_strsplit (json_object_get_string_member (r, "error"), "\n", -1);

      /* The first line on TAP's "not ok" line, the traceback as comments. */
      for (guint i = 1; lines[i] != NULL; i++)
        if (*lines[i] != '\0')
          g_test_message ("%s", lines[i]);
      g_test_fail_printf ("%s: %s", job->name, lines[0]);
      return;
    }
  g_assert_cmpint (json_object_get_int_member (r, "ir_version"), ==, ST_ONNX_IR_VERSION);
  opsets = json_object_get_object_member (r, "opsets");
  g_assert_cmpint (json_object_get_size (opsets), ==, 1);
  g_assert_cmpint (json_object_get_int_member (opsets, ""), ==, ST_ONNX_OPSET);
  g_assert_cmpstr (json_object_get_string_member (r, "producer"), ==, "Strata");
  g_assert_true (same_shape (member_array (json_object_get_object_member (r, "inputs"), "input"),
                             &net->spec->input));
  g_assert_true (same_shape (member_array (json_object_get_object_member (r, "outputs"),
                                           "output"), &infer->output));

  /* Every layer's output, as ONNX infers it from nothing and as the file declares it. */
  shapes = json_object_get_object_member (r, "shapes");
  declared = json_object_get_object_member (r, "declared");
  for (guint i = 0; i < infer->n_layers; i++)
    {
      const StLayerInfo *info = &infer->layers[i];
      const char *value = info->node == last ? "output" : info->path;
      JsonArray *got = member_array (shapes, value);
      char want[ST_SHAPE_STRING_MAX];

      if (!same_shape (got, &info->out))
        {
          g_autofree char *text = dims_text (got);

          g_test_fail_printf ("%s: layer %s (%s) is %s in Strata but %s in ONNX", job->name,
                              info->path, info->node->type->name,
                              st_shape_format (&info->out, want), text);
        }
      if (info->node != last && !same_shape (member_array (declared, value), &info->out))
        g_test_fail_printf ("%s: the file declares no shape %s for layer %s", job->name,
                            st_shape_format (&info->out, want), info->path);
    }

  /* The initializers are the net's tensors, in order, and hold the weights meant. */
  inits = json_object_get_array_member (r, "initializers");
  g_assert_cmpuint (json_array_get_length (inits), ==, net->n_tensors);
  for (guint i = 0; i < MIN (net->n_tensors, json_array_get_length (inits)); i++)
    {
      JsonArray *entry = json_array_get_array_element (inits, i);
      JsonArray *dims = json_array_get_array_element (entry, 1);
      const StTensorInfo *t = &net->tensors[i];

      g_assert_cmpstr (json_array_get_string_element (entry, 0), ==, t->name);
      g_assert_cmpint (json_array_get_length (dims), ==, t->rank);
      for (int d = 0; d < MIN (t->rank, (int) json_array_get_length (dims)); d++)
        g_assert_cmpint (json_array_get_int_element (dims, d), ==, t->dims[d]);
    }
  g_assert_true (json_object_get_boolean_member (r, "weights_equal"));
  g_assert_true (json_object_has_member (json_object_get_object_member (r, "metadata"),
                                         "strata.model"));

  numeric = json_object_get_member (r, "numeric");
  if (numeric != NULL && JSON_NODE_HOLDS_OBJECT (numeric))
    {
      JsonObject *n = json_node_get_object (numeric);
      double diff = json_object_get_double_member (n, "max_rel_diff");

      g_assert_cmpint (json_object_get_int_member (n, "layers"), >, 0);
      if (!(diff < NUMERIC_TOLERANCE))
        g_test_fail_printf ("%s: the ONNX graph differs from PyTorch by %g at layer %s",
                            job->name, diff, json_object_get_string_member (n, "worst"));
      g_test_message ("%s: %" G_GINT64_FORMAT " layers agree with PyTorch within %.1e",
                      job->name, json_object_get_int_member (n, "layers"), diff);
    }
  else
    g_test_message ("%s: no numeric check (%s)", job->name,
                    numeric != NULL ? json_node_get_string (numeric) : "no PyTorch module");
}

/* Runs onnx-check.py over the jobs (one process: importing torch takes seconds) and checks
 * each answer. */
static void
check_jobs (GPtrArray *jobs)
{
  g_autofree char *jobs_path = path_in ("jobs.json");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "onnx-check.py", NULL);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) lines = NULL;
  const char *argv[] = { PYTHON, script, jobs_path, NULL };
  guint answered = 0;
  int status = 0;

  json_builder_begin_array (builder);
  for (guint i = 0; i < jobs->len; i++)
    {
      const Job *job = g_ptr_array_index (jobs, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, job->name);
      json_builder_set_member_name (builder, "onnx");
      json_builder_add_string_value (builder, job->onnx);
      json_builder_set_member_name (builder, "weights");
      json_builder_add_string_value (builder, job->weights);
      json_builder_set_member_name (builder, "pytorch");
      json_builder_add_string_value (builder, job->pytorch);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_to_file (generator, jobs_path, &error);
  g_assert_no_error (error);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (error != NULL)
    return;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("onnx-check.py printed:\n%s%s", out, err);
      g_test_fail_printf ("onnx-check.py failed (its output is above)");
    }

  lines = g_strsplit (out, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *r;
      const char *name;

      if (**line == '\0')
        continue;
      json_parser_load_from_data (parser, *line, -1, &error);
      g_assert_no_error (error);
      if (error != NULL)
        return;
      r = json_node_get_object (json_parser_get_root (parser));
      name = json_object_get_string_member (r, "name");
      for (guint i = 0; i < jobs->len; i++)
        {
          const Job *job = g_ptr_array_index (jobs, i);

          if (strcmp (job->name, name) == 0)
            {
              check_result (job, r);
              answered++;
            }
        }
    }
  g_assert_cmpuint (answered, ==, jobs->len);
}

static void
check_models (const char *const *names, StSpec **specs, guint n)
{
  g_autoptr (GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_autoptr (GPtrArray) nets = g_ptr_array_new_with_free_func ((GDestroyNotify) st_net_free);

  for (guint i = 0; i < n; i++)
    add_model (jobs, nets, names[i], specs[i]);
  check_jobs (jobs);
}

/* ---- cases --------------------------------------------------------------------------- */

static void
test_presets (void)
{
  const char *const *names = st_preset_names ();
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) st_spec_free);
  g_autoptr (GError) error = NULL;

  if (!can_check ())
    return;
  for (guint i = 0; names[i] != NULL; i++)
    {
      StSpec *spec = st_spec_load (names[i], &error);

      g_assert_no_error (error);
      g_ptr_array_add (specs, spec);
    }
  g_assert_cmpuint (specs->len, >=, 7);
  check_models (names, (StSpec **) specs->pdata, specs->len);
}

/* The models PyTorch's fixtures were made from, those without errors. */
static void
test_fixtures (void)
{
  const char *fixtures = g_getenv ("STRATA_FIXTURE_DIR");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) st_spec_free);
  g_autoptr (GDir) d = NULL;
  g_autoptr (GError) error = NULL;
  const char *file;

  if (!can_check ())
    return;
  if (fixtures == NULL)
    {
      g_test_skip ("STRATA_FIXTURE_DIR is not set (point it at tests/fixtures)");
      return;
    }
  d = g_dir_open (fixtures, 0, &error);
  g_assert_no_error (error);
  while (d != NULL && (file = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixtures, file, NULL);
      g_autoptr (StFixture) fixture = NULL;
      g_autoptr (StInfer) infer = NULL;
      const char *text;
      StSpec *spec;

      if (!g_str_has_suffix (file, ".stfx"))
        continue;
      fixture = st_fixture_load (path, &error);
      g_assert_no_error (error);
      text = fixture != NULL ? st_fixture_get_text (fixture, "spec", &error) : NULL;
      g_assert_no_error (error);
      if (text == NULL)
        continue;
      spec = load_spec (text, path);
      infer = st_spec_infer (spec);
      if (infer->n_errors > 0)
        {
          g_test_message ("%s: the model has errors, not exported", file);
          st_spec_free (spec);
          continue;
        }
      g_ptr_array_add (names, g_strconcat ("fixture ", file, NULL));
      g_ptr_array_add (specs, spec);
    }
  g_assert_cmpuint (specs->len, >=, 8);
  check_models ((const char *const *) names->pdata, (StSpec **) specs->pdata, specs->len);
}

static void
test_every_layer (void)
{
  g_autoptr (StSpec) spec = NULL;
  const char *name = "every layer";

  if (!can_check ())
    return;
  spec = load_spec (every_layer_model, "every_layer_model");
  check_models (&name, &spec, 1);
}

static void
assert_message (const GError *error, const char *const *parts)
{
  g_assert_nonnull (error);
  for (const char *const *p = parts; error != NULL && *p != NULL; p++)
    if (strstr (error->message, *p) == NULL)
      g_test_fail_printf ("\"%s\" is not in the message: %s", *p, error->message);
}

static void
test_broken_model (void)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = path_in ("broken.onnx");

  if (!st_onnx_available ())
    {
      g_test_skip ("this build has no ONNX export (configured without protobuf-c)");
      return;
    }
  spec = load_spec (broken_model, "broken");
  g_assert_false (st_spec_to_onnx (spec, NULL, path, &error));
  g_assert_error (error, ST_ONNX_ERROR, ST_ONNX_ERROR_MODEL);
  assert_message (error, (const char *[]) { "layer 2 (Linear)", "Flatten", NULL });
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_unwritable (void)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "m.onnx", NULL);
  g_autofree char *folder = path_in ("a-folder.onnx");

  if (!st_onnx_available ())
    {
      g_test_skip ("this build has no ONNX export (configured without protobuf-c)");
      return;
    }
  spec = load_spec (every_layer_model, "every_layer_model");

  g_assert_false (st_spec_to_onnx (spec, NULL, missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_message (error, (const char *[]) { missing, NULL });
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_false (st_spec_to_onnx (spec, NULL, folder, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  assert_message (error, (const char *[]) { folder, NULL });
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
}

/* A weight file of another model, one that is missing, and one with a NaN: each named with
 * the tensor at fault, and no ONNX file left behind. */
static void
test_bad_weights (void)
{
  g_autoptr (StSpec) lenet = NULL, every = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *lenet_weights = path_in ("lenet5-for-onnx.safetensors");
  g_autofree char *nan_weights = path_in ("nan.safetensors");
  g_autofree char *missing = path_in ("missing.safetensors");
  g_autofree char *path = path_in ("bad-weights.onnx");
  g_autofree float *params = NULL, *buffers = NULL;
  StRng rng;

  if (!st_onnx_available ())
    {
      g_test_skip ("this build has no ONNX export (configured without protobuf-c)");
      return;
    }
  lenet = st_spec_load ("lenet5", &error);
  g_assert_no_error (error);
  every = load_spec (every_layer_model, "every_layer_model");
  net = st_net_compile (lenet, &error);
  g_assert_no_error (error);
  params = g_new0 (float, net->n_params);
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, 1);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  st_checkpoint_save (net, params, buffers, NULL, lenet_weights, &error);
  g_assert_no_error (error);

  g_assert_false (st_spec_to_onnx (every, lenet_weights, path, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_MISMATCH);
  assert_message (error, (const char *[]) { lenet_weights, "0.weight", NULL });
  g_clear_error (&error);

  g_assert_false (st_spec_to_onnx (lenet, missing, path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_message (error, (const char *[]) { missing, NULL });
  g_clear_error (&error);

  params[net->tensors[2].offset + 3] = NAN;
  st_checkpoint_save (net, params, buffers, NULL, nan_weights, &error);
  g_assert_no_error (error);
  g_assert_false (st_spec_to_onnx (lenet, nan_weights, path, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID);
  assert_message (error, (const char *[]) { nan_weights, net->tensors[2].name, "NaN", NULL });

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* The library and strata-cli write the same bytes; the command's refusals. */
static void
test_cli (void)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *by_lib = path_in ("lib-mnist-cnn.onnx");
  g_autofree char *by_cli = path_in ("cli-mnist-cnn.onnx");
  g_autofree char *with_weights = path_in ("cli-weights.onnx");
  g_autofree char *weights = path_in ("cli-mnist-cnn.safetensors");
  g_autofree char *lenet_weights = path_in ("cli-lenet5.safetensors");
  g_autofree char *broken = path_in ("broken.strata.json");
  g_autofree char *broken_onnx = path_in ("cli-broken.onnx");
  g_autofree float *params = NULL, *buffers = NULL;
  g_autoptr (GBytes) a = NULL, b = NULL;
  g_auto (StTestRun) run = { 0 };
  StRng rng;

  if (!st_test_have_cli ())
    return;
  if (!st_onnx_available ())
    {
      st_test_cli (&run, "export", "lenet5", "--onnx", by_cli, NULL);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.err, "no ONNX export"));
      return;
    }
  spec = st_spec_load ("mnist-cnn", &error);
  g_assert_no_error (error);
  st_spec_to_onnx (spec, NULL, by_lib, &error);
  g_assert_no_error (error);
  st_test_cli (&run, "export", "mnist-cnn", "--onnx", by_cli, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  a = st_test_read_bytes (by_lib);
  b = st_test_read_bytes (by_cli);
  g_assert_true (g_bytes_equal (a, b));
  st_test_run_clear (&run);

  /* --weights: the file's values, so other bytes than the initial weights. */
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  params = g_new0 (float, net->n_params);
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, 99);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  st_checkpoint_save (net, params, buffers, NULL, weights, &error);
  g_assert_no_error (error);
  st_test_cli (&run, "export", "mnist-cnn", "--onnx", with_weights, "--weights", weights, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&b, g_bytes_unref);
  b = st_test_read_bytes (with_weights);
  g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
  g_assert_false (g_bytes_equal (a, b));
  st_test_run_clear (&run);

  /* Weights of another model: the file and the tensor named, exit status 1. */
  g_clear_pointer (&net, st_net_free);
  g_clear_pointer (&spec, st_spec_free);
  spec = st_spec_load ("lenet5", &error);
  g_assert_no_error (error);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  g_clear_pointer (&params, g_free);
  params = g_new0 (float, net->n_params);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  st_checkpoint_save (net, params, NULL, NULL, lenet_weights, &error);
  g_assert_no_error (error);
  st_test_cli (&run, "export", "mnist-cnn", "--onnx", broken_onnx, "--weights", lenet_weights,
               NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, lenet_weights));
  g_assert_nonnull (strstr (run.err, "0.weight"));
  g_assert_false (g_file_test (broken_onnx, G_FILE_TEST_EXISTS));
  st_test_run_clear (&run);

  /* A model with errors: the layer named. */
  write_text (broken, broken_model);
  st_test_cli (&run, "export", broken, "--onnx", broken_onnx, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "layer 2 (Linear)"));
  g_assert_false (g_file_test (broken_onnx, G_FILE_TEST_EXISTS));
  st_test_run_clear (&run);

  /* --weights alone is a usage error. */
  st_test_cli (&run, "export", "lenet5", "--weights", lenet_weights, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--weights goes with --onnx"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  dir = st_test_make_tmp ("strata-onnx-XXXXXX");

  g_test_add_func ("/onnx/presets", test_presets);
  g_test_add_func ("/onnx/fixtures", test_fixtures);
  g_test_add_func ("/onnx/every-layer", test_every_layer);
  g_test_add_func ("/onnx/errors/model", test_broken_model);
  g_test_add_func ("/onnx/errors/path", test_unwritable);
  g_test_add_func ("/onnx/errors/weights", test_bad_weights);
  g_test_add_func ("/onnx/cli", test_cli);

  status = g_test_run ();
  st_test_remove_tree (dir);
  g_free (dir);
  return status;
}
