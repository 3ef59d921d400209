/* layer-render.h: any layer's output for one image, and a convolution's filters, drawn with
 * plain Cairo on one colour scale with its legend.
 *
 * A map output (rank 3, (C, H, W)) is a near-square grid of its C maps, each map's values
 * crisp squares, the channel's number under its tile when there is room. A flat output (rank
 * 1, after Flatten or Linear) is a strip of vertical bars standing on a zero line: up for a
 * positive value, down for a negative one. A convolution's weight (OC, IC, KH, KW) is a grid
 * of its kernels, a row per output channel and a column per input channel.
 *
 * One scale colours everything in a picture, so that the legend means one thing: diverging
 * (blue below 0, near-white at 0, red above) when the values have both signs, else
 * sequential (viridis) from their minimum to their maximum. NaN and ±Inf are magenta, are
 * counted in the legend and disturb no range.
 *
 * Positions are those of core/engine/explain.h: (c, row, col) in a map output, (c) — the
 * index — in a flat one. The hit tests and st_layer_output_cell_rect() lay the picture out as
 * the render does, so what they name is what is drawn at that pixel. Like the other
 * renderers, each fills the whole width × height with the theme's background, draws nothing
 * outside it, and has a save helper that writes PNG or SVG by the file's extension
 * (st_render_save() in render-util.h).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/render-util.h"

G_BEGIN_DECLS

/* A borrowed layer output for one example. rank 3: (C, H, W) maps; rank 1: `channels`
 * values, height = width = 1. */
typedef struct {
  const float *data;
  int          rank;
  int          channels, height, width;
} StLayerOutput;

typedef enum {
  ST_SCALE_SEQUENTIAL,          /* viridis over lo..hi */
  ST_SCALE_DIVERGING,           /* blue (lo = -m) – white (0) – red (hi = m) */
} StScaleKind;

typedef struct {
  StScaleKind kind;
  double      lo, hi;           /* lo < hi */
  int         n_nonfinite;      /* NaN and ±Inf values, which take no part in lo..hi */
} StColourScale;

/* The scale for these n values: DIVERGING, symmetric around 0 (lo = -m, hi = m, m = max |v|),
 * when finite values of both signs are present; else SEQUENTIAL over min..max. Values that
 * are all equal get a range of width 1 around them; no finite value at all, [0, 1]. */
void     st_colour_scale_for (const float   *data,
                              gsize          n,
                              StColourScale *scale);
/* The colour of v on the scale, r, g, b in 0..1; values outside lo..hi take the end's
 * colour, NaN and ±Inf magenta. */
void     st_colour_scale_rgb (const StColourScale *scale,
                              double               v,
                              double               rgb[3]);

typedef struct {
  StTheme     theme;
  const char *title;            /* NULL: none */
  gboolean    legend;           /* the colour bar (lo, 0 when diverging, hi) and "min … max";
                                 * dropped where it would leave the values less height than
                                 * twice its own */
  gboolean    has_selection;    /* mark the selected position */
  int         sel_c, sel_y, sel_x;      /* rank 1: sel_c only; filters: sel_c, a row */
  gboolean    selection_hidden; /* TRUE: draw no selection even with has_selection */
  int         max_rows;         /* filters: output channels drawn at most */
  int         max_cols;         /* filters: input channels drawn at most */
} StLayerRenderOptions;

/* Defaults: light, no title, a legend, no selection, filters capped at 16 × 16. */
void     st_layer_render_options_init (StLayerRenderOptions *o);

/* ---- a layer's output -------------------------------------------------------------------- */

/* Maps are tiles of H × W squares of at least 1 pixel where they fit (whole pixels from 2
 * up), smaller when they do not; a tile under 3 pixels a value, or too narrow for its number,
 * drops the numbers. The selected value is ringed black and white and its tile's frame drawn
 * strong.
 *
 * Bars: each index has a slot of the plot's width / n; up to 16 values also show their value.
 * When n exceeds the plot's pixel columns, each pixel column holds the indices whose slots
 * start in it and draws them all on top of each other: from the zero line up to their largest
 * value and down to their smallest, each part in the colour of that value. A non-finite value
 * is a magenta bar across the plot's whole height. o may be NULL for the defaults. */
void     st_layer_output_render    (cairo_t                    *cr,
                                    double                      width,
                                    double                      height,
                                    const StLayerOutput        *out,
                                    const StLayerRenderOptions *o);
/* The value under (x, y): TRUE, with its position (row = col = 0 for rank 1), else FALSE.
 * A map's value is hit on its square; an index on its whole slot, from the top of the plot to
 * its bottom (value texts included). In a pixel column that holds several indices, the hit is
 * the one whose bar ends nearest to y (the first of equals; only a column of non-finite
 * values answers with its first index). c, row and col may be NULL. */
gboolean st_layer_output_hit_test  (double                      width,
                                    double                      height,
                                    const StLayerOutput        *out,
                                    const StLayerRenderOptions *o,
                                    double                      x,
                                    double                      y,
                                    int                        *c,
                                    int                        *row,
                                    int                        *col);
/* Where value (c, row, col) is drawn, as x, y, width, height: a map's square, a bar from the
 * zero line to its value (the plot's height for a non-finite value; one pixel wide in a
 * column that holds several). FALSE when it is not drawn: a position outside the output, a
 * picture too small. */
gboolean st_layer_output_cell_rect (double                      width,
                                    double                      height,
                                    const StLayerOutput        *out,
                                    const StLayerRenderOptions *o,
                                    int                         c,
                                    int                         row,
                                    int                         col,
                                    double                      rect[4]);
gboolean st_layer_output_save      (const char                 *path,
                                    int                         width,
                                    int                         height,
                                    const StLayerOutput        *out,
                                    const StLayerRenderOptions *o,
                                    GError                    **error);

/* ---- a convolution's filters ------------------------------------------------------------- */

/* weight is (OC, IC, KH, KW), dims its four sizes. At most o->max_rows output channels and
 * o->max_cols input channels are drawn, the first ones, with "+N more" for the rest; the
 * diverging scale (symmetric around 0 even when every weight has one sign) and the legend
 * cover all weights. With a selection, row sel_c (the filters of output channel sel_c) is
 * framed. */
void     st_filters_render   (cairo_t                    *cr,
                              double                      width,
                              double                      height,
                              const float                *weight,
                              const gint64                dims[4],
                              const StLayerRenderOptions *o);
/* The kernel under (x, y): TRUE with its output and input channel, else FALSE. */
gboolean st_filters_hit_test (double                      width,
                              double                      height,
                              const float                *weight,
                              const gint64                dims[4],
                              const StLayerRenderOptions *o,
                              double                      x,
                              double                      y,
                              int                        *oc,
                              int                        *ic);
/* Where kernel (oc, ic) is drawn, as x, y, width, height; FALSE when it is not drawn (beyond
 * the caps, or a picture too small). */
gboolean st_filters_cell_rect (double                      width,
                               double                      height,
                               const float                *weight,
                               const gint64                dims[4],
                               const StLayerRenderOptions *o,
                               int                         oc,
                               int                         ic,
                               double                      rect[4]);
gboolean st_filters_save     (const char                 *path,
                              int                         width,
                              int                         height,
                              const float                *weight,
                              const gint64                dims[4],
                              const StLayerRenderOptions *o,
                              GError                    **error);

G_END_DECLS
