/* idx.h: the IDX files of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
 *
 * An IDX file is a big-endian header — magic 0x00000803 and three sizes (N, H, W) for
 * images, 0x00000801 and one size (N) for labels — then the bytes. Files are read through
 * zlib, so gzip-compressed and raw files are both accepted.
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"

G_BEGIN_DECLS

#define ST_IDX_MAGIC_IMAGES 0x00000803u
#define ST_IDX_MAGIC_LABELS 0x00000801u

/* A dataset of 1-channel images from an image file and its label file. Every label must
 * be below `n_classes`; 0 takes the largest label + 1, and "0", "1", ... as class names. */
StDataset *st_idx_load        (const char *images_path,
                               const char *labels_path,
                               int         n_classes,
                               GError    **error);
/* The same, reading only the first control->max_examples images and labels when that is
 * not 0, and asking control->cancelled every few MB; `control` may be NULL. */
StDataset *st_idx_load_full   (const char                 *images_path,
                               const char                 *labels_path,
                               int                         n_classes,
                               const StDatasetReadControl *control,
                               GError                    **error);

/* `dir`/`stem` when something of that name exists, else `dir`/`stem`.gz when that does,
 * else NULL. Whether it is a regular file is the reader's to check, so that a FIFO or a
 * folder of that name is named in the error instead of being passed over. */
char      *st_idx_find        (const char *dir,
                               const char *stem);

G_END_DECLS
