/* test-safetensors-torch: weight files interoperate with PyTorch — a file written the way the
 * safetensors library writes it (F16, BF16 and F64 extras, keys out of data order) reads bit
 * for bit, and a file Strata writes passes the format's layout rules and loads into
 * torch.nn's LeNet-5 with load_state_dict. Both cases skip without python3-torch.
 */
#define G_LOG_DOMAIN "strata-test-safetensors-torch"

#include <json-glib/json-glib.h>
#include <string.h>

#include "safetensors-files.h"
#include "test-util.h"

#define PYTHON ST_TEST_PYTHON

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/safetensors/python/from-torch", test_from_python);
  ADD ("/safetensors/python/to-torch", test_to_python);
#undef ADD

  return g_test_run ();
}
