/* chart-data.h: the chart's data — its batch and epoch rows — and read-only views of its
 * columns.
 *
 * StChartData, its functions and StChartHit are public (chart-render.h includes them); the
 * series are internal to the renderers. A series is a strided view of one column of the
 * batch or epoch rows (x is always the epoch), so the curves, the ranges and the hover all
 * walk the rows in place, without copying them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

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

/* A finished run drawn beside the data in its own colour (a comparison of runs): train
 * dashed, test solid, its label in the legend. */
typedef struct {
  const StChartData *data;      /* borrowed; its own previous and overlays are ignored */
  const char        *label;     /* "lr 0.9": what sets the run apart */
} StChartOverlay;

/* The most overlays a chart draws (and names in its legend); more are left out. */
#define ST_CHART_MAX_OVERLAYS 10

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
  const StChartOverlay *overlays;       /* borrowed: runs compared, each in its colour */
  gsize              n_overlays;
};

void st_chart_data_init      (StChartData        *data);
/* Frees the points; planned_epochs and previous are kept. */
void st_chart_data_clear     (StChartData        *data);
void st_chart_data_add_batch (StChartData        *data,
                              double              epoch,
                              double              loss);
void st_chart_data_add_epoch (StChartData        *data,
                              const StChartEpoch *epoch);

typedef struct {
  double epoch;                 /* the x under the pointer, in epochs */
  gssize epoch_index;           /* nearest row of data->epochs within half an epoch, or -1 */
  gssize batch_index;           /* nearest row of data->batches, or -1 */
} StChartHit;

/* ---- the columns, for the renderers --------------------------------------------------- */

typedef struct {
  const double *x;
  const double *y;
  gsize         n;
  gsize         stride;         /* in doubles */
} StSeries;

#define ST_SERIES_X(s, i) ((s)->x[(i) * (s)->stride])
#define ST_SERIES_Y(s, i) ((s)->y[(i) * (s)->stride])

/* The series of one StChartEpoch field against epoch; data may be NULL (an empty series). */
#define ST_EPOCH_SERIES(data, field) \
  ((StSeries) { (data) != NULL && (data)->n_epochs > 0 ? &(data)->epochs[0].epoch : NULL, \
                (data) != NULL && (data)->n_epochs > 0 ? &(data)->epochs[0].field : NULL, \
                (data) != NULL ? (data)->n_epochs : 0, \
                sizeof (StChartEpoch) / sizeof (double) })

/* The loss of n batches against epoch. */
StSeries      st_series_batches     (const StChartBatch *batches,
                                     gsize               n);
/* Whether y can be drawn: finite, and positive on a log axis. */
gboolean      st_series_usable      (double              y,
                                     gboolean            log_y);
gboolean      st_series_has_points  (const StSeries     *s,
                                     gboolean            log_y);
/* The index of the point whose x is nearest to x, at most max_distance away, or -1. */
gssize        st_series_nearest     (const StSeries     *s,
                                     double              x,
                                     double              max_distance);

/* TensorBoard's smoothing of the losses with weight in [0, 1); free with g_free(). */
StChartBatch *st_chart_data_smooth  (const StChartBatch *batches,
                                     gsize               n,
                                     double              weight);
/* TRUE when data is NULL or has no drawable point in any column. */
gboolean      st_chart_data_is_empty (const StChartData *data);

G_END_DECLS
