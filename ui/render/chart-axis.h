/* chart-axis.h: tick positions and tick labels for the chart's axes, internal to ui/.
 *
 * Linear axes step by 1, 2 or 5 times a power of ten; log axes mark decades (every few when
 * there are many) and, over short spans, 2 and 5 or every digit between them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ST_MAX_TICKS 96

typedef struct {
  double   v[ST_MAX_TICKS];     /* in data units (not log10) */
  gboolean major[ST_MAX_TICKS]; /* labelled and drawn as a full grid line */
  int      n;
  int      decimals;            /* for linear labels */
  double   step;                /* linear */
  gboolean log_labels;
} StTicks;

/* About target ticks between lo and hi, at multiples of a 1-2-5 step. */
void st_ticks_linear (double   lo,
                      double   hi,
                      double   target,
                      StTicks *t);
/* lo and hi are log10 of the values; spans under 0.6 decades get linear ticks. */
void st_ticks_log    (double   lo,
                      double   hi,
                      double   target,
                      StTicks *t);
/* The label of the tick at v: "0.25", "1.5×10⁻⁵", "1000", or "25%" when percent. */
void st_ticks_format (char          *buf,
                      gsize          size,
                      const StTicks *t,
                      double         v,
                      gboolean       percent);

G_END_DECLS
