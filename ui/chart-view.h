/* chart-view.h: the live training chart, a widget that draws a StChartData it borrows.
 *
 * Its snapshot calls st_chart_render() (chart-render.h) on a Cairo node, so the window, the
 * CLI's --plot and the exported files all draw the same picture. The data is not copied:
 * whoever owns it appends rows and calls st_chart_view_data_changed(), which only queues a
 * redraw and is cheap enough for every batch.
 *
 * The pointer's x is the renderer's hover position (it draws the guide and the value box);
 * the colours follow libadwaita's dark style.
 */
#pragma once

#include <gtk/gtk.h>

#include "ui/render/chart-render.h"

G_BEGIN_DECLS

#define ST_TYPE_CHART_PANELS (st_chart_panels_get_type ())
GType st_chart_panels_get_type (void);

#define ST_TYPE_CHART_VIEW (st_chart_view_get_type ())
G_DECLARE_FINAL_TYPE (StChartView, st_chart_view, ST, CHART_VIEW, GtkWidget)

GtkWidget            *st_chart_view_new            (void);

/* data is borrowed and must outlive the view or be unset first; NULL clears. */
void                  st_chart_view_set_data       (StChartView       *self,
                                                    const StChartData *data);
const StChartData    *st_chart_view_get_data       (StChartView       *self);
/* The borrowed data gained rows (or lost them): redraw at the next frame. */
void                  st_chart_view_data_changed   (StChartView       *self);

/* The options the view draws with, hover and theme included; valid until the next change. */
const StChartOptions *st_chart_view_get_options    (StChartView       *self);

/* "log-scale": the loss axis is logarithmic. */
void                  st_chart_view_set_log_scale  (StChartView       *self,
                                                    gboolean           log_scale);
gboolean              st_chart_view_get_log_scale  (StChartView       *self);
/* "smoothing": TensorBoard's EMA weight of the batch losses, clamped to [0, 0.99]. */
void                  st_chart_view_set_smoothing  (StChartView       *self,
                                                    double             smoothing);
double                st_chart_view_get_smoothing  (StChartView       *self);
/* "panels": loss, accuracy, or both. */
void                  st_chart_view_set_panels     (StChartView       *self,
                                                    StChartPanels      panels);
StChartPanels         st_chart_view_get_panels     (StChartView       *self);

/* What pointer motion does: x in widget pixels; NaN (what leaving does) hides the hover. */
void                  st_chart_view_set_hover      (StChartView       *self,
                                                    double             x);

G_END_DECLS
