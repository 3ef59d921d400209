/* test-gradcheck-net.c: finite differences through whole nets on the CPU backend.
 *
 * tests/test-ops.c checks each op alone; this file checks what only a whole net has: the
 * blocks (Concat, Residual) and the tape's gradient-accumulation rule of net.h (a value read
 * by several ops gets its gradient from each; parameter gradients accumulate once per step).
 * Each row of one table is a small model written inline; its loss (CrossEntropyLoss, mean
 * over a random batch of 3) comes from the backend's `compute`, and the analytic gradient
 * of every parameter and input element (or a fixed sample of them) must match the
 * central difference
 *
 *   (L (θ + ε) − L (θ − ε)) / (θ₊ − θ₋),  ε = 1e-3,  θ± the float32 values actually used,
 *
 * taken in float64 from the float64 mean loss. The forward pass is float32, so the check
 * is loose: |fd − g| <= FD_REL · max (|fd|, |g|) + FD_ABS. The models avoid kinks (Tanh,
 * Sigmoid and average pooling rather than ReLU and max pooling) so that ε never straddles
 * one.
 *
 * Then the same seed must give the same numbers whatever the thread count: two inits from
 * one seed are bit for bit equal, a second `compute` on one backend repeats the first bit
 * for bit (gradients are zeroed per step, not carried over), and `compute` with 1, 2 and 3
 * threads (the batch of 3 split 3, 2+1, 1+1+1) gives outputs within 1e-6 and parameter
 * gradients within 1e-5 relative.
 */
#define G_LOG_DOMAIN "strata-test"

#include <math.h>
#include <string.h>

#include "core/engine/backend.h"
#include "core/engine/net.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "core/ops/rng.h"

#define BATCH        3
#define SEED         20240601
#define FD_EPS       1e-3
#define FD_REL       1e-2
#define FD_ABS       2e-4
#define CHECK_ALL    1000    /* up to this many parameters (input elements), all are checked */
#define SAMPLE       40      /* more: an even spread of this many (and every tensor's first) */

/* Thread-count invariance. */
#define SAME_OUT_ABS  1e-6
#define SAME_GRAD_REL 1e-5

typedef struct {
  const char *name;
  int         c, h, w;
  const char *layers;        /* the JSON list's contents */
} NetCase;

/* Every row ends in Flatten and a Linear to 3 classes. */
#define HEAD "{\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"out_features\": 3}"

static const NetCase cases[] = {
  /* Three branches share one input; the middle one is empty, so the Concat reads that value
   * itself and its gradient adds to the other branches'. */
  { "concat-identity-branch", 2, 5, 5,
    "{\"type\": \"Conv2d\", \"out_channels\": 3, \"kernel_size\": 1}, {\"type\": \"Tanh\"},"
    "{\"type\": \"Concat\", \"branches\": ["
    "  [{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 3, \"padding\": 1},"
    "   {\"type\": \"Tanh\"}],"
    "  [],"
    "  [{\"type\": \"AvgPool2d\", \"kernel_size\": 3, \"stride\": 1, \"padding\": 1}]]}," HEAD },
  /* A Concat on the network's input with two empty branches: one op reads value 0 twice,
   * and the input's gradient comes from three places. */
  { "concat-at-input", 2, 4, 5,
    "{\"type\": \"Concat\", \"branches\": [[],"
    "  [{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 3, \"padding\": 1}],"
    "  []]}, {\"type\": \"Tanh\"}," HEAD },
  /* x + x: the ADD reads one value twice. */
  { "residual-empty-body", 2, 5, 4,
    "{\"type\": \"Conv2d\", \"out_channels\": 3, \"kernel_size\": 1}, {\"type\": \"Tanh\"},"
    "{\"type\": \"Residual\", \"body\": []}, {\"type\": \"Sigmoid\"}," HEAD },
  { "residual-shortcut", 2, 5, 5,
    "{\"type\": \"Conv2d\", \"out_channels\": 3, \"kernel_size\": 1}, {\"type\": \"Tanh\"},"
    "{\"type\": \"Residual\", \"body\": ["
    "  {\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 3, \"padding\": 1},"
    "  {\"type\": \"Tanh\"},"
    "  {\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 3, \"padding\": 1}],"
    " \"shortcut\": [{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 1}]},"
    "{\"type\": \"Tanh\"}," HEAD },
  /* A Concat as the body of a Residual with an identity skip (2 + 2 channels = 4). */
  { "concat-in-residual", 3, 4, 4,
    "{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 1}, {\"type\": \"Tanh\"},"
    "{\"type\": \"Residual\", \"body\": [{\"type\": \"Concat\", \"branches\": ["
    "  [{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 1}],"
    "  [{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 3, \"padding\": 1},"
    "   {\"type\": \"Tanh\"}]]}]},"
    "{\"type\": \"Sigmoid\"}, {\"type\": \"AdaptiveAvgPool2d\", \"output_size\": 2}," HEAD },
  /* One value read by four ops: three branch heads and a shortcut (1 + 4 + 4 = 9). */
  { "value-with-four-consumers", 2, 4, 4,
    "{\"type\": \"Conv2d\", \"out_channels\": 4, \"kernel_size\": 1}, {\"type\": \"Tanh\"},"
    "{\"type\": \"Residual\", \"body\": [{\"type\": \"Concat\", \"branches\": ["
    "  [{\"type\": \"Conv2d\", \"out_channels\": 1, \"kernel_size\": 1}],"
    "  [{\"type\": \"Sigmoid\"}],"
    "  [{\"type\": \"AvgPool2d\", \"kernel_size\": 3, \"stride\": 1, \"padding\": 1}]]}],"
    " \"shortcut\": [{\"type\": \"Conv2d\", \"out_channels\": 9, \"kernel_size\": 1}]},"
    "{\"type\": \"Tanh\"}," HEAD },
  /* Training mode: batch statistics, so every example's loss depends on every input. */
  { "batchnorm-train", 2, 5, 5,
    "{\"type\": \"Conv2d\", \"out_channels\": 3, \"kernel_size\": 3, \"padding\": 1},"
    "{\"type\": \"BatchNorm2d\"}, {\"type\": \"Tanh\"},"
    "{\"type\": \"Conv2d\", \"out_channels\": 2, \"kernel_size\": 1},"
    "{\"type\": \"BatchNorm2d\"}," HEAD },
  /* p = 0: training-mode dropout is the identity. */
  { "dropout-p0", 2, 5, 5,
    "{\"type\": \"Conv2d\", \"out_channels\": 3, \"kernel_size\": 3},"
    "{\"type\": \"Dropout\", \"p\": 0.0}, {\"type\": \"Tanh\"}, {\"type\": \"Flatten\"},"
    "{\"type\": \"Dropout\", \"p\": 0.0}, {\"type\": \"Linear\", \"out_features\": 3}" },
};

/* ---- a net, its weights and a batch -------------------------------------------------- */

typedef struct {
  const NetCase *nc;
  StNet         *net;
  float         *params;    /* (n_params) */
  float         *buffers;   /* (n_buffers) */
  float         *x;         /* (BATCH, C, H, W) */
  guint8         labels[BATCH];
  gsize          n_x;
  gsize          K;
} Setup;

static void
setup_clear (Setup *s)
{
  g_clear_pointer (&s->net, st_net_free);
  g_clear_pointer (&s->params, g_free);
  g_clear_pointer (&s->buffers, g_free);
  g_clear_pointer (&s->x, g_free);
}

static StNet *
compile_case (const NetCase *nc)
{
  g_autofree char *json = g_strdup_printf ("{\"format\": \"strata-model/1\", \"name\": \"%s\", "
                                           "\"input\": {\"channels\": %d, \"height\": %d, "
                                           "\"width\": %d}, \"layers\": [%s]}", nc->name,
                                           nc->c, nc->h, nc->w, nc->layers);
  g_autofree char *origin = g_strdup_printf ("case %s", nc->name);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (json, -1, origin, &error);
  StNet *net;

  g_assert_no_error (error);
  if (spec == NULL)
    return NULL;
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  return net;
}

/* Weights from st_net_init_params with `seed`; BatchNorm's gamma and beta are then moved off
 * 1 and 0 so that their gradients are not special. The input is U(-1, 1), labels U{0..K}. */
static gboolean
setup_init (Setup *s, const NetCase *nc, guint64 seed)
{
  StRng rng;

  s->nc = nc;
  if ((s->net = compile_case (nc)) == NULL)
    return FALSE;
  s->params = g_new0 (float, MAX (s->net->n_params, 1));
  s->buffers = g_new0 (float, MAX (s->net->n_buffers, 1));
  st_rng_init (&rng, seed);
  st_net_init_params (s->net, s->params, s->buffers, ST_INIT_DEFAULT, &rng);
  for (guint t = 0; t < s->net->n_tensors; t++)
    {
      const StTensorInfo *ti = &s->net->tensors[t];

      if (ti->role == ST_TENSOR_PARAM && s->net->ops[ti->op].kind == ST_OP_BATCHNORM2D)
        for (gsize i = 0; i < ti->numel; i++)
          s->params[ti->offset + i] += (float) (0.5 * (st_rng_uniform (&rng) - 0.5));
    }
  s->n_x = BATCH * s->net->values[0].numel;
  s->K = s->net->values[s->net->output].numel;
  s->x = g_new (float, s->n_x);
  for (gsize i = 0; i < s->n_x; i++)
    s->x[i] = (float) (2.0 * st_rng_uniform (&rng) - 1.0);
  for (int i = 0; i < BATCH; i++)
    s->labels[i] = (guint8) st_rng_below (&rng, s->K);
  return TRUE;
}

static StBackend *
open_backend (const Setup *s, int threads)
{
  StBackend *be = st_backend_new_cpu (threads);
  g_autoptr (GError) error = NULL;
  StRunSetup setup = { 0 };

  setup.batch_size = BATCH;
  setup.loss = ST_LOSS_CROSS_ENTROPY;
  st_optim_config_init_default (&setup.optim, ST_OPTIM_SGD);
  g_assert_true (st_backend_prepare (be, s->net, &setup, &error));
  g_assert_no_error (error);
  g_assert_true (st_backend_write_state (be, s->params, s->buffers, NULL, 0, &error));
  g_assert_no_error (error);
  return be;
}

/* The mean loss at the current parameters (written to the backend) and input x. */
static double
loss_at (StBackend *be, const Setup *s, const float *x)
{
  g_autoptr (GError) error = NULL;
  double loss = NAN;

  g_assert_true (st_backend_compute (be, x, s->labels, BATCH, NULL, &loss, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
  return loss;
}

/* ---- the gradient check -------------------------------------------------------------- */

typedef struct {
  const char *net;
  double      worst;       /* max of |fd − g| / (FD_REL · max (|fd|, |g|) + FD_ABS) */
  char       *worst_where;
  int         checked;
  int         failed;
} Check;

/* Compares the central difference at *v (a parameter or an input element; restored after)
 * with the analytic gradient g. A parameter's change reaches the backend by write_state;
 * the input is passed to each compute anyway. */
static void
check_one (Check *c, StBackend *be, Setup *s, float *v, double g, gboolean is_param,
           const char *what, gsize index)
{
  g_autoptr (GError) error = NULL;
  float keep = *v;
  float plus = (float) (keep + FD_EPS), minus = (float) (keep - FD_EPS);
  double lp, lm, fd, err;

  *v = plus;
  if (is_param)
    g_assert_true (st_backend_write_state (be, s->params, s->buffers, NULL, 0, &error));
  lp = loss_at (be, s, s->x);
  *v = minus;
  if (is_param)
    g_assert_true (st_backend_write_state (be, s->params, s->buffers, NULL, 0, &error));
  lm = loss_at (be, s, s->x);
  *v = keep;
  if (is_param)
    g_assert_true (st_backend_write_state (be, s->params, s->buffers, NULL, 0, &error));
  g_assert_no_error (error);

  fd = (lp - lm) / ((double) plus - (double) minus);
  err = fabs (fd - g) / (FD_REL * MAX (fabs (fd), fabs (g)) + FD_ABS);
  if (!isfinite (err))
    err = INFINITY;
  c->checked++;
  if (err > c->worst || c->worst_where == NULL)
    {
      c->worst = err;
      g_free (c->worst_where);
      c->worst_where = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]: fd %.6g, analytic %.6g",
                                        what, index, fd, g);
    }
  if (!(err <= 1.0))
    {
      if (c->failed++ < 5)
        g_test_fail_printf ("%s: d loss / d %s[%" G_GSIZE_FORMAT "]: analytic %.8g, finite "
                            "difference %.8g (allowed %.3g)", c->net, what, index, g, fd,
                            FD_REL * MAX (fabs (fd), fabs (g)) + FD_ABS);
    }
}

/* The tensor holding parameter element i. */
static const StTensorInfo *
tensor_of (const StNet *net, gsize i)
{
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];

      if (ti->role == ST_TENSOR_PARAM && i >= ti->offset && i < ti->offset + ti->numel)
        return ti;
    }
  return NULL;
}

static void
test_gradcheck (gconstpointer data)
{
  const NetCase *nc = data;
  g_autoptr (StBackend) be = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *grads = NULL;
  g_autofree float *dx = NULL;
  g_autofree gboolean *pick = NULL;
  Setup s = { 0 };
  Check c = { .net = nc->name };
  const StNet *net;
  double loss = NAN;

  if (!setup_init (&s, nc, SEED))
    {
      setup_clear (&s);
      return;
    }
  net = s.net;
  be = open_backend (&s, 1);
  grads = g_new (float, MAX (net->n_params, 1));
  dx = g_new (float, s.n_x);
  g_assert_true (st_backend_compute (be, s.x, s.labels, BATCH, NULL, &loss, grads, dx, &error));
  g_assert_no_error (error);
  g_assert_true (isfinite (loss));

  /* Every parameter of a small net; otherwise an even spread of SAMPLE and each tensor's
   * first element. */
  pick = g_new0 (gboolean, MAX (net->n_params, 1));
  if (net->n_params <= CHECK_ALL)
    for (gsize i = 0; i < net->n_params; i++)
      pick[i] = TRUE;
  else
    {
      for (gsize j = 0; j < SAMPLE; j++)
        pick[j * (net->n_params - 1) / (SAMPLE - 1)] = TRUE;
      for (guint t = 0; t < net->n_tensors; t++)
        if (net->tensors[t].role == ST_TENSOR_PARAM)
          pick[net->tensors[t].offset] = TRUE;
    }
  for (gsize i = 0; i < net->n_params; i++)
    if (pick[i])
      {
        const StTensorInfo *ti = tensor_of (net, i);

        check_one (&c, be, &s, &s.params[i], grads[i], TRUE, ti->name, i - ti->offset);
      }
  for (gsize j = 0, n = s.n_x <= CHECK_ALL ? s.n_x : SAMPLE; j < n; j++)
    {
      gsize i = s.n_x <= CHECK_ALL ? j : j * (s.n_x - 1) / (SAMPLE - 1);

      check_one (&c, be, &s, &s.x[i], dx[i], FALSE, "input", i);
    }

  g_test_message ("%s: %u ops, %" G_GSIZE_FORMAT " parameters, loss %.6f; %d derivatives "
                  "checked, %d off; worst %.3f of the tolerance at %s", nc->name, net->n_ops,
                  net->n_params, loss, c.checked, c.failed, c.worst,
                  c.worst_where != NULL ? c.worst_where : "-");
  g_free (c.worst_where);
  setup_clear (&s);
}

/* ---- one seed, any thread count ------------------------------------------------------ */

static void
test_same_run (gconstpointer data)
{
  const NetCase *nc = data;
  g_autoptr (GError) error = NULL;
  Setup s = { 0 }, again = { 0 };
  g_autofree float *out1 = NULL;
  g_autofree float *grads1 = NULL;
  g_autofree float *out = NULL;
  g_autofree float *grads = NULL;
  const StNet *net;
  double loss1 = NAN;
  double g_max = 0.0;

  if (!setup_init (&s, nc, SEED) || !setup_init (&again, nc, SEED))
    goto out;
  net = s.net;
  g_assert_cmpmem (s.params, sizeof (float) * net->n_params, again.params,
                   sizeof (float) * again.net->n_params);
  g_assert_cmpmem (s.x, sizeof (float) * s.n_x, again.x, sizeof (float) * again.n_x);

  out1 = g_new (float, BATCH * s.K);
  out = g_new (float, BATCH * s.K);
  grads1 = g_new (float, MAX (net->n_params, 1));
  grads = g_new (float, MAX (net->n_params, 1));
  {
    g_autoptr (StBackend) be = open_backend (&s, 1);
    double loss = NAN;

    g_assert_true (st_backend_compute (be, s.x, s.labels, BATCH, out1, &loss1, grads1, NULL,
                                       &error));
    g_assert_no_error (error);
    /* Gradients are zeroed once per step: a second step gives the same ones, not twice. */
    g_assert_true (st_backend_compute (be, s.x, s.labels, BATCH, out, &loss, grads, NULL,
                                       &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (loss, ==, loss1);
    g_assert_cmpmem (out, sizeof (float) * BATCH * s.K, out1, sizeof (float) * BATCH * s.K);
    g_assert_cmpmem (grads, sizeof (float) * net->n_params, grads1,
                     sizeof (float) * net->n_params);
  }
  for (gsize i = 0; i < net->n_params; i++)
    g_max = MAX (g_max, fabs (grads1[i]));

  for (int threads = 2; threads <= 3; threads++)
    {
      g_autoptr (StBackend) be = open_backend (&again, threads);
      double loss = NAN, worst_out = 0.0, worst_grad = 0.0;

      g_assert_true (st_backend_compute (be, again.x, again.labels, BATCH, out, &loss, grads,
                                         NULL, &error));
      g_assert_no_error (error);
      for (gsize i = 0; i < BATCH * s.K; i++)
        worst_out = MAX (worst_out, fabs ((double) out[i] - out1[i]));
      worst_out = MAX (worst_out, fabs (loss - loss1));
      /* Relative to each gradient, floored at a hundredth of the largest. */
      for (gsize i = 0; i < net->n_params; i++)
        worst_grad = MAX (worst_grad, fabs ((double) grads[i] - grads1[i])
                                      / MAX (MAX (fabs (grads1[i]), 1e-2 * g_max), 1e-30));
      if (!(worst_out <= SAME_OUT_ABS))
        g_test_fail_printf ("%s: outputs with %d threads differ from 1 thread's by %.3g",
                            nc->name, threads, worst_out);
      if (!(worst_grad <= SAME_GRAD_REL))
        g_test_fail_printf ("%s: gradients with %d threads differ from 1 thread's by %.3g "
                            "relative", nc->name, threads, worst_grad);
      g_test_message ("%s, %d threads against 1: outputs and loss within %.3g, gradients "
                      "within %.3g relative", nc->name, threads, worst_out, worst_grad);
    }
out:
  setup_clear (&s);
  setup_clear (&again);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *check = g_strconcat ("/gradcheck-net/", cases[i].name, NULL);
      g_autofree char *same = g_strconcat ("/gradcheck-net/same-run/", cases[i].name, NULL);

      g_test_add_data_func (check, &cases[i], test_gradcheck);
      g_test_add_data_func (same, &cases[i], test_same_run);
    }
  return g_test_run ();
}
