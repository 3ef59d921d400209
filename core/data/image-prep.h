/* image-prep.h: a person's own picture made into one input image of a model.
 *
 * A picture opened in the window or dropped on it (st_image_file_load: one image, grey or
 * RGB, any size) rarely looks like the data the model learnt from. This module prepares it
 * the way that data was prepared:
 *
 *   MNIST     as LeCun's MNIST was made: grey, the ink bright on black (a picture with a
 *             light border is inverted, and the paper's level, read on the border, taken
 *             away, so that grey or unevenly lit paper becomes 0; ink less than 24 levels
 *             above it is none, and the picture blank), the ink's bounding box scaled,
 *             aspect kept, so its longer side is 20/28 of the image's (20 px of 28), by
 *             area averaging, its brightest pixel stretched to 255, and placed so that its
 *             centre of mass lies at the image's centre ("normalized to fit in a 20x20
 *             pixel box while preserving their aspect ratio ... centered in a 28x28 image
 *             by computing the center of mass of the pixels").
 *   FIT       the whole picture scaled to fit, aspect kept, centred, the rest filled with
 *             the mean colour of the picture's border.
 *   STRETCH   the whole picture scaled to exactly the image's size.
 *
 * Scaling averages the source pixels under each output pixel, weighted by their overlap
 * (area averaging, as PIL's BOX filter) when it shrinks, and is bilinear when it enlarges.
 * The result holds bytes 0..255 as any dataset does; the model's normalisation is the
 * backend's, later.
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"

G_BEGIN_DECLS

typedef enum {
  ST_IMAGE_PREP_AUTO,     /* MNIST for 1-channel models, FIT for colour ones */
  ST_IMAGE_PREP_MNIST,    /* the ink found, scaled into 20/28 of the image, centred by mass */
  ST_IMAGE_PREP_FIT,      /* aspect kept, scaled to fit, centred, padded with the border */
  ST_IMAGE_PREP_STRETCH,  /* scaled to exactly height × width */
  ST_IMAGE_PREP_FASHION,  /* as MNIST, but as Fashion-MNIST was made: the ink's box scaled
                           * until its longer side fills the image's, and centred */
} StImagePrep;

/* `picture`, one image of 1 or 3 channels and any size, as one image (label 0, one class,
 * the picture's name and origin) of `channels` (1 or 3) × `height` × `width`. Three
 * channels become one as PIL's "L" does (L = R 299/1000 + G 587/1000 + B 114/1000), one
 * becomes three by repeating it; ST_IMAGE_PREP_MNIST (and _FASHION) works in grey and repeats its result
 * for three channels.
 *
 * Fails, naming the picture, with G_IO_ERROR_INVALID_ARGUMENT when `channels` is not 1 or 3
 * or a side is below 1 or above ST_DATASET_MAX_SIDE; with ST_DATASET_ERROR_FORMAT when the
 * picture is not exactly one image of 1 or 3 channels and sides within those limits, or,
 * prepared as MNIST, has no ink ("… is blank: …"); with ST_DATASET_ERROR_TOO_LARGE when
 * the memory to scale it cannot be had. */
StDataset *st_image_prepare (const StDataset *picture,
                             int              channels,
                             int              height,
                             int              width,
                             StImagePrep      how,
                             GError         **error);

G_END_DECLS
