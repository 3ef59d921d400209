/* activations-jobs.c: see activations-jobs.h. */
#define G_LOG_DOMAIN "strata-activations"

#include "ui/activations-jobs.h"

static void
session_clear (gpointer data)
{
  StActivationsSession *session = data;

  g_clear_pointer (&session->evaluator, st_evaluator_free);
  g_clear_pointer (&session->net, st_net_free);
}

const StNet *
st_activations_session_net (StActivationsSession *session)
{
  return session->evaluator != NULL ? st_evaluator_net (session->evaluator) : session->net;
}

void
st_activations_session_unref (StActivationsSession *session)
{
  g_rc_box_release_full (session, session_clear);
}

void
st_activations_job_hand_over (StActivationsJob *job)
{
  atomic_store_explicit (&job->handed, 1, memory_order_release);
}

StActivationsJob *
st_activations_job_take_over (gpointer job)
{
  (void) atomic_load_explicit (&((StActivationsJob *) job)->handed, memory_order_acquire);
  return job;
}

/* The task may drop its last reference on the worker thread. */
void
st_activations_job_free (StActivationsJob *job)
{
  st_activations_job_take_over (job);
  g_clear_pointer (&job->spec, st_spec_free);
  g_free (job->weights);
  g_clear_pointer (&job->best, st_best_weights_unref);
  g_free (job->dataset);
  g_clear_pointer (&job->image, st_dataset_unref);
  g_clear_pointer (&job->images, st_dataset_unref);
  g_free (job->params);
  g_free (job->buffers);
  g_clear_pointer (&job->session, st_activations_session_unref);
  g_free (job);
}

void
st_activations_result_free (StActivationsResult *e)
{
  g_clear_pointer (&e->session, st_activations_session_unref);
  g_clear_pointer (&e->test, st_dataset_unref);
  g_free (e->predictions);
  g_clear_pointer (&e->snapshot, st_snapshot_free);
  g_free (e);
}

/* Asked before each image's prediction: counts them for the progress shown. */
static gboolean
next_prediction (gpointer data)
{
  StActivationsJob *job = data;

  g_atomic_int_inc (&job->done);
  return g_cancellable_is_cancelled (job->cancellable);
}

static StActivationsJobHook job_hook;

void
st_activations_job_set_hook (StActivationsJobHook hook)
{
  g_atomic_pointer_set (&job_hook, hook);
}

static gboolean
load_cancelled (gpointer cancellable)
{
  return g_cancellable_is_cancelled (cancellable);
}

/* The test set as a training run of job->spec reads it (its training set is not needed). */
static StActivationsResult *
load_test_set (StActivationsJob *job, GCancellable *cancellable, GError **error)
{
  g_autoptr (StActivationsResult) e = g_new0 (StActivationsResult, 1);
  g_autoptr (StDatasetPair) pair = NULL;
  StDatasetOptions options;

  st_dataset_options_for_model (&options, job->spec);
  options.max_train_examples = 1;
  options.cancelled = load_cancelled;
  options.cancelled_data = cancellable;
  pair = st_dataset_pair_load (job->dataset != NULL ? job->dataset : job->spec->training.dataset,
                               &options, error);
  if (pair == NULL)
    return NULL;
  e->test = st_dataset_ref (pair->test);
  return g_steal_pointer (&e);
}

static StActivationsResult *
evaluate (StActivationsJob *job, GCancellable *cancellable, GError **error)
{
  g_autoptr (StActivationsResult) e = g_new0 (StActivationsResult, 1);
  StActivationsJobHook hook = g_atomic_pointer_get (&job_hook);
  const StDataset *test;
  StEvaluator *ev;

  if (hook != NULL)
    hook (job->dataset);
  if (job->test_only)
    return load_test_set (job, cancellable, error);
  ev = job->images != NULL
       ? st_evaluator_new_for_images (job->spec, job->params, job->n_params, job->buffers,
                                      job->n_buffers, job->images, ST_DEVICE_CPU, error)
       : job->best != NULL
       ? st_evaluator_new_from_memory (job->spec, job->best->params, job->best->n_params,
                                       job->best->buffers, job->best->n_buffers, job->dataset,
                                       ST_DEVICE_AUTO, error)
       : st_evaluator_new (job->spec, job->weights, job->dataset, ST_DEVICE_AUTO, error);
  if (ev == NULL)
    return NULL;
  e->session = g_rc_box_new0 (StActivationsSession);
  e->session->evaluator = ev;
  test = st_evaluator_test_set (ev);
  e->test = st_dataset_ref ((StDataset *) test);
  e->predictions = g_try_new (guint8, test->n);
  if (e->predictions == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   "the predictions for the %" G_GINT64_FORMAT " test images of %s do not fit "
                   "in memory", test->n, test->name);
      return NULL;
    }
  job->cancellable = cancellable;
  g_atomic_int_set (&job->total, (int) MIN (test->n, G_MAXINT));
  if (!st_evaluator_predict_all (ev, e->predictions, next_prediction, job, error))
    return NULL;
  e->snapshot = st_evaluator_snapshot (ev, CLAMP (job->example, 0, test->n - 1), error);
  if (e->snapshot == NULL)
    return NULL;
  return g_steal_pointer (&e);
}

/* Workers still computing, over every view: the process must not end under one (its
 * backend's threads would run on while the libraries are torn down). */
static gint running_workers;

void
st_activations_jobs_wait (void)
{
  /* a cancelled worker stops at its next image: this is short */
  for (int i = 0; i < 30000 && g_atomic_int_get (&running_workers) > 0; i++)
    g_usleep (1000);
}

static void
run_worker (GTask *task, GTaskThreadFunc func)
{
  g_atomic_int_inc (&running_workers);
  g_task_run_in_thread (task, func);
}

static void
evaluate_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  StActivationsJob *job = st_activations_job_take_over (data);
  GError *error = NULL;
  StActivationsResult *e = evaluate (job, cancellable, &error);

  st_activations_job_hand_over (job);
  if (e == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, e, (GDestroyNotify) st_activations_result_free);
  g_atomic_int_dec_and_test (&running_workers);
}

static void
snapshot_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  StActivationsJob *job = st_activations_job_take_over (data);
  GError *error = NULL;
  StSnapshot *snap = job->image != NULL
                     ? st_evaluator_snapshot_image (job->session->evaluator, job->image, &error)
                     : st_evaluator_snapshot (job->session->evaluator, job->example, &error);

  st_activations_job_hand_over (job);
  if (snap == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, snap, (GDestroyNotify) st_snapshot_free);
  g_atomic_int_dec_and_test (&running_workers);
}

void
st_activations_run_in_thread (GTask *task, GTaskThreadFunc func)
{
  run_worker (task, func);
}

void
st_activations_worker_done (void)
{
  g_atomic_int_dec_and_test (&running_workers);
}

void
st_activations_job_evaluate_in_thread (GTask *task)
{
  run_worker (task, evaluate_thread);
}

void
st_activations_job_snapshot_in_thread (GTask *task)
{
  run_worker (task, snapshot_thread);
}
