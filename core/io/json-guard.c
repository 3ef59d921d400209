/* json-guard.c: the nesting depth of JSON text, counted without parsing it.
 *
 * One pass over the bytes that skips what json-glib's scanner (json-scanner.c, a fork of
 * GLib's GScanner) skips as a whole token: strings and comments. The scanner of json-glib 1.6
 * and those after it differ in two rules, so the text is scanned once by each and the deeper
 * count wins:
 *
 *                 a slash ...                     "\u" ...
 *   1.6           opens a comment to the next     takes up to 4 hex digits and the byte that
 *                 slash                           ends them; after a surrogate, 1 or 2 more
 *                                                 bytes and, if they are "\u", another such
 *   later         slash-star opens one to         takes exactly 4 hex digits, or the parse
 *                 star-slash                      fails there
 *
 * Where json-glib stops at a syntax error nothing after it is parsed, so what this pass makes
 * of the rest can only refuse more, never less.
 */
#define G_LOG_DOMAIN "strata-json"

#include "core/io/json-guard.h"
#include "core/io/i18n.h"

#include <string.h>

G_DEFINE_QUARK (st-json-guard-error-quark, st_json_guard_error)

typedef enum {
  RULES_1_6,
  RULES_LATER,
} Rules;

/* The offset just past the next `c` at or after `i`, or `length` when there is none. */
static gsize
skip_past (const char *text, gsize length, gsize i, char c)
{
  const char *found = i < length ? memchr (text + i, c, length - i) : NULL;

  return found != NULL ? (gsize) (found - text) + 1 : length;
}

/* json-glib 1.6's json_scanner_get_unichar (): up to four hex digits, high nibble first;
 * the byte that ends them early is taken too. */
static guint
take_unichar_1_6 (const char *text, gsize length, gsize *i)
{
  guint value = 0;

  for (int k = 0; k < 4 && *i < length; k++)
    {
      char c = text[(*i)++];

      if (!g_ascii_isxdigit (c))
        break;
      value += (guint) g_ascii_xdigit_value (c) << ((3 - k) * 4);
    }
  return value;
}

/* From just after the opening '"' to just after the closing one. */
static gsize
skip_string (const char *text, gsize length, gsize i, Rules rules)
{
  while (i < length)
    {
      char c = text[i++];

      if (c == '"')
        return i;
      if (c != '\\' || i >= length)
        continue;
      c = text[i++];
      if (rules == RULES_1_6 && c == 'u' && i < length && g_ascii_isxdigit (text[i]))
        {
          guint unit = take_unichar_1_6 (text, length, &i);

          if (unit >= 0xd800 && unit <= 0xdfff && i < length && text[i++] == '\\'
              && i < length && text[i++] == 'u')
            take_unichar_1_6 (text, length, &i);
        }
    }
  return length;
}

/* From just after the slash-star to just after the star-slash. */
static gsize
skip_comment_multi (const char *text, gsize length, gsize i)
{
  for (; i + 1 < length; i++)
    if (text[i] == '*' && text[i + 1] == '/')
      return i + 2;
  return length;
}

/* A whole number past gint64 at text[start..): json-glib 1.6 reads 99999999999999999999
 * as -1 and 9223372036854775808 as 9223372036854775807, silently. TRUE when the literal
 * starting at `start` (a '-' or a digit, not inside a word) is such a number; *end is
 * just past it. */
static gboolean
integer_too_large (const char *text, gsize length, gsize start, gsize *end)
{
  const char *limit = "9223372036854775807";
  gsize i = start, first, digits;
  gboolean negative = text[i] == '-';

  if (negative)
    i++;
  first = i;
  while (i < length && g_ascii_isdigit (text[i]))
    i++;
  *end = i;
  digits = i - first;
  /* a fraction or an exponent makes it a double, which json-glib reads as such */
  if (digits == 0 || (i < length && (text[i] == '.' || text[i] == 'e' || text[i] == 'E')))
    return FALSE;
  while (digits > 1 && text[first] == '0')
    first++, digits--;
  if (digits != 19)
    return digits > 19;
  if (negative)
    limit = "9223372036854775808";
  return memcmp (text + first, limit, 19) > 0;
}

static gsize
scan (const char *text, gsize length, Rules rules, gsize limit, gsize *where,
      gssize *big_number, gsize *big_length)
{
  gsize i = 0, depth = 0, deepest = 0;

  while (i < length)
    {
      char c = text[i++];

      switch (c)
        {
        case '[':
        case '{':
          depth++;
          if (depth > deepest)
            {
              deepest = depth;
              if (depth == limit + 1)
                *where = i - 1;
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        case '"':
          i = skip_string (text, length, i, rules);
          break;
        case '\'':
          /* A string in 1.6, without escapes; later, an error. */
          i = skip_past (text, length, i, '\'');
          break;
        case '/':
          if (rules == RULES_LATER && i < length && text[i] == '*')
            i = skip_comment_multi (text, length, i + 1);
          else
            i = skip_past (text, length, i, '/');
          break;
        default:
          if ((c == '-' || g_ascii_isdigit (c))
              && (i < 2 || !(g_ascii_isalnum (text[i - 2]) || text[i - 2] == '.'
                             || text[i - 2] == '_')))
            {
              gsize end;

              if (integer_too_large (text, length, i - 1, &end) && *big_number < 0)
                {
                  *big_number = (gssize) (i - 1);
                  *big_length = end - (i - 1);
                }
              i = MAX (i, end);
            }
          break;
        }
    }
  return deepest;
}

gsize
st_json_depth (const char *text, gsize length, gsize limit, gsize *where)
{
  gsize where_1_6 = 0, where_later = 0, depth_1_6, depth_later, big_length = 0;
  gssize big = -1;

  g_return_val_if_fail (text != NULL || length == 0, 0);

  depth_1_6 = scan (text, length, RULES_1_6, limit, &where_1_6, &big, &big_length);
  depth_later = scan (text, length, RULES_LATER, limit, &where_later, &big, &big_length);
  if (where != NULL && MAX (depth_1_6, depth_later) > limit)
    *where = depth_1_6 >= depth_later ? where_1_6 : where_later;
  return MAX (depth_1_6, depth_later);
}

/* The first whole number past gint64, outside strings and comments (json-glib 1.6's
 * rules), refused: it would be read as another number. */
static gboolean
check_numbers (const char *text, gsize length, const char *origin, GError **error)
{
  gsize where = 0, big_length = 0;
  gssize big = -1;
  g_autofree char *shown = NULL;

  scan (text, length, RULES_1_6, G_MAXSIZE, &where, &big, &big_length);
  if (big < 0)
    return TRUE;
  shown = g_strndup (text + big, MIN (big_length, 40));
  g_set_error (error, ST_JSON_GUARD_ERROR, ST_JSON_GUARD_ERROR_NUMBER,
               _("%s: the whole number %s%s at byte %zd is too large to read "
                 "(the largest is 9223372036854775807)"), origin, shown,
               big_length > 40 ? "…" : "", big);
  return FALSE;
}

gboolean
st_json_check_depth (const char *text, gssize length, const char *origin, GError **error)
{
  gsize depth, where = 0;

  g_return_val_if_fail (text != NULL || length <= 0, FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (length < 0)
    length = (gssize) strlen (text);
  depth = st_json_depth (text, (gsize) length, ST_JSON_MAX_DEPTH, &where);
  if (depth <= ST_JSON_MAX_DEPTH)
    return check_numbers (text, (gsize) length, origin, error);
  g_set_error (error, ST_JSON_GUARD_ERROR, ST_JSON_GUARD_ERROR_TOO_DEEP,
               _("%s: JSON nested %zu levels deep at byte %zu; Strata reads at most %d"), origin,
               depth, where, ST_JSON_MAX_DEPTH);
  return FALSE;
}
