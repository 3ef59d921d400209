/* json-guard.h: the look at JSON text before json-glib parses it.
 *
 * json-glib's parser recurses once per array or object it enters, so text nested deeply
 * enough (a model file whose "layers" is `[` × 100,000) overflows the stack and the process
 * dies. Every JSON text Strata reads goes through st_json_check_depth () first: a single
 * pass, no recursion, no allocation, that refuses nesting deeper than ST_JSON_MAX_DEPTH with
 * a message instead. The same pass refuses whole numbers too large for gint64, which
 * json-glib would silently read as other numbers.
 *
 * The pass lexes as json-glib does, so that a bracket json-glib sees as structure is always
 * counted: double-quoted strings with backslash escapes, single-quoted strings (json-glib
 * 1.6) without, and comments: a slash opens one up to the next slash, except that after
 * json-glib 1.6 a slash-star opens one up to a star-slash (both rules are counted, the
 * deeper wins). Brackets inside strings and comments do not count. Where json-glib would
 * stop at a syntax error, counting goes on, which can only refuse more.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The deepest nesting of arrays and objects Strata parses. A model file needs far less:
 * blocks nest at most 64 deep, each block level costs two or three JSON levels. */
#define ST_JSON_MAX_DEPTH 256

#define ST_JSON_GUARD_ERROR (st_json_guard_error_quark ())
GQuark st_json_guard_error_quark (void);

typedef enum {
  ST_JSON_GUARD_ERROR_TOO_DEEP,   /* arrays and objects nested past ST_JSON_MAX_DEPTH */
  ST_JSON_GUARD_ERROR_NUMBER,     /* a whole number past gint64, which json-glib misreads */
} StJsonGuardError;

/* The deepest nesting of arrays and objects in the `length` bytes of `text` (0 for text
 * without brackets, 1 for "[]"). When it passes `limit`, `where` (may be NULL) gets the
 * offset of the first bracket that opens a level past `limit`. */
gsize    st_json_depth       (const char  *text,
                              gsize        length,
                              gsize        limit,
                              gsize       *where);

/* TRUE when `text` (`length` bytes, or up to its NUL when `length` is -1) is nested at most
 * ST_JSON_MAX_DEPTH deep. Otherwise FALSE with `error` set in ST_JSON_GUARD_ERROR to
 * "ORIGIN: JSON nested 100001 levels deep at byte 52; Strata reads at most 256", the byte
 * being the offset (from 0) of the first bracket past the limit. Whole numbers past gint64
 * are refused too (ST_JSON_GUARD_ERROR_NUMBER): json-glib would read 99999999999999999999 as
 * -1 without a word. */
gboolean st_json_check_depth (const char  *text,
                              gssize       length,
                              const char  *origin,
                              GError     **error);

G_END_DECLS
