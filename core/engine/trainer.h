/* trainer.h: a training run on its own thread, steered by commands, reporting by events.
 *
 * The trainer owns its net, data and backend on a worker thread. Its owner (the window, or
 * strata-cli) receives events in the GMainContext that was the thread's default when
 * st_trainer_start() was called, and steers it with commands that only set flags: the owner
 * never waits on a batch. Stop takes effect before the next batch.
 *
 * Per-batch progress does not allocate or lock: the worker writes it into a ring and wakes
 * the owner at most every ST_TRAINER_WAKE_MS; the owner's side turns the ring into BATCH
 * events. Epoch metrics, snapshots, checkpoints, errors and the end are rare and carry data.
 *
 * Every run keeps its best weights in memory: those of the epoch with the highest test
 * accuracy so far, read from the backend at that epoch's end (never during one), and only
 * when they are finite. FINISHED hands them over whether the run finished, was stopped or
 * diverged; NaN weights never get there, and a run that ended before its first epoch hands
 * over none.
 */
#pragma once

#include "core/engine/backend.h"
#include "core/engine/epoch-metrics.h"
#include "core/engine/insight.h"
#include "core/engine/projection.h"
#include "core/engine/snapshot.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

#define ST_TRAINER_WAKE_MS 30

typedef struct _StTrainer StTrainer;

typedef enum {
  ST_TRAINER_EVENT_STATUS,      /* message: what the worker is doing ("loading mnist…"), or
                                 * with `notice` something the person should read (a resume
                                 * that cannot be exact) */
  ST_TRAINER_EVENT_STARTED,     /* message: the backend, e.g. "CPU, 2 threads" */
  ST_TRAINER_EVENT_BATCH,       /* epoch, batch, n_batches, loss, examples_per_sec */
  ST_TRAINER_EVENT_EPOCH,       /* metrics */
  ST_TRAINER_EVENT_SNAPSHOT,    /* snapshot */
  ST_TRAINER_EVENT_CHECKPOINT,  /* message: the file written */
  ST_TRAINER_EVENT_RECORD,      /* message: the folder the run is recorded in */
  ST_TRAINER_EVENT_INSIGHT,     /* epoch: a recorded epoch's insight and projection (either
                                 * may be NULL: not measured) */
  ST_TRAINER_EVENT_ERROR,       /* error: what went wrong; FINISHED follows */
  ST_TRAINER_EVENT_FINISHED,    /* stopped: TRUE when Stop ended it early; best */
} StTrainerEventKind;



/* The weights of a run's best epoch, laid out as the net's tensor table, with the run's spec
 * (its training section as trained, its dataset the one the run used). Shared and never
 * changed once handed over: keep one with st_best_weights_ref(). */
typedef struct {
  StSpec *spec;
  int     epoch;                /* 1-based */
  double  test_acc;
  double  test_loss;
  gsize   n_params;
  gsize   n_buffers;
  float  *params;               /* (n_params) */
  float  *buffers;              /* (n_buffers) */
} StBestWeights;

StBestWeights  *st_best_weights_ref         (StBestWeights *best);
void            st_best_weights_unref       (StBestWeights *best);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StBestWeights, st_best_weights_unref)

typedef struct {
  StTrainerEventKind  kind;
  int                 epoch;
  int                 n_epochs;
  gint64              batch;          /* 1-based, within the epoch */
  gint64              n_batches;
  double              loss;           /* BATCH: mean loss of that batch */
  double              examples_per_sec;
  StEpochMetrics      metrics;
  const char         *message;
  const GError       *error;
  const StSnapshot   *snapshot;
  gboolean            stopped;
  gboolean            notice;         /* STATUS: to be shown, not only a progress line */
  StBestWeights      *best;           /* FINISHED: the best epoch's, or NULL when none ended;
                                       * valid during the call, st_best_weights_ref() to keep */
  const StInsightEpoch   *insight;    /* INSIGHT: valid during the call (copy to keep) */
  const StProjectionData *projection;
} StTrainerEvent;

typedef void (*StTrainerFunc) (StTrainer *trainer, const StTrainerEvent *event, gpointer data);

typedef enum {
  ST_TRAINER_PRIORITY_NORMAL,
  ST_TRAINER_PRIORITY_BACKGROUND, /* below the process's other threads: a window stays smooth */
} StTrainerPriority;

typedef struct {
  StDevice    device;
  int         threads;          /* CPU threads; 0: one per processor */
  StTrainerPriority priority;   /* of the worker and the threads it starts */
  const char *dataset;          /* overrides the model's training.dataset when not NULL */
  const char *save_path;        /* best checkpoint (safetensors), or NULL */
  const char *checkpoint_path;  /* the whole training state at every epoch's end (a training
                                 * checkpoint, checkpoint.h), or NULL */
  const char *resume_path;      /* continue the run of this training checkpoint after its
                                 * epoch, up to the recipe's epochs in total: exactly, on the
                                 * same device, data and recipe; a weights-only file continues
                                 * after its epoch with a fresh optimizer (a notice says so) */
  gint64      max_train_examples; /* 0: all; else only the first n (quick runs, tests) */
  const char *runs_dir;         /* record the run in a folder of its own here (run-record.h),
                                 * or NULL; a run resumed from a recorded run's checkpoint
                                 * goes on in that run's folder */
} StTrainerOptions;

typedef enum {
  ST_TRAINER_IDLE,
  ST_TRAINER_RUNNING,
  ST_TRAINER_PAUSED,
  ST_TRAINER_STOPPING,
  ST_TRAINER_DONE,
} StTrainerState;

/* A live run has a worker that is training, parked or winding down: a new run must wait
 * for it to end, and what it trains must not change under it. */
gboolean        st_trainer_state_is_live    (StTrainerState state);

void            st_trainer_options_init     (StTrainerOptions *options);
/* Checks the model (shape errors, a training section) and copies what it needs. */
StTrainer      *st_trainer_new              (const StSpec           *spec,
                                             const StTrainerOptions *options,
                                             StTrainerFunc           func,
                                             gpointer                data,
                                             GError                **error);
void            st_trainer_start            (StTrainer *trainer);
void            st_trainer_pause            (StTrainer *trainer);
void            st_trainer_resume           (StTrainer *trainer);
void            st_trainer_stop             (StTrainer *trainer);
/* Asks for the activations of test image `example` after the current batch. */
void            st_trainer_request_snapshot (StTrainer *trainer, gint64 example);
StTrainerState  st_trainer_get_state        (StTrainer *trainer);
/* Training steps the worker has finished so far (its events may still be on their way). */
gint64          st_trainer_get_steps        (StTrainer *trainer);
/* Stops the run if needed, waits for the worker and frees everything. */
void            st_trainer_free             (StTrainer *trainer);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (StTrainer, st_trainer_free)

G_END_DECLS
