/* test-pytorch-train: `strata-cli export MODEL --pytorch-train DIR`, the training package.
 *
 * Without torch: the package's files, their replacement, and the errors. Where
 * /usr/bin/python3 has torch (Debian's python3-torch): train.py's readers give the bytes and
 * labels Strata's give, for every kind of dataset file (IDX raw and .gz, CSV with its quirks,
 * a CSV pair, CIFAR-10 batches, image folders with PNG files of every colour type, bit depth,
 * filter and interlacing, split at random or in train/ and test/); its augmentation maps
 * images as core/data/transform.c does; lenet5 and mnist-cnn train as two gloo processes on the
 * CPU and `strata-cli evaluate` of the best weights gives the test accuracy train.py
 * reported; and a model with BatchNorm and a batch that two processes cannot split evenly
 * trains the same on one process and on two.
 *
 * The two processes are started here with the env:// variables, as a launcher would: Debian's
 * torchrun 1.13 fails in its elastic agent. The training data are the first examples of
 * Fashion-MNIST and MNIST where they are installed, else generated.
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/data/dataset-load.h"
#include "core/data/transform.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "png-files.h"
#include "test-util.h"

#define PYTHON      ST_TEST_PYTHON
#define RUN_SECONDS 300      /* a training run that takes longer has hung */
#define N_TRAIN     2400     /* training examples written for the runs */
#define N_TEST      2000     /* test examples written for the runs */

static char *dir;

/* ---- helpers ------------------------------------------------------------------------------ */

static char *
path_in (const char *folder, const char *name)
{
  return g_build_filename (folder, name, NULL);
}

static void
write_text (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
make_dir (const char *path)
{
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

/* `strata-cli export MODEL --pytorch-train PKG`, which must succeed. */
static void
export_package (const char *model, const char *pkg)
{
  g_auto (StTestRun) run = { 0 };

  st_test_cli (&run, "export", model, "--pytorch-train", pkg, NULL);
  if (run.status != 0)
    g_test_message ("strata-cli: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
}

/* Runs `python3 -B -c script args...` in `cwd`; its standard output, or NULL on failure. */
static char *
run_python (const char *cwd, const char *script, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int wait = 0;

  g_ptr_array_add (argv, (char *) PYTHON);
  g_ptr_array_add (argv, (char *) "-B");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) script);
  for (const char *const *a = args; a != NULL && *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (cwd, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &wait, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (wait, NULL))
    {
      g_test_fail_printf ("python failed:\n%s%s", out, err);
      g_clear_pointer (&out, g_free);
    }
  return out;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* ---- the package, without torch -------------------------------------------------------- */

static void
test_package (void)
{
  g_autofree char *pkg = g_build_filename (dir, "package", "deeper", "lenet5", NULL);
  g_autofree char *train = path_in (pkg, "train.py");
  g_autofree char *readme = path_in (pkg, "README.txt");
  g_autofree char *model = path_in (pkg, "model.py");
  g_autofree char *json = path_in (pkg, "model.strata.json");
  g_autofree char *a_file = path_in (dir, "a-file");
  g_autofree char *bad = path_in (dir, "bad.strata.json");
  g_autofree char *never = path_in (dir, "never-made");
  g_autofree char *text = NULL;
  g_autofree char *first = NULL;
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (StTestRun) on_file = { 0 };
  g_auto (StTestRun) broken = { 0 };
  g_auto (StTestRun) both = { 0 };
  GStatBuf st;

  if (!st_test_have_cli ())
    return;
  export_package ("lenet5", pkg);
  g_assert_true (g_file_get_contents (train, &first, NULL, NULL));
  g_assert_true (g_str_has_prefix (first, "#!/usr/bin/env python3\n"));
  g_assert_nonnull (strstr (first, "DistributedDataParallel"));
  g_assert_cmpint (g_stat (train, &st), ==, 0);
  g_assert_true (st.st_mode & S_IXUSR);
  g_assert_true (g_file_get_contents (model, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "def build_model():"));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (readme, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "LeNet-5: a training package"));
  g_assert_nonnull (strstr (text, "The recipe's batch, 256, is the global batch."));
  g_assert_nonnull (strstr (text, "torchrun --standalone --nproc_per_node=N train.py"));
  g_assert_nonnull (strstr (text, "SLURM_PROCID"));
  g_assert_null (strstr (text, "@"));
  spec = st_spec_load (json, &error);
  g_assert_no_error (error);
  g_assert_true (spec->has_training);
  g_assert_cmpint (spec->training.batch_size, ==, 256);
  g_assert_cmpstr (spec->training.dataset, ==, "fashion-mnist");

  /* A second export replaces what is there, changed or not. */
  write_text (train, "stale");
  export_package ("lenet5", pkg);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (train, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, first);

  /* The package is a folder: a file of that name is not replaced. */
  write_text (a_file, "mine");
  st_test_cli (&on_file, "export", "lenet5", "--pytorch-train", a_file, NULL);
  g_assert_cmpint (on_file.status, ==, 1);
  g_assert_nonnull (strstr (on_file.err, "a-file"));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (a_file, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "mine");

  /* A model with errors makes nothing. */
  write_text (bad, "{\"format\": \"strata-model/1\", \"input\": {\"channels\": 1, \"height\": "
              "28, \"width\": 28}, \"layers\": [{\"type\": \"Conv2d\", \"out_channels\": 4, "
              "\"kernel_size\": 3}, {\"type\": \"Linear\", \"out_features\": 10}]}");
  st_test_cli (&broken, "export", bad, "--pytorch-train", never, NULL);
  g_assert_cmpint (broken.status, ==, 1);
  g_assert_nonnull (strstr (broken.err, "layer 1 (Linear)"));
  g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));

  /* Both at once: the module and the package. */
  st_test_cli (&both, "export", "mnist-cnn", "--pytorch", "-", "--pytorch-train", pkg, NULL);
  g_assert_cmpint (both.status, ==, 0);
  g_assert_nonnull (strstr (both.out, "def build_model():"));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (readme, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "Simple MNIST CNN: a training package"));
}

/* ---- train.py's readers against Strata's ----------------------------------------------- */

/* For each JSON case of argv[1], train.load_dataset's sets as one line: shapes, SHA-256 of
 * the image bytes and of the labels, and the class count. */
static const char readers_script[] =
  "import hashlib, json, sys\n"
  "import train\n"
  "def digest(t):\n"
  "    return hashlib.sha256(bytes(t.reshape(-1).tolist())).hexdigest()\n"
  "for c in json.loads(sys.argv[1]):\n"
  "    d = train.load_dataset(c['path'], False, c['channels'], tuple(c['size']),\n"
  "                           c['resize'], c['seed'], c['limit'])\n"
  "    print(json.dumps({'train_shape': list(d.train_images.shape),\n"
  "                      'train_images': digest(d.train_images),\n"
  "                      'train_labels': digest(d.train_labels),\n"
  "                      'test_shape': list(d.test_images.shape),\n"
  "                      'test_images': digest(d.test_images),\n"
  "                      'test_labels': digest(d.test_labels),\n"
  "                      'classes': d.n_classes}))\n";

typedef struct {
  const char *name;
  char       *path;
  int         channels;
  int         height, width;   /* with resize */
  gboolean    resize;
  guint64     seed;
  gint64      limit;
} ReaderCase;

static char *
sha256 (const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

static void
check_set (JsonObject *o, const char *which, const StDataset *ds, gint64 n)
{
  g_autofree char *shape_key = g_strdup_printf ("%s_shape", which);
  g_autofree char *images_key = g_strdup_printf ("%s_images", which);
  g_autofree char *labels_key = g_strdup_printf ("%s_labels", which);
  g_autofree char *images = sha256 (ds->images, n * st_dataset_example_size (ds));
  g_autofree char *labels = sha256 (ds->labels, n);
  JsonArray *shape = json_object_get_array_member (o, shape_key);

  g_assert_cmpint (json_array_get_int_element (shape, 0), ==, n);
  g_assert_cmpint (json_array_get_int_element (shape, 1), ==, ds->c);
  g_assert_cmpint (json_array_get_int_element (shape, 2), ==, ds->h);
  g_assert_cmpint (json_array_get_int_element (shape, 3), ==, ds->w);
  g_assert_cmpstr (json_object_get_string_member (o, images_key), ==, images);
  g_assert_cmpstr (json_object_get_string_member (o, labels_key), ==, labels);
}

static void
check_reader (const ReaderCase *c, const char *line)
{
  g_autoptr (JsonObject) o = parse_object (line);
  g_autoptr (StDatasetPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  StDatasetOptions options;
  gint64 n;

  g_test_message ("%s: %s", c->name, line);
  st_dataset_options_init (&options);
  options.seed = c->seed;
  options.channels = c->channels;
  options.max_train_examples = c->limit;
  if (c->resize)
    {
      options.height = c->height;
      options.width = c->width;
      options.fit = ST_IMAGE_FIT_RESIZE;
    }
  pair = st_dataset_pair_load (c->path, &options, &error);
  g_assert_no_error (error);
  /* the trainer's limit: the first examples of the training set, however it was read */
  n = c->limit > 0 ? MIN (pair->train->n, c->limit) : pair->train->n;
  check_set (o, "train", pair->train, n);
  check_set (o, "test", pair->test, pair->test->n);
  g_assert_cmpint (json_object_get_int_member (o, "classes"), ==,
                   MAX (pair->train->n_classes, pair->test->n_classes));
}

/* Takes `path` and gives it back. */
static char *
write_csv (char *path, int n, int side, gboolean quirks, GRand *rand)
{
  g_autoptr (GString) csv = g_string_new (quirks ? "\xef\xbb\xbflabel" : "");

  if (quirks)
    for (int p = 1; p <= side * side; p++)
      g_string_append_printf (csv, ",pixel%d", p);
  if (quirks)
    g_string_append (csv, "\r\n");
  for (int i = 0; i < n; i++)
    {
      g_string_append_printf (csv, quirks && i % 7 == 3 ? "+%d" : "%d",
                              g_rand_int_range (rand, 0, 4));
      for (int p = 0; p < side * side; p++)
        {
          int v = g_rand_int_range (rand, 0, 256);

          g_string_append_printf (csv, quirks && p % 5 == 1 ? ", %d.0 " : ",%d", v);
        }
      g_string_append (csv, quirks ? "\r\n" : "\n");
      if (quirks && i == 10)
        g_string_append (csv, "\r\n   \n");
    }
  write_text (path, csv->str);
  return path;
}

/* Takes `path`. */
static void
write_cifar (char *path, int n, GRand *rand)
{
  g_autofree char *owned = path;
  g_autofree guint8 *data = g_malloc ((gsize) n * 3073);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < (gsize) n * 3073; i++)
    data[i] = i % 3073 == 0 ? g_rand_int_range (rand, 0, 10) : g_rand_int_range (rand, 0, 256);
  g_file_set_contents (path, (const char *) data, (gssize) n * 3073, &error);
  g_assert_no_error (error);
}

/* Class folders a, b, c (and a hidden one, a README, a hidden file) under `root`, with
 * images of every PNG kind; `gray` keeps them all without colour. */
static void
write_image_classes (const char *root, int w, int h, gboolean gray, int per_class, GRand *rand)
{
  static const PngKind kinds[] = {
    { 0, 8, 0 }, { 0, 1, 0 }, { 0, 2, 1 }, { 0, 4, 0 }, { 0, 16, 1 }, { 4, 8, 0 }, { 4, 16, 1 },
    { 2, 8, 0 }, { 2, 16, 0 }, { 2, 8, 1 }, { 3, 1, 0 }, { 3, 2, 1 }, { 3, 4, 0 }, { 3, 8, 1 },
    { 6, 8, 0 }, { 6, 16, 1 },
  };
  const char *const classes[] = { "a", "b", "c" };
  g_autofree char *hidden = g_build_filename (root, ".cache", NULL);
  int k = 0;

  make_dir (hidden);
  for (gsize c = 0; c < G_N_ELEMENTS (classes); c++)
    {
      g_autofree char *folder = g_build_filename (root, classes[c], NULL);
      g_autofree char *readme = path_in (folder, "README.txt");
      g_autofree char *dot = path_in (folder, ".hidden.png");

      make_dir (folder);
      write_text (readme, "not an image");
      write_text (dot, "not read");
      for (int i = 0; i < per_class; i++, k++)
        {
          g_autofree char *name = g_strdup_printf ("img%02d.PNG", i);
          g_autofree char *path = path_in (folder, name);
          const PngKind *kind = &kinds[k % G_N_ELEMENTS (kinds)];

          if (k % 4 == 3 || (gray && (kind->color == 2 || kind->color == 3 || kind->color == 6)))
            st_test_write_pixbuf_png (path, w, h, k % 8 == 7, gray, rand);
          else
            st_test_write_random_png (path, w, h, kind, rand);
        }
    }
}

static void
test_readers (void)
{
  g_autofree char *root = path_in (dir, "readers");
  g_autofree char *pkg = path_in (root, "package");
  g_autofree char *idx = path_in (root, "idx");
  g_autofree char *csv_pair_dir = path_in (root, "csv-pair");
  g_autofree char *cifar = g_build_filename (root, "cifar", "cifar-10-batches-bin", NULL);
  g_autofree char *images = path_in (root, "images");
  g_autofree char *gray = path_in (root, "gray");
  g_autofree char *split = path_in (root, "split");
  g_autofree char *csv = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *labels = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (17);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root_node = NULL;
  g_autofree char *cases_json = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  const char *args[2] = { NULL, NULL };
  ReaderCase cases[9];
  int n_cases = 0;

  if (!st_test_have_cli () || !st_test_need_torch ())
    return;
  make_dir (root);
  export_package ("lenet5", pkg);

  /* IDX: raw and .gz (the training images), 7×7 */
  make_dir (idx);
  pixels = g_malloc (60 * 49);
  labels = g_malloc (60);
  for (int i = 0; i < 60 * 49; i++)
    pixels[i] = g_rand_int_range (rand, 0, 256);
  for (int i = 0; i < 60; i++)
    labels[i] = g_rand_int_range (rand, 0, 7);
  st_test_write_idx (idx, "train", 45, 7, pixels, labels, TRUE);
  st_test_write_idx (idx, "t10k", 15, 7, pixels + 45 * 49, labels + 45, FALSE);
  cases[n_cases++] = (ReaderCase) { "idx", g_strdup (idx), 0, 0, 0, FALSE, 0, 30 };

  /* one CSV file: a byte-order mark, a header, CRLF, blank lines, "+3", " 7.0 "; split */
  csv = write_csv (g_build_filename (root, "one.csv", NULL), 53, 4, TRUE, rand);
  cases[n_cases++] = (ReaderCase) { "csv", g_strdup (csv), 0, 0, 0, FALSE, 5, 0 };
  cases[n_cases++] = (ReaderCase) { "csv-limit", g_strdup (csv), 0, 0, 0, FALSE, 1234, 9 };

  /* a CSV pair */
  make_dir (csv_pair_dir);
  g_free (write_csv (g_build_filename (csv_pair_dir, "mnist_train.csv", NULL), 20, 3, FALSE,
                     rand));
  g_free (write_csv (g_build_filename (csv_pair_dir, "mnist_test.csv", NULL), 8, 3, TRUE, rand));
  cases[n_cases++] = (ReaderCase) { "csv-pair", g_strdup (csv_pair_dir), 0, 0, 0, FALSE, 0, 0 };

  /* CIFAR-10: two training batches, the limit inside the second */
  make_dir (cifar);
  write_cifar (g_build_filename (cifar, "data_batch_1.bin", NULL), 5, rand);
  write_cifar (g_build_filename (cifar, "data_batch_2.bin", NULL), 4, rand);
  write_cifar (g_build_filename (cifar, "test_batch.bin", NULL), 3, rand);
  cases[n_cases++] = (ReaderCase) { "cifar", g_build_filename (root, "cifar", NULL), 0, 0, 0,
                                    FALSE, 0, 7 };

  /* image folders: one set split, read as RGB, as gray, and as the images are */
  make_dir (images);
  write_image_classes (images, 6, 5, FALSE, 11, rand);
  cases[n_cases++] = (ReaderCase) { "images-rgb", g_strdup (images), 3, 0, 0, FALSE, 3, 0 };
  cases[n_cases++] = (ReaderCase) { "images-gray", g_strdup (images), 1, 0, 0, FALSE, 8, 0 };
  make_dir (gray);
  write_image_classes (gray, 5, 6, TRUE, 6, rand);
  cases[n_cases++] = (ReaderCase) { "images-as-they-are", g_strdup (gray), 0, 0, 0, FALSE, 2,
                                    0 };

  /* train/ and test/ folders; the test folder takes the training folder's classes */
  for (int part = 0; part < 2; part++)
    {
      g_autofree char *sub = g_build_filename (split, part == 0 ? "train" : "test", NULL);

      make_dir (sub);
      write_image_classes (sub, 4, 4, FALSE, part == 0 ? 5 : 2, rand);
    }
  cases[n_cases++] = (ReaderCase) { "images-train-test", g_strdup (split), 1, 0, 0, FALSE, 0,
                                    7 };
  g_assert_cmpint (n_cases, <=, (int) G_N_ELEMENTS (cases));

  json_builder_begin_array (builder);
  for (int i = 0; i < n_cases; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, cases[i].path);
      json_builder_set_member_name (builder, "channels");
      json_builder_add_int_value (builder, cases[i].channels);
      json_builder_set_member_name (builder, "size");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, cases[i].height);
      json_builder_add_int_value (builder, cases[i].width);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "resize");
      json_builder_add_boolean_value (builder, cases[i].resize);
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, cases[i].seed);
      json_builder_set_member_name (builder, "limit");
      json_builder_add_int_value (builder, cases[i].limit);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root_node = json_builder_get_root (builder);
  json_generator_set_root (generator, root_node);
  cases_json = json_generator_to_data (generator, NULL);
  args[0] = cases_json;
  out = run_python (pkg, readers_script, args);
  if (out == NULL)
    return;
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_cases);
  for (int i = 0; i < n_cases && lines[i] != NULL; i++)
    check_reader (&cases[i], lines[i]);
  for (int i = 0; i < n_cases; i++)
    g_free (cases[i].path);
}

/* ---- train.py's augmentation against core/data/transform.c --------------------------------- */

typedef struct {
  gboolean flip;
  double   angle;
  int      dx, dy;
} Draw;

static const Draw draws[] = {
  { FALSE, 0.0, 0, 0 }, { TRUE, 0.0, 0, 0 }, { FALSE, 0.0, 2, -1 }, { TRUE, 0.0, -3, 2 },
  { FALSE, 17.3, 0, 0 }, { TRUE, -40.0, 1, 2 }, { FALSE, 180.0, -1, 0 }, { TRUE, 90.0, 0, -4 },
};

/* argv[1]: the images as a list of bytes (N, C, H, W) and the draws; prints the floats. */
static const char transform_script[] =
  "import json, sys, torch\n"
  "import train\n"
  "a = json.loads(sys.argv[1])\n"
  "x = torch.tensor(a['pixels'], dtype=torch.uint8).reshape(a['shape'])\n"
  "t = train.Transform(a['shape'][1], 'cpu', {'mean': a['mean'], 'std': a['std']}, {})\n"
  "d = a['draws']\n"
  "y = t.apply(x, torch.tensor([v[0] for v in d]), torch.tensor([v[1] for v in d]),\n"
  "            torch.tensor([v[2] for v in d]), torch.tensor([v[3] for v in d]))\n"
  "print(json.dumps(y.reshape(-1).tolist()))\n";

static void
test_transform (void)
{
  enum { C = 3, H = 9, W = 8, N = G_N_ELEMENTS (draws) };
  const double mean[C] = { 0.25, 0.5, 0.125 }, std[C] = { 0.5, 0.25, 1.5 };
  g_autofree char *pkg = path_in (dir, "transform-package");
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  g_autoptr (GString) arg = g_string_new ("{\"shape\": [");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  guint8 pixels[N * C * H * W];
  const char *args[2] = { NULL, NULL };
  StTransform settings;
  StTransformPlan plan;
  JsonArray *values;
  double worst = 0.0;

  if (!st_test_have_cli () || !st_test_need_torch ())
    return;
  export_package ("lenet5", pkg);
  for (gsize i = 0; i < sizeof pixels; i++)
    pixels[i] = g_rand_int_range (rand, 0, 256);
  g_string_append_printf (arg, "%d, %d, %d, %d], \"mean\": [0.25, 0.5, 0.125], "
                          "\"std\": [0.5, 0.25, 1.5], \"pixels\": [", N, C, H, W);
  for (gsize i = 0; i < sizeof pixels; i++)
    g_string_append_printf (arg, "%s%d", i > 0 ? ", " : "", pixels[i]);
  g_string_append (arg, "], \"draws\": [");
  for (int i = 0; i < N; i++)
    g_string_append_printf (arg, "%s[%s, %.17g, %d, %d]", i > 0 ? ", " : "",
                            draws[i].flip ? "true" : "false", draws[i].angle, draws[i].dx,
                            draws[i].dy);
  g_string_append (arg, "]}");
  args[0] = arg->str;
  out = run_python (pkg, transform_script, args);
  if (out == NULL)
    return;
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  values = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (values), ==, N * C * H * W);

  st_transform_init (&settings);
  settings.n_norm = C;
  memcpy (settings.mean, mean, sizeof mean);
  memcpy (settings.std, std, sizeof std);
  g_assert_true (st_transform_plan_init (&plan, &settings, C, H, W, &error));
  g_assert_no_error (error);
  for (int i = 0; i < N; i++)
    {
      StAugmentDraw draw = { draws[i].flip, draws[i].angle, draws[i].dx, draws[i].dy };
      float want[C * H * W];

      st_transform_example (want, pixels + i * C * H * W, &plan, &draw);
      for (int j = 0; j < C * H * W; j++)
        {
          double got = json_array_get_double_element (values, i * C * H * W + j);

          /* whole-pixel moves are exact; turns differ only by rounding */
          if (draws[i].angle == 0.0)
            g_assert_cmpfloat (got, ==, want[j]);
          worst = MAX (worst, fabs (got - want[j]));
        }
    }
  g_test_message ("largest difference from core/data/transform.c: %g", worst);
  g_assert_cmpfloat (worst, <, 1e-4);
}

/* ---- training runs ------------------------------------------------------------------------ */

/* The training data of a run: the first examples of the named set where it is installed,
 * else a generated one. */
static char *
data_folder (const char *name)
{
  g_autofree char *folder = g_build_filename (dir, "data", name, NULL);
  g_autoptr (StDatasetPair) pair = NULL;
  StDatasetOptions options;

  if (g_file_test (folder, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&folder);
  make_dir (folder);
  st_dataset_options_init (&options);
  options.max_train_examples = N_TRAIN;
  pair = st_dataset_pair_load (name, &options, NULL);
  if (pair != NULL && pair->train->n >= N_TRAIN && pair->test->n >= N_TEST)
    {
      g_test_message ("%s: the first %d and %d examples of the installed set", name, N_TRAIN,
                      N_TEST);
      st_test_write_idx (folder, "train", N_TRAIN, 28, pair->train->images,
                         pair->train->labels, TRUE);
      st_test_write_idx (folder, "t10k", N_TEST, 28, pair->test->images, pair->test->labels,
                         FALSE);
    }
  else
    {
      g_test_message ("%s is not installed: generated images", name);
      st_test_write_bars (folder, "train", &ST_TEST_BARS_MNIST, N_TRAIN, 3);
      st_test_write_bars (folder, "t10k", &ST_TEST_BARS_MNIST, N_TEST, 4);
    }
  return g_steal_pointer (&folder);
}

/* A port nobody listens on now. */
static int
free_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

typedef struct {
  GMainLoop *loop;
  int        running;
} Waiting;

static void
on_process_exit (GObject *source, GAsyncResult *result, gpointer data)
{
  Waiting *w = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (--w->running == 0)
    g_main_loop_quit (w->loop);
}

static gboolean
on_timeout (gpointer data)
{
  g_main_loop_quit (((Waiting *) data)->loop);
  return G_SOURCE_REMOVE;
}

/* `python3 -B train.py ARGS --out OUT` in `pkg` as `n` processes, the way a launcher starts
 * them (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; one thread each); with n = 1 as a plain
 * process. TRUE when every one of them exits 0; their output is in OUT.RANK.log. */
static gboolean
run_train (const char *pkg, int n, const char *out, const char *const *args)
{
  g_autofree char *port = g_strdup_printf ("%d", free_port ());
  g_autofree char *world = g_strdup_printf ("%d", n);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GSubprocess *procs[8] = { NULL };
  Waiting w = { loop, n };
  gboolean ok = TRUE;
  guint timeout;

  g_assert_cmpint (n, <=, (int) G_N_ELEMENTS (procs));
  for (int r = 0; r < n; r++)
    {
      g_autoptr (GSubprocessLauncher) launcher =
        g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();
      g_autoptr (GError) error = NULL;
      g_autofree char *rank = g_strdup_printf ("%d", r);
      g_autofree char *log = g_strdup_printf ("%s.%d.log", out, r);

      g_subprocess_launcher_set_cwd (launcher, pkg);
      g_subprocess_launcher_set_stdout_file_path (launcher, log);
      g_subprocess_launcher_set_stderr_file_path (launcher, NULL);
      g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
      for (const char *const *v = (const char *const[]) { "RANK", "LOCAL_RANK", "WORLD_SIZE",
                                                           "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                                           "MASTER_PORT", NULL }; *v; v++)
        g_subprocess_launcher_unsetenv (launcher, *v);
      if (n > 1)
        {
          g_subprocess_launcher_setenv (launcher, "RANK", rank, TRUE);
          g_subprocess_launcher_setenv (launcher, "LOCAL_RANK", rank, TRUE);
          g_subprocess_launcher_setenv (launcher, "WORLD_SIZE", world, TRUE);
          g_subprocess_launcher_setenv (launcher, "LOCAL_WORLD_SIZE", world, TRUE);
          g_subprocess_launcher_setenv (launcher, "MASTER_ADDR", "127.0.0.1", TRUE);
          g_subprocess_launcher_setenv (launcher, "MASTER_PORT", port, TRUE);
          g_subprocess_launcher_setenv (launcher, "GLOO_SOCKET_IFNAME", "lo", TRUE);
          g_subprocess_launcher_setenv (launcher, "OMP_NUM_THREADS", "1", TRUE);
        }
      g_ptr_array_add (argv, (char *) PYTHON);
      g_ptr_array_add (argv, (char *) "-B");
      g_ptr_array_add (argv, (char *) "train.py");
      for (const char *const *a = args; *a != NULL; a++)
        g_ptr_array_add (argv, (char *) *a);
      g_ptr_array_add (argv, (char *) "--out");
      g_ptr_array_add (argv, (char *) out);
      g_ptr_array_add (argv, NULL);
      procs[r] = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata,
                                               &error);
      g_assert_no_error (error);
      g_subprocess_wait_async (procs[r], NULL, on_process_exit, &w);
    }
  timeout = g_timeout_add_seconds (RUN_SECONDS, on_timeout, &w);
  g_main_loop_run (loop);
  if (w.running > 0)
    {
      g_test_fail_printf ("train.py ran for more than %d s", RUN_SECONDS);
      for (int r = 0; r < n; r++)
        g_subprocess_force_exit (procs[r]);
      while (w.running > 0)
        g_main_context_iteration (NULL, TRUE);
      ok = FALSE;
    }
  else
    g_source_remove (timeout);
  for (int r = 0; r < n; r++)
    {
      g_autofree char *log = g_strdup_printf ("%s.%d.log", out, r);
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      g_test_message ("process %d of %d:\n%s", r, n, text != NULL ? text : "");
      if (g_subprocess_get_if_signaled (procs[r]))
        g_test_message ("process %d: killed by signal %d", r,
                        g_subprocess_get_term_sig (procs[r]));
      else if (g_subprocess_get_exit_status (procs[r]) != 0)
        g_test_message ("process %d: exit status %d", r,
                        g_subprocess_get_exit_status (procs[r]));
      if (!g_subprocess_get_if_exited (procs[r]) || g_subprocess_get_exit_status (procs[r]) != 0)
        ok = FALSE;
      g_object_unref (procs[r]);
    }
  return ok;
}

/* OUT/metrics.jsonl, one object per epoch with exactly `strata-cli train --json`'s keys. */
static GPtrArray *
read_metrics (const char *out, int epochs)
{
  static const char *const keys[] = { "epoch", "train_loss", "train_acc", "test_loss",
                                      "test_acc", "examples_per_sec", "seconds" };
  g_autofree char *path = path_in (out, "metrics.jsonl");
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_suffix (text, "}\n"));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, epochs);
  for (int i = 0; i < epochs; i++)
    {
      JsonObject *o = parse_object (lines[i]);

      g_assert_cmpuint (json_object_get_size (o), ==, G_N_ELEMENTS (keys));
      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_has_member (o, keys[k]));
      g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, i + 1);
      g_ptr_array_add (metrics, o);
    }
  return metrics;
}

/* The epoch whose weights best.safetensors holds: the first with the best test accuracy. */
static JsonObject *
best_epoch (GPtrArray *metrics)
{
  JsonObject *best = NULL;

  for (guint i = 0; i < metrics->len; i++)
    {
      JsonObject *o = g_ptr_array_index (metrics, i);

      if (best == NULL || json_object_get_double_member (o, "test_acc")
                          > json_object_get_double_member (best, "test_acc"))
        best = o;
    }
  return best;
}

/* `strata-cli evaluate` of OUT/best.safetensors gives the best epoch's test accuracy (to 4
 * digits: the same count of right answers) and its test loss (to rounding). */
static void
check_evaluate (const char *model, const char *out, const char *data, GPtrArray *metrics)
{
  g_autofree char *weights = path_in (out, "best.safetensors");
  JsonObject *best = best_epoch (metrics);
  g_autoptr (JsonObject) eval = NULL;
  g_auto (StTestRun) run = { 0 };
  double acc = json_object_get_double_member (best, "test_acc");
  double loss = json_object_get_double_member (best, "test_loss");

  st_test_cli (&run, "evaluate", model, "--weights", weights, "--dataset", data, "--json",
               NULL);
  if (run.status != 0)
    g_test_message ("strata-cli: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  eval = parse_object (run.out);
  g_test_message ("train.py: test_acc %.6f test_loss %.6f; strata-cli evaluate: %s", acc, loss,
                  run.out);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (eval, "test_acc"), acc, 5e-5);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (eval, "test_loss"), loss,
                                  1e-4 * MAX (1.0, loss));
}

/* Only process 0 writes, and only its two files. */
static void
check_outputs (const char *out)
{
  g_autoptr (GDir) d = g_dir_open (out, 0, NULL);
  const char *name;
  int n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_assert_true (strcmp (name, "metrics.jsonl") == 0
                     || strcmp (name, "best.safetensors") == 0);
      n++;
    }
  g_assert_cmpint (n, ==, 2);
}

/* `strata-cli runs import OUT` makes the package's results a run of the history: its epochs
 * are train.py's, and its weights evaluate as train.py's best epoch did. */
static void
check_import (const char *out, const char *data, GPtrArray *metrics)
{
  g_autofree char *runs = g_build_filename (out, "..", "runs", NULL);
  g_autofree char *run_dir = NULL, *run_model = NULL, *id = NULL;
  g_autoptr (JsonObject) shown = NULL;
  g_auto (StTestRun) imported = { 0 };
  g_auto (StTestRun) list = { 0 };
  g_auto (StTestRun) show = { 0 };
  JsonArray *epochs;
  const char *dir_member;

  st_test_cli (&imported, "runs", "import", out, "--dir", runs, NULL);
  if (imported.status != 0)
    g_test_message ("strata-cli: %s", imported.err);
  g_assert_cmpint (imported.status, ==, 0);
  st_test_cli (&list, "runs", "list", "--json", "--dir", runs, NULL);
  g_assert_cmpint (list.status, ==, 0);
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonArray *all;

    g_assert_true (json_parser_load_from_data (parser, list.out, -1, NULL));
    all = json_node_get_array (json_parser_get_root (parser));
    g_assert_cmpuint (json_array_get_length (all), ==, 1);
    id = g_strdup (json_object_get_string_member (json_array_get_object_element (all, 0), "id"));
  }
  st_test_cli (&show, "runs", "show", "--json", "--dir", runs, id, NULL);
  g_assert_cmpint (show.status, ==, 0);
  shown = parse_object (show.out);
  g_assert_cmpstr (json_object_get_string_member (shown, "source"), ==, "pytorch");
  g_assert_cmpstr (json_object_get_string_member (shown, "status"), ==, "finished");
  epochs = json_object_get_array_member (shown, "epochs");
  g_assert_cmpuint (json_array_get_length (epochs), ==, metrics->len);
  for (guint i = 0; i < metrics->len; i++)
    g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (epochs, i),
                                                      "test_acc"), ==,
                       json_object_get_double_member (g_ptr_array_index (metrics, i),
                                                      "test_acc"));
  dir_member = json_object_get_string_member (shown, "dir");
  run_dir = g_strdup (dir_member);
  run_model = path_in (run_dir, "model.strata.json");
  check_evaluate (run_model, run_dir, data, metrics);
}

/* A preset trained by two processes for two epochs on the start of its dataset. */
static void
two_processes (const char *preset, const char *dataset, const char *limit)
{
  g_autofree char *pkg = g_build_filename (dir, preset, NULL);
  g_autofree char *out = g_build_filename (dir, preset, "out", NULL);
  g_autofree char *model = path_in (pkg, "model.strata.json");
  g_autofree char *data = NULL;
  g_autoptr (GPtrArray) metrics = NULL;
  const char *args[] = { "--data", NULL, "--limit", limit, "--epochs", "2", NULL };

  if (!st_test_have_cli () || !st_test_need_torch ())
    return;
  data = data_folder (dataset);
  args[1] = data;
  export_package (preset, pkg);
  if (!run_train (pkg, 2, out, args))
    {
      g_test_fail_printf ("train.py failed on two processes");
      return;
    }
  check_outputs (out);
  metrics = read_metrics (out, 2);
  check_evaluate (model, out, data, metrics);
  check_import (out, data, metrics);
}

static void
test_lenet5 (void)
{
  two_processes ("lenet5", "fashion-mnist", "2048");
}

static void
test_mnist_cnn (void)
{
  two_processes ("mnist-cnn", "mnist", "2000");
}

/* BatchNorm, a batch of 25 that two processes split 13 + 12, and a last step of one example
 * that leaves process 1 none: one epoch on two processes follows the steps of one process. */
static const char batchnorm_model[] =
  "{\"format\": \"strata-model/1\", \"name\": \"BatchNorm net\","
  " \"input\": {\"channels\": 1, \"height\": 28, \"width\": 28},"
  " \"layers\": ["
  "  {\"type\": \"Conv2d\", \"out_channels\": 6, \"kernel_size\": 5},"
  "  {\"type\": \"BatchNorm2d\", \"momentum\": 0.2},"
  "  {\"type\": \"ReLU\"},"
  "  {\"type\": \"MaxPool2d\", \"kernel_size\": 2},"
  "  {\"type\": \"Conv2d\", \"out_channels\": 8, \"kernel_size\": 5},"
  "  {\"type\": \"BatchNorm2d\"},"
  "  {\"type\": \"ReLU\"},"
  "  {\"type\": \"MaxPool2d\", \"kernel_size\": 2},"
  "  {\"type\": \"Flatten\"},"
  "  {\"type\": \"Linear\", \"out_features\": 10}"
  " ],"
  " \"training\": {\"dataset\": \"fashion-mnist\", \"epochs\": 1, \"batch_size\": 25,"
  "  \"loss\": \"CrossEntropyLoss\", \"init\": \"kaiming_uniform\", \"seed\": 7,"
  "  \"optimizer\": {\"type\": \"Adam\", \"lr\": 0.002},"
  "  \"normalize\": {\"mean\": [0.25], \"std\": [0.5]}}}";

static void
test_global_batch (void)
{
  g_autofree char *model_file = path_in (dir, "batchnorm.strata.json");
  g_autofree char *pkg = path_in (dir, "batchnorm");
  g_autofree char *one = g_build_filename (dir, "batchnorm", "one", NULL);
  g_autofree char *two = g_build_filename (dir, "batchnorm", "two", NULL);
  g_autofree char *model = path_in (pkg, "model.strata.json");
  g_autofree char *data = NULL;
  g_autoptr (GPtrArray) m1 = NULL;
  g_autoptr (GPtrArray) m2 = NULL;
  const char *args[] = { "--data", NULL, "--limit", "1001", NULL };
  const char *const compared[] = { "train_loss", "train_acc", "test_loss", "test_acc" };

  if (!st_test_have_cli () || !st_test_need_torch ())
    return;
  data = data_folder ("fashion-mnist");
  args[1] = data;
  write_text (model_file, batchnorm_model);
  export_package (model_file, pkg);
  if (!run_train (pkg, 1, one, args) || !run_train (pkg, 2, two, args))
    {
      g_test_fail_printf ("train.py failed");
      return;
    }
  m1 = read_metrics (one, 1);
  m2 = read_metrics (two, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (compared); i++)
    {
      double a = json_object_get_double_member (g_ptr_array_index (m1, 0), compared[i]);
      double b = json_object_get_double_member (g_ptr_array_index (m2, 0), compared[i]);

      g_test_message ("%s: one process %.6f, two %.6f", compared[i], a, b);
      g_assert_cmpfloat_with_epsilon (a, b, 2e-3 * MAX (1.0, fabs (a)));
    }
  check_evaluate (model, two, data, m2);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  dir = st_test_make_tmp ("strata-pytorch-train-XXXXXX");

  g_test_add_func ("/pytorch-train/package", test_package);
  g_test_add_func ("/pytorch-train/readers", test_readers);
  g_test_add_func ("/pytorch-train/transform", test_transform);
  g_test_add_func ("/pytorch-train/lenet5", test_lenet5);
  g_test_add_func ("/pytorch-train/mnist-cnn", test_mnist_cnn);
  g_test_add_func ("/pytorch-train/global-batch", test_global_batch);
  status = g_test_run ();
  st_test_remove_tree (dir);
  g_free (dir);
  return status;
}
