/* bench-stroke: how long a pen stroke on the Activations page's drawing pad takes to show as
 * an updated prediction and updated maps.
 *
 *   xvfb-run -a build/bench/bench-stroke [--model lenet5] [--strokes 200] [--device cpu]
 *
 * The real window opens the preset on the Activations page (its starting weights, or
 * --weights FILE) and presses Draw. Each stroke goes through st_drawing_pad_stroke(), the
 * function a drag calls; the clock stops at the first frame painted after the view has the
 * stroke's snapshot (the forward pass of the drawing with every value kept, the prediction,
 * the maps and the layer inspector's breakdown). Every eighth stroke the pad is cleared first
 * (not timed). Prints one summary line and JSON.
 */
#define G_LOG_DOMAIN "strata-bench"

#include "strata-config.h"

#include <adwaita.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/engine/backend.h"
#include "ui/activations-view.h"
#include "ui/strata-application.h"
#include "ui/strata-window.h"
#include "ui/train-panel.h"

typedef struct {
  gboolean busy_seen;
  gboolean done;              /* the snapshot came: the next frame ends the stroke */
  gint64   ready;             /* when the snapshot came */
  gint64   painted;           /* when that frame was painted, or 0 */
} Watch;

static void
busy_changed (StActivationsView *view, GParamSpec *pspec, Watch *w)
{
  gboolean busy;

  g_object_get (view, "busy", &busy, NULL);
  if (busy)
    w->busy_seen = TRUE;
  else if (w->busy_seen && !w->done)
    {
      w->done = TRUE;
      w->ready = g_get_monotonic_time ();
    }
}

static void
after_paint (GdkFrameClock *clock, Watch *w)
{
  if (w->done && w->painted == 0)
    w->painted = g_get_monotonic_time ();
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
idle (StActivationsView *view)
{
  gboolean busy;

  g_object_get (view, "busy", &busy, NULL);
  return !busy && st_activations_view_get_snapshot (view) != NULL;
}

/* Runs the main loop until the stroke's update is painted; its time in ms, or -1. */
static double
time_update (StActivationsView *view, Watch *w, gint64 start)
{
  while (w->painted == 0 && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  return w->painted != 0 ? (w->painted - start) / 1000.0 : -1;
}

int
main (int argc, char **argv)
{
  g_autofree char *model = g_strdup ("lenet5");
  g_autofree char *weights = NULL;
  int strokes = 200;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, "Preset (one input channel)", "MODEL" },
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &weights, "Weights to open", "FILE" },
    { "strokes", 0, 0, G_OPTION_ARG_INT, &strokes, "Strokes timed", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— stroke to prediction latency");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) computed = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  StActivationsView *view;
  StDrawingPad *pad;
  GtkWidget *draw;
  StWindow *window;
  Watch w = { 0 };
  gint64 start;
  double median, p90, worst, sum = 0;
  int h, wd;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-stroke: %s\n", error->message);
      return 2;
    }
  st_ui_choose_renderer ();
  if (!gtk_init_check ())
    {
      g_printerr ("bench-stroke: no display; run it under xvfb-run -a\n");
      return 2;
    }
  adw_init ();
  st_ui_init ();

  window = st_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1366, 900);
  gtk_window_present (GTK_WINDOW (window));
  if (!gtk_widget_activate_action (GTK_WIDGET (window), "win.preset", "s", model))
    {
      g_printerr ("bench-stroke: no preset %s\n", model);
      return 2;
    }
  st_train_panel_set_device (ST_TRAIN_PANEL (st_window_get_train_panel (window)),
                             ST_DEVICE_CPU);
  view = ST_ACTIVATIONS_VIEW (st_window_get_activations (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-activations", NULL);
  if (weights != NULL)
    {
      st_activations_view_set_model (view,
                                     st_model_document_get_spec (st_window_get_document (window)),
                                     weights, NULL);
    }
  for (start = g_get_monotonic_time ();
       !idle (view) && g_get_monotonic_time () - start < 120 * G_USEC_PER_SEC; )
    g_main_context_iteration (NULL, TRUE);
  if (!idle (view))
    {
      g_printerr ("bench-stroke: the model was not evaluated within 120 s\n");
      return 1;
    }
  draw = find_named (GTK_WIDGET (view), "draw-button");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (draw), TRUE);
  pad = st_activations_view_get_pad (view);
  if (st_activations_view_get_source (view) != ST_INPUT_DRAWING)
    {
      g_printerr ("bench-stroke: %s cannot be drawn for (one input channel only)\n", model);
      return 1;
    }
  h = st_drawing_pad_get_height (pad);
  wd = st_drawing_pad_get_width (pad);
  g_signal_connect (view, "notify::busy", G_CALLBACK (busy_changed), &w);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (after_paint), &w);

  for (int i = 0; i < strokes + 5; i++)
    {
      double xy[4];
      double ms;

      if (i % 8 == 0)
        {
          w = (Watch) { 0 };
          start = g_get_monotonic_time ();
          st_drawing_pad_clear (pad);
          time_update (view, &w, start);
        }
      /* a short stroke somewhere on the pad, as a digit is drawn */
      xy[0] = g_rand_double_range (rand, 4, wd - 4);
      xy[1] = g_rand_double_range (rand, 4, h - 4);
      xy[2] = CLAMP (xy[0] + g_rand_double_range (rand, -8, 8), 2, wd - 2);
      xy[3] = CLAMP (xy[1] + g_rand_double_range (rand, -8, 8), 2, h - 2);
      w = (Watch) { 0 };
      start = g_get_monotonic_time ();
      st_drawing_pad_stroke (pad, xy, 2, FALSE);
      ms = time_update (view, &w, start);
      if (ms < 0)
        {
          g_printerr ("bench-stroke: stroke %d was not shown within 10 s\n", i);
          return 1;
        }
      /* the first strokes warm the caches and the worker thread up */
      if (i >= 5)
        {
          double ready = (w.ready - start) / 1000.0;

          g_array_append_val (times, ms);
          g_array_append_val (computed, ready);
          sum += ms;
        }
    }
  g_array_sort (times, compare_double);
  g_array_sort (computed, compare_double);
  median = g_array_index (times, double, times->len / 2);
  p90 = g_array_index (times, double, (guint) (times->len * 0.9));
  worst = g_array_index (times, double, times->len - 1);
  printf ("%s, CPU, %d×%d pad: stroke to painted prediction and maps — median %.1f ms, "
          "p90 %.1f ms, worst %.1f ms, mean %.1f ms over %u strokes (the snapshot itself: "
          "median %.1f ms, worst %.1f ms; the rest is waiting for the next frame)\n", model, h,
          wd, median, p90, worst, sum / times->len, times->len,
          g_array_index (computed, double, computed->len / 2),
          g_array_index (computed, double, computed->len - 1));
  printf ("{\"model\": \"%s\", \"strokes\": %u, \"median_ms\": %.2f, \"p90_ms\": %.2f, "
          "\"worst_ms\": %.2f, \"mean_ms\": %.2f, \"snapshot_median_ms\": %.2f, "
          "\"snapshot_worst_ms\": %.2f}\n", model, times->len, median, p90, worst,
          sum / times->len, g_array_index (computed, double, computed->len / 2),
          g_array_index (computed, double, computed->len - 1));
  gtk_window_destroy (GTK_WINDOW (window));
  st_activations_view_wait_for_workers ();
  return 0;
}
