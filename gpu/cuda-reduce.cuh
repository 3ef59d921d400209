/* cuda-reduce.cuh: the one block reduction the kernels share.
 *
 * Device code, so it has to be in every translation unit that calls it (the module is
 * built without relocatable device code); cuda-rng.cuh is the other header of the kind.
 */
#pragma once

#include <glib.h>

#include "gpu/cuda-kernel.h"

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

/* ---- the two-stage per-channel reduction -------------------------------------------------
 *
 * Sums over the (N, HW) values of each channel of an (N, C, HW) tensor, K sums at a time
 * (BatchNorm needs Σx and Σx²). Stage one: block c·tiles + tile of a grid of C·tiles sums the
 * examples [tile·per, (tile + 1)·per) of channel c, per = ⌈N / tiles⌉, each thread walking
 * its values with a (example, position) pair that it advances by additions (no division in
 * the loop), then a fixed-order tree; partial[(c·tiles + tile)·K + k]. Stage two: the
 * channel's tiles added in tile order (st_tile_total), by whatever finishes the op. The
 * number of tiles is st_cuda_reduce_tiles (N, C, HW), fixed by the shape, so one shape
 * always sums in one order: deterministic, no atomics.
 *
 * `f (acc, j, c)` adds element j (an offset into the tensor) of channel c into acc[0..K). Launch C·tiles
 * blocks of ST_CUDA_THREADS. */
template <int K, typename F>
static __device__ __forceinline__ void
st_tile_sums (double *__restrict__ partial, int n, int C, int HW, int tiles, F f)
{
  __shared__ double shared[ST_CUDA_THREADS];
  const int c = blockIdx.x / tiles, tile = blockIdx.x - c * tiles;
  const int per = (n + tiles - 1) / tiles;
  const int i1 = min (n, (tile + 1) * per);
  const int step_i = blockDim.x / HW, step_p = blockDim.x % HW;
  int i = tile * per + (int) threadIdx.x / HW, p = (int) threadIdx.x % HW;
  double acc[K];

  for (int k = 0; k < K; k++)
    acc[k] = 0.0;
  while (i < i1)
    {
      f (acc, ((gsize) i * C + c) * HW + p, c);
      i += step_i;
      p += step_p;
      if (p >= HW)
        {
          p -= HW;
          i++;
        }
    }
  for (int k = 0; k < K; k++)
    {
      const double total = st_block_sum (acc[k], shared);

      if (threadIdx.x == 0)
        partial[((gsize) c * tiles + tile) * K + k] = total;
    }
}

/* The plainest stage one: element j itself (a bias gradient: Σ dout per channel). */
typedef struct {
  const float *values;

  __device__ void operator() (double *acc, gsize j, int) const { acc[0] += values[j]; }
} StSumValues;

/* Stage two: sum k of channel c, its tiles added in order. */
static __device__ __forceinline__ double
st_tile_total (const double *__restrict__ partial, int c, int tiles, int K, int k)
{
  double s = 0.0;

  for (int t = 0; t < tiles; t++)
    s += partial[((gsize) c * tiles + t) * K + k];
  return s;
}
