/* strata: the workbench. `strata [MODEL]` opens a model file, or LeNet-5 by default. */
#define G_LOG_DOMAIN "strata"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ui/strata-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (StApplication) app = NULL;

  st_ui_choose_renderer ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, STRATA_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = st_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
