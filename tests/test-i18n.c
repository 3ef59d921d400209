/* test-i18n.c: the programs run from the build tree find their translations and icons there,
 * and `strata PRESET` opens the preset. STRATA_APP names the build tree's strata. */
#define G_LOG_DOMAIN "strata-test"

#include "strata-config.h"

#include <adwaita.h>
#include <libintl.h>
#include <locale.h>

#include "app/build-tree.h"
#include "app/launch.h"
#include "core/spec.h"
#include "ui/strata-application.h"
#include "ui/strata-window.h"
#include "ui-test-util.h"

/* A message of resources/ui and ui/ that po/zh_CN.po translates. */
#define TRANSLATED_MSGID "Build, train and look inside convolutional networks"

static gboolean have_display;

static const char *
built_app (void)
{
  const char *app = g_getenv ("STRATA_APP");

  g_assert_nonnull (app);
  return app;
}

static void
test_contains (void)
{
  g_autofree char *exe = g_build_filename (STRATA_BUILD_ROOT, "app", "strata", NULL);
  g_autofree char *sibling = g_strconcat (STRATA_BUILD_ROOT, "-other/app/strata", NULL);

  g_assert_true (st_build_tree_contains (STRATA_BUILD_ROOT, exe));
  g_assert_true (st_build_tree_contains (STRATA_BUILD_ROOT, built_app ()));
  g_assert_false (st_build_tree_contains (STRATA_BUILD_ROOT, sibling));
  g_assert_false (st_build_tree_contains (STRATA_BUILD_ROOT, "/usr/bin/strata"));
}

static void
test_locale_dir (void)
{
  g_autofree char *build = st_build_tree_locale_dir (built_app ());
  g_autofree char *installed = st_build_tree_locale_dir ("/usr/bin/strata");
  g_autofree char *self = st_build_tree_self_exe ();
  g_autofree char *from_self = st_build_tree_locale_dir (self);

  g_assert_null (g_getenv ("STRATA_LOCALEDIR"));
  g_assert_cmpstr (build, ==, STRATA_BUILD_LOCALEDIR);
  g_assert_cmpstr (from_self, ==, STRATA_BUILD_LOCALEDIR);
  g_assert_cmpstr (installed, ==, STRATA_LOCALEDIR);
}

/* The environment is set in a child, before any thread starts (see main). */
static void
test_locale_dir_override (void)
{
  g_autofree char *dir = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_setenv ("STRATA_LOCALEDIR", "/elsewhere/locale", TRUE);
  dir = st_build_tree_locale_dir (built_app ());
  g_assert_cmpstr (dir, ==, "/elsewhere/locale");
}

/* What the build tree's strata does at start-up under LANGUAGE=zh_CN, then a message in
 * Chinese. In a child, as the environment changes. */
static void
test_catalogue_zh_CN (void)
{
  g_autofree char *mo = g_build_filename (STRATA_BUILD_LOCALEDIR, "zh_CN", "LC_MESSAGES",
                                          GETTEXT_PACKAGE ".mo", NULL);
  const char *text;

  if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no zh_CN catalogue in the build tree (gettext's msgfmt missing?)");
      return;
    }
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  if (setlocale (LC_ALL, "C.UTF-8") == NULL)
    {
      g_test_skip ("no C.UTF-8 locale");
      return;
    }
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  st_build_tree_bind_textdomain ();

  text = dgettext (GETTEXT_PACKAGE, TRANSLATED_MSGID);
  g_assert_cmpstr (text, !=, TRANSLATED_MSGID);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpuint (g_utf8_get_char (text), >=, 0x4e00); /* a CJK ideograph */
}

/* Starts the application as app/strata.c does, without running its main loop. */
static GtkApplication *
start_app (void)
{
  g_autoptr (GError) error = NULL;
  StApplication *app = st_application_new ();

  st_launch_connect (GTK_APPLICATION (app), built_app ());
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return GTK_APPLICATION (app);
}

static void
close_windows (GtkApplication *app)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (app)) != NULL)
    gtk_window_destroy (windows->data);
}

static void
test_icons (void)
{
  GtkIconTheme *theme;
  g_autoptr (GtkApplication) app = NULL;
  g_auto (GStrv) search_path = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  if (gtk_icon_theme_has_icon (theme, STRATA_APP_ID))
    {
      g_test_skip ("Strata's icon is installed on this system: nothing to find in the tree");
      return;
    }

  app = start_app ();
  search_path = gtk_icon_theme_get_search_path (theme);
  g_assert_true (g_strv_contains ((const char * const *) search_path, STRATA_SOURCE_ICONDIR));
  g_assert_true (gtk_icon_theme_has_icon (theme, STRATA_APP_ID));
  g_assert_true (gtk_icon_theme_has_icon (theme, STRATA_APP_ID "-symbolic"));
}

static void
test_preset_argument (void)
{
  char *argv[] = { "strata", "deep-cnn", "--help", "no-such-model.json", "lenet5-typo", NULL };
  g_autoptr (GtkApplication) app = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (StSpec) expected = NULL;
  g_autoptr (GError) error = NULL;
  GList *windows;
  const StSpec *spec;

  st_launch_mark_presets (G_N_ELEMENTS (argv) - 1, argv);
  g_assert_cmpstr (argv[1], ==, ST_PRESET_URI_SCHEME ":deep-cnn");
  g_assert_cmpstr (argv[2], ==, "--help");
  g_assert_cmpstr (argv[3], ==, "no-such-model.json");
  g_assert_cmpstr (argv[4], ==, "lenet5-typo");

  if (!have_display)
    {
      g_test_skip ("no display: the window's part");
      g_free (argv[1]);
      return;
    }

  /* as GApplication turns the argument into a file for "open" */
  file = g_file_new_for_commandline_arg (argv[1]);
  g_free (argv[1]);
  app = start_app ();
  g_application_open (G_APPLICATION (app), &file, 1, "");

  windows = gtk_application_get_windows (app);
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  expected = st_spec_load ("deep-cnn", &error);
  g_assert_no_error (error);
  spec = st_model_document_get_spec (st_window_get_document (windows->data));
  g_assert_cmpstr (spec->name, ==, expected->name);
  close_windows (app);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("STRATA_LOCALEDIR");
  /* The children of the cases that set the environment start no display, hence no thread. */
  have_display = !g_test_subprocess () && ui_test_init (FALSE);
  g_test_add_func ("/i18n/build-tree/contains", test_contains);
  g_test_add_func ("/i18n/build-tree/locale-dir", test_locale_dir);
  g_test_add_func ("/i18n/build-tree/locale-dir-override", test_locale_dir_override);
  g_test_add_func ("/i18n/catalogue/zh_CN", test_catalogue_zh_CN);
  g_test_add_func ("/i18n/icons/build-tree", test_icons);
  g_test_add_func ("/i18n/open/preset-argument", test_preset_argument);
  return g_test_run ();
}
