/* cuda-context.h: internal to the CUDA module; nothing outside gpu/ includes it, and none
 * of its names is exported (the module is built with hidden visibility; see
 * gpu/meson.build).
 *
 * The backend's context (CudaBackend), each op's kernel plan, and the functions the files
 * share, from the bottom up: cuda-context.c the entry check, the errors every job may
 * raise and the graph cache; cuda-tape.c the per-op forward/backward over the tape, the loss
 * and the update; cuda-data.c the datasets; cuda-run.c the step/evaluate/compute/update/
 * snapshot jobs, their graphs, the metrics ring and the step profile; cuda-backend.c, on
 * top, the table, open/describe, prepare and memory planning, state read/write and destroy.
 */
#pragma once

#include "gpu/cuda-module.h"

#include "gpu/cuda-ops.h"

G_BEGIN_DECLS

#define MIB           (1024.0 * 1024.0)
#define IDX_RING      4
#define SNAP_RING     8
#define GRAPH_CACHE   6
/* cuBLAS's workspace, ours so that captured GEMMs allocate nothing (32 MiB: cuBLAS's
 * recommendation for Hopper). */
#define BLAS_WORKSPACE ((gsize) 32 << 20)

/* An op's kernel geometry, as the device's kernels take it; the sizes, caches and
 * BatchNorm slots are the net's (StOp.plan). */
typedef struct {
  StCudaGeom     g;
  int            chunk;         /* Conv2d: examples per im2col pass */
  StCudaConvWays ways;          /* Conv2d: how each phase runs (cuda-conv-plan.c) */
  char          *why;           /* Conv2d: what chose them, for describe_plan */
  StCudaAct      act;           /* Conv2d, Linear: the activation after it, which it applies
                                 * itself in training and evaluation (NONE: none fused) */
  gboolean       act_grad;      /* … and whose gradient it forms itself in training (a
                                 * layer with a bias: its first pass does it) */
  gboolean       fused;         /* ReLU, Sigmoid, Tanh: applied by the op before */
  gboolean       fused_grad;    /* … and its gradient formed there */
} OpPlan;

typedef enum {
  JOB_TRAIN,      /* examples from the training set: forward, loss, backward, update */
  JOB_EVAL,       /* examples from a dataset: forward in evaluation mode, loss */
  JOB_COMPUTE,    /* a given float batch: forward in training mode, backward if asked */
  JOB_SNAPSHOT,   /* forward in evaluation mode, values copied out */
} JobKind;

/* One job's shape: what a captured graph was made for. */
typedef struct {
  JobKind  job;
  int      n;
  StSplit  split;
  gboolean listed;              /* an evaluation through an index list, not a run of examples */
} JobKey;

/* A job captured once and replayed: the graph, its executable form and the node that
 * carries each launch's StCudaStep. */
typedef struct {
  JobKey          key;
  cudaGraph_t     graph;
  cudaGraphExec_t exec;
  cudaGraphNode_t step_node;
  guint64         used;         /* for replacing the least recently used */
} StepGraph;


typedef struct {
  guint8 *images;               /* (N, C, H, W) on the device */
  guint8 *labels;               /* (N) on the device */
  gint64  n;
  int     c, h, w;
  char   *name;
  gboolean shared;              /* the test set is the training set: nothing of its own */
} DeviceData;

typedef struct {
  StBackend       parent;
  int             device;
  char           *gpu_name;
  StCudaQueue     q;
  GError         *deferred;       /* a failure take_metrics could not report */

  const StNet    *net;
  StRunSetup      setup;
  int             B;              /* the most examples a training step or compute holds */
  int             E;              /* the most an evaluation or snapshot holds (≥ B) */
  OpPlan         *plans;          /* (n_plans): the prepared net's ops */
  guint           n_plans;
  gsize          *value_off;      /* (n_values): value v's place in acts, (E, numel_v) */
  gsize          *dvalue_off;     /* (n_values): its gradient's in dacts, (B, numel_v) */
  gint64          step;

  /* the arena */
  void           *arena;
  gsize           arena_bytes;
  float          *params;         /* (n_params) */
  float          *buffers;        /* (n_buffers) */
  float          *grads;          /* (n_params) */
  float          *optim_m;        /* (n_params) or NULL */
  float          *optim_v;        /* (n_params) or NULL */
  float          *acts;
  float          *dacts;
  guint8         *bytes;
  float          *scratch;
  double         *dscratch;       /* BatchNorm backward's per-channel sums */
  double         *partials;       /* the two-stage reductions' tiles (cuda-reduce.cuh) */
  void           *blas_workspace; /* (BLAS_WORKSPACE bytes) */
  StCudaStep     *step_values;    /* the running job's StCudaStep */
  float          *bn_stats;       /* (n_batchnorm, 2, batchnorm_max_c) */
  guint8         *labels;         /* (E) */
  guint32        *idx;            /* (E) */
  StCudaDraw     *draws;          /* (B): each example's augmentation, drawn on the device */
  StCudaTotals   *totals;         /* (2) */

  /* pinned host memory and the events that say when a slot may be reused */
  guint32        *idx_host;       /* (IDX_RING, E) */
  cudaEvent_t     idx_done[IDX_RING];
  int             idx_slot;
  StCudaTotals   *snap_host;      /* (SNAP_RING) */
  cudaEvent_t     snap_done[SNAP_RING];
  gint64          snap_examples[SNAP_RING];
  int             snap_head;      /* the oldest snapshot not yet handed over */
  int             snap_count;

  /* metrics bookkeeping on the host */
  gint64          unsnapped_examples;  /* examples whose numbers are still in totals[0] */
  int             unsnapped_steps;     /* training steps likewise */
  int             jobs_since_take;
  gboolean        last_job_train;
  StMetrics       ready;          /* harvested, not yet taken */

  /* the datasets on the device */
  DeviceData      train;
  DeviceData      test;
  float          *lut;            /* on the device: (C, 256) (v/255 − mean) / std, then
                                   * scale (C) 1/(255 std) and bias (C) −mean/std */
  StCudaAugment   augment;
  gboolean        augmenting;

  /* the epoch's order of the training set: uploaded once per epoch by set_order */
  guint32        *order;          /* (train.n) on the device */
  guint32        *order_host;     /* (train.n) pinned: the upload's source */
  cudaEvent_t     order_done;     /* the last upload has left order_host */
  gint64          order_n;

  /* the current job */
  JobKind         job;
  gboolean        job_dx;

  /* the convolutions' ways (cuda-conv-plan.c): STRATA_CUDA_CONV's choice, or measure;
   * the choices made so far by geometry, loaded from and saved to conv_cache_path */
  const char     *conv_force;     /* "im2col", "direct", "pointwise" or NULL */
  GHashTable     *conv_cache;     /* key → "forward data weights\twhy" */
  char           *conv_cache_path;

  /* a convolution or linear layer and the activation that alone reads it as one kernel in
   * training and evaluation (not when every value is wanted: compute, snapshots);
   * STRATA_CUDA_FUSE=0 keeps them apart (for comparisons) */
  gboolean        use_fusion;

  /* jobs captured as CUDA graphs (none when STRATA_CUDA_GRAPHS=0) */
  gboolean        use_graphs;
  StepGraph       graphs[GRAPH_CACHE];
  guint64         graph_clock;
} CudaBackend;

/* cuda-context.c: every entry starts with st_cuda_begin (a failure that take_metrics had
 * to keep is reported now); st_cuda_not_prepared is TRUE, with an error, before prepare. */
gboolean st_cuda_begin        (CudaBackend *cb, GError **error);
gboolean st_cuda_not_prepared (CudaBackend *cb, GError **error);
/* The device's free memory; FALSE (and 0) when it cannot be read. */
gboolean st_cuda_free_memory  (gsize *free_bytes);
/* "WHAT needs X MiB, Y MiB free on GPU" (ST_NET_ERROR_MEMORY); returns FALSE. */
gboolean st_cuda_memory_error (CudaBackend *cb, GError **error, const char *what,
                               gsize needed);
/* Destroys one captured graph; every one (a new net, new datasets, or the end). */
void     st_cuda_graph_clear  (StepGraph *g);
void     st_cuda_drop_graphs  (CudaBackend *cb);

/* cuda-data.c: the datasets, the normalisation table and the order's buffers. */
gboolean st_cuda_set_data      (StBackend *be, StDataset *train, StDataset *test,
                                GError **error);
/* Frees what set_data allocated (after the stream's work is done). */
void     st_cuda_release_data  (CudaBackend *cb);
/* The augmentation's settings, refused with the CPU transform's messages. */
gboolean st_cuda_check_augment (const StCudaAugment *a, GError **error);

/* cuda-conv-plan.c: each convolution's ways, chosen in prepare once the arena exists and
 * before it is zeroed (the trials run on its memory): STRATA_CUDA_CONV=im2col, direct or
 * pointwise forces one (where it fits); otherwise every way that fits is timed at the
 * run's batch size and the fastest kept, remembered per GPU and geometry in the user's
 * cache so that one machine makes one choice (and one seed gives one run). */
gboolean st_cuda_plan_convs       (CudaBackend *cb, GError **error);
/* Whether the direct way's weight gradient is worth trying for geometry g (its blocks each
 * read the whole batch); the arena's partials are sized for it only then. */
gboolean st_cuda_conv_try_direct_weights (const StCudaGeom *g);
void     st_cuda_describe_plan    (StBackend *be, GPtrArray *lines);
/* At open: STRATA_CUDA_CONV read (an unknown value is said and set aside); at destroy, the
 * choices' cache freed. */
void     st_cuda_conv_cache_open  (CudaBackend *cb);
void     st_cuda_conv_cache_free  (CudaBackend *cb);

/* cuda-tape.c: the ops over the tape, on the whole batch of n examples. The fusions first:
 * which layers apply the activation after them (OpPlan.act, .fused), planned once per net. */
void     st_cuda_plan_fusion  (CudaBackend *cb);
/* Whether the current job runs fused layers (training and evaluation). */
gboolean st_cuda_fusing       (CudaBackend *cb);
float   *st_cuda_act          (CudaBackend *cb, int v);   /* value v: (E, numel_v) */
float   *st_cuda_dact         (CudaBackend *cb, int v);   /* its gradient */
gboolean st_cuda_forward_op   (CudaBackend *cb, guint o, int n, gboolean train, GError **error);
gboolean st_cuda_backward_op  (CudaBackend *cb, guint o, int n, GError **error);
gboolean st_cuda_forward      (CudaBackend *cb, int n, gboolean train, GError **error);
/* Zeroes the parameter gradients, then every op backward, the tape reversed. */
gboolean st_cuda_backward     (CudaBackend *cb, int n, GError **error);
/* The batch's loss into `totals` (reset: written, not added), and when `grad` the gradient
 * of the output; `train` counts a training step. */
gboolean st_cuda_run_loss     (CudaBackend *cb, int n, StCudaTotals *totals, gboolean grad,
                               gboolean train, gboolean reset, GError **error);
/* The optimizer's factors of step cb->step into the job's StCudaStep values. */
void     st_cuda_step_factors (CudaBackend *cb, StCudaStep *v);
gboolean st_cuda_run_update   (CudaBackend *cb, GError **error);

/* cuda-run.c: the table's entries for the jobs. */
gboolean st_cuda_set_order    (StBackend *be, const guint32 *order, gint64 n,
                               GError **error);
gboolean st_cuda_train_step   (StBackend *be, gint64 offset, int n, guint64 seed,
                               GError **error);
gboolean st_cuda_evaluate     (StBackend *be, StSplit split, const guint32 *idx, int n,
                               GError **error);
gboolean st_cuda_compute      (StBackend *be, const float *x, const guint8 *labels, int n,
                               float *out, double *loss, float *grads, float *dx,
                               GError **error);
gboolean st_cuda_apply_update (StBackend *be, GError **error);
void     st_cuda_take_metrics (StBackend *be, StMetrics *out);
gboolean st_cuda_snapshot     (StBackend *be, StSplit split, const guint32 *idx, int n,
                               const int *values, int n_values, float **out, GError **error);
gboolean st_cuda_profile_step (StBackend *be, gint64 offset, int n, guint64 seed,
                               GArray *entries, GError **error);

G_END_DECLS
