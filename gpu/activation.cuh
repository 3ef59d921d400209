/* activation.cuh: the elementwise activations' rules, forward and backward, one device
 * function each, shared by activation.cu's kernels and by the layers that apply them
 * themselves (conv2d.cu, linear.cu: a convolution or linear layer fused with the activation
 * after it — its last step forward, its first step backward), so that a fused layer gives
 * the very bits of the two ops apart.
 *
 * The same float operations as the CPU (the module is built with -fmad=false). Sigmoid and
 * Tanh use CUDA's expf and tanhf, within 2 ulp of the CPU's polynomial.
 * https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html, Sigmoid, Tanh.
 * Device code without CUDA's headers (cuda-kernel.h): tests/cuda-emu.h runs it on the host.
 */
#pragma once

#include <math.h>

#include "gpu/cuda-kernel.h"
#include "gpu/cuda-reduce.cuh"

/* NaN passes through, as torch.relu. */
static __device__ __forceinline__ float
st_relu (float x)
{
  return x <= 0.0f ? 0.0f : x;
}

/* σ(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) below, e = exp(−|x|): the CPU's form. */
static __device__ __forceinline__ float
st_sigmoid (float x)
{
  const float e = expf (-fabsf (x)), d = 1.0f + e;

  return x >= 0.0f ? 1.0f / d : e / d;
}

static __device__ __forceinline__ float
st_activate (StCudaAct act, float x)
{
  switch (act)
    {
    case ST_CUDA_ACT_RELU:
      return st_relu (x);
    case ST_CUDA_ACT_SIGMOID:
      return st_sigmoid (x);
    case ST_CUDA_ACT_TANH:
      return tanhf (x);
    case ST_CUDA_ACT_NONE:
    default:
      return x;
    }
}

/* The input gradient from the output gradient dy and the output y (what the CPU's backward
 * reads for these three): ReLU y <= 0 ? 0 : dy; Sigmoid, PyTorch's order, dy · (1 − y) · y;
 * Tanh dy · (1 − y·y). */
static __device__ __forceinline__ float
st_activate_grad (StCudaAct act, float dy, float y)
{
  switch (act)
    {
    case ST_CUDA_ACT_RELU:
      return y <= 0.0f ? 0.0f : dy;
    case ST_CUDA_ACT_SIGMOID:
      return dy * (1.0f - y) * y;
    case ST_CUDA_ACT_TANH:
      return dy * (1.0f - y * y);
    case ST_CUDA_ACT_NONE:
    default:
      return dy;
    }
}

/* Stage one of the bias gradient of a layer fused with its activation: each element's
 * gradient g (the layer's dout) formed from the activation's dy and y, written, and summed
 * per channel into the tiles of cuda-reduce.cuh. Every element is visited once. */
typedef struct {
  float       *g;
  const float *dy, *y;
  StCudaAct    act;

  __device__ void operator() (double *acc, gsize j, int) const
  {
    const float v = st_activate_grad (act, dy[j], y[j]);

    g[j] = v;
    acc[0] += v;
  }
} StActGradSum;

static __global__ void
act_bias_grad_tiles_kernel (double *__restrict__ partial, float *g, const float *dy,
                            const float *y, StCudaAct act, int n, int C, int HW, int tiles)
{
  st_tile_sums<1> (partial, n, C, HW, tiles, StActGradSum { g, dy, y, act });
}
