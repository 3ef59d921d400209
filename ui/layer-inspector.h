/* layer-inspector.h: every layer's output for one image, and how any value of it was
 * computed.
 *
 * A list of the model's layers — all of them, those inside Concat branches and Residual
 * bodies too — and, for the one chosen, its output for the image the Activations page shows:
 * a grid of maps, or a strip of bars for a flat output, on one colour scale with its legend
 * (layer-render.h); a Conv2d's filters per input channel. Beside them, the breakdown of the
 * value selected (breakdown-render.h): a click on a value selects it, the arrow keys move to
 * the next position (Left and Right along the row, then on to the next row; Up and Down a
 * row; Page Up and Page Down a channel), so that the window slides over the input. When the
 * value feeds an activation, the breakdown ends with what the activation makes of it.
 *
 * Every number is the forward pass's own: the snapshot's StExplainPass, read by
 * core/engine/explain.h. Snapshots without one (a training run's) show a line saying so.
 */
#pragma once

#include <gtk/gtk.h>

#include "core/engine/explain.h"
#include "core/engine/snapshot.h"

G_BEGIN_DECLS

#define ST_TYPE_LAYER_INSPECTOR (st_layer_inspector_get_type ())
G_DECLARE_FINAL_TYPE (StLayerInspector, st_layer_inspector, ST, LAYER_INSPECTOR, GtkWidget)

GtkWidget       *st_layer_inspector_new            (void);
/* The forward pass to show: `snapshot`'s pass of `net`, both borrowed until the next call
 * (NULL, NULL: none). The layer and the position chosen stay where the net has them; a new
 * net starts at its first layer and position. */
void             st_layer_inspector_show           (StLayerInspector *self,
                                                    const StNet      *net,
                                                    const StSnapshot *snapshot);
/* Chooses the layer at `path` ("3", "5.branches.1.0"); FALSE when the net has none. */
gboolean         st_layer_inspector_select_layer   (StLayerInspector *self,
                                                    const char       *path);
/* The layer chosen, or NULL. */
const char      *st_layer_inspector_get_layer      (StLayerInspector *self);
/* Selects a position of the layer's output; FALSE when it has no such position. */
gboolean         st_layer_inspector_select         (StLayerInspector  *self,
                                                    const StExplainAt *at);
/* The breakdown shown, or NULL. */
const StExplain *st_layer_inspector_get_explain    (StLayerInspector *self);
/* What the value feeds: the following activation's breakdown, or NULL. */
const StExplain *st_layer_inspector_get_activation (StLayerInspector *self);
/* The area of the layer's output, and where value `at` is drawn in it (its centre); FALSE
 * when it is not drawn. For tests, as a pointer would find it. */
GtkWidget       *st_layer_inspector_get_output_area (StLayerInspector *self);
gboolean         st_layer_inspector_value_position (StLayerInspector  *self,
                                                    const StExplainAt *at,
                                                    double            *x,
                                                    double            *y);
/* The tooltip of the output area at (x, y) (its coordinates): the value under the pointer,
 * or NULL where there is none. Free with g_free(). */
char            *st_layer_inspector_tooltip_at     (StLayerInspector *self,
                                                    double            x,
                                                    double            y);
/* The breakdown as text (breakdown-render.h), or NULL. Free with g_free(). */
char            *st_layer_inspector_describe       (StLayerInspector *self);
/* Writes layer-output.png and breakdown.png (those there are) into `dir`. */
gboolean         st_layer_inspector_export         (StLayerInspector *self,
                                                    const char       *dir,
                                                    GError          **error);

G_END_DECLS
