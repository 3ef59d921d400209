/* activations-gallery.c: see activations-gallery.h. */
#define G_LOG_DOMAIN "strata-activations"

#include "ui/activations-gallery.h"

void
st_activations_gallery_clear (StActivationsGallery *gallery)
{
  g_clear_pointer (&gallery->indices, g_array_unref);
  g_clear_pointer (&gallery->pixels, g_free);
  g_clear_pointer (&gallery->captions, g_ptr_array_unref);
  g_clear_pointer (&gallery->items, g_free);
  gallery->n_matches = 0;
}

guint
st_activations_gallery_length (const StActivationsGallery *gallery)
{
  return gallery->indices != NULL ? gallery->indices->len : 0;
}

void
st_activations_gallery_build (StActivationsGallery     *gallery,
                              const StDataset          *test,
                              const guint8             *predictions,
                              const StPredictionFilter *filter,
                              guint                     max,
                              StGalleryNameFunc         name,
                              gpointer                  name_data)
{
  gsize size = st_dataset_example_size (test);
  guint n;

  st_activations_gallery_clear (gallery);
  gallery->indices = g_array_new (FALSE, FALSE, sizeof (gint64));
  gallery->n_matches = st_prediction_filter_select (gallery->indices, filter, test->labels,
                                                    predictions, test->n, max);
  n = gallery->indices->len;
  gallery->pixels = g_new (float, MAX (n * size, 1));
  gallery->captions = g_ptr_array_new_with_free_func (g_free);
  gallery->items = g_new0 (StGalleryItem, MAX (n, 1));
  for (guint j = 0; j < n; j++)
    {
      gint64 i = g_array_index (gallery->indices, gint64, j);
      const guint8 *pixels = st_dataset_image (test, i);
      float *out = gallery->pixels + j * size;
      char a[64], b[64];
      char *caption = g_strdup_printf ("%s\n→ %s", name (name_data, test->labels[i], a),
                                       name (name_data, predictions[i], b));

      for (gsize p = 0; p < size; p++)
        out[p] = pixels[p] / 255.0f;
      g_ptr_array_add (gallery->captions, caption);
      gallery->items[j] = (StGalleryItem) {
        { out, test->c, test->h, test->w }, caption,
        predictions[i] == test->labels[i] ? ST_GALLERY_MARK_CORRECT : ST_GALLERY_MARK_WRONG
      };
    }
}
