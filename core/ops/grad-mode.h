/* grad-mode.h: the gradient-accumulation rule of every CPU op, written once.
 *
 *  - Parameter gradients (conv and linear dw and db, PReLU's slope, BatchNorm's gamma and
 *    beta) always ACCUMULATE (+=). The caller zeroes its gradient block once per step; each
 *    worker thread owns one block, and the blocks are summed before the optimizer step.
 *  - Input gradients take an StGradMode. ST_GRAD_WRITE overwrites din; ST_GRAD_ADD adds into
 *    it. Use ADD for an input that several consumers read (the input of a Concat or a
 *    Residual block): the first consumer that backward reaches writes, the later ones add.
 *  - din may be NULL when the input needs no gradient (the network's input); the op then
 *    skips that work.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  ST_GRAD_WRITE,
  ST_GRAD_ADD,
} StGradMode;

G_END_DECLS
