/* json-write.h: small helpers for writing JSON by hand, where the layout matters
 * (a model file that reads like the documentation, one JSON object per line of --json). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A quoted, escaped JSON string. */
void st_json_append_string (GString *out, const char *s);
/* The shortest decimal that reads back as the same double; always looks like a float. */
void st_json_append_double (GString *out, double d);
/* `value` as JSON on one line, ", " and ": " between items when `spaced`, else "," and ":".
 * Not json_to_string: json-glib 1.6 writes 1e308 as "1e+308.0", which no JSON reader takes
 * back. */
void st_json_append_node   (GString *out, JsonNode *value, gboolean spaced);

G_END_DECLS
