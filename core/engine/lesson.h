/* lesson.h: the course's worked examples, each a tiny model with its exact weights and input.
 *
 * A lesson file (format "strata-lesson/1", built in under /org/strata/lessons/ or any file)
 * holds a title and a description, the model (a strata-model/1 object), every parameter by
 * its state_dict name as a flat list, the input images as nested lists of pixel values (rows
 * of one channel, or channels of rows), optionally their labels and class names, the layer
 * the lesson steps through, and — per input image — the outputs of some layers as the course
 * gives them ("expect": [{"0": [96, 132, 132, 168]}]). The models of the convolution lessons
 * normalise with mean 0 and std 1/255, so that a pixel v enters the network as v itself.
 *
 * Errors name the lesson and the part that is wrong (a tensor missing or of the wrong size, a
 * pixel outside 0 … 255, an input of another size than the model's).
 */
#pragma once

#include "core/engine/evaluator.h"

G_BEGIN_DECLS

#define ST_LESSON_ERROR (st_lesson_error_quark ())
GQuark st_lesson_error_quark (void);

typedef enum {
  ST_LESSON_ERROR_NOT_FOUND,
  ST_LESSON_ERROR_FORMAT,
} StLessonError;

typedef struct {
  char       *name;         /* "conv-ramp", or the file's path */
  char       *title;
  char       *description;
  char       *layer;        /* the layer stepped through, a path as explain.h names it */
  StSpec     *spec;
  float      *params;       /* (n_params) in the compiled spec's layout */
  gsize       n_params;
  float      *buffers;      /* (n_buffers): their starting values */
  gsize       n_buffers;
  StDataset  *inputs;       /* the input images, labels and classes */
  GPtrArray  *expect;       /* per input: GHashTable of layer path → GArray of float */
} StLesson;

/* The built-in lessons' names, in the course's order. */
const char *const *st_lesson_names    (void);
/* Their titles and descriptions in English, as their files have them (a built-in lesson
 * loads with their translations). */
const char *const *st_lesson_texts    (void);
/* A built-in lesson by name, or a lesson file. */
StLesson          *st_lesson_load     (const char     *name_or_path,
                                       GError        **error);
StLesson          *st_lesson_load_from_data (const char *data,
                                             gssize      length,
                                             const char *origin,
                                             GError    **error);
void               st_lesson_free     (StLesson       *lesson);
/* What the course gives for the output of layer `path` on input `input`, or NULL (and *n 0)
 * when it gives nothing for it. */
const float       *st_lesson_expected (const StLesson *lesson,
                                       gint64          input,
                                       const char     *path,
                                       gsize          *n);
/* The lesson with its model edited into `spec`: the lesson's weights where a tensor of the
 * same name and size is still there, the rest as the spec's initialiser and seed give them;
 * its inputs; no expected numbers. An error naming the lesson when `spec` takes another
 * input than the lesson's images. */
StLesson          *st_lesson_with_spec (const StLesson *lesson,
                                        const StSpec   *spec,
                                        GError        **error);
/* The lesson's model, weights and inputs in an evaluator on the CPU: its snapshots are the
 * lesson's numbers. */
StEvaluator       *st_lesson_evaluator (const StLesson *lesson,
                                        GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StLesson, st_lesson_free)

G_END_DECLS
