/* test-property.c: shape inference against the compiled net, on random models.
 *
 * The models come from spec-gen.c, drawn from a fixed seed: small inputs, every leaf type of
 * core/model/layer-types.c, Concat and Residual nested two deep. Each draw is valid by
 * construction: the generator works out the shapes and parameter counts itself, with
 * PyTorch's formulas, as it goes.
 *
 * For every model, three accounts must agree:
 *   - the generator's, st_spec_infer()'s and st_net_compile()'s output shape, parameters
 *     and buffers; each layer's count equals the sizes of its tensors in the net, and the
 *     parameter and buffer blocks are the tensors laid end to end;
 *   - the tape: every op reads the value its place in the model says it reads, and its
 *     geometry matches the sizes of the values it reads and writes (st_net_path_value()
 *     names the same values);
 *   - a forward and backward pass on the CPU backend (`compute`, 1–3 examples in an arena
 *     laid out for BATCH): the outputs are finite and exactly the inferred size, and every
 *     op stays inside its slot. The arena is filled with a marker first: afterwards the
 *     slots of the examples in the pass are wholly overwritten, the unused examples' slots
 *     are untouched, and guard regions around the caller's buffers are intact.
 *
 * Then spec-gen.c edits each model at random: one argument of one layer (0, negative, huge,
 * 2^62, a mismatched in_channels, unset) or one layer's type. Whatever the edit, nothing
 * crashes; an invalid model has its errors on layers whose paths lead to them, and
 * st_net_compile() refuses it naming the first; a valid one compiles to the same counts and,
 * when small, runs inside its arena. Saving and reading back (st_spec_to_json, st_spec_load_from_data)
 * gives the same inference.
 *
 * A failure prints the model's seed and JSON. STRATA_PROPERTY_SEED=<seed> runs that model
 * alone.
 */
#define G_LOG_DOMAIN "strata-test"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/engine/backend.h"
/* White box: the arena's layout (value offsets) and each op's kernel geometry. */
#include "core/engine/cpu-backend-private.h"
#include "core/engine/net.h"
#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "core/ops/rng.h"
#include "spec-gen.h"

#define SEED        G_GUINT64_CONSTANT (20240917)
#define N_MODELS    1500
#define N_EDITS     4          /* edits of each model */
#define BATCH       4          /* the arena's examples; a pass uses 1 to BATCH − 1 */
#define GUARD       16         /* floats before and after each caller's buffer */
#define SMALL       (1 << 18)  /* floats: an edited model larger than this is not run */
#define MAX_REPORTS 8          /* models whose JSON is printed */

/* A NaN that no op computes (signalling, so arithmetic on it never yields it again). */
static const guint32 marker = 0x7fa5a5a5u;

/* ---- reporting ----------------------------------------------------------------------- */

typedef struct {
  guint64       seed;
  const char   *stage;        /* "model", "edit 2: ..." */
  const StSpec *spec;
  gboolean      reported;
  guint         failures;
} Case;

static guint n_reported;

static gboolean
check (Case *k, gboolean ok, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
check (Case *k, gboolean ok, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list ap;

  if (ok)
    return TRUE;
  if (!k->reported && n_reported < MAX_REPORTS)
    {
      g_autofree char *json = st_spec_to_json (k->spec);

      g_test_message ("seed %" G_GUINT64_FORMAT " (%s) fails; the model:\n%s", k->seed,
                      k->stage, json);
      k->reported = TRUE;
      n_reported++;
    }
  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (k->failures++ < 6)
    g_test_message ("seed %" G_GUINT64_FORMAT " (%s): %s", k->seed, k->stage, what);
  g_test_fail ();
  return FALSE;
}

/* ---- walking a model ----------------------------------------------------------------- */

static guint
count_nodes (const GPtrArray *seq, guint *kinds)
{
  guint n = 0;

  for (guint i = 0; seq != NULL && i < seq->len; i++)
    {
      const StNode *node = g_ptr_array_index (seq, i);

      n++;
      if (kinds != NULL && node->type != NULL)
        kinds[node->type->kind]++;
      for (guint b = 0; node->branches != NULL && b < node->branches->len; b++)
        n += count_nodes (g_ptr_array_index (node->branches, b), kinds);
      n += count_nodes (node->body, kinds) + count_nodes (node->shortcut, kinds);
    }
  return n;
}

/* The node a path such as "5.branches.1.0" or "3.body.2" names, or NULL. */
static const StNode *
node_at (const StSpec *spec, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  const GPtrArray *seq = spec->layers;
  const StNode *node = NULL;
  guint64 index;

  for (int i = 0; parts[i] != NULL; i++)
    {
      if (node != NULL)
        {
          if (strcmp (parts[i], "body") == 0)
            seq = node->body;
          else if (strcmp (parts[i], "shortcut") == 0)
            seq = node->shortcut;
          else if (strcmp (parts[i], "branches") == 0 && node->branches != NULL
                   && parts[i + 1] != NULL
                   && g_ascii_string_to_unsigned (parts[i + 1], 10, 0, G_MAXUINT, &index, NULL)
                   && index < node->branches->len)
            seq = g_ptr_array_index (node->branches, index), i++;
          else
            return NULL;
          if (seq == NULL || parts[++i] == NULL)
            return NULL;
        }
      if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT, &index, NULL)
          || index >= seq->len)
        return NULL;
      node = g_ptr_array_index (seq, index);
    }
  return node;
}

/* "5.branches.1" for "5.branches.1.0": the sequence a row belongs to ("" at the top). */
static char *
seq_of (const char *path)
{
  const char *dot = strrchr (path, '.');

  return dot != NULL ? g_strndup (path, dot - path) : g_strdup ("");
}

/* ---- inference against the generator and the net ------------------------------------- */

/* Every row's errors sit on a layer the row's path leads to; the count is n_errors. */
static void
check_errors_placed (Case *k, const StSpec *spec, const StInfer *inf)
{
  guint errors = 0;

  check (k, inf->n_layers == count_nodes (spec->layers, NULL),
         "%u rows for %u layers", inf->n_layers, count_nodes (spec->layers, NULL));
  for (guint i = 0; i < inf->n_layers; i++)
    {
      const StLayerInfo *row = &inf->layers[i];

      check (k, row->path != NULL && node_at (spec, row->path) == row->node,
             "row %u: path %s does not lead to its layer", i, row->path);
      if (row->error != NULL)
        {
          errors++;
          check (k, row->error[0] != '\0', "row %s: an empty error", row->path);
        }
    }
  check (k, errors == inf->n_errors, "n_errors %u but %u rows have an error", inf->n_errors,
         errors);
}

/* The op of each leaf and block (a Flatten has none). */
static GHashTable *
ops_by_node (const StNet *net)
{
  GHashTable *ops = g_hash_table_new (NULL, NULL);

  for (guint o = 0; o < net->n_ops; o++)
    g_hash_table_insert (ops, (gpointer) net->ops[o].node, GUINT_TO_POINTER (o + 1));
  return ops;
}

/* Each layer's tensors: their sizes against the row's counts, the blocks' layout. */
static void
check_tensors (Case *k, const StInfer *inf, const StNet *net)
{
  g_autoptr (GHashTable) rows = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gint64 *params = g_new0 (gint64, inf->n_layers);
  g_autofree gint64 *buffers = g_new0 (gint64, inf->n_layers);
  gsize param_end = 0, buffer_end = 0;

  for (guint i = 0; i < inf->n_layers; i++)
    g_hash_table_insert (rows, inf->layers[i].path, GUINT_TO_POINTER (i + 1));
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *ti = &net->tensors[t];
      g_autofree char *owner = seq_of (ti->name);
      guint row = GPOINTER_TO_UINT (g_hash_table_lookup (rows, owner));
      gsize numel = 1;

      for (int d = 0; d < ti->rank; d++)
        numel *= ti->dims[d];
      check (k, numel == ti->numel, "tensor %s: dims give %" G_GSIZE_FORMAT ", numel %"
             G_GSIZE_FORMAT, ti->name, numel, ti->numel);
      if (!check (k, row > 0 && ti->op >= 0 && (guint) ti->op < net->n_ops
                  && net->ops[ti->op].path != NULL
                  && strcmp (net->ops[ti->op].path, owner) == 0,
                  "tensor %s belongs to no layer of that path", ti->name))
        continue;
      if (ti->role == ST_TENSOR_PARAM)
        {
          check (k, ti->offset == param_end, "tensor %s at %" G_GSIZE_FORMAT ", expected %"
                 G_GSIZE_FORMAT, ti->name, ti->offset, param_end);
          param_end = ti->offset + ti->numel;
          params[row - 1] += ti->numel;
        }
      else
        {
          check (k, ti->offset == buffer_end, "buffer %s at %" G_GSIZE_FORMAT ", expected %"
                 G_GSIZE_FORMAT, ti->name, ti->offset, buffer_end);
          buffer_end = ti->offset + ti->numel;
          buffers[row - 1] += ti->numel;
        }
    }
  check (k, param_end == net->n_params && buffer_end == net->n_buffers,
         "the tensors end at %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT "; the blocks hold %"
         G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT, param_end, buffer_end, net->n_params,
         net->n_buffers);
  for (guint i = 0; i < inf->n_layers; i++)
    {
      const StLayerInfo *row = &inf->layers[i];

      check (k, params[i] == row->params && params[i] == row->trainable
             && buffers[i] == row->buffers,
             "layer %s: inferred %" G_GINT64_FORMAT " params (%" G_GINT64_FORMAT " trainable), %"
             G_GINT64_FORMAT " buffers; the net has %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
             row->path, row->params, row->trainable, row->buffers, params[i], buffers[i]);
    }
}

/* An op's geometry against the values it reads and writes: the kernels size their loops by
 * the geometry, the arena by the values. */
static void
check_op_geometry (Case *k, const StNet *net, const StOp *op)
{
  const StOpGeom *g = &op->g;
  gsize in = net->values[op->inputs[0].value].numel, out = net->values[op->output].numel;

  check (k, (gsize) (g->oc * g->oh * g->ow) == out, "op %s (%s): geometry writes %"
         G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT ", its value holds %"
         G_GSIZE_FORMAT, op->path, st_op_kind_name (op->kind), g->oc, g->oh, g->ow, out);
  if (op->kind == ST_OP_CONCAT)
    {
      gint64 channels = 0;

      for (int i = 0; i < op->n_inputs; i++)
        {
          const StValue *v = &net->values[op->inputs[i].value];

          channels += v->shape.dim[0];
          check (k, v->shape.rank == 3 && v->shape.dim[1] == g->oh && v->shape.dim[2] == g->ow,
                 "concat %s: input %d is not %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT, op->path,
                 i, g->oh, g->ow);
        }
      check (k, channels == g->oc, "concat %s: inputs hold %" G_GINT64_FORMAT " channels, the "
             "output %" G_GINT64_FORMAT, op->path, channels, g->oc);
      return;
    }
  /* ADD's geometry is its Residual's: in is the block's input, which a shortcut changes. */
  if (op->kind == ST_OP_ADD)
    {
      for (int i = 0; i < op->n_inputs; i++)
        check (k, net->values[op->inputs[i].value].numel == out, "add %s: input %d holds %"
               G_GSIZE_FORMAT ", the output %" G_GSIZE_FORMAT, op->path, i,
               net->values[op->inputs[i].value].numel, out);
      return;
    }
  for (int i = 0; i < op->n_inputs; i++)
    check (k, (gsize) (g->c * g->h * g->w) == net->values[op->inputs[i].value].numel,
           "op %s (%s): geometry reads %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%"
           G_GINT64_FORMAT ", input %d holds %" G_GSIZE_FORMAT, op->path,
           st_op_kind_name (op->kind), g->c, g->h, g->w, i, in);
  if (op->kind == ST_OP_CONV2D)
    check (k, net->tensors[op->weight].numel == (gsize) (g->oc * g->c * g->kh * g->kw),
           "conv %s: weight of %" G_GSIZE_FORMAT, op->path, net->tensors[op->weight].numel);
  if (op->kind == ST_OP_LINEAR)
    check (k, net->tensors[op->weight].numel == (gsize) (g->oc * g->c),
           "linear %s: weight of %" G_GSIZE_FORMAT, op->path, net->tensors[op->weight].numel);
}

/* The tape against the model's structure: which value each layer reads and writes,
 * worked out from the paths alone, and what st_net_path_value() says. */
static void
check_tape (Case *k, const StInfer *inf, const StNet *net)
{
  g_autoptr (GHashTable) ops = ops_by_node (net);
  g_autoptr (GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree int *input = g_new0 (int, inf->n_layers);
  g_autofree int *value = g_new0 (int, inf->n_layers);
  char a[ST_SHAPE_STRING_MAX], b[ST_SHAPE_STRING_MAX];

  for (guint i = 0; i < inf->n_layers; i++)
    {
      const StLayerInfo *row = &inf->layers[i];
      g_autofree char *seq = seq_of (row->path);
      gpointer prev;
      guint o = GPOINTER_TO_UINT (g_hash_table_lookup (ops, row->node));

      if (g_hash_table_lookup_extended (last, seq, NULL, &prev))
        input[i] = GPOINTER_TO_INT (prev);
      else
        input[i] = row->parent >= 0 ? input[row->parent] : 0;

      if (row->node->type->kind == ST_LAYER_FLATTEN)
        {
          check (k, o == 0, "Flatten %s has an op", row->path);
          value[i] = input[i];
        }
      else if (check (k, o > 0, "layer %s has no op", row->path))
        {
          const StOp *op = &net->ops[o - 1];

          value[i] = op->output;
          if (!st_layer_type_is_block (row->node->type))
            check (k, op->n_inputs == 1 && op->inputs[0].value == input[i],
                   "op %s reads value %d; its layer's input is value %d", row->path,
                   op->inputs[0].value, input[i]);
          check_op_geometry (k, net, op);
        }
      check (k, st_shape_numel (&net->values[value[i]].shape) == st_shape_numel (&row->out)
             && (row->node->type->kind == ST_LAYER_FLATTEN
                 || st_shape_equal (&net->values[value[i]].shape, &row->out)),
             "layer %s: inferred %s, its value %d is %s", row->path,
             st_shape_format (&row->out, a), value[i],
             st_shape_format (&net->values[value[i]].shape, b));
      check (k, st_net_path_value (net, row->path) == value[i],
             "st_net_path_value (%s) is %d, expected value %d", row->path,
             st_net_path_value (net, row->path), value[i]);
      g_hash_table_insert (last, g_steal_pointer (&seq), GINT_TO_POINTER (value[i]));
    }

  /* A join reads the end of each of its sequences, or its own input for an empty one. */
  for (guint i = 0; i < inf->n_layers; i++)
    {
      const StLayerInfo *row = &inf->layers[i];
      const StNode *node = row->node;
      guint o = GPOINTER_TO_UINT (g_hash_table_lookup (ops, node));
      const StOp *op = o > 0 ? &net->ops[o - 1] : NULL;
      int n = node->branches != NULL ? (int) node->branches->len : 2;

      if (!st_layer_type_is_block (node->type) || op == NULL)
        continue;
      if (!check (k, op->n_inputs == n, "block %s: %d inputs, expected %d", row->path,
                  op->n_inputs, n))
        continue;
      for (int j = 0; j < n; j++)
        {
          g_autofree char *seq = node->branches != NULL
                                 ? g_strdup_printf ("%s.branches.%d", row->path, j)
                                 : g_strdup_printf ("%s.%s", row->path, j == 0 ? "body"
                                                                               : "shortcut");
          gpointer end;
          int expected = g_hash_table_lookup_extended (last, seq, NULL, &end)
                         ? GPOINTER_TO_INT (end) : input[i];

          check (k, op->inputs[j].value == expected, "block %s: input %d is value %d, "
                 "expected %d", row->path, j, op->inputs[j].value, expected);
        }
    }
}

/* Inference against the compiled net: totals, each layer's tensors, the tape. */
/* The plan both backends read: each op's sizes are its values', the cache regions lie
 * in order, aligned and apart, inside the block, and the BatchNorms are numbered 0, 1, … */
static void
check_op_plans (Case *k, const StNet *net)
{
  gsize end = 0;
  int bn = 0, bn_c = 1;

  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];
      const StOpPlan *p = &op->plan;
      gsize want = op->kind == ST_OP_MAXPOOL2D ? p->out_numel * sizeof (gint32)
                   : op->kind == ST_OP_DROPOUT ? p->in_numel : 0;

      check (k, op->name != NULL && strcmp (op->name, st_op_kind_name (op->kind)) == 0
             && p->in_numel == net->values[op->inputs[0].value].numel
             && p->out_numel == net->values[op->output].numel
             && p->hw == (gsize) (op->g.h * op->g.w),
             "op %s: plan sizes %" G_GSIZE_FORMAT " → %" G_GSIZE_FORMAT ", values %"
             G_GSIZE_FORMAT " → %" G_GSIZE_FORMAT, op->path, p->in_numel, p->out_numel,
             net->values[op->inputs[0].value].numel, net->values[op->output].numel);
      check (k, p->cache_bytes == want && p->cache_off % ST_NET_CACHE_ALIGN == 0
             && p->cache_off >= end && p->cache_off + p->cache_bytes <= net->cache_bytes,
             "op %s: cache of %" G_GSIZE_FORMAT " bytes at %" G_GSIZE_FORMAT " (want %"
             G_GSIZE_FORMAT " after %" G_GSIZE_FORMAT ", block %" G_GSIZE_FORMAT ")", op->path,
             p->cache_bytes, p->cache_off, want, end, net->cache_bytes);
      end = p->cache_off + p->cache_bytes;
      if (op->kind == ST_OP_BATCHNORM2D)
        {
          check (k, p->bn_index == bn++, "op %s: BatchNorm slot %d", op->path, p->bn_index);
          bn_c = MAX (bn_c, (int) op->g.c);
        }
      else
        check (k, p->bn_index == -1, "op %s: BatchNorm slot %d", op->path, p->bn_index);
      for (int i = 0; op->kind == ST_OP_CONCAT && i < op->n_inputs; i++)
        check (k, p->channels[i] == net->values[op->inputs[i].value].shape.dim[0],
               "op %s: input %d of %d channels", op->path, i, p->channels[i]);
    }
  check (k, net->n_batchnorm == bn && net->batchnorm_max_c == bn_c,
         "%d BatchNorms of at most %d channels; the net says %d of %d", bn, bn_c,
         net->n_batchnorm, net->batchnorm_max_c);
}

static void
check_net (Case *k, const StInfer *inf, const StNet *net)
{
  const StValue *out = &net->values[net->output];
  char a[ST_SHAPE_STRING_MAX], b[ST_SHAPE_STRING_MAX];

  if (!check (k, net->infer->n_layers == inf->n_layers, "the net has %u rows, inference %u",
              net->infer->n_layers, inf->n_layers))
    return;
  for (guint i = 0; i < inf->n_layers; i++)
    check (k, strcmp (net->infer->layers[i].path, inf->layers[i].path) == 0,
           "row %u: %s in the net, %s here", i, net->infer->layers[i].path, inf->layers[i].path);
  /* A Flatten is no op: a model ending in one outputs the image it flattened. */
  check (k, (gint64) out->numel == st_shape_numel (&inf->output)
         && (st_shape_equal (&out->shape, &inf->output)
             || (inf->output.rank == 1 && out->shape.rank == 3)),
         "output: inferred %s, the net's is %s (%" G_GSIZE_FORMAT ")",
         st_shape_format (&inf->output, a), st_shape_format (&out->shape, b), out->numel);
  for (guint i = 0; i < inf->n_layers; i++)
    check (k, st_shape_numel (&inf->layers[i].out) >= 0, "layer %s of a valid model: size %s "
           "unknown", inf->layers[i].path, st_shape_format (&inf->layers[i].out, a));
  check (k, (gint64) net->n_params == inf->total_params
         && (gint64) net->n_params == inf->trainable_params
         && (gint64) net->n_buffers == inf->total_buffers,
         "inferred %" G_GINT64_FORMAT " params (%" G_GINT64_FORMAT " trainable) and %"
         G_GINT64_FORMAT " buffers; the net holds %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT,
         inf->total_params, inf->trainable_params, inf->total_buffers, net->n_params,
         net->n_buffers);
  for (guint v = 0; v < net->n_values; v++)
    check (k, (gint64) net->values[v].numel == st_shape_numel (&net->values[v].shape)
           && net->values[v].numel <= net->max_value_numel,
           "value %u: numel %" G_GSIZE_FORMAT " for %s", v, net->values[v].numel,
           st_shape_format (&net->values[v].shape, a));
  /* The rows hold the spec's nodes; the net compiled its own copy, with its own rows. */
  check_tensors (k, net->infer, net);
  check_tape (k, net->infer, net);
  check_op_plans (k, net);
}

/* ---- running: the arena and the caller's buffers ------------------------------------- */

static void
mark (float *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    memcpy (p + i, &marker, sizeof marker);
}

static gboolean
is_marked (const float *p)
{
  guint32 u;

  memcpy (&u, p, sizeof u);
  return u == marker;
}

/* Cells of p[0..n) that are marked (want_marked) or not. */
static gsize
count_marked (const float *p, gsize n, gboolean want_marked)
{
  gsize c = 0;

  for (gsize i = 0; i < n; i++)
    c += is_marked (p + i) == want_marked;
  return c;
}

/* A caller's buffer of n floats with a marked guard on each side; data at + GUARD. */
static float *
guarded_new (gsize n)
{
  float *p = g_new (float, n + 2 * GUARD);

  mark (p, n + 2 * GUARD);
  return p;
}

static void
check_guarded (Case *k, const float *p, gsize n, gboolean finite, const char *what)
{
  gsize bad = 0;

  check (k, count_marked (p, GUARD, TRUE) == GUARD
         && count_marked (p + GUARD + n, GUARD, TRUE) == GUARD,
         "%s: written outside its %" G_GSIZE_FORMAT " floats", what, n);
  check (k, count_marked (p + GUARD, n, FALSE) == n, "%s: %" G_GSIZE_FORMAT " of %"
         G_GSIZE_FORMAT " floats not written", what, count_marked (p + GUARD, n, TRUE), n);
  for (gsize i = 0; finite && i < n; i++)
    bad += !isfinite (p[GUARD + i]) && !is_marked (p + GUARD + i);
  check (k, bad == 0, "%s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " not finite", what, bad, n);
}

/* The backend's plan of each op against the values: what the kernels loop over. */
static void
check_plans (Case *k, CpuBackend *cb)
{
  const StNet *net = cb->net;

  for (guint o = 0; o < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o];
      const OpPlan *p = &cb->plans[o];
      gint64 in = -1, out = -1;

      switch (op->kind)
        {
        case ST_OP_CONV2D:
          in = (gint64) p->conv.C * p->conv.H * p->conv.W;
          out = (gint64) p->conv.OC * p->conv.OH * p->conv.OW;
          break;
        case ST_OP_MAXPOOL2D:
        case ST_OP_AVGPOOL2D:
          in = (gint64) p->pool.C * p->pool.H * p->pool.W;
          out = (gint64) p->pool.C * p->pool.OH * p->pool.OW;
          break;
        case ST_OP_ADAPTIVEAVGPOOL2D:
          in = (gint64) p->apool.C * p->apool.H * p->apool.W;
          out = (gint64) p->apool.C * p->apool.OH * p->apool.OW;
          break;
        default:
          continue;
        }
      check (k, in == (gint64) op->plan.in_numel && out == (gint64) op->plan.out_numel,
             "op %s (%s): the kernel reads %" G_GINT64_FORMAT " and writes %" G_GINT64_FORMAT
             " floats per example; the arena holds %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT,
             op->path, op->name, in, out, op->plan.in_numel, op->plan.out_numel);
    }
}

/* Examples [0, n) of every value wholly written, [n, B) untouched, in acts and dacts. */
static void
check_arena (Case *k, CpuBackend *cb, int n)
{
  const StNet *net = cb->net;
  gsize off = 0;

  for (guint v = 0; v < net->n_values; v++)
    {
      gsize numel = net->values[v].numel, used = n * numel, all = cb->B * numel;

      if (!check (k, cb->value_off[v] == off, "value %u at %" G_GSIZE_FORMAT ", expected %"
                  G_GSIZE_FORMAT, v, cb->value_off[v], off))
        return;
      check (k, count_marked (cb->acts + off, used, FALSE) == used,
             "value %u: %" G_GSIZE_FORMAT " of its %" G_GSIZE_FORMAT " activations not written",
             v, count_marked (cb->acts + off, used, TRUE), used);
      check (k, count_marked (cb->dacts + off, used, FALSE) == used,
             "value %u: %" G_GSIZE_FORMAT " of its %" G_GSIZE_FORMAT " gradients not written",
             v, count_marked (cb->dacts + off, used, TRUE), used);
      check (k, count_marked (cb->acts + off + used, all - used, TRUE) == all - used
             && count_marked (cb->dacts + off + used, all - used, TRUE) == all - used,
             "value %u: written beyond its %d examples", v, n);
      off += all;
    }
}

typedef enum {
  RUN_DONE,
  RUN_REFUSED,          /* prepare said no, with an error */
} RunResult;

/* Prepares the backend for `net` and runs `compute` forward and backward on 1 to BATCH − 1
 * random examples, checking the arena and the caller's buffers. */
static RunResult
run_net (Case *k, StBackend *be, const StNet *net, StRng *rng, gboolean finite, char **why)
{
  CpuBackend *cb = (CpuBackend *) be;
  g_autoptr (GError) error = NULL;
  StRunSetup setup = { 0 };
  int n = 1 + (int) st_rng_below (rng, BATCH - 1);
  gsize in_numel = net->values[0].numel, K = net->values[net->output].numel, arena = 0;
  g_autofree float *params = g_new (float, MAX (net->n_params, 1));
  g_autofree float *buffers = g_new (float, MAX (net->n_buffers, 1));
  g_autofree float *x = g_new (float, n * in_numel);
  g_autofree float *out = guarded_new (n * K);
  g_autofree float *grads = guarded_new (net->n_params);
  g_autofree float *dx = guarded_new (n * in_numel);
  guint8 labels[BATCH];
  double loss = NAN;

  setup.batch_size = BATCH;
  setup.loss = ST_LOSS_CROSS_ENTROPY;
  st_optim_config_init_default (&setup.optim, ST_OPTIM_SGD);
  if (!st_backend_prepare (be, net, &setup, &error))
    {
      *why = g_strdup (error->message);
      return RUN_REFUSED;
    }
  check_plans (k, cb);
  st_net_init_params (net, params, buffers, ST_INIT_DEFAULT, rng);
  check (k, st_backend_write_state (be, params, buffers, NULL, 0, &error), "write_state: %s",
         error != NULL ? error->message : "");
  for (gsize i = 0; i < n * in_numel; i++)
    x[i] = (float) (2.0 * st_rng_uniform (rng) - 1.0);
  for (int i = 0; i < n; i++)
    labels[i] = (guint8) st_rng_below (rng, MIN (K, 256));

  for (guint v = 0; v < net->n_values; v++)
    arena += net->values[v].numel * BATCH;
  mark (cb->acts, arena);
  mark (cb->dacts, arena);
  if (!check (k, st_backend_compute (be, x, labels, n, out + GUARD, &loss, grads + GUARD,
                                     dx + GUARD, &error),
              "compute: %s", error != NULL ? error->message : ""))
    return RUN_DONE;
  check_guarded (k, out, n * K, finite, "the output");
  check_guarded (k, grads, net->n_params, finite, "the parameter gradients");
  check_guarded (k, dx, n * in_numel, finite, "the input gradient");
  check (k, !finite || isfinite (loss), "the loss is %g", loss);
  check_arena (k, cb, n);
  return RUN_DONE;
}

/* ---- the valid models ---------------------------------------------------------------- */

typedef struct {
  guint64 first_seed;
  guint   n_models;
  guint   models;           /* checked */
  guint   rejected;         /* drawn, but inference found an error */
  guint   edits;
  guint   edits_valid;
  guint   edits_run;
  guint   edits_refused;    /* valid, and compile (or, small, prepare) said no */
  guint   kinds[ST_N_LAYER_KINDS];
} Stats;

/* The model for seed, or NULL (counted) when inference rejects the draw. */
static StSpec *
model_for (Case *k, StRng *rng, Stats *st, StInfer **infer_out)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StInfer) inf = NULL;
  SpecGenSizes drawn;
  char a[ST_SHAPE_STRING_MAX], b[ST_SHAPE_STRING_MAX];

  spec = spec_gen_model (rng, k->seed, &drawn);
  k->spec = spec;
  inf = st_spec_infer (spec);
  if (inf->n_errors > 0)
    {
      for (guint i = 0; i < inf->n_layers && st->rejected < 3; i++)
        if (inf->layers[i].error != NULL)
          {
            g_autofree char *json = st_spec_to_json (spec);
            g_test_message ("seed %" G_GUINT64_FORMAT ": drawn as valid, but layer %s: %s\n%s",
                            k->seed, inf->layers[i].path, inf->layers[i].error, json);
            break;
          }
      st->rejected++;
      return NULL;
    }
  check (k, st_shape_equal (&inf->output, &drawn.output), "output: drawn as %s, inferred %s",
         st_shape_format (&drawn.output, a), st_shape_format (&inf->output, b));
  check (k, inf->total_params == drawn.params && inf->trainable_params == drawn.params
         && inf->total_buffers == drawn.buffers,
         "drawn with %" G_GINT64_FORMAT " params and %" G_GINT64_FORMAT " buffers; inferred %"
         G_GINT64_FORMAT " (%" G_GINT64_FORMAT " trainable) and %" G_GINT64_FORMAT, drawn.params,
         drawn.buffers, inf->total_params, inf->trainable_params, inf->total_buffers);
  *infer_out = g_steal_pointer (&inf);
  return g_steal_pointer (&spec);
}

static void
stats_init (Stats *st)
{
  const char *only = g_getenv ("STRATA_PROPERTY_SEED");

  memset (st, 0, sizeof *st);
  st->first_seed = SEED;
  st->n_models = N_MODELS;
  if (only != NULL)
    {
      st->first_seed = g_ascii_strtoull (only, NULL, 10);
      st->n_models = 1;
    }
}

static void
test_valid_models (void)
{
  g_autoptr (StBackend) be = st_backend_new_cpu (2);
  Stats st;

  stats_init (&st);
  for (guint m = 0; m < st.n_models; m++)
    {
      Case k = { .seed = st.first_seed + m, .stage = "model" };
      g_autoptr (StSpec) spec = NULL;
      g_autoptr (StInfer) inf = NULL;
      g_autoptr (StNet) net = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *why = NULL;
      StRng rng;

      st_rng_init (&rng, k.seed);
      if ((spec = model_for (&k, &rng, &st, &inf)) == NULL)
        continue;
      k.spec = spec;
      st.models++;
      count_nodes (spec->layers, st.kinds);
      check_errors_placed (&k, spec, inf);
      net = st_net_compile (spec, &error);
      if (!check (&k, net != NULL, "st_net_compile: %s", error != NULL ? error->message : ""))
        continue;
      check_net (&k, inf, net);
      if (run_net (&k, be, net, &rng, TRUE, &why) == RUN_REFUSED)
        check (&k, FALSE, "prepare: %s", why);
    }

  g_test_message ("%u models checked against their nets and run, %u draws rejected by "
                  "inference", st.models, st.rejected);
  /* The generator makes valid models by construction; inference rarely disagrees. */
  g_assert_cmpuint (st.rejected * 20, <=, st.models + st.rejected);
  if (st.n_models > 1)
    for (int t = 0; t < ST_N_LAYER_KINDS; t++)
      {
        g_test_message ("%-18s %u", st_layer_type_get (t)->name, st.kinds[t]);
        g_assert_cmpuint (st.kinds[t], >, 0);
      }
}

/* ---- the edits ----------------------------------------------------------------------- */

/* Saved and read back, the model infers the same. */
static void
check_round_trip (Case *k, const StSpec *spec, const StInfer *a)
{
  g_autofree char *json = st_spec_to_json (spec);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) back = st_spec_load_from_data (json, -1, "round trip", &error);
  g_autoptr (StInfer) b = NULL;
  char x[ST_SHAPE_STRING_MAX], y[ST_SHAPE_STRING_MAX];

  if (!check (k, back != NULL, "reading it back: %s", error != NULL ? error->message : ""))
    return;
  b = st_spec_infer (back);
  if (!check (k, a->n_layers == b->n_layers, "read back: %u rows, %u before", b->n_layers,
              a->n_layers))
    return;
  check (k, st_shape_equal (&a->output, &b->output) && a->total_params == b->total_params
         && a->trainable_params == b->trainable_params && a->total_buffers == b->total_buffers
         && a->n_errors == b->n_errors,
         "read back: output %s, %" G_GINT64_FORMAT " params, %u errors; before %s, %"
         G_GINT64_FORMAT ", %u", st_shape_format (&b->output, x), b->total_params, b->n_errors,
         st_shape_format (&a->output, y), a->total_params, a->n_errors);
  for (guint i = 0; i < a->n_layers; i++)
    {
      const StLayerInfo *r = &a->layers[i], *s = &b->layers[i];

      check (k, strcmp (r->path, s->path) == 0 && st_shape_equal (&r->out, &s->out)
             && r->params == s->params && r->buffers == s->buffers
             && (r->error != NULL) == (s->error != NULL)
             && g_strcmp0 (r->error_arg, s->error_arg) == 0,
             "layer %s read back: %s, %" G_GINT64_FORMAT " params, error %s (%s); before %s, %"
             G_GINT64_FORMAT ", error %s (%s)", r->path, st_shape_format (&s->out, x),
             s->params, s->error, s->error_arg, st_shape_format (&r->out, y), r->params,
             r->error, r->error_arg);
    }
}

/* Are all whole-number arguments within ±2^24? The backend's kernels take int sizes and
 * may refuse a model only when some argument is near or past that. */
static gboolean
args_modest (const GPtrArray *seq)
{
  for (guint i = 0; seq != NULL && i < seq->len; i++)
    {
      const StNode *node = g_ptr_array_index (seq, i);

      for (int a = 0; a < node->type->n_args; a++)
        {
          StArgId id = node->type->args[a].id;
          StArgKind kind = st_arg_kind (id);
          const gint64 *v = node->args.v[id].i;

          if ((kind == ST_ARG_KIND_INT || kind == ST_ARG_KIND_PAIR)
              && (ABS (v[0]) > (1 << 24) || ABS (v[1]) > (1 << 24)))
            return FALSE;
        }
      for (guint b = 0; node->branches != NULL && b < node->branches->len; b++)
        if (!args_modest (g_ptr_array_index (node->branches, b)))
          return FALSE;
      if (!args_modest (node->body) || !args_modest (node->shortcut))
        return FALSE;
    }
  return TRUE;
}

/* Small enough to run: every size known and the arena and parameters modest. */
static gboolean
is_small (const StInfer *inf)
{
  gint64 floats = inf->total_params;

  for (guint i = 0; i < inf->n_layers; i++)
    {
      gint64 n = st_shape_numel (&inf->layers[i].out);

      if (n < 0 || n > SMALL)
        return FALSE;
      floats += n;
    }
  return inf->total_params >= 0 && inf->total_params <= SMALL && floats <= 4 * SMALL;
}

static void
check_edit (Case *k, StBackend *be, StSpec *spec, StRng *rng, Stats *st)
{
  g_autoptr (StInfer) inf = st_spec_infer (spec);
  g_autoptr (StNet) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;

  check_errors_placed (k, spec, inf);
  check_round_trip (k, spec, inf);
  net = st_net_compile (spec, &error);
  if (inf->n_errors > 0)
    {
      const StLayerInfo *first = NULL;

      for (guint i = 0; i < inf->n_layers && first == NULL; i++)
        if (inf->layers[i].error != NULL)
          first = &inf->layers[i];
      check (k, net == NULL && g_error_matches (error, ST_NET_ERROR, ST_NET_ERROR_MODEL)
             && first != NULL && strstr (error->message, first->path) != NULL,
             "an invalid model compiled, or its error does not name layer %s: %s",
             first != NULL ? first->path : "?", error != NULL ? error->message : "(none)");
      return;
    }
  st->edits_valid++;
  /* Compiling refuses sizes past the kernels' int (2^31 − 1), as prepare refuses memory
   * it cannot have: a limit of the engine, not of the model, and never one of modest
   * arguments. */
  if (net == NULL && !args_modest (spec->layers)
      && g_error_matches (error, ST_NET_ERROR, ST_NET_ERROR_MODEL))
    {
      st->edits_refused++;
      return;
    }
  if (!check (k, net != NULL, "a valid model did not compile: %s",
              error != NULL ? error->message : ""))
    return;
  check_net (k, inf, net);
  if (!is_small (inf))
    return;
  st->edits_run++;
  if (run_net (k, be, net, rng, FALSE, &why) == RUN_REFUSED)
    {
      check (k, !args_modest (spec->layers), "prepare refused a valid model of modest "
             "arguments: %s", why);
      if (st->edits_refused++ < 3)
        g_test_message ("seed %" G_GUINT64_FORMAT " (%s): prepare refused a valid model: %s",
                        k->seed, k->stage, why);
    }
}

static void
test_edits (void)
{
  g_autoptr (StBackend) be = st_backend_new_cpu (2);
  Stats st;

  stats_init (&st);
  for (guint m = 0; m < st.n_models; m++)
    {
      Case k = { .seed = st.first_seed + m, .stage = "model" };
      g_autoptr (StSpec) spec = NULL;
      g_autoptr (StInfer) inf = NULL;
      StRng rng;

      st_rng_init (&rng, k.seed);
      if ((spec = model_for (&k, &rng, &st, &inf)) == NULL)
        continue;
      for (int e = 0; e < N_EDITS; e++)
        {
          g_autoptr (StSpec) edited = st_spec_copy (spec);
          g_autofree char *what = spec_gen_edit (&rng, edited, inf);
          g_autofree char *stage = g_strdup_printf ("edit %d: %s", e, what);
          Case ek = { .seed = k.seed, .stage = stage, .spec = edited };

          st.edits++;
          check_edit (&ek, be, edited, &rng, &st);
        }
    }
  g_test_message ("%u edits: %u still valid (compiled and compared), %u of those run, %u "
                  "refused by the backend", st.edits, st.edits_valid, st.edits_run,
                  st.edits_refused);
  g_assert_cmpuint (st.edits, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/property/valid-models", test_valid_models);
  g_test_add_func ("/property/edits", test_edits);
  return g_test_run ();
}
