/* cifar.h: the binary version of CIFAR-10 (https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * Each file is a run of 3073-byte records: one label byte (0 to 9), then a 32×32 RGB image
 * as 1024 red, 1024 green and 1024 blue bytes, row by row — already (C, H, W).
 * The training set is data_batch_1.bin ... data_batch_5.bin, the test set test_batch.bin.
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"

G_BEGIN_DECLS

#define ST_CIFAR_SIDE        32
#define ST_CIFAR_RECORD_SIZE (1 + 3 * ST_CIFAR_SIDE * ST_CIFAR_SIDE)

/* The records of all `paths` (NULL-terminated), in order, as one dataset named `name`. */
StDataset *st_cifar_load_files       (const char * const *paths,
                                      const char         *name,
                                      GError            **error);
/* The same, only the first control->max_examples records when that is not 0 (the files
 * after them are not opened), asking control->cancelled every few MB; `control` may be
 * NULL. */
StDataset *st_cifar_load_files_full  (const char * const         *paths,
                                      const char                 *name,
                                      const StDatasetReadControl *control,
                                      GError                    **error);

/* The folder holding the batches: `dir` itself or its cifar-10-batches-bin/, as the
 * archive unpacks; NULL when neither has test_batch.bin and data_batch_1.bin (of any kind:
 * that they are regular files is the reader's to check, so that a FIFO is named). */
char      *st_cifar_find_folder      (const char *dir);

/* Loads data_batch_1.bin ... data_batch_5.bin (those present, at least the first) as
 * *train and test_batch.bin as *test from a folder st_cifar_find_folder() accepted. */
gboolean   st_cifar_load_folder      (const char *dir,
                                      StDataset **train,
                                      StDataset **test,
                                      GError    **error);
/* The same, reading the training batches under `train_control` and the test batch under
 * `test_control` (either may be NULL). */
gboolean   st_cifar_load_folder_full (const char                 *dir,
                                      const StDatasetReadControl *train_control,
                                      const StDatasetReadControl *test_control,
                                      StDataset                 **train,
                                      StDataset                 **test,
                                      GError                    **error);

G_END_DECLS
