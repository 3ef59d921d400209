/* test-parity.c: the CPU backend against PyTorch on every fixture in $STRATA_FIXTURE_DIR.
 *
 * Per preset (tests/fixtures/<preset>.stfx, written by tools/make-fixtures.py): the spec is
 * compiled, its parameter names and shapes must be PyTorch's, the backend starts from the
 * fixture's weights (rebuilt by the shared formula; BatchNorm buffers from
 * st_net_init_params: running_mean 0, running_var 1) and `compute`s on the stored input and
 * labels. Outputs, loss, the input's gradient and every parameter's gradient (the sampled
 * indices, and the whole tensor where the fixture has it) must match PyTorch's; then one SGD
 * step (apply_update) and, re-prepared from the same start, one Adam step must match too.
 * Everything runs with one thread and with two: the split of the batch must not show.
 */
#define G_LOG_DOMAIN "strata-test"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/engine/backend.h"
#include "core/engine/net.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "fixture.h"

static const char *const presets[] = {
  "lenet5", "lenet-relu", "mnist-cnn", "deep-cnn", "inception", "resnet", "toy", "zoo", NULL,
};

/* The optimizer settings of tools/make-fixtures.py. */
#define SGD_LR           0.1
#define SGD_MOMENTUM     0.9
#define SGD_WEIGHT_DECAY 1e-4
#define ADAM_LR          1e-3

/* ---- the tolerance, written once ------------------------------------------------------
 *
 * Both sides compute in float32 but sum in different orders, so an element is compared
 * relative to its own size, with two floors: a hundredth of the largest element of the
 * reference tensor (a gradient of 1e-9 beside one of 1 is noise on either side, and cannot
 * be held to 1e-4 of itself) and a tiny absolute floor for all-zero tensors:
 *
 *   err (a, b) = |a − b| / max (|b|, SCALE_FLOOR · max |reference|, ABS_FLOOR / REL_TOL)
 *
 * and a comparison passes when err <= REL_TOL. */
#define REL_TOL     1e-4
#define SCALE_FLOOR 1e-2
#define ABS_FLOOR   1e-9

/* Adam's first step is lr · g / (|g| + eps): nearly a sign step, so it hides the size of the
 * gradient and is compared absolutely, |a − b| <= ADAM_ABS + REL_TOL · |b|. Where PyTorch's
 * gradient is so close to zero that the gradient tolerance above admits either sign, the two
 * sides may step in opposite directions by lr each; there the value is checked against the
 * closed form of our own gradient instead, and the element is counted as "near zero". */
#define ADAM_ABS    1e-6
#define ADAM_EPS    1e-8

static double
rel_err (double a, double b, double ref_max)
{
  double denom = MAX (fabs (b), MAX (SCALE_FLOOR * ref_max, ABS_FLOOR / REL_TOL));

  if (!isfinite (a) || !isfinite (b))
    return INFINITY;
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

/* The worst error of each kind of comparison, for the report. */
typedef enum {
  KIND_OUTPUT,       /* outputs and loss */
  KIND_INPUT_GRAD,
  KIND_PARAM_GRAD,
  KIND_SGD,
  KIND_ADAM,         /* absolute, in units of ADAM_ABS + REL_TOL · |b| */
  N_KINDS
} Kind;

static const char *const kind_names[N_KINDS] = {
  "outputs+loss", "input grad", "param grads", "SGD step", "Adam step (in tolerances)",
};

typedef struct {
  const char *preset;
  int         threads;
  double      worst[N_KINDS];
  char       *worst_where[N_KINDS];
  int         adam_near_zero;
} Report;

static void
report_clear (Report *r)
{
  for (int k = 0; k < N_KINDS; k++)
    g_clear_pointer (&r->worst_where[k], g_free);
}

static void
note_worst (Report *r, Kind kind, double err, const char *what, gsize i)
{
  if (err > r->worst[kind] || r->worst_where[kind] == NULL)
    {
      r->worst[kind] = err;
      g_free (r->worst_where[kind]);
      r->worst_where[kind] = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", what, i);
    }
}

/* Compares got[idx[j]] with want[j] for j < n (idx NULL: got[j]); ref_max is the largest
 * |element| of the whole reference tensor. Fails naming the first bad element and the count. */
static void
compare (Report *r, Kind kind, const char *what, const float *got, const gint64 *idx,
         const float *want, gsize n, double ref_max)
{
  gsize bad = 0, first = 0;

  for (gsize j = 0; j < n; j++)
    {
      gsize i = idx != NULL ? (gsize) idx[j] : j;
      double err = rel_err (got[i], want[j], ref_max);

      note_worst (r, kind, err, what, i);
      if (!(err <= REL_TOL) && bad++ == 0)
        first = j;
    }
  if (bad != 0)
    {
      gsize i = idx != NULL ? (gsize) idx[first] : first;

      g_test_fail_printf ("%s, %d thread%s: %s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                          " values differ from PyTorch by more than %g relative; first at "
                          "[%" G_GSIZE_FORMAT "]: Strata %.9g, PyTorch %.9g (max |PyTorch| "
                          "%.3g)", r->preset, r->threads, r->threads == 1 ? "" : "s", what,
                          bad, n, REL_TOL, i, (double) got[i], (double) want[first], ref_max);
    }
}

/* ---- the fixture --------------------------------------------------------------------- */

typedef struct {
  StFixture  *fx;
  const char *preset;
  int         batch;
  StLossKind  loss;
  StNet      *net;
  GStrv       names;       /* the fixture's parameter names */
  int        *tensor;      /* names[i] → the net's tensor index */
  guint       n_names;
  float      *params;      /* (n_params) the starting weights */
  float      *buffers;     /* (n_buffers) */
  const float *x;          /* (N, C, H, W) */
  guint8     *labels;      /* (N) */
  const float *output;     /* (N, K) */
  gsize       n_output;
  float       loss_value;
  const float *dx;         /* (N, C, H, W) */
  gsize       n_input;
} Parity;

static void
parity_clear (Parity *p)
{
  g_clear_pointer (&p->fx, st_fixture_free);
  g_clear_pointer (&p->net, st_net_free);
  g_clear_pointer (&p->names, g_strfreev);
  g_clear_pointer (&p->tensor, g_free);
  g_clear_pointer (&p->params, g_free);
  g_clear_pointer (&p->buffers, g_free);
  g_clear_pointer (&p->labels, g_free);
}

static const char *
param_record (const char *param, const char *suffix, char *buf, gsize size)
{
  g_snprintf (buf, size, "%s:%s", param, suffix);
  return buf;
}

static gboolean
read_meta (Parity *p, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *meta = st_fixture_get_meta (p->fx);
  JsonObject *root;
  const char *loss;

  if (meta == NULL)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_MISSING, "%s: no meta record",
                   st_fixture_get_origin (p->fx));
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, meta, -1, error))
    return FALSE;
  root = json_node_get_object (json_parser_get_root (parser));
  p->batch = (int) json_object_get_int_member_with_default (root, "batch_size", 0);
  loss = json_object_get_string_member_with_default (root, "loss", "");
  if (p->batch < 1 || !st_loss_from_name (loss, &p->loss))
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: meta has batch_size %d and loss \"%s\"", st_fixture_get_origin (p->fx),
                   p->batch, loss);
      return FALSE;
    }
  return TRUE;
}

/* The net's parameter tensors, in order, must be the fixture's, with PyTorch's shapes. */
static gboolean
match_params (Parity *p)
{
  const StNet *net = p->net;
  guint t = 0;
  gboolean ok = TRUE;

  p->n_names = g_strv_length (p->names);
  p->tensor = g_new (int, MAX (p->n_names, 1));
  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *ti = &net->tensors[i];
      char buf[256];
      const gint64 *shape;
      gsize rank;

      if (ti->role != ST_TENSOR_PARAM)
        continue;
      if (t >= p->n_names)
        {
          g_test_fail_printf ("%s: Strata has parameter %s beyond PyTorch's %u", p->preset,
                              ti->name, p->n_names);
          return FALSE;
        }
      if (g_strcmp0 (ti->name, p->names[t]) != 0)
        {
          g_test_fail_printf ("%s: parameter %u is %s in Strata, %s in PyTorch", p->preset, t,
                              ti->name, p->names[t]);
          ok = FALSE;
        }
      shape = st_fixture_get_i64 (p->fx, param_record (p->names[t], "shape", buf, sizeof buf),
                                  &rank, NULL);
      if (shape == NULL || rank != (gsize) ti->rank)
        {
          g_test_fail_printf ("%s: %s has rank %d in Strata, %" G_GSIZE_FORMAT " in PyTorch",
                              p->preset, ti->name, ti->rank, shape != NULL ? rank : 0);
          ok = FALSE;
        }
      else
        for (gsize d = 0; d < rank; d++)
          if (shape[d] != ti->dims[d])
            {
              g_test_fail_printf ("%s: %s dimension %" G_GSIZE_FORMAT " is %" G_GINT64_FORMAT
                                  " in Strata, %" G_GINT64_FORMAT " in PyTorch", p->preset,
                                  ti->name, d, ti->dims[d], shape[d]);
              ok = FALSE;
            }
      p->tensor[t++] = (int) i;
    }
  if (t != p->n_names)
    {
      g_test_fail_printf ("%s: Strata has %u parameters, PyTorch %u", p->preset, t,
                          p->n_names);
      ok = FALSE;
    }
  return ok;
}

static gboolean
parity_load (Parity *p, const char *path, GError **error)
{
  const StFixtureRecord *input, *output, *loss, *dx, *labels;
  const char *spec_text;
  g_autoptr (StSpec) spec = NULL;
  g_autofree char *origin = g_strdup_printf ("fixture %s", p->preset);
  StRng rng;

  if ((p->fx = st_fixture_load (path, error)) == NULL || !read_meta (p, error))
    return FALSE;
  if ((spec_text = st_fixture_get_text (p->fx, "spec", error)) == NULL)
    return FALSE;
  if ((spec = st_spec_load_from_data (spec_text, -1, origin, error)) == NULL)
    return FALSE;
  if ((p->net = st_net_compile (spec, error)) == NULL)
    return FALSE;
  if ((p->names = st_fixture_dup_param_names (p->fx, error)) == NULL)
    return FALSE;
  if (!match_params (p))
    return FALSE;

  /* Buffers (BatchNorm's running statistics) as PyTorch starts them; then every parameter
   * overwritten by the fixture's formula. */
  p->params = g_new0 (float, MAX (p->net->n_params, 1));
  p->buffers = g_new0 (float, MAX (p->net->n_buffers, 1));
  st_rng_init (&rng, 0);
  st_net_init_params (p->net, p->params, p->buffers, ST_INIT_DEFAULT, &rng);
  for (guint t = 0; t < p->n_names; t++)
    {
      const StTensorInfo *ti = &p->net->tensors[p->tensor[t]];

      if (!st_fixture_fill_param (p->fx, p->names[t], p->params + ti->offset, ti->numel, error))
        return FALSE;
    }

  input = st_fixture_lookup (p->fx, "input");
  output = st_fixture_lookup (p->fx, "output");
  loss = st_fixture_lookup (p->fx, "loss");
  dx = st_fixture_lookup (p->fx, "input.grad");
  labels = st_fixture_lookup (p->fx, "labels");
  if (input == NULL || output == NULL || loss == NULL || dx == NULL || labels == NULL
      || input->dtype != ST_FIXTURE_F32 || output->dtype != ST_FIXTURE_F32
      || loss->dtype != ST_FIXTURE_F32 || dx->dtype != ST_FIXTURE_F32
      || labels->dtype != ST_FIXTURE_I64 || input->rank != 4 || output->rank != 2
      || input->dims[0] != p->batch || output->dims[0] != p->batch
      || labels->n_elements != (gsize) p->batch || dx->n_elements != input->n_elements)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: input, output, loss, input.grad or labels is missing or misshapen",
                   path);
      return FALSE;
    }
  if ((gsize) input->dims[1] * input->dims[2] * input->dims[3] != p->net->values[0].numel
      || (gsize) output->dims[1] != p->net->values[p->net->output].numel)
    {
      g_test_fail_printf ("%s: PyTorch's input is %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%"
                          G_GINT64_FORMAT " with %" G_GINT64_FORMAT " outputs; Strata's net "
                          "takes %" G_GSIZE_FORMAT " floats and gives %" G_GSIZE_FORMAT,
                          p->preset, input->dims[1], input->dims[2], input->dims[3],
                          output->dims[1], p->net->values[0].numel,
                          p->net->values[p->net->output].numel);
      return FALSE;
    }
  p->x = input->data;
  p->n_input = input->n_elements;
  p->output = output->data;
  p->n_output = output->n_elements;
  p->loss_value = *(const float *) loss->data;
  p->dx = dx->data;

  /* The backend builds its targets from labels (one output: target = label), so BCELoss's
   * float targets go in as labels. */
  p->labels = g_new (guint8, p->batch);
  if (p->loss == ST_LOSS_BCE)
    {
      gsize n;
      const float *target = st_fixture_get_f32 (p->fx, "target", &n, error);

      if (target == NULL)
        return FALSE;
      g_assert_cmpuint (n, ==, (gsize) p->batch);
      for (int i = 0; i < p->batch; i++)
        {
          g_assert_true (target[i] == 0.0f || target[i] == 1.0f);
          p->labels[i] = (guint8) target[i];
        }
    }
  else
    for (int i = 0; i < p->batch; i++)
      p->labels[i] = (guint8) ((const gint64 *) labels->data)[i];
  return TRUE;
}

/* ---- one backend, one thread count --------------------------------------------------- */

static gboolean
prepare_from_start (StBackend *be, const Parity *p, StOptimKind optim, GError **error)
{
  StRunSetup setup = { 0 };

  setup.batch_size = p->batch;
  setup.loss = p->loss;
  st_optim_config_init_default (&setup.optim, optim);
  if (optim == ST_OPTIM_SGD)
    {
      setup.optim.lr = SGD_LR;
      setup.optim.momentum = SGD_MOMENTUM;
      setup.optim.weight_decay = SGD_WEIGHT_DECAY;
    }
  else
    setup.optim.lr = ADAM_LR;
  return st_backend_prepare (be, p->net, &setup, error)
         && st_backend_write_state (be, p->params, p->buffers, NULL, 0, error);
}

static void
compare_forward_backward (const Parity *p, Report *r, const float *out, double loss,
                          const float *grads, const float *dx)
{
  float loss_f = (float) loss;

  compare (r, KIND_OUTPUT, "output", out, NULL, p->output, p->n_output,
           max_abs (p->output, p->n_output));
  compare (r, KIND_OUTPUT, "loss", &loss_f, NULL, &p->loss_value, 1, fabs (p->loss_value));
  compare (r, KIND_INPUT_GRAD, "input.grad", dx, NULL, p->dx, p->n_input,
           max_abs (p->dx, p->n_input));

  for (guint t = 0; t < p->n_names; t++)
    {
      const StTensorInfo *ti = &p->net->tensors[p->tensor[t]];
      const float *g = grads + ti->offset;
      char buf[256];
      g_autofree char *what = NULL;
      const gint64 *idx;
      const float *want, *full;
      gsize k, n_full = 0;

      idx = st_fixture_get_i64 (p->fx, param_record (p->names[t], "index", buf, sizeof buf), &k,
                                NULL);
      want = st_fixture_get_f32 (p->fx, param_record (p->names[t], "grad", buf, sizeof buf),
                                 NULL, NULL);
      full = st_fixture_get_f32 (p->fx, param_record (p->names[t], "grad_full", buf, sizeof buf),
                                 &n_full, NULL);
      g_assert_nonnull (idx);
      g_assert_nonnull (want);
      if (idx == NULL || want == NULL)
        continue;
      if (full != NULL)
        {
          g_assert_cmpuint (n_full, ==, ti->numel);
          what = g_strconcat (p->names[t], ".grad", NULL);
          compare (r, KIND_PARAM_GRAD, what, g, NULL, full, MIN (n_full, ti->numel),
                   max_abs (full, n_full));
        }
      else
        {
          what = g_strconcat (p->names[t], ".grad (sampled)", NULL);
          compare (r, KIND_PARAM_GRAD, what, g, idx, want, k, max_abs (want, k));
        }
    }
}

static void
compare_sgd (const Parity *p, Report *r, const float *after)
{
  for (guint t = 0; t < p->n_names; t++)
    {
      const StTensorInfo *ti = &p->net->tensors[p->tensor[t]];
      char buf[256];
      g_autofree char *what = g_strconcat (p->names[t], " after SGD", NULL);
      const gint64 *idx;
      const float *want;
      gsize k;

      idx = st_fixture_get_i64 (p->fx, param_record (p->names[t], "index", buf, sizeof buf), &k,
                                NULL);
      want = st_fixture_get_f32 (p->fx, param_record (p->names[t], "sgd", buf, sizeof buf),
                                 NULL, NULL);
      g_assert_nonnull (want);
      if (idx != NULL && want != NULL)
        compare (r, KIND_SGD, what, after + ti->offset, idx, want, k, max_abs (want, k));
    }
}

/* See ADAM_ABS. `grads` are ours, for the elements whose direction PyTorch leaves open. */
static void
compare_adam (const Parity *p, Report *r, const float *after, const float *grads)
{
  for (guint t = 0; t < p->n_names; t++)
    {
      const StTensorInfo *ti = &p->net->tensors[p->tensor[t]];
      char buf[256];
      const gint64 *idx;
      const float *want, *g_ref, *full;
      gsize k, n_full = 0, bad = 0, first = 0;
      double g_max;

      idx = st_fixture_get_i64 (p->fx, param_record (p->names[t], "index", buf, sizeof buf), &k,
                                NULL);
      want = st_fixture_get_f32 (p->fx, param_record (p->names[t], "adam", buf, sizeof buf),
                                 NULL, NULL);
      g_ref = st_fixture_get_f32 (p->fx, param_record (p->names[t], "grad", buf, sizeof buf),
                                  NULL, NULL);
      full = st_fixture_get_f32 (p->fx, param_record (p->names[t], "grad_full", buf, sizeof buf),
                                 &n_full, NULL);
      g_assert_nonnull (want);
      if (idx == NULL || want == NULL || g_ref == NULL)
        continue;
      g_max = full != NULL ? max_abs (full, n_full) : max_abs (g_ref, k);
      for (gsize j = 0; j < k; j++)
        {
          gsize i = (gsize) idx[j];
          double a = after[ti->offset + i], b = want[j], expect = b;
          double err;

          if (fabs (g_ref[j]) <= REL_TOL * MAX (SCALE_FLOOR * g_max, ABS_FLOOR / REL_TOL))
            {
              double w = p->params[ti->offset + i], g = grads[ti->offset + i];

              expect = w - ADAM_LR * g / (fabs (g) + ADAM_EPS);
              r->adam_near_zero++;
            }
          err = fabs (a - expect) / (ADAM_ABS + REL_TOL * fabs (expect));
          note_worst (r, KIND_ADAM, err, p->names[t], i);
          if (!(err <= 1.0) && bad++ == 0)
            first = j;
        }
      if (bad != 0)
        g_test_fail_printf ("%s, %d thread%s: %s after Adam: %" G_GSIZE_FORMAT " of %"
                            G_GSIZE_FORMAT " values differ from PyTorch by more than %g + %g "
                            "relative; first at [%" G_GINT64_FORMAT "]: Strata %.9g, PyTorch "
                            "%.9g (PyTorch's gradient %.9g, ours %.9g)", p->preset, r->threads,
                            r->threads == 1 ? "" : "s", p->names[t], bad, k, ADAM_ABS, REL_TOL,
                            idx[first], (double) after[ti->offset + idx[first]],
                            (double) want[first], (double) g_ref[first],
                            (double) grads[ti->offset + idx[first]]);
    }
}

static void
run_backend (const Parity *p, Report *r)
{
  const StNet *net = p->net;
  g_autoptr (StBackend) be = st_backend_new_cpu (r->threads);
  g_autoptr (GError) error = NULL;
  g_autofree float *out = g_new (float, p->n_output);
  g_autofree float *grads = g_new (float, MAX (net->n_params, 1));
  g_autofree float *dx = g_new (float, p->n_input);
  g_autofree float *after = g_new (float, MAX (net->n_params, 1));
  double loss = NAN;
  gint64 step = -1;

  if (!st_backend_check_net (be, net, &error) || !prepare_from_start (be, p, ST_OPTIM_SGD, &error))
    {
      g_test_fail_printf ("%s, %d thread%s: the CPU backend cannot run it: %s", p->preset,
                          r->threads, r->threads == 1 ? "" : "s", error->message);
      return;
    }

  /* Forward and backward on PyTorch's batch, then one SGD step. */
  g_assert_true (st_backend_compute (be, p->x, p->labels, p->batch, out, &loss, grads, dx,
                                     &error));
  g_assert_no_error (error);
  compare_forward_backward (p, r, out, loss, grads, dx);
  g_assert_true (st_backend_apply_update (be, &error));
  g_assert_no_error (error);
  g_assert_true (st_backend_read_state (be, after, NULL, NULL, &step, &error));
  g_assert_no_error (error);
  g_assert_cmpint (step, ==, 1);
  compare_sgd (p, r, after);

  /* The same backend, prepared again for Adam, from the same start. */
  g_assert_true (prepare_from_start (be, p, ST_OPTIM_ADAM, &error));
  g_assert_no_error (error);
  g_assert_true (st_backend_compute (be, p->x, p->labels, p->batch, NULL, NULL, grads, NULL,
                                     &error));
  g_assert_no_error (error);
  g_assert_true (st_backend_apply_update (be, &error));
  g_assert_no_error (error);
  g_assert_true (st_backend_read_state (be, after, NULL, NULL, &step, &error));
  g_assert_no_error (error);
  g_assert_cmpint (step, ==, 1);
  compare_adam (p, r, after, grads);
}

/* ---- the test case ------------------------------------------------------------------- */

static void
test_preset (gconstpointer data)
{
  const char *preset = data;
  const char *dir = g_getenv ("STRATA_FIXTURE_DIR");
  g_autofree char *file = g_strconcat (preset, ".stfx", NULL);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  Parity p = { .preset = preset };

  if (dir == NULL || *dir == '\0')
    {
      g_test_skip ("STRATA_FIXTURE_DIR is not set (point it at tests/fixtures)");
      return;
    }
  path = g_build_filename (dir, file, NULL);
  if (!parity_load (&p, path, &error))
    {
      if (error != NULL)
        g_test_fail_printf ("%s: %s", preset, error->message);
      parity_clear (&p);
      return;
    }

  for (int threads = 1; threads <= 2; threads++)
    {
      Report r = { .preset = preset, .threads = threads };
      g_autoptr (GString) line = g_string_new (NULL);

      run_backend (&p, &r);
      g_string_printf (line, "%s, %d thread%s: worst relative error", preset, threads,
                       threads == 1 ? "" : "s");
      for (int k = 0; k < N_KINDS; k++)
        g_string_append_printf (line, "%s %s %.2e (%s)", k == 0 ? "" : ";", kind_names[k],
                                r.worst[k], r.worst_where[k] != NULL ? r.worst_where[k] : "-");
      g_string_append_printf (line, "; Adam elements with a near-zero gradient: %d",
                              r.adam_near_zero);
      g_test_message ("%s", line->str);
      report_clear (&r);
    }
  parity_clear (&p);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  for (int i = 0; presets[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat ("/parity/", presets[i], NULL);
      g_test_add_data_func (name, presets[i], test_preset);
    }
  return g_test_run ();
}
