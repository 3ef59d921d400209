#define G_LOG_DOMAIN "strata-conv2d"

/* Direct convolution, ROWS path: the forward (also the input gradient, as a transposed
 * convolution) and the weight gradient. See conv2d-direct.c for the legend,
 * conv2d-blocks.h for the vectors and macros. */

#include "core/ops/conv2d-direct-rows.h"

/* ---- ROWS forward ----------------------------------------------------------------------
 * Tile: NO output channels × NR output rows × NU vectors of L columns, columns [0, L·NU)
 * from xrow on (rows xstride apart in xpad, ystride apart in y). wk (K, NO) holds the
 * block's weights. Taps [k_lo, k_hi) only; the others would read padding rows. Channels
 * past `no`, columns outside [col_lo, ncol) and rows before row_lo are computed but not
 * stored; add: y += the sum instead of y = it. */
#define DEFINE_ROWS_FORWARD(V, L, SPLAT)                                              \
INLINE void                                                                           \
rows_forward_tile_##L (float *restrict y, gsize P, gsize ystride, int col_lo, int ncol, \
                       int row_lo, const float *restrict xrow, gsize xstride,         \
                       const gint32 *restrict toff, int k_lo, int k_hi,               \
                       const float *restrict wk, const float *restrict bias, int no,  \
                       gboolean add, const int NO, const int NR, const int NU)        \
{                                                                                     \
  const int NX = NR * NU;                 /* vectors per channel */                   \
  V acc[TILE] = { 0 };                                                                \
  float total[TILE * L];                  /* the finished blocks' sums */             \
                                                                                      \
  UNROLL                                                                              \
  for (int o = 0; o < NO; o++)                                                        \
    {                                                                                 \
      V b = SPLAT (bias != NULL ? bias[MIN (o, no - 1)] : 0.0f);                      \
                                                                                      \
      UNROLL                                                                          \
      for (int u = 0; u < NX; u++)                                                    \
        acc[o * NX + u] = b;                                                          \
    }                                                                                 \
  if (k_lo / SUM_BLOCK != (k_hi - 1) / SUM_BLOCK)                                     \
    memset (total, 0, sizeof (float) * NO * NX * L);                                  \
  for (int k0 = k_lo, k1; k0 < k_hi; k0 = k1)                                         \
    {                                                                                 \
      k1 = MIN ((k0 / SUM_BLOCK + 1) * SUM_BLOCK, k_hi);                              \
      if (k0 > k_lo)                                                                  \
        UNROLL                                                                        \
        for (int i = 0; i < NO * NX; i++)                                             \
          BLOCK_SUM (V, L, total, i, acc[i]);                                         \
      for (int k = k0; k < k1; k++)                                                   \
        {                                                                             \
          const float *xk = xrow + toff[k];                                           \
          V xv[4];                                                                    \
                                                                                      \
          UNROLL                                                                      \
          for (int u = 0; u < NX; u++)                                                \
            LOAD (xv[u], xk + (u / NU) * xstride + L * (u % NU));                     \
          UNROLL                                                                      \
          for (int o = 0; o < NO; o++)                                                \
            {                                                                         \
              V wv = SPLAT (wk[(gsize) k * NO + o]);                                  \
                                                                                      \
              UNROLL                                                                  \
              for (int u = 0; u < NX; u++)                                            \
                acc[o * NX + u] += wv * xv[u];                                        \
            }                                                                         \
        }                                                                             \
    }                                                                                 \
  if (k_lo / SUM_BLOCK != (k_hi - 1) / SUM_BLOCK)                                     \
    UNROLL                                                                            \
    for (int i = 0; i < NO * NX; i++)                                                 \
      BLOCK_FINISH (V, total, i, acc[i]);                                             \
  /* Constant trip counts, conditions inside: the tile stays in registers. */         \
  UNROLL                                                                              \
  for (int o = 0; o < NO; o++)                                                        \
    UNROLL                                                                            \
    for (int u = 0; u < NX; u++)                                                      \
      {                                                                               \
        const int r = u / NU, c0 = L * (u % NU);                                      \
        float *dst = y + (gsize) o * P + r * ystride + c0;                            \
        V v = acc[o * NX + u];                                                        \
                                                                                      \
        if (o >= no || r < row_lo)                                                    \
          continue;                                                                   \
        if (c0 >= col_lo && c0 + L <= ncol)                                           \
          {                                                                           \
            if (add)                                                                  \
              {                                                                       \
                V prior;                                                              \
                                                                                      \
                LOAD (prior, dst);                                                    \
                v = prior + v;                                                        \
              }                                                                       \
            STORE (dst, v);                                                           \
          }                                                                           \
        else if (c0 + L > col_lo && c0 < ncol)                                        \
          {                                                                           \
            /* lane by lane: a memcpy call would make the tile live across it */      \
            float lanes[L];                                                           \
                                                                                      \
            STORE (lanes, v);                                                         \
            for (int l = 0; l < L; l++)                                               \
              if (c0 + l >= col_lo && c0 + l < ncol)                                  \
                dst[l] = add ? dst[l] + lanes[l] : lanes[l];                          \
          }                                                                           \
      }                                                                               \
}                                                                                     \
                                                                                      \
/* One example: blocks of NO channels, of NR rows (the last block moved back to end   \
 * at OH) and of L·NU columns (the last moved back to end at the padded row's end);   \
 * a moved block stores only what the others did not. k_range (OH, 2) or NULL: the   \
 * taps of each output row. */                                                        \
INLINE void                                                                           \
rows_forward_example_##L (float *restrict y, const float *restrict xpad,              \
                          const Scratch *s, const float *restrict b,                  \
                          const gint32 *restrict k_range, gboolean add,               \
                          const StConv2dGeom *g, const Layout *t, const int NO,       \
                          const int NR, const int NU)                                 \
{                                                                                     \
  const int K = g->C * g->KH * g->KW, width = L * NU;                                 \
  const gsize P = (gsize) g->OH * g->OW;                                              \
  const int owr = (int) round_up (g->OW, L);                                          \
                                                                                      \
  for (int oc0 = 0; oc0 < g->OC; oc0 += NO)                                           \
    {                                                                                 \
      const float *wk = s->wp + (gsize) oc0 * K;                                      \
      const float *bias = b != NULL ? b + oc0 : NULL;                                 \
      int no = MIN (NO, g->OC - oc0);                                                 \
                                                                                      \
      for (int oh0 = 0; oh0 < g->OH; oh0 += NR)                                       \
        {                                                                             \
          int r0 = MIN (oh0, g->OH - NR), k_lo = 0, k_hi = K;                         \
                                                                                      \
          if (k_range != NULL)                                                        \
            {                                                                         \
              /* the union of the rows' ranges: the extra taps read padding (0) */    \
              k_lo = k_range[2 * r0];                                                 \
              k_hi = k_range[2 * r0 + 1];                                             \
              for (int r = 1; r < NR; r++)                                            \
                {                                                                     \
                  k_lo = MIN (k_lo, k_range[2 * (r0 + r)]);                           \
                  k_hi = MAX (k_hi, k_range[2 * (r0 + r) + 1]);                       \
                }                                                                     \
            }                                                                         \
          for (int ow0 = 0; ow0 < g->OW; ow0 += width)                                \
            {                                                                         \
              int c0 = MIN (ow0, owr - width);                                        \
                                                                                      \
              rows_forward_tile_##L (y + (gsize) oc0 * P + (gsize) r0 * g->OW + c0,   \
                                     P, g->OW, ow0 - c0, MIN (width, g->OW - c0),     \
                                     oh0 - r0, xpad + (gsize) r0 * g->SH * t->wp + c0, \
                                     (gsize) g->SH * t->wp, s->toff, k_lo, k_hi, wk,  \
                                     bias, no, add, NO, NR, NU);                      \
            }                                                                         \
        }                                                                             \
    }                                                                                 \
}
DEFINE_ROWS_FORWARD (V8f, 8, SPLAT8)
DEFINE_ROWS_FORWARD (V16f, 16, SPLAT16)

/* ---- drivers: one example at a time, the tile shape picked by a switch --------------- */

/* out (+)= the convolution of `in` over n examples; k_range (OH, 2) or NULL limits the
 * taps of each output row. */
CLONES static void
rows_forward_8 (float *out, const float *in, const float *b, const gint32 *k_range,
                gboolean add, const Scratch *s, int n, const StConv2dGeom *g, const Layout *t)
{
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * g->OH * g->OW;

  for (int i = 0; i < n; i++)
    {
      float *y = out + i * out_size;

      pad_input (s->xpad, in + i * in_size, g, t);
      switch (t->nu)
        {
        case 1:
          rows_forward_example_8 (y, s->xpad, s, b, k_range, add, g, t, 12, 1, 1);
          break;
        case 2:
          rows_forward_example_8 (y, s->xpad, s, b, k_range, add, g, t, 6, 1, 2);
          break;
        case 3:
          rows_forward_example_8 (y, s->xpad, s, b, k_range, add, g, t, 3, 1, 3);
          break;
        default:
          rows_forward_example_8 (y, s->xpad, s, b, k_range, add, g, t, 2, 1, 4);
          break;
        }
    }
}

AVX512 static void
rows_forward_16 (float *out, const float *in, const float *b, const gint32 *k_range,
                 gboolean add, const Scratch *s, int n, const StConv2dGeom *g,
                 const Layout *t)
{
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * g->OH * g->OW;

  for (int i = 0; i < n; i++)
    {
      float *y = out + i * out_size;

      pad_input (s->xpad, in + i * in_size, g, t);
      if (t->nu == 2 && t->nr == 2)
        rows_forward_example_16 (y, s->xpad, s, b, k_range, add, g, t, 6, 2, 2);
      else if (t->nu == 2)
        rows_forward_example_16 (y, s->xpad, s, b, k_range, add, g, t, 6, 1, 2);
      else if (t->nr == 2)
        rows_forward_example_16 (y, s->xpad, s, b, k_range, add, g, t, 6, 2, 1);
      else
        rows_forward_example_16 (y, s->xpad, s, b, k_range, add, g, t, 6, 1, 1);
    }
}

void
st_conv2d_direct_rows_forward (float *out, const float *in, const float *b,
                               const gint32 *k_range, gboolean add, const Scratch *s, int n,
                               const StConv2dGeom *g, const Layout *t)
{
  if (t->L == 16)
    rows_forward_16 (out, in, b, k_range, add, s, n, g, t);
  else
    rows_forward_8 (out, in, b, k_range, add, s, n, g, t);
}

/* ---- ROWS weight gradient (8 lanes only) -----------------------------------------------
 * Its lanes hold positions, summed in a tree at the end: a wider vector would change the
 * order of the sums, so this kernel keeps one width. */

/* One step of the tile below: 8 output columns from c0 on, dy at dy_at[o] + c0 and x at
 * x_at[t] + c0. A row's last, partial vector is read ending at OW (c0 = OW − 8) with the
 * lanes before `skip` zeroed in both dy and x: they were counted by the previous vector,
 * and 0 · 0 adds exactly nothing. */
INLINE void
rows_weight_step (V8f *restrict acc, const float *const *restrict dy_at,
                  const float *const *restrict x_at, gsize c0, int skip, const int NO,
                  const int NT)
{
  V8f d[TILE], xv;
  V8i keep = { 0 };

  if (skip > 0)
    UNROLL
    for (int l = 0; l < 8; l++)
      keep[l] = l < skip ? 0 : -1;
  UNROLL
  for (int o = 0; o < NO; o++)
    {
      LOAD (d[o], dy_at[o] + c0);
      if (skip > 0)
        d[o] = (V8f) ((V8i) d[o] & keep);
    }
  UNROLL
  for (int i = 0; i < NT; i++)
    {
      LOAD (xv, x_at[i] + c0);
      if (skip > 0)
        xv = (V8f) ((V8i) xv & keep);
      UNROLL
      for (int o = 0; o < NO; o++)
        acc[o * NT + i] += d[o] * xv;
    }
}

/* Tile: NO channels × NT taps, vectors along the output row. Each accumulator sums
 * dy · x over the example's positions, 8 columns at a time; the lanes are added in a
 * fixed tree at the end. Channels past `no` and taps past `nt` repeat the last and are
 * not stored. */
INLINE void
rows_weight_tile (float *restrict dw, int K, const float *restrict dy, gsize P,
                  const float *restrict xpad, const gint32 *restrict toff, int no, int nt,
                  const StConv2dGeom *g, const Layout *t, const int NO, const int NT)
{
  V8f acc[TILE] = { 0 };
  const int full = g->OW / 8, rest = g->OW % 8;

  for (int oh = 0; oh < g->OH; oh++)
    {
      const float *dy_at[TILE], *x_at[TILE];

      UNROLL
      for (int o = 0; o < NO; o++)
        dy_at[o] = dy + (gsize) MIN (o, no - 1) * P + (gsize) oh * g->OW;
      UNROLL
      for (int i = 0; i < NT; i++)
        x_at[i] = xpad + (gsize) oh * g->SH * t->wp + toff[MIN (i, nt - 1)];
      for (int u = 0; u < full; u++)
        rows_weight_step (acc, dy_at, x_at, (gsize) 8 * u, 0, NO, NT);
      if (rest > 0)
        rows_weight_step (acc, dy_at, x_at, (gsize) g->OW - 8, 8 - rest, NO, NT);
    }
  UNROLL
  for (int o = 0; o < NO; o++)
    UNROLL
    for (int i = 0; i < NT; i++)
      {
        float lanes[8];
        V8f a = acc[o * NT + i];

        if (o >= no || i >= nt)
          continue;
        STORE (lanes, a);
        dw[(gsize) o * K + i] += ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
                                 + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
      }
}

CLONES static void
rows_weight (float *dw, const float *dout, const float *in, const Scratch *s, int n,
             const StConv2dGeom *g, const Layout *t)
{
  const int K = g->C * g->KH * g->KW;
  const gsize P = (gsize) g->OH * g->OW, in_size = (gsize) g->C * g->H * g->W;

  for (int i = 0; i < n; i++)
    {
      const float *dy = dout + i * g->OC * P;

      pad_input (s->xpad, in + i * in_size, g, t);
      for (int oc0 = 0; oc0 < g->OC; oc0 += 2)
        for (int k0 = 0; k0 < K; k0 += 5)
          rows_weight_tile (dw + (gsize) oc0 * K + k0, K, dy + (gsize) oc0 * P, P, s->xpad,
                            s->toff + k0, MIN (2, g->OC - oc0), MIN (5, K - k0), g, t, 2, 5);
    }
}

void
st_conv2d_direct_rows_weight (float *dw, const float *dout, const float *in, const Scratch *s,
                              int n, const StConv2dGeom *g, const Layout *t)
{
  rows_weight (dw, dout, in, s, n, g, t);
}
