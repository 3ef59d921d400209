/* spec.c: specs and nodes in memory — arguments, node sequences, copies.
 * What depends on the table of layer types (a node of a type, with its defaults) is in
 * layer-types.c; reading (presets included) is in spec-read.c, writing in spec-write.c. */
#define G_LOG_DOMAIN "strata-spec"

#include "core/model/spec.h"

#include <string.h>

#include "core/model/spec-private.h"

static const struct {
  const char *name;
  StArgKind   kind;
} arg_table[ST_N_ARGS] = {
  [ST_ARG_IN_CHANNELS] = { "in_channels", ST_ARG_KIND_INT },
  [ST_ARG_OUT_CHANNELS] = { "out_channels", ST_ARG_KIND_INT },
  [ST_ARG_KERNEL_SIZE] = { "kernel_size", ST_ARG_KIND_PAIR },
  [ST_ARG_STRIDE] = { "stride", ST_ARG_KIND_PAIR },
  [ST_ARG_PADDING] = { "padding", ST_ARG_KIND_PAIR },
  [ST_ARG_DILATION] = { "dilation", ST_ARG_KIND_PAIR },
  [ST_ARG_BIAS] = { "bias", ST_ARG_KIND_BOOL },
  [ST_ARG_IN_FEATURES] = { "in_features", ST_ARG_KIND_INT },
  [ST_ARG_OUT_FEATURES] = { "out_features", ST_ARG_KIND_INT },
  [ST_ARG_NUM_PARAMETERS] = { "num_parameters", ST_ARG_KIND_INT },
  [ST_ARG_INIT] = { "init", ST_ARG_KIND_FLOAT },
  [ST_ARG_NUM_FEATURES] = { "num_features", ST_ARG_KIND_INT },
  [ST_ARG_EPS] = { "eps", ST_ARG_KIND_FLOAT },
  [ST_ARG_MOMENTUM] = { "momentum", ST_ARG_KIND_FLOAT },
  [ST_ARG_AFFINE] = { "affine", ST_ARG_KIND_BOOL },
  [ST_ARG_P] = { "p", ST_ARG_KIND_FLOAT },
  [ST_ARG_NEGATIVE_SLOPE] = { "negative_slope", ST_ARG_KIND_FLOAT },
  [ST_ARG_OUTPUT_SIZE] = { "output_size", ST_ARG_KIND_PAIR },
  [ST_ARG_INPLACE] = { "inplace", ST_ARG_KIND_BOOL },
};

const char *
st_arg_name (StArgId id)
{
  g_return_val_if_fail (id < ST_N_ARGS, NULL);
  return arg_table[id].name;
}

StArgKind
st_arg_kind (StArgId id)
{
  g_return_val_if_fail (id < ST_N_ARGS, ST_ARG_KIND_INT);
  return arg_table[id].kind;
}

gboolean
st_arg_lookup (const char *name, StArgId *id)
{
  for (int i = 0; i < ST_N_ARGS; i++)
    if (strcmp (arg_table[i].name, name) == 0)
      {
        *id = i;
        return TRUE;
      }
  return FALSE;
}

/* ---- nodes --------------------------------------------------------------------------- */

GPtrArray *
st_node_seq_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) st_node_free);
}

static void
seq_free (gpointer seq)
{
  if (seq != NULL)
    g_ptr_array_unref (seq);
}

GPtrArray *
st_node_branches_new (void)
{
  return g_ptr_array_new_with_free_func (seq_free);
}

void
st_node_free (StNode *node)
{
  if (node == NULL)
    return;
  g_free (node->type_name);
  g_clear_pointer (&node->branches, g_ptr_array_unref);
  g_clear_pointer (&node->body, g_ptr_array_unref);
  g_clear_pointer (&node->shortcut, g_ptr_array_unref);
  g_free (node->problem);
  g_free (node->problem_arg);
  g_free (node->raw_json);
  g_free (node);
}

static GPtrArray *
seq_copy (const GPtrArray *seq)
{
  GPtrArray *copy;

  if (seq == NULL)
    return NULL;
  copy = st_node_seq_new ();
  for (guint i = 0; i < seq->len; i++)
    g_ptr_array_add (copy, st_node_copy (g_ptr_array_index (seq, i)));
  return copy;
}

StNode *
st_node_copy (const StNode *node)
{
  StNode *copy = g_new0 (StNode, 1);

  copy->type = node->type;
  copy->type_name = g_strdup (node->type_name);
  copy->args = node->args;
  if (node->branches != NULL)
    {
      copy->branches = st_node_branches_new ();
      for (guint i = 0; i < node->branches->len; i++)
        g_ptr_array_add (copy->branches, seq_copy (g_ptr_array_index (node->branches, i)));
    }
  copy->body = seq_copy (node->body);
  copy->shortcut = seq_copy (node->shortcut);
  copy->problem = g_strdup (node->problem);
  copy->problem_arg = g_strdup (node->problem_arg);
  copy->raw_json = g_strdup (node->raw_json);
  return copy;
}

gboolean
st_node_has_arg (const StNode *node, StArgId id)
{
  return (node->args.given & (G_GUINT64_CONSTANT (1) << id)) != 0;
}

void
st_node_mark_given (StNode *node, StArgId id)
{
  node->args.given |= G_GUINT64_CONSTANT (1) << id;
}

void
st_node_set_int (StNode *node, StArgId id, gint64 value)
{
  node->args.v[id].i[0] = node->args.v[id].i[1] = value;
  st_node_mark_given (node, id);
}

void
st_node_set_pair (StNode *node, StArgId id, gint64 h, gint64 w)
{
  node->args.v[id].i[0] = h;
  node->args.v[id].i[1] = w;
  st_node_mark_given (node, id);
}

void
st_node_set_float (StNode *node, StArgId id, double value)
{
  node->args.v[id].f = value;
  st_node_mark_given (node, id);
}

void
st_node_set_bool (StNode *node, StArgId id, gboolean value)
{
  node->args.v[id].b = value;
  st_node_mark_given (node, id);
}

/* ---- whole specs --------------------------------------------------------------------- */

StSpec *
st_spec_new (const char *name, const StShape *input)
{
  StSpec *spec = g_new0 (StSpec, 1);

  spec->name = g_strdup (name);
  spec->input = input != NULL ? *input : st_shape_chw (1, 28, 28);
  spec->layers = st_node_seq_new ();
  st_train_config_init_default (&spec->training);
  return spec;
}

void
st_spec_free (StSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_ptr_array_unref (spec->layers);
  st_train_config_clear (&spec->training);
  g_free (spec);
}

StSpec *
st_spec_copy (const StSpec *spec)
{
  StSpec *copy = st_spec_new (spec->name, &spec->input);

  g_ptr_array_unref (copy->layers);
  copy->layers = seq_copy (spec->layers);
  copy->has_training = spec->has_training;
  st_train_config_clear (&copy->training);
  st_train_config_copy (&copy->training, &spec->training);
  return copy;
}
