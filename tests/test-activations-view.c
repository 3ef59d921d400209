/* test-activations-view.c: the activations view against the evaluator it is built on
 * (the set, the model and the window: activations-fixture.h).
 *
 * The core cases check what the view relies on: every test image's prediction, the filters
 * in a snapshot, a snapshot's copy. The widget cases put the view in a real window and
 * compare what it shows with an StEvaluator of the same model; without a display they are
 * skipped. Runs, other datasets and names: test-activations-sources.c.
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
  text = gtk_label_get_text (GTK_LABEL (ui_test_find_named (GTK_WIDGET (f->view), "prediction-label")));
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
  GtkWidget *input = ui_test_find_named (GTK_WIDGET (f->view), "input-picture");
  GtkDropDown *classes = GTK_DROP_DOWN (ui_test_find_named (GTK_WIDGET (f->view), "class-dropdown"));
  GtkSpinButton *index = GTK_SPIN_BUTTON (ui_test_find_named (GTK_WIDGET (f->view), "index-spin"));
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
  GtkWidget *area = ui_test_find_named (GTK_WIDGET (f->view), "gallery-picture");
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (ui_test_find_named (GTK_WIDGET (f->view),
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
  text = gtk_label_get_text (GTK_LABEL (ui_test_find_named (GTK_WIDGET (f->view), "prediction-label")));
  g_assert_nonnull (strstr (text, "75.0"));
  g_assert_cmpstr (visible_page (f), ==, "results");
}

static void
test_live (Fixture *f, gconstpointer data)
{
  g_autoptr (GArray) requests = g_array_new (FALSE, FALSE, sizeof (gint64));
  GtkWidget *refresh = ui_test_find_named (GTK_WIDGET (f->view), "refresh-button");
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
  AdwStatusPage *page = ADW_STATUS_PAGE (ui_test_find_named (GTK_WIDGET (f->view), "error-page"));

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
  AdwStatusPage *page = ADW_STATUS_PAGE (ui_test_find_named (GTK_WIDGET (f->view), "error-page"));
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
  text = gtk_label_get_text (GTK_LABEL (ui_test_find_named (GTK_WIDGET (f->view), "prediction-label")));
  g_assert_nonnull (strstr (text, percent));
  confusion = st_activations_view_get_confusion (f->view, &K);
  g_assert_cmpint (K, ==, 2);
  g_assert_cmpint (confusion[0] + confusion[1] + confusion[2] + confusion[3], ==, 2);
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
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  activations_data_init ();

  g_test_add_func ("/evaluator/predict-all", test_predict_all);
  g_test_add_func ("/evaluator/snapshot-filters", test_snapshot_filters);
  g_test_add_func ("/snapshot/copy", test_snapshot_copy);
  g_test_add_func ("/snapshot/classify", test_classify);

  UI_TEST_ADD_CASES (ui_test_init (TRUE), cases, Fixture, fixture_set_up, fixture_tear_down);

  status = g_test_run ();
  activations_data_clear ();
  return status;
}
