/* runs-view.c: the table of runs, read off the main thread; sorting, search, ticks for
 * comparison, rename, note, delete with undo. */
#define G_LOG_DOMAIN "strata-runs"

#include "strata-config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ui/runs-view.h"

#define TRASH_NAME ".trash"

/* ---- a row: one run and whether it is ticked ------------------------------------------- */

#define ST_TYPE_RUN_ROW (st_run_row_get_type ())
G_DECLARE_FINAL_TYPE (StRunRow, st_run_row, ST, RUN_ROW, GObject)

struct _StRunRow
{
  GObject  parent_instance;

  /* owned */
  StRun   *run;
  gboolean compared;
};

G_DEFINE_FINAL_TYPE (StRunRow, st_run_row, G_TYPE_OBJECT)

enum {
  ROW_PROP_0,
  ROW_PROP_COMPARED,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static void
st_run_row_finalize (GObject *object)
{
  StRunRow *row = ST_RUN_ROW (object);

  g_clear_pointer (&row->run, st_run_free);
  G_OBJECT_CLASS (st_run_row_parent_class)->finalize (object);
}

static void
st_run_row_set_compared (StRunRow *row, gboolean compared)
{
  compared = !!compared;
  if (row->compared == compared)
    return;
  row->compared = compared;
  g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_COMPARED]);
}

static void
st_run_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StRunRow *row = ST_RUN_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_COMPARED:
      g_value_set_boolean (value, row->compared);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_run_row_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  StRunRow *row = ST_RUN_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_COMPARED:
      st_run_row_set_compared (row, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
st_run_row_class_init (StRunRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = st_run_row_finalize;
  object_class->get_property = st_run_row_get_property;
  object_class->set_property = st_run_row_set_property;
  row_properties[ROW_PROP_COMPARED] =
    g_param_spec_boolean ("compared", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
st_run_row_init (StRunRow *row)
{
}

static StRunRow *
st_run_row_new (StRun *run)
{
  StRunRow *row = g_object_new (ST_TYPE_RUN_ROW, NULL);

  row->run = run;
  return row;
}

/* ---- the view ------------------------------------------------------------------------- */

struct _StRunsView
{
  GtkBox             parent_instance;

  /* children made in code */
  AdwToastOverlay   *toasts;
  GtkSearchEntry    *search;
  GtkStack          *stack;
  GtkColumnView     *columns;
  GtkColumnViewColumn *sort_columns[ST_RUNS_N_COLUMNS];

  /* owned */
  GListStore        *store;             /* StRunRow, newest first */
  GtkFilterListModel *filtered;
  GtkSortListModel  *sorted;
  GtkCustomFilter   *filter;
  char              *search_text;       /* case-folded, or NULL */
  GHashTable        *compared_ids;      /* ids ticked, kept across reloads */
  GCancellable      *loading;           /* the reload under way, or NULL */
  char              *runs_dir;          /* the folder the rows were read from */
};

G_DEFINE_FINAL_TYPE (StRunsView, st_runs_view, GTK_TYPE_BOX)

enum {
  SIGNAL_COMPARE_CHANGED,
  SIGNAL_OPEN_RUN,
  SIGNAL_CONTINUE_RUN,
  SIGNAL_INSIDE_RUN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_toast (StRunsView *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

static const char *
run_label (const StRun *run)
{
  return run->name != NULL && run->name[0] != '\0' ? run->name : run->id;
}

/* ---- what the cells say ---------------------------------------------------------------- */

static char *
cell_text (const StRun *run, StRunsColumn column)
{
  const StSpec *spec = run->spec;

  switch (column)
    {
    case ST_RUNS_COLUMN_NAME:
      return g_strdup (run_label (run));
    case ST_RUNS_COLUMN_MODEL:
      return g_strdup (spec != NULL && spec->name != NULL ? spec->name : "?");
    case ST_RUNS_COLUMN_DATASET:
      return g_strdup (run->dataset != NULL ? run->dataset : "?");
    case ST_RUNS_COLUMN_RECIPE:
      {
        char lr[G_ASCII_DTOSTR_BUF_SIZE];

        if (spec == NULL)
          return g_strdup ("?");
        g_ascii_formatd (lr, sizeof lr, "%g", spec->training.optimizer.lr);
        /* TRANSLATORS: the optimizer ("SGD"), its learning rate, the batch size */
        return g_strdup_printf (_("%s, lr %s, batch %d"),
                                st_optim_name (spec->training.optimizer.type), lr,
                                spec->training.batch_size);
      }
    case ST_RUNS_COLUMN_BEST_ACC:
      return run->best_epoch > 0 ? g_strdup_printf ("%.2f %%", 100.0 * run->best_test_acc)
                                 : g_strdup ("—");
    case ST_RUNS_COLUMN_EPOCHS:
      return g_strdup_printf ("%d / %d", run->epochs_done, run->epochs_planned);
    case ST_RUNS_COLUMN_TIME:
      return st_run_format_duration (run->seconds);
    case ST_RUNS_COLUMN_STATUS:
      return g_strdup (st_run_status_label (run->status));
    case ST_RUNS_COLUMN_STARTED:
      {
        g_autoptr (GDateTime) utc = run->started != NULL
                                    ? g_date_time_new_from_iso8601 (run->started, NULL) : NULL;
        g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

        return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M")
                             : g_strdup (run->started != NULL ? run->started : "");
      }
    case ST_RUNS_N_COLUMNS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static int
compare_doubles (double a, double b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_rows (gconstpointer a, gconstpointer b, gpointer data)
{
  const StRun *x = ((const StRunRow *) a)->run;
  const StRun *y = ((const StRunRow *) b)->run;
  StRunsColumn column = GPOINTER_TO_INT (data);
  g_autofree char *tx = NULL, *ty = NULL;

  switch (column)
    {
    case ST_RUNS_COLUMN_BEST_ACC:
      return compare_doubles (x->best_epoch > 0 ? x->best_test_acc : -1.0,
                              y->best_epoch > 0 ? y->best_test_acc : -1.0);
    case ST_RUNS_COLUMN_EPOCHS:
      return compare_doubles (x->epochs_done, y->epochs_done);
    case ST_RUNS_COLUMN_TIME:
      return compare_doubles (x->seconds, y->seconds);
    case ST_RUNS_COLUMN_STARTED:
      return g_strcmp0 (x->started, y->started);
    case ST_RUNS_COLUMN_RECIPE:
      if (x->spec != NULL && y->spec != NULL
          && x->spec->training.optimizer.lr != y->spec->training.optimizer.lr)
        return compare_doubles (x->spec->training.optimizer.lr, y->spec->training.optimizer.lr);
      G_GNUC_FALLTHROUGH;
    default:
      tx = cell_text (x, column);
      ty = cell_text (y, column);
      return g_utf8_collate (tx, ty);
    }
}

/* ---- the cells ------------------------------------------------------------------------- */

static StRunRow *
cell_row (GtkListItem *item)
{
  gpointer row = gtk_list_item_get_item (item);

  return ST_IS_RUN_ROW (row) ? row : NULL;
}

static StRunsView *
cell_view (GtkWidget *cell)
{
  return ST_RUNS_VIEW (gtk_widget_get_ancestor (cell, ST_TYPE_RUNS_VIEW));
}

static void
text_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  /* the recipe is what tells runs apart: shown whole; the rest may be cut short */
  if (GPOINTER_TO_INT (data) != ST_RUNS_COLUMN_RECIPE)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (GPOINTER_TO_INT (data) == ST_RUNS_COLUMN_BEST_ACC
      || GPOINTER_TO_INT (data) == ST_RUNS_COLUMN_EPOCHS
      || GPOINTER_TO_INT (data) == ST_RUNS_COLUMN_TIME)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 1.0);
      gtk_widget_add_css_class (label, "numeric");
    }
  gtk_list_item_set_child (item, label);
}

static void
text_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  StRunRow *row = cell_row (item);
  g_autofree char *text = row != NULL ? cell_text (row->run, GPOINTER_TO_INT (data)) : NULL;
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (label), text != NULL ? text : "");
  gtk_widget_set_tooltip_text (label, row != NULL && GPOINTER_TO_INT (data) == ST_RUNS_COLUMN_STATUS
                                      ? row->run->message : NULL);
}

/* The check box follows the row's "compared" both ways while bound. */
static void
check_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *check = gtk_check_button_new ();

  gtk_widget_set_tooltip_text (check, _("Compare this run’s curves in the chart"));
  gtk_list_item_set_child (item, check);
}

static void
check_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  StRunRow *row = cell_row (item);
  GBinding *binding;

  if (row == NULL)
    return;
  binding = g_object_bind_property (row, "compared", gtk_list_item_get_child (item), "active",
                                    G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_set_data (G_OBJECT (item), "binding", binding);
}

static void
check_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (item), "binding");

  if (binding != NULL)
    g_binding_unbind (binding);
}

/* Name and note: an editable label, committed when editing ends. */
static void
editable_done (GtkEditableLabel *label, GParamSpec *pspec, GtkListItem *item)
{
  StRunRow *row = cell_row (item);
  StRunsView *self = cell_view (GTK_WIDGET (label));
  gboolean is_note = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "is-note"));
  const char *text = gtk_editable_get_text (GTK_EDITABLE (label));

  if (gtk_editable_label_get_editing (label) || row == NULL || self == NULL)
    return;
  if (is_note && g_strcmp0 (text, row->run->note != NULL ? row->run->note : "") != 0)
    st_runs_view_set_note (self, row->run->id, text);
  else if (!is_note && text[0] != '\0' && g_strcmp0 (text, row->run->name) != 0)
    st_runs_view_rename (self, row->run->id, text);
  else if (!is_note)
    gtk_editable_set_text (GTK_EDITABLE (label), run_label (row->run));
}

static void
editable_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_editable_label_new ("");

  g_object_set_data (G_OBJECT (label), "is-note", data);
  gtk_widget_set_tooltip_text (label, data != NULL ? _("Double-click to write a note")
                                                   : _("Double-click to rename the run"));
  g_signal_connect (label, "notify::editing", G_CALLBACK (editable_done), item);
  gtk_list_item_set_child (item, label);
}

static void
editable_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  StRunRow *row = cell_row (item);
  const char *text = "";

  if (row != NULL)
    text = data != NULL ? (row->run->note != NULL ? row->run->note : "") : run_label (row->run);
  gtk_editable_set_text (GTK_EDITABLE (gtk_list_item_get_child (item)), text);
}

static void
open_clicked (GtkButton *button, GtkListItem *item)
{
  StRunRow *row = cell_row (item);
  StRunsView *self = cell_view (GTK_WIDGET (button));

  if (row != NULL && self != NULL)
    g_signal_emit (self, signals[SIGNAL_OPEN_RUN], 0, row->run->dir);
}

static void
continue_clicked (GtkButton *button, GtkListItem *item)
{
  StRunRow *row = cell_row (item);
  StRunsView *self = cell_view (GTK_WIDGET (button));

  if (row != NULL && self != NULL)
    g_signal_emit (self, signals[SIGNAL_CONTINUE_RUN], 0, row->run->dir);
}

static void
inside_clicked (GtkButton *button, GtkListItem *item)
{
  StRunRow *row = cell_row (item);
  StRunsView *self = cell_view (GTK_WIDGET (button));

  if (row != NULL && self != NULL)
    g_signal_emit (self, signals[SIGNAL_INSIDE_RUN], 0, row->run->dir);
}

static void
delete_clicked (GtkButton *button, GtkListItem *item)
{
  StRunRow *row = cell_row (item);
  StRunsView *self = cell_view (GTK_WIDGET (button));

  if (row != NULL && self != NULL)
    {
      g_autofree char *id = g_strdup (row->run->id);

      st_runs_view_delete (self, id);
    }
}

static void
actions_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *open = gtk_button_new_from_icon_name ("document-open-symbolic");
  GtkWidget *go_on = gtk_button_new_from_icon_name ("media-playback-start-symbolic");
  GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");
  GtkWidget *inside = gtk_button_new_from_icon_name ("view-reveal-symbolic");

  gtk_widget_set_tooltip_text (inside, _("Look inside the run: its projection, gradients and "
                                         "histograms"));
  gtk_widget_add_css_class (inside, "flat");
  g_signal_connect (inside, "clicked", G_CALLBACK (inside_clicked), item);
  gtk_widget_set_tooltip_text (open, _("Open the run’s model and best weights"));
  gtk_widget_set_tooltip_text (go_on, _("Continue training the run from its last epoch"));
  gtk_widget_set_tooltip_text (delete, _("Delete the run"));
  gtk_widget_add_css_class (open, "flat");
  gtk_widget_add_css_class (go_on, "flat");
  gtk_widget_add_css_class (delete, "flat");
  g_signal_connect (open, "clicked", G_CALLBACK (open_clicked), item);
  g_signal_connect (go_on, "clicked", G_CALLBACK (continue_clicked), item);
  g_signal_connect (delete, "clicked", G_CALLBACK (delete_clicked), item);
  gtk_box_append (GTK_BOX (box), open);
  gtk_box_append (GTK_BOX (box), go_on);
  gtk_box_append (GTK_BOX (box), delete);
  gtk_box_append (GTK_BOX (box), inside);
  gtk_list_item_set_child (item, box);
}

/* Continue needs the run's training checkpoint, and a run that is not training now. */
static void
actions_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  StRunRow *row = cell_row (item);
  GtkWidget *go_on = gtk_widget_get_next_sibling (
    gtk_widget_get_first_child (gtk_list_item_get_child (item)));
  gboolean can = FALSE;

  if (row != NULL && row->run->status != ST_RUN_RUNNING)
    {
      g_autofree char *checkpoint = g_build_filename (row->run->dir, "checkpoint.safetensors",
                                                      NULL);

      can = g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR);
    }
  gtk_widget_set_sensitive (go_on, can);
}

static GtkColumnViewColumn *
add_column (StRunsView *self, const char *title, GCallback setup, GCallback bind,
            GCallback unbind, gpointer data)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", setup, data);
  if (bind != NULL)
    g_signal_connect (factory, "bind", bind, data);
  if (unbind != NULL)
    g_signal_connect (factory, "unbind", unbind, data);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->columns, column);
  g_object_unref (column);
  return column;
}

static void
set_sorter (StRunsView *self, GtkColumnViewColumn *column, StRunsColumn which)
{
  g_autoptr (GtkSorter) sorter =
    GTK_SORTER (gtk_custom_sorter_new (compare_rows, GINT_TO_POINTER (which), NULL));

  gtk_column_view_column_set_sorter (column, sorter);
  self->sort_columns[which] = column;
}

static void
build_columns (StRunsView *self)
{
  static const struct {
    StRunsColumn column;
    const char  *title;
  } plain[] = {
    /* what tells runs apart and how they did first: they stay in view on a small screen */
    { ST_RUNS_COLUMN_RECIPE, N_("Optimizer") },
    { ST_RUNS_COLUMN_BEST_ACC, N_("Best Test Acc") },
    { ST_RUNS_COLUMN_EPOCHS, N_("Epochs") },
    { ST_RUNS_COLUMN_STATUS, N_("Status") },
    { ST_RUNS_COLUMN_TIME, N_("Time") },
    { ST_RUNS_COLUMN_MODEL, N_("Model") },
    { ST_RUNS_COLUMN_DATASET, N_("Dataset") },
    { ST_RUNS_COLUMN_STARTED, N_("Started") },
  };
  GtkColumnViewColumn *column;

  column = add_column (self, "", G_CALLBACK (check_setup), G_CALLBACK (check_bind),
                       G_CALLBACK (check_unbind), NULL);
  gtk_column_view_column_set_resizable (column, FALSE);
  column = add_column (self, _("Name"), G_CALLBACK (editable_setup), G_CALLBACK (editable_bind),
                       NULL, NULL);
  gtk_column_view_column_set_expand (column, TRUE);
  set_sorter (self, column, ST_RUNS_COLUMN_NAME);
  for (gsize i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      column = add_column (self, _(plain[i].title), G_CALLBACK (text_setup),
                           G_CALLBACK (text_bind), NULL, GINT_TO_POINTER (plain[i].column));
      set_sorter (self, column, plain[i].column);
    }
  column = add_column (self, _("Note"), G_CALLBACK (editable_setup), G_CALLBACK (editable_bind),
                       NULL, GINT_TO_POINTER (1));
  gtk_column_view_column_set_expand (column, TRUE);
  add_column (self, "", G_CALLBACK (actions_setup), G_CALLBACK (actions_bind), NULL, NULL);
}

/* ---- search ---------------------------------------------------------------------------- */

static gboolean
contains (const char *text, const char *needle)
{
  g_autofree char *folded = text != NULL ? g_utf8_casefold (text, -1) : NULL;

  return folded != NULL && strstr (folded, needle) != NULL;
}

static gboolean
row_matches (gpointer item, gpointer data)
{
  StRunsView *self = data;
  const StRun *run = ST_RUN_ROW (item)->run;

  if (self->search_text == NULL || self->search_text[0] == '\0')
    return TRUE;
  return contains (run->name, self->search_text) || contains (run->id, self->search_text)
         || contains (run->dataset, self->search_text)
         || (run->spec != NULL && contains (run->spec->name, self->search_text));
}

static void
apply_search (StRunsView *self, const char *text)
{
  g_autofree char *folded = text != NULL ? g_utf8_casefold (text, -1) : NULL;

  if (g_strcmp0 (folded, self->search_text) == 0)
    return;
  g_free (self->search_text);
  self->search_text = g_steal_pointer (&folded);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
search_changed (StRunsView *self)
{
  apply_search (self, gtk_editable_get_text (GTK_EDITABLE (self->search)));
}

void
st_runs_view_set_search (StRunsView *self, const char *text)
{
  g_return_if_fail (ST_IS_RUNS_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search), text != NULL ? text : "");
  apply_search (self, text);
}

/* ---- loading --------------------------------------------------------------------------- */

static void
update_empty (StRunsView *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "table");
}

static void
row_compared_changed (StRunsView *self, GParamSpec *pspec, StRunRow *row)
{
  if (row->compared)
    g_hash_table_add (self->compared_ids, g_strdup (row->run->id));
  else
    g_hash_table_remove (self->compared_ids, row->run->id);
  g_signal_emit (self, signals[SIGNAL_COMPARE_CHANGED], 0);
}

static void
list_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *runs = st_runs_list (data, &error);

  if (runs == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, runs, (GDestroyNotify) g_ptr_array_unref);
}

static void
list_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StRunsView *self = ST_RUNS_VIEW (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr (GPtrArray) rows = NULL;
  gboolean was_compared = g_hash_table_size (self->compared_ids) > 0;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));

  /* a later reload replaced this one, or the view went away */
  if (g_cancellable_is_cancelled (cancellable) || self->store == NULL)
    return;
  g_clear_object (&self->loading);
  g_free (self->runs_dir);
  self->runs_dir = g_strdup (g_task_get_task_data (G_TASK (result)));
  if (runs == NULL)
    {
      show_toast (self, error->message);
      return;
    }

  /* the rows take the runs over */
  g_ptr_array_set_free_func (runs, NULL);
  rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < runs->len; i++)
    {
      StRun *run = runs->pdata[i];
      StRunRow *row = st_run_row_new (run);

      row->compared = g_hash_table_contains (self->compared_ids, run->id);
      g_signal_connect_object (row, "notify::compared", G_CALLBACK (row_compared_changed), self,
                               G_CONNECT_SWAPPED);
      g_ptr_array_add (rows, row);
    }
  /* the ticks of runs gone are dropped */
  g_hash_table_remove_all (self->compared_ids);
  for (guint i = 0; i < rows->len; i++)
    {
      StRunRow *row = rows->pdata[i];

      if (row->compared)
        g_hash_table_add (self->compared_ids, g_strdup (row->run->id));
    }
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       rows->pdata, rows->len);
  update_empty (self);
  if (was_compared || g_hash_table_size (self->compared_ids) > 0)
    g_signal_emit (self, signals[SIGNAL_COMPARE_CHANGED], 0);
}

void
st_runs_view_reload (StRunsView *self)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (ST_IS_RUNS_VIEW (self));

  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  task = g_task_new (self, self->loading, list_done, NULL);
  g_task_set_source_tag (task, st_runs_view_reload);
  g_task_set_task_data (task, st_runs_dir (), g_free);
  g_task_run_in_thread (task, list_thread);
}

gboolean
st_runs_view_is_loading (StRunsView *self)
{
  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), FALSE);

  return self->loading != NULL;
}

/* ---- rows ------------------------------------------------------------------------------ */

guint
st_runs_view_get_n_rows (StRunsView *self)
{
  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
}

const char *
st_runs_view_get_row_id (StRunsView *self, guint row)
{
  g_autoptr (StRunRow) item = NULL;

  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), NULL);

  item = g_list_model_get_item (G_LIST_MODEL (self->sorted), row);
  /* the store holds the row, and the id with it */
  return item != NULL ? item->run->id : NULL;
}

void
st_runs_view_sort_by (StRunsView *self, StRunsColumn column, GtkSortType order)
{
  g_return_if_fail (ST_IS_RUNS_VIEW (self));
  g_return_if_fail (column < ST_RUNS_N_COLUMNS);

  gtk_column_view_sort_by_column (self->columns, self->sort_columns[column], order);
}

/* The row of `id` in the store (not the view's order), or NULL. */
static StRunRow *
find_row (StRunsView *self, const char *id, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (StRunRow) row = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (g_strcmp0 (row->run->id, id) == 0)
        {
          if (position != NULL)
            *position = i;
          return row;
        }
    }
  return NULL;
}

void
st_runs_view_set_compared (StRunsView *self, const char *id, gboolean compared)
{
  StRunRow *row;

  g_return_if_fail (ST_IS_RUNS_VIEW (self));
  g_return_if_fail (id != NULL);

  row = find_row (self, id, NULL);
  if (row != NULL)
    st_run_row_set_compared (row, compared);
}

GPtrArray *
st_runs_view_get_compared (StRunsView *self)
{
  GPtrArray *runs;
  guint n;

  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), NULL);

  runs = g_ptr_array_new ();
  n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (StRunRow) row = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);

      if (row->compared)
        g_ptr_array_add (runs, row->run);
    }
  return runs;
}

/* Rows that changed in place are handed to the view again, so that its cells show them. */
static void
row_changed (StRunsView *self, guint position)
{
  g_autoptr (GObject) row = g_list_model_get_item (G_LIST_MODEL (self->store), position);
  gpointer items[] = { row };

  g_list_store_splice (self->store, position, 1, items, 1);
}

gboolean
st_runs_view_rename (StRunsView *self, const char *id, const char *name)
{
  g_autoptr (GError) error = NULL;
  StRunRow *row;
  guint position;

  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), FALSE);
  g_return_val_if_fail (id != NULL && name != NULL, FALSE);

  row = find_row (self, id, &position);
  if (row == NULL)
    return FALSE;
  if (!st_run_set_name (row->run->dir, name, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot rename the run “%s”: %s"),
                                                  run_label (row->run), error->message);

      show_toast (self, message);
      row_changed (self, position);
      return FALSE;
    }
  g_free (row->run->name);
  row->run->name = g_strdup (name);
  row_changed (self, position);
  if (row->compared)
    g_signal_emit (self, signals[SIGNAL_COMPARE_CHANGED], 0);
  return TRUE;
}

gboolean
st_runs_view_set_note (StRunsView *self, const char *id, const char *note)
{
  g_autoptr (GError) error = NULL;
  StRunRow *row;
  guint position;

  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), FALSE);
  g_return_val_if_fail (id != NULL && note != NULL, FALSE);

  row = find_row (self, id, &position);
  if (row == NULL)
    return FALSE;
  if (!st_run_set_note (row->run->dir, note, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot set the note of the run “%s”: %s"),
                                                  run_label (row->run), error->message);

      show_toast (self, message);
      row_changed (self, position);
      return FALSE;
    }
  g_free (row->run->note);
  row->run->note = g_strdup (note);
  return TRUE;
}

gboolean
st_runs_view_delete (StRunsView *self, const char *id)
{
  g_autofree char *runs_dir = NULL, *trash = NULL, *dest = NULL, *message = NULL;
  StRunRow *row;
  AdwToast *toast;
  guint position;
  gboolean was_compared;
  int saved_errno;

  g_return_val_if_fail (ST_IS_RUNS_VIEW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  row = find_row (self, id, &position);
  if (row == NULL)
    return FALSE;
  runs_dir = g_path_get_dirname (row->run->dir);
  trash = g_build_filename (runs_dir, TRASH_NAME, NULL);
  dest = g_build_filename (trash, row->run->id, NULL);
  if (g_mkdir_with_parents (trash, 0700) != 0 || g_file_test (dest, G_FILE_TEST_EXISTS)
      || g_rename (row->run->dir, dest) != 0)
    {
      saved_errno = errno;
      message = g_strdup_printf (_("Cannot delete the run “%s”: %s"), run_label (row->run),
                                 g_file_test (dest, G_FILE_TEST_EXISTS)
                                 ? _("the trash holds a run of that id already")
                                 : g_strerror (saved_errno));
      show_toast (self, message);
      return FALSE;
    }

  message = g_strdup_printf (_("Deleted the run “%s”"), run_label (row->run));
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 10);
  adw_toast_set_button_label (toast, _("Undo"));
  adw_toast_set_action_name (toast, "runs.undo-delete");
  adw_toast_set_action_target_value (toast, g_variant_new_string (row->run->id));
  was_compared = row->compared;
  if (was_compared)
    g_hash_table_remove (self->compared_ids, row->run->id);
  g_list_store_remove (self->store, position);
  update_empty (self);
  adw_toast_overlay_add_toast (self->toasts, toast);
  if (was_compared)
    g_signal_emit (self, signals[SIGNAL_COMPARE_CHANGED], 0);
  return TRUE;
}

static void
undo_delete_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  StRunsView *self = ST_RUNS_VIEW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autofree char *runs_dir = self->runs_dir != NULL ? g_strdup (self->runs_dir) : st_runs_dir ();
  g_autofree char *from = g_build_filename (runs_dir, TRASH_NAME, id, NULL);
  g_autofree char *to = g_build_filename (runs_dir, id, NULL);

  if (strchr (id, G_DIR_SEPARATOR) != NULL || id[0] == '.' || g_file_test (to, G_FILE_TEST_EXISTS)
      || g_rename (from, to) != 0)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot bring back the run “%s”"), id);

      show_toast (self, message);
      return;
    }
  st_runs_view_reload (self);
}

static void
reload_activated (GtkWidget *widget, const char *name, GVariant *parameter)
{
  st_runs_view_reload (ST_RUNS_VIEW (widget));
}

/* ---- the object ------------------------------------------------------------------------ */

static void
st_runs_view_dispose (GObject *object)
{
  StRunsView *self = ST_RUNS_VIEW (object);

  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (self->columns != NULL)
    gtk_column_view_set_model (self->columns, NULL);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_pointer (&self->compared_ids, g_hash_table_unref);
  g_clear_pointer (&self->search_text, g_free);
  g_clear_pointer (&self->runs_dir, g_free);
  G_OBJECT_CLASS (st_runs_view_parent_class)->dispose (object);
}

static void
st_runs_view_class_init (StRunsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_runs_view_dispose;

  signals[SIGNAL_COMPARE_CHANGED] =
    g_signal_new ("compare-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_OPEN_RUN] =
    g_signal_new ("open-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CONTINUE_RUN] =
    g_signal_new ("continue-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_INSIDE_RUN] =
    g_signal_new ("inside-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "runs.undo-delete", "s", undo_delete_activated);
  gtk_widget_class_install_action (widget_class, "runs.reload", NULL, reload_activated);
}

static void
st_runs_view_init (StRunsView *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *reload = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  GtkWidget *empty = adw_status_page_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkSelectionModel *selection;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  self->compared_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->toasts), TRUE);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->toasts));
  adw_toast_overlay_set_child (self->toasts, content);

  self->search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search, "placeholder-text", _("Search by name, model, dataset or id"),
                NULL);
  gtk_widget_set_hexpand (GTK_WIDGET (self->search), TRUE);
  gtk_widget_set_tooltip_text (reload, _("Read the runs again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (reload), "runs.reload");
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->search));
  gtk_box_append (GTK_BOX (bar), reload);
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_end (bar, 12);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_bottom (bar, 6);
  gtk_box_append (GTK_BOX (content), bar);
  g_signal_connect_swapped (self->search, "search-changed", G_CALLBACK (search_changed), self);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "document-open-recent-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty),
                             _("No runs yet — train a model and it appears here"));
  gtk_stack_add_named (self->stack, empty, "empty");

  self->store = g_list_store_new (ST_TYPE_RUN_ROW);
  self->filter = gtk_custom_filter_new (row_matches, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              GTK_FILTER (g_object_ref (self->filter)));
  self->columns = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_column_view_set_show_column_separators (self->columns, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->columns), "data-table");
  build_columns (self);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filtered)),
                                          g_object_ref (gtk_column_view_get_sorter (self->columns)));
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->sorted))));
  gtk_column_view_set_model (self->columns, selection);
  g_object_unref (selection);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->columns));
  gtk_stack_add_named (self->stack, scrolled, "table");
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->stack));
  update_empty (self);

  st_runs_view_reload (self);
}

GtkWidget *
st_runs_view_new (void)
{
  return g_object_new (ST_TYPE_RUNS_VIEW, NULL);
}
