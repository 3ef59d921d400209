/* layer-inspector.c: see layer-inspector.h. */
#define G_LOG_DOMAIN "strata-activations"

#include "ui/layer-inspector.h"

#include <adwaita.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/model/layer-types.h"
#include "ui/render/breakdown-render.h"
#include "ui/render/layer-render.h"

#define OUTPUT_HEIGHT    300
#define FILTERS_HEIGHT   220
#define EXPORT_WIDTH     900
#define EXPORT_HEIGHT    600

struct _StLayerInspector
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  GtkDropDown     *layer_dropdown;
  GtkStringList   *layer_names;
  GtkLabel        *message;
  GtkWidget       *content;
  GtkLabel        *output_label;
  GtkWidget       *output_area;
  GtkLabel        *filters_label;
  GtkWidget       *filters_area;
  GtkLabel        *breakdown_label;
  GtkWidget       *breakdown_area;

  /* borrowed from the caller until the next show */
  const StNet      *net;
  const StSnapshot *snapshot;

  /* owned */
  char            *path;            /* the layer chosen, or NULL */
  StExplainAt      at;
  StExplain       *explain;
  StExplain       *activation;
  gboolean         syncing;

  AdwStyleManager *style_manager;
};

G_DEFINE_FINAL_TYPE (StLayerInspector, st_layer_inspector, GTK_TYPE_WIDGET)

static StTheme
theme_of (StLayerInspector *self)
{
  return adw_style_manager_get_dark (self->style_manager) ? ST_THEME_DARK : ST_THEME_LIGHT;
}

/* ---- the layer and what it gives ---------------------------------------------------------- */

static const StLayerInfo *
layer_info (StLayerInspector *self, const char *path)
{
  if (self->net == NULL || path == NULL)
    return NULL;
  for (guint i = 0; i < self->net->infer->n_layers; i++)
    if (g_strcmp0 (self->net->infer->layers[i].path, path) == 0)
      return &self->net->infer->layers[i];
  return NULL;
}

static gboolean
has_pass (StLayerInspector *self)
{
  return self->net != NULL && self->snapshot != NULL && self->snapshot->pass != NULL;
}

/* The chosen layer's output in the pass, as layer-render draws it. */
static gboolean
output_of (StLayerInspector *self, StLayerOutput *out)
{
  const StLayerInfo *info = layer_info (self, self->path);
  const StShape *s;
  int value;

  if (!has_pass (self) || info == NULL)
    return FALSE;
  value = st_net_path_value (self->net, self->path);
  if (value < 0)
    return FALSE;
  s = &info->out;
  out->data = self->snapshot->pass->values[value];
  out->rank = s->rank == 3 ? 3 : 1;
  out->channels = (int) s->dim[0];
  out->height = s->rank == 3 ? (int) s->dim[1] : 1;
  out->width = s->rank == 3 ? (int) s->dim[2] : 1;
  return s->rank == 1 || s->rank == 3;
}

/* A Conv2d's weight tensor in the pass's parameters, or -1. */
static int
conv_weight (StLayerInspector *self)
{
  const StLayerInfo *info = layer_info (self, self->path);

  if (info == NULL)
    return -1;
  for (guint o = 0; o < self->net->n_ops; o++)
    if (self->net->ops[o].node == info->node && self->net->ops[o].kind == ST_OP_CONV2D)
      return self->net->ops[o].weight;
  return -1;
}

/* The layer after `path` in its own sequence ("3" → "4", "5.body.1" → "5.body.2"), when it
 * is an activation: what the value is turned into. */
static const StLayerInfo *
following_activation (StLayerInspector *self, const char *path)
{
  static const char *const activations[] = { "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh" };
  const char *last = strrchr (path, '.');
  g_autofree char *next = NULL;
  const StLayerInfo *info;
  gint64 index;
  char *end;

  last = last != NULL ? last + 1 : path;
  index = g_ascii_strtoll (last, &end, 10);
  if (end == last || *end != '\0')
    return NULL;
  next = g_strdup_printf ("%.*s%" G_GINT64_FORMAT, (int) (last - path), path, index + 1);
  info = layer_info (self, next);
  if (info == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (activations); i++)
    if (g_strcmp0 (info->node->type->name, activations[i]) == 0)
      return info;
  return NULL;
}

static void
update_breakdown (StLayerInspector *self)
{
  g_autoptr (GError) error = NULL;
  const StLayerInfo *next;
  const StExplainPass *pass;

  g_clear_pointer (&self->explain, st_explain_free);
  g_clear_pointer (&self->activation, st_explain_free);
  if (has_pass (self) && self->path != NULL)
    {
      pass = self->snapshot->pass;
      self->explain = st_explain (self->net, (const float *const *) pass->values, pass->params,
                                  pass->buffers, self->path, &self->at, &error);
      if (self->explain == NULL)
        g_warning ("%s", error->message);
      next = self->explain != NULL ? following_activation (self, self->path) : NULL;
      if (next != NULL)
        self->activation = st_explain (self->net, (const float *const *) pass->values,
                                       pass->params, pass->buffers, next->path, &self->at,
                                       NULL);
    }
  if (self->explain != NULL)
    {
      g_autofree char *text = NULL;
      StBreakdown b = { self->explain, NULL, self->activation };
      char where[96];

      if (self->explain->at.rank == 3)
        g_snprintf (where, sizeof where, _("channel %" PRId64 ", row %" PRId64
                                           ", column %" PRId64),
                    self->at.c, self->at.y, self->at.x);
      else
        g_snprintf (where, sizeof where, _("value %" PRId64), self->at.c);
      text = g_strdup_printf (_("How %s of layer %s (%s) was computed — the arrow keys move "
                                "to the next position"), where, self->path, self->explain->type);
      gtk_label_set_text (self->breakdown_label, text);
      g_free (text);
      text = st_breakdown_to_text (&b);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->breakdown_area),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
    }
  else
    gtk_label_set_text (self->breakdown_label, _("Click a value to see how it was computed."));
  gtk_widget_queue_resize (self->breakdown_area);
  gtk_widget_queue_draw (self->breakdown_area);
  gtk_widget_queue_draw (self->output_area);
}

static void
update_layer (StLayerInspector *self)
{
  const StLayerInfo *info = layer_info (self, self->path);
  gboolean filters = has_pass (self) && conv_weight (self) >= 0;
  char shape[ST_SHAPE_STRING_MAX];

  if (info != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Output of layer %s (%s): %s"), info->path,
                                               info->node->type->name,
                                               st_shape_format (&info->out, shape));

      gtk_label_set_text (self->output_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->filters_label), filters);
  gtk_widget_set_visible (self->filters_area, filters);
  if (filters)
    {
      const StTensorInfo *w = &self->net->tensors[conv_weight (self)];
      g_autofree char *text = g_strdup_printf (_("Its filters: %" PRId64 " × %" PRId64
                                                 " kernels of %" PRId64 "×%" PRId64
                                                 " (a row per output "
                                                 "channel, a column per input channel)"),
                                               w->dims[0], w->dims[1], w->dims[2], w->dims[3]);

      gtk_label_set_text (self->filters_label, text);
      /* room for each kernel to be seen: a row of them an output channel (16 at most drawn) */
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->filters_area),
                                           CLAMP ((int) MIN (w->dims[0], 16) * 36 + 80,
                                                  FILTERS_HEIGHT, 660));
    }
  gtk_widget_queue_draw (self->filters_area);
  update_breakdown (self);
}

/* The first position, or the one chosen when the layer's output has it. */
static void
clamp_position (StLayerInspector *self)
{
  const StLayerInfo *info = layer_info (self, self->path);
  const StShape *s;

  if (info == NULL)
    return;
  s = &info->out;
  self->at.rank = s->rank == 3 ? 3 : 1;
  if (self->at.c >= s->dim[0] || self->at.c < 0)
    self->at.c = 0;
  if (s->rank == 3)
    {
      if (self->at.y >= s->dim[1] || self->at.y < 0)
        self->at.y = 0;
      if (self->at.x >= s->dim[2] || self->at.x < 0)
        self->at.x = 0;
    }
  else
    self->at.y = self->at.x = 0;
}

static void
layer_selected (StLayerInspector *self)
{
  guint i = gtk_drop_down_get_selected (self->layer_dropdown);

  if (self->syncing || self->net == NULL || i >= self->net->infer->n_layers)
    return;
  g_free (self->path);
  self->path = g_strdup (self->net->infer->layers[i].path);
  self->at = (StExplainAt) { 0 };
  clamp_position (self);
  update_layer (self);
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void
render_options (StLayerInspector *self, StLayerRenderOptions *o)
{
  st_layer_render_options_init (o);
  o->theme = theme_of (self);
  o->has_selection = self->explain != NULL;
  o->sel_c = (int) self->at.c;
  o->sel_y = (int) self->at.y;
  o->sel_x = (int) self->at.x;
}

static void
draw_output (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StLayerInspector *self = data;
  StLayerRenderOptions o;
  StLayerOutput out;

  if (!output_of (self, &out))
    return;
  render_options (self, &o);
  st_layer_output_render (cr, width, height, &out, &o);
}

static void
draw_filters (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StLayerInspector *self = data;
  StLayerRenderOptions o;
  int w = has_pass (self) ? conv_weight (self) : -1;

  if (w < 0)
    return;
  render_options (self, &o);
  o.has_selection = self->explain != NULL;
  st_filters_render (cr, width, height, self->snapshot->pass->params + self->net->tensors[w].offset,
                     self->net->tensors[w].dims, &o);
}

static StBreakdown
breakdown_of (StLayerInspector *self)
{
  return (StBreakdown) { self->explain,
                         self->explain != NULL
                           ? self->snapshot->pass->values[self->explain->in_value] : NULL,
                         self->activation };
}

static void
draw_breakdown (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StLayerInspector *self = data;
  StBreakdownOptions o;
  StBreakdown b;

  if (self->explain == NULL)
    return;
  st_breakdown_options_init (&o);
  o.theme = theme_of (self);
  b = breakdown_of (self);
  st_breakdown_render (cr, width, height, &b, &o);
}

/* The breakdown is as tall as it needs to be at the width it has. */
static void
breakdown_resized (GtkDrawingArea *area, int width, int height, gpointer data)
{
  StLayerInspector *self = data;
  StBreakdownOptions o;
  StBreakdown b;
  int want;

  if (self->explain == NULL)
    return;
  st_breakdown_options_init (&o);
  b = breakdown_of (self);
  want = (int) ceil (st_breakdown_height (width, &b, &o));
  if (want != gtk_drawing_area_get_content_height (area))
    gtk_drawing_area_set_content_height (area, MAX (want, 40));
}

/* ---- pointer and keys ----------------------------------------------------------------------- */

static void
output_pressed (GtkGestureClick *gesture, int n_press, double x, double y, gpointer data)
{
  StLayerInspector *self = data;
  StLayerRenderOptions o;
  StLayerOutput out;
  int c, row, col;

  if (!output_of (self, &out))
    return;
  render_options (self, &o);
  if (!st_layer_output_hit_test (gtk_widget_get_width (self->output_area),
                                 gtk_widget_get_height (self->output_area), &out, &o, x, y,
                                 &c, &row, &col))
    return;
  gtk_widget_grab_focus (self->output_area);
  st_layer_inspector_select (self, &(StExplainAt) { out.rank, c, row, col });
}

/* Pointing at a value says what it is; a click explains it. The value under (x, y) of the
 * output area, or with `selected` the one selected; NULL where there is none. */
static char *
value_text (StLayerInspector *self, gboolean selected, double x, double y)
{
  StLayerRenderOptions o;
  StLayerOutput out;
  int c, row, col;
  float v;

  if (!output_of (self, &out))
    return NULL;
  render_options (self, &o);
  if (selected)
    c = (int) self->at.c, row = (int) self->at.y, col = (int) self->at.x;
  else if (!st_layer_output_hit_test (gtk_widget_get_width (self->output_area),
                                      gtk_widget_get_height (self->output_area), &out, &o, x, y,
                                      &c, &row, &col))
    return NULL;
  v = out.data[((gsize) c * out.height + row) * out.width + col];
  if (out.rank == 3)
    return g_strdup_printf (_("Channel %d, row %d, column %d: %.4g — click to see how it was "
                              "computed"), c, row, col, v);
  return g_strdup_printf (_("Value %d: %.4g — click to see how it was computed"), c, v);
}

static gboolean
output_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                gpointer data)
{
  g_autofree char *text = value_text (data, keyboard, x, y);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static gboolean
output_key (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
            gpointer data)
{
  StLayerInspector *self = data;
  const StLayerInfo *info = layer_info (self, self->path);
  StExplainAt at = self->at;
  gint64 C, H, W;

  if (info == NULL || !has_pass (self))
    return FALSE;
  C = info->out.dim[0];
  H = info->out.rank == 3 ? info->out.dim[1] : 1;
  W = info->out.rank == 3 ? info->out.dim[2] : 1;
  switch (keyval)
    {
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      if (at.rank == 1)
        at.c = MIN (at.c + 1, C - 1);
      else if (at.x + 1 < W)
        at.x++;
      else if (at.y + 1 < H)
        {
          at.x = 0;
          at.y++;
        }
      break;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      if (at.rank == 1)
        at.c = MAX (at.c - 1, 0);
      else if (at.x > 0)
        at.x--;
      else if (at.y > 0)
        {
          at.x = W - 1;
          at.y--;
        }
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      at.y = MIN (at.y + 1, H - 1);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      at.y = MAX (at.y - 1, 0);
      break;
    case GDK_KEY_Page_Down:
      at.c = MIN (at.c + 1, C - 1);
      break;
    case GDK_KEY_Page_Up:
      at.c = MAX (at.c - 1, 0);
      break;
    default:
      return FALSE;
    }
  st_layer_inspector_select (self, &at);
  return TRUE;
}

char *
st_layer_inspector_tooltip_at (StLayerInspector *self, double x, double y)
{
  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self), NULL);

  return value_text (self, FALSE, x, y);
}

/* ---- public ------------------------------------------------------------------------------- */

GtkWidget *
st_layer_inspector_new (void)
{
  return g_object_new (ST_TYPE_LAYER_INSPECTOR, NULL);
}

static void
fill_layer_list (StLayerInspector *self)
{
  guint n = self->net != NULL ? self->net->infer->n_layers : 0;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      const StLayerInfo *info = &self->net->infer->layers[i];
      char shape[ST_SHAPE_STRING_MAX];

      g_ptr_array_add (names, g_strdup_printf ("%*s%s  %s  →  %s", 2 * info->depth, "",
                                               info->path, info->node->type->name,
                                               st_shape_format (&info->out, shape)));
    }
  g_ptr_array_add (names, NULL);
  self->syncing = TRUE;
  gtk_string_list_splice (self->layer_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->layer_names)),
                          (const char *const *) names->pdata);
  self->syncing = FALSE;
}

static void
sync_dropdown (StLayerInspector *self)
{
  if (self->net == NULL)
    return;
  for (guint i = 0; i < self->net->infer->n_layers; i++)
    if (g_strcmp0 (self->net->infer->layers[i].path, self->path) == 0)
      {
        self->syncing = TRUE;
        gtk_drop_down_set_selected (self->layer_dropdown, i);
        self->syncing = FALSE;
        return;
      }
}

void
st_layer_inspector_show (StLayerInspector *self, const StNet *net, const StSnapshot *snapshot)
{
  gboolean new_net;

  g_return_if_fail (ST_IS_LAYER_INSPECTOR (self));

  /* no net: the layer and the position wait for the next one */
  new_net = net != self->net && net != NULL;
  self->net = net;
  self->snapshot = snapshot;
  if (net == NULL)
    fill_layer_list (self);
  if (new_net)
    {
      fill_layer_list (self);
      if (layer_info (self, self->path) == NULL)
        {
          g_free (self->path);
          self->path = net != NULL && net->infer->n_layers > 0
                         ? g_strdup (net->infer->layers[0].path) : NULL;
          self->at = (StExplainAt) { 0 };
        }
      clamp_position (self);
      sync_dropdown (self);
    }
  gtk_widget_set_visible (self->content, has_pass (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->layer_dropdown), has_pass (self));
  gtk_widget_set_visible (GTK_WIDGET (self->message), !has_pass (self));
  if (net != NULL && snapshot != NULL && snapshot->pass == NULL)
    gtk_label_set_text (self->message,
                        _("Layer by layer is shown for the weights of a finished run or a file, "
                          "not while a run trains: the run's pictures are the maps above."));
  else if (!has_pass (self))
    gtk_label_set_text (self->message, _("No image yet."));
  update_layer (self);
}

gboolean
st_layer_inspector_select_layer (StLayerInspector *self, const char *path)
{
  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self) && path != NULL, FALSE);

  if (layer_info (self, path) == NULL)
    return FALSE;
  if (g_strcmp0 (path, self->path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
      self->at = (StExplainAt) { 0 };
      clamp_position (self);
      sync_dropdown (self);
      update_layer (self);
    }
  return TRUE;
}

const char *
st_layer_inspector_get_layer (StLayerInspector *self)
{
  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self), NULL);

  return self->path;
}

gboolean
st_layer_inspector_select (StLayerInspector *self, const StExplainAt *at)
{
  const StLayerInfo *info;
  const StShape *s;

  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self) && at != NULL, FALSE);

  info = layer_info (self, self->path);
  if (info == NULL)
    return FALSE;
  s = &info->out;
  if ((s->rank == 3) != (at->rank == 3) || at->c < 0 || at->c >= s->dim[0]
      || (s->rank == 3 && (at->y < 0 || at->y >= s->dim[1] || at->x < 0 || at->x >= s->dim[2])))
    return FALSE;
  self->at = *at;
  if (at->rank != 3)
    self->at.y = self->at.x = 0;
  update_breakdown (self);
  return TRUE;
}

const StExplain *
st_layer_inspector_get_explain (StLayerInspector *self)
{
  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self), NULL);

  return self->explain;
}

const StExplain *
st_layer_inspector_get_activation (StLayerInspector *self)
{
  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self), NULL);

  return self->activation;
}

GtkWidget *
st_layer_inspector_get_output_area (StLayerInspector *self)
{
  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self), NULL);

  return self->output_area;
}

gboolean
st_layer_inspector_value_position (StLayerInspector *self, const StExplainAt *at, double *x,
                                   double *y)
{
  StLayerRenderOptions o;
  StLayerOutput out;
  double rect[4];

  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self) && at != NULL, FALSE);

  if (!output_of (self, &out))
    return FALSE;
  render_options (self, &o);
  if (!st_layer_output_cell_rect (gtk_widget_get_width (self->output_area),
                                  gtk_widget_get_height (self->output_area), &out, &o,
                                  (int) at->c, (int) at->y, (int) at->x, rect))
    return FALSE;
  *x = rect[0] + rect[2] / 2;
  *y = rect[1] + rect[3] / 2;
  return TRUE;
}

char *
st_layer_inspector_describe (StLayerInspector *self)
{
  StBreakdown b;

  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self), NULL);

  if (self->explain == NULL)
    return NULL;
  b = breakdown_of (self);
  return st_breakdown_to_text (&b);
}

gboolean
st_layer_inspector_export (StLayerInspector *self, const char *dir, GError **error)
{
  StLayerRenderOptions o;
  StLayerOutput out;

  g_return_val_if_fail (ST_IS_LAYER_INSPECTOR (self) && dir != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  render_options (self, &o);
  if (output_of (self, &out))
    {
      g_autofree char *path = g_build_filename (dir, "layer-output.png", NULL);

      if (!st_layer_output_save (path, EXPORT_WIDTH, EXPORT_HEIGHT, &out, &o, error))
        return FALSE;
    }
  if (self->explain != NULL)
    {
      g_autofree char *path = g_build_filename (dir, "breakdown.png", NULL);
      StBreakdown b = breakdown_of (self);
      StBreakdownOptions bo;

      st_breakdown_options_init (&bo);
      if (!st_breakdown_save (path, EXPORT_WIDTH,
                              (int) ceil (st_breakdown_height (EXPORT_WIDTH, &b, &bo)), &b, &bo,
                              error))
        return FALSE;
    }
  return TRUE;
}

/* ---- the widget ------------------------------------------------------------------------------ */

static void
queue_draws (StLayerInspector *self)
{
  gtk_widget_queue_draw (self->output_area);
  gtk_widget_queue_draw (self->filters_area);
  gtk_widget_queue_draw (self->breakdown_area);
}

static GtkLabel *
heading (const char *text)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (text));

  gtk_label_set_xalign (label, 0.0);
  gtk_label_set_wrap (label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (label), "heading");
  return label;
}

static GtkWidget *
drawing (StLayerInspector *self, const char *name, GtkDrawingAreaDrawFunc draw, int height)
{
  GtkWidget *area = gtk_drawing_area_new ();

  gtk_widget_set_name (area, name);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw, self, NULL);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), height);
  gtk_widget_set_hexpand (area, TRUE);
  return area;
}

static void
st_layer_inspector_dispose (GObject *object)
{
  StLayerInspector *self = ST_LAYER_INSPECTOR (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->explain, st_explain_free);
  g_clear_pointer (&self->activation, st_explain_free);
  self->net = NULL;
  self->snapshot = NULL;
  G_OBJECT_CLASS (st_layer_inspector_parent_class)->dispose (object);
}

static void
st_layer_inspector_class_init (StLayerInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_layer_inspector_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
st_layer_inspector_init (StLayerInspector *self)
{
  GtkWidget *row, *left, *right, *label;
  GtkGesture *click;
  GtkEventController *key;

  self->style_manager = adw_style_manager_get_default ();
  g_signal_connect_object (self->style_manager, "notify::dark", G_CALLBACK (queue_draws), self,
                           G_CONNECT_SWAPPED);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  label = gtk_label_new_with_mnemonic (_("_Layer"));
  self->layer_names = gtk_string_list_new (NULL);
  self->layer_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->layer_names),
                                                           NULL));
  gtk_widget_set_name (GTK_WIDGET (self->layer_dropdown), "layer-dropdown");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->layer_dropdown),
                               _("Every layer of the model, those inside blocks too: its output "
                                 "for this image"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->layer_dropdown));
  g_signal_connect_swapped (self->layer_dropdown, "notify::selected",
                            G_CALLBACK (layer_selected), self);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->layer_dropdown));
  gtk_box_append (GTK_BOX (self->box), row);

  self->message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->message, TRUE);
  gtk_label_set_xalign (self->message, 0.0);
  gtk_widget_add_css_class (GTK_WIDGET (self->message), "dim-label");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->message));

  self->output_label = heading (NULL);
  self->output_area = drawing (self, "layer-output", draw_output, OUTPUT_HEIGHT);
  gtk_widget_set_focusable (self->output_area, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->output_area),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The layer's output: click a value, or move with the arrow "
                                    "keys"), -1);
  gtk_widget_set_has_tooltip (self->output_area, TRUE);
  g_signal_connect (self->output_area, "query-tooltip", G_CALLBACK (output_tooltip), self);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (output_pressed), self);
  gtk_widget_add_controller (self->output_area, GTK_EVENT_CONTROLLER (click));
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (output_key), self);
  gtk_widget_add_controller (self->output_area, key);
  self->filters_label = heading (NULL);
  self->filters_area = drawing (self, "layer-filters", draw_filters, FILTERS_HEIGHT);

  self->breakdown_label = heading (NULL);
  self->breakdown_area = drawing (self, "breakdown", draw_breakdown, 200);
  g_signal_connect (self->breakdown_area, "resize", G_CALLBACK (breakdown_resized), self);

  left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand (left, TRUE);
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->output_label));
  gtk_box_append (GTK_BOX (left), self->output_area);
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->filters_label));
  gtk_box_append (GTK_BOX (left), self->filters_area);
  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand (right, TRUE);
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->breakdown_label));
  gtk_box_append (GTK_BOX (right), self->breakdown_area);
  /* side by side where the page is wide, one above the other where it is not */
  self->content = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->content), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->content), 2);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->content), FALSE);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->content), 12);
  gtk_widget_set_size_request (left, 280, -1);
  gtk_widget_set_size_request (right, 280, -1);
  gtk_flow_box_append (GTK_FLOW_BOX (self->content), left);
  gtk_flow_box_append (GTK_FLOW_BOX (self->content), right);
  gtk_box_append (GTK_BOX (self->box), self->content);
  st_layer_inspector_show (self, NULL, NULL);
}
