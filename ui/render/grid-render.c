/* grid-render.c: images, feature-map grids and image galleries, drawn with Cairo's own API
 * only (no GTK, no Pango). The options, palettes and title defined here are shared with
 * class-render.c through grid-render-private.h.
 *
 * Float data becomes an RGB24 image surface at its own size, then is painted scaled with the
 * nearest-neighbour filter, so every map pixel stays a crisp square. Scales of 2 and more are
 * rounded down to whole numbers for the same reason: 28 pixels shown 4.6 times would be a mix
 * of 4- and 5-pixel squares.
 */
#define G_LOG_DOMAIN "strata-grid"

#include "ui/render/grid-render.h"

#include "ui/render/grid-render-private.h"
#include "ui/render/render-util.h"

#include <math.h>
#include <string.h>

#define MAX_SIDE     32767      /* Cairo's largest image surface side */
#define PAD          ST_GRID_PAD

static const StGridPalette light_palette = {
  .background = { 1.0, 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.13, 0.15, 1.0 },
  .text_dim = { 0.40, 0.40, 0.44, 1.0 },
  .frame = { 0.62, 0.62, 0.65, 1.0 },
  .track = { 0.93, 0.93, 0.94, 1.0 },
  .bar = { 0.68, 0.68, 0.71, 1.0 },
};

static const StGridPalette dark_palette = {
  .background = { 0.14, 0.14, 0.15, 1.0 },
  .text = { 0.93, 0.93, 0.94, 1.0 },
  .text_dim = { 0.68, 0.68, 0.71, 1.0 },
  .frame = { 0.42, 0.42, 0.45, 1.0 },
  .track = { 0.22, 0.22, 0.24, 1.0 },
  .bar = { 0.45, 0.45, 0.49, 1.0 },
  .cell_low = { 0.19, 0.19, 0.21, 1.0 },
  .cell_high = { 0.42, 0.68, 0.95, 1.0 },
};

const StGridPalette *
st_grid_palette_for (const StGridOptions *o)
{
  return o->theme == ST_THEME_DARK ? &dark_palette : &light_palette;
}

void
st_grid_options_init (StGridOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (StGridOptions) {
    .theme = ST_THEME_LIGHT,
    .colormap = ST_COLORMAP_GRAY,
    .normalize = ST_NORMALIZE_PER_MAP,
    .labels = ST_TILE_LABEL_BELOW,
  };
}

const StGridOptions *
st_grid_options_or_defaults (const StGridOptions *options, StGridOptions *defaults)
{
  if (options != NULL)
    return options;
  st_grid_options_init (defaults);
  return defaults;
}

/* ---- colour maps -------------------------------------------------------------------------- */

/* matplotlib's viridis (CC0, https://github.com/BIDS/colormap): entries 0, 8, 16, ..., 248 and
 * 255 of its 256, interpolated linearly in between. */
static const float viridis[33][3] = {
  { 0.267004f, 0.004874f, 0.329415f }, { 0.277018f, 0.050344f, 0.375715f },
  { 0.282327f, 0.094955f, 0.417331f }, { 0.282884f, 0.135920f, 0.453427f },
  { 0.278826f, 0.175490f, 0.483397f }, { 0.270595f, 0.214069f, 0.507052f },
  { 0.258965f, 0.251537f, 0.524736f }, { 0.244972f, 0.287675f, 0.537260f },
  { 0.229739f, 0.322361f, 0.545706f }, { 0.214298f, 0.355619f, 0.551184f },
  { 0.199430f, 0.387607f, 0.554642f }, { 0.185556f, 0.418570f, 0.556753f },
  { 0.172719f, 0.448791f, 0.557885f }, { 0.160665f, 0.478540f, 0.558115f },
  { 0.149039f, 0.508051f, 0.557250f }, { 0.137770f, 0.537492f, 0.554906f },
  { 0.127568f, 0.566949f, 0.550556f }, { 0.120565f, 0.596422f, 0.543611f },
  { 0.120638f, 0.625828f, 0.533488f }, { 0.132268f, 0.655014f, 0.519661f },
  { 0.157851f, 0.683765f, 0.501686f }, { 0.196571f, 0.711827f, 0.479221f },
  { 0.246070f, 0.738910f, 0.452024f }, { 0.304148f, 0.764704f, 0.419943f },
  { 0.369214f, 0.788888f, 0.382914f }, { 0.440137f, 0.811138f, 0.340967f },
  { 0.515992f, 0.831158f, 0.294279f }, { 0.595839f, 0.848717f, 0.243329f },
  { 0.678489f, 0.863742f, 0.189503f }, { 0.762373f, 0.876424f, 0.137064f },
  { 0.845561f, 0.887322f, 0.099702f }, { 0.926106f, 0.897330f, 0.104071f },
  { 0.993248f, 0.906157f, 0.143936f },
};

StRgba
st_viridis_at (double t)
{
  double pos = CLAMP (t, 0.0, 1.0) * 255.0;
  int k = MIN ((int) (pos / 8.0), 31);
  double lo = 8.0 * k, hi = k == 31 ? 255.0 : lo + 8.0;
  double f = (pos - lo) / (hi - lo);

  return (StRgba) { viridis[k][0] + f * (viridis[k + 1][0] - viridis[k][0]),
                   viridis[k][1] + f * (viridis[k + 1][1] - viridis[k][1]),
                   viridis[k][2] + f * (viridis[k + 1][2] - viridis[k][2]), 1.0 };
}

/* ---- background, title -------------------------------------------------------------------- */

double
st_grid_begin (cairo_t *cr, double width, double height, const StGridOptions *o)
{
  const StGridPalette *pal = st_grid_palette_for (o);
  double h = 0.0;

  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  st_render_set_rgba (cr, &pal->background, 1.0);
  cairo_paint (cr);
  if (o->title != NULL && o->title[0] != '\0')
    {
      g_autofree char *title = NULL;

      st_render_set_font (cr, 14.0, CAIRO_FONT_WEIGHT_BOLD);
      title = st_render_ellipsize (cr, o->title, width - 2 * PAD);
      st_render_set_rgba (cr, &pal->text, 1.0);
      st_render_text_at (cr, title, width / 2, PAD, 0.5, 0.0);
      h = PAD + st_render_line_height (cr);
    }
  return h;
}

/* ---- images ------------------------------------------------------------------------------- */

static gboolean
view_valid (const StImageView *v)
{
  return v != NULL && v->data != NULL && v->channels > 0 && v->height > 0 && v->width > 0
         && v->height <= MAX_SIDE && v->width <= MAX_SIDE
         && (gsize) v->channels <= G_MAXSIZE / ((gsize) v->height * (gsize) v->width);
}

static void
finite_range (const float *data, gsize n, double *lo, double *hi)
{
  for (gsize i = 0; i < n; i++)
    if (isfinite (data[i]))
      {
        *lo = MIN (*lo, data[i]);
        *hi = MAX (*hi, data[i]);
      }
}

static guint32
pack (StRgba c)
{
  return (guint32) lround (CLAMP (c.r, 0.0, 1.0) * 255.0) << 16
         | (guint32) lround (CLAMP (c.g, 0.0, 1.0) * 255.0) << 8
         | (guint32) lround (CLAMP (c.b, 0.0, 1.0) * 255.0);
}

static double
normalise (float v, double lo, double hi)
{
  return hi > lo ? (v - lo) / (hi - lo) : 0.0;
}

/* An RGB24 surface of one plane (colormapped) or three (RGB), values mapped lo..hi to 0..1. */
static cairo_surface_t *
planes_surface (const float *data, int planes, int h, int w, double lo, double hi,
                StColormap colormap)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  gsize plane = (gsize) h * w;
  unsigned char *pixels;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return surface;
  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < h; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (pixels + (gsize) y * stride);

      for (int x = 0; x < w; x++)
        {
          gsize i = (gsize) y * w + x;
          StRgba c;

          if (planes == 3)
            {
              float r = data[i], g = data[plane + i], b = data[2 * plane + i];

              if (!isfinite (r) || !isfinite (g) || !isfinite (b))
                c = st_render_tab_red;
              else
                c = (StRgba) { normalise (r, lo, hi), normalise (g, lo, hi), normalise (b, lo, hi),
                               1.0 };
            }
          else if (!isfinite (data[i]))
            c = st_render_tab_red;
          else
            {
              double t = normalise (data[i], lo, hi);

              c = colormap == ST_COLORMAP_VIRIDIS ? st_viridis_at (t)
                                                  : (StRgba) { t, t, t, 1.0 };
            }
          row[x] = pack (c);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static double
crisp_scale (double scale)
{
  return scale >= 2.0 ? floor (scale) : scale;
}

/* Paints surface with its top-left corner at (x, y), scale screen pixels per image pixel,
 * inside a one-pixel frame. */
static void
paint_image (cairo_t *cr, cairo_surface_t *surface, double x, double y, double scale,
             const StGridPalette *pal)
{
  double w = cairo_image_surface_get_width (surface) * scale;
  double h = cairo_image_surface_get_height (surface) * scale;

  cairo_rectangle (cr, x - 0.5, y - 0.5, w + 1.0, h + 1.0);
  st_render_set_rgba (cr, &pal->frame, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr),
                            scale >= 1.0 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

static cairo_surface_t *
image_surface (const StImageView *image, StColormap colormap)
{
  int planes = image->channels == 3 ? 3 : 1;
  double lo = INFINITY, hi = -INFINITY;

  /* the three channels of a colour image share one range, so its hues survive */
  finite_range (image->data, (gsize) planes * image->height * image->width, &lo, &hi);
  return planes_surface (image->data, planes, image->height, image->width, lo, hi, colormap);
}

void
st_image_render (cairo_t             *cr,
                 double               width,
                 double               height,
                 const StImageView   *image,
                 const StGridOptions *options)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  cairo_surface_t *surface;
  double top, aw, ah, scale;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = st_grid_begin (cr, width, height, o);
  aw = width - 2 * PAD;
  ah = height - top - 2 * PAD;
  if (view_valid (image) && aw >= 1.0 && ah >= 1.0)
    {
      scale = crisp_scale (MIN (aw / image->width, ah / image->height));
      surface = image_surface (image, o->colormap);
      paint_image (cr, surface, floor ((width - image->width * scale) / 2),
                   floor (top + (height - top - image->height * scale) / 2), scale,
                   st_grid_palette_for (o));
      cairo_surface_destroy (surface);
    }
  cairo_restore (cr);
}

/* ---- grids of tiles ----------------------------------------------------------------------- */

typedef struct {
  int    n, cols, rows;
  double scale;                 /* screen pixels per image pixel */
  double tile_w, tile_h;        /* one image on screen */
  double cell_w, cell_h;        /* tile plus its gap and label */
  double x0, y0;                /* top-left of the first tile's image */
  double label_h;               /* room for the label lines of a tile */
  gboolean label_above;
} Grid;

/* Chooses the number of columns that shows n images of w × h largest in the area, then
 * centres the grid in it. */
static gboolean
grid_layout (Grid *g, int n, int w, int h, double x, double y, double aw, double ah,
             double hgap, double vgap, double label_h, double label_w, gboolean label_above)
{
  double best = 0.0;
  int best_cols = 1;

  if (n <= 0 || w <= 0 || h <= 0)
    return FALSE;
  /* labels wider than the area's share of a column are cut, so prefer fewer columns then */
  label_w = MIN (label_w, aw);
  for (int pass = 0; pass < 2 && best <= 0.0; pass++)
    for (int cols = 1; cols <= n; cols++)
      {
        int rows = (n + cols - 1) / cols;
        double col_w = (aw - (cols - 1) * hgap) / cols;
        double sx = col_w / w;
        double sy = (ah - rows * label_h - (rows - 1) * vgap) / ((double) rows * h);
        double s = MIN (sx, sy);

        if (pass == 0 && col_w < label_w)
          break;
        if (s > best * 1.0001)
          {
            best = s;
            best_cols = cols;
          }
      }
  if (best <= 0.0)
    return FALSE;

  g->n = n;
  g->cols = best_cols;
  g->rows = (n + best_cols - 1) / best_cols;
  g->scale = crisp_scale (best);
  g->tile_w = w * g->scale;
  g->tile_h = h * g->scale;
  g->label_h = label_h;
  g->label_above = label_above;
  g->cell_w = MAX (g->tile_w, MIN (label_w, (aw - (g->cols - 1) * hgap) / g->cols)) + hgap;
  g->cell_h = g->tile_h + label_h + vgap;
  g->x0 = floor (x + (aw - (g->cols * g->cell_w - hgap)) / 2 + (g->cell_w - hgap - g->tile_w) / 2);
  g->y0 = floor (y + (ah - (g->rows * g->cell_h - vgap)) / 2) + (label_above ? label_h : 0.0);
  return TRUE;
}

static void
grid_tile (const Grid *g, int i, double *x, double *y)
{
  *x = g->x0 + (i % g->cols) * g->cell_w;
  *y = g->y0 + (i / g->cols) * g->cell_h;
}

static int
grid_hit (const Grid *g, double x, double y)
{
  for (int i = 0; i < g->n; i++)
    {
      double tx, ty, top;

      grid_tile (g, i, &tx, &ty);
      top = g->label_above ? ty - g->label_h : ty;
      if (x >= tx && x < tx + g->tile_w && y >= top && y < top + g->tile_h + g->label_h)
        return i;
    }
  return -1;
}

#define TILE_GAP   6.0
#define TILE_FONT 10.0

static gboolean
maps_grid (Grid *g, double width, double height, double top, const StImageView *maps,
           const StGridOptions *o)
{
  double label_h = o->labels == ST_TILE_LABEL_NONE ? 0.0 : TILE_FONT + 5.0;

  return grid_layout (g, maps->channels, maps->width, maps->height, PAD, top + PAD,
                      width - 2 * PAD, height - top - 2 * PAD, TILE_GAP, TILE_GAP, label_h, 0.0,
                      o->labels == ST_TILE_LABEL_ABOVE);
}

static double
title_height (cairo_t *cr, const StGridOptions *o)
{
  if (o->title == NULL || o->title[0] == '\0')
    return 0.0;
  st_render_set_font (cr, 14.0, CAIRO_FONT_WEIGHT_BOLD);
  return PAD + st_render_line_height (cr);
}

void
st_feature_maps_render (cairo_t             *cr,
                        double               width,
                        double               height,
                        const StImageView   *maps,
                        const StGridOptions *options)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  const StGridPalette *pal = st_grid_palette_for (o);
  gsize plane;
  double top, joint_lo = INFINITY, joint_hi = -INFINITY;
  Grid g;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = st_grid_begin (cr, width, height, o);
  if (!view_valid (maps) || !maps_grid (&g, width, height, top, maps, o))
    {
      cairo_restore (cr);
      return;
    }

  plane = (gsize) maps->height * maps->width;
  if (o->normalize == ST_NORMALIZE_JOINT)
    finite_range (maps->data, plane * maps->channels, &joint_lo, &joint_hi);

  st_render_set_font (cr, TILE_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int c = 0; c < maps->channels; c++)
    {
      const float *map = maps->data + c * plane;
      double lo = joint_lo, hi = joint_hi, x, y;
      cairo_surface_t *surface;
      char label[16];

      if (o->normalize == ST_NORMALIZE_PER_MAP)
        {
          lo = INFINITY;
          hi = -INFINITY;
          finite_range (map, plane, &lo, &hi);
        }
      grid_tile (&g, c, &x, &y);
      surface = planes_surface (map, 1, maps->height, maps->width, lo, hi, o->colormap);
      paint_image (cr, surface, x, y, g.scale, pal);
      cairo_surface_destroy (surface);

      if (o->labels == ST_TILE_LABEL_NONE)
        continue;
      g_snprintf (label, sizeof label, "%d", c);
      st_render_set_rgba (cr, &pal->text_dim, 1.0);
      if (o->labels == ST_TILE_LABEL_ABOVE)
        st_render_text_at (cr, label, x + g.tile_w / 2, y - 3.0, 0.5, 1.0);
      else
        st_render_text_at (cr, label, x + g.tile_w / 2, y + g.tile_h + 3.0, 0.5, 0.0);
    }
  cairo_restore (cr);
}

int
st_feature_maps_hit_test (double               width,
                          double               height,
                          const StImageView   *maps,
                          const StGridOptions *options,
                          double               x,
                          double               y)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  cairo_t *cr = st_render_scratch_context ();
  int hit = -1;
  Grid g;

  if (view_valid (maps) && maps_grid (&g, width, height, title_height (cr, o), maps, o))
    hit = grid_hit (&g, x, y);
  cairo_destroy (cr);
  return hit;
}

/* ---- gallery ------------------------------------------------------------------------------ */

#define GALLERY_HGAP 14.0
#define GALLERY_VGAP 10.0
#define CAPTION_FONT 11.0
#define CAPTION_LINE 14.0

static int
caption_lines (const StGalleryItem *items, int n)
{
  int lines = 0;

  for (int i = 0; i < n; i++)
    if (items[i].caption != NULL)
      {
        int l = 1;

        for (const char *p = items[i].caption; *p; p++)
          l += *p == '\n';
        lines = MAX (lines, l);
      }
  return MIN (lines, 3);
}

static void
set_caption_font (cairo_t *cr, const StGalleryItem *item)
{
  st_render_set_font (cr, CAPTION_FONT, item->mark == ST_GALLERY_MARK_WRONG
                                        ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
}

static double
caption_width (cairo_t *cr, const StGalleryItem *items, int n)
{
  double w = 0.0;

  for (int i = 0; i < n; i++)
    if (items[i].caption != NULL)
      {
        g_auto(GStrv) lines = g_strsplit (items[i].caption, "\n", 3);

        set_caption_font (cr, &items[i]);
        for (int l = 0; lines[l] != NULL; l++)
          w = MAX (w, st_render_text_width (cr, lines[l]) + 4.0);
      }
  return w;
}

static gboolean
gallery_grid (Grid *g, cairo_t *cr, double width, double height, double top,
              const StGalleryItem *items, int n)
{
  int w = 0, h = 0, lines;

  if (items == NULL || n <= 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (view_valid (&items[i].image))
      {
        w = MAX (w, items[i].image.width);
        h = MAX (h, items[i].image.height);
      }
  lines = caption_lines (items, n);
  return grid_layout (g, n, w, h, PAD, top + PAD, width - 2 * PAD, height - top - 2 * PAD,
                      GALLERY_HGAP, GALLERY_VGAP, lines > 0 ? 4.0 + lines * CAPTION_LINE : 0.0,
                      caption_width (cr, items, n), FALSE);
}

void
st_gallery_render (cairo_t             *cr,
                   double               width,
                   double               height,
                   const StGalleryItem *items,
                   int                  n_items,
                   const StGridOptions *options)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  const StGridPalette *pal = st_grid_palette_for (o);
  double top;
  Grid g;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = st_grid_begin (cr, width, height, o);
  if (!gallery_grid (&g, cr, width, height, top, items, n_items))
    {
      cairo_restore (cr);
      return;
    }

  for (int i = 0; i < n_items; i++)
    {
      const StGalleryItem *item = &items[i];
      double x, y;

      grid_tile (&g, i, &x, &y);
      if (view_valid (&item->image))
        {
          cairo_surface_t *surface = image_surface (&item->image, o->colormap);
          double iw = item->image.width * g.scale, ih = item->image.height * g.scale;

          /* smaller images sit centred in the tile */
          paint_image (cr, surface, x + floor ((g.tile_w - iw) / 2),
                       y + floor ((g.tile_h - ih) / 2), g.scale, pal);
          cairo_surface_destroy (surface);
        }
      if (item->caption != NULL)
        {
          g_auto(GStrv) lines = g_strsplit (item->caption, "\n", 3);

          set_caption_font (cr, item);
          st_render_set_rgba (cr, item->mark == ST_GALLERY_MARK_WRONG ? &st_render_tab_red
                                                                      : &pal->text, 1.0);
          for (int l = 0; lines[l] != NULL; l++)
            {
              g_autofree char *line = st_render_ellipsize (cr, lines[l], g.cell_w - 2.0);

              st_render_text_at (cr, line, x + g.tile_w / 2, y + g.tile_h + 4.0 + l * CAPTION_LINE,
                       0.5, 0.0);
            }
        }
    }
  cairo_restore (cr);
}

int
st_gallery_hit_test (double               width,
                     double               height,
                     const StGalleryItem *items,
                     int                  n_items,
                     const StGridOptions *options,
                     double               x,
                     double               y)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  cairo_t *cr = st_render_scratch_context ();
  int hit = -1;
  Grid g;

  if (gallery_grid (&g, cr, width, height, title_height (cr, o), items, n_items))
    hit = grid_hit (&g, x, y);
  cairo_destroy (cr);
  return hit;
}

/* ---- saving ------------------------------------------------------------------------------- */

static void
render_image_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const StGridSave *s = user_data;

  st_image_render (cr, width, height, s->data, s->options);
}

static void
render_maps_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const StGridSave *s = user_data;

  st_feature_maps_render (cr, width, height, s->data, s->options);
}

static void
render_gallery_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const StGridSave *s = user_data;

  st_gallery_render (cr, width, height, s->data, s->n, s->options);
}

gboolean
st_image_save (const char *path, int width, int height, const StImageView *image,
               const StGridOptions *options, GError **error)
{
  StGridSave s = { image, 0, options };

  return st_render_save (path, width, height, render_image_cb, &s, error);
}

gboolean
st_feature_maps_save (const char *path, int width, int height, const StImageView *maps,
                      const StGridOptions *options, GError **error)
{
  StGridSave s = { maps, 0, options };

  return st_render_save (path, width, height, render_maps_cb, &s, error);
}

gboolean
st_gallery_save (const char *path, int width, int height, const StGalleryItem *items,
                 int n_items, const StGridOptions *options, GError **error)
{
  StGridSave s = { items, n_items, options };

  return st_render_save (path, width, height, render_gallery_cb, &s, error);
}