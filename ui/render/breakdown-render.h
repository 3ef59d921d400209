/* breakdown-render.h: how one output value of a layer was computed (core/engine/explain.h),
 * drawn with plain Cairo — CNN Explainer's picture, for the person's own model.
 *
 * A Conv2d shows, per input channel, the channel's map with the receptive field lit (only the
 * cells the kernel taps, so dilation leaves gaps; padding drawn outside the map as dashed
 * cells of 0), the kernel slice's weights and the products as numbers, and the channel's sum;
 * then the channels' total and the bias. A Linear shows its largest contributions w·x as bars,
 * a pool its window with the maximum or the mean, an activation f(x) with a small plot of f,
 * BatchNorm2d its formula with the numbers, the rest a line each. When the value feeds an
 * activation, a last line says what it makes of it.
 *
 * Like the other renderers, it draws on any cairo_t (a widget's snapshot, a PNG or SVG file,
 * a test's image surface) and fills the whole width × height with the theme's background; a
 * picture taller than that is scaled down to fit. st_breakdown_height() says how tall it
 * wants to be at a width.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "core/engine/explain.h"
#include "ui/render/render-util.h"

G_BEGIN_DECLS

typedef struct {
  const StExplain *explain;     /* the value clicked */
  const float     *input;       /* the layer's first input for this example, shape
                                 * explain->in_shape ((C, H, W) or (F)); NULL: no maps drawn */
  const StExplain *activation;  /* NULL, or the breakdown at the same position of the
                                 * activation layer that follows (ReLU, Sigmoid, …) */
} StBreakdown;

typedef struct {
  StTheme theme;
  int     max_channels;         /* Conv2d: input channels drawn in full; the rest summed in
                                 * one line */
} StBreakdownOptions;

/* Defaults: light, 6 channels. */
void     st_breakdown_options_init    (StBreakdownOptions *options);

/* options may be NULL for the defaults. */
void     st_breakdown_render          (cairo_t                  *cr,
                                       double                    width,
                                       double                    height,
                                       const StBreakdown        *breakdown,
                                       const StBreakdownOptions *options);
/* The height the picture wants at this width (a widget sizes its drawing area with it). */
double   st_breakdown_height          (double                    width,
                                       const StBreakdown        *breakdown,
                                       const StBreakdownOptions *options);
/* Where the picture st_breakdown_render() draws at width × height puts the cell (row, col) of
 * input channel `channel`: a Conv2d's channel drawn in full, a pool's own channel. The cell
 * may lie in the padding (row or col outside the map), drawn around the map where the window
 * reaches it. FALSE when no such cell is drawn (no input, no map for this kind, a channel
 * summed in the last line, a padding cell beyond the window's reach). */
gboolean st_breakdown_input_cell_rect (double                    width,
                                       double                    height,
                                       const StBreakdown        *breakdown,
                                       const StBreakdownOptions *options,
                                       gint64                    channel,
                                       gint64                    row,
                                       gint64                    col,
                                       cairo_rectangle_t        *rect);
/* PNG or SVG by the extension; see st_render_save(). */
gboolean st_breakdown_save            (const char               *path,
                                       int                       width,
                                       int                       height,
                                       const StBreakdown        *breakdown,
                                       const StBreakdownOptions *options,
                                       GError                  **error);
/* The same breakdown as text, one line per part (the header, each channel's inputs, weights,
 * products and sum, the total, the activation…), for the accessible description; Conv2d's
 * channels capped as the default options cap them. Free with g_free(). */
char    *st_breakdown_to_text         (const StBreakdown        *breakdown);

G_END_DECLS
