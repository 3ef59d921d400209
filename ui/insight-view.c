/* insight-view.c: see insight-view.h. */
#define G_LOG_DOMAIN "strata-ui"

#include "ui/insight-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ui/render/insight-render.h"
#include "ui/render/scatter-render.h"

#define HIT_RADIUS   6.0
#define THUMB_SCALE  3

struct _StInsightView
{
  GtkBox             parent_instance;

  /* widgets */
  GtkLabel          *title;
  GtkLabel          *summary;
  GtkWidget         *projection_area;
  GtkLabel          *projection_caption;
  GtkWidget         *grad_area;
  GtkWidget         *ratio_area;
  GtkLabel          *activations_label;
  GtkWidget         *ridge_area;

  /* owned */
  GPtrArray         *epochs;        /* StInsightEpoch, oldest first */
  StProjectionData  *projection;
  StScatterPoint    *points;        /* (projection->n) */
  int                n_classes;     /* the projection's labels: the largest + 1 */
  StInsightRidges   *ridges;
  char              *x_label;
  char              *y_label;
  char              *scatter_title;
  int                highlight;
  char              *dataset;       /* a recorded run's, or NULL: the live run's */
  GCancellable      *reading;       /* a recorded run's files being read, or NULL */

  /* borrowed */
  StActivationsView *activations;   /* weak pointer */
  AdwStyleManager   *style_manager;
};

G_DEFINE_FINAL_TYPE (StInsightView, st_insight_view, GTK_TYPE_BOX)

enum {
  SIGNAL_OPEN_IMAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_N_EPOCHS,
  PROP_READING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static StTheme
theme_of (StInsightView *self)
{
  return adw_style_manager_get_dark (self->style_manager) ? ST_THEME_DARK : ST_THEME_LIGHT;
}

/* The Activations page's test set when it is the one the projection is of: the live run's,
 * or a recorded run's dataset by name. */
static const StDataset *
test_set (StInsightView *self)
{
  const StDataset *test = self->activations != NULL
                            ? st_activations_view_get_test_set (self->activations) : NULL;

  if (test == NULL || (self->dataset != NULL && g_strcmp0 (test->name, self->dataset) != 0))
    return NULL;
  if (self->projection != NULL && test->n < self->projection->n)
    return NULL;
  return test;
}

/* The scatter as drawn now: the class names when the Activations page has the same classes. */
static StScatter
scatter_of (StInsightView *self)
{
  const StDataset *test = test_set (self);
  const int n_classes = self->n_classes;

  return (StScatter) {
    .points = self->points,
    .n_points = self->projection != NULL ? self->projection->n : 0,
    .n_classes = test != NULL ? MAX (test->n_classes, n_classes) : n_classes,
    .class_names = test != NULL && test->n_classes >= n_classes
                     ? (const char *const *) test->class_names : NULL,
    .title = self->scatter_title,
    .x_label = self->x_label,
    .y_label = self->y_label,
    .highlight = self->highlight,
  };
}

static void
draw_projection (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StInsightView *self = data;
  StScatter s = scatter_of (self);

  st_scatter_render (cr, width, height, &s, theme_of (self));
}

static void
draw_grad (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StInsightView *self = data;

  st_insight_curves_render (cr, width, height, self->epochs, ST_INSIGHT_CURVE_GRAD_NORM,
                            theme_of (self));
}

static void
draw_ratio (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StInsightView *self = data;

  st_insight_curves_render (cr, width, height, self->epochs, ST_INSIGHT_CURVE_UPDATE_RATIO,
                            theme_of (self));
}

static void
draw_ridges (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StInsightView *self = data;

  if (self->ridges == NULL || self->ridges->n_epochs == 0)
    return;
  st_ridge_render (cr, width, height, self->ridges->panels, self->ridges->n_panels,
                   self->ridges->n_layers, theme_of (self));
}

/* Everything drawn from the epochs and the projection, again. */
static void
refresh (StInsightView *self)
{
  const StInsightEpoch *last = self->epochs->len > 0
                                 ? g_ptr_array_index (self->epochs, self->epochs->len - 1)
                                 : NULL;
  g_autoptr (GString) acts = g_string_new (NULL);

  g_clear_pointer (&self->ridges, st_insight_ridges_free);
  self->ridges = st_insight_ridges_new (self->epochs);
  gtk_widget_set_size_request (self->ridge_area, 300, self->ridges->n_layers > 0 ? 480 : 0);
  gtk_widget_set_visible (self->ridge_area, self->ridges->n_layers > 0);
  if (last != NULL)
    for (guint a = 0; a < last->n_acts; a++)
      {
        const StInsightActivation *act = &last->acts[a];

        if (acts->len > 0)
          g_string_append_c (acts, '\n');
        if (act->kind == ST_OP_RELU)
          g_string_append_printf (acts, _("Layer %s (ReLU): %.1f%% of its units never fired "
                                          "on %d test images"),
                                  act->path, 100.0 * act->fraction, ST_INSIGHT_PROBE);
        else
          g_string_append_printf (acts, _("Layer %s (%s): %.1f%% of its outputs saturated "
                                          "on %d test images"),
                                  act->path, act->kind == ST_OP_SIGMOID ? "Sigmoid" : "Tanh",
                                  100.0 * act->fraction, ST_INSIGHT_PROBE);
      }
  gtk_label_set_text (self->activations_label, acts->str);
  gtk_widget_set_visible (GTK_WIDGET (self->activations_label), acts->len > 0);
  if (last != NULL)
    {
      g_autofree char *summary = g_strdup_printf (ngettext ("%u epoch measured, the last epoch %d",
                                                            "%u epochs measured, the last epoch %d",
                                                            self->epochs->len),
                                                  self->epochs->len, last->epoch);

      gtk_label_set_text (self->summary, summary);
    }
  else
    gtk_label_set_text (self->summary,
                        _("Each epoch of a run is measured at its end: the projection of the "
                          "test images' features, the gradients and the weights of every layer."));
  g_clear_pointer (&self->x_label, g_free);
  g_clear_pointer (&self->y_label, g_free);
  g_clear_pointer (&self->scatter_title, g_free);
  if (self->projection != NULL)
    {
      const StProjectionData *p = self->projection;

      self->x_label = g_strdup_printf (_("PC 1 (%.0f%% of the variance)"), 100 * p->explained[0]);
      self->y_label = g_strdup_printf (_("PC 2 (%.0f%% of the variance)"), 100 * p->explained[1]);
      self->scatter_title = g_strdup_printf (_("Epoch %d: the %d values entering layer %s"),
                                             p->epoch, p->features, p->layer);
      {
        g_autofree char *caption = g_strdup_printf (
          ngettext ("%d test image, each a dot at its features' first two principal components. "
                    "Point at a dot to see its image; click it to open it on the Activations page.",
                    "%d test images, each a dot at its features' first two principal components. "
                    "Point at a dot to see its image; click it to open it on the Activations page.",
                    p->n), p->n);

        gtk_label_set_text (self->projection_caption, caption);
      }
    }
  else
    gtk_label_set_text (self->projection_caption, "");
  gtk_widget_queue_draw (self->projection_area);
  gtk_widget_queue_draw (self->grad_area);
  gtk_widget_queue_draw (self->ratio_area);
  gtk_widget_queue_draw (self->ridge_area);
}

static void stop_reading (StInsightView *self);

static void
set_projection (StInsightView *self, StProjectionData *projection)
{
  g_clear_pointer (&self->projection, st_projection_data_free);
  g_clear_pointer (&self->points, g_free);
  self->projection = projection;
  self->highlight = -1;
  self->n_classes = 0;
  if (projection == NULL)
    return;
  self->points = g_new (StScatterPoint, MAX (projection->n, 1));
  for (int i = 0; i < projection->n; i++)
    {
      self->points[i] = (StScatterPoint) { projection->xy[2 * i], projection->xy[2 * i + 1],
                                           projection->labels[i] };
      self->n_classes = MAX (self->n_classes, projection->labels[i] + 1);
    }
}

void
st_insight_view_clear (StInsightView *self, const char *title)
{
  g_return_if_fail (ST_IS_INSIGHT_VIEW (self));

  stop_reading (self);
  g_ptr_array_set_size (self->epochs, 0);
  set_projection (self, NULL);
  g_clear_pointer (&self->dataset, g_free);
  gtk_label_set_text (self->title, title != NULL ? title : _("No run yet"));
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_EPOCHS]);
}

void
st_insight_view_add_epoch (StInsightView *self, const StInsightEpoch *insight,
                           const StProjectionData *projection)
{
  g_return_if_fail (ST_IS_INSIGHT_VIEW (self));

  if (insight != NULL)
    g_ptr_array_add (self->epochs, st_insight_epoch_copy (insight));
  if (projection != NULL)
    set_projection (self, st_projection_data_copy (projection));
  refresh (self);
  if (insight != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_EPOCHS]);
}

/* ---- a recorded run, read off the main thread --------------------------------------------- */

typedef struct {
  char             *run_dir;
  char             *title;
  char             *dataset;
  GPtrArray        *epochs;
  StProjectionData *projection;
} RunRead;

static void
run_read_free (RunRead *r)
{
  g_free (r->run_dir);
  g_free (r->title);
  g_free (r->dataset);
  g_clear_pointer (&r->epochs, g_ptr_array_unref);
  g_clear_pointer (&r->projection, st_projection_data_free);
  g_free (r);
}

static void
stop_reading (StInsightView *self)
{
  if (self->reading == NULL)
    return;
  g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READING]);
}

static void
read_run_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RunRead *r = data;
  g_autofree char *insight_path = g_build_filename (r->run_dir, "insight.jsonl", NULL);
  g_autofree char *projection_path = g_build_filename (r->run_dir, "projection.jsonl", NULL);
  g_autoptr (GError) error = NULL;

  r->epochs = st_insight_read (insight_path, &error);
  r->projection = st_projection_data_read_last (projection_path, NULL);
  if (r->epochs == NULL && r->projection == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
st_insight_view_show_run_async (StInsightView *self, const char *run_dir, const char *title,
                                const char *dataset, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  RunRead *r;

  g_return_if_fail (ST_IS_INSIGHT_VIEW (self) && run_dir != NULL);

  stop_reading (self);
  self->reading = g_cancellable_new ();
  task = g_task_new (self, self->reading, callback, user_data);
  g_task_set_source_tag (task, st_insight_view_show_run_async);
  r = g_new0 (RunRead, 1);
  r->run_dir = g_strdup (run_dir);
  r->title = g_strdup (title);
  r->dataset = g_strdup (dataset);
  g_task_set_task_data (task, r, (GDestroyNotify) run_read_free);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READING]);
  g_task_run_in_thread (task, read_run_thread);
}

gboolean
st_insight_view_show_run_finish (StInsightView *self, GAsyncResult *result, GError **error)
{
  GTask *task = G_TASK (result);
  RunRead *r = g_task_get_task_data (task);

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  /* a newer read, or a clear, cancelled this one: it shows nothing */
  if (!g_task_propagate_boolean (task, error))
    {
      if (self->reading == g_task_get_cancellable (task))
        stop_reading (self);
      return FALSE;
    }
  stop_reading (self);
  st_insight_view_clear (self, r->title);
  self->dataset = g_steal_pointer (&r->dataset);
  if (r->epochs != NULL)
    g_ptr_array_extend_and_steal (self->epochs, g_steal_pointer (&r->epochs));
  set_projection (self, g_steal_pointer (&r->projection));
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_EPOCHS]);
  return TRUE;
}

gboolean
st_insight_view_is_reading (StInsightView *self)
{
  g_return_val_if_fail (ST_IS_INSIGHT_VIEW (self), FALSE);

  return self->reading != NULL;
}

void
st_insight_view_set_activations (StInsightView *self, StActivationsView *activations)
{
  g_return_if_fail (ST_IS_INSIGHT_VIEW (self));

  if (self->activations != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->activations), (gpointer *) &self->activations);
  self->activations = activations;
  if (activations != NULL)
    g_object_add_weak_pointer (G_OBJECT (activations), (gpointer *) &self->activations);
}

guint
st_insight_view_get_n_epochs (StInsightView *self)
{
  g_return_val_if_fail (ST_IS_INSIGHT_VIEW (self), 0);

  return self->epochs->len;
}

const StProjectionData *
st_insight_view_get_projection (StInsightView *self)
{
  g_return_val_if_fail (ST_IS_INSIGHT_VIEW (self), NULL);

  return self->projection;
}

static int
hit (StInsightView *self, double x, double y)
{
  StScatter s = scatter_of (self);

  return st_scatter_hit (&s, gtk_widget_get_width (self->projection_area),
                         gtk_widget_get_height (self->projection_area), x, y, HIT_RADIUS);
}

gint64
st_insight_view_hover_at (StInsightView *self, double x, double y)
{
  int i;

  g_return_val_if_fail (ST_IS_INSIGHT_VIEW (self), -1);

  i = hit (self, x, y);
  if (i != self->highlight)
    {
      self->highlight = i;
      gtk_widget_queue_draw (self->projection_area);
    }
  return i;
}

gint64
st_insight_view_click_at (StInsightView *self, double x, double y)
{
  int i;

  g_return_val_if_fail (ST_IS_INSIGHT_VIEW (self), -1);

  i = hit (self, x, y);
  /* the image is opened where it can be shown: on the Activations page's test set */
  if (i < 0 || test_set (self) == NULL)
    return -1;
  st_activations_view_select_example (self->activations, i);
  g_signal_emit (self, signals[SIGNAL_OPEN_IMAGE], 0, (gint64) i);
  return i;
}

gboolean
st_insight_view_point_position (StInsightView *self, gint64 example, double *x, double *y)
{
  StScatter s;

  g_return_val_if_fail (ST_IS_INSIGHT_VIEW (self), FALSE);

  s = scatter_of (self);
  return example >= 0 && example < s.n_points
         && st_scatter_position (&s, gtk_widget_get_width (self->projection_area),
                                 gtk_widget_get_height (self->projection_area), (int) example,
                                 x, y);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, gpointer data)
{
  st_insight_view_hover_at (data, x, y);
}

static void
on_leave (GtkEventControllerMotion *motion, gpointer data)
{
  StInsightView *self = data;

  if (self->highlight >= 0)
    {
      self->highlight = -1;
      gtk_widget_queue_draw (self->projection_area);
    }
}

static void
on_click (GtkGestureClick *click, int n_press, double x, double y, gpointer data)
{
  st_insight_view_click_at (data, x, y);
}

/* Test image `example` enlarged THUMB_SCALE times, as a texture. */
static GdkTexture *
thumbnail (const StDataset *test, gint64 example)
{
  const int w = test->w * THUMB_SCALE, h = test->h * THUMB_SCALE;
  const gsize plane = (gsize) test->h * test->w;
  const guint8 *img = test->images + (gsize) example * test->c * plane;
  g_autofree guint8 *rgba = g_new (guint8, (gsize) w * h * 4);
  g_autoptr (GBytes) bytes = NULL;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize src = (gsize) (y / THUMB_SCALE) * test->w + x / THUMB_SCALE;
        guint8 *px = rgba + ((gsize) y * w + x) * 4;

        for (int k = 0; k < 3; k++)
          px[k] = img[(test->c >= 3 ? k : 0) * plane + src];
        px[3] = 255;
      }
  bytes = g_bytes_new_take (g_steal_pointer (&rgba), (gsize) w * h * 4);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8, bytes, (gsize) w * 4);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  gpointer data)
{
  StInsightView *self = data;
  const StDataset *test = test_set (self);
  g_autofree char *text = NULL;
  int i = keyboard ? self->highlight : hit (self, x, y);
  int label;

  if (i < 0 || self->projection == NULL)
    return FALSE;
  label = self->projection->labels[i];
  if (test != NULL && i < test->n && label < test->n_classes)
    {
      g_autoptr (GdkTexture) texture = thumbnail (test, i);

      text = g_strdup_printf (_("Test image %d: %s"), i, test->class_names[label]);
      gtk_tooltip_set_icon (tooltip, GDK_PAINTABLE (texture));
    }
  else
    text = g_strdup_printf (_("Test image %d: class %d"), i, label);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static GtkWidget *
area (StInsightView *self, GtkDrawingAreaDrawFunc draw, int width, int height)
{
  GtkWidget *a = gtk_drawing_area_new ();

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (a), draw, self, NULL);
  gtk_widget_set_size_request (a, width, height);
  return a;
}

static void
st_insight_view_dispose (GObject *object)
{
  StInsightView *self = ST_INSIGHT_VIEW (object);

  stop_reading (self);
  st_insight_view_set_activations (self, NULL);
  g_clear_pointer (&self->epochs, g_ptr_array_unref);
  set_projection (self, NULL);
  g_clear_pointer (&self->ridges, st_insight_ridges_free);
  g_clear_pointer (&self->x_label, g_free);
  g_clear_pointer (&self->y_label, g_free);
  g_clear_pointer (&self->scatter_title, g_free);
  g_clear_pointer (&self->dataset, g_free);
  G_OBJECT_CLASS (st_insight_view_parent_class)->dispose (object);
}

static void
st_insight_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StInsightView *self = ST_INSIGHT_VIEW (object);

  switch (prop_id)
    {
    case PROP_N_EPOCHS:
      g_value_set_uint (value, self->epochs != NULL ? self->epochs->len : 0);
      break;
    case PROP_READING:
      g_value_set_boolean (value, self->reading != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_insight_view_class_init (StInsightViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = st_insight_view_dispose;
  object_class->get_property = st_insight_view_get_property;
  /* The epochs shown: notified as each is added, and when the page is emptied or filled. */
  props[PROP_N_EPOCHS] = g_param_spec_uint ("n-epochs", NULL, NULL, 0, G_MAXUINT, 0,
                                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                            | G_PARAM_STATIC_STRINGS);
  /* A recorded run's files are being read. */
  props[PROP_READING] = g_param_spec_boolean ("reading", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                              | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_OPEN_IMAGE] =
    g_signal_new ("open-image", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
st_insight_view_init (StInsightView *self)
{
  GtkWidget *scrolled, *content, *top, *left, *right;
  GtkEventController *motion;
  GtkGesture *click;

  self->epochs = g_ptr_array_new_with_free_func ((GDestroyNotify) st_insight_epoch_free);
  self->highlight = -1;
  self->style_manager = adw_style_manager_get_default ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);

  self->title = GTK_LABEL (gtk_label_new (_("No run yet")));
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "title-3");
  gtk_label_set_xalign (self->title, 0.0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  self->summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->summary, 0.0);
  gtk_label_set_wrap (self->summary, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");

  self->projection_area = area (self, draw_projection, 300, 320);
  gtk_widget_set_name (self->projection_area, "projection");
  gtk_widget_set_hexpand (self->projection_area, TRUE);
  gtk_widget_set_vexpand (self->projection_area, TRUE);
  gtk_widget_set_has_tooltip (self->projection_area, TRUE);
  g_signal_connect (self->projection_area, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (self->projection_area, motion);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (self->projection_area, GTK_EVENT_CONTROLLER (click));
  self->projection_caption = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->projection_caption, TRUE);
  gtk_label_set_xalign (self->projection_caption, 0.0);
  gtk_widget_add_css_class (GTK_WIDGET (self->projection_caption), "dim-label");

  self->grad_area = area (self, draw_grad, 280, 190);
  self->ratio_area = area (self, draw_ratio, 280, 190);
  gtk_widget_set_hexpand (self->grad_area, TRUE);
  gtk_widget_set_hexpand (self->ratio_area, TRUE);
  self->activations_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->activations_label, 0.0);
  gtk_label_set_wrap (self->activations_label, TRUE);
  self->ridge_area = area (self, draw_ridges, 400, 0);
  gtk_widget_set_name (self->grad_area, "gradient-norms");
  gtk_widget_set_name (self->ratio_area, "update-ratios");
  gtk_widget_set_name (self->ridge_area, "ridges");

  left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand (left, TRUE);
  gtk_box_append (GTK_BOX (left), self->projection_area);
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->projection_caption));
  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand (right, TRUE);
  gtk_box_append (GTK_BOX (right), self->grad_area);
  gtk_box_append (GTK_BOX (right), self->ratio_area);
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->activations_label));
  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_set_homogeneous (GTK_BOX (top), TRUE);
  gtk_box_append (GTK_BOX (top), left);
  gtk_box_append (GTK_BOX (top), right);

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 12);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->summary));
  gtk_box_append (GTK_BOX (content), top);
  gtk_box_append (GTK_BOX (content), self->ridge_area);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), content);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (self), scrolled);
  refresh (self);
}

GtkWidget *
st_insight_view_new (void)
{
  return g_object_new (ST_TYPE_INSIGHT_VIEW, NULL);
}
