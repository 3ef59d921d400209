/* test-util.c: see test-util.h. */
#define G_LOG_DOMAIN "strata-test"

#include "test-util.h"

#include <glib/gstdio.h>
#include <sys/wait.h>
#include <string.h>
#include <zlib.h>

/* ---- files ------------------------------------------------------------------------------ */

/* A new folder under the system's temporary one; `template_name` ends in XXXXXX. */
char *
st_test_make_tmp (const char *template_name)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp (template_name, &error);

  g_assert_no_error (error);
  return dir;
}

/* Removes `dir` and everything below it; a folder that is not there is not an error. */
void
st_test_remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        st_test_remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

GBytes *
st_test_read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

/* ---- IDX datasets ----------------------------------------------------------------------- */

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* The IDX pair `prefix` in `dir` (MNIST's names): `n` images of side × side bytes and their
 * `n` labels; the images gzip-compressed when `gz`, as "<prefix>-images-idx3-ubyte.gz". */
void
st_test_write_idx (const char   *dir,
                   const char   *prefix,
                   int           n,
                   int           side,
                   const guint8 *images,
                   const guint8 *labels,
                   gboolean      gz)
{
  g_autofree char *ipath = g_strdup_printf ("%s/%s-images-idx3-ubyte%s", dir, prefix,
                                            gz ? ".gz" : "");
  g_autofree char *lpath = g_strdup_printf ("%s/%s-labels-idx1-ubyte", dir, prefix);
  gsize image_bytes = (gsize) n * side * side;
  g_autofree guint8 *ifile = g_malloc (16 + image_bytes);
  g_autofree guint8 *lfile = g_malloc (8 + (gsize) n);
  g_autoptr (GError) error = NULL;

  put_be32 (ifile, 0x803);
  put_be32 (ifile + 4, n);
  put_be32 (ifile + 8, side);
  put_be32 (ifile + 12, side);
  memcpy (ifile + 16, images, image_bytes);
  put_be32 (lfile, 0x801);
  put_be32 (lfile + 4, n);
  memcpy (lfile + 8, labels, n);

  g_file_set_contents (lpath, (char *) lfile, 8 + n, &error);
  g_assert_no_error (error);
  if (gz)
    {
      gzFile f = gzopen (ipath, "wb");

      g_assert_nonnull (f);
      g_assert_cmpint (gzwrite (f, ifile, 16 + image_bytes), ==, 16 + image_bytes);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    {
      g_file_set_contents (ipath, (char *) ifile, 16 + image_bytes, &error);
      g_assert_no_error (error);
    }
}

void
st_test_write_bars (const char       *dir,
                    const char       *prefix,
                    const StTestBars *bars,
                    int               n,
                    guint32           seed)
{
  int side = bars->side;
  g_autofree guint8 *images = g_malloc ((gsize) n * side * side);
  g_autofree guint8 *labels = g_malloc (n);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (int i = 0; i < n; i++)
    {
      guint8 *img = images + (gsize) i * side * side;
      int label = bars->random_labels ? g_rand_int_range (rand, 0, bars->n_classes)
                                      : i % bars->n_classes;
      int top = bars->bar_top + label * bars->bar_step;

      for (int p = 0; p < side * side; p++)
        img[p] = g_rand_int_range (rand, 0, 60);
      for (int y = top; y < top + 2; y++)
        for (int x = bars->bar_margin; x < side - bars->bar_margin; x++)
          img[y * side + x] = 200 + g_rand_int_range (rand, 0, 55);
      labels[i] = label;
    }
  st_test_write_idx (dir, prefix, n, side, images, labels, FALSE);
}

/* ---- Python ----------------------------------------------------------------------------- */

gboolean
st_test_python_imports (const char *module)
{
  static GHashTable *answers;   /* module → GINT_TO_POINTER (1 + whether it imports) */
  gpointer known;

  if (answers == NULL)
    answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  known = g_hash_table_lookup (answers, module);
  if (known == NULL)
    {
      g_autofree char *import = g_strconcat ("import ", module, NULL);
      const char *argv[] = { ST_TEST_PYTHON, "-c", import, NULL };
      int status = 0;
      gboolean yes = g_file_test (ST_TEST_PYTHON, G_FILE_TEST_IS_EXECUTABLE)
                     && g_spawn_sync (NULL, (char **) argv, NULL,
                                      G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                      NULL, NULL, NULL, NULL, &status, NULL)
                     && g_spawn_check_wait_status (status, NULL);

      known = GINT_TO_POINTER (1 + yes);
      g_hash_table_insert (answers, g_strdup (module), known);
    }
  return GPOINTER_TO_INT (known) == 2;
}

gboolean
st_test_python_has_torch (void)
{
  return st_test_python_imports ("torch");
}

gboolean
st_test_need_torch (void)
{
  if (st_test_python_has_torch ())
    return TRUE;
  g_test_skip (ST_TEST_PYTHON " cannot import torch (install python3-torch)");
  return FALSE;
}

/* ---- strata-cli ------------------------------------------------------------------------- */

void
st_test_run_clear (StTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Whether STRATA_CLI names the program (meson test sets it); skips the case when not. */
gboolean
st_test_have_cli (void)
{
  if (g_getenv ("STRATA_CLI") != NULL)
    return TRUE;
  g_test_skip ("STRATA_CLI is not set (run through meson test)");
  return FALSE;
}

/* Runs strata-cli with the NULL-terminated `args` and waits for it. */
void
st_test_cli_argv (StTestRun *run, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (argv, (char *) g_getenv ("STRATA_CLI"));
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run->out,
                &run->err, &run->wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (run->wait_status) ? WEXITSTATUS (run->wait_status) : -1;
}

/* st_test_cli_argv () with the arguments listed, ending in NULL. */
void
st_test_cli (StTestRun *run, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, run);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  st_test_cli_argv (run, (const char *const *) args->pdata);
}
