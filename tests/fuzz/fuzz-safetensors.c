/* fuzz-safetensors.c: safetensors files (core/io/safetensors-read.c) and checkpoints checked
 * against a model (core/engine/checkpoint.c).
 *
 * The input is the file. It is loaded both strictly and skipping unsupported dtypes; every
 * tensor and metadata value a load hands back is read to its last byte. Then it is loaded
 * as a checkpoint of a small net with a convolution, a BatchNorm (whose running statistics
 * are buffers) and a linear layer: the model the seeds corpus/safetensors/tiny-*.safetensors
 * were saved from.
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include <string.h>

#include "core/engine/checkpoint.h"
#include "core/engine/net.h"
#include "core/io/safetensors.h"
#include "core/model/spec-read.h"
#include "fuzz-util.h"

#define TINY_MODEL \
  "{\"format\": \"strata-model/1\", \"name\": \"tiny\"," \
  " \"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}," \
  " \"layers\": [{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 2," \
  "             \"kernel_size\": 3}," \
  "            {\"type\": \"BatchNorm2d\", \"num_features\": 2}," \
  "            {\"type\": \"ReLU\"}," \
  "            {\"type\": \"Flatten\"}," \
  "            {\"type\": \"Linear\", \"in_features\": 8, \"out_features\": 3}]}"

static StNet *tiny_net;
static float *tiny_params;
static float *tiny_buffers;

static void
tiny_net_init (void)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (GError) error = NULL;

  if (tiny_net != NULL)
    return;
  spec = st_spec_load_from_data (TINY_MODEL, -1, "the tiny model", &error);
  g_assert (spec != NULL);
  tiny_net = st_net_compile (spec, &error);
  if (tiny_net == NULL)
    g_error ("the tiny model does not compile: %s", error->message);
  tiny_params = g_new0 (float, tiny_net->n_params);
  tiny_buffers = g_new0 (float, MAX (tiny_net->n_buffers, 1));
}

static void
walk (const StSafetensors *file)
{
  GHashTableIter iter;
  gpointer key, value;

  for (gsize i = 0; i < st_safetensors_get_n_tensors (file); i++)
    {
      StSafetensorsTensor t;
      gint64 numel, dims[ST_SAFETENSORS_MAX_RANK];
      const float *data;
      int rank;

      st_safetensors_get_nth (file, i, &t);
      g_assert (g_utf8_validate (t.name, -1, NULL));
      numel = st_safetensors_tensor_numel (&t);
      g_assert (numel >= 0 && t.rank >= 0 && t.rank <= ST_SAFETENSORS_MAX_RANK);
      g_assert (numel == 0 || t.data != NULL);
      fuzz_touch (t.data, (gsize) numel * sizeof (float));
      g_assert (st_safetensors_get (file, t.name, &rank, dims, &data));
      g_assert (rank == t.rank && data == t.data);
      g_assert (memcmp (dims, t.dims, (gsize) rank * sizeof dims[0]) == 0);
    }
  g_hash_table_iter_init (&iter, st_safetensors_get_metadata (file));
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert (g_utf8_validate (key, -1, NULL) && g_utf8_validate (value, -1, NULL));
      g_assert (st_safetensors_get_metadata_value (file, key) == value);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autoptr (GHashTable) metadata = NULL;
  g_autoptr (GError) error = NULL;
  StSafetensors *file;

  fuzz_init ();
  tiny_net_init ();
  path = fuzz_write_file ("weights.safetensors", data, size);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_DEFAULT, &error);
  if (file != NULL)
    {
      walk (file);
      st_safetensors_free (file);
    }
  else
    fuzz_rejected (error);
  g_clear_error (&error);

  file = st_safetensors_load (path, ST_SAFETENSORS_LOAD_SKIP_UNSUPPORTED, &error);
  if (file == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }
  walk (file);
  st_safetensors_free (file);

  if (st_checkpoint_load (tiny_net, path, tiny_params, tiny_buffers, &metadata, &error))
    {
      g_assert (metadata != NULL);
      fuzz_touch (tiny_params, tiny_net->n_params * sizeof (float));
    }
  else
    fuzz_rejected (error);
  return 0;
}
