/* layer-list.c: the spec flattened into rows, recycled cards, drag to reorder, totals. */
#define G_LOG_DOMAIN "strata-builder"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "ui/layer-list.h"
#include "core/model/layer-types.h"
#include "core/model/summary.h"

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
  char               *refocus_path;  /* the layer whose field had the focus ("(3)"), or NULL */
  int                 refocus_arg;   /* that field, or ST_LAYER_CARD_NO_FIELD: the row */
  guint               refocus_tick;
  int                 refocus_tries;
  StLayerItem        *line_item;     /* the row a drag's insertion line is drawn at (in store) */
  StDropLine          line;
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
add_section (Flatten *f, StNode *block, GPtrArray *seq, int depth, const char *title)
{
  StLayerItem *item = st_layer_item_new (ST_ROW_SECTION, NULL, seq, 0, depth, title, -1);

  st_layer_item_set_block (item, block);
  g_ptr_array_add (f->items, item);
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

            add_section (f, node, g_ptr_array_index (node->branches, b), depth + 1, title);
          }
      if (node->body != NULL)
        add_section (f, node, node->body, depth + 1, _("Body"));
      if (node->shortcut != NULL)
        add_section (f, node, node->shortcut, depth + 1, _("Shortcut"));
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
  g_autofree char *total = st_format_thousands (infer->total_params);
  g_autofree char *trainable = st_format_thousands (infer->trainable_params);

  /* After an error, what is unknown counts as nothing: the figures are only a floor. */
  if (infer->partial)
    return g_strdup_printf (_("Parameters: at least %s (%s trainable) · Memory: at least %.2f MB"
                              " · Multiply-adds: at least %.2f M · %s"),
                            total, trainable, infer->total_mb, infer->total_macs / 1e6, errors);
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

/* The card on screen showing `item`, or the layer at `path` ("(3)"; NULL: the input). */
static StLayerCard *
card_showing (StLayerList *self, StLayerItem *item, const char *path)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->view)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *child = gtk_widget_get_first_child (row);
      StLayerItem *shown;

      if (child == NULL || !ST_IS_LAYER_CARD (child) || !gtk_widget_get_child_visible (row))
        continue;
      shown = st_layer_card_get_item (ST_LAYER_CARD (child));
      if (shown == NULL)
        continue;
      if (item != NULL ? shown == item
                       : path != NULL ? g_strcmp0 (st_layer_item_get_path (shown), path) == 0
                                      : st_layer_item_get_kind (shown) == ST_ROW_INPUT)
        return ST_LAYER_CARD (child);
    }
  return NULL;
}

/* After a rebuild, the focus goes back to the field that had it (undo from a field) or to
 * the selected row: never to a row that shows another layer than the selected one. Cards
 * are bound once the list lays itself out, so this waits for a frame or a few. */
static gboolean
give_focus_back (GtkWidget *view, GdkFrameClock *clock, gpointer data)
{
  StLayerList *self = data;
  StLayerItem *selected = gtk_single_selection_get_selected_item (self->selection);
  StLayerCard *target = NULL;
  gboolean done = FALSE;

  if (self->refocus_arg != ST_LAYER_CARD_NO_FIELD)
    {
      target = card_showing (self, NULL, self->refocus_path);
      done = target != NULL && st_layer_card_focus_arg (target, self->refocus_arg);
    }
  if (!done && selected != NULL && (target = card_showing (self, selected, NULL)) != NULL)
    done = gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (target)));
  if (!done && ++self->refocus_tries < 10)
    return G_SOURCE_CONTINUE;
  self->refocus_tick = 0;
  return G_SOURCE_REMOVE;
}

/* Notes where the focus is in the list, before the rows it is in go. */
static void
note_focus (StLayerList *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *card;
  StLayerItem *item;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->view)))
    return;
  card = gtk_widget_get_ancestor (focus, ST_TYPE_LAYER_CARD);
  item = card != NULL ? st_layer_card_get_item (ST_LAYER_CARD (card)) : NULL;
  g_clear_pointer (&self->refocus_path, g_free);
  self->refocus_arg = item != NULL ? st_layer_card_get_focus_arg (ST_LAYER_CARD (card))
                                   : ST_LAYER_CARD_NO_FIELD;
  self->refocus_path = item != NULL ? g_strdup (st_layer_item_get_path (item)) : NULL;
  self->refocus_tries = 0;
  if (self->refocus_tick == 0)
    self->refocus_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->view), give_focus_back,
                                                       self, NULL);
}

static void show_line (StLayerList *self, StLayerItem *item, StDropLine line);

/* The row to select after a rebuild: the node that was selected, if it is still in the model;
 * else the row now at its place (after a delete, the layer that took the deleted one's). */
static guint
row_to_select (GPtrArray *items, StNode *was, guint old_position)
{
  if (old_position == GTK_INVALID_LIST_POSITION || items->len == 0)
    return GTK_INVALID_LIST_POSITION;
  for (guint i = 0; was != NULL && i < items->len; i++)
    if (st_layer_item_get_node (g_ptr_array_index (items, i)) == was)
      return i;
  return MIN (old_position, items->len - 1);
}

static void
rebuild (StLayerList *self)
{
  StSpec *spec = (StSpec *) st_model_document_get_spec (self->document);
  Flatten f = { g_ptr_array_new_with_free_func (g_object_unref),
                st_model_document_get_infer (self->document), 0 };
  guint old_selected = gtk_single_selection_get_selected (self->selection);
  StLayerItem *was = gtk_single_selection_get_selected_item (self->selection);
  /* Only compared: a node removed from the model is gone, but no node made since is at its
   * address while the ones before it live (undo keeps them in its history). */
  StNode *was_node = was != NULL ? st_layer_item_get_node (was) : NULL;
  guint select;

  note_focus (self);
  show_line (self, NULL, ST_DROP_LINE_NONE);
  g_ptr_array_add (f.items, st_layer_item_new (ST_ROW_INPUT, NULL, spec->layers, 0, 0, NULL, -1));
  flatten_seq (&f, spec->layers, 0);
  /* Facts first, so the cards bound by the splice show them at once. */
  for (guint i = 0; i < f.items->len; i++)
    st_layer_item_refresh (g_ptr_array_index (f.items, i), spec, f.infer);
  select = row_to_select (f.items, was_node, old_selected);
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       f.items->pdata, f.items->len);
  if (select != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (self->selection, select);
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

/* The last row of a block's contents (the block's own when it holds nothing). */
static StLayerItem *
last_row_of (StLayerList *self, StLayerItem *block)
{
  GListModel *rows = G_LIST_MODEL (self->store);
  StLayerItem *last = block;
  guint at, n = g_list_model_get_n_items (rows);

  if (!g_list_store_find (self->store, block, &at))
    return block;
  for (guint i = at + 1; i < n; i++)
    {
      g_autoptr (StLayerItem) row = g_list_model_get_item (rows, i);

      if (st_layer_item_get_depth (row) <= st_layer_item_get_depth (block))
        break;
      last = row;                   /* the store keeps it */
    }
  return last;
}

/* Where a drop at height y of the card of `over` lands, and the line that shows it: on the
 * upper half of a layer, before it; on the lower half, after it (after a block's contents);
 * on the input or a section's header, at the top of what it heads. */
static void
drop_spot (StLayerList *self, StLayerItem *over, double y, double height, StNodePlace *place,
           StLayerItem **line_item, StDropLine *line)
{
  place_before (over, place);
  *line_item = over;
  *line = ST_DROP_LINE_BELOW;
  if (st_layer_item_get_node (over) == NULL)
    return;
  if (y <= height / 2.0)
    {
      *line = ST_DROP_LINE_ABOVE;
      return;
    }
  place->index++;
  if (st_layer_item_get_kind (over) == ST_ROW_BLOCK)
    *line_item = last_row_of (self, over);
}

static void
show_line (StLayerList *self, StLayerItem *item, StDropLine line)
{
  StLayerCard *card;

  if (item == self->line_item && line == self->line)
    return;
  if (self->line_item != NULL && (card = card_showing (self, self->line_item, NULL)) != NULL)
    st_layer_card_set_drop_line (card, ST_DROP_LINE_NONE);
  self->line_item = line != ST_DROP_LINE_NONE ? item : NULL;
  self->line = self->line_item != NULL ? line : ST_DROP_LINE_NONE;
  if (self->line_item != NULL && (card = card_showing (self, self->line_item, NULL)) != NULL)
    st_layer_card_set_drop_line (card, self->line);
}

/* The layer a drag from this list carries, or NULL (a drag from the palette). */
static StLayerItem *
dragged_item (GtkDropTarget *target)
{
  GdkDrop *drop = gtk_drop_target_get_current_drop (target);
  GdkDrag *drag = drop != NULL ? gdk_drop_get_drag (drop) : NULL;
  g_auto (GValue) value = G_VALUE_INIT;

  if (drag == NULL)
    return NULL;
  g_value_init (&value, ST_TYPE_LAYER_ITEM);
  if (!gdk_content_provider_get_value (gdk_drag_get_content (drag), &value, NULL))
    return NULL;
  return g_value_get_object (&value);      /* the store keeps it */
}

static GdkDragAction
card_motion (GtkDropTarget *target, double x, double y, StLayerList *self)
{
  GtkWidget *card = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  StLayerItem *over = st_layer_card_get_item (ST_LAYER_CARD (card));
  StLayerItem *dragged = dragged_item (target);
  StLayerItem *line_item;
  StDropLine line;
  StNodePlace place;

  if (over == NULL || dragged == over)
    {
      show_line (self, NULL, ST_DROP_LINE_NONE);
      return 0;
    }
  drop_spot (self, over, y, gtk_widget_get_height (card), &place, &line_item, &line);
  show_line (self, line_item, line);
  return dragged != NULL ? GDK_ACTION_MOVE : GDK_ACTION_COPY;
}

static void
card_leave (GtkDropTarget *target, StLayerList *self)
{
  show_line (self, NULL, ST_DROP_LINE_NONE);
}

static gboolean
card_drop (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  StLayerCard *card = ST_LAYER_CARD (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)));
  StLayerList *self = user_data;
  StLayerItem *over = st_layer_card_get_item (card);
  StLayerItem *line_item;
  StDropLine line;
  Drop *d;

  show_line (self, NULL, ST_DROP_LINE_NONE);
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
  drop_spot (self, over, y, gtk_widget_get_height (GTK_WIDGET (card)), &d->place, &line_item,
             &line);
  g_idle_add (apply_drop, d);
  return TRUE;
}

/* The drag shows the card itself, held where it was picked up. */
static GdkContentProvider *
card_drag_prepare (GtkDragSource *source, double x, double y, gpointer user_data)
{
  StLayerCard *card = ST_LAYER_CARD (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source)));
  StLayerItem *item = st_layer_card_get_item (card);
  g_autoptr (GdkPaintable) icon = NULL;

  if (item == NULL || st_layer_item_get_node (item) == NULL)
    return NULL;
  icon = st_layer_card_snapshot_icon (card);
  gtk_drag_source_set_icon (source, icon, (int) x, (int) y);
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
  g_signal_connect (target, "motion", G_CALLBACK (card_motion), self);
  g_signal_connect (target, "leave", G_CALLBACK (card_leave), self);
  g_signal_connect (target, "drop", G_CALLBACK (card_drop), self);
  gtk_widget_add_controller (card, GTK_EVENT_CONTROLLER (target));
  gtk_list_item_set_child (list_item, card);
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item, StLayerList *self)
{
  StLayerCard *card = ST_LAYER_CARD (gtk_list_item_get_child (list_item));

  st_layer_card_bind (card, gtk_list_item_get_item (list_item));
  /* A card recycled during a drag takes the line if its new row has it. */
  if (self->line_item != NULL && gtk_list_item_get_item (list_item) == self->line_item)
    st_layer_card_set_drop_line (card, self->line);
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
  if (self->refocus_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->view), self->refocus_tick);
  self->refocus_tick = 0;
  g_clear_pointer (&self->refocus_path, g_free);
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

static void
add_shortcut (GtkEventController *keys, guint keyval, GdkModifierType mods, const char *action)
{
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (keyval, mods),
                                                          gtk_named_action_new (action)));
}

GtkWidget *
st_layer_list_new (StModelDocument *document)
{
  StLayerList *self;
  GtkListItemFactory *factory;
  GtkEventController *history_keys;

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

  /* In a card's field, Ctrl+Z and Ctrl+Shift+Z are the model's, before the field's own. */
  history_keys = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (history_keys, GTK_PHASE_CAPTURE);
  add_shortcut (history_keys, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo");
  add_shortcut (history_keys, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo");
  add_shortcut (history_keys, GDK_KEY_y, GDK_CONTROL_MASK, "win.redo");
  gtk_widget_add_controller (GTK_WIDGET (self), history_keys);

  self->changed_id = g_signal_connect_swapped (document, "changed",
                                               G_CALLBACK (document_changed), self);
  rebuild (self);
  return GTK_WIDGET (self);
}
