/* safetensors-private.h: internal to the safetensors module, shared by
 * safetensors-read.c and safetensors-write.c; not for other modules. */
#pragma once

#include <stdarg.h>

#include "core/io/i18n.h"
#include "core/io/safetensors.h"

G_BEGIN_DECLS

/* Tensors are written from and read into memory as they are, so the host must be
 * little-endian like the format. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);
G_STATIC_ASSERT (sizeof (float) == 4 && sizeof (double) == 8);

#define METADATA_KEY "__metadata__"

/* Ends "NAME has dtype I64, which Strata cannot read %s". */
#define READABLE_DTYPES _("(it reads F32, and F64, F16 and BF16 converted to F32)")

/* Sets @error in ST_SAFETENSORS_ERROR with @code, as "PATH: MESSAGE". */
static inline void G_GNUC_PRINTF (4, 5)
fail (GError **error, int code, const char *path, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, ST_SAFETENSORS_ERROR, code, "%s: %s", path, message);
}

/* "[16, 6, 5, 5]", "[]" for a scalar. */
static inline char *
format_shape (int rank, const gint64 *dims)
{
  GString *out = g_string_new ("[");

  for (int d = 0; d < rank; d++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, d > 0 ? ", " : "", dims[d]);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

typedef enum {
  CONVERT_F32,
  CONVERT_F64,
  CONVERT_F16,
  CONVERT_BF16,
  CONVERT_NONE,   /* a dtype Strata does not read; its size is known so the layout checks */
} Conversion;

typedef struct {
  const char *name;
  guint       size;
  Conversion  conversion;
} StSafetensorsDtype;

/* Every dtype of the format, those Strata converts first. */
G_GNUC_INTERNAL extern const StSafetensorsDtype st_safetensors_dtypes[];

typedef struct {
  char    *name;
  guint    dtype;                          /* index into st_safetensors_dtypes */
  int      rank;
  gint64   dims[ST_SAFETENSORS_MAX_RANK];
  guint64  numel;
  guint64  begin, end;                     /* in the data buffer */
  const float *data;                       /* (numel) float32, in `buffer` or `owned` */
  float   *owned;                          /* converted copy, NULL when data is in place */
} Entry;

G_GNUC_INTERNAL void     st_safetensors_entry_clear  (gpointer entry);

/* Parses and checks the JSON header `text` (`length` bytes) of `path`, whose data buffer
 * holds `buffer_len` bytes: appends each tensor's Entry to `entries` (sorted by offset, the
 * layout checked end to end) and the __metadata__ strings to `metadata`. Tensors of dtypes
 * Strata cannot read are an error, or with ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED dropped from
 * `entries` and added to `skipped` (name → the dtype's name, static). JSON nested past
 * ST_JSON_MAX_DEPTH is refused before it is parsed. */
G_GNUC_INTERNAL gboolean st_safetensors_parse_header (const char             *path,
                                                      const char             *text,
                                                      gsize                   length,
                                                      guint64                 buffer_len,
                                                      StSafetensorsLoadFlags  flags,
                                                      GArray                 *entries,
                                                      GHashTable             *metadata,
                                                      GHashTable             *skipped,
                                                      GError                **error);

G_END_DECLS
