/* test-render-layer.c: a layer's output and a convolution's filters, checked on real pixels
 * with no display.
 *
 * Every picture is drawn into an image surface larger than the size the renderer is given,
 * its margin transparent: nothing may land there. Where a value is drawn comes from
 * st_layer_output_cell_rect () and st_filters_cell_rect (); the colour found there is
 * compared with what its sign or its place on the scale must give, and the hit tests must
 * name the value back.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "render-pixels.h"
#include "ui/render/layer-render.h"

#define MARGIN 16               /* transparent pixels right of and below each picture */

/* ---- drawing and reading back ------------------------------------------------------------- */

typedef struct {
  const StLayerOutput        *out;
  const float                *weight;
  const gint64               *dims;
  const StLayerRenderOptions *o;
} Args;

static void
output_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const Args *a = user_data;

  st_layer_output_render (cr, w, h, a->out, a->o);
}

static void
filters_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const Args *a = user_data;

  st_filters_render (cr, w, h, a->weight, a->dims, a->o);
}

/* func drawn at width × height on a surface MARGIN larger each way, read into p; fails when
 * anything was drawn outside width × height. */
static void
draw (Pixels *p, int width, int height, StRenderFunc func, const Args *args)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width + MARGIN,
                                                         height + MARGIN);
  cairo_t *cr = cairo_create (surface);
  int outside = 0;

  func (cr, width, height, args);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  pixels_init (p, surface);
  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      if (x >= width || y >= height)
        outside += *(const guint32 *) (gconstpointer) (p->data + (gsize) y * p->stride + 4 * x)
                   != 0;
  g_assert_cmpint (outside, ==, 0);
}

static Colour
centre_of (const Pixels *p, const double r[4])
{
  return at (p, (int) floor (r[0] + r[2] / 2), (int) floor (r[1] + r[3] / 2));
}

static gboolean
reddish (Colour c)
{
  return c.r > c.b + 60 && c.r > c.g + 30;
}

static gboolean
bluish (Colour c)
{
  return c.b > c.r + 60;
}

static gboolean
inside (const double r[4], int width, int height)
{
  return r[0] >= 0.0 && r[1] >= 0.0 && r[0] + r[2] <= width && r[1] + r[3] <= height;
}

/* ---- the colour scale --------------------------------------------------------------------- */

static void
test_scale (void)
{
  const float both[] = { -2.0f, 1.0f, 0.5f };
  const float positive[] = { 1.0f, 3.0f, 2.0f };
  const float negative[] = { -7.0f, -1.0f, -3.0f };
  const float zero_up[] = { 0.0f, 0.0f, 5.0f };
  const float broken[] = { 1.0f, NAN, 3.0f, INFINITY, -INFINITY };
  const float constant[] = { 4.0f, 4.0f, 4.0f, 4.0f };
  const float zeros[] = { 0.0f, 0.0f };
  const float none[] = { NAN, INFINITY };
  StColourScale s;

  st_colour_scale_for (both, G_N_ELEMENTS (both), &s);
  g_assert_cmpint (s.kind, ==, ST_SCALE_DIVERGING);
  g_assert_cmpfloat (s.lo, ==, -2.0);
  g_assert_cmpfloat (s.hi, ==, 2.0);
  g_assert_cmpint (s.n_nonfinite, ==, 0);

  st_colour_scale_for (positive, G_N_ELEMENTS (positive), &s);
  g_assert_cmpint (s.kind, ==, ST_SCALE_SEQUENTIAL);
  g_assert_cmpfloat (s.lo, ==, 1.0);
  g_assert_cmpfloat (s.hi, ==, 3.0);

  st_colour_scale_for (negative, G_N_ELEMENTS (negative), &s);
  g_assert_cmpint (s.kind, ==, ST_SCALE_SEQUENTIAL);
  g_assert_cmpfloat (s.lo, ==, -7.0);
  g_assert_cmpfloat (s.hi, ==, -1.0);

  /* 0 has no sign: zeros and positive values are one-sided */
  st_colour_scale_for (zero_up, G_N_ELEMENTS (zero_up), &s);
  g_assert_cmpint (s.kind, ==, ST_SCALE_SEQUENTIAL);
  g_assert_cmpfloat (s.lo, ==, 0.0);
  g_assert_cmpfloat (s.hi, ==, 5.0);

  st_colour_scale_for (broken, G_N_ELEMENTS (broken), &s);
  g_assert_cmpint (s.kind, ==, ST_SCALE_SEQUENTIAL);
  g_assert_cmpint (s.n_nonfinite, ==, 3);
  g_assert_cmpfloat (s.lo, ==, 1.0);
  g_assert_cmpfloat (s.hi, ==, 3.0);

  st_colour_scale_for (constant, G_N_ELEMENTS (constant), &s);
  g_assert_cmpint (s.kind, ==, ST_SCALE_SEQUENTIAL);
  g_assert_cmpfloat_with_epsilon (s.hi - s.lo, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon ((s.lo + s.hi) / 2, 4.0, 1e-12);

  st_colour_scale_for (zeros, G_N_ELEMENTS (zeros), &s);
  g_assert_cmpfloat_with_epsilon (s.hi - s.lo, 1.0, 1e-12);
  g_assert_cmpfloat (s.lo, <, 0.0);
  g_assert_cmpfloat (s.hi, >, 0.0);

  st_colour_scale_for (none, G_N_ELEMENTS (none), &s);
  g_assert_cmpint (s.n_nonfinite, ==, 2);
  g_assert_cmpfloat (s.lo, ==, 0.0);
  g_assert_cmpfloat (s.hi, ==, 1.0);

  st_colour_scale_for (NULL, 0, &s);
  g_assert_cmpint (s.n_nonfinite, ==, 0);
  g_assert_cmpfloat (s.lo, ==, 0.0);
  g_assert_cmpfloat (s.hi, ==, 1.0);
}

static double
lum (const double rgb[3])
{
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

static void
test_scale_colours (void)
{
  StColourScale div = { ST_SCALE_DIVERGING, -3.0, 3.0, 0 };
  StColourScale seq = { ST_SCALE_SEQUENTIAL, 2.0, 10.0, 0 };
  double c[3], d[3], prev = -1.0;

  st_colour_scale_rgb (&div, 0.0, c);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat (c[k], >, 0.9);
  st_colour_scale_rgb (&div, 3.0, c);
  g_assert_cmpfloat (c[0], >, c[1] + 0.3);
  g_assert_cmpfloat (c[0], >, c[2] + 0.2);
  st_colour_scale_rgb (&div, 1.0, c);
  g_assert_cmpfloat (c[0], >, c[2] + 0.1);
  st_colour_scale_rgb (&div, -3.0, c);
  g_assert_cmpfloat (c[2], >, c[0] + 0.3);
  st_colour_scale_rgb (&div, -1.0, c);
  g_assert_cmpfloat (c[2], >, c[0] + 0.1);
  /* stronger values are darker on both sides, and beyond the ends nothing changes */
  st_colour_scale_rgb (&div, 1.0, c);
  st_colour_scale_rgb (&div, 3.0, d);
  g_assert_cmpfloat (lum (d), <, lum (c));
  st_colour_scale_rgb (&div, 30.0, c);
  g_assert_cmpmem (c, sizeof c, d, sizeof d);

  /* viridis: dark purple to yellow, brighter all the way */
  for (double v = 2.0; v <= 10.0; v += 0.5)
    {
      st_colour_scale_rgb (&seq, v, c);
      g_assert_cmpfloat (lum (c), >, prev);
      prev = lum (c);
    }
  st_colour_scale_rgb (&seq, 2.0, c);
  g_assert_cmpfloat (c[2], >, c[1]);
  st_colour_scale_rgb (&seq, 10.0, c);
  g_assert_cmpfloat (c[0], >, c[2]);

  /* broken values are magenta on either scale */
  st_colour_scale_rgb (&seq, NAN, c);
  g_assert_cmpfloat (c[0], >, 0.8);
  g_assert_cmpfloat (c[2], >, 0.8);
  g_assert_cmpfloat (c[1], <, 0.2);
  st_colour_scale_rgb (&div, -INFINITY, d);
  g_assert_cmpmem (c, sizeof c, d, sizeof d);
}

/* A (1, 4, 8) map, -5 on its left half and +5 on its right: blue then red, read at the
 * squares' centres, in both themes. */
static void
test_halves (void)
{
  float data[4 * 8];
  StLayerOutput out = { data, 3, 1, 4, 8 };
  StLayerRenderOptions o;
  Args args = { &out, NULL, NULL, &o };

  for (int i = 0; i < 32; i++)
    data[i] = i % 8 < 4 ? -5.0f : 5.0f;
  st_layer_render_options_init (&o);
  for (int theme = 0; theme < 2; theme++)
    {
      Pixels p;

      o.theme = theme == 0 ? ST_THEME_LIGHT : ST_THEME_DARK;
      draw (&p, 400, 300, output_cb, &args);
      for (int y = 0; y < 4; y++)
        for (int x = 0; x < 8; x++)
          {
            double r[4];
            Colour c;

            g_assert_true (st_layer_output_cell_rect (400, 300, &out, &o, 0, y, x, r));
            g_assert_cmpfloat (r[2], >=, 10.0);
            c = centre_of (&p, r);
            if (x < 4)
              g_assert_true (bluish (c));
            else
              g_assert_true (reddish (c));
          }
      pixels_clear (&p);
    }
}

/* ---- where values are --------------------------------------------------------------------- */

static void
check_round_trip (const StLayerOutput *out, const StLayerRenderOptions *o, int width,
                  int height)
{
  int h = out->rank == 3 ? out->height : 1, w = out->rank == 3 ? out->width : 1;

  for (int c = 0; c < out->channels; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          double r[4], px, py;
          int hc = -1, hy = -1, hx = -1;

          g_assert_true (st_layer_output_cell_rect (width, height, out, o, c, y, x, r));
          g_assert_true (inside (r, width, height));
          g_assert_cmpfloat (r[2], >, 0.0);
          px = r[0] + r[2] / 2;
          py = r[1] + MAX (r[3], 0.0) / 2;
          g_assert_true (st_layer_output_hit_test (width, height, out, o, px, py, &hc, &hy,
                                                   &hx));
          g_assert_cmpint (hc, ==, c);
          g_assert_cmpint (hy, ==, y);
          g_assert_cmpint (hx, ==, x);
        }
}

static void
test_hit_maps (void)
{
  float data[3 * 4 * 5];
  StLayerOutput out = { data, 3, 3, 4, 5 };
  StLayerRenderOptions o;
  double a[4], b[4];
  int c = -1, y = -1, x = -1;

  for (int i = 0; i < 60; i++)
    data[i] = sinf (i * 0.7f);
  st_layer_render_options_init (&o);
  check_round_trip (&out, &o, 420, 300);
  check_round_trip (&out, &o, 150, 420);
  o.title = "conv 1";
  o.legend = FALSE;
  check_round_trip (&out, &o, 420, 300);
  st_layer_render_options_init (&o);
  check_round_trip (&out, NULL, 420, 300);

  /* neighbours touch, tiles do not */
  g_assert_true (st_layer_output_cell_rect (420, 300, &out, &o, 0, 0, 0, a));
  g_assert_true (st_layer_output_cell_rect (420, 300, &out, &o, 0, 0, 1, b));
  g_assert_cmpfloat_with_epsilon (a[0] + a[2], b[0], 1e-9);
  g_assert_true (st_layer_output_cell_rect (420, 300, &out, &o, 0, 0, 4, a));
  g_assert_true (st_layer_output_cell_rect (420, 300, &out, &o, 1, 0, 0, b));
  if (fabs (a[1] - b[1]) < 1e-9)
    {
      g_assert_cmpfloat (b[0], >, a[0] + a[2] + 1.0);
      g_assert_false (st_layer_output_hit_test (420, 300, &out, &o, (a[0] + a[2] + b[0]) / 2,
                                                a[1] + 1.0, &c, &y, &x));
    }

  /* outside: the margin, beyond the picture, positions that are not the output's */
  g_assert_false (st_layer_output_hit_test (420, 300, &out, &o, 1.0, 1.0, &c, &y, &x));
  g_assert_false (st_layer_output_hit_test (420, 300, &out, &o, 500.0, 100.0, &c, &y, &x));
  g_assert_false (st_layer_output_hit_test (420, 300, &out, &o, -3.0, 100.0, &c, &y, &x));
  g_assert_false (st_layer_output_cell_rect (420, 300, &out, &o, 3, 0, 0, a));
  g_assert_false (st_layer_output_cell_rect (420, 300, &out, &o, 0, 4, 0, a));
  g_assert_false (st_layer_output_cell_rect (420, 300, &out, &o, 0, 0, -1, a));
  g_assert_false (st_layer_output_cell_rect (0, 300, &out, &o, 0, 0, 0, a));
}

static void
test_hit_bars (void)
{
  float data[10] = { 3.0f, -2.0f, 0.0f, 1.0f, -0.5f, 2.5f, NAN, 0.25f, -3.0f, 1.5f };
  StLayerOutput out = { data, 1, 10, 1, 1 };
  StLayerRenderOptions o;
  double r[4];
  int c = -1;

  st_layer_render_options_init (&o);
  check_round_trip (&out, &o, 400, 220);
  o.title = "fc 2";
  check_round_trip (&out, &o, 300, 300);

  g_assert_false (st_layer_output_hit_test (300, 300, &out, &o, 2.0, 150.0, &c, NULL, NULL));
  g_assert_false (st_layer_output_hit_test (300, 300, &out, &o, 299.0, 150.0, &c, NULL, NULL));
  g_assert_false (st_layer_output_hit_test (300, 300, &out, &o, 150.0, 299.0, &c, NULL, NULL));
  g_assert_false (st_layer_output_hit_test (300, 300, &out, &o, 150.0, -1.0, &c, NULL, NULL));
  g_assert_false (st_layer_output_cell_rect (300, 300, &out, &o, 10, 0, 0, r));
  g_assert_false (st_layer_output_cell_rect (300, 300, &out, &o, -1, 0, 0, r));
  g_assert_false (st_layer_output_cell_rect (300, 300, &out, &o, 0, 1, 0, r));

  /* the slots are in index order, left to right */
  for (int i = 1; i < 10; i++)
    {
      double prev[4];

      g_assert_true (st_layer_output_cell_rect (300, 300, &out, &o, i - 1, 0, 0, prev));
      g_assert_true (st_layer_output_cell_rect (300, 300, &out, &o, i, 0, 0, r));
      g_assert_cmpfloat (r[0], >, prev[0] + prev[2]);
    }
}

/* ---- selection ---------------------------------------------------------------------------- */

static int
differing (const Pixels *a, const Pixels *b)
{
  int n = 0;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      n += !same (at (a, x, y), at (b, x, y));
  return n;
}

static void
test_selection (void)
{
  float data[3 * 4 * 5];
  StLayerOutput out = { data, 3, 3, 4, 5 };
  StLayerRenderOptions o;
  Args args = { &out, NULL, NULL, &o };
  Pixels plain, marked, hidden;
  double r[4];
  int cx, cy, x0, x1, y0, y1, border = 0;

  for (int i = 0; i < 60; i++)
    data[i] = (float) (i % 7) - 3.0f;
  st_layer_render_options_init (&o);
  draw (&plain, 420, 300, output_cb, &args);
  o.has_selection = TRUE;
  o.sel_c = 1;
  o.sel_y = 2;
  o.sel_x = 3;
  draw (&marked, 420, 300, output_cb, &args);
  o.selection_hidden = TRUE;
  draw (&hidden, 420, 300, output_cb, &args);
  g_assert_cmpint (differing (&plain, &hidden), ==, 0);

  g_assert_true (st_layer_output_cell_rect (420, 300, &out, &o, 1, 2, 3, r));
  x0 = (int) floor (r[0]);
  y0 = (int) floor (r[1]);
  x1 = (int) ceil (r[0] + r[2]);
  y1 = (int) ceil (r[1] + r[3]);
  cx = (x0 + x1) / 2;
  cy = (y0 + y1) / 2;
  /* the ring is on the square's edge: the pixels just outside all four sides changed */
  g_assert_false (same (at (&plain, x0 - 1, cy), at (&marked, x0 - 1, cy)));
  g_assert_false (same (at (&plain, x1, cy), at (&marked, x1, cy)));
  g_assert_false (same (at (&plain, cx, y0 - 1), at (&marked, cx, y0 - 1)));
  g_assert_false (same (at (&plain, cx, y1), at (&marked, cx, y1)));
  for (int x = x0 - 1; x <= x1; x++)
    border += !same (at (&plain, x, y0 - 1), at (&marked, x, y0 - 1));
  g_assert_cmpint (border, >=, x1 - x0);
  /* the value's own colour is kept */
  g_assert_true (same (at (&plain, cx, cy), at (&marked, cx, cy)));
  /* and far from the selected tile nothing changed */
  g_assert_true (st_layer_output_cell_rect (420, 300, &out, &o, 0, 0, 0, r));
  g_assert_true (same (at (&plain, (int) (r[0] + r[2] / 2), (int) (r[1] + r[3] / 2)),
                       at (&marked, (int) (r[0] + r[2] / 2), (int) (r[1] + r[3] / 2))));
  pixels_clear (&plain);
  pixels_clear (&marked);
  pixels_clear (&hidden);
}

static void
test_selection_bars (void)
{
  float data[10] = { 3.0f, -2.0f, 0.0f, 1.0f, -0.5f, 2.5f, 0.75f, 0.25f, -3.0f, 1.5f };
  StLayerOutput out = { data, 1, 10, 1, 1 };
  StLayerRenderOptions o;
  Args args = { &out, NULL, NULL, &o };
  Pixels plain, marked;
  double r[4];
  int cy;

  st_layer_render_options_init (&o);
  draw (&plain, 400, 240, output_cb, &args);
  o.has_selection = TRUE;
  o.sel_c = 3;
  draw (&marked, 400, 240, output_cb, &args);
  g_assert_true (st_layer_output_cell_rect (400, 240, &out, &o, 3, 0, 0, r));
  cy = (int) (r[1] + r[3] / 2);
  g_assert_false (same (at (&plain, (int) floor (r[0]) - 1, cy),
                        at (&marked, (int) floor (r[0]) - 1, cy)));
  g_assert_false (same (at (&plain, (int) ceil (r[0] + r[2]), cy),
                        at (&marked, (int) ceil (r[0] + r[2]), cy)));
  g_assert_true (same (at (&plain, (int) (r[0] + r[2] / 2), cy),
                       at (&marked, (int) (r[0] + r[2] / 2), cy)));
  pixels_clear (&plain);
  pixels_clear (&marked);
}

/* ---- bars --------------------------------------------------------------------------------- */

static void
test_bars_direction (void)
{
  float data[10] = { 3.0f, -2.0f, 0.0f, 1.0f, -0.5f, 2.5f, 0.75f, 0.25f, -3.0f, 1.5f };
  StLayerOutput out = { data, 1, 10, 1, 1 };
  Args args = { &out, NULL, NULL, NULL };
  double up[4], down[4], one[4];
  Pixels p;
  Colour bg;
  int zero, x;

  draw (&p, 400, 260, output_cb, &args);
  bg = at (&p, 0, 0);
  g_assert_true (st_layer_output_cell_rect (400, 260, &out, NULL, 0, 0, 0, up));
  g_assert_true (st_layer_output_cell_rect (400, 260, &out, NULL, 8, 0, 0, down));
  g_assert_true (st_layer_output_cell_rect (400, 260, &out, NULL, 3, 0, 0, one));

  /* both stand on one zero line, 3 and -3 equally long, 1 a third of 3 */
  zero = (int) round (up[1] + up[3]);
  g_assert_cmpfloat_with_epsilon (down[1], zero, 1e-9);
  g_assert_cmpfloat_with_epsilon (up[3], down[3], 1.0);
  g_assert_cmpfloat_with_epsilon (one[3] * 3.0, up[3], 2.0);
  g_assert_cmpfloat (up[3], >, 40.0);

  /* the positive bar: red ink above the zero line, none below it */
  x = (int) (up[0] + up[2] / 2);
  g_assert_true (reddish (at (&p, x, zero - 3)));
  g_assert_true (reddish (at (&p, x, (int) up[1] + 2)));
  g_assert_cmpint (ink_in (&p, x - 2, zero + 2, x + 3, zero + (int) down[3] - 2), ==, 0);
  g_assert_true (same (at (&p, x, (int) up[1] - 20), bg));
  /* the negative bar: blue ink below, none above */
  x = (int) (down[0] + down[2] / 2);
  g_assert_true (bluish (at (&p, x, zero + 3)));
  g_assert_true (bluish (at (&p, x, (int) (down[1] + down[3]) - 2)));
  g_assert_cmpint (ink_in (&p, x - 2, zero - (int) up[3] + 2, x + 3, zero - 1), ==, 0);
  /* ten values: each written by its bar, "3" above the tallest */
  g_assert_cmpint (ink_in (&p, (int) up[0], (int) up[1] - 12, (int) (up[0] + up[2]),
                           (int) up[1] - 1), >, 5);
  pixels_clear (&p);
}

static void
test_bars_many (void)
{
  float data[40];
  StLayerOutput out = { data, 1, 40, 1, 1 };
  Args args = { &out, NULL, NULL, NULL };
  double up[4];
  Pixels p;

  /* forty values: no texts above the bars */
  for (int i = 0; i < 40; i++)
    data[i] = i == 7 ? 3.0f : (float) (i % 5) * 0.4f - 0.8f;
  draw (&p, 800, 260, output_cb, &args);
  g_assert_true (st_layer_output_cell_rect (800, 260, &out, NULL, 7, 0, 0, up));
  g_assert_cmpfloat (up[2], >, 8.0);
  g_assert_true (reddish (centre_of (&p, up)));
  g_assert_cmpint (ink_in (&p, (int) up[0], 0, (int) (up[0] + up[2]), (int) up[1] - 1), ==, 0);
  pixels_clear (&p);
}

/* ---- many channels, long vectors ---------------------------------------------------------- */

static void
check_map_colours (const Pixels *p, const StLayerOutput *out, int width, int height, int step)
{
  gsize n = (gsize) out->channels * out->height * out->width;
  StColourScale s;

  /* one scale for all maps: every square has its value's colour on the joint scale */
  st_colour_scale_for (out->data, n, &s);
  for (gsize i = 0; i < n; i += step)
    {
      int c = (int) (i / ((gsize) out->height * out->width));
      int y = (int) (i / out->width % out->height), x = (int) (i % out->width);
      double r[4], rgb[3];
      int hc, hy, hx;
      Colour got;

      g_assert_true (st_layer_output_cell_rect (width, height, out, NULL, c, y, x, r));
      g_assert_true (inside (r, width, height));
      g_assert_true (st_layer_output_hit_test (width, height, out, NULL, r[0] + r[2] / 2,
                                               r[1] + r[3] / 2, &hc, &hy, &hx));
      g_assert_cmpint (hc, ==, c);
      g_assert_cmpint (hy, ==, y);
      g_assert_cmpint (hx, ==, x);
      if (r[2] < 2.0)
        continue;
      st_colour_scale_rgb (&s, out->data[i], rgb);
      got = centre_of (p, r);
      g_assert_cmpint (abs (got.r - (int) lround (rgb[0] * 255)), <=, 2);
      g_assert_cmpint (abs (got.g - (int) lround (rgb[1] * 255)), <=, 2);
      g_assert_cmpint (abs (got.b - (int) lround (rgb[2] * 255)), <=, 2);
    }
}

static void
test_many_channels (void)
{
  g_autofree float *pooled = g_new (float, 512);
  g_autofree float *small = g_new (float, 64 * 4 * 4);
  StLayerOutput a = { pooled, 3, 512, 1, 1 }, b = { small, 3, 64, 4, 4 };
  Args args = { &a, NULL, NULL, NULL };
  const int sizes[][2] = { { 600, 400 }, { 200, 150 }, { 90, 70 } };
  Pixels p;

  for (int i = 0; i < 512; i++)
    pooled[i] = (float) (i - 200) / 10.0f;
  for (int i = 0; i < 64 * 16; i++)
    small[i] = (float) ((i * 37) % 101);
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int w = sizes[k][0], h = sizes[k][1];

      args.out = &a;
      draw (&p, w, h, output_cb, &args);
      check_map_colours (&p, &a, w, h, 1);
      pixels_clear (&p);
      args.out = &b;
      draw (&p, w, h, output_cb, &args);
      check_map_colours (&p, &b, w, h, 7);
      pixels_clear (&p);
    }
}

static void
test_long_vector (void)
{
  const int n = 9216, width = 400, height = 200;
  g_autofree float *data = g_new (float, n);
  StLayerOutput out = { data, 1, n, 1, 1 };
  Args args = { &out, NULL, NULL, NULL };
  double r[4], first[4], last[4];
  int spike = 5000, c, lo, hi, best;
  Pixels p;

  for (int i = 0; i < n; i++)
    data[i] = sinf (i * 0.01f) * 0.5f;
  data[spike] = 4.0f;
  data[spike + 1] = NAN;
  draw (&p, width, height, output_cb, &args);

  /* a pixel column a few indices: the first and last at the plot's ends, each in range */
  g_assert_true (st_layer_output_cell_rect (width, height, &out, NULL, 0, 0, 0, first));
  g_assert_true (st_layer_output_cell_rect (width, height, &out, NULL, n - 1, 0, 0, last));
  g_assert_cmpfloat (first[2], ==, 1.0);
  g_assert_cmpfloat (last[0] - first[0], <, width);
  g_assert_cmpfloat (last[0] - first[0], >, width / 2);
  for (double x = 0.5; x < width; x += 3.0)
    if (st_layer_output_hit_test (width, height, &out, NULL, x, height / 3.0, &c, NULL, NULL))
      {
        g_assert_cmpint (c, >=, 0);
        g_assert_cmpint (c, <, n);
        g_assert_true (st_layer_output_cell_rect (width, height, &out, NULL, c, 0, 0, r));
        g_assert_cmpfloat (r[0], ==, floor (x));
      }

  /* the spike's column: clicked at the spike's top, the hit is the spike, and the column
   * is drawn to its height in the spike's colour */
  g_assert_true (st_layer_output_cell_rect (width, height, &out, NULL, spike, 0, 0, r));
  g_assert_true (st_layer_output_hit_test (width, height, &out, NULL, r[0] + 0.5, r[1] + 0.5,
                                           &c, NULL, NULL));
  g_assert_cmpint (c, ==, spike);
  g_assert_true (reddish (at (&p, (int) r[0], (int) r[1] + 2)));
  /* near the zero line it is the column's value nearest 0 */
  lo = spike;
  hi = spike;
  while (lo > 0 && st_layer_output_cell_rect (width, height, &out, NULL, lo - 1, 0, 0, first)
         && first[0] == r[0])
    lo--;
  while (hi < n - 1 && st_layer_output_cell_rect (width, height, &out, NULL, hi + 1, 0, 0, last)
         && last[0] == r[0])
    hi++;
  g_assert_cmpint (hi - lo + 1, >=, n / width);
  best = lo;
  for (int i = lo; i <= hi; i++)
    if (isfinite (data[i]) && fabsf (data[i]) < fabsf (data[best]))
      best = i;
  g_assert_true (st_layer_output_hit_test (width, height, &out, NULL, r[0] + 0.5,
                                           r[1] + r[3], &c, NULL, NULL));
  g_assert_cmpint (c, ==, best);
  pixels_clear (&p);
}

/* ---- the legend --------------------------------------------------------------------------- */

/* The columns of the bottom band [y0, y1) that have ink: their extent. */
static int
ink_extent (const Pixels *p, int width, int y0, int y1)
{
  int left = width, right = -1;

  for (int x = 0; x < width; x++)
    if (ink_in (p, x, y0, x + 1, y1) > 0)
      {
        left = MIN (left, x);
        right = MAX (right, x);
      }
  return right >= left ? right - left + 1 : 0;
}

static void
test_legend (void)
{
  float data[2 * 8] = { -4, -3, -2, -1, 0, 1, 2, 3, 4, 3, 2, 1, 0, -1, -2, -3 };
  StLayerOutput out = { data, 3, 1, 2, 8 };
  StLayerRenderOptions o;
  Args args = { &out, NULL, NULL, &o };
  const int w = 400, h = 400, band = 60;
  Pixels with, without, broken;
  gboolean ramp = FALSE;
  int plain_text, broken_text;

  st_layer_render_options_init (&o);
  draw (&with, w, h, output_cb, &args);
  o.legend = FALSE;
  draw (&without, w, h, output_cb, &args);
  g_assert_cmpint (ink_in (&with, 0, h - band, w, h), >, 200);
  g_assert_cmpint (ink_in (&without, 0, h - band, w, h), ==, 0);

  /* the colour bar: blue on its left, red on its right, in one row */
  for (int y = h - band; y < h && !ramp; y++)
    ramp = bluish (at (&with, w / 2 - 100, y)) && reddish (at (&with, w / 2 + 100, y));
  g_assert_true (ramp);

  /* a NaN lengthens the last line by its count */
  data[3] = NAN;
  o.legend = TRUE;
  draw (&broken, w, h, output_cb, &args);
  plain_text = ink_extent (&with, w, h - 20, h);
  broken_text = ink_extent (&broken, w, h - 20, h);
  g_assert_cmpint (plain_text, >, 40);
  g_assert_cmpint (broken_text, >, plain_text + 20);
  pixels_clear (&with);
  pixels_clear (&without);
  pixels_clear (&broken);
}

/* ---- filters ------------------------------------------------------------------------------ */

/* Kernel (oc, ic) has its centre weight positive when oc + ic is even, negative when odd,
 * and small weights elsewhere. */
static float *
make_weight (const gint64 dims[4])
{
  gsize n = (gsize) (dims[0] * dims[1] * dims[2] * dims[3]);
  float *w = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    w[i] = 0.05f * sinf ((float) i);
  for (gint64 oc = 0; oc < dims[0]; oc++)
    for (gint64 ic = 0; ic < dims[1]; ic++)
      w[((oc * dims[1] + ic) * dims[2] + dims[2] / 2) * dims[3] + dims[3] / 2]
        = (oc + ic) % 2 == 0 ? 1.0f : -1.0f;
  return w;
}

static void
check_filters (const gint64 dims[4], int width, int height, int rows, int cols)
{
  g_autofree float *weight = make_weight (dims);
  Args args = { NULL, weight, dims, NULL };
  Pixels p;

  draw (&p, width, height, filters_cb, &args);
  for (int oc = 0; oc < dims[0]; oc++)
    for (int ic = 0; ic < dims[1]; ic++)
      {
        double r[4], cell_w, cell_h;
        int hoc = -1, hic = -1;
        Colour c;

        if (oc >= rows || ic >= cols)
          {
            g_assert_false (st_filters_cell_rect (width, height, weight, dims, NULL, oc, ic, r));
            continue;
          }
        g_assert_true (st_filters_cell_rect (width, height, weight, dims, NULL, oc, ic, r));
        g_assert_true (inside (r, width, height));
        g_assert_true (st_filters_hit_test (width, height, weight, dims, NULL, r[0] + r[2] / 2,
                                            r[1] + r[3] / 2, &hoc, &hic));
        g_assert_cmpint (hoc, ==, oc);
        g_assert_cmpint (hic, ==, ic);
        g_assert_true (st_filters_hit_test (width, height, weight, dims, NULL, r[0] + 0.01,
                                            r[1] + r[3] - 0.01, &hoc, &hic));
        g_assert_cmpint (hoc, ==, oc);
        g_assert_cmpint (hic, ==, ic);
        g_assert_false (st_filters_hit_test (width, height, weight, dims, NULL, r[0] - 1.0,
                                             r[1] + r[3] / 2, &hoc, &hic));
        /* rows go down by output channel, columns right by input channel */
        g_assert_cmpfloat (r[2], ==, r[3] * dims[3] / dims[2]);
        cell_w = r[2] / dims[3];
        cell_h = r[3] / dims[2];
        if (cell_w >= 2.0)
          {
            c = at (&p, (int) (r[0] + (dims[3] / 2 + 0.5) * cell_w),
                    (int) (r[1] + (dims[2] / 2 + 0.5) * cell_h));
            g_assert_true ((oc + ic) % 2 == 0 ? reddish (c) : bluish (c));
          }
      }
  g_assert_false (st_filters_hit_test (width, height, weight, dims, NULL, 1.0, 1.0, NULL,
                                       NULL));
  pixels_clear (&p);
}

static void
test_filters (void)
{
  const gint64 conv1[4] = { 6, 1, 5, 5 }, conv2[4] = { 16, 6, 5, 5 };

  check_filters (conv1, 400, 300, 6, 1);
  check_filters (conv1, 200, 500, 6, 1);
  check_filters (conv2, 500, 600, 16, 6);
  check_filters (conv2, 300, 240, 16, 6);
}

static void
test_filters_cap (void)
{
  const gint64 dims[4] = { 40, 20, 3, 3 };
  g_autofree float *weight = make_weight (dims);
  StLayerRenderOptions o;
  Args args = { NULL, weight, dims, &o };
  double last[4], first[4];
  Pixels p;

  check_filters (dims, 500, 500, 16, 16);

  st_layer_render_options_init (&o);
  draw (&p, 500, 500, filters_cb, &args);
  g_assert_true (st_filters_cell_rect (500, 500, weight, dims, &o, 15, 15, last));
  g_assert_true (st_filters_cell_rect (500, 500, weight, dims, &o, 0, 0, first));
  /* "+4 more" right of the last column's number, "+24 more" under the last row */
  g_assert_cmpint (ink_in (&p, (int) (last[0] + last[2]) + 3, (int) first[1] - 14, 500,
                           (int) first[1] - 1), >, 20);
  g_assert_cmpint (ink_in (&p, (int) first[0], (int) (last[1] + last[3]) + 3,
                           (int) (last[0] + last[2]), (int) (last[1] + last[3]) + 16), >, 20);
  pixels_clear (&p);

  /* without the caps, all are drawn */
  o.max_rows = 40;
  o.max_cols = 20;
  g_assert_true (st_filters_cell_rect (600, 600, weight, dims, &o, 39, 19, last));
  g_assert_false (st_filters_cell_rect (600, 600, weight, dims, &o, 40, 0, last));

  /* one scale around 0 over all weights: weights of one sign are still red, not viridis */
  for (gsize i = 0; i < 40 * 20 * 9; i++)
    weight[i] = fabsf (weight[i]) + 0.01f;
  o.max_rows = o.max_cols = 16;
  draw (&p, 500, 500, filters_cb, &args);
  g_assert_true (st_filters_cell_rect (500, 500, weight, dims, &o, 0, 1, first));
  g_assert_true (reddish (centre_of (&p, first)));
  pixels_clear (&p);
}

static void
test_filters_selection (void)
{
  const gint64 dims[4] = { 6, 3, 5, 5 };
  g_autofree float *weight = make_weight (dims);
  StLayerRenderOptions o;
  Args args = { NULL, weight, dims, &o };
  Pixels plain, marked;
  double r[4];

  st_layer_render_options_init (&o);
  draw (&plain, 400, 400, filters_cb, &args);
  o.has_selection = TRUE;
  o.sel_c = 2;
  draw (&marked, 400, 400, filters_cb, &args);
  g_assert_true (st_filters_cell_rect (400, 400, weight, dims, &o, 2, 1, r));
  g_assert_false (same (at (&plain, (int) (r[0] + r[2] / 2), (int) r[1] - 2),
                        at (&marked, (int) (r[0] + r[2] / 2), (int) r[1] - 2)));
  g_assert_true (same (at (&plain, (int) (r[0] + r[2] / 2), (int) (r[1] + r[3] / 2)),
                       at (&marked, (int) (r[0] + r[2] / 2), (int) (r[1] + r[3] / 2))));
  pixels_clear (&plain);
  pixels_clear (&marked);
}

/* ---- what cannot be drawn ----------------------------------------------------------------- */

static void
test_invalid (void)
{
  float data[4] = { 1, 2, 3, 4 };
  StLayerOutput bad[] = {
    { data, 2, 1, 2, 2 },       /* rank 2 */
    { data, 3, 0, 2, 2 },       /* no channels */
    { data, 3, 1, 0, 2 },       /* no rows */
    { NULL, 1, 4, 1, 1 },       /* no data */
  };
  const gint64 no_kernel[4] = { 2, 2, 0, 3 }, negative[4] = { -1, 1, 1, 1 };
  Args args = { NULL, NULL, NULL, NULL };
  double r[4];
  Pixels p;

  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      args.out = &bad[k];
      draw (&p, 200, 150, output_cb, &args);
      g_assert_cmpint (ink_in (&p, 0, 0, 200, 150), ==, 0);
      pixels_clear (&p);
      g_assert_false (st_layer_output_hit_test (200, 150, &bad[k], NULL, 100, 75, NULL, NULL,
                                                NULL));
      g_assert_false (st_layer_output_cell_rect (200, 150, &bad[k], NULL, 0, 0, 0, r));
    }

  args.weight = data;
  args.dims = no_kernel;
  draw (&p, 200, 150, filters_cb, &args);
  g_assert_cmpint (ink_in (&p, 0, 0, 200, 150), ==, 0);
  pixels_clear (&p);
  g_assert_false (st_filters_hit_test (200, 150, data, negative, NULL, 100, 75, NULL, NULL));
  g_assert_false (st_filters_cell_rect (200, 150, data, negative, NULL, 0, 0, r));

  /* too small to draw anything but the background: no hit, and no crash */
  args.out = &(StLayerOutput) { data, 3, 1, 2, 2 };
  draw (&p, 12, 12, output_cb, &args);
  pixels_clear (&p);
  g_assert_false (st_layer_output_cell_rect (12, 12, args.out, NULL, 0, 0, 0, r));
}

/* ---- saving ------------------------------------------------------------------------------- */

static void
test_save (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("strata-layer-XXXXXX", &error);
  g_autofree char *png = NULL, *svg = NULL, *bad = NULL, *jpg = NULL, *filters = NULL;
  g_autofree char *contents = NULL;
  float data[2 * 3 * 3];
  const gint64 dims[4] = { 2, 1, 3, 3 };
  StLayerOutput out = { data, 3, 2, 3, 3 };
  cairo_surface_t *loaded;
  double r[4];
  Pixels p;

  g_assert_no_error (error);
  for (int i = 0; i < 18; i++)
    data[i] = i < 9 ? -1.0f : 1.0f;
  png = g_build_filename (dir, "layer.png", NULL);
  svg = g_build_filename (dir, "layer.svg", NULL);
  jpg = g_build_filename (dir, "layer.jpg", NULL);
  filters = g_build_filename (dir, "filters.PNG", NULL);
  bad = g_build_filename (dir, "missing", "layer.png", NULL);

  g_assert_true (st_layer_output_save (png, 300, 200, &out, NULL, &error));
  g_assert_no_error (error);
  loaded = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (loaded), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (loaded), ==, 300);
  g_assert_cmpint (cairo_image_surface_get_height (loaded), ==, 200);
  pixels_init (&p, loaded);
  g_assert_true (st_layer_output_cell_rect (300, 200, &out, NULL, 0, 1, 1, r));
  g_assert_true (bluish (centre_of (&p, r)));
  g_assert_true (st_layer_output_cell_rect (300, 200, &out, NULL, 1, 1, 1, r));
  g_assert_true (reddish (centre_of (&p, r)));
  pixels_clear (&p);

  g_assert_true (st_layer_output_save (svg, 300, 200, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml") || g_str_has_prefix (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));

  g_assert_true (st_filters_save (filters, 300, 200, data, dims, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (filters, G_FILE_TEST_IS_REGULAR));

  g_assert_false (st_layer_output_save (jpg, 300, 200, &out, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, jpg));
  g_clear_error (&error);

  g_assert_false (st_layer_output_save (bad, 300, 200, &out, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);
  g_assert_false (st_filters_save (bad, 300, 200, data, dims, NULL, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);

  g_assert_cmpint (g_remove (png), ==, 0);
  g_assert_cmpint (g_remove (svg), ==, 0);
  g_assert_cmpint (g_remove (filters), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/render/layer/scale", test_scale);
  g_test_add_func ("/render/layer/scale-colours", test_scale_colours);
  g_test_add_func ("/render/layer/halves", test_halves);
  g_test_add_func ("/render/layer/hit-maps", test_hit_maps);
  g_test_add_func ("/render/layer/hit-bars", test_hit_bars);
  g_test_add_func ("/render/layer/selection", test_selection);
  g_test_add_func ("/render/layer/selection-bars", test_selection_bars);
  g_test_add_func ("/render/layer/bars-direction", test_bars_direction);
  g_test_add_func ("/render/layer/bars-many", test_bars_many);
  g_test_add_func ("/render/layer/many-channels", test_many_channels);
  g_test_add_func ("/render/layer/long-vector", test_long_vector);
  g_test_add_func ("/render/layer/legend", test_legend);
  g_test_add_func ("/render/layer/filters", test_filters);
  g_test_add_func ("/render/layer/filters-cap", test_filters_cap);
  g_test_add_func ("/render/layer/filters-selection", test_filters_selection);
  g_test_add_func ("/render/layer/invalid", test_invalid);
  g_test_add_func ("/render/layer/save", test_save);

  return g_test_run ();
}
