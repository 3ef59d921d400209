/* backend.h: where a compiled net runs — the table every backend fills in.
 *
 * A backend owns the memory of one net at one batch size: parameters, their gradients and
 * optimizer state (one block each, the layout of StNet's tensor table), the activation arena,
 * caches and scratch. It also holds the datasets and the epoch's order of the training set:
 * the trainer hands the shuffled order over once per epoch (set_order), and a step names
 * its examples as a run of that order (offset, count). The CPU backend transforms them from
 * the shared uint8 images, the CUDA backend from its copies on the device, and neither a
 * batch nor its indices cross from host to device per step.
 *
 * A training step is one call (transform, forward, loss, backward, optimizer update) so a GPU
 * backend can capture it once as a graph and replay it. Metrics (loss sum, correct count)
 * accumulate inside the backend and are taken when the caller wants them; a GPU backend may
 * deliver them one step late, never by synchronising inside a step.
 *
 * Randomness (augmentation, dropout) is derived per example from the step's seed and the
 * example's position in the batch, so results do not depend on how a backend splits work.
 *
 * Every entry returns FALSE with a GError (ST_NET_ERROR) on failure and never aborts.
 */
#pragma once

#include "core/data/dataset.h"
#include "core/engine/net.h"
#include "core/model/train-config.h"

G_BEGIN_DECLS

typedef struct _StBackend StBackend;
typedef struct _StBackendClass StBackendClass;

typedef enum {
  ST_SPLIT_TRAIN,
  ST_SPLIT_TEST,
} StSplit;

typedef struct {
  int                 batch_size;   /* the most examples one step or compute holds */
  int                 eval_batch_size; /* what an evaluation or snapshot would like to hold
                                    * (0: batch_size); the backend settles on its own,
                                    * StBackend.eval_batch, from batch_size up to this */
  StLossKind          loss;
  StOptimConfig       optim;
  StNormalizeConfig   normalize;
  StAugmentConfig     augment;      /* applied to training steps only */
} StRunSetup;

/* One part of a profiled training step (profile_step). */
typedef struct {
  char   *what;       /* "forward 0 conv2d", "backward 0 conv2d", "loss", "update", … */
  double  us;         /* its time on the device, the median of the repetitions */
} StProfileEntry;

typedef struct {
  gint64 steps;       /* training steps whose numbers are in */
  gint64 examples;
  double loss_sum;    /* sum of per-example losses */
  gint64 correct;     /* argmax predictions equal to the label */
  double last_loss;   /* mean loss of the most recent step counted; NaN before any */
} StMetrics;

struct _StBackendClass {
  const char *name;
  /* Can this backend run op `kind`? The caller reports missing ops by name. */
  gboolean (*supports)     (StBackend *be, StOpKind kind);
  /* Lays out memory for `net`. Fails with ST_NET_ERROR_MEMORY naming what it needed. The
   * backend keeps a pointer to `net`, which must outlive it. */
  gboolean (*prepare)      (StBackend *be, const StNet *net, const StRunSetup *setup,
                            GError **error);
  /* The datasets the steps index into; the backend holds a reference to each. Call it after
   * prepare, and again after another prepare: the normalisation and augmentation of the
   * setup are applied from here on. */
  gboolean (*set_data)     (StBackend *be, StDataset *train, StDataset *test, GError **error);
  /* Parameters and buffers in the layout of the net's tensor table; writing resets the
   * optimizer state to `step` taken steps (0 for a fresh start). */
  gboolean (*write_state)  (StBackend *be, const float *params, const float *buffers,
                            const float *optim_state, gint64 step, GError **error);
  gboolean (*read_state)   (StBackend *be, float *params, float *buffers, float *optim_state,
                            gint64 *step, GError **error);
  /* The parameter gradients of the last training step, those its update used (n_params
   * floats, the mean loss's); what a step before any left is zeros. Changes nothing. */
  gboolean (*read_grads)   (StBackend *be, float *grads, GError **error);
  /* The order of the training set's examples for the steps that follow, order[0..n), each
   * below the training set's size; n at most that size. The backend copies it (the caller
   * may reuse `order` at once); call it after set_data, once per epoch. */
  gboolean (*set_order)    (StBackend *be, const guint32 *order, gint64 n, GError **error);
  /* One training step on the examples order[offset..offset + n) of the last set_order,
   * n ≤ batch_size. */
  gboolean (*train_step)   (StBackend *be, gint64 offset, int n, guint64 seed,
                            GError **error);
  /* Forward in evaluation mode (no dropout, BatchNorm running statistics), metrics only;
   * n ≤ StBackend.eval_batch. */
  gboolean (*evaluate)     (StBackend *be, StSplit split, const guint32 *idx, int n,
                            GError **error);
  /* For checks against PyTorch and finite differences: forward in training mode on a given
   * float batch x (n, C, H, W) with its labels, then, when `grads` is not NULL, backward.
   * Writes the outputs (n, K), the mean loss, the parameter gradients (n_params, the
   * layout of the tensor table) and, when `dx` is not NULL, the gradient of the input.
   * The optimizer is not applied: see apply_update. */
  gboolean (*compute)      (StBackend *be, const float *x, const guint8 *labels, int n,
                            float *out, double *loss, float *grads, float *dx, GError **error);
  /* One optimizer step with the gradients of the last compute. */
  gboolean (*apply_update) (StBackend *be, GError **error);
  /* Returns the metrics gathered since the last call and starts again from zero. */
  void     (*take_metrics) (StBackend *be, StMetrics *out);
  /* Forward the examples idx[0..n) (n ≤ StBackend.eval_batch) in evaluation mode and copy out the
   * given values into out[i], which the caller allocated: n × StNet.values[v].numel floats,
   * example after example. Metrics are not touched. An example outside the split fails
   * naming it. */
  gboolean (*snapshot)     (StBackend *be, StSplit split, const guint32 *idx, int n,
                            const int *values, int n_values, float **out, GError **error);
  /* Optional (NULL where a backend has none): training steps at (offset, n, seed) of the
   * last set_order, as train_step takes them, each part timed on the device; appends one
   * StProfileEntry per part to `entries` (the caller frees each `what`), the last being the
   * whole step as train_step runs it. The steps change the weights as train_step does. */
  gboolean (*profile_step) (StBackend *be, gint64 offset, int n, guint64 seed,
                            GArray *entries, GError **error);
  /* Optional (NULL where a backend runs every op one way): after prepare, one line per op
   * whose way of running the backend chose, with what chose it (a convolution's ways and
   * the timings behind them), appended to `lines` (the caller frees them). */
  void     (*describe_plan) (StBackend *be, GPtrArray *lines);
  void     (*destroy)      (StBackend *be);
};

struct _StBackend {
  const StBackendClass *klass;
  char                 *description;   /* "CPU, 2 threads (OpenBLAS Haswell)" */
  int                   eval_batch;    /* set by prepare: the most examples evaluate and
                                        * snapshot take, at least batch_size (the GPU takes
                                        * StRunSetup.eval_batch_size where memory allows;
                                        * the CPU gains nothing from more) */
};

/* The batch an epoch's evaluation asks for (StRunSetup.eval_batch_size) in the set-up the
 * trainer, the evaluator and bench share: the test sets of MNIST and Fashion-MNIST in ten. */
#define ST_EVAL_BATCH 1000

/* The interface between a program and the CUDA module. The module links nothing of core:
 * it reads StNet, StOp, StDataset, StRunSetup and this table from the headers it was built
 * with, so a module built from other sources would misread memory. It exports
 * st_cuda_interface_version (), and st_backend_open refuses a module whose version is not
 * the program's, naming both and the file. Bump ST_BACKEND_INTERFACE when a shared
 * structure changes meaning; a change of size is caught without a bump, since the sizes of
 * the shared structures are folded into the version. */
#define ST_BACKEND_INTERFACE 8
#define ST_BACKEND_INTERFACE_VERSION                                                      \
  ((guint64) ST_BACKEND_INTERFACE << 56                                                   \
   ^ (guint64) (sizeof (StNet) + 3 * sizeof (StOp) + 5 * sizeof (StOpGeom)                 \
                + 7 * sizeof (StValue) + 11 * sizeof (StTensorInfo)) << 32                \
   ^ (guint64) (sizeof (StDataset) + 3 * sizeof (StRunSetup) + 5 * sizeof (StMetrics)      \
                + 7 * sizeof (StBackendClass) + 11 * sizeof (StBackend)) << 8             \
   ^ (guint64) (sizeof (StOptimConfig) + 3 * sizeof (StAugmentConfig)                      \
                + 5 * sizeof (StNormalizeConfig) + 7 * sizeof (StProfileEntry)))

typedef enum {
  ST_DEVICE_AUTO,
  ST_DEVICE_CPU,
  ST_DEVICE_CUDA,
} StDevice;

/* Everything st_backend_start needs to make a backend ready for its first step. */
typedef struct {
  StDevice      device;
  const StNet  *net;          /* must outlive the backend */
  StRunSetup    setup;
  StDataset    *train;        /* the backend holds a reference to each */
  StDataset    *test;
  /* The first weights: the initialiser `init` drawing from `rng` (left advanced, for the
   * caller's later draws), then, when given, the safetensors file `weights_file` loaded over
   * them (buffers it lacks, the running statistics, keep their starting values), then, when
   * given, `params` (n_params floats) and `buffers` (n_buffers floats) copied over them. */
  StInitKind    init;
  StRng        *rng;
  const char   *weights_file;
  const float  *params;
  const float  *buffers;
} StBackendStart;

/* `start` for a run of the recipe `tc` on `net`, `device`: its loss, optimizer and
 * normalisation in batches of `batch_size` over `train` and `test` (evaluations asking for
 * ST_EVAL_BATCH), its initialiser drawing from `rng` (seeded by the caller). Augmentation, and the weights' other sources (a file,
 * arrays), are left as they were: zeroed, or what the caller set. */
void       st_backend_start_for_recipe (StBackendStart      *start,
                                        StDevice             device,
                                        const StNet         *net,
                                        const StTrainConfig *tc,
                                        int                  batch_size,
                                        StDataset           *train,
                                        StDataset           *test,
                                        StRng               *rng);
StBackend *st_backend_new_cpu      (int n_threads);
/* The set-up of every run, written once: opens the backend for `start->device`, checks that
 * it can run the net, prepares it for the setup, hands it the datasets and writes the first
 * weights with a fresh optimizer state. NULL with an error naming what failed. */
StBackend *st_backend_start        (const StBackendStart *start, GError **error);
/* ST_DEVICE_AUTO: CUDA when its module loads and finds a device, else the CPU. */
StBackend *st_backend_open         (StDevice device, GError **error);
gboolean   st_device_from_name     (const char *name, StDevice *device);
void       st_backend_free         (StBackend *be);
/* Evaluates examples 0..n-1 of `split` in batches of at most `batch` (and of the backend's
 * eval_batch) and returns their metrics. `cancelled`, when not NULL, is asked between batches; TRUE ends early. */
gboolean   st_backend_evaluate_all (StBackend   *be,
                                    StSplit      split,
                                    gint64       n,
                                    int          batch,
                                    gboolean   (*cancelled) (gpointer data),
                                    gpointer     data,
                                    StMetrics   *metrics,
                                    GError     **error);
/* FALSE, naming the first op the backend lacks, when it cannot run `net`. */
gboolean   st_backend_check_net    (StBackend *be, const StNet *net, GError **error);

/* The table's entries, called through these and never through `klass` directly; each is
 * documented at its entry of StBackendClass. */
const char *st_backend_name         (StBackend *be);
gboolean   st_backend_supports      (StBackend *be, StOpKind kind);
gboolean   st_backend_prepare       (StBackend *be, const StNet *net, const StRunSetup *setup,
                                     GError **error);
gboolean   st_backend_set_data      (StBackend *be, StDataset *train, StDataset *test,
                                     GError **error);
gboolean   st_backend_write_state   (StBackend *be, const float *params, const float *buffers,
                                     const float *optim_state, gint64 step, GError **error);
gboolean   st_backend_read_state    (StBackend *be, float *params, float *buffers,
                                     float *optim_state, gint64 *step, GError **error);
gboolean   st_backend_read_grads    (StBackend *be, float *grads, GError **error);
gboolean   st_backend_set_order     (StBackend *be, const guint32 *order, gint64 n,
                                     GError **error);
gboolean   st_backend_train_step    (StBackend *be, gint64 offset, int n, guint64 seed,
                                     GError **error);
gboolean   st_backend_evaluate      (StBackend *be, StSplit split, const guint32 *idx, int n,
                                     GError **error);
gboolean   st_backend_compute       (StBackend *be, const float *x, const guint8 *labels, int n,
                                     float *out, double *loss, float *grads, float *dx,
                                     GError **error);
gboolean   st_backend_apply_update  (StBackend *be, GError **error);
void       st_backend_take_metrics  (StBackend *be, StMetrics *out);
/* One example's values: the snapshot entry for idx = { example }, n = 1. */
gboolean   st_backend_snapshot      (StBackend *be, StSplit split, gint64 example,
                                     const int *values, int n_values, float **out,
                                     GError **error);
gboolean   st_backend_snapshot_batch (StBackend *be, StSplit split, const guint32 *idx,
                                      int n, const int *values, int n_values, float **out,
                                      GError **error);
/* FALSE with ST_NET_ERROR_DEVICE when the backend has no profile_step. */
gboolean   st_backend_profile_step  (StBackend *be, gint64 offset, int n, guint64 seed,
                                     GArray *entries, GError **error);
/* The lines of describe_plan (none where the backend has no choices), freed with the
 * array. */
GPtrArray *st_backend_describe_plan (StBackend *be);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StBackend, st_backend_free)

G_END_DECLS
