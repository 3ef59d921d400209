/* replay-main.c: runs a fuzz target over its corpus, without libFuzzer.
 *
 *   fuzz-replay-csv tests/fuzz/corpus/csv [more folders or files ...]
 *
 * Each argument is a folder (every regular file in it, in name order) or a file; each
 * input is one TAP test. A crash ends the process, which the test harness reports with the
 * name of the last input started, printed just before.
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Appends the inputs `arg` names; FALSE when it is neither a folder nor a file. */
static gboolean
collect (const char *arg, GPtrArray *inputs)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = NULL;
  const char *name;

  if (g_file_test (arg, G_FILE_TEST_IS_REGULAR))
    {
      g_ptr_array_add (inputs, g_strdup (arg));
      return TRUE;
    }
  dir = g_dir_open (arg, 0, NULL);
  if (dir == NULL)
    return FALSE;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (arg, name, NULL);

      if (name[0] != '.' && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_steal_pointer (&path));
    }
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (inputs, g_strdup (names->pdata[i]));
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS-FOLDER-OR-FILE...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    if (!collect (argv[i], inputs))
      {
        printf ("1..1\nnot ok 1 - %s: no such folder or file\n", argv[i]);
        return 1;
      }
  if (inputs->len == 0)
    {
      printf ("1..1\nnot ok 1 - the corpus is empty\n");
      return 1;
    }

  printf ("1..%u\n", inputs->len);
  for (guint i = 0; i < inputs->len; i++)
    {
      const char *path = inputs->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *contents = NULL;
      g_autofree guint8 *data = NULL;
      static const guint8 empty[1];
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s\n", i + 1, error->message);
          continue;
        }
      /* A copy of the exact size, without the terminating zero g_file_get_contents adds,
       * as libFuzzer passes it: a read one past the end is then caught. */
      data = g_memdup2 (contents, length);
      printf ("# %s\n", path);
      fflush (stdout);
      LLVMFuzzerTestOneInput (data != NULL ? data : empty, length);
      printf ("ok %u - %s\n", i + 1, path);
    }
  return 0;
}
