/* test-cuda-kernels.cc: the GPU's kernels — the convolution's (gpu/conv2d-kernels.cuh),
 * BatchNorm's, the losses', the activations' a layer applies itself — run on the host (tests/cuda-emu.h)
 * against the CPU's reference (st_conv2d_*_naive, sums in double; core/ops' BatchNorm,
 * losses and activations).
 *
 *   /cuda-kernels/direct-forward     the direct way's forward, with and without a bias, alone
 *                                    and fused with ReLU, Sigmoid or Tanh
 *   /cuda-kernels/im2col-forward     im2col, a host GEMM standing in for cuBLAS, then the
 *                                    bias and each activation (bias_act)
 *   /cuda-kernels/direct-data        the direct way's input gradient, written and added
 *   /cuda-kernels/col2im-data        spread_channels, the host GEMM wᵀ · dyt, col2im
 *   /cuda-kernels/direct-weights     the weight gradient's tiles and their sum, accumulating
 *   /cuda-kernels/bias               the bias gradient's tiles and their sum
 *   /cuda-kernels/batchnorm          BatchNorm2d (gpu/batchnorm2d-kernels.cuh): the statistics
 *                                    (two-stage sums), the running statistics, the transform,
 *                                    evaluation, and backward's sums and input gradient,
 *                                    against core/ops/batchnorm2d.c
 *   /cuda-kernels/loss               CrossEntropy, BCE (one output and several) and MSE
 *                                    (gpu/loss-kernels.cuh): each example's loss, right
 *                                    answers and gradient, the blocks' sums into the totals,
 *                                    against core/ops/loss.c
 *   /cuda-kernels/act-bias-grad      a layer fused with its activation, backward: the
 *                                    activation's gradient formed (as the CPU's ReLU, Sigmoid,
 *                                    Tanh backward) and summed for the bias in one pass
 *
 * Each over geometries with padding, stride, dilation, a 1×1 kernel, a rectangular kernel
 * and LeNet-5's first layer, on a few examples, with 1 tile and 2 of unequal length for
 * the reductions and grids smaller than the work (the grid-stride loops). A GPU runs the
 * same kernels (tests/test-cuda-ops.c compares the whole backend there); this shows their
 * index arithmetic and sums without one.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "tests/cuda-emu.h"

#include "gpu/batchnorm2d-kernels.cuh"
#include "gpu/conv2d-kernels.cuh"
#include "gpu/loss-kernels.cuh"

#include "core/ops/activation.h"
#include "core/ops/batchnorm2d.h"
#include "core/ops/conv2d.h"
#include "core/ops/loss.h"

typedef struct {
  const char *name;
  int C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW;
} Shape;

static const Shape shapes[] = {
  { "3x3-pad", 2, 7, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1 },
  { "strided-dilated", 3, 9, 8, 2, 3, 2, 2, 3, 1, 0, 2, 1 },
  { "pointwise", 4, 5, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1 },
  { "lenet-c1", 1, 12, 12, 6, 5, 5, 1, 1, 2, 2, 1, 1 },
  { "wide-stride", 2, 6, 11, 2, 2, 4, 3, 2, 0, 1, 1, 1 },
  /* more output positions than a block has threads: the weight tiles' walk wraps rows */
  { "wide-map", 1, 20, 18, 2, 3, 3, 1, 1, 1, 1, 1, 1 },
};

#define N 3

typedef struct {
  StConv2dGeom cpu;
  StCudaGeom   g;
  gsize        in, out, w;      /* floats of one example's input, output; of the weights */
} Geom;

static Geom
geom_of (const Shape *s)
{
  Geom r;

  memset (&r, 0, sizeof r);
  r.cpu.C = s->C, r.cpu.H = s->H, r.cpu.W = s->W, r.cpu.OC = s->OC;
  r.cpu.KH = s->KH, r.cpu.KW = s->KW, r.cpu.SH = s->SH, r.cpu.SW = s->SW;
  r.cpu.PH = s->PH, r.cpu.PW = s->PW, r.cpu.DH = s->DH, r.cpu.DW = s->DW;
  g_assert_true (st_conv2d_geom_init (&r.cpu));
  r.g = StCudaGeom { s->C, s->H, s->W, s->OC, r.cpu.OH, r.cpu.OW, s->KH, s->KW, s->SH, s->SW,
                     s->PH, s->PW, s->DH, s->DW };
  r.in = (gsize) s->C * s->H * s->W;
  r.out = (gsize) s->OC * r.cpu.OH * r.cpu.OW;
  r.w = (gsize) s->OC * s->C * s->KH * s->KW;
  return r;
}

static float *
random_floats (GRand *rand, gsize n)
{
  float *x = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  return x;
}

/* Every element within float rounding of a sum of `terms` products of values below 1 in
 * magnitude: the kernels sum in float, the reference in double. */
static void
assert_close (const char *what, const char *where, const float *got, const float *want, gsize n,
              int terms)
{
  const double tol = 4e-7 * (terms + 4);

  for (gsize i = 0; i < n; i++)
    if (!(fabs ((double) got[i] - want[i]) <= tol))
      g_error ("%s, %s: element %" G_GSIZE_FORMAT " is %.9g, the reference %.9g", where, what,
               i, got[i], want[i]);
}

/* out (m, n) = a (m, k) · b (k, n), row-major, in double: what cuBLAS does in the way. */
static void
host_gemm (float *out, const float *a, const float *b, int m, int n, int k, gboolean a_t,
           gboolean b_t)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double s = 0.0;

        for (int l = 0; l < k; l++)
          s += (double) (a_t ? a[(gsize) l * m + i] : a[(gsize) i * k + l])
               * (b_t ? b[(gsize) j * k + l] : b[(gsize) l * n + j]);
        out[(gsize) i * n + j] = (float) s;
      }
}

static const StCudaAct acts[] = { ST_CUDA_ACT_NONE, ST_CUDA_ACT_RELU, ST_CUDA_ACT_SIGMOID,
                                   ST_CUDA_ACT_TANH };
static const char *const act_names[] = { "", ", ReLU", ", Sigmoid", ", Tanh" };

/* The CPU's activation after its convolution: what a fused layer must give. */
static void
cpu_activate (StCudaAct act, float *x, gsize n)
{
  switch (act)
    {
    case ST_CUDA_ACT_RELU:
      st_relu_forward (x, x, 1, n);
      break;
    case ST_CUDA_ACT_SIGMOID:
      st_sigmoid_forward (x, x, 1, n);
      break;
    case ST_CUDA_ACT_TANH:
      st_tanh_forward (x, x, 1, n);
      break;
    case ST_CUDA_ACT_NONE:
    default:
      break;
    }
}

/* One forward problem of shape s: random input, weights and bias (NULL without), and the
 * CPU's output with the activation after it. */
typedef struct {
  Geom   g;
  float *in, *w, *b, *want;
  char  *what;
} Forward;

static void
forward_problem (Forward *f, GRand *rand, const Shape *s, const char *way, gsize act,
                 gboolean with_bias)
{
  f->g = geom_of (s);
  f->in = random_floats (rand, N * f->g.in);
  f->w = random_floats (rand, f->g.w);
  f->b = with_bias ? random_floats (rand, s->OC) : NULL;
  f->want = g_new (float, N * f->g.out);
  f->what = g_strdup_printf ("%s forward%s%s", way, with_bias ? " with bias" : "",
                             act_names[act]);
  st_conv2d_forward_naive (f->want, f->in, f->w, f->b, N, &f->g.cpu);
  cpu_activate (acts[act], f->want, N * f->g.out);
}

static void
forward_clear (Forward *f)
{
  g_free (f->in);
  g_free (f->w);
  g_free (f->b);
  g_free (f->want);
  g_free (f->what);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Forward, forward_clear)

static void
test_direct_forward (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (gsize a = 0; a < G_N_ELEMENTS (acts); a++)
      for (int with_bias = 0; with_bias < 2; with_bias++)
        {
          const Shape *s = &shapes[k];
          g_auto (Forward) f = {};
          g_autofree float *got = NULL;

          forward_problem (&f, rand, s, "direct", a, with_bias);
          got = g_new (float, N * f.g.out);
          for (gsize i = 0; i < N * f.g.out; i++)
            got[i] = NAN;
          /* two blocks of 64: fewer threads than outputs */
          st_emu_launch (dim3 (2), dim3 (64), [&] {
            conv2d_direct_forward_kernel (got, f.in, f.w, f.b, N, f.g.g, acts[a]);
          });
          assert_close (f.what, s->name, got, f.want, N * f.g.out, s->C * s->KH * s->KW + 1);
        }
}

static void
test_im2col_forward (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (gsize a = 0; a < G_N_ELEMENTS (acts); a++)
      for (int with_bias = 0; with_bias < 2; with_bias++)
        {
          const Shape *s = &shapes[k];
          g_auto (Forward) f = {};
          int K, P;
          g_autofree float *got = NULL, *cols = NULL, *colsj = NULL;

          forward_problem (&f, rand, s, "im2col", a, with_bias);
          K = s->C * s->KH * s->KW;
          P = f.g.cpu.OH * f.g.cpu.OW;
          got = g_new (float, N * f.g.out);
          cols = g_new (float, (gsize) K * N * P);
          colsj = g_new (float, (gsize) K * P);
          st_emu_launch (dim3 (1), dim3 (32), [&] { im2col_kernel (cols, f.in, N, f.g.g); });
          /* out[j] (OC, P) = w (OC, K) · cols[:, j·P : (j+1)·P] */
          for (int j = 0; j < N; j++)
            {
              for (int r = 0; r < K; r++)
                memcpy (colsj + (gsize) r * P, cols + (gsize) r * N * P + (gsize) j * P,
                        sizeof (float) * P);
              host_gemm (got + j * f.g.out, f.w, colsj, s->OC, P, K, FALSE, FALSE);
            }
          /* planes over y and z, as conv2d.cu lays them out past 65,535 */
          st_emu_launch (dim3 (1, 2, (unsigned) (N * s->OC + 1) / 2), dim3 (16), [&] {
            bias_act_kernel (got, f.b, (gsize) N * s->OC, s->OC, P, acts[a]);
          });
          assert_close (f.what, s->name, got, f.want, N * f.g.out, K + 1);
        }
}

static void
test_direct_data (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (int add = 0; add < 2; add++)
      {
        const Shape *s = &shapes[k];
        const Geom g = geom_of (s);
        g_autofree float *in = random_floats (rand, N * g.in);
        g_autofree float *w = random_floats (rand, g.w);
        g_autofree float *dout = random_floats (rand, N * g.out);
        g_autofree float *want = random_floats (rand, N * g.in);
        g_autofree float *got = (float *) g_memdup2 (want, sizeof (float) * N * g.in);
        g_autofree float *dw = g_new0 (float, g.w);

        st_conv2d_backward_naive (want, dw, NULL, dout, in, w, N, &g.cpu,
                                  add ? ST_GRAD_ADD : ST_GRAD_WRITE);
        st_emu_launch (dim3 (3), dim3 (32), [&] {
          conv2d_direct_data_kernel (got, dout, w, N, g.g, add);
        });
        assert_close (add ? "direct input gradient, added" : "direct input gradient", s->name, got,
                      want, N * g.in, s->OC * s->KH * s->KW + 1);
      }
}

static void
test_col2im_data (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    {
      const Shape *s = &shapes[k];
      const Geom g = geom_of (s);
      const int K = s->C * s->KH * s->KW, P = g.cpu.OH * g.cpu.OW, NP = N * P;
      g_autofree float *in = random_floats (rand, N * g.in);
      g_autofree float *w = random_floats (rand, g.w);
      g_autofree float *dout = random_floats (rand, N * g.out);
      g_autofree float *want = random_floats (rand, N * g.in);
      g_autofree float *got = (float *) g_memdup2 (want, sizeof (float) * N * g.in);
      g_autofree float *dw = g_new0 (float, g.w);
      g_autofree float *dyt = g_new (float, (gsize) s->OC * NP);
      g_autofree float *dcols = g_new (float, (gsize) K * NP);

      st_conv2d_backward_naive (want, dw, NULL, dout, in, w, N, &g.cpu, ST_GRAD_ADD);
      st_emu_launch (dim3 (2), dim3 (32), [&] {
        spread_channels_kernel (dyt, dout, N, s->OC, P);
      });
      /* dcols (K, N·P) = wᵀ (K, OC) · dyt (OC, N·P) */
      host_gemm (dcols, w, dyt, K, NP, s->OC, TRUE, FALSE);
      st_emu_launch (dim3 (2), dim3 (32), [&] { col2im_kernel (got, dcols, N, g.g, TRUE); });
      assert_close ("col2im input gradient, added", s->name, got, want, N * g.in,
                    s->OC * s->KH * s->KW + 1);
    }
}

static void
test_direct_weights (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (int tiles = 1; tiles <= 2; tiles++)
      {
        const Shape *s = &shapes[k];
        const Geom g = geom_of (s);
        const int count = (int) g.w, P = g.cpu.OH * g.cpu.OW;
        g_autofree float *in = random_floats (rand, N * g.in);
        g_autofree float *w = random_floats (rand, g.w);
        g_autofree float *dout = random_floats (rand, N * g.out);
        g_autofree float *want = random_floats (rand, g.w);
        g_autofree float *got = (float *) g_memdup2 (want, sizeof (float) * g.w);
        g_autofree double *partial = g_new (double, (gsize) count * tiles);

        st_conv2d_backward_naive (NULL, want, NULL, dout, in, w, N, &g.cpu, ST_GRAD_WRITE);
        st_emu_launch (dim3 ((unsigned) (count * tiles)), dim3 (ST_CUDA_THREADS), [&] {
          conv2d_direct_weight_tiles_kernel (partial, dout, in, N, g.g, tiles);
        });
        st_emu_launch (dim3 (1), dim3 (32), [&] {
          add_tiles_kernel (got, partial, count, tiles);
        });
        assert_close (tiles == 1 ? "direct weight gradient" : "direct weight gradient, 2 tiles",
                      s->name, got, want, g.w, N * P + 1);
      }
}

static void
test_bias (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (int tiles = 1; tiles <= 2; tiles++)
      {
        const Shape *s = &shapes[k];
        const Geom g = geom_of (s);
        const int P = g.cpu.OH * g.cpu.OW;
        g_autofree float *in = random_floats (rand, N * g.in);
        g_autofree float *w = random_floats (rand, g.w);
        g_autofree float *dout = random_floats (rand, N * g.out);
        g_autofree float *dw = g_new0 (float, g.w);
        g_autofree float *want = random_floats (rand, s->OC);
        g_autofree float *got = (float *) g_memdup2 (want, sizeof (float) * s->OC);
        g_autofree double *partial = g_new (double, (gsize) s->OC * tiles);

        st_conv2d_backward_naive (NULL, dw, want, dout, in, w, N, &g.cpu, ST_GRAD_WRITE);
        st_emu_launch (dim3 ((unsigned) (s->OC * tiles)), dim3 (ST_CUDA_THREADS), [&] {
          bias_grad_tiles_kernel (partial, dout, N, s->OC, P, tiles);
        });
        st_emu_launch (dim3 (1), dim3 (32), [&] {
          add_tiles_kernel (got, partial, s->OC, tiles);
        });
        assert_close (tiles == 1 ? "bias gradient" : "bias gradient, 2 tiles", s->name, got, want,
                      s->OC, N * P + 1);
      }
}

static void
cpu_activate_grad (StCudaAct act, float *din, const float *dout, const float *out, gsize n)
{
  switch (act)
    {
    case ST_CUDA_ACT_RELU:
      st_relu_backward (din, dout, out, 1, n, ST_GRAD_WRITE);
      break;
    case ST_CUDA_ACT_SIGMOID:
      st_sigmoid_backward (din, dout, out, 1, n, ST_GRAD_WRITE);
      break;
    case ST_CUDA_ACT_TANH:
      st_tanh_backward (din, dout, out, 1, n, ST_GRAD_WRITE);
      break;
    case ST_CUDA_ACT_NONE:
    default:
      memcpy (din, dout, sizeof (float) * n);
      break;
    }
}

static void
test_act_bias_grad (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  const int C = 5, HW = 37;

  for (gsize a = 1; a < G_N_ELEMENTS (acts); a++)
    for (int tiles = 1; tiles <= 2; tiles++)
      {
        const gsize count = (gsize) N * C * HW;
        g_autofree char *what = g_strdup_printf ("fused bias gradient%s, %d tile%s",
                                                 act_names[a], tiles, tiles > 1 ? "s" : "");
        g_autofree float *x = random_floats (rand, count);
        g_autofree float *y = g_new (float, count);
        g_autofree float *dy = random_floats (rand, count);
        g_autofree float *want_g = g_new (float, count);
        g_autofree float *got_g = g_new (float, count);
        g_autofree float *want_db = random_floats (rand, C);
        g_autofree float *got_db = (float *) g_memdup2 (want_db, sizeof (float) * C);
        g_autofree double *partial = g_new (double, (gsize) C * tiles);

        memcpy (y, x, sizeof (float) * count);
        cpu_activate (acts[a], y, count);
        for (gsize i = 0; i < count; i++)
          got_g[i] = NAN;
        cpu_activate_grad (acts[a], want_g, dy, y, count);
        for (int c = 0; c < C; c++)
          {
            double sum = 0.0;

            for (int i = 0; i < N; i++)
              for (int p = 0; p < HW; p++)
                sum += want_g[((gsize) i * C + c) * HW + p];
            want_db[c] += (float) sum;
          }
        st_emu_launch (dim3 ((unsigned) (C * tiles)), dim3 (ST_CUDA_THREADS), [&] {
          act_bias_grad_tiles_kernel (partial, got_g, dy, y, acts[a], N, C, HW, tiles);
        });
        st_emu_launch (dim3 (1), dim3 (32), [&] { add_tiles_kernel (got_db, partial, C, tiles); });
        /* the gradient itself: the CPU's float operations */
        assert_close ("the activation's gradient", what, got_g, want_g, count, 0);
        assert_close ("the bias gradient", what, got_db, want_db, C, N * HW + 1);
      }
}

static float *
positive_floats (GRand *rand, gsize n)
{
  float *x = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, 0.5, 2.0);
  return x;
}

static void
test_batchnorm (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  const struct {
    int n, C, HW;
  } cases[] = { { 3, 4, 10 }, { 5, 2, 1 }, { 2, 3, 300 } };

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    for (int affine = 0; affine < 2; affine++)
      for (int tiles = 1; tiles <= 2; tiles++)
        {
          const int n = cases[k].n, C = cases[k].C, HW = cases[k].HW;
          const gsize count = (gsize) n * C * HW, M = (gsize) n * HW;
          g_autofree char *where = g_strdup_printf ("batchnorm (%d, %d, %d)%s, %d tile%s", n, C,
                                                    HW, affine ? ", affine" : "", tiles,
                                                    tiles > 1 ? "s" : "");
          g_autofree float *in = random_floats (rand, count);
          g_autofree float *dout = random_floats (rand, count);
          g_autofree float *gamma_ = random_floats (rand, C);
          g_autofree float *beta_ = random_floats (rand, C);
          const float *gamma = affine ? gamma_ : NULL, *beta = affine ? beta_ : NULL;
          g_autofree float *rm = random_floats (rand, C), *rv = positive_floats (rand, C);
          g_autofree float *rm2 = (float *) g_memdup2 (rm, sizeof (float) * C);
          g_autofree float *rv2 = (float *) g_memdup2 (rv, sizeof (float) * C);
          g_autofree double *sum = g_new0 (double, C), *sumsq = g_new0 (double, C);
          g_autofree float *mean = g_new (float, C), *invstd = g_new (float, C);
          g_autofree float *mean2 = g_new (float, C), *invstd2 = g_new (float, C);
          g_autofree float *out = g_new (float, count), *out2 = g_new (float, count);
          g_autofree float *eval = g_new (float, count), *eval2 = g_new (float, count);
          g_autofree double *partial = g_new (double, (gsize) 2 * C * tiles);
          g_autofree double *sums = g_new (double, 2 * C);
          g_autofree double *sdy = g_new0 (double, C), *sdyx = g_new0 (double, C);
          g_autofree float *dgamma = random_floats (rand, C), *dbeta = random_floats (rand, C);
          g_autofree float *dgamma2 = (float *) g_memdup2 (dgamma, sizeof (float) * C);
          g_autofree float *dbeta2 = (float *) g_memdup2 (dbeta, sizeof (float) * C);
          g_autofree float *din = random_floats (rand, count);
          g_autofree float *din2 = (float *) g_memdup2 (din, sizeof (float) * count);

          /* forward in training: the CPU's phases over the whole batch */
          st_batchnorm2d_stats_partial (sum, sumsq, in, n, C, HW);
          g_assert_true (st_batchnorm2d_stats_finalize (mean, invstd, rm, rv, sum, sumsq, 0.1,
                                                        1e-5, M, C));
          st_batchnorm2d_forward_apply (out, in, gamma, beta, mean, invstd, n, C, HW);
          st_emu_launch (dim3 ((unsigned) (C * tiles)), dim3 (ST_CUDA_THREADS), [&] {
            stats_tiles_kernel (partial, in, n, C, HW, tiles);
          });
          st_emu_launch (dim3 (1), dim3 (32), [&] {
            stats_kernel (mean2, invstd2, rm2, rv2, partial, 0.1, 1e-5, C, M, tiles);
          });
          st_emu_launch (dim3 (2), dim3 (64), [&] {
            apply_kernel (out2, in, gamma, beta, mean2, invstd2, n, C, HW);
          });
          assert_close ("mean", where, mean2, mean, C, 2);
          assert_close ("invstd", where, invstd2, invstd, C, 8);
          assert_close ("running mean", where, rm2, rm, C, 2);
          assert_close ("running var", where, rv2, rv, C, 8);
          assert_close ("output", where, out2, out, count, 16);

          /* evaluation with the running statistics */
          st_batchnorm2d_forward_eval (eval, in, gamma, beta, rm, rv, 1e-5, n, C, HW);
          st_emu_launch (dim3 (2), dim3 (64), [&] {
            eval_kernel (eval2, in, gamma, beta, rm, rv, 1e-5, n, C, HW);
          });
          assert_close ("evaluation", where, eval2, eval, count, 8);

          /* backward, the input gradient added */
          st_batchnorm2d_backward_partial (sdy, sdyx, affine ? dgamma : NULL,
                                           affine ? dbeta : NULL, dout, in, mean, invstd, n, C,
                                           HW);
          st_batchnorm2d_backward_apply (din, dout, in, gamma, mean, invstd, sdy, sdyx, M, n, C,
                                         HW, ST_GRAD_ADD);
          st_emu_launch (dim3 ((unsigned) (C * tiles)), dim3 (ST_CUDA_THREADS), [&] {
            backward_tiles_kernel (partial, dout, in, mean, invstd, n, C, HW, tiles);
          });
          st_emu_launch (dim3 (1), dim3 (32), [&] {
            backward_sums_kernel (sums, affine ? dgamma2 : NULL, affine ? dbeta2 : NULL,
                                  partial, C, tiles);
          });
          st_emu_launch (dim3 (2), dim3 (64), [&] {
            backward_apply_kernel (din2, dout, in, gamma, mean, invstd, sums, n, C, HW, TRUE);
          });
          for (int c = 0; c < C; c++)
            if (fabs (sums[c] - sdy[c]) > 1e-9 * (1 + fabs (sdy[c]))
                || fabs (sums[C + c] - sdyx[c]) > 1e-9 * (1 + fabs (sdyx[c])))
              g_error ("%s: channel %d's sums are %.12g and %.12g, the reference %.12g and %.12g",
                       where, c, sums[c], sums[C + c], sdy[c], sdyx[c]);
          assert_close ("dgamma", where, dgamma2, dgamma, C, (int) M + 1);
          assert_close ("dbeta", where, dbeta2, dbeta, C, (int) M + 1);
          assert_close ("input gradient, added", where, din2, din, count, 16);
        }
}

static void
test_loss (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  const struct {
    StCudaLoss kind;
    int        S;
    const char *name;
  } cases[] = { { ST_CUDA_LOSS_CROSS_ENTROPY, 10, "CrossEntropy" },
                { ST_CUDA_LOSS_BCE, 1, "BCE, one output" },
                { ST_CUDA_LOSS_BCE, 3, "BCE, three outputs" },
                { ST_CUDA_LOSS_MSE, 4, "MSE" } };
  const int n = 300;     /* two blocks of examples */

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const int S = cases[k].S, blocks = (n + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS;
      const gsize count = (gsize) n * S;
      const gboolean ce = cases[k].kind == ST_CUDA_LOSS_CROSS_ENTROPY;
      const float scale = ce ? 1.0f / n : 1.0f / (n * S);
      const double divisor = ce ? 1.0 : S;
      g_autofree float *y = random_floats (rand, count);
      g_autofree float *targets = g_new0 (float, count);
      g_autofree float *want_dy = g_new (float, count);
      g_autofree float *got_dy = g_new (float, count);
      g_autofree guint8 *labels = g_new (guint8, n);
      g_autofree double *partial = g_new (double, 2 * blocks);
      StCudaTotals totals = { NAN, NAN, NAN, NAN };
      gint64 correct = 0;
      double sum;

      for (int i = 0; i < n; i++)
        {
          labels[i] = (guint8) g_rand_int_range (rand, 0, S == 1 ? 2 : S);
          for (int j = 0; j < S; j++)
            targets[(gsize) i * S + j] = S == 1 ? labels[i] : (labels[i] == j ? 1.0f : 0.0f);
        }
      if (cases[k].kind == ST_CUDA_LOSS_BCE)
        st_sigmoid_forward (y, y, 1, count);
      switch (cases[k].kind)
        {
        case ST_CUDA_LOSS_CROSS_ENTROPY:
          sum = st_cross_entropy_forward (&correct, y, labels, n, S);
          st_cross_entropy_backward (want_dy, y, labels, scale, n, S);
          break;
        case ST_CUDA_LOSS_BCE:
          sum = st_bce_forward (&correct, y, targets, n, S);
          st_bce_backward (want_dy, y, targets, scale, n, S);
          break;
        case ST_CUDA_LOSS_MSE:
        default:
          sum = st_mse_forward (&correct, y, targets, n, S);
          st_mse_backward (want_dy, y, targets, scale, n, S);
          break;
        }
      st_emu_launch (dim3 ((unsigned) blocks), dim3 (ST_CUDA_THREADS), [&] {
        loss_kernel (cases[k].kind, partial, got_dy, y, labels, n, S, scale);
      });
      /* a training step's totals written, then an evaluation of the same batch added */
      st_emu_launch (dim3 (1), dim3 (1), [&] {
        reduce_kernel (&totals, partial, blocks, n, divisor, TRUE, TRUE);
      });
      g_assert_cmpfloat_with_epsilon (totals.loss_sum, sum / divisor, 1e-12 * fabs (sum));
      g_assert_cmpfloat_with_epsilon (totals.last_loss, sum / divisor / n, 1e-12 * fabs (sum));
      g_assert_cmpfloat (totals.correct, ==, (double) correct);
      g_assert_cmpfloat (totals.steps, ==, 1.0);
      assert_close ("gradient", cases[k].name, got_dy, want_dy, count, 2);
      st_emu_launch (dim3 ((unsigned) blocks), dim3 (ST_CUDA_THREADS), [&] {
        loss_kernel (cases[k].kind, partial, NULL, y, labels, n, S, scale);
      });
      st_emu_launch (dim3 (1), dim3 (1), [&] {
        reduce_kernel (&totals, partial, blocks, n, divisor, FALSE, FALSE);
      });
      g_assert_cmpfloat_with_epsilon (totals.loss_sum, 2 * sum / divisor, 1e-12 * fabs (sum));
      g_assert_cmpfloat (totals.correct, ==, 2.0 * correct);
      g_assert_cmpfloat (totals.steps, ==, 1.0);
      g_test_message ("%s: loss %.9g, %" G_GINT64_FORMAT " of %d right", cases[k].name,
                      sum / divisor / n, correct, n);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cuda-kernels/direct-forward", test_direct_forward);
  g_test_add_func ("/cuda-kernels/im2col-forward", test_im2col_forward);
  g_test_add_func ("/cuda-kernels/direct-data", test_direct_data);
  g_test_add_func ("/cuda-kernels/col2im-data", test_col2im_data);
  g_test_add_func ("/cuda-kernels/direct-weights", test_direct_weights);
  g_test_add_func ("/cuda-kernels/bias", test_bias);
  g_test_add_func ("/cuda-kernels/batchnorm", test_batchnorm);
  g_test_add_func ("/cuda-kernels/loss", test_loss);
  g_test_add_func ("/cuda-kernels/act-bias-grad", test_act_bias_grad);
  return g_test_run ();
}
