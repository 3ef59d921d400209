/* activations-view.c: the test images as the network sees them, and where it goes wrong. */
#define G_LOG_DOMAIN "strata-activations"

#include "strata-config.h"

#include <adwaita.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <stdatomic.h>
#include <glib/gstdio.h>

#include "core/evaluator.h"
#include "ui/activations-view.h"
#include "ui/activations-view-private.h"
#include "ui/class-render.h"
#include "ui/grid-render.h"

#define GALLERY_MAX 32          /* misclassified images drawn at once */

/* Sizes of the exported pictures. */
#define EXPORT_INPUT        280
#define EXPORT_WIDE         900
#define EXPORT_MAPS_HEIGHT  600
#define EXPORT_SQUARE       640

/* The evaluator of one set_model, lent to one snapshot task at a time. */
typedef struct {
  StEvaluator *evaluator;
  gboolean     in_use;          /* a snapshot task has it; main thread only */
} Session;

/* What a worker gets: copies only. GTask already orders the writes of the side that hands a
 * job over before the other side reads it, but through GLib's futex locks, which
 * ThreadSanitizer cannot see; `handed` says the same in C11 terms, where it can. */
typedef struct {
  StSpec       *spec;
  char         *weights;
  StBestWeights *best;          /* the run's best instead of `weights`, or NULL */
  char         *dataset;
  gint64        example;
  Session      *session;        /* snapshots only */
  GCancellable *cancellable;    /* borrowed from the task */
  int           total;          /* test images, once loaded; atomic */
  int           done;           /* images predicted so far; atomic */
  atomic_int    handed;
} Job;

typedef struct {
  Session    *session;
  StDataset  *test;
  guint8     *predictions;      /* (N) */
  StSnapshot *snapshot;
} Evaluation;

struct _StActivationsView
{
  GtkWidget       parent_instance;

  /* template widgets */
  GtkDropDown    *class_dropdown;
  GtkStringList  *class_names;
  GtkSpinButton  *index_spin;
  GtkLabel       *count_label;
  GtkSpinner     *spinner;
  GtkLabel       *status_label;
  GtkStack       *stack;
  AdwStatusPage  *error_page;
  GtkLabel       *example_label;
  GtkLabel       *prediction_label;
  GtkDrawingArea *input_area;
  GtkDrawingArea *probabilities_area;
  GtkLabel       *maps1_label;
  GtkDrawingArea *maps1_area;
  GtkLabel       *maps2_label;
  GtkDrawingArea *maps2_area;
  GtkLabel       *filters_label;
  GtkDrawingArea *filters_area;
  GtkLabel       *confusion_label;
  GtkDrawingArea *confusion_area;
  GtkLabel       *gallery_label;
  GtkCheckButton *gallery_class_check;
  GtkDrawingArea *gallery_area;

  /* owned */
  GCancellable   *evaluate_cancellable;     /* the evaluation in flight, or NULL */
  guint           progress_id;              /* its progress poll */
  GCancellable   *snapshot_cancellable;
  Session        *session;
  char           *weights_name;             /* "model.safetensors"; NULL: initial weights */
  StBestWeights  *run_best;                 /* shown instead of weights_name, or NULL */
  gboolean        run_left_nothing;         /* the last run ended before its first epoch */
  StDataset      *test;
  guint8         *predictions;              /* (N) */
  gint64         *confusion;                /* (K, K) */
  gint64          n_correct;
  gint64         *class_start;              /* (K + 1): class k's images are by_class[start..] */
  gint64         *by_class;                 /* (N): image indices grouped by label */
  gint64         *rank;                     /* (N): position of each image within its class */
  StSnapshot     *snapshot;
  float          *filter_tiles;             /* (OC, KH, KW): filters averaged over input channels */
  float           binary_probs[2];          /* a one-output net's p shown as two classes */
  GArray         *gallery;                  /* gint64 image indices */
  float          *gallery_pixels;           /* (n, C, H, W) */
  GPtrArray      *gallery_captions;
  StGalleryItem  *gallery_items;
  gint64          n_gallery_matches;        /* misclassified images the filter lets through */

  /* borrowed */
  AdwStyleManager *style_manager;

  /* state */
  gint64          example;
  gboolean        live;
  gboolean        snapshot_pending;         /* asked for while the evaluator was lent out */
  guint           n_workers;                /* threads still running, stale ones included */
  gboolean        syncing;                  /* controls being set from the state, not the user */
};

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

static void
session_clear (gpointer data)
{
  Session *session = data;

  g_clear_pointer (&session->evaluator, st_evaluator_free);
}

static void
session_unref (Session *session)
{
  g_rc_box_release_full (session, session_clear);
}

static void
hand_over (Job *job)
{
  atomic_store_explicit (&job->handed, 1, memory_order_release);
}

static Job *
take_over (gpointer job)
{
  (void) atomic_load_explicit (&((Job *) job)->handed, memory_order_acquire);
  return job;
}

/* The task may drop its last reference on the worker thread. */
static void
job_free (Job *job)
{
  take_over (job);
  g_clear_pointer (&job->spec, st_spec_free);
  g_free (job->weights);
  g_clear_pointer (&job->best, st_best_weights_unref);
  g_free (job->dataset);
  g_clear_pointer (&job->session, session_unref);
  g_free (job);
}

static void
evaluation_free (Evaluation *e)
{
  g_clear_pointer (&e->session, session_unref);
  g_clear_pointer (&e->test, st_dataset_unref);
  g_free (e->predictions);
  g_clear_pointer (&e->snapshot, st_snapshot_free);
  g_free (e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Evaluation, evaluation_free)

/* Asked before each image's prediction: counts them for the progress shown. */
static gboolean
next_prediction (gpointer data)
{
  Job *job = data;

  g_atomic_int_inc (&job->done);
  return g_cancellable_is_cancelled (job->cancellable);
}

/* activations-view-private.h */
static StActivationsViewJobHook job_hook;

void
st_activations_view_set_job_hook (StActivationsViewJobHook hook)
{
  g_atomic_pointer_set (&job_hook, hook);
}

static Evaluation *
evaluate (Job *job, GCancellable *cancellable, GError **error)
{
  g_autoptr (Evaluation) e = g_new0 (Evaluation, 1);
  StActivationsViewJobHook hook = g_atomic_pointer_get (&job_hook);
  const StDataset *test;
  StEvaluator *ev;

  if (hook != NULL)
    hook (job->dataset);
  ev = job->best != NULL
       ? st_evaluator_new_from_memory (job->spec, job->best->params, job->best->n_params,
                                       job->best->buffers, job->best->n_buffers, job->dataset,
                                       ST_DEVICE_AUTO, error)
       : st_evaluator_new (job->spec, job->weights, job->dataset, ST_DEVICE_AUTO, error);
  if (ev == NULL)
    return NULL;
  e->session = g_rc_box_new0 (Session);
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
st_activations_view_wait_for_workers (void)
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
  Job *job = take_over (data);
  GError *error = NULL;
  Evaluation *e = evaluate (job, cancellable, &error);

  hand_over (job);
  if (e == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, e, (GDestroyNotify) evaluation_free);
  g_atomic_int_dec_and_test (&running_workers);
}

static void
snapshot_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = take_over (data);
  GError *error = NULL;
  StSnapshot *snap = st_evaluator_snapshot (job->session->evaluator, job->example, &error);

  hand_over (job);
  if (snap == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, snap, (GDestroyNotify) st_snapshot_free);
  g_atomic_int_dec_and_test (&running_workers);
}

static void
worker_started (StActivationsView *self)
{
  if (self->n_workers++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static void
worker_ended (StActivationsView *self)
{
  if (--self->n_workers == 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

/* ---- what is shown ---------------------------------------------------------------------- */

static const char *
class_name (StActivationsView *self, int k, char buf[16])
{
  if (self->test != NULL && k >= 0 && k < self->test->n_classes)
    return self->test->class_names[k];
  g_snprintf (buf, 16, "%d", k);
  return buf;
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
  if (self->test != NULL && self->test->n_classes == p.n_classes)
    p.class_names = (const char *const *) self->test->class_names;
  return p;
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
  Job *job = g_task_get_task_data (task);
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
  char a[16], b[16];
  g_autofree char *example = NULL, *prediction = NULL, *maps1 = NULL, *maps2 = NULL;
  g_autofree char *filters = NULL;
  float p;

  example = g_strdup_printf (_("Test image %d: %s"), (int) s->example,
                             class_name (self, s->label, a));
  p = s->n_classes == 1 ? (s->prediction == 1 ? s->probabilities[0] : 1 - s->probabilities[0])
                        : s->probabilities[s->prediction];
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

/* Takes ownership of snap. */
static void
set_snapshot (StActivationsView *self, StSnapshot *snap)
{
  const gint64 *d = snap->filter_dims;

  g_clear_pointer (&self->snapshot, st_snapshot_free);
  g_clear_pointer (&self->filter_tiles, g_free);
  self->snapshot = snap;
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
  gtk_stack_set_visible_child_name (self->stack, "results");
  queue_draws (self);
}

static void
clear_gallery (StActivationsView *self)
{
  g_clear_pointer (&self->gallery, g_array_unref);
  g_clear_pointer (&self->gallery_pixels, g_free);
  g_clear_pointer (&self->gallery_captions, g_ptr_array_unref);
  g_clear_pointer (&self->gallery_items, g_free);
}

/* The first GALLERY_MAX misclassified images, of the selected class when the filter is on. */
static void
build_gallery (StActivationsView *self)
{
  const StDataset *test = self->test;
  gboolean one_class = gtk_check_button_get_active (self->gallery_class_check);
  guint k = gtk_drop_down_get_selected (self->class_dropdown);
  gsize size;
  g_autofree char *title = NULL;

  clear_gallery (self);
  if (test == NULL)
    return;
  size = st_dataset_example_size (test);
  self->gallery = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->n_gallery_matches = 0;
  for (gint64 i = 0; i < test->n; i++)
    if (self->predictions[i] != test->labels[i] && (!one_class || test->labels[i] == k))
      {
        if (self->gallery->len < GALLERY_MAX)
          g_array_append_val (self->gallery, i);
        self->n_gallery_matches++;
      }
  self->gallery_pixels = g_new (float, MAX (self->gallery->len * size, 1));
  self->gallery_captions = g_ptr_array_new_with_free_func (g_free);
  self->gallery_items = g_new0 (StGalleryItem, MAX (self->gallery->len, 1));
  for (guint j = 0; j < self->gallery->len; j++)
    {
      gint64 i = g_array_index (self->gallery, gint64, j);
      const guint8 *pixels = st_dataset_image (test, i);
      float *out = self->gallery_pixels + j * size;
      char a[16], b[16];
      char *caption = g_strdup_printf ("%s\n→ %s", class_name (self, test->labels[i], a),
                                       class_name (self, self->predictions[i], b));

      for (gsize p = 0; p < size; p++)
        out[p] = pixels[p] / 255.0f;
      g_ptr_array_add (self->gallery_captions, caption);
      self->gallery_items[j] = (StGalleryItem) { { out, test->c, test->h, test->w }, caption,
                                                 ST_GALLERY_MARK_WRONG };
    }
  if (self->n_gallery_matches > self->gallery->len)
    title = g_strdup_printf (_("Misclassified: %d (the first %u shown)"),
                             (int) self->n_gallery_matches, self->gallery->len);
  else
    title = g_strdup_printf (_("Misclassified: %d"), (int) self->n_gallery_matches);
  gtk_label_set_text (self->gallery_label, title);
  gtk_widget_queue_draw (GTK_WIDGET (self->gallery_area));
}

static void
clear_results (StActivationsView *self)
{
  g_clear_pointer (&self->session, session_unref);
  g_clear_pointer (&self->test, st_dataset_unref);
  g_clear_pointer (&self->predictions, g_free);
  g_clear_pointer (&self->confusion, g_free);
  g_clear_pointer (&self->class_start, g_free);
  g_clear_pointer (&self->by_class, g_free);
  g_clear_pointer (&self->rank, g_free);
  clear_gallery (self);
}

/* Confusion counts and the images of each class, in test-set order. */
static void
index_test_set (StActivationsView *self)
{
  const StDataset *test = self->test;
  int K = test->n_classes;
  g_autofree gint64 *next = g_new0 (gint64, K);

  self->confusion = g_new0 (gint64, (gsize) K * K);
  self->class_start = g_new0 (gint64, K + 1);
  self->by_class = g_new (gint64, test->n);
  self->rank = g_new (gint64, test->n);
  self->n_correct = 0;
  for (gint64 i = 0; i < test->n; i++)
    {
      int label = test->labels[i], predicted = self->predictions[i];

      /* A prediction past the dataset's classes counts as wrong and has no column. */
      if (predicted < K)
        self->confusion[label * K + predicted]++;
      self->n_correct += predicted == label;
      self->class_start[label + 1]++;
    }
  for (int k = 0; k < K; k++)
    self->class_start[k + 1] += self->class_start[k];
  for (gint64 i = 0; i < test->n; i++)
    {
      int label = test->labels[i];

      self->rank[i] = next[label]++;
      self->by_class[self->class_start[label] + self->rank[i]] = i;
    }
}

static void
install_evaluation (StActivationsView *self, Evaluation *e)
{
  g_autofree char *confusion = NULL;

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
  self->example = e->snapshot->example;
  sync_controls (self);
  build_gallery (self);
  confusion = g_strdup_printf (_("Confusion matrix: %d of %d right (rows: true class, "
                                 "columns: predicted)"), (int) self->n_correct,
                               (int) self->test->n);
  gtk_label_set_text (self->confusion_label, confusion);
  set_snapshot (self, g_steal_pointer (&e->snapshot));
}

static void
evaluate_done (GObject *source, GAsyncResult *result, gpointer data)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (Evaluation) e = NULL;
  Job *job = take_over (g_task_get_task_data (G_TASK (result)));

  e = g_task_propagate_pointer (G_TASK (result), &error);
  hand_over (job);
  worker_ended (self);
  /* Cancelled: a newer set_model (or dispose) has taken over. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->evaluate_cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (e == NULL)
    {
      clear_results (self);
      g_clear_pointer (&self->snapshot, st_snapshot_free);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      sync_controls (self);
    }
  else
    install_evaluation (self, e);
  update_status (self);
}

static void request_snapshot (StActivationsView *self);

static void
snapshot_done (GObject *source, GAsyncResult *result, gpointer data)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (source);
  Job *job = take_over (g_task_get_task_data (G_TASK (result)));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) snap = g_task_propagate_pointer (G_TASK (result), &error);
  gboolean superseded = self->snapshot_pending;

  job->session->in_use = FALSE;
  hand_over (job);
  worker_ended (self);
  /* The image changed while this one was computed: go straight to the newest. */
  if (superseded)
    request_snapshot (self);
  if (superseded || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (snap == NULL)
    gtk_label_set_text (self->status_label, error->message);
  else
    set_snapshot (self, g_steal_pointer (&snap));
}

/* Shows self->example: asks the training run when one is live, else the evaluator. */
static void
request_snapshot (StActivationsView *self)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

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
  job = g_new0 (Job, 1);
  job->session = g_rc_box_acquire (self->session);
  job->example = self->example;
  task = g_task_new (self, self->snapshot_cancellable, snapshot_done, NULL);
  g_task_set_source_tag (task, request_snapshot);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  worker_started (self);
  hand_over (job);
  run_worker (task, snapshot_thread);
}

static void
set_example (StActivationsView *self, gint64 example)
{
  self->example = example;
  sync_controls (self);
  if (gtk_check_button_get_active (self->gallery_class_check))
    build_gallery (self);
}

static void
go_to (StActivationsView *self, gint64 example)
{
  set_example (self, example);
  request_snapshot (self);
}

/* ---- controls --------------------------------------------------------------------------- */

static void
class_selected (StActivationsView *self)
{
  guint k = gtk_drop_down_get_selected (self->class_dropdown);

  if (self->syncing || self->test == NULL || k >= (guint) self->test->n_classes
      || self->class_start[k + 1] == self->class_start[k])
    return;
  go_to (self, self->by_class[self->class_start[k]]);
}

static void
index_changed (StActivationsView *self)
{
  guint k = gtk_drop_down_get_selected (self->class_dropdown);
  gint64 i = gtk_spin_button_get_value_as_int (self->index_spin) - 1;

  if (self->syncing || self->test == NULL || k >= (guint) self->test->n_classes
      || i < 0 || i >= self->class_start[k + 1] - self->class_start[k])
    return;
  go_to (self, self->by_class[self->class_start[k] + i]);
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

static void
gallery_released (GtkGestureClick *gesture, int n_press, double x, double y,
                  StActivationsView *self)
{
  StGridOptions options;
  int hit;

  if (self->gallery == NULL)
    return;
  init_options (self, &options);
  hit = st_gallery_hit_test (gtk_widget_get_width (GTK_WIDGET (self->gallery_area)),
                             gtk_widget_get_height (GTK_WIDGET (self->gallery_area)),
                             self->gallery_items, self->gallery->len, &options, x, y);
  if (hit >= 0)
    go_to (self, g_array_index (self->gallery, gint64, hit));
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
  confusion = (StConfusion) { (const char *const *) self->test->class_names, self->confusion,
                              self->test->n_classes };
  st_confusion_render (cr, width, height, &confusion, &options);
}

static void
draw_gallery (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  StActivationsView *self = data;
  StGridOptions options;

  if (self->gallery == NULL)
    return;
  init_options (self, &options);
  st_gallery_render (cr, width, height, self->gallery_items, self->gallery->len, &options);
}

/* ---- public ----------------------------------------------------------------------------- */

GtkWidget *
st_activations_view_new (void)
{
  return g_object_new (ST_TYPE_ACTIVATIONS_VIEW, NULL);
}

/* `best` NULL: the weights in `weights_path`, or the initial ones. */
static void
start_evaluation (StActivationsView *self, const StSpec *spec, const char *weights_path,
                  StBestWeights *best, const char *dataset)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  g_cancellable_cancel (self->evaluate_cancellable);
  g_clear_object (&self->evaluate_cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_cancellable_cancel (self->snapshot_cancellable);
  g_clear_object (&self->snapshot_cancellable);
  self->snapshot_pending = FALSE;
  /* No more snapshots from the old weights; their pictures stay until the new ones come. */
  g_clear_pointer (&self->session, session_unref);
  g_free (self->weights_name);
  self->weights_name = weights_path != NULL ? g_path_get_basename (weights_path) : NULL;
  g_clear_pointer (&self->run_best, st_best_weights_unref);
  self->run_best = best != NULL ? st_best_weights_ref (best) : NULL;
  self->run_left_nothing = FALSE;

  self->evaluate_cancellable = g_cancellable_new ();
  job = g_new0 (Job, 1);
  job->spec = st_spec_copy (spec);
  job->weights = g_strdup (weights_path);
  job->best = best != NULL ? st_best_weights_ref (best) : NULL;
  job->dataset = g_strdup (dataset);
  job->example = self->example;
  task = g_task_new (self, self->evaluate_cancellable, evaluate_done, NULL);
  g_task_set_source_tag (task, st_activations_view_set_model);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  worker_started (self);
  hand_over (job);
  run_worker (task, evaluate_thread);
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

  start_evaluation (self, spec, weights_path, NULL, dataset);
}

void
st_activations_view_show_run_best (StActivationsView *self, StBestWeights *best)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));

  self->live = FALSE;
  if (best != NULL)
    {
      sync_controls (self);
      start_evaluation (self, best->spec, NULL, best, NULL);
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
      request_snapshot (self);
    }
  else if (self->evaluate_cancellable == NULL)
    {
      g_clear_pointer (&self->snapshot, st_snapshot_free);
      g_clear_pointer (&self->filter_tiles, g_free);
      gtk_stack_set_visible_child_name (self->stack, "empty");
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
  set_snapshot (self, st_snapshot_copy (snapshot));
}

void
st_activations_view_set_live (StActivationsView *self, gboolean live)
{
  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self));

  self->live = !!live;
  sync_controls (self);
  update_status (self);
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
  go_to (self, example);
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
                        self->test->n_classes };

      st_grid_options_init (&options);
      options.title = gtk_label_get_text (self->confusion_label);
      confusion = export_path (dir, "confusion.png");
      if (!st_confusion_save (confusion, EXPORT_SQUARE, EXPORT_SQUARE, &c, &options, error))
        return FALSE;
      options.title = gtk_label_get_text (self->gallery_label);
      gallery = export_path (dir, "misclassified.png");
      if (!st_gallery_save (gallery, EXPORT_WIDE, EXPORT_SQUARE, self->gallery_items,
                            self->gallery->len, &options, error))
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
  gtk_widget_dispose_template (GTK_WIDGET (self), ST_TYPE_ACTIVATIONS_VIEW);
  /* The template's top child has no id, so disposing the template leaves it in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  clear_results (self);
  g_clear_pointer (&self->snapshot, st_snapshot_free);
  g_clear_pointer (&self->filter_tiles, g_free);
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
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/strata/Strata/activations-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, class_dropdown);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, class_names);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, index_spin);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, status_label);
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
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, confusion_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, confusion_area);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_label);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_class_check);
  gtk_widget_class_bind_template_child (widget_class, StActivationsView, gallery_area);
  gtk_widget_class_bind_template_callback (widget_class, class_selected);
  gtk_widget_class_bind_template_callback (widget_class, index_changed);
  gtk_widget_class_bind_template_callback (widget_class, gallery_filter_toggled);

  gtk_widget_class_install_action (widget_class, "activations.previous", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "activations.next", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "activations.refresh", NULL, refresh_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0,
                                       "activations.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0,
                                       "activations.next", NULL);
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

  sync_controls (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
