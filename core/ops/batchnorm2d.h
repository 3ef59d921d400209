/* batchnorm2d.h: batch normalisation over (N, H, W) per channel, in phases so that a batch
 * split over threads is still normalised with the statistics of the whole batch.
 *
 * Mirrors torch.nn.BatchNorm2d (eps=1e-5, momentum=0.1, affine, track_running_stats):
 * https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
 *
 * Dimension letters:
 *   N      examples in the slice a call works on
 *   C      channels          HW  H·W, the values per channel of one example
 *   M      the values per channel over the WHOLE batch: N_batch·HW (the `count` argument)
 *
 *   in, out, dout, din (N, C, HW)
 *   gamma, beta (C): weight and bias; both NULL for affine=False
 *   mean, invstd (C): the batch statistics, the cache that backward reads
 *   running_mean, running_var (C): updated in training, used in eval; NULL to skip
 *
 * Training: y = (x − mean) · invstd · gamma + beta with mean and the biased variance var
 * over the batch, invstd = 1 / √(var + eps); the running statistics move by momentum
 * towards mean and the UNBIASED variance var · M / (M − 1):
 *   running = (1 − momentum) · running + momentum · batch_value.
 * Eval: the same transform with running_mean and running_var in place of the batch's.
 *
 * How a caller runs a training step with the batch split into T thread slices:
 *   forward
 *     1. each thread zeroes its own sum and sumsq (C doubles each) and calls
 *        st_batchnorm2d_stats_partial on its slice (several slices: call it once per slice,
 *        it adds);
 *     2. one thread adds the T arrays in thread order (so the result does not depend on
 *        timing) and calls st_batchnorm2d_stats_finalize with M = N_batch·HW;
 *     3. each thread calls st_batchnorm2d_forward_apply on its slice.
 *   backward
 *     1. each thread zeroes its own sum_dy and sum_dy_xhat and calls
 *        st_batchnorm2d_backward_partial on its slice; besides those sums, it adds the
 *        slice's share of the gamma and beta gradients to that thread's dgamma and dbeta
 *        (parameter gradients accumulate per thread, as for every op);
 *     2. one thread adds the T arrays in thread order;
 *     3. each thread calls st_batchnorm2d_backward_apply on its slice with those totals.
 * A single thread runs the same steps with T = 1.
 */
#pragma once

#include <glib.h>

#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

/* sum[c] += Σ x, sumsq[c] += Σ x² over the slice's values of channel c, in double. */
void     st_batchnorm2d_stats_partial     (double      *sum,          /* (C) */
                                           double      *sumsq,        /* (C) */
                                           const float *in,           /* (N, C, HW) */
                                           int          n,
                                           int          C,
                                           gsize        HW);
/* From the whole batch's sums: mean, invstd, and the running statistics' update. FALSE,
 * with nothing written, when count < 2 (PyTorch: "Expected more than 1 value per channel
 * when training"). */
gboolean st_batchnorm2d_stats_finalize    (float        *mean,        /* (C) */
                                           float        *invstd,      /* (C) */
                                           float        *running_mean, /* (C) or NULL */
                                           float        *running_var, /* (C) or NULL */
                                           const double *sum,         /* (C) */
                                           const double *sumsq,       /* (C) */
                                           double        momentum,
                                           double        eps,
                                           gsize         count,
                                           int           C);
void     st_batchnorm2d_forward_apply     (float       *out,          /* (N, C, HW) */
                                           const float *in,           /* (N, C, HW) */
                                           const float *gamma,        /* (C) or NULL */
                                           const float *beta,         /* (C) or NULL */
                                           const float *mean,         /* (C) */
                                           const float *invstd,       /* (C) */
                                           int          n,
                                           int          C,
                                           gsize        HW);
void     st_batchnorm2d_forward_eval      (float       *out,          /* (N, C, HW) */
                                           const float *in,           /* (N, C, HW) */
                                           const float *gamma,        /* (C) or NULL */
                                           const float *beta,         /* (C) or NULL */
                                           const float *running_mean, /* (C) */
                                           const float *running_var,  /* (C) */
                                           double       eps,
                                           int          n,
                                           int          C,
                                           gsize        HW);

/* sum_dy[c] += Σ dy, sum_dy_xhat[c] += Σ dy·x̂ over the slice, x̂ = (x − mean)·invstd;
 * dbeta[c] and dgamma[c] get the same two slice sums added (NULL for affine=False). */
void     st_batchnorm2d_backward_partial  (double      *sum_dy,       /* (C) */
                                           double      *sum_dy_xhat,  /* (C) */
                                           float       *dgamma,       /* (C) or NULL */
                                           float       *dbeta,        /* (C) or NULL */
                                           const float *dout,         /* (N, C, HW) */
                                           const float *in,           /* (N, C, HW) */
                                           const float *mean,         /* (C) */
                                           const float *invstd,       /* (C) */
                                           int          n,
                                           int          C,
                                           gsize        HW);
/* din = gamma · invstd · (dy − Σdy / M − x̂ · Σ(dy·x̂) / M), with the whole batch's sums. */
void     st_batchnorm2d_backward_apply    (float        *din,         /* (N, C, HW) or NULL */
                                           const float  *dout,        /* (N, C, HW) */
                                           const float  *in,          /* (N, C, HW) */
                                           const float  *gamma,       /* (C) or NULL */
                                           const float  *mean,        /* (C) */
                                           const float  *invstd,      /* (C) */
                                           const double *sum_dy,      /* (C), whole batch */
                                           const double *sum_dy_xhat, /* (C), whole batch */
                                           gsize         count,
                                           int           n,
                                           int           C,
                                           gsize         HW,
                                           StGradMode    mode);

G_END_DECLS
