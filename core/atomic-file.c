/* atomic-file.c: write beside, fsync, rename over, fsync the folder.
 *
 * The order is what makes it safe: the data must be on disk before the rename makes it
 * visible under the target's name (otherwise a crash can leave a renamed but empty file),
 * and the folder must be flushed after the rename for the new name to be durable.
 */
#define G_LOG_DOMAIN "strata-atomic-file"

#include "core/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* One write(2) call is capped so that the count fits every platform's ssize_t limits. */
#define MAX_WRITE_CHUNK ((gsize) 1 << 30)

struct _StAtomicFile {
  char    *path;      /* the target */
  char    *tmp_path;  /* the temporary beside it; NULL once removed or renamed */
  int      fd;        /* open on tmp_path, -1 once closed */
  int      failed;    /* errno of the write that failed, 0 while all is well */
};

/* ---- fault injection ----------------------------------------------------------------- */

static GMutex fault_lock;
static int fault_countdown;           /* > 0 while armed; read atomically on every call */
static StAtomicFileFault fault_kind;  /* under fault_lock */
static int fault_errno;               /* under fault_lock */

void
st_atomic_file_inject_fault (StAtomicFileFault fault, guint nth, int errno_value)
{
  g_return_if_fail (fault <= ST_ATOMIC_FILE_FAULT_RENAME);
  g_return_if_fail (nth <= G_MAXINT);

  g_mutex_lock (&fault_lock);
  fault_kind = nth > 0 ? fault : ST_ATOMIC_FILE_FAULT_NONE;
  fault_errno = errno_value;
  g_atomic_int_set (&fault_countdown, fault_kind != ST_ATOMIC_FILE_FAULT_NONE ? (int) nth : 0);
  g_mutex_unlock (&fault_lock);
}

gboolean
st_atomic_file_fault_pending (void)
{
  return g_atomic_int_get (&fault_countdown) > 0;
}

/* TRUE when the armed fault is of `kind` and this call is the one it targets. */
static gboolean
fault_fires (StAtomicFileFault kind, int *errno_value)
{
  gboolean fires = FALSE;

  if (G_LIKELY (g_atomic_int_get (&fault_countdown) == 0))
    return FALSE;

  g_mutex_lock (&fault_lock);
  if (fault_kind == kind && g_atomic_int_get (&fault_countdown) > 0)
    {
      int left = g_atomic_int_get (&fault_countdown) - 1;

      g_atomic_int_set (&fault_countdown, left);
      if (left == 0)
        {
          fires = TRUE;
          *errno_value = fault_errno;
          fault_kind = ST_ATOMIC_FILE_FAULT_NONE;
        }
    }
  g_mutex_unlock (&fault_lock);
  return fires;
}

static int
parse_errno (const char *text, int fallback)
{
  static const struct { const char *name; int value; } names[] = {
    { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
  };
  guint64 number;

  if (text == NULL)
    return fallback;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (text, names[i].name) == 0)
      return names[i].value;
  if (g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT, &number, NULL))
    return (int) number;
  return fallback;
}

/* STRATA_ATOMIC_FILE_FAULT=KIND:NTH[:ERRNO], see the header. */
static void
arm_fault_from_environment (void)
{
  static const struct { const char *name; StAtomicFileFault fault; int default_errno; } kinds[] = {
    { "write", ST_ATOMIC_FILE_FAULT_WRITE, ENOSPC },
    { "short", ST_ATOMIC_FILE_FAULT_SHORT, 0 },
    { "fsync", ST_ATOMIC_FILE_FAULT_FSYNC, EIO },
    { "rename", ST_ATOMIC_FILE_FAULT_RENAME, EIO },
  };
  const char *value = g_getenv ("STRATA_ATOMIC_FILE_FAULT");
  g_auto (GStrv) parts = NULL;
  guint64 nth;

  if (value == NULL || *value == '\0')
    return;
  parts = g_strsplit (value, ":", 3);
  if (parts[0] == NULL || parts[1] == NULL
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT, &nth, NULL))
    {
      g_warning ("STRATA_ATOMIC_FILE_FAULT=%s: expected KIND:NTH[:ERRNO]", value);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (parts[0], kinds[i].name) == 0)
      {
        st_atomic_file_inject_fault (kinds[i].fault, (guint) nth,
                                     parse_errno (parts[2], kinds[i].default_errno));
        return;
      }
  g_warning ("STRATA_ATOMIC_FILE_FAULT=%s: unknown kind “%s”", value, parts[0]);
}

/* ---- the file ------------------------------------------------------------------------ */

static void
set_errno_error (GError **error, int saved_errno, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "%s: could not save: %s: %s", path, what, g_strerror (saved_errno));
}

/* Closes and removes the temporary, keeping errno. */
static void
discard_temporary (StAtomicFile *file)
{
  int saved_errno = errno;

  if (file->fd >= 0)
    {
      close (file->fd);
      file->fd = -1;
    }
  if (file->tmp_path != NULL)
    {
      g_unlink (file->tmp_path);
      g_clear_pointer (&file->tmp_path, g_free);
    }
  errno = saved_errno;
}

static void
file_free (StAtomicFile *file)
{
  discard_temporary (file);
  g_free (file->path);
  g_free (file);
}

StAtomicFile *
st_atomic_file_open (const char *path, int mode, GError **error)
{
  static gsize environment_read = 0;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_name = NULL;
  StAtomicFile *file;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_once_init_enter (&environment_read))
    {
      arm_fault_from_environment ();
      g_once_init_leave (&environment_read, 1);
    }

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp_name = g_strdup_printf (".%s.tmp-XXXXXX", base);

  file = g_new0 (StAtomicFile, 1);
  file->path = g_strdup (path);
  file->tmp_path = g_build_filename (dir, tmp_name, NULL);
  file->fd = g_mkstemp_full (file->tmp_path, O_WRONLY | O_CLOEXEC, mode);
  if (file->fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *what = g_strdup_printf ("cannot create a temporary file in %s", dir);

      g_clear_pointer (&file->tmp_path, g_free);
      file_free (file);
      set_errno_error (error, saved_errno, path, what);
      return NULL;
    }
  return file;
}

const char *
st_atomic_file_get_path (const StAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->path;
}

gboolean
st_atomic_file_write (StAtomicFile *file, const void *data, gsize size, GError **error)
{
  const char *p = data;
  gsize left = size;

  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (file->failed != 0)
    {
      set_errno_error (error, file->failed, file->path, "an earlier write failed");
      return FALSE;
    }

  while (left > 0)
    {
      gsize chunk = MIN (left, MAX_WRITE_CHUNK);
      int injected;
      gssize n;

      if (G_UNLIKELY (fault_fires (ST_ATOMIC_FILE_FAULT_SHORT, &injected)))
        chunk = MAX (chunk / 2, 1);
      if (G_UNLIKELY (fault_fires (ST_ATOMIC_FILE_FAULT_WRITE, &injected)))
        {
          errno = injected;
          n = -1;
        }
      else
        n = write (file->fd, p, chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          /* write(2) returning 0 for a non-empty buffer means no room was left. */
          int saved_errno = n == 0 ? ENOSPC : errno;

          file->failed = saved_errno;
          discard_temporary (file);
          set_errno_error (error, saved_errno, file->path, "writing failed");
          return FALSE;
        }
      p += n;
      left -= (gsize) n;
    }
  return TRUE;
}

/* Makes the rename durable. File systems that cannot flush a folder say EINVAL; then there
 * is nothing more to do. */
static gboolean
sync_folder (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int rc;

  if (fd < 0)
    {
      set_errno_error (error, errno, path, "saved, but its folder could not be opened to flush it");
      return FALSE;
    }
  do
    rc = fsync (fd);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EINVAL && errno != EROFS)
    {
      int saved_errno = errno;

      close (fd);
      set_errno_error (error, saved_errno, path, "saved, but flushing its folder failed");
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Everything of a commit but freeing `file`; the temporary is removed by the caller when
 * this fails before the rename. */
static gboolean
replace_target (StAtomicFile *file, GError **error)
{
  int injected;
  int rc;

  if (file->failed != 0)
    {
      set_errno_error (error, file->failed, file->path, "an earlier write failed");
      return FALSE;
    }

  if (G_UNLIKELY (fault_fires (ST_ATOMIC_FILE_FAULT_FSYNC, &injected)))
    {
      errno = injected;
      rc = -1;
    }
  else
    do
      rc = fsync (file->fd);
    while (rc < 0 && errno == EINTR);
  if (rc < 0)
    {
      set_errno_error (error, errno, file->path, "flushing to disk failed");
      return FALSE;
    }

  /* Network file systems may report a failed write only here. Retrying close(2) after
   * EINTR is wrong on Linux: the descriptor is gone either way. */
  rc = close (file->fd);
  file->fd = -1;
  if (rc < 0 && errno != EINTR)
    {
      set_errno_error (error, errno, file->path, "closing the temporary file failed");
      return FALSE;
    }

  if (G_UNLIKELY (fault_fires (ST_ATOMIC_FILE_FAULT_RENAME, &injected)))
    {
      errno = injected;
      rc = -1;
    }
  else
    rc = g_rename (file->tmp_path, file->path);
  if (rc < 0)
    {
      set_errno_error (error, errno, file->path, "renaming the temporary file over it failed");
      return FALSE;
    }
  g_clear_pointer (&file->tmp_path, g_free);

  return sync_folder (file->path, error);
}

gboolean
st_atomic_file_commit (StAtomicFile *file, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ok = replace_target (file, error);
  file_free (file);
  return ok;
}

void
st_atomic_file_abort (StAtomicFile *file)
{
  if (file != NULL)
    file_free (file);
}

gboolean
st_atomic_file_set_contents (const char   *path,
                             const void   *data,
                             gsize         size,
                             int           mode,
                             GError      **error)
{
  g_autoptr (StAtomicFile) file = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);

  file = st_atomic_file_open (path, mode, error);
  if (file == NULL || !st_atomic_file_write (file, data, size, error))
    return FALSE;
  return st_atomic_file_commit (g_steal_pointer (&file), error);
}
