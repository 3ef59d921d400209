/* train-panel.c: the training panel — the form, the run it starts, and the run's progress. */
#define G_LOG_DOMAIN "strata-train-panel"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ui/train-panel.h"

#include "core/engine/run-list.h"

/* The named datasets come first in the dataset list, then a path the person chose, if any,
 * then the two entries that open a file chooser. */
static const char *const named_datasets[] = { "fashion-mnist", "mnist", "toy" };
#define N_NAMED G_N_ELEMENTS (named_datasets)

#define PROGRESS_INTERVAL_MS 100
#define PAUSE_POLL_MS        50
#define FORM_LOCK_DELAY_MS   150

struct _StTrainPanel
{
  GtkWidget             parent_instance;

  /* template widgets (Start and Stop are only their train.* actions) */
  GtkButton            *pause_button;
  GtkLabel             *status_label;
  GtkLabel             *error_label;
  GtkWidget            *progress_box;
  GtkLabel             *backend_label;
  GtkProgressBar       *epoch_bar;
  GtkProgressBar       *run_bar;
  GtkLabel             *speed_label;
  GtkLabel             *metrics_label;
  GtkWidget            *form_box;
  AdwComboRow          *dataset_row;
  AdwComboRow          *loss_row;
  AdwComboRow          *optimizer_row;
  AdwComboRow          *device_row;
  AdwActionRow         *momentum_row;
  GtkSpinButton        *epochs_spin;
  GtkSpinButton        *batch_spin;
  GtkSpinButton        *lr_spin;
  GtkSpinButton        *momentum_spin;
  GtkSpinButton        *decay_spin;
  GtkSpinButton        *shift_spin;
  GtkSpinButton        *rotation_spin;
  GtkSwitch            *flip_switch;
  GtkSwitch            *resize_switch;
  GtkSpinButton        *crop_spin;
  GtkSpinButton        *seed_spin;

  /* owned */
  StSpec               *spec;
  StTrainConfig         config;          /* what the form does not show comes from here */
  GtkStringList        *datasets;
  char                 *dataset_path;    /* the chosen file or folder, or NULL */
  GtkFileChooserNative *chooser;
  StTrainer            *trainer;
  guint                 free_idle;
  guint                 pause_timer;
  guint                 form_lock;      /* locks the form a few frames after Start */
  guint                 progress_timer;
  char                 *tmp_dir;
  char                 *weights_path;
  char                 *resume_path;     /* the next Start continues this checkpoint, or NULL */

  /* the run */
  StTrainerState        state;
  gboolean              has_weights;
  StBestWeights        *best;            /* the last run's, once it has ended */
  gboolean              failed;
  gint64                max_train_examples;
  int                   batch_size;
  guint                 dataset_index;   /* the selection before a chooser entry was picked */
  gboolean              filling;         /* the form is being set from code */
  StTrainerEvent        last_batch;
  gboolean              refused;        /* the error shown says why Start was refused */
};

G_DEFINE_FINAL_TYPE (StTrainPanel, st_train_panel, GTK_TYPE_WIDGET)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_RUN_STARTED,
  SIGNAL_PROGRESS,
  SIGNAL_SNAPSHOT,
  SIGNAL_MESSAGE,
  SIGNAL_FINISHED,
  SIGNAL_CONFIG_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
lock_form (gpointer data)
{
  StTrainPanel *self = data;

  self->form_lock = 0;
  gtk_widget_set_sensitive (self->form_box, FALSE);
  return G_SOURCE_REMOVE;
}

StTrainCommands
st_train_panel_get_commands (StTrainPanel *self)
{
  g_return_val_if_fail (ST_IS_TRAIN_PANEL (self), 0);

  if (!st_trainer_state_is_live (self->state))
    return self->spec != NULL ? ST_TRAIN_CAN_START : 0;
  /* Stopping cannot be paused or stopped again: the worker is already on its way out. */
  if (self->state == ST_TRAINER_STOPPING)
    return 0;
  return ST_TRAIN_CAN_PAUSE | ST_TRAIN_CAN_STOP;
}

/* The buttons are the train.* actions: their enabled state is st_train_panel_get_commands (). */
static void
update_actions (StTrainPanel *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  StTrainCommands commands = st_train_panel_get_commands (self);
  gboolean live = st_trainer_state_is_live (self->state);

  gtk_widget_action_set_enabled (widget, "train.start", (commands & ST_TRAIN_CAN_START) != 0);
  gtk_widget_action_set_enabled (widget, "train.pause", (commands & ST_TRAIN_CAN_PAUSE) != 0);
  gtk_widget_action_set_enabled (widget, "train.stop", (commands & ST_TRAIN_CAN_STOP) != 0);
  gtk_button_set_label (self->pause_button,
                        self->state == ST_TRAINER_PAUSED ? _("_Resume") : _("_Pause"));
  /* A live run trains what the form said when it started, so the form locks; but not in the
   * frame that shows Start took effect: re-styling the whole form there would make that one
   * frame several times longer than any other of the run. */
  g_clear_handle_id (&self->form_lock, g_source_remove);
  if (!live)
    gtk_widget_set_sensitive (self->form_box, TRUE);
  else if (gtk_widget_get_sensitive (self->form_box))
    self->form_lock = g_timeout_add (FORM_LOCK_DELAY_MS, lock_form, self);
}

static void
set_state (StTrainPanel *self, StTrainerState state)
{
  if (self->state == state)
    return;
  self->state = state;
  update_actions (self);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
}

static void
show_error (StTrainPanel *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

static void
clear_error (StTrainPanel *self)
{
  gtk_label_set_text (self->error_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

/* ---- the form ------------------------------------------------------------------------- */

/* A value the person committed (not one set from code, nor text still being typed). */
static void
form_changed (StTrainPanel *self)
{
  if (!self->filling)
    g_signal_emit (self, signals[SIGNAL_CONFIG_CHANGED], 0);
}

/* Learning rates span 1e-5 to 1: "0.0003" or "3e-04" reads better than "0.000300". */
static gboolean
format_real (GtkSpinButton *spin, gpointer user_data)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_snprintf (text, sizeof text, "%.6g", gtk_spin_button_get_value (spin));
  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static guint
open_folder_index (StTrainPanel *self)
{
  return N_NAMED + (self->dataset_path != NULL ? 1 : 0);
}

static void
set_dataset (StTrainPanel *self, const char *name_or_path)
{
  gboolean was_filling = self->filling;
  guint index = N_NAMED;

  for (guint i = 0; i < N_NAMED; i++)
    if (g_strcmp0 (name_or_path, named_datasets[i]) == 0)
      index = i;
  /* Changing the list moves the selection: not the person's doing. */
  self->filling = TRUE;
  if (index == N_NAMED)
    {
      g_autofree char *base = g_path_get_basename (name_or_path);
      const char *item[] = { base, NULL };

      gtk_string_list_splice (self->datasets, N_NAMED, self->dataset_path != NULL ? 1 : 0,
                              item);
      g_free (self->dataset_path);
      self->dataset_path = g_strdup (name_or_path);
    }
  adw_combo_row_set_selected (self->dataset_row, index);
  self->filling = was_filling;
  self->dataset_index = index;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dataset_row),
                               index == N_NAMED ? self->dataset_path : "");
}

static const char *
get_dataset (StTrainPanel *self)
{
  guint index = adw_combo_row_get_selected (self->dataset_row);

  if (index < N_NAMED)
    return named_datasets[index];
  if (index == N_NAMED && self->dataset_path != NULL)
    return self->dataset_path;
  return named_datasets[0];
}

static void
chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StTrainPanel *self = user_data;
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    path = g_file_get_path (file);
  if (path != NULL)
    {
      set_dataset (self, path);
      form_changed (self);
    }
  else
    {
      self->filling = TRUE;
      adw_combo_row_set_selected (self->dataset_row, self->dataset_index);
      self->filling = FALSE;
    }
  g_clear_object (&self->chooser);
}

static void
open_chooser (StTrainPanel *self, gboolean folder)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;

  g_clear_object (&self->chooser);
  if (folder)
    self->chooser = gtk_file_chooser_native_new (_("Open Dataset Folder"), parent,
                                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                 _("_Open"), _("_Cancel"));
  else
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      self->chooser = gtk_file_chooser_native_new (_("Open Dataset File"), parent,
                                                   GTK_FILE_CHOOSER_ACTION_OPEN,
                                                   _("_Open"), _("_Cancel"));
      gtk_file_filter_set_name (filter, _("CSV files (label, pixel1, …)"));
      gtk_file_filter_add_pattern (filter, "*.csv");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
dataset_selected (StTrainPanel *self)
{
  guint index = adw_combo_row_get_selected (self->dataset_row);
  guint folder = open_folder_index (self);

  if (self->filling)
    return;
  if (index == folder || index == folder + 1)
    open_chooser (self, index == folder);
  else
    {
      self->dataset_index = index;
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dataset_row),
                                   index == N_NAMED ? self->dataset_path : "");
      form_changed (self);
    }
}

static void
set_optimizer_fields (StTrainPanel *self, const StOptimConfig *optim)
{
  gtk_spin_button_set_value (self->lr_spin, optim->lr);
  gtk_spin_button_set_value (self->momentum_spin, optim->momentum);
  gtk_spin_button_set_value (self->decay_spin, optim->weight_decay);
  gtk_widget_set_visible (GTK_WIDGET (self->momentum_row), optim->type == ST_OPTIM_SGD);
}

/* Another optimizer gets its own defaults: SGD's learning rate would send Adam astray. */
static void
optimizer_selected (StTrainPanel *self)
{
  StOptimConfig optim;

  if (self->filling)
    return;
  st_optim_config_init_default (&optim, adw_combo_row_get_selected (self->optimizer_row));
  /* One change, however many fields it sets. */
  self->filling = TRUE;
  set_optimizer_fields (self, &optim);
  self->filling = FALSE;
  form_changed (self);
}

void
st_train_panel_load_config (StTrainPanel *self, const StTrainConfig *config)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));
  g_return_if_fail (config != NULL);

  if (&self->config != config)
    {
      st_train_config_clear (&self->config);
      st_train_config_copy (&self->config, config);
    }
  self->filling = TRUE;
  set_dataset (self, config->dataset != NULL ? config->dataset : named_datasets[0]);
  adw_combo_row_set_selected (self->loss_row, config->loss);
  adw_combo_row_set_selected (self->optimizer_row, config->optimizer.type);
  set_optimizer_fields (self, &config->optimizer);
  gtk_spin_button_set_value (self->epochs_spin, config->epochs);
  gtk_spin_button_set_value (self->batch_spin, config->batch_size);
  gtk_spin_button_set_value (self->seed_spin, (double) config->seed);
  gtk_spin_button_set_value (self->shift_spin, config->augment.shift);
  gtk_spin_button_set_value (self->rotation_spin, config->augment.rotation);
  gtk_switch_set_active (self->flip_switch, config->augment.horizontal_flip);
  gtk_switch_set_active (self->resize_switch, config->resize_images);
  gtk_spin_button_set_value (self->crop_spin, config->augment.crop_padding);
  self->filling = FALSE;
}

static double
spin_value (GtkSpinButton *spin)
{
  /* Text typed but not yet confirmed counts. */
  gtk_spin_button_update (spin);
  return gtk_spin_button_get_value (spin);
}

void
st_train_panel_get_config (StTrainPanel *self, StTrainConfig *out)
{
  StOptimKind optim;

  g_return_if_fail (ST_IS_TRAIN_PANEL (self));
  g_return_if_fail (out != NULL);

  st_train_config_copy (out, &self->config);
  g_free (out->dataset);
  out->dataset = g_strdup (get_dataset (self));
  out->loss = MIN (adw_combo_row_get_selected (self->loss_row), ST_N_LOSSES - 1);
  optim = MIN (adw_combo_row_get_selected (self->optimizer_row), ST_N_OPTIMS - 1);
  if (optim != out->optimizer.type)
    st_optim_config_init_default (&out->optimizer, optim);
  out->optimizer.lr = spin_value (self->lr_spin);
  out->optimizer.momentum = optim == ST_OPTIM_SGD ? spin_value (self->momentum_spin) : 0.0;
  out->optimizer.weight_decay = spin_value (self->decay_spin);
  out->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  out->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  out->seed = (guint64) spin_value (self->seed_spin);
  out->augment.shift = (int) spin_value (self->shift_spin);
  out->augment.rotation = spin_value (self->rotation_spin);
  out->augment.horizontal_flip = gtk_switch_get_active (self->flip_switch);
  out->resize_images = gtk_switch_get_active (self->resize_switch);
  out->augment.crop_padding = (int) spin_value (self->crop_spin);
}

void
st_train_panel_set_spec (StTrainPanel *self, const StSpec *spec)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));

  g_clear_pointer (&self->spec, st_spec_free);
  if (spec != NULL)
    self->spec = st_spec_copy (spec);
  /* Why Start was refused spoke of the model before this edit. */
  if (self->refused)
    {
      clear_error (self);
      self->refused = FALSE;
    }
  update_actions (self);
}

void
st_train_panel_set_device (StTrainPanel *self, StDevice device)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));
  g_return_if_fail (device <= ST_DEVICE_CUDA);

  adw_combo_row_set_selected (self->device_row, device);
}

StDevice
st_train_panel_get_device (StTrainPanel *self)
{
  g_return_val_if_fail (ST_IS_TRAIN_PANEL (self), ST_DEVICE_AUTO);

  return MIN (adw_combo_row_get_selected (self->device_row), ST_DEVICE_CUDA);
}

void
st_train_panel_set_max_train_examples (StTrainPanel *self, gint64 n)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));
  g_return_if_fail (n >= 0);

  self->max_train_examples = n;
}

/* ---- progress ------------------------------------------------------------------------- */

static char *
format_duration (double seconds)
{
  int s = (int) (seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

/* An empty line takes no room. */
static void
set_line (GtkLabel *label, const char *text)
{
  gtk_label_set_text (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && text[0] != '\0');
}

static void
reset_progress (StTrainPanel *self, int planned_epochs)
{
  g_autofree char *epoch = g_strdup_printf (_("Epoch %d/%d"), 0, planned_epochs);
  g_autofree char *run = g_strdup_printf (_("Run %.0f%%"), 0.0);

  gtk_progress_bar_set_fraction (self->epoch_bar, 0.0);
  gtk_progress_bar_set_text (self->epoch_bar, epoch);
  gtk_progress_bar_set_fraction (self->run_bar, 0.0);
  gtk_progress_bar_set_text (self->run_bar, run);
  set_line (self->speed_label, NULL);
  set_line (self->metrics_label, NULL);
  set_line (self->backend_label, NULL);
}

/* Batches come in bursts of up to hundreds per wake-up; the bars show the latest one a few
 * times a second, so that the form is not laid out again for every burst. */
static gboolean
show_progress (gpointer data)
{
  StTrainPanel *self = data;
  const StTrainerEvent *e = &self->last_batch;
  gint64 n_batches = MAX (e->n_batches, 1);
  double in_epoch = (double) e->batch / n_batches;
  double in_run = (e->epoch - 1 + in_epoch) / MAX (e->n_epochs, 1);
  gint64 batches_left = (e->n_epochs - e->epoch) * n_batches + (n_batches - e->batch);
  g_autofree char *epoch = NULL, *run = NULL, *speed = NULL, *left = NULL;

  self->progress_timer = 0;
  epoch = g_strdup_printf (_("Epoch %d/%d · batch %lld/%lld"), e->epoch, e->n_epochs,
                           (long long) e->batch, (long long) e->n_batches);
  run = g_strdup_printf (_("Run %.0f%%"), in_run * 100.0);
  gtk_progress_bar_set_fraction (self->epoch_bar, in_epoch);
  gtk_progress_bar_set_text (self->epoch_bar, epoch);
  gtk_progress_bar_set_fraction (self->run_bar, in_run);
  gtk_progress_bar_set_text (self->run_bar, run);
  if (e->examples_per_sec > 0)
    {
      left = format_duration ((double) batches_left * self->batch_size / e->examples_per_sec);
      speed = g_strdup_printf (_("%.0f examples/s · %s left"), e->examples_per_sec, left);
      set_line (self->speed_label, speed);
    }
  return G_SOURCE_REMOVE;
}

static void
show_epoch (StTrainPanel *self, const StTrainerEvent *e)
{
  const StEpochMetrics *m = &e->metrics;
  g_autofree char *line = g_strdup_printf (_("Epoch %d: train loss %.4f, accuracy %.1f%% · "
                                             "test loss %.4f, accuracy %.1f%% · %.1f s"),
                                           m->epoch, m->train_loss, m->train_acc * 100.0,
                                           m->test_loss, m->test_acc * 100.0, m->seconds);

  set_line (self->metrics_label, line);
  gtk_progress_bar_set_fraction (self->run_bar, (double) m->epoch / MAX (e->n_epochs, 1));
}

/* ---- the run -------------------------------------------------------------------------- */

static void
free_trainer (StTrainPanel *self)
{
  g_clear_handle_id (&self->free_idle, g_source_remove);
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  g_clear_pointer (&self->trainer, st_trainer_free);
}

/* The worker has posted its last event when FINISHED arrives, so the join is quick; it still
 * waits for a thread, which the event handler should not. */
static gboolean
free_trainer_idle (gpointer data)
{
  StTrainPanel *self = data;

  self->free_idle = 0;
  g_clear_pointer (&self->trainer, st_trainer_free);
  return G_SOURCE_REMOVE;
}

static void
finished (StTrainPanel *self, gboolean stopped)
{
  const char *status = self->failed ? _("Failed") : stopped ? _("Stopped") : _("Finished");

  if (self->progress_timer != 0)
    {
      g_clear_handle_id (&self->progress_timer, g_source_remove);
      show_progress (self);
    }
  /* No time is left once the run has ended: a finished run keeps its speed, a stopped or
   * failed one shows none. */
  if (self->failed || stopped || self->last_batch.examples_per_sec <= 0)
    set_line (self->speed_label, NULL);
  else
    {
      g_autofree char *speed = g_strdup_printf (_("%.0f examples/s"),
                                                self->last_batch.examples_per_sec);

      set_line (self->speed_label, speed);
    }
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  gtk_label_set_text (self->status_label, status);
  if (self->free_idle == 0)
    self->free_idle = g_idle_add (free_trainer_idle, self);
  set_state (self, ST_TRAINER_DONE);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, stopped,
                 st_train_panel_get_weights_path (self));
}

static void
on_event (StTrainer *trainer, const StTrainerEvent *e, gpointer data)
{
  StTrainPanel *self = data;
  g_autofree char *backend = NULL;

  switch (e->kind)
    {
    case ST_TRAINER_EVENT_STATUS:
      gtk_label_set_text (self->status_label, e->message);
      break;
    case ST_TRAINER_EVENT_STARTED:
      backend = g_strdup_printf (_("Training on %s"), e->message);
      set_line (self->backend_label, backend);
      if (self->state == ST_TRAINER_RUNNING)
        gtk_label_set_text (self->status_label, _("Training"));
      break;
    case ST_TRAINER_EVENT_BATCH:
      self->last_batch = *e;
      if (self->progress_timer == 0)
        self->progress_timer = g_timeout_add (PROGRESS_INTERVAL_MS, show_progress, self);
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, e);
      break;
    case ST_TRAINER_EVENT_EPOCH:
      show_epoch (self, e);
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, e);
      break;
    case ST_TRAINER_EVENT_SNAPSHOT:
      g_signal_emit (self, signals[SIGNAL_SNAPSHOT], 0, e->snapshot);
      break;
    case ST_TRAINER_EVENT_CHECKPOINT:
      self->has_weights = TRUE;
      break;
    case ST_TRAINER_EVENT_RECORD:
      /* the run is in the history (run-record.h); nothing here shows where */
      break;
    case ST_TRAINER_EVENT_INSIGHT:
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, e);
      break;
    case ST_TRAINER_EVENT_ERROR:
      self->failed = TRUE;
      show_error (self, e->message);
      break;
    case ST_TRAINER_EVENT_FINISHED:
      g_clear_pointer (&self->best, st_best_weights_unref);
      self->best = e->best != NULL ? st_best_weights_ref (e->best) : NULL;
      finished (self, e->stopped);
      break;
    }
}

static gboolean
ensure_weights_path (StTrainPanel *self, GError **error)
{
  if (self->weights_path != NULL)
    return TRUE;
  self->tmp_dir = g_dir_make_tmp ("strata-run-XXXXXX", error);
  if (self->tmp_dir == NULL)
    return FALSE;
  self->weights_path = g_build_filename (self->tmp_dir, "best.safetensors", NULL);
  return TRUE;
}

static void
remove_tmp_dir (StTrainPanel *self)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (self->tmp_dir == NULL)
    return;
  /* The checkpoint, and whatever an interrupted atomic write left beside it. */
  dir = g_dir_open (self->tmp_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->tmp_dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (self->tmp_dir);
  g_clear_pointer (&self->tmp_dir, g_free);
  g_clear_pointer (&self->weights_path, g_free);
}

void
st_train_panel_continue (StTrainPanel *self, const char *checkpoint)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));
  g_return_if_fail (checkpoint != NULL);

  if (st_trainer_state_is_live (self->state))
    return;
  g_free (self->resume_path);
  self->resume_path = g_strdup (checkpoint);
  st_train_panel_start (self);
}

void
st_train_panel_start (StTrainPanel *self)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *runs_dir = NULL;
  StTrainerOptions options;

  g_return_if_fail (ST_IS_TRAIN_PANEL (self));

  if (st_trainer_state_is_live (self->state))
    return;
  clear_error (self);
  self->refused = FALSE;
  if (self->spec == NULL)
    {
      show_error (self, _("There is no model to train"));
      self->refused = TRUE;
      return;
    }
  if (!ensure_weights_path (self, &error))
    {
      g_autofree char *message = g_strdup_printf (_("No room for the run's weights: %s"),
                                                  error->message);
      show_error (self, message);
      self->refused = TRUE;
      return;
    }
  /* The previous run has ended; its worker is on its way out. */
  free_trainer (self);

  spec = st_spec_copy (self->spec);
  spec->has_training = TRUE;
  st_train_config_clear (&spec->training);
  st_train_panel_get_config (self, &spec->training);

  st_trainer_options_init (&options);
  runs_dir = st_runs_dir ();
  options.runs_dir = runs_dir;
  options.device = st_train_panel_get_device (self);
  options.priority = ST_TRAINER_PRIORITY_BACKGROUND;
  options.save_path = self->weights_path;
  options.resume_path = self->resume_path;
  options.max_train_examples = self->max_train_examples;
  self->trainer = st_trainer_new (spec, &options, on_event, self, &error);
  g_clear_pointer (&self->resume_path, g_free);
  if (self->trainer == NULL)
    {
      show_error (self, error->message);
      self->refused = TRUE;
      return;
    }

  self->has_weights = FALSE;
  g_clear_pointer (&self->best, st_best_weights_unref);
  self->failed = FALSE;
  self->batch_size = spec->training.batch_size;
  reset_progress (self, spec->training.epochs);
  gtk_label_set_text (self->status_label, _("Starting…"));
  st_trainer_start (self->trainer);
  set_state (self, ST_TRAINER_RUNNING);
  g_signal_emit (self, signals[SIGNAL_RUN_STARTED], 0, spec->training.epochs);
}

/* The worker parks after the batch in hand, which can take a while on a large model; the
 * status says "Pausing…" until then. */
static gboolean
check_paused (gpointer data)
{
  StTrainPanel *self = data;

  if (st_trainer_get_state (self->trainer) != ST_TRAINER_PAUSED)
    return G_SOURCE_CONTINUE;
  self->pause_timer = 0;
  gtk_label_set_text (self->status_label, _("Paused"));
  return G_SOURCE_REMOVE;
}

void
st_train_panel_pause (StTrainPanel *self)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));

  if (self->trainer == NULL)
    return;
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  if (self->state == ST_TRAINER_RUNNING)
    {
      st_trainer_pause (self->trainer);
      gtk_label_set_text (self->status_label, _("Pausing…"));
      self->pause_timer = g_timeout_add (PAUSE_POLL_MS, check_paused, self);
      set_state (self, ST_TRAINER_PAUSED);
    }
  else if (self->state == ST_TRAINER_PAUSED)
    {
      st_trainer_resume (self->trainer);
      gtk_label_set_text (self->status_label, _("Training"));
      set_state (self, ST_TRAINER_RUNNING);
    }
}

void
st_train_panel_stop (StTrainPanel *self)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));

  if (self->trainer == NULL
      || (self->state != ST_TRAINER_RUNNING && self->state != ST_TRAINER_PAUSED))
    return;
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  st_trainer_stop (self->trainer);
  gtk_label_set_text (self->status_label, _("Stopping…"));
  set_state (self, ST_TRAINER_STOPPING);
}

StTrainerState
st_train_panel_get_state (StTrainPanel *self)
{
  g_return_val_if_fail (ST_IS_TRAIN_PANEL (self), ST_TRAINER_IDLE);

  return self->state;
}

StBestWeights *
st_train_panel_get_best (StTrainPanel *self)
{
  g_return_val_if_fail (ST_IS_TRAIN_PANEL (self), NULL);

  return self->best;
}

const char *
st_train_panel_get_weights_path (StTrainPanel *self)
{
  g_return_val_if_fail (ST_IS_TRAIN_PANEL (self), NULL);

  return self->has_weights ? self->weights_path : NULL;
}

void
st_train_panel_request_snapshot (StTrainPanel *self, gint64 example)
{
  g_return_if_fail (ST_IS_TRAIN_PANEL (self));
  g_return_if_fail (example >= 0);

  if (self->trainer != NULL && st_trainer_state_is_live (self->state))
    st_trainer_request_snapshot (self->trainer, example);
}

/* ---- construction --------------------------------------------------------------------- */

static void
start_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_train_panel_start (ST_TRAIN_PANEL (widget));
}

static void
pause_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_train_panel_pause (ST_TRAIN_PANEL (widget));
}

static void
stop_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_train_panel_stop (ST_TRAIN_PANEL (widget));
}

static void
st_train_panel_dispose (GObject *object)
{
  StTrainPanel *self = ST_TRAIN_PANEL (object);
  GtkWidget *child;

  /* Stops a live run and waits for its worker: nothing writes to the folder after this. */
  free_trainer (self);
  g_clear_handle_id (&self->form_lock, g_source_remove);
  remove_tmp_dir (self);
  g_clear_pointer (&self->resume_path, g_free);
  g_clear_pointer (&self->best, st_best_weights_unref);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_pointer (&self->spec, st_spec_free);
  g_clear_pointer (&self->dataset_path, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), ST_TYPE_TRAIN_PANEL);
  /* The template's top child has no id, so disposing the template leaves it in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->datasets);
  G_OBJECT_CLASS (st_train_panel_parent_class)->dispose (object);
}

static void
st_train_panel_finalize (GObject *object)
{
  StTrainPanel *self = ST_TRAIN_PANEL (object);

  st_train_config_clear (&self->config);
  G_OBJECT_CLASS (st_train_panel_parent_class)->finalize (object);
}

static void
st_train_panel_class_init (StTrainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_train_panel_dispose;
  object_class->finalize = st_train_panel_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_SNAPSHOT] =
    g_signal_new ("snapshot", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
  signals[SIGNAL_CONFIG_CHANGED] =
    g_signal_new ("config-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  g_type_ensure (ADW_TYPE_COMBO_ROW);
  g_type_ensure (ADW_TYPE_EXPANDER_ROW);
  g_type_ensure (ADW_TYPE_PREFERENCES_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/strata/Strata/train-panel.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* Start and Stop need no field, only their names (tests find them by name). */
  gtk_widget_class_bind_template_child_full (widget_class, "start_button", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, pause_button);
  gtk_widget_class_bind_template_child_full (widget_class, "stop_button", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, backend_label);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, epoch_bar);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, run_bar);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, speed_label);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, metrics_label);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, form_box);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, dataset_row);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, loss_row);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, optimizer_row);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, device_row);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, momentum_row);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, momentum_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, decay_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, shift_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, rotation_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, flip_switch);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, resize_switch);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, crop_spin);
  gtk_widget_class_bind_template_child (widget_class, StTrainPanel, seed_spin);
  gtk_widget_class_bind_template_callback (widget_class, dataset_selected);
  gtk_widget_class_bind_template_callback (widget_class, optimizer_selected);
  gtk_widget_class_bind_template_callback (widget_class, format_real);
  gtk_widget_class_bind_template_callback (widget_class, form_changed);

  gtk_widget_class_install_action (widget_class, "train.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "train.pause", NULL, pause_activated);
  gtk_widget_class_install_action (widget_class, "train.stop", NULL, stop_activated);
}

static void
st_train_panel_init (StTrainPanel *self)
{
  g_autoptr (GtkStringList) losses = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) optimizers = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) devices = NULL;

  self->state = ST_TRAINER_IDLE;
  st_train_config_init_default (&self->config);

  self->filling = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->datasets = gtk_string_list_new (NULL);
  for (guint i = 0; i < N_NAMED; i++)
    gtk_string_list_append (self->datasets, named_datasets[i]);
  gtk_string_list_append (self->datasets, _("Open Folder…"));
  gtk_string_list_append (self->datasets, _("Open CSV File…"));
  adw_combo_row_set_model (self->dataset_row, G_LIST_MODEL (self->datasets));
  /* The lists follow the enums' order: the index is the kind. */
  for (StLossKind k = 0; k < ST_N_LOSSES; k++)
    gtk_string_list_append (losses, st_loss_name (k));
  adw_combo_row_set_model (self->loss_row, G_LIST_MODEL (losses));
  for (StOptimKind k = 0; k < ST_N_OPTIMS; k++)
    gtk_string_list_append (optimizers, st_optim_name (k));
  adw_combo_row_set_model (self->optimizer_row, G_LIST_MODEL (optimizers));
  devices = gtk_string_list_new ((const char *const[]) { _("Automatic"), _("CPU"), _("CUDA GPU"),
                                                         NULL });
  adw_combo_row_set_model (self->device_row, G_LIST_MODEL (devices));

  st_train_panel_load_config (self, &self->config);
  /* The progress is there before the first run: showing it for the first time at Start
   * would cost that frame its layout and fonts. */
  gtk_progress_bar_set_text (self->epoch_bar, _("Epoch"));
  gtk_progress_bar_set_text (self->run_bar, _("Run"));
  update_actions (self);
}

GtkWidget *
st_train_panel_new (void)
{
  return g_object_new (ST_TYPE_TRAIN_PANEL, NULL);
}
