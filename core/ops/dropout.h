/* dropout.h: inverted dropout.
 *
 * Mirrors torch.nn.Dropout (p=0.5 by default):
 * https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html
 *
 * Dimension letters:
 *   N   examples in the slice
 *   S   elements of one example (any shape)
 *
 *   in, out, dout, din (N, S)
 *   mask (N, S), the cache: 1 where the element was kept, 0 where it was zeroed
 *
 * Training: each element is kept with probability 1 − p, drawn from the caller's StRng
 * (core/ops/rng.h; one stream per thread and step, e.g. from st_rng_fork, keeps a seeded run
 * reproducible), and kept elements are scaled by 1 / (1 − p). As in PyTorch, p = 0 is the
 * identity (no draws), and p = 1 multiplies everything by 0. Eval: the identity.
 * Forward may run in place (out == in), backward too (din == dout); gradient rules in
 * core/ops/grad-mode.h.
 */
#pragma once

#include <glib.h>

#include "core/ops/grad-mode.h"
#include "core/ops/rng.h"

G_BEGIN_DECLS

void st_dropout_forward_train  (float       *out,      /* (N, S) */
                                const float *in,       /* (N, S) */
                                double       p,        /* in [0, 1] */
                                StRng       *rng,
                                guint8      *mask,     /* (N, S), written */
                                int          n,
                                gsize        size);
void st_dropout_forward_eval   (float       *out,      /* (N, S) */
                                const float *in,       /* (N, S) */
                                int          n,
                                gsize        size);
/* din (+)= dout · mask / (1 − p); 0 everywhere when p = 1. */
void st_dropout_backward       (float        *din,     /* (N, S) or NULL */
                                const float  *dout,    /* (N, S) */
                                double        p,
                                const guint8 *mask,    /* (N, S), from the forward */
                                int           n,
                                gsize         size,
                                StGradMode    mode);

G_END_DECLS
