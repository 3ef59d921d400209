/* fake-cuda-module.c: a stand-in for libstrata-cuda.so, for test-backend-module.c. Built
 * three times: with this program's interface version (FAKE_VERSION_DELTA 0), with another
 * (1), and without the version symbol (FAKE_UNVERSIONED). Its backend is never made:
 * st_cuda_backend_new answers with an error saying which module answered. */
#include <gmodule.h>

#include "core/engine/backend.h"

#ifndef FAKE_UNVERSIONED
G_MODULE_EXPORT guint64 st_cuda_interface_version (void);

G_MODULE_EXPORT guint64
st_cuda_interface_version (void)
{
  return ST_BACKEND_INTERFACE_VERSION + FAKE_VERSION_DELTA;
}
#endif

G_MODULE_EXPORT StBackend *st_cuda_backend_new (GError **error);

G_MODULE_EXPORT StBackend *
st_cuda_backend_new (GError **error)
{
  /* the quark by name: a module cannot call into the program's core (gpu/ does the same) */
  g_set_error (error, g_quark_from_static_string ("st-net-error-quark"), ST_NET_ERROR_DEVICE,
               "CUDA is not available: the test module answered");
  return NULL;
}
