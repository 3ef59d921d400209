/* insight-render.c: see insight-render.h. */
#define G_LOG_DOMAIN "strata-render"

#include "ui/render/insight-render.h"

#include <math.h>

#include "core/io/i18n.h"
#include "ui/render/chart-axis.h"
#include "ui/render/render-util.h"

#define TITLE_FONT  13.0
#define TICK_FONT   11.0
#define LEGEND_FONT 11.0
#define PAD         10.0

void
st_insight_ridges_free (StInsightRidges *ridges)
{
  if (ridges == NULL)
    return;
  g_free (ridges->panels);
  g_ptr_array_unref (ridges->keep);
  g_free (ridges);
}

StInsightRidges *
st_insight_ridges_new (const GPtrArray *epochs)
{
  StInsightRidges *r = g_new0 (StInsightRidges, 1);
  const StInsightEpoch *first = epochs->len > 0 ? g_ptr_array_index (epochs, 0) : NULL;
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  StRidgeRow *rows;

  r->keep = g_ptr_array_new_with_free_func (g_free);
  if (first == NULL || first->n_layers == 0)
    return r;
  r->n_layers = (int) first->n_layers;
  for (guint e = 0; e < epochs->len; e++)
    {
      const StInsightEpoch *epoch = g_ptr_array_index (epochs, e);
      gboolean same = epoch->n_layers == first->n_layers;

      for (guint l = 0; same && l < epoch->n_layers; l++)
        same = g_strcmp0 (epoch->layers[l].name, first->layers[l].name) == 0;
      if (same)
        g_ptr_array_add (kept, (gpointer) epoch);
    }
  r->n_epochs = (int) kept->len;
  r->n_panels = 2 * r->n_layers;
  r->panels = g_new0 (StRidgePanel, r->n_panels);
  rows = g_new0 (StRidgeRow, (gsize) r->n_panels * r->n_epochs);
  g_ptr_array_add (r->keep, rows);
  for (int k = 0; k < 2; k++)
    for (int l = 0; l < r->n_layers; l++)
      {
        StRidgePanel *p = &r->panels[k * r->n_layers + l];
        StRidgeRow *panel_rows = rows + (gsize) (k * r->n_layers + l) * r->n_epochs;
        char *title = g_strdup_printf (k == 0 ? _("%s: weights") : _("%s: gradients"),
                                       first->layers[l].name);

        g_ptr_array_add (r->keep, title);
        for (int e = 0; e < r->n_epochs; e++)
          {
            const StInsightEpoch *epoch = g_ptr_array_index (kept, e);
            const StInsightHistogram *h = k == 0 ? &epoch->layers[l].weights
                                                 : &epoch->layers[l].grads;

            panel_rows[e] = (StRidgeRow) { epoch->epoch, h->lo, h->hi, h->counts,
                                           ST_INSIGHT_BINS };
          }
        p->title = title;
        p->rows = panel_rows;
        p->n_rows = r->n_epochs;
        p->colour = k == 0 ? &st_render_tab_blue : &st_render_tab_orange;
      }
  return r;
}

static double
curve_value (const StInsightLayer *layer, StInsightCurve curve)
{
  return curve == ST_INSIGHT_CURVE_GRAD_NORM ? layer->grad_norm : layer->update_ratio;
}

void
st_insight_curves_render (cairo_t *cr, double width, double height, const GPtrArray *epochs,
                          StInsightCurve curve, StTheme theme)
{
  const StRgba text = theme == ST_THEME_DARK ? (StRgba) { 0.9, 0.9, 0.9, 1.0 }
                                             : (StRgba) { 0.15, 0.15, 0.15, 1.0 };
  const StRgba grid = theme == ST_THEME_DARK ? (StRgba) { 1, 1, 1, 0.12 }
                                             : (StRgba) { 0, 0, 0, 0.10 };
  const StInsightEpoch *first = epochs->len > 0 ? g_ptr_array_index (epochs, 0) : NULL;
  const char *title = curve == ST_INSIGHT_CURVE_GRAD_NORM
                        ? _("Gradient norm per layer")
                        : _("Update / weight per layer, over each epoch");
  double lo = INFINITY, hi = -INFINITY, e_lo = INFINITY, e_hi = -INFINITY;
  double left, right, top, bottom, legend_w = 0.0, line_h;
  guint n_layers = first != NULL ? first->n_layers : 0;
  StTicks ticks;
  char buf[64];

  cairo_save (cr);
  st_render_set_rgba (cr, theme == ST_THEME_DARK ? &(StRgba) { 0.12, 0.12, 0.12, 1 }
                                                 : &(StRgba) { 1, 1, 1, 1 }, 1.0);
  cairo_paint (cr);
  st_render_set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
  st_render_set_rgba (cr, &text, 1.0);
  {
    g_autofree char *shown = st_render_ellipsize (cr, title, MAX (width - 2 * PAD, 0));

    st_render_text_at (cr, shown, width / 2, PAD, 0.5, 0.0);
  }
  top = PAD + st_render_line_height (cr) + PAD;
  for (guint e = 0; e < epochs->len; e++)
    {
      const StInsightEpoch *epoch = g_ptr_array_index (epochs, e);

      for (guint l = 0; l < epoch->n_layers && l < n_layers; l++)
        {
          double v = curve_value (&epoch->layers[l], curve);

          if (isfinite (v) && v > 0)
            {
              lo = MIN (lo, log10 (v));
              hi = MAX (hi, log10 (v));
              e_lo = MIN (e_lo, epoch->epoch);
              e_hi = MAX (e_hi, epoch->epoch);
            }
        }
    }
  if (lo > hi)
    {
      st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
      st_render_set_rgba (cr, &text, 0.7);
      st_render_text_at (cr, curve == ST_INSIGHT_CURVE_UPDATE_RATIO && epochs->len == 1
                               ? _("From the second epoch on")
                               : _("No epoch measured yet"),
                         width / 2, height / 2, 0.5, 0.5);
      cairo_restore (cr);
      return;
    }
  /* half a decade of room around the values; one epoch spans one on either side */
  if (hi - lo < 1.0)
    {
      double mid = (hi + lo) / 2;

      lo = mid - 0.5;
      hi = mid + 0.5;
    }
  if (e_hi - e_lo < 1.0)
    {
      e_lo -= 1.0;
      e_hi += 1.0;
    }
  st_render_set_font (cr, LEGEND_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  line_h = st_render_line_height (cr);
  for (guint l = 0; l < n_layers; l++)
    legend_w = MAX (legend_w, st_render_text_width (cr, first->layers[l].name));
  legend_w += 26.0;
  st_ticks_log (lo, hi, MAX ((height - top) / 50.0, 2.0), &ticks);
  st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  left = PAD + 8.0;
  for (int i = 0; i < ticks.n; i++)
    if (ticks.major[i])
      {
        st_ticks_format (buf, sizeof buf, &ticks, ticks.v[i], FALSE);
        left = MAX (left, PAD + st_render_text_width (cr, buf) + 6.0);
      }
  right = width - PAD - legend_w - PAD;
  bottom = height - PAD - st_render_line_height (cr) - 4.0;
  if (right - left < 40.0 || bottom - top < 30.0)
    {
      cairo_restore (cr);
      return;
    }
#define X(e) (left + ((e) - e_lo) / (e_hi - e_lo) * (right - left))
#define Y(v) (bottom - (log10 (v) - lo) / (hi - lo) * (bottom - top))
  /* grid and labels */
  cairo_set_line_width (cr, 1.0);
  for (int i = 0; i < ticks.n; i++)
    {
      double y = Y (ticks.v[i]);

      if (y < top - 0.5 || y > bottom + 0.5)
        continue;
      st_render_set_rgba (cr, &grid, ticks.major[i] ? 1.0 : 0.5);
      cairo_move_to (cr, left, round (y) + 0.5);
      cairo_line_to (cr, right, round (y) + 0.5);
      cairo_stroke (cr);
      if (ticks.major[i])
        {
          st_ticks_format (buf, sizeof buf, &ticks, ticks.v[i], FALSE);
          st_render_set_rgba (cr, &text, 0.8);
          st_render_text_at (cr, buf, left - 4.0, y, 1.0, 0.5);
        }
    }
  {
    StTicks et;

    st_ticks_linear (e_lo, e_hi, MAX ((right - left) / 80.0, 2.0), &et);
    for (int i = 0; i < et.n; i++)
      if (et.v[i] >= e_lo && et.v[i] <= e_hi && fabs (et.v[i] - round (et.v[i])) < 1e-9)
        {
          g_snprintf (buf, sizeof buf, "%d", (int) round (et.v[i]));
          st_render_set_rgba (cr, &text, 0.8);
          st_render_text_at (cr, buf, X (et.v[i]), bottom + 4.0, 0.5, 0.0);
        }
  }
  st_render_set_rgba (cr, &grid, 2.0);
  cairo_rectangle (cr, left + 0.5, top + 0.5, right - left - 1.0, bottom - top - 1.0);
  cairo_stroke (cr);
  /* a line and dots a layer */
  for (guint l = 0; l < n_layers; l++)
    {
      const StRgba *c = &st_render_tab10[l % 10];
      gboolean open = FALSE;

      st_render_set_rgba (cr, c, 1.0);
      cairo_set_line_width (cr, 2.0);
      for (guint e = 0; e < epochs->len; e++)
        {
          const StInsightEpoch *epoch = g_ptr_array_index (epochs, e);
          double v = l < epoch->n_layers ? curve_value (&epoch->layers[l], curve) : NAN;

          if (!isfinite (v) || v <= 0)
            {
              open = FALSE;
              continue;
            }
          if (open)
            cairo_line_to (cr, X (epoch->epoch), Y (v));
          else
            cairo_move_to (cr, X (epoch->epoch), Y (v));
          open = TRUE;
        }
      cairo_stroke (cr);
      for (guint e = 0; e < epochs->len; e++)
        {
          const StInsightEpoch *epoch = g_ptr_array_index (epochs, e);
          double v = l < epoch->n_layers ? curve_value (&epoch->layers[l], curve) : NAN;

          if (isfinite (v) && v > 0)
            {
              cairo_arc (cr, X (epoch->epoch), Y (v), 3.0, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
      /* legend */
      st_render_set_font (cr, LEGEND_FONT, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_rectangle (cr, right + PAD, top + l * (line_h + 4.0) + line_h / 2 - 2, 16, 4);
      cairo_fill (cr);
      st_render_set_rgba (cr, &text, 1.0);
      st_render_text_at (cr, first->layers[l].name, right + PAD + 22.0,
                         top + l * (line_h + 4.0), 0.0, 0.0);
    }
#undef X
#undef Y
  cairo_restore (cr);
}
