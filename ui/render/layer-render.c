/* layer-render.c: see layer-render.h.
 *
 * Each picture is laid out by one function (maps_layout (), bars_layout (), filters_layout ())
 * that the render, the hit test and the cell rectangles all call, the queries on a scratch
 * context: text metrics decide the room for numbers and the legend, so the three agree to
 * the pixel. The theme's palette, the background and the title are the grid renderers'
 * (grid-render-private.h).
 *
 * A map or a kernel becomes an RGB24 image surface at its own size, painted scaled with the
 * nearest-neighbour filter; scales of 2 and more are whole numbers, so every value stays a
 * square of one size.
 */
#define G_LOG_DOMAIN "strata-render"

#include "ui/render/layer-render.h"

#include "ui/render/grid-render-private.h"
#include "ui/render/render-util.h"

#include "core/io/i18n.h"

#include <math.h>

#define PAD          ST_GRID_PAD
#define TITLE_FONT   14.0       /* st_grid_begin ()'s */
#define LABEL_FONT    9.0       /* channel numbers, ticks, value texts */
#define LEGEND_FONT  10.0
#define LEGEND_GAP    6.0       /* between the picture and the legend */
#define LEGEND_BAR   10.0       /* the colour bar's height */
#define LEGEND_MAX  280.0       /* the colour bar's largest width */
#define TILE_GAP      6.0       /* between map tiles with numbers */
#define TIGHT_GAP     2.0       /* between map tiles without */
#define KERNEL_GAP    3.0
#define MIN_LABELLED  3.0       /* pixels a value, below which maps lose their numbers */
#define MIN_FRAMED    4.0       /* pixels a tile side, below which tiles have no frame */
#define RING_MIN      5.0       /* the selection ring's smallest inner side */
#define TICK_LEN      3.0
#define MAX_TEXTS    16         /* bars that show their value */
#define MAX_SIDE  32767         /* Cairo's largest image surface side */

static const StRgba nonfinite_colour = { 1.0, 0.0, 1.0, 1.0 };

/* ---- colour scales ------------------------------------------------------------------------ */

/* ColorBrewer's "RdBu" (11 classes), from its blue end to its red end */
static const float blue_red[11][3] = {
  { 0x05 / 255.f, 0x30 / 255.f, 0x61 / 255.f }, { 0x21 / 255.f, 0x66 / 255.f, 0xac / 255.f },
  { 0x43 / 255.f, 0x93 / 255.f, 0xc3 / 255.f }, { 0x92 / 255.f, 0xc5 / 255.f, 0xde / 255.f },
  { 0xd1 / 255.f, 0xe5 / 255.f, 0xf0 / 255.f }, { 0xf7 / 255.f, 0xf7 / 255.f, 0xf7 / 255.f },
  { 0xfd / 255.f, 0xdb / 255.f, 0xc7 / 255.f }, { 0xf4 / 255.f, 0xa5 / 255.f, 0x82 / 255.f },
  { 0xd6 / 255.f, 0x60 / 255.f, 0x4d / 255.f }, { 0xb2 / 255.f, 0x18 / 255.f, 0x2b / 255.f },
  { 0x67 / 255.f, 0x00 / 255.f, 0x1f / 255.f },
};

static StRgba
blue_red_at (double t)
{
  double pos = CLAMP (t, 0.0, 1.0) * 10.0;
  int k = MIN ((int) pos, 9);
  double f = pos - k;

  return (StRgba) { blue_red[k][0] + f * (blue_red[k + 1][0] - blue_red[k][0]),
                   blue_red[k][1] + f * (blue_red[k + 1][1] - blue_red[k][1]),
                   blue_red[k][2] + f * (blue_red[k + 1][2] - blue_red[k][2]), 1.0 };
}

/* What a picture's legend says: its scale and the finite data's extent (NaN when none). */
typedef struct {
  StColourScale scale;
  double        min, max;
} Stats;

/* [v - 0.5, v + 0.5], or wider where 0.5 is below the precision of v. */
static void
around (double v, double *lo, double *hi)
{
  double half = MAX (0.5, fabs (v) * 1e-6);

  *lo = v - half;
  *hi = v + half;
}

static void
stats_for (const float *data, gsize n, gboolean diverging, Stats *s)
{
  double lo = INFINITY, hi = -INFINITY, m;
  int bad = 0;

  for (gsize i = 0; i < n; i++)
    if (!isfinite (data[i]))
      bad += bad < G_MAXINT;
    else
      {
        lo = MIN (lo, data[i]);
        hi = MAX (hi, data[i]);
      }
  s->scale.n_nonfinite = bad;
  s->scale.kind = ST_SCALE_SEQUENTIAL;
  if (lo > hi)
    {
      s->min = s->max = NAN;
      s->scale.lo = diverging ? -1.0 : 0.0;
      s->scale.hi = 1.0;
      s->scale.kind = diverging ? ST_SCALE_DIVERGING : ST_SCALE_SEQUENTIAL;
      return;
    }
  s->min = lo;
  s->max = hi;
  m = MAX (-lo, hi);
  if (diverging || (lo < 0.0 && hi > 0.0))
    {
      s->scale.kind = ST_SCALE_DIVERGING;
      s->scale.lo = m > 0.0 ? -m : -1.0;
      s->scale.hi = m > 0.0 ? m : 1.0;
    }
  else if (lo == hi)
    around (lo, &s->scale.lo, &s->scale.hi);
  else
    {
      s->scale.lo = lo;
      s->scale.hi = hi;
    }
}

void
st_colour_scale_for (const float *data, gsize n, StColourScale *scale)
{
  Stats s;

  g_return_if_fail (data != NULL || n == 0);
  g_return_if_fail (scale != NULL);
  stats_for (data, n, FALSE, &s);
  *scale = s.scale;
}

static StRgba
scale_colour (const StColourScale *s, double v)
{
  if (!isfinite (v))
    return nonfinite_colour;
  if (s->kind == ST_SCALE_DIVERGING)
    {
      /* 0 is white whatever the ends: each side stretches to its own end */
      if (s->lo < 0.0 && s->hi > 0.0)
        return blue_red_at (v < 0.0 ? 0.5 - 0.5 * v / s->lo : 0.5 + 0.5 * v / s->hi);
      return blue_red_at (0.5);
    }
  return st_viridis_at (s->hi > s->lo ? (v - s->lo) / (s->hi - s->lo) : 0.5);
}

void
st_colour_scale_rgb (const StColourScale *scale, double v, double rgb[3])
{
  StRgba c;

  g_return_if_fail (scale != NULL);
  g_return_if_fail (rgb != NULL);
  c = scale_colour (scale, v);
  rgb[0] = c.r;
  rgb[1] = c.g;
  rgb[2] = c.b;
}

static guint32
pack (StRgba c)
{
  return (guint32) lround (CLAMP (c.r, 0.0, 1.0) * 255.0) << 16
         | (guint32) lround (CLAMP (c.g, 0.0, 1.0) * 255.0) << 8
         | (guint32) lround (CLAMP (c.b, 0.0, 1.0) * 255.0);
}

/* An h × w RGB24 surface of the values on the scale. */
static cairo_surface_t *
values_surface (const float *data, int h, int w, const StColourScale *s)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
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
        row[x] = pack (scale_colour (s, data[(gsize) y * w + x]));
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* Paints an h × w surface with its top-left corner at (x, y), scale pixels a value. */
static void
paint_values (cairo_t *cr, cairo_surface_t *surface, double x, double y, double scale)
{
  double w = cairo_image_surface_get_width (surface) * scale;
  double h = cairo_image_surface_get_height (surface) * scale;

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

static double
crisp_scale (double scale)
{
  return scale >= 2.0 ? floor (scale) : scale;
}

static void
format_value (char *buf, gsize size, double v)
{
  g_snprintf (buf, size, "%.3g", v);
}

/* ---- options, frame, legend --------------------------------------------------------------- */

void
st_layer_render_options_init (StLayerRenderOptions *o)
{
  g_return_if_fail (o != NULL);
  *o = (StLayerRenderOptions) {
    .theme = ST_THEME_LIGHT,
    .legend = TRUE,
    .max_rows = 16,
    .max_cols = 16,
  };
}

static const StLayerRenderOptions *
options_or_defaults (const StLayerRenderOptions *o, StLayerRenderOptions *defaults)
{
  if (o != NULL)
    return o;
  st_layer_render_options_init (defaults);
  return defaults;
}

static StGridOptions
grid_options (const StLayerRenderOptions *o)
{
  StGridOptions g;

  st_grid_options_init (&g);
  g.theme = o->theme;
  g.title = o->title;
  return g;
}

static gboolean
has_title (const StLayerRenderOptions *o)
{
  return o->title != NULL && o->title[0] != '\0';
}

/* The band between the title and the legend that a picture has. */
typedef struct {
  double   top, bottom;
  gboolean legend;              /* asked for, and the values keep as much height as it takes */
  double   legend_y;            /* the colour bar's top; with a legend */
} Frame;

static void
frame_layout (cairo_t *cr, double height, const StLayerRenderOptions *o, Frame *f)
{
  f->top = PAD;
  if (has_title (o))
    {
      st_render_set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      f->top += PAD + st_render_line_height (cr);
    }
  f->bottom = height - PAD;
  f->legend_y = f->bottom;
  f->legend = FALSE;
  if (o->legend)
    {
      double lh, legend_h;

      st_render_set_font (cr, LEGEND_FONT, CAIRO_FONT_WEIGHT_NORMAL);
      lh = st_render_line_height (cr);
      legend_h = LEGEND_GAP + LEGEND_BAR + 3.0 + lh + 2.0 + lh;
      /* a picture too short for both keeps the values */
      f->legend = f->bottom - f->top >= 2 * legend_h;
      if (f->legend)
        {
          f->bottom -= legend_h;
          f->legend_y = f->bottom + LEGEND_GAP;
        }
    }
}

static void
draw_legend (cairo_t *cr, double width, const Frame *f, const Stats *st, const StGridPalette *pal)
{
  const StColourScale *s = &st->scale;
  char lo[32], hi[32], range[96];
  g_autofree char *text = NULL, *shown = NULL;
  double lh, allow, bw, bx;

  st_render_set_font (cr, LEGEND_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  lh = st_render_line_height (cr);
  format_value (lo, sizeof lo, s->lo);
  format_value (hi, sizeof hi, s->hi);
  allow = MAX (st_render_text_width (cr, lo), st_render_text_width (cr, hi)) / 2 + 2.0;
  bw = floor (MIN (LEGEND_MAX, width - 2 * PAD - 2 * allow));
  bx = floor ((width - bw) / 2);
  if (bw >= 16.0)
    {
      cairo_pattern_t *ramp = cairo_pattern_create_linear (bx, 0, bx + bw, 0);
      double y = f->legend_y + LEGEND_BAR + 3.0;

      for (int k = 0; k <= 64; k++)
        {
          StRgba c = scale_colour (s, s->lo + k / 64.0 * (s->hi - s->lo));

          cairo_pattern_add_color_stop_rgb (ramp, k / 64.0, c.r, c.g, c.b);
        }
      cairo_rectangle (cr, bx, f->legend_y, bw, LEGEND_BAR);
      cairo_set_source (cr, ramp);
      cairo_fill (cr);
      cairo_pattern_destroy (ramp);
      cairo_rectangle (cr, bx - 0.5, f->legend_y - 0.5, bw + 1.0, LEGEND_BAR + 1.0);
      st_render_set_rgba (cr, &pal->frame, 1.0);
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);

      st_render_set_rgba (cr, &pal->text_dim, 1.0);
      st_render_text_at (cr, lo, bx, y, 0.5, 0.0);
      st_render_text_at (cr, hi, bx + bw, y, 0.5, 0.0);
      if (s->kind == ST_SCALE_DIVERGING && s->lo < 0.0 && s->hi > 0.0)
        {
          double zx = bx + bw * (0.0 - s->lo) / (s->hi - s->lo);

          /* unless it would touch the ends' labels */
          if (zx - bx > allow * 2 + 6.0 && bx + bw - zx > allow * 2 + 6.0)
            st_render_text_at (cr, "0", zx, y, 0.5, 0.0);
        }
    }

  if (isfinite (st->min))
    {
      char a[32], b[32];

      format_value (a, sizeof a, st->min);
      format_value (b, sizeof b, st->max);
      g_snprintf (range, sizeof range, _("min %s · max %s"), a, b);
    }
  else
    g_strlcpy (range, _("no finite values"), sizeof range);
  if (s->n_nonfinite > 0)
    {
      g_autofree char *bad = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d non-finite",
                                                           "%d non-finite", s->n_nonfinite),
                                              s->n_nonfinite);

      text = g_strconcat (range, " · ", bad, NULL);
    }
  else
    text = g_strdup (range);
  shown = st_render_ellipsize (cr, text, MAX (width - 2 * PAD, 0.0));
  st_render_set_rgba (cr, s->n_nonfinite > 0 ? &pal->text : &pal->text_dim, 1.0);
  st_render_text_at (cr, shown, width / 2, f->legend_y + LEGEND_BAR + 3.0 + lh + 2.0, 0.5, 0.0);
}

/* A black ring around a white one around the rectangle, both outside it, so that the value's
 * own colour stays whole and the ring shows on any colour; at least RING_MIN across. */
static void
draw_ring (cairo_t *cr, double x, double y, double w, double h)
{
  double gx = MAX (0.0, (RING_MIN - w) / 2), gy = MAX (0.0, (RING_MIN - h) / 2);

  x -= gx;
  y -= gy;
  w += 2 * gx;
  h += 2 * gy;
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x - 0.5, y - 0.5, w + 1.0, h + 1.0);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_stroke (cr);
  cairo_rectangle (cr, x - 1.5, y - 1.5, w + 3.0, h + 3.0);
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_stroke (cr);
}

static gboolean
shows_selection (const StLayerRenderOptions *o)
{
  return o->has_selection && !o->selection_hidden;
}

/* A 1-2-5 step between labelled indices that leaves each label room (pitch: pixels an
 * index; room: pixels a label needs). */
static int
label_step (double pitch, double room)
{
  static const int mult[3] = { 1, 2, 5 };

  for (gint64 p = 1; p <= G_MAXINT / 10; p *= 10)
    for (int k = 0; k < 3; k++)
      if (mult[k] * p * pitch >= room)
        return (int) (mult[k] * p);
  return G_MAXINT;
}

/* ---- layer outputs ------------------------------------------------------------------------ */

static gboolean
output_valid (const StLayerOutput *out)
{
  if (out == NULL || out->data == NULL || out->channels <= 0)
    return FALSE;
  if (out->rank == 1)
    return TRUE;
  return out->rank == 3 && out->height > 0 && out->width > 0 && out->height <= MAX_SIDE
         && out->width <= MAX_SIDE
         && (gsize) out->channels <= G_MAXSIZE / ((gsize) out->height * (gsize) out->width);
}

static gsize
output_size (const StLayerOutput *out)
{
  if (out->rank == 1)
    return (gsize) out->channels;
  return (gsize) out->channels * out->height * out->width;
}

/* ---- (1) maps: a grid of tiles ------------------------------------------------------------ */

typedef struct {
  Frame    f;
  int      cols;
  double   scale;               /* pixels a value */
  double   tile_w, tile_h;
  double   pitch_x, pitch_y;    /* from a tile to the next */
  double   x0, y0;              /* the first tile's top-left */
  gboolean labels;
} MapsLayout;

/* The largest scale at which n tiles of h × w values fit aw × ah in some number of columns,
 * and that number. */
static double
best_scale (int n, int h, int w, double aw, double ah, double gap, double label_h, int *cols)
{
  double best = 0.0;

  *cols = 1;
  for (int k = 1; k <= n; k++)
    {
      int rows = (n + k - 1) / k;
      double sx = (aw - (k - 1) * gap) / ((double) k * w);
      double sy = (ah - rows * label_h - (rows - 1) * gap) / ((double) rows * h);

      if (sx <= 0.0)
        break;
      if (MIN (sx, sy) > best * 1.0001)
        {
          best = MIN (sx, sy);
          *cols = k;
        }
    }
  return best;
}

static gboolean
maps_layout (cairo_t *cr, double width, double height, const StLayerOutput *out,
             const StLayerRenderOptions *o, MapsLayout *l)
{
  int n = out->channels, rows;
  double aw, ah, label_h, label_w, gap = TILE_GAP;
  char widest[16];

  cairo_save (cr);
  frame_layout (cr, height, o, &l->f);
  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_BOLD);
  label_h = st_render_line_height (cr) + 3.0;
  g_snprintf (widest, sizeof widest, "%d", n - 1);
  label_w = st_render_text_width (cr, widest) + 2.0;
  cairo_restore (cr);

  aw = width - 2 * PAD;
  ah = l->f.bottom - l->f.top;
  if (!(aw >= 1.0 && ah >= 1.0))
    return FALSE;
  l->scale = crisp_scale (best_scale (n, out->height, out->width, aw, ah, gap, label_h,
                                      &l->cols));
  l->labels = l->scale >= MIN_LABELLED && l->scale * out->width + gap >= label_w;
  if (!l->labels)
    {
      gap = TIGHT_GAP;
      label_h = 0.0;
      l->scale = crisp_scale (best_scale (n, out->height, out->width, aw, ah, gap, 0.0,
                                          &l->cols));
    }
  if (!(l->scale > 0.0))
    return FALSE;
  rows = (n + l->cols - 1) / l->cols;
  l->tile_w = out->width * l->scale;
  l->tile_h = out->height * l->scale;
  l->pitch_x = l->tile_w + gap;
  l->pitch_y = l->tile_h + label_h + gap;
  l->x0 = floor (PAD + (aw - (l->cols * l->pitch_x - gap)) / 2);
  l->y0 = floor (l->f.top + (ah - (rows * l->pitch_y - gap)) / 2);
  return TRUE;
}

static void
maps_tile (const MapsLayout *l, int c, double *x, double *y)
{
  *x = l->x0 + (c % l->cols) * l->pitch_x;
  *y = l->y0 + (c / l->cols) * l->pitch_y;
}

static void
maps_draw (cairo_t *cr, const MapsLayout *l, const StLayerOutput *out, const Stats *st,
           const StLayerRenderOptions *o, const StGridPalette *pal)
{
  gsize plane = (gsize) out->height * out->width;
  gboolean framed = l->tile_w >= MIN_FRAMED && l->tile_h >= MIN_FRAMED;
  int sel = shows_selection (o) && o->sel_c >= 0 && o->sel_c < out->channels ? o->sel_c : -1;

  cairo_set_line_width (cr, 1.0);
  for (int c = 0; c < out->channels; c++)
    {
      cairo_surface_t *surface;
      double x, y;

      maps_tile (l, c, &x, &y);
      if (framed)
        {
          cairo_rectangle (cr, x - 0.5, y - 0.5, l->tile_w + 1.0, l->tile_h + 1.0);
          st_render_set_rgba (cr, &pal->frame, 1.0);
          cairo_stroke (cr);
        }
      surface = values_surface (out->data + c * plane, out->height, out->width, &st->scale);
      paint_values (cr, surface, x, y, l->scale);
      cairo_surface_destroy (surface);
      if (l->labels)
        {
          char label[16];

          g_snprintf (label, sizeof label, "%d", c);
          st_render_set_font (cr, LABEL_FONT, c == sel ? CAIRO_FONT_WEIGHT_BOLD
                                                       : CAIRO_FONT_WEIGHT_NORMAL);
          st_render_set_rgba (cr, c == sel ? &pal->text : &pal->text_dim, 1.0);
          st_render_text_at (cr, label, x + l->tile_w / 2, y + l->tile_h + 2.0, 0.5, 0.0);
        }
    }

  if (sel >= 0)
    {
      double x, y;

      maps_tile (l, sel, &x, &y);
      cairo_set_line_width (cr, 2.0);
      cairo_rectangle (cr, x - 1.0, y - 1.0, l->tile_w + 2.0, l->tile_h + 2.0);
      st_render_set_rgba (cr, &pal->text, 1.0);
      cairo_stroke (cr);
      if (o->sel_y >= 0 && o->sel_y < out->height && o->sel_x >= 0 && o->sel_x < out->width)
        draw_ring (cr, x + o->sel_x * l->scale, y + o->sel_y * l->scale, l->scale, l->scale);
    }
}

static gboolean
maps_hit (const MapsLayout *l, const StLayerOutput *out, double x, double y, int *c, int *row,
          int *col)
{
  double kx = floor ((x - l->x0) / l->pitch_x), ky = floor ((y - l->y0) / l->pitch_y);
  double tx, ty;
  int k;

  if (!(kx >= 0.0 && kx < l->cols && ky >= 0.0 && ky < out->channels))
    return FALSE;
  k = (int) ky * l->cols + (int) kx;
  if (k >= out->channels)
    return FALSE;
  maps_tile (l, k, &tx, &ty);
  if (!(x >= tx && x < tx + l->tile_w && y >= ty && y < ty + l->tile_h))
    return FALSE;
  *c = k;
  *row = CLAMP ((int) floor ((y - ty) / l->scale), 0, out->height - 1);
  *col = CLAMP ((int) floor ((x - tx) / l->scale), 0, out->width - 1);
  return TRUE;
}

/* ---- (2) a flat output: bars -------------------------------------------------------------- */

typedef struct {
  Frame    f;
  int      n;
  double   left;
  int      pw;                  /* the plot's width in whole pixels */
  double   slot;                /* pw / n: pixels an index */
  gboolean squeezed;            /* n > pw: a pixel column holds several indices */
  gboolean texts;               /* values written by their bars */
  double   top, bottom;         /* the bars' extent: vhi at top, vlo at bottom */
  double   zero;                /* the zero line's y, a whole pixel */
  double   area_top, area_bottom;       /* with the value texts' bands: what a hit takes */
  double   vlo, vhi;
  int      step;                /* labelled indices */
} BarsLayout;

static gboolean
bars_layout (cairo_t *cr, double width, double height, const StLayerOutput *out,
             const StLayerRenderOptions *o, const Stats *st, BarsLayout *l)
{
  double lh, band, label_w;
  char widest[16];

  cairo_save (cr);
  frame_layout (cr, height, o, &l->f);
  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  lh = st_render_line_height (cr);
  g_snprintf (widest, sizeof widest, "%d", out->channels - 1);
  label_w = st_render_text_width (cr, widest) + 8.0;
  cairo_restore (cr);

  l->n = out->channels;
  l->left = PAD;
  l->pw = (int) floor (MIN (width - 2 * PAD, G_MAXINT / 2));
  if (l->pw < 1)
    return FALSE;
  l->slot = (double) l->pw / l->n;
  l->squeezed = l->n > l->pw;
  l->texts = l->n <= MAX_TEXTS;
  band = l->texts ? lh + 2.0 : 0.0;
  l->area_top = l->f.top;
  l->area_bottom = l->f.bottom - TICK_LEN - 1.0 - lh;
  l->top = l->area_top + band;
  l->bottom = l->area_bottom - band;
  if (l->bottom - l->top < 4.0)
    return FALSE;

  l->vlo = isfinite (st->min) ? MIN (st->min, 0.0) : 0.0;
  l->vhi = isfinite (st->max) ? MAX (st->max, 0.0) : 0.0;
  if (!(l->vhi > l->vlo))
    l->vhi = 1.0;
  l->zero = round (l->bottom - (0.0 - l->vlo) / (l->vhi - l->vlo) * (l->bottom - l->top));
  l->step = label_step (l->slot, label_w);
  return TRUE;
}

/* The y of value v: the zero line, up to top for vhi, down to bottom for vlo. */
static double
bars_y (const BarsLayout *l, double v)
{
  if (v >= 0.0)
    return l->zero - (l->vhi > 0.0 ? v / l->vhi * (l->zero - l->top) : 0.0);
  return l->zero + (l->vlo < 0.0 ? v / l->vlo * (l->bottom - l->zero) : 0.0);
}

static int
bars_column (const BarsLayout *l, int i)
{
  return (int) ((gint64) i * l->pw / l->n);
}

/* Where bar i of value v is drawn (unsqueezed: its slot narrowed to a bar). */
static void
bars_rect (const BarsLayout *l, int i, double v, double rect[4])
{
  if (l->squeezed)
    {
      rect[0] = l->left + bars_column (l, i);
      rect[2] = 1.0;
    }
  else
    {
      double bw = l->slot >= 4.0 ? l->slot * 0.8 : l->slot;

      rect[0] = l->left + i * l->slot + (l->slot - bw) / 2;
      rect[2] = bw;
    }
  if (!isfinite (v))
    {
      rect[1] = l->top;
      rect[3] = l->bottom - l->top;
      return;
    }
  rect[1] = bars_y (l, MAX (v, 0.0));
  rect[3] = bars_y (l, MIN (v, 0.0)) - rect[1];
}

/* A bar from the zero line to v, a pixel long at least when v is not 0; outlined (inside
 * its edge) in outline, when not NULL and the bar is large enough, so that values near 0,
 * near-white, still show on a light background. */
static void
fill_bar (cairo_t *cr, const BarsLayout *l, const StColourScale *s, double x, double w,
          double v, const StRgba *outline)
{
  double h = MAX (fabs (bars_y (l, v) - l->zero), 1.0), y = v > 0.0 ? l->zero - h : l->zero;
  StRgba c = scale_colour (s, v);

  if (v == 0.0)
    return;
  cairo_rectangle (cr, x, y, w, h);
  st_render_set_rgba (cr, &c, 1.0);
  cairo_fill (cr);
  if (outline == NULL || w < 4.0 || h < 3.0)
    return;
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1.0, h - 1.0);
  st_render_set_rgba (cr, outline, 0.7);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

static void
bars_draw_squeezed (cairo_t *cr, const BarsLayout *l, const StLayerOutput *out,
                    const Stats *st)
{
  g_autofree double *hi = g_new (double, l->pw);
  g_autofree double *lo = g_new (double, l->pw);
  g_autofree gboolean *bad = g_new0 (gboolean, l->pw);

  for (int k = 0; k < l->pw; k++)
    hi[k] = lo[k] = 0.0;
  for (int i = 0; i < l->n; i++)
    {
      int k = bars_column (l, i);
      float v = out->data[i];

      if (!isfinite (v))
        bad[k] = TRUE;
      else
        {
          hi[k] = MAX (hi[k], v);
          lo[k] = MIN (lo[k], v);
        }
    }
  for (int k = 0; k < l->pw; k++)
    {
      if (bad[k])
        {
          cairo_rectangle (cr, l->left + k, l->top, 1.0, l->bottom - l->top);
          st_render_set_rgba (cr, &nonfinite_colour, 1.0);
          cairo_fill (cr);
        }
      fill_bar (cr, l, &st->scale, l->left + k, 1.0, hi[k], NULL);
      fill_bar (cr, l, &st->scale, l->left + k, 1.0, lo[k], NULL);
    }
}

static void
bars_draw (cairo_t *cr, const BarsLayout *l, const StLayerOutput *out, const Stats *st,
           const StLayerRenderOptions *o, const StGridPalette *pal)
{
  char buf[32];

  if (l->squeezed)
    bars_draw_squeezed (cr, l, out, st);
  else
    for (int i = 0; i < l->n; i++)
      {
        double r[4], v = out->data[i];

        bars_rect (l, i, v, r);
        if (isfinite (v))
          fill_bar (cr, l, &st->scale, r[0], r[2], v, &pal->frame);
        else
          {
            cairo_rectangle (cr, r[0], r[1], r[2], r[3]);
            st_render_set_rgba (cr, &nonfinite_colour, 1.0);
            cairo_fill (cr);
          }
      }

  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, l->left, l->zero + 0.5);
  cairo_line_to (cr, l->left + l->pw, l->zero + 0.5);
  st_render_set_rgba (cr, &pal->frame, 1.0);
  cairo_stroke (cr);

  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int i = 0; i < l->n; i += l->step)
    {
      double x = floor (l->left + (i + 0.5) * l->slot) + 0.5, half;

      cairo_move_to (cr, x, l->area_bottom);
      cairo_line_to (cr, x, l->area_bottom + TICK_LEN);
      st_render_set_rgba (cr, &pal->frame, 1.0);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%d", i);
      half = st_render_text_width (cr, buf) / 2;
      st_render_set_rgba (cr, &pal->text_dim, 1.0);
      /* the end labels kept inside the plot's width */
      st_render_text_at (cr, buf, CLAMP (x, l->left + half, MAX (l->left + l->pw - half,
                                                                  l->left + half)),
                         l->area_bottom + TICK_LEN + 1.0, 0.5, 0.0);
      if (i > G_MAXINT - l->step)
        break;
    }

  if (l->texts && !l->squeezed)
    {
      st_render_set_rgba (cr, &pal->text, 1.0);
      for (int i = 0; i < l->n; i++)
        {
          double v = out->data[i], x = l->left + (i + 0.5) * l->slot;

          format_value (buf, sizeof buf, v);
          if (st_render_text_width (cr, buf) > l->slot)
            continue;
          if (!isfinite (v))
            st_render_text_at (cr, buf, x, l->top - 2.0, 0.5, 1.0);
          else if (v >= 0.0)
            st_render_text_at (cr, buf, x, bars_y (l, v) - 2.0, 0.5, 1.0);
          else
            st_render_text_at (cr, buf, x, bars_y (l, v) + 2.0, 0.5, 0.0);
        }
    }

  if (shows_selection (o) && o->sel_c >= 0 && o->sel_c < l->n)
    {
      double r[4];

      bars_rect (l, o->sel_c, out->data[o->sel_c], r);
      draw_ring (cr, r[0], r[1], r[2], r[3]);
    }
}

static gboolean
bars_hit (const BarsLayout *l, const StLayerOutput *out, double x, double y, int *c)
{
  gint64 k, first, end;
  double best = INFINITY;

  if (!(x >= l->left && x < l->left + l->pw && y >= l->area_top && y <= l->area_bottom))
    return FALSE;
  if (!l->squeezed)
    {
      *c = CLAMP ((int) floor ((x - l->left) / l->slot), 0, l->n - 1);
      return TRUE;
    }
  /* the indices i of column k: k ≤ i·pw/n < k + 1 */
  k = (gint64) floor (x - l->left);
  first = (k * l->n + l->pw - 1) / l->pw;
  end = MIN (((k + 1) * l->n + l->pw - 1) / l->pw, l->n);
  *c = (int) first;
  for (gint64 i = first; i < end; i++)
    if (isfinite (out->data[i]) && fabs (bars_y (l, out->data[i]) - y) < best)
      {
        best = fabs (bars_y (l, out->data[i]) - y);
        *c = (int) i;
      }
  return TRUE;
}

/* ---- the outputs' entry points ------------------------------------------------------------ */

void
st_layer_output_render (cairo_t                    *cr,
                        double                      width,
                        double                      height,
                        const StLayerOutput        *out,
                        const StLayerRenderOptions *options)
{
  StLayerRenderOptions defaults;
  const StLayerRenderOptions *o = options_or_defaults (options, &defaults);
  StGridOptions go = grid_options (o);
  const StGridPalette *pal = st_grid_palette_for (&go);
  Stats st;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (out != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  st_grid_begin (cr, width, height, &go);
  if (output_valid (out))
    {
      MapsLayout ml;
      BarsLayout bl;
      Frame f;

      stats_for (out->data, output_size (out), FALSE, &st);
      if (out->rank == 3 && maps_layout (cr, width, height, out, o, &ml))
        maps_draw (cr, &ml, out, &st, o, pal);
      else if (out->rank == 1 && bars_layout (cr, width, height, out, o, &st, &bl))
        bars_draw (cr, &bl, out, &st, o, pal);
      frame_layout (cr, height, o, &f);
      if (f.legend)
        draw_legend (cr, width, &f, &st, pal);
    }
  cairo_restore (cr);
}

gboolean
st_layer_output_hit_test (double                      width,
                          double                      height,
                          const StLayerOutput        *out,
                          const StLayerRenderOptions *options,
                          double                      x,
                          double                      y,
                          int                        *c,
                          int                        *row,
                          int                        *col)
{
  StLayerRenderOptions defaults;
  const StLayerRenderOptions *o = options_or_defaults (options, &defaults);
  int hc = -1, hr = 0, hx = 0;
  gboolean hit = FALSE;
  cairo_t *cr;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!output_valid (out) || !(width >= 1.0 && height >= 1.0))
    return FALSE;
  cr = st_render_scratch_context ();
  if (out->rank == 3)
    {
      MapsLayout l;

      hit = maps_layout (cr, width, height, out, o, &l) && maps_hit (&l, out, x, y, &hc, &hr,
                                                                     &hx);
    }
  else
    {
      BarsLayout l;
      Stats st;

      stats_for (out->data, output_size (out), FALSE, &st);
      hit = bars_layout (cr, width, height, out, o, &st, &l) && bars_hit (&l, out, x, y, &hc);
    }
  cairo_destroy (cr);
  if (!hit)
    return FALSE;
  if (c != NULL)
    *c = hc;
  if (row != NULL)
    *row = hr;
  if (col != NULL)
    *col = hx;
  return TRUE;
}

gboolean
st_layer_output_cell_rect (double                      width,
                           double                      height,
                           const StLayerOutput        *out,
                           const StLayerRenderOptions *options,
                           int                         c,
                           int                         row,
                           int                         col,
                           double                      rect[4])
{
  StLayerRenderOptions defaults;
  const StLayerRenderOptions *o = options_or_defaults (options, &defaults);
  gboolean drawn = FALSE;
  cairo_t *cr;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);
  if (!output_valid (out) || !(width >= 1.0 && height >= 1.0) || c < 0 || c >= out->channels)
    return FALSE;
  cr = st_render_scratch_context ();
  if (out->rank == 3)
    {
      MapsLayout l;

      if (row >= 0 && row < out->height && col >= 0 && col < out->width
          && maps_layout (cr, width, height, out, o, &l))
        {
          double x, y;

          maps_tile (&l, c, &x, &y);
          rect[0] = x + col * l.scale;
          rect[1] = y + row * l.scale;
          rect[2] = rect[3] = l.scale;
          drawn = TRUE;
        }
    }
  else
    {
      BarsLayout l;
      Stats st;

      stats_for (out->data, output_size (out), FALSE, &st);
      if (row == 0 && col == 0 && bars_layout (cr, width, height, out, o, &st, &l))
        {
          bars_rect (&l, c, out->data[c], rect);
          drawn = TRUE;
        }
    }
  cairo_destroy (cr);
  return drawn;
}

/* ---- (3) a convolution's filters ---------------------------------------------------------- */

typedef struct {
  Frame  f;
  int    oc, ic, kh, kw;        /* the weight's sizes */
  int    rows, cols;            /* kernels drawn */
  double scale;
  double tile_w, tile_h, pitch_x, pitch_y;
  double x0, y0;                /* the first kernel's top-left */
  double caption_y;
  int    row_step, col_step;    /* numbered rows and columns */
} FiltersLayout;

static gboolean
dims_valid (const float *weight, const gint64 dims[4])
{
  gsize n = 1;

  if (weight == NULL || dims == NULL)
    return FALSE;
  for (int k = 0; k < 4; k++)
    {
      if (dims[k] <= 0 || dims[k] > G_MAXINT || (k >= 2 && dims[k] > MAX_SIDE)
          || (gsize) dims[k] > G_MAXSIZE / n)
        return FALSE;
      n *= (gsize) dims[k];
    }
  return TRUE;
}

static gsize
dims_size (const gint64 dims[4])
{
  return (gsize) dims[0] * dims[1] * dims[2] * dims[3];
}

static void
more_text (char *buf, gsize size, int n)
{
  g_snprintf (buf, size, _("+%d more"), n);
}

static gboolean
filters_layout (cairo_t *cr, double width, double height, const gint64 dims[4],
                const StLayerRenderOptions *o, FiltersLayout *l)
{
  double lh, head_w, head_h, col_label_w, more_w = 0.0, more_h = 0.0, gx, gy, aw, ah;
  char buf[64];

  l->oc = (int) dims[0];
  l->ic = (int) dims[1];
  l->kh = (int) dims[2];
  l->kw = (int) dims[3];
  l->rows = MIN (l->oc, MAX (o->max_rows, 1));
  l->cols = MIN (l->ic, MAX (o->max_cols, 1));

  cairo_save (cr);
  frame_layout (cr, height, o, &l->f);
  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_BOLD);
  lh = st_render_line_height (cr);
  g_snprintf (buf, sizeof buf, "%d", l->rows - 1);
  head_w = st_render_text_width (cr, buf) + 6.0;
  g_snprintf (buf, sizeof buf, "%d", l->cols - 1);
  col_label_w = st_render_text_width (cr, buf) + 4.0;
  head_h = lh + 2.0;
  if (l->cols < l->ic)
    {
      more_text (buf, sizeof buf, l->ic - l->cols);
      more_w = st_render_text_width (cr, buf) + 8.0;
    }
  if (l->rows < l->oc)
    more_h = lh + 4.0;
  cairo_restore (cr);

  l->caption_y = l->f.top;
  gx = PAD + head_w;
  gy = l->f.top + lh + 4.0 + head_h;
  aw = width - PAD - more_w - gx;
  ah = l->f.bottom - more_h - gy;
  if (!(aw >= 1.0 && ah >= 1.0))
    return FALSE;
  l->scale = crisp_scale (MIN ((aw - (l->cols - 1) * KERNEL_GAP) / ((double) l->cols * l->kw),
                               (ah - (l->rows - 1) * KERNEL_GAP) / ((double) l->rows * l->kh)));
  if (!(l->scale > 0.0))
    return FALSE;
  l->tile_w = l->kw * l->scale;
  l->tile_h = l->kh * l->scale;
  l->pitch_x = l->tile_w + KERNEL_GAP;
  l->pitch_y = l->tile_h + KERNEL_GAP;
  l->x0 = floor (gx + (aw - (l->cols * l->pitch_x - KERNEL_GAP)) / 2);
  l->y0 = floor (gy + (ah - (l->rows * l->pitch_y - KERNEL_GAP)) / 2);
  l->col_step = label_step (l->pitch_x, col_label_w);
  l->row_step = label_step (l->pitch_y, lh);
  return TRUE;
}

static void
filters_tile (const FiltersLayout *l, int r, int k, double *x, double *y)
{
  *x = l->x0 + k * l->pitch_x;
  *y = l->y0 + r * l->pitch_y;
}

static void
filters_draw (cairo_t *cr, double width, const FiltersLayout *l, const float *weight,
              const Stats *st, const StLayerRenderOptions *o, const StGridPalette *pal)
{
  gsize kernel = (gsize) l->kh * l->kw;
  gboolean framed = l->tile_w >= MIN_FRAMED && l->tile_h >= MIN_FRAMED;
  int sel = shows_selection (o) && o->sel_c >= 0 && o->sel_c < l->rows ? o->sel_c : -1;
  double grid_w = l->cols * l->pitch_x - KERNEL_GAP, grid_h = l->rows * l->pitch_y - KERNEL_GAP;
  g_autofree char *caption = NULL;
  char buf[64];

  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  caption = st_render_ellipsize (cr, _("rows: output channels · columns: input channels"),
                                 MAX (width - 2 * PAD, 0.0));
  st_render_set_rgba (cr, &pal->text_dim, 1.0);
  st_render_text_at (cr, caption, PAD, l->caption_y, 0.0, 0.0);

  for (int k = 0; k < l->cols; k += l->col_step)
    {
      double x, y;

      filters_tile (l, 0, k, &x, &y);
      g_snprintf (buf, sizeof buf, "%d", k);
      st_render_text_at (cr, buf, x + l->tile_w / 2, y - 2.0, 0.5, 1.0);
      if (k > G_MAXINT - l->col_step)
        break;
    }
  for (int r = 0; r < l->rows; r++)
    {
      double x, y;

      if (r % l->row_step != 0 && r != sel)
        continue;
      filters_tile (l, r, 0, &x, &y);
      g_snprintf (buf, sizeof buf, "%d", r);
      st_render_set_font (cr, LABEL_FONT, r == sel ? CAIRO_FONT_WEIGHT_BOLD
                                                   : CAIRO_FONT_WEIGHT_NORMAL);
      st_render_set_rgba (cr, r == sel ? &pal->text : &pal->text_dim, 1.0);
      st_render_text_at (cr, buf, x - 4.0, y + l->tile_h / 2, 1.0, 0.5);
    }

  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text_dim, 1.0);
  if (l->cols < l->ic)
    {
      more_text (buf, sizeof buf, l->ic - l->cols);
      st_render_text_at (cr, buf, l->x0 + grid_w + 6.0, l->y0 - 2.0, 0.0, 1.0);
    }
  if (l->rows < l->oc)
    {
      more_text (buf, sizeof buf, l->oc - l->rows);
      st_render_text_at (cr, buf, l->x0, l->y0 + grid_h + 4.0, 0.0, 0.0);
    }

  cairo_set_line_width (cr, 1.0);
  for (int r = 0; r < l->rows; r++)
    for (int k = 0; k < l->cols; k++)
      {
        const float *w = weight + ((gsize) r * l->ic + k) * kernel;
        cairo_surface_t *surface;
        double x, y;

        filters_tile (l, r, k, &x, &y);
        if (framed)
          {
            cairo_rectangle (cr, x - 0.5, y - 0.5, l->tile_w + 1.0, l->tile_h + 1.0);
            st_render_set_rgba (cr, &pal->frame, 1.0);
            cairo_stroke (cr);
          }
        surface = values_surface (w, l->kh, l->kw, &st->scale);
        paint_values (cr, surface, x, y, l->scale);
        cairo_surface_destroy (surface);
      }

  if (sel >= 0)
    {
      double x, y;

      filters_tile (l, sel, 0, &x, &y);
      cairo_set_line_width (cr, 2.0);
      cairo_rectangle (cr, x - 2.0, y - 2.0, grid_w + 4.0, l->tile_h + 4.0);
      st_render_set_rgba (cr, &pal->text, 1.0);
      cairo_stroke (cr);
    }
}

void
st_filters_render (cairo_t                    *cr,
                   double                      width,
                   double                      height,
                   const float                *weight,
                   const gint64                dims[4],
                   const StLayerRenderOptions *options)
{
  StLayerRenderOptions defaults;
  const StLayerRenderOptions *o = options_or_defaults (options, &defaults);
  StGridOptions go = grid_options (o);
  const StGridPalette *pal = st_grid_palette_for (&go);

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  st_grid_begin (cr, width, height, &go);
  if (dims_valid (weight, dims))
    {
      FiltersLayout l;
      Stats st;
      Frame f;

      stats_for (weight, dims_size (dims), TRUE, &st);
      if (filters_layout (cr, width, height, dims, o, &l))
        filters_draw (cr, width, &l, weight, &st, o, pal);
      frame_layout (cr, height, o, &f);
      if (f.legend)
        draw_legend (cr, width, &f, &st, pal);
    }
  cairo_restore (cr);
}

static gboolean
filters_query (double width, double height, const float *weight, const gint64 dims[4],
               const StLayerRenderOptions *o, FiltersLayout *l)
{
  cairo_t *cr;
  gboolean ok;

  if (!dims_valid (weight, dims) || !(width >= 1.0 && height >= 1.0))
    return FALSE;
  cr = st_render_scratch_context ();
  ok = filters_layout (cr, width, height, dims, o, l);
  cairo_destroy (cr);
  return ok;
}

gboolean
st_filters_hit_test (double                      width,
                     double                      height,
                     const float                *weight,
                     const gint64                dims[4],
                     const StLayerRenderOptions *options,
                     double                      x,
                     double                      y,
                     int                        *oc,
                     int                        *ic)
{
  StLayerRenderOptions defaults;
  const StLayerRenderOptions *o = options_or_defaults (options, &defaults);
  FiltersLayout l;
  double kx, ky, tx, ty;

  if (!filters_query (width, height, weight, dims, o, &l))
    return FALSE;
  kx = floor ((x - l.x0) / l.pitch_x);
  ky = floor ((y - l.y0) / l.pitch_y);
  if (!(kx >= 0.0 && kx < l.cols && ky >= 0.0 && ky < l.rows))
    return FALSE;
  filters_tile (&l, (int) ky, (int) kx, &tx, &ty);
  if (!(x >= tx && x < tx + l.tile_w && y >= ty && y < ty + l.tile_h))
    return FALSE;
  if (oc != NULL)
    *oc = (int) ky;
  if (ic != NULL)
    *ic = (int) kx;
  return TRUE;
}

gboolean
st_filters_cell_rect (double                      width,
                      double                      height,
                      const float                *weight,
                      const gint64                dims[4],
                      const StLayerRenderOptions *options,
                      int                         oc,
                      int                         ic,
                      double                      rect[4])
{
  StLayerRenderOptions defaults;
  const StLayerRenderOptions *o = options_or_defaults (options, &defaults);
  FiltersLayout l;

  g_return_val_if_fail (rect != NULL, FALSE);
  if (!filters_query (width, height, weight, dims, o, &l) || oc < 0 || oc >= l.rows || ic < 0
      || ic >= l.cols)
    return FALSE;
  filters_tile (&l, oc, ic, &rect[0], &rect[1]);
  rect[2] = l.tile_w;
  rect[3] = l.tile_h;
  return TRUE;
}

/* ---- saving ------------------------------------------------------------------------------- */

typedef struct {
  const StLayerOutput        *out;
  const float                *weight;
  const gint64               *dims;
  const StLayerRenderOptions *o;
} SaveArgs;

static void
render_output_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const SaveArgs *a = user_data;

  st_layer_output_render (cr, width, height, a->out, a->o);
}

static void
render_filters_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const SaveArgs *a = user_data;

  st_filters_render (cr, width, height, a->weight, a->dims, a->o);
}

gboolean
st_layer_output_save (const char *path, int width, int height, const StLayerOutput *out,
                      const StLayerRenderOptions *o, GError **error)
{
  SaveArgs a = { .out = out, .o = o };

  g_return_val_if_fail (out != NULL, FALSE);
  return st_render_save (path, width, height, render_output_cb, &a, error);
}

gboolean
st_filters_save (const char *path, int width, int height, const float *weight,
                 const gint64 dims[4], const StLayerRenderOptions *o, GError **error)
{
  SaveArgs a = { .weight = weight, .dims = dims, .o = o };

  return st_render_save (path, width, height, render_filters_cb, &a, error);
}
