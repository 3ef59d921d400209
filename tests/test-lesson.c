/* test-lesson: the course's worked examples as lessons — each built-in lesson's forward pass
 * gives exactly the course's numbers, every value's breakdown reproduces them, and a lesson
 * file that is wrong is refused with an error naming the lesson and what is wrong.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/engine/explain.h"
#include "core/engine/lesson.h"
#include "test-util.h"

/* Every built-in lesson loads; for each input and each layer the course gives numbers for,
 * the forward pass writes exactly them, and each value's breakdown adds up to it. */
static void
test_course_numbers (void)
{
  const char *const *names = st_lesson_names ();
  guint checked = 0;

  g_assert_cmpuint (g_strv_length ((char **) names), ==, 4);
  for (gsize l = 0; names[l] != NULL; l++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StLesson) lesson = st_lesson_load (names[l], &error);
      g_autoptr (StEvaluator) ev = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (lesson->title);
      g_assert_nonnull (lesson->description);
      /* the texts the translations are made from (the tests run in English) */
      g_assert_true (g_strv_contains (st_lesson_texts (), lesson->title));
      g_assert_true (g_strv_contains (st_lesson_texts (), lesson->description));
      g_assert_cmpuint (lesson->expect->len, ==, lesson->inputs->n);
      ev = st_lesson_evaluator (lesson, &error);
      g_assert_no_error (error);
      for (gint64 i = 0; i < lesson->inputs->n; i++)
        {
          g_autoptr (StSnapshot) snap = st_evaluator_snapshot (ev, i, &error);
          const StNet *net = st_evaluator_net (ev);
          g_autoptr (GList) paths = NULL;

          g_assert_no_error (error);
          paths = g_hash_table_get_keys (g_ptr_array_index (lesson->expect, i));
          g_assert_nonnull (paths);
          for (GList *p = paths; p != NULL; p = p->next)
            {
              gsize n;
              const float *want = st_lesson_expected (lesson, i, p->data, &n);
              int value = st_net_path_value (net, p->data);
              const float *got = snap->pass->values[value];

              g_assert_cmpuint (n, ==, net->values[value].numel);
              for (gsize k = 0; k < n; k++)
                {
                  /* integers exactly; the Sigmoid's probabilities to float's precision */
                  if (want[k] == (float) (gint64) want[k])
                    g_assert_cmpfloat (got[k], ==, want[k]);
                  else
                    g_assert_cmpfloat_with_epsilon (got[k], want[k], 1e-6);
                }
              checked += n;
            }
          /* the lesson's layer: every value's breakdown is the course's sum */
          for (gsize k = 0; k < net->values[st_net_path_value (net, lesson->layer)].numel; k++)
            {
              const StShape *shape = &net->values[st_net_path_value (net, lesson->layer)].shape;
              StExplainAt at = { 3, k / (shape->dim[1] * shape->dim[2]),
                                 k / shape->dim[2] % shape->dim[1], k % shape->dim[2] };
              g_autoptr (StExplain) e = st_explain (net, (const float *const *) snap->pass->values,
                                                    snap->pass->params, snap->pass->buffers,
                                                    lesson->layer, &at, &error);
              gsize n;
              const float *want = st_lesson_expected (lesson, i, lesson->layer, &n);

              g_assert_no_error (error);
              g_assert_cmpfloat (e->value, ==, want[k]);
              g_assert_cmpfloat (e->result, ==, want[k]);
            }
        }
      if (g_str_equal (names[l], "toy"))
        {
          g_autoptr (StSnapshot) a = st_evaluator_snapshot (ev, 0, &error);
          g_autoptr (StSnapshot) b = st_evaluator_snapshot (ev, 1, &error);

          /* the diagonal is class 1, the anti-diagonal class 0: both right */
          g_assert_cmpint (a->label, ==, 1);
          g_assert_cmpint (a->prediction, ==, 1);
          g_assert_cmpint (b->label, ==, 0);
          g_assert_cmpint (b->prediction, ==, 0);
        }
    }
  g_test_message ("%u of the course's numbers checked", checked);
  g_assert_cmpuint (checked, ==, 4 + 9 + 4 + 2 * (4 + 1 + 1 + 1 + 1));
}

/* The ramp lesson's first value, term by term: window X[0..2][0..2] = i + j, kernel 0 … 8. */
static void
test_ramp_terms (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StLesson) lesson = st_lesson_load ("conv-ramp", &error);
  g_autoptr (StEvaluator) ev = st_lesson_evaluator (lesson, &error);
  g_autoptr (StSnapshot) snap = st_evaluator_snapshot (ev, 0, &error);
  StExplainAt at = { 3, 0, 1, 1 };
  g_autoptr (StExplain) e = NULL;
  double sum = 0;

  g_assert_no_error (error);
  e = st_explain (st_evaluator_net (ev), (const float *const *) snap->pass->values,
                  snap->pass->params, snap->pass->buffers, "0", &at, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (e->n_terms, ==, 9);
  for (int k = 0; k < 9; k++)
    {
      g_assert_cmpfloat (e->terms[k].input, ==, (float) (1 + k / 3 + 1 + k % 3));
      g_assert_cmpfloat (e->terms[k].weight, ==, (float) k);
      sum += (1 + k / 3 + 1 + k % 3) * k;
    }
  g_assert_cmpfloat (sum, ==, 168);
  g_assert_cmpfloat (e->value, ==, 168);
}

static void
expect_refused (const char *json, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StLesson) lesson = st_lesson_load_from_data (json, -1, "bad.strata-lesson.json",
                                                          &error);

  g_assert_null (lesson);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "bad.strata-lesson.json"));
  g_assert_nonnull (strstr (error->message, needle));
}

#define MODEL \
  "\"model\": {\"format\": \"strata-model/1\", \"name\": \"m\"," \
  " \"input\": {\"channels\": 1, \"height\": 2, \"width\": 2}," \
  " \"layers\": [{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 1," \
  "  \"kernel_size\": 1}], \"training\": {\"dataset\": \"toy\"}}"

static void
test_bad_lessons (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StLesson) none = st_lesson_load ("no-such-lesson", &error);
  g_autofree char *dir = st_test_make_tmp ("strata-lesson-XXXXXX");
  g_autofree char *missing = g_build_filename (dir, "missing.strata-lesson.json", NULL);
  g_autoptr (StLesson) from_file = NULL;

  g_assert_null (none);
  g_assert_error (error, ST_LESSON_ERROR, ST_LESSON_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "conv-ramp"));
  g_clear_error (&error);
  from_file = st_lesson_load (missing, &error);
  g_assert_null (from_file);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "missing.strata-lesson.json"));

  expect_refused ("[1, 2]", "not a JSON object");
  expect_refused ("", "not a JSON object");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", \"model\": {\"format\": \"strata-model/1\", \"name\": \"m\","
                  " \"input\": {\"channels\": 5, \"height\": 1, \"width\": 1},"
                  " \"layers\": [{\"type\": \"ReLU\"}], \"training\": {\"dataset\": \"toy\"}},"
                  " \"weights\": {}, \"inputs\": [[[[1]], [[2]], [[3]], [[4]], [[5]]]]}",
                  "no lesson's input");
  expect_refused ("  \n", "not a JSON object");
  expect_refused ("{\"format\": \"strata-model/1\"}", "strata-lesson/1");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"layer\": \"0\"}", "title");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"7\", " MODEL ", \"weights\": {}, \"inputs\": [[[1, 2], [3, 4]]]}",
                  "not a layer");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1]},"
                  " \"inputs\": [[[1, 2], [3, 4]]]}", "0.bias");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1, 2],"
                  " \"0.bias\": [0]}, \"inputs\": [[[1, 2], [3, 4]]]}", "list of 1 numbers");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1e39],"
                  " \"0.bias\": [0]}, \"inputs\": [[[1, 2], [3, 4]]]}", "list of 1 numbers");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"9.weight\": [1]},"
                  " \"inputs\": [[[1, 2], [3, 4]]]}", "9.weight");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1],"
                  " \"0.bias\": [0]}, \"inputs\": [[[1, 2, 3], [3, 4, 5]]]}", "input 0");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1],"
                  " \"0.bias\": [0]}, \"inputs\": [[[1, 2], [3, 300]]]}", "300");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1],"
                  " \"0.bias\": [0]}, \"inputs\": []}", "at least one image");
  expect_refused ("{\"format\": \"strata-lesson/1\", \"title\": \"t\", \"description\": \"d\","
                  " \"layer\": \"0\", " MODEL ", \"weights\": {\"0.weight\": [1],"
                  " \"0.bias\": [0]}, \"inputs\": [[[1, 2], [3, 4]]],"
                  " \"expect\": [{\"0\": [1, 2]}]}", "expect");
  st_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lesson/course-numbers", test_course_numbers);
  g_test_add_func ("/lesson/ramp-terms", test_ramp_terms);
  g_test_add_func ("/lesson/bad", test_bad_lessons);
  return g_test_run ();
}
