/* ui-test-util.c: see ui-test-util.h. */
#define G_LOG_DOMAIN "strata-test"

#include "ui-test-util.h"

#include <adwaita.h>

#include "ui/strata-application.h"

/* ---- start-up --------------------------------------------------------------------------- */

/* Opens the display and sets up libadwaita and Strata's styles; FALSE without a display.
 * `light` pins the light colour scheme, for cases that compare pixels. */
gboolean
ui_test_init (gboolean light)
{
  if (!gtk_init_check ())
    return FALSE;
  adw_init ();
  st_ui_init ();
  if (light)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_FORCE_LIGHT);
  return TRUE;
}

static void
skip_no_display (gconstpointer data)
{
  g_test_skip ("no display");
}

/* Adds a fixture case, or without a display a case of that path that skips and says why. */
void
ui_test_add_case (gboolean          display,
                  const char       *path,
                  gsize             fixture_size,
                  GTestFixtureFunc  set_up,
                  GTestFixtureFunc  test,
                  GTestFixtureFunc  tear_down)
{
  if (display)
    g_test_add_vtable (path, fixture_size, NULL, set_up, test, tear_down);
  else
    g_test_add_data_func (path, NULL, skip_no_display);
}

/* ---- the main loop ---------------------------------------------------------------------- */

/* Runs the main loop until cond holds or `ms` pass; what cond says at the end. */
gboolean
ui_test_spin_until (gboolean (*cond) (gpointer), gpointer data, int ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  return cond (data);
}

static gboolean
flag_set (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for `ms` milliseconds. */
void
ui_test_spin (int ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, flag_set, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the main loop until `done` says so; FALSE when the guard ran out first. */
gboolean
ui_test_wait_until (gboolean (*done) (gpointer), gpointer data, guint guard_seconds)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (guard_seconds, flag_set, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (guard);
  return !expired;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static void
after_paint (GdkFrameClock *clock, gboolean *painted)
{
  *painted = TRUE;
}

static gboolean
is_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* Waits until `widget` is on screen, queues a redraw and returns once a frame has painted
 * it: a widget paintable shows the last frame's render node, not the widget's state now. */
void
ui_test_wait_for_frame (GtkWidget *widget, guint guard_seconds)
{
  gboolean painted = FALSE;
  GdkFrameClock *clock;
  gulong handler;

  g_assert_true (ui_test_wait_until (is_mapped, widget, guard_seconds));
  clock = gtk_widget_get_frame_clock (widget);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (ui_test_wait_until (is_set, &painted, guard_seconds));
  g_signal_handler_disconnect (clock, handler);
}

/* ---- toplevels ------------------------------------------------------------------------- */

typedef struct {
  GType      type;
  GtkWindow *found;
} Lookup;

static gboolean
find_toplevel (gpointer data)
{
  Lookup *lookup = data;
  GList *toplevels = gtk_window_list_toplevels ();

  lookup->found = NULL;
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, lookup->type) && gtk_widget_get_visible (l->data))
      lookup->found = l->data;
  g_list_free (toplevels);
  return lookup->found != NULL;
}

/* A shown toplevel window of `type` (a dialog the code under test opened), once there is one
 * within `ms`; NULL when none came. */
GtkWindow *
ui_test_find_toplevel (GType type, int ms)
{
  Lookup lookup = { type, NULL };

  ui_test_spin_until (find_toplevel, &lookup, ms);
  return lookup.found;
}

/* ---- pixels ----------------------------------------------------------------------------- */

/* The widget's last frame rendered by `renderer`, or by its window's renderer when NULL. */
GdkTexture *
ui_test_render_texture (GtkWidget *widget, GskRenderer *renderer)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  if (renderer == NULL)
    renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* The widget's pixels after the next frame, CAIRO_FORMAT_ARGB32 rows; free with g_free (). */
guint8 *
ui_test_render_pixels (GtkWidget   *widget,
                       GskRenderer *renderer,
                       guint        guard_seconds,
                       int         *width,
                       int         *height)
{
  g_autoptr (GdkTexture) texture = NULL;
  guint8 *pixels;

  ui_test_wait_for_frame (widget, guard_seconds);
  texture = ui_test_render_texture (widget, renderer);
  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, pixels, (gsize) *width * 4);
  return pixels;
}

/* ---- the workbench window ------------------------------------------------------------------ */

gboolean
ui_test_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

StWindow *
ui_test_open_window (void)
{
  StWindow *window = st_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 1800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_test_spin_until (ui_test_is_mapped, window, 5000));
  ui_test_spin (100);
  return window;
}

StLayerList *
ui_test_layer_list (StWindow *window)
{
  return ST_LAYER_LIST (st_window_get_layer_list (window));
}

StTrainPanel *
ui_test_train_panel (StWindow *window)
{
  return ST_TRAIN_PANEL (st_window_get_train_panel (window));
}

StLayerCard *
ui_test_card (StWindow *window, const char *path)
{
  StLayerCard *found = NULL;

  for (int tries = 0; tries < 50 && found == NULL; tries++)
    {
      found = st_layer_list_find_card (ui_test_layer_list (window), path);
      if (found == NULL)
        ui_test_spin (20);
    }
  if (found == NULL)
    g_test_message ("no card on screen for layer %s", path);
  /* on a busy machine a new row may not be laid out yet */
  for (int tries = 0; found != NULL && tries < 100 && gtk_widget_get_width (GTK_WIDGET (found)) == 0;
       tries++)
    ui_test_spin (20);
  return found;
}

void
ui_test_type_into (StWindow *window, const char *path, StArgId id, const char *text)
{
  StLayerCard *c = ui_test_card (window, path);
  GtkEditable *field;

  g_assert_nonnull (c);
  field = st_layer_card_get_field (c, id);
  g_assert_nonnull (field);
  gtk_editable_set_text (field, text);
  ui_test_spin (10);
}

void
ui_test_add_layer (StWindow *window, const char *type)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-layer", "s", type));
  ui_test_spin (30);
}

gboolean
ui_test_run_over (gpointer window)
{
  StTrainerState state = st_train_panel_get_state (ui_test_train_panel (window));

  return state == ST_TRAINER_DONE || state == ST_TRAINER_IDLE;
}

GtkWidget *
ui_test_find_named (GtkWidget *root, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = ui_test_find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
ui_test_find_widget (GtkWidget *root, GType type, const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type)
          && (label == NULL || g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0))
        return child;
      found = ui_test_find_widget (child, type, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}
