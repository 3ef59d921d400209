/* cuda_runtime_api.h: a host stand-in for the CUDA runtime/cuBLAS that Strata's module uses,
 * for tests without a GPU. Only the names gpu/ calls, with CUDA 13's prototypes and values;
 * tests/cuda-host/cuda-host-runtime.c implements them on the host: a "device pointer" is a
 * host pointer, every call is synchronous, graphs are not emulated (cudaErrorNotSupported:
 * run the module with STRATA_CUDA_GRAPHS=0). Valid C and C++ (the .cu files are compiled as
 * C++ after tests/cuda-emu.h, which shares dim3).
 */
#pragma once

#include <stddef.h>

#define CUDART_VERSION 13000

/* The same definition, under the same guard, as tests/cuda-emu.h's. */
#ifndef ST_EMU_DIM3
#define ST_EMU_DIM3
struct dim3 { unsigned x, y, z;
#ifdef __cplusplus
  constexpr dim3 (unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x (x_), y (y_), z (z_) {}
#endif
};
typedef struct dim3 dim3;
#endif

/* C++ callers get the real API's default arguments. */
#ifdef __cplusplus
#define ST_EMU_DEFAULT(value) = value
#else
#define ST_EMU_DEFAULT(value)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The real codes' values, for the few the stand-in returns or gpu/ names. */
enum cudaError {
  cudaSuccess                       = 0,
  cudaErrorInvalidValue             = 1,
  cudaErrorMemoryAllocation         = 2,
  cudaErrorInitializationError      = 3,
  cudaErrorInvalidConfiguration     = 9,
  cudaErrorInvalidMemcpyDirection   = 21,
  cudaErrorInsufficientDriver       = 35,
  cudaErrorInvalidDeviceFunction    = 98,
  cudaErrorNoDevice                 = 100,
  cudaErrorInvalidDevice            = 101,
  cudaErrorInvalidResourceHandle    = 400,
  cudaErrorNotReady                 = 600,
  cudaErrorIllegalAddress           = 700,
  cudaErrorLaunchOutOfResources     = 701,
  cudaErrorLaunchFailure            = 719,
  cudaErrorNotSupported             = 801,
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorUnknown                  = 999
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost     = 0,
  cudaMemcpyHostToDevice   = 1,
  cudaMemcpyDeviceToHost   = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault        = 4
};

enum cudaStreamCaptureMode {
  cudaStreamCaptureModeGlobal      = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed     = 2
};

enum cudaGraphNodeType {
  cudaGraphNodeTypeKernel = 0x00,
  cudaGraphNodeTypeMemcpy = 0x01,
  cudaGraphNodeTypeMemset = 0x02,
  cudaGraphNodeTypeHost   = 0x03,
  cudaGraphNodeTypeGraph  = 0x04,
  cudaGraphNodeTypeEmpty  = 0x05
};
typedef enum cudaGraphNodeType cudaGraphNodeType;

#define cudaStreamDefault       0x00
#define cudaStreamNonBlocking   0x01
#define cudaEventDefault        0x00
#define cudaEventBlockingSync   0x01
#define cudaEventDisableTiming  0x02
#define cudaEventInterprocess   0x04
#define cudaHostAllocDefault    0x00
#define cudaHostAllocPortable   0x01
#define cudaHostAllocMapped     0x02
#define cudaHostAllocWriteCombined 0x04

typedef struct st_emu_stream     *cudaStream_t;
typedef struct st_emu_event      *cudaEvent_t;
typedef struct st_emu_graph      *cudaGraph_t;
typedef struct st_emu_graph_exec *cudaGraphExec_t;
typedef struct st_emu_graph_node *cudaGraphNode_t;

/* The fields gpu/ reads (the real struct has many more). */
struct cudaDeviceProp {
  char   name[256];
  size_t totalGlobalMem;
  int    major;
  int    minor;
  int    multiProcessorCount;
  int    warpSize;
};
typedef struct cudaDeviceProp cudaDeviceProp;

struct cudaKernelNodeParams {
  void     *func;
  dim3      gridDim;
  dim3      blockDim;
  unsigned  sharedMemBytes;
  void    **kernelParams;
  void    **extra;
};
typedef struct cudaKernelNodeParams cudaKernelNodeParams;

/* Errors: each thread's last error, set by every failing call; cudaGetLastError returns and
 * clears it, cudaPeekAtLastError only returns it. */
cudaError_t cudaGetLastError (void);
cudaError_t cudaPeekAtLastError (void);
const char *cudaGetErrorString (cudaError_t error);
const char *cudaGetErrorName (cudaError_t error);

/* Device: one, "Strata host emulation", compute capability 9.0, 16 GiB. */
cudaError_t cudaGetDeviceCount (int *count);
cudaError_t cudaGetDeviceProperties (struct cudaDeviceProp *prop, int device);
cudaError_t cudaSetDevice (int device);
cudaError_t cudaGetDevice (int *device);
cudaError_t cudaDeviceSynchronize (void);

/* Memory: host memory, 256-byte aligned; cudaMalloc's filled with 0xFF bytes (NaN as
 * floats) so that reads of what was never written show. */
cudaError_t cudaMalloc (void **devPtr, size_t size);
cudaError_t cudaFree (void *devPtr);
cudaError_t cudaHostAlloc (void **pHost, size_t size, unsigned int flags);
cudaError_t cudaMallocHost (void **ptr, size_t size);
cudaError_t cudaFreeHost (void *ptr);
cudaError_t cudaMemGetInfo (size_t *free, size_t *total);
cudaError_t cudaMemcpy (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
                             cudaStream_t stream ST_EMU_DEFAULT (0));
cudaError_t cudaMemset (void *devPtr, int value, size_t count);
cudaError_t cudaMemsetAsync (void *devPtr, int value, size_t count,
                             cudaStream_t stream ST_EMU_DEFAULT (0));

/* Streams: nothing to wait for. */
cudaError_t cudaStreamCreate (cudaStream_t *pStream);
cudaError_t cudaStreamCreateWithFlags (cudaStream_t *pStream, unsigned int flags);
cudaError_t cudaStreamDestroy (cudaStream_t stream);
cudaError_t cudaStreamSynchronize (cudaStream_t stream);

/* Events: a record takes the host's monotonic clock. */
cudaError_t cudaEventCreate (cudaEvent_t *event);
cudaError_t cudaEventCreateWithFlags (cudaEvent_t *event, unsigned int flags);
cudaError_t cudaEventDestroy (cudaEvent_t event);
cudaError_t cudaEventRecord (cudaEvent_t event, cudaStream_t stream ST_EMU_DEFAULT (0));
cudaError_t cudaEventSynchronize (cudaEvent_t event);
cudaError_t cudaEventElapsedTime (float *ms, cudaEvent_t start, cudaEvent_t end);

/* Graphs: not emulated; every call fails with cudaErrorNotSupported (destroying NULL aside). */
cudaError_t cudaStreamBeginCapture (cudaStream_t stream, enum cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture (cudaStream_t stream, cudaGraph_t *pGraph);
cudaError_t cudaGraphInstantiate (cudaGraphExec_t *pGraphExec, cudaGraph_t graph,
                                  unsigned long long flags ST_EMU_DEFAULT (0));
cudaError_t cudaGraphLaunch (cudaGraphExec_t graphExec, cudaStream_t stream);
cudaError_t cudaGraphDestroy (cudaGraph_t graph);
cudaError_t cudaGraphExecDestroy (cudaGraphExec_t graphExec);
cudaError_t cudaGraphGetNodes (cudaGraph_t graph, cudaGraphNode_t *nodes, size_t *numNodes);
cudaError_t cudaGraphNodeGetType (cudaGraphNode_t node, enum cudaGraphNodeType *pType);
cudaError_t cudaGraphKernelNodeGetParams (cudaGraphNode_t node,
                                          struct cudaKernelNodeParams *pNodeParams);
cudaError_t cudaGraphExecKernelNodeSetParams (cudaGraphExec_t hGraphExec, cudaGraphNode_t node,
                                              const struct cudaKernelNodeParams *pNodeParams);

/* For the emulation itself and its tests (no CUDA counterpart). */
/* Records `error` as the calling thread's last error (tests/cuda-emu.h: a bad launch). */
void        st_emu_set_last_error (cudaError_t error);
/* tests/cuda-emu.h's launch with a grid or block the GPU would refuse. */
void        st_emu_refuse_launch  (void);
/* The device's memory: its size (0: back to the default 16 GiB), so that tests can run
 * out of it; and the bytes cudaMalloc holds now, so that they can check for leaks. */
void        st_emu_set_device_memory (size_t total_bytes);
size_t      st_emu_device_allocated (void);

#ifdef __cplusplus
}
#endif
