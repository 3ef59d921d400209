/* csv-dataset.h: images as CSV rows, in the layout of Kaggle's fashion-mnist_test.csv.
 *
 *   label,pixel1,pixel2,...,pixel784      (the header line is optional)
 *   9,0,0,0,...,0
 *
 * One row per image: the label, then the pixels of a square 1-channel image row by row,
 * each a whole number from 0 to 255. The side is the square root of the pixel count
 * (784 = 28×28); every row must have as many columns as the first. The text is ASCII or
 * UTF-8 (a byte-order mark is skipped); UTF-16 and other separators than commas are told
 * apart from damage and named in the message.
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"

G_BEGIN_DECLS

/* Every label must be below `n_classes`; 0 takes the largest label + 1, and "0", "1", ...
 * as class names. Messages name the file and the line. */
StDataset *st_csv_dataset_load      (const char *path,
                                     int         n_classes,
                                     GError    **error);
/* The same, parsing only the first control->max_examples rows when that is not 0 and asking
 * control->cancelled every few MB; `control` may be NULL. */
StDataset *st_csv_dataset_load_full (const char                 *path,
                                     int                         n_classes,
                                     const StDatasetReadControl *control,
                                     GError                    **error);

G_END_DECLS
