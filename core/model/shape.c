#define G_LOG_DOMAIN "strata-shape"

#include "core/model/shape.h"

#include <stdio.h>

StShape
st_shape_chw (gint64 c, gint64 h, gint64 w)
{
  return (StShape) { 3, { c, h, w } };
}

StShape
st_shape_flat (gint64 features)
{
  return (StShape) { 1, { features, 0, 0 } };
}

gboolean
st_shape_is_known (const StShape *shape)
{
  return shape != NULL && shape->rank > 0;
}

gboolean
st_shape_equal (const StShape *a, const StShape *b)
{
  if (a->rank != b->rank)
    return FALSE;
  for (int i = 0; i < a->rank; i++)
    if (a->dim[i] != b->dim[i])
      return FALSE;
  return TRUE;
}

gboolean
st_mul_checked (gint64 a, gint64 b, gint64 *out)
{
  gint64 r;

  if (a < 0 || b < 0 || __builtin_mul_overflow (a, b, &r))
    return FALSE;
  *out = r;
  return TRUE;
}

gboolean
st_add_checked (gint64 a, gint64 b, gint64 *out)
{
  gint64 r;

  if (a < 0 || b < 0 || __builtin_add_overflow (a, b, &r))
    return FALSE;
  *out = r;
  return TRUE;
}

gint64
st_shape_numel (const StShape *shape)
{
  gint64 n = 1;

  if (!st_shape_is_known (shape))
    return -1;
  for (int i = 0; i < shape->rank; i++)
    if (!st_mul_checked (n, shape->dim[i], &n))
      return -1;
  return n;
}

const char *
st_shape_format (const StShape *shape, char *buf)
{
  size_t len = 0;

  if (!st_shape_is_known (shape))
    {
      g_strlcpy (buf, "?", ST_SHAPE_STRING_MAX);
      return buf;
    }
  buf[0] = '\0';
  for (int i = 0; i < shape->rank && len < ST_SHAPE_STRING_MAX; i++)
    len += snprintf (buf + len, ST_SHAPE_STRING_MAX - len, "%s%" G_GINT64_FORMAT,
                     i > 0 ? "×" : "", shape->dim[i]);
  return buf;
}

char *
st_shape_to_string (const StShape *shape)
{
  char buf[ST_SHAPE_STRING_MAX];

  return g_strdup (st_shape_format (shape, buf));
}
