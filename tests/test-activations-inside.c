/* test-activations-inside.c: looking inside on the Activations page (activations-fixture.h:
 * the bars set and its two-convolution model in a real window) — every layer's output, a
 * click on a value opening its breakdown, the arrow keys moving it, the drawing pad and a
 * picture file as the input. Every number shown is checked against an evaluator of its own.
 * Without a display every case is skipped.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "core/data/image-folder.h"
#include "core/data/image-prep.h"
#include "core/engine/evaluator.h"
#include "core/engine/explain.h"
#include "ui/activations-view-private.h"
#include "ui/activations-view.h"
#include "ui/layer-list.h"
#include "ui/strata-window.h"
#include "activations-fixture.h"
#include "png-files.h"
#include "test-util.h"
#include "ui-test-util.h"

static StLayerInspector *
inspector_of (Fixture *f)
{
  return st_activations_view_get_inspector (f->view);
}

/* The controller of `type` on `widget`. */
static GtkEventController *
controller (GtkWidget *widget, GType type)
{
  g_autoptr (GListModel) list = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (list, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return c;
    }
  g_assert_not_reached ();
}

/* The breakdown of `path` at `at` as an evaluator of its own computes it for the snapshot's
 * input (a test image, or the picture `image`). */
static StExplain *
independent (const StSnapshot *shown, StDataset *image, const char *path, const StExplainAt *at)
{
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  g_autoptr (StSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  const StExplainPass *p;
  StExplain *e;

  snap = image != NULL ? st_evaluator_snapshot_image (ev, image, &error)
                       : st_evaluator_snapshot (ev, shown->example, &error);
  g_assert_no_error (error);
  p = snap->pass;
  e = st_explain (st_evaluator_net (ev), (const float *const *) p->values, p->params, p->buffers,
                  path, at, &error);
  g_assert_no_error (error);
  return e;
}

static void
assert_same_breakdown (const StExplain *a, const StExplain *b)
{
  g_assert_cmpstr (a->path, ==, b->path);
  g_assert_cmpint (a->at.c, ==, b->at.c);
  g_assert_cmpint (a->at.y, ==, b->at.y);
  g_assert_cmpint (a->at.x, ==, b->at.x);
  g_assert_cmpfloat (a->value, ==, b->value);
  g_assert_cmpuint (a->n_terms, ==, b->n_terms);
  g_assert_cmpfloat (a->result, ==, b->result);
  for (gsize k = 0; k < a->n_terms; k++)
    {
      g_assert_cmpfloat (a->terms[k].input, ==, b->terms[k].input);
      g_assert_cmpfloat (a->terms[k].weight, ==, b->terms[k].weight);
    }
}

/* A click where the inspector draws value `at` of its layer. */
static void
click_value (Fixture *f, const StExplainAt *at)
{
  StLayerInspector *inspector = inspector_of (f);
  GtkWidget *area = st_layer_inspector_get_output_area (inspector);
  double x, y;

  g_assert_true (st_layer_inspector_value_position (inspector, at, &x, &y));
  g_signal_emit_by_name (controller (area, GTK_TYPE_GESTURE_CLICK), "pressed", 1, x, y);
}

static void
press (Fixture *f, guint keyval)
{
  GtkWidget *area = st_layer_inspector_get_output_area (inspector_of (f));
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller (area, GTK_TYPE_EVENT_CONTROLLER_KEY), "key-pressed",
                         keyval, 0, (GdkModifierType) 0, &handled);
  g_assert_true (handled);
}

/* Every layer has a list entry, an output drawn and a breakdown of its first value. */
static void
test_every_layer (Fixture *f, gconstpointer data)
{
  StLayerInspector *inspector = inspector_of (f);
  const char *paths[] = { "0", "1", "2", "3", "4", "5", "6" };
  const char *types[] = { "Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear" };

  evaluate (f, weights_path);
  ui_test_wait_for_frame (f->window, GUARD_SECONDS);
  g_assert_cmpstr (st_layer_inspector_get_layer (inspector), ==, "0");
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      StExplainAt first = { i >= 5 ? 1 : 3, 0, 0, 0 };
      const StExplain *e;
      double x, y;

      g_assert_true (st_activations_view_select_layer (f->view, paths[i]));
      e = st_layer_inspector_get_explain (inspector);
      g_assert_nonnull (e);
      g_assert_cmpstr (e->path, ==, paths[i]);
      g_assert_cmpstr (e->type, ==, types[i]);
      g_assert_cmpint (e->at.rank, ==, first.rank);
      ui_test_wait_for_frame (f->window, GUARD_SECONDS);
      g_assert_true (st_layer_inspector_value_position (inspector, &first, &x, &y));
    }
  g_assert_false (st_activations_view_select_layer (f->view, "7"));
  g_assert_false (st_activations_view_select_layer (f->view, "0.body.1"));
  g_assert_cmpstr (st_layer_inspector_get_layer (inspector), ==, "6");
}

/* A click on a value of the second convolution's maps opens its breakdown: the value and
 * every term are those of an evaluator of the same image, the following ReLU is applied. */
static void
test_click_opens_breakdown (Fixture *f, gconstpointer data)
{
  StLayerInspector *inspector = inspector_of (f);
  StExplainAt at = { 3, 4, 5, 2 };
  g_autoptr (StExplain) expected = NULL;
  g_autofree char *text = NULL;
  g_autofree guint8 *pixels = NULL;
  const StExplain *shown, *relu;
  GtkWidget *breakdown;
  int w, h, ink = 0;

  evaluate (f, weights_path);
  g_assert_true (st_activations_view_select_layer (f->view, "2"));
  ui_test_wait_for_frame (f->window, GUARD_SECONDS);
  /* pointing at the value names it */
  {
    double x, y;
    g_autofree char *tip = NULL;
    g_autofree char *value = NULL;
    const StSnapshot *snap = st_activations_view_get_snapshot (f->view);
    g_autoptr (StNet) net = st_net_compile (spec, NULL);
    int v = st_net_path_value (net, "2");

    g_assert_true (st_layer_inspector_value_position (inspector, &at, &x, &y));
    tip = st_layer_inspector_tooltip_at (inspector, x, y);
    g_assert_nonnull (tip);
    value = g_strdup_printf ("%.4g", snap->pass->values[v][(at.c * 8 + at.y) * 8 + at.x]);
    g_test_message ("%s", tip);
    g_assert_nonnull (strstr (tip, "Channel 4, row 5, column 2: "));
    g_assert_nonnull (strstr (tip, value));
    g_assert_null (st_layer_inspector_tooltip_at (inspector, -10, -10));
  }
  click_value (f, &at);
  shown = st_layer_inspector_get_explain (inspector);
  g_assert_nonnull (shown);
  expected = independent (st_activations_view_get_snapshot (f->view), NULL, "2", &at);
  assert_same_breakdown (shown, expected);
  g_assert_cmpuint (shown->n_terms, ==, 4 * 3 * 3);
  relu = st_layer_inspector_get_activation (inspector);
  g_assert_nonnull (relu);
  g_assert_cmpstr (relu->path, ==, "3");
  g_assert_cmpfloat (relu->value, ==, MAX (shown->value, 0.0f));

  /* the breakdown is drawn beside the maps, and described for the screen reader */
  text = st_layer_inspector_describe (inspector);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "Conv2d"));
  breakdown = ui_test_find_named (f->window, "breakdown");
  g_assert_nonnull (breakdown);
  ui_test_wait_for_frame (f->window, GUARD_SECONDS);
  pixels = render_widget (f, breakdown, &w, &h);
  g_assert_cmpint (h, >=, 100);
  for (int i = 0; i < w * h; i++)
    ink += memcmp (pixels + 4 * i, pixels, 4) != 0;
  g_test_message ("breakdown %d×%d px, %d drawn", w, h, ink);
  g_assert_cmpint (ink, >, w * h / 50);
}

/* The arrow keys move the position one value at a time, along the row and on to the next,
 * the window sliding over the input; Page Down goes to the next channel. */
static void
test_arrow_keys (Fixture *f, gconstpointer data)
{
  StLayerInspector *inspector = inspector_of (f);
  const StSnapshot *snap;
  struct { guint key; StExplainAt after; } steps[] = {
    { GDK_KEY_Right, { 3, 1, 0, 9 } },
    { GDK_KEY_Right, { 3, 1, 1, 0 } },    /* the end of row 0 (10 wide): on to row 1 */
    { GDK_KEY_Left, { 3, 1, 0, 9 } },
    { GDK_KEY_Down, { 3, 1, 1, 9 } },
    { GDK_KEY_Up, { 3, 1, 0, 9 } },
    { GDK_KEY_Up, { 3, 1, 0, 9 } },       /* the top row stays */
    { GDK_KEY_Page_Down, { 3, 2, 0, 9 } },
    { GDK_KEY_Page_Up, { 3, 1, 0, 9 } },
  };

  evaluate (f, weights_path);
  g_assert_true (st_activations_view_select_layer (f->view, "0"));
  ui_test_wait_for_frame (f->window, GUARD_SECONDS);
  click_value (f, &(StExplainAt) { 3, 1, 0, 8 });
  snap = st_activations_view_get_snapshot (f->view);
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr (StExplain) expected = NULL;
      const StExplain *shown;
      const StExplainTerm *first;

      press (f, steps[i].key);
      shown = st_layer_inspector_get_explain (inspector);
      g_assert_cmpint (shown->at.c, ==, steps[i].after.c);
      g_assert_cmpint (shown->at.y, ==, steps[i].after.y);
      g_assert_cmpint (shown->at.x, ==, steps[i].after.x);
      expected = independent (snap, NULL, "0", &steps[i].after);
      assert_same_breakdown (shown, expected);
      /* the window's top-left tap is at the position itself (stride 1, no padding) */
      first = &shown->terms[0];
      g_assert_cmpint (first->row, ==, steps[i].after.y);
      g_assert_cmpint (first->col, ==, steps[i].after.x);
    }
}

static gboolean
not_busy (gpointer view)
{
  return !is_busy (view);
}

typedef struct {
  StActivationsView *view;
  const StSnapshot  *expected;
} Shows;

/* The view is idle and shows a picture of one's own whose input is the expected one. */
static gboolean
shows_input (gpointer data)
{
  const Shows *w = data;
  const StSnapshot *shown = st_activations_view_get_snapshot (w->view);
  gsize n = st_shape_numel (&w->expected->input_shape);

  return !is_busy (w->view) && shown != NULL && shown->example == -1
         && (gsize) st_shape_numel (&shown->input_shape) == n
         && memcmp (shown->input, w->expected->input, sizeof (float) * n) == 0;
}

/* The pad's picture as the dataset an evaluator takes. */
static StDataset *
drawing_of (StDrawingPad *pad)
{
  int h = st_drawing_pad_get_height (pad), w = st_drawing_pad_get_width (pad);
  StDataset *d = st_dataset_new ("drawing", "test", 1, 1, h, w, NULL);

  memcpy (d->images, st_drawing_pad_get_pixels (pad), (gsize) h * w);
  st_dataset_set_classes (d, 1, NULL);
  return d;
}

/* Draw: the pad takes the model's input size; each stroke is classified — the prediction,
 * the probabilities and the maps are those of an evaluator given the same pixels — and a
 * stroke elsewhere changes them. Choosing a test image again leaves the pad. */
static void
test_drawing (Fixture *f, gconstpointer data)
{
  StDrawingPad *pad = st_activations_view_get_pad (f->view);
  GtkToggleButton *draw = GTK_TOGGLE_BUTTON (ui_test_find_named (f->window, "draw-button"));
  const double strokes[][4] = { { 1, 2.5, 11, 2.5 }, { 1, 9.5, 11, 9.5 } };
  float before[N_CLASSES] = { 0 };
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);

  evaluate (f, weights_path);
  gtk_toggle_button_set_active (draw, TRUE);
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_DRAWING);
  g_assert_cmpint (st_drawing_pad_get_height (pad), ==, SIDE);
  g_assert_cmpint (st_drawing_pad_get_width (pad), ==, SIDE);
  g_assert_true (ui_test_is_mapped (pad));
  for (gsize s = 0; s < G_N_ELEMENTS (strokes); s++)
    {
      g_autoptr (StDataset) drawn = NULL;
      g_autoptr (StSnapshot) expected = NULL;
      g_autoptr (GError) error = NULL;
      const StSnapshot *shown;
      double change = 0;
      Shows watched;

      st_drawing_pad_clear (pad);
      st_drawing_pad_stroke (pad, strokes[s], 2, FALSE);
      drawn = drawing_of (pad);
      expected = st_evaluator_snapshot_image (ev, drawn, &error);
      g_assert_no_error (error);
      /* the pad tells of its change from an idle, and the view answers from a worker: the
       * page shows the stroke once its input is the drawing's */
      watched = (Shows) { f->view, expected };
      g_assert_true (ui_test_wait_until (shows_input, &watched, GUARD_SECONDS));
      shown = st_activations_view_get_snapshot (f->view);
      g_assert_cmpint (shown->example, ==, -1);
      g_assert_cmpint (shown->prediction, ==, expected->prediction);
      g_assert_cmpmem (shown->probabilities, N_CLASSES * sizeof (float),
                       expected->probabilities, N_CLASSES * sizeof (float));
      g_assert_cmpmem (shown->maps[1], sizeof (float) * st_shape_numel (&shown->map_shapes[1]),
                       expected->maps[1],
                       sizeof (float) * st_shape_numel (&expected->map_shapes[1]));
      for (int k = 0; k < N_CLASSES; k++)
        change += fabs (shown->probabilities[k] - before[k]);
      g_test_message ("stroke %zu: predicted %d, p = %.3f %.3f %.3f", s, shown->prediction,
                      shown->probabilities[0], shown->probabilities[1],
                      shown->probabilities[2]);
      g_assert_cmpfloat (change, >, 1e-3);
      memcpy (before, shown->probabilities, sizeof before);
    }

  /* a test image again: the pad goes, the image is shown */
  st_activations_view_select_example (f->view, 3);
  g_assert_true (ui_test_wait_until (not_busy, f->view, GUARD_SECONDS));
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_TEST_IMAGE);
  g_assert_false (gtk_toggle_button_get_active (draw));
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 3);
}

/* A PNG opened as input, three times the model's size and drawn dark on white: shown as
 * the network sees it (scaled and centred, ink bright) and classified as an evaluator
 * classifies the same file prepared by image-prep. A file that is no picture is said, and
 * leaves the input as it was. */
static void
test_open_picture (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = st_test_make_tmp ("strata-picture-XXXXXX");
  g_autofree char *png = g_build_filename (dir, "bar.png", NULL);
  g_autofree char *bad = g_build_filename (dir, "notes.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (png);
  g_autoptr (GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  g_autoptr (StDataset) picture = NULL, input = NULL;
  g_autoptr (StSnapshot) expected = NULL;
  g_autoptr (GError) error = NULL;
  const PngKind grey = { 0, 8, 0 };
  guint16 samples[36 * 36];
  const StSnapshot *shown;
  GtkLabel *status;

  for (int y = 0; y < 36; y++)
    for (int x = 0; x < 36; x++)
      samples[y * 36 + x] = y >= 8 && y < 14 && x >= 4 && x < 32 ? 20 : 250;
  st_test_write_png (png, samples, 36, 36, &grey, NULL, 0);
  g_assert_true (g_file_set_contents (bad, "not a picture", -1, NULL));

  evaluate (f, weights_path);
  st_activations_view_open_image (f->view, file);
  g_assert_true (ui_test_wait_until (not_busy, f->view, GUARD_SECONDS));
  ui_test_spin (20);
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_PICTURE);
  shown = st_activations_view_get_snapshot (f->view);
  g_assert_cmpint (shown->example, ==, -1);

  picture = st_image_file_load (png, 1, &error);
  g_assert_no_error (error);
  input = st_image_prepare (picture, 1, SIDE, SIDE, ST_IMAGE_PREP_AUTO, &error);
  g_assert_no_error (error);
  expected = st_evaluator_snapshot_image (ev, input, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (shown->input, sizeof (float) * SIDE * SIDE, expected->input,
                   sizeof (float) * SIDE * SIDE);
  g_assert_cmpint (shown->prediction, ==, expected->prediction);
  g_assert_cmpmem (shown->probabilities, N_CLASSES * sizeof (float), expected->probabilities,
                   N_CLASSES * sizeof (float));
  /* ink bright on black, as the training images: the centre brighter than the corner */
  g_assert_cmpfloat (shown->input[(SIDE / 2) * SIDE + SIDE / 2], >, shown->input[0]);
  status = GTK_LABEL (ui_test_find_named (f->window, "example-label"));
  g_assert_nonnull (strstr (gtk_label_get_text (status), "bar.png"));

  /* a second picture in place of the first; then a test image chosen while a picture is
   * still being read: the test image stays */
  st_activations_view_open_image (f->view, file);
  g_assert_true (ui_test_wait_until (not_busy, f->view, GUARD_SECONDS));
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_PICTURE);
  st_activations_view_open_image (f->view, file);
  st_activations_view_select_example (f->view, 3);
  g_assert_true (ui_test_wait_until (not_busy, f->view, GUARD_SECONDS));
  ui_test_spin (20);
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_TEST_IMAGE);
  g_assert_cmpint (st_activations_view_get_snapshot (f->view)->example, ==, 3);

  st_activations_view_open_image (f->view, bad_file);
  g_assert_true (ui_test_wait_until (not_busy, f->view, GUARD_SECONDS));
  status = GTK_LABEL (ui_test_find_named (f->window, "status-label"));
  g_test_message ("%s", gtk_label_get_text (status));
  g_assert_nonnull (strstr (gtk_label_get_text (status), "notes.png"));
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_TEST_IMAGE);
  st_test_remove_tree (dir);
}

/* A lesson from the Presets menu opens its model in the builder and, on the Activations
 * page, its own input with the inspector on the lesson's layer, at the course's numbers; a
 * click on a card in the builder shows that layer in the inspector. */
/* A training run's snapshot (its whole pass, as the trainer sends it) is explained with the
 * run's spec: the inspector keeps working while the run is live. */
static void
test_live_run (Fixture *f, gconstpointer data)
{
  g_autoptr (StEvaluator) ev = open_evaluator (weights_path);
  g_autoptr (StSnapshot) sent = NULL;
  g_autoptr (StExplain) expected = NULL;
  g_autoptr (GError) error = NULL;
  StLayerInspector *inspector = inspector_of (f);
  StExplainAt at = { 3, 2, 3, 1 };
  const StExplain *shown;

  evaluate (f, weights_path);
  /* a drawing when the run starts: the run's own pictures take over */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (ui_test_find_named (f->window, "draw-button")), TRUE);
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_DRAWING);
  st_activations_view_begin_run (f->view, spec, data_dir);
  g_assert_cmpint (st_activations_view_get_source (f->view), ==, ST_INPUT_TEST_IMAGE);
  sent = st_evaluator_snapshot (ev, 7, &error);
  g_assert_no_error (error);
  st_activations_view_show_snapshot (f->view, sent);
  g_clear_pointer (&sent, st_snapshot_free);       /* the view keeps a copy */
  g_assert_true (st_activations_view_select_layer (f->view, "2"));
  g_assert_true (st_layer_inspector_select (inspector, &at));
  shown = st_layer_inspector_get_explain (inspector);
  g_assert_nonnull (shown);
  expected = independent (st_activations_view_get_snapshot (f->view), NULL, "2", &at);
  assert_same_breakdown (shown, expected);
  st_activations_view_set_live (f->view, FALSE);
  wait_idle (f);
}

static gboolean window_idle (gpointer window);

/* The window's page idle, showing the toy model with a seventh layer. */
static gboolean
shows_seven_layers (gpointer window)
{
  StActivationsView *view = ST_ACTIVATIONS_VIEW (st_window_get_activations (window));
  const StSnapshot *snap = st_activations_view_get_snapshot (view);

  return window_idle (window) && snap != NULL && snap->pass != NULL
         && st_layer_inspector_select_layer (st_activations_view_get_inspector (view), "6");
}

static void
test_lesson_and_cards (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  StActivationsView *view;
  StLayerInspector *inspector;
  const StExplain *e;
  StWindow *window;

  window = ui_test_open_window ();
  view = ST_ACTIVATIONS_VIEW (st_window_get_activations (window));
  inspector = st_activations_view_get_inspector (view);
  g_assert_false (st_window_open_lesson (window, "no-such-lesson", &error));
  g_assert_nonnull (strstr (error->message, "no-such-lesson"));
  g_clear_error (&error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.lesson", "s",
                                             "conv-stride-pad"));
  ui_test_spin (50);
  g_assert_true (ui_test_wait_until (window_idle, window, GUARD_SECONDS));
  g_assert_cmpstr (st_model_document_get_spec (st_window_get_document (window))->name, ==,
                   "Lesson: padding and stride");
  g_assert_cmpstr (st_layer_inspector_get_layer (inspector), ==, "0");
  e = st_layer_inspector_get_explain (inspector);
  g_assert_nonnull (e);
  g_assert_cmpfloat (e->value, ==, 91);         /* the course's first number */
  g_assert_true (st_layer_inspector_select (inspector, &(StExplainAt) { 3, 0, 1, 1 }));
  g_assert_cmpfloat (st_layer_inspector_get_explain (inspector)->value, ==, 282);

  /* the toy lesson, then its Linear's card (below the Input's) clicked in the builder */
  g_assert_true (st_window_open_lesson (window, "toy", &error));
  g_assert_true (ui_test_wait_until (window_idle, window, GUARD_SECONDS));
  ui_test_spin (20);
  st_layer_list_select_row (ST_LAYER_LIST (st_window_get_layer_list (window)), 5);
  g_assert_cmpstr (st_layer_inspector_get_layer (inspector), ==, "4");
  e = st_layer_inspector_get_explain (inspector);
  g_assert_cmpstr (e->type, ==, "Linear");
  g_assert_cmpfloat (e->value, ==, 3);          /* 2 · 3 − 3 on the diagonal */

  /* the model edited (a ReLU added after the Linear, from the palette): the lesson's images
   * and weights stay, the inspector where it was */
  ui_test_add_layer (window, "ReLU");
  g_assert_true (ui_test_wait_until (shows_seven_layers, window, GUARD_SECONDS));
  g_assert_true (st_activations_view_select_layer (view, "6"));
  g_assert_cmpstr (st_layer_inspector_get_explain (inspector)->type, ==, "Sigmoid");
  g_assert_true (st_activations_view_select_layer (view, "0"));
  g_assert_true (st_layer_inspector_select (inspector, &(StExplainAt) { 3, 0, 0, 0 }));
  g_assert_cmpfloat (st_layer_inspector_get_explain (inspector)->value, ==, 3);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- the pictures in docs/ ---------------------------------------------------------------- */

static void
save_widget (GtkWidget *widget, GskRenderer *renderer, const char *name)
{
  g_autofree char *png = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "docs", name,
                                           NULL);
  g_autoptr (GdkTexture) texture = NULL;

  ui_test_wait_for_frame (widget, GUARD_SECONDS);
  texture = ui_test_render_texture (widget, renderer);
  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_test_message ("wrote %s", png);
}

static gboolean
window_idle (gpointer window)
{
  StActivationsView *view = ST_ACTIVATIONS_VIEW (st_window_get_activations (window));

  return !is_busy (view) && st_activations_view_get_snapshot (view) != NULL;
}

/* With STRATA_WRITE_SCREENSHOT=1 and Fashion-MNIST installed: LeNet-5 trained for two epochs,
 * the breakdown of a value of its second convolution (docs/inspect-lenet5.png), the drawing
 * pad with its prediction (docs/draw-lenet5.png), and the toy lesson (docs/lesson-toy.png). */
static void
test_screenshots (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = NULL, *weights = NULL;
  g_autoptr (GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr (GError) error = NULL;
  g_auto (StTestRun) trained = { 0 };
  const double two[] = { 9, 8, 19, 8, 19, 9, 15, 14, 11, 21, 10, 23 };
  StActivationsView *view;
  StLayerInspector *inspector;
  StWindow *window;
  double x, y;

  if (g_strcmp0 (g_getenv ("STRATA_WRITE_SCREENSHOT"), "1") != 0 || !st_test_have_cli ()
      || !g_file_test ("/usr/share/datasets/fashion-mnist", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("STRATA_WRITE_SCREENSHOT=1, strata-cli and Fashion-MNIST write the pictures");
      return;
    }
  dir = st_test_make_tmp ("strata-shots-XXXXXX");
  weights = g_build_filename (dir, "lenet5.safetensors", NULL);
  st_test_cli (&trained, "train", "lenet5", "--epochs", "2", "--device", "cpu", "--save",
               weights, "--no-record", NULL);
  g_assert_cmpint (trained.status, ==, 0);

  window = ui_test_open_window ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1366, 900);
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
  view = ST_ACTIVATIONS_VIEW (st_window_get_activations (window));
  inspector = st_activations_view_get_inspector (view);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-activations", NULL);
  st_activations_view_set_model (view, st_model_document_get_spec (st_window_get_document (window)),
                                 weights, NULL);
  g_assert_true (ui_test_wait_until (window_idle, window, 120));
  st_activations_view_select_example (view, 4);
  g_assert_true (ui_test_wait_until (window_idle, window, GUARD_SECONDS));
  g_assert_true (st_activations_view_select_layer (view, "3"));
  ui_test_wait_for_frame (GTK_WIDGET (window), GUARD_SECONDS);
  g_assert_true (st_layer_inspector_value_position (inspector, &(StExplainAt) { 3, 5, 4, 3 },
                                                    &x, &y));
  click_value (&(Fixture) { .window = GTK_WIDGET (window), .view = view },
               &(StExplainAt) { 3, 5, 4, 3 });
  save_widget (GTK_WIDGET (inspector), renderer, "inspect-lenet5.png");

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (ui_test_find_named (GTK_WIDGET (view),
                                                               "draw-button")), TRUE);
  st_drawing_pad_stroke (st_activations_view_get_pad (view), two, 6, FALSE);
  ui_test_spin (100);
  g_assert_true (ui_test_wait_until (window_idle, window, GUARD_SECONDS));
  /* the layer chosen stays while the drawing changes */
  g_assert_cmpstr (st_layer_inspector_get_layer (inspector), ==, "3");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (ui_test_find_named (GTK_WIDGET (view), "results-scroller"))), 0);
  save_widget (GTK_WIDGET (window), renderer, "draw-lenet5.png");

  g_assert_true (st_window_open_lesson (window, "toy", &error));
  g_assert_no_error (error);
  ui_test_spin (100);
  g_assert_true (ui_test_wait_until (window_idle, window, GUARD_SECONDS));
  g_assert_cmpstr (st_layer_inspector_get_layer (inspector), ==, "0");
  click_value (&(Fixture) { .window = GTK_WIDGET (window), .view = view },
               &(StExplainAt) { 3, 0, 0, 0 });
  save_widget (GTK_WIDGET (inspector), renderer, "lesson-toy.png");
  gsk_renderer_unrealize (renderer);
  gtk_window_destroy (GTK_WINDOW (window));
  st_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  static const UI_TEST_CASE (Fixture) cases[] = {
    { "/activations-inside/every-layer", test_every_layer },
    { "/activations-inside/click-opens-breakdown", test_click_opens_breakdown },
    { "/activations-inside/arrow-keys", test_arrow_keys },
    { "/activations-inside/drawing", test_drawing },
    { "/activations-inside/open-picture", test_open_picture },
    { "/activations-inside/lesson-and-cards", test_lesson_and_cards },
    { "/activations-inside/live-run", test_live_run },
    { "/activations-inside/screenshots", test_screenshots },
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
