#define G_LOG_DOMAIN "strata-pool2d"

/* Legend (see pool2d.h): N examples, C channels, H/W input, KH/KW window, SH/SW stride,
 * DH/DW dilation (max pooling only), PH/PW padding, OH/OW output. Every op walks the N·C
 * maps ("planes") independently. */

#include "core/ops/pool2d.h"

#include <math.h>
#include <string.h>

static gboolean
is_dilated (const StPool2dGeom *g)
{
  return g->DH != 1 || g->DW != 1;
}

/* Does every one of the `out` windows along an axis take at least one input position?
 * With dilation, a window near a small map's padded edge can fall between the rows. */
static gboolean
axis_windows_hit (gint64 in, gint64 k, gint64 s, gint64 p, gint64 d, gint64 out)
{
  for (gint64 o = 0; o < out; o++)
    {
      gint64 first = o * s - p;
      gint64 end = MIN (first + d * (k - 1) + 1, in);

      if (first < 0)
        first += (-first + d - 1) / d * d;
      if (first >= end)
        return FALSE;
    }
  return TRUE;
}

gboolean
st_pool2d_geom_init (StPool2dGeom *geom)
{
  gint64 eh, ew, oh, ow;

  g_return_val_if_fail (geom != NULL, FALSE);

  geom->OH = geom->OW = 0;
  if (geom->DH == 0)
    geom->DH = 1;
  if (geom->DW == 0)
    geom->DW = 1;
  if (geom->C < 1 || geom->H < 1 || geom->W < 1 || geom->KH < 1 || geom->KW < 1
      || geom->SH < 1 || geom->SW < 1 || geom->DH < 1 || geom->DW < 1 || geom->PH < 0
      || geom->PW < 0)
    return FALSE;
  /* The spanned window EH × EW; with no dilation, KH × KW. */
  eh = (gint64) geom->DH * (geom->KH - 1) + 1;
  ew = (gint64) geom->DW * (geom->KW - 1) + 1;
  if (geom->PH > eh / 2 || geom->PW > ew / 2)
    return FALSE;
  oh = (gint64) geom->H + 2 * (gint64) geom->PH - eh;
  ow = (gint64) geom->W + 2 * (gint64) geom->PW - ew;
  if (oh < 0 || ow < 0)
    return FALSE;
  oh = oh / geom->SH + 1;
  ow = ow / geom->SW + 1;
  /* The window's rows are stepped through by DH in int: h + DH must not pass G_MAXINT
   * (a 1-tap window may have any dilation). */
  if ((gint64) geom->C * geom->H * geom->W > G_MAXINT || (gint64) geom->C * oh * ow > G_MAXINT
      || eh > G_MAXINT / 2 || ew > G_MAXINT / 2
      || (gint64) geom->H + geom->DH > G_MAXINT || (gint64) geom->W + geom->DW > G_MAXINT)
    return FALSE;
  if (is_dilated (geom)
      && (!axis_windows_hit (geom->H, geom->KH, geom->SH, geom->PH, geom->DH, oh)
          || !axis_windows_hit (geom->W, geom->KW, geom->SW, geom->PW, geom->DW, ow)))
    return FALSE;
  geom->OH = (int) oh;
  geom->OW = (int) ow;
  return TRUE;
}

static gboolean
pool_geom_is_valid (const StPool2dGeom *g)
{
  return g->OH > 0 && g->OW > 0 && g->C > 0 && g->KH > 0 && g->KW > 0;
}

/* The 2×2, stride-2, unpadded window of LeNet and most CNNs gets unrolled loops: no window
 * clipping, four loads per output. Results are bitwise those of the general loops (same
 * comparisons in the same order for max, the same double sum for avg). */
static gboolean
is_2x2 (const StPool2dGeom *g)
{
  return g->KH == 2 && g->KW == 2 && g->SH == 2 && g->SW == 2 && g->PH == 0 && g->PW == 0
         && g->DH == 1 && g->DW == 1;
}

/* The window of output (oh, ow), as PyTorch computes it: [h0, h1) × [w0, w1) clipped to the
 * map, and its size before clipping to the map but after clipping to the padded map — the
 * count_include_pad divisor. */
typedef struct {
  int h0, h1, w0, w1;
  int pool_size;
} Window;

static inline Window
window (const StPool2dGeom *g, int oh, int ow)
{
  Window r;
  int h0 = oh * g->SH - g->PH, w0 = ow * g->SW - g->PW;
  int h1 = MIN (h0 + g->KH, g->H + g->PH), w1 = MIN (w0 + g->KW, g->W + g->PW);

  r.pool_size = (h1 - h0) * (w1 - w0);
  r.h0 = MAX (h0, 0);
  r.w0 = MAX (w0, 0);
  r.h1 = MIN (h1, g->H);
  r.w1 = MIN (w1, g->W);
  return r;
}

/* 8-lane vectors in GCC's extensions; comparisons and selects only, so every clone gives
 * the same result. */
typedef float  V8f __attribute__ ((vector_size (32)));
typedef gint32 V8i __attribute__ ((vector_size (32)));

/* Lane shuffles: the even or odd lanes of a and b side by side; each of the low or high four
 * lanes of a twice. GCC's __builtin_shuffle takes the mask as a vector; clang (the fuzzing
 * build) has only __builtin_shufflevector, with the lanes as constants. */
#if defined(__clang__)
#define EVEN8(a, b) __builtin_shufflevector (a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#define ODD8(a, b)  __builtin_shufflevector (a, b, 1, 3, 5, 7, 9, 11, 13, 15)
#define LOW8(a)     __builtin_shufflevector (a, a, 0, 0, 1, 1, 2, 2, 3, 3)
#define HIGH8(a)    __builtin_shufflevector (a, a, 4, 4, 5, 5, 6, 6, 7, 7)
#else
#define EVEN8(a, b) __builtin_shuffle (a, b, (V8i) { 0, 2, 4, 6, 8, 10, 12, 14 })
#define ODD8(a, b)  __builtin_shuffle (a, b, (V8i) { 1, 3, 5, 7, 9, 11, 13, 15 })
#define LOW8(a)     __builtin_shuffle (a, (V8i) { 0, 0, 1, 1, 2, 2, 3, 3 })
#define HIGH8(a)    __builtin_shuffle (a, (V8i) { 4, 4, 5, 5, 6, 6, 7, 7 })
#endif

/* Not under ThreadSanitizer: it instruments the resolver that picks a clone, which the
 * loader runs before the sanitizer is set up. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_THREAD__)
#define CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define CLONES
#endif

/* One candidate of a window: it replaces the best so far when greater, or when NaN (so
 * that a NaN wins, the last one if several), exactly the scalar rule below. */
#define TAKE(best, best_i, v, vi)                                                     \
  G_STMT_START {                                                                      \
    V8i take_ = ((v) > (best)) | ((v) != (v));                                            \
    (best) = (V8f) (((V8i) (v) & take_) | ((V8i) (best) & ~take_));                   \
    (best_i) = ((vi) & take_) | ((best_i) & ~take_);                                  \
  } G_STMT_END

/* The 2×2, stride-2 window over one (H, W) plane, without branches on the data: 8
 * outputs at a time from two 16-float row pieces split into even and odd columns; a row's
 * last 8 outputs are computed ending at OW (again, with the same results) when OW is not
 * a multiple of 8, and maps narrower than 8 outputs go through the scalar loop. */
CLONES static void
maxpool_2x2_plane (float *restrict y, gint32 *restrict idx, const float *restrict x, int W,
                   int OH, int OW)
{
  const V8i step = { 0, 2, 4, 6, 8, 10, 12, 14 };

  for (int oh = 0; oh < OH; oh++)
    {
      const float *r0 = x + (gsize) 2 * oh * W, *r1 = r0 + W;
      int ow = 0;

      if (OW >= 8)
        for (int o0 = 0; o0 < OW; o0 += 8)
          {
            int o = MIN (o0, OW - 8);
            V8f a0, a1, b0, b1, best = -(V8f) { INFINITY, INFINITY, INFINITY, INFINITY,
                                                INFINITY, INFINITY, INFINITY, INFINITY };
            V8f v;
            V8i i0 = step + 2 * oh * W + 2 * o, best_i = i0;

            memcpy (&a0, r0 + 2 * o, sizeof a0);
            memcpy (&a1, r0 + 2 * o + 8, sizeof a1);
            memcpy (&b0, r1 + 2 * o, sizeof b0);
            memcpy (&b1, r1 + 2 * o + 8, sizeof b1);
            v = EVEN8 (a0, a1);
            TAKE (best, best_i, v, i0);
            v = ODD8 (a0, a1);
            TAKE (best, best_i, v, i0 + 1);
            v = EVEN8 (b0, b1);
            TAKE (best, best_i, v, i0 + W);
            v = ODD8 (b0, b1);
            TAKE (best, best_i, v, i0 + W + 1);
            memcpy (y + oh * OW + o, &best, sizeof best);
            memcpy (idx + oh * OW + o, &best_i, sizeof best_i);
            ow = OW;
          }
      for (; ow < OW; ow++)
        {
          const gint32 i0 = 2 * oh * W + 2 * ow;
          const gint32 cand[4] = { i0, i0 + 1, i0 + W, i0 + W + 1 };
          float best = -INFINITY;
          gint32 best_i = i0;

          for (int j = 0; j < 4; j++)
            if (x[cand[j]] > best || isnan (x[cand[j]]))
              {
                best = x[cand[j]];
                best_i = cand[j];
              }
          y[oh * OW + ow] = best;
          idx[oh * OW + ow] = best_i;
        }
    }
}

void
st_maxpool2d_forward (float              *out,
                      const float        *in,
                      gint32             *argmax,
                      int                 n,
                      const StPool2dGeom *geom)
{
  gsize planes;

  g_return_if_fail (geom != NULL && pool_geom_is_valid (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (out != NULL && in != NULL && argmax != NULL));

  planes = (gsize) n * geom->C;

  for (gsize pl = 0; pl < planes; pl++)
    {
      const float *x = in + pl * geom->H * geom->W;        /* (H, W) */
      float *y = out + pl * geom->OH * geom->OW;           /* (OH, OW) */
      gint32 *idx = argmax + pl * geom->OH * geom->OW;     /* (OH, OW) */

      if (is_2x2 (geom))
        {
          maxpool_2x2_plane (y, idx, x, geom->W, geom->OH, geom->OW);
          continue;
        }
      for (int oh = 0; oh < geom->OH; oh++)
        for (int ow = 0; ow < geom->OW; ow++)
          {
            /* PyTorch's window: rows h0, h0 + DH, … below h1, the first one moved past the
             * top padding by whole steps of DH (columns likewise). With DH = DW = 1 this is
             * window()'s clipped rectangle. */
            int h0 = oh * geom->SH - geom->PH, w0 = ow * geom->SW - geom->PW;
            int h1 = MIN (h0 + geom->DH * (geom->KH - 1) + 1, geom->H);
            int w1 = MIN (w0 + geom->DW * (geom->KW - 1) + 1, geom->W);
            gint32 best_i;
            float best = -INFINITY;

            while (h0 < 0)
              h0 += geom->DH;
            while (w0 < 0)
              w0 += geom->DW;
            best_i = h0 * geom->W + w0;
            for (int h = h0; h < h1; h += geom->DH)
              for (int w = w0; w < w1; w += geom->DW)
                {
                  float v = x[h * geom->W + w];

                  if (v > best || isnan (v))
                    {
                      best = v;
                      best_i = h * geom->W + w;
                    }
                }
            y[oh * geom->OW + ow] = best;
            idx[oh * geom->OW + ow] = best_i;
          }
    }
}

void
st_maxpool2d_backward (float              *din,
                       const float        *dout,
                       const gint32       *argmax,
                       int                 n,
                       const StPool2dGeom *geom,
                       StGradMode          mode)
{
  gsize planes, in_plane, out_plane;

  g_return_if_fail (geom != NULL && pool_geom_is_valid (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  if (din == NULL || n == 0)
    return;
  g_return_if_fail (dout != NULL && argmax != NULL);

  planes = (gsize) n * geom->C;
  in_plane = (gsize) geom->H * geom->W;
  out_plane = (gsize) geom->OH * geom->OW;
  if (mode == ST_GRAD_WRITE)
    memset (din, 0, sizeof (float) * planes * in_plane);
  for (gsize pl = 0; pl < planes; pl++)
    {
      float *dx = din + pl * in_plane;
      const float *dy = dout + pl * out_plane;
      const gint32 *idx = argmax + pl * out_plane;

      for (gsize o = 0; o < out_plane; o++)
        {
          /* a cache that did not come from st_maxpool2d_forward with this geometry */
          g_return_if_fail (idx[o] >= 0 && (gsize) idx[o] < in_plane);
          dx[idx[o]] += dy[o];
        }
    }
}

/* The 2×2, stride-2 average over one plane: the same double sum as the general loop,
 * ((a + b) + c) + d then / 4, 8 outputs at a time (even and odd columns split by
 * shuffles, the sums in two 4-lane double vectors); a row's last 8 are computed ending at
 * OW, and maps narrower than 8 outputs go through the scalar loop. */
typedef double V4d __attribute__ ((vector_size (32)));
typedef float  V4f __attribute__ ((vector_size (16)));

CLONES static void
avgpool_2x2_plane (float *restrict y, const float *restrict x, int W, int OH, int OW)
{
  for (int oh = 0; oh < OH; oh++)
    {
      const float *r0 = x + (gsize) 2 * oh * W, *r1 = r0 + W;
      int ow = 0;

      if (OW >= 8)
        for (int o0 = 0; o0 < OW; o0 += 8)
          {
            int o = MIN (o0, OW - 8);
            V8f a0, a1, b0, b1, v[4], mean;

            memcpy (&a0, r0 + 2 * o, sizeof a0);
            memcpy (&a1, r0 + 2 * o + 8, sizeof a1);
            memcpy (&b0, r1 + 2 * o, sizeof b0);
            memcpy (&b1, r1 + 2 * o + 8, sizeof b1);
            v[0] = EVEN8 (a0, a1);
            v[1] = ODD8 (a0, a1);
            v[2] = EVEN8 (b0, b1);
            v[3] = ODD8 (b0, b1);
            for (int h = 0; h < 2; h++)
              {
                V4d sum = { 0 };

                for (int j = 0; j < 4; j++)
                  {
                    V4f part;

                    memcpy (&part, (float *) &v[j] + 4 * h, sizeof part);
                    sum = j == 0 ? __builtin_convertvector (part, V4d)
                                 : sum + __builtin_convertvector (part, V4d);
                  }
                sum /= 4;
                {
                  V4f m = __builtin_convertvector (sum, V4f);

                  memcpy ((float *) &mean + 4 * h, &m, sizeof m);
                }
              }
            memcpy (y + oh * OW + o, &mean, sizeof mean);
            ow = OW;
          }
      for (; ow < OW; ow++)
        y[oh * OW + ow] = (float) (((((double) r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow])
                                    + r1[2 * ow + 1]) / 4);
    }
}

/* Its adjoint: each input of a window gets dy / 4 (in float, as the general loop), 8
 * windows at a time; the last 8 of a row end at OW when writing (the same values twice),
 * the leftovers one by one when adding. */
CLONES static void
avgpool_2x2_plane_backward (float *restrict dx, const float *restrict dy, int W, int OH,
                            int OW, StGradMode mode)
{
  for (int oh = 0; oh < OH; oh++)
    {
      float *r0 = dx + (gsize) 2 * oh * W, *r1 = r0 + W;
      const float *d = dy + (gsize) oh * OW;
      int ow = 0;

      for (int o0 = 0; OW >= 8 && o0 < OW; o0 += 8)
        {
          int o = MIN (o0, OW - 8);
          V8f g, g0, g1;

          if (o != o0 && mode == ST_GRAD_ADD)
            break;
          memcpy (&g, d + o, sizeof g);
          g /= 4.0f;
          g0 = LOW8 (g);
          g1 = HIGH8 (g);
          if (mode == ST_GRAD_ADD)
            {
              V8f p;

              memcpy (&p, r0 + 2 * o, sizeof p);
              p += g0;
              memcpy (r0 + 2 * o, &p, sizeof p);
              memcpy (&p, r0 + 2 * o + 8, sizeof p);
              p += g1;
              memcpy (r0 + 2 * o + 8, &p, sizeof p);
              memcpy (&p, r1 + 2 * o, sizeof p);
              p += g0;
              memcpy (r1 + 2 * o, &p, sizeof p);
              memcpy (&p, r1 + 2 * o + 8, sizeof p);
              p += g1;
              memcpy (r1 + 2 * o + 8, &p, sizeof p);
            }
          else
            {
              memcpy (r0 + 2 * o, &g0, sizeof g0);
              memcpy (r0 + 2 * o + 8, &g1, sizeof g1);
              memcpy (r1 + 2 * o, &g0, sizeof g0);
              memcpy (r1 + 2 * o + 8, &g1, sizeof g1);
            }
          ow = o + 8;
        }
      for (; ow < OW; ow++)
        {
          float g = d[ow] / 4.0f;

          if (mode == ST_GRAD_ADD)
            {
              r0[2 * ow] += g;
              r0[2 * ow + 1] += g;
              r1[2 * ow] += g;
              r1[2 * ow + 1] += g;
            }
          else
            r0[2 * ow] = r0[2 * ow + 1] = r1[2 * ow] = r1[2 * ow + 1] = g;
        }
    }
}

void
st_avgpool2d_forward (float              *out,
                      const float        *in,
                      int                 n,
                      const StPool2dGeom *geom)
{
  gsize planes;

  g_return_if_fail (geom != NULL && pool_geom_is_valid (geom) && !is_dilated (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (out != NULL && in != NULL));

  planes = (gsize) n * geom->C;

  for (gsize pl = 0; pl < planes; pl++)
    {
      const float *x = in + pl * geom->H * geom->W;        /* (H, W) */
      float *y = out + pl * geom->OH * geom->OW;           /* (OH, OW) */

      if (is_2x2 (geom))
        {
          avgpool_2x2_plane (y, x, geom->W, geom->OH, geom->OW);
          continue;
        }
      for (int oh = 0; oh < geom->OH; oh++)
        for (int ow = 0; ow < geom->OW; ow++)
          {
            Window r = window (geom, oh, ow);
            double s = 0.0;

            for (int h = r.h0; h < r.h1; h++)
              for (int w = r.w0; w < r.w1; w++)
                s += x[h * geom->W + w];
            y[oh * geom->OW + ow] = (float) (s / r.pool_size);
          }
    }
}

void
st_avgpool2d_backward (float              *din,
                       const float        *dout,
                       int                 n,
                       const StPool2dGeom *geom,
                       StGradMode          mode)
{
  gsize planes, in_plane, out_plane;

  g_return_if_fail (geom != NULL && pool_geom_is_valid (geom) && !is_dilated (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  if (din == NULL || n == 0)
    return;
  g_return_if_fail (dout != NULL);

  planes = (gsize) n * geom->C;
  in_plane = (gsize) geom->H * geom->W;
  out_plane = (gsize) geom->OH * geom->OW;
  if (is_2x2 (geom))
    {
      /* An odd last row or column lies in no window: WRITE must still zero it. */
      gboolean uncovered = geom->H != 2 * geom->OH || geom->W != 2 * geom->OW;

      if (mode == ST_GRAD_WRITE && uncovered)
        memset (din, 0, sizeof (float) * planes * in_plane);
      for (gsize pl = 0; pl < planes; pl++)
        avgpool_2x2_plane_backward (din + pl * in_plane, dout + pl * out_plane, geom->W,
                                    geom->OH, geom->OW, mode);
      return;
    }
  if (mode == ST_GRAD_WRITE)
    memset (din, 0, sizeof (float) * planes * in_plane);
  for (gsize pl = 0; pl < planes; pl++)
    {
      float *dx = din + pl * in_plane;
      const float *dy = dout + pl * out_plane;

      for (int oh = 0; oh < geom->OH; oh++)
        for (int ow = 0; ow < geom->OW; ow++)
          {
            Window r = window (geom, oh, ow);
            float g = dy[oh * geom->OW + ow] / (float) r.pool_size;

            for (int h = r.h0; h < r.h1; h++)
              for (int w = r.w0; w < r.w1; w++)
                dx[h * geom->W + w] += g;
          }
    }
}

gboolean
st_adaptive_pool2d_geom_init (StAdaptivePool2dGeom *geom)
{
  g_return_val_if_fail (geom != NULL, FALSE);

  return geom->C >= 1 && geom->H >= 1 && geom->W >= 1 && geom->OH >= 1 && geom->OW >= 1
         && (gint64) geom->C * geom->H * geom->W <= G_MAXINT
         && (gint64) geom->C * geom->OH * geom->OW <= G_MAXINT;
}

static gboolean
adaptive_geom_is_valid (const StAdaptivePool2dGeom *g)
{
  return g->C >= 1 && g->H >= 1 && g->W >= 1 && g->OH >= 1 && g->OW >= 1;
}

/* Bin i of `out` bins over `in` cells: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
static inline int
bin_start (int i, int out, int in)
{
  return (int) (((gint64) i * in) / out);
}

static inline int
bin_end (int i, int out, int in)
{
  return (int) (((gint64) (i + 1) * in + out - 1) / out);
}

void
st_adaptive_avgpool2d_forward (float                      *out,
                               const float                *in,
                               int                         n,
                               const StAdaptivePool2dGeom *geom)
{
  gsize planes;

  g_return_if_fail (geom != NULL && adaptive_geom_is_valid (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (out != NULL && in != NULL));

  planes = (gsize) n * geom->C;

  for (gsize pl = 0; pl < planes; pl++)
    {
      const float *x = in + pl * geom->H * geom->W;        /* (H, W) */
      float *y = out + pl * geom->OH * geom->OW;           /* (OH, OW) */

      for (int oh = 0; oh < geom->OH; oh++)
        {
          int h0 = bin_start (oh, geom->OH, geom->H), h1 = bin_end (oh, geom->OH, geom->H);

          for (int ow = 0; ow < geom->OW; ow++)
            {
              int w0 = bin_start (ow, geom->OW, geom->W), w1 = bin_end (ow, geom->OW, geom->W);
              double s = 0.0;

              for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                  s += x[h * geom->W + w];
              y[oh * geom->OW + ow] = (float) (s / ((h1 - h0) * (w1 - w0)));
            }
        }
    }
}

void
st_adaptive_avgpool2d_backward (float                      *din,
                                const float                *dout,
                                int                         n,
                                const StAdaptivePool2dGeom *geom,
                                StGradMode                  mode)
{
  gsize planes, in_plane, out_plane;

  g_return_if_fail (geom != NULL && adaptive_geom_is_valid (geom));
  g_return_if_fail (n >= 0);
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  if (din == NULL || n == 0)
    return;
  g_return_if_fail (dout != NULL);

  planes = (gsize) n * geom->C;
  in_plane = (gsize) geom->H * geom->W;
  out_plane = (gsize) geom->OH * geom->OW;
  if (mode == ST_GRAD_WRITE)
    memset (din, 0, sizeof (float) * planes * in_plane);
  for (gsize pl = 0; pl < planes; pl++)
    {
      float *dx = din + pl * in_plane;
      const float *dy = dout + pl * out_plane;

      for (int oh = 0; oh < geom->OH; oh++)
        {
          int h0 = bin_start (oh, geom->OH, geom->H), h1 = bin_end (oh, geom->OH, geom->H);

          for (int ow = 0; ow < geom->OW; ow++)
            {
              int w0 = bin_start (ow, geom->OW, geom->W), w1 = bin_end (ow, geom->OW, geom->W);
              float g = dy[oh * geom->OW + ow] / (float) ((h1 - h0) * (w1 - w0));

              for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                  dx[h * geom->W + w] += g;
            }
        }
    }
}
