/* test-projection.c: the 2-D projection of a net's features (core/engine/projection.h).
 *
 * The nets here are Flatten → Linear, so the features are the images' normalised pixels
 * and the properties of principal components can be checked on data built for them: images
 * that vary along two known pixel patterns, one much more than the other. */
#include <math.h>
#include <string.h>

#include "core/data/dataset-load.h"
#include "core/data/idx.h"
#include "core/engine/projection.h"
#include "core/ops/rng.h"
#include "core/model/spec-read.h"
#include "dataset-files.h"
#include "test-util.h"

/* side × side images; a = ±40·u1, b = ±12·u2 around grey */
typedef struct {
  char      *dir;
  StSpec    *spec;
  StNet     *net;
  StDatasetPair *data;
  StBackend *backend;
  double    *a;           /* (n_test) each test image's coordinate along u1 */
  double    *b;           /* along u2 */
  int        n_test;
} Set;

/* Flatten → Linear (→ 3 classes); with `hidden`, a Linear of 8 before it, whose output the
 * features then are. */
static char *
model_json (int side, gboolean hidden)
{
  g_autofree char *first = hidden ? g_strdup_printf ("  {\"type\": \"Linear\", \"in_features\": %d,"
                                                     " \"out_features\": 8},", side * side)
                                  : g_strdup ("");

  return g_strdup_printf (
    "{\"format\": \"strata-model/1\", \"name\": \"flat\","
    " \"input\": {\"channels\": 1, \"height\": %d, \"width\": %d},"
    " \"layers\": [{\"type\": \"Flatten\"},%s"
    "  {\"type\": \"Linear\", \"in_features\": %d, \"out_features\": 3}],"
    " \"training\": {\"dataset\": \"mnist\", \"epochs\": 1, \"batch_size\": 16,"
    "  \"loss\": \"CrossEntropyLoss\", \"init\": \"default\", \"seed\": 0,"
    "  \"optimizer\": {\"type\": \"SGD\", \"lr\": 0.1}}}", side, side, first,
    hidden ? 8 : side * side);
}

/* Two orthogonal patterns of ±1: u1 the left half against the right, u2 the top half
 * against the bottom. */
static void
write_set (Set *set, int side, int n_test)
{
  const int d = side * side, n_train = 8;
  g_autofree guint8 *pixels = g_new (guint8, (gsize) MAX (n_test, n_train) * d);
  g_autofree guint8 *labels = g_new0 (guint8, MAX (n_test, n_train));
  guint32 dims[3] = { 0, (guint32) side, (guint32) side };
  StRng rng;

  st_rng_init (&rng, 7);
  set->a = g_new (double, n_test);
  set->b = g_new (double, n_test);
  set->n_test = n_test;
  for (int i = 0; i < n_test; i++)
    {
      double a = 80.0 * (st_rng_uniform (&rng) - 0.5), b = 24.0 * (st_rng_uniform (&rng) - 0.5);

      set->a[i] = a;
      set->b[i] = b;
      labels[i] = (guint8) (i % 3);
      for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
          {
            double u1 = x < side / 2 ? 1.0 : -1.0, u2 = y < side / 2 ? 1.0 : -1.0;

            pixels[i * d + y * side + x] = (guint8) lround (128.0 + a * u1 + b * u2);
          }
    }
  dims[0] = (guint32) n_test;
  write_idx (set->dir, "t10k-images-idx3-ubyte", ST_IDX_MAGIC_IMAGES, 3, dims, pixels,
             (gsize) n_test * d, -1);
  write_idx (set->dir, "t10k-labels-idx1-ubyte", ST_IDX_MAGIC_LABELS, 1, dims, labels,
             n_test, -1);
  dims[0] = (guint32) n_train;
  write_idx (set->dir, "train-images-idx3-ubyte", ST_IDX_MAGIC_IMAGES, 3, dims, pixels,
             (gsize) n_train * d, -1);
  write_idx (set->dir, "train-labels-idx1-ubyte", ST_IDX_MAGIC_LABELS, 1, dims, labels,
             n_train, -1);
}

static void
set_open (Set *set, int side, int n_test, gboolean hidden)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = model_json (side, hidden);
  StBackendStart start = { 0 };
  StRng rng;

  memset (set, 0, sizeof *set);
  set->dir = st_test_make_tmp ("strata-projection-XXXXXX");
  write_set (set, side, n_test);
  set->spec = st_spec_load_from_data (json, -1, "flat", &error);
  g_assert_no_error (error);
  set->net = st_net_compile (set->spec, &error);
  g_assert_no_error (error);
  set->data = st_dataset_pair_load (set->dir, NULL, &error);
  g_assert_no_error (error);
  st_rng_init (&rng, 0);
  start.device = ST_DEVICE_CPU;
  start.net = set->net;
  start.setup.batch_size = 16;
  start.setup.loss = set->spec->training.loss;
  start.setup.optim = set->spec->training.optimizer;
  start.train = set->data->train;
  start.test = set->data->test;
  start.init = set->spec->training.init;
  start.rng = &rng;
  set->backend = st_backend_start (&start, &error);
  g_assert_no_error (error);
}

static void
set_close (Set *set)
{
  g_clear_pointer (&set->backend, st_backend_free);
  g_clear_pointer (&set->data, st_dataset_pair_free);
  g_clear_pointer (&set->net, st_net_free);
  g_clear_pointer (&set->spec, st_spec_free);
  st_test_remove_tree (set->dir);
  g_free (set->dir);
  g_free (set->a);
  g_free (set->b);
}

static double
correlation (const double *x, const float *xy, int stride, int n)
{
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

  for (int i = 0; i < n; i++)
    {
      mx += x[i];
      my += xy[i * stride];
    }
  mx /= n;
  my /= n;
  for (int i = 0; i < n; i++)
    {
      sxy += (x[i] - mx) * (xy[i * stride] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (xy[i * stride] - my) * (xy[i * stride] - my);
    }
  return sxy / sqrt (sxx * syy);
}

static StProjectionData *
measure (StProjection *p, StBackend *backend, int epoch)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) line = g_string_new (NULL);
  StProjectionData *data;

  g_assert_true (st_projection_measure (p, backend, &error));
  g_assert_no_error (error);
  st_projection_append_json (p, epoch, line);
  data = st_projection_data_parse (line->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (data);
  return data;
}

/* The features' two principal components are the patterns the images were built from, in
 * the order of their variance, whether found through the covariance (8×8 images: 64
 * features, 300 images) or through the Gram matrix (12×12: 144 features, 100 images). */
static void
test_components (gconstpointer arg)
{
  const int side = GPOINTER_TO_INT (arg) == 0 ? 8 : 12;
  const int n_test = GPOINTER_TO_INT (arg) == 0 ? 300 : 100;
  g_autoptr (GError) error = NULL;
  g_autoptr (StProjection) p = NULL;
  g_autoptr (StProjectionData) data = NULL;
  double expected1, va = 0, vb = 0, ss1 = 0, ss2 = 0, cross = 0;
  Set set;

  set_open (&set, side, n_test, FALSE);
  p = st_projection_new (set.net, set.data->test, 16, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st_projection_layer (p), ==, "1");   /* what goes into the Linear */
  data = measure (p, set.backend, 1);
  g_assert_cmpint (data->n, ==, n_test);
  g_assert_cmpint (data->features, ==, side * side);
  g_assert_cmpint (data->epoch, ==, 1);
  for (int i = 0; i < n_test; i++)
    g_assert_cmpint (data->labels[i], ==, i % 3);
  /* PC 1 follows a (the larger spread), PC 2 follows b */
  g_assert_cmpfloat (fabs (correlation (set.a, data->xy, 2, n_test)), >, 0.999);
  g_assert_cmpfloat (fabs (correlation (set.b, data->xy + 1, 2, n_test)), >, 0.99);
  /* the two scores are uncorrelated, and PC 1's variance is its share of the total: the
   * pixels vary by a·u1 + b·u2 and a little rounding, so a's share is var a / (var a +
   * var b) up to that rounding */
  for (int i = 0; i < n_test; i++)
    {
      ss1 += (double) data->xy[2 * i] * data->xy[2 * i];
      ss2 += (double) data->xy[2 * i + 1] * data->xy[2 * i + 1];
      cross += (double) data->xy[2 * i] * data->xy[2 * i + 1];
    }
  g_assert_cmpfloat (fabs (cross) / sqrt (ss1 * ss2), <, 1e-3);
  g_assert_cmpfloat (ss1, >, ss2);
  for (int i = 0; i < n_test; i++)
    {
      va += set.a[i] * set.a[i];
      vb += set.b[i] * set.b[i];
    }
  expected1 = va / (va + vb);
  g_test_message ("explained %.4f %.4f, expected about %.4f %.4f", data->explained[0],
                  data->explained[1], expected1, 1 - expected1);
  g_assert_cmpfloat (fabs (data->explained[0] - expected1), <, 0.02);
  g_assert_cmpfloat (data->explained[0] + data->explained[1], <=, 1.0 + 1e-6);
  g_assert_cmpfloat (data->explained[0] + data->explained[1], >, 0.98);
  set_close (&set);
}

/* Measured again, nothing changed: the same picture. Then the features mirrored (the hidden
 * Linear's weights and bias negated): the components' signs follow the previous picture, so
 * it is still the same, not its mirror image. */
static void
test_no_flip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StProjection) p = NULL;
  g_autoptr (StProjectionData) first = NULL, second = NULL, mirrored = NULL;
  g_autofree float *params = NULL;
  gint64 step;
  Set set;

  set_open (&set, 8, 300, TRUE);
  p = st_projection_new (set.net, set.data->test, 16, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st_projection_layer (p), ==, "2");
  first = measure (p, set.backend, 1);
  g_assert_cmpint (first->features, ==, 8);
  second = measure (p, set.backend, 2);
  params = g_new (float, set.net->n_params);
  g_assert_true (st_backend_read_state (set.backend, params, NULL, NULL, &step, &error));
  for (guint t = 0; t < set.net->n_tensors; t++)
    if (g_str_has_prefix (set.net->tensors[t].name, "1."))
      for (gsize i = 0; i < set.net->tensors[t].numel; i++)
        params[set.net->tensors[t].offset + i] *= -1.0f;
  g_assert_true (st_backend_write_state (set.backend, params, NULL, NULL, step, &error));
  g_assert_no_error (error);
  mirrored = measure (p, set.backend, 3);
  for (int i = 0; i < 2 * first->n; i++)
    {
      g_assert_cmpfloat (fabs (first->xy[i] - second->xy[i]),
                         <=, 1e-4 * MAX (1.0, fabs (first->xy[i])));
      g_assert_cmpfloat (fabs (first->xy[i] - mirrored->xy[i]),
                         <=, 1e-3 * MAX (1.0, fabs (first->xy[i])));
    }
  set_close (&set);
}

/* A batch size of one and one larger than the set give the same points. */
static void
test_batch_sizes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StProjection) p1 = NULL, p64 = NULL;
  g_autoptr (StProjectionData) a = NULL, b = NULL;
  Set set;

  set_open (&set, 8, 40, FALSE);
  p1 = st_projection_new (set.net, set.data->test, 1, &error);
  p64 = st_projection_new (set.net, set.data->test, 16, &error);
  g_assert_no_error (error);
  a = measure (p1, set.backend, 1);
  b = measure (p64, set.backend, 1);
  g_assert_cmpint (a->n, ==, 40);
  for (int i = 0; i < 2 * a->n; i++)
    g_assert_cmpfloat (fabs (a->xy[i] - b->xy[i]), <=, 1e-3 * MAX (1.0, fabs (a->xy[i])));
  set_close (&set);
}

/* What the file holds reads back; what does not is refused with a message, and the last
 * whole line of a file cut short is the one read. */
static void
test_read_back (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-projection-file-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "projection.jsonl", NULL);
  g_autofree char *missing = g_build_filename (dir, "none.jsonl", NULL);
  const char *bad[] = {
    "[1, 2]",
    "{\"epoch\": 1}",
    "{\"epoch\": 1, \"points\": [[1, 2]]}",
    "{\"epoch\": 1, \"points\": [[1, \"x\", 0]]}",
    "{\"epoch\": 1, \"points\": [[1, 2, 300]]}",
    "{\"epoch\": 1, \"points\": [[1, 2, -1]]}",
    "{\"epoch\": 1, \"points\": [[1, 2, 0]",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (StProjectionData) data = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (st_projection_data_parse (bad[i], &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_assert_true (g_file_set_contents (path,
                 "{\"epoch\": 1, \"layer\": \"3\", \"features\": 4, \"explained\": [0.5, 0.25],"
                 " \"points\": [[1, 2, 0], [-1.5, 0.25, 9]]}\n"
                 "{\"epoch\": 2, \"layer\": \"3\", \"features\": 4, \"explained\": [0.6, 0.2],"
                 " \"points\": [[3, 4, 1]]}\n"
                 "{\"epoch\": 3, \"layer\": \"3\", \"poi", -1, NULL));
  data = st_projection_data_read_last (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (data->epoch, ==, 2);
  g_assert_cmpint (data->n, ==, 1);
  g_assert_cmpfloat (data->xy[0], ==, 3.0f);
  g_assert_cmpfloat (data->xy[1], ==, 4.0f);
  g_assert_cmpint (data->labels[0], ==, 1);
  g_assert_cmpfloat (data->explained[0], ==, 0.6);
  g_assert_cmpstr (data->layer, ==, "3");
  {
    g_autoptr (StProjectionData) copy = st_projection_data_copy (data);

    g_assert_cmpint (copy->n, ==, 1);
    g_assert_cmpfloat (copy->xy[1], ==, 4.0f);
    g_assert_cmpstr (copy->layer, ==, "3");
  }
  g_assert_null (st_projection_data_read_last (missing, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "\n", -1, NULL));
  g_assert_null (st_projection_data_read_last (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
  st_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  g_setenv ("STRATA_GPU_MODULE_DIR", "/nonexistent", TRUE);

  g_test_add_data_func ("/projection/components/covariance", GINT_TO_POINTER (0),
                        test_components);
  g_test_add_data_func ("/projection/components/gram", GINT_TO_POINTER (1), test_components);
  g_test_add_func ("/projection/no-flip", test_no_flip);
  g_test_add_func ("/projection/batch-sizes", test_batch_sizes);
  g_test_add_func ("/projection/read-back", test_read_back);
  return g_test_run ();
}
