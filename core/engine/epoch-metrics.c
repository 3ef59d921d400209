/* epoch-metrics.c: an epoch's metrics as the JSON line every tool reads. */
#include "core/engine/epoch-metrics.h"

#include <math.h>

#include "core/io/json-write.h"

void
st_epoch_metrics_append_json (GString *out, const StEpochMetrics *m)
{
  g_string_append_printf (out, "{\"epoch\": %d, \"train_loss\": ", m->epoch);
  st_json_append_double (out, m->train_loss);
  g_string_append (out, ", \"train_acc\": ");
  st_json_append_double (out, m->train_acc);
  g_string_append (out, ", \"test_loss\": ");
  st_json_append_double (out, m->test_loss);
  g_string_append (out, ", \"test_acc\": ");
  st_json_append_double (out, m->test_acc);
  g_string_append (out, ", \"examples_per_sec\": ");
  st_json_append_double (out, round (m->examples_per_sec * 10) / 10);
  g_string_append (out, ", \"seconds\": ");
  st_json_append_double (out, round (m->seconds * 1000) / 1000);
  g_string_append_c (out, '}');
}
