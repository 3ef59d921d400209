/* backend.c: choosing and opening a backend.
 *
 * The CUDA backend is a module (gpu/, libstrata-cuda.so) loaded at run time, so Strata
 * starts where CUDA is absent; it exports one entry point, st_cuda_backend_new(), which
 * answers "no driver" or "no device" with an error instead of failing, and
 * st_cuda_interface_version(), which must be this program's ST_BACKEND_INTERFACE_VERSION:
 * the module reads core's structures from its own copy of the headers. The module is looked
 * for in $STRATA_GPU_MODULE_DIR, then where the build put it, then where it is installed.
 */
#define G_LOG_DOMAIN "strata-backend"

#include "core/engine/backend.h"
#include "core/io/i18n.h"

#include <gmodule.h>
#include <string.h>

#include "core/engine/checkpoint.h"
#include "strata-config.h"

typedef StBackend *(*CudaNewFunc) (GError **error);

gboolean
st_device_from_name (const char *name, StDevice *device)
{
  static const char *const names[] = { "auto", "cpu", "cuda" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      {
        *device = i;
        return TRUE;
      }
  return FALSE;
}

static StBackend *
open_cuda (GError **error)
{
  const char *dirs[] = { g_getenv ("STRATA_GPU_MODULE_DIR"), STRATA_GPU_BUILD_DIR,
                         STRATA_GPU_INSTALL_DIR };
  GModule *module = NULL;
  CudaNewFunc cuda_new;
  guint64 (*version) (void);
  g_autoptr (GString) reasons = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (dirs) && module == NULL; i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL || *dirs[i] == '\0')
        continue;
      path = g_build_filename (dirs[i], "libstrata-cuda.so", NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      if (module == NULL)
        g_string_append_printf (reasons, "%s%s", reasons->len > 0 ? "; " : "", g_module_error ());
    }
  if (module == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("CUDA is not available: %s"), reasons->len > 0 ? reasons->str
                   : _("this build of Strata has no CUDA module (libstrata-cuda.so)"));
      return NULL;
    }
  if (!g_module_symbol (module, "st_cuda_interface_version", (gpointer *) &version))
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("CUDA is not available: %s was built by an older Strata (it has no "
                     "interface version; this program's is %" PRIx64 "): rebuild "
                     "Strata so that the module matches the program"), g_module_name (module),
                   (guint64) ST_BACKEND_INTERFACE_VERSION);
      g_module_close (module);
      return NULL;
    }
  if (version () != ST_BACKEND_INTERFACE_VERSION)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("CUDA is not available: %s was built for backend interface %" PRIx64
                     ", this program uses %" PRIx64 ": rebuild "
                     "Strata so that the module matches the program"), g_module_name (module),
                   version (), (guint64) ST_BACKEND_INTERFACE_VERSION);
      g_module_close (module);
      return NULL;
    }
  if (!g_module_symbol (module, "st_cuda_backend_new", (gpointer *) &cuda_new))
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("CUDA is not available: %s is not a Strata CUDA module"),
                   g_module_name (module));
      g_module_close (module);
      return NULL;
    }
  /* The CUDA runtime does not like being unloaded. */
  g_module_make_resident (module);
  return cuda_new (error);
}

StBackend *
st_backend_open (StDevice device, GError **error)
{
  g_autoptr (GError) local = NULL;
  StBackend *be;

  switch (device)
    {
    case ST_DEVICE_CPU:
      return st_backend_new_cpu (0);
    case ST_DEVICE_CUDA:
      return open_cuda (error);
    case ST_DEVICE_AUTO:
    default:
      be = open_cuda (&local);
      if (be != NULL)
        return be;
      g_debug ("%s; using the CPU", local->message);
      return st_backend_new_cpu (0);
    }
}

void
st_backend_free (StBackend *be)
{
  if (be == NULL)
    return;
  be->klass->destroy (be);
}

void
st_backend_start_for_recipe (StBackendStart *start, StDevice device, const StNet *net,
                             const StTrainConfig *tc, int batch_size, StDataset *train,
                             StDataset *test, StRng *rng)
{
  start->device = device;
  start->net = net;
  start->setup.batch_size = batch_size;
  start->setup.eval_batch_size = MAX (batch_size, ST_EVAL_BATCH);
  start->setup.loss = tc->loss;
  start->setup.optim = tc->optimizer;
  start->setup.normalize = tc->normalize;
  start->train = train;
  start->test = test;
  start->init = tc->init;
  start->rng = rng;
}

StBackend *
st_backend_start (const StBackendStart *start, GError **error)
{
  g_autoptr (StBackend) be = NULL;
  g_autofree float *params = NULL, *buffers = NULL;
  const StNet *net;

  g_return_val_if_fail (start != NULL && start->net != NULL && start->rng != NULL, NULL);
  g_return_val_if_fail (start->train != NULL && start->test != NULL, NULL);

  net = start->net;
  be = st_backend_open (start->device, error);
  if (be == NULL || !st_backend_check_net (be, net, error))
    return NULL;
  /* The backend sizes its memory first and refuses a model or batch that does not fit;
   * only then the host's copy of the weights. */
  if (!st_backend_prepare (be, net, &start->setup, error)
      || !st_backend_set_data (be, start->train, start->test, error))
    return NULL;
  params = g_try_new0 (float, MAX (net->n_params, 1));
  buffers = g_try_new0 (float, MAX (net->n_buffers, 1));
  if (params == NULL || buffers == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the model's %zu parameters do not fit in memory"), net->n_params);
      return NULL;
    }
  st_net_init_params (net, params, buffers, start->init, start->rng);
  if (start->weights_file != NULL
      && !st_checkpoint_load (net, start->weights_file, params, buffers, NULL, error))
    return NULL;
  if (start->params != NULL)
    memcpy (params, start->params, sizeof (float) * net->n_params);
  if (start->buffers != NULL)
    memcpy (buffers, start->buffers, sizeof (float) * net->n_buffers);
  if (!st_backend_write_state (be, params, buffers, NULL, 0, error))
    return NULL;
  return g_steal_pointer (&be);
}

const char *
st_backend_name (StBackend *be)
{
  g_return_val_if_fail (be != NULL, NULL);
  return be->klass->name;
}

gboolean
st_backend_supports (StBackend *be, StOpKind kind)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->supports (be, kind);
}

gboolean
st_backend_prepare (StBackend *be, const StNet *net, const StRunSetup *setup, GError **error)
{
  g_return_val_if_fail (be != NULL && net != NULL && setup != NULL, FALSE);
  return be->klass->prepare (be, net, setup, error);
}

gboolean
st_backend_set_data (StBackend *be, StDataset *train, StDataset *test, GError **error)
{
  g_return_val_if_fail (be != NULL && train != NULL && test != NULL, FALSE);
  return be->klass->set_data (be, train, test, error);
}

gboolean
st_backend_write_state (StBackend *be, const float *params, const float *buffers,
                        const float *optim_state, gint64 step, GError **error)
{
  g_return_val_if_fail (be != NULL && params != NULL, FALSE);
  return be->klass->write_state (be, params, buffers, optim_state, step, error);
}

gboolean
st_backend_read_state (StBackend *be, float *params, float *buffers, float *optim_state,
                       gint64 *step, GError **error)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->read_state (be, params, buffers, optim_state, step, error);
}

gboolean
st_backend_read_grads (StBackend *be, float *grads, GError **error)
{
  g_return_val_if_fail (be != NULL && grads != NULL, FALSE);
  return be->klass->read_grads (be, grads, error);
}

gboolean
st_backend_set_order (StBackend *be, const guint32 *order, gint64 n, GError **error)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->set_order (be, order, n, error);
}

gboolean
st_backend_train_step (StBackend *be, gint64 offset, int n, guint64 seed, GError **error)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->train_step (be, offset, n, seed, error);
}

gboolean
st_backend_evaluate (StBackend *be, StSplit split, const guint32 *idx, int n, GError **error)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->evaluate (be, split, idx, n, error);
}

gboolean
st_backend_compute (StBackend *be, const float *x, const guint8 *labels, int n, float *out,
                    double *loss, float *grads, float *dx, GError **error)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->compute (be, x, labels, n, out, loss, grads, dx, error);
}

gboolean
st_backend_apply_update (StBackend *be, GError **error)
{
  g_return_val_if_fail (be != NULL, FALSE);
  return be->klass->apply_update (be, error);
}

void
st_backend_take_metrics (StBackend *be, StMetrics *out)
{
  g_return_if_fail (be != NULL && out != NULL);
  be->klass->take_metrics (be, out);
}

gboolean
st_backend_snapshot (StBackend *be, StSplit split, gint64 example, const int *values,
                     int n_values, float **out, GError **error)
{
  guint32 idx;

  g_return_val_if_fail (be != NULL, FALSE);
  if (example < 0 || example > G_MAXUINT32)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MODEL,
                   _("image %" PRId64 " does not exist: images are counted from 0"), example);
      return FALSE;
    }
  idx = (guint32) example;
  return be->klass->snapshot (be, split, &idx, 1, values, n_values, out, error);
}

gboolean
st_backend_snapshot_batch (StBackend *be, StSplit split, const guint32 *idx, int n,
                           const int *values, int n_values, float **out, GError **error)
{
  g_return_val_if_fail (be != NULL && idx != NULL, FALSE);
  g_return_val_if_fail (n_values == 0 || (values != NULL && out != NULL), FALSE);
  return be->klass->snapshot (be, split, idx, n, values, n_values, out, error);
}

gboolean
st_backend_profile_step (StBackend *be, gint64 offset, int n, guint64 seed, GArray *entries,
                         GError **error)
{
  g_return_val_if_fail (be != NULL && entries != NULL, FALSE);
  if (be->klass->profile_step == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_DEVICE,
                   _("the %s backend cannot time the parts of a step"), be->klass->name);
      return FALSE;
    }
  return be->klass->profile_step (be, offset, n, seed, entries, error);
}

GPtrArray *
st_backend_describe_plan (StBackend *be)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (be != NULL, lines);
  if (be->klass->describe_plan != NULL)
    be->klass->describe_plan (be, lines);
  return lines;
}

gboolean
st_backend_check_net (StBackend *be, const StNet *net, GError **error)
{
  for (guint o = 0; o < net->n_ops; o++)
    if (!st_backend_supports (be, net->ops[o].kind))
      {
        g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_UNSUPPORTED,
                     _("layer %s: the %s backend cannot run %s yet"), net->ops[o].path,
                     be->klass->name, st_op_kind_name (net->ops[o].kind));
        return FALSE;
      }
  return TRUE;
}

gboolean
st_backend_evaluate_all (StBackend *be, StSplit split, gint64 n, int batch,
                         gboolean (*cancelled) (gpointer data), gpointer data,
                         StMetrics *metrics, GError **error)
{
  g_autofree guint32 *idx = NULL;
  StMetrics discard;

  g_return_val_if_fail (be != NULL && batch > 0 && metrics != NULL, FALSE);

  /* no more than the backend holds */
  batch = be->eval_batch > 0 ? MIN (batch, be->eval_batch) : batch;
  idx = g_try_new (guint32, batch);
  if (idx == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("batch too large for memory: the indices of a batch of %d examples"), batch);
      return FALSE;
    }
  /* Whatever a one-step-late backend still holds of earlier work is not this evaluation's. */
  st_backend_take_metrics (be, &discard);
  for (gint64 start = 0; start < n; start += batch)
    {
      int count = (int) MIN (batch, n - start);

      for (int i = 0; i < count; i++)
        idx[i] = start + i;
      if (!st_backend_evaluate (be, split, idx, count, error))
        return FALSE;
      if (cancelled != NULL && cancelled (data))
        break;
    }
  st_backend_take_metrics (be, metrics);
  return TRUE;
}
