/* run-record.c: recording a run as it trains (run-record.h has the folder's format).
 *
 * Everything is written at the start, at epoch ends and at the end, from the trainer's
 * thread: a training step only stores its loss in the array reserved at the start.
 * epochs.jsonl and batches.csv grow by appends that are flushed to disk before run.json
 * (rewritten atomically) counts the epoch, so run.json never claims an epoch the files do
 * not hold.
 */
#define G_LOG_DOMAIN "strata-runs"

#include "core/engine/run-record.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "core/engine/run-list-private.h"
#include "core/io/atomic-file.h"
#include "core/io/json-write.h"

struct _StRunRecord {
  char       *dir;
  char       *id;
  char       *name;
  char       *note;
  char       *started;          /* ISO 8601, UTC */
  char       *device;
  char       *dataset;
  gint64      limit;
  int         epochs_planned;
  int         epochs_done;
  int         best_epoch;
  double      best_test_acc;
  double      best_test_loss;
  double      seconds;          /* the epochs done */
  double      examples_per_sec; /* the last epoch's */
  char       *checkpoint_path;
  char       *best_path;

  StRunBatch *batches;          /* this epoch's steps, (capacity) */
  gsize       n_batches;
  gsize       capacity;
};

static char *
now_iso (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

static void
append_member (GString *out, const char *key, gboolean first)
{
  g_string_append (out, first ? "  " : ",\n  ");
  st_json_append_string (out, key);
  g_string_append (out, ": ");
}

/* A string member of o, or NULL. */
static const char *
string_member (JsonObject *o, const char *key)
{
  JsonNode *node = json_object_get_member (o, key);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node)
                                                              : NULL;
}

/* The name and note as run.json has them now: a rename while the run trains stays. */
static void
reread_name_and_note (StRunRecord *r, const char *path)
{
  g_autoptr (JsonParser) parser = NULL;
  const char *name, *note;
  JsonObject *o;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)
      || (o = st_run_json_read (path, &parser, NULL)) == NULL)
    return;
  if ((name = string_member (o, "name")) != NULL)
    {
      g_free (r->name);
      r->name = g_strdup (name);
    }
  if ((note = string_member (o, "note")) != NULL)
    {
      g_free (r->note);
      r->note = g_strdup (note);
    }
}

static gboolean
write_run_json (StRunRecord *r, StRunStatus status, const char *message, GError **error)
{
  g_autofree char *path = g_build_filename (r->dir, "run.json", NULL);
  g_autofree char *updated = now_iso ();
  GString *out;
  gboolean ok;

  reread_name_and_note (r, path);
  out = g_string_new ("{\n");

  append_member (out, "format", TRUE);
  st_json_append_string (out, ST_RUN_FORMAT);
  append_member (out, "id", FALSE);
  st_json_append_string (out, r->id);
  append_member (out, "name", FALSE);
  st_json_append_string (out, r->name);
  append_member (out, "note", FALSE);
  st_json_append_string (out, r->note);
  append_member (out, "status", FALSE);
  st_json_append_string (out, st_run_status_name (status));
  if (message != NULL)
    {
      append_member (out, "message", FALSE);
      st_json_append_string (out, message);
    }
  append_member (out, "source", FALSE);
  st_json_append_string (out, "strata");
  append_member (out, "host", FALSE);
  st_json_append_string (out, g_get_host_name ());
  append_member (out, "pid", FALSE);
  g_string_append_printf (out, "%d", (int) getpid ());
  append_member (out, "started", FALSE);
  st_json_append_string (out, r->started);
  append_member (out, "updated", FALSE);
  st_json_append_string (out, updated);
  append_member (out, "device", FALSE);
  st_json_append_string (out, r->device);
  append_member (out, "dataset", FALSE);
  st_json_append_string (out, r->dataset);
  append_member (out, "limit", FALSE);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, r->limit);
  append_member (out, "epochs_planned", FALSE);
  g_string_append_printf (out, "%d", r->epochs_planned);
  append_member (out, "epochs_done", FALSE);
  g_string_append_printf (out, "%d", r->epochs_done);
  append_member (out, "best_epoch", FALSE);
  g_string_append_printf (out, "%d", r->best_epoch);
  append_member (out, "best_test_acc", FALSE);
  st_json_append_double (out, r->best_epoch > 0 ? r->best_test_acc : 0.0);
  append_member (out, "best_test_loss", FALSE);
  st_json_append_double (out, r->best_epoch > 0 ? r->best_test_loss : 0.0);
  append_member (out, "seconds", FALSE);
  st_json_append_double (out, round (r->seconds * 1000) / 1000);
  append_member (out, "examples_per_sec", FALSE);
  st_json_append_double (out, round (r->examples_per_sec * 10) / 10);
  g_string_append (out, "\n}\n");
  ok = st_atomic_file_set_contents (path, out->str, out->len, 0644, error);
  g_string_free (out, TRUE);
  return ok;
}

/* Appends `text` to the run's file `name` and flushes it to disk. */
static gboolean
append_file (StRunRecord *r, const char *name, const char *text, gsize len, GError **error)
{
  g_autofree char *path = g_build_filename (r->dir, name, NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  gsize done = 0;
  int saved = 0;

  if (fd < 0)
    saved = errno;
  while (fd >= 0 && saved == 0 && done < len)
    {
      gssize n = write (fd, text + done, len - done);

      if (n < 0 && errno != EINTR)
        saved = errno;
      else if (n > 0)
        done += n;
    }
  if (fd >= 0 && saved == 0 && fsync (fd) != 0)
    saved = errno;
  if (fd >= 0)
    close (fd);
  if (saved != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot write the run record %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static StRunRecord *
record_new (const char *dir, const StSpec *spec, const StRunStart *start)
{
  StRunRecord *r = g_new0 (StRunRecord, 1);

  r->dir = g_strdup (dir);
  r->id = g_path_get_basename (dir);
  r->name = g_strdup (spec->name != NULL ? spec->name : "");
  r->note = g_strdup ("");
  r->started = now_iso ();
  r->device = g_strdup (start->device != NULL ? start->device : "");
  r->dataset = g_strdup (spec->training.dataset != NULL ? spec->training.dataset : "");
  r->limit = start->limit;
  r->epochs_planned = spec->training.epochs;
  r->checkpoint_path = g_build_filename (dir, "checkpoint.safetensors", NULL);
  r->best_path = g_build_filename (dir, "best.safetensors", NULL);
  r->capacity = (gsize) MAX (start->n_batches, 1);
  r->batches = g_try_new (StRunBatch, r->capacity);
  if (r->batches == NULL)
    r->capacity = 0;
  return r;
}

StRunRecord *
st_run_record_begin (const char *runs_dir, const StSpec *spec, const StRunStart *start,
                     GError **error)
{
  g_autoptr (StRunRecord) r = NULL;
  g_autofree char *id = NULL, *dir = NULL, *model = NULL;

  g_return_val_if_fail (runs_dir != NULL && spec != NULL && start != NULL, NULL);

  dir = st_run_dir_create (runs_dir, spec->name, &id, error);
  if (dir == NULL)
    return NULL;
  r = record_new (dir, spec, start);
  model = g_build_filename (dir, "model.strata.json", NULL);
  if (!st_spec_save (spec, model, error)
      || !append_file (r, "batches.csv", "epoch,batch,n_batches,loss\n",
                       strlen ("epoch,batch,n_batches,loss\n"), error)
      || !append_file (r, "epochs.jsonl", "", 0, error)
      || !write_run_json (r, ST_RUN_RUNNING, NULL, error))
    return NULL;
  return g_steal_pointer (&r);
}

/* Keeps the lines of `name` that belong to epochs ≤ done_epochs: `first` lines (a header)
 * always, then those whose epoch (read by `epoch_of`) is small enough; a line that does not
 * read (the torn end of a killed run) goes. Rewritten atomically. */
static gboolean
trim_file (const char *dir, const char *name, int first, int done_epochs,
           int (*epoch_of) (const char *line), GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GString *kept = g_string_new (NULL);
  gboolean ok;
  int i = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  lines = g_strsplit (text, "\n", -1);
  for (; lines[i] != NULL; i++)
    {
      int epoch;

      if (lines[i][0] == '\0')
        continue;
      epoch = i < first ? 0 : epoch_of (lines[i]);
      if (epoch >= 0 && epoch <= done_epochs)
        g_string_append_printf (kept, "%s\n", lines[i]);
    }
  ok = st_atomic_file_set_contents (path, kept->str, kept->len, 0644, error);
  g_string_free (kept, TRUE);
  return ok;
}

/* {"epoch": 3, …}: 3, or -1 for a line that is not one (whole and closed). */
static int
jsonl_epoch (const char *line)
{
  gint64 epoch;
  char *end = NULL;

  if (!g_str_has_prefix (line, "{\"epoch\": ") || !g_str_has_suffix (line, "}"))
    return -1;
  epoch = g_ascii_strtoll (line + strlen ("{\"epoch\": "), &end, 10);
  return end != NULL && *end == ',' && epoch >= 1 && epoch <= G_MAXINT ? (int) epoch : -1;
}

/* 3,17,235,0.41: 3, or -1 for a row that is not one (four fields). */
static int
csv_epoch (const char *line)
{
  g_auto (GStrv) fields = g_strsplit (line, ",", -1);
  gint64 epoch;

  if (g_strv_length (fields) != 4
      || !g_ascii_string_to_signed (fields[0], 10, 1, G_MAXINT, &epoch, NULL))
    return -1;
  return (int) epoch;
}

StRunRecord *
st_run_record_continue (const char *run_dir, const StSpec *spec, const StRunStart *start,
                        int done_epochs, GError **error)
{
  g_autoptr (StRunRecord) r = NULL;
  g_autoptr (StRun) run = NULL;

  g_return_val_if_fail (run_dir != NULL && spec != NULL && start != NULL, NULL);

  run = st_run_load (run_dir, FALSE, error);
  if (run == NULL)
    return NULL;
  r = record_new (run_dir, spec, start);
  g_free (r->id);
  r->id = g_strdup (run->id);
  g_free (r->name);
  r->name = g_strdup (run->name);
  g_free (r->note);
  r->note = g_strdup (run->note);
  g_free (r->started);
  r->started = g_strdup (run->started);
  r->epochs_done = done_epochs;
  /* the epochs kept are those before the resume; the time and best of those */
  for (guint i = 0; i < run->epochs->len; i++)
    {
      const StEpochMetrics *m = &g_array_index (run->epochs, StEpochMetrics, i);

      if (m->epoch > done_epochs)
        continue;
      r->seconds += m->seconds;
      r->examples_per_sec = m->examples_per_sec;
      if (r->best_epoch == 0 || m->test_acc > r->best_test_acc)
        {
          r->best_epoch = m->epoch;
          r->best_test_acc = m->test_acc;
          r->best_test_loss = m->test_loss;
        }
    }
  if (!trim_file (run_dir, "epochs.jsonl", 0, done_epochs, jsonl_epoch, error)
      || !trim_file (run_dir, "batches.csv", 1, done_epochs, csv_epoch, error)
      || !trim_file (run_dir, "insight.jsonl", 0, done_epochs, jsonl_epoch, error)
      || !trim_file (run_dir, "projection.jsonl", 0, done_epochs, jsonl_epoch, error)
      || !write_run_json (r, ST_RUN_RUNNING, NULL, error))
    return NULL;
  return g_steal_pointer (&r);
}

const char *
st_run_record_get_dir (StRunRecord *record)
{
  return record->dir;
}

const char *
st_run_record_get_checkpoint_path (StRunRecord *record)
{
  return record->checkpoint_path;
}

const char *
st_run_record_get_best_path (StRunRecord *record)
{
  return record->best_path;
}

void
st_run_record_add_batch (StRunRecord *record, int epoch, gint64 batch, gint64 n_batches,
                         double loss)
{
  if (record->n_batches < record->capacity)
    record->batches[record->n_batches++] = (StRunBatch) { epoch, batch, n_batches, loss };
}

gboolean
st_run_record_end_epoch (StRunRecord *record, const StEpochMetrics *metrics, int best_epoch,
                         double best_test_acc, double best_test_loss, GError **error)
{
  GString *line = g_string_new (NULL);
  GString *rows = g_string_new (NULL);
  gboolean ok;

  g_return_val_if_fail (record != NULL && metrics != NULL, FALSE);

  st_epoch_metrics_append_json (line, metrics);
  g_string_append_c (line, '\n');
  for (gsize i = 0; i < record->n_batches; i++)
    {
      const StRunBatch *b = &record->batches[i];

      g_string_append_printf (rows, "%d,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",", b->epoch,
                              b->batch, b->n_batches);
      if (isfinite (b->loss))
        st_json_append_double (rows, b->loss);
      else
        g_string_append (rows, isnan (b->loss) ? "nan" : b->loss > 0 ? "inf" : "-inf");
      g_string_append_c (rows, '\n');
    }
  record->n_batches = 0;
  record->epochs_done = metrics->epoch;
  record->seconds += metrics->seconds;
  record->examples_per_sec = metrics->examples_per_sec;
  record->best_epoch = best_epoch;
  record->best_test_acc = best_test_acc;
  record->best_test_loss = best_test_loss;
  ok = append_file (record, "batches.csv", rows->str, rows->len, error)
       && append_file (record, "epochs.jsonl", line->str, line->len, error)
       && write_run_json (record, ST_RUN_RUNNING, NULL, error);
  g_string_free (line, TRUE);
  g_string_free (rows, TRUE);
  return ok;
}

gboolean
st_run_record_add_insight (StRunRecord *record, const char *json, GError **error)
{
  g_autofree char *line = g_strconcat (json, "\n", NULL);

  g_return_val_if_fail (record != NULL && json != NULL, FALSE);

  return append_file (record, "insight.jsonl", line, strlen (line), error);
}

gboolean
st_run_record_add_projection (StRunRecord *record, const char *json, GError **error)
{
  g_autofree char *line = g_strconcat (json, "\n", NULL);

  g_return_val_if_fail (record != NULL && json != NULL, FALSE);

  return append_file (record, "projection.jsonl", line, strlen (line), error);
}

gboolean
st_run_record_finish (StRunRecord *record, StRunStatus status, const char *message,
                      GError **error)
{
  g_return_val_if_fail (record != NULL, FALSE);

  /* the steps of an epoch that did not end are not kept: epochs.jsonl has no line for them */
  record->n_batches = 0;
  return write_run_json (record, status, message, error);
}

void
st_run_record_free (StRunRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->dir);
  g_free (record->id);
  g_free (record->name);
  g_free (record->note);
  g_free (record->started);
  g_free (record->device);
  g_free (record->dataset);
  g_free (record->checkpoint_path);
  g_free (record->best_path);
  g_free (record->batches);
  g_free (record);
}
