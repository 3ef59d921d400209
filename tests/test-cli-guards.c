/* test-cli-guards: what strata-cli refuses before it starts, and what it writes whatever the
 * locale —
 *
 *   /cli-guards/options             an option that means "nothing" or is not a number is an
 *                                   error naming the option and the value
 *   /cli-guards/outputs-first       an output that cannot be written fails before training
 *   /cli-guards/output-is-input     an output that is the model, the dataset's file or another
 *                                   output is refused, and the file is untouched
 *   /cli-guards/model-too-large     bench and train on a model whose parameters fit no
 *                                   memory: a message, exit 1, no abort
 *   /cli-guards/locale              metrics CSV, JSON lines and the checkpoint's metadata
 *                                   under a comma-decimal locale (built with localedef)
 *   /cli-guards/outputs-keep-links  --metrics, --plot and --save through a symbolic link write its
 *                                   target (the link stays a link), and keep a file's mode
 *   /cli-guards/broken-weights      weights holding NaN or infinity are refused, naming the
 *                                   file and the tensor, for evaluate and train --resume
 *   /cli-guards/sigterm             a kill (SIGTERM) mid-run stops it as Ctrl+C does: "stopped",
 *                                   the last checkpoint whole, no temporary file left
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-util.h"

static char *dir;

static char *
path (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
assert_usage_error (const char *const *args, const char *message)
{
  g_auto (StTestRun) r = { 0 };

  st_test_cli_argv (&r, args);
  g_assert_cmpint (r.status, ==, 2);
  if (strstr (r.err, message) == NULL)
    g_test_fail_printf ("%s %s: expected “%s” in “%s”", args[1], args[2], message, r.err);
}

static void
test_options (void)
{
  static const struct {
    const char *option, *value, *message;
  } rows[] = {
    { "--epochs", "0", "--epochs 0: must be between 1 and 100000" },
    { "--epochs", "abc", "--epochs “abc” is not a whole number" },
    { "--epochs", "99999999999", "--epochs 99999999999: must be between 1 and 100000" },
    { "--batch-size", "0", "--batch-size 0: must be between 1 and 65536" },
    { "--lr", "0", "--lr 0: must be a finite number above 0" },
    { "--lr", "nan", "--lr nan: must be a finite number above 0" },
    { "--lr", "-0.1", "--lr -0.1: must be a finite number above 0" },
    { "--lr", "0,1", "--lr “0,1” is not a number" },
    { "--seed", "-1", "--seed -1: must be between 0 and" },
    { "--threads", "0", "--threads 0: must be between 1 and" },
    { "--limit", "0", "--limit 0: must be between 1 and" },
    { "--dataset", "", "--dataset is empty" },
  };

  if (!st_test_have_cli ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *args[] = { "train", "toy", rows[i].option, rows[i].value, "--device", "cpu",
                             NULL };

      assert_usage_error (args, rows[i].message);
    }
  {
    const char *args[] = { "evaluate", "toy", "--weights", "w.safetensors", "--dataset", "",
                           NULL };

    assert_usage_error (args, "--dataset is empty");
  }
  /* a model without layers: summary says so as train does, exit 1 */
  {
    g_autofree char *empty = path ("empty.strata.json");
    g_auto (StTestRun) summary = { 0 };
    g_auto (StTestRun) train = { 0 };

    g_assert_true (g_file_set_contents (empty, "{\"format\": \"strata-model/1\", \"input\": "
                                        "{\"channels\": 1, \"height\": 4, \"width\": 4}, "
                                        "\"layers\": []}", -1, NULL));
    st_test_cli (&summary, "summary", empty, NULL);
    st_test_cli (&train, "train", empty, "--device", "cpu", NULL);
    g_assert_cmpint (summary.status, ==, 1);
    g_assert_cmpint (train.status, ==, 1);
    g_assert_nonnull (strstr (summary.err, "the model has no layers"));
    g_assert_nonnull (strstr (train.err, "the model has no layers"));
  }
}

/* A run whose output cannot be written ends at once: nothing trained, nothing printed. */
static void
assert_refused_first (const char *option, const char *target, const char *message)
{
  g_auto (StTestRun) r = { 0 };

  st_test_cli (&r, "train", "toy", "--epochs", "3", "--json", "--device", "cpu", option, target,
               NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  if (strstr (r.err, message) == NULL)
    g_test_fail_printf ("%s %s: expected “%s” in “%s”", option, target, message, r.err);
}

static void
test_outputs_first (void)
{
  g_autofree char *fifo = path ("fifo");
  g_autofree char *readonly = path ("readonly.csv");

  if (!st_test_have_cli ())
    return;
  assert_refused_first ("--metrics", "/nonexistent/folder/m.csv",
                        "the folder /nonexistent/folder does not exist");
  assert_refused_first ("--plot", "/nonexistent/folder/chart.png",
                        "the folder /nonexistent/folder does not exist");
  assert_refused_first ("--save", dir, "a folder, not a regular file");
  assert_refused_first ("--plot", dir, "a folder, not a regular file");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_refused_first ("--save", fifo, "a FIFO, not a regular file");
  g_assert_true (g_file_set_contents (readonly, "kept\n", -1, NULL));
  g_assert_cmpint (g_chmod (readonly, 0444), ==, 0);
  assert_refused_first ("--metrics", readonly, "the file cannot be written");
  {
    g_autofree char *jpg = path ("chart.jpg");

    assert_refused_first ("--plot", jpg, "must end in .png or .svg");
  }
}

static void
assert_untouched (const char *file, GBytes *before)
{
  g_autoptr (GBytes) after = st_test_read_bytes (file);

  g_assert_true (g_bytes_equal (before, after));
}

static void
test_output_is_input (void)
{
  g_autofree char *model = path ("model.strata.json");
  g_autofree char *model_dot = NULL;
  g_autofree char *link = path ("model-link.json");
  g_autofree char *data = path ("bars");
  g_autofree char *images = NULL;
  g_autofree char *out = path ("out.bin");
  g_autofree char *preset = g_test_build_filename (G_TEST_DIST, "..", "resources", "presets",
                                                   "toy.strata.json", NULL);
  g_autoptr (GBytes) model_bytes = NULL, image_bytes = NULL;

  if (!st_test_have_cli ())
    return;
  model_bytes = st_test_read_bytes (preset);
  g_assert_true (g_file_set_contents (model, g_bytes_get_data (model_bytes, NULL),
                                      g_bytes_get_size (model_bytes), NULL));
  g_assert_cmpint (symlink (model, link), ==, 0);
  model_dot = g_strconcat (dir, "/./model.strata.json", NULL);
  for (int i = 0; i < 3; i++)
    {
      const char *target = i == 0 ? model : i == 1 ? model_dot : link;
      g_auto (StTestRun) r = { 0 };

      st_test_cli (&r, "train", model, "--epochs", "1", "--device", "cpu", "--save", target,
                   NULL);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, "is the model"));
      assert_untouched (model, model_bytes);
    }

  g_assert_cmpint (g_mkdir (data, 0755), ==, 0);
  st_test_write_bars (data, "train", &ST_TEST_BARS_MNIST, 64, 1);
  st_test_write_bars (data, "t10k", &ST_TEST_BARS_MNIST, 32, 2);
  images = g_build_filename (data, "train-images-idx3-ubyte", NULL);
  if (!g_file_test (images, G_FILE_TEST_EXISTS))
    {
      g_free (images);
      images = g_build_filename (data, "train-images-idx3-ubyte.gz", NULL);
    }
  image_bytes = st_test_read_bytes (images);
  {
    g_auto (StTestRun) r = { 0 };

    st_test_cli (&r, "train", "lenet5", "--dataset", data, "--epochs", "1", "--device", "cpu",
                 "--save", images, NULL);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "is a file of the dataset"));
    assert_untouched (images, image_bytes);
  }
  {
    g_auto (StTestRun) r = { 0 };

    st_test_cli (&r, "train", "toy", "--epochs", "1", "--device", "cpu", "--save", out,
                 "--metrics", out, NULL);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "--save and --metrics both name"));
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
}

static void
test_model_too_large (void)
{
  g_autofree char *model = path ("huge.strata.json");
  const char *commands[] = { "bench", "train" };

  if (!st_test_have_cli ())
    return;
  /* Linear 16 → 2·10^9 → 10 on the toy's 4×4 images: 5.2·10^10 parameters, 208 GB of
   * weights before their gradients, more than the machines this runs on have. */
  g_assert_true (g_file_set_contents (model,
    "{\"format\": \"strata-model/1\", \"name\": \"huge\", "
    "\"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}, \"layers\": ["
    "{\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"out_features\": 2000000000}, "
    "{\"type\": \"Linear\", \"out_features\": 10}], "
    "\"training\": {\"dataset\": \"toy\", \"epochs\": 1, \"batch_size\": 2}}", -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (StTestRun) r = { 0 };

      st_test_cli (&r, commands[i], model, "--device", "cpu", NULL);
      g_assert_cmpint (r.status, ==, 1);
      if (strstr (r.err, "too large for memory") == NULL)
        g_test_fail_printf ("%s: expected “too large for memory” in “%s”", commands[i], r.err);
      g_assert_null (strstr (r.err, "CRITICAL"));
    }
}

/* A comma-decimal locale made for this test: de_DE from glibc's sources, into a folder of
 * its own (LOCPATH), so that no system locale needs installing. */
static char *
make_comma_locale (void)
{
  g_autofree char *locales = path ("locales");
  g_autofree char *target = NULL;
  const char *argv[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", NULL, NULL };
  int wait_status = 0;

  g_mkdir (locales, 0755);
  target = g_build_filename (locales, "de_DE.UTF-8", NULL);
  argv[5] = target;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                     | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &wait_status, NULL)
      || !g_file_test (target, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_steal_pointer (&locales);
}

static void
test_locale (void)
{
  g_autofree char *locales = NULL;
  g_autofree char *csv = path ("locale.csv");
  g_autofree char *weights = path ("locale.safetensors");
  g_autofree char *csv_text = NULL;
  g_autoptr (GBytes) st = NULL;
  g_auto (GStrv) rows = NULL;
  g_auto (StTestRun) r = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_auto (GStrv) lines = NULL;
  const char *meta;

  if (!st_test_have_cli ())
    return;
  if ((locales = make_comma_locale ()) == NULL)
    {
      g_test_skip ("localedef could not build de_DE.UTF-8 (glibc's locale sources missing)");
      return;
    }
  g_setenv ("LOCPATH", locales, TRUE);
  g_setenv ("LC_ALL", "de_DE.UTF-8", TRUE);
  st_test_cli (&r, "train", "toy", "--epochs", "2", "--json", "--device", "cpu", "--metrics", csv,
               "--save", weights, NULL);
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LOCPATH");
  g_assert_cmpint (r.status, ==, 0);

  lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
  rows = g_strsplit (g_strstrip (csv_text), "\n", -1);
  g_assert_cmpuint (g_strv_length (rows), ==, 3);
  for (guint i = 0; rows[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (rows[i], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 7);
    }
  st = st_test_read_bytes (weights);
  /* the header follows its 8-byte length, which holds zero bytes */
  g_assert_cmpuint (g_bytes_get_size (st), >, 8);
  meta = g_strstr_len ((const char *) g_bytes_get_data (st, NULL) + 8,
                       g_bytes_get_size (st) - 8, "strata.test_acc");
  g_assert_nonnull (meta);
  if (meta != NULL)
    {
      const char *value = strchr (meta + strlen ("strata.test_acc") + 2, '"');

      g_assert_nonnull (value);
      g_assert_true (value != NULL && g_ascii_isdigit (value[1]) && value[2] == '.');
    }
}

static void
test_outputs_keep_links (void)
{
  const char *outputs[][3] = { { "--metrics", "real.csv", "link.csv" },
                               { "--plot", "real.png", "link.png" },
                               { "--save", "real.safetensors", "link.safetensors" } };

  if (!st_test_have_cli ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      g_autofree char *real = path (outputs[i][1]);
      g_autofree char *link = path (outputs[i][2]);
      g_autofree char *target = NULL;
      g_auto (StTestRun) r = { 0 };
      struct stat st;

      if (g_str_equal (outputs[i][0], "--plot")
          && g_strcmp0 (g_getenv ("STRATA_CLI_DRAWS"), "1") != 0)
        continue;
      g_assert_true (g_file_set_contents (real, "old", -1, NULL));
      g_assert_cmpint (g_chmod (real, 0600), ==, 0);
      g_assert_cmpint (symlink (outputs[i][1], link), ==, 0);
      st_test_cli (&r, "train", "toy", "--epochs", "2", "--device", "cpu", outputs[i][0], link,
                   NULL);
      g_assert_cmpint (r.status, ==, 0);
      target = g_file_read_link (link, NULL);
      g_assert_cmpstr (target, ==, outputs[i][1]);          /* still a link, to the same file */
      g_assert_cmpint (lstat (real, &st), ==, 0);
      g_assert_true (S_ISREG (st.st_mode));
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);       /* the mode of the file replaced */
      g_assert_cmpint (st.st_size, >, 3);                  /* the new contents */
    }
}

/* The first float of the tensor data set to `v` (the data follow the 8-byte header length
 * and the header): the first tensor's first value. */
static void
poison_first_float (const char *file, float v)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  guint64 header_len = 0;

  g_assert_true (g_file_get_contents (file, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 8);
  for (int i = 7; i >= 0; i--)
    header_len = header_len << 8 | (guint8) bytes[i];
  g_assert_cmpuint (8 + header_len + sizeof v, <=, len);
  memcpy (bytes + 8 + header_len, &v, sizeof v);
  g_assert_true (g_file_set_contents (file, bytes, len, NULL));
}

static void
test_broken_weights (void)
{
  g_autofree char *weights = path ("broken.safetensors");
  const float values[] = { NAN, INFINITY };

  if (!st_test_have_cli ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_auto (StTestRun) train = { 0 };
      g_auto (StTestRun) eval = { 0 };
      g_auto (StTestRun) resume = { 0 };

      st_test_cli (&train, "train", "toy", "--epochs", "1", "--device", "cpu", "--save", weights,
                   NULL);
      g_assert_cmpint (train.status, ==, 0);
      poison_first_float (weights, values[i]);
      st_test_cli (&eval, "evaluate", "toy", "--weights", weights, "--device", "cpu", NULL);
      g_assert_cmpint (eval.status, ==, 1);
      g_assert_nonnull (strstr (eval.err, "0.weight holds 1 value that is not finite"));
      g_assert_nonnull (strstr (eval.err, weights));
      st_test_cli (&resume, "train", "toy", "--epochs", "1", "--device", "cpu", "--resume",
                   weights, NULL);
      g_assert_cmpint (resume.status, ==, 1);
      g_assert_nonnull (strstr (resume.err, "not finite"));
      g_assert_null (strstr (resume.err, "learning rate"));
    }
}

/* A long run, killed politely once it has saved a checkpoint. */
static void
test_sigterm (void)
{
  g_autofree char *sub = path ("sigterm");
  g_autofree char *weights = NULL;
  g_autofree char *err_text = NULL;
  const char *argv[] = { g_getenv ("STRATA_CLI"), "train", "toy", "--epochs", "100000",
                         "--device", "cpu", "--save", NULL, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = NULL;
  GPid pid;
  int err_fd, wait_status = 0;
  const char *name;
  GString *err = g_string_new (NULL);
  char buf[4096];
  gssize got;

  if (!st_test_have_cli ())
    {
      g_string_free (err, TRUE);
      return;
    }
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  weights = g_build_filename (sub, "toy.safetensors", NULL);
  argv[8] = weights;
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                            &pid, NULL, NULL, &err_fd, &error);
  g_assert_no_error (error);
  /* the first checkpoint's line, then the kill */
  while (strstr (err->str, "saved the best weights") == NULL
         && (got = read (err_fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, got);
  kill (pid, SIGTERM);
  while ((got = read (err_fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, got);
  close (err_fd);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  err_text = g_string_free (err, FALSE);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_nonnull (strstr (err_text, "stopped"));
  g_assert_true (g_file_test (weights, G_FILE_TEST_IS_REGULAR));
  d = g_dir_open (sub, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (strcmp (name, "toy.safetensors") != 0)
      g_test_fail_printf ("left behind in the output folder: %s", name);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  dir = st_test_make_tmp ("strata-cli-guards-XXXXXX");

  g_test_add_func ("/cli-guards/options", test_options);
  g_test_add_func ("/cli-guards/outputs-first", test_outputs_first);
  g_test_add_func ("/cli-guards/output-is-input", test_output_is_input);
  g_test_add_func ("/cli-guards/model-too-large", test_model_too_large);
  g_test_add_func ("/cli-guards/locale", test_locale);
  g_test_add_func ("/cli-guards/outputs-keep-links", test_outputs_keep_links);
  g_test_add_func ("/cli-guards/broken-weights", test_broken_weights);
  g_test_add_func ("/cli-guards/sigterm", test_sigterm);
  status = g_test_run ();

  st_test_remove_tree (dir);
  g_free (dir);
  return status;
}
