/* tooltip-width.c: see tooltip-width.h.
 *
 * GTK's tooltip window (CSS name "tooltip", a GtkBox of an image and a label) sets the label's
 * width each time its text changes. A hook on "realize" finds that label the first time a
 * tooltip is shown, before it is measured; from then on the label's own notifications put the
 * width right again after GTK sets it.
 */
#define G_LOG_DOMAIN "strata-tooltip"

#include "ui/tooltip-width.h"

/* GTK's own cap: about 50 Latin characters, 25 Chinese ones */
#define MAX_WIDTH_CHARS 50

int
st_tooltip_width_chars (const char *text)
{
  int columns = 0;

  g_return_val_if_fail (text != NULL, 0);

  for (const char *p = text; *p != '\0' && columns < MAX_WIDTH_CHARS; p = g_utf8_next_char (p))
    columns += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return MIN (columns, MAX_WIDTH_CHARS);
}

/* Only a wrapping label: GTK turns wrapping off for a text of several lines. */
static void
fix_width (GtkLabel *label)
{
  int chars;

  if (!gtk_label_get_wrap (label))
    return;
  chars = st_tooltip_width_chars (gtk_label_get_text (label));
  if (gtk_label_get_max_width_chars (label) != chars)
    gtk_label_set_max_width_chars (label, chars);
}

static void
label_changed (GtkLabel *label, GParamSpec *pspec, gpointer data)
{
  fix_width (label);
}

static void
watch_labels (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        {
          g_signal_connect (child, "notify::label", G_CALLBACK (label_changed), NULL);
          g_signal_connect (child, "notify::max-width-chars", G_CALLBACK (label_changed), NULL);
          g_signal_connect (child, "notify::wrap", G_CALLBACK (label_changed), NULL);
          fix_width (GTK_LABEL (child));
        }
      watch_labels (child);
    }
}

static gboolean
widget_realized (GSignalInvocationHint *hint,
                 guint                  n_values,
                 const GValue          *values,
                 gpointer               data)
{
  GtkWidget *widget = g_value_get_object (&values[0]);

  if (g_strcmp0 (gtk_widget_get_css_name (widget), "tooltip") == 0
      && g_object_get_data (G_OBJECT (widget), "st-tooltip-width") == NULL)
    {
      g_object_set_data (G_OBJECT (widget), "st-tooltip-width", GINT_TO_POINTER (TRUE));
      watch_labels (widget);
    }
  return TRUE;
}

void
st_tooltip_width_install (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      gpointer klass = g_type_class_ref (GTK_TYPE_WIDGET);

      g_signal_add_emission_hook (g_signal_lookup ("realize", GTK_TYPE_WIDGET), 0,
                                  widget_realized, NULL, NULL);
      g_type_class_unref (klass);
      g_once_init_leave (&done, 1);
    }
}
