/* strata-window.c: the workbench window — its parts, its actions and their enabled state.
 *
 * Whatever would drop unsaved changes (closing, quitting, a preset, another file) first asks
 * Save / Discard / Cancel; the training form is part of the document, so its committed
 * changes are edits like any layer's. */
#define G_LOG_DOMAIN "strata-window"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "ui/strata-window.h"
#include "core/engine/onnx-export.h"
#include "core/io/atomic-file.h"
#include "core/model/pytorch-export.h"
#include "core/model/pytorch-train.h"
#include "core/model/spec-read.h"
#include "ui/activations-view.h"
#include "ui/chart-panel.h"
#include "ui/layer-list.h"
#include "ui/layer-palette.h"
#include "ui/render/chart-data.h"
#include "ui/insight-view.h"
#include "ui/runs-view.h"
#include "ui/train-panel.h"

struct _StWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwHeaderBar        *header_bar;
  AdwWindowTitle       *window_title;
  GtkMenuButton       *presets_button;
  AdwToastOverlay     *toast_overlay;
  GtkPaned            *paned;
  AdwFlap             *palette_flap;
  AdwViewStack        *view_stack;

  /* children made in code */
  StLayerList         *layer_list;
  StTrainPanel        *train_panel;
  StChartPanel        *chart_panel;
  StActivationsView   *activations;
  StRunsView          *runs_view;
  StInsightView       *insight;
  StChartPanel        *runs_chart;        /* on the Runs page: the runs ticked, compared */
  GtkWidget           *run_hint;          /* on the Training page: edits wait for the next run */

  /* owned */
  StModelDocument     *document;
  GtkFileChooserNative *chooser;
  char                *weights_path;      /* weights loaded by hand, or NULL */
  StBestWeights       *run_best;          /* the last run that ended an epoch: its best */
  StLesson            *lesson;            /* the lesson opened, till another model is */
  char                *run_model;         /* the document as the live run began, as JSON */
  struct _Pending     *pending;           /* what waits on the answer about unsaved changes */
  gboolean             activations_stale; /* the model changed since the view evaluated it */
  gboolean             loading_model;     /* a file or preset replaces the document */
  gboolean             reading_form;      /* the form is being compared with the document */
  gboolean             closing;           /* the person agreed: close without asking again */

  /* borrowed */
  AdwMessageDialog    *ask_dialog;        /* the question about unsaved changes, while shown */
};

/* What to do once the person has answered about unsaved changes: go on (they were saved or
 * discarded, or there were none) or not (cancelled, or saving failed). */
typedef void (*AskedFunc) (StWindow *self, gboolean go_on, gpointer data);

typedef struct _Pending {
  AskedFunc      func;
  gpointer       data;
  GDestroyNotify destroy;
} Pending;

G_DEFINE_FINAL_TYPE (StWindow, st_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (StWindow *self, const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
update_title (StWindow *self)
{
  g_autofree char *title = st_model_document_dup_title (self->document);
  g_autofree char *where = st_model_document_dup_location (self->document);
  const char *path = st_model_document_get_path (self->document);
  g_autofree char *base = path != NULL ? g_filename_display_basename (path) : NULL;
  g_autofree char *window = base != NULL ? g_strdup_printf ("%s — %s", title, base) : NULL;

  gtk_window_set_title (GTK_WINDOW (self), window != NULL ? window : title);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, where);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->window_title), where);
}

static StNode *
selected_node (StWindow *self)
{
  StLayerItem *item = self->layer_list != NULL ? st_layer_list_get_selected (self->layer_list) : NULL;

  return item != NULL ? st_layer_item_get_node (item) : NULL;
}

static gboolean
layer_selected (StWindow *self)
{
  return selected_node (self) != NULL;
}

/* One place decides which actions can run now. */
static void
update_actions (StWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean selected = layer_selected (self);

  gtk_widget_action_set_enabled (widget, "win.undo", st_model_document_can_undo (self->document));
  gtk_widget_action_set_enabled (widget, "win.redo", st_model_document_can_redo (self->document));
  gtk_widget_action_set_enabled (widget, "win.delete-layer", selected);
  gtk_widget_action_set_enabled (widget, "win.duplicate-layer", selected);
  gtk_widget_action_set_enabled (widget, "win.move-up", selected);
  gtk_widget_action_set_enabled (widget, "win.move-down", selected);
  if (self->train_panel != NULL)
    {
      /* Start, Pause and Stop follow the panel's rule, which its buttons follow too. */
      StTrainCommands commands = st_train_panel_get_commands (self->train_panel);
      gboolean live = st_trainer_state_is_live (st_train_panel_get_state (self->train_panel));
      gboolean has_weights = self->weights_path != NULL
                             || st_train_panel_get_weights_path (self->train_panel) != NULL;

      gtk_widget_action_set_enabled (widget, "win.train-start",
                                     (commands & ST_TRAIN_CAN_START) != 0);
      gtk_widget_action_set_enabled (widget, "win.train-pause",
                                     (commands & ST_TRAIN_CAN_PAUSE) != 0);
      gtk_widget_action_set_enabled (widget, "win.train-stop",
                                     (commands & ST_TRAIN_CAN_STOP) != 0);
      gtk_widget_action_set_enabled (widget, "win.save-weights", has_weights && !live);
      gtk_widget_action_set_enabled (widget, "win.export-onnx", st_onnx_available () && !live);
      gtk_widget_action_set_enabled (widget, "win.lesson", !live);
    }
  update_title (self);
}

static void
document_notify (StWindow *self)
{
  update_actions (self);
}

static gboolean activations_visible (StWindow *self);
static gboolean run_live (StWindow *self);
static void refresh_activations (StWindow *self);
static void update_run_hint (StWindow *self);

/* A new model: weights loaded for the last one, or trained by the last run, no longer
 * apply; the Activations page, in view, shows the new one at once. */
static void
model_loaded (StWindow *self)
{
  g_clear_pointer (&self->lesson, st_lesson_free);
  g_clear_pointer (&self->weights_path, g_free);
  g_clear_pointer (&self->run_best, st_best_weights_unref);
  self->activations_stale = TRUE;
  if (activations_visible (self) && !run_live (self))
    refresh_activations (self);
  update_actions (self);
}

/* The document's "changed" during the load comes before model_loaded () has cleared the
 * last model's weights: the page waits for that. */
static gboolean
load_model (StWindow *self, const char *name_or_path, GError **error)
{
  gboolean loaded;

  self->loading_model = TRUE;
  loaded = st_model_document_load (self->document, name_or_path, error);
  self->loading_model = FALSE;
  if (loaded)
    model_loaded (self);
  return loaded;
}

/* A recorded run's model (spec taken): untitled, so that Save never writes over the run's
 * record. */
static void
load_model_copy (StWindow *self, StSpec *spec)
{
  self->loading_model = TRUE;
  st_model_document_set_copy (self->document, spec);
  self->loading_model = FALSE;
  model_loaded (self);
}

/* A change the person committed in the training form is an edit of the document. */
static void
form_changed (StWindow *self)
{
  StTrainConfig config = { 0 };

  if (self->reading_form)
    return;
  st_train_panel_get_config (self->train_panel, &config);
  st_model_document_set_training (self->document, &config);
  st_train_config_clear (&config);
}

/* The form shows the document's recipe: after undo, redo or a load it may not. Reading the
 * form takes in text typed but not confirmed; that is no edit of its own here. */
static void
show_training (StWindow *self)
{
  const StSpec *spec = st_model_document_get_spec (self->document);
  StTrainConfig config = { 0 };

  self->reading_form = TRUE;
  st_train_panel_get_config (self->train_panel, &config);
  if (!st_model_document_training_is (self->document, &config))
    st_train_panel_load_config (self->train_panel, &spec->training);
  st_train_config_clear (&config);
  self->reading_form = FALSE;
}

static char *model_base_name (StWindow *self, const char *suffix);

static void
document_changed (StWindow *self, gboolean structural)
{
  /* An export names the model whose run the chart shows; with no run, the model's own. */
  if (!run_live (self) && st_chart_data_is_empty (st_chart_panel_get_data (self->chart_panel)))
    {
      g_autofree char *stem = model_base_name (self, "");

      st_chart_panel_set_run_name (self->chart_panel, NULL, stem);
    }
  st_train_panel_set_spec (self->train_panel, st_model_document_get_spec (self->document));
  show_training (self);
  update_run_hint (self);
  self->activations_stale = TRUE;
  if (activations_visible (self) && !self->loading_model)
    refresh_activations (self);
}

/* ---- unsaved changes ------------------------------------------------------------------- */

static void
pending_free (Pending *pending)
{
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_free (pending);
}

/* The person has answered (or saving has ended): the waiting action runs or is dropped. */
static void
finish_asking (StWindow *self, gboolean go_on)
{
  Pending *pending = g_steal_pointer (&self->pending);

  if (pending == NULL)
    return;
  pending->func (self, go_on, pending->data);
  pending_free (pending);
}

static void
chooser_finish (StWindow *self)
{
  g_clear_object (&self->chooser);
}

static gboolean
save_to (StWindow *self, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (!st_model_document_save (self->document, path, &error))
    {
      toast (self, error->message);
      return FALSE;
    }
  update_title (self);
  return TRUE;
}

static void
save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StWindow *self = user_data;
  gboolean saved = FALSE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        saved = save_to (self, path);
    }
  chooser_finish (self);
  /* A Save As that the question started: cancelled or failed, nothing is discarded. */
  finish_asking (self, saved);
}

static void
save_as (StWindow *self)
{
  const StSpec *spec = st_model_document_get_spec (self->document);
  g_autofree char *suggested = g_strdup_printf ("%s.strata.json",
                                                spec->name != NULL ? spec->name : "model");

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Saves where the model came from, or asks where; finish_asking () hears how it went. */
static void
save (StWindow *self)
{
  const char *path = st_model_document_get_path (self->document);

  form_changed (self);
  if (path != NULL)
    finish_asking (self, save_to (self, path));
  else
    save_as (self);
}

static void
ask_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  StWindow *self = user_data;

  /* Answered however it was (a button, Escape, or adw_message_dialog_response ()). The
   * dialog goes once this emission ends, which may be after the window has: it must not
   * point at the window then. */
  self->ask_dialog = NULL;
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (g_str_equal (response, "save"))
    save (self);
  else
    finish_asking (self, g_str_equal (response, "discard"));
}

/* Runs func at once when nothing would be lost; else asks Save / Discard / Cancel first. */
static void
ask_about_changes (StWindow *self, AskedFunc func, gpointer data, GDestroyNotify destroy)
{
  Pending *pending = g_new (Pending, 1);
  const StSpec *spec;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  *pending = (Pending) { func, data, destroy };
  form_changed (self);
  if (!st_model_document_get_modified (self->document) || self->pending != NULL)
    {
      /* Nothing to lose; or a question is open already, and it is the one to answer. */
      gboolean go_on = self->pending == NULL;

      if (self->ask_dialog != NULL)
        gtk_window_present (GTK_WINDOW (self->ask_dialog));
      func (self, go_on, data);
      pending_free (pending);
      return;
    }
  self->pending = pending;
  spec = st_model_document_get_spec (self->document);
  heading = g_strdup_printf (_("Save changes to “%s”?"),
                             spec->name != NULL && spec->name[0] != '\0' ? spec->name
                                                                         : _("Untitled"));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Changes to its layers and training settings that are "
                                     "not saved will be lost if you don’t save them."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (ask_response), self);
  self->ask_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
close_asked (StWindow *self, gboolean go_on, gpointer data)
{
  GTask *task = data;

  if (go_on)
    {
      self->closing = TRUE;
      gtk_window_destroy (GTK_WINDOW (self));
    }
  if (task != NULL)
    g_task_return_boolean (task, go_on);
}

void
st_window_close_async (StWindow *self, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (ST_IS_WINDOW (self));

  ask_about_changes (self, close_asked, g_task_new (self, NULL, callback, user_data),
                     g_object_unref);
}

gboolean
st_window_close_finish (StWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
st_window_close_request (GtkWindow *window)
{
  StWindow *self = ST_WINDOW (window);

  if (!self->closing)
    {
      form_changed (self);
      if (st_model_document_get_modified (self->document))
        {
          ask_about_changes (self, close_asked, NULL, NULL);
          return TRUE;
        }
    }
  return GTK_WINDOW_CLASS (st_window_parent_class)->close_request (window);
}

/* ---- files ----------------------------------------------------------------------------- */

static void
open_asked (StWindow *self, gboolean go_on, gpointer data)
{
  GFile *file = data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (!go_on)
    return;
  if (path == NULL || !load_model (self, path, &error))
    toast (self, error != NULL ? error->message : _("Only local files can be opened"));
}

void
st_window_open_file (StWindow *self, GFile *file)
{
  g_return_if_fail (ST_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  ask_about_changes (self, open_asked, g_object_ref (file), g_object_unref);
}

static void
open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      st_window_open_file (self, file);
    }
  chooser_finish (self);
}

static GtkFileFilter *
model_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Strata models"));
  gtk_file_filter_add_pattern (filter, "*.strata.json");
  gtk_file_filter_add_pattern (filter, "*.json");
  return filter;
}

static void
open_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Open Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  {
    g_autoptr (GtkFileFilter) filter = model_filter ();

    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  }
  g_signal_connect (self->chooser, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
save_as_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);

  form_changed (self);
  save_as (self);
}

static void
save_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  save (ST_WINDOW (widget));
}

static void
preset_asked (StWindow *self, gboolean go_on, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!go_on)
    return;
  if (!load_model (self, data, &error))
    toast (self, error->message);
}

static void
lesson_asked (StWindow *self, gboolean go_on, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (go_on && !st_window_open_lesson (self, data, &error))
    toast (self, error->message);
}

static void
lesson_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  ask_about_changes (ST_WINDOW (widget), lesson_asked,
                     g_variant_dup_string (parameter, NULL), g_free);
}

gboolean
st_window_open_lesson (StWindow *self, const char *name, GError **error)
{
  g_autoptr (StLesson) lesson = NULL;

  g_return_val_if_fail (ST_IS_WINDOW (self) && name != NULL, FALSE);

  if (run_live (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("a lesson opens once the run has ended"));
      return FALSE;
    }
  lesson = st_lesson_load (name, error);
  if (lesson == NULL)
    return FALSE;
  load_model_copy (self, st_spec_copy (lesson->spec));
  /* its own weights and images, not those the model would start a run with, also after an
   * edit of the model (refresh_activations) */
  st_activations_view_show_lesson (self->activations, lesson);
  self->lesson = g_steal_pointer (&lesson);
  self->activations_stale = FALSE;
  adw_view_stack_set_visible_child_name (self->view_stack, "activations");
  toast (self, self->lesson->description);
  return TRUE;
}

/* Undo takes a preset back, but the edits it replaces may be all the person has of them. */
static void
preset_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  ask_about_changes (ST_WINDOW (widget), preset_asked,
                     g_variant_dup_string (parameter, NULL), g_free);
}

static void
undo_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_model_document_undo (ST_WINDOW (widget)->document);
}

static void
redo_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_model_document_redo (ST_WINDOW (widget)->document);
}

/* ---- layers -------------------------------------------------------------------------- */

static void
report (StWindow *self, GError *error)
{
  if (error != NULL)
    toast (self, error->message);
}

static void
add_layer_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNodePlace place;
  StNode *node;

  st_layer_list_insert_place (self->layer_list, &place);
  node = st_model_document_insert (self->document, &place, g_variant_get_string (parameter, NULL),
                                   &error);
  if (node != NULL)
    st_layer_list_select_node (self->layer_list, node);
  report (self, error);
}

static void
delete_layer_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNode *node = selected_node (self);

  if (node != NULL)
    st_model_document_remove (self->document, node, &error);
  report (self, error);
}

static void
duplicate_layer_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNode *node = selected_node (self);
  StNode *copy = node != NULL ? st_model_document_duplicate (self->document, node, &error) : NULL;

  if (copy != NULL)
    st_layer_list_select_node (self->layer_list, copy);
  report (self, error);
}

static void
move_selected (StWindow *self, gboolean up)
{
  g_autoptr (GError) error = NULL;
  StNode *node = selected_node (self);
  StNodePlace place;

  if (node == NULL || !st_model_document_find (self->document, node, &place))
    return;
  if (up)
    {
      if (place.index == 0)
        return;
      place.index--;
    }
  else
    {
      if (place.index + 1 >= place.seq->len)
        return;
      place.index += 2;                 /* read before the move: after the next layer */
    }
  if (st_model_document_move (self->document, node, &place, &error))
    st_layer_list_select_node (self->layer_list, node);
  report (self, error);
}

static void
move_up_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  move_selected (ST_WINDOW (widget), TRUE);
}

static void
move_down_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  move_selected (ST_WINDOW (widget), FALSE);
}

/* ---- training and what it shows -------------------------------------------------------- */

static gboolean
run_live (StWindow *self)
{
  return st_trainer_state_is_live (st_train_panel_get_state (self->train_panel));
}

static gboolean
activations_visible (StWindow *self)
{
  return self->activations != NULL
         && g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "activations") == 0;
}

/* The activations of the model as it is now, on the recipe's dataset, with the best weights
 * there are: loaded by hand, else the last run's (when it trained on that dataset), else the
 * ones a run would start from. */
static void
refresh_activations (StWindow *self)
{
  StTrainConfig config = { 0 };

  if (run_live (self))
    {
      st_train_panel_request_snapshot (self->train_panel,
                                       st_activations_view_get_example (self->activations));
      return;
    }
  /* a lesson, edited: its images and its weights where they still fit */
  if (self->lesson != NULL && self->weights_path == NULL && self->run_best == NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StLesson) edited = st_lesson_with_spec (self->lesson,
                                                         st_model_document_get_spec (self->document),
                                                         &error);

      if (edited != NULL)
        {
          st_activations_view_show_lesson (self->activations, edited);
          self->activations_stale = FALSE;
          return;
        }
      toast (self, error->message);
      g_clear_pointer (&self->lesson, st_lesson_free);
    }
  st_train_panel_get_config (self->train_panel, &config);
  if (self->weights_path == NULL && self->run_best != NULL
      && g_strcmp0 (self->run_best->spec->training.dataset, config.dataset) == 0)
    st_activations_view_show_run_best (self->activations, self->run_best);
  else
    st_activations_view_set_model (self->activations,
                                   st_model_document_get_spec (self->document),
                                   self->weights_path, config.dataset);
  st_train_config_clear (&config);
  self->activations_stale = FALSE;
}

static void
visible_page_changed (StWindow *self)
{
  if (activations_visible (self) && self->activations_stale && !run_live (self))
    refresh_activations (self);
}

static char *
model_base_name (StWindow *self, const char *suffix)
{
  const StSpec *spec = st_model_document_get_spec (self->document);
  g_autofree char *base = g_strdup (spec->name != NULL && spec->name[0] != '\0' ? spec->name
                                                                               : "model");

  g_strcanon (base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", '_');
  return g_strconcat (base, suffix, NULL);
}

/* "LeNet-5 · fashion-mnist · SGD lr 0.9 · batch 256": what an exported chart says it shows. */
static char *
run_title (StWindow *self)
{
  const StSpec *spec = st_model_document_get_spec (self->document);
  const StTrainConfig *tc = &spec->training;
  char lr[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (lr, sizeof lr, "%g", tc->optimizer.lr);
  return g_strdup_printf ("%s · %s · %s lr %s · batch %d",
                          spec->name != NULL && spec->name[0] != '\0' ? spec->name : "model",
                          tc->dataset != NULL ? tc->dataset : "", st_optim_name (tc->optimizer.type),
                          lr, tc->batch_size);
}

/* While a run is live, the document may be edited away from the model it trains: both pages
 * say so (the Activations page's pictures, layer names included, are the running network's). */
static void
update_run_hint (StWindow *self)
{
  g_autofree char *now = NULL;
  gboolean outdated = FALSE;

  if (self->run_model != NULL && run_live (self))
    {
      now = st_spec_to_json (st_model_document_get_spec (self->document));
      outdated = g_strcmp0 (now, self->run_model) != 0;
    }
  gtk_widget_set_visible (self->run_hint, outdated);
  st_activations_view_set_run_outdated (self->activations, outdated);
}

/* The run trains a copy of the document's model with the form's recipe, as the panel made. */
static void
run_started (StWindow *self, int planned_epochs)
{
  const StSpec *document = st_model_document_get_spec (self->document);
  g_autofree char *title = run_title (self);
  g_autofree char *stem = model_base_name (self, "");
  g_autoptr (StSpec) run = st_spec_copy (document);

  st_chart_panel_set_run_name (self->chart_panel, title, stem);
  st_chart_panel_begin_run (self->chart_panel, planned_epochs);
  run->has_training = TRUE;
  st_train_config_clear (&run->training);
  st_train_panel_get_config (self->train_panel, &run->training);
  g_free (self->run_model);
  self->run_model = st_spec_to_json (document);
  st_activations_view_begin_run (self->activations, run, NULL);
  st_insight_view_clear (self->insight, title);
  update_run_hint (self);
}

static void
run_progress (StWindow *self, gpointer event)
{
  const StTrainerEvent *e = event;

  if (e->kind == ST_TRAINER_EVENT_INSIGHT)
    st_insight_view_add_epoch (self->insight, e->insight, e->projection);
  else
    st_chart_panel_add_event (self->chart_panel, event);
}

static void
run_snapshot (StWindow *self, gpointer snapshot)
{
  st_activations_view_show_snapshot (self->activations, snapshot);
}

static void
run_finished (StWindow *self, gboolean stopped, const char *weights)
{
  StBestWeights *best = st_train_panel_get_best (self->train_panel);

  g_clear_pointer (&self->run_model, g_free);
  update_run_hint (self);
  st_runs_view_reload (self->runs_view);
  st_activations_view_set_live (self->activations, FALSE);
  if (best == NULL)
    {
      /* No epoch ended: the page goes back to what it showed before the run, and says so. */
      st_activations_view_show_run_best (self->activations, NULL);
      update_actions (self);
      return;
    }
  /* The run's best epoch is the one to look at now, whether it finished, stopped or
   * diverged. */
  g_clear_pointer (&self->weights_path, g_free);
  g_clear_pointer (&self->run_best, st_best_weights_unref);
  self->run_best = st_best_weights_ref (best);
  self->activations_stale = TRUE;
  if (activations_visible (self))
    refresh_activations (self);
  update_actions (self);
}

static void
snapshot_requested (StWindow *self, gint64 example)
{
  st_train_panel_request_snapshot (self->train_panel, example);
}

static void
show_message (StWindow *self, const char *message)
{
  toast (self, message);
}

/* The panel's state-changed brings update_actions (). */
static void
train_start_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);

  st_train_panel_set_spec (self->train_panel, st_model_document_get_spec (self->document));
  st_train_panel_start (self->train_panel);
}

static void
train_pause_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_train_panel_pause (ST_WINDOW (widget)->train_panel);
}

static void
train_stop_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_train_panel_stop (ST_WINDOW (widget)->train_panel);
}

static void
show_training_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  adw_view_stack_set_visible_child_name (ST_WINDOW (widget)->view_stack, "training");
}

static void
show_activations_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  adw_view_stack_set_visible_child_name (ST_WINDOW (widget)->view_stack, "activations");
}

static void
refresh_activations_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, "activations");
  refresh_activations (self);
}

/* ---- export and weights ---------------------------------------------------------------- */

typedef void (*ChosenFunc) (StWindow *self, const char *path);

static void
chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StWindow *self = user_data;
  ChosenFunc func = g_object_get_data (G_OBJECT (dialog), "st-chosen");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        func (self, path);
    }
  chooser_finish (self);
}

static void
choose_file (StWindow *self, const char *title, GtkFileChooserAction action, const char *name,
             const char *pattern, ChosenFunc func)
{
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, NULL, NULL);
  if (name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  if (pattern != NULL)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_add_pattern (filter, pattern);
      gtk_file_filter_set_name (filter, pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
    }
  g_object_set_data (G_OBJECT (self->chooser), "st-chosen", func);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}


/* A file name Python can import: "LeNet-5" gives lenet_5.py. */
static char *
python_module_name (StWindow *self)
{
  g_autofree char *base = model_base_name (self, "");
  g_autofree char *lower = g_ascii_strdown (base, -1);

  g_strcanon (lower, "abcdefghijklmnopqrstuvwxyz0123456789_", '_');
  return g_strconcat (g_ascii_isdigit (lower[0]) || lower[0] == '\0' ? "model_" : "", lower,
                      ".py", NULL);
}

char *
st_window_suggest_name (StWindow *self, StWindowExport what)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);

  switch (what)
    {
    case ST_WINDOW_EXPORT_CHART:
      return st_chart_panel_suggest_name (self->chart_panel, "png");
    case ST_WINDOW_EXPORT_PYTORCH:
      return python_module_name (self);
    case ST_WINDOW_EXPORT_ONNX:
      return model_base_name (self, ".onnx");
    case ST_WINDOW_EXPORT_PYTORCH_TRAIN:
      {
        g_autofree char *module = python_module_name (self);

        /* "lenet_5.py" → "lenet_5-pytorch" */
        module[strlen (module) - 3] = '\0';
        return g_strconcat (module, "-pytorch", NULL);
      }
    case ST_WINDOW_EXPORT_WEIGHTS:
    default:
      return model_base_name (self, ".safetensors");
    }
}

static void
export_pytorch_to (StWindow *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;

  form_changed (self);
  code = st_spec_to_pytorch (st_model_document_get_spec (self->document), &error);

  if (code == NULL || !st_atomic_file_set_contents (path, code, strlen (code), 0644, &error))
    toast (self, error->message);
  else
    {
      g_autofree char *done = g_strdup_printf (_("Wrote %s"), path);

      toast (self, done);
    }
}

static void
export_pytorch_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autofree char *suggested = st_window_suggest_name (self, ST_WINDOW_EXPORT_PYTORCH);

  form_changed (self);
  choose_file (self, _("Export as PyTorch Code"), GTK_FILE_CHOOSER_ACTION_SAVE, suggested, "*.py",
               export_pytorch_to);
}

/* The model as ONNX, off the main thread: its weights are those loaded by hand, else the last
 * run's best, else the ones a run starts from. */
typedef struct {
  StSpec *spec;
  char   *weights;
  char   *path;
} OnnxExport;

static void
onnx_export_free (OnnxExport *e)
{
  st_spec_free (e->spec);
  g_free (e->weights);
  g_free (e->path);
  g_free (e);
}

static void
onnx_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const OnnxExport *e = data;
  GError *error = NULL;

  if (!st_spec_to_onnx (e->spec, e->weights, e->path, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
onnx_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StWindow *self = ST_WINDOW (source);
  const OnnxExport *e = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree char *done = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      toast (self, error->message);
      return;
    }
  done = e->weights != NULL ? g_strdup_printf (_("Wrote %s"), e->path)
                            : g_strdup_printf (_("Wrote %s, with the weights a run starts from"),
                                               e->path);
  toast (self, done);
}

void
st_window_export_onnx (StWindow *self, const char *path)
{
  const char *weights = self->weights_path != NULL
                        ? self->weights_path : st_train_panel_get_weights_path (self->train_panel);
  g_autoptr (GTask) task = NULL;
  OnnxExport *e;

  form_changed (self);
  e = g_new0 (OnnxExport, 1);
  e->spec = st_spec_copy (st_model_document_get_spec (self->document));
  e->weights = g_strdup (weights);
  e->path = g_strdup (path);
  task = g_task_new (self, NULL, onnx_done, NULL);
  g_task_set_task_data (task, e, (GDestroyNotify) onnx_export_free);
  g_task_run_in_thread (task, onnx_thread);
}

static void
export_onnx_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autofree char *suggested = st_window_suggest_name (self, ST_WINDOW_EXPORT_ONNX);

  form_changed (self);
  choose_file (self, _("Export as ONNX"), GTK_FILE_CHOOSER_ACTION_SAVE, suggested, "*.onnx",
               st_window_export_onnx);
}

/* The training package for PyTorch, off the main thread. */
typedef struct {
  StSpec *spec;
  char   *dir;
} PackageExport;

static void
package_export_free (PackageExport *e)
{
  st_spec_free (e->spec);
  g_free (e->dir);
  g_free (e);
}

static void
package_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const PackageExport *e = data;
  GError *error = NULL;

  if (!st_pytorch_train_write (e->spec, e->dir, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
package_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StWindow *self = ST_WINDOW (source);
  const PackageExport *e = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree char *done = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      toast (self, error->message);
      return;
    }
  done = g_strdup_printf (_("Wrote the training package in %s"), e->dir);
  toast (self, done);
}

void
st_window_export_pytorch_train (StWindow *self, const char *dir)
{
  g_autoptr (GTask) task = NULL;
  PackageExport *e;

  g_return_if_fail (ST_IS_WINDOW (self));
  g_return_if_fail (dir != NULL);

  form_changed (self);
  e = g_new0 (PackageExport, 1);
  e->spec = st_spec_copy (st_model_document_get_spec (self->document));
  e->dir = g_strdup (dir);
  task = g_task_new (self, NULL, package_done, NULL);
  g_task_set_task_data (task, e, (GDestroyNotify) package_export_free);
  g_task_run_in_thread (task, package_thread);
}

static void
export_pytorch_train_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autofree char *suggested = st_window_suggest_name (self, ST_WINDOW_EXPORT_PYTORCH_TRAIN);

  form_changed (self);
  /* the name of the folder to make, as Save proposes a file's */
  choose_file (self, _("Export a PyTorch Training Package"), GTK_FILE_CHOOSER_ACTION_SAVE,
               suggested, NULL, st_window_export_pytorch_train);
}

static void
export_chart_to (StWindow *self, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (!st_chart_panel_export (self->chart_panel, path, 1200, 600, &error))
    toast (self, error->message);
}

static void
export_chart_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autofree char *suggested = st_window_suggest_name (self, ST_WINDOW_EXPORT_CHART);

  /* the same name and button as the chart's own Export menu */
  choose_file (self, _("Export Chart"), GTK_FILE_CHOOSER_ACTION_SAVE, suggested, NULL,
               export_chart_to);
  gtk_native_dialog_set_title (GTK_NATIVE_DIALOG (self->chooser), _("Export Chart"));
  gtk_file_chooser_native_set_accept_label (self->chooser, _("_Export"));
}

/* The run's weights copied to where the person chose, off the main thread, through an
 * atomic file (links followed, special files refused, the mode kept). */
typedef struct {
  char *from;
  char *to;
} WeightsCopy;

static void
weights_copy_free (WeightsCopy *c)
{
  g_free (c->from);
  g_free (c->to);
  g_free (c);
}

static void
copy_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const WeightsCopy *c = data;
  g_autofree char *bytes = NULL;
  GError *error = NULL;
  gsize len = 0;

  if (!g_file_get_contents (c->from, &bytes, &len, &error)
      || !st_atomic_file_set_contents (c->to, bytes, len, 0644, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
copy_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StWindow *self = ST_WINDOW (source);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    toast (self, error->message);
}

static void
save_weights_to (StWindow *self, const char *path)
{
  const char *from = self->weights_path != NULL ? self->weights_path
                                                : st_train_panel_get_weights_path (self->train_panel);
  g_autoptr (GTask) task = NULL;
  WeightsCopy *c;

  if (from == NULL)
    {
      toast (self, _("There are no weights yet: train the model first"));
      return;
    }
  c = g_new0 (WeightsCopy, 1);
  c->from = g_strdup (from);
  c->to = g_strdup (path);
  task = g_task_new (self, NULL, copy_done, NULL);
  g_task_set_task_data (task, c, (GDestroyNotify) weights_copy_free);
  g_task_run_in_thread (task, copy_thread);
}

static void
save_weights_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autofree char *suggested = st_window_suggest_name (self, ST_WINDOW_EXPORT_WEIGHTS);

  choose_file (self, _("Save Weights"), GTK_FILE_CHOOSER_ACTION_SAVE, suggested, "*.safetensors",
               save_weights_to);
}

static void
load_weights_from (StWindow *self, const char *path)
{
  g_free (self->weights_path);
  self->weights_path = g_strdup (path);
  adw_view_stack_set_visible_child_name (self->view_stack, "activations");
  refresh_activations (self);
  update_actions (self);
}

static void
load_weights_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  choose_file (ST_WINDOW (widget), _("Load Weights"), GTK_FILE_CHOOSER_ACTION_OPEN, NULL,
               "*.safetensors", load_weights_from);
}

/* ---- the runs ------------------------------------------------------------------------- */

/* The runs ticked are drawn in both charts: beside the table, and behind the live run. */
static void
compare_changed (StWindow *self)
{
  g_autoptr (GPtrArray) runs = st_runs_view_get_compared (self->runs_view);

  st_chart_panel_set_compared (self->runs_chart, runs);
  st_chart_panel_set_compared (self->chart_panel, runs);
  gtk_widget_set_visible (GTK_WIDGET (self->runs_chart), runs->len > 0);
}

/* The run in run_dir's model, untitled, in the builder; NULL (and a toast) when it does not
 * read. */
static StSpec *
read_run_model (StWindow *self, const char *run_dir)
{
  g_autofree char *model = g_build_filename (run_dir, "model.strata.json", NULL);
  g_autofree char *name = g_path_get_basename (run_dir);
  g_autoptr (GError) error = NULL;
  StSpec *spec = st_spec_load_from_file (model, &error);

  if (spec == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open the run “%s”: %s"), name,
                                                  error->message);

      toast (self, message);
    }
  return spec;
}

static void
open_run_asked (StWindow *self, gboolean go_on, gpointer data)
{
  const char *run_dir = data;
  g_autofree char *best = g_build_filename (run_dir, "best.safetensors", NULL);
  g_autofree char *name = g_path_get_basename (run_dir);
  StSpec *spec;

  if (!go_on || (spec = read_run_model (self, run_dir)) == NULL)
    return;
  load_model_copy (self, spec);
  if (g_file_test (best, G_FILE_TEST_IS_REGULAR))
    load_weights_from (self, best);
  else
    {
      g_autofree char *message = g_strdup_printf (_("The run “%s” has no best weights yet"),
                                                  name);

      toast (self, message);
    }
}

/* Continue: the run's model with as many epochs as it planned (twice what it did, when it
 * did them all), training from its checkpoint on the Training page. */
static void
continue_run_asked (StWindow *self, gboolean go_on, gpointer data)
{
  const char *run_dir = data;
  g_autofree char *checkpoint = g_build_filename (run_dir, "checkpoint.safetensors", NULL);
  g_autoptr (StRun) run = NULL;
  StSpec *spec;

  if (!go_on || (spec = read_run_model (self, run_dir)) == NULL)
    return;
  run = st_run_load (run_dir, FALSE, NULL);
  if (run != NULL)
    spec->training.epochs = run->epochs_done < run->epochs_planned
                              ? run->epochs_planned
                              : MIN (2 * MAX (run->epochs_done, 1), ST_TRAIN_MAX_EPOCHS);
  load_model_copy (self, spec);
  adw_view_stack_set_visible_child_name (self->view_stack, "training");
  st_train_panel_continue (self->train_panel, checkpoint);
}

void
st_window_continue_run (StWindow *self, const char *run_dir)
{
  g_return_if_fail (ST_IS_WINDOW (self));
  g_return_if_fail (run_dir != NULL);

  if (st_trainer_state_is_live (st_train_panel_get_state (self->train_panel)))
    {
      toast (self, _("A run is training: stop it before continuing another"));
      return;
    }
  ask_about_changes (self, continue_run_asked, g_strdup (run_dir), g_free);
}

void
st_window_open_run (StWindow *self, const char *run_dir)
{
  g_return_if_fail (ST_IS_WINDOW (self));
  g_return_if_fail (run_dir != NULL);

  ask_about_changes (self, open_run_asked, g_strdup (run_dir), g_free);
}

static void
show_activations_page (StWindow *self, gint64 example)
{
  adw_view_stack_set_visible_child_name (self->view_stack, "activations");
}

static void
inside_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (StWindow) self = data;
  g_autoptr (GError) error = NULL;

  if (st_insight_view_show_run_finish (ST_INSIGHT_VIEW (source), result, &error))
    adw_view_stack_set_visible_child_name (self->view_stack, "inside");
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_message (self, error->message);
}

void
st_window_show_inside (StWindow *self, const char *run_dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StRun) run = NULL;

  g_return_if_fail (ST_IS_WINDOW (self) && run_dir != NULL);

  run = st_run_load (run_dir, FALSE, &error);
  if (run == NULL)
    {
      show_message (self, error->message);
      return;
    }
  st_insight_view_show_run_async (self->insight, run_dir, run->name, run->dataset, inside_read,
                                  g_object_ref (self));
}

static void
build_runs_page (StWindow *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  AdwViewStackPage *page;

  self->runs_view = ST_RUNS_VIEW (st_runs_view_new ());
  self->runs_chart = ST_CHART_PANEL (st_chart_panel_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->runs_view), -1, 160);
  gtk_widget_set_size_request (GTK_WIDGET (self->runs_chart), -1, 240);
  gtk_widget_set_visible (GTK_WIDGET (self->runs_chart), FALSE);
  gtk_paned_set_start_child (GTK_PANED (paned), GTK_WIDGET (self->runs_view));
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (self->runs_chart));
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  page = adw_view_stack_add_titled (self->view_stack, paned, "runs", _("Runs"));
  adw_view_stack_page_set_icon_name (page, "document-open-recent-symbolic");
  g_signal_connect_swapped (self->runs_view, "compare-changed", G_CALLBACK (compare_changed),
                            self);
  g_signal_connect_swapped (self->runs_view, "open-run", G_CALLBACK (st_window_open_run), self);
  g_signal_connect_swapped (self->runs_view, "continue-run", G_CALLBACK (st_window_continue_run),
                            self);
  g_signal_connect_swapped (self->runs_view, "inside-run", G_CALLBACK (st_window_show_inside),
                            self);
  g_signal_connect_swapped (self->runs_chart, "message", G_CALLBACK (show_message), self);
}

/* ---- construction ---------------------------------------------------------------------- */

static GMenuModel *
presets_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) models = g_menu_new ();
  g_autoptr (GMenu) lessons = g_menu_new ();
  const char * const *names = st_preset_names ();
  const char * const *lesson_names = st_lesson_names ();

  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (names[i], NULL);

      g_menu_item_set_action_and_target (item, "win.preset", "s", names[i]);
      g_menu_append_item (models, item);
    }
  for (gsize i = 0; lesson_names[i] != NULL; i++)
    {
      g_autoptr (StLesson) lesson = st_lesson_load (lesson_names[i], NULL);
      g_autoptr (GMenuItem) item = NULL;

      if (lesson == NULL)
        continue;
      item = g_menu_item_new (lesson->title, NULL);
      g_menu_item_set_action_and_target (item, "win.lesson", "s", lesson_names[i]);
      g_menu_append_item (lessons, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (models));
  g_menu_append_section (menu, _("Lessons"), G_MENU_MODEL (lessons));
  return G_MENU_MODEL (menu);
}

/* A card clicked in the builder: the Activations page's layer inspector shows that layer
 * (when the model it shows has it; the page stays where the person is). */
static void
card_selected (StWindow *self)
{
  StLayerItem *item = st_layer_list_get_selected (self->layer_list);
  const char *shown = item != NULL ? st_layer_item_get_path (item) : NULL;
  g_autofree char *path = NULL;

  /* the card shows "(3.body.2)" */
  if (shown == NULL || shown[0] != '(' || !g_str_has_suffix (shown, ")"))
    return;
  path = g_strndup (shown + 1, strlen (shown) - 2);
  st_activations_view_select_layer (self->activations, path);
}

/* The palette, the layer stack, and Delete on the stack (not in a field, where it edits). */
static void
build_builder (StWindow *self)
{
  GtkWidget *palette = st_layer_palette_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();

  gtk_widget_add_css_class (palette, "background");
  adw_flap_set_flap (self->palette_flap, palette);
  adw_flap_set_separator (self->palette_flap, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  self->layer_list = ST_LAYER_LIST (st_layer_list_new (self->document));
  gtk_widget_set_hexpand (GTK_WIDGET (self->layer_list), TRUE);
  adw_flap_set_content (self->palette_flap, GTK_WIDGET (self->layer_list));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                      gtk_named_action_new ("win.delete-layer")));
  gtk_widget_add_controller (GTK_WIDGET (self->layer_list), keys);
  g_signal_connect_swapped (st_layer_list_get_model (self->layer_list), "items-changed",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->layer_list, "selection-changed",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->layer_list, "selection-changed",
                            G_CALLBACK (card_selected), self);
}

/* The chart takes the larger share of the page's height: once the page has a height, the
 * settings get two fifths of it, and the chart all that the window grows by after that. */
#define SETTINGS_SHARE 0.4

static gboolean
place_training_paned (GtkWidget *paned, GdkFrameClock *clock, gpointer data)
{
  int height = gtk_widget_get_height (paned);

  if (height <= 0)
    return G_SOURCE_CONTINUE;
  gtk_paned_set_position (GTK_PANED (paned), (int) (height * SETTINGS_SHARE));
  return G_SOURCE_REMOVE;
}

/* Training and its chart on one page, the activations on the other. */
static void
build_pages (StWindow *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *page_box;
  AdwViewStackPage *page;

  self->train_panel = ST_TRAIN_PANEL (st_train_panel_new ());
  self->chart_panel = ST_CHART_PANEL (st_chart_panel_new ());
  self->activations = ST_ACTIVATIONS_VIEW (st_activations_view_new ());

  /* The panel scrolls its settings itself; its controls and progress stay in view. */
  gtk_paned_set_start_child (GTK_PANED (paned), GTK_WIDGET (self->train_panel));
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (self->chart_panel));
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_widget_add_tick_callback (paned, place_training_paned, NULL, NULL);
  gtk_widget_set_vexpand (paned, TRUE);

  self->run_hint = gtk_label_new (_("The run trains the model as it was when it started; "
                                    "your edits apply to the next run."));
  gtk_widget_set_name (self->run_hint, "run-hint-training");
  gtk_label_set_wrap (GTK_LABEL (self->run_hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->run_hint), 0.0);
  gtk_widget_set_margin_start (self->run_hint, 12);
  gtk_widget_set_margin_end (self->run_hint, 12);
  gtk_widget_set_margin_top (self->run_hint, 6);
  gtk_widget_set_margin_bottom (self->run_hint, 6);
  gtk_widget_add_css_class (self->run_hint, "warning");
  gtk_widget_set_visible (self->run_hint, FALSE);
  page_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (page_box), self->run_hint);
  gtk_box_append (GTK_BOX (page_box), paned);

  page = adw_view_stack_add_titled (self->view_stack, page_box, "training", _("Training"));
  adw_view_stack_page_set_icon_name (page, "media-playback-start-symbolic");
  page = adw_view_stack_add_titled (self->view_stack, GTK_WIDGET (self->activations),
                                    "activations", _("Activations"));
  adw_view_stack_page_set_icon_name (page, "view-grid-symbolic");
  self->insight = ST_INSIGHT_VIEW (st_insight_view_new ());
  st_insight_view_set_activations (self->insight, self->activations);
  page = adw_view_stack_add_titled (self->view_stack, GTK_WIDGET (self->insight), "inside",
                                    _("Inside"));
  adw_view_stack_page_set_icon_name (page, "view-reveal-symbolic");
  g_signal_connect_swapped (self->insight, "open-image", G_CALLBACK (show_activations_page),
                            self);
  build_runs_page (self);

  g_signal_connect_swapped (self->train_panel, "state-changed", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->train_panel, "run-started", G_CALLBACK (run_started), self);
  g_signal_connect_swapped (self->train_panel, "progress", G_CALLBACK (run_progress), self);
  g_signal_connect_swapped (self->train_panel, "snapshot", G_CALLBACK (run_snapshot), self);
  g_signal_connect_swapped (self->train_panel, "finished", G_CALLBACK (run_finished), self);
  g_signal_connect_swapped (self->train_panel, "message", G_CALLBACK (show_message), self);
  g_signal_connect_swapped (self->train_panel, "config-changed", G_CALLBACK (form_changed), self);
  g_signal_connect_swapped (self->chart_panel, "message", G_CALLBACK (show_message), self);
  g_signal_connect_swapped (self->activations, "snapshot-requested",
                            G_CALLBACK (snapshot_requested), self);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child",
                            G_CALLBACK (visible_page_changed), self);
}

static void
st_window_dispose (GObject *object)
{
  StWindow *self = ST_WINDOW (object);

  g_clear_object (&self->chooser);
  g_clear_pointer (&self->weights_path, g_free);
  g_clear_pointer (&self->run_best, st_best_weights_unref);
  g_clear_pointer (&self->lesson, st_lesson_free);
  g_clear_pointer (&self->run_model, g_free);
  g_clear_pointer (&self->pending, pending_free);
  if (self->ask_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ask_dialog, self);
      gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->ask_dialog)));
    }
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), ST_TYPE_WINDOW);
  G_OBJECT_CLASS (st_window_parent_class)->dispose (object);
}

static void
st_window_class_init (StWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = st_window_dispose;
  window_class->close_request = st_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/strata/Strata/strata-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, StWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, StWindow, presets_button);
  gtk_widget_class_bind_template_child (widget_class, StWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, StWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, StWindow, palette_flap);
  gtk_widget_class_bind_template_child (widget_class, StWindow, view_stack);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_activated);
  gtk_widget_class_install_action (widget_class, "win.preset", "s", preset_activated);
  gtk_widget_class_install_action (widget_class, "win.lesson", "s", lesson_activated);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_activated);
  gtk_widget_class_install_action (widget_class, "win.add-layer", "s", add_layer_activated);
  gtk_widget_class_install_action (widget_class, "win.delete-layer", NULL, delete_layer_activated);
  gtk_widget_class_install_action (widget_class, "win.duplicate-layer", NULL,
                                   duplicate_layer_activated);
  gtk_widget_class_install_action (widget_class, "win.move-up", NULL, move_up_activated);
  gtk_widget_class_install_action (widget_class, "win.move-down", NULL, move_down_activated);
  gtk_widget_class_install_action (widget_class, "win.train-start", NULL, train_start_activated);
  gtk_widget_class_install_action (widget_class, "win.train-pause", NULL, train_pause_activated);
  gtk_widget_class_install_action (widget_class, "win.train-stop", NULL, train_stop_activated);
  gtk_widget_class_install_action (widget_class, "win.show-training", NULL,
                                   show_training_activated);
  gtk_widget_class_install_action (widget_class, "win.show-activations", NULL,
                                   show_activations_activated);
  gtk_widget_class_install_action (widget_class, "win.refresh-activations", NULL,
                                   refresh_activations_activated);
  gtk_widget_class_install_action (widget_class, "win.export-pytorch", NULL,
                                   export_pytorch_activated);
  gtk_widget_class_install_action (widget_class, "win.export-onnx", NULL, export_onnx_activated);
  gtk_widget_class_install_action (widget_class, "win.export-pytorch-train", NULL,
                                   export_pytorch_train_activated);
  gtk_widget_class_install_action (widget_class, "win.export-chart", NULL, export_chart_activated);
  gtk_widget_class_install_action (widget_class, "win.save-weights", NULL, save_weights_activated);
  gtk_widget_class_install_action (widget_class, "win.load-weights", NULL, load_weights_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "win.duplicate-layer", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.move-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.move-down",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.train-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, GDK_SHIFT_MASK, "win.train-stop",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-training",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK,
                                       "win.show-activations", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.refresh-activations", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.export-pytorch", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.export-chart", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-weights", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.load-weights", NULL);
}

static void
load_css (void)
{
  static gboolean loaded;
  g_autoptr (GtkCssProvider) provider = NULL;

  if (loaded)
    return;
  loaded = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/strata/Strata/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* GTK 4.8's shortcuts window writes a key it has no label of its own for by its keysym name
 * ("Page_Up"); such a key cap gets the key's label as menus show it ("Page Up", translated). */
static void
relabel_key_caps (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *text = GTK_IS_LABEL (child) ? gtk_label_get_text (GTK_LABEL (child)) : NULL;
      guint key = text != NULL && strchr (text, '_') != NULL ? gdk_keyval_from_name (text)
                                                             : GDK_KEY_VoidSymbol;

      if (key != GDK_KEY_VoidSymbol && key != 0
          && gtk_widget_get_ancestor (child, GTK_TYPE_SHORTCUT_LABEL) != NULL)
        {
          g_autofree char *label = gtk_accelerator_get_label (key, 0);

          gtk_label_set_text (GTK_LABEL (child), label);
        }
      relabel_key_caps (child);
    }
}

/* The application gives the window its shortcuts window as it takes the window in. */
static void
application_set (StWindow *self, GParamSpec *pspec, gpointer data)
{
  GtkShortcutsWindow *overlay =
    gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self));

  if (overlay != NULL)
    relabel_key_caps (GTK_WIDGET (overlay));
}

/* F6 pauses wherever the focus is: ahead of the panes, whose own F6 moves the focus between
 * them. While there is no run to pause, it goes on to them. */
static void
add_capture_keys (StWindow *self)
{
  GtkEventController *keys = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F6, 0),
                      gtk_named_action_new ("win.train-pause")));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

static void
st_window_init (StWindow *self)
{
  g_autoptr (GMenuModel) menu = presets_menu ();
  g_autoptr (GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css ();
  gtk_menu_button_set_menu_model (self->presets_button, menu);

  g_signal_connect (self, "notify::application", G_CALLBACK (application_set), NULL);
  self->document = st_model_document_new ();
  g_signal_connect_swapped (self->document, "notify", G_CALLBACK (document_notify), self);
  build_builder (self);
  build_pages (self);
  g_signal_connect_swapped (self->document, "changed", G_CALLBACK (document_changed), self);
  add_capture_keys (self);

  if (!load_model (self, "lenet5", &error))
    g_warning ("%s", error->message);
}

StWindow *
st_window_new (GtkApplication *app)
{
  return g_object_new (ST_TYPE_WINDOW, "application", app, NULL);
}

StModelDocument *
st_window_get_document (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return self->document;
}

GtkWidget *
st_window_get_layer_list (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->layer_list);
}

GtkWidget *
st_window_get_train_panel (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->train_panel);
}

GtkWidget *
st_window_get_chart_panel (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->chart_panel);
}

GtkWidget *
st_window_get_activations (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->activations);
}

GtkWidget *
st_window_get_runs_view (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->runs_view);
}

GtkWidget *
st_window_get_insight_view (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->insight);
}

GtkWidget *
st_window_get_runs_chart (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->runs_chart);
}
