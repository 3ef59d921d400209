/* chart-render.c: the training chart, drawn with Cairo's own API only (no GTK, no Pango).
 *
 * A render is: lay the panels out (text metrics decide the margins), then draw each panel
 * — grid, axes, the previous run, the per-batch loss (raw and smoothed), the per-epoch
 * curves, the hover guide and its value box, the legend. The layout is recomputed for every
 * frame; it costs a few text measurements, far less than the curves.
 *
 * Long curves are decimated to at most two points per pixel column (the column's minimum and
 * maximum, in the order they occur), so a run of 100 000 batches draws as fast as 1 000 and
 * keeps its spikes.
 */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/chart-render.h"

#include <cairo-svg.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (st-render-error-quark, st_render_error)

#define FONT_FAMILY   "sans-serif"
#define TICK_FONT     11.0
#define LABEL_FONT    12.0
#define TITLE_FONT    14.0
#define EMPTY_FONT    15.0
#define MAX_TICKS     96
#define PIXEL_LIMIT   1.0e5     /* Cairo's fixed-point coordinates overflow far beyond this */

typedef struct {
  double r, g, b, a;
} Rgba;

typedef struct {
  Rgba background;
  Rgba text;
  Rgba text_dim;
  Rgba axis;
  Rgba grid;
  Rgba grid_minor;
  Rgba guide;
  Rgba box;
  Rgba box_border;
  double faint;                 /* multiplies the alpha of faint curves: blue fades on dark */
} Palette;

static const Palette light_palette = {
  .background = { 1.0, 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.13, 0.15, 1.0 },
  .text_dim = { 0.36, 0.36, 0.40, 1.0 },
  .axis = { 0.0, 0.0, 0.0, 0.55 },
  .grid = { 0.0, 0.0, 0.0, 0.09 },
  .grid_minor = { 0.0, 0.0, 0.0, 0.04 },
  .guide = { 0.0, 0.0, 0.0, 0.50 },
  .box = { 1.0, 1.0, 1.0, 0.94 },
  .box_border = { 0.0, 0.0, 0.0, 0.22 },
  .faint = 1.0,
};

static const Palette dark_palette = {
  .background = { 0.14, 0.14, 0.15, 1.0 },
  .text = { 0.93, 0.93, 0.94, 1.0 },
  .text_dim = { 0.70, 0.70, 0.73, 1.0 },
  .axis = { 1.0, 1.0, 1.0, 0.55 },
  .grid = { 1.0, 1.0, 1.0, 0.10 },
  .grid_minor = { 1.0, 1.0, 1.0, 0.045 },
  .guide = { 1.0, 1.0, 1.0, 0.55 },
  .box = { 0.19, 0.19, 0.20, 0.95 },
  .box_border = { 1.0, 1.0, 1.0, 0.25 },
  .faint = 1.5,
};

/* matplotlib's tab:blue and tab:orange, the colours of every notebook's loss curve */
static const Rgba train_colour = { 0x1f / 255.0, 0x77 / 255.0, 0xb4 / 255.0, 1.0 };
static const Rgba test_colour = { 0xff / 255.0, 0x7f / 255.0, 0x0e / 255.0, 1.0 };

static void
set_rgba (cairo_t *cr, const Rgba *c, double alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, c->a * alpha);
}

static void
set_faint (cairo_t *cr, const Palette *palette, const Rgba *c, double alpha)
{
  set_rgba (cr, c, MIN (1.0, alpha * palette->faint));
}

/* ---- shared: saving ----------------------------------------------------------------------- */

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
  if (!g_file_set_contents_full (path, (const char *) bytes->data, bytes->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local_error))
    {
      g_set_error (error, ST_RENDER_ERROR, ST_RENDER_ERROR_WRITE,
                   "Cannot save “%s”: %s", path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- data --------------------------------------------------------------------------------- */

void
st_chart_data_init (StChartData *data)
{
  g_return_if_fail (data != NULL);
  memset (data, 0, sizeof *data);
}

void
st_chart_data_clear (StChartData *data)
{
  g_return_if_fail (data != NULL);
  g_clear_pointer (&data->batches, g_free);
  g_clear_pointer (&data->epochs, g_free);
  data->n_batches = data->batches_capacity = 0;
  data->n_epochs = data->epochs_capacity = 0;
}

static void *
grow (void *array, gsize *capacity, gsize needed, gsize element_size)
{
  if (needed <= *capacity)
    return array;
  *capacity = MAX (needed, MAX (64, *capacity * 2));
  return g_realloc_n (array, *capacity, element_size);
}

void
st_chart_data_add_batch (StChartData *data, double epoch, double loss)
{
  g_return_if_fail (data != NULL);
  data->batches = grow (data->batches, &data->batches_capacity, data->n_batches + 1,
                        sizeof (StChartBatch));
  data->batches[data->n_batches++] = (StChartBatch) { epoch, loss };
}

void
st_chart_data_add_epoch (StChartData *data, const StChartEpoch *epoch)
{
  g_return_if_fail (data != NULL);
  g_return_if_fail (epoch != NULL);
  data->epochs = grow (data->epochs, &data->epochs_capacity, data->n_epochs + 1,
                       sizeof (StChartEpoch));
  data->epochs[data->n_epochs++] = *epoch;
}

void
st_chart_options_init (StChartOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (StChartOptions) {
    .panels = ST_CHART_PANELS_BOTH,
    .layout = ST_CHART_LAYOUT_AUTO,
    .loss_scale = ST_CHART_SCALE_LINEAR,
    .smoothing = 0.0,
    .hover_x = NAN,
    .theme = ST_THEME_LIGHT,
  };
}

/* ---- series: a strided view of one column of the batch or epoch rows ---------------------- */

typedef struct {
  const double *x;
  const double *y;
  gsize         n;
  gsize         stride;         /* in doubles */
} Series;

#define SERIES_X(s, i) ((s)->x[(i) * (s)->stride])
#define SERIES_Y(s, i) ((s)->y[(i) * (s)->stride])

#define EPOCH_FIELD(data, field) \
  ((Series) { (data) != NULL && (data)->n_epochs > 0 ? &(data)->epochs[0].epoch : NULL, \
              (data) != NULL && (data)->n_epochs > 0 ? &(data)->epochs[0].field : NULL, \
              (data) != NULL ? (data)->n_epochs : 0, \
              sizeof (StChartEpoch) / sizeof (double) })

static Series
batch_series (const StChartBatch *batches, gsize n)
{
  return (Series) { n > 0 ? &batches[0].epoch : NULL, n > 0 ? &batches[0].loss : NULL, n,
                    sizeof (StChartBatch) / sizeof (double) };
}

static gboolean
usable (double y, gboolean log_y)
{
  return isfinite (y) && (!log_y || y > 0.0);
}

static gboolean
series_has_points (const Series *s, gboolean log_y)
{
  for (gsize i = 0; i < s->n; i++)
    if (isfinite (SERIES_X (s, i)) && usable (SERIES_Y (s, i), log_y))
      return TRUE;
  return FALSE;
}

/* TensorBoard's smoothing: an exponential moving average, debiased so the first points are
 * not pulled towards zero. Non-finite values pass through and do not disturb the average. */
static StChartBatch *
smooth_batches (const StChartBatch *batches, gsize n, double weight)
{
  StChartBatch *out = g_new (StChartBatch, MAX (n, 1));
  double last = 0.0;
  int count = 0;

  for (gsize i = 0; i < n; i++)
    {
      out[i].epoch = batches[i].epoch;
      if (!isfinite (batches[i].loss))
        {
          out[i].loss = batches[i].loss;
          continue;
        }
      last = last * weight + (1.0 - weight) * batches[i].loss;
      count++;
      out[i].loss = last / (1.0 - pow (weight, count));
    }
  return out;
}

/* ---- ticks -------------------------------------------------------------------------------- */

typedef struct {
  double   v[MAX_TICKS];        /* in data units (not log10) */
  gboolean major[MAX_TICKS];    /* labelled and drawn as a full grid line */
  int      n;
  int      decimals;            /* for linear labels */
  double   step;                /* linear */
  gboolean log_labels;
} Ticks;

static void
ticks_add (Ticks *t, double v, gboolean major)
{
  if (t->n < MAX_TICKS)
    {
      t->v[t->n] = v;
      t->major[t->n] = major;
      t->n++;
    }
}

static double
nice_step (double span, double target)
{
  double raw = span / MAX (target, 1.0);
  double mag = pow (10.0, floor (log10 (raw)));
  double norm = raw / mag;

  if (norm < 1.5)
    return mag;
  if (norm < 3.0)
    return 2.0 * mag;
  if (norm < 7.0)
    return 5.0 * mag;
  return 10.0 * mag;
}

static void
linear_ticks (double lo, double hi, double target, Ticks *t)
{
  double step = nice_step (hi - lo, target);
  double k0 = ceil (lo / step - 1e-9);
  double k1 = floor (hi / step + 1e-9);

  t->n = 0;
  t->log_labels = FALSE;
  t->step = step;
  t->decimals = MAX (0, (int) -floor (log10 (step) + 1e-9));
  if (!isfinite (k0) || !isfinite (k1) || k1 - k0 > MAX_TICKS)
    return;
  for (double k = k0; k <= k1; k++)
    ticks_add (t, fabs (k) < 0.5 ? 0.0 : k * step, TRUE);
}

/* lo and hi are log10 of the values. Decades are labelled (every few when there are many);
 * when fewer than three decades show, 2 and 5 are labelled too, then every digit. */
static gboolean
log_major (int m, int level)
{
  return m == 1 || (level >= 1 && (m == 2 || m == 5)) || level >= 2;
}

static int
log_count (double lo, double hi, int level)
{
  int n = 0;

  for (int d = (int) floor (lo); d <= (int) ceil (hi); d++)
    for (int m = 1; m <= 9; m++)
      {
        double lv = log10 (m * pow (10.0, d));

        n += lv >= lo - 1e-9 && lv <= hi + 1e-9 && log_major (m, level);
      }
  return n;
}

static void
log_ticks (double lo, double hi, double target, Ticks *t)
{
  int d0 = (int) floor (lo), d1 = (int) ceil (hi);
  int decades = (int) floor (hi + 1e-9) - (int) ceil (lo - 1e-9) + 1;
  int every = MAX (1, (int) ceil (decades / MAX (target, 1.0)));
  int level = 0;

  if (hi - lo < 0.6)
    {
      linear_ticks (pow (10.0, lo), pow (10.0, hi), target, t);
      return;
    }
  if (every == 1)
    while (level < 2 && log_count (lo, hi, level) < 3 && log_count (lo, hi, level + 1) <= target)
      level++;

  t->n = 0;
  t->log_labels = TRUE;
  for (int d = d0; d <= d1; d++)
    for (int m = 1; m <= 9; m++)
      {
        double v = m * pow (10.0, d);
        double lv = log10 (v);
        gboolean major = log_major (m, level) && (m != 1 || d % every == 0);

        if (lv < lo - 1e-9 || lv > hi + 1e-9)
          continue;
        if (major || every == 1)
          ticks_add (t, v, major);
      }
}

static void
append_superscript (GString *s, int n)
{
  static const char *const digits[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  char buf[16];

  if (n < 0)
    g_string_append (s, "⁻");
  g_snprintf (buf, sizeof buf, "%d", ABS (n));
  for (const char *p = buf; *p; p++)
    g_string_append (s, digits[*p - '0']);
}

/* "2×10⁻⁵", "1.5×10¹⁸": mantissa with as many decimals as the step needs, trailing zeros cut */
static void
format_scientific (char *buf, gsize size, double v, double step)
{
  int e = (int) floor (log10 (fabs (v)) + 1e-9);
  int decimals = CLAMP (e - (int) floor (log10 (step) + 1e-9), 0, 6);
  g_autoptr(GString) s = g_string_new (NULL);
  char mantissa[32];
  char *end;

  g_snprintf (mantissa, sizeof mantissa, "%.*f", decimals, v / pow (10.0, e));
  if (strchr (mantissa, '.') != NULL)
    {
      end = mantissa + strlen (mantissa) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  if (strcmp (mantissa, "1") != 0)
    g_string_append_printf (s, "%s×", mantissa);
  g_string_append (s, "10");
  append_superscript (s, e);
  g_strlcpy (buf, s->str, size);
}

static void
format_tick (char *buf, gsize size, const Ticks *t, double v, gboolean percent)
{
  if (t->log_labels)
    {
      int e = (int) floor (log10 (v) + 1e-9);

      if (e >= -3 && e <= 4)
        g_snprintf (buf, size, "%.*f", MAX (0, -e), v);
      else
        format_scientific (buf, size, v, v);
    }
  else if (percent)
    g_snprintf (buf, size, "%.*f%%", MAX (0, t->decimals - 2), v * 100.0);
  else if (v != 0.0 && (fabs (v) >= 1e5 || t->decimals > 5))
    format_scientific (buf, size, v, t->step);
  else
    g_snprintf (buf, size, "%.*f", t->decimals, v);
}

/* ---- text --------------------------------------------------------------------------------- */

static void
set_font (cairo_t *cr, double size, cairo_font_weight_t weight)
{
  cairo_select_font_face (cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, weight);
  cairo_set_font_size (cr, size);
}

static double
text_width (cairo_t *cr, const char *text)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  return ext.x_advance;
}

static double
line_height (cairo_t *cr)
{
  cairo_font_extents_t fe;

  cairo_font_extents (cr, &fe);
  return fe.ascent + fe.descent;
}

/* Draws text so that the point (x, y) falls at (xalign, yalign) of its line box. */
static void
text_at (cairo_t *cr, const char *text, double x, double y, double xalign, double yalign)
{
  cairo_font_extents_t fe;

  cairo_font_extents (cr, &fe);
  cairo_move_to (cr, x - xalign * text_width (cr, text),
                 y - yalign * (fe.ascent + fe.descent) + fe.ascent);
  cairo_show_text (cr, text);
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* ---- layout ------------------------------------------------------------------------------- */

typedef enum {
  PANEL_LOSS,
  PANEL_ACCURACY,
} PanelKind;

typedef struct {
  const char *label;
  const Rgba *colour;
  double      alpha;
  double      line_width;
  gboolean    marker;
  gboolean    dashed;
} LegendEntry;

#define MAX_LEGEND 4

typedef struct {
  PanelKind   kind;
  gboolean    log_y;
  gboolean    show_xlabel;
  double      fx, fy, fw, fh;           /* the panel's rectangle */
  double      left, top, right, bottom; /* its plot area */
  double      xlo, xhi;                 /* data range */
  double      ylo, yhi;                 /* data range, log10 on a log axis */
  Ticks       xticks, yticks;
  LegendEntry legend[MAX_LEGEND];
  int         n_legend;
  double      legend_rows[MAX_LEGEND];  /* width of each row */
  int         legend_row_of[MAX_LEGEND];
  int         n_legend_rows;
} Panel;

typedef struct {
  const StChartData    *data;
  const StChartData    *previous;
  const StChartOptions *options;
  const Palette        *palette;
  StChartBatch         *smoothed;       /* owned; NULL without smoothing */
  gboolean              empty;          /* the current run has no points */
  Panel                 panel[2];
  int                   n_panels;
  double                title_height;
} Chart;

#define LEGEND_SWATCH 22.0
#define LEGEND_GAP     6.0
#define LEGEND_SPACING 16.0

static double
map_x (const Panel *p, double x)
{
  double px = p->left + (x - p->xlo) / (p->xhi - p->xlo) * (p->right - p->left);

  return CLAMP (px, -PIXEL_LIMIT, PIXEL_LIMIT);
}

static double
unmap_x (const Panel *p, double px)
{
  return p->xlo + (px - p->left) / (p->right - p->left) * (p->xhi - p->xlo);
}

static double
map_y (const Panel *p, double y)
{
  double v = p->log_y ? log10 (y) : y;
  double py = p->bottom - (v - p->ylo) / (p->yhi - p->ylo) * (p->bottom - p->top);

  return CLAMP (py, -PIXEL_LIMIT, PIXEL_LIMIT);
}

static void
extend (double *lo, double *hi, const Series *s, gboolean log_y)
{
  for (gsize i = 0; i < s->n; i++)
    {
      double y = SERIES_Y (s, i);

      if (!isfinite (SERIES_X (s, i)) || !usable (y, log_y))
        continue;
      if (log_y)
        y = log10 (y);
      *lo = MIN (*lo, y);
      *hi = MAX (*hi, y);
    }
}

static void
y_range (Chart *chart, Panel *p)
{
  const StChartData *runs[2] = { chart->data, chart->previous };
  double lo = INFINITY, hi = -INFINITY;
  gboolean nonnegative;

  for (int r = 0; r < 2; r++)
    {
      const StChartData *d = runs[r];
      Series s[2];

      if (d == NULL)
        continue;
      if (p->kind == PANEL_LOSS)
        {
          s[0] = EPOCH_FIELD (d, train_loss);
          s[1] = EPOCH_FIELD (d, test_loss);
          if (r == 0)
            {
              Series b = batch_series (d->batches, d->n_batches);
              extend (&lo, &hi, &b, p->log_y);
            }
        }
      else
        {
          s[0] = EPOCH_FIELD (d, train_acc);
          s[1] = EPOCH_FIELD (d, test_acc);
        }
      extend (&lo, &hi, &s[0], p->log_y);
      extend (&lo, &hi, &s[1], p->log_y);
    }

  if (lo > hi)
    {
      /* nothing to show: a range that reads well while waiting */
      lo = p->log_y ? -2.0 : 0.0;
      hi = p->log_y ? 1.0 : (p->kind == PANEL_LOSS ? 2.5 : 1.0);
    }
  else
    {
      nonnegative = lo >= 0.0;
      lo = MAX (lo, -1e300);
      hi = MIN (hi, 1e300);
      if (hi - lo < 1e-12 * MAX (fabs (lo), 1e-300))
        {
          double pad = p->log_y ? 0.1 : MAX (fabs (lo) * 0.05, 1e-3);
          lo -= pad;
          hi += pad;
        }
      else
        {
          double pad = 0.06 * (hi - lo);
          lo -= pad;
          hi += pad;
        }
      if (!p->log_y && nonnegative)
        lo = MAX (lo, 0.0);
    }
  p->ylo = lo;
  p->yhi = hi;
}

static void
x_range (Chart *chart, double *lo, double *hi)
{
  const StChartData *runs[2] = { chart->data, chart->previous };
  double xmin = 0.0, xmax = 0.0;

  for (int r = 0; r < 2; r++)
    {
      const StChartData *d = runs[r];

      if (d == NULL)
        continue;
      for (gsize i = 0; i < d->n_batches; i++)
        if (isfinite (d->batches[i].epoch))
          {
            xmin = MIN (xmin, d->batches[i].epoch);
            xmax = MAX (xmax, d->batches[i].epoch);
          }
      for (gsize i = 0; i < d->n_epochs; i++)
        if (isfinite (d->epochs[i].epoch))
          {
            xmin = MIN (xmin, d->epochs[i].epoch);
            xmax = MAX (xmax, d->epochs[i].epoch);
          }
    }
  xmin = MAX (xmin, -1e300);
  xmax = MIN (ceil (xmax - 1e-9), 1e300);
  if (chart->data != NULL && isfinite (chart->data->planned_epochs))
    xmax = MAX (xmax, chart->data->planned_epochs);
  if (xmax - xmin < 1e-9)
    xmax = xmin + 1.0;
  *lo = xmin;
  *hi = xmax;
}

static void
legend_add (Panel *p, const char *label, const Rgba *colour, double alpha, double line_width,
            gboolean marker, gboolean dashed)
{
  g_assert (p->n_legend < MAX_LEGEND);
  p->legend[p->n_legend++] = (LegendEntry) { label, colour, alpha, line_width, marker, dashed };
}

static void
build_legend (cairo_t *cr, Chart *chart, Panel *p)
{
  const StChartData *d = chart->data;
  double row = 0.0, avail = p->fw - 24.0;

  p->n_legend = 0;
  if (p->kind == PANEL_LOSS && d != NULL && d->n_batches > 0)
    legend_add (p, "batches", &train_colour, 0.55, 1.2, FALSE, FALSE);
  legend_add (p, "train", &train_colour, 1.0, 2.0, TRUE, FALSE);
  legend_add (p, "test", &test_colour, 1.0, 2.0, TRUE, FALSE);
  if (chart->previous != NULL && chart->previous->n_epochs > 0)
    legend_add (p, "previous", &chart->palette->text_dim, 0.8, 1.6, FALSE, TRUE);

  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  p->n_legend_rows = 1;
  p->legend_rows[0] = 0.0;
  for (int i = 0; i < p->n_legend; i++)
    {
      double w = LEGEND_SWATCH + LEGEND_GAP + text_width (cr, p->legend[i].label);

      if (row > 0.0 && row + LEGEND_SPACING + w > avail)
        {
          p->legend_rows[p->n_legend_rows - 1] = row;
          p->legend_rows[p->n_legend_rows++] = 0.0;
          row = 0.0;
        }
      row += (row > 0.0 ? LEGEND_SPACING : 0.0) + w;
      p->legend_row_of[i] = p->n_legend_rows - 1;
    }
  p->legend_rows[p->n_legend_rows - 1] = row;
}

static double
max_tick_width (cairo_t *cr, const Ticks *t, gboolean percent)
{
  double w = 0.0;
  char buf[64];

  for (int i = 0; i < t->n; i++)
    if (t->major[i])
      {
        format_tick (buf, sizeof buf, t, t->v[i], percent);
        w = MAX (w, text_width (cr, buf));
      }
  return w;
}

static void
y_ticks (Panel *p)
{
  double target = (p->bottom - p->top) / 42.0;

  if (p->log_y)
    log_ticks (p->ylo, p->yhi, target, &p->yticks);
  else
    linear_ticks (p->ylo, p->yhi, target, &p->yticks);
}

/* Vertical geometry first (fixed by font heights), then the y ticks, whose label widths fix
 * the left margin, then the x ticks, whose last label fixes the right margin. */
static void
layout_panel (cairo_t *cr, Chart *chart, Panel *p)
{
  double tick_h, label_h, header_h, bottom_h, left_w, right_w, last_w;
  char buf[64];

  build_legend (cr, chart, p);
  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  tick_h = line_height (cr);
  set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  label_h = line_height (cr);

  header_h = 8.0 + p->n_legend_rows * (tick_h + 4.0) + 4.0;
  bottom_h = 6.0 + tick_h + (p->show_xlabel ? 4.0 + label_h : 0.0) + 8.0;
  p->top = p->fy + header_h;
  p->bottom = p->fy + p->fh - bottom_h;
  y_range (chart, p);
  y_ticks (p);

  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  left_w = 10.0 + label_h + 8.0 + max_tick_width (cr, &p->yticks, p->kind == PANEL_ACCURACY) + 7.0;
  p->left = p->fx + left_w;

  right_w = 16.0;
  p->right = p->fx + p->fw - right_w;
  x_range (chart, &p->xlo, &p->xhi);
  linear_ticks (p->xlo, p->xhi, (p->right - p->left) / 64.0, &p->xticks);
  if (p->xticks.n > 0)
    {
      format_tick (buf, sizeof buf, &p->xticks, p->xticks.v[p->xticks.n - 1], FALSE);
      last_w = text_width (cr, buf);
      if (map_x (p, p->xticks.v[p->xticks.n - 1]) + last_w / 2 + 4.0 > p->fx + p->fw)
        p->right = p->fx + p->fw - last_w / 2 - 4.0;
    }
}

static gboolean
chart_is_empty (const StChartData *d)
{
  Series b, s;

  if (d == NULL)
    return TRUE;
  b = batch_series (d->batches, d->n_batches);
  if (series_has_points (&b, FALSE))
    return FALSE;
  s = EPOCH_FIELD (d, train_loss);
  if (series_has_points (&s, FALSE))
    return FALSE;
  s = EPOCH_FIELD (d, test_loss);
  if (series_has_points (&s, FALSE))
    return FALSE;
  s = EPOCH_FIELD (d, train_acc);
  if (series_has_points (&s, FALSE))
    return FALSE;
  s = EPOCH_FIELD (d, test_acc);
  return !series_has_points (&s, FALSE);
}

static void
chart_init (Chart *chart, cairo_t *cr, double width, double height, const StChartData *data,
            const StChartOptions *options)
{
  const StChartOptions *o = options;
  gboolean side_by_side;
  double top = 0.0;

  memset (chart, 0, sizeof *chart);
  chart->data = data;
  chart->previous = data != NULL ? data->previous : NULL;
  chart->options = o;
  chart->palette = o->theme == ST_THEME_DARK ? &dark_palette : &light_palette;
  chart->empty = chart_is_empty (data);
  if (data != NULL && data->n_batches > 0 && o->smoothing > 0.0)
    chart->smoothed = smooth_batches (data->batches, data->n_batches, MIN (o->smoothing, 0.999));

  if (o->title != NULL && o->title[0] != '\0')
    {
      set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      chart->title_height = 10.0 + line_height (cr);
      top = chart->title_height;
    }

  switch (o->panels)
    {
    case ST_CHART_PANELS_LOSS:
      chart->n_panels = 1;
      chart->panel[0].kind = PANEL_LOSS;
      break;
    case ST_CHART_PANELS_ACCURACY:
      chart->n_panels = 1;
      chart->panel[0].kind = PANEL_ACCURACY;
      break;
    case ST_CHART_PANELS_BOTH:
    default:
      chart->n_panels = 2;
      chart->panel[0].kind = PANEL_LOSS;
      chart->panel[1].kind = PANEL_ACCURACY;
      break;
    }

  side_by_side = o->layout == ST_CHART_LAYOUT_SIDE_BY_SIDE
                 || (o->layout == ST_CHART_LAYOUT_AUTO && width >= 1.6 * (height - top));
  for (int i = 0; i < chart->n_panels; i++)
    {
      Panel *p = &chart->panel[i];

      p->log_y = p->kind == PANEL_LOSS && o->loss_scale == ST_CHART_SCALE_LOG;
      p->show_xlabel = TRUE;
      if (chart->n_panels == 1)
        {
          p->fx = 0.0;
          p->fy = top;
          p->fw = width;
          p->fh = height - top;
        }
      else if (side_by_side)
        {
          p->fx = i * floor (width / 2);
          p->fy = top;
          p->fw = i == 0 ? floor (width / 2) : width - floor (width / 2);
          p->fh = height - top;
        }
      else
        {
          p->fx = 0.0;
          p->fy = top + i * floor ((height - top) / 2);
          p->fw = width;
          p->fh = i == 0 ? floor ((height - top) / 2) : height - top - floor ((height - top) / 2);
          p->show_xlabel = i == 1;
        }
      layout_panel (cr, chart, p);
    }

  /* stacked panels share their x axis: align the plot areas */
  if (chart->n_panels == 2 && !side_by_side)
    {
      double left = MAX (chart->panel[0].left, chart->panel[1].left);
      double right = MIN (chart->panel[0].right, chart->panel[1].right);

      for (int i = 0; i < 2; i++)
        {
          chart->panel[i].left = left;
          chart->panel[i].right = right;
        }
    }
}

static void
chart_finish (Chart *chart)
{
  g_clear_pointer (&chart->smoothed, g_free);
}

static gboolean
panel_drawable (const Panel *p)
{
  return p->right - p->left >= 8.0 && p->bottom - p->top >= 8.0;
}

/* ---- drawing: curves ---------------------------------------------------------------------- */

typedef struct {
  cairo_t *cr;
  GArray  *dots;                /* isolated points, drawn as dots */
  int      run;                 /* points emitted since the last gap */
  double   run_x, run_y;        /* the first of them */
  gboolean has_bucket;
  double   column;
  double   min_x, min_y, max_x, max_y;
  gsize    min_i, max_i;
} Decimator;

static void
emit (Decimator *dec, double x, double y)
{
  if (dec->run == 0)
    {
      cairo_move_to (dec->cr, x, y);
      dec->run_x = x;
      dec->run_y = y;
    }
  else
    cairo_line_to (dec->cr, x, y);
  dec->run++;
}

static void
flush_bucket (Decimator *dec)
{
  if (!dec->has_bucket)
    return;
  if (dec->min_i == dec->max_i)
    emit (dec, dec->min_x, dec->min_y);
  else if (dec->min_i < dec->max_i)
    {
      emit (dec, dec->min_x, dec->min_y);
      emit (dec, dec->max_x, dec->max_y);
    }
  else
    {
      emit (dec, dec->max_x, dec->max_y);
      emit (dec, dec->min_x, dec->min_y);
    }
  dec->has_bucket = FALSE;
}

static void
end_run (Decimator *dec)
{
  flush_bucket (dec);
  if (dec->run == 1)
    {
      double xy[2] = { dec->run_x, dec->run_y };
      g_array_append_vals (dec->dots, xy, 2);
    }
  dec->run = 0;
}

/* Builds the decimated path of s (gaps at non-finite values) and strokes it; isolated points
 * become dots so a single epoch still shows. */
static void
stroke_series (cairo_t *cr, const Panel *p, const Series *s, double line_width)
{
  Decimator dec = { .cr = cr };
  g_autoptr(GArray) dots = g_array_new (FALSE, FALSE, sizeof (double));

  dec.dots = dots;
  cairo_new_path (cr);
  for (gsize i = 0; i < s->n; i++)
    {
      double x = SERIES_X (s, i), y = SERIES_Y (s, i), px, py;

      if (!isfinite (x) || !usable (y, p->log_y))
        {
          end_run (&dec);
          continue;
        }
      px = map_x (p, x);
      py = map_y (p, y);
      if (dec.has_bucket && floor (px) != dec.column)
        flush_bucket (&dec);
      if (!dec.has_bucket)
        {
          dec.has_bucket = TRUE;
          dec.column = floor (px);
          dec.min_x = dec.max_x = px;
          dec.min_y = dec.max_y = py;
          dec.min_i = dec.max_i = i;
        }
      else if (py < dec.min_y)
        {
          dec.min_x = px;
          dec.min_y = py;
          dec.min_i = i;
        }
      else if (py > dec.max_y)
        {
          dec.max_x = px;
          dec.max_y = py;
          dec.max_i = i;
        }
    }
  end_run (&dec);

  cairo_set_line_width (cr, line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
  for (guint i = 0; i + 1 < dots->len; i += 2)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, g_array_index (dots, double, i), g_array_index (dots, double, i + 1),
                 MAX (line_width, 1.5), 0, 2 * G_PI);
    }
  cairo_fill (cr);
}

static void
draw_markers (cairo_t *cr, const Chart *chart, const Panel *p, const Series *s, const Rgba *c)
{
  for (gsize i = 0; i < s->n; i++)
    {
      double x = SERIES_X (s, i), y = SERIES_Y (s, i);

      if (!isfinite (x) || !usable (y, p->log_y))
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, map_x (p, x), map_y (p, y), 3.0, 0, 2 * G_PI);
    }
  set_rgba (cr, &chart->palette->background, 1.0);
  cairo_fill_preserve (cr);
  set_rgba (cr, c, 1.0);
  cairo_set_line_width (cr, 1.6);
  cairo_stroke (cr);
}

static void
draw_epoch_curves (cairo_t *cr, const Chart *chart, const Panel *p, const StChartData *d,
                   gboolean faint)
{
  Series s[2];
  const Rgba *colour[2] = { &train_colour, &test_colour };
  double px_per_point;

  if (p->kind == PANEL_LOSS)
    {
      s[0] = EPOCH_FIELD (d, train_loss);
      s[1] = EPOCH_FIELD (d, test_loss);
    }
  else
    {
      s[0] = EPOCH_FIELD (d, train_acc);
      s[1] = EPOCH_FIELD (d, test_acc);
    }
  px_per_point = d->n_epochs > 0 ? (p->right - p->left) / MAX (d->n_epochs, 1.0) : 0.0;

  for (int k = 0; k < 2; k++)
    {
      if (faint)
        {
          static const double dash[] = { 5.0, 4.0 };

          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
          set_faint (cr, chart->palette, colour[k], 0.5);
          stroke_series (cr, p, &s[k], 1.6);
          cairo_set_dash (cr, NULL, 0, 0.0);
          continue;
        }
      set_rgba (cr, colour[k], 1.0);
      stroke_series (cr, p, &s[k], 2.0);
      if (px_per_point >= 10.0)
        draw_markers (cr, chart, p, &s[k], colour[k]);
    }
}

static void
draw_curves (cairo_t *cr, const Chart *chart, const Panel *p)
{
  const StChartData *d = chart->data;

  cairo_save (cr);
  cairo_rectangle (cr, p->left - 4.0, p->top - 4.0, p->right - p->left + 8.0,
                   p->bottom - p->top + 8.0);
  cairo_clip (cr);

  if (chart->previous != NULL)
    draw_epoch_curves (cr, chart, p, chart->previous, TRUE);

  if (d != NULL && p->kind == PANEL_LOSS && d->n_batches > 0)
    {
      Series raw = batch_series (d->batches, d->n_batches);

      if (chart->smoothed != NULL)
        {
          Series smooth = batch_series (chart->smoothed, d->n_batches);

          set_faint (cr, chart->palette, &train_colour, 0.22);
          stroke_series (cr, p, &raw, 1.0);
          set_faint (cr, chart->palette, &train_colour, 0.65);
          stroke_series (cr, p, &smooth, 1.4);
        }
      else
        {
          set_faint (cr, chart->palette, &train_colour, 0.55);
          stroke_series (cr, p, &raw, 1.2);
        }
    }
  if (d != NULL)
    draw_epoch_curves (cr, chart, p, d, FALSE);
  cairo_restore (cr);
}

/* ---- drawing: axes, legend ---------------------------------------------------------------- */

static void
draw_axes (cairo_t *cr, const Chart *chart, const Panel *p)
{
  const Palette *pal = chart->palette;
  gboolean percent = p->kind == PANEL_ACCURACY;
  char buf[64];

  cairo_set_line_width (cr, 1.0);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (int major = 0; major < 2; major++)
    {
      for (int i = 0; i < p->yticks.n; i++)
        if (p->yticks.major[i] == major)
          {
            double y = floor (map_y (p, p->yticks.v[i])) + 0.5;
            cairo_move_to (cr, p->left, y);
            cairo_line_to (cr, p->right, y);
          }
      if (major)
        for (int i = 0; i < p->xticks.n; i++)
          {
            double x = floor (map_x (p, p->xticks.v[i])) + 0.5;
            cairo_move_to (cr, x, p->top);
            cairo_line_to (cr, x, p->bottom);
          }
      set_rgba (cr, major ? &pal->grid : &pal->grid_minor, 1.0);
      cairo_stroke (cr);
    }

  /* left and bottom spines, with short outward ticks */
  cairo_move_to (cr, floor (p->left) + 0.5, p->top);
  cairo_line_to (cr, floor (p->left) + 0.5, floor (p->bottom) + 0.5);
  cairo_line_to (cr, p->right, floor (p->bottom) + 0.5);
  for (int i = 0; i < p->xticks.n; i++)
    {
      double x = floor (map_x (p, p->xticks.v[i])) + 0.5;
      cairo_move_to (cr, x, floor (p->bottom) + 0.5);
      cairo_line_to (cr, x, floor (p->bottom) + 4.5);
    }
  for (int i = 0; i < p->yticks.n; i++)
    if (p->yticks.major[i])
      {
        double y = floor (map_y (p, p->yticks.v[i])) + 0.5;
        cairo_move_to (cr, floor (p->left) + 0.5, y);
        cairo_line_to (cr, floor (p->left) - 3.5, y);
      }
  set_rgba (cr, &pal->axis, 1.0);
  cairo_stroke (cr);

  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  set_rgba (cr, &pal->text_dim, 1.0);
  for (int i = 0; i < p->yticks.n; i++)
    if (p->yticks.major[i])
      {
        format_tick (buf, sizeof buf, &p->yticks, p->yticks.v[i], percent);
        text_at (cr, buf, p->left - 7.0, map_y (p, p->yticks.v[i]), 1.0, 0.5);
      }
  for (int i = 0; i < p->xticks.n; i++)
    {
      format_tick (buf, sizeof buf, &p->xticks, p->xticks.v[i], FALSE);
      text_at (cr, buf, map_x (p, p->xticks.v[i]), p->bottom + 6.0, 0.5, 0.0);
    }

  set_font (cr, LABEL_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  set_rgba (cr, &pal->text, 1.0);
  if (p->show_xlabel)
    text_at (cr, "epoch", (p->left + p->right) / 2, p->fy + p->fh - 8.0, 0.5, 1.0);
  cairo_save (cr);
  cairo_translate (cr, p->fx + 10.0, (p->top + p->bottom) / 2);
  cairo_rotate (cr, -G_PI / 2);
  text_at (cr, p->kind == PANEL_LOSS ? "loss" : "accuracy", 0.0, 0.0, 0.5, 0.0);
  cairo_restore (cr);
}

static void
draw_swatch (cairo_t *cr, const Chart *chart, const LegendEntry *e, double x, double y)
{
  if (e->dashed)
    {
      static const double dash[] = { 4.0, 3.0 };
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
    }
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + LEGEND_SWATCH, y);
  set_faint (cr, chart->palette, e->colour, e->alpha);
  cairo_set_line_width (cr, e->line_width);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  if (e->marker)
    {
      cairo_arc (cr, x + LEGEND_SWATCH / 2, y, 3.0, 0, 2 * G_PI);
      set_rgba (cr, &chart->palette->background, 1.0);
      cairo_fill_preserve (cr);
      set_rgba (cr, e->colour, 1.0);
      cairo_set_line_width (cr, 1.6);
      cairo_stroke (cr);
    }
}

static void
draw_legend (cairo_t *cr, const Chart *chart, const Panel *p)
{
  double row_h, x = 0.0, y;
  int row = -1;

  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  row_h = line_height (cr) + 4.0;
  for (int i = 0; i < p->n_legend; i++)
    {
      const LegendEntry *e = &p->legend[i];

      if (p->legend_row_of[i] != row)
        {
          row = p->legend_row_of[i];
          x = p->right - p->legend_rows[row];
        }
      y = p->fy + 8.0 + row * row_h + row_h / 2;
      draw_swatch (cr, chart, e, x, y);
      set_rgba (cr, &chart->palette->text, 1.0);
      text_at (cr, e->label, x + LEGEND_SWATCH + LEGEND_GAP, y, 0.0, 0.5);
      x += LEGEND_SWATCH + LEGEND_GAP + text_width (cr, e->label) + LEGEND_SPACING;
    }
}

/* ---- hover -------------------------------------------------------------------------------- */

static gssize
nearest (const Series *s, double x, double max_distance)
{
  gssize best = -1;
  double best_d = max_distance;

  for (gsize i = 0; i < s->n; i++)
    {
      double d = fabs (SERIES_X (s, i) - x);

      if (isfinite (d) && d <= best_d)
        {
          best = i;
          best_d = d;
        }
    }
  return best;
}

static const Panel *
panel_at (const Chart *chart, double x)
{
  for (int i = 0; i < chart->n_panels; i++)
    {
      const Panel *p = &chart->panel[i];

      if (panel_drawable (p) && x >= p->left && x <= p->right)
        return p;
    }
  return NULL;
}

static void
chart_hit (const Chart *chart, double x, StChartHit *hit)
{
  const Panel *p = panel_at (chart, x);
  const StChartData *d = chart->data;
  Series s;

  hit->epoch = NAN;
  hit->epoch_index = -1;
  hit->batch_index = -1;
  if (p == NULL)
    return;
  hit->epoch = unmap_x (p, x);
  if (d == NULL)
    return;
  s = EPOCH_FIELD (d, train_loss);
  hit->epoch_index = nearest (&s, hit->epoch, 0.5);
  s = batch_series (d->batches, d->n_batches);
  hit->batch_index = nearest (&s, hit->epoch, INFINITY);
}

typedef struct {
  const Rgba *colour;
  gboolean    dashed;
  char        label[32];
  char        value[32];
  double      x, y;             /* the point, in data units; y NaN: no marker */
} HoverRow;

static void
format_value (char *buf, gsize size, double v, gboolean percent)
{
  if (!isfinite (v))
    g_strlcpy (buf, isnan (v) ? "—" : (v > 0 ? "+∞" : "−∞"), size);
  else if (percent)
    g_snprintf (buf, size, "%.*f%%", v >= 0.99 ? 2 : 1, v * 100.0);
  else
    g_snprintf (buf, size, "%.4g", v);
}

static void
format_epoch (char *buf, gsize size, double epoch)
{
  if (fabs (epoch - round (epoch)) < 1e-6)
    g_snprintf (buf, size, "epoch %.0f", epoch);
  else
    g_snprintf (buf, size, "epoch %.2f", epoch);
}

static int
hover_rows (const Chart *chart, const Panel *p, const StChartHit *hit, HoverRow *rows,
            char *header, gsize header_size)
{
  const StChartData *d = chart->data, *prev = chart->previous;
  gboolean acc = p->kind == PANEL_ACCURACY;
  int n = 0;

  header[0] = '\0';
  if (hit->batch_index >= 0)
    format_epoch (header, header_size, d->batches[hit->batch_index].epoch);
  if (hit->epoch_index >= 0)
    format_epoch (header, header_size, d->epochs[hit->epoch_index].epoch);
  else if (hit->batch_index < 0)
    format_epoch (header, header_size, hit->epoch);

  if (!acc && hit->batch_index >= 0)
    {
      const StChartBatch *b = chart->smoothed != NULL ? chart->smoothed : d->batches;

      rows[n] = (HoverRow) { &train_colour, FALSE, "batch", "", b[hit->batch_index].epoch,
                             b[hit->batch_index].loss };
      format_value (rows[n].value, sizeof rows[n].value, rows[n].y, FALSE);
      n++;
    }
  for (int run = 0; run < 2; run++)
    {
      const StChartData *r = run == 0 ? d : prev;
      const StChartEpoch *e;
      gssize i;

      if (r == NULL)
        continue;
      if (run == 0)
        i = hit->epoch_index;
      else
        {
          Series s = EPOCH_FIELD (r, train_loss);
          i = nearest (&s, hit->epoch, 0.5);
        }
      if (i < 0)
        continue;
      e = &r->epochs[i];
      for (int k = 0; k < 2; k++)
        {
          double v = acc ? (k == 0 ? e->train_acc : e->test_acc)
                         : (k == 0 ? e->train_loss : e->test_loss);

          rows[n] = (HoverRow) { k == 0 ? &train_colour : &test_colour, run == 1, "", "",
                                 e->epoch, v };
          g_snprintf (rows[n].label, sizeof rows[n].label, "%s%s", run == 1 ? "previous " : "",
                      k == 0 ? "train" : "test");
          format_value (rows[n].value, sizeof rows[n].value, v, acc);
          n++;
        }
    }
  return n;
}

static void
draw_hover (cairo_t *cr, const Chart *chart, const Panel *p, const StChartHit *hit,
            gboolean under_pointer, double pointer_x)
{
  const Palette *pal = chart->palette;
  HoverRow rows[6];
  char header[64];
  double gx, row_h, label_w = 0.0, value_w = 0.0, bw, bh, bx, by, y, marked_y = 0.0;
  int n, n_marked = 0;

  if (!isfinite (hit->epoch))
    return;
  gx = under_pointer ? pointer_x : map_x (p, hit->epoch);
  if (gx < p->left - 0.5 || gx > p->right + 0.5)
    return;
  gx = floor (gx) + 0.5;

  cairo_move_to (cr, gx, p->top);
  cairo_line_to (cr, gx, p->bottom);
  set_rgba (cr, &pal->guide, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  n = hover_rows (chart, p, hit, rows, header, sizeof header);
  if (n == 0)
    return;

  for (int i = 0; i < n; i++)
    if (usable (rows[i].y, p->log_y) && isfinite (rows[i].x))
      {
        marked_y += map_y (p, rows[i].y);
        n_marked++;
        cairo_new_sub_path (cr);
        cairo_arc (cr, map_x (p, rows[i].x), map_y (p, rows[i].y), 4.0, 0, 2 * G_PI);
        set_rgba (cr, rows[i].colour, rows[i].dashed ? 0.5 : 1.0);
        cairo_fill_preserve (cr);
        set_rgba (cr, &pal->background, 1.0);
        cairo_set_line_width (cr, 1.5);
        cairo_stroke (cr);
      }

  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_BOLD);
  row_h = line_height (cr) + 3.0;
  label_w = text_width (cr, header);
  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int i = 0; i < n; i++)
    {
      label_w = MAX (label_w, 16.0 + text_width (cr, rows[i].label));
      value_w = MAX (value_w, text_width (cr, rows[i].value));
    }
  bw = 10.0 + label_w + 14.0 + value_w + 10.0;
  bh = 8.0 + row_h * (n + 1) + 5.0;
  bx = gx + 10.0;
  if (bx + bw > p->right)
    bx = gx - 10.0 - bw;
  bx = MAX (bx, p->left + 2.0);
  by = p->top + 6.0;
  /* keep the box off the points it describes: below them when they sit high */
  if (n_marked > 0 && marked_y / n_marked < (p->top + p->bottom) / 2
      && p->bottom - 6.0 - bh > p->top)
    by = p->bottom - 6.0 - bh;

  rounded_rect (cr, floor (bx) + 0.5, floor (by) + 0.5, floor (bw), floor (bh), 4.0);
  set_rgba (cr, &pal->box, 1.0);
  cairo_fill_preserve (cr);
  set_rgba (cr, &pal->box_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  y = by + 7.0;
  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_BOLD);
  set_rgba (cr, &pal->text, 1.0);
  text_at (cr, header, bx + 10.0, y, 0.0, 0.0);
  set_font (cr, TICK_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  for (int i = 0; i < n; i++)
    {
      double cy;

      y += row_h;
      cy = y + (row_h - 3.0) / 2;
      if (rows[i].dashed)
        {
          static const double dash[] = { 3.0, 2.0 };
          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
        }
      cairo_move_to (cr, bx + 10.0, cy);
      cairo_line_to (cr, bx + 21.0, cy);
      set_rgba (cr, rows[i].colour, rows[i].dashed ? 0.6 : 1.0);
      cairo_set_line_width (cr, 2.5);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);
      set_rgba (cr, &pal->text, 1.0);
      text_at (cr, rows[i].label, bx + 26.0, cy, 0.0, 0.5);
      text_at (cr, rows[i].value, bx + bw - 10.0, cy, 1.0, 0.5);
    }
}

/* ---- the chart ---------------------------------------------------------------------------- */

static void
draw_empty_text (cairo_t *cr, const Chart *chart, double x, double y)
{
  const char *text = chart->options->empty_text;
  double w, h;

  if (text == NULL)
    text = "No data yet — press Start";
  set_font (cr, EMPTY_FONT, CAIRO_FONT_WEIGHT_NORMAL);
  w = text_width (cr, text);
  h = line_height (cr);
  rounded_rect (cr, x - w / 2 - 12.0, y - h / 2 - 7.0, w + 24.0, h + 14.0, 6.0);
  set_rgba (cr, &chart->palette->box, 1.0);
  cairo_fill (cr);
  set_rgba (cr, &chart->palette->text_dim, 1.0);
  text_at (cr, text, x, y, 0.5, 0.5);
}

void
st_chart_render (cairo_t              *cr,
                 double                width,
                 double                height,
                 const StChartData    *data,
                 const StChartOptions *options)
{
  StChartOptions defaults;
  StChartHit hit = { NAN, -1, -1 };
  const Panel *hovered = NULL;
  Chart chart;

  g_return_if_fail (cr != NULL);
  if (!(width >= 1.0 && height >= 1.0))
    return;
  if (options == NULL)
    {
      st_chart_options_init (&defaults);
      options = &defaults;
    }

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  chart_init (&chart, cr, width, height, data, options);
  set_rgba (cr, &chart.palette->background, 1.0);
  cairo_paint (cr);

  if (chart.title_height > 0.0)
    {
      set_font (cr, TITLE_FONT, CAIRO_FONT_WEIGHT_BOLD);
      set_rgba (cr, &chart.palette->text, 1.0);
      text_at (cr, options->title, width / 2, 8.0, 0.5, 0.0);
    }

  if (!chart.empty && isfinite (options->hover_x) && options->hover_x >= 0.0)
    {
      hovered = panel_at (&chart, options->hover_x);
      if (hovered != NULL)
        chart_hit (&chart, options->hover_x, &hit);
    }

  /* with nothing at all to show, empty axes would only suggest numbers: the message alone */
  if (chart.empty && chart_is_empty (chart.previous))
    draw_empty_text (cr, &chart, width / 2, chart.title_height + (height - chart.title_height) / 2);
  else
    {
      for (int i = 0; i < chart.n_panels; i++)
        {
          const Panel *p = &chart.panel[i];

          if (!panel_drawable (p))
            continue;
          draw_axes (cr, &chart, p);
          draw_curves (cr, &chart, p);
          draw_legend (cr, &chart, p);
          if (hovered != NULL)
            draw_hover (cr, &chart, p, &hit, p == hovered, options->hover_x);
        }
      if (chart.empty)
        draw_empty_text (cr, &chart, (chart.panel[0].left + chart.panel[0].right) / 2,
                         (chart.panel[0].top + chart.panel[0].bottom) / 2);
    }

  chart_finish (&chart);
  cairo_restore (cr);
}

gboolean
st_chart_hit_test (double                width,
                   double                height,
                   const StChartData    *data,
                   const StChartOptions *options,
                   double                x,
                   StChartHit           *hit)
{
  StChartOptions defaults;
  cairo_surface_t *surface;
  cairo_t *cr;
  Chart chart;

  g_return_val_if_fail (hit != NULL, FALSE);
  *hit = (StChartHit) { NAN, -1, -1 };
  if (!(width >= 1.0 && height >= 1.0) || !isfinite (x))
    return FALSE;
  if (options == NULL)
    {
      st_chart_options_init (&defaults);
      options = &defaults;
    }

  /* the layout depends on text metrics, so it needs a context; a 1×1 one will do */
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  chart_init (&chart, cr, width, height, data, options);
  chart_hit (&chart, x, hit);
  chart_finish (&chart);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return isfinite (hit->epoch);
}

typedef struct {
  const StChartData    *data;
  const StChartOptions *options;
} ChartSave;

static void
render_chart_cb (cairo_t *cr, double width, double height, gconstpointer user_data)
{
  const ChartSave *save = user_data;

  st_chart_render (cr, width, height, save->data, save->options);
}

gboolean
st_chart_save (const char           *path,
               int                   width,
               int                   height,
               const StChartData    *data,
               const StChartOptions *options,
               GError              **error)
{
  ChartSave save = { data, options };

  return st_render_save (path, width, height, render_chart_cb, &save, error);
}
