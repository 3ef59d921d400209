/* safetensors-files.c: see safetensors-files.h. */
#define G_LOG_DOMAIN "strata-test"

#include "safetensors-files.h"

#include <string.h>
#include <sys/stat.h>

#include "core/io/atomic-file.h"
#include "test-util.h"

/* ---- fixture: a temporary folder, removed afterwards --------------------------------- */

void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = st_test_make_tmp ("strata-safetensors-XXXXXX");
}

void
fixture_teardown (Fixture *f, gconstpointer data)
{
  st_test_remove_tree (f->dir);
  g_free (f->dir);
}

char *
path_in (Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
list_folder (Fixture *f)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* ---- files and messages -------------------------------------------------------------- */

void
write_file (const char *path, const void *data, gsize size)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
}

void
assert_message (const GError *error, const char *path, const char * const *expect)
{
  g_autofree char *prefix = g_strdup_printf ("%s: ", path);

  if (error == NULL)
    return;
  g_test_message ("error: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  for (; expect != NULL && *expect != NULL; expect++)
    if (strstr (error->message, *expect) == NULL)
      g_test_fail_printf ("“%s” is not in the message “%s”", *expect, error->message);
}

/* ---- sample tensors ------------------------------------------------------------------ */

const LenetParam lenet[N_LENET] = {
  { "0.weight", 4, { 6, 1, 5, 5 } },
  { "0.bias", 1, { 6 } },
  { "3.weight", 4, { 16, 6, 5, 5 } },
  { "3.bias", 1, { 16 } },
  { "7.weight", 2, { 120, 400 } },
  { "7.bias", 1, { 120 } },
  { "9.weight", 2, { 84, 120 } },
  { "9.bias", 1, { 84 } },
  { "11.weight", 2, { 10, 84 } },
  { "11.bias", 1, { 10 } },
};

void
make_lenet (StSafetensorsTensor *tensors, GPtrArray *store, float offset)
{
  for (gsize i = 0; i < N_LENET; i++)
    {
      float *data;
      gint64 numel;

      memset (&tensors[i], 0, sizeof tensors[i]);
      tensors[i].name = lenet[i].name;
      tensors[i].rank = lenet[i].rank;
      memcpy (tensors[i].dims, lenet[i].dims, sizeof lenet[i].dims);
      numel = st_safetensors_tensor_numel (&tensors[i]);
      data = g_new (float, numel);
      for (gint64 j = 0; j < numel; j++)
        data[j] = offset + (float) i + (float) ((j * 31) % 97 - 48) / 64.0f;
      tensors[i].data = data;
      g_ptr_array_add (store, data);
    }
}

guint32
float_to_bits (float f)
{
  guint32 bits;

  memcpy (&bits, &f, sizeof bits);
  return bits;
}

/* ---- saved files looked at ------------------------------------------------------------ */

/* How many temporaries (hidden files) the folder holds. */
guint
count_temporaries (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "."))
      n++;
  return n;
}

/* lstat(2)'s st_mode, 0 when there is nothing at `path`. */
mode_t
lstat_mode (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0 ? st.st_mode : 0;
}

void
assert_contents (const char *path, const char *want)
{
  g_autofree char *got = NULL;

  if (!g_file_get_contents (path, &got, NULL, NULL))
    g_test_fail_printf ("%s cannot be read", path);
  else
    g_assert_cmpstr (got, ==, want);
}

void
assert_link (const char *path, const char *want)
{
  g_autofree char *got = g_file_read_link (path, NULL);

  g_assert_true (S_ISLNK (lstat_mode (path)));
  g_assert_cmpstr (got, ==, want);
}

gboolean
save_text (const char *path, const char *text, int mode, GError **error)
{
  return st_atomic_file_set_contents (path, text, strlen (text), mode, error);
}
