/* infer.c: walk a spec and give every node its shape, size and (at most one) error.
 *
 * The walk is pre-order over a tree of sequences. Leaves call their type's rule from
 * layer-types.c; blocks are handled here because they recurse:
 *   Concat:   every branch sees the block's input; outputs must agree in height and
 *             width and are joined along channels.
 *   Residual: the body's output is added to the input (or to the shortcut's output),
 *             so the two must have the same shape.
 * torchsummary's row order puts a block after its contents (its forward hook fires last);
 * summary_order records that order and the row numbers ("Conv2d-1") follow it.
 */
#define G_LOG_DOMAIN "strata-infer"

#include "core/model/infer.h"
#include "core/io/i18n.h"

#include <stdio.h>

#include "core/model/layer-types.h"

typedef struct {
  GArray *rows;     /* StLayerInfo */
  GArray *order;    /* guint, torchsummary order */
} Walk;

static StShape walk_seq (Walk *w, const GPtrArray *seq, const StShape *in, gboolean tainted,
                         const char *prefix, int depth, int parent, gboolean *tainted_out);

static StLayerInfo *
row (Walk *w, guint index)
{
  return &g_array_index (w->rows, StLayerInfo, index);
}

static void
infer_concat (Walk *w, guint self, const StNode *node, const StShape *in, gboolean tainted)
{
  const char *path = row (w, self)->path;
  StShape first = ST_SHAPE_UNKNOWN, out;
  gint64 channels = 0;
  gboolean any_tainted = FALSE, bad = FALSE;
  char a[ST_SHAPE_STRING_MAX], b[ST_SHAPE_STRING_MAX];

  for (guint i = 0; i < node->branches->len; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("%s.branches.%u", path, i);
      gboolean branch_tainted = FALSE;
      StShape s = walk_seq (w, g_ptr_array_index (node->branches, i), in, tainted, prefix,
                            row (w, self)->depth + 1, self, &branch_tainted);

      any_tainted |= branch_tainted;
      if (bad || branch_tainted)
        continue;
      if (s.rank != 3)
        {
          st_layer_info_fail (row (w, self), "branches",
                              _("branch %u gives %s, but Concat joins images along channels; "
                                "every branch must end with channels×height×width"), i,
                              st_shape_format (&s, a));
          bad = TRUE;
        }
      else if (first.rank == 0)
        first = s, channels = s.dim[0];
      else if (s.dim[1] != first.dim[1] || s.dim[2] != first.dim[2])
        {
          st_layer_info_fail (row (w, self), "branches",
                              _("branch %u gives %s but branch 0 gives %s; all branches must agree "
                                "in height and width to be joined along channels"), i,
                              st_shape_format (&s, a), st_shape_format (&first, b));
          bad = TRUE;
        }
      else if (!st_add_checked (channels, s.dim[0], &channels))
        {
          st_layer_info_fail (row (w, self), "branches",
                              _("the joined channels are too many to count"));
          bad = TRUE;
        }
    }
  /* A branch after an error, or branches that cannot be joined: nothing to join. */
  if (first.rank == 3 && !any_tainted && !bad)
    out = st_shape_chw (channels, first.dim[1], first.dim[2]);
  else
    out = ST_SHAPE_UNKNOWN;
  row (w, self)->out = out;
  row (w, self)->tainted = any_tainted || bad;
}

static void
infer_residual (Walk *w, guint self, const StNode *node, const StShape *in, gboolean tainted)
{
  const char *path = row (w, self)->path;
  int depth = row (w, self)->depth + 1;
  g_autofree char *body_prefix = g_strdup_printf ("%s.body", path);
  g_autofree char *short_prefix = g_strdup_printf ("%s.shortcut", path);
  gboolean body_tainted = FALSE, short_tainted = tainted;
  StShape body, skip = *in;
  char a[ST_SHAPE_STRING_MAX], b[ST_SHAPE_STRING_MAX];

  body = walk_seq (w, node->body, in, tainted, body_prefix, depth, self, &body_tainted);
  if (node->shortcut != NULL)
    skip = walk_seq (w, node->shortcut, in, tainted, short_prefix, depth, self, &short_tainted);

  row (w, self)->tainted = body_tainted || short_tainted;
  /* What is added after an error inside is unknown; a sum that does not fit is the block's
   * own error, and the body's output its best guess. */
  row (w, self)->out = row (w, self)->tainted ? ST_SHAPE_UNKNOWN : body;
  if (row (w, self)->tainted || st_shape_equal (&body, &skip))
    return;
  if (node->shortcut != NULL)
    st_layer_info_fail (row (w, self), "shortcut",
                        _("the body gives %s but the shortcut gives %s; they must match to be "
                          "added"),
                        st_shape_format (&body, a), st_shape_format (&skip, b));
  else
    st_layer_info_fail (row (w, self), "body",
                        _("the body turns %s into %s, so it cannot be added to its input; "
                          "keep the shape or add a shortcut (such as a 1×1 Conv2d) that makes the "
                          "input %s too"), st_shape_format (in, b), st_shape_format (&body, a),
                        st_shape_format (&body, a));
}

/* What the reader refuses in a file (a required argument left out, a Concat without
 * branches), refused in a model built in memory too, so that it infers the same before
 * saving and after reading back. TRUE when the node has such an error. */
static gboolean
missing_args (const StNode *node, StLayerInfo *info)
{
  const StLayerType *type = node->type;

  for (int i = 0; type != NULL && i < type->n_args; i++)
    if (type->args[i].presence == ST_ARG_REQUIRED && !st_node_has_arg (node, type->args[i].id))
      {
        st_layer_info_fail (info, st_arg_name (type->args[i].id), _("%s needs %s"), type->name,
                            st_arg_name (type->args[i].id));
        return TRUE;
      }
  if (type != NULL && type->kind == ST_LAYER_CONCAT && node->branches->len == 0)
    {
      st_layer_info_fail (info, "branches", _("Concat needs at least one branch in \"branches\""));
      return TRUE;
    }
  return FALSE;
}

/* Walks one node; returns its output shape. */
static StShape
walk_node (Walk *w, const StNode *node, const StShape *in, gboolean tainted, char *path,
           int depth, int parent, gboolean *tainted_out)
{
  StLayerInfo blank = { 0 };
  guint self = w->rows->len;
  StLayerInfo *info;
  gboolean as_written = FALSE, unbuildable;

  blank.node = node;
  blank.path = path;
  blank.depth = depth;
  blank.parent = parent;
  blank.in = *in;
  g_array_append_val (w->rows, blank);
  info = row (w, self);

  if (node->problem != NULL)
    st_layer_info_fail (info, node->problem_arg, "%s", node->problem);
  else
    as_written = missing_args (node, info);
  unbuildable = node->type == NULL || node->problem != NULL || as_written;

  if (node->type == NULL)
    info->out = *in;
  else if (node->type->kind == ST_LAYER_CONCAT)
    infer_concat (w, self, node, in, tainted);
  else if (node->type->kind == ST_LAYER_RESIDUAL)
    infer_residual (w, self, node, in, tainted);
  else
    node->type->infer (node, in, info);

  info = row (w, self);
  /* A layer that cannot be built as written has no output or parameters to speak of. */
  if (unbuildable)
    {
      info->out = ST_SHAPE_UNKNOWN;
      info->params = info->trainable = info->buffers = info->macs = 0;
      info->params_unknown = TRUE;
    }
  /* After an invalid layer nothing is known of what flows on. */
  if (tainted)
    info->out = ST_SHAPE_UNKNOWN;
  if (st_shape_is_known (&info->out) && st_shape_numel (&info->out) < 0)
    st_layer_info_fail (info, NULL, _("the output is too large to count: its size multiplies "
                          "past 64 bits"));
  /* An error that only follows from an earlier one is not this layer's to report. */
  if (tainted && info->error != NULL && node->problem == NULL && !as_written)
    {
      g_clear_pointer (&info->error, g_free);
      info->error_arg = NULL;
    }
  info->tainted = tainted || info->tainted || info->error != NULL;
  if (!st_shape_is_known (&info->out))
    info->tainted = TRUE;
  info->activation = MAX (st_shape_numel (&info->out), 0);

  g_array_append_val (w->order, self);
  *tainted_out = info->tainted;
  return info->out;
}

static StShape
walk_seq (Walk *w, const GPtrArray *seq, const StShape *in, gboolean tainted, const char *prefix,
          int depth, int parent, gboolean *tainted_out)
{
  StShape cur = *in;

  for (guint i = 0; i < seq->len; i++)
    {
      char *path = prefix != NULL ? g_strdup_printf ("%s.%u", prefix, i)
                                  : g_strdup_printf ("%u", i);
      cur = walk_node (w, g_ptr_array_index (seq, i), &cur, tainted, path, depth, parent,
                       &tainted);
    }
  *tainted_out = tainted;
  return cur;
}

static double
megabytes (gint64 floats)
{
  return (double) floats * 4.0 / (1024.0 * 1024.0);
}

StInfer *
st_spec_infer_input (const StSpec *spec, const StShape *input)
{
  StInfer *infer = g_new0 (StInfer, 1);
  Walk w;
  gboolean tainted = FALSE;
  gint64 in_numel;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (input != NULL, NULL);

  w.rows = g_array_sized_new (FALSE, FALSE, sizeof (StLayerInfo), spec->layers->len + 8);
  w.order = g_array_sized_new (FALSE, FALSE, sizeof (guint), spec->layers->len + 8);
  infer->input = *input;
  infer->output = walk_seq (&w, spec->layers, input, FALSE, NULL, 0, -1, &tainted);

  infer->n_layers = w.rows->len;
  infer->layers = (StLayerInfo *) g_array_free (w.rows, FALSE);
  infer->summary_order = (guint *) g_array_free (w.order, FALSE);

  for (guint k = 0; k < infer->n_layers; k++)
    {
      StLayerInfo *info = &infer->layers[infer->summary_order[k]];

      info->number = k + 1;
      /* Sums saturate rather than wrap; the layer that overflowed already says so. Layers
       * that fit alone may still pass 64 bits together: the first to do so says it. */
      if (!st_add_checked (infer->total_params, info->params, &infer->total_params))
        {
          if (infer->total_params < G_MAXINT64)
            st_layer_info_fail (info, NULL, _("the model's parameters are too many to count: "
                                  "with this layer's, the total passes 64 bits"));
          infer->total_params = G_MAXINT64;
        }
      if (!st_add_checked (infer->trainable_params, info->trainable, &infer->trainable_params))
        infer->trainable_params = G_MAXINT64;
      if (!st_add_checked (infer->total_buffers, info->buffers, &infer->total_buffers))
        infer->total_buffers = G_MAXINT64;
      if (!st_add_checked (infer->total_activation, info->activation, &infer->total_activation))
        infer->total_activation = G_MAXINT64;
      if (!st_add_checked (infer->total_macs, info->macs, &infer->total_macs))
        infer->total_macs = G_MAXINT64;
      if (info->error != NULL)
        infer->n_errors++;
      if (!st_shape_is_known (&info->out) || info->params_unknown)
        infer->partial = TRUE;
    }
  /* A block's subtree sum: rows of its contents follow it in pre-order at greater depth. */
  for (guint i = infer->n_layers; i-- > 0;)
    {
      StLayerInfo *info = &infer->layers[i];

      info->subtree_params_unknown |= info->params_unknown;
      if (info->subtree_params < G_MAXINT64 - info->params)
        info->subtree_params += info->params;
      else
        info->subtree_params = G_MAXINT64;
      if (info->parent >= 0)
        {
          StLayerInfo *up = &infer->layers[info->parent];

          up->subtree_params_unknown |= info->subtree_params_unknown;
          if (up->subtree_params < G_MAXINT64 - info->subtree_params)
            up->subtree_params += info->subtree_params;
          else
            up->subtree_params = G_MAXINT64;
        }
    }

  in_numel = MAX (st_shape_numel (input), 0);
  infer->input_mb = megabytes (in_numel);
  infer->pass_mb = 2.0 * megabytes (infer->total_activation);
  infer->params_mb = megabytes (infer->total_params);
  infer->total_mb = infer->input_mb + infer->pass_mb + infer->params_mb;
  return infer;
}

StInfer *
st_spec_infer (const StSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return st_spec_infer_input (spec, &spec->input);
}

void
st_infer_free (StInfer *infer)
{
  if (infer == NULL)
    return;
  for (guint i = 0; i < infer->n_layers; i++)
    {
      g_free (infer->layers[i].path);
      g_free (infer->layers[i].error);
    }
  g_free (infer->layers);
  g_free (infer->summary_order);
  g_free (infer);
}

const StLayerInfo *
st_infer_find (const StInfer *infer, const StNode *node)
{
  for (guint i = 0; i < infer->n_layers; i++)
    if (infer->layers[i].node == node)
      return &infer->layers[i];
  return NULL;
}

gboolean
st_infer_check (const StInfer *infer, GQuark domain, int code, GError **error)
{
  g_return_val_if_fail (infer != NULL, FALSE);

  if (infer->n_errors == 0)
    return TRUE;
  for (guint i = 0; i < infer->n_layers; i++)
    {
      const StLayerInfo *info = &infer->layers[i];
      const StNode *node = info->node;

      if (info->error == NULL)
        continue;
      g_set_error (error, domain, code,
                   infer->n_errors > 1 ? _("layer %s (%s): %s (and more errors after it)")
                                       : _("layer %s (%s): %s"),
                   info->path, node->type != NULL ? node->type->name : node->type_name,
                   info->error);
      return FALSE;
    }
  g_set_error (error, domain, code, _("the model has errors"));
  return FALSE;
}
