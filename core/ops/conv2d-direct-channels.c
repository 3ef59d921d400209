#define G_LOG_DOMAIN "strata-conv2d"

/* Direct convolution, CHANNELS path: the forward and the weight gradient. See
 * conv2d-direct.c for the legend, conv2d-blocks.h for the vectors and macros. */

#include "core/ops/conv2d-direct-channels.h"

/* ---- CHANNELS forward ------------------------------------------------------------------
 * Tile: NP neighbouring positions of one output row × NV vectors of L channels. wp
 * (K, OCv) holds the weights channel-minor, bias (OCv) is zero past OC; channels past
 * `no` are not stored. */
#define DEFINE_CHANNELS_FORWARD(V, L, SPLAT)                                          \
INLINE void                                                                           \
channels_forward_tile_##L (float *restrict y, gsize P, const float *restrict xrow,    \
                           const gint32 *restrict toff, int K,                        \
                           const float *restrict wpk, gsize ocv,                      \
                           const float *restrict bias, int no, const int NP,          \
                           const int NV)                                              \
{                                                                                     \
  V acc[TILE];                                                                        \
  float total[TILE * L];                  /* the finished blocks' sums */             \
                                                                                      \
  UNROLL                                                                              \
  for (int v = 0; v < NV; v++)                                                        \
    {                                                                                 \
      V b;                                                                            \
                                                                                      \
      LOAD (b, bias + L * v);                                                         \
      UNROLL                                                                          \
      for (int j = 0; j < NP; j++)                                                    \
        acc[j * NV + v] = b;                                                          \
    }                                                                                 \
  if (K > SUM_BLOCK)                                                                  \
    memset (total, 0, sizeof (float) * NP * NV * L);                                  \
  for (int k0 = 0; k0 < K; k0 += SUM_BLOCK)                                           \
    {                                                                                 \
      if (k0 > 0)                                                                     \
        UNROLL                                                                        \
        for (int i = 0; i < NP * NV; i++)                                             \
          BLOCK_SUM (V, L, total, i, acc[i]);                                         \
      for (int k = k0; k < MIN (k0 + SUM_BLOCK, K); k++)                              \
        {                                                                             \
          const float *xk = xrow + toff[k];                                           \
          V wv[2];                                                                    \
                                                                                      \
          UNROLL                                                                      \
          for (int v = 0; v < NV; v++)                                                \
            LOAD (wv[v], wpk + (gsize) k * ocv + L * v);                              \
          UNROLL                                                                      \
          for (int j = 0; j < NP; j++)                                                \
            {                                                                         \
              V xv = SPLAT (xk[j]);                                                   \
                                                                                      \
              UNROLL                                                                  \
              for (int v = 0; v < NV; v++)                                            \
                acc[j * NV + v] += xv * wv[v];                                        \
            }                                                                         \
        }                                                                             \
    }                                                                                 \
  if (K > SUM_BLOCK)                                                                  \
    UNROLL                                                                            \
    for (int i = 0; i < NP * NV; i++)                                                 \
      BLOCK_FINISH (V, total, i, acc[i]);                                             \
  UNROLL                                                                              \
  for (int v = 0; v < NV; v++)                                                        \
    UNROLL                                                                            \
    for (int j = 0; j < NP; j++)                                                      \
      {                                                                               \
        float lanes[L];                                                               \
        V a = acc[j * NV + v];                                                        \
                                                                                      \
        STORE (lanes, a);                                                             \
        for (int l = 0; l < L && L * v + l < no; l++)                                 \
          y[(gsize) (L * v + l) * P + j] = lanes[l];                                  \
      }                                                                               \
}                                                                                     \
                                                                                      \
INLINE void                                                                           \
channels_forward_example_##L (float *restrict y, const float *restrict x,             \
                              const Scratch *s, const StConv2dGeom *g,                \
                              const Layout *t, const int NP)                          \
{                                                                                     \
  const int K = g->C * g->KH * g->KW;                                                 \
  const gsize P = (gsize) g->OH * g->OW;                                              \
  const float *bias = s->wp + (gsize) K * t->ocv;                                     \
                                                                                      \
  for (int oc0 = 0; oc0 < g->OC; oc0 += 2 * L)                                        \
    for (int oh = 0; oh < g->OH; oh++)                                                \
      for (int ow0 = 0; ow0 < g->OW; ow0 += NP)                                       \
        {                                                                             \
          int c0 = MIN (ow0, g->OW - NP);                                             \
          float *dst = y + (gsize) oc0 * P + (gsize) oh * g->OW + c0;                 \
          const float *xrow = x + (gsize) oh * g->SH * t->wp + c0;                    \
                                                                                      \
          if (g->OC - oc0 > L)                                                        \
            channels_forward_tile_##L (dst, P, xrow, s->toff, K, s->wp + oc0, t->ocv, \
                                       bias + oc0, g->OC - oc0, NP, 2);               \
          else                                                                        \
            channels_forward_tile_##L (dst, P, xrow, s->toff, K, s->wp + oc0, t->ocv, \
                                       bias + oc0, g->OC - oc0, NP, 1);               \
        }                                                                             \
}

/* ---- CHANNELS weight gradient ----------------------------------------------------------
 * Tile: NT taps × NV vectors of channels, summed over every position:
 * dwt[k] (OCv) += Σ_p x[p + toff[k]] · dyt[p] (OCv). Taps past `nt` repeat the last and
 * are not stored. */
#define DEFINE_CHANNELS_WEIGHT(V, L, SPLAT)                                           \
INLINE void                                                                           \
channels_weight_tile_##L (float *restrict dwt, gsize ocv, const float *restrict dyt,  \
                          const float *restrict x, const gint32 *restrict toff,       \
                          int nt, const StConv2dGeom *g, const Layout *t,             \
                          const int NT, const int NV)                                 \
{                                                                                     \
  V acc[TILE] = { 0 };                                                                \
  const float *xt[TILE];                                                              \
                                                                                      \
  UNROLL                                                                              \
  for (int i = 0; i < NT; i++)                                                        \
    xt[i] = x + toff[MIN (i, nt - 1)];                                                \
  for (int oh = 0; oh < g->OH; oh++)                                                  \
    {                                                                                 \
      const gsize xo = (gsize) oh * g->SH * t->wp;                                    \
      const float *dyrow = dyt + (gsize) oh * g->OW * ocv;                            \
                                                                                      \
      for (int ow = 0; ow < g->OW; ow++)                                              \
        {                                                                             \
          V d[2];                                                                     \
                                                                                      \
          UNROLL                                                                      \
          for (int v = 0; v < NV; v++)                                                \
            LOAD (d[v], dyrow + (gsize) ow * ocv + L * v);                            \
          UNROLL                                                                      \
          for (int i = 0; i < NT; i++)                                                \
            {                                                                         \
              V xv = SPLAT (xt[i][xo + ow]);                                          \
                                                                                      \
              UNROLL                                                                  \
              for (int v = 0; v < NV; v++)                                            \
                acc[i * NV + v] += xv * d[v];                                         \
            }                                                                         \
        }                                                                             \
    }                                                                                 \
  UNROLL                                                                              \
  for (int i = 0; i < NT; i++)                                                        \
    UNROLL                                                                            \
    for (int v = 0; v < NV; v++)                                                      \
      {                                                                               \
        V sum;                                                                        \
                                                                                      \
        if (i >= nt)                                                                  \
          continue;                                                                   \
        LOAD (sum, dwt + (gsize) i * ocv + L * v);                                    \
        sum += acc[i * NV + v];                                                       \
        STORE (dwt + (gsize) i * ocv + L * v, sum);                                   \
      }                                                                               \
}
DEFINE_CHANNELS_FORWARD (V8f, 8, SPLAT8)
DEFINE_CHANNELS_FORWARD (V16f, 16, SPLAT16)
DEFINE_CHANNELS_WEIGHT (V8f, 8, SPLAT8)
DEFINE_CHANNELS_WEIGHT (V16f, 16, SPLAT16)

CLONES static void
channels_forward_8 (float *out, const float *in, const Scratch *s, int n,
                    const StConv2dGeom *g, const Layout *t)
{
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * g->OH * g->OW;
  const gboolean padded = g->PH > 0 || g->PW > 0;

  for (int i = 0; i < n; i++)
    {
      const float *x = in + i * in_size;
      float *y = out + i * out_size;

      if (padded)
        {
          pad_input (s->xpad, x, g, t);
          x = s->xpad;
        }
      switch (t->np)
        {
        case 4:
          channels_forward_example_8 (y, x, s, g, t, 4);
          break;
        case 5:
          channels_forward_example_8 (y, x, s, g, t, 5);
          break;
        default:
          channels_forward_example_8 (y, x, s, g, t, 6);
          break;
        }
    }
}

AVX512 static void
channels_forward_16 (float *out, const float *in, const Scratch *s, int n,
                     const StConv2dGeom *g, const Layout *t)
{
  const gsize in_size = (gsize) g->C * g->H * g->W, out_size = (gsize) g->OC * g->OH * g->OW;
  const gboolean padded = g->PH > 0 || g->PW > 0;

  for (int i = 0; i < n; i++)
    {
      const float *x = in + i * in_size;
      float *y = out + i * out_size;

      if (padded)
        {
          pad_input (s->xpad, x, g, t);
          x = s->xpad;
        }
      switch (t->np)
        {
#define CASE(np) case np: channels_forward_example_16 (y, x, s, g, t, np); break;
        CASE (5) CASE (6) CASE (8) CASE (10) CASE (11)
#undef CASE
        default:
          channels_forward_example_16 (y, x, s, g, t, 12);
          break;
        }
    }
}

/* dyt (P, OCv) = dyᵀ; the lanes past OC stay 0 from the caller's memset. */
static void
transpose_dout (float *restrict dyt, const float *restrict dy, int OC, gsize P, gsize ocv)
{
  for (gsize p = 0; p < P; p++)
    for (int oc = 0; oc < OC; oc++)
      dyt[p * ocv + oc] = dy[(gsize) oc * P + p];
}

/* Taps per weight tile: with NV = 2, NT·2 + 2 + 2 registers. */
#define CHANNELS_NT_8  6
#define CHANNELS_NT_16 12

#define DEFINE_CHANNELS_WEIGHT_DRIVER(L, ATTR, NT)                                    \
ATTR static void                                                                      \
channels_weight_##L (const float *dout, const float *in, const Scratch *s, int n,     \
                     const StConv2dGeom *g, const Layout *t)                          \
{                                                                                     \
  const int K = g->C * g->KH * g->KW;                                                 \
  const gsize P = (gsize) g->OH * g->OW, in_size = (gsize) g->C * g->H * g->W;        \
  const gboolean padded = g->PH > 0 || g->PW > 0;                                     \
                                                                                      \
  for (int i = 0; i < n; i++)                                                         \
    {                                                                                 \
      const float *x = in + i * in_size;                                              \
                                                                                      \
      if (padded)                                                                     \
        {                                                                             \
          pad_input (s->xpad, x, g, t);                                               \
          x = s->xpad;                                                                \
        }                                                                             \
      transpose_dout (s->dyt, dout + i * g->OC * P, g->OC, P, t->ocv);                \
      for (int oc0 = 0; oc0 < g->OC; oc0 += 2 * L)                                    \
        for (int k0 = 0; k0 < K; k0 += NT)                                            \
          {                                                                           \
            float *dwt = s->dwt + (gsize) k0 * t->ocv + oc0;                          \
                                                                                      \
            if (g->OC - oc0 > L)                                                      \
              channels_weight_tile_##L (dwt, t->ocv, s->dyt + oc0, x, s->toff + k0,   \
                                        MIN (NT, K - k0), g, t, NT, 2);               \
            else                                                                      \
              channels_weight_tile_##L (dwt, t->ocv, s->dyt + oc0, x, s->toff + k0,   \
                                        MIN (NT, K - k0), g, t, NT, 1);               \
          }                                                                           \
    }                                                                                 \
}

DEFINE_CHANNELS_WEIGHT_DRIVER (8, CLONES, CHANNELS_NT_8)
DEFINE_CHANNELS_WEIGHT_DRIVER (16, AVX512, CHANNELS_NT_16)

void
st_conv2d_direct_channels_forward (float *out, const float *in, const Scratch *s, int n,
                                   const StConv2dGeom *g, const Layout *t)
{
  if (t->L == 16)
    channels_forward_16 (out, in, s, n, g, t);
  else
    channels_forward_8 (out, in, s, n, g, t);
}

void
st_conv2d_direct_channels_weight (const float *dout, const float *in, const Scratch *s, int n,
                                  const StConv2dGeom *g, const Layout *t)
{
  if (t->L == 16)
    channels_weight_16 (dout, in, s, n, g, t);
  else
    channels_weight_8 (dout, in, s, n, g, t);
}
