/* test-cli-explain: `strata-cli explain` run as a person would — the toy model on its
 * built-in images, LeNet-5 on a small generated IDX set, a picture given with --input, and
 * every way of asking wrongly. */
#include "strata-config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "test-util.h"

static char *dir;

static char *
path (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* The JSON object strata-cli printed. */
static JsonObject *
parse_object (JsonParser *parser, const StTestRun *r)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, r->out, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* sum + bias is the value, and the sum is the terms' products added. */
static void
check_adds_up (JsonObject *o)
{
  JsonArray *terms = json_object_get_array_member (o, "terms");
  double value = json_object_get_double_member (o, "value");
  double sum = json_object_get_double_member (o, "sum");
  double bias = json_object_get_double_member (o, "bias");
  double total = 0.0;

  for (guint i = 0; i < json_array_get_length (terms); i++)
    {
      JsonObject *t = json_array_get_object_element (terms, i);
      static const char *const keys[] = { "input", "weight", "product", "channel", "row",
                                          "col", "index", "padding" };

      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_has_member (t, keys[k]));
      total += json_object_get_double_member (t, "product");
    }
  g_assert_cmpfloat_with_epsilon (total, sum, 1e-9 * MAX (1.0, fabs (sum)));
  g_assert_cmpfloat (fabs (sum + bias - value), <=, 1e-5 * MAX (fabs (value), 1e-1));
}

static void
test_table (void)
{
  g_auto (StTestRun) r = { 0 };

  if (!st_test_have_cli ())
    return;
  st_test_cli (&r, "explain", "toy", "--image", "1", "--layer", "0", "--at", "0,0,0",
               "--device", "cpu", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "layer 0 (Conv2d), output 1×2×2, at 0,0,0, for test image 1"));
  g_assert_nonnull (strstr (r.out, "weight"));
  g_assert_nonnull (strstr (r.out, "sum of the 9 products"));
  g_assert_nonnull (strstr (r.out, "+ bias"));
  g_assert_nonnull (strstr (r.out, "= sum + bias"));
  g_assert_nonnull (strstr (r.out, "the forward pass wrote"));
}

/* Every layer of the toy model explains, in both forms. */
static void
test_every_toy_layer (void)
{
  const char *const layers[][2] = { { "0", "0,1,1" }, { "1", "0,0,0" }, { "2", "0,0,0" },
                                    { "3", "0" }, { "4", "0" }, { "5", "0" } };
  const char *const types[] = { "Conv2d", "MaxPool2d", "ReLU", "Flatten", "Linear", "Sigmoid" };

  if (!st_test_have_cli ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      g_auto (StTestRun) table = { 0 };
      g_auto (StTestRun) json = { 0 };
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o;

      st_test_cli (&table, "explain", "toy", "--image", "0", "--layer", layers[i][0], "--at",
                   layers[i][1], "--device", "cpu", NULL);
      g_assert_cmpint (table.status, ==, 0);
      g_assert_nonnull (strstr (table.out, types[i]));
      st_test_cli (&json, "explain", "toy", "--image", "0", "--layer", layers[i][0], "--at",
                   layers[i][1], "--device", "cpu", "--json", NULL);
      o = parse_object (parser, &json);
      g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, layers[i][0]);
      g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, types[i]);
      g_assert_true (json_object_has_member (o, "at"));
      g_assert_cmpfloat (fabs (json_object_get_double_member (o, "result")
                               - json_object_get_double_member (o, "value")), <=, 1e-6);
    }
}

static void
test_json (void)
{
  g_auto (StTestRun) r = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonArray *at;

  if (!st_test_have_cli ())
    return;
  st_test_cli (&r, "explain", "toy", "--image", "1", "--layer", "0", "--at", "0,1,0", "--json",
               "--device", "cpu", NULL);
  o = parse_object (parser, &r);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "Conv2d");
  at = json_object_get_array_member (o, "at");
  g_assert_cmpuint (json_array_get_length (at), ==, 3);
  g_assert_cmpint (json_array_get_int_element (at, 1), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "terms")), ==, 9);
  check_adds_up (o);
}

/* LeNet-5 on a generated set: the first Conv2d's padding of 2 puts 16 of the 25 terms of a
 * corner in the padding; the first Linear reads the 400 flattened values. */
static void
test_lenet5_dataset (void)
{
  g_autofree char *data = path ("bars");
  g_auto (StTestRun) conv = { 0 };
  g_auto (StTestRun) linear = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonArray *terms;
  int padded = 0;

  if (!st_test_have_cli ())
    return;
  g_assert_cmpint (g_mkdir (data, 0755), ==, 0);
  st_test_write_bars (data, "train", &ST_TEST_BARS_MNIST, 8, 1);
  st_test_write_bars (data, "t10k", &ST_TEST_BARS_MNIST, 6, 2);

  st_test_cli (&conv, "explain", "lenet5", "--dataset", data, "--image", "5", "--layer", "0",
               "--at", "3,0,0", "--json", "--device", "cpu", NULL);
  o = parse_object (parser, &conv);
  terms = json_object_get_array_member (o, "terms");
  g_assert_cmpuint (json_array_get_length (terms), ==, 25);
  for (guint i = 0; i < 25; i++)
    padded += json_object_get_boolean_member (json_array_get_object_element (terms, i),
                                              "padding");
  g_assert_cmpint (padded, ==, 16);
  check_adds_up (o);

  st_test_cli (&linear, "explain", "lenet5", "--dataset", data, "--image", "5", "--layer", "7",
               "--at", "119", "--json", "--device", "cpu", NULL);
  o = parse_object (parser, &linear);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "terms")), ==, 400);
  check_adds_up (o);
}

/* --weights: a trained file's numbers, not the initial ones. */
static void
test_weights (void)
{
  g_autofree char *weights = path ("toy.safetensors");
  g_auto (StTestRun) train = { 0 };
  g_auto (StTestRun) initial = { 0 };
  g_auto (StTestRun) trained = { 0 };
  g_autoptr (JsonParser) p1 = json_parser_new ();
  g_autoptr (JsonParser) p2 = json_parser_new ();
  JsonObject *a, *b;

  if (!st_test_have_cli ())
    return;
  st_test_cli (&train, "train", "toy", "--epochs", "20", "--save", weights, "--device", "cpu",
               NULL);
  g_assert_cmpint (train.status, ==, 0);
  st_test_cli (&initial, "explain", "toy", "--image", "0", "--layer", "4", "--at", "0",
               "--json", "--device", "cpu", NULL);
  st_test_cli (&trained, "explain", "toy", "--weights", weights, "--image", "0", "--layer", "4",
               "--at", "0", "--json", "--device", "cpu", NULL);
  a = parse_object (p1, &initial);
  b = parse_object (p2, &trained);
  g_assert_cmpfloat (json_object_get_double_member (a, "bias"), !=,
                     json_object_get_double_member (b, "bias"));
  check_adds_up (b);
}

/* A PNG of toy image 1 (the anti-diagonal) explains as test image 1 does. */
static void
test_input_png (void)
{
  g_autofree char *png = path ("anti-diagonal.png");
  g_autofree char *small = path ("small.png");
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4, 4);
  g_autoptr (GdkPixbuf) wrong = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 3, 4);
  g_autoptr (GError) error = NULL;
  g_auto (StTestRun) from_png = { 0 };
  g_auto (StTestRun) from_set = { 0 };
  g_auto (StTestRun) bad = { 0 };
  g_autoptr (JsonParser) p1 = json_parser_new ();
  g_autoptr (JsonParser) p2 = json_parser_new ();
  JsonObject *a, *b;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  if (!st_test_have_cli ())
    return;
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++)
      memset (pixels + y * stride + x * 3, x + y == 3 ? 255 : 0, 3);
  g_assert_true (gdk_pixbuf_save (pixbuf, png, "png", &error, NULL));
  g_assert_no_error (error);
  gdk_pixbuf_fill (wrong, 0);
  g_assert_true (gdk_pixbuf_save (wrong, small, "png", &error, NULL));

  st_test_cli (&from_png, "explain", "toy", "--input", png, "--layer", "0", "--at", "0,1,1",
               "--json", "--device", "cpu", NULL);
  st_test_cli (&from_set, "explain", "toy", "--image", "1", "--layer", "0", "--at", "0,1,1",
               "--json", "--device", "cpu", NULL);
  a = parse_object (p1, &from_png);
  b = parse_object (p2, &from_set);
  g_assert_cmpfloat (json_object_get_double_member (a, "value"), ==,
                     json_object_get_double_member (b, "value"));
  g_assert_cmpfloat (json_object_get_double_member (a, "sum"), ==,
                     json_object_get_double_member (b, "sum"));

  st_test_cli (&bad, "explain", "toy", "--input", small, "--layer", "0", "--at", "0,0,0",
               "--device", "cpu", NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "is 3×4 pixels; the model takes 4×4"));
}

/* Each way of asking wrongly: the exit status (2 for the command line, 1 for what the model
 * says) and a message that names what is wrong. */
static void
test_errors (void)
{
  const struct {
    const char *args[12];
    int         status;
    const char *says;
  } cases[] = {
    { { "explain", "toy", "--image", "1", "--layer", "9", "--at", "0,0,0" }, 1,
      "no layer “9”" },
    { { "explain", "toy", "--image", "1", "--layer", "3.body.0", "--at", "0" }, 1,
      "0, 1, 2, 3, 4, 5" },
    { { "explain", "toy", "--image", "1", "--layer", "0", "--at", "1,0,0" }, 1,
      "outside the output of layer 0 (Conv2d), which is 1×2×2" },
    { { "explain", "toy", "--image", "1", "--layer", "4", "--at", "0,0,0" }, 1,
      "flat output of shape 1:" },
    { { "explain", "toy", "--image", "1", "--layer", "0", "--at", "0,0" }, 2, "--at: “0,0”" },
    { { "explain", "toy", "--image", "1", "--layer", "0", "--at", "x" }, 2, "C,Y,X" },
    { { "explain", "toy", "--image", "7", "--layer", "0", "--at", "0,0,0" }, 1,
      "image 7 is not in the test set of toy (it has 2 images, 0 to 1)" },
    { { "explain", "toy", "--image", "-1", "--layer", "0", "--at", "0,0,0" }, 2,
      "--image must be a whole number from 0" },
    { { "explain", "toy", "--image", "1", "--input", "x.png", "--layer", "0", "--at",
        "0,0,0" }, 2, "not both" },
    { { "explain", "toy", "--layer", "0", "--at", "0,0,0" }, 2, "--image N" },
    { { "explain", "toy", "--image", "0", "--at", "0,0,0" }, 2, "--layer PATH is needed" },
    { { "explain", "toy", "--image", "0", "--layer", "0" }, 2, "--at C,Y,X is needed" },
    { { "explain", "--image", "0", "--layer", "0", "--at", "0,0,0" }, 2, "give one MODEL" },
    { { "explain", "toy", "--input", "/nonexistent.png", "--layer", "0", "--at", "0,0,0" }, 1,
      "/nonexistent.png" },
  };

  if (!st_test_have_cli ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (StTestRun) r = { 0 };

      st_test_cli_argv (&r, cases[i].args);
      if (r.status != cases[i].status || strstr (r.err, cases[i].says) == NULL)
        g_test_message ("case %zu: status %d, %s", i, r.status, r.err);
      g_assert_cmpint (r.status, ==, cases[i].status);
      g_assert_nonnull (strstr (r.err, cases[i].says));
      g_assert_cmpstr (r.out, ==, "");
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = st_test_make_tmp ("strata-cli-explain-XXXXXX");

  g_test_add_func ("/cli-explain/table", test_table);
  g_test_add_func ("/cli-explain/every-toy-layer", test_every_toy_layer);
  g_test_add_func ("/cli-explain/json", test_json);
  g_test_add_func ("/cli-explain/lenet5-dataset", test_lenet5_dataset);
  g_test_add_func ("/cli-explain/weights", test_weights);
  g_test_add_func ("/cli-explain/input-png", test_input_png);
  g_test_add_func ("/cli-explain/errors", test_errors);
  status = g_test_run ();

  st_test_remove_tree (dir);
  g_free (dir);
  return status;
}
