/* op-rows.c: the op instances of the table-driven checks — each row sets up one op with its
 * inputs and parameters and runs its forward and backward on a slice of the examples. */
#include <math.h>
#include <string.h>

#include "op-check.h"

static const float *
X (const Case *c, int k, int first)
{
  return c->in[k] + (gsize) first * c->in_per[k];
}

static float *
DX (const Case *c, int k, int first)
{
  return c->din[k] != NULL ? c->din[k] + (gsize) first * c->in_per[k] : NULL;
}

static float *
add_input (Case *c, gsize per)
{
  int k = c->n_in++;

  g_assert (k < MAX_IN);
  c->in_per[k] = per;
  c->in[k] = g_new0 (float, MAX ((gsize) c->n * per, 1));
  c->din[k] = g_new0 (float, MAX ((gsize) c->n * per, 1));
  return c->in[k];
}

static float *
add_param (Case *c, gsize len)
{
  int j = c->n_param++;

  g_assert (j < MAX_PARAM);
  c->param_len[j] = len;
  c->param[j] = g_new0 (float, MAX (len, 1));
  c->dparam[j] = g_new0 (float, MAX (len, 1));
  return c->param[j];
}

void
case_clear (Case *c)
{
  for (int k = 0; k < c->n_in; k++)
    {
      g_free (c->in[k]);
      g_free (c->din[k]);
    }
  for (int j = 0; j < c->n_param; j++)
    {
      g_free (c->param[j]);
      g_free (c->dparam[j]);
    }
  g_free (c->scratch);
  g_free (c->argmax);
  g_free (c->mask);
  g_free (c->labels);
  g_free (c->targets);
  g_free (c->mean);
  g_free (c->invstd);
  g_free (c->sum1);
  g_free (c->sum2);
}

/* --- Conv2d --- */

static void
conv_setup (Case *c, StRng *rng, StConv2dGeom g, gboolean bias, int n)
{
  c->conv = g;
  g_assert_true (st_conv2d_geom_init (&c->conv));
  c->n = n;
  fill_uniform (add_input (c, (gsize) g.C * g.H * g.W), (gsize) n * g.C * g.H * g.W, rng, -1, 1);
  fill_uniform (add_param (c, (gsize) g.OC * g.C * g.KH * g.KW),
                (gsize) g.OC * g.C * g.KH * g.KW, rng, -0.5, 0.5);
  if (bias)
    fill_uniform (add_param (c, g.OC), g.OC, rng, -0.5, 0.5);
  c->out_per = (gsize) g.OC * c->conv.OH * c->conv.OW;
  c->scratch = g_new0 (float, st_conv2d_scratch_floats (&c->conv, n) + 1);
}

static double
conv_forward (Case *c, float *out, int first, int count)
{
  const float *b = c->n_param > 1 ? c->param[1] : NULL;

  if (c->naive)
    st_conv2d_forward_naive (out, X (c, 0, first), c->param[0], b, count, &c->conv);
  else
    st_conv2d_forward (out, X (c, 0, first), c->param[0], b, c->scratch, count, &c->conv);
  return 0.0;
}

static void
conv_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  float *db = c->n_param > 1 ? c->dparam[1] : NULL;

  if (c->naive)
    st_conv2d_backward_naive (DX (c, 0, first), c->dparam[0], db, dout, X (c, 0, first),
                              c->param[0], count, &c->conv, mode);
  else
    st_conv2d_backward (DX (c, 0, first), c->dparam[0], db, dout, X (c, 0, first),
                        c->param[0], c->scratch, count, &c->conv, mode);
}

static void
setup_conv_3x3_pad1_bias (Case *c, StRng *rng)
{
  conv_setup (c, rng, (StConv2dGeom) { .C = 2, .H = 5, .W = 6, .OC = 3, .KH = 3, .KW = 3,
                                       .SH = 1, .SW = 1, .PH = 1, .PW = 1, .DH = 1, .DW = 1 },
              TRUE, 3);
}

static void
setup_conv_stride2_dilation2_nobias (Case *c, StRng *rng)
{
  conv_setup (c, rng, (StConv2dGeom) { .C = 2, .H = 7, .W = 8, .OC = 2, .KH = 3, .KW = 3,
                                       .SH = 2, .SW = 2, .PH = 1, .PW = 2, .DH = 2, .DW = 2 },
              FALSE, 3);
}

static void
setup_conv_rect (Case *c, StRng *rng)
{
  conv_setup (c, rng, (StConv2dGeom) { .C = 3, .H = 5, .W = 5, .OC = 2, .KH = 2, .KW = 3,
                                       .SH = 2, .SW = 1, .PH = 1, .PW = 0, .DH = 1, .DW = 2 },
              TRUE, 2);
}

static void
setup_conv_1x1 (Case *c, StRng *rng)
{
  conv_setup (c, rng, (StConv2dGeom) { .C = 3, .H = 4, .W = 3, .OC = 4, .KH = 1, .KW = 1,
                                       .SH = 1, .SW = 1, .PH = 0, .PW = 0, .DH = 1, .DW = 1 },
              TRUE, 3);
}

static void
setup_conv_1x1_stride2 (Case *c, StRng *rng)
{
  conv_setup (c, rng, (StConv2dGeom) { .C = 2, .H = 5, .W = 5, .OC = 2, .KH = 1, .KW = 1,
                                       .SH = 2, .SW = 2, .PH = 0, .PW = 0, .DH = 1, .DW = 1 },
              FALSE, 3);
}

static void
setup_conv_naive (Case *c, StRng *rng)
{
  setup_conv_stride2_dilation2_nobias (c, rng);
  fill_uniform (add_param (c, c->conv.OC), c->conv.OC, rng, -0.5, 0.5);
  c->naive = TRUE;
}

/* --- Pooling --- */

static void
pool_setup (Case *c, StRng *rng, StPool2dGeom g, int n, gboolean distinct)
{
  gsize in_per, out_per;

  c->pool = g;
  g_assert_true (st_pool2d_geom_init (&c->pool));
  c->n = n;
  in_per = (gsize) g.C * g.H * g.W;
  out_per = (gsize) g.C * c->pool.OH * c->pool.OW;
  add_input (c, in_per);
  if (distinct)
    fill_distinct (c->in[0], n * in_per, rng, 0.05);
  else
    fill_uniform (c->in[0], n * in_per, rng, -1, 1);
  c->out_per = out_per;
  c->argmax = g_new0 (gint32, n * out_per);
}

static double
maxpool_forward (Case *c, float *out, int first, int count)
{
  st_maxpool2d_forward (out, X (c, 0, first), c->argmax + first * c->out_per, count, &c->pool);
  return 0.0;
}

static void
maxpool_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_maxpool2d_backward (DX (c, 0, first), dout, c->argmax + first * c->out_per, count,
                         &c->pool, mode);
}

static double
avgpool_forward (Case *c, float *out, int first, int count)
{
  st_avgpool2d_forward (out, X (c, 0, first), count, &c->pool);
  return 0.0;
}

static void
avgpool_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_avgpool2d_backward (DX (c, 0, first), dout, count, &c->pool, mode);
}

static void
setup_maxpool_2x2 (Case *c, StRng *rng)
{
  /* odd width: the last column lies in no window */
  pool_setup (c, rng, (StPool2dGeom) { .C = 2, .H = 4, .W = 7, .KH = 2, .KW = 2,
                                       .SH = 2, .SW = 2 }, 3, TRUE);
}

static void
setup_maxpool_3x3_s2_p1 (Case *c, StRng *rng)
{
  pool_setup (c, rng, (StPool2dGeom) { .C = 2, .H = 5, .W = 6, .KH = 3, .KW = 3,
                                       .SH = 2, .SW = 2, .PH = 1, .PW = 1 }, 3, TRUE);
}

static void
setup_avgpool_2x2 (Case *c, StRng *rng)
{
  pool_setup (c, rng, (StPool2dGeom) { .C = 2, .H = 5, .W = 4, .KH = 2, .KW = 2,
                                       .SH = 2, .SW = 2 }, 3, FALSE);
}

static void
setup_avgpool_3x3_s2_p1 (Case *c, StRng *rng)
{
  pool_setup (c, rng, (StPool2dGeom) { .C = 2, .H = 5, .W = 6, .KH = 3, .KW = 3,
                                       .SH = 2, .SW = 2, .PH = 1, .PW = 1 }, 3, FALSE);
}

static void
adaptive_setup (Case *c, StRng *rng, StAdaptivePool2dGeom g)
{
  c->apool = g;
  g_assert_true (st_adaptive_pool2d_geom_init (&c->apool));
  c->n = 3;
  fill_uniform (add_input (c, (gsize) g.C * g.H * g.W), 3 * (gsize) g.C * g.H * g.W, rng, -1, 1);
  c->out_per = (gsize) g.C * g.OH * g.OW;
}

static void
setup_adaptive_shrink (Case *c, StRng *rng)
{
  adaptive_setup (c, rng, (StAdaptivePool2dGeom) { .C = 2, .H = 5, .W = 7, .OH = 3, .OW = 4 });
}

static void
setup_adaptive_grow (Case *c, StRng *rng)
{
  adaptive_setup (c, rng, (StAdaptivePool2dGeom) { .C = 2, .H = 2, .W = 3, .OH = 3, .OW = 5 });
}

static double
adaptive_forward (Case *c, float *out, int first, int count)
{
  st_adaptive_avgpool2d_forward (out, X (c, 0, first), count, &c->apool);
  return 0.0;
}

static void
adaptive_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_adaptive_avgpool2d_backward (DX (c, 0, first), dout, count, &c->apool, mode);
}

/* --- Activations: n = 3 examples of C = 3 channels × HW = 4 --- */

static void
act_setup (Case *c, StRng *rng, double lo, double hi)
{
  c->n = 3;
  c->C = 3;
  c->HW = 4;
  fill_away_from_zero (add_input (c, 12), 36, rng, lo, hi);
  c->out_per = 12;
}

static void
setup_act_kinked (Case *c, StRng *rng)
{
  act_setup (c, rng, 0.05, 2.0);
  c->slope = 0.1f;
}

static void
setup_act_smooth (Case *c, StRng *rng)
{
  act_setup (c, rng, 0.0, 3.0);
}

/* Backward of ReLU, Sigmoid and Tanh reads the forward's output: recompute it. */
static double
relu_forward (Case *c, float *out, int first, int count)
{
  st_relu_forward (out, X (c, 0, first), count, c->out_per);
  return 0.0;
}

static void
relu_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  g_autofree float *y = g_new (float, count * c->out_per);

  st_relu_forward (y, X (c, 0, first), count, c->out_per);
  st_relu_backward (DX (c, 0, first), dout, y, count, c->out_per, mode);
}

static double
leaky_forward (Case *c, float *out, int first, int count)
{
  st_leaky_relu_forward (out, X (c, 0, first), c->slope, count, c->out_per);
  return 0.0;
}

static void
leaky_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_leaky_relu_backward (DX (c, 0, first), dout, X (c, 0, first), c->slope, count,
                          c->out_per, mode);
}

static void
setup_prelu_channels (Case *c, StRng *rng)
{
  act_setup (c, rng, 0.05, 2.0);
  c->num_parameters = c->C;
  fill_uniform (add_param (c, c->C), c->C, rng, 0.1, 0.4);
}

static void
setup_prelu_shared (Case *c, StRng *rng)
{
  /* A Linear layer's output: (N, F) = (N, C = 12, HW = 1), one slope. */
  act_setup (c, rng, 0.05, 2.0);
  c->C = 12;
  c->HW = 1;
  c->num_parameters = 1;
  add_param (c, 1)[0] = 0.25f;
}

static double
prelu_forward (Case *c, float *out, int first, int count)
{
  st_prelu_forward (out, X (c, 0, first), c->param[0], count, c->C, c->HW, c->num_parameters);
  return 0.0;
}

static void
prelu_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_prelu_backward (DX (c, 0, first), c->dparam[0], dout, X (c, 0, first), c->param[0],
                     count, c->C, c->HW, c->num_parameters, mode);
}

static double
sigmoid_forward (Case *c, float *out, int first, int count)
{
  st_sigmoid_forward (out, X (c, 0, first), count, c->out_per);
  return 0.0;
}

static void
sigmoid_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  g_autofree float *y = g_new (float, count * c->out_per);

  st_sigmoid_forward (y, X (c, 0, first), count, c->out_per);
  st_sigmoid_backward (DX (c, 0, first), dout, y, count, c->out_per, mode);
}

static double
tanh_forward (Case *c, float *out, int first, int count)
{
  st_tanh_forward (out, X (c, 0, first), count, c->out_per);
  return 0.0;
}

static void
tanh_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  g_autofree float *y = g_new (float, count * c->out_per);

  st_tanh_forward (y, X (c, 0, first), count, c->out_per);
  st_tanh_backward (DX (c, 0, first), dout, y, count, c->out_per, mode);
}

/* --- Linear --- */

static void
linear_setup (Case *c, StRng *rng, gboolean bias)
{
  c->n = 3;
  c->C = 7;
  c->OC = 4;
  fill_uniform (add_input (c, c->C), 3 * c->C, rng, -1, 1);
  fill_uniform (add_param (c, c->OC * c->C), c->OC * c->C, rng, -0.5, 0.5);
  if (bias)
    fill_uniform (add_param (c, c->OC), c->OC, rng, -0.5, 0.5);
  c->out_per = c->OC;
}

static void
setup_linear_bias (Case *c, StRng *rng)
{
  linear_setup (c, rng, TRUE);
}

static void
setup_linear_nobias (Case *c, StRng *rng)
{
  linear_setup (c, rng, FALSE);
}

static double
linear_forward (Case *c, float *out, int first, int count)
{
  st_linear_forward (out, X (c, 0, first), c->param[0], c->n_param > 1 ? c->param[1] : NULL,
                     count, c->C, c->OC);
  return 0.0;
}

static void
linear_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_linear_backward (DX (c, 0, first), c->dparam[0], c->n_param > 1 ? c->dparam[1] : NULL,
                      dout, X (c, 0, first), c->param[0], count, c->C, c->OC, mode);
}

/* --- BatchNorm2d, training mode: statistics over the examples of the call --- */

static void
setup_batchnorm (Case *c, StRng *rng)
{
  c->n = 3;
  c->C = 3;
  c->HW = 6;
  fill_uniform (add_input (c, c->C * c->HW), 3 * c->C * c->HW, rng, -1, 2);
  fill_uniform (add_param (c, c->C), c->C, rng, 0.5, 1.5);
  fill_uniform (add_param (c, c->C), c->C, rng, -0.5, 0.5);
  c->out_per = c->C * c->HW;
  c->mean = g_new0 (float, c->C);
  c->invstd = g_new0 (float, c->C);
  c->sum1 = g_new0 (double, c->C);
  c->sum2 = g_new0 (double, c->C);
}

static double
batchnorm_forward (Case *c, float *out, int first, int count)
{
  memset (c->sum1, 0, sizeof (double) * c->C);
  memset (c->sum2, 0, sizeof (double) * c->C);
  st_batchnorm2d_stats_partial (c->sum1, c->sum2, X (c, 0, first), count, c->C, c->HW);
  g_assert_true (st_batchnorm2d_stats_finalize (c->mean, c->invstd, NULL, NULL, c->sum1, c->sum2,
                                                0.1, 1e-5, (gsize) count * c->HW, c->C));
  st_batchnorm2d_forward_apply (out, X (c, 0, first), c->param[0], c->param[1], c->mean,
                                c->invstd, count, c->C, c->HW);
  return 0.0;
}

static void
batchnorm_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  memset (c->sum1, 0, sizeof (double) * c->C);
  memset (c->sum2, 0, sizeof (double) * c->C);
  st_batchnorm2d_backward_partial (c->sum1, c->sum2, c->dparam[0], c->dparam[1], dout,
                                   X (c, 0, first), c->mean, c->invstd, count, c->C, c->HW);
  st_batchnorm2d_backward_apply (DX (c, 0, first), dout, X (c, 0, first), c->param[0], c->mean,
                                 c->invstd, c->sum1, c->sum2, (gsize) count * c->HW, count,
                                 c->C, c->HW, mode);
}

/* --- Dropout: the RNG is re-seeded on every forward, so the mask stays fixed --- */

static void
setup_dropout (Case *c, StRng *rng)
{
  c->n = 3;
  fill_uniform (add_input (c, 20), 60, rng, -1, 1);
  c->out_per = 20;
  c->p = 0.3;
  c->mask = g_new0 (guint8, 60);
}

static double
dropout_forward (Case *c, float *out, int first, int count)
{
  StRng r;

  st_rng_init (&r, 77);
  st_dropout_forward_train (out, X (c, 0, first), c->p, &r, c->mask + first * c->out_per, count,
                            c->out_per);
  return 0.0;
}

static void
dropout_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_dropout_backward (DX (c, 0, first), dout, c->p, c->mask + first * c->out_per, count,
                       c->out_per, mode);
}

/* --- Losses: forward returns the summed loss, backward its gradient (scale 1) --- */

static void
setup_cross_entropy (Case *c, StRng *rng)
{
  c->n = 4;
  c->C = 5;
  fill_uniform (add_input (c, c->C), 4 * c->C, rng, -2, 2);
  c->labels = g_new (guint8, 4);
  for (int i = 0; i < 4; i++)
    c->labels[i] = (guint8) st_rng_below (rng, c->C);
}

static double
cross_entropy_forward (Case *c, G_GNUC_UNUSED float *out, int first, int count)
{
  return st_cross_entropy_forward (NULL, X (c, 0, first), c->labels + first, count, c->C);
}

static void
cross_entropy_backward (Case *c, G_GNUC_UNUSED const float *dout, int first, int count,
                        G_GNUC_UNUSED StGradMode mode)
{
  st_cross_entropy_backward (DX (c, 0, first), X (c, 0, first), c->labels + first, 1.0f, count,
                             c->C);
}

static void
setup_bce (Case *c, StRng *rng)
{
  c->n = 3;
  fill_uniform (add_input (c, 4), 12, rng, 0.1, 0.9);
  c->targets = g_new (float, 12);
  fill_uniform (c->targets, 12, rng, 0, 1);
}

static double
bce_forward (Case *c, G_GNUC_UNUSED float *out, int first, int count)
{
  return st_bce_forward (NULL, X (c, 0, first), c->targets + first * c->in_per[0], count,
                         c->in_per[0]);
}

static void
bce_backward (Case *c, G_GNUC_UNUSED const float *dout, int first, int count,
              G_GNUC_UNUSED StGradMode mode)
{
  st_bce_backward (DX (c, 0, first), X (c, 0, first), c->targets + first * c->in_per[0], 1.0f,
                   count, c->in_per[0]);
}

static void
setup_mse (Case *c, StRng *rng)
{
  c->n = 3;
  fill_uniform (add_input (c, 4), 12, rng, -1, 1);
  c->targets = g_new (float, 12);
  fill_uniform (c->targets, 12, rng, -1, 1);
}

static double
mse_forward (Case *c, G_GNUC_UNUSED float *out, int first, int count)
{
  return st_mse_forward (NULL, X (c, 0, first), c->targets + first * c->in_per[0], count,
                         c->in_per[0]);
}

static void
mse_backward (Case *c, G_GNUC_UNUSED const float *dout, int first, int count,
              G_GNUC_UNUSED StGradMode mode)
{
  st_mse_backward (DX (c, 0, first), X (c, 0, first), c->targets + first * c->in_per[0], 1.0f,
                   count, c->in_per[0]);
}

/* --- Concat and Add --- */

static void
setup_concat (Case *c, StRng *rng)
{
  c->n = 3;
  c->HW = 4;
  c->out_per = 0;
  for (int k = 0; k < 3; k++)
    {
      c->channels[k] = k + 1;
      fill_uniform (add_input (c, (k + 1) * c->HW), 3 * (k + 1) * c->HW, rng, -1, 1);
      c->out_per += (k + 1) * c->HW;
    }
}

static double
concat_forward (Case *c, float *out, int first, int count)
{
  const float *ins[MAX_IN];

  for (int k = 0; k < c->n_in; k++)
    ins[k] = X (c, k, first);
  st_concat_forward (out, ins, c->channels, c->n_in, count, c->HW);
  return 0.0;
}

static void
concat_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  float *dins[MAX_IN];

  for (int k = 0; k < c->n_in; k++)
    dins[k] = DX (c, k, first);
  st_concat_backward (dins, dout, c->channels, c->n_in, count, c->HW, mode);
}

static void
setup_add (Case *c, StRng *rng)
{
  c->n = 3;
  fill_uniform (add_input (c, 10), 30, rng, -1, 1);
  fill_uniform (add_input (c, 10), 30, rng, -1, 1);
  c->out_per = 10;
}

static double
add_forward (Case *c, float *out, int first, int count)
{
  st_add_forward (out, X (c, 0, first), X (c, 1, first), count, c->out_per);
  return 0.0;
}

static void
add_backward (Case *c, const float *dout, int first, int count, StGradMode mode)
{
  st_add_backward (DX (c, 0, first), DX (c, 1, first), dout, count, c->out_per, mode);
}

/* The table: adding an op to every check below is one row. */
const OpRow op_rows[] = {
  { "conv2d-3x3-pad1-bias",        setup_conv_3x3_pad1_bias, conv_forward, conv_backward,
    ROW_SLICEABLE, 0 },
  { "conv2d-stride2-dilation2",    setup_conv_stride2_dilation2_nobias, conv_forward,
    conv_backward, ROW_SLICEABLE, 0 },
  { "conv2d-2x3-mixed",            setup_conv_rect, conv_forward, conv_backward,
    ROW_SLICEABLE, 0 },
  { "conv2d-1x1",                  setup_conv_1x1, conv_forward, conv_backward,
    ROW_SLICEABLE, 0 },
  { "conv2d-1x1-stride2",          setup_conv_1x1_stride2, conv_forward, conv_backward,
    ROW_SLICEABLE, 0 },
  { "conv2d-naive",                setup_conv_naive, conv_forward, conv_backward,
    ROW_SLICEABLE, 0 },
  { "maxpool2d-2x2",               setup_maxpool_2x2, maxpool_forward, maxpool_backward,
    ROW_SLICEABLE, 0 },
  { "maxpool2d-3x3-s2-pad1",       setup_maxpool_3x3_s2_p1, maxpool_forward, maxpool_backward,
    ROW_SLICEABLE, 0 },
  { "avgpool2d-2x2",               setup_avgpool_2x2, avgpool_forward, avgpool_backward,
    ROW_SLICEABLE, 0 },
  { "avgpool2d-3x3-s2-pad1",       setup_avgpool_3x3_s2_p1, avgpool_forward, avgpool_backward,
    ROW_SLICEABLE, 0 },
  { "adaptive-avgpool2d-shrink",   setup_adaptive_shrink, adaptive_forward, adaptive_backward,
    ROW_SLICEABLE, 0 },
  { "adaptive-avgpool2d-grow",     setup_adaptive_grow, adaptive_forward, adaptive_backward,
    ROW_SLICEABLE, 0 },
  { "relu",                        setup_act_kinked, relu_forward, relu_backward,
    ROW_SLICEABLE, 0 },
  { "leaky-relu",                  setup_act_kinked, leaky_forward, leaky_backward,
    ROW_SLICEABLE, 0 },
  { "prelu-per-channel",           setup_prelu_channels, prelu_forward, prelu_backward,
    ROW_SLICEABLE, 0 },
  { "prelu-shared",                setup_prelu_shared, prelu_forward, prelu_backward,
    ROW_SLICEABLE, 0 },
  { "sigmoid",                     setup_act_smooth, sigmoid_forward, sigmoid_backward,
    ROW_SLICEABLE, 0 },
  { "tanh",                        setup_act_smooth, tanh_forward, tanh_backward,
    ROW_SLICEABLE, 0 },
  { "linear-bias",                 setup_linear_bias, linear_forward, linear_backward,
    ROW_SLICEABLE, 0 },
  { "linear-nobias",               setup_linear_nobias, linear_forward, linear_backward,
    ROW_SLICEABLE, 0 },
  { "batchnorm2d-train",           setup_batchnorm, batchnorm_forward, batchnorm_backward,
    0, 0 },
  { "dropout-fixed-mask",          setup_dropout, dropout_forward, dropout_backward, 0, 0 },
  { "cross-entropy",               setup_cross_entropy, cross_entropy_forward,
    cross_entropy_backward, ROW_SLICEABLE | ROW_LOSS, 0 },
  { "bce",                         setup_bce, bce_forward, bce_backward,
    ROW_SLICEABLE | ROW_LOSS, 1e-3 },
  { "mse",                         setup_mse, mse_forward, mse_backward,
    ROW_SLICEABLE | ROW_LOSS, 0 },
  { "concat",                      setup_concat, concat_forward, concat_backward,
    ROW_SLICEABLE, 0 },
  { "add",                         setup_add, add_forward, add_backward, ROW_SLICEABLE, 0 },
};

const gsize n_op_rows = G_N_ELEMENTS (op_rows);
