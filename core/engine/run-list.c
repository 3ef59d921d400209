/* run-list.c: the history of runs read back (run-record.h has the folder's format).
 *
 * run.json is strict: what is not JSON, not an object or not of format ST_RUN_FORMAT is "not
 * a Strata run record", a member of the wrong kind is an error naming it; a member left out
 * reads as empty, 0 or its default ("source": "strata"), so a later writer may add members
 * and an earlier one leave some out. The run's id is its folder's name (run.json's "id" is
 * the name it was given: a folder copied under another name is found by the new one).
 *
 * The lines of epochs.jsonl and batches.csv are lenient, by the rule of line-file.h: a line
 * that does not read is skipped, the last one silently (torn by kill -9; run.json never
 * counted it), one before the last with a warning (a crashed run continued without trimming
 * appends after its torn end). An epochs line whose epoch is not after the last one read replaces it and
 * those after it: the run was continued from an earlier epoch and trained them again. The
 * epochs done are run.json's, or the last line's epoch when that is later (killed after the
 * line was flushed, before run.json was rewritten).
 */
#define G_LOG_DOMAIN "strata-runs"

#include "core/engine/run-list.h"
#include "core/engine/run-list-private.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/io/atomic-file.h"
#include "core/io/input-file.h"
#include "core/io/json-guard.h"
#include "core/io/line-file.h"
#include "core/io/json-write.h"
#include "core/model/spec-read.h"

/* The largest files read: run.json is a few hundred bytes, an epoch's line about 200, a
 * training step's row about 30 (100,000 epochs of 1,000 steps would be 3 GiB: a run that
 * long keeps its steps beyond what this reads, and says so). */
#define RUN_JSON_MAX_SIZE  ((gsize) 1024 * 1024)
#define EPOCHS_MAX_SIZE    ((gsize) 64 * 1024 * 1024)
#define BATCHES_MAX_SIZE   ((gsize) 1024 * 1024 * 1024)

static const char *const status_names[] = {
  [ST_RUN_RUNNING] = "running",
  [ST_RUN_FINISHED] = "finished",
  [ST_RUN_STOPPED] = "stopped",
  [ST_RUN_DIVERGED] = "diverged",
  [ST_RUN_FAILED] = "failed",
  [ST_RUN_INTERRUPTED] = "interrupted",
};

const char *
st_run_status_name (StRunStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), NULL);

  return status_names[status];
}

gboolean
st_run_status_from_name (const char *name, StRunStatus *status)
{
  g_return_val_if_fail (status != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (strcmp (name, status_names[i]) == 0)
      {
        *status = (StRunStatus) i;
        return TRUE;
      }
  return FALSE;
}

const char *
st_run_status_label (StRunStatus status)
{
  switch (status)
    {
    case ST_RUN_RUNNING: return C_("run status", "running");
    case ST_RUN_FINISHED: return C_("run status", "finished");
    case ST_RUN_STOPPED: return C_("run status", "stopped");
    case ST_RUN_DIVERGED: return C_("run status", "diverged");
    case ST_RUN_FAILED: return C_("run status", "failed");
    case ST_RUN_INTERRUPTED: return C_("run status", "interrupted");
    default: return "?";
    }
}

/* 31.5 s, 5 min 31 s, 2 h 05 min. */
char *
st_run_format_duration (double seconds)
{
  gint64 whole;

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("—");
  if (seconds < 60)
    return g_strdup_printf (_("%.1f s"), seconds);
  whole = (gint64) round (seconds);
  if (whole < 3600)
    return g_strdup_printf (_("%d min %02d s"), (int) (whole / 60), (int) (whole % 60));
  return g_strdup_printf (_("%" PRId64 " h %02d min"), (int64_t) (whole / 3600),
                          (int) (whole % 3600 / 60));
}

char *
st_runs_dir (void)
{
  const char *dir = g_getenv ("STRATA_RUNS_DIR");

  if (dir != NULL && *dir != '\0')
    return g_strdup (dir);
  return g_build_filename (g_get_user_data_dir (), "strata", "runs", NULL);
}

void
st_run_free (StRun *run)
{
  if (run == NULL)
    return;
  g_free (run->id);
  g_free (run->dir);
  g_free (run->name);
  g_free (run->note);
  g_free (run->message);
  g_free (run->source);
  g_free (run->started);
  g_free (run->device);
  g_free (run->dataset);
  g_clear_pointer (&run->spec, st_spec_free);
  g_clear_pointer (&run->epochs, g_array_unref);
  g_clear_pointer (&run->batches, g_array_unref);
  g_free (run);
}

/* ---- run.json ---------------------------------------------------------------------- */

JsonObject *
st_run_json_read (const char *path, JsonParser **parser, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *text = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root, *format;
  gsize length;

  text = st_input_file_read (path, RUN_JSON_MAX_SIZE, _("a run record"), &length, error);
  if (text == NULL)
    return NULL;
  if (!st_json_check_depth (text, length, display, &local))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, local->message);
      return NULL;
    }
  if (memchr (text, '\0', length) != NULL || !json_parser_load_from_data (p, text, length, &local))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: not valid JSON: %s"),
                   display, local != NULL ? local->message : _("it contains binary data"));
      return NULL;
    }
  root = json_parser_get_root (p);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: not a Strata run record (not a JSON object)"), display);
      return NULL;
    }
  format = json_object_get_member (json_node_get_object (root), "format");
  if (format == NULL || json_node_get_value_type (format) != G_TYPE_STRING)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: not a Strata run record (no \"format\": \"%s\")"), display,
                   ST_RUN_FORMAT);
      return NULL;
    }
  if (strcmp (json_node_get_string (format), ST_RUN_FORMAT) != 0)
    {
      g_autofree char *found = g_utf8_make_valid (json_node_get_string (format), -1);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: not a Strata run record (format \"%s\"; Strata reads \"%s\")"),
                   display, found, ST_RUN_FORMAT);
      return NULL;
    }
  *parser = g_steal_pointer (&p);
  return json_node_get_object (root);
}

gboolean
st_run_json_write (const char *path, JsonObject *record, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (record);
  g_autoptr (GString) out = g_string_new ("{\n");

  for (GList *l = members; l != NULL; l = l->next)
    {
      g_string_append (out, "  ");
      st_json_append_string (out, l->data);
      g_string_append (out, ": ");
      st_json_append_node (out, json_object_get_member (record, l->data), TRUE);
      g_string_append (out, l->next != NULL ? ",\n" : "\n");
    }
  g_string_append (out, "}\n");
  return st_atomic_file_set_contents (path, out->str, out->len, 0644, error);
}

typedef enum {
  FIELD_STRING,                 /* char *: the fallback when absent or null */
  FIELD_INT,                    /* int, 0 to G_MAXINT; 0 when absent */
  FIELD_INT64,                  /* gint64, from 0; 0 when absent */
  FIELD_DOUBLE,                 /* double; 0 when absent, NaN when null */
} FieldKind;

typedef struct {
  const char *key;
  FieldKind   kind;
  gsize       offset;
  const char *fallback;
} Field;

static const Field fields[] = {
  { "name", FIELD_STRING, G_STRUCT_OFFSET (StRun, name), "" },
  { "note", FIELD_STRING, G_STRUCT_OFFSET (StRun, note), "" },
  { "message", FIELD_STRING, G_STRUCT_OFFSET (StRun, message), NULL },
  { "source", FIELD_STRING, G_STRUCT_OFFSET (StRun, source), "strata" },
  { "started", FIELD_STRING, G_STRUCT_OFFSET (StRun, started), "" },
  { "device", FIELD_STRING, G_STRUCT_OFFSET (StRun, device), "" },
  { "dataset", FIELD_STRING, G_STRUCT_OFFSET (StRun, dataset), "" },
  { "limit", FIELD_INT64, G_STRUCT_OFFSET (StRun, limit), NULL },
  { "epochs_planned", FIELD_INT, G_STRUCT_OFFSET (StRun, epochs_planned), NULL },
  { "epochs_done", FIELD_INT, G_STRUCT_OFFSET (StRun, epochs_done), NULL },
  { "best_epoch", FIELD_INT, G_STRUCT_OFFSET (StRun, best_epoch), NULL },
  { "best_test_acc", FIELD_DOUBLE, G_STRUCT_OFFSET (StRun, best_test_acc), NULL },
  { "best_test_loss", FIELD_DOUBLE, G_STRUCT_OFFSET (StRun, best_test_loss), NULL },
  { "seconds", FIELD_DOUBLE, G_STRUCT_OFFSET (StRun, seconds), NULL },
  { "examples_per_sec", FIELD_DOUBLE, G_STRUCT_OFFSET (StRun, examples_per_sec), NULL },
};

static gboolean
is_null (JsonNode *value)
{
  return value == NULL || JSON_NODE_HOLDS_NULL (value);
}

/* A string member: NULL when absent or null; FALSE with `error` for another kind. */
static gboolean
read_string (JsonObject *o, const char *key, const char *display, const char **out,
             GError **error)
{
  JsonNode *value = json_object_get_member (o, key);

  *out = NULL;
  if (is_null (value))
    return TRUE;
  if (json_node_get_value_type (value) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (value), -1, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: \"%s\" must be a string of UTF-8 text"), display, key);
      return FALSE;
    }
  *out = json_node_get_string (value);
  return TRUE;
}

/* A whole number in [0, max] (written 5 or 5.0); 0 when absent. */
static gboolean
read_whole (JsonObject *o, const char *key, gint64 max, const char *display, gint64 *out,
            GError **error)
{
  JsonNode *value = json_object_get_member (o, key);
  GType type = value != NULL ? json_node_get_value_type (value) : G_TYPE_INVALID;
  double d = type == G_TYPE_DOUBLE ? json_node_get_double (value) : NAN;

  *out = 0;
  if (value == NULL)
    return TRUE;
  if (type == G_TYPE_INT64)
    *out = json_node_get_int (value);
  else if (d == floor (d) && fabs (d) < 0x1p62)
    *out = (gint64) d;
  else
    *out = -1;
  if (*out < 0 || *out > max)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: \"%s\" must be a whole number from 0 to %" PRId64), display, key,
                   (int64_t) max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_number (JsonObject *o, const char *key, const char *display, double *out, GError **error)
{
  JsonNode *value = json_object_get_member (o, key);
  GType type = value != NULL ? json_node_get_value_type (value) : G_TYPE_INVALID;

  *out = 0.0;
  if (value == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_NULL (value))
    *out = NAN;
  else if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (value);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (value);
  else
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: \"%s\" must be a number"),
                   display, key);
      return FALSE;
    }
  return TRUE;
}

/* Whether the run said "running" here, on this host, and its process is gone. The pid may
 * have been given to another process since: then the run still reads as running. */
static gboolean
process_gone (JsonObject *o, const char *display)
{
  const char *host = NULL;
  gint64 pid = 0;

  if (!read_string (o, "host", display, &host, NULL) || host == NULL
      || strcmp (host, g_get_host_name ()) != 0
      || !read_whole (o, "pid", G_MAXINT, display, &pid, NULL) || pid <= 0)
    return FALSE;
  return kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
}

static gboolean
fill_run (StRun *run, JsonObject *o, const char *display, GError **error)
{
  const char *status = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      gpointer place = G_STRUCT_MEMBER_P (run, f->offset);
      const char *text;
      gint64 whole;

      switch (f->kind)
        {
        case FIELD_STRING:
          if (!read_string (o, f->key, display, &text, error))
            return FALSE;
          *(char **) place = g_strdup (text != NULL ? text : f->fallback);
          break;
        case FIELD_INT:
          if (!read_whole (o, f->key, G_MAXINT, display, &whole, error))
            return FALSE;
          *(int *) place = (int) whole;
          break;
        case FIELD_INT64:
          if (!read_whole (o, f->key, G_MAXINT64, display, &whole, error))
            return FALSE;
          *(gint64 *) place = whole;
          break;
        case FIELD_DOUBLE:
          if (!read_number (o, f->key, display, (double *) place, error))
            return FALSE;
          break;
        }
    }
  if (!read_string (o, "status", display, &status, error))
    return FALSE;
  if (status == NULL || !st_run_status_from_name (status, &run->status))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: \"status\" must be running, finished, stopped, diverged or failed, "
                     "not \"%s\""), display, status != NULL ? status : "null");
      return FALSE;
    }
  if (run->status == ST_RUN_RUNNING && process_gone (o, display))
    run->status = ST_RUN_INTERRUPTED;
  return TRUE;
}

/* ---- a new run's folder ------------------------------------------------------------ */

/* "LeNet-5 (ReLU)" → "lenet-5-relu": letters and digits of any script kept, lowercased,
 * every other run of characters one '-'; at most 40 bytes; "model" when nothing is left.
 * The rule of run-record.c's folders, so that an imported run is named as a recorded one. */
static char *
slug (const char *name)
{
  GString *out = g_string_new (NULL);
  gboolean dash = FALSE;

  for (const char *p = name != NULL ? name : ""; *p != '\0' && out->len < 40;
       p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (g_unichar_isalnum (c))
        {
          if (dash && out->len > 0)
            g_string_append_c (out, '-');
          g_string_append_unichar (out, g_unichar_tolower (c));
          dash = FALSE;
        }
      else
        dash = TRUE;
    }
  if (out->len == 0)
    g_string_append (out, "model");
  return g_string_free (out, FALSE);
}

char *
st_run_dir_create (const char *runs_dir, const char *name, char **id, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *s = slug (name), *base = g_strdup_printf ("%s-%s", stamp, s);
  g_autofree char *runs_display = g_filename_display_name (runs_dir);
  int saved;

  if (g_mkdir_with_parents (runs_dir, 0755) != 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot create the runs folder %s: %s"), runs_display, g_strerror (saved));
      return NULL;
    }
  for (int n = 1; n < 1000; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (base) : g_strdup_printf ("%s-%d", base, n);
      g_autofree char *dir = g_build_filename (runs_dir, candidate, NULL);
      g_autofree char *display = NULL;

      if (g_mkdir (dir, 0755) == 0)
        {
          *id = g_steal_pointer (&candidate);
          return g_steal_pointer (&dir);
        }
      if (errno == EEXIST)
        continue;
      saved = errno;
      display = g_filename_display_name (dir);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot create the run folder %s: %s"), display, g_strerror (saved));
      return NULL;
    }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
               _("cannot create a run folder in %s: %s and 998 more are taken"), runs_display,
               base);
  return NULL;
}

/* ---- epochs.jsonl and batches.csv ---------------------------------------------------- */

/* {"epoch": 3, "train_loss": …}: an object with a whole "epoch" from 1; a number missing or
 * null (a diverged epoch's loss) reads as NaN. */
static gboolean
read_epoch_line (char *line, gpointer into, JsonParser *parser)
{
  GArray *epochs = into;
  JsonObject *o = st_json_line_object (line, parser);
  StEpochMetrics m;
  JsonNode *epoch;

  if (o == NULL)
    return FALSE;
  epoch = json_object_get_member (o, "epoch");
  if (epoch == NULL || json_node_get_value_type (epoch) != G_TYPE_INT64
      || json_node_get_int (epoch) < 1 || json_node_get_int (epoch) > G_MAXINT)
    return FALSE;
  m = (StEpochMetrics) {
    .epoch = (int) json_node_get_int (epoch),
    .train_loss = st_json_member_number (o, "train_loss"),
    .train_acc = st_json_member_number (o, "train_acc"),
    .test_loss = st_json_member_number (o, "test_loss"),
    .test_acc = st_json_member_number (o, "test_acc"),
    .examples_per_sec = st_json_member_number (o, "examples_per_sec"),
    .seconds = st_json_member_number (o, "seconds"),
  };
  while (epochs->len > 0
         && g_array_index (epochs, StEpochMetrics, epochs->len - 1).epoch >= m.epoch)
    g_array_set_size (epochs, epochs->len - 1);
  g_array_append_val (epochs, m);
  return TRUE;
}

/* 3,17,235,0.41 (epoch, batch, n_batches, loss; "nan", "inf" as the writer puts them). */
static gboolean
read_batch_row (char *line, gpointer into, JsonParser *parser)
{
  GArray *batches = into;
  g_auto (GStrv) f = g_strsplit (line, ",", -1);
  gint64 epoch, batch, n_batches;
  StRunBatch b;
  char *end = NULL;

  if (g_strv_length (f) != 4
      || !g_ascii_string_to_signed (f[0], 10, 1, G_MAXINT, &epoch, NULL)
      || !g_ascii_string_to_signed (f[1], 10, 1, G_MAXINT64, &batch, NULL)
      || !g_ascii_string_to_signed (f[2], 10, 1, G_MAXINT64, &n_batches, NULL))
    return FALSE;
  b = (StRunBatch) { (int) epoch, batch, n_batches, g_ascii_strtod (f[3], &end) };
  if (end == f[3] || *end != '\0')
    return FALSE;
  g_array_append_val (batches, b);
  return TRUE;
}

/* The lines of `path` through `read` (line-file.h), into an array of element_size; an empty
 * array when the file is missing and `missing_ok`. `rows`: batches.csv. */
static GArray *
read_line_file (const char *path, gsize max_size, const char *what, gboolean missing_ok,
                gboolean rows, gsize element_size, StLineReader read, GError **error)
{
  g_autoptr (GArray) array = g_array_new (FALSE, FALSE, element_size);

  if (!st_line_file_read (path, max_size, what, missing_ok, rows, read, array, error))
    return NULL;
  return g_steal_pointer (&array);
}

GArray *
st_run_epochs_read (const char *path, gboolean missing_ok, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  return read_line_file (path, EPOCHS_MAX_SIZE, _("a file of epochs"), missing_ok, FALSE,
                         sizeof (StEpochMetrics), read_epoch_line, error);
}

/* ---- a run, the runs ----------------------------------------------------------------- */

StRun *
st_run_load (const char *run_dir, gboolean with_batches, GError **error)
{
  g_autofree char *record = NULL, *display = NULL, *model = NULL, *epochs = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (StRun) run = NULL;
  g_autoptr (GError) local = NULL;
  JsonObject *o;

  g_return_val_if_fail (run_dir != NULL, NULL);

  record = g_build_filename (run_dir, "run.json", NULL);
  display = g_filename_display_name (record);
  o = st_run_json_read (record, &parser, error);
  if (o == NULL)
    return NULL;
  run = g_new0 (StRun, 1);
  run->dir = g_strdup (run_dir);
  {
    g_autofree char *absolute = g_canonicalize_filename (run_dir, NULL);

    run->id = g_path_get_basename (absolute);
  }
  if (!fill_run (run, o, display, error))
    return NULL;

  model = g_build_filename (run_dir, "model.strata.json", NULL);
  if (g_file_test (model, G_FILE_TEST_EXISTS)
      && (run->spec = st_spec_load_from_file (model, &local)) == NULL)
    g_debug ("%s", local->message);
  epochs = g_build_filename (run_dir, "epochs.jsonl", NULL);
  run->epochs = st_run_epochs_read (epochs, TRUE, error);
  if (run->epochs == NULL)
    return NULL;
  /* an epoch's line is flushed before run.json counts it: killed between the two, the line
   * is the one that says the epoch ended */
  if (run->epochs->len > 0)
    run->epochs_done = MAX (run->epochs_done,
                            g_array_index (run->epochs, StEpochMetrics,
                                           run->epochs->len - 1).epoch);
  if (with_batches)
    {
      g_autofree char *batches = g_build_filename (run_dir, "batches.csv", NULL);

      run->batches = read_line_file (batches, BATCHES_MAX_SIZE, _("a file of training steps"),
                                     TRUE, TRUE, sizeof (StRunBatch), read_batch_row, error);
      if (run->batches == NULL)
        return NULL;
    }
  return g_steal_pointer (&run);
}

/* Newest first: by the start (ISO 8601 in UTC sorts as text), then by the id. */
static int
compare_runs (gconstpointer a, gconstpointer b)
{
  const StRun *x = *(StRun *const *) a, *y = *(StRun *const *) b;
  int by_start = strcmp (y->started, x->started);

  return by_start != 0 ? by_start : strcmp (y->id, x->id);
}

/* The ids of runs_dir: its folders that hold a run.json, hidden ones left out. A folder
 * without one is not a run, or one whose first write has not happened yet. NULL with
 * `error` when runs_dir cannot be read; empty when it does not exist. */
static GPtrArray *
list_ids (const char *runs_dir, GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) dir = g_dir_open (runs_dir, 0, &local);
  const char *name;

  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&ids);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *record = g_build_filename (runs_dir, name, "run.json", NULL);

      if (name[0] != '.' && g_file_test (record, G_FILE_TEST_EXISTS))
        g_ptr_array_add (ids, g_strdup (name));
    }
  return g_steal_pointer (&ids);
}

GPtrArray *
st_runs_list (const char *runs_dir, GError **error)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) st_run_free);
  g_autoptr (GPtrArray) ids = NULL;

  g_return_val_if_fail (runs_dir != NULL, NULL);

  ids = list_ids (runs_dir, error);
  if (ids == NULL)
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *dir = g_build_filename (runs_dir, g_ptr_array_index (ids, i), NULL);
      g_autoptr (GError) local = NULL;
      StRun *run = st_run_load (dir, FALSE, &local);

      if (run != NULL)
        g_ptr_array_add (runs, run);
      else
        g_warning (_("a run left out of the list: %s"), local->message);
    }
  g_ptr_array_sort (runs, compare_runs);
  return g_steal_pointer (&runs);
}

static gboolean
is_run_dir (const char *dir)
{
  g_autofree char *record = g_build_filename (dir, "run.json", NULL);

  return g_file_test (record, G_FILE_TEST_IS_REGULAR);
}

static char *
run_folder (const char *dir, GError **error)
{
  g_autofree char *display = NULL;

  if (is_run_dir (dir))
    return g_strdup (dir);
  display = g_filename_display_name (dir);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               _("%s: not the folder of a run (it has no run.json)"), display);
  return NULL;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char *
st_run_find (const char *runs_dir, const char *what, GError **error)
{
  g_autofree char *exact = NULL, *display = NULL, *runs_display = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GPtrArray) matches = g_ptr_array_new ();
  g_autoptr (GString) list = NULL;

  g_return_val_if_fail (runs_dir != NULL && what != NULL, NULL);

  /* a path is a folder; a word is an id, else a folder here, else the start of an id */
  if (strchr (what, G_DIR_SEPARATOR) != NULL || strcmp (what, ".") == 0
      || strcmp (what, "..") == 0)
    return run_folder (what, error);
  if (*what != '\0')
    {
      exact = g_build_filename (runs_dir, what, NULL);
      if (is_run_dir (exact))
        return g_steal_pointer (&exact);
      if (g_file_test (what, G_FILE_TEST_IS_DIR))
        return run_folder (what, error);
    }
  ids = list_ids (runs_dir, error);
  if (ids == NULL)
    return NULL;
  for (guint i = 0; *what != '\0' && i < ids->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (ids, i), what))
      g_ptr_array_add (matches, g_ptr_array_index (ids, i));
  if (matches->len == 1)
    return g_build_filename (runs_dir, g_ptr_array_index (matches, 0), NULL);

  display = g_filename_display_name (what);
  runs_display = g_filename_display_name (runs_dir);
  if (matches->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("no run \"%s\" in %s: give a run's folder, its id or the start of its id"),
                   display, runs_display);
      return NULL;
    }
  g_ptr_array_sort (matches, compare_strings);
  list = g_string_new (NULL);
  for (guint i = 0; i < matches->len; i++)
    {
      g_autofree char *id = g_filename_display_name (g_ptr_array_index (matches, i));

      g_string_append_printf (list, "%s%s", i > 0 ? ", " : "", id);
    }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
               _("\"%s\" is the start of %u runs' ids in %s: %s; give more of the id"), display,
               matches->len, runs_display, list->str);
  return NULL;
}

/* run.json with `key` set to `value`, the rest as it was. */
static gboolean
set_member (const char *run_dir, const char *key, const char *value, GError **error)
{
  g_autofree char *record = g_build_filename (run_dir, "run.json", NULL);
  g_autofree char *display = g_filename_display_name (record);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (StRun) run = g_new0 (StRun, 1);
  JsonObject *o = st_run_json_read (record, &parser, error);

  /* a record that does not read is not rewritten */
  if (o == NULL || !fill_run (run, o, display, error))
    return FALSE;
  json_object_set_string_member (o, key, value);
  return st_run_json_write (record, o, error);
}

gboolean
st_run_set_name (const char *run_dir, const char *name, GError **error)
{
  g_return_val_if_fail (run_dir != NULL, FALSE);
  g_return_val_if_fail (name != NULL && g_utf8_validate (name, -1, NULL), FALSE);

  return set_member (run_dir, "name", name, error);
}

gboolean
st_run_set_note (const char *run_dir, const char *note, GError **error)
{
  g_return_val_if_fail (run_dir != NULL, FALSE);
  g_return_val_if_fail (note != NULL && g_utf8_validate (note, -1, NULL), FALSE);

  return set_member (run_dir, "note", note, error);
}
