/* atomic-file.c: follow the links, check the target, write beside, fsync, rename over,
 * fsync the folder.
 *
 * The order is what makes it safe: the data must be on disk before the rename makes it
 * visible under the target's name (otherwise a crash can leave a renamed but empty file),
 * and the folder must be flushed after the rename for the new name to be durable.
 *
 * The temporary is locked (flock) from its creation until the rename, through a second
 * descriptor, since the one written is closed before the rename to catch a late write error.
 * A save removes a temporary of its target only once it holds that lock, and checks that the
 * name still leads to the file it locked; a save that finds its own new temporary locked or
 * gone (removed by such a save between creation and locking) makes another.
 */
#define G_LOG_DOMAIN "strata-atomic-file"

#include "core/io/atomic-file.h"
#include "core/io/atomic-file-private.h"
#include "core/io/i18n.h"

#include "core/io/input-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* One write(2) call is capped so that the count fits every platform's ssize_t limits. */
#define MAX_WRITE_CHUNK ((gsize) 1 << 30)

/* As Linux's limit on the links one path may go through (MAXSYMLINKS). */
#define MAX_LINKS 40

/* The temporary is ".STEM" TMP_SUFFIX "XXXXXX"; STEM is the target's name when that fits. */
#define TMP_SUFFIX ".tmp-"
#define TMP_RANDOM 6
/* What a shortened stem ends with: "~" and 8 hex digits of the SHA-256 of the full name. */
#define STEM_HASH 8

/* Attempts at a temporary that a concurrent clean-up does not take for a stale one. */
#define MAX_CREATE_ATTEMPTS 8

struct _StAtomicFile {
  char    *path;      /* the target as the caller named it, for messages */
  char    *target;    /* the file replaced: `path` with its symbolic links followed */
  char    *tmp_path;  /* the temporary beside `target`; NULL once removed or renamed */
  int      fd;        /* open on tmp_path for writing, -1 once closed */
  int      lock_fd;   /* holds the temporary's flock until the rename, -1 without */
  int      failed;    /* errno of the write that failed, 0 while all is well */
};

/* ---- the tests' seam (atomic-file-private.h) ---------------------------------------- */

static StAtomicFileFaultHook fault_hook;   /* NULL in every program but a test's */

void
st_atomic_file_set_fault_hook (StAtomicFileFaultHook hook)
{
  g_atomic_pointer_set (&fault_hook, hook);
}

/* TRUE when the test's hook makes this call misbehave as `kind`. */
static gboolean
fault_fires (StAtomicFileFault kind, int *errno_value)
{
  StAtomicFileFaultHook hook = g_atomic_pointer_get (&fault_hook);

  return hook != NULL && hook (kind, errno_value);
}

/* ---- the file ------------------------------------------------------------------------ */

static void
set_errno_error (GError **error, int saved_errno, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("%s: could not save: %s: %s"), path, what, g_strerror (saved_errno));
}

/* Closes and removes the temporary, keeping errno; the lock goes last, so no clean-up by
 * another save can open the temporary while it is still ours. */
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
  if (file->lock_fd >= 0)
    {
      close (file->lock_fd);
      file->lock_fd = -1;
    }
  errno = saved_errno;
}

static void
file_free (StAtomicFile *file)
{
  discard_temporary (file);
  g_free (file->path);
  g_free (file->target);
  g_free (file);
}

static gboolean
same_file (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* ---- the target ---------------------------------------------------------------------- */

/* `path` with the symbolic links at its end followed, as a path: a relative link is read
 * from the link's folder. The result is where the chain ends, whether or not a file is
 * there (a dangling link names the file to create). Links inside the folders of the path
 * are left to the kernel. */
static char *
follow_links (const char *path, gboolean *is_link, GError **error)
{
  g_autofree char *current = g_strdup (path);

  *is_link = FALSE;
  for (int hops = 0;; hops++)
    {
      g_autoptr (GError) local = NULL;
      g_autofree char *link = NULL;
      struct stat st;

      if (lstat (current, &st) < 0 || !S_ISLNK (st.st_mode))
        return g_steal_pointer (&current);
      if (hops == MAX_LINKS)
        {
          set_errno_error (error, ELOOP, path, _("following its symbolic links"));
          return NULL;
        }
      link = g_file_read_link (current, &local);
      if (link == NULL)
        {
          g_set_error (error, G_FILE_ERROR, local->code, _("%s: could not save: %s"), path,
                       local->message);
          return NULL;
        }
      *is_link = TRUE;
      if (!g_path_is_absolute (link))
        {
          g_autofree char *dir = g_path_get_dirname (current);
          g_autofree char *relative = g_steal_pointer (&link);

          link = g_build_filename (dir, relative, NULL);
        }
      g_free (current);
      current = g_steal_pointer (&link);
    }
}

/* Refuses what the rename must not replace: anything but a regular file, and a file we may
 * not write. When there is a file to replace, `exists` is set and `old` describes it.
 * Nothing is opened: opening a FIFO blocks until a reader comes. */
static gboolean
check_target (StAtomicFile  *file,
              gboolean       is_link,
              struct stat   *old,
              gboolean      *exists,
              GError       **error)
{
  struct stat seen;
  int access_errno = 0;

  *exists = FALSE;
  /* stat(2) follows the links as the kernel does, those of /proc/self/fd included. When it
   * finds nothing the file is created at the end of the chain, and creating the temporary
   * reports what is wrong with its folder. */
  if (stat (file->path, old) < 0)
    return TRUE;
  if (!S_ISREG (old->st_mode))
    {
      g_set_error (error, G_FILE_ERROR,
                   S_ISDIR (old->st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
                   _("%s: could not save: %s %s, not a regular file: "
                    "Strata saves only to regular files"),
                   file->path, is_link ? _("it links to") : _("it is"),
                   st_input_file_kind (old->st_mode));
      return FALSE;
    }
  /* A link of /proc/PID/fd can lead to no path of the file it opens ("/tmp/x (deleted)"). */
  if (lstat (file->target, &seen) < 0 || !same_file (&seen, old))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: could not save: its symbolic links lead to %s, "
                    "which is not the file they open"), file->path, file->target);
      return FALSE;
    }

  /* Root passes access(2) whatever the mode, but a file nobody may write was made read-only
   * on purpose: the rename would replace it all the same. */
  if (faccessat (AT_FDCWD, file->target, W_OK, AT_EACCESS) < 0)
    access_errno = errno;
  else if ((old->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
    access_errno = EACCES;
  if (access_errno == EACCES || access_errno == EPERM)
    {
      g_autofree char *subject = is_link ? g_strdup_printf (_("its link target %s is"),
                                                            file->target)
                                         : g_strdup (_("it is"));
      g_autofree char *why = (old->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0
        ? g_strdup_printf (_("read-only (mode %04o)"), (guint) (old->st_mode & 07777))
        : g_strdup_printf (_("not writable by this user (mode %04o, owner %u)"),
                           (guint) (old->st_mode & 07777), (guint) old->st_uid);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES,
                   _("%s: could not save: %s %s: Strata does not replace a file it may not write"),
                   file->path, subject, why);
      return FALSE;
    }
  if (access_errno != 0)
    {
      set_errno_error (error, access_errno, file->path, _("it cannot be written"));
      return FALSE;
    }
  *exists = TRUE;
  return TRUE;
}

/* The stem of the target's temporaries: its name, or, when ".NAME.tmp-XXXXXX" would be
 * longer than a name may be in `dir`, the name cut at a character boundary followed by "~"
 * and a hash of the whole name, so that long names alike at the start still differ. */
static char *
temporary_stem (const char *dir, const char *name)
{
  const gsize extra = 1 + strlen (TMP_SUFFIX) + TMP_RANDOM;
  long name_max = pathconf (dir, _PC_NAME_MAX);
  gsize len = strlen (name);
  g_autofree char *hash = NULL;
  gsize keep = 0;

  if (name_max <= 0)
    name_max = 255;
  if (len + extra <= (gsize) name_max)
    return g_strdup (name);
  if ((gsize) name_max > extra + 1 + STEM_HASH)
    keep = MIN (len, (gsize) name_max - extra - 1 - STEM_HASH);
  /* Not inside a UTF-8 sequence, whose continuation bytes are 10xxxxxx. */
  while (keep > 0 && keep < len && ((guchar) name[keep] & 0xc0) == 0x80)
    keep--;
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, (gssize) len);
  return g_strdup_printf ("%.*s~%.*s", (int) keep, name, STEM_HASH, hash);
}

/* `prefix` (".STEM.tmp-") followed by exactly what g_mkstemp() puts in place of XXXXXX. */
static gboolean
is_temporary_name (const char *name, const char *prefix, gsize prefix_len)
{
  const char *random = name + prefix_len;

  if (strncmp (name, prefix, prefix_len) != 0 || strlen (random) != TMP_RANDOM)
    return FALSE;
  for (const char *p = random; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

/* Removes what saves of this target killed before their rename left behind: files named
 * exactly as its temporaries are, regular, ours, and not locked by a save in progress. */
static void
remove_stale_temporaries (const char *dir, const char *stem)
{
  g_autofree char *prefix = g_strconcat (".", stem, TMP_SUFFIX, NULL);
  gsize prefix_len = strlen (prefix);
  g_autoptr (GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat named, opened;
      int fd;

      if (!is_temporary_name (name, prefix, prefix_len))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (lstat (path, &named) < 0 || !S_ISREG (named.st_mode) || named.st_uid != geteuid ())
        continue;
      fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
      if (fd < 0)
        continue;
      /* Once locked, the name must still lead to the file locked: it may have been removed
       * and made again by another save meanwhile. A file system without locks keeps all. */
      if (fstat (fd, &opened) == 0 && same_file (&opened, &named)
          && flock (fd, LOCK_EX | LOCK_NB) == 0
          && lstat (path, &named) == 0 && same_file (&named, &opened)
          && g_unlink (path) == 0)
        g_debug ("%s: removed a stale temporary", path);
      close (fd);
    }
}

/* Creates the temporary and locks it; returns 0 or an errno. A temporary that another
 * save's clean-up locked or removed before we could lock it is left to that save. */
static int
create_temporary (StAtomicFile *file, const char *dir, const char *stem, int mode)
{
  g_autofree char *tmp_name = g_strconcat (".", stem, TMP_SUFFIX, "XXXXXX", NULL);

  for (int attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++)
    {
      struct stat opened, named;
      int saved_errno;
      int fd;

      g_free (file->tmp_path);
      file->tmp_path = g_build_filename (dir, tmp_name, NULL);
      fd = g_mkstemp_full (file->tmp_path, O_WRONLY | O_CLOEXEC, mode);
      if (fd < 0)
        {
          saved_errno = errno;
          g_clear_pointer (&file->tmp_path, g_free);
          return saved_errno;
        }

      if (flock (fd, LOCK_EX | LOCK_NB) < 0)
        {
          if (errno == EWOULDBLOCK)
            {
              close (fd);
              continue;
            }
          /* No locks on this file system: saved unlocked, and never cleaned up. */
        }
      else if (fstat (fd, &opened) < 0 || lstat (file->tmp_path, &named) < 0
               || !same_file (&opened, &named))
        {
          close (fd);
          continue;
        }
      else
        {
          /* A second descriptor of the same open file keeps the lock when `fd` is closed. */
          file->lock_fd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
          if (file->lock_fd < 0)
            {
              saved_errno = errno;
              close (fd);
              g_unlink (file->tmp_path);
              g_clear_pointer (&file->tmp_path, g_free);
              return saved_errno;
            }
        }
      file->fd = fd;
      return 0;
    }
  g_clear_pointer (&file->tmp_path, g_free);
  return EEXIST;
}

/* The new file takes the mode of the one it replaces, and its owner and group as far as we
 * may give them (root may; another user only a group of theirs). */
static gboolean
keep_permissions (StAtomicFile *file, const struct stat *old, GError **error)
{
  struct stat st;

  if (fstat (file->fd, &st) == 0 && (st.st_uid != old->st_uid || st.st_gid != old->st_gid)
      && fchown (file->fd, old->st_uid, old->st_gid) < 0
      && fchown (file->fd, (uid_t) -1, old->st_gid) < 0)
    g_debug ("%s: the new file keeps our owner and group: %s", file->path, g_strerror (errno));
  if (fchmod (file->fd, old->st_mode & 0777) < 0)
    {
      set_errno_error (error, errno, file->path,
                       _("cannot give the new file the mode of the one it replaces"));
      return FALSE;
    }
  return TRUE;
}

StAtomicFile *
st_atomic_file_open (const char *path, int mode, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *stem = NULL;
  StAtomicFile *file;
  struct stat old;
  gboolean is_link = FALSE;
  gboolean exists = FALSE;
  int saved_errno;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_new0 (StAtomicFile, 1);
  file->path = g_strdup (path);
  file->fd = -1;
  file->lock_fd = -1;
  file->target = follow_links (path, &is_link, error);
  if (file->target == NULL || !check_target (file, is_link, &old, &exists, error))
    {
      file_free (file);
      return NULL;
    }

  dir = g_path_get_dirname (file->target);
  base = g_path_get_basename (file->target);
  stem = temporary_stem (dir, base);
  remove_stale_temporaries (dir, stem);
  /* Until it has the old file's mode, the temporary is ours alone. */
  saved_errno = create_temporary (file, dir, stem, exists ? 0600 : mode);
  if (saved_errno != 0)
    {
      g_autofree char *what = g_strdup_printf (_("cannot create a temporary file in %s"), dir);

      file_free (file);
      set_errno_error (error, saved_errno, path, what);
      return NULL;
    }
  if (exists && !keep_permissions (file, &old, error))
    {
      file_free (file);
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
      set_errno_error (error, file->failed, file->path, _("an earlier write failed"));
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
          set_errno_error (error, saved_errno, file->path, _("writing failed"));
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
sync_folder (StAtomicFile *file, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (file->target);
  const char *path = file->path;
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int rc;

  if (fd < 0)
    {
      set_errno_error (error, errno, path,
                       _("saved, but its folder could not be opened to flush it"));
      return FALSE;
    }
  do
    rc = fsync (fd);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EINVAL && errno != EROFS)
    {
      int saved_errno = errno;

      close (fd);
      set_errno_error (error, saved_errno, path, _("saved, but flushing its folder failed"));
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
      set_errno_error (error, file->failed, file->path, _("an earlier write failed"));
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
      set_errno_error (error, errno, file->path, _("flushing to disk failed"));
      return FALSE;
    }

  /* Network file systems may report a failed write only here. Retrying close(2) after
   * EINTR is wrong on Linux: the descriptor is gone either way. The lock stays, on
   * lock_fd, until the temporary has become the target. */
  rc = close (file->fd);
  file->fd = -1;
  if (rc < 0 && errno != EINTR)
    {
      set_errno_error (error, errno, file->path, _("closing the temporary file failed"));
      return FALSE;
    }

  if (G_UNLIKELY (fault_fires (ST_ATOMIC_FILE_FAULT_RENAME, &injected)))
    {
      errno = injected;
      rc = -1;
    }
  else
    rc = g_rename (file->tmp_path, file->target);
  if (rc < 0)
    {
      set_errno_error (error, errno, file->path, _("renaming the temporary file over it failed"));
      return FALSE;
    }
  g_clear_pointer (&file->tmp_path, g_free);

  return sync_folder (file, error);
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
