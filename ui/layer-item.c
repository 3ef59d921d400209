/* layer-item.c: a builder row and the facts it shows. */
#define G_LOG_DOMAIN "strata-builder"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "ui/layer-item.h"
#include "core/model/layer-types.h"
#include "core/model/summary.h"

struct _StLayerItem
{
  GObject    parent_instance;

  /* borrowed from the document's spec */
  StNode    *node;
  GPtrArray *seq;
  StNode    *block;               /* a section's block */

  /* owned */
  char      *title;
  char      *path;
  char      *summary_name;
  char      *shape;
  char      *params;
  char      *error;
  char      *error_arg;

  StRowKind  kind;
  guint      index;
  int        depth;
  int        info_row;
};

enum {
  PROP_0,
  PROP_SHAPE,
  PROP_PARAMS,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (StLayerItem, st_layer_item, G_TYPE_OBJECT)

static void
st_layer_item_finalize (GObject *object)
{
  StLayerItem *self = ST_LAYER_ITEM (object);

  g_free (self->title);
  g_free (self->path);
  g_free (self->summary_name);
  g_free (self->shape);
  g_free (self->params);
  g_free (self->error);
  g_free (self->error_arg);
  G_OBJECT_CLASS (st_layer_item_parent_class)->finalize (object);
}

static void
st_layer_item_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  StLayerItem *self = ST_LAYER_ITEM (object);

  switch (id)
    {
    case PROP_SHAPE:
      g_value_set_string (value, self->shape);
      break;
    case PROP_PARAMS:
      g_value_set_string (value, self->params);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
st_layer_item_class_init (StLayerItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = st_layer_item_finalize;
  object_class->get_property = st_layer_item_get_property;

  properties[PROP_SHAPE] = g_param_spec_string ("shape", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PARAMS] = g_param_spec_string ("params", NULL, NULL, NULL,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
st_layer_item_init (StLayerItem *self)
{
}

StLayerItem *
st_layer_item_new (StRowKind kind, StNode *node, GPtrArray *seq, guint index, int depth,
                   const char *section_title, int info_row)
{
  StLayerItem *self = g_object_new (ST_TYPE_LAYER_ITEM, NULL);

  self->kind = kind;
  self->node = node;
  self->seq = seq;
  self->index = index;
  self->depth = depth;
  self->info_row = info_row;
  switch (kind)
    {
    case ST_ROW_INPUT:
      self->title = g_strdup (_("Input"));
      break;
    case ST_ROW_SECTION:
      self->title = g_strdup (section_title);
      break;
    case ST_ROW_LAYER:
    case ST_ROW_BLOCK:
      self->title = g_strdup (node->type_name != NULL && node->type_name[0] != '\0'
                              ? node->type_name : _("(no type)"));
      break;
    }
  return self;
}

void
st_layer_item_set_block (StLayerItem *self, StNode *block)
{
  g_return_if_fail (ST_IS_LAYER_ITEM (self));
  self->block = block;
}

StRowKind   st_layer_item_get_kind      (StLayerItem *self) { return self->kind; }
StNode     *st_layer_item_get_node      (StLayerItem *self) { return self->node; }
StNode     *st_layer_item_get_block     (StLayerItem *self) { return self->block; }
GPtrArray  *st_layer_item_get_seq       (StLayerItem *self) { return self->seq; }
guint       st_layer_item_get_index     (StLayerItem *self) { return self->index; }
int         st_layer_item_get_depth     (StLayerItem *self) { return self->depth; }
int         st_layer_item_get_info_row  (StLayerItem *self) { return self->info_row; }
const char *st_layer_item_get_title     (StLayerItem *self) { return self->title; }
const char *st_layer_item_get_path      (StLayerItem *self) { return self->path; }
const char *st_layer_item_get_summary_name (StLayerItem *self) { return self->summary_name; }
const char *st_layer_item_get_shape     (StLayerItem *self) { return self->shape; }
const char *st_layer_item_get_params    (StLayerItem *self) { return self->params; }
const char *st_layer_item_get_error     (StLayerItem *self) { return self->error; }
const char *st_layer_item_get_error_arg (StLayerItem *self) { return self->error_arg; }

static void
set_field (StLayerItem *self, char **field, char *value, int prop)
{
  if (g_strcmp0 (*field, value) == 0)
    {
      g_free (value);
      return;
    }
  g_free (*field);
  *field = value;
  if (prop != PROP_0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
st_layer_item_refresh (StLayerItem *self, const StSpec *spec, const StInfer *infer)
{
  char buf[ST_SHAPE_STRING_MAX];

  g_return_if_fail (ST_IS_LAYER_ITEM (self));

  if (self->kind == ST_ROW_INPUT)
    {
      set_field (self, &self->shape, g_strdup (st_shape_format (&spec->input, buf)), PROP_SHAPE);
      set_field (self, &self->params, NULL, PROP_PARAMS);
      set_field (self, &self->error, NULL, PROP_ERROR);
      return;
    }
  if (self->kind == ST_ROW_SECTION || self->info_row < 0 || (guint) self->info_row >= infer->n_layers)
    return;

  {
    const StLayerInfo *info = &infer->layers[self->info_row];
    gboolean block = self->kind == ST_ROW_BLOCK;
    gint64 n = block ? info->subtree_params : info->params;
    gboolean unknown = block ? info->subtree_params_unknown : info->params_unknown;
    g_autofree char *count = st_format_thousands (n);
    char *params;

    /* After an error a count may be unknown, or (for a block) only part of one. */
    if (unknown && n == 0)
      params = g_strdup (_("parameters unknown"));
    else if (unknown)
      params = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "at least %s parameter",
                                             "at least %s parameters", n), count);
    else if (n == 0 && !block)
      params = g_strdup (_("no parameters"));
    else
      params = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s parameter", "%s parameters", n),
                                count);

    /* PyTorch prints a Sequential's children as "(8): AvgPool2d(…)"; the 1-based
     * "AvgPool2d-9" is torchsummary's, and only its table uses it. */
    set_field (self, &self->path, g_strdup_printf ("(%s)", info->path), PROP_0);
    set_field (self, &self->summary_name, g_strdup_printf ("%s-%d", self->title, info->number),
               PROP_0);
    set_field (self, &self->shape, g_strdup (st_shape_format (&info->out, buf)), PROP_SHAPE);
    set_field (self, &self->params, params, PROP_PARAMS);
    g_free (self->error_arg);
    self->error_arg = g_strdup (info->error_arg);
    set_field (self, &self->error, g_strdup (info->error), PROP_ERROR);
  }
}
