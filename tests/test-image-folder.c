/* test-image-folder.c: datasets read from a folder of class sub-folders of images — grey
 * and colour (and told apart), train/ and test/ or one set split, the formats told by
 * content, limits and stopping, and the refusals (no classes, no images, unreadable,
 * truncated, not a regular file, too large, sizes that differ, too many classes). Every
 * image is generated with gdk-pixbuf, in a temporary folder that the case removes.
 */
#define G_LOG_DOMAIN "test-image-folder"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <glib.h>
#include <string.h>

#include "core/data/dataset-load.h"
#include "core/data/image-folder.h"
#include "core/engine/evaluator.h"
#include "core/model/spec-read.h"
#include "dataset-files.h"
#include "test-util.h"

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
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

static void
test_image_folder_pair (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

static void
test_image_folder_empty (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

static void
test_image_folder_unreadable (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *cat = path_in (dir, "cat");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  make_dir (dir, "cat");
  write_png (cat, "a.png", 3, 2, 1, 2, 3);
  write_text (cat, "b-broken.png", "\x89PNG but not really");
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "b-broken.png", "cannot read", NULL);
  st_test_remove_tree (dir);
}

/* Files that are not images by their names are passed over, as ImageFolder does; a folder
 * of nothing else says how many it passed over. */
static void
test_image_folder_other_files (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *cat = path_in (dir, "cat");
  g_autofree char *dog = path_in (dir, "dog");
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;

  make_dir (dir, "cat");
  make_dir (dir, "dog");
  write_png (cat, "a.png", 3, 2, 1, 2, 3);
  write_png (cat, "B.PNG", 3, 2, 4, 5, 6);
  write_text (cat, "README.txt", "Cats, photographed in 2024.");
  write_text (cat, "Thumbs.db", "\xd0\xcf\x11\xe0");
  write_png (dog, "no-extension", 3, 2, 7, 8, 9);
  write_png (dog, "c.jpeg", 3, 2, 10, 11, 12);
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    {
      /* cat/B.PNG, cat/a.png (name order), dog/c.jpeg. */
      g_assert_cmpint (ds->n, ==, 3);
      g_assert_cmpmem (ds->labels, 3, ((guint8[]) { 0, 0, 1 }), 3);
    }

  g_clear_pointer (&ds, st_dataset_unref);

  /* The same folder with its images gone: README.txt and Thumbs.db are left. */
  for (const char *const *name = (const char *const[]) { "a.png", "B.PNG", NULL };
       *name != NULL; name++)
    {
      g_autofree char *image = path_in (cat, *name);

      g_assert_cmpint (g_remove (image), ==, 0);
    }
  st_test_remove_tree (dog);
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "hold no images", "2 files",
                "extension", NULL);
  st_test_remove_tree (dir);
}

/* JPEG and PNG are told by their first bytes, whatever the name; other formats, BMP here,
 * by gdk-pixbuf's sniffing. */
static void
test_image_folder_formats (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

/* An image over the side limit is refused from its header, naming the file and its size;
 * an empty file is an image that cannot be read. */
static void
test_image_folder_too_large (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

static void
test_image_folder_sizes (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

/* A model reads a folder of mixed sizes as its recipe says: refused, with the way to ask
 * for resizing named, or with "resize_images" scaled to the model's input (not the first
 * image's size), for the training and the test split alike. */
static void
test_image_folder_resize_to_model (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *cat = path_in (dir, "cat");
  g_autofree char *dog = path_in (dir, "dog");
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  StDatasetOptions options;
  StSpec *spec;
  StEvaluator *ev;

  make_dir (dir, "cat");
  make_dir (dir, "dog");
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("%d.png", i);

      write_png (cat, name, 4 + i, 4 + i, 10, 10, 10);
      write_png (dog, name, 9 - i, 6, 200, 200, 200);
    }
  json = g_strdup_printf ("{\"format\": \"strata-model/1\", \"name\": \"tiny\","
                          " \"input\": {\"channels\": 1, \"height\": 5, \"width\": 6},"
                          " \"layers\": [{\"type\": \"Flatten\"},"
                          " {\"type\": \"Linear\", \"in_features\": 30, \"out_features\": 2}],"
                          " \"training\": {\"dataset\": \"%s\", \"epochs\": 1}}", dir);
  spec = st_spec_load_from_data (json, -1, "tiny", &error);
  g_assert_no_error (error);

  st_dataset_options_for_model (&options, spec);
  g_assert_cmpint (options.fit, ==, ST_IMAGE_FIT_EXACT);
  g_assert_cmpint (options.channels, ==, 1);
  ev = st_evaluator_new (spec, NULL, NULL, ST_DEVICE_CPU, &error);
  g_assert_null (ev);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "the images must all be", "resize_images",
                "--resize-images", NULL);
  g_clear_error (&error);

  spec->training.resize_images = TRUE;
  st_dataset_options_for_model (&options, spec);
  g_assert_cmpint (options.fit, ==, ST_IMAGE_FIT_RESIZE);
  g_assert_cmpint (options.height, ==, 5);
  g_assert_cmpint (options.width, ==, 6);
  ev = st_evaluator_new (spec, NULL, NULL, ST_DEVICE_CPU, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ev);
  if (ev != NULL)
    {
      const StDataset *test = st_evaluator_test_set (ev);

      g_assert_cmpint (test->h, ==, 5);
      g_assert_cmpint (test->w, ==, 6);
      g_assert_cmpint (test->n_classes, ==, 2);
      st_evaluator_free (ev);
    }
  st_spec_free (spec);
  st_test_remove_tree (dir);
}

static void
test_image_folder_too_many_classes (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
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
  st_test_remove_tree (dir);
}

/* gdk-pixbuf decodes a PNG cut short without a word, leaving the rows it never got blank:
 * such a file was counted as an image. Cut anywhere, even in the last byte, it is refused. */
static void
test_image_folder_truncated (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *cat = path_in (dir, "cat");
  g_autoptr (GdkPixbuf) noise = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 40);
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *png = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (noise);
  guint32 x = 2463534242u;
  gsize len;

  /* Noise (xorshift32), so that the rows are spread over the whole file. */
  for (int i = 0; i < 40 * gdk_pixbuf_get_rowstride (noise); i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      pixels[i] = (guint8) x;
    }
  g_assert_true (gdk_pixbuf_save_to_buffer (noise, &png, &len, "png", &error, NULL));
  g_assert_no_error (error);
  make_dir (dir, "cat");
  write_png (cat, "a.png", 40, 40, 1, 2, 3);
  for (int i = 0; i < 3; i++)
    {
      gsize keep = i == 0 ? len / 2 : i == 1 ? len - 20 : len - 1;

      g_clear_error (&error);
      write_bytes (cat, "b-cut.png", png, keep);
      ds = st_image_folder_load (dir, NULL, &error);
      g_assert_null (ds);
      assert_error (error, ST_DATASET_ERROR_FORMAT, "b-cut.png", "truncated PNG", NULL);
      g_clear_pointer (&ds, st_dataset_unref);
    }

  /* Whole, it is read. */
  g_clear_error (&error);
  write_bytes (cat, "b-cut.png", png, len);
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  if (ds != NULL)
    g_assert_cmpint (ds->n, ==, 2);
  st_test_remove_tree (dir);
}

/* An image's name on a FIFO: the loader's open would block; a device would never end. */
static void
test_image_folder_not_regular (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *cat = path_in (dir, "cat");
  g_autofree char *fifo = NULL;
  g_autofree char *device = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;

  hang_guard (30);
  make_dir (dir, "cat");
  write_png (cat, "a.png", 3, 2, 1, 2, 3);
  make_fifo (cat, "b.png");
  fifo = path_in (cat, "b.png");
  ds = st_image_folder_load (dir, NULL, &error);
  g_assert_null (ds);
  assert_error (error, ST_DATASET_ERROR_IO, fifo, "a FIFO, not a regular file", NULL);

  g_clear_error (&error);
  g_assert_cmpint (g_remove (fifo), ==, 0);
  device = path_in (cat, "c.png");
  g_assert_cmpint (symlink ("/dev/zero", device), ==, 0);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_IO, device, "a character device", NULL);
  hang_guard (0);
  st_test_remove_tree (dir);
}

/* The loader reads colour images as RGB and grey ones as one channel unless told otherwise:
 * an RGB folder was read as grey, and described as 1×H×W. */
static void
test_image_folder_channels (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *train = path_in (dir, "train");
  g_autofree char *test = path_in (dir, "test");
  g_autofree char *train_cat = NULL;
  g_autofree char *test_cat = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  StDatasetOptions options;

  make_dir (dir, "train/cat");
  make_dir (dir, "test/cat");
  train_cat = path_in (train, "cat");
  test_cat = path_in (test, "cat");
  write_png (train_cat, "a.png", 4, 3, 50, 50, 50);
  write_png (train_cat, "b.png", 4, 3, 10, 200, 30);
  /* Grey, but read as the training set is: RGB. */
  write_png (test_cat, "c.png", 4, 3, 70, 70, 70);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->c, ==, 3);
      g_assert_cmpint (pair->test->c, ==, 3);
      g_assert_cmpuint (st_dataset_image (pair->train, 1)[12 + 5], ==, 200);
      g_assert_cmpuint (st_dataset_image (pair->test, 0)[24 + 5], ==, 70);
    }

  /* All grey: one channel, the same bytes. */
  g_clear_pointer (&pair, st_dataset_pair_free);
  write_png (train_cat, "b.png", 4, 3, 90, 90, 90);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->c, ==, 1);
      g_assert_cmpint (pair->test->c, ==, 1);
      g_assert_cmpuint (st_dataset_image (pair->train, 0)[5], ==, 50);
      g_assert_cmpuint (st_dataset_image (pair->train, 0)[1], ==, 255);
      g_assert_cmpuint (st_dataset_image (pair->train, 1)[11], ==, 90);
      g_assert_cmpuint (st_dataset_image (pair->test, 0)[5], ==, 70);
    }

  /* Asked for, the channels are what was asked. */
  g_clear_pointer (&pair, st_dataset_pair_free);
  st_dataset_options_init (&options);
  options.channels = 3;
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_no_error (error);
  if (pair != NULL)
    g_assert_cmpint (pair->train->c, ==, 3);
  st_test_remove_tree (dir);
}

/* A test/ image of another size is refused, saying the size comes from train/. */
static void
test_image_folder_test_size (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *train = path_in (dir, "train");
  g_autofree char *train_cat = path_in (dir, "train/cat");
  g_autofree char *test_cat = path_in (dir, "test/cat");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;

  make_dir (dir, "train/cat");
  make_dir (dir, "test/cat");
  write_png (train_cat, "a.png", 4, 4, 1, 1, 1);
  write_png (test_cat, "b.png", 8, 8, 1, 1, 1);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_null (pair);
  assert_error (error, ST_DATASET_ERROR_FORMAT, "b.png", "8×8", "4×4",
                "the training images' size", train, NULL);
  st_test_remove_tree (dir);
}

/* The trainer's limit reaches a train/ folder: only the first images are decoded; the rest
 * may be anything. Stopping is asked before each image. */
static void
test_image_folder_limit_cancel (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-dataset-XXXXXX");
  g_autofree char *train_cat = path_in (dir, "train/cat");
  g_autofree char *test_cat = path_in (dir, "test/cat");
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  CancelCount count = { 0 };
  StDatasetOptions options;

  make_dir (dir, "train/cat");
  make_dir (dir, "test/cat");
  write_png (train_cat, "a.png", 4, 4, 1, 1, 1);
  write_png (train_cat, "b.png", 4, 4, 2, 2, 2);
  write_text (train_cat, "c.png", "not decoded");
  write_png (test_cat, "d.png", 4, 4, 3, 3, 3);
  st_dataset_options_init (&options);
  options.max_train_examples = 2;
  options.cancelled = cancel_count;
  options.cancelled_data = &count;
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair);
  if (pair != NULL)
    {
      g_assert_cmpint (pair->train->n, ==, 2);
      g_assert_cmpint (pair->test->n, ==, 1);
    }
  g_assert_cmpint (count.calls, ==, 3);

  g_clear_pointer (&pair, st_dataset_pair_free);
  count = (CancelCount) { .stop_at = 2 };
  g_clear_error (&error);
  pair = st_dataset_pair_load (dir, &options, &error);
  g_assert_null (pair);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (count.calls, ==, 2);
  st_test_remove_tree (dir);
}

/* One picture read alone (write_image's: one white pixel): its own size, grey as PIL's "L" or its three planes; a missing
 * file, a folder and a PNG cut short are refused naming the file. */
static void
test_image_file (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-image-file-XXXXXX");
  g_autofree char *png = path_in (dir, "one.png");
  g_autofree char *cut = path_in (dir, "cut.png");
  g_autofree char *none = path_in (dir, "none.png");
  g_autoptr (StDataset) grey = NULL, rgb = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize len;

  write_png (dir, "one.png", 3, 2, 200, 100, 0);
  grey = st_image_file_load (png, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (grey->n, ==, 1);
  g_assert_cmpint (grey->c, ==, 1);
  g_assert_cmpint (grey->w, ==, 3);
  g_assert_cmpint (grey->h, ==, 2);
  g_assert_cmpint (grey->labels[0], ==, 0);
  /* round (200 · 0.299 + 100 · 0.587) = 118; pixel (1, 0) is white */
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (grey->images[i], ==, i == 1 ? 255 : 118);
  rgb = st_image_file_load (png, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rgb->c, ==, 3);
  g_assert_cmpint (rgb->images[0], ==, 200);
  g_assert_cmpint (rgb->images[6], ==, 100);
  g_assert_cmpint (rgb->images[12], ==, 0);

  g_assert_null (st_image_file_load (none, 1, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "none.png"));
  g_clear_error (&error);
  g_assert_null (st_image_file_load (dir, 1, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
  write_bytes (dir, "cut.png", bytes, len - 12);
  g_assert_null (st_image_file_load (cut, 1, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "cut.png", "truncated PNG", NULL);
  st_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/dataset/image-folder/read", test_image_folder_read);
  g_test_add_func ("/dataset/image-file", test_image_file);
  g_test_add_func ("/dataset/image-folder/train-test", test_image_folder_pair);
  g_test_add_func ("/dataset/image-folder/empty", test_image_folder_empty);
  g_test_add_func ("/dataset/image-folder/unreadable", test_image_folder_unreadable);
  g_test_add_func ("/dataset/image-folder/sizes", test_image_folder_sizes);
  g_test_add_func ("/dataset/image-folder/resize-to-model", test_image_folder_resize_to_model);
  g_test_add_func ("/dataset/image-folder/too-large", test_image_folder_too_large);
  g_test_add_func ("/dataset/image-folder/formats", test_image_folder_formats);
  g_test_add_func ("/dataset/image-folder/other-files", test_image_folder_other_files);
  g_test_add_func ("/dataset/image-folder/too-many-classes", test_image_folder_too_many_classes);
  g_test_add_func ("/dataset/image-folder/truncated", test_image_folder_truncated);
  g_test_add_func ("/dataset/image-folder/not-regular", test_image_folder_not_regular);
  g_test_add_func ("/dataset/image-folder/channels", test_image_folder_channels);
  g_test_add_func ("/dataset/image-folder/test-size", test_image_folder_test_size);
  g_test_add_func ("/dataset/image-folder/limit-cancel", test_image_folder_limit_cancel);

  return g_test_run ();
}
