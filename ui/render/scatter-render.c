/* scatter-render.c: see scatter-render.h.
 *
 * A render is: lay the picture out (layout (): text metrics decide the margins, the finite
 * points the ranges), then draw the frame, grid, ticks, labels and legend, then the dots. The
 * hit test and st_scatter_position () call the same layout () on a scratch context and map
 * through the same map (), so they agree with the pixels to the last bit.
 *
 * Vertical space is settled before horizontal space: the y ticks need only the plot's height,
 * their labels' widths then set the left margin, and the x ticks come last.
 */
#define G_LOG_DOMAIN "strata-render"

#include "ui/render/scatter-render.h"

#include "ui/render/chart-axis.h"
#include "ui/render/render-util.h"

#include "core/io/i18n.h"

#include <math.h>

#define TITLE_FONT  14.0
#define LABEL_FONT  12.0
#define TICK_FONT   11.0
#define EMPTY_FONT  15.0
#define PAD         10.0
#define TICK_LEN     4.0
#define SWATCH      10.0        /* the legend's disc, and the gap after it */
#define LEGEND_GAP  14.0        /* between the plot and the legend */
#define MIN_PLOT    16.0        /* a smaller plot area draws no plot */
#define MARGIN       0.05       /* of the data range, on each side */
#define DOT_RADIUS   2.5
#define DOT_ALPHA    0.7
#define MARK_RADIUS  4.5        /* the highlighted point */
#define RING_RADIUS  7.5

typedef struct {
  StRgba background;
  StRgba text;
  StRgba text_dim;
  StRgba frame;
  StRgba grid;
} Palette;

static const Palette light_palette = {
  .background = { 1.0, 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.13, 0.15, 1.0 },
  .text_dim = { 0.36, 0.36, 0.40, 1.0 },
  .frame = { 0.0, 0.0, 0.0, 0.55 },
  .grid = { 0.0, 0.0, 0.0, 0.09 },
};

static const Palette dark_palette = {
  .background = { 0.14, 0.14, 0.15, 1.0 },
  .text = { 0.93, 0.93, 0.94, 1.0 },
  .text_dim = { 0.70, 0.70, 0.73, 1.0 },
  .frame = { 1.0, 1.0, 1.0, 0.55 },
  .grid = { 1.0, 1.0, 1.0, 0.10 },
};

/* a label outside 0..n_classes-1 */
static const StRgba unknown_grey = { 0.6, 0.6, 0.6, 1.0 };

typedef struct {
  gboolean plot;                        /* the plot area is large enough to draw in */
  gboolean empty;                       /* no point with finite coordinates */
  double   left, top, right, bottom;    /* the plot area */
  double   xlo, xhi, ylo, yhi;          /* the data at its edges */
  StTicks  xticks, yticks;              /* none when empty */
  double   legend_x;                    /* the legend column's left edge */
  double   name_width;                  /* legend names are shortened to this */
  double   row_height;                  /* of a legend entry */
  int      legend_shown;                /* entries listed; fewer than n_classes: a "+N" row */
} Layout;

static gboolean
drawable (const StScatterPoint *p)
{
  return isfinite (p->x) && isfinite (p->y);
}

static void
class_name (char *buf, gsize size, const StScatter *s, int k)
{
  if (s->class_names != NULL && s->class_names[k] != NULL)
    g_strlcpy (buf, s->class_names[k], size);
  else
    g_snprintf (buf, size, "%d", k);
}

static const StRgba *
class_colour (const StScatter *s, int label)
{
  if (label < 0 || label >= s->n_classes)
    return &unknown_grey;
  return &st_render_tab10[label % G_N_ELEMENTS (st_render_tab10)];
}

/* [lo, hi] widened by MARGIN on each side; a single value gets a range around it, so that
 * identical points land in the middle instead of dividing by zero. */
static void
widen (double *lo, double *hi)
{
  double span = *hi - *lo;

  if (span > 0.0)
    {
      *lo -= MARGIN * span;
      *hi += MARGIN * span;
    }
  else
    {
      double half = MAX (0.5, 0.05 * fabs (*lo));

      *hi = *lo + half;
      *lo -= half;
    }
}

/* FALSE when no point has finite coordinates. */
static gboolean
data_range (const StScatter *s, double *xlo, double *xhi, double *ylo, double *yhi)
{
  *xlo = *ylo = INFINITY;
  *xhi = *yhi = -INFINITY;
  for (int i = 0; i < s->n_points; i++)
    if (drawable (&s->points[i]))
      {
        *xlo = MIN (*xlo, s->points[i].x);
        *xhi = MAX (*xhi, s->points[i].x);
        *ylo = MIN (*ylo, s->points[i].y);
        *yhi = MAX (*yhi, s->points[i].y);
      }
  if (*xlo > *xhi)
    {
      *xlo = *ylo = 0.0;
      *xhi = *yhi = 1.0;
      return FALSE;
    }
  widen (xlo, xhi);
  widen (ylo, yhi);
  return TRUE;
}

static double
max_tick_width (cairo_t *cr, const StTicks *t)
{
  double w = 0.0;
  char buf[64];

  for (int i = 0; i < t->n; i++)
    if (t->major[i])
      {
        st_ticks_format (buf, sizeof buf, t, t->v[i], FALSE);
        w = MAX (w, st_render_text_width (cr, buf));
      }
  return w;
}

/* The legend's width: its widest name (shortened to name_width) after a swatch. */
static double
legend_width (cairo_t *cr, const StScatter *s, Layout *l)
{
  double w = 0.0;
  char buf[128];

  for (int k = 0; k < l->legend_shown; k++)
    {
      class_name (buf, sizeof buf, s, k);
      w = MAX (w, MIN (st_render_text_width (cr, buf), l->name_width));
    }
  if (l->legend_shown < s->n_classes)
    {
      g_snprintf (buf, sizeof buf, "… +%d", s->n_classes - l->legend_shown);
      w = MAX (w, st_render_text_width (cr, buf));
    }
  return SWATCH * 2 + w;
}

/* Everything the render, the hit test and st_scatter_position () agree on; cr only measures. */
static void
layout (cairo_t *cr, const StScatter *s, double width, double height, Layout *l)
{
  double label_h, tick_h, tick_w, rows;

  cairo_save (cr);
  l->empty = !data_range (s, &l->xlo, &l->xhi, &l->ylo, &l->yhi);
  l->xticks.n = l->yticks.n = 0;

  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  label_h = st_render_line_height (cr);
  st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  tick_h = st_render_line_height (cr);
  l->row_height = tick_h + 4.0;

  l->top = PAD + tick_h / 2;
  if (s->title != NULL)
    {
      st_render_set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      l->top += st_render_line_height (cr) + 6.0;
    }
  l->bottom = height - PAD - TICK_LEN - 3.0 - tick_h;
  if (s->x_label != NULL)
    l->bottom -= label_h + 4.0;

  st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  if (!l->empty)
    st_ticks_linear (l->ylo, l->yhi, MAX (2.0, (l->bottom - l->top) / 50.0), &l->yticks);
  tick_w = max_tick_width (cr, &l->yticks);
  l->left = PAD + tick_w + TICK_LEN + 4.0;
  if (s->y_label != NULL)
    l->left += label_h + 4.0;

  l->right = width - PAD;
  l->legend_shown = 0;
  l->name_width = MAX (20.0, 0.25 * width);
  l->legend_x = l->right;
  if (s->n_classes > 0)
    {
      rows = floor ((l->bottom - l->top) / l->row_height);
      l->legend_shown = rows >= s->n_classes ? s->n_classes : (int) MAX (rows - 1.0, 0.0);
      l->legend_x = l->right - legend_width (cr, s, l);
      l->right = l->legend_x - LEGEND_GAP;
    }
  if (!l->empty)
    st_ticks_linear (l->xlo, l->xhi, MAX (2.0, (l->right - l->left) / 80.0), &l->xticks);
  l->plot = l->right - l->left >= MIN_PLOT && l->bottom - l->top >= MIN_PLOT;
  cairo_restore (cr);
}

static double
map_x (const Layout *l, double x)
{
  return l->left + (x - l->xlo) / (l->xhi - l->xlo) * (l->right - l->left);
}

static double
map_y (const Layout *l, double y)
{
  return l->bottom - (y - l->ylo) / (l->yhi - l->ylo) * (l->bottom - l->top);
}

/* ---- drawing ------------------------------------------------------------------------------ */

static void
draw_frame (cairo_t *cr, const StScatter *s, const Layout *l, const Palette *pal,
            double height)
{
  char buf[64];

  cairo_set_line_width (cr, 1.0);
  for (int i = 0; i < l->xticks.n; i++)
    {
      double x = floor (map_x (l, l->xticks.v[i])) + 0.5;

      cairo_move_to (cr, x, l->top);
      cairo_line_to (cr, x, l->bottom);
    }
  for (int i = 0; i < l->yticks.n; i++)
    {
      double y = floor (map_y (l, l->yticks.v[i])) + 0.5;

      cairo_move_to (cr, l->left, y);
      cairo_line_to (cr, l->right, y);
    }
  st_render_set_rgba (cr, &pal->grid, 1.0);
  cairo_stroke (cr);

  cairo_rectangle (cr, floor (l->left) + 0.5, floor (l->top) + 0.5,
                   floor (l->right) - floor (l->left), floor (l->bottom) - floor (l->top));
  for (int i = 0; i < l->xticks.n; i++)
    {
      double x = floor (map_x (l, l->xticks.v[i])) + 0.5;

      cairo_move_to (cr, x, floor (l->bottom) + 0.5);
      cairo_line_to (cr, x, floor (l->bottom) + 0.5 + TICK_LEN);
    }
  for (int i = 0; i < l->yticks.n; i++)
    {
      double y = floor (map_y (l, l->yticks.v[i])) + 0.5;

      cairo_move_to (cr, floor (l->left) + 0.5, y);
      cairo_line_to (cr, floor (l->left) + 0.5 - TICK_LEN, y);
    }
  st_render_set_rgba (cr, &pal->frame, 1.0);
  cairo_stroke (cr);

  st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text_dim, 1.0);
  for (int i = 0; i < l->xticks.n; i++)
    {
      st_ticks_format (buf, sizeof buf, &l->xticks, l->xticks.v[i], FALSE);
      st_render_text_at (cr, buf, map_x (l, l->xticks.v[i]), l->bottom + TICK_LEN + 3.0,
                         0.5, 0.0);
    }
  for (int i = 0; i < l->yticks.n; i++)
    {
      st_ticks_format (buf, sizeof buf, &l->yticks, l->yticks.v[i], FALSE);
      st_render_text_at (cr, buf, l->left - TICK_LEN - 4.0, map_y (l, l->yticks.v[i]),
                         1.0, 0.5);
    }

  st_render_set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  st_render_set_rgba (cr, &pal->text, 1.0);
  if (s->x_label != NULL)
    {
      g_autofree char *text = st_render_ellipsize (cr, s->x_label, l->right - l->left);

      st_render_text_at (cr, text, (l->left + l->right) / 2, height - PAD, 0.5, 1.0);
    }
  if (s->y_label != NULL)
    {
      g_autofree char *text = st_render_ellipsize (cr, s->y_label, l->bottom - l->top);

      cairo_save (cr);
      cairo_translate (cr, PAD, (l->top + l->bottom) / 2);
      cairo_rotate (cr, -G_PI / 2);
      st_render_text_at (cr, text, 0.0, 0.0, 0.5, 0.0);
      cairo_restore (cr);
    }
}

static void
draw_legend (cairo_t *cr, const StScatter *s, const Layout *l, const Palette *pal)
{
  char buf[128];

  st_render_set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int k = 0; k < l->legend_shown; k++)
    {
      double y = l->top + (k + 0.5) * l->row_height;
      g_autofree char *name = NULL;

      cairo_arc (cr, l->legend_x + SWATCH / 2, y, SWATCH / 2 - 1.0, 0, 2 * G_PI);
      st_render_set_rgba (cr, class_colour (s, k), 1.0);
      cairo_fill (cr);
      class_name (buf, sizeof buf, s, k);
      name = st_render_ellipsize (cr, buf, l->name_width);
      st_render_set_rgba (cr, &pal->text, 1.0);
      st_render_text_at (cr, name, l->legend_x + SWATCH * 2, y, 0.0, 0.5);
    }
  if (l->legend_shown < s->n_classes)
    {
      g_snprintf (buf, sizeof buf, "… +%d", s->n_classes - l->legend_shown);
      st_render_set_rgba (cr, &pal->text_dim, 1.0);
      st_render_text_at (cr, buf, l->legend_x + SWATCH * 2,
                         l->top + (l->legend_shown + 0.5) * l->row_height, 0.0, 0.5);
    }
}

static void
draw_points (cairo_t *cr, const StScatter *s, const Layout *l, const Palette *pal)
{
  const StScatterPoint *h;

  /* one fill a dot, so that overlapping dots add up */
  for (int i = 0; i < s->n_points; i++)
    {
      const StScatterPoint *p = &s->points[i];

      if (i == s->highlight || !drawable (p))
        continue;
      cairo_arc (cr, map_x (l, p->x), map_y (l, p->y), DOT_RADIUS, 0, 2 * G_PI);
      st_render_set_rgba (cr, class_colour (s, p->label), DOT_ALPHA);
      cairo_fill (cr);
    }
  if (s->highlight < 0 || s->highlight >= s->n_points || !drawable (&s->points[s->highlight]))
    return;
  h = &s->points[s->highlight];
  cairo_arc (cr, map_x (l, h->x), map_y (l, h->y), MARK_RADIUS, 0, 2 * G_PI);
  st_render_set_rgba (cr, class_colour (s, h->label), 1.0);
  cairo_fill (cr);
  cairo_arc (cr, map_x (l, h->x), map_y (l, h->y), RING_RADIUS, 0, 2 * G_PI);
  st_render_set_rgba (cr, &pal->text, 1.0);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

void
st_scatter_render (cairo_t *cr, double width, double height, const StScatter *s, StTheme theme)
{
  const Palette *pal = theme == ST_THEME_DARK ? &dark_palette : &light_palette;
  Layout l;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (s != NULL);
  g_return_if_fail (s->n_points >= 0 && (s->n_points == 0 || s->points != NULL));
  if (!(width >= 1.0 && height >= 1.0))
    return;

  cairo_save (cr);
  st_render_set_rgba (cr, &pal->background, 1.0);
  cairo_paint (cr);
  layout (cr, s, width, height, &l);
  if (s->title != NULL)
    {
      g_autofree char *title = NULL;

      st_render_set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      title = st_render_ellipsize (cr, s->title, MAX (width - 2 * PAD, 0.0));
      st_render_set_rgba (cr, &pal->text, 1.0);
      st_render_text_at (cr, title, width / 2, PAD, 0.5, 0.0);
    }
  if (l.plot)
    {
      draw_frame (cr, s, &l, pal, height);
      draw_legend (cr, s, &l, pal);
      if (l.empty)
        {
          st_render_set_font (cr, EMPTY_FONT, CAIRO_FONT_WEIGHT_NORMAL);
          st_render_set_rgba (cr, &pal->text_dim, 1.0);
          st_render_text_at (cr, _("No points yet"), (l.left + l.right) / 2,
                             (l.top + l.bottom) / 2, 0.5, 0.5);
        }
      else
        draw_points (cr, s, &l, pal);
    }
  cairo_restore (cr);
}

/* ---- what is where ------------------------------------------------------------------------ */

/* The layout of a render of width × height; FALSE when it draws no point. */
static gboolean
layout_for_query (const StScatter *s, double width, double height, Layout *l)
{
  cairo_t *cr;

  if (!(width >= 1.0 && height >= 1.0))
    return FALSE;
  cr = st_render_scratch_context ();
  layout (cr, s, width, height, l);
  cairo_destroy (cr);
  return l->plot && !l->empty;
}

/* Makes point i the one found when it is drawn no farther from (px, py) than the best so
 * far (a squared distance). */
static void
nearer (const StScatter *s, const Layout *l, int i, double px, double py, double *best,
        int *found)
{
  const StScatterPoint *p = &s->points[i];
  double dx, dy;

  if (!drawable (p))
    return;
  dx = map_x (l, p->x) - px;
  dy = map_y (l, p->y) - py;
  if (dx * dx + dy * dy <= *best)
    {
      *best = dx * dx + dy * dy;
      *found = i;
    }
}

int
st_scatter_hit (const StScatter *s, double width, double height, double px, double py,
                double radius)
{
  double best = radius * radius;
  int found = -1;
  Layout l;

  g_return_val_if_fail (s != NULL, -1);
  g_return_val_if_fail (s->n_points >= 0 && (s->n_points == 0 || s->points != NULL), -1);
  if (!(radius >= 0.0) || !layout_for_query (s, width, height, &l))
    return -1;

  /* in drawing order, the highlighted point last: of two as near, the one on top wins */
  for (int i = 0; i < s->n_points; i++)
    if (i != s->highlight)
      nearer (s, &l, i, px, py, &best, &found);
  if (s->highlight >= 0 && s->highlight < s->n_points)
    nearer (s, &l, s->highlight, px, py, &best, &found);
  return found;
}

gboolean
st_scatter_position (const StScatter *s, double width, double height, int index, double *px,
                     double *py)
{
  Layout l;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (s->n_points >= 0 && (s->n_points == 0 || s->points != NULL), FALSE);
  g_return_val_if_fail (px != NULL && py != NULL, FALSE);
  if (index < 0 || index >= s->n_points || !drawable (&s->points[index])
      || !layout_for_query (s, width, height, &l))
    return FALSE;
  *px = map_x (&l, s->points[index].x);
  *py = map_y (&l, s->points[index].y);
  return TRUE;
}

/* ---- saving ------------------------------------------------------------------------------- */

static void
render_cb (cairo_t *cr, double width, double height, gconstpointer data)
{
  st_scatter_render (cr, width, height, data, ST_THEME_LIGHT);
}

gboolean
st_scatter_save (const char *path, int width, int height, const StScatter *s, GError **error)
{
  g_return_val_if_fail (s != NULL, FALSE);

  return st_render_save (path, width, height, render_cb, s, error);
}
