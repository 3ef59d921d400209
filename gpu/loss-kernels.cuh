/* loss-kernels.cuh: the losses' kernels, which gpu/loss.cu launches (its top has the
 * legend and the rules). Device code without CUDA's headers (cuda-kernel.h):
 * tests/test-cuda-kernels.cc runs these on the host against core/ops/loss.c.
 */
#pragma once

#include <math.h>

#include "gpu/cuda-kernel.h"
#include "gpu/cuda-reduce.cuh"

/* The first maximum, as torch.argmax; the first NaN counts as the maximum. */
static __device__ int
argmax (const float *x, int len)
{
  int best = 0;

  for (int j = 1; j < len; j++)
    if (!isnan (x[best]) && (x[j] > x[best] || isnan (x[j])))
      best = j;
  return best;
}

static __device__ __forceinline__ float
target (int label, int S, int j)
{
  return S == 1 ? (float) label : (label == j ? 1.0f : 0.0f);
}

/* prediction_is_correct: S == 1, (x > 0.5) == (t > 0.5); else argmax x == argmax t, where
 * a one-hot target's argmax is its label (0 when the label is out of range: all zeros). */
static __device__ gboolean
is_correct (const float *x, int label, int S)
{
  if (S == 1)
    return (x[0] > 0.5f) == (target (label, 1, 0) > 0.5f);
  return argmax (x, S) == (label < S ? label : 0);
}

static __global__ void
loss_kernel (StCudaLoss kind, double *__restrict__ partial, float *__restrict__ dy,
             const float *__restrict__ y, const guint8 *__restrict__ labels, int n, int S,
             float scale)
{
  __shared__ double shared[ST_CUDA_THREADS];
  const gsize i = (gsize) blockIdx.x * blockDim.x + threadIdx.x;
  double total = 0.0;
  gboolean right = FALSE;

  if (i < (gsize) n)
    {
      const float *x = y + i * S;                             /* (S) */
      float *dx = dy != NULL ? dy + i * S : NULL;             /* (S) */
      const int label = labels[i];

      switch (kind)
        {
        case ST_CUDA_LOSS_CROSS_ENTROPY:
          {
            const int top = argmax (x, S);
            const double m = x[top];
            double s = 0.0;

            /* log Σ exp(x) = m + log Σ exp(x − m): every exponent <= 0 */
            for (int c = 0; c < S; c++)
              s += exp ((double) x[c] - m);
            total = label < S ? m + log (s) - x[label] : NAN;
            right = top == label;
            if (dx != NULL)
              for (int c = 0; c < S; c++)
                dx[c] = (float) ((exp ((double) x[c] - m) / s - (c == label)) * scale);
            break;
          }
        case ST_CUDA_LOSS_BCE:
          for (int j = 0; j < S; j++)
            {
              const float t = target (label, S, j);
              double lx, l1x;

              if (dx != NULL)
                {
                  const float d = (1.0f - x[j]) * x[j];

                  dx[j] = scale * (x[j] - t) / (d > 1e-12f ? d : 1e-12f);
                }
              if (!(x[j] >= 0.0f && x[j] <= 1.0f))
                {
                  total += NAN;
                  continue;
                }
              /* PyTorch: (t − 1)·max(log1p(−x), −100) − t·max(log x, −100) */
              lx = log ((double) x[j]);
              l1x = log1p (-(double) x[j]);
              lx = lx < -100.0 ? -100.0 : lx;
              l1x = l1x < -100.0 ? -100.0 : l1x;
              total += ((double) t - 1.0) * l1x - t * lx;
            }
          right = is_correct (x, label, S);
          break;
        case ST_CUDA_LOSS_MSE:
        default:
          for (int j = 0; j < S; j++)
            {
              const float t = target (label, S, j);
              const double d = (double) x[j] - t;

              total += d * d;
              if (dx != NULL)
                dx[j] = 2.0f * scale * (x[j] - t);
            }
          right = is_correct (x, label, S);
          break;
        }
    }
  total = st_block_sum (total, shared);
  if (threadIdx.x == 0)
    partial[2 * blockIdx.x] = total;
  total = st_block_sum (right ? 1.0 : 0.0, shared);
  if (threadIdx.x == 0)
    partial[2 * blockIdx.x + 1] = total;
}

/* One thread: the blocks' sums in order (a batch has a few blocks of examples). */
static __global__ void
reduce_kernel (StCudaTotals *totals, const double *__restrict__ partial, int blocks, int n,
               double divisor, gboolean train, gboolean reset)
{
  double loss = 0.0, correct = 0.0;

  if (blockIdx.x != 0 || threadIdx.x != 0)
    return;
  for (int b = 0; b < blocks; b++)
    {
      loss += partial[2 * b];
      correct += partial[2 * b + 1];
    }
  loss /= divisor;
  if (reset)
    totals->loss_sum = totals->last_loss = totals->correct = totals->steps = 0.0;
  totals->loss_sum += loss;
  totals->correct += correct;
  if (train)
    {
      totals->last_loss = loss / n;
      totals->steps += 1.0;
    }
}
