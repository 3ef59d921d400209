/* insight.h: what happens inside the network while it learns, measured at each epoch's end
 * without changing the run: per layer, the histogram and norm of its weights and of the last
 * step's gradients, and how far the epoch moved the weights (‖Δw‖ / ‖w‖ of the epoch before:
 * the update-to-weight ratio); per activation layer, over the first ST_INSIGHT_PROBE test
 * images, the ReLUs that never fire (dead: zero for every image) and the Sigmoid or Tanh
 * outputs saturated (within 0.01 of a bound).
 *
 * Everything is read, nothing written: the weights are the caller's copy (the trainer reads
 * them once at an epoch's end for its checkpoint too), the gradients come through
 * st_backend_read_grads, the activations through snapshots in evaluation mode. The buffers
 * are allocated once, by st_insight_new.
 */
#pragma once

#include "core/data/dataset.h"
#include "core/engine/backend.h"

G_BEGIN_DECLS

#define ST_INSIGHT_BINS  32
#define ST_INSIGHT_PROBE 64

typedef struct {
  double  lo, hi;                       /* the range the bins split evenly */
  guint32 counts[ST_INSIGHT_BINS];
} StInsightHistogram;

/* A layer's weight tensor (Conv2d's, Linear's). */
typedef struct {
  const char        *name;              /* "0.weight", the net's */
  double             weight_norm;
  double             grad_norm;
  double             update_ratio;      /* NaN at the first epoch measured */
  StInsightHistogram weights;
  StInsightHistogram grads;
} StInsightLayer;

/* An activation layer's output over the probe images. */
typedef struct {
  const char *path;                     /* "1", the net's */
  StOpKind    kind;                     /* ST_OP_RELU, ST_OP_SIGMOID or ST_OP_TANH */
  double      fraction;                 /* ReLU: units dead; Sigmoid, Tanh: outputs saturated */
} StInsightActivation;

typedef struct _StInsight StInsight;

/* For a backend prepared for batches of `batch_size`, which the probe images go through a
 * batch at a time. NULL when the buffers do not fit in memory. */
StInsight *st_insight_new         (const StNet *net,
                                   int          batch_size);
void       st_insight_free        (StInsight *insight);
/* Measures the backend's net after an epoch, whose weights are `params` (n_params, as
 * st_backend_read_state gives them); the activations on the first images of `test`. */
gboolean   st_insight_measure     (StInsight        *insight,
                                   StBackend        *backend,
                                   const float      *params,
                                   const StDataset  *test,
                                   GError          **error);
const StInsightLayer      *st_insight_get_layers      (const StInsight *insight,
                                                       guint           *n);
const StInsightActivation *st_insight_get_activations (const StInsight *insight,
                                                       guint           *n);
/* The measures as one JSON object, without a newline:
 * {"epoch": 3, "layers": [{"name": "0.weight", "weight_norm": …, "grad_norm": …,
 *  "update_ratio": … or null, "weights": {"lo": …, "hi": …, "counts": [… 32]},
 *  "grads": {…}}, …], "activations": [{"layer": "1", "type": "ReLU", "dead": 0.12},
 *  {"layer": "4", "type": "Sigmoid", "saturated": 0.4}, …]} */
void       st_insight_append_json (const StInsight *insight,
                                   int              epoch,
                                   GString         *out);

/* An epoch's insight as read back from its JSON line; the layers' names and the
 * activations' paths are the epoch's own. */
typedef struct {
  int                  epoch;
  guint                n_layers;
  StInsightLayer      *layers;
  guint                n_acts;
  StInsightActivation *acts;
} StInsightEpoch;

/* NULL with an error when `line` is not one epoch's insight. */
StInsightEpoch *st_insight_epoch_parse (const char            *line,
                                        GError               **error);
StInsightEpoch *st_insight_epoch_copy  (const StInsightEpoch  *epoch);
void            st_insight_epoch_free  (StInsightEpoch        *epoch);
/* A run's insight.jsonl: its epochs (StInsightEpoch, freed with the array) in the file's
 * order; a line that does not read (one cut short by a kill) is left out. An empty array
 * when the file has none; NULL with an error naming the file when it cannot be read. */
GPtrArray      *st_insight_read        (const char            *path,
                                        GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StInsight, st_insight_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StInsightEpoch, st_insight_epoch_free)

G_END_DECLS
