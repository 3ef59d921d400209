/* build-tree.h: where the programs find their translations and icons — in the build tree when
 * they run from it (tools/setup.sh run), under the install prefix once installed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the program at `exe` lies inside the folder `build_root`; symbolic links resolved. */
gboolean  st_build_tree_contains        (const char *build_root,
                                         const char *exe);
/* The running program's path (/proc/self/exe), or NULL where it cannot be read. */
char     *st_build_tree_self_exe        (void);
/* The folder holding LANG/LC_MESSAGES/strata.mo for the program at `exe` (NULL: unknown):
 * $STRATA_LOCALEDIR when set, else the build tree's po/ when `exe` runs from the build tree,
 * else the install prefix's locale folder. */
char     *st_build_tree_locale_dir      (const char *exe);
/* The folder of icon themes (hicolor/…) to search for the program at `exe`: the source tree's
 * icons when it runs from the build tree, NULL once installed (the theme finds them there). */
char     *st_build_tree_icon_dir        (const char *exe);
/* The text domain of the running program, bound as st_build_tree_locale_dir says; call it
 * after setlocale. */
void      st_build_tree_bind_textdomain (void);

G_END_DECLS
