#define G_LOG_DOMAIN "strata-conv2d"

/* Legend (see conv2d.h, conv2d-direct.h): N examples, C/H/W input, OC output channels,
 * KH/KW kernel, SH stride (SW = 1), PH/PW padding, DH/DW dilation, OH/OW output,
 * K = C·KH·KW taps, P = OH·OW positions, L lanes per vector (8 or 16), xpad (C, Hp, Wp)
 * the padded input, OCv = OC rounded up to L.
 *
 * A tap k = (c, kh, kw) reads xpad at toff[k] = (c·Hp + kh·DH)·Wp + kw·DW from the corner
 * of its output position's window, so every kernel is one loop over k around a register
 * tile of accumulators. Contraction is off (no FMA): each multiply-add needs a temporary
 * register, and a tile with its operands fits the 16 AVX2 registers (8 lanes) or the 32
 * of AVX-512 (16 lanes). */

#include "core/conv2d-direct.h"

#include <string.h>

/* ---- vectors ---------------------------------------------------------------------------
 * GCC's vector extensions. The tile kernels are written once, as templates over the
 * vector type (DEFINE_* below), and instantiated for 8 lanes (compiled for AVX2 and for
 * the baseline, picked at load time) and for 16 lanes (AVX-512 only: on AVX2 GCC moves a
 * 16-lane vector through memory, an order of magnitude slower). Every lane does its own
 * sum in the same order, so both widths and every ISA give the same bits. */
typedef float  V8f  __attribute__ ((vector_size (32)));
typedef gint32 V8i  __attribute__ ((vector_size (32)));
typedef float  V16f __attribute__ ((vector_size (64)));
typedef gint32 V16i __attribute__ ((vector_size (64)));

/* A broadcast GCC compiles as one instruction wherever the operand comes from. */
#define SPLAT8(x)  __builtin_shuffle ((V8f) { (x) }, (V8i) { 0 })
#define SPLAT16(x) __builtin_shuffle ((V16f) { (x) }, (V16i) { 0 })
/* Vectors move through memcpy: no alignment assumed, no aliasing games. */
#define LOAD(v, p)  memcpy (&(v), (p), sizeof (v))
#define STORE(p, v) memcpy ((p), &(v), sizeof (v))

#define TILE 24                           /* accumulators in the largest tile */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_AVX512 1
#define CLONES __attribute__ ((target_clones ("avx2", "default")))
#define AVX512 __attribute__ ((target ("avx512f")))
#else
#define HAVE_AVX512 0
#define CLONES
#define AVX512
#endif
#define INLINE static inline __attribute__ ((always_inline))
/* Loops over a tile's constant extent are unrolled whole, so that the tile's accumulators
 * become registers. */
#define UNROLL _Pragma ("GCC unroll 24")

static inline gsize
round_up (gsize x, gsize m)
{
  return (x + m - 1) / m * m;
}

gboolean
st_conv2d_direct_has_avx512 (void)
{
#if HAVE_AVX512
  return __builtin_cpu_supports ("avx512f");
#else
  return FALSE;
#endif
}

int
st_conv2d_direct_default_lanes (void)
{
  /* STRATA_VECTOR_LANES=8 asks for the AVX2 width on an AVX-512 CPU (to compare them) */
  return st_conv2d_direct_has_avx512 ()
         && g_strcmp0 (g_getenv ("STRATA_VECTOR_LANES"), "8") != 0 ? 16 : 8;
}

/* ---- layout ----------------------------------------------------------------------------
 * Everything the kernels derive from the geometry, the path and the width. */
typedef struct {
  int   L;           /* lanes */
  gsize hp, wp;      /* xpad (C, Hp, Wp) */
  gsize ocv;         /* CHANNELS: OC rounded up to L */
  int   nu, nr, no;  /* ROWS tile: NU vectors along NR output rows, NO channels */
  int   np, nv;      /* CHANNELS tile: NP positions of a row, NV vectors of channels */
} Layout;

/* CHANNELS: positions per tile, the candidate that covers a row with the least overlap
 * (the last tile of a row is moved back to end at OW, recomputing a few outputs). */
static int
best_np (int OW, const int *candidates, int n)
{
  int best = 0, best_cost = G_MAXINT;

  for (int i = 0; i < n; i++)
    {
      int np = candidates[i], cost = (OW + np - 1) / np * np;

      if (np <= OW && (cost < best_cost || (cost == best_cost && np > best)))
        {
          best = np;
          best_cost = cost;
        }
    }
  return best;
}

static const int np8[] = { 4, 5, 6 };
static const int np16[] = { 5, 6, 8, 10, 11, 12 };   /* NV = 2: 2·NP + 4 <= 32 registers */

static Layout
layout (const StConv2dGeom *g, StConv2dPath path, int L)
{
  Layout t = { .L = L, .hp = (gsize) g->H + 2 * g->PH, .wp = (gsize) g->W + 2 * g->PW };

  if (path == ST_CONV2D_PATH_ROWS)
    {
      /* The padded row is wide enough that a tile's vectors, which may run past OW up to
       * the next multiple of L, stay inside it. NO·NU·NR + NU·NR + 2 registers. */
      int vectors = (int) (round_up (g->OW, L) / L);

      t.wp = MAX (t.wp, round_up (g->OW, L) + (gsize) (g->KW - 1) * g->DW);
      if (L == 8)
        {
          static const int no[] = { 0, 12, 6, 3, 2 };

          t.nu = MIN (vectors, 4);
          t.nr = 1;
          t.no = no[t.nu];
        }
      else
        {
          /* six channels × two rows × up to two vectors: 24 + 4 + 2 registers */
          t.nu = MIN (vectors, 2);
          t.nr = g->OH >= 2 ? 2 : 1;
          t.no = 6;
        }
    }
  else
    {
      t.ocv = round_up (g->OC, L);
      t.nv = t.ocv > (gsize) L ? 2 : 1;
      t.np = L == 8 ? best_np (g->OW, np8, G_N_ELEMENTS (np8))
                    : best_np (g->OW, np16, G_N_ELEMENTS (np16));
    }
  return t;
}

/* The input gradient as a convolution (stride 1): din = dout, padded by DH·(KH − 1) − PH
 * rows and DW·(KW − 1) − PW columns, convolved with the kernel turned by 180° and its
 * channels swapped, w'[c, oc, kh, kw] = w[oc, c, KH−1−kh, KW−1−kw]. */
static StConv2dGeom
transposed_geom (const StConv2dGeom *g)
{
  StConv2dGeom t = { .C = g->OC, .H = g->OH, .W = g->OW, .OC = g->C, .KH = g->KH,
                     .KW = g->KW, .SH = 1, .SW = 1, .PH = g->DH * (g->KH - 1) - g->PH,
                     .PW = g->DW * (g->KW - 1) - g->PW, .DH = g->DH, .DW = g->DW,
                     .OH = g->H, .OW = g->W, .forward = ST_CONV2D_PATH_ROWS,
                     .weight = ST_CONV2D_PATH_ROWS, .input = ST_CONV2D_PATH_IM2COL,
                     .lanes = g->lanes };

  return t;
}

gboolean
st_conv2d_direct_fits (const StConv2dGeom *g, StConv2dPath path)
{
  const int L = 16;                       /* the wider padding bounds both widths */

  if (g->SW != 1 || g->OH < 1 || g->OW < 1)
    return FALSE;
  /* Tap offsets are gint32 indices into one example's padded map. */
  if ((gint64) MAX (g->C, g->OC) * (g->H + 2 * (gint64) g->PH + (gint64) g->DH * g->KH)
      * (g->W + 2 * (gint64) g->PW + (gint64) g->DW * g->KW + L) > G_MAXINT)
    return FALSE;
  switch (path)
    {
    case ST_CONV2D_PATH_ROWS_INPUT:
      return g->SH == 1 && g->PH <= g->DH * (g->KH - 1) && g->PW <= g->DW * (g->KW - 1);
    case ST_CONV2D_PATH_ROWS:
      /* the weight gradient reads a row's last 8 columns as one vector */
      return g->OW >= 8;
    case ST_CONV2D_PATH_CHANNELS:
      return best_np (g->OW, np8, G_N_ELEMENTS (np8)) > 0
             && best_np (g->OW, np16, G_N_ELEMENTS (np16)) > 0;
    default:
      return FALSE;
    }
}

/* Scratch, in this order: xpad (C, Hp, Wp); toff (K) as gint32; the packed weights; for
 * CHANNELS' weight gradient dyT (P, OCv) and dwT (K, OCv). Sized for 16 lanes, which
 * bounds 8. */
typedef struct {
  float  *xpad;
  gint32 *toff;
  float  *wp;
  float  *dyt;
  float  *dwt;
} Scratch;

static gsize
wp_floats (const StConv2dGeom *g, StConv2dPath path)
{
  gsize K = (gsize) g->C * g->KH * g->KW;

  if (path == ST_CONV2D_PATH_ROWS)
    return K * round_up (g->OC, 12);              /* (OC blocks of NO, K, NO), NO | 12 */
  return (K + 1) * round_up (g->OC, 16);           /* (K, OCv) and the bias (OCv) */
}

static gsize
xpad_floats (const StConv2dGeom *g, StConv2dPath path)
{
  Layout t = layout (g, path, 16);

  return (gsize) g->C * t.hp * t.wp;
}

gsize
st_conv2d_direct_scratch_floats (const StConv2dGeom *g, StConv2dPath path)
{
  gsize K = (gsize) g->C * g->KH * g->KW, P = (gsize) g->OH * g->OW;
  gsize floats;

  if (path == ST_CONV2D_PATH_ROWS_INPUT)
    {
      StConv2dGeom t = transposed_geom (g);

      /* the transposed layer's, then w' (C, OC·KH·KW) and the tap ranges (H, 2) */
      return st_conv2d_direct_scratch_floats (&t, ST_CONV2D_PATH_ROWS) + K * g->OC
             + 2 * (gsize) g->H;
    }
  floats = xpad_floats (g, path) + K + wp_floats (g, path);
  if (path == ST_CONV2D_PATH_CHANNELS)
    floats += (P + K) * round_up (g->OC, 16);
  return floats;
}

static Scratch
carve (float *scratch, const StConv2dGeom *g, StConv2dPath path)
{
  gsize K = (gsize) g->C * g->KH * g->KW, P = (gsize) g->OH * g->OW;
  Scratch s;

  s.xpad = scratch;
  s.toff = (gint32 *) (s.xpad + xpad_floats (g, path));
  s.wp = (float *) (s.toff + K);
  s.dyt = s.wp + wp_floats (g, path);
  s.dwt = s.dyt + P * round_up (g->OC, 16);
  return s;
}

/* Taps in the weights' order (c, kh, kw), or with kh_major in the order (kh, c, kw). */
static void
tap_offsets (gint32 *toff, const StConv2dGeom *g, const Layout *t, gboolean kh_major)
{
  for (int c = 0; c < g->C; c++)
    for (int kh = 0; kh < g->KH; kh++)
      for (int kw = 0; kw < g->KW; kw++)
        {
          int k = kh_major ? (kh * g->C + c) * g->KW + kw : (c * g->KH + kh) * g->KW + kw;

          toff[k] = (gint32) (((gsize) c * t->hp + (gsize) kh * g->DH) * t->wp
                              + (gsize) kw * g->DW);
        }
}

/* xpad (C, Hp, Wp) = in (C, H, W) framed by zeros: PH rows above, PW columns left, the
 * rest of each row and the rows below zero. */
static void
pad_input (float *restrict xpad, const float *restrict x, const StConv2dGeom *g,
           const Layout *t)
{
  const gsize hp = t->hp, wp = t->wp;

  for (int c = 0; c < g->C; c++)
    {
      float *plane = xpad + (gsize) c * hp * wp;
      const float *src = x + (gsize) c * g->H * g->W;

      memset (plane, 0, sizeof (float) * g->PH * wp);
      for (int h = 0; h < g->H; h++)
        {
          float *row = plane + (gsize) (h + g->PH) * wp;

          memset (row, 0, sizeof (float) * g->PW);
          memcpy (row + g->PW, src + (gsize) h * g->W, sizeof (float) * g->W);
          memset (row + g->PW + g->W, 0, sizeof (float) * (wp - g->PW - g->W));
        }
      memset (plane + (gsize) (g->H + g->PH) * wp, 0, sizeof (float) * (hp - g->H - g->PH) * wp);
    }
}

/* ROWS: wk (OC blocks of NO, K, NO) = w (OC, K) regrouped tap-major; channels past OC
 * repeat the last. */
static void
rows_pack_weights (float *restrict wk, const float *restrict w, int OC, int K, int NO)
{
  for (int oc0 = 0; oc0 < OC; oc0 += NO)
    for (int k = 0; k < K; k++)
      for (int o = 0; o < NO; o++)
        wk[(gsize) oc0 * K + (gsize) k * NO + o] = w[(gsize) MIN (oc0 + o, OC - 1) * K + k];
}

/* CHANNELS: wp (K, OCv) = wᵀ and the bias (OCv), zero past OC. */
static void
channels_pack_weights (float *restrict wp, const float *restrict w, const float *restrict b,
                       int OC, int K, gsize ocv)
{
  float *bias = wp + (gsize) K * ocv;

  for (int k = 0; k < K; k++)
    for (gsize oc = 0; oc < ocv; oc++)
      wp[k * ocv + oc] = oc < (gsize) OC ? w[oc * K + k] : 0.0f;
  for (gsize oc = 0; oc < ocv; oc++)
    bias[oc] = b != NULL && oc < (gsize) OC ? b[oc] : 0.0f;
}

/* ---- summing in blocks ------------------------------------------------------------------
 * A forward sum runs over thousands of taps in deep layers (88·5·5 = 2200 in inception).
 * One long chain of float additions loses up to K ulps; the kernels sum SUM_BLOCK taps at
 * a time in registers and add the block sums left to right, ((0 + (bias + S₀)) + S₁) + …,
 * in a small stack buffer, as a blocked GEMM does. Blocks are aligned to multiples of
 * SUM_BLOCK in k, so that a range of taps extended by taps that read padding (zeros)
 * groups the others the same way. (A single chain put inception's
 * gradients 1.2e-4 from PyTorch's; blocked, 5.6e-5, closer than im2col + OpenBLAS.) */
#define SUM_BLOCK 128

/* At a block's end: total[i] += acc (total starts at 0), and acc restarts from 0. */
#define BLOCK_SUM(V, L, total, i, acc)                                                \
  G_STMT_START {                                                                      \
    V t_;                                                                             \
                                                                                      \
    LOAD (t_, (total) + (gsize) (i) * (L));                                           \
    t_ += (acc);                                                                      \
    STORE ((total) + (gsize) (i) * (L), t_);                                          \
    (acc) = (V) { 0 };                                                                \
  } G_STMT_END

/* After the last block: acc = total[i] + acc. */
#define BLOCK_FINISH(V, total, i, acc)                                                \
  G_STMT_START {                                                                      \
    V t_;                                                                             \
                                                                                      \
    LOAD (t_, (total) + (gsize) (i) * sizeof (V) / sizeof (float));                   \
    (acc) = t_ + (acc);                                                               \
  } G_STMT_END

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

DEFINE_ROWS_FORWARD (V8f, 8, SPLAT8)
DEFINE_ROWS_FORWARD (V16f, 16, SPLAT16)
DEFINE_CHANNELS_FORWARD (V8f, 8, SPLAT8)
DEFINE_CHANNELS_FORWARD (V16f, 16, SPLAT16)
DEFINE_CHANNELS_WEIGHT (V8f, 8, SPLAT8)
DEFINE_CHANNELS_WEIGHT (V16f, 16, SPLAT16)

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

static void
rows_forward (float *out, const float *in, const float *b, const gint32 *k_range,
              gboolean add, const Scratch *s, int n, const StConv2dGeom *g, const Layout *t)
{
  if (t->L == 16)
    rows_forward_16 (out, in, b, k_range, add, s, n, g, t);
  else
    rows_forward_8 (out, in, b, k_range, add, s, n, g, t);
}

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

/* ---- entry points ---------------------------------------------------------------------- */

static int
lanes_of (const StConv2dGeom *g)
{
  return g->lanes == 16 ? 16 : 8;
}

void
st_conv2d_direct_forward (float              *out,
                          const float        *in,
                          const float        *w,
                          const float        *b,
                          float              *scratch,
                          int                 n,
                          const StConv2dGeom *g,
                          StConv2dPath        path)
{
  const int K = g->C * g->KH * g->KW;
  const Layout t = layout (g, path, lanes_of (g));
  Scratch s = carve (scratch, g, path);

  g_assert (st_conv2d_direct_fits (g, path));
  if (n == 0)
    return;
  tap_offsets (s.toff, g, &t, FALSE);
  if (path == ST_CONV2D_PATH_ROWS)
    {
      rows_pack_weights (s.wp, w, g->OC, K, t.no);
      rows_forward (out, in, b, NULL, FALSE, &s, n, g, &t);
    }
  else
    {
      channels_pack_weights (s.wp, w, b, g->OC, K, t.ocv);
      if (t.L == 16)
        channels_forward_16 (out, in, &s, n, g, &t);
      else
        channels_forward_8 (out, in, &s, n, g, &t);
    }
}

void
st_conv2d_direct_backward_weight (float              *dw,
                                  const float        *dout,
                                  const float        *in,
                                  float              *scratch,
                                  int                 n,
                                  const StConv2dGeom *g,
                                  StConv2dPath        path)
{
  const int K = g->C * g->KH * g->KW;
  const Layout t = layout (g, path, path == ST_CONV2D_PATH_ROWS ? 8 : lanes_of (g));
  Scratch s = carve (scratch, g, path);

  g_assert (st_conv2d_direct_fits (g, path));
  if (n == 0)
    return;
  tap_offsets (s.toff, g, &t, FALSE);
  if (path == ST_CONV2D_PATH_ROWS)
    {
      rows_weight (dw, dout, in, &s, n, g, &t);
      return;
    }
  memset (s.dwt, 0, sizeof (float) * K * t.ocv);
  memset (s.dyt, 0, sizeof (float) * g->OH * g->OW * t.ocv);
  if (t.L == 16)
    channels_weight_16 (dout, in, &s, n, g, &t);
  else
    channels_weight_8 (dout, in, &s, n, g, &t);
  for (int oc = 0; oc < g->OC; oc++)
    for (int k = 0; k < K; k++)
      dw[(gsize) oc * K + k] += s.dwt[(gsize) k * t.ocv + oc];
}

void
st_conv2d_direct_backward_input (float              *din,
                                 const float        *dout,
                                 const float        *w,
                                 float              *scratch,
                                 int                 n,
                                 const StConv2dGeom *g,
                                 StGradMode          mode)
{
  const StConv2dGeom tg = transposed_geom (g);
  const int K = g->C * g->KH * g->KW, KT = tg.C * tg.KH * tg.KW;
  const Layout t = layout (&tg, ST_CONV2D_PATH_ROWS, lanes_of (g));
  Scratch s = carve (scratch, &tg, ST_CONV2D_PATH_ROWS);
  float *wt = scratch + st_conv2d_direct_scratch_floats (&tg, ST_CONV2D_PATH_ROWS);
  gint32 *k_range = (gint32 *) (wt + (gsize) K * g->OC);

  g_assert (st_conv2d_direct_fits (g, ST_CONV2D_PATH_ROWS_INPUT));
  if (n == 0)
    return;
  /* Taps kh-major, so that each output row's taps that read rows of dout (not padding)
   * are one range [k_lo, k_hi). */
  tap_offsets (s.toff, &tg, &t, TRUE);
  for (int c = 0; c < g->C; c++)
    for (int kh = 0; kh < g->KH; kh++)
      for (int oc = 0; oc < g->OC; oc++)
        for (int kw = 0; kw < g->KW; kw++)
          wt[(gsize) c * KT + (kh * g->OC + oc) * g->KW + kw]
            = w[(gsize) oc * K + (c * g->KH + g->KH - 1 - kh) * g->KW + g->KW - 1 - kw];
  rows_pack_weights (s.wp, wt, tg.OC, KT, t.no);
  for (int ih = 0; ih < g->H; ih++)
    {
      int lo = 0, hi = tg.KH;

      while (lo < tg.KH && ih + lo * tg.DH < tg.PH)
        lo++;
      while (hi > lo && ih + (hi - 1) * tg.DH >= tg.PH + tg.H)
        hi--;
      k_range[2 * ih] = lo * tg.C * tg.KW;
      k_range[2 * ih + 1] = hi * tg.C * tg.KW;
    }
  rows_forward (din, dout, NULL, k_range, mode == ST_GRAD_ADD, &s, n, &tg, &t);
}
