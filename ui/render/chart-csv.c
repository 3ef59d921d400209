/* chart-csv.c: the chart's batch and epoch rows as one CSV file. */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-csv.h"

#include <math.h>

#include "core/io/atomic-file.h"

#define HEADER "kind,epoch,loss,train_loss,train_acc,test_loss,test_acc\n"

/* A leading comma, then the value unless it is a gap. */
static void
append_cell (GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, ',');
  if (isfinite (value))
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", value));
}

static void
append_batch (GString *out, const StChartBatch *b)
{
  g_string_append (out, "batch");
  append_cell (out, b->epoch);
  append_cell (out, b->loss);
  g_string_append (out, ",,,,\n");
}

static void
append_epoch (GString *out, const StChartEpoch *e)
{
  g_string_append (out, "epoch");
  append_cell (out, e->epoch);
  g_string_append_c (out, ',');
  append_cell (out, e->train_loss);
  append_cell (out, e->train_acc);
  append_cell (out, e->test_loss);
  append_cell (out, e->test_acc);
  g_string_append_c (out, '\n');
}

gboolean
st_chart_data_save_csv (const StChartData *data, const char *path, GError **error)
{
  g_autoptr(GString) out = NULL;
  gsize b = 0, e = 0;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  out = g_string_sized_new (sizeof HEADER + 32 * (data->n_batches + 2 * data->n_epochs));
  g_string_append (out, HEADER);

  /* Both row sets are already in epoch order; merge them. A comparison with a NaN epoch is
   * false and writes the batch first; either way every row is written exactly once. */
  while (b < data->n_batches || e < data->n_epochs)
    {
      if (e == data->n_epochs
          || (b < data->n_batches && !(data->batches[b].epoch > data->epochs[e].epoch)))
        append_batch (out, &data->batches[b++]);
      else
        append_epoch (out, &data->epochs[e++]);
    }

  return st_atomic_file_set_contents (path, out->str, out->len, 0666, error);
}
