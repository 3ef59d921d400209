/* pool2d.h: max, average and adaptive average pooling over each channel's map.
 *
 * Mirrors, with ceil_mode=False, count_include_pad=True, divisor_override=None (and, for
 * average pooling, which has none, dilation=1):
 * https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html
 * https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html
 * https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html
 *
 * Dimension letters:
 *   N        examples in the slice
 *   C, H, W  channels, input height and width (pooling keeps C)
 *   KH, KW   window      SH, SW  stride (PyTorch's default, stride = kernel_size, is the
 *                                caller's business)
 *   DH, DW   max pooling's dilation: the window takes every DH-th row, spanning
 *            EH = DH·(KH − 1) + 1 rows (EW likewise); 1 for average pooling
 *   PH, PW   padding on each side: -inf for max, zeros counted in the mean for avg; at most
 *            half the (spanned) window, as PyTorch requires
 *   OH, OW   output: OH = ⌊(H + 2·PH − EH) / SH⌋ + 1, same for OW
 *
 *   in (N, C, H, W)   out (N, C, OH, OW)
 *
 * Adaptive pooling splits each axis into OH (OW) bins, bin i covering
 * [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉): bins may overlap, and OH may exceed H.
 *
 * Single-threaded, one slice per call; gradient rules in core/ops/grad-mode.h.
 */
#pragma once

#include <glib.h>

#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

typedef struct {
  int C, H, W;
  int KH, KW;
  int SH, SW;                      /* >= 1 */
  int PH, PW;                      /* 0 <= PH <= EH / 2 */
  int DH, DW;                      /* >= 1; 0 is read as 1. Average pooling: 1 */
  int OH, OW;                      /* set by st_pool2d_geom_init() */
} StPool2dGeom;

/* Fill in C … PW, then call this: it checks them and computes OH and OW. FALSE (and OH, OW
 * set to 0) when a field is out of range or the window does not fit (e.g. a 2×2 window on a
 * 1×1 map). */
gboolean st_pool2d_geom_init               (StPool2dGeom *geom);

/* argmax is the cache for backward: the index, within its (H, W) map, of the input that
 * each output took. Ties go to the first in row-major order; a NaN wins, as in PyTorch. */
void     st_maxpool2d_forward              (float              *out,     /* (N, C, OH, OW) */
                                            const float        *in,      /* (N, C, H, W) */
                                            gint32             *argmax,  /* (N, C, OH, OW) */
                                            int                 n,
                                            const StPool2dGeom *geom);
void     st_maxpool2d_backward             (float              *din,     /* (N, C, H, W) */
                                            const float        *dout,    /* (N, C, OH, OW) */
                                            const gint32       *argmax,  /* (N, C, OH, OW) */
                                            int                 n,
                                            const StPool2dGeom *geom,
                                            StGradMode          mode);

void     st_avgpool2d_forward              (float              *out,     /* (N, C, OH, OW) */
                                            const float        *in,      /* (N, C, H, W) */
                                            int                 n,
                                            const StPool2dGeom *geom);
void     st_avgpool2d_backward             (float              *din,     /* (N, C, H, W) */
                                            const float        *dout,    /* (N, C, OH, OW) */
                                            int                 n,
                                            const StPool2dGeom *geom,
                                            StGradMode          mode);

typedef struct {
  int C, H, W;
  int OH, OW;                      /* the requested output_size */
} StAdaptivePool2dGeom;

/* Checks that every field is >= 1 and the sizes fit in an int. */
gboolean st_adaptive_pool2d_geom_init      (StAdaptivePool2dGeom *geom);

void     st_adaptive_avgpool2d_forward     (float                      *out,  /* (N, C, OH, OW) */
                                            const float                *in,   /* (N, C, H, W) */
                                            int                         n,
                                            const StAdaptivePool2dGeom *geom);
void     st_adaptive_avgpool2d_backward    (float                      *din,  /* (N, C, H, W) */
                                            const float                *dout, /* (N, C, OH, OW) */
                                            int                         n,
                                            const StAdaptivePool2dGeom *geom,
                                            StGradMode                  mode);

G_END_DECLS
