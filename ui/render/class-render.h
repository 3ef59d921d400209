/* class-render.h: the class-level pictures of the activations view, drawn with plain Cairo.
 *
 * The predicted probabilities of one image as a row of bars per class, and the confusion
 * matrix of a test pass. They take the image renderers' StGridOptions (grid-render.h): theme
 * and title; the colour map and tile options do not apply. Like those, each fills the whole
 * width × height and has a save helper that writes PNG or SVG by the file's extension.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/grid-render.h"

G_BEGIN_DECLS

/* ---- (1) class probabilities as horizontal bars ------------------------------------------ */

typedef struct {
  const char *const *class_names;       /* (n_classes); NULL: "0", "1", ... */
  const float       *probs;             /* (n_classes), in [0, 1] */
  int                n_classes;
  int                true_class;        /* marked; -1: unknown */
} StProbabilities;

/* The predicted class (the largest probability) is highlighted: blue when it is the true class,
 * red when it is not. */
void     st_probabilities_render (cairo_t               *cr,
                                  double                 width,
                                  double                 height,
                                  const StProbabilities *probs,
                                  const StGridOptions   *options);
gboolean st_probabilities_save   (const char            *path,
                                  int                    width,
                                  int                    height,
                                  const StProbabilities *probs,
                                  const StGridOptions   *options,
                                  GError               **error);

/* ---- (2) confusion matrix ---------------------------------------------------------------- */

typedef struct {
  const char *const *class_names;       /* (K); NULL: "0", "1", ... */
  const gint64      *counts;            /* (K, K): row = true class, column = predicted */
  int                n_classes;         /* K */
  gboolean           marked;            /* outline the cell (marked_true, marked_predicted) */
  int                marked_true;
  int                marked_predicted;
} StConfusion;

/* Cells are coloured by their share of the row (the true class's recall on the diagonal), a
 * stronger blue for more (darker on the light theme, as matplotlib's "Blues"), and show their
 * count when there is room. */
void     st_confusion_render (cairo_t             *cr,
                              double               width,
                              double               height,
                              const StConfusion   *confusion,
                              const StGridOptions *options);
/* The cell under (x, y) of the picture st_confusion_render() draws at that size: TRUE, with
 * its row (true class) and column (predicted class); FALSE off the cells. */
gboolean st_confusion_hit_test (double               width,
                                double               height,
                                const StConfusion   *confusion,
                                const StGridOptions *options,
                                double               x,
                                double               y,
                                int                 *true_class,
                                int                 *predicted);
gboolean st_confusion_save   (const char          *path,
                              int                  width,
                              int                  height,
                              const StConfusion   *confusion,
                              const StGridOptions *options,
                              GError             **error);

G_END_DECLS
