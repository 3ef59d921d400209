/* chart-layout.h: the chart's geometry, internal to ui/.
 *
 * A layout is computed for every frame (and for every hit test): the title, one or two panels,
 * and in each panel the legend rows, the data ranges, the ticks and the plot area. Text
 * metrics decide the margins, so it needs a cairo_t, though it draws nothing.
 */
#pragma once

#include "ui/render/chart-axis.h"
#include "ui/render/chart-data.h"
#include "ui/render/chart-options.h"
#include "ui/render/render-util.h"

G_BEGIN_DECLS

#define ST_CHART_TICK_FONT   11.0
#define ST_CHART_LABEL_FONT  12.0
#define ST_CHART_TITLE_FONT  14.0

#define ST_LEGEND_SWATCH     22.0
#define ST_LEGEND_GAP         6.0
#define ST_LEGEND_SPACING    16.0
#define ST_MAX_LEGEND         (6 + ST_CHART_MAX_OVERLAYS)

typedef struct {
  StRgba background;
  StRgba text;
  StRgba text_dim;
  StRgba axis;
  StRgba grid;
  StRgba grid_minor;
  StRgba guide;
  StRgba box;
  StRgba box_border;
  double faint;                 /* multiplies the alpha of faint curves: blue fades on dark */
} StChartPalette;

typedef enum {
  ST_PANEL_LOSS,
  ST_PANEL_ACCURACY,
} StPanelKind;

typedef struct {
  const char   *label;
  const StRgba *colour;
  double        alpha;
  double        line_width;
  gboolean      marker;
  gboolean      dashed;
} StLegendEntry;

typedef struct {
  StPanelKind   kind;
  gboolean      log_y;
  gboolean      show_xlabel;
  double        fx, fy, fw, fh;           /* the panel's rectangle */
  double        left, top, right, bottom; /* its plot area */
  double        xlo, xhi;                 /* data range */
  double        ylo, yhi;                 /* data range, log10 on a log axis */
  StTicks       xticks, yticks;
  StLegendEntry legend[ST_MAX_LEGEND];
  int           n_legend;
  double        legend_rows[ST_MAX_LEGEND];  /* width of each row */
  int           legend_row_of[ST_MAX_LEGEND];
  int           n_legend_rows;
} StPanel;

typedef struct {
  const StChartData    *data;
  const StChartData    *previous;
  const StChartOverlay *overlays;
  int                   n_overlays;     /* at most ST_CHART_MAX_OVERLAYS */
  const StChartOptions *options;
  const StChartPalette *palette;
  StChartBatch         *smoothed;       /* owned; NULL without smoothing */
  gboolean              empty;          /* the current run has no points */
  StPanel               panel[2];
  int                   n_panels;
  double                title_height;
} StChart;

/* Lays the chart out on width × height, measuring text on cr; options must not be NULL.
 * Release it with st_chart_layout_clear(). */
void     st_chart_layout       (StChart              *chart,
                                cairo_t              *cr,
                                double                width,
                                double                height,
                                const StChartData    *data,
                                const StChartOptions *options);
void     st_chart_layout_clear (StChart              *chart);

/* Whether the plot area is large enough to draw in. */
gboolean st_panel_drawable     (const StPanel *p);
/* Data to pixels (clamped far outside, where Cairo's fixed point would overflow) and back;
 * map_y takes the value itself, not its log10. */
double   st_panel_map_x        (const StPanel *p,
                                double         x);
double   st_panel_unmap_x      (const StPanel *p,
                                double         px);
double   st_panel_map_y        (const StPanel *p,
                                double         y);

G_END_DECLS
