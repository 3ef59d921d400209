/* conv2d-direct.h: direct convolution kernels, the paths of st_conv2d_forward/backward for
 * layers with few channels, where im2col + GEMM spends its time moving the column matrix.
 * Internal to core/ops/conv2d.c, which picks the path of each product per layer
 * (StConv2dGeom.forward, .weight, .input) and the vector width (.lanes).
 *
 * Dimension letters as in conv2d.h; in addition
 *   L        lanes per vector: 8 (AVX2, or the baseline build) or 16 (AVX-512)
 *   Hp, Wp   the zero-padded copy of one example's input that the kernels read, xpad
 *            (C, Hp, Wp), so that no loop tests for the border
 *   OCv      OC rounded up to whole vectors
 *
 * Two layouts of the work, by what the L lanes of a vector hold:
 *   ROWS        L neighbouring outputs of one output row (ow, ow + 1, …): LeNet's first
 *               layer (6 channels, 28-wide rows); no transposition anywhere.
 *   CHANNELS    L output channels of one output position: LeNet's second layer (16
 *               channels, 10-wide rows, which would leave lanes idle) and deep-cnn's second
 *               (128 channels); the outputs are scattered into (OC, P), and the weight
 *               gradient reads dout transposed to (P, OCv).
 *   ROWS_INPUT  the input gradient, as ROWS on the transposed layer (dout padded, the kernel
 *               turned by 180°, C and OC swapped); stride 1 only.
 * ROWS and CHANNELS need stride 1 along W (SW = 1); any SH, padding and dilation. ROWS'
 * weight gradient always runs 8 lanes wide.
 *
 * Every output element is a sum in a fixed order (bias, then the taps k = 0 … K−1 in
 * blocks of 128, or the positions p = 0 … P−1 for dw), lane by lane, without contraction:
 * the AVX2, AVX-512 and baseline builds give the same bits (ROWS' weight gradient, which
 * sums its lanes in a tree, included: it has one width), and an example's output and input
 * gradient do not depend on how the batch is split into slices.
 */
#pragma once

#include "core/ops/conv2d-geom.h"
#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

/* Does this CPU run the 16-lane (AVX-512) kernels? */
gboolean st_conv2d_direct_has_avx512      (void);
/* The width geom_init gives a layer: 16 where the CPU has AVX-512, unless the environment
 * sets STRATA_VECTOR_LANES=8; else 8. */
int      st_conv2d_direct_default_lanes   (void);
/* Can `path` (ROWS, CHANNELS or ROWS_INPUT) run this geometry? */
gboolean st_conv2d_direct_fits            (const StConv2dGeom *geom,
                                           StConv2dPath        path);
/* Floats of scratch the direct kernels need for this geometry (any n). */
gsize    st_conv2d_direct_scratch_floats  (const StConv2dGeom *geom,
                                           StConv2dPath        path);

void     st_conv2d_direct_forward         (float              *out,      /* (N, OC, OH, OW) */
                                           const float        *in,       /* (N, C, H, W) */
                                           const float        *w,        /* (OC, C, KH, KW) */
                                           const float        *b,        /* (OC) or NULL */
                                           float              *scratch,
                                           int                 n,
                                           const StConv2dGeom *geom,
                                           StConv2dPath        path);
/* dw (OC, C, KH, KW) += Σ over the slice; db is left to the caller. */
void     st_conv2d_direct_backward_weight (float              *dw,
                                           const float        *dout,     /* (N, OC, OH, OW) */
                                           const float        *in,       /* (N, C, H, W) */
                                           float              *scratch,
                                           int                 n,
                                           const StConv2dGeom *geom,
                                           StConv2dPath        path);

/* din (+)= the input gradient, per mode, through ROWS (ST_CONV2D_PATH_ROWS_INPUT). */
void     st_conv2d_direct_backward_input  (float              *din,      /* (N, C, H, W) */
                                           const float        *dout,     /* (N, OC, OH, OW) */
                                           const float        *w,        /* (OC, C, KH, KW) */
                                           float              *scratch,
                                           int                 n,
                                           const StConv2dGeom *geom,
                                           StGradMode          mode);

G_END_DECLS
