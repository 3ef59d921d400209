/* cuda-check.h: what the CUDA tests share — the probe that says whether there is a CUDA
 * backend, one problem run on both backends and compared tensor by tensor, the report of
 * each case's worst errors, small nets built from a row of layers, and the CUDA module's own
 * symbols.
 *
 * The CPU backend is the reference. Both sides compute in float32 and sum in different orders
 * (CUDA's weight gradients are SGEMMs and its reductions run over many blocks), so single
 * elements near zero may differ by more than their own size while the tensor as a whole
 * agrees. A tensor is therefore judged as a whole, by ggml test-backend-ops' criterion: its
 * normalised mean squared error
 *
 *     NMSE = Σ (cuda − ref)² / Σ ref²   (in double)   ≤ NMSE_TOL = 1e-7,
 *
 * an RMS error of about 3e-4 of the tensor's RMS. A NaN or an infinity fails unless the
 * reference has the same at the same element; a tensor whose reference is all zeros passes
 * only when Σ cuda² ≤ ZERO_TOL. A scalar is a one-element tensor: its NMSE is its squared
 * relative error, so a scalar or a total (a loss, an evaluation's loss sum) passes within
 * sqrt (NMSE_TOL) ≈ 3.2e-4 relative. Sampled elements (PyTorch's gradients at stored
 * indices) are a tensor of their own. Adam and AdamW keep an element-wise comparison (see
 * compare_optimizer). Each case ends with a message giving its worst NMSE of each kind, and
 * in which tensor.
 */
#pragma once

#include <glib.h>

#include "core/engine/backend.h"

G_BEGIN_DECLS

/* ---- the tolerances ------------------------------------------------------------------- */

/* A tensor against its reference: ggml test-backend-ops' bound on the NMSE. */
#define NMSE_TOL    1e-7
/* A tensor whose reference is all zeros: the most Σ cuda² may be. */
#define ZERO_TOL    1e-30
/* Adam and AdamW, element by element (test-parity.c's tolerance): ADAM_ABS + REL_TOL · |w|,
 * with the gradients element by element within REL_TOL of the largest, floored at
 * SCALE_FLOOR of it and ABS_FLOOR. */
#define REL_TOL     1e-4
#define SCALE_FLOOR 1e-2
#define ABS_FLOOR   1e-9
#define ADAM_ABS    1e-6

/* ---- the probe and the backends ------------------------------------------------------- */

/* Opens the CUDA backend once, to learn whether there is one: in main, after g_test_init. */
void        cuda_probe       (void);
/* Why there is no CUDA backend (st_backend_open's message), or NULL when there is one. */
const char *cuda_missing     (void);
void        cuda_probe_clear (void);

/* A CUDA backend, or NULL with the case skipped for the probe's reason. */
StBackend  *open_cuda        (void);

/* A symbol of the module core/engine/backend.c loaded (where it looks, in order), or NULL. */
gpointer    module_symbol    (const char *name);

/* ---- the report ----------------------------------------------------------------------- */

typedef enum {
  KIND_TORCH,        /* CUDA's compute against PyTorch's stored results */
  KIND_OUTPUT,       /* outputs and loss */
  KIND_INPUT_GRAD,
  KIND_PARAM_GRAD,
  KIND_BUFFERS,      /* BatchNorm's running statistics */
  KIND_SGD,
  KIND_ADAM,         /* element by element, in units of ADAM_ABS + REL_TOL · |w| */
  KIND_EVAL,         /* the evaluation's loss sum and the snapshot's values */
  KIND_STEP,         /* one train_step: its loss and the parameters after it */
  N_KINDS
} Kind;

typedef struct {
  const char *name;
  double      worst[N_KINDS];
  char       *where[N_KINDS];
  gboolean    seen[N_KINDS];
  int         adam_sensitive;
} Report;

/* One line per case: the worst NMSE of each kind of comparison (Adam's worst element in
 * tolerances), and where. */
void report_finish (Report *r);

/* The tensor got[idx[j]] (CUDA; idx NULL: got[j]) against want[j] (the reference: the CPU's,
 * or PyTorch's), j < n, by its NMSE (see the top of this file). Fails naming the tensor
 * `what`, its NMSE, the tolerance and the element with the largest difference. */
void compare_at (Report       *r,
                 Kind          kind,
                 const char   *what,
                 const float  *got,
                 const gint64 *idx,
                 const float  *want,
                 gsize         n,
                 const char   *reference);

/* A scalar or a total (CUDA's `got`, the CPU's `want`) as a one-element tensor. */
void compare_scalar (Report     *r,
                     Kind        kind,
                     const char *what,
                     double      got,
                     double      want);

/* Fails the case unless the n floats or doubles (`size`) at a and b are bitwise the same,
 * naming `row`, `what` and the first that is not. */
gboolean same_bits (const char *row, const char *what, const void *a, const void *b, gsize n,
                    gsize size);

/* ---- one problem, both backends ------------------------------------------------------- */

typedef struct {
  const StNet      *net;
  StLossKind        loss;
  int               batch;
  const float      *params;      /* (n_params) the starting weights */
  const float      *buffers;     /* (n_buffers) */
  const float      *x;           /* (N, C, H, W) */
  const guint8     *labels;      /* (N) */
} Problem;

void optim_sgd  (StOptimConfig *o, double lr, double momentum, double weight_decay,
                 gboolean nesterov);
void optim_adam (StOptimConfig *o, StOptimKind kind, double lr, double weight_decay);

/* What `compute` gave on each backend: [0] the CPU, [1] CUDA. */
typedef struct {
  float  *out[2];                /* (N, K) */
  double  loss[2];
  float  *grads[2];              /* (n_params) */
  float  *dx[2];                 /* (N, C, H, W) */
  float  *buffers[2];            /* (n_buffers), after the step's running statistics */
} Computed;

void computed_clear (Computed *c);

/* In the three comparisons be[0] is the CPU backend, be[1] CUDA. */

/* compute on both, then compare the outputs, the loss, the input gradient, each parameter's
 * gradient and each running statistic, tensor by tensor. */
void compare_compute   (const Problem *pb, Report *r, StBackend *be[2], Computed *c);

/* `steps` rounds of compute and apply_update from the starting weights, then the weights,
 * tensor by tensor: after SGD by their NMSE. Adam's first step is lr · g / (|g| + eps):
 * nearly a sign step, which magnifies gradient differences far below any gradient tolerance
 * where |g| is near eps, and may go either way where g is within tolerance of 0. So Adam
 * and AdamW are compared element by element: an element passes when it is within ADAM_ABS +
 * REL_TOL·|w| of the CPU's, or when it is the closed form of CUDA's own gradient and that
 * gradient element is within REL_TOL of the CPU's (relative to the larger of its own size
 * and SCALE_FLOOR of the tensor's largest; counted and reported as "gradient-sensitive"). */
void compare_optimizer (const Problem *pb, Report *r, StBackend *be[2],
                        const StOptimConfig *optim, const char *label, int steps);

/* Through the datasets on the device: evaluation of a batch, a snapshot of every value of
 * one example, then one train_step (SGD) and the weights after it. `data` is uint8 images
 * of the net's input shape, normalised with mean 0.5 and std 0.25. The evaluation's loss
 * sum and the step's loss are compared as scalars, the snapshot's values and the weights
 * tensor by tensor; the correct counts may differ by one (an argmax near a tie). */
void compare_data_path (const Problem *pb, Report *r, StBackend *be[2], StDataset *data);

/* ---- small nets ----------------------------------------------------------------------- */

typedef struct {
  const char *name;
  int         c, h, w;          /* input */
  const char *layers;           /* the "layers" array of a model file */
  StLossKind  loss;
  int         batch;
} OpRow;

/* The net of a model file with the row's input and layers (single quotes for double). */
StNet *op_row_net (const OpRow *row, GError **error);

G_END_DECLS
