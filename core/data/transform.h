/* transform.h: from dataset bytes to the float batch a net eats — the trainer's hot path.
 *
 *   N  examples in the batch     C, H, W  channels, height, width of the dataset
 *
 * Each example becomes (pixel/255 − mean[c]) / std[c] — torchvision's ToTensor() then
 * Normalize(mean, std). Augmentation, only when asked for (training, never evaluation),
 * draws per example from the caller's StRng, in this order, and applies one geometric map
 * to the image (https://pytorch.org/vision/stable/transforms.html):
 *
 *   horizontal flip   with probability 0.5 (RandomHorizontalFlip)
 *   rotation          uniform in [−d, d] degrees, counter-clockwise about the image centre,
 *                     bilinear (RandomRotation(d, interpolation=BILINEAR))
 *   shift             the content moves by whole pixels, uniform in [−k, k] each way
 *                     (RandomAffine's translate, in pixels)
 *   crop              zero-padding by k pixels then a random H×W window (RandomCrop(padding=k))
 *
 * Pixels that come from outside the image are 0 — black, before normalisation — as the
 * torchvision transforms fill a PIL image before ToTensor. A batch allocates nothing:
 * st_transform_plan_init() checks the settings against the dataset once, at setup, and
 * precomputes everything the per-batch calls need; the caller sizes the output buffer
 * with st_transform_batch_floats().
 */
#pragma once

#include <glib.h>

#include "core/data/dataset.h"
#include "core/ops/rng.h"

G_BEGIN_DECLS

#define ST_TRANSFORM_MAX_SHIFT    1024
#define ST_TRANSFORM_MAX_ROTATION 180.0

typedef enum {
  ST_TRANSFORM_EVAL,    /* normalise only; the RNG is not touched */
  ST_TRANSFORM_TRAIN,   /* normalise and augment */
} StTransformMode;

/* The settings, field for field the model file's "normalize" and "augment" sections
 * (StNormalizeConfig, StAugmentConfig in train-config.h). */
typedef struct {
  int      n_norm;               /* 0: pixel/255 only; 1: one mean and std for all; or C */
  double   mean[ST_DATASET_MAX_CHANNELS];
  double   std[ST_DATASET_MAX_CHANNELS];
  int      shift;                /* at most this many pixels each way */
  double   rotation;             /* at most this many degrees each way */
  gboolean horizontal_flip;      /* flip half of the images left to right */
  int      crop_padding;         /* pad by this many pixels, then crop back at random */
} StTransform;

/* The settings checked against one dataset's shape, ready for the hot path. */
typedef struct {
  int         c, h, w;
  StTransform settings;
  float       lut[ST_DATASET_MAX_CHANNELS][256];  /* (v/255 − mean)/std, rounded once */
  float       scale[ST_DATASET_MAX_CHANNELS];     /* 1/(255 std), for interpolated v */
  float       bias[ST_DATASET_MAX_CHANNELS];      /* −mean/std */
} StTransformPlan;

/* One example's augmentation, as drawn. */
typedef struct {
  gboolean flip;        /* mirror left to right */
  double   angle;       /* degrees, counter-clockwise; 0: none */
  int      dx, dy;      /* the content moves right by dx and down by dy pixels */
} StAugmentDraw;

/* No normalisation beyond pixel/255 and no augmentation. */
void     st_transform_init         (StTransform *transform);

/* Checks `transform` for (C, H, W) examples; messages name the setting at fault. */
gboolean st_transform_plan_init    (StTransformPlan   *plan,
                                    const StTransform *transform,
                                    int                c,
                                    int                h,
                                    int                w,
                                    GError           **error);
/* Floats of an output batch of `batch_size` examples: batch_size × C × H × W. */
gsize    st_transform_batch_floats (const StTransformPlan *plan,
                                    gsize                  batch_size);

/* Draws one example's augmentation from `rng` (nothing for settings that are off). */
void     st_transform_draw         (StAugmentDraw         *draw,
                                    const StTransformPlan *plan,
                                    StRng                 *rng);
/* The augmentation of the example at `position` in a training step's batch, from the
 * step's `seed`: a stream of its own (a generator seeded with `seed`, forked by the
 * position), so that the draws do not depend on how a backend splits the batch. The CPU
 * backend draws this way and gpu/transform.cu the same on the device. */
void     st_transform_draw_at      (StAugmentDraw         *draw,
                                    const StTransformPlan *plan,
                                    guint64                seed,
                                    guint64                position);
/* One example: out (C, H, W) floats from in (C, H, W) bytes; `draw` NULL: no augmentation. */
void     st_transform_example      (float                 *out,
                                    const guint8          *in,
                                    const StTransformPlan *plan,
                                    const StAugmentDraw   *draw);
/* The batch of examples idx[0..n): out (N, C, H, W), labels (N). In ST_TRANSFORM_TRAIN
 * mode the draws are made from `rng` in example order, so a given RNG state gives the same
 * batch; in ST_TRANSFORM_EVAL mode `rng` may be NULL. */
void     st_transform_batch        (float                 *out,
                                    guint8                *labels,
                                    const StDataset       *dataset,
                                    const guint32         *idx,
                                    gsize                  n,
                                    const StTransformPlan *plan,
                                    StTransformMode        mode,
                                    StRng                 *rng);

/* An epoch's order: order[0..n) becomes a random permutation of 0..n−1. */
void     st_transform_epoch_order  (guint32 *order,
                                    gsize    n,
                                    StRng   *rng);

G_END_DECLS
