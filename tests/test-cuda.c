/* test-cuda.c: the CUDA backend against the CPU backend, which is the reference.
 *
 *   /cuda/open              the module opens, or says plainly why not (ST_NET_ERROR_DEVICE)
 *   /cuda/fixture/<name>    each tests/fixtures/<name>.stfx, on the fixture's weights and
 *                           batch: `compute` (outputs, loss, input gradient, every parameter
 *                           gradient, BatchNorm's running statistics, every element) and one
 *                           SGD and one Adam `apply_update` match the CPU's; and CUDA's
 *                           compute matches PyTorch's stored results as test-parity.c holds
 *                           the CPU to them
 *   /cuda/op/<row>          one small net per op kind (a row of `op_rows`: adding an op is
 *                           one row): compute, SGD (two steps, Nesterov, weight decay), Adam
 *                           and AdamW, then evaluation, a snapshot of every value and one
 *                           train_step through the datasets on the device
 *   /cuda/train/<preset>    the first 50 training steps of each preset on generated IDX data:
 *                           per-step losses (delivered one step late) within 1e-3 of the
 *                           CPU's, the totals, and the evaluation of the test set
 *   /cuda/augment/<row>     a training step's augmented input batch (flip, shift, crop,
 *                           rotation, alone and together) is the CPU's for a few seeds:
 *                           bitwise without rotation, within AUGMENT_TOL with it
 *   /cuda/train-augmented/<row>  mnist-cnn with the row's augmentation: the first 50 steps
 *                           as /cuda/train
 *   /cuda/memory/...        a batch too large is refused by name and leaks nothing; 100
 *                           prepare/destroy cycles return the device's free memory to where
 *                           it was
 *   /cuda/refusals          augmentation settings out of range, bad orders, runs outside the
 *                           order and oversized batches are errors
 *
 * Without a usable GPU (no driver, no device, no CUDA module) every case skips with the
 * message st_backend_open gave. The tolerance is test-parity.c's: both sides compute in
 * float32 and sum in different orders, so an element is compared relative to its own size
 * with a floor of a hundredth of the largest reference element (see CROSS_TOL for whole
 * presets). Each case ends with a message giving its worst error of each kind, and where.
 */
#define G_LOG_DOMAIN "strata-test"

#include <glib/gstdio.h>
#include <gmodule.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/backend.h"
#include "core/net.h"
#include "core/spec.h"
#include "core/transform.h"
#include "fixture.h"
#include "gpu/cuda-backend.h"
#include "strata-config.h"

/* ---- the tolerance (test-parity.c's, written again here) ------------------------------ */

#define REL_TOL     1e-4
#define SCALE_FLOOR 1e-2
#define ABS_FLOOR   1e-9
#define ADAM_ABS    1e-6
/* CUDA against the CPU on a whole preset: test-parity.c holds the CPU within REL_TOL of
 * PyTorch, and test_fixture holds CUDA within REL_TOL of PyTorch on the same elements, so
 * the two may differ from each other by twice that (seen: 1.01e-4 on one of Inception's
 * 14080 weight gradients, float noise carried through the whole net). */
#define CROSS_TOL   (2 * REL_TOL)
/* Training losses after up to 50 steps, and totals over many examples. */
#define TRAIN_TOL   1e-3

static char *no_cuda;            /* why there is no CUDA backend, or NULL */
static GPtrArray *fixture_paths; /* the data of the /cuda/fixture cases */

static double
rel_err (double a, double b, double ref_max)
{
  double denom = MAX (fabs (b), MAX (SCALE_FLOOR * ref_max, ABS_FLOOR / REL_TOL));

  if (!isfinite (a) || !isfinite (b))
    return a == b ? 0.0 : INFINITY;
  return fabs (a - b) / denom;
}

static double
max_abs (const float *x, gsize n)
{
  double m = 0.0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs ((double) x[i]));
  return m;
}

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

static const char *const kind_names[N_KINDS] = {
  "against PyTorch", "outputs+loss", "input grad", "param grads", "running stats", "SGD",
  "Adam (in tolerances)",
  "eval+snapshot", "train_step",
};

typedef struct {
  const char *name;
  double      worst[N_KINDS];
  char       *where[N_KINDS];
  gboolean    seen[N_KINDS];
  int         adam_sensitive;
} Report;

static void
report_note (Report *r, Kind kind, double err, const char *what, gsize i)
{
  r->seen[kind] = TRUE;
  if (err > r->worst[kind] || r->where[kind] == NULL)
    {
      r->worst[kind] = err;
      g_free (r->where[kind]);
      r->where[kind] = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", what, i);
    }
}

/* One line per case: the worst error of each kind of comparison, and where. */
static void
report_finish (Report *r)
{
  g_autoptr (GString) line = g_string_new (NULL);

  g_string_printf (line, "%s: worst relative error (CUDA against the CPU unless said):",
                   r->name);
  for (int k = 0; k < N_KINDS; k++)
    if (r->seen[k])
      g_string_append_printf (line, " %s %.2e (%s);", kind_names[k], r->worst[k], r->where[k]);
  if (r->adam_sensitive > 0)
    g_string_append_printf (line, " gradient-sensitive Adam elements (checked against the "
                            "closed form of CUDA's gradient): %d;", r->adam_sensitive);
  g_test_message ("%s", line->str);
  for (int k = 0; k < N_KINDS; k++)
    g_clear_pointer (&r->where[k], g_free);
}

/* got[idx[j]] (CUDA) against want[j] (the reference: the CPU's, or PyTorch's), j < n (idx
 * NULL: got[j]), each within `tol` relative; ref_max is the largest |element| of the whole
 * reference tensor. Fails naming the first bad element and the count. */
static void
compare_at (Report *r, Kind kind, const char *what, const float *got, const gint64 *idx,
            const float *want, gsize n, double ref_max, double tol, const char *reference)
{
  gsize bad = 0, first = 0;

  for (gsize j = 0; j < n; j++)
    {
      gsize i = idx != NULL ? (gsize) idx[j] : j;
      double err = rel_err (got[i], want[j], ref_max);

      report_note (r, kind, err, what, i);
      if (!(err <= tol) && bad++ == 0)
        first = j;
    }
  if (bad != 0)
    {
      gsize i = idx != NULL ? (gsize) idx[first] : first;

      g_test_fail_printf ("%s: %s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " values differ from "
                          "%s by more than %g relative; first at [%" G_GSIZE_FORMAT "]: CUDA "
                          "%.9g, %s %.9g (max |%s| %.3g)", r->name, what, bad, n, reference, tol,
                          i, (double) got[i], reference, (double) want[first], reference,
                          ref_max);
    }
}

static void
compare (Report *r, Kind kind, const char *what, const float *got, const float *want, gsize n,
         double tol)
{
  compare_at (r, kind, what, got, NULL, want, n, max_abs (want, n), tol, "the CPU's");
}

static void
compare_scalar (Report *r, Kind kind, const char *what, double got, double want, double tol)
{
  double err = rel_err (got, want, fabs (want)) * (REL_TOL / tol);

  report_note (r, kind, err, what, 0);
  if (!(err <= REL_TOL))
    g_test_fail_printf ("%s: %s: CUDA %.9g, CPU %.9g (tolerance %g relative)", r->name, what,
                        got, want, tol);
}

/* ---- opening the backends ------------------------------------------------------------- */

static StBackend *
open_cuda (void)
{
  g_autoptr (GError) error = NULL;
  StBackend *be;

  if (no_cuda != NULL)
    {
      g_test_skip (no_cuda);
      return NULL;
    }
  be = st_backend_open (ST_DEVICE_CUDA, &error);
  g_assert_no_error (error);
  return be;
}

static gboolean
prepare (StBackend *be, const StNet *net, StLossKind loss, int batch,
         const StOptimConfig *optim, const StNormalizeConfig *normalize, const float *params,
         const float *buffers, GError **error)
{
  StRunSetup setup = { 0 };

  setup.batch_size = batch;
  setup.loss = loss;
  setup.optim = *optim;
  if (normalize != NULL)
    setup.normalize = *normalize;
  return be->klass->prepare (be, net, &setup, error)
         && be->klass->write_state (be, params, buffers, NULL, 0, error);
}

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

static void
optim_sgd (StOptimConfig *o, double lr, double momentum, double weight_decay, gboolean nesterov)
{
  st_optim_config_init_default (o, ST_OPTIM_SGD);
  o->lr = lr;
  o->momentum = momentum;
  o->weight_decay = weight_decay;
  o->nesterov = nesterov;
}

static void
optim_adam (StOptimConfig *o, StOptimKind kind, double lr, double weight_decay)
{
  st_optim_config_init_default (o, kind);
  o->lr = lr;
  o->weight_decay = weight_decay;
}

/* What `compute` gave on each backend: [0] the CPU, [1] CUDA. */
typedef struct {
  float  *out[2];                /* (N, K) */
  double  loss[2];
  float  *grads[2];              /* (n_params) */
  float  *dx[2];                 /* (N, C, H, W) */
  float  *buffers[2];            /* (n_buffers), after the step's running statistics */
} Computed;

static void
computed_clear (Computed *c)
{
  for (int b = 0; b < 2; b++)
    {
      g_clear_pointer (&c->out[b], g_free);
      g_clear_pointer (&c->grads[b], g_free);
      g_clear_pointer (&c->dx[b], g_free);
      g_clear_pointer (&c->buffers[b], g_free);
    }
}

/* compute on both, then compare outputs, loss, input gradient, parameter gradients by
 * tensor and running statistics, every element, within `tol`. */
static void
compare_compute (const Problem *pb, Report *r, StBackend *be[2], double tol, Computed *c)
{
  const StNet *net = pb->net;
  const gsize K = net->values[net->output].numel, X = net->values[0].numel;
  StOptimConfig sgd;

  optim_sgd (&sgd, 0.1, 0.0, 0.0, FALSE);
  for (int b = 0; b < 2; b++)
    {
      g_autoptr (GError) error = NULL;

      c->out[b] = g_new0 (float, pb->batch * K);
      c->grads[b] = g_new0 (float, MAX (net->n_params, 1));
      c->dx[b] = g_new0 (float, pb->batch * X);
      c->buffers[b] = g_new0 (float, MAX (net->n_buffers, 1));
      c->loss[b] = NAN;
      if (!prepare (be[b], net, pb->loss, pb->batch, &sgd, NULL, pb->params, pb->buffers, &error)
          || !be[b]->klass->compute (be[b], pb->x, pb->labels, pb->batch, c->out[b], &c->loss[b],
                                     c->grads[b], c->dx[b], &error)
          || !be[b]->klass->read_state (be[b], NULL, c->buffers[b], NULL, NULL, &error))
        {
          g_test_fail_printf ("%s: the %s backend: %s", r->name, be[b]->klass->name,
                              error->message);
          return;
        }
    }
  compare (r, KIND_OUTPUT, "output", c->out[1], c->out[0], pb->batch * K, tol);
  compare_scalar (r, KIND_OUTPUT, "loss", c->loss[1], c->loss[0], tol);
  compare (r, KIND_INPUT_GRAD, "input.grad", c->dx[1], c->dx[0], pb->batch * X, tol);
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *what = g_strconcat (ti->name, ti->role == ST_TENSOR_PARAM ? ".grad" : "",
                                           NULL);

      if (ti->role == ST_TENSOR_PARAM)
        compare (r, KIND_PARAM_GRAD, what, c->grads[1] + ti->offset, c->grads[0] + ti->offset,
                 ti->numel, tol);
      else
        compare (r, KIND_BUFFERS, what, c->buffers[1] + ti->offset, c->buffers[0] + ti->offset,
                 ti->numel, tol);
    }
}

/* The weights after one Adam or AdamW step from w with gradient g (bias-corrected first
 * step: lr · g / (|g| + eps), decay as the optimizer applies it). */
static double
adam_first_step (const StOptimConfig *o, double w, double g)
{
  if (o->type == ST_OPTIM_ADAMW)
    w *= 1.0 - o->lr * o->weight_decay;
  else
    g += o->weight_decay * w;
  return w - o->lr * g / (fabs (g) + o->eps);
}

/* `steps` rounds of compute and apply_update from the starting weights, then the weights.
 * Adam's first step is lr · g / (|g| + eps): nearly a sign step, which magnifies gradient
 * differences far below the gradient tolerance where |g| is near eps, and may go either way
 * where g is within tolerance of 0. So an Adam element passes when it is within ADAM_ABS +
 * REL_TOL·|w| of the CPU's, or when it is the closed form of CUDA's own gradient and that
 * gradient matched the CPU's (counted and reported as "gradient-sensitive"). */
static void
compare_optimizer (const Problem *pb, Report *r, StBackend *be[2], const StOptimConfig *optim,
                   const char *label, int steps)
{
  const StNet *net = pb->net;
  const gsize P = MAX (net->n_params, 1);
  g_autofree float *after = g_new0 (float, 2 * P);
  g_autofree float *grads = g_new0 (float, 2 * P);
  gboolean adam = optim->type != ST_OPTIM_SGD;

  g_assert_true (!adam || steps == 1);
  for (int b = 0; b < 2; b++)
    {
      g_autoptr (GError) error = NULL;
      gint64 step = -1;
      gboolean ok = prepare (be[b], net, pb->loss, pb->batch, optim, NULL, pb->params,
                             pb->buffers, &error);

      for (int s = 0; s < steps && ok; s++)
        ok = be[b]->klass->compute (be[b], pb->x, pb->labels, pb->batch, NULL, NULL,
                                    grads + b * P, NULL, &error)
             && be[b]->klass->apply_update (be[b], &error);
      if (!ok || !be[b]->klass->read_state (be[b], after + b * P, NULL, NULL, &step, &error))
        {
          g_test_fail_printf ("%s: %s on the %s backend: %s", r->name, label,
                              be[b]->klass->name, error->message);
          return;
        }
      g_assert_cmpint (step, ==, steps);
    }
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *what = g_strdup_printf ("%s after %s", ti->name, label);
      const float *g = grads + ti->offset;
      double g_max = max_abs (g, ti->numel);
      gsize bad = 0, first = 0;

      if (ti->role != ST_TENSOR_PARAM)
        continue;
      if (!adam)
        {
          compare (r, KIND_SGD, what, after + P + ti->offset, after + ti->offset, ti->numel,
                   REL_TOL);
          continue;
        }
      for (gsize j = 0; j < ti->numel; j++)
        {
          const gsize i = ti->offset + j;
          const double a = after[P + i], b = after[i];
          double err = fabs (a - b) / (ADAM_ABS + REL_TOL * fabs (b));

          if (!(err <= 1.0) && rel_err (grads[P + i], g[j], g_max) <= REL_TOL)
            {
              double c = adam_first_step (optim, pb->params[i], grads[P + i]);
              double own = fabs (a - c) / (ADAM_ABS + REL_TOL * fabs (c));

              if (own <= 1.0)
                {
                  err = own;
                  r->adam_sensitive++;
                }
            }
          report_note (r, KIND_ADAM, err, what, j);
          if (!(err <= 1.0) && bad++ == 0)
            first = j;
        }
      if (bad != 0)
        g_test_fail_printf ("%s: %s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " values differ "
                            "from the CPU's by more than %g + %g relative; first at [%"
                            G_GSIZE_FORMAT "]: CUDA %.9g, CPU %.9g (gradients: CUDA %.9g, CPU "
                            "%.9g)", r->name, what, bad, ti->numel, ADAM_ABS, REL_TOL, first,
                            (double) after[P + ti->offset + first],
                            (double) after[ti->offset + first],
                            (double) grads[P + ti->offset + first], (double) g[first]);
    }
}

/* The metrics of everything since the last take: a CUDA backend delivers a training step
 * one take late, so take until nothing more comes. */
static void
take_all (StBackend *be, StMetrics *total)
{
  StMetrics m;

  memset (total, 0, sizeof *total);
  total->last_loss = NAN;
  for (int i = 0; i < 2; i++)
    {
      be->klass->take_metrics (be, &m);
      total->steps += m.steps;
      total->examples += m.examples;
      total->loss_sum += m.loss_sum;
      total->correct += m.correct;
      if (m.steps > 0)
        total->last_loss = m.last_loss;
    }
}

/* Through the datasets on the device: evaluation of a batch, a snapshot of every value of
 * one example, then one train_step (SGD) and the weights after it. `data` is uint8 images
 * of the net's input shape, normalised with mean 0.5 and std 0.25. */
static void
compare_data_path (const Problem *pb, Report *r, StBackend *be[2], StDataset *data)
{
  const StNet *net = pb->net;
  const gsize P = MAX (net->n_params, 1);
  StNormalizeConfig normalize = { .n = 1, .mean = { 0.5 }, .std = { 0.25 } };
  g_autofree guint32 *idx = g_new (guint32, pb->batch);
  g_autofree float *after = g_new0 (float, 2 * P);
  g_autofree float **values = g_new0 (float *, 2 * net->n_values);
  g_autofree int *which = g_new (int, net->n_values);
  StMetrics eval[2], step[2];
  StOptimConfig sgd;

  optim_sgd (&sgd, 0.05, 0.9, 1e-4, FALSE);
  for (guint v = 0; v < net->n_values; v++)
    {
      which[v] = (int) v;
      values[v] = g_new0 (float, net->values[v].numel);
      values[net->n_values + v] = g_new0 (float, net->values[v].numel);
    }
  for (int i = 0; i < pb->batch; i++)
    idx[i] = (guint32) (data->n - 1 - i);
  for (int b = 0; b < 2; b++)
    {
      g_autoptr (GError) error = NULL;
      StMetrics discard;
      gboolean ok;

      ok = prepare (be[b], net, pb->loss, pb->batch, &sgd, &normalize, pb->params, pb->buffers,
                    &error)
           && be[b]->klass->set_data (be[b], data, data, &error);
      if (ok)
        take_all (be[b], &discard);
      ok = ok && be[b]->klass->evaluate (be[b], ST_SPLIT_TEST, idx, pb->batch, &error);
      if (ok)
        take_all (be[b], &eval[b]);
      ok = ok && be[b]->klass->snapshot (be[b], ST_SPLIT_TRAIN, 1, which, (int) net->n_values,
                                         values + b * net->n_values, &error)
           && be[b]->klass->set_order (be[b], idx, pb->batch, &error)
           && be[b]->klass->train_step (be[b], 0, pb->batch, 7, &error);
      if (ok)
        take_all (be[b], &step[b]);
      if (!ok || !be[b]->klass->read_state (be[b], after + b * P, NULL, NULL, NULL, &error))
        {
          g_test_fail_printf ("%s: the data path on the %s backend: %s", r->name,
                              be[b]->klass->name, error->message);
          goto out;
        }
    }
  g_assert_cmpint (eval[1].examples, ==, eval[0].examples);
  g_assert_cmpint (eval[1].steps, ==, 0);
  compare_scalar (r, KIND_EVAL, "evaluation loss", eval[1].loss_sum, eval[0].loss_sum, REL_TOL);
  g_assert_cmpint (ABS (eval[1].correct - eval[0].correct), <=, 1);
  for (guint v = 0; v < net->n_values; v++)
    {
      g_autofree char *what = g_strdup_printf ("snapshot of value %u", v);

      compare (r, KIND_EVAL, what, values[net->n_values + v], values[v], net->values[v].numel,
               REL_TOL);
    }
  g_assert_cmpint (step[0].steps, ==, 1);
  g_assert_cmpint (step[1].steps, ==, 1);
  g_assert_cmpint (step[1].examples, ==, pb->batch);
  compare_scalar (r, KIND_STEP, "train_step loss", step[1].last_loss, step[0].last_loss, REL_TOL);
  compare (r, KIND_STEP, "weights after train_step", after + P, after, net->n_params, REL_TOL);

out:
  for (guint v = 0; v < 2 * net->n_values; v++)
    g_free (values[v]);
}

/* ---- /cuda/fixture/<name> ------------------------------------------------------------- */

/* CUDA's compute against PyTorch's stored results, as test-parity.c holds the CPU: outputs,
 * loss and input gradient whole, each parameter gradient whole where the fixture has it
 * (":grad_full") and at its sampled indices otherwise. */
static void
compare_pytorch (StFixture *fx, const StNet *net, const Computed *c, Report *r)
{
  const char *names[] = { "output", "input.grad" };
  const float *mine[] = { c->out[1], c->dx[1] };
  const float *loss = st_fixture_get_f32 (fx, "loss", NULL, NULL);
  float loss_f = (float) c->loss[1];

  g_assert_nonnull (loss);
  if (loss != NULL)
    compare_at (r, KIND_TORCH, "loss", &loss_f, NULL, loss, 1, fabs (*loss), REL_TOL,
                "PyTorch's");
  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    {
      gsize n = 0;
      const float *want = st_fixture_get_f32 (fx, names[k], &n, NULL);

      g_assert_nonnull (want);
      if (want != NULL)
        compare_at (r, KIND_TORCH, names[k], mine[k], NULL, want, n, max_abs (want, n), REL_TOL,
                    "PyTorch's");
    }
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *index = g_strconcat (ti->name, ":index", NULL);
      g_autofree char *grad = g_strconcat (ti->name, ":grad", NULL);
      g_autofree char *full = g_strconcat (ti->name, ":grad_full", NULL);
      g_autofree char *what = g_strconcat (ti->name, ".grad", NULL);
      const float *want, *whole;
      const gint64 *idx;
      gsize k = 0, n_full = 0;

      if (ti->role != ST_TENSOR_PARAM)
        continue;
      idx = st_fixture_get_i64 (fx, index, &k, NULL);
      want = st_fixture_get_f32 (fx, grad, NULL, NULL);
      whole = st_fixture_get_f32 (fx, full, &n_full, NULL);
      if (whole != NULL && n_full == ti->numel)
        compare_at (r, KIND_TORCH, what, c->grads[1] + ti->offset, NULL, whole, n_full,
                    max_abs (whole, n_full), REL_TOL, "PyTorch's");
      else if (idx != NULL && want != NULL)
        compare_at (r, KIND_TORCH, what, c->grads[1] + ti->offset, idx, want, k,
                    max_abs (want, k), REL_TOL, "PyTorch's");
      else
        g_test_fail_printf ("%s: the fixture has no gradient for %s", r->name, ti->name);
    }
}


static void
test_fixture (gconstpointer data)
{
  const char *path = data;
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (StFixture) fx = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StBackend) cuda = NULL;
  g_autoptr (StBackend) cpu = NULL;
  g_autofree float *params = NULL, *buffers = NULL;
  g_autofree guint8 *labels = NULL;
  const StFixtureRecord *input, *label_record;
  const char *text, *loss_name;
  JsonObject *meta;
  StLossKind loss;
  StOptimConfig sgd, adam;
  StRng rng;
  Report r = { .name = base };
  Computed computed = { 0 };
  Problem pb;
  int batch;

  if ((cuda = open_cuda ()) == NULL)
    return;
  cpu = st_backend_new_cpu (0);

  fx = st_fixture_load (path, &error);
  g_assert_no_error (error);
  if (fx == NULL)
    return;
  json_parser_load_from_data (parser, st_fixture_get_meta (fx), -1, &error);
  g_assert_no_error (error);
  meta = json_node_get_object (json_parser_get_root (parser));
  batch = (int) json_object_get_int_member_with_default (meta, "batch_size", 0);
  loss_name = json_object_get_string_member_with_default (meta, "loss", "");
  g_assert_true (batch >= 1 && st_loss_from_name (loss_name, &loss));
  text = st_fixture_get_text (fx, "spec", &error);
  g_assert_no_error (error);
  spec = st_spec_load_from_data (text, -1, base, &error);
  g_assert_no_error (error);
  net = spec != NULL ? st_net_compile (spec, &error) : NULL;
  g_assert_no_error (error);
  if (net == NULL)
    return;

  /* The fixture's weights by the shared formula; buffers as PyTorch starts them. */
  params = g_new0 (float, MAX (net->n_params, 1));
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, 0);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  for (guint t = 0; t < net->n_tensors; t++)
    if (net->tensors[t].role == ST_TENSOR_PARAM
        && !st_fixture_fill_param (fx, net->tensors[t].name, params + net->tensors[t].offset,
                                   net->tensors[t].numel, &error))
      {
        g_test_fail_printf ("%s: %s", base, error->message);
        return;
      }
  input = st_fixture_lookup (fx, "input");
  label_record = st_fixture_lookup (fx, "labels");
  g_assert_nonnull (input);
  g_assert_nonnull (label_record);
  if (input == NULL || label_record == NULL)
    return;
  g_assert_cmpuint (input->n_elements, ==, batch * net->values[0].numel);
  labels = g_new (guint8, batch);
  for (int i = 0; i < batch; i++)
    labels[i] = (guint8) ((const gint64 *) label_record->data)[i];
  if (loss == ST_LOSS_BCE)
    {
      const float *target = st_fixture_get_f32 (fx, "target", NULL, &error);

      g_assert_no_error (error);
      for (int i = 0; target != NULL && i < batch; i++)
        labels[i] = (guint8) target[i];
    }

  pb = (Problem) { .net = net, .loss = loss, .batch = batch, .params = params,
                   .buffers = buffers, .x = input->data, .labels = labels };
  {
    StBackend *be[2] = { cpu, cuda };

    /* tools/make-fixtures.py's optimizer settings */
    optim_sgd (&sgd, 0.1, 0.9, 1e-4, FALSE);
    optim_adam (&adam, ST_OPTIM_ADAM, 1e-3, 0.0);
    compare_compute (&pb, &r, be, CROSS_TOL, &computed);
    compare_pytorch (fx, net, &computed, &r);
    computed_clear (&computed);
    compare_optimizer (&pb, &r, be, &sgd, "SGD", 1);
    compare_optimizer (&pb, &r, be, &adam, "Adam", 1);
  }
  report_finish (&r);
}

/* ---- /cuda/op/<row> ------------------------------------------------------------------- */

typedef struct {
  const char *name;
  int         c, h, w;          /* input */
  const char *layers;           /* the "layers" array of a model file */
  StLossKind  loss;
  int         batch;
} OpRow;

static const OpRow op_rows[] = {
  { "conv", 3, 9, 8, "[{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 3}]",
    ST_LOSS_CROSS_ENTROPY, 5 },
  { "conv-strided-dilated", 2, 11, 10,
    "[{'type': 'Conv2d', 'out_channels': 3, 'kernel_size': [3, 2], 'stride': [2, 1],"
    " 'padding': [1, 2], 'dilation': [2, 1], 'bias': false}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "conv-pointwise", 4, 6, 6, "[{'type': 'Conv2d', 'out_channels': 7, 'kernel_size': 1}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  { "maxpool", 3, 8, 8, "[{'type': 'MaxPool2d', 'kernel_size': 2}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "maxpool-dilated-padded", 2, 9, 9,
    "[{'type': 'MaxPool2d', 'kernel_size': 3, 'stride': 2, 'padding': 1, 'dilation': 2}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "maxpool-overlapping", 2, 7, 7,
    "[{'type': 'MaxPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  { "avgpool", 3, 8, 8, "[{'type': 'AvgPool2d', 'kernel_size': 2}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "avgpool-odd", 2, 7, 7, "[{'type': 'AvgPool2d', 'kernel_size': 2}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "avgpool-padded", 2, 7, 6,
    "[{'type': 'AvgPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}]",
    ST_LOSS_CROSS_ENTROPY, 3 },
  { "adaptive-avgpool-down", 2, 7, 9,
    "[{'type': 'AdaptiveAvgPool2d', 'output_size': [3, 4]}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "adaptive-avgpool-up", 2, 3, 2,
    "[{'type': 'AdaptiveAvgPool2d', 'output_size': [5, 4]}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "relu", 3, 4, 4, "[{'type': 'ReLU'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "leakyrelu", 3, 4, 4, "[{'type': 'LeakyReLU', 'negative_slope': 0.2}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "prelu-shared", 3, 4, 4, "[{'type': 'PReLU'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "prelu-per-channel", 3, 4, 4, "[{'type': 'PReLU', 'num_parameters': 3}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "sigmoid", 3, 4, 4, "[{'type': 'Sigmoid'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "tanh", 3, 4, 4, "[{'type': 'Tanh'}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "linear", 1, 3, 5, "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 7}]",
    ST_LOSS_CROSS_ENTROPY, 6 },
  { "linear-no-bias", 2, 3, 3,
    "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 5, 'bias': false}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "dropout-p0", 3, 4, 4, "[{'type': 'Dropout', 'p': 0}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "dropout", 3, 4, 4, "[{'type': 'Dropout', 'p': 0.3}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "batchnorm", 3, 5, 4, "[{'type': 'BatchNorm2d'}]", ST_LOSS_CROSS_ENTROPY, 6 },
  { "batchnorm-no-affine", 3, 5, 4,
    "[{'type': 'BatchNorm2d', 'affine': false, 'momentum': 0.3, 'eps': 0.001}]",
    ST_LOSS_CROSS_ENTROPY, 5 },
  { "concat", 3, 6, 6,
    "[{'type': 'Concat', 'branches': [[{'type': 'Conv2d', 'out_channels': 2, 'kernel_size': 1}],"
    " [{'type': 'ReLU'}], [{'type': 'AvgPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}]]}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "residual", 3, 6, 6,
    "[{'type': 'Residual', 'body': [{'type': 'Conv2d', 'out_channels': 3, 'kernel_size': 3,"
    " 'padding': 1}, {'type': 'ReLU'}, {'type': 'Conv2d', 'out_channels': 3, 'kernel_size': 3,"
    " 'padding': 1}]}]", ST_LOSS_CROSS_ENTROPY, 4 },
  { "residual-shortcut", 3, 6, 6,
    "[{'type': 'Residual', 'body': [{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 3,"
    " 'padding': 1}], 'shortcut': [{'type': 'Conv2d', 'out_channels': 4, 'kernel_size': 1}]}]",
    ST_LOSS_CROSS_ENTROPY, 4 },
  { "loss-bce", 1, 4, 4,
    "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 1}, {'type': 'Sigmoid'}]",
    ST_LOSS_BCE, 6 },
  { "loss-bce-multi", 1, 4, 4,
    "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 3}, {'type': 'Sigmoid'}]",
    ST_LOSS_BCE, 6 },
  { "loss-mse", 1, 4, 4, "[{'type': 'Flatten'}, {'type': 'Linear', 'out_features': 4}]",
    ST_LOSS_MSE, 6 },
};

static StNet *
op_row_net (const OpRow *row, GError **error)
{
  g_autofree char *layers = g_strdup (row->layers);
  g_autofree char *json = NULL;
  g_autoptr (StSpec) spec = NULL;

  g_strdelimit (layers, "'", '"');
  json = g_strdup_printf ("{\"format\": \"strata-model/1\", \"name\": \"%s\", \"input\": "
                          "{\"channels\": %d, \"height\": %d, \"width\": %d}, \"layers\": %s}",
                          row->name, row->c, row->h, row->w, layers);
  spec = st_spec_load_from_data (json, -1, row->name, error);
  return spec != NULL ? st_net_compile (spec, error) : NULL;
}

static void
test_op (gconstpointer data)
{
  const OpRow *row = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = op_row_net (row, &error);
  g_autoptr (StBackend) cuda = NULL;
  g_autoptr (StBackend) cpu = NULL;
  g_autoptr (StDataset) images = NULL;
  g_autofree float *params = NULL, *buffers = NULL, *x = NULL;
  g_autofree guint8 *labels = NULL;
  StOptimConfig sgd, adam, adamw;
  Report r = { .name = row->name };
  Computed computed = { 0 };
  gsize K, X;
  int n_classes;
  Problem pb;
  StRng rng;

  /* The row must compile with or without a GPU. */
  g_assert_no_error (error);
  if (net == NULL || (cuda = open_cuda ()) == NULL)
    return;
  cpu = st_backend_new_cpu (0);

  K = net->values[net->output].numel;
  X = net->values[0].numel;
  n_classes = row->loss == ST_LOSS_BCE && K == 1 ? 2 : (int) MIN (K, 256);
  params = g_new0 (float, MAX (net->n_params, 1));
  buffers = g_new0 (float, MAX (net->n_buffers, 1));
  x = g_new (float, row->batch * X);
  labels = g_new (guint8, row->batch);
  st_rng_init (&rng, 42);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, &rng);
  /* Off PyTorch's round starting values (PReLU 0.25, BatchNorm 1 and 0), so that every
   * parameter's role shows. */
  for (gsize i = 0; i < net->n_params; i++)
    params[i] += (float) (0.2 * st_rng_uniform (&rng) - 0.1);
  for (gsize i = 0; i < net->n_buffers; i++)
    buffers[i] += (float) (0.5 * st_rng_uniform (&rng));
  for (gsize i = 0; i < row->batch * X; i++)
    x[i] = (float) (2.0 * st_rng_uniform (&rng) - 1.0);
  for (int i = 0; i < row->batch; i++)
    labels[i] = (guint8) st_rng_below (&rng, n_classes);

  images = st_dataset_new (row->name, "generated", 2 * row->batch, row->c, row->h, row->w,
                           &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < 2 * row->batch * X; i++)
    images->images[i] = (guint8) st_rng_below (&rng, 256);
  for (int i = 0; i < 2 * row->batch; i++)
    images->labels[i] = (guint8) st_rng_below (&rng, n_classes);
  st_dataset_set_classes (images, n_classes, NULL);

  pb = (Problem) { .net = net, .loss = row->loss, .batch = row->batch, .params = params,
                   .buffers = buffers, .x = x, .labels = labels };
  {
    StBackend *be[2] = { cpu, cuda };

    optim_sgd (&sgd, 0.05, 0.9, 1e-3, TRUE);
    optim_adam (&adam, ST_OPTIM_ADAM, 1e-3, 1e-2);
    optim_adam (&adamw, ST_OPTIM_ADAMW, 1e-3, 1e-2);
    compare_compute (&pb, &r, be, REL_TOL, &computed);
    computed_clear (&computed);
    compare_optimizer (&pb, &r, be, &sgd, "two SGD steps (Nesterov)", 2);
    compare_optimizer (&pb, &r, be, &adam, "Adam", 1);
    compare_optimizer (&pb, &r, be, &adamw, "AdamW", 1);
    compare_data_path (&pb, &r, be, images);
  }
  report_finish (&r);
}

/* ---- /cuda/train/<preset> ------------------------------------------------------------- */

#define TRAIN_STEPS     50
#define TRAIN_EXAMPLES  1000
#define TEST_EXAMPLES   300

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

typedef struct {
  double  losses[TRAIN_STEPS];
  int     n_losses;
  StMetrics train;               /* totals over the steps */
  StMetrics test;
} TrainRun;

/* The preset's own setup on the generated data: TRAIN_STEPS steps, taking the metrics after
 * each as the trainer does (and once more at the end), then the test set. */
static gboolean
train_preset (StBackend *be, const StNet *net, const StSpec *spec, const StDatasetPair *data,
              TrainRun *run, GError **error)
{
  const StTrainConfig *tc = &spec->training;
  const int B = tc->batch_size;
  g_autofree float *params = g_new0 (float, MAX (net->n_params, 1));
  g_autofree float *buffers = g_new0 (float, MAX (net->n_buffers, 1));
  g_autofree guint32 *idx = g_new (guint32, B);
  StRunSetup setup = { .batch_size = B, .loss = tc->loss, .optim = tc->optimizer,
                       .normalize = tc->normalize, .augment = tc->augment };
  StMetrics m;
  StRng rng;

  memset (run, 0, sizeof *run);
  st_rng_init (&rng, tc->seed);
  st_net_init_params (net, params, buffers, tc->init, &rng);
  if (!be->klass->prepare (be, net, &setup, error)
      || !be->klass->set_data (be, data->train, data->test, error)
      || !be->klass->write_state (be, params, buffers, NULL, 0, error))
    return FALSE;
  for (int s = 0; s <= TRAIN_STEPS; s++)
    {
      if (s < TRAIN_STEPS)
        {
          /* The steps wander over the set with repeats, so each has an order of its own. */
          for (int i = 0; i < B; i++)
            idx[i] = (guint32) (((gint64) s * B + i) * 7919 % data->train->n);
          if (!be->klass->set_order (be, idx, B, error)
              || !be->klass->train_step (be, 0, B, s, error))
            return FALSE;
        }
      be->klass->take_metrics (be, &m);
      /* One step at a time, never more: the trainer reads one loss per batch. */
      g_assert_cmpint (m.steps, <=, 1);
      if (m.steps == 1 && run->n_losses < TRAIN_STEPS)
        run->losses[run->n_losses++] = m.last_loss;
      run->train.steps += m.steps;
      run->train.examples += m.examples;
      run->train.loss_sum += m.loss_sum;
      run->train.correct += m.correct;
    }
  be->klass->take_metrics (be, &m);
  for (gint64 start = 0; start < data->test->n; start += B)
    {
      int n = (int) MIN (B, data->test->n - start);

      for (int i = 0; i < n; i++)
        idx[i] = (guint32) (start + i);
      if (!be->klass->evaluate (be, ST_SPLIT_TEST, idx, n, error))
        return FALSE;
    }
  be->klass->take_metrics (be, &run->test);
  return TRUE;
}

/* The preset `spec` (named `preset` in messages), its first TRAIN_STEPS steps on both
 * backends. */
static void
train_both (const char *preset, const StSpec *spec)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StBackend) cuda = NULL;
  g_autoptr (StBackend) cpu = NULL;
  g_autoptr (StDatasetPair) pair = NULL;
  g_autofree char *dir = NULL;
  TrainRun runs[2];
  int n_classes, worst = 0;
  double worst_err = 0.0;

  if (spec == NULL || (cuda = open_cuda ()) == NULL)
    return;
  cpu = st_backend_new_cpu (0);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (net == NULL)
    return;
  if (spec->input.dim[0] != 1)
    {
      g_test_skip ("the generated IDX data has one channel; this preset takes more");
      return;
    }
  n_classes = spec->training.loss == ST_LOSS_CROSS_ENTROPY
              ? (int) net->values[net->output].numel : 2;
  dir = g_dir_make_tmp ("strata-cuda-XXXXXX", &error);
  g_assert_no_error (error);
  write_idx (dir, "train", TRAIN_EXAMPLES, spec->input.dim[1], spec->input.dim[2], n_classes, 1);
  write_idx (dir, "t10k", TEST_EXAMPLES, spec->input.dim[1], spec->input.dim[2], n_classes, 2);
  pair = st_dataset_pair_load (dir, NULL, &error);
  g_assert_no_error (error);
  if (pair != NULL)
    {
      StBackend *be[2] = { cpu, cuda };

      for (int b = 0; b < 2; b++)
        if (!train_preset (be[b], net, spec, pair, &runs[b], &error))
          {
            g_test_fail_printf ("%s on the %s backend: %s", preset, be[b]->klass->name,
                                error->message);
            g_clear_error (&error);
            goto out;
          }
      g_assert_cmpint (runs[0].n_losses, ==, TRAIN_STEPS);
      g_assert_cmpint (runs[1].n_losses, ==, TRAIN_STEPS);
      for (int s = 0; s < MIN (runs[0].n_losses, runs[1].n_losses); s++)
        {
          double a = runs[1].losses[s], b = runs[0].losses[s];
          double err = fabs (a - b) / MAX (1.0, fabs (b));

          if (!(err <= worst_err))
            worst_err = err, worst = s;
          if (!(err <= TRAIN_TOL))
            g_test_fail_printf ("%s: step %d: loss %.7g on CUDA, %.7g on the CPU", preset, s + 1,
                                a, b);
        }
      g_test_message ("%s: losses, step 1 %.5f, step %d %.5f (CPU %.5f, %.5f); worst "
                      "difference %.2e at step %d; train accuracy %.4f (CPU %.4f); test loss "
                      "%.5f, accuracy %.4f (CPU %.5f, %.4f)", preset, runs[1].losses[0],
                      TRAIN_STEPS, runs[1].losses[TRAIN_STEPS - 1], runs[0].losses[0],
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
out:
  for (const char *const *f = (const char *const[]) { "train-images-idx3-ubyte",
                                                     "train-labels-idx1-ubyte",
                                                     "t10k-images-idx3-ubyte",
                                                     "t10k-labels-idx1-ubyte", NULL };
       *f != NULL; f++)
    {
      g_autofree char *path = g_build_filename (dir, *f, NULL);
      g_remove (path);
    }
  g_rmdir (dir);
}

static void
test_train (gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (data, &error);

  g_assert_no_error (error);
  train_both (data, spec);
}

/* ---- /cuda/augment/<row> and /cuda/train-augmented/<row> ------------------------------ */

/* A symbol of the module core/backend.c loaded (where it looks, in order). */
static gpointer
module_symbol (const char *name)
{
  const char *dirs[] = { g_getenv ("STRATA_GPU_MODULE_DIR"), STRATA_GPU_BUILD_DIR,
                         STRATA_GPU_INSTALL_DIR };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;
      GModule *module;
      gpointer func = NULL;

      if (dirs[i] == NULL || *dirs[i] == '\0')
        continue;
      path = g_build_filename (dirs[i], "libstrata-cuda.so", NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      if (module != NULL && g_module_symbol (module, name, &func))
        {
          g_module_make_resident (module);
          return func;
        }
      if (module != NULL)
        g_module_close (module);
    }
  return NULL;
}

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

/* The batch cpu-backend.c's load_examples makes for train_step (offset, n, seed). */
static void
cpu_train_batch (float *x, guint8 *labels, const StDataset *data, const guint32 *order,
                 gint64 offset, int n, guint64 seed, const StTransformPlan *plan)
{
  const gsize S = st_dataset_example_size (data);

  for (int i = 0; i < n; i++)
    {
      guint32 e = order[offset + i];
      StAugmentDraw draw;
      StRng base, rng;

      st_rng_init (&base, seed);
      st_rng_fork (&rng, &base, i);
      st_transform_draw (&draw, plan, &rng);
      st_transform_example (x + i * S, st_dataset_image (data, e), plan, &draw);
      labels[i] = data->labels[e];
    }
}

/* The augmented input batch of a training step on CUDA against the CPU's transform, for a
 * few seeds, a run in the middle of a shuffled order, and per-channel normalisation. */
static void
test_augment (gconstpointer data)
{
  const AugmentRow *row = data;
  const int N = 24, B = 12;
  const gint64 offset = 5;
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
  int moved = 0;
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
  if (!cuda->klass->prepare (cuda, net, &setup, &error)
      || !cuda->klass->set_data (cuda, images, images, &error)
      || !cuda->klass->write_state (cuda, params, NULL, NULL, 0, &error)
      || !cuda->klass->set_order (cuda, order, N, &error))
    {
      g_test_fail_printf ("%s: %s", row->name, error->message);
      return;
    }
  want = g_new0 (float, B * S);
  got = g_new0 (float, B * S);
  for (gsize k = 0; k < G_N_ELEMENTS (seeds); k++)
    {
      cpu_train_batch (want, want_labels, images, order, offset, B, seeds[k], &plan);
      if (!train_batch (cuda, offset, B, seeds[k], got, got_labels, &error))
        {
          g_test_fail_printf ("%s: seed %" G_GUINT64_FORMAT ": %s", row->name, seeds[k],
                              error->message);
          return;
        }
      g_assert_cmpmem (got_labels, B, want_labels, B);
      for (gsize j = 0; j < B * S; j++)
        {
          double err = fabs ((double) got[j] - want[j]) / MAX (1.0, fabs ((double) want[j]));

          worst = MAX (worst, err);
          if (row->exact ? got[j] != want[j] : !(err <= AUGMENT_TOL))
            {
              g_test_fail_printf ("%s: seed %" G_GUINT64_FORMAT ", example %" G_GSIZE_FORMAT
                                  ", element %" G_GSIZE_FORMAT ": %.9g on CUDA, %.9g on the CPU",
                                  row->name, seeds[k], j / S, j % S, got[j], want[j]);
              return;
            }
        }
      /* The augmentation did something: some example is not its plain normalisation. */
      for (int i = 0; i < B; i++)
        {
          g_autofree float *plain = g_new (float, S);

          st_transform_example (plain, st_dataset_image (images, order[offset + i]), &plan,
                                NULL);
          moved += memcmp (plain, want + i * S, S * sizeof (float)) != 0;
        }
    }
  g_assert_cmpint (moved, >, 0);
  g_test_message ("%s: %d of %d examples augmented; worst relative difference %.2e", row->name,
                  moved, (int) (B * G_N_ELEMENTS (seeds)), worst);
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

/* ---- /cuda/memory --------------------------------------------------------------------- */

static StCudaMemoryInfoFunc
memory_info_func (void)
{
  return (StCudaMemoryInfoFunc) module_symbol ("st_cuda_memory_info");
}

static guint64
free_now (StCudaMemoryInfoFunc info)
{
  guint64 free_bytes = 0, total_bytes = 0;

  g_assert_true (info (&free_bytes, &total_bytes));
  return free_bytes;
}

static StNet *
preset_net (const char *name, StSpec **spec_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (name, &error);
  StNet *net;

  g_assert_no_error (error);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (spec_out != NULL)
    *spec_out = g_steal_pointer (&spec);
  return net;
}

#define MEMORY_SLACK (2u << 20)

static void
test_memory_too_large (void)
{
  g_autoptr (StBackend) cuda = open_cuda ();
  g_autoptr (StNet) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *expect = NULL;
  StCudaMemoryInfoFunc info;
  StRunSetup setup = { .batch_size = 1 << 22 };
  guint64 before, after;

  if (cuda == NULL)
    return;
  info = memory_info_func ();
  g_assert_nonnull (info);
  if (info == NULL)
    return;
  net = preset_net ("mnist-cnn", NULL);
  optim_sgd (&setup.optim, 0.01, 0.5, 0.0, FALSE);
  before = free_now (info);
  g_assert_false (cuda->klass->prepare (cuda, net, &setup, &error));
  after = free_now (info);
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY);
  if (error != NULL)
    {
      g_test_message ("the refusal: %s", error->message);
      expect = g_strdup_printf ("batch %d needs ", setup.batch_size);
      g_assert_true (g_str_has_prefix (error->message, expect));
      g_assert_nonnull (strstr (error->message, " MiB free on "));
    }
  g_assert_cmpuint (before - MIN (before, after), <=, MEMORY_SLACK);

  /* The backend is still usable at a batch that fits. */
  setup.batch_size = 64;
  g_clear_error (&error);
  g_assert_true (cuda->klass->prepare (cuda, net, &setup, &error));
  g_assert_no_error (error);
}

/* 100 cycles each of open + prepare + set_data + a step + destroy, and of prepare on one
 * backend: the free memory must come back to where it was after the first (which loads
 * the kernels and cuBLAS for good). */
static void
test_memory_no_leak (void)
{
  g_autoptr (StBackend) first = open_cuda ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *params = NULL;
  StCudaMemoryInfoFunc info;
  StRunSetup setup = { .batch_size = 256 };
  guint32 idx[256];
  guint64 before = 0, after_cycles, after_prepares;
  StMetrics m;

  if (first == NULL)
    return;
  info = memory_info_func ();
  g_assert_nonnull (info);
  if (info == NULL)
    return;
  net = preset_net ("mnist-cnn", &spec);
  setup.loss = spec->training.loss;
  setup.optim = spec->training.optimizer;
  setup.normalize = spec->training.normalize;
  params = g_new0 (float, net->n_params);
  data = st_dataset_new ("leak", "generated", 512, 1, 28, 28, &error);
  g_assert_no_error (error);
  st_dataset_set_classes (data, 10, NULL);
  for (int i = 0; i < 256; i++)
    idx[i] = i * 2;

  for (int cycle = -1; cycle < 100; cycle++)
    {
      g_autoptr (StBackend) be = st_backend_open (ST_DEVICE_CUDA, &error);

      g_assert_no_error (error);
      if (be == NULL)
        return;
      if (!be->klass->prepare (be, net, &setup, &error)
          || !be->klass->set_data (be, data, data, &error)
          || !be->klass->write_state (be, params, NULL, NULL, 0, &error)
          || !be->klass->set_order (be, idx, 256, &error)
          || !be->klass->train_step (be, 0, 256, cycle, &error))
        {
          g_test_fail_printf ("cycle %d: %s", cycle, error->message);
          return;
        }
      be->klass->take_metrics (be, &m);
      if (cycle == -1)
        {
          g_clear_pointer (&be, st_backend_free);
          before = free_now (info);
        }
    }
  after_cycles = free_now (info);

  for (int cycle = 0; cycle < 100; cycle++)
    if (!first->klass->prepare (first, net, &setup, &error))
      {
        g_test_fail_printf ("prepare %d: %s", cycle, error->message);
        return;
      }
  g_clear_pointer (&first, st_backend_free);
  after_prepares = free_now (info);
  g_test_message ("free device memory: %.1f MiB after the first cycle, %.1f MiB after 100 "
                  "open/prepare/step/destroy cycles, %.1f MiB after 100 prepares and a destroy",
                  before / 1048576.0, after_cycles / 1048576.0, after_prepares / 1048576.0);
  g_assert_cmpuint (before - MIN (before, after_cycles), <=, MEMORY_SLACK);
  g_assert_cmpuint (before - MIN (before, after_prepares), <=, MEMORY_SLACK);
}

/* ---- /cuda/open and /cuda/refusals ---------------------------------------------------- */

static void
test_open (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StBackend) be = st_backend_open (ST_DEVICE_CUDA, &error);

  if (be == NULL)
    {
      /* The refusal itself is checked: the right domain, and a plain first words. */
      g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE);
      g_assert_true (g_str_has_prefix (error->message, "CUDA is not available"));
      g_test_skip (error->message);
      return;
    }
  g_test_message ("%s", be->description);
  g_assert_true (g_str_has_prefix (be->description, "CUDA, "));
  g_assert_true (g_str_has_suffix (be->description, " GiB"));
  g_assert_cmpstr (be->klass->name, ==, "cuda");
  for (int k = 0; k < ST_N_OPS; k++)
    g_assert_true (be->klass->supports (be, k));
}

static void
test_refusals (void)
{
  g_autoptr (StBackend) cuda = open_cuda ();
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (StDataset) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *params = NULL;
  StRunSetup setup = { .batch_size = 8 };
  guint32 idx[9] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

  if (cuda == NULL)
    return;
  net = preset_net ("mnist-cnn", &spec);
  setup.optim = spec->training.optimizer;
  setup.augment.shift = ST_TRANSFORM_MAX_SHIFT + 1;
  g_assert_false (cuda->klass->prepare (cuda, net, &setup, &error));
  g_assert_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT);
  g_assert_nonnull (error != NULL ? strstr (error->message, "augment.shift") : NULL);
  g_clear_error (&error);

  setup.augment.shift = 2;
  params = g_new0 (float, net->n_params);
  data = st_dataset_new ("small", "generated", 8, 1, 28, 28, &error);
  g_assert_no_error (error);
  g_assert_true (cuda->klass->prepare (cuda, net, &setup, &error)
                 && cuda->klass->set_data (cuda, data, data, &error)
                 && cuda->klass->write_state (cuda, params, NULL, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_false (cuda->klass->train_step (cuda, 0, 8, 0, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  idx[3] = 8;
  g_assert_false (cuda->klass->set_order (cuda, idx, 8, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  g_assert_false (cuda->klass->set_order (cuda, idx, 9, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  idx[3] = 3;
  g_assert_false (cuda->klass->evaluate (cuda, ST_SPLIT_TEST, idx, 9, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  g_assert_true (cuda->klass->set_order (cuda, idx, 8, &error));
  g_assert_no_error (error);
  g_assert_false (cuda->klass->train_step (cuda, 4, 5, 0, &error));
  g_assert_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL);
  g_clear_error (&error);
  g_assert_true (cuda->klass->train_step (cuda, 0, 8, 0, &error));
  g_assert_no_error (error);
  g_assert_true (cuda->klass->train_step (cuda, 3, 5, 1, &error));
  g_assert_no_error (error);
}

/* ---- registration --------------------------------------------------------------------- */

static const char *const known_fixtures[] = {
  "deep-cnn", "inception", "lenet-relu", "lenet5", "mnist-cnn", "resnet", "toy", "zoo", NULL,
};

static void
test_no_fixture_dir (void)
{
  g_test_skip (no_cuda != NULL ? no_cuda
                               : "STRATA_FIXTURE_DIR is not set (point it at tests/fixtures)");
}

/* Every *.stfx in $STRATA_FIXTURE_DIR, sorted. */
static void
add_fixture_tests (void)
{
  const char *dir = g_getenv ("STRATA_FIXTURE_DIR");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *d;

  if (dir == NULL || *dir == '\0' || (d = g_dir_open (dir, 0, NULL)) == NULL)
    {
      for (int i = 0; known_fixtures[i] != NULL; i++)
        {
          g_autofree char *test = g_strconcat ("/cuda/fixture/", known_fixtures[i], NULL);
          g_test_add_func (test, test_no_fixture_dir);
        }
      return;
    }
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    if (g_str_has_suffix (name, ".stfx"))
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = *(const char **) &names->pdata[i];
      g_autofree char *stem = g_strndup (name, strlen (name) - strlen (".stfx"));
      g_autofree char *test = g_strconcat ("/cuda/fixture/", stem, NULL);

      char *path = g_build_filename (dir, name, NULL);

      g_ptr_array_add (fixture_paths, path);
      g_test_add_data_func (test, path, test_fixture);
    }
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  StBackend *probe;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  probe = st_backend_open (ST_DEVICE_CUDA, &error);
  if (probe == NULL)
    no_cuda = g_strdup (error->message);
  g_clear_pointer (&probe, st_backend_free);

  g_test_add_func ("/cuda/open", test_open);
  fixture_paths = g_ptr_array_new_with_free_func (g_free);
  add_fixture_tests ();
  for (gsize i = 0; i < G_N_ELEMENTS (op_rows); i++)
    {
      g_autofree char *test = g_strconcat ("/cuda/op/", op_rows[i].name, NULL);
      g_test_add_data_func (test, &op_rows[i], test_op);
    }
  for (const char *const *p = st_preset_names (); *p != NULL; p++)
    {
      g_autofree char *test = g_strconcat ("/cuda/train/", *p, NULL);
      g_test_add_data_func (test, *p, test_train);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (augment_rows); i++)
    {
      g_autofree char *test = g_strconcat ("/cuda/augment/", augment_rows[i].name, NULL);
      g_autofree char *train = g_strconcat ("/cuda/train-augmented/", augment_rows[i].name,
                                            NULL);

      g_test_add_data_func (test, &augment_rows[i], test_augment);
      g_test_add_data_func (train, &augment_rows[i], test_train_augmented);
    }
  g_test_add_func ("/cuda/memory/too-large", test_memory_too_large);
  g_test_add_func ("/cuda/memory/no-leak", test_memory_no_leak);
  g_test_add_func ("/cuda/refusals", test_refusals);
  status = g_test_run ();
  g_ptr_array_unref (fixture_paths);
  g_free (no_cuda);
  return status;
}
