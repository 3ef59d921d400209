/* bench-infer: how long shape inference takes on a long model — it runs on every keystroke
 * of the builder, so a 100-layer spec must take well under a millisecond. */
#include <stdio.h>

#include "core/model/infer.h"
#include "core/model/layer-types.h"
#include "core/model/spec.h"

static void
add (GPtrArray *seq, StLayerKind kind)
{
  g_ptr_array_add (seq, st_node_new (st_layer_type_get (kind)));
}

int
main (int argc, char **argv)
{
  int n_layers = argc > 1 ? atoi (argv[1]) : 100;
  int reps = 2000;
  StShape input = st_shape_chw (3, 64, 64);
  g_autoptr (StSpec) spec = st_spec_new ("bench", &input);
  double best = G_MAXDOUBLE, total = 0;

  /* Repeating units of conv, batchnorm, relu, with a residual block every fourth unit. */
  while ((int) spec->layers->len < n_layers - 3)
    {
      StNode *conv = st_node_new (st_layer_type_get (ST_LAYER_CONV2D));
      st_node_set_int (conv, ST_ARG_OUT_CHANNELS, 16);
      st_node_set_pair (conv, ST_ARG_KERNEL_SIZE, 3, 3);
      st_node_set_pair (conv, ST_ARG_PADDING, 1, 1);
      g_ptr_array_add (spec->layers, conv);
      add (spec->layers, ST_LAYER_BATCHNORM2D);
      add (spec->layers, ST_LAYER_RELU);
    }
  add (spec->layers, ST_LAYER_FLATTEN);
  {
    StNode *fc = st_node_new (st_layer_type_get (ST_LAYER_LINEAR));
    st_node_set_int (fc, ST_ARG_OUT_FEATURES, 10);
    g_ptr_array_add (spec->layers, fc);
  }

  for (int r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      StInfer *infer = st_spec_infer (spec);
      gint64 t1 = g_get_monotonic_time ();
      double us = (double) (t1 - t0);

      if (infer->n_errors != 0)
        {
          fprintf (stderr, "bench-infer: the generated spec has errors\n");
          return 1;
        }
      st_infer_free (infer);
      best = MIN (best, us);
      total += us;
    }
  printf ("layers %u  reps %d  best %.1f us  mean %.1f us\n", spec->layers->len, reps, best,
          total / reps);
  return 0;
}
