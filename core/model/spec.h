/* spec.h: a model as the person wrote it — the `*.strata.json` model file in memory.
 *
 * A spec is a sequence of nodes. A leaf node is one PyTorch layer (Conv2d, ReLU, ...);
 * a block node holds sequences of its own: Concat has branches, Residual a body and an
 * optional shortcut. Argument names are PyTorch's.
 *
 * Reading is forgiving where a builder needs it to be: a layer with an unknown type, an
 * unknown argument or a value of the wrong kind is kept, marked with a problem that names
 * the argument, and the rest of the model still loads; so does a top-level layer whose
 * blocks nest more than 64 deep, kept as one problem without its contents. Only a file that
 * is not a model at all (not JSON, no "layers", a wrong "format", nested past the JSON limit
 * of json-guard.h) fails to load.
 *
 * This header is the data model only. Reading a file, text or preset into a spec is
 * spec-read.h; a node of a given layer type, with that type's defaults, is layer-types.h
 * (st_node_new).
 */
#pragma once

#include <glib.h>

#include "core/model/shape.h"
#include "core/model/spec-error.h"
#include "core/model/train-config.h"

G_BEGIN_DECLS

#define ST_MODEL_FORMAT "strata-model/1"

typedef enum {
  ST_ARG_IN_CHANNELS,
  ST_ARG_OUT_CHANNELS,
  ST_ARG_KERNEL_SIZE,
  ST_ARG_STRIDE,
  ST_ARG_PADDING,
  ST_ARG_DILATION,
  ST_ARG_BIAS,
  ST_ARG_IN_FEATURES,
  ST_ARG_OUT_FEATURES,
  ST_ARG_NUM_PARAMETERS,
  ST_ARG_INIT,
  ST_ARG_NUM_FEATURES,
  ST_ARG_EPS,
  ST_ARG_MOMENTUM,
  ST_ARG_AFFINE,
  ST_ARG_P,
  ST_ARG_NEGATIVE_SLOPE,
  ST_ARG_OUTPUT_SIZE,
  ST_ARG_INPLACE,
  ST_N_ARGS
} StArgId;

typedef enum {
  ST_ARG_KIND_INT,      /* an integer */
  ST_ARG_KIND_PAIR,     /* an integer or an [h, w] pair */
  ST_ARG_KIND_FLOAT,    /* a number */
  ST_ARG_KIND_BOOL,     /* true or false */
} StArgKind;

typedef struct {
  gint64   i[2];        /* INT: i[0]; PAIR: (h, w), equal when written as one integer */
  double   f;
  gboolean b;
} StArgValue;

typedef struct {
  guint64    given;     /* bit (1 << StArgId) for each argument the file set */
  StArgValue v[ST_N_ARGS];
} StLayerArgs;

typedef struct _StLayerType StLayerType;
typedef struct _StNode StNode;

struct _StNode {
  const StLayerType *type;       /* NULL when the type is unknown */
  char              *type_name;  /* as written */
  StLayerArgs        args;       /* defaults filled in, `given` marks the written ones */
  GPtrArray         *branches;   /* Concat: GPtrArray of (GPtrArray of StNode) */
  GPtrArray         *body;       /* Residual: GPtrArray of StNode */
  GPtrArray         *shortcut;   /* Residual: GPtrArray of StNode, NULL for the identity */
  char              *problem;    /* why the node could not be read as written, or NULL */
  char              *problem_arg;/* the argument or key the problem concerns, or NULL */
  char              *raw_json;   /* the node as read, kept when it has a problem */
};

typedef struct {
  char          *name;
  StShape        input;          /* (C, H, W) */
  GPtrArray     *layers;         /* StNode */
  gboolean       has_training;
  StTrainConfig  training;
} StSpec;

StSpec     *st_spec_new              (const char *name, const StShape *input);
void        st_spec_free             (StSpec *spec);
StSpec     *st_spec_copy             (const StSpec *spec);

char       *st_spec_to_json          (const StSpec *spec);
/* Atomic: written beside, flushed to disk, renamed over the old file. */
gboolean    st_spec_save             (const StSpec *spec,
                                      const char   *path,
                                      GError      **error);

void        st_node_free             (StNode *node);
StNode     *st_node_copy             (const StNode *node);
GPtrArray  *st_node_seq_new          (void);

gboolean    st_node_has_arg          (const StNode *node, StArgId id);
void        st_node_set_int          (StNode *node, StArgId id, gint64 value);
void        st_node_set_pair         (StNode *node, StArgId id, gint64 h, gint64 w);
void        st_node_set_float        (StNode *node, StArgId id, double value);
void        st_node_set_bool         (StNode *node, StArgId id, gboolean value);

const char *st_arg_name              (StArgId id);
StArgKind   st_arg_kind              (StArgId id);
gboolean    st_arg_lookup            (const char *name, StArgId *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StSpec, st_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StNode, st_node_free)

G_END_DECLS
