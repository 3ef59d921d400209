/* bench-ui-latency: how long the workbench's main loop is ever kept from running while a
 * training run draws its live chart.
 *
 *   xvfb-run -a build/bench/bench-ui-latency [--model lenet5] [--dataset fashion-mnist]
 *                                            [--seconds 30] [--device auto]
 *
 * The real window trains the model from its Start action. A timeout of TICK_MS on the main
 * loop records when it actually runs: the longest interval between two of its runs, less
 * the tick, is the longest time the loop was blocked. Frames painted are counted from the
 * window's frame clock, so the chart is seen to move. Prints one summary line and JSON.
 */
#define G_LOG_DOMAIN "strata-bench"

#include "strata-config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/engine/backend.h"
#include "ui/chart-panel.h"
#include "ui/strata-application.h"
#include "ui/strata-window.h"
#include "ui/train-panel.h"

#define TICK_MS 2

static gboolean verbose;

typedef struct {
  gint64  start;
  gint64  last;
  gint64  worst;                /* µs */
  GArray *gaps;                 /* double, ms */
  guint   frames;
  gboolean measuring;
} Probe;

static gboolean
tick (gpointer data)
{
  Probe *p = data;
  gint64 now = g_get_monotonic_time ();

  if (p->measuring && p->last != 0)
    {
      double gap = (now - p->last) / 1000.0 - TICK_MS;

      g_array_append_val (p->gaps, gap);
      p->worst = MAX (p->worst, now - p->last - TICK_MS * 1000);
      if (verbose && gap > 20)
        printf ("  %.1f ms gap ending at %.2f s\n", gap, (now - p->start) / 1e6);
    }
  p->last = now;
  return G_SOURCE_CONTINUE;
}

static void
after_paint (GdkFrameClock *clock, Probe *p)
{
  if (p->measuring)
    p->frames++;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autofree char *model = g_strdup ("lenet5");
  g_autofree char *dataset = NULL;
  g_autofree char *device_name = g_strdup ("auto");
  double seconds = 30;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, "Preset or model file", "MODEL" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, "Dataset (default: the model's)", "NAME" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "How long to measure", "S" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device_name, "auto, cpu or cuda", "DEVICE" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List every gap over 20 ms", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— main-loop gaps while training");
  g_autoptr (GError) error = NULL;
  Probe probe = { 0 };
  StWindow *window;
  StTrainPanel *panel;
  StTrainConfig config;
  StDevice device;
  gint64 start, end;
  double p50, p99;
  guint n;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-ui-latency: %s\n", error->message);
      return 2;
    }
  if (!st_device_from_name (device_name, &device))
    {
      g_printerr ("bench-ui-latency: --device: “%s” is not auto, cpu or cuda\n", device_name);
      return 2;
    }
  st_ui_choose_renderer ();               /* as strata itself does */
  if (!gtk_init_check ())
    {
      g_printerr ("bench-ui-latency: no display; run it under xvfb-run -a\n");
      return 2;
    }
  adw_init ();
  st_ui_init ();

  window = st_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  gtk_window_present (GTK_WINDOW (window));
  if (!gtk_widget_activate_action (GTK_WIDGET (window), "win.preset", "s", model))
    g_printerr ("bench-ui-latency: no preset %s\n", model);
  panel = ST_TRAIN_PANEL (st_window_get_train_panel (window));
  st_train_panel_get_config (panel, &config);
  config.epochs = 1000;                   /* the run outlasts the measurement */
  if (dataset != NULL)
    {
      g_free (config.dataset);
      config.dataset = g_strdup (dataset);
    }
  st_train_panel_load_config (panel, &config);
  st_train_config_clear (&config);
  st_train_panel_set_device (panel, device);

  probe.gaps = g_array_new (FALSE, FALSE, sizeof (double));
  g_timeout_add (TICK_MS, tick, &probe);
  for (start = g_get_monotonic_time (); g_get_monotonic_time () - start < G_USEC_PER_SEC; )
    g_main_context_iteration (NULL, FALSE);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (after_paint), &probe);

  /* Start itself runs on the main loop: it counts as a gap like any other. */
  probe.measuring = TRUE;
  start = probe.start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (window), "win.train-start", NULL);
  if (verbose)
    printf ("  Start took %.1f ms\n", (g_get_monotonic_time () - start) / 1000.0);
  while ((end = g_get_monotonic_time ()) - start < seconds * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  probe.measuring = FALSE;

  {
    StChartData *data = st_chart_panel_get_data (ST_CHART_PANEL (st_window_get_chart_panel (window)));

    n = probe.gaps->len;
    g_array_sort (probe.gaps, compare_double);
    p50 = n > 0 ? g_array_index (probe.gaps, double, n / 2) : 0;
    p99 = n > 0 ? g_array_index (probe.gaps, double, (guint) (n * 0.99)) : 0;
    printf ("%s on %s, %.0f s: worst main-loop gap %.1f ms (p99 %.2f ms, median %.2f ms, "
            "%u ticks), %u frames painted (%.0f/s), %zu batches and %zu epochs charted\n",
            model, dataset != NULL ? dataset : "its dataset", seconds, probe.worst / 1000.0,
            p99, p50, n, probe.frames, probe.frames / seconds, data->n_batches, data->n_epochs);
    printf ("{\"model\": \"%s\", \"seconds\": %.1f, \"worst_gap_ms\": %.2f, \"p99_gap_ms\": %.3f, "
            "\"median_gap_ms\": %.3f, \"frames\": %u, \"batches\": %zu, \"epochs\": %zu}\n",
            model, seconds, probe.worst / 1000.0, p99, p50, probe.frames, data->n_batches,
            data->n_epochs);
  }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.train-stop", NULL);
  while (st_train_panel_get_state (panel) == ST_TRAINER_RUNNING
         || st_train_panel_get_state (panel) == ST_TRAINER_STOPPING)
    g_main_context_iteration (NULL, TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (probe.gaps);
  return 0;
}
