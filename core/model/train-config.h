/* train-config.h: the "training" section of a model file — how to train it.
 *
 * Names follow PyTorch: "CrossEntropyLoss", {"type": "SGD", "lr": 0.9}, "xavier_uniform".
 * Every key is checked; a misspelt one is an error naming "training.<key>". The optimizer's
 * configuration is core/ops/optim.h's.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "core/ops/optim.h"

G_BEGIN_DECLS

typedef enum {
  ST_LOSS_CROSS_ENTROPY,
  ST_LOSS_BCE,
  ST_LOSS_MSE,
  ST_N_LOSSES
} StLossKind;

typedef enum {
  ST_INIT_DEFAULT,            /* PyTorch's own per layer type */
  ST_INIT_XAVIER_UNIFORM,
  ST_INIT_XAVIER_NORMAL,
  ST_INIT_KAIMING_UNIFORM,
  ST_INIT_KAIMING_NORMAL,
  ST_N_INITS
} StInitKind;

#define ST_MAX_CHANNELS_NORMALIZE 4
/* The limits of "epochs" and "batch_size", in a model file and on the command line. */
#define ST_TRAIN_MAX_EPOCHS       100000
#define ST_TRAIN_MAX_BATCH        65536

typedef struct {
  int    n;                   /* 0: no normalisation beyond pixels/255 */
  double mean[ST_MAX_CHANNELS_NORMALIZE];
  double std[ST_MAX_CHANNELS_NORMALIZE];
} StNormalizeConfig;

typedef struct {
  int      shift;             /* random translation, at most this many pixels each way */
  double   rotation;          /* random rotation, at most this many degrees each way */
  gboolean horizontal_flip;   /* flip half of the images left to right */
  int      crop_padding;      /* pad by this many pixels, then crop back at random */
} StAugmentConfig;

typedef struct {
  char             *dataset;      /* "fashion-mnist", "mnist", or a path */
  int               epochs;
  int               batch_size;
  StLossKind        loss;
  StInitKind        init;
  guint64           seed;
  StOptimConfig     optimizer;
  StNormalizeConfig normalize;
  StAugmentConfig   augment;
  /* Image folders: images of another size are scaled (bilinear) to the model's input
   * height and width instead of refused; "resize_images" in the file. */
  gboolean          resize_images;
} StTrainConfig;

void        st_train_config_init_default (StTrainConfig *config);
void        st_train_config_clear        (StTrainConfig *config);
void        st_train_config_copy         (StTrainConfig *dest, const StTrainConfig *src);
void        st_optim_config_init_default (StOptimConfig *optim, StOptimKind type);

/* `origin` names the file in messages. */
gboolean    st_train_config_from_json    (StTrainConfig *config,
                                          JsonObject    *object,
                                          const char    *origin,
                                          GError       **error);
/* Appends the section as a JSON object, nested `indent` spaces deep. */
void        st_train_config_write        (const StTrainConfig *config,
                                          GString             *out,
                                          int                  indent);

const char *st_loss_name                 (StLossKind kind);
const char *st_optim_name                (StOptimKind kind);
const char *st_init_name                 (StInitKind kind);
gboolean    st_loss_from_name            (const char *name, StLossKind *kind);
gboolean    st_optim_from_name           (const char *name, StOptimKind *kind);
gboolean    st_init_from_name            (const char *name, StInitKind *kind);

G_END_DECLS
