/* layer-palette.h: the layer types and blocks a model is built from, grouped as a course
 * introduces them. A click adds one after the selected layer (win.add-layer); a drag drops
 * one where it is let go. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ST_TYPE_LAYER_PALETTE (st_layer_palette_get_type ())
G_DECLARE_FINAL_TYPE (StLayerPalette, st_layer_palette, ST, LAYER_PALETTE, GtkWidget)

GtkWidget *st_layer_palette_new (void);

G_END_DECLS
