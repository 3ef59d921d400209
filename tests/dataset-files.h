/* dataset-files.h: what the dataset tests share — files written into a case's temporary
 * folder, the small IDX set the readers are checked against, and the check of a dataset
 * error's code and message.
 *
 * Every helper asserts on failure, so a case needs no error handling of its own.
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"

G_BEGIN_DECLS

/* ---- files ------------------------------------------------------------------------------ */

/* `dir`/`name`, newly allocated. */
char *path_in     (const char *dir, const char *name);
/* `dir`/`name` and any folder missing above it. */
void  make_dir    (const char *dir, const char *name);
void  write_bytes (const char *dir, const char *name, const void *data, gsize len);
void  write_text  (const char *dir, const char *name, const char *text);
/* A FIFO `dir`/`name`: opening it for reading blocks until a writer comes. */
void  make_fifo   (const char *dir, const char *name);
/* `data`, then holes up to `size` bytes, which take no disk; FALSE (and the test skipped)
 * when the file system cannot hold a file that large. */
gboolean write_sparse (const char *dir,
                       const char *name,
                       const void *data,
                       gsize       len,
                       guint64     size);
/* Kills the test binary after `seconds` (0: stops the count): a case that would block, on a
 * FIFO say, fails instead of hanging. */
void  hang_guard  (guint seconds);

/* An IDX file: magic, `rank` sizes, then `data`; only the first `keep` bytes of the whole
 * (-1: all) are written, gzip-compressed when the name ends in .gz. */
void  write_idx   (const char    *dir,
                   const char    *name,
                   guint32        magic,
                   int            rank,
                   const guint32 *dims,
                   const guint8  *data,
                   gsize          len,
                   gssize         keep);

/* A CIFAR-10 batch of `n` records; record r has label labels[r] and pixel (c, y, x) =
 * (r + 3c + y + x) % 256. */
void  write_cifar (const char    *dir,
                   const char    *name,
                   int            n,
                   const guint8  *labels);

/* ---- the small IDX set ------------------------------------------------------------------
 *
 * 3 images of 2×3, pixel (i, y, x) = 40i + 10y + x, labels 2, 0, 1. */

extern const guint32 small_image_dims[3];
extern const guint32 small_label_dims[1];
extern const guint8  small_labels[3];

/* The set's 18 pixels into `out`. */
void       small_images           (guint8 *out);
/* The four IDX files of the set in `dir` (train and test alike), each name ending in
 * `suffix` ("" or ".gz"). */
void       write_small_idx_folder (const char *dir, const char *suffix);
/* `ds` is the small set: its shape, labels and every pixel. */
void       check_small            (const StDataset *ds);
/* st_idx_load () on `dir`/`images` and `dir`/`labels`. */
StDataset *load_idx_pair          (const char *dir,
                                   const char *images,
                                   const char *labels,
                                   int         n_classes,
                                   GError    **error);

/* ---- stopping a reader ------------------------------------------------------------------ */

typedef struct {
  int calls;   /* how often the reader asked */
  int stop_at; /* the call that answers TRUE (and every one after it); 0: never */
} CancelCount;

/* A StDatasetCancelFunc over a CancelCount. */
gboolean cancel_count (gpointer data);

/* ---- errors ----------------------------------------------------------------------------- */

/* The error is ST_DATASET_ERROR's `code` and its message holds every one of the
 * NULL-terminated strings that follow. */
void assert_error (const GError *error, int code, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
