/* strata-window.c: the workbench window — its parts, its actions and their enabled state. */
#define G_LOG_DOMAIN "strata-window"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "ui/layer-list.h"
#include "ui/layer-palette.h"
#include "ui/strata-window.h"

struct _StWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwHeaderBar        *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  GtkMenuButton       *presets_button;
  AdwToastOverlay     *toast_overlay;
  GtkPaned            *paned;
  GtkBox              *builder_box;
  AdwViewStack        *view_stack;

  /* children made in code */
  StLayerList         *layer_list;

  /* owned */
  StModelDocument     *document;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (StWindow, st_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (StWindow *self, const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
update_title (StWindow *self)
{
  g_autofree char *title = st_model_document_dup_title (self->document);

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_title (self->switcher_title, title);
  adw_view_switcher_title_set_subtitle (self->switcher_title,
                                        st_model_document_get_path (self->document));
}

static StNode *
selected_node (StWindow *self)
{
  StLayerItem *item = self->layer_list != NULL ? st_layer_list_get_selected (self->layer_list) : NULL;

  return item != NULL ? st_layer_item_get_node (item) : NULL;
}

static gboolean
layer_selected (StWindow *self)
{
  return selected_node (self) != NULL;
}

/* One place decides which actions can run now. */
static void
update_actions (StWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean selected = layer_selected (self);

  gtk_widget_action_set_enabled (widget, "win.undo", st_model_document_can_undo (self->document));
  gtk_widget_action_set_enabled (widget, "win.redo", st_model_document_can_redo (self->document));
  gtk_widget_action_set_enabled (widget, "win.delete-layer", selected);
  gtk_widget_action_set_enabled (widget, "win.duplicate-layer", selected);
  gtk_widget_action_set_enabled (widget, "win.move-up", selected);
  gtk_widget_action_set_enabled (widget, "win.move-down", selected);
  update_title (self);
}

static void
document_notify (StWindow *self)
{
  update_actions (self);
}

/* ---- files ----------------------------------------------------------------------------- */

void
st_window_open_file (StWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  g_return_if_fail (ST_IS_WINDOW (self));

  if (path == NULL || !st_model_document_load (self->document, path, &error))
    toast (self, error != NULL ? error->message : _("Only local files can be opened"));
}

static void
chooser_finish (StWindow *self)
{
  g_clear_object (&self->chooser);
}

static void
open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      st_window_open_file (self, file);
    }
  chooser_finish (self);
}

static GtkFileFilter *
model_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Strata models"));
  gtk_file_filter_add_pattern (filter, "*.strata.json");
  gtk_file_filter_add_pattern (filter, "*.json");
  return filter;
}

static void
open_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Open Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), model_filter ());
  g_signal_connect (self->chooser, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
save_to (StWindow *self, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (!st_model_document_save (self->document, path, &error))
    toast (self, error->message);
  else
    update_title (self);
}

static void
save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        save_to (self, path);
    }
  chooser_finish (self);
}

static void
save_as_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  const StSpec *spec = st_model_document_get_spec (self->document);
  g_autofree char *suggested = g_strdup_printf ("%s.strata.json",
                                                spec->name != NULL ? spec->name : "model");

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
save_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  const char *path = st_model_document_get_path (self->document);

  if (path != NULL)
    save_to (self, path);
  else
    save_as_activated (widget, name, parameter);
}

static void
preset_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;

  if (!st_model_document_load (self->document, g_variant_get_string (parameter, NULL), &error))
    toast (self, error->message);
}

static void
undo_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_model_document_undo (ST_WINDOW (widget)->document);
}

static void
redo_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_model_document_redo (ST_WINDOW (widget)->document);
}

/* ---- layers -------------------------------------------------------------------------- */

static void
report (StWindow *self, GError *error)
{
  if (error != NULL)
    toast (self, error->message);
}

static void
add_layer_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNodePlace place;
  StNode *node;

  st_layer_list_insert_place (self->layer_list, &place);
  node = st_model_document_insert (self->document, &place, g_variant_get_string (parameter, NULL),
                                   &error);
  if (node != NULL)
    st_layer_list_select_node (self->layer_list, node);
  report (self, error);
}

static void
delete_layer_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNode *node = selected_node (self);

  if (node != NULL)
    st_model_document_remove (self->document, node, &error);
  report (self, error);
}

static void
duplicate_layer_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNode *node = selected_node (self);
  StNode *copy = node != NULL ? st_model_document_duplicate (self->document, node, &error) : NULL;

  if (copy != NULL)
    st_layer_list_select_node (self->layer_list, copy);
  report (self, error);
}

static void
move_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StWindow *self = ST_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  StNode *node = selected_node (self);
  StNodePlace place;

  if (node == NULL || !st_model_document_find (self->document, node, &place))
    return;
  if (g_str_equal (name, "win.move-up"))
    {
      if (place.index == 0)
        return;
      place.index--;
    }
  else
    {
      if (place.index + 1 >= place.seq->len)
        return;
      place.index += 2;                 /* read before the move: after the next layer */
    }
  if (st_model_document_move (self->document, node, &place, &error))
    st_layer_list_select_node (self->layer_list, node);
  report (self, error);
}

/* ---- construction ---------------------------------------------------------------------- */

static GMenuModel *
presets_menu (void)
{
  GMenu *menu = g_menu_new ();
  const char * const *names = st_preset_names ();

  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (names[i], NULL);

      g_menu_item_set_action_and_target (item, "win.preset", "s", names[i]);
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

/* The palette, the layer stack, and Delete on the stack (not in a field, where it edits). */
static void
build_builder (StWindow *self)
{
  GtkWidget *palette = st_layer_palette_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();

  gtk_widget_set_size_request (palette, 170, -1);
  gtk_box_append (self->builder_box, palette);
  gtk_box_append (self->builder_box, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  self->layer_list = ST_LAYER_LIST (st_layer_list_new (self->document));
  gtk_widget_set_hexpand (GTK_WIDGET (self->layer_list), TRUE);
  gtk_box_append (self->builder_box, GTK_WIDGET (self->layer_list));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                      gtk_named_action_new ("win.delete-layer")));
  gtk_widget_add_controller (GTK_WIDGET (self->layer_list), keys);
  g_signal_connect_swapped (st_layer_list_get_model (self->layer_list), "items-changed",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->layer_list, "selection-changed",
                            G_CALLBACK (update_actions), self);
}

static void
st_window_dispose (GObject *object)
{
  StWindow *self = ST_WINDOW (object);

  g_clear_object (&self->chooser);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), ST_TYPE_WINDOW);
  G_OBJECT_CLASS (st_window_parent_class)->dispose (object);
}

static void
st_window_class_init (StWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/strata/Strata/strata-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, StWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, StWindow, presets_button);
  gtk_widget_class_bind_template_child (widget_class, StWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, StWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, StWindow, builder_box);
  gtk_widget_class_bind_template_child (widget_class, StWindow, view_stack);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_activated);
  gtk_widget_class_install_action (widget_class, "win.preset", "s", preset_activated);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_activated);
  gtk_widget_class_install_action (widget_class, "win.add-layer", "s", add_layer_activated);
  gtk_widget_class_install_action (widget_class, "win.delete-layer", NULL, delete_layer_activated);
  gtk_widget_class_install_action (widget_class, "win.duplicate-layer", NULL,
                                   duplicate_layer_activated);
  gtk_widget_class_install_action (widget_class, "win.move-up", NULL, move_activated);
  gtk_widget_class_install_action (widget_class, "win.move-down", NULL, move_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "win.duplicate-layer", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.move-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.move-down",
                                       NULL);
}

static void
load_css (void)
{
  static gboolean loaded;
  g_autoptr (GtkCssProvider) provider = NULL;

  if (loaded)
    return;
  loaded = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/strata/Strata/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
st_window_init (StWindow *self)
{
  g_autoptr (GMenuModel) menu = presets_menu ();
  g_autoptr (GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css ();
  gtk_menu_button_set_menu_model (self->presets_button, menu);

  self->document = st_model_document_new ();
  g_signal_connect_swapped (self->document, "notify", G_CALLBACK (document_notify), self);
  build_builder (self);

  if (!st_model_document_load (self->document, "lenet5", &error))
    g_warning ("%s", error->message);
  update_actions (self);
}

StWindow *
st_window_new (StApplication *app)
{
  return g_object_new (ST_TYPE_WINDOW, "application", app, NULL);
}

StModelDocument *
st_window_get_document (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return self->document;
}

GtkWidget *
st_window_get_layer_list (StWindow *self)
{
  g_return_val_if_fail (ST_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->layer_list);
}
