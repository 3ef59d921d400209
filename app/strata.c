/* strata: the workbench. Opens a model (lenet5 by default) and shows it. */
#define G_LOG_DOMAIN "strata"

#include <locale.h>
#include <stdio.h>

#include "core/infer.h"
#include "core/spec.h"
#include "core/summary.h"

int
main (int argc, char **argv)
{
  const char *model = argc > 1 ? argv[1] : "lenet5";
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StInfer) infer = NULL;
  g_autofree char *text = NULL;

  setlocale (LC_ALL, "");
  spec = st_spec_load (model, &error);
  if (spec == NULL)
    {
      g_printerr ("strata: %s\n", error->message);
      return 1;
    }
  infer = st_spec_infer (spec);
  text = st_summary_text (spec, infer);
  printf ("%s\n", spec->name != NULL ? spec->name : model);
  fputs (text, stdout);
  return infer->n_errors > 0 ? 1 : 0;
}
