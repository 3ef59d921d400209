/* spec-gen.h: random models for the property test (tests/test-property.c) — valid ones,
 * with their sizes worked out as they are drawn, and random edits of them.
 *
 * spec_gen_model() draws a model that is valid by construction: a small input (1–3 channels,
 * 4–16 pixels a side), every leaf type of core/model/layer-types.c, Concat and Residual nested two
 * deep, usually a Flatten + Linear head. The generator works out the output shape and the
 * parameter and buffer counts itself, with PyTorch's formulas, and hands them back for the
 * caller to hold against inference and the compiled net. spec_gen_edit() then changes one
 * thing: the input's size, one argument of one layer (0, negative, huge, 2^62, a mismatched
 * in_channels, unset), or one layer's type; the result may well be invalid.
 *
 * Both draw only from the caller's generator, in a fixed order, so a seed gives the same
 * models and the same edits.
 */
#pragma once

#include <glib.h>

#include "core/model/infer.h"
#include "core/model/spec.h"
#include "core/ops/rng.h"

G_BEGIN_DECLS

/* The generator's own account of a drawn model. */
typedef struct {
  StShape output;
  gint64  params;     /* all trainable */
  gint64  buffers;
} SpecGenSizes;

/* A valid model named "property-<seed>" (the seed only names it: the draws come from rng),
 * and its sizes in *sizes. */
StSpec *spec_gen_model (StRng *rng, guint64 seed, SpecGenSizes *sizes);

/* Edits `spec` in place, once; inf is its inference before the edit, whose rows name the
 * layer edited and give near misses of its input's size. Returns a description of the edit,
 * such as "layer 3.body.0: stride = [1, 2]". */
char   *spec_gen_edit  (StRng *rng, StSpec *spec, const StInfer *inf);

G_END_DECLS
