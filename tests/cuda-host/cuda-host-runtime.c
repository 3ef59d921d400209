/* cuda-host-runtime.c: a host stand-in for the CUDA runtime/cuBLAS that Strata's module
 * uses, for tests without a GPU (the declarations: cuda_runtime_api.h and cublas_v2.h here).
 *
 * A "device pointer" is a host pointer and every call is synchronous: a stream is a token,
 * a copy is a memmove, an event records the monotonic clock. The device is one GPU of
 * compute capability 9.0 with 16 GiB, whose allocations are counted against that size
 * (cudaMemGetInfo) and filled with 0xFF bytes, so that a float never written reads as NaN.
 * Graphs are not emulated. The GEMMs follow cuBLAS's column-major semantics, summing each
 * dot product in double. Failing calls set the thread's last error as CUDA's do.
 */
#define _POSIX_C_SOURCE 200809L

#include "cuda_runtime_api.h"
#include "cublas_v2.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define EMU_ALIGN         256
#define EMU_DEVICE_MEMORY ((size_t) 16 << 30)

/* ---- errors ------------------------------------------------------------------------- */

static _Thread_local cudaError_t last_error = cudaSuccess;

void
st_emu_set_last_error (cudaError_t error)
{
  if (error != cudaSuccess)
    last_error = error;
}

void
st_emu_refuse_launch (void)
{
  st_emu_set_last_error (cudaErrorInvalidConfiguration);
}

/* Every failure goes through here: recorded, then returned. */
static cudaError_t
fail (cudaError_t error)
{
  st_emu_set_last_error (error);
  return error;
}

cudaError_t
cudaGetLastError (void)
{
  cudaError_t error = last_error;

  last_error = cudaSuccess;
  return error;
}

cudaError_t
cudaPeekAtLastError (void)
{
  return last_error;
}

static const struct {
  cudaError_t code;
  const char *name, *text;
} error_table[] = {
  { cudaSuccess, "cudaSuccess", "no error" },
  { cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument" },
  { cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory" },
  { cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error" },
  { cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration",
    "invalid configuration argument" },
  { cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection",
    "invalid copy direction for memcpy" },
  { cudaErrorInsufficientDriver, "cudaErrorInsufficientDriver",
    "CUDA driver version is insufficient for CUDA runtime version" },
  { cudaErrorInvalidDeviceFunction, "cudaErrorInvalidDeviceFunction",
    "invalid device function" },
  { cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected" },
  { cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal" },
  { cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle",
    "invalid resource handle" },
  { cudaErrorNotReady, "cudaErrorNotReady", "device not ready" },
  { cudaErrorIllegalAddress, "cudaErrorIllegalAddress",
    "an illegal memory access was encountered" },
  { cudaErrorLaunchOutOfResources, "cudaErrorLaunchOutOfResources",
    "too many resources requested for launch" },
  { cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure" },
  { cudaErrorNotSupported, "cudaErrorNotSupported", "operation not supported" },
  { cudaErrorStreamCaptureUnsupported, "cudaErrorStreamCaptureUnsupported",
    "operation not permitted when stream is capturing" },
  { cudaErrorUnknown, "cudaErrorUnknown", "unknown error" },
};

const char *
cudaGetErrorString (cudaError_t error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == error)
      return error_table[i].text;
  return "unrecognized error code";
}

const char *
cudaGetErrorName (cudaError_t error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == error)
      return error_table[i].name;
  return "unrecognized error code";
}

/* ---- the device --------------------------------------------------------------------- */

cudaError_t
cudaGetDeviceCount (int *count)
{
  if (count == NULL)
    return fail (cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}

cudaError_t
cudaGetDeviceProperties (struct cudaDeviceProp *prop, int device)
{
  if (prop == NULL)
    return fail (cudaErrorInvalidValue);
  if (device != 0)
    return fail (cudaErrorInvalidDevice);
  memset (prop, 0, sizeof *prop);
  g_strlcpy (prop->name, "Strata host emulation", sizeof prop->name);
  prop->totalGlobalMem = EMU_DEVICE_MEMORY;
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 1;
  prop->warpSize = 32;
  return cudaSuccess;
}

cudaError_t
cudaSetDevice (int device)
{
  return device == 0 ? cudaSuccess : fail (cudaErrorInvalidDevice);
}

cudaError_t
cudaGetDevice (int *device)
{
  if (device == NULL)
    return fail (cudaErrorInvalidValue);
  *device = 0;
  return cudaSuccess;
}

cudaError_t
cudaDeviceSynchronize (void)
{
  return cudaSuccess;
}

/* ---- memory ------------------------------------------------------------------------- */

/* The live allocations (pointer → size): device and pinned host apart, so that each free
 * finds its own kind, and the device's counted against its size. */
static GMutex      memory_lock;
static GHashTable *device_blocks, *host_blocks;
static size_t      device_allocated;
static size_t      device_total = EMU_DEVICE_MEMORY;

void
st_emu_set_device_memory (size_t total_bytes)
{
  g_mutex_lock (&memory_lock);
  device_total = total_bytes > 0 ? total_bytes : EMU_DEVICE_MEMORY;
  g_mutex_unlock (&memory_lock);
}

size_t
st_emu_device_allocated (void)
{
  size_t bytes;

  g_mutex_lock (&memory_lock);
  bytes = device_allocated;
  g_mutex_unlock (&memory_lock);
  return bytes;
}

/* `size` bytes, aligned, filled with 0xFF, in *ptr (NULL for size 0, as CUDA does); for the
 * device, only within what is free of its memory. */
static cudaError_t
block_alloc (void **ptr, size_t size, gboolean device)
{
  GHashTable **blocks = device ? &device_blocks : &host_blocks;
  void *p = NULL;

  if (ptr == NULL)
    return fail (cudaErrorInvalidValue);
  *ptr = NULL;
  if (size == 0)
    return cudaSuccess;
  g_mutex_lock (&memory_lock);
  if (device && (device_allocated > device_total || size > device_total - device_allocated))
    {
      g_mutex_unlock (&memory_lock);
      return fail (cudaErrorMemoryAllocation);
    }
  if (posix_memalign (&p, EMU_ALIGN, size) != 0 || p == NULL)
    {
      g_mutex_unlock (&memory_lock);
      return fail (cudaErrorMemoryAllocation);
    }
  if (*blocks == NULL)
    *blocks = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_hash_table_insert (*blocks, p, GSIZE_TO_POINTER (size));
  if (device)
    device_allocated += size;
  g_mutex_unlock (&memory_lock);
  memset (p, 0xFF, size);
  *ptr = p;
  return cudaSuccess;
}

static cudaError_t
block_free (void *ptr, gboolean device)
{
  GHashTable *blocks = device ? device_blocks : host_blocks;
  gpointer size;

  if (ptr == NULL)
    return cudaSuccess;
  g_mutex_lock (&memory_lock);
  if (blocks == NULL || !g_hash_table_lookup_extended (blocks, ptr, NULL, &size))
    {
      g_mutex_unlock (&memory_lock);
      return fail (cudaErrorInvalidValue);
    }
  g_hash_table_remove (blocks, ptr);
  if (device)
    device_allocated -= GPOINTER_TO_SIZE (size);
  g_mutex_unlock (&memory_lock);
  free (ptr);
  return cudaSuccess;
}

cudaError_t
cudaMalloc (void **devPtr, size_t size)
{
  return block_alloc (devPtr, size, TRUE);
}

cudaError_t
cudaFree (void *devPtr)
{
  return block_free (devPtr, TRUE);
}

cudaError_t
cudaHostAlloc (void **pHost, size_t size, unsigned int flags)
{
  if ((flags & ~(unsigned) (cudaHostAllocPortable | cudaHostAllocMapped
                            | cudaHostAllocWriteCombined)) != 0)
    {
      if (pHost != NULL)
        *pHost = NULL;
      return fail (cudaErrorInvalidValue);
    }
  return block_alloc (pHost, size, FALSE);
}

cudaError_t
cudaMallocHost (void **ptr, size_t size)
{
  return block_alloc (ptr, size, FALSE);
}

cudaError_t
cudaFreeHost (void *ptr)
{
  return block_free (ptr, FALSE);
}

cudaError_t
cudaMemGetInfo (size_t *free, size_t *total)
{
  if (free == NULL || total == NULL)
    return fail (cudaErrorInvalidValue);
  g_mutex_lock (&memory_lock);
  *total = device_total;
  *free = device_allocated < device_total ? device_total - device_allocated : 0;
  g_mutex_unlock (&memory_lock);
  return cudaSuccess;
}

cudaError_t
cudaMemcpy (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
  if ((unsigned) kind > cudaMemcpyDefault)
    return fail (cudaErrorInvalidMemcpyDirection);
  if (count == 0)
    return cudaSuccess;
  if (dst == NULL || src == NULL)
    return fail (cudaErrorInvalidValue);
  memmove (dst, src, count);
  return cudaSuccess;
}

cudaError_t
cudaMemcpyAsync (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
                 cudaStream_t stream)
{
  (void) stream;
  return cudaMemcpy (dst, src, count, kind);
}

cudaError_t
cudaMemset (void *devPtr, int value, size_t count)
{
  if (count == 0)
    return cudaSuccess;
  if (devPtr == NULL)
    return fail (cudaErrorInvalidValue);
  memset (devPtr, value, count);
  return cudaSuccess;
}

cudaError_t
cudaMemsetAsync (void *devPtr, int value, size_t count, cudaStream_t stream)
{
  (void) stream;
  return cudaMemset (devPtr, value, count);
}

/* ---- streams ------------------------------------------------------------------------ */

struct st_emu_stream {
  unsigned flags;
};

cudaError_t
cudaStreamCreateWithFlags (cudaStream_t *pStream, unsigned int flags)
{
  if (pStream == NULL || (flags & ~(unsigned) cudaStreamNonBlocking) != 0)
    return fail (cudaErrorInvalidValue);
  *pStream = g_try_new0 (struct st_emu_stream, 1);
  if (*pStream == NULL)
    return fail (cudaErrorMemoryAllocation);
  (*pStream)->flags = flags;
  return cudaSuccess;
}

cudaError_t
cudaStreamCreate (cudaStream_t *pStream)
{
  return cudaStreamCreateWithFlags (pStream, cudaStreamDefault);
}

cudaError_t
cudaStreamDestroy (cudaStream_t stream)
{
  g_free (stream);
  return cudaSuccess;
}

cudaError_t
cudaStreamSynchronize (cudaStream_t stream)
{
  (void) stream;
  return cudaSuccess;
}

/* ---- events ------------------------------------------------------------------------- */

struct st_emu_event {
  unsigned flags;
  gboolean recorded;
  gint64   time;              /* g_get_monotonic_time () of the last record, µs */
};

cudaError_t
cudaEventCreateWithFlags (cudaEvent_t *event, unsigned int flags)
{
  if (event == NULL
      || (flags & ~(unsigned) (cudaEventBlockingSync | cudaEventDisableTiming
                               | cudaEventInterprocess)) != 0)
    return fail (cudaErrorInvalidValue);
  *event = g_try_new0 (struct st_emu_event, 1);
  if (*event == NULL)
    return fail (cudaErrorMemoryAllocation);
  (*event)->flags = flags;
  return cudaSuccess;
}

cudaError_t
cudaEventCreate (cudaEvent_t *event)
{
  return cudaEventCreateWithFlags (event, cudaEventDefault);
}

cudaError_t
cudaEventDestroy (cudaEvent_t event)
{
  if (event == NULL)
    return fail (cudaErrorInvalidResourceHandle);
  g_free (event);
  return cudaSuccess;
}

cudaError_t
cudaEventRecord (cudaEvent_t event, cudaStream_t stream)
{
  (void) stream;
  if (event == NULL)
    return fail (cudaErrorInvalidResourceHandle);
  event->recorded = TRUE;
  event->time = g_get_monotonic_time ();
  return cudaSuccess;
}

cudaError_t
cudaEventSynchronize (cudaEvent_t event)
{
  return event != NULL ? cudaSuccess : fail (cudaErrorInvalidResourceHandle);
}

/* As CUDA: cudaErrorInvalidResourceHandle when either event was never recorded or does
 * not time. */
cudaError_t
cudaEventElapsedTime (float *ms, cudaEvent_t start, cudaEvent_t end)
{
  if (ms == NULL)
    return fail (cudaErrorInvalidValue);
  if (start == NULL || end == NULL || !start->recorded || !end->recorded
      || ((start->flags | end->flags) & cudaEventDisableTiming) != 0)
    return fail (cudaErrorInvalidResourceHandle);
  *ms = (float) ((end->time - start->time) / 1000.0);
  return cudaSuccess;
}

/* ---- graphs: not emulated ----------------------------------------------------------- */

cudaError_t
cudaStreamBeginCapture (cudaStream_t stream, enum cudaStreamCaptureMode mode)
{
  (void) stream;
  (void) mode;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaStreamEndCapture (cudaStream_t stream, cudaGraph_t *pGraph)
{
  (void) stream;
  if (pGraph != NULL)
    *pGraph = NULL;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphInstantiate (cudaGraphExec_t *pGraphExec, cudaGraph_t graph, unsigned long long flags)
{
  (void) graph;
  (void) flags;
  if (pGraphExec != NULL)
    *pGraphExec = NULL;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphLaunch (cudaGraphExec_t graphExec, cudaStream_t stream)
{
  (void) graphExec;
  (void) stream;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphDestroy (cudaGraph_t graph)
{
  return graph == NULL ? cudaSuccess : fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphExecDestroy (cudaGraphExec_t graphExec)
{
  return graphExec == NULL ? cudaSuccess : fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphGetNodes (cudaGraph_t graph, cudaGraphNode_t *nodes, size_t *numNodes)
{
  (void) graph;
  (void) nodes;
  if (numNodes != NULL)
    *numNodes = 0;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphNodeGetType (cudaGraphNode_t node, enum cudaGraphNodeType *pType)
{
  (void) node;
  (void) pType;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphKernelNodeGetParams (cudaGraphNode_t node, struct cudaKernelNodeParams *pNodeParams)
{
  (void) node;
  (void) pNodeParams;
  return fail (cudaErrorNotSupported);
}

cudaError_t
cudaGraphExecKernelNodeSetParams (cudaGraphExec_t hGraphExec, cudaGraphNode_t node,
                                  const struct cudaKernelNodeParams *pNodeParams)
{
  (void) hGraphExec;
  (void) node;
  (void) pNodeParams;
  return fail (cudaErrorNotSupported);
}

/* ---- cuBLAS ------------------------------------------------------------------------- */

struct st_emu_blas {
  cudaStream_t stream;
  cublasMath_t math;
  void        *workspace;
  size_t       workspace_bytes;
};

cublasStatus_t
cublasCreate (cublasHandle_t *handle)
{
  if (handle == NULL)
    return CUBLAS_STATUS_INVALID_VALUE;
  *handle = g_try_new0 (struct st_emu_blas, 1);
  return *handle != NULL ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_ALLOC_FAILED;
}

cublasStatus_t
cublasDestroy (cublasHandle_t handle)
{
  if (handle == NULL)
    return CUBLAS_STATUS_NOT_INITIALIZED;
  g_free (handle);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasSetStream (cublasHandle_t handle, cudaStream_t streamId)
{
  if (handle == NULL)
    return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = streamId;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasSetMathMode (cublasHandle_t handle, cublasMath_t mode)
{
  if (handle == NULL)
    return CUBLAS_STATUS_NOT_INITIALIZED;
  if ((unsigned) mode > CUBLAS_TF32_TENSOR_OP_MATH)
    return CUBLAS_STATUS_INVALID_VALUE;
  handle->math = mode;
  return CUBLAS_STATUS_SUCCESS;
}

/* A workspace must be 256-byte aligned, as cuBLAS asks; NULL (with any size) gives it back. */
cublasStatus_t
cublasSetWorkspace (cublasHandle_t handle, void *workspace, size_t workspaceSizeInBytes)
{
  if (handle == NULL)
    return CUBLAS_STATUS_NOT_INITIALIZED;
  if (workspace != NULL && (guintptr) workspace % EMU_ALIGN != 0)
    return CUBLAS_STATUS_INVALID_VALUE;
  handle->workspace = workspace;
  handle->workspace_bytes = workspace != NULL ? workspaceSizeInBytes : 0;
  return CUBLAS_STATUS_SUCCESS;
}

const char *
cublasGetStatusString (cublasStatus_t status)
{
  switch (status)
    {
    case CUBLAS_STATUS_SUCCESS:          return "the operation completed successfully";
    case CUBLAS_STATUS_NOT_INITIALIZED:  return "the library was not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED:     return "the resource allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE:    return "an invalid numeric value was used as an argument";
    case CUBLAS_STATUS_ARCH_MISMATCH:    return "an absent device architectural feature is required";
    case CUBLAS_STATUS_MAPPING_ERROR:    return "an access to GPU memory space failed";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR:   return "an internal operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED:    return "the functionality requested is not supported";
    case CUBLAS_STATUS_LICENSE_ERROR:    return "error detected trying to check the license";
    default:                             return "unknown error";
    }
}

static gboolean
valid_op (cublasOperation_t op)
{
  return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

/* cuBLAS's checks of a GEMM's arguments: the sizes, and each leading dimension at least
 * the rows of its matrix as stored. */
static cublasStatus_t
gemm_check (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
            int n, int k, const float *alpha, int lda, int ldb, const float *beta, int ldc,
            int batch)
{
  if (handle == NULL)
    return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!valid_op (transa) || !valid_op (transb) || m < 0 || n < 0 || k < 0 || batch < 0
      || lda < MAX (1, transa == CUBLAS_OP_N ? m : k)
      || ldb < MAX (1, transb == CUBLAS_OP_N ? k : n)
      || ldc < MAX (1, m) || alpha == NULL || beta == NULL)
    return CUBLAS_STATUS_INVALID_VALUE;
  return CUBLAS_STATUS_SUCCESS;
}

/* op(A) by rows into `rows` (m × k, row i contiguous), as doubles. */
static void
pack_a (double *rows, cublasOperation_t transa, const float *A, int lda, int m, int k)
{
  for (int i = 0; i < m; i++)
    for (int l = 0; l < k; l++)
      rows[(size_t) i * k + l] = transa == CUBLAS_OP_N ? A[i + (size_t) l * lda]
                                                       : A[l + (size_t) i * lda];
}

/* op(B) by columns into `cols` (n × k, column j contiguous), as doubles. */
static void
pack_b (double *cols, cublasOperation_t transb, const float *B, int ldb, int k, int n)
{
  for (int j = 0; j < n; j++)
    for (int l = 0; l < k; l++)
      cols[(size_t) j * k + l] = transb == CUBLAS_OP_N ? B[l + (size_t) j * ldb]
                                                       : B[j + (size_t) l * ldb];
}

/* C = beta·C, without reading C when beta is 0 (the whole product when k or alpha is 0). */
static void
gemm_scale (float *C, int ldc, int m, int n, float beta)
{
  for (int j = 0; j < n; j++)
    for (int i = 0; i < m; i++)
      {
        float *c = &C[i + (size_t) j * ldc];

        *c = beta == 0.0f ? 0.0f : (float) ((double) beta * *c);
      }
}

static cublasStatus_t
gemm_batched (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
              int m, int n, int k, const float *alpha, const float *A, int lda,
              long long strideA, const float *B, int ldb, long long strideB,
              const float *beta, float *C, int ldc, long long strideC, int batch)
{
  cublasStatus_t status = gemm_check (handle, transa, transb, m, n, k, alpha, lda, ldb, beta,
                                      ldc, batch);
  double a, b, *rows, *cols;

  if (status != CUBLAS_STATUS_SUCCESS)
    return status;
  a = *alpha;
  b = *beta;
  if (m == 0 || n == 0 || batch == 0)
    return CUBLAS_STATUS_SUCCESS;
  if (k == 0 || a == 0.0)
    {
      for (int t = 0; t < batch; t++)
        gemm_scale (C + t * strideC, ldc, m, n, *beta);
      return CUBLAS_STATUS_SUCCESS;
    }
  /* both operands, as doubles, with each dot product's terms contiguous */
  rows = g_try_new (double, (gsize) m * k);
  cols = g_try_new (double, (gsize) n * k);
  if (rows == NULL || cols == NULL)
    {
      g_free (rows);
      g_free (cols);
      return CUBLAS_STATUS_ALLOC_FAILED;
    }
  for (int t = 0; t < batch; t++)
    {
      float *c = C + t * strideC;

      /* a stride of 0: the same matrix, packed once */
      if (t == 0 || strideA != 0)
        pack_a (rows, transa, A + t * strideA, lda, m, k);
      if (t == 0 || strideB != 0)
        pack_b (cols, transb, B + t * strideB, ldb, k, n);
      for (int j = 0; j < n; j++)
        {
          const double *bj = cols + (size_t) j * k;

          for (int i = 0; i < m; i++)
            {
              const double *ai = rows + (size_t) i * k;
              double sum = 0.0;

              for (int l = 0; l < k; l++)
                sum += ai[l] * bj[l];
              sum *= a;
              if (b != 0.0)
                sum += b * c[i + (size_t) j * ldc];
              c[i + (size_t) j * ldc] = (float) sum;
            }
        }
    }
  g_free (rows);
  g_free (cols);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasSgemm (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
             int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
             const float *beta, float *C, int ldc)
{
  return gemm_batched (handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C,
                       ldc, 0, 1);
}

cublasStatus_t
cublasSgemmStridedBatched (cublasHandle_t handle, cublasOperation_t transa,
                           cublasOperation_t transb, int m, int n, int k, const float *alpha,
                           const float *A, int lda, long long int strideA, const float *B,
                           int ldb, long long int strideB, const float *beta, float *C, int ldc,
                           long long int strideC, int batchCount)
{
  return gemm_batched (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB,
                       beta, C, ldc, strideC, batchCount);
}
