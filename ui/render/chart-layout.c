/* chart-layout.c: where the title, the panels, their plot areas, ticks and legends go.
 *
 * The data decide the ranges (the previous run's too, so both runs share the axes); the
 * planned number of epochs fixes the x axis while a run fills it.
 */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-layout.h"

#include "ui/render/chart-data.h"

#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#define PIXEL_LIMIT 1.0e5       /* Cairo's fixed-point coordinates overflow far beyond this */

static const StChartPalette light_palette = {
  .background = { 1.0, 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.13, 0.15, 1.0 },
  .text_dim = { 0.36, 0.36, 0.40, 1.0 },
  .axis = { 0.0, 0.0, 0.0, 0.55 },
  .grid = { 0.0, 0.0, 0.0, 0.09 },
  .grid_minor = { 0.0, 0.0, 0.0, 0.04 },
  .guide = { 0.0, 0.0, 0.0, 0.50 },
  .box = { 1.0, 1.0, 1.0, 0.94 },
  .box_border = { 0.0, 0.0, 0.0, 0.22 },
  .faint = 1.0,
};

static const StChartPalette dark_palette = {
  .background = { 0.14, 0.14, 0.15, 1.0 },
  .text = { 0.93, 0.93, 0.94, 1.0 },
  .text_dim = { 0.70, 0.70, 0.73, 1.0 },
  .axis = { 1.0, 1.0, 1.0, 0.55 },
  .grid = { 1.0, 1.0, 1.0, 0.10 },
  .grid_minor = { 1.0, 1.0, 1.0, 0.045 },
  .guide = { 1.0, 1.0, 1.0, 0.55 },
  .box = { 0.19, 0.19, 0.20, 0.95 },
  .box_border = { 1.0, 1.0, 1.0, 0.25 },
  .faint = 1.5,
};

double
st_panel_map_x (const StPanel *p, double x)
{
  double px = p->left + (x - p->xlo) / (p->xhi - p->xlo) * (p->right - p->left);

  return CLAMP (px, -PIXEL_LIMIT, PIXEL_LIMIT);
}

double
st_panel_unmap_x (const StPanel *p, double px)
{
  return p->xlo + (px - p->left) / (p->right - p->left) * (p->xhi - p->xlo);
}

double
st_panel_map_y (const StPanel *p, double y)
{
  double v = p->log_y ? log10 (y) : y;
  double py = p->bottom - (v - p->ylo) / (p->yhi - p->ylo) * (p->bottom - p->top);

  return CLAMP (py, -PIXEL_LIMIT, PIXEL_LIMIT);
}

static void
extend (double *lo, double *hi, const StSeries *s, gboolean log_y)
{
  for (gsize i = 0; i < s->n; i++)
    {
      double y = ST_SERIES_Y (s, i);

      if (!isfinite (ST_SERIES_X (s, i)) || !st_series_usable (y, log_y))
        continue;
      if (log_y)
        y = log10 (y);
      *lo = MIN (*lo, y);
      *hi = MAX (*hi, y);
    }
}

/* The runs a chart shows: its data, the previous run, the overlays. */
static int
chart_runs (const StChart *chart, const StChartData **runs)
{
  int n = 0;

  runs[n++] = chart->data;
  runs[n++] = chart->previous;
  for (int i = 0; i < chart->n_overlays; i++)
    runs[n++] = chart->overlays[i].data;
  return n;
}

static void
y_range (StChart *chart, StPanel *p)
{
  const StChartData *runs[2 + ST_CHART_MAX_OVERLAYS];
  const int n_runs = chart_runs (chart, runs);
  double lo = INFINITY, hi = -INFINITY;
  gboolean nonnegative;

  for (int r = 0; r < n_runs; r++)
    {
      const StChartData *d = runs[r];
      StSeries s[2];

      if (d == NULL)
        continue;
      if (p->kind == ST_PANEL_LOSS)
        {
          s[0] = ST_EPOCH_SERIES (d, train_loss);
          s[1] = ST_EPOCH_SERIES (d, test_loss);
          if (r == 0)
            {
              StSeries b = st_series_batches (d->batches, d->n_batches);
              extend (&lo, &hi, &b, p->log_y);
            }
        }
      else
        {
          s[0] = ST_EPOCH_SERIES (d, train_acc);
          s[1] = ST_EPOCH_SERIES (d, test_acc);
        }
      extend (&lo, &hi, &s[0], p->log_y);
      extend (&lo, &hi, &s[1], p->log_y);
    }

  if (lo > hi)
    {
      /* nothing to show: a range that reads well while waiting */
      lo = p->log_y ? -2.0 : 0.0;
      hi = p->log_y ? 1.0 : (p->kind == ST_PANEL_LOSS ? 2.5 : 1.0);
    }
  else
    {
      nonnegative = lo >= 0.0;
      lo = MAX (lo, -1e300);
      hi = MIN (hi, 1e300);
      if (hi - lo < 1e-12 * MAX (fabs (lo), 1e-300))
        {
          double pad = p->log_y ? 0.1 : MAX (fabs (lo) * 0.05, 1e-3);
          lo -= pad;
          hi += pad;
        }
      else
        {
          double pad = 0.06 * (hi - lo);
          lo -= pad;
          hi += pad;
        }
      if (!p->log_y && nonnegative)
        lo = MAX (lo, 0.0);
    }
  p->ylo = lo;
  p->yhi = hi;
}

static void
x_range (StChart *chart, double *lo, double *hi)
{
  const StChartData *runs[2 + ST_CHART_MAX_OVERLAYS];
  const int n_runs = chart_runs (chart, runs);
  double xmin = 0.0, xmax = 0.0;

  for (int r = 0; r < n_runs; r++)
    {
      const StChartData *d = runs[r];

      if (d == NULL)
        continue;
      for (gsize i = 0; i < d->n_batches; i++)
        if (isfinite (d->batches[i].epoch))
          {
            xmin = MIN (xmin, d->batches[i].epoch);
            xmax = MAX (xmax, d->batches[i].epoch);
          }
      for (gsize i = 0; i < d->n_epochs; i++)
        if (isfinite (d->epochs[i].epoch))
          {
            xmin = MIN (xmin, d->epochs[i].epoch);
            xmax = MAX (xmax, d->epochs[i].epoch);
          }
    }
  xmin = MAX (xmin, -1e300);
  xmax = MIN (ceil (xmax - 1e-9), 1e300);
  if (chart->data != NULL && isfinite (chart->data->planned_epochs))
    xmax = MAX (xmax, chart->data->planned_epochs);
  if (xmax - xmin < 1e-9)
    xmax = xmin + 1.0;
  *lo = xmin;
  *hi = xmax;
}

static void
legend_add (StPanel *p, const char *label, const StRgba *colour, double alpha, double line_width,
            gboolean marker, gboolean dashed)
{
  g_assert (p->n_legend < ST_MAX_LEGEND);
  p->legend[p->n_legend++] = (StLegendEntry) { label, colour, alpha, line_width, marker, dashed };
}

static void
build_legend (cairo_t *cr, StChart *chart, StPanel *p)
{
  const StChartData *d = chart->data;
  double row = 0.0, avail = p->fw - 24.0;

  p->n_legend = 0;
  if (chart->n_overlays > 0 && st_chart_data_is_empty (d))
    {
      /* a comparison: a colour a run, and the two line styles */
      for (int i = 0; i < chart->n_overlays; i++)
        legend_add (p, chart->overlays[i].label, &st_render_tab10[i], 1.0, 2.0, FALSE, FALSE);
      legend_add (p, C_("chart legend", "train"), &chart->palette->text_dim, 1.0, 1.6, FALSE,
                  TRUE);
      legend_add (p, C_("chart legend", "test"), &chart->palette->text_dim, 1.0, 2.0, FALSE,
                  FALSE);
    }
  else
    {
      if (p->kind == ST_PANEL_LOSS && d != NULL && d->n_batches > 0)
        legend_add (p, C_("chart legend", "batches"), &st_render_tab_blue, 0.55, 1.2, FALSE,
                    FALSE);
      legend_add (p, C_("chart legend", "train"), &st_render_tab_blue, 1.0, 2.0, TRUE, FALSE);
      legend_add (p, C_("chart legend", "test"), &st_render_tab_orange, 1.0, 2.0, TRUE, FALSE);
      for (int i = 0; i < chart->n_overlays; i++)
        legend_add (p, chart->overlays[i].label, &st_render_tab10[(i + 2) % 10], 1.0, 2.0,
                    FALSE, FALSE);
    }
  if (chart->previous != NULL && chart->previous->n_epochs > 0)
    legend_add (p, C_("chart legend", "previous"), &chart->palette->text_dim, 0.8, 1.6, FALSE,
                TRUE);

  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  p->n_legend_rows = 1;
  p->legend_rows[0] = 0.0;
  for (int i = 0; i < p->n_legend; i++)
    {
      double w = ST_LEGEND_SWATCH + ST_LEGEND_GAP + st_render_text_width (cr, p->legend[i].label);

      if (row > 0.0 && row + ST_LEGEND_SPACING + w > avail)
        {
          p->legend_rows[p->n_legend_rows - 1] = row;
          p->legend_rows[p->n_legend_rows++] = 0.0;
          row = 0.0;
        }
      row += (row > 0.0 ? ST_LEGEND_SPACING : 0.0) + w;
      p->legend_row_of[i] = p->n_legend_rows - 1;
    }
  p->legend_rows[p->n_legend_rows - 1] = row;
}

static double
max_tick_width (cairo_t *cr, const StTicks *t, gboolean percent)
{
  double w = 0.0;
  char buf[64];

  for (int i = 0; i < t->n; i++)
    if (t->major[i])
      {
        st_ticks_format (buf, sizeof buf, t, t->v[i], percent);
        w = MAX (w, st_render_text_width (cr, buf));
      }
  return w;
}

static void
y_ticks (StPanel *p)
{
  double target = (p->bottom - p->top) / 42.0;

  if (p->log_y)
    st_ticks_log (p->ylo, p->yhi, target, &p->yticks);
  else
    st_ticks_linear (p->ylo, p->yhi, target, &p->yticks);
}

/* Vertical geometry first (fixed by font heights), then the y ticks, whose label widths fix
 * the left margin, then the x ticks, whose last label fixes the right margin. */
static void
layout_panel (cairo_t *cr, StChart *chart, StPanel *p)
{
  double tick_h, label_h, header_h, bottom_h, left_w, right_w, last_w;
  char buf[64];

  build_legend (cr, chart, p);
  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  tick_h = st_render_line_height (cr);
  st_render_set_font (cr, ST_CHART_LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  label_h = st_render_line_height (cr);

  header_h = 8.0 + p->n_legend_rows * (tick_h + 4.0) + 4.0;
  bottom_h = 6.0 + tick_h + (p->show_xlabel ? 4.0 + label_h : 0.0) + 8.0;
  p->top = p->fy + header_h;
  p->bottom = p->fy + p->fh - bottom_h;
  y_range (chart, p);
  y_ticks (p);

  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  left_w = 10.0 + label_h + 8.0
           + max_tick_width (cr, &p->yticks, p->kind == ST_PANEL_ACCURACY) + 7.0;
  p->left = p->fx + left_w;

  right_w = 16.0;
  p->right = p->fx + p->fw - right_w;
  x_range (chart, &p->xlo, &p->xhi);
  st_ticks_linear (p->xlo, p->xhi, (p->right - p->left) / 64.0, &p->xticks);
  if (p->xticks.n > 0)
    {
      st_ticks_format (buf, sizeof buf, &p->xticks, p->xticks.v[p->xticks.n - 1], FALSE);
      last_w = st_render_text_width (cr, buf);
      if (st_panel_map_x (p, p->xticks.v[p->xticks.n - 1]) + last_w / 2 + 4.0 > p->fx + p->fw)
        p->right = p->fx + p->fw - last_w / 2 - 4.0;
    }
}

void
st_chart_layout (StChart              *chart,
                 cairo_t              *cr,
                 double                width,
                 double                height,
                 const StChartData    *data,
                 const StChartOptions *options)
{
  const StChartOptions *o = options;
  gboolean side_by_side;
  double top = 0.0;

  memset (chart, 0, sizeof *chart);
  chart->data = data;
  chart->previous = data != NULL ? data->previous : NULL;
  chart->overlays = data != NULL ? data->overlays : NULL;
  chart->n_overlays = data != NULL ? (int) MIN (data->n_overlays, ST_CHART_MAX_OVERLAYS) : 0;
  chart->options = o;
  chart->palette = o->theme == ST_THEME_DARK ? &dark_palette : &light_palette;
  chart->empty = st_chart_data_is_empty (data);
  if (data != NULL && data->n_batches > 0 && o->smoothing > 0.0)
    chart->smoothed = st_chart_data_smooth (data->batches, data->n_batches,
                                            MIN (o->smoothing, 0.999));

  if (o->title != NULL && o->title[0] != '\0')
    {
      st_render_set_font (cr, ST_CHART_TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      chart->title_height = 10.0 + st_render_line_height (cr);
      top = chart->title_height;
    }

  switch (o->panels)
    {
    case ST_CHART_PANELS_LOSS:
      chart->n_panels = 1;
      chart->panel[0].kind = ST_PANEL_LOSS;
      break;
    case ST_CHART_PANELS_ACCURACY:
      chart->n_panels = 1;
      chart->panel[0].kind = ST_PANEL_ACCURACY;
      break;
    case ST_CHART_PANELS_BOTH:
    default:
      chart->n_panels = 2;
      chart->panel[0].kind = ST_PANEL_LOSS;
      chart->panel[1].kind = ST_PANEL_ACCURACY;
      break;
    }

  side_by_side = o->layout == ST_CHART_LAYOUT_SIDE_BY_SIDE
                 || (o->layout == ST_CHART_LAYOUT_AUTO && width >= 1.6 * (height - top));
  for (int i = 0; i < chart->n_panels; i++)
    {
      StPanel *p = &chart->panel[i];

      p->log_y = p->kind == ST_PANEL_LOSS && o->loss_scale == ST_CHART_SCALE_LOG;
      p->show_xlabel = TRUE;
      if (chart->n_panels == 1)
        {
          p->fx = 0.0;
          p->fy = top;
          p->fw = width;
          p->fh = height - top;
        }
      else if (side_by_side)
        {
          p->fx = i * floor (width / 2);
          p->fy = top;
          p->fw = i == 0 ? floor (width / 2) : width - floor (width / 2);
          p->fh = height - top;
        }
      else
        {
          p->fx = 0.0;
          p->fy = top + i * floor ((height - top) / 2);
          p->fw = width;
          p->fh = i == 0 ? floor ((height - top) / 2) : height - top - floor ((height - top) / 2);
          p->show_xlabel = i == 1;
        }
      layout_panel (cr, chart, p);
    }

  /* stacked panels share their x axis: align the plot areas */
  if (chart->n_panels == 2 && !side_by_side)
    {
      double left = MAX (chart->panel[0].left, chart->panel[1].left);
      double right = MIN (chart->panel[0].right, chart->panel[1].right);

      for (int i = 0; i < 2; i++)
        {
          chart->panel[i].left = left;
          chart->panel[i].right = right;
        }
    }
}

void
st_chart_layout_clear (StChart *chart)
{
  g_clear_pointer (&chart->smoothed, g_free);
}

gboolean
st_panel_drawable (const StPanel *p)
{
  return p->right - p->left >= 8.0 && p->bottom - p->top >= 8.0;
}
