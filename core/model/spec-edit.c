/* spec-edit.c: see spec-edit.h. */
#define G_LOG_DOMAIN "strata-spec"

#include "core/model/spec-edit.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/io/i18n.h"

/* Longer text is cut to this many bytes in a message. */
#define SHOWN_TEXT 24

static gboolean
parse_int (const char *text, gint64 *value)
{
  char *end;
  gint64 v;

  while (g_ascii_isspace (*text))
    text++;
  if (*text == '\0')
    return FALSE;
  errno = 0;
  v = g_ascii_strtoll (text, &end, 10);
  if (errno != 0 || end == text)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0')
    return FALSE;
  *value = v;
  return TRUE;
}

/* "5" (both), "5, 3", "5x3", and PyTorch's "(5, 3)" or "[5, 3]". The set splits on bytes, so
 * "5×3" gives three pieces (× is two bytes) and is refused, as the builder always did. */
static gboolean
parse_pair (const char *text, gint64 *h, gint64 *w)
{
  g_autofree char *inner = g_strstrip (g_strdup (text));
  g_auto (GStrv) parts = NULL;
  gsize len = strlen (inner);

  if (len >= 2 && ((inner[0] == '[' && inner[len - 1] == ']')
                   || (inner[0] == '(' && inner[len - 1] == ')')))
    {
      inner[len - 1] = '\0';
      memmove (inner, inner + 1, len - 1);
    }
  parts = g_strsplit_set (inner, ",x×", -1);
  if (g_strv_length (parts) == 1)
    {
      if (!parse_int (parts[0], h))
        return FALSE;
      *w = *h;
      return TRUE;
    }
  return g_strv_length (parts) == 2 && parse_int (parts[0], h) && parse_int (parts[1], w);
}

static gboolean
parse_float (const char *text, double *value)
{
  char *end;
  double v;

  while (g_ascii_isspace (*text))
    text++;
  if (*text == '\0')
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (end == text || !isfinite (v))
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0')
    return FALSE;
  *value = v;
  return TRUE;
}

static gboolean
parse_bool (const char *text, gboolean *value)
{
  g_autofree char *copy = g_strdup (text);
  g_autofree char *t = g_ascii_strdown (g_strstrip (copy), -1);

  if (g_str_equal (t, "true") || g_str_equal (t, "yes") || g_str_equal (t, "1"))
    *value = TRUE;
  else if (g_str_equal (t, "false") || g_str_equal (t, "no") || g_str_equal (t, "0"))
    *value = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
value_error (GError **error, StArgId id, const char *text, const char *expected)
{
  g_autofree char *shown = g_utf8_make_valid (text, MIN (strlen (text), SHOWN_TEXT));

  g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_VALUE, _("%s: “%s%s” is not %s"),
               st_arg_name (id), shown, strlen (text) > SHOWN_TEXT ? "…" : "", expected);
  return FALSE;
}

gboolean
st_arg_value_parse (const char *text, StArgId id, StArgValue *value, GError **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (id < ST_N_ARGS, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (strlen (text) > ST_ARG_TEXT_MAX)
    return value_error (error, id, text, _("a value (too long)"));
  switch (st_arg_kind (id))
    {
    case ST_ARG_KIND_INT:
      if (!parse_int (text, &value->i[0]))
        return value_error (error, id, text, _("a whole number"));
      value->i[1] = value->i[0];
      break;
    case ST_ARG_KIND_PAIR:
      if (!parse_pair (text, &value->i[0], &value->i[1]))
        return value_error (error, id, text, _("a whole number or a pair like (5, 3)"));
      break;
    case ST_ARG_KIND_FLOAT:
      if (!parse_float (text, &value->f))
        return value_error (error, id, text, _("a number"));
      break;
    case ST_ARG_KIND_BOOL:
      if (!parse_bool (text, &value->b))
        return value_error (error, id, text, _("true or false"));
      break;
    }
  return TRUE;
}

gboolean
st_arg_text_parse (const StLayerType *type, StArgId id, const char *text, StArgText *parsed,
                   GError **error)
{
  const StArgSpec *arg;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (id < ST_N_ARGS, FALSE);
  g_return_val_if_fail (parsed != NULL, FALSE);

  memset (parsed, 0, sizeof *parsed);
  if (text[strspn (text, " \t")] != '\0')
    {
      parsed->given = TRUE;
      return st_arg_value_parse (text, id, &parsed->value, error);
    }
  arg = type != NULL ? st_layer_type_arg (type, id) : NULL;
  if (arg != NULL && arg->presence == ST_ARG_REQUIRED)
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_VALUE, _("%s: a value is required"),
                   st_arg_name (id));
      return FALSE;
    }
  return TRUE;
}

char *
st_arg_value_format (const StArgValue *value, StArgId id)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (id < ST_N_ARGS, NULL);

  switch (st_arg_kind (id))
    {
    case ST_ARG_KIND_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, value->i[0]);
    case ST_ARG_KIND_PAIR:
      if (value->i[0] == value->i[1])
        return g_strdup_printf ("%" G_GINT64_FORMAT, value->i[0]);
      return g_strdup_printf ("%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT, value->i[0],
                              value->i[1]);
    case ST_ARG_KIND_FLOAT:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", value->f));
      }
    case ST_ARG_KIND_BOOL:
      return g_strdup (value->b ? "true" : "false");
    }
  g_return_val_if_reached (NULL);
}

char *
st_node_format_arg (const StNode *node, StArgId id)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (id < ST_N_ARGS, NULL);

  if (!st_node_has_arg (node, id))
    return NULL;
  return st_arg_value_format (&node->args.v[id], id);
}

/* Sizes are separated by commas, spaces or a times sign (each of its two UTF-8 bytes
 * separates, as does "x"); empty pieces between separators are skipped. */
gboolean
st_input_shape_parse (const char *text, StShape *shape, GError **error)
{
  g_auto (GStrv) parts = NULL;
  gint64 dims[3];
  int n = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (shape != NULL, FALSE);

  parts = g_strsplit_set (text, ",×x ", -1);
  for (int i = 0; parts[i] != NULL && n <= 3; i++)
    if (parts[i][0] != '\0')
      {
        char *end;

        dims[MIN (n, 2)] = g_ascii_strtoll (parts[i], &end, 10);
        n = *end == '\0' ? n + 1 : 4;
      }
  if (n != 3 || dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0)
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_VALUE,
                   _("input: “%.24s” is not three positive sizes such as 1, 28, 28"), text);
      return FALSE;
    }
  *shape = st_shape_chw (dims[0], dims[1], dims[2]);
  return TRUE;
}

gboolean
st_layer_args_equal (const StLayerArgs *a, const StLayerArgs *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->given != b->given)
    return FALSE;
  for (int id = 0; id < ST_N_ARGS; id++)
    {
      const StArgValue *x = &a->v[id], *y = &b->v[id];

      switch (st_arg_kind (id))
        {
        case ST_ARG_KIND_INT:
        case ST_ARG_KIND_PAIR:
          if (x->i[0] != y->i[0] || x->i[1] != y->i[1])
            return FALSE;
          break;
        case ST_ARG_KIND_FLOAT:
          if (x->f != y->f)
            return FALSE;
          break;
        case ST_ARG_KIND_BOOL:
          if (!x->b != !y->b)
            return FALSE;
          break;
        }
    }
  return TRUE;
}

/* Whether the node's problem concerns argument `id`. */
static gboolean
problem_of_arg (const StNode *node, StArgId id)
{
  return node->problem_arg != NULL && g_str_equal (node->problem_arg, st_arg_name (id));
}

void
st_node_apply_arg (StNode *node, StArgId id, const StArgValue *value)
{
  gboolean settles;

  g_return_if_fail (node != NULL);
  g_return_if_fail (id < ST_N_ARGS);

  settles = problem_of_arg (node, id);
  if (value == NULL)
    st_node_unset (node, id);
  else
    switch (st_arg_kind (id))
      {
      case ST_ARG_KIND_INT:
        st_node_set_int (node, id, value->i[0]);
        break;
      case ST_ARG_KIND_PAIR:
        st_node_set_pair (node, id, value->i[0], value->i[1]);
        break;
      case ST_ARG_KIND_FLOAT:
        st_node_set_float (node, id, value->f);
        break;
      case ST_ARG_KIND_BOOL:
        st_node_set_bool (node, id, value->b);
        break;
      }
  if (settles)
    {
      g_clear_pointer (&node->problem, g_free);
      g_clear_pointer (&node->problem_arg, g_free);
      g_clear_pointer (&node->raw_json, g_free);
    }
}

void
st_node_set_text_problem (StNode *node, StArgId id, const char *message)
{
  g_return_if_fail (node != NULL);
  g_return_if_fail (id < ST_N_ARGS);
  g_return_if_fail (message != NULL);

  if (node->problem != NULL && !(problem_of_arg (node, id) && st_node_has_text_problem (node)))
    return;
  g_free (node->problem);
  g_free (node->problem_arg);
  node->problem = g_strdup (message);
  node->problem_arg = g_strdup (st_arg_name (id));
}

gboolean
st_node_has_text_problem (const StNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->problem != NULL && node->raw_json == NULL;
}

void
st_node_seq_clear_text_problems (GPtrArray *seq)
{
  for (guint i = 0; seq != NULL && i < seq->len; i++)
    {
      StNode *node = g_ptr_array_index (seq, i);

      if (st_node_has_text_problem (node))
        {
          g_clear_pointer (&node->problem, g_free);
          g_clear_pointer (&node->problem_arg, g_free);
        }
      for (guint b = 0; node->branches != NULL && b < node->branches->len; b++)
        st_node_seq_clear_text_problems (g_ptr_array_index (node->branches, b));
      st_node_seq_clear_text_problems (node->body);
      st_node_seq_clear_text_problems (node->shortcut);
    }
}
