/* fuzz-csv.c: Kaggle-layout CSV files (core/data/csv-dataset.c), alone and as st_dataset_pair_load
 * reads a .csv path: loaded, its classes settled, split into a training and a test set. */
#define G_LOG_DOMAIN "strata-fuzz"

#include "core/data/csv-dataset.h"
#include "core/data/dataset-load.h"
#include "fuzz-util.h"

static void
check_dataset (const StDataset *ds)
{
  g_assert (ds->n > 0 && ds->c == 1 && ds->h > 0 && ds->h == ds->w);
  fuzz_touch (ds->images, (gsize) ds->n * ds->h * ds->w);
  for (gint64 i = 0; i < ds->n; i++)
    g_assert (ds->labels[i] < ds->n_classes);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  StDatasetPair *pair;

  fuzz_init ();
  path = fuzz_write_file ("fashion-mnist_test.csv", data, size);
  ds = st_csv_dataset_load (path, 0, &error);
  if (ds == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }
  check_dataset (ds);
  g_clear_pointer (&ds, st_dataset_unref);

  ds = st_csv_dataset_load (path, 10, NULL);
  if (ds != NULL)
    check_dataset (ds);

  pair = st_dataset_pair_load (path, NULL, NULL);
  if (pair != NULL)
    {
      check_dataset (pair->train);
      check_dataset (pair->test);
      st_dataset_pair_free (pair);
    }
  return 0;
}
