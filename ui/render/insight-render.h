/* insight-render.h: a run's insight (core/engine/insight.h) as pictures — its histograms
 * over the epochs as ridge plots (ridge-render.h), and its per-layer curves: the gradient
 * norm of each weight layer and its update-to-weight ratio, epoch after epoch, on a log
 * axis (a vanishing gradient is a line a hundred times lower than the others).
 *
 * Plain Cairo: the Inside page, strata-cli's `runs show --plot-insight` and the tests draw
 * them on any surface. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "core/engine/insight.h"
#include "ui/render/ridge-render.h"

G_BEGIN_DECLS

/* The ridge panels of epochs (StInsightEpoch, oldest first): each weight layer's weights,
 * then each one's gradients, a row an epoch. Epochs whose layers are not the first epoch's
 * are left out. */
typedef struct {
  StRidgePanel *panels;
  int           n_panels;
  int           n_layers;       /* the panels are two rows of this many */
  int           n_epochs;
  GPtrArray    *keep;           /* what the panels point to */
} StInsightRidges;

StInsightRidges *st_insight_ridges_new  (const GPtrArray *epochs);
void             st_insight_ridges_free (StInsightRidges *ridges);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StInsightRidges, st_insight_ridges_free)

typedef enum {
  ST_INSIGHT_CURVE_GRAD_NORM,       /* ‖∂L/∂w‖ of the epoch's last step */
  ST_INSIGHT_CURVE_UPDATE_RATIO,    /* ‖Δw‖ / ‖w‖ over the epoch */
} StInsightCurve;

/* One line a weight layer over the epochs, log axis, with a legend. */
void st_insight_curves_render (cairo_t         *cr,
                               double           width,
                               double           height,
                               const GPtrArray *epochs,
                               StInsightCurve   curve,
                               StTheme          theme);

G_END_DECLS
