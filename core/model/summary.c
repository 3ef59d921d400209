/* summary.c: torchsummary's table, reproduced to the character.
 *
 * torchsummary (https://github.com/sksq96/pytorch-summary) prints each row with the format
 * "{:>20}  {:>25} {:>15}" — the layer as "Conv2d-1", the output shape as a Python list with
 * the batch as -1, the parameter count with thousands separators — and sizes in MB with
 * two decimals. Rows come in forward-hook order (a block after its contents).
 */
#define G_LOG_DOMAIN "strata-summary"

#include "core/model/summary.h"

#include <string.h>

#include "core/io/i18n.h"
#include "core/io/json-write.h"
#include "core/model/layer-types.h"

#define RULE  "----------------------------------------------------------------\n"
#define DRULE "================================================================\n"

/* The digits as printf writes them, so that G_MININT64 needs no negation. */
char *
st_format_thousands (gint64 n)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  const char *digits = text[0] == '-' ? text + 1 : text;
  GString *out = g_string_new (text[0] == '-' ? "-" : "");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static const char *
type_name (const StLayerInfo *info)
{
  return info->node->type != NULL ? info->node->type->name : info->node->type_name;
}

char *
st_layer_label (const StLayerInfo *info)
{
  return g_strdup_printf (_("layer %s (%s-%d)"), info->path, type_name (info), info->number);
}

/* Python's str() of [-1] + list(shape). */
static char *
python_shape (const StShape *shape)
{
  GString *out = g_string_new ("[-1");

  if (!st_shape_is_known (shape))
    g_string_append (out, ", ?");
  for (int i = 0; i < shape->rank; i++)
    g_string_append_printf (out, ", %" G_GINT64_FORMAT, shape->dim[i]);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

char *
st_summary_text (const StSpec *spec, const StInfer *infer)
{
  GString *out = g_string_new (RULE);
  g_autofree char *total = st_format_thousands (infer->total_params);
  g_autofree char *trainable = st_format_thousands (infer->trainable_params);
  g_autofree char *frozen = st_format_thousands (infer->total_params - infer->trainable_params);

  g_string_append_printf (out, "%20s  %25s %15s\n", "Layer (type)", "Output Shape", "Param #");
  g_string_append (out, DRULE);
  for (guint k = 0; k < infer->n_layers; k++)
    {
      const StLayerInfo *info = &infer->layers[infer->summary_order[k]];
      g_autofree char *label = g_strdup_printf ("%s-%d", type_name (info), info->number);
      g_autofree char *shape = python_shape (&info->out);
      g_autofree char *params = info->params_unknown ? g_strdup ("?")
                                                      : st_format_thousands (info->params);

      g_string_append_printf (out, "%20s  %25s %15s\n", label, shape, params);
    }
  g_string_append (out, DRULE);
  g_string_append_printf (out, "Total params: %s\n", total);
  g_string_append_printf (out, "Trainable params: %s\n", trainable);
  g_string_append_printf (out, "Non-trainable params: %s\n", frozen);
  g_string_append (out, RULE);
  g_string_append_printf (out, "Input size (MB): %0.2f\n", infer->input_mb);
  g_string_append_printf (out, "Forward/backward pass size (MB): %0.2f\n", infer->pass_mb);
  g_string_append_printf (out, "Params size (MB): %0.2f\n", infer->params_mb);
  g_string_append_printf (out, "Estimated Total Size (MB): %0.2f\n", infer->total_mb);
  g_string_append (out, RULE);

  if (infer->n_errors > 0)
    {
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u error:\n", "%u errors:\n",
                                                infer->n_errors), infer->n_errors);
      for (guint i = 0; i < infer->n_layers; i++)
        {
          const StLayerInfo *info = &infer->layers[i];
          g_autofree char *label = NULL;

          if (info->error == NULL)
            continue;
          label = st_layer_label (info);
          g_string_append_printf (out, C_("summary error line", "  %s: %s\n"), label,
                                  info->error);
        }
      if (infer->partial)
        g_string_append (out, _("Sizes after an error are unknown (?); the totals leave them "
                                "out.\n"));
    }
  return g_string_free (out, FALSE);
}

static void
json_shape (GString *out, const StShape *shape)
{
  if (!st_shape_is_known (shape))
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '[');
  for (int i = 0; i < shape->rank; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", shape->dim[i]);
  g_string_append_c (out, ']');
}

char *
st_summary_json (const StSpec *spec, const StInfer *infer)
{
  GString *out = g_string_new ("{");
  gboolean first = TRUE;

  if (spec->name != NULL)
    {
      g_string_append (out, "\"name\": ");
      st_json_append_string (out, spec->name);
      g_string_append (out, ", ");
    }
  g_string_append (out, "\"input_shape\": ");
  json_shape (out, &infer->input);
  g_string_append (out, ", \"output_shape\": ");
  json_shape (out, &infer->output);
  g_string_append_printf (out, ", \"total_params\": %" G_GINT64_FORMAT
                          ", \"trainable_params\": %" G_GINT64_FORMAT
                          ", \"non_trainable_params\": %" G_GINT64_FORMAT
                          ", \"mult_adds\": %" G_GINT64_FORMAT ", ",
                          infer->total_params, infer->trainable_params,
                          infer->total_params - infer->trainable_params, infer->total_macs);
  g_string_append_printf (out, "\"totals_complete\": %s, ", infer->partial ? "false" : "true");
  g_string_append (out, "\"input_size_mb\": ");
  st_json_append_double (out, infer->input_mb);
  g_string_append (out, ", \"forward_backward_pass_size_mb\": ");
  st_json_append_double (out, infer->pass_mb);
  g_string_append (out, ", \"params_size_mb\": ");
  st_json_append_double (out, infer->params_mb);
  g_string_append (out, ", \"estimated_total_size_mb\": ");
  st_json_append_double (out, infer->total_mb);

  g_string_append (out, ", \"layers\": [");
  for (guint i = 0; i < infer->n_layers; i++)
    {
      const StLayerInfo *info = &infer->layers[i];

      g_string_append (out, i > 0 ? ", {\"name\": " : "{\"name\": ");
      st_json_append_string (out, info->path);
      g_string_append (out, ", \"type\": ");
      st_json_append_string (out, type_name (info));
      g_string_append (out, ", \"output_shape\": ");
      json_shape (out, &info->out);
      if (info->params_unknown)
        g_string_append (out, ", \"params\": null");
      else
        g_string_append_printf (out, ", \"params\": %" G_GINT64_FORMAT, info->params);
      g_string_append_printf (out, ", \"mult_adds\": %" G_GINT64_FORMAT "}", info->macs);
    }
  g_string_append (out, "], \"errors\": [");
  for (guint i = 0; i < infer->n_layers; i++)
    {
      const StLayerInfo *info = &infer->layers[i];

      if (info->error == NULL)
        continue;
      g_string_append (out, first ? "{\"layer\": " : ", {\"layer\": ");
      first = FALSE;
      st_json_append_string (out, info->path);
      g_string_append (out, ", \"type\": ");
      st_json_append_string (out, type_name (info));
      if (info->error_arg != NULL)
        {
          g_string_append (out, ", \"argument\": ");
          st_json_append_string (out, info->error_arg);
        }
      g_string_append (out, ", \"message\": ");
      st_json_append_string (out, info->error);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}\n");
  return g_string_free (out, FALSE);
}
