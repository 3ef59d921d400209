/* cuda-check.c: see cuda-check.h. */
#define G_LOG_DOMAIN "strata-test"

#include "cuda-check.h"

#include <gmodule.h>
#include <math.h>
#include <string.h>

#include "core/model/spec-read.h"
#include "strata-config.h"

/* ---- comparing ------------------------------------------------------------------------ */

/* Adam's gradient check, element by element: |a − b| relative to the larger of |b| and
 * SCALE_FLOOR of the tensor's largest |element| ref_max (and at least ABS_FLOOR / REL_TOL). */
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

static const char *const kind_names[N_KINDS] = {
  "against PyTorch", "outputs+loss", "input grad", "param grads", "running stats", "SGD",
  "Adam (element-wise, in tolerances)",
  "eval+snapshot", "train_step",
};

/* `i` < 0: the whole tensor `what`. */
static void
report_note (Report *r, Kind kind, double err, const char *what, gssize i)
{
  r->seen[kind] = TRUE;
  if (err > r->worst[kind] || r->where[kind] == NULL)
    {
      r->worst[kind] = err;
      g_free (r->where[kind]);
      r->where[kind] = i < 0 ? g_strdup (what)
                             : g_strdup_printf ("%s[%" G_GSSIZE_FORMAT "]", what, i);
    }
}

void
report_finish (Report *r)
{
  g_autoptr (GString) line = g_string_new (NULL);

  g_string_printf (line, "%s: worst NMSE (CUDA against the CPU unless said):", r->name);
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

/* The sums of one tensor's NMSE, in double, and the elements a failure names. */
typedef struct {
  gsize  n;
  double err2, ref2, got2;      /* Σ (got − want)², Σ want², Σ got² over the finite pairs */
  gsize  worst_i;               /* the element with the largest |got − want| */
  double worst_diff, worst_got, worst_want;  /* worst_diff starts below 0 */
  gsize  n_odd, odd_i;          /* NaN or infinite on one side only (or different); the first */
  double odd_got, odd_want;
} Tally;

/* Element i of the tensor: CUDA's a against the reference's b. A NaN or an infinity agrees
 * only with the same at the same element. */
static void
tally_add (Tally *t, gsize i, double a, double b)
{
  t->n++;
  if (!isfinite (a) || !isfinite (b))
    {
      if (!(isnan (a) && isnan (b)) && a != b && t->n_odd++ == 0)
        {
          t->odd_i = i;
          t->odd_got = a;
          t->odd_want = b;
        }
      return;
    }
  t->err2 += (a - b) * (a - b);
  t->ref2 += b * b;
  t->got2 += a * a;
  if (fabs (a - b) > t->worst_diff)
    {
      t->worst_i = i;
      t->worst_diff = fabs (a - b);
      t->worst_got = a;
      t->worst_want = b;
    }
}

/* The tensor's verdict, noted in the report: see the top of cuda-check.h. */
static void
tally_judge (Report *r, Kind kind, const char *what, const Tally *t, const char *reference)
{
  double nmse;

  if (t->n_odd > 0)
    {
      report_note (r, kind, INFINITY, what, -1);
      g_test_fail_printf ("%s: %s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " values are NaN or "
                          "infinite where %s are not the same; first at [%" G_GSIZE_FORMAT "]: "
                          "CUDA %.9g, %s %.9g", r->name, what, t->n_odd, t->n, reference,
                          t->odd_i, t->odd_got, reference, t->odd_want);
      return;
    }
  if (t->ref2 == 0.0)
    {
      /* Nothing to normalise by: CUDA's must be zero too. */
      report_note (r, kind, t->got2 <= ZERO_TOL ? 0.0 : INFINITY, what, -1);
      if (!(t->got2 <= ZERO_TOL))
        g_test_fail_printf ("%s: %s: all %" G_GSIZE_FORMAT " of %s values are zero, and the "
                            "sum of CUDA's squares %.3e is more than %g; largest at [%"
                            G_GSIZE_FORMAT "]: CUDA %.9g", r->name, what, t->n, reference,
                            t->got2, ZERO_TOL, t->worst_i, t->worst_got);
      return;
    }
  nmse = t->err2 / t->ref2;
  report_note (r, kind, nmse, what, -1);
  if (!(nmse <= NMSE_TOL))
    g_test_fail_printf ("%s: %s: NMSE %.3e against %s over %" G_GSIZE_FORMAT " value%s, more "
                        "than %g; largest difference at [%" G_GSIZE_FORMAT "]: CUDA %.9g, %s "
                        "%.9g", r->name, what, nmse, reference, t->n, t->n == 1 ? "" : "s",
                        NMSE_TOL, t->worst_i, t->worst_got, reference, t->worst_want);
}

void
compare_at (Report *r, Kind kind, const char *what, const float *got, const gint64 *idx,
            const float *want, gsize n, const char *reference)
{
  Tally t = { .worst_diff = -1.0 };

  for (gsize j = 0; j < n; j++)
    {
      const gsize i = idx != NULL ? (gsize) idx[j] : j;

      tally_add (&t, i, got[i], want[j]);
    }
  tally_judge (r, kind, what, &t, reference);
}

static void
compare (Report *r, Kind kind, const char *what, const float *got, const float *want, gsize n)
{
  compare_at (r, kind, what, got, NULL, want, n, "the CPU's");
}

void
compare_scalar (Report *r, Kind kind, const char *what, double got, double want)
{
  Tally t = { .worst_diff = -1.0 };

  tally_add (&t, 0, got, want);
  tally_judge (r, kind, what, &t, "the CPU's");
}

/* ---- the probe and the backends ------------------------------------------------------- */

static char *no_cuda;            /* why there is no CUDA backend, or NULL */

void
cuda_probe (void)
{
  g_autoptr (GError) error = NULL;
  StBackend *probe;

  probe = st_backend_open (ST_DEVICE_CUDA, &error);
  if (probe == NULL)
    no_cuda = g_strdup (error->message);
  g_clear_pointer (&probe, st_backend_free);
}

const char *
cuda_missing (void)
{
  return no_cuda;
}

void
cuda_probe_clear (void)
{
  g_clear_pointer (&no_cuda, g_free);
}

StBackend *
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

gpointer
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

/* ---- one problem, both backends ------------------------------------------------------- */

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
  return st_backend_prepare (be, net, &setup, error)
         && st_backend_write_state (be, params, buffers, NULL, 0, error);
}

void
optim_sgd (StOptimConfig *o, double lr, double momentum, double weight_decay, gboolean nesterov)
{
  st_optim_config_init_default (o, ST_OPTIM_SGD);
  o->lr = lr;
  o->momentum = momentum;
  o->weight_decay = weight_decay;
  o->nesterov = nesterov;
}

void
optim_adam (StOptimConfig *o, StOptimKind kind, double lr, double weight_decay)
{
  st_optim_config_init_default (o, kind);
  o->lr = lr;
  o->weight_decay = weight_decay;
}

void
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

void
compare_compute (const Problem *pb, Report *r, StBackend *be[2], Computed *c)
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
          || !st_backend_compute (be[b], pb->x, pb->labels, pb->batch, c->out[b], &c->loss[b],
                                  c->grads[b], c->dx[b], &error)
          || !st_backend_read_state (be[b], NULL, c->buffers[b], NULL, NULL, &error))
        {
          g_test_fail_printf ("%s: the %s backend: %s", r->name, st_backend_name (be[b]),
                              error->message);
          return;
        }
    }
  compare (r, KIND_OUTPUT, "output", c->out[1], c->out[0], pb->batch * K);
  compare_scalar (r, KIND_OUTPUT, "loss", c->loss[1], c->loss[0]);
  compare (r, KIND_INPUT_GRAD, "input.grad", c->dx[1], c->dx[0], pb->batch * X);
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *what = g_strconcat (ti->name, ti->role == ST_TENSOR_PARAM ? ".grad" : "",
                                           NULL);

      if (ti->role == ST_TENSOR_PARAM)
        compare (r, KIND_PARAM_GRAD, what, c->grads[1] + ti->offset, c->grads[0] + ti->offset,
                 ti->numel);
      else
        compare (r, KIND_BUFFERS, what, c->buffers[1] + ti->offset, c->buffers[0] + ti->offset,
                 ti->numel);
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

void
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
        ok = st_backend_compute (be[b], pb->x, pb->labels, pb->batch, NULL, NULL,
                                 grads + b * P, NULL, &error)
             && st_backend_apply_update (be[b], &error);
      if (!ok || !st_backend_read_state (be[b], after + b * P, NULL, NULL, &step, &error))
        {
          g_test_fail_printf ("%s: %s on the %s backend: %s", r->name, label,
                              st_backend_name (be[b]), error->message);
          return;
        }
      g_assert_cmpint (step, ==, steps);
    }
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *what = g_strdup_printf ("%s after %s", ti->name, label);
      const float *g = grads + ti->offset;
      double g_max;
      gsize bad = 0, first = 0;

      /* a buffer's offset is in the buffers' block, not the gradients' */
      if (ti->role != ST_TENSOR_PARAM)
        continue;
      g_max = max_abs (g, ti->numel);
      if (!adam)
        {
          compare (r, KIND_SGD, what, after + P + ti->offset, after + ti->offset, ti->numel);
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
          report_note (r, KIND_ADAM, err, what, (gssize) j);
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

/* The metrics of everything since the last take. A CUDA backend delivers training steps in
 * snapshots of up to ST_CUDA_METRICS_EVERY steps, so a take after a train_step may hand over
 * none of them; a take when nothing ran since the previous one (or after an evaluation)
 * hands over everything. So two takes: the first may leave some, the second leaves none. */
static void
take_all (StBackend *be, StMetrics *total)
{
  StMetrics m;

  memset (total, 0, sizeof *total);
  total->last_loss = NAN;
  for (int i = 0; i < 2; i++)
    {
      st_backend_take_metrics (be, &m);
      total->steps += m.steps;
      total->examples += m.examples;
      total->loss_sum += m.loss_sum;
      total->correct += m.correct;
      if (m.steps > 0)
        total->last_loss = m.last_loss;
    }
}

void
compare_data_path (const Problem *pb, Report *r, StBackend *be[2], StDataset *data)
{
  const StNet *net = pb->net;
  const gsize P = MAX (net->n_params, 1);
  StNormalizeConfig normalize = { .n = 1, .mean = { 0.5 }, .std = { 0.25 } };
  g_autofree guint32 *idx = g_new (guint32, pb->batch);
  g_autofree float *after = g_new0 (float, 2 * P);
  g_autofree float **values = g_new0 (float *, 2 * net->n_values);
  g_autofree int *which = g_new (int, net->n_values);
  const gsize K = net->values[net->output].numel;
  g_autofree float *batched = g_new0 (float, 2 * 2 * (gsize) pb->batch * K);
  g_autofree guint32 *run = g_new (guint32, pb->batch);
  g_autofree float *pictured = g_new0 (float, 2 * K);
  g_autoptr (StDataset) picture = NULL;
  StMetrics eval[2], again[2], step[2];
  StOptimConfig sgd;

  optim_sgd (&sgd, 0.05, 0.9, 1e-4, FALSE);
  for (guint v = 0; v < net->n_values; v++)
    {
      which[v] = (int) v;
      values[v] = g_new0 (float, net->values[v].numel);
      values[net->n_values + v] = g_new0 (float, net->values[v].numel);
    }
  for (int i = 0; i < pb->batch; i++)
    {
      idx[i] = (guint32) (data->n - 1 - i);
      run[i] = (guint32) i;
    }
  /* a picture of one's own, as the window swaps one in for the test set
   * (st_evaluator_snapshot_image): the first image, inverted */
  picture = st_dataset_new ("picture", "cuda-check", 1, data->c, data->h, data->w, NULL);
  g_assert_nonnull (picture);
  for (gsize i = 0; i < st_dataset_example_size (data); i++)
    picture->images[i] = 255 - st_dataset_image (data, 0)[i];
  st_dataset_set_classes (picture, data->n_classes, NULL);
  for (int b = 0; b < 2; b++)
    {
      /* a batch of snapshots: the outputs of a listed batch and of a run of the split */
      float *listed = batched + (gsize) b * 2 * pb->batch * K, *from_run = listed + pb->batch * K;
      int output = net->output;
      g_autoptr (GError) error = NULL;
      StMetrics discard;
      gboolean ok;

      ok = prepare (be[b], net, pb->loss, pb->batch, &sgd, &normalize, pb->params, pb->buffers,
                    &error)
           && st_backend_set_data (be[b], data, data, &error);
      if (ok)
        take_all (be[b], &discard);
      ok = ok && st_backend_evaluate (be[b], ST_SPLIT_TEST, idx, pb->batch, &error);
      if (ok)
        take_all (be[b], &eval[b]);
      ok = ok && st_backend_snapshot (be[b], ST_SPLIT_TRAIN, 1, which, (int) net->n_values,
                                      values + b * net->n_values, &error)
           && st_backend_snapshot_batch (be[b], ST_SPLIT_TEST, idx, pb->batch, &output, 1,
                                         &listed, &error)
           && st_backend_snapshot_batch (be[b], ST_SPLIT_TEST, run, pb->batch, &output, 1,
                                         &from_run, &error);
      /* the picture in place of the test set, then the test set back: evaluated again */
      {
        float *out = pictured + (gsize) b * K;

        ok = ok && st_backend_set_data (be[b], data, picture, &error)
             && st_backend_snapshot_batch (be[b], ST_SPLIT_TEST, (guint32[]) { 0 }, 1, &output,
                                           1, &out, &error)
             && st_backend_set_data (be[b], data, data, &error)
             && st_backend_evaluate (be[b], ST_SPLIT_TEST, idx, pb->batch, &error);
      }
      if (ok)
        take_all (be[b], &again[b]);
      ok = ok && st_backend_set_order (be[b], idx, pb->batch, &error)
           && st_backend_train_step (be[b], 0, pb->batch, 7, &error);
      if (ok)
        take_all (be[b], &step[b]);
      if (!ok || !st_backend_read_state (be[b], after + b * P, NULL, NULL, NULL, &error))
        {
          g_test_fail_printf ("%s: the data path on the %s backend: %s", r->name,
                              st_backend_name (be[b]), error->message);
          goto out;
        }
    }
  g_assert_cmpint (eval[1].examples, ==, eval[0].examples);
  g_assert_cmpint (eval[1].steps, ==, 0);
  compare_scalar (r, KIND_EVAL, "evaluation loss sum", eval[1].loss_sum, eval[0].loss_sum);
  g_assert_cmpint (ABS (eval[1].correct - eval[0].correct), <=, 1);
  for (guint v = 0; v < net->n_values; v++)
    {
      g_autofree char *what = g_strdup_printf ("snapshot of value %u", v);

      compare (r, KIND_EVAL, what, values[net->n_values + v], values[v], net->values[v].numel);
    }
  compare (r, KIND_EVAL, "batched snapshot of the outputs", batched + 2 * pb->batch * K,
           batched, 2 * pb->batch * K);
  compare (r, KIND_EVAL, "outputs of a picture swapped in for the test set", pictured + K,
           pictured, K);
  for (int b = 0; b < 2; b++)
    {
      g_assert_cmpint (again[b].examples, ==, eval[b].examples);
      compare_scalar (r, KIND_EVAL, "evaluation loss sum with the test set back",
                      again[b].loss_sum, eval[b].loss_sum);
    }
  g_assert_cmpint (step[0].steps, ==, 1);
  g_assert_cmpint (step[1].steps, ==, 1);
  g_assert_cmpint (step[1].examples, ==, pb->batch);
  compare_scalar (r, KIND_STEP, "train_step loss", step[1].last_loss, step[0].last_loss);
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *what = NULL;

      if (ti->role != ST_TENSOR_PARAM)
        continue;
      what = g_strconcat (ti->name, " after train_step", NULL);
      compare (r, KIND_STEP, what, after + P + ti->offset, after + ti->offset, ti->numel);
    }

out:
  for (guint v = 0; v < 2 * net->n_values; v++)
    g_free (values[v]);
}

/* ---- small nets ----------------------------------------------------------------------- */

StNet *
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

/* Fails unless the n floats or doubles at a and b are bitwise the same, naming the first
 * that is not. */
gboolean
same_bits (const char *row, const char *what, const void *a, const void *b, gsize n,
           gsize size)
{
  for (gsize i = 0; i < n; i++)
    if (memcmp ((const char *) a + i * size, (const char *) b + i * size, size) != 0)
      {
        double x = size == sizeof (float) ? ((const float *) a)[i] : ((const double *) a)[i];
        double y = size == sizeof (float) ? ((const float *) b)[i] : ((const double *) b)[i];

        g_test_fail_printf ("%s: %s[%" G_GSIZE_FORMAT "] differs: %.9g, then %.9g", row, what,
                            i, x, y);
        return FALSE;
      }
  return TRUE;
}
