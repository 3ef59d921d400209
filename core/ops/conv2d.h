/* conv2d.h: 2-D convolution (a cross-correlation, as in every CNN library) on the CPU.
 *
 * Mirrors torch.nn.Conv2d with groups=1 and padding_mode='zeros':
 * https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 *
 * Dimension letters:
 *   N        examples in the slice the call works on (one thread's share of the batch)
 *   C, H, W  input channels, height, width
 *   OC       output channels
 *   KH, KW   kernel height, width      SH, SW  stride
 *   PH, PW   zero padding on each side DH, DW  dilation
 *   OH, OW   output height, width: OH = ⌊(H + 2·PH − DH·(KH − 1) − 1) / SH⌋ + 1, same for OW
 *   K        C·KH·KW, one output pixel's receptive field (an im2col column)
 *   P        OH·OW, the output positions of one example
 *
 *   out[n, oc, oh, ow] = b[oc] + Σ_{c, kh, kw} w[oc, c, kh, kw] · in[n, c, ih, iw],
 *   ih = oh·SH − PH + kh·DH,  iw = ow·SW − PW + kw·DW,  in = 0 outside the map.
 *
 * Buffers are float32, NCHW, contiguous:
 *   in    (N, C, H, W)      out  (N, OC, OH, OW)
 *   w     (OC, C, KH, KW)   b    (OC), NULL for bias=False
 *
 * Single-threaded: the caller splits a batch over threads and gives each call a disjoint
 * slice (and sets OpenBLAS to one thread). The gradient rules are in core/ops/grad-mode.h.
 */
#pragma once

#include <glib.h>

#include "core/ops/conv2d-geom.h"
#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

/* Fill in C … DW, then call this: it checks them and computes OH and OW. FALSE (and OH, OW
 * set to 0) when a field is out of range or the output would be empty; no warning, since a
 * model being edited reaches such shapes. forward, weight and input left at AUTO (0) get the
 * fastest path measured for the shape (bench/bench-ops.c), lanes left at 0 the widest
 * vectors; a path or width set beforehand is kept (tests force each one), and FALSE is
 * returned when it cannot run the shape or this CPU lacks it. */
gboolean st_conv2d_geom_init       (StConv2dGeom *geom);

/* Floats of the one scratch workspace that forward and backward need for a slice of n
 * examples; the caller allocates it once (it may be shared by every conv layer a thread
 * runs, at the largest size). 0 for a 1×1, stride-1, unpadded convolution. */
gsize    st_conv2d_scratch_floats  (const StConv2dGeom *geom, int n);

/* Fast path: geom->forward's, by default im2col + cblas_sgemm per example,
 * out[n] (OC, P) = w (OC, K) · cols (K, P). */
void     st_conv2d_forward         (float              *out,      /* (N, OC, OH, OW) */
                                    const float        *in,       /* (N, C, H, W) */
                                    const float        *w,        /* (OC, C, KH, KW) */
                                    const float        *b,        /* (OC) or NULL */
                                    float              *scratch,  /* st_conv2d_scratch_floats */
                                    int                 n,
                                    const StConv2dGeom *geom);
/* din is written or added per mode, may be NULL; dw and db accumulate; db must be NULL
 * exactly when the layer has no bias. */
void     st_conv2d_backward        (float              *din,      /* (N, C, H, W) or NULL */
                                    float              *dw,       /* (OC, C, KH, KW) */
                                    float              *db,       /* (OC) or NULL */
                                    const float        *dout,     /* (N, OC, OH, OW) */
                                    const float        *in,       /* (N, C, H, W) */
                                    const float        *w,        /* (OC, C, KH, KW) */
                                    float              *scratch,
                                    int                 n,
                                    const StConv2dGeom *geom,
                                    StGradMode          mode);

/* The reference: direct loops, sums in double. Slow, and they allocate; for tests and
 * benchmarks only. Same contracts as the fast path. */
void     st_conv2d_forward_naive   (float              *out,
                                    const float        *in,
                                    const float        *w,
                                    const float        *b,
                                    int                 n,
                                    const StConv2dGeom *geom);
void     st_conv2d_backward_naive  (float              *din,
                                    float              *dw,
                                    float              *db,
                                    const float        *dout,
                                    const float        *in,
                                    const float        *w,
                                    int                 n,
                                    const StConv2dGeom *geom,
                                    StGradMode          mode);

G_END_DECLS
