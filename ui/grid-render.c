/* grid-render.c: images, feature-map grids, class probabilities, confusion matrices and image
 * galleries, drawn with Cairo's own API only (no GTK, no Pango).
 *
 * Float data becomes an RGB24 image surface at its own size, then is painted scaled with the
 * nearest-neighbour filter, so every map pixel stays a crisp square. Scales of 2 and more are
 * rounded down to whole numbers for the same reason: 28 pixels shown 4.6 times would be a mix
 * of 4- and 5-pixel squares.
 */
#define G_LOG_DOMAIN "strata-grid"

#include "ui/grid-render.h"

#include "ui/render-util.h"

#include <math.h>
#include <string.h>

#define MAX_SIDE     32767      /* Cairo's largest image surface side */
#define PAD          8.0

typedef struct {
  StRgba background;
  StRgba text;
  StRgba text_dim;
  StRgba frame;                 /* around tiles and images */
  StRgba track;                 /* the empty part of a probability bar */
  StRgba bar;                   /* a probability bar that is not the prediction */
  StRgba cell_low;              /* confusion matrix: a share of 0 ... */
  StRgba cell_high;             /* ... and of 1 (ends of the ramp on the dark theme) */
} Palette;

static const Palette light_palette = {
  .background = { 1.0, 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.13, 0.15, 1.0 },
  .text_dim = { 0.40, 0.40, 0.44, 1.0 },
  .frame = { 0.62, 0.62, 0.65, 1.0 },
  .track = { 0.93, 0.93, 0.94, 1.0 },
  .bar = { 0.68, 0.68, 0.71, 1.0 },
};

static const Palette dark_palette = {
  .background = { 0.14, 0.14, 0.15, 1.0 },
  .text = { 0.93, 0.93, 0.94, 1.0 },
  .text_dim = { 0.68, 0.68, 0.71, 1.0 },
  .frame = { 0.42, 0.42, 0.45, 1.0 },
  .track = { 0.22, 0.22, 0.24, 1.0 },
  .bar = { 0.45, 0.45, 0.49, 1.0 },
  .cell_low = { 0.19, 0.19, 0.21, 1.0 },
  .cell_high = { 0.42, 0.68, 0.95, 1.0 },
};

static const Palette *
palette_for (const StGridOptions *o)
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

static const StGridOptions *
options_or_defaults (const StGridOptions *options, StGridOptions *defaults)
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

/* ColorBrewer's "Blues", matplotlib's default for confusion matrices */
static const float blues[9][3] = {
  { 0xf7 / 255.f, 0xfb / 255.f, 0xff / 255.f }, { 0xde / 255.f, 0xeb / 255.f, 0xf7 / 255.f },
  { 0xc6 / 255.f, 0xdb / 255.f, 0xef / 255.f }, { 0x9e / 255.f, 0xca / 255.f, 0xe1 / 255.f },
  { 0x6b / 255.f, 0xae / 255.f, 0xd6 / 255.f }, { 0x42 / 255.f, 0x92 / 255.f, 0xc6 / 255.f },
  { 0x21 / 255.f, 0x71 / 255.f, 0xb5 / 255.f }, { 0x08 / 255.f, 0x51 / 255.f, 0x9c / 255.f },
  { 0x08 / 255.f, 0x30 / 255.f, 0x6b / 255.f },
};

static StRgba
viridis_at (double t)
{
  double pos = CLAMP (t, 0.0, 1.0) * 255.0;
  int k = MIN ((int) (pos / 8.0), 31);
  double lo = 8.0 * k, hi = k == 31 ? 255.0 : lo + 8.0;
  double f = (pos - lo) / (hi - lo);

  return (StRgba) { viridis[k][0] + f * (viridis[k + 1][0] - viridis[k][0]),
                   viridis[k][1] + f * (viridis[k + 1][1] - viridis[k][1]),
                   viridis[k][2] + f * (viridis[k + 1][2] - viridis[k][2]), 1.0 };
}

static StRgba
blues_at (double t)
{
  double pos = CLAMP (t, 0.0, 1.0) * 8.0;
  int k = MIN ((int) pos, 7);
  double f = pos - k;

  return (StRgba) { blues[k][0] + f * (blues[k + 1][0] - blues[k][0]),
                   blues[k][1] + f * (blues[k + 1][1] - blues[k][1]),
                   blues[k][2] + f * (blues[k + 1][2] - blues[k][2]), 1.0 };
}

static StRgba
cell_colour (const Palette *pal, double t)
{
  if (pal == &light_palette)
    return blues_at (t);
  t = sqrt (CLAMP (t, 0.0, 1.0));
  return (StRgba) { pal->cell_low.r + t * (pal->cell_high.r - pal->cell_low.r),
                   pal->cell_low.g + t * (pal->cell_high.g - pal->cell_low.g),
                   pal->cell_low.b + t * (pal->cell_high.b - pal->cell_low.b), 1.0 };
}

/* ---- names, background, title ------------------------------------------------------------- */

static void
class_name (char *buf, gsize size, const char *const *names, int i)
{
  if (names != NULL && names[i] != NULL)
    g_strlcpy (buf, names[i], size);
  else
    g_snprintf (buf, size, "%d", i);
}

/* Paints the background and the title; returns the height the title took. */
static double
begin (cairo_t *cr, double width, double height, const StGridOptions *o)
{
  const Palette *pal = palette_for (o);
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

              c = colormap == ST_COLORMAP_VIRIDIS ? viridis_at (t) : (StRgba) { t, t, t, 1.0 };
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
             const Palette *pal)
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
  const StGridOptions *o = options_or_defaults (options, &defaults);
  cairo_surface_t *surface;
  double top, aw, ah, scale;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = begin (cr, width, height, o);
  aw = width - 2 * PAD;
  ah = height - top - 2 * PAD;
  if (view_valid (image) && aw >= 1.0 && ah >= 1.0)
    {
      scale = crisp_scale (MIN (aw / image->width, ah / image->height));
      surface = image_surface (image, o->colormap);
      paint_image (cr, surface, floor ((width - image->width * scale) / 2),
                   floor (top + (height - top - image->height * scale) / 2), scale,
                   palette_for (o));
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
  const StGridOptions *o = options_or_defaults (options, &defaults);
  const Palette *pal = palette_for (o);
  gsize plane;
  double top, joint_lo = INFINITY, joint_hi = -INFINITY;
  Grid g;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = begin (cr, width, height, o);
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
  const StGridOptions *o = options_or_defaults (options, &defaults);
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
  const StGridOptions *o = options_or_defaults (options, &defaults);
  const Palette *pal = palette_for (o);
  double top;
  Grid g;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = begin (cr, width, height, o);
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
  const StGridOptions *o = options_or_defaults (options, &defaults);
  cairo_t *cr = st_render_scratch_context ();
  int hit = -1;
  Grid g;

  if (gallery_grid (&g, cr, width, height, title_height (cr, o), items, n_items))
    hit = grid_hit (&g, x, y);
  cairo_destroy (cr);
  return hit;
}

/* ---- class probabilities ------------------------------------------------------------------ */

static int
argmax (const float *v, int n)
{
  int best = -1;

  for (int i = 0; i < n; i++)
    if (isfinite (v[i]) && (best < 0 || v[i] > v[best]))
      best = i;
  return best;
}

static void
format_percent (char *buf, gsize size, double p)
{
  if (!isfinite (p))
    g_strlcpy (buf, "—", size);
  else if (p > 0.0 && p < 0.001)
    g_strlcpy (buf, "<0.1%", size);
  else
    g_snprintf (buf, size, "%.1f%%", CLAMP (p, 0.0, 1.0) * 100.0);
}

void
st_probabilities_render (cairo_t               *cr,
                         double                 width,
                         double                 height,
                         const StProbabilities *probs,
                         const StGridOptions   *options)
{
  StGridOptions defaults;
  const StGridOptions *o = options_or_defaults (options, &defaults);
  const Palette *pal = palette_for (o);
  double top, row_h, font, name_w = 0.0, value_w, bar_x, bar_w, y0;
  int n, predicted;
  char buf[128];

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = begin (cr, width, height, o);
  if (probs == NULL || probs->probs == NULL || probs->n_classes <= 0)
    {
      cairo_restore (cr);
      return;
    }

  n = probs->n_classes;
  predicted = argmax (probs->probs, n);
  row_h = MIN (26.0, (height - top - 2 * PAD) / n);
  font = CLAMP (row_h * 0.5, 7.0, 12.0);
  y0 = top + PAD + floor ((height - top - 2 * PAD - row_h * n) / 2);

  st_render_set_font (cr, font, CAIRO_FONT_WEIGHT_BOLD);
  for (int i = 0; i < n; i++)
    {
      class_name (buf, sizeof buf, probs->class_names, i);
      name_w = MAX (name_w, st_render_text_width (cr, buf));
    }
  name_w = MIN (name_w, width * 0.4);
  value_w = st_render_text_width (cr, "100.0%");
  bar_x = PAD + 14.0 + name_w + 8.0;
  bar_w = width - PAD - value_w - 8.0 - bar_x;

  for (int i = 0; i < n; i++)
    {
      double p = probs->probs[i];
      double y = y0 + i * row_h, bh = MAX (2.0, floor (row_h * 0.6));
      double by = floor (y + (row_h - bh) / 2);
      gboolean is_true = i == probs->true_class, is_pred = i == predicted;
      const StRgba *colour = &pal->bar;
      g_autofree char *name = NULL;

      if (is_pred)
        colour = probs->true_class < 0 || probs->true_class == predicted ? &st_render_tab_blue
                                                                         : &st_render_tab_red;

      st_render_set_font (cr, font, is_true || is_pred ? CAIRO_FONT_WEIGHT_BOLD
                                                       : CAIRO_FONT_WEIGHT_NORMAL);
      class_name (buf, sizeof buf, probs->class_names, i);
      name = st_render_ellipsize (cr, buf, name_w);
      st_render_set_rgba (cr, is_true || is_pred ? &pal->text : &pal->text_dim, 1.0);
      st_render_text_at (cr, name, bar_x - 8.0, y + row_h / 2, 1.0, 0.5);

      if (is_true)
        {
          /* a small triangle pointing at the true class's name */
          double cy = y + row_h / 2, s = MIN (4.5, row_h * 0.25);
          double tx = MAX (PAD, bar_x - 8.0 - st_render_text_width (cr, name) - 6.0 - 1.6 * s);

          cairo_move_to (cr, tx, cy - s);
          cairo_line_to (cr, tx + 1.6 * s, cy);
          cairo_line_to (cr, tx, cy + s);
          cairo_close_path (cr);
          st_render_set_rgba (cr, &pal->text, 1.0);
          cairo_fill (cr);
        }

      if (bar_w > 4.0)
        {
          cairo_rectangle (cr, bar_x, by, bar_w, bh);
          st_render_set_rgba (cr, &pal->track, 1.0);
          cairo_fill (cr);
          if (isfinite (p) && p > 0.0)
            {
              cairo_rectangle (cr, bar_x, by, MAX (1.0, bar_w * CLAMP (p, 0.0, 1.0)), bh);
              st_render_set_rgba (cr, colour, 1.0);
              cairo_fill (cr);
            }
        }

      format_percent (buf, sizeof buf, p);
      st_render_set_font (cr, font, is_pred ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
      st_render_set_rgba (cr, is_pred ? &pal->text : &pal->text_dim, 1.0);
      st_render_text_at (cr, buf, width - PAD, y + row_h / 2, 1.0, 0.5);
    }
  cairo_restore (cr);
}

/* ---- confusion matrix --------------------------------------------------------------------- */

static void
format_count (char *buf, gsize size, gint64 count)
{
  if (count < 10000)
    g_snprintf (buf, size, "%" G_GINT64_FORMAT, count);
  else if (count < 1000000)
    g_snprintf (buf, size, "%.1fk", count / 1e3);
  else
    g_snprintf (buf, size, "%.1fM", count / 1e6);
}

void
st_confusion_render (cairo_t             *cr,
                     double               width,
                     double               height,
                     const StConfusion   *confusion,
                     const StGridOptions *options)
{
  StGridOptions defaults;
  const StGridOptions *o = options_or_defaults (options, &defaults);
  const Palette *pal = palette_for (o);
  double top, name_w = 0.0, label_h, axis_h, cell, x0, y0, col_label_h, font, count_font;
  gboolean rotate;
  int k;
  char buf[128];

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = begin (cr, width, height, o);
  if (confusion == NULL || confusion->counts == NULL || confusion->n_classes <= 0
      || confusion->n_classes > 4096)
    {
      cairo_restore (cr);
      return;
    }
  k = confusion->n_classes;

  st_render_set_font (cr, 12.0, CAIRO_FONT_WEIGHT_NORMAL);
  axis_h = st_render_line_height (cr);

  /* Names are set at 11 px unless the cells are too small to keep neighbouring names apart
   * (turned 45°, they sit cell / √2 apart); then once more at the size the cells allow. */
  font = 11.0;
  for (int pass = 0; pass < 2; pass++)
    {
      st_render_set_font (cr, font, CAIRO_FONT_WEIGHT_NORMAL);
      label_h = st_render_line_height (cr);
      name_w = 0.0;
      for (int i = 0; i < k; i++)
        {
          class_name (buf, sizeof buf, confusion->class_names, i);
          name_w = MAX (name_w, st_render_text_width (cr, buf));
        }
      name_w = MIN (name_w, MAX (40.0, width * 0.25));

      /* the cell size decides whether column names fit side by side or must be turned */
      cell = MIN ((width - 2 * PAD - axis_h - 6.0 - name_w - 6.0) / k,
                  (height - top - 2 * PAD - axis_h - 6.0 - label_h - 6.0) / k);
      rotate = cell < name_w + 6.0;
      col_label_h = rotate ? (name_w + label_h) * G_SQRT2 / 2 + 6.0 : label_h + 6.0;
      if (rotate)
        cell = MIN ((width - 2 * PAD - axis_h - 6.0 - name_w - 6.0 - label_h) / k,
                    (height - top - 2 * PAD - axis_h - 6.0 - col_label_h) / k);
      cell = floor (cell);
      if (pass == 1 || cell * (rotate ? G_SQRT2 / 2 : 1.0) >= label_h + 1.0)
        break;
      font = MAX (6.0, floor (font * cell * (rotate ? G_SQRT2 / 2 : 1.0) / (label_h + 1.0)));
    }
  if (cell < 2.0)
    {
      cairo_restore (cr);
      return;
    }
  x0 = floor (PAD + axis_h + 6.0 + name_w + 6.0
              + (width - 2 * PAD - axis_h - 6.0 - name_w - 6.0 - cell * k
                 - (rotate ? label_h : 0.0)) / 2);
  y0 = floor (top + PAD + (height - top - 2 * PAD - cell * k - col_label_h - axis_h - 6.0) / 2);

  count_font = MIN (cell * 0.32, 12.0);
  for (int r = 0; r < k; r++)
    {
      const gint64 *row = confusion->counts + (gsize) r * k;
      gint64 total = 0;

      for (int c = 0; c < k; c++)
        total += MAX (row[c], 0);
      for (int c = 0; c < k; c++)
        {
          double share = total > 0 ? (double) MAX (row[c], 0) / total : 0.0;
          StRgba colour = cell_colour (pal, share);
          double lum = 0.2126 * colour.r + 0.7152 * colour.g + 0.0722 * colour.b;

          cairo_rectangle (cr, x0 + c * cell, y0 + r * cell, cell, cell);
          st_render_set_rgba (cr, &colour, 1.0);
          cairo_fill (cr);

          if (count_font >= 7.5)
            {
              format_count (buf, sizeof buf, row[c]);
              st_render_set_font (cr, count_font,
                                  r == c ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
              if (st_render_text_width (cr, buf) > cell - 3.0)
                continue;
              if (lum < 0.45)
                cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, row[c] == 0 ? 0.35 : 1.0);
              else
                cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, row[c] == 0 ? 0.4 : 1.0);
              st_render_text_at (cr, buf, x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell, 0.5, 0.5);
            }
        }
    }
  cairo_rectangle (cr, x0 - 0.5, y0 - 0.5, cell * k + 1.0, cell * k + 1.0);
  st_render_set_rgba (cr, &pal->frame, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  st_render_set_font (cr, font, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text, 1.0);
  for (int i = 0; i < k; i++)
    {
      g_autofree char *name = NULL;

      class_name (buf, sizeof buf, confusion->class_names, i);
      name = st_render_ellipsize (cr, buf, name_w);
      st_render_text_at (cr, name, x0 - 6.0, y0 + (i + 0.5) * cell, 1.0, 0.5);
      if (!rotate)
        st_render_text_at (cr, name, x0 + (i + 0.5) * cell, y0 + k * cell + 6.0, 0.5, 0.0);
      else
        {
          cairo_save (cr);
          cairo_translate (cr, x0 + (i + 0.5) * cell, y0 + k * cell + 6.0);
          cairo_rotate (cr, -G_PI / 4);
          st_render_text_at (cr, name, 0.0, 0.0, 1.0, 0.0);
          cairo_restore (cr);
        }
    }

  st_render_set_font (cr, 12.0, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text_dim, 1.0);
  st_render_text_at (cr, "predicted", x0 + k * cell / 2, y0 + k * cell + col_label_h, 0.5, 0.0);
  cairo_save (cr);
  cairo_translate (cr, PAD, y0 + k * cell / 2);
  cairo_rotate (cr, -G_PI / 2);
  st_render_text_at (cr, "true", 0.0, 0.0, 0.5, 0.0);
  cairo_restore (cr);
  cairo_restore (cr);
}

/* ---- saving ------------------------------------------------------------------------------- */

typedef struct {
  const void          *data;
  int                  n;
  const StGridOptions *options;
} GridSave;

static void
render_image_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const GridSave *s = user_data;

  st_image_render (cr, width, height, s->data, s->options);
}

static void
render_maps_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const GridSave *s = user_data;

  st_feature_maps_render (cr, width, height, s->data, s->options);
}

static void
render_probabilities_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const GridSave *s = user_data;

  st_probabilities_render (cr, width, height, s->data, s->options);
}

static void
render_confusion_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const GridSave *s = user_data;

  st_confusion_render (cr, width, height, s->data, s->options);
}

static void
render_gallery_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const GridSave *s = user_data;

  st_gallery_render (cr, width, height, s->data, s->n, s->options);
}

gboolean
st_image_save (const char *path, int width, int height, const StImageView *image,
               const StGridOptions *options, GError **error)
{
  GridSave s = { image, 0, options };

  return st_render_save (path, width, height, render_image_cb, &s, error);
}

gboolean
st_feature_maps_save (const char *path, int width, int height, const StImageView *maps,
                      const StGridOptions *options, GError **error)
{
  GridSave s = { maps, 0, options };

  return st_render_save (path, width, height, render_maps_cb, &s, error);
}

gboolean
st_probabilities_save (const char *path, int width, int height, const StProbabilities *probs,
                       const StGridOptions *options, GError **error)
{
  GridSave s = { probs, 0, options };

  return st_render_save (path, width, height, render_probabilities_cb, &s, error);
}

gboolean
st_confusion_save (const char *path, int width, int height, const StConfusion *confusion,
                   const StGridOptions *options, GError **error)
{
  GridSave s = { confusion, 0, options };

  return st_render_save (path, width, height, render_confusion_cb, &s, error);
}

gboolean
st_gallery_save (const char *path, int width, int height, const StGalleryItem *items,
                 int n_items, const StGridOptions *options, GError **error)
{
  GridSave s = { items, n_items, options };

  return st_render_save (path, width, height, render_gallery_cb, &s, error);
}
