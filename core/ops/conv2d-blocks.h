/* conv2d-blocks.h: the building blocks of the direct convolution kernels, shared by
 * conv2d-direct.c (the entry points) and the kernels in conv2d-direct-rows.c and
 * conv2d-direct-channels.c: the vector types and macros the kernel templates share, the
 * layout and scratch the entry points hand to the kernels, the padding of the input and
 * the blocked summation. Internal to core/: not part of the public API (see
 * conv2d-direct.h). The kernels' dispatchers are declared in conv2d-direct-rows.h and
 * conv2d-direct-channels.h. */

#pragma once

#include "core/ops/conv2d-geom.h"

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

/* A broadcast GCC compiles as one instruction wherever the operand comes from. Clang (the
 * fuzzing build) lacks __builtin_shuffle and spells it with constant lane indices. */
#if defined (__clang__)
#define SPLAT8(x)  __builtin_shufflevector ((V8f) { (x) }, (V8f) { 0 }, \
                                            0, 0, 0, 0, 0, 0, 0, 0)
#define SPLAT16(x) __builtin_shufflevector ((V16f) { (x) }, (V16f) { 0 }, \
                                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#else
#define SPLAT8(x)  __builtin_shuffle ((V8f) { (x) }, (V8i) { 0 })
#define SPLAT16(x) __builtin_shuffle ((V16f) { (x) }, (V16i) { 0 })
#endif
/* Vectors move through memcpy: no alignment assumed, no aliasing games. */
#define LOAD(v, p)  memcpy (&(v), (p), sizeof (v))
#define STORE(p, v) memcpy ((p), &(v), sizeof (v))

#define TILE 24                           /* accumulators in the largest tile */

/* Not under ThreadSanitizer: it instruments the resolver that picks a clone, which the
 * loader runs before the sanitizer is set up. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_THREAD__)
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

/* ---- layout ----------------------------------------------------------------------------
 * Everything the kernels derive from the geometry, the path and the width. */
typedef struct {
  int   L;           /* lanes */
  gsize hp, wp;      /* xpad (C, Hp, Wp) */
  gsize ocv;         /* CHANNELS: OC rounded up to L */
  int   nu, nr, no;  /* ROWS tile: NU vectors along NR output rows, NO channels */
  int   np, nv;      /* CHANNELS tile: NP positions of a row, NV vectors of channels */
} Layout;

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

/* xpad (C, Hp, Wp) = in (C, H, W) framed by zeros: PH rows above, PW columns left, the
 * rest of each row and the rows below zero. */
static inline void
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
