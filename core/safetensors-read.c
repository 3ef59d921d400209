/* safetensors-read.c: reading and validating any safetensors file.
 *
 * The reader trusts nothing in the file: every length and offset is checked, every
 * product is computed with overflow checks, and the data buffer is read only after the
 * header has been validated, so a bad file costs a message, never a crash or a huge
 * allocation. The rules are those of the reference implementation
 * (huggingface/safetensors, safetensors/src/tensor.rs: validate).
 */
#define G_LOG_DOMAIN "strata-safetensors"

#include "core/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safetensors-private.h"

typedef enum {
  CONVERT_F32,
  CONVERT_F64,
  CONVERT_F16,
  CONVERT_BF16,
  CONVERT_NONE,   /* a dtype Strata does not read; its size is known so the layout checks */
} Conversion;

static const struct {
  const char *name;
  guint       size;
  Conversion  conversion;
} dtypes[] = {
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

typedef struct {
  char    *name;
  guint    dtype;                          /* index into dtypes */
  int      rank;
  gint64   dims[ST_SAFETENSORS_MAX_RANK];
  guint64  numel;
  guint64  begin, end;                     /* in the data buffer */
  const float *data;                       /* (numel) float32, in `buffer` or `owned` */
  float   *owned;                          /* converted copy, NULL when data is in place */
} Entry;

struct _StSafetensors {
  char       *path;
  guint8     *buffer;      /* the data buffer, everything after the header */
  gsize       buffer_len;
  GArray     *entries;     /* Entry, in the order of their data */
  GHashTable *by_name;     /* name → Entry index + 1 */
  GHashTable *metadata;    /* char * → char * */
};

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->owned);
}

/* ---- reading: the header ------------------------------------------------------------- */

/* json-glib decodes an unpaired surrogate escape ("\ud800") to bytes that are not UTF-8,
 * where the reference implementation refuses the header. */
#define UNPAIRED_SURROGATE "the header is not valid JSON: a string holds an unpaired surrogate " \
                           "escape (\\ud800 to \\udfff without its other half)"

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
            "%s must be an object of strings", METADATA_KEY);
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
                "%s must be an object of strings, but the value of \"%s\" is not a string",
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
            "the header entry of %s is not an object", name);
      return FALSE;
    }
  object = json_node_get_object (node);
  dtype = json_object_get_member (object, "dtype");
  shape = json_object_get_member (object, "shape");
  offsets = json_object_get_member (object, "data_offsets");
  if (dtype == NULL || shape == NULL || offsets == NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "%s has no %s", name,
            dtype == NULL ? "dtype" : shape == NULL ? "shape" : "data_offsets");
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "the dtype of %s is not a string", name);
      return FALSE;
    }
  entry->dtype = G_N_ELEMENTS (dtypes);
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (json_node_get_string (dtype), dtypes[i].name) == 0)
      entry->dtype = i;
  if (entry->dtype == G_N_ELEMENTS (dtypes))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "%s has an unknown dtype \"%s\"", name,
            json_node_get_string (dtype));
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (shape))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the shape of %s is not an array of sizes", name);
      return FALSE;
    }
  array = json_node_get_array (shape);
  if (json_array_get_length (array) > ST_SAFETENSORS_MAX_RANK)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "%s has %u dimensions; Strata reads at most %d", name,
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
                "the shape of %s is not an array of sizes (non-negative integers)", name);
          return FALSE;
        }
      entry->dims[d] = (gint64) size;
    }
  shape_text = format_shape (entry->rank, entry->dims);
  for (int d = 0; d < entry->rank; d++)
    if (!g_uint64_checked_mul (&entry->numel, entry->numel, (guint64) entry->dims[d]))
      {
        fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
              "%s has shape %s, whose element count overflows", name, shape_text);
        return FALSE;
      }
  if (!g_uint64_checked_mul (&bytes, entry->numel, dtypes[entry->dtype].size))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "%s has shape %s, whose size in bytes overflows", name, shape_text);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (offsets) || json_array_get_length (json_node_get_array (offsets)) != 2
      || !get_count (json_array_get_element (json_node_get_array (offsets), 0), &entry->begin)
      || !get_count (json_array_get_element (json_node_get_array (offsets), 1), &entry->end))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the data_offsets of %s are not two non-negative integers [begin, end]", name);
      return FALSE;
    }
  if (entry->end < entry->begin)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the data_offsets of %s end before they begin: [%" G_GUINT64_FORMAT ", %"
            G_GUINT64_FORMAT "]", name, entry->begin, entry->end);
      return FALSE;
    }
  if (entry->end > buffer_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the data_offsets of %s, [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "], reach past "
            "the end of the data (%" G_GUINT64_FORMAT " bytes)", name, entry->begin, entry->end,
            buffer_len);
      return FALSE;
    }
  if (entry->end - entry->begin != bytes)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "%s has shape %s of %s, which needs %" G_GUINT64_FORMAT " bytes, but its data_offsets "
            "[%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] hold %" G_GUINT64_FORMAT, name,
            shape_text, dtypes[entry->dtype].name, bytes, entry->begin, entry->end,
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
                "%s and %s overlap in the data (bytes %" G_GUINT64_FORMAT " to %"
                G_GUINT64_FORMAT ")", previous->name, entry->name, entry->begin,
                MIN (position, entry->end));
          return FALSE;
        }
      if (entry->begin > position)
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                "bytes %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " of the data belong to no "
                "tensor (a hole before %s)", position, entry->begin, entry->name);
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
            "the last %" G_GUINT64_FORMAT " bytes of the data belong to no tensor",
            buffer_len - position);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_header (StSafetensors          *file,
              const char             *text,
              gsize                   length,
              StSafetensorsLoadFlags  flags,
              GError                **error)
{
  const char *path = file->path;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  DuplicateCheck check = { NULL, NULL };
  g_autoptr (GList) members = NULL;
  JsonNode *root;
  JsonObject *object;
  gboolean parsed;

  if (!g_utf8_validate_len (text, length, NULL))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "the header is not valid UTF-8");
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
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "the header is not valid JSON: %s",
            local->message);
      return FALSE;
    }
  if (check.duplicate != NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "the header names \"%s\" twice",
            check.duplicate);
      g_free (check.duplicate);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "the header is not a JSON object");
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
          if (!parse_metadata (path, node, file->metadata, error))
            return FALSE;
          continue;
        }
      if (!parse_entry (path, name, node, file->buffer_len, &entry, error))
        {
          entry_clear (&entry);
          return FALSE;
        }
      g_array_append_val (file->entries, entry);
    }

  if (!check_layout (path, file->entries, file->buffer_len, error))
    return FALSE;

  for (guint i = 0; i < file->entries->len; )
    {
      const Entry *entry = &g_array_index (file->entries, Entry, i);

      if (dtypes[entry->dtype].conversion != CONVERT_NONE)
        i++;
      else if (flags & ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED)
        g_array_remove_index (file->entries, i);
      else
        {
          g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_UNSUPPORTED,
                       "%s: %s has dtype %s, which Strata cannot read "
                       "(it reads F32, F64, F16 and BF16)", path, entry->name,
                       dtypes[entry->dtype].name);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- reading: the data --------------------------------------------------------------- */

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;
  guint32 bits;
  float f;

  if (exponent == 0x1f)
    bits = sign | 0x7f800000 | (mantissa << 13);              /* infinity, NaN */
  else if (exponent != 0)
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  else if (mantissa == 0)
    bits = sign;                                              /* ±0 */
  else
    {
      f = ldexpf ((float) mantissa, -24);                     /* subnormal, exact */
      return sign != 0 ? -f : f;
    }
  memcpy (&f, &bits, sizeof f);
  return f;
}

static float
bfloat16_to_float (guint16 h)
{
  guint32 bits = (guint32) h << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

/* Points the entry at its float32 data: in place when it is F32 and aligned, otherwise a
 * converted copy. The source may be unaligned, hence the memcpy per element. */
static gboolean
convert_entry (StSafetensors *file, Entry *entry, GError **error)
{
  /* An empty tensor still gets a valid pointer, so memcpy (dest, data, 0) is defined. */
  static const float no_data[1];
  Conversion conversion = dtypes[entry->dtype].conversion;
  const guint8 *src;

  if (entry->numel == 0)
    {
      entry->data = no_data;
      return TRUE;
    }
  src = file->buffer + entry->begin;
  if (conversion == CONVERT_F32 && entry->begin % sizeof (float) == 0)
    {
      entry->data = (const float *) src;
      return TRUE;
    }

  entry->owned = g_try_new (float, entry->numel);
  if (entry->owned == NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, file->path,
            "%s is too large for memory", entry->name);
      return FALSE;
    }
  for (guint64 i = 0; i < entry->numel; i++)
    {
      guint16 h;
      double d;

      switch (conversion)
        {
        case CONVERT_F32:
          memcpy (&entry->owned[i], src + 4 * i, sizeof (float));
          break;
        case CONVERT_F64:
          memcpy (&d, src + 8 * i, sizeof d);
          entry->owned[i] = (float) d;
          break;
        case CONVERT_F16:
          memcpy (&h, src + 2 * i, sizeof h);
          entry->owned[i] = half_to_float (h);
          break;
        case CONVERT_BF16:
          memcpy (&h, src + 2 * i, sizeof h);
          entry->owned[i] = bfloat16_to_float (h);
          break;
        case CONVERT_NONE:
        default:
          g_assert_not_reached ();
        }
    }
  entry->data = entry->owned;
  return TRUE;
}

static gboolean
read_exactly (int fd, void *buffer, gsize size, const char *path, GError **error)
{
  guint8 *p = buffer;

  while (size > 0)
    {
      gssize n = read (fd, p, MIN (size, (gsize) 1 << 30));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "%s: cannot read: %s", path, g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                "the file ended early (was it changed while being read?)");
          return FALSE;
        }
      p += n;
      size -= (gsize) n;
    }
  return TRUE;
}

static gboolean
load_fd (StSafetensors *file, int fd, StSafetensorsLoadFlags flags, GError **error)
{
  const char *path = file->path;
  struct stat info;
  guint64 header_len;
  guint64 file_size;
  g_autofree char *header = NULL;

  if (fstat (fd, &info) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: cannot read: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISREG (info.st_mode))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, "not a regular file");
      return FALSE;
    }
  file_size = (guint64) info.st_size;
  if (file_size < sizeof header_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the file is %" G_GUINT64_FORMAT " bytes long, too short to hold even the 8-byte "
            "header length of a safetensors file", file_size);
      return FALSE;
    }
  if (!read_exactly (fd, &header_len, sizeof header_len, path, error))
    return FALSE;
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > ST_SAFETENSORS_MAX_HEADER)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the header length %" G_GUINT64_FORMAT " is over the limit of %" G_GUINT64_FORMAT
            " bytes (not a safetensors file?)", header_len, ST_SAFETENSORS_MAX_HEADER);
      return FALSE;
    }
  if (header_len > file_size - sizeof header_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            "the header length %" G_GUINT64_FORMAT " is larger than the rest of the file (%"
            G_GUINT64_FORMAT " bytes): the file is truncated or not a safetensors file",
            header_len, file_size - sizeof header_len);
      return FALSE;
    }
  if (file_size - sizeof header_len - header_len > G_MAXSIZE)
    {
      fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, path, "the file is too large for memory");
      return FALSE;
    }
  file->buffer_len = (gsize) (file_size - sizeof header_len - header_len);

  header = g_try_malloc ((gsize) header_len + 1);
  if (header == NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, path, "the header is too large for memory");
      return FALSE;
    }
  if (!read_exactly (fd, header, (gsize) header_len, path, error))
    return FALSE;
  header[header_len] = '\0';
  if (!parse_header (file, header, (gsize) header_len, flags, error))
    return FALSE;

  if (file->buffer_len > 0)
    {
      file->buffer = g_try_malloc (file->buffer_len);
      if (file->buffer == NULL)
        {
          g_autofree char *size = g_format_size (file->buffer_len);
          fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, path,
                "the tensors (%s) are too large for memory", size);
          return FALSE;
        }
      if (!read_exactly (fd, file->buffer, file->buffer_len, path, error))
        return FALSE;
    }

  for (guint i = 0; i < file->entries->len; i++)
    {
      Entry *entry = &g_array_index (file->entries, Entry, i);

      if (!convert_entry (file, entry, error))
        return FALSE;
      g_hash_table_insert (file->by_name, entry->name, GUINT_TO_POINTER (i + 1));
    }
  return TRUE;
}

StSafetensors *
st_safetensors_load (const char *path, StSafetensorsLoadFlags flags, GError **error)
{
  g_autoptr (StSafetensors) file = NULL;
  int fd;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: cannot open: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  file = g_new0 (StSafetensors, 1);
  file->path = g_strdup (path);
  file->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (file->entries, entry_clear);
  file->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  file->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  ok = load_fd (file, fd, flags, error);
  close (fd);
  return ok ? g_steal_pointer (&file) : NULL;
}

void
st_safetensors_free (StSafetensors *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file->buffer);
  g_clear_pointer (&file->entries, g_array_unref);
  g_clear_pointer (&file->by_name, g_hash_table_unref);
  g_clear_pointer (&file->metadata, g_hash_table_unref);
  g_free (file);
}

/* ---- access -------------------------------------------------------------------------- */

const char *
st_safetensors_get_path (const StSafetensors *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->path;
}

gsize
st_safetensors_get_n_tensors (const StSafetensors *file)
{
  g_return_val_if_fail (file != NULL, 0);
  return file->entries->len;
}

void
st_safetensors_get_nth (const StSafetensors *file, gsize index, StSafetensorsTensor *out)
{
  const Entry *entry;

  g_return_if_fail (file != NULL && out != NULL);
  g_return_if_fail (index < file->entries->len);

  entry = &g_array_index (file->entries, Entry, index);
  memset (out, 0, sizeof *out);
  out->name = entry->name;
  out->rank = entry->rank;
  memcpy (out->dims, entry->dims, (gsize) entry->rank * sizeof entry->dims[0]);
  out->data = entry->data;
}

static const Entry *
lookup (const StSafetensors *file, const char *name)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (file->by_name, name));

  return index > 0 ? &g_array_index (file->entries, Entry, index - 1) : NULL;
}

gboolean
st_safetensors_get (const StSafetensors *file,
                    const char          *name,
                    int                 *rank,
                    gint64              *dims,
                    const float        **data)
{
  const Entry *entry;

  g_return_val_if_fail (file != NULL && name != NULL, FALSE);

  entry = lookup (file, name);
  if (entry == NULL)
    return FALSE;
  if (rank != NULL)
    *rank = entry->rank;
  if (dims != NULL)
    memcpy (dims, entry->dims, (gsize) entry->rank * sizeof entry->dims[0]);
  if (data != NULL)
    *data = entry->data;
  return TRUE;
}

GHashTable *
st_safetensors_get_metadata (const StSafetensors *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->metadata;
}

const char *
st_safetensors_get_metadata_value (const StSafetensors *file, const char *key)
{
  g_return_val_if_fail (file != NULL && key != NULL, NULL);
  return g_hash_table_lookup (file->metadata, key);
}

gboolean
st_safetensors_check (const StSafetensors       *file,
                      const StSafetensorsTensor *expected,
                      gsize                      n_expected,
                      GError                   **error)
{
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (expected != NULL || n_expected == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (gsize i = 0; i < n_expected; i++)
    {
      const StSafetensorsTensor *want = &expected[i];
      const Entry *have;

      g_return_val_if_fail (want->name != NULL, FALSE);
      g_return_val_if_fail (want->rank >= 0 && want->rank <= ST_SAFETENSORS_MAX_RANK, FALSE);
      g_hash_table_add (wanted, (gpointer) want->name);

      have = lookup (file, want->name);
      if (have == NULL)
        {
          fail (error, ST_SAFETENSORS_ERROR_MISMATCH, file->path, "%s is missing", want->name);
          return FALSE;
        }
      if (have->rank != want->rank
          || memcmp (have->dims, want->dims, (gsize) want->rank * sizeof want->dims[0]) != 0)
        {
          g_autofree char *in_file = format_shape (have->rank, have->dims);
          g_autofree char *in_model = format_shape (want->rank, want->dims);

          fail (error, ST_SAFETENSORS_ERROR_MISMATCH, file->path,
                "%s has shape %s in the file but the model needs %s", want->name, in_file,
                in_model);
          return FALSE;
        }
    }

  for (guint i = 0; i < file->entries->len; i++)
    {
      const Entry *entry = &g_array_index (file->entries, Entry, i);

      if (!g_hash_table_contains (wanted, entry->name))
        {
          fail (error, ST_SAFETENSORS_ERROR_MISMATCH, file->path,
                "%s is in the file but not in the model", entry->name);
          return FALSE;
        }
    }
  return TRUE;
}
