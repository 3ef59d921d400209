/* layer-card.h: the builder's card for one row — a layer's type and path, its arguments
 * editable in place, its output shape and parameter count, and its error on the card. */
#pragma once

#include <gtk/gtk.h>

#include "ui/layer-item.h"
#include "ui/model-document.h"

G_BEGIN_DECLS

#define ST_TYPE_LAYER_CARD (st_layer_card_get_type ())
G_DECLARE_FINAL_TYPE (StLayerCard, st_layer_card, ST, LAYER_CARD, GtkWidget)

GtkWidget   *st_layer_card_new            (StModelDocument *document);
void         st_layer_card_bind           (StLayerCard     *self,
                                           StLayerItem     *item);
void         st_layer_card_unbind         (StLayerCard     *self);
StLayerItem *st_layer_card_get_item       (StLayerCard     *self);

/* For tests and keyboard: the field of argument `id` (NULL if the layer has none), and
 * what the card shows. */
GtkEditable *st_layer_card_get_field      (StLayerCard     *self,
                                           StArgId          id);
/* The switch of boolean argument `id` (NULL if the layer has none). */
GtkSwitch   *st_layer_card_get_switch     (StLayerCard     *self,
                                           StArgId          id);
const char  *st_layer_card_get_shape_text (StLayerCard     *self);
/* The node's name as PyTorch prints it: "(8)". */
const char  *st_layer_card_get_path_text  (StLayerCard     *self);
const char  *st_layer_card_get_error_text (StLayerCard     *self);

G_END_DECLS
