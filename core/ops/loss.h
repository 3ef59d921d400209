/* loss.h: the training losses, and the count of correct predictions for the accuracy.
 *
 * Mirrors, with reduction='mean':
 * https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
 * https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html
 * https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html
 *
 * Dimension letters:
 *   N   examples in the slice (part of a batch of N_batch examples)
 *   C   classes (CrossEntropy)
 *   S   outputs per example (BCE, MSE)
 *
 * Forward returns the SUM of the per-example losses over the slice, in double; the caller
 * adds the slices and divides by N_batch (CrossEntropy) or N_batch·S (BCE, MSE), which
 * is PyTorch's 'mean'. Backward writes the gradient of that mean, given
 * scale = 1 / N_batch (CrossEntropy) or 1 / (N_batch·S) (BCE, MSE) — the whole batch's
 * count, not the slice's. The loss is the last op, so backward always overwrites.
 *
 * correct (may be NULL) receives the number of correct predictions in the slice:
 *   CrossEntropy  argmax over the C logits == label (first maximum, as torch.argmax)
 *   BCE, MSE      S == 1: (x > 0.5) == (target > 0.5); S > 1: argmax x == argmax target
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* −log softmax(logits)[label], with max subtraction. A label >= C is a caller bug: it is
 * reported and NaN returned. */
double st_cross_entropy_forward   (gint64       *correct,
                                   const float  *logits,   /* (N, C) */
                                   const guint8 *labels,   /* (N) */
                                   int           n,
                                   int           C);
/* dlogits = (softmax(logits) − onehot(label)) · scale */
void   st_cross_entropy_backward  (float        *dlogits,  /* (N, C) */
                                   const float  *logits,   /* (N, C) */
                                   const guint8 *labels,   /* (N) */
                                   float         scale,
                                   int           n,
                                   int           C);

/* −(t·log x + (1 − t)·log(1 − x)), each log clamped at −100 as PyTorch does; x outside
 * [0, 1] (PyTorch raises) gives NaN. */
double st_bce_forward             (gint64       *correct,
                                   const float  *probs,    /* (N, S) */
                                   const float  *targets,  /* (N, S) */
                                   int           n,
                                   gsize         size);
/* dprobs = (x − t) / max(x·(1 − x), 1e-12) · scale, PyTorch's backward. */
void   st_bce_backward            (float        *dprobs,   /* (N, S) */
                                   const float  *probs,    /* (N, S) */
                                   const float  *targets,  /* (N, S) */
                                   float         scale,
                                   int           n,
                                   gsize         size);

/* (x − t)² */
double st_mse_forward             (gint64       *correct,
                                   const float  *preds,    /* (N, S) */
                                   const float  *targets,  /* (N, S) */
                                   int           n,
                                   gsize         size);
/* dpreds = 2·(x − t) · scale */
void   st_mse_backward            (float        *dpreds,   /* (N, S) */
                                   const float  *preds,    /* (N, S) */
                                   const float  *targets,  /* (N, S) */
                                   float         scale,
                                   int           n,
                                   gsize         size);

G_END_DECLS
