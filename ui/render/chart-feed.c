/* chart-feed.c: the trainer's events as chart rows. */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-feed.h"

void
st_chart_data_begin_run (StChartData *data, int planned_epochs)
{
  g_return_if_fail (data != NULL);

  st_chart_data_clear (data);
  data->planned_epochs = MAX (planned_epochs, 0);
}

gboolean
st_chart_data_add_event (StChartData *data, const StTrainerEvent *event)
{
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  switch (event->kind)
    {
    case ST_TRAINER_EVENT_BATCH:
      st_chart_data_add_batch (data, event->epoch - 1
                                     + (double) event->batch / MAX (event->n_batches, 1),
                               event->loss);
      return TRUE;
    case ST_TRAINER_EVENT_EPOCH:
      {
        const StEpochMetrics *m = &event->metrics;
        StChartEpoch row = { m->epoch, m->train_loss, m->test_loss, m->train_acc, m->test_acc };

        st_chart_data_add_epoch (data, &row);
        return TRUE;
      }
    case ST_TRAINER_EVENT_STATUS:
    case ST_TRAINER_EVENT_STARTED:
    case ST_TRAINER_EVENT_SNAPSHOT:
    case ST_TRAINER_EVENT_CHECKPOINT:
    case ST_TRAINER_EVENT_RECORD:
    case ST_TRAINER_EVENT_INSIGHT:
    case ST_TRAINER_EVENT_ERROR:
    case ST_TRAINER_EVENT_FINISHED:
      break;
    }
  return FALSE;
}
