/* activations-fixture.h: what the activations view's tests share — a small IDX set of three
 * classes of 12×12 images (each a bright bar at its own height, with noise) written once into
 * a temporary folder, a two-convolution model that looks at it with its starting weights or
 * with other weights saved to a file, and the view in a real window with the helpers that
 * wait for its workers, find its parts and read its pixels.
 */
#pragma once

#include <gtk/gtk.h>

#include "core/engine/evaluator.h"
#include "ui/activations-view.h"

G_BEGIN_DECLS

#define SIDE      12
#define N_CLASSES 3
#define N_TRAIN   60
#define N_TEST    45
#define GALLERY_SHOWN 32        /* the view draws the first 32 misclassified images */
#define GUARD_SECONDS 60        /* work that never ends fails the test instead of hanging */

extern char   *data_dir;        /* the IDX files */
extern char   *held_dir;        /* the same files in a folder whose name ends in "held" */
extern char   *weights_path;    /* weights other than the starting ones */
extern StSpec *spec;            /* the model */

/* Writes the set and the weights, reads the model; clear removes them (after the view's
 * workers are done). */
void         activations_data_init  (void);
void         activations_data_clear (void);
/* An evaluator of the model on the set, with `weights` (NULL: the starting ones). */
StEvaluator *open_evaluator         (const char *weights);

typedef struct {
  GtkWidget         *window;
  StActivationsView *view;
  GskRenderer       *renderer;
  char              *dir;
} Fixture;

void         fixture_set_up     (Fixture *f, gconstpointer data);
void         fixture_tear_down  (Fixture *f, gconstpointer data);
gboolean     is_busy            (StActivationsView *view);
gboolean     is_idle            (gpointer view);
/* Iterates the main context until every worker of the view has reported back. */
void         wait_idle          (Fixture *f);
/* The page of the view's stack shown: "results", "loading", "error", "empty"… */
const char  *visible_page       (Fixture *f);
/* The widget's pixels after the next frame (the paintable shows the last frame drawn). */
guint8      *render_widget      (Fixture *f, GtkWidget *widget, int *width, int *height);
/* The model on the set with `weights`, waited for: the results page. */
void         evaluate           (Fixture *f, const char *weights);
/* ::snapshot-requested (gint64 example): appends the example to `requests`. */
void         on_requested       (StActivationsView *view, gint64 example, GArray *requests);
/* TRUE once the view shows a confusion matrix. */
gboolean     shows_results      (gpointer view);

/* The hook of activations-view-private.h: a job whose dataset ends in "held" waits on the
 * worker thread until release_held () (or the guard's time is up); set hold_released to
 * FALSE before holding. */
extern gboolean hold_released;
void         hold_job           (const char *dataset);
void         release_held       (void);

G_END_DECLS
