/* net.h: a spec compiled for training — a flat tape of ops over numbered values.
 *
 * Compiling walks the spec once (with its shapes from st_spec_infer) and emits one op per
 * leaf in execution order; blocks compile into ops on the same tape:
 *   Concat   → each branch's ops, then CONCAT (branch outputs joined along channels)
 *   Residual → the body's ops, the shortcut's ops (if any), then ADD
 *   Flatten  → no op: its value is the same memory as its input (NCHW is contiguous)
 * Backward walks the tape in reverse.
 *
 * Values are activations: value 0 is the input batch; every op writes one value. Sizes are
 * per example; a backend multiplies by the batch size when it lays out its arena.
 *
 * Gradient accumulation, the one rule for every backend:
 *   - parameter gradients ACCUMULATE and are zeroed once per step;
 *   - a value read by several ops (the input of a Concat's branches, of a Residual's body
 *     and shortcut or skip) receives its gradient from each: the consumer that runs first in
 *     backward (last in forward) WRITES, the others ADD. Compilation records the mode per
 *     op input (StOpInput.grad_mode); the network's input (value 0) gets no gradient.
 *
 * Parameters live in one block in torch.nn.Sequential's state_dict order; gradients and
 * optimizer state are blocks of the same layout (llm.c's fill_in_parameter_sizes).
 */
#pragma once

#include "core/model/infer.h"
#include "core/model/spec.h"
#include "core/ops/grad-mode.h"
#include "core/ops/rng.h"

G_BEGIN_DECLS

typedef enum {
  ST_OP_CONV2D,
  ST_OP_MAXPOOL2D,
  ST_OP_AVGPOOL2D,
  ST_OP_ADAPTIVEAVGPOOL2D,
  ST_OP_RELU,
  ST_OP_LEAKYRELU,
  ST_OP_PRELU,
  ST_OP_SIGMOID,
  ST_OP_TANH,
  ST_OP_LINEAR,
  ST_OP_DROPOUT,
  ST_OP_BATCHNORM2D,
  ST_OP_CONCAT,
  ST_OP_ADD,
  ST_N_OPS
} StOpKind;

#define ST_OP_MAX_INPUTS 8

typedef struct {
  int        value;
  StGradMode grad_mode;
} StOpInput;

typedef struct {
  gint64 c, h, w;                /* per-example input shape (rank 1: c = features, h = w = 1) */
  gint64 oc, oh, ow;             /* per-example output shape */
  gint64 kh, kw, sh, sw, ph, pw, dh, dw;
} StOpGeom;

/* An op's arguments beyond its geometry, named as PyTorch names them; the op's kind says
 * which member holds them (the others are not to be read). */
typedef union {
  struct { gboolean bias; } conv2d;                           /* ST_OP_CONV2D */
  struct { gboolean bias; } linear;                           /* ST_OP_LINEAR */
  struct { double negative_slope; } leaky_relu;               /* ST_OP_LEAKYRELU */
  struct { double init; } prelu;                              /* ST_OP_PRELU: weight's start */
  struct { double p; } dropout;                               /* ST_OP_DROPOUT */
  struct { double eps, momentum; gboolean affine; } batchnorm2d;  /* ST_OP_BATCHNORM2D */
} StOpArgs;

/* What every backend needs of an op beside its geometry, planned once by st_net_compile so
 * that no backend plans on its own. Sizes are per example; a backend multiplies by its
 * batch. */
typedef struct {
  gsize in_numel;                /* the first input */
  gsize out_numel;
  gsize hw;                      /* H·W of the input (BatchNorm2d, PReLU) */
  int   channels[ST_OP_MAX_INPUTS];  /* Concat: the channels of each input */
  gsize cache_bytes;             /* kept from forward to backward: MaxPool2d's argmax (int32
                                  * an output), Dropout's mask (a byte an input element) */
  gsize cache_off;               /* into the cache block; a multiple of ST_NET_CACHE_ALIGN */
  int   bn_index;                /* BatchNorm2d: its slot among the net's BatchNorms, else -1 */
} StOpPlan;

/* The cache block of B examples holds each op's region at cache_off·B, cache_bytes·B long:
 * aligned for any element type and for the GPU's memory transactions. */
#define ST_NET_CACHE_ALIGN 256

typedef struct {
  StOpKind      kind;
  const char   *name;            /* st_op_kind_name (kind): "conv2d", "linear", … */
  const StNode *node;            /* the layer or block it comes from */
  const char   *path;            /* "5.branches.1.0", owned by the net's infer */
  int           n_inputs;
  StOpInput     inputs[ST_OP_MAX_INPUTS];
  int           output;          /* value written */
  StOpGeom      g;
  StOpArgs      args;
  int           weight;          /* parameter tensor index, or -1 */
  int           bias;            /* parameter tensor index, or -1 */
  int           buffer;          /* first non-parameter state tensor (BatchNorm running stats), or -1 */
  StOpPlan      plan;
} StOp;

typedef struct {
  gsize         numel;           /* per example */
  StShape       shape;
  int           producer;        /* op index, -1 for the input */
  int           n_consumers;
  gboolean      needs_grad;
} StValue;

typedef enum {
  ST_TENSOR_PARAM,               /* trained: weight, bias, PReLU slope, BatchNorm gamma/beta */
  ST_TENSOR_BUFFER,              /* state that is saved but not trained: running mean and var */
} StTensorRole;

typedef struct {
  char         *name;            /* "0.weight", state_dict naming */
  StTensorRole  role;
  int           rank;
  gint64        dims[4];
  gsize         offset;          /* into the parameter block, or into the buffer block */
  gsize         numel;
  gint64        fan_in;
  gint64        fan_out;
  int           op;              /* the op that owns it */
} StTensorInfo;

typedef struct {
  StSpec       *spec;            /* owned copy */
  StInfer      *infer;
  StOp         *ops;
  guint         n_ops;
  StValue      *values;
  guint         n_values;
  int           output;          /* the value holding the logits */
  StTensorInfo *tensors;         /* parameters and buffers, state_dict order */
  guint         n_tensors;
  gsize         n_params;        /* floats in the parameter block */
  gsize         n_buffers;       /* floats in the buffer block */
  gsize         max_value_numel; /* per example */
  gsize         cache_bytes;     /* per example: the ops' cache regions, aligned (StOpPlan) */
  int           n_batchnorm;     /* BatchNorm2d ops: StOpPlan.bn_index runs over them */
  int           batchnorm_max_c; /* the most channels of any of them, at least 1 */
} StNet;

#define ST_NET_ERROR (st_net_error_quark ())
GQuark st_net_error_quark (void);

typedef enum {
  ST_NET_ERROR_MODEL,            /* the spec has errors: nothing to compile */
  ST_NET_ERROR_UNSUPPORTED,      /* the backend lacks an op */
  ST_NET_ERROR_MEMORY,           /* batch too large for memory */
  ST_NET_ERROR_DIVERGED,         /* loss became NaN or Inf */
  ST_NET_ERROR_DEVICE,
} StNetError;

StNet      *st_net_compile          (const StSpec *spec, GError **error);
void        st_net_free             (StNet *net);
const char *st_op_kind_name         (StOpKind kind);
/* The tensor named "3.weight", or -1. */
int         st_net_find_tensor      (const StNet *net, const char *name);
/* The value holding the output of the layer at `path` ("3", "5.branches.1.0"); after a
 * Flatten, the value it flattens. -1 when there is no such layer. */
int         st_net_path_value       (const StNet *net, const char *path);

/* Fills the parameter and buffer blocks as PyTorch would for the chosen initialiser:
 * default = each layer type's own reset_parameters(); xavier_* / kaiming_* apply to the
 * weights of Conv2d and Linear, the rest keep their defaults (as d2l's init_weights does). */
void        st_net_init_params      (const StNet *net, float *params, float *buffers,
                                     StInitKind init, StRng *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StNet, st_net_free)

G_END_DECLS
