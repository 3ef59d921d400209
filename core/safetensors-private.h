/* safetensors-private.h: internal to the safetensors module, shared by
 * safetensors-read.c and safetensors-write.c; not for other modules. */
#pragma once

#include <stdarg.h>

#include "core/safetensors.h"

G_BEGIN_DECLS

/* Tensors are written from and read into memory as they are, so the host must be
 * little-endian like the format. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);
G_STATIC_ASSERT (sizeof (float) == 4 && sizeof (double) == 8);

#define METADATA_KEY "__metadata__"

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

G_END_DECLS
