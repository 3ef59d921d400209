/* test-train-panel.c: the training panel, driven as the window drives it.
 *
 * The panel sits in a real window and trains for real: the toy model on its two images, and
 * LeNet-5 on a dataset generated into a temporary folder as IDX files (ten classes, each a
 * bright bar at its own height) for the runs that must last long enough to pause, stop or
 * close. The cases check what the window relies on: the signals and their order, the
 * states, the weights file, Pause and Stop acting within a batch, the error a missing GPU
 * gives, the form's values, and a main loop that keeps running during a run.
 *
 * Without a display every case is skipped.
 */
#include <adwaita.h>
#include <gtk/gtk.h>
#include <string.h>

#include "core/engine/backend.h"
#include "core/model/spec-read.h"
#include "ui/render/chart-feed.h"
#include "ui/train-panel.h"
#include "test-util.h"
#include "ui-test-util.h"

#define GUARD_SECONDS 120       /* a signal that never comes fails the case instead of hanging */

typedef struct {
  GtkWidget    *window;
  StTrainPanel *panel;          /* weak: NULL once the window has gone */
  char         *data_dir;

  GArray       *states;         /* StTrainerState after each ::state-changed */
  int           runs_started;
  int           planned_epochs;
  GArray       *xs;             /* where the chart puts each ::progress batch */
  int           epochs;
  int           insights;     /* INSIGHT events: an epoch measured inside the net */
  int           last_epoch;
  int           snapshots;
  gint64        snapshot_example;
  char         *message;
  int           finished;
  gboolean      stopped;
  char         *weights_path;
  gint64        finished_at;
} Fixture;

/* ---- what the panel says ------------------------------------------------------------------ */

static void
on_state_changed (StTrainPanel *panel, Fixture *f)
{
  StTrainerState state = st_train_panel_get_state (panel);

  g_array_append_val (f->states, state);
}

static void
on_run_started (StTrainPanel *panel, int planned_epochs, Fixture *f)
{
  f->runs_started++;
  f->planned_epochs = planned_epochs;
}

static void
on_progress (StTrainPanel *panel, gpointer event, Fixture *f)
{
  const StTrainerEvent *e = event;
  StChartData rows;

  if (e->kind == ST_TRAINER_EVENT_INSIGHT)
    {
      /* a recorded epoch measured inside: for the Inside page, not the chart */
      g_assert_nonnull (e->insight);
      g_assert_cmpint (e->insight->epoch, ==, e->epoch);
      f->insights++;
      return;
    }
  st_chart_data_init (&rows);
  g_assert_true (st_chart_data_add_event (&rows, e));
  if (e->kind == ST_TRAINER_EVENT_BATCH)
    {
      g_assert_cmpuint (rows.n_batches, ==, 1);
      g_array_append_val (f->xs, rows.batches[0].epoch);
    }
  else
    {
      g_assert_cmpint (e->kind, ==, ST_TRAINER_EVENT_EPOCH);
      f->epochs++;
      f->last_epoch = e->metrics.epoch;
      g_assert_cmpfloat (e->metrics.examples_per_sec, >, 0);
    }
  st_chart_data_clear (&rows);
}

static void
on_snapshot (StTrainPanel *panel, gpointer snapshot, Fixture *f)
{
  const StSnapshot *s = snapshot;

  f->snapshots++;
  f->snapshot_example = s->example;
  g_assert_nonnull (s->probabilities);
}

static void
on_message (StTrainPanel *panel, const char *message, Fixture *f)
{
  g_free (f->message);
  f->message = g_strdup (message);
}

static void
on_finished (StTrainPanel *panel, gboolean stopped, const char *weights_path, Fixture *f)
{
  f->finished++;
  f->stopped = stopped;
  f->finished_at = g_get_monotonic_time ();
  g_free (f->weights_path);
  f->weights_path = g_strdup (weights_path);
  /* The state has changed before the news of the end. */
  g_assert_cmpint (st_train_panel_get_state (panel), ==, ST_TRAINER_DONE);
}

/* The first frame lays out and draws the whole form; the cases start after it. */
static void
fixture_set_up (Fixture *f, gconstpointer user_data)
{
  memset (f, 0, sizeof *f);
  f->states = g_array_new (FALSE, FALSE, sizeof (StTrainerState));
  f->xs = g_array_new (FALSE, FALSE, sizeof (double));
  f->snapshot_example = -1;

  f->panel = ST_TRAIN_PANEL (st_train_panel_new ());
  g_object_add_weak_pointer (G_OBJECT (f->panel), (gpointer *) &f->panel);
  g_signal_connect (f->panel, "state-changed", G_CALLBACK (on_state_changed), f);
  g_signal_connect (f->panel, "run-started", G_CALLBACK (on_run_started), f);
  g_signal_connect (f->panel, "progress", G_CALLBACK (on_progress), f);
  g_signal_connect (f->panel, "snapshot", G_CALLBACK (on_snapshot), f);
  g_signal_connect (f->panel, "message", G_CALLBACK (on_message), f);
  g_signal_connect (f->panel, "finished", G_CALLBACK (on_finished), f);

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 420, 900);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->panel));
  gtk_window_present (GTK_WINDOW (f->window));
  ui_test_wait_for_frame (GTK_WIDGET (f->panel), GUARD_SECONDS);
}

static void
fixture_tear_down (Fixture *f, gconstpointer user_data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_null (f->panel);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (f->data_dir != NULL)
    st_test_remove_tree (f->data_dir);
  g_free (f->data_dir);
  g_array_unref (f->states);
  g_array_unref (f->xs);
  g_free (f->message);
  g_free (f->weights_path);
}

typedef struct {
  Fixture       *f;
  gboolean     (*done) (Fixture *f, gconstpointer data);
  gconstpointer  data;
} Until;

static gboolean
until_done (gpointer data)
{
  const Until *u = data;

  return u->done (u->f, u->data);
}

/* Runs the main loop until `done` says so; FALSE when the guard ran out first. */
static gboolean
wait_for (Fixture *f, gboolean (*done) (Fixture *f, gconstpointer data), gconstpointer data)
{
  Until u = { f, done, data };

  return ui_test_wait_until (until_done, &u, GUARD_SECONDS);
}

static gboolean
is_finished (Fixture *f, gconstpointer data)
{
  return f->finished > 0;
}

static gboolean
has_batches (Fixture *f, gconstpointer data)
{
  return f->xs->len >= GPOINTER_TO_UINT (data) || f->finished > 0;
}

static gboolean
has_weights (Fixture *f, gconstpointer data)
{
  return st_train_panel_get_weights_path (f->panel) != NULL || f->finished > 0;
}

static void
assert_states (Fixture *f, const StTrainerState *expected, guint n)
{
  g_assert_cmpuint (f->states->len, ==, n);
  for (guint i = 0; i < MIN (n, f->states->len); i++)
    g_assert_cmpint (g_array_index (f->states, StTrainerState, i), ==, expected[i]);
}

static gpointer
child (Fixture *f, const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (f->panel), ST_TYPE_TRAIN_PANEL, name);
}

/* The toy model, or LeNet-5 on the generated data: `epochs` epochs in batches of `batch`. */
static void
load_model (Fixture *f, const char *preset, int epochs, int batch)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (preset, &error);

  g_assert_no_error (error);
  if (g_strcmp0 (preset, "toy") != 0)
    {
      f->data_dir = st_test_make_tmp ("strata-train-panel-XXXXXX");
      st_test_write_bars (f->data_dir, "train", &ST_TEST_BARS_MNIST, 2000, 1);
      st_test_write_bars (f->data_dir, "t10k", &ST_TEST_BARS_MNIST, 500, 2);
      g_free (spec->training.dataset);
      spec->training.dataset = g_strdup (f->data_dir);
    }
  spec->training.epochs = epochs;
  spec->training.batch_size = batch;
  st_train_panel_set_spec (f->panel, spec);
  st_train_panel_load_config (f->panel, &spec->training);
  st_train_panel_set_device (f->panel, ST_DEVICE_CPU);
}

/* ---- the cases ---------------------------------------------------------------------------- */

static void
test_toy_run (Fixture *f, gconstpointer user_data)
{
  const StTrainerState expected[] = { ST_TRAINER_RUNNING, ST_TRAINER_DONE };
  g_autofree char *weights = NULL, *dir = NULL;

  load_model (f, "toy", 20, 2);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_IDLE);
  g_assert_null (st_train_panel_get_weights_path (f->panel));

  st_train_panel_start (f->panel);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_RUNNING);
  g_assert_false (gtk_widget_get_sensitive (child (f, "start_button")));
  g_assert_true (wait_for (f, is_finished, NULL));

  assert_states (f, expected, G_N_ELEMENTS (expected));
  g_assert_cmpint (f->runs_started, ==, 1);
  g_assert_cmpint (f->planned_epochs, ==, 20);
  /* Two images in batches of two: one batch per epoch, at the end of each epoch. */
  g_assert_cmpuint (f->xs->len, ==, 20);
  for (guint i = 0; i < f->xs->len; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (f->xs, double, i), i + 1.0, 1e-9);
  g_assert_cmpint (f->epochs, ==, 20);
  g_assert_cmpint (f->last_epoch, ==, 20);
  g_assert_cmpint (f->insights, ==, 20);      /* the run is recorded, each epoch measured */
  g_assert_cmpint (f->finished, ==, 1);
  g_assert_false (f->stopped);
  g_assert_null (f->message);
  g_assert_false (gtk_widget_get_visible (child (f, "error_label")));
  g_assert_true (gtk_widget_get_sensitive (child (f, "start_button")));
  g_assert_cmpstr (gtk_progress_bar_get_text (child (f, "epoch_bar")), ==,
                   "Epoch 20/20 · batch 1/1");
  g_assert_cmpstr (gtk_label_get_text (child (f, "metrics_label")), !=, "");
  g_assert_cmpstr (gtk_label_get_text (child (f, "backend_label")), !=, "");

  g_assert_nonnull (f->weights_path);
  g_assert_cmpstr (f->weights_path, ==, st_train_panel_get_weights_path (f->panel));
  g_assert_true (g_file_test (f->weights_path, G_FILE_TEST_IS_REGULAR));

  /* The weights live as long as the panel. */
  weights = g_strdup (f->weights_path);
  dir = g_path_get_dirname (weights);
  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  g_assert_null (f->panel);
  g_assert_false (g_file_test (weights, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* The status says "Paused" once the worker has parked. */
static gboolean
is_parked (Fixture *f, gconstpointer data)
{
  return g_strcmp0 (gtk_label_get_text (child (f, "status_label")), "Paused") == 0
         || f->finished > 0;
}

static void
test_pause_resume (Fixture *f, gconstpointer user_data)
{
  const StTrainerState expected[] = { ST_TRAINER_RUNNING, ST_TRAINER_PAUSED, ST_TRAINER_RUNNING,
                                      ST_TRAINER_STOPPING, ST_TRAINER_DONE };
  guint paused_at;

  load_model (f, "lenet5", 50, 64);
  st_train_panel_start (f->panel);
  g_assert_true (wait_for (f, has_batches, GUINT_TO_POINTER (3)));

  st_train_panel_pause (f->panel);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_PAUSED);
  g_assert_cmpstr (gtk_button_get_label (child (f, "pause_button")), ==, "_Resume");
  g_assert_true (wait_for (f, is_parked, NULL));
  /* The worker handed over its batches as it parked: they arrive now, and no more after. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  paused_at = f->xs->len;
  ui_test_spin (300);
  g_assert_cmpuint (f->xs->len, ==, paused_at);
  g_assert_cmpint (f->finished, ==, 0);

  st_train_panel_pause (f->panel);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_RUNNING);
  g_assert_cmpstr (gtk_button_get_label (child (f, "pause_button")), ==, "_Pause");
  g_assert_true (wait_for (f, has_batches, GUINT_TO_POINTER (paused_at + 3)));
  g_assert_cmpint (f->finished, ==, 0);

  st_train_panel_stop (f->panel);
  g_assert_true (wait_for (f, is_finished, NULL));
  g_assert_true (f->stopped);
  assert_states (f, expected, G_N_ELEMENTS (expected));
}

/* The buttons are the train.* actions, enabled by the one rule the window follows too. */
static void
test_actions (Fixture *f, gconstpointer user_data)
{
  const StTrainCommands steer = ST_TRAIN_CAN_PAUSE | ST_TRAIN_CAN_STOP;

  g_assert_cmpint (st_train_panel_get_commands (f->panel), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (child (f, "start_button")));
  load_model (f, "lenet5", 50, 64);
  g_assert_cmpint (st_train_panel_get_commands (f->panel), ==, ST_TRAIN_CAN_START);
  g_assert_true (gtk_widget_get_sensitive (child (f, "start_button")));
  g_assert_false (gtk_widget_get_sensitive (child (f, "pause_button")));
  g_assert_false (gtk_widget_get_sensitive (child (f, "stop_button")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->panel), "train.start", NULL));
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_RUNNING);
  g_assert_cmpint (st_train_panel_get_commands (f->panel), ==, steer);
  g_assert_false (gtk_widget_get_sensitive (child (f, "start_button")));
  g_assert_true (gtk_widget_get_sensitive (child (f, "pause_button")));
  g_assert_true (gtk_widget_get_sensitive (child (f, "stop_button")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->panel), "train.pause", NULL));
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_PAUSED);
  g_assert_cmpint (st_train_panel_get_commands (f->panel), ==, steer);
  g_assert_cmpstr (gtk_button_get_label (child (f, "pause_button")), ==, "_Resume");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->panel), "train.stop", NULL));
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_STOPPING);
  g_assert_cmpint (st_train_panel_get_commands (f->panel), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (child (f, "pause_button")));
  g_assert_true (wait_for (f, is_finished, NULL));
  g_assert_cmpint (st_train_panel_get_commands (f->panel), ==, ST_TRAIN_CAN_START);
  g_assert_true (gtk_widget_get_sensitive (child (f, "start_button")));
  g_assert_cmpstr (gtk_button_get_label (child (f, "pause_button")), ==, "_Pause");
}

static void
test_stop (Fixture *f, gconstpointer user_data)
{
  gint64 asked;

  load_model (f, "lenet5", 50, 64);
  st_train_panel_start (f->panel);
  g_assert_true (wait_for (f, has_batches, GUINT_TO_POINTER (2)));
  g_assert_cmpint (f->finished, ==, 0);

  asked = g_get_monotonic_time ();
  st_train_panel_stop (f->panel);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_STOPPING);
  g_assert_false (gtk_widget_get_sensitive (child (f, "stop_button")));
  g_assert_true (wait_for (f, is_finished, NULL));
  g_test_message ("Stop took %.0f ms", (f->finished_at - asked) / 1000.0);
  g_assert_cmpint (f->finished_at - asked, <, G_USEC_PER_SEC);
  g_assert_true (f->stopped);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_DONE);
  g_assert_null (f->message);
  /* a stopped run has no time left to show */
  g_assert_false (gtk_widget_get_visible (child (f, "speed_label")));

  /* A stopped run can be followed by another. */
  st_train_panel_start (f->panel);
  g_assert_cmpint (f->runs_started, ==, 2);
  g_assert_true (wait_for (f, has_batches, GUINT_TO_POINTER (f->xs->len + 1)));
  st_train_panel_pause (f->panel);
  st_train_panel_stop (f->panel);
  g_assert_true (wait_for (f, is_finished, NULL));
}

static void
test_cuda_missing (Fixture *f, gconstpointer user_data)
{
  const StTrainerState expected[] = { ST_TRAINER_RUNNING, ST_TRAINER_DONE,
                                      ST_TRAINER_RUNNING, ST_TRAINER_DONE };
  g_autoptr (GError) error = NULL;
  StBackend *gpu = st_backend_open (ST_DEVICE_CUDA, &error);
  GtkLabel *label;

  if (gpu != NULL)
    {
      st_backend_free (gpu);
      g_test_skip ("this machine has a CUDA GPU");
      return;
    }
  load_model (f, "toy", 5, 2);
  st_train_panel_set_device (f->panel, ST_DEVICE_CUDA);
  g_assert_cmpint (st_train_panel_get_device (f->panel), ==, ST_DEVICE_CUDA);
  st_train_panel_start (f->panel);
  g_assert_true (wait_for (f, is_finished, NULL));

  label = child (f, "error_label");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_test_message ("error: %s", gtk_label_get_text (label));
  g_assert_nonnull (strstr (gtk_label_get_text (label), "CUDA"));
  g_assert_cmpstr (f->message, ==, gtk_label_get_text (label));
  g_assert_cmpuint (f->xs->len, ==, 0);
  g_assert_null (f->weights_path);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_DONE);

  /* On the CPU the same model trains, and the error goes. */
  st_train_panel_set_device (f->panel, ST_DEVICE_CPU);
  st_train_panel_start (f->panel);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (label)));
  f->finished = 0;
  g_assert_true (wait_for (f, is_finished, NULL));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_assert_cmpuint (f->xs->len, ==, 5);
  assert_states (f, expected, G_N_ELEMENTS (expected));
}

/* A model whose shapes do not fit cannot start: the panel says why and stays idle. */
static void
test_bad_model (Fixture *f, gconstpointer user_data)
{
  g_autoptr (StSpec) spec = st_spec_load ("lenet5", NULL);
  StNode *linear = g_ptr_array_index (spec->layers, 7);

  st_node_set_int (linear, ST_ARG_IN_FEATURES, 399);
  st_train_panel_set_spec (f->panel, spec);
  st_train_panel_start (f->panel);
  g_assert_cmpint (st_train_panel_get_state (f->panel), ==, ST_TRAINER_IDLE);
  g_assert_cmpuint (f->states->len, ==, 0);
  g_assert_cmpint (f->runs_started, ==, 0);
  g_assert_nonnull (f->message);
  g_assert_true (gtk_widget_get_visible (child (f, "error_label")));
  g_test_message ("error: %s", f->message);

  /* Mended, the model no longer has that error: the refusal goes with it. */
  st_node_set_int (linear, ST_ARG_IN_FEATURES, 400);
  st_train_panel_set_spec (f->panel, spec);
  g_assert_false (gtk_widget_get_visible (child (f, "error_label")));
}

static void
test_form_round_trip (Fixture *f, gconstpointer user_data)
{
  StTrainConfig in, out;

  st_train_config_init_default (&in);
  g_free (in.dataset);
  in.dataset = g_strdup ("/data/sets/fashion-mnist_train.csv");
  in.epochs = 7;
  in.batch_size = 33;
  in.loss = ST_LOSS_MSE;
  in.init = ST_INIT_KAIMING_NORMAL;
  in.seed = 42;
  st_optim_config_init_default (&in.optimizer, ST_OPTIM_ADAMW);
  in.optimizer.lr = 0.0123;
  in.optimizer.weight_decay = 0.05;
  in.optimizer.betas[1] = 0.98;
  in.normalize.n = 1;
  in.normalize.mean[0] = 0.2860;
  in.normalize.std[0] = 0.3530;
  in.augment.shift = 2;
  in.augment.rotation = 10.0;
  in.augment.horizontal_flip = TRUE;
  in.augment.crop_padding = 4;
  in.resize_images = TRUE;

  st_train_panel_load_config (f->panel, &in);
  st_train_panel_get_config (f->panel, &out);
  g_assert_cmpstr (out.dataset, ==, in.dataset);
  g_assert_cmpint (out.epochs, ==, 7);
  g_assert_cmpint (out.batch_size, ==, 33);
  g_assert_cmpint (out.loss, ==, ST_LOSS_MSE);
  g_assert_cmpint (out.optimizer.type, ==, ST_OPTIM_ADAMW);
  g_assert_cmpfloat_with_epsilon (out.optimizer.lr, 0.0123, 1e-12);
  g_assert_cmpfloat_with_epsilon (out.optimizer.weight_decay, 0.05, 1e-12);
  g_assert_cmpint (out.seed, ==, 42);
  g_assert_cmpint (out.augment.shift, ==, 2);
  g_assert_cmpfloat_with_epsilon (out.augment.rotation, 10.0, 1e-12);
  g_assert_true (out.augment.horizontal_flip);
  g_assert_cmpint (out.augment.crop_padding, ==, 4);
  g_assert_true (out.resize_images);
  g_assert_true (gtk_switch_get_active (child (f, "resize_switch")));
  /* What the form does not show is kept. */
  g_assert_cmpint (out.init, ==, ST_INIT_KAIMING_NORMAL);
  g_assert_cmpfloat (out.optimizer.betas[1], ==, 0.98);
  g_assert_cmpint (out.normalize.n, ==, 1);
  g_assert_cmpfloat (out.normalize.std[0], ==, 0.3530);
  st_train_config_clear (&out);

  /* Typed but not confirmed yet: the typed value counts. */
  gtk_editable_set_text (child (f, "lr_spin"), "3e-4");
  st_train_panel_get_config (f->panel, &out);
  g_assert_cmpfloat_with_epsilon (out.optimizer.lr, 3e-4, 1e-12);
  st_train_config_clear (&out);

  /* Picking SGD brings SGD's own settings, and its momentum. */
  g_assert_false (gtk_widget_get_visible (child (f, "momentum_row")));
  adw_combo_row_set_selected (child (f, "optimizer_row"), ST_OPTIM_SGD);
  g_assert_true (gtk_widget_get_visible (child (f, "momentum_row")));
  gtk_spin_button_set_value (child (f, "momentum_spin"), 0.9);
  st_train_panel_get_config (f->panel, &out);
  g_assert_cmpint (out.optimizer.type, ==, ST_OPTIM_SGD);
  g_assert_cmpfloat_with_epsilon (out.optimizer.lr, 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (out.optimizer.momentum, 0.9, 1e-12);
  g_assert_cmpfloat (out.optimizer.weight_decay, ==, 0.0);
  st_train_config_clear (&out);

  /* A named dataset, then another path: the list keeps one chosen path. */
  g_free (in.dataset);
  in.dataset = g_strdup ("mnist");
  st_train_panel_load_config (f->panel, &in);
  st_train_panel_get_config (f->panel, &out);
  g_assert_cmpstr (out.dataset, ==, "mnist");
  st_train_config_clear (&out);
  g_free (in.dataset);
  in.dataset = g_strdup ("/data/sets/cifar-10-batches-bin");
  st_train_panel_load_config (f->panel, &in);
  st_train_panel_get_config (f->panel, &out);
  g_assert_cmpstr (out.dataset, ==, in.dataset);
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (child (f, "dataset_row"))),
                    ==, 6);
  st_train_config_clear (&out);
  st_train_config_clear (&in);
}

static void
count_signal (StTrainPanel *panel, int *count)
{
  (*count)++;
}

/* ::config-changed tells of each change the person commits, once: not of load_config(), nor
 * of text still being typed, and a new optimizer (which sets three fields) is one change. */
static void
test_config_changed (Fixture *f, gconstpointer user_data)
{
  StTrainConfig config;
  int changes = 0;

  st_train_config_init_default (&config);
  g_signal_connect (f->panel, "config-changed", G_CALLBACK (count_signal), &changes);
  st_train_panel_load_config (f->panel, &config);
  g_assert_cmpint (changes, ==, 0);

  gtk_spin_button_set_value (child (f, "epochs_spin"), config.epochs + 2);
  g_assert_cmpint (changes, ==, 1);
  gtk_editable_set_text (child (f, "batch_spin"), "1");
  gtk_editable_set_text (child (f, "batch_spin"), "12");
  g_assert_cmpint (changes, ==, 1);
  gtk_spin_button_update (child (f, "batch_spin"));
  g_assert_cmpint (changes, ==, 2);
  adw_combo_row_set_selected (child (f, "optimizer_row"),
                              config.optimizer.type == ST_OPTIM_ADAM ? ST_OPTIM_SGD : ST_OPTIM_ADAM);
  g_assert_cmpint (changes, ==, 3);
  adw_combo_row_set_selected (child (f, "dataset_row"), 1);
  g_assert_cmpint (changes, ==, 4);
  adw_combo_row_set_selected (child (f, "loss_row"), ST_LOSS_MSE);
  gtk_switch_set_active (child (f, "flip_switch"), TRUE);
  g_assert_cmpint (changes, ==, 6);
  gtk_switch_set_active (child (f, "resize_switch"), TRUE);
  g_assert_cmpint (changes, ==, 7);
  st_train_panel_set_device (f->panel, ST_DEVICE_CPU);
  g_assert_cmpint (changes, ==, 7);
  st_train_config_clear (&config);
}

/* Training on the first 640 examples in batches of 64: ten batches per epoch, at tenths of
 * an epoch; a snapshot asked for during the run arrives. */
static void
test_short_epochs (Fixture *f, gconstpointer user_data)
{
  load_model (f, "lenet5", 2, 64);
  st_train_panel_set_max_train_examples (f->panel, 640);
  st_train_panel_start (f->panel);
  g_assert_true (wait_for (f, has_batches, GUINT_TO_POINTER (1)));
  st_train_panel_request_snapshot (f->panel, 3);
  g_assert_true (wait_for (f, is_finished, NULL));

  g_assert_false (f->stopped);
  g_assert_cmpuint (f->xs->len, ==, 20);
  for (guint i = 0; i < f->xs->len; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (f->xs, double, i), (i + 1) / 10.0, 1e-9);
  g_assert_cmpint (f->epochs, ==, 2);
  g_assert_cmpint (f->snapshots, ==, 1);
  g_assert_cmpint (f->snapshot_example, ==, 3);
  g_assert_nonnull (f->weights_path);
}

typedef struct {
  gint64 last;
  gint64 max_gap;
  int    ticks;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last > 0)
    t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

/* An epoch and its evaluation, and enough ticks to have a longest gap. */
static gboolean
has_epoch_and_ticks (Fixture *f, gconstpointer data)
{
  const Ticker *t = data;

  return (f->epochs > 0 && t->ticks >= 20) || f->finished > 0;
}

/* The run, its events and the panel's updates leave the main loop free: a 10 ms timer keeps
 * firing through an epoch and its evaluation. */
static void
test_main_loop_free (Fixture *f, gconstpointer user_data)
{
  Ticker t = { 0 };
  guint timer;

  load_model (f, "lenet5", 50, 64);
  st_train_panel_start (f->panel);
  timer = g_timeout_add (10, tick, &t);
  g_assert_true (wait_for (f, has_epoch_and_ticks, &t));
  g_source_remove (timer);
  g_assert_cmpint (f->finished, ==, 0);
  st_train_panel_stop (f->panel);
  g_assert_true (wait_for (f, is_finished, NULL));

  g_test_message ("%d ticks, longest gap %.1f ms", t.ticks, t.max_gap / 1000.0);
  g_assert_cmpint (t.max_gap, <, 500 * 1000);
}

/* Closing the window during a run stops it and removes the weights. */
static void
test_close_during_run (Fixture *f, gconstpointer user_data)
{
  g_autofree char *weights = NULL;

  load_model (f, "lenet5", 50, 64);
  st_train_panel_set_max_train_examples (f->panel, 256);
  st_train_panel_start (f->panel);
  g_assert_true (wait_for (f, has_weights, NULL));
  g_assert_cmpint (f->finished, ==, 0);
  weights = g_strdup (st_train_panel_get_weights_path (f->panel));
  g_assert_true (g_file_test (weights, G_FILE_TEST_IS_REGULAR));

  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  g_assert_null (f->panel);
  g_assert_false (g_file_test (weights, G_FILE_TEST_EXISTS));
  /* Events still queued are dropped with the trainer. */
  ui_test_spin (100);
  g_assert_cmpint (f->finished, ==, 0);
}

/* ---- main --------------------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  static const UI_TEST_CASE (Fixture) cases[] = {
    { "/train-panel/toy-run", test_toy_run },
    { "/train-panel/pause-resume", test_pause_resume },
    { "/train-panel/stop", test_stop },
    { "/train-panel/actions", test_actions },
    { "/train-panel/cuda-missing", test_cuda_missing },
    { "/train-panel/bad-model", test_bad_model },
    { "/train-panel/form-round-trip", test_form_round_trip },
    { "/train-panel/config-changed", test_config_changed },
    { "/train-panel/short-epochs", test_short_epochs },
    { "/train-panel/main-loop-free", test_main_loop_free },
    { "/train-panel/close-during-run", test_close_during_run },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  UI_TEST_ADD_CASES (ui_test_init (FALSE), cases, Fixture, fixture_set_up, fixture_tear_down);

  return g_test_run ();
}
