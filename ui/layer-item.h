/* layer-item.h: one row of the builder's list — the input, a layer, a block, or a block's
 * section (a Concat branch, a Residual body or shortcut).
 *
 * The list is the spec flattened in pre-order, as st_spec_infer() numbers its rows, with a
 * section row before the contents of each branch. An item borrows its node and sequence
 * from the document's spec; both are valid until the document's next structural change,
 * when the list is rebuilt. The displayed facts (shape, parameters, error) are properties,
 * so a card bound to the item follows edits without being rebuilt.
 */
#pragma once

#include <glib-object.h>

#include "core/model/infer.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

typedef enum {
  ST_ROW_INPUT,
  ST_ROW_LAYER,
  ST_ROW_BLOCK,
  ST_ROW_SECTION,
} StRowKind;

#define ST_TYPE_LAYER_ITEM (st_layer_item_get_type ())
G_DECLARE_FINAL_TYPE (StLayerItem, st_layer_item, ST, LAYER_ITEM, GObject)

/* node: the layer or block (NULL for input and sections); seq and index: where the node
 * is, or for a section the sequence it heads; info_row: the node's row in the inference. */
StLayerItem *st_layer_item_new          (StRowKind     kind,
                                         StNode       *node,
                                         GPtrArray    *seq,
                                         guint         index,
                                         int           depth,
                                         const char   *section_title,
                                         int           info_row);

/* For a section row: the block whose branch, body or shortcut it heads. */
void         st_layer_item_set_block    (StLayerItem *self,
                                         StNode      *block);

StRowKind    st_layer_item_get_kind     (StLayerItem *self);
StNode      *st_layer_item_get_node     (StLayerItem *self);
StNode      *st_layer_item_get_block    (StLayerItem *self);
GPtrArray   *st_layer_item_get_seq      (StLayerItem *self);
guint        st_layer_item_get_index    (StLayerItem *self);
int          st_layer_item_get_depth    (StLayerItem *self);
int          st_layer_item_get_info_row (StLayerItem *self);
const char  *st_layer_item_get_title    (StLayerItem *self);
/* The node's name in the model as PyTorch prints it, "(8)" or "(3.body.2)"; NULL before an
 * inference reached it. */
const char  *st_layer_item_get_path     (StLayerItem *self);
/* torchsummary's name of the layer, "AvgPool2d-9" (1-based, in the order of the summary). */
const char  *st_layer_item_get_summary_name (StLayerItem *self);
const char  *st_layer_item_get_shape    (StLayerItem *self);
const char  *st_layer_item_get_params   (StLayerItem *self);
const char  *st_layer_item_get_error    (StLayerItem *self);
const char  *st_layer_item_get_error_arg (StLayerItem *self);

/* Takes the row's facts from a new inference; notifies only what changed. */
void         st_layer_item_refresh      (StLayerItem   *self,
                                         const StSpec  *spec,
                                         const StInfer *infer);

G_END_DECLS
