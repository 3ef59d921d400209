/* onnx-export-none.c: onnx-export.h in a build without protobuf-c (meson's `onnx` feature
 * off, or protoc-c or libprotobuf-c missing): every export fails and says why. */
#define G_LOG_DOMAIN "strata-onnx"

#include "core/engine/onnx-export.h"
#include "core/io/i18n.h"

G_DEFINE_QUARK (st-onnx-error-quark, st_onnx_error)

gboolean
st_onnx_available (void)
{
  return FALSE;
}

static gboolean
unavailable (const char *path, GError **error)
{
  g_set_error (error, ST_ONNX_ERROR, ST_ONNX_ERROR_UNAVAILABLE,
               _("cannot write %s: this build of Strata has no ONNX export (it was built "
                 "without protoc-c and libprotobuf-c)"), path);
  return FALSE;
}

gboolean
st_net_to_onnx (const StNet *net, const float *params, const float *buffers, const char *path,
                GError **error)
{
  g_return_val_if_fail (net != NULL && params != NULL && path != NULL, FALSE);
  return unavailable (path, error);
}

gboolean
st_spec_to_onnx (const StSpec *spec, const char *weights, const char *path, GError **error)
{
  g_return_val_if_fail (spec != NULL && path != NULL, FALSE);
  return unavailable (path, error);
}
