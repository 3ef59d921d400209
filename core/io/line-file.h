/* line-file.h: the files Strata writes a line at a time — a run's epochs.jsonl, batches.csv,
 * insight.jsonl and projection.jsonl — read back by one rule.
 *
 * A line that does not read is skipped. The last one silently: kill -9 during an append
 * tears it. One before the last with a warning naming the file and the line: appends never
 * tear a line in the middle, so that file was damaged another way, and the lines around it
 * still read. A line holding a NUL byte never reads (a crash can leave a file's end
 * zero-filled); a "\r" before the newline is dropped.
 *
 * JSON lines go through st_json_check_depth () before json-glib parses them, as every JSON
 * text Strata reads does.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Reads one line (NUL-terminated, modifiable) into `into`; FALSE when it does not read.
 * `parser` is the caller's, for JSON lines. */
typedef gboolean (*StLineReader) (char *line, gpointer into, JsonParser *parser);

/* Every line of the file at `path` (read with st_input_file_read: at most max_size bytes,
 * `what` names it in errors) through `read`, by the rule above. `rows`: a CSV file, its
 * first line a header, and a last line without its newline torn whatever it reads as (a row
 * cut short can still read, "0.4" cut to "0."). A missing file reads as no lines when
 * `missing_ok`; other errors name the file. */
gboolean    st_line_file_read      (const char   *path,
                                    gsize         max_size,
                                    const char   *what,
                                    gboolean      missing_ok,
                                    gboolean      rows,
                                    StLineReader  read,
                                    gpointer      into,
                                    GError      **error);
/* The JSON object of one line, parsed by `parser` after the depth check; NULL when the line
 * is not one. */
JsonObject *st_json_line_object    (const char   *line,
                                    JsonParser   *parser);
/* A number: TRUE and its value for a JSON number (whole or not), FALSE for anything else. */
gboolean    st_json_node_number    (JsonNode     *node,
                                    double       *value);
/* A member that is a number, or NaN when it is missing, null or anything else. */
double      st_json_member_number  (JsonObject   *o,
                                    const char   *key);

G_END_DECLS
