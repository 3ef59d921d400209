/* line-file.c: see line-file.h. */
/* every file read here is part of a run's record: its warnings are the runs' */
#define G_LOG_DOMAIN "strata-runs"

#include "core/io/line-file.h"

#include <math.h>
#include <string.h>

#include "core/io/i18n.h"
#include "core/io/input-file.h"
#include "core/io/json-guard.h"

/* Every line of the `length` bytes of `text` (modified in place) through `read`. */
static void
read_lines (char *text, gsize length, const char *display, gboolean rows, StLineReader read,
            gpointer into)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  char *const stop = text + length;
  int number = 0, bad = 0;

  for (char *line = text, *end; line < stop; line = end + 1)
    {
      gsize size;

      end = memchr (line, '\n', stop - line);
      if (end == NULL && rows)
        break;
      if (end == NULL)
        end = stop;
      *end = '\0';
      size = end - line;
      if (size > 0 && line[size - 1] == '\r')
        line[--size] = '\0';
      number++;
      if ((number == 1 && rows) || size == 0)
        continue;
      if (bad > 0)
        g_warning (_("%s: line %d does not read; skipped"), display, bad);
      bad = strlen (line) == size && read (line, into, parser) ? 0 : number;
    }
}

gboolean
st_line_file_read (const char *path, gsize max_size, const char *what, gboolean missing_ok,
                   gboolean rows, StLineReader read, gpointer into, GError **error)
{
  g_autofree char *display = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL && read != NULL, FALSE);

  text = st_input_file_read (path, max_size, what, &length, &local);
  if (text == NULL)
    {
      if (missing_ok && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  display = g_filename_display_name (path);
  read_lines (text, length, display, rows, read, into);
  return TRUE;
}

JsonObject *
st_json_line_object (const char *line, JsonParser *parser)
{
  JsonNode *root;

  if (!st_json_check_depth (line, -1, "", NULL)
      || !json_parser_load_from_data (parser, line, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_node_get_object (root);
}

gboolean
st_json_node_number (JsonNode *node, double *value)
{
  GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node)
                                                          : G_TYPE_INVALID;

  if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

double
st_json_member_number (JsonObject *o, const char *key)
{
  double value;

  return o != NULL && st_json_node_number (json_object_get_member (o, key), &value) ? value
                                                                                    : NAN;
}
