/* activation.cuh: the elementwise activations' forward rules, one device function each, shared
 * by activation.cu's kernels and by the layers that apply them in their own last step
 * (conv2d.cu, linear.cu: a convolution or linear layer fused with the activation after it),
 * so that a fused layer gives the very bits of the two ops apart.
 *
 * The same float operations as the CPU (the module is built with -fmad=false). Sigmoid and
 * Tanh use CUDA's expf and tanhf, within 2 ulp of the CPU's polynomial.
 * https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html, Sigmoid, Tanh.
 * Device code without CUDA's headers (cuda-kernel.h): tests/cuda-emu.h runs it on the host.
 */
#pragma once

#include <math.h>

#include "gpu/cuda-kernel.h"

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
