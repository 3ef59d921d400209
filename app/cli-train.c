/* cli-train.c: `strata-cli train` — a training run in the terminal.
 *
 * On a terminal: a progress bar per epoch with examples/s and time left; otherwise one line
 * per epoch; --json: one JSON object per epoch. The metrics CSV and the chart are rewritten
 * after every epoch, so an interrupted run keeps what it did.
 */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli.h"

#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "core/json-write.h"
#include "core/trainer.h"
#ifdef STRATA_HAVE_RENDER
#include "ui/chart-render.h"
#endif

typedef struct {
  GMainLoop      *loop;
  gboolean        json;
  gboolean        tty;
  const char     *metrics_path;
  const char     *plot_path;
  GString        *csv;
#ifdef STRATA_HAVE_RENDER
  StChartData     chart;
#endif
  int             status;
  gint64          last_draw;
  gint64          epoch_start;
} TrainCli;

static void
format_duration (char *buf, gsize size, double seconds)
{
  int s = (int) (seconds + 0.5);

  if (s >= 3600)
    g_snprintf (buf, size, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, size, "%d:%02d", s / 60, s % 60);
}

static void
draw_bar (TrainCli *cli, const StTrainerEvent *e)
{
  const int width = 28;
  double frac = (double) e->batch / MAX (e->n_batches, 1);
  int filled = (int) (frac * width);
  double elapsed = (g_get_monotonic_time () - cli->epoch_start) / 1e6;
  double left = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  char eta[32];
  GString *bar = g_string_new (NULL);

  for (int i = 0; i < width; i++)
    g_string_append (bar, i < filled ? "█" : "░");
  format_duration (eta, sizeof eta, left);
  fprintf (stderr, "\r\033[Kepoch %d/%d %s %3.0f%% loss %.4f  %.0f ex/s  left %s", e->epoch,
           e->n_epochs, bar->str, frac * 100, e->loss, e->examples_per_sec, eta);
  fflush (stderr);
  g_string_free (bar, TRUE);
}

static void
write_outputs (TrainCli *cli)
{
  g_autoptr (GError) error = NULL;

  if (cli->metrics_path != NULL
      && !g_file_set_contents_full (cli->metrics_path, cli->csv->str, cli->csv->len,
                                    G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    {
      g_printerr ("strata-cli: %s\n", error->message);
      g_clear_error (&error);
      cli->metrics_path = NULL;
    }
#ifdef STRATA_HAVE_RENDER
  if (cli->plot_path != NULL)
    {
      StChartOptions options;

      st_chart_options_init (&options);
      if (!st_chart_save (cli->plot_path, 1200, 500, &cli->chart, &options, &error))
        {
          g_printerr ("strata-cli: %s\n", error->message);
          cli->plot_path = NULL;
        }
    }
#endif
}

static void
print_epoch (TrainCli *cli, const StEpochMetrics *m, int n_epochs)
{
  if (cli->tty)
    fprintf (stderr, "\r\033[K");
  if (cli->json)
    {
      GString *line = g_string_new (NULL);

      g_string_append_printf (line, "{\"epoch\": %d, \"train_loss\": ", m->epoch);
      st_json_append_double (line, m->train_loss);
      g_string_append (line, ", \"train_acc\": ");
      st_json_append_double (line, m->train_acc);
      g_string_append (line, ", \"test_loss\": ");
      st_json_append_double (line, m->test_loss);
      g_string_append (line, ", \"test_acc\": ");
      st_json_append_double (line, m->test_acc);
      g_string_append (line, ", \"examples_per_sec\": ");
      st_json_append_double (line, round (m->examples_per_sec * 10) / 10);
      g_string_append (line, ", \"seconds\": ");
      st_json_append_double (line, round (m->seconds * 1000) / 1000);
      g_string_append (line, "}\n");
      fputs (line->str, stdout);
      g_string_free (line, TRUE);
    }
  else
    printf ("epoch %d/%d  train loss %.4f  train acc %.4f  test loss %.4f  test acc %.4f  "
            "%.0f examples/s  %.1f s\n", m->epoch, n_epochs, m->train_loss, m->train_acc,
            m->test_loss, m->test_acc, m->examples_per_sec, m->seconds);
  fflush (stdout);
}

static void
on_event (StTrainer *trainer, const StTrainerEvent *e, gpointer data)
{
  TrainCli *cli = data;

  switch (e->kind)
    {
    case ST_TRAINER_EVENT_STATUS:
      if (!cli->json)
        fprintf (stderr, "%s\n", e->message);
      break;
    case ST_TRAINER_EVENT_STARTED:
      if (!cli->json)
        fprintf (stderr, "Training on %s\n", e->message);
      cli->epoch_start = g_get_monotonic_time ();
      break;
    case ST_TRAINER_EVENT_BATCH:
#ifdef STRATA_HAVE_RENDER
      st_chart_data_add_batch (&cli->chart, e->epoch - 1 + (double) e->batch / e->n_batches,
                               e->loss);
#endif
      if (e->batch == 1)
        cli->epoch_start = g_get_monotonic_time ();
      if (cli->tty && g_get_monotonic_time () - cli->last_draw > 100000)
        {
          draw_bar (cli, e);
          cli->last_draw = g_get_monotonic_time ();
        }
      break;
    case ST_TRAINER_EVENT_EPOCH:
#ifdef STRATA_HAVE_RENDER
      {
        StChartEpoch point = { e->metrics.epoch, e->metrics.train_loss, e->metrics.test_loss,
                               e->metrics.train_acc, e->metrics.test_acc };
        st_chart_data_add_epoch (&cli->chart, &point);
      }
#endif
      g_string_append_printf (cli->csv, "%d,%.6f,%.6f,%.6f,%.6f,%.1f,%.3f\n", e->metrics.epoch,
                              e->metrics.train_loss, e->metrics.train_acc, e->metrics.test_loss,
                              e->metrics.test_acc, e->metrics.examples_per_sec,
                              e->metrics.seconds);
      print_epoch (cli, &e->metrics, e->n_epochs);
      write_outputs (cli);
      break;
    case ST_TRAINER_EVENT_CHECKPOINT:
      if (!cli->json)
        fprintf (stderr, "saved the best weights so far to %s\n", e->message);
      break;
    case ST_TRAINER_EVENT_ERROR:
      if (cli->tty)
        fprintf (stderr, "\r\033[K");
      g_printerr ("strata-cli: %s\n", e->message);
      cli->status = 1;
      break;
    case ST_TRAINER_EVENT_FINISHED:
      if (e->stopped && cli->status == 0)
        {
          g_printerr ("\nstrata-cli: stopped\n");
          cli->status = 130;
        }
      g_main_loop_quit (cli->loop);
      break;
    case ST_TRAINER_EVENT_SNAPSHOT:
      break;
    }
}

static gboolean
on_interrupt (gpointer data)
{
  st_trainer_stop (data);
  return G_SOURCE_CONTINUE;
}

int
st_cli_train (int argc, char **argv)
{
  g_autofree char *dataset = NULL, *optimizer = NULL, *device = NULL, *save = NULL;
  g_autofree char *metrics = NULL, *plot = NULL, *resume = NULL;
  int epochs = 0, batch_size = 0, threads = 0;
  gint64 seed = -1, limit = 0;
  double lr = 0.0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, "Dataset name or path", "NAME|PATH" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Number of epochs", "N" },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size, "Examples per step", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate", "X" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &optimizer, "sgd, adam or adamw", "NAME" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "auto, cpu or cuda", "DEVICE" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "CPU threads (default: all)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
    { "limit", 0, 0, G_OPTION_ARG_INT64, &limit, "Train on the first N examples only", "N" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &save, "Keep the best weights here", "FILE" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume, "Start from these weights", "FILE" },
    { "metrics", 0, 0, G_OPTION_ARG_FILENAME, &metrics, "Write per-epoch metrics", "FILE.csv" },
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot, "Draw the curves", "FILE.png|FILE.svg" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per epoch", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL — train a model");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StTrainer) trainer = NULL;
  StTrainerOptions options;
  TrainCli cli = { 0 };
  guint sigint;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 2)
    return st_cli_usage_error (context, argc < 2 ? "train needs a MODEL" : "train takes one MODEL");

  spec = st_spec_load (argv[1], &error);
  if (spec == NULL)
    return st_cli_fail (error);
  spec->has_training = TRUE;
  if (epochs < 0 || batch_size < 0 || threads < 0 || limit < 0 || lr < 0 || !isfinite (lr))
    return st_cli_usage_error (context, "--epochs, --batch-size, --threads, --limit and --lr "
                                        "must not be negative");
  if (epochs > 0)
    spec->training.epochs = epochs;
  if (batch_size > 0)
    spec->training.batch_size = batch_size;
  if (seed >= 0)
    spec->training.seed = seed;
  if (optimizer != NULL)
    {
      StOptimKind kind;
      if (!st_optim_from_name (optimizer, &kind))
        return st_cli_usage_error (context, "--optimizer must be sgd, adam or adamw");
      if (kind != spec->training.optimizer.type)
        st_optim_config_init_default (&spec->training.optimizer, kind);
    }
  if (lr > 0)
    spec->training.optimizer.lr = lr;

  st_trainer_options_init (&options);
  if (device != NULL && !st_device_from_name (device, &options.device))
    return st_cli_usage_error (context, "--device must be auto, cpu or cuda");
  options.threads = threads;
  options.dataset = dataset;
  options.save_path = save;
  options.resume_path = resume;
  options.max_train_examples = limit;

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.json = json;
  cli.tty = !json && isatty (STDERR_FILENO);
  cli.metrics_path = metrics;
  cli.plot_path = plot;
  cli.csv = g_string_new ("epoch,train_loss,train_acc,test_loss,test_acc,examples_per_sec,"
                          "seconds\n");
#ifdef STRATA_HAVE_RENDER
  st_chart_data_init (&cli.chart);
  cli.chart.planned_epochs = spec->training.epochs;
#else
  if (plot != NULL)
    return st_cli_usage_error (context, "--plot needs a build of Strata with Cairo");
#endif

  trainer = st_trainer_new (spec, &options, on_event, &cli, &error);
  if (trainer == NULL)
    return st_cli_fail (error);
  sigint = g_unix_signal_add (SIGINT, on_interrupt, trainer);
  st_trainer_start (trainer);
  g_main_loop_run (cli.loop);
  g_source_remove (sigint);

  g_clear_pointer (&trainer, st_trainer_free);
#ifdef STRATA_HAVE_RENDER
  st_chart_data_clear (&cli.chart);
#endif
  g_string_free (cli.csv, TRUE);
  g_main_loop_unref (cli.loop);
  return cli.status;
}
