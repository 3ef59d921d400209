/* pytorch-train.c: the training package for PyTorch (see pytorch-train.h). */
#define G_LOG_DOMAIN "strata-export"

#include "core/model/pytorch-train.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/io/atomic-file.h"
#include "core/model/pytorch-export.h"
#include "core/model/train-config.h"
#include "st-pytorch.h"
#include "strata-config.h"

#define RESOURCE_DIR "/org/strata/pytorch/"

/* A file of the package as compiled in; the resources are part of the program. */
static GBytes *
resource (const char *name)
{
  g_autofree char *path = g_strconcat (RESOURCE_DIR, name, NULL);
  GBytes *bytes = g_resource_lookup_data (st_pytorch_get_resource (), path, 0, NULL);

  g_assert (bytes != NULL);
  return bytes;
}

/* The README with the model's name and recipe in place of its @KEYS@. */
static char *
readme_text (const StSpec *spec)
{
  const StTrainConfig *t = &spec->training;
  g_autoptr (GBytes) template = resource ("README.txt");
  g_autoptr (GString) out = g_string_new_len (g_bytes_get_data (template, NULL),
                                              g_bytes_get_size (template));
  g_autofree char *epochs = g_strdup_printf ("%d", t->epochs);
  g_autofree char *batch = g_strdup_printf ("%d", t->batch_size);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, t->seed);
  const char *const keys[][2] = {
    { "@NAME@", spec->name != NULL && *spec->name != '\0' ? spec->name : "Model" },
    { "@VERSION@", STRATA_VERSION },
    { "@DATASET@", t->dataset != NULL ? t->dataset : "" },
    { "@EPOCHS@", epochs },
    { "@BATCH@", batch },
    { "@SEED@", seed },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_string_replace (out, keys[i][0], keys[i][1], 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* `dir`, made with the folders above it; a file there (or a file above it) is an error. */
static gboolean
make_dir (const char *dir, GError **error)
{
  g_autofree char *display = g_filename_display_name (dir);
  int saved;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                   _("%s: exists and is not a folder; the training package is a folder"),
                   display);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) == 0)
    return TRUE;
  saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("%s: cannot make the folder: %s"), display, g_strerror (saved));
  return FALSE;
}

static gboolean
write_file (const char *dir, const char *name, const void *data, gsize size, int mode,
            GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return st_atomic_file_set_contents (path, data, size, mode, error);
}

gboolean
st_pytorch_train_write (const StSpec *spec, const char *dir, GError **error)
{
  g_autoptr (StSpec) recipe = NULL;
  g_autoptr (GBytes) train = NULL;
  g_autofree char *model = NULL;
  g_autofree char *readme = NULL;
  g_autofree char *json = NULL;

  g_return_val_if_fail (spec != NULL && dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  model = st_spec_to_pytorch (spec, error);
  if (model == NULL || !make_dir (dir, error))
    return FALSE;
  /* The model file spells the recipe out, defaults included: what train.py runs. */
  recipe = st_spec_copy (spec);
  recipe->has_training = TRUE;
  json = st_spec_to_json (recipe);
  train = resource ("train.py");
  readme = readme_text (spec);
  return write_file (dir, "model.py", model, strlen (model), 0644, error)
         && write_file (dir, "train.py", g_bytes_get_data (train, NULL),
                        g_bytes_get_size (train), 0755, error)
         && write_file (dir, "README.txt", readme, strlen (readme), 0644, error)
         && write_file (dir, "model.strata.json", json, strlen (json), 0644, error);
}
