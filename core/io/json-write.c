#define G_LOG_DOMAIN "strata-json"

#include "core/io/json-write.h"

#include <math.h>
#include <string.h>

void
st_json_append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

void
st_json_append_double (GString *out, double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d))
    {
      /* JSON has no NaN or infinity; null is what readers expect instead. */
      g_string_append (out, "null");
      return;
    }
  for (int precision = 1; precision <= 17; precision++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (out, buf);
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

void
st_json_append_node (GString *out, JsonNode *value, gboolean spaced)
{
  const char *comma = spaced ? ", " : ",", *colon = spaced ? ": " : ":";
  g_autoptr (GList) members = NULL;
  JsonObject *object;
  JsonArray *array;

  switch (json_node_get_node_type (value))
    {
    case JSON_NODE_OBJECT:
      object = json_node_get_object (value);
      members = json_object_get_members (object);
      g_string_append_c (out, '{');
      for (GList *l = members; l != NULL; l = l->next)
        {
          st_json_append_string (out, l->data);
          g_string_append (out, colon);
          st_json_append_node (out, json_object_get_member (object, l->data), spaced);
          if (l->next != NULL)
            g_string_append (out, comma);
        }
      g_string_append_c (out, '}');
      break;
    case JSON_NODE_ARRAY:
      array = json_node_get_array (value);
      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append (out, comma);
          st_json_append_node (out, json_array_get_element (array, i), spaced);
        }
      g_string_append_c (out, ']');
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (value))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (value));
          break;
        case G_TYPE_DOUBLE:
          st_json_append_double (out, json_node_get_double (value));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (value) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          st_json_append_string (out, json_node_get_string (value));
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}
