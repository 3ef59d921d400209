/* chart-data.h: read-only views of a StChartData's columns, internal to ui/.
 *
 * StChartData itself and its functions are public, in chart-render.h. A series is a strided
 * view of one column of the batch or epoch rows (x is always the epoch), so the curves, the
 * ranges and the hover all walk the rows in place, without copying them.
 */
#pragma once

#include "ui/chart-render.h"

G_BEGIN_DECLS

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
