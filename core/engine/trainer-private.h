/* trainer-private.h: what trainer.c (the worker's loop, the events, the owner's commands)
 * shares with trainer-state.c (what a run keeps and writes at its epochs' ends: the best
 * weights, the training checkpoint and resume, the run's record and the insight in it).
 * Everything here lives on the worker's thread but the trainer's owner side and the ring.
 */
#pragma once

#include <stdatomic.h>

#include "core/engine/checkpoint.h"
#include "core/engine/insight.h"
#include "core/engine/projection.h"
#include "core/engine/run-record.h"
#include "core/engine/trainer.h"

G_BEGIN_DECLS

#define RING_SIZE 8192   /* batch records kept for the owner; a power of two */
typedef struct {
  int    epoch;
  int    n_epochs;
  gint64 batch;
  gint64 n_batches;
  double loss;
  double examples_per_sec;
} BatchRecord;

/* Messages outlive a trainer freed before they are dispatched; they reach it through a link
 * that the trainer cuts when it goes. Both ends live on the owner's thread. */
typedef struct {
  gatomicrefcount  ref;
  StTrainer       *trainer;
} Link;

struct _StTrainer {
  /* set at creation, read-only afterwards */
  StSpec           *spec;
  StNet            *net;
  StTrainerOptions  options;
  char             *dataset;
  char             *save_path;
  char             *checkpoint_path;
  char             *resume_path;
  char             *runs_dir;
  StTrainerFunc     func;
  gpointer          data;

  /* owner side */
  Link             *link;
  GMainContext     *context;
  GSource          *ring_source;
  guint64           ring_read;
  GThread          *thread;

  /* shared */
  BatchRecord       ring[RING_SIZE];
  atomic_ullong     ring_written;
  atomic_llong      last_wake_us;
  atomic_int        stop;
  atomic_int        paused;
  atomic_llong      snapshot_request;   /* -1: none */
  atomic_int        state;
  GMutex            pause_lock;
  GCond             pause_cond;
};

/* ---- events to the owner (trainer.c) ------------------------------------------------- */

typedef struct {
  Link           *link;
  StTrainerEvent  event;
  char           *message;
  GError         *error;
  StSnapshot     *snapshot;
  StBestWeights  *best;
  StInsightEpoch *insight;
  StProjectionData *projection;
  atomic_int      posted;
} Message;

/* A message for the owner with a copy of `message`; what else it carries is set on it before
 * st_trainer_message_post, which hands it over (and it is freed after delivery). */
Message *st_trainer_message_new  (StTrainer            *trainer,
                                  const StTrainerEvent *event,
                                  const char           *message);
void     st_trainer_message_post (StTrainer            *trainer,
                                  Message              *m);
/* Posts an event; takes error, snapshot and best. */
void     st_trainer_post         (StTrainer            *trainer,
                                  const StTrainerEvent *event,
                                  const char           *message,
                                  GError               *error,
                                  StSnapshot           *snapshot,
                                  StBestWeights        *best);

/* ---- the run ---------------------------------------------------------------------------- */

typedef struct {
  StTrainer     *trainer;
  StBackend     *backend;
  StDatasetPair *data;
  float         *params;      /* (n_params): the starting weights, then st_trainer_keep_best's scratch */
  float         *buffers;     /* (n_buffers) */
  StBestWeights *best;        /* epoch 0 until an epoch ends with finite weights */
  StRng          rng;
  int            done_epochs; /* epochs before this process's first: a resumed run's */
  double         best_acc;    /* the best test accuracy so far; -1 before any */
  double         first_loss;  /* the run's first finite batch loss (the divergence rule) */
  StTrainingState state;      /* the training checkpoint: what is read at each epoch's end */
  StRunRecord   *record;      /* the run's folder in the history, or NULL */
  StInsight     *insight;     /* measured at each recorded epoch's end, or NULL */
  StProjection  *projection;  /* likewise */
} Run;

/* ---- what a run keeps and writes (trainer-state.c) ------------------------------------ */

/* A STATUS event to be shown: something the person should read. */
void           st_trainer_post_notice   (StTrainer            *trainer,
                                         const char           *message);
/* Room for the net's weights, epoch 0; NULL when they do not fit in memory. */
StBestWeights *st_trainer_best_new      (StTrainer            *trainer);
/* At the end of an epoch whose test accuracy is the best so far: the backend's weights
 * become the run's best; weights that are not finite fail as a divergence. */
gboolean       st_trainer_keep_best     (Run                  *run,
                                         const StEpochMetrics *m,
                                         GError              **error);
gboolean       st_trainer_save_best     (Run                  *run,
                                         const char           *path,
                                         GError              **error);
/* The file to resume from (trainer->resume_path) into params, buffers and run->state, with
 * a notice when the continuation cannot be exact. */
gboolean       st_trainer_read_resume   (Run                  *run,
                                         float                *params,
                                         float                *buffers,
                                         gboolean             *has_state,
                                         GError              **error);
/* After st_backend_start: the saved optimizer, generator, best epoch and divergence
 * reference taken over. */
gboolean       st_trainer_restore_state (Run                  *run,
                                         const float          *params,
                                         const float          *buffers,
                                         GError              **error);
/* Room for what a training checkpoint reads at each epoch's end; FALSE without memory. */
gboolean       st_trainer_alloc_state   (Run                  *run);
/* The whole state at an epoch's end, read from the backend once for every file that holds
 * it (and for the insight): the weights into run->params and run->buffers. */
gboolean       st_trainer_gather_state  (Run                  *run,
                                         int                   epoch,
                                         GError              **error);
/* The gathered state written atomically at `path`. */
gboolean       st_trainer_save_state    (Run                  *run,
                                         const char           *path,
                                         GError              **error);
/* The run's folder in the history (trainer->runs_dir): a new one, or the recorded run it
 * resumes; a failure is a notice and the run goes on unrecorded. */
void           st_trainer_start_record  (Run                  *run,
                                         gboolean              has_state);
/* At an epoch's end, after st_trainer_gather_state: the run's line, best weights,
 * checkpoint and insight in its folder. */
void           st_trainer_record_epoch  (Run                  *run,
                                         const StEpochMetrics *em,
                                         gboolean              best_now);
/* The end: how the run ended, in its record, which is then closed. */
void           st_trainer_finish_record (Run                  *run,
                                         StRunStatus           status,
                                         const char           *message);

G_END_DECLS
