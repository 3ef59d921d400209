/* epoch-metrics.h: what an epoch of training measured — the trainer's EPOCH events, the
 * lines of `strata-cli train --json` and of a run record's epochs.jsonl. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int    epoch;                 /* 1-based */
  double train_loss;
  double train_acc;
  double test_loss;
  double test_acc;
  double examples_per_sec;      /* training examples over training time, evaluation excluded */
  double seconds;               /* wall time of the epoch, evaluation included */
} StEpochMetrics;

/* The epoch as one JSON object, without a newline: {"epoch": 1, "train_loss": …,
 * "train_acc": …, "test_loss": …, "test_acc": …, "examples_per_sec": … (to 0.1),
 * "seconds": … (to 0.001)}. */
void st_epoch_metrics_append_json (GString *out, const StEpochMetrics *m);

G_END_DECLS
