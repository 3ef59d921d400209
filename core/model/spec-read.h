/* spec-read.h: reading a model — the `*.strata.json` model file, its text, or a preset
 * shipped with Strata — into a spec (spec.h).
 *
 * Per file, strict: what is not a model at all is a GError naming the source. Per layer,
 * lenient: an unknown type or argument, or a value of the wrong kind, becomes the node's
 * problem and the rest of the model still loads (see spec.h).
 */
#pragma once

#include "core/model/spec.h"

G_BEGIN_DECLS

/* The largest model file read; a real one is a few kilobytes. */
#define ST_SPEC_MAX_FILE_SIZE ((gsize) 64 * 1024 * 1024)

/* `origin` names the source in messages: a file name, "preset lenet5", ... */
StSpec     *st_spec_load_from_data   (const char   *data,
                                      gssize        length,
                                      const char   *origin,
                                      GError      **error);
/* Refuses what is not a regular file (a FIFO, a device: see input-file.h) without waiting
 * on it, and files over ST_SPEC_MAX_FILE_SIZE. */
StSpec     *st_spec_load_from_file   (const char   *path,
                                      GError      **error);
/* `name_or_path`: a preset name ("lenet5") or a file path. */
StSpec     *st_spec_load             (const char   *name_or_path,
                                      GError      **error);

/* Names of the presets shipped with Strata, NULL-terminated, in course order. */
const char * const *st_preset_names  (void);

G_END_DECLS
