/* ridge-render.h: histograms over the epochs, drawn as TensorBoard draws them — an offset
 * ridge plot, one filled outline an epoch, the first at the back (top, faint), the last in
 * front (bottom, full colour), all on one value axis. The run's insight (core/engine/
 * insight.h: a layer's weights or its gradients) reads at a glance: weights that spread,
 * gradients that shrink toward zero.
 *
 * Plain Cairo, like the chart: strata-cli's `runs show --plot-insight` and the tests draw
 * it on any surface. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/render-util.h"

G_BEGIN_DECLS

/* One epoch's histogram: counts of n_bins bins splitting [lo, hi] evenly. */
typedef struct {
  int            epoch;
  double         lo, hi;
  const guint32 *counts;
  int            n_bins;
} StRidgeRow;

/* One panel: a title ("0.weight") and its rows, oldest first. */
typedef struct {
  const char       *title;
  const StRidgeRow *rows;
  int               n_rows;
  const StRgba     *colour;
} StRidgePanel;

/* Panels side by side in `columns` columns, as many rows as needed, on width × height. */
void     st_ridge_render (cairo_t            *cr,
                          double              width,
                          double              height,
                          const StRidgePanel *panels,
                          int                 n_panels,
                          int                 columns,
                          StTheme             theme);
/* PNG or SVG by the extension; see st_render_save(). */
gboolean st_ridge_save   (const char         *path,
                          int                 width,
                          int                 height,
                          const StRidgePanel *panels,
                          int                 n_panels,
                          int                 columns,
                          GError            **error);

G_END_DECLS
