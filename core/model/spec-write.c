/* spec-write.c: writing the model file.
 *
 * Only the arguments the person set are written, one layer per line, blocks indented, so a
 * saved file reads like the example in the design notes and diffs cleanly. A layer kept with
 * a problem is written back exactly as it was read.
 */
#define G_LOG_DOMAIN "strata-spec"

#include "core/io/i18n.h"
#include "core/model/spec.h"

#include <string.h>

#include "core/io/atomic-file.h"
#include "core/io/json-write.h"
#include "core/model/layer-types.h"

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
      g_string_append_printf (out, ", \"%s\": ", st_arg_name (id));
      switch (st_arg_kind (id))
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

  if (!st_atomic_file_set_contents (path, text, strlen (text), 0644, &local))
    {
      g_set_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

