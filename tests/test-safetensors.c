/* test-safetensors: weight files round-trip bit for bit (metadata, NaN payloads, empty and
 * 0-d tensors; F16, BF16 and F64 read as float32), reject every broken header and every bad
 * tensor list with a message that names the file, and are checked against the model's
 * parameters. Files that once crashed or hung the reader (a header nested past the stack, a
 * FIFO) are refused with a message. PyTorch's side is test-safetensors-torch; saving under
 * faults, test-atomic-file.
 */
#define G_LOG_DOMAIN "strata-test-safetensors"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "core/engine/checkpoint.h"
#include "core/io/json-guard.h"
#include "core/model/spec-read.h"
#include "safetensors-files.h"
#include "test-util.h"

/* ---- round trip ---------------------------------------------------------------------- */

static float
bits_to_float (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
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

/* ---- bad files ----------------------------------------------------------------------- */

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

/* ---- files that crashed or hung the reader --------------------------------------------- */

/* Runs the case again in a child that must pass within `seconds`, so that a reader that
 * crashes or waits forever fails this case instead of ending the program. TRUE in the
 * child, which goes on with the case; FALSE in the parent, which is done. */
static gboolean
in_child (int seconds)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, (guint64) seconds * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* A header of 100,000 nested lists (json-glib's parser recursed once per level). */
static void
test_bad_deep_json (Fixture *f, gconstpointer unused)
{
  const int n = 100000;
  g_autofree char *path = NULL;
  g_autoptr (GString) header = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;
  g_autofree char *expect = NULL;

  if (!in_child (60))
    return;
  path = path_in (f, "deep.safetensors");
  header = g_string_new ("{\"a\":");
  for (int i = 0; i < n; i++)
    g_string_append_c (header, '[');
  for (int i = 0; i < n; i++)
    g_string_append_c (header, ']');
  g_string_append_c (header, '}');
  write_raw (path, header->str, 0, 0);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_null (file);
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID);
  /* Level 257 is the 256th bracket: 8 bytes of length, 5 of {"a":, 255 brackets before. */
  expect = g_strdup_printf ("the header is JSON nested %d levels deep at byte %d of the file; "
                            "Strata reads at most %d", n + 1, 8 + 5 + 255, ST_JSON_MAX_DEPTH);
  assert_message (error, path, (const char *[]) { expect, NULL });
}

/* A FIFO as the weights file: the open waited for a writer forever. */
static void
test_bad_fifo (Fixture *f, gconstpointer unused)
{
  g_autofree char *path = NULL;
  g_autofree char *link = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StSafetensors) file = NULL;

  if (!in_child (20))
    return;
  path = path_in (f, "weights.safetensors");
  link = path_in (f, "link.safetensors");
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_cmpint (symlink (path, link), ==, 0);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_null (file);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  assert_message (error, path, (const char *[]) { "a FIFO, not a regular file", NULL });
  g_clear_error (&error);

  file = st_safetensors_load (link, ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED, &error);
  g_assert_null (file);
  assert_message (error, link, (const char *[]) { "a FIFO, not a regular file", NULL });
  g_clear_error (&error);

  file = st_safetensors_load ("/dev/zero", ST_SAFETENSORS_LOAD_DEFAULT, &error);
  g_assert_null (file);
  assert_message (error, "/dev/zero", (const char *[]) { "a character device", NULL });
}

/* A model file given as the weights: its first 8 bytes made a header length of
 * 8245921739492559483. */
static void
test_bad_model_file (Fixture *f, gconstpointer unused)
{
  static const char *const models[] = {
    "{\n  \"format\": \"strata-model/1\",\n  \"input\": {\"channels\": 1}, \"layers\": []\n}\n",
    "\xef\xbb\xbf {\"input\": {\"channels\": 1, \"height\": 28, \"width\": 28}}",
  };
  g_autofree char *path = path_in (f, "lenet5.strata.json");
  g_autofree char *expect = g_strdup_printf ("%s is a JSON model file, not a safetensors "
                                             "weights file", path);

  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StSafetensors) file = NULL;

      write_file (path, models[i], strlen (models[i]));
      file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
      g_assert_null (file);
      g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_INVALID);
      if (error != NULL)
        g_assert_cmpstr (error->message, ==, expect);
    }
}

/* A file of `header` then the `size` bytes of `data`. */
static void
write_with_data (const char *path, const char *header, const void *data, gsize size)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  guint64 len_le = GUINT64_TO_LE (strlen (header));

  g_byte_array_append (bytes, (const guint8 *) &len_le, sizeof len_le);
  g_byte_array_append (bytes, (const guint8 *) header, strlen (header));
  g_byte_array_append (bytes, data, size);
  write_file (path, bytes->data, bytes->len);
}

/* Weights in F64 load into the model, converted; in I64 they were reported as missing
 * ("1.weight is missing"), and now by their dtype. */
static void
test_checkpoint_dtypes (Fixture *f, gconstpointer unused)
{
  static const char model[] =
    "{\"input\": {\"channels\": 1, \"height\": 1, \"width\": 2}, \"layers\": ["
    "{\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 1}]}";
  static const double weight_f64[2] = { 0.5, -2.25 };
  static const gint64 weight_i64[2] = { 3, -1 };
  static const float bias = 0.125f;
  g_autofree char *path = path_in (f, "w.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (model, -1, "linear", &error);
  g_autoptr (StNet) net = NULL;
  g_autofree float *params = NULL;
  guint8 data[20];
  int weight;

  g_assert_no_error (error);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  if (net == NULL)
    return;
  params = g_new0 (float, net->n_params);
  weight = st_net_find_tensor (net, "1.weight");
  g_assert_cmpint (weight, >=, 0);

  memcpy (data, weight_f64, 16);
  memcpy (data + 16, &bias, 4);
  write_with_data (path, "{\"1.weight\":{\"dtype\":\"F64\",\"shape\":[1,2],"
                   "\"data_offsets\":[0,16]},"
                   "\"1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}",
                   data, sizeof data);
  g_assert_true (st_checkpoint_load (net, path, params, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (params[net->tensors[weight].offset], ==, 0.5f);
  g_assert_cmpfloat (params[net->tensors[weight].offset + 1], ==, -2.25f);

  memcpy (data, weight_i64, 16);
  write_with_data (path, "{\"1.weight\":{\"dtype\":\"I64\",\"shape\":[1,2],"
                   "\"data_offsets\":[0,16]},"
                   "\"1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}",
                   data, sizeof data);
  g_assert_false (st_checkpoint_load (net, path, params, NULL, NULL, &error));
  g_assert_error (error, ST_SAFETENSORS_ERROR, ST_SAFETENSORS_ERROR_UNSUPPORTED);
  assert_message (error, path, (const char *[]) {
    "1.weight has dtype I64, which Strata cannot read", "F32", NULL });
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/safetensors/round-trip", test_round_trip);
  ADD ("/safetensors/round-trip-empty", test_round_trip_empty);
  ADD ("/safetensors/other-dtypes", test_other_dtypes);
  ADD ("/safetensors/bad/missing-file", test_bad_missing_file);
  ADD ("/safetensors/skip-unsupported", test_skip_unsupported);
  ADD ("/safetensors/bad-save", test_bad_save);
  ADD ("/safetensors/check", test_check);
  ADD ("/safetensors/bad/deep-json", test_bad_deep_json);
  ADD ("/safetensors/bad/fifo", test_bad_fifo);
  ADD ("/safetensors/bad/model-file", test_bad_model_file);
  ADD ("/safetensors/checkpoint-dtypes", test_checkpoint_dtypes);
#undef ADD
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/safetensors/bad/%s", bad_cases[i].test);
      g_test_add (name, Fixture, &bad_cases[i], fixture_setup, test_bad, fixture_teardown);
    }

  return g_test_run ();
}
