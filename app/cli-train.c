/* cli-train.c: `strata-cli train` — a training run in the terminal.
 *
 * On a terminal: a progress bar per epoch with examples/s and time left; otherwise one line
 * per epoch; --json: one JSON object per epoch. The metrics CSV and the chart are rewritten
 * after every epoch, so an interrupted run keeps what it did. --loop-gaps measures how long
 * the main loop, which takes the trainer's events as the window's does, is ever kept from
 * running: the window's responsiveness during a run, where there is no display (a GPU
 * machine).
 */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/data/dataset-load.h"
#include "core/engine/run-list.h"
#include "core/engine/trainer.h"
#include "core/io/atomic-file.h"
#include "core/io/json-write.h"
#include "core/io/paths.h"
#include "core/model/spec-read.h"
#ifdef STRATA_HAVE_RENDER
#include "ui/render/chart-feed.h"
#include "ui/render/chart-render.h"
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
  /* --loop-gaps: a tick of LOOP_TICK_MS on the main loop, from the first batch on */
  guint           tick;
  gboolean        measuring;
  gint64          last_tick;
  GArray         *gaps;           /* double, ms: each tick's lateness */
} TrainCli;

#define LOOP_TICK_MS 2

static gboolean
on_tick (gpointer data)
{
  TrainCli *cli = data;
  const gint64 now = g_get_monotonic_time ();

  if (cli->measuring && cli->last_tick != 0)
    {
      const double gap = MAX (0.0, (now - cli->last_tick) / 1000.0 - LOOP_TICK_MS);

      g_array_append_val (cli->gaps, gap);
    }
  cli->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  const double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The loop's lateness over the run: the worst, the 99th percentile, how many ticks. */
static void
print_loop_gaps (TrainCli *cli)
{
  GArray *g = cli->gaps;
  double worst = 0.0, p99 = 0.0;

  if (g->len > 0)
    {
      g_array_sort (g, compare_double);
      worst = g_array_index (g, double, g->len - 1);
      p99 = g_array_index (g, double, (gsize) ((g->len - 1) * 0.99));
    }
  if (cli->json)
    printf ("{\"main_loop_worst_gap_ms\": %.2f, \"main_loop_p99_gap_ms\": %.2f, "
            "\"main_loop_ticks\": %u}\n", worst, p99, g->len);
  else
    printf (_("main loop: kept from running %.1f ms at worst, %.2f ms at the 99th percentile "
              "(%u ticks of %d ms)\n"), worst, p99, g->len, LOOP_TICK_MS);
  fflush (stdout);
}

static void
format_duration (char *buf, gsize size, double seconds)
{
  int s = (int) (seconds + 0.5);

  if (s >= 3600)
    g_snprintf (buf, size, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, size, "%d:%02d", s / 60, s % 60);
}

/* One epoch's row of the metrics CSV: numbers with a '.' whatever the locale. */
static void
csv_row (GString *csv, const StEpochMetrics *m)
{
  const double values[] = { m->train_loss, m->train_acc, m->test_loss, m->test_acc,
                            m->examples_per_sec, m->seconds };
  const char *const formats[] = { "%.6f", "%.6f", "%.6f", "%.6f", "%.1f", "%.3f" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (csv, "%d", m->epoch);
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_string_append_c (csv, ',');
      g_string_append (csv, g_ascii_formatd (buf, sizeof buf, formats[i], values[i]));
    }
  g_string_append_c (csv, '\n');
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
  fprintf (stderr, "\r\033[K");
  fprintf (stderr, _("epoch %d/%d %s %3.0f%% loss %.4f  %.0f ex/s  left %s"), e->epoch,
           e->n_epochs, bar->str, frac * 100, e->loss, e->examples_per_sec, eta);
  fflush (stderr);
  g_string_free (bar, TRUE);
}

static void
write_outputs (TrainCli *cli)
{
  g_autoptr (GError) error = NULL;

  if (cli->metrics_path != NULL
      && !st_atomic_file_set_contents (cli->metrics_path, cli->csv->str, cli->csv->len, 0644,
                                       &error))
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

      st_epoch_metrics_append_json (line, m);
      g_string_append_c (line, '\n');
      fputs (line->str, stdout);
      g_string_free (line, TRUE);
    }
  else
    printf (_("epoch %d/%d  train loss %.4f  train acc %.4f  test loss %.4f  test acc %.4f  "
              "%.0f examples/s  %.1f s\n"), m->epoch, n_epochs, m->train_loss, m->train_acc,
            m->test_loss, m->test_acc, m->examples_per_sec, m->seconds);
  fflush (stdout);
}

static void
on_event (StTrainer *trainer, const StTrainerEvent *e, gpointer data)
{
  TrainCli *cli = data;

#ifdef STRATA_HAVE_RENDER
  st_chart_data_add_event (&cli->chart, e);
#endif
  switch (e->kind)
    {
    case ST_TRAINER_EVENT_STATUS:
      if (cli->tty)
        fprintf (stderr, "\r\033[K");
      if (!cli->json || e->notice)
        fprintf (stderr, "%s\n", e->message);
      break;
    case ST_TRAINER_EVENT_STARTED:
      if (!cli->json)
        fprintf (stderr, _("Training on %s\n"), e->message);
      cli->epoch_start = g_get_monotonic_time ();
      break;
    case ST_TRAINER_EVENT_BATCH:
      if (e->batch == 1)
        cli->epoch_start = g_get_monotonic_time ();
      /* from the first step on: loading the data is not the run */
      cli->measuring = TRUE;
      if (cli->tty && g_get_monotonic_time () - cli->last_draw > 100000)
        {
          draw_bar (cli, e);
          cli->last_draw = g_get_monotonic_time ();
        }
      break;
    case ST_TRAINER_EVENT_EPOCH:
      csv_row (cli->csv, &e->metrics);
      print_epoch (cli, &e->metrics, e->n_epochs);
      write_outputs (cli);
      break;
    case ST_TRAINER_EVENT_CHECKPOINT:
      if (!cli->json)
        fprintf (stderr, _("saved the best weights so far to %s\n"), e->message);
      break;
    case ST_TRAINER_EVENT_INSIGHT:
      /* in the run's folder: strata-cli runs show */
      break;
    case ST_TRAINER_EVENT_RECORD:
      if (!cli->json)
        fprintf (stderr, _("Recording the run in %s\n"), e->message);
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
          g_printerr (_("\nstrata-cli: stopped\n"));
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

/* Whether two paths name one existing file. */
static gboolean
same_file (const char *a, const char *b)
{
  g_autofree char *ra = realpath (a, NULL), *rb = realpath (b, NULL);

  return ra != NULL && rb != NULL && strcmp (ra, rb) == 0;
}

/* The run's outputs, before it starts: each can be written, a chart is .png or .svg, and
 * none is one of the run's inputs (the model file, the weights it resumes from, the
 * dataset's files) or another output. The one exception: --checkpoint may name the file
 * --resume reads (it is read before the first epoch ends, then replaced atomically). */
static gboolean
check_files (const char *model, const StSpec *spec, const char *dataset, const char *resume,
             const char *save, const char *checkpoint, const char *metrics, const char *plot,
             GError **error)
{
  const char *data = dataset != NULL ? dataset : spec->training.dataset;
  g_autofree char *named = data != NULL ? st_dataset_named_dir (data) : NULL;
  const StRunFile outputs[] = { { "--save", save }, { "--checkpoint", checkpoint },
                                { "--metrics", metrics }, { "--plot", plot } };
  const gboolean continues = resume != NULL && checkpoint != NULL && same_file (resume, checkpoint);
  const StRunFile inputs[] = {
    { _("the model"), g_file_test (model, G_FILE_TEST_EXISTS) ? model : NULL },
    { _("the weights to resume from"), continues ? NULL : resume },
    { _("the dataset"), named != NULL ? named
                     : data != NULL && g_file_test (data, G_FILE_TEST_EXISTS) ? data : NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (outputs); i++)
    if (outputs[i].path != NULL && !st_output_check (outputs[i].what, outputs[i].path, error))
      return FALSE;
  if (plot != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (plot, -1);

      if (!g_str_has_suffix (lower, ".png") && !g_str_has_suffix (lower, ".svg"))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("--plot %s: the file name must end in .png or .svg"), plot);
          return FALSE;
        }
    }
  return st_run_files_check (inputs, G_N_ELEMENTS (inputs), outputs, G_N_ELEMENTS (outputs),
                             error);
}

/* `text` (NULL: not given) as a whole number in [min, max] into *out; a usage error
 * naming the option and the value otherwise. */
static gboolean
whole_option (GOptionContext *context, const char *option, const char *text, gint64 min,
              gint64 max, gint64 *out, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 v;

  if (text == NULL)
    return TRUE;
  if (g_ascii_string_to_signed (text, 10, min, max, &v, &error))
    {
      *out = v;
      return TRUE;
    }
  if (g_error_matches (error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
    message = g_strdup_printf (_("%s %s: must be between %" PRId64 " and %" PRId64), option,
                               text, min, max);
  else
    message = g_strdup_printf (_("%s “%s” is not a whole number"), option, text);
  *status = st_cli_usage_error (context, message);
  return FALSE;
}

/* `text` (NULL: not given) as a finite number above 0. */
static gboolean
positive_option (GOptionContext *context, const char *option, const char *text, double *out,
                 int *status)
{
  g_autofree char *message = NULL;
  char *end = NULL;
  double v;

  if (text == NULL)
    return TRUE;
  v = g_ascii_strtod (text, &end);
  if (end != text && *end == '\0' && isfinite (v) && v > 0.0)
    {
      *out = v;
      return TRUE;
    }
  if (end == text || *end != '\0')
    message = g_strdup_printf (_("%s “%s” is not a number"), option, text);
  else
    message = g_strdup_printf (_("%s %s: must be a finite number above 0"), option, text);
  *status = st_cli_usage_error (context, message);
  return FALSE;
}

int
st_cli_train (int argc, char **argv)
{
  g_autofree char *dataset = NULL, *optimizer = NULL, *device = NULL, *save = NULL;
  g_autofree char *metrics = NULL, *plot = NULL, *resume = NULL, *checkpoint = NULL;
  /* Numbers as text, each checked below: an option given is an option meant. */
  g_autofree char *epochs_text = NULL, *batch_text = NULL, *threads_text = NULL;
  g_autofree char *seed_text = NULL, *limit_text = NULL, *lr_text = NULL;
  gint64 epochs = 0, batch_size = 0, threads = 0, seed = -1, limit = 0;
  double lr = 0.0;
  gboolean json = FALSE, resize_images = FALSE, no_record = FALSE, loop_gaps = FALSE;
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, N_("Dataset name or path"), "NAME|PATH" },
    { "epochs", 0, 0, G_OPTION_ARG_STRING, &epochs_text, N_("Number of epochs"), "N" },
    { "batch-size", 0, 0, G_OPTION_ARG_STRING, &batch_text, N_("Examples per step"), "N" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &lr_text, N_("Learning rate"), "X" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &optimizer, N_("sgd, adam or adamw"), "NAME" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("auto, cpu or cuda"), "DEVICE" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text, N_("CPU threads (default: all)"),
      "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Random seed"), "N" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text, N_("Train on the first N examples only"),
      "N" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &save, N_("Keep the best weights here"), "FILE" },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &checkpoint,
      N_("Write the whole training state here at every epoch's end"), "FILE" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume,
      N_("Continue the run saved in this checkpoint (or recorded run), up to --epochs in all"),
      "FILE|RUN" },
    { "no-record", 0, 0, G_OPTION_ARG_NONE, &no_record,
      N_("Do not record this run in the history of runs"), NULL },
    { "metrics", 0, 0, G_OPTION_ARG_FILENAME, &metrics, N_("Write per-epoch metrics"),
      "FILE.csv" },
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot, N_("Draw the curves"), "FILE.png|FILE.svg" },
    { "resize-images", 0, 0, G_OPTION_ARG_NONE, &resize_images,
      N_("Scale images of another size to the model's input"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per epoch"), NULL },
    { "loop-gaps", 0, 0, G_OPTION_ARG_NONE, &loop_gaps,
      N_("At the end, how long the main loop was ever kept from running (the window's event "
         "path, measured without a window)"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("MODEL — train a model"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StTrainer) trainer = NULL;
  g_autofree char *runs_dir = NULL;
  StTrainerOptions options;
  TrainCli cli = { 0 };
  int status = 2;
  guint sigint, sigterm;

  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 2)
    return st_cli_usage_error (context, argc < 2 ? _("train needs a MODEL")
                                                 : _("train takes one MODEL"));

  if (dataset != NULL && *dataset == '\0')
    return st_cli_usage_error (context, _("--dataset is empty: give a dataset's name "
                                          "(fashion-mnist, mnist, toy) or its path"));
  spec = st_spec_load (argv[1], &error);
  if (spec == NULL)
    return st_cli_fail (error);
  spec->has_training = TRUE;
  if (!whole_option (context, "--epochs", epochs_text, 1, ST_TRAIN_MAX_EPOCHS, &epochs, &status)
      || !whole_option (context, "--batch-size", batch_text, 1, ST_TRAIN_MAX_BATCH, &batch_size,
                        &status)
      || !whole_option (context, "--threads", threads_text, 1, 4096, &threads, &status)
      || !whole_option (context, "--seed", seed_text, 0, G_MAXINT64, &seed, &status)
      || !whole_option (context, "--limit", limit_text, 1, G_MAXINT64, &limit, &status)
      || !positive_option (context, "--lr", lr_text, &lr, &status))
    return status;
  if (epochs > 0)
    spec->training.epochs = (int) epochs;
  if (batch_size > 0)
    spec->training.batch_size = (int) batch_size;
  if (seed >= 0)
    spec->training.seed = seed;
  if (optimizer != NULL)
    {
      StOptimKind kind;
      if (!st_optim_from_name (optimizer, &kind))
        return st_cli_usage_error (context, _("--optimizer must be sgd, adam or adamw"));
      if (kind != spec->training.optimizer.type)
        st_optim_config_init_default (&spec->training.optimizer, kind);
    }
  if (lr > 0)
    spec->training.optimizer.lr = lr;
  if (resize_images)
    spec->training.resize_images = TRUE;

#ifndef STRATA_HAVE_RENDER
  if (plot != NULL)
    return st_cli_usage_error (context, _("--plot needs a build of Strata with Cairo"));
#endif
  runs_dir = st_runs_dir ();
  if (resume != NULL && !g_file_test (resume, G_FILE_TEST_IS_REGULAR))
    {
      /* a recorded run: its folder, its id or the start of one */
      g_autofree char *run_dir = st_run_find (runs_dir, resume, &error);

      if (run_dir == NULL)
        return st_cli_fail (error);
      g_free (resume);
      resume = g_build_filename (run_dir, "checkpoint.safetensors", NULL);
      if (!g_file_test (resume, G_FILE_TEST_IS_REGULAR))
        {
          g_printerr (_("strata-cli: the run in %s has no checkpoint to continue from (no "
                        "epoch of it ended, or it was imported)\n"), run_dir);
          return 1;
        }
    }
  if (!check_files (argv[1], spec, dataset, resume, save, checkpoint, metrics, plot, &error))
    return st_cli_fail (error);

  st_trainer_options_init (&options);
  if (device != NULL && !st_device_from_name (device, &options.device))
    return st_cli_usage_error (context, _("--device must be auto, cpu or cuda"));
  options.threads = (int) threads;
  options.dataset = dataset;
  options.save_path = save;
  options.resume_path = resume;
  options.checkpoint_path = checkpoint;
  options.runs_dir = no_record ? NULL : runs_dir;
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
  st_chart_data_begin_run (&cli.chart, spec->training.epochs);
#endif

  trainer = st_trainer_new (spec, &options, on_event, &cli, &error);
  if (trainer == NULL)
    return st_cli_fail (error);
  /* Ctrl+C and a polite kill alike: the trainer stops after its step, a save in progress
   * finishes (or is discarded whole), and the run ends "stopped". */
  sigint = g_unix_signal_add (SIGINT, on_interrupt, trainer);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, trainer);
  if (loop_gaps)
    {
      cli.gaps = g_array_new (FALSE, FALSE, sizeof (double));
      cli.tick = g_timeout_add (LOOP_TICK_MS, on_tick, &cli);
    }
  st_trainer_start (trainer);
  g_main_loop_run (cli.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (loop_gaps)
    {
      g_source_remove (cli.tick);
      print_loop_gaps (&cli);
      g_array_unref (cli.gaps);
    }

  g_clear_pointer (&trainer, st_trainer_free);
#ifdef STRATA_HAVE_RENDER
  st_chart_data_clear (&cli.chart);
#endif
  g_string_free (cli.csv, TRUE);
  g_main_loop_unref (cli.loop);
  return cli.status;
}
