/* grid-render-private.h: what grid-render.c and class-render.c share, internal to ui/.
 *
 * The two palettes (light and dark) behind StGridOptions.theme, the margin every picture
 * keeps, the background-and-title prologue of each renderer and the closure the save helpers
 * hand to st_render_save(). All are defined in grid-render.c.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/grid-render.h"
#include "ui/render/render-util.h"

G_BEGIN_DECLS

#define ST_GRID_PAD 8.0         /* margin around each picture, and below its title */

typedef struct {
  StRgba background;
  StRgba text;
  StRgba text_dim;
  StRgba frame;                 /* around tiles, images and the confusion matrix */
  StRgba track;                 /* the empty part of a probability bar */
  StRgba bar;                   /* a probability bar that is not the prediction */
  StRgba cell_low;              /* confusion matrix: a share of 0 ... */
  StRgba cell_high;             /* ... and of 1 (ends of the ramp on the dark theme) */
} StGridPalette;

/* What a renderer's save helper passes through st_render_save() to its render callback. */
typedef struct {
  const void          *data;
  int                  n;       /* items, where the renderer takes a count */
  const StGridOptions *options;
} StGridSave;

const StGridPalette *st_grid_palette_for         (const StGridOptions *o);
/* matplotlib's viridis at t in 0 … 1 (clamped): the colour of every sequential scale. */
StRgba               st_viridis_at               (double               t);
/* options, or defaults filled by st_grid_options_init() when options is NULL. */
const StGridOptions *st_grid_options_or_defaults (const StGridOptions *options,
                                                  StGridOptions       *defaults);
/* Clips to width × height, paints the background and the title; returns the height the
 * title took (0 without one). */
double               st_grid_begin               (cairo_t             *cr,
                                                  double               width,
                                                  double               height,
                                                  const StGridOptions *o);

G_END_DECLS
