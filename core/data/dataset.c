/* dataset.c: datasets in memory: making, sharing, subsetting and splitting them. */
#define G_LOG_DOMAIN "strata-dataset"

#include "core/data/dataset.h"
#include "core/io/i18n.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/rng.h"

G_DEFINE_QUARK (st-dataset-error-quark, st_dataset_error)

static const char *const fashion_mnist_classes[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL
};

static const char *const cifar10_classes[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", NULL
};

static const char *const toy_classes[] = { "anti-diagonal", "diagonal", NULL };

const char * const *
st_dataset_fashion_mnist_classes (void)
{
  return fashion_mnist_classes;
}

const char * const *
st_dataset_cifar10_classes (void)
{
  return cifar10_classes;
}

/* "28×28", or "3×32×32" with the channels. */
char *
st_dataset_shape_text (int c, int h, int w, gboolean channels)
{
  return channels ? g_strdup_printf ("%d×%d×%d", c, h, w) : g_strdup_printf ("%d×%d", h, w);
}

/* ---- one dataset --------------------------------------------------------------------- */

StDataset *
st_dataset_new (const char *name, const char *origin, gint64 n, int c, int h, int w,
                GError **error)
{
  g_autoptr (StDataset) ds = NULL;
  g_autofree char *shape = NULL;
  g_autofree char *what = NULL;
  gsize bytes;

  g_return_val_if_fail (name != NULL && origin != NULL, NULL);
  g_return_val_if_fail (n >= 1 && n <= G_MAXUINT32, NULL);
  g_return_val_if_fail (c >= 1 && c <= ST_DATASET_MAX_CHANNELS, NULL);
  g_return_val_if_fail (h >= 1 && h <= ST_DATASET_MAX_SIDE, NULL);
  g_return_val_if_fail (w >= 1 && w <= ST_DATASET_MAX_SIDE, NULL);

  /* Each side is at most 2^14 and the count below 2^32: the total fits in 2^62. */
  shape = st_dataset_shape_text (c, h, w, c != 1);
  what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " image of %s",
                                       "%" PRId64 " images of %s", n), n, shape);
  if (!st_dataset_check_memory (origin, (guint64) n * ((guint64) c * h * w + 1), what, error))
    return NULL;

  ds = g_new0 (StDataset, 1);
  ds->ref_count = 1;
  ds->name = g_strdup (name);
  ds->origin = g_strdup (origin);
  ds->n = n;
  ds->c = c;
  ds->h = h;
  ds->w = w;
  ds->class_names = g_new0 (char *, 1);
  if (!g_size_checked_mul (&bytes, n, (gsize) c * h * w) || bytes > G_MAXSSIZE
      || (ds->images = g_try_malloc0 (bytes)) == NULL
      || (ds->labels = g_try_malloc0 (n)) == NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                   _("%s: %" PRId64 " images of %d×%d×%d do not fit in memory"), origin,
                   n, c, h, w);
      return NULL;
    }
  return g_steal_pointer (&ds);
}

StDataset *
st_dataset_ref (StDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, NULL);

  g_atomic_int_inc (&dataset->ref_count);
  return dataset;
}

void
st_dataset_unref (StDataset *dataset)
{
  if (dataset == NULL || !g_atomic_int_dec_and_test (&dataset->ref_count))
    return;
  g_free (dataset->name);
  g_free (dataset->origin);
  g_free (dataset->images);
  g_free (dataset->labels);
  g_strfreev (dataset->class_names);
  g_free (dataset);
}

void
st_dataset_set_classes (StDataset *dataset, int n_classes, const char * const *names)
{
  g_return_if_fail (dataset != NULL);
  g_return_if_fail (n_classes >= 1 && n_classes <= ST_DATASET_MAX_CLASSES);
  g_return_if_fail (names == NULL || g_strv_length ((char **) names) >= (guint) n_classes);

  g_strfreev (dataset->class_names);
  dataset->n_classes = n_classes;
  dataset->class_names = g_new0 (char *, n_classes + 1);
  for (int i = 0; i < n_classes; i++)
    dataset->class_names[i] = names != NULL ? g_strdup (names[i]) : g_strdup_printf ("%d", i);
}

gsize
st_dataset_example_size (const StDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);

  return (gsize) dataset->c * dataset->h * dataset->w;
}

const guint8 *
st_dataset_image (const StDataset *dataset, gint64 i)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (i >= 0 && i < dataset->n, NULL);

  return dataset->images + (gsize) i * st_dataset_example_size (dataset);
}

gboolean
st_dataset_check_labels (const StDataset *dataset, GError **error)
{
  g_return_val_if_fail (dataset != NULL, FALSE);

  for (gint64 i = 0; i < dataset->n; i++)
    if (dataset->labels[i] >= dataset->n_classes)
      {
        g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                     _("%s: label %u of example %" PRId64 " is out of range (%d classes: "
                       "0 to %d)"), dataset->origin, dataset->labels[i], i, dataset->n_classes,
                     dataset->n_classes - 1);
        return FALSE;
      }
  return TRUE;
}

StDataset *
st_dataset_subset (const StDataset *dataset, const guint32 *idx, gsize n, GError **error)
{
  g_autoptr (StDataset) sub = NULL;
  gsize size;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (idx != NULL && n > 0, NULL);

  sub = st_dataset_new (dataset->name, dataset->origin, n, dataset->c, dataset->h, dataset->w,
                        error);
  if (sub == NULL)
    return NULL;
  size = st_dataset_example_size (dataset);
  for (gsize i = 0; i < n; i++)
    {
      g_return_val_if_fail (idx[i] < dataset->n, NULL);
      memcpy (sub->images + i * size, dataset->images + (gsize) idx[i] * size, size);
      sub->labels[i] = dataset->labels[idx[i]];
    }
  st_dataset_set_classes (sub, dataset->n_classes, (const char * const *) dataset->class_names);
  return g_steal_pointer (&sub);
}

static int
compare_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

gboolean
st_dataset_split (const StDataset *dataset, double train_fraction, guint64 seed,
                  StDataset **train, StDataset **test, GError **error)
{
  g_autofree guint32 *order = NULL;
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  gint64 n_train;
  StRng rng;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  g_return_val_if_fail (train_fraction > 0.0 && train_fraction < 1.0, FALSE);

  if (dataset->n < 2)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: a single example cannot be split into a training and a test set"),
                   dataset->origin);
      return FALSE;
    }
  n_train = CLAMP ((gint64) llround (dataset->n * train_fraction), 1, dataset->n - 1);
  order = g_try_new (guint32, dataset->n);
  if (order == NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                   _("%s: too many examples to split in memory"), dataset->origin);
      return FALSE;
    }
  for (gint64 i = 0; i < dataset->n; i++)
    order[i] = (guint32) i;
  st_rng_init (&rng, seed);
  st_rng_shuffle (&rng, order, dataset->n);
  /* Each part keeps the source's order; only membership is random. */
  qsort (order, n_train, sizeof *order, compare_u32);
  qsort (order + n_train, dataset->n - n_train, sizeof *order, compare_u32);

  a = st_dataset_subset (dataset, order, n_train, error);
  if (a == NULL)
    return FALSE;
  b = st_dataset_subset (dataset, order + n_train, dataset->n - n_train, error);
  if (b == NULL)
    return FALSE;
  *train = g_steal_pointer (&a);
  *test = g_steal_pointer (&b);
  return TRUE;
}

StDataset *
st_dataset_new_toy (void)
{
  StDataset *ds = st_dataset_new ("toy", "built-in", 2, 1, 4, 4, NULL);

  g_assert (ds != NULL);
  for (int i = 0; i < 4; i++)
    {
      ds->images[i * 4 + i] = 255;             /* example 0: main diagonal */
      ds->images[16 + i * 4 + (3 - i)] = 255;  /* example 1: anti-diagonal */
    }
  ds->labels[0] = 1;
  ds->labels[1] = 0;
  st_dataset_set_classes (ds, 2, toy_classes);
  return ds;
}

/* ---- pairs --------------------------------------------------------------------------- */

void
st_dataset_pair_free (StDatasetPair *pair)
{
  if (pair == NULL)
    return;
  st_dataset_unref (pair->train);
  st_dataset_unref (pair->test);
  g_free (pair);
}
