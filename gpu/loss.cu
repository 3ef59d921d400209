/* loss.cu: the training losses and the accuracy count on the device, as core/ops/loss.c and
 * the CPU backend's loss_op.
 *
 * Legend (core/ops/loss.h): N examples, S outputs per example (the classes, for CrossEntropy).
 * https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html, BCELoss.html,
 * MSELoss.html (reduction='mean')
 *
 * One thread per example computes its loss (in double, with the CPU's formulas: log-softmax
 * with max subtraction; BCE's logs clamped at −100; (x − t)²), whether its prediction is
 * right, and the gradient of the batch's mean loss; each block sums its examples' losses
 * and right answers (a fixed-order tree) into partial. A second kernel, one block, adds the
 * blocks' sums in order into the device's running totals, so the host reads the loss and
 * accuracy without ever waiting inside a step.
 *
 * Targets are built from the labels as the CPU backend builds them: S == 1, the label itself
 * (0 or 1); S > 1, one-hot. The kernels are in loss-kernels.cuh (checked on the host by
 * test-cuda-kernels).
 */
#include "gpu/cuda-ops.h"
#include "gpu/loss-kernels.cuh"

gsize
st_cuda_loss_partial (int n)
{
  return 2 * (((gsize) MAX (n, 1) + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS);
}

gboolean
st_cuda_loss (const StCudaQueue *q, StCudaLoss kind, StCudaTotals *totals, double *partial,
              float *dy, const float *y, const guint8 *labels, int n, int S, float scale,
              double divisor, gboolean train, gboolean reset, GError **error)
{
  const unsigned blocks = (unsigned) ((n + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS);

  loss_kernel<<<blocks, ST_CUDA_THREADS, 0, q->stream>>> (kind, partial, dy, y, labels, n, S,
                                                          scale);
  ST_CUDA_LAUNCHED (error);
  reduce_kernel<<<1, 1, 0, q->stream>>> (totals, partial, (int) blocks, n, divisor, train,
                                         reset);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
