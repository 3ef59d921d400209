/* plan-line.h: a convolution's line of describe_plan (core/engine/backend.h), written the same
 * by every backend — the CPU's and the CUDA module's, which links nothing of core and so
 * takes it as an inline function. */
#pragma once

#include <glib.h>

#include "core/engine/net.h"
#include "core/io/i18n.h"

G_BEGIN_DECLS

/* Op `op` (a Conv2d, whose geometry the net's compile checked to fit an int) at `batch`
 * examples: the way of each phase (`data` NULL where its input
 * needs no gradient) and what chose them. */
static inline char *
st_plan_conv_line (const StOp *op, int batch, const char *forward, const char *data,
                   const char *weights, const char *why)
{
  const StOpGeom *g = &op->g;

  return g_strdup_printf (_("%s %s (%d→%d channels, %d×%d kernel, stride %d, padding %d, "
                            "%d×%d input, batch %d): forward %s, input gradient %s, weight "
                            "gradient %s — %s"),
                          op->path, op->name, (int) g->c, (int) g->oc, (int) g->kh,
                          (int) g->kw, (int) g->sh, (int) g->ph, (int) g->h, (int) g->w, batch, forward, data != NULL ? data : _("not needed"), weights,
                          why);
}

G_END_DECLS
