/* insight-view.h: the Inside page — what happens inside the network while it learns.
 *
 * For the run being trained (epoch after epoch, as the trainer's INSIGHT events come) or a
 * recorded run (its insight.jsonl and projection.jsonl): the projection of the test images'
 * features onto their two principal components, a dot an image coloured by its class
 * (scatter-render.h); each weight layer's gradient norm and update-to-weight ratio over the
 * epochs (insight-render.h); the ReLUs that never fire and the saturated Sigmoids; and each
 * weight layer's histograms of weights and gradients as ridge plots.
 *
 * Hovering a dot shows its image, label and index; clicking it selects that image on the
 * Activations page (st_insight_view_set_activations) and emits ::open-image (gint64) — when
 * that page has the test set the dots are of.
 */
#pragma once

#include <gtk/gtk.h>

#include "core/engine/insight.h"
#include "core/engine/projection.h"
#include "ui/activations-view.h"

G_BEGIN_DECLS

#define ST_TYPE_INSIGHT_VIEW (st_insight_view_get_type ())
G_DECLARE_FINAL_TYPE (StInsightView, st_insight_view, ST, INSIGHT_VIEW, GtkBox)

GtkWidget *st_insight_view_new             (void);
/* Empties the page for a new run named `title` (NULL: the page's hint instead). */
void       st_insight_view_clear           (StInsightView          *self,
                                            const char             *title);
/* An epoch measured: its insight (copied) and projection (copied; NULL leaves the last). */
void       st_insight_view_add_epoch       (StInsightView          *self,
                                            const StInsightEpoch   *insight,
                                            const StProjectionData *projection);
/* A recorded run on `dataset`: reads its insight.jsonl and projection.jsonl on a worker
 * thread; finish shows them and returns TRUE, or FALSE with an error naming the file when the
 * folder has neither (the page is then left as it was). A later read, a clear or the page's
 * end cancels it (G_IO_ERROR_CANCELLED). Its images are shown and opened only while the
 * Activations page has that dataset's test set. */
void       st_insight_view_show_run_async  (StInsightView          *self,
                                            const char             *run_dir,
                                            const char             *title,
                                            const char             *dataset,
                                            GAsyncReadyCallback     callback,
                                            gpointer                user_data);
gboolean   st_insight_view_show_run_finish (StInsightView          *self,
                                            GAsyncResult           *result,
                                            GError                **error);
/* TRUE while a recorded run is being read (property "reading"). */
gboolean   st_insight_view_is_reading      (StInsightView          *self);
/* Where hovered images come from and clicked ones go (borrowed; NULL: none). */
void       st_insight_view_set_activations (StInsightView          *self,
                                            StActivationsView      *activations);
/* The epochs shown (property "n-epochs", notified as each comes). */
guint      st_insight_view_get_n_epochs    (StInsightView          *self);
/* The projection shown, or NULL. */
const StProjectionData *st_insight_view_get_projection (StInsightView *self);
/* The hover and the click at (x, y) of the projection's area, as the pointer does them; the
 * image under it, or -1. For tests. */
gint64     st_insight_view_hover_at        (StInsightView          *self,
                                            double                  x,
                                            double                  y);
gint64     st_insight_view_click_at        (StInsightView          *self,
                                            double                  x,
                                            double                  y);
/* Where test image `example` is drawn in the projection's area; FALSE when it is not. */
gboolean   st_insight_view_point_position  (StInsightView          *self,
                                            gint64                  example,
                                            double                 *x,
                                            double                 *y);

G_END_DECLS
