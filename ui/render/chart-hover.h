/* chart-hover.h: the chart under the pointer, internal to ui/. */
#pragma once

#include "ui/render/chart-layout.h"

G_BEGIN_DECLS

/* The drawable panel whose plot area spans pointer x, or NULL. */
const StPanel *st_chart_panel_at   (const StChart    *chart,
                                    double            x);
/* Fills hit for pointer x; all -1s (epoch NaN) outside every plot area. */
void           st_chart_hit        (const StChart    *chart,
                                    double            x,
                                    StChartHit       *hit);
/* What the hover box says, its lines joined by '\n' (the header, then "label value"
 * rows), or NULL outside every plot area. */
char          *st_chart_describe_hover (const StChart    *chart,
                                        const StPanel    *p,
                                        const StChartHit *hit);
/* Draws the guide at the hit's epoch in panel p (at the pointer itself when under_pointer),
 * the markers on the points it meets and the box with their values. */
void           st_chart_draw_hover (cairo_t          *cr,
                                    const StChart    *chart,
                                    const StPanel    *p,
                                    const StChartHit *hit,
                                    gboolean          under_pointer,
                                    double            pointer_x);

G_END_DECLS
