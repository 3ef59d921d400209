/* test-atomic-file: saving never leaves a half-written file — the previous one stays
 * byte-identical when any write, the fsync or the rename fails (injected through
 * atomic-fault.h, here or in a child), short writes are completed, and after a kill -9
 * mid-save the file loads and is one complete version, its stale temporary removed by the
 * next save; a name as long as the file system allows saves. What the target may be (links,
 * FIFOs, devices, folders, read-only files, modes): test-atomic-target.c.
 *
 * The binary has two helper modes, used by the tests through re-executing itself:
 *   --save-loop PATH FIRST   saves versions FIRST, FIRST+1, ... of a large file forever
 *   --save-once PATH VERSION FAULT  saves one version with FAULT (KIND:NTH[:ERRNO]) armed
 *                            and exits (1 with the error on stderr)
 */
#define G_LOG_DOMAIN "strata-test-atomic-file"

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

#include "atomic-fault.h"
#include "core/io/atomic-file.h"
#include "safetensors-files.h"
#include "test-util.h"

/* The large file of the kill test: 32 MB of data, written in several chunks. */
#define BIG_NUMEL ((gsize) 8 * 1024 * 1024)

static char *self_exe;

/* The one temporary in the folder, or NULL. */
static char *
find_temporary (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "."))
      return g_strdup (name);
  return NULL;
}

/* Written in place: g_file_set_contents() cannot, when the name is so long that its own
 * temporary's does not fit. */
static void
write_in_place (const char *path, const char *text)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  g_assert_cmpint (fd, >=, 0);
  if (fd < 0)
    return;
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
  close (fd);
}

static void
test_atomic_basic (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "a.txt");
  g_autofree char *missing = g_build_filename (f->dir, "no-such-folder", "a.txt", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  StAtomicFile *file;

  st_atomic_file_set_contents (path, "first", 5, 0644, &error);
  g_assert_no_error (error);
  st_atomic_file_set_contents (path, "second", 6, 0644, &error);
  g_assert_no_error (error);
  bytes = st_test_read_bytes (path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "second", 6);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Streaming, then abandoning: the old contents stay, the temporary goes. */
  file = st_atomic_file_open (path, 0644, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st_atomic_file_get_path (file), ==, path);
  g_assert_true (st_atomic_file_write (file, "thi", 3, &error));
  g_assert_true (st_atomic_file_write (file, "rd", 2, &error));
  st_atomic_file_abort (file);
  bytes = st_test_read_bytes (path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "second", 6);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_autofree char *listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "a.txt");

  file = st_atomic_file_open (path, 0644, &error);
  g_assert_true (st_atomic_file_write (file, "thi", 3, &error));
  g_assert_true (st_atomic_file_write (file, "rd", 2, &error));
  g_assert_true (st_atomic_file_commit (file, &error));
  g_assert_no_error (error);
  bytes = st_test_read_bytes (path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "third", 5);

  g_assert_false (st_atomic_file_set_contents (missing, "x", 1, 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_message (error, missing, (const char *[]) { "temporary file", "No such file", NULL });
}

/* A small model's worth of tensors: 2 writes for the header, one per tensor. */
static gboolean
save_small (const char *path, float value, GError **error)
{
  float a[6], b[3], c[2];
  StSafetensorsTensor tensors[3] = {
    { "0.weight", 2, { 2, 3 }, a }, { "0.bias", 1, { 3 }, b }, { "2.weight", 1, { 2 }, c },
  };

  for (int i = 0; i < 6; i++)
    a[i] = value + (float) i;
  for (int i = 0; i < 3; i++)
    b[i] = -value - (float) i;
  c[0] = c[1] = value * 2;
  return st_safetensors_save (path, tensors, G_N_ELEMENTS (tensors), NULL, error);
}

/* Each of the 5 writes of a save fails in turn with "no space left", then the fsync, then
 * the rename: every time the previous file is byte-identical and no temporary is left. */
static void
test_atomic_faults (Fixture *f, gconstpointer unused)
{
  static const struct {
    StAtomicFileFault fault;
    guint nth;
    int errno_value;
    int code;
    const char *expect;
  } faults[] = {
    { ST_ATOMIC_FILE_FAULT_WRITE, 1, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 2, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 3, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 4, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 5, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 3, EIO, G_FILE_ERROR_IO, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_FSYNC, 1, EIO, G_FILE_ERROR_IO, "flushing to disk failed" },
    { ST_ATOMIC_FILE_FAULT_RENAME, 1, EIO, G_FILE_ERROR_IO, "renaming" },
  };
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GError) error = NULL;

  save_small (path, 1.0f, &error);
  g_assert_no_error (error);
  before = st_test_read_bytes (path);

  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr (GBytes) after = NULL;
      g_autofree char *listing = NULL;

      st_test_inject_fault (faults[i].fault, faults[i].nth, faults[i].errno_value);
      g_assert_false (save_small (path, 2.0f, &error));
      g_assert_false (st_test_fault_pending ());
      g_assert_error (error, G_FILE_ERROR, faults[i].code);
      assert_message (error, path, (const char *[]) { faults[i].expect,
                                                      g_strerror (faults[i].errno_value), NULL });
      g_clear_error (&error);

      after = st_test_read_bytes (path);
      g_assert_true (g_bytes_equal (before, after));
      listing = list_folder (f);
      g_assert_cmpstr (listing, ==, "w.safetensors");
    }

  /* A sixth write does not exist: the save succeeds and the fault stays armed. */
  st_test_inject_fault (ST_ATOMIC_FILE_FAULT_WRITE, 6, ENOSPC);
  g_assert_true (save_small (path, 2.0f, &error));
  g_assert_no_error (error);
  g_assert_true (st_test_fault_pending ());
  st_test_inject_fault (ST_ATOMIC_FILE_FAULT_NONE, 0, 0);
  g_assert_false (st_test_fault_pending ());
}

/* The kernel may write less than asked; the rest must follow. */
static void
test_atomic_short_write (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autofree char *reference = path_in (f, "reference.safetensors");
  g_autoptr (GBytes) want = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;

  save_small (reference, 5.0f, &error);
  g_assert_no_error (error);
  for (guint nth = 1; nth <= 5; nth++)
    {
      st_test_inject_fault (ST_ATOMIC_FILE_FAULT_SHORT, nth, 0);
      g_assert_true (save_small (path, 5.0f, &error));
      g_assert_no_error (error);
      g_assert_false (st_test_fault_pending ());
    }
  want = st_test_read_bytes (reference);
  got = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (want, got));
}

static void
fill_version (float *data, gsize n, guint version)
{
  for (gsize i = 0; i < n; i++)
    data[i] = (float) ((i * 7 + (gsize) version * 13) % 65536);
}

/* A large file stamped with its version in the metadata and in every value. */
static gboolean
save_version (const char *path, guint version, float *big, GError **error)
{
  g_autofree char *stamp = g_strdup_printf ("%u", version);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  float small[3] = { (float) version, 1, 2 };
  StSafetensorsTensor tensors[3] = {
    { "small", 1, { 3 }, small },
    { "big", 2, { BIG_NUMEL / 1024, 1024 }, big },
    { "tail", 1, { 3 }, small },
  };

  fill_version (big, BIG_NUMEL, version);
  g_hash_table_insert (metadata, "version", stamp);
  return st_safetensors_save (path, tensors, G_N_ELEMENTS (tensors), metadata, error);
}

/* Loads the file and returns its version when every value matches it, -1 otherwise. */
static gint64
load_version (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_autofree float *want = NULL;
  const char *stamp;
  const float *big = NULL;
  const float *small = NULL;
  guint64 version;

  g_assert_no_error (error);
  if (file == NULL)
    return -1;
  stamp = st_safetensors_get_metadata_value (file, "version");
  if (stamp == NULL || !g_ascii_string_to_unsigned (stamp, 10, 0, G_MAXUINT, &version, NULL)
      || !st_safetensors_get (file, "big", NULL, NULL, &big)
      || !st_safetensors_get (file, "small", NULL, NULL, &small))
    return -1;
  want = g_new (float, BIG_NUMEL);
  fill_version (want, BIG_NUMEL, (guint) version);
  if (memcmp (want, big, BIG_NUMEL * sizeof (float)) != 0 || small[0] != (float) version)
    return -1;
  return (gint64) version;
}

static int
helper_save_loop (const char *path, const char *first)
{
  float *big = g_new (float, BIG_NUMEL);
  guint version = (guint) g_ascii_strtoull (first, NULL, 10);

  for (;; version++)
    {
      g_autoptr (GError) error = NULL;

      if (!save_version (path, version, big, &error))
        {
          g_printerr ("%s\n", error->message);
          g_free (big);
          return 1;
        }
    }
}

/* Saves once with the fault `fault` (KIND:NTH[:ERRNO], see atomic-fault.h) armed. */
static int
helper_save_once (const char *path, const char *version, const char *fault)
{
  g_autoptr (GError) error = NULL;

  if (!st_test_inject_fault_from_text (fault))
    {
      g_printerr ("--save-once: %s is not KIND:NTH[:ERRNO]\n", fault);
      return 2;
    }
  if (!save_small (path, (float) g_ascii_strtod (version, NULL), &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

/* A fault armed in a child process: it reports the failure and leaves the file as it was. */
static void
test_atomic_fault_child (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { self_exe, "--save-once", path, "9", "write:3:ENOSPC", NULL };
  g_autofree char *err = NULL;
  g_autofree char *listing = NULL;
  int status = 0;

  save_small (path, 1.0f, &error);
  g_assert_no_error (error);
  before = st_test_read_bytes (path);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_test_message ("child: %s", err);
  g_assert_true (g_str_has_prefix (err, path));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  after = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "w.safetensors");
}

/* kill -9 in the middle of saving a large file, several times: each time the file loads
 * and is one complete version, and no temporary outlives the next save. */
static void
test_atomic_kill (Fixture *f, gconstpointer unused)
{
  const guint rounds = 6;
  g_autofree char *path = path_in (f, "big.safetensors");
  g_autofree float *big = g_new (float, BIG_NUMEL);
  g_autoptr (GError) error = NULL;
  guint mid_save = 0, new_versions = 0;

  save_version (path, 0, big, &error);
  g_assert_no_error (error);
  g_assert_cmpint (load_version (path), ==, 0);

  for (guint round = 1; round <= rounds; round++)
    {
      g_autofree char *first = g_strdup_printf ("%u", round * 1000);
      const char *argv[] = { self_exe, "--save-loop", path, first, NULL };
      GPid pid = 0;
      int status = 0;
      gint64 version;
      gint64 previous = load_version (path);

      g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                     &error);
      g_assert_no_error (error);
      if (error != NULL)
        return;
      g_usleep ((gulong) g_test_rand_int_range (100, 900) * 1000);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

      /* The child's first save removed what earlier kills left; what is here is its own. */
      if (count_temporaries (f->dir) > 0)
        mid_save++;
      version = load_version (path);
      g_test_message ("round %u: the file holds version %" G_GINT64_FORMAT, round, version);
      g_assert_true (version == previous
                     || (version >= round * 1000 && version < (round + 1) * 1000));
      if (version != previous)
        new_versions++;
    }
  g_test_message ("%u of %u kills landed mid-save, %u rounds completed a save", mid_save, rounds,
                  new_versions);

  /* The next save removes the temporary the last kill left. */
  save_version (path, 1, big, &error);
  g_assert_no_error (error);
  g_autofree char *listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "big.safetensors");
}

/* ---- names and temporaries ------------------------------------------------------------ */

/* "é" × 100, then "x" until the name is `length` bytes long with ".safetensors" at the end. */
static char *
long_name (gsize length)
{
  GString *name = g_string_new (NULL);

  for (int i = 0; i < 100; i++)
    g_string_append (name, "é");
  while (name->len < length - strlen (".safetensors"))
    g_string_append_c (name, 'x');
  g_string_append (name, ".safetensors");
  g_assert_cmpuint (name->len, ==, length);
  return g_string_free (name, FALSE);
}

/* Names of 252 and 255 bytes (the most ext4 and tmpfs allow) save; the temporary's name
 * fits too, is valid UTF-8, and is recognised as stale after a kill. Two long names alike
 * but for their end get temporaries of their own. */
static void
test_atomic_long_name (Fixture *f, gconstpointer unused)
{
  g_autofree char *name = long_name (252);
  g_autofree char *longest = long_name (255);
  g_autofree char *path = path_in (f, name);
  g_autofree char *other = path_in (f, longest);
  g_autofree char *tmp_name = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *other_tmp = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *want = NULL;
  g_autoptr (GError) error = NULL;
  StAtomicFile *file;

  if (!save_text (path, "first", 0644, &error) || !save_text (other, "other", 0644, &error))
    {
      g_assert_no_error (error);
      return;
    }
  assert_contents (path, "first");
  assert_contents (other, "other");

  file = st_atomic_file_open (path, 0644, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;
  tmp_name = find_temporary (f->dir);
  g_assert_nonnull (tmp_name);
  if (tmp_name == NULL)
    return;
  g_test_message ("temporary: %s", tmp_name);
  g_assert_cmpuint (strlen (tmp_name), <=, 255);
  g_assert_true (g_utf8_validate (tmp_name, -1, NULL));
  st_atomic_file_abort (file);

  /* As a kill would leave it, and one for the other name beside it. */
  tmp_path = path_in (f, tmp_name);
  write_in_place (tmp_path, "stale");
  file = st_atomic_file_open (other, 0644, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;
  other_tmp = find_temporary (f->dir);
  g_assert_cmpuint (count_temporaries (f->dir), ==, 2);
  g_assert_true (st_atomic_file_write (file, "other 2", 7, &error));
  g_assert_true (st_atomic_file_commit (file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (tmp_path, G_FILE_TEST_EXISTS));

  g_assert_true (save_text (path, "second", 0644, &error));
  g_assert_no_error (error);
  assert_contents (path, "second");
  assert_contents (other, "other 2");
  listing = list_folder (f);
  want = g_strjoin (" ", name, longest, NULL);
  g_assert_cmpstr (listing, ==, want);
}

/* Temporaries a killed save of the same target left are removed by the next save; anything
 * else that looks like one is kept: a temporary of another target, names one character
 * off, a folder, a link, a file of another user, and one locked by a save in progress. */
static void
test_atomic_stale_temporaries (Fixture *f, gconstpointer unused)
{
  static const char *const stale[] = { ".w.bin.tmp-Ab12Cd", ".w.bin.tmp-zz9999" };
  static const char *const kept_files[] = {
    ".other.bin.tmp-Ab12Cd", ".w.bin.tmp-Ab12C", ".w.bin.tmp-Ab12Cde", "w.bin.tmp-Ab12Cd",
    ".w.bin.tmp-Ab12C-", ".x.bin.tmp-Ab12Cd",
  };
  g_autofree char *path = path_in (f, "w.bin");
  g_autofree char *locked = path_in (f, ".w.bin.tmp-L0cked");
  g_autofree char *folder = path_in (f, ".w.bin.tmp-Dir000");
  g_autofree char *link = path_in (f, ".w.bin.tmp-Lnk000");
  g_autofree char *foreign = path_in (f, ".w.bin.tmp-N0b0dy");
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;
  gboolean have_foreign;
  int lock_fd;

  g_assert_true (save_text (path, "old", 0644, &error));
  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_autofree char *p = path_in (f, stale[i]);
      write_file (p, "stale", 5);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kept_files); i++)
    {
      g_autofree char *p = path_in (f, kept_files[i]);
      write_file (p, "keep", 4);
    }
  write_file (locked, "in progress", 11);
  lock_fd = g_open (locked, O_RDONLY | O_CLOEXEC, 0);
  g_assert_cmpint (lock_fd, >=, 0);
  g_assert_cmpint (flock (lock_fd, LOCK_EX | LOCK_NB), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_cmpint (symlink ("w.bin", link), ==, 0);
  write_file (foreign, "keep", 4);
  have_foreign = geteuid () == 0 && chown (foreign, 65534, 65534) == 0;
  if (!have_foreign)
    g_unlink (foreign);

  g_assert_true (save_text (path, "new", 0644, &error));
  g_assert_no_error (error);
  assert_contents (path, "new");
  close (lock_fd);

  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_autofree char *p = path_in (f, stale[i]);
      g_assert_false (g_file_test (p, G_FILE_TEST_EXISTS));
    }
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, have_foreign
                   ? ".other.bin.tmp-Ab12Cd .w.bin.tmp-Ab12C .w.bin.tmp-Ab12C- "
                     ".w.bin.tmp-Ab12Cde .w.bin.tmp-Dir000 .w.bin.tmp-L0cked .w.bin.tmp-Lnk000 "
                     ".w.bin.tmp-N0b0dy .x.bin.tmp-Ab12Cd w.bin w.bin.tmp-Ab12Cd"
                   : ".other.bin.tmp-Ab12Cd .w.bin.tmp-Ab12C .w.bin.tmp-Ab12C- "
                     ".w.bin.tmp-Ab12Cde .w.bin.tmp-Dir000 .w.bin.tmp-L0cked .w.bin.tmp-Lnk000 "
                     ".x.bin.tmp-Ab12Cd w.bin w.bin.tmp-Ab12Cd");
  assert_link (link, "w.bin");
}

/* Two saves of one target at once: the second does not take the first one's temporary
 * for a stale one, and both complete. */
static void
test_atomic_concurrent_saves (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "w.bin");
  g_autofree char *listing = NULL;
  g_autoptr (GError) error = NULL;
  StAtomicFile *first;

  first = st_atomic_file_open (path, 0644, &error);
  g_assert_no_error (error);
  if (first == NULL)
    return;
  g_assert_true (st_atomic_file_write (first, "fir", 3, &error));
  g_assert_true (save_text (path, "second", 0644, &error));
  g_assert_no_error (error);
  assert_contents (path, "second");
  g_assert_true (st_atomic_file_write (first, "st", 2, &error));
  g_assert_true (st_atomic_file_commit (first, &error));
  g_assert_no_error (error);
  assert_contents (path, "first");
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "w.bin");
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--save-loop") == 0)
    return helper_save_loop (argv[2], argv[3]);
  if (argc == 5 && strcmp (argv[1], "--save-once") == 0)
    return helper_save_once (argv[2], argv[3], argv[4]);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = g_canonicalize_filename (argv[0], NULL);

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/atomic-file/basic", test_atomic_basic);
  ADD ("/atomic-file/faults", test_atomic_faults);
  ADD ("/atomic-file/short-write", test_atomic_short_write);
  ADD ("/atomic-file/fault-in-child", test_atomic_fault_child);
  ADD ("/atomic-file/kill", test_atomic_kill);
  ADD ("/atomic-file/long-name", test_atomic_long_name);
  ADD ("/atomic-file/stale-temporaries", test_atomic_stale_temporaries);
  ADD ("/atomic-file/concurrent-saves", test_atomic_concurrent_saves);
#undef ADD

  return g_test_run ();
}
