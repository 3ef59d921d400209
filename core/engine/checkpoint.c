#define G_LOG_DOMAIN "strata-checkpoint"

#include "core/engine/checkpoint.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#include "core/io/safetensors.h"

static StSafetensorsTensor *
tensor_list (const StNet *net, const float *params, const float *buffers, gsize *n)
{
  StSafetensorsTensor *list = g_new0 (StSafetensorsTensor, net->n_tensors);

  *n = 0;
  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      StSafetensorsTensor *s;

      if (t->role == ST_TENSOR_BUFFER && buffers == NULL)
        continue;
      s = &list[(*n)++];
      s->name = t->name;
      s->rank = t->rank;
      memcpy (s->dims, t->dims, sizeof (gint64) * t->rank);
      s->data = t->role == ST_TENSOR_PARAM ? params + t->offset
                                           : (buffers != NULL ? buffers + t->offset : NULL);
    }
  return list;
}

gboolean
st_checkpoint_save (const StNet *net, const float *params, const float *buffers,
                    GHashTable *metadata, const char *path, GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree StSafetensorsTensor *list = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gsize n;

  g_return_val_if_fail (net != NULL && params != NULL && path != NULL, FALSE);

  if (metadata != NULL)
    {
      g_hash_table_iter_init (&iter, metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (meta, g_strdup (key), g_strdup (value));
    }
  g_hash_table_insert (meta, g_strdup ("format"), g_strdup ("pt"));
  g_hash_table_insert (meta, g_strdup ("strata.model"), st_spec_to_json (net->spec));
  list = tensor_list (net, params, buffers, &n);
  return st_safetensors_save (path, list, n, meta, error);
}

/* Weights holding NaN or infinity cannot train or predict: the file is refused, naming the
 * tensor, rather than a run that diverges at once being blamed on its learning rate. */
static gboolean
check_finite (const char *path, const StTensorInfo *t, const float *data, GError **error)
{
  gsize bad = 0, first = 0;
  float value = 0.0f;

  for (gsize j = 0; j < t->numel; j++)
    if (!isfinite (data[j]) && bad++ == 0)
      {
        first = j;
        value = data[j];
      }
  if (bad == 0)
    return TRUE;
  g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID,
               g_dngettext (GETTEXT_PACKAGE,
                            "%s: %s holds %zu value that is not finite (the first, at index "
                            "%zu, is %s): these weights are broken, perhaps saved from a run "
                            "that diverged",
                            "%s: %s holds %zu values that are not finite (the first, at index "
                            "%zu, is %s): these weights are broken, perhaps saved from a run "
                            "that diverged", bad),
               path, t->name, bad, first,
               isnan (value) ? "NaN" : value > 0 ? "+infinity" : "-infinity");
  return FALSE;
}

gboolean
st_checkpoint_load (const StNet *net, const char *path, float *params, float *buffers,
                    GHashTable **metadata, GError **error)
{
  g_autoptr (StSafetensors) file = NULL;
  g_autofree StSafetensorsTensor *expected = NULL;
  gboolean has_buffers = FALSE;
  gsize n;

  g_return_val_if_fail (net != NULL && path != NULL && params != NULL, FALSE);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED, error);
  if (file == NULL)
    return FALSE;
  for (guint i = 0; i < net->n_tensors; i++)
    if (net->tensors[i].role == ST_TENSOR_BUFFER
        && st_safetensors_get (file, net->tensors[i].name, NULL, NULL, NULL))
      has_buffers = TRUE;
  expected = tensor_list (net, params, has_buffers ? buffers : NULL, &n);
  if (!st_safetensors_check (file, expected, n, error))
    return FALSE;
  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      const float *data;
      float *dest = t->role == ST_TENSOR_PARAM ? params + t->offset
                                               : (buffers != NULL ? buffers + t->offset : NULL);

      if (dest == NULL || !st_safetensors_get (file, t->name, NULL, NULL, &data))
        continue;
      if (!check_finite (path, t, data, error))
        return FALSE;
      memcpy (dest, data, t->numel * sizeof (float));
    }
  if (metadata != NULL)
    *metadata = g_hash_table_ref (st_safetensors_get_metadata (file));
  return TRUE;
}
