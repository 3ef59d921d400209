/* trainer-state.c: what a training run keeps and writes at its epochs' ends — its best
 * weights, the training checkpoint (and the resume that reads one), the run's folder in the
 * history with the insight and projection measured in it. All on the worker's thread; the
 * loop that calls it is trainer.c.
 */
#define G_LOG_DOMAIN "strata-trainer"

#include "core/engine/trainer-private.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

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

static char *
ascii_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6f", v));
}

static gboolean
all_finite (const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}

/* Room for the net's weights, epoch 0; NULL when they do not fit in memory. */
StBestWeights *
st_trainer_best_new (StTrainer *trainer)
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

/* At the end of an epoch whose test accuracy is the best so far: the backend's weights
 * become the run's best. Weights that are not finite end the run as a divergence, and the
 * best so far stays. Reads into the scratch arrays, then swaps: nothing is copied twice. */
gboolean
st_trainer_keep_best (Run *run, const StEpochMetrics *m, GError **error)
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

gboolean
st_trainer_save_best (Run *run, const char *path, GError **error)
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

/* ---- the training checkpoint and resume ------------------------------------------- */

void
st_trainer_post_notice (StTrainer *trainer, const char *message)
{
  StTrainerEvent event = { .kind = ST_TRAINER_EVENT_STATUS, .notice = TRUE };

  st_trainer_post (trainer, &event, message, NULL, NULL, NULL);
}

/* Reads the file to resume from into the run's weights and state, and says so when the
 * continuation cannot be exact. */
gboolean
st_trainer_read_resume (Run *run, float *params, float *buffers, gboolean *has_state, GError **error)
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
    st_trainer_post_notice (trainer, notice);
  return TRUE;
}

/* A resumed run takes over the saved run's optimizer, generator, best epoch and divergence
 * reference, after st_backend_start set the weights. */
gboolean
st_trainer_restore_state (Run *run, const float *params, const float *buffers, GError **error)
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
gboolean
st_trainer_alloc_state (Run *run)
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
gboolean
st_trainer_gather_state (Run *run, int epoch, GError **error)
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
gboolean
st_trainer_save_state (Run *run, const char *path, GError **error)
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

/* ---- the run's record ------------------------------------------------------------- */

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

  st_trainer_post_notice (run->trainer, notice);
  g_error_free (error);
  g_clear_pointer (&run->record, st_run_record_free);
}

/* The run's folder in the history: a new one, or the recorded run it resumes. */
void
st_trainer_start_record (Run *run, gboolean has_state)
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
  st_trainer_post (trainer, &event, st_run_record_get_dir (run->record), NULL, NULL, NULL);
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
  m = st_trainer_message_new (run->trainer, &event, NULL);
  m->insight = st_insight_epoch_parse (line->str, NULL);
  m->projection = points->len > 0 ? st_projection_data_parse (points->str, NULL) : NULL;
  st_trainer_message_post (run->trainer, m);
  return TRUE;
}

/* At an epoch's end, after gather_state: the run's checkpoint, best weights and line in its
 * folder. */
void
st_trainer_record_epoch (Run *run, const StEpochMetrics *em, gboolean best_now)
{
  const StBestWeights *best = run->best;
  GError *error = NULL;

  if (run->record == NULL)
    return;
  /* The epoch's line before the checkpoint: a kill between them leaves a checkpoint one
   * epoch behind the lines, and resuming from it redoes that epoch and replaces its line. */
  if ((best_now && !st_trainer_save_best (run, st_run_record_get_best_path (run->record), &error))
      || !st_run_record_end_epoch (run->record, em, best->epoch, best->test_acc,
                                   best->test_loss, &error)
      || !st_trainer_save_state (run, st_run_record_get_checkpoint_path (run->record), &error)
      || !record_insight (run, em->epoch, &error))
    drop_record (run, error);
}

void
st_trainer_finish_record (Run *run, StRunStatus status, const char *message)
{
  GError *error = NULL;

  if (run->record != NULL && !st_run_record_finish (run->record, status, message, &error))
    drop_record (run, error);
  g_clear_pointer (&run->record, st_run_record_free);
}
