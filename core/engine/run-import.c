/* run-import.c: a run of the PyTorch training package brought into the history of runs
 * (run-import.h has what it makes of the package's output). */
#define G_LOG_DOMAIN "strata-runs"

#include "core/engine/run-import.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "core/engine/checkpoint.h"
#include "core/engine/epoch-metrics.h"
#include "core/engine/net.h"
#include "core/engine/run-list-private.h"
#include "core/io/atomic-file.h"
#include "core/io/input-file.h"
#include "core/io/safetensors.h"
#include "core/model/spec-read.h"

#define COPY_CHUNK ((gsize) 1 << 20)

/* What an import writes into its folder, run.json last. */
static const char *const run_files[] = { "model.strata.json", "epochs.jsonl",
                                         "best.safetensors", "run.json" };

/* The run's model (see run-import.h for where from); `origin` names its source. */
static StSpec *
import_model (const char *out_dir, const char *model_path, StSafetensors *best, char **origin,
              GError **error)
{
  g_autofree char *best_display = g_filename_display_name (st_safetensors_get_path (best));
  g_autofree char *absolute = NULL, *parent = NULL, *package_model = NULL;
  const char *embedded = st_safetensors_get_metadata_value (best, "strata.model");

  if (model_path != NULL)
    {
      *origin = g_filename_display_name (model_path);
      return st_spec_load_from_file (model_path, error);
    }
  if (embedded != NULL)
    {
      *origin = g_strdup_printf (_("the model in %s"), best_display);
      return st_spec_load_from_data (embedded, -1, *origin, error);
    }
  absolute = g_canonicalize_filename (out_dir, NULL);
  parent = g_path_get_dirname (absolute);
  package_model = g_build_filename (parent, "model.strata.json", NULL);
  *origin = g_filename_display_name (package_model);
  if (g_file_test (package_model, G_FILE_TEST_EXISTS))
    return st_spec_load_from_file (package_model, error);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               _("%s holds no model (no \"strata.model\" in its metadata) and there is no %s: "
                 "name the model file"), best_display, *origin);
  return NULL;
}

/* The weights of `path` are exactly the model's tensors with the model's shapes. */
static gboolean
check_weights (const StSpec *spec, const char *origin, const char *path, GError **error)
{
  g_autoptr (StNet) net = st_net_compile (spec, error);
  g_autofree float *params = NULL, *buffers = NULL;

  if (net == NULL)
    {
      g_prefix_error (error, "%s: ", origin);
      return FALSE;
    }
  params = g_try_new (float, MAX (net->n_params, 1));
  buffers = g_try_new (float, MAX (net->n_buffers, 1));
  if (params == NULL || buffers == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _("the model's %zu parameters do not fit in memory"), net->n_params);
      g_prefix_error (error, "%s: ", origin);
      return FALSE;
    }
  return st_checkpoint_load (net, path, params, buffers, NULL, error);
}

/* `from` copied to `to`, atomically, a chunk at a time. */
static gboolean
copy_file (const char *from, const char *to, GError **error)
{
  g_autoptr (StAtomicFile) file = NULL;
  g_autofree char *buffer = NULL;
  int fd = st_input_file_open (from, NULL, error);

  if (fd < 0)
    return FALSE;
  file = st_atomic_file_open (to, 0644, error);
  buffer = g_try_malloc (COPY_CHUNK);
  if (file == NULL || buffer == NULL)
    {
      close (fd);
      if (buffer == NULL && file != NULL)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                     _("%s: the file is too large for memory"), to);
      return FALSE;
    }
  for (;;)
    {
      gssize n = read (fd, buffer, COPY_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_autofree char *display = g_filename_display_name (from);

          close (fd);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _("%s: %s: %s"),
                       display, _("cannot read"), g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      if (!st_atomic_file_write (file, buffer, n, error))
        {
          close (fd);
          return FALSE;
        }
    }
  close (fd);
  return st_atomic_file_commit (g_steal_pointer (&file), error);
}

/* The epoch whose weights best.safetensors holds ("strata.epoch"), else the highest test
 * accuracy (the first of equals, as train.py keeps it); -1 when no epoch has one. */
static int
best_index (GArray *epochs, StSafetensors *best)
{
  const char *text = st_safetensors_get_metadata_value (best, "strata.epoch");
  gint64 epoch;
  int found = -1;

  if (text != NULL && g_ascii_string_to_signed (text, 10, 1, G_MAXINT, &epoch, NULL))
    for (guint i = 0; i < epochs->len; i++)
      if (g_array_index (epochs, StEpochMetrics, i).epoch == epoch)
        return (int) i;
  for (guint i = 0; i < epochs->len; i++)
    {
      double acc = g_array_index (epochs, StEpochMetrics, i).test_acc;

      if (isfinite (acc)
          && (found < 0 || acc > g_array_index (epochs, StEpochMetrics, found).test_acc))
        found = (int) i;
    }
  return found;
}

static JsonObject *
run_record (const char *id, const char *name, const StSpec *spec, GArray *epochs,
            StSafetensors *best)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  const char *trained_by = st_safetensors_get_metadata_value (best, "strata.trained_by");
  g_autofree char *device = trained_by != NULL ? g_strdup_printf ("PyTorch (%s)", trained_by)
                                               : g_strdup ("PyTorch");
  const StEpochMetrics *last = &g_array_index (epochs, StEpochMetrics, epochs->len - 1);
  int b = best_index (epochs, best);
  const StEpochMetrics *top = b >= 0 ? &g_array_index (epochs, StEpochMetrics, b) : NULL;
  JsonObject *o = json_object_new ();
  double seconds = 0.0;

  for (guint i = 0; i < epochs->len; i++)
    if (isfinite (g_array_index (epochs, StEpochMetrics, i).seconds))
      seconds += g_array_index (epochs, StEpochMetrics, i).seconds;
  json_object_set_string_member (o, "format", ST_RUN_FORMAT);
  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "name", name != NULL ? name
                                            : spec->name != NULL ? spec->name : "");
  json_object_set_string_member (o, "note", "");
  json_object_set_string_member (o, "status", st_run_status_name (ST_RUN_FINISHED));
  json_object_set_string_member (o, "source", "pytorch");
  json_object_set_string_member (o, "started", stamp);
  json_object_set_string_member (o, "updated", stamp);
  json_object_set_string_member (o, "device", device);
  json_object_set_string_member (o, "dataset", spec->training.dataset != NULL
                                               ? spec->training.dataset : "");
  json_object_set_int_member (o, "limit", 0);
  json_object_set_int_member (o, "epochs_planned", last->epoch);
  json_object_set_int_member (o, "epochs_done", last->epoch);
  json_object_set_int_member (o, "best_epoch", top != NULL ? top->epoch : 0);
  json_object_set_double_member (o, "best_test_acc", top != NULL ? top->test_acc : 0.0);
  json_object_set_double_member (o, "best_test_loss", top != NULL ? top->test_loss : 0.0);
  json_object_set_double_member (o, "seconds", round (seconds * 1000) / 1000);
  json_object_set_double_member (o, "examples_per_sec", last->examples_per_sec);
  return o;
}

/* Writes the run's files into `dir`, run.json last. */
static gboolean
write_run (const char *dir, const char *id, const char *name, StSpec *spec, GArray *epochs,
           StSafetensors *best, GError **error)
{
  g_autofree char *model = g_build_filename (dir, "model.strata.json", NULL);
  g_autofree char *epochs_path = g_build_filename (dir, "epochs.jsonl", NULL);
  g_autofree char *best_path = g_build_filename (dir, "best.safetensors", NULL);
  g_autofree char *record_path = g_build_filename (dir, "run.json", NULL);
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (JsonObject) record = NULL;

  if (spec->has_training)
    spec->training.epochs = g_array_index (epochs, StEpochMetrics, epochs->len - 1).epoch;
  for (guint i = 0; i < epochs->len; i++)
    {
      st_epoch_metrics_append_json (lines, &g_array_index (epochs, StEpochMetrics, i));
      g_string_append_c (lines, '\n');
    }
  if (!st_spec_save (spec, model, error)
      || !st_atomic_file_set_contents (epochs_path, lines->str, lines->len, 0644, error)
      || !copy_file (st_safetensors_get_path (best), best_path, error))
    return FALSE;
  record = run_record (id, name, spec, epochs, best);
  return st_run_json_write (record_path, record, error);
}

char *
st_run_import_pytorch (const char *runs_dir, const char *out_dir, const char *model_path,
                       const char *name, GError **error)
{
  g_autofree char *out_display = NULL, *metrics = NULL, *metrics_display = NULL;
  g_autofree char *best_path = NULL, *origin = NULL, *dir = NULL, *id = NULL;
  g_autoptr (GArray) epochs = NULL;
  g_autoptr (StSafetensors) best = NULL;
  g_autoptr (StSpec) spec = NULL;

  g_return_val_if_fail (runs_dir != NULL && out_dir != NULL, NULL);
  g_return_val_if_fail (name == NULL || g_utf8_validate (name, -1, NULL), NULL);

  if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
    {
      out_display = g_filename_display_name (out_dir);
      g_set_error (error, G_FILE_ERROR,
                   g_file_test (out_dir, G_FILE_TEST_EXISTS) ? G_FILE_ERROR_NOTDIR
                                                             : G_FILE_ERROR_NOENT,
                   _("%s: not a folder (the folder train.py wrote metrics.jsonl and "
                     "best.safetensors into, its --out)"), out_display);
      return NULL;
    }
  metrics = g_build_filename (out_dir, "metrics.jsonl", NULL);
  epochs = st_run_epochs_read (metrics, FALSE, error);
  if (epochs == NULL)
    return NULL;
  if (epochs->len == 0)
    {
      metrics_display = g_filename_display_name (metrics);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: no epoch to import (no line of it reads as an epoch's metrics)"),
                   metrics_display);
      return NULL;
    }
  best_path = g_build_filename (out_dir, "best.safetensors", NULL);
  best = st_safetensors_load (best_path, ST_SAFETENSORS_LOAD_DEFAULT, error);
  if (best == NULL)
    return NULL;
  spec = import_model (out_dir, model_path, best, &origin, error);
  if (spec == NULL || !check_weights (spec, origin, best_path, error))
    return NULL;

  dir = st_run_dir_create (runs_dir, spec->name, &id, error);
  if (dir == NULL)
    return NULL;
  if (!write_run (dir, id, name, spec, epochs, best, error))
    {
      /* what was written goes: a folder without run.json would not be a run anyway */
      for (gsize i = 0; i < G_N_ELEMENTS (run_files); i++)
        {
          g_autofree char *path = g_build_filename (dir, run_files[i], NULL);

          g_unlink (path);
        }
      g_rmdir (dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

JsonObject *
st_run_read_record (const char *run_dir, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *record;

  g_return_val_if_fail (run_dir != NULL, NULL);

  path = g_build_filename (run_dir, "run.json", NULL);
  record = st_run_json_read (path, &parser, error);
  return record != NULL ? json_object_ref (record) : NULL;
}
