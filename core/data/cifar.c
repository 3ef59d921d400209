/* cifar.c: reading CIFAR-10 binary batches.
 *
 * Sizes are checked on every file (with stat(), before it is opened: a FIFO would block)
 * before anything is read, so the images are allocated once and each record is split into
 * its label and its (C, H, W) bytes as it is read, 1024 records (3 MB) at a time with a
 * question to stop between them.
 */
#define G_LOG_DOMAIN "strata-cifar"

#include "core/data/cifar.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N_CLASSES        10
#define RECORDS_PER_READ 1024
#define MAX_TRAIN_FILES  5

static void
close_file (FILE *f)
{
  if (f != NULL)
    fclose (f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FILE, close_file)

/* Number of records in `path`, after checking that it holds a whole number of them. */
static gboolean
count_records (const char *path, const char *display, gint64 *n, GError **error)
{
  gint64 size;

  if (!st_dataset_check_file (path, &size, error))
    return FALSE;
  if (size == 0 || size % ST_CIFAR_RECORD_SIZE != 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: %" PRId64 " bytes is not a whole number of %d-byte CIFAR-10 "
                     "records (1 label byte + 3×32×32 pixels)"), display, size,
                   ST_CIFAR_RECORD_SIZE);
      return FALSE;
    }
  *n = size / ST_CIFAR_RECORD_SIZE;
  return TRUE;
}

/* Reads the first `n` records of `path` into labels[0..n) and images (n, 3, 32, 32). */
static gboolean
read_records (const char *path, const char *display, gint64 n, guint8 *labels, guint8 *images,
              guint8 *buffer, const StDatasetReadControl *control, GError **error)
{
  const gsize image_size = ST_CIFAR_RECORD_SIZE - 1;
  g_autoptr (FILE) f = NULL;
  int fd, saved;

  fd = st_dataset_open_file (path, NULL, error);
  if (fd < 0)
    return FALSE;
  f = fdopen (fd, "rb");
  if (f == NULL)
    {
      saved = errno;
      close (fd);
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO, _("%s: cannot open: %s"), display,
                   g_strerror (saved));
      return FALSE;
    }
  for (gint64 done = 0; done < n;)
    {
      gsize want = MIN (n - done, RECORDS_PER_READ);

      if (!st_dataset_keep_reading (control, display, error))
        return FALSE;
      if (fread (buffer, ST_CIFAR_RECORD_SIZE, want, f) != want)
        {
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO,
                       _("%s: cannot read record %" PRId64 ": %s"), display, done,
                       ferror (f) ? g_strerror (errno) : _("the file shrank while being read"));
          return FALSE;
        }
      for (gsize r = 0; r < want; r++, done++)
        {
          const guint8 *record = buffer + r * ST_CIFAR_RECORD_SIZE;

          if (record[0] >= N_CLASSES)
            {
              g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                           _("%s: record %" PRId64 " has label %u; CIFAR-10 labels are "
                             "0 to 9 (is this CIFAR-100?)"), display, done, record[0]);
              return FALSE;
            }
          labels[done] = record[0];
          memcpy (images + done * image_size, record + 1, image_size);
        }
    }
  return TRUE;
}

StDataset *
st_cifar_load_files (const char * const *paths, const char *name, GError **error)
{
  return st_cifar_load_files_full (paths, name, NULL, error);
}

StDataset *
st_cifar_load_files_full (const char * const *paths, const char *name,
                          const StDatasetReadControl *control, GError **error)
{
  g_autoptr (GPtrArray) displays = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (StDataset) ds = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autofree gint64 *counts = NULL;
  gint64 total = 0, at = 0, max = G_MAXINT64;
  guint n_files;

  g_return_val_if_fail (paths != NULL && paths[0] != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (control == NULL || control->max_examples >= 0, NULL);

  if (control != NULL && control->max_examples > 0)
    max = control->max_examples;
  /* The files a limit leaves out are not looked at. */
  n_files = g_strv_length ((char **) paths);
  counts = g_new (gint64, n_files);
  for (guint i = 0; i < n_files && total < max; i++)
    {
      g_ptr_array_add (displays, g_filename_display_name (paths[i]));
      if (!count_records (paths[i], displays->pdata[i], &counts[i], error))
        return NULL;
      counts[i] = MIN (counts[i], max - total);
      total += counts[i];
    }
  n_files = displays->len;

  ds = st_dataset_new (name, displays->pdata[0], total, 3, ST_CIFAR_SIDE, ST_CIFAR_SIDE, error);
  if (ds == NULL)
    return NULL;
  /* No larger than the records there are: a small batch file gets a small buffer. */
  buffer = g_malloc ((gsize) MIN (total, RECORDS_PER_READ) * ST_CIFAR_RECORD_SIZE);
  for (guint i = 0; i < n_files; i++)
    {
      if (!read_records (paths[i], displays->pdata[i], counts[i], ds->labels + at,
                         ds->images + at * (ST_CIFAR_RECORD_SIZE - 1), buffer, control, error))
        return NULL;
      at += counts[i];
    }
  st_dataset_set_classes (ds, N_CLASSES, st_dataset_cifar10_classes ());
  return g_steal_pointer (&ds);
}

static gboolean
is_cifar_folder (const char *dir)
{
  g_autofree char *test = g_build_filename (dir, "test_batch.bin", NULL);
  g_autofree char *train = g_build_filename (dir, "data_batch_1.bin", NULL);

  return g_file_test (test, G_FILE_TEST_EXISTS) && g_file_test (train, G_FILE_TEST_EXISTS);
}

char *
st_cifar_find_folder (const char *dir)
{
  g_autofree char *inner = NULL;

  g_return_val_if_fail (dir != NULL, NULL);

  if (is_cifar_folder (dir))
    return g_strdup (dir);
  inner = g_build_filename (dir, "cifar-10-batches-bin", NULL);
  if (is_cifar_folder (inner))
    return g_steal_pointer (&inner);
  return NULL;
}

gboolean
st_cifar_load_folder (const char *dir, StDataset **train, StDataset **test, GError **error)
{
  return st_cifar_load_folder_full (dir, NULL, NULL, train, test, error);
}

gboolean
st_cifar_load_folder_full (const char *dir, const StDatasetReadControl *train_control,
                           const StDatasetReadControl *test_control, StDataset **train,
                           StDataset **test, GError **error)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (StDataset) train_ds = NULL;
  g_autoptr (StDataset) test_ds = NULL;
  g_autofree char *test_path = NULL;
  g_autofree char *name = NULL;
  const char *test_paths[2] = { NULL, NULL };

  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);

  for (int i = 1; i <= MAX_TRAIN_FILES; i++)
    {
      g_autofree char *base = g_strdup_printf ("data_batch_%d.bin", i);
      char *path = g_build_filename (dir, base, NULL);

      if (i > 1 && !g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_free (path);
          break;
        }
      g_ptr_array_add (paths, path);
    }
  g_ptr_array_add (paths, NULL);
  test_path = g_build_filename (dir, "test_batch.bin", NULL);
  test_paths[0] = test_path;
  name = g_path_get_basename (dir);

  train_ds = st_cifar_load_files_full ((const char * const *) paths->pdata, name,
                                       train_control, error);
  if (train_ds == NULL)
    return FALSE;
  test_ds = st_cifar_load_files_full (test_paths, name, test_control, error);
  if (test_ds == NULL)
    return FALSE;
  *train = g_steal_pointer (&train_ds);
  *test = g_steal_pointer (&test_ds);
  return TRUE;
}
