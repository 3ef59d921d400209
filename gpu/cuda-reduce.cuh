/* cuda-reduce.cuh: the one block reduction the kernels share.
 *
 * Device code, so it has to be in every translation unit that calls it (the module is
 * built without relocatable device code); cuda-rng.cuh is the other header of the kind.
 */
#pragma once

#include <glib.h>

#include "gpu/cuda-ops.h"

/* The block's sum of every thread's v, for blocks of ST_CUDA_THREADS threads: a tree in a
 * fixed order, so that the result is the same on every run (no atomics). Every thread of
 * the block must call it; every thread gets the total. `shared` holds ST_CUDA_THREADS
 * doubles. */
static __device__ __forceinline__ double
st_block_sum (double v, double *shared)
{
  double total;

  shared[threadIdx.x] = v;
  __syncthreads ();
  for (unsigned s = ST_CUDA_THREADS / 2; s > 0; s >>= 1)
    {
      if (threadIdx.x < s)
        shared[threadIdx.x] += shared[threadIdx.x + s];
      __syncthreads ();
    }
  total = shared[0];
  __syncthreads ();
  return total;
}

/* Grid-stride loop over [0, count). */
#define ST_CUDA_FOR(i, count)                                                            \
  for (gsize i = (gsize) blockIdx.x * blockDim.x + threadIdx.x; i < (gsize) (count);     \
       i += (gsize) blockDim.x * gridDim.x)
