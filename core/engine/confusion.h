/* confusion.h: a classifier's predictions on a test set against its labels — the confusion
 * matrix, and which images a cell (or every mistake) holds.
 *
 * K is the number of classes, N the number of images. Labels are each < K; a prediction
 * may be past the classes (an output no class stands for, as st_evaluator_predict_all
 * writes it): it counts as wrong and has no column.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Counts each image into counts (K, K), row its true class, column its predicted one; returns
 * how many were predicted right. counts is zeroed first. */
gint64   st_confusion_count          (gint64       *counts,
                                      const guint8 *labels,
                                      const guint8 *predictions,
                                      gint64        n,
                                      int           n_classes);

typedef enum {
  ST_PREDICTIONS_WRONG,           /* every misclassified image */
  ST_PREDICTIONS_WRONG_OF_CLASS,  /* the misclassified images of true class `true_class` */
  ST_PREDICTIONS_CELL,            /* true class `true_class`, predicted `predicted`: one cell */
} StPredictionFilterKind;

typedef struct {
  StPredictionFilterKind kind;
  int                    true_class;
  int                    predicted;
} StPredictionFilter;

gboolean st_prediction_filter_passes (const StPredictionFilter *filter,
                                      int                       label,
                                      int                       predicted);
/* Appends to indices (gint64) the first `max` images that pass, in test-set order, and
 * returns how many pass in all. */
gint64   st_prediction_filter_select (GArray                   *indices,
                                      const StPredictionFilter *filter,
                                      const guint8             *labels,
                                      const guint8             *predictions,
                                      gint64                    n,
                                      guint                     max);

G_END_DECLS
