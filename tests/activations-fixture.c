/* activations-fixture.c: see activations-fixture.h. */
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


char *data_dir;
char *held_dir;
char *weights_path;
StSpec *spec;

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

StEvaluator *
open_evaluator (const char *weights)
{
  g_autoptr (GError) error = NULL;
  StEvaluator *ev = st_evaluator_new (spec, weights, data_dir, ST_DEVICE_AUTO, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ev);
  return ev;
}

/* ---- the widget ------------------------------------------------------------------------- */

void
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

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  gsk_renderer_unrealize (f->renderer);
  g_clear_object (&f->renderer);
  st_test_remove_tree (f->dir);
  g_free (f->dir);
}

gboolean
is_busy (StActivationsView *view)
{
  gboolean busy;

  g_object_get (view, "busy", &busy, NULL);
  return busy;
}

gboolean
is_idle (gpointer view)
{
  return !is_busy (view);
}

/* Iterates the main context until every worker of the view has reported back. */
void
wait_idle (Fixture *f)
{
  g_assert_true (ui_test_wait_until (is_idle, f->view, GUARD_SECONDS));
}

const char *
visible_page (Fixture *f)
{
  GtkWidget *page = ui_test_find_named (GTK_WIDGET (f->view), "error-page");

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (page)));
}

/* The widget's pixels after the next frame (the paintable shows the last frame drawn). */
guint8 *
render_widget (Fixture *f, GtkWidget *widget, int *width, int *height)
{
  return ui_test_render_pixels (widget, f->renderer, GUARD_SECONDS, width, height);
}

void
evaluate (Fixture *f, const char *weights)
{
  st_activations_view_set_model (f->view, spec, weights, data_dir);
  g_assert_true (is_busy (f->view));
  wait_idle (f);
  g_assert_cmpstr (visible_page (f), ==, "results");
}
gboolean
shows_results (gpointer view)
{
  return st_activations_view_get_confusion (view, NULL) != NULL;
}

/* The hook of activations-view-private.h: a job whose dataset ends in "held" waits on the
 * worker thread until released (or the guard's time is up). */
static GMutex hold_lock;
static GCond hold_cond;
gboolean hold_released;

void
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

void
release_held (void)
{
  g_mutex_lock (&hold_lock);
  hold_released = TRUE;
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_lock);
}

void
on_requested (StActivationsView *view, gint64 example, GArray *requests)
{
  g_array_append_val (requests, example);
}

void
activations_data_init (void)
{
  g_autoptr (GError) error = NULL;

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
}

void
activations_data_clear (void)
{
  st_activations_view_wait_for_workers ();
  st_test_remove_tree (data_dir);
  g_free (data_dir);
  g_free (held_dir);
  g_free (weights_path);
  st_spec_free (spec);
}
