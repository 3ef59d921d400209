/* fuzz-util.h: what the fuzz targets share.
 *
 * Most readers take a path, so a target writes its input to a file in a scratch folder
 * that is made once per process and removed when the process exits. GLib criticals and
 * warnings are made fatal: a public function's guard that trips on outside input is a bug
 * the fuzzer must report, not a line in a log.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int   LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Sets up the process on the first call; cheap afterwards. */
void  fuzz_init              (void);

/* The scratch folder, created on the first call. */
const char *fuzz_scratch_dir (void);

/* Writes `size` bytes to `name` (which may hold '/': folders are made) under the scratch
 * folder, replacing what was there, and returns the full path. Aborts when the write
 * fails: a fuzzer that cannot write its input tests nothing. */
char *fuzz_write_file        (const char    *name,
                              const uint8_t *data,
                              size_t         size);

/* Removes `name` under the scratch folder, and everything under it when it is a folder. */
void  fuzz_remove            (const char *name);

/* Checks that a refused input got a message, and shows it under
 * G_MESSAGES_DEBUG=strata-fuzz (replaying one file says why it was refused). */
void  fuzz_rejected          (const GError *error);

/* Reads every byte of `len` bytes at `p`, so that the sanitizers see a read past the end
 * of a buffer a reader handed back. */
void  fuzz_touch             (const void *p,
                              size_t      len);

G_END_DECLS
