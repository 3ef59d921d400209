/* activations-view-private.h: what the tests may reach inside StActivationsView.
 *
 * A hook run on the worker thread at the start of every evaluation, before the model and
 * its dataset are loaded, with the dataset as the job names it. A test holds a worker
 * there to make it finish after a newer one (the view must drop the older result); the
 * hook must return for the worker to go on. NULL (the default) runs nothing.
 */
#pragma once

#include "ui/activations-jobs.h"
#include "ui/activations-view.h"
#include "ui/render/class-render.h"

G_BEGIN_DECLS

typedef StActivationsJobHook StActivationsViewJobHook;

void st_activations_view_set_job_hook (StActivationsViewJobHook hook);

/* The probability bars as drawn now (names and values the view's, valid until the next
 * draw); n_classes 0 without a picture. */
StProbabilities st_activations_view_get_probabilities (StActivationsView *self);
/* The test images the gallery shows now, in order; NULL (and *n 0) without a gallery. */
const gint64 *st_activations_view_get_gallery (StActivationsView *self,
                                               guint             *n);

G_END_DECLS
