/* render-util.h: what the Cairo renderers share, internal to ui/ (not for other modules).
 *
 * The colour type and the named data colours, the text helpers (one sans-serif face chosen
 * in Cairo's state, text laid out and drawn by PangoCairo, placed by the alignment of its line
 * box), a few shapes, and a scratch context for measuring text without a surface.
 * Its first part is public (chart-render.h, grid-render.h and class-render.h include it):
 * the colour theme, the renderers' error domain and the PNG/SVG writer.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* ---- what every renderer shares -------------------------------------------------------- */

typedef enum {
  ST_THEME_LIGHT,
  ST_THEME_DARK,
} StTheme;

#define ST_RENDER_ERROR (st_render_error_quark ())
GQuark st_render_error_quark (void);

typedef enum {
  ST_RENDER_ERROR_FORMAT,       /* the file name ends neither in .png nor in .svg */
  ST_RENDER_ERROR_WRITE,        /* Cairo or the file system failed */
} StRenderError;

/* Draws one picture of width × height on cr. */
typedef void (*StRenderFunc) (cairo_t *cr, double width, double height, gconstpointer user_data);

/* Renders into a PNG or an SVG file, chosen by the extension (".png", ".svg", any case), and
 * writes it atomically. Errors name the path. */
gboolean st_render_save     (const char   *path,
                             int           width,
                             int           height,
                             StRenderFunc  func,
                             gconstpointer user_data,
                             GError      **error);

/* ---- internal to the renderers ---------------------------------------------------------- */

typedef struct {
  double r, g, b, a;
} StRgba;

/* matplotlib's tab:blue, tab:orange and tab:red: train curves and predictions, test curves,
 * mistakes and broken pixels */
extern const StRgba st_render_tab_blue;
extern const StRgba st_render_tab_orange;
extern const StRgba st_render_tab_red;
/* matplotlib's ten category colours (tab10), for runs compared side by side */
extern const StRgba st_render_tab10[10];

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
