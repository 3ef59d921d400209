/* layer-types.h: the table of layer types, keyed by PyTorch's class name.
 *
 * Each type lists the arguments it accepts (with PyTorch's defaults) and its shape rule,
 * which fills in one row of shape inference (layer-info.h). The reader, shape inference,
 * the summary and the builder's cards all read this one table; adding a layer type is
 * adding a row. A new node takes its type's defaults from here (st_node_new).
 */
#pragma once

#include "core/model/layer-info.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

typedef enum {
  ST_LAYER_CONV2D,
  ST_LAYER_MAXPOOL2D,
  ST_LAYER_AVGPOOL2D,
  ST_LAYER_ADAPTIVEAVGPOOL2D,
  ST_LAYER_RELU,
  ST_LAYER_PRELU,
  ST_LAYER_LEAKYRELU,
  ST_LAYER_SIGMOID,
  ST_LAYER_TANH,
  ST_LAYER_FLATTEN,
  ST_LAYER_LINEAR,
  ST_LAYER_DROPOUT,
  ST_LAYER_BATCHNORM2D,
  ST_LAYER_CONCAT,
  ST_LAYER_RESIDUAL,
  ST_N_LAYER_KINDS
} StLayerKind;

typedef enum {
  ST_ARG_OPTIONAL,
  ST_ARG_REQUIRED,
} StArgPresence;

typedef struct {
  StArgId       id;
  StArgPresence presence;
  StArgValue    fallback;     /* PyTorch's default when absent */
} StArgSpec;

typedef void (*StInferFunc) (const StNode *node, const StShape *in, StLayerInfo *info);

struct _StLayerType {
  const char      *name;      /* PyTorch's class name */
  StLayerKind      kind;
  const char      *summary;   /* one line for the palette, marked N_(): shown through _() */
  const StArgSpec *args;
  int              n_args;
  StInferFunc      infer;     /* NULL for blocks: infer.c walks their contents */
  const char      *doc_url;   /* the PyTorch page the layer mirrors */
};

const StLayerType *st_layer_type_lookup   (const char *name);
const StLayerType *st_layer_type_get      (StLayerKind kind);
gboolean           st_layer_type_is_block (const StLayerType *type);
/* The argument's entry for this type, or NULL when the type does not take it. */
const StArgSpec   *st_layer_type_arg      (const StLayerType *type, StArgId id);
/* The closest known argument name of this type, for "did you mean". NULL if none is close. */
const char        *st_layer_type_suggest_arg (const StLayerType *type, const char *name);
/* The closest known type name, for "did you mean". */
const char        *st_layer_type_suggest  (const char *name);

/* A node of `type` (NULL: of an unknown type) with the type's defaults, none marked as
 * given; a Concat starts with no branches, a Residual with an empty body. */
StNode            *st_node_new            (const StLayerType *type);
/* Leaves argument `id` out again: not given, back to the type's default. */
void               st_node_unset          (StNode *node, StArgId id);

G_END_DECLS
