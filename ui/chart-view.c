/* chart-view.c: the training chart widget — a Cairo node drawn by st_chart_render(). */
#define G_LOG_DOMAIN "strata-chart"

#include "strata-config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "ui/chart-view.h"

#define MIN_WIDTH  320
#define MIN_HEIGHT 240
#define MAX_SMOOTHING 0.99

struct _StChartView
{
  GtkWidget          parent_instance;

  /* owned */
  StChartOptions     options;

  /* borrowed */
  const StChartData *data;
  AdwStyleManager   *style_manager;
};

G_DEFINE_FINAL_TYPE (StChartView, st_chart_view, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (StChartPanels, st_chart_panels,
  G_DEFINE_ENUM_VALUE (ST_CHART_PANELS_BOTH, "both"),
  G_DEFINE_ENUM_VALUE (ST_CHART_PANELS_LOSS, "loss"),
  G_DEFINE_ENUM_VALUE (ST_CHART_PANELS_ACCURACY, "accuracy"))

enum {
  PROP_0,
  PROP_LOG_SCALE,
  PROP_SMOOTHING,
  PROP_PANELS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
st_chart_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  StChartView *self = ST_CHART_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  st_chart_render (cr, width, height, self->data, &self->options);
  cairo_destroy (cr);
}

static void
st_chart_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN_WIDTH : MIN_HEIGHT;
}

static void
update_theme (StChartView *self)
{
  StTheme theme = adw_style_manager_get_dark (self->style_manager) ? ST_THEME_DARK
                                                                   : ST_THEME_LIGHT;

  if (theme == self->options.theme)
    return;
  self->options.theme = theme;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion (GtkEventControllerMotion *controller, double x, double y, StChartView *self)
{
  st_chart_view_set_hover (self, x);
}

static void
leave (GtkEventControllerMotion *controller, StChartView *self)
{
  st_chart_view_set_hover (self, NAN);
}

static void
st_chart_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StChartView *self = ST_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, st_chart_view_get_log_scale (self));
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, st_chart_view_get_smoothing (self));
      break;
    case PROP_PANELS:
      g_value_set_enum (value, st_chart_view_get_panels (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_chart_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  StChartView *self = ST_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      st_chart_view_set_log_scale (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      st_chart_view_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_PANELS:
      st_chart_view_set_panels (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_chart_view_class_init (StChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = st_chart_view_get_property;
  object_class->set_property = st_chart_view_set_property;
  widget_class->snapshot = st_chart_view_snapshot;
  widget_class->measure = st_chart_view_measure;

  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, MAX_SMOOTHING, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PANELS] =
    g_param_spec_enum ("panels", NULL, NULL, ST_TYPE_CHART_PANELS, ST_CHART_PANELS_BOTH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
st_chart_view_init (StChartView *self)
{
  GtkEventController *controller = gtk_event_controller_motion_new ();

  st_chart_options_init (&self->options);
  self->options.empty_text = _("No data yet — press Start");

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Training chart"),
                                  -1);

  g_signal_connect (controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  self->style_manager = adw_style_manager_get_default ();
  g_signal_connect_object (self->style_manager, "notify::dark", G_CALLBACK (update_theme), self,
                           G_CONNECT_SWAPPED);
  update_theme (self);
}

GtkWidget *
st_chart_view_new (void)
{
  return g_object_new (ST_TYPE_CHART_VIEW, NULL);
}

void
st_chart_view_set_data (StChartView *self, const StChartData *data)
{
  g_return_if_fail (ST_IS_CHART_VIEW (self));

  self->data = data;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const StChartData *
st_chart_view_get_data (StChartView *self)
{
  g_return_val_if_fail (ST_IS_CHART_VIEW (self), NULL);

  return self->data;
}

void
st_chart_view_data_changed (StChartView *self)
{
  g_return_if_fail (ST_IS_CHART_VIEW (self));

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const StChartOptions *
st_chart_view_get_options (StChartView *self)
{
  g_return_val_if_fail (ST_IS_CHART_VIEW (self), NULL);

  return &self->options;
}

void
st_chart_view_set_log_scale (StChartView *self, gboolean log_scale)
{
  StChartScale scale = log_scale ? ST_CHART_SCALE_LOG : ST_CHART_SCALE_LINEAR;

  g_return_if_fail (ST_IS_CHART_VIEW (self));

  if (scale == self->options.loss_scale)
    return;
  self->options.loss_scale = scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

gboolean
st_chart_view_get_log_scale (StChartView *self)
{
  g_return_val_if_fail (ST_IS_CHART_VIEW (self), FALSE);

  return self->options.loss_scale == ST_CHART_SCALE_LOG;
}

void
st_chart_view_set_smoothing (StChartView *self, double smoothing)
{
  g_return_if_fail (ST_IS_CHART_VIEW (self));
  g_return_if_fail (!isnan (smoothing));

  smoothing = CLAMP (smoothing, 0.0, MAX_SMOOTHING);
  if (smoothing == self->options.smoothing)
    return;
  self->options.smoothing = smoothing;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

double
st_chart_view_get_smoothing (StChartView *self)
{
  g_return_val_if_fail (ST_IS_CHART_VIEW (self), 0.0);

  return self->options.smoothing;
}

void
st_chart_view_set_panels (StChartView *self, StChartPanels panels)
{
  g_return_if_fail (ST_IS_CHART_VIEW (self));
  g_return_if_fail ((guint) panels <= ST_CHART_PANELS_ACCURACY);

  if (panels == self->options.panels)
    return;
  self->options.panels = panels;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PANELS]);
}

StChartPanels
st_chart_view_get_panels (StChartView *self)
{
  g_return_val_if_fail (ST_IS_CHART_VIEW (self), ST_CHART_PANELS_BOTH);

  return self->options.panels;
}

void
st_chart_view_set_hover (StChartView *self, double x)
{
  double old;

  g_return_if_fail (ST_IS_CHART_VIEW (self));

  old = self->options.hover_x;
  if (old == x || (isnan (old) && isnan (x)))
    return;
  self->options.hover_x = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
