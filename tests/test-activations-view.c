/* test-activations-view.c: the activations view against the evaluator it is built on.
 *
 * A small IDX set (three classes of 12×12 images, each a bright bar at its own height, with
 * noise) is written into a temporary folder, and a two-convolution model looks at it with
 * its starting weights or with weights saved to a file. The core cases check what the view
 * relies on: every test image's prediction, the filters in a snapshot, a snapshot's copy.
 * The widget cases put the view in a real window and compare what it shows with an
 * StEvaluator of the same model; without a display they are skipped.
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
#include "test-util.h"
#include "ui-test-util.h"

#define SIDE      12
#define N_CLASSES 3
#define N_TRAIN   60
#define N_TEST    45
#define GALLERY_SHOWN 32        /* the view draws the first 32 misclassified images */
#define GUARD_SECONDS 60        /* work that never ends fails the test instead of hanging */

static const char *model_json =
  "{\"format\": \"strata-model/1\", \"name\": \"Bars\","
  " \"input\": {\"channels\": 1, \"height\": 12, \"width\": 12},"
  " \"layers\": ["
  "  {\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 4, \"kernel_size\": 3},"
  "  {\"type\": \"ReLU\"},"
  "  {\"type\": \"Conv2d\", \"in_channels\": 4, \"out_channels\": 6, \"kernel_size\": 3},"
  "  {\"type\": \"ReLU\"},"
  "  {\"type\": \"MaxPool2d\", \"kernel_size\": 2},"
  "  {\"type\": \"Flatten\"},"
  "  {\"type\": \"Linear\", \"in_features\": 96, \"out_features\": 3}],"
  " \"training\": {\"dataset\": \"toy\", \"epochs\": 1, \"batch_size\": 8,"
  "  \"loss\": \"CrossEntropyLoss\", \"init\": \"kaiming_uniform\", \"seed\": 7,"
  "  \"optimizer\": {\"type\": \"SGD\", \"lr\": 0.1}}}";

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

static char *data_dir;          /* the IDX files */
static char *held_dir;          /* the same files in a folder whose name ends in "held" */
static char *weights_path;      /* weights other than the starting ones */
static StSpec *spec;

/* ---- data ------------------------------------------------------------------------------- */

/* Class k is a bar at rows 1 + 4k and 2 + 4k, image i of class i mod 3. */
static const StTestBars bars = { SIDE, N_CLASSES, FALSE, 1, 4, 2 };

/* Weights unlike the starting ones: the same initialiser with another seed. */
static void
write_weights (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree float *params = NULL, *buffers = NULL;
  StRng rng;

  g_assert_no_error (error);
  params = g_new0 (float, net->n_params);
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, 12345);
  st_net_init_params (net, params, buffers, ST_INIT_KAIMING_UNIFORM, &rng);
  g_assert_true (st_checkpoint_save (net, params, buffers, NULL, weights_path, &error));
  g_assert_no_error (error);
}

static StEvaluator *
open_evaluator (const char *weights)
{
  g_autoptr (GError) error = NULL;
  StEvaluator *ev = st_evaluator_new (spec, weights, data_dir, ST_DEVICE_AUTO, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ev);
  return ev;
}

/* ---- core ------------------------------------------------------------------------------- */

static gboolean
cancel_at_first (gpointer data)
{
  int *asked = data;

  return ++*asked == 1;
}

static void
test_predict_all (void)
{
  g_autoptr (StEvaluator) ev = open_evaluator (NULL);
  g_autoptr (GError) error = NULL;
  guint8 predictions[N_TEST];
  StMetrics metrics;
  gint64 correct = 0;
  int asked = 0;

  g_assert_true (st_evaluator_predict_all (ev, predictions, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gint64 i = 0; i < N_TEST; i++)
    {
      g_autoptr (StSnapshot) snap = st_evaluator_snapshot (ev, i, &error);

      g_assert_no_error (error);
      g_assert_cmpint (predictions[i], ==, snap->prediction);
      correct += predictions[i] == st_evaluator_test_set (ev)->labels[i];
    }
  /* The batched evaluation counts the same right answers. */
  g_assert_true (st_evaluator_run (ev, &metrics, &error));
  g_assert_no_error (error);
  g_assert_cmpint (metrics.correct, ==, correct);

  /* asked before each batch: the test set is one batch, and the first answer ends it */
  g_assert_false (st_evaluator_predict_all (ev, predictions, cancel_at_first, &asked, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (asked, ==, 1);
}

/* Without a weights file the evaluator starts where training would: the spec's initialiser
 * and seed; with one, the file's weights. The snapshot carries the first Conv2d's weight. */
static void
test_snapshot_filters (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autoptr (StEvaluator) fresh = open_evaluator (NULL);
  g_autoptr (StEvaluator) saved = open_evaluator (weights_path);
  g_autoptr (StSnapshot) a = st_evaluator_snapshot (fresh, 4, &error);
  g_autoptr (StSnapshot) b = st_evaluator_snapshot (saved, 4, &error);
  g_autofree float *params = g_new0 (float, net->n_params);
  g_autofree float *buffers = g_new0 (float, MAX (net->n_buffers, 1));
  const StTensorInfo *w = &net->tensors[st_net_find_tensor (net, "0.weight")];
  StRng rng;

  g_assert_no_error (error);
  st_rng_init (&rng, spec->training.seed);
  st_net_init_params (net, params, buffers, spec->training.init, &rng);
  g_assert_nonnull (a->filters);
  g_assert_cmpint (a->filter_dims[0], ==, 4);
  g_assert_cmpint (a->filter_dims[1], ==, 1);
  g_assert_cmpint (a->filter_dims[2], ==, 3);
  g_assert_cmpint (a->filter_dims[3], ==, 3);
  g_assert_cmpmem (a->filters, sizeof (float) * w->numel, params + w->offset,
                   sizeof (float) * w->numel);
  g_assert_nonnull (b->filters);
  g_assert_true (memcmp (a->filters, b->filters, sizeof (float) * w->numel) != 0);
}

static void
test_snapshot_copy (void)
{
  g_autoptr (StEvaluator) ev = open_evaluator (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) snap = st_evaluator_snapshot (ev, 7, &error);
  g_autoptr (StSnapshot) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (snap->n_maps, ==, 2);
  copy = st_snapshot_copy (snap);
  g_assert_true (copy->input != snap->input && copy->maps[1] != snap->maps[1]);
  g_assert_cmpint (copy->example, ==, 7);
  g_assert_cmpint (copy->prediction, ==, snap->prediction);
  g_assert_cmpmem (copy->probabilities, 3 * sizeof (float), snap->probabilities,
                   3 * sizeof (float));
  g_assert_cmpmem (copy->input, SIDE * SIDE * sizeof (float), snap->input,
                   SIDE * SIDE * sizeof (float));
  g_assert_cmpstr (copy->map_paths[1], ==, "2");
  g_assert_cmpmem (copy->maps[1], 6 * 8 * 8 * sizeof (float), snap->maps[1],
                   6 * 8 * 8 * sizeof (float));
  g_assert_cmpmem (copy->filters, 36 * sizeof (float), snap->filters, 36 * sizeof (float));
}

static void
test_classify (void)
{
  float probs[3];

  /* A tie goes to the first class; the probabilities sum to one. */
  g_assert_cmpint (st_snapshot_classify ((float[]) { 1.0f, 3.0f, 3.0f }, 3, probs), ==, 1);
  g_assert_cmpfloat_with_epsilon (probs[0] + probs[1] + probs[2], 1.0, 1e-6);
  g_assert_cmpfloat (probs[1], ==, probs[2]);
  g_assert_cmpint (st_snapshot_classify ((float[]) { -2.0f, -1.0f, -5.0f }, 3, NULL), ==, 1);
  /* One output is already class 1's probability. */
  g_assert_cmpint (st_snapshot_classify ((float[]) { 0.5f }, 1, probs), ==, 1);
  g_assert_cmpfloat (probs[0], ==, 0.5f);
  g_assert_cmpint (st_snapshot_classify ((float[]) { 0.49f }, 1, NULL), ==, 0);
}

/* ---- the widget ------------------------------------------------------------------------- */

typedef struct {
  GtkWidget         *window;
  StActivationsView *view;
  GskRenderer       *renderer;
  char              *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 1000);
  f->view = ST_ACTIVATIONS_VIEW (st_activations_view_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  gtk_window_present (GTK_WINDOW (f->window));
  f->renderer = gsk_cairo_renderer_new ();
  gsk_renderer_realize (f->renderer, NULL, &error);
  g_assert_no_error (error);
  f->dir = st_test_make_tmp ("strata-activations-XXXXXX");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  gsk_renderer_unrealize (f->renderer);
  g_clear_object (&f->renderer);
  st_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
is_busy (StActivationsView *view)
{
  gboolean busy;

  g_object_get (view, "busy", &busy, NULL);
  return busy;
}

static gboolean
is_idle (gpointer view)
{
  return !is_busy (view);
}

/* Iterates the main context until every worker of the view has reported back. */
static void
wait_idle (Fixture *f)
{
  g_assert_true (ui_test_wait_until (is_idle, f->view, GUARD_SECONDS));
}

static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_widget_get_name (child), name) == 0)
        return child;
      if ((found = find_named (child, name)) != NULL)
        return found;
    }
  return NULL;
}

static const char *
visible_page (Fixture *f)
{
  GtkWidget *page = find_named (GTK_WIDGET (f->view), "error-page");

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (page)));
}

/* The widget's pixels after the next frame (the paintable shows the last frame drawn). */
static guint8 *
render_widget (Fixture *f, GtkWidget *widget, int *width, int *height)
{
  return ui_test_render_pixels (widget, f->renderer, GUARD_SECONDS, width, height);
}

static void
evaluate (Fixture *f, const char *weights)
{
  st_activations_view_set_model (f->view, spec, weights, data_dir);
  g_assert_true (is_busy (f->view));
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
}

static void
test_results (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) expected = NULL;
  g_autofree char *percent = NULL;
  const StSnapshot *shown;
  const gint64 *confusion;
  const StDataset *test = st_evaluator_test_set (ev);
  guint8 predictions[N_TEST];
  gint64 counts[N_CLASSES * N_CLASSES] = { 0 };
  const char *text;
  gint64 sum = 0;
  int K;

  evaluate (f, weights_path);
  shown = st_activations_view_get_snapshot (f->view);
  g_assert_nonnull (shown);
  expected = st_evaluator_snapshot (ev, st_activations_view_get_example (f->view), &error);
  g_assert_no_error (error);
  g_assert_cmpint (shown->example, ==, expected->example);
  g_assert_cmpint (shown->prediction, ==, expected->prediction);
  g_assert_cmpint (shown->label, ==, expected->label);
  for (int k = 0; k < N_CLASSES; k++)
    g_assert_cmpfloat_with_epsilon (shown->probabilities[k], expected->probabilities[k], 1e-6);
  text = gtk_label_get_text (GTK_LABEL (find_named (GTK_WIDGET (f->view), "prediction-label")));
  percent = g_strdup_printf ("%.1f", 100.0 * expected->probabilities[expected->prediction]);
  g_assert_nonnull (strstr (text, test->class_names[expected->prediction]));
  g_assert_nonnull (strstr (text, percent));

  /* The confusion matrix counts every test image once, in the evaluator's cells. */
  confusion = st_activations_view_get_confusion (f->view, &K);
  g_assert_nonnull (confusion);
  g_assert_cmpint (K, ==, N_CLASSES);
  g_assert_true (st_evaluator_predict_all (ev, predictions, NULL, NULL, &error));
  for (int i = 0; i < N_TEST; i++)
    counts[test->labels[i] * N_CLASSES + predictions[i]]++;
  for (int i = 0; i < K * K; i++)
    sum += confusion[i];
  g_assert_cmpint (sum, ==, N_TEST);
  g_assert_cmpmem (confusion, sizeof counts, counts, sizeof counts);
}

static void
test_select (Fixture *f, gconstpointer data)
{
  GtkWidget *input = find_named (GTK_WIDGET (f->view), "input-picture");
  GtkDropDown *classes = GTK_DROP_DOWN (find_named (GTK_WIDGET (f->view), "class-dropdown"));
  GtkSpinButton *index = GTK_SPIN_BUTTON (find_named (GTK_WIDGET (f->view), "index-spin"));
  g_autofree guint8 *before = NULL, *after = NULL;
  int w1, h1, w2, h2;

  evaluate (f, NULL);
  g_assert_cmpint (st_activations_view_get_example (f->view), ==, 0);
  before = render_widget (f, input, &w1, &h1);

  /* Image 7 is the third of class 1 (labels go 0, 1, 2, 0, ...). */
  st_activations_view_select_example (f->view, 7);
  wait_idle (f);
  g_assert_cmpint (st_activations_view_get_example (f->view), ==, 7);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 7);
  g_assert_cmpuint (gtk_drop_down_get_selected (classes), ==, 1);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (index), ==, 3);
  after = render_widget (f, input, &w2, &h2);
  g_assert_cmpint (w1, ==, w2);
  g_assert_cmpint (h1, ==, h2);
  g_assert_true (memcmp (before, after, (gsize) w1 * h1 * 4) != 0);

  /* The controls browse by class: class 2's first image, then its second. */
  gtk_drop_down_set_selected (classes, 2);
  wait_idle (f);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 2);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "activations.next", NULL);
  wait_idle (f);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 5);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (index), ==, 2);
}

/* A click on a misclassified image picks it and brings its pictures into view. */
static void
test_gallery_click (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) ev = open_evaluator (NULL);
  GtkWidget *area = find_named (GTK_WIDGET (f->view), "gallery-picture");
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (find_named (GTK_WIDGET (f->view),
                                                                 "results-scroller"));
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroller);
  const StDataset *test = st_evaluator_test_set (ev);
  g_autoptr (GListModel) controllers = NULL;
  g_autoptr (GPtrArray) captions = g_ptr_array_new_with_free_func (g_free);
  g_autofree StGalleryItem *items = g_new0 (StGalleryItem, N_TEST);
  GtkGesture *click = NULL;
  guint8 predictions[N_TEST];
  gint64 wrong[N_TEST];
  int n = 0, w, h, target;
  StGridOptions options;
  float pixels[SIDE * SIDE] = { 0 };
  g_autofree guint8 *unused = NULL;

  g_assert_true (st_evaluator_predict_all (ev, predictions, NULL, NULL, NULL));
  for (gint64 i = 0; i < N_TEST; i++)
    if (predictions[i] != test->labels[i])
      {
        char *caption = g_strdup_printf ("%s\n→ %s", test->class_names[test->labels[i]],
                                         test->class_names[predictions[i]]);

        g_ptr_array_add (captions, caption);
        items[n] = (StGalleryItem) { { pixels, 1, SIDE, SIDE }, caption,
                                     ST_GALLERY_MARK_WRONG };
        wrong[n++] = i;
      }
  if (n == 0)
    {
      g_test_skip ("the starting weights get every image right");
      return;
    }
  evaluate (f, NULL);
  unused = render_widget (f, area, &w, &h);

  controllers = gtk_widget_observe_controllers (area);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (c))
        click = GTK_GESTURE (c);
    }
  g_assert_nonnull (click);
  /* The gallery is far below the image's pictures: scrolled down to it, */
  gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v) - gtk_adjustment_get_page_size (v));
  g_assert_cmpfloat (gtk_adjustment_get_value (v), >, gtk_adjustment_get_lower (v));

  /* The last image shown: find a point on it with the renderer's own hit test. */
  st_grid_options_init (&options);
  target = MIN (n, GALLERY_SHOWN) - 1;
  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      if (st_gallery_hit_test (w, h, items, MIN (n, GALLERY_SHOWN), &options, x, y) == target)
        {
          g_signal_emit_by_name (click, "released", 1, (double) x, (double) y);
          y = h;
          break;
        }
  wait_idle (f);
  g_assert_cmpint (st_activations_view_get_example (f->view), ==, wrong[target]);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, wrong[target]);
  /* and the picked image's pictures are scrolled into view. */
  g_assert_cmpfloat (gtk_adjustment_get_value (v), ==, gtk_adjustment_get_lower (v));
}

static void
test_show_snapshot (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSnapshot) snap = st_evaluator_snapshot (ev, 11, &error);
  const StSnapshot *shown;
  const char *text;

  g_assert_no_error (error);
  evaluate (f, NULL);
  /* Live pictures replace the evaluated ones without evaluating anything. */
  snap->probabilities[0] = 0.125f;
  snap->probabilities[1] = 0.75f;
  snap->probabilities[2] = 0.125f;
  snap->prediction = 1;
  st_activations_view_show_snapshot (f->view, snap);
  g_assert_false (is_busy (f->view));
  shown = st_activations_view_get_snapshot (f->view);
  g_assert_true (shown != snap);
  g_assert_cmpint (shown->example, ==, 11);
  g_assert_cmpint (st_activations_view_get_example (f->view), ==, 11);
  g_assert_cmpfloat (shown->probabilities[1], ==, 0.75f);
  g_assert_cmpmem (shown->maps[0], 4 * 10 * 10 * sizeof (float), snap->maps[0],
                   4 * 10 * 10 * sizeof (float));
  text = gtk_label_get_text (GTK_LABEL (find_named (GTK_WIDGET (f->view), "prediction-label")));
  g_assert_nonnull (strstr (text, "75.0"));
  g_assert_cmpstr (visible_page (f), ==, "results");
}

static void
on_requested (StActivationsView *view, gint64 example, GArray *requests)
{
  g_array_append_val (requests, example);
}

static void
test_live (Fixture *f, gconstpointer data)
{
  g_autoptr (GArray) requests = g_array_new (FALSE, FALSE, sizeof (gint64));
  GtkWidget *refresh = find_named (GTK_WIDGET (f->view), "refresh-button");
  const StSnapshot *before;

  evaluate (f, NULL);
  g_signal_connect (f->view, "snapshot-requested", G_CALLBACK (on_requested), requests);
  g_assert_false (gtk_widget_is_sensitive (refresh));
  before = st_activations_view_get_snapshot (f->view);

  st_activations_view_set_live (f->view, TRUE);
  g_assert_true (gtk_widget_is_sensitive (refresh));
  st_activations_view_select_example (f->view, 9);
  g_assert_false (is_busy (f->view));
  g_signal_emit_by_name (refresh, "clicked");
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_cmpint (g_array_index (requests, gint64, 0), ==, 9);
  g_assert_cmpint (g_array_index (requests, gint64, 1), ==, 9);
  /* Until the run answers, the view keeps what it showed. */
  g_assert_true (st_activations_view_get_snapshot (f->view) == before);

  st_activations_view_set_live (f->view, FALSE);
  st_activations_view_select_example (f->view, 10);
  wait_idle (f);
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 10);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "missing.safetensors", NULL);
  g_autofree char *no_data = g_build_filename (f->dir, "no-such-dataset", NULL);
  AdwStatusPage *page = ADW_STATUS_PAGE (find_named (GTK_WIDGET (f->view), "error-page"));

  st_activations_view_set_model (f->view, spec, missing, data_dir);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "error");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "missing.safetensors"));
  g_assert_null (st_activations_view_get_snapshot (f->view));

  st_activations_view_set_model (f->view, spec, NULL, no_data);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "error");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "no-such-dataset"));

  /* A good model afterwards replaces the error. */
  evaluate (f, NULL);
}

/* Only the newest set_model shows, whichever worker ends first. */
static void
test_newest_wins (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "missing.safetensors", NULL);
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  AdwStatusPage *page = ADW_STATUS_PAGE (find_named (GTK_WIDGET (f->view), "error-page"));
  g_autoptr (StSnapshot) expected = NULL;

  st_activations_view_set_model (f->view, spec, NULL, data_dir);
  st_activations_view_set_model (f->view, spec, missing, data_dir);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "error");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "missing.safetensors"));
  g_assert_null (st_activations_view_get_confusion (f->view, NULL));

  st_activations_view_set_model (f->view, spec, missing, data_dir);
  st_activations_view_set_model (f->view, spec, weights_path, data_dir);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
  expected = st_evaluator_snapshot (ev, st_activations_view_get_example (f->view), NULL);
  g_assert_cmpmem (st_activations_view_get_snapshot (f->view)->filters, 36 * sizeof (float),
                   expected->filters, 36 * sizeof (float));
}

static gboolean
shows_results (gpointer view)
{
  return st_activations_view_get_confusion (view, NULL) != NULL;
}

/* The hook of activations-view-private.h: a job whose dataset ends in "held" waits on the
 * worker thread until released (or the guard's time is up). */
static GMutex hold_lock;
static GCond hold_cond;
static gboolean hold_released;

static void
hold_job (const char *dataset)
{
  gint64 end = g_get_monotonic_time () + GUARD_SECONDS * G_USEC_PER_SEC;

  if (dataset == NULL || !g_str_has_suffix (dataset, "held"))
    return;
  g_mutex_lock (&hold_lock);
  while (!hold_released && g_cond_wait_until (&hold_cond, &hold_lock, end))
    ;
  g_mutex_unlock (&hold_lock);
}

static void
release_held (void)
{
  g_mutex_lock (&hold_lock);
  hold_released = TRUE;
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_lock);
}

/* A superseded worker that ends after the newer one, and with an error, changes nothing:
 * the first set_model's worker is held (its dataset does not exist, so it ends in an
 * error) until the second has shown its results. */
static void
test_stale_result_dropped (Fixture *f, gconstpointer data)
{
  g_autofree char *held = g_build_filename (f->dir, "held", NULL);
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  g_autoptr (StSnapshot) expected = NULL;

  hold_released = FALSE;
  st_activations_view_set_job_hook (hold_job);
  st_activations_view_set_model (f->view, spec, NULL, held);
  st_activations_view_set_model (f->view, spec, weights_path, data_dir);
  g_assert_true (ui_test_wait_until (shows_results, f->view, GUARD_SECONDS));
  g_assert_true (is_busy (f->view));     /* the first worker is still held */

  release_held ();
  wait_idle (f);
  st_activations_view_set_job_hook (NULL);
  g_assert_cmpstr (visible_page (f), ==, "results");
  expected = st_evaluator_snapshot (ev, st_activations_view_get_example (f->view), NULL);
  g_assert_cmpmem (st_activations_view_get_snapshot (f->view)->filters, 36 * sizeof (float),
                   expected->filters, 36 * sizeof (float));
}

/* The toy model: one output (a probability), one convolution, two images. */
static void
test_toy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) toy = st_spec_load ("toy", &error);
  g_autoptr (StEvaluator) ev = NULL;
  g_autoptr (StSnapshot) expected = NULL;
  const StSnapshot *shown;
  const gint64 *confusion;
  g_autofree char *percent = NULL;
  const char *text;
  float p;
  int K;

  g_assert_no_error (error);
  ev = st_evaluator_new (toy, NULL, NULL, ST_DEVICE_AUTO, &error);
  g_assert_no_error (error);
  expected = st_evaluator_snapshot (ev, 1, &error);
  g_assert_no_error (error);

  st_activations_view_set_model (f->view, toy, NULL, NULL);
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
  st_activations_view_select_example (f->view, 1);
  wait_idle (f);
  shown = st_activations_view_get_snapshot (f->view);
  g_assert_cmpint (shown->n_classes, ==, 1);
  g_assert_cmpint (shown->n_maps, ==, 1);
  g_assert_cmpint (shown->prediction, ==, expected->prediction);
  g_assert_cmpfloat (shown->probabilities[0], ==, expected->probabilities[0]);
  /* The shown probability is that of the predicted class. */
  p = expected->prediction == 1 ? expected->probabilities[0] : 1 - expected->probabilities[0];
  percent = g_strdup_printf ("%.1f", 100.0 * p);
  text = gtk_label_get_text (GTK_LABEL (find_named (GTK_WIDGET (f->view), "prediction-label")));
  g_assert_nonnull (strstr (text, percent));
  confusion = st_activations_view_get_confusion (f->view, &K);
  g_assert_cmpint (K, ==, 2);
  g_assert_cmpint (confusion[0] + confusion[1] + confusion[2] + confusion[3], ==, 2);
}

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
  return gtk_label_get_text (GTK_LABEL (find_named (GTK_WIDGET (f->view), "status-label")));
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

static void
test_export (Fixture *f, gconstpointer data)
{
  const char *names[] = { "input.png", "probabilities.png", "conv1-maps.png", "conv2-maps.png",
                          "conv1-filters.png", "confusion.png", "misclassified.png" };
  g_autofree char *out = g_build_filename (f->dir, "pictures", NULL);
  g_autoptr (GError) error = NULL;

  /* Nothing shown yet: nothing to write, and the message says where it would have gone. */
  g_assert_false (st_activations_view_export (f->view, out, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (error != NULL ? strstr (error->message, out) : NULL);
  g_clear_error (&error);

  evaluate (f, weights_path);
  g_assert_true (st_activations_view_export (f->view, out, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (out, names[i], NULL);
      cairo_surface_t *png = cairo_image_surface_create_from_png (path);

      g_test_message ("%s", path);
      g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (png), >=, 280);
      g_assert_cmpint (cairo_image_surface_get_height (png), >=, 280);
      cairo_surface_destroy (png);
    }
}

/* ---- what the view names, and where it looks ---------------------------------------------- */

/* The names the class list offers, joined by "|". */
static char *
listed_classes (Fixture *f)
{
  GtkDropDown *dropdown = GTK_DROP_DOWN (find_named (GTK_WIDGET (f->view), "class-dropdown"));
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
  return gtk_label_get_text (GTK_LABEL (find_named (GTK_WIDGET (f->view), name)));
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
  GtkWidget *warning = find_named (GTK_WIDGET (f->view), "outputs-warning");
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
  g_assert_true (gtk_widget_get_visible (find_named (GTK_WIDGET (f->view), "run-hint")));
  st_activations_view_set_live (f->view, FALSE);
  g_assert_false (gtk_widget_get_visible (find_named (GTK_WIDGET (f->view), "run-hint")));
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
  GtkWidget *area = find_named (GTK_WIDGET (f->view), "confusion-picture");
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
  GtkWidget *clear = find_named (GTK_WIDGET (f->view), "gallery-clear-button");
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
    { "/activations-view/results", test_results },
    { "/activations-view/select", test_select },
    { "/activations-view/gallery-click", test_gallery_click },
    { "/activations-view/show-snapshot", test_show_snapshot },
    { "/activations-view/live", test_live },
    { "/activations-view/errors", test_errors },
    { "/activations-view/newest-wins", test_newest_wins },
    { "/activations-view/stale-result-dropped", test_stale_result_dropped },
    { "/activations-view/toy", test_toy },
    { "/activations-view/export", test_export },
    { "/activations-view/run-best", test_run_best },
    { "/activations-view/run-left-nothing", test_run_left_nothing },
    { "/activations-view/run-left-nothing-empty", test_run_left_nothing_empty },
    { "/activations-view/other-dataset-clears", test_other_dataset_clears },
    { "/activations-view/output-names", test_output_names },
    { "/activations-view/live-class-names", test_live_class_names },
    { "/activations-view/confusion-filter", test_confusion_filter },
    { "/activations-view/page-keys", test_page_keys },
  };
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  data_dir = st_test_make_tmp ("strata-act-data-XXXXXX");
  st_test_write_bars (data_dir, "train", &bars, N_TRAIN, 1);
  st_test_write_bars (data_dir, "t10k", &bars, N_TEST, 2);
  held_dir = g_build_filename (data_dir, "bars-held", NULL);
  g_assert_cmpint (g_mkdir (held_dir, 0755), ==, 0);
  st_test_write_bars (held_dir, "train", &bars, N_TRAIN, 1);
  st_test_write_bars (held_dir, "t10k", &bars, N_TEST, 2);
  spec = st_spec_load_from_data (model_json, -1, "test model", &error);
  g_assert_no_error (error);
  weights_path = g_build_filename (data_dir, "other.safetensors", NULL);
  write_weights ();

  g_test_add_func ("/evaluator/predict-all", test_predict_all);
  g_test_add_func ("/evaluator/snapshot-filters", test_snapshot_filters);
  g_test_add_func ("/snapshot/copy", test_snapshot_copy);
  g_test_add_func ("/snapshot/classify", test_classify);

  UI_TEST_ADD_CASES (ui_test_init (TRUE), cases, Fixture, fixture_set_up, fixture_tear_down);

  status = g_test_run ();
  st_activations_view_wait_for_workers ();
  st_test_remove_tree (data_dir);
  g_free (data_dir);
  g_free (held_dir);
  g_free (weights_path);
  st_spec_free (spec);
  return status;
}
