/* test-cuda-train.c: training on the CUDA backend against the CPU backend, and against
 * itself.
 *
 *   /cuda/train/<preset>    the first 50 training steps of each preset on generated IDX data:
 *                           every loss CUDA delivers within 1e-3 of the CPU's at the same
 *                           step, the last step's among them; the totals; and the evaluation
 *                           of the test set
 *   /cuda/train/deterministic/<row>  a preset (mnist-cnn, lenet5, and mnist-cnn's training
 *                           on a net with BatchNorm and Dropout, augmented) trained twice for
 *                           50 steps on two fresh CUDA backends with the same seed, through
 *                           shuffled epochs whose last step is short: the losses both
 *                           deliver, the totals and the parameters, buffers and optimizer
 *                           state afterwards are bitwise the same
 *   /cuda/train/graph-matches-eager/<row>  the same, with the second backend launching every
 *                           kernel itself (STRATA_CUDA_GRAPHS=0) instead of replaying the
 *                           step's CUDA graph: bitwise the same again
 *   /cuda/train/fused-matches-apart/<row>  the same, with the second backend running each
 *                           convolution or linear layer and its activation as two kernels
 *                           (STRATA_CUDA_FUSE=0) instead of one: bitwise the same again
 *   /cuda/augment/<row>     a training step's augmented input batch (flip, shift, crop,
 *                           rotation, alone and together) is the CPU's for a few seeds:
 *                           bitwise without rotation, within AUGMENT_TOL with it
 *   /cuda/train-augmented/<row>  mnist-cnn with the row's augmentation: the first 50 steps
 *                           as /cuda/train
 *
 * The CUDA backend hands over training metrics in snapshots of up to ST_CUDA_METRICS_EVERY
 * steps: a take after a step may bring from none to that many, with the loss of the newest;
 * a take with no step since the last one brings the rest. The CPU backend brings each step
 * at once. Without a usable GPU (no driver, no device, no CUDA module) every case skips
 * with the message st_backend_open gave. Each case ends with a message giving its worst
 * difference.
 */
#define G_LOG_DOMAIN "strata-test"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/data/dataset-load.h"
#include "core/data/transform.h"
#include "core/engine/backend.h"
#include "core/ops/optim.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "cuda-check.h"
#include "gpu/cuda-module.h"

/* The most training steps one CUDA metrics snapshot holds: gpu/cuda-module.h says. */
#ifndef ST_CUDA_METRICS_EVERY
#define ST_CUDA_METRICS_EVERY 8
#endif

/* Training losses after up to 50 steps, and totals over many examples. */
#define TRAIN_TOL   1e-3

/* ---- the generated data and the run of a preset --------------------------------------- */

#define TRAIN_STEPS     50
#define TRAIN_EXAMPLES  1000
#define TEST_EXAMPLES   300
/* ORDER_EPOCHS' batch: an epoch of TRAIN_EXAMPLES is 10 steps of 96 and one of 40. */
#define EPOCH_BATCH     96

static void
write_be32 (FILE *f, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  fwrite (b, 1, 4, f);
}

/* n images of h×w in IDX files: each class a bright bar at its own height, with noise, as
 * test-trainer.c writes them. */
static void
write_idx (const char *dir, const char *prefix, int n, int h, int w, int n_classes,
           guint32 seed)
{
  g_autofree char *ipath = g_strdup_printf ("%s/%s-images-idx3-ubyte", dir, prefix);
  g_autofree char *lpath = g_strdup_printf ("%s/%s-labels-idx1-ubyte", dir, prefix);
  FILE *fi = fopen (ipath, "wb"), *fl = fopen (lpath, "wb");
  g_autofree guint8 *img = g_new (guint8, h * w);
  GRand *rand = g_rand_new_with_seed (seed);

  g_assert_nonnull (fi);
  g_assert_nonnull (fl);
  write_be32 (fi, 0x803);
  write_be32 (fi, n);
  write_be32 (fi, h);
  write_be32 (fi, w);
  write_be32 (fl, 0x801);
  write_be32 (fl, n);
  for (int i = 0; i < n; i++)
    {
      int label = g_rand_int_range (rand, 0, n_classes);
      int y0 = label * h / n_classes, y1 = MAX (y0 + 1, (label + 1) * h / n_classes);

      for (int p = 0; p < h * w; p++)
        img[p] = g_rand_int_range (rand, 0, 60);
      for (int y = y0; y < y1; y++)
        for (int x = w / 7; x < w - w / 7; x++)
          img[y * w + x] = 200 + g_rand_int_range (rand, 0, 55);
      fwrite (img, 1, h * w, fi);
      fputc (label, fl);
    }
  fclose (fi);
  fclose (fl);
  g_rand_free (rand);
}

/* TRAIN_EXAMPLES training and TEST_EXAMPLES test images in the shape of the spec's input,
 * as many classes as the net has outputs (two for a binary loss), written as IDX files to a
 * temporary folder, loaded, and the folder removed. NULL, with the case skipped, where the
 * spec takes more than one channel; NULL, failed, where they do not load. */
static StDatasetPair *
generated_data (const StSpec *spec, const StNet *net)
{
  static const char *const files[] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  StDatasetPair *pair;
  int n_classes;

  if (spec->input.dim[0] != 1)
    {
      g_test_skip ("the generated IDX data has one channel; this preset takes more");
      return NULL;
    }
  n_classes = spec->training.loss == ST_LOSS_CROSS_ENTROPY
              ? (int) net->values[net->output].numel : 2;
  dir = g_dir_make_tmp ("strata-cuda-XXXXXX", &error);
  g_assert_no_error (error);
  if (dir == NULL)
    return NULL;
  write_idx (dir, "train", TRAIN_EXAMPLES, spec->input.dim[1], spec->input.dim[2], n_classes, 1);
  write_idx (dir, "t10k", TEST_EXAMPLES, spec->input.dim[1], spec->input.dim[2], n_classes, 2);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      g_remove (path);
    }
  g_rmdir (dir);
  return pair;
}

/* How train_preset orders the examples of its steps. */
typedef enum {
  ORDER_WANDER,      /* at the preset's batch, each step an order of its own that wanders
                      * over the training set with repeats */
  ORDER_EPOCHS,      /* as core/engine/trainer.c: a shuffled order of the whole training set once
                      * per epoch, steps of EPOCH_BATCH through it, the last one short */
} StepOrder;

typedef struct {
  double    losses[TRAIN_STEPS];     /* [s - 1]: the mean loss of step s, where delivered */
  gboolean  delivered[TRAIN_STEPS];
  int       n_losses;                /* how many were delivered */
  StMetrics train;                   /* totals over the steps */
  StMetrics test;
} TrainRun;

/* The most steps one take_metrics may hand over on `be`. */
static gint64
steps_per_take (StBackend *be)
{
  return strcmp (st_backend_name (be), "cuda") == 0 ? ST_CUDA_METRICS_EVERY : 1;
}

/* One take of metrics, at most `most` steps, into the run: the totals, and the loss of the
 * newest step it counts (its number the steps counted so far). */
static void
take_into (StBackend *be, TrainRun *run, gint64 most)
{
  StMetrics m;

  st_backend_take_metrics (be, &m);
  g_assert_cmpint (m.steps, >=, 0);
  g_assert_cmpint (m.steps, <=, most);
  run->train.steps += m.steps;
  run->train.examples += m.examples;
  run->train.loss_sum += m.loss_sum;
  run->train.correct += m.correct;
  g_assert_cmpint (run->train.steps, <=, TRAIN_STEPS);
  if (m.steps > 0 && run->train.steps <= TRAIN_STEPS)
    {
      run->losses[run->train.steps - 1] = m.last_loss;
      run->delivered[run->train.steps - 1] = TRUE;
      run->n_losses++;
    }
}

/* Step s (from 0) in the given order: ORDER_EPOCHS continues at *offset in the epoch's
 * order, shuffling a new one with `rng` when the last is used up. */
static gboolean
train_one (StBackend *be, const StDataset *train, StepOrder order, int B, int s, guint32 *idx,
           gint64 *offset, StRng *rng, GError **error)
{
  const gint64 N = train->n;
  int n;

  if (order == ORDER_WANDER)
    {
      for (int i = 0; i < B; i++)
        idx[i] = (guint32) (((gint64) s * B + i) * 7919 % N);
      return st_backend_set_order (be, idx, B, error)
             && st_backend_train_step (be, 0, B, s, error);
    }
  if (*offset >= N)
    {
      for (gint64 i = 0; i < N; i++)
        idx[i] = (guint32) i;
      st_rng_shuffle (rng, idx, N);
      if (!st_backend_set_order (be, idx, N, error))
        return FALSE;
      *offset = 0;
    }
  n = (int) MIN (B, N - *offset);
  *offset += n;
  return st_backend_train_step (be, *offset - n, n, s, error);
}

/* The preset's own setup on the generated data: TRAIN_STEPS steps, taking the metrics after
 * each as the trainer does, and once more at the end (which brings the rest), then the test
 * set. The net may be another than the spec's, on the same input. */
static gboolean
train_preset (StBackend *be, const StNet *net, const StSpec *spec, const StDatasetPair *data,
              StepOrder order, TrainRun *run, GError **error)
{
  const StTrainConfig *tc = &spec->training;
  const int B = order == ORDER_EPOCHS ? EPOCH_BATCH : tc->batch_size;
  const gint64 N = data->train->n;
  g_autofree float *params = g_new0 (float, MAX (net->n_params, 1));
  g_autofree float *buffers = g_new0 (float, MAX (net->n_buffers, 1));
  g_autofree guint32 *idx = g_new (guint32, MAX (B, N));
  StRunSetup setup = { .batch_size = B, .loss = tc->loss, .optim = tc->optimizer,
                       .normalize = tc->normalize, .augment = tc->augment };
  gint64 offset = N;
  StMetrics m;
  StRng rng;

  memset (run, 0, sizeof *run);
  st_rng_init (&rng, tc->seed);
  st_net_init_params (net, params, buffers, tc->init, &rng);
  if (!st_backend_prepare (be, net, &setup, error)
      || !st_backend_set_data (be, data->train, data->test, error)
      || !st_backend_write_state (be, params, buffers, NULL, 0, error))
    return FALSE;
  for (int s = 0; s < TRAIN_STEPS; s++)
    {
      if (!train_one (be, data->train, order, B, s, idx, &offset, &rng, error))
        return FALSE;
      take_into (be, run, steps_per_take (be));
    }
  /* Nothing ran since the last take: this one brings every step still out, however many
   * snapshots that is. */
  take_into (be, run, TRAIN_STEPS);
  st_backend_take_metrics (be, &m);
  g_assert_cmpint (m.steps, ==, 0);
  g_assert_cmpint (m.examples, ==, 0);
  for (gint64 start = 0; start < data->test->n; start += B)
    {
      int n = (int) MIN (B, data->test->n - start);

      for (int i = 0; i < n; i++)
        idx[i] = (guint32) (start + i);
      if (!st_backend_evaluate (be, ST_SPLIT_TEST, idx, n, error))
        return FALSE;
    }
  st_backend_take_metrics (be, &run->test);
  return TRUE;
}

/* ---- /cuda/train/<preset> ------------------------------------------------------------- */

/* The preset `spec` (named `preset` in messages), its first TRAIN_STEPS steps on both
 * backends: every loss CUDA delivers against the CPU's at the same step. */
static void
train_both (const char *preset, const StSpec *spec)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StBackend) cuda = NULL;
  g_autoptr (StBackend) cpu = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  StBackend *be[2];
  TrainRun runs[2];
  int worst = 0, first = -1;
  double worst_err = 0.0;

  if (spec == NULL || (cuda = open_cuda ()) == NULL)
    return;
  cpu = st_backend_new_cpu (0);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (net == NULL || (pair = generated_data (spec, net)) == NULL)
    return;
  be[0] = cpu;
  be[1] = cuda;
  for (int b = 0; b < 2; b++)
    if (!train_preset (be[b], net, spec, pair, ORDER_WANDER, &runs[b], &error))
      {
        g_test_fail_printf ("%s on the %s backend: %s", preset, st_backend_name (be[b]),
                            error->message);
        return;
      }
  g_assert_cmpint (runs[0].n_losses, ==, TRAIN_STEPS);
  g_assert_cmpint (runs[1].n_losses, >=, TRAIN_STEPS / ST_CUDA_METRICS_EVERY);
  g_assert_true (runs[1].delivered[TRAIN_STEPS - 1]);
  for (int s = 0; s < TRAIN_STEPS; s++)
    {
      double a = runs[1].losses[s], b = runs[0].losses[s];
      double err = fabs (a - b) / MAX (1.0, fabs (b));

      if (!runs[1].delivered[s])
        continue;
      if (first < 0)
        first = s;
      if (!(err <= worst_err))
        worst_err = err, worst = s;
      if (!(err <= TRAIN_TOL))
        g_test_fail_printf ("%s: step %d: loss %.7g on CUDA, %.7g on the CPU", preset, s + 1,
                            a, b);
    }
  if (first < 0)
    return;
  g_test_message ("%s: %d of %d losses delivered; step %d %.5f, step %d %.5f (CPU %.5f, "
                  "%.5f); worst difference %.2e at step %d; train accuracy %.4f (CPU %.4f); "
                  "test loss %.5f, accuracy %.4f (CPU %.5f, %.4f)", preset, runs[1].n_losses,
                  TRAIN_STEPS, first + 1, runs[1].losses[first], TRAIN_STEPS,
                  runs[1].losses[TRAIN_STEPS - 1], runs[0].losses[first],
                  runs[0].losses[TRAIN_STEPS - 1], worst_err, worst + 1,
                  (double) runs[1].train.correct / MAX (runs[1].train.examples, 1),
                  (double) runs[0].train.correct / MAX (runs[0].train.examples, 1),
                  runs[1].test.loss_sum / MAX (runs[1].test.examples, 1),
                  (double) runs[1].test.correct / MAX (runs[1].test.examples, 1),
                  runs[0].test.loss_sum / MAX (runs[0].test.examples, 1),
                  (double) runs[0].test.correct / MAX (runs[0].test.examples, 1));
  g_assert_cmpint (runs[1].train.steps, ==, TRAIN_STEPS);
  g_assert_cmpint (runs[1].train.examples, ==, runs[0].train.examples);
  g_assert_cmpint (runs[1].test.examples, ==, TEST_EXAMPLES);
  g_assert_cmpint (runs[1].test.steps, ==, 0);
  g_assert_cmpfloat (fabs (runs[1].train.loss_sum - runs[0].train.loss_sum), <=,
                     TRAIN_TOL * MAX (1.0, fabs (runs[0].train.loss_sum)));
  g_assert_cmpfloat (fabs (runs[1].test.loss_sum - runs[0].test.loss_sum), <=,
                     TRAIN_TOL * MAX (1.0, fabs (runs[0].test.loss_sum)));
  /* An argmax that is nearly a tie may fall either way. */
  g_assert_cmpint (ABS (runs[1].train.correct - runs[0].train.correct), <=,
                   MAX (2, runs[0].train.examples / 500));
  g_assert_cmpint (ABS (runs[1].test.correct - runs[0].test.correct), <=,
                   MAX (2, TEST_EXAMPLES / 500));
}

static void
test_train (gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (data, &error);

  g_assert_no_error (error);
  train_both (data, spec);
}

/* ---- /cuda/train/deterministic/<row>, graph-matches-eager/<row>, fused-matches-apart/<row> */

typedef struct {
  const char      *name;
  const char      *preset;       /* the training setup */
  const char      *layers;       /* the net, on the preset's input (NULL: the preset's) */
  StAugmentConfig  augment;
} RepeatRow;

static const RepeatRow repeat_rows[] = {
  { "mnist-cnn", "mnist-cnn", NULL, { 0 } },
  { "lenet5", "lenet5", NULL, { 0 } },
  /* PyTorch's MNIST example net with BatchNorm: dropout masks, batch statistics and the
   * augmentation draw from the step's seed. */
  { "mnist-cnn-dropout", "mnist-cnn",
    "[{'type': 'Conv2d', 'out_channels': 10, 'kernel_size': 5}, {'type': 'BatchNorm2d'},"
    " {'type': 'MaxPool2d', 'kernel_size': 2}, {'type': 'ReLU'},"
    " {'type': 'Conv2d', 'out_channels': 20, 'kernel_size': 5}, {'type': 'Dropout', 'p': 0.5},"
    " {'type': 'MaxPool2d', 'kernel_size': 2}, {'type': 'ReLU'}, {'type': 'Flatten'},"
    " {'type': 'Linear', 'out_features': 50}, {'type': 'ReLU'}, {'type': 'Dropout', 'p': 0.5},"
    " {'type': 'Linear', 'out_features': 10}]",
    { .shift = 2, .horizontal_flip = TRUE } },
};

/* What the second of two runs is opened with. */
typedef enum {
  SECOND_AS_FIRST,   /* the default: each step's CUDA graph captured once, then replayed */
  SECOND_EAGER,      /* STRATA_CUDA_GRAPHS=0: every kernel launched directly */
  SECOND_APART,      /* STRATA_CUDA_FUSE=0: no layer applies its activation itself */
} SecondRun;

/* A CUDA backend opened with the environment variable `var` set to "0" (`off`) or as the
 * environment has it, which the backend reads on this thread while it is created; the
 * environment is put back after (GLib logs a debug line that setenv is not thread-safe).
 * NULL, with the case skipped, where there is none. */
static StBackend *
open_cuda_without (const char *var, gboolean off)
{
  g_autofree char *saved = g_strdup (g_getenv (var));
  StBackend *be;

  if (!off)
    return open_cuda ();
  g_setenv (var, "0", TRUE);
  be = open_cuda ();
  if (saved != NULL)
    g_setenv (var, saved, TRUE);
  else
    g_unsetenv (var);
  return be;
}

/* The row trained twice with the same seed on two fresh CUDA backends, the second opened as
 * `second` says: the same bits. */
static void
train_twice (const RepeatRow *row, SecondRun second)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (StBackend) first = NULL;
  g_autoptr (StBackend) again = NULL;
  g_autofree float *blocks = NULL;
  const float *state[2];
  StBackend *be[2];
  TrainRun runs[2];
  gsize P, Q, S;
  int both = 0;

  if ((first = open_cuda_without ("STRATA_CUDA_GRAPHS", FALSE)) == NULL
      || (again = second == SECOND_APART ? open_cuda_without ("STRATA_CUDA_FUSE", TRUE)
                  : open_cuda_without ("STRATA_CUDA_GRAPHS", second == SECOND_EAGER)) == NULL)
    return;
  spec = st_spec_load (row->preset, &error);
  g_assert_no_error (error);
  if (spec == NULL)
    return;
  spec->training.augment = row->augment;
  if (row->layers != NULL)
    {
      OpRow net_row = { row->name, spec->input.dim[0], spec->input.dim[1], spec->input.dim[2],
                        row->layers, spec->training.loss, EPOCH_BATCH };

      net = op_row_net (&net_row, &error);
    }
  else
    net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (net == NULL || (pair = generated_data (spec, net)) == NULL)
    return;

  /* Each run's state in one block: the parameters, the buffers, the optimizer state. */
  P = net->n_params;
  Q = net->n_buffers;
  S = (gsize) st_optim_state_per_param (&spec->training.optimizer) * P;
  blocks = g_new0 (float, 2 * (P + Q + S) + 1);
  be[0] = first;
  be[1] = again;
  for (int b = 0; b < 2; b++)
    {
      float *block = blocks + b * (P + Q + S);
      gint64 step = -1;

      state[b] = block;
      if (!train_preset (be[b], net, spec, pair, ORDER_EPOCHS, &runs[b], &error)
          || !st_backend_read_state (be[b], block, block + P, S > 0 ? block + P + Q : NULL,
                                     &step, &error))
        {
          g_test_fail_printf ("%s, run %d: %s", row->name, b + 1, error->message);
          return;
        }
      g_assert_cmpint (step, ==, TRAIN_STEPS);
      g_assert_cmpint (runs[b].train.steps, ==, TRAIN_STEPS);
      g_assert_cmpint (runs[b].n_losses, >=, TRAIN_STEPS / ST_CUDA_METRICS_EVERY);
      g_assert_true (runs[b].delivered[TRAIN_STEPS - 1]);
    }

  /* Which steps a take brings may depend on timing; the losses of those both brought may
   * not. */
  for (int s = 0; s < TRAIN_STEPS; s++)
    if (runs[0].delivered[s] && runs[1].delivered[s])
      {
        g_autofree char *what = g_strdup_printf ("the loss of step %d", s + 1);

        both++;
        if (!same_bits (row->name, what, &runs[0].losses[s], &runs[1].losses[s], 1,
                        sizeof (double)))
          break;
      }
  g_assert_cmpint (runs[1].train.examples, ==, runs[0].train.examples);
  g_assert_cmpint (runs[1].train.correct, ==, runs[0].train.correct);
  same_bits (row->name, "the training loss sum", &runs[0].train.loss_sum,
             &runs[1].train.loss_sum, 1, sizeof (double));
  g_assert_cmpint (runs[1].test.examples, ==, runs[0].test.examples);
  g_assert_cmpint (runs[1].test.correct, ==, runs[0].test.correct);
  same_bits (row->name, "the test loss sum", &runs[0].test.loss_sum, &runs[1].test.loss_sum, 1,
             sizeof (double));
  same_bits (row->name, "the parameters", state[0], state[1], P, sizeof (float));
  same_bits (row->name, "the buffers", state[0] + P, state[1] + P, Q, sizeof (float));
  same_bits (row->name, "the optimizer state", state[0] + P + Q, state[1] + P + Q, S,
             sizeof (float));
  g_test_message ("%s: %d losses delivered by both runs (of %d and %d), final loss %.7g, "
                  "test loss %.7g; %" G_GSIZE_FORMAT " parameters, %" G_GSIZE_FORMAT
                  " buffers, %" G_GSIZE_FORMAT " optimizer state floats compared",
                  row->name, both, runs[0].n_losses, runs[1].n_losses,
                  runs[1].losses[TRAIN_STEPS - 1],
                  runs[1].test.loss_sum / MAX (runs[1].test.examples, 1), P, Q, S);
}

static void
test_deterministic (gconstpointer data)
{
  train_twice (data, SECOND_AS_FIRST);
}

static void
test_graph_matches_eager (gconstpointer data)
{
  /* the CUDA module on the host (tests/cuda-host) has no graphs */
  if (g_strcmp0 (g_getenv ("STRATA_CUDA_GRAPHS"), "0") == 0)
    {
      g_test_skip ("STRATA_CUDA_GRAPHS=0: no graphs to compare with");
      return;
    }
  train_twice (data, SECOND_EAGER);
}

static void
test_fused_matches_apart (gconstpointer data)
{
  train_twice (data, SECOND_APART);
}

/* ---- /cuda/augment/<row> and /cuda/train-augmented/<row> ------------------------------ */

typedef struct {
  const char      *name;
  int              c, h, w;         /* /cuda/augment's images */
  StAugmentConfig  augment;
  gboolean         exact;           /* no rotation: every element bitwise the CPU's */
} AugmentRow;

static const AugmentRow augment_rows[] = {
  { "flip", 1, 9, 11, { .horizontal_flip = TRUE }, TRUE },
  { "shift", 3, 9, 11, { .shift = 3 }, TRUE },
  { "crop", 3, 8, 8, { .crop_padding = 4 }, TRUE },
  { "rotation", 1, 12, 10, { .rotation = 30.0 }, FALSE },
  { "rotation-far", 2, 7, 7, { .rotation = 180.0, .shift = 5 }, FALSE },
  { "flip-shift-crop", 3, 10, 9, { .shift = 2, .horizontal_flip = TRUE, .crop_padding = 2 },
    TRUE },
  { "all", 3, 10, 9, { .shift = 2, .rotation = 15.0, .horizontal_flip = TRUE,
                       .crop_padding = 2 }, FALSE },
};

/* Rotated batches: CUDA's cosine and sine may differ from glibc's in the last bit. */
#define AUGMENT_TOL 1e-5

/* The batch cpu-backend.c's load_examples makes for train_step (offset, n, seed), with the
 * same per-example draws. */
static void
cpu_train_batch (float *x, guint8 *labels, const StDataset *data, const guint32 *order,
                 gint64 offset, int n, guint64 seed, const StTransformPlan *plan)
{
  const gsize S = st_dataset_example_size (data);

  for (int i = 0; i < n; i++)
    {
      guint32 e = order[offset + i];
      StAugmentDraw draw;

      st_transform_draw_at (&draw, plan, seed, (guint64) i);
      st_transform_example (x + i * S, st_dataset_image (data, e), plan, &draw);
      labels[i] = data->labels[e];
    }
}

/* The augmented input batch of a training step on CUDA against the CPU's transform, for a
 * few seeds and per-channel normalisation: a run in the middle of a shuffled order, a short
 * one that ends the order, and a run of a second order set over the first. */
static void
test_augment (gconstpointer data)
{
  const AugmentRow *row = data;
  const int N = 24, B = 12;
  const struct {
    gint64   offset;
    int      n;
    gboolean reorder;   /* set_order again, with a new shuffle, first */
  } runs[] = { { 5, B, FALSE }, { N - 7, 7, FALSE }, { 0, B, TRUE } };
  const guint64 seeds[] = { 0, 1, 7, G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) };
  g_autoptr (StBackend) cuda = open_cuda ();
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDataset) images = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *params = NULL;
  g_autofree float *want = NULL, *got = NULL;
  g_autofree guint8 *want_labels = g_new0 (guint8, B), *got_labels = g_new0 (guint8, B);
  g_autofree guint32 *order = g_new (guint32, N);
  StCudaTrainBatchFunc train_batch;
  StRunSetup setup = { .batch_size = B, .loss = ST_LOSS_CROSS_ENTROPY };
  StTransformPlan plan;
  StTransform t;
  OpRow net_row;
  gsize S;
  double worst = 0.0;
  int moved = 0, examples = 0;
  StRng rng;

  if (cuda == NULL)
    return;
  train_batch = (StCudaTrainBatchFunc) module_symbol ("st_cuda_train_batch");
  g_assert_nonnull (train_batch);
  if (train_batch == NULL)
    return;
  net_row = (OpRow) { row->name, row->c, row->h, row->w,
                      "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 3}]",
                      ST_LOSS_CROSS_ENTROPY, B };
  net = op_row_net (&net_row, &error);
  g_assert_no_error (error);
  if (net == NULL)
    return;
  images = st_dataset_new ("augment", "generated", N, row->c, row->h, row->w, &error);
  g_assert_no_error (error);
  st_dataset_set_classes (images, 3, NULL);
  st_rng_init (&rng, 42);
  S = st_dataset_example_size (images);
  for (gsize i = 0; i < N * S; i++)
    images->images[i] = (guint8) st_rng_below (&rng, 256);
  for (int i = 0; i < N; i++)
    images->labels[i] = (guint8) st_rng_below (&rng, 3);
  st_transform_epoch_order (order, N, &rng);

  st_optim_config_init_default (&setup.optim, ST_OPTIM_SGD);
  setup.augment = row->augment;
  setup.normalize.n = row->c;
  for (int c = 0; c < row->c; c++)
    {
      setup.normalize.mean[c] = 0.3 + 0.1 * c;
      setup.normalize.std[c] = 0.2 + 0.05 * c;
    }
  st_transform_init (&t);
  t.n_norm = setup.normalize.n;
  memcpy (t.mean, setup.normalize.mean, sizeof t.mean);
  memcpy (t.std, setup.normalize.std, sizeof t.std);
  t.shift = row->augment.shift;
  t.rotation = row->augment.rotation;
  t.horizontal_flip = row->augment.horizontal_flip;
  t.crop_padding = row->augment.crop_padding;
  g_assert_true (st_transform_plan_init (&plan, &t, row->c, row->h, row->w, &error));
  g_assert_no_error (error);

  params = g_new0 (float, MAX (net->n_params, 1));
  if (!st_backend_prepare (cuda, net, &setup, &error)
      || !st_backend_set_data (cuda, images, images, &error)
      || !st_backend_write_state (cuda, params, NULL, NULL, 0, &error)
      || !st_backend_set_order (cuda, order, N, &error))
    {
      g_test_fail_printf ("%s: %s", row->name, error->message);
      return;
    }
  want = g_new0 (float, B * S);
  got = g_new0 (float, B * S);
  for (gsize r = 0; r < G_N_ELEMENTS (runs); r++)
    {
      const gint64 offset = runs[r].offset;
      const int n = runs[r].n;

      if (runs[r].reorder)
        {
          st_transform_epoch_order (order, N, &rng);
          if (!st_backend_set_order (cuda, order, N, &error))
            {
              g_test_fail_printf ("%s: set_order: %s", row->name, error->message);
              return;
            }
        }
      for (gsize k = 0; k < G_N_ELEMENTS (seeds); k++)
        {
          cpu_train_batch (want, want_labels, images, order, offset, n, seeds[k], &plan);
          if (!train_batch (cuda, offset, n, seeds[k], got, got_labels, &error))
            {
              g_test_fail_printf ("%s: run %" G_GSIZE_FORMAT ", seed %" G_GUINT64_FORMAT ": %s",
                                  row->name, r, seeds[k], error->message);
              return;
            }
          g_assert_cmpmem (got_labels, n, want_labels, n);
          for (gsize j = 0; j < n * S; j++)
            {
              double err = fabs ((double) got[j] - want[j]) / MAX (1.0, fabs ((double) want[j]));

              worst = MAX (worst, err);
              if (row->exact ? got[j] != want[j] : !(err <= AUGMENT_TOL))
                {
                  g_test_fail_printf ("%s: run %" G_GSIZE_FORMAT ", seed %" G_GUINT64_FORMAT
                                      ", example %" G_GSIZE_FORMAT ", element %" G_GSIZE_FORMAT
                                      ": %.9g on CUDA, %.9g on the CPU", row->name, r,
                                      seeds[k], j / S, j % S, got[j], want[j]);
                  return;
                }
            }
          /* The augmentation did something: some example is not its plain normalisation. */
          for (int i = 0; i < n; i++)
            {
              g_autofree float *plain = g_new (float, S);

              st_transform_example (plain, st_dataset_image (images, order[offset + i]),
                                    &plan, NULL);
              moved += memcmp (plain, want + i * S, S * sizeof (float)) != 0;
            }
          examples += n;
        }
    }
  g_assert_cmpint (moved, >, 0);
  g_test_message ("%s: %d of %d examples augmented; worst relative difference %.2e", row->name,
                  moved, examples, worst);
}

/* mnist-cnn with the row's augmentation: the CPU's and CUDA's first steps agree. */
static void
test_train_augmented (gconstpointer data)
{
  const AugmentRow *row = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load ("mnist-cnn", &error);
  g_autofree char *name = g_strconcat ("mnist-cnn with ", row->name, NULL);

  g_assert_no_error (error);
  if (spec == NULL)
    return;
  spec->training.augment = row->augment;
  train_both (name, spec);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  cuda_probe ();

  for (const char *const *p = st_preset_names (); *p != NULL; p++)
    {
      g_autofree char *test = g_strconcat ("/cuda/train/", *p, NULL);
      g_test_add_data_func (test, *p, test_train);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (repeat_rows); i++)
    {
      g_autofree char *same = g_strconcat ("/cuda/train/deterministic/", repeat_rows[i].name,
                                           NULL);
      g_autofree char *eager = g_strconcat ("/cuda/train/graph-matches-eager/",
                                            repeat_rows[i].name, NULL);
      g_autofree char *apart = g_strconcat ("/cuda/train/fused-matches-apart/",
                                            repeat_rows[i].name, NULL);

      g_test_add_data_func (same, &repeat_rows[i], test_deterministic);
      g_test_add_data_func (eager, &repeat_rows[i], test_graph_matches_eager);
      g_test_add_data_func (apart, &repeat_rows[i], test_fused_matches_apart);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (augment_rows); i++)
    {
      g_autofree char *test = g_strconcat ("/cuda/augment/", augment_rows[i].name, NULL);
      g_autofree char *train = g_strconcat ("/cuda/train-augmented/", augment_rows[i].name,
                                            NULL);

      g_test_add_data_func (test, &augment_rows[i], test_augment);
      g_test_add_data_func (train, &augment_rows[i], test_train_augmented);
    }
  status = g_test_run ();
  cuda_probe_clear ();
  return status;
}
