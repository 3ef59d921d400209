/* test-activations-sources.c: where the activations view's network and data come from and
 * what it names (the set, the model and the window: activations-fixture.h) — a training
 * run's best epoch (or none), another dataset, the names of classes and outputs, the keys
 * that move through a class. Without a display every case is skipped.
 */
#include <adwaita.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine/checkpoint.h"
#include "core/engine/evaluator.h"
#include "core/engine/trainer.h"
#include "core/model/spec-read.h"
#include "ui/activations-view-private.h"
#include "ui/activations-view.h"
#include "ui/render/class-render.h"
#include "ui/render/grid-render.h"
#include "activations-fixture.h"
#include "test-util.h"
#include "ui-test-util.h"

/* The toy set's two classes under a model with three outputs, one of them for no class. */
static const char *toy3_json =
  "{\"format\": \"strata-model/1\", \"name\": \"Toy with three outputs\","
  " \"input\": {\"channels\": 1, \"height\": 4, \"width\": 4},"
  " \"layers\": ["
  "  {\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 2, \"kernel_size\": 3},"
  "  {\"type\": \"ReLU\"},"
  "  {\"type\": \"Flatten\"},"
  "  {\"type\": \"Linear\", \"in_features\": 8, \"out_features\": 3}],"
  " \"training\": {\"dataset\": \"toy\", \"epochs\": 1, \"batch_size\": 2,"
  "  \"loss\": \"CrossEntropyLoss\", \"init\": \"default\", \"seed\": 0,"
  "  \"optimizer\": {\"type\": \"SGD\", \"lr\": 0.1}}}";

/* ---- after a training run ---------------------------------------------------------------- */

typedef struct {
  GMainLoop     *loop;
  int            epochs;
  char          *error;
  StBestWeights *best;
} RunWatch;

static void
on_run_event (StTrainer *trainer, const StTrainerEvent *e, gpointer data)
{
  RunWatch *w = data;

  if (e->kind == ST_TRAINER_EVENT_EPOCH)
    w->epochs++;
  else if (e->kind == ST_TRAINER_EVENT_ERROR)
    w->error = g_strdup (e->message);
  else if (e->kind == ST_TRAINER_EVENT_FINISHED)
    {
      w->best = e->best != NULL ? st_best_weights_ref (e->best) : NULL;
      g_main_loop_quit (w->loop);
    }
}

static gboolean
run_timeout (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* Trains the test model on the bars, to its end or stopped at once; returns what FINISHED
 * handed over. */
static StBestWeights *
train (const StSpec *run_spec, gboolean stop_at_once, RunWatch *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StTrainer) trainer = NULL;
  StTrainerOptions options;
  guint guard;

  st_trainer_options_init (&options);
  options.device = ST_DEVICE_CPU;
  options.dataset = data_dir;
  trainer = st_trainer_new (run_spec, &options, on_run_event, w, &error);
  g_assert_no_error (error);
  w->loop = g_main_loop_new (NULL, FALSE);
  guard = g_timeout_add_seconds (GUARD_SECONDS, run_timeout, NULL);
  st_trainer_start (trainer);
  if (stop_at_once)
    st_trainer_stop (trainer);
  g_main_loop_run (w->loop);
  g_source_remove (guard);
  g_clear_pointer (&w->loop, g_main_loop_unref);
  g_test_message ("%d epochs, best %d (%.3f): %s", w->epochs,
                  w->best != NULL ? w->best->epoch : 0,
                  w->best != NULL ? w->best->test_acc : 0.0, w->error);
  return g_steal_pointer (&w->best);
}

static const char *
status_text (Fixture *f)
{
  return gtk_label_get_text (GTK_LABEL (ui_test_find_named (GTK_WIDGET (f->view), "status-label")));
}

/* The first convolution's weight as the view shows it equals `expected`'s. */
static void
assert_filters (Fixture *f, const float *expected)
{
  const StSnapshot *shown = st_activations_view_get_snapshot (f->view);

  g_assert_nonnull (shown);
  g_assert_nonnull (shown->filters);
  g_assert_cmpmem (shown->filters, 36 * sizeof (float), expected, 36 * sizeof (float));
}

/* A run whose weights grow a few percent a step (a negative weight decay) learns the bars,
 * then its logits explode and it diverges (here in epoch 17, epoch 2 its best). The page
 * shows the best epoch's network, says so, and counts as many right answers as the run did
 * at that epoch. */
static void
test_run_best (Fixture *f, gconstpointer data)
{
  g_autoptr (StSpec) run_spec = st_spec_copy (spec);
  g_autoptr (StBestWeights) best = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree char *epoch = NULL, *percent = NULL;
  RunWatch w = { 0 };
  const gint64 *confusion;
  gint64 right = 0;
  int K;

  g_assert_no_error (error);
  run_spec->training.epochs = 100;
  run_spec->training.optimizer.lr = 0.05;
  run_spec->training.optimizer.weight_decay = -5;
  evaluate (f, NULL);
  st_activations_view_set_live (f->view, TRUE);
  best = train (run_spec, FALSE, &w);
  g_assert_nonnull (w.error != NULL ? strstr (w.error, "diverged") : NULL);
  g_free (w.error);
  g_assert_nonnull (best);
  if (best == NULL)
    return;
  g_assert_cmpint (best->epoch, >=, 1);
  g_assert_cmpint (best->epoch, <=, w.epochs);

  st_activations_view_show_run_best (f->view, best);
  g_assert_true (is_busy (f->view));
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
  assert_filters (f, best->params + net->tensors[st_net_find_tensor (net, "0.weight")].offset);
  confusion = st_activations_view_get_confusion (f->view, &K);
  g_assert_nonnull (confusion);
  for (int k = 0; k < K; k++)
    right += confusion[k * K + k];
  g_assert_cmpfloat_with_epsilon ((double) right / N_TEST, best->test_acc, 1e-9);
  g_assert_cmpfloat (best->test_acc, >, 0.5);
  epoch = g_strdup_printf ("epoch %d", best->epoch);
  percent = g_strdup_printf ("%.1f %%", 100.0 * best->test_acc);
  g_test_message ("%s", status_text (f));
  g_assert_nonnull (strstr (status_text (f), "Best of the run"));
  g_assert_nonnull (strstr (status_text (f), epoch));
  g_assert_nonnull (strstr (status_text (f), percent));

  /* Weights chosen afterwards replace the run's, and the status names them. */
  evaluate (f, weights_path);
  g_assert_null (strstr (status_text (f), "Best of the run"));
  g_assert_nonnull (strstr (status_text (f), "other.safetensors"));
}

/* A run stopped before its first epoch ended leaves nothing: the page goes back from the
 * run's pictures to the weights it showed before, and says why. */
static void
test_run_left_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) before_ev = open_evaluator (weights_path);
  g_autoptr (StEvaluator) initial = open_evaluator (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) run_pictures = st_evaluator_snapshot (initial, 4, &error);
  g_autoptr (StSnapshot) expected = NULL;
  g_autofree gint64 *confusion = NULL;
  RunWatch w = { 0 };
  StBestWeights *best;
  int K;

  g_assert_no_error (error);
  evaluate (f, weights_path);
  confusion = g_memdup2 (st_activations_view_get_confusion (f->view, &K),
                         sizeof (gint64) * N_CLASSES * N_CLASSES);
  st_activations_view_set_live (f->view, TRUE);
  st_activations_view_show_snapshot (f->view, run_pictures);
  assert_filters (f, run_pictures->filters);

  best = train (spec, TRUE, &w);
  g_assert_null (best);
  g_assert_null (w.error);
  g_assert_cmpint (w.epochs, ==, 0);
  st_activations_view_show_run_best (f->view, NULL);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
  g_assert_cmpint (st_activations_view_get_example (f->view), ==, 4);
  expected = st_evaluator_snapshot (before_ev, 4, &error);
  g_assert_no_error (error);
  assert_filters (f, expected->filters);
  g_assert_cmpmem (st_activations_view_get_confusion (f->view, NULL),
                   sizeof (gint64) * K * K, confusion, sizeof (gint64) * N_CLASSES * N_CLASSES);
  g_test_message ("%s", status_text (f));
  g_assert_nonnull (strstr (status_text (f), "before its first epoch"));
  g_assert_nonnull (strstr (status_text (f), "other.safetensors"));
}

/* With nothing shown before the run, nothing is shown after it: not the run's pictures. */
static void
test_run_left_nothing_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) initial = open_evaluator (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) run_pictures = st_evaluator_snapshot (initial, 4, &error);

  g_assert_no_error (error);
  st_activations_view_set_live (f->view, TRUE);
  st_activations_view_show_snapshot (f->view, run_pictures);
  g_assert_cmpstr (visible_page (f), ==, "results");
  st_activations_view_show_run_best (f->view, NULL);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "empty");
  g_assert_null (st_activations_view_get_snapshot (f->view));
  g_assert_nonnull (strstr (status_text (f), "no weights to show"));
}
/* ---- what the view names, and where it looks ---------------------------------------------- */

/* The names the class list offers, joined by "|". */
static char *
listed_classes (Fixture *f)
{
  GtkDropDown *dropdown = GTK_DROP_DOWN (ui_test_find_named (GTK_WIDGET (f->view), "class-dropdown"));
  GListModel *names = gtk_drop_down_get_model (dropdown);
  g_autoptr (GString) joined = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    g_string_append_printf (joined, "%s%s", i > 0 ? "|" : "",
                            gtk_string_list_get_string (GTK_STRING_LIST (names), i));
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static const char *
label_text (Fixture *f, const char *name)
{
  return gtk_label_get_text (GTK_LABEL (ui_test_find_named (GTK_WIDGET (f->view), name)));
}

static StSpec *
load_toy3 (void)
{
  g_autoptr (GError) error = NULL;
  StSpec *toy3 = st_spec_load_from_data (toy3_json, -1, "toy3", &error);

  g_assert_no_error (error);
  return toy3;
}

/* While another test set loads, nothing of the one before is offered (no class list, no
 * pictures); a test set that cannot be read leaves no class behind either. */
static void
test_other_dataset_clears (Fixture *f, gconstpointer data)
{
  g_autoptr (StSpec) toy3 = load_toy3 ();
  g_autofree char *no_data = g_build_filename (f->dir, "no-such-dataset", NULL);
  g_autofree char *classes = NULL;

  st_activations_view_set_model (f->view, toy3, NULL, NULL);
  wait_idle (f);
  classes = listed_classes (f);
  g_assert_cmpstr (classes, ==, "anti-diagonal|diagonal");
  g_clear_pointer (&classes, g_free);

  hold_released = FALSE;
  st_activations_view_set_job_hook (hold_job);
  st_activations_view_set_model (f->view, spec, NULL, held_dir);
  ui_test_spin (50);
  g_assert_true (is_busy (f->view));
  classes = listed_classes (f);
  g_assert_cmpstr (classes, ==, "");
  g_clear_pointer (&classes, g_free);
  g_assert_null (st_activations_view_get_snapshot (f->view));
  g_assert_null (st_activations_view_get_confusion (f->view, NULL));
  g_assert_cmpstr (visible_page (f), ==, "loading");
  release_held ();
  wait_idle (f);
  st_activations_view_set_job_hook (NULL);
  g_assert_cmpstr (visible_page (f), ==, "results");
  classes = listed_classes (f);
  g_assert_cmpstr (classes, ==, "0|1|2");
  g_clear_pointer (&classes, g_free);

  /* The same test set with other weights keeps its pictures until the new ones come. */
  st_activations_view_set_model (f->view, spec, weights_path, held_dir);
  g_assert_nonnull (st_activations_view_get_snapshot (f->view));
  wait_idle (f);

  st_activations_view_set_model (f->view, spec, NULL, no_data);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "error");
  classes = listed_classes (f);
  g_assert_cmpstr (classes, ==, "");
}

/* Three outputs for the toy set's two classes: the bars of its classes carry their names,
 * the third says it is an output, and a warning says the model does not fit the data. */
static void
test_output_names (Fixture *f, gconstpointer data)
{
  g_autoptr (StSpec) toy3 = load_toy3 ();
  GtkWidget *warning = ui_test_find_named (GTK_WIDGET (f->view), "outputs-warning");
  g_autoptr (StSnapshot) snap = NULL;
  StProbabilities shown;
  const char *text;

  st_activations_view_set_model (f->view, toy3, NULL, NULL);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
  shown = st_activations_view_get_probabilities (f->view);
  g_assert_cmpint (shown.n_classes, ==, 3);
  g_assert_nonnull (shown.class_names);
  if (shown.class_names != NULL)
    {
      g_assert_cmpstr (shown.class_names[0], ==, "anti-diagonal");
      g_assert_cmpstr (shown.class_names[1], ==, "diagonal");
      g_assert_cmpstr (shown.class_names[2], ==, "output 2");
    }
  g_assert_true (gtk_widget_get_visible (warning));
  text = gtk_label_get_text (GTK_LABEL (warning));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "3 outputs"));
  g_assert_nonnull (strstr (text, "toy has 2 classes"));

  /* A prediction of the output with no class is named as such. */
  snap = st_snapshot_copy (st_activations_view_get_snapshot (f->view));
  snap->example = 1;
  snap->label = 1;
  snap->prediction = 2;
  st_activations_view_show_snapshot (f->view, snap);
  g_assert_nonnull (strstr (label_text (f, "example-label"), "diagonal"));
  g_assert_nonnull (strstr (label_text (f, "prediction-label"), "output 2"));

  /* A model that fits has no warning. */
  evaluate (f, NULL);
  g_assert_false (gtk_widget_get_visible (warning));
}

/* A run on another test set than the one shown: the view loads the run's test set and names
 * the run's pictures with its classes, never with numbers or the classes of before; the
 * pictures that come before the names wait for them. Then it asks the run for a picture. */
static void
test_live_class_names (Fixture *f, gconstpointer data)
{
  g_autoptr (StSpec) toy3 = load_toy3 ();
  g_autoptr (GArray) requests = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (StEvaluator) ev = NULL;
  g_autoptr (StSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *classes = NULL, *name = NULL;

  ev = st_evaluator_new (toy3, NULL, NULL, ST_DEVICE_AUTO, &error);
  g_assert_no_error (error);
  snap = st_evaluator_snapshot (ev, 1, &error);
  g_assert_no_error (error);
  g_signal_connect (f->view, "snapshot-requested", G_CALLBACK (on_requested), requests);

  evaluate (f, NULL);
  st_activations_view_begin_run (f->view, toy3, NULL);
  g_assert_true (is_busy (f->view));
  classes = listed_classes (f);
  g_assert_cmpstr (classes, ==, "");
  g_clear_pointer (&classes, g_free);
  wait_idle (f);
  classes = listed_classes (f);
  g_assert_cmpstr (classes, ==, "anti-diagonal|diagonal");
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_cmpstr (visible_page (f), ==, "loading");
  st_activations_view_show_snapshot (f->view, snap);
  g_assert_cmpstr (visible_page (f), ==, "results");
  name = g_strdup_printf ("Test image 1: %s",
                          st_evaluator_test_set (ev)->class_names[snap->label]);
  g_assert_cmpstr (label_text (f, "example-label"), ==, name);
  g_assert_nonnull (strstr (label_text (f, "status-label"), "network being trained"));
  /* No confusion matrix of the run's test set: nothing was evaluated on it. */
  g_assert_null (st_activations_view_get_confusion (f->view, NULL));

  /* Pictures that come before the test set wait for its names. */
  hold_released = FALSE;
  st_activations_view_set_job_hook (hold_job);
  st_activations_view_begin_run (f->view, spec, held_dir);
  g_clear_pointer (&snap, st_snapshot_free);
  g_clear_pointer (&ev, st_evaluator_free);
  ev = open_evaluator (NULL);
  snap = st_evaluator_snapshot (ev, 4, &error);
  g_assert_no_error (error);
  st_activations_view_show_snapshot (f->view, snap);
  g_assert_cmpstr (visible_page (f), ==, "loading");
  release_held ();
  wait_idle (f);
  st_activations_view_set_job_hook (NULL);
  g_assert_cmpstr (visible_page (f), ==, "results");
  g_assert_nonnull (strstr (label_text (f, "example-label"), "Test image 4: 1"));
  g_assert_cmpuint (requests->len, ==, 1);

  /* The hint about edits shows only while the run is live. */
  st_activations_view_set_run_outdated (f->view, TRUE);
  g_assert_true (gtk_widget_get_visible (ui_test_find_named (GTK_WIDGET (f->view), "run-hint")));
  st_activations_view_set_live (f->view, FALSE);
  g_assert_false (gtk_widget_get_visible (ui_test_find_named (GTK_WIDGET (f->view), "run-hint")));
}

static GtkGesture *
click_gesture (GtkWidget *area)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (area);
  GtkGesture *click = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (c))
        click = GTK_GESTURE (c);
    }
  g_assert_nonnull (click);
  return click;
}

/* Clicks the cell (t, p) of the confusion matrix as drawn now; FALSE when no point of the
 * picture is on it. */
static gboolean
click_cell (Fixture *f, int t, int p)
{
  GtkWidget *area = ui_test_find_named (GTK_WIDGET (f->view), "confusion-picture");
  const gint64 *counts;
  g_autofree guint8 *unused = NULL;
  StGridOptions options;
  StConfusion confusion = { NULL };
  int w, h, K;

  unused = render_widget (f, area, &w, &h);
  counts = st_activations_view_get_confusion (f->view, &K);
  confusion = (StConfusion) { NULL, counts, K, FALSE, 0, 0 };
  st_grid_options_init (&options);
  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      {
        int row, col;

        if (st_confusion_hit_test (w, h, &confusion, &options, x, y, &row, &col)
            && row == t && col == p)
          {
            g_signal_emit_by_name (click_gesture (area), "released", 1, (double) x, (double) y);
            return TRUE;
          }
      }
  return FALSE;
}

/* A click on a cell of the confusion matrix shows that cell's images in the gallery (true
 * class and prediction as in the cell); the Clear Filter button, or a second click on the
 * cell, brings back every misclassified image. */
static void
test_confusion_filter (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) ev = open_evaluator (NULL);
  const StDataset *test = st_evaluator_test_set (ev);
  GtkWidget *clear = ui_test_find_named (GTK_WIDGET (f->view), "gallery-clear-button");
  guint8 predictions[N_TEST];
  const gint64 *confusion, *shown;
  gint64 wrong = 0;
  guint n;
  int K, t = -1, p = -1;

  g_assert_true (st_evaluator_predict_all (ev, predictions, NULL, NULL, NULL));
  evaluate (f, NULL);
  confusion = st_activations_view_get_confusion (f->view, &K);
  /* the fullest cell off the diagonal */
  for (int r = 0; r < K; r++)
    for (int c = 0; c < K; c++)
      {
        wrong += r != c ? confusion[r * K + c] : 0;
        if (r != c && confusion[r * K + c] > 0
            && (t < 0 || confusion[r * K + c] > confusion[t * K + p]))
          t = r, p = c;
      }
  if (t < 0)
    {
      g_test_skip ("the starting weights get every image right");
      return;
    }
  g_assert_false (gtk_widget_get_visible (clear));
  shown = st_activations_view_get_gallery (f->view, &n);
  g_assert_cmpuint (n, ==, MIN (wrong, GALLERY_SHOWN));

  g_assert_true (click_cell (f, t, p));
  shown = st_activations_view_get_gallery (f->view, &n);
  g_assert_cmpuint (n, ==, MIN (confusion[t * K + p], GALLERY_SHOWN));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (test->labels[shown[i]], ==, t);
      g_assert_cmpint (predictions[shown[i]], ==, p);
    }
  g_assert_true (gtk_widget_get_visible (clear));
  g_assert_nonnull (strstr (label_text (f, "gallery-label"), "True "));

  g_signal_emit_by_name (clear, "clicked");
  shown = st_activations_view_get_gallery (f->view, &n);
  g_assert_cmpuint (n, ==, MIN (wrong, GALLERY_SHOWN));
  g_assert_false (gtk_widget_get_visible (clear));
  g_assert_nonnull (strstr (label_text (f, "gallery-label"), "Misclassified"));

  /* The diagonal: the images of the class it got right; a second click clears. */
  g_assert_true (click_cell (f, t, t));
  shown = st_activations_view_get_gallery (f->view, &n);
  g_assert_cmpuint (n, ==, MIN (confusion[t * K + t], GALLERY_SHOWN));
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (predictions[shown[i]], ==, t);
  g_assert_true (click_cell (f, t, t));
  shown = st_activations_view_get_gallery (f->view, &n);
  g_assert_cmpuint (n, ==, MIN (wrong, GALLERY_SHOWN));
  g_assert_false (gtk_widget_get_visible (clear));
}

/* Page Up and Page Down are the window's shortcuts while the view is in it (managed, not
 * only while the focus is inside), and step through the class. */
static void
test_page_keys (Fixture *f, gconstpointer data)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->view));
  const char *expected[][2] = { { "Page_Up", "activations.previous" },
                                { "Page_Down", "activations.next" } };
  GtkShortcut *found[2] = { NULL, NULL };

  evaluate (f, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c)
          || gtk_shortcut_controller_get_scope (GTK_SHORTCUT_CONTROLLER (c))
             == GTK_SHORTCUT_SCOPE_LOCAL)
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (c), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (
                                       gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          for (int k = 0; k < 2; k++)
            if (g_str_equal (trigger, expected[k][0]) && GTK_IS_NAMED_ACTION (action)
                && g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)),
                                expected[k][1]))
              found[k] = shortcut;
        }
    }
  g_assert_nonnull (found[0]);
  g_assert_nonnull (found[1]);
  if (found[0] == NULL || found[1] == NULL)
    return;

  /* Image 2 is class 2's first; Page Down gives its second (5), Page Up the first again. */
  st_activations_view_select_example (f->view, 2);
  wait_idle (f);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (found[1]), 0,
                                               GTK_WIDGET (f->view), NULL));
  wait_idle (f);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 5);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (found[0]), 0,
                                               GTK_WIDGET (f->view), NULL));
  wait_idle (f);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 2);
}

int
main (int argc, char **argv)
{
  static const UI_TEST_CASE (Fixture) cases[] = {
    { "/activations-view/run-best", test_run_best },
    { "/activations-view/run-left-nothing", test_run_left_nothing },
    { "/activations-view/run-left-nothing-empty", test_run_left_nothing_empty },
    { "/activations-view/other-dataset-clears", test_other_dataset_clears },
    { "/activations-view/output-names", test_output_names },
    { "/activations-view/live-class-names", test_live_class_names },
    { "/activations-view/confusion-filter", test_confusion_filter },
    { "/activations-view/page-keys", test_page_keys },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  activations_data_init ();

  UI_TEST_ADD_CASES (ui_test_init (TRUE), cases, Fixture, fixture_set_up, fixture_tear_down);

  status = g_test_run ();
  activations_data_clear ();
  return status;
}
