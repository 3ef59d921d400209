/* test-render-insight.c: a run's insight as pictures (ui/render/insight-render.h) — the ridge
 * panels built from its epochs, and the per-layer curves on real pixels with no display.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "render-pixels.h"
#include "ui/render/insight-render.h"
#include "ui/render/render-util.h"

/* An epoch of two layers ("0.weight", "3.weight") whose gradient norms are g0 and g1, and
 * histograms with all their counts in bin `bin`. */
static StInsightEpoch *
epoch_of (int epoch, double g0, double g1, const char *second_name, int bin)
{
  StInsightEpoch *e = g_new0 (StInsightEpoch, 1);

  e->epoch = epoch;
  e->n_layers = 2;
  e->layers = g_new0 (StInsightLayer, 2);
  for (int l = 0; l < 2; l++)
    {
      StInsightLayer *layer = &e->layers[l];

      layer->name = g_strdup (l == 0 ? "0.weight" : second_name);
      layer->grad_norm = l == 0 ? g0 : g1;
      layer->update_ratio = epoch > 1 ? 0.01 * (l + 1) : NAN;
      layer->weights = (StInsightHistogram) { -1.0, 1.0, { 0 } };
      layer->weights.counts[bin] = 10 + epoch;
      layer->grads = layer->weights;
    }
  e->acts = g_new0 (StInsightActivation, 1);
  return e;
}

static GPtrArray *
epochs_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) st_insight_epoch_free);
}

/* Two rows of panels, a layer a column: the weights, then the gradients, a row an epoch in
 * order; an epoch whose layers differ from the first's is left out. */
static void
test_ridges (void)
{
  g_autoptr (GPtrArray) epochs = epochs_new ();
  g_autoptr (StInsightRidges) none = st_insight_ridges_new (epochs);
  g_autoptr (StInsightRidges) ridges = NULL;

  g_assert_cmpint (none->n_panels, ==, 0);
  g_assert_cmpint (none->n_epochs, ==, 0);
  g_ptr_array_add (epochs, epoch_of (1, 0.5, 0.05, "3.weight", 3));
  g_ptr_array_add (epochs, epoch_of (2, 0.4, 0.04, "5.weight", 4));  /* another net */
  g_ptr_array_add (epochs, epoch_of (3, 0.3, 0.03, "3.weight", 5));
  ridges = st_insight_ridges_new (epochs);
  g_assert_cmpint (ridges->n_layers, ==, 2);
  g_assert_cmpint (ridges->n_panels, ==, 4);
  g_assert_cmpint (ridges->n_epochs, ==, 2);
  g_assert_cmpstr (ridges->panels[0].title, ==, "0.weight: weights");
  g_assert_cmpstr (ridges->panels[1].title, ==, "3.weight: weights");
  g_assert_cmpstr (ridges->panels[2].title, ==, "0.weight: gradients");
  for (int p = 0; p < 4; p++)
    {
      g_assert_cmpint (ridges->panels[p].n_rows, ==, 2);
      g_assert_cmpint (ridges->panels[p].rows[0].epoch, ==, 1);
      g_assert_cmpint (ridges->panels[p].rows[1].epoch, ==, 3);
      g_assert_cmpint (ridges->panels[p].rows[1].counts[5], ==, 13);
      g_assert_cmpint (ridges->panels[p].rows[1].n_bins, ==, ST_INSIGHT_BINS);
    }
}

typedef struct {
  GPtrArray     *epochs;
  StInsightCurve curve;
} CurveArgs;

static void
curves_cb (cairo_t *cr, double w, double h, gconstpointer data)
{
  const CurveArgs *a = data;

  st_insight_curves_render (cr, w, h, a->epochs, a->curve, ST_THEME_LIGHT);
}

static int
count_colour (const Pixels *p, const StRgba *c, int x0, int x1)
{
  Colour want = { (int) lround (c->r * 255), (int) lround (c->g * 255),
                  (int) lround (c->b * 255) };
  int n = 0;

  for (int y = 0; y < p->height; y++)
    for (int x = x0; x < x1; x++)
      n += same (at (p, x, y), want);
  return n;
}

/* Each layer's line in its tab10 colour, the one with the larger gradients above the other
 * (a log axis: a hundred times smaller is far below); nothing measured draws no line. */
static void
test_curves (void)
{
  g_autoptr (GPtrArray) epochs = epochs_new ();
  CurveArgs a = { epochs, ST_INSIGHT_CURVE_GRAD_NORM };
  Pixels p;
  double y_sum[2] = { 0, 0 };
  int n[2] = { 0, 0 };

  render (&p, 480, 260, curves_cb, &a);
  g_assert_cmpint (count_colour (&p, &st_render_tab10[0], 0, 480), ==, 0);
  pixels_clear (&p);

  for (int e = 1; e <= 4; e++)
    g_ptr_array_add (epochs, epoch_of (e, 1e-3 * e, 0.2, "3.weight", 1));
  render (&p, 480, 260, curves_cb, &a);
  /* the plot's left part, away from the legend on the right */
  for (int l = 0; l < 2; l++)
    {
      Colour want = { (int) lround (st_render_tab10[l].r * 255),
                      (int) lround (st_render_tab10[l].g * 255),
                      (int) lround (st_render_tab10[l].b * 255) };

      for (int y = 0; y < p.height; y++)
        for (int x = 0; x < 300; x++)
          if (same (at (&p, x, y), want))
            {
              y_sum[l] += y;
              n[l]++;
            }
    }
  g_assert_cmpint (n[0], >, 50);
  g_assert_cmpint (n[1], >, 50);
  g_assert_cmpfloat (y_sum[1] / n[1], <, y_sum[0] / n[0] - 60);   /* 0.2 far above 0.001 */
  pixels_clear (&p);

  /* the update ratio: none at the first epoch, drawn from the second */
  a.curve = ST_INSIGHT_CURVE_UPDATE_RATIO;
  g_ptr_array_set_size (epochs, 1);
  render (&p, 480, 260, curves_cb, &a);
  g_assert_cmpint (count_colour (&p, &st_render_tab10[0], 0, 300), ==, 0);
  pixels_clear (&p);
  g_ptr_array_add (epochs, epoch_of (2, 1.0, 1.0, "3.weight", 1));
  render (&p, 480, 260, curves_cb, &a);
  g_assert_cmpint (count_colour (&p, &st_render_tab10[0], 0, 300), >, 10);
  pixels_clear (&p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  g_test_add_func ("/render/insight/ridges", test_ridges);
  g_test_add_func ("/render/insight/curves", test_curves);
  return g_test_run ();
}
