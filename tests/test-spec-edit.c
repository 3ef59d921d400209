/* test-spec-edit: the model edited by hand in core — an argument's text read as a value (every
 * form accepted, every refusal naming the argument), the input shape, the node's problems of
 * typed text; the confusion matrix and the images behind its cells. */
#include <string.h>

#include "core/engine/confusion.h"
#include "core/model/layer-types.h"
#include "core/model/spec-edit.h"

/* ---- argument text ---------------------------------------------------------------------- */

typedef struct {
  StArgId     id;
  const char *text;
  gint64      i0, i1;
  double      f;
  gboolean    b;
} Accepted;

static void
test_accepted (void)
{
  static const Accepted cases[] = {
    { ST_ARG_OUT_CHANNELS, "5", 5, 5, 0, 0 },
    { ST_ARG_OUT_CHANNELS, "  16\t", 16, 16, 0, 0 },
    { ST_ARG_OUT_CHANNELS, "-3", -3, -3, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "5", 5, 5, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "5, 3", 5, 3, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "5,3", 5, 3, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "(3, 5)", 3, 5, 0, 0 },
    { ST_ARG_KERNEL_SIZE, " ( 3 , 5 ) ", 3, 5, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "[5, 3]", 5, 3, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "(7)", 7, 7, 0, 0 },
    { ST_ARG_KERNEL_SIZE, "5x3", 5, 3, 0, 0 },
    { ST_ARG_P, "0.5", 0, 0, 0.5, 0 },
    { ST_ARG_EPS, "1e-5", 0, 0, 1e-5, 0 },
    { ST_ARG_MOMENTUM, " 2 ", 0, 0, 2.0, 0 },
    { ST_ARG_BIAS, "true", 0, 0, 0, TRUE },
    { ST_ARG_BIAS, " TRUE ", 0, 0, 0, TRUE },
    { ST_ARG_BIAS, "yes", 0, 0, 0, TRUE },
    { ST_ARG_BIAS, "1", 0, 0, 0, TRUE },
    { ST_ARG_BIAS, "false", 0, 0, 0, FALSE },
    { ST_ARG_BIAS, "No", 0, 0, 0, FALSE },
    { ST_ARG_BIAS, "0", 0, 0, 0, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Accepted *c = &cases[i];
      StArgValue value = { { 99, 99 }, 99.0, 99 };
      g_autoptr (GError) error = NULL;

      g_test_message ("%s = %s", st_arg_name (c->id), c->text);
      g_assert_true (st_arg_value_parse (c->text, c->id, &value, &error));
      g_assert_no_error (error);
      switch (st_arg_kind (c->id))
        {
        case ST_ARG_KIND_INT:
        case ST_ARG_KIND_PAIR:
          g_assert_cmpint (value.i[0], ==, c->i0);
          g_assert_cmpint (value.i[1], ==, c->i1);
          break;
        case ST_ARG_KIND_FLOAT:
          g_assert_cmpfloat (value.f, ==, c->f);
          break;
        case ST_ARG_KIND_BOOL:
          g_assert_cmpint (!value.b, ==, !c->b);
          break;
        }
    }
}

static void
test_refused (void)
{
  static const struct { StArgId id; const char *text; const char *message; } cases[] = {
    { ST_ARG_OUT_CHANNELS, "abc", "out_channels: “abc” is not a whole number" },
    { ST_ARG_OUT_CHANNELS, "5.5", "out_channels: “5.5” is not a whole number" },
    { ST_ARG_OUT_CHANNELS, "5, 3", "out_channels: “5, 3” is not a whole number" },
    { ST_ARG_OUT_CHANNELS, "99999999999999999999",
      "out_channels: “99999999999999999999” is not a whole number" },
    { ST_ARG_KERNEL_SIZE, "(3, 5",
      "kernel_size: “(3, 5” is not a whole number or a pair like (5, 3)" },
    { ST_ARG_KERNEL_SIZE, "1, 2, 3",
      "kernel_size: “1, 2, 3” is not a whole number or a pair like (5, 3)" },
    { ST_ARG_KERNEL_SIZE, "a, b",
      "kernel_size: “a, b” is not a whole number or a pair like (5, 3)" },
    { ST_ARG_KERNEL_SIZE, "()",
      "kernel_size: “()” is not a whole number or a pair like (5, 3)" },
    { ST_ARG_KERNEL_SIZE, "[3, 5)",
      "kernel_size: “[3, 5)” is not a whole number or a pair like (5, 3)" },
    { ST_ARG_P, "half", "p: “half” is not a number" },
    { ST_ARG_P, "nan", "p: “nan” is not a number" },
    { ST_ARG_P, "inf", "p: “inf” is not a number" },
    { ST_ARG_P, "0.5x", "p: “0.5x” is not a number" },
    { ST_ARG_BIAS, "maybe", "bias: “maybe” is not true or false" },
    { ST_ARG_BIAS, "2", "bias: “2” is not true or false" },
    /* over ST_ARG_TEXT_MAX bytes: refused whatever it says, shown cut to 24 bytes */
    { ST_ARG_STRIDE, "                                                                 1",
      "stride: “                        …” is not a value (too long)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      StArgValue value = { 0 };
      g_autoptr (GError) error = NULL;

      g_test_message ("%s = %s", st_arg_name (cases[i].id), cases[i].text);
      g_assert_false (st_arg_value_parse (cases[i].text, cases[i].id, &value, &error));
      g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_VALUE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* Empty text leaves an argument out, except one the layer type requires. */
static void
test_empty_text (void)
{
  const StLayerType *conv = st_layer_type_lookup ("Conv2d");
  StArgText parsed;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (conv);
  g_assert_true (st_arg_text_parse (conv, ST_ARG_STRIDE, "", &parsed, &error));
  g_assert_false (parsed.given);
  g_assert_true (st_arg_text_parse (conv, ST_ARG_PADDING, " \t ", &parsed, &error));
  g_assert_false (parsed.given);
  g_assert_true (st_arg_text_parse (NULL, ST_ARG_KERNEL_SIZE, "", &parsed, &error));
  g_assert_false (parsed.given);
  g_assert_no_error (error);

  g_assert_true (st_arg_text_parse (conv, ST_ARG_KERNEL_SIZE, "(3, 5)", &parsed, &error));
  g_assert_true (parsed.given);
  g_assert_cmpint (parsed.value.i[0], ==, 3);
  g_assert_cmpint (parsed.value.i[1], ==, 5);

  g_assert_false (st_arg_text_parse (conv, ST_ARG_KERNEL_SIZE, "  ", &parsed, &error));
  g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_VALUE);
  g_assert_cmpstr (error->message, ==, "kernel_size: a value is required");
  g_clear_error (&error);

  g_assert_false (st_arg_text_parse (conv, ST_ARG_STRIDE, "x", &parsed, &error));
  g_assert_cmpstr (error->message, ==,
                   "stride: “x” is not a whole number or a pair like (5, 3)");
}

/* What a field shows reads back as the same value. */
static void
test_format (void)
{
  static const struct { StArgId id; StArgValue value; const char *text; } cases[] = {
    { ST_ARG_OUT_CHANNELS, { { 16, 16 }, 0, 0 }, "16" },
    { ST_ARG_KERNEL_SIZE, { { 5, 5 }, 0, 0 }, "5" },
    { ST_ARG_KERNEL_SIZE, { { 5, 3 }, 0, 0 }, "5, 3" },
    { ST_ARG_P, { { 0, 0 }, 0.25, 0 }, "0.25" },
    { ST_ARG_EPS, { { 0, 0 }, 1e-5, 0 }, "1e-05" },
    { ST_ARG_BIAS, { { 0, 0 }, 0, TRUE }, "true" },
    { ST_ARG_AFFINE, { { 0, 0 }, 0, FALSE }, "false" },
  };
  g_autoptr (StNode) node = st_node_new (st_layer_type_lookup ("Conv2d"));

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = st_arg_value_format (&cases[i].value, cases[i].id);
      StArgValue back = { 0 };

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_true (st_arg_value_parse (text, cases[i].id, &back, NULL));
      g_assert_cmpint (back.i[0], ==, cases[i].value.i[0]);
      g_assert_cmpint (back.i[1], ==, cases[i].value.i[1]);
      g_assert_cmpfloat (back.f, ==, cases[i].value.f);
      g_assert_cmpint (!back.b, ==, !cases[i].value.b);
    }

  g_assert_null (st_node_format_arg (node, ST_ARG_STRIDE));
  st_node_apply_arg (node, ST_ARG_STRIDE, &(StArgValue) { { 2, 1 }, 0, 0 });
  {
    g_autofree char *text = st_node_format_arg (node, ST_ARG_STRIDE);

    g_assert_cmpstr (text, ==, "2, 1");
  }
}

static void
test_input_shape (void)
{
  static const struct { const char *text; gint64 c, h, w; } accepted[] = {
    { "1, 28, 28", 1, 28, 28 },
    { "3,32,32", 3, 32, 32 },
    { " 3 32 32 ", 3, 32, 32 },
    { "3x32x32", 3, 32, 32 },
    { "3×224×224", 3, 224, 224 },
  };
  static const char *const refused[] = {
    "1, 28", "1, 28, 28, 3", "0, 28, 28", "1, -28, 28", "a, b, c", "1.5, 28, 28", "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      StShape shape = { 0 };
      g_autoptr (GError) error = NULL;

      g_assert_true (st_input_shape_parse (accepted[i].text, &shape, &error));
      g_assert_no_error (error);
      g_assert_cmpint (shape.rank, ==, 3);
      g_assert_cmpint (shape.dim[0], ==, accepted[i].c);
      g_assert_cmpint (shape.dim[1], ==, accepted[i].h);
      g_assert_cmpint (shape.dim[2], ==, accepted[i].w);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      StShape shape = st_shape_chw (7, 7, 7);
      g_autoptr (GError) error = NULL;
      g_autofree char *message = g_strdup_printf ("input: “%s” is not three positive sizes "
                                                  "such as 1, 28, 28", refused[i]);

      g_assert_false (st_input_shape_parse (refused[i], &shape, &error));
      g_assert_error (error, ST_SPEC_ERROR, ST_SPEC_ERROR_VALUE);
      g_assert_cmpstr (error->message, ==, message);
      g_assert_cmpint (shape.dim[0], ==, 7);
    }
}

/* ---- the node's problems of typed text --------------------------------------------------- */

static void
test_text_problems (void)
{
  g_autoptr (StNode) node = st_node_new (st_layer_type_lookup ("Conv2d"));
  g_autoptr (StNode) before = NULL;
  g_autoptr (GPtrArray) seq = st_node_seq_new ();
  StNode *residual, *inner;
  StArgValue three = { { 3, 3 }, 0, 0 };

  /* text that is no value puts the node in error, about that argument */
  st_node_set_text_problem (node, ST_ARG_KERNEL_SIZE, "kernel_size: “x” is not …");
  g_assert_cmpstr (node->problem, ==, "kernel_size: “x” is not …");
  g_assert_cmpstr (node->problem_arg, ==, "kernel_size");
  g_assert_true (st_node_has_text_problem (node));
  /* later text for the same argument replaces it; another argument's waits its turn */
  st_node_set_text_problem (node, ST_ARG_KERNEL_SIZE, "kernel_size: “y” is not …");
  g_assert_cmpstr (node->problem, ==, "kernel_size: “y” is not …");
  st_node_set_text_problem (node, ST_ARG_STRIDE, "stride: …");
  g_assert_cmpstr (node->problem_arg, ==, "kernel_size");
  /* a value of another argument settles nothing; one of this argument settles it */
  st_node_apply_arg (node, ST_ARG_STRIDE, &three);
  g_assert_nonnull (node->problem);
  st_node_apply_arg (node, ST_ARG_KERNEL_SIZE, &three);
  g_assert_null (node->problem);
  g_assert_null (node->problem_arg);
  g_assert_true (st_node_has_arg (node, ST_ARG_KERNEL_SIZE));
  g_assert_cmpint (node->args.v[ST_ARG_KERNEL_SIZE].i[1], ==, 3);

  /* a problem of the file stays under typed text, and goes with a value of its argument */
  node->problem = g_strdup ("padding must be a whole number, got \"same\"");
  node->problem_arg = g_strdup ("padding");
  node->raw_json = g_strdup ("{\"type\": \"Conv2d\", \"padding\": \"same\"}");
  st_node_set_text_problem (node, ST_ARG_PADDING, "padding: “q” is not …");
  g_assert_cmpstr (node->problem, ==, "padding must be a whole number, got \"same\"");
  g_assert_false (st_node_has_text_problem (node));
  st_node_apply_arg (node, ST_ARG_PADDING, NULL);
  g_assert_null (node->problem);
  g_assert_null (node->raw_json);
  g_assert_false (st_node_has_arg (node, ST_ARG_PADDING));

  /* clearing reaches into blocks, and leaves the file's problems */
  residual = st_node_new (st_layer_type_lookup ("Residual"));
  inner = st_node_copy (node);
  st_node_set_text_problem (inner, ST_ARG_STRIDE, "stride: …");
  g_ptr_array_add (residual->body, inner);
  g_ptr_array_add (seq, residual);
  g_ptr_array_add (seq, st_node_copy (node));
  ((StNode *) g_ptr_array_index (seq, 1))->problem = g_strdup ("of the file");
  ((StNode *) g_ptr_array_index (seq, 1))->raw_json = g_strdup ("{}");
  st_node_seq_clear_text_problems (seq);
  g_assert_null (inner->problem);
  g_assert_cmpstr (((StNode *) g_ptr_array_index (seq, 1))->problem, ==, "of the file");

  /* arguments compare by what is given and its values */
  before = st_node_copy (node);
  g_assert_true (st_layer_args_equal (&node->args, &before->args));
  st_node_apply_arg (node, ST_ARG_BIAS, &(StArgValue) { { 0, 0 }, 0, FALSE });
  g_assert_false (st_layer_args_equal (&node->args, &before->args));
  st_node_apply_arg (node, ST_ARG_BIAS, NULL);
  st_node_apply_arg (node, ST_ARG_STRIDE, &(StArgValue) { { 3, 2 }, 0, 0 });
  g_assert_false (st_layer_args_equal (&node->args, &before->args));
}

/* ---- the confusion matrix --------------------------------------------------------------- */

/* Seven images of three classes; image 6's prediction is past the classes (an output no class
 * stands for): wrong, in no column. */
static const guint8 labels[] = { 0, 0, 1, 1, 2, 2, 2 };
static const guint8 predictions[] = { 0, 1, 1, 1, 2, 0, 255 };

static void
test_confusion_counts (void)
{
  static const gint64 expected[3 * 3] = {
    1, 1, 0,
    0, 2, 0,
    1, 0, 1,
  };
  gint64 counts[3 * 3];

  memset (counts, 0x5a, sizeof counts);
  g_assert_cmpint (st_confusion_count (counts, labels, predictions, G_N_ELEMENTS (labels), 3),
                   ==, 4);
  g_assert_cmpmem (counts, sizeof counts, expected, sizeof expected);

  g_assert_cmpint (st_confusion_count (counts, labels, predictions, 0, 3), ==, 0);
  for (int i = 0; i < 9; i++)
    g_assert_cmpint (counts[i], ==, 0);
}

static void
test_confusion_cells (void)
{
  static const struct {
    StPredictionFilter filter;
    guint              max;
    gint64             n_matches;
    gint64             indices[4];
    guint              n_indices;
  } cases[] = {
    { { ST_PREDICTIONS_WRONG, 0, 0 }, 10, 3, { 1, 5, 6 }, 3 },
    { { ST_PREDICTIONS_WRONG, 0, 0 }, 2, 3, { 1, 5 }, 2 },
    { { ST_PREDICTIONS_WRONG_OF_CLASS, 2, 0 }, 10, 2, { 5, 6 }, 2 },
    { { ST_PREDICTIONS_WRONG_OF_CLASS, 1, 0 }, 10, 0, { 0 }, 0 },
    { { ST_PREDICTIONS_CELL, 0, 1 }, 10, 1, { 1 }, 1 },
    { { ST_PREDICTIONS_CELL, 1, 1 }, 10, 2, { 2, 3 }, 2 },
    { { ST_PREDICTIONS_CELL, 1, 1 }, 0, 2, { 0 }, 0 },
    { { ST_PREDICTIONS_CELL, 2, 1 }, 10, 0, { 0 }, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 n = st_prediction_filter_select (indices, &cases[i].filter, labels, predictions,
                                              G_N_ELEMENTS (labels), cases[i].max);

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_cmpint (n, ==, cases[i].n_matches);
      g_assert_cmpmem (indices->data, indices->len * sizeof (gint64), cases[i].indices,
                       cases[i].n_indices * sizeof (gint64));
    }
  /* a cell's count in the matrix is the number of its images */
  {
    gint64 counts[3 * 3];

    st_confusion_count (counts, labels, predictions, G_N_ELEMENTS (labels), 3);
    for (int t = 0; t < 3; t++)
      for (int p = 0; p < 3; p++)
        {
          g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (gint64));
          StPredictionFilter cell = { ST_PREDICTIONS_CELL, t, p };

          g_assert_cmpint (st_prediction_filter_select (indices, &cell, labels, predictions,
                                                        G_N_ELEMENTS (labels), 100),
                           ==, counts[t * 3 + p]);
        }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spec-edit/arg/accepted", test_accepted);
  g_test_add_func ("/spec-edit/arg/refused", test_refused);
  g_test_add_func ("/spec-edit/arg/empty", test_empty_text);
  g_test_add_func ("/spec-edit/arg/format", test_format);
  g_test_add_func ("/spec-edit/input-shape", test_input_shape);
  g_test_add_func ("/spec-edit/text-problems", test_text_problems);
  g_test_add_func ("/confusion/counts", test_confusion_counts);
  g_test_add_func ("/confusion/cells", test_confusion_cells);
  return g_test_run ();
}
