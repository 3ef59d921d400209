/* input-file.c: refusing what is not a regular file, before anything waits on it. */
#define G_LOG_DOMAIN "strata-input-file"

#include "core/io/input-file.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void
set_errno_error (GError **error, int saved_errno, const char *path, const char *doing)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), _("%s: %s: %s"),
               display, doing, g_strerror (saved_errno));
}

const char *
st_input_file_kind (mode_t mode)
{
  if (S_ISREG (mode))
    return _("a regular file");
  if (S_ISDIR (mode))
    return _("a folder");
  if (S_ISFIFO (mode))
    return _("a FIFO");
  if (S_ISCHR (mode))
    return _("a character device");
  if (S_ISBLK (mode))
    return _("a block device");
  if (S_ISSOCK (mode))
    return _("a socket");
  return _("something else");
}

/* TRUE for a regular file; otherwise sets `error` to what it is instead. */
static gboolean
check_mode (const char *path, mode_t mode, GError **error)
{
  g_autofree char *display = NULL;

  if (S_ISREG (mode))
    return TRUE;
  display = g_filename_display_name (path);
  g_set_error (error, G_FILE_ERROR, S_ISDIR (mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
               _("%s: %s, not a regular file"), display, st_input_file_kind (mode));
  return FALSE;
}

gboolean
st_input_file_check (const char *path, GError **error)
{
  GStatBuf info;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_stat (path, &info) < 0)
    {
      set_errno_error (error, errno, path, _("cannot read"));
      return FALSE;
    }
  return check_mode (path, info.st_mode, error);
}

static gboolean
read_all (int fd, char *buffer, gsize size, gsize *got, const char *path, GError **error)
{
  *got = 0;
  while (*got < size)
    {
      gssize n = read (fd, buffer + *got, MIN (size - *got, (gsize) 1 << 30));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, errno, path, _("cannot read"));
          return FALSE;
        }
      if (n == 0)
        break;
      *got += (gsize) n;
    }
  return TRUE;
}

int
st_input_file_open (const char *path, gint64 *size, GError **error)
{
  struct stat info;
  int fd, flags;

  g_return_val_if_fail (path != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!st_input_file_check (path, error))
    return -1;
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      set_errno_error (error, errno, path, _("cannot open"));
      return -1;
    }
  if (fstat (fd, &info) < 0)
    {
      set_errno_error (error, errno, path, _("cannot read"));
      close (fd);
      return -1;
    }
  if (!check_mode (path, info.st_mode, error))
    {
      close (fd);
      return -1;
    }
  /* a regular file: reads may block as usual again */
  if ((flags = fcntl (fd, F_GETFL)) < 0 || fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    {
      set_errno_error (error, errno, path, _("cannot open"));
      close (fd);
      return -1;
    }
  if (size != NULL)
    *size = info.st_size;
  return fd;
}

char *
st_input_file_read (const char  *path,
                     gsize        max_size,
                     const char  *what,
                     gsize       *length,
                     GError     **error)
{
  g_autofree char *data = NULL;
  gint64 file_size = 0;
  gsize got = 0;
  gboolean ok;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (what != NULL, NULL);
  g_return_val_if_fail (length != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = st_input_file_open (path, &file_size, error);
  if (fd < 0)
    return NULL;
  if (file_size < 0 || (guint64) file_size > max_size)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_autofree char *size = g_format_size_full ((guint64) file_size, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *limit = g_format_size_full (max_size, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("%s: %s is too large for %s; Strata reads at most %s"), display, size, what,
                   limit);
      close (fd);
      return NULL;
    }

  data = g_try_malloc ((gsize) file_size + 1);
  if (data == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _("%s: the file is too large for memory"), display);
      close (fd);
      return NULL;
    }
  ok = read_all (fd, data, (gsize) file_size, &got, path, error);
  close (fd);
  if (!ok)
    return NULL;
  data[got] = '\0';
  *length = got;
  return g_steal_pointer (&data);
}
