/* breakdown-render.c: the picture of how one output value was computed (see
 * breakdown-render.h), and the same breakdown as text.
 *
 * One function lays the picture out and draws it (paint_breakdown): run with `draw` off it
 * only measures, so the height a width wants, the cells a test looks up and the picture
 * itself come from the same arithmetic. Parts go down the page, each a row of pieces placed
 * left to right: a map, number grids, a sum.
 *
 * The window of a Conv2d channel or a pool is read back from its terms, which explain.c lists
 * row-major: the window is KW wide where the row of the first term changes, and KH = n / KW.
 * An input map is an RGB24 image surface at its own size, painted scaled with the
 * nearest-neighbour filter (grid-render.c does the same), so that a 224×224 map costs one
 * paint; the padding around it, the lit cells and the numbers are rectangles and text on top.
 */
#define G_LOG_DOMAIN "strata-breakdown"

#include "ui/render/breakdown-render.h"

#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#define PAD               10.0  /* margin around the picture */
#define GAP               12.0  /* between the pieces of a row */
#define LINE_GAP           4.0  /* below a line of text */
#define ROW_GAP           10.0  /* below a row of pieces */
#define TITLE_FONT        13.0
#define TEXT_FONT         12.0
#define CAPTION_FONT      10.0
#define MAP_CELL_MAX      24.0  /* a map cell at most this wide */
#define MAP_HEIGHT       150.0  /* a Conv2d's map at most this tall, or its grids' height */
#define POOL_MAP_HEIGHT  220.0  /* a pool's map, the picture's main piece */
#define NUMBER_CELL_MIN   14.0  /* a map cell this big shows its number */
#define MIN_LAYOUT_WIDTH 240.0  /* narrower pictures are laid out at this width, scaled down */
#define PLOT_WIDTH       280.0
#define PLOT_HEIGHT      140.0
#define TOP_TERMS          8    /* Linear: contributions shown */
#define DEFAULT_CHANNELS   6
#define MAX_SIDE       32767    /* Cairo's largest image surface side */

/* ---- numbers and colours ----------------------------------------------------------------- */

typedef struct {
  char s[48];
} Num;

/* Exact integers as integers, else three significant digits; "-0" as "0". */
static Num
num (double v)
{
  Num n;

  if (isnan (v))
    g_strlcpy (n.s, "NaN", sizeof n.s);
  else if (isinf (v))
    g_strlcpy (n.s, v > 0 ? "∞" : "−∞", sizeof n.s);
  else if (v == 0.0)
    g_strlcpy (n.s, "0", sizeof n.s);
  else if (v == rint (v) && fabs (v) < 1e9)
    g_snprintf (n.s, sizeof n.s, "%.0f", v);
  else
    g_snprintf (n.s, sizeof n.s, "%.3g", v);
  return n;
}

typedef struct {
  StRgba background, text, text_dim, frame, track;
} Palette;

/* the grid renderers' colours, so that the pictures sit together */
static const Palette light_palette = {
  .background = { 1.0, 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.13, 0.15, 1.0 },
  .text_dim = { 0.40, 0.40, 0.44, 1.0 },
  .frame = { 0.62, 0.62, 0.65, 1.0 },
  .track = { 0.93, 0.93, 0.94, 1.0 },
};

static const Palette dark_palette = {
  .background = { 0.14, 0.14, 0.15, 1.0 },
  .text = { 0.93, 0.93, 0.94, 1.0 },
  .text_dim = { 0.68, 0.68, 0.71, 1.0 },
  .frame = { 0.42, 0.42, 0.45, 1.0 },
  .track = { 0.22, 0.22, 0.24, 1.0 },
};

/* A lit cell of a window (a tapped input, a padding cell read) and the one a max pool took. */
#define LIT_ALPHA    0.55
#define CHOSEN_ALPHA 0.85

/* As the layer's pictures colour values (layer-render.h): red above zero, blue below. */
static const StRgba *
sign_colour (double v)
{
  return v < 0.0 ? &st_render_tab_blue : &st_render_tab_red;
}

static double
luminance (double r, double g, double b)
{
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/* ---- what the terms say ------------------------------------------------------------------ */

/* The window of the n terms from `t`: kw terms share the first row, kh = n / kw rows. */
static void
window_shape (const StExplainTerm *t, gsize n, int *kh, int *kw)
{
  gsize w = 1;

  while (w < n && t[w].row == t[0].row)
    w++;
  if (n == 0 || n % w != 0)
    w = MAX (n, 1);
  *kw = (int) w;
  *kh = (int) MAX (n / w, 1);
}

/* The rows and columns the n terms reach, the map's own [0, H) × [0, W) included. */
static void
window_reach (const StExplainTerm *t, gsize n, const StShape *in, gint64 *r0, gint64 *r1,
              gint64 *c0, gint64 *c1)
{
  *r0 = 0;
  *c0 = 0;
  *r1 = in->dim[1] - 1;
  *c1 = in->dim[2] - 1;
  for (gsize i = 0; i < n; i++)
    {
      *r0 = MIN (*r0, t[i].row);
      *r1 = MAX (*r1, t[i].row);
      *c0 = MIN (*c0, t[i].col);
      *c1 = MAX (*c1, t[i].col);
    }
}

/* A Conv2d's input channels and the terms of each. */
static void
conv_channels (const StExplain *e, gint64 *channels, gsize *per)
{
  gint64 c = e->in_shape.rank == 3 ? e->in_shape.dim[0] : 1;

  if (c < 1 || e->n_terms % (gsize) c != 0)
    c = 1;
  *channels = c;
  *per = e->n_terms / (gsize) c;
}

static gboolean
has_map (const StBreakdown *b)
{
  const StShape *s = &b->explain->in_shape;

  return b->input != NULL && s->rank == 3 && s->dim[0] > 0 && s->dim[1] > 0 && s->dim[2] > 0
         && s->dim[1] <= MAX_SIDE && s->dim[2] <= MAX_SIDE;
}

static gboolean
is_pool (StExplainKind kind)
{
  return kind == ST_EXPLAIN_MAXPOOL2D || kind == ST_EXPLAIN_AVGPOOL2D
         || kind == ST_EXPLAIN_ADAPTIVEAVGPOOL2D;
}

static gboolean
is_activation (StExplainKind kind)
{
  return kind == ST_EXPLAIN_RELU || kind == ST_EXPLAIN_LEAKYRELU || kind == ST_EXPLAIN_PRELU
         || kind == ST_EXPLAIN_SIGMOID || kind == ST_EXPLAIN_TANH;
}

/* What an activation (or BatchNorm2d, Dropout) makes of x. */
static double
apply (const StExplain *e, double x)
{
  switch (e->kind)
    {
    case ST_EXPLAIN_RELU:
      return x <= 0.0 ? 0.0 : x;
    case ST_EXPLAIN_LEAKYRELU:
    case ST_EXPLAIN_PRELU:
      return x > 0.0 ? x : x * e->slope;
    case ST_EXPLAIN_SIGMOID:
      return 1.0 / (1.0 + exp (-x));
    case ST_EXPLAIN_TANH:
      return tanh (x);
    case ST_EXPLAIN_BATCHNORM2D:
      return (x - e->bn.running_mean) / sqrt ((double) e->bn.running_var + e->bn.eps)
             * e->bn.gamma + e->bn.beta;
    default:
      return x;
    }
}

/* The `want` terms of largest |product| (ties: the first), largest first; returns how many. */
static gsize
top_terms (const StExplain *e, gsize *top, gsize want)
{
  gsize n = 0;

  for (gsize i = 0; i < e->n_terms; i++)
    {
      double a = fabs (e->terms[i].product);
      gsize k = n;

      if (isnan (a))
        continue;
      while (k > 0 && a > fabs (e->terms[top[k - 1]].product))
        k--;
      if (k >= want)
        continue;
      if (n < want)
        n++;
      memmove (top + k + 1, top + k, (n - 1 - k) * sizeof *top);
      top[k] = i;
    }
  return n;
}

/* ---- the lines, shared by the picture and the text ---------------------------------------- */

static char *
header_text (const StExplain *e)
{
  if (e->at.rank == 3)
    return g_strdup_printf (_("%s %s · channel %" PRId64 ", row %" PRId64 ", column %" PRId64
                              " = %s"), e->type, e->path, e->at.c, e->at.y, e->at.x,
                            num (e->value).s);
  return g_strdup_printf (_("%s %s · index %" PRId64 " = %s"), e->type, e->path, e->at.c,
                          num (e->value).s);
}

/* "LEAD = sum + bias b = result", or with no bias. */
static char *
weighted_total_text (const StExplain *e, const char *lead)
{
  if (e->has_bias)
    return g_strdup_printf (_("%s = %s  + bias %s  = %s"), lead, num (e->sum).s,
                            num (e->bias).s, num (e->result).s);
  return g_strdup_printf (_("%s = %s  (no bias)  = %s"), lead, num (e->sum).s,
                          num (e->result).s);
}

static char *
conv_total_text (const StExplain *e)
{
  return weighted_total_text (e, _("Σ channels"));
}

static char *
linear_total_text (const StExplain *e)
{
  g_autofree char *lead = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                        "Σ of %zu product w·x",
                                                        "Σ of %zu products w·x", e->n_terms),
                                           e->n_terms);

  return weighted_total_text (e, lead);
}

static char *
capped_text (gint64 first, gint64 last, double sum)
{
  if (first == last)
    return g_strdup_printf (_("channel %" PRId64 ": Σ = %s"), first, num (sum).s);
  return g_strdup_printf (_("channels %" PRId64 "–%" PRId64 ": Σ = %s"), first, last,
                          num (sum).s);
}

static char *
channel_sum_text (double sum)
{
  return g_strdup_printf (_("Σ = %s"), num (sum).s);
}

/* Where a Linear's input came from: its index, and the map position it was flattened from. */
static char *
source_text (const StExplainTerm *t)
{
  if (t->row >= 0)
    return g_strdup_printf (_("input %" PRId64 " (channel %" PRId64 ", row %" PRId64
                              ", column %" PRId64 ")"), t->index, t->channel, t->row, t->col);
  return g_strdup_printf (_("input %" PRId64), t->index);
}

static char *
contribution_text (const StExplainTerm *t)
{
  return g_strdup_printf (_("x = %s, w = %s, w·x = %s"), num (t->input).s, num (t->weight).s,
                          num (t->product).s);
}

static char *
more_text (gsize n, double rest)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "… %zu more: Σ = %s",
                                       "… %zu more: Σ = %s", n), n, num (rest).s);
}

static char *
pool_result_text (const StExplain *e)
{
  if (e->kind == ST_EXPLAIN_MAXPOOL2D)
    {
      const StExplainTerm *t = e->chosen >= 0 && (gsize) e->chosen < e->n_terms
                                 ? &e->terms[e->chosen] : NULL;

      if (t == NULL)
        return g_strdup_printf (_("max = %s"), num (e->result).s);
      return g_strdup_printf (_("max = %s (row %" PRId64 ", column %" PRId64 ")"),
                              num (e->result).s, t->row, t->col);
    }
  return g_strdup_printf (_("Σ = %s / divisor %s = %s"), num (e->sum).s, num (e->divisor).s,
                          num (e->result).s);
}

static const char *
batchnorm_formula (void)
{
  return _("(x − mean) / √(var + eps) · γ + β");
}

static char *
batchnorm_numbers_text (const StExplain *e, double x)
{
  return g_strdup_printf ("(%s − %s) / √(%s + %s) · %s + %s", num (x).s,
                          num (e->bn.running_mean).s, num (e->bn.running_var).s,
                          num (e->bn.eps).s, num (e->bn.gamma).s, num (e->bn.beta).s);
}

/* The one line of the kinds that take one number (or two, Residual's) to the value. */
static char *
formula_text (const StExplain *e)
{
  const StExplainTerm *t = e->n_terms > 0 ? &e->terms[0] : NULL;
  double x = t != NULL ? t->input : e->sum;

  switch (e->kind)
    {
    case ST_EXPLAIN_RELU:
      return g_strdup_printf ("ReLU(%s) = max(%s, 0) = %s", num (x).s, num (x).s,
                              num (e->result).s);
    case ST_EXPLAIN_LEAKYRELU:
    case ST_EXPLAIN_PRELU:
      if (x > 0.0)
        return g_strdup_printf (_("%s(%s) = %s, as x > 0"), e->type, num (x).s,
                                num (e->result).s);
      return g_strdup_printf (_("%s(%s) = %s · %s = %s, as x ≤ 0"), e->type, num (x).s,
                              num (e->slope).s, num (x).s, num (e->result).s);
    case ST_EXPLAIN_SIGMOID:
      return g_strdup_printf ("Sigmoid(%s) = 1 / (1 + exp(%s)) = %s", num (x).s, num (-x).s,
                              num (e->result).s);
    case ST_EXPLAIN_TANH:
      return g_strdup_printf ("tanh(%s) = %s", num (x).s, num (e->result).s);
    case ST_EXPLAIN_BATCHNORM2D:
      {
        g_autofree char *numbers = batchnorm_numbers_text (e, x);

        return g_strdup_printf ("BatchNorm2d: %s = %s", numbers, num (e->result).s);
      }
    case ST_EXPLAIN_DROPOUT:
      return g_strdup_printf (_("Dropout (p = %s) passes x through in evaluation mode: %s"),
                              num (e->p).s, num (e->result).s);
    case ST_EXPLAIN_FLATTEN:
      if (t != NULL && t->row >= 0)
        return g_strdup_printf (_("index %" PRId64 " is the input at channel %" PRId64
                                  ", row %" PRId64 ", column %" PRId64 ": %s"), e->at.c,
                                t->channel, t->row, t->col, num (e->result).s);
      return g_strdup_printf (_("index %" PRId64 " is input %" PRId64 ": %s"), e->at.c,
                              t != NULL ? t->index : e->at.c, num (e->result).s);
    case ST_EXPLAIN_CONCAT:
      return g_strdup_printf (_("output channel %" PRId64 " is channel %" PRId64
                                " of branch %d: %s"), e->at.c, t != NULL ? t->channel : 0,
                              t != NULL ? t->from : 0, num (e->result).s);
    case ST_EXPLAIN_ADD:
      if (e->n_terms >= 2)
        return g_strdup_printf (_("body + shortcut = %s + %s = %s"), num (e->terms[0].input).s,
                                num (e->terms[1].input).s, num (e->result).s);
      return g_strdup_printf (_("body + shortcut = %s"), num (e->result).s);
    default:
      return g_strdup_printf ("= %s", num (e->result).s);
    }
}

static char *
activation_text (const StExplain *a)
{
  g_autofree char *f = formula_text (a);

  return g_strdup_printf ("→ %s", f);
}

/* ---- laying out and drawing ---------------------------------------------------------------- */

/* Where a map went: the top-left corner of its cell (r0, c0), the cell's size, and the rows
 * and columns drawn, the padding around the map included. */
typedef struct {
  gint64 channel;
  double x, y, cell;
  gint64 r0, r1, c0, c1;
} MapPlace;

typedef struct {
  cairo_t           *cr;
  gboolean           draw;          /* FALSE: measure only */
  const Palette     *pal;
  const StBreakdown *b;
  const StExplain   *e;
  int                max_channels;
  double             width;         /* laid out at */
  double             y;             /* the next part's top */
  GArray            *maps;          /* MapPlace */
} Paint;

static double
avail (const Paint *p)
{
  return p->width - 2 * PAD;
}

static double
line_height_at (cairo_t *cr, double size, cairo_font_weight_t weight)
{
  st_render_set_font (cr, size, weight);
  return st_render_line_height (cr);
}

/* A line of text across the picture: set smaller (down to 8 px) when too long, then
 * shortened with "…". */
static void
paint_line (Paint *p, const char *text, double size, cairo_font_weight_t weight,
            const StRgba *colour)
{
  double h;

  st_render_set_font (p->cr, size, weight);
  while (size > 8.0 && st_render_text_width (p->cr, text) > avail (p))
    st_render_set_font (p->cr, --size, weight);
  h = st_render_line_height (p->cr);
  if (p->draw)
    {
      g_autofree char *shown = st_render_ellipsize (p->cr, text, avail (p));

      st_render_set_rgba (p->cr, colour, 1.0);
      st_render_text_at (p->cr, shown, PAD, p->y, 0.0, 0.0);
    }
  p->y += h + LINE_GAP;
}

static void
paint_caption (Paint *p, const char *text, double x, double y, double max_w)
{
  g_autofree char *shown = NULL;

  if (!p->draw)
    return;
  st_render_set_font (p->cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  shown = st_render_ellipsize (p->cr, text, MAX (max_w, 10.0));
  st_render_set_rgba (p->cr, &p->pal->text_dim, 1.0);
  st_render_text_at (p->cr, shown, x, y, 0.0, 0.0);
}

/* ---- a map with its window lit ---- */

/* Channel `channel` of the input, grey from its minimum (black) to its maximum (white), cells
 * of `cell` px from (x, y) for its cell (r0, c0); the padding the window reaches drawn around
 * it as dashed cells of `pad_text`; the n terms' cells lit, `chosen` (an index into them, or
 * -1) the most. */
static void
paint_map (Paint *p, gint64 channel, double x, double y, double cell, gint64 r0, gint64 r1,
           gint64 c0, gint64 c1, const StExplainTerm *terms, gsize n, gssize chosen,
           const char *pad_text)
{
  const StShape *s = &p->e->in_shape;
  const gint64 h = s->dim[1], w = s->dim[2];
  const float *map = p->b->input + (gsize) channel * (gsize) (h * w);
  MapPlace place = { channel, x, y, cell, r0, r1, c0, c1 };
  double lo = INFINITY, hi = -INFINITY, mx = x - c0 * cell, my = y - r0 * cell;
  cairo_t *cr = p->cr;
  cairo_surface_t *surface;
  guint8 *data;
  int stride;

  if (p->maps != NULL)
    g_array_append_val (p->maps, place);
  if (!p->draw)
    return;

  for (gint64 i = 0; i < h * w; i++)
    if (isfinite (map[i]))
      {
        lo = MIN (lo, map[i]);
        hi = MAX (hi, map[i]);
      }
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) w, (int) h);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return;
    }
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (gint64 r = 0; r < h; r++)
    for (gint64 c = 0; c < w; c++)
      {
        float v = map[r * w + c];
        guint32 px = 0xd62728;     /* tab:red: NaN, ±Inf */

        if (isfinite (v))
          {
            guint32 g = (guint32) lround (hi > lo ? (v - lo) / (hi - lo) * 255.0 : 128.0);

            px = g << 16 | g << 8 | g;
          }
        *(guint32 *) (gpointer) (data + r * stride + 4 * c) = px;
      }
  cairo_surface_mark_dirty (surface);

  cairo_save (cr);
  cairo_save (cr);
  cairo_translate (cr, mx, my);
  cairo_scale (cr, cell, cell);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, (double) w, (double) h);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);

  /* the padding the window reaches, dashed */
  if (cell >= 4.0)
    {
      const double dash[] = { 2.0, 2.0 };

      cairo_set_dash (cr, dash, 2, 0.0);
      cairo_set_line_width (cr, 1.0);
      st_render_set_rgba (cr, &p->pal->frame, 1.0);
      for (gint64 r = r0; r <= r1; r++)
        for (gint64 c = c0; c <= c1; c++)
          if (r < 0 || r >= h || c < 0 || c >= w)
            cairo_rectangle (cr, mx + c * cell + 1.5, my + r * cell + 1.5, cell - 3.0,
                             cell - 3.0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);
    }
  /* the cells' borders, where they are big enough to count */
  if (cell >= 6.0)
    {
      cairo_set_line_width (cr, 1.0);
      st_render_set_rgba (cr, &p->pal->frame, 0.45);
      for (gint64 r = 1; r < h; r++)
        {
          cairo_move_to (cr, mx, my + r * cell);
          cairo_rel_line_to (cr, w * cell, 0.0);
        }
      for (gint64 c = 1; c < w; c++)
        {
          cairo_move_to (cr, mx + c * cell, my);
          cairo_rel_line_to (cr, 0.0, h * cell);
        }
      cairo_stroke (cr);
    }
  cairo_rectangle (cr, mx - 0.5, my - 0.5, w * cell + 1.0, h * cell + 1.0);
  st_render_set_rgba (cr, &p->pal->frame, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  /* the window: only the cells it taps */
  for (gsize i = 0; i < n; i++)
    {
      gboolean is_chosen = (gssize) i == chosen;
      double lw = MIN (2.0, MAX (1.0, cell / 8.0));

      cairo_rectangle (cr, mx + terms[i].col * cell, my + terms[i].row * cell, cell, cell);
      st_render_set_rgba (cr, is_chosen ? &st_render_tab_red : &st_render_tab_orange,
                          is_chosen ? CHOSEN_ALPHA : LIT_ALPHA);
      cairo_fill (cr);
      if (cell >= 5.0)
        {
          cairo_rectangle (cr, mx + terms[i].col * cell + lw / 2, my + terms[i].row * cell + lw / 2,
                           cell - lw, cell - lw);
          st_render_set_rgba (cr, is_chosen ? &st_render_tab_red : &st_render_tab_orange, 1.0);
          cairo_set_line_width (cr, lw);
          cairo_stroke (cr);
        }
    }

  /* the numbers, where a cell holds one */
  if (cell >= NUMBER_CELL_MIN)
    {
      st_render_set_font (cr, MIN (11.0, floor (cell * 0.45)), CAIRO_FONT_WEIGHT_NORMAL);
      for (gint64 r = r0; r <= r1; r++)
        for (gint64 c = c0; c <= c1; c++)
          {
            gboolean inside = r >= 0 && r < h && c >= 0 && c < w;
            double v = inside ? map[r * w + c] : 0.0;
            Num text = num (v);
            const char *shown = inside ? text.s : pad_text;
            double g, cr_, cg, cb, lum;
            gssize lit = -1;

            if (st_render_text_width (cr, shown) > cell - 2.0)
              continue;
            for (gsize i = 0; i < n && lit < 0; i++)
              if (terms[i].row == r && terms[i].col == c)
                lit = (gssize) i;
            g = inside ? (isfinite (v) ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : 0.4)
                       : luminance (p->pal->background.r, p->pal->background.g,
                                    p->pal->background.b);
            cr_ = cg = cb = g;
            if (lit >= 0)
              {
                const StRgba *o = lit == chosen ? &st_render_tab_red : &st_render_tab_orange;
                double a = lit == chosen ? CHOSEN_ALPHA : LIT_ALPHA;

                cr_ = g * (1 - a) + o->r * a;
                cg = g * (1 - a) + o->g * a;
                cb = g * (1 - a) + o->b * a;
              }
            lum = luminance (cr_, cg, cb);
            if (!inside)
              st_render_set_rgba (cr, &p->pal->text_dim, 1.0);
            else if (lum > 0.5)
              cairo_set_source_rgb (cr, 0.08, 0.08, 0.1);
            else
              cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
            st_render_text_at (cr, shown, mx + (c + 0.5) * cell, my + (r + 0.5) * cell, 0.5,
                               0.5);
          }
    }
  cairo_restore (cr);
}

/* ---- grids of numbers ---- */

typedef enum {
  CELL_PLAIN,
  CELL_PADDING,                 /* read from the padding: dashed, the number dim */
  CELL_CHOSEN,                  /* the one a max pool took */
} CellStyle;

typedef struct {
  int      rows, cols;
  double   cw, ch, font;
  gboolean numbers;             /* FALSE: colour only */
} Grid;

static double
numbers_width (cairo_t *cr, const double *v, gsize n)
{
  double w = 0.0;

  for (gsize i = 0; i < n; i++)
    w = MAX (w, st_render_text_width (cr, num (v[i]).s));
  return w;
}

/* A grid of numbers at `font`: cells as wide as the widest of `v` (n of them) and one line
 * tall. */
static Grid
grid_at (cairo_t *cr, int rows, int cols, double font, const double *v, gsize n)
{
  double lh, w;

  st_render_set_font (cr, font, CAIRO_FONT_WEIGHT_NORMAL);
  lh = st_render_line_height (cr);
  w = numbers_width (cr, v, n);
  return (Grid) { rows, cols, MAX (w + 8.0, lh + 5.0), lh + 5.0, font, TRUE };
}

static Grid
grid_colour_only (int rows, int cols, double cell)
{
  cell = CLAMP (floor (cell), 2.0, NUMBER_CELL_MIN);
  return (Grid) { rows, cols, cell, cell, 0.0, FALSE };
}

/* Values tinted by sign (red ≥ 0, blue < 0), stronger for larger |v| against `maxabs`; with
 * maxabs 0, untinted. */
static void
paint_grid (Paint *p, const Grid *g, double x, double y, const double *v,
            const CellStyle *style, double maxabs, const char *pad_text)
{
  cairo_t *cr = p->cr;

  if (!p->draw)
    return;
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  if (g->numbers)
    st_render_set_font (cr, g->font, CAIRO_FONT_WEIGHT_NORMAL);
  for (int r = 0; r < g->rows; r++)
    for (int c = 0; c < g->cols; c++)
      {
        int i = r * g->cols + c;
        CellStyle st = style != NULL ? style[i] : CELL_PLAIN;
        double cx = x + c * g->cw, cy = y + r * g->ch;

        cairo_rectangle (cr, cx, cy, g->cw, g->ch);
        if (st == CELL_CHOSEN)
          st_render_set_rgba (cr, &st_render_tab_red, CHOSEN_ALPHA);
        else if (st == CELL_PADDING)
          st_render_set_rgba (cr, &p->pal->background, 1.0);
        else if (maxabs > 0.0 && isfinite (v[i]))
          st_render_set_rgba (cr, sign_colour (v[i]),
                              (g->numbers ? 0.1 : 0.15)
                              + (g->numbers ? 0.5 : 0.85) * MIN (fabs (v[i]) / maxabs, 1.0));
        else if (!isfinite (v[i]))
          st_render_set_rgba (cr, &st_render_tab_red, 1.0);
        else
          st_render_set_rgba (cr, &p->pal->track, 1.0);
        cairo_fill (cr);

        if (st == CELL_PADDING)
          {
            const double dash[] = { 2.0, 2.0 };

            cairo_set_dash (cr, dash, 2, 0.0);
            cairo_rectangle (cr, cx + 1.5, cy + 1.5, g->cw - 3.0, g->ch - 3.0);
            st_render_set_rgba (cr, &p->pal->frame, 1.0);
            cairo_stroke (cr);
            cairo_set_dash (cr, NULL, 0, 0.0);
          }
        if (g->numbers)
          {
            Num n = num (v[i]);
            const char *text = st == CELL_PADDING && pad_text != NULL ? pad_text : n.s;

            if (st == CELL_CHOSEN)
              cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
            else
              st_render_set_rgba (cr, st == CELL_PADDING ? &p->pal->text_dim : &p->pal->text,
                                  1.0);
            st_render_text_at (cr, text, cx + g->cw / 2, cy + g->ch / 2, 0.5, 0.5);
          }
      }
  /* the grid's lines */
  st_render_set_rgba (cr, &p->pal->frame, g->numbers ? 0.6 : 0.35);
  for (int r = 0; r <= g->rows; r++)
    {
      cairo_move_to (cr, x, y + r * g->ch);
      cairo_rel_line_to (cr, g->cols * g->cw, 0.0);
    }
  for (int c = 0; c <= g->cols; c++)
    {
      cairo_move_to (cr, x + c * g->cw, y);
      cairo_rel_line_to (cr, 0.0, g->rows * g->ch);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* ---- Conv2d ---- */

static void
paint_conv (Paint *p)
{
  const StExplain *e = p->e;
  cairo_t *cr = p->cr;
  gint64 channels, drawn, r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  gsize per;
  int kh, kw;
  g_autofree double *sums = NULL, *weights = NULL, *products = NULL;
  g_autofree CellStyle *styles = NULL;
  double wmax = 0.0, pmax = 0.0, sum_w = 0.0, map_cell = 0.0, caption_h, text_h;
  gboolean map = has_map (p->b);
  gint64 map_rows = 0, map_cols = 0;
  Grid grid = { 0 };

  if (e->n_terms == 0)
    {
      g_autofree char *total = conv_total_text (e);

      paint_line (p, total, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
      return;
    }
  conv_channels (e, &channels, &per);
  window_shape (e->terms, per, &kh, &kw);
  drawn = MIN (channels, (gint64) p->max_channels);
  sums = g_new0 (double, channels);
  weights = g_new (double, drawn * per);
  products = g_new (double, drawn * per);
  styles = g_new (CellStyle, drawn * per);
  for (gint64 ic = 0; ic < channels; ic++)
    for (gsize k = 0; k < per; k++)
      {
        const StExplainTerm *t = &e->terms[ic * per + k];

        sums[ic] += t->product;
        if (ic >= drawn)
          continue;
        weights[ic * per + k] = t->weight;
        products[ic * per + k] = t->product;
        styles[ic * per + k] = t->padding ? CELL_PADDING : CELL_PLAIN;
        if (isfinite (t->weight))
          wmax = MAX (wmax, fabs (t->weight));
        if (isfinite (t->product))
          pmax = MAX (pmax, fabs (t->product));
      }
  if (map)
    {
      window_reach (e->terms, per, &e->in_shape, &r0, &r1, &c0, &c1);
      map_rows = r1 - r0 + 1;
      map_cols = c1 - c0 + 1;
    }

  st_render_set_font (cr, TEXT_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  text_h = st_render_line_height (cr);
  for (gint64 ic = 0; ic < drawn; ic++)
    {
      g_autofree char *s = channel_sum_text (sums[ic]);

      sum_w = MAX (sum_w, st_render_text_width (cr, s));
    }
  caption_h = line_height_at (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL) + 2.0;

  /* the number grids at the largest font that leaves the map 3 px a cell; else colour */
  for (double font = 11.0; font >= 7.0; font -= 1.0)
    {
      Grid gw = grid_at (cr, kh, kw, font, weights, drawn * per);
      Grid gp = grid_at (cr, kh, kw, font, products, drawn * per);
      double need;

      grid = gw.cw >= gp.cw ? gw : gp;
      need = 2 * kw * grid.cw + 3 * GAP + sum_w + (map ? map_cols * 3.0 + GAP : 0.0);
      if (need <= avail (p))
        break;
      grid.numbers = FALSE;
    }
  if (!grid.numbers)
    grid = grid_colour_only (kh, kw, (avail (p) - 3 * GAP - sum_w
                                      - (map ? map_cols * 2.0 + GAP : 0.0)) / (2 * kw));
  if (map)
    {
      double budget = avail (p) - 2 * kw * grid.cw - 3 * GAP - sum_w;

      map_cell = MIN (MIN (MAP_CELL_MAX, budget / map_cols),
                      MAX (kh * grid.ch, MAP_HEIGHT) / map_rows);
      if (map_cell >= 3.0)
        map_cell = floor (map_cell);
      map = map_cell >= 0.5;
    }

  for (gint64 ic = 0; ic < drawn; ic++)
    {
      double grid_w = kw * grid.cw, grid_h = kh * grid.ch;
      double map_w = map ? map_cols * map_cell : 0.0, map_h = map ? map_rows * map_cell : 0.0;
      double content_h = MAX (MAX (map_h, grid_h), text_h), x = PAD, y;
      double gy;
      g_autofree char *label = g_strdup_printf (_("channel %" PRId64), ic);
      g_autofree char *sum = channel_sum_text (sums[ic]);

      y = round (p->y + caption_h);
      gy = y + floor ((content_h - grid_h) / 2);
      if (map)
        {
          paint_caption (p, label, x, p->y, MAX (map_w, 60.0));
          paint_map (p, ic, x, y + floor ((content_h - map_h) / 2), map_cell, r0, r1, c0, c1,
                     e->terms + ic * per, per, -1, "0");
          x += map_w + GAP;
          paint_caption (p, _("weights"), x, p->y, grid_w + GAP);
        }
      else
        {
          g_autofree char *both = g_strdup_printf (_("%s: weights"), label);

          paint_caption (p, both, x, p->y, grid_w + GAP);
        }
      paint_grid (p, &grid, x, gy, weights + ic * per, NULL, wmax, NULL);
      x += grid_w + GAP;
      paint_caption (p, _("products w·x"), x, p->y, grid_w + GAP);
      paint_grid (p, &grid, x, gy, products + ic * per, styles + ic * per, pmax, "0");
      x += grid_w + GAP;
      if (p->draw)
        {
          st_render_set_font (cr, TEXT_FONT, CAIRO_FONT_WEIGHT_NORMAL);
          st_render_set_rgba (cr, &p->pal->text, 1.0);
          st_render_text_at (cr, sum, x, y + content_h / 2, 0.0, 0.5);
        }
      p->y = y + content_h + ROW_GAP;
    }
  if (drawn < channels)
    {
      double rest = 0.0;
      g_autofree char *line = NULL;

      for (gint64 ic = drawn; ic < channels; ic++)
        rest += sums[ic];
      line = capped_text (drawn, channels - 1, rest);
      paint_line (p, line, TEXT_FONT, CAIRO_FONT_WEIGHT_NORMAL, &p->pal->text);
    }
  {
    g_autofree char *total = conv_total_text (e);

    paint_line (p, total, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
  }
}

/* ---- Linear ---- */

static void
paint_linear (Paint *p)
{
  const StExplain *e = p->e;
  cairo_t *cr = p->cr;
  gsize top[TOP_TERMS], n = top_terms (e, top, TOP_TERMS);
  double label_w = 0.0, value_w = 0.0, row_h, bar_x, bar_w, maxabs = 0.0;
  g_autofree char *total = linear_total_text (e);

  paint_line (p, total, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
  if (n == 0)
    return;
  paint_line (p, _("the largest contributions, by |w·x|:"), CAPTION_FONT,
              CAIRO_FONT_WEIGHT_NORMAL, &p->pal->text_dim);

  row_h = line_height_at (cr, 11.0, CAIRO_FONT_WEIGHT_NORMAL) + 6.0;
  for (gsize k = 0; k < n; k++)
    {
      g_autofree char *label = source_text (&e->terms[top[k]]);
      g_autofree char *value = contribution_text (&e->terms[top[k]]);

      label_w = MAX (label_w, st_render_text_width (cr, label));
      value_w = MAX (value_w, st_render_text_width (cr, value));
      if (isfinite (e->terms[top[k]].product))
        maxabs = MAX (maxabs, fabs (e->terms[top[k]].product));
    }
  label_w = MIN (label_w, avail (p) * 0.4);
  value_w = MIN (value_w, avail (p) * 0.4);
  bar_x = PAD + label_w + GAP;
  bar_w = avail (p) - label_w - value_w - 2 * GAP;

  for (gsize k = 0; k < n; k++)
    {
      const StExplainTerm *t = &e->terms[top[k]];
      double y = p->y + k * row_h, cy = y + row_h / 2;

      if (!p->draw)
        continue;
      {
        g_autofree char *label = source_text (t);
        g_autofree char *value = contribution_text (t);
        g_autofree char *label_shown = NULL, *value_shown = NULL;

        st_render_set_font (cr, 11.0, CAIRO_FONT_WEIGHT_NORMAL);
        label_shown = st_render_ellipsize (cr, label, label_w);
        value_shown = st_render_ellipsize (cr, value, value_w);
        st_render_set_rgba (cr, &p->pal->text, 1.0);
        st_render_text_at (cr, label_shown, PAD, cy, 0.0, 0.5);
        st_render_text_at (cr, value_shown, p->width - PAD, cy, 1.0, 0.5);
      }
      if (bar_w >= 30.0)
        {
          double mid = bar_x + bar_w / 2, len = 0.0;

          cairo_rectangle (cr, bar_x, y + 2, bar_w, row_h - 4);
          st_render_set_rgba (cr, &p->pal->track, 1.0);
          cairo_fill (cr);
          if (maxabs > 0.0 && isfinite (t->product))
            len = t->product / maxabs * (bar_w / 2 - 1);
          cairo_rectangle (cr, len >= 0 ? mid : mid + len, y + 3, MAX (fabs (len), 1.0),
                           row_h - 6);
          st_render_set_rgba (cr, sign_colour (t->product), 1.0);
          cairo_fill (cr);
          cairo_move_to (cr, round (mid) + 0.5, y);
          cairo_rel_line_to (cr, 0.0, row_h);
          st_render_set_rgba (cr, &p->pal->frame, 1.0);
          cairo_set_line_width (cr, 1.0);
          cairo_stroke (cr);
        }
    }
  p->y += n * row_h + LINE_GAP;
  if (e->n_terms > n)
    {
      double rest = 0.0;
      g_autofree char *line = NULL;

      for (gsize i = 0; i < e->n_terms; i++)
        {
          gboolean shown = FALSE;

          for (gsize k = 0; k < n && !shown; k++)
            shown = top[k] == i;
          if (!shown)
            rest += e->terms[i].product;
        }
      line = more_text (e->n_terms - n, rest);
      paint_line (p, line, TEXT_FONT, CAIRO_FONT_WEIGHT_NORMAL, &p->pal->text_dim);
    }
}

/* ---- pools ---- */

static void
paint_pool (Paint *p)
{
  const StExplain *e = p->e;
  cairo_t *cr = p->cr;
  const char *pad_text = e->kind == ST_EXPLAIN_MAXPOOL2D ? "−∞" : "0";
  gboolean map = has_map (p->b) && e->at.c < e->in_shape.dim[0];
  gint64 r0 = 0, r1 = 0, c0 = 0, c1 = 0, map_rows = 0, map_cols = 0;
  g_autofree double *values = g_new (double, MAX (e->n_terms, 1));
  g_autofree CellStyle *styles = g_new (CellStyle, MAX (e->n_terms, 1));
  double map_cell = 0.0, caption_h, content_h, map_w = 0.0, map_h = 0.0, y, x = PAD;
  Grid grid = { 0 };
  int kh, kw;

  if (e->n_terms == 0)
    {
      g_autofree char *line = pool_result_text (e);

      paint_line (p, line, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
      return;
    }
  window_shape (e->terms, e->n_terms, &kh, &kw);
  for (gsize i = 0; i < e->n_terms; i++)
    {
      values[i] = e->terms[i].input;
      styles[i] = (gssize) i == e->chosen && e->kind == ST_EXPLAIN_MAXPOOL2D ? CELL_CHOSEN
                  : e->terms[i].padding ? CELL_PADDING : CELL_PLAIN;
    }
  if (map)
    {
      window_reach (e->terms, e->n_terms, &e->in_shape, &r0, &r1, &c0, &c1);
      map_rows = r1 - r0 + 1;
      map_cols = c1 - c0 + 1;
    }
  for (double font = 11.0; font >= 7.0; font -= 1.0)
    {
      grid = grid_at (cr, kh, kw, font, values, e->n_terms);
      if (kw * grid.cw + (map ? GAP + map_cols * 3.0 : 0.0) <= avail (p))
        break;
      grid.numbers = FALSE;
    }
  if (!grid.numbers)
    grid = grid_colour_only (kh, kw, (avail (p) - (map ? GAP + map_cols * 2.0 : 0.0)) / kw);
  if (map)
    {
      map_cell = MIN (MIN (MAP_CELL_MAX + 4.0, (avail (p) - kw * grid.cw - GAP) / map_cols),
                      MAX (kh * grid.ch, POOL_MAP_HEIGHT) / map_rows);
      if (map_cell >= 3.0)
        map_cell = floor (map_cell);
      map = map_cell >= 0.5;
      map_w = map_cols * map_cell;
      map_h = map_rows * map_cell;
    }

  caption_h = line_height_at (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL) + 2.0;
  content_h = MAX (map_h, kh * grid.ch);
  y = round (p->y + caption_h);
  if (map)
    {
      g_autofree char *label = g_strdup_printf (_("channel %" PRId64), e->at.c);

      paint_caption (p, label, x, p->y, MAX (map_w, 60.0));
      paint_map (p, e->at.c, x, y, map_cell, r0, r1, c0, c1, e->terms, e->n_terms,
                 e->kind == ST_EXPLAIN_MAXPOOL2D ? e->chosen : -1, pad_text);
      x += map_w + GAP;
    }
  paint_caption (p, _("window"), x, p->y, kw * grid.cw + GAP);
  paint_grid (p, &grid, x, y, values, styles, 0.0, pad_text);
  p->y = y + content_h + ROW_GAP;
  {
    g_autofree char *line = pool_result_text (e);

    paint_line (p, line, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
  }
}

/* ---- activations: f(x) and a plot of f around x ---- */

static void
paint_plot (Paint *p)
{
  const StExplain *e = p->e;
  cairo_t *cr = p->cr;
  double x = e->n_terms > 0 ? e->terms[0].input : e->sum, fx = e->result;
  double pw = MIN (avail (p), PLOT_WIDTH), ph = PLOT_HEIGHT, px0 = PAD, py0 = p->y;
  double lo, hi, ylo = INFINITY, yhi = -INFINITY, spread;
  const int samples = 160;

  if (!isfinite (x) || !isfinite (fx))
    return;
  p->y += ph + ROW_GAP;
  if (!p->draw)
    return;

  spread = 1.0 + 0.1 * fabs (x);
  lo = MIN (-4.0, x - spread);
  hi = MAX (4.0, x + spread);
  for (int i = 0; i <= samples; i++)
    {
      double v = apply (e, lo + (hi - lo) * i / samples);

      if (isfinite (v))
        {
          ylo = MIN (ylo, v);
          yhi = MAX (yhi, v);
        }
    }
  ylo = MIN (MIN (ylo, fx), 0.0);
  yhi = MAX (MAX (yhi, fx), 0.0);
  if (yhi - ylo < 1e-12)
    ylo -= 1.0, yhi += 1.0;
  spread = (yhi - ylo) * 0.08;
  ylo -= spread;
  yhi += spread;

#define PX(t) (px0 + ((t) - lo) / (hi - lo) * pw)
#define PY(v) (py0 + ph - ((v) - ylo) / (yhi - ylo) * ph)
  cairo_save (cr);
  cairo_rectangle (cr, px0 + 0.5, py0 + 0.5, pw - 1.0, ph - 1.0);
  st_render_set_rgba (cr, &p->pal->frame, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke_preserve (cr);
  cairo_clip (cr);
  /* the axes through 0 */
  cairo_move_to (cr, px0, round (PY (0.0)) + 0.5);
  cairo_line_to (cr, px0 + pw, round (PY (0.0)) + 0.5);
  cairo_move_to (cr, round (PX (0.0)) + 0.5, py0);
  cairo_line_to (cr, round (PX (0.0)) + 0.5, py0 + ph);
  st_render_set_rgba (cr, &p->pal->frame, 0.8);
  cairo_stroke (cr);
  /* f */
  for (int i = 0; i <= samples; i++)
    {
      double t = lo + (hi - lo) * i / samples;

      if (i == 0)
        cairo_move_to (cr, PX (t), PY (apply (e, t)));
      else
        cairo_line_to (cr, PX (t), PY (apply (e, t)));
    }
  st_render_set_rgba (cr, &st_render_tab_blue, 1.0);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
  /* x and f(x) */
  {
    const double dash[] = { 3.0, 3.0 };

    cairo_set_dash (cr, dash, 2, 0.0);
    cairo_move_to (cr, PX (x), PY (0.0));
    cairo_line_to (cr, PX (x), PY (fx));
    cairo_line_to (cr, PX (0.0), PY (fx));
    st_render_set_rgba (cr, &p->pal->text_dim, 1.0);
    cairo_set_line_width (cr, 1.0);
    cairo_stroke (cr);
    cairo_set_dash (cr, NULL, 0, 0.0);
  }
  cairo_arc (cr, PX (x), PY (fx), 4.0, 0, 2 * G_PI);
  st_render_set_rgba (cr, &st_render_tab_orange, 1.0);
  cairo_fill (cr);
  {
    g_autofree char *label = g_strdup_printf ("x = %s → %s", num (x).s, num (fx).s);

    st_render_set_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL);
    st_render_set_rgba (cr, &p->pal->text, 1.0);
    st_render_text_at (cr, label, px0 + 5.0, py0 + 4.0, 0.0, 0.0);
  }
  cairo_restore (cr);
#undef PX
#undef PY
}

/* ---- the whole picture ---- */

/* Lays the breakdown out at p->width from p->y = 0, drawing when p->draw; returns its
 * height. */
static double
paint_breakdown (Paint *p)
{
  const StExplain *e = p->e;
  g_autofree char *header = header_text (e);

  p->y = PAD;
  paint_line (p, header, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
  p->y += 4.0;
  switch (e->kind)
    {
    case ST_EXPLAIN_CONV2D:
      paint_conv (p);
      break;
    case ST_EXPLAIN_LINEAR:
      paint_linear (p);
      break;
    case ST_EXPLAIN_MAXPOOL2D:
    case ST_EXPLAIN_AVGPOOL2D:
    case ST_EXPLAIN_ADAPTIVEAVGPOOL2D:
      paint_pool (p);
      break;
    case ST_EXPLAIN_BATCHNORM2D:
      {
        g_autofree char *numbers = batchnorm_numbers_text (e, e->n_terms > 0
                                                               ? e->terms[0].input : e->sum);
        g_autofree char *line2 = g_strdup_printf ("= %s", numbers);
        g_autofree char *line3 = g_strdup_printf ("= %s", num (e->result).s);

        paint_line (p, batchnorm_formula (), TEXT_FONT, CAIRO_FONT_WEIGHT_NORMAL,
                    &p->pal->text_dim);
        paint_line (p, line2, TEXT_FONT, CAIRO_FONT_WEIGHT_NORMAL, &p->pal->text);
        paint_line (p, line3, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
        break;
      }
    default:
      {
        g_autofree char *line = formula_text (e);

        paint_line (p, line, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &p->pal->text);
        if (is_activation (e->kind))
          paint_plot (p);
        break;
      }
    }
  if (p->b->activation != NULL)
    {
      g_autofree char *line = activation_text (p->b->activation);

      p->y += 2.0;
      paint_line (p, line, TEXT_FONT, CAIRO_FONT_WEIGHT_BOLD, &st_render_tab_blue);
    }
  return p->y - LINE_GAP + PAD;
}

/* ---- the public face ---------------------------------------------------------------------- */

void
st_breakdown_options_init (StBreakdownOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (StBreakdownOptions) {
    .theme = ST_THEME_LIGHT,
    .max_channels = DEFAULT_CHANNELS,
  };
}

static void
paint_init (Paint *p, cairo_t *cr, gboolean draw, double width, const StBreakdown *b,
            const StBreakdownOptions *options)
{
  StBreakdownOptions defaults;

  if (options == NULL)
    {
      st_breakdown_options_init (&defaults);
      options = &defaults;
    }
  *p = (Paint) {
    .cr = cr,
    .draw = draw,
    .pal = options->theme == ST_THEME_DARK ? &dark_palette : &light_palette,
    .b = b,
    .e = b->explain,
    .max_channels = MAX (options->max_channels, 1),
    .width = MAX (width, MIN_LAYOUT_WIDTH),
  };
}

/* The layout at `width`: its height and the scale and offset that fit it into width ×
 * height. */
static double
fit (const StBreakdown *b, const StBreakdownOptions *options, double width, double height,
     double *dx, GArray *maps)
{
  cairo_t *cr = st_render_scratch_context ();
  Paint p;
  double natural, scale;

  paint_init (&p, cr, FALSE, width, b, options);
  p.maps = maps;
  natural = paint_breakdown (&p);
  cairo_destroy (cr);
  scale = MIN (1.0, MIN (width / p.width, height / natural));
  *dx = (width - p.width * scale) / 2;
  return scale;
}

static gboolean
breakdown_valid (const StBreakdown *b)
{
  return b != NULL && b->explain != NULL && b->explain->path != NULL
         && b->explain->type != NULL && (b->explain->n_terms == 0 || b->explain->terms != NULL);
}

void
st_breakdown_render (cairo_t *cr, double width, double height, const StBreakdown *breakdown,
                     const StBreakdownOptions *options)
{
  Paint p;
  double scale, dx;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  st_render_set_rgba (cr, options != NULL && options->theme == ST_THEME_DARK
                            ? &dark_palette.background : &light_palette.background, 1.0);
  cairo_paint (cr);
  if (breakdown_valid (breakdown))
    {
      scale = fit (breakdown, options, width, height, &dx, NULL);
      cairo_translate (cr, dx, 0.0);
      cairo_scale (cr, scale, scale);
      paint_init (&p, cr, TRUE, width, breakdown, options);
      paint_breakdown (&p);
    }
  cairo_restore (cr);
}

double
st_breakdown_height (double width, const StBreakdown *breakdown,
                     const StBreakdownOptions *options)
{
  cairo_t *cr;
  Paint p;
  double h;

  g_return_val_if_fail (breakdown_valid (breakdown), 0.0);
  cr = st_render_scratch_context ();
  paint_init (&p, cr, FALSE, width, breakdown, options);
  h = paint_breakdown (&p);
  cairo_destroy (cr);
  /* laid out wider than asked, the picture is drawn scaled down: so is its height */
  return ceil (h * MIN (1.0, MAX (width, 1.0) / p.width));
}

gboolean
st_breakdown_input_cell_rect (double width, double height, const StBreakdown *breakdown,
                              const StBreakdownOptions *options, gint64 channel, gint64 row,
                              gint64 col, cairo_rectangle_t *rect)
{
  g_autoptr (GArray) maps = NULL;
  double scale, dx;

  g_return_val_if_fail (breakdown_valid (breakdown), FALSE);
  if (!(width >= 1.0 && height >= 1.0))
    return FALSE;
  maps = g_array_new (FALSE, FALSE, sizeof (MapPlace));
  scale = fit (breakdown, options, width, height, &dx, maps);
  for (guint i = 0; i < maps->len; i++)
    {
      const MapPlace *m = &g_array_index (maps, MapPlace, i);

      if (m->channel != channel || row < m->r0 || row > m->r1 || col < m->c0 || col > m->c1)
        continue;
      if (rect != NULL)
        *rect = (cairo_rectangle_t) { dx + (m->x + (col - m->c0) * m->cell) * scale,
                                      (m->y + (row - m->r0) * m->cell) * scale,
                                      m->cell * scale, m->cell * scale };
      return TRUE;
    }
  return FALSE;
}

typedef struct {
  const StBreakdown        *breakdown;
  const StBreakdownOptions *options;
} SaveArgs;

static void
render_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const SaveArgs *s = user_data;

  st_breakdown_render (cr, width, height, s->breakdown, s->options);
}

gboolean
st_breakdown_save (const char *path, int width, int height, const StBreakdown *breakdown,
                   const StBreakdownOptions *options, GError **error)
{
  SaveArgs s = { breakdown, options };

  return st_render_save (path, width, height, render_cb, &s, error);
}

/* ---- as text ------------------------------------------------------------------------------- */

/* "a b c; d e f": the n values of a kh × kw window, row by row; padding cells as `pad`. */
static void
append_window (GString *out, const StExplainTerm *t, gsize n, int kw, gboolean inputs,
               gboolean weights, const char *pad)
{
  for (gsize i = 0; i < n; i++)
    {
      double v = inputs ? t[i].input : weights ? t[i].weight : t[i].product;

      if (i > 0)
        g_string_append (out, i % (gsize) kw == 0 ? "; " : " ");
      if (inputs && t[i].padding)
        g_string_append_printf (out, _("%s (padding)"), pad);
      else
        g_string_append (out, num (v).s);
    }
}

/* "0, 1, 2": the rows (or columns) of a kh × kw window. */
static char *
window_lines (const StExplainTerm *t, int kh, int kw, gboolean rows)
{
  GString *out = g_string_new (NULL);

  for (int k = 0; k < (rows ? kh : kw); k++)
    g_string_append_printf (out, k == 0 ? "%" G_GINT64_FORMAT : ", %" G_GINT64_FORMAT,
                            rows ? t[k * kw].row : t[k].col);
  return g_string_free (out, FALSE);
}

static void
append_conv_text (GString *out, const StExplain *e)
{
  gint64 channels, drawn;
  gsize per;
  int kh, kw;
  double rest = 0.0;

  conv_channels (e, &channels, &per);
  window_shape (e->terms, per, &kh, &kw);
  drawn = MIN (channels, DEFAULT_CHANNELS);
  for (gint64 ic = 0; ic < channels && per > 0; ic++)
    {
      const StExplainTerm *t = e->terms + ic * per;
      double sum = 0.0;

      for (gsize k = 0; k < per; k++)
        sum += t[k].product;
      if (ic >= drawn)
        {
          rest += sum;
          continue;
        }
      {
        g_autofree char *rows = window_lines (t, kh, kw, TRUE);
        g_autofree char *cols = window_lines (t, kh, kw, FALSE);
        g_autofree char *s = channel_sum_text (sum);

        g_string_append_printf (out, _("channel %" PRId64 " inputs at rows %s × columns %s: "),
                                ic, rows, cols);
        append_window (out, t, per, kw, TRUE, FALSE, "0");
        g_string_append_c (out, '\n');
        g_string_append_printf (out, _("channel %" PRId64 " weights: "), ic);
        append_window (out, t, per, kw, FALSE, TRUE, "0");
        g_string_append_c (out, '\n');
        g_string_append_printf (out, _("channel %" PRId64 " products w·x: "), ic);
        append_window (out, t, per, kw, FALSE, FALSE, "0");
        g_string_append_c (out, '\n');
        g_string_append_printf (out, _("channel %" PRId64 ": %s"), ic, s);
        g_string_append_c (out, '\n');
      }
    }
  if (drawn < channels)
    {
      g_autofree char *line = capped_text (drawn, channels - 1, rest);

      g_string_append_printf (out, "%s\n", line);
    }
  {
    g_autofree char *total = conv_total_text (e);

    g_string_append_printf (out, "%s\n", total);
  }
}

static void
append_linear_text (GString *out, const StExplain *e)
{
  gsize top[TOP_TERMS], n = top_terms (e, top, TOP_TERMS);
  g_autofree char *total = linear_total_text (e);
  double rest = e->sum;

  g_string_append_printf (out, "%s\n", total);
  if (n > 0)
    g_string_append_printf (out, "%s\n", _("the largest contributions, by |w·x|:"));
  for (gsize k = 0; k < n; k++)
    {
      g_autofree char *label = source_text (&e->terms[top[k]]);
      g_autofree char *value = contribution_text (&e->terms[top[k]]);

      g_string_append_printf (out, "%s: %s\n", label, value);
    }
  if (e->n_terms > n)
    {
      g_autofree char *line = NULL;

      rest = 0.0;
      for (gsize i = 0; i < e->n_terms; i++)
        {
          gboolean shown = FALSE;

          for (gsize k = 0; k < n && !shown; k++)
            shown = top[k] == i;
          if (!shown)
            rest += e->terms[i].product;
        }
      line = more_text (e->n_terms - n, rest);
      g_string_append_printf (out, "%s\n", line);
    }
}

static void
append_pool_text (GString *out, const StExplain *e)
{
  int kh, kw;

  if (e->n_terms > 0)
    {
      g_autofree char *rows = NULL, *cols = NULL;

      window_shape (e->terms, e->n_terms, &kh, &kw);
      rows = window_lines (e->terms, kh, kw, TRUE);
      cols = window_lines (e->terms, kh, kw, FALSE);
      g_string_append_printf (out, _("window at rows %s × columns %s: "), rows, cols);
      append_window (out, e->terms, e->n_terms, kw, TRUE, FALSE,
                     e->kind == ST_EXPLAIN_MAXPOOL2D ? "−∞" : "0");
      g_string_append_c (out, '\n');
    }
  {
    g_autofree char *line = pool_result_text (e);

    g_string_append_printf (out, "%s\n", line);
  }
}

char *
st_breakdown_to_text (const StBreakdown *breakdown)
{
  const StExplain *e;
  GString *out;

  g_return_val_if_fail (breakdown_valid (breakdown), NULL);
  e = breakdown->explain;
  out = g_string_new (NULL);
  {
    g_autofree char *header = header_text (e);

    g_string_append_printf (out, "%s\n", header);
  }
  if (e->kind == ST_EXPLAIN_CONV2D)
    append_conv_text (out, e);
  else if (e->kind == ST_EXPLAIN_LINEAR)
    append_linear_text (out, e);
  else if (is_pool (e->kind))
    append_pool_text (out, e);
  else if (e->kind == ST_EXPLAIN_BATCHNORM2D)
    {
      g_autofree char *numbers = batchnorm_numbers_text (e, e->n_terms > 0 ? e->terms[0].input
                                                                            : e->sum);

      g_string_append_printf (out, "%s\n= %s\n= %s\n", batchnorm_formula (), numbers,
                              num (e->result).s);
    }
  else
    {
      g_autofree char *line = formula_text (e);

      g_string_append_printf (out, "%s\n", line);
    }
  if (breakdown->activation != NULL)
    {
      g_autofree char *line = activation_text (breakdown->activation);

      g_string_append_printf (out, "%s\n", line);
    }
  if (out->len > 0 && out->str[out->len - 1] == '\n')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
