/* cuda-check.h: what the CUDA tests share — the probe that says whether there is a CUDA
 * backend, one problem run on both backends and compared element by element, the report of
 * each case's worst errors, small nets built from a row of layers, and the CUDA module's own
 * symbols.
 *
 * The CPU backend is the reference. The tolerance is test-parity.c's: both sides compute in
 * float32 and sum in different orders, so an element is compared relative to its own size
 * with a floor of a hundredth of the largest reference element (see CROSS_TOL for whole
 * presets). Each case ends with a message giving its worst error of each kind, and where.
 */
#pragma once

#include <glib.h>

#include "core/backend.h"

G_BEGIN_DECLS

/* ---- the tolerance (test-parity.c's, written again here) ------------------------------ */

#define REL_TOL     1e-4
#define SCALE_FLOOR 1e-2
#define ABS_FLOOR   1e-9
#define ADAM_ABS    1e-6
/* CUDA against the CPU on a whole preset: test-parity.c holds the CPU within REL_TOL of
 * PyTorch, and /cuda/fixture holds CUDA within REL_TOL of PyTorch on the same elements, so
 * the two may differ from each other by twice that (seen: 1.01e-4 on one of Inception's
 * 14080 weight gradients, float noise carried through the whole net). */
#define CROSS_TOL   (2 * REL_TOL)

double max_abs (const float *x, gsize n);

/* ---- the probe and the backends ------------------------------------------------------- */

/* Opens the CUDA backend once, to learn whether there is one: in main, after g_test_init. */
void        cuda_probe       (void);
/* Why there is no CUDA backend (st_backend_open's message), or NULL when there is one. */
const char *cuda_missing     (void);
void        cuda_probe_clear (void);

/* A CUDA backend, or NULL with the case skipped for the probe's reason. */
StBackend  *open_cuda        (void);

/* A symbol of the module core/backend.c loaded (where it looks, in order), or NULL. */
gpointer    module_symbol    (const char *name);

/* ---- the report ----------------------------------------------------------------------- */

typedef enum {
  KIND_TORCH,        /* CUDA's compute against PyTorch's stored results */
  KIND_OUTPUT,       /* outputs and loss */
  KIND_INPUT_GRAD,
  KIND_PARAM_GRAD,
  KIND_BUFFERS,      /* BatchNorm's running statistics */
  KIND_SGD,
  KIND_ADAM,         /* in units of ADAM_ABS + REL_TOL · |b| */
  KIND_EVAL,         /* evaluation totals and snapshot values */
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

/* One line per case: the worst error of each kind of comparison, and where. */
void report_finish (Report *r);

/* got[idx[j]] (CUDA) against want[j] (the reference: the CPU's, or PyTorch's), j < n (idx
 * NULL: got[j]), each within `tol` relative; ref_max is the largest |element| of the whole
 * reference tensor. Fails naming the first bad element and the count. */
void compare_at (Report       *r,
                 Kind          kind,
                 const char   *what,
                 const float  *got,
                 const gint64 *idx,
                 const float  *want,
                 gsize         n,
                 double        ref_max,
                 double        tol,
                 const char   *reference);

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

/* compute on both, then compare outputs, loss, input gradient, parameter gradients by
 * tensor and running statistics, every element, within `tol`. */
void compare_compute   (const Problem *pb, Report *r, StBackend *be[2], double tol,
                        Computed *c);

/* `steps` rounds of compute and apply_update from the starting weights, then the weights.
 * Adam's first step is lr · g / (|g| + eps): nearly a sign step, which magnifies gradient
 * differences far below the gradient tolerance where |g| is near eps, and may go either way
 * where g is within tolerance of 0. So an Adam element passes when it is within ADAM_ABS +
 * REL_TOL·|w| of the CPU's, or when it is the closed form of CUDA's own gradient and that
 * gradient matched the CPU's (counted and reported as "gradient-sensitive"). */
void compare_optimizer (const Problem *pb, Report *r, StBackend *be[2],
                        const StOptimConfig *optim, const char *label, int steps);

/* Through the datasets on the device: evaluation of a batch, a snapshot of every value of
 * one example, then one train_step (SGD) and the weights after it. `data` is uint8 images
 * of the net's input shape, normalised with mean 0.5 and std 0.25. */
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
