/* layer-card.h: the builder's card for one row — a layer's type and path, its arguments
 * editable in place, its output shape and parameter count, and its error on the card. */
#pragma once

#include <gtk/gtk.h>

#include "ui/layer-item.h"
#include "ui/model-document.h"

G_BEGIN_DECLS

#define ST_TYPE_LAYER_CARD (st_layer_card_get_type ())
G_DECLARE_FINAL_TYPE (StLayerCard, st_layer_card, ST, LAYER_CARD, GtkWidget)

/* Where a dragged layer would land, as a line along the card's top or bottom edge. */
typedef enum {
  ST_DROP_LINE_NONE,
  ST_DROP_LINE_ABOVE,
  ST_DROP_LINE_BELOW,
} StDropLine;

GtkWidget   *st_layer_card_new            (StModelDocument *document);
void         st_layer_card_bind           (StLayerCard     *self,
                                           StLayerItem     *item);
void         st_layer_card_unbind         (StLayerCard     *self);
StLayerItem *st_layer_card_get_item       (StLayerCard     *self);
void         st_layer_card_set_drop_line  (StLayerCard     *self,
                                           StDropLine       line);
StDropLine   st_layer_card_get_drop_line  (StLayerCard     *self);
/* A still picture of the card as it is on screen, for the icon of a drag. */
GdkPaintable *st_layer_card_snapshot_icon (StLayerCard     *self);

/* For tests and keyboard: the field of argument `id` (NULL if the layer has none), and
 * what the card shows. */
GtkEditable *st_layer_card_get_field      (StLayerCard     *self,
                                           StArgId          id);
/* The switch of boolean argument `id` (NULL if the layer has none). */
GtkSwitch   *st_layer_card_get_switch     (StLayerCard     *self,
                                           StArgId          id);
/* The argument whose field holds the keyboard focus: its id, -1 for the input's field, or
 * ST_LAYER_CARD_NO_FIELD. */
#define ST_LAYER_CARD_NO_FIELD (-2)
int          st_layer_card_get_focus_arg  (StLayerCard     *self);
/* Puts the focus at the end of that field's text; FALSE when the card has no such field. */
gboolean     st_layer_card_focus_arg      (StLayerCard     *self,
                                           int              id);
/* The button that deletes the layer, or on a section row removes its branch or shortcut. */
GtkWidget   *st_layer_card_get_remove_button (StLayerCard  *self);
const char  *st_layer_card_get_shape_text (StLayerCard     *self);
/* The node's name as PyTorch prints it: "(8)". */
const char  *st_layer_card_get_path_text  (StLayerCard     *self);
const char  *st_layer_card_get_error_text (StLayerCard     *self);

G_END_DECLS
