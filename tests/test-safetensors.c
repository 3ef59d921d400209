/* test-safetensors: weight files round-trip, interoperate with PyTorch, reject every broken
 * header with a message that names the file, and survive a full disk or a kill -9 mid-save.
 *
 * The binary has two helper modes, used by the tests through re-executing itself:
 *   --save-loop PATH FIRST   saves versions FIRST, FIRST+1, ... of a large file forever
 *   --save-once PATH VERSION saves one version and exits (1 with the error on stderr)
 */
#define G_LOG_DOMAIN "strata-test-safetensors"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic-file.h"
#include "core/safetensors.h"
#include "test-util.h"

#define PYTHON ST_TEST_PYTHON

/* The large file of the kill test: 32 MB of data, written in several chunks. */
#define BIG_NUMEL ((gsize) 8 * 1024 * 1024)

static char *self_exe;

/* ---- fixture: a temporary folder, removed afterwards --------------------------------- */

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = st_test_make_tmp ("strata-safetensors-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  st_test_remove_tree (f->dir);
  g_free (f->dir);
}

static char *
path_in (Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The sorted names in the folder, joined by spaces: "a.safetensors" when only it is left. */
static char *
list_folder (Fixture *f)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* Removes the stale temporaries a killed save leaves; returns how many there were. */
static guint
remove_temporaries (Fixture *f)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "."))
      {
        g_autofree char *path = g_build_filename (f->dir, name, NULL);
        g_unlink (path);
        n++;
      }
  return n;
}

static void
write_file (const char *path, const void *data, gsize size)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
}

/* A hand-made file: the length `header_len` (the header's own when 0), the header, then
 * `data_len` bytes of data. */
static void
write_raw (const char *path, const char *header, guint64 header_len, gsize data_len)
{
  GByteArray *bytes = g_byte_array_new ();
  guint64 len_le = GUINT64_TO_LE (header_len != 0 ? header_len : strlen (header));

  g_byte_array_append (bytes, (const guint8 *) &len_le, sizeof len_le);
  g_byte_array_append (bytes, (const guint8 *) header, strlen (header));
  for (gsize i = 0; i < data_len; i++)
    {
      guint8 b = (guint8) (i * 37 + 1);
      g_byte_array_append (bytes, &b, 1);
    }
  write_file (path, bytes->data, bytes->len);
  g_byte_array_unref (bytes);
}

static void
assert_message (const GError *error, const char *path, const char * const *expect)
{
  g_autofree char *prefix = g_strdup_printf ("%s: ", path);

  if (error == NULL)
    return;
  g_test_message ("error: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  for (; expect != NULL && *expect != NULL; expect++)
    if (strstr (error->message, *expect) == NULL)
      g_test_fail_printf ("“%s” is not in the message “%s”", *expect, error->message);
}

/* ---- sample tensors ------------------------------------------------------------------ */

static const struct {
  const char *name;
  int         rank;
  gint64      dims[4];
} lenet[] = {
  { "0.weight", 4, { 6, 1, 5, 5 } },
  { "0.bias", 1, { 6 } },
  { "3.weight", 4, { 16, 6, 5, 5 } },
  { "3.bias", 1, { 16 } },
  { "7.weight", 2, { 120, 400 } },
  { "7.bias", 1, { 120 } },
  { "9.weight", 2, { 84, 120 } },
  { "9.bias", 1, { 84 } },
  { "11.weight", 2, { 10, 84 } },
  { "11.bias", 1, { 10 } },
};
#define N_LENET G_N_ELEMENTS (lenet)

/* The LeNet-5 parameters with made-up values; `store` keeps the data alive. */
static void
make_lenet (StSafetensorsTensor *tensors, GPtrArray *store, float offset)
{
  for (gsize i = 0; i < N_LENET; i++)
    {
      float *data;
      gint64 numel;

      memset (&tensors[i], 0, sizeof tensors[i]);
      tensors[i].name = lenet[i].name;
      tensors[i].rank = lenet[i].rank;
      memcpy (tensors[i].dims, lenet[i].dims, sizeof lenet[i].dims);
      numel = st_safetensors_tensor_numel (&tensors[i]);
      data = g_new (float, numel);
      for (gint64 j = 0; j < numel; j++)
        data[j] = offset + (float) i + (float) ((j * 31) % 97 - 48) / 64.0f;
      tensors[i].data = data;
      g_ptr_array_add (store, data);
    }
}

static float
bits_to_float (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

static guint32
float_to_bits (float f)
{
  guint32 bits;

  memcpy (&bits, &f, sizeof bits);
  return bits;
}

static void
assert_tensor_equal (const StSafetensors *file, const StSafetensorsTensor *want)
{
  int rank = -1;
  gint64 dims[ST_SAFETENSORS_MAX_RANK] = { 0 };
  const float *data = NULL;
  gint64 numel = st_safetensors_tensor_numel (want);

  if (!st_safetensors_get (file, want->name, &rank, dims, &data))
    {
      g_test_fail_printf ("%s is not in the file", want->name);
      return;
    }
  g_assert_cmpint (rank, ==, want->rank);
  g_assert_cmpmem (dims, rank * sizeof dims[0], want->dims, want->rank * sizeof dims[0]);
  if (numel > 0)
    g_assert_cmpmem (data, numel * sizeof (float), want->data, numel * sizeof (float));
}

/* ---- round trip ---------------------------------------------------------------------- */

static void
test_round_trip (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GPtrArray) store = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) second = NULL;
  StSafetensorsTensor tensors[N_LENET + 4];
  /* Bits that must survive untouched: NaN with a payload, -0, infinities, a subnormal. */
  float specials[6] = { bits_to_float (0x7fc01234), -0.0f, INFINITY, -INFINITY,
                        bits_to_float (0x00000001), 1.0f / 3.0f };
  float scalar = 2.5f;
  const guint8 *bytes;
  gsize size;
  guint64 header_len;
  GHashTableIter iter;
  gpointer key, value;

  make_lenet (tensors, store, 0.0f);
  tensors[N_LENET] = (StSafetensorsTensor) { "specials", 2, { 2, 3 }, specials };
  tensors[N_LENET + 1] = (StSafetensorsTensor) { "scalar", 0, { 0 }, &scalar };
  tensors[N_LENET + 2] = (StSafetensorsTensor) { "empty", 2, { 0, 3 }, NULL };
  tensors[N_LENET + 3] = (StSafetensorsTensor) { "größe.值", 1, { 1 }, &scalar };
  g_hash_table_insert (metadata, "format", "pt");
  g_hash_table_insert (metadata, "epoch", "3");
  g_hash_table_insert (metadata, "note", "line\nbreak \"quoted\" 中文");

  st_safetensors_save (path, tensors, G_N_ELEMENTS (tensors), metadata, &error);
  g_assert_no_error (error);
  first = st_test_read_bytes (path);

  /* The layout: length, a header that starts with '{' and is padded to 8 bytes. */
  bytes = g_bytes_get_data (first, &size);
  g_assert_cmpuint (size, >, 8);
  memcpy (&header_len, bytes, 8);
  header_len = GUINT64_FROM_LE (header_len);
  g_assert_cmpuint (header_len % 8, ==, 0);
  g_assert_cmpuint (8 + header_len, <=, size);
  g_assert_cmpint (bytes[8], ==, '{');

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;
  g_assert_cmpuint (st_safetensors_get_n_tensors (file), ==, G_N_ELEMENTS (tensors));
  for (gsize i = 0; i < G_N_ELEMENTS (tensors); i++)
    {
      StSafetensorsTensor nth;

      assert_tensor_equal (file, &tensors[i]);
      /* Data order is the order given. */
      st_safetensors_get_nth (file, i, &nth);
      g_assert_cmpstr (nth.name, ==, tensors[i].name);
    }
  g_assert_true (isnan (specials[0]));
  g_assert_false (st_safetensors_get (file, "nope", NULL, NULL, NULL));
  /* An empty tensor's data is a valid pointer, so copying its 0 floats is defined. */
  {
    const float *empty = NULL;

    g_assert_true (st_safetensors_get (file, "empty", NULL, NULL, &empty));
    g_assert_nonnull (empty);
  }

  g_assert_cmpuint (g_hash_table_size (st_safetensors_get_metadata (file)), ==, 3);
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (st_safetensors_get_metadata_value (file, key), ==, value);
  g_assert_true (st_safetensors_check (file, tensors, G_N_ELEMENTS (tensors), &error));
  g_assert_no_error (error);

  /* Saving the same thing again gives the same bytes, whatever the hash table's order. */
  st_safetensors_save (path, tensors, G_N_ELEMENTS (tensors), metadata, &error);
  g_assert_no_error (error);
  second = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (first, second));
  g_autofree char *listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "w.safetensors");
}

static void
test_round_trip_empty (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "empty.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  g_autoptr (GBytes) bytes = NULL;

  st_safetensors_save (path, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  bytes = st_test_read_bytes (path);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 16);
  g_assert_cmpmem ((const char *) g_bytes_get_data (bytes, NULL) + 8, 8, "{}      ", 8);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;
  g_assert_cmpuint (st_safetensors_get_n_tensors (file), ==, 0);
  g_assert_cmpuint (g_hash_table_size (st_safetensors_get_metadata (file)), ==, 0);
}

/* F16, BF16 and F64 are converted; F32 at an offset that is not a multiple of 4 is copied. */
static void
test_other_dtypes (Fixture *f, gconstpointer unused)
{
  static const guint16 f16[9] = { 0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x8000, 0x3555,
                                  0x7bff, 0x7e00 };
  static const float f16_want[8] = { 1.0f, -2.0f, INFINITY, -INFINITY, 0x1p-24f, -0.0f,
                                     0.333251953125f, 65504.0f };
  static const guint16 bf16[8] = { 0x3f80, 0xc000, 0x7f80, 0x0001, 0x4049, 0x8000, 0x3eab, 0x7fc0 };
  static const double f64[3] = { 0.1, 1e300, -1.5 };
  static const float f32[2] = { 1.25f, -7.0f };
  static const guint16 odd = 0x3c00;
  g_autofree char *path = path_in (f, "dtypes.safetensors");
  const char *header =
    "{\"h\":{\"dtype\":\"F16\",\"shape\":[9],\"data_offsets\":[0,18]},"
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,4],\"data_offsets\":[18,34]},"
    "\"odd\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[34,36]},"
    "\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[36,60]},"
    "\"odd2\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[60,62]},"
    "\"u\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[62,70]}}";
  guint8 data[70];
  GByteArray *bytes = g_byte_array_new ();
  guint64 len_le = GUINT64_TO_LE (strlen (header));
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  const float *out = NULL;
  int rank = 0;
  gint64 dims[ST_SAFETENSORS_MAX_RANK];

  memcpy (data, f16, 18);
  memcpy (data + 18, bf16, 16);
  memcpy (data + 34, &odd, 2);
  memcpy (data + 36, f64, 24);
  memcpy (data + 60, &odd, 2);
  memcpy (data + 62, f32, 8);
  g_byte_array_append (bytes, (const guint8 *) &len_le, 8);
  g_byte_array_append (bytes, (const guint8 *) header, strlen (header));
  g_byte_array_append (bytes, data, sizeof data);
  write_file (path, bytes->data, bytes->len);
  g_byte_array_unref (bytes);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;

  g_assert_true (st_safetensors_get (file, "h", &rank, dims, &out));
  g_assert_cmpint (rank, ==, 1);
  g_assert_cmpmem (out, sizeof f16_want, f16_want, sizeof f16_want);
  g_assert_true (isnan (out[8]));

  g_assert_true (st_safetensors_get (file, "b", &rank, dims, &out));
  g_assert_cmpint (rank, ==, 2);
  g_assert_cmpint (dims[0], ==, 2);
  g_assert_cmpint (dims[1], ==, 4);
  for (int i = 0; i < 7; i++)
    g_assert_cmphex (float_to_bits (out[i]), ==, (guint32) bf16[i] << 16);
  g_assert_true (isnan (out[7]));

  g_assert_true (st_safetensors_get (file, "d", &rank, dims, &out));
  g_assert_cmpfloat (out[0], ==, (float) 0.1);
  g_assert_true (isinf (out[1]) && out[1] > 0);
  g_assert_cmpfloat (out[2], ==, -1.5f);

  g_assert_true (st_safetensors_get (file, "odd2", &rank, dims, &out));
  g_assert_cmpint (rank, ==, 0);
  g_assert_cmpfloat (out[0], ==, 1.0f);

  g_assert_true (st_safetensors_get (file, "u", &rank, dims, &out));
  g_assert_cmpmem (out, sizeof f32, f32, sizeof f32);
}

/* ---- interoperability with PyTorch --------------------------------------------------- */

/* Runs a Python script with two arguments; its stdout is returned, failure fails the test. */
static char *
run_python (const char *script, const char *arg1, const char *arg2)
{
  const char *argv[] = { PYTHON, "-c", script, arg1, arg2, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (error == NULL && !g_spawn_check_wait_status (status, NULL))
    g_test_fail_printf ("python failed:\n%s%s", out != NULL ? out : "", err != NULL ? err : "");
  return out;
}

/* The LeNet-5 of the course as torch.nn.Sequential, shared by both scripts. */
#define PY_LENET \
  "def lenet():\n" \
  "    nn = torch.nn\n" \
  "    return nn.Sequential(\n" \
  "        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),\n" \
  "        nn.AvgPool2d(kernel_size=2, stride=2),\n" \
  "        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),\n" \
  "        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),\n" \
  "        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),\n" \
  "        nn.Linear(120, 84), nn.Sigmoid(),\n" \
  "        nn.Linear(84, 10))\n" \

/* Writes argv[1] as the safetensors library would (metadata, then tensors sorted by
 * alignment and name, header padded with spaces), with the header's keys in another order
 * than the data, and argv[2]: every tensor's shape and float32 bits as Strata should read
 * them. The python3-safetensors package is not in Debian, hence the hand-written writer. */
static const char py_write[] =
  "import json, struct, sys\n"
  "import torch\n"
  PY_LENET
  "torch.manual_seed(0)\n"
  "tensors = {k: v.detach().contiguous() for k, v in lenet().state_dict().items()}\n"
  "x = torch.tensor([1.0, -2.0, 0.1, 65504.0, 2.0 ** -24, float('inf'), -0.0, 1.0 / 3.0])\n"
  "tensors['half.f16'] = x.to(torch.float16)\n"
  "tensors['half.bf16'] = x.to(torch.bfloat16)\n"
  "tensors['half.f64'] = x.to(torch.float64) * 1.0000001\n"
  "tensors['scalar'] = torch.tensor(3.5)\n"
  "DTYPES = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16',\n"
  "          torch.bfloat16: 'BF16'}\n"
  "def raw(t):\n"
  "    if t.dtype in (torch.float16, torch.bfloat16):\n"
  "        t = t.view(torch.int16)\n"
  "    return t.numpy().tobytes()\n"
  "order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))\n"
  "entries, blobs, offset = {}, [], 0\n"
  "for k in order:\n"
  "    b = raw(tensors[k])\n"
  "    entries[k] = {'dtype': DTYPES[tensors[k].dtype], 'shape': list(tensors[k].shape),\n"
  "                  'data_offsets': [offset, offset + len(b)]}\n"
  "    blobs.append(b)\n"
  "    offset += len(b)\n"
  "header = {'__metadata__': {'format': 'pt', 'torch': torch.__version__}}\n"
  "for k in reversed(order):\n"
  "    header[k] = entries[k]\n"
  "text = json.dumps(header, separators=(',', ':')).encode()\n"
  "text += b' ' * (-len(text) % 8)\n"
  "with open(sys.argv[1], 'wb') as f:\n"
  "    f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))\n"
  "want = {k: {'shape': list(t.shape),\n"
  "            'bits': t.to(torch.float32).flatten().view(torch.int32).tolist()}\n"
  "        for k, t in tensors.items()}\n"
  "with open(sys.argv[2], 'w') as f:\n"
  "    json.dump(want, f)\n";

/* Reads the file Strata wrote (argv[1]) with nothing but struct, json and
 * torch.frombuffer, checks the layout rules, compares every tensor with argv[2] bit for
 * bit, and loads it into the LeNet-5 with load_state_dict (strict). When the safetensors
 * package happens to be installed, its load_file must agree too. */
static const char py_read[] =
  "import json, struct, sys\n"
  "import torch\n"
  PY_LENET
  "data = open(sys.argv[1], 'rb').read()\n"
  "(n,) = struct.unpack('<Q', data[:8])\n"
  "assert (8 + n) % 8 == 0, 'header not padded'\n"
  "header = json.loads(data[8:8 + n].decode('utf-8'))\n"
  "meta = header.pop('__metadata__', {})\n"
  "buf = bytearray(data[8 + n:])\n"
  "pos = 0\n"
  "for b, e in sorted(tuple(v['data_offsets']) for v in header.values()):\n"
  "    assert b == pos, 'hole or overlap'\n"
  "    pos = e\n"
  "assert pos == len(buf), 'trailing bytes'\n"
  "state = {}\n"
  "for k, v in header.items():\n"
  "    assert v['dtype'] == 'F32', v\n"
  "    b, e = v['data_offsets']\n"
  "    t = torch.frombuffer(buf, dtype=torch.float32, offset=b, count=(e - b) // 4)\n"
  "    state[k] = t.reshape(v['shape'])\n"
  "want = json.load(open(sys.argv[2]))\n"
  "assert sorted(want) == sorted(state), (sorted(want), sorted(state))\n"
  "for k, w in want.items():\n"
  "    assert list(state[k].shape) == w['shape'], k\n"
  "    assert state[k].flatten().view(torch.int32).tolist() == w['bits'], k\n"
  "assert meta == {'format': 'pt', 'epoch': '7'}, meta\n"
  "net = lenet()\n"
  "net.load_state_dict(state)\n"
  "y = net(torch.zeros(2, 1, 28, 28))\n"
  "assert y.shape == (2, 10)\n"
  "try:\n"
  "    from safetensors.torch import load_file\n"
  "except ImportError:\n"
  "    print('safetensors package: missing')\n"
  "else:\n"
  "    lib = load_file(sys.argv[1])\n"
  "    assert all(torch.equal(lib[k], state[k]) for k in state)\n"
  "    print('safetensors package: agrees')\n"
  "print('ok', len(state))\n";

static void
test_from_python (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "torch.safetensors");
  g_autofree char *want_path = path_in (f, "want.json");
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  g_autoptr (GList) names = NULL;
  StSafetensorsTensor expected[N_LENET];
  JsonObject *want;

  if (!st_test_python_has_torch ())
    {
      g_test_skip ("needs " PYTHON " with torch (Debian's python3-torch)");
      return;
    }
  out = run_python (py_write, path, want_path);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  json_parser_load_from_file (parser, want_path, &error);
  g_assert_no_error (error);
  if (file == NULL || error != NULL)
    return;
  g_assert_cmpstr (st_safetensors_get_metadata_value (file, "format"), ==, "pt");

  want = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (st_safetensors_get_n_tensors (file), ==, json_object_get_size (want));
  names = json_object_get_members (want);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *w = json_object_get_object_member (want, l->data);
      JsonArray *shape = json_object_get_array_member (w, "shape");
      JsonArray *bits = json_object_get_array_member (w, "bits");
      int rank = -1;
      gint64 dims[ST_SAFETENSORS_MAX_RANK];
      const float *data = NULL;

      if (!st_safetensors_get (file, l->data, &rank, dims, &data))
        {
          g_test_fail_printf ("%s is not in the file", (const char *) l->data);
          continue;
        }
      g_assert_cmpint (rank, ==, json_array_get_length (shape));
      for (int d = 0; d < rank; d++)
        g_assert_cmpint (dims[d], ==, json_array_get_int_element (shape, d));
      for (guint i = 0; i < json_array_get_length (bits); i++)
        if (float_to_bits (data[i]) != (guint32) json_array_get_int_element (bits, i))
          {
            g_test_fail_printf ("%s[%u] is %08x, PyTorch says %08x", (const char *) l->data, i,
                                float_to_bits (data[i]),
                                (guint32) json_array_get_int_element (bits, i));
            break;
          }
    }

  /* The LeNet-5 parameters are all there; the half-precision extras are not the model's. */
  for (gsize i = 0; i < N_LENET; i++)
    {
      expected[i] = (StSafetensorsTensor) { lenet[i].name, lenet[i].rank, { 0 }, NULL };
      memcpy (expected[i].dims, lenet[i].dims, sizeof lenet[i].dims);
    }
  g_assert_false (st_safetensors_check (file, expected, N_LENET, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_MISMATCH);
  assert_message (error, path, (const char *[]) { "half.f64 is in the file but not in the model",
                                                  NULL });
}

static void
test_to_python (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "strata.safetensors");
  g_autofree char *want_path = path_in (f, "want.json");
  g_autoptr (GPtrArray) store = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) want = g_string_new ("{");
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  StSafetensorsTensor tensors[N_LENET];

  if (!st_test_python_has_torch ())
    {
      g_test_skip ("needs " PYTHON " with torch (Debian's python3-torch)");
      return;
    }

  make_lenet (tensors, store, -3.0f);
  g_hash_table_insert (metadata, "format", "pt");
  g_hash_table_insert (metadata, "epoch", "7");
  st_safetensors_save (path, tensors, N_LENET, metadata, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < N_LENET; i++)
    {
      gint64 numel = st_safetensors_tensor_numel (&tensors[i]);

      g_string_append_printf (want, "%s\"%s\": {\"shape\": [", i > 0 ? ", " : "",
                              tensors[i].name);
      for (int d = 0; d < tensors[i].rank; d++)
        g_string_append_printf (want, "%s%" G_GINT64_FORMAT, d > 0 ? ", " : "",
                                tensors[i].dims[d]);
      g_string_append (want, "], \"bits\": [");
      for (gint64 j = 0; j < numel; j++)
        g_string_append_printf (want, "%s%d", j > 0 ? "," : "",
                                (gint32) float_to_bits (tensors[i].data[j]));
      g_string_append (want, "]}");
    }
  g_string_append (want, "}");
  write_file (want_path, want->str, want->len);

  out = run_python (py_read, path, want_path);
  g_test_message ("python: %s", out != NULL ? out : "(nothing)");
  g_assert_nonnull (out);
  if (out != NULL)
    g_assert_nonnull (strstr (out, "ok 10"));
}

/* ---- bad files ----------------------------------------------------------------------- */

typedef struct {
  const char *test;
  const char *header;        /* NULL: the file is the `raw_len` bytes of `raw` */
  guint64     header_len;    /* the length written, 0 for the header's own */
  gsize       data_len;
  const char *raw;
  gsize       raw_len;
  int         code;
  const char *expect[3];     /* words the message must contain */
} BadCase;

#define F32_A "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"

static const BadCase bad_cases[] = {
  { "empty-file", NULL, 0, 0, "", 0, ST_SAFETENSORS_ERROR_INVALID,
    { "0 bytes long", "8-byte header length" } },
  { "truncated-length", NULL, 0, 0, "\x10\x00\x00", 3, ST_SAFETENSORS_ERROR_INVALID,
    { "3 bytes long", "too short" } },
  { "length-past-end", "{}", 1000, 0, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "header length 1000", "larger than the rest of the file (2 bytes)" } },
  { "length-over-limit", "{}", 200000000, 0, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "header length 200000000", "over the limit" } },
  { "invalid-json", "{\"a\": {\"dtype\": \"F32\",", 0, 0, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "not valid JSON" } },
  { "not-utf8", "{\"\xff\xfe\": 1}", 0, 0, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "not valid UTF-8" } },
  { "not-object", "[1, 2, 3]", 0, 0, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "not a JSON object" } },
  { "entry-not-object", "{\"a\": 5}", 0, 0, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "entry of a is not an object" } },
  { "missing-dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 8, NULL, 0,
    ST_SAFETENSORS_ERROR_INVALID, { "a has no dtype" } },
  { "missing-shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 0, 8, NULL, 0,
    ST_SAFETENSORS_ERROR_INVALID, { "a has no shape" } },
  { "missing-data-offsets", "{\"3.weight\":{\"dtype\":\"F32\",\"shape\":[2]}}", 0, 8, NULL, 0,
    ST_SAFETENSORS_ERROR_INVALID, { "3.weight has no data_offsets" } },
  { "dtype-not-string", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "dtype of a is not a string" } },
  { "unknown-dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "a has an unknown dtype \"F33\"" } },
  { "unsupported-dtype",
    "{\"1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_UNSUPPORTED,
    { "1.num_batches_tracked has dtype I64", "cannot read" } },
  { "shape-not-array", "{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "shape of a is not an array" } },
  { "shape-negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "shape of a", "non-negative integers" } },
  { "shape-fraction", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "shape of a", "non-negative integers" } },
  { "shape-huge-number",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[18446744073709551617],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "shape of a", "non-negative integers" } },
  { "rank-too-large",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "a has 9 dimensions" } },
  { "shape-overflow",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,8]}}",
    0, 8, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "a has shape [4294967296, 4294967296, 16]", "element count overflows" } },
  { "bytes-overflow",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,2],\"data_offsets\":[0,8]}}",
    0, 8, NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "size in bytes overflows" } },
  { "offsets-one-number", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "data_offsets of a are not two" } },
  { "offsets-negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "data_offsets of a are not two" } },
  { "offsets-reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "data_offsets of a end before they begin" } },
  { "offsets-out-of-range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 0,
    8, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "data_offsets of a, [0, 16], reach past the end of the data (8 bytes)" } },
  { "size-mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "a has shape [3] of F32, which needs 12 bytes", "hold 8" } },
  { "overlap",
    "{" F32_A ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 0, 12,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "a and b overlap", "bytes 4 to 8" } },
  { "same-offsets",
    "{" F32_A ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 8,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "a and b overlap" } },
  { "hole",
    "{" F32_A ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 0, 20,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "bytes 8 to 12 of the data belong to no tensor" } },
  { "hole-at-start", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 0, 12,
    NULL, 0, ST_SAFETENSORS_ERROR_INVALID, { "bytes 0 to 4 of the data belong to no tensor" } },
  { "trailing-bytes", "{" F32_A "}", 0, 12, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "last 4 bytes of the data belong to no tensor" } },
  { "metadata-not-string", "{\"__metadata__\":{\"epoch\":3}," F32_A "}", 0, 8, NULL, 0,
    ST_SAFETENSORS_ERROR_INVALID, { "value of \"epoch\" is not a string" } },
  { "metadata-not-object", "{\"__metadata__\":[\"pt\"]," F32_A "}", 0, 8, NULL, 0,
    ST_SAFETENSORS_ERROR_INVALID, { "__metadata__ must be an object of strings" } },
  { "duplicate-name", "{" F32_A "," F32_A "}", 0, 8, NULL, 0, ST_SAFETENSORS_ERROR_INVALID,
    { "names \"a\" twice" } },
};

static void
test_bad (Fixture *f, gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *path = path_in (f, "bad.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;

  if (c->header != NULL)
    write_raw (path, c->header, c->header_len, c->data_len);
  else
    write_file (path, c->raw, c->raw_len);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_null (file);
  g_assert_error (error, ST_SAFETENSORS_ERROR, c->code);
  assert_message (error, path, c->expect);
}

static void
test_bad_missing_file (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "nowhere.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);

  g_assert_null (file);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_message (error, path, (const char *[]) { "No such file", NULL });
}

static void
test_skip_unsupported (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "bn.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  StSafetensorsTensor expected = { "a", 1, { 2 }, NULL };

  write_raw (path, "{" F32_A ",\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}", 0,
             16);
  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;
  g_assert_cmpuint (st_safetensors_get_n_tensors (file), ==, 1);
  g_assert_false (st_safetensors_get (file, "n", NULL, NULL, NULL));
  g_assert_true (st_safetensors_check (file, &expected, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&file, st_safetensors_free);

  /* Skipping does not relax the layout rules. */
  write_raw (path, "{" F32_A ",\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}", 0,
             20);
  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED, &error);
  g_assert_null (file);
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID);
}

/* ---- bad tensor lists on save -------------------------------------------------------- */

static void
test_bad_save (Fixture *f, gconstpointer unused)
{
  static const float data[4] = { 1, 2, 3, 4 };
  static const struct {
    StSafetensorsTensor tensors[2];
    const char *expect;
  } cases[] = {
    { { { "3.weight", 1, { 4 }, data }, { "3.weight", 1, { 2 }, data } },
      "two tensors are named 3.weight" },
    { { { "__metadata__", 1, { 4 }, data }, { "b", 1, { 2 }, data } }, "reserves" },
    { { { "", 1, { 4 }, data }, { "b", 1, { 2 }, data } }, "tensor #0 has no name" },
    { { { "a", 1, { 4 }, data }, { "b\xff", 1, { 2 }, data } }, "tensor #1" },
    { { { "a", 9, { 4 }, data }, { "b", 1, { 2 }, data } }, "a has rank 9" },
    { { { "a", 2, { 4, -1 }, data }, { "b", 1, { 2 }, data } }, "a has shape [4, -1]" },
    { { { "a", 3, { G_MAXINT64, G_MAXINT64, 2 }, data }, { "b", 1, { 2 }, data } },
      "too large" },
    { { { "a", 1, { 4 }, data }, { "b", 1, { 2 }, NULL } }, "b has no data" },
  };
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (GError) error = NULL;
  StSafetensorsTensor good = { "good", 1, { 4 }, data };

  st_safetensors_save (path, &good, 1, NULL, &error);
  g_assert_no_error (error);
  before = st_test_read_bytes (path);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_false (st_safetensors_save (path, cases[i].tensors, 2, NULL, &error));
      g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_ARGUMENT);
      assert_message (error, path, (const char *[]) { cases[i].expect, NULL });
      g_clear_error (&error);
    }

  after = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  g_autofree char *listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "w.safetensors");
}

/* ---- checking against the model ------------------------------------------------------ */

static void
test_check (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "lenet.safetensors");
  g_autoptr (GPtrArray) store = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  StSafetensorsTensor tensors[N_LENET];
  StSafetensorsTensor model[N_LENET + 1];

  make_lenet (tensors, store, 0.0f);
  st_safetensors_save (path, tensors, N_LENET, NULL, &error);
  g_assert_no_error (error);
  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  if (file == NULL)
    return;

  memcpy (model, tensors, sizeof tensors);
  g_assert_true (st_safetensors_check (file, model, N_LENET, &error));
  g_assert_no_error (error);

  /* The model has an input channel more than the file: a wrong shape. */
  model[2].dims[1] = 3;
  g_assert_false (st_safetensors_check (file, model, N_LENET, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_MISMATCH);
  assert_message (error, path, (const char *[]) {
    "3.weight has shape [16, 6, 5, 5] in the file but the model needs [16, 3, 5, 5]", NULL });
  g_clear_error (&error);
  model[2].dims[1] = 6;

  /* A rank that differs is a wrong shape too. */
  model[4].rank = 1;
  model[4].dims[0] = 48000;
  g_assert_false (st_safetensors_check (file, model, N_LENET, &error));
  assert_message (error, path, (const char *[]) {
    "7.weight has shape [120, 400] in the file but the model needs [48000]", NULL });
  g_clear_error (&error);
  model[4] = tensors[4];

  /* The model has a layer the file lacks. */
  model[N_LENET] = (StSafetensorsTensor) { "12.weight", 2, { 10, 10 }, NULL };
  g_assert_false (st_safetensors_check (file, model, N_LENET + 1, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_MISMATCH);
  assert_message (error, path, (const char *[]) { "12.weight is missing", NULL });
  g_clear_error (&error);

  /* The file has a tensor the model lacks: the first problem is the missing 3.weight,
   * the first one in the model's order. */
  model[2].name = "3.weights";
  g_assert_false (st_safetensors_check (file, model, N_LENET, &error));
  assert_message (error, path, (const char *[]) { "3.weights is missing", NULL });
  g_clear_error (&error);

  /* Without the bias in the model, the file's extra tensor is reported. */
  model[2].name = "3.weight";
  g_assert_false (st_safetensors_check (file, model, N_LENET - 1, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_MISMATCH);
  assert_message (error, path, (const char *[]) { "11.bias is in the file but not in the model",
                                                  NULL });
}

/* ---- atomic writes ------------------------------------------------------------------- */

static void
test_atomic_basic (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "a.txt");
  g_autofree char *missing = g_build_filename (f->dir, "no-such-folder", "a.txt", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  StAtomicFile *file;

  st_atomic_file_set_contents (path, "first", 5, 0644, &error);
  g_assert_no_error (error);
  st_atomic_file_set_contents (path, "second", 6, 0644, &error);
  g_assert_no_error (error);
  bytes = st_test_read_bytes (path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "second", 6);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Streaming, then abandoning: the old contents stay, the temporary goes. */
  file = st_atomic_file_open (path, 0644, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st_atomic_file_get_path (file), ==, path);
  g_assert_true (st_atomic_file_write (file, "thi", 3, &error));
  g_assert_true (st_atomic_file_write (file, "rd", 2, &error));
  st_atomic_file_abort (file);
  bytes = st_test_read_bytes (path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "second", 6);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_autofree char *listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "a.txt");

  file = st_atomic_file_open (path, 0644, &error);
  g_assert_true (st_atomic_file_write (file, "thi", 3, &error));
  g_assert_true (st_atomic_file_write (file, "rd", 2, &error));
  g_assert_true (st_atomic_file_commit (file, &error));
  g_assert_no_error (error);
  bytes = st_test_read_bytes (path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "third", 5);

  g_assert_false (st_atomic_file_set_contents (missing, "x", 1, 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_message (error, missing, (const char *[]) { "temporary file", "No such file", NULL });
}

/* A small model's worth of tensors: 2 writes for the header, one per tensor. */
static gboolean
save_small (const char *path, float value, GError **error)
{
  float a[6], b[3], c[2];
  StSafetensorsTensor tensors[3] = {
    { "0.weight", 2, { 2, 3 }, a }, { "0.bias", 1, { 3 }, b }, { "2.weight", 1, { 2 }, c },
  };

  for (int i = 0; i < 6; i++)
    a[i] = value + (float) i;
  for (int i = 0; i < 3; i++)
    b[i] = -value - (float) i;
  c[0] = c[1] = value * 2;
  return st_safetensors_save (path, tensors, G_N_ELEMENTS (tensors), NULL, error);
}

/* Each of the 5 writes of a save fails in turn with "no space left", then the fsync, then
 * the rename: every time the previous file is byte-identical and no temporary is left. */
static void
test_atomic_faults (Fixture *f, gconstpointer unused)
{
  static const struct {
    StAtomicFileFault fault;
    guint nth;
    int errno_value;
    int code;
    const char *expect;
  } faults[] = {
    { ST_ATOMIC_FILE_FAULT_WRITE, 1, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 2, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 3, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 4, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 5, ENOSPC, G_FILE_ERROR_NOSPC, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_WRITE, 3, EIO, G_FILE_ERROR_IO, "writing failed" },
    { ST_ATOMIC_FILE_FAULT_FSYNC, 1, EIO, G_FILE_ERROR_IO, "flushing to disk failed" },
    { ST_ATOMIC_FILE_FAULT_RENAME, 1, EIO, G_FILE_ERROR_IO, "renaming" },
  };
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GError) error = NULL;

  save_small (path, 1.0f, &error);
  g_assert_no_error (error);
  before = st_test_read_bytes (path);

  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr (GBytes) after = NULL;
      g_autofree char *listing = NULL;

      st_atomic_file_inject_fault (faults[i].fault, faults[i].nth, faults[i].errno_value);
      g_assert_false (save_small (path, 2.0f, &error));
      g_assert_false (st_atomic_file_fault_pending ());
      g_assert_error (error, G_FILE_ERROR, faults[i].code);
      assert_message (error, path, (const char *[]) { faults[i].expect,
                                                      g_strerror (faults[i].errno_value), NULL });
      g_clear_error (&error);

      after = st_test_read_bytes (path);
      g_assert_true (g_bytes_equal (before, after));
      listing = list_folder (f);
      g_assert_cmpstr (listing, ==, "w.safetensors");
    }

  /* A sixth write does not exist: the save succeeds and the fault stays armed. */
  st_atomic_file_inject_fault (ST_ATOMIC_FILE_FAULT_WRITE, 6, ENOSPC);
  g_assert_true (save_small (path, 2.0f, &error));
  g_assert_no_error (error);
  g_assert_true (st_atomic_file_fault_pending ());
  st_atomic_file_inject_fault (ST_ATOMIC_FILE_FAULT_NONE, 0, 0);
  g_assert_false (st_atomic_file_fault_pending ());
}

/* The kernel may write less than asked; the rest must follow. */
static void
test_atomic_short_write (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autofree char *reference = path_in (f, "reference.safetensors");
  g_autoptr (GBytes) want = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;

  save_small (reference, 5.0f, &error);
  g_assert_no_error (error);
  for (guint nth = 1; nth <= 5; nth++)
    {
      st_atomic_file_inject_fault (ST_ATOMIC_FILE_FAULT_SHORT, nth, 0);
      g_assert_true (save_small (path, 5.0f, &error));
      g_assert_no_error (error);
      g_assert_false (st_atomic_file_fault_pending ());
    }
  want = st_test_read_bytes (reference);
  got = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (want, got));
}

static void
fill_version (float *data, gsize n, guint version)
{
  for (gsize i = 0; i < n; i++)
    data[i] = (float) ((i * 7 + (gsize) version * 13) % 65536);
}

/* A large file stamped with its version in the metadata and in every value. */
static gboolean
save_version (const char *path, guint version, float *big, GError **error)
{
  g_autofree char *stamp = g_strdup_printf ("%u", version);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  float small[3] = { (float) version, 1, 2 };
  StSafetensorsTensor tensors[3] = {
    { "small", 1, { 3 }, small },
    { "big", 2, { BIG_NUMEL / 1024, 1024 }, big },
    { "tail", 1, { 3 }, small },
  };

  fill_version (big, BIG_NUMEL, version);
  g_hash_table_insert (metadata, "version", stamp);
  return st_safetensors_save (path, tensors, G_N_ELEMENTS (tensors), metadata, error);
}

/* Loads the file and returns its version when every value matches it, -1 otherwise. */
static gint64
load_version (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_autofree float *want = NULL;
  const char *stamp;
  const float *big = NULL;
  const float *small = NULL;
  guint64 version;

  g_assert_no_error (error);
  if (file == NULL)
    return -1;
  stamp = st_safetensors_get_metadata_value (file, "version");
  if (stamp == NULL || !g_ascii_string_to_unsigned (stamp, 10, 0, G_MAXUINT, &version, NULL)
      || !st_safetensors_get (file, "big", NULL, NULL, &big)
      || !st_safetensors_get (file, "small", NULL, NULL, &small))
    return -1;
  want = g_new (float, BIG_NUMEL);
  fill_version (want, BIG_NUMEL, (guint) version);
  if (memcmp (want, big, BIG_NUMEL * sizeof (float)) != 0 || small[0] != (float) version)
    return -1;
  return (gint64) version;
}

static int
helper_save_loop (const char *path, const char *first)
{
  float *big = g_new (float, BIG_NUMEL);
  guint version = (guint) g_ascii_strtoull (first, NULL, 10);

  for (;; version++)
    {
      g_autoptr (GError) error = NULL;

      if (!save_version (path, version, big, &error))
        {
          g_printerr ("%s\n", error->message);
          g_free (big);
          return 1;
        }
    }
}

static int
helper_save_once (const char *path, const char *version)
{
  g_autoptr (GError) error = NULL;

  if (!save_small (path, (float) g_ascii_strtod (version, NULL), &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

/* The environment variable arms a fault in a child process. */
static void
test_atomic_fault_environment (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "STRATA_ATOMIC_FILE_FAULT",
                                         "write:3:ENOSPC", TRUE);
  const char *argv[] = { self_exe, "--save-once", path, "9", NULL };
  g_autofree char *err = NULL;
  g_autofree char *listing = NULL;
  int status = 0;

  save_small (path, 1.0f, &error);
  g_assert_no_error (error);
  before = st_test_read_bytes (path);

  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_test_message ("child: %s", err);
  g_assert_true (g_str_has_prefix (err, path));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  after = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  listing = list_folder (f);
  g_assert_cmpstr (listing, ==, "w.safetensors");
}

/* kill -9 in the middle of saving a large file, several times: each time the file loads
 * and is one complete version. */
static void
test_atomic_kill (Fixture *f, gconstpointer unused)
{
  const guint rounds = 6;
  g_autofree char *path = path_in (f, "big.safetensors");
  g_autofree float *big = g_new (float, BIG_NUMEL);
  g_autoptr (GError) error = NULL;
  guint mid_save = 0, new_versions = 0;

  save_version (path, 0, big, &error);
  g_assert_no_error (error);
  g_assert_cmpint (load_version (path), ==, 0);

  for (guint round = 1; round <= rounds; round++)
    {
      g_autofree char *first = g_strdup_printf ("%u", round * 1000);
      const char *argv[] = { self_exe, "--save-loop", path, first, NULL };
      GPid pid = 0;
      int status = 0;
      gint64 version;
      gint64 previous = load_version (path);

      g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                     &error);
      g_assert_no_error (error);
      if (error != NULL)
        return;
      g_usleep ((gulong) g_test_rand_int_range (100, 900) * 1000);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

      if (remove_temporaries (f) > 0)
        mid_save++;
      version = load_version (path);
      g_test_message ("round %u: the file holds version %" G_GINT64_FORMAT, round, version);
      g_assert_true (version == previous
                     || (version >= round * 1000 && version < (round + 1) * 1000));
      if (version != previous)
        new_versions++;
    }
  g_test_message ("%u of %u kills landed mid-save, %u rounds completed a save", mid_save, rounds,
                  new_versions);
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--save-loop") == 0)
    return helper_save_loop (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "--save-once") == 0)
    return helper_save_once (argv[2], argv[3]);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = g_canonicalize_filename (argv[0], NULL);

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/safetensors/round-trip", test_round_trip);
  ADD ("/safetensors/round-trip-empty", test_round_trip_empty);
  ADD ("/safetensors/other-dtypes", test_other_dtypes);
  ADD ("/safetensors/python/from-torch", test_from_python);
  ADD ("/safetensors/python/to-torch", test_to_python);
  ADD ("/safetensors/bad/missing-file", test_bad_missing_file);
  ADD ("/safetensors/skip-unsupported", test_skip_unsupported);
  ADD ("/safetensors/bad-save", test_bad_save);
  ADD ("/safetensors/check", test_check);
  ADD ("/atomic-file/basic", test_atomic_basic);
  ADD ("/atomic-file/faults", test_atomic_faults);
  ADD ("/atomic-file/short-write", test_atomic_short_write);
  ADD ("/atomic-file/fault-environment", test_atomic_fault_environment);
  ADD ("/atomic-file/kill", test_atomic_kill);
#undef ADD
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/safetensors/bad/%s", bad_cases[i].test);
      g_test_add (name, Fixture, &bad_cases[i], fixture_setup, test_bad, fixture_teardown);
    }

  return g_test_run ();
}
