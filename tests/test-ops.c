/* test-ops: the CPU ops over one table of op instances (tests/op-rows.c) — a
 * finite-difference gradient check in double, the gradient-mode rules, and slice invariance.
 * Exact values are in test-op-values.c, the fast paths against their references in
 * test-op-fast.c. */
#define G_LOG_DOMAIN "strata-test-ops"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "op-check.h"

static void
case_init (Case *c, const OpRow *row)
{
  StRng rng;

  memset (c, 0, sizeof *c);
  st_rng_init (&rng, g_str_hash (row->name));
  row->setup (c, &rng);
}

static void
zero_param_grads (Case *c)
{
  for (int j = 0; j < c->n_param; j++)
    memset (c->dparam[j], 0, sizeof (float) * c->param_len[j]);
}

/* ------------------------------------------------------------------------------------------
 * The finite-difference gradient check, in double.
 *
 * L = Σ out · r (r fixed, uniform in [−1, 1]) + the loss a loss row returns, summed in
 * double over the float32 forward. Backward with dout = r gives dL/dθ for every input and
 * parameter θ; each element is compared with the central difference
 * (L(θ + h) − L(θ − h)) / (h⁺ + h⁻), where h± are the steps float32 actually took. Pass:
 * |num − ana| <= 2e-3 + 1e-2 · max(|num|, |ana|). */

static double
eval_loss (Case *c, const OpRow *row, float *out, const float *r)
{
  double L = row->forward (c, out, 0, c->n);

  for (gsize i = 0; i < (gsize) c->n * c->out_per; i++)
    L += (double) out[i] * r[i];
  return L;
}

static double
check_tensor (Case *c, const OpRow *row, const char *what, float *x, const float *grad,
              gsize count, float *out, const float *r)
{
  const double h = row->h > 0 ? row->h : 1e-2;
  double worst = 0.0;
  gsize worst_i = 0;
  double worst_num = 0, worst_ana = 0;

  for (gsize i = 0; i < count; i++)
    {
      float saved = x[i];
      float up = (float) (saved + h), down = (float) (saved - h);
      double lp, lm, num, err;

      x[i] = up;
      lp = eval_loss (c, row, out, r);
      x[i] = down;
      lm = eval_loss (c, row, out, r);
      x[i] = saved;
      num = (lp - lm) / ((double) up - down);
      err = fabs (num - grad[i]) / (2e-3 + 1e-2 * MAX (fabs (num), fabs (grad[i])));
      if (!(err <= worst))
        {
          worst = isnan (err) ? INFINITY : err;
          worst_i = i;
          worst_num = num;
          worst_ana = grad[i];
        }
    }
  g_test_message ("%s %s: worst error ratio %.3g at [%" G_GSIZE_FORMAT "] "
                  "(numeric %.6g, analytic %.6g)", row->name, what, worst, worst_i,
                  worst_num, worst_ana);
  return worst;
}

static void
test_gradcheck (gconstpointer data)
{
  const OpRow *row = data;
  Case c;
  StRng rng;
  gsize out_count;
  float *out, *r;
  float *ana_in[MAX_IN], *ana_param[MAX_PARAM];

  case_init (&c, row);
  out_count = (gsize) c.n * c.out_per;
  out = g_new0 (float, MAX (out_count, 1));
  r = g_new (float, MAX (out_count, 1));
  st_rng_init (&rng, 99);
  fill_uniform (r, out_count, &rng, -1, 1);

  eval_loss (&c, row, out, r);
  zero_param_grads (&c);
  row->backward (&c, r, 0, c.n, ST_GRAD_WRITE);
  for (int k = 0; k < c.n_in; k++)
    ana_in[k] = g_memdup2 (c.din[k], sizeof (float) * c.n * c.in_per[k]);
  for (int j = 0; j < c.n_param; j++)
    ana_param[j] = g_memdup2 (c.dparam[j], sizeof (float) * c.param_len[j]);

  for (int k = 0; k < c.n_in; k++)
    {
      g_autofree char *what = g_strdup_printf ("input %d", k);

      g_assert_cmpfloat (check_tensor (&c, row, what, c.in[k], ana_in[k], c.n * c.in_per[k],
                                       out, r), <=, 1.0);
    }
  for (int j = 0; j < c.n_param; j++)
    {
      g_autofree char *what = g_strdup_printf ("parameter %d", j);

      g_assert_cmpfloat (check_tensor (&c, row, what, c.param[j], ana_param[j], c.param_len[j],
                                       out, r), <=, 1.0);
    }

  for (int k = 0; k < c.n_in; k++)
    g_free (ana_in[k]);
  for (int j = 0; j < c.n_param; j++)
    g_free (ana_param[j]);
  g_free (out);
  g_free (r);
  case_clear (&c);
}

/* ------------------------------------------------------------------------------------------
 * The gradient-mode rules (core/ops/grad-mode.h), for every row: WRITE overwrites whatever din
 * held (NaN here), ADD adds to it, parameter gradients accumulate across calls. */

static void
test_grad_modes (gconstpointer data)
{
  const OpRow *row = data;
  Case c;
  StRng rng;
  gsize out_count;
  g_autofree float *out = NULL, *r = NULL;
  float *ref_in[MAX_IN], *ref_param[MAX_PARAM], *prior[MAX_IN];

  case_init (&c, row);
  out_count = (gsize) c.n * c.out_per;
  out = g_new0 (float, MAX (out_count, 1));
  r = g_new (float, MAX (out_count, 1));
  st_rng_init (&rng, 5);
  fill_uniform (r, out_count, &rng, -1, 1);
  row->forward (&c, out, 0, c.n);

  /* Reference: WRITE into zeroed buffers. */
  zero_param_grads (&c);
  for (int k = 0; k < c.n_in; k++)
    memset (c.din[k], 0, sizeof (float) * c.n * c.in_per[k]);
  row->backward (&c, r, 0, c.n, ST_GRAD_WRITE);
  for (int k = 0; k < c.n_in; k++)
    ref_in[k] = g_memdup2 (c.din[k], sizeof (float) * c.n * c.in_per[k]);
  for (int j = 0; j < c.n_param; j++)
    ref_param[j] = g_memdup2 (c.dparam[j], sizeof (float) * c.param_len[j]);

  /* WRITE over NaN; parameter gradients left as they are, so they double. */
  for (int k = 0; k < c.n_in; k++)
    for (gsize i = 0; i < c.n * c.in_per[k]; i++)
      c.din[k][i] = NAN;
  row->backward (&c, r, 0, c.n, ST_GRAD_WRITE);
  for (int k = 0; k < c.n_in; k++)
    assert_close ("WRITE over NaN", c.din[k], ref_in[k], c.n * c.in_per[k], 0.0);
  for (int j = 0; j < c.n_param; j++)
    {
      g_autofree float *twice = g_new (float, c.param_len[j]);

      for (gsize i = 0; i < c.param_len[j]; i++)
        twice[i] = 2.0f * ref_param[j][i];
      assert_close ("parameter gradient accumulates", c.dparam[j], twice, c.param_len[j], 1e-6);
    }

  /* ADD onto a prior value (a loss's backward has no mode: it always writes). */
  if (!(row->flags & ROW_LOSS))
    {
      for (int k = 0; k < c.n_in; k++)
        {
          prior[k] = g_new (float, c.n * c.in_per[k]);
          fill_uniform (prior[k], c.n * c.in_per[k], &rng, -1, 1);
          memcpy (c.din[k], prior[k], sizeof (float) * c.n * c.in_per[k]);
        }
      row->backward (&c, r, 0, c.n, ST_GRAD_ADD);
      for (int k = 0; k < c.n_in; k++)
        {
          gsize count = c.n * c.in_per[k];
          g_autofree float *want = g_new (float, count);

          for (gsize i = 0; i < count; i++)
            want[i] = prior[k][i] + ref_in[k][i];
          assert_close ("ADD accumulates", c.din[k], want, count, 1e-6);
          g_free (prior[k]);
        }

      /* No input gradient wanted (din NULL): the parameter gradients still come out. */
      for (int k = 0; k < c.n_in; k++)
        prior[k] = g_steal_pointer (&c.din[k]);
      zero_param_grads (&c);
      row->backward (&c, r, 0, c.n, ST_GRAD_WRITE);
      for (int j = 0; j < c.n_param; j++)
        assert_close ("parameter gradient, din NULL", c.dparam[j], ref_param[j],
                      c.param_len[j], 1e-6);
      for (int k = 0; k < c.n_in; k++)
        c.din[k] = prior[k];
    }

  for (int k = 0; k < c.n_in; k++)
    g_free (ref_in[k]);
  for (int j = 0; j < c.n_param; j++)
    g_free (ref_param[j]);
  case_clear (&c);
}

/* ------------------------------------------------------------------------------------------
 * Slice invariance: the compiled net runs each op on disjoint slices of a batch; running a
 * row on examples [0, h) and [h, n) must equal running it on [0, n) — outputs, summed
 * losses, input gradients, and parameter gradients accumulated over the two calls. */

static void
test_slices (gconstpointer data)
{
  const OpRow *row = data;
  Case c;
  StRng rng;
  gsize out_count;
  int h;
  double loss_whole, loss_halves;
  g_autofree float *out_whole = NULL, *out_halves = NULL, *r = NULL;
  float *din_whole[MAX_IN], *dparam_whole[MAX_PARAM];

  case_init (&c, row);
  g_assert_cmpint (c.n, >=, 2);
  h = c.n / 2;
  out_count = (gsize) c.n * c.out_per;
  out_whole = g_new0 (float, MAX (out_count, 1));
  out_halves = g_new0 (float, MAX (out_count, 1));
  r = g_new (float, MAX (out_count, 1));
  st_rng_init (&rng, 11);
  fill_uniform (r, out_count, &rng, -1, 1);

  loss_whole = row->forward (&c, out_whole, 0, c.n);
  zero_param_grads (&c);
  row->backward (&c, r, 0, c.n, ST_GRAD_WRITE);
  for (int k = 0; k < c.n_in; k++)
    din_whole[k] = g_memdup2 (c.din[k], sizeof (float) * c.n * c.in_per[k]);
  for (int j = 0; j < c.n_param; j++)
    dparam_whole[j] = g_memdup2 (c.dparam[j], sizeof (float) * c.param_len[j]);

  loss_halves = row->forward (&c, out_halves, 0, h);
  loss_halves += row->forward (&c, out_halves + h * c.out_per, h, c.n - h);
  zero_param_grads (&c);
  for (int k = 0; k < c.n_in; k++)
    memset (c.din[k], 0, sizeof (float) * c.n * c.in_per[k]);
  row->backward (&c, r, 0, h, ST_GRAD_WRITE);
  row->backward (&c, r + h * c.out_per, h, c.n - h, ST_GRAD_WRITE);

  g_assert_cmpfloat_with_epsilon (loss_halves, loss_whole, 1e-9 * MAX (1.0, fabs (loss_whole)));
  assert_close ("output", out_halves, out_whole, out_count, 1e-6);
  for (int k = 0; k < c.n_in; k++)
    assert_close ("input gradient", c.din[k], din_whole[k], c.n * c.in_per[k], 1e-6);
  for (int j = 0; j < c.n_param; j++)
    assert_close ("parameter gradient", c.dparam[j], dparam_whole[j], c.param_len[j], 1e-5);

  for (int k = 0; k < c.n_in; k++)
    g_free (din_whole[k]);
  for (int j = 0; j < c.n_param; j++)
    g_free (dparam_whole[j]);
  case_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  /* One OpenBLAS thread, as the compiled net runs every op. */
  openblas_set_num_threads (1);

  for (gsize i = 0; i < n_op_rows; i++)
    {
      g_autofree char *grad = g_strdup_printf ("/ops/gradcheck/%s", op_rows[i].name);
      g_autofree char *modes = g_strdup_printf ("/ops/grad-modes/%s", op_rows[i].name);

      g_test_add_data_func (grad, &op_rows[i], test_gradcheck);
      g_test_add_data_func (modes, &op_rows[i], test_grad_modes);
      if (op_rows[i].flags & ROW_SLICEABLE)
        {
          g_autofree char *slices = g_strdup_printf ("/ops/slices/%s", op_rows[i].name);

          g_test_add_data_func (slices, &op_rows[i], test_slices);
        }
    }

  return g_test_run ();
}
