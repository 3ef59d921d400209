/* cpu-backend-private.h: internal to the CPU backend, shared by cpu-backend.c (the table,
 * memory planning, the step) and cpu-ops.c (each op's forward and backward, and the loss).
 * Not for other modules. */
#pragma once

#include "core/data/transform.h"
#include "core/engine/backend.h"
#include "core/ops/conv2d.h"
#include "core/ops/pool2d.h"
#include "core/ops/workers.h"

G_BEGIN_DECLS

/* An op's kernel geometry, as the CPU's kernels take it; the sizes, caches and BatchNorm
 * slots are the net's (StOp.plan). */
typedef struct {
  union {
    StConv2dGeom         conv;
    StPool2dGeom         pool;
    StAdaptivePool2dGeom apool;
  };
} OpPlan;

typedef enum {
  JOB_TRAIN,      /* examples from the training set: forward, backward, update */
  JOB_EVAL,       /* examples from a dataset: forward in evaluation mode */
  JOB_COMPUTE,    /* a given float batch: forward in training mode, backward if asked */
  JOB_UPDATE,     /* the optimizer alone, on the gradients already reduced */
} JobKind;

typedef struct {
  StBackend        parent;
  StWorkers       *workers;
  int              T;
  const StNet     *net;
  StRunSetup       setup;
  int              B;
  OpPlan          *plans;

  float           *params;        /* (n_params) */
  float           *buffers;       /* (n_buffers) */
  float           *grads;         /* (T, n_params) */
  float           *optim_m;       /* (n_params) or NULL */
  float           *optim_v;       /* (n_params) or NULL */
  gint64           step;

  gsize           *value_off;     /* (n_values) */
  float           *acts;
  float           *dacts;
  guint8          *bytes;         /* the ops' caches: (B, net->cache_bytes), StOpPlan */
  float           *scratch;       /* (T, scratch_per_member) */
  gsize            scratch_per_member;
  float           *targets;       /* (B, n_out) for BCELoss and MSELoss */
  guint8          *labels;        /* (B) */

  double          *bn_partial;    /* (T, n_batchnorm, 2, batchnorm_max_c) */
  float           *bn_stats;      /* (n_batchnorm, 2, batchnorm_max_c): mean, invstd of the
                                   * current batch */

  StDataset       *train;
  StDataset       *test;
  StTransformPlan  plan;
  guint32         *order;         /* (train->n): the epoch's order, copied by set_order */
  gint64           order_n;       /* how much of it set_order filled */

  /* the current job */
  JobKind          job;
  const StDataset *job_data;
  const guint32   *job_idx;
  const float     *job_x;         /* JOB_COMPUTE: (n, C, H, W) */
  const guint8    *job_labels;    /* JOB_COMPUTE: (n) */
  gboolean         job_backward;  /* JOB_COMPUTE: run backward too */
  gboolean         job_dx;        /* JOB_COMPUTE: and the input's gradient */
  int              job_n;
  guint64          job_seed;
  double          *member_loss;   /* (T) */
  gint64          *member_correct;/* (T) */

  StMetrics        metrics;
} CpuBackend;

static inline float *
act (CpuBackend *cb, int v, int first)
{
  return cb->acts + cb->value_off[v] + (gsize) first * cb->net->values[v].numel;
}

static inline float *
dact (CpuBackend *cb, int v, int first)
{
  return cb->dacts + cb->value_off[v] + (gsize) first * cb->net->values[v].numel;
}

/* The cache of `op` (StOpPlan) for example `first` on. */
static inline guint8 *
op_cache (CpuBackend *cb, const StOp *op, int first)
{
  return cb->bytes + op->plan.cache_off * cb->B + (gsize) first * op->plan.cache_bytes;
}

/* One member's slice [first, first + n) of the batch, through op `op` planned as `p`. */
void st_cpu_forward_op (CpuBackend *cb, const StOp *op, const OpPlan *p, int member, int first,
                        int n);
void st_cpu_backward_op (CpuBackend *cb, const StOp *op, const OpPlan *p, int member, int first,
                         int n);
/* Loss of the slice; writes the gradient of the output when training. */
void st_cpu_loss_op (CpuBackend *cb, int member, int first, int n);

G_END_DECLS
