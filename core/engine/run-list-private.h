/* run-list-private.h: what the reader of the runs (run-list.c) shares with the import of a
 * run trained elsewhere (run-import.c): run.json read and written as JSON, a new run's
 * folder, and the lines of an epochs file. */
#pragma once

#include <json-glib/json-glib.h>

#include "core/engine/run-list.h"

G_BEGIN_DECLS

/* The JSON object of the run.json at `path`, checked to be a run record ("format" is
 * ST_RUN_FORMAT) and nothing more; `parser` (mutable: the object may be changed and written
 * back) holds it. Errors name the file. */
JsonObject *st_run_json_read   (const char  *path,
                                JsonParser **parser,
                                GError     **error);
/* Writes `record` to `path` atomically, a member a line, in the object's order; numbers
 * that are not finite as null. */
gboolean    st_run_json_write  (const char  *path,
                                JsonObject  *record,
                                GError     **error);
/* A new run folder under runs_dir (made if missing), named by st_run_record_begin's rule:
 * "<local time>-<the name made a file name>", "-2", "-3" … when taken; its id in `id`. */
char       *st_run_dir_create  (const char  *runs_dir,
                                const char  *name,
                                char       **id,
                                GError     **error);
/* The epochs of `path` (epochs.jsonl, or train.py's metrics.jsonl, the same lines) as
 * StEpochMetrics, by the rules of run-list.c; a missing file is an empty array when
 * `missing_ok`, else an error naming it. */
GArray     *st_run_epochs_read (const char  *path,
                                gboolean     missing_ok,
                                GError     **error);

G_END_DECLS
