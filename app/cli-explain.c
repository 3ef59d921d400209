/* cli-explain.c: `strata-cli explain` — how one output value of a layer was computed, term by
 * term, for one test image or one picture. */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/data/image-folder.h"
#include "core/engine/explainer.h"
#include "core/model/spec-read.h"

typedef struct {
  char     *weights;
  char     *image;
  char     *input;
  char     *layer;
  char     *at;
  char     *dataset;
  char     *device;
  gboolean  json;
} ExplainArgs;

/* The picture at `path` as a dataset of one image of the model's input shape, read as an
 * image folder's pictures are (st_image_file_load). */
static StDataset *
load_input (const char *path, const StSpec *spec, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr (StDataset) ds = NULL;
  int c = (int) spec->input.dim[0], h = (int) spec->input.dim[1], w = (int) spec->input.dim[2];

  if (c != 1 && c != 3)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the model takes %d channels; a picture gives 1 or 3"), c);
      return NULL;
    }
  ds = st_image_file_load (path, c, error);
  if (ds == NULL)
    return NULL;
  if (ds->w != w || ds->h != h)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s is %d×%d pixels; the model takes %d×%d"), display, ds->w, ds->h, w, h);
      return NULL;
    }
  return g_steal_pointer (&ds);
}

static const char *
position_text (const StExplainTerm *t, char *buf, gsize size)
{
  if (t->row < 0 && !t->padding)
    g_snprintf (buf, size, "%" G_GINT64_FORMAT, t->channel);
  else
    g_snprintf (buf, size, "%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT,
                t->channel, t->row, t->col);
  return buf;
}

static void
print_terms (const StExplain *e)
{
  gboolean weighted = e->kind == ST_EXPLAIN_CONV2D || e->kind == ST_EXPLAIN_LINEAR;
  gboolean sources = e->kind == ST_EXPLAIN_CONCAT || e->kind == ST_EXPLAIN_ADD;

  /* Headings are translated; numbers line up under them whatever their width. */
  printf ("%6s  ", "#");
  if (sources)
    st_cli_print_cell (_("from"), 6, TRUE), printf ("  ");
  st_cli_print_cell (e->kind == ST_EXPLAIN_LINEAR ? _("index") : "", 6, TRUE);
  printf ("  ");
  st_cli_print_cell (_("input at (C,Y,X)"), 18, FALSE);
  st_cli_print_cell (_("input"), 15, TRUE);
  if (weighted)
    {
      st_cli_print_cell (_("weight"), 15, TRUE);
      st_cli_print_cell (_("product"), 15, TRUE);
    }
  printf ("\n");
  for (gsize i = 0; i < e->n_terms; i++)
    {
      const StExplainTerm *t = &e->terms[i];
      char at[64];

      printf ("%6zu  ", i + 1);
      if (sources)
        printf ("%6d  ", t->from);
      if (e->kind == ST_EXPLAIN_LINEAR)
        printf ("%6" G_GINT64_FORMAT "  ", t->index);
      else
        printf ("%6s  ", "");
      printf ("%-18s", position_text (t, at, sizeof at));
      printf ("%15.8g", t->input);
      if (weighted)
        printf ("%15.8g%15.8g", t->weight, t->product);
      if (t->padding)
        printf ("  %s", _("padding"));
      if ((gssize) i == e->chosen && e->kind == ST_EXPLAIN_MAXPOOL2D)
        printf ("  %s", _("← max"));
      printf ("\n");
    }
}

/* The labels of the result's lines, their numbers in one column. */
#define LABEL_WIDTH 26

static void
print_line (const char *label, double value)
{
  st_cli_print_cell (label, LABEL_WIDTH, FALSE);
  printf ("%.9g\n", value);
}

static void
print_result (const StExplain *e)
{
  const double x = e->n_terms > 0 ? e->terms[0].input : 0.0;

  switch (e->kind)
    {
    case ST_EXPLAIN_CONV2D:
    case ST_EXPLAIN_LINEAR:
      {
        g_autofree char *sum = g_strdup_printf (ngettext ("sum of the %zu product",
                                                          "sum of the %zu products",
                                                          e->n_terms), e->n_terms);

        print_line (sum, e->sum);
        if (e->has_bias)
          print_line (_("+ bias"), e->bias);
        else
          {
            st_cli_print_cell (_("+ bias"), LABEL_WIDTH, FALSE);
            printf ("%s\n", _("none (bias=False)"));
          }
        print_line (_("= sum + bias"), e->result);
        break;
      }
    case ST_EXPLAIN_MAXPOOL2D:
      {
        g_autofree char *max = g_strdup_printf (_("max: term %zd"), e->chosen + 1);

        print_line (max, e->result);
        break;
      }
    case ST_EXPLAIN_AVGPOOL2D:
    case ST_EXPLAIN_ADAPTIVEAVGPOOL2D:
      printf (_("sum %.9g / %g positions = %.9g\n"), e->sum, e->divisor, e->result);
      break;
    case ST_EXPLAIN_RELU:
      printf (_("ReLU(x) = max(x, 0) = max(%.9g, 0) = %.9g\n"), x, e->result);
      break;
    case ST_EXPLAIN_LEAKYRELU:
    case ST_EXPLAIN_PRELU:
      printf (_("x > 0 ? x : %g · x, with x = %.9g: %.9g\n"), e->slope, x, e->result);
      break;
    case ST_EXPLAIN_SIGMOID:
      printf (_("Sigmoid(x) = 1 / (1 + exp(−x)) = 1 / (1 + exp(−%.9g)) = %.9g\n"), x,
              e->result);
      break;
    case ST_EXPLAIN_TANH:
      printf (_("tanh(%.9g) = %.9g\n"), x, e->result);
      break;
    case ST_EXPLAIN_BATCHNORM2D:
      printf (_("(x − running_mean) / √(running_var + eps) · gamma + beta\n"
                "= (%.9g − %.9g) / √(%.9g + %g) · %.9g + %.9g = %.9g\n"), x,
              e->bn.running_mean, e->bn.running_var, e->bn.eps, e->bn.gamma, e->bn.beta,
              e->result);
      break;
    case ST_EXPLAIN_DROPOUT:
      printf (_("Dropout (p = %g) passes x through in evaluation mode: %.9g\n"), e->p,
              e->result);
      break;
    case ST_EXPLAIN_FLATTEN:
      printf (_("Flatten: index %" PRId64 " is the input at %" PRId64 ",%" PRId64 ",%" PRId64
                ": %.9g\n"), e->out_index, e->terms[0].channel, e->terms[0].row,
              e->terms[0].col, e->result);
      break;
    case ST_EXPLAIN_CONCAT:
      printf (_("Concat: output channel %" PRId64 " is channel %" PRId64 " of branch %d: "
                "%.9g\n"), e->at.c, e->terms[0].channel, e->terms[0].from, e->result);
      break;
    case ST_EXPLAIN_ADD:
      printf (_("Residual: body + shortcut = %.9g + %.9g = %.9g\n"), e->terms[0].input,
              e->terms[1].input, e->result);
      break;
    default:
      g_assert_not_reached ();
    }
  print_line (_("the forward pass wrote"), e->value);
}

static void
print_table (const StExplain *e, const char *picture)
{
  char shape[ST_SHAPE_STRING_MAX];
  g_autofree char *at = e->at.rank == 3
    ? g_strdup_printf ("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT, e->at.c,
                       e->at.y, e->at.x)
    : g_strdup_printf ("%" G_GINT64_FORMAT, e->at.c);

  printf (_("layer %s (%s), output %s, at %s, for %s: %.9g\n\n"), e->path, e->type,
          st_shape_format (&e->out_shape, shape), at, picture, e->value);
  print_terms (e);
  printf ("\n");
  print_result (e);
}

static void
free_args (ExplainArgs *args)
{
  g_free (args->weights);
  g_free (args->image);
  g_free (args->input);
  g_free (args->layer);
  g_free (args->at);
  g_free (args->dataset);
  g_free (args->device);
}

int
st_cli_explain (int argc, char **argv)
{
  ExplainArgs args = { 0 };
  GOptionEntry entries[] = {
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &args.weights,
      N_("Trained weights (default: the model's initial weights from its seed)"), "FILE" },
    { "image", 0, 0, G_OPTION_ARG_STRING, &args.image, N_("Test image number (from 0)"), "N" },
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &args.input,
      N_("A picture of the model's input size instead of a test image"), "FILE.png" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &args.layer,
      N_("The layer's path, as the summary names it (3, 5.branches.1.0)"), "PATH" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &args.at,
      N_("The output position: C,Y,X in a map, C in a flat output"), "C,Y,X" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &args.dataset, N_("Dataset name or path"),
      "NAME|PATH" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &args.device, N_("auto, cpu or cuda"), "DEVICE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, N_("Print one JSON object"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("MODEL — how one output "
                                                                "value of a layer was "
                                                                "computed"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StDataset) picture = NULL;
  g_autoptr (StExplainer) ex = NULL;
  g_autoptr (StExplain) e = NULL;
  g_autofree char *what = NULL;
  StDevice device = ST_DEVICE_AUTO;
  StExplainAt at;
  gint64 image = 0;
  int status = 0;

  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      status = st_cli_usage_error (context, error->message);
      goto out;
    }
  if (argc != 2)
    status = st_cli_usage_error (context, _("give one MODEL"));
  else if (args.image != NULL && args.input != NULL)
    status = st_cli_usage_error (context, _("give --image N or --input FILE.png, not both"));
  else if (args.image == NULL && args.input == NULL)
    status = st_cli_usage_error (context, _("give a test image with --image N or a picture "
                                            "with --input FILE.png"));
  else if (args.image != NULL
           && !g_ascii_string_to_signed (args.image, 10, 0, G_MAXINT64, &image, NULL))
    status = st_cli_usage_error (context, _("--image must be a whole number from 0"));
  else if (args.layer == NULL)
    status = st_cli_usage_error (context, _("--layer PATH is needed: a layer's path as "
                                            "`strata-cli summary` names it"));
  else if (args.at == NULL)
    status = st_cli_usage_error (context, _("--at C,Y,X is needed"));
  else if (!st_explain_at_parse (args.at, &at, &error))
    {
      g_autofree char *message = g_strdup_printf ("--at: %s", error->message);

      status = st_cli_usage_error (context, message);
    }
  else if (args.device != NULL && !st_device_from_name (args.device, &device))
    status = st_cli_usage_error (context, _("--device must be auto, cpu or cuda"));
  if (status != 0)
    goto out;

  spec = st_spec_load (argv[1], &error);
  if (spec != NULL && args.input != NULL)
    picture = load_input (args.input, spec, &error);
  if (spec == NULL || (args.input != NULL && picture == NULL))
    {
      status = st_cli_fail (error);
      goto out;
    }
  ex = st_explainer_new (spec, args.weights, args.dataset, picture, image, device, &error);
  if (ex != NULL)
    e = st_explainer_explain (ex, args.layer, &at, &error);
  if (e == NULL)
    {
      status = st_cli_fail (error);
      goto out;
    }
  if (args.json)
    {
      g_autofree char *json = st_explain_to_json (e);

      printf ("%s\n", json);
    }
  else
    {
      what = args.input != NULL ? g_filename_display_name (args.input)
                                : g_strdup_printf (_("test image %" PRId64), image);
      print_table (e, what);
    }
out:
  free_args (&args);
  return status;
}
