/* render-pixels.c: see render-pixels.h. */
#define G_LOG_DOMAIN "strata-test"

#include "render-pixels.h"

void
pixels_init (Pixels *p, cairo_surface_t *surface)
{
  cairo_surface_flush (surface);
  p->surface = surface;
  p->data = cairo_image_surface_get_data (surface);
  p->width = cairo_image_surface_get_width (surface);
  p->height = cairo_image_surface_get_height (surface);
  p->stride = cairo_image_surface_get_stride (surface);
}

void
pixels_clear (Pixels *p)
{
  g_clear_pointer (&p->surface, cairo_surface_destroy);
}

/* The renderers paint an opaque background, so premultiplication does not matter here. */
Colour
at (const Pixels *p, int x, int y)
{
  guint32 v = *(const guint32 *) (gconstpointer) (p->data + (gsize) y * p->stride + 4 * (gsize) x);

  return (Colour) { (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
}

gboolean
same (Colour a, Colour b)
{
  return a.r == b.r && a.g == b.g && a.b == b.b;
}

void
render (Pixels *p, int width, int height, StRenderFunc func, gconstpointer user_data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  func (cr, width, height, user_data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  pixels_init (p, surface);
}

int
ink_in (const Pixels *p, int x0, int y0, int x1, int y1)
{
  Colour bg = at (p, 0, 0);
  int n = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      n += !same (at (p, x, y), bg);
  return n;
}

