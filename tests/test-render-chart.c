/* test-render-chart.c: the chart renderer, checked on real pixels with no display.
 *
 * Everything renders into an image surface; each test asks where the blue train curve
 * landed, and where the hover guide did: a falling loss, a log axis, NaN gaps, the empty
 * state, one point and 200 000, every layout and theme, smoothing. Pixel positions that
 * depend on the layout come from the chart's own hit test. Saving a chart (PNG, SVG and the
 * refusals), feature maps as PNG, and a run as CSV are checked here too.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "render-pixels.h"
#include "ui/render/ridge-render.h"
#include "ui/render/chart-csv.h"
#include "ui/render/chart-feed.h"
#include "ui/render/chart-render.h"
#include "ui/render/grid-render.h"
#include "ui/render/render-util.h"

#include <pango/pangocairo.h>
#include <stdlib.h>

/* tab:blue #1f77b4, alone or blended over the light background */
static gboolean
is_blue (Colour c)
{
  return c.b > c.r + 50 && c.b > c.g + 20;
}

typedef struct {
  const StChartData    *data;
  const StChartOptions *options;
} ChartArgs;

static void
chart_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ChartArgs *a = user_data;

  st_chart_render (cr, w, h, a->data, a->options);
}

static void
render_chart (Pixels *p, int width, int height, const StChartData *data,
              const StChartOptions *options)
{
  ChartArgs a = { data, options };

  render (p, width, height, chart_cb, &a);
}

/* Mean row of the blue pixels in column x below the legend, or -1 when there are none. */
static double
blue_row_in_column (const Pixels *p, int x, int top)
{
  double sum = 0.0;
  int n = 0;

  for (int y = top; y < p->height; y++)
    if (is_blue (at (p, x, y)))
      {
        sum += y;
        n++;
      }
  return n > 0 ? sum / n : -1.0;
}

/* The pixel column whose x maps closest to epoch, by the chart's own hit test. */
static int
column_of_epoch (int width, int height, const StChartData *data, const StChartOptions *o,
                 double epoch)
{
  double best = INFINITY;
  int best_x = -1;

  for (int x = 0; x < width; x++)
    {
      StChartHit hit;

      if (st_chart_hit_test (width, height, data, o, x + 0.5, &hit)
          && fabs (hit.epoch - epoch) < best)
        {
          best = fabs (hit.epoch - epoch);
          best_x = x;
        }
    }
  return best_x;
}

#define LEGEND_ROWS 34          /* the legend sits above this row in a panel without title */

static void
falling_run (StChartData *data, int epochs, double (*loss) (int e))
{
  st_chart_data_init (data);
  for (int e = 1; e <= epochs; e++)
    {
      StChartEpoch row = { e, loss (e), NAN, NAN, NAN };
      st_chart_data_add_epoch (data, &row);
    }
}

static double
linear_fall (int e)
{
  return 2.2 - 0.2 * e;
}

static double
halving (int e)
{
  return 4.0 * pow (0.5, e);
}

/* ---- chart -------------------------------------------------------------------------------- */

static void
test_chart_falling_loss (void)
{
  StChartData data;
  StChartOptions o;
  Pixels p;
  int n_blue = 0, top_x = -1, top_y = G_MAXINT, bottom_x = -1, bottom_y = -1;
  StChartHit hit;

  falling_run (&data, 10, linear_fall);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  render_chart (&p, 600, 400, &data, &o);

  for (int y = LEGEND_ROWS; y < p.height; y++)
    for (int x = 0; x < p.width; x++)
      if (is_blue (at (&p, x, y)))
        {
          n_blue++;
          if (y < top_y)
            {
              top_y = y;
              top_x = x;
            }
          if (y > bottom_y)
            {
              bottom_y = y;
              bottom_x = x;
            }
        }
  g_assert_cmpint (n_blue, >, 300);
  /* a falling loss: highest on the left, lowest on the right */
  g_assert_cmpint (top_x, <, p.width / 3);
  g_assert_cmpint (bottom_x, >, 2 * p.width / 3);
  g_assert_cmpint (top_y + 100, <, bottom_y);
  /* and exactly where the data says: the highest pixel is at epoch 1, the lowest at 10 */
  g_assert_true (st_chart_hit_test (600, 400, &data, &o, top_x + 0.5, &hit));
  g_assert_cmpfloat (fabs (hit.epoch - 1.0), <, 0.15);
  g_assert_cmpint (hit.epoch_index, ==, 0);
  g_assert_true (st_chart_hit_test (600, 400, &data, &o, bottom_x + 0.5, &hit));
  g_assert_cmpfloat (fabs (hit.epoch - 10.0), <, 0.15);
  g_assert_cmpint (hit.epoch_index, ==, 9);

  /* the middle epoch lies halfway between, on a linear axis */
  {
    double y1 = blue_row_in_column (&p, column_of_epoch (600, 400, &data, &o, 1.0), LEGEND_ROWS);
    double y10 = blue_row_in_column (&p, column_of_epoch (600, 400, &data, &o, 10.0), LEGEND_ROWS);
    double y55 = blue_row_in_column (&p, column_of_epoch (600, 400, &data, &o, 5.5), LEGEND_ROWS);

    g_assert_cmpfloat (fabs ((y55 - y1) / (y10 - y1) - 0.5), <, 0.04);
  }
  pixels_clear (&p);
  st_chart_data_clear (&data);
}

static double
relative_height_at (const StChartData *data, const StChartOptions *o, double epoch)
{
  Pixels p;
  double y1, y10, y;

  render_chart (&p, 600, 400, data, o);
  y1 = blue_row_in_column (&p, column_of_epoch (600, 400, data, o, 1.0), LEGEND_ROWS);
  y10 = blue_row_in_column (&p, column_of_epoch (600, 400, data, o, 10.0), LEGEND_ROWS);
  y = blue_row_in_column (&p, column_of_epoch (600, 400, data, o, epoch), LEGEND_ROWS);
  pixels_clear (&p);
  g_assert_cmpfloat (y1, >=, 0.0);
  g_assert_cmpfloat (y10, >, y1);
  g_assert_cmpfloat (y, >=, 0.0);
  return (y - y1) / (y10 - y1);
}

static void
test_chart_log_scale (void)
{
  StChartData data;
  StChartOptions o;
  double linear, logarithmic;

  /* loss halves every epoch: a straight line on a log axis, a hockey stick on a linear one */
  falling_run (&data, 10, halving);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  linear = relative_height_at (&data, &o, 4.0);
  o.loss_scale = ST_CHART_SCALE_LOG;
  logarithmic = relative_height_at (&data, &o, 4.0);

  /* linear: (2⁻¹ - 2⁻⁴) / (2⁻¹ - 2⁻¹⁰) ≈ 0.877; log: 3/9 */
  g_assert_cmpfloat (fabs (linear - 0.877), <, 0.03);
  g_assert_cmpfloat (fabs (logarithmic - 1.0 / 3.0), <, 0.04);
  st_chart_data_clear (&data);
}

/* The pointer over a batch early in epoch 2 (x = 1.3): the box names epoch 2 and how far
 * into it, not the finished epoch 1 whose values it also lists, which say they are
 * epoch 1's. */
static void
test_chart_hover_names_batch_epoch (void)
{
  StChartData data;
  StChartOptions o;
  StChartHit hit;
  double best_x = NAN, best_d = INFINITY;
  g_autofree char *text = NULL;

  falling_run (&data, 3, linear_fall);
  for (int b = 1; b <= 30; b++)
    st_chart_data_add_batch (&data, b / 10.0, 2.5 - b * 0.02);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  for (double x = 0; x < 600; x += 1.0)
    if (st_chart_hit_test (600, 400, &data, &o, x, &hit) && fabs (hit.epoch - 1.3) < best_d)
      {
        best_d = fabs (hit.epoch - 1.3);
        best_x = x;
      }
  g_assert_true (isfinite (best_x));
  text = st_chart_hover_text (600, 400, &data, &o, best_x);
  g_test_message ("%s", text);
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "epoch 2 · 30%\n"));
  g_assert_nonnull (strstr (text, "\ntrain, epoch 1 "));
  g_assert_null (st_chart_hover_text (600, 400, &data, &o, -5.0));
  st_chart_data_clear (&data);
}

static void
test_chart_hover (void)
{
  StChartData data;
  StChartOptions o;
  Pixels plain, hovered;
  int changed_at_guide = 0, plot_rows = 0;
  const int gx = 250;
  StChartHit hit;

  falling_run (&data, 10, linear_fall);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  render_chart (&plain, 600, 400, &data, &o);
  o.hover_x = gx + 0.3;
  render_chart (&hovered, 600, 400, &data, &o);

  for (int y = LEGEND_ROWS; y < 400; y++)
    {
      Colour a = at (&plain, gx, y), b = at (&hovered, gx, y);

      /* rows where the plot's grid or background shows in the unhovered picture */
      if (a.r > 200)
        plot_rows++;
      if (!same (a, b) && b.r == b.g && b.g == b.b && b.r < 200)
        changed_at_guide++;
    }
  /* a grey vertical line down most of the plot at exactly the requested column */
  g_assert_cmpint (changed_at_guide, >, 250);
  g_assert_cmpint (changed_at_guide, <=, plot_rows);
  g_assert_true (st_chart_hit_test (600, 400, &data, &o, gx + 0.3, &hit));
  g_assert_cmpint (hit.epoch_index, >=, 0);
  g_assert_cmpfloat (fabs (data.epochs[hit.epoch_index].epoch - hit.epoch), <=, 0.5);
  pixels_clear (&plain);
  pixels_clear (&hovered);

  /* a pointer in the margin draws nothing */
  o.hover_x = NAN;
  render_chart (&plain, 600, 400, &data, &o);
  o.hover_x = 3.0;
  render_chart (&hovered, 600, 400, &data, &o);
  g_assert_false (st_chart_hit_test (600, 400, &data, &o, 3.0, &hit));
  g_assert_cmpint (hit.epoch_index, ==, -1);
  g_assert_cmpmem (plain.data, (gsize) plain.stride * 400, hovered.data,
                   (gsize) hovered.stride * 400);
  pixels_clear (&plain);
  pixels_clear (&hovered);
  st_chart_data_clear (&data);
}

static Box
blue_box (const Pixels *p)
{
  Box b = { G_MAXINT, G_MAXINT, -1, -1, 0 };

  for (int y = LEGEND_ROWS; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      if (is_blue (at (p, x, y)))
        {
          b.left = MIN (b.left, x);
          b.right = MAX (b.right, x);
          b.top = MIN (b.top, y);
          b.bottom = MAX (b.bottom, y);
          b.n++;
        }
  return b;
}

static void
test_chart_nan (void)
{
  StChartData clean, dirty;
  StChartOptions o;
  Pixels pc, pd;
  Box bc, bd;
  StChartEpoch bad[] = {
    { 3.5, NAN, NAN, NAN, NAN },
    { 4.5, INFINITY, NAN, NAN, NAN },
    { 5.5, -INFINITY, NAN, NAN, NAN },
    { NAN, 100.0, NAN, NAN, NAN },
    { INFINITY, 1.0, NAN, NAN, NAN },
  };

  falling_run (&clean, 10, linear_fall);
  st_chart_data_init (&dirty);
  for (int e = 1; e <= 10; e++)
    {
      st_chart_data_add_epoch (&dirty, &clean.epochs[e - 1]);
      if (e >= 3 && e <= 7)
        st_chart_data_add_epoch (&dirty, &bad[e - 3]);
    }
  st_chart_data_add_batch (&dirty, 0.5, NAN);
  st_chart_data_add_batch (&dirty, 0.7, INFINITY);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  render_chart (&pc, 500, 320, &clean, &o);
  render_chart (&pd, 500, 320, &dirty, &o);
  bc = blue_box (&pc);
  bd = blue_box (&pd);

  /* the same curve with gaps: nothing beyond where the clean curve reaches */
  g_assert_cmpint (bd.n, >, 100);
  g_assert_cmpint (bd.left, >=, bc.left - 1);
  g_assert_cmpint (bd.right, <=, bc.right + 1);
  g_assert_cmpint (bd.top, >=, bc.top - 1);
  g_assert_cmpint (bd.bottom, <=, bc.bottom + 1);
  g_assert_cmpint (bd.n, <, bc.n);
  pixels_clear (&pc);
  pixels_clear (&pd);

  /* all of it NaN: the empty state, no curve */
  st_chart_data_clear (&dirty);
  for (int i = 0; i < 5; i++)
    st_chart_data_add_epoch (&dirty, &bad[i]);
  render_chart (&pd, 500, 320, &dirty, &o);
  bd = blue_box (&pd);
  g_assert_cmpint (bd.n, ==, 0);
  pixels_clear (&pd);

  st_chart_data_clear (&clean);
  st_chart_data_clear (&dirty);
}

static void
test_chart_empty (void)
{
  StChartData data;
  StChartOptions o;
  Pixels p;

  st_chart_data_init (&data);
  st_chart_options_init (&o);
  render_chart (&p, 640, 300, &data, &o);
  g_assert_cmpint (ink_in (&p, 220, 140, 420, 160), >, 100);
  g_assert_cmpint (blue_box (&p).n, ==, 0);
  pixels_clear (&p);

  render_chart (&p, 640, 300, NULL, NULL);
  g_assert_cmpint (ink_in (&p, 220, 140, 420, 160), >, 100);
  pixels_clear (&p);

  /* the caller's (translated) text */
  o.empty_text = "还没有数据";
  render_chart (&p, 640, 300, &data, &o);
  g_assert_cmpint (ink_in (&p, 280, 140, 360, 160), >, 30);
  pixels_clear (&p);

  /* too small to draw anything must still not fail */
  render_chart (&p, 1, 1, &data, &o);
  pixels_clear (&p);
}

static void
text_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  st_render_set_font (cr, 40.0, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_text_at (cr, user_data, w / 2, h / 2, 0.5, 0.5);
}

/* The extent of the pixels that are not the background. */
static Box
ink_box (const Pixels *p)
{
  Colour bg = at (p, 0, 0);
  Box b = { p->width, p->height, -1, -1, 0 };

  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      if (!same (at (p, x, y), bg))
        {
          b.left = MIN (b.left, x);
          b.top = MIN (b.top, y);
          b.right = MAX (b.right, x);
          b.bottom = MAX (b.bottom, y);
          b.n++;
        }
  return b;
}

/* Chinese labels are drawn with their glyphs, from whatever font has them: "一" is one
 * stroke, wide and flat, where a missing glyph's box (Cairo's own text API, one font for
 * everything) is as tall as the line. */
static void
test_text_cjk (void)
{
  PangoContext *context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  PangoLayout *layout = pango_layout_new (context);
  int unknown;
  Pixels p;
  Box one, field;

  pango_layout_set_text (layout, "一田", -1);
  unknown = pango_layout_get_unknown_glyphs_count (layout);
  g_object_unref (layout);
  g_object_unref (context);
  if (unknown > 0)
    {
      g_test_skip ("no font with Chinese glyphs (fonts-wqy-microhei, say) on this system");
      return;
    }

  render (&p, 200, 100, text_cb, "一");
  one = ink_box (&p);
  pixels_clear (&p);
  g_test_message ("一: %d×%d px", one.right - one.left + 1, one.bottom - one.top + 1);
  g_assert_cmpint (one.n, >, 0);
  g_assert_cmpint (one.right - one.left + 1, >, 24);     /* most of the 40 px em */
  g_assert_cmpint (one.bottom - one.top + 1, <, 12);     /* one stroke high */

  render (&p, 200, 100, text_cb, "田");
  field = ink_box (&p);
  pixels_clear (&p);
  g_test_message ("田: %d×%d px", field.right - field.left + 1, field.bottom - field.top + 1);
  g_assert_cmpint (field.bottom - field.top + 1, >, 24);
  /* centred on the point asked for, as Latin text is */
  g_assert_cmpint (ABS ((field.left + field.right) / 2 - 100), <, 6);
}

static void
test_chart_one_point (void)
{
  StChartData data;
  StChartOptions o;
  StChartEpoch row = { 1, 0.5, 0.6, 0.8, 0.78 };
  Pixels p;
  Box b;

  st_chart_data_init (&data);
  st_chart_data_add_epoch (&data, &row);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  render_chart (&p, 400, 300, &data, &o);
  b = blue_box (&p);
  /* a single point shows as a dot, not as nothing */
  g_assert_cmpint (b.n, >=, 8);
  g_assert_cmpint (b.right - b.left, <=, 10);
  pixels_clear (&p);
  st_chart_data_clear (&data);
}

static void
test_chart_many_points (void)
{
  StChartData data;
  StChartOptions o;
  const int n = 200000, spike = 123457;
  double start;
  Pixels p;
  Box b;
  StChartHit hit;

  st_chart_data_init (&data);
  for (int i = 0; i < n; i++)
    st_chart_data_add_batch (&data, 20.0 * (i + 1) / n, i == spike ? 5.0 : 1.0 + 0.1 * sin (i));
  g_assert_cmpuint (data.n_batches, ==, (guint) n);
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;

  start = g_get_monotonic_time ();
  render_chart (&p, 800, 400, &data, &o);
  g_test_message ("200 000 batches drawn in %.1f ms", (g_get_monotonic_time () - start) / 1e3);

  /* decimation keeps the one spike: the highest blue pixel is at its epoch */
  b = blue_box (&p);
  g_assert_cmpint (b.n, >, 500);
  for (int x = 0; x < p.width; x++)
    if (is_blue (at (&p, x, b.top)))
      {
        g_assert_true (st_chart_hit_test (800, 400, &data, &o, x + 0.5, &hit));
        g_assert_cmpfloat (fabs (hit.epoch - 20.0 * (spike + 1) / n), <, 0.1);
        break;
      }
  pixels_clear (&p);
  st_chart_data_clear (&data);
}

static void
test_chart_layouts (void)
{
  StChartData data, previous;
  StChartOptions o;
  Pixels p;

  falling_run (&data, 10, linear_fall);
  falling_run (&previous, 8, halving);
  for (int i = 0; i < 100; i++)
    st_chart_data_add_batch (&data, i / 10.0 + 0.1, 2.0 - i / 60.0);
  for (gsize i = 0; i < data.n_epochs; i++)
    data.epochs[i].test_acc = data.epochs[i].train_acc = 0.5 + i * 0.04;
  data.previous = &previous;
  st_chart_options_init (&o);
  o.title = "LeNet-5";
  o.smoothing = 0.6;
  o.hover_x = 200.0;

  for (int layout = ST_CHART_LAYOUT_AUTO; layout <= ST_CHART_LAYOUT_STACKED; layout++)
    for (int theme = ST_THEME_LIGHT; theme <= ST_THEME_DARK; theme++)
      {
        o.layout = layout;
        o.theme = theme;
        render_chart (&p, 700, 500, &data, &o);
        g_assert_cmpint (blue_box (&p).n, >, 200);
        pixels_clear (&p);
      }

  /* tiny sizes lay out without negative areas or failures */
  for (int w = 2; w < 120; w += 13)
    {
      render_chart (&p, w, w / 2 + 1, &data, &o);
      pixels_clear (&p);
    }
  st_chart_data_clear (&data);
  st_chart_data_clear (&previous);
}

static void
test_chart_smoothing (void)
{
  StChartData data;
  StChartOptions o;
  Pixels raw, smooth;

  st_chart_data_init (&data);
  for (int i = 0; i < 400; i++)
    st_chart_data_add_batch (&data, (i + 1) / 100.0, 1.0 + (i % 2 ? 0.5 : -0.5));
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  render_chart (&raw, 500, 300, &data, &o);
  o.smoothing = 0.9;
  render_chart (&smooth, 500, 300, &data, &o);
  g_assert_true (memcmp (raw.data, smooth.data, (gsize) raw.stride * 300) != 0);
  pixels_clear (&raw);
  pixels_clear (&smooth);
  st_chart_data_clear (&data);
}

/* ---- saving ------------------------------------------------------------------------------- */

static void
test_save (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("strata-render-XXXXXX", &error);
  g_autofree char *png = NULL, *svg = NULL, *jpg = NULL, *bad = NULL, *maps_png = NULL;
  g_autofree char *contents = NULL;
  cairo_surface_t *loaded;
  StChartData data;
  Pixels p;
  float maps[2 * 4 * 4];

  g_assert_no_error (error);
  png = g_build_filename (dir, "chart.png", NULL);
  svg = g_build_filename (dir, "chart.SVG", NULL);
  jpg = g_build_filename (dir, "chart.jpg", NULL);
  bad = g_build_filename (dir, "missing", "chart.png", NULL);
  maps_png = g_build_filename (dir, "maps.png", NULL);
  falling_run (&data, 5, linear_fall);

  g_assert_true (st_chart_save (png, 320, 200, &data, NULL, &error));
  g_assert_no_error (error);
  loaded = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (loaded), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (loaded), ==, 320);
  g_assert_cmpint (cairo_image_surface_get_height (loaded), ==, 200);
  pixels_init (&p, loaded);
  g_assert_cmpint (blue_box (&p).n, >, 50);
  pixels_clear (&p);

  g_assert_true (st_chart_save (svg, 320, 200, &data, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml") || g_str_has_prefix (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));

  g_assert_false (st_chart_save (jpg, 320, 200, &data, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, jpg));
  g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_false (st_chart_save (bad, 320, 200, &data, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);

  for (int i = 0; i < 32; i++)
    maps[i] = i;
  g_assert_true (st_feature_maps_save (maps_png, 100, 60, &(StImageView) { maps, 2, 4, 4 }, NULL,
                                       &error));
  g_assert_no_error (error);
  loaded = cairo_image_surface_create_from_png (maps_png);
  g_assert_cmpint (cairo_surface_status (loaded), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (loaded);

  g_assert_cmpint (g_remove (png), ==, 0);
  g_assert_cmpint (g_remove (svg), ==, 0);
  g_assert_cmpint (g_remove (maps_png), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  st_chart_data_clear (&data);
}

static void
test_save_csv (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("strata-render-XXXXXX", &error);
  g_autofree char *csv = NULL, *bad = NULL, *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) cells = NULL;
  StChartEpoch first = { 1.0, 2.0, 1.75, 0.25, 0.5 };
  StChartEpoch second = { 2.0, 1.5, NAN, 0.625, NAN };
  StChartData data;

  g_assert_no_error (error);
  csv = g_build_filename (dir, "run.csv", NULL);
  bad = g_build_filename (dir, "missing", "run.csv", NULL);
  st_chart_data_init (&data);
  st_chart_data_add_batch (&data, 0.5, 2.5);
  st_chart_data_add_batch (&data, 1.0, 2.25);
  st_chart_data_add_epoch (&data, &first);
  st_chart_data_add_batch (&data, 1.5, INFINITY);
  st_chart_data_add_batch (&data, 2.0, 1.0 / 3.0);
  st_chart_data_add_epoch (&data, &second);

  g_assert_true (st_chart_data_save_csv (&data, csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (contents, "\n"));
  lines = g_strsplit (contents, "\n", -1);
  /* the header, 4 batches, 2 epochs, and the empty string after the last newline */
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 4 + 2 + 1);
  g_assert_cmpstr (lines[0], ==, "kind,epoch,loss,train_loss,train_acc,test_loss,test_acc");
  g_assert_cmpstr (lines[1], ==, "batch,0.5,2.5,,,,");
  g_assert_cmpstr (lines[2], ==, "batch,1,2.25,,,,");
  g_assert_cmpstr (lines[3], ==, "epoch,1,,2,0.25,1.75,0.5");
  g_assert_cmpstr (lines[4], ==, "batch,1.5,,,,,");
  g_assert_cmpstr (lines[6], ==, "epoch,2,,1.5,0.625,,");
  g_assert_cmpstr (lines[7], ==, "");
  for (guint i = 0; i < 7; i++)
    {
      g_auto(GStrv) row = g_strsplit (lines[i], ",", -1);

      g_assert_cmpuint (g_strv_length (row), ==, 7);
    }
  cells = g_strsplit (lines[5], ",", -1);
  g_assert_cmpstr (cells[0], ==, "batch");
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (cells[2], NULL), 1.0 / 3.0, 1e-8);

  g_assert_false (st_chart_data_save_csv (&data, bad, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (error != NULL ? strstr (error->message, bad) : NULL);

  g_assert_cmpint (g_remove (csv), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  st_chart_data_clear (&data);
}

/* ---- the trainer's events as rows ------------------------------------------------------- */

static StTrainerEvent
batch_event (int epoch, gint64 batch, gint64 n_batches, double loss)
{
  return (StTrainerEvent) { .kind = ST_TRAINER_EVENT_BATCH, .epoch = epoch, .n_epochs = 2,
                            .batch = batch, .n_batches = n_batches, .loss = loss,
                            .examples_per_sec = 100.0 };
}

/* Batch b of B in epoch e lands at e - 1 + b / B; an epoch's metrics make one row; the loss of
 * a diverging batch (NaN, huge) is passed through for the renderer to leave out; the other
 * events add nothing. */
static void
test_chart_feed (void)
{
  const StTrainerEvent quiet[] = {
    { .kind = ST_TRAINER_EVENT_STATUS, .message = "loading" },
    { .kind = ST_TRAINER_EVENT_STARTED, .message = "CPU" },
    { .kind = ST_TRAINER_EVENT_CHECKPOINT, .message = "best.safetensors" },
    { .kind = ST_TRAINER_EVENT_SNAPSHOT },
    { .kind = ST_TRAINER_EVENT_FINISHED, .stopped = TRUE },
  };
  const double xs[] = { 0.25, 0.5, 0.75, 1.0, 1.25, 1.5 };
  StTrainerEvent epoch = { .kind = ST_TRAINER_EVENT_EPOCH, .epoch = 1, .n_epochs = 2,
                           .metrics = { .epoch = 1, .train_loss = 0.8, .train_acc = 0.7,
                                        .test_loss = 0.9, .test_acc = 0.65 } };
  StTrainerEvent e;
  StChartData data;

  st_chart_data_init (&data);
  st_chart_data_add_batch (&data, 3.0, 1.0);
  st_chart_data_begin_run (&data, 2);
  g_assert_cmpuint (data.n_batches, ==, 0);
  g_assert_cmpfloat (data.planned_epochs, ==, 2.0);

  for (gint64 b = 1; b <= 4; b++)
    {
      e = batch_event (1, b, 4, 2.0 / b);
      g_assert_true (st_chart_data_add_event (&data, &e));
    }
  g_assert_true (st_chart_data_add_event (&data, &epoch));
  e = batch_event (2, 1, 4, NAN);
  g_assert_true (st_chart_data_add_event (&data, &e));
  e = batch_event (2, 2, 4, 1e30);
  g_assert_true (st_chart_data_add_event (&data, &e));
  for (gsize i = 0; i < G_N_ELEMENTS (quiet); i++)
    g_assert_false (st_chart_data_add_event (&data, &quiet[i]));

  g_assert_cmpuint (data.n_batches, ==, G_N_ELEMENTS (xs));
  for (gsize i = 0; i < G_N_ELEMENTS (xs); i++)
    g_assert_cmpfloat_with_epsilon (data.batches[i].epoch, xs[i], 1e-12);
  g_assert_cmpfloat (data.batches[0].loss, ==, 2.0);
  g_assert_cmpfloat (data.batches[3].loss, ==, 0.5);
  g_assert_true (isnan (data.batches[4].loss));
  g_assert_cmpfloat (data.batches[5].loss, ==, 1e30);

  g_assert_cmpuint (data.n_epochs, ==, 1);
  g_assert_cmpfloat (data.epochs[0].epoch, ==, 1.0);
  g_assert_cmpfloat (data.epochs[0].train_loss, ==, 0.8);
  g_assert_cmpfloat (data.epochs[0].test_loss, ==, 0.9);
  g_assert_cmpfloat (data.epochs[0].train_acc, ==, 0.7);
  g_assert_cmpfloat (data.epochs[0].test_acc, ==, 0.65);
  g_assert_cmpfloat (data.planned_epochs, ==, 2.0);
  st_chart_data_clear (&data);
}

/* Pixels within 12 of `c` in each channel, under the legend of the left (loss) panel. */
static int
count_colour (const Pixels *p, const StRgba *c, int x1)
{
  int n = 0;

  for (int y = LEGEND_ROWS; y < p->height; y++)
    for (int x = 0; x < x1; x++)
      {
        Colour k = at (p, x, y);

        n += abs (k.r - (int) (c->r * 255)) <= 12 && abs (k.g - (int) (c->g * 255)) <= 12
             && abs (k.b - (int) (c->b * 255)) <= 12;
      }
  return n;
}

/* Runs compared: each drawn in its own category colour with its label in the legend; with
 * no data of its own the chart shows no "press Start". */
static void
test_overlays (void)
{
  StChartData runs[3], all;
  StChartOverlay overlays[3] = {
    { &runs[0], "lr 0.9" }, { &runs[1], "lr 0.3" }, { &runs[2], "lr 0.1" },
  };
  StChartOptions o;
  Pixels px, none;
  int counts[3];

  falling_run (&runs[0], 5, linear_fall);
  falling_run (&runs[1], 5, halving);
  falling_run (&runs[2], 3, linear_fall);
  for (int r = 0; r < 3; r++)
    for (gsize i = 0; i < runs[r].n_epochs; i++)
      runs[r].epochs[i].test_loss = runs[r].epochs[i].train_loss + 0.1 * (r + 1);
  st_chart_data_init (&all);
  all.overlays = overlays;
  all.n_overlays = 3;
  st_chart_options_init (&o);
  o.panels = ST_CHART_PANELS_LOSS;
  render_chart (&px, 600, 360, &all, &o);
  for (int i = 0; i < 3; i++)
    {
      counts[i] = count_colour (&px, &st_render_tab10[i], px.width);
      g_test_message ("overlay %d: %d pixels of its colour", i, counts[i]);
      g_assert_cmpint (counts[i], >, 50);
    }
  /* the labels make the legend: ink in its row */
  g_assert_cmpint (ink_in (&px, px.width / 2, 0, px.width, LEGEND_ROWS - 4), >, 100);

  /* none of them: the message alone, no category colour */
  all.n_overlays = 0;
  render_chart (&none, 600, 360, &all, &o);
  g_assert_cmpint (count_colour (&none, &st_render_tab10[2], none.width), ==, 0);

  pixels_clear (&px);
  pixels_clear (&none);
  for (int i = 0; i < 3; i++)
    st_chart_data_clear (&runs[i]);
}

typedef struct {
  const StRidgePanel *panels;
  int                 n;
} RidgeArgs;

static void
ridge_cb (cairo_t *cr, double w, double h, gconstpointer data)
{
  const RidgeArgs *a = data;

  st_ridge_render (cr, w, h, a->panels, a->n, a->n, ST_THEME_LIGHT);
}

/* Histograms over the epochs: the front (last) row in full colour low in the panel, the
 * earlier ones above it, fainter; a panel without rows draws its title alone. */
static void
test_ridge (void)
{
  static const guint32 narrow[8] = { 0, 0, 1, 9, 9, 1, 0, 0 };
  static const guint32 wide[8] = { 3, 4, 5, 6, 6, 5, 4, 3 };
  const StRidgeRow rows[3] = {
    { 1, -1.0, 1.0, wide, 8 }, { 2, -1.0, 1.0, wide, 8 }, { 3, -0.5, 0.5, narrow, 8 },
  };
  const StRidgePanel panels[2] = {
    { "0.weight: weights", rows, 3, &st_render_tab_blue },
    { "empty", NULL, 0, &st_render_tab_blue },
  };
  RidgeArgs a = { panels, 2 };
  Pixels px;
  int front = 0, back = 0;

  render (&px, 800, 400, ridge_cb, &a);
  /* the left panel: full-colour outline pixels in its lower third, none above */
  for (int y = 0; y < px.height; y++)
    for (int x = 0; x < px.width / 2; x++)
      {
        Colour c = at (&px, x, y);

        if (abs (c.r - 0x1f) <= 10 && abs (c.g - 0x77) <= 10 && abs (c.b - 0xb4) <= 10)
          {
            if (y > px.height * 2 / 3)
              front++;
            else
              back++;
          }
      }
  g_test_message ("full-colour pixels: %d in the front row's third, %d above", front, back);
  g_assert_cmpint (front, >, 50);
  g_assert_cmpint (back, ==, 0);
  /* the earlier rows are drawn too, fainter, above */
  g_assert_cmpint (ink_in (&px, 20, 40, px.width / 2 - 20, px.height / 2), >, 200);
  /* the empty panel: its title, and nothing under it */
  g_assert_cmpint (ink_in (&px, px.width / 2 + 10, 40, px.width - 10, px.height - 10), ==, 0);
  pixels_clear (&px);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/render/chart/feed", test_chart_feed);
  g_test_add_func ("/render/chart/falling-loss", test_chart_falling_loss);
  g_test_add_func ("/render/chart/log-scale", test_chart_log_scale);
  g_test_add_func ("/render/chart/hover-names-batch-epoch", test_chart_hover_names_batch_epoch);
  g_test_add_func ("/render/chart/hover", test_chart_hover);
  g_test_add_func ("/render/chart/nan", test_chart_nan);
  g_test_add_func ("/render/chart/empty", test_chart_empty);
  g_test_add_func ("/render/chart/one-point", test_chart_one_point);
  g_test_add_func ("/render/chart/many-points", test_chart_many_points);
  g_test_add_func ("/render/chart/layouts", test_chart_layouts);
  g_test_add_func ("/render/chart/smoothing", test_chart_smoothing);
  g_test_add_func ("/render/text/cjk", test_text_cjk);
  g_test_add_func ("/render/save", test_save);
  g_test_add_func ("/render/save-csv", test_save_csv);
  g_test_add_func ("/render/overlays", test_overlays);
  g_test_add_func ("/render/ridge", test_ridge);

  return g_test_run ();
}
