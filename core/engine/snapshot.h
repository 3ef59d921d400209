/* snapshot.h: what the net makes of one image — its prediction, its first feature maps and
 * the whole forward pass.
 *
 * The activations view shows the input as the net saw it (normalised), the class
 * probabilities, the outputs of the first and the second Conv2d (in tape order) as grids, and
 * the first Conv2d's weights: the filters those first maps come from; its layer inspector
 * reads every other value from the pass (explain.h).
 */
#pragma once

#include "core/engine/backend.h"
#include "core/engine/explain.h"

G_BEGIN_DECLS

typedef struct {
  gint64  example;              /* index in the test set; -1: a picture of the person's own */
  int     label;                /* -1 for a picture of the person's own */
  int     prediction;
  int     n_classes;
  float  *probabilities;        /* (n_classes): softmax of the output; one output is p itself */
  float  *input;                /* (C, H, W) as the net saw it */
  StShape input_shape;
  int     n_maps;               /* feature maps taken: 0, 1 or 2 */
  char   *map_paths[2];         /* layer paths, e.g. "0" and "3" */
  StShape map_shapes[2];
  float  *maps[2];              /* (C, H, W) each */
  float  *filters;              /* (OC, IC, KH, KW): the first Conv2d's weight; NULL: none */
  gint64  filter_dims[4];       /* OC, IC, KH, KW */
  StExplainPass *pass;          /* every value of the forward pass, the parameters and the
                                 * buffers (explain.h) */
} StSnapshot;

/* The class a net's output stands for, the rule every prediction in Strata follows: with K > 1
 * outputs (logits) the first of the largest softmax probabilities; with one output (already a
 * probability, BCELoss after a Sigmoid) class 1 when it is at least 0.5. Writes the K
 * probabilities (one: the output itself) when `probabilities` is not NULL. */
int         st_snapshot_classify (const float *outputs,
                                  gsize        n_outputs,
                                  float       *probabilities);

/* Runs test image `example` through the backend's current weights in evaluation mode and
 * keeps the whole pass (st_snapshot_from_pass). */
StSnapshot *st_snapshot_take (StBackend        *backend,
                              const StNet      *net,
                              const StDataset  *test,
                              gint64            example,
                              GError          **error);
/* The pictures of a whole forward pass of `net` (st_explain_pass_take), which the snapshot
 * takes and keeps; `label` -1 for a picture that is not a test image. */
StSnapshot *st_snapshot_from_pass (const StNet   *net,
                                   StExplainPass *pass,
                                   int            label);
/* Copies the pictures and the forward pass. */
StSnapshot *st_snapshot_copy (const StSnapshot *snapshot);
void        st_snapshot_free (StSnapshot *snapshot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StSnapshot, st_snapshot_free)

G_END_DECLS
