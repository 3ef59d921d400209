/* cli-eval.c: `strata-cli evaluate` and `strata-cli activations` — a trained model on its
 * test set, and what it makes of one image. */
#define G_LOG_DOMAIN "strata-cli"

#include "app/cli.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/engine/evaluator.h"
#include "core/model/spec-read.h"
#ifdef STRATA_HAVE_RENDER
#include "ui/render/class-render.h"
#include "ui/render/grid-render.h"
#endif

typedef struct {
  char     *weights;
  char     *dataset;
  char     *device;
  gboolean  json;
  gboolean  resize_images;
} EvalArgs;

static StEvaluator *
open_evaluator (GOptionContext *context, int argc, char **argv, EvalArgs *args, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = NULL;
  StDevice device = ST_DEVICE_AUTO;
  StEvaluator *ev;

  if (argc != 2)
    {
      *status = st_cli_usage_error (context, _("give one MODEL"));
      return NULL;
    }
  if (args->weights == NULL)
    {
      *status = st_cli_usage_error (context, _("--weights FILE is needed"));
      return NULL;
    }
  if (args->device != NULL && !st_device_from_name (args->device, &device))
    {
      *status = st_cli_usage_error (context, _("--device must be auto, cpu or cuda"));
      return NULL;
    }
  if (args->dataset != NULL && *args->dataset == '\0')
    {
      *status = st_cli_usage_error (context, _("--dataset is empty: give a dataset's name "
                                               "(fashion-mnist, mnist, toy) or its path"));
      return NULL;
    }
  spec = st_spec_load (argv[1], &error);
  if (spec != NULL && args->resize_images)
    spec->training.resize_images = TRUE;
  if (spec == NULL || (ev = st_evaluator_new (spec, args->weights, args->dataset, device,
                                              &error)) == NULL)
    {
      *status = st_cli_fail (error);
      return NULL;
    }
  return ev;
}

int
st_cli_evaluate (int argc, char **argv)
{
  EvalArgs args = { 0 };
  GOptionEntry entries[] = {
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &args.weights, N_("Trained weights"), "FILE" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &args.dataset, N_("Dataset name or path"),
      "NAME|PATH" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &args.device, N_("auto, cpu or cuda"), "DEVICE" },
    { "resize-images", 0, 0, G_OPTION_ARG_NONE, &args.resize_images,
      N_("Scale images of another size to the model's input"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, N_("Print one JSON object"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("MODEL — loss and accuracy on "
                                                                "the test set"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StEvaluator) ev = NULL;
  StMetrics m;
  gint64 t0;
  double seconds;
  int status = 0;

  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  ev = open_evaluator (context, argc, argv, &args, &status);
  if (ev == NULL)
    goto out;
  t0 = g_get_monotonic_time ();
  if (!st_evaluator_run (ev, &m, &error))
    {
      status = st_cli_fail (error);
      goto out;
    }
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (args.json)
    printf ("{\"test_loss\": %.6f, \"test_acc\": %.6f, \"examples\": %" G_GINT64_FORMAT
            ", \"examples_per_sec\": %.1f, \"seconds\": %.3f}\n", m.loss_sum / m.examples,
            (double) m.correct / m.examples, m.examples, m.examples / seconds, seconds);
  else
    printf (_("test loss %.4f  test acc %.4f  (%" PRId64 " images, %.0f images/s on %s)\n"),
            m.loss_sum / m.examples, (double) m.correct / m.examples, m.examples,
            m.examples / seconds, st_evaluator_device (ev));
out:
  g_free (args.weights);
  g_free (args.dataset);
  g_free (args.device);
  return status;
}

#ifdef STRATA_HAVE_RENDER
static const char *
pic_class (const StSnapshot *snap, const StDataset *test, int k)
{
  return k >= 0 && k < test->n_classes ? test->class_names[k] : "?";
}

typedef struct {
  const StSnapshot *snap;
  const StDataset  *test;
} Picture;

/* Input and probabilities on the left, the two feature-map grids on the right. */
static void
render_activations (cairo_t *cr, double width, double height, gconstpointer data)
{
  const Picture *pic = data;
  const StSnapshot *s = pic->snap;
  StGridOptions options;
  StImageView input = { s->input, s->input_shape.dim[0], s->input_shape.dim[1],
                        s->input_shape.dim[2] };
  StProbabilities probs = { (const char *const *) pic->test->class_names, s->probabilities,
                            s->n_classes, s->label };
  double left = width * 0.32, map_h = s->n_maps > 1 ? height / 2 : height;
  g_autofree char *input_title = g_strdup_printf (_("test image %" PRId64 ": %s"),
                                                  s->example,
                                                  pic->test->class_names[s->label]);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  st_grid_options_init (&options);
  options.title = input_title;
  st_image_render (cr, left, height * 0.45, &input, &options);
  cairo_save (cr);
  cairo_translate (cr, 0, height * 0.45);
  options.title = _("prediction");
  if (s->n_classes > 1)
    st_probabilities_render (cr, left, height * 0.55, &probs, &options);
  cairo_restore (cr);
  options.colormap = ST_COLORMAP_VIRIDIS;
  for (int i = 0; i < s->n_maps; i++)
    {
      StImageView maps = { s->maps[i], s->map_shapes[i].dim[0], s->map_shapes[i].dim[1],
                           s->map_shapes[i].dim[2] };
      g_autofree char *title = g_strdup_printf (i == 0 ? _("after Conv2d %s (first "
                                                           "convolution, %d)")
                                                       : _("after Conv2d %s (second "
                                                           "convolution, %d)"),
                                                s->map_paths[i], maps.channels);
      cairo_save (cr);
      cairo_translate (cr, left, i * map_h);
      options.title = title;
      st_feature_maps_render (cr, width - left, map_h, &maps, &options);
      cairo_restore (cr);
    }
}
#endif

int
st_cli_activations (int argc, char **argv)
{
  EvalArgs args = { 0 };
  gint64 image = 0;
  g_autofree char *out = NULL;
  GOptionEntry entries[] = {
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &args.weights, N_("Trained weights"), "FILE" },
    { "image", 0, 0, G_OPTION_ARG_INT64, &image, N_("Test image number (from 0)"), "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("Picture to write"), "FILE.png|FILE.svg" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &args.dataset, N_("Dataset name or path"),
      "NAME|PATH" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &args.device, N_("auto, cpu or cuda"), "DEVICE" },
    { "resize-images", 0, 0, G_OPTION_ARG_NONE, &args.resize_images,
      N_("Scale images of another size to the model's input"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("MODEL — the feature maps of "
                                                                "one test image"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StEvaluator) ev = NULL;
  g_autoptr (StSnapshot) snap = NULL;
  int status = 0;

  st_cli_add_entries (context, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return st_cli_usage_error (context, error->message);
  if (out == NULL)
    {
      status = st_cli_usage_error (context, _("--out FILE.png is needed"));
      goto done;
    }
#ifndef STRATA_HAVE_RENDER
  status = st_cli_usage_error (context, _("this build of Strata has no Cairo to draw with"));
  goto done;
#else
  ev = open_evaluator (context, argc, argv, &args, &status);
  if (ev == NULL)
    goto done;
  snap = st_evaluator_snapshot (ev, image, &error);
  if (snap == NULL)
    {
      status = st_cli_fail (error);
      goto done;
    }
  {
    Picture pic = { snap, st_evaluator_test_set (ev) };
    if (!st_render_save (out, 1400, 900, render_activations, &pic, &error))
      {
        status = st_cli_fail (error);
        goto done;
      }
  }
  printf (_("test image %" PRId64 ": %s, predicted %s (%.1f%%); wrote %s\n"), image,
          pic_class (snap, st_evaluator_test_set (ev), snap->label),
          pic_class (snap, st_evaluator_test_set (ev), snap->prediction),
          100.0 * snap->probabilities[snap->n_classes > 1 ? snap->prediction : 0], out);
#endif
done:
  g_free (args.weights);
  g_free (args.dataset);
  g_free (args.device);
  return status;
}
