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
 * The end of this header holds what every renderer shares (grid-render.h and class-render.h
 * too): the colour theme and the PNG/SVG writer.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* ---- what every renderer shares -------------------------------------------------------- */

typedef enum {
  ST_THEME_LIGHT,
  ST_THEME_DARK,
} StTheme;

#define ST_RENDER_ERROR (st_render_error_quark ())
GQuark st_render_error_quark (void);

typedef enum {
  ST_RENDER_ERROR_FORMAT,       /* the file name ends neither in .png nor in .svg */
  ST_RENDER_ERROR_WRITE,        /* Cairo or the file system failed */
} StRenderError;

/* Draws one picture of width × height on cr. */
typedef void (*StRenderFunc) (cairo_t *cr, double width, double height, gconstpointer user_data);

/* Renders into a PNG or an SVG file, chosen by the extension (".png", ".svg", any case), and
 * writes it atomically. Errors name the path. */
gboolean st_render_save     (const char   *path,
                             int           width,
                             int           height,
                             StRenderFunc  func,
                             gconstpointer user_data,
                             GError      **error);

/* ---- the chart's data ------------------------------------------------------------------- */

typedef struct {
  double epoch;                 /* fractional: e + (b + 1) / B */
  double loss;
} StChartBatch;

typedef struct {
  double epoch;                 /* 1 for the first epoch */
  double train_loss;
  double test_loss;
  double train_acc;             /* [0, 1] */
  double test_acc;              /* [0, 1] */
} StChartEpoch;

typedef struct _StChartData StChartData;

/* Owned by the caller; the arrays grow by doubling, so appending a point is O(1). */
struct _StChartData {
  StChartBatch      *batches;           /* (n_batches) in order */
  gsize              n_batches;
  gsize              batches_capacity;
  StChartEpoch      *epochs;            /* (n_epochs) in order */
  gsize              n_epochs;
  gsize              epochs_capacity;
  double             planned_epochs;    /* fixes the x axis while a run fills it; 0: fit the data */
  const StChartData *previous;          /* borrowed: a finished run, drawn faint and dashed; its
                                         * own previous is ignored */
};

void st_chart_data_init      (StChartData        *data);
/* Frees the points; planned_epochs and previous are kept. */
void st_chart_data_clear     (StChartData        *data);
void st_chart_data_add_batch (StChartData        *data,
                              double              epoch,
                              double              loss);
void st_chart_data_add_epoch (StChartData        *data,
                              const StChartEpoch *epoch);

/* ---- how to draw it --------------------------------------------------------------------- */

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

/* Defaults: both panels, auto layout, linear loss, no smoothing, no hover, light, no title. */
void st_chart_options_init (StChartOptions *options);

/* options may be NULL for the defaults. */
void st_chart_render (cairo_t              *cr,
                      double                width,
                      double                height,
                      const StChartData    *data,
                      const StChartOptions *options);

typedef struct {
  double epoch;                 /* the x under the pointer, in epochs */
  gssize epoch_index;           /* nearest row of data->epochs within half an epoch, or -1 */
  gssize batch_index;           /* nearest row of data->batches, or -1 */
} StChartHit;

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
