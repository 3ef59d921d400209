/* chart-data.c: the chart's rows (appended in O(1)), the series views over them, smoothing. */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-data.h"

#include <math.h>
#include <string.h>

void
st_chart_data_init (StChartData *data)
{
  g_return_if_fail (data != NULL);
  memset (data, 0, sizeof *data);
}

void
st_chart_data_clear (StChartData *data)
{
  g_return_if_fail (data != NULL);
  g_clear_pointer (&data->batches, g_free);
  g_clear_pointer (&data->epochs, g_free);
  data->n_batches = data->batches_capacity = 0;
  data->n_epochs = data->epochs_capacity = 0;
}

static void *
grow (void *array, gsize *capacity, gsize needed, gsize element_size)
{
  if (needed <= *capacity)
    return array;
  *capacity = MAX (needed, MAX (64, *capacity * 2));
  return g_realloc_n (array, *capacity, element_size);
}

void
st_chart_data_add_batch (StChartData *data, double epoch, double loss)
{
  g_return_if_fail (data != NULL);
  data->batches = grow (data->batches, &data->batches_capacity, data->n_batches + 1,
                        sizeof (StChartBatch));
  data->batches[data->n_batches++] = (StChartBatch) { epoch, loss };
}

void
st_chart_data_add_epoch (StChartData *data, const StChartEpoch *epoch)
{
  g_return_if_fail (data != NULL);
  g_return_if_fail (epoch != NULL);
  data->epochs = grow (data->epochs, &data->epochs_capacity, data->n_epochs + 1,
                       sizeof (StChartEpoch));
  data->epochs[data->n_epochs++] = *epoch;
}

/* ---- series ------------------------------------------------------------------------------- */

StSeries
st_series_batches (const StChartBatch *batches, gsize n)
{
  return (StSeries) { n > 0 ? &batches[0].epoch : NULL, n > 0 ? &batches[0].loss : NULL, n,
                      sizeof (StChartBatch) / sizeof (double) };
}

gboolean
st_series_usable (double y, gboolean log_y)
{
  return isfinite (y) && (!log_y || y > 0.0);
}

gboolean
st_series_has_points (const StSeries *s, gboolean log_y)
{
  for (gsize i = 0; i < s->n; i++)
    if (isfinite (ST_SERIES_X (s, i)) && st_series_usable (ST_SERIES_Y (s, i), log_y))
      return TRUE;
  return FALSE;
}

gssize
st_series_nearest (const StSeries *s, double x, double max_distance)
{
  gssize best = -1;
  double best_d = max_distance;

  for (gsize i = 0; i < s->n; i++)
    {
      double d = fabs (ST_SERIES_X (s, i) - x);

      if (isfinite (d) && d <= best_d)
        {
          best = i;
          best_d = d;
        }
    }
  return best;
}

/* An exponential moving average, debiased so the first points are not pulled towards zero.
 * Non-finite values pass through and do not disturb the average. */
StChartBatch *
st_chart_data_smooth (const StChartBatch *batches, gsize n, double weight)
{
  StChartBatch *out = g_new (StChartBatch, MAX (n, 1));
  double last = 0.0;
  int count = 0;

  for (gsize i = 0; i < n; i++)
    {
      out[i].epoch = batches[i].epoch;
      if (!isfinite (batches[i].loss))
        {
          out[i].loss = batches[i].loss;
          continue;
        }
      last = last * weight + (1.0 - weight) * batches[i].loss;
      count++;
      out[i].loss = last / (1.0 - pow (weight, count));
    }
  return out;
}

gboolean
st_chart_data_is_empty (const StChartData *d)
{
  StSeries b, s;

  if (d == NULL)
    return TRUE;
  b = st_series_batches (d->batches, d->n_batches);
  if (st_series_has_points (&b, FALSE))
    return FALSE;
  s = ST_EPOCH_SERIES (d, train_loss);
  if (st_series_has_points (&s, FALSE))
    return FALSE;
  s = ST_EPOCH_SERIES (d, test_loss);
  if (st_series_has_points (&s, FALSE))
    return FALSE;
  s = ST_EPOCH_SERIES (d, train_acc);
  if (st_series_has_points (&s, FALSE))
    return FALSE;
  s = ST_EPOCH_SERIES (d, test_acc);
  return !st_series_has_points (&s, FALSE);
}
