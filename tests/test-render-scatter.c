/* test-render-scatter.c: the feature scatter, checked on real pixels with no display.
 *
 * Each test renders into an image surface and reads back where the dots landed and in which
 * colour: a point of class k is a tab10 colour k blended over the background, at the pixel
 * st_scatter_position () names and the hit test finds. The ranges and their margins are read
 * off the frame; the highlight off the ring; the empty state off the message; the legend off
 * its opaque swatches. Saving (PNG, SVG and the refusals) is checked too.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "render-pixels.h"
#include "ui/render/render-util.h"
#include "ui/render/scatter-render.h"

typedef struct {
  const StScatter *s;
  StTheme          theme;
} ScatterArgs;

static void
scatter_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ScatterArgs *a = user_data;

  st_scatter_render (cr, w, h, a->s, a->theme);
}

static void
render_scatter (Pixels *p, int width, int height, const StScatter *s, StTheme theme)
{
  ScatterArgs a = { s, theme };

  render (p, width, height, scatter_cb, &a);
}

static StScatter
scatter_of (const StScatterPoint *points, int n_points, int n_classes)
{
  return (StScatter) { .points = points, .n_points = n_points, .n_classes = n_classes,
                       .highlight = -1 };
}

static Colour
colour_of (const StRgba *c)
{
  return (Colour) { (int) lround (c->r * 255), (int) lround (c->g * 255),
                    (int) lround (c->b * 255) };
}

/* How far `seen` is from colour c laid over bg at the alpha that fits it best (the largest
 * channel's error); that alpha in *alpha. */
static double
blend_error (Colour seen, Colour bg, const StRgba *c, double *alpha)
{
  Colour k = colour_of (c);
  double d[3] = { k.r - bg.r, k.g - bg.g, k.b - bg.b };
  double o[3] = { seen.r - bg.r, seen.g - bg.g, seen.b - bg.b };
  double a = (o[0] * d[0] + o[1] * d[1] + o[2] * d[2])
             / MAX (d[0] * d[0] + d[1] * d[1] + d[2] * d[2], 1.0);
  double err = 0.0;

  a = CLAMP (a, 0.0, 1.0);
  for (int i = 0; i < 3; i++)
    err = MAX (err, fabs (o[i] - a * d[i]));
  *alpha = a;
  return err;
}

/* The tab10 class whose colour, blended at least 40 % over bg, makes `seen`; -1 for none. */
static int
class_of (Colour seen, Colour bg)
{
  double best = 12.0;
  int found = -1;

  for (int k = 0; k < 10; k++)
    {
      double alpha, err = blend_error (seen, bg, &st_render_tab10[k], &alpha);

      if (alpha >= 0.4 && err <= best)
        {
          best = err;
          found = k;
        }
    }
  return found;
}

static double
distance (Colour a, Colour b)
{
  return sqrt ((a.r - b.r) * (a.r - b.r) + (a.g - b.g) * (a.g - b.g)
               + (a.b - b.b) * (a.b - b.b));
}

static Colour
pixel_at (const Pixels *p, double x, double y)
{
  return at (p, (int) floor (x), (int) floor (y));
}

/* The centre of the pixels of class k within `reach` pixels of (x, y); FALSE when none. */
static gboolean
class_centroid (const Pixels *p, int k, double x, double y, int reach, double *cx, double *cy)
{
  Colour bg = at (p, 0, 0);
  double sx = 0.0, sy = 0.0;
  int n = 0;

  for (int j = (int) floor (y) - reach; j <= (int) floor (y) + reach; j++)
    for (int i = (int) floor (x) - reach; i <= (int) floor (x) + reach; i++)
      if (i >= 0 && j >= 0 && i < p->width && j < p->height && class_of (at (p, i, j), bg) == k)
        {
          sx += i + 0.5;
          sy += j + 0.5;
          n++;
        }
  if (n == 0)
    return FALSE;
  *cx = sx / n;
  *cy = sy / n;
  return TRUE;
}

/* Steps from (x, y) by (dx, dy) until a pixel as dark as the frame; its coordinate along
 * the step, or -1. */
static int
find_frame (const Pixels *p, int x, int y, int dx, int dy)
{
  for (; x >= 0 && y >= 0 && x < p->width && y < p->height; x += dx, y += dy)
    if (at (p, x, y).r < 170)
      return dx != 0 ? x : y;
  return -1;
}

/* 12 points on an ellipse: classes 0..9, then two labels outside the classes */
#define RING 12

static void
ring_points (StScatterPoint *points)
{
  for (int i = 0; i < RING; i++)
    points[i] = (StScatterPoint) { 1.0 + 3.0 * cos (2 * G_PI * i / RING),
                                   -5.0 + 2.0 * sin (2 * G_PI * i / RING),
                                   i < 10 ? i : (i == 10 ? -1 : 10) };
}

/* ---- colours and positions ---------------------------------------------------------------- */

static void
check_ring (StTheme theme)
{
  StScatterPoint points[RING];
  StScatter s;
  Pixels p;
  Colour bg;

  ring_points (points);
  s = scatter_of (points, RING, 10);
  s.title = "Epoch 3 — features of layer 9 (84 values)";
  s.x_label = "PC 1 (31 % of variance)";
  s.y_label = "PC 2 (12 % of variance)";
  render_scatter (&p, 480, 360, &s, theme);
  bg = at (&p, 0, 0);
  g_assert_true (theme == ST_THEME_DARK ? bg.r < 80 : bg.r > 240);

  for (int i = 0; i < RING; i++)
    {
      double x = NAN, y = NAN, cx = NAN, cy = NAN;
      Colour c;

      g_assert_true (st_scatter_position (&s, 480, 360, i, &x, &y));
      g_assert_cmpfloat (x, >, 0.0);
      g_assert_cmpfloat (x, <, 480.0);
      g_assert_cmpfloat (y, >, 0.0);
      g_assert_cmpfloat (y, <, 360.0);
      c = pixel_at (&p, x, y);
      if (i < 10)
        {
          /* the class's own colour, translucent, centred where the layout says */
          g_assert_cmpint (class_of (c, bg), ==, i);
          g_assert_true (class_centroid (&p, i, x, y, 6, &cx, &cy));
          g_assert_cmpfloat (fabs (cx - x), <, 0.75);
          g_assert_cmpfloat (fabs (cy - y), <, 0.75);
          g_assert_cmpint (st_scatter_hit (&s, 480, 360, cx, cy, 3.0), ==, i);
        }
      else
        {
          g_assert_false (same (c, bg));
          g_assert_cmpint (ABS (c.r - c.g), <=, 2);
          g_assert_cmpint (ABS (c.g - c.b), <=, 2);
        }
    }
  pixels_clear (&p);
}

static void
test_scatter_classes (void)
{
  check_ring (ST_THEME_LIGHT);
}

static void
test_scatter_classes_dark (void)
{
  check_ring (ST_THEME_DARK);
}

/* Each axis fits its own range, 5 % of it to spare on each side; y grows upward. */
static void
test_scatter_mapping (void)
{
  const StScatterPoint points[] = {
    { 0.0f, 0.0f, 0 }, { 10.0f, 0.0f, 1 }, { 0.0f, 4.0f, 2 }, { 10.0f, 4.0f, 3 },
    { 5.0f, 2.0f, 4 },
  };
  StScatter s = scatter_of (points, G_N_ELEMENTS (points), 5);
  double x[5], y[5], span_x, span_y;
  int left, right, top, bottom;
  Pixels p;

  for (int i = 0; i < 5; i++)
    g_assert_true (st_scatter_position (&s, 500, 300, i, &x[i], &y[i]));
  g_assert_cmpfloat (x[1], >, x[0] + 100.0);
  g_assert_cmpfloat (y[1], ==, y[0]);
  g_assert_cmpfloat (y[2], <, y[0] - 100.0);
  g_assert_cmpfloat (x[2], ==, x[0]);
  g_assert_cmpfloat_with_epsilon (x[4], (x[0] + x[3]) / 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (y[4], (y[0] + y[3]) / 2, 1e-9);

  /* the frame lies 5 % of the span beyond the outermost points on every side, though the
   * x span is 10 and the y span 4 */
  render_scatter (&p, 500, 300, &s, ST_THEME_LIGHT);
  span_x = x[1] - x[0];
  span_y = y[0] - y[2];
  left = find_frame (&p, (int) x[0] - 4, (int) y[4], -1, 0);
  right = find_frame (&p, (int) x[1] + 4, (int) y[4], 1, 0);
  bottom = find_frame (&p, (int) x[4], (int) y[0] + 4, 0, 1);
  top = find_frame (&p, (int) x[4], (int) y[2] - 4, 0, -1);
  g_assert_cmpfloat (fabs (x[0] - 0.05 * span_x - left), <, 1.5);
  g_assert_cmpfloat (fabs (x[1] + 0.05 * span_x - right), <, 1.5);
  g_assert_cmpfloat (fabs (y[0] + 0.05 * span_y - bottom), <, 1.5);
  g_assert_cmpfloat (fabs (y[2] - 0.05 * span_y - top), <, 1.5);
  pixels_clear (&p);
}

/* ---- highlight and order ------------------------------------------------------------------ */

/* How many pixels differ between a and b at distances [r0, r1] from (x, y). */
static int
changed_in_ring (const Pixels *a, const Pixels *b, double x, double y, double r0, double r1)
{
  int n = 0;

  for (int j = (int) (y - r1) - 1; j <= (int) (y + r1) + 1; j++)
    for (int i = (int) (x - r1) - 1; i <= (int) (x + r1) + 1; i++)
      {
        double d = hypot (i + 0.5 - x, j + 0.5 - y);

        if (d >= r0 && d <= r1 && !same (at (a, i, j), at (b, i, j)))
          n++;
      }
  return n;
}

static void
test_scatter_highlight (void)
{
  const StScatterPoint points[] = {
    { 0.0f, 0.0f, 0 }, { 1.13f, 0.71f, 1 }, { 2.0f, 1.3f, 2 },
  };
  StScatter s = scatter_of (points, G_N_ELEMENTS (points), 3);
  double x0, y0, x1, y1;
  Pixels plain, marked;
  Colour bg, c;

  g_assert_true (st_scatter_position (&s, 400, 300, 0, &x0, &y0));
  g_assert_true (st_scatter_position (&s, 400, 300, 1, &x1, &y1));
  render_scatter (&plain, 400, 300, &s, ST_THEME_LIGHT);
  s.highlight = 1;
  render_scatter (&marked, 400, 300, &s, ST_THEME_LIGHT);
  bg = at (&plain, 0, 0);

  /* a dark ring around point 1, and nothing changed around point 0 */
  g_assert_cmpint (changed_in_ring (&plain, &marked, x1, y1, 6.0, 9.0), >, 30);
  g_assert_cmpint (changed_in_ring (&plain, &marked, x0, y0, 0.0, 10.0), ==, 0);
  g_assert_cmpint (at (&marked, (int) floor (x1 + 7.5), (int) floor (y1)).r, <, 120);
  g_assert_cmpint (at (&plain, (int) floor (x1 + 7.5), (int) floor (y1)).r, >, 200);

  /* larger and opaque: the class's own colour, out past the plain dot's edge */
  c = pixel_at (&marked, x1, y1);
  g_assert_cmpfloat (distance (c, colour_of (&st_render_tab10[1])), <, 4.0);
  g_assert_cmpfloat (distance (pixel_at (&plain, x1, y1), colour_of (&st_render_tab10[1])),
                     >, 20.0);
  g_assert_true (same (pixel_at (&plain, x1 + 3.5, y1), bg));
  g_assert_cmpint (class_of (pixel_at (&marked, x1 + 3.5, y1), bg), ==, 1);

  /* a highlight that names no point draws as none */
  pixels_clear (&marked);
  s.highlight = 99;
  render_scatter (&marked, 400, 300, &s, ST_THEME_LIGHT);
  g_assert_cmpint (ink_in (&marked, 0, 0, 400, 300), ==, ink_in (&plain, 0, 0, 400, 300));
  pixels_clear (&marked);
  pixels_clear (&plain);
}

/* Two points at one place: the later index is drawn over the earlier, the highlighted one
 * over both. */
static void
test_scatter_order (void)
{
  StScatterPoint points[] = {
    { 0.0f, 0.0f, 0 }, { 1.0f, 1.0f, 5 }, { 1.0f, 1.0f, 9 },
  };
  StScatter s = scatter_of (points, G_N_ELEMENTS (points), 10);
  Colour five = colour_of (&st_render_tab10[5]), nine = colour_of (&st_render_tab10[9]);
  double x, y;
  Pixels p;
  Colour c;

  g_assert_true (st_scatter_position (&s, 400, 300, 1, &x, &y));
  render_scatter (&p, 400, 300, &s, ST_THEME_LIGHT);
  c = pixel_at (&p, x, y);
  g_assert_cmpfloat (distance (c, nine), <, distance (c, five));
  pixels_clear (&p);

  points[1].label = 9;
  points[2].label = 5;
  render_scatter (&p, 400, 300, &s, ST_THEME_LIGHT);
  c = pixel_at (&p, x, y);
  g_assert_cmpfloat (distance (c, five), <, distance (c, nine));
  pixels_clear (&p);

  s.highlight = 1;
  render_scatter (&p, 400, 300, &s, ST_THEME_LIGHT);
  g_assert_cmpfloat (distance (pixel_at (&p, x, y), nine), <, 4.0);
  pixels_clear (&p);
}

/* ---- hit test ----------------------------------------------------------------------------- */

static void
test_scatter_hit (void)
{
  const StScatterPoint points[] = {
    { 0.0f, 0.0f, 0 }, { 1.0f, 0.0f, 1 }, { 0.0f, 1.0f, 2 }, { 0.0f, 0.0f, 3 },
  };
  StScatter s = scatter_of (points, G_N_ELEMENTS (points), 4);
  double xa, ya, xb, yb, xc, yc;

  g_assert_true (st_scatter_position (&s, 400, 300, 0, &xa, &ya));
  g_assert_true (st_scatter_position (&s, 400, 300, 1, &xb, &yb));
  g_assert_true (st_scatter_position (&s, 400, 300, 2, &xc, &yc));

  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xb, yb, 0.0), ==, 1);
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xb + 4.9, yb, 5.0), ==, 1);
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xb + 5.1, yb, 5.0), ==, -1);
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xc, yc - 3.0, 5.0), ==, 2);
  /* the nearest of two within reach */
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, (xa + xb) / 2 + 1.0, ya, 1000.0), ==, 1);
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, (xa + xb) / 2 - 1.0, ya, 1000.0), ==, 3);
  /* nothing in the empty corner, nor with a negative radius */
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xb, yc, 20.0), ==, -1);
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xb, yb, -1.0), ==, -1);
  /* of two at one place, the one on top: the later, unless the other is highlighted */
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xa, ya, 3.0), ==, 3);
  s.highlight = 0;
  g_assert_cmpint (st_scatter_hit (&s, 400, 300, xa, ya, 3.0), ==, 0);
  /* a size too small for a plot has nothing to hit */
  g_assert_cmpint (st_scatter_hit (&s, 20, 15, 10, 7, 1000.0), ==, -1);
  g_assert_cmpint (st_scatter_hit (&s, 0, 0, 0, 0, 1000.0), ==, -1);
  g_assert_false (st_scatter_position (&s, 400, 300, 4, &xa, &ya));
  g_assert_false (st_scatter_position (&s, 400, 300, -1, &xa, &ya));
}

/* 2 000 points in ten clouds: the same picture twice, and every hit the nearest dot. */
static void
test_scatter_many (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree StScatterPoint *points = g_new (StScatterPoint, 2000);
  g_autofree double *x = g_new (double, 2000);
  g_autofree double *y = g_new (double, 2000);
  StScatter s = scatter_of (points, 2000, 10);
  Pixels a, b;

  for (int i = 0; i < 2000; i++)
    {
      int k = i % 10;

      points[i] = (StScatterPoint) { 4.0 * cos (k) + g_rand_double_range (rand, -1.0, 1.0),
                                     4.0 * sin (k) + g_rand_double_range (rand, -1.0, 1.0),
                                     k };
    }
  s.highlight = 1234;
  render_scatter (&a, 640, 480, &s, ST_THEME_LIGHT);
  render_scatter (&b, 640, 480, &s, ST_THEME_LIGHT);
  g_assert_cmpmem (a.data, (gsize) a.stride * a.height, b.data, (gsize) b.stride * b.height);

  for (int i = 0; i < 2000; i++)
    g_assert_true (st_scatter_position (&s, 640, 480, i, &x[i], &y[i]));
  for (int t = 0; t < 200; t++)
    {
      double px = g_rand_double_range (rand, 0, 640), py = g_rand_double_range (rand, 0, 480);
      int hit = st_scatter_hit (&s, 640, 480, px, py, 6.0);
      double best = INFINITY;

      for (int i = 0; i < 2000; i++)
        best = MIN (best, hypot (x[i] - px, y[i] - py));
      if (best > 6.0)
        g_assert_cmpint (hit, ==, -1);
      else
        {
          g_assert_cmpint (hit, >=, 0);
          g_assert_cmpfloat (fabs (hypot (x[hit] - px, y[hit] - py) - best), <, 1e-9);
        }
    }
  pixels_clear (&a);
  pixels_clear (&b);
}

/* ---- awkward inputs ----------------------------------------------------------------------- */

/* Dark pixels (text) in the middle of a 480 × 360 picture, where the message goes. */
static int
dark_in_middle (const Pixels *p)
{
  int n = 0;

  for (int y = 160; y < 200; y++)
    for (int x = 140; x < 300; x++)
      n += at (p, x, y).r < 150;
  return n;
}

static void
test_scatter_empty (void)
{
  const StScatterPoint nan_points[] = {
    { NAN, 1.0f, 0 }, { 1.0f, INFINITY, 1 }, { NAN, NAN, 2 }, { -INFINITY, 0.0f, 3 },
  };
  const StScatterPoint corners[] = { { 0.0f, 0.0f, 0 }, { 1.0f, 1.0f, 1 } };
  StScatter s = scatter_of (NULL, 0, 10);
  double x, y;
  Pixels p;

  /* nothing: the frame and the message, nothing to hit */
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  g_assert_cmpint (dark_in_middle (&p), >, 20);
  g_assert_cmpint (find_frame (&p, 240, 180, -1, 0), >, 0);
  g_assert_cmpint (st_scatter_hit (&s, 480, 360, 240, 180, 1000.0), ==, -1);
  pixels_clear (&p);

  /* only non-finite points: the same */
  s = scatter_of (nan_points, G_N_ELEMENTS (nan_points), 10);
  s.highlight = 2;
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  g_assert_cmpint (dark_in_middle (&p), >, 20);
  g_assert_cmpint (st_scatter_hit (&s, 480, 360, 240, 180, 1000.0), ==, -1);
  for (int i = 0; i < (int) G_N_ELEMENTS (nan_points); i++)
    g_assert_false (st_scatter_position (&s, 480, 360, i, &x, &y));
  pixels_clear (&p);

  /* points: no message */
  s = scatter_of (corners, G_N_ELEMENTS (corners), 10);
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  g_assert_cmpint (dark_in_middle (&p), ==, 0);
  pixels_clear (&p);

  /* sizes with no room for a plot draw without complaint */
  render_scatter (&p, 1, 1, &s, ST_THEME_LIGHT);
  pixels_clear (&p);
  render_scatter (&p, 30, 20, &s, ST_THEME_DARK);
  pixels_clear (&p);
}

/* Non-finite points are skipped: they neither draw, nor stretch the ranges, nor hit. */
static void
test_scatter_nan (void)
{
  const StScatterPoint clean[] = { { 0.0f, 0.0f, 0 }, { 1.0f, 1.0f, 1 } };
  const StScatterPoint mixed[] = {
    { 0.0f, 0.0f, 0 }, { NAN, 5.0f, 2 }, { 1.0f, 1.0f, 1 }, { 5.0f, INFINITY, 3 },
  };
  StScatter a = scatter_of (clean, 2, 4), b = scatter_of (mixed, 4, 4);
  double xa, ya, xb, yb;
  Pixels pa, pb;

  g_assert_true (st_scatter_position (&a, 400, 300, 1, &xa, &ya));
  g_assert_true (st_scatter_position (&b, 400, 300, 2, &xb, &yb));
  g_assert_cmpfloat (xa, ==, xb);
  g_assert_cmpfloat (ya, ==, yb);
  g_assert_false (st_scatter_position (&b, 400, 300, 1, &xb, &yb));
  for (int t = 0; t < 400; t += 7)
    {
      int hit = st_scatter_hit (&b, 400, 300, t, t * 0.75, 1000.0);

      g_assert_true (hit == 0 || hit == 2);
    }
  render_scatter (&pa, 400, 300, &a, ST_THEME_LIGHT);
  render_scatter (&pb, 400, 300, &b, ST_THEME_LIGHT);
  g_assert_cmpmem (pa.data, (gsize) pa.stride * pa.height, pb.data,
                   (gsize) pb.stride * pb.height);
  pixels_clear (&pa);
  pixels_clear (&pb);
}

/* All points at one place, or one coordinate shared: the range is made up around it. */
static void
test_scatter_identical (void)
{
  StScatterPoint points[50] = { 0 };
  StScatter s = scatter_of (points, G_N_ELEMENTS (points), 3);
  double x, y, x0, y0;
  int left, right;
  Pixels p;

  for (int i = 0; i < 50; i++)
    points[i] = (StScatterPoint) { 3.25f, -7.5f, 2 };
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  g_assert_true (st_scatter_position (&s, 480, 360, 0, &x0, &y0));
  for (int i = 1; i < 50; i++)
    {
      g_assert_true (st_scatter_position (&s, 480, 360, i, &x, &y));
      g_assert_cmpfloat (x, ==, x0);
      g_assert_cmpfloat (y, ==, y0);
    }
  g_assert_cmpint (class_of (pixel_at (&p, x0, y0), at (&p, 0, 0)), ==, 2);
  g_assert_cmpint (st_scatter_hit (&s, 480, 360, x0 + 1.0, y0, 2.0), ==, 49);
  /* in the middle of the frame */
  left = find_frame (&p, (int) x0 - 4, (int) y0, -1, 0);
  right = find_frame (&p, (int) x0 + 4, (int) y0, 1, 0);
  g_assert_cmpint (left, >, 0);
  g_assert_cmpfloat (fabs ((left + right) / 2.0 - x0), <, 1.5);
  pixels_clear (&p);

  /* zeros, one shared coordinate, and the ends of float's range */
  for (int i = 0; i < 50; i++)
    points[i] = (StScatterPoint) { 0.0f, i * 0.1f, i % 3 };
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  g_assert_true (st_scatter_position (&s, 480, 360, 1, &x, &y));
  g_assert_cmpint (class_of (pixel_at (&p, x, y), at (&p, 0, 0)), ==, 1);
  pixels_clear (&p);
  points[0] = (StScatterPoint) { -FLT_MAX, FLT_MAX, 0 };
  points[1] = (StScatterPoint) { FLT_MAX, -FLT_MAX, 1 };
  points[2] = (StScatterPoint) { 1e-30f, -1e-30f, 2 };
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  for (int i = 0; i < 3; i++)
    {
      g_assert_true (st_scatter_position (&s, 480, 360, i, &x, &y));
      g_assert_true (isfinite (x) && isfinite (y));
    }
  g_assert_cmpint (st_scatter_hit (&s, 480, 360, x, y, 1.0), >=, 2);
  pixels_clear (&p);
}

/* The legend lists n_classes swatches, opaque in the class colours, and no more. */
static void
test_scatter_legend (void)
{
  const char *const names[] = { "cat", "dog", "ship" };
  const StScatterPoint points[] = { { 0.0f, 0.0f, 0 }, { 1.0f, 1.0f, 1 }, { 2.0f, 0.0f, 2 } };
  StScatter s = scatter_of (points, G_N_ELEMENTS (points), 3);
  StScatterPoint *many = g_new (StScatterPoint, 100);
  Pixels p;

  s.class_names = names;
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  for (int k = 0; k < 10; k++)
    {
      Colour swatch = colour_of (&st_render_tab10[k]);
      int n = 0;

      for (int y = 0; y < p.height; y++)
        for (int x = 0; x < p.width; x++)
          n += distance (at (&p, x, y), swatch) < 3.0;
      if (k < 3)
        g_assert_cmpint (n, >, 20);
      else
        g_assert_cmpint (n, ==, 0);
    }
  pixels_clear (&p);

  /* 100 classes, far more than fit: the render still fits in the picture */
  for (int i = 0; i < 100; i++)
    many[i] = (StScatterPoint) { i, i % 7, i };
  s = scatter_of (many, 100, 100);
  render_scatter (&p, 480, 360, &s, ST_THEME_LIGHT);
  g_assert_cmpint (ink_in (&p, 0, 0, 480, 360), >, 0);
  pixels_clear (&p);
  g_free (many);
}

/* ---- saving ------------------------------------------------------------------------------- */

static void
test_scatter_save (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("strata-scatter-XXXXXX", &error);
  g_autofree char *png = NULL, *svg = NULL, *jpg = NULL, *bad = NULL, *contents = NULL;
  StScatterPoint points[RING];
  StScatter s;
  cairo_surface_t *loaded;
  Pixels p;

  g_assert_no_error (error);
  png = g_build_filename (dir, "scatter.png", NULL);
  svg = g_build_filename (dir, "scatter.svg", NULL);
  jpg = g_build_filename (dir, "scatter.jpg", NULL);
  bad = g_build_filename (dir, "missing", "scatter.png", NULL);
  ring_points (points);
  s = scatter_of (points, RING, 10);

  g_assert_true (st_scatter_save (png, 320, 240, &s, &error));
  g_assert_no_error (error);
  loaded = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (loaded), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (loaded), ==, 320);
  g_assert_cmpint (cairo_image_surface_get_height (loaded), ==, 240);
  pixels_init (&p, loaded);
  for (int i = 0; i < 10; i++)
    {
      double x, y;

      g_assert_true (st_scatter_position (&s, 320, 240, i, &x, &y));
      g_assert_cmpint (class_of (pixel_at (&p, x, y), at (&p, 0, 0)), ==, i);
    }
  pixels_clear (&p);

  g_assert_true (st_scatter_save (svg, 320, 240, &s, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml") || g_str_has_prefix (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));

  g_assert_false (st_scatter_save (jpg, 320, 240, &s, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, jpg));
  g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_false (st_scatter_save (bad, 320, 240, &s, &error));
  g_assert_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);

  g_assert_cmpint (g_remove (png), ==, 0);
  g_assert_cmpint (g_remove (svg), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/render/scatter/classes", test_scatter_classes);
  g_test_add_func ("/render/scatter/classes-dark", test_scatter_classes_dark);
  g_test_add_func ("/render/scatter/mapping", test_scatter_mapping);
  g_test_add_func ("/render/scatter/highlight", test_scatter_highlight);
  g_test_add_func ("/render/scatter/order", test_scatter_order);
  g_test_add_func ("/render/scatter/hit", test_scatter_hit);
  g_test_add_func ("/render/scatter/many", test_scatter_many);
  g_test_add_func ("/render/scatter/empty", test_scatter_empty);
  g_test_add_func ("/render/scatter/nan", test_scatter_nan);
  g_test_add_func ("/render/scatter/identical", test_scatter_identical);
  g_test_add_func ("/render/scatter/legend", test_scatter_legend);
  g_test_add_func ("/render/scatter/save", test_scatter_save);

  return g_test_run ();
}
