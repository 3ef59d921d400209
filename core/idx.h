/* idx.h: the IDX files of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
 *
 * An IDX file is a big-endian header — magic 0x00000803 and three sizes (N, H, W) for
 * images, 0x00000801 and one size (N) for labels — then the bytes. Files are read through
 * zlib, so gzip-compressed and raw files are both accepted.
 */
#pragma once

#include <glib.h>

#include "core/dataset.h"

G_BEGIN_DECLS

#define ST_IDX_MAGIC_IMAGES 0x00000803u
#define ST_IDX_MAGIC_LABELS 0x00000801u

/* A dataset of 1-channel images from an image file and its label file. Every label must
 * be below `n_classes`; 0 takes the largest label + 1, and "0", "1", ... as class names. */
StDataset *st_idx_load        (const char *images_path,
                               const char *labels_path,
                               int         n_classes,
                               GError    **error);

/* `dir`/`stem` when that file exists, else `dir`/`stem`.gz when that does, else NULL. */
char      *st_idx_find        (const char *dir,
                               const char *stem);

G_END_DECLS
