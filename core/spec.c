/* spec.c: reading and writing the model file.
 *
 * Layers are read leniently (a problem is kept on the layer, see spec.h) and written
 * back with only the arguments the person set, one layer per line, so a saved file reads
 * like the example in the design notes and diffs cleanly.
 */
#define G_LOG_DOMAIN "strata-spec"

#include "core/spec.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/json-write.h"
#include "core/layer-types.h"
#include "st-presets.h"

G_DEFINE_QUARK (st-spec-error-quark, st_spec_error)

#define MAX_INPUT_SIDE  (1 << 20)
#define MAX_NESTING     64

static const struct {
  const char *name;
  StArgKind   kind;
} arg_table[ST_N_ARGS] = {
  [ST_ARG_IN_CHANNELS] = { "in_channels", ST_ARG_KIND_INT },
  [ST_ARG_OUT_CHANNELS] = { "out_channels", ST_ARG_KIND_INT },
  [ST_ARG_KERNEL_SIZE] = { "kernel_size", ST_ARG_KIND_PAIR },
  [ST_ARG_STRIDE] = { "stride", ST_ARG_KIND_PAIR },
  [ST_ARG_PADDING] = { "padding", ST_ARG_KIND_PAIR },
  [ST_ARG_DILATION] = { "dilation", ST_ARG_KIND_PAIR },
  [ST_ARG_BIAS] = { "bias", ST_ARG_KIND_BOOL },
  [ST_ARG_IN_FEATURES] = { "in_features", ST_ARG_KIND_INT },
  [ST_ARG_OUT_FEATURES] = { "out_features", ST_ARG_KIND_INT },
  [ST_ARG_NUM_PARAMETERS] = { "num_parameters", ST_ARG_KIND_INT },
  [ST_ARG_INIT] = { "init", ST_ARG_KIND_FLOAT },
  [ST_ARG_NUM_FEATURES] = { "num_features", ST_ARG_KIND_INT },
  [ST_ARG_EPS] = { "eps", ST_ARG_KIND_FLOAT },
  [ST_ARG_MOMENTUM] = { "momentum", ST_ARG_KIND_FLOAT },
  [ST_ARG_AFFINE] = { "affine", ST_ARG_KIND_BOOL },
  [ST_ARG_P] = { "p", ST_ARG_KIND_FLOAT },
  [ST_ARG_NEGATIVE_SLOPE] = { "negative_slope", ST_ARG_KIND_FLOAT },
  [ST_ARG_OUTPUT_SIZE] = { "output_size", ST_ARG_KIND_PAIR },
  [ST_ARG_INPLACE] = { "inplace", ST_ARG_KIND_BOOL },
};

const char *
st_arg_name (StArgId id)
{
  g_return_val_if_fail (id < ST_N_ARGS, NULL);
  return arg_table[id].name;
}

StArgKind
st_arg_kind (StArgId id)
{
  g_return_val_if_fail (id < ST_N_ARGS, ST_ARG_KIND_INT);
  return arg_table[id].kind;
}

gboolean
st_arg_lookup (const char *name, StArgId *id)
{
  for (int i = 0; i < ST_N_ARGS; i++)
    if (strcmp (arg_table[i].name, name) == 0)
      {
        *id = i;
        return TRUE;
      }
  return FALSE;
}

/* ---- nodes --------------------------------------------------------------------------- */

GPtrArray *
st_node_seq_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) st_node_free);
}

static void
seq_free (gpointer seq)
{
  if (seq != NULL)
    g_ptr_array_unref (seq);
}

StNode *
st_node_new (const StLayerType *type)
{
  StNode *node = g_new0 (StNode, 1);

  node->type = type;
  node->type_name = g_strdup (type != NULL ? type->name : "");
  if (type != NULL)
    {
      for (int i = 0; i < type->n_args; i++)
        node->args.v[type->args[i].id] = type->args[i].fallback;
      if (type->kind == ST_LAYER_CONCAT)
        node->branches = g_ptr_array_new_with_free_func (seq_free);
      else if (type->kind == ST_LAYER_RESIDUAL)
        node->body = st_node_seq_new ();
    }
  return node;
}

void
st_node_free (StNode *node)
{
  if (node == NULL)
    return;
  g_free (node->type_name);
  g_clear_pointer (&node->branches, g_ptr_array_unref);
  g_clear_pointer (&node->body, g_ptr_array_unref);
  g_clear_pointer (&node->shortcut, g_ptr_array_unref);
  g_free (node->problem);
  g_free (node->problem_arg);
  g_free (node->raw_json);
  g_free (node);
}

static GPtrArray *
seq_copy (const GPtrArray *seq)
{
  GPtrArray *copy;

  if (seq == NULL)
    return NULL;
  copy = st_node_seq_new ();
  for (guint i = 0; i < seq->len; i++)
    g_ptr_array_add (copy, st_node_copy (g_ptr_array_index (seq, i)));
  return copy;
}

StNode *
st_node_copy (const StNode *node)
{
  StNode *copy = g_new0 (StNode, 1);

  copy->type = node->type;
  copy->type_name = g_strdup (node->type_name);
  copy->args = node->args;
  if (node->branches != NULL)
    {
      copy->branches = g_ptr_array_new_with_free_func (seq_free);
      for (guint i = 0; i < node->branches->len; i++)
        g_ptr_array_add (copy->branches, seq_copy (g_ptr_array_index (node->branches, i)));
    }
  copy->body = seq_copy (node->body);
  copy->shortcut = seq_copy (node->shortcut);
  copy->problem = g_strdup (node->problem);
  copy->problem_arg = g_strdup (node->problem_arg);
  copy->raw_json = g_strdup (node->raw_json);
  return copy;
}

gboolean
st_node_has_arg (const StNode *node, StArgId id)
{
  return (node->args.given & (G_GUINT64_CONSTANT (1) << id)) != 0;
}

static void
mark_given (StNode *node, StArgId id)
{
  node->args.given |= G_GUINT64_CONSTANT (1) << id;
}

void
st_node_set_int (StNode *node, StArgId id, gint64 value)
{
  node->args.v[id].i[0] = node->args.v[id].i[1] = value;
  mark_given (node, id);
}

void
st_node_set_pair (StNode *node, StArgId id, gint64 h, gint64 w)
{
  node->args.v[id].i[0] = h;
  node->args.v[id].i[1] = w;
  mark_given (node, id);
}

void
st_node_set_float (StNode *node, StArgId id, double value)
{
  node->args.v[id].f = value;
  mark_given (node, id);
}

void
st_node_set_bool (StNode *node, StArgId id, gboolean value)
{
  node->args.v[id].b = value;
  mark_given (node, id);
}

void
st_node_unset (StNode *node, StArgId id)
{
  const StArgSpec *spec = node->type != NULL ? st_layer_type_arg (node->type, id) : NULL;

  node->args.given &= ~(G_GUINT64_CONSTANT (1) << id);
  if (spec != NULL)
    node->args.v[id] = spec->fallback;
}

/* ---- reading ------------------------------------------------------------------------- */

typedef struct {
  const char *origin;
  int         depth;
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
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "a list";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (value))
        {
        case G_TYPE_STRING: return "a string";
        case G_TYPE_BOOLEAN: return "true/false";
        case G_TYPE_DOUBLE: return "a fractional number";
        default: return "a number";
        }
    default: return "something else";
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

  switch (arg_table[id].kind)
    {
    case ST_ARG_KIND_INT:
      if (!json_as_int (value, &a))
        {
          node_problem (node, name, "%s must be a whole number, got %s", name,
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
          node_problem (node, name, "%s must be a whole number or a [height, width] pair, got %s",
                        name, json_kind_name (value));
          return;
        }
      break;

    case ST_ARG_KIND_FLOAT:
      if (!json_as_number (value, &v->f))
        {
          node_problem (node, name, "%s must be a number, got %s", name, json_kind_name (value));
          return;
        }
      break;

    case ST_ARG_KIND_BOOL:
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_BOOLEAN)
        {
          node_problem (node, name, "%s must be true or false, got %s", name,
                        json_kind_name (value));
          return;
        }
      v->b = json_node_get_boolean (value);
      break;
    }
  mark_given (node, id);
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
          node_problem (node, name, "branches must be a list of layer lists, got %s",
                        json_kind_name (value));
          return;
        }
      arr = json_node_get_array (value);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        g_ptr_array_add (node->branches,
                         read_seq (ctx, json_array_get_element (arr, i), node, "each branch"));
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
  node_problem (node, name, "unknown argument '%s' for %s (it takes %s)", name, node->type->name,
                node->type->kind == ST_LAYER_CONCAT ? "branches" : "body and shortcut");
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
      node_problem (node, NULL, "a layer must be an object such as {\"type\": \"ReLU\"}, got %s",
                    json_kind_name (json));
      goto out;
    }
  obj = json_node_get_object (json);
  type_node = json_object_get_member (obj, "type");
  if (type_node == NULL || !JSON_NODE_HOLDS_VALUE (type_node)
      || json_node_get_value_type (type_node) != G_TYPE_STRING)
    {
      node = st_node_new (NULL);
      node_problem (node, "type", "this layer has no \"type\" (such as \"Conv2d\" or \"ReLU\")");
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
        node_problem (node, "type", "unknown layer type '%s' — did you mean '%s'?", type_name,
                      guess);
      else
        node_problem (node, "type", "unknown layer type '%s'", type_name);
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
          if (ctx->depth > MAX_NESTING)
            {
              node_problem (node, name, "blocks are nested more than %d deep", MAX_NESTING);
              continue;
            }
          read_block_member (ctx, node, name, value);
          continue;
        }
      if (!st_arg_lookup (name, &id) || st_layer_type_arg (type, id) == NULL)
        {
          const char *guess = st_layer_type_suggest_arg (type, name);
          if (guess != NULL)
            node_problem (node, name, "unknown argument '%s' for %s — did you mean '%s'?", name,
                          type->name, guess);
          else
            node_problem (node, name, "unknown argument '%s' for %s", name, type->name);
          continue;
        }
      read_arg (node, id, name, value);
    }
  ctx->depth--;

  for (int i = 0; i < type->n_args; i++)
    if (type->args[i].presence == ST_ARG_REQUIRED && !st_node_has_arg (node, type->args[i].id))
      node_problem (node, st_arg_name (type->args[i].id), "%s needs %s", type->name,
                    st_arg_name (type->args[i].id));
  if (type->kind == ST_LAYER_CONCAT && node->branches->len == 0 && node->problem == NULL)
    node_problem (node, "branches", "Concat needs at least one branch in \"branches\"");

out:
  if (node->problem != NULL)
    node->raw_json = json_to_string (json, FALSE);
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
        node_problem (owner, NULL, "%s must be a list of layers, got %s", what,
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
                   "%s: \"input\" must be an object such as "
                   "{\"channels\": 1, \"height\": 28, \"width\": 28}", origin);
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
                       "%s: input.%s must be a whole number from 1 to %d", origin, keys[i],
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
                     "%s: unknown key input.%s (it takes channels, height and width)", origin,
                     (const char *) l->data);
        return FALSE;
      }
  return TRUE;
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
  ReadCtx ctx = { origin, 0 };

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (origin != NULL, NULL);

  if (length < 0)
    length = strlen (data);
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX,
                   "%s: not a model file (it contains binary data)", origin);
      return NULL;
    }
  if (is_blank (data, length))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX,
                   "%s: not valid JSON: the file is empty", origin);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_SYNTAX, "%s: not valid JSON: %s", origin,
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   "%s: a model file must be a JSON object with \"input\" and \"layers\"", origin);
      return NULL;
    }
  obj = json_node_get_object (root);

  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (top_keys, l->data))
      {
        g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                     "%s: unknown key \"%s\" (a model file has format, name, description, "
                     "input, layers and training)", origin, (const char *) l->data);
        return NULL;
      }

  member = json_object_get_member (obj, "format");
  if (member != NULL && (!JSON_NODE_HOLDS_VALUE (member)
                         || json_node_get_value_type (member) != G_TYPE_STRING
                         || strcmp (json_node_get_string (member), ST_MODEL_FORMAT) != 0))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   "%s: \"format\" must be \"%s\"", origin, ST_MODEL_FORMAT);
      return NULL;
    }
  member = json_object_get_member (obj, "name");
  if (member != NULL && (!JSON_NODE_HOLDS_VALUE (member)
                         || json_node_get_value_type (member) != G_TYPE_STRING))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE, "%s: \"name\" must be a string",
                   origin);
      return NULL;
    }
  if (!read_input (json_object_get_member (obj, "input"), &input, origin, error))
    return NULL;
  spec = st_spec_new (member != NULL ? json_node_get_string (member) : NULL, &input);

  member = json_object_get_member (obj, "layers");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE,
                   "%s: \"layers\" must be a list of layers", origin);
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
                       "%s: \"training\" must be an object", origin);
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
  g_autofree char *display = g_filename_display_name (path);
  gsize length;
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO, "%s", local->message);
      return NULL;
    }
  return st_spec_load_from_data (data, length, display, error);
}

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
                   "%s: no such file, and no preset of that name (presets: %s)", name_or_path,
                   list);
      return NULL;
    }
  resource = g_strdup_printf ("/org/strata/presets/%s.strata.json", name_or_path);
  bytes = g_resource_lookup_data (st_presets_get_resource (), resource, 0, NULL);
  g_assert (bytes != NULL);
  origin = g_strdup_printf ("preset %s", name_or_path);
  return st_spec_load_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 origin, error);
}

/* ---- writing ------------------------------------------------------------------------- */

static void write_seq (GString *out, const GPtrArray *seq, int indent);

static void
write_node (GString *out, const StNode *node, int indent)
{
  const StLayerType *type = node->type;

  if (node->raw_json != NULL)
    {
      g_string_append (out, node->raw_json);
      return;
    }
  g_string_append (out, "{\"type\": ");
  st_json_append_string (out, node->type_name);
  for (int i = 0; type != NULL && i < type->n_args; i++)
    {
      StArgId id = type->args[i].id;
      const StArgValue *v = &node->args.v[id];

      if (!st_node_has_arg (node, id))
        continue;
      g_string_append_printf (out, ", \"%s\": ", arg_table[id].name);
      switch (arg_table[id].kind)
        {
        case ST_ARG_KIND_INT:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i[0]);
          break;
        case ST_ARG_KIND_PAIR:
          if (v->i[0] == v->i[1])
            g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i[0]);
          else
            g_string_append_printf (out, "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", v->i[0],
                                    v->i[1]);
          break;
        case ST_ARG_KIND_FLOAT:
          st_json_append_double (out, v->f);
          break;
        case ST_ARG_KIND_BOOL:
          g_string_append (out, v->b ? "true" : "false");
          break;
        }
    }
  if (node->branches != NULL)
    {
      g_string_append (out, ", \"branches\": [\n");
      for (guint b = 0; b < node->branches->len; b++)
        {
          g_string_append_printf (out, "%*s", indent + 2, "");
          write_seq (out, g_ptr_array_index (node->branches, b), indent + 2);
          g_string_append (out, b + 1 < node->branches->len ? ",\n" : "\n");
        }
      g_string_append_printf (out, "%*s]", indent, "");
    }
  if (node->body != NULL)
    {
      g_string_append (out, ", \"body\": ");
      write_seq (out, node->body, indent);
    }
  if (node->shortcut != NULL)
    {
      g_string_append (out, ", \"shortcut\": ");
      write_seq (out, node->shortcut, indent);
    }
  g_string_append (out, "}");
}

static void
write_seq (GString *out, const GPtrArray *seq, int indent)
{
  if (seq->len == 0)
    {
      g_string_append (out, "[]");
      return;
    }
  g_string_append (out, "[\n");
  for (guint i = 0; i < seq->len; i++)
    {
      g_string_append_printf (out, "%*s", indent + 2, "");
      write_node (out, g_ptr_array_index (seq, i), indent + 2);
      g_string_append (out, i + 1 < seq->len ? ",\n" : "\n");
    }
  g_string_append_printf (out, "%*s]", indent, "");
}

char *
st_spec_to_json (const StSpec *spec)
{
  GString *out = g_string_new ("{\n  \"format\": \"" ST_MODEL_FORMAT "\",\n");

  g_return_val_if_fail (spec != NULL, NULL);

  if (spec->name != NULL)
    {
      g_string_append (out, "  \"name\": ");
      st_json_append_string (out, spec->name);
      g_string_append (out, ",\n");
    }
  g_string_append_printf (out, "  \"input\": {\"channels\": %" G_GINT64_FORMAT ", \"height\": %"
                          G_GINT64_FORMAT ", \"width\": %" G_GINT64_FORMAT "},\n  \"layers\": ",
                          spec->input.dim[0], spec->input.dim[1], spec->input.dim[2]);
  write_seq (out, spec->layers, 2);
  if (spec->has_training)
    {
      g_string_append (out, ",\n  \"training\": ");
      st_train_config_write (&spec->training, out, 2);
    }
  g_string_append (out, "\n}\n");
  return g_string_free (out, FALSE);
}

gboolean
st_spec_save (const StSpec *spec, const char *path, GError **error)
{
  g_autofree char *text = st_spec_to_json (spec);
  g_autoptr (GError) local = NULL;

  if (!g_file_set_contents_full (path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- whole specs --------------------------------------------------------------------- */

StSpec *
st_spec_new (const char *name, const StShape *input)
{
  StSpec *spec = g_new0 (StSpec, 1);

  spec->name = g_strdup (name);
  spec->input = input != NULL ? *input : st_shape_chw (1, 28, 28);
  spec->layers = st_node_seq_new ();
  st_train_config_init_default (&spec->training);
  return spec;
}

void
st_spec_free (StSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_ptr_array_unref (spec->layers);
  st_train_config_clear (&spec->training);
  g_free (spec);
}

StSpec *
st_spec_copy (const StSpec *spec)
{
  StSpec *copy = st_spec_new (spec->name, &spec->input);

  g_ptr_array_unref (copy->layers);
  copy->layers = seq_copy (spec->layers);
  copy->has_training = spec->has_training;
  st_train_config_clear (&copy->training);
  st_train_config_copy (&copy->training, &spec->training);
  return copy;
}
