/* test-backend-module: the CUDA module is refused unless it was built for this program's
 * backend interface (core/engine/backend.h), with a message naming both versions and the file.
 * Three stand-in modules (tests/fake-cuda/) are built beside this test: one with another
 * interface version, one with this program's, one from before versions existed.
 */
#include <glib.h>
#include <string.h>

#include "core/engine/backend.h"

static char *
module_dir (const char *name)
{
  return g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "fake-cuda", name, NULL);
}

static char *
open_error (const char *name)
{
  g_autofree char *dir = module_dir (name);
  g_autoptr (GError) error = NULL;
  StBackend *be;

  g_setenv ("STRATA_GPU_MODULE_DIR", dir, TRUE);
  be = st_backend_open (ST_DEVICE_CUDA, &error);
  g_unsetenv ("STRATA_GPU_MODULE_DIR");
  g_assert_null (be);
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE);
  return error != NULL ? g_strdup (error->message) : g_strdup ("");
}

static void
test_other_version (void)
{
  g_autofree char *message = open_error ("other");
  g_autofree char *mine = g_strdup_printf ("this program uses %" G_GINT64_MODIFIER "x",
                                           (guint64) ST_BACKEND_INTERFACE_VERSION);
  g_autofree char *theirs = g_strdup_printf ("built for backend interface %" G_GINT64_MODIFIER
                                             "x", (guint64) ST_BACKEND_INTERFACE_VERSION + 1);

  g_assert_nonnull (strstr (message, mine));
  g_assert_nonnull (strstr (message, theirs));
  g_assert_nonnull (strstr (message, "fake-cuda/other/libstrata-cuda.so"));
}

static void
test_unversioned (void)
{
  g_autofree char *message = open_error ("unversioned");

  g_assert_nonnull (strstr (message, "was built by an older Strata"));
  g_assert_nonnull (strstr (message, "fake-cuda/unversioned/libstrata-cuda.so"));
}

/* The same version passes the check: the module's own answer comes back. */
static void
test_same_version (void)
{
  g_autofree char *message = open_error ("same");

  g_assert_cmpstr (message, ==, "CUDA is not available: the test module answered");
}

/* Asked for "auto", a refused module leaves the CPU. */
static void
test_auto_falls_back (void)
{
  g_autofree char *dir = module_dir ("other");
  g_autoptr (StBackend) be = NULL;

  g_setenv ("STRATA_GPU_MODULE_DIR", dir, TRUE);
  be = st_backend_open (ST_DEVICE_AUTO, NULL);
  g_unsetenv ("STRATA_GPU_MODULE_DIR");
  g_assert_nonnull (be);
  g_assert_cmpstr (st_backend_name (be), ==, "cpu");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  g_test_add_func ("/backend/module/other-version", test_other_version);
  g_test_add_func ("/backend/module/unversioned", test_unversioned);
  g_test_add_func ("/backend/module/same-version", test_same_version);
  g_test_add_func ("/backend/module/auto-falls-back", test_auto_falls_back);
  return g_test_run ();
}
