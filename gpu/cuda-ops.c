/* cuda-ops.c: the errors of the CUDA runtime and of cuBLAS as GErrors (cuda-ops.h's
 * ST_CUDA_CHECK and ST_CUBLAS_CHECK), for the kernels' launchers and the module alike. */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-ops.h"

#include "core/engine/net.h"         /* StNetError */
#include "core/io/i18n.h"

gboolean
st_cuda_fail (GError **error, cudaError_t err, const char *call, const char *where)
{
  g_set_error (error, NET_ERROR,
               err == cudaErrorMemoryAllocation ? ST_NET_ERROR_MEMORY : ST_NET_ERROR_DEVICE,
               _("CUDA: %s failed (%s): %s (%s)"), call, where, cudaGetErrorString (err),
               cudaGetErrorName (err));
  return FALSE;
}

gboolean
st_cublas_fail (GError **error, cublasStatus_t status, const char *call, const char *where)
{
  g_set_error (error, NET_ERROR,
               status == CUBLAS_STATUS_ALLOC_FAILED ? ST_NET_ERROR_MEMORY : ST_NET_ERROR_DEVICE,
               _("cuBLAS: %s failed (%s): %s"), call, where, cublasGetStatusString (status));
  return FALSE;
}
