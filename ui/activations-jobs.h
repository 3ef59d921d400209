/* activations-jobs.h: the activations view's work off the main thread, internal to ui/.
 *
 * Copy, compute, post back: the view hands a worker an StActivationsJob of copies in a GTask
 * and reads what comes back on the main thread. An evaluation loads the model and the test
 * set, predicts every image and takes the first picture (or, for a live run, only loads the
 * run's test set); a snapshot task takes one picture with an evaluation's evaluator, lent to
 * one task at a time. The view's dispose cancels; st_activations_jobs_wait() waits for the
 * threads of every view. The jobs know nothing of the view.
 */
#pragma once

#include <gio/gio.h>
#include <stdatomic.h>

#include "core/engine/evaluator.h"
#include "core/engine/trainer.h"

G_BEGIN_DECLS

/* The evaluator of one set_model, lent to one snapshot task at a time. */
/* What a snapshot's forward pass was made by: an evaluator, or a training run (`net`, the
 * run's spec compiled as the trainer compiles it, to read the run's snapshots with). */
typedef struct {
  StEvaluator *evaluator;
  StNet       *net;             /* without an evaluator */
  gboolean     in_use;          /* a snapshot task has it; main thread only */
} StActivationsSession;

/* What a worker gets: copies only. GTask already orders the writes of the side that hands a
 * job over before the other side reads it, but through GLib's futex locks, which
 * ThreadSanitizer cannot see; `handed` says the same in C11 terms, where it can. */
typedef struct {
  StSpec               *spec;
  char                 *weights;
  StBestWeights        *best;         /* the run's best instead of `weights`, or NULL */
  char                 *dataset;
  gboolean              test_only;    /* load the test set, evaluate nothing (a live run's) */
  gint64                example;
  StDataset            *image;        /* snapshots: a picture of the person's own instead of
                                       * test image `example`, or NULL */
  StDataset            *images;       /* a lesson's inputs as the test set, with `params`
                                       * and `buffers` as its weights; else NULL */
  float                *params;
  gsize                 n_params;
  float                *buffers;
  gsize                 n_buffers;
  StActivationsSession *session;      /* snapshots only */
  GCancellable         *cancellable;  /* borrowed from the task */
  int                   total;        /* test images, once loaded; atomic */
  int                   done;         /* images predicted so far; atomic */
  atomic_int            handed;
} StActivationsJob;

/* A job's results; a test_only job has only `test`. */
typedef struct {
  StActivationsSession *session;
  StDataset            *test;
  guint8               *predictions;  /* (N) */
  StSnapshot           *snapshot;
} StActivationsResult;

/* Drops one reference (g_rc_box_acquire () takes one); the last frees the evaluator. */
void              st_activations_session_unref          (StActivationsSession *session);
/* The net of the session's passes. */
const StNet      *st_activations_session_net            (StActivationsSession *session);
/* The side that is done with a job (the view before the worker starts, the worker when it
 * returns) hands it over; the other takes it over before reading it. */
void              st_activations_job_hand_over          (StActivationsJob     *job);
StActivationsJob *st_activations_job_take_over          (gpointer              job);
/* The task's destroy notify for its job: it may run on the worker thread. */
void              st_activations_job_free               (StActivationsJob     *job);
void              st_activations_result_free            (StActivationsResult  *result);

/* Run the task's job on a worker thread: the task returns an StActivationsResult, or an
 * StSnapshot of job->image or, without one, of test image job->example. */
void              st_activations_job_evaluate_in_thread (GTask                *task);
void              st_activations_job_snapshot_in_thread (GTask                *task);

/* Any other worker of a view (a picture being read): `func` must call
 * st_activations_worker_done () as its last step, so that the wait below counts it. */
void              st_activations_run_in_thread          (GTask                *task,
                                                         GTaskThreadFunc       func);
void              st_activations_worker_done            (void);

/* Waits (up to 30 s) until no worker of any view is computing. */
void              st_activations_jobs_wait              (void);

/* For tests (activations-view-private.h): run at the start of every evaluation on its
 * worker thread, with the dataset the job names; NULL runs nothing. */
typedef void (*StActivationsJobHook) (const char *dataset);
void              st_activations_job_set_hook           (StActivationsJobHook  hook);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StActivationsResult, st_activations_result_free)

G_END_DECLS
