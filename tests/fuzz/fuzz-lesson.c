/* fuzz-lesson.c: a lesson file, as the Presets menu and a lesson opened from a file read it.
 *
 * Bytes → st_lesson_load_from_data; a lesson that loads is evaluated on the CPU — every one
 * of its images through the net, the lesson's layer explained at its first position, the
 * numbers it expects read back — and edited into its own model (st_lesson_with_spec), which
 * must keep every weight.
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include <string.h>

#include "core/engine/explain.h"
#include "core/engine/lesson.h"
#include "fuzz-util.h"

/* Models past this many values a forward are loaded but not run: the fuzzer is after the
 * reader, not after large convolutions. */
#define MAX_VALUES (1 << 20)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (StLesson) lesson = NULL;
  g_autoptr (StLesson) edited = NULL;
  g_autoptr (StEvaluator) ev = NULL;
  g_autoptr (GError) error = NULL;
  const StNet *net;
  gsize total = 0;

  fuzz_init ();
  lesson = st_lesson_load_from_data ((const char *) data, (gssize) size, "fuzz.strata-lesson.json",
                                     &error);
  if (lesson == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }
  g_assert (lesson->title != NULL && lesson->layer != NULL && lesson->inputs->n > 0);

  edited = st_lesson_with_spec (lesson, lesson->spec, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (edited->n_params, ==, lesson->n_params);
  g_assert (lesson->n_params == 0
            || memcmp (edited->params, lesson->params, sizeof (float) * lesson->n_params) == 0);

  ev = st_lesson_evaluator (lesson, &error);
  if (ev == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }
  net = st_evaluator_net (ev);
  for (guint v = 0; v < net->n_values; v++)
    total += net->values[v].numel;
  if (total > MAX_VALUES)
    return 0;
  for (gint64 i = 0; i < lesson->inputs->n && i < 4; i++)
    {
      g_autoptr (StSnapshot) snap = st_evaluator_snapshot (ev, i, &error);
      g_autoptr (StExplain) e = NULL;
      const StShape *out;
      StExplainAt at = { 1, 0, 0, 0 };
      gsize n;

      g_assert_no_error (error);
      out = &net->values[st_net_path_value (net, lesson->layer)].shape;
      at.rank = out->rank == 3 ? 3 : 1;
      e = st_explain (net, (const float *const *) snap->pass->values, snap->pass->params,
                      snap->pass->buffers, lesson->layer, &at, NULL);
      fuzz_touch (e, e != NULL ? sizeof *e : 0);
      fuzz_touch (st_lesson_expected (lesson, i, lesson->layer, &n), 0);
    }
  return 0;
}
