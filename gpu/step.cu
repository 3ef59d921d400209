/* step.cu: the values of one step on the device (StCudaStep), the two-stage reduction's
 * tiling, and the graph node that carries a step's values into a replay.
 *
 * A training step or an evaluation begins with set_step_kernel, one thread that copies its
 * by-value argument to the device's StCudaStep; every later kernel of the step reads the
 * offset, seed and optimizer factors from there. Captured into a CUDA graph, the step's
 * work is fixed except for that node's argument, which cudaGraphExecKernelNodeSetParams
 * replaces before each launch: no copy from the host, and one node to update.
 */
#include "gpu/cuda-ops.h"

static __global__ void
set_step_kernel (StCudaStep *step, StCudaStep values)
{
  *step = values;
}

gboolean
st_cuda_set_step (const StCudaQueue *q, StCudaStep *step, const StCudaStep *values,
                  GError **error)
{
  set_step_kernel<<<1, 1, 0, q->stream>>> (step, *values);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_graph_find_step (cudaGraph_t graph, cudaGraphNode_t *node, GError **error)
{
  size_t count = 0;
  cudaGraphNode_t *nodes;
  gboolean found = FALSE;

  ST_CUDA_CHECK (cudaGraphGetNodes (graph, NULL, &count), error);
  nodes = g_new0 (cudaGraphNode_t, MAX (count, 1));
  if (cudaGraphGetNodes (graph, nodes, &count) == cudaSuccess)
    for (size_t i = 0; i < count && !found; i++)
      {
        cudaGraphNodeType type;
        cudaKernelNodeParams p;

        if (cudaGraphNodeGetType (nodes[i], &type) != cudaSuccess
            || type != cudaGraphNodeTypeKernel
            || cudaGraphKernelNodeGetParams (nodes[i], &p) != cudaSuccess)
          continue;
        if (p.func == (void *) set_step_kernel)
          {
            *node = nodes[i];
            found = TRUE;
          }
      }
  g_free (nodes);
  cudaGetLastError ();
  if (!found)
    return st_cuda_fail (error, cudaErrorInvalidValue,
                         "a captured step without its set_step node", G_STRLOC);
  return TRUE;
}

gboolean
st_cuda_graph_set_step (cudaGraphExec_t exec, cudaGraphNode_t node, StCudaStep *step,
                        const StCudaStep *values, GError **error)
{
  StCudaStep v = *values;
  void *args[] = { &step, &v };
  cudaKernelNodeParams p = cudaKernelNodeParams ();

  p.func = (void *) set_step_kernel;
  p.gridDim = dim3 (1, 1, 1);
  p.blockDim = dim3 (1, 1, 1);
  p.sharedMemBytes = 0;
  p.kernelParams = args;
  p.extra = NULL;
  ST_CUDA_CHECK (cudaGraphExecKernelNodeSetParams (exec, node, &p), error);
  return TRUE;
}

/* About two blocks per multiprocessor of an H100 or H200 (132) in all, and tiles of at
 * least 2,048 values: enough blocks to fill the GPU, not so many that stage two is long.
 * A constant, not the device's count, so that a shape sums in one order on every GPU. */
int
st_cuda_reduce_tiles (int n, int C, gsize HW)
{
  const gsize values = (gsize) MAX (n, 1) * HW;
  gsize want = (264 + (gsize) MAX (C, 1) - 1) / MAX (C, 1);

  want = MIN (want, MAX (values / 2048, 1));
  want = MIN (want, (gsize) MAX (n, 1));
  return (int) CLAMP (want, 1, ST_CUDA_MAX_TILES);
}
