#define G_LOG_DOMAIN "strata-checkpoint"

#include "core/engine/checkpoint.h"
#include "core/io/i18n.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/io/safetensors.h"

static StSafetensorsTensor *
tensor_list (const StNet *net, const float *params, const float *buffers, gsize *n)
{
  StSafetensorsTensor *list = g_new0 (StSafetensorsTensor, net->n_tensors);

  *n = 0;
  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      StSafetensorsTensor *s;

      if (t->role == ST_TENSOR_BUFFER && buffers == NULL)
        continue;
      s = &list[(*n)++];
      s->name = t->name;
      s->rank = t->rank;
      memcpy (s->dims, t->dims, sizeof (gint64) * t->rank);
      s->data = t->role == ST_TENSOR_PARAM ? params + t->offset
                                           : (buffers != NULL ? buffers + t->offset : NULL);
    }
  return list;
}

gboolean
st_checkpoint_save (const StNet *net, const float *params, const float *buffers,
                    GHashTable *metadata, const char *path, GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree StSafetensorsTensor *list = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gsize n;

  g_return_val_if_fail (net != NULL && params != NULL && path != NULL, FALSE);

  if (metadata != NULL)
    {
      g_hash_table_iter_init (&iter, metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (meta, g_strdup (key), g_strdup (value));
    }
  g_hash_table_insert (meta, g_strdup ("format"), g_strdup ("pt"));
  g_hash_table_insert (meta, g_strdup ("strata.model"), st_spec_to_json (net->spec));
  list = tensor_list (net, params, buffers, &n);
  return st_safetensors_save (path, list, n, meta, error);
}

/* Weights holding NaN or infinity cannot train or predict: the file is refused, naming the
 * tensor, rather than a run that diverges at once being blamed on its learning rate. */
static gboolean
check_finite (const char *path, const StTensorInfo *t, const float *data, GError **error)
{
  gsize bad = 0, first = 0;
  float value = 0.0f;

  for (gsize j = 0; j < t->numel; j++)
    if (!isfinite (data[j]) && bad++ == 0)
      {
        first = j;
        value = data[j];
      }
  if (bad == 0)
    return TRUE;
  g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID,
               g_dngettext (GETTEXT_PACKAGE,
                            "%s: %s holds %zu value that is not finite (the first, at index "
                            "%zu, is %s): these weights are broken, perhaps saved from a run "
                            "that diverged",
                            "%s: %s holds %zu values that are not finite (the first, at index "
                            "%zu, is %s): these weights are broken, perhaps saved from a run "
                            "that diverged", bad),
               path, t->name, bad, first,
               isnan (value) ? "NaN" : value > 0 ? "+infinity" : "-infinity");
  return FALSE;
}

/* ---- training checkpoints ------------------------------------------------------------ */

#define OPTIM_PREFIX_M "optimizer.m."
#define OPTIM_PREFIX_V "optimizer.v."
#define BEST_PREFIX    "best."

static const char *
keep_name (GPtrArray *names, char *name)
{
  g_ptr_array_add (names, name);
  return name;
}

/* The tensors of a training checkpoint beyond the weights: the optimizer's state for each
 * parameter tensor (m, then v), then the best weights (parameters and buffers). Names are
 * kept in `names` for the list's lifetime. */
static void
append_state_tensors (GArray *list, GPtrArray *names, const StNet *net, int optim_per_param,
                      const float *optim, gboolean best, const float *best_params,
                      const float *best_buffers)
{
  static const char *const prefix[2] = { OPTIM_PREFIX_M, OPTIM_PREFIX_V };

  for (int k = 0; k < optim_per_param; k++)
    for (guint i = 0; i < net->n_tensors; i++)
      {
        const StTensorInfo *t = &net->tensors[i];
        StSafetensorsTensor s = { 0 };

        if (t->role != ST_TENSOR_PARAM)
          continue;
        s.name = keep_name (names, g_strconcat (prefix[k], t->name, NULL));
        s.rank = t->rank;
        memcpy (s.dims, t->dims, sizeof (gint64) * t->rank);
        s.data = optim != NULL ? optim + (gsize) k * net->n_params + t->offset : NULL;
        g_array_append_val (list, s);
      }
  for (guint i = 0; best && i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      StSafetensorsTensor s = { 0 };

      s.name = keep_name (names, g_strconcat (BEST_PREFIX, t->name, NULL));
      s.rank = t->rank;
      memcpy (s.dims, t->dims, sizeof (gint64) * t->rank);
      if (t->role == ST_TENSOR_PARAM)
        s.data = best_params != NULL ? best_params + t->offset : NULL;
      else
        s.data = best_buffers != NULL ? best_buffers + t->offset : NULL;
      g_array_append_val (list, s);
    }
}

static char *
format_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* the shortest text that reads back as the same double, with a '.' in any locale */
  return g_strdup (g_ascii_dtostr (buf, sizeof buf, v));
}

void
st_training_state_clear (StTrainingState *state)
{
  g_free (state->dataset);
  g_free (state->optim);
  g_free (state->best_params);
  g_free (state->best_buffers);
  memset (state, 0, sizeof *state);
}

gboolean
st_training_state_save (const StNet *net, const float *params, const float *buffers,
                        const StTrainingState *state, const char *path, GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GArray) list = g_array_new (FALSE, TRUE, sizeof (StSafetensorsTensor));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree StSafetensorsTensor *weights = NULL;
  gboolean best;
  gsize n;

  g_return_val_if_fail (net != NULL && params != NULL && buffers != NULL, FALSE);
  g_return_val_if_fail (state != NULL && path != NULL, FALSE);
  g_return_val_if_fail (state->optim_per_param >= 0 && state->optim_per_param <= 2, FALSE);
  g_return_val_if_fail (state->optim_per_param == 0 || state->optim != NULL, FALSE);

  best = state->best_epoch > 0 && state->best_params != NULL && state->best_buffers != NULL;
  weights = tensor_list (net, params, buffers, &n);
  g_array_append_vals (list, weights, n);
  append_state_tensors (list, names, net, state->optim_per_param, state->optim, best,
                        state->best_params, state->best_buffers);

  g_hash_table_insert (meta, "format", g_strdup ("pt"));
  g_hash_table_insert (meta, "strata.model", st_spec_to_json (net->spec));
  g_hash_table_insert (meta, "strata.training", g_strdup ("1"));
  g_hash_table_insert (meta, "strata.epoch", g_strdup_printf ("%d", state->epoch));
  g_hash_table_insert (meta, "strata.step", g_strdup_printf ("%" G_GINT64_FORMAT, state->step));
  g_hash_table_insert (meta, "strata.rng",
                       g_strdup_printf ("%016" G_GINT64_MODIFIER "x,%016" G_GINT64_MODIFIER
                                        "x,%016" G_GINT64_MODIFIER "x,%016" G_GINT64_MODIFIER
                                        "x", state->rng[0], state->rng[1], state->rng[2],
                                        state->rng[3]));
  g_hash_table_insert (meta, "strata.optimizer_state",
                       g_strdup_printf ("%d", state->optim_per_param));
  g_hash_table_insert (meta, "strata.best_epoch",
                       g_strdup_printf ("%d", best ? state->best_epoch : 0));
  g_hash_table_insert (meta, "strata.best_test_acc",
                       format_double (best ? state->best_acc : -1.0));
  g_hash_table_insert (meta, "strata.best_test_loss",
                       format_double (best ? state->best_loss : 0.0));
  g_hash_table_insert (meta, "strata.first_loss", format_double (state->first_loss));
  g_hash_table_insert (meta, "strata.limit", g_strdup_printf ("%" G_GINT64_FORMAT, state->limit));
  g_hash_table_insert (meta, "strata.dataset",
                       g_strdup (state->dataset != NULL ? state->dataset : ""));
  return st_safetensors_save (path, (StSafetensorsTensor *) list->data, list->len, meta, error);
}

/* A whole number of the metadata in [min, max], or an error naming the file and the key. */
static gboolean
meta_int (const StSafetensors *file, const char *key, gint64 min, gint64 max, gint64 *out,
          GError **error)
{
  const char *text = st_safetensors_get_metadata_value (file, key);

  if (text == NULL || !g_ascii_string_to_signed (text, 10, min, max, out, NULL))
    {
      g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID,
                   _("%s: the training checkpoint's %s is “%s”, not a whole number from %"
                     PRId64 " to %" PRId64),
                   st_safetensors_get_path (file), key, text != NULL ? text : "", min, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
meta_double (const StSafetensors *file, const char *key, double *out, GError **error)
{
  const char *text = st_safetensors_get_metadata_value (file, key);
  char *end = NULL;

  if (text != NULL && *text != '\0')
    *out = g_ascii_strtod (text, &end);
  if (text == NULL || *text == '\0' || *end != '\0' || !isfinite (*out))
    {
      g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID,
                   _("%s: the training checkpoint's %s is “%s”, not a finite number"),
                   st_safetensors_get_path (file), key, text != NULL ? text : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
meta_rng (const StSafetensors *file, guint64 rng[4], GError **error)
{
  const char *text = st_safetensors_get_metadata_value (file, "strata.rng");
  g_auto (GStrv) words = text != NULL ? g_strsplit (text, ",", -1) : NULL;
  gboolean ok = words != NULL && g_strv_length (words) == 4;

  for (int i = 0; ok && i < 4; i++)
    ok = strlen (words[i]) == 16
         && g_ascii_string_to_unsigned (words[i], 16, 0, G_MAXUINT64, &rng[i], NULL);
  /* xoshiro256** never leaves the all-zero state, and never reaches it */
  if (ok && (rng[0] | rng[1] | rng[2] | rng[3]) == 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID,
                 _("%s: the training checkpoint's strata.rng is “%s”, not four 16-digit "
                   "hexadecimal words"), st_safetensors_get_path (file), text != NULL ? text : "");
  return ok;
}

static gboolean
copy_tensor (const StSafetensors *file, const char *path, const StTensorInfo *t,
             const char *name, float *dest, GError **error)
{
  const float *data;

  if (!st_safetensors_get (file, name, NULL, NULL, &data))
    return TRUE;
  if (!check_finite (path, t, data, error))
    return FALSE;
  memcpy (dest, data, t->numel * sizeof (float));
  return TRUE;
}

/* The state of a training checkpoint, after its weights were read and the whole list of
 * its tensors checked. */
static gboolean
read_state (const StNet *net, const StSafetensors *file, const char *path,
            StTrainingState *state, GError **error)
{
  gint64 v;

  if (!meta_int (file, "strata.epoch", 0, G_MAXINT, &v, error))
    return FALSE;
  state->epoch = (int) v;
  if (!meta_int (file, "strata.step", 0, G_MAXINT64, &state->step, error)
      || !meta_rng (file, state->rng, error)
      || !meta_int (file, "strata.best_epoch", 0, state->epoch, &v, error))
    return FALSE;
  state->best_epoch = (int) v;
  if (!meta_double (file, "strata.best_test_acc", &state->best_acc, error)
      || !meta_double (file, "strata.best_test_loss", &state->best_loss, error)
      || !meta_double (file, "strata.first_loss", &state->first_loss, error)
      || !meta_int (file, "strata.limit", 0, G_MAXINT64, &state->limit, error))
    return FALSE;
  state->dataset = g_strdup (st_safetensors_get_metadata_value (file, "strata.dataset"));
  if (state->optim_per_param > 0)
    {
      state->optim = g_try_new (float, (gsize) state->optim_per_param * MAX (net->n_params, 1));
      if (state->optim == NULL)
        goto no_memory;
    }
  for (int k = 0; k < state->optim_per_param; k++)
    for (guint i = 0; i < net->n_tensors; i++)
      {
        const StTensorInfo *t = &net->tensors[i];
        g_autofree char *name = NULL;

        if (t->role != ST_TENSOR_PARAM)
          continue;
        name = g_strconcat (k == 0 ? OPTIM_PREFIX_M : OPTIM_PREFIX_V, t->name, NULL);
        if (!copy_tensor (file, path, t, name, state->optim + (gsize) k * net->n_params
                                                + t->offset, error))
          return FALSE;
      }
  if (state->best_epoch > 0)
    {
      state->best_params = g_try_new (float, MAX (net->n_params, 1));
      state->best_buffers = g_try_new0 (float, MAX (net->n_buffers, 1));
      if (state->best_params == NULL || state->best_buffers == NULL)
        goto no_memory;
      for (guint i = 0; i < net->n_tensors; i++)
        {
          const StTensorInfo *t = &net->tensors[i];
          g_autofree char *name = g_strconcat (BEST_PREFIX, t->name, NULL);
          float *dest = t->role == ST_TENSOR_PARAM ? state->best_params + t->offset
                                                   : state->best_buffers + t->offset;

          if (!copy_tensor (file, path, t, name, dest, error))
            return FALSE;
        }
    }
  return TRUE;

no_memory:
  g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
               _("%s: the training state of %zu parameters does not fit in memory"), path,
               net->n_params);
  return FALSE;
}

/* Weights, and with `state` a training checkpoint's state: the one reader of checkpoints. */
static gboolean
load (const StNet *net, const char *path, float *params, float *buffers,
      StTrainingState *state, gboolean *has_state, GHashTable **metadata, GError **error)
{
  g_autoptr (StSafetensors) file = NULL;
  g_autoptr (GArray) expected = g_array_new (FALSE, TRUE, sizeof (StSafetensorsTensor));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree StSafetensorsTensor *weights = NULL;
  gboolean has_buffers = FALSE, training;
  gint64 per_param = 0, best_epoch = 0;
  gsize n;

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED, error);
  if (file == NULL)
    return FALSE;
  training = g_strcmp0 (st_safetensors_get_metadata_value (file, "strata.training"), "1") == 0;
  for (guint i = 0; i < net->n_tensors; i++)
    if (net->tensors[i].role == ST_TENSOR_BUFFER
        && st_safetensors_get (file, net->tensors[i].name, NULL, NULL, NULL))
      has_buffers = TRUE;
  weights = tensor_list (net, params, has_buffers ? buffers : NULL, &n);
  g_array_append_vals (expected, weights, n);
  if (training)
    {
      if (!meta_int (file, "strata.optimizer_state", 0, 2, &per_param, error)
          || !meta_int (file, "strata.best_epoch", 0, G_MAXINT, &best_epoch, error))
        return FALSE;
      append_state_tensors (expected, names, net, (int) per_param, NULL, best_epoch > 0, NULL,
                            NULL);
    }
  if (!st_safetensors_check (file, (StSafetensorsTensor *) expected->data, expected->len,
                             error))
    return FALSE;
  for (guint i = 0; i < net->n_tensors; i++)
    {
      const StTensorInfo *t = &net->tensors[i];
      float *dest = t->role == ST_TENSOR_PARAM ? params + t->offset
                                               : (buffers != NULL ? buffers + t->offset : NULL);

      if (dest != NULL && !copy_tensor (file, path, t, t->name, dest, error))
        return FALSE;
    }
  if (state != NULL)
    {
      memset (state, 0, sizeof *state);
      *has_state = training;
      state->optim_per_param = (int) per_param;
      if (training && !read_state (net, file, path, state, error))
        {
          st_training_state_clear (state);
          return FALSE;
        }
      if (!training)
        {
          gint64 epoch = 0;
          const char *text = st_safetensors_get_metadata_value (file, "strata.epoch");

          if (text != NULL && g_ascii_string_to_signed (text, 10, 0, G_MAXINT, &epoch, NULL))
            state->epoch = (int) epoch;
        }
    }
  if (metadata != NULL)
    *metadata = g_hash_table_ref (st_safetensors_get_metadata (file));
  return TRUE;
}

gboolean
st_checkpoint_load (const StNet *net, const char *path, float *params, float *buffers,
                    GHashTable **metadata, GError **error)
{
  g_return_val_if_fail (net != NULL && path != NULL && params != NULL, FALSE);

  return load (net, path, params, buffers, NULL, NULL, metadata, error);
}

gboolean
st_training_state_load (const StNet *net, const char *path, float *params, float *buffers,
                        StTrainingState *state, gboolean *has_state, GError **error)
{
  g_return_val_if_fail (net != NULL && path != NULL && params != NULL && buffers != NULL,
                        FALSE);
  g_return_val_if_fail (state != NULL && has_state != NULL, FALSE);

  return load (net, path, params, buffers, state, has_state, NULL, error);
}
