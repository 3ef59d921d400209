/* chart-feed.h: a training run as chart rows — the one place that turns the trainer's events
 * into StChartData, for the window's chart and strata-cli's --plot alike.
 *
 *   BATCH  one batch row: batch b (1-based) of B in epoch e (1-based) is at x = e - 1 + b / B,
 *          with the loss as reported (the NaN or huge loss of a diverging run included: the
 *          renderer leaves out what it cannot draw, the hover and the CSV still say it)
 *   EPOCH  one epoch row from the epoch's metrics
 *
 * Other events add nothing.
 */
#pragma once

#include "core/engine/trainer.h"
#include "ui/render/chart-data.h"

G_BEGIN_DECLS

/* A new run of planned_epochs (0 or less: the x axis fits the data): the rows are freed,
 * previous is kept. */
void     st_chart_data_begin_run (StChartData          *data,
                                  int                   planned_epochs);
/* Adds what `event` says to the rows; TRUE when it added a row (the chart needs redrawing). */
gboolean st_chart_data_add_event (StChartData          *data,
                                  const StTrainerEvent *event);

G_END_DECLS
