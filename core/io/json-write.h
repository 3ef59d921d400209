/* json-write.h: small helpers for writing JSON by hand, where the layout matters
 * (a model file that reads like the documentation, one JSON object per line of --json). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A quoted, escaped JSON string. */
void st_json_append_string (GString *out, const char *s);
/* The shortest decimal that reads back as the same double; always looks like a float. */
void st_json_append_double (GString *out, double d);

G_END_DECLS
