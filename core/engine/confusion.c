/* confusion.c: see confusion.h. */
#define G_LOG_DOMAIN "strata-confusion"

#include "core/engine/confusion.h"

#include <string.h>

gint64
st_confusion_count (gint64 *counts, const guint8 *labels, const guint8 *predictions, gint64 n,
                    int n_classes)
{
  gint64 n_correct = 0;

  g_return_val_if_fail (counts != NULL, 0);
  g_return_val_if_fail (n == 0 || (labels != NULL && predictions != NULL), 0);
  g_return_val_if_fail (n_classes > 0, 0);

  memset (counts, 0, (gsize) n_classes * n_classes * sizeof counts[0]);
  for (gint64 i = 0; i < n; i++)
    {
      g_assert (labels[i] < n_classes);
      if (predictions[i] < n_classes)
        counts[labels[i] * n_classes + predictions[i]]++;
      n_correct += predictions[i] == labels[i];
    }
  return n_correct;
}

gboolean
st_prediction_filter_passes (const StPredictionFilter *filter, int label, int predicted)
{
  g_return_val_if_fail (filter != NULL, FALSE);

  switch (filter->kind)
    {
    case ST_PREDICTIONS_WRONG_OF_CLASS:
      return predicted != label && label == filter->true_class;
    case ST_PREDICTIONS_CELL:
      return label == filter->true_class && predicted == filter->predicted;
    case ST_PREDICTIONS_WRONG:
    default:
      return predicted != label;
    }
}

gint64
st_prediction_filter_select (GArray *indices, const StPredictionFilter *filter,
                             const guint8 *labels, const guint8 *predictions, gint64 n,
                             guint max)
{
  gint64 n_matches = 0;
  guint added = 0;

  g_return_val_if_fail (indices != NULL && filter != NULL, 0);
  g_return_val_if_fail (n == 0 || (labels != NULL && predictions != NULL), 0);

  for (gint64 i = 0; i < n; i++)
    if (st_prediction_filter_passes (filter, labels[i], predictions[i]))
      {
        if (added < max)
          {
            g_array_append_val (indices, i);
            added++;
          }
        n_matches++;
      }
  return n_matches;
}
