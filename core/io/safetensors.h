/* safetensors.h: weights in the safetensors format, the one `safetensors.torch` reads.
 *
 * Format (https://github.com/huggingface/safetensors#format):
 *
 *   8 bytes   N, the header length, unsigned 64-bit little-endian
 *   N bytes   the header: a UTF-8 JSON object, padded with spaces
 *             {"__metadata__": {"key": "value", ...},
 *              "0.weight": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [0, 600]},
 *              ...}
 *   the rest  the data buffer; data_offsets [begin, end) count from its first byte.
 *             Tensors are row-major and little-endian, and together they cover the buffer
 *             exactly: no hole, no overlap.
 *
 * Strata writes float32 only, tensors in the order given, "__metadata__" first, and pads
 * the header so that the data starts at a multiple of 8 bytes. It reads F32, and F64,
 * F16 and BF16 converted to float32 (PyTorch users often save half precision). The reader
 * checks every rule above and reports the first broken one, naming the file and tensor.
 *
 * Tensor names follow torch.nn.Sequential's state_dict ("0.weight", "3.bias"), so a file
 * saved here loads with `safetensors.torch.load_file` + `load_state_dict`, and back.
 *
 * Errors: I/O problems are G_FILE_ERROR (saving goes through atomic-file.h), everything
 * else is ST_SAFETENSORS_ERROR.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ST_SAFETENSORS_MAX_RANK 8

/* The largest header the reader accepts, as in the reference implementation. */
#define ST_SAFETENSORS_MAX_HEADER ((guint64) 100 * 1000 * 1000)

#define ST_SAFETENSORS_ERROR (st_safetensors_error_quark ())
GQuark st_safetensors_error_quark (void);

typedef enum {
  ST_SAFETENSORS_ERROR_INVALID,      /* not a valid safetensors file */
  ST_SAFETENSORS_ERROR_UNSUPPORTED,  /* valid, but a dtype Strata cannot read */
  ST_SAFETENSORS_ERROR_ARGUMENT,     /* saving: a bad tensor list (duplicate name, ...) */
  ST_SAFETENSORS_ERROR_MISMATCH,     /* checking: the file does not fit the model */
  ST_SAFETENSORS_ERROR_NO_MEMORY,    /* the file is too large for memory */
} StSafetensorsError;

/* One tensor: what to save, what the model expects, or what a file holds. */
typedef struct {
  const char  *name;                            /* UTF-8, unique, not "__metadata__" */
  int          rank;                            /* 0 (a scalar) to ST_SAFETENSORS_MAX_RANK */
  gint64       dims[ST_SAFETENSORS_MAX_RANK];   /* row-major, dims[0] outermost */
  const float *data;                            /* numel floats; ignored when checking */
} StSafetensorsTensor;

/* Writes `tensors` in the order given, atomically (see atomic-file.h). `metadata` maps
 * strings to strings and may be NULL; its keys are written sorted. */
gboolean st_safetensors_save (const char                *path,
                              const StSafetensorsTensor *tensors,
                              gsize                      n_tensors,
                              GHashTable                *metadata,
                              GError                   **error);

typedef enum {
  ST_SAFETENSORS_LOAD_DEFAULT = 0,
  /* Tensors of a dtype Strata does not read (I64, BOOL, ...; a BatchNorm's
   * num_batches_tracked is I64) are still checked for their place in the data buffer,
   * then left out instead of failing the load. */
  ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED = 1 << 0,
} StSafetensorsLoadFlags;

typedef struct _StSafetensors StSafetensors;

/* Refuses a path that is not a regular file (a FIFO, a device) without opening it, in
 * G_FILE_ERROR (input-file.h); a model file given instead ("w.json is a JSON model file, not
 * a safetensors weights file") and a header nested past ST_JSON_MAX_DEPTH (json-guard.h)
 * are ST_SAFETENSORS_ERROR_INVALID. */
StSafetensors *st_safetensors_load            (const char             *path,
                                               StSafetensorsLoadFlags  flags,
                                               GError                **error);
void           st_safetensors_free            (StSafetensors *file);

const char    *st_safetensors_get_path        (const StSafetensors *file);
/* Tensors in the order of their data in the file. */
gsize          st_safetensors_get_n_tensors   (const StSafetensors *file);
/* Fills `out` with pointers owned by `file`. */
void           st_safetensors_get_nth         (const StSafetensors *file,
                                               gsize                index,
                                               StSafetensorsTensor *out);
/* FALSE when there is no tensor `name`. `dims` has room for ST_SAFETENSORS_MAX_RANK;
 * `data` (float32, owned by `file`) may be NULL when only the shape is wanted. */
gboolean       st_safetensors_get             (const StSafetensors *file,
                                               const char          *name,
                                               int                 *rank,
                                               gint64              *dims,
                                               const float        **data);
/* The "__metadata__" map, string to string; empty when the file has none. */
GHashTable    *st_safetensors_get_metadata    (const StSafetensors *file);
const char    *st_safetensors_get_metadata_value (const StSafetensors *file,
                                                  const char          *key);

/* Checks that the file holds exactly the `expected` tensors with their shapes (`data` is
 * not looked at) and reports the first problem, in the order of `expected` then of the
 * file: "w.safetensors: 3.weight is missing", "... 3.weight has shape [16, 6, 5, 5] in
 * the file but the model needs [16, 3, 5, 5]", "... 12.weight is in the file but not in
 * the model". A tensor the model needs that ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED left out is
 * ST_SAFETENSORS_ERROR_UNSUPPORTED, naming its dtype: "... 0.weight has dtype I64, which
 * Strata cannot read (it reads F32, ...)". */
gboolean       st_safetensors_check           (const StSafetensors       *file,
                                               const StSafetensorsTensor *expected,
                                               gsize                      n_expected,
                                               GError                   **error);

/* Element count of a tensor, or -1 when a dimension is negative or the product
 * overflows. */
gint64         st_safetensors_tensor_numel    (const StSafetensorsTensor *tensor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StSafetensors, st_safetensors_free)

G_END_DECLS
