/* lesson.c: see lesson.h. */
#define G_LOG_DOMAIN "strata-lesson"

#include "core/engine/lesson.h"
#include "core/io/i18n.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/io/input-file.h"
#include "core/io/json-guard.h"
#include "core/model/spec-read.h"
#include "st-presets.h"

#define LESSON_MAX_BYTES (1024 * 1024)

G_DEFINE_QUARK (st-lesson-error-quark, st_lesson_error)

static const char *const lesson_names[] = {
  "conv-ramp", "conv-stride-pad", "maxpool", "toy", NULL
};

/* The built-in lessons' titles and descriptions, as their files give them: here so that
 * they are translated (a lesson shows _() of its own text; test-lesson checks that each
 * built-in lesson's text is in this list). */
static const char *const lesson_texts[] = {
  N_("Convolution by hand: the 4×4 ramp"),
  N_("The 4×4 input X[i][j] = i + j cross-correlated with the 3×3 kernel 0 … 8, no "
     "bias: each output is the sum of nine products of the window and the kernel — "
     "96, 132, 132 and 168."),
  N_("Padding and stride: 5×5 input, kernel 1 … 9"),
  N_("Padding 1 puts a border of zeros around the 5×5 input; stride 2 moves the 3×3 "
     "window two cells at a time, so the output is 3×3: [[91, 224, 127], [192, 282, "
     "122], [96, 110, 31]]. The corner values read five zeros of the padding."),
  N_("Max pooling: 2×2 windows"),
  N_("2×2 max pooling with stride 2 keeps the largest value of each window of the "
     "4×4 input: [[4, 8], [9, 8]]. Step through the windows to see which value each "
     "one takes."),
  N_("The 4×4 toy model, number by number"),
  N_("Two 4×4 images — the main diagonal (class 1) and the anti-diagonal (class 0) — "
     "through one 3×3 convolution whose kernel is the diagonal itself, a 2×2 max "
     "pool, ReLU, one neuron (w = 2, b = −3) and a Sigmoid. The diagonal gives the "
     "maps [[3, 0], [0, 3]], the pool 3, the neuron 3 and p = σ(3) ≈ 0.953; the "
     "anti-diagonal [[0, 1], [1, 0]], 1, −1 and p = σ(−1) ≈ 0.269."),
  NULL
};

const char *const *
st_lesson_texts (void)
{
  return lesson_texts;
}

const char *const *
st_lesson_names (void)
{
  return lesson_names;
}

void
st_lesson_free (StLesson *lesson)
{
  if (lesson == NULL)
    return;
  g_free (lesson->name);
  g_free (lesson->title);
  g_free (lesson->description);
  g_free (lesson->layer);
  g_clear_pointer (&lesson->spec, st_spec_free);
  g_free (lesson->params);
  g_free (lesson->buffers);
  g_clear_pointer (&lesson->inputs, st_dataset_unref);
  g_clear_pointer (&lesson->expect, g_ptr_array_unref);
  g_free (lesson);
}

static gboolean
format_error (GError **error, const char *origin, const char *what)
{
  g_set_error (error, ST_LESSON_ERROR, ST_LESSON_ERROR_FORMAT, _("%s: %s"), origin, what);
  return FALSE;
}

/* A JSON array of numbers, flattened (nested arrays read depth first) into `out`. */
static gboolean
flatten (JsonNode *node, GArray *out, int depth)
{
  if (JSON_NODE_HOLDS_ARRAY (node) && depth < 4)
    {
      JsonArray *a = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        if (!flatten (json_array_get_element (a, i), out, depth + 1))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node)
      && (json_node_get_value_type (node) == G_TYPE_DOUBLE
          || json_node_get_value_type (node) == G_TYPE_INT64))
    {
      float v = (float) json_node_get_double (node);

      /* a number past float's range would come in as ±inf */
      if (!isfinite (v))
        return FALSE;
      g_array_append_val (out, v);
      return depth > 0;
    }
  return FALSE;
}

static StLesson *
fail (GError **error, const char *origin, const char *what)
{
  format_error (error, origin, what);
  return NULL;
}

static const char *
string_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static gboolean
read_weights (StLesson *l, const StNet *net, JsonObject *weights, const char *origin,
              GError **error)
{
  g_autoptr (GList) names = json_object_get_members (weights);
  StRng rng;

  l->n_params = net->n_params;
  l->n_buffers = net->n_buffers;
  l->params = g_try_new0 (float, MAX (net->n_params, 1));
  l->buffers = g_try_new0 (float, MAX (net->n_buffers, 1));
  if (l->params == NULL || l->buffers == NULL)
    {
      g_autofree char *what = g_strdup_printf (_("the model's %zu parameters do not fit in "
                                                 "memory"), net->n_params);
      return format_error (error, origin, what);
    }
  st_rng_init (&rng, 0);
  st_net_init_params (net, l->params, l->buffers, ST_INIT_DEFAULT, &rng);
  for (GList *n = names; n != NULL; n = n->next)
    {
      g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (float));
      int t = st_net_find_tensor (net, n->data);
      const StTensorInfo *info;

      if (t < 0)
        {
          g_autofree char *what = g_strdup_printf (_("the model has no tensor “%s”"),
                                                   (char *) n->data);
          return format_error (error, origin, what);
        }
      info = &net->tensors[t];
      if (!flatten (json_object_get_member (weights, n->data), values, 0)
          || values->len != info->numel)
        {
          g_autofree char *what = g_strdup_printf (_("“%s” must be a list of %zu numbers"),
                                                   (char *) n->data, info->numel);
          return format_error (error, origin, what);
        }
      memcpy ((info->role == ST_TENSOR_PARAM ? l->params : l->buffers) + info->offset,
              values->data, sizeof (float) * info->numel);
    }
  /* Every parameter is the lesson's: none is left to chance. */
  for (guint t = 0; t < net->n_tensors; t++)
    if (net->tensors[t].role == ST_TENSOR_PARAM
        && !json_object_has_member (weights, net->tensors[t].name))
      {
        g_autofree char *what = g_strdup_printf (_("the weights do not give “%s”"),
                                                 net->tensors[t].name);
        return format_error (error, origin, what);
      }
  return TRUE;
}

static gboolean
read_inputs (StLesson *l, JsonObject *root, const char *origin, GError **error)
{
  JsonNode *inputs = json_object_get_member (root, "inputs");
  JsonNode *labels = json_object_get_member (root, "labels");
  JsonNode *classes = json_object_get_member (root, "classes");
  const StShape *in = &l->spec->input;
  gsize size = (gsize) (in->dim[0] * in->dim[1] * in->dim[2]);
  g_autofree char *shape = g_strdup_printf ("%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%"
                                            G_GINT64_FORMAT, in->dim[0], in->dim[1],
                                            in->dim[2]);
  JsonArray *a;
  guint n;

  if (inputs == NULL || !JSON_NODE_HOLDS_ARRAY (inputs)
      || json_array_get_length (json_node_get_array (inputs)) == 0)
    return format_error (error, origin, _("“inputs” must list at least one image"));
  a = json_node_get_array (inputs);
  n = json_array_get_length (a);
  if (in->dim[0] < 1 || in->dim[0] > ST_DATASET_MAX_CHANNELS || in->dim[1] < 1
      || in->dim[1] > ST_DATASET_MAX_SIDE || in->dim[2] < 1 || in->dim[2] > ST_DATASET_MAX_SIDE)
    {
      g_autofree char *what = g_strdup_printf (_("the model takes %s images, which no lesson's "
                                                 "input can be (1 to %d channels, sides of 1 "
                                                 "to %d)"), shape, ST_DATASET_MAX_CHANNELS,
                                               ST_DATASET_MAX_SIDE);
      return format_error (error, origin, what);
    }
  l->inputs = st_dataset_new (l->name, origin, n, (int) in->dim[0], (int) in->dim[1],
                              (int) in->dim[2], error);
  if (l->inputs == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GArray) px = g_array_new (FALSE, FALSE, sizeof (float));

      if (!flatten (json_array_get_element (a, i), px, 0) || px->len != size)
        {
          g_autofree char *what = g_strdup_printf (_("input %u must be %s pixels, as the "
                                                     "model takes"), i, shape);
          return format_error (error, origin, what);
        }
      for (gsize k = 0; k < size; k++)
        {
          float v = g_array_index (px, float, k);

          if (!(v >= 0 && v <= 255) || v != floorf (v))
            {
              g_autofree char *what = g_strdup_printf (_("input %u: pixel %zu is %g, not a "
                                                         "whole number from 0 to 255"), i, k,
                                                       v);
              return format_error (error, origin, what);
            }
          l->inputs->images[i * size + k] = (guint8) v;
        }
    }
  if (classes != NULL)
    {
      g_autoptr (GPtrArray) names = g_ptr_array_new_null_terminated (4, NULL, TRUE);
      JsonArray *c = JSON_NODE_HOLDS_ARRAY (classes) ? json_node_get_array (classes) : NULL;

      for (guint k = 0; c != NULL && k < json_array_get_length (c); k++)
        {
          JsonNode *e = json_array_get_element (c, k);

          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
            break;
          g_ptr_array_add (names, (gpointer) json_node_get_string (e));
        }
      if (c == NULL || names->len != json_array_get_length (c) || names->len == 0
          || names->len > 255)
        return format_error (error, origin, _("“classes” must be a list of names"));
      st_dataset_set_classes (l->inputs, (int) names->len,
                              (const char *const *) names->pdata);
    }
  else
    st_dataset_set_classes (l->inputs, 1, NULL);
  if (labels != NULL)
    {
      g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (float));

      if (!flatten (labels, v, 0) || v->len != n)
        return format_error (error, origin, _("“labels” must give one class an input"));
      for (guint i = 0; i < n; i++)
        {
          float k = g_array_index (v, float, i);

          if (!(k >= 0 && k < l->inputs->n_classes) || k != floorf (k))
            return format_error (error, origin, _("a label is not one of the classes"));
          l->inputs->labels[i] = (guint8) k;
        }
    }
  return TRUE;
}

static gboolean
read_expect (StLesson *l, const StNet *net, JsonObject *root, const char *origin,
             GError **error)
{
  JsonNode *expect = json_object_get_member (root, "expect");
  JsonArray *a;

  l->expect = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  if (expect == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (expect)
      || json_array_get_length (json_node_get_array (expect)) > (guint) l->inputs->n)
    return format_error (error, origin, _("“expect” must hold at most one object an input"));
  a = json_node_get_array (expect);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      GHashTable *by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                   (GDestroyNotify) g_array_unref);
      g_autoptr (GList) paths = NULL;

      g_ptr_array_add (l->expect, by_path);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        return format_error (error, origin, _("“expect” must hold objects of layer outputs"));
      paths = json_object_get_members (json_node_get_object (e));
      for (GList *p = paths; p != NULL; p = p->next)
        {
          GArray *values = g_array_new (FALSE, FALSE, sizeof (float));
          int value = st_net_path_value (net, p->data);

          g_hash_table_insert (by_path, g_strdup (p->data), values);
          if (value < 0
              || !flatten (json_object_get_member (json_node_get_object (e), p->data), values,
                           0)
              || values->len != net->values[value].numel)
            {
              g_autofree char *what = g_strdup_printf (_("expect: layer “%s” is not one whose "
                                                         "whole output is listed"),
                                                       (char *) p->data);
              return format_error (error, origin, what);
            }
        }
    }
  return TRUE;
}

StLesson *
st_lesson_load_from_data (const char *data, gssize length, const char *origin, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (StLesson) l = g_new0 (StLesson, 1);
  g_autoptr (StNet) net = NULL;
  g_autofree char *model_text = NULL;
  JsonObject *root, *weights;
  JsonNode *model, *w;
  const char *format, *layer;

  g_return_val_if_fail (data != NULL && origin != NULL, NULL);

  l->name = g_strdup (origin);
  if (!st_json_check_depth (data, length, origin, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, length, error))
    {
      g_prefix_error (error, "%s: ", origin);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return fail (error, origin, _("not a lesson: the file is not a JSON object"));
  root = json_node_get_object (json_parser_get_root (parser));
  format = string_member (root, "format");
  if (g_strcmp0 (format, "strata-lesson/1") != 0)
    return fail (error, origin, _("not a lesson: “format” must be "
                                          "“strata-lesson/1”"));
  l->title = g_strdup (string_member (root, "title"));
  l->description = g_strdup (string_member (root, "description"));
  layer = string_member (root, "layer");
  if (l->title == NULL || l->description == NULL || layer == NULL)
    return fail (error, origin, _("a lesson needs a “title”, a “description” and "
                                          "the “layer” it steps through"));
  l->layer = g_strdup (layer);
  model = json_object_get_member (root, "model");
  if (model == NULL || !JSON_NODE_HOLDS_OBJECT (model))
    return fail (error, origin, _("“model” must be a model object"));
  model_text = json_to_string (model, FALSE);
  l->spec = st_spec_load_from_data (model_text, -1, origin, error);
  if (l->spec == NULL)
    return NULL;
  net = st_net_compile (l->spec, error);
  if (net == NULL)
    return NULL;
  if (l->spec->input.rank != 3 || st_net_path_value (net, l->layer) < 0)
    return fail (error, origin, _("“layer” is not a layer of the model"));
  w = json_object_get_member (root, "weights");
  if (w == NULL || !JSON_NODE_HOLDS_OBJECT (w))
    return fail (error, origin, _("“weights” must be an object of tensors by name"));
  weights = json_node_get_object (w);
  if (!read_weights (l, net, weights, origin, error)
      || !read_inputs (l, root, origin, error)
      || !read_expect (l, net, root, origin, error))
    return NULL;
  return g_steal_pointer (&l);
}

StLesson *
st_lesson_load (const char *name_or_path, GError **error)
{
  g_autofree char *resource = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GBytes) bytes = NULL;
  StLesson *lesson;
  gsize length;

  g_return_val_if_fail (name_or_path != NULL, NULL);

  if (g_strv_contains (lesson_names, name_or_path))
    {
      resource = g_strdup_printf ("/org/strata/lessons/%s.strata-lesson.json", name_or_path);
      bytes = g_resource_lookup_data (st_presets_get_resource (), resource, 0, NULL);
      g_assert (bytes != NULL);
      lesson = st_lesson_load_from_data (g_bytes_get_data (bytes, NULL),
                                         (gssize) g_bytes_get_size (bytes), name_or_path, error);
      if (lesson != NULL)
        {
          /* in the person's language */
          g_autofree char *title = g_steal_pointer (&lesson->title);
          g_autofree char *description = g_steal_pointer (&lesson->description);

          lesson->title = g_strdup (_(title));
          lesson->description = g_strdup (_(description));
        }
      return lesson;
    }
  if (strchr (name_or_path, '/') == NULL && !g_str_has_suffix (name_or_path, ".json"))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) lesson_names);

      g_set_error (error, ST_LESSON_ERROR, ST_LESSON_ERROR_NOT_FOUND,
                   _("%s: no lesson of that name (lessons: %s)"), name_or_path, list);
      return NULL;
    }
  text = st_input_file_read (name_or_path, LESSON_MAX_BYTES, _("a lesson file"), &length, error);
  if (text == NULL)
    return NULL;
  return st_lesson_load_from_data (text, (gssize) length, name_or_path, error);
}

const float *
st_lesson_expected (const StLesson *lesson, gint64 input, const char *path, gsize *n)
{
  GArray *values;

  g_return_val_if_fail (lesson != NULL && path != NULL && n != NULL, NULL);

  *n = 0;
  if (input < 0 || input >= (gint64) lesson->expect->len)
    return NULL;
  values = g_hash_table_lookup (g_ptr_array_index (lesson->expect, input), path);
  if (values == NULL)
    return NULL;
  *n = values->len;
  return (const float *) values->data;
}

StEvaluator *
st_lesson_evaluator (const StLesson *lesson, GError **error)
{
  g_return_val_if_fail (lesson != NULL, NULL);

  return st_evaluator_new_for_images (lesson->spec, lesson->params, lesson->n_params,
                                      lesson->buffers, lesson->n_buffers, lesson->inputs,
                                      ST_DEVICE_CPU, error);
}

StLesson *
st_lesson_with_spec (const StLesson *lesson, const StSpec *spec, GError **error)
{
  g_autoptr (StLesson) l = g_new0 (StLesson, 1);
  g_autoptr (StNet) before = NULL;
  g_autoptr (StNet) net = NULL;
  const StDataset *in;
  StRng rng;

  g_return_val_if_fail (lesson != NULL && spec != NULL, NULL);

  in = lesson->inputs;
  if (spec->input.rank != 3 || spec->input.dim[0] != in->c || spec->input.dim[1] != in->h
      || spec->input.dim[2] != in->w)
    {
      g_set_error (error, ST_LESSON_ERROR, ST_LESSON_ERROR_FORMAT,
                   _("%s: the lesson's images are %d×%d×%d; the model as edited takes another "
                     "input"), lesson->name, in->c, in->h, in->w);
      return NULL;
    }
  before = st_net_compile (lesson->spec, error);
  net = before != NULL ? st_net_compile (spec, error) : NULL;
  if (net == NULL)
    return NULL;
  l->name = g_strdup (lesson->name);
  l->title = g_strdup (lesson->title);
  l->description = g_strdup (lesson->description);
  l->spec = st_spec_copy (spec);
  l->n_params = net->n_params;
  l->n_buffers = net->n_buffers;
  l->params = g_new0 (float, MAX (net->n_params, 1));
  l->buffers = g_new0 (float, MAX (net->n_buffers, 1));
  st_rng_init (&rng, spec->training.seed);
  st_net_init_params (net, l->params, l->buffers, spec->training.init, &rng);
  /* the lesson's weights wherever a tensor of the same name and size is still there */
  for (guint t = 0; t < net->n_tensors; t++)
    {
      const StTensorInfo *now = &net->tensors[t];
      int k = st_net_find_tensor (before, now->name);
      const StTensorInfo *was = k >= 0 ? &before->tensors[k] : NULL;

      if (was == NULL || was->numel != now->numel || was->role != now->role)
        continue;
      memcpy ((now->role == ST_TENSOR_PARAM ? l->params : l->buffers) + now->offset,
              (was->role == ST_TENSOR_PARAM ? lesson->params : lesson->buffers) + was->offset,
              sizeof (float) * now->numel);
    }
  l->layer = g_strdup (st_net_path_value (net, lesson->layer) >= 0 ? lesson->layer
                       : net->infer->n_layers > 0 ? net->infer->layers[0].path : "0");
  l->inputs = st_dataset_ref (lesson->inputs);
  /* the course's numbers are those of its own model */
  l->expect = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  return g_steal_pointer (&l);
}
