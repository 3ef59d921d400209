/* activations-view.h: what a network makes of the test images.
 *
 * A learner picks a test image by class and number and sees it as the network saw it, the
 * predicted class with every probability, the feature maps after the first and the second
 * convolution, and the first convolution's filters; below, the confusion matrix over the
 * whole test set and a gallery of the images the network got wrong (click one to pick it).
 *
 * The test set is evaluated off the main thread whenever st_activations_view_set_model() is
 * called; a newer call drops what an older one would have shown. While a training run is
 * live the view evaluates nothing itself: picking an image, or "Refresh from Training",
 * emits ::snapshot-requested, and the window answers with st_activations_view_show_snapshot().
 * When the run ends, st_activations_view_show_run_best() shows its best epoch's weights, or,
 * when no epoch ended, goes back to the weights shown before the run.
 *
 * Class names always come from the test set in use; when the model's outputs are not one per
 * class, a warning above the pictures says so. An evaluation of another test set than the one
 * shown clears the view (class list included) until it ends. A click on a cell of the
 * confusion matrix shows that cell's images in the gallery until it is clicked again or the
 * filter cleared; Page Up and Page Down step through a class while the view is mapped.
 */
#pragma once

#include <gtk/gtk.h>

#include "core/engine/lesson.h"
#include "core/engine/snapshot.h"
#include "core/engine/trainer.h"
#include "core/model/spec.h"
#include "ui/drawing-pad.h"
#include "ui/layer-inspector.h"

G_BEGIN_DECLS

#define ST_TYPE_ACTIVATIONS_VIEW (st_activations_view_get_type ())
G_DECLARE_FINAL_TYPE (StActivationsView, st_activations_view, ST, ACTIVATIONS_VIEW, GtkWidget)

/* What goes through the network: a test image, the drawing pad's picture, or a picture
 * file opened or dropped on the page. */
typedef enum {
  ST_INPUT_TEST_IMAGE,
  ST_INPUT_DRAWING,
  ST_INPUT_PICTURE,
} StInputSource;

#define ST_TYPE_INPUT_SOURCE (st_input_source_get_type ())
GType st_input_source_get_type (void);

GtkWidget        *st_activations_view_new           (void);

/* Copies `spec`; `weights_path` NULL: the weights a training run of the spec starts from;
 * `dataset` NULL: the spec's own. */
void              st_activations_view_set_model     (StActivationsView *self,
                                                     const StSpec      *spec,
                                                     const char        *weights_path,
                                                     const char        *dataset);
/* The best epoch of a training run that has ended; ends live mode. `best` (a reference is
 * kept) is evaluated as set_model's weights are, with the run's own spec and dataset, and the
 * status names its epoch. NULL, for a run that ended before its first epoch: the view shows
 * the weights it showed before the run again, not the run's, and the status says so. */
void              st_activations_view_show_run_best (StActivationsView *self,
                                                     StBestWeights     *best);
/* A snapshot from the training run; the view keeps a copy and shows its example. */
void              st_activations_view_show_snapshot (StActivationsView *self,
                                                     const StSnapshot  *snapshot);
void              st_activations_view_set_live      (StActivationsView *self,
                                                     gboolean           live);
/* A training run of `spec` on `dataset` (NULL: the spec's own) has begun: live mode, and the
 * view asks the run for its pictures. Their class names are those of the run's test set,
 * which the view loads first when it shows another one (nothing of that one stays). */
void              st_activations_view_begin_run     (StActivationsView *self,
                                                     const StSpec      *spec,
                                                     const char        *dataset);
/* While live: TRUE says above the pictures that they are the running network's, which the
 * model has since been edited away from; the end of the run takes the hint away. */
void              st_activations_view_set_run_outdated (StActivationsView *self,
                                                        gboolean           outdated);
/* The test set the page shows, or NULL while none is loaded (borrowed). */
const StDataset  *st_activations_view_get_test_set  (StActivationsView *self);
gint64            st_activations_view_get_example   (StActivationsView *self);
void              st_activations_view_select_example (StActivationsView *self,
                                                      gint64             example);
/* What the view shows now, or NULL. */
const StSnapshot *st_activations_view_get_snapshot  (StActivationsView *self);
/* The confusion counts (K, K), row = true class, of the last evaluation, or NULL. */
const gint64     *st_activations_view_get_confusion (StActivationsView *self,
                                                     int               *n_classes);
/* Writes input.png, probabilities.png, conv1-maps.png, conv2-maps.png, conv1-filters.png,
 * confusion.png and misclassified.png (those the view has) into `dir`, creating it. */
gboolean          st_activations_view_export        (StActivationsView *self,
                                                     const char        *dir,
                                                     GError           **error);

/* A lesson (lesson.h): its model, weights and input images evaluated on the CPU, its first
 * image shown, the layer inspector on the lesson's layer. */
void              st_activations_view_show_lesson   (StActivationsView *self,
                                                     const StLesson    *lesson);
/* A PNG or JPEG of the person's own, read and made into the model's input off the main
 * thread (scaled and centred as MNIST-style data is: image-prep.h), goes through the network
 * in place of the test image; a file that cannot be read is said in the status line. The
 * same as dropping the file on the page or choosing it with Open Image. */
void              st_activations_view_open_image    (StActivationsView *self,
                                                     GFile             *file);
StInputSource     st_activations_view_get_source    (StActivationsView *self);
/* The drawing pad (shown while Draw is down; each change is classified) and the layer
 * inspector (every layer's output and how its values were computed). */
StDrawingPad     *st_activations_view_get_pad       (StActivationsView *self);
StLayerInspector *st_activations_view_get_inspector (StActivationsView *self);
/* Shows layer `path` in the inspector (a click on its card in the builder); FALSE when the
 * model shown has no such layer. */
gboolean          st_activations_view_select_layer  (StActivationsView *self,
                                                     const char        *path);

/* Waits (a few seconds at most) until no view's worker is computing: before the process
 * ends, after the views have been destroyed (which cancels their work). */
void st_activations_view_wait_for_workers (void);

G_END_DECLS
