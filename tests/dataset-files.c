/* dataset-files.c: see dataset-files.h. */
#define G_LOG_DOMAIN "strata-test"

#include "dataset-files.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/data/cifar.h"
#include "core/data/idx.h"

/* ---- files ------------------------------------------------------------------------------ */

char *
path_in (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

void
make_dir (const char *dir, const char *name)
{
  g_autofree char *path = path_in (dir, name);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
}

void
write_bytes (const char *dir, const char *name, const void *data, gsize len)
{
  g_autofree char *path = path_in (dir, name);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

void
write_text (const char *dir, const char *name, const char *text)
{
  write_bytes (dir, name, text, strlen (text));
}

void
make_fifo (const char *dir, const char *name)
{
  g_autofree char *path = path_in (dir, name);

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
}

gboolean
write_sparse (const char *dir, const char *name, const void *data, gsize len, guint64 size)
{
  g_autofree char *path = path_in (dir, name);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int saved = 0;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  if (ftruncate (fd, (off_t) size) != 0)
    saved = errno;
  g_assert_cmpint (close (fd), ==, 0);
  if (saved != 0)
    {
      g_autofree char *why = g_strdup_printf ("%s: a sparse file of %" G_GUINT64_FORMAT
                                              " bytes: %s", path, size, g_strerror (saved));

      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

void
hang_guard (guint seconds)
{
  alarm (seconds);
}

static void
put_be32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (out, b, 4);
}

void
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

/* ---- the small IDX set ------------------------------------------------------------------ */

const guint32 small_image_dims[] = { 3, 2, 3 };
const guint32 small_label_dims[] = { 3 };
const guint8 small_labels[] = { 2, 0, 1 };

static guint8
small_pixel (int i, int y, int x)
{
  return 40 * i + 10 * y + x;
}

void
small_images (guint8 *out)
{
  for (int i = 0; i < 3; i++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 3; x++)
        out[i * 6 + y * 3 + x] = small_pixel (i, y, x);
}

void
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

void
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

StDataset *
load_idx_pair (const char *dir, const char *images, const char *labels, int n_classes,
               GError **error)
{
  g_autofree char *ip = path_in (dir, images);
  g_autofree char *lp = path_in (dir, labels);

  return st_idx_load (ip, lp, n_classes, error);
}

/* ---- stopping a reader ------------------------------------------------------------------ */

gboolean
cancel_count (gpointer data)
{
  CancelCount *count = data;

  count->calls++;
  return count->stop_at > 0 && count->calls >= count->stop_at;
}

/* ---- errors ----------------------------------------------------------------------------- */

void
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

/* `n` records; record r has label labels[r] and pixel (c, y, x) = (r + 3c + y + x) % 256. */
void
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
