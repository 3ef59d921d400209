/* cuda-context.c: what every job of the CUDA backend starts with and shares — the entry
 * check (a deferred failure, the device), the "not prepared" and "out of memory" errors,
 * and the cache of captured graphs that a new net or new data must drop. Below the table
 * (cuda-backend.c), the datasets (cuda-data.c) and the jobs (cuda-run.c), which all use it.
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-context.h"

#include <math.h>
#include <string.h>

#include "core/io/i18n.h"

/* Every entry starts here: a failure that take_metrics had to keep is reported now. */
gboolean
st_cuda_begin (CudaBackend *cb, GError **error)
{
  if (cb->deferred != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&cb->deferred));
      return FALSE;
    }
  ST_CUDA_CHECK (cudaSetDevice (cb->device), error);
  return TRUE;
}

gboolean
st_cuda_not_prepared (CudaBackend *cb, GError **error)
{
  if (cb->arena != NULL)
    return FALSE;
  g_set_error (error, NET_ERROR, ST_NET_ERROR_MODEL,
               _("the CUDA backend has no net yet (prepare was not called, or failed)"));
  return TRUE;
}

gboolean
st_cuda_free_memory (gsize *free_bytes)
{
  size_t f = 0, t = 0;

  if (cudaMemGetInfo (&f, &t) != cudaSuccess)
    {
      cudaGetLastError ();
      *free_bytes = 0;
      return FALSE;
    }
  *free_bytes = f;
  return TRUE;
}

gboolean
st_cuda_memory_error (CudaBackend *cb, GError **error, const char *what, gsize needed)
{
  gsize free_bytes = 0;

  st_cuda_free_memory (&free_bytes);
  g_set_error (error, NET_ERROR, ST_NET_ERROR_MEMORY, _("%s needs %.0f MiB, %.0f MiB free on %s"),
               what, ceil (needed / MIB), free_bytes / MIB, cb->gpu_name);
  return FALSE;
}

void
st_cuda_graph_clear (StepGraph *g)
{
  g_clear_pointer (&g->exec, cudaGraphExecDestroy);
  g_clear_pointer (&g->graph, cudaGraphDestroy);
  memset (g, 0, sizeof *g);
}

void
st_cuda_drop_graphs (CudaBackend *cb)
{
  for (int i = 0; i < GRAPH_CACHE; i++)
    st_cuda_graph_clear (&cb->graphs[i]);
  cudaGetLastError ();
}
