/* safetensors-read.c: reading and validating any safetensors file.
 *
 * The reader trusts nothing in the file: every length and offset is checked, every
 * product is computed with overflow checks, and the data buffer is read only after the
 * header has been validated, so a bad file costs a message, never a crash or a huge
 * allocation. The header is parsed and checked in safetensors-header.c.
 */
#define G_LOG_DOMAIN "strata-safetensors"

#include "core/io/i18n.h"
#include "core/io/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/io/input-file.h"
#include "core/io/safetensors-private.h"

struct _StSafetensors {
  char       *path;
  guint8     *buffer;      /* the data buffer, everything after the header */
  gsize       buffer_len;
  GArray     *entries;     /* Entry, in the order of their data */
  GHashTable *by_name;     /* name → Entry index + 1 */
  GHashTable *metadata;    /* char * → char * */
  GHashTable *skipped;     /* name → dtype name, of those SKIP_UNSUPPORTED left out */
};

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
  Conversion conversion = st_safetensors_dtypes[entry->dtype].conversion;
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
            _("%s is too large for memory"), entry->name);
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
                       _("%s: cannot read: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        {
          fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
                _("the file ended early (was it changed while being read?)"));
          return FALSE;
        }
      p += n;
      size -= (gsize) n;
    }
  return TRUE;
}

/* The first bytes of a file whose header length makes no sense: is it JSON text, a model
 * file given where the weights go? */
static gboolean
starts_like_json (const guint8 *bytes, gsize n)
{
  gsize i = 0;

  if (n >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf)
    i = 3;
  while (i < n && g_ascii_isspace (bytes[i]))
    i++;
  return i < n && bytes[i] == '{';
}

static gboolean
load_fd (StSafetensors *file, int fd, StSafetensorsLoadFlags flags, GError **error)
{
  const char *path = file->path;
  struct stat info;
  guint64 header_len;
  guint64 file_size;
  guint8 first[sizeof header_len];
  g_autofree char *header = NULL;

  if (fstat (fd, &info) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("%s: cannot read: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISREG (info.st_mode))
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path, _("not a regular file"));
      return FALSE;
    }
  file_size = (guint64) info.st_size;
  if (file_size < sizeof header_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the file is %" PRIu64 " bytes long, too short to hold even the 8-byte "
              "header length of a safetensors file"), file_size);
      return FALSE;
    }
  if (!read_exactly (fd, &header_len, sizeof header_len, path, error))
    return FALSE;
  memcpy (first, &header_len, sizeof first);
  header_len = GUINT64_FROM_LE (header_len);
  if ((header_len > ST_SAFETENSORS_MAX_HEADER || header_len > file_size - sizeof header_len)
      && starts_like_json (first, sizeof first))
    {
      g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID,
                   _("%s is a JSON model file, not a safetensors weights file"), path);
      return FALSE;
    }
  if (header_len > ST_SAFETENSORS_MAX_HEADER)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the header length %" PRIu64 " is over the limit of %" PRIu64
              " bytes (not a safetensors file?)"), header_len, ST_SAFETENSORS_MAX_HEADER);
      return FALSE;
    }
  if (header_len > file_size - sizeof header_len)
    {
      fail (error, ST_SAFETENSORS_ERROR_INVALID, path,
            _("the header length %" PRIu64 " is larger than the rest of the file (%"
              PRIu64 " bytes): the file is truncated or not a safetensors file"),
            header_len, file_size - sizeof header_len);
      return FALSE;
    }
  if (file_size - sizeof header_len - header_len > G_MAXSIZE)
    {
      fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, path, _("the file is too large for memory"));
      return FALSE;
    }
  file->buffer_len = (gsize) (file_size - sizeof header_len - header_len);

  header = g_try_malloc ((gsize) header_len + 1);
  if (header == NULL)
    {
      fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, path, _("the header is too large for memory"));
      return FALSE;
    }
  if (!read_exactly (fd, header, (gsize) header_len, path, error))
    return FALSE;
  header[header_len] = '\0';
  if (!st_safetensors_parse_header (path, header, (gsize) header_len, file->buffer_len, flags,
                                    file->entries, file->metadata, file->skipped, error))
    return FALSE;

  if (file->buffer_len > 0)
    {
      file->buffer = g_try_malloc (file->buffer_len);
      if (file->buffer == NULL)
        {
          g_autofree char *size = g_format_size (file->buffer_len);
          fail (error, ST_SAFETENSORS_ERROR_NO_MEMORY, path,
                _("the tensors (%s) are too large for memory"), size);
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

  /* A FIFO would block the open below until a writer came; a device would never end. The
   * open does not wait either, in case one is swapped in after the check. */
  if (!st_input_file_check (path, error))
    return NULL;
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("%s: cannot open: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  file = g_new0 (StSafetensors, 1);
  file->path = g_strdup (path);
  file->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (file->entries, st_safetensors_entry_clear);
  file->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  file->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  file->skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

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
  g_clear_pointer (&file->skipped, g_hash_table_unref);
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
      if (have == NULL && g_hash_table_contains (file->skipped, want->name))
        {
          fail (error, ST_SAFETENSORS_ERROR_UNSUPPORTED, file->path,
                _("%s has dtype %s, which Strata cannot read %s"), want->name,
                (const char *) g_hash_table_lookup (file->skipped, want->name), READABLE_DTYPES);
          return FALSE;
        }
      if (have == NULL)
        {
          fail (error, ST_SAFETENSORS_ERROR_MISMATCH, file->path, _("%s is missing"), want->name);
          return FALSE;
        }
      if (have->rank != want->rank
          || memcmp (have->dims, want->dims, (gsize) want->rank * sizeof want->dims[0]) != 0)
        {
          g_autofree char *in_file = format_shape (have->rank, have->dims);
          g_autofree char *in_model = format_shape (want->rank, want->dims);

          fail (error, ST_SAFETENSORS_ERROR_MISMATCH, file->path,
                _("%s has shape %s in the file but the model needs %s"), want->name, in_file,
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
                _("%s is in the file but not in the model"), entry->name);
          return FALSE;
        }
    }
  return TRUE;
}
