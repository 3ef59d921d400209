/* test-dataset-csv.c: the Kaggle-style CSV reader (label,pixel1,…): what it reads, the rows
 * it refuses with the row and column named, and text of another kind given as a CSV. Every
 * file is generated in a temporary folder that the case removes.
 */
#define G_LOG_DOMAIN "test-dataset-csv"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/dataset/csv/read", test_csv_read);
  g_test_add_func ("/dataset/csv/wrong-columns", test_csv_wrong_columns);
  g_test_add_func ("/dataset/csv/not-number", test_csv_not_number);
  g_test_add_func ("/dataset/csv/label-range", test_csv_label_range);
  g_test_add_func ("/dataset/csv/pixel-range", test_csv_pixel_range);
  g_test_add_func ("/dataset/csv/empty", test_csv_empty);
  g_test_add_func ("/dataset/csv/other-text", test_csv_other_text);

  return g_test_run ();
}
