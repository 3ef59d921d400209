/* chart-csv.h: a run's chart data as one CSV file, for a spreadsheet or pandas.
 *
 * One header line, then the batch and epoch rows merged in epoch order (a batch before the
 * epoch row that ends at the same x):
 *
 *   kind,epoch,loss,train_loss,train_acc,test_loss,test_acc
 *   batch,0.5,2.2512,,,,
 *   batch,1,1.9034,,,,
 *   epoch,1,,2.0127,0.412,1.8876,0.455
 *
 * A cell that does not apply to the row's kind is empty, and so is a NaN or ±Inf value (a gap
 * in the chart). Numbers are written in the C locale with nine significant digits, which
 * round-trips the float32 values the trainer reports. Accuracies are fractions in [0, 1], as
 * in StChartEpoch. The previous run a StChartData may point to is not written.
 */
#pragma once

#include <glib.h>

#include "ui/render/chart-data.h"

G_BEGIN_DECLS

/* Writes the file atomically (core/io/atomic-file.h); errors are in G_FILE_ERROR and name the
 * path. */
gboolean st_chart_data_save_csv (const StChartData *data,
                                 const char        *path,
                                 GError           **error);

G_END_DECLS
