/* activations-view.c: the test images as the network sees them, and where it goes wrong. */
#define G_LOG_DOMAIN "strata-activations"

#include "strata-config.h"

#include <adwaita.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ui/activations-view.h"
#include "core/engine/confusion.h"
#include "ui/activations-gallery.h"
#include "ui/activations-jobs.h"
#include "ui/activations-view-private.h"
#include "ui/render/class-render.h"
#include "ui/render/grid-render.h"

#define GALLERY_MAX 32          /* misclassified images drawn at once */
#define CLASS_NAME_MAX 64       /* a class's name as class_name () formats it */

/* Sizes of the exported pictures. */
#define EXPORT_INPUT        280
#define EXPORT_WIDE         900
#define EXPORT_MAPS_HEIGHT  600
#define EXPORT_SQUARE       640


G_DEFINE_FINAL_TYPE (StActivationsView, st_activations_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SNAPSHOT_REQUESTED,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *props[N_PROPS];

/* ---- workers -------------------------------------------------------------------------- */

void
st_activations_view_worker_started (StActivationsView *self)
{
  if (self->n_workers++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

void
st_activations_view_worker_ended (StActivationsView *self)
{
  if (--self->n_workers == 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

/* ---- what is shown ---------------------------------------------------------------------- */

/* The dataset's name of class k; an output past its classes stands for none. */
static const char *
class_name (StActivationsView *self, int k, char buf[CLASS_NAME_MAX])
{
  if (self->test != NULL && k >= 0 && k < self->test->n_classes)
    return self->test->class_names[k];
  if (self->test != NULL)
    g_snprintf (buf, CLASS_NAME_MAX, _("output %d"), k);
  else
    g_snprintf (buf, CLASS_NAME_MAX, "%d", k);
  return buf;
}

static const char *
gallery_name (gpointer self, int k, char *buf)
{
  return class_name (self, k, buf);
}

static void
init_options (StActivationsView *self, StGridOptions *options)
{
  st_grid_options_init (options);
  options->theme = adw_style_manager_get_dark (self->style_manager) ? ST_THEME_DARK
                                                                     : ST_THEME_LIGHT;
}

/* The bars to draw: a one-output net's p is class 1's probability, 1 - p class 0's. */
static StProbabilities
probabilities_of (StActivationsView *self)
{
  const StSnapshot *s = self->snapshot;
  StProbabilities p = { NULL, s->probabilities, s->n_classes, s->label };

  if (s->n_classes == 1)
    {
      self->binary_probs[0] = 1.0f - s->probabilities[0];
      self->binary_probs[1] = s->probabilities[0];
      p.probs = self->binary_probs;
      p.n_classes = 2;
    }
  g_strfreev (self->bar_names);
  self->bar_names = g_new0 (char *, p.n_classes + 1);
  for (int k = 0; k < p.n_classes; k++)
    {
      char buf[CLASS_NAME_MAX];

      self->bar_names[k] = g_strdup (class_name (self, k, buf));
    }
  p.class_names = (const char *const *) self->bar_names;
  return p;
}

StProbabilities
st_activations_view_get_probabilities (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), (StProbabilities) { NULL });

  return self->snapshot != NULL ? probabilities_of (self) : (StProbabilities) { NULL };
}

static StImageView
map_view (const StSnapshot *s, int i)
{
  return (StImageView) { s->maps[i], s->map_shapes[i].dim[0], s->map_shapes[i].dim[1],
                         s->map_shapes[i].dim[2] };
}

static StImageView
filters_view (StActivationsView *self)
{
  const gint64 *d = self->snapshot->filter_dims;

  return (StImageView) { self->filter_tiles, d[0], d[2], d[3] };
}

static void
queue_draws (StActivationsView *self)
{
  GtkDrawingArea *areas[] = { self->input_area, self->probabilities_area, self->maps1_area,
                              self->maps2_area, self->filters_area, self->confusion_area,
                              self->gallery_area };

  for (gsize i = 0; i < G_N_ELEMENTS (areas); i++)
    gtk_widget_queue_draw (GTK_WIDGET (areas[i]));
}

static gboolean
show_progress (gpointer data)
{
  GTask *task = data;
  StActivationsView *self = g_task_get_source_object (task);
  StActivationsJob *job = g_task_get_task_data (task);
  int total = g_atomic_int_get (&job->total), done = g_atomic_int_get (&job->done);
  g_autofree char *text = NULL;

  if (total > 0)
    text = g_strdup_printf (_("Evaluating the test set… %d %%"), (int) (100.0 * done / total));
  gtk_label_set_text (self->status_label, text != NULL ? text : _("Loading the test set…"));
  return G_SOURCE_CONTINUE;
}

static void
update_status (StActivationsView *self)
{
  g_autofree char *text = NULL;
  gboolean evaluating = self->evaluate_cancellable != NULL;

  gtk_spinner_set_spinning (self->spinner, evaluating);
  if (evaluating)
    text = g_strdup (_("Loading the test set…"));
  else if (self->live)
    text = g_strdup (_("Showing the network being trained"));
  else if (self->test != NULL && self->run_best != NULL)
    text = g_strdup_printf (_("Best of the run: epoch %d, %.1f %% of %d test images right"),
                            self->run_best->epoch, 100.0 * self->n_correct / self->test->n,
                            (int) self->test->n);
  else if (self->test != NULL)
    text = g_strdup_printf (_("%.1f %% of %d test images right (%s)"),
                            100.0 * self->n_correct / self->test->n, (int) self->test->n,
                            self->weights_name != NULL ? self->weights_name
                                                       : _("initial weights"));
  if (self->run_left_nothing && !evaluating && !self->live)
    {
      g_autofree char *shown = g_steal_pointer (&text);

      /* The run's weights were those of an unfinished first epoch, or NaN: never shown. */
      text = shown != NULL ? g_strdup_printf (_("The run ended before its first epoch; still "
                                                "shown: %s"), shown)
                           : g_strdup (_("The run ended before its first epoch: it has no "
                                         "weights to show"));
    }
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
}

/* Sets the class, number and count from self->example without reacting to the change. */
static void
sync_controls (StActivationsView *self)
{
  gboolean known = self->test != NULL && self->example < self->test->n;

  self->syncing = TRUE;
  if (known)
    {
      int k = self->test->labels[self->example];
      gint64 count = self->class_start[k + 1] - self->class_start[k];
      g_autofree char *of = g_strdup_printf (_("of %d"), (int) count);

      gtk_drop_down_set_selected (self->class_dropdown, k);
      gtk_spin_button_set_range (self->index_spin, 1, MAX (count, 1));
      gtk_spin_button_set_value (self->index_spin, self->rank[self->example] + 1);
      gtk_label_set_text (self->count_label, of);
    }
  else
    gtk_label_set_text (self->count_label, "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->class_dropdown), known);
  gtk_widget_set_sensitive (GTK_WIDGET (self->index_spin), known);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activations.previous", known);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activations.next", known);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activations.refresh", self->live);
  self->syncing = FALSE;
}

static void
update_snapshot_labels (StActivationsView *self)
{
  const StSnapshot *s = self->snapshot;
  char a[CLASS_NAME_MAX], b[CLASS_NAME_MAX];
  g_autofree char *example = NULL, *prediction = NULL, *maps1 = NULL, *maps2 = NULL;
  g_autofree char *filters = NULL;
  float p;

  if (s->example >= 0)
    example = g_strdup_printf (_("Test image %d: %s"), (int) s->example,
                               class_name (self, s->label, a));
  else if (self->source == ST_INPUT_DRAWING)
    example = g_strdup (_("Your drawing"));
  else
    example = g_strdup_printf (_("Your picture: %s"),
                               self->own != NULL ? self->own->name : "");
  p = s->n_classes == 1 ? (s->prediction == 1 ? s->probabilities[0] : 1 - s->probabilities[0])
                        : s->probabilities[s->prediction];
  if (s->label < 0)
    prediction = g_strdup_printf (_("Predicted %s (%.1f %%)"), class_name (self, s->prediction, b),
                                  100.0 * p);
  else
    prediction = g_strdup_printf (s->prediction == s->label ? _("Predicted %s (%.1f %%): right")
                                                            : _("Predicted %s (%.1f %%): wrong"),
                                  class_name (self, s->prediction, b), 100.0 * p);
  gtk_label_set_text (self->example_label, example);
  gtk_label_set_text (self->prediction_label, prediction);

  if (s->n_maps > 0)
    maps1 = g_strdup_printf (_("After the first convolution (Conv2d %s): %d maps of %d×%d"),
                             s->map_paths[0], (int) s->map_shapes[0].dim[0],
                             (int) s->map_shapes[0].dim[1], (int) s->map_shapes[0].dim[2]);
  if (s->n_maps > 1)
    maps2 = g_strdup_printf (_("After the second convolution (Conv2d %s): %d maps of %d×%d"),
                             s->map_paths[1], (int) s->map_shapes[1].dim[0],
                             (int) s->map_shapes[1].dim[1], (int) s->map_shapes[1].dim[2]);
  if (s->filters != NULL && s->filter_dims[1] > 1)
    filters = g_strdup_printf (_("Filters of the first convolution: %d of %d×%d, averaged over "
                                 "their %d input channels"),
                               (int) s->filter_dims[0], (int) s->filter_dims[2],
                               (int) s->filter_dims[3], (int) s->filter_dims[1]);
  else if (s->filters != NULL)
    filters = g_strdup_printf (_("Filters of the first convolution: %d of %d×%d"),
                               (int) s->filter_dims[0], (int) s->filter_dims[2],
                               (int) s->filter_dims[3]);
  gtk_label_set_text (self->maps1_label, maps1 != NULL ? maps1 : _("The model has no Conv2d"));
  gtk_label_set_text (self->maps2_label, maps2 != NULL ? maps2 : "");
  gtk_label_set_text (self->filters_label, filters != NULL ? filters : "");
  gtk_widget_set_visible (GTK_WIDGET (self->maps1_area), s->n_maps > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->maps2_label), s->n_maps > 1);
  gtk_widget_set_visible (GTK_WIDGET (self->maps2_area), s->n_maps > 1);
  gtk_widget_set_visible (GTK_WIDGET (self->filters_label), s->filters != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->filters_area), s->filters != NULL);
}

/* The model's outputs are meant to be one per class of the test set (one alone: p of
 * class 1 of two); anything else is said above the pictures. */
static void
update_outputs_warning (StActivationsView *self)
{
  const StSnapshot *s = self->snapshot;
  int outputs = s != NULL ? s->n_classes : 0;
  gboolean fits = s == NULL || self->test == NULL
                  || (outputs == 1 ? self->test->n_classes == 2
                                   : outputs == self->test->n_classes);

  if (!fits)
    {
      g_autofree char *text = g_strdup_printf (_("The model gives %d outputs but %s has %d "
                                                 "classes: its last layer should give one "
                                                 "output per class."),
                                               outputs, self->test->name,
                                               self->test->n_classes);

      gtk_label_set_text (self->outputs_warning, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->outputs_warning), !fits);
}

/* Pictures from a test set still on its way wait for it, for their class names. */
static gboolean
test_set_coming (StActivationsView *self)
{
  return self->test == NULL && self->evaluate_cancellable != NULL;
}

/* The snapshot shown goes; the layer inspector lets go of it first. */
static void
drop_snapshot (StActivationsView *self)
{
  st_layer_inspector_show (self->inspector, NULL, NULL);
  g_clear_pointer (&self->snapshot, st_snapshot_free);
  g_clear_pointer (&self->snapshot_session, st_activations_session_unref);
  g_clear_pointer (&self->filter_tiles, g_free);
}

/* Takes ownership of snap; `session` made it (its net is the pass's), NULL for a run's. The
 * inspector takes the new snapshot before the old one goes, so that it keeps its layer and
 * position from one to the next. */
static void
set_snapshot (StActivationsView *self, StSnapshot *snap, StActivationsSession *session)
{
  g_autoptr (StSnapshot) old = g_steal_pointer (&self->snapshot);
  StActivationsSession *old_session = g_steal_pointer (&self->snapshot_session);
  const gint64 *d = snap->filter_dims;
  const StNet *net;

  self->snapshot = snap;
  self->snapshot_session = session != NULL ? g_rc_box_acquire (session) : NULL;
  net = session != NULL ? st_activations_session_net (session) : NULL;
  /* a pass of another net (never expected) is not read with this one */
  if (net != NULL && snap->pass != NULL && snap->pass->n_values != net->n_values)
    net = NULL;
  st_layer_inspector_show (self->inspector, net, snap);
  g_clear_pointer (&old_session, st_activations_session_unref);
  g_clear_pointer (&self->filter_tiles, g_free);
  /* a lesson opens on the layer it steps through */
  if (self->pending_layer != NULL && snap->pass != NULL)
    {
      st_layer_inspector_select_layer (self->inspector, self->pending_layer);
      g_clear_pointer (&self->pending_layer, g_free);
    }
  if (snap->filters != NULL)
    {
      gint64 tile = d[2] * d[3];

      self->filter_tiles = g_new0 (float, d[0] * tile);
      for (gint64 oc = 0; oc < d[0]; oc++)
        for (gint64 ic = 0; ic < d[1]; ic++)
          for (gint64 t = 0; t < tile; t++)
            self->filter_tiles[oc * tile + t] += snap->filters[(oc * d[1] + ic) * tile + t] / d[1];
    }
  update_snapshot_labels (self);
  update_outputs_warning (self);
  if (!test_set_coming (self))
    gtk_stack_set_visible_child_name (self->stack, "results");
  queue_draws (self);
}

/* The first GALLERY_MAX images of the confusion cell picked, else the misclassified ones (of
 * the selected class when that box is ticked). */
static void
build_gallery (StActivationsView *self)
{
  StPredictionFilter filter = { ST_PREDICTIONS_WRONG, 0, 0 };
  int n;
  guint shown;
  char a[CLASS_NAME_MAX], b[CLASS_NAME_MAX];
  g_autofree char *title = NULL;

  st_activations_gallery_clear (&self->gallery);
  gtk_widget_set_visible (GTK_WIDGET (self->gallery_clear_button), self->cell_filter);
  gtk_widget_set_sensitive (GTK_WIDGET (self->gallery_class_check), !self->cell_filter);
  gtk_widget_queue_draw (GTK_WIDGET (self->gallery_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_area));
  if (self->test == NULL || self->predictions == NULL)
    return;
  if (self->cell_filter)
    filter = (StPredictionFilter) { ST_PREDICTIONS_CELL, self->filter_true,
                                    self->filter_predicted };
  else if (gtk_check_button_get_active (self->gallery_class_check))
    filter = (StPredictionFilter) { ST_PREDICTIONS_WRONG_OF_CLASS,
                                    (int) gtk_drop_down_get_selected (self->class_dropdown), 0 };
  st_activations_gallery_build (&self->gallery, self->test, self->predictions, &filter,
                                GALLERY_MAX, gallery_name, self);

  n = (int) self->gallery.n_matches;
  shown = st_activations_gallery_length (&self->gallery);
  if (self->cell_filter && n > (int) shown)
    title = g_strdup_printf (_("True %s, predicted %s: %d (the first %u shown)"),
                             class_name (self, self->filter_true, a),
                             class_name (self, self->filter_predicted, b), n, shown);
  else if (self->cell_filter)
    title = g_strdup_printf (_("True %s, predicted %s: %d"),
                             class_name (self, self->filter_true, a),
                             class_name (self, self->filter_predicted, b), n);
  else if (n > (int) shown)
    title = g_strdup_printf (_("Misclassified: %d (the first %u shown)"), n, shown);
  else
    title = g_strdup_printf (_("Misclassified: %d"), n);
  gtk_label_set_text (self->gallery_label, title);
}

static void
clear_results (StActivationsView *self)
{
  g_clear_pointer (&self->session, st_activations_session_unref);
  g_clear_pointer (&self->test, st_dataset_unref);
  g_clear_pointer (&self->predictions, g_free);
  g_clear_pointer (&self->confusion, g_free);
  g_clear_pointer (&self->class_start, g_free);
  g_clear_pointer (&self->by_class, g_free);
  g_clear_pointer (&self->rank, g_free);
  self->cell_filter = FALSE;
  st_activations_gallery_clear (&self->gallery);
}

/* Nothing of another test set stays in view: no pictures, no class names. */
static void
forget_test_set (StActivationsView *self)
{
  clear_results (self);
  drop_snapshot (self);
  self->syncing = TRUE;
  gtk_string_list_splice (self->class_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->class_names)), NULL);
  self->syncing = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->outputs_warning), FALSE);
}

/* Confusion counts (with predictions) and the images of each class, in test-set order. */
static void
index_test_set (StActivationsView *self)
{
  const StDataset *test = self->test;
  int K = test->n_classes;
  g_autofree gint64 *next = g_new0 (gint64, K);

  self->n_correct = 0;
  if (self->predictions != NULL)
    {
      self->confusion = g_new (gint64, (gsize) K * K);
      self->n_correct = st_confusion_count (self->confusion, test->labels, self->predictions,
                                            test->n, K);
    }
  self->class_start = g_new0 (gint64, K + 1);
  self->by_class = g_new (gint64, test->n);
  self->rank = g_new (gint64, test->n);
  for (gint64 i = 0; i < test->n; i++)
    self->class_start[test->labels[i] + 1]++;
  for (int k = 0; k < K; k++)
    self->class_start[k + 1] += self->class_start[k];
  for (gint64 i = 0; i < test->n; i++)
    {
      int label = test->labels[i];

      self->rank[i] = next[label]++;
      self->by_class[self->class_start[label] + self->rank[i]] = i;
    }
}


/* An evaluation's results; or, for a live run, its test set alone: the class names and the
 * images by class, while the pictures come from the run. */
static void
install_evaluation (StActivationsView *self, StActivationsResult *e)
{
  g_autofree char *confusion = NULL;
  gboolean evaluated = e->predictions != NULL;
  GtkWidget *parts[] = { GTK_WIDGET (self->confusion_label), GTK_WIDGET (self->confusion_area),
                         self->gallery_header, GTK_WIDGET (self->gallery_area) };

  clear_results (self);
  self->session = g_steal_pointer (&e->session);
  self->test = g_steal_pointer (&e->test);
  self->predictions = g_steal_pointer (&e->predictions);
  index_test_set (self);

  self->syncing = TRUE;
  gtk_string_list_splice (self->class_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->class_names)),
                          (const char *const *) self->test->class_names);
  self->syncing = FALSE;
  if (e->snapshot != NULL)
    self->example = e->snapshot->example;
  else if (self->example >= self->test->n)
    self->example = 0;
  sync_controls (self);
  build_gallery (self);
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    gtk_widget_set_visible (parts[i], evaluated);
  if (evaluated)
    {
      confusion = g_strdup_printf (_("Confusion matrix: %d of %d right (rows: true class, "
                                     "columns: predicted)"), (int) self->n_correct,
                                   (int) self->test->n);
      gtk_label_set_text (self->confusion_label, confusion);
    }
  /* While a run is live, its pictures are the ones to show, not the evaluation's; a picture
   * of the person's own goes through the new weights in place of the test image, when it
   * still fits the model. */
  st_activations_view_fit_input (self);
  if (self->source != ST_INPUT_TEST_IMAGE && self->own != NULL && !self->live)
    st_activations_view_request_snapshot (self);
  else if (e->snapshot != NULL && !self->live)
    set_snapshot (self, g_steal_pointer (&e->snapshot), self->session);
  else if (self->snapshot != NULL)
    {
      /* the run's pictures that waited for their class names */
      update_snapshot_labels (self);
      update_outputs_warning (self);
      gtk_stack_set_visible_child_name (self->stack, "results");
      queue_draws (self);
    }
  else if (self->live)
    st_activations_view_request_snapshot (self);
  else
    gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
evaluate_done (GObject *source, GAsyncResult *result, gpointer data)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (StActivationsResult) e = NULL;
  StActivationsJob *job = st_activations_job_take_over (g_task_get_task_data (G_TASK (result)));

  e = g_task_propagate_pointer (G_TASK (result), &error);
  st_activations_job_hand_over (job);
  st_activations_view_worker_ended (self);
  /* Cancelled: a newer set_model (or dispose) has taken over. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->evaluate_cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (e == NULL)
    {
      forget_test_set (self);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      sync_controls (self);
    }
  else
    install_evaluation (self, e);
  update_status (self);
}

static void
snapshot_done (GObject *source, GAsyncResult *result, gpointer data)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (source);
  StActivationsJob *job = st_activations_job_take_over (g_task_get_task_data (G_TASK (result)));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) snap = g_task_propagate_pointer (G_TASK (result), &error);
  gboolean superseded = self->snapshot_pending;

  job->session->in_use = FALSE;
  st_activations_job_hand_over (job);
  st_activations_view_worker_ended (self);
  /* The image changed while this one was computed: go straight to the newest. */
  if (superseded)
    st_activations_view_request_snapshot (self);
  if (superseded || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (snap == NULL)
    gtk_label_set_text (self->status_label, error->message);
  else
    set_snapshot (self, g_steal_pointer (&snap), job->session);
}

/* Shows self->example: asks the training run when one is live, else the evaluator. */
void
st_activations_view_request_snapshot (StActivationsView *self)
{
  g_autoptr (GTask) task = NULL;
  StActivationsJob *job;

  if (self->live && self->source != ST_INPUT_TEST_IMAGE)
    {
      gtk_label_set_text (self->status_label,
                          _("Your own input is classified with the weights of a finished run or "
                            "a file: it goes through the network when this run ends"));
      return;
    }
  if (self->live)
    {
      g_signal_emit (self, signals[SIGNAL_SNAPSHOT_REQUESTED], 0, self->example);
      return;
    }
  if (self->session == NULL)
    return;
  /* One forward at a time on an evaluator: a request while it is lent out waits. */
  self->snapshot_pending = self->session->in_use;
  if (self->snapshot_pending)
    return;
  if (self->snapshot_cancellable == NULL)
    self->snapshot_cancellable = g_cancellable_new ();
  self->session->in_use = TRUE;
  job = g_new0 (StActivationsJob, 1);
  job->session = g_rc_box_acquire (self->session);
  job->example = self->example;
  if (self->source != ST_INPUT_TEST_IMAGE && self->own != NULL)
    job->image = st_dataset_ref (self->own);
  task = g_task_new (self, self->snapshot_cancellable, snapshot_done, NULL);
  g_task_set_source_tag (task, st_activations_view_request_snapshot);
  g_task_set_task_data (task, job, (GDestroyNotify) st_activations_job_free);
  st_activations_view_worker_started (self);
  st_activations_job_hand_over (job);
  st_activations_job_snapshot_in_thread (task);
}

static void
set_example (StActivationsView *self, gint64 example)
{
  self->example = example;
  sync_controls (self);
  if (gtk_check_button_get_active (self->gallery_class_check))
    build_gallery (self);
}

/* A test image chosen: it is the input again, in place of a drawing or a picture. */
void
st_activations_view_go_to (StActivationsView *self, gint64 example)
{
  set_example (self, example);
  st_activations_view_set_source (self, ST_INPUT_TEST_IMAGE);
  st_activations_view_request_snapshot (self);
}

/* ---- controls --------------------------------------------------------------------------- */

static void
class_selected (StActivationsView *self)
{
  guint k = gtk_drop_down_get_selected (self->class_dropdown);

  if (self->syncing || self->test == NULL || k >= (guint) self->test->n_classes
      || self->class_start[k + 1] == self->class_start[k])
    return;
  st_activations_view_go_to (self, self->by_class[self->class_start[k]]);
}

static void
index_changed (StActivationsView *self)
{
  guint k = gtk_drop_down_get_selected (self->class_dropdown);
  gint64 i = gtk_spin_button_get_value_as_int (self->index_spin) - 1;

  if (self->syncing || self->test == NULL || k >= (guint) self->test->n_classes
      || i < 0 || i >= self->class_start[k + 1] - self->class_start[k])
    return;
  st_activations_view_go_to (self, self->by_class[self->class_start[k] + i]);
}

static void
gallery_filter_toggled (StActivationsView *self)
{
  build_gallery (self);
}

static void
step_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (widget);

  gtk_spin_button_spin (self->index_spin, g_str_equal (action, "activations.next")
                                          ? GTK_SPIN_STEP_FORWARD : GTK_SPIN_STEP_BACKWARD, 1);
}

static void
refresh_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (widget);

  g_signal_emit (self, signals[SIGNAL_SNAPSHOT_REQUESTED], 0, self->example);
}

/* Scrolls the results so that `widget` is at the top, or as near as they go. */
static void
scroll_to (StActivationsView *self, GtkWidget *widget)
{
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (self->results_scroller);
  graphene_point_t at;

  if (!gtk_widget_compute_point (widget, self->results_box, &GRAPHENE_POINT_INIT (0, 0), &at))
    return;
  gtk_adjustment_set_value (v, CLAMP (at.y - 6, gtk_adjustment_get_lower (v),
                                      gtk_adjustment_get_upper (v)
                                      - gtk_adjustment_get_page_size (v)));
}

/* A click on an image of the gallery, far below, shows it at the top: scrolled into view. */
static void
gallery_released (GtkGestureClick *gesture, int n_press, double x, double y,
                  StActivationsView *self)
{
  StGridOptions options;
  int hit;

  if (st_activations_gallery_length (&self->gallery) == 0)
    return;
  init_options (self, &options);
  hit = st_gallery_hit_test (gtk_widget_get_width (GTK_WIDGET (self->gallery_area)),
                             gtk_widget_get_height (GTK_WIDGET (self->gallery_area)),
                             self->gallery.items, st_activations_gallery_length (&self->gallery),
                             &options, x, y);
  if (hit < 0)
    return;
  st_activations_view_go_to (self, g_array_index (self->gallery.indices, gint64, hit));
  scroll_to (self, GTK_WIDGET (self->example_label));
}

static StConfusion
confusion_of (StActivationsView *self)
{
  return (StConfusion) { (const char *const *) self->test->class_names, self->confusion,
                         self->test->n_classes, self->cell_filter, self->filter_true,
                         self->filter_predicted };
}

/* A click on a cell of the confusion matrix shows its images in the gallery; on the cell
 * shown, all the misclassified ones again. */
static void
confusion_released (GtkGestureClick *gesture, int n_press, double x, double y,
                    StActivationsView *self)
{
  StGridOptions options;
  StConfusion confusion;
  int t, p;

  if (self->confusion == NULL)
    return;
  init_options (self, &options);
  confusion = confusion_of (self);
  if (!st_confusion_hit_test (gtk_widget_get_width (GTK_WIDGET (self->confusion_area)),
                              gtk_widget_get_height (GTK_WIDGET (self->confusion_area)),
                              &confusion, &options, x, y, &t, &p))
    return;
  if (self->cell_filter && t == self->filter_true && p == self->filter_predicted)
    self->cell_filter = FALSE;
  else
    {
      self->cell_filter = TRUE;
      self->filter_true = t;
      self->filter_predicted = p;
    }
  build_gallery (self);
  if (self->cell_filter)
    scroll_to (self, self->gallery_header);
}

static void
gallery_clear_clicked (StActivationsView *self)
{
  self->cell_filter = FALSE;
  build_gallery (self);
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void
draw_input (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  const StSnapshot *s = self->snapshot;
  StGridOptions options;
  StImageView image;

  if (s == NULL)
    return;
  init_options (self, &options);
  image = (StImageView) { s->input, s->input_shape.dim[0], s->input_shape.dim[1],
                          s->input_shape.dim[2] };
  st_image_render (cr, width, height, &image, &options);
}

static void
draw_probabilities (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  StGridOptions options;
  StProbabilities probs;

  if (self->snapshot == NULL)
    return;
  init_options (self, &options);
  probs = probabilities_of (self);
  st_probabilities_render (cr, width, height, &probs, &options);
}

static void
draw_maps (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  int i = area == self->maps1_area ? 0 : 1;
  StGridOptions options;
  StImageView maps;

  if (self->snapshot == NULL || self->snapshot->n_maps <= i)
    return;
  init_options (self, &options);
  options.colormap = ST_COLORMAP_VIRIDIS;
  maps = map_view (self->snapshot, i);
  st_feature_maps_render (cr, width, height, &maps, &options);
}

static void
draw_filters (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  StGridOptions options;
  StImageView filters;

  if (self->snapshot == NULL || self->filter_tiles == NULL)
    return;
  init_options (self, &options);
  /* One scale for all filters, so their strengths compare. */
  options.normalize = ST_NORMALIZE_JOINT;
  filters = filters_view (self);
  st_feature_maps_render (cr, width, height, &filters, &options);
}

static void
draw_confusion (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  StGridOptions options;
  StConfusion confusion;

  if (self->confusion == NULL)
    return;
  init_options (self, &options);
  confusion = confusion_of (self);
  st_confusion_render (cr, width, height, &confusion, &options);
}

static void
draw_gallery (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  StGridOptions options;

  if (self->gallery.indices == NULL)
    return;
  init_options (self, &options);
  st_gallery_render (cr, width, height, self->gallery.items,
                     st_activations_gallery_length (&self->gallery), &options);
}

/* ---- public ----------------------------------------------------------------------------- */

GtkWidget *
st_activations_view_new (void)
{
  return g_object_new (ST_TYPE_ACTIVATIONS_VIEW, NULL);
}

/* What tells test sets apart: the dataset, and the seed that splits a single set into a
 * training and a test set. */
static char *
dataset_key (const StSpec *spec, const char *dataset)
{
  if (dataset == NULL)
    dataset = spec->training.dataset != NULL ? spec->training.dataset : "";
  return g_strdup_printf ("%s\n%" G_GUINT64_FORMAT, dataset, spec->training.seed);
}

typedef enum {
  JOB_EVALUATE,                 /* the weights on the whole test set */
  JOB_TEST_SET,                 /* the test set alone, for a live run's pictures */
} JobKind;

/* `best` NULL: the weights in `weights_path`, or the initial ones; `lesson`, when not NULL,
 * gives the weights and the images instead. */
static void
start_job (StActivationsView *self, JobKind kind, const StSpec *spec, const char *weights_path,
           StBestWeights *best, const char *dataset, const StLesson *lesson)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *key = lesson != NULL ? g_strdup_printf ("lesson\n%s", lesson->name)
                                        : dataset_key (spec, dataset);
  StActivationsJob *job;

  g_cancellable_cancel (self->evaluate_cancellable);
  g_clear_object (&self->evaluate_cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_cancellable_cancel (self->snapshot_cancellable);
  g_clear_object (&self->snapshot_cancellable);
  self->snapshot_pending = FALSE;
  st_activations_view_stop_opening (self);
  if (lesson == NULL)
    g_clear_pointer (&self->pending_layer, g_free);
  /* No more snapshots from the old weights; their pictures stay until the new ones come,
   * unless they are of another test set. */
  g_clear_pointer (&self->session, st_activations_session_unref);
  if (g_strcmp0 (key, self->test_key) != 0)
    {
      forget_test_set (self);
      self->example = 0;
      gtk_stack_set_visible_child_name (self->stack, "loading");
      g_free (self->test_key);
      self->test_key = g_steal_pointer (&key);
      sync_controls (self);
    }
  if (kind == JOB_EVALUATE)
    {
      g_free (self->weights_name);
      self->weights_name = lesson != NULL ? g_strdup (lesson->title)
                           : weights_path != NULL ? g_path_get_basename (weights_path) : NULL;
      g_clear_pointer (&self->run_best, st_best_weights_unref);
      self->run_best = best != NULL ? st_best_weights_ref (best) : NULL;
      self->run_left_nothing = FALSE;
    }

  self->evaluate_cancellable = g_cancellable_new ();
  job = g_new0 (StActivationsJob, 1);
  job->spec = st_spec_copy (spec);
  job->weights = g_strdup (weights_path);
  job->best = best != NULL ? st_best_weights_ref (best) : NULL;
  job->dataset = g_strdup (dataset);
  job->test_only = kind == JOB_TEST_SET;
  if (lesson != NULL)
    {
      job->images = st_dataset_ref (lesson->inputs);
      job->params = g_memdup2 (lesson->params, sizeof (float) * MAX (lesson->n_params, 1));
      job->n_params = lesson->n_params;
      job->buffers = g_memdup2 (lesson->buffers, sizeof (float) * MAX (lesson->n_buffers, 1));
      job->n_buffers = lesson->n_buffers;
    }
  job->example = self->example;
  task = g_task_new (self, self->evaluate_cancellable, evaluate_done, NULL);
  g_task_set_source_tag (task, st_activations_view_set_model);
  g_task_set_task_data (task, job, (GDestroyNotify) st_activations_job_free);
  st_activations_view_worker_started (self);
  st_activations_job_hand_over (job);
  st_activations_job_evaluate_in_thread (task);
  update_status (self);
  self->progress_id = g_timeout_add_full (G_PRIORITY_DEFAULT, 250, show_progress,
                                          g_object_ref (task), g_object_unref);
}

void
st_activations_view_set_model (StActivationsView *self, const StSpec *spec,
                               const char *weights_path, const char *dataset)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));
  g_return_if_fail (spec != NULL);

  start_job (self, JOB_EVALUATE, spec, weights_path, NULL, dataset, NULL);
}

void
st_activations_view_show_lesson (StActivationsView *self, const StLesson *lesson)
{
  g_autofree char *key = NULL;

  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self) && lesson != NULL);

  /* another lesson opens on its layer and first image; the same one, edited, stays put */
  key = g_strdup_printf ("lesson\n%s", lesson->name);
  if (g_strcmp0 (key, self->test_key) != 0)
    {
      self->example = 0;
      g_free (self->pending_layer);
      self->pending_layer = g_strdup (lesson->layer);
    }
  st_activations_view_set_source (self, ST_INPUT_TEST_IMAGE);
  start_job (self, JOB_EVALUATE, lesson->spec, NULL, NULL, NULL, lesson);
}

void
st_activations_view_show_run_best (StActivationsView *self, StBestWeights *best)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));

  self->live = FALSE;
  st_activations_view_set_run_outdated (self, FALSE);
  if (best != NULL)
    {
      sync_controls (self);
      start_job (self, JOB_EVALUATE, best->spec, NULL, best, NULL, NULL);
      return;
    }
  self->run_left_nothing = TRUE;
  /* The pictures the run sent are its own network's: the weights of before take over again,
   * or nothing when there were none (an evaluation still on its way shows when it comes). */
  if (self->session != NULL)
    {
      if (self->example >= self->test->n)
        self->example = 0;
      sync_controls (self);
      st_activations_view_request_snapshot (self);
    }
  else
    {
      drop_snapshot (self);
      gtk_stack_set_visible_child_name (self->stack, self->evaluate_cancellable != NULL
                                                     ? "loading" : "empty");
      sync_controls (self);
    }
  update_status (self);
}

void
st_activations_view_show_snapshot (StActivationsView *self, const StSnapshot *snapshot)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));
  g_return_if_fail (snapshot != NULL);

  /* A snapshot from the run supersedes one the evaluator is still taking. */
  g_cancellable_cancel (self->snapshot_cancellable);
  g_clear_object (&self->snapshot_cancellable);
  self->snapshot_pending = FALSE;
  set_example (self, snapshot->example);
  st_activations_view_set_source (self, ST_INPUT_TEST_IMAGE);
  set_snapshot (self, st_snapshot_copy (snapshot), self->run_session);
}

void
st_activations_view_set_live (StActivationsView *self, gboolean live)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));

  self->live = !!live;
  if (!self->live)
    st_activations_view_set_run_outdated (self, FALSE);
  sync_controls (self);
  update_status (self);
}

void
st_activations_view_begin_run (StActivationsView *self, const StSpec *spec,
                               const char *dataset)
{
  g_autofree char *key = NULL;

  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));
  g_return_if_fail (spec != NULL);

  key = dataset_key (spec, dataset);
  self->live = TRUE;
  /* the run's pictures are of its test images: a drawing or a picture waits for its end */
  st_activations_view_set_source (self, ST_INPUT_TEST_IMAGE);
  /* the run's snapshots are read with its spec compiled as the trainer compiles it */
  g_clear_pointer (&self->run_session, st_activations_session_unref);
  self->run_session = g_rc_box_new0 (StActivationsSession);
  self->run_session->net = st_net_compile (spec, NULL);
  if (self->run_session->net == NULL)
    g_clear_pointer (&self->run_session, st_activations_session_unref);
  /* The run's own pictures from its first batches on, once their class names are here. */
  if (g_strcmp0 (key, self->test_key) != 0)
    start_job (self, JOB_TEST_SET, spec, NULL, NULL, dataset, NULL);
  else
    st_activations_view_request_snapshot (self);
  sync_controls (self);
  update_status (self);
}

void
st_activations_view_set_run_outdated (StActivationsView *self, gboolean outdated)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));

  self->run_outdated = self->live && outdated;
  gtk_widget_set_visible (GTK_WIDGET (self->run_hint), self->run_outdated);
}

const StDataset *
st_activations_view_get_test_set (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), NULL);

  return self->test;
}

gint64
st_activations_view_get_example (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), -1);

  return self->example;
}

void
st_activations_view_select_example (StActivationsView *self, gint64 example)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));
  g_return_if_fail (example >= 0);

  if (self->test != NULL && example >= self->test->n)
    {
      g_warning ("image %" G_GINT64_FORMAT " is not in the test set (%" G_GINT64_FORMAT
                 " images)", example, self->test->n);
      return;
    }
  st_activations_view_go_to (self, example);
}

const StSnapshot *
st_activations_view_get_snapshot (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), NULL);

  return self->snapshot;
}

const gint64 *
st_activations_view_get_confusion (StActivationsView *self, int *n_classes)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), NULL);

  if (n_classes != NULL)
    *n_classes = self->confusion != NULL ? self->test->n_classes : 0;
  return self->confusion;
}

const gint64 *
st_activations_view_get_gallery (StActivationsView *self, guint *n)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), NULL);

  *n = st_activations_gallery_length (&self->gallery);
  return *n > 0 ? (const gint64 *) (gpointer) self->gallery.indices->data : NULL;
}

static char *
export_path (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

gboolean
st_activations_view_export (StActivationsView *self, const char *dir, GError **error)
{
  g_autofree char *input = NULL, *probs = NULL, *filters = NULL, *confusion = NULL;
  g_autofree char *gallery = NULL;
  const StSnapshot *s;
  StGridOptions options;
  StImageView image;
  StProbabilities p;

  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  s = self->snapshot;
  if (s == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Nothing to export to %s yet: no test image is shown"), dir);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  /* Files use the light theme whatever the window's: they end up in documents. */
  st_grid_options_init (&options);
  input = export_path (dir, "input.png");
  image = (StImageView) { s->input, s->input_shape.dim[0], s->input_shape.dim[1],
                          s->input_shape.dim[2] };
  options.title = gtk_label_get_text (self->example_label);
  if (!st_image_save (input, EXPORT_INPUT, EXPORT_INPUT, &image, &options, error))
    return FALSE;
  probs = export_path (dir, "probabilities.png");
  p = probabilities_of (self);
  options.title = gtk_label_get_text (self->prediction_label);
  if (!st_probabilities_save (probs, EXPORT_WIDE, EXPORT_INPUT, &p, &options, error))
    return FALSE;

  options.colormap = ST_COLORMAP_VIRIDIS;
  for (int i = 0; i < s->n_maps; i++)
    {
      g_autofree char *maps_path = export_path (dir, i == 0 ? "conv1-maps.png"
                                                            : "conv2-maps.png");
      StImageView maps = map_view (s, i);

      options.title = gtk_label_get_text (i == 0 ? self->maps1_label : self->maps2_label);
      if (!st_feature_maps_save (maps_path, EXPORT_WIDE, EXPORT_MAPS_HEIGHT, &maps, &options,
                                 error))
        return FALSE;
    }
  if (self->filter_tiles != NULL)
    {
      StImageView tiles = filters_view (self);

      st_grid_options_init (&options);
      options.normalize = ST_NORMALIZE_JOINT;
      options.title = gtk_label_get_text (self->filters_label);
      filters = export_path (dir, "conv1-filters.png");
      if (!st_feature_maps_save (filters, EXPORT_WIDE, EXPORT_MAPS_HEIGHT / 2, &tiles, &options,
                                 error))
        return FALSE;
    }

  if (self->confusion != NULL)
    {
      StConfusion c = { (const char *const *) self->test->class_names, self->confusion,
                        self->test->n_classes, FALSE, 0, 0 };

      st_grid_options_init (&options);
      options.title = gtk_label_get_text (self->confusion_label);
      confusion = export_path (dir, "confusion.png");
      if (!st_confusion_save (confusion, EXPORT_SQUARE, EXPORT_SQUARE, &c, &options, error))
        return FALSE;
      options.title = gtk_label_get_text (self->gallery_label);
      gallery = export_path (dir, "misclassified.png");
      if (!st_gallery_save (gallery, EXPORT_WIDE, EXPORT_SQUARE, self->gallery.items,
                            st_activations_gallery_length (&self->gallery), &options, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
st_activations_view_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->n_workers > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_activations_view_dispose (GObject *object)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->evaluate_cancellable);
  g_clear_object (&self->evaluate_cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_cancellable_cancel (self->snapshot_cancellable);
  g_clear_object (&self->snapshot_cancellable);
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  if (self->inspector != NULL)
    st_layer_inspector_show (self->inspector, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), ST_TYPE_ACTIVATIONS_VIEW);
  /* The template's top child has no id, so disposing the template leaves it in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  clear_results (self);
  g_clear_pointer (&self->snapshot, st_snapshot_free);
  g_clear_pointer (&self->snapshot_session, st_activations_session_unref);
  g_clear_pointer (&self->run_session, st_activations_session_unref);
  g_clear_pointer (&self->filter_tiles, g_free);
  g_clear_pointer (&self->own, st_dataset_unref);
  g_clear_pointer (&self->pending_layer, g_free);
  g_clear_pointer (&self->bar_names, g_strfreev);
  g_clear_pointer (&self->test_key, g_free);
  g_clear_pointer (&self->weights_name, g_free);
  g_clear_pointer (&self->run_best, st_best_weights_unref);
  G_OBJECT_CLASS (st_activations_view_parent_class)->dispose (object);
}

static void
st_activations_view_class_init (StActivationsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_activations_view_dispose;
  object_class->get_property = st_activations_view_get_property;

  /* TRUE while any of the view's worker threads runs, stale ones included. */
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_SNAPSHOT_REQUESTED] =
    g_signal_new ("snapshot-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  g_type_ensure (ST_TYPE_DRAWING_PAD);
  g_type_ensure (ST_TYPE_LAYER_INSPECTOR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/strata/Strata/activations-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, class_dropdown);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, class_names);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, index_spin);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, status_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, run_hint);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, outputs_warning);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, stack);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, error_page);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, example_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, prediction_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, input_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, probabilities_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, maps1_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, maps1_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, maps2_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, maps2_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, filters_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, filters_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, results_scroller);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, results_box);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, confusion_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, confusion_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_header);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_clear_button);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_class_check);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, draw_button);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, input_stack);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, pad);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, inspector);
  gtk_widget_class_bind_template_callback_full (widget_class, "draw_toggled",
                                                G_CALLBACK (st_activations_view_draw_toggled));
  gtk_widget_class_bind_template_callback_full (widget_class, "pad_changed",
                                                G_CALLBACK (st_activations_view_pad_changed));
  gtk_widget_class_bind_template_callback (widget_class, class_selected);
  gtk_widget_class_bind_template_callback (widget_class, index_changed);
  gtk_widget_class_bind_template_callback (widget_class, gallery_filter_toggled);
  gtk_widget_class_bind_template_callback (widget_class, gallery_clear_clicked);

  gtk_widget_class_install_action (widget_class, "activations.previous", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "activations.next", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "activations.refresh", NULL, refresh_activated);
  gtk_widget_class_install_action (widget_class, "activations.open-image", NULL,
                                   st_activations_view_open_image_activated);
}

/* Page Up and Page Down step through the images wherever the focus is in the window, as long
 * as the page is in view (a managed shortcut only runs while its widget is mapped); a field
 * that takes those keys itself still gets them first. */
static void
add_page_keys (StActivationsView *self)
{
  GtkEventController *keys = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (keys), GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Page_Up, 0),
                      gtk_named_action_new ("activations.previous")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Page_Down, 0),
                      gtk_named_action_new ("activations.next")));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

static void
st_activations_view_init (StActivationsView *self)
{
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->style_manager = adw_style_manager_get_default ();
  g_signal_connect_object (self->style_manager, "notify::dark", G_CALLBACK (queue_draws), self,
                           G_CONNECT_SWAPPED);

  gtk_drawing_area_set_draw_func (self->input_area, draw_input, self, NULL);
  gtk_drawing_area_set_draw_func (self->probabilities_area, draw_probabilities, self, NULL);
  gtk_drawing_area_set_draw_func (self->maps1_area, draw_maps, self, NULL);
  gtk_drawing_area_set_draw_func (self->maps2_area, draw_maps, self, NULL);
  gtk_drawing_area_set_draw_func (self->filters_area, draw_filters, self, NULL);
  gtk_drawing_area_set_draw_func (self->confusion_area, draw_confusion, self, NULL);
  gtk_drawing_area_set_draw_func (self->gallery_area, draw_gallery, self, NULL);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (gallery_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gallery_area), GTK_EVENT_CONTROLLER (click));
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (confusion_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->confusion_area), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->confusion_area), "pointer");
  add_page_keys (self);
  st_activations_view_add_drop_target (self);

  sync_controls (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

void
st_activations_view_wait_for_workers (void)
{
  st_activations_jobs_wait ();
}

/* activations-view-private.h */
void
st_activations_view_set_job_hook (StActivationsViewJobHook hook)
{
  st_activations_job_set_hook (hook);
}

StLayerInspector *
st_activations_view_get_inspector (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), NULL);

  return self->inspector;
}

gboolean
st_activations_view_select_layer (StActivationsView *self, const char *path)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self) && path != NULL, FALSE);

  return st_layer_inspector_select_layer (self->inspector, path);
}
