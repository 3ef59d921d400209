/* cuda-ops.h: the CUDA backend's kernels, as launchers that gpu/cuda-tape.c calls.
 *
 * One .cu file per op (conv2d, pool2d, linear, batchnorm2d, dropout, loss, optim, transform;
 * the tiny elementwise kernels share activation.cu and join.cu). Each launcher enqueues its
 * work on the queue's stream and returns FALSE with a GError when a launch or a cuBLAS call
 * fails; none synchronises, allocates or exits. Pointers are device memory.
 *
 * Shapes, dimension letters and the math are those of the CPU op of the same name: read
 * core/ops/conv2d.h, pool2d.h, activation.h, linear.h, batchnorm2d.h, dropout.h, loss.h, join.h
 * and optim.c. Each launcher works on the whole batch of n examples at once. `add` is the
 * gradient mode of core/ops/grad-mode.h: FALSE writes an input gradient, TRUE adds into it;
 * parameter gradients always accumulate. No kernel uses atomics: every sum is one thread's
 * loop, a fixed-order tree in one block, or the two-stage reduction of cuda-reduce.cuh
 * (tiles of a fixed size summed by many blocks, then the tiles summed in order), so results
 * do not depend on timing.
 *
 * What changes from one step to the next (the run of the order, the seed, the optimizer's
 * bias corrections) is not a kernel argument but an StCudaStep on the device, written by
 * the step's first kernel (st_cuda_set_step): a step captured once as a CUDA graph replays
 * with new values by updating that one node.
 *
 * This header is read by the host compiler (the module's .c files) and by nvcc; it includes no
 * core header, so that the kernels build without json-glib's and the spec's headers.
 */
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <glib.h>

#include "gpu/cuda-kernel.h"

G_BEGIN_DECLS

typedef struct {
  cudaStream_t   stream;
  cublasHandle_t blas;        /* bound to `stream` */
} StCudaQueue;

/* The module does not link strata-core, so it cannot call st_net_error_quark(): the error
 * domains are the core's quarks by name (G_DEFINE_QUARK in core/engine/net.c and core/data/dataset.c).
 * tests/test-cuda-device.c checks that they match. */
#define NET_ERROR     (g_quark_from_static_string ("st-net-error-quark"))
#define DATASET_ERROR (g_quark_from_static_string ("st-dataset-error-quark"))

/* The failure of one CUDA or cuBLAS call as a GError (ST_NET_ERROR_DEVICE, or
 * ST_NET_ERROR_MEMORY when the device ran out); always returns FALSE. */
gboolean st_cuda_fail   (GError **error, cudaError_t err, const char *call, const char *where);
gboolean st_cublas_fail (GError **error, cublasStatus_t status, const char *call,
                         const char *where);

#define ST_CUDA_CHECK(call, error)                                                    \
  G_STMT_START {                                                                      \
    cudaError_t st_err_ = (call);                                                     \
    if (G_UNLIKELY (st_err_ != cudaSuccess))                                          \
      return st_cuda_fail ((error), st_err_, #call, G_STRLOC);                        \
  } G_STMT_END

#define ST_CUBLAS_CHECK(call, error)                                                  \
  G_STMT_START {                                                                      \
    cublasStatus_t st_status_ = (call);                                               \
    if (G_UNLIKELY (st_status_ != CUBLAS_STATUS_SUCCESS))                             \
      return st_cublas_fail ((error), st_status_, #call, G_STRLOC);                   \
  } G_STMT_END

/* After a kernel launch: a bad launch shows here, a fault inside the kernel in a later call. */
#define ST_CUDA_LAUNCHED(error) ST_CUDA_CHECK (cudaGetLastError (), error)

/* The values of one step that its kernels read on the device (see the top). */
typedef struct {
  gint64  offset;             /* the batch's first example: a position in the order (training),
                               * or in the dataset when a gather has no index list */
  guint64 seed;               /* augmentation and dropout */
  float   adam_step_size;     /* lr / (1 − β1^t) */
  float   adam_bc2_sqrt;      /* √(1 − β2^t) */
  int     sgd_first_step;     /* SGD's momentum buffer starts as the gradient */
} StCudaStep;

/* step = *values, by a one-thread kernel whose arguments carry the values. */
gboolean st_cuda_set_step        (const StCudaQueue *q, StCudaStep *step, const StCudaStep *values,
                                  GError **error);
/* In a captured graph: the st_cuda_set_step node (*node), and its arguments replaced for the
 * next launches of `exec`. */
gboolean st_cuda_graph_find_step (cudaGraph_t graph, cudaGraphNode_t *node, GError **error);
gboolean st_cuda_graph_set_step  (cudaGraphExec_t exec, cudaGraphNode_t node, StCudaStep *step,
                                  const StCudaStep *values, GError **error);

/* The two-stage per-channel reduction over (N, C, HW): how many tiles of examples each
 * channel is cut into (a function of the shape only, so a shape always sums in the same
 * order); it needs k sums per channel in partial: C·tiles·k doubles. */
int      st_cuda_reduce_tiles    (int n, int C, gsize HW);

/* ---- transform.cu ------------------------------------------------------------------ */

/* x (N, C, H, W) = lut[c][images[e_i]], labels[i] = data_labels[e_i], where example e_i =
 * idx[step->offset + i], or step->offset + i when idx is NULL; lut (C, 256) holds
 * (v/255 − mean[c]) / std[c] as core/data/transform.c rounds it. */
gboolean st_cuda_gather_normalize (const StCudaQueue *q, float *x, guint8 *labels,
                                   const guint8 *images, const guint8 *data_labels,
                                   const guint32 *idx, const StCudaStep *step, int n, int C,
                                   gsize plane, const float *lut, GError **error);

/* The augmentation settings (StAugmentConfig), checked as st_transform_plan_init does. */
typedef struct {
  int      shift;
  double   rotation;
  gboolean horizontal_flip;
  int      crop_padding;
} StCudaAugment;

/* One example's augmentation as drawn on the device (core/data/transform.h's StAugmentDraw),
 * with the rotation's cosine and sine. */
typedef struct {
  double cs, sn;
  double angle;               /* degrees; 0: no rotation */
  int    flip, dx, dy;
} StCudaDraw;

/* As st_cuda_gather_normalize, with core/data/transform.c's augmentation of each example: its
 * draws from st_rng_fork (st_rng_init (step->seed), i) for example i of the batch, into
 * draws (n); lut (C, 256) followed by scale (C) = 1/(255 std) and bias (C) = −mean/std. */
gboolean st_cuda_gather_augment   (const StCudaQueue *q, float *x, guint8 *labels,
                                   StCudaDraw *draws, const guint8 *images,
                                   const guint8 *data_labels, const guint32 *idx,
                                   const StCudaStep *step, int n, int C, int H, int W,
                                   const float *lut, const StCudaAugment *augment,
                                   GError **error);

/* ---- a layer fused with its activation -------------------------------------------- */

/* The backward pass of a convolution or linear layer fused with the activation after it
 * (cuda-tape.c): the layer's dout is first formed — written, and summed for the bias in the
 * same pass — from that activation's output gradient dy and output y. Only for layers with
 * a bias. */
typedef struct {
  StCudaAct    act;
  const float *dy, *y;
} StCudaActGrad;

/* ---- conv2d.cu ---------------------------------------------------------------------- */

/* The ways a convolution can run (conv2d.cu's top): im2col + cuBLAS over chunks of `chunk`
 * examples, direct kernels, or — 1×1 kernels without stride or padding — cuBLAS on the
 * input itself. Each phase of a layer has its own: the forward pass, the input's gradient
 * (data) and the weights' gradient (im2col or direct). */
typedef enum {
  ST_CUDA_CONV_IM2COL,
  ST_CUDA_CONV_DIRECT,
  ST_CUDA_CONV_POINTWISE,
  ST_CUDA_CONV_N_WAYS
} StCudaConvWay;

typedef enum {
  ST_CUDA_CONV_FORWARD,
  ST_CUDA_CONV_DATA,
  ST_CUDA_CONV_WEIGHTS,
} StCudaConvPhase;

typedef struct {
  StCudaConvWay forward, data, weights;
} StCudaConvWays;

/* "im2col", "direct", "pointwise" */
const char *st_cuda_conv_way_name (StCudaConvWay way);
/* Can `way` run `phase` of a layer of geometry g? */
gboolean st_cuda_conv_way_fits    (StCudaConvWay way, StCudaConvPhase phase,
                                   const StCudaGeom *g);
/* The im2col way's scratch for a chunk; the doubles of partial the backward pass needs for
 * n examples (the bias's tiles, and the direct way's weight tiles). */
gsize    st_cuda_conv2d_scratch_floats  (const StCudaGeom *g, int chunk);
gsize    st_cuda_conv2d_partial_doubles (const StCudaGeom *g, int n, StCudaConvWay weights);
/* out = act (the convolution + b); act NONE for a layer on its own. */
gboolean st_cuda_conv2d_forward   (const StCudaQueue *q, StCudaConvWay way, float *out,
                                   const float *in, const float *w, const float *b,
                                   StCudaAct act, float *scratch, int n, int chunk,
                                   const StCudaGeom *g, GError **error);
/* fused: NULL, or the activation whose gradient forms dout first (db then not NULL). */
gboolean st_cuda_conv2d_backward  (const StCudaQueue *q, const StCudaConvWays *ways, float *din,
                                   float *dw, float *db, float *dout,
                                   const StCudaActGrad *fused, const float *in, const float *w,
                                   float *scratch, double *partial, int n, int chunk,
                                   const StCudaGeom *g, gboolean add, GError **error);

/* ---- pool2d.cu ---------------------------------------------------------------------- */

gboolean st_cuda_maxpool2d_forward          (const StCudaQueue *q, float *out, const float *in,
                                             gint32 *argmax, int n, const StCudaGeom *g,
                                             GError **error);
gboolean st_cuda_maxpool2d_backward         (const StCudaQueue *q, float *din, const float *dout,
                                             const gint32 *argmax, int n, const StCudaGeom *g,
                                             gboolean add, GError **error);
gboolean st_cuda_avgpool2d_forward          (const StCudaQueue *q, float *out, const float *in,
                                             int n, const StCudaGeom *g, GError **error);
gboolean st_cuda_avgpool2d_backward         (const StCudaQueue *q, float *din, const float *dout,
                                             int n, const StCudaGeom *g, gboolean add,
                                             GError **error);
gboolean st_cuda_adaptive_avgpool2d_forward (const StCudaQueue *q, float *out, const float *in,
                                             int n, const StCudaGeom *g, GError **error);
gboolean st_cuda_adaptive_avgpool2d_backward (const StCudaQueue *q, float *din,
                                              const float *dout, int n, const StCudaGeom *g,
                                              gboolean add, GError **error);

/* ---- activation.cu: count = N·S elements -------------------------------------------- */

gboolean st_cuda_relu_forward        (const StCudaQueue *q, float *out, const float *in,
                                      gsize count, GError **error);
gboolean st_cuda_relu_backward       (const StCudaQueue *q, float *din, const float *dout,
                                      const float *out, gsize count, gboolean add,
                                      GError **error);
gboolean st_cuda_leaky_relu_forward  (const StCudaQueue *q, float *out, const float *in,
                                      float negative_slope, gsize count, GError **error);
gboolean st_cuda_leaky_relu_backward (const StCudaQueue *q, float *din, const float *dout,
                                      const float *in, float negative_slope, gsize count,
                                      gboolean add, GError **error);
gboolean st_cuda_prelu_forward       (const StCudaQueue *q, float *out, const float *in,
                                      const float *w, int n, int C, gsize HW,
                                      int num_parameters, GError **error);
/* partial: C·st_cuda_reduce_tiles (n, C, HW) doubles for the per-channel sums of dw. din
 * may be NULL. */
gboolean st_cuda_prelu_backward      (const StCudaQueue *q, float *din, float *dw,
                                      const float *dout, const float *in, const float *w,
                                      double *partial, int n, int C, gsize HW,
                                      int num_parameters, gboolean add, GError **error);
gboolean st_cuda_sigmoid_forward     (const StCudaQueue *q, float *out, const float *in,
                                      gsize count, GError **error);
gboolean st_cuda_sigmoid_backward    (const StCudaQueue *q, float *din, const float *dout,
                                      const float *out, gsize count, gboolean add,
                                      GError **error);
gboolean st_cuda_tanh_forward        (const StCudaQueue *q, float *out, const float *in,
                                      gsize count, GError **error);
gboolean st_cuda_tanh_backward       (const StCudaQueue *q, float *din, const float *dout,
                                      const float *out, gsize count, gboolean add,
                                      GError **error);

/* ---- linear.cu ---------------------------------------------------------------------- */

/* out = act (in · wᵀ + b); act NONE for a layer on its own. */
gboolean st_cuda_linear_forward  (const StCudaQueue *q, float *out, const float *in,
                                  const float *w, const float *b, StCudaAct act, int n, int C,
                                  int OC, GError **error);
/* partial: OC·st_cuda_reduce_tiles (n, OC, 1) doubles for the bias gradient; fused as
 * st_cuda_conv2d_backward's. */
gboolean st_cuda_linear_backward (const StCudaQueue *q, float *din, float *dw, float *db,
                                  float *dout, const StCudaActGrad *fused, const float *in,
                                  const float *w, double *partial, int n, int C, int OC,
                                  gboolean add, GError **error);

/* ---- batchnorm2d.cu ----------------------------------------------------------------- */

/* Batch statistics over (N, H, W), the running statistics' update (unbiased variance),
 * then the transform; mean and invstd (C) are the cache backward reads. With fewer than 2
 * values per channel nothing is updated, as st_batchnorm2d_stats_finalize. partial:
 * 2·C·st_cuda_reduce_tiles (n, C, HW) doubles. */
gboolean st_cuda_batchnorm2d_forward_train (const StCudaQueue *q, float *out, const float *in,
                                            const float *gamma, const float *beta,
                                            float *mean, float *invstd, float *running_mean,
                                            float *running_var, double *partial,
                                            double momentum, double eps, int n, int C,
                                            gsize HW, GError **error);
gboolean st_cuda_batchnorm2d_forward_eval  (const StCudaQueue *q, float *out, const float *in,
                                            const float *gamma, const float *beta,
                                            const float *running_mean,
                                            const float *running_var, double eps, int n,
                                            int C, gsize HW, GError **error);
/* sums: 2·C doubles of scratch (Σdy, Σdy·x̂); partial: 2·C·st_cuda_reduce_tiles (n, C,
 * HW) doubles. din may be NULL; dgamma and dbeta are NULL for affine=False. */
gboolean st_cuda_batchnorm2d_backward      (const StCudaQueue *q, float *din, float *dgamma,
                                            float *dbeta, const float *dout, const float *in,
                                            const float *gamma, const float *mean,
                                            const float *invstd, double *sums,
                                            double *partial, int n, int C, gsize HW,
                                            gboolean add, GError **error);

/* ---- dropout.cu --------------------------------------------------------------------- */

/* The CPU's stream per example: xoshiro256** forked from (step->seed ^ 0x5eed0d7090) with
 * stream number example·1024 + op, one uniform draw per element, so the mask is the CPU's. */
gboolean st_cuda_dropout_forward_train (const StCudaQueue *q, float *out, const float *in,
                                        guint8 *mask, double p, const StCudaStep *step, int op,
                                        int n, gsize size, GError **error);
gboolean st_cuda_dropout_backward      (const StCudaQueue *q, float *din, const float *dout,
                                        const guint8 *mask, double p, gsize count,
                                        gboolean add, GError **error);

/* ---- join.cu ------------------------------------------------------------------------ */

/* Input k of a Concat: its (N, C_k, HW) block at channel `offset` of out (N, C_total, HW). */
gboolean st_cuda_concat_forward  (const StCudaQueue *q, float *out, const float *in, int n,
                                  int channels, int offset, int total, gsize HW,
                                  GError **error);
gboolean st_cuda_concat_backward (const StCudaQueue *q, float *din, const float *dout, int n,
                                  int channels, int offset, int total, gsize HW, gboolean add,
                                  GError **error);
gboolean st_cuda_add_forward     (const StCudaQueue *q, float *out, const float *a,
                                  const float *b, gsize count, GError **error);
/* dst = src (add FALSE) or dst += src. */
gboolean st_cuda_accumulate      (const StCudaQueue *q, float *dst, const float *src,
                                  gsize count, gboolean add, GError **error);

/* ---- loss.cu ------------------------------------------------------------------------ */

/* Per example: its loss (the sum over its S outputs), whether it is right, and, when dy is
 * not NULL, the gradient of the mean loss with `scale` as in core/ops/loss.h; each block's sums
 * of both go into partial. Targets come from the labels as the CPU backend builds them:
 * S == 1, the label itself; else one-hot. Then totals (+)= the batch, the blocks' sums
 * added in order: loss_sum += Σ loss / divisor, correct += Σ right; a training step also
 * sets last_loss and counts a step. `reset` writes instead of adding. */
gboolean st_cuda_loss         (const StCudaQueue *q, StCudaLoss kind, StCudaTotals *totals,
                               double *partial, float *dy, const float *y,
                               const guint8 *labels, int n, int S, float scale,
                               double divisor, gboolean train, gboolean reset, GError **error);
/* The doubles of partial that st_cuda_loss needs for n examples. */
gsize    st_cuda_loss_partial (int n);

/* ---- optim.cu: PyTorch's update rules, float32 per element as core/ops/optim.c ------------ */

/* The factors that change with the step come from `step`: SGD's first step, Adam's bias
 * corrections. */
gboolean st_cuda_sgd  (const StCudaQueue *q, float *params, const float *grads, float *buf,
                       gsize count, float lr, float weight_decay, float momentum,
                       float one_minus_dampening, gboolean nesterov, const StCudaStep *step,
                       GError **error);
gboolean st_cuda_adam (const StCudaQueue *q, float *params, const float *grads, float *m,
                       float *v, gsize count, float beta1, float beta2, float eps,
                       float weight_decay, float lr, const StCudaStep *step,
                       gboolean decoupled, GError **error);

G_END_DECLS
