/* scatter-render.h: a network's features as a 2-D scatter — one dot per test image at its
 * first two principal components, coloured by its class — with axes, ticks and a legend.
 * Classes that the network separates show as separate clouds.
 *
 * Each axis fits its own data range with a small margin (the aspect is not kept 1:1). Dots
 * are small translucent discs, so that dense regions read darker; they are drawn in index
 * order, the highlighted one last, larger and ringed. Class k takes matplotlib's tab10
 * colour k % 10; a label outside 0..n_classes-1 is drawn grey. A point with a non-finite
 * coordinate is neither drawn, nor counted in the ranges, nor hit.
 *
 * Plain Cairo, like the chart: a widget's snapshot, strata-cli's `--plot FILE.png` and the
 * tests draw it on any surface. The hit test and st_scatter_position() lay the picture out
 * exactly as the render does, so what they name is what is drawn at that pixel.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/render-util.h"

G_BEGIN_DECLS

typedef struct {
  float x, y;                   /* PC 1, PC 2; non-finite: not drawn */
  int   label;                  /* its class, 0..n_classes-1; outside: drawn grey */
} StScatterPoint;

typedef struct {
  const StScatterPoint *points;
  int                   n_points;
  int                   n_classes;
  const char *const    *class_names;  /* n_classes legend names, or NULL: "0", "1", … */
  const char           *title;        /* "Epoch 3 — features of layer 9 (84 values)", or NULL */
  const char           *x_label;      /* "PC 1 (31 % of variance)", or NULL */
  const char           *y_label;      /* or NULL */
  int                   highlight;    /* the index of a point drawn ringed and on top, or -1 */
} StScatter;

/* Draws s on width × height; without a drawable point, the frame and "No points yet". */
void     st_scatter_render   (cairo_t         *cr,
                              double           width,
                              double           height,
                              const StScatter *s,
                              StTheme          theme);
/* The point drawn nearest to (px, py) in a render of width × height, no farther than radius
 * pixels from it, or -1. Of points equally near, the one drawn on top wins. */
int      st_scatter_hit      (const StScatter *s,
                              double           width,
                              double           height,
                              double           px,
                              double           py,
                              double           radius);
/* Where point `index` is drawn in a render of width × height (its centre, in pixels); FALSE
 * when it is not drawn (a non-finite coordinate, an index out of range, a picture too small
 * for a plot). A widget places its hover box there. */
gboolean st_scatter_position (const StScatter *s,
                              double           width,
                              double           height,
                              int              index,
                              double          *px,
                              double          *py);
/* PNG or SVG by the extension, in the light theme; see st_render_save(). */
gboolean st_scatter_save     (const char      *path,
                              int              width,
                              int              height,
                              const StScatter *s,
                              GError         **error);

G_END_DECLS
