/* cuda-kernel.h: what the kernels' own headers (*.cuh) need and nothing more — the launch
 * shape, an op's geometry, the activations a layer can apply itself — so that they also build as plain C++ on the host, where
 * tests/cuda-emu.h runs them without a GPU (tests/test-cuda-kernels.cc). No CUDA header.
 */
#pragma once

#include <glib.h>

/* Launch shape of the elementwise kernels: grid-stride loops over `count` items. */
#define ST_CUDA_THREADS 256
#define ST_CUDA_BLOCKS(count) \
  ((unsigned) MAX (1, MIN (((gsize) (count) + ST_CUDA_THREADS - 1) / ST_CUDA_THREADS, 1u << 20)))

/* The most tiles the two-stage reductions cut one channel into (cuda-reduce.cuh). */
#define ST_CUDA_MAX_TILES 256

/* One op's geometry, from StOpGeom: convolution and pooling (pooling: OC = C). */
typedef struct {
  int C, H, W;
  int OC, OH, OW;
  int KH, KW, SH, SW, PH, PW, DH, DW;
} StCudaGeom;

/* An activation a layer applies in its own last step (activation.cuh): a convolution or a
 * linear layer fused with the ReLU, Sigmoid or Tanh that alone reads its output. */
typedef enum {
  ST_CUDA_ACT_NONE,
  ST_CUDA_ACT_RELU,
  ST_CUDA_ACT_SIGMOID,
  ST_CUDA_ACT_TANH,
} StCudaAct;
