/* render-util.c: colours, text and saving, shared by the chart and the grid renderers.
 *
 * Text is laid out and drawn by PangoCairo, which falls back to a font that has the glyphs
 * (Cairo's toy text API draws Chinese as boxes), and needs no GTK or display: strata-cli and
 * the tests draw too. The font itself stays in Cairo's state (st_render_set_font selects a
 * toy face and a size), so cairo_save () and cairo_restore () keep and bring back the font as
 * before; each call reads it from there. Hinting of metrics is off, so that text measures the
 * same on the 1×1 scratch surface, an image, an SVG and the window.
 */
#define G_LOG_DOMAIN "strata-render"

#include "ui/render/render-util.h"

#include "core/io/atomic-file.h"
#include "core/io/i18n.h"

#include <cairo-svg.h>
#include <pango/pangocairo.h>
#include <string.h>

#define FONT_FAMILY "sans-serif"
/* Cairo's default size, for text drawn before any st_render_set_font () */
#define DEFAULT_SIZE 10.0

G_DEFINE_QUARK (st-render-error-quark, st_render_error)

const StRgba st_render_tab_blue = { 0x1f / 255.0, 0x77 / 255.0, 0xb4 / 255.0, 1.0 };
const StRgba st_render_tab_orange = { 0xff / 255.0, 0x7f / 255.0, 0x0e / 255.0, 1.0 };
const StRgba st_render_tab_red = { 0xd6 / 255.0, 0x27 / 255.0, 0x28 / 255.0, 1.0 };
const StRgba st_render_tab10[10] = {
  { 0x1f / 255.0, 0x77 / 255.0, 0xb4 / 255.0, 1.0 }, { 0xff / 255.0, 0x7f / 255.0, 0x0e / 255.0, 1.0 },
  { 0x2c / 255.0, 0xa0 / 255.0, 0x2c / 255.0, 1.0 }, { 0xd6 / 255.0, 0x27 / 255.0, 0x28 / 255.0, 1.0 },
  { 0x94 / 255.0, 0x67 / 255.0, 0xbd / 255.0, 1.0 }, { 0x8c / 255.0, 0x56 / 255.0, 0x4b / 255.0, 1.0 },
  { 0xe3 / 255.0, 0x77 / 255.0, 0xc2 / 255.0, 1.0 }, { 0x7f / 255.0, 0x7f / 255.0, 0x7f / 255.0, 1.0 },
  { 0xbc / 255.0, 0xbd / 255.0, 0x22 / 255.0, 1.0 }, { 0x17 / 255.0, 0xbe / 255.0, 0xcf / 255.0, 1.0 },
};

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

/* What text is laid out with, one per thread (PangoCairo's font map is per thread too) and
 * shared by every cairo_t drawn on there: a 1×1 scratch context made for one hit test costs
 * no new Pango context, and each font is measured once. */
typedef struct {
  PangoContext *context;
  PangoLayout  *layout;
  char         *font;      /* the layout's font description, as text */
  GHashTable   *metrics;   /* font → double[2]: ascent, descent */
  GHashTable   *widths;    /* font "\n" text → double: a hit test lays out again and again */
} TextCache;

/* widths kept before the cache starts afresh */
#define MAX_WIDTHS 8192

static void
text_cache_free (gpointer data)
{
  TextCache *tc = data;

  g_object_unref (tc->layout);
  g_object_unref (tc->context);
  g_free (tc->font);
  g_hash_table_unref (tc->metrics);
  g_hash_table_unref (tc->widths);
  g_free (tc);
}

static GPrivate text_cache_key = G_PRIVATE_INIT (text_cache_free);

/* The layout, set up for `cr` (its transformation, its surface's font options with hinting
 * of metrics off) and for the font st_render_set_font () left in Cairo's state; its text is
 * `text` when not NULL. */
static PangoLayout *
text_layout (cairo_t *cr, const char *text)
{
  TextCache *tc = g_private_get (&text_cache_key);
  cairo_font_face_t *face = cairo_get_font_face (cr);
  PangoFontDescription *desc = pango_font_description_new ();
  const PangoFontDescription *current;
  const char *family = NULL;
  cairo_matrix_t m;

  if (tc == NULL)
    {
      cairo_font_options_t *options = cairo_font_options_create ();

      tc = g_new0 (TextCache, 1);
      tc->context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
      cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
      pango_cairo_context_set_font_options (tc->context, options);
      pango_context_set_round_glyph_positions (tc->context, FALSE);
      cairo_font_options_destroy (options);
      tc->layout = pango_layout_new (tc->context);
      tc->metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      tc->widths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_private_set (&text_cache_key, tc);
    }
  pango_cairo_update_layout (cr, tc->layout);

  cairo_get_font_matrix (cr, &m);
  if (cairo_font_face_get_type (face) == CAIRO_FONT_TYPE_TOY)
    {
      family = cairo_toy_font_face_get_family (face);
      pango_font_description_set_weight (desc, cairo_toy_font_face_get_weight (face)
                                               == CAIRO_FONT_WEIGHT_BOLD
                                               ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    }
  pango_font_description_set_family (desc, family != NULL && family[0] != '\0' ? family
                                                                                : FONT_FAMILY);
  pango_font_description_set_absolute_size (desc, (m.xx > 0.0 ? m.xx : DEFAULT_SIZE)
                                                  * PANGO_SCALE);
  current = pango_layout_get_font_description (tc->layout);
  if (current == NULL || !pango_font_description_equal (desc, current))
    {
      pango_layout_set_font_description (tc->layout, desc);
      g_free (tc->font);
      tc->font = pango_font_description_to_string (desc);
    }
  pango_font_description_free (desc);
  if (text != NULL)
    pango_layout_set_text (tc->layout, text, -1);
  return tc->layout;
}

/* The current font's ascent and descent (of the face fontconfig picks first for it), which
 * place and space the lines whatever fallback face a text needs. */
static void
font_metrics (cairo_t *cr, double *ascent, double *descent)
{
  PangoLayout *layout = text_layout (cr, NULL);
  TextCache *tc = g_private_get (&text_cache_key);
  double *known = g_hash_table_lookup (tc->metrics, tc->font);

  if (known == NULL)
    {
      PangoFontMetrics *metrics;

      metrics = pango_context_get_metrics (tc->context,
                                           pango_layout_get_font_description (layout), NULL);
      known = g_new (double, 2);
      known[0] = (double) pango_font_metrics_get_ascent (metrics) / PANGO_SCALE;
      known[1] = (double) pango_font_metrics_get_descent (metrics) / PANGO_SCALE;
      pango_font_metrics_unref (metrics);
      g_hash_table_insert (tc->metrics, g_strdup (tc->font), known);
    }
  *ascent = known[0];
  *descent = known[1];
}

double
st_render_text_width (cairo_t *cr, const char *text)
{
  PangoLayout *layout = text_layout (cr, NULL);
  TextCache *tc = g_private_get (&text_cache_key);
  g_autofree char *key = g_strconcat (tc->font, "\n", text, NULL);
  double *known = g_hash_table_lookup (tc->widths, key);
  PangoRectangle logical;

  if (known != NULL)
    return *known;
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_extents (layout, NULL, &logical);
  if (g_hash_table_size (tc->widths) >= MAX_WIDTHS)
    g_hash_table_remove_all (tc->widths);
  known = g_new (double, 1);
  *known = (double) logical.width / PANGO_SCALE;
  g_hash_table_insert (tc->widths, g_steal_pointer (&key), known);
  return *known;
}

double
st_render_line_height (cairo_t *cr)
{
  double ascent, descent;

  font_metrics (cr, &ascent, &descent);
  return ascent + descent;
}

void
st_render_text_at (cairo_t    *cr,
                   const char *text,
                   double      x,
                   double      y,
                   double      xalign,
                   double      yalign)
{
  PangoLayout *layout;
  PangoRectangle logical;
  double ascent, descent, baseline;

  font_metrics (cr, &ascent, &descent);
  baseline = y - yalign * (ascent + descent) + ascent;
  layout = text_layout (cr, text);
  pango_layout_get_extents (layout, NULL, &logical);
  cairo_move_to (cr, x - xalign * logical.width / PANGO_SCALE,
                 baseline - (double) pango_layout_get_baseline (layout) / PANGO_SCALE);
  pango_cairo_show_layout (cr, layout);
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
                   _("Cannot save “%s”: the file name must end in .png or .svg"), path);
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
                   _("Cannot render “%s”: %s"), path, cairo_status_to_string (status));
      return FALSE;
    }
  /* through the atomic file: links followed, special files refused, the mode kept */
  if (!st_atomic_file_set_contents (path, bytes->data, bytes->len, 0666, &local_error))
    {
      g_set_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE,
                   _("Cannot save “%s”: %s"), path, local_error->message);
      return FALSE;
    }
  return TRUE;
}
