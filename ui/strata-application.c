/* strata-application.c: start-up, the application actions, and opening files. */
#define G_LOG_DOMAIN "strata-app"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "resources/st-ui-resources.h"
#include "ui/strata-application.h"

#include "ui/activations-view.h"
#include "ui/strata-window.h"
#include "ui/tooltip-width.h"

struct _StApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (StApplication, st_application, ADW_TYPE_APPLICATION)

static void
st_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (st_window_new (GTK_APPLICATION (app)));
  gtk_window_present (window);
}

static void
st_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      StWindow *window = st_window_new (GTK_APPLICATION (app));

      st_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void quit_next (GtkApplication *app);

static void
window_closed (GObject *window, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GtkApplication) app = user_data;

  if (st_window_close_finish (ST_WINDOW (window), result, NULL))
    quit_next (app);
}

/* Closes the workbench windows one at a time, those with unsaved changes first, each asking
 * about its changes; Cancel (or a save that fails) ends the quit there. The windows that
 * remain (About) close last. */
static void
quit_next (GtkApplication *app)
{
  GList *windows = gtk_application_get_windows (app);
  StWindow *next = NULL;

  for (GList *l = windows; l != NULL; l = l->next)
    if (ST_IS_WINDOW (l->data))
      {
        StModelDocument *doc = st_window_get_document (l->data);

        if (next == NULL || st_model_document_get_modified (doc))
          next = l->data;
        if (st_model_document_get_modified (doc))
          break;
      }
  if (next != NULL)
    {
      st_window_close_async (next, window_closed, g_object_ref (app));
      return;
    }
  while ((windows = gtk_application_get_windows (app)) != NULL)
    gtk_window_destroy (windows->data);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  quit_next (user_data);
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Strata developers", NULL };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about,
                "transient-for", gtk_application_get_active_window (app),
                "application-name", _("Strata"),
                "application-icon", STRATA_APP_ID,
                "version", STRATA_VERSION,
                "comments", _("Build, train and look inside convolutional networks"),
                "license-type", GTK_LICENSE_GPL_3_0,
                "developers", developers,
                "translator-credits", _("translator-credits"),
                NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
new_window_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  gtk_window_present (GTK_WINDOW (st_window_new (GTK_APPLICATION (user_data))));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "new-window", new_window_activated },
};

static void
st_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *new_window_accels[] = { "<Control>n", NULL };
  static const char *about_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (st_application_parent_class)->startup (app);
  st_tooltip_width_install ();
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-window",
                                         new_window_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.about", about_accels);
}

/* The windows are gone and their work cancelled; the process ends once no worker is
 * still computing. */
static void
st_application_shutdown (GApplication *app)
{
  G_APPLICATION_CLASS (st_application_parent_class)->shutdown (app);
  st_activations_view_wait_for_workers ();
}

static void
st_application_class_init (StApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = st_application_activate;
  app_class->open = st_application_open;
  app_class->startup = st_application_startup;
  app_class->shutdown = st_application_shutdown;
  st_ui_init ();
}

static void
st_application_init (StApplication *self)
{
}

/* Without a GPU render node GTK's GL renderer runs on a software rasteriser, which spends
 * tens of milliseconds on every frame of the live chart and takes processor time from the
 * training run; Cairo draws the same window far cheaper there. GSK_RENDERER still wins. */
void
st_ui_choose_renderer (void)
{
  g_autoptr (GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
}

void
st_ui_init (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      /* Registered by hand: a constructor in a static library may never be linked in. */
      st_ui_register_resource ();
      g_once_init_leave (&done, 1);
    }
}

StApplication *
st_application_new (void)
{
  return g_object_new (ST_TYPE_APPLICATION,
                       "application-id", STRATA_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/strata/Strata",
                       NULL);
}
