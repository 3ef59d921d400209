/* test-cuda-ops.c: the CUDA backend against the CPU backend, op by op and net by net.
 *
 *   /cuda/fixture/<name>    each tests/fixtures/<name>.stfx, on the fixture's weights and
 *                           batch: `compute` (outputs, loss, input gradient, each parameter
 *                           gradient, BatchNorm's running statistics) and one SGD and one
 *                           Adam `apply_update` match the CPU's; and CUDA's compute matches
 *                           PyTorch's stored results (outputs, loss, input gradient, each
 *                           parameter gradient whole or at its sampled indices)
 *   /cuda/op/<row>          one small net per op kind (a row of `op_rows`: adding an op is
 *                           one row): compute, SGD (two steps, Nesterov, weight decay), Adam
 *                           and AdamW, then evaluation, a snapshot of every value and one
 *                           train_step through the datasets on the device
 *   /cuda/conv-way/<way>/<row>  the rows with a convolution again, each convolution forced
 *                           to one way (STRATA_CUDA_CONV=im2col, direct, pointwise — where it
 *                           fits; im2col elsewhere), so that every way is checked whatever
 *                           the timings pick
 *
 * Every tensor is judged whole by its normalised mean squared error, NMSE ≤ 1e-7 against the
 * CPU's or PyTorch's (ggml test-backend-ops' criterion); Adam and AdamW element by element.
 * Without a usable GPU (no driver, no device, no CUDA module) every case skips with the
 * message st_backend_open gave. The comparisons and their tolerances are in cuda-check.h;
 * training is tested in test-cuda-train.c, the module itself in test-cuda-device.c.
 */
#define G_LOG_DOMAIN "strata-test"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/engine/backend.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "cuda-check.h"
#include "fixture.h"

static GPtrArray *fixture_paths; /* the data of the /cuda/fixture cases */

/* ---- /cuda/fixture/<name> ------------------------------------------------------------- */

/* CUDA's compute against PyTorch's stored results, tensor by tensor by its NMSE: outputs,
 * loss and input gradient whole, each parameter gradient whole where the fixture has it
 * (":grad_full") and at its sampled indices otherwise. */
static void
compare_pytorch (StFixture *fx, const StNet *net, const Computed *c, Report *r)
{
  const char *names[] = { "output", "input.grad" };
  const float *mine[] = { c->out[1], c->dx[1] };
  const float *loss = st_fixture_get_f32 (fx, "loss", NULL, NULL);
  float loss_f = (float) c->loss[1];

  g_assert_nonnull (loss);
  if (loss != NULL)
    compare_at (r, KIND_TORCH, "loss", &loss_f, NULL, loss, 1, "PyTorch's");
  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    {
      gsize n = 0;
      const float *want = st_fixture_get_f32 (fx, names[k], &n, NULL);

      g_assert_nonnull (want);
      if (want != NULL)
        compare_at (r, KIND_TORCH, names[k], mine[k], NULL, want, n, "PyTorch's");
    }
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *index = g_strconcat (ti->name, ":index", NULL);
      g_autofree char *grad = g_strconcat (ti->name, ":grad", NULL);
      g_autofree char *full = g_strconcat (ti->name, ":grad_full", NULL);
      g_autofree char *what = g_strconcat (ti->name, ".grad", NULL);
      const float *want, *whole;
      const gint64 *idx;
      gsize k = 0, n_full = 0;

      if (ti->role != ST_TENSOR_PARAM)
        continue;
      idx = st_fixture_get_i64 (fx, index, &k, NULL);
      want = st_fixture_get_f32 (fx, grad, NULL, NULL);
      whole = st_fixture_get_f32 (fx, full, &n_full, NULL);
      if (whole != NULL && n_full == ti->numel)
        compare_at (r, KIND_TORCH, what, c->grads[1] + ti->offset, NULL, whole, n_full,
                    "PyTorch's");
      else if (idx != NULL && want != NULL)
        {
          g_autofree char *sampled = g_strdup_printf ("%s (%" G_GSIZE_FORMAT " sampled)", what,
                                                      k);

          compare_at (r, KIND_TORCH, sampled, c->grads[1] + ti->offset, idx, want, k,
                      "PyTorch's");
        }
      else
        g_test_fail_printf ("%s: the fixture has no gradient for %s", r->name, ti->name);
    }
}

static void
test_fixture (gconstpointer data)
{
  const char *path = data;
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (StFixture) fx = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StBackend) cuda = NULL;
  g_autoptr (StBackend) cpu = NULL;
  g_autofree float *params = NULL, *buffers = NULL;
  g_autofree guint8 *labels = NULL;
  const StFixtureRecord *input, *label_record;
  const char *text, *loss_name;
  JsonObject *meta;
  StLossKind loss;
  StOptimConfig sgd, adam;
  StRng rng;
  Report r = { .name = base };
  Computed computed = { 0 };
  Problem pb;
  int batch;

  if ((cuda = open_cuda ()) == NULL)
    return;
  cpu = st_backend_new_cpu (0);

  fx = st_fixture_load (path, &error);
  g_assert_no_error (error);
  if (fx == NULL)
    return;
  json_parser_load_from_data (parser, st_fixture_get_meta (fx), -1, &error);
  g_assert_no_error (error);
  meta = json_node_get_object (json_parser_get_root (parser));
  batch = (int) json_object_get_int_member_with_default (meta, "batch_size", 0);
  loss_name = json_object_get_string_member_with_default (meta, "loss", "");
  g_assert_true (batch >= 1 && st_loss_from_name (loss_name, &loss));
  text = st_fixture_get_text (fx, "spec", &error);
  g_assert_no_error (error);
  spec = st_spec_load_from_data (text, -1, base, &error);
  g_assert_no_error (error);
  net = spec != NULL ? st_net_compile (spec, &error) : NULL;
  g_assert_no_error (error);
  if (net == NULL)
    return;

  /* The fixture's weights by the shared formula; buffers as PyTorch starts them. */
  params = g_new0 (float, MAX (net->n_params, 1));
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, 0);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  for (guint t = 0; t < net->n_tensors; t++)
    if (net->tensors[t].role == ST_TENSOR_PARAM
        && !st_fixture_fill_param (fx, net->tensors[t].name, params + net->tensors[t].offset,
                                   net->tensors[t].numel, &error))
      {
        g_test_fail_printf ("%s: %s", base, error->message);
        return;
      }
  input = st_fixture_lookup (fx, "input");
  label_record = st_fixture_lookup (fx, "labels");
  g_assert_nonnull (input);
  g_assert_nonnull (label_record);
  if (input == NULL || label_record == NULL)
    return;
  g_assert_cmpuint (input->n_elements, ==, batch * net->values[0].numel);
  labels = g_new (guint8, batch);
  for (int i = 0; i < batch; i++)
    labels[i] = (guint8) ((const gint64 *) label_record->data)[i];
  if (loss == ST_LOSS_BCE)
    {
      const float *target = st_fixture_get_f32 (fx, "target", NULL, &error);

      g_assert_no_error (error);
      for (int i = 0; target != NULL && i < batch; i++)
        labels[i] = (guint8) target[i];
    }

  pb = (Problem) { .net = net, .loss = loss, .batch = batch, .params = params,
                   .buffers = buffers, .x = input->data, .labels = labels };
  {
    StBackend *be[2] = { cpu, cuda };

    /* tools/make-fixtures.py's optimizer settings */
    optim_sgd (&sgd, 0.1, 0.9, 1e-4, FALSE);
    optim_adam (&adam, ST_OPTIM_ADAM, 1e-3, 0.0);
    compare_compute (&pb, &r, be, &computed);
    compare_pytorch (fx, net, &computed, &r);
    computed_clear (&computed);
    compare_optimizer (&pb, &r, be, &sgd, "SGD", 1);
    compare_optimizer (&pb, &r, be, &adam, "Adam", 1);
  }
  report_finish (&r);
}

/* ---- /cuda/op/<row> ------------------------------------------------------------------- */

static const OpRow op_rows[] = {
  { "conv", 3, 9, 8, "[{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 3}]",
    ST_LOSS_CROSS_ENTROPY, 5 },
  { "conv-strided-dilated", 2, 11, 10,
    "[{'type': 'Conv2d', 'out_channels': 3, 'kernel_size': [3, 2], 'stride': [2, 1],"
    " 'padding': [1, 2], 'dilation': [2, 1], 'bias': false}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "conv-pointwise", 4, 6, 6, "[{'type': 'Conv2d', 'out_channels': 7, 'kernel_size': 1}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  /* a 1×1 convolution whose input needs its gradient: written, then added (the residual's
   * identity also reads it) */
  { "conv-pointwise-inner", 3, 6, 5,
    "[{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 3, 'padding': 1},"
    " {'type': 'Conv2d', 'out_channels': 5, 'kernel_size': 1}]", ST_LOSS_CROSS_ENTROPY, 3 },
  { "residual-pointwise", 3, 6, 5,
    "[{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 3, 'padding': 1},"
    " {'type': 'Residual', 'body': [{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 1}]}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  { "maxpool", 3, 8, 8, "[{'type': 'MaxPool2d', 'kernel_size': 2}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "maxpool-dilated-padded", 2, 9, 9,
    "[{'type': 'MaxPool2d', 'kernel_size': 3, 'stride': 2, 'padding': 1, 'dilation': 2}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "maxpool-overlapping", 2, 7, 7,
    "[{'type': 'MaxPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  { "avgpool", 3, 8, 8, "[{'type': 'AvgPool2d', 'kernel_size': 2}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "avgpool-odd", 2, 7, 7, "[{'type': 'AvgPool2d', 'kernel_size': 2}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "avgpool-padded", 2, 7, 6,
    "[{'type': 'AvgPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  { "adaptive-avgpool-down", 2, 7, 9,
    "[{'type': 'AdaptiveAvgPool2d', 'output_size': [3, 4]}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "adaptive-avgpool-up", 2, 3, 2,
    "[{'type': 'AdaptiveAvgPool2d', 'output_size': [5, 4]}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "relu", 3, 4, 4, "[{'type': 'ReLU'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "leakyrelu", 3, 4, 4, "[{'type': 'LeakyReLU', 'negative_slope': 0.2}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "prelu-shared", 3, 4, 4, "[{'type': 'PReLU'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "prelu-per-channel", 3, 4, 4, "[{'type': 'PReLU', 'num_parameters': 3}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "sigmoid", 3, 4, 4, "[{'type': 'Sigmoid'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "tanh", 3, 4, 4, "[{'type': 'Tanh'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "linear", 1, 3, 5, "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 7}]",
    ST_LOSS_CROSS_ENTROPY, 6 },
  { "linear-no-bias", 2, 3, 3,
    "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 5, 'bias': false}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "dropout-p0", 3, 4, 4, "[{'type': 'Dropout', 'p': 0}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "dropout", 3, 4, 4, "[{'type': 'Dropout', 'p': 0.3}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "batchnorm", 3, 5, 4, "[{'type': 'BatchNorm2d'}]", ST_LOSS_CROSS_ENTROPY, 6 },
  { "batchnorm-no-affine", 3, 5, 4,
    "[{'type': 'BatchNorm2d', 'affine': false, 'momentum': 0.3, 'eps': 0.001}]",
    ST_LOSS_CROSS_ENTROPY, 5 },
  { "concat", 3, 6, 6,
    "[{'type': 'Concat', 'branches': [[{'type': 'Conv2d', 'out_channels': 2, 'kernel_size': 1}],"
    " [{'type': 'ReLU'}], [{'type': 'AvgPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}]]}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "residual", 3, 6, 6,
    "[{'type': 'Residual', 'body': [{'type': 'Conv2d', 'out_channels': 3, 'kernel_size': 3,"
    " 'padding': 1}, {'type': 'ReLU'}, {'type': 'Conv2d', 'out_channels': 3, 'kernel_size': 3,"
    " 'padding': 1}]}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "residual-shortcut", 3, 6, 6,
    "[{'type': 'Residual', 'body': [{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 3,"
    " 'padding': 1}], 'shortcut': [{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 1}]}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "loss-bce", 1, 4, 4,
    "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 1}, {'type': 'Sigmoid'}]",
    ST_LOSS_BCE, 6 },
  { "loss-bce-multi", 1, 4, 4,
    "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 3}, {'type': 'Sigmoid'}]",
    ST_LOSS_BCE, 6 },
  { "loss-mse", 1, 4, 4, "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 4}]",
    ST_LOSS_MSE, 6 },
};
static void
test_op (gconstpointer data)
{
  const OpRow *row = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = op_row_net (row, &error);
  g_autoptr (StBackend) cuda = NULL;
  g_autoptr (StBackend) cpu = NULL;
  g_autoptr (StDataset) images = NULL;
  g_autofree float *params = NULL, *buffers = NULL, *x = NULL;
  g_autofree guint8 *labels = NULL;
  StOptimConfig sgd, adam, adamw;
  Report r = { .name = row->name };
  Computed computed = { 0 };
  gsize K, X;
  int n_classes;
  Problem pb;
  StRng rng;

  /* The row must compile with or without a GPU. */
  g_assert_no_error (error);
  if (net == NULL || (cuda = open_cuda ()) == NULL)
    return;
  cpu = st_backend_new_cpu (0);

  K = net->values[net->output].numel;
  X = net->values[0].numel;
  n_classes = row->loss == ST_LOSS_BCE && K == 1 ? 2 : (int) MIN (K, 256);
  params = g_new0 (float, MAX (net->n_params, 1));
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  x = g_new (float, row->batch * X);
  labels = g_new (guint8, row->batch);
  st_rng_init (&rng, 42);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  /* Off PyTorch's round starting values (PReLU 0.25, BatchNorm 1 and 0), so that every
   * parameter's role shows. */
  for (gsize i = 0; i < net->n_params; i++)
    params[i] += (float) (0.2 * st_rng_uniform (&rng) - 0.1);
  for (gsize i = 0; i < net->n_buffers; i++)
    buffers[i] += (float) (0.5 * st_rng_uniform (&rng));
  for (gsize i = 0; i < row->batch * X; i++)
    x[i] = (float) (2.0 * st_rng_uniform (&rng) - 1.0);
  for (int i = 0; i < row->batch; i++)
    labels[i] = (guint8) st_rng_below (&rng, n_classes);

  images = st_dataset_new (row->name, "generated", 2 * row->batch, row->c, row->h, row->w,
                           &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < 2 * row->batch * X; i++)
    images->images[i] = (guint8) st_rng_below (&rng, 256);
  for (int i = 0; i < 2 * row->batch; i++)
    images->labels[i] = (guint8) st_rng_below (&rng, n_classes);
  st_dataset_set_classes (images, n_classes, NULL);

  pb = (Problem) { .net = net, .loss = row->loss, .batch = row->batch, .params = params,
                   .buffers = buffers, .x = x, .labels = labels };
  {
    StBackend *be[2] = { cpu, cuda };

    optim_sgd (&sgd, 0.05, 0.9, 1e-3, TRUE);
    optim_adam (&adam, ST_OPTIM_ADAM, 1e-3, 1e-2);
    optim_adam (&adamw, ST_OPTIM_ADAMW, 1e-3, 1e-2);
    compare_compute (&pb, &r, be, &computed);
    computed_clear (&computed);
    compare_optimizer (&pb, &r, be, &sgd, "two SGD steps (Nesterov)", 2);
    compare_optimizer (&pb, &r, be, &adam, "Adam", 1);
    compare_optimizer (&pb, &r, be, &adamw, "AdamW", 1);
    compare_data_path (&pb, &r, be, images);
  }
  report_finish (&r);
}

/* ---- /cuda/conv-way/<way>/<row> ------------------------------------------------------- */

typedef struct {
  const OpRow *row;
  const char  *way;
} WayRow;

static void
test_conv_way (gconstpointer data)
{
  const WayRow *wr = data;
  g_autofree char *saved = g_strdup (g_getenv ("STRATA_CUDA_CONV"));

  g_setenv ("STRATA_CUDA_CONV", wr->way, TRUE);
  test_op (wr->row);
  if (saved != NULL)
    g_setenv ("STRATA_CUDA_CONV", saved, TRUE);
  else
    g_unsetenv ("STRATA_CUDA_CONV");
}

/* ---- registration --------------------------------------------------------------------- */

static const char *const known_fixtures[] = {
  "deep-cnn", "inception", "lenet-relu", "lenet5", "mnist-cnn", "resnet", "toy", "zoo", NULL,
};

static void
test_no_fixture_dir (void)
{
  const char *why = cuda_missing ();

  g_test_skip (why != NULL ? why : "STRATA_FIXTURE_DIR is not set (point it at tests/fixtures)");
}

/* Every *.stfx in $STRATA_FIXTURE_DIR, sorted. */
static void
add_fixture_tests (void)
{
  const char *dir = g_getenv ("STRATA_FIXTURE_DIR");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *d;

  if (dir == NULL || *dir == '\0' || (d = g_dir_open (dir, 0, NULL)) == NULL)
    {
      for (int i = 0; known_fixtures[i] != NULL; i++)
        {
          g_autofree char *test = g_strconcat ("/cuda/fixture/", known_fixtures[i], NULL);
          g_test_add_func (test, test_no_fixture_dir);
        }
      return;
    }
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    if (g_str_has_suffix (name, ".stfx"))
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = *(const char **) &names->pdata[i];
      g_autofree char *stem = g_strndup (name, strlen (name) - strlen (".stfx"));
      g_autofree char *test = g_strconcat ("/cuda/fixture/", stem, NULL);

      char *path = g_build_filename (dir, name, NULL);

      g_ptr_array_add (fixture_paths, path);
      g_test_add_data_func (test, path, test_fixture);
    }
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  cuda_probe ();

  fixture_paths = g_ptr_array_new_with_free_func (g_free);
  add_fixture_tests ();
  for (gsize i = 0; i < G_N_ELEMENTS (op_rows); i++)
    {
      g_autofree char *test = g_strconcat ("/cuda/op/", op_rows[i].name, NULL);
      g_test_add_data_func (test, &op_rows[i], test_op);
    }
  {
    static const char *const ways[] = { "im2col", "direct", "pointwise" };
    static WayRow way_rows[G_N_ELEMENTS (ways) * G_N_ELEMENTS (op_rows)];
    gsize n = 0;

    for (gsize w = 0; w < G_N_ELEMENTS (ways); w++)
      for (gsize i = 0; i < G_N_ELEMENTS (op_rows); i++)
        if (strstr (op_rows[i].layers, "Conv2d") != NULL)
          {
            g_autofree char *test = g_strconcat ("/cuda/conv-way/", ways[w], "/",
                                                 op_rows[i].name, NULL);

            way_rows[n] = (WayRow) { &op_rows[i], ways[w] };
            g_test_add_data_func (test, &way_rows[n++], test_conv_way);
          }
  }
  status = g_test_run ();
  g_ptr_array_unref (fixture_paths);
  cuda_probe_clear ();
  return status;
}
