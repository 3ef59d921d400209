/* cli-export.c: `strata-cli export` — a model as PyTorch code, or as a training package, or
 * as an ONNX file with its weights. */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "core/engine/onnx-export.h"
#include "core/io/atomic-file.h"
#include "core/model/pytorch-export.h"
#include "core/model/pytorch-train.h"
#include "core/model/spec-read.h"

int
st_cli_export (int argc, char **argv)
{
  g_autofree char *pytorch = NULL;
  g_autofree char *train_dir = NULL;
  g_autofree char *onnx = NULL;
  g_autofree char *weights = NULL;
  GOptionEntry entries[] = {
    { "pytorch", 0, 0, G_OPTION_ARG_FILENAME, &pytorch,
      N_("Write the model as a PyTorch module (- for standard output)"), "FILE.py" },
    { "pytorch-train", 0, 0, G_OPTION_ARG_FILENAME, &train_dir,
      N_("Write a package that trains the model with its recipe on PyTorch, on one process "
         "or many (torch.distributed)"), "DIR" },
    { "onnx", 0, 0, G_OPTION_ARG_FILENAME, &onnx,
      N_("Write the model and its weights as an ONNX file (opset 13)"), "FILE.onnx" },
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &weights,
      N_("The weights for --onnx (a safetensors file); without it, the weights a training "
         "run starts from"), "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("MODEL — the model as code"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autofree char *code = NULL;

  g_option_context_set_summary (context,
                                N_("Writes a Python module that builds MODEL with torch.nn. Its "
                                   "state_dict has the tensor\nnames of Strata's weight files, "
                                   "so weights trained here load into it.\nExit status 1 when "
                                   "the model has errors."));
  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (argc != 2)
    return st_cli_usage_error (context, argc < 2 ? _("export needs a MODEL")
                                                 : _("export takes one MODEL"));
  if (weights != NULL && onnx == NULL)
    return st_cli_usage_error (context, _("--weights goes with --onnx FILE.onnx"));
  if (pytorch == NULL && train_dir == NULL && onnx == NULL)
    return st_cli_usage_error (context, _("--pytorch FILE.py, --pytorch-train DIR or --onnx "
                                          "FILE.onnx is needed"));

  spec = st_spec_load (argv[1], &error);
  if (spec == NULL)
    return st_cli_fail (error);
  if (onnx != NULL && !st_spec_to_onnx (spec, weights, onnx, &error))
    return st_cli_fail (error);
  if (train_dir != NULL && !st_pytorch_train_write (spec, train_dir, &error))
    return st_cli_fail (error);
  if (pytorch == NULL)
    return 0;
  if ((code = st_spec_to_pytorch (spec, &error)) == NULL)
    return st_cli_fail (error);
  if (strcmp (pytorch, "-") == 0)
    {
      fputs (code, stdout);
      return 0;
    }
  if (!st_atomic_file_set_contents (pytorch, code, strlen (code), 0644, &error))
    return st_cli_fail (error);
  return 0;
}
