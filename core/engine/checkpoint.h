/* checkpoint.h: a net's weights as a safetensors file that PyTorch loads.
 *
 * Keys are the net's tensor names ("0.weight", "5.branches.1.0.bias", BatchNorm's
 * "running_mean" and "running_var"), so `model.load_state_dict(load_file(path), strict=False)`
 * takes them; metadata carries the model JSON, the epoch and the test accuracy. Saving is
 * atomic: a crash or kill mid-save leaves the previous file intact.
 *
 * A training checkpoint is such a file and more: the whole state of a run at the end of an
 * epoch, so that continuing it gives exactly what the run would have given uninterrupted.
 * Beside the weights (under their own names, so the file still opens as weights anywhere)
 * it holds the optimizer's state ("optimizer.m.<name>", "optimizer.v.<name>": SGD's
 * momentum, Adam's moments), the run's best weights so far ("best.<name>") and, in its
 * metadata, "strata.training": "1", the epoch, the optimizer's step, the run's random
 * generator, the best epoch and accuracy, the first batch's loss (the divergence rule's
 * reference), the dataset and the example limit the run trained with.
 */
#pragma once

#include "core/engine/net.h"

G_BEGIN_DECLS

/* `metadata`: string → string, may be NULL. The model JSON is added as "strata.model". */
gboolean st_checkpoint_save (const StNet  *net,
                             const float  *params,
                             const float  *buffers,
                             GHashTable   *metadata,
                             const char   *path,
                             GError      **error);
/* Reads weights into params and buffers (laid out as the net's tensor table), after
 * checking that the file holds exactly the net's tensors with the net's shapes. A file
 * without buffers (running statistics) leaves `buffers` as they are. */
gboolean st_checkpoint_load (const StNet  *net,
                             const char   *path,
                             float        *params,
                             float        *buffers,
                             GHashTable  **metadata,
                             GError      **error);

/* What a training checkpoint holds beside the weights. The arrays are the caller's when
 * saving; st_training_state_load allocates them (free with st_training_state_clear). */
typedef struct {
  int      epoch;               /* epochs completed */
  gint64   step;                /* optimizer steps taken */
  guint64  rng[4];              /* the run's generator after that epoch */
  int      best_epoch;          /* 0: none yet */
  double   best_acc;            /* -1 with best_epoch 0 */
  double   best_loss;
  double   first_loss;          /* the run's first finite batch loss; -1 none */
  gint64   limit;               /* the training examples the run used; 0 all */
  char    *dataset;             /* the dataset the run trained on */
  int      optim_per_param;     /* 0, 1 (m) or 2 (m, v) */
  float   *optim;               /* (optim_per_param, n_params): m then v */
  float   *best_params;         /* (n_params), NULL with best_epoch 0 */
  float   *best_buffers;        /* (n_buffers) */
} StTrainingState;

void     st_training_state_clear (StTrainingState *state);
/* Writes a training checkpoint atomically: the weights, then the state. */
gboolean st_training_state_save  (const StNet           *net,
                                  const float           *params,
                                  const float           *buffers,
                                  const StTrainingState *state,
                                  const char            *path,
                                  GError               **error);
/* Reads a checkpoint's weights as st_checkpoint_load does; when the file is a training
 * checkpoint, also its state into `state` (*has_state TRUE), checked against the net (the
 * optimizer's tensors, the best weights, the generator). A weights-only file leaves
 * *has_state FALSE and `state` zeroed but for its epoch ("strata.epoch", when given). */
gboolean st_training_state_load  (const StNet           *net,
                                  const char            *path,
                                  float                 *params,
                                  float                 *buffers,
                                  StTrainingState       *state,
                                  gboolean              *has_state,
                                  GError               **error);

G_END_DECLS
