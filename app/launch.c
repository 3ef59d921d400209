/* launch.c: the application's icons when run from the build tree, and presets named on the
 * command line. GApplication turns every argument into a GFile relative to the current folder,
 * which would lose a preset name; the name travels instead as a strata-preset: URI. */
#define G_LOG_DOMAIN "strata-launch"

#include "strata-config.h"

#include <string.h>

#include "app/launch.h"
#include "app/build-tree.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "ui/strata-window.h"

static gboolean
is_preset (const char *name)
{
  return g_strv_contains ((const char * const *) st_preset_names (), name);
}

void
st_launch_mark_presets (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (argv[i][0] == '-' || !is_preset (argv[i]) || g_file_test (argv[i], G_FILE_TEST_EXISTS))
        continue;
      /* the old string belongs to the caller's argv and stays; the new one lives as long */
      argv[i] = g_strconcat (ST_PRESET_URI_SCHEME ":", argv[i], NULL);
    }
}

/* The preset a strata-preset: URI names, or NULL for any other file. */
static char *
preset_of (GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);
  const char *name;

  if (!g_str_has_prefix (uri, ST_PRESET_URI_SCHEME ":"))
    return NULL;
  name = uri + strlen (ST_PRESET_URI_SCHEME ":");
  return is_preset (name) ? g_strdup (name) : NULL;
}

/* Runs before the application's own "open" (a run-last signal) and takes over only when a
 * preset is among the files, one window each as the application does. */
static void
open_presets (GApplication *app, GFile **files, int n_files, const char *hint, gpointer user_data)
{
  gboolean any = FALSE;

  for (int i = 0; i < n_files && !any; i++)
    {
      g_autofree char *name = preset_of (files[i]);

      any = name != NULL;
    }
  if (!any)
    return;

  g_signal_stop_emission_by_name (app, "open");
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *name = preset_of (files[i]);
      StWindow *window = st_window_new (GTK_APPLICATION (app));

      if (name != NULL)
        gtk_widget_activate_action (GTK_WIDGET (window), "win.preset", "s", name);
      else
        st_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
add_icon_dir (GApplication *app, gpointer user_data)
{
  const char *icon_dir = user_data;
  GdkDisplay *display = gdk_display_get_default ();

  if (display != NULL)
    gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (display), icon_dir);
}

void
st_launch_connect (GtkApplication *app, const char *exe)
{
  char *icon_dir;

  g_return_if_fail (GTK_IS_APPLICATION (app));

  icon_dir = exe != NULL ? st_build_tree_icon_dir (exe) : NULL;
  if (icon_dir != NULL)
    g_signal_connect_data (app, "startup", G_CALLBACK (add_icon_dir), icon_dir,
                           (GClosureNotify) (void (*) (void)) g_free, G_CONNECT_AFTER);
  g_signal_connect (app, "open", G_CALLBACK (open_presets), NULL);
}
