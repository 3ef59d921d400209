/* cuda-emu.h: runs the CUDA module's kernels on the host, without a GPU, for tests.
 *
 * A kernel header of gpu/ (*.cuh, which includes no CUDA header: gpu/cuda-kernel.h) is
 * compiled as plain C++ after this one. Each launch runs its blocks one after another and the
 * threads of a block as real host threads, so __syncthreads is a barrier among them and
 * __shared__ memory (a function's static here) is the one block's; threadIdx and blockIdx
 * are each thread's own. What a GPU does differently — the order in which blocks run, warps —
 * the kernels must not depend on anyway (gpu/cuda-ops.h: no atomics, fixed-order sums).
 *
 *   st_emu_launch (dim3 (blocks), dim3 (threads), [&] { some_kernel (args…); });
 *
 * Slow (a thread per CUDA thread): for small shapes. Not for kernels that use warp
 * intrinsics or dynamic shared memory, which none of the emulated headers do.
 */
#pragma once

#include <algorithm>
#include <barrier>
#include <cmath>
#include <thread>
#include <vector>

struct dim3 {
  unsigned x, y, z;
  constexpr dim3 (unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x (x_), y (y_), z (z_) {}
};

struct uint3 {
  unsigned x, y, z;
};

inline thread_local uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline std::barrier<> *st_emu_block_barrier;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static

inline void
__syncthreads ()
{
  st_emu_block_barrier->arrive_and_wait ();
}

using std::max;
using std::min;

/* Runs `kernel` (a callable that calls one kernel) over the grid: one host thread per thread
 * of a block, each taking the blocks in turn; a barrier ends each block, so that the next
 * starts with the block's shared memory no longer in use. */
template <typename F>
void
st_emu_launch (dim3 grid, dim3 block, F kernel)
{
  const unsigned threads = block.x * block.y * block.z;
  std::barrier<> barrier ((std::ptrdiff_t) threads);
  std::vector<std::thread> pool;

  gridDim = grid;
  blockDim = block;
  st_emu_block_barrier = &barrier;
  pool.reserve (threads);
  for (unsigned t = 0; t < threads; t++)
    pool.emplace_back ([&, t] {
      threadIdx = { t % block.x, t / block.x % block.y, t / (block.x * block.y) };
      for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
          for (unsigned bx = 0; bx < grid.x; bx++)
            {
              blockIdx = { bx, by, bz };
              kernel ();
              barrier.arrive_and_wait ();
            }
    });
  for (std::thread &th : pool)
    th.join ();
}
