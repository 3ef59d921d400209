/* ridge-render.c: see ridge-render.h. Each row's counts are scaled to its own highest bin, so
 * that a narrowing histogram stays as tall as a wide one: the plot shows shapes, the axis
 * the values. */
#define G_LOG_DOMAIN "strata-render"

#include "ui/render/ridge-render.h"

#include <math.h>

#include "ui/render/chart-axis.h"

#define TITLE_FONT 13.0
#define TICK_FONT  11.0
#define PAD        10.0
#define RIDGE      0.45         /* a row's peak, in row spacings */

typedef struct {
  const StRidgePanel *panels;
  int                 n_panels;
  int                 columns;
  StTheme             theme;
} RidgeArgs;

static void
value_range (const StRidgePanel *p, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int r = 0; r < p->n_rows; r++)
    if (isfinite (p->rows[r].lo) && isfinite (p->rows[r].hi) && p->rows[r].hi > p->rows[r].lo)
      {
        *lo = MIN (*lo, p->rows[r].lo);
        *hi = MAX (*hi, p->rows[r].hi);
      }
  if (*lo > *hi)
    *lo = -1.0, *hi = 1.0;
}

static void
draw_panel (cairo_t *cr, const StRidgePanel *p, double x0, double y0, double w, double h,
            StTheme theme)
{
  const StRgba text = theme == ST_THEME_DARK ? (StRgba) { 0.9, 0.9, 0.9, 1.0 }
                                             : (StRgba) { 0.15, 0.15, 0.15, 1.0 };
  const StRgba background = theme == ST_THEME_DARK ? (StRgba) { 0.12, 0.12, 0.12, 1.0 }
                                                   : (StRgba) { 1.0, 1.0, 1.0, 1.0 };
  double lo, hi, left, right, top, bottom, spacing, label_w;
  StTicks ticks;
  char buf[64];

  value_range (p, &lo, &hi);
  st_render_set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
  st_render_set_rgba (cr, &text, 1.0);
  {
    g_autofree char *shown = st_render_ellipsize (cr, p->title, MAX (w - PAD, 0));

    st_render_text_at (cr, shown, x0 + w / 2, y0 + PAD, 0.5, 0.0);
  }
  if (p->n_rows == 0)
    return;
  st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  g_snprintf (buf, sizeof buf, "%d", p->n_rows > 0 ? p->rows[p->n_rows - 1].epoch : 0);
  label_w = st_render_text_width (cr, buf) + 6.0;
  left = x0 + PAD;
  right = x0 + w - PAD - label_w;
  top = y0 + PAD + st_render_line_height (cr) + 12.0;
  bottom = y0 + h - PAD - st_render_line_height (cr) - 6.0;
  if (right - left < 20.0 || bottom - top < 20.0)
    return;
  /* rows one spacing apart, the front row's ridge RIDGE spacings high above its base */
  spacing = (bottom - top) / MAX (p->n_rows - 1 + RIDGE * 2.0, 1.0);

  for (int r = 0; r < p->n_rows; r++)
    {
      const StRidgeRow *row = &p->rows[r];
      double base = top + (r + RIDGE * 2.0) * spacing, peak = 0.0;
      double alpha = p->n_rows > 1 ? 0.25 + 0.75 * r / (p->n_rows - 1) : 1.0;

      for (int b = 0; b < row->n_bins; b++)
        peak = MAX (peak, row->counts[b]);
      if (peak <= 0.0 || !(row->hi > row->lo))
        continue;
      cairo_new_path (cr);
      cairo_move_to (cr, left + (row->lo - lo) / (hi - lo) * (right - left), base);
      for (int b = 0; b < row->n_bins; b++)
        {
          double v = row->lo + (b + 0.5) * (row->hi - row->lo) / row->n_bins;
          double x = left + (v - lo) / (hi - lo) * (right - left);

          cairo_line_to (cr, x, base - row->counts[b] / peak * RIDGE * 2.0 * spacing);
        }
      cairo_line_to (cr, left + (row->hi - lo) / (hi - lo) * (right - left), base);
      cairo_close_path (cr);
      /* the background first, so that the rows in front hide those behind */
      st_render_set_rgba (cr, &background, 1.0);
      cairo_fill_preserve (cr);
      st_render_set_rgba (cr, p->colour, 0.35 * alpha);
      cairo_fill_preserve (cr);
      st_render_set_rgba (cr, p->colour, alpha);
      cairo_set_line_width (cr, 1.2);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%d", row->epoch);
      st_render_set_rgba (cr, &text, 0.4 + 0.6 * alpha);
      st_render_text_at (cr, buf, right + 6.0, base, 0.0, 0.5);
    }

  /* the value axis */
  st_render_set_rgba (cr, &text, 0.6);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, left, bottom + 0.5);
  cairo_line_to (cr, right, bottom + 0.5);
  cairo_stroke (cr);
  st_ticks_linear (lo, hi, MAX (2.0, (right - left) / 80.0), &ticks);
  for (int i = 0; i < ticks.n; i++)
    if (ticks.major[i] && ticks.v[i] >= lo && ticks.v[i] <= hi)
      {
        double x = left + (ticks.v[i] - lo) / (hi - lo) * (right - left);

        st_ticks_format (buf, sizeof buf, &ticks, ticks.v[i], FALSE);
        st_render_text_at (cr, buf, x, bottom + 4.0, 0.5, 0.0);
      }
}

static void
render_cb (cairo_t *cr, double width, double height, gconstpointer data)
{
  const RidgeArgs *a = data;

  st_ridge_render (cr, width, height, a->panels, a->n_panels, a->columns, a->theme);
}

void
st_ridge_render (cairo_t *cr, double width, double height, const StRidgePanel *panels,
                 int n_panels, int columns, StTheme theme)
{
  int cols = CLAMP (columns, 1, MAX (n_panels, 1));
  int rows = (n_panels + cols - 1) / cols;
  double w = width / cols, h = height / MAX (rows, 1);

  g_return_if_fail (cr != NULL);

  cairo_save (cr);
  if (theme == ST_THEME_DARK)
    cairo_set_source_rgb (cr, 0.12, 0.12, 0.12);
  else
    cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_paint (cr);
  for (int i = 0; i < n_panels; i++)
    draw_panel (cr, &panels[i], (i % cols) * w, (i / cols) * h, w, h, theme);
  cairo_restore (cr);
}

gboolean
st_ridge_save (const char *path, int width, int height, const StRidgePanel *panels,
               int n_panels, int columns, GError **error)
{
  RidgeArgs a = { panels, n_panels, columns, ST_THEME_LIGHT };

  return st_render_save (path, width, height, render_cb, &a, error);
}
