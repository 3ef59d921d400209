/* test-i18n.c: the programs run from the build tree find their translations and icons there,
 * core's messages and the charts' labels come in the user's language, tooltips in Chinese
 * keep whole lines, and `strata PRESET` opens the preset. STRATA_APP names the build tree's
 * strata. */
#define G_LOG_DOMAIN "strata-test"

#include "strata-config.h"

#include <adwaita.h>
#include <libintl.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "app/build-tree.h"
#include "app/launch.h"
#include "core/engine/backend.h"
#include "core/engine/lesson.h"
#include "core/model/infer.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "ui/chart-panel.h"
#include "ui/layer-card.h"
#include "ui/layer-list.h"
#include "ui/render/chart-layout.h"
#include "ui/render/render-util.h"
#include "ui/strata-application.h"
#include "ui/strata-window.h"
#include "ui/tooltip-width.h"
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

/* In a child: the locale of a person who reads Chinese, as the build tree's programs take it
 * (C.UTF-8 with LANGUAGE, the catalogue bound as strata and strata-cli bind it). FALSE (the
 * case skipped) without the catalogue or the locale; the parent only checks the child. */
static gboolean
enter_zh_CN (void)
{
  g_autofree char *mo = g_build_filename (STRATA_BUILD_LOCALEDIR, "zh_CN", "LC_MESSAGES",
                                          GETTEXT_PACKAGE ".mo", NULL);

  if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no zh_CN catalogue in the build tree (gettext's msgfmt missing?)");
      return FALSE;
    }
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT
                                       | G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return FALSE;
    }
  if (setlocale (LC_ALL, "C.UTF-8") == NULL)
    {
      g_test_skip ("no C.UTF-8 locale");
      return FALSE;
    }
  g_setenv ("LANGUAGE", "zh_CN.UTF-8", TRUE);
  st_build_tree_bind_textdomain ();
  return TRUE;
}

static gboolean
has_cjk (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) >= 0x4e00 && g_utf8_get_char (p) <= 0x9fff)
      return TRUE;
  return FALSE;
}

/* core/ has no GTK and no textdomain of its own: its messages (a layer's error on a card, a
 * file that cannot be read, the device a run trains on) still come in Chinese. */
static void
test_core_zh_CN (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data",
                                                 "course-broken.strata.json", NULL);
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StSpec) missing = NULL;
  g_autoptr (StInfer) infer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StBackend) cpu = NULL;
  const char *message = NULL;

  if (!enter_zh_CN ())
    return;
  spec = st_spec_load (path, &error);
  g_assert_no_error (error);
  infer = st_spec_infer (spec);
  for (guint i = 0; i < infer->n_layers && message == NULL; i++)
    message = infer->layers[i].error;
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_cmpstr (message, ==, "输入为 16×1×1，小于 2×2 的窗口——输出将为 16×0×0");

  missing = st_spec_load ("/nonexistent/model.strata.json", &error);
  g_assert_null (missing);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "无法读取"));

  cpu = st_backend_new_cpu (2);
  g_test_message ("%s", cpu->description);
  g_assert_true (g_str_has_prefix (cpu->description, "CPU，"));

  /* the built-in lessons, as the Presets menu lists them */
  g_clear_error (&error);
  for (const char *const *name = st_lesson_names (); *name != NULL; name++)
    {
      g_autoptr (StLesson) lesson = st_lesson_load (*name, &error);

      g_assert_no_error (error);
      g_test_message ("%s", lesson->title);
      g_assert_true (has_cjk (lesson->title));
      g_assert_true (has_cjk (lesson->description));
    }
  g_assert_nonnull (strstr (cpu->description, " 个线程（OpenBLAS "));
}

/* The words the chart draws beside its curves (the legend) and in the box under the pointer. */
static void
test_chart_zh_CN (void)
{
  StChartData data;
  StChartOptions options;
  StChart chart;
  StChartHit hit;
  cairo_t *cr;
  g_autofree char *hover = NULL;
  double x = -1.0;

  if (!enter_zh_CN ())
    return;
  st_chart_data_init (&data);
  for (int e = 1; e <= 3; e++)
    {
      StChartEpoch point = { e, 2.0 / e, 2.2 / e, 0.3 * e, 0.28 * e };

      for (int b = 1; b <= 10; b++)
        st_chart_data_add_batch (&data, e - 1 + b / 10.0, 2.0 / e);
      st_chart_data_add_epoch (&data, &point);
    }
  st_chart_options_init (&options);
  options.panels = ST_CHART_PANELS_LOSS;

  cr = st_render_scratch_context ();
  st_chart_layout (&chart, cr, 600, 400, &data, &options);
  g_assert_cmpint (chart.panel[0].n_legend, ==, 3);
  g_assert_cmpstr (chart.panel[0].legend[0].label, ==, "批次");
  g_assert_cmpstr (chart.panel[0].legend[1].label, ==, "训练");
  g_assert_cmpstr (chart.panel[0].legend[2].label, ==, "测试");
  st_chart_layout_clear (&chart);
  cairo_destroy (cr);

  for (double px = 0; px < 600 && x < 0; px += 1.0)
    if (st_chart_hit_test (600, 400, &data, &options, px, &hit) && fabs (hit.epoch - 2.0) < 0.01)
      x = px;
  g_assert_cmpfloat (x, >=, 0.0);
  hover = st_chart_hover_text (600, 400, &data, &options, x);
  g_test_message ("%s", hover);
  g_assert_true (g_str_has_prefix (hover, "第 2 轮"));
  g_assert_nonnull (strstr (hover, "\n训练 "));
  g_assert_nonnull (strstr (hover, "\n测试 "));
  g_assert_true (has_cjk (hover));
  st_chart_data_clear (&data);
}

/* GTK's tooltip label wraps at as many average characters as its text has characters; a
 * Chinese one is two wide. A stand-in for GTK's tooltip window (CSS name "tooltip", the
 * label inside a box) gets the width of its text in columns, kept as the text changes, and
 * then asks for one line. */
typedef GtkWidget FakeTooltip;
typedef GtkWidgetClass FakeTooltipClass;
GType fake_tooltip_get_type (void);
G_DEFINE_TYPE (FakeTooltip, fake_tooltip, GTK_TYPE_WIDGET)

static void
fake_tooltip_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fake_tooltip_parent_class)->dispose (object);
}

static void
fake_tooltip_class_init (FakeTooltipClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fake_tooltip_dispose;
  gtk_widget_class_set_css_name (klass, "tooltip");
  gtk_widget_class_set_layout_manager_type (klass, GTK_TYPE_BIN_LAYOUT);
}

static void
fake_tooltip_init (FakeTooltip *self)
{
}

/* What GTK 4's tooltip window does to its label for a text of one line. */
static void
gtk_sets_tooltip_text (GtkLabel *label, const char *text)
{
  gtk_label_set_text (label, text);
  gtk_label_set_max_width_chars (label, MIN ((int) g_utf8_strlen (text, -1), 50));
  gtk_label_set_wrap (label, TRUE);
}

static void
test_tooltip_width (void)
{
  g_autofree char *long_text = NULL;
  GtkWidget *window, *tooltip, *box, *label;
  PangoLayout *layout;
  int natural, text_width;

  g_assert_cmpint (st_tooltip_width_chars ("Undo"), ==, 4);
  g_assert_cmpint (st_tooltip_width_chars ("撤销"), ==, 4);
  g_assert_cmpint (st_tooltip_width_chars ("打开 model"), ==, 10);
  long_text = g_strnfill (40, 'x');
  g_assert_cmpint (st_tooltip_width_chars (long_text), ==, 40);
  g_free (long_text);
  long_text = g_strjoinv (NULL, (char *[]) { "很长的提示", "很长的提示", "很长的提示",
                                             "很长的提示", "很长的提示", "很长的提示", NULL });
  g_assert_cmpint (st_tooltip_width_chars (long_text), ==, 50);

  if (!have_display)
    {
      g_test_skip ("no display: the label's part");
      return;
    }
  st_tooltip_width_install ();
  window = gtk_window_new ();
  tooltip = g_object_new (fake_tooltip_get_type (), NULL);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_parent (box, tooltip);
  gtk_window_set_child (GTK_WINDOW (window), tooltip);
  gtk_sets_tooltip_text (GTK_LABEL (label), "撤销");
  g_assert_cmpint (gtk_label_get_max_width_chars (GTK_LABEL (label)), ==, 2);

  gtk_window_present (GTK_WINDOW (window));
  ui_test_wait_for_frame (window, 10);
  g_assert_cmpint (gtk_label_get_max_width_chars (GTK_LABEL (label)), ==, 4);

  gtk_sets_tooltip_text (GTK_LABEL (label), "打开模型文件");
  g_assert_cmpint (gtk_label_get_max_width_chars (GTK_LABEL (label)), ==, 12);
  /* one line: the label asks for the whole width of its text */
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
  layout = gtk_widget_create_pango_layout (label, "打开模型文件");
  pango_layout_get_pixel_size (layout, &text_width, NULL);
  g_object_unref (layout);
  g_assert_cmpint (natural, >=, text_width);

  gtk_sets_tooltip_text (GTK_LABEL (label), "Open a model file");
  g_assert_cmpint (gtk_label_get_max_width_chars (GTK_LABEL (label)), ==, 17);
  gtk_window_destroy (GTK_WINDOW (window));
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

/* The build tree's strata, opening the course's broken LeNet under LANGUAGE=zh_CN: the card
 * of the layer at fault says what is wrong in Chinese (core's words), the totals and the
 * chart's empty text too (the window's). */
static void
test_window_zh_CN (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data",
                                                 "course-broken.strata.json", NULL);
  g_autoptr (GtkApplication) app = NULL;
  g_autoptr (GFile) file = NULL;
  StLayerList *list;
  StLayerCard *card = NULL;
  StChartView *chart;
  GList *windows;

  if (!g_test_subprocess () && !have_display)
    {
      g_test_skip ("no display");
      return;
    }
  if (!enter_zh_CN ())
    return;
  /* the child's display starts now, its threads after the environment is set */
  if (!ui_test_init (FALSE))
    {
      g_test_skip ("no display");
      return;
    }
  app = start_app ();
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (app), &file, 1, "");
  windows = gtk_application_get_windows (app);
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  list = ST_LAYER_LIST (st_window_get_layer_list (windows->data));
  for (int tries = 0; tries < 100 && card == NULL; tries++)
    if ((card = st_layer_list_find_card (list, "8")) == NULL)
      ui_test_spin (20);
  g_assert_nonnull (card);
  g_test_message ("%s", st_layer_card_get_error_text (card));
  g_assert_cmpstr (st_layer_card_get_error_text (card), ==,
                   "输入为 16×1×1，小于 2×2 的窗口——输出将为 16×0×0");
  g_test_message ("%s", st_layer_list_get_totals (list));
  g_assert_nonnull (strstr (st_layer_list_get_totals (list), "1 个错误"));
  chart = st_chart_panel_get_view (ST_CHART_PANEL (st_window_get_chart_panel (windows->data)));
  g_assert_true (has_cjk (st_chart_view_get_options (chart)->empty_text));
  close_windows (app);
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
  g_test_add_func ("/i18n/core/zh_CN", test_core_zh_CN);
  g_test_add_func ("/i18n/chart/zh_CN", test_chart_zh_CN);
  g_test_add_func ("/i18n/window/zh_CN", test_window_zh_CN);
  g_test_add_func ("/i18n/tooltip/width", test_tooltip_width);
  g_test_add_func ("/i18n/icons/build-tree", test_icons);
  g_test_add_func ("/i18n/open/preset-argument", test_preset_argument);
  return g_test_run ();
}
