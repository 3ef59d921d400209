#define G_LOG_DOMAIN "strata-conv2d"

/* Legend (see conv2d.h): N examples, C/H/W input, OC output channels, KH/KW kernel,
 * SH/SW stride, PH/PW padding, DH/DW dilation, OH/OW output, K = C·KH·KW, P = OH·OW. */

#include "core/ops/conv2d.h"

#include <cblas.h>
#include <string.h>

#include "core/ops/conv2d-direct.h"

/* PyTorch's output size, ⌊(in + 2p − d(k − 1) − 1) / s⌋ + 1; FALSE when it would be < 1. */
static gboolean
output_size (int in, int k, int s, int p, int d, int *out)
{
  gint64 num = (gint64) in + 2 * (gint64) p - (gint64) d * (k - 1) - 1;

  if (num < 0)
    return FALSE;
  num = num / s + 1;
  if (num > G_MAXINT)
    return FALSE;
  *out = (int) num;
  return TRUE;
}

static gboolean is_pointwise (const StConv2dGeom *g);

static gboolean
path_fits (const StConv2dGeom *g, StConv2dPath path, gboolean input)
{
  if (path == ST_CONV2D_PATH_IM2COL)
    return TRUE;
  if (input != (path == ST_CONV2D_PATH_ROWS_INPUT))
    return FALSE;
  return st_conv2d_direct_fits (g, path);
}

/* The products of a layer, each with its own path. */
typedef enum {
  PRODUCT_FORWARD,
  PRODUCT_WEIGHT,
  PRODUCT_INPUT,
} Product;

/* The path of each product, by measurement: the conv shapes of the presets, µs per
 * example on one thread (bench/bench-ops.c "paths"; Zen 5, OpenBLAS Haswell kernels,
 * forward/weight gradient; direct kernels with 8 | 16 lanes):
 *
 *   layer                   im2col       ROWS 8 | 16         CHANNELS 8 | 16
 *   1→6   k5 p2 28×28       7.8/9.8      3.3/4.7 | 2.5/4.7   5.4/6.3 | 5.4/7.3
 *   1→10  k5    28×28       6.3/8.7      3.9/5.7 | 3.7/5.7   5.0/7.4 | 4.2/6.0
 *   1→16  k5    28×28       7.8/10.2     5.8/9.0 | 5.5/8.9   5.6/8.8 | 5.7/7.4
 *   1→64  k3    28×28       12.4/20.5    14.3/21 | 13.9/21   16/28   | 27/27
 *   6→16  k5    14×14       10.5/10.4    8.7/16  | 5.7/16    4.6/5.1 | 3.2/3.5
 *   16→32 k5    12×12       27.7/28.4    21/51   | 20/51     16/16   | 8.0/9.1
 *   88→20 k5    12×12       128/133      82/181  | 77/182    76/72   | 42/45
 *   64→128 k3   13×13       198/196      269/506 | 168/507   188/182 | 89/99
 *
 * So ROWS for up to 10 output channels, CHANNELS wherever a position has at least 16 taps
 * (C·KH·KW), im2col for the rest (the first layer of deep-cnn: 9 taps, 64 channels).
 * The input gradient through ROWS_INPUT (µs, im2col | 8 | 16 lanes): 6→16 k5 14×14
 * 10.9 | 8.9 | 6.0, 16→32 k5 12×12 23 | 38 | 24, 16→24 k3 p1 12×12 16.5 | 16.6 | 11.5,
 * 64→128 k3 13×13 202 | 291 | 194: with 16 lanes wherever the input has channels to
 * speak of and rows of 8; with 8 lanes only where most lanes read data rather than the
 * zero border (OW ≥ 0.6 of W rounded up to 8) and the padded dout stays in L1. */
static StConv2dPath
pick_path (const StConv2dGeom *g, Product product)
{
  gint64 taps = (gint64) g->C * g->KH * g->KW;

  if (is_pointwise (g))
    return ST_CONV2D_PATH_IM2COL;
  if (product == PRODUCT_INPUT)
    {
      gint64 padded_dout = (gint64) g->OC * (g->H + g->DH * (g->KH - 1))
                           * ((g->W + 7) / 8 * 8 + g->DW * (g->KW - 1));

      if (!st_conv2d_direct_fits (g, ST_CONV2D_PATH_ROWS_INPUT) || g->C < 2 || g->W < 8)
        return ST_CONV2D_PATH_IM2COL;
      if (g->lanes == 16
          || (10 * (gint64) g->OW >= 6 * ((g->W + 7) / 8 * 8) && padded_dout <= 8192))
        return ST_CONV2D_PATH_ROWS_INPUT;
      return ST_CONV2D_PATH_IM2COL;
    }
  if (g->OC <= 10 && st_conv2d_direct_fits (g, ST_CONV2D_PATH_ROWS))
    return ST_CONV2D_PATH_ROWS;
  if (taps >= 16 && st_conv2d_direct_fits (g, ST_CONV2D_PATH_CHANNELS))
    return ST_CONV2D_PATH_CHANNELS;
  return ST_CONV2D_PATH_IM2COL;
}

gboolean
st_conv2d_geom_init (StConv2dGeom *geom)
{
  gint64 k, p;

  g_return_val_if_fail (geom != NULL, FALSE);

  geom->OH = geom->OW = 0;
  if (geom->C < 1 || geom->H < 1 || geom->W < 1 || geom->OC < 1
      || geom->KH < 1 || geom->KW < 1 || geom->SH < 1 || geom->SW < 1
      || geom->PH < 0 || geom->PW < 0 || geom->DH < 1 || geom->DW < 1)
    return FALSE;
  if (!output_size (geom->H, geom->KH, geom->SH, geom->PH, geom->DH, &geom->OH)
      || !output_size (geom->W, geom->KW, geom->SW, geom->PW, geom->DW, &geom->OW))
    {
      geom->OH = geom->OW = 0;
      return FALSE;
    }
  /* cblas takes int dimensions: K, P and the per-example sizes must fit; so must the
   * padded map, which bounds every index im2col computes, and padding + stride, which
   * valid_range() rounds up by. */
  k = (gint64) geom->C * geom->KH * geom->KW;
  p = (gint64) geom->OH * geom->OW;
  if (k > G_MAXINT || p > G_MAXINT || (gint64) geom->C * geom->H * geom->W > G_MAXINT
      || geom->H + 2 * (gint64) geom->PH > G_MAXINT || geom->W + 2 * (gint64) geom->PW > G_MAXINT
      || (gint64) geom->PH + geom->SH > G_MAXINT || (gint64) geom->PW + geom->SW > G_MAXINT
      || (gint64) geom->OC * p > G_MAXINT || (gint64) geom->OC * k > G_MAXINT)
    {
      geom->OH = geom->OW = 0;
      return FALSE;
    }
  if (geom->lanes == 0)
    geom->lanes = st_conv2d_direct_default_lanes ();
  if (geom->forward == ST_CONV2D_PATH_AUTO)
    geom->forward = pick_path (geom, PRODUCT_FORWARD);
  if (geom->weight == ST_CONV2D_PATH_AUTO)
    geom->weight = pick_path (geom, PRODUCT_WEIGHT);
  if (geom->input == ST_CONV2D_PATH_AUTO)
    geom->input = pick_path (geom, PRODUCT_INPUT);
  if (!path_fits (geom, geom->forward, FALSE) || !path_fits (geom, geom->weight, FALSE)
      || !path_fits (geom, geom->input, TRUE)
      || (geom->lanes != 8 && (geom->lanes != 16 || !st_conv2d_direct_has_avx512 ())))
    {
      geom->OH = geom->OW = 0;
      return FALSE;
    }
  return TRUE;
}

static gboolean
geom_is_valid (const StConv2dGeom *g)
{
  return g->OH > 0 && g->OW > 0 && g->C > 0 && g->OC > 0 && g->KH > 0 && g->KW > 0;
}

/* A 1×1, stride-1, unpadded convolution reads the input as its own im2col matrix:
 * in[n] viewed as (C, H·W) is cols (K = C, P = H·W). */
static gboolean
is_pointwise (const StConv2dGeom *g)
{
  return g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && g->PH == 0 && g->PW == 0;
}

/* How backward forms dw (OC, K) += Σ_n dout[n] (OC, P) · cols[n] (K, P)ᵀ, by measurement
 * (bench/bench-ops.c, OpenBLAS 0.3.21 Haswell kernels, one thread):
 *  - OC < 8: dw_small_oc below; OpenBLAS reaches 24 GFLOP/s on LeNet's first layer
 *    (6 × 25 outputs, P = 784), the small kernel 37;
 *  - K >= OC: the slice's sum is built transposed, dwt (K, OC), and added into dw once:
 *    1.3× faster for LeNet's second layer (16 × 150);
 *  - otherwise (64 × 9) straight into dw. */
typedef enum {
  DW_SMALL_OC,
  DW_TRANSPOSED,
  DW_DIRECT,
} DwMethod;

static DwMethod
dw_method (const StConv2dGeom *g)
{
  if (g->OC < 8)
    return DW_SMALL_OC;
  return g->C * g->KH * g->KW >= g->OC ? DW_TRANSPOSED : DW_DIRECT;
}

gsize
st_conv2d_scratch_floats (const StConv2dGeom *geom, int n)
{
  gsize k, p, floats = 0;

  g_return_val_if_fail (geom != NULL && geom_is_valid (geom), 0);
  g_return_val_if_fail (n >= 0, 0);

  k = (gsize) geom->C * geom->KH * geom->KW;
  p = (gsize) geom->OH * geom->OW;
  /* One example at a time, whatever n: bench-ops ("GEMM layout") finds the per-example
   * products, whose columns stay in cache, as fast as one product batched across the
   * slice (within 5 %) or faster (up to 1.9×, where the batched columns spill to
   * memory); batching would also need an n-times larger workspace and a scatter back
   * to NCHW. */
  if (!is_pointwise (geom))
    floats += k * p;                     /* cols (K, P); in backward reused as dcols (K, P) */
  if (geom->weight == ST_CONV2D_PATH_IM2COL && dw_method (geom) == DW_TRANSPOSED)
    floats += k * geom->OC;              /* dwt (K, OC) */
  /* The direct kernels run before (weight) or instead of (forward) the columns' use. */
  if (geom->forward == ST_CONV2D_PATH_ROWS || geom->forward == ST_CONV2D_PATH_CHANNELS)
    floats = MAX (floats, st_conv2d_direct_scratch_floats (geom, geom->forward));
  if (geom->weight == ST_CONV2D_PATH_ROWS || geom->weight == ST_CONV2D_PATH_CHANNELS)
    floats = MAX (floats, st_conv2d_direct_scratch_floats (geom, geom->weight));
  if (geom->input == ST_CONV2D_PATH_ROWS_INPUT)
    floats = MAX (floats, st_conv2d_direct_scratch_floats (geom, geom->input));
  return floats;
}

/* 8-lane vectors in GCC's extensions (two SSE2 registers on baseline x86-64, one with
 * AVX2); contraction stays off, so every lane does exactly the scalar IEEE operation.
 * Vectors stay in locals: passed by value, a 32-byte vector makes GCC warn about the
 * AVX calling convention. */
typedef float V8f __attribute__ ((vector_size (32)));

/* Hot kernels are compiled twice, for AVX2 and for the baseline, and picked at load time
 * (target_clones); with contraction off both clones compute the same sums. */
/* Not under ThreadSanitizer: it instruments the resolver that picks a clone, which the
 * loader runs before the sanitizer is set up. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_THREAD__)
#define CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define CLONES
#endif

/* The outputs o in [*lo, *hi) whose input o·s + off lies inside [0, in), where
 * off = k·d − pad is one kernel tap's offset along that axis. */
static inline void
valid_range (int out, int in, int s, int off, int *lo, int *hi)
{
  /* Stride 1 needs no division: im2col and col2im call this once per tap and row, and
   * an integer division costs as much as the copy that follows. */
  int a = off >= 0 ? 0 : s == 1 ? -off : (-off + s - 1) / s;
  int b = in - 1 - off < 0 ? 0 : s == 1 ? in - off : (in - 1 - off) / s + 1;

  a = MIN (a, out);
  b = MIN (b, out);
  *lo = a;
  *hi = MAX (a, b);
}

/* cols (K, P): row (c, kh, kw) holds, for each output position, the input pixel that this
 * kernel tap sees, 0 in the padding. The rows and columns that fall in the padding are
 * found once per tap, so the inner loops only copy or zero. They are plain loops on
 * purpose: with OW around 10, a memcpy/memset call per output row costs 2.5× more
 * (bench-ops). */
CLONES static void
im2col (float *restrict cols, const float *restrict in, const StConv2dGeom *g)
{
  const gsize P = (gsize) g->OH * g->OW;
  float *row = cols;

  for (int c = 0; c < g->C; c++)
    {
      const float *plane = in + (gsize) c * g->H * g->W;

      for (int kh = 0; kh < g->KH; kh++)
        {
          int off_h = kh * g->DH - g->PH, h_lo, h_hi;

          valid_range (g->OH, g->H, g->SH, off_h, &h_lo, &h_hi);
          for (int kw = 0; kw < g->KW; kw++, row += P)
            {
              int off_w = kw * g->DW - g->PW, lo, hi, rows_hi;
              float *dst = row;

              valid_range (g->OW, g->W, g->SW, off_w, &lo, &hi);
              /* output rows [h_lo, rows_hi) see the map; a tap that sees no column sees none */
              rows_hi = lo < hi ? h_hi : h_lo;
              for (gsize j = 0; j < (gsize) h_lo * g->OW; j++)
                dst[j] = 0.0f;
              dst += (gsize) h_lo * g->OW;
              for (int oh = h_lo; oh < rows_hi; oh++, dst += g->OW)
                {
                  const float *src = plane + (gsize) (oh * g->SH + off_h) * g->W
                                     + lo * g->SW + off_w;

                  for (int ow = 0; ow < lo; ow++)
                    dst[ow] = 0.0f;
                  if (g->SW == 1)
                    for (int ow = lo; ow < hi; ow++)
                      dst[ow] = src[ow - lo];
                  else
                    for (int ow = lo; ow < hi; ow++)
                      dst[ow] = src[(gsize) (ow - lo) * g->SW];
                  for (int ow = hi; ow < g->OW; ow++)
                    dst[ow] = 0.0f;
                }
              for (gsize j = 0; j < (gsize) (g->OH - rows_hi) * g->OW; j++)
                dst[j] = 0.0f;
            }
        }
    }
}

/* The adjoint of im2col: din[c, ih, iw] += dcols[(c, kh, kw), (oh, ow)] over every tap
 * that saw (ih, iw); padding positions are dropped. Stride-1 rows add 8 lanes at a time. */
CLONES static void
col2im (float *restrict din, const float *restrict dcols, const StConv2dGeom *g)
{
  const gsize P = (gsize) g->OH * g->OW;
  const float *row = dcols;

  for (int c = 0; c < g->C; c++)
    {
      float *plane = din + (gsize) c * g->H * g->W;

      for (int kh = 0; kh < g->KH; kh++)
        {
          int off_h = kh * g->DH - g->PH, h_lo, h_hi;

          valid_range (g->OH, g->H, g->SH, off_h, &h_lo, &h_hi);
          for (int kw = 0; kw < g->KW; kw++, row += P)
            {
              int off_w = kw * g->DW - g->PW, lo, hi;

              valid_range (g->OW, g->W, g->SW, off_w, &lo, &hi);
              if (lo == hi)
                continue;
              for (int oh = h_lo; oh < h_hi; oh++)
                {
                  const float *src = row + (gsize) oh * g->OW;
                  float *dst = plane + (gsize) (oh * g->SH + off_h) * g->W + lo * g->SW + off_w;

                  if (g->SW == 1)
                    {
                      int ow = lo;
                      for (; ow + 8 <= hi; ow += 8)
                        {
                          V8f a, b;
                          memcpy (&a, dst + (ow - lo), sizeof a);
                          memcpy (&b, src + ow, sizeof b);
                          a += b;
                          memcpy (dst + (ow - lo), &a, sizeof a);
                        }
                      for (; ow < hi; ow++)
                        dst[ow - lo] += src[ow];
                    }
                  else
                    for (int ow = lo; ow < hi; ow++)
                      dst[(gsize) (ow - lo) * g->SW] += src[ow];
                }
            }
        }
    }
}

/* dw (OC, K) += dy (OC, P) · cols (K, P)ᵀ, in register blocks of 2 kernel taps × 4
 * output channels: eight 8-lane accumulators over P, each cols and dy load used 4 and
 * 2 times. Blocks past OC or K repeat the last row and are not stored. */
CLONES static void
dw_small_oc (float *dw, const float *dy, const float *cols, int OC, int K, int P)
{
  const int P8 = P & ~7;

  for (int k = 0; k < K; k += 2)
    {
      const int nk = MIN (K - k, 2);
      const float *c0 = cols + (gsize) k * P, *c1 = cols + (gsize) (k + nk - 1) * P;

      for (int oc = 0; oc < OC; oc += 4)
        {
          const int no = MIN (OC - oc, 4);
          const float *d0 = dy + (gsize) oc * P;
          const float *d1 = dy + (gsize) (oc + MIN (1, no - 1)) * P;
          const float *d2 = dy + (gsize) (oc + MIN (2, no - 1)) * P;
          const float *d3 = dy + (gsize) (oc + MIN (3, no - 1)) * P;
          V8f s00 = { 0 }, s01 = { 0 }, s02 = { 0 }, s03 = { 0 };
          V8f s10 = { 0 }, s11 = { 0 }, s12 = { 0 }, s13 = { 0 };
          float sum[2][4], lanes[8];

          for (int p = 0; p < P8; p += 8)
            {
              V8f a0, a1, b0, b1, b2, b3;

              memcpy (&a0, c0 + p, sizeof a0);
              memcpy (&a1, c1 + p, sizeof a1);
              memcpy (&b0, d0 + p, sizeof b0);
              memcpy (&b1, d1 + p, sizeof b1);
              memcpy (&b2, d2 + p, sizeof b2);
              memcpy (&b3, d3 + p, sizeof b3);
              s00 += a0 * b0;
              s01 += a0 * b1;
              s02 += a0 * b2;
              s03 += a0 * b3;
              s10 += a1 * b0;
              s11 += a1 * b1;
              s12 += a1 * b2;
              s13 += a1 * b3;
            }
#define HSUM(v)                                                                       \
          (memcpy (lanes, &(v), sizeof lanes),                                        \
           ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))                            \
           + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])))
          sum[0][0] = HSUM (s00);
          sum[0][1] = HSUM (s01);
          sum[0][2] = HSUM (s02);
          sum[0][3] = HSUM (s03);
          sum[1][0] = HSUM (s10);
          sum[1][1] = HSUM (s11);
          sum[1][2] = HSUM (s12);
          sum[1][3] = HSUM (s13);
#undef HSUM
          for (int p = P8; p < P; p++)
            {
              sum[0][0] += c0[p] * d0[p];
              sum[0][1] += c0[p] * d1[p];
              sum[0][2] += c0[p] * d2[p];
              sum[0][3] += c0[p] * d3[p];
              sum[1][0] += c1[p] * d0[p];
              sum[1][1] += c1[p] * d1[p];
              sum[1][2] += c1[p] * d2[p];
              sum[1][3] += c1[p] * d3[p];
            }
          for (int i = 0; i < nk; i++)
            for (int j = 0; j < no; j++)
              dw[(gsize) (oc + j) * K + k + i] += sum[i][j];
        }
    }
}

typedef double V4d __attribute__ ((vector_size (32)));
typedef float V4f __attribute__ ((vector_size (16)));

/* db[oc] += Σ over the slice of dy[n, oc, ·], in double: eight running sums (two 4-lane
 * vectors) over each channel's P values, combined in a fixed order, then rounded once. */
CLONES static void
bias_grad (float *db, const float *dout, int n, int OC, int P)
{
  for (int oc = 0; oc < OC; oc++)
    {
      V4d s0 = { 0 }, s1 = { 0 };
      double tail = 0.0;

      for (int i = 0; i < n; i++)
        {
          const float *dy = dout + ((gsize) i * OC + oc) * P;
          int p = 0;

          for (; p + 8 <= P; p += 8)
            {
              V4f a, b;

              memcpy (&a, dy + p, sizeof a);
              memcpy (&b, dy + p + 4, sizeof b);
              s0 += __builtin_convertvector (a, V4d);
              s1 += __builtin_convertvector (b, V4d);
            }
          for (; p < P; p++)
            tail += dy[p];
        }
      s0 += s1;
      db[oc] += (float) (((s0[0] + s0[1]) + (s0[2] + s0[3])) + tail);
    }
}

void
st_conv2d_forward (float              *out,
                   const float        *in,
                   const float        *w,
                   const float        *b,
                   float              *scratch,
                   int                 n,
                   const StConv2dGeom *geom)
{
  int K, P;
  gsize in_size, out_size;
  gboolean pointwise;

  g_return_if_fail (geom != NULL && geom_is_valid (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (out != NULL && in != NULL && w != NULL));
  pointwise = is_pointwise (geom);
  g_return_if_fail (pointwise || n == 0 || scratch != NULL);

  if (geom->forward == ST_CONV2D_PATH_ROWS || geom->forward == ST_CONV2D_PATH_CHANNELS)
    {
      st_conv2d_direct_forward (out, in, w, b, scratch, n, geom, geom->forward);
      return;
    }

  K = geom->C * geom->KH * geom->KW;
  P = geom->OH * geom->OW;
  in_size = (gsize) geom->C * geom->H * geom->W;
  out_size = (gsize) geom->OC * P;

  for (int i = 0; i < n; i++)
    {
      const float *x = in + i * in_size;                   /* (C, H, W) */
      float *y = out + i * out_size;                       /* (OC, P) */
      const float *cols = x;                               /* (K, P) */

      if (!pointwise)
        {
          im2col (scratch, x, geom);
          cols = scratch;
        }
      if (b != NULL)
        for (int oc = 0; oc < geom->OC; oc++)
          for (int p = 0; p < P; p++)
            y[(gsize) oc * P + p] = b[oc];
      /* y (OC, P) = w (OC, K) · cols (K, P) [+ y, holding the bias] */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, geom->OC, P, K,
                   1.0f, w, K, cols, P, b != NULL ? 1.0f : 0.0f, y, P);
    }
}

void
st_conv2d_backward (float              *din,
                    float              *dw,
                    float              *db,
                    const float        *dout,
                    const float        *in,
                    const float        *w,
                    float              *scratch,
                    int                 n,
                    const StConv2dGeom *geom,
                    StGradMode          mode)
{
  int K, P, OC;
  gsize in_size, out_size;
  gboolean pointwise, im2col_weight;
  DwMethod method;
  float *cols, *dwt;

  g_return_if_fail (geom != NULL && geom_is_valid (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  g_return_if_fail (n == 0 || (dw != NULL && dout != NULL && in != NULL && w != NULL));
  g_return_if_fail (n == 0 || scratch != NULL || st_conv2d_scratch_floats (geom, n) == 0);
  if (n == 0)
    return;

  K = geom->C * geom->KH * geom->KW;
  P = geom->OH * geom->OW;
  OC = geom->OC;
  in_size = (gsize) geom->C * geom->H * geom->W;
  out_size = (gsize) OC * P;
  pointwise = is_pointwise (geom);
  im2col_weight = geom->weight != ST_CONV2D_PATH_ROWS && geom->weight != ST_CONV2D_PATH_CHANNELS;
  method = dw_method (geom);
  cols = pointwise ? NULL : scratch;                       /* (K, P) */
  dwt = !im2col_weight || method != DW_TRANSPOSED ? NULL
        : pointwise ? scratch : scratch + (gsize) K * P;   /* (K, OC) */

  if (db != NULL)
    bias_grad (db, dout, n, OC, P);
  if (!im2col_weight)
    st_conv2d_direct_backward_weight (dw, dout, in, scratch, n, geom, geom->weight);
  if (din != NULL && geom->input == ST_CONV2D_PATH_ROWS_INPUT)
    {
      st_conv2d_direct_backward_input (din, dout, w, scratch, n, geom, mode);
      din = NULL;
    }
  if (!im2col_weight && din == NULL)
    return;

  for (int i = 0; i < n; i++)
    {
      const float *x = in + i * in_size;                   /* (C, H, W) */
      const float *dy = dout + i * out_size;               /* (OC, P) */
      const float *xcols = x;                              /* (K, P) */

      if (im2col_weight)
        {
          if (!pointwise)
            {
              im2col (cols, x, geom);
              xcols = cols;
            }
          if (method == DW_SMALL_OC)
            dw_small_oc (dw, dy, xcols, OC, K, P);
          else if (method == DW_TRANSPOSED)
            /* dwt (K, OC) (+)= cols (K, P) · dyᵀ (P, OC) */
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, K, OC, P,
                         1.0f, xcols, P, dy, P, i == 0 ? 0.0f : 1.0f, dwt, OC);
          else
            /* dw (OC, K) += dy (OC, P) · colsᵀ (P, K) */
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, OC, K, P,
                         1.0f, dy, P, xcols, P, 1.0f, dw, K);
        }

      if (din == NULL)
        continue;
      if (pointwise)
        {
          /* din[n] (C, P) (+)= wᵀ (C, OC) · dy (OC, P) */
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, P, OC,
                       1.0f, w, K, dy, P, mode == ST_GRAD_ADD ? 1.0f : 0.0f,
                       din + i * in_size, P);
        }
      else
        {
          /* dcols (K, P) = wᵀ (K, OC) · dy (OC, P), then scattered back onto the map. */
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, P, OC,
                       1.0f, w, K, dy, P, 0.0f, cols, P);
          if (mode == ST_GRAD_WRITE)
            memset (din + i * in_size, 0, sizeof (float) * in_size);
          col2im (din + i * in_size, cols, geom);
        }
    }

  if (dwt != NULL)
    for (int oc = 0; oc < OC; oc++)
      for (int k = 0; k < K; k++)
        dw[(gsize) oc * K + k] += dwt[(gsize) k * OC + oc];
}

void
st_conv2d_forward_naive (float              *out,
                         const float        *in,
                         const float        *w,
                         const float        *b,
                         int                 n,
                         const StConv2dGeom *g)
{
  g_return_if_fail (g != NULL && geom_is_valid (g));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (out != NULL && in != NULL && w != NULL));

  for (int i = 0; i < n; i++)
    for (int oc = 0; oc < g->OC; oc++)
      for (int oh = 0; oh < g->OH; oh++)
        for (int ow = 0; ow < g->OW; ow++)
          {
            double acc = b != NULL ? b[oc] : 0.0;

            for (int c = 0; c < g->C; c++)
              for (int kh = 0; kh < g->KH; kh++)
                for (int kw = 0; kw < g->KW; kw++)
                  {
                    int ih = oh * g->SH - g->PH + kh * g->DH;
                    int iw = ow * g->SW - g->PW + kw * g->DW;

                    if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W)
                      continue;
                    acc += (double) w[(((gsize) oc * g->C + c) * g->KH + kh) * g->KW + kw]
                           * in[(((gsize) i * g->C + c) * g->H + ih) * g->W + iw];
                  }
            out[(((gsize) i * g->OC + oc) * g->OH + oh) * g->OW + ow] = (float) acc;
          }
}

void
st_conv2d_backward_naive (float              *din,
                          float              *dw,
                          float              *db,
                          const float        *dout,
                          const float        *in,
                          const float        *w,
                          int                 n,
                          const StConv2dGeom *g,
                          StGradMode          mode)
{
  gsize in_count, w_count;
  double *dx, *dk, *dbias;                 /* (N, C, H, W), (OC, C, KH, KW), (OC) */

  g_return_if_fail (g != NULL && geom_is_valid (g));
  g_return_if_fail (n >= 0);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  g_return_if_fail (n == 0 || (dw != NULL && dout != NULL && in != NULL && w != NULL));
  if (n == 0)
    return;

  in_count = (gsize) n * g->C * g->H * g->W;
  w_count = (gsize) g->OC * g->C * g->KH * g->KW;
  dx = g_new0 (double, in_count);
  dk = g_new0 (double, w_count);
  dbias = g_new0 (double, g->OC);

  for (int i = 0; i < n; i++)
    for (int oc = 0; oc < g->OC; oc++)
      for (int oh = 0; oh < g->OH; oh++)
        for (int ow = 0; ow < g->OW; ow++)
          {
            double dy = dout[(((gsize) i * g->OC + oc) * g->OH + oh) * g->OW + ow];

            dbias[oc] += dy;
            for (int c = 0; c < g->C; c++)
              for (int kh = 0; kh < g->KH; kh++)
                for (int kw = 0; kw < g->KW; kw++)
                  {
                    int ih = oh * g->SH - g->PH + kh * g->DH;
                    int iw = ow * g->SW - g->PW + kw * g->DW;
                    gsize xi, wi;

                    if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W)
                      continue;
                    xi = (((gsize) i * g->C + c) * g->H + ih) * g->W + iw;
                    wi = (((gsize) oc * g->C + c) * g->KH + kh) * g->KW + kw;
                    dk[wi] += dy * in[xi];
                    dx[xi] += dy * w[wi];
                  }
          }

  for (gsize j = 0; j < w_count; j++)
    dw[j] += (float) dk[j];
  if (db != NULL)
    for (int oc = 0; oc < g->OC; oc++)
      db[oc] += (float) dbias[oc];
  if (din != NULL)
    for (gsize j = 0; j < in_count; j++)
      din[j] = (float) (mode == ST_GRAD_ADD ? din[j] + dx[j] : dx[j]);

  g_free (dx);
  g_free (dk);
  g_free (dbias);
}
