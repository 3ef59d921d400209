/* layer-list.c: the spec flattened into rows, recycled cards, drag to reorder, totals. */
#define G_LOG_DOMAIN "strata-builder"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "core/layer-types.h"
#include "ui/layer-list.h"

struct _StLayerList
{
  GtkWidget           parent_instance;

  /* children */
  GtkWidget          *box;
  GtkWidget          *scroller;
  GtkListView        *view;
  GtkLabel           *totals;

  /* owned */
  StModelDocument    *document;
  GListStore         *store;
  GtkSingleSelection *selection;
  gulong              changed_id;
};

enum {
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (StLayerList, st_layer_list, GTK_TYPE_WIDGET)

/* ---- flattening ------------------------------------------------------------------------ */

typedef struct {
  GPtrArray     *items;
  const StInfer *infer;
  guint          next_row;    /* the inference's pre-order row of the next node */
} Flatten;

static int
info_row_of (Flatten *f, const StNode *node)
{
  const StLayerInfo *info;

  /* The walk below visits nodes in the inference's own order, so the next row is the one. */
  if (f->next_row < f->infer->n_layers && f->infer->layers[f->next_row].node == node)
    return (int) f->next_row++;
  info = st_infer_find (f->infer, node);
  return info != NULL ? (int) (info - f->infer->layers) : -1;
}

static void flatten_seq (Flatten *f, GPtrArray *seq, int depth);

static void
add_section (Flatten *f, GPtrArray *seq, int depth, const char *title)
{
  g_ptr_array_add (f->items, st_layer_item_new (ST_ROW_SECTION, NULL, seq, 0, depth, title, -1));
  flatten_seq (f, seq, depth + 1);
}

static void
flatten_seq (Flatten *f, GPtrArray *seq, int depth)
{
  for (guint i = 0; i < seq->len; i++)
    {
      StNode *node = g_ptr_array_index (seq, i);
      gboolean block = node->branches != NULL || node->body != NULL;

      g_ptr_array_add (f->items, st_layer_item_new (block ? ST_ROW_BLOCK : ST_ROW_LAYER, node,
                                                    seq, i, depth, NULL, info_row_of (f, node)));
      if (node->branches != NULL)
        for (guint b = 0; b < node->branches->len; b++)
          {
            g_autofree char *title = g_strdup_printf (_("Branch %u"), b + 1);

            add_section (f, g_ptr_array_index (node->branches, b), depth + 1, title);
          }
      if (node->body != NULL)
        add_section (f, node->body, depth + 1, _("Body"));
      if (node->shortcut != NULL)
        add_section (f, node->shortcut, depth + 1, _("Shortcut"));
    }
}

static char *
format_totals (const StInfer *infer)
{
  g_autofree char *errors = NULL;

  if (infer->n_errors == 0)
    errors = g_strdup (_("no errors"));
  else
    errors = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u error", "%u errors",
                                           infer->n_errors), infer->n_errors);
  /* torchsummary's figures: parameters, the estimated memory of one example's pass. */
  g_autofree char *total = st_format_count (infer->total_params);
  g_autofree char *trainable = st_format_count (infer->trainable_params);

  return g_strdup_printf (_("Parameters: %s (%s trainable) · Memory: %.2f MB · "
                            "Multiply-adds: %.2f M · %s"),
                          total, trainable, infer->total_mb, infer->total_macs / 1e6, errors);
}

static void
refresh (StLayerList *self)
{
  const StSpec *spec = st_model_document_get_spec (self->document);
  const StInfer *infer = st_model_document_get_infer (self->document);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autofree char *totals = format_totals (infer);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (StLayerItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      st_layer_item_refresh (item, spec, infer);
    }
  gtk_label_set_text (self->totals, totals);
  if (infer->n_errors > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->totals), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->totals), "error");
}

static void
rebuild (StLayerList *self)
{
  StSpec *spec = (StSpec *) st_model_document_get_spec (self->document);
  Flatten f = { g_ptr_array_new_with_free_func (g_object_unref),
                st_model_document_get_infer (self->document), 0 };
  guint old_selected = gtk_single_selection_get_selected (self->selection);

  g_ptr_array_add (f.items, st_layer_item_new (ST_ROW_INPUT, NULL, spec->layers, 0, 0, NULL, -1));
  flatten_seq (&f, spec->layers, 0);
  /* Facts first, so the cards bound by the splice show them at once. */
  for (guint i = 0; i < f.items->len; i++)
    st_layer_item_refresh (g_ptr_array_index (f.items, i), spec, f.infer);
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       f.items->pdata, f.items->len);
  if (old_selected != GTK_INVALID_LIST_POSITION && f.items->len > 0)
    gtk_single_selection_set_selected (self->selection, MIN (old_selected, f.items->len - 1));
  g_ptr_array_unref (f.items);
  refresh (self);
}

static void
document_changed (StLayerList *self, gboolean structural)
{
  if (structural)
    rebuild (self);
  else
    refresh (self);
}

/* ---- drag and drop --------------------------------------------------------------------- */

typedef struct {
  StModelDocument *document;
  StLayerList     *list;
  StNode          *moved;        /* a layer dragged within the list, or NULL */
  char            *type_name;    /* a layer type dragged from the palette, or NULL */
  StNodePlace      place;
} Drop;

static void
drop_free (Drop *d)
{
  g_object_unref (d->document);
  g_object_unref (d->list);
  g_free (d->type_name);
  g_free (d);
}

/* Applied after the drop has finished: the edit rebuilds the rows the drop came through. */
static gboolean
apply_drop (gpointer data)
{
  Drop *d = data;
  g_autoptr (GError) error = NULL;
  StNode *node = NULL;

  if (d->moved != NULL && st_model_document_move (d->document, d->moved, &d->place, &error))
    node = d->moved;
  else if (d->type_name != NULL)
    node = st_model_document_insert (d->document, &d->place, d->type_name, &error);
  if (node != NULL)
    st_layer_list_select_node (d->list, node);
  if (error != NULL)
    g_message ("%s", error->message);
  drop_free (d);
  return G_SOURCE_REMOVE;
}

static void
place_before (StLayerItem *target, StNodePlace *place)
{
  place->seq = st_layer_item_get_seq (target);
  switch (st_layer_item_get_kind (target))
    {
    case ST_ROW_INPUT:
    case ST_ROW_SECTION:
      place->index = 0;             /* the top of the model, or of that branch */
      break;
    case ST_ROW_LAYER:
    case ST_ROW_BLOCK:
      place->index = st_layer_item_get_index (target);
      break;
    }
}

static gboolean
card_drop (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  StLayerCard *card = ST_LAYER_CARD (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)));
  StLayerList *self = user_data;
  StLayerItem *over = st_layer_card_get_item (card);
  Drop *d;

  if (over == NULL)
    return FALSE;
  d = g_new0 (Drop, 1);
  if (G_VALUE_HOLDS (value, ST_TYPE_LAYER_ITEM))
    {
      StLayerItem *dragged = g_value_get_object (value);

      if (dragged == NULL || st_layer_item_get_node (dragged) == NULL || dragged == over)
        {
          g_free (d);
          return FALSE;
        }
      d->moved = st_layer_item_get_node (dragged);
    }
  else
    d->type_name = g_value_dup_string (value);
  d->document = g_object_ref (self->document);
  d->list = g_object_ref (self);
  place_before (over, &d->place);
  /* Dropped on the lower half of a card: after it. */
  if (st_layer_item_get_node (over) != NULL && y > gtk_widget_get_height (GTK_WIDGET (card)) / 2.0)
    d->place.index++;
  g_idle_add (apply_drop, d);
  return TRUE;
}

static GdkContentProvider *
card_drag_prepare (GtkDragSource *source, double x, double y, gpointer user_data)
{
  StLayerCard *card = ST_LAYER_CARD (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source)));
  StLayerItem *item = st_layer_card_get_item (card);

  if (item == NULL || st_layer_item_get_node (item) == NULL)
    return NULL;
  return gdk_content_provider_new_typed (ST_TYPE_LAYER_ITEM, item);
}

/* ---- rows ------------------------------------------------------------------------------ */

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, StLayerList *self)
{
  GtkWidget *card = st_layer_card_new (self->document);
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_MOVE | GDK_ACTION_COPY);
  GType types[] = { ST_TYPE_LAYER_ITEM, G_TYPE_STRING };

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (card_drag_prepare), self);
  gtk_widget_add_controller (card, GTK_EVENT_CONTROLLER (source));
  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (card_drop), self);
  gtk_widget_add_controller (card, GTK_EVENT_CONTROLLER (target));
  gtk_list_item_set_child (list_item, card);
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, StLayerList *self)
{
  st_layer_card_bind (ST_LAYER_CARD (gtk_list_item_get_child (list_item)),
                      gtk_list_item_get_item (list_item));
}

static void
unbind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, StLayerList *self)
{
  st_layer_card_unbind (ST_LAYER_CARD (gtk_list_item_get_child (list_item)));
}

/* ---- public ---------------------------------------------------------------------------- */

GListModel *
st_layer_list_get_model (StLayerList *self)
{
  g_return_val_if_fail (ST_IS_LAYER_LIST (self), NULL);
  return G_LIST_MODEL (self->store);
}

StLayerItem *
st_layer_list_get_selected (StLayerList *self)
{
  g_return_val_if_fail (ST_IS_LAYER_LIST (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

void
st_layer_list_select_node (StLayerList *self, const StNode *node)
{
  guint n;

  g_return_if_fail (ST_IS_LAYER_LIST (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (StLayerItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (st_layer_item_get_node (item) == node)
        {
          st_layer_list_select_row (self, i);
          return;
        }
    }
}

void
st_layer_list_select_row (StLayerList *self, guint position)
{
  g_return_if_fail (ST_IS_LAYER_LIST (self));

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->store)))
    return;
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->view), "list.scroll-to-item", "u", position);
}

void
st_layer_list_insert_place (StLayerList *self, StNodePlace *place)
{
  StLayerItem *item;

  g_return_if_fail (ST_IS_LAYER_LIST (self));
  g_return_if_fail (place != NULL);

  item = st_layer_list_get_selected (self);
  place->seq = ((StSpec *) st_model_document_get_spec (self->document))->layers;
  place->index = place->seq->len;
  if (item == NULL)
    return;
  place->seq = st_layer_item_get_seq (item);
  switch (st_layer_item_get_kind (item))
    {
    case ST_ROW_INPUT:
      place->index = 0;
      break;
    case ST_ROW_SECTION:
      place->index = place->seq->len;
      break;
    case ST_ROW_LAYER:
    case ST_ROW_BLOCK:
      place->index = st_layer_item_get_index (item) + 1;
      break;
    }
}

static StLayerCard *
find_card_in (GtkWidget *widget, const char *path, const StInfer *infer)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (ST_IS_LAYER_CARD (child))
        {
          StLayerItem *item = st_layer_card_get_item (ST_LAYER_CARD (child));
          int row;

          if (item == NULL)
            continue;
          row = st_layer_item_get_info_row (item);
          if (st_layer_item_get_kind (item) == ST_ROW_INPUT && g_str_equal (path, "input"))
            return ST_LAYER_CARD (child);
          if (row >= 0 && (guint) row < infer->n_layers
              && g_str_equal (infer->layers[row].path, path))
            return ST_LAYER_CARD (child);
        }
      else
        {
          StLayerCard *found = find_card_in (child, path, infer);

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

StLayerCard *
st_layer_list_find_card (StLayerList *self, const char *path)
{
  g_return_val_if_fail (ST_IS_LAYER_LIST (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  return find_card_in (GTK_WIDGET (self->view), path, st_model_document_get_infer (self->document));
}

const char *
st_layer_list_get_totals (StLayerList *self)
{
  g_return_val_if_fail (ST_IS_LAYER_LIST (self), NULL);
  return gtk_label_get_text (self->totals);
}

/* ---- construction ---------------------------------------------------------------------- */

static void
selection_notify (StLayerList *self)
{
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
st_layer_list_dispose (GObject *object)
{
  StLayerList *self = ST_LAYER_LIST (object);

  if (self->document != NULL)
    g_clear_signal_handler (&self->changed_id, self->document);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (st_layer_list_parent_class)->dispose (object);
}

static void
st_layer_list_class_init (StLayerListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_layer_list_dispose;
  signals[SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
st_layer_list_init (StLayerList *self)
{
}

GtkWidget *
st_layer_list_new (StModelDocument *document)
{
  StLayerList *self;
  GtkListItemFactory *factory;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (document), NULL);

  self = g_object_new (ST_TYPE_LAYER_LIST, NULL);
  self->document = g_object_ref (document);
  self->store = g_list_store_new (ST_TYPE_LAYER_ITEM);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->store)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  g_signal_connect_swapped (self->selection, "notify::selected",
                            G_CALLBACK (selection_notify), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  self->view = GTK_LIST_VIEW (gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)),
                                                 factory));
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "navigation-sidebar");
  self->scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (self->scroller, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->view));
  gtk_box_append (GTK_BOX (self->box), self->scroller);

  self->totals = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->totals, TRUE);
  gtk_label_set_xalign (self->totals, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->totals), "totals");
  gtk_box_append (GTK_BOX (self->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->totals));

  self->changed_id = g_signal_connect_swapped (document, "changed",
                                               G_CALLBACK (document_changed), self);
  rebuild (self);
  return GTK_WIDGET (self);
}
