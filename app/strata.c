/* strata: the workbench. `strata [MODEL]` opens a model file or a preset, or LeNet-5 by
 * default. Run from the build tree, it takes its translations and icons from there. */
#define G_LOG_DOMAIN "strata"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "app/build-tree.h"
#include "app/launch.h"
#include "ui/strata-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (StApplication) app = NULL;
  g_autofree char *exe = NULL;

  st_ui_choose_renderer ();
  setlocale (LC_ALL, "");
  st_build_tree_bind_textdomain ();

  exe = st_build_tree_self_exe ();
  st_launch_mark_presets (argc, argv);
  app = st_application_new ();
  st_launch_connect (GTK_APPLICATION (app), exe);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
