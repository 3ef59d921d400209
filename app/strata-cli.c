/* strata-cli: Strata without a window — summary, training, evaluation, activations, the
 * history of runs. */
#define G_LOG_DOMAIN "strata-cli"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/build-tree.h"
#include "app/cli.h"
#include "core/model/infer.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "core/model/summary.h"
#include "strata-config.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct {
  const char  *name;
  const char  *args;
  const char  *help;
  CommandFunc  run;
} Command;

void
st_cli_add_entries (GOptionContext *context, const GOptionEntry *entries)
{
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
}

int
st_cli_text_columns (const char *text)
{
  int columns = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    columns += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return columns;
}

void
st_cli_print_cell (const char *text, int width, gboolean right)
{
  int columns = st_cli_text_columns (text);

  if (right)
    printf ("%*s%s", MAX (width - columns, 0), "", text);
  else
    printf ("%s%*s", text, MAX (width - columns, 0), "");
}

int
st_cli_usage_error (GOptionContext *context, const char *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("strata-cli: %s\n\n%s", message, help);
  return 2;
}

int
st_cli_fail (const GError *error)
{
  g_printerr ("strata-cli: %s\n", error->message);
  return 1;
}

int
st_cli_summary (int argc, char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object instead of the table"),
      NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("MODEL — the torchsummary "
                                                                "table"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StInfer) infer = NULL;
  g_autofree char *text = NULL;

  g_option_context_set_summary (context,
                                N_("MODEL is a *.strata.json file or a preset name (lenet5, "
                                   "lenet-relu, mnist-cnn,\ndeep-cnn, inception, resnet, toy). "
                                   "Exit status 1 when the model has errors."));
  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 2)
    return st_cli_usage_error (context, argc < 2 ? _("summary needs a MODEL")
                                                 : _("summary takes one MODEL"));

  spec = st_spec_load (argv[1], &error);
  if (spec == NULL)
    return st_cli_fail (error);
  infer = st_spec_infer (spec);
  text = json ? st_summary_json (spec, infer) : st_summary_text (spec, infer);
  fputs (text, stdout);
  /* as train says it: a model without layers has nothing to train or summarise */
  if (spec->layers->len == 0)
    {
      g_printerr (_("strata-cli: %s: the model has no layers\n"), argv[1]);
      return 1;
    }
  return infer->n_errors > 0 ? 1 : 0;
}

static const Command commands[] = {
  { "summary", "MODEL [--json]", N_("Print the torchsummary table of a model"), st_cli_summary },
  { "train", "MODEL [OPTION…]", N_("Train a model and report each epoch"), st_cli_train },
  { "evaluate", "MODEL --weights FILE", N_("Loss and accuracy on the test set"),
    st_cli_evaluate },
  { "activations", "MODEL --weights FILE --image N --out FILE.png",
    N_("Draw one test image's prediction and feature maps"), st_cli_activations },
  { "explain", "MODEL --image N --layer PATH --at C,Y,X",
    N_("How one output value of a layer was computed, term by term"), st_cli_explain },
  { "bench", "[MODEL…] [--device D]", N_("Examples per second of the presets"), st_cli_bench },
  { "export", "MODEL --pytorch FILE.py | --onnx FILE.onnx",
    N_("Write the model as PyTorch code or as an ONNX file"), st_cli_export },
  { "runs", "list | show RUN | import OUT",
    N_("The history of training runs: list them, show one, import one"), st_cli_runs },
};

static void
print_usage (FILE *out)
{
  fprintf (out, _("Usage: strata-cli COMMAND [ARGS…]\n\nCommands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      /* "…" is one column but three bytes: printf's widths count bytes */
      int pad = 48 - (int) g_utf8_strlen (commands[i].args, -1);

      fprintf (out, "  %-12s %s%*s %s\n", commands[i].name, commands[i].args, MAX (pad, 0), "",
               _(commands[i].help));
    }
  fprintf (out, _("\nRun 'strata-cli COMMAND --help' for a command's options.\n"));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  st_build_tree_bind_textdomain ();
  /* Messages in the user's language, numbers always with a '.': what strata-cli prints is
   * read by programs (JSON, CSV) as often as by people. */
  setlocale (LC_NUMERIC, "C");

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("strata-cli %s\n", STRATA_VERSION);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        g_set_prgname (commands[i].name);
        return commands[i].run (argc - 1, argv + 1);
      }
  fprintf (stderr, _("strata-cli: unknown command '%s'\n\n"), argv[1]);
  print_usage (stderr);
  return 2;
}
