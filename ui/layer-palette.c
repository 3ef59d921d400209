/* layer-palette.c: one button per layer type, in groups. */
#define G_LOG_DOMAIN "strata-builder"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "ui/layer-palette.h"
#include "core/model/layer-types.h"

struct _StLayerPalette
{
  GtkWidget  parent_instance;

  GtkWidget *scroller;
};

G_DEFINE_FINAL_TYPE (StLayerPalette, st_layer_palette, GTK_TYPE_WIDGET)

static const struct {
  const char *group;
  const char *types[6];
} groups[] = {
  { N_("Convolution"), { "Conv2d", NULL } },
  { N_("Pooling"), { "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", NULL } },
  { N_("Activation"), { "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh", NULL } },
  { N_("Normalisation"), { "BatchNorm2d", "Dropout", NULL } },
  { N_("Dense"), { "Flatten", "Linear", NULL } },
  { N_("Blocks"), { "Concat", "Residual", NULL } },
};

static GdkContentProvider *
drag_prepare (GtkDragSource *source, double x, double y, gpointer user_data)
{
  GtkWidget *button = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  g_autoptr (GdkPaintable) live = gtk_widget_paintable_new (button);
  g_autoptr (GdkPaintable) icon = gdk_paintable_get_current_image (live);

  /* The drag shows the layer's name as the palette does, not a file. */
  gtk_drag_source_set_icon (source, icon, (int) x, (int) y);
  return gdk_content_provider_new_typed (G_TYPE_STRING,
                                         g_object_get_data (G_OBJECT (button), "st-type"));
}

static void
st_layer_palette_dispose (GObject *object)
{
  StLayerPalette *self = ST_LAYER_PALETTE (object);

  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  G_OBJECT_CLASS (st_layer_palette_parent_class)->dispose (object);
}

static void
st_layer_palette_class_init (StLayerPaletteClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = st_layer_palette_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
st_layer_palette_init (StLayerPalette *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      GtkWidget *heading = gtk_label_new (_(groups[g].group));

      gtk_label_set_xalign (GTK_LABEL (heading), 0);
      gtk_widget_add_css_class (heading, "heading");
      gtk_widget_set_margin_top (heading, g > 0 ? 8 : 0);
      gtk_box_append (GTK_BOX (box), heading);
      for (gsize t = 0; groups[g].types[t] != NULL; t++)
        {
          const StLayerType *type = st_layer_type_lookup (groups[g].types[t]);
          GtkWidget *button = gtk_button_new_with_label (groups[g].types[t]);
          GtkDragSource *source = gtk_drag_source_new ();

          gtk_widget_add_css_class (button, "flat");
          gtk_label_set_xalign (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), 0);
          if (type != NULL && type->summary != NULL)
            gtk_widget_set_tooltip_text (button, _(type->summary));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.add-layer");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", groups[g].types[t]);
          g_object_set_data (G_OBJECT (button), "st-type", (gpointer) groups[g].types[t]);
          gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
          g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare), NULL);
          gtk_widget_add_controller (button, GTK_EVENT_CONTROLLER (source));
          gtk_box_append (GTK_BOX (box), button);
        }
    }
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), box);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
}

GtkWidget *
st_layer_palette_new (void)
{
  return g_object_new (ST_TYPE_LAYER_PALETTE, NULL);
}
