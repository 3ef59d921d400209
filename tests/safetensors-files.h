/* safetensors-files.h: what the safetensors and atomic-file tests share — a temporary folder
 * per case, files written whole, the check of an error message that must name the file, and
 * the LeNet-5 parameters as sample tensors.
 *
 * Every helper asserts on failure, so a case needs no error handling of its own.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "core/io/safetensors.h"

G_BEGIN_DECLS

/* ---- fixture: a temporary folder, removed afterwards --------------------------------- */

typedef struct {
  char *dir;
} Fixture;

void  fixture_setup    (Fixture *f, gconstpointer data);
void  fixture_teardown (Fixture *f, gconstpointer data);
/* The case's folder/`name`, newly allocated. */
char *path_in          (Fixture *f, const char *name);
/* The sorted names in the folder, joined by spaces: "a.safetensors" when only it is left. */
char *list_folder      (Fixture *f);

/* ---- files and messages -------------------------------------------------------------- */

void write_file     (const char *path, const void *data, gsize size);
/* The message starts with "`path`: " and holds every one of the NULL-terminated `expect`;
 * nothing is checked when there is no error. */
void assert_message (const GError *error, const char *path, const char * const *expect);

/* ---- saved files looked at ---------------------------------------------------------- */

/* How many temporaries (hidden files) the folder holds. */
guint    count_temporaries (const char *folder);
/* lstat(2)'s st_mode, 0 when there is nothing at `path`. */
mode_t   lstat_mode        (const char *path);
void     assert_contents   (const char *path, const char *want);
/* `path` is a symbolic link to `want`. */
void     assert_link       (const char *path, const char *want);
/* `text` saved at `path` by st_atomic_file_set_contents. */
gboolean save_text         (const char *path, const char *text, int mode, GError **error);

/* ---- sample tensors ------------------------------------------------------------------ */

typedef struct {
  const char *name;
  int         rank;
  gint64      dims[4];
} LenetParam;

#define N_LENET 10

/* The names and shapes of LeNet-5's parameters, in PyTorch's order. */
extern const LenetParam lenet[N_LENET];

/* The LeNet-5 parameters with made-up values; `store` keeps the data alive. */
void    make_lenet    (StSafetensorsTensor *tensors, GPtrArray *store, float offset);
guint32 float_to_bits (float f);

G_END_DECLS
