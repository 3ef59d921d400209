/* fuzz-idx.c: IDX image and label files, raw or gzip-compressed (core/data/idx.c), alone and as
 * st_dataset_pair_load reads a folder of them.
 *
 * Input layout: 2 bytes L (little-endian), then L bytes of label file, then the image file.
 * An L past the end gives every byte to the label file. Both files go through zlib, so
 * a seed made of .gz files reaches the inflating path and raw seeds the direct one.
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include "core/data/dataset-load.h"
#include "core/data/idx.h"
#include "fuzz-util.h"

static void
check_dataset (const StDataset *ds)
{
  g_assert (ds->n > 0 && ds->c == 1 && ds->h > 0 && ds->w > 0);
  fuzz_touch (ds->images, (gsize) ds->n * ds->c * ds->h * ds->w);
  for (gint64 i = 0; i < ds->n; i++)
    g_assert (ds->labels[i] < ds->n_classes);
  for (int i = 0; i < ds->n_classes; i++)
    g_assert (ds->class_names[i] != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *labels = NULL;
  g_autofree char *images = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  StDatasetPair *pair;
  size_t n_labels;

  fuzz_init ();
  if (size < 2)
    return 0;
  n_labels = MIN ((size_t) (data[0] | data[1] << 8), size - 2);
  labels = fuzz_write_file ("idx/train-labels-idx1-ubyte", data + 2, n_labels);
  images = fuzz_write_file ("idx/train-images-idx3-ubyte", data + 2 + n_labels,
                            size - 2 - n_labels);

  dir = g_path_get_dirname (images);
  ds = st_idx_load (images, labels, 0, &error);
  if (ds == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }
  check_dataset (ds);
  g_clear_pointer (&ds, st_dataset_unref);

  /* With ten classes, as for Fashion-MNIST: labels of 10 and more must be refused. */
  ds = st_idx_load (images, labels, 10, NULL);
  if (ds != NULL)
    check_dataset (ds);

  /* The same files as the test set too, in a folder that st_dataset_pair_load recognises. */
  g_free (fuzz_write_file ("idx/t10k-labels-idx1-ubyte", data + 2, n_labels));
  g_free (fuzz_write_file ("idx/t10k-images-idx3-ubyte", data + 2 + n_labels,
                           size - 2 - n_labels));
  pair = st_dataset_pair_load (dir, NULL, NULL);
  g_assert (pair != NULL);
  check_dataset (pair->train);
  check_dataset (pair->test);
  g_assert (pair->train->n_classes == pair->test->n_classes);
  st_dataset_pair_free (pair);
  fuzz_remove ("idx/t10k-labels-idx1-ubyte");
  fuzz_remove ("idx/t10k-images-idx3-ubyte");
  return 0;
}
