/* safetensors-header.c: parsing and checking a safetensors header — the JSON object of
 * tensor entries (dtype, shape, data offsets) and the __metadata__ strings — before any of
 * the data is read. The rules are those of the reference implementation
 * (huggingface/safetensors, safetensors/src/tensor.rs: validate).
 */
#define G_LOG_DOMAIN "strata-safetensors"

#include <json-glib/json-glib.h>
#include <string.h>

#include "core/io/i18n.h"
#include "core/io/json-guard.h"
#include "core/io/safetensors-private.h"

const StSafetensorsDtype st_safetensors_dtypes[] = {
  { "F32", 4, CONVERT_F32 },
  { "F64", 8, CONVERT_F64 },
  { "F16", 2, CONVERT_F16 },
  { "BF16", 2, CONVERT_BF16 },
  { "BOOL", 1, CONVERT_NONE },
  { "U8", 1, CONVERT_NONE },
  { "I8", 1, CONVERT_NONE },
  { "F8_E5M2", 1, CONVERT_NONE },
  { "F8_E4M3", 1, CONVERT_NONE },
  { "I16", 2, CONVERT_NONE },
  { "U16", 2, CONVERT_NONE },
  { "I32", 4, CONVERT_NONE },
  { "U32", 4, CONVERT_NONE },
  { "I64", 8, CONVERT_NONE },
  { "U64", 8, CONVERT_NONE },
};

void
st_safetensors_entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->owned);
}

/* json-glib decodes an unpaired surrogate escape ("\ud800") to bytes that are not UTF-8,
 * where the reference implementation refuses the header. */
#define UNPAIRED_SURROGATE _("the header is not valid JSON: a string holds an unpaired " \
                             "surrogate escape (\\ud800 to \\udfff without its other half)")

/* json-glib keeps the last of two equal keys without a word; the format forbids them.
 * Every object of the header gets the set of its keys while it is parsed. */
typedef struct {
  GHashTable *keys_by_object;  /* JsonObject * → GHashTable of char * */
  char       *duplicate;       /* the first key seen twice, or NULL */
} DuplicateCheck;

static void
on_object_member (JsonParser *parser, JsonObject *object, const char *name, gpointer user_data)
{
  DuplicateCheck *check = user_data;
  GHashTable *keys = g_hash_table_lookup (check->keys_by_object, object);

  if (keys == NULL)
    {
      keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (check->keys_by_object, object, keys);
    }
  if (!g_hash_table_add (keys, g_strdup (name)) && check->duplicate == NULL)
    check->duplicate = g_strdup (name);
}

static gboolean
get_count (JsonNode *node, guint64 *out)
{
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  /* json-glib wraps integers of 2^63 and more to negative numbers. */
  value = json_node_get_int (node);
  if (value < 0)
    return FALSE;
  *out = (guint64) value;
  return TRUE;
}

static gboolean
parse_metadata (const char *path, JsonNode *node, GHashTable *metadata, GError **error)
{
  JsonObject *object;
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("%s must be an object of strings"), METADATA_KEY);
      return FALSE;
    }
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                _("%s must be an object of strings, but the value of \"%s\" is not a string"),
                METADATA_KEY, (const char *) l->data);
          return FALSE;
        }
      if (!g_utf8_validate (l->data, -1, NULL)
          || !g_utf8_validate (json_node_get_string (value), -1, NULL))
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path, UNPAIRED_SURROGATE);
          return FALSE;
        }
      g_hash_table_insert (metadata, g_strdup (l->data), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

/* One tensor's entry, checked on its own: types, dtype, shape, size, range. */
static gboolean
parse_entry (const char *path,
             const char *name,
             JsonNode   *node,
             guint64     buffer_len,
             Entry      *entry,
             GError    **error)
{
  JsonObject *object;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *array;
  guint64 bytes;
  g_autofree char *shape_text = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the header entry of %s is not an object"), name);
      return FALSE;
    }
  object = json_node_get_object (node);
  dtype = json_object_get_member (object, "dtype");
  shape = json_object_get_member (object, "shape");
  offsets = json_object_get_member (object, "data_offsets");
  if (dtype == NULL || shape == NULL || offsets == NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("%s has no %s"), name,
            dtype == NULL ? "dtype" : shape == NULL ? "shape" : "data_offsets");
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("the dtype of %s is not a string"), name);
      return FALSE;
    }
  entry->dtype = G_N_ELEMENTS (st_safetensors_dtypes);
  for (guint i = 0; i < G_N_ELEMENTS (st_safetensors_dtypes); i++)
    if (strcmp (json_node_get_string (dtype), st_safetensors_dtypes[i].name) == 0)
      entry->dtype = i;
  if (entry->dtype == G_N_ELEMENTS (st_safetensors_dtypes))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("%s has an unknown dtype \"%s\""), name,
            json_node_get_string (dtype));
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (shape))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the shape of %s is not an array of sizes"), name);
      return FALSE;
    }
  array = json_node_get_array (shape);
  if (json_array_get_length (array) > ST_SAFETENSORS_MAX_RANK)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("%s has %u dimensions; Strata reads at most %d"), name,
            json_array_get_length (array), ST_SAFETENSORS_MAX_RANK);
      return FALSE;
    }
  entry->rank = (int) json_array_get_length (array);
  entry->numel = 1;
  for (int d = 0; d < entry->rank; d++)
    {
      guint64 size;

      if (!get_count (json_array_get_element (array, d), &size))
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                _("the shape of %s is not an array of sizes (non-negative integers)"), name);
          return FALSE;
        }
      entry->dims[d] = (gint64) size;
    }
  shape_text = format_shape (entry->rank, entry->dims);
  for (int d = 0; d < entry->rank; d++)
    if (!g_uint64_checked_mul (&entry->numel, entry->numel, (guint64) entry->dims[d]))
      {
        fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
              _("%s has shape %s, whose element count overflows"), name, shape_text);
        return FALSE;
      }
  if (!g_uint64_checked_mul (&bytes, entry->numel, st_safetensors_dtypes[entry->dtype].size))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("%s has shape %s, whose size in bytes overflows"), name, shape_text);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (offsets) || json_array_get_length (json_node_get_array (offsets)) != 2
      || !get_count (json_array_get_element (json_node_get_array (offsets), 0), &entry->begin)
      || !get_count (json_array_get_element (json_node_get_array (offsets), 1), &entry->end))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the data_offsets of %s are not two non-negative integers [begin, end]"), name);
      return FALSE;
    }
  if (entry->end < entry->begin)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the data_offsets of %s end before they begin: [%" PRIu64 ", %"
              PRIu64 "]"), name, entry->begin, entry->end);
      return FALSE;
    }
  if (entry->end > buffer_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the data_offsets of %s, [%" PRIu64 ", %" PRIu64 "], reach past "
              "the end of the data (%" PRIu64 " bytes)"), name, entry->begin, entry->end,
            buffer_len);
      return FALSE;
    }
  if (entry->end - entry->begin != bytes)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("%s has shape %s of %s, which needs %" PRIu64 " bytes, but its data_offsets "
              "[%" PRIu64 ", %" PRIu64 "] hold %" PRIu64), name,
            shape_text, st_safetensors_dtypes[entry->dtype].name, bytes, entry->begin, entry->end,
            entry->end - entry->begin);
      return FALSE;
    }
  entry->name = g_strdup (name);
  return TRUE;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return strcmp (x->name, y->name);
}

/* The tensors, sorted by offset, must tile the buffer exactly. */
static gboolean
check_layout (const char *path, GArray *entries, guint64 buffer_len, GError **error)
{
  guint64 position = 0;
  const Entry *previous = NULL;

  g_array_sort (entries, compare_entries);
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *entry = &g_array_index (entries, Entry, i);

      if (entry->begin < position)
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                _("%s and %s overlap in the data (bytes %" PRIu64 " to %"
                  PRIu64 ")"), previous->name, entry->name, entry->begin,
                MIN (position, entry->end));
          return FALSE;
        }
      if (entry->begin > position)
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                _("bytes %" PRIu64 " to %" PRIu64 " of the data belong to no "
                  "tensor (a hole before %s)"), position, entry->begin, entry->name);
          return FALSE;
        }
      if (entry->end > entry->begin)
        {
          position = entry->end;
          previous = entry;
        }
    }
  if (position != buffer_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the last %" PRIu64 " bytes of the data belong to no tensor"),
            buffer_len - position);
      return FALSE;
    }
  return TRUE;
}

gboolean
st_safetensors_parse_header (const char             *path,
                             const char             *text,
                             gsize                   length,
                             guint64                 buffer_len,
                             StSafetensorsLoadFlags  flags,
                             GArray                 *entries,
                             GHashTable             *metadata,
                             GHashTable             *skipped,
                             GError                **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  DuplicateCheck check = { NULL, NULL };
  g_autoptr (GList) members = NULL;
  JsonNode *root;
  JsonObject *object;
  gboolean parsed;
  gsize depth, where = 0;

  if (!g_utf8_validate_len (text, length, NULL))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("the header is not valid UTF-8"));
      return FALSE;
    }
  depth = st_json_depth (text, length, ST_JSON_MAX_DEPTH, &where);
  if (depth > ST_JSON_MAX_DEPTH)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the header is JSON nested %zu levels deep at byte %zu of the file; Strata "
              "reads at most %d"), depth, where + sizeof (guint64),
            ST_JSON_MAX_DEPTH);
      return FALSE;
    }

  check.keys_by_object = g_hash_table_new_full (NULL, NULL, NULL,
                                                (GDestroyNotify) g_hash_table_unref);
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &check);
  parsed = json_parser_load_from_data (parser, text, (gssize) length, &local);
  g_hash_table_unref (check.keys_by_object);
  if (!parsed)
    {
      g_free (check.duplicate);
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("the header is not valid JSON: %s"),
            local->message);
      return FALSE;
    }
  if (check.duplicate != NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("the header names \"%s\" twice"),
            check.duplicate);
      g_free (check.duplicate);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("the header is not a JSON object"));
      return FALSE;
    }
  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      Entry entry = { 0 };

      if (!g_utf8_validate (name, -1, NULL))
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path, UNPAIRED_SURROGATE);
          return FALSE;
        }
      if (strcmp (name, METADATA_KEY) == 0)
        {
          if (!parse_metadata (path, node, metadata, error))
            return FALSE;
          continue;
        }
      if (!parse_entry (path, name, node, buffer_len, &entry, error))
        {
          st_safetensors_entry_clear (&entry);
          return FALSE;
        }
      g_array_append_val (entries, entry);
    }

  if (!check_layout (path, entries, buffer_len, error))
    return FALSE;

  for (guint i = 0; i < entries->len; )
    {
      const Entry *entry = &g_array_index (entries, Entry, i);

      if (st_safetensors_dtypes[entry->dtype].conversion != CONVERT_NONE)
        i++;
      else if (flags & ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED)
        {
          g_hash_table_insert (skipped, g_strdup (entry->name),
                               (gpointer) st_safetensors_dtypes[entry->dtype].name);
          g_array_remove_index (entries, i);
        }
      else
        {
          g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_UNSUPPORTED,
                       _("%s: %s has dtype %s, which Strata cannot read %s"), path,
                       entry->name, st_safetensors_dtypes[entry->dtype].name, READABLE_DTYPES);
          return FALSE;
        }
    }
  return TRUE;
}
