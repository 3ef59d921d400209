/* run-import.h: a run trained elsewhere brought into the history of runs (run-record.h), and
 * run.json as written, for what StRun leaves out of it.
 *
 * The run of the PyTorch training package (pytorch-train.h): train.py's process 0 writes
 * OUT/metrics.jsonl (the lines of epochs.jsonl) and OUT/best.safetensors (the best epoch's
 * weights under Strata's names; its metadata holds the epoch, "strata.trained_by" and, as
 * the package always carries model.strata.json, the model as "strata.model" with its
 * "training.dataset" the data the run read). The import makes a run folder of them, as
 * st_run_record_begin names one (the time of the import, the model's name), holding:
 *
 *   run.json            "source": "pytorch", status finished, "started" the time of the
 *                       import (OUT does not record when train.py ran), the device
 *                       "PyTorch (train.py, N processes)", epochs planned and done the last
 *                       epoch of metrics.jsonl, the best epoch the one whose weights
 *                       best.safetensors holds ("strata.epoch"; the highest test accuracy of
 *                       metrics.jsonl when it does not say), no "host" or "pid"
 *   model.strata.json   the model, its "epochs" those trained
 *   epochs.jsonl        the epochs of metrics.jsonl that read (run-list.c's rules)
 *   best.safetensors    a copy, checked to hold exactly the model's tensors
 *
 * and no checkpoint: the run cannot be continued. run.json is written last, so a folder
 * left by an import that failed half way is not a run; the import removes what it wrote.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/engine/run-list.h"

G_BEGIN_DECLS

/* Imports the training package's output folder `out_dir` under runs_dir (made if missing)
 * and returns the new run's folder. The model is `model_path` when given, else the
 * "strata.model" of OUT/best.safetensors, else the package's model.strata.json beside OUT
 * (in OUT's parent folder, where `python3 train.py --out OUT` run in the package puts it).
 * `name`: the run's name, NULL for the model's. Errors name the file missing or wrong. */
char       *st_run_import_pytorch (const char  *runs_dir,
                                   const char  *out_dir,
                                   const char  *model_path,
                                   const char  *name,
                                   GError     **error);

/* The run.json of `run_dir` as written, every member (those StRun leaves out too: "host",
 * "pid", "updated", a later writer's), checked only to be a run record (its "format");
 * NULL with `error` naming the file. Free with json_object_unref. */
JsonObject *st_run_read_record    (const char  *run_dir,
                                   GError     **error);

G_END_DECLS
