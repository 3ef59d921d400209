/* spec-read.c: reading the model file; st_spec_load also finds the presets shipped with
 * Strata by name.
 *
 * Per file, strict: not JSON (UTF-16 included), JSON nested past ST_JSON_MAX_DEPTH (refused
 * before json-glib's recursive parser sees it, see json-guard.h), no "input" or "layers", an
 * unknown top-level key or a wrong "format" is a GError naming the file. Per layer, lenient:
 * an unknown type or argument, or a value of the wrong kind, becomes the node's problem (with
 * the argument it concerns and a did-you-mean where one is close), the rest of the layer and
 * of the model still load, and the layer's JSON is kept so saving loses nothing.
 */
#define G_LOG_DOMAIN "strata-spec"

#include "core/model/spec-read.h"
#include "core/io/i18n.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/io/input-file.h"
#include "core/io/json-guard.h"
#include "core/io/json-write.h"
#include "core/model/layer-types.h"
#include "core/model/spec-private.h"
#include "st-presets.h"

#define MAX_INPUT_SIDE  (1 << 20)
#define MAX_NESTING     64

/* ---- reading ------------------------------------------------------------------------- */

typedef struct {
  const char *origin;
  int         depth;      /* of the layer being read: 1 for a top-level one */
  int         deepest;    /* the deepest block with contents under the top-level layer */
} ReadCtx;

static void
node_problem (StNode *node, const char *arg, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
node_problem (StNode *node, const char *arg, const char *format, ...)
{
  va_list ap;

  if (node->problem != NULL)
    return;
  va_start (ap, format);
  node->problem = g_strdup_vprintf (format, ap);
  va_end (ap);
  node->problem_arg = g_strdup (arg);
}

static const char *
json_kind_name (JsonNode *value)
{
  switch (json_node_get_node_type (value))
    {
    case JSON_NODE_OBJECT: return _("an object");
    case JSON_NODE_ARRAY: return _("a list");
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (value))
        {
        case G_TYPE_STRING: return _("a string");
        case G_TYPE_BOOLEAN: return _("true/false");
        case G_TYPE_DOUBLE: return _("a fractional number");
        default: return _("a number");
        }
    default: return _("something else");
    }
}

/* An integer, also when written as 5.0; FALSE for anything else or out of int64 range. */
static gboolean
json_as_int (JsonNode *value, gint64 *out)
{
  if (!JSON_NODE_HOLDS_VALUE (value))
    return FALSE;
  if (json_node_get_value_type (value) == G_TYPE_INT64)
    {
      *out = json_node_get_int (value);
      return TRUE;
    }
  if (json_node_get_value_type (value) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (value);
      if (d == floor (d) && d >= -9.2e18 && d <= 9.2e18)
        {
          *out = (gint64) d;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
json_as_number (JsonNode *value, double *out)
{
  GType t;

  if (!JSON_NODE_HOLDS_VALUE (value))
    return FALSE;
  t = json_node_get_value_type (value);
  if (t == G_TYPE_INT64)
    *out = (double) json_node_get_int (value);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (value);
  else
    return FALSE;
  return isfinite (*out);
}

static void
read_arg (StNode *node, StArgId id, const char *name, JsonNode *value)
{
  StArgValue *v = &node->args.v[id];
  gint64 a, b;

  switch (st_arg_kind (id))
    {
    case ST_ARG_KIND_INT:
      if (!json_as_int (value, &a))
        {
          node_problem (node, name, _("%s must be a whole number, got %s"), name,
                        json_kind_name (value));
          return;
        }
      v->i[0] = v->i[1] = a;
      break;

    case ST_ARG_KIND_PAIR:
      if (json_as_int (value, &a))
        v->i[0] = v->i[1] = a;
      else if (JSON_NODE_HOLDS_ARRAY (value)
               && json_array_get_length (json_node_get_array (value)) == 2
               && json_as_int (json_array_get_element (json_node_get_array (value), 0), &a)
               && json_as_int (json_array_get_element (json_node_get_array (value), 1), &b))
        v->i[0] = a, v->i[1] = b;
      else
        {
          node_problem (node, name,
                        _("%s must be a whole number or a [height, width] pair, got %s"), name,
                        json_kind_name (value));
          return;
        }
      break;

    case ST_ARG_KIND_FLOAT:
      if (!json_as_number (value, &v->f))
        {
          node_problem (node, name, _("%s must be a number, got %s"), name, json_kind_name (value));
          return;
        }
      break;

    case ST_ARG_KIND_BOOL:
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_BOOLEAN)
        {
          node_problem (node, name, _("%s must be true or false, got %s"), name,
                        json_kind_name (value));
          return;
        }
      v->b = json_node_get_boolean (value);
      break;
    }
  st_node_mark_given (node, id);
}

static GPtrArray *read_seq (ReadCtx *ctx, JsonNode *value, StNode *owner, const char *what);

static void
read_block_member (ReadCtx *ctx, StNode *node, const char *name, JsonNode *value)
{
  if (node->type->kind == ST_LAYER_CONCAT && strcmp (name, "branches") == 0)
    {
      JsonArray *arr;

      if (!JSON_NODE_HOLDS_ARRAY (value))
        {
          node_problem (node, name, _("branches must be a list of layer lists, got %s"),
                        json_kind_name (value));
          return;
        }
      arr = json_node_get_array (value);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        g_ptr_array_add (node->branches,
                         read_seq (ctx, json_array_get_element (arr, i), node,
                                   _("each branch")));
      return;
    }
  if (node->type->kind == ST_LAYER_RESIDUAL && strcmp (name, "body") == 0)
    {
      g_ptr_array_unref (node->body);
      node->body = read_seq (ctx, value, node, "body");
      return;
    }
  if (node->type->kind == ST_LAYER_RESIDUAL && strcmp (name, "shortcut") == 0)
    {
      g_clear_pointer (&node->shortcut, g_ptr_array_unref);
      node->shortcut = read_seq (ctx, value, node, "shortcut");
      return;
    }
  node_problem (node, name, _("unknown argument '%s' for %s (it takes %s)"), name,
                node->type->name,
                node->type->kind == ST_LAYER_CONCAT ? "branches" : _("body and shortcut"));
}

/* Blocks nested past MAX_NESTING under the top-level layer `node`: the whole layer becomes
 * one problem, its contents dropped (the JSON kept for saving), so that what comes after
 * (inference, the builder, compiling) never walks that deep. The JSON guard bounds how deep
 * reading itself goes: ST_JSON_MAX_DEPTH levels hold at most half as many blocks. */
static void
too_deep (ReadCtx *ctx, StNode *node)
{
  node_problem (node, NULL,
                _("blocks are nested %d deep inside this layer; Strata reads at most %d"),
                ctx->deepest, MAX_NESTING);
  if (node->branches != NULL)
    g_ptr_array_set_size (node->branches, 0);
  if (node->body != NULL)
    g_ptr_array_set_size (node->body, 0);
  g_clear_pointer (&node->shortcut, g_ptr_array_unref);
  ctx->deepest = 0;
}

static StNode *
read_node (ReadCtx *ctx, JsonNode *json)
{
  JsonObject *obj;
  JsonNode *type_node;
  const char *type_name;
  const StLayerType *type;
  StNode *node;
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (json))
    {
      node = st_node_new (NULL);
      node_problem (node, NULL, _("a layer must be an object such as {\"type\": \"ReLU\"}, got %s"),
                    json_kind_name (json));
      goto out;
    }
  obj = json_node_get_object (json);
  type_node = json_object_get_member (obj, "type");
  if (type_node == NULL || !JSON_NODE_HOLDS_VALUE (type_node)
      || json_node_get_value_type (type_node) != G_TYPE_STRING)
    {
      node = st_node_new (NULL);
      node_problem (node, "type", _("this layer has no \"type\" (such as \"Conv2d\" or \"ReLU\")"));
      goto out;
    }
  type_name = json_node_get_string (type_node);
  type = st_layer_type_lookup (type_name);
  node = st_node_new (type);
  if (type == NULL)
    {
      const char *guess = st_layer_type_suggest (type_name);
      g_free (node->type_name);
      node->type_name = g_strdup (type_name);
      if (guess != NULL)
        node_problem (node, "type", _("unknown layer type '%s' — did you mean '%s'?"), type_name,
                      guess);
      else
        node_problem (node, "type", _("unknown layer type '%s'"), type_name);
      goto out;
    }

  ctx->depth++;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (obj, name);
      StArgId id;

      if (strcmp (name, "type") == 0)
        continue;
      if (st_layer_type_is_block (type))
        {
          ctx->deepest = MAX (ctx->deepest, ctx->depth);
          read_block_member (ctx, node, name, value);
          continue;
        }
      if (!st_arg_lookup (name, &id) || st_layer_type_arg (type, id) == NULL)
        {
          const char *guess = st_layer_type_suggest_arg (type, name);
          if (guess != NULL)
            node_problem (node, name, _("unknown argument '%s' for %s — did you mean '%s'?"), name,
                          type->name, guess);
          else
            node_problem (node, name, _("unknown argument '%s' for %s"), name, type->name);
          continue;
        }
      read_arg (node, id, name, value);
    }
  ctx->depth--;
  if (ctx->depth == 0 && ctx->deepest > MAX_NESTING)
    too_deep (ctx, node);

  for (int i = 0; i < type->n_args; i++)
    if (type->args[i].presence == ST_ARG_REQUIRED && !st_node_has_arg (node, type->args[i].id))
      node_problem (node, st_arg_name (type->args[i].id), _("%s needs %s"), type->name,
                    st_arg_name (type->args[i].id));
  if (type->kind == ST_LAYER_CONCAT && node->branches->len == 0 && node->problem == NULL)
    node_problem (node, "branches", _("Concat needs at least one branch in \"branches\""));

out:
  if (node->problem != NULL)
    {
      GString *raw = g_string_new (NULL);

      st_json_append_node (raw, json, FALSE);
      node->raw_json = g_string_free (raw, FALSE);
    }
  return node;
}

static GPtrArray *
read_seq (ReadCtx *ctx, JsonNode *value, StNode *owner, const char *what)
{
  GPtrArray *seq = st_node_seq_new ();
  JsonArray *arr;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    {
      if (owner != NULL)
        node_problem (owner, NULL, _("%s must be a list of layers, got %s"), what,
                      json_kind_name (value));
      return seq;
    }
  arr = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    g_ptr_array_add (seq, read_node (ctx, json_array_get_element (arr, i)));
  return seq;
}

static gboolean
read_input (JsonNode *value, StShape *input, const char *origin, GError **error)
{
  static const char *const keys[] = { "channels", "height", "width", NULL };
  JsonObject *obj;
  g_autoptr (GList) members = NULL;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   _("%s: \"input\" must be an object such as "
                     "{\"channels\": 1, \"height\": 28, \"width\": 28}"), origin);
      return FALSE;
    }
  obj = json_node_get_object (value);
  *input = st_shape_chw (0, 0, 0);
  for (int i = 0; i < 3; i++)
    {
      JsonNode *v = json_object_get_member (obj, keys[i]);
      gint64 n;

      if (v == NULL || !json_as_int (v, &n) || n < 1 || n > MAX_INPUT_SIDE)
        {
          g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                       _("%s: input.%s must be a whole number from 1 to %d"), origin, keys[i],
                       MAX_INPUT_SIDE);
          return FALSE;
        }
      input->dim[i] = n;
    }
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (keys, l->data))
      {
        g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                     _("%s: unknown key input.%s (it takes channels, height and width)"), origin,
                     (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

/* json-glib decodes an unpaired surrogate escape ("\ud800") to bytes that are not UTF-8.
 * Such a string would reach the builder's labels and make the saved file unreadable. */
static gboolean
strings_are_utf8 (JsonNode *node)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *child;
  JsonArray *array;

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &key, &child))
        if (!g_utf8_validate (key, -1, NULL) || !strings_are_utf8 (child))
          return FALSE;
      return TRUE;
    case JSON_NODE_ARRAY:
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!strings_are_utf8 (json_array_get_element (array, i)))
          return FALSE;
      return TRUE;
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING
             || g_utf8_validate (json_node_get_string (node), -1, NULL);
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* A byte-order mark, or a NUL in every other byte of the first characters (ASCII written as
 * UTF-16, little- or big-endian). */
static gboolean
is_utf16 (const char *data, gsize length)
{
  const guint8 *b = (const guint8 *) data;
  gsize n = MIN (length, 64) & ~(gsize) 1;
  gboolean le = n > 0, be = n > 0;

  if (length >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff)))
    return TRUE;
  for (gsize i = 0; i < n; i += 2)
    {
      le = le && b[i] != 0 && b[i + 1] == 0;
      be = be && b[i] == 0 && b[i + 1] != 0;
    }
  return le || be;
}

static gboolean
is_blank (const char *data, gsize length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

StSpec *
st_spec_load_from_data (const char *data, gssize length, const char *origin, GError **error)
{
  static const char *const top_keys[] = { "format", "name", "description", "input", "layers",
                                          "training", NULL };
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  g_autoptr (GList) members = NULL;
  g_autoptr (StSpec) spec = NULL;
  JsonNode *root, *member;
  JsonObject *obj;
  StShape input;
  ReadCtx ctx = { origin, 0, 0 };

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (origin != NULL, NULL);

  if (length < 0)
    length = strlen (data);
  if (is_utf16 (data, length))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX,
                   _("%s is UTF-16 text; save it as UTF-8"), origin);
      return NULL;
    }
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX,
                   _("%s: not a model file (it contains binary data)"), origin);
      return NULL;
    }
  if (is_blank (data, length))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX,
                   _("%s: not valid JSON: the file is empty"), origin);
      return NULL;
    }
  if (!st_json_check_depth (data, length, origin, &local))
    {
      g_set_error_literal (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX, local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX, _("%s: not valid JSON: %s"), origin,
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   _("%s: a model file must be a JSON object with \"input\" and \"layers\""),
                   origin);
      return NULL;
    }
  if (!strings_are_utf8 (root))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX,
                   _("%s: not valid JSON: a string holds an unpaired surrogate escape "
                     "(\\ud800 to \\udfff without its other half)"), origin);
      return NULL;
    }
  obj = json_node_get_object (root);

  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (top_keys, l->data))
      {
        g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                     _("%s: unknown key \"%s\" (a model file has format, name, description, "
                       "input, layers and training)"), origin, (const char *) l->data);
        return NULL;
      }

  member = json_object_get_member (obj, "format");
  if (member != NULL && (!JSON_NODE_HOLDS_VALUE (member)
                         || json_node_get_value_type (member) != G_TYPE_STRING
                         || strcmp (json_node_get_string (member), ST_MODEL_FORMAT) != 0))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   _("%s: \"format\" must be \"%s\""), origin, ST_MODEL_FORMAT);
      return NULL;
    }
  member = json_object_get_member (obj, "name");
  if (member != NULL && (!JSON_NODE_HOLDS_VALUE (member)
                         || json_node_get_value_type (member) != G_TYPE_STRING))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   _("%s: \"name\" must be a string"), origin);
      return NULL;
    }
  if (!read_input (json_object_get_member (obj, "input"), &input, origin, error))
    return NULL;
  spec = st_spec_new (member != NULL ? json_node_get_string (member) : NULL, &input);

  member = json_object_get_member (obj, "layers");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   _("%s: \"layers\" must be a list of layers"), origin);
      return NULL;
    }
  g_ptr_array_unref (spec->layers);
  spec->layers = read_seq (&ctx, member, NULL, "layers");

  member = json_object_get_member (obj, "training");
  if (member != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                       _("%s: \"training\" must be an object"), origin);
          return NULL;
        }
      if (!st_train_config_from_json (&spec->training, json_node_get_object (member), origin,
                                      error))
        return NULL;
      spec->has_training = TRUE;
    }
  return g_steal_pointer (&spec);
}

StSpec *
st_spec_load_from_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *display = NULL;
  gsize length;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  data = st_input_file_read (path, ST_SPEC_MAX_FILE_SIZE, _("a model file"), &length,
                             &local);
  if (data == NULL)
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO, "%s", local->message);
      return NULL;
    }
  return st_spec_load_from_data (data, length, display, error);
}

/* ---- presets and paths --------------------------------------------------------------- */

static const char *const preset_names[] = {
  "lenet5", "lenet-relu", "mnist-cnn", "deep-cnn", "inception", "resnet", "toy", NULL
};

const char * const *
st_preset_names (void)
{
  return preset_names;
}

StSpec *
st_spec_load (const char *name_or_path, GError **error)
{
  g_autofree char *resource = NULL;
  g_autofree char *origin = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *list = NULL;

  g_return_val_if_fail (name_or_path != NULL, NULL);

  if (!g_strv_contains (preset_names, name_or_path))
    {
      if (g_file_test (name_or_path, G_FILE_TEST_EXISTS) || strchr (name_or_path, '/') != NULL
          || g_str_has_suffix (name_or_path, ".json"))
        return st_spec_load_from_file (name_or_path, error);
      list = g_strjoinv (", ", (char **) preset_names);
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO,
                   _("%s: no such file, and no preset of that name (presets: %s)"), name_or_path,
                   list);
      return NULL;
    }
  resource = g_strdup_printf ("/org/strata/presets/%s.strata.json", name_or_path);
  bytes = g_resource_lookup_data (st_presets_get_resource (), resource, 0, NULL);
  g_assert (bytes != NULL);
  origin = g_strdup_printf (_("preset %s"), name_or_path);
  return st_spec_load_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 origin, error);
}
