/* checkpoint.h: a net's weights as a safetensors file that PyTorch loads.
 *
 * Keys are the net's tensor names ("0.weight", "5.branches.1.0.bias", BatchNorm's
 * "running_mean" and "running_var"), so `model.load_state_dict(load_file(path), strict=False)`
 * takes them; metadata carries the model JSON, the epoch and the test accuracy. Saving is
 * atomic: a crash or kill mid-save leaves the previous file intact.
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

G_END_DECLS
