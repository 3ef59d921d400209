/* cuda-emu.h: runs the CUDA module's kernels on the host, without a GPU, for tests.
 *
 * A kernel header of gpu/ (*.cuh, which includes no CUDA header: gpu/cuda-kernel.h) is
 * compiled as plain C++ after this one. Each launch runs its blocks one after another, the
 * threads of a block as fibers (or, in sanitizer builds, real host threads), so
 * __syncthreads is a barrier among them and __shared__ memory (a function's static here) is
 * the one block's; threadIdx and blockIdx are each thread's own. What a GPU does differently — the order in which blocks run, warps —
 * the kernels must not depend on anyway (gpu/cuda-ops.h: no atomics, fixed-order sums).
 *
 *   st_emu_launch (dim3 (blocks), dim3 (threads), [&] { some_kernel (args…); });
 *
 * Slow (a context per CUDA thread): for small shapes. Not for kernels that use warp
 * intrinsics or dynamic shared memory, which none of the emulated headers do.
 */
#pragma once

#include <algorithm>
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <cmath>
#include <thread>
#include <vector>

/* The one definition, shared with tests/cuda-host/cuda_runtime_api.h. */
#ifndef ST_EMU_DIM3
#define ST_EMU_DIM3
struct dim3 {
  unsigned x, y, z;
#ifdef __cplusplus
  constexpr dim3 (unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x (x_), y (y_), z (z_) {}
#endif
};
typedef struct dim3 dim3;
#endif

struct uint3 {
  unsigned x, y, z;
};

/* Each emulated thread's own: so launches from two host threads do not meet. */
inline thread_local uint3 threadIdx, blockIdx;
inline thread_local dim3 blockDim, gridDim;
inline thread_local std::barrier<> *st_emu_block_barrier;

#ifdef ST_EMU_RUNTIME
/* tests/cuda-host/cuda-host-runtime.c: a launch the GPU would refuse, kept for
 * cudaGetLastError (cudaErrorInvalidConfiguration). */
extern "C" void st_emu_refuse_launch (void);
#endif

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static

/* Two ways to run a block's threads. Where the build has no sanitizer, on x86-64: as fibers
 * on the launching thread, each run until its next __syncthreads or its end, round after
 * round — every thread reaches a barrier before any passes it — switched by a few
 * instructions (told to AddressSanitizer). Under ThreadSanitizer, which does not follow a
 * stack switch, and elsewhere: as real threads meeting at a std::barrier. A kernel without
 * __syncthreads needs neither: st_emu_launch_serial runs its threads one after another. */
#if defined(__SANITIZE_THREAD__) || !defined(__x86_64__)
#define ST_EMU_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ST_EMU_THREADS 1
#endif
#endif
/* AddressSanitizer is told of every switch, so that it checks each fiber's stack as one. */
#if defined(__SANITIZE_ADDRESS__)
#define ST_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ST_EMU_ASAN 1
#endif
#endif
#ifdef ST_EMU_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#ifndef ST_EMU_THREADS
#define ST_EMU_STACK (64 * 1024)

/* A fiber's switch: the callee-saved registers pushed on the running stack, its stack
 * pointer kept in *from, the other's loaded and its registers popped. No signal mask (which
 * makes swapcontext a system call each way). x86-64 System V only. */
extern "C" void st_emu_switch (void **from, void *to);
asm (".text\n"
     ".weak st_emu_switch\n"
     ".hidden st_emu_switch\n"
     ".type st_emu_switch, @function\n"
     "st_emu_switch:\n"
     "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
     "  movq %rsp, (%rdi)\n"
     "  movq %rsi, %rsp\n"
     "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
     "  ret\n"
     ".size st_emu_switch, .-st_emu_switch\n");

typedef struct {
  void *sp;
  char *stack;
  void *fake;                   /* AddressSanitizer's, across a switch */
  uint3 idx;
  bool  done;
} StEmuFiber;

/* the fibers' stacks, kept for the thread's later launches and freed when it ends */
inline thread_local std::vector<std::unique_ptr<char[]>> st_emu_stacks;
inline thread_local void *st_emu_main_sp;
inline thread_local StEmuFiber *st_emu_current;
inline thread_local void (*st_emu_body) (void *);
inline thread_local void *st_emu_body_data;
inline thread_local void *st_emu_main_fake;
inline thread_local const void *st_emu_main_bottom;
inline thread_local size_t st_emu_main_size;

/* From fiber f back to the scheduler; `dying` when f will not run again. */
inline void
st_emu_yield (StEmuFiber *f, bool dying)
{
#ifdef ST_EMU_ASAN
  __sanitizer_start_switch_fiber (dying ? NULL : &f->fake, st_emu_main_bottom, st_emu_main_size);
#else
  (void) dying;
#endif
  st_emu_switch (&f->sp, st_emu_main_sp);
#ifdef ST_EMU_ASAN
  __sanitizer_finish_switch_fiber (f->fake, &st_emu_main_bottom, &st_emu_main_size);
#endif
}

/* From the scheduler into fiber f. */
inline void
st_emu_resume (StEmuFiber *f)
{
  st_emu_current = f;
  threadIdx = f->idx;
#ifdef ST_EMU_ASAN
  __sanitizer_start_switch_fiber (&st_emu_main_fake, f->stack, ST_EMU_STACK);
#endif
  st_emu_switch (&st_emu_main_sp, f->sp);
#ifdef ST_EMU_ASAN
  __sanitizer_finish_switch_fiber (st_emu_main_fake, NULL, NULL);
#endif
}

/* Where a new fiber starts: the kernel, then back to the scheduler for good. */
extern "C" inline void
st_emu_fiber_entry ()
{
  StEmuFiber *f = st_emu_current;

#ifdef ST_EMU_ASAN
  __sanitizer_finish_switch_fiber (NULL, &st_emu_main_bottom, &st_emu_main_size);
#endif
  st_emu_body (st_emu_body_data);
  f->done = true;
  st_emu_yield (f, true);
  __builtin_unreachable ();
}

/* A stack whose first switch enters st_emu_fiber_entry as if called: six zeroed registers,
 * then its address where `ret` finds it, 16-byte aligned as a call leaves it. */
inline void *
st_emu_fiber_stack (char *stack)
{
  uintptr_t top = ((uintptr_t) stack + ST_EMU_STACK) & ~(uintptr_t) 15;
  void **ret = (void **) (top - 16);

  *ret = (void *) st_emu_fiber_entry;
  for (int r = 1; r <= 6; r++)
    ret[-r] = NULL;
  return ret - 6;
}
#endif

inline void
__syncthreads ()
{
#ifdef ST_EMU_THREADS
  st_emu_block_barrier->arrive_and_wait ();
#else
  /* a kernel cu-to-host.py took for one that never waits */
  if (st_emu_current == NULL)
    {
      fputs ("cuda-emu: __syncthreads in a kernel launched without fibers\n", stderr);
      std::abort ();
    }
  st_emu_yield (st_emu_current, false);
#endif
}

using std::isfinite;
using std::isinf;
using std::isnan;
using std::max;
using std::min;

/* Runs `kernel` (a callable that calls one kernel) over the grid, the blocks one after
 * another. */
template <typename F>
void
st_emu_launch (dim3 grid, dim3 block, F kernel)
{
  const unsigned long long threads = (unsigned long long) block.x * block.y * block.z;

  /* what a GPU refuses (cudaErrorInvalidConfiguration): nothing runs */
  if (grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.x > 2147483647u || grid.y > 65535
      || grid.z > 65535 || threads < 1 || threads > 1024 || block.z > 64)
    {
#ifdef ST_EMU_RUNTIME
      st_emu_refuse_launch ();
#else
      std::abort ();
#endif
      return;
    }

#ifdef ST_EMU_THREADS
  /* one host thread per thread of a block, each taking the blocks in turn; a barrier ends
   * each block, so that the next starts with the block's shared memory no longer in use */
  std::barrier<> barrier ((std::ptrdiff_t) threads);
  std::vector<std::thread> pool;

  pool.reserve (threads);
  for (unsigned t = 0; t < threads; t++)
    pool.emplace_back ([&, t] {
      gridDim = grid;
      blockDim = block;
      st_emu_block_barrier = &barrier;
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
#else
  std::vector<std::unique_ptr<char[]>> &stacks = st_emu_stacks;
  std::vector<StEmuFiber> fibers (threads);
  const dim3 saved_grid = gridDim, saved_block = blockDim;
  const uint3 saved_thread = threadIdx, saved_block_idx = blockIdx;

  while (stacks.size () < threads)
    stacks.push_back (std::make_unique<char[]> (ST_EMU_STACK));
  gridDim = grid;
  blockDim = block;
  st_emu_body = [] (void *data) { (*(F *) data) (); };
  st_emu_body_data = &kernel;
  for (unsigned bz = 0; bz < grid.z; bz++)
    for (unsigned by = 0; by < grid.y; by++)
      for (unsigned bx = 0; bx < grid.x; bx++)
        {
          bool running = true;

          blockIdx = { bx, by, bz };
          for (unsigned t = 0; t < threads; t++)
            {
              StEmuFiber *f = &fibers[t];

              f->idx = { t % block.x, t / block.x % block.y, t / (block.x * block.y) };
              f->done = false;
              f->stack = stacks[t].get ();
              f->fake = NULL;
              f->sp = st_emu_fiber_stack (f->stack);
            }
          while (running)
            {
              running = false;
              for (unsigned t = 0; t < threads; t++)
                if (!fibers[t].done)
                  {
                    st_emu_resume (&fibers[t]);
                    running |= !fibers[t].done;
                  }
            }
        }
  st_emu_current = NULL;
  gridDim = saved_grid;
  blockDim = saved_block;
  threadIdx = saved_thread;
  blockIdx = saved_block_idx;
#endif
}

/* A launch of a kernel that never calls __syncthreads (tests/cuda-host/cu-to-host.py tells
 * them apart): each thread run to its end in turn, on the launching thread. */
template <typename F>
void
st_emu_launch_serial (dim3 grid, dim3 block, F kernel)
{
  const unsigned long long threads = (unsigned long long) block.x * block.y * block.z;
  const dim3 saved_grid = gridDim, saved_block = blockDim;
  const uint3 saved_thread = threadIdx, saved_block_idx = blockIdx;

  if (grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.x > 2147483647u || grid.y > 65535
      || grid.z > 65535 || threads < 1 || threads > 1024 || block.z > 64)
    {
      st_emu_launch (grid, block, kernel);   /* says why */
      return;
    }
  gridDim = grid;
  blockDim = block;
  for (unsigned bz = 0; bz < grid.z; bz++)
    for (unsigned by = 0; by < grid.y; by++)
      for (unsigned bx = 0; bx < grid.x; bx++)
        {
          blockIdx = { bx, by, bz };
          for (unsigned t = 0; t < threads; t++)
            {
              threadIdx = { t % block.x, t / block.x % block.y, t / (block.x * block.y) };
              kernel ();
            }
        }
  gridDim = saved_grid;
  blockDim = saved_block;
  threadIdx = saved_thread;
  blockIdx = saved_block_idx;
}
