/* cli-runs-draw.c: the runs drawn — `runs compare` (their curves together, each named by
 * what sets it apart) and `runs show --plot-insight` (a run's histograms over the epochs). */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli-runs.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "core/model/recipe-diff.h"

#ifdef STRATA_HAVE_RENDER
#include "ui/render/chart-render.h"
#include "ui/render/insight-render.h"
#define MAX_COMPARED ST_CHART_MAX_OVERLAYS
#else
#define MAX_COMPARED 10         /* as the renderer's ST_CHART_MAX_OVERLAYS */
#endif

#ifdef STRATA_HAVE_RENDER
/* Each run's epochs as chart rows. */
static void
chart_of_run (StChartData *chart, const StRun *run)
{
  st_chart_data_init (chart);
  for (guint i = 0; i < run->epochs->len; i++)
    {
      const StEpochMetrics *m = &g_array_index (run->epochs, StEpochMetrics, i);
      StChartEpoch e = { .epoch = m->epoch, .train_loss = m->train_loss,
                         .test_loss = m->test_loss, .train_acc = m->train_acc,
                         .test_acc = m->test_acc };

      st_chart_data_add_epoch (chart, &e);
    }
}
#endif

int
st_cli_runs_compare (int argc, char **argv)
{
  g_autofree char *dir = NULL, *plot = NULL;
  GOptionEntry entries[] = {
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot,
      N_("Draw their curves together, a colour a run"), "FILE.png|FILE.svg" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, N_("The folder of the runs"), "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("RUN RUN… — runs side by side"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) st_run_free);
  g_autofree const StSpec **specs = NULL;
  g_auto (GStrv) labels = NULL;
  int n;

  g_option_context_set_summary (context,
                                N_("Each RUN is a run's id, the start of its id, or its folder.\n"
                                   "The runs are named by what sets them apart: the settings "
                                   "of their\nmodels and recipes that are not the same in all "
                                   "of them."));
  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  n = argc - 1;
  if (n < 2)
    return st_cli_usage_error (context, _("compare needs two RUNs or more"));
  if (n > MAX_COMPARED)
    {
      g_autofree char *message = g_strdup_printf (_("compare takes at most %d RUNs"),
                                                  MAX_COMPARED);

      return st_cli_usage_error (context, message);
    }
#ifndef STRATA_HAVE_RENDER
  if (plot != NULL)
    return st_cli_usage_error (context, _("--plot needs a build of Strata with Cairo"));
#endif
  if (dir == NULL)
    dir = st_runs_dir ();
  specs = g_new0 (const StSpec *, n);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *run_dir = st_run_find (dir, argv[i + 1], &error);
      StRun *run = run_dir != NULL ? st_run_load (run_dir, FALSE, &error) : NULL;

      if (run == NULL)
        return st_cli_fail (error);
      g_ptr_array_add (runs, run);
      specs[i] = run->spec;
    }
  labels = st_recipe_differences (specs, n);
  for (int i = 0; i < n; i++)
    {
      const StRun *run = runs->pdata[i];

      if (labels[i][0] == '\0')
        {
          /* nothing in the recipes tells them apart: the id does */
          g_free (labels[i]);
          labels[i] = g_strdup (run->id);
        }
      printf ("%-*s  %s", 28, run->id, labels[i]);
      if (run->best_epoch > 0)
        printf (_("  best test acc %.2f%% (epoch %d)"), 100.0 * run->best_test_acc,
                run->best_epoch);
      printf ("\n");
    }
#ifdef STRATA_HAVE_RENDER
  if (plot != NULL)
    {
      g_autofree StChartData *charts = g_new0 (StChartData, n);
      g_autofree StChartOverlay *overlays = g_new0 (StChartOverlay, n);
      StChartData all;
      StChartOptions options;
      gboolean ok;

      for (int i = 0; i < n; i++)
        {
          chart_of_run (&charts[i], runs->pdata[i]);
          overlays[i] = (StChartOverlay) { &charts[i], labels[i] };
        }
      st_chart_data_init (&all);
      all.overlays = overlays;
      all.n_overlays = n;
      st_chart_options_init (&options);
      ok = st_chart_save (plot, 1200, 500, &all, &options, &error);
      for (int i = 0; i < n; i++)
        st_chart_data_clear (&charts[i]);
      st_chart_data_clear (&all);
      if (!ok)
        return st_cli_fail (error);
    }
#endif
  return 0;
}

#ifdef STRATA_HAVE_RENDER
/* The run's insight.jsonl as ridge plots: a column a weight layer, its weights above and its
 * gradients below, an outline an epoch. */
gboolean
st_cli_runs_plot_insight (const StRun *run, const char *path, GError **error)
{
  g_autofree char *file = g_build_filename (run->dir, "insight.jsonl", NULL);
  g_autoptr (GPtrArray) epochs = st_insight_read (file, error);
  g_autoptr (StInsightRidges) ridges = NULL;

  if (epochs == NULL)
    return FALSE;
  ridges = st_insight_ridges_new (epochs);
  if (ridges->n_epochs == 0 || ridges->n_layers == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("%s: no epoch of insight to draw"), file);
      return FALSE;
    }
  return st_ridge_save (path, MAX (320 * ridges->n_layers, 640), 640, ridges->panels,
                        ridges->n_panels, ridges->n_layers, error);
}
#endif
