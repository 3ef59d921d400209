/* test-dataset-guards.c: what the dataset readers refuse before they read — files that are
 * not regular files (FIFOs, devices, folders), sizes past the limits and past memory — and
 * how reading stops when asked. Every file is generated in a temporary folder that the case
 * removes.
 */
#define G_LOG_DOMAIN "test-dataset-guards"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/data/cifar.h"
#include "core/data/csv-dataset.h"
#include "core/data/dataset-load.h"
#include "core/data/idx.h"
#include "core/ops/rng.h"
#include "dataset-files.h"
#include "test-util.h"

/* ---- files that are not regular files ------------------------------------------------- */

static void
test_not_regular (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *csv = path_in (dir, "fifo.csv");
  g_autofree char *bin = path_in (dir, "fifo.bin");
  g_autofree char *plain = path_in (dir, "fifo");
  g_autofree char *idx = path_in (dir, "idx");
  g_autofree char *idx_images = NULL;
  g_autofree char *idx_labels = NULL;
  g_autofree char *csv_pair = path_in (dir, "csv-pair");
  g_autofree char *csv_test = NULL;
  g_autofree char *cifar = path_in (dir, "cifar");
  g_autofree char *cifar_test = NULL;
  g_autofree char *device = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  /* Opening any of these for reading would block until a writer came: 30 s is plenty. */
  hang_guard (30);

  make_fifo (dir, "fifo.csv");
  pair = st_dataset_pair_load (csv, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, csv, "a FIFO, not a regular file", NULL);
  g_clear_error (&error);
  ds = st_csv_dataset_load (csv, 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_IO, csv, "a FIFO, not a regular file", NULL);

  g_clear_error (&error);
  make_fifo (dir, "fifo.bin");
  pair = st_dataset_pair_load (bin, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, bin, "a FIFO, not a regular file", NULL);

  g_clear_error (&error);
  make_fifo (dir, "fifo");
  pair = st_dataset_pair_load (plain, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, plain, "a FIFO, not a regular file", NULL);

  /* One file of an IDX folder, raw; then a .gz one that is a link to a character device,
   * which would never end. */
  g_clear_error (&error);
  make_dir (dir, "idx");
  write_small_idx_folder (idx, "");
  idx_images = path_in (idx, "t10k-images-idx3-ubyte");
  g_assert_cmpint (g_remove (idx_images), ==, 0);
  make_fifo (idx, "t10k-images-idx3-ubyte");
  pair = st_dataset_pair_load (idx, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, idx_images, "a FIFO, not a regular file", NULL);

  g_clear_error (&error);
  idx_labels = path_in (idx, "train-labels-idx1-ubyte");
  g_assert_cmpint (g_remove (idx_labels), ==, 0);
  g_free (idx_labels);
  idx_labels = path_in (idx, "train-labels-idx1-ubyte.gz");
  g_assert_cmpint (symlink ("/dev/zero", idx_labels), ==, 0);
  pair = st_dataset_pair_load (idx, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, idx_labels, "a character device", NULL);

  /* The test file of a CSV pair, and CIFAR-10's test batch. */
  g_clear_error (&error);
  make_dir (dir, "csv-pair");
  write_text (csv_pair, "digits_train.csv", "1,0,0,0,0\n");
  make_fifo (csv_pair, "digits_test.csv");
  csv_test = path_in (csv_pair, "digits_test.csv");
  pair = st_dataset_pair_load (csv_pair, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, csv_test, "a FIFO, not a regular file", NULL);

  g_clear_error (&error);
  make_dir (dir, "cifar");
  write_bytes (cifar, "data_batch_1.bin", (guint8[ST_CIFAR_RECORD_SIZE]) { 0 },
               ST_CIFAR_RECORD_SIZE);
  make_fifo (cifar, "test_batch.bin");
  cifar_test = path_in (cifar, "test_batch.bin");
  pair = st_dataset_pair_load (cifar, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, cifar_test, "a FIFO, not a regular file", NULL);

  /* A folder where a file should be. */
  g_clear_error (&error);
  device = path_in (dir, "folder.csv");
  make_dir (dir, "folder.csv");
  ds = st_csv_dataset_load (device, 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_IO, device, "a folder, not a regular file", NULL);

  hang_guard (0);
  st_test_remove_tree (dir);
}

/* ---- limits and memory ---------------------------------------------------------------- */

/* An IDX image header of n images of side×side, and a label header of n, in `head`. */
static gsize
idx_header (guint8 *head, guint32 magic, guint32 n, guint32 side)
{
  const guint32 words[] = { magic, n, side, side };
  int count = magic == ST_IDX_MAGIC_IMAGES ? 4 : 2;

  for (int i = 0; i < count; i++)
    {
      head[4 * i] = words[i] >> 24;
      head[4 * i + 1] = words[i] >> 16;
      head[4 * i + 2] = words[i] >> 8;
      head[4 * i + 3] = words[i];
    }
  return 4 * count;
}

/* 2^23 images of 1024×1024, 8 TiB of holes that take no disk: more than memory, and more
 * than a test could read. The limit reads three of them; without it the set is refused
 * from its header, before anything is allocated or read. */
static void
test_limit_and_memory (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const guint32 n = 1u << 23, side = 1024;
  StDatasetReadControl control = { .max_examples = 3 };
  StDatasetOptions options;
  guint8 head[16];
  gsize len;

  len = idx_header (head, ST_IDX_MAGIC_IMAGES, n, side);
  head[len - 1] = 0;
  if (!write_sparse (dir, "train-images-idx3-ubyte", head, len, len + (guint64) n * side * side))
    {
      st_test_remove_tree (dir);
      return;
    }
  len = idx_header (head, ST_IDX_MAGIC_LABELS, n, 0);
  g_assert_true (write_sparse (dir, "train-labels-idx1-ubyte", head, len, len + n));

  ds = load_idx_pair (dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_TOO_LARGE, "train-images-idx3-ubyte",
                "8388608 images of 1024×1024 need 8.0", "is available", NULL);

  g_clear_error (&error);
  {
    g_autofree char *images = path_in (dir, "train-images-idx3-ubyte");
    g_autofree char *labels = path_in (dir, "train-labels-idx1-ubyte");

    ds = st_idx_load_full (images, labels, 0, &control, &error);
  }
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      g_assert_cmpint (ds->n, ==, 3);
      g_assert_cmpint (ds->h, ==, 1024);
      g_assert_cmpint (ds->n_classes, ==, 1);
    }

  /* Through the loader, as the trainer's limit: the training set only. */
  write_small_idx_folder (dir, ".gz");
  for (const char *const *stem = (const char *const[]) { "train-images-idx3-ubyte",
                                                         "train-labels-idx1-ubyte", NULL };
       *stem != NULL; stem++)
    {
      g_autofree char *gz = path_in (dir, *stem);

      g_assert_cmpint (g_remove (gz), ==, 0);
    }
  st_dataset_options_init (&options);
  options.max_train_examples = 2;
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->n, ==, 2);
      g_assert_cmpint (pair->test->n, ==, 3);
    }

  /* A CSV file is weighed before it is read. */
  g_clear_error (&error);
  g_clear_pointer (&ds, st_dataset_unref);
  if (write_sparse (dir, "huge.csv", "1,2,3,4,5\n", 10, G_GUINT64_CONSTANT (1) << 43))
    {
      g_autofree char *huge = path_in (dir, "huge.csv");

      ds = st_csv_dataset_load (huge, 0, &error);
      g_assert_null (ds);
      assert_error (error, ST_DATASET_ERROR_TOO_LARGE, "huge.csv", "need 8.0", "is available",
                    NULL);
    }
  st_test_remove_tree (dir);
}

/* A .gz file whose stream breaks after its first images: with a limit only those are
 * inflated, so the break is never reached. */
static void
test_limit_unread (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *images = path_in (dir, "images.gz");
  g_autofree char *labels = path_in (dir, "labels");
  g_autofree char *gz = NULL;
  g_autofree guint8 *pixels = g_malloc (200 * 32 * 32);
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const guint32 dims[] = { 200, 32, 32 };
  const guint32 ldims[] = { 200 };
  guint8 label_bytes[200] = { 0 };
  StDatasetReadControl control = { .max_examples = 2 };
  StRng rng;
  gsize gz_len;

  st_rng_init (&rng, 5);
  for (gsize i = 0; i < 200 * 32 * 32; i++)
    pixels[i] = (guint8) st_rng_u64 (&rng);
  write_idx (dir, "images.gz", ST_IDX_MAGIC_IMAGES, 3, dims, pixels, 200 * 32 * 32, -1);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, ldims, label_bytes, 200, -1);
  g_assert_true (g_file_get_contents (images, (char **) &gz, &gz_len, NULL));
  g_assert_cmpuint (gz_len, >, 100000);
  write_bytes (dir, "images.gz", gz, gz_len / 2);

  ds = st_idx_load (images, labels, 0, &error);
  g_assert_null (ds);
  g_assert_nonnull (error);

  g_clear_error (&error);
  ds = st_idx_load_full (images, labels, 0, &control, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      g_assert_cmpint (ds->n, ==, 2);
      g_assert_cmpmem (ds->images, 2 * 32 * 32, pixels, 2 * 32 * 32);
    }
  st_test_remove_tree (dir);
}

/* The limit on the other readers of a separate training set; a set that is split is read
 * whole. */
static void
test_limit_other_readers (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *single = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 labels[] = { 0, 1, 2, 3, 4 };
  StDatasetOptions options;

  st_dataset_options_init (&options);
  options.max_train_examples = 2;

  write_cifar (dir, "data_batch_1.bin", 1, labels);
  write_cifar (dir, "data_batch_2.bin", 3, labels + 1);
  /* Never opened: the limit is reached in the first two. */
  write_text (dir, "data_batch_3.bin", "not a batch");
  write_cifar (dir, "test_batch.bin", 3, labels);
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->n, ==, 2);
      g_assert_cmpmem (pair->train->labels, 2, labels, 2);
      g_assert_cmpint (pair->test->n, ==, 3);
    }

  g_clear_pointer (&pair, st_dataset_pair_free);
  st_test_remove_tree (dir);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_text (dir, "a_train.csv", "label,a,b,c,d\n1,0,0,0,0\n2,0,0,0,0\n3,0,0,0,0\nx,y\n");
  write_text (dir, "a_test.csv", "1,0,0,0,0\n2,0,0,0,0\n3,0,0,0,0\n");
  g_clear_error (&error);
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->n, ==, 2);
      g_assert_cmpint (pair->test->n, ==, 3);
    }

  g_clear_pointer (&pair, st_dataset_pair_free);
  single = path_in (dir, "a_test.csv");
  g_clear_error (&error);
  pair = st_dataset_pair_load (single, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    g_assert_cmpint (pair->train->n + pair->test->n, ==, 3);

  g_clear_pointer (&pair, st_dataset_pair_free);
  options.max_train_examples = -1;
  g_clear_error (&error);
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "cannot be negative", NULL);
  st_test_remove_tree (dir);
}

/* ---- stopping ------------------------------------------------------------------------- */

static void
test_cancel (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *images = path_in (dir, "big-images");
  g_autofree char *labels = path_in (dir, "big-labels");
  g_autofree char *csv = path_in (dir, "one.csv");
  g_autofree guint8 *pixels = g_malloc0 (10240 * 32 * 32);
  g_autofree guint8 *label_bytes = g_malloc0 (10240);
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  const guint32 dims[] = { 10240, 32, 32 };
  const guint32 ldims[] = { 10240 };
  const guint8 cifar_labels[] = { 1 };
  CancelCount count = { 0 };
  StDatasetReadControl control = { .cancelled = cancel_count, .cancelled_data = &count };
  StDatasetOptions options;

  /* 10 MB of images: asked between slices of a few MB, it stops at the second answer. */
  write_idx (dir, "big-images", ST_IDX_MAGIC_IMAGES, 3, dims, pixels, 10240 * 32 * 32, -1);
  write_idx (dir, "big-labels", ST_IDX_MAGIC_LABELS, 1, ldims, label_bytes, 10240, -1);
  ds = st_idx_load_full (images, labels, 0, &control, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpint (count.calls, >=, 3);
  g_clear_pointer (&ds, st_dataset_unref);

  count = (CancelCount) { .stop_at = 3 };
  ds = st_idx_load_full (images, labels, 0, &control, &error);
  g_assert_null (ds);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (error != NULL)
    g_assert_nonnull (strstr (error->message, "big-images"));
  g_assert_cmpint (count.calls, ==, 3);

  /* Every reader asks, through the loader's options. */
  st_dataset_options_init (&options);
  options.cancelled = cancel_count;
  options.cancelled_data = &count;
  write_text (dir, "one.csv", "1,0,0,0,0\n2,0,0,0,0\n");
  write_cifar (dir, "data_batch_1.bin", 1, cifar_labels);
  write_cifar (dir, "test_batch.bin", 1, cifar_labels);
  write_small_idx_folder (dir, ".gz");
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *source = NULL;

      if (i == 0)
        source = g_strdup (csv);
      else if (i == 1)
        source = path_in (dir, "data_batch_1.bin");
      else
        source = g_strdup (dir);
      g_clear_error (&error);
      count = (CancelCount) { .stop_at = 1 };
      pair = st_dataset_pair_load (source, &options, &error);
      g_assert_null (pair);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_pointer (&pair, st_dataset_pair_free);
    }
  st_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/dataset/not-regular", test_not_regular);
  g_test_add_func ("/dataset/limit/memory", test_limit_and_memory);
  g_test_add_func ("/dataset/limit/unread", test_limit_unread);
  g_test_add_func ("/dataset/limit/other-readers", test_limit_other_readers);
  g_test_add_func ("/dataset/cancel", test_cancel);

  return g_test_run ();
}
