/* activations-view-private.h: inside StActivationsView — its state, shared by
 * activations-view.c (the test images, the evaluation, the pictures) and activations-input.c
 * (the drawing pad and picture files as input), and what the tests may reach.
 *
 * A hook run on the worker thread at the start of every evaluation, before the model and
 * its dataset are loaded, with the dataset as the job names it. A test holds a worker
 * there to make it finish after a newer one (the view must drop the older result); the
 * hook must return for the worker to go on. NULL (the default) runs nothing.
 */
#pragma once

#include <adwaita.h>

#include "ui/activations-gallery.h"
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

struct _StActivationsView
{
  GtkWidget       parent_instance;

  /* template widgets */
  GtkDropDown    *class_dropdown;
  GtkStringList  *class_names;
  GtkSpinButton  *index_spin;
  GtkLabel       *count_label;
  GtkSpinner     *spinner;
  GtkLabel       *status_label;
  GtkLabel       *run_hint;
  GtkLabel       *outputs_warning;
  GtkStack       *stack;
  AdwStatusPage  *error_page;
  GtkLabel       *example_label;
  GtkLabel       *prediction_label;
  GtkDrawingArea *input_area;
  GtkDrawingArea *probabilities_area;
  GtkLabel       *maps1_label;
  GtkDrawingArea *maps1_area;
  GtkLabel       *maps2_label;
  GtkDrawingArea *maps2_area;
  GtkLabel       *filters_label;
  GtkDrawingArea *filters_area;
  GtkScrolledWindow *results_scroller;
  GtkWidget      *results_box;
  GtkLabel       *confusion_label;
  GtkDrawingArea *confusion_area;
  GtkWidget      *gallery_header;
  GtkLabel       *gallery_label;
  GtkButton      *gallery_clear_button;
  GtkCheckButton *gallery_class_check;
  GtkDrawingArea *gallery_area;
  GtkToggleButton *draw_button;
  GtkStack       *input_stack;
  StDrawingPad   *pad;
  StLayerInspector *inspector;

  /* owned */
  GCancellable   *evaluate_cancellable;     /* the evaluation in flight, or NULL */
  guint           progress_id;              /* its progress poll */
  GCancellable   *snapshot_cancellable;
  StActivationsSession *session;
  char           *weights_name;             /* "model.safetensors"; NULL: initial weights */
  StBestWeights  *run_best;                 /* shown instead of weights_name, or NULL */
  gboolean        run_left_nothing;         /* the last run ended before its first epoch */
  char           *test_key;                 /* dataset_key () of `test`, or of the one coming */
  StDataset      *test;
  guint8         *predictions;              /* (N) */
  gint64         *confusion;                /* (K, K) */
  gint64          n_correct;
  gint64         *class_start;              /* (K + 1): class k's images are by_class[start..] */
  gint64         *by_class;                 /* (N): image indices grouped by label */
  gint64         *rank;                     /* (N): position of each image within its class */
  StSnapshot     *snapshot;
  StActivationsSession *snapshot_session;   /* what made the snapshot's pass, or NULL */
  StActivationsSession *run_session;        /* the live run's net, or NULL */
  StInputSource   source;
  StDataset      *own;                      /* the drawing or the picture shown, or NULL */
  GCancellable   *open_cancellable;         /* a picture being read, or NULL */
  char           *pending_layer;            /* the layer a lesson opens on, till it shows */
  float          *filter_tiles;             /* (OC, KH, KW): filters averaged over input channels */
  float           binary_probs[2];          /* a one-output net's p shown as two classes */
  char          **bar_names;                /* the probability bars' names */
  StActivationsGallery gallery;

  /* borrowed */
  AdwStyleManager *style_manager;

  /* state */
  gint64          example;
  gboolean        live;
  gboolean        run_outdated;             /* the document is no longer the running model */
  gboolean        cell_filter;              /* the gallery shows one confusion cell: */
  int             filter_true;
  int             filter_predicted;
  gboolean        snapshot_pending;         /* asked for while the evaluator was lent out */
  guint           n_workers;                /* threads still running, stale ones included */
  gboolean        syncing;                  /* controls being set from the state, not the user */
};

/* activations-view.c */
void st_activations_view_worker_started       (StActivationsView *self);
void st_activations_view_worker_ended         (StActivationsView *self);
/* Shows self->example, or the input of one's own: asks the run when one is live, else the
 * evaluator. */
void st_activations_view_request_snapshot     (StActivationsView *self);
/* Test image `example` becomes the input. */
void st_activations_view_go_to                (StActivationsView *self,
                                               gint64             example);

/* activations-input.c */
void st_activations_view_set_source           (StActivationsView *self,
                                               StInputSource      source);
/* A picture still being read is dropped. */
void st_activations_view_stop_opening         (StActivationsView *self);
/* After a new evaluation: the input of one's own made to fit the model, or given up. */
void st_activations_view_fit_input            (StActivationsView *self);
void st_activations_view_pad_changed          (StActivationsView *self);
void st_activations_view_draw_toggled         (StActivationsView *self);
void st_activations_view_open_image_activated (GtkWidget         *widget,
                                               const char        *action,
                                               GVariant          *param);
void st_activations_view_add_drop_target      (StActivationsView *self);

G_END_DECLS
