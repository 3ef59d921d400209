/* build-tree.c: the running program's translations and icons, from the build tree or the
 * install prefix. Meson writes both places into strata-config.h; /proc/self/exe says which
 * one this program is running from. */
#define G_LOG_DOMAIN "strata-build-tree"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "app/build-tree.h"

/* The real path where there is one (symbolic links resolved), else the path made absolute. */
static char *
resolve (const char *path)
{
  char buf[PATH_MAX];

  if (realpath (path, buf) != NULL)
    return g_strdup (buf);
  return g_canonicalize_filename (path, NULL);
}

gboolean
st_build_tree_contains (const char *build_root, const char *exe)
{
  g_autofree char *root = NULL;
  g_autofree char *path = NULL;
  gsize n;

  g_return_val_if_fail (build_root != NULL, FALSE);
  g_return_val_if_fail (exe != NULL, FALSE);

  root = resolve (build_root);
  path = resolve (exe);
  n = strlen (root);
  /* "/src/build" holds "/src/build/app/strata" but not "/src/build-release/app/strata" */
  return strncmp (path, root, n) == 0 && (path[n] == G_DIR_SEPARATOR || root[n - 1] == '/');
}

char *
st_build_tree_self_exe (void)
{
  return g_file_read_link ("/proc/self/exe", NULL);
}

char *
st_build_tree_locale_dir (const char *exe)
{
  const char *env = g_getenv ("STRATA_LOCALEDIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (exe != NULL && st_build_tree_contains (STRATA_BUILD_ROOT, exe))
    return g_strdup (STRATA_BUILD_LOCALEDIR);
  return g_strdup (STRATA_LOCALEDIR);
}

char *
st_build_tree_icon_dir (const char *exe)
{
  if (exe != NULL && st_build_tree_contains (STRATA_BUILD_ROOT, exe))
    return g_strdup (STRATA_SOURCE_ICONDIR);
  return NULL;
}

void
st_build_tree_bind_textdomain (void)
{
  g_autofree char *exe = st_build_tree_self_exe ();
  g_autofree char *locale_dir = st_build_tree_locale_dir (exe);

  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
