/* test-runs: the history of runs read back (core/engine/run-record.h's reading side), and
 * `strata-cli runs list | show | import` — on run folders made by hand in a temporary
 * folder, and a training package's output made with the toy preset's net. */
#include "strata-config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/engine/checkpoint.h"
#include "core/engine/net.h"
#include "core/engine/run-list.h"
#include "core/io/safetensors.h"
#include "core/model/recipe-diff.h"
#include "core/model/spec-read.h"
#include "test-util.h"

static char *tmp;

/* ---- warnings of the reader, caught --------------------------------------------------- */

static GPtrArray *warnings;   /* the messages of strata-runs warnings while catching */

static GLogWriterOutput
catch_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
    else if (strcmp (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  if (warnings != NULL && (level & G_LOG_LEVEL_WARNING) && g_strcmp0 (domain, "strata-runs") == 0)
    {
      g_ptr_array_add (warnings, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

static void
catch_begin (void)
{
  g_assert_null (warnings);
  warnings = g_ptr_array_new_with_free_func (g_free);
}

static GPtrArray *
catch_end (void)
{
  return g_steal_pointer (&warnings);
}

/* ---- run folders by hand -------------------------------------------------------------- */

static char *
new_dir (const char *name)
{
  char *dir = g_build_filename (tmp, name, NULL);

  st_test_remove_tree (dir);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* A run.json with the members a recorded run has; `extra` (",\n \"key\": …" or "") last. */
static char *
record_text (const char *id, const char *started, const char *status, const char *extra)
{
  return g_strdup_printf ("{\"format\": \"strata-run/1\", \"id\": \"%s\", \"name\": \"Run %s\", "
                          "\"note\": \"\", \"status\": \"%s\", \"host\": \"elsewhere\", "
                          "\"pid\": 1, \"started\": \"%s\", \"updated\": \"%s\", "
                          "\"device\": \"CPU\", \"dataset\": \"toy\", \"limit\": 0, "
                          "\"epochs_planned\": 10, \"epochs_done\": 3, \"best_epoch\": 2, "
                          "\"best_test_acc\": 0.75, \"best_test_loss\": 0.5, \"seconds\": 12.5, "
                          "\"examples_per_sec\": 100.0%s}\n", id, id, status, started, started,
                          extra);
}

static char *
epoch_line (int epoch, double test_acc)
{
  return g_strdup_printf ("{\"epoch\": %d, \"train_loss\": 0.5, \"train_acc\": 0.6, "
                          "\"test_loss\": 0.4, \"test_acc\": %g, \"examples_per_sec\": 100.0, "
                          "\"seconds\": 1.5}\n", epoch, test_acc);
}

/* Three epochs, each line whole. */
static char *
three_epochs (void)
{
  g_autofree char *a = epoch_line (1, 0.5), *b = epoch_line (2, 0.75), *c = epoch_line (3, 0.7);

  return g_strconcat (a, b, c, NULL);
}

static char *
make_run (const char *runs, const char *id, const char *started, const char *status)
{
  char *dir = g_build_filename (runs, id, NULL);
  g_autofree char *record = record_text (id, started, status, "");
  g_autofree char *epochs = three_epochs ();

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (dir, "run.json", record);
  write_file (dir, "epochs.jsonl", epochs);
  return dir;
}

static void
save_toy_model (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("toy", &error);
  g_autofree char *path = g_build_filename (dir, "model.strata.json", NULL);

  g_assert_no_error (error);
  g_assert_true (st_spec_save (spec, path, &error));
  g_assert_no_error (error);
}

static void
assert_error_names (const GError *error, const char *what)
{
  g_assert_nonnull (error);
  if (error != NULL && strstr (error->message, what) == NULL)
    g_error ("the error \"%s\" does not name %s", error->message, what);
}

/* ---- the reader ----------------------------------------------------------------------- */

static void
test_status_names (void)
{
  StRunStatus status;

  for (int s = ST_RUN_RUNNING; s <= ST_RUN_INTERRUPTED; s++)
    {
      g_assert_true (st_run_status_from_name (st_run_status_name (s), &status));
      g_assert_cmpint (status, ==, s);
    }
  g_assert_cmpstr (st_run_status_name (ST_RUN_FINISHED), ==, "finished");
  g_assert_false (st_run_status_from_name ("paused", &status));
  g_assert_false (st_run_status_from_name (NULL, &status));
}

static void
test_runs_dir (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("STRATA_RUNS_DIR"));
  g_autofree char *chosen = NULL, *fallback = NULL;

  g_setenv ("STRATA_RUNS_DIR", "/somewhere/runs", TRUE);
  chosen = st_runs_dir ();
  g_assert_cmpstr (chosen, ==, "/somewhere/runs");
  g_unsetenv ("STRATA_RUNS_DIR");
  fallback = st_runs_dir ();
  g_assert_true (g_str_has_suffix (fallback, "/strata/runs"));
  /* the programs these tests start record their runs where meson test says */
  if (saved != NULL)
    g_setenv ("STRATA_RUNS_DIR", saved, TRUE);
}

static void
test_list (void)
{
  g_autofree char *runs = new_dir ("list");
  g_autofree char *a = make_run (runs, "20260101-100000-a", "2026-01-01T10:00:00Z", "finished");
  g_autofree char *b = make_run (runs, "20260301-100000-b", "2026-03-01T10:00:00Z", "stopped");
  g_autofree char *c = make_run (runs, "20260201-100000-c", "2026-02-01T10:00:00Z", "failed");
  g_autofree char *bad = g_build_filename (runs, "20260401-100000-bad", NULL);
  g_autofree char *empty = g_build_filename (runs, "not-a-run", NULL);
  g_autofree char *hidden = g_build_filename (runs, ".partial", NULL);
  g_autofree char *missing = g_build_filename (tmp, "no-such-runs", NULL);
  g_autofree char *file = g_build_filename (tmp, "list-file", NULL);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) caught = NULL;
  g_autoptr (GError) error = NULL;
  const StRun *run;

  /* one run with its model, one folder whose run.json is not a run, one without run.json,
   * one hidden */
  save_toy_model (c);
  g_assert_cmpint (g_mkdir (bad, 0755), ==, 0);
  write_file (bad, "run.json", "{\"format\": \"strata-run/9\"}");
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (hidden, 0755), ==, 0);
  write_file (hidden, "run.json", "{}");

  catch_begin ();
  list = st_runs_list (runs, &error);
  caught = catch_end ();
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((StRun *) list->pdata[0])->id, ==, "20260301-100000-b");
  g_assert_cmpstr (((StRun *) list->pdata[1])->id, ==, "20260201-100000-c");
  g_assert_cmpstr (((StRun *) list->pdata[2])->id, ==, "20260101-100000-a");
  g_assert_cmpuint (caught->len, ==, 1);
  g_assert_nonnull (strstr (caught->pdata[0], "20260401-100000-bad/run.json"));
  g_assert_nonnull (strstr (caught->pdata[0], "strata-run/9"));

  run = list->pdata[0];
  g_assert_cmpstr (run->dir, ==, b);
  g_assert_cmpstr (run->name, ==, "Run 20260301-100000-b");
  g_assert_cmpstr (run->note, ==, "");
  g_assert_cmpint (run->status, ==, ST_RUN_STOPPED);
  g_assert_null (run->message);
  g_assert_cmpstr (run->source, ==, "strata");
  g_assert_cmpstr (run->started, ==, "2026-03-01T10:00:00Z");
  g_assert_cmpstr (run->device, ==, "CPU");
  g_assert_cmpstr (run->dataset, ==, "toy");
  g_assert_cmpint (run->limit, ==, 0);
  g_assert_cmpint (run->epochs_planned, ==, 10);
  g_assert_cmpint (run->epochs_done, ==, 3);
  g_assert_cmpint (run->best_epoch, ==, 2);
  g_assert_cmpfloat (run->best_test_acc, ==, 0.75);
  g_assert_cmpfloat (run->best_test_loss, ==, 0.5);
  g_assert_cmpfloat (run->seconds, ==, 12.5);
  g_assert_cmpfloat (run->examples_per_sec, ==, 100.0);
  g_assert_null (run->spec);
  g_assert_null (run->batches);
  g_assert_cmpuint (run->epochs->len, ==, 3);
  g_assert_cmpfloat (g_array_index (run->epochs, StEpochMetrics, 1).test_acc, ==, 0.75);
  g_assert_cmpint (g_array_index (run->epochs, StEpochMetrics, 2).epoch, ==, 3);
  g_assert_cmpint (((StRun *) list->pdata[1])->status, ==, ST_RUN_FAILED);
  g_assert_nonnull (((StRun *) list->pdata[1])->spec);
  g_assert_cmpstr (((StRun *) list->pdata[1])->spec->name, ==, "Toy 4×4");

  /* no folder: no runs; a file where the folder should be: an error naming it */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = st_runs_list (missing, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  write_file (tmp, "list-file", "");
  g_assert_null (st_runs_list (file, &error));
  assert_error_names (error, "list-file");
}

static void
test_torn_lines (void)
{
  g_autofree char *runs = new_dir ("torn");
  g_autofree char *dir = make_run (runs, "20260101-100000-torn", "2026-01-01T10:00:00Z",
                                   "running");
  g_autofree char *whole = three_epochs ();
  g_autofree char *torn = g_strconcat (whole, "{\"epoch\": 4, \"train_loss\": 0.3, \"tra", NULL);
  g_autofree char *line2 = epoch_line (2, 0.8), *line3 = epoch_line (3, 0.9);
  g_autofree char *middle = NULL, *again = NULL;
  g_autoptr (StRun) run = NULL;
  g_autoptr (GPtrArray) caught = NULL;
  g_autoptr (GError) error = NULL;

  /* kill -9 mid-append: the last line is torn and dropped without a word */
  write_file (dir, "epochs.jsonl", torn);
  write_file (dir, "batches.csv", "epoch,batch,n_batches,loss\n1,1,2,0.7\n1,2,2,nan\n"
                                  "2,1,2,0.5\n2,2,2,0.");
  catch_begin ();
  run = st_run_load (dir, TRUE, &error);
  caught = catch_end ();
  g_assert_no_error (error);
  g_assert_cmpuint (caught->len, ==, 0);
  g_assert_cmpuint (run->epochs->len, ==, 3);
  g_assert_cmpint (g_array_index (run->epochs, StEpochMetrics, 2).epoch, ==, 3);
  g_assert_nonnull (run->batches);
  /* "2,2,2,0." reads, but without its newline it is the torn end of "2,2,2,0.41\n" */
  g_assert_cmpuint (run->batches->len, ==, 3);
  g_assert_true (isnan (g_array_index (run->batches, StRunBatch, 1).loss));
  g_assert_cmpint (g_array_index (run->batches, StRunBatch, 2).epoch, ==, 2);
  g_assert_cmpint (g_array_index (run->batches, StRunBatch, 2).batch, ==, 1);
  g_assert_cmpint (g_array_index (run->batches, StRunBatch, 2).n_batches, ==, 2);
  g_assert_cmpfloat (g_array_index (run->batches, StRunBatch, 2).loss, ==, 0.5);
  g_clear_pointer (&run, st_run_free);
  g_clear_pointer (&caught, g_ptr_array_unref);

  /* a bad line before the last: skipped with a warning naming the file and the line; the
   * epochs after it still read; a null number (a diverged epoch) reads as NaN */
  middle = g_strconcat ("{\"epoch\": 1, \"train_loss\": null, \"test_acc\": 0.5}\n",
                        "{\"epoch\": 2, \"tr\n", "\n", line3, NULL);
  write_file (dir, "epochs.jsonl", middle);
  catch_begin ();
  run = st_run_load (dir, FALSE, &error);
  caught = catch_end ();
  g_assert_no_error (error);
  g_assert_cmpuint (run->epochs->len, ==, 2);
  g_assert_true (isnan (g_array_index (run->epochs, StEpochMetrics, 0).train_loss));
  g_assert_cmpint (g_array_index (run->epochs, StEpochMetrics, 1).epoch, ==, 3);
  g_assert_cmpuint (caught->len, ==, 1);
  g_assert_nonnull (strstr (caught->pdata[0], "epochs.jsonl: line 2"));
  g_clear_pointer (&run, st_run_free);

  /* killed after an epoch's line, before run.json counted it: the line says it ended */
  {
    g_autofree char *line4 = epoch_line (4, 0.9);
    g_autofree char *four = g_strconcat (whole, line4, NULL);

    write_file (dir, "epochs.jsonl", four);
    run = st_run_load (dir, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpint (run->epochs_done, ==, 4);
    g_assert_cmpint (run->best_epoch, ==, 2);
    g_clear_pointer (&run, st_run_free);
  }

  /* a run continued from epoch 1 trained epoch 2 again: the later line counts */
  again = g_strconcat (whole, line2, NULL);
  write_file (dir, "epochs.jsonl", again);
  run = st_run_load (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run->epochs->len, ==, 2);
  g_assert_cmpfloat (g_array_index (run->epochs, StEpochMetrics, 1).test_acc, ==, 0.8);
  g_assert_cmpint (run->epochs_done, ==, 3);
}

static void
test_not_a_run (void)
{
  static const struct {
    const char *text;
    const char *says;
  } cases[] = {
    { "{\"format\": \"strata-run/1\", \"status\": ", "not valid JSON" },
    { "[1, 2]", "not a Strata run record" },
    { "{\"status\": \"finished\"}", "not a Strata run record (no \"format\"" },
    { "{\"format\": \"strata-model/1\", \"layers\": []}", "format \"strata-model/1\"" },
    { "{\"format\": \"strata-run/1\", \"status\": \"finished\", \"epochs_done\": \"three\"}",
      "\"epochs_done\" must be a whole number" },
    { "{\"format\": \"strata-run/1\", \"status\": \"finished\", \"best_epoch\": -1}",
      "\"best_epoch\" must be a whole number" },
    { "{\"format\": \"strata-run/1\", \"status\": \"finished\", \"seconds\": \"long\"}",
      "\"seconds\" must be a number" },
    { "{\"format\": \"strata-run/1\", \"status\": \"finished\", \"name\": 5}",
      "\"name\" must be a string" },
    { "{\"format\": \"strata-run/1\", \"status\": \"paused\"}", "not \"paused\"" },
    { "{\"format\": \"strata-run/1\"}", "\"status\" must be" },
  };
  g_autofree char *dir = new_dir ("not-a-run");
  g_autofree char *record = g_build_filename (dir, "run.json", NULL);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (StRun) run = NULL;

      write_file (dir, "run.json", cases[i].text);
      run = st_run_load (dir, FALSE, &error);
      g_assert_null (run);
      assert_error_names (error, record);
      assert_error_names (error, cases[i].says);
      g_clear_error (&error);
    }
  g_assert_false (st_run_set_name (dir, "x", &error));
  assert_error_names (error, record);
  g_clear_error (&error);
  g_unlink (record);
  g_assert_null (st_run_load (dir, FALSE, &error));
  assert_error_names (error, record);
  g_assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}

static void
test_interrupted (void)
{
  g_autofree char *runs = new_dir ("interrupted");
  g_autofree char *dir = g_build_filename (runs, "20260101-100000-gone", NULL);
  const char *argv[] = { "true", NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;
  int status;
  struct {
    const char *host;
    int         pid;
    StRunStatus reads;
  } cases[3];

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  /* its process gone on this host; gone on another host (not ours to say); alive here */
  cases[0].host = g_get_host_name (), cases[0].pid = pid, cases[0].reads = ST_RUN_INTERRUPTED;
  cases[1].host = "another-host.example", cases[1].pid = pid, cases[1].reads = ST_RUN_RUNNING;
  cases[2].host = g_get_host_name (), cases[2].pid = getpid (), cases[2].reads = ST_RUN_RUNNING;
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;
      g_autoptr (StRun) run = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, "strata-run/1");
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, "running");
      json_builder_set_member_name (b, "host");
      json_builder_add_string_value (b, cases[i].host);
      json_builder_set_member_name (b, "pid");
      json_builder_add_int_value (b, cases[i].pid);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      text = json_generator_to_data (gen, NULL);
      write_file (dir, "run.json", text);
      run = st_run_load (dir, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpint (run->status, ==, cases[i].reads);
    }
}

static void
test_find (void)
{
  g_autofree char *runs = new_dir ("find");
  g_autofree char *a = make_run (runs, "20260101-100000-lenet-5", "2026-01-01T10:00:00Z",
                                 "finished");
  g_autofree char *b = make_run (runs, "20260101-110000-lenet-5", "2026-01-01T11:00:00Z",
                                 "finished");
  g_autofree char *c = make_run (runs, "20260202-100000-toy", "2026-02-02T10:00:00Z", "finished");
  g_autofree char *plain = g_build_filename (tmp, "plain-folder", NULL);
  g_autofree char *found = NULL;
  g_autoptr (GError) error = NULL;

  found = st_run_find (runs, "20260101-100000-lenet-5", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, a);
  g_clear_pointer (&found, g_free);
  found = st_run_find (runs, "202602", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, c);
  g_clear_pointer (&found, g_free);
  found = st_run_find ("/no/such/runs", b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, b);
  g_clear_pointer (&found, g_free);

  /* a prefix of two: the error lists both */
  g_assert_null (st_run_find (runs, "20260101", &error));
  assert_error_names (error, "\"20260101\"");
  assert_error_names (error, "20260101-100000-lenet-5, 20260101-110000-lenet-5");
  g_clear_error (&error);
  g_assert_null (st_run_find (runs, "2027", &error));
  assert_error_names (error, "\"2027\"");
  assert_error_names (error, runs);
  g_assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  g_clear_error (&error);
  g_assert_null (st_run_find (runs, "", &error));
  g_clear_error (&error);
  /* a folder that is no run */
  g_assert_cmpint (g_mkdir_with_parents (plain, 0755), ==, 0);
  g_assert_null (st_run_find (runs, plain, &error));
  assert_error_names (error, plain);
  assert_error_names (error, "no run.json");
}

static void
test_name_and_note (void)
{
  g_autofree char *runs = new_dir ("rename");
  g_autofree char *record = record_text ("20260101-100000-x", "2026-01-01T10:00:00Z", "finished",
                                         ", \"extra\": {\"kept\": [1, 2.5, null, true]}");
  g_autofree char *dir = g_build_filename (runs, "20260101-100000-x", NULL);
  g_autofree char *path = g_build_filename (dir, "run.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr (StRun) run = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (dir, "run.json", record);
  g_assert_true (st_run_set_name (dir, "Wider \"LeNet\" 第二", &error));
  g_assert_no_error (error);
  g_assert_true (st_run_set_note (dir, "lr 0.1 was too high\nnext: 0.01", &error));
  g_assert_no_error (error);
  run = st_run_load (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->name, ==, "Wider \"LeNet\" 第二");
  g_assert_cmpstr (run->note, ==, "lr 0.1 was too high\nnext: 0.01");
  g_assert_cmpint (run->epochs_done, ==, 3);
  g_assert_cmpfloat (run->best_test_acc, ==, 0.75);
  /* the members StRun does not hold are kept as they were, in their place */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"host\": \"elsewhere\",\n  \"pid\": 1,\n"));
  g_assert_nonnull (strstr (text, "\"extra\": {\"kept\": [1, 2.5, null, true]}\n}"));
  g_assert_true (g_str_has_prefix (text, "{\n  \"format\": \"strata-run/1\",\n"));
}

/* ---- strata-cli runs ------------------------------------------------------------------ */

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_cli_list_and_show (void)
{
  g_autofree char *runs = new_dir ("cli");
  g_autofree char *a = make_run (runs, "20260101-100000-a", "2026-01-01T10:00:00Z", "finished");
  g_autofree char *b = make_run (runs, "20260301-100000-b", "2026-03-01T10:00:00Z", "stopped");
  g_autofree char *model = g_build_filename (b, "model.strata.json", NULL);
  g_auto (StTestRun) list = { 0 };
  g_auto (StTestRun) table = { 0 };
  g_auto (StTestRun) show = { 0 };
  g_auto (StTestRun) text = { 0 };
  g_auto (StTestRun) none = { 0 };
  g_auto (StTestRun) missing = { 0 };
  g_auto (StTestRun) extra = { 0 };
  g_auto (StTestRun) unknown = { 0 };
  g_auto (StTestRun) empty = { 0 };
  g_autoptr (JsonNode) listed = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *no_runs = g_build_filename (tmp, "cli-none", NULL);
  JsonArray *array;
  JsonObject *o;

  if (!st_test_have_cli ())
    return;
  save_toy_model (b);
  write_file (b, "checkpoint.safetensors", "");

  st_test_cli (&list, "runs", "list", "--json", "--dir", runs, NULL);
  g_assert_cmpint (list.status, ==, 0);
  listed = parse_json (list.out);
  array = json_node_get_array (listed);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  o = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "20260301-100000-b");
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "stopped");
  g_assert_cmpstr (json_object_get_string_member (o, "dataset"), ==, "toy");
  g_assert_cmpint (json_object_get_int_member (o, "epochs_done"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "epochs_planned"), ==, 10);
  g_assert_cmpfloat (json_object_get_double_member (o, "best_test_acc"), ==, 0.75);
  g_assert_cmpstr (json_object_get_string_member (o, "optimizer"), ==, "Adam");
  g_assert_cmpfloat (json_object_get_double_member (o, "lr"), ==, 0.01);
  g_assert_cmpint (json_object_get_int_member (o, "batch_size"), ==, 2);
  o = json_array_get_object_element (array, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "20260101-100000-a");
  g_assert_false (json_object_has_member (o, "optimizer"));

  st_test_cli (&table, "runs", "list", "--dir", runs, NULL);
  g_assert_cmpint (table.status, ==, 0);
  {
    g_auto (GStrv) lines = g_strsplit (g_strchomp (table.out), "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 3);
    g_assert_true (g_str_has_prefix (lines[0], "id "));
    g_assert_true (g_str_has_prefix (lines[1], "20260301-100000-b  Run 20260301-100000-b  "
                                               "stopped "));
    g_assert_nonnull (strstr (lines[1], "3/10"));
    g_assert_nonnull (strstr (lines[1], "75.00%"));
    g_assert_true (g_str_has_suffix (lines[1], "12.5 s"));
    g_assert_cmpuint (strlen (lines[1]), ==, strlen (lines[2]));
  }

  st_test_cli (&show, "runs", "show", "20260301", "--json", "--dir", runs, NULL);
  g_assert_cmpint (show.status, ==, 0);
  shown = parse_json (show.out);
  o = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (o, "host"), ==, "elsewhere");
  g_assert_cmpstr (json_object_get_string_member (o, "dir"), ==, b);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "epochs")), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "recipe"),
                                                  "loss"), ==, "BCELoss");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "checkpoint"),
                                   "/checkpoint.safetensors"));
  g_assert_true (json_object_get_null_member (o, "best"));
  {
    g_autofree char *expected = g_strdup_printf ("strata-cli train %s --resume %s/"
                                                 "checkpoint.safetensors --epochs 10", model, b);

    g_assert_cmpstr (json_object_get_string_member (o, "continue"), ==, expected);
  }

  st_test_cli (&text, "runs", "show", a, NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "Run id      20260101-100000-a\n"));
  g_assert_nonnull (strstr (text.out, "Epochs      3 of 10\n"));
  g_assert_nonnull (strstr (text.out, "Best epoch  2: test acc 75.00%, test loss 0.5000\n"));
  g_assert_nonnull (strstr (text.out, "Host        elsewhere, process 1\n"));
  g_assert_nonnull (strstr (text.out, "\n    2      0.5000     60.00%     0.4000    75.00%"
                                      "       100.0     1.500\n"));
  g_assert_null (strstr (text.out, "Continue"));

  /* bad input: each message names what is wrong */
  st_test_cli (&none, "runs", "show", "2027", "--dir", runs, NULL);
  g_assert_cmpint (none.status, ==, 1);
  g_assert_nonnull (strstr (none.err, "no run \"2027\""));
  st_test_cli (&missing, "runs", "show", "--dir", runs, NULL);
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_nonnull (strstr (missing.err, "show needs a RUN"));
  st_test_cli (&extra, "runs", "list", "now", "--dir", runs, NULL);
  g_assert_cmpint (extra.status, ==, 2);
  g_assert_nonnull (strstr (extra.err, "list takes no arguments"));
  st_test_cli (&unknown, "runs", "delete", NULL);
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_nonnull (strstr (unknown.err, "unknown runs command 'delete'"));
  st_test_cli (&empty, "runs", "list", "--dir", no_runs, NULL);
  g_assert_cmpint (empty.status, ==, 0);
  g_assert_nonnull (strstr (empty.out, "No runs in"));
}

/* The toy preset's net, its weights zero (evaluate needs only their names and shapes). */
typedef struct {
  StSpec *spec;
  StNet  *net;
  float  *params;
  float  *buffers;
} Toy;

static void
toy_init (Toy *toy)
{
  g_autoptr (GError) error = NULL;

  toy->spec = st_spec_load ("toy", &error);
  g_assert_no_error (error);
  toy->net = st_net_compile (toy->spec, &error);
  g_assert_no_error (error);
  toy->params = g_new0 (float, MAX (toy->net->n_params, 1));
  toy->buffers = g_new0 (float, MAX (toy->net->n_buffers, 1));
}

static void
toy_clear (Toy *toy)
{
  g_clear_pointer (&toy->net, st_net_free);
  g_clear_pointer (&toy->spec, st_spec_free);
  g_clear_pointer (&toy->params, g_free);
  g_clear_pointer (&toy->buffers, g_free);
}

/* OUT/best.safetensors as train.py writes it: the weights and, in the metadata, the epoch,
 * who trained it and (unless `bare`) the model. */
static void
write_best (const Toy *toy, const char *out, gboolean bare)
{
  g_autofree char *path = g_build_filename (out, "best.safetensors", NULL);
  g_autoptr (GError) error = NULL;

  if (bare)
    {
      g_autofree StSafetensorsTensor *list = g_new0 (StSafetensorsTensor, toy->net->n_tensors);

      for (guint i = 0; i < toy->net->n_tensors; i++)
        {
          const StTensorInfo *t = &toy->net->tensors[i];

          list[i].name = t->name;
          list[i].rank = t->rank;
          memcpy (list[i].dims, t->dims, sizeof (gint64) * t->rank);
          list[i].data = (t->role == ST_TENSOR_PARAM ? toy->params : toy->buffers) + t->offset;
        }
      g_assert_true (st_safetensors_save (path, list, toy->net->n_tensors, NULL, &error));
    }
  else
    {
      g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);

      g_hash_table_insert (meta, "strata.epoch", "2");
      g_hash_table_insert (meta, "strata.trained_by", "train.py, 2 processes");
      g_assert_true (st_checkpoint_save (toy->net, toy->params, toy->buffers, meta, path,
                                         &error));
    }
  g_assert_no_error (error);
}

static void
write_metrics (const char *out)
{
  g_autofree char *whole = three_epochs ();
  g_autofree char *torn = g_strconcat (whole, "{\"epoch\": 4, \"train_lo", NULL);

  write_file (out, "metrics.jsonl", torn);
}

static void
test_cli_import (void)
{
  g_autofree char *runs = new_dir ("import-runs");
  g_autofree char *pkg = new_dir ("package");
  g_autofree char *out = g_build_filename (pkg, "out", NULL);
  g_autofree char *run_model = NULL, *run_best = NULL, *run_dir = NULL;
  g_auto (StTestRun) import = { 0 };
  g_auto (StTestRun) list = { 0 };
  g_auto (StTestRun) eval = { 0 };
  g_autoptr (JsonNode) listed = NULL;
  g_autoptr (StRun) run = NULL;
  g_autoptr (GError) error = NULL;
  Toy toy = { 0 };
  JsonObject *o;

  if (!st_test_have_cli ())
    return;
  toy_init (&toy);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  write_metrics (out);
  write_best (&toy, out, FALSE);

  st_test_cli (&import, "runs", "import", out, "--dir", runs, "--name", "On the cluster", NULL);
  g_assert_cmpint (import.status, ==, 0);
  g_assert_true (g_str_has_prefix (import.out, "Imported the run as "));
  g_assert_nonnull (strstr (import.out, "-toy-4-4 ("));

  st_test_cli (&list, "runs", "list", "--json", "--dir", runs, NULL);
  g_assert_cmpint (list.status, ==, 0);
  listed = parse_json (list.out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (listed)), ==, 1);
  o = json_array_get_object_element (json_node_get_array (listed), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "pytorch");
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "finished");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "On the cluster");
  g_assert_cmpint (json_object_get_int_member (o, "epochs_done"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "epochs_planned"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "best_epoch"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (o, "best_test_acc"), ==, 0.75);
  g_assert_cmpstr (json_object_get_string_member (o, "dataset"), ==, "toy");

  run_dir = g_strdup (json_object_get_string_member (o, "dir"));
  run = st_run_load (run_dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->device, ==, "PyTorch (train.py, 2 processes)");
  g_assert_cmpfloat (run->seconds, ==, 4.5);
  g_assert_cmpuint (run->epochs->len, ==, 3);
  g_assert_cmpuint (run->batches->len, ==, 0);
  g_assert_nonnull (run->spec);
  g_assert_cmpint (run->spec->training.epochs, ==, 3);
  run_model = g_build_filename (run_dir, "model.strata.json", NULL);
  run_best = g_build_filename (run_dir, "best.safetensors", NULL);
  {
    g_autofree char *checkpoint = g_build_filename (run_dir, "checkpoint.safetensors", NULL);

    g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  }

  /* the imported weights evaluate with the imported model */
  st_test_cli (&eval, "evaluate", run_model, "--weights", run_best, "--device", "cpu", "--json",
               NULL);
  g_assert_cmpint (eval.status, ==, 0);
  g_assert_nonnull (strstr (eval.out, "\"test_acc\": "));
  toy_clear (&toy);
}

/* Runs `runs import OUT --dir runs [more]` expecting exit 1 and an error naming `names`. */
static void
import_fails (const char *runs, const char *out, const char *more, const char *names,
              const char *names_too)
{
  g_auto (StTestRun) r = { 0 };

  if (more != NULL)
    st_test_cli (&r, "runs", "import", out, "--dir", runs, "--model", more, NULL);
  else
    st_test_cli (&r, "runs", "import", out, "--dir", runs, NULL);
  g_assert_cmpint (r.status, ==, 1);
  if (strstr (r.err, names) == NULL || (names_too != NULL && strstr (r.err, names_too) == NULL))
    g_error ("runs import %s: \"%s\" does not name %s%s%s", out, r.err, names,
             names_too != NULL ? " and " : "", names_too != NULL ? names_too : "");
}

static void
test_cli_import_errors (void)
{
  g_autofree char *runs = new_dir ("import-bad-runs");
  g_autofree char *pkg = new_dir ("bad-package");
  g_autofree char *out = g_build_filename (pkg, "out", NULL);
  g_autofree char *metrics = g_build_filename (out, "metrics.jsonl", NULL);
  g_autofree char *best = g_build_filename (out, "best.safetensors", NULL);
  g_autofree char *package_model = g_build_filename (pkg, "model.strata.json", NULL);
  g_autofree char *nowhere = g_build_filename (pkg, "no-such-out", NULL);
  g_autofree char *wide = g_build_filename (pkg, "wide.strata.json", NULL);
  g_auto (StTestRun) usage = { 0 };
  g_auto (StTestRun) bare = { 0 };
  g_autoptr (GPtrArray) left = NULL;
  g_autoptr (GError) error = NULL;
  Toy toy = { 0 };

  if (!st_test_have_cli ())
    return;
  toy_init (&toy);
  st_test_cli (&usage, "runs", "import", "--dir", runs, NULL);
  g_assert_cmpint (usage.status, ==, 2);
  g_assert_nonnull (strstr (usage.err, "import needs the folder OUT"));

  import_fails (runs, nowhere, NULL, nowhere, "not a folder");
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  import_fails (runs, out, NULL, metrics, NULL);
  write_file (out, "metrics.jsonl", "{\"epoch\": 1, \"tra\n");
  import_fails (runs, out, NULL, metrics, "no epoch to import");
  write_metrics (out);
  import_fails (runs, out, NULL, best, NULL);

  /* weights without "strata.model": the package's model beside OUT, or --model */
  write_best (&toy, out, TRUE);
  import_fails (runs, out, NULL, best, package_model);
  write_file (pkg, "wide.strata.json",
              "{\"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}, \"layers\": ["
              "{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 2, "
              "\"kernel_size\": 3}, {\"type\": \"Flatten\"}, {\"type\": \"Linear\", "
              "\"in_features\": 8, \"out_features\": 1}]}");
  import_fails (runs, out, wide, best, "0.weight");
  write_file (pkg, "broken.strata.json",
              "{\"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}, \"layers\": ["
              "{\"type\": \"Conv3d\"}]}");
  {
    g_autofree char *broken = g_build_filename (pkg, "broken.strata.json", NULL);

    import_fails (runs, out, broken, broken, "Conv3d");
  }
  left = st_runs_list (runs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (left->len, ==, 0);

  save_toy_model (pkg);
  st_test_cli (&bare, "runs", "import", out, "--dir", runs, NULL);
  g_assert_cmpint (bare.status, ==, 0);
  g_clear_pointer (&left, g_ptr_array_unref);
  left = st_runs_list (runs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpstr (((StRun *) left->pdata[0])->device, ==, "PyTorch");
  g_assert_cmpstr (((StRun *) left->pdata[0])->name, ==, "Toy 4×4");
  /* no strata.epoch: the best is the highest test accuracy */
  g_assert_cmpint (((StRun *) left->pdata[0])->best_epoch, ==, 2);
  toy_clear (&toy);
}

/* What sets runs apart: only the settings that differ, in the order of recipe-diff.h; none
 * for runs alike; "?" for a run whose model did not read. */
static void
test_recipe_differences (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) a = st_spec_load ("mnist-cnn", &error);
  g_autoptr (StSpec) b = st_spec_load ("mnist-cnn", &error);
  g_autoptr (StSpec) c = st_spec_load ("mnist-cnn", &error);
  const StSpec *three[3], *two[2], *missing[2];
  g_auto (GStrv) same = NULL, lr = NULL, several = NULL, unknown = NULL;

  g_assert_no_error (error);
  three[0] = a, three[1] = b, three[2] = c;
  same = st_recipe_differences (three, 3);
  for (int i = 0; i < 3; i++)
    g_assert_cmpstr (same[i], ==, "");

  a->training.optimizer.lr = 0.9;
  b->training.optimizer.lr = 0.3;
  c->training.optimizer.lr = 0.3;
  lr = st_recipe_differences (three, 3);
  g_assert_cmpstr (lr[0], ==, "lr 0.9");
  g_assert_cmpstr (lr[1], ==, "lr 0.3");
  g_assert_cmpstr (lr[2], ==, "lr 0.3");
  g_assert_null (lr[3]);

  st_optim_config_init_default (&b->training.optimizer, ST_OPTIM_ADAM);
  b->training.batch_size = 128;
  b->training.augment.shift = 2;
  two[0] = a, two[1] = b;
  several = st_recipe_differences (two, 2);
  g_test_message ("%s | %s", several[0], several[1]);
  g_assert_true (g_str_has_prefix (several[0], "SGD, lr 0.9, momentum 0.5"));
  g_assert_true (g_str_has_prefix (several[1], "Adam, lr 0.001, momentum -"));
  g_assert_nonnull (strstr (several[0], "batch 64"));
  g_assert_nonnull (strstr (several[1], "batch 128"));
  g_assert_true (g_str_has_suffix (several[0], "augment none"));
  g_assert_true (g_str_has_suffix (several[1], "augment shift 2"));

  missing[0] = a, missing[1] = NULL;
  unknown = st_recipe_differences (missing, 2);
  g_assert_nonnull (strstr (unknown[1], "model ?"));
  g_assert_nonnull (strstr (unknown[0], "model Simple MNIST CNN"));
}

/* runs compare names each run by what sets it apart, draws them together, and refuses
 * fewer than two runs or one it cannot find. */
static void
test_cli_compare (void)
{
  g_autofree char *runs = new_dir ("compare");
  g_autofree char *png = g_build_filename (tmp, "compare.png", NULL);
  g_autofree char *a = make_run (runs, "20261201-100000-a", "2026-12-01T10:00:00Z", "finished");
  g_autofree char *b = make_run (runs, "20261201-110000-b", "2026-12-01T11:00:00Z", "finished");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("toy", &error);
  g_autofree char *model_b = g_build_filename (b, "model.strata.json", NULL);
  g_auto (StTestRun) shown = { 0 };
  g_auto (StTestRun) one = { 0 };
  g_auto (StTestRun) absent = { 0 };
  g_auto (GStrv) lines = NULL;
  guchar header[4] = { 0 };
  FILE *f;

  if (!st_test_have_cli ())
    return;
  g_assert_no_error (error);
  save_toy_model (a);
  spec->training.optimizer.lr = 0.5;
  g_assert_true (st_spec_save (spec, model_b, &error));
  g_assert_no_error (error);

  if (g_strcmp0 (g_getenv ("STRATA_CLI_DRAWS"), "1") == 0)
    st_test_cli (&shown, "runs", "compare", "--dir", runs, "20261201-10", "20261201-11",
                 "--plot", png, NULL);
  else
    st_test_cli (&shown, "runs", "compare", "--dir", runs, "20261201-10", "20261201-11", NULL);
  g_assert_cmpint (shown.status, ==, 0);
  lines = g_strsplit (g_strstrip (shown.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "20261201-100000-a"));
  g_assert_nonnull (strstr (lines[0], "lr 0.01"));
  g_assert_nonnull (strstr (lines[1], "lr 0.5"));
  g_assert_nonnull (strstr (lines[1], "best test acc 75.00% (epoch 2)"));
  if (g_strcmp0 (g_getenv ("STRATA_CLI_DRAWS"), "1") == 0)
    {
      f = fopen (png, "rb");
      g_assert_nonnull (f);
      g_assert_cmpuint (fread (header, 1, 4, f), ==, 4);
      fclose (f);
      g_assert_cmpmem (header, 4, "\x89PNG", 4);
    }

  st_test_cli (&one, "runs", "compare", "--dir", runs, "20261201-10", NULL);
  g_assert_cmpint (one.status, ==, 2);
  g_assert_nonnull (strstr (one.err, "compare needs two RUNs or more"));
  st_test_cli (&absent, "runs", "compare", "--dir", runs, "20261201-10", "nosuch", NULL);
  g_assert_cmpint (absent.status, !=, 0);
  g_assert_nonnull (strstr (absent.err, "nosuch"));
}

/* runs show tells what happened inside the network in the last whole line of insight.jsonl
 * (a torn line after it is passed over). */
static void
test_cli_show_insight (void)
{
  g_autofree char *runs = new_dir ("insight");
  g_autofree char *dir = make_run (runs, "20261202-100000-in", "2026-12-02T10:00:00Z",
                                   "finished");
  g_auto (StTestRun) shown = { 0 };
  /* the 32 bins of a histogram */
  const char *bins = "[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
                     "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]";
  g_autofree char *two = g_strdup_printf (
    "{\"epoch\": 1, \"layers\": [{\"name\": \"0.weight\", \"weight_norm\": 1.5, "
    "\"grad_norm\": 0.25, \"update_ratio\": null, \"weights\": {\"lo\": -1, \"hi\": 1, "
    "\"counts\": %s}, \"grads\": {\"lo\": -1, \"hi\": 1, \"counts\": %s}}], "
    "\"activations\": []}\n"
    "{\"epoch\": 2, \"layers\": [{\"name\": \"0.weight\", \"weight_norm\": 1.75, "
    "\"grad_norm\": 0.125, \"update_ratio\": 0.0625, \"weights\": {\"lo\": -1, \"hi\": 1, "
    "\"counts\": %s}, \"grads\": {\"lo\": -1, \"hi\": 1, \"counts\": %s}}], "
    "\"activations\": [{\"layer\": \"1\", \"type\": \"ReLU\", \"dead\": 0.25}, "
    "{\"layer\": \"3\", \"type\": \"Sigmoid\", \"saturated\": 0.5}]}\n"
    "{\"epoch\": 3, \"layers\": [{\"na", bins, bins, bins, bins);

  if (!st_test_have_cli ())
    return;
  write_file (dir, "insight.jsonl", two);
  st_test_cli (&shown, "runs", "show", "--dir", runs, "20261202", NULL);
  g_assert_cmpint (shown.status, ==, 0);
  g_test_message ("%s", shown.out);
  g_assert_nonnull (strstr (shown.out, "Inside the network after epoch 2:"));
  g_assert_nonnull (strstr (shown.out, "0.weight"));
  g_assert_nonnull (strstr (shown.out, "1.75"));
  g_assert_nonnull (strstr (shown.out, "0.125"));
  g_assert_nonnull (strstr (shown.out, "0.0625"));
  g_assert_nonnull (strstr (shown.out, "layer 1 (ReLU): 25.0% of its units never fired"));
  g_assert_nonnull (strstr (shown.out, "layer 3 (Sigmoid): 50.0% of its outputs saturated"));

  if (g_strcmp0 (g_getenv ("STRATA_CLI_DRAWS"), "1") == 0)
    {
      g_autofree char *png = g_build_filename (tmp, "insight.png", NULL);
      g_autofree char *other = make_run (runs, "20261203-100000-none", "2026-12-03T10:00:00Z",
                                         "finished");
      g_auto (StTestRun) plotted = { 0 };
      g_auto (StTestRun) none = { 0 };
      guchar header[4] = { 0 };
      FILE *f;

      st_test_cli (&plotted, "runs", "show", "--dir", runs, "20261202", "--plot-insight", png,
                   NULL);
      g_assert_cmpint (plotted.status, ==, 0);
      f = fopen (png, "rb");
      g_assert_nonnull (f);
      g_assert_cmpuint (fread (header, 1, 4, f), ==, 4);
      fclose (f);
      g_assert_cmpmem (header, 4, "\x89PNG", 4);
      /* a run without insight: the error names the file it lacks */
      st_test_cli (&none, "runs", "show", "--dir", runs, "20261203", "--plot-insight", png,
                   NULL);
      g_assert_cmpint (none.status, !=, 0);
      g_assert_nonnull (strstr (none.err, "insight.jsonl"));
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (catch_warnings, NULL, NULL);
  tmp = st_test_make_tmp ("strata-runs-XXXXXX");

  g_test_add_func ("/runs/cli-show-insight", test_cli_show_insight);
  g_test_add_func ("/runs/recipe-differences", test_recipe_differences);
  g_test_add_func ("/runs/cli-compare", test_cli_compare);
  g_test_add_func ("/runs/status-names", test_status_names);
  g_test_add_func ("/runs/dir", test_runs_dir);
  g_test_add_func ("/runs/list", test_list);
  g_test_add_func ("/runs/torn-lines", test_torn_lines);
  g_test_add_func ("/runs/not-a-run", test_not_a_run);
  g_test_add_func ("/runs/interrupted", test_interrupted);
  g_test_add_func ("/runs/find", test_find);
  g_test_add_func ("/runs/name-and-note", test_name_and_note);
  g_test_add_func ("/runs/cli-list-and-show", test_cli_list_and_show);
  g_test_add_func ("/runs/cli-import", test_cli_import);
  g_test_add_func ("/runs/cli-import-errors", test_cli_import_errors);
  status = g_test_run ();

  st_test_remove_tree (tmp);
  g_free (tmp);
  return status;
}
