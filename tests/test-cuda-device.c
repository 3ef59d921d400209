/* test-cuda-device.c: the CUDA module itself.
 *
 *   /cuda/open              the module opens, or says plainly why not (ST_NET_ERROR_DEVICE)
 *   /cuda/memory/...        a batch too large is refused by name and leaks nothing; 100
 *                           prepare/destroy cycles return the device's free memory to where
 *                           it was
 *   /cuda/refusals          augmentation settings out of range, bad orders, runs outside the
 *                           order and oversized batches are errors
 *   /cuda/eval-batch        a backend prepared for batch 64 evaluates 1,000 examples at once
 *                           (StRunSetup.eval_batch_size) with the metrics of batches of 64,
 *                           refuses 1,001, and settles for 64 where 2^28 cannot fit
 *   /cuda/conv-plan         each convolution's ways are timed when the net is prepared,
 *                           described (describe_plan), remembered in the user's cache and
 *                           taken from it by the next backend; STRATA_CUDA_CONV forces a way,
 *                           and a value it does not know is said and set aside; a cache whose
 *                           lines name no ways is measured over
 *
 * Without a usable GPU (no driver, no device, no CUDA module) every case skips with the
 * message st_backend_open gave.
 */
#define G_LOG_DOMAIN "strata-test"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/data/transform.h"
#include "core/engine/backend.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "cuda-check.h"
#include "gpu/cuda-module.h"

/* The loss, optimizer and normalisation of the preset's recipe. */
static void
setup_recipe (StRunSetup *setup, const StSpec *spec)
{
  setup->loss = spec->training.loss;
  setup->optim = spec->training.optimizer;
  setup->normalize = spec->training.normalize;
}

/* ---- /cuda/memory --------------------------------------------------------------------- */

static StCudaMemoryInfoFunc
memory_info_func (void)
{
  return (StCudaMemoryInfoFunc) module_symbol ("st_cuda_memory_info");
}

static guint64
free_now (StCudaMemoryInfoFunc info)
{
  guint64 free_bytes = 0, total_bytes = 0;

  g_assert_true (info (&free_bytes, &total_bytes));
  return free_bytes;
}

static StNet *
preset_net (const char *name, StSpec **spec_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (name, &error);
  StNet *net;

  g_assert_no_error (error);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (spec_out != NULL)
    *spec_out = g_steal_pointer (&spec);
  return net;
}

#define MEMORY_SLACK (2u << 20)

static void
test_memory_too_large (void)
{
  g_autoptr (StBackend) cuda = open_cuda ();
  g_autoptr (StNet) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *expect = NULL;
  StCudaMemoryInfoFunc info;
  StRunSetup setup = { .batch_size = 1 << 22 };
  guint64 before, after;

  if (cuda == NULL)
    return;
  info = memory_info_func ();
  g_assert_nonnull (info);
  if (info == NULL)
    return;
  net = preset_net ("mnist-cnn", NULL);
  optim_sgd (&setup.optim, 0.01, 0.5, 0.0, FALSE);
  before = free_now (info);
  g_assert_false (st_backend_prepare (cuda, net, &setup, &error));
  after = free_now (info);
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY);
  if (error != NULL)
    {
      g_test_message ("the refusal: %s", error->message);
      expect = g_strdup_printf ("batch %d needs ", setup.batch_size);
      g_assert_true (g_str_has_prefix (error->message, expect));
      g_assert_nonnull (strstr (error->message, " MiB free on "));
    }
  g_assert_cmpuint (before - MIN (before, after), <=, MEMORY_SLACK);

  /* The backend is still usable at a batch that fits. */
  setup.batch_size = 64;
  g_clear_error (&error);
  g_assert_true (st_backend_prepare (cuda, net, &setup, &error));
  g_assert_no_error (error);
}

/* 100 cycles each of open + prepare + set_data + a step + destroy, and of prepare on one
 * backend: the free memory must come back to where it was after the first (which loads
 * the kernels and cuBLAS for good). */
static void
test_memory_no_leak (void)
{
  g_autoptr (StBackend) first = open_cuda ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *params = NULL;
  StCudaMemoryInfoFunc info;
  StRunSetup setup = { .batch_size = 256 };
  guint32 idx[256];
  guint64 before = 0, after_cycles, after_prepares;
  StMetrics m;

  if (first == NULL)
    return;
  info = memory_info_func ();
  g_assert_nonnull (info);
  if (info == NULL)
    return;
  net = preset_net ("mnist-cnn", &spec);
  setup_recipe (&setup, spec);
  params = g_new0 (float, net->n_params);
  data = st_dataset_new ("leak", "generated", 512, 1, 28, 28, &error);
  g_assert_no_error (error);
  st_dataset_set_classes (data, 10, NULL);
  for (int i = 0; i < 256; i++)
    idx[i] = i * 2;

  for (int cycle = -1; cycle < 100; cycle++)
    {
      g_autoptr (StBackend) be = st_backend_open (ST_DEVICE_CUDA, &error);

      g_assert_no_error (error);
      if (be == NULL)
        return;
      if (!st_backend_prepare (be, net, &setup, &error)
          || !st_backend_set_data (be, data, data, &error)
          || !st_backend_write_state (be, params, NULL, NULL, 0, &error)
          || !st_backend_set_order (be, idx, 256, &error)
          || !st_backend_train_step (be, 0, 256, cycle, &error))
        {
          g_test_fail_printf ("cycle %d: %s", cycle, error->message);
          return;
        }
      st_backend_take_metrics (be, &m);
      if (cycle == -1)
        {
          g_clear_pointer (&be, st_backend_free);
          before = free_now (info);
        }
    }
  after_cycles = free_now (info);

  for (int cycle = 0; cycle < 100; cycle++)
    if (!st_backend_prepare (first, net, &setup, &error))
      {
        g_test_fail_printf ("prepare %d: %s", cycle, error->message);
        return;
      }
  g_clear_pointer (&first, st_backend_free);
  after_prepares = free_now (info);
  g_test_message ("free device memory: %.1f MiB after the first cycle, %.1f MiB after 100 "
                  "open/prepare/step/destroy cycles, %.1f MiB after 100 prepares and a destroy",
                  before / 1048576.0, after_cycles / 1048576.0, after_prepares / 1048576.0);
  g_assert_cmpuint (before - MIN (before, after_cycles), <=, MEMORY_SLACK);
  g_assert_cmpuint (before - MIN (before, after_prepares), <=, MEMORY_SLACK);
}

/* ---- /cuda/open and /cuda/refusals ---------------------------------------------------- */

static void
test_open (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StBackend) be = st_backend_open (ST_DEVICE_CUDA, &error);

  if (be == NULL)
    {
      /* The refusal itself is checked: the right domain, and a plain first words. */
      g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE);
      g_assert_true (g_str_has_prefix (error->message, "CUDA is not available"));
      g_test_skip (error->message);
      return;
    }
  g_test_message ("%s", be->description);
  g_assert_true (g_str_has_prefix (be->description, "CUDA, "));
  g_assert_true (g_str_has_suffix (be->description, " GiB"));
  g_assert_cmpstr (st_backend_name (be), ==, "cuda");
  for (int k = 0; k < ST_N_OPS; k++)
    g_assert_true (st_backend_supports (be, k));
}

static void
test_refusals (void)
{
  g_autoptr (StBackend) cuda = open_cuda ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *params = NULL;
  StRunSetup setup = { .batch_size = 8 };
  guint32 idx[9] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

  if (cuda == NULL)
    return;
  net = preset_net ("mnist-cnn", &spec);
  setup.optim = spec->training.optimizer;
  setup.augment.shift = ST_TRANSFORM_MAX_SHIFT + 1;
  g_assert_false (st_backend_prepare (cuda, net, &setup, &error));
  g_assert_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT);
  g_assert_nonnull (error != NULL ? strstr (error->message, "augment.shift") : NULL);
  g_clear_error (&error);

  setup.augment.shift = 2;
  params = g_new0 (float, net->n_params);
  data = st_dataset_new ("small", "generated", 8, 1, 28, 28, &error);
  g_assert_no_error (error);
  /* An order before the datasets. */
  g_assert_true (st_backend_prepare (cuda, net, &setup, &error));
  g_assert_no_error (error);
  g_assert_false (st_backend_set_order (cuda, idx, 8, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_assert_nonnull (error != NULL ? strstr (error->message, "set_data") : NULL);
  g_clear_error (&error);
  g_assert_true (st_backend_prepare (cuda, net, &setup, &error)
                 && st_backend_set_data (cuda, data, data, &error)
                 && st_backend_write_state (cuda, params, NULL, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_false (st_backend_train_step (cuda, 0, 8, 0, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  idx[3] = 8;
  g_assert_false (st_backend_set_order (cuda, idx, 8, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  g_assert_false (st_backend_set_order (cuda, idx, 9, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  idx[3] = 3;
  g_assert_false (st_backend_evaluate (cuda, ST_SPLIT_TEST, idx, 9, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  g_assert_true (st_backend_set_order (cuda, idx, 8, &error));
  g_assert_no_error (error);
  g_assert_false (st_backend_train_step (cuda, 4, 5, 0, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  g_assert_true (st_backend_train_step (cuda, 0, 8, 0, &error));
  g_assert_no_error (error);
  g_assert_true (st_backend_train_step (cuda, 3, 5, 1, &error));
  g_assert_no_error (error);
}

/* ---- /cuda/eval-batch ----------------------------------------------------------------- */

static void
test_eval_batch (void)
{
  g_autoptr (StBackend) cuda = open_cuda ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *params = NULL;
  g_autofree guint32 *idx = NULL;
  StRunSetup setup = { .batch_size = 64, .eval_batch_size = 1000 };
  StMetrics big, small;
  StRng rng;

  if (cuda == NULL)
    return;
  net = preset_net ("lenet5", &spec);
  setup_recipe (&setup, spec);
  params = g_new0 (float, net->n_params);
  st_rng_init (&rng, 5);
  st_net_init_params (net, params, NULL, spec->training.init, &rng);
  data = st_dataset_new ("eval-batch", "generated", 2000, 1, 28, 28, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < 2000 * st_dataset_example_size (data); i++)
    data->images[i] = (guint8) st_rng_below (&rng, 256);
  for (int i = 0; i < 2000; i++)
    data->labels[i] = (guint8) st_rng_below (&rng, 10);
  st_dataset_set_classes (data, 10, NULL);
  if (!st_backend_prepare (cuda, net, &setup, &error)
      || !st_backend_set_data (cuda, data, data, &error)
      || !st_backend_write_state (cuda, params, NULL, NULL, 0, &error))
    {
      g_test_fail_printf ("%s", error->message);
      return;
    }
  g_assert_cmpint (cuda->eval_batch, ==, 1000);
  g_assert_true (st_backend_evaluate_all (cuda, ST_SPLIT_TEST, 2000, 1000, NULL, NULL, &big,
                                          &error));
  g_assert_true (st_backend_evaluate_all (cuda, ST_SPLIT_TEST, 2000, 64, NULL, NULL, &small,
                                          &error));
  g_assert_no_error (error);
  g_test_message ("2,000 examples in batches of 1,000: loss %.9g, %" PRId64 " right; of 64: "
                  "loss %.9g, %" PRId64 " right", big.loss_sum, big.correct, small.loss_sum,
                  small.correct);
  g_assert_cmpint (big.examples, ==, 2000);
  g_assert_cmpint (small.examples, ==, 2000);
  /* cuBLAS may take other kernels for other batch sizes: float rounding apart, and a near
   * tie between two classes may fall the other way */
  g_assert_cmpint (ABS (big.correct - small.correct), <=, 2);
  g_assert_cmpfloat_with_epsilon (big.loss_sum, small.loss_sum, 1e-5 * fabs (small.loss_sum));

  idx = g_new0 (guint32, 1001);
  g_assert_false (st_backend_evaluate (cuda, ST_SPLIT_TEST, idx, 1001, &error));
  g_assert_nonnull (error);
  if (error != NULL)
    g_assert_nonnull (strstr (error->message, "prepared for 1 to 1000"));
  g_clear_error (&error);

  /* far more than the device holds: the training batch's size instead, not an error */
  setup.eval_batch_size = 1 << 28;
  g_assert_true (st_backend_prepare (cuda, net, &setup, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cuda->eval_batch, ==, 64);
}

/* ---- /cuda/conv-plan ------------------------------------------------------------------ */

/* LeNet-5 at batch 64 prepared on a new backend: its describe_plan lines (NULL, the case
 * skipped, without a GPU). */
static GPtrArray *
lenet5_plan (void)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = preset_net ("lenet5", &spec);
  g_autoptr (GError) error = NULL;
  StBackend *cuda = open_cuda ();
  StRunSetup setup = { .batch_size = 64 };
  GPtrArray *lines;

  if (cuda == NULL)
    return NULL;
  setup_recipe (&setup, spec);
  g_assert_true (st_backend_prepare (cuda, net, &setup, &error));
  g_assert_no_error (error);
  lines = st_backend_describe_plan (cuda);
  for (guint i = 0; i < lines->len; i++)
    g_test_message ("%s", (const char *) g_ptr_array_index (lines, i));
  /* the backend keeps a pointer to the net: it goes first */
  st_backend_free (cuda);
  return lines;
}

/* The part of a plan line that names the ways ("… forward direct, … — why"). */
static char *
ways_of (const char *line)
{
  const char *dash = strstr (line, " — ");

  return dash != NULL ? g_strndup (line, dash - line) : g_strdup (line);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *c = text; *c != '\0'; c++)
    n += *c == '\n';
  return n;
}

static void
test_conv_plan (void)
{
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "strata",
                                             "cuda-conv-ways.txt", NULL);
  g_autoptr (GPtrArray) measured = NULL, remembered = NULL, forced = NULL, remeasured = NULL;
  g_autoptr (GPtrArray) unknown = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  /* what other cases measured is not this one's to remember */
  g_unsetenv ("STRATA_CUDA_CONV");
  g_remove (cache);
  measured = lenet5_plan ();
  if (measured == NULL)
    return;
  /* LeNet-5's two convolutions (the first one's input needs no gradient), then each layer
   * with the Sigmoid after it as one kernel */
  g_assert_cmpuint (measured->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (measured, 2), ==,
                   "fused (one kernel in training and evaluation; STRATA_CUDA_FUSE=0 keeps them "
                   "apart): 0 conv2d + 1 sigmoid, 3 conv2d + 4 sigmoid, 7 linear + 8 sigmoid, "
                   "9 linear + 10 sigmoid");
  for (guint i = 0; i < 2; i++)
    {
      const char *line = g_ptr_array_index (measured, i);

      g_assert_nonnull (strstr (line, "conv2d"));
      g_assert_nonnull (strstr (line, "— measured: forward"));
      g_assert_nonnull (strstr (line, "im2col"));
      g_assert_nonnull (strstr (line, "direct"));
      g_assert_nonnull (strstr (line, " µs"));
    }
  g_assert_nonnull (strstr (g_ptr_array_index (measured, 0), "input gradient not needed"));
  g_assert_null (strstr (g_ptr_array_index (measured, 1), "input gradient not needed"));

  /* remembered: one line per geometry in the cache, and the next backend takes them */
  g_assert_true (g_file_get_contents (cache, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_lines (text), ==, 2);
  remembered = lenet5_plan ();
  g_assert_nonnull (remembered);
  for (guint i = 0; remembered != NULL && i < 2; i++)
    {
      g_autofree char *a = ways_of (g_ptr_array_index (measured, i));
      g_autofree char *b = ways_of (g_ptr_array_index (remembered, i));

      g_assert_cmpstr (a, ==, b);
      g_assert_nonnull (strstr (g_ptr_array_index (remembered, i), "— remembered from "));
    }

  /* forced */
  g_setenv ("STRATA_CUDA_CONV", "direct", TRUE);
  forced = lenet5_plan ();
  for (guint i = 0; forced != NULL && i < 2; i++)
    {
      const char *line = g_ptr_array_index (forced, i);

      g_assert_nonnull (strstr (line, "forward direct,"));
      g_assert_nonnull (strstr (line, "weight gradient direct —"));
      g_assert_nonnull (strstr (line, "— STRATA_CUDA_CONV=direct: "));
    }
  /* a value it does not know: said, and every way measured (the remembered ones taken) */
  g_setenv ("STRATA_CUDA_CONV", "fft", TRUE);
  g_test_expect_message ("strata-cuda", G_LOG_LEVEL_MESSAGE, "STRATA_CUDA_CONV=fft is not a way*");
  unknown = lenet5_plan ();
  g_test_assert_expected_messages ();
  for (guint i = 0; unknown != NULL && i < 2; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (unknown, i), "— remembered from "));
  g_unsetenv ("STRATA_CUDA_CONV");

  /* a cache that is not ours: its lines do not name ways, so the convolutions are timed */
  {
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    g_autoptr (GString) garbage = g_string_new (NULL);

    for (char **l = lines; *l != NULL; l++)
      if (strchr (*l, '\t') != NULL)
        g_string_append_printf (garbage, "%.*s\tnot ways\n", (int) (strchr (*l, '\t') - *l), *l);
    g_assert_true (g_file_set_contents (cache, garbage->str, -1, &error));
    g_assert_no_error (error);
  }
  remeasured = lenet5_plan ();
  for (guint i = 0; remeasured != NULL && i < 2; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (remeasured, i), "— measured: forward"));
}

int
main (int argc, char *argv[])
{
  g_autofree char *cache_dir = NULL;
  g_autofree char *cache_file = NULL;
  int status;

  /* A cache folder of this run's own (the convolutions' remembered ways), before anything
   * asks GLib where the cache is. */
  cache_dir = g_dir_make_tmp ("strata-cuda-device-XXXXXX", NULL);
  g_assert_nonnull (cache_dir);
  g_setenv ("XDG_CACHE_HOME", cache_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  cuda_probe ();

  g_test_add_func ("/cuda/open", test_open);
  g_test_add_func ("/cuda/memory/too-large", test_memory_too_large);
  g_test_add_func ("/cuda/memory/no-leak", test_memory_no_leak);
  g_test_add_func ("/cuda/refusals", test_refusals);
  g_test_add_func ("/cuda/eval-batch", test_eval_batch);
  g_test_add_func ("/cuda/conv-plan", test_conv_plan);
  status = g_test_run ();
  cuda_probe_clear ();
  cache_file = g_build_filename (cache_dir, "strata", "cuda-conv-ways.txt", NULL);
  g_remove (cache_file);
  g_clear_pointer (&cache_file, g_free);
  cache_file = g_build_filename (cache_dir, "strata", NULL);
  g_rmdir (cache_file);
  g_rmdir (cache_dir);
  return status;
}
