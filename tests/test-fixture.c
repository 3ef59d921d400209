/* test-fixture.c: the .stfx reader and the shared weight/input formula.
 *
 * Every fixture in $STRATA_FIXTURE_DIR (tests/fixtures, written by tools/make-fixtures.py) is
 * loaded and checked: header, metadata, the input batch and every parameter's starting values
 * rebuilt bit for bit by the C formula, the sample indices, and the one-step SGD and Adam
 * values against their closed forms. Damaged files (truncated at every length, wrong magic,
 * wrong version, bad records) must fail with an error that names the file.
 */
#define G_LOG_DOMAIN "strata-test"

#include "fixture.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static const char *const presets[] = {
  "lenet5", "lenet-relu", "mnist-cnn", "deep-cnn", "inception", "resnet", "toy", "zoo", NULL,
};

/* The one-step optimizer settings of tools/make-fixtures.py. */
#define SGD_LR 0.1
#define SGD_WEIGHT_DECAY 1e-4
#define ADAM_LR 1e-3
#define ADAM_EPS 1e-8

/* ---- helpers ------------------------------------------------------------------------- */

/* Bit-for-bit equality of two float arrays; reports the first difference and the count. */
static void
expect_same_bits (const char *what, const float *got, const float *want, gsize n)
{
  gsize bad = 0, first = 0;

  for (gsize i = 0; i < n; i++)
    if (memcmp (&got[i], &want[i], sizeof (float)) != 0 && bad++ == 0)
      first = i;
  if (bad != 0)
    {
      g_autofree char *msg = g_strdup_printf ("%s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                                              " values differ; first at %" G_GSIZE_FORMAT
                                              ": C %.9g, PyTorch %.9g", what, bad, n, first,
                                              (double) got[first], (double) want[first]);
      g_test_fail_printf ("%s", msg);
    }
}

static gboolean
all_finite (const float *v, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static void
expect_meta (const char *meta, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
expect_meta (const char *meta, const char *path, const char *fmt, ...)
{
  g_autofree char *needle = NULL;
  va_list ap;

  va_start (ap, fmt);
  needle = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (strstr (meta, needle) == NULL)
    g_test_fail_printf ("%s: meta lacks %s", path, needle);
}

static const char *
fixture_dir (void)
{
  const char *dir = g_getenv ("STRATA_FIXTURE_DIR");

  return dir != NULL && *dir != '\0' ? dir : NULL;
}

/* ---- the formula --------------------------------------------------------------------- */

static void
test_formula_hash (void)
{
  /* Values from tools/make-fixtures.py (and plain Python integers). */
  static const struct { guint64 i; guint32 t; guint32 h; } cases[] = {
    { 0, 0, 1011272156u },
    { 1, 0, 1302547177u },
    { 12345, 7, 4235206484u },
    { 4000000000u, 1000, 3095070u },
    { G_GUINT64_CONSTANT (1099511627779), 65535, 2849292673u },
  };

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    g_assert_cmpuint (st_fixture_hash (cases[k].i, cases[k].t), ==, cases[k].h);
  g_assert_cmpfloat (st_fixture_uniform (0, 0), ==, 1011272156.0 / 4294967296.0);
}

static void
test_formula_weights (void)
{
  /* fill_weights(3, t=5, bound 0.1, offset 1.0) in make-fixtures.py, as exact float32s. */
  static const float want[] = { 1.0481051206588745f, 0.9820959568023682f, 1.0392872095108032f };
  float got[3], plain[3];

  st_fixture_fill_weights_offset (got, 3, 5, 0.1, 1.0);
  expect_same_bits ("offset weights", got, want, 3);

  st_fixture_fill_weights (plain, 3, 5, 0.1);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (fabsf (plain[i]), <=, 0.1f);
      g_assert_cmpfloat (got[i], ==, 1.0f + plain[i]);
    }
  g_assert_cmpfloat (st_fixture_bound (25), ==, 0.2);
}

static void
test_formula_samples (void)
{
  gint64 idx[ST_FIXTURE_MAX_SAMPLES];
  gsize k;

  k = st_fixture_sample_indices (idx, 10);
  g_assert_cmpuint (k, ==, 10);
  for (gsize i = 0; i < k; i++)
    g_assert_cmpint (idx[i], ==, (gint64) i);

  k = st_fixture_sample_indices (idx, 819200);
  g_assert_cmpuint (k, ==, ST_FIXTURE_MAX_SAMPLES);
  g_assert_cmpint (idx[0], ==, 0);
  g_assert_cmpint (idx[k - 1], ==, 819199);
  for (gsize i = 1; i < k; i++)
    g_assert_cmpint (idx[i], >, idx[i - 1]);
}

/* ---- the stored fixtures ------------------------------------------------------------- */

static void
test_presets_present (void)
{
  const char *dir = fixture_dir ();

  if (dir == NULL)
    {
      g_test_skip ("STRATA_FIXTURE_DIR is not set (point it at tests/fixtures)");
      return;
    }
  for (int i = 0; presets[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat (presets[i], ".stfx", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_test_fail_printf ("%s is missing; run /usr/bin/python3 tools/make-fixtures.py", path);
    }
}

static void
check_param (StFixture *fx, const char *path, const char *param, guint t)
{
  g_autofree char *rule_name = g_strconcat (param, ":rule", NULL);
  g_autofree char *shape_name = g_strconcat (param, ":shape", NULL);
  g_autofree char *index_name = g_strconcat (param, ":index", NULL);
  g_autofree char *init_name = g_strconcat (param, ":init", NULL);
  g_autofree char *grad_name = g_strconcat (param, ":grad", NULL);
  g_autofree char *full_name = g_strconcat (param, ":grad_full", NULL);
  g_autofree char *sgd_name = g_strconcat (param, ":sgd", NULL);
  g_autofree char *adam_name = g_strconcat (param, ":adam", NULL);
  g_autofree char *init_full_name = g_strconcat (param, ":init_full", NULL);
  g_autofree char *what = g_strdup_printf ("%s: %s", path, param);
  g_autoptr (GError) error = NULL;
  g_autofree float *weights = NULL;
  g_autofree float *picked = NULL;
  const double *rule;
  const gint64 *shape, *index;
  const float *init, *grad, *sgd, *adam, *full;
  const StFixtureRecord *full_rec;
  gint64 want_index[ST_FIXTURE_MAX_SAMPLES];
  gsize n_rule, rank, k, n;
  gsize numel = 1;

  rule = st_fixture_get_f64 (fx, rule_name, &n_rule, &error);
  g_assert_no_error (error);
  shape = st_fixture_get_i64 (fx, shape_name, &rank, &error);
  g_assert_no_error (error);
  index = st_fixture_get_i64 (fx, index_name, &k, &error);
  g_assert_no_error (error);
  if (rule == NULL || shape == NULL || index == NULL)
    return;
  g_assert_cmpuint (n_rule, ==, 4);
  g_assert_cmpfloat (rule[0], ==, (double) t);
  if (rule[1] > 0)
    g_assert_cmpfloat (rule[2], ==, st_fixture_bound ((gint64) rule[1]));
  for (gsize d = 0; d < rank; d++)
    numel *= (gsize) shape[d];

  g_assert_cmpuint (st_fixture_sample_indices (want_index, numel), ==, k);
  if (k > ST_FIXTURE_MAX_SAMPLES)
    return;
  for (gsize j = 0; j < k; j++)
    g_assert_cmpint (index[j], ==, want_index[j]);

  weights = g_new (float, numel);
  picked = g_new (float, k);
  g_assert_true (st_fixture_fill_param (fx, param, weights, numel, &error));
  g_assert_no_error (error);
  for (gsize j = 0; j < k; j++)
    picked[j] = weights[index[j]];

  init = st_fixture_get_f32 (fx, init_name, &n, &error);
  g_assert_no_error (error);
  if (init != NULL && n == k)
    {
      g_autofree char *msg = g_strconcat (what, " starting values", NULL);
      expect_same_bits (msg, picked, init, k);
    }

  if (t == 0)
    {
      const float *init_full = st_fixture_get_f32 (fx, init_full_name, &n, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, numel);
      if (init_full != NULL && n == numel)
        {
          g_autofree char *msg = g_strconcat (what, " full starting tensor", NULL);
          expect_same_bits (msg, weights, init_full, numel);
        }
    }

  grad = st_fixture_get_f32 (fx, grad_name, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, k);
  sgd = st_fixture_get_f32 (fx, sgd_name, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, k);
  adam = st_fixture_get_f32 (fx, adam_name, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, k);
  if (grad == NULL || sgd == NULL || adam == NULL || init == NULL)
    return;
  g_assert_true (all_finite (grad, k));

  full_rec = st_fixture_lookup (fx, full_name);
  if (numel <= ST_FIXTURE_FULL_GRAD_MAX)
    {
      g_assert_nonnull (full_rec);
      full = st_fixture_get_f32 (fx, full_name, &n, &error);
      g_assert_no_error (error);
      if (full != NULL && n == numel)
        {
          g_autofree char *msg = g_strconcat (what, " sampled vs full gradient", NULL);
          g_autofree float *sampled = g_new (float, k);

          g_assert_cmpint (full_rec->rank, ==, (int) rank);
          for (gsize d = 0; d < rank; d++)
            g_assert_cmpint (full_rec->dims[d], ==, shape[d]);
          for (gsize j = 0; j < k; j++)
            sampled[j] = full[index[j]];
          expect_same_bits (msg, sampled, grad, k);
        }
    }
  else
    g_assert_null (full_rec);

  /* One step from the same start: SGD's first momentum buffer is the decayed gradient
   * itself; Adam's bias-corrected first step is lr * g / (|g| + eps). */
  for (gsize j = 0; j < k; j++)
    {
      double w = init[j], g = grad[j];
      double want_sgd = w - SGD_LR * (g + SGD_WEIGHT_DECAY * w);
      double want_adam = w - ADAM_LR * g / (fabs (g) + ADAM_EPS);

      if (fabs (sgd[j] - want_sgd) > 1e-6 || fabs (adam[j] - want_adam) > 1e-6)
        {
          g_test_fail_printf ("%s[%" G_GINT64_FORMAT "]: w %.9g g %.9g: SGD gives %.9g "
                              "(expected %.9g), Adam %.9g (expected %.9g)", what, index[j], w,
                              g, (double) sgd[j], want_sgd, (double) adam[j], want_adam);
          break;
        }
    }
}

static void
check_fixture (gconstpointer data)
{
  const char *path = data;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *stem = g_strndup (base, strlen (base) - strlen (".stfx"));
  g_autoptr (GError) error = NULL;
  g_autoptr (StFixture) fx = NULL;
  g_auto (GStrv) names = NULL;
  g_autofree float *want_input = NULL;
  g_autofree gint64 *want_labels = NULL;
  const StFixtureRecord *input, *output, *loss, *input_grad, *labels, *mean_rec, *std_rec;
  const char *meta, *spec;
  gsize n_input, n_batch, n_classes, total = 0;

  fx = st_fixture_load (path, &error);
  g_assert_no_error (error);
  if (fx == NULL)
    return;
  g_assert_cmpuint (st_fixture_get_version (fx), ==, ST_FIXTURE_VERSION);
  g_assert_cmpstr (st_fixture_get_origin (fx), ==, path);

  meta = st_fixture_get_meta (fx);
  spec = st_fixture_get_text (fx, "spec", &error);
  g_assert_no_error (error);
  g_assert_nonnull (meta);
  g_assert_nonnull (spec);
  if (meta == NULL || spec == NULL)
    return;
  g_assert_true (spec[0] == '{');
  expect_meta (meta, path, "\"format\": \"strata-fixture/1\"");
  expect_meta (meta, path, "\"preset\": \"%s\"", stem);
  expect_meta (meta, path, "\"mode\": \"train\"");
  expect_meta (meta, path, "\"torch_version\": \"");

  input = st_fixture_lookup (fx, "input");
  output = st_fixture_lookup (fx, "output");
  loss = st_fixture_lookup (fx, "loss");
  input_grad = st_fixture_lookup (fx, "input.grad");
  labels = st_fixture_lookup (fx, "labels");
  g_assert_nonnull (input);
  g_assert_nonnull (output);
  g_assert_nonnull (loss);
  g_assert_nonnull (input_grad);
  g_assert_nonnull (labels);
  if (input == NULL || output == NULL || loss == NULL || input_grad == NULL || labels == NULL)
    return;
  g_assert_cmpint (input->dtype, ==, ST_FIXTURE_F32);
  g_assert_cmpint (input->rank, ==, 4);
  g_assert_cmpint (output->dtype, ==, ST_FIXTURE_F32);
  g_assert_cmpint (output->rank, ==, 2);
  g_assert_cmpint (loss->dtype, ==, ST_FIXTURE_F32);
  g_assert_cmpint (loss->rank, ==, 0);
  g_assert_cmpint (labels->dtype, ==, ST_FIXTURE_I64);
  g_assert_cmpint (input_grad->dtype, ==, ST_FIXTURE_F32);
  if (input->rank != 4 || output->rank != 2 || input->dtype != ST_FIXTURE_F32)
    return;

  n_batch = (gsize) input->dims[0];
  g_assert_cmpuint (n_batch, ==, g_str_equal (stem, "toy") ? 2 : 4);
  expect_meta (meta, path, "\"batch_size\": %" G_GSIZE_FORMAT, n_batch);
  g_assert_cmpint (output->dims[0], ==, input->dims[0]);
  g_assert_cmpint (input_grad->rank, ==, 4);
  for (int d = 0; d < 4 && d < input_grad->rank; d++)
    g_assert_cmpint (input_grad->dims[d], ==, input->dims[d]);
  g_assert_true (all_finite (output->data, output->n_elements));
  g_assert_true (all_finite (input_grad->data, input_grad->n_elements));
  g_assert_true (isfinite (*(const float *) loss->data) && *(const float *) loss->data > 0);

  /* The input batch: the formula, then the preset's normalisation, bit for bit. */
  n_input = input->n_elements;
  want_input = g_new (float, n_input);
  mean_rec = st_fixture_lookup (fx, "normalize:mean");
  std_rec = st_fixture_lookup (fx, "normalize:std");
  g_assert_true ((mean_rec == NULL) == (std_rec == NULL));
  if (mean_rec != NULL && std_rec != NULL)
    {
      g_assert_cmpuint (mean_rec->n_elements, ==, std_rec->n_elements);
      st_fixture_fill_input (want_input, n_input, (int) input->dims[1],
                             (gsize) (input->dims[2] * input->dims[3]), mean_rec->data,
                             std_rec->data, (int) mean_rec->n_elements);
    }
  else
    st_fixture_fill_input (want_input, n_input, (int) input->dims[1],
                           (gsize) (input->dims[2] * input->dims[3]), NULL, NULL, 0);
  {
    g_autofree char *msg = g_strconcat (path, ": input batch", NULL);
    expect_same_bits (msg, want_input, input->data, n_input);
  }

  /* Labels n mod K; BCELoss stores float targets beside them with K = 2. */
  if (st_fixture_lookup (fx, "target") != NULL)
    {
      const float *target = st_fixture_get_f32 (fx, "target", NULL, &error);

      g_assert_no_error (error);
      expect_meta (meta, path, "\"loss\": \"BCELoss\"");
      n_classes = 2;
      for (gsize i = 0; target != NULL && i < n_batch; i++)
        g_assert_cmpfloat (target[i], ==, (float) (i % 2));
    }
  else
    {
      expect_meta (meta, path, "\"loss\": \"CrossEntropyLoss\"");
      n_classes = (gsize) output->dims[1];
    }
  g_assert_cmpuint (labels->n_elements, ==, n_batch);
  want_labels = g_new (gint64, n_batch);
  st_fixture_fill_labels (want_labels, n_batch, (int) n_classes);
  if (labels->n_elements == n_batch)
    for (gsize i = 0; i < n_batch; i++)
      g_assert_cmpint (((const gint64 *) labels->data)[i], ==, want_labels[i]);

  names = st_fixture_dup_param_names (fx, &error);
  g_assert_no_error (error);
  if (names == NULL)
    return;
  g_assert_cmpuint (g_strv_length (names), >, 0);
  for (guint t = 0; names[t] != NULL; t++)
    {
      g_autofree char *shape_name = g_strconcat (names[t], ":shape", NULL);
      const StFixtureRecord *shape = st_fixture_lookup (fx, shape_name);
      gsize numel = 1;

      check_param (fx, path, names[t], t);
      if (shape == NULL)
        continue;
      for (gsize d = 0; d < shape->n_elements; d++)
        numel *= (gsize) ((const gint64 *) shape->data)[d];
      total += numel;
    }
  expect_meta (meta, path, "\"total_params\": %" G_GSIZE_FORMAT, total);
}

/* ---- damaged files ------------------------------------------------------------------- */

typedef struct
{
  const char *magic;           /* NULL: "STFX" */
  guint32 version;             /* 0: the current one */
  guint8 dtype;                /* of record "x"; 0: f32 */
  guint8 rank;                 /* of record "x"; 0: 2 */
  gint64 dim0;                 /* of record "x"; 0: 2 */
  gint64 dim1;                 /* of record "x"; 0: 3 */
  gboolean repeat_name;        /* name the third record "x" too */
  gboolean trailing_byte;
} BuildOptions;

static void
put_u16 (GByteArray *b, guint16 v)
{
  v = GUINT16_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 2);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
put_i64 (GByteArray *b, gint64 v)
{
  guint64 u = GUINT64_TO_LE ((guint64) v);
  g_byte_array_append (b, (const guint8 *) &u, 8);
}

static void
put_header (GByteArray *b, const char *name, guint8 dtype, guint8 rank, const gint64 *dims)
{
  put_u16 (b, (guint16) strlen (name));
  g_byte_array_append (b, (const guint8 *) name, (guint) strlen (name));
  g_byte_array_append (b, &dtype, 1);
  g_byte_array_append (b, &rank, 1);
  for (int d = 0; d < rank; d++)
    put_i64 (b, d < 2 ? dims[d] : 1);
}

/* A small valid file: "meta" (u8 JSON), "x" (f32 2×3 = 0..5), "idx" (i64 (2,) = 7, -1). */
static GByteArray *
build_file (const BuildOptions *o)
{
  static const char meta[] = "{\"format\": \"strata-fixture/1\", \"preset\": \"unit\"}";
  GByteArray *b = g_byte_array_new ();
  gint64 meta_dims[1] = { sizeof meta - 1 };
  gint64 x_dims[2] = { o->dim0 ? o->dim0 : 2, o->dim1 ? o->dim1 : 3 };
  gint64 idx_dims[1] = { 2 };

  g_byte_array_append (b, (const guint8 *) (o->magic ? o->magic : "STFX"), 4);
  put_u32 (b, o->version ? o->version : ST_FIXTURE_VERSION);
  put_u32 (b, 3);
  put_header (b, "meta", ST_FIXTURE_U8, 1, meta_dims);
  g_byte_array_append (b, (const guint8 *) meta, sizeof meta - 1);
  put_header (b, "x", o->dtype ? o->dtype : ST_FIXTURE_F32, o->rank ? o->rank : 2, x_dims);
  for (int i = 0; i < 6; i++)
    {
      float f = (float) i;
      guint32 bits;

      memcpy (&bits, &f, 4);
      put_u32 (b, bits);
    }
  put_header (b, o->repeat_name ? "x" : "idx", ST_FIXTURE_I64, 1, idx_dims);
  put_i64 (b, 7);
  put_i64 (b, -1);
  if (o->trailing_byte)
    g_byte_array_append (b, (const guint8 *) "", 1);
  return b;
}

typedef struct
{
  char *dir;
  char *path;
} Scratch;

static void
scratch_setup (Scratch *s, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  s->dir = g_dir_make_tmp ("strata-fixture-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_nonnull (s->dir);
  s->path = g_build_filename (s->dir, "unit.stfx", NULL);
}

static void
scratch_teardown (Scratch *s, gconstpointer data)
{
  g_unlink (s->path);
  g_rmdir (s->dir);
  g_free (s->path);
  g_free (s->dir);
}

static StFixture *
load_bytes (Scratch *s, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GError) local = NULL;

  g_file_set_contents (s->path, (const char *) data, (gssize) len, &local);
  g_assert_no_error (local);
  return st_fixture_load (s->path, error);
}

/* Loading options o must fail with `code`, in a message that names the file and `word`. */
static void
expect_failure (Scratch *s, const BuildOptions *o, StFixtureError code, const char *word)
{
  g_autoptr (GByteArray) b = build_file (o);
  g_autoptr (GError) error = NULL;
  g_autoptr (StFixture) fx = load_bytes (s, b->data, b->len, &error);

  g_assert_null (fx);
  g_assert_error (error, ST_FIXTURE_ERROR, (gint) code);
  if (error == NULL)
    return;
  g_assert_nonnull (strstr (error->message, s->path));
  if (strstr (error->message, word) == NULL)
    g_test_fail_printf ("\"%s\" does not mention \"%s\"", error->message, word);
  g_test_message ("%s", error->message);
}

static void
test_valid (Scratch *s, gconstpointer data)
{
  BuildOptions o = { 0 };
  g_autoptr (GByteArray) b = build_file (&o);
  g_autoptr (GError) error = NULL;
  g_autoptr (StFixture) fx = load_bytes (s, b->data, b->len, &error);
  const StFixtureRecord *x;
  const float *xf;
  const gint64 *idx;
  gsize n = 0;

  g_assert_no_error (error);
  g_assert_nonnull (fx);
  if (fx == NULL)
    return;
  g_assert_cmpuint (st_fixture_get_n_records (fx), ==, 3);
  g_assert_cmpstr (st_fixture_get_record (fx, 1)->name, ==, "x");
  g_assert_nonnull (strstr (st_fixture_get_meta (fx), "\"preset\": \"unit\""));

  x = st_fixture_lookup (fx, "x");
  g_assert_nonnull (x);
  if (x == NULL)
    return;
  g_assert_cmpint (x->rank, ==, 2);
  g_assert_cmpint (x->dims[0], ==, 2);
  g_assert_cmpint (x->dims[1], ==, 3);
  xf = st_fixture_get_f32 (fx, "x", &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 6);
  for (gsize i = 0; xf != NULL && i < n; i++)
    g_assert_cmpfloat (xf[i], ==, (float) i);
  idx = st_fixture_get_i64 (fx, "idx", &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  if (idx != NULL)
    {
      g_assert_cmpint (idx[0], ==, 7);
      g_assert_cmpint (idx[1], ==, -1);
    }

  g_assert_null (st_fixture_lookup (fx, "nope"));
  g_assert_null (st_fixture_get_f32 (fx, "nope", NULL, &error));
  g_assert_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_null (st_fixture_get_i64 (fx, "x", NULL, &error));
  g_assert_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_MISSING);
  if (error != NULL)
    g_assert_nonnull (strstr (error->message, "f32"));
}

static void
test_truncated (Scratch *s, gconstpointer data)
{
  BuildOptions o = { 0 };
  g_autoptr (GByteArray) b = build_file (&o);

  /* Every proper prefix, including the empty file and one that stops between records. */
  for (guint len = 0; len < b->len; len++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StFixture) fx = load_bytes (s, b->data, len, &error);

      g_assert_null (fx);
      g_assert_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_TRUNCATED);
      if (error == NULL)
        continue;
      g_assert_nonnull (strstr (error->message, s->path));
      g_assert_nonnull (strstr (error->message, "truncated"));
      if (len == b->len - 1)
        g_test_message ("%s", error->message);
    }
}

static void
test_wrong_magic (Scratch *s, gconstpointer data)
{
  BuildOptions o = { .magic = "PK\003\004" };

  expect_failure (s, &o, ST_FIXTURE_ERROR_MAGIC, "STFX");
}

static void
test_wrong_version (Scratch *s, gconstpointer data)
{
  BuildOptions o = { .version = 2 };

  expect_failure (s, &o, ST_FIXTURE_ERROR_VERSION, "version 2");
}

static void
test_bad_records (Scratch *s, gconstpointer data)
{
  BuildOptions dtype = { .dtype = 9 };
  BuildOptions rank = { .rank = 9 };
  BuildOptions negative = { .dim0 = -1 };
  BuildOptions overflow = { .dim0 = G_GINT64_CONSTANT (1) << 40,
                            .dim1 = G_GINT64_CONSTANT (1) << 40 };
  BuildOptions huge = { .dim0 = G_GINT64_CONSTANT (1) << 40, .dim1 = 1 };
  BuildOptions repeat = { .repeat_name = TRUE };
  BuildOptions trailing = { .trailing_byte = TRUE };

  expect_failure (s, &dtype, ST_FIXTURE_ERROR_CORRUPT, "dtype code 9");
  expect_failure (s, &rank, ST_FIXTURE_ERROR_CORRUPT, "rank 9");
  expect_failure (s, &negative, ST_FIXTURE_ERROR_CORRUPT, "\"x\"");
  expect_failure (s, &overflow, ST_FIXTURE_ERROR_CORRUPT, "\"x\"");
  expect_failure (s, &huge, ST_FIXTURE_ERROR_TRUNCATED, "\"x\"");
  expect_failure (s, &repeat, ST_FIXTURE_ERROR_CORRUPT, "repeats the name \"x\"");
  expect_failure (s, &trailing, ST_FIXTURE_ERROR_CORRUPT, "unexpected bytes");
}

static void
test_missing_file (Scratch *s, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StFixture) fx = st_fixture_load (s->path, &error);

  g_assert_null (fx);
  g_assert_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_IO);
  if (error != NULL)
    g_assert_nonnull (strstr (error->message, s->path));
}

/* ---- registration -------------------------------------------------------------------- */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
add_fixture_tests (void)
{
  const char *dir = fixture_dir ();
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return;
  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".stfx"))
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, compare_names);
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *stem = g_strndup (file, strlen (file) - strlen (".stfx"));
      g_autofree char *test_path = g_strconcat ("/fixture/file/", stem, NULL);

      g_test_add_data_func_full (test_path, g_build_filename (dir, file, NULL), check_fixture,
                                 g_free);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/fixture/formula/hash", test_formula_hash);
  g_test_add_func ("/fixture/formula/weights", test_formula_weights);
  g_test_add_func ("/fixture/formula/samples", test_formula_samples);
  g_test_add ("/fixture/read/valid", Scratch, NULL, scratch_setup, test_valid, scratch_teardown);
  g_test_add ("/fixture/read/truncated", Scratch, NULL, scratch_setup, test_truncated,
              scratch_teardown);
  g_test_add ("/fixture/read/wrong-magic", Scratch, NULL, scratch_setup, test_wrong_magic,
              scratch_teardown);
  g_test_add ("/fixture/read/wrong-version", Scratch, NULL, scratch_setup, test_wrong_version,
              scratch_teardown);
  g_test_add ("/fixture/read/bad-records", Scratch, NULL, scratch_setup, test_bad_records,
              scratch_teardown);
  g_test_add ("/fixture/read/missing-file", Scratch, NULL, scratch_setup, test_missing_file,
              scratch_teardown);
  g_test_add_func ("/fixture/presets-present", test_presets_present);
  add_fixture_tests ();
  return g_test_run ();
}
