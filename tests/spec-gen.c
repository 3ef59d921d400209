/* spec-gen.c: see spec-gen.h. The generator counts as it draws: each gen_* function draws
 * one layer for the shape in *cur, adds what the layer holds to the running parameter and
 * buffer counts by PyTorch's formulas, and leaves the layer's output shape in *cur.
 */
#define G_LOG_DOMAIN "strata-test"

#include "spec-gen.h"

#include <float.h>

#include "core/model/layer-types.h"

#define MAX_DEPTH 2   /* blocks inside blocks, no deeper */

/* ---- drawing ------------------------------------------------------------------------- */

static gint64
draw (StRng *rng, gint64 lo, gint64 hi)
{
  return lo + (gint64) st_rng_below (rng, (guint64) (hi - lo + 1));
}

static gboolean
chance (StRng *rng, double p)
{
  return st_rng_uniform (rng) < p;
}

/* ---- the generator: valid models, with their sizes counted here ---------------------- */

typedef struct {
  StRng  *rng;
  gint64  params;            /* what the drawn layers hold, by PyTorch's formulas */
  gint64  buffers;
} Gen;

/* Output size of a sliding window along one axis; 0 when it does not fit. */
static gint64
axis_out (gint64 in, gint64 k, gint64 s, gint64 p, gint64 d)
{
  gint64 span = d * (k - 1) + 1;

  return in + 2 * p < span ? 0 : (in + 2 * p - span) / s + 1;
}

typedef struct {
  gint64 k[2], s[2], p[2], d[2];
} Window;

/* A window that fits an image on both axes. Pools keep padding within half the (dilated)
 * window, as PyTorch requires, and dilate only maps at least as wide as the dilation: over a
 * narrower one a window can fall wholly in the padding (inference refuses it; PyTorch would
 * give -inf). */
static void
draw_window (Gen *g, const StShape *in, gboolean dilate, gboolean pool, Window *w)
{
  gboolean square = chance (g->rng, 0.7);

  for (int a = 0; a < 2; a++)
    {
      gint64 size = in->dim[1 + a];

      if (a == 1 && square && axis_out (size, w->k[0], w->s[0], w->p[0], w->d[0]) > 0
          && (!pool || size >= w->d[0]))
        {
          w->k[1] = w->k[0], w->s[1] = w->s[0], w->p[1] = w->p[0], w->d[1] = w->d[0];
          continue;
        }
      for (int tries = 0;; tries++)
        {
          w->k[a] = draw (g->rng, 1, 3);
          w->d[a] = dilate && (!pool || size >= 2) && chance (g->rng, 0.3) ? 2 : 1;
          w->p[a] = draw (g->rng, 0, pool ? (w->d[a] * (w->k[a] - 1) + 1) / 2 : 2);
          w->s[a] = draw (g->rng, 1, 2);
          if (axis_out (size, w->k[a], w->s[a], w->p[a], w->d[a]) > 0)
            break;
          if (tries == 8)
            {
              w->k[a] = w->d[a] = 1, w->p[a] = 0;
              break;
            }
        }
    }
}

/* Sets a pair argument; one left at its default only sometimes written out. */
static void
maybe_pair (Gen *g, StNode *node, StArgId id, const gint64 v[2], gint64 fallback)
{
  if (v[0] != fallback || v[1] != fallback || chance (g->rng, 0.3))
    st_node_set_pair (node, id, v[0], v[1]);
}

static StNode *
leaf (StLayerKind kind)
{
  return st_node_new (st_layer_type_get (kind));
}

static StNode *
gen_conv2d (Gen *g, StShape *cur, gint64 oc, gboolean pointwise)
{
  StNode *node = leaf (ST_LAYER_CONV2D);
  gboolean bias = !chance (g->rng, 0.3);
  Window w = { { 1, 1 }, { 1, 1 }, { 0, 0 }, { 1, 1 } };

  if (!pointwise)
    draw_window (g, cur, TRUE, FALSE, &w);
  st_node_set_int (node, ST_ARG_OUT_CHANNELS, oc);
  st_node_set_pair (node, ST_ARG_KERNEL_SIZE, w.k[0], w.k[1]);
  if (chance (g->rng, 0.5))
    st_node_set_int (node, ST_ARG_IN_CHANNELS, cur->dim[0]);
  maybe_pair (g, node, ST_ARG_STRIDE, w.s, 1);
  maybe_pair (g, node, ST_ARG_PADDING, w.p, 0);
  maybe_pair (g, node, ST_ARG_DILATION, w.d, 1);
  if (!bias || chance (g->rng, 0.3))
    st_node_set_bool (node, ST_ARG_BIAS, bias);
  g->params += oc * cur->dim[0] * w.k[0] * w.k[1] + (bias ? oc : 0);
  *cur = st_shape_chw (oc, axis_out (cur->dim[1], w.k[0], w.s[0], w.p[0], w.d[0]),
                       axis_out (cur->dim[2], w.k[1], w.s[1], w.p[1], w.d[1]));
  return node;
}

static StNode *
gen_pool (Gen *g, StShape *cur, StLayerKind kind)
{
  gboolean max = kind == ST_LAYER_MAXPOOL2D;
  StNode *node = leaf (kind);
  Window w;

  draw_window (g, cur, max, TRUE, &w);
  st_node_set_pair (node, ST_ARG_KERNEL_SIZE, w.k[0], w.k[1]);
  /* Without a stride, PyTorch's pools step by the window. */
  if (chance (g->rng, 0.4))
    w.s[0] = w.k[0], w.s[1] = w.k[1];
  else
    st_node_set_pair (node, ST_ARG_STRIDE, w.s[0], w.s[1]);
  maybe_pair (g, node, ST_ARG_PADDING, w.p, 0);
  if (max)
    maybe_pair (g, node, ST_ARG_DILATION, w.d, 1);
  *cur = st_shape_chw (cur->dim[0], axis_out (cur->dim[1], w.k[0], w.s[0], w.p[0], w.d[0]),
                       axis_out (cur->dim[2], w.k[1], w.s[1], w.p[1], w.d[1]));
  return node;
}

/* An adaptive pool to oh×ow; 0 draws the size. */
static StNode *
gen_adaptive (Gen *g, StShape *cur, gint64 oh, gint64 ow)
{
  StNode *node = leaf (ST_LAYER_ADAPTIVEAVGPOOL2D);

  if (oh == 0)
    {
      oh = draw (g->rng, 1, 4);
      ow = chance (g->rng, 0.7) ? oh : draw (g->rng, 1, 4);
    }
  st_node_set_pair (node, ST_ARG_OUTPUT_SIZE, oh, ow);
  *cur = st_shape_chw (cur->dim[0], oh, ow);
  return node;
}

/* The layers that keep the shape: activations, Dropout, BatchNorm2d (images only). */
static StNode *
gen_same_shape (Gen *g, const StShape *cur, StLayerKind kind)
{
  StNode *node = leaf (kind);
  gint64 c = cur->dim[0];

  switch (kind)
    {
    case ST_LAYER_RELU:
      if (chance (g->rng, 0.2))
        st_node_set_bool (node, ST_ARG_INPLACE, chance (g->rng, 0.5));
      break;
    case ST_LAYER_LEAKYRELU:
      if (chance (g->rng, 0.6))
        st_node_set_float (node, ST_ARG_NEGATIVE_SLOPE, st_rng_uniform (g->rng) * 0.5);
      break;
    case ST_LAYER_PRELU:
      {
        gint64 n = chance (g->rng, 0.5) ? 1 : c;

        if (n != 1 || chance (g->rng, 0.3))
          st_node_set_int (node, ST_ARG_NUM_PARAMETERS, n);
        if (chance (g->rng, 0.3))
          st_node_set_float (node, ST_ARG_INIT, st_rng_uniform (g->rng) * 0.5);
        g->params += n;
        break;
      }
    case ST_LAYER_DROPOUT:
      {
        static const double ps[] = { 0.0, 0.1, 0.5, 0.9, 1.0 };

        if (chance (g->rng, 0.8))
          st_node_set_float (node, ST_ARG_P, ps[st_rng_below (g->rng, G_N_ELEMENTS (ps))]);
        break;
      }
    case ST_LAYER_BATCHNORM2D:
      {
        gboolean affine = !chance (g->rng, 0.3);

        if (chance (g->rng, 0.5))
          st_node_set_int (node, ST_ARG_NUM_FEATURES, c);
        if (!affine || chance (g->rng, 0.3))
          st_node_set_bool (node, ST_ARG_AFFINE, affine);
        if (chance (g->rng, 0.3))
          st_node_set_float (node, ST_ARG_EPS, chance (g->rng, 0.5) ? 1e-3 : 1e-5);
        if (chance (g->rng, 0.3))
          st_node_set_float (node, ST_ARG_MOMENTUM, st_rng_uniform (g->rng));
        g->params += affine ? 2 * c : 0;
        g->buffers += 2 * c;
        break;
      }
    default:
      break;
    }
  return node;
}

static StNode *
gen_flatten (StShape *cur)
{
  *cur = st_shape_flat (st_shape_numel (cur));
  return leaf (ST_LAYER_FLATTEN);
}

static StNode *
gen_linear (Gen *g, StShape *cur, gint64 out)
{
  StNode *node = leaf (ST_LAYER_LINEAR);
  gboolean bias = !chance (g->rng, 0.3);

  st_node_set_int (node, ST_ARG_OUT_FEATURES, out);
  if (chance (g->rng, 0.5))
    st_node_set_int (node, ST_ARG_IN_FEATURES, cur->dim[0]);
  if (!bias || chance (g->rng, 0.3))
    st_node_set_bool (node, ST_ARG_BIAS, bias);
  g->params += cur->dim[0] * out + (bias ? out : 0);
  *cur = st_shape_flat (out);
  return node;
}

static StNode *gen_layer (Gen *g, StShape *cur, int depth);

/* Up to max_len layers that keep an image an image (or a vector a vector). */
static void
gen_seq (Gen *g, GPtrArray *seq, StShape *cur, int depth, int max_len)
{
  int n = draw (g->rng, 0, max_len);

  for (int i = 0; i < n; i++)
    g_ptr_array_add (seq, gen_layer (g, cur, depth));
}

static StNode *
gen_concat (Gen *g, StShape *cur, int depth)
{
  StNode *node = leaf (ST_LAYER_CONCAT);
  int n = draw (g->rng, 1, 3);
  StShape first = *cur;
  gint64 channels = 0;

  for (int b = 0; b < n; b++)
    {
      GPtrArray *branch = st_node_seq_new ();
      StShape s = *cur;

      gen_seq (g, branch, &s, depth + 1, 2);
      if (b == 0)
        first = s;
      else if (s.dim[1] != first.dim[1] || s.dim[2] != first.dim[2])
        g_ptr_array_add (branch, gen_adaptive (g, &s, first.dim[1], first.dim[2]));
      channels += s.dim[0];
      g_ptr_array_add (node->branches, branch);
    }
  *cur = st_shape_chw (channels, first.dim[1], first.dim[2]);
  return node;
}

/* A body, and a shortcut when the body changes the shape (sometimes also when not). */
static StNode *
gen_residual (Gen *g, StShape *cur, int depth)
{
  StNode *node = leaf (ST_LAYER_RESIDUAL);
  StShape body = *cur, skip = *cur;

  gen_seq (g, node->body, &body, depth + 1, 3);
  if (!st_shape_equal (&body, cur) || chance (g->rng, 0.3))
    {
      node->shortcut = st_node_seq_new ();
      if (skip.rank == 3 && (skip.dim[1] != body.dim[1] || skip.dim[2] != body.dim[2]))
        g_ptr_array_add (node->shortcut, gen_adaptive (g, &skip, body.dim[1], body.dim[2]));
      if (skip.rank == 3 && (skip.dim[0] != body.dim[0] || chance (g->rng, 0.5)))
        g_ptr_array_add (node->shortcut, gen_conv2d (g, &skip, body.dim[0], TRUE));
      else if (skip.rank == 1 && (skip.dim[0] != body.dim[0] || chance (g->rng, 0.5)))
        g_ptr_array_add (node->shortcut, gen_linear (g, &skip, body.dim[0]));
    }
  *cur = body;
  return node;
}

/* One layer that keeps the rank of `cur`: an image stays an image, a vector a vector. */
static StNode *
gen_layer (Gen *g, StShape *cur, int depth)
{
  static const StLayerKind same[] = {
    ST_LAYER_RELU, ST_LAYER_PRELU, ST_LAYER_LEAKYRELU, ST_LAYER_SIGMOID, ST_LAYER_TANH,
    ST_LAYER_DROPOUT, ST_LAYER_BATCHNORM2D,
  };
  gboolean blocks = depth < MAX_DEPTH;
  guint64 pick;

  if (cur->rank == 1)
    {
      /* Vectors: Linear, the activations, Dropout, Flatten (the identity) and Residual. */
      pick = st_rng_below (g->rng, blocks ? 10 : 9);
      if (pick < 2)
        return gen_linear (g, cur, draw (g->rng, 1, 8));
      if (pick < 8)
        return gen_same_shape (g, cur, same[pick - 2]);
      if (pick == 8)
        return gen_flatten (cur);
      return gen_residual (g, cur, depth);
    }
  pick = st_rng_below (g->rng, blocks ? 15 : 13);
  if (pick < 2)
    return gen_conv2d (g, cur, draw (g->rng, 1, 4), FALSE);
  if (pick == 2)
    return gen_pool (g, cur, ST_LAYER_MAXPOOL2D);
  if (pick == 3)
    return gen_pool (g, cur, ST_LAYER_AVGPOOL2D);
  if (pick == 4)
    return gen_adaptive (g, cur, 0, 0);
  if (pick < 12)
    return gen_same_shape (g, cur, same[pick - 5]);
  if (pick == 12)
    return gen_same_shape (g, cur, ST_LAYER_BATCHNORM2D);
  if (pick == 13)
    return gen_concat (g, cur, depth);
  return gen_residual (g, cur, depth);
}

StSpec *
spec_gen_model (StRng *rng, guint64 seed, SpecGenSizes *sizes)
{
  g_autofree char *name = g_strdup_printf ("property-%" G_GUINT64_FORMAT, seed);
  Gen g = { .rng = rng };
  StShape cur = st_shape_chw (draw (rng, 1, 3), draw (rng, 4, 16), draw (rng, 4, 16));
  StSpec *spec = st_spec_new (name, &cur);
  int n = draw (rng, 1, 6);

  for (int i = 0; i < n; i++)
    {
      if (cur.rank == 3 && chance (rng, 0.1))
        g_ptr_array_add (spec->layers, gen_flatten (&cur));
      else
        g_ptr_array_add (spec->layers, gen_layer (&g, &cur, 0));
    }
  if (chance (rng, 0.85))
    {
      if (cur.rank == 3)
        g_ptr_array_add (spec->layers, gen_flatten (&cur));
      g_ptr_array_add (spec->layers, gen_linear (&g, &cur, draw (rng, 1, 5)));
    }
  sizes->output = cur;
  sizes->params = g.params;
  sizes->buffers = g.buffers;
  return spec;
}

/* ---- the edits ----------------------------------------------------------------------- */

typedef struct {
  GPtrArray *seq;
  guint      index;
} Slot;

static void
collect_slots (GPtrArray *seq, GArray *slots)
{
  for (guint i = 0; seq != NULL && i < seq->len; i++)
    {
      StNode *node = g_ptr_array_index (seq, i);
      Slot s = { seq, i };

      g_array_append_val (slots, s);
      for (guint b = 0; node->branches != NULL && b < node->branches->len; b++)
        collect_slots (g_ptr_array_index (node->branches, b), slots);
      collect_slots (node->body, slots);
      collect_slots (node->shortcut, slots);
    }
}

static gint64
edit_int (StRng *rng, const StLayerInfo *row)
{
  static const gint64 values[] = {
    0, -1, -2, 1, 2, 3, 5, 64, G_MAXINT32, (gint64) G_MAXINT32 + 1,
    G_GINT64_CONSTANT (1) << 32, (G_GINT64_CONSTANT (1) << 32) + 1,
    G_GINT64_CONSTANT (1) << 40, G_GINT64_CONSTANT (1) << 62, -(G_GINT64_CONSTANT (1) << 62),
    G_MAXINT64, G_MININT64,
  };

  /* A near miss of the input's size: a mismatched in_channels, in_features, ... */
  if (row != NULL && row->in.rank > 0 && chance (rng, 0.25))
    return row->in.dim[0] + draw (rng, -1, 1);
  if (chance (rng, 0.3))
    return draw (rng, 0, 20);
  return values[st_rng_below (rng, G_N_ELEMENTS (values))];
}

static double
edit_float (StRng *rng)
{
  static const double values[] = {
    0.0, -0.0, -1.0, 0.5, 1.0, 1.0000001, 2.0, 1e-300, 4.9e-324, 1e30, -1e30, DBL_MAX,
    -DBL_MAX, 0.1,
  };

  if (chance (rng, 0.3))
    return st_rng_uniform (rng) * 3.0 - 1.0;
  return values[st_rng_below (rng, G_N_ELEMENTS (values))];
}

/* Sets one argument of `node` to an edited value; returns a description. */
static char *
edit_arg (StRng *rng, StNode *node, StArgId id, const StLayerInfo *row)
{
  const char *name = st_arg_name (id);
  const StArgValue *v = &node->args.v[id];

  if (chance (rng, 0.1))
    {
      st_node_unset (node, id);
      return g_strdup_printf ("%s unset", name);
    }
  switch (st_arg_kind (id))
    {
    case ST_ARG_KIND_INT:
      st_node_set_int (node, id, edit_int (rng, row));
      return g_strdup_printf ("%s = %" G_GINT64_FORMAT, name, v->i[0]);
    case ST_ARG_KIND_PAIR:
      if (chance (rng, 0.5))
        st_node_set_int (node, id, edit_int (rng, row));
      else if (chance (rng, 0.5))
        st_node_set_pair (node, id, edit_int (rng, row), v->i[1]);
      else
        st_node_set_pair (node, id, v->i[0], edit_int (rng, row));
      return g_strdup_printf ("%s = [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", name,
                              v->i[0], v->i[1]);
    case ST_ARG_KIND_FLOAT:
      st_node_set_float (node, id, edit_float (rng));
      return g_strdup_printf ("%s = %.17g", name, v->f);
    case ST_ARG_KIND_BOOL:
    default:
      st_node_set_bool (node, id, !v->b);
      return g_strdup_printf ("%s = %s", name, v->b ? "true" : "false");
    }
}

/* Replaces the node in `slot` with one of another type: fresh, or keeping the arguments
 * both types take (as the builder's type change does); blocks empty or wrapping the old. */
static char *
edit_type (StRng *rng, Slot *slot)
{
  StNode *old = g_ptr_array_index (slot->seq, slot->index);
  const StLayerType *type = st_layer_type_get (st_rng_below (rng, ST_N_LAYER_KINDS));
  StNode *node = st_node_new (type);
  gboolean keep = chance (rng, 0.5);

  for (int i = 0; keep && old->type != NULL && i < type->n_args; i++)
    {
      StArgId id = type->args[i].id;

      if (st_node_has_arg (old, id) && st_layer_type_arg (old->type, id) != NULL)
        {
          switch (st_arg_kind (id))
            {
            case ST_ARG_KIND_FLOAT:
              st_node_set_float (node, id, old->args.v[id].f);
              break;
            case ST_ARG_KIND_BOOL:
              st_node_set_bool (node, id, old->args.v[id].b);
              break;
            default:
              st_node_set_pair (node, id, old->args.v[id].i[0], old->args.v[id].i[1]);
              break;
            }
        }
    }
  if (type->kind == ST_LAYER_CONCAT && keep)
    {
      GPtrArray *branch = st_node_seq_new ();

      g_ptr_array_add (branch, st_node_copy (old));
      g_ptr_array_add (node->branches, branch);
    }
  else if (type->kind == ST_LAYER_RESIDUAL && keep)
    g_ptr_array_add (node->body, st_node_copy (old));
  g_ptr_array_index (slot->seq, slot->index) = node;
  st_node_free (old);
  return g_strdup_printf ("type %s (%s)", type->name, keep ? "keeping arguments" : "fresh");
}

char *
spec_gen_edit (StRng *rng, StSpec *spec, const StInfer *inf)
{
  g_autoptr (GArray) slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  Slot *slot;
  StNode *node;
  const StLayerInfo *row;
  g_autofree char *what = NULL;
  guint pick;

  if (chance (rng, 0.05))
    {
      int axis = st_rng_below (rng, 3);

      spec->input.dim[axis] = draw (rng, 1, 20);
      return g_strdup_printf ("input.%s = %" G_GINT64_FORMAT,
                              (const char *[]) { "channels", "height", "width" }[axis],
                              spec->input.dim[axis]);
    }
  collect_slots (spec->layers, slots);
  pick = st_rng_below (rng, slots->len);
  slot = &g_array_index (slots, Slot, pick);
  node = g_ptr_array_index (slot->seq, slot->index);
  /* Rows and slots are both in pre-order. */
  row = pick < inf->n_layers ? &inf->layers[pick] : NULL;
  if (node->type->n_args == 0 || chance (rng, 0.15))
    what = edit_type (rng, slot);
  else
    what = edit_arg (rng, node, node->type->args[st_rng_below (rng, node->type->n_args)].id,
                     row);
  return g_strdup_printf ("layer %s: %s", row != NULL ? row->path : "?", what);
}
