/* idx.c: reading IDX image and label files, gzip-compressed or raw.
 *
 * Nothing is allocated before the header has been checked against what the file can
 * hold: a raw file holds its size less the header; a .gz file at most about 1032 times its
 * size, the best deflate can do. So a corrupt header fails at once, naming the file,
 * instead of asking for terabytes.
 */
#define G_LOG_DOMAIN "strata-idx"

#include "core/idx.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#define MAX_DEFLATE_RATIO 1032
#define READ_CHUNK        (1 << 30)   /* gzread takes an unsigned int */

typedef struct {
  gzFile  gz;
  char   *display;     /* the path, for messages */
  gint64  file_size;
} IdxFile;

static void
idx_file_clear (IdxFile *f)
{
  if (f->gz != NULL)
    gzclose (f->gz);
  f->gz = NULL;
  g_clear_pointer (&f->display, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IdxFile, idx_file_clear)

static gboolean
idx_file_open (IdxFile *f, const char *path, GError **error)
{
  GStatBuf st;
  int saved;

  f->display = g_filename_display_name (path);
  if (g_stat (path, &st) != 0)
    {
      saved = errno;
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_NOT_FOUND, "%s: %s", f->display,
                   g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO, "%s: not a regular file",
                   f->display);
      return FALSE;
    }
  f->file_size = st.st_size;
  f->gz = gzopen (path, "rb");
  if (f->gz == NULL)
    {
      saved = errno;
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO, "%s: cannot open: %s",
                   f->display, g_strerror (saved));
      return FALSE;
    }
  /* A big buffer speeds up the 26 MB sets; small files keep zlib's 8 KB, which is cheaper
   * to set up than reading them takes. */
  if (f->file_size > (1 << 20))
    gzbuffer (f->gz, 1 << 17);
  return TRUE;
}

/* Reads up to `len` bytes; *got < len means the file ended. */
static gboolean
idx_file_read (IdxFile *f, guint8 *buf, gint64 len, gint64 *got, GError **error)
{
  int errnum = Z_OK;

  *got = 0;
  while (*got < len)
    {
      unsigned chunk = (unsigned) MIN (len - *got, READ_CHUNK);
      int r = gzread (f->gz, buf + *got, chunk);

      if (r < 0)
        {
          const char *msg = gzerror (f->gz, &errnum);

          if (errnum == Z_BUF_ERROR)
            break;
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO,
                       "%s: cannot read: %s (a damaged .gz file?)", f->display, msg);
          return FALSE;
        }
      *got += r;
      if ((unsigned) r < chunk)
        break;
    }
  return TRUE;
}

/* The most data bytes the file can hold after a header of `header` bytes. */
static gint64
idx_file_capacity (IdxFile *f, gint64 header)
{
  if (gzdirect (f->gz))
    return MAX (f->file_size - header, 0);
  if (f->file_size > G_MAXINT64 / MAX_DEFLATE_RATIO)
    return G_MAXINT64;
  return f->file_size * MAX_DEFLATE_RATIO;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Reads the magic and `rank` sizes. */
static gboolean
idx_file_read_header (IdxFile *f, guint32 magic, int rank, guint32 *dims, GError **error)
{
  guint8 header[16];
  gint64 size = 4 + 4 * rank, got;
  guint32 found;

  g_assert (rank >= 1 && rank <= 3);
  if (!idx_file_read (f, header, 4, &got, error))
    return FALSE;
  if (got == 4)
    {
      found = read_be32 (header);
      if (found != magic)
        {
          if (found == ST_IDX_MAGIC_IMAGES || found == ST_IDX_MAGIC_LABELS)
            g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                         "%s: wrong magic number 0x%08x: this is an IDX %s file where %s were "
                         "expected (0x%08x)", f->display, found,
                         found == ST_IDX_MAGIC_IMAGES ? "image" : "label",
                         magic == ST_IDX_MAGIC_IMAGES ? "images" : "labels", magic);
          else
            g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                         "%s: wrong magic number 0x%08x: not an IDX %s file (expected 0x%08x)",
                         f->display, found, magic == ST_IDX_MAGIC_IMAGES ? "image" : "label",
                         magic);
          return FALSE;
        }
      if (!idx_file_read (f, header + 4, size - 4, &got, error))
        return FALSE;
      got += 4;
    }
  if (got < size)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: truncated header: the file ends after %" G_GINT64_FORMAT " of the %"
                   G_GINT64_FORMAT " header bytes", f->display, got, size);
      return FALSE;
    }
  for (int i = 0; i < rank; i++)
    dims[i] = read_be32 (header + 4 + 4 * i);
  return TRUE;
}

/* Refuses a header that promises more data than the file can hold, before any allocation.
 * `what` says what the header promises ("60000 images of 28×28"). */
static gboolean
check_capacity (IdxFile *f, gint64 header, gint64 bytes, const char *what, GError **error)
{
  gint64 cap = idx_file_capacity (f, header);

  if (bytes <= cap)
    return TRUE;
  if (gzdirect (f->gz))
    g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                 "%s: truncated, or a wrong header: it promises %s (%" G_GINT64_FORMAT
                 " bytes) but the file holds only %" G_GINT64_FORMAT " after its header",
                 f->display, what, bytes, cap);
  else
    g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                 "%s: a wrong header: it promises %s (%" G_GINT64_FORMAT " bytes), but a "
                 "compressed file of %" G_GINT64_FORMAT " bytes cannot hold that much",
                 f->display, what, bytes, f->file_size);
  return FALSE;
}

static gboolean
truncated_body (IdxFile *f, gint64 got, gint64 bytes, const char *what, GError **error)
{
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
               "%s: truncated: the header promises %s (%" G_GINT64_FORMAT " bytes) but the "
               "file holds only %" G_GINT64_FORMAT, f->display, what, bytes, got);
  return FALSE;
}

static guint8 *
read_labels (const char *path, gint64 *n, GError **error)
{
  g_auto (IdxFile) f = { 0 };
  g_autofree guint8 *labels = NULL;
  g_autofree char *what = NULL;
  guint32 dims[1];
  gint64 got;

  if (!idx_file_open (&f, path, error)
      || !idx_file_read_header (&f, ST_IDX_MAGIC_LABELS, 1, dims, error))
    return NULL;
  if (dims[0] == 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT, "%s: holds no labels",
                   f.display);
      return NULL;
    }
  what = g_strdup_printf ("%u labels", dims[0]);
  if (!check_capacity (&f, 8, dims[0], what, error))
    return NULL;
  labels = g_try_malloc (dims[0]);
  if (labels == NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                   "%s: %u labels do not fit in memory", f.display, dims[0]);
      return NULL;
    }
  if (!idx_file_read (&f, labels, dims[0], &got, error))
    return NULL;
  if (got < dims[0])
    {
      truncated_body (&f, got, dims[0], what, error);
      return NULL;
    }
  *n = dims[0];
  return g_steal_pointer (&labels);
}

StDataset *
st_idx_load (const char *images_path, const char *labels_path, int n_classes, GError **error)
{
  g_auto (IdxFile) f = { 0 };
  g_autofree guint8 *labels = NULL;
  g_autofree char *labels_display = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *what = NULL;
  g_autoptr (StDataset) ds = NULL;
  guint32 dims[3];
  gint64 n_labels = 0, bytes, got;
  int max_label = -1;

  g_return_val_if_fail (images_path != NULL, NULL);
  g_return_val_if_fail (labels_path != NULL, NULL);
  g_return_val_if_fail (n_classes >= 0 && n_classes <= ST_DATASET_MAX_CLASSES, NULL);

  labels = read_labels (labels_path, &n_labels, error);
  if (labels == NULL)
    return NULL;
  labels_display = g_filename_display_name (labels_path);

  if (!idx_file_open (&f, images_path, error)
      || !idx_file_read_header (&f, ST_IDX_MAGIC_IMAGES, 3, dims, error))
    return NULL;
  if (dims[0] == 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT, "%s: holds no images",
                   f.display);
      return NULL;
    }
  if (dims[1] == 0 || dims[2] == 0 || dims[1] > ST_DATASET_MAX_SIDE
      || dims[2] > ST_DATASET_MAX_SIDE)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: absurd image size %u×%u in the header (each side must be 1 to %d)",
                   f.display, dims[1], dims[2], ST_DATASET_MAX_SIDE);
      return NULL;
    }
  /* Each side is at most 2^14 and the count below 2^32: the product fits in 2^60. */
  bytes = (gint64) dims[0] * dims[1] * dims[2];
  what = g_strdup_printf ("%u images of %u×%u", dims[0], dims[1], dims[2]);
  if (!check_capacity (&f, 16, bytes, what, error))
    return NULL;
  if ((gint64) dims[0] != n_labels)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s holds %u images but %s holds %" G_GINT64_FORMAT " labels: the counts "
                   "must agree", f.display, dims[0], labels_display, n_labels);
      return NULL;
    }

  dir = g_path_get_dirname (images_path);
  name = g_path_get_basename (dir);
  ds = st_dataset_new (name, f.display, dims[0], 1, dims[1], dims[2], error);
  if (ds == NULL)
    return NULL;
  if (!idx_file_read (&f, ds->images, bytes, &got, error))
    return NULL;
  if (got < bytes)
    {
      truncated_body (&f, got, bytes, what, error);
      return NULL;
    }

  memcpy (ds->labels, labels, n_labels);
  for (gint64 i = 0; i < n_labels; i++)
    {
      if (n_classes > 0 && labels[i] >= n_classes)
        {
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                       "%s: label %u of example %" G_GINT64_FORMAT " is out of range "
                       "(%d classes: 0 to %d)", labels_display, labels[i], i, n_classes,
                       n_classes - 1);
          return NULL;
        }
      max_label = MAX (max_label, labels[i]);
    }
  st_dataset_set_classes (ds, n_classes > 0 ? n_classes : max_label + 1, NULL);
  return g_steal_pointer (&ds);
}

char *
st_idx_find (const char *dir, const char *stem)
{
  g_autofree char *path = NULL;
  g_autofree char *gz = NULL;

  g_return_val_if_fail (dir != NULL && stem != NULL, NULL);

  path = g_build_filename (dir, stem, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);
  gz = g_strconcat (path, ".gz", NULL);
  if (g_file_test (gz, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&gz);
  return NULL;
}
