/* run-record.h: recording a run as it trains, in the folder of its own that run-list.h
 * describes. Writing happens at the start, at epoch ends and at the end only: a training
 * step records its loss in memory reserved at the start.
 */
#pragma once

#include "core/engine/epoch-metrics.h"
#include "core/engine/run-list.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

typedef struct _StRunRecord StRunRecord;

typedef struct {
  const char *device;           /* the backend's description */
  gint64      limit;            /* training examples used; 0 all */
  gint64      n_batches;        /* training steps an epoch: the room reserved for losses */
} StRunStart;

/* Creates the run's folder under runs_dir (made if missing) and writes model.strata.json
 * (`spec`, with the dataset and epochs as trained) and run.json, status running. */
StRunRecord *st_run_record_begin      (const char        *runs_dir,
                                       const StSpec      *spec,
                                       const StRunStart  *start,
                                       GError           **error);
/* Goes on recording the run in `run_dir` (one being resumed): its epochs after
 * `done_epochs` are dropped from epochs.jsonl and batches.csv, run.json says running. */
StRunRecord *st_run_record_continue   (const char        *run_dir,
                                       const StSpec      *spec,
                                       const StRunStart  *start,
                                       int                done_epochs,
                                       GError           **error);
const char  *st_run_record_get_dir    (StRunRecord       *record);
/* Where the trainer writes the run's training checkpoint and best weights. */
const char  *st_run_record_get_checkpoint_path (StRunRecord *record);
const char  *st_run_record_get_best_path       (StRunRecord *record);
/* One training step's loss: kept in memory reserved by begin, no allocation and no I/O. */
void         st_run_record_add_batch  (StRunRecord       *record,
                                       int                epoch,
                                       gint64             batch,
                                       gint64             n_batches,
                                       double             loss);
/* An epoch ended: its line, its steps' losses, and run.json with the best so far. */
gboolean     st_run_record_end_epoch  (StRunRecord          *record,
                                       const StEpochMetrics *metrics,
                                       int                   best_epoch,
                                       double                best_test_acc,
                                       double                best_test_loss,
                                       GError              **error);
/* An epoch's insight (insight.h), one JSON object, appended to insight.jsonl. */
gboolean     st_run_record_add_insight (StRunRecord      *record,
                                        const char       *json,
                                        GError          **error);
/* An epoch's projection (projection.h), one JSON object, appended to projection.jsonl. */
gboolean     st_run_record_add_projection (StRunRecord   *record,
                                           const char    *json,
                                           GError       **error);
/* The end: run.json's status and message (NULL for none). */
gboolean     st_run_record_finish     (StRunRecord       *record,
                                       StRunStatus        status,
                                       const char        *message,
                                       GError           **error);
void         st_run_record_free       (StRunRecord       *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StRunRecord, st_run_record_free)

G_END_DECLS
