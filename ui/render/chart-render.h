/* chart-render.h: the training chart — loss and accuracy against epochs — drawn with plain Cairo.
 *
 * The chart widget's snapshot, the CLI's `--plot FILE.png` and the tests all call
 * st_chart_render() on whatever surface they have; nothing here needs GTK or a display.
 *
 * x is measured in epochs completed, as d2l's Animator plots it: the first epoch's metrics
 * sit at x = 1, batch b (0-based) of B in epoch e (0-based) at x = e + (b + 1) / B.
 * Accuracies are fractions in [0, 1] and are shown as percentages. A NaN or ±Inf value is
 * a gap (a test pass that has not run, a diverged batch): it is skipped, never drawn.
 *
 * This header is the charts' public face: it includes the chart's data (chart-data.h), its
 * options (chart-options.h) and what every renderer shares (render-util.h: the theme and
 * the PNG/SVG writer).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/chart-data.h"
#include "ui/render/chart-options.h"
#include "ui/render/render-util.h"

G_BEGIN_DECLS

/* Defaults: both panels, auto layout, linear loss, no smoothing, no hover, light, no title. */
void st_chart_options_init (StChartOptions *options);

/* options may be NULL for the defaults. */
void st_chart_render (cairo_t              *cr,
                      double                width,
                      double                height,
                      const StChartData    *data,
                      const StChartOptions *options);


/* Maps pointer x (pixels) of a chart of this size to data. FALSE, with hit filled with -1s,
 * when x is outside every plot area. */
gboolean st_chart_hit_test (double                width,
                            double                height,
                            const StChartData    *data,
                            const StChartOptions *options,
                            double                x,
                            StChartHit           *hit);
/* What the hover box at pointer x says: its lines joined by '\n', the header first ("epoch 2
 * · 30%" over a batch), then "label value" rows; NULL outside every plot area. */
char    *st_chart_hover_text (double                width,
                              double                height,
                              const StChartData    *data,
                              const StChartOptions *options,
                              double                x);

/* PNG or SVG by the extension; see st_render_save(). */
gboolean st_chart_save (const char           *path,
                        int                   width,
                        int                   height,
                        const StChartData    *data,
                        const StChartOptions *options,
                        GError              **error);

G_END_DECLS
