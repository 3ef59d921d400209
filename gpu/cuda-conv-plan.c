/* cuda-conv-plan.c: how each convolution runs on this GPU — the way of each phase (forward,
 * the input's gradient, the weights' gradient) chosen by timing every way that fits, once,
 * when a net is prepared.
 *
 * The trials run at the run's batch size on the arena itself (its values do not matter to
 * the time), before prepare zeroes it. Each candidate runs once to warm up, then TRIALS times
 * between two events; its median counts. The backward pass is timed as a pair of ways (data,
 * weights), since the im2col ways share their re-laid-out gradient.
 *
 * Ways differ in their sums' order, so a run's bits depend on the choice: the choices are
 * remembered per GPU name, batch size and geometry in the user's cache
 * (~/.cache/strata/cuda-conv-ways.txt), and a later prepare — in this process or another —
 * takes the remembered one instead of timing again (the file is read at every prepare and
 * before every write, so two backends of one process agree too; where it cannot be
 * written, each backend keeps its own choices, and two processes measuring one geometry at
 * once may each keep their own). STRATA_CUDA_CONV=im2col, direct or
 * pointwise forces a way wherever it fits (im2col elsewhere), for tests and comparisons (a
 * value it does not know is said and set aside);
 * `strata-cli bench --device cuda -v` prints each layer's choice and why, and the layers
 * that apply their activation themselves (cuda-tape.c's fusion), through describe_plan.
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-context.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/engine/plan-line.h"
#include "core/io/i18n.h"

#define TRIALS 5
/* Past this many weights the direct weight gradient is not tried: each of its blocks
 * reads the whole batch for one weight. */
#define DIRECT_WEIGHTS_MAX 65536
/* A cache file larger than this is not ours to read. */
#define CACHE_MAX_BYTES (4 << 20)
/* Changes when the kernels change enough that old timings no longer say which is faster. */
#define CACHE_VERSION 1

gboolean
st_cuda_conv_try_direct_weights (const StCudaGeom *g)
{
  return (gint64) g->OC * g->C * g->KH * g->KW <= DIRECT_WEIGHTS_MAX;
}

static gboolean
way_from_name (const char *name, StCudaConvWay *way)
{
  for (int w = 0; w < ST_CUDA_CONV_N_WAYS; w++)
    if (g_strcmp0 (name, st_cuda_conv_way_name ((StCudaConvWay) w)) == 0)
      {
        *way = (StCudaConvWay) w;
        return TRUE;
      }
  return FALSE;
}

/* ---- the cache -------------------------------------------------------------------------- */

/* Lines "key<TAB>forward data weights<TAB>what the timings were". The file's choices join
 * the table where it has none for the key: a choice this backend made stays its own. FALSE
 * when the file is there but not one this code wrote (too large, not text): it is then
 * neither read nor overwritten. */
static gboolean
load_cache (CudaBackend *cb)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GStatBuf st;
  gsize length = 0;

  if (g_stat (cb->conv_cache_path, &st) != 0)
    return TRUE;
  if (!S_ISREG (st.st_mode) || st.st_size > CACHE_MAX_BYTES
      || !g_file_get_contents (cb->conv_cache_path, &text, &length, NULL)
      || !g_utf8_validate (text, length, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      char *tab = strchr (*l, '\t');
      g_autofree char *key = NULL;

      if (tab == NULL || tab == *l)
        continue;
      key = g_strndup (*l, tab - *l);
      if (!g_hash_table_contains (cb->conv_cache, key))
        g_hash_table_insert (cb->conv_cache, g_steal_pointer (&key), g_strdup (tab + 1));
    }
  return TRUE;
}

/* The table written over the file, after taking in what others wrote there since it was
 * read. A cache that cannot be written costs a timing next time, nothing else. */
static void
save_cache (CudaBackend *cb)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GList) keys = NULL;
  g_autofree char *dir = g_path_get_dirname (cb->conv_cache_path);
  g_autoptr (GError) error = NULL;

  if (!load_cache (cb))
    {
      g_debug ("%s: not ours to rewrite; the ways measured now are not remembered",
               cb->conv_cache_path);
      return;
    }
  keys = g_list_sort (g_hash_table_get_keys (cb->conv_cache), (GCompareFunc) strcmp);
  for (GList *k = keys; k != NULL; k = k->next)
    g_string_append_printf (text, "%s\t%s\n", (const char *) k->data,
                            (const char *) g_hash_table_lookup (cb->conv_cache, k->data));
  if (g_mkdir_with_parents (dir, 0700) != 0
      || !g_file_set_contents (cb->conv_cache_path, text->str, (gssize) text->len, &error))
    g_debug ("%s: not saved: %s", cb->conv_cache_path,
             error != NULL ? error->message : g_strerror (errno));
}

void
st_cuda_conv_cache_open (CudaBackend *cb)
{
  const char *force = g_getenv ("STRATA_CUDA_CONV");

  /* A value it does not know is said and set aside: an error here would only send a run
   * that asked for any device to the CPU without a word. */
  if (force != NULL && *force != '\0' && strcmp (force, "measure") != 0)
    {
      StCudaConvWay way;

      if (way_from_name (force, &way))
        cb->conv_force = st_cuda_conv_way_name (way);
      else
        g_message (_("STRATA_CUDA_CONV=%s is not a way (im2col, direct, pointwise or measure): "
                     "every convolution's way is measured"), force);
    }
  cb->conv_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cb->conv_cache_path = g_build_filename (g_get_user_cache_dir (), "strata",
                                          "cuda-conv-ways.txt", NULL);
}

void
st_cuda_conv_cache_free (CudaBackend *cb)
{
  g_clear_pointer (&cb->conv_cache, g_hash_table_unref);
  g_clear_pointer (&cb->conv_cache_path, g_free);
}

/* ---- the trials ------------------------------------------------------------------------- */

static float *
param (CudaBackend *cb, float *block, int tensor)
{
  return tensor >= 0 ? block + cb->net->tensors[tensor].offset : NULL;
}

static gboolean
needs_data (CudaBackend *cb, const StOp *op)
{
  return cb->net->values[op->inputs[0].value].needs_grad;
}

/* One pass of op o at the full batch: forward by ways->forward, or backward by the others. */
static gboolean
run_once (CudaBackend *cb, guint o, gboolean forward, const StCudaConvWays *ways,
          GError **error)
{
  const StOp *op = &cb->net->ops[o];
  const OpPlan *p = &cb->plans[o];
  const int in = op->inputs[0].value;

  if (forward)
    return st_cuda_conv2d_forward (&cb->q, ways->forward, st_cuda_act (cb, op->output),
                                   st_cuda_act (cb, in), param (cb, cb->params, op->weight),
                                   param (cb, cb->params, op->bias), ST_CUDA_ACT_NONE,
                                   cb->scratch, cb->B, p->chunk, &p->g, error);
  return st_cuda_conv2d_backward (&cb->q, ways,
                                  needs_data (cb, op) ? st_cuda_dact (cb, in) : NULL,
                                  param (cb, cb->grads, op->weight),
                                  param (cb, cb->grads, op->bias), st_cuda_dact (cb, op->output),
                                  NULL, st_cuda_act (cb, in), param (cb, cb->params, op->weight),
                                  cb->scratch, cb->partials, cb->B, p->chunk, &p->g, FALSE,
                                  error);
}

static int
compare_float (const void *a, const void *b)
{
  const float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* The median time of one pass, in µs. */
static gboolean
trial (CudaBackend *cb, guint o, gboolean forward, const StCudaConvWays *ways, double *us,
       GError **error)
{
  cudaEvent_t ev[2] = { NULL, NULL };
  float ms[TRIALS];
  gboolean ok = FALSE;
  cudaError_t err;

  if ((err = cudaEventCreate (&ev[0])) != cudaSuccess
      || (err = cudaEventCreate (&ev[1])) != cudaSuccess)
    {
      st_cuda_fail (error, err, "cudaEventCreate", G_STRLOC);
      goto out;
    }
  if (!run_once (cb, o, forward, ways, error))
    goto out;
  for (int t = 0; t < TRIALS; t++)
    {
      const char *call = "cudaEventRecord";

      if ((err = cudaEventRecord (ev[0], cb->q.stream)) != cudaSuccess)
        {
          st_cuda_fail (error, err, call, G_STRLOC);
          goto out;
        }
      if (!run_once (cb, o, forward, ways, error))
        goto out;
      if ((err = cudaEventRecord (ev[1], cb->q.stream)) != cudaSuccess
          || (call = "cudaEventSynchronize", err = cudaEventSynchronize (ev[1])) != cudaSuccess
          || (call = "cudaEventElapsedTime",
              err = cudaEventElapsedTime (&ms[t], ev[0], ev[1])) != cudaSuccess)
        {
          st_cuda_fail (error, err, call, G_STRLOC);
          goto out;
        }
    }
  qsort (ms, TRIALS, sizeof ms[0], compare_float);
  *us = ms[TRIALS / 2] * 1000.0;
  ok = TRUE;
out:
  for (int i = 0; i < 2; i++)
    if (ev[i] != NULL)
      cudaEventDestroy (ev[i]);
  return ok;
}

/* The ways each phase may take for op o: forced, or all that fit. */
static int
candidates (CudaBackend *cb, const StOp *op, const StCudaGeom *g, StCudaConvPhase phase,
            StCudaConvWay *out)
{
  int n = 0;

  if (phase == ST_CUDA_CONV_DATA && !needs_data (cb, op))
    {
      out[0] = ST_CUDA_CONV_IM2COL;    /* never runs in training; compute's default */
      return 1;
    }
  for (int w = 0; w < ST_CUDA_CONV_N_WAYS; w++)
    {
      const StCudaConvWay way = (StCudaConvWay) w;

      if (!st_cuda_conv_way_fits (way, phase, g)
          || (phase == ST_CUDA_CONV_WEIGHTS && way == ST_CUDA_CONV_DIRECT
              && !st_cuda_conv_try_direct_weights (g)))
        continue;
      if (cb->conv_force != NULL && strcmp (cb->conv_force, st_cuda_conv_way_name (way)) != 0)
        continue;
      out[n++] = way;
    }
  if (n == 0)
    out[n++] = ST_CUDA_CONV_IM2COL;
  return n;
}

/* Every way of the three phases of op o timed; the fastest kept in p->ways, and what was
 * timed, in µs, into `timings`. */
static gboolean
measure (CudaBackend *cb, guint o, GString *timings, GError **error)
{
  const StOp *op = &cb->net->ops[o];
  OpPlan *p = &cb->plans[o];
  StCudaConvWay fwd[ST_CUDA_CONV_N_WAYS], data[ST_CUDA_CONV_N_WAYS], wts[ST_CUDA_CONV_N_WAYS];
  const int n_fwd = candidates (cb, op, &p->g, ST_CUDA_CONV_FORWARD, fwd);
  const int n_data = candidates (cb, op, &p->g, ST_CUDA_CONV_DATA, data);
  const int n_wts = candidates (cb, op, &p->g, ST_CUDA_CONV_WEIGHTS, wts);
  double best = G_MAXDOUBLE, us;

  /* one way for each phase: nothing to choose, nothing to time */
  if (n_fwd == 1 && n_data == 1 && n_wts == 1)
    {
      p->ways = (StCudaConvWays) { fwd[0], data[0], wts[0] };
      g_string_append (timings, _("the one way that fits"));
      return TRUE;
    }
  g_string_append (timings, "forward");
  for (int f = 0; f < n_fwd; f++)
    {
      StCudaConvWays ways = { .forward = fwd[f] };

      if (!trial (cb, o, TRUE, &ways, &us, error))
        return FALSE;
      g_string_append_printf (timings, " %s %.1f µs%s", st_cuda_conv_way_name (fwd[f]), us,
                              f + 1 < n_fwd ? "," : ";");
      if (us < best)
        {
          best = us;
          p->ways.forward = fwd[f];
        }
    }
  best = G_MAXDOUBLE;
  g_string_append (timings, needs_data (cb, op) ? " backward (data+weights)"
                                                : " backward (weights)");
  for (int d = 0; d < n_data; d++)
    for (int w = 0; w < n_wts; w++)
      {
        StCudaConvWays ways = { .forward = p->ways.forward, .data = data[d], .weights = wts[w] };

        if (!trial (cb, o, FALSE, &ways, &us, error))
          return FALSE;
        if (needs_data (cb, op))
          g_string_append_printf (timings, " %s+%s", st_cuda_conv_way_name (data[d]),
                                  st_cuda_conv_way_name (wts[w]));
        else
          g_string_append_printf (timings, " %s", st_cuda_conv_way_name (wts[w]));
        g_string_append_printf (timings, " %.1f µs%s", us,
                                d + 1 < n_data || w + 1 < n_wts ? "," : "");
        if (us < best)
          {
            best = us;
            p->ways.data = data[d];
            p->ways.weights = wts[w];
          }
      }
  return TRUE;
}

static char *
cache_key (CudaBackend *cb, const StOp *op, const StCudaGeom *g)
{
  return g_strdup_printf ("v%d|%s|batch %d|%d %d %d|%d %d %d|%d %d %d %d %d %d %d %d|%s",
                          CACHE_VERSION, cb->gpu_name, cb->B, g->C, g->H, g->W, g->OC, g->OH,
                          g->OW, g->KH, g->KW, g->SH, g->SW, g->PH, g->PW, g->DH, g->DW,
                          needs_data (cb, op) ? "data" : "no-data");
}

/* A remembered choice ("forward data weights<TAB>timings"), if it still fits. */
static gboolean
from_cache (CudaBackend *cb, OpPlan *p, const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, "\t", 2);
  g_auto (GStrv) ways = parts[0] != NULL ? g_strsplit (parts[0], " ", -1) : NULL;
  StCudaConvWays w;

  if (ways == NULL || g_strv_length (ways) != 3 || !way_from_name (ways[0], &w.forward)
      || !way_from_name (ways[1], &w.data) || !way_from_name (ways[2], &w.weights)
      || !st_cuda_conv_way_fits (w.forward, ST_CUDA_CONV_FORWARD, &p->g)
      || !st_cuda_conv_way_fits (w.data, ST_CUDA_CONV_DATA, &p->g)
      || !st_cuda_conv_way_fits (w.weights, ST_CUDA_CONV_WEIGHTS, &p->g)
      || (w.weights == ST_CUDA_CONV_DIRECT && !st_cuda_conv_try_direct_weights (&p->g)))
    return FALSE;
  p->ways = w;
  p->why = g_strdup_printf (_("remembered from %s: %s"), cb->conv_cache_path,
                            parts[1] != NULL ? parts[1] : "");
  return TRUE;
}

gboolean
st_cuda_plan_convs (CudaBackend *cb, GError **error)
{
  gboolean changed = FALSE;

  /* read again at every prepare: another backend may have measured since this one opened */
  load_cache (cb);
  for (guint o = 0; o < cb->net->n_ops; o++)
    {
      const StOp *op = &cb->net->ops[o];
      OpPlan *p = &cb->plans[o];
      g_autofree char *key = NULL;
      g_autoptr (GString) timings = NULL;
      const char *cached;

      if (op->kind != ST_OP_CONV2D)
        continue;
      g_clear_pointer (&p->why, g_free);
      p->ways = (StCudaConvWays) { ST_CUDA_CONV_IM2COL, ST_CUDA_CONV_IM2COL,
                                   ST_CUDA_CONV_IM2COL };
      key = cache_key (cb, op, &p->g);
      cached = cb->conv_force == NULL ? g_hash_table_lookup (cb->conv_cache, key) : NULL;
      if (cached != NULL && from_cache (cb, p, cached))
        continue;
      timings = g_string_new (NULL);
      if (!measure (cb, o, timings, error))
        return FALSE;
      if (cb->conv_force != NULL)
        {
          p->why = g_strdup_printf (_("STRATA_CUDA_CONV=%s: %s"), cb->conv_force, timings->str);
          continue;
        }
      p->why = g_strdup_printf (_("measured: %s"), timings->str);
      g_hash_table_replace (cb->conv_cache, g_steal_pointer (&key),
                            g_strdup_printf ("%s %s %s\t%s",
                                             st_cuda_conv_way_name (p->ways.forward),
                                             st_cuda_conv_way_name (p->ways.data),
                                             st_cuda_conv_way_name (p->ways.weights),
                                             timings->str));
      changed = TRUE;
    }
  if (changed)
    save_cache (cb);
  return TRUE;
}

/* ---- describe_plan ---------------------------------------------------------------------- */

void
st_cuda_describe_plan (StBackend *be, GPtrArray *lines)
{
  CudaBackend *cb = (CudaBackend *) be;
  g_autoptr (GString) fused = g_string_new (NULL);

  for (guint o = 0; cb->net != NULL && o < cb->net->n_ops; o++)
    {
      const StOp *op = &cb->net->ops[o];
      const OpPlan *p = &cb->plans[o];

      if (op->kind != ST_OP_CONV2D)
        continue;
      g_ptr_array_add (lines,
                       st_plan_conv_line (op, cb->B, st_cuda_conv_way_name (p->ways.forward),
                                          needs_data (cb, op)
                                          ? st_cuda_conv_way_name (p->ways.data) : NULL,
                                          st_cuda_conv_way_name (p->ways.weights),
                                          p->why != NULL ? p->why : ""));
    }
  for (guint o = 0; cb->net != NULL && o + 1 < cb->net->n_ops; o++)
    if (cb->plans[o].act != ST_CUDA_ACT_NONE)
      g_string_append_printf (fused, "%s%s %s + %s %s", fused->len > 0 ? ", " : "",
                              cb->net->ops[o].path, cb->net->ops[o].name,
                              cb->net->ops[o + 1].path, cb->net->ops[o + 1].name);
  if (fused->len > 0)
    g_ptr_array_add (lines, g_strdup_printf (_("fused (one kernel in training and evaluation; "
                                               "STRATA_CUDA_FUSE=0 keeps them apart): %s"),
                                             fused->str));
}
