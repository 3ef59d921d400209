/* safetensors-write.c: writing float32 weights as a safetensors file. */
#define G_LOG_DOMAIN "strata-safetensors"

#include "core/io/i18n.h"
#include "core/io/safetensors.h"

#include <string.h>

#include "core/io/atomic-file.h"
#include "core/io/json-write.h"
#include "core/io/safetensors-private.h"

G_DEFINE_QUARK (st-safetensors-error-quark, st_safetensors_error)

#define HEADER_ALIGN 8

gint64
st_safetensors_tensor_numel (const StSafetensorsTensor *tensor)
{
  guint64 numel = 1;

  g_return_val_if_fail (tensor != NULL, -1);
  g_return_val_if_fail (tensor->rank >= 0 && tensor->rank <= ST_SAFETENSORS_MAX_RANK, -1);

  for (int d = 0; d < tensor->rank; d++)
    if (tensor->dims[d] < 0 || !g_uint64_checked_mul (&numel, numel, (guint64) tensor->dims[d]))
      return -1;
  return numel <= G_MAXINT64 ? (gint64) numel : -1;
}

/* ---- writing ------------------------------------------------------------------------- */

static gboolean
check_tensors (const char                *path,
               const StSafetensorsTensor *tensors,
               gsize                      n_tensors,
               GHashTable                *metadata,
               GError                   **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  for (gsize i = 0; i < n_tensors; i++)
    {
      const StSafetensorsTensor *t = &tensors[i];
      gint64 numel;

      if (t->name == NULL || *t->name == '\0' || !g_utf8_validate (t->name, -1, NULL))
        {
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path,
                _("tensor #%zu has no name or a name that is not UTF-8"), i);
          return FALSE;
        }
      if (strcmp (t->name, METADATA_KEY) == 0)
        {
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path,
                _("a tensor cannot be named %s, the format reserves it"), METADATA_KEY);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) t->name))
        {
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path, _("two tensors are named %s"), t->name);
          return FALSE;
        }
      if (t->rank < 0 || t->rank > ST_SAFETENSORS_MAX_RANK)
        {
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path,
                _("%s has rank %d; the rank must be 0 to %d"), t->name, t->rank,
                ST_SAFETENSORS_MAX_RANK);
          return FALSE;
        }
      numel = st_safetensors_tensor_numel (t);
      if (numel < 0 || (guint64) numel > G_MAXSIZE / sizeof (float))
        {
          g_autofree char *shape = format_shape (t->rank, t->dims);
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path,
                _("%s has shape %s, which has a negative or too large size"), t->name, shape);
          return FALSE;
        }
      if (numel > 0 && t->data == NULL)
        {
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path, _("%s has no data"), t->name);
          return FALSE;
        }
    }

  if (metadata == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (key == NULL || value == NULL || !g_utf8_validate (key, -1, NULL)
        || !g_utf8_validate (value, -1, NULL))
      {
        fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path,
              _("metadata keys and values must be UTF-8 strings"));
        return FALSE;
      }
  return TRUE;
}

static int
compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The header, padded with spaces so that the data starts at a multiple of 8 bytes. */
static GString *
build_header (const StSafetensorsTensor *tensors, gsize n_tensors, GHashTable *metadata)
{
  GString *out = g_string_new ("{");
  guint64 offset = 0;
  gboolean first = TRUE;

  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (metadata, NULL);
      guint n_keys = g_hash_table_size (metadata);

      g_qsort_with_data (keys, n_keys, sizeof (gpointer), compare_keys, NULL);
      g_string_append (out, "\"" METADATA_KEY "\":{");
      for (guint i = 0; i < n_keys; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          st_json_append_string (out, keys[i]);
          g_string_append_c (out, ':');
          st_json_append_string (out, g_hash_table_lookup (metadata, keys[i]));
        }
      g_string_append_c (out, '}');
      first = FALSE;
    }

  for (gsize i = 0; i < n_tensors; i++)
    {
      const StSafetensorsTensor *t = &tensors[i];
      guint64 size = (guint64) st_safetensors_tensor_numel (t) * sizeof (float);

      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      st_json_append_string (out, t->name);
      g_string_append (out, ":{\"dtype\":\"F32\",\"shape\":[");
      for (int d = 0; d < t->rank; d++)
        g_string_append_printf (out, "%s%" G_GINT64_FORMAT, d > 0 ? "," : "", t->dims[d]);
      g_string_append_printf (out, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%"
                              G_GUINT64_FORMAT "]}", offset, offset + size);
      offset += size;
    }
  g_string_append_c (out, '}');

  while (out->len % HEADER_ALIGN != 0)
    g_string_append_c (out, ' ');
  return out;
}

gboolean
st_safetensors_save (const char                *path,
                     const StSafetensorsTensor *tensors,
                     gsize                      n_tensors,
                     GHashTable                *metadata,
                     GError                   **error)
{
  g_autoptr (GString) header = NULL;
  g_autoptr (StAtomicFile) file = NULL;
  guint64 header_len_le;
  guint64 total = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (tensors != NULL || n_tensors == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_tensors (path, tensors, n_tensors, metadata, error))
    return FALSE;
  for (gsize i = 0; i < n_tensors; i++)
    {
      guint64 size = (guint64) st_safetensors_tensor_numel (&tensors[i]) * sizeof (float);

      if (!g_uint64_checked_add (&total, total, size))
        {
          fail (error, ST_SAFETENSORS_ERROR_ARGUMENT, path,
                _("the tensors are too large together"));
          return FALSE;
        }
    }

  header = build_header (tensors, n_tensors, metadata);
  header_len_le = GUINT64_TO_LE ((guint64) header->len);

  file = st_atomic_file_open (path, 0644, error);
  if (file == NULL
      || !st_atomic_file_write (file, &header_len_le, sizeof header_len_le, error)
      || !st_atomic_file_write (file, header->str, header->len, error))
    return FALSE;
  for (gsize i = 0; i < n_tensors; i++)
    {
      gsize size = (gsize) st_safetensors_tensor_numel (&tensors[i]) * sizeof (float);

      if (size > 0 && !st_atomic_file_write (file, tensors[i].data, size, error))
        return FALSE;
    }
  return st_atomic_file_commit (g_steal_pointer (&file), error);
}
