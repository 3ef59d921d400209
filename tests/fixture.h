/* fixture.h: reading the PyTorch reference fixtures (tests/fixtures/<preset>.stfx) and
 * rebuilding their weights and inputs bit for bit.
 *
 * The fixtures are written by tools/make-fixtures.py; its header is the format's reference
 * and lists every record. In short, a file is
 *   "STFX", u32 version (1), u32 record count, then records:
 *   u16 name length, name (UTF-8), u8 dtype, u8 rank (0..8), rank × i64 dims, raw data
 * all little-endian; names such as "input", "output", "loss", "input.grad", "0.weight:grad".
 *
 * The formula both sides share, for element i (flat, row-major) of tensor number t:
 *   x = (i * 2654435761 + t * 40503 + 12345) mod 2^32,  h = fmix32 (x),  u = h / 2^32
 *   weight = (float) ((u - 0.5) * 2.0 * bound)         [+ offset, as a float32 addition]
 *   pixel  = (float) (h (i, 1000) >> 24) / 255.0f, then (pixel - mean[c]) / std[c] in float32
 * Parameter tensors are numbered in named_parameters() order (state_dict order without
 * buffers); each one's bound and offset are in its "P:rule" record.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ST_FIXTURE_VERSION        1
#define ST_FIXTURE_MAX_RANK       8

#define ST_FIXTURE_MULTIPLIER     G_GUINT64_CONSTANT (2654435761)
#define ST_FIXTURE_TENSOR_STRIDE  G_GUINT64_CONSTANT (40503)
#define ST_FIXTURE_ADDEND         G_GUINT64_CONSTANT (12345)
#define ST_FIXTURE_INPUT_STREAM   1000u
#define ST_FIXTURE_MAX_SAMPLES    64
#define ST_FIXTURE_FULL_GRAD_MAX  4096

typedef enum {
  ST_FIXTURE_F32 = 1,
  ST_FIXTURE_I64 = 2,
  ST_FIXTURE_U8 = 3,     /* UTF-8 text (JSON, names); the loaded copy ends in a NUL */
  ST_FIXTURE_F64 = 4,
} StFixtureDtype;

#define ST_FIXTURE_ERROR (st_fixture_error_quark ())

typedef enum {
  ST_FIXTURE_ERROR_IO,         /* the file cannot be read */
  ST_FIXTURE_ERROR_MAGIC,      /* it does not start with "STFX" */
  ST_FIXTURE_ERROR_VERSION,    /* a version this reader does not know */
  ST_FIXTURE_ERROR_TRUNCATED,  /* it ends inside the header or a record */
  ST_FIXTURE_ERROR_CORRUPT,    /* bad name, dtype, rank or size, a repeated name, extra bytes */
  ST_FIXTURE_ERROR_MISSING,    /* a lookup found no such record, or one of another kind */
} StFixtureError;

typedef struct {
  const char *name;
  StFixtureDtype dtype;
  int rank;
  gint64 dims[ST_FIXTURE_MAX_RANK];
  gsize n_elements;            /* product of dims; 1 for rank 0 */
  gconstpointer data;          /* n_elements values in host order, aligned for the dtype */
} StFixtureRecord;

typedef struct _StFixture StFixture;

GQuark st_fixture_error_quark (void);

/* Loading. Every error message starts with the file's path (or origin). */
StFixture *st_fixture_load (const char *path, GError **error);
StFixture *st_fixture_load_from_data (const guint8 *data, gsize length, const char *origin,
                                      GError **error);
void st_fixture_free (StFixture *fixture);

const char *st_fixture_get_origin (const StFixture *fixture);
guint32 st_fixture_get_version (const StFixture *fixture);
guint st_fixture_get_n_records (const StFixture *fixture);
const StFixtureRecord *st_fixture_get_record (const StFixture *fixture, guint index);

/* NULL when there is no record of that name. */
const StFixtureRecord *st_fixture_lookup (const StFixture *fixture, const char *name);

/* Typed lookups: NULL and ST_FIXTURE_ERROR_MISSING when the record is absent or of another
 * dtype. n_elements may be NULL. */
const float *st_fixture_get_f32 (const StFixture *fixture, const char *name, gsize *n_elements,
                                 GError **error);
const gint64 *st_fixture_get_i64 (const StFixture *fixture, const char *name, gsize *n_elements,
                                  GError **error);
const double *st_fixture_get_f64 (const StFixture *fixture, const char *name, gsize *n_elements,
                                  GError **error);
const char *st_fixture_get_text (const StFixture *fixture, const char *name, GError **error);

/* The "meta" record: JSON text (format, preset, torch_version, batch_size, loss, ...). */
const char *st_fixture_get_meta (const StFixture *fixture);

/* Parameter names in tensor-index order, from "param_names"; free with g_strfreev. */
GStrv st_fixture_dup_param_names (const StFixture *fixture, GError **error);

/* Fills out[0..n) with the starting values of parameter `param` by its "P:rule" record.
 * n must be the parameter's element count (checked against "P:shape"). */
gboolean st_fixture_fill_param (const StFixture *fixture, const char *param, float *out,
                                gsize n, GError **error);

/* The formula. */
guint32 st_fixture_hash (guint64 i, guint32 tensor_index);
double st_fixture_uniform (guint64 i, guint32 tensor_index);
double st_fixture_bound (gint64 fan_in);
void st_fixture_fill_weights (float *out, gsize n, int tensor_index, double bound);
void st_fixture_fill_weights_offset (float *out, gsize n, int tensor_index, double bound,
                                     double offset);

/* out: (N, C, H, W) flat, n = N*C*H*W, plane = H*W. mean/std hold n_stats values (1: the
 * same for every channel, or `channels`); both NULL when the model has no normalisation. */
void st_fixture_fill_input (float *out, gsize n, int channels, gsize plane, const double *mean,
                            const double *std, int n_stats);
void st_fixture_fill_labels (gint64 *out, gsize n, int n_classes);

/* Sampled flat indices of a tensor of numel elements; returns how many (at most 64). */
gsize st_fixture_sample_indices (gint64 *out, gsize numel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StFixture, st_fixture_free)

G_END_DECLS
