/* test-atomic-target: what an atomic save does with what is at its path — a symbolic link
 * is followed (through chains; a dangling one makes its target, a loop is refused) and stays
 * a link; a FIFO, a device and a folder are refused and left alone; a read-only file is
 * refused; the mode of a replaced file is kept.
 */
#define G_LOG_DOMAIN "strata-test-atomic-target"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/io/atomic-file.h"
#include "safetensors-files.h"
#include "test-util.h"

/* ---- what the target is ---------------------------------------------------------------- */

/* A FIFO is refused at once (opening it would block until a reader came) and stays a FIFO;
 * so is a link to one, and a link to /proc/self/fd/N where N is a pipe. */
static void
test_atomic_fifo (Fixture *f, gconstpointer unused)
{
  g_autofree char *fifo = path_in (f, "pipe");
  g_autofree char *link = path_in (f, "to-pipe");
  g_autofree char *proc_link = path_in (f, "to-proc");
  g_autofree char *proc_target = NULL;
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;
  int fds[2];

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  start = g_get_monotonic_time ();
  g_assert_false (save_text (fifo, "weights", 0644, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  assert_message (error, fifo, (const char *[]) { "it is a FIFO, not a regular file",
                                                  "Strata saves only to regular files", NULL });
  g_clear_error (&error);
  g_assert_true (S_ISFIFO (lstat_mode (fifo)));

  g_assert_cmpint (symlink ("pipe", link), ==, 0);
  g_assert_false (save_text (link, "weights", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  assert_message (error, link, (const char *[]) { "links to a FIFO, not a regular file", NULL });
  g_clear_error (&error);
  assert_link (link, "pipe");
  g_assert_true (S_ISFIFO (lstat_mode (fifo)));

  /* What `--save /dev/stdout` is when the output goes to a pipe. */
  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  proc_target = g_strdup_printf ("/proc/self/fd/%d", fds[1]);
  g_assert_cmpint (symlink (proc_target, proc_link), ==, 0);
  g_assert_false (save_text (proc_link, "weights", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  assert_message (error, proc_link, (const char *[]) { "a FIFO, not a regular file", NULL });
  g_clear_error (&error);
  assert_link (proc_link, proc_target);
  close (fds[0]);
  close (fds[1]);

  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "pipe to-pipe to-proc");
}

/* A character device made in the test's own folder with /dev/full's numbers, as
 * `--save /dev/full` met it: refused, still the device. Only root may make one. */
static void
test_atomic_device (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "full");
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;
  struct stat st;

  if (mknod (path, S_IFCHR | 0666, makedev (1, 7)) < 0)
    {
      g_autofree char *reason = g_strdup_printf ("mknod: %s (needs root)", g_strerror (errno));
      g_test_skip (reason);
      return;
    }
  g_assert_false (save_text (path, "weights", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  assert_message (error, path, (const char *[]) { "it is a character device, not a regular file",
                                                  NULL });
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpuint (st.st_rdev, ==, makedev (1, 7));
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "full");
}

/* A folder: refused as such, not a failed rename, and nothing is left behind. */
static void
test_atomic_folder (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "sub");
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  g_assert_false (save_text (path, "weights", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  assert_message (error, path, (const char *[]) { "it is a folder, not a regular file", NULL });
  g_assert_true (S_ISDIR (lstat_mode (path)));
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "sub");
}

/* ---- symbolic links ------------------------------------------------------------------- */

/* A link to a weights file stays a link and the file it points to gets the new contents,
 * also from a link in another folder whose relative target is read from there. */
static void
test_atomic_symlink (Fixture *f, gconstpointer unused)
{
  g_autofree char *real = path_in (f, "real.bin");
  g_autofree char *link = path_in (f, "link.bin");
  g_autofree char *sub = path_in (f, "sub");
  g_autofree char *up = g_build_filename (sub, "up.bin", NULL);
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;
  StAtomicFile *file;

  g_assert_true (save_text (real, "old", 0644, &error));
  g_assert_cmpint (symlink ("real.bin", link), ==, 0);

  file = st_atomic_file_open (link, 0644, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;
  g_assert_cmpstr (st_atomic_file_get_path (file), ==, link);
  g_assert_true (st_atomic_file_write (file, "new", 3, &error));
  g_assert_true (st_atomic_file_commit (file, &error));
  g_assert_no_error (error);
  assert_link (link, "real.bin");
  assert_contents (real, "new");

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (symlink ("../real.bin", up), ==, 0);
  g_assert_true (save_text (up, "newer", 0644, &error));
  g_assert_no_error (error);
  assert_link (up, "../real.bin");
  assert_contents (real, "newer");

  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "link.bin real.bin sub");
  g_assert_cmpuint (count_temporaries (sub), ==, 0);
}

/* Two links, one relative into a subfolder and one absolute back out. */
static void
test_atomic_symlink_chain (Fixture *f, gconstpointer unused)
{
  g_autofree char *real = path_in (f, "real.bin");
  g_autofree char *first = path_in (f, "first.bin");
  g_autofree char *sub = path_in (f, "sub");
  g_autofree char *second = g_build_filename (sub, "second.bin", NULL);
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (save_text (real, "old", 0600, &error));
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (symlink ("sub/second.bin", first), ==, 0);
  g_assert_cmpint (symlink (real, second), ==, 0);

  g_assert_true (save_text (first, "new", 0644, &error));
  g_assert_no_error (error);
  assert_link (first, "sub/second.bin");
  assert_link (second, real);
  assert_contents (real, "new");
  g_assert_cmpuint (lstat_mode (real) & 07777, ==, 0600);
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "first.bin real.bin sub");
  g_assert_cmpuint (count_temporaries (sub), ==, 0);
}

/* A link to nothing yet: the file is made where the link points, and the link then works. */
static void
test_atomic_symlink_dangling (Fixture *f, gconstpointer unused)
{
  g_autofree char *link = path_in (f, "link.bin");
  g_autofree char *sub = path_in (f, "sub");
  g_autofree char *made = g_build_filename (sub, "made.bin", NULL);
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;
  mode_t old_umask;

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (symlink ("sub/made.bin", link), ==, 0);
  old_umask = umask (022);
  g_assert_true (save_text (link, "new", 0666, &error));
  umask (old_umask);
  g_assert_no_error (error);
  assert_link (link, "sub/made.bin");
  assert_contents (made, "new");
  assert_contents (link, "new");
  g_assert_cmpuint (lstat_mode (made) & 07777, ==, 0644);
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "link.bin sub");
}

/* Links that lead back to themselves are refused and left as they were. */
static void
test_atomic_symlink_loop (Fixture *f, gconstpointer unused)
{
  g_autofree char *a = path_in (f, "a.bin");
  g_autofree char *b = path_in (f, "b.bin");
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (symlink ("b.bin", a), ==, 0);
  g_assert_cmpint (symlink ("a.bin", b), ==, 0);
  g_assert_false (save_text (a, "new", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  assert_message (error, a, (const char *[]) { "symbolic links", NULL });
  assert_link (a, "b.bin");
  assert_link (b, "a.bin");
  g_assert_cmpuint (count_temporaries (f->dir), ==, 0);
}

/* ---- permissions ---------------------------------------------------------------------- */

/* A read-only file is refused, even by root (who may write anything): unchanged, still
 * 0444; through a link too. */
static void
test_atomic_read_only (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "ro.bin");
  g_autofree char *link = path_in (f, "link.bin");
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (save_text (path, "old", 0644, &error));
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  g_assert_false (save_text (path, "new", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
  assert_message (error, path, (const char *[]) { "read-only", "0444", NULL });
  g_clear_error (&error);
  assert_contents (path, "old");
  g_assert_cmpuint (lstat_mode (path) & 07777, ==, 0444);

  g_assert_cmpint (symlink ("ro.bin", link), ==, 0);
  g_assert_false (save_text (link, "new", 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
  assert_message (error, link, (const char *[]) { "ro.bin", "read-only", NULL });
  assert_contents (path, "old");
  assert_link (link, "ro.bin");
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "link.bin ro.bin");
}

/* A replaced file keeps its mode, whatever the caller asks for; a new one gets the mode
 * asked for, less the umask. */
static void
test_atomic_mode (Fixture *f, gconstpointer unused)
{
  static const guint modes[] = { 0600, 0640, 0755, 0604 };
  g_autofree char *fresh = path_in (f, "fresh.bin");
  g_autoptr (GError) error = NULL;
  mode_t old_umask = umask (022);

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *name = g_strdup_printf ("w%04o.bin", modes[i]);
      g_autofree char *path = path_in (f, name);

      g_assert_true (save_text (path, "old", 0644, &error));
      g_assert_cmpint (g_chmod (path, modes[i]), ==, 0);
      g_assert_true (save_text (path, "new", 0644, &error));
      g_assert_no_error (error);
      g_clear_error (&error);
      assert_contents (path, "new");
      g_assert_cmpuint (lstat_mode (path) & 07777, ==, modes[i]);
    }

  g_assert_true (save_text (fresh, "new", 0666, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lstat_mode (fresh) & 07777, ==, 0644);
  umask (old_umask);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/atomic-file/fifo", test_atomic_fifo);
  ADD ("/atomic-file/device", test_atomic_device);
  ADD ("/atomic-file/folder", test_atomic_folder);
  ADD ("/atomic-file/symlink", test_atomic_symlink);
  ADD ("/atomic-file/symlink-chain", test_atomic_symlink_chain);
  ADD ("/atomic-file/symlink-dangling", test_atomic_symlink_dangling);
  ADD ("/atomic-file/symlink-loop", test_atomic_symlink_loop);
  ADD ("/atomic-file/read-only", test_atomic_read_only);
  ADD ("/atomic-file/mode", test_atomic_mode);
#undef ADD

  return g_test_run ();
}
