/* trainer.c: the training loop on a worker thread.
 *
 * The worker loads the data, opens the backend, and runs epochs of steps followed by an
 * evaluation of the test set. Commands are atomic flags read between batches; pausing
 * waits on a condition variable (off the hot path). Events go to the owner's main context:
 * batches through a ring and one long-lived GSource woken at most every ST_TRAINER_WAKE_MS,
 * everything else as one allocated message each. What a run keeps and writes at its
 * epochs' ends (best weights, checkpoints, its record) is trainer-state.c.
 */
#define G_LOG_DOMAIN "strata-trainer"

#include "core/engine/trainer.h"
#include "core/engine/trainer-private.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/engine/evaluator.h"
#include "core/engine/snapshot.h"
#include "core/model/layer-types.h"

#define BACKGROUND_NICE 10

typedef struct {
  GSource    source;
  StTrainer *trainer;
} RingSource;

static Link *
link_ref (Link *link)
{
  g_atomic_ref_count_inc (&link->ref);
  return link;
}

static void
link_unref (Link *link)
{
  if (g_atomic_ref_count_dec (&link->ref))
    g_free (link);
}

/* ---- events to the owner ------------------------------------------------------------- */

/* The owner's side of a hand-off. GMainContext already orders the worker's writes to a
 * message before the owner reads it, but through GLib's futex locks, which ThreadSanitizer
 * cannot see; this release/acquire pair says the same in C11 terms, where it can. */
static Message *
message_receive (gpointer p)
{
  Message *m = p;

  (void) atomic_load_explicit (&m->posted, memory_order_acquire);
  return m;
}

static void
message_free (gpointer p)
{
  Message *m = message_receive (p);

  link_unref (m->link);
  g_free (m->message);
  g_clear_error (&m->error);
  g_clear_pointer (&m->snapshot, st_snapshot_free);
  g_clear_pointer (&m->best, st_best_weights_unref);
  g_clear_pointer (&m->insight, st_insight_epoch_free);
  g_clear_pointer (&m->projection, st_projection_data_free);
  g_free (m);
}

static void drain_ring (StTrainer *trainer);

static gboolean
message_dispatch (gpointer p)
{
  Message *m = message_receive (p);
  StTrainer *trainer = m->link->trainer;

  if (trainer == NULL)
    return G_SOURCE_REMOVE;
  /* Batches that came before this message are delivered first, in order. */
  drain_ring (trainer);
  m->event.message = m->message;
  m->event.error = m->error;
  m->event.snapshot = m->snapshot;
  m->event.best = m->best;
  m->event.insight = m->insight;
  m->event.projection = m->projection;
  if (m->event.kind == ST_TRAINER_EVENT_FINISHED)
    atomic_store (&trainer->state, ST_TRAINER_DONE);
  if (trainer->func != NULL)
    trainer->func (trainer, &m->event, trainer->data);
  return G_SOURCE_REMOVE;
}

Message *
st_trainer_message_new (StTrainer *trainer, const StTrainerEvent *event, const char *message)
{
  Message *m = g_new0 (Message, 1);

  m->link = link_ref (trainer->link);
  m->event = *event;
  m->message = g_strdup (message);
  return m;
}

void
st_trainer_message_post (StTrainer *trainer, Message *m)
{
  GSource *source;

  atomic_store_explicit (&m->posted, 1, memory_order_release);
  /* Not g_main_context_invoke(): the owner's context is often the global default one, which
   * is also this worker's thread-default, and invoke would then run the owner's callback
   * right here on the worker whenever the owner is not iterating at that moment. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, message_dispatch, m, message_free);
  g_source_set_name (source, "strata trainer event");
  g_source_attach (source, trainer->context);
  g_source_unref (source);
}

/* Takes error, snapshot and best. */
void
st_trainer_post (StTrainer *trainer, const StTrainerEvent *event, const char *message, GError *error,
      StSnapshot *snapshot, StBestWeights *best)
{
  Message *m = st_trainer_message_new (trainer, event, message);

  m->error = error;
  m->snapshot = snapshot;
  m->best = best;
  st_trainer_message_post (trainer, m);
}

static void
post_simple (StTrainer *trainer, StTrainerEventKind kind, const char *message)
{
  StTrainerEvent event = { .kind = kind };
  st_trainer_post (trainer, &event, message, NULL, NULL, NULL);
}

static void
drain_ring (StTrainer *trainer)
{
  guint64 written = atomic_load_explicit (&trainer->ring_written, memory_order_acquire);

  if (written - trainer->ring_read > RING_SIZE)
    trainer->ring_read = written - RING_SIZE;
  for (; trainer->ring_read < written; trainer->ring_read++)
    {
      const BatchRecord *r = &trainer->ring[trainer->ring_read % RING_SIZE];
      StTrainerEvent event = {
        .kind = ST_TRAINER_EVENT_BATCH, .epoch = r->epoch, .n_epochs = r->n_epochs,
        .batch = r->batch, .n_batches = r->n_batches, .loss = r->loss,
        .examples_per_sec = r->examples_per_sec,
      };
      if (trainer->func != NULL)
        trainer->func (trainer, &event, trainer->data);
    }
}

static gboolean
ring_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  g_source_set_ready_time (source, -1);
  drain_ring (((RingSource *) source)->trainer);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs ring_funcs = { NULL, NULL, ring_dispatch, NULL, NULL, NULL };

/* Worker side: one record per batch, no allocation, no lock; a wake-up at most every few
 * milliseconds (g_source_set_ready_time takes the context's lock, so it is rate-limited). */
static void
push_batch (StTrainer *trainer, const BatchRecord *record, gboolean force_wake)
{
  guint64 w = atomic_load_explicit (&trainer->ring_written, memory_order_relaxed);
  gint64 now = g_get_monotonic_time ();

  trainer->ring[w % RING_SIZE] = *record;
  atomic_store_explicit (&trainer->ring_written, w + 1, memory_order_release);
  if (force_wake || now - atomic_load (&trainer->last_wake_us) >= ST_TRAINER_WAKE_MS * 1000)
    {
      atomic_store (&trainer->last_wake_us, now);
      g_source_set_ready_time (trainer->ring_source, 0);
    }
}

/* ---- the run ------------------------------------------------------------------------- */

static gboolean
wait_while_paused (StTrainer *trainer)
{
  if (!atomic_load (&trainer->paused))
    return !atomic_load (&trainer->stop);
  /* Everything done before the pause reaches the owner now, not at the next batch. */
  g_source_set_ready_time (trainer->ring_source, 0);
  g_mutex_lock (&trainer->pause_lock);
  atomic_store (&trainer->state, ST_TRAINER_PAUSED);
  while (atomic_load (&trainer->paused) && !atomic_load (&trainer->stop))
    g_cond_wait (&trainer->pause_cond, &trainer->pause_lock);
  atomic_store (&trainer->state, ST_TRAINER_RUNNING);
  g_mutex_unlock (&trainer->pause_lock);
  return !atomic_load (&trainer->stop);
}

static void
maybe_snapshot (Run *run)
{
  gint64 example = atomic_exchange (&run->trainer->snapshot_request, -1);
  GError *error = NULL;
  StSnapshot *snap;
  StTrainerEvent event = { .kind = ST_TRAINER_EVENT_SNAPSHOT };

  if (example < 0)
    return;
  snap = st_snapshot_take (run->backend, run->trainer->net, run->data->test, example, &error);
  if (snap == NULL)
    {
      /* A bad request is reported but does not end the run. */
      event.kind = ST_TRAINER_EVENT_STATUS;
      st_trainer_post (run->trainer, &event, error->message, NULL, NULL, NULL);
      g_error_free (error);
      return;
    }
  st_trainer_post (run->trainer, &event, NULL, NULL, snap, NULL);
}

static gboolean
stop_requested (gpointer data)
{
  return atomic_load (&((StTrainer *) data)->stop);
}

















static gboolean
setup (Run *run, GError **error)
{
  StTrainer *trainer = run->trainer;
  const StTrainConfig *tc = &trainer->spec->training;
  StDatasetOptions dopts;
  StBackendStart start = { 0 };
  g_autofree char *status = g_strdup_printf (_("Loading %s…"), trainer->dataset);
  g_autofree float *resume_params = NULL, *resume_buffers = NULL;
  gboolean has_state = FALSE;

  run->best_acc = -1.0;
  run->first_loss = -1.0;
  if (trainer->resume_path != NULL)
    {
      resume_params = g_try_new0 (float, MAX (trainer->net->n_params, 1));
      resume_buffers = g_try_new0 (float, MAX (trainer->net->n_buffers, 1));
      if (resume_params == NULL || resume_buffers == NULL)
        {
          g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                       _("the model's %zu parameters do not fit in memory"),
                       trainer->net->n_params);
          return FALSE;
        }
      /* The file has every parameter; its running statistics, or where it has none the
       * net's starting ones (which draw nothing: a generator of its own suffices). */
      StRng defaults;

      st_rng_init (&defaults, 0);
      st_net_init_params (trainer->net, resume_params, resume_buffers, ST_INIT_DEFAULT,
                          &defaults);
      if (!st_trainer_read_resume (run, resume_params, resume_buffers, &has_state, error))
        return FALSE;
    }

  post_simple (trainer, ST_TRAINER_EVENT_STATUS, status);
  st_dataset_options_for_model (&dopts, trainer->net->spec);
  /* read no more than the run trains on, and stop when asked */
  dopts.max_train_examples = trainer->options.max_train_examples;
  dopts.cancelled = stop_requested;
  dopts.cancelled_data = trainer;
  run->data = st_dataset_pair_load (trainer->dataset, &dopts, error);
  if (run->data == NULL || !st_check_data (trainer->net, tc->loss, run->data, error))
    return FALSE;

  st_backend_start_for_recipe (&start, trainer->options.device, trainer->net, tc,
                               tc->batch_size, run->data->train, run->data->test, &run->rng);
  start.setup.augment = tc->augment;
  start.params = resume_params;
  start.buffers = resume_buffers;
  st_rng_init (&run->rng, tc->seed);
  run->backend = st_backend_start (&start, error);
  if (run->backend == NULL)
    return FALSE;

  /* the backend has refused a model too large for memory; the host's copies come after */
  run->params = g_try_new0 (float, MAX (trainer->net->n_params, 1));
  run->buffers = g_try_new0 (float, MAX (trainer->net->n_buffers, 1));
  run->best = st_trainer_best_new (trainer);
  if (run->params == NULL || run->buffers == NULL || run->best == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the model's %zu parameters do not fit in memory"), trainer->net->n_params);
      return FALSE;
    }
  if (trainer->resume_path != NULL)
    {
      run->done_epochs = run->state.epoch;
      if (has_state && !st_trainer_restore_state (run, resume_params, resume_buffers, error))
        return FALSE;
    }
  st_trainer_start_record (run, has_state);
  if ((trainer->checkpoint_path != NULL || run->record != NULL) && !st_trainer_alloc_state (run))
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the optimizer state of the model's %zu parameters does not fit in "
                     "memory"), trainer->net->n_params);
      return FALSE;
    }

  post_simple (trainer, ST_TRAINER_EVENT_STARTED, run->backend->description);
  return TRUE;
}

/* NaN or Inf, or a loss a hundred times the first batch's (and above 10): a learning rate
 * too high for the model sends the loss to the hundreds without ever reaching Inf. */
static gboolean
diverged (double loss, double first_loss)
{
  return !isfinite (loss) || (first_loss > 0 && loss > 100.0 * first_loss && loss > 10.0);
}

static gboolean
train (Run *run, GError **error)
{
  StTrainer *trainer = run->trainer;
  const StTrainConfig *tc = &trainer->spec->training;
  const StDataset *train_set = run->data->train;
  gint64 n = train_set->n;
  int batch = tc->batch_size;
  gint64 n_batches;
  g_autofree guint32 *order = NULL;

  if (trainer->options.max_train_examples > 0)
    n = MIN (n, trainer->options.max_train_examples);
  n_batches = (n + batch - 1) / batch;
  order = g_try_new (guint32, n);
  if (order == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the shuffled order of %" PRId64 " training examples does not fit "
                     "in memory"), n);
      return FALSE;
    }

  for (int epoch = run->done_epochs + 1; epoch <= tc->epochs; epoch++)
    {
      gint64 t_epoch = g_get_monotonic_time ();
      double train_us = 0.0, loss_sum = 0.0;
      /* counted: the steps whose numbers are in, so the batch that last_loss belongs to (a
       * backend may report a few steps late) */
      gint64 seen = 0, correct = 0, counted = 0;
      StMetrics m, test;
      StEpochMetrics em = { .epoch = epoch };
      StTrainerEvent event = { .kind = ST_TRAINER_EVENT_EPOCH, .epoch = epoch,
                               .n_epochs = tc->epochs };

      for (gint64 i = 0; i < n; i++)
        order[i] = i;
      st_rng_shuffle (&run->rng, order, n);
      if (!st_backend_set_order (run->backend, order, n, error))
        return FALSE;

      for (gint64 start = 0; start < n; start += batch)
        {
          int count = (int) MIN (batch, n - start);
          gint64 t0 = g_get_monotonic_time ();
          BatchRecord record;

          if (!wait_while_paused (trainer))
            return TRUE;
          if (!st_backend_train_step (run->backend, start, count, st_rng_u64 (&run->rng),
                                      error))
            return FALSE;
          st_backend_take_metrics (run->backend, &m);
          train_us += (double) (g_get_monotonic_time () - t0);
          counted += m.steps;
          if (m.steps > 0 && isfinite (m.last_loss) && run->first_loss < 0)
            run->first_loss = m.last_loss;
          record = (BatchRecord) { epoch, tc->epochs, counted, n_batches, m.last_loss,
                                   (seen + m.examples) / MAX (train_us, 1.0) * 1e6 };
          if (m.steps > 0 && diverged (m.last_loss, run->first_loss))
            {
              /* the progress and the chart end on the batch the message names */
              push_batch (trainer, &record, TRUE);
              if (!isfinite (m.last_loss))
                g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DIVERGED,
                             _("training diverged: the loss became %s in epoch %d, batch %"
                               PRId64 " (lr %g); try a lower learning rate"),
                             isnan (m.last_loss) ? "NaN" : _("infinite"), epoch, counted,
                             tc->optimizer.lr);
              else
                g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DIVERGED,
                             _("training diverged: the loss rose from %.3g to %.4g in epoch %d, "
                               "batch %" PRId64 " (lr %g); try a lower learning rate"),
                             run->first_loss, m.last_loss, epoch, counted,
                             tc->optimizer.lr);
              return FALSE;
            }
          loss_sum += m.loss_sum;
          seen += m.examples;
          correct += m.correct;
          if (m.steps > 0)
            push_batch (trainer, &record, FALSE);
          if (m.steps > 0 && run->record != NULL)
            st_run_record_add_batch (run->record, epoch, counted, n_batches, m.last_loss);
          maybe_snapshot (run);
        }
      /* A backend that reports one step late hands over the last step now. */
      st_backend_take_metrics (run->backend, &m);
      loss_sum += m.loss_sum;
      seen += m.examples;
      correct += m.correct;

      /* in the largest batches the backend holds (on the GPU, ST_EVAL_BATCH) */
      if (!st_backend_evaluate_all (run->backend, ST_SPLIT_TEST, run->data->test->n,
                                    run->backend->eval_batch, stop_requested, trainer, &test,
                                    error))
        return FALSE;
      if (atomic_load (&trainer->stop))
        return TRUE;
      em.train_loss = loss_sum / MAX (seen, 1);
      em.train_acc = (double) correct / MAX (seen, 1);
      em.test_loss = test.loss_sum / MAX (test.examples, 1);
      em.test_acc = (double) test.correct / MAX (test.examples, 1);
      em.examples_per_sec = seen / MAX (train_us, 1.0) * 1e6;
      em.seconds = (g_get_monotonic_time () - t_epoch) / 1e6;
      event.metrics = em;
      st_trainer_post (trainer, &event, NULL, NULL, NULL, NULL);

      if (em.test_acc > run->best_acc)
        {
          run->best_acc = em.test_acc;
          if (!st_trainer_keep_best (run, &em, error))
            return FALSE;
          if (trainer->save_path != NULL)
            {
              if (!st_trainer_save_best (run, trainer->save_path, error))
                return FALSE;
              post_simple (trainer, ST_TRAINER_EVENT_CHECKPOINT, trainer->save_path);
            }
        }
      if ((trainer->checkpoint_path != NULL || run->record != NULL)
          && !st_trainer_gather_state (run, epoch, error))
        return FALSE;
      if (trainer->checkpoint_path != NULL && !st_trainer_save_state (run, trainer->checkpoint_path, error))
        return FALSE;
      st_trainer_record_epoch (run, &em, run->best->epoch == epoch);
    }
  return TRUE;
}

/* On Linux the nice value belongs to the thread, and threads it starts inherit it: set
 * here, before the backend starts its team, it covers every thread of the run. The window's
 * main thread then wins the processor the moment it has something to draw, while the run
 * still takes every cycle the window leaves. */
static void
lower_priority (void)
{
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), BACKGROUND_NICE) != 0)
    g_debug ("could not lower the trainer's priority: %s", g_strerror (errno));
#endif
}


static gpointer
worker_main (gpointer data)
{
  StTrainer *trainer = data;
  Run run = { .trainer = trainer };
  GError *error = NULL;
  StTrainerEvent finished = { .kind = ST_TRAINER_EVENT_FINISHED };

  if (trainer->options.priority == ST_TRAINER_PRIORITY_BACKGROUND)
    lower_priority ();

  if ((!setup (&run, &error) || !train (&run, &error))
      && !(g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           && atomic_load (&trainer->stop)))
    {
      StTrainerEvent event = { .kind = ST_TRAINER_EVENT_ERROR };

      st_trainer_finish_record (&run, g_error_matches (error, ST_NET_ERROR, ST_NET_ERROR_DIVERGED)
                             ? ST_RUN_DIVERGED : ST_RUN_FAILED, error->message);
      st_trainer_post (trainer, &event, error->message, error, NULL, NULL);
    }
  else
    {
      g_clear_error (&error);
      st_trainer_finish_record (&run, atomic_load (&trainer->stop) ? ST_RUN_STOPPED : ST_RUN_FINISHED,
                     NULL);
    }
  finished.stopped = atomic_load (&trainer->stop);
  /* Only an epoch that ended gives weights worth showing. */
  if (run.best != NULL && run.best->epoch == 0)
    g_clear_pointer (&run.best, st_best_weights_unref);
  st_trainer_post (trainer, &finished, NULL, NULL, NULL, g_steal_pointer (&run.best));

  g_clear_pointer (&run.backend, st_backend_free);
  g_clear_pointer (&run.data, st_dataset_pair_free);
  g_free (run.params);
  g_free (run.buffers);
  g_clear_pointer (&run.best, st_best_weights_unref);
  st_training_state_clear (&run.state);
  g_clear_pointer (&run.insight, st_insight_free);
  g_clear_pointer (&run.projection, st_projection_free);
  return NULL;
}

/* ---- the owner's side ---------------------------------------------------------------- */

void
st_trainer_options_init (StTrainerOptions *options)
{
  *options = (StTrainerOptions) { .device = ST_DEVICE_AUTO };
}

StTrainer *
st_trainer_new (const StSpec *spec, const StTrainerOptions *options, StTrainerFunc func,
                gpointer data, GError **error)
{
  StTrainer *trainer;
  StNet *net;

  g_return_val_if_fail (spec != NULL, NULL);

  net = st_net_compile (spec, error);
  if (net == NULL)
    return NULL;
  trainer = g_new0 (StTrainer, 1);
  trainer->spec = st_spec_copy (spec);
  trainer->net = net;
  if (options != NULL)
    trainer->options = *options;
  else
    st_trainer_options_init (&trainer->options);
  trainer->dataset = g_strdup (trainer->options.dataset != NULL ? trainer->options.dataset
                                                                 : spec->training.dataset);
  trainer->save_path = g_strdup (trainer->options.save_path);
  trainer->checkpoint_path = g_strdup (trainer->options.checkpoint_path);
  trainer->resume_path = g_strdup (trainer->options.resume_path);
  trainer->options.dataset = trainer->options.save_path = trainer->options.resume_path = NULL;
  trainer->runs_dir = g_strdup (trainer->options.runs_dir);
  trainer->options.checkpoint_path = trainer->options.runs_dir = NULL;
  trainer->func = func;
  trainer->data = data;
  trainer->link = g_new0 (Link, 1);
  g_atomic_ref_count_init (&trainer->link->ref);
  trainer->link->trainer = trainer;
  atomic_store (&trainer->snapshot_request, -1);
  atomic_store (&trainer->state, ST_TRAINER_IDLE);
  g_mutex_init (&trainer->pause_lock);
  g_cond_init (&trainer->pause_cond);
  return trainer;
}

void
st_trainer_start (StTrainer *trainer)
{
  RingSource *rs;

  g_return_if_fail (trainer != NULL);
  g_return_if_fail (trainer->thread == NULL);

  trainer->context = g_main_context_ref_thread_default ();
  trainer->ring_source = g_source_new (&ring_funcs, sizeof (RingSource));
  rs = (RingSource *) trainer->ring_source;
  rs->trainer = trainer;
  g_source_set_ready_time (trainer->ring_source, -1);
  g_source_set_name (trainer->ring_source, "strata trainer batches");
  g_source_attach (trainer->ring_source, trainer->context);
  atomic_store (&trainer->state, ST_TRAINER_RUNNING);
  trainer->thread = g_thread_new ("strata-trainer", worker_main, trainer);
}

void
st_trainer_pause (StTrainer *trainer)
{
  atomic_store (&trainer->paused, 1);
}

void
st_trainer_resume (StTrainer *trainer)
{
  g_mutex_lock (&trainer->pause_lock);
  atomic_store (&trainer->paused, 0);
  g_cond_broadcast (&trainer->pause_cond);
  g_mutex_unlock (&trainer->pause_lock);
}

void
st_trainer_stop (StTrainer *trainer)
{
  g_mutex_lock (&trainer->pause_lock);
  atomic_store (&trainer->stop, 1);
  if (atomic_load (&trainer->state) != ST_TRAINER_DONE)
    atomic_store (&trainer->state, ST_TRAINER_STOPPING);
  g_cond_broadcast (&trainer->pause_cond);
  g_mutex_unlock (&trainer->pause_lock);
}

void
st_trainer_request_snapshot (StTrainer *trainer, gint64 example)
{
  atomic_store (&trainer->snapshot_request, example);
}

gboolean
st_trainer_state_is_live (StTrainerState state)
{
  return state == ST_TRAINER_RUNNING || state == ST_TRAINER_PAUSED
         || state == ST_TRAINER_STOPPING;
}

StTrainerState
st_trainer_get_state (StTrainer *trainer)
{
  return atomic_load (&trainer->state);
}

gint64
st_trainer_get_steps (StTrainer *trainer)
{
  return atomic_load (&trainer->ring_written);
}

void
st_trainer_free (StTrainer *trainer)
{
  if (trainer == NULL)
    return;
  if (trainer->thread != NULL)
    {
      st_trainer_stop (trainer);
      g_thread_join (trainer->thread);
    }
  /* Messages still queued for the owner are dropped unseen. */
  trainer->link->trainer = NULL;
  link_unref (trainer->link);
  if (trainer->ring_source != NULL)
    {
      g_source_destroy (trainer->ring_source);
      g_source_unref (trainer->ring_source);
    }
  g_clear_pointer (&trainer->context, g_main_context_unref);
  g_mutex_clear (&trainer->pause_lock);
  g_cond_clear (&trainer->pause_cond);
  g_clear_pointer (&trainer->net, st_net_free);
  g_clear_pointer (&trainer->spec, st_spec_free);
  g_free (trainer->dataset);
  g_free (trainer->save_path);
  g_free (trainer->checkpoint_path);
  g_free (trainer->runs_dir);
  g_free (trainer->resume_path);
  g_free (trainer);
}
