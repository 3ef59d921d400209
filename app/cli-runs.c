/* cli-runs.c: `strata-cli runs` — the history of training runs (core/engine/run-record.h):
 * list them, show one, import the run of a PyTorch training package. */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli-runs.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/engine/insight.h"
#include "core/engine/run-import.h"
#include "core/engine/run-list.h"
#include "core/io/json-write.h"
#include "core/model/train-config.h"


#define NONE "—"

typedef int (*SubcommandFunc) (int argc, char **argv);

static char *
format_percent (double fraction)
{
  return isfinite (fraction) ? g_strdup_printf ("%.2f%%", fraction * 100) : g_strdup (NONE);
}

static const char *
or_none (const char *text)
{
  return text != NULL && *text != '\0' ? text : NONE;
}

/* `path` as a shell word: as it is when nothing in it needs quoting. */
static char *
shell_word (const char *path)
{
  for (const char *p = path; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._-+:=@%,", *p) == NULL)
      return g_shell_quote (path);
  return g_strdup (path);
}

/* The command that continues `run`, or NULL: a run stopped or interrupted, or finished
 * before its planned epochs, whose checkpoint and model are there. */
static char *
continue_command (const StRun *run)
{
  g_autofree char *model = g_build_filename (run->dir, "model.strata.json", NULL);
  g_autofree char *checkpoint = g_build_filename (run->dir, "checkpoint.safetensors", NULL);
  g_autofree char *model_word = NULL, *checkpoint_word = NULL;
  int epochs;

  switch (run->status)
    {
    case ST_RUN_STOPPED:
    case ST_RUN_INTERRUPTED:
      epochs = MAX (run->epochs_planned, run->epochs_done + 1);
      break;
    case ST_RUN_FINISHED:
      if (run->epochs_done >= run->epochs_planned)
        return NULL;
      epochs = run->epochs_planned;
      break;
    default:
      return NULL;
    }
  if (run->epochs_done < 1 || !g_file_test (model, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR))
    return NULL;
  model_word = shell_word (model);
  checkpoint_word = shell_word (checkpoint);
  return g_strdup_printf ("strata-cli train %s --resume %s --epochs %d", model_word,
                          checkpoint_word, epochs);
}

/* The file `name` of the run's folder when it is there, else NULL. */
static char *
run_file (const StRun *run, const char *name)
{
  char *path = g_build_filename (run->dir, name, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

static void
append_member (GString *out, const char *key, gboolean first)
{
  g_string_append (out, first ? "" : ", ");
  st_json_append_string (out, key);
  g_string_append (out, ": ");
}

static void
append_path (GString *out, const char *path)
{
  g_autofree char *display = path != NULL ? g_filename_display_name (path) : NULL;

  if (display != NULL)
    st_json_append_string (out, display);
  else
    g_string_append (out, "null");
}

static void
append_recipe (GString *out, const StSpec *spec)
{
  const StTrainConfig *t = &spec->training;

  append_member (out, "optimizer", FALSE);
  st_json_append_string (out, st_optim_name (t->optimizer.type));
  append_member (out, "lr", FALSE);
  st_json_append_double (out, t->optimizer.lr);
  append_member (out, "batch_size", FALSE);
  g_string_append_printf (out, "%d", t->batch_size);
}

/* ---- list ---------------------------------------------------------------------------- */

static void
print_list_json (GPtrArray *runs)
{
  g_autoptr (GString) out = g_string_new ("[");

  for (guint i = 0; i < runs->len; i++)
    {
      const StRun *run = g_ptr_array_index (runs, i);

      g_string_append (out, i == 0 ? "\n  {" : ",\n  {");
      append_member (out, "id", TRUE);
      append_path (out, run->id);
      append_member (out, "name", FALSE);
      st_json_append_string (out, run->name);
      append_member (out, "status", FALSE);
      st_json_append_string (out, st_run_status_name (run->status));
      append_member (out, "source", FALSE);
      st_json_append_string (out, run->source);
      append_member (out, "started", FALSE);
      st_json_append_string (out, run->started);
      append_member (out, "dataset", FALSE);
      st_json_append_string (out, run->dataset);
      append_member (out, "epochs_done", FALSE);
      g_string_append_printf (out, "%d", run->epochs_done);
      append_member (out, "epochs_planned", FALSE);
      g_string_append_printf (out, "%d", run->epochs_planned);
      append_member (out, "best_epoch", FALSE);
      g_string_append_printf (out, "%d", run->best_epoch);
      append_member (out, "best_test_acc", FALSE);
      st_json_append_double (out, run->best_epoch > 0 ? run->best_test_acc : NAN);
      append_member (out, "seconds", FALSE);
      st_json_append_double (out, run->seconds);
      append_member (out, "dir", FALSE);
      append_path (out, run->dir);
      if (run->spec != NULL && run->spec->has_training)
        append_recipe (out, run->spec);
      g_string_append_c (out, '}');
    }
  g_string_append (out, runs->len > 0 ? "\n]\n" : "]\n");
  fputs (out->str, stdout);
}

enum { COL_ID, COL_NAME, COL_STATUS, COL_DATASET, COL_EPOCHS, COL_ACC, COL_TIME, N_COLS };

static void
print_list_table (GPtrArray *runs)
{
  const char *header[N_COLS] = { _("id"), _("name"), _("status"), _("dataset"), _("epochs"),
                                 _("best acc"), _("time") };
  static const gboolean right[N_COLS] = { FALSE, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE };
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  int width[N_COLS];

  for (int c = 0; c < N_COLS; c++)
    g_ptr_array_add (cells, g_strdup (header[c]));
  for (guint i = 0; i < runs->len; i++)
    {
      const StRun *run = g_ptr_array_index (runs, i);

      g_ptr_array_add (cells, g_filename_display_name (run->id));
      g_ptr_array_add (cells, g_strdup (or_none (run->name)));
      g_ptr_array_add (cells, g_strdup (st_run_status_label (run->status)));
      g_ptr_array_add (cells, g_strdup (or_none (run->dataset)));
      g_ptr_array_add (cells, g_strdup_printf ("%d/%d", run->epochs_done, run->epochs_planned));
      g_ptr_array_add (cells, run->best_epoch > 0 ? format_percent (run->best_test_acc)
                                                  : g_strdup (NONE));
      g_ptr_array_add (cells, st_run_format_duration (run->seconds));
    }
  for (int c = 0; c < N_COLS; c++)
    {
      width[c] = 0;
      for (guint r = 0; r <= runs->len; r++)
        width[c] = MAX (width[c], st_cli_text_columns (g_ptr_array_index (cells,
                                                                          r * N_COLS + c)));
    }
  for (guint r = 0; r <= runs->len; r++)
    {
      for (int c = 0; c < N_COLS; c++)
        {
          const char *text = g_ptr_array_index (cells, r * N_COLS + c);

          if (c > 0)
            fputs ("  ", stdout);
          if (c == N_COLS - 1 && !right[c])
            fputs (text, stdout);
          else
            st_cli_print_cell (text, width[c], right[c]);
        }
      fputc ('\n', stdout);
    }
}

static int
runs_list (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON array instead of the table"),
      NULL },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, N_("The folder of the runs"), "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("— the runs, newest first"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;

  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 1)
    return st_cli_usage_error (context, _("list takes no arguments"));
  if (dir == NULL)
    dir = st_runs_dir ();
  runs = st_runs_list (dir, &error);
  if (runs == NULL)
    return st_cli_fail (error);
  if (json)
    print_list_json (runs);
  else if (runs->len == 0)
    {
      g_autofree char *display = g_filename_display_name (dir);

      printf (_("No runs in %s\n"), display);
    }
  else
    print_list_table (runs);
  return 0;
}

/* ---- show ---------------------------------------------------------------------------- */

/* Members of run.json that the labelled rows of `show` already say. */
static const char *const shown_keys[] = {
  "format", "id", "name", "note", "status", "message", "source", "host", "pid", "started",
  "updated", "device", "dataset", "limit", "epochs_planned", "epochs_done", "best_epoch",
  "best_test_acc", "best_test_loss", "seconds", "examples_per_sec", NULL
};

/* A member as text: strings as they are, other values as JSON. */
static char *
member_text (JsonObject *record, const char *key)
{
  JsonNode *value = json_object_get_member (record, key);

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return NULL;
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    return g_utf8_make_valid (json_node_get_string (value), -1);
  return json_to_string (value, FALSE);
}

typedef struct {
  GPtrArray *labels;
  GPtrArray *values;
} Rows;

static void
add_row (Rows *rows, const char *label, char *value)
{
  g_ptr_array_add (rows->labels, g_strdup (label));
  g_ptr_array_add (rows->values, value != NULL ? value : g_strdup (NONE));
}

static void
print_rows (Rows *rows)
{
  int width = 0;

  for (guint i = 0; i < rows->labels->len; i++)
    width = MAX (width, st_cli_text_columns (g_ptr_array_index (rows->labels, i)));
  for (guint i = 0; i < rows->labels->len; i++)
    {
      st_cli_print_cell (g_ptr_array_index (rows->labels, i), width, FALSE);
      printf ("  %s\n", (const char *) g_ptr_array_index (rows->values, i));
    }
  g_ptr_array_set_size (rows->labels, 0);
  g_ptr_array_set_size (rows->values, 0);
}

static char *
recipe_text (const StSpec *spec)
{
  const StTrainConfig *t = &spec->training;

  return g_strdup_printf (_("%s, lr %g, batch size %d, %d epochs, seed %" PRIu64 ", %s, %s "
                            "initialisation"), st_optim_name (t->optimizer.type),
                          t->optimizer.lr, t->batch_size, t->epochs, (uint64_t) t->seed,
                          st_loss_name (t->loss), st_init_name (t->init));
}

static void
print_epochs_table (GArray *epochs)
{
  const char *header[] = { _("epoch"), _("train loss"), _("train acc"), _("test loss"),
                           _("test acc"), _("examples/s"), _("seconds") };
  int width[G_N_ELEMENTS (header)];

  for (gsize c = 0; c < G_N_ELEMENTS (header); c++)
    {
      width[c] = MAX (st_cli_text_columns (header[c]), c == 0 ? 5 : 8);
      if (c > 0)
        fputs ("  ", stdout);
      st_cli_print_cell (header[c], width[c], TRUE);
    }
  fputc ('\n', stdout);
  for (guint i = 0; i < epochs->len; i++)
    {
      const StEpochMetrics *m = &g_array_index (epochs, StEpochMetrics, i);
      g_autofree char *train_acc = format_percent (m->train_acc);
      g_autofree char *test_acc = format_percent (m->test_acc);

      printf ("%*d  %*.4f  ", width[0], m->epoch, width[1], m->train_loss);
      st_cli_print_cell (train_acc, width[2], TRUE);
      printf ("  %*.4f  ", width[3], m->test_loss);
      st_cli_print_cell (test_acc, width[4], TRUE);
      printf ("  %*.1f  %*.3f\n", width[5], m->examples_per_sec, width[6], m->seconds);
    }
}

/* The last epoch of the run's insight.jsonl (what happened inside the network in its last
 * measured epoch) as a table a layer a row; nothing when the run has none that reads. */
static void
print_insight (const StRun *run)
{
  g_autofree char *path = g_build_filename (run->dir, "insight.jsonl", NULL);
  g_autoptr (GPtrArray) epochs = st_insight_read (path, NULL);
  const char *header[] = { _("layer"), _("weight norm"), _("gradient norm"),
                           _("update/weight") };
  int width[G_N_ELEMENTS (header)];
  const StInsightEpoch *last;

  if (epochs == NULL || epochs->len == 0)
    return;
  last = g_ptr_array_index (epochs, epochs->len - 1);
  printf ("\n");
  printf (_("Inside the network after epoch %" PRId64 ":\n"), (int64_t) last->epoch);
  for (gsize c = 0; c < G_N_ELEMENTS (header); c++)
    {
      width[c] = MAX (st_cli_text_columns (header[c]), c == 0 ? 10 : 12);
      if (c > 0)
        fputs ("  ", stdout);
      st_cli_print_cell (header[c], width[c], c > 0);
    }
  fputc ('\n', stdout);
  for (guint i = 0; i < last->n_layers; i++)
    {
      const StInsightLayer *l = &last->layers[i];
      const double v[3] = { l->weight_norm, l->grad_norm, l->update_ratio };

      st_cli_print_cell (l->name, width[0], FALSE);
      for (int c = 0; c < 3; c++)
        {
          char value[G_ASCII_DTOSTR_BUF_SIZE];

          if (isfinite (v[c]))
            g_snprintf (value, sizeof value, "%.4g", v[c]);
          else
            g_strlcpy (value, NONE, sizeof value);
          fputs ("  ", stdout);
          st_cli_print_cell (value, width[c + 1], TRUE);
        }
      fputc ('\n', stdout);
    }
  for (guint i = 0; i < last->n_acts; i++)
    {
      const StInsightActivation *a = &last->acts[i];

      if (a->kind == ST_OP_RELU)
        printf (_("layer %s (ReLU): %.1f%% of its units never fired on 64 test images\n"),
                a->path, 100.0 * a->fraction);
      else
        printf (_("layer %s (%s): %.1f%% of its outputs saturated on 64 test images\n"),
                a->path, a->kind == ST_OP_SIGMOID ? "Sigmoid" : "Tanh", 100.0 * a->fraction);
    }
}

static void
print_show_text (const StRun *run, JsonObject *record, const char *checkpoint,
                 const char *best, const char *command)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GList) members = json_object_get_members (record);
  g_autofree char *host = member_text (record, "host");
  g_autofree char *pid = member_text (record, "pid");
  Rows rows = { labels, values };

  add_row (&rows, _("Run id"), g_filename_display_name (run->id));
  add_row (&rows, _("Folder"), g_filename_display_name (run->dir));
  add_row (&rows, _("Name"), g_strdup (or_none (run->name)));
  add_row (&rows, _("Note"), g_strdup (or_none (run->note)));
  add_row (&rows, _("Status"), g_strdup (st_run_status_label (run->status)));
  if (run->message != NULL)
    add_row (&rows, _("Message"), g_strdup (run->message));
  add_row (&rows, _("Source"), g_strdup (run->source));
  add_row (&rows, _("Started"), g_strdup (or_none (run->started)));
  add_row (&rows, _("Updated"), member_text (record, "updated"));
  if (host != NULL)
    add_row (&rows, _("Host"), pid != NULL ? g_strdup_printf (_("%s, process %s"), host, pid)
                                           : g_strdup (host));
  add_row (&rows, _("Device"), g_strdup (or_none (run->device)));
  add_row (&rows, _("Dataset"), run->limit > 0
           ? g_strdup_printf (_("%s, the first %" PRId64 " training examples"),
                              or_none (run->dataset), (int64_t) run->limit)
           : g_strdup (or_none (run->dataset)));
  add_row (&rows, _("Epochs"), g_strdup_printf (_("%d of %d"), run->epochs_done,
                                                run->epochs_planned));
  if (run->best_epoch > 0)
    {
      g_autofree char *acc = format_percent (run->best_test_acc);

      add_row (&rows, _("Best epoch"), g_strdup_printf (_("%d: test acc %s, test loss %.4f"),
                                                        run->best_epoch, acc,
                                                        run->best_test_loss));
    }
  else
    add_row (&rows, _("Best epoch"), NULL);
  {
    g_autofree char *time = st_run_format_duration (run->seconds);

    add_row (&rows, _("Time"), g_strdup_printf (_("%s, %.1f examples/s in the last epoch"),
                                                time, run->examples_per_sec));
  }
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (shown_keys, l->data))
      add_row (&rows, l->data, member_text (record, l->data));
  add_row (&rows, _("Recipe"), run->spec != NULL && run->spec->has_training
                               ? recipe_text (run->spec) : NULL);
  print_rows (&rows);

  if (run->epochs->len > 0)
    {
      fputc ('\n', stdout);
      print_epochs_table (run->epochs);
    }
  print_insight (run);
  fputc ('\n', stdout);
  add_row (&rows, _("Checkpoint"), g_strdup (checkpoint));
  add_row (&rows, _("Best weights"), g_strdup (best));
  if (command != NULL)
    add_row (&rows, _("Continue"), g_strdup (command));
  print_rows (&rows);
}

static void
print_show_json (const StRun *run, JsonObject *record, const char *checkpoint,
                 const char *best, const char *command)
{
  g_autoptr (GString) out = g_string_new ("{");
  g_autoptr (GList) members = json_object_get_members (record);
  gboolean first = TRUE;

  for (GList *l = members; l != NULL; l = l->next, first = FALSE)
    {
      JsonNode *value = json_object_get_member (record, l->data);

      append_member (out, l->data, first);
      if (strcmp (l->data, "status") == 0)
        st_json_append_string (out, st_run_status_name (run->status));
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        st_json_append_string (out, json_node_get_string (value));
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_DOUBLE)
        st_json_append_double (out, json_node_get_double (value));
      else
        {
          g_autofree char *text = json_to_string (value, FALSE);

          g_string_append (out, text);
        }
    }
  append_member (out, "dir", first);
  append_path (out, run->dir);
  append_member (out, "recipe", FALSE);
  if (run->spec != NULL && run->spec->has_training)
    {
      const StTrainConfig *t = &run->spec->training;

      g_string_append_c (out, '{');
      append_member (out, "optimizer", TRUE);
      st_json_append_string (out, st_optim_name (t->optimizer.type));
      append_member (out, "lr", FALSE);
      st_json_append_double (out, t->optimizer.lr);
      append_member (out, "batch_size", FALSE);
      g_string_append_printf (out, "%d", t->batch_size);
      append_member (out, "epochs", FALSE);
      g_string_append_printf (out, "%d", t->epochs);
      append_member (out, "seed", FALSE);
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, t->seed);
      append_member (out, "loss", FALSE);
      st_json_append_string (out, st_loss_name (t->loss));
      append_member (out, "init", FALSE);
      st_json_append_string (out, st_init_name (t->init));
      append_member (out, "device", FALSE);
      st_json_append_string (out, run->device);
      g_string_append_c (out, '}');
    }
  else
    g_string_append (out, "null");
  append_member (out, "epochs", FALSE);
  g_string_append_c (out, '[');
  for (guint i = 0; i < run->epochs->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      st_epoch_metrics_append_json (out, &g_array_index (run->epochs, StEpochMetrics, i));
    }
  g_string_append_c (out, ']');
  append_member (out, "checkpoint", FALSE);
  append_path (out, checkpoint);
  append_member (out, "best", FALSE);
  append_path (out, best);
  append_member (out, "continue", FALSE);
  if (command != NULL)
    st_json_append_string (out, command);
  else
    g_string_append (out, "null");
  g_string_append (out, "}\n");
  fputs (out->str, stdout);
}


static int
runs_show (int argc, char **argv)
{
  g_autofree char *dir = NULL, *run_dir = NULL, *checkpoint = NULL, *best = NULL;
  g_autofree char *insight_plot = NULL;
  g_autofree char *command = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, N_("The folder of the runs"), "DIR" },
    { "plot-insight", 0, 0, G_OPTION_ARG_FILENAME, &insight_plot,
      N_("Draw the histograms of each layer's weights and gradients over the epochs"),
      "FILE.png|FILE.svg" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("RUN — one run: its record, "
                                                                "recipe and epochs"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StRun) run = NULL;
  g_autoptr (JsonObject) record = NULL;

  g_option_context_set_summary (context, N_("RUN is a run's id, the start of its id, or its "
                                            "folder."));
  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 2)
    return st_cli_usage_error (context, argc < 2 ? _("show needs a RUN")
                                                 : _("show takes one RUN"));
  if (dir == NULL)
    dir = st_runs_dir ();
  run_dir = st_run_find (dir, argv[1], &error);
  if (run_dir == NULL || (run = st_run_load (run_dir, FALSE, &error)) == NULL
      || (record = st_run_read_record (run_dir, &error)) == NULL)
    return st_cli_fail (error);
  checkpoint = run_file (run, "checkpoint.safetensors");
  best = run_file (run, "best.safetensors");
  command = continue_command (run);
  if (json)
    print_show_json (run, record, checkpoint, best, command);
  else
    print_show_text (run, record, checkpoint, best, command);
  if (insight_plot != NULL)
    {
#ifdef STRATA_HAVE_RENDER
      if (!st_cli_runs_plot_insight (run, insight_plot, &error))
        return st_cli_fail (error);
#else
      return st_cli_usage_error (context, _("--plot-insight needs a build of Strata with Cairo"));
#endif
    }
  return 0;
}

/* ---- import -------------------------------------------------------------------------- */

static int
runs_import (int argc, char **argv)
{
  g_autofree char *dir = NULL, *model = NULL, *name = NULL, *run_dir = NULL;
  g_autofree char *display = NULL, *id = NULL;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The run's name (default: the model's)"),
      "NAME" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model,
      N_("The model file (default: the one in OUT/best.safetensors, else the package's "
         "model.strata.json beside OUT)"), "FILE" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, N_("The folder of the runs"), "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("OUT — record a run of the "
                                                                "PyTorch training package"));
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                N_("OUT is the folder train.py wrote metrics.jsonl and "
                                   "best.safetensors into (its --out).\nThe run is recorded "
                                   "as finished, with its epochs and best weights; it has no\n"
                                   "checkpoint to continue from."));
  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 2)
    return st_cli_usage_error (context, argc < 2 ? _("import needs the folder OUT")
                                                 : _("import takes one folder OUT"));
  if (name != NULL && !g_utf8_validate (name, -1, NULL))
    return st_cli_usage_error (context, _("--name is not valid UTF-8 text"));
  if (dir == NULL)
    dir = st_runs_dir ();
  run_dir = st_run_import_pytorch (dir, argv[1], model, name, &error);
  if (run_dir == NULL)
    return st_cli_fail (error);
  id = g_path_get_basename (run_dir);
  display = g_filename_display_name (run_dir);
  printf (_("Imported the run as %s (%s)\n"), id, display);
  return 0;
}

/* ---- runs ---------------------------------------------------------------------------- */

typedef struct {
  const char     *name;
  const char     *args;
  const char     *help;
  SubcommandFunc  run;
} Subcommand;

static const Subcommand subcommands[] = {
  { "list", "[--json] [--dir DIR]", N_("The runs, newest first"), runs_list },
  { "show", "RUN [--json] [--dir DIR]", N_("One run: its record, recipe and epochs"),
    runs_show },
  { "compare", "RUN RUN… [--plot FILE] [--dir DIR]",
    N_("Runs side by side, named by what sets them apart"), st_cli_runs_compare },
  { "import", "OUT [--name NAME] [--model FILE] [--dir DIR]",
    N_("Record the run of a PyTorch training package"), runs_import },
};

static void
print_runs_usage (FILE *out)
{
  g_autofree char *dir = st_runs_dir ();
  g_autofree char *display = g_filename_display_name (dir);

  fprintf (out, _("Usage: strata-cli runs COMMAND [ARGS…]\n\nCommands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
    {
      int pad = 46 - (int) g_utf8_strlen (subcommands[i].args, -1);

      fprintf (out, "  %-8s %s%*s %s\n", subcommands[i].name, subcommands[i].args, MAX (pad, 0),
               "", _(subcommands[i].help));
    }
  fprintf (out, _("\nThe runs are in %s: --dir DIR or $STRATA_RUNS_DIR names another folder.\n"
                  "Run 'strata-cli runs COMMAND --help' for a command's options.\n"), display);
}

int
st_cli_runs (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_runs_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (strcmp (argv[1], subcommands[i].name) == 0)
      {
        g_autofree char *prgname = g_strconcat ("runs ", subcommands[i].name, NULL);

        g_set_prgname (prgname);
        return subcommands[i].run (argc - 1, argv + 1);
      }
  fprintf (stderr, _("strata-cli: unknown runs command '%s'\n\n"), argv[1]);
  print_runs_usage (stderr);
  return 2;
}
