/* cuda-module.h: what libstrata-cuda.so exports.
 *
 * Nothing links the module: core/engine/backend.c loads it with GModule, checks
 * st_cuda_interface_version against its own and looks up st_cuda_backend_new; the tests also
 * look up st_cuda_memory_info (test-cuda-device.c) and st_cuda_train_batch
 * (test-cuda-train.c). These four are the only symbols the module exports (it is built with
 * hidden visibility). This header includes no CUDA header, so
 * that callers build where CUDA is absent.
 */
#pragma once

#include "core/engine/backend.h"

G_BEGIN_DECLS

/* Training steps' metrics reach take_metrics in snapshots of up to this many steps (the
 * newest snapshot one take late): the device copies its running totals to the host once
 * per snapshot, never per step. */
#define ST_CUDA_METRICS_EVERY 8

/* ST_BACKEND_INTERFACE_VERSION as this module was built (core/engine/backend.h). */
guint64    st_cuda_interface_version (void);
typedef guint64 (*StCudaInterfaceVersionFunc) (void);

/* The backend on CUDA device 0: "CUDA, <GPU name>, <memory> GiB". NULL, with
 * ST_NET_ERROR_DEVICE and a message that starts "CUDA is not available: " and says
 * "no driver" or "no device", where there is none. */
StBackend *st_cuda_backend_new  (GError **error);
typedef StBackend *(*StCudaBackendNewFunc) (GError **error);

/* For tests: the device's free and total memory, as cudaMemGetInfo reports them. FALSE
 * when there is no device. */
gboolean   st_cuda_memory_info  (guint64 *free_bytes, guint64 *total_bytes);
typedef gboolean (*StCudaMemoryInfoFunc) (guint64 *free_bytes, guint64 *total_bytes);

/* For tests: the input batch x (n, C, H, W) and labels (n) that a train_step of the CUDA
 * backend `be` at (offset, n, seed) would feed the net — gathered, normalised and
 * augmented on the device — copied out. Runs no step. */
gboolean   st_cuda_train_batch  (StBackend *be, gint64 offset, int n, guint64 seed, float *x,
                                 guint8 *labels, GError **error);
typedef gboolean (*StCudaTrainBatchFunc) (StBackend *be, gint64 offset, int n, guint64 seed,
                                          float *x, guint8 *labels, GError **error);

G_END_DECLS
