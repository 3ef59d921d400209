/* test-drawing-pad.c: the drawing pad, in a real window.
 *
 * The strokes are checked against what the brush is (drawing-pad.h), not against numbers the
 * pad produced: ink where the path runs and none four pixels away, symmetry about the path,
 * max-blending (a stroke over a stroke is their pixelwise maximum), the eraser taking back
 * all of a stroke's ink. The drag gesture is driven through its own signals at the points
 * where the canvas's layout rule puts the input pixels, at two window sizes, and the widget's
 * frame is rendered with a Cairo GSK renderer to see the ink where it was drawn.
 *
 * Without a display every case is skipped.
 */
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "ui/drawing-pad.h"
#include "ui-test-util.h"

#define PAD_DOMAIN          "strata-drawing-pad"
#define FRAME_GUARD_SECONDS 30  /* a frame that never comes fails the test instead of hanging */
#define SIDE                28

typedef struct {
  GtkWidget    *window;
  StDrawingPad *pad;
  GskRenderer  *renderer;
  int           changed;
  int           finished;
  int           changed_at_finish;  /* ::changed's count when ::stroke-finished came */
} Fixture;

/* ---- helpers ------------------------------------------------------------------------------ */

static void
count_changed (StDrawingPad *pad, Fixture *f)
{
  f->changed++;
}

static void
count_finished (StDrawingPad *pad, Fixture *f)
{
  f->finished++;
  f->changed_at_finish = f->changed;
}

static gboolean
changed_came (gpointer data)
{
  return ((Fixture *) data)->changed > 0;
}

/* Lets the main loop run until ::changed has come, then a little longer for any others. */
static void
settle (Fixture *f)
{
  g_assert_true (ui_test_wait_until (changed_came, f, FRAME_GUARD_SECONDS));
  ui_test_spin (50);
}

static StDrawingPad *
open_pad (int width, int height, GtkWidget **window, Fixture *f)
{
  StDrawingPad *pad = ST_DRAWING_PAD (st_drawing_pad_new ());

  *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (*window), width, height);
  gtk_window_set_child (GTK_WINDOW (*window), GTK_WIDGET (pad));
  gtk_window_present (GTK_WINDOW (*window));
  g_signal_connect (pad, "changed", G_CALLBACK (count_changed), f);
  g_signal_connect (pad, "stroke-finished", G_CALLBACK (count_finished), f);
  ui_test_wait_for_frame (GTK_WIDGET (pad), FRAME_GUARD_SECONDS);
  return pad;
}

static int
at (StDrawingPad *pad, int x, int y)
{
  return st_drawing_pad_get_pixels (pad)[(gsize) y * st_drawing_pad_get_width (pad) + x];
}

static void
line (StDrawingPad *pad, double x0, double y0, double x1, double y1, gboolean erase)
{
  const double xy[] = { x0, y0, x1, y1 };

  st_drawing_pad_stroke (pad, xy, 2, erase);
}

static guint8 *
copy_pixels (StDrawingPad *pad)
{
  return g_memdup2 (st_drawing_pad_get_pixels (pad),
                    (gsize) st_drawing_pad_get_height (pad) * st_drawing_pad_get_width (pad));
}

/* ---- the canvas's layout, as drawing-pad.h states it -------------------------------------- */

typedef struct {
  double x0, y0, cell;
} Layout;

static GtkWidget *
pad_area (StDrawingPad *pad)
{
  return gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (st_drawing_pad_get_gesture (pad)));
}

static Layout
layout_of (StDrawingPad *pad)
{
  GtkWidget *area = pad_area (pad);
  int aw = gtk_widget_get_width (area), ah = gtk_widget_get_height (area);
  int w = st_drawing_pad_get_width (pad), h = st_drawing_pad_get_height (pad);
  double cell = MIN ((double) aw / w, (double) ah / h);

  if (cell >= 1.0)
    cell = floor (cell);
  return (Layout) { floor ((aw - cell * w) / 2.0), floor ((ah - cell * h) / 2.0), cell };
}

/* A drag through `n` points given in input pixels, as the gesture reports one: the start in
 * the area's coordinates, then offsets from it. */
static void
drag_through (StDrawingPad *pad, const double *xy, int n)
{
  GtkGesture *gesture = st_drawing_pad_get_gesture (pad);
  Layout l = layout_of (pad);
  double sx = l.x0 + xy[0] * l.cell, sy = l.y0 + xy[1] * l.cell;

  g_assert_cmpint (n, >=, 2);
  g_signal_emit_by_name (gesture, "drag-begin", sx, sy);
  for (int i = 1; i < n; i++)
    {
      double ox = l.x0 + xy[2 * i] * l.cell - sx, oy = l.y0 + xy[2 * i + 1] * l.cell - sy;

      g_signal_emit_by_name (gesture, i < n - 1 ? "drag-update" : "drag-end", ox, oy);
    }
}

/* Every input pixel that the polyline passes through has ink of at least `min`: its centre is
 * within half a diagonal of the path, where the brush of width 2.2 is still near full. */
static void
assert_path_inked (StDrawingPad *pad, const double *xy, int n, int min)
{
  for (int i = 0; i + 1 < n; i++)
    for (double t = 0.0; t <= 1.0; t += 0.02)
      {
        double x = xy[2 * i] + t * (xy[2 * i + 2] - xy[2 * i]);
        double y = xy[2 * i + 1] + t * (xy[2 * i + 3] - xy[2 * i + 1]);

        if (at (pad, (int) x, (int) y) < min)
          {
            g_test_message ("pixel (%d, %d), under the path at (%.2f, %.2f), lacks ink",
                            (int) x, (int) y, x, y);
            g_assert_cmpint (at (pad, (int) x, (int) y), >=, min);
            return;
          }
      }
}

static double
luminance_at (const guint8 *argb, int stride_pixels, int x, int y)
{
  guint32 v;

  memcpy (&v, argb + ((gsize) y * stride_pixels + x) * 4, sizeof v);
  return 0.2126 * ((v >> 16) & 0xff) + 0.7152 * ((v >> 8) & 0xff) + 0.0722 * (v & 0xff);
}

/* Renders the canvas's area and checks that the screen pixel at the centre of every input
 * pixel's cell is light where that pixel is ink (>= 200) and dark where it is 0. */
static void
assert_screen_matches (StDrawingPad *pad, GskRenderer *renderer)
{
  Layout l = layout_of (pad);
  int width, height, light = 0, dark = 0;
  g_autofree guint8 *argb = ui_test_render_pixels (pad_area (pad), renderer, FRAME_GUARD_SECONDS,
                                                   &width, &height);

  g_assert_cmpfloat (l.cell, >=, 3.0);
  for (int y = 0; y < st_drawing_pad_get_height (pad); y++)
    for (int x = 0; x < st_drawing_pad_get_width (pad); x++)
      {
        int sx = (int) (l.x0 + (x + 0.5) * l.cell), sy = (int) (l.y0 + (y + 0.5) * l.cell);
        double lum;

        g_assert_cmpint (sx, <, width);
        g_assert_cmpint (sy, <, height);
        lum = luminance_at (argb, width, sx, sy);
        if (at (pad, x, y) >= 200)
          {
            g_assert_cmpfloat (lum, >, 180.0);
            light++;
          }
        else if (at (pad, x, y) == 0)
          {
            g_assert_cmpfloat (lum, <, 40.0);
            dark++;
          }
      }
  g_assert_cmpint (light, >, 0);
  g_assert_cmpint (dark, >, 0);
}

/* ---- set-up ------------------------------------------------------------------------------- */

static void
fixture_set_up (Fixture *f, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;

  f->pad = open_pad (360, 440, &f->window, f);
  f->renderer = gsk_cairo_renderer_new ();
  g_assert_true (gsk_renderer_realize (f->renderer, NULL, &error));
  g_assert_no_error (error);
  ui_test_spin (20);
  f->changed = f->finished = 0;
}

static void
fixture_tear_down (Fixture *f, gconstpointer user_data)
{
  gsk_renderer_unrealize (f->renderer);
  g_clear_object (&f->renderer);
  gtk_window_destroy (GTK_WINDOW (f->window));
}

/* ---- tests -------------------------------------------------------------------------------- */

static void
test_new (Fixture *f, gconstpointer user_data)
{
  g_autoptr (StDrawingPad) alone = g_object_ref_sink (ST_DRAWING_PAD (st_drawing_pad_new ()));
  StDrawingPadTool tool;
  double size;

  g_assert_cmpint (st_drawing_pad_get_height (alone), ==, SIDE);
  g_assert_cmpint (st_drawing_pad_get_width (alone), ==, SIDE);
  g_assert_nonnull (st_drawing_pad_get_pixels (alone));
  g_assert_true (st_drawing_pad_is_blank (alone));
  for (int i = 0; i < SIDE * SIDE; i++)
    g_assert_cmpint (st_drawing_pad_get_pixels (alone)[i], ==, 0);

  g_object_get (f->pad, "tool", &tool, "brush-size", &size, NULL);
  g_assert_cmpint (tool, ==, ST_DRAWING_PAD_TOOL_BRUSH);
  g_assert_cmpfloat (size, >=, 2.0);
  g_assert_cmpfloat (size, <=, 3.0);
  g_assert_true (st_drawing_pad_is_blank (f->pad));
  g_assert_true (GTK_IS_GESTURE_DRAG (st_drawing_pad_get_gesture (f->pad)));
  g_assert_true (gtk_widget_is_ancestor (pad_area (f->pad), GTK_WIDGET (f->pad)));
}

static void
test_size (Fixture *f, gconstpointer user_data)
{
  static const int bad[][2] = { { 0, 28 }, { 28, 0 }, { -1, 5 }, { 257, 28 }, { 28, 1000 } };
  guint8 image[4 * 6];

  line (f->pad, 4, 14, 24, 14, FALSE);
  st_drawing_pad_set_size (f->pad, 4, 6);
  g_assert_cmpint (st_drawing_pad_get_height (f->pad), ==, 4);
  g_assert_cmpint (st_drawing_pad_get_width (f->pad), ==, 6);
  g_assert_true (st_drawing_pad_is_blank (f->pad));

  for (int i = 0; i < 4 * 6; i++)
    image[i] = (guint8) (i * 10);
  st_drawing_pad_set_pixels (f->pad, image);
  g_assert_cmpmem (st_drawing_pad_get_pixels (f->pad), sizeof image, image, sizeof image);
  g_assert_false (st_drawing_pad_is_blank (f->pad));

  /* Refused sizes leave the canvas as it was. */
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_expect_message (PAD_DOMAIN, G_LOG_LEVEL_CRITICAL, "*st_drawing_pad_set_size*");
      st_drawing_pad_set_size (f->pad, bad[i][0], bad[i][1]);
      g_test_assert_expected_messages ();
      g_assert_cmpint (st_drawing_pad_get_height (f->pad), ==, 4);
      g_assert_cmpint (st_drawing_pad_get_width (f->pad), ==, 6);
      g_assert_cmpmem (st_drawing_pad_get_pixels (f->pad), sizeof image, image, sizeof image);
    }

  g_test_expect_message (PAD_DOMAIN, G_LOG_LEVEL_CRITICAL, "*st_drawing_pad_set_pixels*");
  st_drawing_pad_set_pixels (f->pad, NULL);
  g_test_assert_expected_messages ();

  /* The extremes are accepted, and the drawing follows the new size. */
  st_drawing_pad_set_size (f->pad, 1, ST_DRAWING_PAD_MAX_SIZE);
  g_assert_cmpint (st_drawing_pad_get_height (f->pad), ==, 1);
  g_assert_cmpint (st_drawing_pad_get_width (f->pad), ==, ST_DRAWING_PAD_MAX_SIZE);
  line (f->pad, 0, 0.5, ST_DRAWING_PAD_MAX_SIZE, 0.5, FALSE);
  for (int x = 0; x < ST_DRAWING_PAD_MAX_SIZE; x++)
    g_assert_cmpint (at (f->pad, x, 0), >=, 200);
  st_drawing_pad_set_size (f->pad, SIDE, SIDE);
  g_assert_true (st_drawing_pad_is_blank (f->pad));
  ui_test_wait_for_frame (GTK_WIDGET (f->pad), FRAME_GUARD_SECONDS);
}

static void
test_stroke (Fixture *f, gconstpointer user_data)
{
  const double diagonal[] = { 2.0, 3.0, 25.0, 20.0 };
  double previous_mass = 0.0;

  line (f->pad, 4, 14, 24, 14, FALSE);

  for (int x = 5; x <= 23; x++)
    {
      /* the line y = 14 is the edge between rows 13 and 14 */
      g_assert_cmpint (at (f->pad, x, 14), >=, 200);
      g_assert_cmpint (at (f->pad, x, 13), >=, 200);
    }
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        /* rows 10 and 18 have their centres 3.5 and 4.5 from the line */
        if (y <= 10 || y >= 18)
          g_assert_cmpint (at (f->pad, x, y), ==, 0);
        /* the segment is symmetric about y = 14 and x = 14, as is the 28 × 28 grid */
        g_assert_cmpint (at (f->pad, x, y), ==, at (f->pad, x, SIDE - 1 - y));
        g_assert_cmpint (at (f->pad, x, y), ==, at (f->pad, SIDE - 1 - x, y));
      }

  /* A fast stroke is one long segment: still continuous. */
  st_drawing_pad_clear (f->pad);
  st_drawing_pad_stroke (f->pad, diagonal, 2, FALSE);
  assert_path_inked (f->pad, diagonal, 2, 200);
  g_assert_cmpint (at (f->pad, 25, 3), ==, 0);
  g_assert_cmpint (at (f->pad, 2, 20), ==, 0);

  /* The ink across the line grows with the brush's width. */
  for (double size = 1.0; size <= 8.0; size *= 2.0)
    {
      double mass = 0.0;

      st_drawing_pad_clear (f->pad);
      g_object_set (f->pad, "brush-size", size, NULL);
      line (f->pad, 4, 14, 24, 14, FALSE);
      for (int y = 0; y < SIDE; y++)
        mass += at (f->pad, 14, y) / 255.0;
      g_test_message ("brush %.1f: %.2f pixels of ink across the line", size, mass);
      g_assert_cmpfloat (mass, >, previous_mass);
      /* 1 - smoothstep (r - f, r + f, d) is odd about d = r: across the line it sums to 2r */
      g_assert_cmpfloat (fabs (mass - size), <, 0.1 * size);
      previous_mass = mass;
    }
}

static void
test_max_blend (Fixture *f, gconstpointer user_data)
{
  g_autofree guint8 *across = NULL, *down = NULL;

  line (f->pad, 4, 14, 24, 14, FALSE);
  across = copy_pixels (f->pad);
  line (f->pad, 4, 14, 24, 14, FALSE);
  g_assert_cmpmem (st_drawing_pad_get_pixels (f->pad), SIDE * SIDE, across, SIDE * SIDE);

  st_drawing_pad_clear (f->pad);
  line (f->pad, 14, 4, 14, 24, FALSE);
  down = copy_pixels (f->pad);

  /* Either order, the crossing is their pixelwise maximum: ink only accumulates. */
  for (int order = 0; order < 2; order++)
    {
      st_drawing_pad_clear (f->pad);
      line (f->pad, 4, 14, 24, 14, FALSE);
      line (f->pad, 14, 4, 14, 24, FALSE);
      if (order == 1)
        {
          st_drawing_pad_clear (f->pad);
          line (f->pad, 14, 4, 14, 24, FALSE);
          line (f->pad, 4, 14, 24, 14, FALSE);
        }
      for (int i = 0; i < SIDE * SIDE; i++)
        g_assert_cmpint (st_drawing_pad_get_pixels (f->pad)[i], ==, MAX (across[i], down[i]));
    }
  /* The pixel where they cross is no brighter than one as near to a single line. */
  g_assert_cmpint (at (f->pad, 13, 13), ==, at (f->pad, 5, 13));

  /* A hundred passes stay where one pass put them: nothing wraps past 255. */
  for (int i = 0; i < 100; i++)
    line (f->pad, 4, 14, 24, 14, FALSE);
  for (int i = 0; i < SIDE * SIDE; i++)
    g_assert_cmpint (st_drawing_pad_get_pixels (f->pad)[i], ==, MAX (across[i], down[i]));
}

static void
test_eraser (Fixture *f, gconstpointer user_data)
{
  g_autofree guint8 *before = NULL;

  line (f->pad, 4, 14, 24, 14, TRUE);
  g_assert_true (st_drawing_pad_is_blank (f->pad));

  line (f->pad, 4, 14, 24, 14, FALSE);
  line (f->pad, 4, 14, 24, 14, TRUE);
  for (int x = 5; x <= 23; x++)
    g_assert_cmpint (at (f->pad, x, 14), ==, 0);
  g_assert_true (st_drawing_pad_is_blank (f->pad));

  /* Erasing the middle only lowers pixels, and leaves the ends, far from it, alone. */
  for (double size = 1.0; size <= 8.0; size *= 2.0)
    {
      st_drawing_pad_clear (f->pad);
      st_drawing_pad_set_brush_size (f->pad, size);
      line (f->pad, 4, 14, 24, 14, FALSE);
      before = copy_pixels (f->pad);
      line (f->pad, 12, 14, 16, 14, TRUE);
      g_assert_cmpint (at (f->pad, 14, 14), ==, 0);
      g_assert_cmpint (at (f->pad, 14, 13), ==, 0);
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
          {
            int i = y * SIDE + x;

            g_assert_cmpint (st_drawing_pad_get_pixels (f->pad)[i], <=, before[i]);
            if (x + 0.5 < 12 - size - 2.5 || x + 0.5 > 16 + size + 2.5)
              g_assert_cmpint (st_drawing_pad_get_pixels (f->pad)[i], ==, before[i]);
          }
      g_assert_cmpint (at (f->pad, 4, 14), >, 0);
      g_clear_pointer (&before, g_free);

      /* And a whole pass of the same width takes all of the stroke away. */
      line (f->pad, 4, 14, 24, 14, TRUE);
      g_assert_true (st_drawing_pad_is_blank (f->pad));
    }
}

static void
test_bad_points (Fixture *f, gconstpointer user_data)
{
  const double with_nan[] = { NAN, 1.0, 5.0, 5.0, INFINITY, 3.0 };
  const double far_away[] = { -1e300, -1e300, -1e299, 5.0, 1e308, -1e308 };
  const double outside[] = { -1e9, -5.0, 1e9, -5.0 };
  const double across[] = { -1e6, 14.0, 1e6, 14.0 };
  const double lifted[] = { 2.0, 2.0, 10.0, 2.0, NAN, NAN, 2.0, 20.0, 10.0, 20.0 };
  const double too_far[] = { 14.0, 2.0, 14.0, 2e9, 14.0, 20.0 };
  int dot;

  /* The points that are not finite are skipped: a dot at (5, 5), the corner of four pixels. */
  st_drawing_pad_stroke (f->pad, with_nan, 3, FALSE);
  dot = at (f->pad, 5, 5);
  g_assert_cmpint (dot, >, 0);
  g_assert_cmpint (at (f->pad, 4, 4), ==, dot);
  g_assert_cmpint (at (f->pad, 4, 5), ==, dot);
  g_assert_cmpint (at (f->pad, 5, 4), ==, dot);
  g_assert_cmpint (at (f->pad, 10, 10), ==, 0);

  st_drawing_pad_clear (f->pad);
  st_drawing_pad_stroke (f->pad, far_away, 3, FALSE);
  st_drawing_pad_stroke (f->pad, outside, 2, FALSE);
  st_drawing_pad_stroke (f->pad, NULL, 0, FALSE);
  g_assert_true (st_drawing_pad_is_blank (f->pad));
  st_drawing_pad_stroke (f->pad, across, 2, FALSE);
  for (int x = 0; x < SIDE; x++)
    g_assert_cmpint (at (f->pad, x, 14), >=, 200);

  /* The pen lifts at a point that is not finite, or too far: the two lines are not joined. */
  st_drawing_pad_clear (f->pad);
  st_drawing_pad_stroke (f->pad, lifted, G_N_ELEMENTS (lifted) / 2, FALSE);
  g_assert_cmpint (at (f->pad, 6, 2), >=, 200);
  g_assert_cmpint (at (f->pad, 6, 20), >=, 200);
  for (int y = 6; y <= 16; y++)
    for (int x = 0; x < SIDE; x++)
      g_assert_cmpint (at (f->pad, x, y), ==, 0);
  st_drawing_pad_clear (f->pad);
  st_drawing_pad_stroke (f->pad, too_far, G_N_ELEMENTS (too_far) / 2, FALSE);
  g_assert_cmpint (at (f->pad, 13, 2), >=, 200);
  g_assert_cmpint (at (f->pad, 13, 20), >=, 200);
  g_assert_cmpint (at (f->pad, 13, 11), ==, 0);

  g_test_expect_message (PAD_DOMAIN, G_LOG_LEVEL_CRITICAL, "*st_drawing_pad_stroke*n >= 0*");
  st_drawing_pad_stroke (f->pad, across, -1, FALSE);
  g_test_assert_expected_messages ();
  g_test_expect_message (PAD_DOMAIN, G_LOG_LEVEL_CRITICAL, "*st_drawing_pad_stroke*xy != NULL*");
  st_drawing_pad_stroke (f->pad, NULL, 2, FALSE);
  g_test_assert_expected_messages ();
  g_test_expect_message (PAD_DOMAIN, G_LOG_LEVEL_CRITICAL, "*st_drawing_pad_set_brush_size*");
  st_drawing_pad_set_brush_size (f->pad, NAN);
  g_test_assert_expected_messages ();

  /* Widths out of range are clamped, as the property's range says. */
  st_drawing_pad_set_brush_size (f->pad, 1000.0);
  g_assert_cmpfloat (st_drawing_pad_get_brush_size (f->pad), ==, 16.0);
  st_drawing_pad_set_brush_size (f->pad, 0.0);
  g_assert_cmpfloat (st_drawing_pad_get_brush_size (f->pad), ==, 0.5);
}

static void
test_changed (Fixture *f, gconstpointer user_data)
{
  line (f->pad, 4, 14, 24, 14, FALSE);
  settle (f);
  g_assert_cmpint (f->changed, ==, 1);

  f->changed = 0;
  for (int i = 0; i < 100; i++)
    line (f->pad, 4, i % SIDE, 24, SIDE - i % SIDE, i % 3 == 0);
  settle (f);
  g_test_message ("100 strokes, %d emissions", f->changed);
  g_assert_cmpint (f->changed, >=, 1);
  g_assert_cmpint (f->changed, <, 10);

  f->changed = 0;
  st_drawing_pad_clear (f->pad);
  g_assert_true (st_drawing_pad_is_blank (f->pad));
  settle (f);
  g_assert_cmpint (f->changed, >=, 1);

  f->changed = 0;
  st_drawing_pad_set_size (f->pad, 10, 12);
  settle (f);
  g_assert_cmpint (f->changed, >=, 1);

  f->changed = 0;
  st_drawing_pad_set_pixels (f->pad, st_drawing_pad_get_pixels (f->pad));
  settle (f);
  g_assert_cmpint (f->changed, >=, 1);
  g_assert_cmpint (f->finished, ==, 0);
}

/* Drags the same path at two window sizes, with the brush and then the eraser. */
static void
test_drag (Fixture *f, gconstpointer user_data)
{
  const double path[] = { 3.5, 20.5, 9.25, 6.0, 17.0, 11.5, 24.5, 8.5, 22.0, 25.0 };
  const int n = G_N_ELEMENTS (path) / 2;
  GtkWidget *wide_window = NULL;
  StDrawingPad *pads[2];
  double cells[2];

  pads[0] = f->pad;
  pads[1] = open_pad (900, 640, &wide_window, f);
  for (int i = 0; i < 2; i++)
    {
      StDrawingPad *pad = pads[i];
      Layout l = layout_of (pad);

      g_test_message ("area %d × %d: cell %.0f at (%.0f, %.0f)",
                      gtk_widget_get_width (pad_area (pad)), gtk_widget_get_height (pad_area (pad)),
                      l.cell, l.x0, l.y0);
      cells[i] = l.cell;
      f->changed = f->finished = 0;

      drag_through (pad, path, n);
      assert_path_inked (pad, path, n, 200);
      g_assert_cmpint (at (pad, 0, 0), ==, 0);
      g_assert_cmpint (at (pad, 27, 0), ==, 0);
      g_assert_cmpint (at (pad, 0, 27), ==, 0);
      g_assert_cmpint (at (pad, 12, 20), ==, 0);
      g_assert_cmpint (f->finished, ==, 1);
      g_assert_cmpint (f->changed_at_finish, ==, 1);
      ui_test_spin (50);
      g_assert_cmpint (f->changed, ==, 1);

      /* What the drag drew is what the widget shows, where it was drawn. */
      assert_screen_matches (pad, f->renderer);

      /* The same stroke by script adds nothing: the drag went through the same points. */
      {
        g_autofree guint8 *dragged = copy_pixels (pad);

        st_drawing_pad_stroke (pad, path, n, FALSE);
        g_assert_cmpmem (st_drawing_pad_get_pixels (pad), SIDE * SIDE, dragged, SIDE * SIDE);
      }

      g_object_set (pad, "tool", ST_DRAWING_PAD_TOOL_ERASER, NULL);
      drag_through (pad, path, n);
      g_assert_true (st_drawing_pad_is_blank (pad));
      g_assert_cmpint (f->finished, ==, 2);
    }
  /* Two different mappings from the widget to the input pixels. */
  g_assert_cmpfloat (cells[0], !=, cells[1]);
  gtk_window_destroy (GTK_WINDOW (wide_window));
}

static void
test_render (Fixture *f, gconstpointer user_data)
{
  guint8 image[SIDE * SIDE];

  /* A diagonal pattern, so that a transposed or shifted drawing cannot pass. */
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      image[y * SIDE + x] = (x + 3 * y) % 7 == 0 ? 255 : 0;
  st_drawing_pad_set_pixels (f->pad, image);
  assert_screen_matches (f->pad, f->renderer);

  /* A canvas that is not square keeps its pixels square. */
  st_drawing_pad_set_size (f->pad, 8, 20);
  line (f->pad, 1, 1, 19, 7, FALSE);
  assert_screen_matches (f->pad, f->renderer);
}

static void
test_toolbar (Fixture *f, gconstpointer user_data)
{
  GtkWidget *brush = ui_test_find_widget (GTK_WIDGET (f->pad), GTK_TYPE_TOGGLE_BUTTON, "Brush");
  GtkWidget *eraser = ui_test_find_widget (GTK_WIDGET (f->pad), GTK_TYPE_TOGGLE_BUTTON, "Eraser");
  GtkWidget *clear = ui_test_find_widget (GTK_WIDGET (f->pad), GTK_TYPE_BUTTON, "Clear");
  GtkWidget *spin = ui_test_find_widget (GTK_WIDGET (f->pad), GTK_TYPE_SPIN_BUTTON, NULL);

  g_assert_nonnull (brush);
  g_assert_nonnull (eraser);
  g_assert_nonnull (clear);
  g_assert_nonnull (spin);
  if (brush == NULL || eraser == NULL || clear == NULL || spin == NULL)
    return;
  g_assert_nonnull (gtk_widget_get_tooltip_text (brush));
  g_assert_nonnull (gtk_widget_get_tooltip_text (eraser));
  g_assert_nonnull (gtk_widget_get_tooltip_text (clear));
  g_assert_nonnull (gtk_widget_get_tooltip_text (spin));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (brush)));

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (eraser), TRUE);
  g_assert_cmpint (st_drawing_pad_get_tool (f->pad), ==, ST_DRAWING_PAD_TOOL_ERASER);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (brush)));
  st_drawing_pad_set_tool (f->pad, ST_DRAWING_PAD_TOOL_BRUSH);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (brush)));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (eraser)));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 4.0);
  g_assert_cmpfloat (st_drawing_pad_get_brush_size (f->pad), ==, 4.0);
  st_drawing_pad_set_brush_size (f->pad, 1.5);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), ==, 1.5);

  line (f->pad, 4, 14, 24, 14, FALSE);
  g_signal_emit_by_name (clear, "clicked");
  g_assert_true (st_drawing_pad_is_blank (f->pad));
}

static void
test_keys (Fixture *f, gconstpointer user_data)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (pad_area (f->pad));
  GtkEventController *keys = NULL;
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        keys = c;
    }
  g_assert_nonnull (keys);
  if (keys == NULL)
    return;
  g_assert_true (gtk_widget_get_focusable (pad_area (f->pad)));

  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_e, 0, (GdkModifierType) 0, &handled);
  g_assert_true (handled);
  g_assert_cmpint (st_drawing_pad_get_tool (f->pad), ==, ST_DRAWING_PAD_TOOL_ERASER);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_e, 0, (GdkModifierType) 0, &handled);
  g_assert_cmpint (st_drawing_pad_get_tool (f->pad), ==, ST_DRAWING_PAD_TOOL_BRUSH);

  line (f->pad, 4, 14, 24, 14, FALSE);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Delete, 0, (GdkModifierType) 0, &handled);
  g_assert_true (st_drawing_pad_is_blank (f->pad));

  line (f->pad, 4, 14, 24, 14, FALSE);
  handled = TRUE;
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_BackSpace, 0, (GdkModifierType) 0,
                         &handled);
  g_assert_false (handled);
  g_assert_false (st_drawing_pad_is_blank (f->pad));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_BackSpace, 0, GDK_CONTROL_MASK, &handled);
  g_assert_true (handled);
  g_assert_true (st_drawing_pad_is_blank (f->pad));
}

/* ---- main --------------------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  static const UI_TEST_CASE (Fixture) cases[] = {
    { "/drawing-pad/new", test_new },
    { "/drawing-pad/size", test_size },
    { "/drawing-pad/stroke", test_stroke },
    { "/drawing-pad/max-blend", test_max_blend },
    { "/drawing-pad/eraser", test_eraser },
    { "/drawing-pad/bad-points", test_bad_points },
    { "/drawing-pad/changed", test_changed },
    { "/drawing-pad/drag", test_drag },
    { "/drawing-pad/render", test_render },
    { "/drawing-pad/toolbar", test_toolbar },
    { "/drawing-pad/keys", test_keys },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  UI_TEST_ADD_CASES (ui_test_init (TRUE), cases, Fixture, fixture_set_up, fixture_tear_down);

  return g_test_run ();
}
