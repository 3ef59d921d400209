/* paths.h: what a run may write to, checked before it starts.
 *
 * A training run reads a model file, perhaps weights to resume from and a dataset, and
 * writes weights, metrics and a chart. Each output is checked up front — its folder exists
 * and is writable, it is not a folder or a special file, an existing file is writable —
 * so that a bad path fails at once, not after the first epoch; and no output may be one of
 * the run's inputs or another of its outputs. Files are compared as files (device and inode
 * once they exist, the resolved path before), not as names: `./m.json`, `m.json` and a
 * link to it are the same file.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The output `path` given as `what` (an option, "--save") can be written: FALSE with a
 * G_FILE_ERROR naming both when not. */
gboolean st_output_check      (const char *what, const char *path, GError **error);

/* Whether a and b name the same file, existing or to be made. */
gboolean st_paths_same_file   (const char *a, const char *b);

/* A run's files: inputs[i] and outputs[j] as given by the user, each named by `what`
 * ("the model", "--save"); NULL paths are skipped. A folder among the inputs stands for
 * the files directly in it (a dataset folder). FALSE, naming both, when an output is an
 * input or another output. */
typedef struct {
  const char *what;
  const char *path;
} StRunFile;

gboolean st_run_files_check   (const StRunFile *inputs, gsize n_inputs,
                               const StRunFile *outputs, gsize n_outputs, GError **error);

G_END_DECLS
