/* layer-info.c: one row of shape inference (layer-info.h) — recording a layer's error. */
#define G_LOG_DOMAIN "strata-infer"

#include "core/model/layer-info.h"

#include <stdarg.h>

void
st_layer_info_fail (StLayerInfo *info, const char *arg, const char *format, ...)
{
  va_list ap;

  if (info->error != NULL)
    return;
  va_start (ap, format);
  info->error = g_strdup_vprintf (format, ap);
  va_end (ap);
  info->error_arg = arg;
}
