/* chart-hover.c: what lies under the pointer, and the guide and value box that show it.
 *
 * The pointer's x picks a panel and an epoch; the box lists the nearest batch (smoothed when
 * the curve is) and the nearest epoch's train and test values, of the previous run too.
 */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-hover.h"

#include "ui/render/chart-data.h"

#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

const StPanel *
st_chart_panel_at (const StChart *chart, double x)
{
  for (int i = 0; i < chart->n_panels; i++)
    {
      const StPanel *p = &chart->panel[i];

      if (st_panel_drawable (p) && x >= p->left && x <= p->right)
        return p;
    }
  return NULL;
}

void
st_chart_hit (const StChart *chart, double x, StChartHit *hit)
{
  const StPanel *p = st_chart_panel_at (chart, x);
  const StChartData *d = chart->data;
  StSeries s;

  hit->epoch = NAN;
  hit->epoch_index = -1;
  hit->batch_index = -1;
  if (p == NULL)
    return;
  hit->epoch = st_panel_unmap_x (p, x);
  if (d == NULL)
    return;
  s = ST_EPOCH_SERIES (d, train_loss);
  hit->epoch_index = st_series_nearest (&s, hit->epoch, 0.5);
  s = st_series_batches (d->batches, d->n_batches);
  hit->batch_index = st_series_nearest (&s, hit->epoch, INFINITY);
}

typedef struct {
  const StRgba *colour;
  gboolean    dashed;
  char        label[64];
  char        value[32];
  double      x, y;             /* the point, in data units; y NaN: no marker */
} HoverRow;

static void
format_value (char *buf, gsize size, double v, gboolean percent)
{
  if (!isfinite (v))
    g_strlcpy (buf, isnan (v) ? "—" : (v > 0 ? "+∞" : "−∞"), size);
  else if (percent)
    g_snprintf (buf, size, "%.*f%%", v >= 0.99 ? 2 : 1, v * 100.0);
  else
    g_snprintf (buf, size, "%.4g", v);
}

static void
format_epoch (char *buf, gsize size, double epoch)
{
  if (fabs (epoch - round (epoch)) < 1e-6)
    g_snprintf (buf, size, _("epoch %.0f"), epoch);
  else
    g_snprintf (buf, size, _("epoch %.2f"), epoch);
}

/* The epoch a batch at x belongs to: epoch k spans (k - 1, k]. */
static int
batch_epoch (double x)
{
  return (int) MAX (1.0, ceil (x - 1e-9));
}

/* The box names the epoch of the batch under the pointer, and how far into it the batch
 * is; an epoch's values of another epoch than that say which. */
static int
hover_rows (const StChart *chart, const StPanel *p, const StChartHit *hit, HoverRow *rows,
            char *header, gsize header_size)
{
  const StChartData *d = chart->data, *prev = chart->previous;
  gboolean acc = p->kind == ST_PANEL_ACCURACY;
  int n = 0, named = 0;

  header[0] = '\0';
  if (!acc && hit->batch_index >= 0)
    {
      double x = d->batches[hit->batch_index].epoch;

      named = batch_epoch (x);
      g_snprintf (header, header_size, _("epoch %d · %.0f%%"), named,
                  CLAMP (x - (named - 1), 0.0, 1.0) * 100.0);
    }
  else if (hit->epoch_index >= 0)
    {
      named = (int) round (d->epochs[hit->epoch_index].epoch);
      format_epoch (header, header_size, d->epochs[hit->epoch_index].epoch);
    }
  else
    format_epoch (header, header_size, hit->epoch);

  if (!acc && hit->batch_index >= 0)
    {
      const StChartBatch *b = chart->smoothed != NULL ? chart->smoothed : d->batches;

      rows[n] = (HoverRow) { &st_render_tab_blue, FALSE, "", "", b[hit->batch_index].epoch,
                             b[hit->batch_index].loss };
      g_strlcpy (rows[n].label, C_("chart", "batch"), sizeof rows[n].label);
      format_value (rows[n].value, sizeof rows[n].value, rows[n].y, FALSE);
      n++;
    }
  for (int run = 0; run < 2; run++)
    {
      const StChartData *r = run == 0 ? d : prev;
      const StChartEpoch *e;
      gssize i;

      if (r == NULL)
        continue;
      if (run == 0)
        i = hit->epoch_index;
      else
        {
          StSeries s = ST_EPOCH_SERIES (r, train_loss);
          i = st_series_nearest (&s, hit->epoch, 0.5);
        }
      if (i < 0)
        continue;
      e = &r->epochs[i];
      for (int k = 0; k < 2; k++)
        {
          const StRgba *colour = k == 0 ? &st_render_tab_blue : &st_render_tab_orange;
          double v = acc ? (k == 0 ? e->train_acc : e->test_acc)
                         : (k == 0 ? e->train_loss : e->test_loss);

          rows[n] = (HoverRow) { colour, run == 1, "", "", e->epoch, v };
          g_strlcpy (rows[n].label, run == 0 ? (k == 0 ? C_("chart legend", "train")
                                                       : C_("chart legend", "test"))
                                             : (k == 0 ? C_("chart", "previous train")
                                                       : C_("chart", "previous test")),
                     sizeof rows[n].label);
          if (named > 0 && (int) round (e->epoch) != named)
            {
              gsize len = strlen (rows[n].label);

              g_snprintf (rows[n].label + len, sizeof rows[n].label - len, _(", epoch %.0f"),
                          e->epoch);
            }
          format_value (rows[n].value, sizeof rows[n].value, v, acc);
          n++;
        }
    }
  return n;
}

char *
st_chart_describe_hover (const StChart *chart, const StPanel *p, const StChartHit *hit)
{
  HoverRow rows[6];
  char header[64];
  GString *out;
  int n;

  if (!isfinite (hit->epoch))
    return NULL;
  n = hover_rows (chart, p, hit, rows, header, sizeof header);
  out = g_string_new (header);
  for (int i = 0; i < n; i++)
    g_string_append_printf (out, "\n%s%s%s", rows[i].label, rows[i].label[0] ? " " : "",
                            rows[i].value);
  return g_string_free (out, FALSE);
}

void
st_chart_draw_hover (cairo_t          *cr,
                     const StChart    *chart,
                     const StPanel    *p,
                     const StChartHit *hit,
                     gboolean          under_pointer,
                     double            pointer_x)
{
  const StChartPalette *pal = chart->palette;
  HoverRow rows[6];
  char header[64];
  double gx, row_h, label_w = 0.0, value_w = 0.0, bw, bh, bx, by, y, marked_y = 0.0;
  int n, n_marked = 0;

  if (!isfinite (hit->epoch))
    return;
  gx = under_pointer ? pointer_x : st_panel_map_x (p, hit->epoch);
  if (gx < p->left - 0.5 || gx > p->right + 0.5)
    return;
  gx = floor (gx) + 0.5;

  cairo_move_to (cr, gx, p->top);
  cairo_line_to (cr, gx, p->bottom);
  st_render_set_rgba (cr, &pal->guide, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  n = hover_rows (chart, p, hit, rows, header, sizeof header);
  if (n == 0)
    return;

  for (int i = 0; i < n; i++)
    if (st_series_usable (rows[i].y, p->log_y) && isfinite (rows[i].x))
      {
        marked_y += st_panel_map_y (p, rows[i].y);
        n_marked++;
        cairo_new_sub_path (cr);
        cairo_arc (cr, st_panel_map_x (p, rows[i].x), st_panel_map_y (p, rows[i].y), 4.0, 0,
                   2 * G_PI);
        st_render_set_rgba (cr, rows[i].colour, rows[i].dashed ? 0.5 : 1.0);
        cairo_fill_preserve (cr);
        st_render_set_rgba (cr, &pal->background, 1.0);
        cairo_set_line_width (cr, 1.5);
        cairo_stroke (cr);
      }

  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_BOLD);
  row_h = st_render_line_height (cr) + 3.0;
  label_w = st_render_text_width (cr, header);
  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int i = 0; i < n; i++)
    {
      label_w = MAX (label_w, 16.0 + st_render_text_width (cr, rows[i].label));
      value_w = MAX (value_w, st_render_text_width (cr, rows[i].value));
    }
  bw = 10.0 + label_w + 14.0 + value_w + 10.0;
  bh = 8.0 + row_h * (n + 1) + 5.0;
  bx = gx + 10.0;
  if (bx + bw > p->right)
    bx = gx - 10.0 - bw;
  bx = MAX (bx, p->left + 2.0);
  by = p->top + 6.0;
  /* keep the box off the points it describes: below them when they sit high */
  if (n_marked > 0 && marked_y / n_marked < (p->top + p->bottom) / 2
      && p->bottom - 6.0 - bh > p->top)
    by = p->bottom - 6.0 - bh;

  st_render_rounded_rect (cr, floor (bx) + 0.5, floor (by) + 0.5, floor (bw), floor (bh), 4.0);
  st_render_set_rgba (cr, &pal->box, 1.0);
  cairo_fill_preserve (cr);
  st_render_set_rgba (cr, &pal->box_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  y = by + 7.0;
  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_BOLD);
  st_render_set_rgba (cr, &pal->text, 1.0);
  st_render_text_at (cr, header, bx + 10.0, y, 0.0, 0.0);
  st_render_set_font (cr, ST_CHART_TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int i = 0; i < n; i++)
    {
      double cy;

      y += row_h;
      cy = y + (row_h - 3.0) / 2;
      if (rows[i].dashed)
        {
          static const double dash[] = { 3.0, 2.0 };
          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
        }
      cairo_move_to (cr, bx + 10.0, cy);
      cairo_line_to (cr, bx + 21.0, cy);
      st_render_set_rgba (cr, rows[i].colour, rows[i].dashed ? 0.6 : 1.0);
      cairo_set_line_width (cr, 2.5);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);
      st_render_set_rgba (cr, &pal->text, 1.0);
      st_render_text_at (cr, rows[i].label, bx + 26.0, cy, 0.0, 0.5);
      st_render_text_at (cr, rows[i].value, bx + bw - 10.0, cy, 1.0, 0.5);
    }
}
