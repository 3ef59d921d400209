/* bench-ops: single-thread timings of the CPU ops on the layers of LeNet-5 (a slice of 128
 * examples) and of the 64/128 deep CNN (16 examples), fast path against naive reference;
 * for the convolutions every path (im2col, the direct kernels with 8- and 16-lane
 * vectors), the measurement behind pick_path in core/ops/conv2d.c, and behind the GEMM
 * layout. Not a test: it prints.
 *
 *   bench-ops [--quick]        --quick: fewer repetitions, naive references skipped
 *
 * Times are medians over repetitions of one call on the whole slice; GFLOP/s counts
 * 2 flops per multiply-add of the convolution or matrix product only. */
#define G_LOG_DOMAIN "strata-bench-ops"

#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/ops/activation.h"
#include "core/ops/conv2d.h"
#include "core/ops/linear.h"
#include "core/ops/loss.h"
#include "core/ops/pool2d.h"
#include "core/ops/rng.h"

static gboolean quick;

static double
now (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef void (*RunFunc) (gpointer data);

/* Median µs of one call: one warm-up, then repetitions until min_seconds have passed
 * (at least 3, at most 200). */
static double
median_us (RunFunc run, gpointer data, double min_seconds)
{
  double times[200], start;
  int reps = 0;

  run (data);
  start = now ();
  while (reps < 200 && (reps < 3 || now () - start < min_seconds))
    {
      double t0 = now ();

      run (data);
      times[reps++] = (now () - t0) * 1e6;
    }
  qsort (times, reps, sizeof (double), compare_doubles);
  return times[reps / 2];
}

static float *
random_floats (gsize count, StRng *rng, double lo, double hi)
{
  float *x = g_new (float, MAX (count, 1));

  for (gsize i = 0; i < count; i++)
    x[i] = (float) (lo + (hi - lo) * st_rng_uniform (rng));
  return x;
}

static void
print_header (const char *title, int n)
{
  printf ("\n%s, slice of %d examples, 1 thread\n", title, n);
  printf ("  %-34s %-22s %11s %11s %9s %9s\n", "layer", "path", "fwd µs", "bwd µs",
          "fwd GF/s", "bwd GF/s");
}

static void
print_row (const char *name, const char *path, double fwd, double bwd, double fwd_flop,
           double bwd_flop)
{
  if (fwd_flop > 0)
    printf ("  %-34s %-22s %11.1f %11.1f %9.1f %9.1f\n", name, path, fwd, bwd,
            fwd_flop / fwd * 1e-3, bwd_flop / bwd * 1e-3);
  else
    printf ("  %-34s %-22s %11.1f %11.1f %9s %9s\n", name, path, fwd, bwd, "", "");
}

/* --- Conv2d --- */

typedef struct {
  StConv2dGeom g;
  int n;
  gboolean first;                      /* the network's first layer: no input gradient */
  float *x, *w, *b, *y, *dy, *dx, *dw, *db, *scratch;
} ConvBench;

static void
run_conv_fwd (gpointer p)
{
  ConvBench *c = p;

  st_conv2d_forward (c->y, c->x, c->w, c->b, c->scratch, c->n, &c->g);
}

static void
run_conv_bwd (gpointer p)
{
  ConvBench *c = p;

  st_conv2d_backward (c->first ? NULL : c->dx, c->dw, c->db, c->dy, c->x, c->w, c->scratch,
                      c->n, &c->g, ST_GRAD_WRITE);
}

static void
run_conv_fwd_naive (gpointer p)
{
  ConvBench *c = p;

  st_conv2d_forward_naive (c->y, c->x, c->w, c->b, c->n, &c->g);
}

static void
run_conv_bwd_naive (gpointer p)
{
  ConvBench *c = p;

  st_conv2d_backward_naive (c->first ? NULL : c->dx, c->dw, c->db, c->dy, c->x, c->w, c->n,
                            &c->g, ST_GRAD_WRITE);
}

static const char *const path_names[] = { "auto", "im2col", "rows", "chan", "rows-in" };

/* Times one choice of paths (forward and weight gradient on `path`, the input gradient on
 * `input`; AUTO: geom_init's choice) with `lanes`-wide vectors (0: the widest) and prints
 * its row; returns forward + backward µs, or -1 when the choice cannot run the shape. */
static double
bench_conv_path (const char *name, StConv2dGeom g, StConv2dPath path, StConv2dPath input,
                 int lanes, int n, gboolean first, StRng *rng)
{
  ConvBench c = { .g = g, .n = n, .first = first };
  gsize in_count, out_count, w_count;
  double macs, fwd, bwd;
  char label[32];

  c.g.forward = c.g.weight = path;
  c.g.input = input;
  c.g.lanes = lanes;
  if (!st_conv2d_geom_init (&c.g))
    return -1;
  in_count = (gsize) n * g.C * g.H * g.W;
  out_count = (gsize) n * g.OC * c.g.OH * c.g.OW;
  w_count = (gsize) g.OC * g.C * g.KH * g.KW;
  c.x = random_floats (in_count, rng, -1, 1);
  c.w = random_floats (w_count, rng, -0.2, 0.2);
  c.b = random_floats (g.OC, rng, -0.2, 0.2);
  c.y = g_new (float, out_count);
  c.dy = random_floats (out_count, rng, -1, 1);
  c.dx = g_new (float, in_count);
  c.dw = g_new0 (float, w_count);
  c.db = g_new0 (float, g.OC);
  c.scratch = g_new (float, st_conv2d_scratch_floats (&c.g, n) + 1);
  macs = (double) n * w_count * c.g.OH * c.g.OW;

  fwd = median_us (run_conv_fwd, &c, quick ? 0.05 : 0.3);
  bwd = median_us (run_conv_bwd, &c, quick ? 0.05 : 0.3);
  g_snprintf (label, sizeof label, "%s/%s/%s %d", path_names[c.g.forward],
              path_names[c.g.weight], first ? "-" : path_names[c.g.input], c.g.lanes);
  print_row (path == ST_CONV2D_PATH_AUTO ? name : "", label, fwd, bwd, 2 * macs,
             2 * macs * (first ? 1 : 2));
  if (!quick && path == ST_CONV2D_PATH_AUTO)
    print_row ("", "naive", median_us (run_conv_fwd_naive, &c, 0.0),
               median_us (run_conv_bwd_naive, &c, 0.0), 2 * macs, 2 * macs * (first ? 1 : 2));

  g_free (c.x);
  g_free (c.w);
  g_free (c.b);
  g_free (c.y);
  g_free (c.dy);
  g_free (c.dx);
  g_free (c.dw);
  g_free (c.db);
  g_free (c.scratch);
  return fwd + bwd;
}

/* The paths geom_init picks, then, unless --quick, every path forced, with 8-lane vectors
 * and (on AVX-512) 16: the measurement behind pick_path in core/ops/conv2d.c. The input
 * gradient goes with the forward path's family (im2col or ROWS_INPUT). Returns the picked
 * paths' forward + backward µs. */
static double
bench_conv (const char *name, StConv2dGeom g, int n, gboolean first, StRng *rng)
{
  double total = bench_conv_path (name, g, ST_CONV2D_PATH_AUTO, ST_CONV2D_PATH_AUTO, 0, n,
                                  first, rng);

  if (quick)
    return total;
  for (StConv2dPath p = ST_CONV2D_PATH_IM2COL; p <= ST_CONV2D_PATH_CHANNELS; p++)
    for (int lanes = 8; lanes <= 16; lanes += 8)
      {
        if (p == ST_CONV2D_PATH_IM2COL && lanes == 16)
          continue;
        bench_conv_path (name, g, p, ST_CONV2D_PATH_IM2COL, lanes, n, first, rng);
        if (!first && p != ST_CONV2D_PATH_IM2COL)
          bench_conv_path (name, g, p, ST_CONV2D_PATH_ROWS_INPUT, lanes, n, first, rng);
      }
  return total;
}

/* --- Linear --- */

typedef struct {
  int n, C, OC;
  float *x, *w, *b, *y, *dy, *dx, *dw, *db;
} LinearBench;

static void
run_linear_fwd (gpointer p)
{
  LinearBench *l = p;

  st_linear_forward (l->y, l->x, l->w, l->b, l->n, l->C, l->OC);
}

static void
run_linear_bwd (gpointer p)
{
  LinearBench *l = p;

  st_linear_backward (l->dx, l->dw, l->db, l->dy, l->x, l->w, l->n, l->C, l->OC, ST_GRAD_WRITE);
}

static void
run_linear_fwd_naive (gpointer p)
{
  LinearBench *l = p;

  st_linear_forward_naive (l->y, l->x, l->w, l->b, l->n, l->C, l->OC);
}

static void
run_linear_bwd_naive (gpointer p)
{
  LinearBench *l = p;

  st_linear_backward_naive (l->dx, l->dw, l->db, l->dy, l->x, l->w, l->n, l->C, l->OC,
                            ST_GRAD_WRITE);
}

static double
bench_linear (const char *name, int C, int OC, int n, StRng *rng)
{
  LinearBench l = { .n = n, .C = C, .OC = OC };
  double macs = (double) n * C * OC, fwd, bwd;

  l.x = random_floats ((gsize) n * C, rng, -1, 1);
  l.w = random_floats ((gsize) OC * C, rng, -0.1, 0.1);
  l.b = random_floats (OC, rng, -0.1, 0.1);
  l.y = g_new (float, (gsize) n * OC);
  l.dy = random_floats ((gsize) n * OC, rng, -1, 1);
  l.dx = g_new (float, (gsize) n * C);
  l.dw = g_new0 (float, (gsize) OC * C);
  l.db = g_new0 (float, OC);

  fwd = median_us (run_linear_fwd, &l, quick ? 0.05 : 0.2);
  bwd = median_us (run_linear_bwd, &l, quick ? 0.05 : 0.2);
  print_row (name, "fast", fwd, bwd, 2 * macs, 4 * macs);
  if (!quick)
    print_row (name, "naive", median_us (run_linear_fwd_naive, &l, 0.05),
               median_us (run_linear_bwd_naive, &l, 0.05), 2 * macs, 4 * macs);

  g_free (l.x);
  g_free (l.w);
  g_free (l.b);
  g_free (l.y);
  g_free (l.dy);
  g_free (l.dx);
  g_free (l.dw);
  g_free (l.db);
  return fwd + bwd;
}

/* --- Sigmoid, AvgPool2d, CrossEntropyLoss --- */

typedef struct {
  int n;
  gsize size;
  StPool2dGeom pool;
  const guint8 *labels;
  gint32 *argmax;
  float *x, *y, *dy, *dx;
} EltBench;

static void
run_sigmoid_fwd (gpointer p)
{
  EltBench *e = p;

  st_sigmoid_forward (e->y, e->x, e->n, e->size);
}

static void
run_sigmoid_bwd (gpointer p)
{
  EltBench *e = p;

  st_sigmoid_backward (e->dx, e->dy, e->y, e->n, e->size, ST_GRAD_WRITE);
}

static void
run_avgpool_fwd (gpointer p)
{
  EltBench *e = p;

  st_avgpool2d_forward (e->y, e->x, e->n, &e->pool);
}

static void
run_avgpool_bwd (gpointer p)
{
  EltBench *e = p;

  st_avgpool2d_backward (e->dx, e->dy, e->n, &e->pool, ST_GRAD_WRITE);
}

static void
run_maxpool_fwd (gpointer p)
{
  EltBench *e = p;

  st_maxpool2d_forward (e->y, e->x, e->argmax, e->n, &e->pool);
}

static void
run_maxpool_bwd (gpointer p)
{
  EltBench *e = p;

  st_maxpool2d_backward (e->dx, e->dy, e->argmax, e->n, &e->pool, ST_GRAD_WRITE);
}

static void
run_relu_fwd (gpointer p)
{
  EltBench *e = p;

  st_relu_forward (e->y, e->x, e->n, e->size);
}

static void
run_relu_bwd (gpointer p)
{
  EltBench *e = p;

  st_relu_backward (e->dx, e->dy, e->y, e->n, e->size, ST_GRAD_WRITE);
}

static void
run_loss_fwd (gpointer p)
{
  EltBench *e = p;
  gint64 correct;

  st_cross_entropy_forward (&correct, e->x, e->labels, e->n, (int) e->size);
}

static void
run_loss_bwd (gpointer p)
{
  EltBench *e = p;

  st_cross_entropy_backward (e->dx, e->x, e->labels, 1.0f / e->n, e->n, (int) e->size);
}

static double
bench_elementwise (const char *name, RunFunc fwd_fn, RunFunc bwd_fn, EltBench *e,
                   gsize out_size, StRng *rng)
{
  gsize in_count = (gsize) e->n * e->size, out_count = (gsize) e->n * out_size;
  double fwd, bwd;

  e->x = random_floats (in_count, rng, -3, 3);
  e->y = random_floats (MAX (out_count, in_count), rng, 0, 1);
  e->dy = random_floats (MAX (out_count, in_count), rng, -1, 1);
  e->dx = g_new (float, in_count);
  fwd = median_us (fwd_fn, e, quick ? 0.05 : 0.2);
  bwd = median_us (bwd_fn, e, quick ? 0.05 : 0.2);
  print_row (name, "fast", fwd, bwd, 0, 0);
  g_free (e->x);
  g_free (e->y);
  g_free (e->dy);
  g_free (e->dx);
  return fwd + bwd;
}

static double
bench_sigmoid (const char *name, gsize size, int n, StRng *rng)
{
  EltBench e = { .n = n, .size = size };

  return bench_elementwise (name, run_sigmoid_fwd, run_sigmoid_bwd, &e, size, rng);
}

static double
bench_avgpool (const char *name, int C, int H, int n, StRng *rng)
{
  EltBench e = { .n = n, .size = (gsize) C * H * H,
                 .pool = { .C = C, .H = H, .W = H, .KH = 2, .KW = 2, .SH = 2, .SW = 2 } };

  g_assert (st_pool2d_geom_init (&e.pool));
  return bench_elementwise (name, run_avgpool_fwd, run_avgpool_bwd, &e,
                            (gsize) C * e.pool.OH * e.pool.OW, rng);
}

static double
bench_maxpool (const char *name, int C, int H, int n, StRng *rng)
{
  EltBench e = { .n = n, .size = (gsize) C * H * H,
                 .pool = { .C = C, .H = H, .W = H, .KH = 2, .KW = 2, .SH = 2, .SW = 2 } };
  g_autofree gint32 *argmax = NULL;

  g_assert (st_pool2d_geom_init (&e.pool));
  argmax = g_new (gint32, (gsize) n * C * e.pool.OH * e.pool.OW);
  e.argmax = argmax;
  return bench_elementwise (name, run_maxpool_fwd, run_maxpool_bwd, &e,
                            (gsize) C * e.pool.OH * e.pool.OW, rng);
}

static double
bench_relu (const char *name, gsize size, int n, StRng *rng)
{
  EltBench e = { .n = n, .size = size };

  return bench_elementwise (name, run_relu_fwd, run_relu_bwd, &e, size, rng);
}

static double
bench_loss (const char *name, int C, int n, StRng *rng)
{
  g_autofree guint8 *labels = g_new (guint8, n);
  EltBench e = { .n = n, .size = C, .labels = labels };

  for (int i = 0; i < n; i++)
    labels[i] = (guint8) st_rng_below (rng, C);
  return bench_elementwise (name, run_loss_fwd, run_loss_bwd, &e, 0, rng);
}

/* --- The GEMM layout ---
 *
 * A convolution's products for a slice of n examples can run one example at a time,
 * C[OC, P] = W[OC, K] · cols[K, P], or once for the whole slice with the columns of all
 * examples side by side, C[OC, n·P] (which then needs a scatter back to NCHW). The same
 * choice exists for dW (reduction over n·P) and dcols. Only the products are timed here:
 * if batching does not make them faster, the extra scatter can only make it slower. As in
 * st_conv2d_*, the per-example products reuse one example's cols (K, P), which stays in
 * cache; the batched ones need all n examples' columns (K, n·P). */

static double
gemm_us (int reps, int M, int N, int K, gboolean trans_a, gboolean trans_b, const float *A,
         const float *B, float *C, float beta, int calls, gsize stride_a, gsize stride_b,
         gsize stride_c)
{
  double times[64], start;
  int r = 0;

  start = now ();
  while (r < 64 && (r < reps || now () - start < (quick ? 0.03 : 0.2)))
    {
      double t0 = now ();

      for (int i = 0; i < calls; i++)
        cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                     trans_b ? CblasTrans : CblasNoTrans, M, N, K, 1.0f,
                     A + i * stride_a, trans_a ? M : K, B + i * stride_b, trans_b ? K : N,
                     beta, C + i * stride_c, N);
      times[r++] = (now () - t0) * 1e6;
    }
  qsort (times, r, sizeof (double), compare_doubles);
  return times[r / 2];
}

static void
bench_gemm_layout (const char *name, int n, int OC, int K, int P, StRng *rng)
{
  g_autofree float *w = random_floats ((gsize) OC * K, rng, -1, 1);
  g_autofree float *cols = random_floats ((gsize) n * K * P, rng, -1, 1);
  g_autofree float *y = random_floats ((gsize) n * OC * P, rng, -1, 1);
  g_autofree float *dw = g_new0 (float, (gsize) OC * K);
  double flop = 2.0 * n * OC * K * P;
  double t;

  printf ("  %-16s %-26s", name, "forward  W·cols");
  t = gemm_us (3, OC, P, K, FALSE, FALSE, w, cols, y, 0, n, 0, 0, (gsize) OC * P);
  printf (" %9.1f µs %6.1f GF/s |", t, flop / t * 1e-3);
  t = gemm_us (3, OC, n * P, K, FALSE, FALSE, w, cols, y, 0, 1, 0, 0, 0);
  printf (" %9.1f µs %6.1f GF/s\n", t, flop / t * 1e-3);

  printf ("  %-16s %-26s", "", "dW (OC,K) += dy·colsᵀ");
  t = gemm_us (3, OC, K, P, FALSE, TRUE, y, cols, dw, 1, n, (gsize) OC * P, 0, 0);
  printf (" %9.1f µs %6.1f GF/s |", t, flop / t * 1e-3);
  t = gemm_us (3, OC, K, n * P, FALSE, TRUE, y, cols, dw, 1, 1, 0, 0, 0);
  printf (" %9.1f µs %6.1f GF/s\n", t, flop / t * 1e-3);

  printf ("  %-16s %-26s", "", "dWᵀ (K,OC) += cols·dyᵀ");
  t = gemm_us (3, K, OC, P, FALSE, TRUE, cols, y, dw, 1, n, 0, (gsize) OC * P, 0);
  printf (" %9.1f µs %6.1f GF/s |", t, flop / t * 1e-3);
  t = gemm_us (3, K, OC, n * P, FALSE, TRUE, cols, y, dw, 1, 1, 0, 0, 0);
  printf (" %9.1f µs %6.1f GF/s\n", t, flop / t * 1e-3);

  printf ("  %-16s %-26s", "", "dcols = Wᵀ·dy");
  t = gemm_us (3, K, P, OC, TRUE, FALSE, w, y, cols, 0, n, 0, (gsize) OC * P, 0);
  printf (" %9.1f µs %6.1f GF/s |", t, flop / t * 1e-3);
  t = gemm_us (3, K, n * P, OC, TRUE, FALSE, w, y, cols, 0, 1, 0, 0, 0);
  printf (" %9.1f µs %6.1f GF/s\n", t, flop / t * 1e-3);
}

static StConv2dGeom
conv_geom (int C, int H, int OC, int k, int pad)
{
  return (StConv2dGeom) { .C = C, .H = H, .W = H, .OC = OC, .KH = k, .KW = k, .SH = 1, .SW = 1,
                          .PH = pad, .PW = pad, .DH = 1, .DW = 1 };
}

int
main (int argc, char **argv)
{
  const int n_lenet = 128, n_deep = 16;
  StRng rng;
  double lenet = 0.0, deep = 0.0;
  const char *coretype;

  quick = argc > 1 && strcmp (argv[1], "--quick") == 0;
  openblas_set_num_threads (1);
  st_rng_init (&rng, 1);
  coretype = g_getenv ("OPENBLAS_CORETYPE");
  printf ("%s (core %s); OPENBLAS_CORETYPE=%s\n", openblas_get_config (),
          openblas_get_corename (), coretype != NULL ? coretype : "(unset)");

  print_header ("LeNet-5", n_lenet);
  lenet += bench_conv ("Conv2d 1→6 k5 p2, 28×28 (first)", conv_geom (1, 28, 6, 5, 2), n_lenet,
                       TRUE, &rng);
  lenet += bench_sigmoid ("Sigmoid 6×28×28", 6 * 28 * 28, n_lenet, &rng);
  lenet += bench_avgpool ("AvgPool2d 2, 6×28×28", 6, 28, n_lenet, &rng);
  lenet += bench_conv ("Conv2d 6→16 k5, 14×14", conv_geom (6, 14, 16, 5, 0), n_lenet, FALSE,
                       &rng);
  lenet += bench_sigmoid ("Sigmoid 16×10×10", 16 * 10 * 10, n_lenet, &rng);
  lenet += bench_avgpool ("AvgPool2d 2, 16×10×10", 16, 10, n_lenet, &rng);
  lenet += bench_linear ("Linear 400→120", 400, 120, n_lenet, &rng);
  lenet += bench_sigmoid ("Sigmoid 120", 120, n_lenet, &rng);
  lenet += bench_linear ("Linear 120→84", 120, 84, n_lenet, &rng);
  lenet += bench_sigmoid ("Sigmoid 84", 84, n_lenet, &rng);
  lenet += bench_linear ("Linear 84→10", 84, 10, n_lenet, &rng);
  lenet += bench_loss ("CrossEntropyLoss 10", 10, n_lenet, &rng);
  printf ("  LeNet-5 forward + backward, fast path: %.0f µs per slice, %.1f µs per example "
          "(%.0f examples/s on one thread)\n", lenet, lenet / n_lenet, 1e6 * n_lenet / lenet);

  print_header ("deep CNN (64/128)", n_deep);
  deep += bench_conv ("Conv2d 1→64 k3, 28×28 (first)", conv_geom (1, 28, 64, 3, 0), n_deep, TRUE,
                      &rng);
  deep += bench_maxpool ("MaxPool2d 2, 64×26×26", 64, 26, n_deep, &rng);
  deep += bench_relu ("ReLU 64×13×13", 64 * 13 * 13, n_deep, &rng);
  deep += bench_conv ("Conv2d 64→128 k3, 13×13", conv_geom (64, 13, 128, 3, 0), n_deep, FALSE,
                      &rng);
  deep += bench_maxpool ("MaxPool2d 2, 128×11×11", 128, 11, n_deep, &rng);
  deep += bench_relu ("ReLU 128×5×5", 128 * 5 * 5, n_deep, &rng);
  deep += bench_linear ("Linear 3200→256", 3200, 256, n_deep, &rng);
  printf ("  these layers, forward + backward: %.0f µs per slice, %.1f µs per example\n",
          deep, deep / n_deep);

  printf ("\nGEMM layout of a convolution, 1 thread: per example (n calls) | batched (1 call)\n");
  bench_gemm_layout ("LeNet conv 1", n_lenet, 6, 25, 784, &rng);
  bench_gemm_layout ("LeNet conv 2", n_lenet, 16, 150, 100, &rng);
  bench_gemm_layout ("deep conv 1", n_deep, 64, 9, 676, &rng);
  bench_gemm_layout ("deep conv 2", n_deep, 128, 576, 121, &rng);
  return 0;
}
