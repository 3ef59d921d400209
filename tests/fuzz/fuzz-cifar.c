/* fuzz-cifar.c: CIFAR-10 binary batches (core/data/cifar.c): the input is written as both
 * data_batch_1.bin and test_batch.bin of a cifar-10-batches-bin/ folder, found and loaded
 * as st_dataset_pair_load does it, then as a single .bin file that is split. */
#define G_LOG_DOMAIN "strata-fuzz"

#include "core/data/cifar.h"
#include "core/data/dataset-load.h"
#include "fuzz-util.h"

static void
check_dataset (const StDataset *ds)
{
  g_assert (ds->n > 0 && ds->c == 3 && ds->h == ST_CIFAR_SIDE && ds->w == ST_CIFAR_SIDE);
  fuzz_touch (ds->images, (gsize) ds->n * (ST_CIFAR_RECORD_SIZE - 1));
  for (gint64 i = 0; i < ds->n; i++)
    g_assert (ds->labels[i] < ds->n_classes);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *root = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *single = NULL;
  g_autoptr (StDataset) train = NULL;
  g_autoptr (StDataset) test = NULL;
  g_autoptr (GError) error = NULL;
  StDatasetPair *pair;

  fuzz_init ();
  g_free (fuzz_write_file ("cifar/cifar-10-batches-bin/data_batch_1.bin", data, size));
  g_free (fuzz_write_file ("cifar/cifar-10-batches-bin/test_batch.bin", data, size));
  root = g_build_filename (fuzz_scratch_dir (), "cifar", NULL);
  folder = st_cifar_find_folder (root);
  g_assert (folder != NULL);
  if (!st_cifar_load_folder (folder, &train, &test, &error))
    {
      fuzz_rejected (error);
      return 0;
    }
  check_dataset (train);
  check_dataset (test);

  single = fuzz_write_file ("batch.bin", data, size);
  pair = st_dataset_pair_load (single, NULL, NULL);
  if (pair != NULL)
    {
      check_dataset (pair->train);
      check_dataset (pair->test);
      st_dataset_pair_free (pair);
    }
  return 0;
}
