/* test-render.c: the Cairo renderers, checked on real pixels with no display.
 *
 * Everything renders into an image surface; each test asks where the colours landed: the
 * blue train curve, the hover guide, the feature-map tiles, the confusion matrix's darkest
 * cells. Pixel positions that depend on the layout come from the renderers' own hit tests.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ui/chart-csv.h"
#include "ui/chart-render.h"
#include "ui/grid-render.h"

/* ---- pixels ------------------------------------------------------------------------------- */

typedef struct {
  cairo_surface_t *surface;
  const guint8    *data;
  int              width, height, stride;
} Pixels;

typedef struct {
  int r, g, b;
} Colour;

static void
pixels_init (Pixels *p, cairo_surface_t *surface)
{
  cairo_surface_flush (surface);
  p->surface = surface;
  p->data = cairo_image_surface_get_data (surface);
  p->width = cairo_image_surface_get_width (surface);
  p->height = cairo_image_surface_get_height (surface);
  p->stride = cairo_image_surface_get_stride (surface);
}

static void
pixels_clear (Pixels *p)
{
  g_clear_pointer (&p->surface, cairo_surface_destroy);
}

/* The renderers paint an opaque background, so premultiplication does not matter here. */
static Colour
at (const Pixels *p, int x, int y)
{
  guint32 v = *(const guint32 *) (gconstpointer) (p->data + (gsize) y * p->stride + 4 * (gsize) x);

  return (Colour) { (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
}

static gboolean
same (Colour a, Colour b)
{
  return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* tab:blue #1f77b4, alone or blended over the light background */
static gboolean
is_blue (Colour c)
{
  return c.b > c.r + 50 && c.b > c.g + 20;
}

static double
luminance (Colour c)
{
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

static void
render (Pixels *p, int width, int height, StRenderFunc func, gconstpointer user_data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  func (cr, width, height, user_data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  pixels_init (p, surface);
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

typedef struct {
  int left, top, right, bottom, n;
} Box;

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

static int
ink_in (const Pixels *p, int x0, int y0, int x1, int y1)
{
  Colour bg = at (p, 0, 0);
  int n = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      n += !same (at (p, x, y), bg);
  return n;
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

/* ---- feature maps ------------------------------------------------------------------------- */

typedef struct {
  int x0, x1, y0, y1;           /* a tile's extent, frame included, end exclusive */
} Tile;

/* Finds the tiles as the regions not in the background colour: bands of rows that cross the
 * same number of long runs. Labels are short runs and do not count. */
static int
find_tiles (const Pixels *p, Tile *tiles, int max_tiles, int top)
{
  Colour bg = at (p, 0, p->height - 1);
  int n = 0, band_runs = 0, band_start = -1;
  int runs_x0[64], runs_x1[64];

  for (int y = top; y <= p->height; y++)
    {
      int runs = 0, x0s[64], x1s[64];

      for (int x = 0; y < p->height && x < p->width;)
        {
          int start;

          if (same (at (p, x, y), bg))
            {
              x++;
              continue;
            }
          start = x;
          while (x < p->width && !same (at (p, x, y), bg))
            x++;
          if (x - start >= 10 && runs < 64)
            {
              x0s[runs] = start;
              x1s[runs] = x;
              runs++;
            }
        }
      if (runs != band_runs || y == p->height)
        {
          if (band_runs > 0 && y - band_start >= 10)
            for (int i = 0; i < band_runs && n < max_tiles; i++)
              tiles[n++] = (Tile) { runs_x0[i], runs_x1[i], band_start, y };
          band_runs = runs;
          band_start = y;
          memcpy (runs_x0, x0s, sizeof (int) * runs);
          memcpy (runs_x1, x1s, sizeof (int) * runs);
        }
    }
  return n;
}

static float *
make_maps (int c, int h, int w)
{
  float *maps = g_new (float, (gsize) c * h * w);

  /* a soft gradient in each map, and its maximum at (2 + 3c mod h, 1 + 5c mod w) */
  for (int k = 0; k < c; k++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        maps[(k * h + y) * w + x] = (k + 1) * (0.3 * x / w + 0.2 * y / h) - k;
  for (int k = 0; k < c; k++)
    maps[(k * h + (2 + 3 * k) % h) * w + (1 + 5 * k) % w] = (k + 1) * 2.0f - k;
  return maps;
}

typedef struct {
  const StImageView   *maps;
  const StGridOptions *options;
} MapsArgs;

static void
maps_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const MapsArgs *a = user_data;

  st_feature_maps_render (cr, w, h, a->maps, a->options);
}

static void
check_maps (int c, int h, int w, int width, int height)
{
  g_autofree float *data = make_maps (c, h, w);
  StImageView maps = { data, c, h, w };
  StGridOptions o;
  MapsArgs args = { &maps, &o };
  Tile tiles[64];
  Pixels p;
  int n;

  /* the dark theme: the gray map's white maximum must not look like the background */
  st_grid_options_init (&o);
  o.theme = ST_THEME_DARK;
  render (&p, width, height, maps_cb, &args);
  n = find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0);
  g_assert_cmpint (n, ==, c);

  for (int k = 0; k < n; k++)
    {
      const Tile *t = &tiles[k];
      double scale = (t->x1 - t->x0 - 2) / (double) w;
      int bx = -1, by = -1, channel;
      double best = -1.0;

      g_assert_cmpfloat (fabs ((t->y1 - t->y0 - 2) / (double) h - scale), <, 0.01);
      for (int y = t->y0 + 1; y < t->y1 - 1; y++)
        for (int x = t->x0 + 1; x < t->x1 - 1; x++)
          if (luminance (at (&p, x, y)) > best)
            {
              best = luminance (at (&p, x, y));
              bx = x;
              by = y;
            }
      /* the tiles are in channel order, which the hit test confirms */
      channel = st_feature_maps_hit_test (width, height, &maps, &o, bx + 0.5, by + 0.5);
      g_assert_cmpint (channel, ==, k);
      g_assert_cmpint ((int) ((bx - t->x0 - 1) / scale), ==, (1 + 5 * k) % w);
      g_assert_cmpint ((int) ((by - t->y0 - 1) / scale), ==, (2 + 3 * k) % h);
      g_assert_cmpfloat (best, >, 250.0);
    }
  pixels_clear (&p);

  /* the light theme and viridis: still one region per map */
  o.theme = ST_THEME_LIGHT;
  o.colormap = ST_COLORMAP_VIRIDIS;
  render (&p, width, height, maps_cb, &args);
  g_assert_cmpint (find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0), ==, c);
  pixels_clear (&p);
}

static void
test_maps_conv1 (void)
{
  check_maps (6, 28, 28, 520, 340);
}

static void
test_maps_conv2 (void)
{
  check_maps (16, 10, 10, 520, 340);
}

static void
test_maps_joint (void)
{
  g_autofree float *data = make_maps (2, 8, 8);
  StImageView maps = { data, 2, 8, 8 };
  StGridOptions o;
  MapsArgs args = { &maps, &o };
  Tile tiles[4];
  double brightest[2] = { 0.0, 0.0 };
  Pixels p;

  /* map 1 is ten times as strong as map 0 */
  for (int i = 0; i < 64; i++)
    data[64 + i] = data[i] * 10.0f;
  st_grid_options_init (&o);
  o.theme = ST_THEME_DARK;
  o.normalize = ST_NORMALIZE_JOINT;
  render (&p, 300, 160, maps_cb, &args);
  g_assert_cmpint (find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0), ==, 2);
  for (int k = 0; k < 2; k++)
    for (int y = tiles[k].y0 + 1; y < tiles[k].y1 - 1; y++)
      for (int x = tiles[k].x0 + 1; x < tiles[k].x1 - 1; x++)
        brightest[k] = MAX (brightest[k], luminance (at (&p, x, y)));
  g_assert_cmpfloat (brightest[1], >, 250.0);
  g_assert_cmpfloat (brightest[0], <, 60.0);
  pixels_clear (&p);
}

static void
test_maps_robust (void)
{
  float data[3 * 4 * 4] = { 0 };
  StImageView maps = { data, 3, 4, 4 };
  MapsArgs args = { &maps, NULL };
  StImageView bad = { NULL, 3, 4, 4 };
  Pixels p;
  int red = 0;

  /* a constant map, a NaN, an infinity */
  data[16 + 5] = NAN;
  data[32 + 6] = INFINITY;
  data[32 + 7] = 1.0f;
  render (&p, 200, 100, maps_cb, &args);
  for (int y = 0; y < 100; y++)
    for (int x = 0; x < 200; x++)
      {
        Colour c = at (&p, x, y);
        red += c.r > 200 && c.g < 60 && c.b < 60;
      }
  g_assert_cmpint (red, >, 0);
  pixels_clear (&p);

  args.maps = &bad;
  render (&p, 200, 100, maps_cb, &args);
  g_assert_cmpint (ink_in (&p, 0, 0, 200, 100), ==, 0);
  pixels_clear (&p);
  args.maps = NULL;
  render (&p, 200, 100, maps_cb, &args);
  pixels_clear (&p);
  g_assert_cmpint (st_feature_maps_hit_test (200, 100, NULL, NULL, 10, 10), ==, -1);
}

/* ---- images ------------------------------------------------------------------------------- */

typedef struct {
  const StImageView   *image;
  const StGridOptions *options;
} ImageArgs;

static void
image_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ImageArgs *a = user_data;

  st_image_render (cr, w, h, a->image, a->options);
}

static void
test_image_nearest (void)
{
  float checker[4 * 4], rgb[3 * 2 * 2];
  StImageView gray = { checker, 1, 4, 4 }, colour = { rgb, 3, 2, 2 };
  ImageArgs args = { &gray, NULL };
  Pixels p;
  int blends = 0, black = 0;
  Box red = { G_MAXINT, G_MAXINT, -1, -1, 0 }, blue = { G_MAXINT, G_MAXINT, -1, -1, 0 };

  /* values in any range: -3 and 7 become black and white */
  for (int i = 0; i < 16; i++)
    checker[i] = ((i / 4 + i % 4) % 2) ? 7.0f : -3.0f;
  render (&p, 203, 150, image_cb, &args);
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 203; x++)
      {
        Colour c = at (&p, x, y);

        if (c.r == c.g && c.g == c.b)
          {
            black += c.r == 0;
            blends += c.r > 0 && c.r < 255;
          }
      }
  /* nearest neighbour: every pixel of the image is exactly black or white */
  g_assert_cmpint (blends, ==, 0);
  g_assert_cmpint (black, >, 4000);
  pixels_clear (&p);

  /* RGB: a red column and a blue column, values far outside [0, 1] */
  for (int i = 0; i < 12; i++)
    rgb[i] = -50.0f;
  rgb[0] = rgb[2] = 250.0f;                   /* R plane, left column */
  rgb[8 + 1] = rgb[8 + 3] = 250.0f;           /* B plane, right column */
  args.image = &colour;
  render (&p, 200, 200, image_cb, &args);
  for (int y = 0; y < 200; y++)
    for (int x = 0; x < 200; x++)
      {
        Colour c = at (&p, x, y);
        Box *b = c.r == 255 && c.g == 0 && c.b == 0 ? &red
                 : c.r == 0 && c.g == 0 && c.b == 255 ? &blue : NULL;

        if (b == NULL)
          continue;
        b->left = MIN (b->left, x);
        b->right = MAX (b->right, x);
        b->n++;
      }
  g_assert_cmpint (red.n, >, 5000);
  g_assert_cmpint (blue.n, ==, red.n);
  g_assert_cmpint (red.right, <, blue.left);
  pixels_clear (&p);
}

/* ---- confusion matrix --------------------------------------------------------------------- */

typedef struct {
  const StConfusion   *confusion;
  const StGridOptions *options;
} ConfusionArgs;

static void
confusion_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ConfusionArgs *a = user_data;

  st_confusion_render (cr, w, h, a->confusion, a->options);
}

static void
check_diagonal_darkest (const gint64 *counts, int k)
{
  static const char *const names[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat" };
  StConfusion confusion = { names, counts, k };
  ConfusionArgs args = { &confusion, NULL };
  Pixels p;
  Box m = { G_MAXINT, G_MAXINT, -1, -1, 0 };
  double cell, lum[5][5];

  render (&p, 420, 400, confusion_cb, &args);
  /* the matrix is where the blue ramp is (even a 0 share is a faint blue, #f7fbff) */
  for (int y = 0; y < p.height; y++)
    for (int x = 0; x < p.width; x++)
      {
        Colour c = at (&p, x, y);

        if (c.g >= c.r + 3 && c.b >= c.g + 3)
          {
            m.left = MIN (m.left, x);
            m.right = MAX (m.right, x);
            m.top = MIN (m.top, y);
            m.bottom = MAX (m.bottom, y);
          }
      }
  cell = (m.right - m.left + 1) / (double) k;
  g_assert_cmpfloat (fabs ((m.bottom - m.top + 1) / (double) k - cell), <, 1.0);
  g_assert_cmpfloat (cell, >, 30.0);

  /* sample each cell away from its centred count */
  for (int r = 0; r < k; r++)
    for (int c = 0; c < k; c++)
      lum[r][c] = luminance (at (&p, m.left + (int) ((c + 0.15) * cell),
                                 m.top + (int) ((r + 0.15) * cell)));
  for (int r = 0; r < k; r++)
    for (int i = 0; i < k; i++)
      for (int j = 0; j < k; j++)
        if (i != j)
          g_assert_cmpfloat (lum[r][r], <, lum[i][j]);
  pixels_clear (&p);
}

static void
test_confusion (void)
{
  gint64 diagonal[16] = { 0 }, mostly[25];

  for (int i = 0; i < 4; i++)
    diagonal[i * 4 + i] = 100 + 50 * i;
  check_diagonal_darkest (diagonal, 4);

  for (int r = 0; r < 5; r++)
    for (int c = 0; c < 5; c++)
      mostly[r * 5 + c] = r == c ? 80 + r : (r + c) % 4;
  check_diagonal_darkest (mostly, 5);
}

/* ---- probabilities and gallery ------------------------------------------------------------ */

typedef struct {
  const StProbabilities *probs;
  const StGridOptions   *options;
} ProbsArgs;

static void
probs_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ProbsArgs *a = user_data;

  st_probabilities_render (cr, w, h, a->probs, a->options);
}

static void
test_probabilities (void)
{
  float probs[10] = { 0.01f, 0.01f, 0.02f, 0.01f, 0.05f, 0.0f, 0.0f, 0.0f, 0.9f, 0.0f };
  StProbabilities P = { NULL, probs, 10, 8 };
  ProbsArgs args = { &P, NULL };
  Pixels p;
  Box blue = { G_MAXINT, G_MAXINT, -1, -1, 0 };
  int red = 0;

  render (&p, 300, 300, probs_cb, &args);
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 300; x++)
      {
        Colour c = at (&p, x, y);

        if (c.r == 0x1f && c.g == 0x77 && c.b == 0xb4)
          {
            blue.top = MIN (blue.top, y);
            blue.bottom = MAX (blue.bottom, y);
            blue.left = MIN (blue.left, x);
            blue.right = MAX (blue.right, x);
            blue.n++;
          }
        red += c.r == 0xd6 && c.g == 0x27 && c.b == 0x28;
      }
  /* the prediction, class 8 of 10, is right: one blue bar in the ninth row, 90% long */
  g_assert_cmpint (blue.n, >, 100);
  g_assert_cmpint (red, ==, 0);
  g_assert_cmpint ((blue.top + blue.bottom) / 2, >, 300 * 7 / 10);
  g_assert_cmpint ((blue.top + blue.bottom) / 2, <, 300 * 9 / 10);
  pixels_clear (&p);

  /* wrong: the predicted bar turns red */
  P.true_class = 4;
  render (&p, 300, 300, probs_cb, &args);
  blue.n = red = 0;
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 300; x++)
      {
        Colour c = at (&p, x, y);

        blue.n += c.r == 0x1f && c.g == 0x77 && c.b == 0xb4;
        red += c.r == 0xd6 && c.g == 0x27 && c.b == 0x28;
      }
  g_assert_cmpint (blue.n, ==, 0);
  g_assert_cmpint (red, >, 100);
  pixels_clear (&p);
}

typedef struct {
  const StGalleryItem *items;
  int                  n;
  const StGridOptions *options;
} GalleryArgs;

static void
gallery_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const GalleryArgs *a = user_data;

  st_gallery_render (cr, w, h, a->items, a->n, a->options);
}

static void
test_gallery (void)
{
  g_autofree float *images = make_maps (5, 28, 28);
  StGalleryItem items[5];
  StGridOptions o;
  GalleryArgs args = { items, 5, &o };
  Tile tiles[8];
  Pixels p;
  int red = 0;

  for (int i = 0; i < 5; i++)
    items[i] = (StGalleryItem) { { images + i * 28 * 28, 1, 28, 28 },
                                 i == 3 ? "Coat → Pullover" : "Coat\nCoat",
                                 i == 3 ? ST_GALLERY_MARK_WRONG : ST_GALLERY_MARK_CORRECT };
  st_grid_options_init (&o);
  o.theme = ST_THEME_DARK;
  render (&p, 600, 260, gallery_cb, &args);
  g_assert_cmpint (find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0), ==, 5);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (st_gallery_hit_test (600, 260, items, 5, &o,
                                          (tiles[i].x0 + tiles[i].x1) / 2.0,
                                          (tiles[i].y0 + tiles[i].y1) / 2.0), ==, i);
  /* the wrong prediction's caption is red, under its tile */
  for (int y = tiles[3].y1; y < p.height; y++)
    for (int x = tiles[3].x0 - 20; x < tiles[3].x1 + 20; x++)
      {
        Colour c = at (&p, x, y);
        red += c.r > 150 && c.g < 90 && c.b < 90;
      }
  g_assert_cmpint (red, >, 20);
  pixels_clear (&p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/render/chart/falling-loss", test_chart_falling_loss);
  g_test_add_func ("/render/chart/log-scale", test_chart_log_scale);
  g_test_add_func ("/render/chart/hover", test_chart_hover);
  g_test_add_func ("/render/chart/nan", test_chart_nan);
  g_test_add_func ("/render/chart/empty", test_chart_empty);
  g_test_add_func ("/render/chart/one-point", test_chart_one_point);
  g_test_add_func ("/render/chart/many-points", test_chart_many_points);
  g_test_add_func ("/render/chart/layouts", test_chart_layouts);
  g_test_add_func ("/render/chart/smoothing", test_chart_smoothing);
  g_test_add_func ("/render/save", test_save);
  g_test_add_func ("/render/save-csv", test_save_csv);
  g_test_add_func ("/render/maps/conv1", test_maps_conv1);
  g_test_add_func ("/render/maps/conv2", test_maps_conv2);
  g_test_add_func ("/render/maps/joint", test_maps_joint);
  g_test_add_func ("/render/maps/robust", test_maps_robust);
  g_test_add_func ("/render/image/nearest", test_image_nearest);
  g_test_add_func ("/render/confusion/diagonal", test_confusion);
  g_test_add_func ("/render/probabilities", test_probabilities);
  g_test_add_func ("/render/gallery", test_gallery);

  return g_test_run ();
}
