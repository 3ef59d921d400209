/* class-render.c: the class-level pictures of a classifier — the predicted probabilities of one
 * image as bars and the confusion matrix of a test pass — drawn with Cairo's own API only.
 *
 * They share the grid renderers' options, palettes and title (grid-render-private.h) but no
 * image surfaces: everything here is rectangles and text, sized from the class names' widths.
 */
#define G_LOG_DOMAIN "strata-class"

#include "ui/render/class-render.h"

#include "ui/render/grid-render-private.h"
#include "ui/render/render-util.h"

#include "core/io/i18n.h"

#include <math.h>

#define PAD ST_GRID_PAD

/* ---- colours and names -------------------------------------------------------------------- */

/* ColorBrewer's "Blues", matplotlib's default for confusion matrices */
static const float blues[9][3] = {
  { 0xf7 / 255.f, 0xfb / 255.f, 0xff / 255.f }, { 0xde / 255.f, 0xeb / 255.f, 0xf7 / 255.f },
  { 0xc6 / 255.f, 0xdb / 255.f, 0xef / 255.f }, { 0x9e / 255.f, 0xca / 255.f, 0xe1 / 255.f },
  { 0x6b / 255.f, 0xae / 255.f, 0xd6 / 255.f }, { 0x42 / 255.f, 0x92 / 255.f, 0xc6 / 255.f },
  { 0x21 / 255.f, 0x71 / 255.f, 0xb5 / 255.f }, { 0x08 / 255.f, 0x51 / 255.f, 0x9c / 255.f },
  { 0x08 / 255.f, 0x30 / 255.f, 0x6b / 255.f },
};

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
cell_colour (const StGridOptions *o, const StGridPalette *pal, double t)
{
  if (o->theme != ST_THEME_DARK)
    return blues_at (t);
  t = sqrt (CLAMP (t, 0.0, 1.0));
  return (StRgba) { pal->cell_low.r + t * (pal->cell_high.r - pal->cell_low.r),
                   pal->cell_low.g + t * (pal->cell_high.g - pal->cell_low.g),
                   pal->cell_low.b + t * (pal->cell_high.b - pal->cell_low.b), 1.0 };
}

static void
class_name (char *buf, gsize size, const char *const *names, int i)
{
  if (names != NULL && names[i] != NULL)
    g_strlcpy (buf, names[i], size);
  else
    g_snprintf (buf, size, "%d", i);
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
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  const StGridPalette *pal = st_grid_palette_for (o);
  double top, row_h, font, name_w = 0.0, value_w, bar_x, bar_w, y0;
  int n, predicted;
  char buf[128];

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = st_grid_begin (cr, width, height, o);
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

/* Where the matrix goes: the cells' size and top-left corner, the size of the class names
 * and whether the column names are turned. */
typedef struct {
  int      k;
  double   cell, x0, y0;
  double   font, label_h, name_w, col_label_h;
  gboolean rotate;
} ConfusionLayout;

/* FALSE when there is nothing to draw (no counts, or cells under 2 px); `top` is the height
 * the title takes. Sets fonts on `cr`, which only measures. */
static gboolean
confusion_layout (ConfusionLayout *l, cairo_t *cr, double width, double height, double top,
                  const StConfusion *confusion)
{
  double axis_h, cell = 0.0, name_w = 0.0, label_h = 0.0, col_label_h = 0.0, font;
  gboolean rotate = FALSE;
  int k;
  char buf[128];

  if (confusion == NULL || confusion->counts == NULL || confusion->n_classes <= 0
      || confusion->n_classes > 4096)
    return FALSE;
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
    return FALSE;
  *l = (ConfusionLayout) {
    .k = k, .cell = cell, .font = font, .label_h = label_h, .name_w = name_w,
    .col_label_h = col_label_h, .rotate = rotate,
    .x0 = floor (PAD + axis_h + 6.0 + name_w + 6.0
                 + (width - 2 * PAD - axis_h - 6.0 - name_w - 6.0 - cell * k
                    - (rotate ? label_h : 0.0)) / 2),
    .y0 = floor (top + PAD + (height - top - 2 * PAD - cell * k - col_label_h - axis_h - 6.0) / 2),
  };
  return TRUE;
}

gboolean
st_confusion_hit_test (double width, double height, const StConfusion *confusion,
                       const StGridOptions *options, double x, double y, int *true_class,
                       int *predicted)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  cairo_t *cr;
  ConfusionLayout l;
  gboolean hit = FALSE;

  if (!(width >= 1.0 && height >= 1.0))
    return FALSE;
  /* the scratch surface takes the background: only the title's height matters here */
  cr = st_render_scratch_context ();
  if (confusion_layout (&l, cr, width, height, st_grid_begin (cr, width, height, o), confusion)
      && x >= l.x0 && y >= l.y0 && x < l.x0 + l.cell * l.k && y < l.y0 + l.cell * l.k)
    {
      hit = TRUE;
      if (true_class != NULL)
        *true_class = MIN ((int) ((y - l.y0) / l.cell), l.k - 1);
      if (predicted != NULL)
        *predicted = MIN ((int) ((x - l.x0) / l.cell), l.k - 1);
    }
  cairo_destroy (cr);
  return hit;
}

void
st_confusion_render (cairo_t             *cr,
                     double               width,
                     double               height,
                     const StConfusion   *confusion,
                     const StGridOptions *options)
{
  StGridOptions defaults;
  const StGridOptions *o = st_grid_options_or_defaults (options, &defaults);
  const StGridPalette *pal = st_grid_palette_for (o);
  double top, name_w, cell, x0, y0, col_label_h, font, count_font;
  gboolean rotate;
  ConfusionLayout l;
  int k;
  char buf[128];

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  cairo_save (cr);
  top = st_grid_begin (cr, width, height, o);
  if (!confusion_layout (&l, cr, width, height, top, confusion))
    {
      cairo_restore (cr);
      return;
    }
  k = l.k;
  cell = l.cell;
  x0 = l.x0;
  y0 = l.y0;
  font = l.font;
  name_w = l.name_w;
  col_label_h = l.col_label_h;
  rotate = l.rotate;

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
          StRgba colour = cell_colour (o, pal, share);
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
  if (confusion->marked && confusion->marked_true >= 0 && confusion->marked_true < k
      && confusion->marked_predicted >= 0 && confusion->marked_predicted < k)
    {
      double w = MIN (3.0, MAX (1.0, cell / 8));

      cairo_rectangle (cr, x0 + confusion->marked_predicted * cell + w / 2,
                       y0 + confusion->marked_true * cell + w / 2, cell - w, cell - w);
      st_render_set_rgba (cr, &st_render_tab_red, 1.0);
      cairo_set_line_width (cr, w);
      cairo_stroke (cr);
    }

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
  st_render_text_at (cr, C_("confusion matrix axis", "predicted"), x0 + k * cell / 2,
                     y0 + k * cell + col_label_h, 0.5, 0.0);
  cairo_save (cr);
  cairo_translate (cr, PAD, y0 + k * cell / 2);
  cairo_rotate (cr, -G_PI / 2);
  st_render_text_at (cr, C_("confusion matrix axis", "true"), 0.0, 0.0, 0.5, 0.0);
  cairo_restore (cr);
  cairo_restore (cr);
}

/* ---- saving ------------------------------------------------------------------------------- */

static void
render_probabilities_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const StGridSave *s = user_data;

  st_probabilities_render (cr, width, height, s->data, s->options);
}

static void
render_confusion_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const StGridSave *s = user_data;

  st_confusion_render (cr, width, height, s->data, s->options);
}

gboolean
st_probabilities_save (const char *path, int width, int height, const StProbabilities *probs,
                       const StGridOptions *options, GError **error)
{
  StGridSave s = { probs, 0, options };

  return st_render_save (path, width, height, render_probabilities_cb, &s, error);
}

gboolean
st_confusion_save (const char *path, int width, int height, const StConfusion *confusion,
                   const StGridOptions *options, GError **error)
{
  StGridSave s = { confusion, 0, options };

  return st_render_save (path, width, height, render_confusion_cb, &s, error);
}
