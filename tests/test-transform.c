/* test-transform.c: the batch transform — normalisation to the last bit, the settings it
 * refuses, each augmentation (flip, shift and crop, rotation) on single pixels, determinism
 * under one RNG state, evaluation mode, and the epoch order.
 */
#define G_LOG_DOMAIN "test-transform"

#include <glib.h>
#include <string.h>

#include "core/data/dataset.h"
#include "core/data/transform.h"
#include "core/ops/rng.h"
#include "dataset-files.h"

static float
expect (double v, double mean, double std)
{
  return (float) ((v / 255.0 - mean) / std);
}

static StTransformPlan
plan_for (const StTransform *t, int c, int h, int w)
{
  StTransformPlan plan;
  g_autoptr (GError) error = NULL;

  g_assert_true (st_transform_plan_init (&plan, t, c, h, w, &error));
  g_assert_no_error (error);
  return plan;
}

/* One example of c×h×w, all 0 except `value` at (x, y) of every channel. */
static StDataset *
one_pixel (int c, int h, int w, int x, int y, guint8 value)
{
  StDataset *ds = st_dataset_new ("pixel", "test", 1, c, h, w, NULL);

  for (int ch = 0; ch < c; ch++)
    ds->images[(ch * h + y) * w + x] = value;
  ds->labels[0] = 3;
  st_dataset_set_classes (ds, 4, NULL);
  return ds;
}

static void
test_transform_normalize (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("n", "test", 2, 3, 1, 4, NULL);
  const guint8 values[] = { 0, 1, 128, 255 };
  StTransform t;
  StTransformPlan plan;
  float out[2 * 12];
  guint8 labels[2];
  const guint32 idx[] = { 1, 0 };

  for (int i = 0; i < 2 * 3; i++)
    memcpy (ds->images + 4 * i, values, 4);
  ds->labels[0] = 5;
  ds->labels[1] = 6;
  st_dataset_set_classes (ds, 7, NULL);

  /* Per channel: (v/255 − mean)/std, to the last bit. */
  st_transform_init (&t);
  t.n_norm = 3;
  t.mean[0] = 0.5, t.mean[1] = 0.1307, t.mean[2] = -1.0;
  t.std[0] = 0.25, t.std[1] = 0.3081, t.std[2] = 3.0;
  plan = plan_for (&t, 3, 1, 4);
  g_assert_cmpuint (st_transform_batch_floats (&plan, 2), ==, G_N_ELEMENTS (out));
  st_transform_batch (out, labels, ds, idx, 2, &plan, ST_TRANSFORM_EVAL, NULL);
  g_assert_cmpuint (labels[0], ==, 6);
  g_assert_cmpuint (labels[1], ==, 5);
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 3; c++)
      for (int i = 0; i < 4; i++)
        g_assert_cmpfloat (out[n * 12 + c * 4 + i], ==, expect (values[i], t.mean[c], t.std[c]));
  g_assert_cmpfloat (out[3], ==, expect (255, 0.5, 0.25));

  /* No normalisation: pixel/255. One mean for all channels: broadcast. */
  st_transform_init (&t);
  plan = plan_for (&t, 3, 1, 4);
  st_transform_batch (out, labels, ds, idx, 1, &plan, ST_TRANSFORM_EVAL, NULL);
  g_assert_cmpfloat (out[0], ==, 0.0f);
  g_assert_cmpfloat (out[2], ==, (float) (128 / 255.0));
  g_assert_cmpfloat (out[3], ==, 1.0f);
  t.n_norm = 1;
  t.mean[0] = 0.5;
  t.std[0] = 0.5;
  plan = plan_for (&t, 3, 1, 4);
  st_transform_batch (out, labels, ds, idx, 1, &plan, ST_TRANSFORM_EVAL, NULL);
  g_assert_cmpfloat (out[8], ==, -1.0f);
  g_assert_cmpfloat (out[11], ==, 1.0f);
}

static void
test_transform_bad_settings (void)
{
  StTransform t;
  StTransformPlan plan;
  g_autoptr (GError) error = NULL;

  st_transform_init (&t);
  t.n_norm = 2;
  t.std[0] = t.std[1] = 1.0;
  g_assert_false (st_transform_plan_init (&plan, &t, 3, 28, 28, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "normalize", "3-channel", NULL);

  g_clear_error (&error);
  t.n_norm = 1;
  t.std[0] = 0.0;
  g_assert_false (st_transform_plan_init (&plan, &t, 1, 28, 28, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "normalize", "std", NULL);

  g_clear_error (&error);
  st_transform_init (&t);
  t.rotation = -5;
  g_assert_false (st_transform_plan_init (&plan, &t, 1, 28, 28, &error));
  assert_error (error, ST_DATASET_ERROR_FORMAT, "augment.rotation", NULL);
}

static void
test_transform_flip (void)
{
  g_autoptr (StDataset) ds = one_pixel (2, 3, 4, 0, 1, 255);
  StTransform t;
  StTransformPlan plan;
  StAugmentDraw draw = { .flip = TRUE };
  float out[24];
  int flips = 0;
  StRng rng;

  st_transform_init (&t);
  t.horizontal_flip = TRUE;
  plan = plan_for (&t, 2, 3, 4);
  st_transform_example (out, ds->images, &plan, &draw);
  for (int c = 0; c < 2; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 4; x++)
        g_assert_cmpfloat (out[(c * 3 + y) * 4 + x], ==, x == 3 && y == 1 ? 1.0f : 0.0f);

  /* Half of the draws flip. */
  st_rng_init (&rng, 1);
  for (int i = 0; i < 10000; i++)
    {
      st_transform_draw (&draw, &plan, &rng);
      flips += draw.flip;
      g_assert_cmpint (draw.dx, ==, 0);
      g_assert_cmpfloat (draw.angle, ==, 0.0);
    }
  g_assert_cmpint (flips, >, 4800);
  g_assert_cmpint (flips, <, 5200);
}

static void
test_transform_shift (void)
{
  g_autoptr (StDataset) ds = one_pixel (1, 4, 5, 1, 1, 255);
  StTransform t;
  StTransformPlan plan;
  StAugmentDraw draw = { .dx = 2, .dy = -1 };
  float out[20];
  gboolean seen[5] = { FALSE };
  StRng rng;

  st_transform_init (&t);
  t.n_norm = 1;
  t.mean[0] = 0.5;
  t.std[0] = 0.5;
  plan = plan_for (&t, 1, 4, 5);
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat (out[y * 5 + x], ==, x == 3 && y == 0 ? 1.0f : -1.0f);

  /* Shifted and flipped: (1, 1) → mirror (3, 1) → move (−3, +2) → (0, 3). */
  draw = (StAugmentDraw) { .flip = TRUE, .dx = -3, .dy = 2 };
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat (out[y * 5 + x], ==, x == 0 && y == 3 ? 1.0f : -1.0f);

  /* Moved out of the picture: all fill. */
  draw = (StAugmentDraw) { .dx = 4 };
  st_transform_example (out, ds->images, &plan, &draw);
  for (int i = 0; i < 20; i++)
    g_assert_cmpfloat (out[i], ==, -1.0f);

  /* Crop after padding by 2 moves by −2..2 each way, every value reachable. */
  t.crop_padding = 2;
  plan = plan_for (&t, 1, 4, 5);
  st_rng_init (&rng, 3);
  for (int i = 0; i < 500; i++)
    {
      st_transform_draw (&draw, &plan, &rng);
      g_assert_cmpint (draw.dx, >=, -2);
      g_assert_cmpint (draw.dx, <=, 2);
      g_assert_cmpint (draw.dy, >=, -2);
      g_assert_cmpint (draw.dy, <=, 2);
      seen[draw.dx + 2] = TRUE;
    }
  for (int i = 0; i < 5; i++)
    g_assert_true (seen[i]);
}

static void
test_transform_rotate (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("r", "test", 1, 1, 5, 5, NULL);
  StTransform t;
  StTransformPlan plan;
  StAugmentDraw draw = { 0 };
  float out[25], plain[25];

  for (int i = 0; i < 25; i++)
    ds->images[i] = (guint8) (i * 10);
  st_transform_init (&t);
  t.rotation = 30;
  plan = plan_for (&t, 1, 5, 5);
  st_transform_example (plain, ds->images, &plan, NULL);

  /* Rotation by 0 is the identity, exactly. */
  st_transform_example (out, ds->images, &plan, &draw);
  g_assert_cmpmem (out, sizeof out, plain, sizeof plain);

  /* A full turn goes through the interpolating path and comes back. */
  draw.angle = 360.0;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int i = 0; i < 25; i++)
    g_assert_cmpfloat_with_epsilon (out[i], plain[i], 1e-5);

  /* A quarter turn counter-clockwise: the pixel right of the centre goes above it. */
  memset (ds->images, 0, 25);
  ds->images[2 * 5 + 4] = 255;
  draw.angle = 90.0;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 5 + x], x == 2 && y == 0 ? 1.0f : 0.0f, 1e-5);

  /* Mirrored first: (4, 2) → (0, 2), left of the centre, which the turn takes below it. */
  draw.flip = TRUE;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 5; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 5 + x], x == 2 && y == 4 ? 1.0f : 0.0f, 1e-5);
  draw.flip = FALSE;

  /* An eighth of a turn puts (4, 2) at (2 + √2, 2 − √2), between pixels: output (3, 1)
   * samples the source at (2 + √2, 2), 0.414 of the way to the bright pixel. */
  draw.angle = 45.0;
  st_transform_example (out, ds->images, &plan, &draw);
  for (int i = 0; i < 25; i++)
    {
      g_assert_cmpfloat (out[i], >=, 0.0f);
      g_assert_cmpfloat (out[i], <=, 1.0f);
    }
  g_assert_cmpfloat (out[0 * 5 + 0], ==, 0.0f);
  g_assert_cmpfloat (out[1 * 5 + 3], >, 0.4f);
  g_assert_cmpfloat (out[1 * 5 + 3], <, 0.42f);
}

static void
fill_random (StDataset *ds, guint64 seed)
{
  StRng rng;

  st_rng_init (&rng, seed);
  for (gsize i = 0; i < (gsize) ds->n * st_dataset_example_size (ds); i++)
    ds->images[i] = (guint8) st_rng_below (&rng, 256);
  for (gint64 i = 0; i < ds->n; i++)
    ds->labels[i] = (guint8) st_rng_below (&rng, 10);
  st_dataset_set_classes (ds, 10, NULL);
}

static void
test_transform_deterministic (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("d", "test", 16, 1, 12, 12, NULL);
  StTransform t;
  StTransformPlan plan;
  StRng a, b, c;
  guint32 idx[8];
  gsize floats;
  g_autofree float *out1 = NULL, *out2 = NULL, *out3 = NULL;
  guint8 l1[8], l2[8], l3[8];

  fill_random (ds, 5);
  st_transform_init (&t);
  t.n_norm = 1;
  t.mean[0] = 0.2860;
  t.std[0] = 0.3530;
  t.shift = 2;
  t.rotation = 15;
  t.horizontal_flip = TRUE;
  t.crop_padding = 1;
  plan = plan_for (&t, 1, 12, 12);
  floats = st_transform_batch_floats (&plan, 8);
  out1 = g_new (float, floats);
  out2 = g_new (float, floats);
  out3 = g_new (float, floats);
  for (int i = 0; i < 8; i++)
    idx[i] = 15 - 2 * i;

  st_rng_init (&a, 42);
  st_rng_init (&b, 42);
  st_rng_init (&c, 43);
  st_transform_batch (out1, l1, ds, idx, 8, &plan, ST_TRANSFORM_TRAIN, &a);
  st_transform_batch (out2, l2, ds, idx, 8, &plan, ST_TRANSFORM_TRAIN, &b);
  st_transform_batch (out3, l3, ds, idx, 8, &plan, ST_TRANSFORM_TRAIN, &c);
  g_assert_cmpmem (out1, floats * sizeof (float), out2, floats * sizeof (float));
  g_assert_cmpmem (l1, 8, l2, 8);
  g_assert_cmpmem (l1, 8, l3, 8);
  g_assert_true (memcmp (out1, out3, floats * sizeof (float)) != 0);
  g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
  for (int i = 0; i < 8; i++)
    g_assert_cmpuint (l1[i], ==, ds->labels[idx[i]]);
}

static void
test_transform_eval (void)
{
  g_autoptr (StDataset) ds = st_dataset_new ("e", "test", 4, 3, 6, 6, NULL);
  StTransform t;
  StTransformPlan plan;
  StRng rng, before;
  const guint32 idx[] = { 0, 1, 2, 3 };
  float out[4 * 108];
  guint8 labels[4];

  fill_random (ds, 9);
  st_transform_init (&t);
  t.shift = 3;
  t.rotation = 90;
  t.horizontal_flip = TRUE;
  t.crop_padding = 2;
  plan = plan_for (&t, 3, 6, 6);
  st_rng_init (&rng, 1);
  before = rng;
  st_transform_batch (out, labels, ds, idx, 4, &plan, ST_TRANSFORM_EVAL, &rng);
  g_assert_cmpmem (&rng, sizeof rng, &before, sizeof before);
  for (int i = 0; i < 4 * 108; i++)
    g_assert_cmpfloat (out[i], ==, (float) (ds->images[i] / 255.0));

  /* Training mode with every augmentation off is the same as evaluation. */
  st_transform_init (&t);
  plan = plan_for (&t, 3, 6, 6);
  st_transform_batch (out, labels, ds, idx, 4, &plan, ST_TRANSFORM_TRAIN, &rng);
  g_assert_cmpmem (&rng, sizeof rng, &before, sizeof before);
  for (int i = 0; i < 4 * 108; i++)
    g_assert_cmpfloat (out[i], ==, (float) (ds->images[i] / 255.0));
}

static void
test_transform_epoch_order (void)
{
  guint32 a[1000], b[1000];
  gboolean seen[1000] = { FALSE };
  StRng r1, r2;
  int moved = 0;

  st_rng_init (&r1, 11);
  st_rng_init (&r2, 11);
  st_transform_epoch_order (a, 1000, &r1);
  st_transform_epoch_order (b, 1000, &r2);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  for (int i = 0; i < 1000; i++)
    {
      g_assert_cmpuint (a[i], <, 1000);
      g_assert_false (seen[a[i]]);
      seen[a[i]] = TRUE;
      moved += a[i] != (guint32) i;
    }
  g_assert_cmpint (moved, >, 900);
  /* The next epoch is another order. */
  st_transform_epoch_order (b, 1000, &r1);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
}
int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/transform/normalize", test_transform_normalize);
  g_test_add_func ("/transform/bad-settings", test_transform_bad_settings);
  g_test_add_func ("/transform/flip", test_transform_flip);
  g_test_add_func ("/transform/shift", test_transform_shift);
  g_test_add_func ("/transform/rotate", test_transform_rotate);
  g_test_add_func ("/transform/deterministic", test_transform_deterministic);
  g_test_add_func ("/transform/eval", test_transform_eval);
  g_test_add_func ("/transform/epoch-order", test_transform_epoch_order);

  return g_test_run ();
}
