/* test-op-fast: the fast paths of the CPU ops (direct and im2col convolution, 2×2
 * pooling, vector widths) against their naive references, on random shapes. */
#define G_LOG_DOMAIN "strata-test-op-fast"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "op-check.h"

/* ------------------------------------------------------------------------------------------
 * Fast paths against their references, on random shapes. */

static const char *const conv_path_names[] = { "auto", "im2col", "rows", "chan", "rows-input" };

static void
compare_conv_path (StConv2dGeom g, int n, gboolean bias, StRng *rng)
{
  gsize in_count, out_count, w_count;
  float *x, *w, *b, *y1, *y2, *dy, *dx1, *dx2, *dw1, *dw2, *db1, *db2, *scratch;
  char label[200];

  g_snprintf (label, sizeof label, "C%d %dx%d OC%d k%dx%d s%dx%d p%dx%d d%dx%d n%d%s "
              "paths %s/%s/%s, %d lanes", g.C, g.H, g.W, g.OC, g.KH, g.KW, g.SH, g.SW, g.PH,
              g.PW, g.DH, g.DW, n, bias ? " bias" : "", conv_path_names[g.forward],
              conv_path_names[g.weight], conv_path_names[g.input], g.lanes);
  in_count = (gsize) n * g.C * g.H * g.W;
  out_count = (gsize) n * g.OC * g.OH * g.OW;
  w_count = (gsize) g.OC * g.C * g.KH * g.KW;
  x = g_new (float, in_count);
  w = g_new (float, w_count);
  b = bias ? g_new (float, g.OC) : NULL;
  y1 = g_new (float, out_count);
  y2 = g_new (float, out_count);
  dy = g_new (float, out_count);
  dx1 = g_new (float, in_count);
  dx2 = g_new (float, in_count);
  dw1 = floats_filled (w_count, 0.5f);
  dw2 = floats_filled (w_count, 0.5f);
  db1 = floats_filled (g.OC, -0.25f);
  db2 = floats_filled (g.OC, -0.25f);
  scratch = g_new (float, st_conv2d_scratch_floats (&g, n) + 1);
  fill_uniform (x, in_count, rng, -1, 1);
  fill_uniform (w, w_count, rng, -1, 1);
  if (b != NULL)
    fill_uniform (b, g.OC, rng, -1, 1);
  fill_uniform (dy, out_count, rng, -1, 1);

  st_conv2d_forward (y1, x, w, b, scratch, n, &g);
  st_conv2d_forward_naive (y2, x, w, b, n, &g);
  g_test_message ("%s", label);
  assert_close ("forward", y1, y2, out_count, 1e-5);

  /* ADD onto the same prior gradient in both; dw and db accumulate onto 0.5 and −0.25. */
  fill_uniform (dx1, in_count, rng, -1, 1);
  memcpy (dx2, dx1, sizeof (float) * in_count);
  st_conv2d_backward (dx1, dw1, bias ? db1 : NULL, dy, x, w, scratch, n, &g, ST_GRAD_ADD);
  st_conv2d_backward_naive (dx2, dw2, bias ? db2 : NULL, dy, x, w, n, &g, ST_GRAD_ADD);
  assert_close ("din (ADD)", dx1, dx2, in_count, 1e-5);
  assert_close ("dw", dw1, dw2, w_count, 1e-5);
  assert_close ("db", db1, db2, g.OC, 1e-5);

  st_conv2d_backward (dx1, dw1, NULL, dy, x, w, scratch, n, &g, ST_GRAD_WRITE);
  st_conv2d_backward_naive (dx2, dw2, NULL, dy, x, w, n, &g, ST_GRAD_WRITE);
  assert_close ("din (WRITE)", dx1, dx2, in_count, 1e-5);
  /* No input gradient wanted: dw still accumulates. */
  st_conv2d_backward (NULL, dw1, NULL, dy, x, w, scratch, n, &g, ST_GRAD_WRITE);
  st_conv2d_backward_naive (NULL, dw2, NULL, dy, x, w, n, &g, ST_GRAD_WRITE);
  assert_close ("dw (din NULL)", dw1, dw2, w_count, 1e-5);

  g_free (x);
  g_free (w);
  g_free (b);
  g_free (y1);
  g_free (y2);
  g_free (dy);
  g_free (dx1);
  g_free (dx2);
  g_free (dw1);
  g_free (dw2);
  g_free (db1);
  g_free (db2);
  g_free (scratch);
}

/* The shape through every path that can run it: geom_init's choice, im2col everywhere,
 * and each direct kernel forced on its product (forward, weight gradient, input gradient),
 * each with 8-lane vectors and, where the CPU has AVX-512, 16. ran[path] counts the
 * products each path computed. */
static void
compare_conv (StConv2dGeom g, int n, gboolean bias, StRng *rng, int ran[5])
{
  const StConv2dPath A = ST_CONV2D_PATH_AUTO, IM = ST_CONV2D_PATH_IM2COL;
  const StConv2dPath paths[][3] = {
    { A, A, A },
    { IM, IM, IM },
    { ST_CONV2D_PATH_ROWS, ST_CONV2D_PATH_ROWS, A },
    { ST_CONV2D_PATH_CHANNELS, ST_CONV2D_PATH_CHANNELS, A },
    { IM, IM, ST_CONV2D_PATH_ROWS_INPUT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    for (int lanes = 8; lanes <= 16; lanes += 8)
      {
        StConv2dGeom forced = g;

        forced.forward = paths[i][0];
        forced.weight = paths[i][1];
        forced.input = paths[i][2];
        forced.lanes = lanes;
        if (!st_conv2d_geom_init (&forced))
          {
            /* only a direct path, or 16 lanes on a CPU without AVX-512, may turn a valid
             * shape down */
            g_assert_true (i >= 2 || lanes == 16);
            continue;
          }
        compare_conv_path (forced, n, bias, rng);
        ran[forced.forward]++;
        ran[forced.weight]++;
        ran[forced.input]++;
      }
}

static void
test_conv_fast_vs_naive (void)
{
  StRng rng;
  const StConv2dGeom fixed[] = {
    /* 1×1 pointwise path, 1×1 with stride, 3×3 stride 2, dilation 2, wide padding */
    { .C = 4, .H = 6, .W = 5, .OC = 3, .KH = 1, .KW = 1, .SH = 1, .SW = 1, .DH = 1, .DW = 1 },
    { .C = 3, .H = 7, .W = 6, .OC = 5, .KH = 1, .KW = 1, .SH = 2, .SW = 2, .DH = 1, .DW = 1 },
    { .C = 3, .H = 9, .W = 8, .OC = 4, .KH = 3, .KW = 3, .SH = 2, .SW = 2, .PH = 1, .PW = 1,
      .DH = 1, .DW = 1 },
    { .C = 2, .H = 9, .W = 10, .OC = 3, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .DH = 2, .DW = 2 },
    { .C = 1, .H = 6, .W = 6, .OC = 2, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .PH = 3, .PW = 3,
      .DH = 1, .DW = 1 },
    /* LeNet-5's two convolutions */
    { .C = 1, .H = 28, .W = 28, .OC = 6, .KH = 5, .KW = 5, .SH = 1, .SW = 1, .PH = 2, .PW = 2,
      .DH = 1, .DW = 1 },
    { .C = 6, .H = 14, .W = 14, .OC = 16, .KH = 5, .KW = 5, .SH = 1, .SW = 1, .DH = 1, .DW = 1 },
    /* deep-cnn's two, cut down to 40 and 24 output channels: more than one block of
     * channels, a partial last one */
    { .C = 1, .H = 28, .W = 28, .OC = 40, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .DH = 1, .DW = 1 },
    { .C = 16, .H = 13, .W = 13, .OC = 24, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .DH = 1,
      .DW = 1 },
    /* for the direct kernels: rows wider than one tile (41), rows of 8 and 9, a partial
     * 8-lane vector with padding and dilation, stride 2 down the map only, 9 and 13
     * channels, 12 and 13 output channels */
    { .C = 2, .H = 9, .W = 45, .OC = 5, .KH = 3, .KW = 5, .SH = 1, .SW = 1, .DH = 1, .DW = 1 },
    { .C = 3, .H = 10, .W = 10, .OC = 13, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .DH = 1,
      .DW = 1 },
    { .C = 9, .H = 12, .W = 11, .OC = 12, .KH = 3, .KW = 2, .SH = 1, .SW = 1, .PH = 1, .PW = 2,
      .DH = 2, .DW = 1 },
    { .C = 13, .H = 11, .W = 19, .OC = 7, .KH = 4, .KW = 3, .SH = 2, .SW = 1, .PH = 2, .PW = 1,
      .DH = 1, .DW = 2 },
  };
  int ran[5] = { 0 };

  st_rng_init (&rng, 2024);
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    compare_conv (fixed[i], 3, i % 2 == 0, &rng, ran);
  for (int t = 0; t < 40; t++)
    {
      StConv2dGeom g = { 0 };

      do
        {
          g.C = 1 + st_rng_below (&rng, 4);
          g.H = 1 + st_rng_below (&rng, 10);
          g.W = 1 + st_rng_below (&rng, t % 2 == 0 ? 10 : 30);
          g.OC = 1 + st_rng_below (&rng, t % 4 == 1 ? 20 : 5);
          g.KH = 1 + st_rng_below (&rng, 4);
          g.KW = 1 + st_rng_below (&rng, 4);
          g.SH = 1 + st_rng_below (&rng, 3);
          g.SW = 1 + st_rng_below (&rng, 3);
          g.PH = st_rng_below (&rng, 3);
          g.PW = st_rng_below (&rng, 3);
          g.DH = 1 + st_rng_below (&rng, 2);
          g.DW = 1 + st_rng_below (&rng, 2);
        }
      while (!st_conv2d_geom_init (&g));
      g.forward = g.weight = g.input = ST_CONV2D_PATH_AUTO;
      g.lanes = 0;
      compare_conv (g, 1 + st_rng_below (&rng, 3), st_rng_below (&rng, 2), &rng, ran);
    }
  for (StConv2dPath p = ST_CONV2D_PATH_IM2COL; p <= ST_CONV2D_PATH_ROWS_INPUT; p++)
    {
      g_test_message ("path %s: %d products", conv_path_names[p], ran[p]);
      g_assert_cmpint (ran[p], >=, 10);
    }
}

/* The 2×2 max pool's vector path against the rule itself, written plainly: scan the window
 * in row-major order, take a value that is greater than the best so far or NaN. Values
 * on a coarse grid (ties) with NaNs and infinities sprinkled in; widths that give 1 to 13
 * outputs (vector rows, a vector ending at OW, scalar rows). */
static void
test_maxpool_2x2_vs_rule (void)
{
  const int widths[] = { 2, 5, 16, 17, 26, 27, 32 };
  StRng rng;

  st_rng_init (&rng, 77);
  for (guint s = 0; s < G_N_ELEMENTS (widths); s++)
    {
      StPool2dGeom g = { .C = 3, .H = 7, .W = widths[s], .KH = 2, .KW = 2, .SH = 2, .SW = 2 };
      int n = 2;
      gsize in_count, out_count;
      g_autofree float *x = NULL, *y = NULL;
      g_autofree gint32 *idx = NULL;

      g_assert_true (st_pool2d_geom_init (&g));
      in_count = (gsize) n * g.C * g.H * g.W;
      out_count = (gsize) n * g.C * g.OH * g.OW;
      x = g_new (float, in_count);
      y = g_new (float, out_count);
      idx = g_new (gint32, out_count);
      for (gsize i = 0; i < in_count; i++)
        {
          guint32 r = st_rng_below (&rng, 40);

          x[i] = r == 0 ? NAN : r == 1 ? INFINITY : r == 2 ? -INFINITY
                 : (float) st_rng_below (&rng, 5) - 2.0f;
        }
      st_maxpool2d_forward (y, x, idx, n, &g);
      for (int pl = 0; pl < n * g.C; pl++)
        for (int oh = 0; oh < g.OH; oh++)
          for (int ow = 0; ow < g.OW; ow++)
            {
              const float *plane = x + (gsize) pl * g.H * g.W;
              gsize o = ((gsize) pl * g.OH + oh) * g.OW + ow;
              gint32 best_i = 2 * oh * g.W + 2 * ow;
              float best = -INFINITY;

              for (int h = 2 * oh; h < 2 * oh + 2; h++)
                for (int w = 2 * ow; w < 2 * ow + 2; w++)
                  if (plane[h * g.W + w] > best || isnan (plane[h * g.W + w]))
                    {
                      best = plane[h * g.W + w];
                      best_i = h * g.W + w;
                    }
              g_assert_cmpint (idx[o], ==, best_i);
              if (isnan (best))
                g_assert_true (isnan (y[o]));
              else
                g_assert_cmpfloat (y[o], ==, best);
            }
    }
}

/* The 2×2 average pool's vector paths against the plain rule: forward the double sum
 * ((a + b) + c) + d over 4, backward dy / 4 to each of the four, written or added. */
static void
test_avgpool_2x2_vs_rule (void)
{
  const int widths[] = { 2, 5, 16, 17, 28, 29, 40 };
  StRng rng;

  st_rng_init (&rng, 78);
  for (guint s = 0; s < G_N_ELEMENTS (widths); s++)
    {
      StPool2dGeom g = { .C = 2, .H = 6, .W = widths[s], .KH = 2, .KW = 2, .SH = 2, .SW = 2 };
      int n = 2;
      gsize in_count, out_count;
      g_autofree float *x = NULL, *y = NULL, *dy = NULL, *dx = NULL, *prior = NULL;

      g_assert_true (st_pool2d_geom_init (&g));
      in_count = (gsize) n * g.C * g.H * g.W;
      out_count = (gsize) n * g.C * g.OH * g.OW;
      x = g_new (float, in_count);
      dx = g_new (float, in_count);
      prior = g_new (float, in_count);
      y = g_new (float, out_count);
      dy = g_new (float, out_count);
      fill_uniform (x, in_count, &rng, -2, 2);
      fill_uniform (dy, out_count, &rng, -2, 2);
      fill_uniform (prior, in_count, &rng, -1, 1);
      st_avgpool2d_forward (y, x, n, &g);
      for (int mode = ST_GRAD_WRITE; mode <= ST_GRAD_ADD; mode++)
        {
          memcpy (dx, prior, sizeof (float) * in_count);
          st_avgpool2d_backward (dx, dy, n, &g, mode);
          for (int pl = 0; pl < n * g.C; pl++)
            for (int h = 0; h < g.H; h++)
              for (int w = 0; w < g.W; w++)
                {
                  gsize i = ((gsize) pl * g.H + h) * g.W + w;
                  float want = mode == ST_GRAD_ADD ? prior[i] : 0.0f;

                  if (h / 2 < g.OH && w / 2 < g.OW)
                    {
                      float d = dy[((gsize) pl * g.OH + h / 2) * g.OW + w / 2] / 4.0f;

                      want = mode == ST_GRAD_ADD ? prior[i] + d : d;
                    }
                  g_assert_cmpfloat (dx[i], ==, want);
                }
        }
      for (int pl = 0; pl < n * g.C; pl++)
        for (int oh = 0; oh < g.OH; oh++)
          for (int ow = 0; ow < g.OW; ow++)
            {
              const float *r0 = x + ((gsize) pl * g.H + 2 * oh) * g.W, *r1 = r0 + g.W;
              float want = (float) (((((double) r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow])
                                     + r1[2 * ow + 1]) / 4);

              g_assert_cmpfloat (y[((gsize) pl * g.OH + oh) * g.OW + ow], ==, want);
            }
    }
}

/* The direct kernels give the same bits with 8-lane vectors as with 16 (AVX-512): output,
 * weight and input gradients, on shapes that take every direct kernel, sums over more
 * than one block of taps included. */
static void
test_conv_widths (void)
{
  const StConv2dGeom shapes[] = {
    { .C = 1, .H = 28, .W = 28, .OC = 6, .KH = 5, .KW = 5, .SH = 1, .SW = 1, .PH = 2, .PW = 2,
      .DH = 1, .DW = 1, .forward = ST_CONV2D_PATH_ROWS, .weight = ST_CONV2D_PATH_ROWS,
      .input = ST_CONV2D_PATH_ROWS_INPUT },
    { .C = 6, .H = 14, .W = 14, .OC = 16, .KH = 5, .KW = 5, .SH = 1, .SW = 1, .DH = 1, .DW = 1,
      .forward = ST_CONV2D_PATH_CHANNELS, .weight = ST_CONV2D_PATH_CHANNELS,
      .input = ST_CONV2D_PATH_ROWS_INPUT },
    { .C = 24, .H = 13, .W = 13, .OC = 40, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .PH = 1, .PW = 1,
      .DH = 1, .DW = 1, .forward = ST_CONV2D_PATH_CHANNELS, .weight = ST_CONV2D_PATH_CHANNELS,
      .input = ST_CONV2D_PATH_ROWS_INPUT },
  };
  StRng rng;

  st_rng_init (&rng, 16);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      StConv2dGeom g[2] = { shapes[i], shapes[i] };
      float *y[2], *dx[2], *dw[2], *scratch[2];
      g_autofree float *x = NULL, *w = NULL, *b = NULL, *dy = NULL;
      gsize in_count, out_count, w_count;
      int n = 3;

      g[0].lanes = 8;
      g[1].lanes = 16;
      g_assert_true (st_conv2d_geom_init (&g[0]));
      if (!st_conv2d_geom_init (&g[1]))
        {
          g_test_skip ("no AVX-512 on this CPU");
          return;
        }
      in_count = (gsize) n * g[0].C * g[0].H * g[0].W;
      out_count = (gsize) n * g[0].OC * g[0].OH * g[0].OW;
      w_count = (gsize) g[0].OC * g[0].C * g[0].KH * g[0].KW;
      x = g_new (float, in_count);
      w = g_new (float, w_count);
      b = g_new (float, g[0].OC);
      dy = g_new (float, out_count);
      fill_uniform (x, in_count, &rng, -1, 1);
      fill_uniform (w, w_count, &rng, -1, 1);
      fill_uniform (b, g[0].OC, &rng, -1, 1);
      fill_uniform (dy, out_count, &rng, -1, 1);
      for (int k = 0; k < 2; k++)
        {
          y[k] = g_new (float, out_count);
          dx[k] = g_new (float, in_count);
          dw[k] = g_new0 (float, w_count);
          scratch[k] = g_new (float, st_conv2d_scratch_floats (&g[k], n) + 1);
          st_conv2d_forward (y[k], x, w, b, scratch[k], n, &g[k]);
          st_conv2d_backward (dx[k], dw[k], NULL, dy, x, w, scratch[k], n, &g[k],
                              ST_GRAD_WRITE);
        }
      g_assert_cmpint (memcmp (y[0], y[1], sizeof (float) * out_count), ==, 0);
      g_assert_cmpint (memcmp (dx[0], dx[1], sizeof (float) * in_count), ==, 0);
      g_assert_cmpint (memcmp (dw[0], dw[1], sizeof (float) * w_count), ==, 0);
      for (int k = 0; k < 2; k++)
        {
          g_free (y[k]);
          g_free (dx[k]);
          g_free (dw[k]);
          g_free (scratch[k]);
        }
    }
}

/* Sigmoid and Tanh give the same bits with 8-lane vectors (AVX2) as with 16 (AVX-512),
 * over a sweep of values, the specials, and a length with a tail. */
static void
test_sigmoid_tanh_widths (void)
{
  const gsize count = 100003;
  g_autofree float *x = g_new (float, count), *a = g_new (float, count);
  g_autofree float *b = g_new (float, count);
  const float specials[] = { 0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f, 88.0f,
                             -104.5f, 0.625f, -0.625f };

  for (gsize i = 0; i < count; i++)
    x[i] = i < G_N_ELEMENTS (specials) ? specials[i] : (float) (((double) i / count - 0.5) * 60);
  for (int f = 0; f < 2; f++)
    {
      void (*forward) (float *, const float *, int, gsize) =
        f == 0 ? st_sigmoid_forward : st_tanh_forward;

      g_setenv ("STRATA_VECTOR_LANES", "8", TRUE);
      forward (a, x, 1, count);
      g_unsetenv ("STRATA_VECTOR_LANES");
      forward (b, x, 1, count);
      g_assert_cmpint (memcmp (a, b, sizeof (float) * count), ==, 0);
    }
}

static void
test_linear_fast_vs_naive (void)
{
  const struct {
    int n, C, OC;
  } shapes[] = { { 1, 1, 1 }, { 5, 7, 3 }, { 16, 400, 120 }, { 33, 84, 10 } };
  StRng rng;

  st_rng_init (&rng, 7);
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      int n = shapes[s].n, C = shapes[s].C, OC = shapes[s].OC;
      g_autofree float *x = g_new (float, n * C), *w = g_new (float, OC * C);
      g_autofree float *b = g_new (float, OC), *dy = g_new (float, n * OC);
      g_autofree float *y1 = g_new (float, n * OC), *y2 = g_new (float, n * OC);
      g_autofree float *dx1 = g_new (float, n * C), *dx2 = g_new (float, n * C);
      g_autofree float *dw1 = floats_filled (OC * C, 1.0f), *dw2 = floats_filled (OC * C, 1.0f);
      g_autofree float *db1 = floats_filled (OC, 2.0f), *db2 = floats_filled (OC, 2.0f);

      fill_uniform (x, n * C, &rng, -1, 1);
      fill_uniform (w, OC * C, &rng, -1, 1);
      fill_uniform (b, OC, &rng, -1, 1);
      fill_uniform (dy, n * OC, &rng, -1, 1);
      fill_uniform (dx1, n * C, &rng, -1, 1);
      memcpy (dx2, dx1, sizeof (float) * n * C);
      st_linear_forward (y1, x, w, b, n, C, OC);
      st_linear_forward_naive (y2, x, w, b, n, C, OC);
      assert_close ("forward", y1, y2, n * OC, 1e-5);
      st_linear_forward (y1, x, w, NULL, n, C, OC);
      st_linear_forward_naive (y2, x, w, NULL, n, C, OC);
      assert_close ("forward, no bias", y1, y2, n * OC, 1e-5);
      st_linear_backward (dx1, dw1, db1, dy, x, w, n, C, OC, ST_GRAD_ADD);
      st_linear_backward_naive (dx2, dw2, db2, dy, x, w, n, C, OC, ST_GRAD_ADD);
      assert_close ("din", dx1, dx2, n * C, 1e-5);
      assert_close ("dw", dw1, dw2, OC * C, 1e-5);
      assert_close ("db", db1, db2, OC, 1e-5);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  /* One OpenBLAS thread, as the compiled net runs every op. */
  openblas_set_num_threads (1);

  g_test_add_func ("/ops/conv2d/fast-vs-naive", test_conv_fast_vs_naive);
  g_test_add_func ("/ops/linear/fast-vs-naive", test_linear_fast_vs_naive);
  g_test_add_func ("/ops/maxpool2d/2x2-vs-rule", test_maxpool_2x2_vs_rule);
  g_test_add_func ("/ops/avgpool2d/2x2-vs-rule", test_avgpool_2x2_vs_rule);
  g_test_add_func ("/ops/values/sigmoid-tanh-widths", test_sigmoid_tanh_widths);
  g_test_add_func ("/ops/conv2d/widths", test_conv_widths);

  return g_test_run ();
}
