/* run-list.h: the history of training runs — every run, from the window or strata-cli,
 * recorded in a folder of its own (run-record.h writes it) — and reading it back.
 *
 * The runs live under st_runs_dir (): $STRATA_RUNS_DIR when set, else
 * $XDG_DATA_HOME/strata/runs (~/.local/share/strata/runs). One folder a run, named by its
 * id, "20261204-191022-lenet-5" (the start in local time, then the model's name made a file
 * name; "-2", "-3" … when taken), holding:
 *
 *   run.json              what the run is and how it stands (below), rewritten atomically
 *                         at the start, at every epoch's end and at the end
 *   model.strata.json     the model and its recipe exactly as trained (the dataset the run
 *                         used, its epochs), written at the start
 *   epochs.jsonl          one line an epoch, appended and flushed at its end: the objects of
 *                         `strata-cli train --json` ({"epoch": 1, "train_loss": …,
 *                         "train_acc": …, "test_loss": …, "test_acc": …,
 *                         "examples_per_sec": …, "seconds": …})
 *   batches.csv           "epoch,batch,n_batches,loss", a row a training step, appended at
 *                         each epoch's end
 *   checkpoint.safetensors  the training checkpoint after the last epoch (checkpoint.h):
 *                         `strata-cli train MODEL --resume RUN` continues from it
 *   best.safetensors      the best epoch's weights (highest test accuracy)
 *   insight.jsonl         one line an epoch: what happened inside the network (insight.h's
 *                         st_insight_append_json), appended at the epoch's end
 *   projection.jsonl      one line an epoch after it: the test images' features in two
 *                         dimensions (projection.h)
 *
 * run.json:
 *   {"format": "strata-run/1", "id": "…", "name": "LeNet-5", "note": "",
 *    "status": "running" | "finished" | "stopped" | "diverged" | "failed",
 *    "message": "training diverged: …" (diverged, failed; else absent),
 *    "host": "…", "pid": 1234, "started": "2026-12-04T19:10:22Z", "updated": "…",
 *    "device": "CPU, 2 threads (OpenBLAS Haswell)", "dataset": "fashion-mnist",
 *    "limit": 0, "epochs_planned": 10, "epochs_done": 3,
 *    "best_epoch": 2, "best_test_acc": 0.85, "best_test_loss": 0.41,
 *    "seconds": 31.5, "examples_per_sec": 21345.2,
 *    "source": "strata" | "pytorch" (a run imported from a training package)}
 *   "seconds" is the wall time of the epochs done, "examples_per_sec" the last epoch's.
 *
 * A crash or kill -9 at any moment leaves every completed epoch readable: epochs.jsonl's
 * last line may be torn (the reader drops a line that does not parse), run.json is never
 * torn, and a run whose status is "running" but whose process is gone reads as
 * interrupted.
 */
#pragma once

#include "core/engine/epoch-metrics.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

#define ST_RUN_FORMAT "strata-run/1"

typedef enum {
  ST_RUN_RUNNING,
  ST_RUN_FINISHED,
  ST_RUN_STOPPED,
  ST_RUN_DIVERGED,
  ST_RUN_FAILED,
  ST_RUN_INTERRUPTED,           /* read only: "running" in the file, its process gone */
} StRunStatus;

/* "running", "finished", …; and back (FALSE for another word). */
const char *st_run_status_name      (StRunStatus status);
gboolean    st_run_status_from_name (const char *name, StRunStatus *status);

/* How a run ended, in the person's language ("finished", "已完成"). */
const char *st_run_status_label     (StRunStatus status);
/* The time a run took, as a person reads it: "31.5 s", "5 min 31 s", "2 h 05 min"; "—" for
 * no time (NaN, negative). */
char       *st_run_format_duration  (double seconds);

/* The folder of the runs (not created here). */
char       *st_runs_dir             (void);

typedef struct {
  int    epoch;
  gint64 batch;                 /* 1-based within the epoch */
  gint64 n_batches;
  double loss;
} StRunBatch;

typedef struct {
  char          *id;
  char          *dir;
  char          *name;
  char          *note;
  StRunStatus    status;
  char          *message;       /* or NULL */
  char          *source;        /* "strata" or "pytorch" */
  char          *started;       /* ISO 8601, UTC */
  char          *device;
  char          *dataset;
  gint64         limit;
  int            epochs_planned;
  int            epochs_done;
  int            best_epoch;    /* 0: none */
  double         best_test_acc;
  double         best_test_loss;
  double         seconds;
  double         examples_per_sec;
  StSpec        *spec;          /* model.strata.json; NULL when it does not read */
  GArray        *epochs;        /* StEpochMetrics, from epochs.jsonl */
  GArray        *batches;       /* StRunBatch, from batches.csv; NULL unless asked for */
} StRun;

void        st_run_free             (StRun *run);
/* One run from its folder; `with_batches` reads batches.csv too. Errors name the file. */
StRun      *st_run_load             (const char   *run_dir,
                                     gboolean      with_batches,
                                     GError      **error);
/* Every run under runs_dir that reads, newest first (a folder that does not read is left
 * out, with a warning); an empty array when there is no such folder. */
GPtrArray  *st_runs_list            (const char   *runs_dir,
                                     GError      **error);
/* The run that `what` names: a folder, an id under runs_dir, or the start of exactly one
 * id. Errors say which, and list the ids a prefix matched. */
char       *st_run_find             (const char   *runs_dir,
                                     const char   *what,
                                     GError      **error);
/* Renames a run or sets its note: run.json rewritten atomically. */
gboolean    st_run_set_name         (const char   *run_dir,
                                     const char   *name,
                                     GError      **error);
gboolean    st_run_set_note         (const char   *run_dir,
                                     const char   *note,
                                     GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StRun, st_run_free)

G_END_DECLS
