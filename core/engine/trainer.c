/* trainer.c: the training loop on a worker thread.
 *
 * The worker loads the data, opens the backend, and runs epochs of steps followed by an
 * evaluation of the test set. Commands are atomic flags read between batches; pausing
 * waits on a condition variable (off the hot path). Events go to the owner's main context:
 * batches through a ring and one long-lived GSource woken at most every ST_TRAINER_WAKE_MS,
 * everything else as one allocated message each.
 */
#define G_LOG_DOMAIN "strata-trainer"

#include "core/engine/trainer.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/engine/checkpoint.h"
#include "core/engine/insight.h"
#include "core/engine/projection.h"
#include "core/engine/run-record.h"
#include "core/engine/evaluator.h"
#include "core/engine/snapshot.h"
#include "core/model/layer-types.h"

#define RING_SIZE 8192   /* batch records kept for the owner; a power of two */
#define BACKGROUND_NICE 10

typedef struct {
  int    epoch;
  int    n_epochs;
  gint64 batch;
  gint64 n_batches;
  double loss;
  double examples_per_sec;
} BatchRecord;

typedef struct {
  GSource    source;
  StTrainer *trainer;
} RingSource;

/* Messages outlive a trainer freed before they are dispatched; they reach it through a link
 * that the trainer cuts when it goes. Both ends live on the owner's thread. */
typedef struct {
  gatomicrefcount  ref;
  StTrainer       *trainer;
} Link;

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

/* ---- events to the owner ------------------------------------------------------------- */

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

static Message *
message_new (StTrainer *trainer, const StTrainerEvent *event, const char *message)
{
  Message *m = g_new0 (Message, 1);

  m->link = link_ref (trainer->link);
  m->event = *event;
  m->message = g_strdup (message);
  return m;
}

static void
message_post (StTrainer *trainer, Message *m)
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
static void
post (StTrainer *trainer, const StTrainerEvent *event, const char *message, GError *error,
      StSnapshot *snapshot, StBestWeights *best)
{
  Message *m = message_new (trainer, event, message);

  m->error = error;
  m->snapshot = snapshot;
  m->best = best;
  message_post (trainer, m);
}

static void
post_simple (StTrainer *trainer, StTrainerEventKind kind, const char *message)
{
  StTrainerEvent event = { .kind = kind };
  post (trainer, &event, message, NULL, NULL, NULL);
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

typedef struct {
  StTrainer     *trainer;
  StBackend     *backend;
  StDatasetPair *data;
  float         *params;      /* (n_params): the starting weights, then keep_best's scratch */
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
      post (run->trainer, &event, error->message, NULL, NULL, NULL);
      g_error_free (error);
      return;
    }
  post (run->trainer, &event, NULL, NULL, snap, NULL);
}

static gboolean
stop_requested (gpointer data)
{
  return atomic_load (&((StTrainer *) data)->stop);
}

static char *
ascii_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6f", v));
}

/* ---- the best weights ---------------------------------------------------------------- */

static void
best_weights_clear (gpointer data)
{
  StBestWeights *best = data;

  g_clear_pointer (&best->spec, st_spec_free);
  g_free (best->params);
  g_free (best->buffers);
}

StBestWeights *
st_best_weights_ref (StBestWeights *best)
{
  g_return_val_if_fail (best != NULL, NULL);

  return g_atomic_rc_box_acquire (best);
}

void
st_best_weights_unref (StBestWeights *best)
{
  if (best != NULL)
    g_atomic_rc_box_release_full (best, best_weights_clear);
}

/* Room for the net's weights, epoch 0; NULL when they do not fit in memory. */
static StBestWeights *
best_weights_new (StTrainer *trainer)
{
  const StNet *net = trainer->net;
  g_autoptr (StBestWeights) best = g_atomic_rc_box_new0 (StBestWeights);

  best->spec = st_spec_copy (trainer->spec);
  g_free (best->spec->training.dataset);
  best->spec->training.dataset = g_strdup (trainer->dataset);
  best->n_params = net->n_params;
  best->n_buffers = net->n_buffers;
  best->params = g_try_new0 (float, MAX (net->n_params, 1));
  best->buffers = g_try_new0 (float, MAX (net->n_buffers, 1));
  if (best->params == NULL || best->buffers == NULL)
    return NULL;
  return g_steal_pointer (&best);
}

static gboolean
all_finite (const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}

/* At the end of an epoch whose test accuracy is the best so far: the backend's weights
 * become the run's best. Weights that are not finite end the run as a divergence, and the
 * best so far stays. Reads into the scratch arrays, then swaps: nothing is copied twice. */
static gboolean
keep_best (Run *run, const StEpochMetrics *m, GError **error)
{
  StBestWeights *best = run->best;
  float *t;

  if (!st_backend_read_state (run->backend, run->params, run->buffers, NULL, NULL, error))
    return FALSE;
  if (!all_finite (run->params, best->n_params) || !all_finite (run->buffers, best->n_buffers))
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DIVERGED,
                   _("training diverged: the weights held NaN or infinite values at the end of "
                     "epoch %d (lr %g); try a lower learning rate"), m->epoch,
                   run->trainer->spec->training.optimizer.lr);
      return FALSE;
    }
  t = best->params, best->params = run->params, run->params = t;
  t = best->buffers, best->buffers = run->buffers, run->buffers = t;
  best->epoch = m->epoch;
  best->test_acc = m->test_acc;
  best->test_loss = m->test_loss;
  return TRUE;
}

static gboolean
save_best (Run *run, const char *path, GError **error)
{
  StTrainer *trainer = run->trainer;
  const StBestWeights *best = run->best;
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (meta, "strata.epoch", g_strdup_printf ("%d", best->epoch));
  /* numbers with a '.' whatever the locale: the file is read on other machines */
  g_hash_table_insert (meta, "strata.test_acc", ascii_number (best->test_acc));
  g_hash_table_insert (meta, "strata.test_loss", ascii_number (best->test_loss));
  return st_checkpoint_save (trainer->net, best->params, best->buffers, meta, path, error);
}

static void
post_notice (StTrainer *trainer, const char *message)
{
  StTrainerEvent event = { .kind = ST_TRAINER_EVENT_STATUS, .notice = TRUE };

  post (trainer, &event, message, NULL, NULL, NULL);
}

/* Reads the file to resume from into the run's weights and state, and says so when the
 * continuation cannot be exact. */
static gboolean
read_resume (Run *run, float *params, float *buffers, gboolean *has_state, GError **error)
{
  StTrainer *trainer = run->trainer;
  const StTrainConfig *tc = &trainer->spec->training;
  StTrainingState *state = &run->state;
  const char *path = trainer->resume_path;
  g_autofree char *notice = NULL;

  if (!st_training_state_load (trainer->net, path, params, buffers, state, has_state, error))
    return FALSE;
  if (state->epoch >= tc->epochs)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("%s was saved after epoch %d and the run trains to epoch %d: nothing is "
                     "left to train (ask for more epochs)"), path, state->epoch,
                   tc->epochs);
      return FALSE;
    }
  if (!*has_state)
    notice = g_strdup_printf (_("%s holds weights only: training continues after its epoch "
                                "%d with a fresh optimizer state and a new random order, so it "
                                "will not repeat the run that saved it"), path, state->epoch);
  else if (state->optim_per_param != st_optim_state_per_param (&tc->optimizer))
    notice = g_strdup_printf (_("%s was trained with another optimizer: training continues "
                                "after its epoch %d with a fresh optimizer state"), path,
                              state->epoch);
  else if (state->limit != trainer->options.max_train_examples
           || g_strcmp0 (state->dataset, trainer->dataset) != 0)
    notice = g_strdup_printf (_("%s was trained on %s (%" PRId64 " examples; 0 is all), this "
                                "run on %s (%" PRId64 "): it continues, but not as the saved "
                                "run would have"), path, state->dataset,
                              state->limit, trainer->dataset,
                              trainer->options.max_train_examples);
  if (notice != NULL)
    post_notice (trainer, notice);
  return TRUE;
}

/* A resumed run takes over the saved run's optimizer, generator, best epoch and divergence
 * reference, after st_backend_start set the weights. */
static gboolean
restore_state (Run *run, const float *params, const float *buffers, GError **error)
{
  StTrainingState *state = &run->state;
  const StNet *net = run->trainer->net;

  if (state->optim_per_param
      != st_optim_state_per_param (&run->trainer->spec->training.optimizer))
    {
      /* another optimizer's run: only its weights go on (read_resume said so) */
      g_clear_pointer (&state->best_params, g_free);
      g_clear_pointer (&state->best_buffers, g_free);
      return TRUE;
    }
  if (!st_backend_write_state (run->backend, params, buffers, state->optim, state->step, error))
    return FALSE;
  memcpy (run->rng.s, state->rng, sizeof run->rng.s);
  run->first_loss = state->first_loss;
  if (state->best_epoch > 0)
    {
      memcpy (run->best->params, state->best_params, sizeof (float) * net->n_params);
      memcpy (run->best->buffers, state->best_buffers, sizeof (float) * net->n_buffers);
      run->best->epoch = state->best_epoch;
      run->best->test_acc = run->best_acc = state->best_acc;
      run->best->test_loss = state->best_loss;
    }
  /* the best weights are the run's now; the state only lends them when it is written */
  g_clear_pointer (&state->best_params, g_free);
  g_clear_pointer (&state->best_buffers, g_free);
  return TRUE;
}

/* Room for what a training checkpoint reads at each epoch's end. */
static gboolean
alloc_state (Run *run)
{
  const StNet *net = run->trainer->net;
  StTrainingState *state = &run->state;
  int per_param = st_optim_state_per_param (&run->trainer->spec->training.optimizer);

  g_clear_pointer (&state->optim, g_free);
  state->optim_per_param = per_param;
  state->optim = per_param > 0 ? g_try_new0 (float, (gsize) per_param * MAX (net->n_params, 1))
                               : NULL;
  g_free (state->dataset);
  state->dataset = g_strdup (run->trainer->dataset);
  state->limit = run->trainer->options.max_train_examples;
  return per_param == 0 || state->optim != NULL;
}

/* The whole state at the end of an epoch, read from the backend once for every file that
 * holds it (and for the insight): the weights into run->params and run->buffers. */
static gboolean
gather_state (Run *run, int epoch, GError **error)
{
  StTrainingState *state = &run->state;
  const StBestWeights *best = run->best;

  if (!st_backend_read_state (run->backend, run->params, run->buffers, state->optim,
                              &state->step, error))
    return FALSE;
  state->epoch = epoch;
  memcpy (state->rng, run->rng.s, sizeof state->rng);
  state->first_loss = run->first_loss;
  state->best_epoch = best->epoch;
  state->best_acc = best->epoch > 0 ? best->test_acc : -1.0;
  state->best_loss = best->test_loss;
  return TRUE;
}

/* The gathered state written atomically over the last one at `path`. */
static gboolean
save_state (Run *run, const char *path, GError **error)
{
  StTrainingState *state = &run->state;
  const StBestWeights *best = run->best;
  gboolean ok;

  /* the best weights are the run's own (keep_best swapped them in), lent for the write */
  state->best_params = best->epoch > 0 ? best->params : NULL;
  state->best_buffers = best->epoch > 0 ? best->buffers : NULL;
  ok = st_training_state_save (run->trainer->net, run->params, run->buffers, state, path,
                               error);
  state->best_params = state->best_buffers = NULL;
  return ok;
}

/* The folder of the recorded run whose checkpoint `path` is, or NULL. */
static char *
recorded_run_of (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *json = g_build_filename (dir, "run.json", NULL);

  if (strcmp (base, "checkpoint.safetensors") != 0 || !g_file_test (json, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&dir);
}

/* A recording that fails does not end the run: a notice says so, and training goes on
 * unrecorded. */
static void
drop_record (Run *run, GError *error)
{
  g_autofree char *notice = g_strdup_printf (_("the run is not recorded: %s"), error->message);

  post_notice (run->trainer, notice);
  g_error_free (error);
  g_clear_pointer (&run->record, st_run_record_free);
}

/* The run's folder in the history: a new one, or the recorded run it resumes. */
static void
start_record (Run *run, gboolean has_state)
{
  StTrainer *trainer = run->trainer;
  const StTrainConfig *tc = &trainer->spec->training;
  g_autoptr (StSpec) spec = NULL;
  g_autofree char *resumed = NULL;
  StRunStart start = { 0 };
  StTrainerEvent event = { .kind = ST_TRAINER_EVENT_RECORD };
  GError *error = NULL;
  gint64 n = run->data->train->n;

  if (trainer->runs_dir == NULL)
    return;
  if (trainer->options.max_train_examples > 0)
    n = MIN (n, trainer->options.max_train_examples);
  spec = st_spec_copy (trainer->spec);
  g_free (spec->training.dataset);
  spec->training.dataset = g_strdup (trainer->dataset);
  start.device = run->backend->description;
  start.limit = trainer->options.max_train_examples;
  start.n_batches = (n + tc->batch_size - 1) / tc->batch_size;
  if (trainer->resume_path != NULL && has_state)
    resumed = recorded_run_of (trainer->resume_path);
  if (resumed != NULL)
    run->record = st_run_record_continue (resumed, spec, &start, run->done_epochs, &error);
  else
    run->record = st_run_record_begin (trainer->runs_dir, spec, &start, &error);
  if (run->record == NULL)
    {
      drop_record (run, error);
      return;
    }
  post (trainer, &event, st_run_record_get_dir (run->record), NULL, NULL, NULL);
  /* without room for their buffers the run goes on unmeasured */
  run->insight = st_insight_new (trainer->net, tc->batch_size);
  run->projection = st_projection_new (trainer->net, run->data->test, tc->batch_size, NULL);
}

/* What happened inside the network this epoch, measured without changing it: recorded in
 * the run's folder, and handed to the owner as it was recorded. */
static gboolean
record_insight (Run *run, int epoch, GError **error)
{
  StTrainerEvent event = { .kind = ST_TRAINER_EVENT_INSIGHT, .epoch = epoch };
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GString) points = g_string_new (NULL);
  Message *m;

  if (run->insight == NULL)
    return TRUE;
  if (!st_insight_measure (run->insight, run->backend, run->params, run->data->test, error))
    return FALSE;
  st_insight_append_json (run->insight, epoch, line);
  if (!st_run_record_add_insight (run->record, line->str, error))
    return FALSE;
  if (run->projection != NULL)
    {
      if (!st_projection_measure (run->projection, run->backend, error))
        return FALSE;
      st_projection_append_json (run->projection, epoch, points);
      if (!st_run_record_add_projection (run->record, points->str, error))
        return FALSE;
    }
  /* the owner gets what the files say, read back by the readers of the files */
  m = message_new (run->trainer, &event, NULL);
  m->insight = st_insight_epoch_parse (line->str, NULL);
  m->projection = points->len > 0 ? st_projection_data_parse (points->str, NULL) : NULL;
  message_post (run->trainer, m);
  return TRUE;
}

/* At an epoch's end, after gather_state: the run's checkpoint, best weights and line in its
 * folder. */
static void
record_epoch (Run *run, const StEpochMetrics *em, gboolean best_now)
{
  const StBestWeights *best = run->best;
  GError *error = NULL;

  if (run->record == NULL)
    return;
  /* The epoch's line before the checkpoint: a kill between them leaves a checkpoint one
   * epoch behind the lines, and resuming from it redoes that epoch and replaces its line. */
  if ((best_now && !save_best (run, st_run_record_get_best_path (run->record), &error))
      || !st_run_record_end_epoch (run->record, em, best->epoch, best->test_acc,
                                   best->test_loss, &error)
      || !save_state (run, st_run_record_get_checkpoint_path (run->record), &error)
      || !record_insight (run, em->epoch, &error))
    drop_record (run, error);
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
      if (!read_resume (run, resume_params, resume_buffers, &has_state, error))
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

  start.device = trainer->options.device;
  start.net = trainer->net;
  start.setup.batch_size = tc->batch_size;
  start.setup.loss = tc->loss;
  start.setup.optim = tc->optimizer;
  start.setup.normalize = tc->normalize;
  start.setup.augment = tc->augment;
  start.train = run->data->train;
  start.test = run->data->test;
  start.init = tc->init;
  start.rng = &run->rng;
  start.params = resume_params;
  start.buffers = resume_buffers;
  st_rng_init (&run->rng, tc->seed);
  run->backend = st_backend_start (&start, error);
  if (run->backend == NULL)
    return FALSE;

  /* the backend has refused a model too large for memory; the host's copies come after */
  run->params = g_try_new0 (float, MAX (trainer->net->n_params, 1));
  run->buffers = g_try_new0 (float, MAX (trainer->net->n_buffers, 1));
  run->best = best_weights_new (trainer);
  if (run->params == NULL || run->buffers == NULL || run->best == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the model's %zu parameters do not fit in memory"), trainer->net->n_params);
      return FALSE;
    }
  if (trainer->resume_path != NULL)
    {
      run->done_epochs = run->state.epoch;
      if (has_state && !restore_state (run, resume_params, resume_buffers, error))
        return FALSE;
    }
  start_record (run, has_state);
  if ((trainer->checkpoint_path != NULL || run->record != NULL) && !alloc_state (run))
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

      if (!st_backend_evaluate_all (run->backend, ST_SPLIT_TEST, run->data->test->n,
                                    tc->batch_size, stop_requested, trainer, &test, error))
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
      post (trainer, &event, NULL, NULL, NULL, NULL);

      if (em.test_acc > run->best_acc)
        {
          run->best_acc = em.test_acc;
          if (!keep_best (run, &em, error))
            return FALSE;
          if (trainer->save_path != NULL)
            {
              if (!save_best (run, trainer->save_path, error))
                return FALSE;
              post_simple (trainer, ST_TRAINER_EVENT_CHECKPOINT, trainer->save_path);
            }
        }
      if ((trainer->checkpoint_path != NULL || run->record != NULL)
          && !gather_state (run, epoch, error))
        return FALSE;
      if (trainer->checkpoint_path != NULL && !save_state (run, trainer->checkpoint_path, error))
        return FALSE;
      record_epoch (run, &em, run->best->epoch == epoch);
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

static void
finish_record (Run *run, StRunStatus status, const char *message)
{
  GError *error = NULL;

  if (run->record != NULL && !st_run_record_finish (run->record, status, message, &error))
    drop_record (run, error);
  g_clear_pointer (&run->record, st_run_record_free);
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

      finish_record (&run, g_error_matches (error, ST_NET_ERROR, ST_NET_ERROR_DIVERGED)
                             ? ST_RUN_DIVERGED : ST_RUN_FAILED, error->message);
      post (trainer, &event, error->message, error, NULL, NULL);
    }
  else
    {
      g_clear_error (&error);
      finish_record (&run, atomic_load (&trainer->stop) ? ST_RUN_STOPPED : ST_RUN_FINISHED,
                     NULL);
    }
  finished.stopped = atomic_load (&trainer->stop);
  /* Only an epoch that ended gives weights worth showing. */
  if (run.best != NULL && run.best->epoch == 0)
    g_clear_pointer (&run.best, st_best_weights_unref);
  post (trainer, &finished, NULL, NULL, NULL, g_steal_pointer (&run.best));

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
