/* activation.h: elementwise activations, forward and backward.
 *
 * Mirrors:
 * https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html
 * https://pytorch.org/docs/stable/generated/torch.nn.LeakyReLU.html  (negative_slope, 0.01)
 * https://pytorch.org/docs/stable/generated/torch.nn.PReLU.html      (one slope or one per
 *                                                                     channel, init 0.25)
 * https://pytorch.org/docs/stable/generated/torch.nn.Sigmoid.html
 * https://pytorch.org/docs/stable/generated/torch.nn.Tanh.html
 *
 * Dimension letters:
 *   N      examples in the slice
 *   S      elements of one example, any shape: C·H·W for a map, F after Flatten/Linear
 *   C, HW  PReLU only: channels (dim 1, as PyTorch) and the elements per channel of one
 *          example (H·W for a map, 1 for a feature vector)
 *
 *   in, out, dout, din  (N, S) = (N, C, HW)
 *
 * Each backward reads what PyTorch's autograd saves for that function: the output for ReLU,
 * Sigmoid and Tanh, the input for LeakyReLU and PReLU. Forward may run in place (out == in),
 * backward too (din == dout). Gradient conventions are in core/ops/grad-mode.h; din may be NULL.
 *
 * Sigmoid and Tanh evaluate exp with an 8-lane polynomial (Cephes' expf coefficients;
 * results within 2 ulp, subnormals kept), 3× faster than libm's expf with AVX2 and the
 * same bits on every x86-64; NaN propagates, ±inf saturate to the exact limits.
 */
#pragma once

#include <glib.h>

#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

void st_relu_forward         (float       *out,            /* (N, S) */
                              const float *in,             /* (N, S) */
                              int          n,
                              gsize        size);
void st_relu_backward        (float       *din,            /* (N, S) or NULL */
                              const float *dout,           /* (N, S) */
                              const float *out,            /* (N, S), the forward's output */
                              int          n,
                              gsize        size,
                              StGradMode   mode);

void st_leaky_relu_forward   (float       *out,            /* (N, S) */
                              const float *in,             /* (N, S) */
                              float        negative_slope,
                              int          n,
                              gsize        size);
void st_leaky_relu_backward  (float       *din,            /* (N, S) or NULL */
                              const float *dout,           /* (N, S) */
                              const float *in,             /* (N, S) */
                              float        negative_slope,
                              int          n,
                              gsize        size,
                              StGradMode   mode);

/* num_parameters is 1 (one shared slope) or C (one per channel). */
void st_prelu_forward        (float       *out,            /* (N, C, HW) */
                              const float *in,             /* (N, C, HW) */
                              const float *w,              /* (num_parameters) */
                              int          n,
                              int          C,
                              gsize        HW,
                              int          num_parameters);
void st_prelu_backward       (float       *din,            /* (N, C, HW) or NULL */
                              float       *dw,             /* (num_parameters), accumulates */
                              const float *dout,           /* (N, C, HW) */
                              const float *in,             /* (N, C, HW) */
                              const float *w,              /* (num_parameters) */
                              int          n,
                              int          C,
                              gsize        HW,
                              int          num_parameters,
                              StGradMode   mode);

void st_sigmoid_forward      (float       *out,            /* (N, S) */
                              const float *in,             /* (N, S) */
                              int          n,
                              gsize        size);
void st_sigmoid_backward     (float       *din,            /* (N, S) or NULL */
                              const float *dout,           /* (N, S) */
                              const float *out,            /* (N, S), the forward's output */
                              int          n,
                              gsize        size,
                              StGradMode   mode);

void st_tanh_forward         (float       *out,            /* (N, S) */
                              const float *in,             /* (N, S) */
                              int          n,
                              gsize        size);
void st_tanh_backward        (float       *din,            /* (N, S) or NULL */
                              const float *dout,           /* (N, S) */
                              const float *out,            /* (N, S), the forward's output */
                              int          n,
                              gsize        size,
                              StGradMode   mode);

G_END_DECLS
