/* cuda-kernel.h: what the kernels' own headers (*.cuh) need and nothing more — the launch
 * shape, an op's geometry, the activations a layer can apply itself, the losses and their
 * totals — so that they also build as plain C++ on the host, where
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

/* Loss and accuracy, accumulated on the device and read back through pinned memory. */
typedef struct {
  double loss_sum;            /* per-example losses (already divided by S for BCE, MSE) */
  double last_loss;           /* the most recent training step's mean loss */
  double correct;             /* a count; a double so that one block sum serves both */
  double steps;               /* training steps whose loss is in loss_sum */
} StCudaTotals;

typedef enum {
  ST_CUDA_LOSS_CROSS_ENTROPY,
  ST_CUDA_LOSS_BCE,
  ST_CUDA_LOSS_MSE,
} StCudaLoss;
