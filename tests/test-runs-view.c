/* test-runs-view.c: the Runs page — the table of runs read from a folder made by hand, its
 * sorting and search, ticks that compare runs in the charts, rename, delete and undo.
 *
 * Each case gets a fresh STRATA_RUNS_DIR with three runs that differ in lr (0.9, 0.3, 0.1)
 * and in best test accuracy (0.80, 0.90, 0.70). With STRATA_WRITE_SCREENSHOT=1, the window
 * case writes its Runs page, three runs ticked, to docs/runs-compared.png, and the inside case
 * the Inside page of LeNet-5 trained on Fashion-MNIST (where installed) to docs/inside-lenet5.png.
 *
 * Without a display every case is skipped.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "core/engine/run-list.h"
#include "core/model/spec-read.h"
#include "ui/activations-view.h"
#include "ui/chart-panel.h"
#include "ui/insight-view.h"
#include "ui/runs-view.h"
#include "ui/strata-window.h"
#include "ui/train-panel.h"
#include "test-util.h"
#include "ui-test-util.h"

#define GUARD_SECONDS 20

typedef struct {
  char       *runs;             /* the STRATA_RUNS_DIR of the case */
  GtkWidget  *window;
  StRunsView *view;
} Fixture;

static const struct {
  const char *id;
  const char *name;
  const char *started;
  double      lr;
  double      best;
} runs_made[] = {
  { "20260101-100000-alpha", "Alpha", "2026-01-01T10:00:00Z", 0.9, 0.80 },
  { "20260201-100000-beta", "Beta", "2026-02-01T10:00:00Z", 0.3, 0.90 },
  { "20260301-100000-gamma", "Gamma", "2026-03-01T10:00:00Z", 0.1, 0.70 },
};

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
make_run (const char *runs, gsize i)
{
  g_autofree char *dir = g_build_filename (runs, runs_made[i].id, NULL);
  g_autofree char *model = g_build_filename (dir, "model.strata.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("toy", &error);
  g_autofree char *record = NULL;
  g_autoptr (GString) epochs = g_string_new (NULL);
  char best[G_ASCII_DTOSTR_BUF_SIZE];

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  spec->has_training = TRUE;
  spec->training.optimizer.lr = runs_made[i].lr;
  g_assert_true (st_spec_save (spec, model, &error));
  g_assert_no_error (error);
  g_ascii_formatd (best, sizeof best, "%g", runs_made[i].best);
  record = g_strdup_printf ("{\"format\": \"strata-run/1\", \"id\": \"%s\", \"name\": \"%s\", "
                            "\"note\": \"\", \"status\": \"finished\", \"host\": \"elsewhere\", "
                            "\"pid\": 1, \"started\": \"%s\", \"updated\": \"%s\", "
                            "\"device\": \"CPU\", \"dataset\": \"toy\", \"limit\": 0, "
                            "\"epochs_planned\": 4, \"epochs_done\": 4, \"best_epoch\": 4, "
                            "\"best_test_acc\": %s, \"best_test_loss\": 0.5, "
                            "\"seconds\": 12.5, \"examples_per_sec\": 100.0}\n",
                            runs_made[i].id, runs_made[i].name, runs_made[i].started,
                            runs_made[i].started, best);
  write_file (dir, "run.json", record);
  for (int e = 1; e <= 4; e++)
    {
      double acc = runs_made[i].best * e / 4.0;
      char a[G_ASCII_DTOSTR_BUF_SIZE], l[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (a, sizeof a, "%g", acc);
      g_ascii_formatd (l, sizeof l, "%g", 2.0 - acc * (1.0 + runs_made[i].lr));
      g_string_append_printf (epochs, "{\"epoch\": %d, \"train_loss\": %s, \"train_acc\": %s, "
                              "\"test_loss\": %s, \"test_acc\": %s, \"examples_per_sec\": 100.0, "
                              "\"seconds\": 3.1}\n", e, l, a, l, a);
    }
  write_file (dir, "epochs.jsonl", epochs->str);
}

static gboolean
loaded (gpointer data)
{
  StRunsView *view = data;

  return !st_runs_view_is_loading (view) && st_runs_view_get_n_rows (view) == 3;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->runs = st_test_make_tmp ("strata-runs-view-XXXXXX");
  g_setenv ("STRATA_RUNS_DIR", f->runs, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (runs_made); i++)
    make_run (f->runs, i);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  ui_test_spin (50);
  st_test_remove_tree (f->runs);
  g_free (f->runs);
}

static void
open_view (Fixture *f)
{
  f->window = gtk_window_new ();
  f->view = ST_RUNS_VIEW (st_runs_view_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 500);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_wait_until (loaded, f->view, GUARD_SECONDS));
}

static gboolean
n_rows_is (StRunsView *view, guint n)
{
  return !st_runs_view_is_loading (view) && st_runs_view_get_n_rows (view) == n;
}

static gboolean
two_rows (gpointer data)
{
  return n_rows_is (data, 2);
}

/* ---- the cases ---------------------------------------------------------------------------- */

static void
test_table (Fixture *f, gconstpointer data)
{
  open_view (f);
  /* newest first, as read */
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 0), ==, runs_made[2].id);

  st_runs_view_sort_by (f->view, ST_RUNS_COLUMN_BEST_ACC, GTK_SORT_DESCENDING);
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 0), ==, runs_made[1].id);
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 1), ==, runs_made[0].id);
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 2), ==, runs_made[2].id);
  st_runs_view_sort_by (f->view, ST_RUNS_COLUMN_BEST_ACC, GTK_SORT_ASCENDING);
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 0), ==, runs_made[2].id);
  st_runs_view_sort_by (f->view, ST_RUNS_COLUMN_NAME, GTK_SORT_ASCENDING);
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 0), ==, runs_made[0].id);

  /* the search matches the name, the id, the model and the dataset */
  st_runs_view_set_search (f->view, "BETA");
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 1);
  g_assert_cmpstr (st_runs_view_get_row_id (f->view, 0), ==, runs_made[1].id);
  st_runs_view_set_search (f->view, "20260301");
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 1);
  st_runs_view_set_search (f->view, "toy");
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 3);
  st_runs_view_set_search (f->view, "no such run");
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 0);
  st_runs_view_set_search (f->view, "");
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 3);
  ui_test_spin (100);
}

static void
test_rename_delete (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->runs, runs_made[0].id, NULL);
  g_autofree char *trashed = g_build_filename (f->runs, ".trash", runs_made[0].id, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StRun) run = NULL;

  open_view (f);
  g_assert_true (st_runs_view_rename (f->view, runs_made[0].id, "Renamed"));
  g_assert_true (st_runs_view_set_note (f->view, runs_made[0].id, "a note"));
  run = st_run_load (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->name, ==, "Renamed");
  g_assert_cmpstr (run->note, ==, "a note");
  st_runs_view_set_search (f->view, "renamed");
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 1);
  st_runs_view_set_search (f->view, NULL);

  /* a ticked run deleted is no longer compared */
  st_runs_view_set_compared (f->view, runs_made[0].id, TRUE);
  g_assert_true (st_runs_view_delete (f->view, runs_made[0].id));
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 2);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (trashed, G_FILE_TEST_IS_DIR));
  {
    g_autoptr (GPtrArray) compared = st_runs_view_get_compared (f->view);

    g_assert_cmpuint (compared->len, ==, 0);
  }
  /* a reload does not bring it back */
  st_runs_view_reload (f->view);
  g_assert_true (ui_test_wait_until (two_rows, f->view, GUARD_SECONDS));

  /* Undo, as the toast's button does */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "runs.undo-delete", "s",
                                             runs_made[0].id));
  g_assert_true (ui_test_wait_until (loaded, f->view, GUARD_SECONDS));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (trashed, G_FILE_TEST_EXISTS));
}

static gboolean
has_label (const char * const *labels, const char *label)
{
  return labels != NULL && g_strv_contains (labels, label);
}

static void
test_window_compare (Fixture *f, gconstpointer data)
{
  StWindow *window = ui_test_open_window ();
  StRunsView *view = ST_RUNS_VIEW (st_window_get_runs_view (window));
  StChartPanel *chart = ST_CHART_PANEL (st_window_get_chart_panel (window));
  StChartPanel *runs_chart = ST_CHART_PANEL (st_window_get_runs_chart (window));
  const char * const *labels;

  f->window = GTK_WIDGET (window);
  g_assert_true (ui_test_wait_until (loaded, view, GUARD_SECONDS));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (runs_chart)));

  st_runs_view_set_compared (view, runs_made[0].id, TRUE);
  st_runs_view_set_compared (view, runs_made[1].id, TRUE);
  for (int k = 0; k < 2; k++)
    {
      StChartPanel *panel = k == 0 ? chart : runs_chart;

      g_assert_cmpuint (st_chart_panel_get_data (panel)->n_overlays, ==, 2);
      labels = st_chart_panel_get_overlay_labels (panel);
      g_assert_cmpuint (g_strv_length ((char **) labels), ==, 2);
      g_assert_true (has_label (labels, "lr 0.9"));
      g_assert_true (has_label (labels, "lr 0.3"));
      g_assert_cmpuint (st_chart_panel_get_data (panel)->overlays[0].data->n_epochs, ==, 4);
    }
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (runs_chart)));

  /* one run alone is named by its name */
  st_runs_view_set_compared (view, runs_made[1].id, FALSE);
  labels = st_chart_panel_get_overlay_labels (chart);
  g_assert_cmpuint (g_strv_length ((char **) labels), ==, 1);
  g_assert_cmpstr (labels[0], ==, "Alpha");

  /* all three, and a reload keeps the ticks */
  st_runs_view_set_compared (view, runs_made[1].id, TRUE);
  st_runs_view_set_compared (view, runs_made[2].id, TRUE);
  st_runs_view_reload (view);
  g_assert_true (ui_test_wait_until (loaded, view, GUARD_SECONDS));
  g_assert_cmpuint (st_chart_panel_get_data (chart)->n_overlays, ==, 3);
  g_assert_true (has_label (st_chart_panel_get_overlay_labels (runs_chart), "lr 0.1"));

  if (g_strcmp0 (g_getenv ("STRATA_WRITE_SCREENSHOT"), "1") == 0)
    {
      GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (view), ADW_TYPE_VIEW_STACK);
      g_autofree char *png = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "docs",
                                               "runs-compared.png", NULL);
      g_autoptr (GskRenderer) renderer = gsk_cairo_renderer_new ();
      g_autoptr (GdkTexture) texture = NULL;

      gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
      adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), "runs");
      g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
      ui_test_spin (500);
      ui_test_wait_for_frame (GTK_WIDGET (window), GUARD_SECONDS);
      texture = ui_test_render_texture (GTK_WIDGET (window), renderer);
      g_assert_true (gdk_texture_save_to_png (texture, png));
      gsk_renderer_unrealize (renderer);
    }

  /* unticked, the charts draw no other runs */
  for (gsize i = 0; i < G_N_ELEMENTS (runs_made); i++)
    st_runs_view_set_compared (view, runs_made[i].id, FALSE);
  g_assert_cmpuint (st_chart_panel_get_data (chart)->n_overlays, ==, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (runs_chart)));

  /* Open: the run's model in the builder, untitled, so that Save never writes over the
   * run's record */
  {
    g_autofree char *run_dir = g_build_filename (f->runs, runs_made[1].id, NULL);
    StModelDocument *doc = st_window_get_document (window);

    st_window_open_run (window, run_dir);
    ui_test_spin (50);
    g_assert_cmpstr (st_model_document_get_spec (doc)->name, ==, "Toy 4×4");
    g_assert_null (st_model_document_get_path (doc));
    g_assert_false (st_model_document_get_modified (doc));
  }
}

static gboolean
training_done (gpointer data)
{
  return st_train_panel_get_state (data) == ST_TRAINER_DONE;
}

static gboolean
empty_loaded (gpointer data)
{
  return !st_runs_view_is_loading (data);
}

/* A toy run trained 2 of 2 epochs by strata-cli, then the window on the runs folder, its
 * Runs page loaded; NULL without strata-cli. */
static StWindow *
open_on_trained_toy (Fixture *f, StRunsView **view, StTrainPanel **panel)
{
  g_auto (StTestRun) trained = { 0 };
  StWindow *window;

  if (!st_test_have_cli ())
    return NULL;
  st_test_cli (&trained, "train", "toy", "--epochs", "2", "--device", "cpu", NULL);
  g_assert_cmpint (trained.status, ==, 0);
  window = ui_test_open_window ();
  f->window = GTK_WIDGET (window);
  *view = ST_RUNS_VIEW (st_window_get_runs_view (window));
  *panel = ST_TRAIN_PANEL (st_window_get_train_panel (window));
  g_assert_true (ui_test_wait_until (empty_loaded, *view, GUARD_SECONDS));
  return window;
}

/* Continue: a run trained by strata-cli for 2 of 2 epochs goes on from its checkpoint in the
 * window to 4 (twice what it did), recorded in its own folder, epochs 1 to 4 once each. */
static void
test_continue (Fixture *f, gconstpointer data)
{
  StWindow *window;
  StRunsView *view;
  StTrainPanel *panel;
  g_autofree char *run_dir = NULL;
  g_autoptr (StRun) run = NULL;
  g_autoptr (GError) error = NULL;

  window = open_on_trained_toy (f, &view, &panel);
  if (window == NULL)
    return;
  /* newest first: the run just trained */
  g_assert_cmpuint (st_runs_view_get_n_rows (view), ==, G_N_ELEMENTS (runs_made) + 1);
  run_dir = g_build_filename (f->runs, st_runs_view_get_row_id (view, 0), NULL);

  st_window_continue_run (window, run_dir);
  g_assert_true (ui_test_wait_until (training_done, panel, 60));
  run = st_run_load (run_dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, ST_RUN_FINISHED);
  g_assert_cmpint (run->epochs_done, ==, 4);
  g_assert_cmpuint (run->epochs->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_array_index (run->epochs, StEpochMetrics, i).epoch, ==, i + 1);
  g_assert_null (st_model_document_get_path (st_window_get_document (window)));
}


static gboolean
test_set_loaded (gpointer data)
{
  return st_activations_view_get_test_set (data) != NULL;
}

static gboolean
ten_classes_loaded (gpointer data)
{
  const StDataset *test = st_activations_view_get_test_set (data);

  return test != NULL && test->n_classes == 10;
}

static const char *
visible_page (StWindow *window)
{
  GtkWidget *stack = gtk_widget_get_ancestor (st_window_get_runs_view (window),
                                              ADW_TYPE_VIEW_STACK);

  return adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (stack));
}

static gboolean
inside_read (gpointer window)
{
  return !st_insight_view_is_reading (ST_INSIGHT_VIEW (st_window_get_insight_view (window)));
}

/* The Runs row's eye button: the run's files are read off the main thread, then shown. */
static void
show_inside (StWindow *window, const char *run_dir)
{
  st_window_show_inside (window, run_dir);
  g_assert_true (ui_test_wait_until (inside_read, window, GUARD_SECONDS));
}

/* The Inside page: a run continued in the window fills it epoch by epoch from the trainer's
 * events (its epochs 3 and 4, the projection of the last); the run's button shows all four
 * from its files; a dot pointed at is the image under the pointer, and a click opens that
 * image on the Activations page. A run without measures is refused with a message. */
static void
test_inside (Fixture *f, gconstpointer data)
{
  StWindow *window;
  StRunsView *view;
  StTrainPanel *panel;
  StInsightView *inside;
  StActivationsView *activations;
  g_autofree char *run_dir = NULL;
  g_autofree char *empty_dir = NULL;
  const StProjectionData *p;
  double x, y;

  window = open_on_trained_toy (f, &view, &panel);
  if (window == NULL)
    return;
  inside = ST_INSIGHT_VIEW (st_window_get_insight_view (window));
  activations = ST_ACTIVATIONS_VIEW (st_window_get_activations (window));
  run_dir = g_build_filename (f->runs, st_runs_view_get_row_id (view, 0), NULL);

  /* live: the events of epochs 3 and 4 */
  st_window_continue_run (window, run_dir);
  g_assert_true (ui_test_wait_until (training_done, panel, 60));
  ui_test_spin (50);
  g_assert_cmpuint (st_insight_view_get_n_epochs (inside), ==, 2);
  p = st_insight_view_get_projection (inside);
  g_assert_nonnull (p);
  g_assert_cmpint (p->epoch, ==, 4);
  g_assert_cmpint (p->n, ==, 2);        /* the toy's two test images */

  /* recorded: every epoch from the run's folder, on its page */
  show_inside (window, run_dir);
  g_assert_cmpstr (visible_page (window), ==, "inside");
  g_assert_cmpuint (st_insight_view_get_n_epochs (inside), ==, 4);
  ui_test_wait_for_frame (GTK_WIDGET (window), GUARD_SECONDS);

  /* pointing and clicking */
  g_assert_true (ui_test_wait_until (test_set_loaded, activations, GUARD_SECONDS));
  for (gint64 i = 1; i >= 0; i--)
    {
      g_assert_true (st_insight_view_point_position (inside, i, &x, &y));
      g_assert_cmpint (st_insight_view_hover_at (inside, x, y), ==, i);
      g_assert_cmpint (st_insight_view_click_at (inside, x, y), ==, i);
      g_assert_cmpstr (visible_page (window), ==, "activations");
      g_assert_cmpint (st_activations_view_get_example (activations), ==, i);
    }
  g_assert_cmpint (st_insight_view_hover_at (inside, -50, -50), ==, -1);
  g_assert_cmpint (st_insight_view_click_at (inside, -50, -50), ==, -1);

  /* a run that measured nothing */
  empty_dir = g_build_filename (f->runs, runs_made[0].id, NULL);
  show_inside (window, empty_dir);
  g_assert_cmpstr (visible_page (window), ==, "activations");
  g_assert_cmpuint (st_insight_view_get_n_epochs (inside), ==, 4);

  if (g_strcmp0 (g_getenv ("STRATA_WRITE_SCREENSHOT"), "1") == 0)
    {
      g_autofree char *png = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "docs",
                                               "inside-lenet5.png", NULL);
      g_autoptr (GskRenderer) renderer = gsk_cairo_renderer_new ();
      g_autoptr (GdkTexture) texture = NULL;
      g_auto (StTestRun) lenet = { 0 };
      g_autofree char *lenet_dir = NULL;

      st_test_cli (&lenet, "train", "lenet5", "--epochs", "5", "--limit", "12000", "--device",
                   "cpu", NULL);
      g_assert_cmpint (lenet.status, ==, 0);
      st_runs_view_reload (view);
      g_assert_true (ui_test_wait_until (empty_loaded, view, GUARD_SECONDS));
      lenet_dir = g_build_filename (f->runs, st_runs_view_get_row_id (view, 0), NULL);
      gtk_window_set_default_size (GTK_WINDOW (window), 1400, 1000);
      /* its model and weights on the Activations page: the dots' images and class names */
      st_window_open_run (window, lenet_dir);
      g_assert_true (ui_test_wait_until (ten_classes_loaded, activations, 60));
      ui_test_spin (300);
      show_inside (window, lenet_dir);
      g_assert_cmpstr (visible_page (window), ==, "inside");
      g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
      ui_test_spin (500);
      ui_test_wait_for_frame (GTK_WIDGET (window), GUARD_SECONDS);
      texture = ui_test_render_texture (GTK_WIDGET (window), renderer);
      g_assert_true (gdk_texture_save_to_png (texture, png));
      gsk_renderer_unrealize (renderer);
    }
}

/* ---- the Inside page while a run trains ------------------------------------------------ */

typedef struct {
  int x, y, width, height;
} Rect;

/* Where the page's area `name` lies in the window's picture, cut to the picture. */
static Rect
area_rect (StWindow *window, const char *name, int width, int height)
{
  GtkWidget *area = ui_test_find_named (st_window_get_insight_view (window), name);
  graphene_rect_t b;
  Rect r;

  g_assert_nonnull (area);
  g_assert_true (gtk_widget_compute_bounds (area, GTK_WIDGET (window), &b));
  r.x = CLAMP ((int) b.origin.x, 0, width);
  r.y = CLAMP ((int) b.origin.y, 0, height);
  r.width = CLAMP ((int) (b.origin.x + b.size.width), 0, width) - r.x;
  r.height = CLAMP ((int) (b.origin.y + b.size.height), 0, height) - r.y;
  return r;
}

/* Pixels of `r` unlike its top-left one (what is drawn on the background). */
static int
ink (const guint8 *pixels, int width, Rect r)
{
  const guint8 *bg = pixels + ((gsize) r.y * width + r.x) * 4;
  int n = 0;

  for (int y = r.y; y < r.y + r.height; y++)
    for (int x = r.x; x < r.x + r.width; x++)
      n += memcmp (pixels + ((gsize) y * width + x) * 4, bg, 4) != 0;
  return n;
}

/* Pixels of `r` that differ between two pictures of the same size. */
static int
changed (const guint8 *a, const guint8 *b, int width, Rect r)
{
  int n = 0;

  for (int y = r.y; y < r.y + r.height; y++)
    for (int x = r.x; x < r.x + r.width; x++)
      n += memcmp (a + ((gsize) y * width + x) * 4, b + ((gsize) y * width + x) * 4, 4) != 0;
  return n;
}

/* The first epoch's measures shown: the run is paused there, within its second epoch. */
static void
pause_at_first_epoch (StInsightView *inside, GParamSpec *pspec, gpointer panel)
{
  if (st_insight_view_get_n_epochs (inside) == 1
      && st_train_panel_get_state (panel) == ST_TRAINER_RUNNING)
    st_train_panel_pause (panel);
}

static gboolean
training_paused (gpointer data)
{
  return st_train_panel_get_state (data) == ST_TRAINER_PAUSED;
}

/* LeNet-5 trains in the window on generated bars for two epochs with the Inside page on
 * show. Paused when the first epoch's measures arrive, the page has drawn the projection,
 * both curves and the ridge plots; after the second epoch every one of them is drawn anew:
 * their pixels differ from the first epoch's. */
static void
test_inside_live (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("lenet5", &error);
  g_autoptr (GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr (GFile) file = NULL;
  g_autofree char *data_dir = st_test_make_tmp ("strata-inside-XXXXXX");
  g_autofree char *path = g_build_filename (data_dir, "lenet.strata.json", NULL);
  g_autofree guint8 *first = NULL, *second = NULL;
  const char *areas[] = { "projection", "gradient-norms", "update-ratios", "ridges" };
  StWindow *window;
  StTrainPanel *panel;
  StInsightView *inside;
  GtkWidget *stack;
  int w1, h1, w2, h2;

  g_assert_no_error (error);
  st_test_write_bars (data_dir, "train", &ST_TEST_BARS_MNIST, 2000, 1);
  st_test_write_bars (data_dir, "t10k", &ST_TEST_BARS_MNIST, 500, 2);
  g_free (spec->training.dataset);
  spec->training.dataset = g_strdup (data_dir);
  spec->training.epochs = 2;
  spec->training.batch_size = 32;
  g_assert_true (st_spec_save (spec, path, &error));

  window = ui_test_open_window ();
  f->window = GTK_WIDGET (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 1000);
  file = g_file_new_for_path (path);
  st_window_open_file (window, file);
  ui_test_spin (50);
  panel = ST_TRAIN_PANEL (st_window_get_train_panel (window));
  inside = ST_INSIGHT_VIEW (st_window_get_insight_view (window));
  st_train_panel_set_device (panel, ST_DEVICE_CPU);
  stack = gtk_widget_get_ancestor (GTK_WIDGET (inside), ADW_TYPE_VIEW_STACK);
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), "inside");
  g_signal_connect (inside, "notify::n-epochs", G_CALLBACK (pause_at_first_epoch), panel);
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));

  st_train_panel_start (panel);
  g_assert_true (ui_test_wait_until (training_paused, panel, 120));
  g_assert_cmpuint (st_insight_view_get_n_epochs (inside), ==, 1);
  g_assert_nonnull (st_insight_view_get_projection (inside));
  g_assert_cmpint (st_insight_view_get_projection (inside)->epoch, ==, 1);
  ui_test_spin (100);
  first = ui_test_render_pixels (GTK_WIDGET (window), renderer, GUARD_SECONDS, &w1, &h1);

  st_train_panel_pause (panel);       /* resumes */
  g_assert_true (ui_test_wait_until (training_done, panel, 120));
  g_assert_cmpuint (st_insight_view_get_n_epochs (inside), ==, 2);
  g_assert_cmpint (st_insight_view_get_projection (inside)->epoch, ==, 2);
  ui_test_spin (100);
  second = ui_test_render_pixels (GTK_WIDGET (window), renderer, GUARD_SECONDS, &w2, &h2);
  gsk_renderer_unrealize (renderer);
  g_assert_cmpint (w1, ==, w2);
  g_assert_cmpint (h1, ==, h2);

  for (gsize i = 0; i < G_N_ELEMENTS (areas); i++)
    {
      Rect r = area_rect (window, areas[i], w2, h2);
      int drawn = ink (first, w1, r), redrawn = changed (first, second, w1, r);

      g_test_message ("%s: %d×%d px shown, %d drawn at epoch 1, %d changed at epoch 2",
                      areas[i], r.width, r.height, drawn, redrawn);
      g_assert_cmpint (r.width, >=, 100);
      g_assert_cmpint (r.height, >=, 100);
      g_assert_cmpint (drawn, >, r.width * r.height / 100);
      g_assert_cmpint (redrawn, >, r.width * r.height / 200);
    }
  g_signal_handlers_disconnect_by_func (inside, pause_at_first_epoch, panel);
  st_test_remove_tree (data_dir);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *none = g_build_filename (f->runs, "none", NULL);

  g_setenv ("STRATA_RUNS_DIR", none, TRUE);
  f->window = gtk_window_new ();
  f->view = ST_RUNS_VIEW (st_runs_view_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_wait_until (empty_loaded, f->view, GUARD_SECONDS));
  g_assert_cmpuint (st_runs_view_get_n_rows (f->view), ==, 0);
}

int
main (int argc, char **argv)
{
  static const UI_TEST_CASE (Fixture) cases[] = {
    { "/runs-view/table", test_table },
    { "/runs-view/rename-delete", test_rename_delete },
    { "/runs-view/window-compare", test_window_compare },
    { "/runs-view/empty", test_empty },
    { "/runs-view/continue", test_continue },
    { "/runs-view/inside", test_inside },
    { "/runs-view/inside-live", test_inside_live },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  UI_TEST_ADD_CASES (ui_test_init (TRUE), cases, Fixture, fixture_set_up, fixture_tear_down);

  return g_test_run ();
}
