/* test-summary: the torchsummary table, the JSON summary and `strata-cli summary`. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "core/model/infer.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "core/model/summary.h"
#include "test-util.h"

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

static void
test_thousands (void)
{
  static const struct { gint64 n; const char *text; } cases[] = {
    { 0, "0" }, { 12, "12" }, { 999, "999" }, { 1000, "1,000" }, { 61706, "61,706" },
    { 896522, "896,522" }, { 18874624, "18,874,624" }, { -1234, "-1,234" },
    { -999, "-999" }, { G_MAXINT64, "9,223,372,036,854,775,807" },
    { G_MININT64, "-9,223,372,036,854,775,808" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = st_format_thousands (cases[i].n);
      g_assert_cmpstr (s, ==, cases[i].text);
    }
}

/* deep-cnn's table, character for character as torchsummary prints it. */
static void
test_deep_cnn_table (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("deep-cnn", NULL);
  g_autoptr (StInfer) infer = st_spec_infer (spec);
  g_autofree char *text = st_summary_text (spec, infer);
  g_autofree char *path = data_path ("deep-cnn.summary.txt");
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpint (infer->total_params, ==, 896522);
  g_assert_cmpfloat_with_epsilon (infer->pass_mb, 0.69, 0.005);
  g_assert_cmpfloat_with_epsilon (infer->params_mb, 3.42, 0.005);
  g_assert_cmpfloat_with_epsilon (infer->total_mb, 4.11, 0.005);
}

/* torchsummary numbers rows in hook order: a block after its contents. */
static void
test_block_rows (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("inception", NULL);
  g_autoptr (StInfer) infer = st_spec_infer (spec);
  g_autofree char *text = st_summary_text (spec, infer);

  g_assert_nonnull (strstr (text, "           Concat-12           [-1, 88, 12, 12]               0\n"));
  g_assert_nonnull (strstr (text, "        AvgPool2d-10           [-1, 10, 12, 12]               0\n"));
  g_assert_nonnull (strstr (text, "           Linear-26                   [-1, 10]          14,090\n"));
  g_assert_nonnull (strstr (text, "Total params: 97,298\n"));
}

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_json (void)
{
  g_autoptr (StSpec) spec = st_spec_load ("lenet5", NULL);
  g_autoptr (StInfer) infer = st_spec_infer (spec);
  g_autofree char *text = st_summary_json (spec, infer);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root = parse_object (text, parser);
  JsonArray *layers = json_object_get_array_member (root, "layers");
  JsonObject *first = json_array_get_object_element (layers, 0);
  JsonArray *shape = json_object_get_array_member (first, "output_shape");

  g_assert_cmpint (json_object_get_int_member (root, "total_params"), ==, 61706);
  g_assert_cmpint (json_object_get_int_member (root, "trainable_params"), ==, 61706);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "input_shape")),
                    ==, 3);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (root, "output_shape"),
                                               0), ==, 10);
  g_assert_cmpuint (json_array_get_length (layers), ==, 12);
  g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (first, "type"), ==, "Conv2d");
  g_assert_cmpint (json_array_get_int_element (shape, 0), ==, 6);
  g_assert_cmpint (json_array_get_int_element (shape, 1), ==, 28);
  g_assert_cmpint (json_object_get_int_member (first, "params"), ==, 156);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "errors")), ==, 0);
  g_assert_true (json_object_get_boolean_member (root, "totals_complete"));
}

/* The course's broken model: one error, on the pool that would make 16×0×0 (layer 8); the
 * layers before it have their shapes, those after it none, and the table says so. */
static void
test_course_broken (void)
{
  g_autofree char *path = data_path ("course-broken.strata.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load (path, &error);
  g_autoptr (StInfer) infer = NULL;
  g_autofree char *json = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *err;
  JsonArray *errors;

  g_assert_no_error (error);
  infer = st_spec_infer (spec);
  g_assert_cmpuint (infer->n_errors, ==, 1);
  g_assert_cmpstr (infer->layers[8].path, ==, "8");
  g_assert_nonnull (infer->layers[8].error);
  g_assert_nonnull (strstr (infer->layers[8].error,
                            "input is 16×1×1, smaller than the 2×2 window — output would be 16×0×0"));
  for (guint i = 0; i < infer->n_layers; i++)
    g_assert_true (st_shape_is_known (&infer->layers[i].out) == (i <= 8));
  g_assert_true (infer->partial);
  g_assert_cmpint (infer->layers[0].out.dim[0], ==, 16);
  g_assert_cmpint (infer->layers[0].out.dim[1], ==, 28);
  g_assert_cmpint (infer->layers[7].out.dim[1], ==, 1);

  text = st_summary_text (spec, infer);
  g_assert_nonnull (strstr (text, "layer 8 (AvgPool2d-9): input is 16×1×1"));
  /* Linear-13 takes its in_features from the unknown input: neither shape nor count known. */
  g_assert_nonnull (strstr (text, "           Linear-13                    [-1, ?]               ?\n"));
  g_assert_nonnull (strstr (text, "           Linear-11                    [-1, ?]          48,120\n"));
  g_assert_nonnull (strstr (text, "the totals leave them out"));

  json = st_summary_json (spec, infer);
  root = parse_object (json, parser);
  errors = json_object_get_array_member (root, "errors");
  g_assert_cmpuint (json_array_get_length (errors), ==, 1);
  g_assert_false (json_object_get_boolean_member (root, "totals_complete"));
  g_assert_true (json_object_get_null_member (root, "output_shape"));
  err = json_array_get_object_element (errors, 0);
  g_assert_cmpstr (json_object_get_string_member (err, "layer"), ==, "8");
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "16×0×0"));
}

/* ---- the command --------------------------------------------------------------------- */

static void
test_cli_summary (void)
{
  g_auto (StTestRun) run = { 0 };
  g_autofree char *path = data_path ("deep-cnn.summary.txt");
  g_autofree char *expected = NULL;

  if (!st_test_have_cli ())
    return;
  st_test_cli_argv (&run, (const char *[]) { "summary", "deep-cnn", NULL });
  g_assert_true (g_spawn_check_wait_status (run.wait_status, NULL));
  g_file_get_contents (path, &expected, NULL, NULL);
  g_assert_cmpstr (run.out, ==, expected);
}

static void
test_cli_errors_exit_1 (void)
{
  g_auto (StTestRun) run = { 0 };
  g_auto (StTestRun) json = { 0 };
  g_autofree char *path = data_path ("course-broken.strata.json");
  g_autoptr (GError) error = NULL;

  if (!st_test_have_cli ())
    return;
  st_test_cli_argv (&run, (const char *[]) { "summary", path, NULL });
  g_assert_false (g_spawn_check_wait_status (run.wait_status, &error));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 1);
  g_assert_nonnull (strstr (run.out, "layer 8 (AvgPool2d-9)"));
  st_test_cli_argv (&json, (const char *[]) { "summary", path, "--json", NULL });
  g_assert_nonnull (strstr (json.out, "\"layer\": \"8\""));
}

static void
test_cli_bad_input (void)
{
  g_auto (StTestRun) missing = { 0 };
  g_auto (StTestRun) usage = { 0 };
  g_auto (StTestRun) unknown = { 0 };
  g_autoptr (GError) error = NULL;

  if (!st_test_have_cli ())
    return;
  st_test_cli_argv (&missing, (const char *[]) { "summary", "/nonexistent/m.strata.json", NULL });
  g_assert_false (g_spawn_check_wait_status (missing.wait_status, &error));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 1);
  g_assert_nonnull (strstr (missing.err, "/nonexistent/m.strata.json"));
  g_clear_error (&error);

  st_test_cli_argv (&usage, (const char *[]) { "summary", NULL });
  g_assert_false (g_spawn_check_wait_status (usage.wait_status, &error));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 2);
  g_assert_nonnull (strstr (usage.err, "needs a MODEL"));
  g_clear_error (&error);

  st_test_cli_argv (&unknown, (const char *[]) { "summarise", "lenet5", NULL });
  g_assert_false (g_spawn_check_wait_status (unknown.wait_status, &error));
  g_assert_nonnull (strstr (unknown.err, "unknown command 'summarise'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/summary/thousands", test_thousands);
  g_test_add_func ("/summary/deep-cnn-table", test_deep_cnn_table);
  g_test_add_func ("/summary/block-rows", test_block_rows);
  g_test_add_func ("/summary/json", test_json);
  g_test_add_func ("/summary/course-broken", test_course_broken);
  g_test_add_func ("/summary/cli/table", test_cli_summary);
  g_test_add_func ("/summary/cli/errors-exit-1", test_cli_errors_exit_1);
  g_test_add_func ("/summary/cli/bad-input", test_cli_bad_input);
  return g_test_run ();
}
