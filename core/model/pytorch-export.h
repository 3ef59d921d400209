/* pytorch-export.h: a model as PyTorch code — a Python module that stands on its own.
 *
 * The module imports only torch and the standard library. It defines the network as one
 * nn.Sequential (with small Concat and Residual classes when the model has those blocks),
 * every inferred size written out and each layer's output shape in a comment, so that
 * `build_model().state_dict()` has Strata's tensor names and shapes ("0.weight",
 * "5.branches.1.0.bias", "3.body.2.weight"), in the same order. A plain nn.BatchNorm2d adds
 * PyTorch's `num_batches_tracked` counter, which Strata does not keep: load_state_dict
 * fills it in when it is missing, so a Strata weight file loads with strict=True, and Strata
 * skips it when it reads a file saved by PyTorch.
 *
 * Beside build_model() the module has INPUT_SHAPE, the training section as TRAINING (with
 * build_loss() and build_optimizer(model)), read_safetensors() and load_checkpoint() for
 * Strata's weight files without the safetensors package, and a __main__ that prints the
 * model and its parameter count (and torchsummary's table when that is installed).
 */
#pragma once

#include "core/model/spec.h"

G_BEGIN_DECLS

#define ST_EXPORT_ERROR (st_export_error_quark ())
GQuark st_export_error_quark (void);

typedef enum {
  ST_EXPORT_ERROR_MODEL,         /* the model has errors: nothing to export */
  ST_EXPORT_ERROR_UNSUPPORTED,   /* a layer type the export does not know */
} StExportError;

/* The module's source text, UTF-8; NULL and an error naming the layer when the model has
 * an error or a layer of unknown type. */
char *st_spec_to_pytorch (const StSpec *spec, GError **error);

G_END_DECLS
