/* test-trainer: training runs end to end — the toy model learns, Stop and Pause act within a
 * batch, divergence is caught and named, snapshots arrive, bad data is reported. Data is
 * generated into a temporary folder as IDX files: ten classes, each a bright bar at its own
 * height, with noise, so a small net learns it in an epoch or two. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/data/dataset-load.h"
#include "core/engine/insight.h"
#include "core/engine/projection.h"
#include "core/engine/backend.h"
#include "core/engine/checkpoint.h"
#include "core/engine/net.h"
#include "core/engine/run-list.h"
#include "core/engine/trainer.h"
#include "core/model/spec-read.h"
#include "test-util.h"

static char *data_dir;
static GThread *owner_thread;

typedef struct {
  GMainLoop  *loop;
  StTrainer  *trainer;
  int         batches;
  gint64      steps_at_stop;
  int         epochs;
  gboolean    stop_requested;
  int         stop_after_batches;
  int         pause_after_batches;
  int         batches_while_paused;
  gboolean    paused;
  guint       pause_timer;     /* polls for the paused state; removed when the run ends */
  gboolean    was_paused;
  gint64      snapshot_of;
  StSnapshot *snapshot;
  char       *error;
  gboolean    finished;
  gboolean    stopped;
  double      last_test_acc;
  int         checkpoints;
  int         insights;        /* INSIGHT events, each with its epoch's insight and points */
  int         stop_after_epochs;
  int         best_epoch;      /* the first epoch with the highest test accuracy reported */
  double      best_acc;
  StBestWeights *best;         /* what FINISHED handed over */
  int         last_epoch_of_batch;  /* the epoch and batch of the latest BATCH event */
  gint64      last_batch;
  double      last_batch_loss;
  int         first_epoch;     /* of the first EPOCH event */
  StEpochMetrics metrics[8];   /* each epoch's, by its number (1 … 7) */
  int         notices;
  char       *notice;          /* the last */
} Watch;

/* Once the worker has parked (state PAUSED), every batch before the pause has been handed
 * over; none may arrive in the next 150 ms. Polled, so a slow build (sanitizers) waits longer
 * for the batch in flight instead of failing. */
static gboolean
resume_later (gpointer data)
{
  Watch *w = data;

  w->batches_while_paused = w->batches - w->batches_while_paused;
  w->paused = FALSE;
  st_trainer_resume (w->trainer);
  return G_SOURCE_REMOVE;
}

static gboolean
check_paused (gpointer data)
{
  Watch *w = data;

  if (st_trainer_get_state (w->trainer) != ST_TRAINER_PAUSED)
    return G_SOURCE_CONTINUE;
  w->pause_timer = 0;
  w->was_paused = TRUE;
  /* Let the batches flushed at the pause arrive first. */
  g_main_context_iteration (NULL, FALSE);
  w->batches_while_paused = w->batches;
  g_timeout_add (150, resume_later, w);
  return G_SOURCE_REMOVE;
}

static void
on_event (StTrainer *trainer, const StTrainerEvent *e, gpointer data)
{
  Watch *w = data;

  /* Every event reaches the owner on the owner's thread, never on the worker. */
  g_assert_true (g_thread_self () == owner_thread);
  switch (e->kind)
    {
    case ST_TRAINER_EVENT_BATCH:
      w->batches++;
      w->last_epoch_of_batch = e->epoch;
      w->last_batch = e->batch;
      w->last_batch_loss = e->loss;
      if (w->stop_after_batches > 0 && w->batches == w->stop_after_batches)
        {
          w->stop_requested = TRUE;
          w->steps_at_stop = st_trainer_get_steps (trainer);
          st_trainer_stop (trainer);
        }
      if (w->pause_after_batches > 0 && w->batches == w->pause_after_batches)
        {
          st_trainer_pause (trainer);
          w->pause_timer = g_timeout_add (10, check_paused, w);
          w->paused = TRUE;
        }
      if (w->snapshot_of >= 0 && w->batches == 2)
        st_trainer_request_snapshot (trainer, w->snapshot_of);
      break;
    case ST_TRAINER_EVENT_EPOCH:
      w->epochs++;
      if (w->first_epoch == 0)
        w->first_epoch = e->metrics.epoch;
      if (e->metrics.epoch < (int) G_N_ELEMENTS (w->metrics))
        w->metrics[e->metrics.epoch] = e->metrics;
      w->last_test_acc = e->metrics.test_acc;
      g_assert_cmpfloat (e->metrics.examples_per_sec, >, 0);
      if (w->best_epoch == 0 || e->metrics.test_acc > w->best_acc)
        {
          w->best_epoch = e->metrics.epoch;
          w->best_acc = e->metrics.test_acc;
        }
      if (w->stop_after_epochs > 0 && w->epochs == w->stop_after_epochs)
        {
          w->stop_requested = TRUE;
          st_trainer_stop (trainer);
        }
      break;
    case ST_TRAINER_EVENT_SNAPSHOT:
      /* The event's snapshot is freed after delivery. */
      w->snapshot = st_snapshot_copy (e->snapshot);
      break;
    case ST_TRAINER_EVENT_CHECKPOINT:
      w->checkpoints++;
      break;
    case ST_TRAINER_EVENT_INSIGHT:
      w->insights++;
      g_assert_nonnull (e->insight);
      g_assert_nonnull (e->projection);
      g_assert_cmpint (e->insight->epoch, ==, e->epoch);
      g_assert_cmpint (e->projection->epoch, ==, e->epoch);
      break;
    case ST_TRAINER_EVENT_ERROR:
      w->error = g_strdup (e->message);
      break;
    case ST_TRAINER_EVENT_STATUS:
      if (e->notice)
        {
          w->notices++;
          g_free (w->notice);
          w->notice = g_strdup (e->message);
        }
      break;
    case ST_TRAINER_EVENT_FINISHED:
      w->finished = TRUE;
      w->stopped = e->stopped;
      /* The event's weights are the trainer's; a reference keeps them. */
      w->best = e->best != NULL ? st_best_weights_ref (e->best) : NULL;
      g_main_loop_quit (w->loop);
      break;
    default:
      break;
    }
}

static gboolean
timeout (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static int owner_busy_ms;

static void
run (Watch *w, StSpec *spec, StTrainerOptions *options)
{
  g_autoptr (GError) error = NULL;
  guint guard;

  w->loop = g_main_loop_new (NULL, FALSE);
  w->trainer = st_trainer_new (spec, options, on_event, w, &error);
  g_assert_no_error (error);
  guard = g_timeout_add_seconds (120, timeout, NULL);
  st_trainer_start (w->trainer);
  /* An owner busy elsewhere while the worker posts must still get its events later, on its
   * own thread. */
  g_usleep (owner_busy_ms * 1000);
  g_main_loop_run (w->loop);
  g_source_remove (guard);
  /* A run that ended before its pause took effect leaves the poll behind: it must not
   * outlive the trainer and the watch. */
  if (w->pause_timer != 0)
    g_source_remove (w->pause_timer);
  st_trainer_free (w->trainer);
  g_main_loop_unref (w->loop);
}

static StSpec *
preset (const char *name, int epochs)
{
  StSpec *spec = st_spec_load (name, NULL);

  spec->training.epochs = epochs;
  return spec;
}

/* The CPU, on the generated data. */
static void
cpu_options (StTrainerOptions *options)
{
  st_trainer_options_init (options);
  options->device = ST_DEVICE_CPU;
  options->dataset = data_dir;
}

static void
watch_init (Watch *w)
{
  memset (w, 0, sizeof *w);
  w->snapshot_of = -1;
}

static void
watch_clear (Watch *w)
{
  g_clear_pointer (&w->error, g_free);
  g_clear_pointer (&w->notice, g_free);
  g_clear_pointer (&w->snapshot, st_snapshot_free);
  g_clear_pointer (&w->best, st_best_weights_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Watch, watch_clear)

static void
test_learns (void)
{
  g_autoptr (StSpec) spec = preset ("mnist-cnn", 2);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  watch_init (&w);
  cpu_options (&options);
  run (&w, spec, &options);
  g_assert_null (w.error);
  g_assert_true (w.finished);
  g_assert_false (w.stopped);
  g_assert_cmpint (w.epochs, ==, 2);
  g_assert_cmpint (w.batches, ==, 2 * 2000 / 64 + 2);   /* 32 full batches and one of 16 */
  g_test_message ("test accuracy after 2 epochs: %.3f", w.last_test_acc);
  g_assert_cmpfloat (w.last_test_acc, >, 0.9);
}

/* The toy model separates its two images: p < 0.05 for one, p > 0.95 for the other. */
static void
test_toy_separates (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("toy", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autoptr (StDatasetPair) data = st_dataset_pair_load ("toy", NULL, &error);
  g_autoptr (StBackend) be = st_backend_new_cpu (1);
  g_autofree float *params = g_new0 (float, net->n_params);
  StRunSetup setup = { .batch_size = 2, .loss = spec->training.loss,
                       .optim = spec->training.optimizer };
  guint32 idx[2] = { 0, 1 };
  float out[2];
  StRng rng;

  g_assert_no_error (error);
  st_rng_init (&rng, spec->training.seed);
  st_net_init_params (net, params, NULL, spec->training.init, &rng);
  g_assert_true (st_backend_prepare (be, net, &setup, &error));
  g_assert_true (st_backend_set_data (be, data->train, data->test, &error));
  g_assert_true (st_backend_write_state (be, params, NULL, NULL, 0, &error));
  g_assert_true (st_backend_set_order (be, idx, 2, &error));
  for (int step = 0; step < 1000; step++)
    g_assert_true (st_backend_train_step (be, 0, 2, step, &error));
  for (int i = 0; i < 2; i++)
    {
      int v = net->output;
      float *outs[1] = { &out[i] };
      g_assert_true (st_backend_snapshot (be, ST_SPLIT_TRAIN, i, &v, 1, outs, &error));
    }
  g_test_message ("p(example 0, label %d) = %.4f, p(example 1, label %d) = %.4f",
                  data->train->labels[0], out[0], data->train->labels[1], out[1]);
  for (int i = 0; i < 2; i++)
    {
      if (data->train->labels[i] == 1)
        g_assert_cmpfloat (out[i], >, 0.95);
      else
        g_assert_cmpfloat (out[i], <, 0.05);
    }
}

/* A batch of snapshots holds, example after example, exactly what one snapshot of each
 * gives, for a run of the split and for a list in any order; an example past the split or a
 * batch past the backend's size is refused by name. */
static void
test_snapshot_batch (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autoptr (StDatasetPair) data = st_dataset_pair_load (data_dir, NULL, &error);
  g_autoptr (StBackend) be = st_backend_new_cpu (2);
  g_autofree float *params = g_new0 (float, net->n_params);
  StRunSetup setup = { .batch_size = 8, .eval_batch_size = 64, .loss = spec->training.loss,
                       .optim = spec->training.optimizer };
  const guint32 lists[2][5] = { { 10, 11, 12, 13, 14 }, { 7, 0, 499, 7, 3 } };
  int values[2] = { 3, net->output };
  gsize numel[2] = { net->values[3].numel, net->values[net->output].numel };
  StRng rng;

  g_assert_no_error (error);
  st_rng_init (&rng, spec->training.seed);
  st_net_init_params (net, params, NULL, spec->training.init, &rng);
  g_assert_true (st_backend_prepare (be, net, &setup, &error));
  g_assert_true (st_backend_set_data (be, data->train, data->test, &error));
  g_assert_true (st_backend_write_state (be, params, NULL, NULL, 0, &error));
  g_assert_no_error (error);
  for (int l = 0; l < 2; l++)
    {
      g_autofree float *batch0 = g_new (float, 5 * numel[0]);
      g_autofree float *batch1 = g_new (float, 5 * numel[1]);
      g_autofree float *one0 = g_new (float, numel[0]);
      g_autofree float *one1 = g_new (float, numel[1]);
      float *batch[2] = { batch0, batch1 }, *one[2] = { one0, one1 };

      g_assert_true (st_backend_snapshot_batch (be, ST_SPLIT_TEST, lists[l], 5, values, 2,
                                                batch, &error));
      g_assert_no_error (error);
      for (int i = 0; i < 5; i++)
        {
          g_assert_true (st_backend_snapshot (be, ST_SPLIT_TEST, lists[l][i], values, 2, one,
                                              &error));
          for (int v = 0; v < 2; v++)
            for (gsize j = 0; j < numel[v]; j++)
              g_assert_cmpfloat_with_epsilon (batch[v][i * numel[v] + j], one[v][j],
                                              1e-5f * MAX (1.0f, fabsf (one[v][j])));
        }
    }
  {
    const guint32 past[2] = { 1, 500 };
    guint32 many[9] = { 0 };
    g_autofree float *out0 = g_new (float, 9 * numel[0]);
    float *out[1] = { out0 };

    g_assert_false (st_backend_snapshot_batch (be, ST_SPLIT_TEST, past, 2, values, 1, out,
                                               &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "image 500 is not in"));
    g_clear_error (&error);
    g_assert_false (st_backend_snapshot_batch (be, ST_SPLIT_TEST, many, 9, values, 1, out,
                                               &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "prepared for 1 to 8"));
    g_clear_error (&error);
    g_assert_false (st_backend_snapshot (be, ST_SPLIT_TEST, -1, values, 1, out, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "image -1 does not exist"));
    g_clear_error (&error);
  }
  /* The CPU evaluates in batches of the training batch whatever the set-up asks (more at
   * once would only take memory); evaluate_all asked for more goes in those. */
  g_assert_cmpint (be->eval_batch, ==, 8);
  {
    StMetrics in_eights, asked_more;

    g_assert_true (st_backend_evaluate_all (be, ST_SPLIT_TEST, 100, 8, NULL, NULL, &in_eights,
                                            &error));
    g_assert_true (st_backend_evaluate_all (be, ST_SPLIT_TEST, 100, 1000, NULL, NULL,
                                            &asked_more, &error));
    g_assert_no_error (error);
    g_assert_cmpint (in_eights.examples, ==, 100);
    g_assert_cmpint (asked_more.examples, ==, 100);
    g_assert_cmpint (asked_more.correct, ==, in_eights.correct);
    g_assert_cmpfloat (asked_more.loss_sum, ==, in_eights.loss_sum);
  }
}

static void
test_stop_within_a_batch (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 50);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  watch_init (&w);
  w.stop_after_batches = 3;
  cpu_options (&options);
  run (&w, spec, &options);
  g_assert_true (w.finished);
  g_assert_true (w.stopped);
  g_assert_null (w.error);
  /* The batch in flight when Stop came may finish; no other. */
  g_assert_cmpint (w.batches, <=, w.steps_at_stop + 1);
  g_assert_cmpint (w.epochs, ==, 0);
  /* No epoch ended: no weights worth showing. */
  g_assert_null (w.best);
}

static void
test_pause_resume (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 10);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  watch_init (&w);
  w.pause_after_batches = 2;
  cpu_options (&options);
  run (&w, spec, &options);
  g_assert_null (w.error);
  g_assert_true (w.finished);
  g_assert_false (w.stopped);
  g_assert_true (w.was_paused);
  g_assert_cmpint (w.epochs, ==, 10);
  g_assert_cmpint (w.batches, ==, 80);
  g_assert_cmpint (w.batches_while_paused, ==, 0);
}

/* lenet5 with lr 100 diverges; the run stops naming epoch and batch, and an existing
 * checkpoint is left as it was. */
static void
test_divergence (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 3);
  g_autofree char *ckpt = g_build_filename (data_dir, "best.safetensors", NULL);
  g_autofree char *before = NULL, *after = NULL;
  gsize len_before = 0, len_after = 0;
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  g_file_set_contents (ckpt, "previous checkpoint", -1, NULL);
  g_file_get_contents (ckpt, &before, &len_before, NULL);
  spec->training.optimizer.lr = 100;
  watch_init (&w);
  cpu_options (&options);
  options.save_path = ckpt;
  run (&w, spec, &options);
  g_assert_nonnull (w.error);
  g_test_message ("%s", w.error);
  g_assert_nonnull (strstr (w.error, "epoch 1, batch "));
  g_assert_nonnull (strstr (w.error, "lower learning rate"));
  /* the progress and the chart end on the batch the message names, with its loss */
  {
    g_autofree char *named = g_strdup_printf ("epoch %d, batch %" G_GINT64_FORMAT " ",
                                              w.last_epoch_of_batch, w.last_batch);

    g_assert_nonnull (strstr (w.error, named));
    g_assert_true (!isfinite (w.last_batch_loss) || w.last_batch_loss > 2.0);
  }
  g_assert_null (w.best);
  g_file_get_contents (ckpt, &after, &len_after, NULL);
  g_assert_cmpmem (before, len_before, after, len_after);
  g_remove (ckpt);
}

/* The run's best weights are finite, those of the best epoch reported, and the very ones a
 * --save checkpoint of that epoch holds. */
static void
check_best (const Watch *w, const StSpec *spec, const char *ckpt)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autoptr (GHashTable) meta = NULL;
  g_autofree float *params = NULL, *buffers = NULL;
  g_autofree char *epoch = NULL;

  g_assert_nonnull (w->best);
  if (w->best == NULL)
    return;
  g_assert_cmpint (w->best_epoch, >, 0);
  g_assert_cmpint (w->best->epoch, ==, w->best_epoch);
  g_assert_cmpfloat (w->best->test_acc, ==, w->best_acc);
  g_assert_cmpuint (w->best->n_params, ==, net->n_params);
  g_assert_cmpuint (w->best->n_buffers, ==, net->n_buffers);
  for (gsize i = 0; i < w->best->n_params; i++)
    if (!isfinite (w->best->params[i]))
      g_error ("parameter %" G_GSIZE_FORMAT " of the best weights is %g", i,
               w->best->params[i]);
  /* The run's spec travels with its weights, with the dataset it trained on. */
  g_assert_cmpstr (w->best->spec->training.dataset, ==, data_dir);
  g_assert_cmpint (w->best->spec->training.epochs, ==, spec->training.epochs);

  params = g_new0 (float, MAX (net->n_params, 1));
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  g_assert_true (st_checkpoint_load (net, ckpt, params, buffers, &meta, &error));
  g_assert_no_error (error);
  epoch = g_strdup_printf ("%d", w->best_epoch);
  g_assert_cmpstr (g_hash_table_lookup (meta, "strata.epoch"), ==, epoch);
  g_assert_cmpmem (w->best->params, net->n_params * sizeof (float), params,
                   net->n_params * sizeof (float));
  g_assert_cmpmem (w->best->buffers, net->n_buffers * sizeof (float), buffers,
                   net->n_buffers * sizeof (float));
}

/* Weights that grow by a few percent a step (a negative weight decay, which a model file
 * cannot ask for) make mnist-cnn's logits explode some epochs in, after it has learnt: the
 * run diverges (here in epoch 4, epoch 2 the best), and hands over the best epoch's
 * weights, not the last ones. */
static void
test_divergence_keeps_best (void)
{
  g_autoptr (StSpec) spec = preset ("mnist-cnn", 30);
  g_autofree char *ckpt = g_build_filename (data_dir, "diverged.safetensors", NULL);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  spec->training.optimizer.lr = 0.04;
  spec->training.optimizer.weight_decay = -4;
  watch_init (&w);
  cpu_options (&options);
  options.save_path = ckpt;
  options.max_train_examples = 256;
  run (&w, spec, &options);
  g_assert_true (w.finished);
  g_assert_false (w.stopped);
  g_assert_nonnull (w.error);
  g_test_message ("after %d epochs (best %d, %.3f): %s", w.epochs, w.best_epoch, w.best_acc,
                  w.error);
  g_assert_nonnull (w.error != NULL ? strstr (w.error, "diverged") : NULL);
  g_assert_cmpint (w.epochs, >=, 1);
  g_assert_cmpint (w.epochs, <, 30);
  g_assert_cmpfloat (w.best_acc, >, 0.3);
  check_best (&w, spec, ckpt);
  g_remove (ckpt);
}

/* Stopped after some epochs, the run hands over the best of those that ended. */
static void
test_stop_keeps_best (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 50);
  g_autofree char *ckpt = g_build_filename (data_dir, "stopped.safetensors", NULL);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  watch_init (&w);
  w.stop_after_epochs = 3;
  cpu_options (&options);
  options.save_path = ckpt;
  run (&w, spec, &options);
  g_assert_true (w.finished);
  g_assert_true (w.stopped);
  g_assert_null (w.error);
  g_assert_cmpint (w.epochs, >=, 3);
  g_assert_cmpint (w.epochs, <, 50);
  check_best (&w, spec, ckpt);
  g_remove (ckpt);
}

static void
test_snapshot (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 10);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };
  double sum = 0;

  watch_init (&w);
  w.snapshot_of = 5;
  cpu_options (&options);
  run (&w, spec, &options);
  /* The request reaches the worker between two batches; ten epochs leave it plenty. */
  g_assert_nonnull (w.snapshot);
  if (w.snapshot == NULL)
    return;
  g_assert_cmpint (w.snapshot->example, ==, 5);
  g_assert_cmpint (w.snapshot->n_classes, ==, 10);
  for (int k = 0; k < 10; k++)
    sum += w.snapshot->probabilities[k];
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  g_assert_cmpint (w.snapshot->n_maps, ==, 2);
  g_assert_cmpstr (w.snapshot->map_paths[0], ==, "0");
  g_assert_cmpstr (w.snapshot->map_paths[1], ==, "3");
  g_assert_cmpint (w.snapshot->map_shapes[0].dim[0], ==, 6);
  g_assert_cmpint (w.snapshot->map_shapes[1].dim[0], ==, 16);
  g_assert_cmpint (w.snapshot->map_shapes[1].dim[1], ==, 10);
  /* the whole pass, copied with the snapshot: every value, and the maps are its values */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (StNet) net = st_net_compile (spec, &error);
    const StExplainPass *pass = w.snapshot->pass;

    g_assert_no_error (error);
    g_assert_nonnull (pass);
    g_assert_cmpuint (pass->n_values, ==, net->n_values);
    g_assert_cmpuint (pass->n_params, ==, net->n_params);
    for (guint v = 0; v < net->n_values; v++)
      g_assert_cmpuint (pass->numel[v], ==, net->values[v].numel);
    g_assert_cmpmem (pass->values[st_net_path_value (net, "3")],
                     sizeof (float) * pass->numel[st_net_path_value (net, "3")],
                     w.snapshot->maps[1],
                     sizeof (float) * st_shape_numel (&w.snapshot->map_shapes[1]));
  }
}

static void
test_checkpoint_saved_and_resumed (void)
{
  g_autoptr (StSpec) spec = preset ("mnist-cnn", 1);
  g_autofree char *ckpt = g_build_filename (data_dir, "cnn.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree float *params = g_new0 (float, net->n_params);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };
  g_auto (Watch) again = { 0 };

  watch_init (&w);
  cpu_options (&options);
  options.save_path = ckpt;
  run (&w, spec, &options);
  g_assert_cmpint (w.checkpoints, ==, 1);
  g_assert_true (st_checkpoint_load (net, ckpt, params, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Weights alone resume too, after their epoch, where the first run ended: the second
   * run's first epoch (epoch 2) is already good, and a notice says the optimizer starts
   * afresh. */
  watch_init (&again);
  options.save_path = NULL;
  options.resume_path = ckpt;
  options.max_train_examples = 64;
  spec->training.epochs = 2;
  run (&again, spec, &options);
  g_assert_null (again.error);
  g_assert_cmpint (again.first_epoch, ==, 2);
  g_assert_cmpint (again.epochs, ==, 1);
  g_assert_cmpint (again.notices, ==, 1);
  g_assert_nonnull (strstr (again.notice, "holds weights only"));
  g_assert_nonnull (strstr (again.notice, "cnn.safetensors"));
  g_assert_cmpfloat (again.last_test_acc, >=, w.last_test_acc - 0.05);
  g_remove (ckpt);
}

/* A model with every kind of training state: Adam's moments, BatchNorm's running statistics,
 * Dropout's and augmentation's draws from the run's generator. */
static const char *const stateful_model =
  "{\"format\": \"strata-model/1\", \"name\": \"stateful\","
  " \"input\": {\"channels\": 1, \"height\": 28, \"width\": 28},"
  " \"layers\": [{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 5, \"stride\": 2},"
  "  {\"type\": \"BatchNorm2d\"}, {\"type\": \"ReLU\"}, {\"type\": \"Dropout\", \"p\": 0.25},"
  "  {\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"out_features\": 10}],"
  " \"training\": {\"dataset\": \"mnist\", \"epochs\": 3, \"batch_size\": 32,"
  "  \"optimizer\": {\"type\": \"Adam\", \"lr\": 0.01, \"weight_decay\": 0.001},"
  "  \"augment\": {\"shift\": 2}, \"seed\": 7}}";

static StSpec *
exact_spec (const char *name)
{
  g_autoptr (GError) error = NULL;
  StSpec *spec = name != NULL ? st_spec_load (name, &error)
                              : st_spec_load_from_data (stateful_model, -1, "stateful",
                                                        &error);

  g_assert_no_error (error);
  spec->training.epochs = 3;
  return spec;
}

/* Three epochs straight, against one epoch saved in a training checkpoint and then resumed
 * up to three: the same metrics to the last bit, the same best epoch and the same best
 * weights. SGD (lenet5), SGD with momentum (mnist-cnn), Adam with BatchNorm, Dropout and
 * augmentation (the stateful model). */
static void
test_resume_exact (void)
{
  const char *const models[] = { "lenet5", "mnist-cnn", NULL };

  for (gsize m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autoptr (StSpec) spec = exact_spec (models[m]);
      g_autofree char *ckpt = g_build_filename (data_dir, "state.safetensors", NULL);
      StTrainerOptions options;
      g_auto (Watch) straight = { 0 };
      g_auto (Watch) first = { 0 };
      g_auto (Watch) rest = { 0 };

      cpu_options (&options);
      options.max_train_examples = 256;
      watch_init (&straight);
      run (&straight, spec, &options);
      g_assert_null (straight.error);

      spec->training.epochs = 1;
      options.checkpoint_path = ckpt;
      watch_init (&first);
      run (&first, spec, &options);
      g_assert_null (first.error);

      spec->training.epochs = 3;
      options.resume_path = ckpt;
      watch_init (&rest);
      run (&rest, spec, &options);
      g_assert_null (rest.error);
      g_assert_cmpint (rest.notices, ==, 0);
      g_assert_cmpint (rest.first_epoch, ==, 2);
      g_assert_cmpint (rest.epochs, ==, 2);

      for (int e = 1; e <= 3; e++)
        {
          const StEpochMetrics *a = &straight.metrics[e];
          const StEpochMetrics *b = e == 1 ? &first.metrics[e] : &rest.metrics[e];

          g_test_message ("%s epoch %d: %.17g %.17g | %.17g %.17g",
                          models[m] != NULL ? models[m] : "stateful", e, a->train_loss,
                          a->test_acc, b->train_loss, b->test_acc);
          g_assert_cmpint (b->epoch, ==, e);
          g_assert_true (a->train_loss == b->train_loss && a->train_acc == b->train_acc
                         && a->test_loss == b->test_loss && a->test_acc == b->test_acc);
        }
      g_assert_nonnull (straight.best);
      g_assert_nonnull (rest.best);
      g_assert_cmpint (straight.best->epoch, ==, rest.best->epoch);
      g_assert_cmpmem (straight.best->params, sizeof (float) * straight.best->n_params,
                       rest.best->params, sizeof (float) * rest.best->n_params);
      g_assert_cmpmem (straight.best->buffers, sizeof (float) * straight.best->n_buffers,
                       rest.best->buffers, sizeof (float) * rest.best->n_buffers);
      g_remove (ckpt);
    }
}

/* The checkpoint is the state after the latest epoch, and it opens as plain weights too. */
static void
test_checkpoint_every_epoch (void)
{
  g_autoptr (StSpec) spec = exact_spec (NULL);
  g_autofree char *ckpt = g_build_filename (data_dir, "every.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree float *params = g_new0 (float, net->n_params);
  g_autofree float *buffers = g_new0 (float, net->n_buffers);
  g_autoptr (GHashTable) meta = NULL;
  StTrainingState state = { 0 };
  gboolean has_state = FALSE;
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  cpu_options (&options);
  options.max_train_examples = 128;
  options.checkpoint_path = ckpt;
  spec->training.epochs = 2;
  watch_init (&w);
  run (&w, spec, &options);
  g_assert_null (w.error);

  g_assert_true (st_checkpoint_load (net, ckpt, params, buffers, &meta, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (meta, "strata.training"), ==, "1");
  g_assert_true (st_training_state_load (net, ckpt, params, buffers, &state, &has_state,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (has_state);
  g_assert_cmpint (state.epoch, ==, 2);
  g_assert_cmpint (state.step, ==, 2 * 4);            /* 128 examples in batches of 32 */
  g_assert_cmpint (state.optim_per_param, ==, 2);      /* Adam */
  g_assert_cmpint (state.limit, ==, 128);
  g_assert_cmpstr (state.dataset, ==, data_dir);
  g_assert_cmpint (state.best_epoch, ==, w.best_epoch);
  g_assert_cmpfloat (state.best_acc, ==, w.best_acc);
  st_training_state_clear (&state);
  g_remove (ckpt);
}

/* A run already at its last epoch has nothing to continue; a damaged state is refused,
 * naming the file and the key. */
static void
test_resume_refused (void)
{
  g_autoptr (StSpec) spec = exact_spec ("mnist-cnn");
  g_autofree char *ckpt = g_build_filename (data_dir, "refused.safetensors", NULL);
  g_autofree char *bytes = NULL;
  g_autoptr (GError) error = NULL;
  StTrainerOptions options;
  g_auto (Watch) first = { 0 };
  g_auto (Watch) done = { 0 };
  g_auto (Watch) damaged = { 0 };
  char *at;
  gsize len;

  cpu_options (&options);
  options.max_train_examples = 64;
  options.checkpoint_path = ckpt;
  spec->training.epochs = 1;
  watch_init (&first);
  run (&first, spec, &options);
  g_assert_null (first.error);

  options.checkpoint_path = NULL;
  options.resume_path = ckpt;
  watch_init (&done);
  run (&done, spec, &options);
  g_assert_nonnull (done.error);
  g_test_message ("%s", done.error);
  g_assert_nonnull (strstr (done.error, "refused.safetensors was saved after epoch 1 and the "
                                        "run trains to epoch 1"));
  g_assert_cmpint (done.epochs, ==, 0);

  /* one hexadecimal digit of the generator's state made a 'g' */
  g_assert_true (g_file_get_contents (ckpt, &bytes, &len, &error));
  at = memmem (bytes, len, "\"strata.rng\":\"", strlen ("\"strata.rng\":\""));
  g_assert_nonnull (at);
  at[strlen ("\"strata.rng\":\"")] = 'g';
  g_assert_true (g_file_set_contents (ckpt, bytes, len, &error));
  spec->training.epochs = 2;
  watch_init (&damaged);
  run (&damaged, spec, &options);
  g_assert_nonnull (damaged.error);
  g_test_message ("%s", damaged.error);
  g_assert_nonnull (strstr (damaged.error, "refused.safetensors: the training checkpoint's "
                                           "strata.rng is"));
  g_assert_cmpint (damaged.epochs, ==, 0);
  g_remove (ckpt);
}

/* Counts the lines of a run's file. */
static int
count_lines (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  int n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* insight.jsonl of the stateful model after 2 epochs: a line an epoch; its two weight layers
 * (Conv2d 4×1×5×5, Linear 10×576) with histograms that count every weight, gradients that
 * are not all zero, an update ratio from the second epoch on; its ReLU's dead fraction. */
static void
check_insight (const char *run_dir)
{
  g_autofree char *path = g_build_filename (run_dir, "insight.jsonl", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  const gint64 numel[2] = { 4 * 1 * 5 * 5, 10 * 4 * 12 * 12 };

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  for (int e = 0; e < 2; e++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o, *act;
      JsonArray *layers, *acts;
      double dead;

      g_assert_true (json_parser_load_from_data (parser, lines[e], -1, NULL));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, e + 1);
      layers = json_object_get_array_member (o, "layers");
      g_assert_cmpuint (json_array_get_length (layers), ==, 2);
      for (guint l = 0; l < 2; l++)
        {
          JsonObject *layer = json_array_get_object_element (layers, l);
          JsonArray *counts = json_object_get_array_member (
            json_object_get_object_member (layer, "weights"), "counts");
          gint64 sum = 0;

          g_assert_cmpstr (json_object_get_string_member (layer, "name"), ==,
                           l == 0 ? "0.weight" : "5.weight");
          for (guint b = 0; b < json_array_get_length (counts); b++)
            sum += json_array_get_int_element (counts, b);
          g_assert_cmpint (sum, ==, numel[l]);
          g_assert_cmpfloat (json_object_get_double_member (layer, "grad_norm"), >, 0.0);
          g_assert_cmpfloat (json_object_get_double_member (layer, "weight_norm"), >, 0.0);
          if (e == 0)
            g_assert_true (json_node_is_null (json_object_get_member (layer, "update_ratio")));
          else
            g_assert_cmpfloat (json_object_get_double_member (layer, "update_ratio"), >, 0.0);
        }
      acts = json_object_get_array_member (o, "activations");
      g_assert_cmpuint (json_array_get_length (acts), ==, 1);
      act = json_array_get_object_element (acts, 0);
      g_assert_cmpstr (json_object_get_string_member (act, "type"), ==, "ReLU");
      dead = json_object_get_double_member (act, "dead");
      g_assert_cmpfloat (dead, >=, 0.0);
      g_assert_cmpfloat (dead, <=, 1.0);
    }
  /* read back by the reader the window and strata-cli use: the same numbers */
  {
    g_autoptr (GPtrArray) epochs = st_insight_read (path, NULL);
    g_autofree char *points = g_build_filename (run_dir, "projection.jsonl", NULL);
    g_autoptr (StProjectionData) projection = st_projection_data_read_last (points, NULL);

    g_assert_nonnull (epochs);
    g_assert_cmpuint (epochs->len, ==, 2);
    for (guint e = 0; e < epochs->len; e++)
      {
        const StInsightEpoch *epoch = g_ptr_array_index (epochs, e);

        g_assert_cmpint (epoch->epoch, ==, (int) e + 1);
        g_assert_cmpuint (epoch->n_layers, ==, 2);
        g_assert_cmpstr (epoch->layers[1].name, ==, "5.weight");
        for (guint l = 0; l < 2; l++)
          {
            gint64 sum = 0;

            for (int b = 0; b < ST_INSIGHT_BINS; b++)
              sum += epoch->layers[l].weights.counts[b];
            g_assert_cmpint (sum, ==, numel[l]);
            g_assert_cmpfloat (epoch->layers[l].grad_norm, >, 0.0);
          }
        g_assert_cmpuint (epoch->n_acts, ==, 1);
        g_assert_cmpint (epoch->acts[0].kind, ==, ST_OP_RELU);
      }
    /* the projection of every test image (500 here), after the last epoch, into the
     * Linear: its 576 features */
    g_assert_nonnull (projection);
    g_assert_cmpint (projection->epoch, ==, 2);
    g_assert_cmpint (projection->n, ==, 500);
    g_assert_cmpint (projection->features, ==, 576);
    g_assert_cmpstr (projection->layer, ==, "5");
    g_assert_cmpfloat (projection->explained[0], >, 0.0);
    g_assert_cmpfloat (projection->explained[0], >=, projection->explained[1]);
  }
}

/* A run with a runs folder is recorded there: its model, each epoch's line and steps, its
 * checkpoint and best weights, how it ended; a diverged run says so, with its message. */
static void
test_recorded (void)
{
  g_autoptr (StSpec) spec = exact_spec (NULL);
  g_autoptr (StSpec) wild = preset ("mnist-cnn", 3);
  g_autofree char *runs = g_build_filename (data_dir, "runs", NULL);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StRun) done = NULL;
  g_autoptr (StRun) diverged = NULL;
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };
  g_auto (Watch) bad = { 0 };
  g_auto (Watch) plain = { 0 };
  g_autofree char *ckpt = NULL, *best = NULL, *model = NULL;

  cpu_options (&options);
  options.max_train_examples = 128;
  options.runs_dir = runs;
  spec->training.epochs = 2;
  watch_init (&w);
  run (&w, spec, &options);
  g_assert_null (w.error);

  list = st_runs_list (runs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  done = st_run_load (((StRun *) list->pdata[0])->dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (done->status, ==, ST_RUN_FINISHED);
  g_assert_cmpstr (done->name, ==, "stateful");
  g_assert_cmpstr (done->dataset, ==, data_dir);
  g_assert_cmpint (done->limit, ==, 128);
  g_assert_cmpint (done->epochs_planned, ==, 2);
  g_assert_cmpint (done->epochs_done, ==, 2);
  g_assert_cmpint (done->best_epoch, ==, w.best_epoch);
  g_assert_cmpfloat (done->best_test_acc, ==, w.best_acc);
  g_assert_cmpuint (done->epochs->len, ==, 2);
  g_assert_cmpfloat (g_array_index (done->epochs, StEpochMetrics, 1).test_acc, ==,
                     w.metrics[2].test_acc);
  g_assert_cmpuint (done->batches->len, ==, 2 * 4);     /* 128 examples, batches of 32 */
  g_assert_nonnull (done->spec);
  g_assert_cmpint (done->spec->training.epochs, ==, 2);
  g_assert_cmpint (count_lines (done->dir, "batches.csv"), ==, 1 + 2 * 4);
  ckpt = g_build_filename (done->dir, "checkpoint.safetensors", NULL);
  best = g_build_filename (done->dir, "best.safetensors", NULL);
  model = g_build_filename (done->dir, "model.strata.json", NULL);
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (best, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (model, G_FILE_TEST_IS_REGULAR));
  check_insight (done->dir);
  g_assert_cmpint (w.insights, ==, 2);

  /* recording, insight included, changes nothing of the run */
  options.runs_dir = NULL;
  watch_init (&plain);
  run (&plain, spec, &options);
  for (int e = 1; e <= 2; e++)
    g_assert_true (plain.metrics[e].train_loss == w.metrics[e].train_loss
                   && plain.metrics[e].test_acc == w.metrics[e].test_acc
                   && plain.metrics[e].test_loss == w.metrics[e].test_loss);
  options.runs_dir = runs;

  /* lr 50 sends the loss to infinity at once */
  wild->training.optimizer.lr = 50.0;
  watch_init (&bad);
  run (&bad, wild, &options);
  g_assert_nonnull (bad.error);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = st_runs_list (runs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  for (guint i = 0; i < list->len; i++)
    if (((StRun *) list->pdata[i])->status != ST_RUN_FINISHED)
      diverged = st_run_load (((StRun *) list->pdata[i])->dir, FALSE, &error);
  g_assert_nonnull (diverged);
  g_assert_cmpint (diverged->status, ==, ST_RUN_DIVERGED);
  g_assert_cmpstr (diverged->message, ==, bad.error);
}

static void
test_bad_resume (void)
{
  g_autoptr (StSpec) spec = preset ("lenet5", 1);
  g_autoptr (StSpec) other = preset ("mnist-cnn", 1);
  g_autofree char *ckpt = g_build_filename (data_dir, "other.safetensors", NULL);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };
  g_auto (Watch) first = { 0 };

  watch_init (&first);
  cpu_options (&options);
  options.save_path = ckpt;
  options.max_train_examples = 64;
  run (&first, other, &options);

  watch_init (&w);
  options.save_path = NULL;
  options.resume_path = ckpt;
  run (&w, spec, &options);
  g_assert_nonnull (w.error);
  g_test_message ("%s", w.error);
  g_assert_nonnull (strstr (w.error, "other.safetensors"));
  g_assert_nonnull (strstr (w.error, "0.weight has shape [10, 1, 5, 5] in the file but the model "
                                     "needs [6, 1, 5, 5]"));
  g_remove (ckpt);
}

static void
test_bad_data (void)
{
  g_autoptr (StSpec) toy = preset ("toy", 1);
  g_autoptr (StSpec) lenet = preset ("lenet5", 1);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };
  g_auto (Watch) missing = { 0 };

  /* The toy model takes 4×4 images. */
  watch_init (&w);
  cpu_options (&options);
  run (&w, toy, &options);
  g_assert_nonnull (w.error);
  g_assert_nonnull (strstr (w.error, "takes 1×4×4 images"));

  watch_init (&missing);
  options.dataset = "/nonexistent/dataset";
  run (&missing, lenet, &options);
  g_assert_nonnull (missing.error);
  g_test_message ("%s", missing.error);
  g_assert_nonnull (strstr (missing.error, "/nonexistent/dataset"));
}

static void
test_events_on_owner_thread (void)
{
  g_autoptr (StSpec) lenet = preset ("lenet5", 1);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  watch_init (&w);
  st_trainer_options_init (&options);
  options.device = ST_DEVICE_CPU;
  options.dataset = "/nonexistent/dataset";
  owner_busy_ms = 300;
  run (&w, lenet, &options);
  owner_busy_ms = 0;
  g_assert_true (w.finished);
  g_assert_nonnull (w.error);
}

static void
test_model_errors_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (
    "{\"input\": {\"channels\": 1, \"height\": 8, \"width\": 8}, \"layers\": ["
    "{\"type\": \"MaxPool2d\", \"kernel_size\": 16}]}", -1, "bad", &error);
  StTrainer *trainer = st_trainer_new (spec, NULL, NULL, NULL, &error);

  g_assert_null (trainer);
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_assert_nonnull (strstr (error->message, "layer 0"));
}

static void
test_cuda_missing (void)
{
  g_autoptr (GError) error = NULL;
  StBackend *be;

  be = st_backend_open (ST_DEVICE_CUDA, &error);
  if (be != NULL)
    {
      g_test_skip ("a CUDA device is present");
      st_backend_free (be);
      return;
    }
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE);
  g_assert_true (g_str_has_prefix (error->message, "CUDA is not available"));
}

/* The nice value of every thread of this process named `name`, or G_MININT if none. Fails
 * the test if two such threads disagree. */
static int
thread_nice (const char *name)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  int nice = G_MININT;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL, *stat = NULL;
      g_auto (GStrv) fields = NULL;
      const char *after;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      if (!g_str_equal (g_strstrip (comm), name))
        continue;
      /* stat: "tid (comm) state ppid ..."; nice is the 19th field, the 17th after ")". */
      after = strrchr (stat, ')');
      g_assert_nonnull (after);
      fields = g_strsplit (after + 2, " ", -1);
      g_assert_cmpuint (g_strv_length (fields), >, 16);
      if (nice != G_MININT)
        g_assert_cmpint (nice, ==, atoi (fields[16]));
      nice = atoi (fields[16]);
    }
  return nice;
}

static gboolean
trainer_running (gpointer data)
{
  return st_trainer_get_steps (data) > 0;
}

/* A background run lowers its worker and the team the worker starts; a normal run does not. */
static void
test_background_priority (void)
{
  const StTrainerPriority priorities[] = { ST_TRAINER_PRIORITY_NORMAL,
                                           ST_TRAINER_PRIORITY_BACKGROUND };

  if (!g_file_test ("/proc/self/task", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no /proc/self/task to read threads' priorities from");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (priorities); i++)
    {
      g_autoptr (StSpec) spec = preset ("lenet5", 1000);
      g_autoptr (StTrainer) trainer = NULL;
      g_autoptr (GError) error = NULL;
      StTrainerOptions options;
      gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
      int expected = priorities[i] == ST_TRAINER_PRIORITY_BACKGROUND ? 10 : 0;

      cpu_options (&options);
      options.threads = 2;
      options.priority = priorities[i];
      trainer = st_trainer_new (spec, &options, NULL, NULL, &error);
      g_assert_no_error (error);
      st_trainer_start (trainer);
      while (!trainer_running (trainer) && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, FALSE);
      g_assert_true (trainer_running (trainer));
      g_assert_cmpint (thread_nice ("strata-trainer"), ==, expected);
      if (thread_nice ("strata-worker") != G_MININT)
        g_assert_cmpint (thread_nice ("strata-worker"), ==, expected);
      st_trainer_stop (trainer);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  owner_thread = g_thread_self ();
  g_setenv ("STRATA_THREADS", "2", TRUE);
  g_setenv ("STRATA_GPU_MODULE_DIR", "/nonexistent", TRUE);

  data_dir = st_test_make_tmp ("strata-trainer-XXXXXX");
  st_test_write_bars (data_dir, "train", &ST_TEST_BARS_MNIST, 2000, 1);
  st_test_write_bars (data_dir, "t10k", &ST_TEST_BARS_MNIST, 500, 2);

  g_test_add_func ("/trainer/learns", test_learns);
  g_test_add_func ("/trainer/toy-separates", test_toy_separates);
  g_test_add_func ("/backend/snapshot-batch", test_snapshot_batch);
  g_test_add_func ("/trainer/stop-within-a-batch", test_stop_within_a_batch);
  g_test_add_func ("/trainer/pause-resume", test_pause_resume);
  g_test_add_func ("/trainer/divergence", test_divergence);
  g_test_add_func ("/trainer/divergence-keeps-best", test_divergence_keeps_best);
  g_test_add_func ("/trainer/stop-keeps-best", test_stop_keeps_best);
  g_test_add_func ("/trainer/snapshot", test_snapshot);
  g_test_add_func ("/trainer/checkpoint-saved-and-resumed", test_checkpoint_saved_and_resumed);
  g_test_add_func ("/trainer/bad-resume", test_bad_resume);
  g_test_add_func ("/trainer/resume-exact", test_resume_exact);
  g_test_add_func ("/trainer/checkpoint-every-epoch", test_checkpoint_every_epoch);
  g_test_add_func ("/trainer/resume-refused", test_resume_refused);
  g_test_add_func ("/trainer/recorded", test_recorded);
  g_test_add_func ("/trainer/bad-data", test_bad_data);
  g_test_add_func ("/trainer/events-on-owner-thread", test_events_on_owner_thread);
  g_test_add_func ("/trainer/model-errors-refused", test_model_errors_refused);
  g_test_add_func ("/trainer/cuda-missing", test_cuda_missing);
  g_test_add_func ("/trainer/background-priority", test_background_priority);
  status = g_test_run ();

  st_test_remove_tree (data_dir);
  g_free (data_dir);
  return status;
}
