/* snapshot.h: what the net makes of one image — its prediction and its first feature maps.
 *
 * The activations view shows the input as the net saw it (normalised), the class
 * probabilities, and the outputs of the first and the second Conv2d (in tape order) as grids.
 */
#pragma once

#include "core/backend.h"

G_BEGIN_DECLS

typedef struct {
  gint64  example;              /* index in the test set */
  int     label;
  int     prediction;
  int     n_classes;
  float  *probabilities;        /* (n_classes): softmax of the output; one output is p itself */
  float  *input;                /* (C, H, W) as the net saw it */
  StShape input_shape;
  int     n_maps;               /* feature maps taken: 0, 1 or 2 */
  char   *map_paths[2];         /* layer paths, e.g. "0" and "3" */
  StShape map_shapes[2];
  float  *maps[2];              /* (C, H, W) each */
} StSnapshot;

/* Runs test image `example` through the backend's current weights in evaluation mode. */
StSnapshot *st_snapshot_take (StBackend        *backend,
                              const StNet      *net,
                              const StDataset  *test,
                              gint64            example,
                              GError          **error);
void        st_snapshot_free (StSnapshot *snapshot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StSnapshot, st_snapshot_free)

G_END_DECLS
