/* drawing-pad.c: the pad on which a person draws a model's 1-channel input. */
#define G_LOG_DOMAIN "strata-drawing-pad"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ui/drawing-pad.h"

#define DEFAULT_SIZE       28
#define DEFAULT_BRUSH_SIZE 2.2
#define MIN_BRUSH_SIZE     0.5
#define MAX_BRUSH_SIZE     16.0
#define MIN_AREA           168  /* the canvas's area, in screen pixels, at the least */
#define GRID_MIN_CELL      8    /* the grid shows once a pixel is this many screen pixels */

struct _StDrawingPad
{
  GtkWidget         parent_instance;

  /* children */
  GtkWidget        *area;
  GtkWidget        *toolbar;
  GtkToggleButton  *brush_button;
  GtkToggleButton  *eraser_button;
  GtkSpinButton    *size_spin;

  /* owned */
  guint8           *pixels;       /* (H, W) */
  int               height;
  int               width;
  StDrawingPadTool  tool;
  double            brush_size;
  guint             changed_idle;

  /* borrowed: owned by area */
  GtkGesture       *drag;

  /* the drag under way */
  double            drag_start_x;  /* area coordinates */
  double            drag_start_y;
  double            last_x;        /* input-pixel coordinates */
  double            last_y;
  gboolean          drag_erases;
};

G_DEFINE_FINAL_TYPE (StDrawingPad, st_drawing_pad, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (StDrawingPadTool, st_drawing_pad_tool,
  G_DEFINE_ENUM_VALUE (ST_DRAWING_PAD_TOOL_BRUSH, "brush"),
  G_DEFINE_ENUM_VALUE (ST_DRAWING_PAD_TOOL_ERASER, "eraser"))

enum {
  PROP_0,
  PROP_TOOL,
  PROP_BRUSH_SIZE,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_STROKE_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- painting ---------------------------------------------------------------------------- */

static double
smoothstep (double edge0, double edge1, double x)
{
  double t = CLAMP ((x - edge0) / (edge1 - edge0), 0.0, 1.0);

  return t * t * (3.0 - 2.0 * t);
}

/* The distance from (px, py) to the segment (x0, y0)–(x1, y1); a point when they meet. */
static double
segment_distance (double px, double py, double x0, double y0, double x1, double y1)
{
  double dx = x1 - x0, dy = y1 - y0;
  double length2 = dx * dx + dy * dy;
  double t = 0.0;

  if (length2 > 0.0)
    t = CLAMP (((px - x0) * dx + (py - y0) * dy) / length2, 0.0, 1.0);
  return hypot (px - (x0 + t * dx), py - (y0 + t * dy));
}

/* The first and last pixel index whose centre lies in [lo, hi], clipped to 0 … n - 1; FALSE
 * when there is none. Clipped as doubles first: the points may be anywhere. */
static gboolean
pixel_span (double lo, double hi, int n, int *first, int *last)
{
  lo = ceil (CLAMP (lo - 0.5, -1.0, (double) n));
  hi = floor (CLAMP (hi - 0.5, -1.0, (double) n));
  *first = MAX ((int) lo, 0);
  *last = MIN ((int) hi, n - 1);
  return *first <= *last;
}

/* One capsule of the brush (or the eraser) along (x0, y0)–(x1, y1), in input pixels. */
static void
paint_segment (StDrawingPad *self, double x0, double y0, double x1, double y1, gboolean erase)
{
  double radius = self->brush_size / 2.0;
  double feather = 0.5 + self->brush_size / 8.0;
  double reach = radius + feather;  /* where the brush's ink ends */
  double extent = erase ? reach + 1.0 : reach;
  int first_x, last_x, first_y, last_y;

  if (!pixel_span (MIN (x0, x1) - extent, MAX (x0, x1) + extent, self->width, &first_x, &last_x)
      || !pixel_span (MIN (y0, y1) - extent, MAX (y0, y1) + extent, self->height,
                      &first_y, &last_y))
    return;

  for (int y = first_y; y <= last_y; y++)
    for (int x = first_x; x <= last_x; x++)
      {
        double d = segment_distance (x + 0.5, y + 0.5, x0, y0, x1, y1);
        guint8 *p = &self->pixels[(gsize) y * self->width + x];

        if (erase)
          {
            guint8 keep = (guint8) (255.0 * smoothstep (reach, reach + 1.0, d) + 0.5);

            *p = MIN (*p, keep);
          }
        else
          {
            guint8 ink = (guint8) (255.0 * (1.0 - smoothstep (radius - feather, reach, d)) + 0.5);

            *p = MAX (*p, ink);
          }
      }
}

static gboolean
emit_changed (gpointer data)
{
  StDrawingPad *self = data;

  self->changed_idle = 0;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Redraws, and emits ::changed from the main loop once for everything changed until then. */
static void
pixels_changed (StDrawingPad *self)
{
  gtk_widget_queue_draw (self->area);
  if (self->changed_idle == 0)
    {
      self->changed_idle = g_idle_add (emit_changed, self);
      g_source_set_name_by_id (self->changed_idle, "[strata] drawing pad changed");
    }
}

/* What st_drawing_pad_stroke () and a drag both do: the polyline through n points. A point
 * that is not finite, or too far away for the distances to stay exact, lifts the pen. */
static void
paint_stroke (StDrawingPad *self, const double *xy, int n, gboolean erase)
{
  double prev_x = NAN, prev_y = NAN;

  for (int i = 0; i < n; i++)
    {
      double x = xy[2 * i], y = xy[2 * i + 1];

      if (!(fabs (x) <= ST_DRAWING_PAD_MAX_COORD && fabs (y) <= ST_DRAWING_PAD_MAX_COORD))
        {
          prev_x = prev_y = NAN;
          continue;
        }
      if (isnan (prev_x))
        paint_segment (self, x, y, x, y, erase);
      else
        paint_segment (self, prev_x, prev_y, x, y, erase);
      prev_x = x;
      prev_y = y;
    }
  pixels_changed (self);
}

/* ---- the canvas's area ------------------------------------------------------------------- */

typedef struct {
  double x, y, cell;
} CanvasRect;

/* Where the canvas lies in an area of that size: the rule of drawing-pad.h. */
static CanvasRect
canvas_rect (StDrawingPad *self, int area_width, int area_height)
{
  double cell = MIN ((double) area_width / self->width, (double) area_height / self->height);

  if (cell >= 1.0)
    cell = floor (cell);
  return (CanvasRect) { floor ((area_width - cell * self->width) / 2.0),
                        floor ((area_height - cell * self->height) / 2.0), cell };
}

static void
area_to_input (StDrawingPad *self, double x, double y, double *px, double *py)
{
  CanvasRect r = canvas_rect (self, gtk_widget_get_width (self->area),
                              gtk_widget_get_height (self->area));

  if (r.cell <= 0.0)
    {
      *px = *py = NAN;
      return;
    }
  *px = (x - r.x) / r.cell;
  *py = (y - r.y) / r.cell;
}

static void
draw_area (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StDrawingPad *self = data;
  CanvasRect r = canvas_rect (self, width, height);
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  guint8 *row;
  int stride;

  if (r.cell <= 0.0)
    return;

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, self->width, self->height);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return;
    }
  cairo_surface_flush (image);
  row = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);
  for (int y = 0; y < self->height; y++, row += stride)
    for (int x = 0; x < self->width; x++)
      {
        guint32 v = self->pixels[(gsize) y * self->width + x];

        ((guint32 *) (gpointer) row)[x] = 0xff000000u | v << 16 | v << 8 | v;
      }
  cairo_surface_mark_dirty (image);

  cairo_save (cr);
  cairo_translate (cr, r.x, r.y);
  cairo_scale (cr, r.cell, r.cell);
  cairo_set_source_surface (cr, image, 0, 0);
  pattern = cairo_get_source (cr);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, self->width, self->height);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (image);

  /* Mid-grey, faint, so the lines show on ink and background alike. */
  cairo_set_line_width (cr, 1.0);
  if (r.cell >= GRID_MIN_CELL)
    {
      cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.2);
      for (int x = 1; x < self->width; x++)
        {
          cairo_move_to (cr, r.x + x * r.cell + 0.5, r.y);
          cairo_rel_line_to (cr, 0, r.cell * self->height);
        }
      for (int y = 1; y < self->height; y++)
        {
          cairo_move_to (cr, r.x, r.y + y * r.cell + 0.5);
          cairo_rel_line_to (cr, r.cell * self->width, 0);
        }
      cairo_stroke (cr);
    }
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.6);
  cairo_rectangle (cr, r.x - 0.5, r.y - 0.5, r.cell * self->width + 1, r.cell * self->height + 1);
  cairo_stroke (cr);
}

/* ---- input ------------------------------------------------------------------------------- */

static gboolean
event_erases (GtkGesture *gesture)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture));
  GdkDeviceTool *tool = event != NULL ? gdk_event_get_device_tool (event) : NULL;
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  return button == GDK_BUTTON_SECONDARY
         || (tool != NULL && gdk_device_tool_get_tool_type (tool) == GDK_DEVICE_TOOL_TYPE_ERASER);
}

static void
drag_to (StDrawingPad *self, double offset_x, double offset_y)
{
  double xy[4] = { self->last_x, self->last_y };

  area_to_input (self, self->drag_start_x + offset_x, self->drag_start_y + offset_y,
                 &xy[2], &xy[3]);
  if (xy[2] == xy[0] && xy[3] == xy[1])
    return;
  paint_stroke (self, xy, 2, self->drag_erases);
  self->last_x = xy[2];
  self->last_y = xy[3];
}

static void
drag_begin (GtkGestureDrag *gesture, double x, double y, StDrawingPad *self)
{
  double xy[2];

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_widget_grab_focus (self->area);
  self->drag_erases = self->tool == ST_DRAWING_PAD_TOOL_ERASER
                      || event_erases (GTK_GESTURE (gesture));
  self->drag_start_x = x;
  self->drag_start_y = y;
  area_to_input (self, x, y, &xy[0], &xy[1]);
  self->last_x = xy[0];
  self->last_y = xy[1];
  paint_stroke (self, xy, 1, self->drag_erases);
}

static void
drag_update (GtkGestureDrag *gesture, double offset_x, double offset_y, StDrawingPad *self)
{
  drag_to (self, offset_x, offset_y);
}

static void
drag_end (GtkGestureDrag *gesture, double offset_x, double offset_y, StDrawingPad *self)
{
  drag_to (self, offset_x, offset_y);
  if (self->changed_idle != 0)
    {
      g_clear_handle_id (&self->changed_idle, g_source_remove);
      emit_changed (self);
    }
  g_signal_emit (self, signals[SIGNAL_STROKE_FINISHED], 0);
}

static gboolean
key_pressed (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             StDrawingPad          *self)
{
  GdkModifierType mods = state & gtk_accelerator_get_default_mod_mask ();

  if (((keyval == GDK_KEY_Delete || keyval == GDK_KEY_KP_Delete) && mods == 0)
      || (keyval == GDK_KEY_BackSpace && mods == GDK_CONTROL_MASK))
    {
      st_drawing_pad_clear (self);
      return TRUE;
    }
  if ((keyval == GDK_KEY_e || keyval == GDK_KEY_E) && (mods & ~GDK_SHIFT_MASK) == 0)
    {
      st_drawing_pad_set_tool (self, self->tool == ST_DRAWING_PAD_TOOL_ERASER
                                     ? ST_DRAWING_PAD_TOOL_BRUSH : ST_DRAWING_PAD_TOOL_ERASER);
      return TRUE;
    }
  return FALSE;
}

/* ---- the toolbar ------------------------------------------------------------------------- */

static void
tool_toggled (GtkToggleButton *button, StDrawingPad *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  st_drawing_pad_set_tool (self, button == self->eraser_button ? ST_DRAWING_PAD_TOOL_ERASER
                                                               : ST_DRAWING_PAD_TOOL_BRUSH);
}

static void
clear_clicked (GtkButton *button, StDrawingPad *self)
{
  st_drawing_pad_clear (self);
}

static void
build_toolbar (StDrawingPad *self)
{
  GtkWidget *tools = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *size_label = gtk_label_new (_("Size"));
  GtkWidget *clear = gtk_button_new_with_label (_("Clear"));
  GtkAdjustment *adjustment;

  self->toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_parent (self->toolbar, GTK_WIDGET (self));

  self->brush_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_("Brush")));
  self->eraser_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_("Eraser")));
  gtk_toggle_button_set_group (self->eraser_button, self->brush_button);
  gtk_toggle_button_set_active (self->brush_button, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->brush_button), _("Draw in white ink (E)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->eraser_button),
                               _("Erase back to black (E, or drag with the right button)"));
  g_signal_connect (self->brush_button, "toggled", G_CALLBACK (tool_toggled), self);
  g_signal_connect (self->eraser_button, "toggled", G_CALLBACK (tool_toggled), self);
  gtk_widget_add_css_class (tools, "linked");
  gtk_box_append (GTK_BOX (tools), GTK_WIDGET (self->brush_button));
  gtk_box_append (GTK_BOX (tools), GTK_WIDGET (self->eraser_button));
  gtk_box_append (GTK_BOX (self->toolbar), tools);

  adjustment = gtk_adjustment_new (self->brush_size, MIN_BRUSH_SIZE, MAX_BRUSH_SIZE, 0.5, 1.0,
                                   0.0);
  self->size_spin = GTK_SPIN_BUTTON (gtk_spin_button_new (adjustment, 0.5, 1));
  g_object_bind_property (self, "brush-size", adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->size_spin),
                               _("The brush's width, in the model's input pixels"));
  gtk_widget_set_tooltip_text (size_label,
                               gtk_widget_get_tooltip_text (GTK_WIDGET (self->size_spin)));
  gtk_label_set_mnemonic_widget (GTK_LABEL (size_label), GTK_WIDGET (self->size_spin));
  gtk_widget_set_margin_start (size_label, 6);
  gtk_box_append (GTK_BOX (self->toolbar), size_label);
  gtk_box_append (GTK_BOX (self->toolbar), GTK_WIDGET (self->size_spin));

  gtk_widget_set_tooltip_text (clear, _("Clear the pad (Delete)"));
  gtk_widget_set_hexpand (clear, TRUE);
  gtk_widget_set_halign (clear, GTK_ALIGN_END);
  g_signal_connect (clear, "clicked", G_CALLBACK (clear_clicked), self);
  gtk_box_append (GTK_BOX (self->toolbar), clear);
}

/* ---- the object -------------------------------------------------------------------------- */

static void
update_accessible_label (StDrawingPad *self)
{
  /* Translators: the width, then the height, in pixels. */
  g_autofree char *label = g_strdup_printf (_("Drawing pad, %d by %d pixels"),
                                            self->width, self->height);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->area), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
}

static void
st_drawing_pad_dispose (GObject *object)
{
  StDrawingPad *self = ST_DRAWING_PAD (object);
  GtkWidget *child;

  g_clear_handle_id (&self->changed_idle, g_source_remove);
  self->drag = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->area = NULL;
  self->toolbar = NULL;

  G_OBJECT_CLASS (st_drawing_pad_parent_class)->dispose (object);
}

static void
st_drawing_pad_finalize (GObject *object)
{
  StDrawingPad *self = ST_DRAWING_PAD (object);

  g_free (self->pixels);

  G_OBJECT_CLASS (st_drawing_pad_parent_class)->finalize (object);
}

static void
st_drawing_pad_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StDrawingPad *self = ST_DRAWING_PAD (object);

  switch (prop_id)
    {
    case PROP_TOOL:
      g_value_set_enum (value, self->tool);
      break;
    case PROP_BRUSH_SIZE:
      g_value_set_double (value, self->brush_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_drawing_pad_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  StDrawingPad *self = ST_DRAWING_PAD (object);

  switch (prop_id)
    {
    case PROP_TOOL:
      st_drawing_pad_set_tool (self, g_value_get_enum (value));
      break;
    case PROP_BRUSH_SIZE:
      st_drawing_pad_set_brush_size (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_drawing_pad_class_init (StDrawingPadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_drawing_pad_dispose;
  object_class->finalize = st_drawing_pad_finalize;
  object_class->get_property = st_drawing_pad_get_property;
  object_class->set_property = st_drawing_pad_set_property;

  properties[PROP_TOOL] =
    g_param_spec_enum ("tool", NULL, NULL, ST_TYPE_DRAWING_PAD_TOOL, ST_DRAWING_PAD_TOOL_BRUSH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BRUSH_SIZE] =
    g_param_spec_double ("brush-size", NULL, NULL, MIN_BRUSH_SIZE, MAX_BRUSH_SIZE,
                         DEFAULT_BRUSH_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_STROKE_FINISHED] =
    g_signal_new ("stroke-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "drawing-pad");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
st_drawing_pad_init (StDrawingPad *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);

  self->height = self->width = DEFAULT_SIZE;
  self->pixels = g_malloc0 ((gsize) self->height * self->width);
  self->tool = ST_DRAWING_PAD_TOOL_BRUSH;
  self->brush_size = DEFAULT_BRUSH_SIZE;

  self->area = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->area), MIN_AREA);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->area), MIN_AREA);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), draw_area, self, NULL);
  gtk_widget_set_hexpand (self->area, TRUE);
  gtk_widget_set_vexpand (self->area, TRUE);
  gtk_widget_set_focusable (self->area, TRUE);
  gtk_widget_set_cursor_from_name (self->area, "crosshair");
  gtk_widget_set_parent (self->area, GTK_WIDGET (self));

  /* Any button: the secondary one erases. Touch is handled as well as the pointer. */
  self->drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->drag), 0);
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (self->drag), FALSE);
  g_signal_connect (self->drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (self->drag, "drag-update", G_CALLBACK (drag_update), self);
  g_signal_connect (self->drag, "drag-end", G_CALLBACK (drag_end), self);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (self->drag));

  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed), self);
  gtk_widget_add_controller (self->area, keys);

  build_toolbar (self);
  update_accessible_label (self);
}

GtkWidget *
st_drawing_pad_new (void)
{
  return g_object_new (ST_TYPE_DRAWING_PAD, NULL);
}

void
st_drawing_pad_set_size (StDrawingPad *pad, int height, int width)
{
  g_return_if_fail (ST_IS_DRAWING_PAD (pad));
  g_return_if_fail (height >= 1 && height <= ST_DRAWING_PAD_MAX_SIZE);
  g_return_if_fail (width >= 1 && width <= ST_DRAWING_PAD_MAX_SIZE);

  g_free (pad->pixels);
  pad->height = height;
  pad->width = width;
  pad->pixels = g_malloc0 ((gsize) height * width);
  update_accessible_label (pad);
  pixels_changed (pad);
}

int
st_drawing_pad_get_height (StDrawingPad *pad)
{
  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), 0);

  return pad->height;
}

int
st_drawing_pad_get_width (StDrawingPad *pad)
{
  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), 0);

  return pad->width;
}

const guint8 *
st_drawing_pad_get_pixels (StDrawingPad *pad)
{
  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), NULL);

  return pad->pixels;
}

void
st_drawing_pad_set_pixels (StDrawingPad *pad, const guint8 *pixels)
{
  g_return_if_fail (ST_IS_DRAWING_PAD (pad));
  g_return_if_fail (pixels != NULL);

  memmove (pad->pixels, pixels, (gsize) pad->height * pad->width);
  pixels_changed (pad);
}

void
st_drawing_pad_clear (StDrawingPad *pad)
{
  g_return_if_fail (ST_IS_DRAWING_PAD (pad));

  memset (pad->pixels, 0, (gsize) pad->height * pad->width);
  pixels_changed (pad);
}

gboolean
st_drawing_pad_is_blank (StDrawingPad *pad)
{
  gsize n;

  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), TRUE);

  n = (gsize) pad->height * pad->width;
  for (gsize i = 0; i < n; i++)
    if (pad->pixels[i] != 0)
      return FALSE;
  return TRUE;
}

void
st_drawing_pad_stroke (StDrawingPad *pad, const double *xy, int n, gboolean erase)
{
  g_return_if_fail (ST_IS_DRAWING_PAD (pad));
  g_return_if_fail (n >= 0);
  g_return_if_fail (xy != NULL || n == 0);

  paint_stroke (pad, xy, n, erase);
}

void
st_drawing_pad_set_tool (StDrawingPad *pad, StDrawingPadTool tool)
{
  g_return_if_fail (ST_IS_DRAWING_PAD (pad));
  g_return_if_fail (tool == ST_DRAWING_PAD_TOOL_BRUSH || tool == ST_DRAWING_PAD_TOOL_ERASER);

  if (tool == pad->tool)
    return;
  pad->tool = tool;
  gtk_toggle_button_set_active (tool == ST_DRAWING_PAD_TOOL_ERASER ? pad->eraser_button
                                                                    : pad->brush_button, TRUE);
  g_object_notify_by_pspec (G_OBJECT (pad), properties[PROP_TOOL]);
}

StDrawingPadTool
st_drawing_pad_get_tool (StDrawingPad *pad)
{
  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), ST_DRAWING_PAD_TOOL_BRUSH);

  return pad->tool;
}

void
st_drawing_pad_set_brush_size (StDrawingPad *pad, double size)
{
  g_return_if_fail (ST_IS_DRAWING_PAD (pad));
  g_return_if_fail (!isnan (size));

  size = CLAMP (size, MIN_BRUSH_SIZE, MAX_BRUSH_SIZE);
  if (size == pad->brush_size)
    return;
  pad->brush_size = size;
  g_object_notify_by_pspec (G_OBJECT (pad), properties[PROP_BRUSH_SIZE]);
}

double
st_drawing_pad_get_brush_size (StDrawingPad *pad)
{
  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), DEFAULT_BRUSH_SIZE);

  return pad->brush_size;
}

GtkGesture *
st_drawing_pad_get_gesture (StDrawingPad *pad)
{
  g_return_val_if_fail (ST_IS_DRAWING_PAD (pad), NULL);

  return pad->drag;
}
