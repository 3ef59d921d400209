/* join.h: the two ops that blocks compile into — channel concatenation (Concat, as in an
 * Inception block) and elementwise addition (Residual).
 *
 * Mirror torch.cat(dim=1) and the + of a residual connection:
 * https://pytorch.org/docs/stable/generated/torch.cat.html
 * https://pytorch.org/docs/stable/generated/torch.add.html
 *
 * Dimension letters:
 *   N    examples in the slice
 *   K    inputs joined by one Concat
 *   C_k  channels of input k; their sum is the output's channels
 *   HW   H·W, the values per channel (1 for feature vectors)
 *   S    elements of one example (Add)
 *
 * Gradient rules are in core/ops/grad-mode.h. In a Residual block the block's input x feeds
 * both the body and the shortcut; backward walks the tape in reverse, so the Add runs
 * first and writes dx (ST_GRAD_WRITE), and the body's first op then adds into it
 * (ST_GRAD_ADD). One mode covers both of an op's input gradients; a caller that needs
 * different modes calls backward once per input, passing NULL for the other.
 */
#pragma once

#include <glib.h>

#include "core/ops/grad-mode.h"

G_BEGIN_DECLS

/* out[n] = (ins[0][n], ins[1][n], …) along channels. */
void st_concat_forward   (float              *out,      /* (N, Σ C_k, HW) */
                          const float *const *ins,      /* K × (N, C_k, HW) */
                          const int          *channels, /* (K): C_k */
                          int                 n_inputs, /* K */
                          int                 n,
                          gsize               HW);
/* dins[k] (+)= the slice of dout that input k produced; dins[k] may be NULL. */
void st_concat_backward  (float *const       *dins,     /* K × (N, C_k, HW) */
                          const float        *dout,     /* (N, Σ C_k, HW) */
                          const int          *channels, /* (K) */
                          int                 n_inputs,
                          int                 n,
                          gsize               HW,
                          StGradMode          mode);

/* out = a + b; out may be a or b. */
void st_add_forward      (float              *out,      /* (N, S) */
                          const float        *a,        /* (N, S) */
                          const float        *b,        /* (N, S) */
                          int                 n,
                          gsize               size);
/* da (+)= dout, db (+)= dout; either may be NULL. */
void st_add_backward     (float              *da,       /* (N, S) or NULL */
                          float              *db,       /* (N, S) or NULL */
                          const float        *dout,     /* (N, S) */
                          int                 n,
                          gsize               size,
                          StGradMode          mode);

G_END_DECLS
