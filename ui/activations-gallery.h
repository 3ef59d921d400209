/* activations-gallery.h: which test images the activations view's gallery shows.
 *
 * The gallery lists test images by what the network made of them: every misclassified
 * image, those of one true class, or those of one cell of the confusion matrix (a true and a
 * predicted class; on the diagonal, the images it got right). It keeps the first few in
 * test-set order, with their pixels and captions ready for st_gallery_render(), and counts
 * all that match. Internal to the view; no GTK here.
 */
#pragma once

#include "core/data/dataset.h"
#include "core/engine/confusion.h"
#include "ui/render/grid-render.h"

G_BEGIN_DECLS

/* A class's name for a caption; `buf` (64 bytes) is there to format one. */
typedef const char *(*StGalleryNameFunc) (gpointer data, int k, char *buf);

typedef struct {
  GArray        *indices;       /* gint64: the test images shown, in test-set order */
  float         *pixels;        /* (n, C, H, W) in [0, 1] */
  GPtrArray     *captions;      /* "true\n→ predicted" */
  StGalleryItem *items;         /* (n) */
  gint64         n_matches;     /* images the filter lets through, shown or not */
} StActivationsGallery;

/* Fills `gallery` (cleared first) with the first `max` images of `test` that pass the
 * filter (core/engine/confusion.h), given each image's prediction (N). */
void     st_activations_gallery_build   (StActivationsGallery     *gallery,
                                         const StDataset          *test,
                                         const guint8             *predictions,
                                         const StPredictionFilter *filter,
                                         guint                     max,
                                         StGalleryNameFunc         name,
                                         gpointer                  name_data);
void     st_activations_gallery_clear   (StActivationsGallery  *gallery);
/* The images shown (0 when there is no gallery). */
guint    st_activations_gallery_length  (const StActivationsGallery *gallery);

G_END_DECLS
