/* dataset.h: labelled images held in memory.
 *
 * A dataset is N images of C×H×W bytes, planar (N, C, H, W) like the tensors they become,
 * with one label byte each. Scaling, normalising and augmenting happen per batch, in
 * transform.h; a dataset is never changed after it is loaded, so the trainer and the
 * activations view can share one through a reference each.
 *
 * Finding and reading a dataset by name or path is dataset-load.h's; the readers of each
 * format (idx.h, cifar.h, csv-dataset.h, image-folder.h) build on this file.
 *
 * Every file is checked with stat() before it is opened: a FIFO or a device would block or
 * never end, so anything but a regular file (links followed) is refused. Before the images
 * are allocated their size is compared with the memory available, and reading can be
 * stopped from another thread through a StDatasetCancelFunc.
 */
#pragma once

#include <gio/gio.h>

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

/* Asked on the reading thread every few MB (every image of an image folder): TRUE stops the
 * reader, which fails with G_IO_ERROR_CANCELLED. */
typedef gboolean (*StDatasetCancelFunc) (gpointer data);

/* What one reader is asked for beyond its files. */
typedef struct {
  gint64              max_examples;    /* 0: all; else only the first n, the rest unread */
  StDatasetCancelFunc cancelled;       /* NULL: never stopped */
  gpointer            cancelled_data;
} StDatasetReadControl;

/* An empty dataset with zeroed images and labels and no class names yet; fails with
 * ST_DATASET_ERROR_TOO_LARGE, naming `origin`, when it needs more than the memory available
 * (st_dataset_check_memory) or the memory cannot be had. */
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

/* "28×28", or "3×32×32" with the channels: an image's shape in messages. */
char         *st_dataset_shape_text      (int      c,
                                          int      h,
                                          int      w,
                                          gboolean channels);

/* Class names of the known sets, NULL-terminated. */
const char * const *st_dataset_fashion_mnist_classes (void);
const char * const *st_dataset_cifar10_classes       (void);

void          st_dataset_pair_free       (StDatasetPair *pair);

/* ---- for the readers ------------------------------------------------------------------- */

/* Stats `path`, following links, without opening it: a FIFO would block the open and a
 * device never end, so anything but a regular file fails, naming the path and what it is
 * ("…: a FIFO, not a regular file"). `size` (may be NULL) gets the file's bytes. */
gboolean      st_dataset_check_file      (const char *path,
                                          gint64     *size,
                                          GError    **error);
/* st_dataset_check_file (), then opens the file for reading without waiting and checks it
 * again, so that a FIFO swapped in between is refused too: a descriptor to close, or -1. */
int           st_dataset_open_file       (const char *path,
                                          gint64     *size,
                                          GError    **error);
/* Fails with ST_DATASET_ERROR_TOO_LARGE when `bytes` exceed the memory available now (the
 * kernel's MemAvailable, or the control group's limit when lower): "`origin`: `what` need
 * 44.9 GiB; 12.0 GiB is available". Passes when the available memory cannot be told. */
gboolean      st_dataset_check_memory    (const char *origin,
                                          guint64     bytes,
                                          const char *what,
                                          GError    **error);
/* TRUE to go on reading; FALSE with G_IO_ERROR_CANCELLED, naming `display`, once `control`
 * (may be NULL) says to stop. */
gboolean      st_dataset_keep_reading    (const StDatasetReadControl *control,
                                          const char                 *display,
                                          GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StDataset, st_dataset_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StDatasetPair, st_dataset_pair_free)

G_END_DECLS
