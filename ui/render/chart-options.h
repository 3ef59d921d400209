/* chart-options.h: how a chart is drawn — its panels, layout, scale, smoothing, hover and
 * theme. Types only: st_chart_options_init() (chart-render.h) fills in the defaults. */
#pragma once

#include <glib.h>

#include "ui/render/render-util.h"

G_BEGIN_DECLS

typedef enum {
  ST_CHART_PANELS_BOTH,
  ST_CHART_PANELS_LOSS,
  ST_CHART_PANELS_ACCURACY,
} StChartPanels;

typedef enum {
  ST_CHART_LAYOUT_AUTO,         /* side by side when at least 1.6 times wider than tall */
  ST_CHART_LAYOUT_SIDE_BY_SIDE,
  ST_CHART_LAYOUT_STACKED,
} StChartLayout;

typedef enum {
  ST_CHART_SCALE_LINEAR,
  ST_CHART_SCALE_LOG,
} StChartScale;

typedef struct {
  StChartPanels panels;
  StChartLayout layout;
  StChartScale  loss_scale;
  double        smoothing;      /* TensorBoard's: EMA weight of the past in [0, 1); 0 = raw */
  double        hover_x;        /* pointer x in pixels; NaN or negative: no hover */
  StTheme       theme;
  const char   *title;          /* NULL: none */
  const char   *empty_text;     /* NULL: "No data yet — press Start" (pass a translation) */
} StChartOptions;

G_END_DECLS
