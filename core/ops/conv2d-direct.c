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
 * of AVX-512 (16 lanes).
 *
 * This file holds the entry points (conv2d-direct.h): it picks the layout and carves the
 * scratch, then calls the kernels of conv2d-direct-rows.c and conv2d-direct-channels.c,
 * which share the building blocks of conv2d-blocks.h. */

#include "core/ops/conv2d-direct.h"
#include "core/ops/conv2d-direct-channels.h"
#include "core/ops/conv2d-direct-rows.h"

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
      st_conv2d_direct_rows_forward (out, in, b, NULL, FALSE, &s, n, g, &t);
    }
  else
    {
      channels_pack_weights (s.wp, w, b, g->OC, K, t.ocv);
      st_conv2d_direct_channels_forward (out, in, &s, n, g, &t);
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
      st_conv2d_direct_rows_weight (dw, dout, in, &s, n, g, &t);
      return;
    }
  memset (s.dwt, 0, sizeof (float) * K * t.ocv);
  memset (s.dyt, 0, sizeof (float) * g->OH * g->OW * t.ocv);
  st_conv2d_direct_channels_weight (dout, in, &s, n, g, &t);
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
  st_conv2d_direct_rows_forward (din, dout, NULL, k_range, mode == ST_GRAD_ADD, &s, n, &tg,
                                 &t);
}
