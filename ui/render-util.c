/* render-util.c: colours, text and saving, shared by the chart and the grid renderers.
 *
 * Text uses Cairo's own toy font API (no Pango), so the renderers need nothing beyond Cairo:
 * strata-cli and the tests draw without GTK or a display.
 */
#define G_LOG_DOMAIN "strata-render"

#include "ui/render-util.h"

#include "core/atomic-file.h"

#include "ui/chart-render.h"

#include <cairo-svg.h>
#include <string.h>

#define FONT_FAMILY "sans-serif"

G_DEFINE_QUARK (st-render-error-quark, st_render_error)

const StRgba st_render_tab_blue = { 0x1f / 255.0, 0x77 / 255.0, 0xb4 / 255.0, 1.0 };
const StRgba st_render_tab_orange = { 0xff / 255.0, 0x7f / 255.0, 0x0e / 255.0, 1.0 };
const StRgba st_render_tab_red = { 0xd6 / 255.0, 0x27 / 255.0, 0x28 / 255.0, 1.0 };

void
st_render_set_rgba (cairo_t *cr, const StRgba *c, double alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, c->a * alpha);
}

/* ---- text --------------------------------------------------------------------------------- */

void
st_render_set_font (cairo_t *cr, double size, cairo_font_weight_t weight)
{
  cairo_select_font_face (cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, weight);
  cairo_set_font_size (cr, size);
}

double
st_render_text_width (cairo_t *cr, const char *text)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  return ext.x_advance;
}

double
st_render_line_height (cairo_t *cr)
{
  cairo_font_extents_t fe;

  cairo_font_extents (cr, &fe);
  return fe.ascent + fe.descent;
}

void
st_render_text_at (cairo_t    *cr,
                   const char *text,
                   double      x,
                   double      y,
                   double      xalign,
                   double      yalign)
{
  cairo_font_extents_t fe;

  cairo_font_extents (cr, &fe);
  cairo_move_to (cr, x - xalign * st_render_text_width (cr, text),
                 y - yalign * (fe.ascent + fe.descent) + fe.ascent);
  cairo_show_text (cr, text);
}

char *
st_render_ellipsize (cairo_t *cr, const char *text, double max_width)
{
  g_autofree char *copy = g_strdup (text);
  char *end;

  if (st_render_text_width (cr, text) <= max_width)
    return g_steal_pointer (&copy);
  end = copy + strlen (copy);
  while (end > copy)
    {
      g_autofree char *candidate = NULL;

      end = g_utf8_find_prev_char (copy, end);
      if (end == NULL)
        break;
      *end = '\0';
      candidate = g_strconcat (copy, "…", NULL);
      if (st_render_text_width (cr, candidate) <= max_width)
        return g_steal_pointer (&candidate);
    }
  return g_strdup ("…");
}

/* ---- shapes, scratch ---------------------------------------------------------------------- */

void
st_render_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

cairo_t *
st_render_scratch_context (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  return cr;
}

/* ---- saving ------------------------------------------------------------------------------- */

static cairo_status_t
append_bytes (void *closure, const unsigned char *bytes, unsigned int length)
{
  g_byte_array_append (closure, bytes, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
st_render_save (const char   *path,
                int           width,
                int           height,
                StRenderFunc  func,
                gconstpointer user_data,
                GError      **error)
{
  g_autofree char *lower = NULL;
  g_autoptr(GByteArray) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  gboolean png;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".png"))
    png = TRUE;
  else if (g_str_has_suffix (lower, ".svg"))
    png = FALSE;
  else
    {
      g_set_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_FORMAT,
                   "Cannot save “%s”: the file name must end in .png or .svg", path);
      return FALSE;
    }

  bytes = g_byte_array_new ();
  if (png)
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  else
    surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);

  cr = cairo_create (surface);
  func (cr, width, height, user_data);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS && png)
    status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE,
                   "Cannot render “%s”: %s", path, cairo_status_to_string (status));
      return FALSE;
    }
  /* through the atomic file: links followed, special files refused, the mode kept */
  if (!st_atomic_file_set_contents (path, bytes->data, bytes->len, 0666, &local_error))
    {
      g_set_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE,
                   "Cannot save “%s”: %s", path, local_error->message);
      return FALSE;
    }
  return TRUE;
}
