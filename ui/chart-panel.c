/* chart-panel.c: the chart, its toolbar, the previous run and exporting. */
#define G_LOG_DOMAIN "strata-chart"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "core/model/recipe-diff.h"
#include "ui/chart-panel.h"
#include "ui/render/chart-csv.h"

/* A view smaller than this exports at the default size instead of its own. */
#define EXPORT_MIN_WIDTH      640
#define EXPORT_MIN_HEIGHT     400
#define EXPORT_DEFAULT_WIDTH  960
#define EXPORT_DEFAULT_HEIGHT 600

struct _StChartPanel
{
  GtkBox                parent_instance;

  /* template widgets */
  StChartView          *view;
  GtkToggleButton      *compare_button;

  /* owned */
  StChartData           data;
  StChartData           previous;
  gboolean              compare;
  GtkFileChooserNative *chooser;
  char                 *export_format;  /* the extension the open chooser saves as */
  char                 *run_title;      /* drawn atop an exported picture, or NULL */
  char                 *run_stem;       /* the file name proposed starts with it, or NULL */
  StChartData          *compared;       /* (n_compared) the runs compared, drawn as overlays */
  StChartOverlay       *overlays;       /* (n_compared) pointing into compared and labels */
  char                **labels;         /* (n_compared) NULL-terminated: what sets them apart */
  gsize                 n_compared;
};

G_DEFINE_FINAL_TYPE (StChartPanel, st_chart_panel, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_COMPARE,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
data_has_rows (const StChartData *data)
{
  return data->n_batches > 0 || data->n_epochs > 0;
}

static void
update_previous (StChartPanel *self)
{
  gboolean has_previous = data_has_rows (&self->previous);

  self->data.previous = self->compare && has_previous ? &self->previous : NULL;
  gtk_widget_set_sensitive (GTK_WIDGET (self->compare_button), has_previous);
  st_chart_view_data_changed (self->view);
}

/* The compared runs are drawn over the current run, never over the previous one. */
static void
attach_overlays (StChartPanel *self)
{
  self->data.overlays = self->n_compared > 0 ? self->overlays : NULL;
  self->data.n_overlays = MIN (self->n_compared, ST_CHART_MAX_OVERLAYS);
  self->previous.overlays = NULL;
  self->previous.n_overlays = 0;
}

static void
clear_compared (StChartPanel *self)
{
  for (gsize i = 0; i < self->n_compared; i++)
    st_chart_data_clear (&self->compared[i]);
  g_clear_pointer (&self->compared, g_free);
  g_clear_pointer (&self->overlays, g_free);
  g_clear_pointer (&self->labels, g_strfreev);
  self->n_compared = 0;
  attach_overlays (self);
}

/* ---- exporting ---------------------------------------------------------------------------- */

static const struct {
  const char *extension;
  const char *filter_name;
} export_formats[] = {
  { "png", N_("PNG images") },
  { "svg", N_("SVG images") },
  { "csv", N_("CSV tables") },
};

gboolean
st_chart_panel_export (StChartPanel *self,
                       const char   *path,
                       int           width,
                       int           height,
                       GError      **error)
{
  g_autofree char *lower = NULL;
  StChartOptions options;

  g_return_val_if_fail (ST_IS_CHART_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".csv"))
    return st_chart_data_save_csv (&self->data, path, error);
  if (!g_str_has_suffix (lower, ".png") && !g_str_has_suffix (lower, ".svg"))
    {
      g_set_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT,
                   _("Cannot export “%s”: the file name must end in .png, .svg or .csv"), path);
      return FALSE;
    }

  /* The hover is in the view's pixels, and a file is not looked at with a pointer. */
  options = *st_chart_view_get_options (self->view);
  options.hover_x = NAN;
  /* a picture on its own says which run it is */
  if (self->run_title != NULL)
    options.title = self->run_title;
  return st_chart_save (path, width, height, &self->data, &options, error);
}

static void
export_to (StChartPanel *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *basename = g_path_get_basename (path);
  g_autofree char *message = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (self->view));
  int height = gtk_widget_get_height (GTK_WIDGET (self->view));

  /* What is on screen, unless the view is too small to make a useful picture. */
  if (width < EXPORT_MIN_WIDTH || height < EXPORT_MIN_HEIGHT)
    {
      width = EXPORT_DEFAULT_WIDTH;
      height = EXPORT_DEFAULT_HEIGHT;
    }

  if (st_chart_panel_export (self, path, width, height, &error))
    message = g_strdup_printf (_("Exported “%s”"), basename);
  else
    message = g_strdup (error->message);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

static void
export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StChartPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autofree char *basename = path != NULL ? g_path_get_basename (path) : NULL;

      if (path == NULL)
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, _("Only local files can be written"));
      else if (strchr (basename, '.') == NULL)
        {
          g_autofree char *with_extension = g_strconcat (path, ".", self->export_format, NULL);

          export_to (self, with_extension);
        }
      else
        export_to (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
export_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StChartPanel *self = ST_CHART_PANEL (widget);
  const char *format = g_variant_get_string (parameter, NULL);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr (GtkFileFilter) filter = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *suggested = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (export_formats); i++)
    if (g_strcmp0 (format, export_formats[i].extension) == 0)
      break;
  g_return_if_fail (i < G_N_ELEMENTS (export_formats));

  filter = gtk_file_filter_new ();
  pattern = g_strdup_printf ("*.%s", format);
  gtk_file_filter_set_name (filter, _(export_formats[i].filter_name));
  gtk_file_filter_add_pattern (filter, pattern);
  suggested = st_chart_panel_suggest_name (self, format);

  g_free (self->export_format);
  self->export_format = g_strdup (format);
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export Chart"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the object --------------------------------------------------------------------------- */

static void
st_chart_panel_dispose (GObject *object)
{
  StChartPanel *self = ST_CHART_PANEL (object);

  /* Someone may still hold the view; it must not keep pointing into this panel. */
  if (self->view != NULL)
    st_chart_view_set_data (self->view, NULL);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  G_OBJECT_CLASS (st_chart_panel_parent_class)->dispose (object);
}

static void
st_chart_panel_finalize (GObject *object)
{
  StChartPanel *self = ST_CHART_PANEL (object);

  clear_compared (self);
  st_chart_data_clear (&self->data);
  st_chart_data_clear (&self->previous);
  g_free (self->export_format);
  g_free (self->run_title);
  g_free (self->run_stem);

  G_OBJECT_CLASS (st_chart_panel_parent_class)->finalize (object);
}

static void
st_chart_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StChartPanel *self = ST_CHART_PANEL (object);

  switch (prop_id)
    {
    case PROP_COMPARE:
      g_value_set_boolean (value, self->compare);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_chart_panel_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  StChartPanel *self = ST_CHART_PANEL (object);

  switch (prop_id)
    {
    case PROP_COMPARE:
      st_chart_panel_set_compare (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_chart_panel_class_init (StChartPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_chart_panel_dispose;
  object_class->finalize = st_chart_panel_finalize;
  object_class->get_property = st_chart_panel_get_property;
  object_class->set_property = st_chart_panel_set_property;

  properties[PROP_COMPARE] =
    g_param_spec_boolean ("compare", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (ST_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/strata/Strata/chart-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, StChartPanel, view);
  gtk_widget_class_bind_template_child (widget_class, StChartPanel, compare_button);

  gtk_widget_class_install_action (widget_class, "chart.export", "s", export_activated);
}

static void
st_chart_panel_init (StChartPanel *self)
{
  GtkWidget *compare_label;

  st_chart_data_init (&self->data);
  st_chart_data_init (&self->previous);

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The longest label of the bar gives way first on a narrow window; the tooltip says it
   * in full. */
  compare_label = gtk_button_get_child (GTK_BUTTON (self->compare_button));
  if (GTK_IS_LABEL (compare_label))
    {
      gtk_label_set_ellipsize (GTK_LABEL (compare_label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (compare_label), 7);
    }

  g_object_bind_property (self, "compare", self->compare_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  st_chart_view_set_data (self->view, &self->data);
  update_previous (self);
}

GtkWidget *
st_chart_panel_new (void)
{
  return g_object_new (ST_TYPE_CHART_PANEL, NULL);
}

/* ---- the runs ----------------------------------------------------------------------------- */

StChartView *
st_chart_panel_get_view (StChartPanel *self)
{
  g_return_val_if_fail (ST_IS_CHART_PANEL (self), NULL);

  return self->view;
}

StChartData *
st_chart_panel_get_data (StChartPanel *self)
{
  g_return_val_if_fail (ST_IS_CHART_PANEL (self), NULL);

  return &self->data;
}

void
st_chart_panel_set_run_name (StChartPanel *self, const char *title, const char *stem)
{
  g_return_if_fail (ST_IS_CHART_PANEL (self));

  g_free (self->run_title);
  g_free (self->run_stem);
  self->run_title = g_strdup (title);
  self->run_stem = g_strdup (stem);
}

char *
st_chart_panel_suggest_name (StChartPanel *self, const char *extension)
{
  g_return_val_if_fail (ST_IS_CHART_PANEL (self), NULL);

  return g_strdup_printf ("%s-training.%s", self->run_stem != NULL ? self->run_stem : "model",
                          extension);
}

void
st_chart_panel_begin_run (StChartPanel *self, int planned_epochs)
{
  g_return_if_fail (ST_IS_CHART_PANEL (self));

  if (data_has_rows (&self->data))
    {
      /* The arrays move over to previous; data starts empty. */
      st_chart_data_clear (&self->previous);
      self->previous = self->data;
      self->previous.previous = NULL;
      st_chart_data_init (&self->data);
    }
  st_chart_data_begin_run (&self->data, planned_epochs);
  attach_overlays (self);
  update_previous (self);
}

void
st_chart_panel_add_event (StChartPanel *self, const StTrainerEvent *event)
{
  g_return_if_fail (ST_IS_CHART_PANEL (self));
  g_return_if_fail (event != NULL);

  if (st_chart_data_add_event (&self->data, event))
    st_chart_view_data_changed (self->view);
}

void
st_chart_panel_add_batch (StChartPanel *self, double epoch, double loss)
{
  g_return_if_fail (ST_IS_CHART_PANEL (self));

  st_chart_data_add_batch (&self->data, epoch, loss);
  st_chart_view_data_changed (self->view);
}

void
st_chart_panel_add_epoch (StChartPanel *self, const StChartEpoch *epoch)
{
  g_return_if_fail (ST_IS_CHART_PANEL (self));
  g_return_if_fail (epoch != NULL);

  st_chart_data_add_epoch (&self->data, epoch);
  st_chart_view_data_changed (self->view);
}

gboolean
st_chart_panel_has_previous (StChartPanel *self)
{
  g_return_val_if_fail (ST_IS_CHART_PANEL (self), FALSE);

  return data_has_rows (&self->previous);
}

void
st_chart_panel_set_compare (StChartPanel *self, gboolean compare)
{
  g_return_if_fail (ST_IS_CHART_PANEL (self));

  compare = !!compare;
  if (compare == self->compare)
    return;
  self->compare = compare;
  update_previous (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARE]);
}

gboolean
st_chart_panel_get_compare (StChartPanel *self)
{
  g_return_val_if_fail (ST_IS_CHART_PANEL (self), FALSE);

  return self->compare;
}

/* ---- runs compared ------------------------------------------------------------------------ */

void
st_chart_panel_set_compared (StChartPanel *self, GPtrArray *runs)
{
  g_autofree const StSpec **specs = NULL;
  gsize n;

  g_return_if_fail (ST_IS_CHART_PANEL (self));

  clear_compared (self);
  n = runs != NULL ? runs->len : 0;
  if (n > 0)
    {
      specs = g_new0 (const StSpec *, n);
      for (gsize i = 0; i < n; i++)
        specs[i] = ((const StRun *) runs->pdata[i])->spec;
      self->labels = st_recipe_differences (specs, n);
      self->compared = g_new0 (StChartData, n);
      self->overlays = g_new0 (StChartOverlay, n);
      for (gsize i = 0; i < n; i++)
        {
          const StRun *run = runs->pdata[i];

          if (self->labels[i][0] == '\0')
            {
              /* nothing in the recipes tells the runs apart: their names do */
              g_free (self->labels[i]);
              self->labels[i] = g_strdup (run->name != NULL && run->name[0] != '\0' ? run->name
                                                                                   : run->id);
            }
          st_chart_data_init (&self->compared[i]);
          for (guint e = 0; run->epochs != NULL && e < run->epochs->len; e++)
            {
              const StEpochMetrics *m = &g_array_index (run->epochs, StEpochMetrics, e);
              StChartEpoch row = { .epoch = m->epoch, .train_loss = m->train_loss,
                                   .test_loss = m->test_loss, .train_acc = m->train_acc,
                                   .test_acc = m->test_acc };

              st_chart_data_add_epoch (&self->compared[i], &row);
            }
          self->overlays[i] = (StChartOverlay) { &self->compared[i], self->labels[i] };
        }
      self->n_compared = n;
    }
  attach_overlays (self);
  st_chart_view_data_changed (self->view);
}

const char * const *
st_chart_panel_get_overlay_labels (StChartPanel *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (ST_IS_CHART_PANEL (self), NULL);

  return self->labels != NULL ? (const char * const *) self->labels : none;
}
