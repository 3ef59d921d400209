/* render-pixels.h: what the renderer tests share — a renderer drawn into an image surface
 * with no display, and the pixels read back: a colour at a point, a box of matching pixels,
 * the ink that is not background in a rectangle.
 */
#pragma once

#include <glib.h>

#include "ui/render/chart-render.h"

G_BEGIN_DECLS

typedef struct {
  cairo_surface_t *surface;
  const guint8    *data;
  int              width, height, stride;
} Pixels;

typedef struct {
  int r, g, b;
} Colour;

/* The extent of some pixels and how many there are. */
typedef struct {
  int left, top, right, bottom, n;
} Box;

/* `p` reads `surface`, which it then owns. */
void     pixels_init  (Pixels *p, cairo_surface_t *surface);
void     pixels_clear (Pixels *p);
/* The colour at (x, y). */
Colour   at           (const Pixels *p, int x, int y);
gboolean same         (Colour a, Colour b);
/* `func` drawn on a width × height ARGB32 surface, read into `p`. */
void     render       (Pixels *p, int width, int height, StRenderFunc func,
                       gconstpointer user_data);
/* How many pixels of [x0, x1) × [y0, y1) differ from the top-left pixel's colour. */
int      ink_in       (const Pixels *p, int x0, int y0, int x1, int y1);

G_END_DECLS
