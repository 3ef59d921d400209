/* linear.h: fully connected layer, out = in · wᵀ + b.
 *
 * Mirrors torch.nn.Linear, whose weight is (out_features, in_features):
 * https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 *
 * Dimension letters:
 *   N   examples in the slice
 *   C   in_features (after Flatten: C·H·W of the previous map)
 *   OC  out_features
 *
 *   in (N, C)   out (N, OC)   w (OC, C)   b (OC), NULL for bias=False
 *
 * The fast path is three cblas_sgemm calls; the naive reference (direct loops, sums in
 * double) is for tests and benchmarks. Single-threaded on one slice; gradient
 * rules in core/ops/grad-mode.h: dw and db accumulate, din is written or added, may be NULL.
 */
#pragma once

#include <glib.h>

#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

void st_linear_forward         (float       *out,     /* (N, OC) */
                                const float *in,      /* (N, C) */
                                const float *w,       /* (OC, C) */
                                const float *b,       /* (OC) or NULL */
                                int          n,
                                int          C,
                                int          OC);
void st_linear_backward        (float       *din,     /* (N, C) or NULL */
                                float       *dw,      /* (OC, C) */
                                float       *db,      /* (OC) or NULL */
                                const float *dout,    /* (N, OC) */
                                const float *in,      /* (N, C) */
                                const float *w,       /* (OC, C) */
                                int          n,
                                int          C,
                                int          OC,
                                StGradMode   mode);

void st_linear_forward_naive   (float       *out,
                                const float *in,
                                const float *w,
                                const float *b,
                                int          n,
                                int          C,
                                int          OC);
void st_linear_backward_naive  (float       *din,
                                float       *dw,
                                float       *db,
                                const float *dout,
                                const float *in,
                                const float *w,
                                int          n,
                                int          C,
                                int          OC,
                                StGradMode   mode);

G_END_DECLS
