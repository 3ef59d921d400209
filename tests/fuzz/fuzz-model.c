/* fuzz-model.c: the model file, as the builder and strata-cli read it.
 *
 * Bytes → st_spec_load_from_data → shape inference → the torchsummary table (text and
 * JSON) → compilation to a tape, which sizes every tensor but allocates none. A model that
 * loads must also survive its own round trip: saved and read back, it saves the same.
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include <string.h>

#include "core/engine/net.h"
#include "core/model/infer.h"
#include "core/model/spec-read.h"
#include "core/model/spec.h"
#include "core/model/summary.h"
#include "fuzz-util.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (StSpec) spec = NULL;
  g_autoptr (StSpec) again = NULL;
  g_autoptr (StInfer) infer = NULL;
  g_autoptr (StNet) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *saved_again = NULL;

  fuzz_init ();
  spec = st_spec_load_from_data ((const char *) data, (gssize) size, "fuzz.strata.json",
                                 &error);
  if (spec == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }

  infer = st_spec_infer (spec);
  for (guint i = 0; i < infer->n_layers; i++)
    g_assert (infer->layers[i].error == NULL || infer->layers[i].error[0] != '\0');
  text = st_summary_text (spec, infer);
  json = st_summary_json (spec, infer);
  g_assert (text != NULL && json != NULL);

  saved = st_spec_to_json (spec);
  again = st_spec_load_from_data (saved, -1, "fuzz.strata.json (saved)", NULL);
  g_assert (again != NULL);
  saved_again = st_spec_to_json (again);
  g_assert_cmpstr (saved, ==, saved_again);

  net = st_net_compile (spec, NULL);
  g_assert ((net == NULL) == (infer->n_errors > 0 || spec->layers->len == 0));
  return 0;
}
