/* chart-axis.c: nice 1-2-5 ticks, log decades and the labels of both. */
#define G_LOG_DOMAIN "strata-chart"

#include "ui/render/chart-axis.h"

#include <math.h>
#include <string.h>

static void
ticks_add (StTicks *t, double v, gboolean major)
{
  if (t->n < ST_MAX_TICKS)
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

void
st_ticks_linear (double lo, double hi, double target, StTicks *t)
{
  double step = nice_step (hi - lo, target);
  double k0 = ceil (lo / step - 1e-9);
  double k1 = floor (hi / step + 1e-9);

  t->n = 0;
  t->log_labels = FALSE;
  t->step = step;
  t->decimals = MAX (0, (int) -floor (log10 (step) + 1e-9));
  if (!isfinite (k0) || !isfinite (k1) || k1 - k0 > ST_MAX_TICKS)
    return;
  for (double k = k0; k <= k1; k++)
    ticks_add (t, fabs (k) < 0.5 ? 0.0 : k * step, TRUE);
}

/* Decades are labelled (every few when there are many); when fewer than three decades show,
 * 2 and 5 are labelled too, then every digit. */
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

void
st_ticks_log (double lo, double hi, double target, StTicks *t)
{
  int d0 = (int) floor (lo), d1 = (int) ceil (hi);
  int decades = (int) floor (hi + 1e-9) - (int) ceil (lo - 1e-9) + 1;
  int every = MAX (1, (int) ceil (decades / MAX (target, 1.0)));
  int level = 0;

  if (hi - lo < 0.6)
    {
      st_ticks_linear (pow (10.0, lo), pow (10.0, hi), target, t);
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

/* ---- labels ------------------------------------------------------------------------------- */

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

void
st_ticks_format (char *buf, gsize size, const StTicks *t, double v, gboolean percent)
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
