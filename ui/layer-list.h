/* layer-list.h: the layer stack — the model as a list of cards, nested blocks indented,
 * with the totals at its foot. Rows are recycled, so a model of thousands of layers
 * scrolls without building thousands of cards. */
#pragma once

#include <gtk/gtk.h>

#include "ui/layer-card.h"
#include "ui/model-document.h"

G_BEGIN_DECLS

#define ST_TYPE_LAYER_LIST (st_layer_list_get_type ())
G_DECLARE_FINAL_TYPE (StLayerList, st_layer_list, ST, LAYER_LIST, GtkWidget)

GtkWidget   *st_layer_list_new           (StModelDocument *document);
GListModel  *st_layer_list_get_model     (StLayerList     *self);
StLayerItem *st_layer_list_get_selected  (StLayerList     *self);
void         st_layer_list_select_node   (StLayerList     *self,
                                          const StNode    *node);
void         st_layer_list_select_row    (StLayerList     *self,
                                          guint            position);
/* Where a layer added from the palette goes: after the selected layer or block, at the end
 * of a selected branch, else at the end of the model. */
void         st_layer_list_insert_place  (StLayerList     *self,
                                          StNodePlace     *place);
/* The card showing the layer at `path` ("0", "5.branches.1.0"), or "input"; NULL when it
 * is not on screen. */
StLayerCard *st_layer_list_find_card     (StLayerList     *self,
                                          const char      *path);
const char  *st_layer_list_get_totals    (StLayerList     *self);

G_END_DECLS
