/* launch.h: what app/strata.c adds to the application — the build tree's icons, and preset
 * names where a model file is expected on the command line. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The URI scheme an argument naming a preset is rewritten to: "strata-preset:deep-cnn". */
#define ST_PRESET_URI_SCHEME "strata-preset"

/* Rewrites, in place, each argument that names a preset and no existing file as a
 * strata-preset: URI, which GApplication passes to "open" untouched. Options are left alone. */
void st_launch_mark_presets (int    argc,
                             char **argv);
/* Connects to `app`: after "startup", the icon folder of the program at `exe`
 * (st_build_tree_icon_dir) joins the display's icon theme; on "open", strata-preset: URIs
 * open their preset. */
void st_launch_connect      (GtkApplication *app,
                             const char     *exe);

G_END_DECLS
