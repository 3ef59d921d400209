/* fixture.c: the reader for tools/make-fixtures.py's .stfx files and the shared formula.
 *
 * The whole file is read, checked record by record (every length against what is left, every
 * size product against overflow) and each record's data copied into its own allocation, so
 * the typed pointers handed out are aligned and in host byte order.
 */
#define G_LOG_DOMAIN "strata-fixture"

#include "fixture.h"

#include <math.h>
#include <string.h>

#define HEADER_SIZE 12          /* magic, version, record count */
#define MIN_RECORD_SIZE 5       /* u16 name length, a 1-byte name, dtype, rank */

struct _StFixture
{
  char *origin;
  guint32 version;
  GArray *records;              /* StFixtureRecord; name and data owned */
  GHashTable *by_name;          /* borrowed name -> index + 1 */
};

G_DEFINE_QUARK (st-fixture-error-quark, st_fixture_error)

static const char *
dtype_name (StFixtureDtype dtype)
{
  switch (dtype)
    {
    case ST_FIXTURE_F32: return "f32";
    case ST_FIXTURE_I64: return "i64";
    case ST_FIXTURE_U8: return "u8";
    case ST_FIXTURE_F64: return "f64";
    default: return "unknown";
    }
}

static gsize
dtype_size (guint dtype)
{
  switch (dtype)
    {
    case ST_FIXTURE_F32: return 4;
    case ST_FIXTURE_I64: return 8;
    case ST_FIXTURE_U8: return 1;
    case ST_FIXTURE_F64: return 8;
    default: return 0;
    }
}

static void
record_clear (gpointer p)
{
  StFixtureRecord *r = p;

  g_free ((char *) r->name);
  g_free ((gpointer) r->data);
}

void
st_fixture_free (StFixture *fixture)
{
  if (fixture == NULL)
    return;
  g_hash_table_unref (fixture->by_name);
  g_array_unref (fixture->records);
  g_free (fixture->origin);
  g_free (fixture);
}

/* ---- parsing ------------------------------------------------------------------------- */

typedef struct
{
  const guint8 *p;
  gsize left;
  gsize offset;
  const char *origin;
} Cursor;

static gboolean
take (Cursor *c, gsize n, const char *what, GError **error)
{
  if (c->left < n)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_TRUNCATED,
                   "%s: truncated: the file ends at byte %" G_GSIZE_FORMAT " inside %s "
                   "(%" G_GSIZE_FORMAT " bytes needed, %" G_GSIZE_FORMAT " left)",
                   c->origin, c->offset + c->left, what, n, c->left);
      return FALSE;
    }
  return TRUE;
}

static void
advance (Cursor *c, gsize n)
{
  c->p += n;
  c->left -= n;
  c->offset += n;
}

static guint16
read_u16 (Cursor *c)
{
  guint16 v;

  memcpy (&v, c->p, 2);
  advance (c, 2);
  return GUINT16_FROM_LE (v);
}

static guint32
read_u32 (Cursor *c)
{
  guint32 v;

  memcpy (&v, c->p, 4);
  advance (c, 4);
  return GUINT32_FROM_LE (v);
}

static gint64
read_i64 (Cursor *c)
{
  guint64 v;

  memcpy (&v, c->p, 8);
  advance (c, 8);
  return (gint64) GUINT64_FROM_LE (v);
}

static void
to_host_order (guint8 *data, gsize n, gsize size)
{
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < n; i++)
    for (gsize a = 0, b = size - 1; a < b; a++, b--)
      {
        guint8 t = data[i * size + a];
        data[i * size + a] = data[i * size + b];
        data[i * size + b] = t;
      }
#else
  (void) data;
  (void) n;
  (void) size;
#endif
}

static gboolean
read_record (Cursor *c, guint index, StFixtureRecord *r, GError **error)
{
  g_autofree char *what = g_strdup_printf ("record %u", index);
  g_autofree char *name = NULL;
  guint name_len, dtype, rank;
  gsize n = 1, bytes;
  guint8 *data;

  if (!take (c, 2, what, error))
    return FALSE;
  name_len = read_u16 (c);
  if (name_len == 0)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: record %u at byte %" G_GSIZE_FORMAT " has an empty name", c->origin,
                   index, c->offset - 2);
      return FALSE;
    }
  if (!take (c, name_len, what, error))
    return FALSE;
  if (memchr (c->p, 0, name_len) != NULL
      || !g_utf8_validate_len ((const char *) c->p, name_len, NULL))
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: record %u at byte %" G_GSIZE_FORMAT " has a name that is not UTF-8 text",
                   c->origin, index, c->offset);
      return FALSE;
    }
  name = g_strndup ((const char *) c->p, name_len);
  advance (c, name_len);
  g_free (what);
  what = g_strdup_printf ("record %u (\"%s\")", index, name);

  if (!take (c, 2, what, error))
    return FALSE;
  dtype = c->p[0];
  rank = c->p[1];
  advance (c, 2);
  if (dtype_size (dtype) == 0)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: %s has dtype code %u; known codes are 1 (f32), 2 (i64), 3 (u8), "
                   "4 (f64)", c->origin, what, dtype);
      return FALSE;
    }
  if (rank > ST_FIXTURE_MAX_RANK)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: %s has rank %u, more than %d", c->origin, what, rank,
                   ST_FIXTURE_MAX_RANK);
      return FALSE;
    }
  if (!take (c, 8 * (gsize) rank, what, error))
    return FALSE;
  memset (r, 0, sizeof *r);
  for (guint d = 0; d < rank; d++)
    {
      r->dims[d] = read_i64 (c);
      if (r->dims[d] < 0 || !g_size_checked_mul (&n, n, (gsize) r->dims[d]))
        {
          g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                       "%s: %s has an impossible size %" G_GINT64_FORMAT " in dimension %u",
                       c->origin, what, r->dims[d], d);
          return FALSE;
        }
    }
  if (!g_size_checked_mul (&bytes, n, dtype_size (dtype)))
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: %s is too large to exist", c->origin, what);
      return FALSE;
    }
  if (!take (c, bytes, what, error))
    return FALSE;

  /* One spare zero byte so u8 text is a C string; g_malloc aligns for any dtype. */
  data = g_malloc (bytes + 1);
  memcpy (data, c->p, bytes);
  data[bytes] = 0;
  to_host_order (data, n, dtype_size (dtype));
  advance (c, bytes);

  r->name = g_steal_pointer (&name);
  r->dtype = dtype;
  r->rank = rank;
  r->n_elements = n;
  r->data = data;
  return TRUE;
}

StFixture *
st_fixture_load_from_data (const guint8 *data, gsize length, const char *origin,
                           GError **error)
{
  g_autoptr (StFixture) fx = NULL;
  Cursor c = { data, length, 0, origin };
  guint32 count;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (origin != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length >= 4 && memcmp (data, "STFX", 4) != 0)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_MAGIC,
                   "%s: not a Strata fixture: it starts with %02x %02x %02x %02x, not \"STFX\"",
                   origin, data[0], data[1], data[2], data[3]);
      return NULL;
    }
  if (!take (&c, HEADER_SIZE, "the header", error))
    return NULL;
  advance (&c, 4);

  fx = g_new0 (StFixture, 1);
  fx->origin = g_strdup (origin);
  fx->records = g_array_new (FALSE, TRUE, sizeof (StFixtureRecord));
  g_array_set_clear_func (fx->records, record_clear);
  fx->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  fx->version = read_u32 (&c);
  if (fx->version != ST_FIXTURE_VERSION)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_VERSION,
                   "%s: fixture version %u; this reader knows version %d — regenerate it with "
                   "tools/make-fixtures.py", origin, fx->version, ST_FIXTURE_VERSION);
      return NULL;
    }
  count = read_u32 (&c);
  if (count > c.left / MIN_RECORD_SIZE)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_TRUNCATED,
                   "%s: truncated: the header promises %u records but only %" G_GSIZE_FORMAT
                   " bytes follow", origin, count, c.left);
      return NULL;
    }

  for (guint i = 0; i < count; i++)
    {
      StFixtureRecord r;

      if (!read_record (&c, i, &r, error))
        return NULL;
      if (g_hash_table_contains (fx->by_name, r.name))
        {
          g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                       "%s: record %u repeats the name \"%s\"", origin, i, r.name);
          record_clear (&r);
          return NULL;
        }
      g_array_append_val (fx->records, r);
      g_hash_table_insert (fx->by_name, (gpointer) r.name, GUINT_TO_POINTER (i + 1));
    }
  if (c.left != 0)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: %" G_GSIZE_FORMAT " unexpected bytes after the last of %u records",
                   origin, c.left, count);
      return NULL;
    }
  return g_steal_pointer (&fx);
}

StFixture *
st_fixture_load (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_IO, "%s: cannot read: %s", path,
                   local->message);
      return NULL;
    }
  return st_fixture_load_from_data ((const guint8 *) contents, length, path, error);
}

/* ---- lookups ------------------------------------------------------------------------- */

const char *
st_fixture_get_origin (const StFixture *fixture)
{
  g_return_val_if_fail (fixture != NULL, NULL);
  return fixture->origin;
}

guint32
st_fixture_get_version (const StFixture *fixture)
{
  g_return_val_if_fail (fixture != NULL, 0);
  return fixture->version;
}

guint
st_fixture_get_n_records (const StFixture *fixture)
{
  g_return_val_if_fail (fixture != NULL, 0);
  return fixture->records->len;
}

const StFixtureRecord *
st_fixture_get_record (const StFixture *fixture, guint index)
{
  g_return_val_if_fail (fixture != NULL, NULL);
  g_return_val_if_fail (index < fixture->records->len, NULL);
  return &g_array_index (fixture->records, StFixtureRecord, index);
}

const StFixtureRecord *
st_fixture_lookup (const StFixture *fixture, const char *name)
{
  guint i;

  g_return_val_if_fail (fixture != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  i = GPOINTER_TO_UINT (g_hash_table_lookup (fixture->by_name, name));
  return i == 0 ? NULL : &g_array_index (fixture->records, StFixtureRecord, i - 1);
}

static gconstpointer
get_typed (const StFixture *fixture, const char *name, StFixtureDtype dtype, gsize *n_elements,
           GError **error)
{
  const StFixtureRecord *r;

  g_return_val_if_fail (fixture != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  r = st_fixture_lookup (fixture, name);
  if (r == NULL)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_MISSING,
                   "%s: no record \"%s\"", fixture->origin, name);
      return NULL;
    }
  if (r->dtype != dtype)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_MISSING,
                   "%s: record \"%s\" holds %s, not %s", fixture->origin, name,
                   dtype_name (r->dtype), dtype_name (dtype));
      return NULL;
    }
  if (n_elements != NULL)
    *n_elements = r->n_elements;
  return r->data;
}

const float *
st_fixture_get_f32 (const StFixture *fixture, const char *name, gsize *n_elements,
                    GError **error)
{
  return get_typed (fixture, name, ST_FIXTURE_F32, n_elements, error);
}

const gint64 *
st_fixture_get_i64 (const StFixture *fixture, const char *name, gsize *n_elements,
                    GError **error)
{
  return get_typed (fixture, name, ST_FIXTURE_I64, n_elements, error);
}

const double *
st_fixture_get_f64 (const StFixture *fixture, const char *name, gsize *n_elements,
                    GError **error)
{
  return get_typed (fixture, name, ST_FIXTURE_F64, n_elements, error);
}

const char *
st_fixture_get_text (const StFixture *fixture, const char *name, GError **error)
{
  return get_typed (fixture, name, ST_FIXTURE_U8, NULL, error);
}

const char *
st_fixture_get_meta (const StFixture *fixture)
{
  return st_fixture_get_text (fixture, "meta", NULL);
}

GStrv
st_fixture_dup_param_names (const StFixture *fixture, GError **error)
{
  const char *text = st_fixture_get_text (fixture, "param_names", error);

  if (text == NULL)
    return NULL;
  if (*text == '\0')
    return g_new0 (char *, 1);
  return g_strsplit (text, "\n", -1);
}

gboolean
st_fixture_fill_param (const StFixture *fixture, const char *param, float *out, gsize n,
                       GError **error)
{
  g_autofree char *rule_name = g_strconcat (param, ":rule", NULL);
  g_autofree char *shape_name = g_strconcat (param, ":shape", NULL);
  const double *rule;
  const gint64 *shape;
  gsize n_rule, rank, numel = 1;

  g_return_val_if_fail (out != NULL || n == 0, FALSE);
  rule = st_fixture_get_f64 (fixture, rule_name, &n_rule, error);
  if (rule == NULL)
    return FALSE;
  shape = st_fixture_get_i64 (fixture, shape_name, &rank, error);
  if (shape == NULL)
    return FALSE;
  for (gsize d = 0; d < rank; d++)
    numel *= (gsize) shape[d];
  if (n_rule != 4 || rule[0] < 0 || rule[0] != floor (rule[0]) || numel != n)
    {
      g_set_error (error, ST_FIXTURE_ERROR, ST_FIXTURE_ERROR_CORRUPT,
                   "%s: parameter %s has %" G_GSIZE_FORMAT " elements and a %" G_GSIZE_FORMAT
                   "-value rule; asked to fill %" G_GSIZE_FORMAT, fixture->origin, param,
                   numel, n_rule, n);
      return FALSE;
    }
  st_fixture_fill_weights_offset (out, n, (int) rule[0], rule[2], rule[3]);
  return TRUE;
}

/* ---- the formula --------------------------------------------------------------------- */

guint32
st_fixture_hash (guint64 i, guint32 tensor_index)
{
  /* Every step is mod 2^32: unsigned arithmetic wraps, and the cast keeps the low bits. */
  guint32 x = (guint32) (i * ST_FIXTURE_MULTIPLIER + tensor_index * ST_FIXTURE_TENSOR_STRIDE
                         + ST_FIXTURE_ADDEND);

  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

double
st_fixture_uniform (guint64 i, guint32 tensor_index)
{
  return st_fixture_hash (i, tensor_index) / 4294967296.0;
}

double
st_fixture_bound (gint64 fan_in)
{
  g_return_val_if_fail (fan_in > 0, 0.0);
  return 1.0 / sqrt ((double) fan_in);
}

/* (u - 0.5) * 2.0 * bound in double, one rounding to float32. There is no multiply-add in
 * the expression, so no compiler may contract it into an fma and change the last bit. */
void
st_fixture_fill_weights (float *out, gsize n, int tensor_index, double bound)
{
  g_return_if_fail (out != NULL || n == 0);
  g_return_if_fail (tensor_index >= 0);

  for (gsize i = 0; i < n; i++)
    out[i] = (float) ((st_fixture_uniform (i, (guint32) tensor_index) - 0.5) * 2.0 * bound);
}

void
st_fixture_fill_weights_offset (float *out, gsize n, int tensor_index, double bound,
                                double offset)
{
  float off = (float) offset;

  st_fixture_fill_weights (out, n, tensor_index, bound);
  if (offset != 0.0)
    for (gsize i = 0; i < n; i++)
      out[i] = off + out[i];
}

void
st_fixture_fill_input (float *out, gsize n, int channels, gsize plane, const double *mean,
                       const double *std, int n_stats)
{
  g_return_if_fail (out != NULL || n == 0);
  g_return_if_fail (channels > 0 && plane > 0);
  g_return_if_fail ((mean == NULL) == (std == NULL));
  g_return_if_fail (mean == NULL || n_stats == 1 || n_stats == channels);

  for (gsize i = 0; i < n; i++)
    {
      float x = (float) (st_fixture_hash (i, ST_FIXTURE_INPUT_STREAM) >> 24) / 255.0f;

      if (mean != NULL)
        {
          int c = n_stats == 1 ? 0 : (int) ((i / plane) % (gsize) channels);
          x = (x - (float) mean[c]) / (float) std[c];
        }
      out[i] = x;
    }
}

void
st_fixture_fill_labels (gint64 *out, gsize n, int n_classes)
{
  g_return_if_fail (out != NULL || n == 0);
  g_return_if_fail (n_classes > 0);

  for (gsize i = 0; i < n; i++)
    out[i] = (gint64) (i % (gsize) n_classes);
}

gsize
st_fixture_sample_indices (gint64 *out, gsize numel)
{
  g_return_val_if_fail (out != NULL, 0);

  if (numel <= ST_FIXTURE_MAX_SAMPLES)
    {
      for (gsize i = 0; i < numel; i++)
        out[i] = (gint64) i;
      return numel;
    }
  for (gsize j = 0; j < ST_FIXTURE_MAX_SAMPLES; j++)
    out[j] = (gint64) (j * (numel - 1) / (ST_FIXTURE_MAX_SAMPLES - 1));
  return ST_FIXTURE_MAX_SAMPLES;
}
