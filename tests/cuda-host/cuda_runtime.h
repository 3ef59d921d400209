/* cuda_runtime.h: a host stand-in for the CUDA runtime/cuBLAS that Strata's module uses,
 * for tests without a GPU. Here only the runtime API (cuda_runtime_api.h). */
#pragma once

#include "cuda_runtime_api.h"
