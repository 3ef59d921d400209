/* layer-info.h: one row of shape inference — what a layer produces (its shapes, sizes and
 * at most one error), the record that the leaf rules of layer-types.c fill in and the walk
 * of infer.c (infer.h) gathers for a whole spec.
 */
#pragma once

#include "core/model/shape.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

typedef struct {
  const StNode *node;
  char         *path;         /* "8", "5.branches.1.0", "3.body.2" — torch.nn.Sequential's naming */
  int           depth;        /* 0 at the top level */
  int           parent;       /* row of the enclosing block, -1 at the top level */
  int           number;       /* torchsummary's row number: "Conv2d-1" is 1 */
  StShape       in;
  StShape       out;
  gint64        params;       /* this node's own parameters (0 for a block itself) */
  gint64        trainable;
  gint64        buffers;      /* state that is not a parameter: BatchNorm2d running mean and var */
  gint64        subtree_params; /* params of the node and everything inside it */
  gint64        activation;   /* output elements per example */
  gint64        macs;         /* multiply-accumulates per example */
  char         *error;        /* NULL, or what is wrong */
  const char   *error_arg;    /* the argument the error is about, or NULL */
  gboolean      tainted;      /* output only a guess because of an error here or before */
  gboolean      params_unknown; /* params could not be counted: 0 stands in for them */
  gboolean      subtree_params_unknown; /* those of the node or of something inside it */
} StLayerInfo;

/* For the leaf infer functions of layer-types.c: record the first error only. */
void     st_layer_info_fail   (StLayerInfo *info, const char *arg, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

G_END_DECLS
