/* render-util.h: what the Cairo renderers share, internal to ui/ (not for other modules).
 *
 * The colour type and the named data colours, the text helpers (one sans-serif face chosen
 * in Cairo's state, text laid out and drawn by PangoCairo, placed by the alignment of its line
 * box), a few shapes, and a scratch context for measuring text without a surface.
 * st_render_save() itself is public and declared in chart-render.h; it is defined in
 * render-util.c.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double r, g, b, a;
} StRgba;

/* matplotlib's tab:blue, tab:orange and tab:red: train curves and predictions, test curves,
 * mistakes and broken pixels */
extern const StRgba st_render_tab_blue;
extern const StRgba st_render_tab_orange;
extern const StRgba st_render_tab_red;

/* Sets c as the source, its alpha multiplied by alpha. */
void    st_render_set_rgba       (cairo_t      *cr,
                                  const StRgba *c,
                                  double        alpha);

void    st_render_set_font       (cairo_t             *cr,
                                  double               size,
                                  cairo_font_weight_t  weight);
double  st_render_text_width     (cairo_t    *cr,
                                  const char *text);
/* Ascent plus descent of the current font. */
double  st_render_line_height    (cairo_t *cr);
/* Draws text so that the point (x, y) falls at (xalign, yalign) of its line box. */
void    st_render_text_at        (cairo_t    *cr,
                                  const char *text,
                                  double      x,
                                  double      y,
                                  double      xalign,
                                  double      yalign);
/* The text, shortened with "…" until it fits max_width in the current font. */
char   *st_render_ellipsize      (cairo_t    *cr,
                                  const char *text,
                                  double      max_width);

/* Adds a closed sub-path: the rectangle with corners of radius r. */
void    st_render_rounded_rect   (cairo_t *cr,
                                  double   x,
                                  double   y,
                                  double   w,
                                  double   h,
                                  double   r);

/* A context on a 1×1 image surface, for layouts that hit tests compute without drawing (they
 * depend on text metrics). Free it with cairo_destroy(). */
cairo_t *st_render_scratch_context (void);

G_END_DECLS
