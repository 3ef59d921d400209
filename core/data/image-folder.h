/* image-folder.h: a folder of images with one sub-folder per class, as torchvision's
 * ImageFolder reads it:
 *
 *   root/cat/001.png, root/cat/002.jpg, ..., root/dog/001.png, ...
 *
 * Classes are the sub-folders sorted by name (class 0 is the first); images within a class
 * are taken in name order; hidden files and folders are skipped, and so are files whose
 * names do not end in the extension of a format gdk-pixbuf reads (.png, .jpg, .bmp, ...),
 * as ImageFolder skips them; anything else of an image's name that is not a regular file (a
 * FIFO, a device, a dangling link) is refused. Every image becomes `channels` planes of one
 * common size. A file cut short is refused: gdk-pixbuf decodes a truncated PNG without a
 * word, so PNG files must reach their IEND chunk.
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"

G_BEGIN_DECLS

typedef struct {
  int                  channels;  /* 0: as the images are (3 when any has colour, else 1),
                                   * 1: luminance (ITU-R BT.601, as PIL's "L"), 3: RGB */
  int                  width;     /* the common size; 0: the first image's */
  int                  height;
  StImageFit           fit;
  /* The classes in index order (a test/ folder takes its train/ sibling's), NULL-
   * terminated; a sub-folder not among them is an error. NULL: the sub-folders. */
  const char * const  *classes;
  /* Where width and height come from, for messages (the train/ folder whose size a test/
   * folder takes); NULL: they were asked for. */
  const char          *size_from;
  /* max_examples: only the first images, in class then name order, are decoded. */
  StDatasetReadControl control;
} StImageFolderOptions;

/* 1 channel, the first image's size, ST_IMAGE_FIT_EXACT, classes from the sub-folders, no
 * limit, no cancelling. */
void       st_image_folder_options_init (StImageFolderOptions *options);

StDataset *st_image_folder_load         (const char                 *path,
                                         const StImageFolderOptions *options,
                                         GError                    **error);

/* One picture file as a dataset of one image (label 0, one class) at the picture's own size,
 * read as a folder's images are: the size checked before decoding, a PNG cut short refused;
 * `channels` 1 converts to grey as PIL's "L" does, 3 keeps R, G and B. Errors name the
 * file. */
StDataset *st_image_file_load           (const char *path,
                                         int         channels,
                                         GError    **error);

/* TRUE when `path` is a folder with at least one sub-folder that is not hidden. */
gboolean   st_image_folder_has_classes  (const char *path);

G_END_DECLS
