/* cli-bench.c: `strata-cli bench` — training and evaluation throughput of the presets on
 * synthetic data held in memory, so that the numbers measure the engine and nothing else;
 * with --profile, the time of each part of one training step on a backend that can time
 * them (the GPU). The side-by-side comparison with PyTorch (bench/) uses real data and
 * `train --json`. */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "core/engine/backend.h"
#include "core/engine/net.h"
#include "core/io/json-write.h"
#include "core/model/spec-read.h"

/* As many examples as the test sets of MNIST and Fashion-MNIST: evaluation passes over
 * all of them, training steps wander over them. */
#define BENCH_EXAMPLES 10000

typedef struct {
  int      batch;      /* 0: the preset's */
  int      steps;
  gboolean profile;
  gboolean verbose;
} BenchOptions;

typedef struct {
  int     batch;
  double  train_per_sec;
  double  eval_per_sec;
  GArray *profile;     /* of StProfileEntry, or NULL */
  GPtrArray *plan;     /* the backend's choices per layer (--verbose), or NULL */
} Rates;

static void
rates_clear (Rates *r)
{
  if (r->profile != NULL)
    {
      for (guint i = 0; i < r->profile->len; i++)
        g_free (g_array_index (r->profile, StProfileEntry, i).what);
      g_clear_pointer (&r->profile, g_array_unref);
    }
  g_clear_pointer (&r->plan, g_ptr_array_unref);
}

static gboolean
bench_one (const char *name, StDevice device, const BenchOptions *opt, Rates *rates,
           char **where, GError **error)
{
  g_autoptr (StSpec) spec = st_spec_load (name, error);
  g_autoptr (StNet) net = NULL;
  g_autoptr (StBackend) be = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autofree guint32 *idx = NULL;
  const StTrainConfig *tc;
  StBackendStart start = { 0 };
  StMetrics m;
  StRng rng;
  int batch, steps = opt->steps;
  gint64 t0 = 0;

  if (spec == NULL || (net = st_net_compile (spec, error)) == NULL)
    return FALSE;
  tc = &spec->training;
  batch = opt->batch > 0 ? opt->batch : tc->batch_size;
  if (batch > BENCH_EXAMPLES)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("--batch-size %d: the benchmark holds %d examples"), batch, BENCH_EXAMPLES);
      return FALSE;
    }
  rates->batch = batch;
  data = st_dataset_new ("synthetic", "generated", BENCH_EXAMPLES, spec->input.dim[0],
                         spec->input.dim[1], spec->input.dim[2], error);
  if (data == NULL)
    return FALSE;
  st_rng_init (&rng, 1);
  for (gsize i = 0; i < BENCH_EXAMPLES * st_dataset_example_size (data); i++)
    data->images[i] = st_rng_below (&rng, 256);
  st_dataset_set_classes (data, tc->loss == ST_LOSS_CROSS_ENTROPY
                                ? (int) net->values[net->output].numel : 2, NULL);
  for (int i = 0; i < BENCH_EXAMPLES; i++)
    data->labels[i] = st_rng_below (&rng, data->n_classes);

  st_backend_start_for_recipe (&start, device, net, tc, batch, data, data, &rng);
  be = st_backend_start (&start, error);
  if (be == NULL)
    return FALSE;

  idx = g_new (guint32, BENCH_EXAMPLES);
  for (int i = 0; i < BENCH_EXAMPLES; i++)
    idx[i] = i;
  if (!st_backend_set_order (be, idx, BENCH_EXAMPLES, error))
    return FALSE;
  for (int s = 0; s < steps + 3; s++)
    {
      if (s == 3)
        t0 = g_get_monotonic_time ();
      if (!st_backend_train_step (be, (gint64) s * batch % (BENCH_EXAMPLES - batch), batch, s,
                                  error))
        return FALSE;
    }
  /* A backend that reports one step late hands over the last step on the second call, so
   * the timing ends only when every step is done and none leaks into the evaluation. */
  st_backend_take_metrics (be, &m);
  st_backend_take_metrics (be, &m);
  rates->train_per_sec = (double) steps * batch / ((g_get_monotonic_time () - t0) / 1e6);

  t0 = g_get_monotonic_time ();
  if (!st_backend_evaluate_all (be, ST_SPLIT_TEST, BENCH_EXAMPLES, batch, NULL, NULL, &m, error))
    return FALSE;
  rates->eval_per_sec = m.examples / ((g_get_monotonic_time () - t0) / 1e6);
  *where = g_strdup (be->description);
  if (opt->verbose)
    rates->plan = st_backend_describe_plan (be);
  if (!opt->profile)
    return TRUE;
  rates->profile = g_array_new (FALSE, FALSE, sizeof (StProfileEntry));
  if (!st_backend_profile_step (be, 0, batch, 7, rates->profile, error))
    {
      g_prefix_error (error, "--profile: ");
      return FALSE;
    }
  return TRUE;
}

int
st_cli_bench (int argc, char **argv)
{
  g_autofree char *device_name = NULL;
  BenchOptions opt = { .steps = 50 };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &device_name, N_("auto, cpu or cuda"), "DEVICE" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &opt.steps, N_("Training steps to time (default 50)"),
      "N" },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &opt.batch,
      N_("Examples per step (default: each preset's)"), "N" },
    { "profile", 0, 0, G_OPTION_ARG_NONE, &opt.profile,
      N_("Time each part of one training step (GPU only)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per model"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt.verbose,
      N_("Say how each convolution runs and why"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("[MODEL…] — examples per "
                                                                "second of the presets"));
  g_autoptr (GError) error = NULL;
  const char *const *models;
  StDevice device = ST_DEVICE_AUTO;

  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (device_name != NULL && !st_device_from_name (device_name, &device))
    return st_cli_usage_error (context, _("--device must be auto, cpu or cuda"));
  if (opt.steps < 1)
    return st_cli_usage_error (context, _("--steps must be at least 1"));
  if (opt.batch < 0)
    return st_cli_usage_error (context, _("--batch-size must be at least 1"));
  models = argc > 1 ? (const char *const *) argv + 1 : st_preset_names ();
  if (!json)
    {
      st_cli_print_cell (_("model"), 12, FALSE);
      putchar (' ');
      st_cli_print_cell (_("batch"), 8, TRUE);
      putchar (' ');
      st_cli_print_cell (_("train ex/s"), 14, TRUE);
      putchar (' ');
      st_cli_print_cell (_("eval ex/s"), 14, TRUE);
      printf ("  %s\n", _("device"));
    }
  fflush (stdout);
  for (; *models != NULL; models++)
    {
      g_autofree char *where = NULL;
      Rates r = { 0 };

      if (!bench_one (*models, device, &opt, &r, &where, &error))
        {
          rates_clear (&r);
          return st_cli_fail (error);
        }
      if (json)
        {
          printf ("{\"model\": \"%s\", \"batch_size\": %d, \"train_examples_per_sec\": %.1f, "
                  "\"eval_examples_per_sec\": %.1f, \"device\": \"%s\"", *models, r.batch,
                  r.train_per_sec, r.eval_per_sec, where);
          for (guint i = 0; r.profile != NULL && i < r.profile->len; i++)
            {
              const StProfileEntry *e = &g_array_index (r.profile, StProfileEntry, i);

              printf ("%s{\"what\": \"%s\", \"us\": %.2f}", i == 0 ? ", \"profile\": [" : ", ",
                      e->what, e->us);
            }
          printf ("%s", r.profile != NULL && r.profile->len > 0 ? "]" : "");
          if (r.plan != NULL)
            {
              g_autoptr (GString) plan = g_string_new (", \"plan\": [");

              for (guint i = 0; i < r.plan->len; i++)
                {
                  if (i > 0)
                    g_string_append (plan, ", ");
                  st_json_append_string (plan, g_ptr_array_index (r.plan, i));
                }
              printf ("%s]", plan->str);
            }
          printf ("}\n");
        }
      else
        {
          printf ("%-12s %8d %14.0f %14.0f  %s\n", *models, r.batch, r.train_per_sec,
                  r.eval_per_sec, where);
          for (guint i = 0; r.profile != NULL && i < r.profile->len; i++)
            {
              const StProfileEntry *e = &g_array_index (r.profile, StProfileEntry, i);

              printf ("  %10.2f µs  %s\n", e->us, e->what);
            }
          for (guint i = 0; r.plan != NULL && i < r.plan->len; i++)
            printf ("  %s\n", (const char *) g_ptr_array_index (r.plan, i));
          if (r.plan != NULL && r.plan->len == 0)
            printf ("  %s\n", _("(no layer with a choice of way)"));
        }
      rates_clear (&r);
      fflush (stdout);
    }
  return 0;
}
