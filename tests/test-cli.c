/* test-cli: strata-cli train, evaluate and activations, run as a person would, on the toy
 * model (built-in data, a second of work). */
#include "strata-config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "test-util.h"

static char *dir;

static char *
path (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* Whether this build's strata-cli can draw (--plot, activations): it needs Cairo. */
static gboolean
cli_draws (void)
{
  return g_strcmp0 (g_getenv ("STRATA_CLI_DRAWS"), "1") == 0;
}

static void
test_train_outputs (void)
{
  g_autofree char *weights = path ("toy.safetensors");
  g_autofree char *csv = path ("toy.csv");
  g_autofree char *png = path ("toy.png");
  g_autofree char *csv_text = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (StTestRun) r = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  guchar header[8] = { 0 };
  FILE *f;

  if (!st_test_have_cli ())
    return;
  if (cli_draws ())
    st_test_cli (&r, "train", "toy", "--epochs", "5", "--json", "--save", weights, "--metrics", csv,
         "--plot", png, "--device", "cpu", NULL);
  else
    st_test_cli (&r, "train", "toy", "--epochs", "5", "--json", "--save", weights, "--metrics", csv,
         "--device", "cpu", NULL);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  for (int i = 0; i < 5; i++)
    {
      static const char *const keys[] = { "epoch", "train_loss", "train_acc", "test_loss",
                                          "test_acc", "examples_per_sec", "seconds" };
      JsonObject *o;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      o = json_node_get_object (json_parser_get_root (parser));
      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_has_member (o, keys[k]));
      g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, i + 1);
    }
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv_text, "epoch,train_loss,train_acc,test_loss,test_acc"));
  {
    g_auto (GStrv) rows = g_strsplit (csv_text, "\n", -1);
    g_assert_cmpint (g_strv_length (rows), ==, 7);
  }
  if (cli_draws ())
    {
      f = fopen (png, "rb");
      g_assert_nonnull (f);
      g_assert_cmpuint (fread (header, 1, 8, f), ==, 8);
      fclose (f);
      g_assert_cmpmem (header, 4, "\x89PNG", 4);
    }
  g_assert_true (g_file_test (weights, G_FILE_TEST_IS_REGULAR));
}

/* Each line of a --json run without its timing fields. */
static char *
without_timing (const char *out)
{
  g_autoptr (GRegex) timing = g_regex_new (", \"(examples_per_sec|seconds)\": [^,}]*", 0, 0, NULL);

  return g_regex_replace_literal (timing, out, -1, 0, "", 0, NULL);
}

/* The toy model (Adam) four epochs straight, against two epochs with --checkpoint and then
 * --resume of that file up to four (writing on to the same file): the same epoch lines but
 * for their timing. Weights alone resume with a notice, --json or not. */
static void
test_resume_exact (void)
{
  g_autofree char *ckpt = path ("toy-state.safetensors");
  g_autofree char *weights = path ("toy-best.safetensors");
  g_autofree char *straight = NULL, *joined = NULL;
  g_auto (StTestRun) all = { 0 };
  g_auto (StTestRun) first = { 0 };
  g_auto (StTestRun) rest = { 0 };
  g_auto (StTestRun) plain = { 0 };

  if (!st_test_have_cli ())
    return;
  st_test_cli (&all, "train", "toy", "--epochs", "4", "--json", "--device", "cpu", NULL);
  st_test_cli (&first, "train", "toy", "--epochs", "2", "--json", "--device", "cpu",
               "--checkpoint", ckpt, "--save", weights, NULL);
  st_test_cli (&rest, "train", "toy", "--epochs", "4", "--json", "--device", "cpu",
               "--checkpoint", ckpt, "--resume", ckpt, NULL);
  g_assert_cmpint (all.status, ==, 0);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_cmpint (rest.status, ==, 0);
  g_assert_cmpstr (rest.err, ==, "");
  straight = without_timing (all.out);
  joined = g_strconcat (first.out, rest.out, NULL);
  g_free (g_steal_pointer (&first.out));
  first.out = without_timing (joined);
  g_test_message ("%s", straight);
  g_assert_cmpstr (first.out, ==, straight);

  st_test_cli (&plain, "train", "toy", "--epochs", "3", "--json", "--device", "cpu",
               "--resume", weights, NULL);
  g_assert_cmpint (plain.status, ==, 0);
  g_assert_nonnull (strstr (plain.err, "holds weights only"));
  /* after the best epoch the file was saved at (1 or 2), up to 3 in all */
  {
    g_auto (GStrv) lines = g_strsplit (g_strstrip (plain.out), "\n", -1);
    int from = g_str_has_prefix (lines[0], "{\"epoch\": 2,") ? 2
               : g_str_has_prefix (lines[0], "{\"epoch\": 3,") ? 3 : 0;

    g_assert_cmpint (from, >, 0);
    g_assert_cmpint (g_strv_length (lines), ==, 3 - from + 1);
  }
}

/* The one run folder under runs, or NULL while there is none. */
static char *
only_run (const char *runs)
{
  g_autoptr (GDir) d = g_dir_open (runs, 0, NULL);
  const char *name;
  char *found = NULL;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_assert_null (found);
      found = g_build_filename (runs, name, NULL);
    }
  return found;
}

static int
epochs_recorded (const char *run_dir)
{
  g_autofree char *path = run_dir != NULL ? g_build_filename (run_dir, "epochs.jsonl", NULL)
                                          : NULL;
  g_autofree char *text = NULL;
  int n = 0;

  if (path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* kill -9 in the middle of a run: its record holds every completed epoch, `runs list`
 * shows it interrupted, and `train --resume RUN` continues it in the same folder. */
static void
test_kill_and_resume (void)
{
  g_autofree char *runs = path ("runs-killed");
  g_autofree char *run_dir = NULL, *model = NULL, *id = NULL, *expected = NULL;
  g_auto (GStrv) env = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_auto (StTestRun) list = { 0 };
  g_auto (StTestRun) resumed = { 0 };
  const char *argv[] = { g_getenv ("STRATA_CLI"), "train", "toy", "--epochs", "100000",
                         "--device", "cpu", "--json", NULL };
  JsonObject *o;
  GPid pid;
  int status, done;

  if (!st_test_have_cli ())
    return;
  env = g_environ_setenv (g_get_environ (), "STRATA_RUNS_DIR", runs, TRUE);
  g_assert_true (g_spawn_async (NULL, (char **) argv, env,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 6000 && epochs_recorded (run_dir) < 3; i++)
    {
      g_usleep (10000);
      if (run_dir == NULL)
        run_dir = only_run (runs);
    }
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFSIGNALED (status));
  done = epochs_recorded (run_dir);
  g_assert_cmpint (done, >=, 3);

  st_test_cli (&list, "runs", "list", "--json", "--dir", runs, NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, list.out, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))),
                    ==, 1);
  o = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "interrupted");
  g_assert_cmpint (json_object_get_int_member (o, "epochs_done"), >=, done);
  id = g_strdup (json_object_get_string_member (o, "id"));

  /* the checkpoint may be one epoch behind the lines (killed between them): the run goes
   * on from it, two epochs further, and ends up with every epoch once */
  model = g_build_filename (run_dir, "model.strata.json", NULL);
  expected = g_strdup_printf ("%d", done + 2);
  g_setenv ("STRATA_RUNS_DIR", runs, TRUE);
  st_test_cli (&resumed, "train", model, "--resume", id, "--epochs", expected, "--device", "cpu",
               "--json", NULL);
  g_unsetenv ("STRATA_RUNS_DIR");
  g_assert_cmpint (resumed.status, ==, 0);
  g_assert_null (strstr (resumed.err, "holds weights only"));
  g_assert_cmpint (epochs_recorded (run_dir), ==, done + 2);
  g_assert_true (g_str_has_suffix (g_strstrip (resumed.out), "}"));
  {
    g_auto (GStrv) lines = g_strsplit (resumed.out, "\n", -1);
    g_autofree char *last = g_strdup_printf ("{\"epoch\": %d,", done + 2);

    g_assert_true (g_str_has_prefix (lines[g_strv_length (lines) - 1], last));
  }
}

/* A grey w×h PNG of one value. */
static void
write_grey_png (const char *folder, const char *name, int w, int h, guint8 v)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  g_autofree char *file = g_build_filename (folder, name, NULL);
  g_autoptr (GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, (guint32) v << 24 | (guint32) v << 16 | (guint32) v << 8);
  g_assert_true (gdk_pixbuf_save (pixbuf, file, "png", &error, NULL));
  g_assert_no_error (error);
}

/* Images of several sizes: refused with the way out named, then trained on with
 * --resize-images, scaled to the model's input. */
static void
test_resize_images (void)
{
  g_autofree char *images = path ("mixed-sizes");
  g_autofree char *model = path ("mixed.strata.json");
  g_autofree char *json = NULL;
  g_auto (StTestRun) refused = { 0 };
  g_auto (StTestRun) resized = { 0 };
  g_auto (GStrv) lines = NULL;

  if (!st_test_have_cli ())
    return;
  for (int c = 0; c < 2; c++)
    {
      g_autofree char *folder = g_build_filename (images, c == 0 ? "dark" : "light", NULL);

      g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      for (int i = 0; i < 5; i++)
        {
          g_autofree char *name = g_strdup_printf ("%d.png", i);

          write_grey_png (folder, name, 6 + i, 8 - i, c == 0 ? 20 : 230);
        }
    }
  json = g_strdup_printf ("{\"format\": \"strata-model/1\", \"name\": \"mixed\","
                          " \"input\": {\"channels\": 1, \"height\": 7, \"width\": 7},"
                          " \"layers\": [{\"type\": \"Flatten\"},"
                          " {\"type\": \"Linear\", \"in_features\": 49, \"out_features\": 2}],"
                          " \"training\": {\"dataset\": \"%s\", \"epochs\": 1,"
                          " \"batch_size\": 2}}", images);
  g_assert_true (g_file_set_contents (model, json, -1, NULL));

  st_test_cli (&refused, "train", model, "--device", "cpu", "--json", NULL);
  g_assert_cmpint (refused.status, ==, 1);
  g_assert_nonnull (strstr (refused.err, "the images must all be"));
  g_assert_nonnull (strstr (refused.err, "--resize-images"));

  st_test_cli (&resized, "train", model, "--device", "cpu", "--json", "--resize-images", NULL);
  g_assert_cmpint (resized.status, ==, 0);
  lines = g_strsplit (g_strstrip (resized.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_nonnull (strstr (lines[0], "\"epoch\": 1"));
}

static void
test_evaluate_and_activations (void)
{
  g_autofree char *weights = path ("toy.safetensors");
  g_autofree char *png = path ("activations.png");
  g_auto (StTestRun) eval = { 0 };
  g_auto (StTestRun) act = { 0 };
  g_auto (StTestRun) missing = { 0 };

  if (!st_test_have_cli ())
    return;
  if (!g_file_test (weights, G_FILE_TEST_EXISTS))
    {
      g_auto (StTestRun) r = { 0 };
      st_test_cli (&r, "train", "toy", "--epochs", "5", "--save", weights, "--device", "cpu", NULL);
    }
  st_test_cli (&eval, "evaluate", "toy", "--weights", weights, "--json", "--device", "cpu", NULL);
  g_assert_cmpint (eval.status, ==, 0);
  g_assert_nonnull (strstr (eval.out, "\"test_acc\": "));
  st_test_cli (&act, "activations", "toy", "--weights", weights, "--image", "1", "--out", png,
       "--device", "cpu", NULL);
  if (!cli_draws ())
    {
      /* A build without Cairo says so instead of drawing. */
      g_assert_cmpint (act.status, ==, 2);
      g_assert_nonnull (strstr (act.err, "Cairo"));
      return;
    }
  g_assert_cmpint (act.status, ==, 0);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  st_test_cli (&missing, "activations", "toy", "--weights", weights, "--image", "7", "--out", png,
       "--device", "cpu", NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_nonnull (strstr (missing.err, "image 7 is not in the test set"));
}

static void
test_bad_arguments (void)
{
  g_autofree char *weights = path ("toy.safetensors");
  g_auto (StTestRun) optim = { 0 };
  g_auto (StTestRun) neg = { 0 };
  g_auto (StTestRun) noweights = { 0 };
  g_auto (StTestRun) wrong = { 0 };
  g_auto (StTestRun) cuda = { 0 };
  g_auto (StTestRun) plot = { 0 };

  if (!st_test_have_cli ())
    return;
  st_test_cli (&optim, "train", "toy", "--optimizer", "rmsprop", NULL);
  g_assert_cmpint (optim.status, ==, 2);
  g_assert_nonnull (strstr (optim.err, "--optimizer must be sgd, adam or adamw"));
  st_test_cli (&neg, "train", "toy", "--epochs", "-3", NULL);
  g_assert_cmpint (neg.status, ==, 2);
  st_test_cli (&noweights, "evaluate", "toy", NULL);
  g_assert_cmpint (noweights.status, ==, 2);
  g_assert_nonnull (strstr (noweights.err, "--weights"));

  /* Weights of another model: the message names the tensor. */
  if (g_file_test (weights, G_FILE_TEST_EXISTS))
    {
      g_autofree char *wide = path ("wide-toy.strata.json");
      g_file_set_contents (wide,
                           "{\"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}, "
                           "\"layers\": [{\"type\": \"Conv2d\", \"out_channels\": 2, "
                           "\"kernel_size\": 3}, {\"type\": \"MaxPool2d\", \"kernel_size\": 2},"
                           " {\"type\": \"ReLU\"}, {\"type\": \"Flatten\"}, "
                           "{\"type\": \"Linear\", \"out_features\": 1}, {\"type\": \"Sigmoid\"}],"
                           " \"training\": {\"dataset\": \"toy\", \"loss\": \"BCELoss\"}}",
                           -1, NULL);
      st_test_cli (&wrong, "evaluate", wide, "--weights", weights, "--device", "cpu", NULL);
      g_assert_cmpint (wrong.status, ==, 1);
      g_assert_nonnull (strstr (wrong.err, "0.weight has shape [1, 1, 3, 3] in the file but the "
                                           "model needs [2, 1, 3, 3]"));
    }

  st_test_cli (&plot, "train", "toy", "--epochs", "1", "--plot", "/nonexistent/dir/chart.png",
       "--device", "cpu", NULL);
  g_assert_nonnull (strstr (plot.err, cli_draws () ? "/nonexistent/dir/chart.png" : "Cairo"));

  /* --device cuda where CUDA is absent: exit 1 with the reason. */
  g_setenv ("STRATA_GPU_MODULE_DIR", "/nonexistent", TRUE);
  st_test_cli (&cuda, "train", "toy", "--epochs", "1", "--device", "cuda", NULL);
  if (cuda.status == 0)
    {
      g_test_skip ("a CUDA device is present");
      return;
    }
  g_assert_cmpint (cuda.status, ==, 1);
  g_assert_nonnull (strstr (cuda.err, "CUDA is not available"));
}

/* strata-cli with `args` under LANGUAGE=zh_CN.UTF-8, as the build tree's program finds its
 * catalogue; FALSE (the case skipped) without the catalogue or a C.UTF-8 locale. */
static gboolean
cli_zh_CN (StTestRun *run, const char *const *args)
{
  g_autofree char *mo = g_build_filename (STRATA_BUILD_LOCALEDIR, "zh_CN", "LC_MESSAGES",
                                          GETTEXT_PACKAGE ".mo", NULL);
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  locale_t c_utf8;

  if (!st_test_have_cli ())
    return FALSE;
  if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no zh_CN catalogue in the build tree (gettext's msgfmt missing?)");
      return FALSE;
    }
  if ((c_utf8 = newlocale (LC_ALL_MASK, "C.UTF-8", (locale_t) 0)) == (locale_t) 0)
    {
      g_test_skip ("no C.UTF-8 locale");
      return FALSE;
    }
  freelocale (c_utf8);
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "LANGUAGE", "zh_CN.UTF-8", TRUE);
  env = g_environ_unsetenv (env, "STRATA_LOCALEDIR");
  g_ptr_array_add (argv, (char *) g_getenv ("STRATA_CLI"));
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &run->out,
                &run->err, &run->wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (run->wait_status) ? WEXITSTATUS (run->wait_status) : -1;
  return TRUE;
}

/* The course's broken LeNet: core's error about the layer, and the summary's words around
 * it, in Chinese; the torchsummary table itself stays as PyTorch prints it. */
static void
test_summary_zh_CN (void)
{
  g_autofree char *model = g_test_build_filename (G_TEST_DIST, "data",
                                                  "course-broken.strata.json", NULL);
  const char *const summary[] = { "summary", model, NULL };
  const char *const missing[] = { "summary", "no-such-model.strata.json", NULL };
  g_auto (StTestRun) r = { 0 };
  g_auto (StTestRun) m = { 0 };

  if (!cli_zh_CN (&r, summary))
    return;
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "Layer (type)"));
  g_assert_nonnull (strstr (r.out, "1 个错误：\n"));
  g_assert_nonnull (strstr (r.out, "层 8（AvgPool2d-9）：输入为 16×1×1，小于 2×2 的窗口"));
  g_assert_null (strstr (r.out, "smaller than"));

  g_assert_true (cli_zh_CN (&m, missing));
  g_test_message ("%s", m.err);
  g_assert_cmpint (m.status, ==, 1);
  g_assert_nonnull (strstr (m.err, "no-such-model.strata.json：无法读取："));
}

/* The command list and an option's help, in Chinese; --json keys stay as they are. */
static void
test_help_and_json_zh_CN (void)
{
  const char *const usage[] = { "--help", NULL };
  const char *const help[] = { "train", "--help", NULL };
  const char *const json[] = { "summary", "lenet5", "--json", NULL };
  g_auto (StTestRun) u = { 0 };
  g_auto (StTestRun) h = { 0 };
  g_auto (StTestRun) j = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!cli_zh_CN (&u, usage))
    return;
  g_assert_cmpint (u.status, ==, 0);
  g_assert_nonnull (strstr (u.out, "训练模型并报告每一轮"));
  g_assert_true (cli_zh_CN (&h, help));
  g_assert_nonnull (strstr (h.out, "训练轮数"));
  g_assert_true (cli_zh_CN (&j, json));
  g_assert_cmpint (j.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, NULL));
  g_assert_true (json_object_has_member (json_node_get_object (json_parser_get_root (parser)),
                                         "total_params"));
}

/* bench -v names each convolution's ways and what chose them, in the table and in --json. */
static void
test_bench_plan (void)
{
  g_auto (StTestRun) r = { 0 };
  g_auto (StTestRun) j = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  JsonArray *plan;

  if (!st_test_have_cli ())
    return;
  st_test_cli (&r, "bench", "lenet5", "--device", "cpu", "--steps", "1", "-v", NULL);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\n  0 conv2d (1→6 channels, 5×5 kernel, stride 1, padding 2, "
                                   "28×28 input, batch 256): forward "));
  g_assert_nonnull (strstr (r.out, "\n  3 conv2d (6→16 channels, 5×5 kernel, stride 1, "
                                   "padding 0, 14×14 input, batch 256): forward "));
  g_assert_nonnull (strstr (r.out, "input gradient not needed"));
  g_assert_nonnull (strstr (r.out, "— by shape"));

  st_test_cli (&j, "bench", "lenet5", "--device", "cpu", "--steps", "1", "-v", "--json", NULL);
  g_assert_cmpint (j.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  plan = json_object_get_array_member (o, "plan");
  g_assert_nonnull (plan);
  g_assert_cmpuint (json_array_get_length (plan), ==, 2);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (plan, 1), "3 conv2d (6→16"));

  /* without -v, no plan */
  st_test_run_clear (&j);
  st_test_cli (&j, "bench", "lenet5", "--device", "cpu", "--steps", "1", "--json", NULL);
  g_assert_cmpint (j.status, ==, 0);
  g_assert_null (strstr (j.out, "\"plan\""));
}

/* --loop-gaps: the main loop's lateness over the run, as the last line of --json. */
static void
test_loop_gaps (void)
{
  g_auto (StTestRun) r = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  JsonObject *o;
  guint n;

  if (!st_test_have_cli ())
    return;
  st_test_cli (&r, "train", "toy", "--epochs", "2", "--no-record", "--json", "--loop-gaps",
               NULL);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (g_strchomp (r.out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (json_parser_load_from_data (parser, lines[n - 1], -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (o, "main_loop_ticks"));
  g_assert_cmpfloat (json_object_get_double_member (o, "main_loop_p99_gap_ms"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "main_loop_worst_gap_ms"), >=,
                     json_object_get_double_member (o, "main_loop_p99_gap_ms"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  dir = st_test_make_tmp ("strata-cli-XXXXXX");

  g_test_add_func ("/cli/train-outputs", test_train_outputs);
  g_test_add_func ("/cli/evaluate-and-activations", test_evaluate_and_activations);
  g_test_add_func ("/cli/bad-arguments", test_bad_arguments);
  g_test_add_func ("/cli/resume-exact", test_resume_exact);
  g_test_add_func ("/cli/kill-and-resume", test_kill_and_resume);
  g_test_add_func ("/cli/resize-images", test_resize_images);
  g_test_add_func ("/cli/bench-plan", test_bench_plan);
  g_test_add_func ("/cli/loop-gaps", test_loop_gaps);
  g_test_add_func ("/cli/summary-zh_CN", test_summary_zh_CN);
  g_test_add_func ("/cli/help-and-json-zh_CN", test_help_and_json_zh_CN);
  status = g_test_run ();

  st_test_remove_tree (dir);
  g_free (dir);
  return status;
}
