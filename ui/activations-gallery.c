/* activations-gallery.c: see activations-gallery.h. */
#define G_LOG_DOMAIN "strata-activations"

#include "ui/activations-gallery.h"

gboolean
st_gallery_filter_passes (const StGalleryFilter *filter, int label, int predicted)
{
  switch (filter->kind)
    {
    case ST_GALLERY_WRONG_OF_CLASS:
      return predicted != label && label == filter->true_class;
    case ST_GALLERY_CELL:
      return label == filter->true_class && predicted == filter->predicted;
    case ST_GALLERY_WRONG:
    default:
      return predicted != label;
    }
}

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
st_activations_gallery_build (StActivationsGallery  *gallery,
                              const StDataset       *test,
                              const guint8          *predictions,
                              const StGalleryFilter *filter,
                              guint                  max,
                              StGalleryNameFunc      name,
                              gpointer               name_data)
{
  gsize size = st_dataset_example_size (test);
  guint n;

  st_activations_gallery_clear (gallery);
  gallery->indices = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (gint64 i = 0; i < test->n; i++)
    if (st_gallery_filter_passes (filter, test->labels[i], predictions[i]))
      {
        if (gallery->indices->len < max)
          g_array_append_val (gallery->indices, i);
        gallery->n_matches++;
      }
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
