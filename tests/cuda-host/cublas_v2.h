/* cublas_v2.h: a host stand-in for the CUDA runtime/cuBLAS that Strata's module uses, for
 * tests without a GPU. The handle calls and the two float GEMMs gpu/ uses, with cuBLAS's
 * column-major semantics and argument checks; alpha and beta are host pointers
 * (CUBLAS_POINTER_MODE_HOST). Implemented in tests/cuda-host/cuda-host-runtime.c.
 */
#pragma once

#include "cuda_runtime_api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_emu_blas *cublasHandle_t;

/* The real codes' values. */
typedef enum {
  CUBLAS_STATUS_SUCCESS          = 0,
  CUBLAS_STATUS_NOT_INITIALIZED  = 1,
  CUBLAS_STATUS_ALLOC_FAILED     = 3,
  CUBLAS_STATUS_INVALID_VALUE    = 7,
  CUBLAS_STATUS_ARCH_MISMATCH    = 8,
  CUBLAS_STATUS_MAPPING_ERROR    = 11,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_INTERNAL_ERROR   = 14,
  CUBLAS_STATUS_NOT_SUPPORTED    = 15,
  CUBLAS_STATUS_LICENSE_ERROR    = 16
} cublasStatus_t;

typedef enum {
  CUBLAS_OP_N = 0,
  CUBLAS_OP_T = 1,
  CUBLAS_OP_C = 2           /* for real matrices, as CUBLAS_OP_T */
} cublasOperation_t;

typedef enum {
  CUBLAS_DEFAULT_MATH        = 0,
  CUBLAS_TENSOR_OP_MATH      = 1,
  CUBLAS_PEDANTIC_MATH       = 2,
  CUBLAS_TF32_TENSOR_OP_MATH = 3
} cublasMath_t;

cublasStatus_t cublasCreate (cublasHandle_t *handle);
cublasStatus_t cublasDestroy (cublasHandle_t handle);
cublasStatus_t cublasSetStream (cublasHandle_t handle, cudaStream_t streamId);
cublasStatus_t cublasSetMathMode (cublasHandle_t handle, cublasMath_t mode);
cublasStatus_t cublasSetWorkspace (cublasHandle_t handle, void *workspace,
                                   size_t workspaceSizeInBytes);
const char    *cublasGetStatusString (cublasStatus_t status);

/* C (m × n) = alpha·op(A)·op(B) + beta·C, column-major; each dot product summed in double
 * and rounded once; C is not read when *beta is 0, nor A and B when *alpha is 0. */
cublasStatus_t cublasSgemm (cublasHandle_t handle, cublasOperation_t transa,
                            cublasOperation_t transb, int m, int n, int k, const float *alpha,
                            const float *A, int lda, const float *B, int ldb,
                            const float *beta, float *C, int ldc);
/* batchCount such products, A, B and C advanced by their strides (0: the same matrix). */
cublasStatus_t cublasSgemmStridedBatched (cublasHandle_t handle, cublasOperation_t transa,
                                          cublasOperation_t transb, int m, int n, int k,
                                          const float *alpha, const float *A, int lda,
                                          long long int strideA, const float *B, int ldb,
                                          long long int strideB, const float *beta, float *C,
                                          int ldc, long long int strideC, int batchCount);

#ifdef __cplusplus
}
#endif
