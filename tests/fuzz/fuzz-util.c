/* fuzz-util.c: the scratch folder and the process set-up of the fuzz targets. */
#define G_LOG_DOMAIN "strata-fuzz"

#include "fuzz-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static char *scratch;
static volatile guint touched;   /* where fuzz_touch leaves its sum, so reads are not dropped */

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static void
remove_scratch (void)
{
  if (scratch != NULL)
    remove_tree (scratch);
  g_clear_pointer (&scratch, g_free);
}

static void
trap_to_abort (int sig)
{
  abort ();
}

void
fuzz_init (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      /* GLib ends a fatal message with a breakpoint (SIGTRAP), which libFuzzer does not
       * catch: turned into an abort, the input is saved as a crash like any other. */
      signal (SIGTRAP, trap_to_abort);
      g_once_init_leave (&done, 1);
    }
}

const char *
fuzz_scratch_dir (void)
{
  g_autoptr (GError) error = NULL;

  if (scratch != NULL)
    return scratch;
  /* TMPDIR=/dev/shm keeps the writes of a long run off the disk. */
  scratch = g_dir_make_tmp ("strata-fuzz-XXXXXX", &error);
  if (scratch == NULL)
    g_error ("cannot make the scratch folder: %s", error->message);
  atexit (remove_scratch);
  return scratch;
}

char *
fuzz_write_file (const char *name, const uint8_t *data, size_t size)
{
  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  size_t done = 0;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_error ("%s: cannot make the folder: %s", dir, g_strerror (errno));
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    g_error ("%s: cannot open: %s", path, g_strerror (errno));
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("%s: cannot write: %s", path, g_strerror (errno));
      done += (size_t) n;
    }
  close (fd);
  return g_steal_pointer (&path);
}

void
fuzz_remove (const char *name)
{
  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), name, NULL);

  remove_tree (path);
}

void
fuzz_rejected (const GError *error)
{
  g_assert (error != NULL && error->message[0] != '\0');
  g_debug ("refused: %s", error->message);
}

void
fuzz_touch (const void *p, size_t len)
{
  const guint8 *bytes = p;
  guint sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += bytes[i];
  touched = sum;
}
