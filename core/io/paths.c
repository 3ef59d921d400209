/* paths.c: see paths.h. */
#define G_LOG_DOMAIN "strata-paths"

#include "core/io/paths.h"
#include "core/io/i18n.h"

#include "core/io/input-file.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

gboolean
st_output_check (const char *what, const char *path, GError **error)
{
  g_autofree char *folder = NULL;
  struct stat st;

  g_return_val_if_fail (what != NULL && path != NULL, FALSE);

  if (*path == '\0')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: the file name is empty"), what);
      return FALSE;
    }
  if (stat (path, &st) == 0)
    {
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, G_FILE_ERROR,
                       S_ISDIR (st.st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
                       _("%s %s: %s, not a regular file; give a file name"), what, path,
                       st_input_file_kind (st.st_mode));
          return FALSE;
        }
      if (access (path, W_OK) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("%s %s: the file cannot be written (%s)"), what, path,
                       g_strerror (saved));
          return FALSE;
        }
      /* no write bit at all: read-only on purpose, even for root (as atomic-file.c) */
      if ((st.st_mode & 0222) == 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES,
                       _("%s %s: the file cannot be written (it is read-only, mode %04o)"), what,
                       path, (unsigned) (st.st_mode & 07777));
          return FALSE;
        }
      return TRUE;
    }
  if (errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _("%s %s: %s"), what,
                   path, g_strerror (saved));
      return FALSE;
    }
  /* A new file: its folder must exist and take new files. A name ending in '/' names a
   * folder. */
  if (g_str_has_suffix (path, G_DIR_SEPARATOR_S))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   _("%s %s: names a folder; give a file name"), what, path);
      return FALSE;
    }
  folder = g_path_get_dirname (path);
  if (stat (folder, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("%s %s: the folder %s does not exist"), what, path, folder);
      return FALSE;
    }
  if (access (folder, W_OK | X_OK) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s %s: no new file can be made in %s (%s)"), what, path, folder,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* A file's identity: its device and inode when it exists (links followed), else its
 * folder's resolved path and its name. */
typedef struct {
  gboolean exists;
  dev_t    dev;
  ino_t    ino;
  char    *resolved;
} Identity;

static void
identity_init (Identity *id, const char *path)
{
  struct stat st;

  id->resolved = NULL;
  id->exists = stat (path, &st) == 0;
  if (id->exists)
    {
      id->dev = st.st_dev;
      id->ino = st.st_ino;
      return;
    }
  {
    g_autofree char *folder = g_path_get_dirname (path);
    g_autofree char *name = g_path_get_basename (path);
    char *real = realpath (folder, NULL);

    id->resolved = g_build_filename (real != NULL ? real : folder, name, NULL);
    free (real);
  }
}

static gboolean
identity_equal (const Identity *a, const Identity *b)
{
  if (a->exists != b->exists)
    return FALSE;
  if (a->exists)
    return a->dev == b->dev && a->ino == b->ino;
  return g_strcmp0 (a->resolved, b->resolved) == 0;
}

gboolean
st_paths_same_file (const char *a, const char *b)
{
  Identity x, y;
  gboolean same;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  identity_init (&x, a);
  identity_init (&y, b);
  same = identity_equal (&x, &y);
  g_free (x.resolved);
  g_free (y.resolved);
  return same;
}

/* The regular files directly in `folder`, as paths. */
static GPtrArray *
files_in (const char *folder)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      char *path = g_build_filename (folder, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, path);
      else
        g_free (path);
    }
  return files;
}

gboolean
st_run_files_check (const StRunFile *inputs, gsize n_inputs, const StRunFile *outputs,
                    gsize n_outputs, GError **error)
{
  for (gsize o = 0; o < n_outputs; o++)
    {
      const StRunFile *out = &outputs[o];

      if (out->path == NULL)
        continue;
      for (gsize i = 0; i < n_inputs; i++)
        {
          const StRunFile *in = &inputs[i];
          g_autoptr (GPtrArray) files = NULL;

          if (in->path == NULL)
            continue;
          if (!g_file_test (in->path, G_FILE_TEST_IS_DIR))
            {
              if (st_paths_same_file (out->path, in->path))
                {
                  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                               _("%s %s is %s (%s): writing it would destroy it"), out->what,
                               out->path, in->what, in->path);
                  return FALSE;
                }
              continue;
            }
          files = files_in (in->path);
          for (guint f = 0; f < files->len; f++)
            if (st_paths_same_file (out->path, files->pdata[f]))
              {
                g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                             _("%s %s is a file of %s (%s): writing it would destroy it"),
                             out->what, out->path, in->what, (const char *) files->pdata[f]);
                return FALSE;
              }
        }
      for (gsize p = 0; p < o; p++)
        if (outputs[p].path != NULL && st_paths_same_file (out->path, outputs[p].path))
          {
            g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                         _("%s and %s both name %s: one would overwrite the other"),
                         outputs[p].what, out->what, out->path);
            return FALSE;
          }
    }
  return TRUE;
}
