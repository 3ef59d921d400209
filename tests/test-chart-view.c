/* test-chart-view.c: the chart panel and its view, driven as the window drives them.
 *
 * The panel sits in a real window; after each change the test waits for the frame that
 * draws it and renders the view's last frame to pixels with a Cairo GSK renderer. What the
 * renderer draws is checked in detail by test-render-chart.c; here the question is whether the
 * widgets pass the right data and options to it: the curves appear, the toolbar's toggles
 * and slider reach the drawing, the hover draws its box, the previous run comes back when
 * compared, and the exports write files that read back.
 *
 * Without a display every case is skipped.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "ui/chart-panel.h"
#include "ui/chart-view.h"
#include "ui-test-util.h"

#define WIDTH  800
#define HEIGHT 480
#define FRAME_GUARD_SECONDS 30  /* a frame that never comes fails the test instead of hanging */

typedef struct {
  GtkWidget    *window;
  StChartPanel *panel;
  StChartView  *view;
  GskRenderer  *renderer;
  char         *dir;
} Fixture;

typedef struct {
  guint8 *data;                 /* CAIRO_FORMAT_ARGB32 rows */
  int     width, height;
} Pixels;

typedef struct {
  int r, g, b;
} Colour;

/* ---- frames and pixels -------------------------------------------------------------------- */

/* Queues a redraw of the view and renders the frame that paints it: the widget paintable
 * shows the last frame's render node, not the widget's current state. */
static Pixels
render_view (Fixture *f)
{
  Pixels p = { NULL, 0, 0 };

  p.data = ui_test_render_pixels (GTK_WIDGET (f->view), f->renderer, FRAME_GUARD_SECONDS,
                                  &p.width, &p.height);
  return p;
}

static void
pixels_clear (Pixels *p)
{
  g_clear_pointer (&p->data, g_free);
}

/* The chart paints an opaque background, so premultiplication does not matter. */
static Colour
at (const Pixels *p, int x, int y)
{
  guint32 v;

  memcpy (&v, p->data + ((gsize) y * p->width + x) * 4, sizeof v);
  return (Colour) { (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
}

/* The curves are the only saturated colours: grid, axes and text are grey. */
static int
count_coloured (const Pixels *p)
{
  int n = 0;

  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        Colour c = at (p, x, y);
        int hi = MAX (c.r, MAX (c.g, c.b)), lo = MIN (c.r, MIN (c.g, c.b));

        n += hi - lo > 60;
      }
  return n;
}

/* Pixels that are not the background (the top-left corner's colour). */
static int
count_drawn (const Pixels *p)
{
  Colour bg = at (p, 0, 0);
  int n = 0;

  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        Colour c = at (p, x, y);

        n += c.r != bg.r || c.g != bg.g || c.b != bg.b;
      }
  return n;
}

static int
count_different (const Pixels *a, const Pixels *b)
{
  int n = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    n += memcmp (a->data + 4 * i, b->data + 4 * i, 4) != 0;
  return n;
}

static double
luminance (Colour c)
{
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

/* ---- widgets and data --------------------------------------------------------------------- */

/* A run whose loss falls by a factor of 10 per epoch, 20 batches an epoch. */
static void
add_run (StChartPanel *panel, int epochs, double start_loss)
{
  const int batches = 20;

  for (int e = 0; e < epochs; e++)
    {
      StChartEpoch row;

      for (int b = 0; b < batches; b++)
        {
          double x = e + (b + 1.0) / batches;

          st_chart_panel_add_batch (panel, x, start_loss * pow (0.1, x));
        }
      row = (StChartEpoch) { e + 1.0, start_loss * pow (0.1, e + 1.0),
                             start_loss * pow (0.1, e + 0.8), 1.0 - 0.5 * pow (0.7, e + 1.0),
                             1.0 - 0.55 * pow (0.7, e + 1.0) };
      st_chart_panel_add_epoch (panel, &row);
    }
}

static void
fixture_set_up (Fixture *f, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), WIDTH, HEIGHT);
  f->panel = ST_CHART_PANEL (st_chart_panel_new ());
  f->view = st_chart_panel_get_view (f->panel);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->panel));
  gtk_window_present (GTK_WINDOW (f->window));

  f->renderer = gsk_cairo_renderer_new ();
  g_assert_true (gsk_renderer_realize (f->renderer, NULL, &error));
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("strata-chart-view-XXXXXX", &error);
  g_assert_no_error (error);
  ui_test_wait_for_frame (GTK_WIDGET (f->view), FRAME_GUARD_SECONDS);
}

static void
fixture_tear_down (Fixture *f, gconstpointer user_data)
{
  gsk_renderer_unrealize (f->renderer);
  g_clear_object (&f->renderer);
  gtk_window_destroy (GTK_WINDOW (f->window));
  if (f->dir != NULL)
    g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_clear_pointer (&f->dir, g_free);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void
test_curves (Fixture *f, gconstpointer user_data)
{
  Pixels empty, full;

  g_assert_true (st_chart_view_get_data (f->view) == st_chart_panel_get_data (f->panel));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->view)), >=, 320);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (f->view)), >=, 240);

  empty = render_view (f);
  st_chart_panel_begin_run (f->panel, 5);
  add_run (f->panel, 3, 2.0);
  full = render_view (f);

  g_assert_cmpuint (st_chart_panel_get_data (f->panel)->n_batches, ==, 60);
  g_assert_cmpuint (st_chart_panel_get_data (f->panel)->n_epochs, ==, 3);
  g_assert_cmpfloat (st_chart_panel_get_data (f->panel)->planned_epochs, ==, 5.0);
  g_assert_cmpint (count_coloured (&full), >, count_coloured (&empty) + 500);
  pixels_clear (&empty);
  pixels_clear (&full);
}

static void
test_toolbar (Fixture *f, gconstpointer user_data)
{
  GtkWidget *log_button = ui_test_find_widget (GTK_WIDGET (f->panel), GTK_TYPE_TOGGLE_BUTTON,
                                       "_Log Scale");
  GtkWidget *scale = ui_test_find_widget (GTK_WIDGET (f->panel), GTK_TYPE_SCALE, NULL);
  Pixels linear, log, back, smooth;

  g_assert_nonnull (log_button);
  g_assert_nonnull (scale);
  if (log_button == NULL || scale == NULL)
    return;
  g_assert_true (gtk_button_get_use_underline (GTK_BUTTON (log_button)));

  add_run (f->panel, 3, 2.0);
  linear = render_view (f);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (log_button), TRUE);
  g_assert_true (st_chart_view_get_log_scale (f->view));
  g_assert_cmpint (st_chart_view_get_options (f->view)->loss_scale, ==, ST_CHART_SCALE_LOG);
  log = render_view (f);
  g_assert_cmpint (count_different (&linear, &log), >, 500);

  /* The property drives the button as well as the other way round. */
  st_chart_view_set_log_scale (f->view, FALSE);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (log_button)));
  back = render_view (f);
  g_assert_cmpint (count_different (&linear, &back), ==, 0);

  gtk_range_set_value (GTK_RANGE (scale), 0.9);
  g_assert_cmpfloat_with_epsilon (st_chart_view_get_smoothing (f->view), 0.9, 1e-9);
  smooth = render_view (f);
  g_assert_cmpint (count_different (&linear, &smooth), >, 100);

  st_chart_view_set_smoothing (f->view, 5.0);
  g_assert_cmpfloat (st_chart_view_get_smoothing (f->view), <=, 0.99);

  pixels_clear (&linear);
  pixels_clear (&log);
  pixels_clear (&back);
  pixels_clear (&smooth);
}

static void
test_panels (Fixture *f, gconstpointer user_data)
{
  Pixels both, loss;

  add_run (f->panel, 3, 2.0);
  both = render_view (f);
  g_object_set (f->view, "panels", ST_CHART_PANELS_LOSS, NULL);
  g_assert_cmpint (st_chart_view_get_panels (f->view), ==, ST_CHART_PANELS_LOSS);
  loss = render_view (f);
  g_assert_cmpint (count_different (&both, &loss), >, 500);
  pixels_clear (&both);
  pixels_clear (&loss);
}

static void
test_hover (Fixture *f, gconstpointer user_data)
{
  int width = gtk_widget_get_width (GTK_WIDGET (f->view));
  int height = gtk_widget_get_height (GTK_WIDGET (f->view));
  const StChartOptions *options = st_chart_view_get_options (f->view);
  StChartHit hit;
  double x = -1.0;
  Pixels plain, hovered, left;

  add_run (f->panel, 3, 2.0);
  /* A pointer position over the first plot, by the renderer's own hit test. */
  for (int px = 0; px < width && x < 0.0; px++)
    if (st_chart_hit_test (width, height, st_chart_panel_get_data (f->panel), options, px + 0.5,
                           &hit)
        && hit.epoch > 1.5)
      x = px + 0.5;
  g_assert_cmpfloat (x, >, 0.0);

  plain = render_view (f);
  st_chart_view_set_hover (f->view, x);
  g_assert_cmpfloat (st_chart_view_get_options (f->view)->hover_x, ==, x);
  hovered = render_view (f);
  g_assert_cmpint (count_different (&plain, &hovered), >, 500);

  st_chart_view_set_hover (f->view, NAN);
  g_assert_true (isnan (st_chart_view_get_options (f->view)->hover_x));
  left = render_view (f);
  g_assert_cmpint (count_different (&plain, &left), ==, 0);

  pixels_clear (&plain);
  pixels_clear (&hovered);
  pixels_clear (&left);
}

static void
test_compare (Fixture *f, gconstpointer user_data)
{
  GtkWidget *compare_button = ui_test_find_widget (GTK_WIDGET (f->panel), GTK_TYPE_TOGGLE_BUTTON,
                                           "_Compare with Previous Run");
  StChartData *data = st_chart_panel_get_data (f->panel);
  Pixels alone, compared;

  g_assert_nonnull (compare_button);
  if (compare_button == NULL)
    return;
  g_assert_false (st_chart_panel_has_previous (f->panel));
  g_assert_false (gtk_widget_get_sensitive (compare_button));

  st_chart_panel_begin_run (f->panel, 8);
  add_run (f->panel, 8, 5.0);
  st_chart_panel_begin_run (f->panel, 8);
  g_assert_true (st_chart_panel_has_previous (f->panel));
  g_assert_true (gtk_widget_get_sensitive (compare_button));
  g_assert_cmpuint (data->n_batches, ==, 0);
  g_assert_cmpuint (data->n_epochs, ==, 0);
  g_assert_cmpfloat (data->planned_epochs, ==, 8.0);

  /* A run that never drew a point does not replace the previous one. */
  st_chart_panel_begin_run (f->panel, 8);
  g_assert_true (st_chart_panel_has_previous (f->panel));

  add_run (f->panel, 2, 2.0);
  alone = render_view (f);
  g_assert_null (data->previous);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (compare_button), TRUE);
  g_assert_true (st_chart_panel_get_compare (f->panel));
  g_assert_nonnull (data->previous);
  if (data->previous != NULL)
    {
      g_assert_cmpuint (data->previous->n_epochs, ==, 8);
      g_assert_cmpuint (data->previous->n_batches, ==, 160);
    }
  compared = render_view (f);
  g_assert_cmpint (count_drawn (&compared), >, count_drawn (&alone) + 500);

  pixels_clear (&alone);
  pixels_clear (&compared);
}

static void
test_theme (Fixture *f, gconstpointer user_data)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  Pixels light, dark;

  add_run (f->panel, 2, 2.0);
  light = render_view (f);
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_cmpint (st_chart_view_get_options (f->view)->theme, ==, ST_THEME_DARK);
  dark = render_view (f);
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_assert_cmpint (st_chart_view_get_options (f->view)->theme, ==, ST_THEME_LIGHT);

  g_assert_cmpfloat (luminance (at (&dark, 0, 0)), <, 100.0);
  g_assert_cmpfloat (luminance (at (&light, 0, 0)), >, 200.0);
  pixels_clear (&light);
  pixels_clear (&dark);
}

static void
test_export (Fixture *f, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *png = g_build_filename (f->dir, "chart.PNG", NULL);
  g_autofree char *svg = g_build_filename (f->dir, "chart.svg", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "chart.csv", NULL);
  g_autofree char *jpg = g_build_filename (f->dir, "chart.jpg", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  cairo_surface_t *loaded;

  add_run (f->panel, 3, 2.0);
  st_chart_view_set_hover (f->view, 400.0);

  g_assert_true (st_chart_panel_export (f->panel, png, 640, 400, &error));
  g_assert_no_error (error);
  loaded = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (loaded), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (loaded), ==, 640);
  g_assert_cmpint (cairo_image_surface_get_height (loaded), ==, 400);
  cairo_surface_destroy (loaded);

  g_assert_true (st_chart_panel_export (f->panel, svg, 640, 400, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));
  g_clear_pointer (&contents, g_free);

  g_assert_true (st_chart_panel_export (f->panel, csv, 640, 400, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  /* header, 60 batches, 3 epochs, and the empty string after the last newline */
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 60 + 3 + 1);
  g_assert_true (g_str_has_prefix (lines[0], "kind,epoch,loss,"));
  g_assert_true (g_str_has_prefix (lines[1], "batch,0.05,"));

  g_assert_false (st_chart_panel_export (f->panel, jpg, 640, 400, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT);
  g_assert_nonnull (error != NULL ? strstr (error->message, jpg) : NULL);
  g_assert_nonnull (error != NULL ? strstr (error->message, ".csv") : NULL);
  g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));

  g_assert_cmpuint (g_signal_lookup ("message", ST_TYPE_CHART_PANEL), !=, 0);

  g_assert_cmpint (g_remove (png), ==, 0);
  g_assert_cmpint (g_remove (svg), ==, 0);
  g_assert_cmpint (g_remove (csv), ==, 0);
}

/* ---- main --------------------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  static const UI_TEST_CASE (Fixture) cases[] = {
    { "/chart-view/curves", test_curves },
    { "/chart-view/toolbar", test_toolbar },
    { "/chart-view/panels", test_panels },
    { "/chart-view/hover", test_hover },
    { "/chart-view/compare", test_compare },
    { "/chart-view/theme", test_theme },
    { "/chart-view/export", test_export },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  UI_TEST_ADD_CASES (ui_test_init (TRUE), cases, Fixture, fixture_set_up, fixture_tear_down);

  return g_test_run ();
}
