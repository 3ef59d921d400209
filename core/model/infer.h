/* infer.h: shape inference — what every layer of a spec produces, before anything runs.
 *
 * st_spec_infer() walks a spec for its input shape and gives each node (leaf or block,
 * in pre-order) its output shape, parameter count, activation size and multiply-adds,
 * and at most one error worded for a learner. It never stops at an error: the failing
 * layer gets a best-effort output and the walk goes on. Errors that only follow from an
 * earlier one (a Linear after a pool that produced 16×0×0) are not reported again, so the
 * layer to fix is the one marked.
 *
 * After an invalid layer nothing is known of what flows on: every later shape is unknown
 * ("?"), whatever the rules of the layers after it could guess. The invalid layer keeps its
 * own best-effort output (a pool's 16×0×0), except a layer that cannot be built as written
 * (a problem of the file or of a field, a required argument left out), whose output and
 * parameters are unknown too. Parameters are counted from the sizes a layer declares
 * (in_channels, in_features, num_features) where it declares them, else from its input.
 *
 * It allocates only its result and does no tensor work: the builder runs it on every edit.
 * Totals follow torchsummary (batch size 1, float32): the params and activation counts of
 * every row, activations counted twice for their gradients. What is unknown counts as 0, so
 * with `partial` set the totals are only what could be counted.
 */
#pragma once

#include "core/model/layer-info.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

typedef struct {
  StShape      input;
  StShape      output;
  StLayerInfo *layers;        /* pre-order: a block before its contents */
  guint        n_layers;
  guint       *summary_order; /* torchsummary's order: a block after its contents */
  gint64       total_params;
  gint64       trainable_params;
  gint64       total_buffers;
  gint64       total_activation;
  gint64       total_macs;
  double       input_mb;      /* torchsummary's "Input size (MB)" */
  double       pass_mb;       /* "Forward/backward pass size (MB)" */
  double       params_mb;     /* "Params size (MB)" */
  double       total_mb;      /* "Estimated Total Size (MB)" */
  guint        n_errors;
  gboolean     partial;       /* some shape or parameter count is unknown: totals fall short */
} StInfer;

StInfer *st_spec_infer        (const StSpec *spec);
StInfer *st_spec_infer_input  (const StSpec *spec, const StShape *input);
void     st_infer_free        (StInfer *infer);
/* TRUE when the model has no error; else FALSE with an error of `domain` and `code` that
 * names the first layer in error in pre-order (the one to fix: later ones may follow from
 * it), "layer 8 (AvgPool2d): …", and says when more errors come after it. */
gboolean st_infer_check       (const StInfer *infer,
                               GQuark         domain,
                               int            code,
                               GError       **error);

/* The row of a node, or NULL. */
const StLayerInfo *st_infer_find (const StInfer *infer, const StNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StInfer, st_infer_free)

G_END_DECLS
