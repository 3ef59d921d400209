/* idx.c: reading IDX image and label files, gzip-compressed or raw.
 *
 * Nothing is allocated before the header has been checked against what the file can
 * hold: a raw file holds its size less the header; a .gz file at most about 1032 times its
 * size, the best deflate can do. So a corrupt header fails at once, naming the file,
 * instead of asking for terabytes. What passes that check is then weighed against the memory
 * available (st_dataset_new), since a .gz file of 12 MB may well unpack to 8 GB.
 *
 * The body is read in slices of a few MB, asking between them whether to stop; when only the
 * first N examples are wanted, only their bytes are read (and inflated).
 */
#define G_LOG_DOMAIN "strata-idx"

#include "core/data/idx.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_DEFLATE_RATIO 1032
#define READ_SLICE        (4 << 20)   /* bytes read between two questions to stop */

typedef struct {
  gzFile                      gz;
  char                       *display;   /* the path, for messages */
  gint64                      file_size;
  const StDatasetReadControl *control;   /* borrowed; may be NULL */
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
idx_file_open (IdxFile *f, const char *path, const StDatasetReadControl *control,
               GError **error)
{
  int saved;

  int fd;

  f->display = g_filename_display_name (path);
  f->control = control;
  /* Checked before the open, which a FIFO would block. */
  fd = st_dataset_open_file (path, &f->file_size, error);
  if (fd < 0)
    return FALSE;
  f->gz = gzdopen (fd, "rb");
  if (f->gz == NULL)
    {
      saved = errno;
      close (fd);
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO, _("%s: cannot open: %s"),
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
      unsigned chunk = (unsigned) MIN (len - *got, READ_SLICE);
      int r;

      if (!st_dataset_keep_reading (f->control, f->display, error))
        return FALSE;
      r = gzread (f->gz, buf + *got, chunk);

      if (r < 0)
        {
          const char *msg = gzerror (f->gz, &errnum);

          if (errnum == Z_BUF_ERROR)
            break;
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO,
                       _("%s: cannot read: %s (a damaged .gz file?)"), f->display, msg);
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
                         _("%s: wrong magic number 0x%08x: this is an IDX %s file where %s were "
                           "expected (0x%08x)"), f->display, found,
                         found == ST_IDX_MAGIC_IMAGES ? C_("IDX file", "image")
                                                      : C_("IDX file", "label"),
                         magic == ST_IDX_MAGIC_IMAGES ? C_("IDX file", "images")
                                                      : C_("IDX file", "labels"), magic);
          else
            g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                         _("%s: wrong magic number 0x%08x: not an IDX %s file (expected 0x%08x)"),
                         f->display, found, magic == ST_IDX_MAGIC_IMAGES
                                            ? C_("IDX file", "image") : C_("IDX file", "label"),
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
                   _("%s: truncated header: the file ends after %" PRId64 " of the %"
                     PRId64 " header bytes"), f->display, got, size);
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
                 _("%s: truncated, or a wrong header: it promises %s (%" PRId64
                   " bytes) but the file holds only %" PRId64 " after its header"),
                 f->display, what, bytes, cap);
  else
    g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                 _("%s: a wrong header: it promises %s (%" PRId64 " bytes), but a "
                   "compressed file of %" PRId64 " bytes cannot hold that much"),
                 f->display, what, bytes, f->file_size);
  return FALSE;
}

static gboolean
truncated_body (IdxFile *f, gint64 got, gint64 bytes, const char *what, GError **error)
{
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
               _("%s: truncated: the header promises %s (%" PRId64 " bytes) but the "
                 "file holds only %" PRId64), f->display, what, bytes, got);
  return FALSE;
}

/* What is read, for messages: "60000 images of 28×28", or "the first 1000 of 60000 images
 * of 28×28" when only those are. */
static char *
promise_text (guint32 count, gint64 n, const char *unit)
{
  if (n < count)
    return g_strdup_printf (_("the first %" PRId64 " of %u %s"), n, count, unit);
  return g_strdup_printf (C_("IDX count and unit", "%u %s"), count, unit);
}

/* Reads `len` bytes into `buf`; a file that ends before is truncated. */
static gboolean
idx_file_read_body (IdxFile *f, guint8 *buf, gint64 len, const char *what, GError **error)
{
  gint64 got;

  if (!idx_file_read (f, buf, len, &got, error))
    return FALSE;
  if (got < len)
    return truncated_body (f, got, len, what, error);
  return TRUE;
}

StDataset *
st_idx_load (const char *images_path, const char *labels_path, int n_classes, GError **error)
{
  return st_idx_load_full (images_path, labels_path, n_classes, NULL, error);
}

StDataset *
st_idx_load_full (const char *images_path, const char *labels_path, int n_classes,
                  const StDatasetReadControl *control, GError **error)
{
  g_auto (IdxFile) lf = { 0 };
  g_auto (IdxFile) f = { 0 };
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *labels_what = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *images_what = NULL;
  g_autoptr (StDataset) ds = NULL;
  guint32 ldims[1], dims[3];
  gint64 n, bytes;
  int max_label = -1;

  g_return_val_if_fail (images_path != NULL, NULL);
  g_return_val_if_fail (labels_path != NULL, NULL);
  g_return_val_if_fail (n_classes >= 0 && n_classes <= ST_DATASET_MAX_CLASSES, NULL);
  g_return_val_if_fail (control == NULL || control->max_examples >= 0, NULL);

  /* Both headers are checked, each against its file, before anything is allocated. */
  if (!idx_file_open (&lf, labels_path, control, error)
      || !idx_file_read_header (&lf, ST_IDX_MAGIC_LABELS, 1, ldims, error))
    return NULL;
  if (ldims[0] == 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT, _("%s: holds no labels"),
                   lf.display);
      return NULL;
    }
  labels_what = promise_text (ldims[0], ldims[0], C_("IDX unit", "labels"));
  if (!check_capacity (&lf, 8, ldims[0], labels_what, error))
    return NULL;

  if (!idx_file_open (&f, images_path, control, error)
      || !idx_file_read_header (&f, ST_IDX_MAGIC_IMAGES, 3, dims, error))
    return NULL;
  if (dims[0] == 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT, _("%s: holds no images"),
                   f.display);
      return NULL;
    }
  if (dims[1] == 0 || dims[2] == 0 || dims[1] > ST_DATASET_MAX_SIDE
      || dims[2] > ST_DATASET_MAX_SIDE)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: absurd image size %u×%u in the header (each side must be 1 to %d)"),
                   f.display, dims[1], dims[2], ST_DATASET_MAX_SIDE);
      return NULL;
    }
  /* Each side is at most 2^14 and the count below 2^32: the product fits in 2^60. The
   * whole promise is checked, limit or not: a header that lies is a damaged file. */
  unit = g_strdup_printf (_("images of %u×%u"), dims[1], dims[2]);
  images_what = promise_text (dims[0], dims[0], unit);
  if (!check_capacity (&f, 16, (gint64) dims[0] * dims[1] * dims[2], images_what, error))
    return NULL;
  if (dims[0] != ldims[0])
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s holds %u images but %s holds %u labels: the counts must agree"),
                   f.display, dims[0], lf.display, ldims[0]);
      return NULL;
    }

  n = dims[0];
  if (control != NULL && control->max_examples > 0)
    n = MIN (n, control->max_examples);
  bytes = n * dims[1] * dims[2];
  dir = g_path_get_dirname (images_path);
  name = g_path_get_basename (dir);
  ds = st_dataset_new (name, f.display, n, 1, dims[1], dims[2], error);
  if (ds == NULL)
    return NULL;

  g_free (labels_what);
  labels_what = promise_text (ldims[0], n, C_("IDX unit", "labels"));
  g_free (images_what);
  images_what = promise_text (dims[0], n, unit);
  if (!idx_file_read_body (&lf, ds->labels, n, labels_what, error)
      || !idx_file_read_body (&f, ds->images, bytes, images_what, error))
    return NULL;

  for (gint64 i = 0; i < n; i++)
    {
      if (n_classes > 0 && ds->labels[i] >= n_classes)
        {
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                       _("%s: label %u of example %" PRId64 " is out of range "
                         "(%d classes: 0 to %d)"), lf.display, ds->labels[i], i, n_classes,
                       n_classes - 1);
          return NULL;
        }
      max_label = MAX (max_label, ds->labels[i]);
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
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  gz = g_strconcat (path, ".gz", NULL);
  if (g_file_test (gz, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&gz);
  return NULL;
}
