/* chart-render.c: the training chart, drawn with Cairo's own API only (no GTK, no Pango).
 *
 * A render is: lay the panels out (chart-layout.c: text metrics decide the margins), then draw
 * each panel — grid, axes, the previous run, the per-batch loss (raw and smoothed), the
 * per-epoch curves, the legend, the hover guide and its value box (chart-hover.c). The layout
 * is recomputed for every frame; it costs a few text measurements, far less than the curves.
 *
 * Long curves are decimated to at most two points per pixel column (the column's minimum and
 * maximum, in the order they occur), so a run of 100 000 batches draws as fast as 1 000 and
 * keeps its spikes.
 */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-render.h"

#include "ui/render/chart-axis.h"
#include "ui/render/chart-data.h"
#include "ui/render/chart-hover.h"
#include "ui/render/chart-layout.h"
#include "ui/render/render-util.h"

#include "core/io/i18n.h"

#include <math.h>

#define EMPTY_FONT 15.0

static void
set_faint (cairo_t *cr, const StChartPalette *palette, const StRgba *c, double alpha)
{
  st_render_set_rgba (cr, c, MIN (1.0, alpha * palette->faint));
}

void
st_chart_options_init (StChartOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (StChartOptions) {
    .panels = ST_CHART_PANELS_BOTH,
    .layout = ST_CHART_LAYOUT_AUTO,
    .loss_scale = ST_CHART_SCALE_LINEAR,
    .smoothing = 0.0,
    .hover_x = NAN,
    .theme = ST_THEME_LIGHT,
  };
}

/* ---- drawing: curves ---------------------------------------------------------------------- */

typedef struct {
  cairo_t *cr;
  GArray  *dots;                /* isolated points, drawn as dots */
  int      run;                 /* points emitted since the last gap */
  double   run_x, run_y;        /* the first of them */
  gboolean has_bucket;
  double   column;
  double   min_x, min_y, max_x, max_y;
  gsize    min_i, max_i;
} Decimator;

static void
emit (Decimator *dec, double x, double y)
{
  if (dec->run == 0)
    {
      cairo_move_to (dec->cr, x, y);
      dec->run_x = x;
      dec->run_y = y;
    }
  else
    cairo_line_to (dec->cr, x, y);
  dec->run++;
}

static void
flush_bucket (Decimator *dec)
{
  if (!dec->has_bucket)
    return;
  if (dec->min_i == dec->max_i)
    emit (dec, dec->min_x, dec->min_y);
  else if (dec->min_i < dec->max_i)
    {
      emit (dec, dec->min_x, dec->min_y);
      emit (dec, dec->max_x, dec->max_y);
    }
  else
    {
      emit (dec, dec->max_x, dec->max_y);
      emit (dec, dec->min_x, dec->min_y);
    }
  dec->has_bucket = FALSE;
}

static void
end_run (Decimator *dec)
{
  flush_bucket (dec);
  if (dec->run == 1)
    {
      double xy[2] = { dec->run_x, dec->run_y };
      g_array_append_vals (dec->dots, xy, 2);
    }
  dec->run = 0;
}

/* Builds the decimated path of s (gaps at non-finite values) and strokes it; isolated points
 * become dots so a single epoch still shows. */
static void
stroke_series (cairo_t *cr, const StPanel *p, const StSeries *s, double line_width)
{
  Decimator dec = { .cr = cr };
  g_autoptr(GArray) dots = g_array_new (FALSE, FALSE, sizeof (double));

  dec.dots = dots;
  cairo_new_path (cr);
  for (gsize i = 0; i < s->n; i++)
    {
      double x = ST_SERIES_X (s, i), y = ST_SERIES_Y (s, i), px, py;

      if (!isfinite (x) || !st_series_usable (y, p->log_y))
        {
          end_run (&dec);
          continue;
        }
      px = st_panel_map_x (p, x);
      py = st_panel_map_y (p, y);
      if (dec.has_bucket && floor (px) != dec.column)
        flush_bucket (&dec);
      if (!dec.has_bucket)
        {
          dec.has_bucket = TRUE;
          dec.column = floor (px);
          dec.min_x = dec.max_x = px;
          dec.min_y = dec.max_y = py;
          dec.min_i = dec.max_i = i;
        }
      else if (py < dec.min_y)
        {
          dec.min_x = px;
          dec.min_y = py;
          dec.min_i = i;
        }
      else if (py > dec.max_y)
        {
          dec.max_x = px;
          dec.max_y = py;
          dec.max_i = i;
        }
    }
  end_run (&dec);

  cairo_set_line_width (cr, line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
  for (guint i = 0; i + 1 < dots->len; i += 2)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, g_array_index (dots, double, i), g_array_index (dots, double, i + 1),
                 MAX (line_width, 1.5), 0, 2 * G_PI);
    }
  cairo_fill (cr);
}

static void
draw_markers (cairo_t *cr, const StChart *chart, const StPanel *p, const StSeries *s,
              const StRgba *c)
{
  for (gsize i = 0; i < s->n; i++)
    {
      double x = ST_SERIES_X (s, i), y = ST_SERIES_Y (s, i);

      if (!isfinite (x) || !st_series_usable (y, p->log_y))
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, st_panel_map_x (p, x), st_panel_map_y (p, y), 3.0, 0, 2 * G_PI);
    }
  st_render_set_rgba (cr, &chart->palette->background, 1.0);
  cairo_fill_preserve (cr);
  st_render_set_rgba (cr, c, 1.0);
  cairo_set_line_width (cr, 1.6);
  cairo_stroke (cr);
}

static void
draw_epoch_curves (cairo_t *cr, const StChart *chart, const StPanel *p, const StChartData *d,
                   gboolean faint)
{
  StSeries s[2];
  const StRgba *colour[2] = { &st_render_tab_blue, &st_render_tab_orange };
  double px_per_point;

  if (p->kind == ST_PANEL_LOSS)
    {
      s[0] = ST_EPOCH_SERIES (d, train_loss);
      s[1] = ST_EPOCH_SERIES (d, test_loss);
    }
  else
    {
      s[0] = ST_EPOCH_SERIES (d, train_acc);
      s[1] = ST_EPOCH_SERIES (d, test_acc);
    }
  px_per_point = d->n_epochs > 0 ? (p->right - p->left) / MAX (d->n_epochs, 1.0) : 0.0;

  for (int k = 0; k < 2; k++)
    {
      if (faint)
        {
          static const double dash[] = { 5.0, 4.0 };

          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
          set_faint (cr, chart->palette, colour[k], 0.5);
          stroke_series (cr, p, &s[k], 1.6);
          cairo_set_dash (cr, NULL, 0, 0.0);
          continue;
        }
      st_render_set_rgba (cr, colour[k], 1.0);
      stroke_series (cr, p, &s[k], 2.0);
      if (px_per_point >= 10.0)
        draw_markers (cr, chart, p, &s[k], colour[k]);
    }
}

/* A compared run in its colour: test solid, train dashed. */
static void
draw_overlay (cairo_t *cr, const StChart *chart, const StPanel *p, const StChartOverlay *o,
              const StRgba *colour)
{
  static const double dash[] = { 5.0, 3.0 };
  const StChartData *d = o->data;
  StSeries train, test;

  if (d == NULL)
    return;
  train = p->kind == ST_PANEL_LOSS ? ST_EPOCH_SERIES (d, train_loss)
                                   : ST_EPOCH_SERIES (d, train_acc);
  test = p->kind == ST_PANEL_LOSS ? ST_EPOCH_SERIES (d, test_loss)
                                  : ST_EPOCH_SERIES (d, test_acc);
  st_render_set_rgba (cr, colour, 0.8);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
  stroke_series (cr, p, &train, 1.6);
  cairo_set_dash (cr, NULL, 0, 0.0);
  st_render_set_rgba (cr, colour, 1.0);
  stroke_series (cr, p, &test, 2.0);
  if (d->n_epochs > 0 && (p->right - p->left) / d->n_epochs >= 10.0)
    draw_markers (cr, chart, p, &test, colour);
}

static void
draw_curves (cairo_t *cr, const StChart *chart, const StPanel *p)
{
  const StChartData *d = chart->data;

  cairo_save (cr);
  cairo_rectangle (cr, p->left - 4.0, p->top - 4.0, p->right - p->left + 8.0,
                   p->bottom - p->top + 8.0);
  cairo_clip (cr);

  if (chart->previous != NULL)
    draw_epoch_curves (cr, chart, p, chart->previous, TRUE);
  for (int i = 0; i < chart->n_overlays; i++)
    draw_overlay (cr, chart, p, &chart->overlays[i],
                  &st_render_tab10[(st_chart_data_is_empty (d) ? i : i + 2) % 10]);

  if (d != NULL && p->kind == ST_PANEL_LOSS && d->n_batches > 0)
    {
      StSeries raw = st_series_batches (d->batches, d->n_batches);

      if (chart->smoothed != NULL)
        {
          StSeries smooth = st_series_batches (chart->smoothed, d->n_batches);

          set_faint (cr, chart->palette, &st_render_tab_blue, 0.22);
          stroke_series (cr, p, &raw, 1.0);
          set_faint (cr, chart->palette, &st_render_tab_blue, 0.65);
          stroke_series (cr, p, &smooth, 1.4);
        }
      else
        {
          set_faint (cr, chart->palette, &st_render_tab_blue, 0.55);
          stroke_series (cr, p, &raw, 1.2);
        }
    }
  if (d != NULL)
    draw_epoch_curves (cr, chart, p, d, FALSE);
  cairo_restore (cr);
}

/* ---- drawing: axes, legend ---------------------------------------------------------------- */

static void
draw_axes (cairo_t *cr, const StChart *chart, const StPanel *p)
{
  const StChartPalette *pal = chart->palette;
  gboolean percent = p->kind == ST_PANEL_ACCURACY;
  char buf[64];

  cairo_set_line_width (cr, 1.0);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (int major = 0; major < 2; major++)
    {
      for (int i = 0; i < p->yticks.n; i++)
        if (p->yticks.major[i] == major)
          {
            double y = floor (st_panel_map_y (p, p->yticks.v[i])) + 0.5;
            cairo_move_to (cr, p->left, y);
            cairo_line_to (cr, p->right, y);
          }
      if (major)
        for (int i = 0; i < p->xticks.n; i++)
          {
            double x = floor (st_panel_map_x (p, p->xticks.v[i])) + 0.5;
            cairo_move_to (cr, x, p->top);
            cairo_line_to (cr, x, p->bottom);
          }
      st_render_set_rgba (cr, major ? &pal->grid : &pal->grid_minor, 1.0);
      cairo_stroke (cr);
    }

  /* left and bottom spines, with short outward ticks */
  cairo_move_to (cr, floor (p->left) + 0.5, p->top);
  cairo_line_to (cr, floor (p->left) + 0.5, floor (p->bottom) + 0.5);
  cairo_line_to (cr, p->right, floor (p->bottom) + 0.5);
  for (int i = 0; i < p->xticks.n; i++)
    {
      double x = floor (st_panel_map_x (p, p->xticks.v[i])) + 0.5;
      cairo_move_to (cr, x, floor (p->bottom) + 0.5);
      cairo_line_to (cr, x, floor (p->bottom) + 4.5);
    }
  for (int i = 0; i < p->yticks.n; i++)
    if (p->yticks.major[i])
      {
        double y = floor (st_panel_map_y (p, p->yticks.v[i])) + 0.5;
        cairo_move_to (cr, floor (p->left) + 0.5, y);
        cairo_line_to (cr, floor (p->left) - 3.5, y);
      }
  st_render_set_rgba (cr, &pal->axis, 1.0);
  cairo_stroke (cr);

  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text_dim, 1.0);
  for (int i = 0; i < p->yticks.n; i++)
    if (p->yticks.major[i])
      {
        st_ticks_format (buf, sizeof buf, &p->yticks, p->yticks.v[i], percent);
        st_render_text_at (cr, buf, p->left - 7.0, st_panel_map_y (p, p->yticks.v[i]), 1.0, 0.5);
      }
  for (int i = 0; i < p->xticks.n; i++)
    {
      st_ticks_format (buf, sizeof buf, &p->xticks, p->xticks.v[i], FALSE);
      st_render_text_at (cr, buf, st_panel_map_x (p, p->xticks.v[i]), p->bottom + 6.0, 0.5, 0.0);
    }

  st_render_set_font (cr, ST_CHART_LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text, 1.0);
  if (p->show_xlabel)
    st_render_text_at (cr, C_("chart axis", "epoch"), (p->left + p->right) / 2,
                       p->fy + p->fh - 8.0, 0.5, 1.0);
  cairo_save (cr);
  cairo_translate (cr, p->fx + 10.0, (p->top + p->bottom) / 2);
  cairo_rotate (cr, -G_PI / 2);
  st_render_text_at (cr, p->kind == ST_PANEL_LOSS ? C_("chart axis", "loss")
                                                  : C_("chart axis", "accuracy"),
                     0.0, 0.0, 0.5, 0.0);
  cairo_restore (cr);
}

static void
draw_swatch (cairo_t *cr, const StChart *chart, const StLegendEntry *e, double x, double y)
{
  if (e->dashed)
    {
      static const double dash[] = { 4.0, 3.0 };
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
    }
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + ST_LEGEND_SWATCH, y);
  set_faint (cr, chart->palette, e->colour, e->alpha);
  cairo_set_line_width (cr, e->line_width);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  if (e->marker)
    {
      cairo_arc (cr, x + ST_LEGEND_SWATCH / 2, y, 3.0, 0, 2 * G_PI);
      st_render_set_rgba (cr, &chart->palette->background, 1.0);
      cairo_fill_preserve (cr);
      st_render_set_rgba (cr, e->colour, 1.0);
      cairo_set_line_width (cr, 1.6);
      cairo_stroke (cr);
    }
}

static void
draw_legend (cairo_t *cr, const StChart *chart, const StPanel *p)
{
  double row_h, x = 0.0, y;
  int row = -1;

  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  row_h = st_render_line_height (cr) + 4.0;
  for (int i = 0; i < p->n_legend; i++)
    {
      const StLegendEntry *e = &p->legend[i];

      if (p->legend_row_of[i] != row)
        {
          row = p->legend_row_of[i];
          x = p->right - p->legend_rows[row];
        }
      y = p->fy + 8.0 + row * row_h + row_h / 2;
      draw_swatch (cr, chart, e, x, y);
      st_render_set_rgba (cr, &chart->palette->text, 1.0);
      st_render_text_at (cr, e->label, x + ST_LEGEND_SWATCH + ST_LEGEND_GAP, y, 0.0, 0.5);
      x += ST_LEGEND_SWATCH + ST_LEGEND_GAP + st_render_text_width (cr, e->label)
           + ST_LEGEND_SPACING;
    }
}

/* ---- the chart ---------------------------------------------------------------------------- */

static void
draw_empty_text (cairo_t *cr, const StChart *chart, double x, double y)
{
  const char *text = chart->options->empty_text;
  double w, h;

  if (text == NULL)
    text = _("No data yet — press Start");
  st_render_set_font (cr, EMPTY_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  w = st_render_text_width (cr, text);
  h = st_render_line_height (cr);
  st_render_rounded_rect (cr, x - w / 2 - 12.0, y - h / 2 - 7.0, w + 24.0, h + 14.0, 6.0);
  st_render_set_rgba (cr, &chart->palette->box, 1.0);
  cairo_fill (cr);
  st_render_set_rgba (cr, &chart->palette->text_dim, 1.0);
  st_render_text_at (cr, text, x, y, 0.5, 0.5);
}

void
st_chart_render (cairo_t              *cr,
                 double                width,
                 double                height,
                 const StChartData    *data,
                 const StChartOptions *options)
{
  StChartOptions defaults;
  StChartHit hit = { NAN, -1, -1 };
  const StPanel *hovered = NULL;
  StChart chart;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  if (options == NULL)
    {
      st_chart_options_init (&defaults);
      options = &defaults;
    }

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  st_chart_layout (&chart, cr, width, height, data, options);
  st_render_set_rgba (cr, &chart.palette->background, 1.0);
  cairo_paint (cr);

  if (chart.title_height > 0.0)
    {
      st_render_set_font (cr, ST_CHART_TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      st_render_set_rgba (cr, &chart.palette->text, 1.0);
      st_render_text_at (cr, options->title, width / 2, 8.0, 0.5, 0.0);
    }

  if (!chart.empty && isfinite (options->hover_x) && options->hover_x >= 0.0)
    {
      hovered = st_chart_panel_at (&chart, options->hover_x);
      if (hovered != NULL)
        st_chart_hit (&chart, options->hover_x, &hit);
    }

  /* with nothing at all to show, empty axes would only suggest numbers: the message alone */
  if (chart.empty && st_chart_data_is_empty (chart.previous) && chart.n_overlays == 0)
    draw_empty_text (cr, &chart, width / 2, chart.title_height + (height - chart.title_height) / 2);
  else
    {
      for (int i = 0; i < chart.n_panels; i++)
        {
          const StPanel *p = &chart.panel[i];

          if (!st_panel_drawable (p))
            continue;
          draw_axes (cr, &chart, p);
          draw_curves (cr, &chart, p);
          draw_legend (cr, &chart, p);
          if (hovered != NULL)
            st_chart_draw_hover (cr, &chart, p, &hit, p == hovered, options->hover_x);
        }
      if (chart.empty && chart.n_overlays == 0)
        draw_empty_text (cr, &chart, (chart.panel[0].left + chart.panel[0].right) / 2,
                         (chart.panel[0].top + chart.panel[0].bottom) / 2);
    }

  st_chart_layout_clear (&chart);
  cairo_restore (cr);
}

gboolean
st_chart_hit_test (double                width,
                   double                height,
                   const StChartData    *data,
                   const StChartOptions *options,
                   double                x,
                   StChartHit           *hit)
{
  StChartOptions defaults;
  cairo_t *cr;
  StChart chart;

  g_return_val_if_fail (hit != NULL, FALSE);
  *hit = (StChartHit) { NAN, -1, -1 };
  if (!(width >= 1.0 && height >= 1.0) || !isfinite (x))
    return FALSE;
  if (options == NULL)
    {
      st_chart_options_init (&defaults);
      options = &defaults;
    }

  /* the layout depends on text metrics, so it needs a context; a 1×1 one will do */
  cr = st_render_scratch_context ();
  st_chart_layout (&chart, cr, width, height, data, options);
  st_chart_hit (&chart, x, hit);
  st_chart_layout_clear (&chart);
  cairo_destroy (cr);
  return isfinite (hit->epoch);
}

char *
st_chart_hover_text (double                width,
                     double                height,
                     const StChartData    *data,
                     const StChartOptions *options,
                     double                x)
{
  StChartOptions defaults;
  const StPanel *p;
  StChartHit hit;
  cairo_t *cr;
  StChart chart;
  char *text = NULL;

  if (!(width >= 1.0 && height >= 1.0) || !isfinite (x))
    return NULL;
  if (options == NULL)
    {
      st_chart_options_init (&defaults);
      options = &defaults;
    }
  cr = st_render_scratch_context ();
  st_chart_layout (&chart, cr, width, height, data, options);
  st_chart_hit (&chart, x, &hit);
  p = st_chart_panel_at (&chart, x);
  if (p != NULL)
    text = st_chart_describe_hover (&chart, p, &hit);
  st_chart_layout_clear (&chart);
  cairo_destroy (cr);
  return text;
}

typedef struct {
  const StChartData    *data;
  const StChartOptions *options;
} ChartSave;

static void
render_chart_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const ChartSave *save = user_data;

  st_chart_render (cr, width, height, save->data, save->options);
}

gboolean
st_chart_save (const char           *path,
               int                   width,
               int                   height,
               const StChartData    *data,
               const StChartOptions *options,
               GError              **error)
{
  ChartSave save = { data, options };

  return st_render_save (path, width, height, render_chart_cb, &save, error);
}
